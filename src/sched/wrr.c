/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>

#include <rte_common.h>

#include "sched/sched.h"

/*
 * Smooth weighted round robin (nginx, and IPVS's wrr in effect): every pick adds each
 * backend's weight to its current value, takes the largest and subtracts the total from
 * it. Weights 1:1:2 give a b c c a b c c ..., never a burst to the heaviest. Each worker
 * has its own state, started at a random point of the cycle.
 */
struct wrr_worker {
	int64_t *cur;
} __rte_cache_aligned;

struct wrr_data {
	unsigned n_workers;
	struct wrr_worker w[];
};

static int
wrr_pick(const struct snap_service *svc, void *data, unsigned worker, const struct pkt_meta *p)
{
	int64_t *cur = ((struct wrr_data *)data)->w[worker].cur;
	int64_t total = 0;
	uint32_t i;
	int best = -1;

	RTE_SET_USED(p);
	for (i = 0; i < svc->n_backends; i++) {
		uint32_t wt = svc->backends[i].weight;

		if (wt == 0)
			continue;
		cur[i] += wt;
		total += wt;
		if (best < 0 || cur[i] > cur[best])
			best = (int)i;
	}
	if (best >= 0)
		cur[best] -= total;
	return best;
}

static void
wrr_free(void *data)
{
	struct wrr_data *d = data;
	unsigned i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n_workers; i++)
		free(d->w[i].cur);
	free(d);
}

static void *
wrr_build(const struct snap_service *svc, unsigned n_workers)
{
	struct wrr_data *d;
	uint64_t total = 0;
	unsigned i, k, skip;

	if (posix_memalign((void **)&d, RTE_CACHE_LINE_SIZE,
			   sizeof(*d) + sizeof(d->w[0]) * n_workers) != 0) {
		errno = ENOMEM;
		return NULL;
	}
	d->n_workers = n_workers;
	for (i = 0; i < n_workers; i++)
		d->w[i].cur = NULL;
	for (i = 0; i < svc->n_backends; i++)
		total += svc->backends[i].weight;
	for (i = 0; i < n_workers; i++) {
		d->w[i].cur = calloc(svc->n_backends ? svc->n_backends : 1, sizeof(int64_t));
		if (d->w[i].cur == NULL)
			goto nomem;
		/* A random start: run the cycle forward a random number of picks (bounded). */
		skip = total ? sched_random() % (unsigned)RTE_MIN(total, 1024u) : 0;
		for (k = 0; k < skip; k++)
			wrr_pick(svc, d, i, NULL);
	}
	return d;
nomem:
	wrr_free(d);
	errno = ENOMEM;
	return NULL;
}

const struct sched_ops sched_wrr_ops = {
	.name = "wrr",
	.build = wrr_build,
	.free = wrr_free,
	.pick = wrr_pick,
};
