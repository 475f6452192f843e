/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_SCHED_FIXTURE_H
#define SLUICE_SCHED_FIXTURE_H

#include <string.h>

#include <rte_byteorder.h>

#include "common/kinds.h"
#include "common/limits.h"
#include "packet/pkt.h"
#include "sched/sched.h"
#include "service/snapshot.h"
#include "service/stats.h"

/*
 * A service built by hand as the snapshot builder would: VIP 10.0.0.10:80/tcp, n backends
 * at base_addr + i, port 8080, weight 1, gauges g[] read by slot. The slots are the indexes
 * reversed, so a scheduler that reads the gauge of the index instead of the slot is caught.
 */
static inline void
fx_service(struct snap_service *s, const struct sched_ops *ops, struct snap_backend *be,
	   struct vs_gauge *g, unsigned n, uint32_t base_addr)
{
	unsigned i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < n; i++) {
		memset(&be[i], 0, sizeof(be[i]));
		be[i].addr = addr46_from_v4(rte_cpu_to_be_32(base_addr + i));
		be[i].port = rte_cpu_to_be_16(8080);
		be[i].slot = (uint16_t)(n - 1 - i);
		be[i].weight = 1;
	}
	s->vip = addr46_from_v4(rte_cpu_to_be_32(0x0a00000a));
	s->vport = rte_cpu_to_be_16(80);
	s->proto = 6;
	s->sched = ops;
	s->maglev_size = SL_MAGLEV_SIZE_DEFAULT;
	s->gauges = g;
	s->n_backends = n;
	s->backends = be;
}

/* A TCP flow from saddr:sport (host order) to the VIP. */
static inline void
fx_flow(struct pkt_meta *p, uint32_t saddr, uint16_t sport)
{
	memset(p, 0, sizeof(*p));
	p->key.saddr = rte_cpu_to_be_32(saddr);
	p->key.daddr = rte_cpu_to_be_32(0x0a00000a);
	p->key.sport = rte_cpu_to_be_16(sport);
	p->key.dport = rte_cpu_to_be_16(80);
	p->key.proto = 6;
}

#endif
