/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_SYNPROXY_H
#define SLUICE_SYNPROXY_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "common/siphash.h"
#include "defense/syncookie.h"
#include "flow/conn.h"
#include "packet/csum.h"
#include "packet/pkt.h"
#include "packet/pkt6.h"
#include "packet/stage.h"
#include "packet/tcp_opt.h"

/*
 * The SYN proxy (DPVS's synproxy, LVS's in the Alibaba kernel): a SYN to a service is
 * answered by the node itself with a SYN-ACK whose sequence number is a cookie
 * (defense/syncookie.h), and nothing is kept. Only a client that answers with the cookie
 * gets a conn: the node then opens the backend's side with a SYN of the client's options,
 * holds what data the client sends meanwhile, and once the backend answers completes its
 * handshake and lets the conn run, translating for its whole life what the two handshakes
 * made differ:
 *
 *   - sequence numbers: the client was told the cookie, the backend chose its own ISN; the
 *     backend's numbers toward the client, and the client's acknowledgements and SACK blocks
 *     toward the backend, move by the difference;
 *   - timestamps: the client got the node's, the backend sends its own; its TSval toward the
 *     client and the client's TSecr toward it move by the difference;
 *   - window scale: the client was told SYNPROXY_WSCALE; when the backend's differs, its
 *     window field toward the client is rescaled (and when the backend sent none, the
 *     client's scaled windows are unscaled toward it).
 *
 * A flood of forged SYNs thus costs the node one answer a SYN and the backends nothing. The
 * packet builders here work in place or on a fresh mbuf; the pipeline (worker/pipeline_sp.c)
 * decides when. Worker threads only.
 */

#define SYNPROXY_WSCALE 7      /* told the client, Linux's for a 6 MiB receive buffer */
#define SYNPROXY_MSS4 1460     /* told an IPv4 client: an Ethernet MTU's */
#define SYNPROXY_MSS6 1440
#define SYNPROXY_WINDOW 65535  /* the window of the node's SYN-ACK (unscaled) */
#define SYNPROXY_TTL 64
#define SYNPROXY_NO_WS 0xff

/* The cookie tuple of an IPv4 packet from the client (key as on the wire). */
static inline void
synproxy_tuple4(const struct conn_key *k, struct syncookie_tuple *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->saddr + 12, &k->saddr, 4);
	memcpy(t->daddr + 12, &k->daddr, 4);
	t->sport = k->sport;
	t->dport = k->dport;
}

static inline void
synproxy_tuple6(const struct conn_key6 *k, struct syncookie_tuple *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->saddr, k->saddr, 16);
	memcpy(t->daddr, k->daddr, 16);
	t->sport = k->sport;
	t->dport = k->dport;
}

/**
 * Translate a TCP segment th of a conn the SYN proxy opened, which came from side dir, to
 * what the other side's handshake agreed: from the client, its acknowledgement and SACK
 * blocks forward by sp->a and its TSecr back by sp->b; from the backend, its sequence
 * number back by sp->a, its TSval forward by sp->b and its window rescaled. The checksum
 * is patched, not summed again. Worker.
 */
static inline void
synproxy_translate(const struct conn_sp *sp, enum conn_dir dir, struct rte_tcp_hdr *th)
{
	uint8_t *o = (uint8_t *)(th + 1), *end = tcp_opts_end(th), *p;
	uint16_t cs = th->cksum;

	if (dir == CONN_DIR_IN) {
		if (th->tcp_flags & RTE_TCP_ACK_FLAG)
			csum_add4((uint8_t *)&th->recv_ack, sp->a, &cs);
		if (unlikely(sp->ws_in != 0)) {
			/* the backend does not scale, the client believes both do */
			uint32_t win = (uint32_t)rte_be_to_cpu_16(th->rx_win) << sp->ws_in;
			uint16_t nw = rte_cpu_to_be_16((uint16_t)(win > 0xffff ? 0xffff : win));

			cs = csum_replace2(cs, th->rx_win, nw);
			th->rx_win = nw;
		}
	} else {
		csum_add4((uint8_t *)&th->sent_seq, -sp->a, &cs);
		if (sp->ws_backend != sp->ws_client && sp->ws_backend != SYNPROXY_NO_WS) {
			uint32_t win = (uint32_t)rte_be_to_cpu_16(th->rx_win) << sp->ws_backend >>
				       sp->ws_client;
			uint16_t nw = rte_cpu_to_be_16((uint16_t)(win > 0xffff ? 0xffff : win));

			cs = csum_replace2(cs, th->rx_win, nw);
			th->rx_win = nw;
		}
	}
	/* options: SACK blocks (the client's, of the backend's sequence space) and timestamps */
	while ((p = tcp_opt_next(&o, end)) != NULL) {
		if (p[0] == TCP_OPT_TS && p[1] == 10 && sp->ts_ok) {
			if (dir == CONN_DIR_IN)
				csum_add4(p + 6, -sp->b, &cs);
			else
				csum_add4(p + 2, sp->b, &cs);
		} else if (p[0] == TCP_OPT_SACK && dir == CONN_DIR_IN) {
			uint8_t *e;

			for (e = p + 2; e + 4 <= p + p[1]; e += 4)
				csum_add4(e, sp->a, &cs);
		}
	}
	th->cksum = cs;
}

