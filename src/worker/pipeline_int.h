/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_PIPELINE_INT_H
#define SLUICE_PIPELINE_INT_H

#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_tcp.h>

#include "flow/conn.h"
#include "flow/tcp_window.h"
#include "forward/fwd.h"
#include "net/dp.h"
#include "packet/pkt6.h"
#include "sched/sched.h"
#include "service/persist.h"
#include "packet/stage.h"
#include "service/gauge.h"
#include "service/snapshot.h"

/*
 * What the IPv4 path (pipeline.c) and the IPv6 one (pipeline6.c) share: a conn's gauge
 * and counters, and what ends it. Inside worker/ only.
 */

static inline enum gauge_kind
conn_gauge(uint8_t state)
{
	return state == TCP_S_ESTABLISHED ? GAUGE_ACTIVE : GAUGE_INACTIVE;
}

static inline void
conn_account(struct stage *w, const struct conn *c, enum conn_dir dir, uint32_t bytes)
{
	struct vs_counters *sc = dp_svc_counters(w->dp, w->id, c->svc_slot);
	struct vs_counters *bc = dp_be_counters(w->dp, w->id, c->be_slot);

	if (dir == CONN_DIR_IN) {
		sc->in_pkts++, bc->in_pkts++;
		sc->in_bytes += bytes, bc->in_bytes += bytes;
	} else {
		sc->out_pkts++, bc->out_pkts++;
		sc->out_bytes += bytes, bc->out_bytes += bytes;
	}
}

static inline int
tcp_is_syn_only(uint8_t flags)
{
	return (flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG |
			 RTE_TCP_FIN_FLAG)) == RTE_TCP_SYN_FLAG;
}

/**
 * A conn for m, the first packet of a new flow to svc: its lists and rates passed
 * (defense/defense.h), its backend picked, its mode's resources taken, inserted and
 * counted; m is then the caller's to send. NULL when none was made, m dropped and counted.
 * Worker.
 */
struct conn *pipeline_conn_open(struct stage *w, const struct snapshot *snap,
				const struct snap_service *svc, struct rte_mbuf *m,
				struct pkt_meta *p);
/** The same for an IPv6 flow, in the worker's IPv6 table. Worker. */
struct conn *pipeline_conn6_open(struct stage *w, const struct snapshot *snap,
				 const struct snap_service *svc, struct rte_mbuf *m,
				 struct pkt6_meta *p);

/*
 * The SYN proxy (worker/pipeline_sp.c). pipeline_sp_miss: a TCP segment of no conn to a
 * service with the SYN proxy on (a SYN answered, a cookie ACK opening the conn); the conn
 * made, if any. pipeline_sp_before: a segment of a conn it opened, before conn_touch():
 * 0 (go on), -1 (m taken: held or answered) or a drop reason. pipeline_sp_after: a
 * backend's segment translated after conn_touch(). pipeline_sp_end: the conn ends (its held
 * data freed; a client still waiting for its backend reset). Worker.
 */
struct conn *pipeline_sp_miss(struct stage *w, const struct snapshot *snap,
			      const struct snap_service *svc, struct rte_mbuf *m,
			      struct pkt_meta *p);
struct conn *pipeline_sp_miss6(struct stage *w, const struct snapshot *snap,
			       const struct snap_service *svc, struct rte_mbuf *m,
			       struct pkt6_meta *p);
int pipeline_sp_before(struct stage *w, struct conn_table *ct, struct conn *c, enum conn_dir dir,
		       struct rte_mbuf *m, uint16_t l4_off, uint32_t ip_len);
void pipeline_sp_after(struct conn_table *ct, struct conn *c, struct rte_mbuf *m,
		       uint16_t l4_off);
void pipeline_sp_end(struct stage *w, struct conn_table *ct, struct conn *c);

/*
 * A burst's conns (data[i] of the bulk lookup where hits has bit i; their lines asked for
 * already): the conn_sp line of those that read it on every packet (the SYN proxy's, and
 * those whose mode sends the client address: the _CA ones, last of enum sl_mode), asked
 * for too, so that the second line overlaps the others' misses. Called while the worker
 * holds any (sp_live, ca_live). Worker.
 */
