/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>

#include <rte_common.h>

#include "sched/sched.h"

/*
 * Round robin over the backends that take new conns. Each worker keeps its own position,
 * starting at a random one, so the nodes of a cluster do not all begin with backend 0.
 */
struct rr_worker {
	uint32_t next;
} __rte_cache_aligned;

static void *
rr_build(const struct snap_service *svc, unsigned n_workers)
{
	struct rr_worker *w;
	unsigned i;

	if (posix_memalign((void **)&w, RTE_CACHE_LINE_SIZE, sizeof(*w) * n_workers) != 0) {
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < n_workers; i++)
		w[i].next = svc->n_backends ? sched_random() % svc->n_backends : 0;
	return w;
}

static int
rr_pick(const struct snap_service *svc, void *data, unsigned worker, const struct pkt_meta *p)
{
	struct rr_worker *w = (struct rr_worker *)data + worker;
	uint32_t n = svc->n_backends, k, i;

	RTE_SET_USED(p);
	/* At most one pass: every backend may be drained. */
	for (k = 0; k < n; k++) {
		i = w->next + k;
		if (i >= n)
			i -= n;
		if (svc->backends[i].weight > 0) {
			w->next = i + 1 >= n ? 0 : i + 1;
			return (int)i;
		}
	}
	return -1;
}

const struct sched_ops sched_rr_ops = {
	.name = "rr",
	.build = rr_build,
	.free = free,
	.pick = rr_pick,
};
