/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the schedulers (src/sched), driven through their ops table on a service
 * built by hand, as the snapshot builder would, with the node's conn gauges in a local
 * array. The shares are checked exactly over every window of one period, and wrr's
 * smoothness as a property of every window of picks, so a scheduler that gets the totals
 * right by bursting still fails. The Maglev table's own properties are in test_maglev.c.
 *
 * What these schedulers promise (sched.h):
 * - rr and wrr walk one sequence per service with one ticket shared by every worker: the
 *   shares hold for the node, whichever worker picks; the ticket starts at random.
 * - lc and wlc read the node's gauges: overhead active * 256 + inactive, wlc per weight;
 *   each worker starts its scan at its own offset, so ties spread.
 * - sh hashes the source address into a Maglev table: one client, one backend.
 * - Every scheduler skips a backend with no weight, inhibited, or at max_conns (the
 *   node's open conns, from the gauge of the backend's slot); none left: -1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "config/config.h"
#include "sched/sched.h"
#include "sched_fixture.h"
#include "service/snapshot.h"
#include "service/stats.h"

#define MAX_BE 8

struct svc {
	struct snap_service s;
	struct snap_backend be[MAX_BE];
	struct vs_gauge g[MAX_BE]; /* by slot */
};

static void
svc_init(struct svc *v, const struct sched_ops *ops, const uint32_t *weights, unsigned n)
{
	unsigned i;

	memset(v, 0, sizeof(*v));
	fx_service(&v->s, ops, v->be, v->g, n, 0x0a00020b);
	for (i = 0; i < n; i++)
		v->be[i].weight = weights[i];
}

/* The gauge of backend i (by its slot). */
static struct vs_gauge *
gauge(struct svc *v, unsigned i)
{
	return &v->g[v->be[i].slot];
}

static void *
build(struct svc *v, unsigned n_workers)
{
	void *d = v->s.sched->build(&v->s, n_workers);

	assert_non_null(d);
	v->s.sched_data = d;
	return d;
}

static void
unbuild(struct svc *v)
{
	v->s.sched->free(v->s.sched_data);
	v->s.sched_data = NULL;
}

/* A pick for a new conn from some client; rr, wrr, lc and wlc do not look at it. */
static int
pick(struct svc *v, unsigned worker)
{
	static uint32_t n;
	struct pkt_meta p;

	n++;
	fx_flow(&p, 0xc0a80000 + n, (uint16_t)(1024 + n));
	return v->s.sched->pick(&v->s, v->s.sched_data, worker, &p);
}

static int
pick_flow(struct svc *v, unsigned worker, uint32_t saddr, uint16_t sport)
{
	struct pkt_meta p;

	fx_flow(&p, saddr, sport);
	return v->s.sched->pick(&v->s, v->s.sched_data, worker, &p);
}

/* n picks, alternating over n_workers workers in an irregular pattern; the backends in seq. */
static void
picks(struct svc *v, unsigned n_workers, unsigned n, int *seq)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		int b = pick(v, (i * 7 + i / 3) % n_workers);

		assert_true(b >= 0 && b < (int)v->s.n_backends);
		seq[i] = b;
	}
}

static void
tally(const int *seq, unsigned n, unsigned *hits)
{
	unsigned i;

	memset(hits, 0, sizeof(hits[0]) * MAX_BE);
	for (i = 0; i < n; i++)
		hits[seq[i]]++;
}

/* In every window of `period` consecutive picks, backend b appears exactly want[b] times. */
static void
assert_windows(const int *seq, unsigned n, const unsigned *want, unsigned n_be,
	       unsigned period)
{
	unsigned i, j, b;

	for (i = 0; i + period <= n; i++) {
		unsigned hits[MAX_BE] = { 0 };

		for (j = i; j < i + period; j++)
			hits[seq[j]]++;
		for (b = 0; b < n_be; b++)
			if (hits[b] != want[b])
				fail_msg("window at pick %u: backend %u picked %u times, %u wanted",
					 i, b, hits[b], want[b]);
	}
}

