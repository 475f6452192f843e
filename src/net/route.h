/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_ROUTE_H
#define SLUICE_ROUTE_H

#include <stdint.h>

#include "common/addr.h"

/*
 * IPv4 routes: the connected subnets of the port addresses and the static routes (the
 * config's, as route_spec), in an rte_fib (DIR24_8). Longest prefix wins; a connected subnet's next hop is
 * the destination itself. Built once at start; read by any thread afterwards.
 */

struct route_table;

struct route_port {
	uint32_t addr;     /* network order */
	uint8_t prefix_len;
};

/*
 * A static route of either family: to prefix/depth through next hop via, both of one
 * family (the config's cfg_route, member for member). route_create takes the IPv4 ones,
 * route6_create (net/route6.h) the IPv6 ones.
 */
struct route_spec {
	union addr46 prefix;
	uint8_t depth; /* 0..32 or 0..128 */
	union addr46 via;
};

/**
 * The table of the ports' subnets and the IPv4 routes among `routes`. NULL + errno (EINVAL:
 * a via outside every connected subnet). Control thread, at start.
 */
struct route_table *route_create(const char *name, const struct route_port *ports,
				 unsigned n_ports, const struct route_spec *routes,
				 unsigned n_routes, int socket);
void route_free(struct route_table *rt);

/**
 * Route dst (network order). On success *port is the port index and *nh the next hop
 * (network order). 0 or -ENOENT. Any thread.
 */
int route_lookup(const struct route_table *rt, uint32_t dst, uint8_t *port, uint32_t *nh);

#endif
