/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "sched/sched.h"

static const struct sched_ops *const table[SL_SCHED_MAX] = {
	[SL_SCHED_RR] = &sched_rr_ops,
	[SL_SCHED_WRR] = &sched_wrr_ops,
	[SL_SCHED_LC] = &sched_lc_ops,
	[SL_SCHED_WLC] = &sched_wlc_ops,
	[SL_SCHED_SH] = &sched_sh_ops,
	[SL_SCHED_MAGLEV] = &sched_maglev_ops,
};

const struct sched_ops *
sched_get(uint8_t id)
{
	return id < SL_SCHED_MAX ? table[id] : NULL;
}

uint32_t
sched_random(void)
{
	uint32_t v;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == sizeof(v))
		return v;
	/* No entropy yet (early boot): the clock still differs between nodes. */
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)(ts.tv_nsec ^ ts.tv_sec);
}

static uint64_t
gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* Stateless: a non-NULL token for "built". */
void *
sched_stateless_build(const struct snap_service *svc, unsigned n_workers)
{
	(void)n_workers;
	return (void *)(uintptr_t)svc;
}

void
sched_stateless_free(void *data)
{
	(void)data;
}

/*
 * The sequence is WF2Q's (Bennett and Zhang, 1996) over one period of T turns: backend i's
 * k-th turn starts at k / w_i of the period and finishes at (k + 1) / w_i; turn t goes to
 * the backend with the earliest finish among those whose turn has started by t / T. Every
 * backend's count of turns stays within one of its exact share t w_i / T at every point,
 * so a period holds exactly w_i turns of each and the heavy ones come as spread as can be;
 * two heaps make it O(T log backends). Times are compared by cross-multiplying (below
 * 2^34 at the limits: k and T 65 536, w 65 535).
 */
struct turn {
	uint32_t k; /* turns taken */
	uint32_t w;
	uint16_t i;
};

/* Starts earlier (k / w), for the heap of turns not started yet. */
static inline int
starts_before(const struct turn *a, const struct turn *b)
{
	uint64_t x = (uint64_t)a->k * b->w, y = (uint64_t)b->k * a->w;

	return x < y || (x == y && a->i < b->i);
}

/* Finishes earlier ((k + 1) / w), for the heap of started turns. */
static inline int
finishes_before(const struct turn *a, const struct turn *b)
{
	uint64_t x = (uint64_t)(a->k + 1) * b->w, y = (uint64_t)(b->k + 1) * a->w;

	return x < y || (x == y && a->i < b->i);
}

typedef int (*turn_cmp)(const struct turn *, const struct turn *);

static void
heap_push(struct turn *h, uint32_t *n, struct turn t, turn_cmp before)
{
	uint32_t at = (*n)++;

	while (at > 0 && before(&t, &h[(at - 1) / 2])) {
		h[at] = h[(at - 1) / 2];
		at = (at - 1) / 2;
	}
	h[at] = t;
}

static struct turn
heap_pop(struct turn *h, uint32_t *n, turn_cmp before)
{
	struct turn top = h[0], t = h[--*n];
	uint32_t at = 0;

	for (;;) {
		uint32_t c = 2 * at + 1;

		if (c >= *n)
			break;
		if (c + 1 < *n && before(&h[c + 1], &h[c]))
			c++;
		if (!before(&h[c], &t))
			break;
		h[at] = h[c];
		at = c;
	}
	if (*n > 0)
		h[at] = t;
	return top;
}

