/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include <rte_mbuf.h>

#include "defense/defense.h"
#include "defense/synproxy.h"
#include "forward/peer.h"
#include "net/egress.h"
#include "worker/pipeline_int.h"

/*
 * The SYN proxy in the conn stage (defense/synproxy.h has the how): a service's SYN of no
 * conn is answered with a cookie; an ACK of no conn with a good cookie opens the conn and the
 * node's SYN to the backend; the backend's SYN-ACK is answered in the client's name and what
 * the client sent meanwhile follows; from then on the conn's segments are translated both
 * ways. Both families: the IPv4 and IPv6 functions differ in their headers only.
 */

#define SP_RST_PPS 100000u /* RSTs to bad cookies a worker may send a second */
#define SP_RST_BURST 1000u

/* The SYN proxy's counters of the service in slot svc, this worker's. */
static inline struct vs_defense *
sp_ctr(struct stage *w, uint16_t svc)
{
	return dp_svc_defense(w->dp, w->id, svc);
}

/* The TCP payload bytes of the segment at l4_off of m, ip_len bytes of IP from PKT_IP_OFF. */
static inline uint32_t
sp_payload(struct rte_mbuf *m, uint16_t l4_off, uint32_t ip_len)
{
	return tcp_payload_len(rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4_off),
			       PKT_IP_OFF + ip_len - l4_off);
}

/*
 * A bad cookie: the client is reset (as DPVS does: the ACK of a forged or stale handshake
 * ends it at once), at most SP_RST_PPS a second; or, with peers, the packet may be a conn
 * of another node and goes there.
 */
static void
sp_refuse(struct stage *w, uint16_t svc, struct rte_mbuf *m, bool v6, const void *p)
{
	unsigned r;

	sp_ctr(w, svc)->sp_bad++;
	if (w->dp->n_peers > 0) {
		r = peer_pass(w, m, v6);
		if (r != 0)
			stage_drop(w, m, r == DROP_no_conn ? DROP_sp_bad_cookie : r);
		return;
	}
	w->st.drops[DROP_sp_bad_cookie]++;
	if (!tbucket_take(&w->sp_rst_tb, w->now_ms, SP_RST_PPS, SP_RST_BURST)) {
		rte_pktmbuf_free(m);
		return;
	}
	if (v6)
		synproxy_rst6(w, m, p);
	else
		synproxy_rst4(w, m, p);
}

/*
 * The conn the cookie opened now waits for the backend's answer to the node's SYN (which
 * the caller sends): the cookie, the node's and the client's timestamps and ISN noted; m,
 * the client's ACK, held when it carries data, else freed.
 */
static void
sp_wait(struct stage *w, struct conn_table *ct, struct conn *c, const struct tcp_syn_opts *o,
	struct rte_mbuf *m, uint32_t payload, uint32_t cookie, uint32_t client_isn)
{
	struct conn_sp *sp = conn_sp(ct, c);

	c->flags |= CONN_F_SYNPROXY | CONN_F_SP_WAIT;
	c->state = TCP_S_SYN_SENT; /* inactive, as the ACK left it: no gauge moves */
	conn_set_expire(ct, c, w->now + w->dp->timeout_ticks[TCP_S_SYN_SENT]);
	*sp = (struct conn_sp){
		.held = payload > 0 ? m : NULL, .a = cookie, .b = o->tsecr, .c = client_isn + 1,
		.ws_backend = SYNPROXY_NO_WS,
		.ws_client = o->ws_ok ? SYNPROXY_WSCALE : SYNPROXY_NO_WS,
		.ws_in = o->ws_ok ? o->wscale : 0, .ts_ok = o->ts_ok,
		.ca = sp->ca, /* the client address's, from conn_init */
	};
	if (payload == 0)
		rte_pktmbuf_free(m);
	w->sp_live++;
	sp_ctr(w, c->svc_slot)->sp_ok++;
}

