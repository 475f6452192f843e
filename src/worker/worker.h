/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_WORKER_H
#define SLUICE_WORKER_H

#include <stdint.h>
#include <time.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "common/tbucket.h"
#include "net/neigh.h"
#include "flow/conn.h"
#include "worker/dp.h"
#include "worker/stats.h"

/*
 * One worker: an lcore running rx_burst -> pipeline_run -> tx_burst over one RX and one
 * TX queue of every port (queue number = worker id). Its conn table, LIP port slices and
 * counters are its own. Three rings connect it to the rest:
 *   handoff  replies that another worker received for a LIP port this worker owns;
 *   ctl_tx   packets the control thread wants sent (ARP requests), sent on this worker's
 *            TX queue so the control thread needs no queue of its own;
 *   events   what this worker learned or missed (struct neigh_event) for the control thread;
 *   icmp     ICMP errors about the client side of a conn another worker may own (the
 *            client's packets reached that worker by the NIC's or the kernel's hash, which
 *            an error from a router on the way does not share): each worker tries its table
 *            and passes the error on, until one relays it or every worker has tried.
 */

#define WORKER_BURST 32
#define WORKER_OUT_MAX 64

struct conn_table;
struct laddr_pool;

struct worker_out {
	uint16_t n[DP_OUT_SLOTS];
	struct rte_mbuf *pkts[DP_OUT_SLOTS][WORKER_OUT_MAX];
	uint16_t n_handoff[SL_MAX_WORKERS];
	struct rte_mbuf *handoff[SL_MAX_WORKERS][WORKER_BURST];
};

/* An ICMP error on its way round the workers (the icmp ring's element). */
struct worker_icmp_hop {
	struct rte_mbuf *m;
	uint32_t hops; /* workers that tried it before this one */
	uint32_t pad;
};

struct worker {
	unsigned id;
	unsigned lcore;
	struct dp *dp;
	struct conn_table *ct;
	struct laddr_pool *lips;
	struct rte_ring *handoff;
	struct rte_ring *ctl_tx;
	struct rte_ring *events;
	struct rte_ring *icmp;   /* struct worker_icmp_hop, from the other workers */
	uint32_t now;     /* clock in conn ticks (CONN_TICK_MS), set once per loop iteration */
	uint64_t now_ms;
	uint32_t last_miss_ip;   /* rate-limits neighbour-miss events */
	uint64_t last_miss_ms;
	struct tbucket peer_tb;  /* packets of unknown conns it may still pass to peers */
	struct tbucket icmp_tb;  /* ICMP errors it may still send */
	struct neigh_hints hints; /* clients' MACs the table does not have yet */
	volatile int stop;
	clockid_t cpu_clock;     /* the thread's CPU-time clock, for the control thread to read */
	volatile int cpu_clock_ok;
	uint8_t registered; /* with dp->qsbr, by worker_create() */
	struct worker_stats st;
	struct worker_out out;
};

/**
 * Create worker `id` of dp (conn table of `capacity`) and register it with dp->qsbr, offline,
 * so no publish can pass it once worker_loop() is online. dp->qsbr must be initialised.
 * NULL + errno. Main thread.
 */
struct worker *worker_create(struct dp *dp, unsigned id, uint32_t capacity);
void worker_free(struct worker *w);

/**
 * Try the ICMP errors other workers passed on (worker.h, the icmp ring) against this
 * worker's conns. The number taken. The worker (its loop; tests call it by hand).
 */
unsigned worker_icmp_search(struct worker *w);

/** Set the worker's clock from a millisecond time (tests drive it by hand). */
static inline void
worker_set_time(struct worker *w, uint64_t now_ms)
{
	w->now_ms = now_ms;
	w->now = (uint32_t)(now_ms / CONN_TICK_MS);
}

static inline void
worker_drop(struct worker *w, struct rte_mbuf *m, unsigned reason)
{
	w->st.drops[reason]++;
	rte_pktmbuf_free(m);
}

/**
 * Queue m for transmission on output slot `port` (a port index, or DP_TWIN(i) for port i's
 * kernel twin); drops it (tx_full) when the batch is full.
 */
static inline void
worker_tx(struct worker *w, uint8_t port, struct rte_mbuf *m)
{
	struct worker_out *o = &w->out;

	if (unlikely(o->n[port] >= WORKER_OUT_MAX)) {
		if (port < SL_MAX_PORTS)
			w->st.port_tx_full[port]++;
		worker_drop(w, m, DROP_tx_full);
		return;
	}
	o->pkts[port][o->n[port]++] = m;
}

/**
 * Hand m, for the node itself, to the kernel through the twin of the port that owns addr.
 * Returns 0, or -1 when that port has no twin (the caller drops m).
 */
static inline int
worker_to_kernel(struct worker *w, uint32_t addr, struct rte_mbuf *m)
{
	int i = dp_port_of_addr(w->dp, addr);

	if (i < 0 || !w->dp->ports[i].has_twin)
		return -1;
	w->st.to_kernel++;
	worker_tx(w, DP_TWIN(i), m);
	return 0;
}

/** Report a learned or missed neighbour to the control thread; lossy when the ring is full. */
void worker_neigh_event(struct worker *w, uint8_t type, uint32_t ip, uint8_t port,
			const uint8_t *mac);

/**
 * The MAC of next hop ip on port: the neighbour table's, else the worker's hint (see
 * struct neigh_hints). 0, or -ENOENT after reporting the miss (the control thread asks by
 * ARP). Worker.
 */
static inline int
worker_resolve(struct worker *w, uint32_t ip, uint8_t port, struct rte_ether_addr *mac)
{
	if (likely(neigh_lookup(w->dp->neigh, ip, mac) == 0))
		return 0;
	worker_neigh_event(w, NEIGH_EV_MISS, ip, port, NULL);
	return neigh_hint_get(&w->hints, ip, port, mac, w->now_ms);
}

/** CPU time the worker's thread has used, ns (0 before it runs). Any thread. */
uint64_t worker_cpu_ns(const struct worker *w);

/** Expire conns that are due (bounded work). Worker. */
void worker_expire(struct worker *w);

/**
 * The lcore function: loop until w->stop. Goes online with dp->qsbr before it reads dp->snap,
 * reports a quiescent state every iteration and goes offline to sleep and on return.
 * The worker's lcore, after worker_create() (which registered it).
 */
int worker_loop(void *arg);

#endif
