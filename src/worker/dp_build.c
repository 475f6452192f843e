/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "common/addr.h"
#include "forward/fwd.h"
#include "net/neigh.h"
#include "net/route.h"
#include "net/route6.h"
#include "service/persist.h"
#include "worker/dp_build.h"
#include "worker/worker.h"

#define NEIGH_CAPACITY 4096
#define CTL_POOL_SIZE 1023

/* The longest timeout the config takes must stay a positive signed tick difference. */
_Static_assert((uint64_t)SL_DURATION_MAX_S * 1000 / CONN_TICK_MS + 2 < (uint64_t)INT32_MAX,
	       "SL_DURATION_MAX_S must fit a conn deadline");

/*
 * Seconds to ticks, rounded up, plus one tick: the worker's clock is whole ticks, so up to
 * a tick of the timeout may have passed when a deadline is set. A conn may live up to
 * 128 ms longer than its timeout, never less.
 */
static uint32_t
secs_to_ticks(uint32_t s)
{
	return (uint32_t)(((uint64_t)s * 1000 + CONN_TICK_MS - 1) / CONN_TICK_MS) + 1;
}

static struct rte_hash *
local_create(const struct dp *dp, unsigned seq)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = SL_MAX_PORTS + SL_MAX_LADDRS + 8,
		.key_len = sizeof(uint32_t),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
	};
	struct rte_hash *h;
	unsigned i;

	snprintf(name, sizeof(name), "local%u", seq);
	h = rte_hash_create(&hp);
	if (h == NULL)
		return NULL;
	for (i = 0; i < dp->n_ports; i++)
		rte_hash_add_key_data(h, &dp->ports[i].addr, (void *)(uintptr_t)DP_LOCAL_PORT);
	for (i = 0; i < dp->n_laddrs; i++)
		rte_hash_add_key_data(h, &dp->laddrs[i], (void *)(uintptr_t)DP_LOCAL_LIP);
	return h;
}