/* The options of the node's SYN to the backend: the client's, from its cookie and ACK. */
static unsigned
sp_syn_opts(const struct tcp_syn_opts *o, uint8_t *buf)
{
	struct tcp_syn_opts s = *o;

	s.tsval = o->tsval; /* the client's clock, as the backend will see it */
	s.tsecr = 0;
	return tcp_opts_write_syn(buf, &s);
}

/* The window of the node's SYN: the client's last, unscaled (at most 65535). */
static uint16_t
sp_syn_window(const struct rte_tcp_hdr *th, const struct tcp_syn_opts *o)
{
	uint32_t win = (uint32_t)rte_be_to_cpu_16(th->rx_win) << (o->ws_ok ? o->wscale : 0);

	return (uint16_t)(win > 0xffff ? 0xffff : win);
}

/*
 * A segment of no conn that is neither a SYN nor an ACK (a RST or a FIN): perhaps a peer's
 * conn, as without the proxy. 1 when it was that (m consumed), 0 for a SYN or an ACK.
 */
static int
sp_neither(struct stage *w, struct rte_mbuf *m, uint8_t flags, bool v6)
{
	unsigned r;

	if ((flags & (RTE_TCP_SYN_FLAG | RTE_TCP_RST_FLAG | RTE_TCP_FIN_FLAG |
		      RTE_TCP_ACK_FLAG)) == RTE_TCP_ACK_FLAG || tcp_is_syn_only(flags))
		return 0;
	r = peer_pass(w, m, v6);
	if (r != 0)
		stage_drop(w, m, r);
	return 1;
}

/* The SYN proxy's answer to a SYN (its lists passed as r == 0), counted. */
static void
sp_answered(struct stage *w, uint16_t svc, struct rte_mbuf *m, unsigned r)
{
	if (r != 0)
		stage_drop(w, m, r);
	else
		sp_ctr(w, svc)->sp_syn++;
}

/*
 * A TCP segment of no conn to svc, whose SYN proxy is on; p is m's struct pkt_meta, or its
 * struct pkt6_meta when v6: the families differ in the calls, the steps are one.
 */
static struct conn *
sp_miss(struct stage *w, const struct snapshot *snap, const struct snap_service *svc,
	struct rte_mbuf *m, void *p, bool v6)
{
	struct pkt_meta *p4 = p;
	struct pkt6_meta *p6 = p;
	uint16_t l4_off = v6 ? p6->l4_off : p4->l4_off;
	uint8_t flags = v6 ? p6->tcp_flags : p4->tcp_flags;
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4_off);
	const struct siphash_key *key = &w->dp->sp_key;
	uint8_t opts[TCP_SYN_OPT_LEN];
	struct tcp_syn_opts o;
	union {
		struct pkt_meta m4;
		struct pkt6_meta m6;
	} sm;
	struct rte_mbuf *syn;
	struct conn *c;
	uint32_t cookie, isn;
	unsigned r, olen;

	if (sp_neither(w, m, flags, v6))
		return NULL;
	if (tcp_is_syn_only(flags)) {
		r = v6 ? defense_acl6(w, snap, svc, p6->key.saddr)
		       : defense_acl4(w, snap, svc, p4->key.saddr);
		if (r == 0)
			r = v6 ? synproxy_syn_answer6(w, key, m, p6)
			       : synproxy_syn_answer4(w, key, m, p4);
		sp_answered(w, svc->slot, m, r);
		return NULL;
	}
	if ((v6 ? synproxy_ack_check6(w, key, m, p6, &o) : synproxy_ack_check4(w, key, m, p4, &o)) !=
	    SYNCOOKIE_OK) {
		sp_refuse(w, svc->slot, m, v6, p);
		return NULL;
	}
	cookie = rte_be_to_cpu_32(th->recv_ack) - 1;
	isn = rte_be_to_cpu_32(th->sent_seq) - 1;
	syn = rte_pktmbuf_alloc(m->pool);
	if (syn == NULL) {
		stage_drop(w, m, DROP_no_room);
		return NULL;
	}
	c = v6 ? pipeline_conn6_open(w, snap, svc, m, p6) : pipeline_conn_open(w, snap, svc, m, p4);
	if (c == NULL) {
		rte_pktmbuf_free(syn);
		return NULL;
	}
	olen = sp_syn_opts(&o, opts);
	if (v6)
		synproxy_client_segment6(w->ct6, c, syn, p6->in_port, isn, 0, RTE_TCP_SYN_FLAG,
					 sp_syn_window(th, &o), opts, olen, &sm.m6);
	else
		synproxy_client_segment4(c, syn, p4->in_port, isn, 0, RTE_TCP_SYN_FLAG,
					 sp_syn_window(th, &o), opts, olen, &sm.m4);
	sp_wait(w, v6 ? w->ct6 : w->ct, c, &o, m,
		sp_payload(m, l4_off, v6 ? p6->ip_len : p4->ip_len), cookie, isn);
	r = (unsigned)(v6 ? fwd_of(c)->xmit6[CONN_DIR_IN](w, c, syn, &sm.m6)
			  : fwd_of(c)->xmit[CONN_DIR_IN](w, c, syn, &sm.m4));
	if (r != 0)
		stage_drop(w, syn, r); /* the conn waits: its timeout resets the client */
	return c;
}

