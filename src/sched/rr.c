/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>

#include <rte_common.h>

#include "sched/sched.h"

/*
 * Round robin over the backends with a weight, in turn across the whole node: the workers
 * share one ticket counter (DPVS's per-core rr is only fair per core). Starts at a random
 * point on every node.
 */

static void *
rr_build(const struct snap_service *svc, unsigned n_workers)
{
	RTE_SET_USED(n_workers);
	return sched_seq_build(svc, 1);
}

static int
rr_pick(const struct snap_service *svc, void *data, unsigned worker, const struct pkt_meta *p)
{
	RTE_SET_USED(worker);
	RTE_SET_USED(p);
	return sched_seq_pick(svc, data);
}

const struct sched_ops sched_rr_ops = {
	.name = "rr",
	.build = rr_build,
	.free = free,
	.pick = rr_pick,
	.shareable = 1,
};
