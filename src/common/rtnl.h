/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_RTNL_H
#define SLUICE_RTNL_H

#include <stdint.h>

/*
 * The few rtnetlink requests sluice makes of the kernel (an address on the announce
 * interface, a route through a kernel twin), each sent and acknowledged before it returns.
 * Control thread only; a request is a few syscalls, so no library is worth it.
 */

/** A NETLINK_ROUTE socket, or a negative errno. */
int rtnl_open(void);

enum rtnl_addr_op {
	RTNL_ADDR_DEL = 0, /* absent already: 0 */
	RTNL_ADDR_SET,     /* create, or replace */
	RTNL_ADDR_ENSURE,  /* create if absent: 1 when it was, 0 when it was there */
};

/** An IPv4 address/prefix_len on interface ifindex. The kernel's negative errno, or >= 0. */
int rtnl_addr(int fd, int ifindex, uint32_t addr, uint8_t prefix_len, enum rtnl_addr_op op);

/**
 * A host address of either family (/32 or /128, IPv6 without DAD) on ifindex, as
 * rtnl_addr() does for IPv4. The kernel's negative errno, or >= 0.
 */
int rtnl_host_addr(int fd, int ifindex, const uint8_t addr16[16], int v4, enum rtnl_addr_op op);

/** An IPv6 address/prefix_len on interface ifindex, without DAD. 0 or the kernel's errno. */
int rtnl_addr6_add(int fd, int ifindex, const uint8_t addr[16], uint8_t prefix_len);

/**
 * Add a route prefix/depth via gateway out of ifindex with `metric`, in the main table
 * (protocol static), of either family (v4: both addresses are ::ffff:a.b.c.d, as
 * rtnl_host_addr()'s); never replaces a route the kernel has: -EEXIST then.
 */
int rtnl_route_add(int fd, int ifindex, const uint8_t prefix16[16], uint8_t depth,
		   const uint8_t via16[16], int v4, uint32_t metric);

#endif
