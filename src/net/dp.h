/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_NET_DP_H
#define SLUICE_NET_DP_H

#include <stdint.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>

#include "common/addr.h"
#include "common/siphash.h"
#include "common/limits.h"
#include "flow/tcp_state.h"
#include "net/route.h"
#include "net/steer.h"
#include "service/snapshot.h"
#include "service/stats.h"

/*
 * The data plane of one node as every stage reads it: its ports and local addresses, its
 * routes and neighbours, the service snapshot, the shared counters and gauges. The control
 * thread builds it (worker/dp_build.h); everything but `snap` is fixed once the workers
 * run, and `snap` changes under RCU. It knows nothing of ethdev: the ports' DPDK ids and
 * MACs are given to it, so packet fixtures and the benchmark build a dp without a device.
 */

struct route_table;
struct route6_table;
struct neigh_table;
struct persist_table;
struct worker;

struct dp_port {
	char name[SL_NAME_MAX];
	uint16_t port_id; /* DPDK port id */
	uint16_t twin_id; /* DPDK port id of its kernel twin (net/twin.h), when has_twin */
	uint8_t has_twin;
	uint16_t mtu;     /* the largest IP packet it sends (the device's MTU; 1500 unless told) */
	struct rte_ether_addr mac;
	uint32_t addr;    /* network order */
	uint32_t mask;    /* network order */
	uint32_t bcast;   /* network order: the subnet's broadcast address; 0 for /31 and /32 */
	uint8_t prefix_len;
	uint8_t has_addr6; /* an IPv6 address: NDP and echo are answered for it */
	uint8_t prefix6_len;
	union addr46 addr6;
	struct steer_state steer; /* how replies reach their conn's worker (net/steer.h) */
};

enum dp_local_kind { DP_LOCAL_PORT = 1, DP_LOCAL_LIP = 2 };

/*
 * Another node of the cluster by one of its addresses, and the port it is reached on. It is
 * resolved in the table of its address's family; packets of both families go to it.
 */
struct dp_peer {
	union addr46 ip;
	uint8_t port;
	bool v6;
};

struct dp {
	unsigned n_workers;
	uint16_t worker_mask; /* LIP port & mask = owning worker */
	unsigned n_ports;
	struct dp_port ports[SL_MAX_PORTS];
	uint8_t port_idx[RTE_MAX_ETHPORTS]; /* DPDK port id -> index in ports[] */
	unsigned n_laddrs;
	uint32_t laddrs[SL_MAX_LADDRS];   /* the IPv4 LIPs */
	unsigned n_laddrs6;
	union addr46 laddrs6[SL_MAX_LADDRS]; /* the IPv6 LIPs, indexed apart */
	unsigned n_peers;
	struct dp_peer peers[SL_MAX_PEERS];
	uint32_t timeout_ticks[CONN_S_MAX];
	struct siphash_key sp_key;  /* the SYN proxy's cookies' (defense/syncookie.h) */
	uint32_t lip_quarantine_ticks; /* how long a closed (LIP, port, backend) rests */
	struct rte_hash *local;   /* port addresses and LIPs -> enum dp_local_kind */
	struct route_table *routes;
	struct route6_table *routes6;
	struct neigh_table *neigh;   /* IPv4 next hops (ARP) */
	struct neigh_table *neigh6;  /* IPv6 next hops (neighbour discovery) */
	struct persist_table *persist; /* source affinity, shared by the workers */
	struct snapshot *snap;    /* RCU: load with __atomic_load_n(ACQUIRE) */
	struct rte_rcu_qsbr *qsbr;
	struct worker *workers[SL_MAX_WORKERS];
	struct vs_counters *svc_stats; /* [worker][STATS_SVC_SLOTS] */
	struct vs_counters *be_stats;  /* [worker][STATS_BE_SLOTS] */
	struct vs_defense *svc_def;    /* [worker][STATS_SVC_SLOTS] */
	struct vs_gauge *svc_gauges;   /* [STATS_SVC_SLOTS], shared by the workers */
	struct vs_gauge *be_gauges;    /* [STATS_BE_SLOTS], shared by the workers */
	struct rte_mempool *ctl_pool;  /* packets the control thread builds (ARP requests) */
	uint64_t tsc_per_ms;
};

/** The port whose own address is addr, or -1. Any thread. */
static inline int
dp_port_of_addr(const struct dp *dp, uint32_t addr)
{
	unsigned i;

	for (i = 0; i < dp->n_ports; i++)
		if (dp->ports[i].addr == addr)
			return (int)i;
	return -1;
}

/** Kind of a local address (port address or LIP), 0 when it is neither. Any thread. */
static inline int
dp_local_kind(const struct dp *dp, uint32_t addr)
{
	void *data;

	if (rte_hash_lookup_data(dp->local, &addr, &data) < 0)
		return 0;
	return (int)(uintptr_t)data;
}

/** Whether addr is one of the IPv6 LIPs (a few: a scan). Any thread. */
static inline int
dp_is_lip6(const struct dp *dp, const uint8_t addr[16])
{
	unsigned i;

	for (i = 0; i < dp->n_laddrs6; i++)
		if (memcmp(dp->laddrs6[i].b, addr, 16) == 0)
			return 1;
	return 0;
}

/**
 * Whether an IPv6 destination is the node's own (a port's address, a LIP), link-local or
 * multicast: never a client's. Any thread.
 */
static inline bool
dp_is_ours6(const struct dp *dp, const uint8_t addr[16])
{
	unsigned i;

	if (addr[0] == 0xff || (addr[0] == 0xfe && (addr[1] & 0xc0) == 0x80))
		return true;
	for (i = 0; i < dp->n_ports; i++)
		if (dp->ports[i].has_addr6 && memcmp(dp->ports[i].addr6.b, addr, 16) == 0)
			return true;
	return dp_is_lip6(dp, addr);
}

/** Whether the node can carry IPv6 conns: an IPv6 LIP, or a port with an IPv6 address. */
static inline bool
dp_has_ipv6(const struct dp *dp)
{
	unsigned i;

	for (i = 0; i < dp->n_ports; i++)
		if (dp->ports[i].has_addr6)
			return true;
	return dp->n_laddrs6 > 0;
}

static inline struct vs_counters *
dp_svc_counters(const struct dp *dp, unsigned worker, uint16_t slot)
{
	return &dp->svc_stats[(size_t)worker * STATS_SVC_SLOTS + slot];
}

static inline struct vs_defense *
dp_svc_defense(const struct dp *dp, unsigned worker, uint16_t slot)
{
	return &dp->svc_def[(size_t)worker * STATS_SVC_SLOTS + slot];
}

static inline struct vs_counters *
dp_be_counters(const struct dp *dp, unsigned worker, uint16_t slot)
{
	return &dp->be_stats[(size_t)worker * STATS_BE_SLOTS + slot];
}

/* Move one conn of (service slot, backend slot) between gauges (service/gauge.h). */
static inline void
dp_gauge_move(const struct dp *dp, uint16_t svc_slot, uint16_t be_slot, enum gauge_kind from,
	      enum gauge_kind to)
{
	gauge_move(&dp->svc_gauges[svc_slot], &dp->be_gauges[be_slot], from, to);
}

#endif
