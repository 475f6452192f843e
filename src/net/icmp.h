/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_ICMP_H
#define SLUICE_ICMP_H

#include <rte_mbuf.h>

#include "packet/pkt.h"
#include "service/snapshot.h"
#include "worker/worker.h"

/**
 * Handle an ICMP packet on a worker: an echo request to a port address, a VIP or a LIP is
 * answered in place; anything else is dropped as icmp_unhandled. Consumes m. Worker.
 */
void icmp_input(struct worker *w, const struct snapshot *snap, struct rte_mbuf *m,
		const struct pkt_meta *p);

#endif
