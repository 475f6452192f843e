/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>

#include <rte_common.h>

#include "sched/sched.h"

/*
 * Smooth weighted round robin: weights 1:1:2 give c a b c c a b c ..., never a burst to
 * the heaviest; each backend's turns stay within one of its exact share at every point
 * (WF2Q's sequence, sched.c: as smooth as nginx's, cheaper to build). The sequence is
 * computed by the control thread when the service's backends change and walked by one
 * ticket shared by the workers, so the proportions hold for the node, not per worker.
 */

static void *
wrr_build(const struct snap_service *svc, unsigned n_workers)
{
	RTE_SET_USED(n_workers);
	return sched_seq_build(svc, 0);
}

static int
wrr_pick(const struct snap_service *svc, void *data, unsigned worker, const struct pkt_meta *p)
{
	RTE_SET_USED(worker);
	RTE_SET_USED(p);
	return sched_seq_pick(svc, data);
}

const struct sched_ops sched_wrr_ops = {
	.name = "wrr",
	.build = wrr_build,
	.free = free,
	.pick = wrr_pick,
	.shareable = 1,
};
