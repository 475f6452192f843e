/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the schedulers (src/sched): rr and wrr, driven through their ops table
 * on a service built by hand, as the snapshot builder would. The shares are checked
 * exactly over whole cycles, and wrr's smoothness as a property of every window of
 * picks, so a scheduler that gets the totals right by bursting still fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "control/config.h"
#include "sched/sched.h"
#include "service/snapshot.h"

#define MAX_BE 8

struct svc {
	struct snap_service s;
	struct snap_backend be[MAX_BE];
};

static void
svc_init(struct svc *v, const struct sched_ops *ops, const uint32_t *weights, unsigned n)
{
	unsigned i;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < n; i++) {
		v->be[i].addr = 0x0b02000a + (i << 24); /* 10.0.2.11 + i, network order */
		v->be[i].port = 0x901f;                 /* 8080 */
		v->be[i].slot = (uint16_t)i;
		v->be[i].weight = weights[i];
	}
	v->s.vip = 0x0a00000a;
	v->s.vport = 0x5000;
	v->s.proto = 6;
	v->s.sched = ops;
	v->s.n_backends = n;
	v->s.backends = v->be;
}

static void *
build(struct svc *v, unsigned n_workers)
{
	void *d = v->s.sched->build(&v->s, n_workers);

	assert_non_null(d);
	v->s.sched_data = d;
	return d;
}

static int
pick(struct svc *v, unsigned worker)
{
	return v->s.sched->pick(&v->s, v->s.sched_data, worker, NULL);
}

static void
unbuild(struct svc *v)
{
	v->s.sched->free(v->s.sched_data);
	v->s.sched_data = NULL;
}

/* Picks per backend over n picks on one worker. */
static void
count(struct svc *v, unsigned worker, unsigned n, unsigned *hits, int *seq)
{
	unsigned i;

	memset(hits, 0, sizeof(hits[0]) * MAX_BE);
	for (i = 0; i < n; i++) {
		int b = pick(v, worker);

		assert_true(b >= 0 && b < (int)v->s.n_backends);
		hits[b]++;
		if (seq)
			seq[i] = b;
	}
}

static void
test_registry(void **state)
{
	(void)state;
	assert_ptr_equal(sched_get(CFG_SCHED_RR), &sched_rr_ops);
	assert_ptr_equal(sched_get(CFG_SCHED_WRR), &sched_wrr_ops);
	assert_string_equal(sched_rr_ops.name, "rr");
	assert_string_equal(sched_wrr_ops.name, "wrr");
	/* Not built in yet, and out of range. */
	assert_null(sched_get(CFG_SCHED_MAGLEV));
	assert_null(sched_get(CFG_SCHED_MAX));
	assert_null(sched_get(255));
}

/* rr: every backend with a weight gets the same share, in a fixed cyclic order; weight 0 none. */
static void
test_rr_cycles(void **state)
{
	static const uint32_t w[] = { 1, 0, 5, 1, 0 };
	struct svc v;
	unsigned hits[MAX_BE], i;
	int seq[300];

	(void)state;
	svc_init(&v, &sched_rr_ops, w, 5);
	build(&v, 1);
	count(&v, 0, 300, hits, seq);
	assert_int_equal(hits[0], 100);
	assert_int_equal(hits[1], 0);
	assert_int_equal(hits[2], 100); /* the weight does not matter to rr */
	assert_int_equal(hits[3], 100);
	assert_int_equal(hits[4], 0);
	/* Strictly cyclic: 0 2 3 0 2 3 ... from wherever it started. */
	for (i = 1; i < 300; i++) {
		int want = seq[i - 1] == 0 ? 2 : seq[i - 1] == 2 ? 3 : 0;

		assert_int_equal(seq[i], want);
	}
	unbuild(&v);
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
		assert_int_equal(pick(&v, 0), 2);
	unbuild(&v);
	/* No backends at all. */
	svc_init(&v, &sched_rr_ops, zero, 0);
	build(&v, 1);
	assert_int_equal(pick(&v, 0), -1);
	unbuild(&v);
}

/* The smoothness of wrr: in every window of W = sum of weights picks, backend i appears
 * exactly weight[i] times. Implies exact shares over any multiple of W. */
static void
assert_windows(const int *seq, unsigned n, const uint32_t *w, unsigned n_be)
{
	unsigned W = 0, i, j, b;

	for (b = 0; b < n_be; b++)
		W += w[b];
	for (i = 0; i + W <= n; i++) {
		unsigned hits[MAX_BE] = { 0 };

		for (j = i; j < i + W; j++)
			hits[seq[j]]++;
		for (b = 0; b < n_be; b++)
			if (hits[b] != w[b])
				fail_msg("window at pick %u: backend %u picked %u times, weight %u",
					 i, b, hits[b], w[b]);
	}
}

static void
test_wrr_112(void **state)
{
	static const uint32_t w[] = { 1, 1, 2 };
	struct svc v;
	unsigned hits[MAX_BE], i, run = 0, k;
	int seq[400];

	(void)state;
	/* Several builds: each starts at a random point of the cycle; all must be smooth. */
	for (k = 0; k < 20; k++) {
		svc_init(&v, &sched_wrr_ops, w, 3);
		build(&v, 1);
		count(&v, 0, 400, hits, seq);
		assert_int_equal(hits[0], 100);
		assert_int_equal(hits[1], 100);
		assert_int_equal(hits[2], 200);
		assert_windows(seq, 400, w, 3);
		/* Hence the heaviest never comes more than twice in a row. */
		run = 0;
		for (i = 0; i < 400; i++) {
			run = seq[i] == 2 ? run + 1 : 0;
			assert_true(run <= 2);
		}
		unbuild(&v);
	}
}