static void
test_registry(void **state)
{
	(void)state;
	assert_ptr_equal(sched_get(SL_SCHED_RR), &sched_rr_ops);
	assert_ptr_equal(sched_get(SL_SCHED_WRR), &sched_wrr_ops);
	assert_ptr_equal(sched_get(SL_SCHED_LC), &sched_lc_ops);
	assert_ptr_equal(sched_get(SL_SCHED_WLC), &sched_wlc_ops);
	assert_ptr_equal(sched_get(SL_SCHED_SH), &sched_sh_ops);
	assert_ptr_equal(sched_get(SL_SCHED_MAGLEV), &sched_maglev_ops);
	assert_string_equal(sched_rr_ops.name, "rr");
	assert_string_equal(sched_wrr_ops.name, "wrr");
	assert_string_equal(sched_lc_ops.name, "lc");
	assert_string_equal(sched_wlc_ops.name, "wlc");
	assert_string_equal(sched_sh_ops.name, "sh");
	assert_string_equal(sched_maglev_ops.name, "maglev");
	assert_null(sched_get(SL_SCHED_MAX));
	assert_null(sched_get(255));
}

/*
 * rr: every backend with a weight gets the same share, in a fixed cyclic order, however the
 * picks are spread over the workers (one ticket for the node); weight 0 none.
 */
static void
test_rr_node_wide(void **state)
{
	static const uint32_t w[] = { 1, 0, 5, 1, 0 };
	static const unsigned want[] = { 1, 0, 1, 1, 0 };
	struct svc v;
	unsigned hits[MAX_BE], i, nw;
	int seq[300];

	(void)state;
	for (nw = 1; nw <= 4; nw++) {
		svc_init(&v, &sched_rr_ops, w, 5);
		build(&v, nw);
		picks(&v, nw, 300, seq);
		tally(seq, 300, hits);
		assert_int_equal(hits[0], 100);
		assert_int_equal(hits[1], 0);
		assert_int_equal(hits[2], 100); /* the weight does not matter to rr */
		assert_int_equal(hits[3], 100);
		assert_int_equal(hits[4], 0);
		assert_windows(seq, 300, want, 5, 3);
		/* Strictly cyclic: 0 2 3 0 2 3 ... from wherever it started. */
		for (i = 1; i < 300; i++) {
			int next = seq[i - 1] == 0 ? 2 : seq[i - 1] == 2 ? 3 : 0;

			assert_int_equal(seq[i], next);
		}
		unbuild(&v);
	}
}

static void
test_rr_drained_and_empty(void **state)
{
	static const uint32_t zero[] = { 0, 0, 0 };
	static const uint32_t one[] = { 0, 0, 7 };
	struct svc v;
	unsigned i;

	(void)state;
	svc_init(&v, &sched_rr_ops, zero, 3);
	build(&v, 2);
	for (i = 0; i < 5; i++) {
		assert_int_equal(pick(&v, 0), -1);
		assert_int_equal(pick(&v, 1), -1);
	}
	unbuild(&v);
	svc_init(&v, &sched_rr_ops, one, 3);
	build(&v, 1);
	for (i = 0; i < 5; i++)
		assert_int_equal(pick(&v, i % 2), 2);
	unbuild(&v);
	/* No backends at all. */
	svc_init(&v, &sched_rr_ops, zero, 0);
	build(&v, 1);
	assert_int_equal(pick(&v, 0), -1);
	unbuild(&v);
}

/*
 * No burst: the longest run of backend `heavy`, over the picks and so across periods, is
 * at most `bound`. Smooth wrr (nginx) keeps it within one of the best possible,
 * ceil(w_heavy / (W - w_heavy)); the plain wrr of LVS sends all of a period's w_heavy in
 * a row.
 */
static void
assert_no_burst(const int *seq, unsigned n, int heavy, unsigned bound)
{
	unsigned i, run = 0;

	for (i = 0; i < n; i++) {
		run = seq[i] == heavy ? run + 1 : 0;
		if (run > bound)
			fail_msg("backend %d picked %u times in a row at pick %u", heavy, run, i);
	}
}

/*
 * wrr 1:1:2, over several builds (each starts at a random point of the period) and picks
 * spread over 1 to 3 workers: every window of 4 picks holds a, b once and c twice, so c
 * never comes more than twice in a row.
 */
