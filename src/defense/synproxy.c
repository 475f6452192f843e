/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include <rte_ip.h>

#include "defense/synproxy.h"
#include "net/dp.h"

/*
 * The SYN proxy's packets: the cookie SYN-ACK and the RST, both made in place of what came
 * in and sent back where it came from (the stateless answers: no conn, no route lookup, the
 * frame's own source MAC), and the segments the node sends the backend in the client's name.
 */

/* Set m to len bytes of frame; false when it cannot grow that far. */
static bool
frame_len(struct rte_mbuf *m, unsigned len)
{
	unsigned have = rte_pktmbuf_data_len(m);

	if (have > len)
		return rte_pktmbuf_trim(m, (uint16_t)(have - len)) == 0;
	return have == len || rte_pktmbuf_append(m, (uint16_t)(len - have)) != NULL;
}

/* Back out of the port m came in on, to the MAC it came from. */
static void
bounce(struct stage *w, struct rte_mbuf *m, uint8_t in_port)
{
	struct rte_ether_hdr *eth = pkt_eth(m);

	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&w->dp->ports[in_port].mac, &eth->src_addr);
	m->ol_flags = 0;
	stage_tx(w, in_port, m);
}

/* The options of the node's SYN-ACK to a client whose SYN asked for in. */
static unsigned
synack_opts(const struct stage *w, const struct tcp_syn_opts *in, uint16_t mss, uint8_t *buf)
{
	struct tcp_syn_opts out = { .mss = mss, .sack_ok = in->sack_ok };

	if (in->ws_ok) {
		out.ws_ok = 1;
		out.wscale = SYNPROXY_WSCALE;
	}
	if (in->ts_ok) {
		out.ts_ok = 1;
		out.tsval = (uint32_t)w->now_ms;
		out.tsecr = in->tsval;
	}
	return tcp_opts_write_syn(buf, &out);
}

/* The TCP header of a SYN-ACK (cookie, the client's isn) or RST, ports swapped. */
static void
turn_tcp(struct rte_tcp_hdr *th, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
	 const uint8_t *opts, unsigned olen)
{
	uint16_t port = th->src_port;

	th->src_port = th->dst_port;
	th->dst_port = port;
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)(((20 + olen) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(win);
	th->tcp_urp = 0;
	th->cksum = 0;
	if (olen)
		memcpy(th + 1, opts, olen);
}

/* The IPv4 header of a packet sent back to ip's source, l4len bytes after it. */
static void
turn_ip4(struct rte_ipv4_hdr *ip, unsigned l4len)
{
	uint32_t a = ip->src_addr;

	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->version_ihl = 0x45;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + l4len));
	ip->packet_id = 0;
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = SYNPROXY_TTL;
	ip->next_proto_id = IPPROTO_TCP;
	ip->hdr_checksum = 0;
}

static void
turn_ip6(struct rte_ipv6_hdr *ip, unsigned l4len)
{
	uint8_t a[16];

	memcpy(a, ip->src_addr, 16);
	memcpy(ip->src_addr, ip->dst_addr, 16);
	memcpy(ip->dst_addr, a, 16);
	ip->vtc_flow = RTE_BE32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)l4len);
	ip->proto = IPPROTO_TCP;
	ip->hop_limits = SYNPROXY_TTL;
}

/*
 * The SYN-ACK of the SYN in m, in place: its TCP header *th moved to right after an IP
 * header of ip_hlen bytes (IPv6 extension headers are not kept), the cookie for tuple t,
 * the node's options (MSS mss) written, the frame cut or grown to fit. The IP header and
 * the checksums are the caller's. 0 or DROP_no_room.
 */
static unsigned
synack_tcp(struct stage *w, const struct siphash_key *key, struct rte_mbuf *m,
	   struct rte_tcp_hdr **th, unsigned ip_hlen, const struct syncookie_tuple *t,
	   uint16_t mss, unsigned *l4len)
{
	struct rte_tcp_hdr *at = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *,
							 PKT_IP_OFF + ip_hlen);
	uint32_t isn = rte_be_to_cpu_32((*th)->sent_seq);
	uint8_t opts[TCP_SYN_OPT_LEN];
	struct tcp_syn_opts in;
	unsigned olen;

	tcp_opts_parse_syn(*th, &in);
	if (*th != at)
		memmove(at, *th, 20);
	*th = at;
	olen = synack_opts(w, &in, mss, opts);
	if (!frame_len(m, PKT_IP_OFF + ip_hlen + 20 + olen))
		return DROP_no_room;
	turn_tcp(at, syncookie_make(key, t, isn, &in, w->now_ms), isn + 1,
		 RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, SYNPROXY_WINDOW, opts, olen);
	*l4len = 20 + olen;
	return 0;
}