static void
test_wrr_other_weights(void **state)
{
	static const uint32_t w1[] = { 5, 1, 1 };
	static const uint32_t w2[] = { 3, 0, 2, 0, 1 }; /* drained ones in between */
	static const uint32_t w3[] = { 100, 1 };
	struct svc v;
	unsigned hits[MAX_BE];
	int seq[2020];

	(void)state;
	svc_init(&v, &sched_wrr_ops, w1, 3);
	build(&v, 1);
	count(&v, 0, 700, hits, seq);
	assert_int_equal(hits[0], 500);
	assert_int_equal(hits[1], 100);
	assert_int_equal(hits[2], 100);
	assert_windows(seq, 700, w1, 3);
	unbuild(&v);

	svc_init(&v, &sched_wrr_ops, w2, 5);
	build(&v, 1);
	count(&v, 0, 600, hits, seq);
	assert_int_equal(hits[0], 300);
	assert_int_equal(hits[1], 0);
	assert_int_equal(hits[2], 200);
	assert_int_equal(hits[3], 0);
	assert_int_equal(hits[4], 100);
	assert_windows(seq, 600, w2, 5);
	unbuild(&v);

	svc_init(&v, &sched_wrr_ops, w3, 2);
	build(&v, 1);
	count(&v, 0, 2020, hits, seq);
	assert_int_equal(hits[0], 2000);
	assert_int_equal(hits[1], 20);
	assert_windows(seq, 2020, w3, 2);
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
 * Each worker has its own position: picks on one never move another. A worker's
 * sequence stays exactly periodic however the other workers' picks interleave with it.
 */
static void
independence(const struct sched_ops *ops, const uint32_t *w, unsigned n_be, unsigned period)
{
	struct svc v;
	int seq[3][64];
	unsigned i, k, wk;

	svc_init(&v, ops, w, n_be);
	build(&v, 3);
	for (i = 0; i < 64; i++) {
		seq[1][i] = pick(&v, 1);
		/* A varying number of picks on the other workers in between. */
		for (k = 0; k < (i * 7) % 5; k++)
			pick(&v, 0);
		if (i % 3 == 0)
			seq[2][i / 3] = pick(&v, 2);
	}
	for (i = 0; i + period < 64; i++)
		assert_int_equal(seq[1][i + period], seq[1][i]);
	for (i = 0; i + period < 64 / 3; i++)
		assert_int_equal(seq[2][i + period], seq[2][i]);
	/* And each worker alone still gets the exact shares. */
	for (wk = 1; wk < 3; wk++) {
		unsigned hits[MAX_BE] = { 0 };
		unsigned n = wk == 1 ? 64 - 64 % period : (64 / 3) - (64 / 3) % period;
		unsigned b, total = 0;

		for (i = 0; i < n; i++)
			hits[seq[wk][i]]++;
		for (b = 0; b < n_be; b++)
			total += w[b];
		for (b = 0; b < n_be; b++)
			assert_int_equal(hits[b], ops == &sched_rr_ops ? (w[b] ? n / period : 0)
								       : n / total * w[b]);
	}
	unbuild(&v);
}

static void
test_per_worker_independence(void **state)
{
	static const uint32_t w_rr[] = { 1, 1, 1 };
	static const uint32_t w_wrr[] = { 1, 1, 2 };

	(void)state;
	independence(&sched_rr_ops, w_rr, 3, 3);
	independence(&sched_wrr_ops, w_wrr, 3, 4);
}

/*
 * Random start: the nodes of a cluster (and the workers of a node) must not all send
 * their first conn to backend 0. Over 20 builds with 3 backends, the first picks are not
 * all the same (by chance only with probability 3^-19).
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

/* The workers of one build start at different points too, at least sometimes. */
static void
random_start_per_worker(const struct sched_ops *ops)
{
	static const uint32_t w[] = { 1, 1, 1 };
	struct svc v;
	unsigned i, seen = 0;

	svc_init(&v, ops, w, 3);
	build(&v, 21);
	/* Workers 1..20: worker 0 alone being random would not do. */
	for (i = 1; i <= 20; i++)
		seen |= 1u << pick(&v, i);
	assert_int_not_equal(seen, 1u << 0);
	assert_int_not_equal(seen, 1u << 1);
	assert_int_not_equal(seen, 1u << 2);
	unbuild(&v);
}

static void
test_random_start_per_worker(void **state)
{
	(void)state;
	random_start_per_worker(&sched_rr_ops);
	random_start_per_worker(&sched_wrr_ops);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_rr_cycles),
		cmocka_unit_test(test_rr_drained_and_empty),
		cmocka_unit_test(test_wrr_112),
		cmocka_unit_test(test_wrr_other_weights),
		cmocka_unit_test(test_wrr_zero),
		cmocka_unit_test(test_per_worker_independence),
		cmocka_unit_test(test_random_start),
		cmocka_unit_test(test_random_start_per_worker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
