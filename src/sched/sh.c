/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>

#include <rte_common.h>

#include "sched/sched.h"

/*
 * Source hashing: a client address always maps to the same backend, on every node of the
 * cluster, while the backend set stays. IPVS's sh spreads 256 buckets round robin, so one
 * backend more or less remaps most clients; sluice hashes the source address into a Maglev
 * table instead, so a change remaps only about the share of the backend that changed.
 */

static void *
sh_build(const struct snap_service *svc, unsigned n_workers)
{
	RTE_SET_USED(n_workers);
	return sched_maglev_build(svc, 1);
}

static int
sh_pick(const struct snap_service *svc, void *data, unsigned worker, const struct pkt_meta *p)
{
	RTE_SET_USED(worker);
	return sched_maglev_pick(svc, data, p);
}

const struct sched_ops sched_sh_ops = {
	.name = "sh",
	.build = sh_build,
	.free = free,
	.pick = sh_pick,
	.shareable = 1,
};