static void
test_wrr_112_smooth(void **state)
{
	static const uint32_t w[] = { 1, 1, 2 };
	static const unsigned want[] = { 1, 1, 2 };
	struct svc v;
	unsigned hits[MAX_BE], k;
	int seq[400];

	(void)state;
	for (k = 0; k < 21; k++) {
		svc_init(&v, &sched_wrr_ops, w, 3);
		build(&v, 1 + k % 3);
		picks(&v, 1 + k % 3, 400, seq);
		tally(seq, 400, hits);
		assert_int_equal(hits[0], 100);
		assert_int_equal(hits[1], 100);
		assert_int_equal(hits[2], 200);
		assert_windows(seq, 400, want, 3, 4);
		assert_no_burst(seq, 400, 2, 2);
		unbuild(&v);
	}
}

static void
test_wrr_other_weights(void **state)
{
	static const uint32_t w1[] = { 5, 1, 1 };
	static const unsigned want1[] = { 5, 1, 1 };
	static const uint32_t w2[] = { 3, 0, 2, 0, 1 }; /* drained ones in between */
	static const unsigned want2[] = { 3, 0, 2, 0, 1 };
	static const uint32_t w3[] = { 100, 1 };
	static const unsigned want3[] = { 100, 1 };
	static const uint32_t w4[] = { 6, 4, 2 }; /* reduced by the gcd: a period of 6 */
	static const unsigned want4[] = { 3, 2, 1 };
	struct svc v;
	unsigned hits[MAX_BE];
	int seq[2020];

	(void)state;
	svc_init(&v, &sched_wrr_ops, w1, 3);
	build(&v, 2);
	picks(&v, 2, 700, seq);
	tally(seq, 700, hits);
	assert_int_equal(hits[0], 500);
	assert_int_equal(hits[1], 100);
	assert_int_equal(hits[2], 100);
	assert_windows(seq, 700, want1, 3, 7);
	/* 5:1:1 is a a b a c a a: at most 4 in a row across periods (best 3; LVS's 5). */
	assert_no_burst(seq, 700, 0, 4);
	unbuild(&v);

	svc_init(&v, &sched_wrr_ops, w2, 5);
	build(&v, 3);
	picks(&v, 3, 600, seq);
	tally(seq, 600, hits);
	assert_int_equal(hits[0], 300);
	assert_int_equal(hits[1], 0);
	assert_int_equal(hits[2], 200);
	assert_int_equal(hits[3], 0);
	assert_int_equal(hits[4], 100);
	assert_windows(seq, 600, want2, 5, 6);
	unbuild(&v);

	svc_init(&v, &sched_wrr_ops, w3, 2);
	build(&v, 2);
	picks(&v, 2, 2020, seq);
	tally(seq, 2020, hits);
	assert_int_equal(hits[0], 2000);
	assert_int_equal(hits[1], 20);
	assert_windows(seq, 2020, want3, 2, 101);
	unbuild(&v);

	svc_init(&v, &sched_wrr_ops, w4, 3);
	build(&v, 2);
	picks(&v, 2, 600, seq);
	assert_windows(seq, 600, want4, 3, 6);
	assert_no_burst(seq, 600, 0, 2);
	unbuild(&v);
}

static void
test_wrr_zero(void **state)
{
	static const uint32_t zero[] = { 0, 0, 0, 0 };
	static const uint32_t one[] = { 0, 3, 0, 0 };
	struct svc v;
	unsigned i;

	(void)state;
	svc_init(&v, &sched_wrr_ops, zero, 4);
	build(&v, 3);
	for (i = 0; i < 10; i++)
		assert_int_equal(pick(&v, i % 3), -1);
	unbuild(&v);
	svc_init(&v, &sched_wrr_ops, one, 4);
	build(&v, 1);
	for (i = 0; i < 10; i++)
		assert_int_equal(pick(&v, 0), 1);
	unbuild(&v);
	svc_init(&v, &sched_wrr_ops, zero, 0);
	build(&v, 1);
	assert_int_equal(pick(&v, 0), -1);
	unbuild(&v);
}

/*
 * One ticket for the node: the picks of all workers together form the period, so with
 * three backends and three workers that take turns, each worker alone would always see the
 * same backend. (DPVS's per-core rr would give every worker all three.)
 */
