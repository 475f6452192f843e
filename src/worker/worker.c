/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "defense/rate.h"
#include "flow/conn.h"
#include "forward/fwd_icmp.h"
#include "forward/laddr.h"
#include "net/neigh.h"
#include "worker/pipeline.h"
#include "worker/worker.h"

#define RING_SIZE 1024
#define EXPIRE_BUDGET 256 /* conns visited per loop iteration */
/* Idle backoff: after this many empty polls, sleep, doubling up to the cap. */
#define IDLE_POLLS 128
#define IDLE_SLEEP_MIN_US 16
#define IDLE_SLEEP_MAX_US 500
/*
 * Then, where the ports have kernel sockets, wait in poll() once idle this long: a packet
 * that arrives wakes the worker at once, and a hand-off from a busy worker comes while the
 * woken one is still backing off (within this time of its wake-up) or wakes it itself.
 * The wait ends at least every IDLE_WAIT_MAX_MS, for the timers (conn expiry) to run.
 */
#define IDLE_WAIT_AFTER_MS 10
#define IDLE_WAIT_MAX_MS 100
#define WAIT_MUTE_MS 1000 /* how long a socket that woke a worker for nothing is muted */

struct worker *
worker_create(struct dp *dp, unsigned id, uint32_t capacity)
{
	char name[RTE_RING_NAMESIZE];
	struct worker *w;
	int socket = (int)rte_socket_id();

	w = rte_zmalloc_socket("worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
	if (w == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	w->s.id = id;
	w->s.dp = dp;
	w->s.hints = &w->hints;
	w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	snprintf(name, sizeof(name), "conn%u_%p", id, (void *)dp);
	w->s.ct = conn_table_create(name, capacity, socket, pipeline_conn_expired, &w->s);
	if (w->s.ct == NULL)
		goto fail;
	/* The quarantine holds what ends within its time; TIME_WAIT conns (which hold their
	 * tuple longer) sit in the conn table, so half its size is room enough. */
	w->s.lips = laddr_pool_create(dp->laddrs, dp->n_laddrs, id, dp->worker_mask, capacity / 2,
				    dp->lip_quarantine_ticks, socket);
	if (w->s.lips == NULL)
		goto fail;
	/* IPv6 conns in a table of their own (an IPv4 conn stays one cache line, its key 12
	 * bytes), as large, on a node that can have IPv6 services: IPv6 LIPs (FULLNAT), or a
	 * port with an IPv6 address (DR, TUN and NAT need no LIP). */
	if (dp_has_ipv6(dp)) {
		snprintf(name, sizeof(name), "conn6_%u_%p", id, (void *)dp);
		w->s.ct6 = conn_table_create6(name, capacity, socket, pipeline_conn_expired,
					      &w->s);
		w->s.lips6 = laddr_pool_create6(dp->laddrs6, dp->n_laddrs6, id, dp->worker_mask,
						capacity / 2, dp->lip_quarantine_ticks, socket);
		if (w->s.ct6 == NULL || w->s.lips6 == NULL)
			goto fail;
	}
	w->s.rates = rate_create(socket);
	if (w->s.rates == NULL)
		goto fail;
	snprintf(name, sizeof(name), "hoff%u_%p", id, (void *)dp);
	w->handoff = rte_ring_create(name, RING_SIZE, socket, RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "ctx%u_%p", id, (void *)dp);
	w->ctl_tx = rte_ring_create(name, RING_SIZE, socket, RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "ev%u_%p", id, (void *)dp);
	w->s.events = rte_ring_create_elem(name, sizeof(struct neigh_event), RING_SIZE, socket,
					 RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "icmp%u_%p", id, (void *)dp);
	w->icmp = rte_ring_create_elem(name, sizeof(struct stage_icmp_hop), RING_SIZE, socket,
				       RING_F_SC_DEQ);
	if (w->handoff == NULL || w->ctl_tx == NULL || w->s.events == NULL || w->icmp == NULL)
		goto fail;
	/*
	 * Registered now, before the control thread can publish anything, never from the
	 * worker's own loop: a worker that registers once it runs races the first publish
	 * (the API already serves), which may then free the snapshot it is about to read.
	 * Registered but offline, it holds nothing up until worker_loop() goes online.
	 */
	if (rte_rcu_qsbr_thread_register(dp->qsbr, id) != 0)
		goto fail;
	w->registered = 1;
	return w;
fail:
	worker_free(w);
	errno = rte_errno ? rte_errno : ENOMEM;
	return NULL;
}

static void
ring_drain_free(struct rte_ring *r)
{
	struct rte_mbuf *m;

	while (rte_ring_dequeue(r, (void **)&m) == 0)
		rte_pktmbuf_free(m);
}

void
worker_free(struct worker *w)
{
	if (w == NULL)
		return;
	if (w->registered)
		rte_rcu_qsbr_thread_unregister(w->s.dp->qsbr, w->s.id);
	if (w->wake_fd >= 0)
		close(w->wake_fd);
	conn_table_free(w->s.ct);
	rate_free(w->s.rates);
	laddr_pool_free(w->s.lips);
	conn_table_free(w->s.ct6);
	laddr_pool_free(w->s.lips6);
	if (w->handoff)
		ring_drain_free(w->handoff);
	if (w->ctl_tx)
		ring_drain_free(w->ctl_tx);
	rte_ring_free(w->handoff);
	rte_ring_free(w->ctl_tx);
	rte_ring_free(w->s.events);
	if (w->icmp) {
		struct stage_icmp_hop h;

		while (rte_ring_dequeue_elem(w->icmp, &h, sizeof(h)) == 0)
			rte_pktmbuf_free(h.m);
		rte_ring_free(w->icmp);
	}
	rte_free(w);
}

uint64_t
worker_cpu_ns(const struct worker *w)
{
	struct timespec ts;

	if (!w->cpu_clock_ok || clock_gettime(w->cpu_clock, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
worker_expire(struct worker *w)
{
	conn_expire(w->s.ct, w->s.now, EXPIRE_BUDGET);
	laddr_expire(w->s.lips, w->s.now, EXPIRE_BUDGET);
	if (w->s.ct6 != NULL) {
		conn_expire(w->s.ct6, w->s.now, EXPIRE_BUDGET);
		laddr_expire(w->s.lips6, w->s.now, EXPIRE_BUDGET);
	}
}

unsigned
worker_icmp_search(struct worker *w)
{
	const struct snapshot *snap = __atomic_load_n(&w->s.dp->snap, __ATOMIC_ACQUIRE);
	struct stage_icmp_hop h[WORKER_BURST];
	unsigned n, i;

	n = rte_ring_dequeue_burst_elem(w->icmp, h, sizeof(h[0]), WORKER_BURST, NULL);
	for (i = 0; i < n; i++)
		fwd_icmp_search(&w->s, snap, h[i].m, h[i].hops);
	return n;
}

/* The DPDK port of an output slot: a port, or a port's kernel twin. */
static inline uint16_t
out_port_id(const struct dp *dp, unsigned slot)
{
	return slot < SL_MAX_PORTS ? dp->ports[slot].port_id
				    : dp->ports[slot - SL_MAX_PORTS].twin_id;
}

static void
flush_slot(struct worker *w, unsigned slot)
{
	struct stage_out *o = &w->s.out;
	uint16_t n = o->n[slot], sent, i;
	int port = slot < SL_MAX_PORTS;

	if (n == 0)
		return;
	if (port)
		for (i = 0; i < n; i++)
			w->s.st.port_tx_bytes[slot] += rte_pktmbuf_pkt_len(o->pkts[slot][i]);
	sent = rte_eth_tx_burst(out_port_id(w->s.dp, slot), (uint16_t)w->s.id, o->pkts[slot], n);
	w->s.st.tx_pkts += sent;
	if (port)
		w->s.st.port_tx[slot] += sent;
	for (i = sent; i < n; i++) {
		if (port) {
			w->s.st.port_tx_bytes[slot] -= rte_pktmbuf_pkt_len(o->pkts[slot][i]);
			w->s.st.port_tx_full[slot]++;
		}
		stage_drop(&w->s, o->pkts[slot][i], DROP_tx_full);
	}
	o->n[slot] = 0;
}

/* Send what the pipeline queued, and hand packets to their owning workers. */
static void
worker_flush(struct worker *w)
{
	struct dp *dp = w->s.dp;
	struct stage_out *o = &w->s.out;
	unsigned p, i;

	for (p = 0; p < dp->n_ports; p++) {
		flush_slot(w, p);
		if (dp->ports[p].has_twin)
			flush_slot(w, STAGE_TWIN(p));
	}
	for (i = 0; i < dp->n_workers; i++) {
		uint16_t n = o->n_handoff[i];
		unsigned done;

		if (n == 0)
			continue;
		done = rte_ring_enqueue_burst(dp->workers[i]->handoff, (void **)o->handoff[i], n,
					      NULL);
		if (done > 0)
			worker_wake(dp->workers[i]);
		for (; done < n; done++)
			stage_drop(&w->s, o->handoff[i][done], DROP_handoff_full);
		o->n_handoff[i] = 0;
	}
}

/*
 * What the kernel sent through port p's twin leaves through port p, as it is (the twin has
 * the port's MAC and address). Worker 0 drains the twins' RX queues (one per worker, as
 * net_tap wants), a burst per queue a loop, so the kernel takes little of a worker's time.
 */
static unsigned
worker_from_kernel(struct worker *w)
{
	struct dp *dp = w->s.dp;
	struct rte_mbuf *pkts[WORKER_BURST];
	unsigned p, got = 0;
	uint16_t n, i;

	for (p = 0; p < dp->n_ports; p++) {
		uint16_t q;

		if (!dp->ports[p].has_twin)
			continue;
		for (q = 0; q < dp->n_workers; q++) {
			n = rte_eth_rx_burst(dp->ports[p].twin_id, q, pkts, WORKER_BURST);
			for (i = 0; i < n; i++)
				stage_tx(&w->s, (uint8_t)p, pkts[i]);
			w->s.st.from_kernel += n;
			got += n;
		}
	}
	return got;
}

/* Packets the control thread asked this worker to send; m->port holds a port index. */
static unsigned
worker_ctl_tx(struct worker *w)
{
	struct rte_mbuf *pkts[WORKER_BURST];
	unsigned n, i;

	n = rte_ring_dequeue_burst(w->ctl_tx, (void **)pkts, WORKER_BURST, NULL);
	for (i = 0; i < n; i++) {
		uint8_t port = (uint8_t)pkts[i]->port;

		if (port < w->s.dp->n_ports)
			stage_tx(&w->s, port, pkts[i]);
		else
			rte_pktmbuf_free(pkts[i]);
	}
	return n;
}

void
worker_set_wait_fds(struct worker *w, const int *fds, unsigned n)
{
	w->n_wait_fds = n < WORKER_WAIT_FDS ? n : WORKER_WAIT_FDS;
	memcpy(w->wait_fds, fds, sizeof(*fds) * w->n_wait_fds);
}

/*
 * Wait, idle, for a packet on any of the ports' kernel sockets, a wake-up (worker_wake())
 * or IDLE_WAIT_MAX_MS. What was queued for the worker before it said it waits is taken
 * first: its flag is set, then the rings looked at, while a producer queues, then looks at
 * the flag (worker_wake()).
 *
 * Which socket is whose queue the kernel does not say (af_packet's fanout, the twins' taps
 * that worker 0 alone reads), so a worker waits on all of them, and one woken by a socket
 * that gave it nothing mutes that socket (wait_mute) until the next second: otherwise a
 * worker whose neighbour is slow to drain its ring would spin through poll() meanwhile.
 */
static void
worker_wait(struct worker *w)
{
	struct pollfd pf[WORKER_WAIT_FDS + 1];
	uint8_t idx[WORKER_WAIT_FDS];
	unsigned i, n = 0;
	uint64_t v;

	if (w->s.now_ms - w->mute_ms >= WAIT_MUTE_MS) {
		w->wait_mute = 0;
		w->mute_ms = w->s.now_ms;
	}
	w->wait_ready = 0;
	__atomic_store_n(&w->waiting, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (rte_ring_count(w->handoff) == 0 && rte_ring_count(w->ctl_tx) == 0 &&
	    rte_ring_count(w->icmp) == 0) {
		for (i = 0; i < w->n_wait_fds; i++) {
			if (w->wait_mute & (1ull << i))
				continue;
			idx[n] = (uint8_t)i;
			pf[n++] = (struct pollfd){ .fd = w->wait_fds[i], .events = POLLIN };
		}
		pf[n] = (struct pollfd){ .fd = w->wake_fd, .events = POLLIN };
		if (poll(pf, n + 1, IDLE_WAIT_MAX_MS) > 0) {
			if (pf[n].revents & POLLIN)
				(void)!read(w->wake_fd, &v, sizeof(v));
			for (i = 0; i < n; i++)
				if (pf[i].revents & POLLIN)
					w->wait_ready |= 1ull << idx[i];
		}
		w->s.st.idle_waits++;
	}
	__atomic_store_n(&w->waiting, 0, __ATOMIC_RELAXED);
}

int
worker_loop(void *arg)
{
	struct worker *w = arg;
	struct dp *dp = w->s.dp;
	struct rte_mbuf *pkts[WORKER_BURST];
	unsigned idle = 0, sleep_us = IDLE_SLEEP_MIN_US;
	uint64_t busy_ms = 0; /* the last loop that found something */

	w->lcore = rte_lcore_id();
	if (pthread_getcpuclockid(pthread_self(), &w->cpu_clock) == 0)
		w->cpu_clock_ok = 1;
	/* Registered by worker_create(); online before the first look at dp->snap. */
	rte_rcu_qsbr_thread_online(dp->qsbr, w->s.id);
	while (!w->stop) {
		unsigned got = 0, p;
		uint64_t t0 = rte_get_tsc_cycles();
		uint16_t n;

		rte_rcu_qsbr_quiescent(dp->qsbr, w->s.id);
		worker_set_time(w, t0 / dp->tsc_per_ms);
		for (p = 0; p < dp->n_ports; p++) {
			n = rte_eth_rx_burst(dp->ports[p].port_id, (uint16_t)w->s.id, pkts,
					     WORKER_BURST);
			if (n) {
				unsigned k;

				/* Counted here, not in the pipeline: a handoff is no second rx. */
				w->s.st.rx_pkts += n;
				for (k = 0; k < n; k++)
					w->s.st.rx_bytes += rte_pktmbuf_pkt_len(pkts[k]);
				pipeline_run(w, pkts, n);
				worker_flush(w);
				got += n;
			}
		}
		n = (uint16_t)rte_ring_dequeue_burst(w->handoff, (void **)pkts, WORKER_BURST,
						     NULL);
		if (n) {
			pipeline_run(w, pkts, n);
			got += n;
		}
		got += worker_icmp_search(w);
		got += worker_ctl_tx(w);
		if (w->s.id == 0)
			got += worker_from_kernel(w);
		worker_flush(w);
		worker_expire(w);
		if (got && w->icmp_passed != w->s.st.handoff_out) {
			/* an ICMP error may have gone to the next worker's ring: wake it */
			w->icmp_passed = w->s.st.handoff_out;
			worker_wake(dp->workers[(w->s.id + 1) % dp->n_workers]);
		}
		/* woken by sockets that then gave it nothing: another worker's, muted a while */
		if (unlikely(w->wait_ready != 0)) {
			if (got == 0)
				w->wait_mute |= w->wait_ready;
			w->wait_ready = 0;
		}
		if (got) {
			/* "Busy" is this share of the TSC: the iterations that had packets to do. */
			w->s.st.cycles_busy += rte_get_tsc_cycles() - t0;
			w->s.st.polls_busy++;
			idle = 0;
			sleep_us = IDLE_SLEEP_MIN_US;
			busy_ms = w->s.now_ms;
			continue;
		}
		w->s.st.polls_idle++;
		if (++idle < IDLE_POLLS)
			continue;
		/*
		 * Idle: sleep a little, longer while it lasts (a packet waits at most the cap);
		 * long idle, wait for the kernel to say a packet came, where it can.
		 */
		rte_rcu_qsbr_thread_offline(dp->qsbr, w->s.id);
		if (w->n_wait_fds > 0 && w->wake_fd >= 0 &&
		    w->s.now_ms - busy_ms >= IDLE_WAIT_AFTER_MS)
			worker_wait(w);
		else
			rte_delay_us_sleep(sleep_us);
		rte_rcu_qsbr_thread_online(dp->qsbr, w->s.id);
		if (sleep_us < IDLE_SLEEP_MAX_US)
			sleep_us *= 2;
	}
	rte_rcu_qsbr_thread_offline(dp->qsbr, w->s.id);
	return 0;
}
