/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_ROUTE_H
#define SLUICE_ROUTE_H

#include <stdint.h>


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

/* A static route: to prefix/depth through next hop via (network order). */
struct route_spec {
	uint32_t prefix;
	uint8_t depth;
	uint32_t via;
};

/** NULL + errno (EINVAL: a via outside every connected subnet). Control thread, at start. */
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
