/* SPDX-License-Identifier: Apache-2.0 */
#include <rte_arp.h>

#include "net/arp.h"
#include "net/egress.h"
#include "net/neigh.h"

/* Ours to answer: the address of the port it came in on, any VIP, any LIP. */
static int
arp_is_ours(const struct stage *w, const struct snapshot *snap, uint8_t port, uint32_t ip)
{
	const struct dp *dp = w->dp;

	if (ip == dp->ports[port].addr)
		return 1;
	return dp_local_kind(dp, ip) == DP_LOCAL_LIP || snap_is_vip(snap, ip);
}

void
arp_input(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
	  const struct pkt_meta *p)
{
	const struct dp_port *port = &w->dp->ports[p->in_port];
	struct rte_ether_hdr *eth = pkt_eth(m);
	struct rte_arp_hdr *arp;
	uint32_t sip, tip;

	if (rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*arp)) {
		stage_drop(w, m, DROP_arp_malformed);
		return;
	}
	arp = (struct rte_arp_hdr *)(eth + 1);
	if (arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) || arp->arp_hlen != 6 ||
	    arp->arp_plen != 4) {
		stage_drop(w, m, DROP_arp_malformed);
		return;
	}
	sip = arp->arp_data.arp_sip;
	tip = arp->arp_data.arp_tip;
	/*
	 * Learn only neighbours on this port's own subnet (others are no next hop of ours), from
	 * ARP about our addresses, or from any ARP of a neighbour we know already: a router
	 * that fails over announces its address's new MAC with a gratuitous ARP (sip == tip).
	 */
	if (sip != 0 && (sip & port->mask) == (port->addr & port->mask) && sip != port->addr &&
	    sip != port->bcast &&
	    (arp_is_ours(w, snap, p->in_port, tip) || neigh_has(w->dp->neigh, sip))) {
		egress_neigh_event(w, NEIGH_EV_LEARN, sip, p->in_port,
				   arp->arp_data.arp_sha.addr_bytes);
		w->st.arp_learned++;
	}
	if (arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST) ||
	    !arp_is_ours(w, snap, p->in_port, tip)) {
		/* Replies were consumed above; requests for others are not ours to answer. */
		if (arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY) &&
		    arp_is_ours(w, snap, p->in_port, tip)) {
			/* The kernel twin may be the one that asked: it hears the answer too. */
			if (egress_to_kernel(w, tip, m) < 0)
				rte_pktmbuf_free(m);
			return;
		}
		stage_drop(w, m, DROP_arp_ignored);
		return;
	}
	/* Turn the request into the reply in place. */
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	arp->arp_data.arp_tha = arp->arp_data.arp_sha;
	arp->arp_data.arp_tip = sip;
	rte_ether_addr_copy(&port->mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = tip;
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&port->mac, &eth->src_addr);
	w->st.arp_replied++;
	stage_tx(w, p->in_port, m);
}

struct rte_mbuf *
arp_request(const struct dp *dp, struct rte_mempool *mp, uint8_t port, uint32_t ip)
{
	const struct dp_port *pt = &dp->ports[port];
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;
	const uint16_t len = RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN;

	if (m == NULL)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, len);
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset((void *)eth, 0, len);
	memset(&eth->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	rte_ether_addr_copy(&pt->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp = (struct rte_arp_hdr *)(eth + 1);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&pt->mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = pt->addr;
	arp->arp_data.arp_tip = ip;
	m->port = port; /* a port index: the worker that sends it maps nothing */
	return m;
}
