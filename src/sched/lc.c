/* SPDX-License-Identifier: Apache-2.0 */
#include <rte_common.h>

#include "sched/sched.h"

/*
 * Least connections: the backend with the fewest conns, weights only tell who takes none
 * (active ones count 256 times, as IPVS). The conns are the node's, counted over every
 * worker by the shared gauges: DPVS counts per core, so two cores can both think a
 * backend is the least loaded.
 */

static int
lc_pick(const struct snap_service *svc, void *data, unsigned worker, const struct pkt_meta *p)
{
	RTE_SET_USED(data);
	RTE_SET_USED(p);
	return sched_least(svc, worker, 0);
}

const struct sched_ops sched_lc_ops = {
	.name = "lc",
	.build = sched_stateless_build,
	.free = sched_stateless_free,
	.pick = lc_pick,
};
