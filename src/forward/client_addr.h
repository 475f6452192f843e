/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_CLIENT_ADDR_H
#define SLUICE_CLIENT_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "common/kinds.h"
#include "flow/conn.h"
#include "forward/fwd.h"
#include "net/dp.h"
#include "net/icmp.h"
#include "net/nd.h"
#include "packet/csum.h"
#include "packet/grow.h"
#include "packet/pkt.h"
#include "packet/pkt6.h"
#include "packet/proxy_hdr.h"
#include "packet/stage.h"
#include "packet/tcp_opt.h"

/*
 * Telling a FULLNAT (or NAT64) backend who its client is (`client_address:`, DESIGN
 * section 5), in the xmit of the modes' _CA variants (SL_MODE_FULLNAT_CA, SL_MODE_NAT64_CA),
 * which the conns of such a service bind: a conn of any other service never reads this.
 *
 * PROXY protocol (v1, v2), TCP: the header goes in front of the client's first data byte,
 * as DLVS and DPVS insert it. The byte's sequence number is the client's ISN + 1, noted from
 * the SYN the conn's xmit sees (the client's, or the SYN proxy's in its name), and the
 * header's length from the conn's addresses; both are all the state there is (struct
 * conn_ca, beside the conn). Toward the backend, a segment that starts at that byte gets
 * the header in front of its data (in the same segment when the two fit the backend's MSS
 * and the link's MTU, else in a segment of its own sent just before it), and one that
 * starts after it moves forward by the header's length; toward the client, the backend's
 * acknowledgement and SACK edges past the byte move back by it (an ACK of part of the header
 * only becomes an ACK of the byte itself). So a retransmission of the first data segment
 * gets the header again, exactly once, and the stream lines up both ways for the conn's
 * life, also after it wrapped past 2^31 bytes (CA_F_FAR). Nothing is shifted before the
 * client sent data: a server that speaks first is heard by the client as it spoke, and the
 * header reaches it with the client's first byte (docs/operations.md says what that means
 * for a server that waits for the header first).
 *
 * PROXY v2, UDP: every datagram toward the backend starts with the header (DGRAM); the
 * replies are untouched.
 *
 * TOA: the option kind 254 (the client's port and address, TOA_LEN4 or TOA_LEN6 bytes) is
 * added to the SYN and to the first ACK toward the backend, where the option space (40 bytes)
 * and the MTU leave room for it; else the segment goes without and toa_skipped counts it.
 *
 * Checksums are patched, not summed again, so a segment that came with a bad one leaves
 * with a bad one (and so does a header segment made from it): the node never vouches for
 * bytes it did not check. Worker threads only.
 */

#define CA_KIND 0x3u        /* enum sl_client_addr */
#define CA_F_SEQ 0x4u       /* seq is known: the conn's SYN went through */
#define CA_F_TOA_DONE 0x8u  /* the first ACK went toward the backend (with TOA or without) */
#define CA_F_FAR 0x10u      /* the client sent 2^30 bytes past seq: every later one shifts */
#define CA_FAR (1 << 30)
#define CA_HEADROOM PROXY_V1_MAX /* the most a packet grows by */

_Static_assert(SL_CA_MAX - 1 <= CA_KIND, "a client address kind fits CA_KIND");

/**
 * Set up conn c of w's table ct (new, its mode a _CA one) to send the client address kind;
 * counted live till ca_conn_end(). Worker.
 */
static inline void
ca_conn_init(struct stage *w, struct conn_table *ct, const struct conn *c, uint8_t kind)
{
	conn_sp(ct, c)->ca = (struct conn_ca){ .kind = kind };
	w->ca_live++;
}

/** A conn of a _CA mode ends (its mode's release). Worker. */
static inline void
ca_conn_end(struct stage *w)
{
	w->ca_live--;
}

static inline struct conn_ca *
ca_of(struct stage *w, const struct conn *c)
{
	return &conn_sp((c->flags & CONN_F_V6) ? w->ct6 : w->ct, c)->ca;
}