struct conn *
pipeline_sp_miss(struct stage *w, const struct snapshot *snap, const struct snap_service *svc,
		 struct rte_mbuf *m, struct pkt_meta *p)
{
	return sp_miss(w, snap, svc, m, p, false);
}

struct conn *
pipeline_sp_miss6(struct stage *w, const struct snapshot *snap, const struct snap_service *svc,
		  struct rte_mbuf *m, struct pkt6_meta *p)
{
	return sp_miss(w, snap, svc, m, p, true);
}

/*
 * Send m, a segment in the client's name toward the backend (the node's ACK, or the data it
 * held), through the conn's mode. A held segment is translated first. 0 or a drop reason
 * (m then the caller's).
 */
static int
sp_to_backend(struct stage *w, struct conn_table *ct, struct conn *c, struct rte_mbuf *m,
	      bool translate)
{
	struct rte_tcp_hdr *th;

	if (c->flags & CONN_F_V6) {
		const struct rte_ipv6_hdr *ip = pkt_ip6(m);
		struct pkt6_meta p6;

		/* a held segment came as the client sent it: its meta again, from the conn */
		th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, PKT_IP_OFF + 40);
		memset(&p6, 0, sizeof(p6));
		memcpy(p6.key.saddr, ip->src_addr, 16);
		memcpy(p6.key.daddr, ip->dst_addr, 16);
		p6.key.sport = c->cport;
		p6.key.dport = c->vport;
		p6.key.proto = IPPROTO_TCP;
		p6.l4_off = PKT_IP_OFF + 40;
		p6.ip_len = (uint16_t)(40 + rte_be_to_cpu_16(ip->payload_len));
		p6.tcp_flags = th->tcp_flags;
		p6.in_port = c->c_port;
		if (translate)
			synproxy_translate(conn_sp(ct, c), CONN_DIR_IN, th);
		return fwd_of(c)->xmit6[CONN_DIR_IN](w, c, m, &p6);
	} else {
		const struct rte_ipv4_hdr *ip = pkt_ip(m);
		struct pkt_meta p4 = {
			.key = { .saddr = c->caddr, .daddr = c->vaddr, .sport = c->cport,
				 .dport = c->vport, .proto = IPPROTO_TCP },
			.l4_off = (uint16_t)(PKT_IP_OFF + (ip->version_ihl & 0xf) * 4),
			.ip_len = rte_be_to_cpu_16(ip->total_length), .kind = PKT_IPV4,
			.in_port = c->c_port,
		};

		th = pkt_l4(m, &p4);
		p4.tcp_flags = th->tcp_flags;
		if (translate)
			synproxy_translate(conn_sp(ct, c), CONN_DIR_IN, th);
		return fwd_of(c)->xmit[CONN_DIR_IN](w, c, m, &p4);
	}
}

/*
 * The backend answered the node's SYN with th (its SYN-ACK, in m): the two handshakes'
 * differences noted, the backend's handshake completed in the client's name (m turned into
 * that ACK), the held data sent after it; the conn established.
 */