/**
 * Answer the IPv4 SYN m (p its meta; a SYN alone, of no conn) in place with the cookie
 * SYN-ACK, out of the port it came in on to the MAC it came from. 0 (queued) or a drop
 * reason. Worker.
 */
unsigned synproxy_syn_answer4(struct stage *w, const struct siphash_key *key,
			      struct rte_mbuf *m, const struct pkt_meta *p);
unsigned synproxy_syn_answer6(struct stage *w, const struct siphash_key *key,
			      struct rte_mbuf *m, const struct pkt6_meta *p);

/**
 * Whether the IPv4 ACK m (of no conn) carries a cookie of the node's: SYNCOOKIE_OK with the
 * client's SYN options in *o (its TSval from this ACK in o->tsval, the node's echoed one in
 * o->tsecr), or why not. Worker.
 */
enum syncookie_verdict synproxy_ack_check4(const struct stage *w, const struct siphash_key *key,
					   struct rte_mbuf *m, const struct pkt_meta *p,
					   struct tcp_syn_opts *o);
enum syncookie_verdict synproxy_ack_check6(const struct stage *w, const struct siphash_key *key,
					   struct rte_mbuf *m, const struct pkt6_meta *p,
					   struct tcp_syn_opts *o);

/**
 * Turn the segment m (from the client, of no conn) into a RST that answers it, out of the
 * port it came in on: sequence number its acknowledgement, no data. Worker.
 */
void synproxy_rst4(struct stage *w, struct rte_mbuf *m, const struct pkt_meta *p);
void synproxy_rst6(struct stage *w, struct rte_mbuf *m, const struct pkt6_meta *p);

/**
 * A segment as the client of conn c would send it toward the VIP (IPv4: the client's
 * addresses and ports from c; IPv6: from its conn6_addrs line), built in mbuf `n` (reset
 * here) with the given sequence and acknowledgement numbers, flags, window and options
 * (olen bytes, a multiple of 4), its checksums right and meta *sp filled, ready for the
 * mode's xmit toward the backend. Worker.
 */
void synproxy_client_segment4(const struct conn *c, struct rte_mbuf *n, uint8_t in_port,
			      uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
			      const uint8_t *opts, unsigned olen, struct pkt_meta *sp);
void synproxy_client_segment6(const struct conn_table *ct, const struct conn *c,
			      struct rte_mbuf *n, uint8_t in_port, uint32_t seq, uint32_t ack,
			      uint8_t flags, uint16_t win, const uint8_t *opts, unsigned olen,
			      struct pkt6_meta *sp);

/**
 * A segment from the VIP to conn c's client (RST|ACK: the node's reset of a client whose
 * backend never answered) in mbuf n (reset here), with sequence and acknowledgement
 * numbers seq and ack, its checksums right; the MACs are the caller's. Worker.
 */
void synproxy_to_client4(const struct conn *c, struct rte_mbuf *n, uint32_t seq, uint32_t ack);
void synproxy_to_client6(const struct conn_table *ct, const struct conn *c, struct rte_mbuf *n,
			 uint32_t seq, uint32_t ack);

#endif