static inline struct vs_defense *
ca_ctr(struct stage *w, const struct conn *c)
{
	return dp_svc_defense(w->dp, w->id, c->svc_slot);
}

/* The client's and the VIP's addresses of c. */
static inline void
ca_peers(struct stage *w, const struct conn *c, union addr46 *src, union addr46 *dst)
{
	if (c->flags & CONN_F_V6) {
		const struct conn6_addrs *a = conn6_addrs(w->ct6, c);

		memcpy(src->b, a->caddr, 16);
		memcpy(dst->b, a->vaddr, 16);
	} else {
		*src = addr46_from_v4(c->caddr);
		*dst = addr46_from_v4(c->vaddr);
	}
}

/* c's PROXY header of version kind into buf (PROXY_V1_MAX + 1 bytes): its length. */
static inline unsigned
ca_header(struct stage *w, const struct conn *c, unsigned kind, uint8_t *buf)
{
	union addr46 s, d;

	ca_peers(w, c, &s, &d);
	if (kind == SL_CA_PROXY_V1)
		return proxy_v1_write((char *)buf, &s, &d, c->cport, c->vport);
	return proxy_v2_write(buf, c->proto == PROTO_UDP, &s, &d, c->cport, c->vport);
}

/* m's IP header (at PKT_IP_OFF) told that its packet grew by n bytes. */
static inline void
ca_ip_grow(struct rte_mbuf *m, bool v6, uint16_t n)
{
	if (v6) {
		struct rte_ipv6_hdr *ip6 = pkt_ip6(m);

		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ip6->payload_len) + n));
	} else {
		struct rte_ipv4_hdr *ip = pkt_ip(m);
		uint16_t len = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ip->total_length) + n));

		ip->hdr_checksum = csum_replace2(ip->hdr_checksum, ip->total_length, len);
		ip->total_length = len;
	}
}

/*
 * The L4 checksum cs after the L4 length (in the pseudo header: the same 16 bits in both
 * families, the upper ones of IPv6's 32 staying 0) grew from len by n.
 */
static inline uint16_t
ca_len_sum(uint16_t cs, uint32_t len, uint16_t n)
{
	return csum_replace2(cs, rte_cpu_to_be_16((uint16_t)len), rte_cpu_to_be_16((uint16_t)(len + n)));
}

/* Add d to a TCP header's sequence number, patching its checksum. */
static inline void
ca_seq_add(struct rte_tcp_hdr *th, uint32_t d)
{
	uint16_t cs = th->cksum;

	csum_add4((uint8_t *)&th->sent_seq, d, &cs);
	th->cksum = cs;
}

/*
 * The TOA option into the segment of c at l4_off of m (*ip_len bytes of IP), after its
 * options; counted either way.
 */
static inline void
ca_toa(struct stage *w, const struct conn *c, struct rte_mbuf *m, uint16_t l4_off,
       uint16_t *ip_len, bool v6)
{
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4_off);
	uint16_t hl = (uint16_t)((th->data_off >> 4) * 4), l4_len = (uint16_t)(*ip_len - (l4_off - PKT_IP_OFF));
	uint8_t opt[TOA_LEN6], *gap;
	union addr46 s, d;
	uint16_t n, ow, nw, cs;

	ca_peers(w, c, &s, &d);
	n = (uint16_t)toa_write(opt, &s, c->cport);
	if (hl + n > 60 || *ip_len + n > w->dp->ports[c->out_port].mtu ||
	    (gap = pkt_grow(m, (uint16_t)(l4_off + hl), n)) == NULL) {
		ca_ctr(w, c)->toa_skipped++;
		return;
	}
	memcpy(gap, opt, n);
	th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4_off); /* it may have moved */
	memcpy(&ow, &th->data_off, 2);
	th->data_off = (uint8_t)(th->data_off + ((n / 4) << 4));
	memcpy(&nw, &th->data_off, 2);
	cs = csum_replace2(th->cksum, ow, nw);
	cs = ca_len_sum(cs, l4_len, n);
	th->cksum = csum_add(cs, rte_raw_cksum(opt, n));
	ca_ip_grow(m, v6, n);
	*ip_len = (uint16_t)(*ip_len + n);
	ca_ctr(w, c)->toa_added++;
}