static int
sp_backend_synack(struct stage *w, struct conn_table *ct, struct conn *c, struct rte_mbuf *m,
		  struct rte_tcp_hdr *th)
{
	struct conn_sp *sp = conn_sp(ct, c);
	uint32_t bisn = rte_be_to_cpu_32(th->sent_seq);
	struct tcp_syn_opts bo, ts = { 0 };
	struct rte_mbuf *held = sp->held;
	uint8_t opts[TCP_SYN_OPT_LEN];
	unsigned olen = 0;
	uint8_t cshift;
	uint16_t win;
	int r;

	if (rte_be_to_cpu_32(th->recv_ack) != sp->c)
		return DROP_sp_unexpected; /* not the answer to the node's SYN */
	tcp_opts_parse_syn(th, &bo);
	sp->ca.mss = bo.mss; /* the backend's, for a PROXY header's room (client_addr.h) */
	tcp_window_track(c, CONN_DIR_OUT, th, 0, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	sp->ts_ok = sp->ts_ok && bo.ts_ok;
	if (sp->ts_ok) {
		/* the ACK's timestamps: the client's clock as the SYN gave it (echoed), the
		 * backend's */
		ts.ts_ok = 1;
		ts.tsval = bo.tsecr;
		ts.tsecr = bo.tsval;
		olen = tcp_opts_write_syn(opts, &ts);
	}
	sp->b = sp->ts_ok ? sp->b - bo.tsval : 0;
	sp->a = bisn - sp->a;
	/*
	 * Window scaling: off when the client asked for none (the node offered none either);
	 * else the client scales by its own and expects SYNPROXY_WSCALE, and a backend that
	 * sent none scales by 0 and reads the client's windows unscaled.
	 */
	cshift = sp->ws_in; /* the client's own, while waiting */
	if (sp->ws_client == SYNPROXY_NO_WS) {
		sp->ws_backend = SYNPROXY_NO_WS;
		sp->ws_in = 0;
	} else if (bo.ws_ok) {
		sp->ws_backend = bo.wscale;
		sp->ws_in = 0;
	} else {
		sp->ws_backend = 0;
	}
	c->flags &= (uint8_t)~CONN_F_SP_WAIT;
	sp->held = NULL;
	dp_gauge_move(w->dp, c->svc_slot, c->be_slot, conn_gauge(c->state),
		      conn_gauge(TCP_S_ESTABLISHED));
	c->state = TCP_S_ESTABLISHED;
	conn_set_expire(ct, c, w->now + w->dp->timeout_ticks[TCP_S_ESTABLISHED]);
	/*
	 * The client's window is not known here: 64 KiB as the backend reads it (scaled by the
	 * client's own shift when scaling is on between them); the client's next segment tells
	 * the real one.
	 */
	win = (uint16_t)(sp->ws_in == 0 && sp->ws_backend != SYNPROXY_NO_WS ? 0xffff >> cshift
									  : 0xffff);
	if (c->flags & CONN_F_V6) {
		struct pkt6_meta unused;

		synproxy_client_segment6(ct, c, m, c->c_port, sp->c, bisn + 1, RTE_TCP_ACK_FLAG,
					 win, opts, olen, &unused);
	} else {
		struct pkt_meta unused;

		synproxy_client_segment4(c, m, c->c_port, sp->c, bisn + 1, RTE_TCP_ACK_FLAG, win,
					 opts, olen, &unused);
	}
	r = sp_to_backend(w, ct, c, m, false);
	if (r != 0)
		stage_drop(w, m, (unsigned)r);
	if (held != NULL) {
		r = sp_to_backend(w, ct, c, held, true);
		if (r != 0)
			stage_drop(w, held, (unsigned)r);
	}
	return -1;
}

int
pipeline_sp_before(struct stage *w, struct conn_table *ct, struct conn *c, enum conn_dir dir,
		   struct rte_mbuf *m, uint16_t l4_off, uint32_t ip_len)
{
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4_off);
	struct conn_sp *sp = conn_sp(ct, c);
	uint16_t cs;

