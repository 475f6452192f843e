/* SPDX-License-Identifier: Apache-2.0 */
#include "forward/xmit.h"

/*
 * NAT (IPVS's "Masq"): only the destination is rewritten, VIP:vport -> backend:port, so the
 * backend sees the client's own address; its answers, routed back through the node (its
 * default route points at the node), get VIP:vport back as their source. The reply tuple is
 * backend -> client, so conn_init keys the conn's backend side by the client's address and
 * port (laddr/lport, where FULLNAT puts a LIP's), and both directions leave through the
 * two-way modes' transmit (forward/xmit.h): TTL taken, checksums patched.
 *
 * Workers: a client's packets come to the worker RSS hashes its tuple to, the backend's
 * answers to another one. Both carry the client's address and port, so the conn lives on
 * the worker fwd_client_owner() names from them (fwd_ops.client_owned), and the pipeline
 * hands either direction's packet there when another worker receives it: no shared table,
 * no lock, one ring hop for the packets RSS put elsewhere (DESIGN section 3's hand-off).
 */

static unsigned
nat_conn_init(struct stage *w, struct conn *c, const struct snap_service *svc,
	      const struct snap_backend *be)
{
	(void)w, (void)svc, (void)be;
	c->laddr = c->caddr;
	c->lport = c->cport;
	return 0;
}

static unsigned
nat_conn_init6(struct stage *w, struct conn *c, const struct snap_service *svc,
	       const struct snap_backend *be)
{
	struct conn6_addrs *a = conn6_addrs(w->ct6, c);

	(void)svc, (void)be;
	memcpy(a->laddr, a->caddr, 16);
	c->lport = c->cport;
	return 0;
}

/*
 * ICMP errors, as IPVS's ip_vs_nat_icmp(): one from the client's side (a router's, about
 * VIP:vport -> client) goes to the backend about backend:port -> client, its source left as
 * it came; one from the backend's side (about client -> backend:port, addressed to the
 * client) goes to the client about client -> VIP:vport, from the VIP: the client knows no
 * other address of the service.
 */
static int
nat_icmp_in(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p,
	    const struct fwd_icmp *q)
{
	return fwd_icmp_rewrite(w, m, p, q, c->daddr, c->caddr, c->dport, c->cport,
				pkt_ip(m)->src_addr, c->daddr, c->out_port, c->out_nh);
}

static int
nat_icmp_out(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p,
	     const struct fwd_icmp *q)
{
	return fwd_icmp_rewrite(w, m, p, q, c->caddr, c->vaddr, c->cport, c->vport, c->vaddr,
				c->caddr, c->c_port, c->c_nh);
}

static int
nat_icmp_in6(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt6_meta *p,
	     const struct fwd_icmp *q)
{
	const struct conn6_addrs *a = conn6_addrs(w->ct6, c);
	uint8_t src[16];

	(void)p;
	memcpy(src, pkt_ip6(m)->src_addr, 16);
	return fwd_icmp6_rewrite(w, m, q, a->daddr, a->caddr, c->dport, c->cport, src, a->daddr,
				 c->out_port, a->out_nh);
}

static int
nat_icmp_out6(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt6_meta *p,
	      const struct fwd_icmp *q)
{
	const struct conn6_addrs *a = conn6_addrs(w->ct6, c);

	(void)p;
	return fwd_icmp6_rewrite(w, m, q, a->caddr, a->vaddr, c->cport, c->vport, a->vaddr,
				 a->caddr, c->c_port, a->c_nh);
}

const struct fwd_ops fwd_nat_ops = {
	.name = "nat",
	.conn_init = nat_conn_init,
	.out_key = fwd_out_key, /* backend -> the client's own address and port */
	.xmit = { [CONN_DIR_IN] = fwd_xmit_to_backend, [CONN_DIR_OUT] = fwd_xmit_to_client },
	.icmp_xmit = { [CONN_DIR_IN] = nat_icmp_in, [CONN_DIR_OUT] = nat_icmp_out },
	.conn_init6 = nat_conn_init6,
	.out_key6 = fwd_out_key6,
	.xmit6 = { [CONN_DIR_IN] = fwd_xmit6_to_backend, [CONN_DIR_OUT] = fwd_xmit6_to_client },
	.icmp_xmit6 = { [CONN_DIR_IN] = nat_icmp_in6, [CONN_DIR_OUT] = nat_icmp_out6 },
	.client_owned = true,
	.headroom = 0, /* addresses and ports change in place */
};