static inline void
pipeline_side_prefetch(struct conn_table *ct, void *const *data, uint64_t hits, unsigned n)
{
	unsigned i;

	_Static_assert(SL_MODE_FULLNAT_CA + 2 == SL_MODE_MAX, "the _CA modes come last");
	for (i = 0; i < n; i++) {
		enum conn_dir d;
		const struct conn *c;

		if (!(hits & (1ull << i)))
			continue;
		c = conn_from_data(data[i], &d);
		if ((c->flags & CONN_F_SYNPROXY) || c->mode >= SL_MODE_FULLNAT_CA)
			rte_prefetch0(conn_sp(ct, c));
	}
}

/** Give back what conn c holds (its mode's resources, its gauge place) as it ends. Worker. */
void pipeline_conn_release(struct stage *w, struct conn *c);

/**
 * A packet of conn c (of table ct) in direction dir, its TCP header (if TCP) at l4_off in m
 * and ip_len bytes of IP: a RST or SYN outside the side's window is refused (a blind
 * attack's: flow/tcp_window.h); else its window edges, its TCP state and the gauges the
 * state moves, its deadline, its counters. 0 or a drop reason; the mode's xmit follows.
 * Worker.
 */
static inline unsigned
conn_touch(struct stage *w, struct conn_table *ct, struct conn *c, enum conn_dir dir,
	   struct rte_mbuf *m, uint16_t l4_off, uint8_t tcp_flags, uint32_t ip_len)
{
	const struct dp *dp = w->dp;

	if (c->proto == PROTO_TCP) {
		const struct rte_tcp_hdr *th =
			rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, l4_off);
		uint8_t next;

		if (unlikely(tcp_window_checks(c, tcp_flags)) && !tcp_window_ok(c, dir, th)) {
			dp_svc_defense(dp, w->id, c->svc_slot)->out_of_window++;
			return tcp_flags & RTE_TCP_RST_FLAG ? DROP_tcp_rst_out_of_window
							    : DROP_tcp_syn_out_of_window;
		}
		tcp_window_track(c, dir, th,
				 tcp_payload_len(th, PKT_IP_OFF + ip_len - (uint32_t)l4_off),
				 tcp_flags);
		next = tcp_state_next(c->state, conn_tcp_row(c->flags, dir), tcp_flags);
		if (unlikely(next != c->state)) {
			if (conn_gauge(next) != conn_gauge(c->state))
				dp_gauge_move(dp, c->svc_slot, c->be_slot, conn_gauge(c->state),
					      conn_gauge(next));
			c->state = next;
		}
	}
	conn_set_expire(ct, c, w->now + dp->timeout_ticks[c->state]);
	conn_account(w, c, dir, ip_len);
	return 0;
}

/**
 * The backend of a new conn to svc: the one the client's affinity key src binds it to
 * while the binding lives and the backend takes conns, else the scheduler's pick for flow
 * f, which then becomes (or refreshes) the binding. -1 when no backend takes it. Worker.
 */
static inline int
conn_pick_bound(struct stage *w, const struct snap_service *svc, uint32_t src,
		const struct pkt_meta *f)
{
	struct persist_table *pt = w->dp->persist;
	uint32_t now_s = (uint32_t)(w->now_ms / 1000);
	int i = -1, slot;

	slot = persist_lookup(pt, svc->slot, src, now_s);
	if (slot >= 0) {
		i = snap_backend_by_slot(svc, (uint16_t)slot);
		if (i >= 0 && !sched_available(svc, &svc->backends[i]))
			i = -1;
	}
	if (i < 0)
		i = svc->sched->pick(svc, svc->sched_data, w->id, f);
	if (i >= 0 && persist_bind(pt, svc->slot, src, svc->backends[i].slot,
				   now_s + svc->persistence, now_s) < 0)
		w->st.persist_full++;
	return i;
}

/**
 * The rest of a new conn c to backend be of svc, once its mode took what it needs: the TCP
 * state of its first packet (in m, its L4 header at l4_off, ip_len bytes of IP) and the
 * client's window edge, the ports toward the client and the backend, the counters' slots,
 * the deadline. Worker.
 */
