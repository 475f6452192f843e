/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_PEER_H
#define SLUICE_PEER_H

#include <stdbool.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "common/drop.h"
#include "net/neigh.h"
#include "packet/pkt.h"
#include "worker/worker.h"

/*
 * Conns that move between nodes. Routers spread flows over the nodes by ECMP; when the set
 * of nodes changes (one drained and withdrawn, one back after maintenance) the router moves
 * some established flows to another node. A FULLNAT conn cannot move: its backend knows it
 * by the LIP of the node that made it. So a node that meets a TCP packet of a conn it does
 * not know, coming from a router, passes it unchanged (a new Ethernet header only) to the
 * other nodes of the cluster (dataplane.peers); the one that has the conn carries on with
 * it, the others drop it as no_conn and never pass on what a peer sent them. The cost
 * (a copy per peer) is bounded by a per-worker rate, since an ACK flood is exactly such
 * packets.
 */

#define PEER_PPS 100000u /* per worker */
#define PEER_BURST 1024u

/* Whether the frame comes from a peer (its source MAC is one of theirs). */
static inline bool
peer_sent(const struct dp *dp, const struct rte_ether_addr *src)
{
	struct rte_ether_addr mac;
	unsigned i;

	for (i = 0; i < dp->n_peers; i++)
		if (neigh_lookup(dp->neigh, dp->peers[i].ip, &mac) == 0 &&
		    rte_is_same_ether_addr(&mac, src))
			return true;
	return false;
}

/* A token bucket per worker on its own clock: no atomics. */
static inline bool
peer_budget(struct worker *w)
{
	uint64_t add = (w->now_ms - w->peer_refill_ms) * PEER_PPS / 1000;

	if (add > 0) {
		w->peer_tokens = RTE_MIN((uint64_t)PEER_BURST, w->peer_tokens + add);
		w->peer_refill_ms = w->now_ms;
	}
	if (w->peer_tokens == 0)
		return false;
	w->peer_tokens--;
	return true;
}

/**
 * Pass m, a TCP packet that starts no conn and matches none here, to every peer.
 * @return 0 when m went (it is consumed), else the reason to drop it.
 */
static inline unsigned
peer_pass(struct worker *w, struct rte_mbuf *m)
{
	const struct dp *dp = w->dp;
	unsigned i;

	if (dp->n_peers == 0 || peer_sent(dp, &pkt_eth(m)->src_addr))
		return DROP_no_conn;
	if (!peer_budget(w))
		return DROP_peer_limit;
	for (i = 0; i < dp->n_peers; i++) {
		const struct dp_peer *pr = &dp->peers[i];
		struct rte_mbuf *c = m;
		struct rte_ether_hdr *eth;

		/* One peer (two nodes) takes m itself; more get copies and m goes after. */
		if (dp->n_peers > 1) {
			c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
			if (c == NULL)
				continue;
		}
		eth = pkt_eth(c);
		if (neigh_lookup(dp->neigh, pr->ip, &eth->dst_addr) < 0) {
			worker_neigh_event(w, NEIGH_EV_MISS, pr->ip, pr->port, NULL);
			if (c != m)
				rte_pktmbuf_free(c);
			else
				return DROP_neigh_unresolved;
			continue;
		}
		rte_ether_addr_copy(&dp->ports[pr->port].mac, &eth->src_addr);
		w->st.to_peers++;
		worker_tx(w, pr->port, c);
	}
	if (dp->n_peers > 1)
		rte_pktmbuf_free(m);
	return 0;
}

#endif
