/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_ARP_H
#define SLUICE_ARP_H

#include <rte_mbuf.h>

#include "net/dp.h"
#include "packet/pkt.h"
#include "packet/stage.h"
#include "service/snapshot.h"

/**
 * Handle an ARP frame on a worker: answer requests for the port's address, the VIPs and
 * the LIPs (the reply reuses the mbuf), and report what is heard from neighbours on the
 * port's subnet to the control thread. Consumes m. Worker.
 */
void arp_input(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
	       const struct pkt_meta *p);

/** Build a broadcast ARP request for ip from port index `port` of dp. NULL when no mbuf. */
struct rte_mbuf *arp_request(const struct dp *dp, struct rte_mempool *mp, uint8_t port,
			     uint32_t ip);

#endif
