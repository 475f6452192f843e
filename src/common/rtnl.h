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

/**
 * Add (RTM_NEWADDR, create/replace) or delete an IPv4 address/prefix_len on interface
 * ifindex. 0 or the kernel's negative errno; deleting an absent address is 0.
 */
int rtnl_addr(int fd, int ifindex, uint32_t addr, uint8_t prefix_len, int add);

/**
 * Add a route prefix/depth via gateway out of ifindex with `metric`, in the main table
 * (protocol static); never replaces a route the kernel has: -EEXIST then.
 */
int rtnl_route_add(int fd, int ifindex, uint32_t prefix, uint8_t depth, uint32_t via,
		   uint32_t metric);

#endif