unsigned
synproxy_syn_answer4(struct stage *w, const struct siphash_key *key, struct rte_mbuf *m,
		     const struct pkt_meta *p)
{
	struct rte_ipv4_hdr *ip = pkt_ip(m);
	struct rte_tcp_hdr *th = pkt_l4(m, p);
	struct syncookie_tuple t;
	unsigned r, l4len;

	synproxy_tuple4(&p->key, &t);
	r = synack_tcp(w, key, m, &th, 20, &t, SYNPROXY_MSS4, &l4len);
	if (r != 0)
		return r;
	turn_ip4(ip, l4len);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	bounce(w, m, p->in_port);
	return 0;
}

unsigned
synproxy_syn_answer6(struct stage *w, const struct siphash_key *key, struct rte_mbuf *m,
		     const struct pkt6_meta *p)
{
	struct rte_ipv6_hdr *ip = pkt_ip6(m);
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, p->l4_off);
	struct syncookie_tuple t;
	unsigned r, l4len;

	synproxy_tuple6(&p->key, &t);
	r = synack_tcp(w, key, m, &th, 40, &t, SYNPROXY_MSS6, &l4len);
	if (r != 0)
		return r;
	turn_ip6(ip, l4len);
	th->cksum = rte_ipv6_udptcp_cksum(ip, th);
	bounce(w, m, p->in_port);
	return 0;
}

/* The verdict on a cookie ACK th of tuple t, the client's options and timestamps in *o. */
static enum syncookie_verdict
ack_check(const struct stage *w, const struct siphash_key *key, const struct syncookie_tuple *t,
	  const struct rte_tcp_hdr *th, struct tcp_syn_opts *o)
{
	enum syncookie_verdict v = syncookie_check(key, t, rte_be_to_cpu_32(th->recv_ack) - 1,
						   rte_be_to_cpu_32(th->sent_seq) - 1, w->now_ms,
						   o);
	uint8_t len, *ts;
	uint32_t v32;

	if (v != SYNCOOKIE_OK)
		return v;
	ts = o->ts_ok ? tcp_opt_find(th, TCP_OPT_TS, &len) : NULL;
	if (ts != NULL && len == 10) {
		memcpy(&v32, ts + 2, 4);
		o->tsval = rte_be_to_cpu_32(v32);
		memcpy(&v32, ts + 6, 4);
		o->tsecr = rte_be_to_cpu_32(v32);
	} else {
		o->ts_ok = 0; /* it asked for timestamps and sends none: go on without */
	}
	return SYNCOOKIE_OK;
}

enum syncookie_verdict
synproxy_ack_check4(const struct stage *w, const struct siphash_key *key, struct rte_mbuf *m,
		    const struct pkt_meta *p, struct tcp_syn_opts *o)
{
	struct syncookie_tuple t;

	synproxy_tuple4(&p->key, &t);
	return ack_check(w, key, &t, pkt_l4(m, p), o);
}

enum syncookie_verdict
synproxy_ack_check6(const struct stage *w, const struct siphash_key *key, struct rte_mbuf *m,
		    const struct pkt6_meta *p, struct tcp_syn_opts *o)
{
	struct syncookie_tuple t;

	synproxy_tuple6(&p->key, &t);
	return ack_check(w, key, &t, rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, p->l4_off),
			 o);
}

void
synproxy_rst4(struct stage *w, struct rte_mbuf *m, const struct pkt_meta *p)
{
	struct rte_ipv4_hdr *ip = pkt_ip(m);
	struct rte_tcp_hdr *th = pkt_l4(m, p);

	if (!frame_len(m, PKT_IP_OFF + 40)) {
		stage_drop(w, m, DROP_no_room);
		return;
	}
	turn_tcp(th, rte_be_to_cpu_32(th->recv_ack), 0, RTE_TCP_RST_FLAG, 0, NULL, 0);
	turn_ip4(ip, 20);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	bounce(w, m, p->in_port);
}

void
synproxy_rst6(struct stage *w, struct rte_mbuf *m, const struct pkt6_meta *p)
{
	struct rte_ipv6_hdr *ip = pkt_ip6(m);
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, p->l4_off);

	if (p->l4_off != PKT_IP_OFF + 40) {
		memmove(ip + 1, th, 20);
		th = (struct rte_tcp_hdr *)(ip + 1);
	}
	if (!frame_len(m, PKT_IP_OFF + 60)) {
		stage_drop(w, m, DROP_no_room);
		return;
	}
	turn_tcp(th, rte_be_to_cpu_32(th->recv_ack), 0, RTE_TCP_RST_FLAG, 0, NULL, 0);
	turn_ip6(ip, 20);
	th->cksum = rte_ipv6_udptcp_cksum(ip, th);
	bounce(w, m, p->in_port);
}