/*
 * A segment of its own for the PROXY header hdr (n bytes): m's headers up to its data (hl
 * bytes of TCP from l4_off; payload bytes of data follow), no FIN, then hdr. Its TCP
 * checksum is m's patched (the data's sum out, the header's in, the length and flags): a
 * segment that came with a bad one gives a header segment with a bad one. NULL when no mbuf
 * is left.
 */
static inline struct rte_mbuf *
ca_segment(struct rte_mbuf *m, uint16_t l4_off, uint16_t hl, uint32_t payload, bool v6,
	   const uint8_t *hdr, uint16_t n)
{
	uint16_t head = (uint16_t)(l4_off + hl), l3_len = (uint16_t)(l4_off - PKT_IP_OFF);
	struct rte_mbuf *h = rte_pktmbuf_alloc(m->pool);
	struct rte_tcp_hdr *th;
	uint16_t ow, nw, cs;
	uint8_t *b;

	if (h == NULL)
		return NULL;
	b = (uint8_t *)rte_pktmbuf_append(h, (uint16_t)(head + n));
	if (b == NULL) {
		rte_pktmbuf_free(h);
		return NULL;
	}
	memcpy(b, rte_pktmbuf_mtod(m, uint8_t *), head);
	memcpy(b + head, hdr, n);
	h->port = m->port;
	if (v6) {
		pkt_ip6(h)->payload_len = rte_cpu_to_be_16((uint16_t)(l3_len - 40 + hl + n));
	} else {
		struct rte_ipv4_hdr *ip = pkt_ip(h);

		ip->total_length = rte_cpu_to_be_16((uint16_t)(l3_len + hl + n));
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	th = (struct rte_tcp_hdr *)(b + l4_off);
	memcpy(&ow, &th->data_off, 2);
	th->tcp_flags &= (uint8_t)~RTE_TCP_FIN_FLAG;
	memcpy(&nw, &th->data_off, 2);
	cs = csum_sub(th->cksum, rte_raw_cksum(rte_pktmbuf_mtod_offset(m, void *, head), payload));
	cs = csum_add(cs, rte_raw_cksum(hdr, n));
	cs = csum_replace2(cs, ow, nw);
	cs = csum_replace2(cs, rte_cpu_to_be_16((uint16_t)(hl + payload)),
			   rte_cpu_to_be_16((uint16_t)(hl + n)));
	th->cksum = cs;
	return h;
}

/*
 * The PROXY header in front of the data of m, a segment of c that starts at the client's
 * first byte (payload bytes of data after hl bytes of TCP at l4_off): in the segment when
 * both fit, else in *first, a segment of its own, and m's data after it. 0 or a drop reason.
 */
static inline unsigned
ca_proxy(struct stage *w, const struct conn *c, const struct conn_ca *ca, struct rte_mbuf *m,
	 uint16_t l4_off, uint16_t *ip_len, bool v6, uint32_t payload, struct rte_mbuf **first)
{
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4_off);
	uint16_t hl = (uint16_t)((th->data_off >> 4) * 4), at = (uint16_t)(l4_off + hl);
	uint32_t room = w->dp->ports[c->out_port].mtu - (uint32_t)(l4_off - PKT_IP_OFF) - hl;
	uint8_t hdr[PROXY_V1_MAX + 1], *gap;
	uint16_t n = (uint16_t)ca_header(w, c, ca->kind & CA_KIND, hdr), s, cs;

	/* RFC 6691: the MSS counts no options, so a segment's data is the MSS less them */
	if (ca->mss != 0 && (uint32_t)ca->mss - (hl - 20u) < room)
		room = ca->mss > hl - 20u ? ca->mss - (hl - 20u) : 0;
	if (payload + n <= room) {
		s = rte_raw_cksum(rte_pktmbuf_mtod_offset(m, void *, at), payload);
		gap = pkt_grow(m, at, n);
		if (likely(gap != NULL)) {
			memcpy(gap, hdr, n);
			th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4_off);
			cs = th->cksum;
			/* an odd header moves the data to odd offsets: its sum byte-swapped */
			if (n & 1)
				cs = csum_add(csum_sub(cs, s), rte_bswap16(s));
			cs = csum_add(cs, rte_raw_cksum(hdr, n));
			th->cksum = ca_len_sum(cs, hl + payload, n);
			ca_ip_grow(m, v6, n);
			*ip_len = (uint16_t)(*ip_len + n);
			ca_ctr(w, c)->ca_headers++;
			return 0;
		}
	}
	*first = ca_segment(m, l4_off, hl, payload, v6, hdr, n);
	if (*first == NULL)
		return DROP_no_room;
	ca_seq_add(th, n);
	ca_ctr(w, c)->ca_headers++;
	ca_ctr(w, c)->ca_split++;
	return 0;
}

