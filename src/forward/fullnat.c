/* SPDX-License-Identifier: Apache-2.0 */
#include "forward/fwd.h"
#include "forward/fwd6.h"
#include "forward/laddr.h"
#include "net/egress.h"
#include "net/neigh.h"

/*
 * FULLNAT: both addresses are rewritten. Toward the backend a packet leaves as
 * LIP:lport -> backend, so the backend answers to the LIP through any network; the answer
 * goes back as VIP:vport -> client. The backend never sees the client's address (PROXY
 * protocol or TOA carry it, in a later mode option).
 */

static int
fullnat_in(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p)
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

static int
fullnat_out(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p)
{
	const struct dp *dp = w->dp;
	struct rte_ether_hdr *eth = pkt_eth(m);
	int r;

	/*
	 * Routed, not remembered: the route toward the client was looked up when the conn
	 * was made (routes are fixed while sluiced runs), its next hop's MAC is looked up now,
	 * so a router that fails over or goes away takes no reply with it.
	 */
	if (unlikely(egress_resolve(w, c->c_nh, c->c_port, &eth->dst_addr) < 0))
		return DROP_neigh_unresolved;
	r = fwd_rewrite(m, p, c->vaddr, c->caddr, c->vport, c->cport);
	if (unlikely(r))
		return r;
	rte_ether_addr_copy(&dp->ports[c->c_port].mac, &eth->src_addr);
	stage_tx(w, c->c_port, m);
	return 0;
}

/* A LIP and port toward the backend: the conn's reply tuple (see forward/laddr.h). */
static unsigned
fullnat_conn_init(struct stage *w, struct conn *c, const struct snap_service *svc,
		  const struct snap_backend *be)
{
	uint8_t lip;
	uint16_t lport;

	(void)svc, (void)be;
	if (unlikely(laddr_alloc(w->lips, w->ct, c->caddr, c->cport, c->daddr, c->dport,
				 c->proto, w->now, &lip, &lport) < 0))
		return DROP_no_local_port;
	c->laddr = w->dp->laddrs[lip];
	c->lport = lport;
	c->lip_idx = lip;
	return 0;
}

/* Replies come back to the LIP and port conn_init took. */
static bool
fullnat_out_key(const struct conn *c, struct conn_key *k)
{
	conn_key_out(c, k);
	return true;
}

static void
fullnat_release(struct stage *w, const struct conn *c)
{
	if (c->flags & CONN_F_V6)
		laddr_release(w->lips6, w->ct6, c, w->now);
	else
		laddr_release(w->lips, w->ct, c, w->now);
}

/* IPv6: the same, with the addresses beside the conn (conn6_addrs). */
static int
fullnat_in6(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt6_meta *p)
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

static int
fullnat_out6(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt6_meta *p)
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

static unsigned
fullnat_conn_init6(struct stage *w, struct conn *c, const struct snap_service *svc,
		   const struct snap_backend *be)
{
	struct conn6_addrs *a = conn6_addrs(w->ct6, c);
	uint8_t lip;
	uint16_t lport;

	(void)svc, (void)be;
	if (unlikely(laddr_alloc6(w->lips6, w->ct6, a->caddr, c->cport, a->daddr, c->dport,
				  c->proto, w->now, &lip, &lport) < 0))
		return DROP_no_local_port;
	memcpy(a->laddr, laddr_lip(w->lips6, lip)->b, 16);
	c->lport = lport;
	c->lip_idx = lip;
	return 0;
}

static bool
fullnat_out_key6(const struct stage *w, const struct conn *c, struct conn_key6 *k)
{
	conn6_key_out(w->ct6, c, k);
	return true;
}

/*
 * Relay an ICMP error: rewrite the quoted packet to what the other side sent and the error's
 * own addresses to the conn's on that side. Sizes do not change (FULLNAT adds no header), so
 * a fragmentation-needed's MTU stays right.
 */
static int
fullnat_icmp(struct stage *w, struct rte_mbuf *m, struct pkt_meta *p, const struct fwd_icmp *q,
	     uint32_t qsrc, uint32_t qdst, uint16_t qsport, uint16_t qdport, uint32_t osrc,
	     uint32_t odst, uint8_t port, uint32_t nh)
{
	struct rte_ether_hdr *eth = pkt_eth(m);
	struct rte_ipv4_hdr *in = (struct rte_ipv4_hdr *)q->in;
	uint16_t cs = 0;
	int r;

	fwd_quote_set4(q->in + offsetof(struct rte_ipv4_hdr, src_addr), qsrc, q->l4sum);
	fwd_quote_set4(q->in + offsetof(struct rte_ipv4_hdr, dst_addr), qdst, q->l4sum);
	fwd_quote_set2(q->ports, qsport, q->l4sum);
	fwd_quote_set2(q->ports + 2, qdport, q->l4sum);
	r = fwd_rewrite(m, p, osrc, odst, 0, 0);
	if (r)
		return r;
	memcpy(q->in + offsetof(struct rte_ipv4_hdr, hdr_checksum), &cs, 2);
	cs = rte_ipv4_cksum(in);
	memcpy(q->in + offsetof(struct rte_ipv4_hdr, hdr_checksum), &cs, 2);
	q->ic->icmp_cksum = 0;
	q->ic->icmp_cksum = (uint16_t)~rte_raw_cksum(q->ic, q->room);
	if (unlikely(egress_resolve(w, nh, port, &eth->dst_addr) < 0))
		return DROP_neigh_unresolved;
	rte_ether_addr_copy(&w->dp->ports[port].mac, &eth->src_addr);
	w->st.icmp_relayed++;
	stage_tx(w, port, m);
	return 0;
}

