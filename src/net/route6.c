/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_fib6.h>

#include "net/route6.h"

#define MAX_NH 256 /* distinct (port, gateway) pairs; id 0 means "no route" */

struct route6_nh {
	uint8_t port;
	uint8_t direct;     /* the destination is on the link */
	union addr46 gw;
};

struct route6_table {
	struct rte_fib6 *fib;
	unsigned n_nh;
	struct route6_nh nh[MAX_NH];
};

/* The id of a next hop, added when new. 0 when the table of them is full. */
static unsigned
nh_id(struct route6_table *rt, uint8_t port, const union addr46 *gw)
{
	struct route6_nh want = { .port = port, .direct = gw == NULL };
	unsigned i;

	if (gw != NULL)
		want.gw = *gw;
	for (i = 1; i < rt->n_nh; i++)
		if (rt->nh[i].port == port && rt->nh[i].direct == want.direct &&
		    memcmp(&rt->nh[i].gw, &want.gw, sizeof(want.gw)) == 0)
			return i;
	if (rt->n_nh >= MAX_NH)
		return 0;
	rt->nh[rt->n_nh] = want;
	return rt->n_nh++;
}

/* The port whose connected subnet holds ip, or -1. */
static int
connected_port(const struct route6_port *ports, unsigned n, const union addr46 *ip)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		union addr46 a = addr46_masked(&ports[i].addr, ports[i].prefix_len);
		union addr46 b = addr46_masked(ip, ports[i].prefix_len);

		if (memcmp(&a, &b, sizeof(a)) == 0)
			return ports[i].port;
	}
	return -1;
}

struct route6_table *
route6_create(const char *name, const struct route6_port *ports, unsigned n_ports,
	      const struct route_spec *routes, unsigned n_routes, int socket)
{
	struct rte_fib6_conf conf = {
		.type = RTE_FIB6_TRIE,
		.default_nh = 0,
		.max_routes = 1024,
		.trie = { .nh_sz = RTE_FIB6_TRIE_2B, .num_tbl8 = 1024 },
	};
	struct route6_table *rt;
	unsigned i;
	int err = EINVAL;

	rt = calloc(1, sizeof(*rt));
	if (rt == NULL)
		return NULL;
	rt->n_nh = 1;
	rt->fib = rte_fib6_create(name, socket, &conf);
	if (rt->fib == NULL) {
		err = rte_errno;
		goto fail;
	}
	for (i = 0; i < n_ports; i++) {
		union addr46 net = addr46_masked(&ports[i].addr, ports[i].prefix_len);
		unsigned id;

		if (addr46_is_v4(&ports[i].addr) || ports[i].prefix_len > 128)
			goto fail;
		id = nh_id(rt, ports[i].port, NULL);
		if (id == 0 || rte_fib6_add(rt->fib, net.b, ports[i].prefix_len, id) < 0)
			goto fail;
	}
	for (i = 0; i < n_routes; i++) {
		union addr46 to = addr46_masked(&routes[i].prefix, routes[i].depth);
		int port;
		unsigned id;

		if (addr46_is_v4(&routes[i].prefix))
			continue; /* route_create's */
		port = connected_port(ports, n_ports, &routes[i].via);
		if (port < 0 || addr46_is_v4(&routes[i].via) || routes[i].depth > 128)
			goto fail;
		id = nh_id(rt, (uint8_t)port, &routes[i].via);
		if (id == 0 || rte_fib6_add(rt->fib, to.b, routes[i].depth, id) < 0)
			goto fail;
	}
	return rt;
fail:
	route6_free(rt);
	errno = err;
	return NULL;
}

void
route6_free(struct route6_table *rt)
{
	if (rt == NULL)
		return;
	rte_fib6_free(rt->fib);
	free(rt);
}

int
route6_lookup(const struct route6_table *rt, const union addr46 *dst, uint8_t *port,
	      union addr46 *nh)
{
	uint8_t ip[1][RTE_FIB6_IPV6_ADDR_SIZE];
	uint64_t id = 0;

	memcpy(ip[0], dst->b, 16);
	if (rte_fib6_lookup_bulk(rt->fib, ip, &id, 1) < 0 || id == 0 || id >= rt->n_nh)
		return -ENOENT;
	*port = rt->nh[id].port;
	*nh = rt->nh[id].direct ? *dst : rt->nh[id].gw;
	return 0;
}