struct dp *
dp_create(const struct dp_spec *spec)
{
	static unsigned seq;
	struct route_port rports[SL_MAX_PORTS];
	struct route6_port r6ports[SL_MAX_PORTS];
	unsigned n6ports = 0;
	char name[64];
	struct dp *dp;
	size_t sz;
	unsigned i;
	int err = ENOMEM;

	/* Frames come from the ports' pools with RTE_PKTMBUF_HEADROOM in front: the modes'
	 * outer headers must fit there (packet/grow.h moves the rest otherwise). */
	if (spec->workers == 0 || spec->workers > SL_MAX_WORKERS || spec->n_ports > SL_MAX_PORTS ||
	    spec->n_laddrs > SL_MAX_LADDRS || spec->n_peers > SL_MAX_PEERS ||
	    fwd_headroom_max() > RTE_PKTMBUF_HEADROOM) {
		errno = EINVAL;
		return NULL;
	}
	dp = rte_zmalloc("dp", sizeof(*dp), RTE_CACHE_LINE_SIZE);
	if (dp == NULL)
		goto fail;
	seq++;
	/* The SYN proxy's cookie key: the node's own, never shown (defense/syncookie.h). */
	dp->sp_key = (struct siphash_key){ rte_rand(), rte_rand() };
	dp->n_workers = spec->workers;
	dp->worker_mask = (uint16_t)(rte_align32pow2(spec->workers) - 1);
	dp->n_ports = spec->n_ports;
	for (i = 0; i < spec->n_ports; i++) {
		const struct dp_port_spec *ps = &spec->ports[i];
		struct dp_port *p = &dp->ports[i];

		snprintf(p->name, sizeof(p->name), "%s", ps->name);
		p->port_id = ps->port_id;
		p->mac = ps->mac;
		p->mtu = RTE_ETHER_MTU; /* sluiced sets the device's once the port is up */
		p->addr = ps->addr;
		p->prefix_len = ps->prefix_len;
		p->has_addr6 = ps->has_addr6;
		p->prefix6_len = ps->prefix6_len;
		p->addr6 = ps->addr6;
		p->mask = addr_prefix_mask(p->prefix_len);
		p->bcast = p->prefix_len <= 30 ? p->addr | ~p->mask : 0;
		dp->port_idx[p->port_id] = (uint8_t)i;
		rports[i] = (struct route_port){ .addr = p->addr, .prefix_len = p->prefix_len };
		if (p->has_addr6)
			r6ports[n6ports++] = (struct route6_port){
				.addr = p->addr6, .prefix_len = p->prefix6_len, .port = (uint8_t)i };
	}
	/* The LIPs by family: a conn's lip_idx indexes its family's list. */
	for (i = 0; i < spec->n_laddrs; i++) {
		if (addr46_is_v4(&spec->laddrs[i]))
			dp->laddrs[dp->n_laddrs++] = spec->laddrs[i].w[3];
		else
			dp->laddrs6[dp->n_laddrs6++] = spec->laddrs[i];
	}
	/* Peers are neighbours (the config checked it): on the port whose subnet holds them. */
	for (i = 0; i < spec->n_peers; i++) {
		const union addr46 *a = &spec->peers[i];
		bool v6 = !addr46_is_v4(a);
		unsigned k;

		for (k = 0; k < dp->n_ports; k++) {
			const struct dp_port *pt = &dp->ports[k];

			if (v6 ? pt->has_addr6 && addr46_same_prefix(a, &pt->addr6, pt->prefix6_len)
			       : (a->w[3] & pt->mask) == (pt->addr & pt->mask))
				break;
		}
		if (k < dp->n_ports)
			dp->peers[dp->n_peers++] =
				(struct dp_peer){ .ip = *a, .port = (uint8_t)k, .v6 = v6 };
	}
	for (i = 0; i < CONN_S_MAX; i++)
		dp->timeout_ticks[i] = secs_to_ticks(spec->timeout_s[i]);
	dp->lip_quarantine_ticks = conn_ticks((uint64_t)spec->lip_quarantine_s * 1000) + 1;
	dp->tsc_per_ms = rte_get_tsc_hz() / 1000;
	dp->local = local_create(dp, seq);
	if (dp->local == NULL)
		goto fail;
	snprintf(name, sizeof(name), "routes%u", seq);
	dp->routes = route_create(name, rports, spec->n_ports, spec->routes, spec->n_routes,
				  (int)rte_socket_id());
	if (dp->routes == NULL) {
		err = errno;
		goto fail;
	}
	snprintf(name, sizeof(name), "routes6_%u", seq);
	dp->routes6 = route6_create(name, r6ports, n6ports, spec->routes, spec->n_routes,
				    (int)rte_socket_id());
	if (dp->routes6 == NULL) {
		err = errno;
		goto fail;
	}
	dp->neigh = neigh_create(NEIGH_CAPACITY);
	dp->neigh6 = neigh6_create(NEIGH_CAPACITY);
	/* A binding per client a quarter of the conns could have, 64k at least: 16 bytes each. */
	dp->persist = persist_create(RTE_MAX(65536u, rte_align32pow2(spec->conn_table_size / 4)));
	sz = rte_rcu_qsbr_get_memsize(spec->workers);
	dp->qsbr = rte_zmalloc("qsbr", sz, RTE_CACHE_LINE_SIZE);
	dp->svc_stats = rte_zmalloc("svc_stats", sizeof(struct vs_counters) * STATS_SVC_SLOTS *
				    spec->workers, RTE_CACHE_LINE_SIZE);
	dp->be_stats = rte_zmalloc("be_stats", sizeof(struct vs_counters) * STATS_BE_SLOTS *
				   spec->workers, RTE_CACHE_LINE_SIZE);
	dp->svc_def = rte_zmalloc("svc_def", sizeof(struct vs_defense) * STATS_SVC_SLOTS *
				  spec->workers, RTE_CACHE_LINE_SIZE);
	dp->svc_gauges = rte_zmalloc("svc_gauges", sizeof(struct vs_gauge) * STATS_SVC_SLOTS,
				     RTE_CACHE_LINE_SIZE);
	dp->be_gauges = rte_zmalloc("be_gauges", sizeof(struct vs_gauge) * STATS_BE_SLOTS,
				    RTE_CACHE_LINE_SIZE);
	snprintf(name, sizeof(name), "ctlpool%u", seq);
	dp->ctl_pool = rte_pktmbuf_pool_create(name, CTL_POOL_SIZE, 32, 0,
					       RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (dp->neigh == NULL || dp->neigh6 == NULL || dp->persist == NULL || dp->qsbr == NULL || dp->svc_stats == NULL ||
	    dp->be_stats == NULL || dp->svc_def == NULL || dp->svc_gauges == NULL || dp->be_gauges == NULL ||
	    dp->ctl_pool == NULL)
		goto fail;
	rte_rcu_qsbr_init(dp->qsbr, spec->workers);
	for (i = 0; i < spec->workers; i++) {
		dp->workers[i] = worker_create(dp, i, spec->conn_table_size / spec->workers);
		if (dp->workers[i] == NULL) {
			err = errno;
			goto fail;
		}
	}
	/* An ICMP error a worker cannot place goes round the others (fwd_icmp.c). */
	for (i = 0; i < spec->workers; i++)
		dp->workers[i]->s.icmp_next = dp->workers[(i + 1) % spec->workers]->icmp;
	dp->snap = snapshot_build(NULL, 0, dp->be_gauges, spec->workers, 0, NULL);
	if (dp->snap == NULL) {
		err = errno;
		goto fail;
	}
	return dp;
fail:
	dp_free(dp);
	errno = err;
	return NULL;
}

void
dp_free(struct dp *dp)
{
	unsigned i;

	if (dp == NULL)
		return;
	for (i = 0; i < dp->n_workers; i++)
		worker_free(dp->workers[i]);
	snapshot_free(dp->snap);
	rte_hash_free(dp->local);
	route_free(dp->routes);
	route6_free(dp->routes6);
	neigh_free(dp->neigh);
	neigh_free(dp->neigh6);
	persist_free(dp->persist);
	rte_free(dp->qsbr);
	rte_free(dp->svc_stats);
	rte_free(dp->be_stats);
	rte_free(dp->svc_def);
	rte_free(dp->svc_gauges);
	rte_free(dp->be_gauges);
	rte_mempool_free(dp->ctl_pool);
	rte_free(dp);
}

void
dp_publish(struct dp *dp, struct snapshot *s)
{
	struct snapshot *old = dp->snap;

	__atomic_store_n(&dp->snap, s, __ATOMIC_RELEASE);
	/* Workers report a quiescent state every loop iteration (and go offline to sleep). */
	rte_rcu_qsbr_synchronize(dp->qsbr, RTE_QSBR_THRID_INVALID);
	snapshot_free(old);
}