struct sched_seq *
sched_seq_build(const struct snap_service *svc, int equal)
{
	uint32_t n = svc->n_backends, i, k, ne = 0, np = 0;
	uint64_t *w = calloc(n ? n : 1, sizeof(*w));
	struct turn *started = calloc(n ? n : 1, sizeof(*started));
	struct turn *pending = calloc(n ? n : 1, sizeof(*pending));
	uint64_t total = 0, g = 0;
	struct sched_seq *s = NULL;

	if (w == NULL || started == NULL || pending == NULL)
		goto out;
	/* Drained and inhibited backends hold no turn at all. */
	for (i = 0; i < n; i++) {
		const struct snap_backend *b = &svc->backends[i];

		w[i] = b->weight && !b->inhibited ? (equal ? 1 : b->weight) : 0;
		g = gcd(g, w[i]);
	}
	for (i = 0; i < n; i++) {
		w[i] = g ? w[i] / g : 0;
		total += w[i];
	}
	/* A period too long to store: scale the weights down, keeping every one at least 1. */
	if (total > SCHED_SEQ_MAX) {
		uint64_t t2 = 0;

		for (i = 0; i < n; i++) {
			if (w[i])
				w[i] = RTE_MAX(1ull, w[i] * (SCHED_SEQ_MAX - n) / total);
			t2 += w[i];
		}
		total = t2;
	}
	s = aligned_alloc(64, RTE_ALIGN_CEIL(sizeof(*s) + sizeof(s->idx[0]) * (total ? total : 1),
					     64));
	if (s == NULL)
		goto out;
	s->len = (uint32_t)total;
	/* Nodes start at different points, so a cluster does not send its first conns alike. */
	s->ticket = total ? sched_random() % total : 0;
	/* Every backend's first turn starts at 0: all in the started heap, in index order. */
	for (i = 0; i < n; i++)
		if (w[i] != 0)
			heap_push(started, &ne, (struct turn){ .w = (uint32_t)w[i], .i = (uint16_t)i },
				  finishes_before);
	for (k = 0; k < total; k++) {
		struct turn t;

		/* the turns that have started by k / total */
		while (np > 0 && (uint64_t)pending[0].k * total <= (uint64_t)k * pending[0].w)
			heap_push(started, &ne, heap_pop(pending, &np, starts_before),
				  finishes_before);
		t = heap_pop(started, &ne, finishes_before);
		s->idx[k] = t.i;
		t.k++;
		heap_push(pending, &np, t, starts_before);
	}
out:
	free(w);
	free(started);
	free(pending);
	if (s == NULL)
		errno = ENOMEM;
	return s;
}

int
sched_seq_pick(const struct snap_service *svc, struct sched_seq *s)
{
	uint32_t k;
	uint64_t t;
	uint16_t i;

	if (s->len == 0)
		return -1;
	/* The next ticket of the node: the common case, one atomic add. */
	t = __atomic_fetch_add(&s->ticket, 1, __ATOMIC_RELAXED);
	i = s->idx[t % s->len];
	if (likely(sched_available(svc, &svc->backends[i])))
		return i;
	/*
	 * That backend is at its max_conns: the turn passes on. First make sure some backend
	 * has room (one pass, no shared writes), so a SYN flood on a full service costs
	 * O(backends) and never walks a whole period of contended ticket adds.
	 */
	for (k = 0; k < svc->n_backends; k++)
		if (sched_available(svc, &svc->backends[k]))
			break;
	if (k == svc->n_backends)
		return -1;
	for (k = 1; k < s->len; k++) {
		t = __atomic_fetch_add(&s->ticket, 1, __ATOMIC_RELAXED);
		i = s->idx[t % s->len];
		if (sched_available(svc, &svc->backends[i]))
			return i;
	}
	return -1;
}

int
sched_least(const struct snap_service *svc, unsigned worker, int weighted)
{
	uint32_t n = svc->n_backends, k;
	uint64_t best_oh = 0;
	uint32_t best_w = 1;
	int best = -1;

	/*
	 * IPVS's overhead: an active conn weighs 256 inactive ones. Ties go to the first found;
	 * each worker starts looking at its own offset, so ties spread over the backends.
	 * O(backends) per new conn, as IPVS.
	 */
	for (k = 0; k < n; k++) {
		uint32_t i = (k + worker) % n;
		const struct snap_backend *b = &svc->backends[i];
		const struct vs_gauge *g = &svc->gauges[b->slot];
		int32_t a, in;
		uint64_t oh;
		uint32_t w = weighted ? b->weight : 1;

		if (!sched_available(svc, b))
			continue;
		a = __atomic_load_n(&g->active, __ATOMIC_RELAXED);
		in = __atomic_load_n(&g->inactive, __ATOMIC_RELAXED);
		oh = (uint64_t)(a > 0 ? a : 0) * 256 + (uint64_t)(in > 0 ? in : 0);
		/* oh / w < best_oh / best_w, without division. */
		if (best < 0 || oh * best_w < best_oh * w) {
			best = (int)i;
			best_oh = oh;
			best_w = w;
		}
	}
	return best;
}