/**
 * The client address on a TCP segment of conn c from its client (in m, *ip_len bytes of IP,
 * TCP at l4_off), before the mode sends it toward the backend: the SYN noted (and given TOA),
 * the first ACK given TOA, the PROXY header put in front of the first data byte, a later
 * segment's sequence number moved past the header. *first: NULL, or a segment with the
 * header alone, to send before m. 0 or a drop reason. Worker.
 */
static inline unsigned
ca_tcp_in(struct stage *w, const struct conn *c, struct rte_mbuf *m, uint16_t l4_off,
	  uint16_t *ip_len, bool v6, struct rte_mbuf **first)
{
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4_off);
	struct conn_ca *ca = ca_of(w, c);
	unsigned kind = ca->kind & CA_KIND;
	uint32_t l4_len = (uint32_t)*ip_len - (l4_off - PKT_IP_OFF), hl = (th->data_off >> 4) * 4u;
	int32_t d;

	*first = NULL;
	if (unlikely(kind == SL_CA_NONE))
		return 0;
	if (unlikely(th->tcp_flags & RTE_TCP_SYN_FLAG)) {
		if (th->tcp_flags & RTE_TCP_ACK_FLAG)
			return 0; /* no client sends one; left as it is */
		ca->seq = rte_be_to_cpu_32(th->sent_seq) + 1;
		ca->kind = (uint8_t)(kind | CA_F_SEQ); /* a new handshake: TOA to send again */
		if (kind == SL_CA_TOA) {
			ca_toa(w, c, m, l4_off, ip_len, v6);
		} else {
			uint8_t hdr[PROXY_V1_MAX + 1];

			ca->len = (uint8_t)ca_header(w, c, kind, hdr);
		}
		return 0;
	}
	if (unlikely(!(ca->kind & CA_F_SEQ)))
		return 0; /* its SYN never came this way: nothing to line up with */
	if (kind == SL_CA_TOA) {
		if (unlikely(!(ca->kind & CA_F_TOA_DONE)) && (th->tcp_flags & RTE_TCP_ACK_FLAG)) {
			ca->kind |= CA_F_TOA_DONE;
			ca_toa(w, c, m, l4_off, ip_len, v6);
		}
		return 0;
	}
	d = (int32_t)(rte_be_to_cpu_32(th->sent_seq) - ca->seq);
	if (likely(d > 0 || (ca->kind & CA_F_FAR))) {
		if (unlikely(d > CA_FAR))
			ca->kind |= CA_F_FAR;
		ca_seq_add(th, ca->len);
		return 0;
	}
	if (d < 0 || l4_len <= hl)
		return 0; /* before the first byte, or no data at it: nothing moves */
	return ca_proxy(w, c, ca, m, l4_off, ip_len, v6, l4_len - hl, first);
}

/* A client's sequence number a as the backend acknowledged it, in the client's numbers. */
static inline uint32_t
ca_back(const struct conn_ca *ca, uint32_t a)
{
	int32_t d = (int32_t)(a - ca->seq);

	if (likely(d >= ca->len || (ca->kind & CA_F_FAR)))
		return a - ca->len;
	return d > 0 ? ca->seq : a; /* part of the header only: the first byte is still due */
}

