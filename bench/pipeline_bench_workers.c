/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sluice-bench w2: FULLNAT on two workers at once, each on a thread of its own (this
 * machine's two cores: the threads take both, the main thread waits), each with half of the
 * flows: new conns (the wrr ticket and the gauges are shared: what two workers taking new
 * conns contend on), then established packets both ways, each worker's own conns only (the
 * NIC's RSS and steering would bring them there). Rows: ns/packet on each worker, and both
 * workers' packets over the slower one's time, Mpps.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>

#include "pipeline_bench.h"

enum phase { PH_NEW, PH_IN, PH_OUT };

/* One worker's half: flows t, t + 2, t + 4, ... */
struct half {
	struct worker *w;
	struct flows fl;
	unsigned t;
	uint64_t n;      /* flows of this half */
	uint64_t rng;
	enum phase ph;
	uint64_t pkts, cycles, wall;
	struct rte_mempool *pool;
};

static uint64_t
rnd(struct half *h)
{
	h->rng ^= h->rng << 13;
	h->rng ^= h->rng >> 7;
	h->rng ^= h->rng << 17;
	return h->rng;
}

static void
make(uint64_t i, struct rte_mbuf *m, void *arg)
{
	struct half *h = arg;
	uint64_t f = (h->ph == PH_NEW ? i : rnd(h) % h->n) * 2 + h->t;
	union addr46 a = flow_addr(f, h->fl.v6);
	const struct reply *p = &h->fl.rep[f];

	if (h->ph == PH_NEW)
		fill(m, &a, &h->fl.vip, flow_port(f), RTE_BE16(80), RTE_TCP_SYN_FLAG, 0, h->fl.v6);
	else if (h->ph == PH_IN)
		fill(m, &a, &h->fl.vip, flow_port(f), RTE_BE16(80), RTE_TCP_ACK_FLAG, 0, h->fl.v6);
	else
		fill(m, &p->daddr, &p->laddr, p->dport, p->lport, RTE_TCP_ACK_FLAG, 1, h->fl.v6);
}

static void *
half_run(void *arg)
{
	struct half *h = arg;
	uint64_t t0;

	/* A pool of its own, one producer and one consumer: a thread outside the EAL has no
	 * per-lcore cache, and two of them on one ring would time the ring, not the workers. */
	mp = h->pool;
	t0 = rte_rdtsc();
	h->cycles = timed(h->w, h->pkts, make, NULL, 0, h);
	h->wall = rte_rdtsc() - t0;
	return NULL;
}

/* Both halves through one phase at once; the rows. */
static void
phase(struct half *h, enum phase ph, uint64_t pkts, const char *name, uint64_t conns)
{
	pthread_t th[2];
	char row[48];
	unsigned t;
	uint64_t wall = 0;

	for (t = 0; t < 2; t++) {
		h[t].ph = ph;
		h[t].pkts = pkts;
		if (pthread_create(&th[t], NULL, half_run, &h[t]) != 0)
			exit(1);
	}
	for (t = 0; t < 2; t++) {
		pthread_join(th[t], NULL);
		no_drops(h[t].w);
		snprintf(row, sizeof(row), "w2-%s%s-w%u", name, h[t].fl.v6 ? "6" : "", t);
		report(row, conns, pkts, h[t].cycles);
		wall = RTE_MAX(wall, h[t].wall);
	}
	/* what both deliver together, each at its own timed pace */
	printf("# w2-%s%s: both workers %.2f Mpps (each worker's packets over its cycles in "
	       "pipeline_run, summed)\n", name, h[0].fl.v6 ? "6" : "",
	       ((double)pkts / ((double)h[0].cycles / rte_get_tsc_hz()) +
		(double)pkts / ((double)h[1].cycles / rte_get_tsc_hz())) / 1e6);
	(void)wall;
	fflush(stdout);
}

void
run_w2(uint64_t conns, int v6)
{
	struct cfg c;
	struct dp *dp;
	struct half h[2];
	struct reply *rep = calloc(conns, sizeof(*rep));
	uint64_t f;
	unsigned t;

	conns &= ~1ull; /* two halves */
	bench_workers = 2;
	dp = node((uint32_t)(conns + conns / 8 + 2048), &c, v6, "fullnat");
	bench_workers = 1;
	if (rep == NULL || dp->n_workers != 2)
		exit(1);
	worker_set_time(dp->workers[1], 1000);
	for (t = 0; t < 2; t++) {
		char name[16];

		snprintf(name, sizeof(name), "w2pool%u", t);
		h[t] = (struct half){ .w = dp->workers[t], .t = t, .n = conns / 2,
				      .rng = 88172645463325252ull + t,
				      .fl = { .v6 = v6, .v6_out = v6, .conns = conns,
					      .vip = c.services[0].vip, .rep = rep } };
		h[t].pool = rte_pktmbuf_pool_create_by_ops(name, 1023, 0, 0,
							   RTE_MBUF_DEFAULT_BUF_SIZE, 0,
							   "ring_sp_sc");
		if (h[t].pool == NULL)
			exit(1);
	}
	phase(h, PH_NEW, conns / 2, "new", conns);
	/* Each conn's reply tuple, from the table of the worker that made it. */
	for (f = 0; f < conns; f++)
		if (reply_of(v6 ? dp->workers[f % 2]->s.ct6 : dp->workers[f % 2]->s.ct, f, v6,
			     &c.services[0].vip, &rep[f]) < 0)
			exit(1);
	phase(h, PH_IN, PKTS_EST / 2, "est-in", conns);
	phase(h, PH_OUT, PKTS_EST / 2, "est-out", conns);
	free(rep);
	dp_free(dp);
	cfg_free(&c);
	rte_mempool_free(h[0].pool);
	rte_mempool_free(h[1].pool);
}
