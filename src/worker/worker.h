/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_WORKER_H
#define SLUICE_WORKER_H

#include <stdint.h>
#include <time.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "flow/conn.h"
#include "net/dp.h"
#include "net/neigh.h"
#include "packet/stage.h"

/*
 * One worker: an lcore running rx_burst -> pipeline_run -> tx_burst over one RX and one
 * TX queue of every port (queue number = worker id). Its conn table, LIP port slices and
 * counters are its own (struct stage, what its stages see). Four rings connect it to the
 * rest:
 *   handoff  replies that another worker received for a LIP port this worker owns;
 *   ctl_tx   packets the control thread wants sent (ARP requests), sent on this worker's
 *            TX queue so the control thread needs no queue of its own;
 *   events   what this worker learned or missed (struct neigh_event) for the control thread;
 *   icmp     ICMP errors about the client side of a conn another worker may own (the
 *            client's packets reached that worker by the NIC's or the kernel's hash, which
 *            an error from a router on the way does not share): each worker tries its table
 *            and passes the error on, until one relays it or every worker has tried.
 */

#define WORKER_BURST STAGE_BURST

struct worker {
	struct stage s; /* first: what the stages see (packet/stage.h) */
	unsigned lcore;
	struct rte_ring *handoff;
	struct rte_ring *ctl_tx;
	struct rte_ring *icmp;   /* struct stage_icmp_hop, from the previous worker */
	struct neigh_hints hints; /* s.hints points here */
	volatile int stop;
	clockid_t cpu_clock;     /* the thread's CPU-time clock, for the control thread to read */
	volatile int cpu_clock_ok;
	uint8_t registered; /* with dp->qsbr, by worker_create() */
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
	stage_set_time(&w->s, now_ms, CONN_TICK_MS);
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
