/* SPDX-License-Identifier: Apache-2.0 */
#include <rte_common.h>

#include "sched/sched.h"

/*
 * Weighted least connections: the backend with the fewest conns per unit of weight 
 * (active ones count 256 times, as IPVS). The conns are the node's, counted over every
 * worker by the shared gauges: DPVS counts per core, so two cores can both think a
 * backend is the least loaded.
 */

static int
wlc_pick(const struct snap_service *svc, void *data, unsigned worker, const struct pkt_meta *p)
{
	RTE_SET_USED(data);
	RTE_SET_USED(p);
	return sched_least(svc, worker, 1);
}

const struct sched_ops sched_wlc_ops = {
	.name = "wlc",
	.build = sched_stateless_build,
	.free = sched_stateless_free,
	.pick = wlc_pick,
};
