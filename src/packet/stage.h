/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_STAGE_H
#define SLUICE_STAGE_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "common/addr.h"
#include "common/drop.h"
#include "common/limits.h"
#include "common/tbucket.h"

/*
 * What a stage of the data path (ARP/ND, ICMP, a forwarding mode, a defense) sees of the
 * worker running it: its id and clock, the node it belongs to, its own tables, its counters
 * and where its output goes. The worker (worker/worker.h) embeds one and adds what only its
 * loop touches (the rings it reads, its thread); the stages never see that, so they sit
 * below the worker and include this header, not worker.h.
 *
 * The tables are opaque here: a stage includes the header of the one it uses.
 */

#define STAGE_BURST 32   /* packets a worker takes per poll */
#define STAGE_OUT_MAX 64 /* packets a stage may queue per output slot and burst */

/* Output slots: ports 0..n_ports-1, port i's kernel twin at STAGE_TWIN(i). */
#define STAGE_TWIN(i) (SL_MAX_PORTS + (i))
#define STAGE_OUT_SLOTS (2 * SL_MAX_PORTS)

/*
 * Counters of one worker. Each worker writes only its own and the control thread sums
 * them, so the data path never shares a cache line with another writer.
 */
struct rate_state; /* defense/rate.h */

struct stage_stats {
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t polls_busy;   /* loop iterations that found packets */
	uint64_t polls_idle;
	uint64_t idle_waits;   /* waits in poll() for the kernel to say a packet came */
	uint64_t icmp_relayed; /* ICMP errors about a conn passed to its other side */
	uint64_t cycles_busy;  /* TSC cycles of the iterations that found packets */
	uint64_t conns_created;
	uint64_t conns_expired;
	uint64_t handoff_out;  /* replies passed to the worker owning their LIP port */
	uint64_t arp_replied;
	uint64_t nd_replied;     /* IPv6 neighbour advertisements for our addresses */
	uint64_t nd_learned;     /* IPv6 neighbours heard from, reported to the control thread */
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

/*
 * A burst's output, sent by the worker's loop when the burst is done: a batch per output
 * slot, and the replies handed to the worker that owns their conn.
 */
struct stage_out {
	uint16_t n[STAGE_OUT_SLOTS];
	struct rte_mbuf *pkts[STAGE_OUT_SLOTS][STAGE_OUT_MAX];
	uint16_t n_handoff[SL_MAX_WORKERS];
	struct rte_mbuf *handoff[SL_MAX_WORKERS][STAGE_BURST];
};

/* An ICMP error on its way round the workers (the element of their icmp rings). */
struct stage_icmp_hop {
	struct rte_mbuf *m;
	uint32_t hops; /* workers that tried it before this one */
	uint32_t pad;
};

struct dp;
struct conn_table;
struct laddr_pool;
struct neigh_hints;

struct stage {
	unsigned id;      /* the worker's: its queue on every port, its LIP port slice */
	uint32_t now;     /* clock in conn ticks (CONN_TICK_MS), set once per loop iteration */
	uint64_t now_ms;
	struct dp *dp;    /* the node (net/dp.h) */
	struct conn_table *ct;
	struct laddr_pool *lips;
	struct conn_table *ct6;    /* IPv6 conns; NULL on a node without IPv6 LIPs */
	struct laddr_pool *lips6;
	struct neigh_hints *hints; /* clients' MACs the neighbour table does not have yet */
	struct rte_ring *events;   /* struct neigh_event, to the control thread */
	struct rte_ring *icmp_next; /* struct stage_icmp_hop: the next worker's icmp ring */
	union addr46 last_miss;    /* rate-limits neighbour-miss events */
	uint64_t last_miss_ms;
	struct tbucket peer_tb;    /* packets of unknown conns it may still pass to peers */
	struct tbucket icmp_tb;    /* ICMP errors it may still send */
	struct rate_state *rates;  /* new-conn rate limits (defense/rate.h) */
	struct tbucket sp_rst_tb;  /* the SYN proxy's RSTs to bad cookies it may still send */
	uint32_t sp_live;          /* conns of the SYN proxy it holds (their conn_sp lines are
				    * prefetched with them while there are any) */
	uint32_t ca_live;          /* conns that send the client address (the same) */
	uint16_t ip_id;            /* the next IPv4 ID of a packet it makes from IPv6 (NAT64) */
	struct stage_stats st;
	struct stage_out out;
};

/** Set the clock from a millisecond time, once per loop iteration (tests drive it). */
static inline void
stage_set_time(struct stage *w, uint64_t now_ms, uint32_t tick_ms)
{
	w->now_ms = now_ms;
	w->now = (uint32_t)(now_ms / tick_ms);
}

/** Count m as dropped for `reason` (common/drop.h) and free it. Worker. */
static inline void
stage_drop(struct stage *w, struct rte_mbuf *m, unsigned reason)
{
	w->st.drops[reason]++;
	rte_pktmbuf_free(m);
}

/**
 * Queue m for transmission on output slot `slot` (a port index, or STAGE_TWIN(i) for port
 * i's kernel twin); drops it (tx_full) when the batch is full. Worker.
 */
static inline void
stage_tx(struct stage *w, uint8_t slot, struct rte_mbuf *m)
{
	struct stage_out *o = &w->out;

	if (unlikely(o->n[slot] >= STAGE_OUT_MAX)) {
		if (slot < SL_MAX_PORTS)
			w->st.port_tx_full[slot]++;
		stage_drop(w, m, DROP_tx_full);
		return;
	}
	o->pkts[slot][o->n[slot]++] = m;
}

/**
 * Hand m, a reply for the worker `owner` (which holds its conn), to that worker at the end
 * of the burst; dropped (handoff_full) when its batch is full. Worker.
 */
static inline void
stage_handoff(struct stage *w, unsigned owner, struct rte_mbuf *m)
{
	struct stage_out *o = &w->out;

	if (unlikely(o->n_handoff[owner] >= STAGE_BURST)) {
		stage_drop(w, m, DROP_handoff_full);
		return;
	}
	o->handoff[owner][o->n_handoff[owner]++] = m;
	w->st.handoff_out++;
}

#endif