static void
test_shared_ticket(void **state)
{
	static const uint32_t w[] = { 1, 1, 1 };
	struct svc v;
	unsigned i, k;
	int first[3];

	(void)state;
	svc_init(&v, &sched_rr_ops, w, 3);
	build(&v, 3);
	for (k = 0; k < 3; k++)
		first[k] = pick(&v, k);
	assert_int_not_equal(first[0], first[1]);
	assert_int_not_equal(first[1], first[2]);
	assert_int_not_equal(first[0], first[2]);
	for (i = 0; i < 30; i++)
		for (k = 0; k < 3; k++)
			assert_int_equal(pick(&v, k), first[k]);
	unbuild(&v);
}

/*
 * Random start: the nodes of a cluster must not all send their first conn to the same
 * backend. Over 20 builds with 3 backends, the first picks are not all the same (by
 * chance only with probability 3^-19).
 */
static void
random_start(const struct sched_ops *ops)
{
	static const uint32_t w[] = { 1, 1, 1 };
	struct svc v;
	unsigned k, seen = 0;

	for (k = 0; k < 20; k++) {
		int b;

		svc_init(&v, ops, w, 3);
		build(&v, 1);
		b = pick(&v, 0);
		assert_true(b >= 0 && b < 3);
		seen |= 1u << b;
		unbuild(&v);
	}
	assert_int_not_equal(seen, 1u << 0);
	assert_int_not_equal(seen, 1u << 1);
	assert_int_not_equal(seen, 1u << 2);
}

static void
test_random_start(void **state)
{
	(void)state;
	random_start(&sched_rr_ops);
	random_start(&sched_wrr_ops);
}

/*
 * Inhibited: its turn passes to the next in the sequence, set before the build or after
 * it (a pick checks). rr {a, b, c} with b out gives a c a c; wrr 1:1:2 with a out gives
 * b c c, b c c: the others keep their ratio.
 */
/*
 * A big pool (1001 backends, a period of 25 500), built in O(period log backends): over one
 * period every backend has exactly its weight of turns; no backend's count strays a whole
 * turn from its exact share at any point (WF2Q's bound); the heavy one (20 000 of 25 500)
 * never comes more than 5 times in a row, across periods too (best possible:
 * ceil(20000 / 5500) = 4).
 */
static void
test_wrr_big_pool(void **state)
{
	enum { N = 1001 };
	struct snap_backend *be = calloc(N, sizeof(*be));
	uint32_t *cnt = calloc(N, sizeof(*cnt));
	struct snap_service svc;
	struct sched_seq *q;
	uint64_t total = 0;
	unsigned i, k, run = 0, worst_run = 0;
	double worst_lag = 0;

	(void)state;
	assert_non_null(be);
	assert_non_null(cnt);
	fx_service(&svc, &sched_wrr_ops, be, NULL, N, 0x0a000200);
	for (i = 0; i < N; i++) {
		be[i].weight = i == 0 ? 20000 : 1 + i % 10;
		total += be[i].weight;
	}
	assert_int_equal(total, 25500);
	q = sched_seq_build(&svc, 0);
	assert_non_null(q);
	assert_int_equal(q->len, total);
	for (k = 0; k < 2 * total; k++) {
		unsigned b = q->idx[k % total];

		assert_true(b < N);
		run = b == 0 ? run + 1 : 0;
		worst_run = RTE_MAX(worst_run, run);
		if (k >= total)
			continue;
		cnt[b]++;
		for (i = 0; i < N; i += 50) { /* the heavy one and a sample of the others */
			double lag = (double)cnt[i] - (double)(k + 1) * be[i].weight / (double)total;

			worst_lag = RTE_MAX(worst_lag, lag < 0 ? -lag : lag);
		}
	}
	for (i = 0; i < N; i++)
		assert_int_equal(cnt[i], be[i].weight);
	if (worst_run > 5 || worst_lag >= 1)
		fail_msg("heavy backend %u in a row, lag %.2f turns", worst_run, worst_lag);
	free(q);
	free(cnt);
	free(be);
}

