/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

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

int
worker_loop(void *arg)
{
	struct worker *w = arg;
	struct dp *dp = w->s.dp;
	struct rte_mbuf *pkts[WORKER_BURST];
	unsigned idle = 0, sleep_us = IDLE_SLEEP_MIN_US;

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
		if (got) {
			/* "Busy" is this share of the TSC: the iterations that had packets to do. */
			w->s.st.cycles_busy += rte_get_tsc_cycles() - t0;
			w->s.st.polls_busy++;
			idle = 0;
			sleep_us = IDLE_SLEEP_MIN_US;
			continue;
		}
		w->s.st.polls_idle++;
		if (++idle < IDLE_POLLS)
			continue;
		/* Idle: sleep a little, longer while it lasts; a packet waits at most the cap. */
		rte_rcu_qsbr_thread_offline(dp->qsbr, w->s.id);
		rte_delay_us_sleep(sleep_us);
		rte_rcu_qsbr_thread_online(dp->qsbr, w->s.id);
		if (sleep_us < IDLE_SLEEP_MAX_US)
			sleep_us *= 2;
	}
	rte_rcu_qsbr_thread_offline(dp->qsbr, w->s.id);
	return 0;
}