/* From the client's side, about VIP:vport -> client: to the backend, about backend -> LIP. */
static int
fullnat_icmp_in(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p,
		const struct fwd_icmp *q)
{
	return fullnat_icmp(w, m, p, q, c->daddr, c->laddr, c->dport, c->lport, c->laddr,
			    c->daddr, c->out_port, c->out_nh);
}

/* From the backend's side, about LIP -> backend: to the client, about client -> VIP:vport. */
static int
fullnat_icmp_out(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p,
		 const struct fwd_icmp *q)
{
	return fullnat_icmp(w, m, p, q, c->caddr, c->vaddr, c->cport, c->vport, c->vaddr,
			    c->caddr, c->c_port, c->c_nh);
}

/* IPv6: the same over an ICMPv6 error, whose checksum covers the pseudo header. */
static int
fullnat_icmp6(struct stage *w, struct rte_mbuf *m, const struct fwd_icmp *q,
	      const uint8_t qsrc[16], const uint8_t qdst[16], uint16_t qsport, uint16_t qdport,
	      const uint8_t osrc[16], const uint8_t odst[16], uint8_t port, const uint8_t nh[16])
{
	struct rte_ether_hdr *eth = pkt_eth(m);
	struct rte_ipv6_hdr *ip = pkt_ip6(m);

	if (unlikely(fwd_hop_dec6(ip) != 0))
		return DROP_ttl_exceeded;
	fwd_quote_set16(q->in + offsetof(struct rte_ipv6_hdr, src_addr), qsrc, q->l4sum);
	fwd_quote_set16(q->in + offsetof(struct rte_ipv6_hdr, dst_addr), qdst, q->l4sum);
	fwd_quote_set2(q->ports, qsport, q->l4sum);
	fwd_quote_set2(q->ports + 2, qdport, q->l4sum);
	memcpy(ip->src_addr, osrc, 16);
	memcpy(ip->dst_addr, odst, 16);
	q->ic->icmp_cksum = 0;
	q->ic->icmp_cksum = (uint16_t)~pkt6_icmp_sum(ip, q->ic, q->room);
	if (unlikely(egress_resolve6(w, nh, port, &eth->dst_addr) < 0))
		return DROP_neigh_unresolved;
	rte_ether_addr_copy(&w->dp->ports[port].mac, &eth->src_addr);
	w->st.icmp_relayed++;
	stage_tx(w, port, m);
	return 0;
}

static int
fullnat_icmp_in6(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt6_meta *p,
		 const struct fwd_icmp *q)
{
	const struct conn6_addrs *a = conn6_addrs(w->ct6, c);

	(void)p;
	return fullnat_icmp6(w, m, q, a->daddr, a->laddr, c->dport, c->lport, a->laddr,
			     a->daddr, c->out_port, a->out_nh);
}

static int
fullnat_icmp_out6(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt6_meta *p,
		  const struct fwd_icmp *q)
{
	const struct conn6_addrs *a = conn6_addrs(w->ct6, c);

	(void)p;
	return fullnat_icmp6(w, m, q, a->caddr, a->vaddr, c->cport, c->vport, a->vaddr,
			     a->caddr, c->c_port, a->c_nh);
}

const struct fwd_ops fwd_fullnat_ops = {
	.name = "fullnat",
	.conn_init = fullnat_conn_init,
	.out_key = fullnat_out_key,
	.release = fullnat_release,
	.xmit = { [CONN_DIR_IN] = fullnat_in, [CONN_DIR_OUT] = fullnat_out },
	.icmp_xmit = { [CONN_DIR_IN] = fullnat_icmp_in, [CONN_DIR_OUT] = fullnat_icmp_out },
	.conn_init6 = fullnat_conn_init6,
	.out_key6 = fullnat_out_key6,
	.xmit6 = { [CONN_DIR_IN] = fullnat_in6, [CONN_DIR_OUT] = fullnat_out6 },
	.icmp_xmit6 = { [CONN_DIR_IN] = fullnat_icmp_in6, [CONN_DIR_OUT] = fullnat_icmp_out6 },
	.headroom = 0, /* addresses and ports change in place */
};
