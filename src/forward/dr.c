/* SPDX-License-Identifier: Apache-2.0 */
#include "forward/fwd.h"
#include "forward/fwd6.h"
#include "net/egress.h"

/*
 * DR (direct routing, IPVS's "Route"): the client's packet goes to the backend as it came,
 * only its Ethernet header new: the backend's MAC (resolved by ARP or ND on the backend's
 * own address, on a port's subnet: the configuration refuses a DR backend that is not
 * on-link) from the port's. The backend holds the VIP on lo and answers the client
 * straight, so the node sees one side (fwd_ops.one_way): no OUT key, no LIP, no route
 * back, IPVS's INPUT_ONLY TCP states. The backend port is the VIP port (the header is not
 * touched; the configuration checks it).
 */

/* The frame to the backend's MAC from the port toward it; the IP packet unchanged. */
static inline int
dr_send(struct stage *w, const struct conn *c, struct rte_mbuf *m, int rc)
{
	struct rte_ether_hdr *eth = pkt_eth(m);

	if (unlikely(rc < 0))
		return DROP_neigh_unresolved;
	rte_ether_addr_copy(&w->dp->ports[c->out_port].mac, &eth->src_addr);
	stage_tx(w, c->out_port, m);
	return 0;
}

static int
dr_in(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p)
{
	(void)p;
	return dr_send(w, c, m, egress_resolve(w, c->out_nh, c->out_port, &pkt_eth(m)->dst_addr));
}

static int
dr_in6(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt6_meta *p)
{
	const struct conn6_addrs *a = conn6_addrs(w->ct6, c);

	(void)p;
	return dr_send(w, c, m, egress_resolve6(w, a->out_nh, c->out_port, &pkt_eth(m)->dst_addr));
}

/*
 * An error from the client's side (a router's fragmentation-needed about VIP -> client,
 * which the backend sent) goes to the backend as the client's packets do: it is addressed
 * to the VIP, which the backend holds, and quotes what the backend sent, so nothing in it
 * changes and the backend's kernel learns its path MTU. Nothing comes from the backend's
 * side: it answers the client straight.
 */
static int
dr_icmp_in(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p,
	   const struct fwd_icmp *q)
{
	(void)q;
	return fwd_relayed(w, dr_in(w, c, m, p));
}

static int
dr_icmp_in6(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt6_meta *p,
	    const struct fwd_icmp *q)
{
	(void)q;
	return fwd_relayed(w, dr_in6(w, c, m, p));
}

/* Nothing to take: the conn is keyed by the client's tuple alone. */
static unsigned
dr_conn_init(struct stage *w, struct conn *c, const struct snap_service *svc,
	     const struct snap_backend *be)
{
	(void)w, (void)c, (void)svc, (void)be;
	return 0;
}

const struct fwd_ops fwd_dr_ops = {
	.name = "dr",
	.conn_init = dr_conn_init,
	.out_key = fwd_no_out_key,
	.xmit = { [CONN_DIR_IN] = dr_in },
	.icmp_xmit = { [CONN_DIR_IN] = dr_icmp_in },
	.conn_init6 = dr_conn_init,
	.out_key6 = fwd_no_out_key6,
	.xmit6 = { [CONN_DIR_IN] = dr_in6 },
	.icmp_xmit6 = { [CONN_DIR_IN] = dr_icmp_in6 },
	.one_way = true,
	.headroom = 0,
};
