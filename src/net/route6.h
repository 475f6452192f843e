/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_ROUTE6_H
#define SLUICE_ROUTE6_H

#include <stdint.h>

#include "common/addr.h"
#include "net/route.h"

/*
 * IPv6 routes, as net/route.h does IPv4: the connected subnets of the ports' IPv6
 * addresses and the static routes, in an rte_fib6 (a trie of 16-bit next hops). Longest
 * prefix wins; a connected subnet's next hop is the destination itself. Built once at
 * start; read by any thread afterwards.
 */

struct route6_table;

struct route6_port {
	union addr46 addr; /* the port's IPv6 address; a port without one is left out */
	uint8_t prefix_len;
	uint8_t port;      /* its index among the node's ports */
};

/**
 * The table of the ports' IPv6 subnets and the IPv6 routes among `routes` (struct
 * route_spec, net/route.h; the IPv4 ones are route_create's). NULL + errno (EINVAL: a via
 * outside every connected subnet, or an IPv4 port address). Control thread, at start.
 */
struct route6_table *route6_create(const char *name, const struct route6_port *ports,
				   unsigned n_ports, const struct route_spec *routes,
				   unsigned n_routes, int socket);
void route6_free(struct route6_table *rt);

/**
 * Route dst. On success *port is the port index and *nh the next hop. 0 or -ENOENT. Any
 * thread.
 */
int route6_lookup(const struct route6_table *rt, const union addr46 *dst, uint8_t *port,
		  union addr46 *nh);

#endif