static void
test_rr_wrr_inhibited(void **state)
{
	static const uint32_t w_rr[] = { 1, 1, 1 };
	static const uint32_t w_wrr[] = { 1, 1, 2 };
	static const unsigned want_rr[] = { 1, 0, 1 };
	static const unsigned want_wrr[] = { 0, 1, 2 };
	struct svc v;
	unsigned hits[MAX_BE], before;
	int seq[300];

	(void)state;
	for (before = 0; before < 2; before++) {
		svc_init(&v, &sched_rr_ops, w_rr, 3);
		v.be[1].inhibited = (uint8_t)before;
		build(&v, 2);
		v.be[1].inhibited = 1;
		picks(&v, 2, 300, seq);
		tally(seq, 300, hits);
		assert_int_equal(hits[0], 150);
		assert_int_equal(hits[1], 0);
		assert_int_equal(hits[2], 150);
		assert_windows(seq, 300, want_rr, 3, 2);
		unbuild(&v);

		svc_init(&v, &sched_wrr_ops, w_wrr, 3);
		v.be[0].inhibited = (uint8_t)before;
		build(&v, 2);
		v.be[0].inhibited = 1;
		picks(&v, 2, 300, seq);
		tally(seq, 300, hits);
		assert_int_equal(hits[0], 0);
		assert_int_equal(hits[1], 100);
		assert_int_equal(hits[2], 200);
		assert_windows(seq, 300, want_wrr, 3, 3);
		unbuild(&v);
	}
}

/*
 * max_conns, for every scheduler: a backend whose open conns (active + inactive, the
 * node's, in the gauge of its slot) reached its limit is skipped; one below, it is picked
 * again: a third of the picks for rr, wrr, sh and maglev (the flows that hash to it, for
 * the last two), all of them for lc and wlc, to which it is the least loaded by far.
 */
static void
max_conns(const struct sched_ops *ops)
{
	static const uint32_t w[] = { 1, 1, 1 };
	struct svc v;
	unsigned i, hits1 = 0;
	int b;

	svc_init(&v, ops, w, 3);
	v.be[1].max_conns = 5;
	/* lc/wlc: backend 1 is the least loaded by far, the others have 100 active. */
	gauge(&v, 0)->active = 100;
	gauge(&v, 2)->active = 100;
	gauge(&v, 1)->active = 3;
	gauge(&v, 1)->inactive = 2; /* 5 open: at the limit */
	build(&v, 2);
	for (i = 0; i < 300; i++) {
		b = pick_flow(&v, i % 2, 0xc0a80000 + i, (uint16_t)(1024 + i));
		assert_true(b == 0 || b == 2);
	}
	gauge(&v, 1)->inactive = 1; /* 4 open: below it */
	for (i = 0; i < 300; i++) {
		b = pick_flow(&v, i % 2, 0xc0a80000 + i, (uint16_t)(1024 + i));
		assert_true(b >= 0 && b < 3);
		hits1 += b == 1;
	}
	if (ops == &sched_lc_ops || ops == &sched_wlc_ops)
		assert_int_equal(hits1, 300);
	else if (ops == &sched_rr_ops || ops == &sched_wrr_ops)
		assert_int_equal(hits1, 100);
	else
		assert_true(hits1 > 50 && hits1 < 150); /* a third of the flows hash to it */
	/* Negative transient gauges (a conn counted down on one worker before up on
	 * another) count as 0 open, not as 4 billion. */
	gauge(&v, 1)->active = -3;
	gauge(&v, 1)->inactive = 1;
	hits1 = 0;
	for (i = 0; i < 300; i++)
		hits1 += pick_flow(&v, i % 2, 0xc0a80000 + i, (uint16_t)(1024 + i)) == 1;
	assert_true(hits1 > 50);
	unbuild(&v);
}

static void
test_max_conns(void **state)
{
	(void)state;
	max_conns(&sched_rr_ops);
	max_conns(&sched_wrr_ops);
	max_conns(&sched_lc_ops);
	max_conns(&sched_wlc_ops);
	max_conns(&sched_sh_ops);
	max_conns(&sched_maglev_ops);
}