	if (!(c->flags & CONN_F_SP_WAIT)) {
		if (dir == CONN_DIR_IN)
			synproxy_translate(sp, CONN_DIR_IN, th);
		return 0; /* from the backend: translated after conn_touch() */
	}
	if (th->tcp_flags & RTE_TCP_RST_FLAG) {
		/*
		 * Either side gives up before the backend answered: a client's RST goes on as it
		 * is (its sequence number is the backend's to judge) without the acknowledgement
		 * of the node's ISN; the backend's (it refused the SYN) reaches the client in the
		 * client's sequence space.
		 */
		cs = th->cksum;
		if (dir == CONN_DIR_IN) {
			cs = csum_replace2(cs, rte_cpu_to_be_16(th->tcp_flags),
					   rte_cpu_to_be_16(RTE_TCP_RST_FLAG));
			th->tcp_flags = RTE_TCP_RST_FLAG;
			csum_set4((uint8_t *)&th->recv_ack, 0, &cs);
		} else {
			csum_set4((uint8_t *)&th->sent_seq, rte_cpu_to_be_32(sp->a + 1), &cs);
			/* IPVS's table keeps SYN_SENT on a server's RST: this one ends the conn */
			c->state = TCP_S_CLOSE; /* inactive, as SYN_SENT: no gauge moves */
		}
		th->cksum = cs;
		if (sp->held != NULL)
			rte_pktmbuf_free(sp->held);
		/* nothing more to translate (the conn ends), but still the proxy's till then */
		*sp = (struct conn_sp){ .ws_backend = SYNPROXY_NO_WS, .ws_client = SYNPROXY_NO_WS,
					.ca = sp->ca };
		c->flags &= (uint8_t)~CONN_F_SP_WAIT;
		return 0;
	}
	if (dir == CONN_DIR_OUT) {
		if ((th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) ==
		    (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG))
			return sp_backend_synack(w, ct, c, m, th);
		return DROP_sp_unexpected;
	}
	/* the client's data before the backend answered: the first segment waits (one with
	 * IPv6 extension headers is refused: its retransmission comes after) */
	if (sp->held == NULL && sp_payload(m, l4_off, ip_len) > 0 &&
	    (!(c->flags & CONN_F_V6) || l4_off == PKT_IP_OFF + 40)) {
		sp->held = m;
		return -1;
	}
	return DROP_sp_wait;
}

void
pipeline_sp_after(struct conn_table *ct, struct conn *c, struct rte_mbuf *m, uint16_t l4_off)
{
	synproxy_translate(conn_sp(ct, c), CONN_DIR_OUT,
			   rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4_off));
}

void
pipeline_sp_end(struct stage *w, struct conn_table *ct, struct conn *c)
{
	struct conn_sp *sp = conn_sp(ct, c);
	struct rte_mbuf *n = sp->held;
	struct rte_ether_addr mac;
	int r;

	sp->held = NULL;
	w->sp_live--;
	if (!(c->flags & CONN_F_SP_WAIT)) {
		if (n != NULL)
			rte_pktmbuf_free(n);
		return;
	}
	/* The backend never answered: reset the client, which believes it is connected. */
	sp_ctr(w, c->svc_slot)->sp_no_answer++;
	if (n == NULL)
		n = rte_pktmbuf_alloc(w->dp->ctl_pool);
	if (n == NULL)
		return;
	if (c->flags & CONN_F_V6) {
		const struct conn6_addrs *a = conn6_addrs(ct, c);

		synproxy_to_client6(ct, c, n, sp->a + 1, sp->c);
		r = egress_resolve6(w, a->c_nh, c->c_port, &mac);
	} else {
		synproxy_to_client4(c, n, sp->a + 1, sp->c);
		r = egress_resolve(w, c->c_nh, c->c_port, &mac);
	}
	if (r < 0) {
		rte_pktmbuf_free(n);
		return;
	}
	rte_ether_addr_copy(&mac, &pkt_eth(n)->dst_addr);
	rte_ether_addr_copy(&w->dp->ports[c->c_port].mac, &pkt_eth(n)->src_addr);
	stage_tx(w, c->c_port, n);
}
