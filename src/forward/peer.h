/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_PEER_H
#define SLUICE_PEER_H

#include <stdbool.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "common/drop.h"
#include "common/tbucket.h"
#include "forward/fwd.h"
#include "forward/fwd6.h"
#include "net/dp.h"
#include "net/neigh.h"
#include "packet/pkt.h"
#include "packet/stage.h"

/*
 * Conns that move between nodes. Routers spread flows over the nodes by ECMP; when the set
 * of nodes changes (one drained and withdrawn, one back after maintenance) the router moves
 * some established flows to another node. A FULLNAT conn cannot move: its backend knows it
 * by the LIP of the node that made it. So a node that meets a TCP packet of a conn it does
 * not know, coming from a router, passes it on (one hop: a new Ethernet header, the TTL
 * down by one) to the other nodes of the cluster (dataplane.peers); the one that has the
 * conn carries on with it, the others drop it as no_conn and never pass on what a peer
 * sent them. The cost (a copy per peer) is bounded by a per-worker rate, since an ACK
 * flood is exactly such packets.
 */

#define PEER_PPS 100000u /* per worker */
#define PEER_BURST 1024u

/**
 * Pass m, a TCP packet (of the IPv6 family when v6) that starts no conn and matches none
 * here, to every peer: once to each node, even one listed by both its addresses.
 * @return 0 when m went (it is consumed), else the reason to drop it.
 */
static inline unsigned
peer_pass(struct stage *w, struct rte_mbuf *m, bool v6)
{
	const struct dp *dp = w->dp;
	const struct rte_ether_addr *src = &pkt_eth(m)->src_addr;
	struct rte_ether_addr mac[SL_MAX_PEERS];
	unsigned i, j, n = 0, sent = 0;
	uint8_t port[SL_MAX_PEERS];
	int r;

	/*
	 * The peers reachable now, in one pass that also tells whether a peer sent m (its
	 * source MAC is one of theirs): that goes no further. No neighbour-miss event for the
	 * unreachable: the control thread keeps the peers resolved (pinned) and asks for them
	 * itself, and a peer that is down would otherwise flood the event ring at the rate of
	 * these packets.
	 */
	for (i = 0; i < dp->n_peers; i++) {
		const struct dp_peer *pr = &dp->peers[i];

		if ((pr->v6 ? neigh_lookup6(dp->neigh6, pr->ip.b, &mac[n])
			    : neigh_lookup(dp->neigh, pr->ip.w[3], &mac[n])) != 0)
			continue;
		if (rte_is_same_ether_addr(&mac[n], src))
			return DROP_no_conn;
		for (j = 0; j < n; j++)
			if (port[j] == pr->port && rte_is_same_ether_addr(&mac[j], &mac[n]))
				break;
		if (j == n)
			port[n++] = pr->port;
	}
	if (dp->n_peers == 0)
		return DROP_no_conn;
	if (n == 0)
		return DROP_neigh_unresolved;
	if (!tbucket_take(&w->peer_tb, w->now_ms, PEER_PPS, PEER_BURST))
		return DROP_peer_limit;
	/*
	 * A hop like any router's: should nodes ever pass a packet round in a circle (one that
	 * does not yet know the sender's MAC at start-up), the TTL ends it.
	 */
	r = v6 ? fwd_hop_dec6(pkt_ip6(m)) : fwd_ttl_dec(m);
	if (r != 0)
		return (unsigned)r;
	for (i = 0; i < n; i++) {
		/* The last one takes m itself; the others get copies. */
		struct rte_mbuf *c = i + 1 == n ? m : rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
		struct rte_ether_hdr *eth;

		if (c == NULL)
			continue;
		eth = pkt_eth(c);
		rte_ether_addr_copy(&mac[i], &eth->dst_addr);
		rte_ether_addr_copy(&dp->ports[port[i]].mac, &eth->src_addr);
		stage_tx(w, port[i], c);
		sent++;
	}
	w->st.to_peers += sent;
	return 0;
}

#endif