/* No backend takes a new conn: every scheduler says -1, from any worker. */
static void
none_available(const struct sched_ops *ops)
{
	static const uint32_t w[] = { 1, 2, 3, 4 };
	struct svc v;
	unsigned i, how;

	for (how = 0; how < 3; how++) {
		svc_init(&v, ops, w, 4);
		build(&v, 2);
		for (i = 0; i < 4; i++) {
			if (how == 0) {
				v.be[i].inhibited = 1;
			} else if (how == 1) {
				v.be[i].max_conns = 10 + i;
				gauge(&v, i)->active = (int32_t)(5 + i);
				gauge(&v, i)->inactive = 5;
			} else {
				/* Mixed: each out for another reason. */
				v.be[i].inhibited = i == 0;
				v.be[i].weight = i == 1 ? 0 : v.be[i].weight;
				v.be[i].max_conns = i >= 2 ? 1 : 0;
				gauge(&v, i)->inactive = i >= 2 ? 1 : 0;
			}
		}
		for (i = 0; i < 20; i++)
			assert_int_equal(pick_flow(&v, i % 2, 0xc0a80000 + i, 1024), -1);
		unbuild(&v);
	}
	/* No backends. */
	svc_init(&v, ops, w, 0);
	build(&v, 1);
	assert_int_equal(pick(&v, 0), -1);
	unbuild(&v);
}

static void
test_none_available(void **state)
{
	(void)state;
	none_available(&sched_rr_ops);
	none_available(&sched_wrr_ops);
	none_available(&sched_lc_ops);
	none_available(&sched_wlc_ops);
	none_available(&sched_sh_ops);
	none_available(&sched_maglev_ops);
}

/*
 * lc: the least overhead, active * 256 + inactive, from the node's gauges; the weight
 * only says who takes none.
 */
static void
test_lc_overhead(void **state)
{
	static const uint32_t w[] = { 1, 1, 1, 1 };
	struct svc v;
	unsigned k;

	(void)state;
	svc_init(&v, &sched_lc_ops, w, 4);
	build(&v, 4);
	gauge(&v, 0)->active = 1;	/* 256 */
	gauge(&v, 1)->inactive = 200; /* 200 */
	gauge(&v, 2)->inactive = 300; /* 300 */
	gauge(&v, 3)->active = 2;	/* 512 */
	for (k = 0; k < 4; k++)
		assert_int_equal(pick(&v, k), 1);
	gauge(&v, 1)->inactive = 257; /* now 257 > 256 */
	for (k = 0; k < 4; k++)
		assert_int_equal(pick(&v, k), 0);
	/* Each conn counts: one more active on 0 and it is 2 over 1's 257. */
	gauge(&v, 0)->active = 2;
	gauge(&v, 0)->inactive = 0;
	for (k = 0; k < 4; k++)
		assert_int_equal(pick(&v, k), 1);
	/* The weight does not matter to lc, except 0. */
	v.be[2].weight = 100;
	for (k = 0; k < 4; k++)
		assert_int_equal(pick(&v, k), 1);
	v.be[1].weight = 0;
	for (k = 0; k < 4; k++)
		assert_int_equal(pick(&v, k), 2);
	/* Inhibited: skipped however idle. */
	v.be[1].weight = 1;
	gauge(&v, 1)->inactive = 0;
	v.be[1].inhibited = 1;
	for (k = 0; k < 4; k++)
		assert_int_equal(pick(&v, k), 2);
	unbuild(&v);
}

/*
 * Ties: worker k starts its scan at backend k mod N and keeps the first least one found,
 * so on an idle service the workers pick different backends.
 */
