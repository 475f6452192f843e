/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_fib.h>

#include "common/addr.h"
#include "net/route.h"

#define MAX_NH 256 /* distinct (port, gateway) pairs; id 0 means "no route" */
#define NH_DIRECT 0

struct route_nh {
	uint8_t port;
	uint32_t gw; /* NH_DIRECT: the destination is on the link */
};

struct route_table {
	struct rte_fib *fib;
	unsigned n_nh;
	struct route_nh nh[MAX_NH];
};

/* rte_fib works in host order. */
static inline uint32_t
mask_of(uint8_t len)
{
	return rte_be_to_cpu_32(addr_prefix_mask(len));
}

/* The id of a (port, gw) next hop, added when new. 0 when the table of them is full. */
static unsigned
nh_id(struct route_table *rt, uint8_t port, uint32_t gw)
{
	unsigned i;

	for (i = 1; i < rt->n_nh; i++)
		if (rt->nh[i].port == port && rt->nh[i].gw == gw)
			return i;
	if (rt->n_nh >= MAX_NH)
		return 0;
	rt->nh[rt->n_nh] = (struct route_nh){ .port = port, .gw = gw };
	return rt->n_nh++;
}

/* The port whose connected subnet holds ip (host order), or -1. */
static int
connected_port(const struct route_port *ports, unsigned n, uint32_t ip)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		uint32_t m = mask_of(ports[i].prefix_len);

		if ((rte_be_to_cpu_32(ports[i].addr) & m) == (ip & m))
			return (int)i;
	}
	return -1;
}

struct route_table *
route_create(const char *name, const struct route_port *ports, unsigned n_ports,
	     const struct route_spec *routes, unsigned n_routes, int socket)
{
	struct rte_fib_conf conf = {
		.type = RTE_FIB_DIR24_8,
		.default_nh = 0,
		.max_routes = 1024,
		.dir24_8 = { .nh_sz = RTE_FIB_DIR24_8_2B, .num_tbl8 = 256 },
	};
	struct route_table *rt;
	unsigned i;
	int err = EINVAL;

	rt = calloc(1, sizeof(*rt));
	if (rt == NULL)
		return NULL;
	rt->n_nh = 1;
	rt->fib = rte_fib_create(name, socket, &conf);
	if (rt->fib == NULL) {
		err = rte_errno;
		goto fail;
	}
	for (i = 0; i < n_ports; i++) {
		uint32_t a = rte_be_to_cpu_32(ports[i].addr) & mask_of(ports[i].prefix_len);
		unsigned id = nh_id(rt, (uint8_t)i, NH_DIRECT);

		if (id == 0 || rte_fib_add(rt->fib, a, ports[i].prefix_len, id) < 0)
			goto fail;
	}
	for (i = 0; i < n_routes; i++) {
		uint32_t via = rte_be_to_cpu_32(routes[i].via.w[3]);
		uint32_t to = rte_be_to_cpu_32(routes[i].prefix.w[3]) & mask_of(routes[i].depth);
		int port;
		unsigned id;

		if (!addr46_is_v4(&routes[i].prefix))
			continue; /* route6_create's */
		port = connected_port(ports, n_ports, via);
		if (port < 0 || !addr46_is_v4(&routes[i].via) || routes[i].depth > 32)
			goto fail;
		id = nh_id(rt, (uint8_t)port, routes[i].via.w[3]);
		if (id == 0 || rte_fib_add(rt->fib, to, routes[i].depth, id) < 0)
			goto fail;
	}
	return rt;
fail:
	route_free(rt);
	errno = err;
	return NULL;
}

void
route_free(struct route_table *rt)
{
	if (rt == NULL)
		return;
	rte_fib_free(rt->fib);
	free(rt);
}

int
route_lookup(const struct route_table *rt, uint32_t dst, uint8_t *port, uint32_t *nh)
{
	uint32_t ip = rte_be_to_cpu_32(dst);
	uint64_t id = 0;

	if (rte_fib_lookup_bulk(rt->fib, &ip, &id, 1) < 0 || id == 0 || id >= rt->n_nh)
		return -ENOENT;
	*port = rt->nh[id].port;
	*nh = rt->nh[id].gw == NH_DIRECT ? dst : rt->nh[id].gw;
	return 0;
}