/* Replace the 32-bit big-endian field at p (any alignment) by ca_back() of it, patching *cs. */
static inline void
ca_back_field(const struct conn_ca *ca, uint8_t *p, uint16_t *cs)
{
	uint32_t old;

	memcpy(&old, p, 4);
	csum_set4(p, rte_cpu_to_be_32(ca_back(ca, rte_be_to_cpu_32(old))), cs);
}

/**
 * An ICMP error from the backend's side quotes a segment the node sent it (q: what
 * forward/fwd_icmp.c found): its sequence number, in the backend's numbers, back to the
 * client's, as the backend's ACKs are, and the quote's checksum patched when it reaches it;
 * so the client's stack takes the error as about a segment it has in flight (Linux ignores
 * an error whose quoted number is outside snd_una..snd_nxt: a fragmentation-needed would be
 * lost). Worker.
 */
static inline void
ca_icmp_quote(struct stage *w, const struct conn *c, const struct fwd_icmp *q)
{
	const struct conn_ca *ca = ca_of(w, c);
	uint8_t *seq = fwd_quote_seq(q);
	uint32_t v;

	if (c->proto != PROTO_TCP || ca->len == 0 || !(ca->kind & CA_F_SEQ) || seq == NULL)
		return;
	memcpy(&v, seq, 4);
	fwd_quote_set4(seq, rte_cpu_to_be_32(ca_back(ca, rte_be_to_cpu_32(v))), q->l4sum);
}

/**
 * The client address on a TCP segment th of conn c from its backend, before the mode sends
 * it toward the client: a SYN-ACK's MSS noted; the acknowledgement and SACK edges moved back
 * past the PROXY header. Worker.
 */
static inline void
ca_tcp_out(struct stage *w, const struct conn *c, struct rte_tcp_hdr *th)
{
	struct conn_ca *ca = ca_of(w, c);
	uint8_t *o, *end, *p;
	uint16_t cs;

	if (unlikely(th->tcp_flags & RTE_TCP_SYN_FLAG)) {
		struct tcp_syn_opts so;

		tcp_opts_parse_syn(th, &so);
		ca->mss = so.mss;
		return;
	}
	if (ca->len == 0 || !(ca->kind & CA_F_SEQ) || !(th->tcp_flags & RTE_TCP_ACK_FLAG))
		return; /* TOA, or nothing that moved */
	cs = th->cksum;
	ca_back_field(ca, (uint8_t *)&th->recv_ack, &cs);
	o = (uint8_t *)(th + 1);
	end = tcp_opts_end(th);
	while (unlikely(o < end) && (p = tcp_opt_next(&o, end)) != NULL) {
		uint8_t *e;

		if (p[0] != TCP_OPT_SACK)
			continue;
		for (e = p + 2; e + 4 <= p + p[1]; e += 4)
			ca_back_field(ca, e, &cs);
	}
	th->cksum = cs;
}

/**
 * The PROXY v2 header (DGRAM) in front of a UDP datagram of conn c from its client (m,
 * *ip_len bytes of IP, UDP at l4_off). 0, or a drop reason: DROP_too_big (the client told,
 * by p4 or p6, the MTU that leaves room), DROP_too_big_no_df (an IPv4 datagram that may be
 * fragmented: sluice does not fragment) or DROP_no_room. Worker.
 */
