/* SPDX-License-Identifier: Apache-2.0 */
#include "forward/client_addr.h"
#include "forward/laddr.h"
#include "forward/xmit.h"

/*
 * FULLNAT: both addresses are rewritten. Toward the backend a packet leaves as
 * LIP:lport -> backend, so the backend answers to the LIP through any network; the answer
 * goes back as VIP:vport -> client. The backend never sees the client's address: a service
 * with `client_address:` binds its conns to fwd_fullnat_ca_ops, which hands it over
 * (forward/client_addr.h).
 */

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

static void
fullnat_release(struct stage *w, const struct conn *c)
{
	if (c->flags & CONN_F_V6)
		laddr_release(w->lips6, w->ct6, c, w->now);
	else
		laddr_release(w->lips, w->ct, c, w->now);
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

/* From the client's side, about VIP:vport -> client: to the backend, about backend -> LIP. */
static int
fullnat_icmp_in(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p,
		const struct fwd_icmp *q)
{
	return fwd_icmp_rewrite(w, m, p, q, c->daddr, c->laddr, c->dport, c->lport, c->laddr,
				c->daddr, c->out_port, c->out_nh);
}

/* From the backend's side, about LIP -> backend: to the client, about client -> VIP:vport. */
static int
fullnat_icmp_out(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p,
		 const struct fwd_icmp *q)
{
	return fwd_icmp_rewrite(w, m, p, q, c->caddr, c->vaddr, c->cport, c->vport, c->vaddr,
				c->caddr, c->c_port, c->c_nh);
}

static int
fullnat_icmp_in6(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt6_meta *p,
		 const struct fwd_icmp *q)
{
	const struct conn6_addrs *a = conn6_addrs(w->ct6, c);

	(void)p;
	return fwd_icmp6_rewrite(w, m, q, a->daddr, a->laddr, c->dport, c->lport, a->laddr,
				 a->daddr, c->out_port, a->out_nh);
}

static int
fullnat_icmp_out6(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt6_meta *p,
		  const struct fwd_icmp *q)
{
	const struct conn6_addrs *a = conn6_addrs(w->ct6, c);

	(void)p;
	return fwd_icmp6_rewrite(w, m, q, a->caddr, a->vaddr, c->cport, c->vport, a->vaddr,
				 a->caddr, c->c_port, a->c_nh);
}

const struct fwd_ops fwd_fullnat_ops = {
	.name = "fullnat",
	.conn_init = fullnat_conn_init,
	.out_key = fwd_out_key, /* the LIP and port conn_init took */
	.release = fullnat_release,
	.xmit = { [CONN_DIR_IN] = fwd_xmit_to_backend, [CONN_DIR_OUT] = fwd_xmit_to_client },
	.icmp_xmit = { [CONN_DIR_IN] = fullnat_icmp_in, [CONN_DIR_OUT] = fullnat_icmp_out },
	.conn_init6 = fullnat_conn_init6,
	.out_key6 = fwd_out_key6,
	.xmit6 = { [CONN_DIR_IN] = fwd_xmit6_to_backend, [CONN_DIR_OUT] = fwd_xmit6_to_client },
	.icmp_xmit6 = { [CONN_DIR_IN] = fullnat_icmp_in6, [CONN_DIR_OUT] = fullnat_icmp_out6 },
	.headroom = 0, /* addresses and ports change in place */
};

/* The same, telling the backend the client's address (forward/client_addr.h). */
static unsigned
fullnat_ca_conn_init(struct stage *w, struct conn *c, const struct snap_service *svc,
		     const struct snap_backend *be)
{
	unsigned r = fullnat_conn_init(w, c, svc, be);

	if (r == 0)
		ca_conn_init(w, w->ct, c, svc->client_address);
	return r;
}

static unsigned
fullnat_ca_conn_init6(struct stage *w, struct conn *c, const struct snap_service *svc,
		      const struct snap_backend *be)
{
	unsigned r = fullnat_conn_init6(w, c, svc, be);

	if (r == 0)
		ca_conn_init(w, w->ct6, c, svc->client_address);
	return r;
}

static void
fullnat_ca_release(struct stage *w, const struct conn *c)
{
	ca_conn_end(w);
	fullnat_release(w, c);
}

static int
fullnat_ca_in(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p)
{
	return ca_xmit_in(w, c, m, p, NULL, fwd_xmit_to_backend, NULL);
}

static int
fullnat_ca_out(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p)
{
	if (p->key.proto == PROTO_TCP)
		ca_tcp_out(w, c, pkt_l4(m, p));
	return fwd_xmit_to_client(w, c, m, p);
}

static int
fullnat_ca_in6(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt6_meta *p)
{
	return ca_xmit_in(w, c, m, NULL, p, NULL, fwd_xmit6_to_backend);
}

static int
fullnat_ca_out6(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt6_meta *p)
{
	if (p->key.proto == PROTO_TCP)
		ca_tcp_out(w, c, rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, p->l4_off));
	return fwd_xmit6_to_client(w, c, m, p);
}

static int
fullnat_ca_icmp_out(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p,
		    const struct fwd_icmp *q)
{
	ca_icmp_quote(w, c, q);
	return fullnat_icmp_out(w, c, m, p, q);
}

static int
fullnat_ca_icmp_out6(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt6_meta *p,
		     const struct fwd_icmp *q)
{
	ca_icmp_quote(w, c, q);
	return fullnat_icmp_out6(w, c, m, p, q);
}

const struct fwd_ops fwd_fullnat_ca_ops = {
	.name = "fullnat",
	.conn_init = fullnat_ca_conn_init,
	.out_key = fwd_out_key,
	.release = fullnat_ca_release,
	.xmit = { [CONN_DIR_IN] = fullnat_ca_in, [CONN_DIR_OUT] = fullnat_ca_out },
	.icmp_xmit = { [CONN_DIR_IN] = fullnat_icmp_in, [CONN_DIR_OUT] = fullnat_ca_icmp_out },
	.conn_init6 = fullnat_ca_conn_init6,
	.out_key6 = fwd_out_key6,
	.xmit6 = { [CONN_DIR_IN] = fullnat_ca_in6, [CONN_DIR_OUT] = fullnat_ca_out6 },
	.icmp_xmit6 = { [CONN_DIR_IN] = fullnat_icmp_in6, [CONN_DIR_OUT] = fullnat_ca_icmp_out6 },
	.headroom = CA_HEADROOM, /* a PROXY header makes the client's first segment longer */
};
