/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The scheduler benchmark (issue 3): what choosing a backend costs a worker per new conn,
 * for each scheduler with 10, 100 and 1000 backends, and what building a scheduler's state
 * costs the control thread, above all a Maglev table of 65537 and of 655373 entries with
 * 1000 backends (the Maglev paper reports 1.8 ms and 22.9 ms).
 *
 * One thread, no EAL: the schedulers need none (malloc, the CRC32 instructions and atomics
 * only). Every pick is for a flow from a random client address and port; the backends have
 * weights 1..10 and the node's gauges start at random loads (0..999 active, 0..9999
 * inactive). Each pick adds one conn to the gauge of the backend chosen, as the data plane
 * does, so lc and wlc see a moving load; that increment (~1 ns) is inside the timed loop
 * for every scheduler alike. Each figure is the median of RUNS runs.
 *
 * Then the worst case of a pick (every backend at max_conns: finding that none is free),
 * two threads picking on one service at once (what two workers taking new conns share: rr's
 * and wrr's ticket, the gauges, counted atomically as the data plane does), and the build at
 * the config's limit (SL_MAX_BACKENDS backends, weights 1..65535).
 *
 * usage: sluice-sched-bench
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_cycles.h>

#include "common/xorshift.h"
#include "config/config.h"
#include "sched/sched.h"
#include "service/snapshot.h"
#include "service/stats.h"

#define RUNS 5
#define N_KEYS 4096u		/* flows, cycled: 96 KiB, in cache as a NIC's frames are */
#define RUN_NS 200000000ull	/* a pick run lasts about 0.2 s */
#define MAGLEV_BACKENDS 1000u

static uint64_t rng = 88172645463325252ull;

static inline uint32_t
xorshift(void)
{
	return (uint32_t)(xorshift64(&rng) >> 11);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct bench_svc {
	struct snap_service s;
	struct snap_backend *be;
	struct vs_gauge *g;
};

/*
 * n backends on distinct addresses in 10.0.0.0/8 (scattered, as a real pool), port 8080,
 * slots in reverse order; weights 1..max_w; random gauges.
 */
static void
svc_make(struct bench_svc *v, unsigned n, uint32_t max_w, uint32_t maglev_size)
{
	unsigned i;

	memset(v, 0, sizeof(*v));
	v->be = calloc(n, sizeof(*v->be));
	v->g = aligned_alloc(64, n * sizeof(*v->g));
	if (v->g != NULL)
		memset(v->g, 0, n * sizeof(*v->g));
	if (v->be == NULL || v->g == NULL)
		abort();
	for (i = 0; i < n; i++) {
		/* i * an odd constant mod 2^24 is a bijection: distinct addresses. */
		v->be[i].addr =
			addr46_from_v4(rte_cpu_to_be_32(0x0a000000u | ((i * 2654435761u) & 0xffffffu)));
		v->be[i].port = rte_cpu_to_be_16(8080);
		v->be[i].slot = (uint16_t)(n - 1 - i);
		v->be[i].weight = 1 + xorshift() % max_w;
		v->g[i].active = (int32_t)(xorshift() % 1000);
		v->g[i].inactive = (int32_t)(xorshift() % 10000);
	}
	v->s.vip = addr46_from_v4(rte_cpu_to_be_32(0x0a00000a));
	v->s.vport = rte_cpu_to_be_16(80);
	v->s.proto = 6;
	v->s.hash = SL_HASH_TUPLE;
	v->s.maglev_size = maglev_size;
	v->s.gauges = v->g;
	v->s.n_backends = n;
	v->s.backends = v->be;
}

static void
svc_drop(struct bench_svc *v)
{
	free(v->be);
	free(v->g);
}

static struct pkt_meta keys[N_KEYS];

static void
keys_make(void)
{
	unsigned i;

	for (i = 0; i < N_KEYS; i++) {
		memset(&keys[i], 0, sizeof(keys[i]));
		keys[i].key.saddr = xorshift();
		keys[i].key.daddr = rte_cpu_to_be_32(0x0a00000a);
		keys[i].key.sport = (uint16_t)xorshift();
		keys[i].key.dport = rte_cpu_to_be_16(80);
		keys[i].key.proto = 6;
	}
}

/* n picks; each counted on the chosen backend's gauge. Returns the picks that found none. */
static uint64_t
pick_loop(struct bench_svc *v, const struct sched_ops *ops, void *data, uint64_t n)
{
	uint64_t i, none = 0;

	for (i = 0; i < n; i++) {
		int b = ops->pick(&v->s, data, 0, &keys[i & (N_KEYS - 1)]);

		if (unlikely(b < 0)) {
			none++;
			continue;
		}
		v->g[v->be[b].slot].active++;
	}
	return none;
}

/* ns per pick (median of RUNS), and the build time of the scheduler's state in us. */
static void
bench_pick(const struct sched_ops *ops, unsigned n, int all_full, double *ns_pick,
	   double *us_build)
{
	double runs[RUNS], builds[RUNS];
	struct bench_svc v;
	uint64_t t, picks, none = 0;
	unsigned r, i;
	void *data = NULL;

	svc_make(&v, n, 10, SL_MAGLEV_SIZE_DEFAULT);
	v.s.sched = ops;
	if (all_full) {
		/* Every backend at its limit: the cost of finding that none is free. */
		for (i = 0; i < n; i++) {
			v.be[i].max_conns = 1;
			v.g[i].active = 1;
		}
	}
	for (r = 0; r < RUNS; r++) {
		if (data != NULL)
			ops->free(data);
		t = now_ns();
		data = ops->build(&v.s, 2);
		builds[r] = (double)(now_ns() - t) / 1e3;
		if (data == NULL) {
			fprintf(stderr, "sched-bench: %s: build failed\n", ops->name);
			exit(1);
		}
	}
	v.s.sched_data = data;
	/* Warm up and size the runs to about RUN_NS each. */
	t = now_ns();
	pick_loop(&v, ops, data, 10000);
	t = now_ns() - t;
	picks = RTE_MAX(20000ull, RUN_NS * 10000 / (t ? t : 1));
	for (r = 0; r < RUNS; r++) {
		t = now_ns();
		none += pick_loop(&v, ops, data, picks);
		runs[r] = (double)(now_ns() - t) / (double)picks;
	}
	if (!all_full && none) {
		fprintf(stderr, "sched-bench: %s: %" PRIu64 " picks found no backend\n", ops->name,
			none);
		exit(1);
	}
	if (all_full && none != picks * RUNS) {
		fprintf(stderr, "sched-bench: %s: a full backend was picked\n", ops->name);
		exit(1);
	}
	ops->free(data);
	svc_drop(&v);
	*ns_pick = median(runs, RUNS);
	*us_build = median(builds, RUNS);
}

/* Build a scheduler's state for n backends (a Maglev table of `size`): min and median ms. */
static void
bench_build(const struct sched_ops *ops, unsigned n, uint32_t size, uint32_t max_w,
	    unsigned runs, double *min_ms, double *med_ms)
{
	struct bench_svc v;
	double t_ms[16];
	unsigned r;

	svc_make(&v, n, max_w, size);
	for (r = 0; r < runs && r < RTE_DIM(t_ms); r++) {
		uint64_t t = now_ns();
		void *d = ops->build(&v.s, 2);

		t_ms[r] = (double)(now_ns() - t) / 1e6;
		if (d == NULL) {
			fprintf(stderr, "sched-bench: %s: build failed\n", ops->name);
			exit(1);
		}
		ops->free(d);
	}
	svc_drop(&v);
	*med_ms = median(t_ms, runs); /* sorts t_ms */
	*min_ms = t_ms[0];
}

/* One of two threads picking on one service at once: its picks, each counted atomically. */
struct pick_thread {
	struct bench_svc *v;
	const struct sched_ops *ops;
	void *data;
	unsigned first;  /* where in keys[] it starts */
	uint64_t n;
	uint64_t ns;
};

static void *
pick_thread_run(void *arg)
{
	struct pick_thread *t = arg;
	uint64_t i, t0 = now_ns();

	for (i = 0; i < t->n; i++) {
		int b = t->ops->pick(&t->v->s, t->data, t->first, &keys[(i + t->first) & (N_KEYS - 1)]);

		if (likely(b >= 0))
			__atomic_fetch_add(&t->v->g[t->v->be[b].slot].active, 1, __ATOMIC_RELAXED);
	}
	t->ns = now_ns() - t0;
	return NULL;
}

/* ns per pick of each of two threads picking at once (median of RUNS). */
static double
bench_two(const struct sched_ops *ops, unsigned n)
{
	double runs[RUNS];
	unsigned r, k;

	for (r = 0; r < RUNS; r++) {
		struct bench_svc v;
		struct pick_thread t[2];
		pthread_t th[2];
		void *data;

		svc_make(&v, n, 10, SL_MAGLEV_SIZE_DEFAULT);
		data = ops->build(&v.s, 2);
		if (data == NULL)
			abort();
		for (k = 0; k < 2; k++) {
			t[k] = (struct pick_thread){ .v = &v, .ops = ops, .data = data,
						     .first = k * (N_KEYS / 2), .n = 5000000 };
			if (pthread_create(&th[k], NULL, pick_thread_run, &t[k]) != 0)
				abort();
		}
		for (k = 0; k < 2; k++)
			pthread_join(th[k], NULL);
		runs[r] = ((double)t[0].ns / (double)t[0].n + (double)t[1].ns / (double)t[1].n) / 2;
		ops->free(data);
		svc_drop(&v);
	}
	return median(runs, RUNS);
}

static double
tsc_ghz(void)
{
	uint64_t t0 = now_ns(), c0 = rte_rdtsc(), t1, c1;

	do
		t1 = now_ns();
	while (t1 - t0 < 50000000ull);
	c1 = rte_rdtsc();
	return (double)(c1 - c0) / (double)(t1 - t0);
}

int
main(void)
{
	static const uint8_t ids[] = { SL_SCHED_RR, SL_SCHED_WRR, SL_SCHED_LC, SL_SCHED_WLC,
				       SL_SCHED_SH, SL_SCHED_MAGLEV };
	static const unsigned ns[] = { 10, 100, 1000 };
	double ghz = tsc_ghz(), pick_ns, build_us, lo, med;
	unsigned i, k;

	keys_make();
	printf("# sluice scheduler benchmark: 1 thread, weights 1..10, random flows and loads,"
	       " median of %u runs; TSC %.2f GHz\n", RUNS, ghz);
	printf("%-8s %8s %10s %12s %12s\n", "sched", "backends", "ns/pick", "TSC cycles",
	       "build us");
	for (i = 0; i < RTE_DIM(ids); i++) {
		const struct sched_ops *ops = sched_get(ids[i]);

		for (k = 0; k < RTE_DIM(ns); k++) {
			bench_pick(ops, ns[k], 0, &pick_ns, &build_us);
			printf("%-8s %8u %10.1f %12.0f %12.1f\n", ops->name, ns[k], pick_ns,
			       pick_ns * ghz, build_us);
			fflush(stdout);
		}
	}
	printf("\n# every backend at max_conns: the cost of finding none (pick returns -1)\n");
	printf("%-8s %8s %10s %12s\n", "sched", "backends", "ns/pick", "TSC cycles");
	for (i = 0; i < RTE_DIM(ids); i++) {
		const struct sched_ops *ops = sched_get(ids[i]);

		for (k = 0; k < RTE_DIM(ns); k++) {
			bench_pick(ops, ns[k], 1, &pick_ns, &build_us);
			printf("%-8s %8u %10.1f %12.0f\n", ops->name, ns[k], pick_ns,
			       pick_ns * ghz);
			fflush(stdout);
		}
	}
	printf("\n# two threads picking on one service at once\n");
	printf("%-8s %8s %10s\n", "sched", "backends", "ns/pick");
	for (i = 0; i < RTE_DIM(ids); i++) {
		const struct sched_ops *ops = sched_get(ids[i]);

		for (k = 0; k < 2; k++) {
			printf("%-8s %8u %10.1f\n", ops->name, ns[k], bench_two(ops, ns[k]));
			fflush(stdout);
		}
	}
	printf("\n# Maglev table build, %u backends (the paper: 1.8 ms for 65537, 22.9 ms for "
	       "655373)\n", MAGLEV_BACKENDS);
	printf("%-8s %-12s %10s %10s\n", "entries", "weights", "min ms", "median ms");
	bench_build(&sched_maglev_ops, MAGLEV_BACKENDS, 65537, 1, 11, &lo, &med);
	printf("%-8u %-12s %10.2f %10.2f\n", 65537u, "equal", lo, med);
	bench_build(&sched_maglev_ops, MAGLEV_BACKENDS, 65537, 10, 11, &lo, &med);
	printf("%-8u %-12s %10.2f %10.2f\n", 65537u, "1..10", lo, med);
	bench_build(&sched_maglev_ops, MAGLEV_BACKENDS, 655373, 1, 5, &lo, &med);
	printf("%-8u %-12s %10.2f %10.2f\n", 655373u, "equal", lo, med);
	bench_build(&sched_maglev_ops, MAGLEV_BACKENDS, 655373, 10, 5, &lo, &med);
	printf("%-8u %-12s %10.2f %10.2f\n", 655373u, "1..10", lo, med);

	printf("\n# building at the config limit: %u backends, weights 1..65535\n",
	       SL_MAX_BACKENDS);
	printf("%-8s %10s %10s\n", "sched", "min ms", "median ms");
	for (i = 0; i < RTE_DIM(ids); i++) {
		const struct sched_ops *ops = sched_get(ids[i]);

		if (ids[i] == SL_SCHED_LC || ids[i] == SL_SCHED_WLC)
			continue; /* no state */
		bench_build(ops, SL_MAX_BACKENDS, SL_MAGLEV_SIZE_DEFAULT, 65535, 3, &lo, &med);
		printf("%-8s %10.2f %10.2f\n", ops->name, lo, med);
		fflush(stdout);
	}
	return 0;
}