static inline unsigned
ca_udp_in(struct stage *w, const struct conn *c, struct rte_mbuf *m, uint16_t l4_off,
	  uint16_t *ip_len, const struct pkt_meta *p4, const struct pkt6_meta *p6)
{
	uint16_t mtu = w->dp->ports[c->out_port].mtu, n, len, cs;
	uint8_t hdr[PROXY_V2_LEN6], *gap;
	struct rte_udp_hdr *uh;
	bool v6 = p6 != NULL;

	if ((ca_of(w, c)->kind & CA_KIND) != SL_CA_PROXY_V2)
		return 0;
	n = (uint16_t)ca_header(w, c, SL_CA_PROXY_V2, hdr);
	if (unlikely((unsigned)*ip_len + n > mtu)) {
		/* as TUN does: the client told the MTU that fits, where it can be told */
		if (v6) {
			icmp6_send_error(w, m, p6, ICMP6_PACKET_TOO_BIG, 0, (uint32_t)(mtu - n));
		} else {
			if (!(pkt_ip(m)->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)))
				return DROP_too_big_no_df;
			icmp_send_error(w, m, p4, ICMP4_DEST_UNREACH, ICMP4_FRAG_NEEDED,
					rte_cpu_to_be_32((uint32_t)(mtu - n)));
		}
		return DROP_too_big;
	}
	gap = pkt_grow(m, (uint16_t)(l4_off + sizeof(*uh)), n);
	if (unlikely(gap == NULL))
		return DROP_no_room;
	memcpy(gap, hdr, n);
	uh = rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, l4_off);
	len = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(uh->dgram_len) + n));
	cs = uh->dgram_cksum;
	if (cs != 0) { /* IPv4's "no checksum" stays so */
		/* the length is in the pseudo header and in the UDP header: twice */
		cs = csum_replace2(cs, uh->dgram_len, len);
		cs = csum_replace2(cs, uh->dgram_len, len);
		cs = csum_add(cs, rte_raw_cksum(hdr, n));
		uh->dgram_cksum = cs ? cs : 0xffff;
	}
	uh->dgram_len = len;
	ca_ip_grow(m, v6, n);
	*ip_len = (uint16_t)(*ip_len + n);
	ca_ctr(w, c)->ca_headers++;
	return 0;
}

typedef int (*ca_xmit4_fn)(struct stage *w, struct conn *c, struct rte_mbuf *m,
			   struct pkt_meta *p);
typedef int (*ca_xmit6_fn)(struct stage *w, struct conn *c, struct rte_mbuf *m,
			   struct pkt6_meta *p);

/**
 * A packet m of conn c from its client, given the client address and sent by the mode's own
 * xmit: x4 with its IPv4 meta p4, or x6 with its IPv6 meta p6 (the other NULL). A header in
 * a segment of its own goes first. 0 or a drop reason (m the caller's). Worker.
 */
static inline int
ca_xmit_in(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p4,
	   struct pkt6_meta *p6, ca_xmit4_fn x4, ca_xmit6_fn x6)
{
	bool v6 = p6 != NULL;
	uint16_t l4_off = v6 ? p6->l4_off : p4->l4_off, *ip_len = v6 ? &p6->ip_len : &p4->ip_len;
	struct rte_mbuf *h = NULL;
	unsigned r;
	int e;

	if (c->proto == PROTO_UDP)
		r = ca_udp_in(w, c, m, l4_off, ip_len, p4, p6);
	else
		r = ca_tcp_in(w, c, m, l4_off, ip_len, v6, &h);
	if (unlikely(r))
		return (int)r;
	if (unlikely(h != NULL)) {
		/* the header's own segment: m's meta but for its length and flags */
		uint8_t fl = rte_pktmbuf_mtod_offset(h, struct rte_tcp_hdr *, l4_off)->tcp_flags;

		if (v6) {
			struct pkt6_meta hp = *p6;

			hp.ip_len = (uint16_t)(40 + rte_be_to_cpu_16(pkt_ip6(h)->payload_len));
			hp.tcp_flags = fl;
			e = x6(w, c, h, &hp);
		} else {
			struct pkt_meta hp = *p4;

			hp.ip_len = rte_be_to_cpu_16(pkt_ip(h)->total_length);
			hp.tcp_flags = fl;
			e = x4(w, c, h, &hp);
		}
		if (unlikely(e))
			stage_drop(w, h, (unsigned)e);
	}
	return v6 ? x6(w, c, m, p6) : x4(w, c, m, p4);
}

#endif
