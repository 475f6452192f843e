/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_FWD_ICMP_H
#define SLUICE_FWD_ICMP_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_ring_elem.h>

#include "flow/conn.h"
#include "forward/fwd.h"
#include "net/dp.h"
#include "packet/pkt.h"
#include "packet/pkt6.h"
#include "packet/stage.h"
#include "service/snapshot.h"

/*
 * The two ways an error about a conn of another worker travels, both families': handed to
 * the worker that owns the quoted LIP port (1 when it went: another worker, with room in
 * this burst's hand-offs), or passed to the next worker's ICMP ring after `hops` tries (1:
 * it went, or was dropped as handoff_full). Worker.
 */
static inline int
fwd_icmp_hand_to(struct stage *w, struct rte_mbuf *m, unsigned owner)
{
	if (owner == w->id || owner >= w->dp->n_workers || w->out.n_handoff[owner] >= STAGE_BURST)
		return 0;
	w->out.handoff[owner][w->out.n_handoff[owner]++] = m;
	w->st.handoff_out++;
	return 1;
}

static inline int
fwd_icmp_pass_next(struct stage *w, struct rte_mbuf *m, uint32_t hops)
{
	struct stage_icmp_hop h = { .m = m, .hops = hops + 1 };

	if (rte_ring_enqueue_elem(w->icmp_next, &h, sizeof(h)) != 0) {
		stage_drop(w, m, DROP_handoff_full);
		return 1;
	}
	w->st.handoff_out++;
	return 1;
}

/*
 * An error from the client's side about a conn the SYN proxy opened quotes the node's
 * segment in the client's numbers, which the proxy translated from the backend's: back to
 * the backend's (plus conn_sp's a), since the backend's stack takes only an error about a
 * number it has in flight (a fragmentation-needed would be lost, a path-MTU black hole).
 * The quote's checksum is patched when the quote reaches it. Worker.
 */
static inline void
fwd_icmp_sp_quote(const struct conn_table *ct, const struct conn *c, const struct fwd_icmp *q)
{
	uint8_t *seq = fwd_quote_seq(q);
	uint32_t v;

	if (c->proto != PROTO_TCP || (c->flags & CONN_F_SP_WAIT) || seq == NULL)
		return;
	memcpy(&v, seq, 4);
	fwd_quote_set4(seq, rte_cpu_to_be_32(rte_be_to_cpu_32(v) + conn_sp(ct, c)->a), q->l4sum);
}

/**
 * An ICMP error (icmp_is_relayable()) received by this worker, `hops` workers having tried
 * it before: relayed to the other side of the conn whose packet it quotes; an error about
 * the backend side of another worker's conn handed to that worker; one about a conn's
 * client side passed to the next worker until every one has tried; else the kernel's
 * (about the node's own traffic) or dropped as icmp_no_conn. Consumes m. Worker.
 */
void fwd_icmp_error(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
		    struct pkt_meta *p, uint32_t hops);

/**
 * fwd_icmp_error() for an ICMPv6 error (icmp6_is_error()) about an IPv6 conn: errors
 * about the node's own traffic go to the receiving port's twin. Consumes m. Worker.
 */
void fwd_icmp6_error(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
		     struct pkt6_meta *p, uint32_t hops);

/**
 * An ICMP or ICMPv6 error another worker passed on (worker.h, the icmp ring) after `hops` tries:
 * parsed again for this worker and given to fwd_icmp_error() or
 * fwd_icmp6_error(). Consumes m. Worker.
 */
void fwd_icmp_search(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
		     uint32_t hops);

#endif
