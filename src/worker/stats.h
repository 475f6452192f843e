/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_STATS_H
#define SLUICE_STATS_H

#include <stdint.h>

#include <rte_common.h>

#include "common/drop.h"
#include "common/limits.h"
#include "service/gauge.h"

/*
 * Counters are written by one worker each and summed by the control thread, so the data
 * path never shares a cache line with another writer. Gauges (conns open now, active and
 * inactive) are one per node: lc, wlc and max_conns must see every worker's conns. They
 * change with atomic adds on a conn's transitions (created, established, closed), never
 * per packet.
 */

#define STATS_SVC_SLOTS SL_MAX_SERVICES     /* services */
#define STATS_BE_SLOTS SL_MAX_NODE_BACKENDS /* backends, deleted ones with conns left too */

/* Per worker, per service or backend counters slot. */
struct vs_counters {
	uint64_t conns;
	uint64_t in_pkts;
	uint64_t out_pkts;
	uint64_t in_bytes;
	uint64_t out_bytes;
};


/* What the control side reports: the counters summed over the workers, and the gauge. */
struct vs_totals {
	uint64_t conns;
	uint64_t in_pkts;
	uint64_t out_pkts;
	uint64_t in_bytes;
	uint64_t out_bytes;
	int64_t active;
	int64_t inactive;
};

struct worker_stats {
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t polls_busy;   /* loop iterations that found packets */
	uint64_t polls_idle;
	uint64_t icmp_relayed; /* ICMP errors about a conn passed to its other side */
	uint64_t cycles_busy;  /* TSC cycles of the iterations that found packets */
	uint64_t conns_created;
	uint64_t conns_expired;
	uint64_t handoff_out;  /* replies passed to the worker owning their LIP port */
	uint64_t arp_replied;
	uint64_t nd_replied;     /* IPv6 neighbour advertisements for a port address */
	uint64_t arp_learned;
	uint64_t icmp_replied;
	uint64_t icmp_err_sent;    /* ICMP errors the node sent (time exceeded) */
	uint64_t icmp_err_limited; /* ICMP errors not sent: over the per-worker rate */
	uint64_t persist_full;  /* a binding that found no room (the conn still went) */
	uint64_t to_kernel;     /* packets for the node handed to a kernel twin */
	uint64_t from_kernel;   /* packets a kernel twin sent out through its port */
	uint64_t to_peers;      /* packets of conns we do not know, passed to the peers */
	uint64_t drops[DROP_MAX];
	uint64_t port_tx[SL_MAX_PORTS];
	uint64_t port_tx_bytes[SL_MAX_PORTS];
	uint64_t port_tx_full[SL_MAX_PORTS];
	uint64_t port_rx_csum_partial[SL_MAX_PORTS]; /* partial L4 checksums completed */
} __rte_cache_aligned;

#endif
