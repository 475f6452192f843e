/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_WORKER_H
#define SLUICE_WORKER_H

#include <stdint.h>
#include <time.h>
#include <unistd.h>

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
#define WORKER_WAIT_FDS 64 /* kernel sockets an idle worker polls, at most (a 64-bit mask) */

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
	/*
	 * Idle (worker_loop): after IDLE_WAIT_AFTER_MS without a packet the worker waits in
	 * poll() on the kernel sockets under the ports (af_packet, XSKs, the twins' taps: any
	 * packet for any worker wakes it) and wake_fd, for at most IDLE_WAIT_MAX_MS; without
	 * such sockets (a NIC, net_null) it keeps backing off in sleeps of IDLE_SLEEP_MAX_US.
	 * Whoever queues for a waiting worker (a hand-off, the control thread's ctl_tx) calls
	 * worker_wake().
	 */
	int wait_fds[WORKER_WAIT_FDS];
	unsigned n_wait_fds;
	int wake_fd;                /* eventfd; -1 when none could be made */
	volatile uint32_t waiting;  /* in poll() or about to be */
	uint64_t wait_ready;        /* the wait_fds[] that ended the last wait, by index */
	uint64_t wait_mute;         /* those not to wait on till mute_ms + a second */
	uint64_t mute_ms;
	uint64_t icmp_passed;       /* s.st.handoff_out when the next worker was last woken */
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

/**
 * The fds an idle w waits on (port_wait_fds(); n at most WORKER_WAIT_FDS), before its loop
 * starts. Main thread.
 */
void worker_set_wait_fds(struct worker *w, const int *fds, unsigned n);

/**
 * End w's idle wait, if it is in one, after queueing something for it (a ring's enqueue
 * comes first). Any thread.
 */
static inline void
worker_wake(struct worker *w)
{
	uint64_t one = 1;

	/* pairs with worker_wait()'s store of waiting, then its look at the rings */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&w->waiting, __ATOMIC_RELAXED) && w->wake_fd >= 0)
		(void)!write(w->wake_fd, &one, sizeof(one));
}

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
