/* SPDX-License-Identifier: Apache-2.0 */
#include "forward/fwd.h"
#include "net/neigh.h"

/*
 * FULLNAT: both addresses are rewritten. Toward the backend a packet leaves as
 * LIP:lport -> backend, so the backend answers to the LIP through any network; the answer
 * goes back as VIP:vport -> client. The backend never sees the client's address (PROXY
 * protocol or TOA carry it, in a later mode option).
 */

static int
fullnat_in(struct worker *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p)
{
	const struct dp *dp = w->dp;
	struct rte_ether_hdr *eth = pkt_eth(m);
	int r;

	if (unlikely(worker_resolve(w, c->out_nh, c->out_port, &eth->dst_addr) < 0))
		return DROP_neigh_unresolved;
	r = fwd_rewrite(m, p, c->laddr, c->daddr, c->lport, c->dport);
	if (unlikely(r))
		return r;
	rte_ether_addr_copy(&dp->ports[c->out_port].mac, &eth->src_addr);
	worker_tx(w, c->out_port, m);
	return 0;
}

static int
fullnat_out(struct worker *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p)
{
	const struct dp *dp = w->dp;
	struct rte_ether_hdr *eth = pkt_eth(m);
	int r;

	/*
	 * Routed, not remembered: the route toward the client was looked up when the conn
	 * was made (routes are fixed while sluiced runs), its next hop's MAC is looked up now,
	 * so a router that fails over or goes away takes no reply with it.
	 */
	if (unlikely(worker_resolve(w, c->c_nh, c->c_port, &eth->dst_addr) < 0))
		return DROP_neigh_unresolved;
	r = fwd_rewrite(m, p, c->vaddr, c->caddr, c->vport, c->cport);
	if (unlikely(r))
		return r;
	rte_ether_addr_copy(&dp->ports[c->c_port].mac, &eth->src_addr);
	worker_tx(w, c->c_port, m);
	return 0;
}

const struct fwd_ops fwd_fullnat_ops = {
	.name = "fullnat",
	.xmit = { [CONN_DIR_IN] = fullnat_in, [CONN_DIR_OUT] = fullnat_out },
};