static inline void
conn_settle(struct stage *w, struct conn *c, const struct snap_service *svc,
	    const struct snap_backend *be, uint8_t c_port, struct rte_mbuf *m, uint16_t l4_off,
	    uint8_t tcp_flags, uint32_t ip_len)
{
	if (fwd_of(c)->one_way)
		c->flags |= CONN_F_IN_ONLY;
	if (c->proto == PROTO_TCP) {
		const struct rte_tcp_hdr *th =
			rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, l4_off);

		c->state = tcp_state_next(TCP_S_NONE, conn_tcp_row(c->flags, CONN_DIR_IN),
					  tcp_flags);
		tcp_window_track(c, CONN_DIR_IN, th,
				 tcp_payload_len(th, PKT_IP_OFF + ip_len - (uint32_t)l4_off),
				 tcp_flags);
	} else {
		c->state = CONN_S_UDP;
	}
	c->c_port = c_port;
	c->out_port = be->out_port;
	c->svc_slot = svc->slot;
	c->be_slot = be->slot;
	c->expire = w->now + w->dp->timeout_ticks[c->state];
}

/** A conn just inserted, its first packet of `bytes` on the way: counters and gauges. */
static inline void
conn_created(struct stage *w, const struct conn *c, uint32_t bytes)
{
	const struct dp *dp = w->dp;

	w->st.conns_created++;
	dp_svc_counters(dp, w->id, c->svc_slot)->conns++;
	dp_be_counters(dp, w->id, c->be_slot)->conns++;
	dp_gauge_move(dp, c->svc_slot, c->be_slot, GAUGE_NONE, conn_gauge(c->state));
	conn_account(w, c, CONN_DIR_IN, bytes);
}

/*
 * A TIME_WAIT or CLOSE conn (of table ct) met by a fresh SYN from the same client port: the
 * client reuses the tuple for a new connection. The old conn goes and the SYN is scheduled
 * anew, as IPVS's conn_reuse_mode does. 1 when c went.
 */
static inline int
conn_reused(struct stage *w, struct conn_table *ct, struct conn *c, enum conn_dir dir,
	    uint8_t tcp_flags)
{
	if (c->proto != PROTO_TCP || dir != CONN_DIR_IN || !tcp_is_syn_only(tcp_flags))
		return 0;
	if (c->state != TCP_S_TIME_WAIT && c->state != TCP_S_CLOSE)
		return 0;
	pipeline_conn_release(w, c);
	conn_remove(ct, c);
	return 1;
}

/**
 * An IPv6 frame (its EtherType read, its MACs checked): parsed to its L4 header, checked,
 * neighbour discovery and echo handled (net/nd.c). 1 when it is TCP or UDP for the conn
 * stage (p6 filled, pipeline6_l4 takes it), 0 when m was consumed. Worker.
 */
/*
 * Hand m to worker `owner`, where a client_owned mode keeps its client's conns
 * (fwd_client_owner(), forward/nat.c), when that is another worker. 1 when handed (or
 * dropped as handoff_full), 0 when the conn is this worker's to find or make.
 */
static inline int
conn_hand_to_client_owner(struct stage *w, struct rte_mbuf *m, unsigned owner)
{
	if (owner == w->id)
		return 0;
	stage_handoff(w, owner, m);
	return 1;
}

/*
 * A burst's IPv4 answers to LIP ports of this worker that no IPv4 conn holds: perhaps NAT64
 * conns' (IPv6 conns whose reply key is IPv4-mapped, forward/nat64.c). They are looked up
 * together once the burst's other packets are done, as the IPv4 ones were.
 */
struct pipeline64_batch {
	unsigned n;
	struct rte_mbuf *m[STAGE_BURST];
	struct pkt_meta *p[STAGE_BURST];
};

/*
 * Look the n packets of a pipeline64_batch up in the IPv6 table by their IPv4-mapped keys,
 * in bulk, their conns prefetched, and translate and send those of NAT64 conns. res[i]: 0
 * (sent), -ENOENT (no such conn: m untouched) or a drop reason (m the caller's). Worker.
 */
void pipeline64_replies(struct stage *w, struct rte_mbuf **m, struct pkt_meta **p, unsigned n,
			int *res);

int pipeline6_input(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
		    const struct pkt_meta *p, struct pkt6_meta *p6);

/**
 * The conn stage of a burst's IPv6 TCP and UDP packets (n <= STAGE_BURST), in order: one
 * bulk lookup in the IPv6 conn table, then each packet's conn or new conn, as for IPv4.
 * Consumes them. Worker.
 */
void pipeline6_l4(struct stage *w, const struct snapshot *snap, struct rte_mbuf **pkts,
		  struct pkt6_meta *meta, unsigned n);

#endif
