/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_FWD_XMIT_H
#define SLUICE_FWD_XMIT_H

#include <rte_mbuf.h>

#include "forward/fwd.h"
#include "forward/fwd6.h"
#include "net/egress.h"

/*
 * The transmit of the two-way modes (FULLNAT, NAT): a conn's packet rewritten to the tuple
 * its other side expects and sent there. Toward the backend it leaves as laddr:lport ->
 * backend (FULLNAT: a LIP and its port; NAT: the client's own address and port, which
 * conn_init put there), toward the client as VIP:vport -> client. Routed, not remembered:
 * the route toward each side was looked up when the conn was made (routes are fixed while
 * sluiced runs) and its next hop's MAC is looked up now, so a router that fails over or
 * goes away takes no packet with it. 0 or a drop reason. Worker.
 */

static inline int
fwd_xmit_to_backend(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p)
{
	const struct dp *dp = w->dp;
	struct rte_ether_hdr *eth = pkt_eth(m);
	int r;

	if (unlikely(egress_resolve(w, c->out_nh, c->out_port, &eth->dst_addr) < 0))
		return DROP_neigh_unresolved;
	r = fwd_rewrite(m, p, c->laddr, c->daddr, c->lport, c->dport);
	if (unlikely(r))
		return r;
	rte_ether_addr_copy(&dp->ports[c->out_port].mac, &eth->src_addr);
	stage_tx(w, c->out_port, m);
	return 0;
}

static inline int
fwd_xmit_to_client(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p)
{
	const struct dp *dp = w->dp;
	struct rte_ether_hdr *eth = pkt_eth(m);
	int r;

	if (unlikely(egress_resolve(w, c->c_nh, c->c_port, &eth->dst_addr) < 0))
		return DROP_neigh_unresolved;
	r = fwd_rewrite(m, p, c->vaddr, c->caddr, c->vport, c->cport);
	if (unlikely(r))
		return r;
	rte_ether_addr_copy(&dp->ports[c->c_port].mac, &eth->src_addr);
	stage_tx(w, c->c_port, m);
	return 0;
}

/* IPv6: the same, with the addresses beside the conn (conn6_addrs). */
static inline int
fwd_xmit6_to_backend(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt6_meta *p)
{
	const struct conn6_addrs *a = conn6_addrs(w->ct6, c);
	struct rte_ether_hdr *eth = pkt_eth(m);
	int r;

	if (unlikely(egress_resolve6(w, a->out_nh, c->out_port, &eth->dst_addr) < 0))
		return DROP_neigh_unresolved;
	r = fwd_rewrite6(m, p, a->laddr, a->daddr, c->lport, c->dport);
	if (unlikely(r))
		return r;
	rte_ether_addr_copy(&w->dp->ports[c->out_port].mac, &eth->src_addr);
	stage_tx(w, c->out_port, m);
	return 0;
}

static inline int
fwd_xmit6_to_client(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt6_meta *p)
{
	const struct conn6_addrs *a = conn6_addrs(w->ct6, c);
	struct rte_ether_hdr *eth = pkt_eth(m);
	int r;

	if (unlikely(egress_resolve6(w, a->c_nh, c->c_port, &eth->dst_addr) < 0))
		return DROP_neigh_unresolved;
	r = fwd_rewrite6(m, p, a->vaddr, a->caddr, c->vport, c->cport);
	if (unlikely(r))
		return r;
	rte_ether_addr_copy(&w->dp->ports[c->c_port].mac, &eth->src_addr);
	stage_tx(w, c->c_port, m);
	return 0;
}

/**
 * Relay the ICMP error m (q: what fwd_icmp.c found in it) to one side of a conn: the quote
 * rewritten to qsrc:qsport -> qdst:qdport (what the node sent that side), the error's own
 * addresses to osrc -> odst, its TTL taken, leaving on port toward next hop nh; the quote's
 * checksums patched, the ICMP checksum summed again. Sizes do not change, so a
 * fragmentation-needed's MTU stays right. 0 (m queued, icmp_relayed counted) or a drop
 * reason. Worker.
 */
int fwd_icmp_rewrite(struct stage *w, struct rte_mbuf *m, struct pkt_meta *p,
		     const struct fwd_icmp *q, uint32_t qsrc, uint32_t qdst, uint16_t qsport,
		     uint16_t qdport, uint32_t osrc, uint32_t odst, uint8_t port, uint32_t nh);

/** The same for an ICMPv6 error, whose checksum covers the pseudo header. Worker. */
int fwd_icmp6_rewrite(struct stage *w, struct rte_mbuf *m, const struct fwd_icmp *q,
		      const uint8_t qsrc[16], const uint8_t qdst[16], uint16_t qsport,
		      uint16_t qdport, const uint8_t osrc[16], const uint8_t odst[16], uint8_t port,
		      const uint8_t nh[16]);

#endif