static void
test_least_ties(void **state)
{
	static const uint32_t w[] = { 1, 1, 1, 1 };
	static const uint32_t w2[] = { 1, 2, 1, 2 };
	struct svc v;
	unsigned k;

	(void)state;
	svc_init(&v, &sched_lc_ops, w, 4);
	build(&v, 6);
	for (k = 0; k < 6; k++)
		assert_int_equal(pick(&v, k), (int)(k % 4));
	/* Ties between 1 and 3 only: the first of them from each worker's offset. */
	gauge(&v, 0)->active = 1;
	gauge(&v, 2)->active = 1;
	assert_int_equal(pick(&v, 0), 1);
	assert_int_equal(pick(&v, 1), 1);
	assert_int_equal(pick(&v, 2), 3);
	assert_int_equal(pick(&v, 3), 3);
	assert_int_equal(pick(&v, 4), 1);
	assert_int_equal(pick(&v, 5), 1);
	unbuild(&v);

	/* wlc: 256/1 on 0 and 2, 512/2 on 1 and 3: all tied. */
	svc_init(&v, &sched_wlc_ops, w2, 4);
	build(&v, 4);
	gauge(&v, 0)->active = 1;
	gauge(&v, 1)->active = 2;
	gauge(&v, 2)->active = 1;
	gauge(&v, 3)->active = 2;
	for (k = 0; k < 4; k++)
		assert_int_equal(pick(&v, k), (int)k);
	unbuild(&v);
}

/* wlc: the least overhead per unit of weight, compared exactly (no rounding). */
static void
test_wlc_weighted(void **state)
{
	static const uint32_t w[] = { 1, 3 };
	struct svc v;
	unsigned k;

	(void)state;
	svc_init(&v, &sched_wlc_ops, w, 2);
	build(&v, 2);
	/* 1 active on each: 256/1 against 256/3. */
	gauge(&v, 0)->active = 1;
	gauge(&v, 1)->active = 1;
	for (k = 0; k < 2; k++)
		assert_int_equal(pick(&v, k), 1);
	/* lc would choose by conns alone: a tie, broken by the worker's offset. */
	v.s.sched = &sched_lc_ops;
	assert_int_equal(pick(&v, 0), 0);
	assert_int_equal(pick(&v, 1), 1);
	v.s.sched = &sched_wlc_ops;
	/* 256/1 against 512/3 = 170.7: still 1. */
	gauge(&v, 1)->active = 2;
	for (k = 0; k < 2; k++)
		assert_int_equal(pick(&v, k), 1);
	/* 256/1 against 768/3 = 256: a tie, by offset. */
	gauge(&v, 1)->active = 3;
	assert_int_equal(pick(&v, 0), 0);
	assert_int_equal(pick(&v, 1), 1);
	/* 256/1 against 769/3: 0. And 257/1 against 769/3 = 256.3: 1 again. */
	gauge(&v, 1)->inactive = 1;
	for (k = 0; k < 2; k++)
		assert_int_equal(pick(&v, k), 0);
	gauge(&v, 0)->inactive = 1;
	for (k = 0; k < 2; k++)
		assert_int_equal(pick(&v, k), 1);
	/*
	 * Large weights and loads, compared exactly: 2e9 active on weight 65535 (7812619.2 per
	 * unit) against 1999969000 on 65534 (7812617.3): 1. With 1999970000 (7812621.2): 0.
	 * Overheads or cross products kept in 32 bits get one of the two wrong.
	 */
	v.be[0].weight = 65535;
	v.be[1].weight = 65534;
	gauge(&v, 0)->active = 2000000000;
	gauge(&v, 0)->inactive = 0;
	gauge(&v, 1)->active = 1999969000;
	gauge(&v, 1)->inactive = 0;
	for (k = 0; k < 2; k++)
		assert_int_equal(pick(&v, k), 1);
	gauge(&v, 1)->active = 1999970000;
	for (k = 0; k < 2; k++)
		assert_int_equal(pick(&v, k), 0);
	unbuild(&v);
}

/*
 * wlc balance: conns opened one after another (each counted on the gauge of the backend
 * chosen, as the data plane does) end in proportion to the weights, whichever worker
 * opened them.
 */