/* The TCP header of a segment in the client's name, its checksum the caller's. */
static void
client_tcp(struct rte_tcp_hdr *th, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
	   uint8_t flags, uint16_t win, const uint8_t *opts, unsigned olen)
{
	th->src_port = sport;
	th->dst_port = dport;
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)(((20 + olen) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(win);
	if (olen)
		memcpy(th + 1, opts, olen);
}

/* Mbuf n reset to a zeroed frame of len bytes with the given EtherType; its IP header. */
static void *
blank_frame(struct rte_mbuf *n, unsigned len, uint16_t ether_type)
{
	struct rte_ether_hdr *eth;

	rte_pktmbuf_reset(n);
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(n, (uint16_t)len);
	memset(eth, 0, len);
	eth->ether_type = rte_cpu_to_be_16(ether_type);
	return eth + 1;
}

void
synproxy_client_segment4(const struct conn *c, struct rte_mbuf *n, uint8_t in_port,
			 uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
			 const uint8_t *opts, unsigned olen, struct pkt_meta *sp)
{
	struct rte_ipv4_hdr *ip = blank_frame(n, PKT_IP_OFF + 40 + olen, RTE_ETHER_TYPE_IPV4);
	struct rte_tcp_hdr *th;

	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(40 + olen));
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = SYNPROXY_TTL;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = c->caddr;
	ip->dst_addr = c->vaddr;
	th = (struct rte_tcp_hdr *)(ip + 1);
	client_tcp(th, c->cport, c->vport, seq, ack, flags, win, opts, olen);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	*sp = (struct pkt_meta){
		.key = { .saddr = c->caddr, .daddr = c->vaddr, .sport = c->cport,
			 .dport = c->vport, .proto = IPPROTO_TCP },
		.l4_off = PKT_IP_OFF + 20, .ip_len = (uint16_t)(40 + olen), .kind = PKT_IPV4,
		.tcp_flags = flags, .in_port = in_port,
	};
}

void
synproxy_client_segment6(const struct conn_table *ct, const struct conn *c,
			 struct rte_mbuf *n, uint8_t in_port, uint32_t seq, uint32_t ack,
			 uint8_t flags, uint16_t win, const uint8_t *opts, unsigned olen,
			 struct pkt6_meta *sp)
{
	const struct conn6_addrs *a = conn6_addrs(ct, c);
	struct rte_ipv6_hdr *ip = blank_frame(n, PKT_IP_OFF + 60 + olen, RTE_ETHER_TYPE_IPV6);
	struct rte_tcp_hdr *th;

	ip->vtc_flow = RTE_BE32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)(20 + olen));
	ip->proto = IPPROTO_TCP;
	ip->hop_limits = SYNPROXY_TTL;
	memcpy(ip->src_addr, a->caddr, 16);
	memcpy(ip->dst_addr, a->vaddr, 16);
	th = (struct rte_tcp_hdr *)(ip + 1);
	client_tcp(th, c->cport, c->vport, seq, ack, flags, win, opts, olen);
	th->cksum = rte_ipv6_udptcp_cksum(ip, th);
	memset(sp, 0, sizeof(*sp));
	memcpy(sp->key.saddr, a->caddr, 16);
	memcpy(sp->key.daddr, a->vaddr, 16);
	sp->key.sport = c->cport;
	sp->key.dport = c->vport;
	sp->key.proto = IPPROTO_TCP;
	sp->l4_off = PKT_IP_OFF + 40;
	sp->ip_len = (uint16_t)(60 + olen);
	sp->tcp_flags = flags;
	sp->in_port = in_port;
}

void
synproxy_to_client4(const struct conn *c, struct rte_mbuf *n, uint32_t seq, uint32_t ack)
{
	struct pkt_meta unused;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;

	synproxy_client_segment4(c, n, c->c_port, 0, 0, 0, 0, NULL, 0, &unused);
	ip = pkt_ip(n);
	th = (struct rte_tcp_hdr *)(ip + 1);
	turn_tcp(th, seq, ack, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0, NULL, 0);
	turn_ip4(ip, 20);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

void
synproxy_to_client6(const struct conn_table *ct, const struct conn *c, struct rte_mbuf *n,
		    uint32_t seq, uint32_t ack)
{
	struct pkt6_meta unused;
	struct rte_ipv6_hdr *ip;
	struct rte_tcp_hdr *th;

	synproxy_client_segment6(ct, c, n, c->c_port, 0, 0, 0, 0, NULL, 0, &unused);
	ip = pkt_ip6(n);
	th = (struct rte_tcp_hdr *)(ip + 1);
	turn_tcp(th, seq, ack, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0, NULL, 0);
	turn_ip6(ip, 20);
	th->cksum = rte_ipv6_udptcp_cksum(ip, th);
}