static void
test_wlc_fills_by_weight(void **state)
{
	static const uint32_t w[] = { 1, 2, 3, 0 };
	struct svc v;
	unsigned i;

	(void)state;
	svc_init(&v, &sched_wlc_ops, w, 4);
	build(&v, 2);
	for (i = 0; i < 600; i++) {
		int b = pick(&v, i % 2);

		assert_true(b >= 0 && b < 3);
		gauge(&v, (unsigned)b)->active++;
	}
	assert_int_equal(gauge(&v, 0)->active, 100);
	assert_int_equal(gauge(&v, 1)->active, 200);
	assert_int_equal(gauge(&v, 2)->active, 300);
	assert_int_equal(gauge(&v, 3)->active, 0);
	unbuild(&v);
	/* lc: the same conns end equal over the three with a weight. */
	svc_init(&v, &sched_lc_ops, w, 4);
	build(&v, 2);
	for (i = 0; i < 600; i++)
		gauge(&v, (unsigned)pick(&v, i % 2))->active++;
	assert_int_equal(gauge(&v, 0)->active, 200);
	assert_int_equal(gauge(&v, 1)->active, 200);
	assert_int_equal(gauge(&v, 2)->active, 200);
	unbuild(&v);
}

/*
 * sh: one source address, one backend, whatever its ports, the destination port or the
 * worker; even when the service asks for the 5-tuple hash (that is maglev's option).
 */
static void
test_sh_source(void **state)
{
	static const uint32_t w[] = { 1, 1, 1, 1, 1 };
	struct svc v;
	unsigned c, s, per_be[MAX_BE] = { 0 };

	(void)state;
	svc_init(&v, &sched_sh_ops, w, 5);
	v.s.hash = SL_HASH_TUPLE;
	build(&v, 2);
	for (c = 0; c < 100; c++) {
		uint32_t saddr = 0xc6336400 + c * 13;
		int first = pick_flow(&v, 0, saddr, 1024);

		assert_true(first >= 0 && first < 5);
		per_be[first]++;
		for (s = 0; s < 200; s++) {
			struct pkt_meta p;

			fx_flow(&p, saddr, (uint16_t)(2000 + s * 293));
			p.key.dport = rte_cpu_to_be_16((uint16_t)(s % 3 ? 80 : 8443));
			assert_int_equal(v.s.sched->pick(&v.s, v.s.sched_data, s % 2, &p), first);
		}
	}
	/* And the clients spread: 20 each expected, none without any. */
	for (c = 0; c < 5; c++)
		assert_true(per_be[c] >= 5);
	unbuild(&v);
}

/* sh: the same backends listed in another order give the same backend per client. */
static void
test_sh_shuffled(void **state)
{
	static const uint32_t w[] = { 1, 2, 1, 3, 1, 1 };
	static const unsigned perm[] = { 4, 0, 5, 2, 1, 3 };
	struct svc a, b;
	unsigned i, c, moved_slot = 0;

	(void)state;
	svc_init(&a, &sched_sh_ops, w, 6);
	svc_init(&b, &sched_sh_ops, w, 6);
	for (i = 0; i < 6; i++)
		b.be[i] = a.be[perm[i]];
	b.s.backends = b.be;
	build(&a, 1);
	build(&b, 1);
	for (c = 0; c < 5000; c++) {
		uint32_t saddr = 0x0b000000 + c * 2654435761u;
		int x = pick_flow(&a, 0, saddr, 1111), y = pick_flow(&b, 1, saddr, 2222);

		assert_true(x >= 0 && y >= 0);
		assert_int_equal(a.be[x].addr.w[3], b.be[y].addr.w[3]);
		assert_int_equal(a.be[x].port, b.be[y].port);
		moved_slot += x != y;
	}
	/* The indexes differ (so the addresses, not the indexes, were compared). */
	assert_true(moved_slot > 0);
	unbuild(&a);
	unbuild(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_rr_node_wide),
		cmocka_unit_test(test_rr_drained_and_empty),
		cmocka_unit_test(test_wrr_112_smooth),
		cmocka_unit_test(test_wrr_other_weights),
		cmocka_unit_test(test_wrr_zero),
		cmocka_unit_test(test_wrr_big_pool),
		cmocka_unit_test(test_shared_ticket),
		cmocka_unit_test(test_random_start),
		cmocka_unit_test(test_rr_wrr_inhibited),
		cmocka_unit_test(test_max_conns),
		cmocka_unit_test(test_none_available),
		cmocka_unit_test(test_lc_overhead),
		cmocka_unit_test(test_least_ties),
		cmocka_unit_test(test_wlc_weighted),
		cmocka_unit_test(test_wlc_fills_by_weight),
		cmocka_unit_test(test_sh_source),
		cmocka_unit_test(test_sh_shuffled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
