/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_FIXTURE_TCP_SEG_H
#define SLUICE_FIXTURE_TCP_SEG_H

/*
 * TCP segments of a conn for the packet fixtures that follow one byte by byte (the SYN
 * proxy's, the client address's): a segment with given numbers, options and data from the
 * client or a backend, its TCP header, its checksums checked, the options of a SYN and of an
 * established segment. Include after env.h.
 */
#include "packet/tcp_opt.h"

static uint8_t pattern[4096];

struct seg {
	bool v6;
	const char *src, *dst;
	uint16_t sport, dport;
	uint8_t flags;
	uint32_t seq, ack;
	const uint8_t *opts;
	unsigned olen;
	const uint8_t *data;
	unsigned len;
	uint16_t win;
	unsigned port; /* 0: from the client, 1: from a backend */
};

static inline struct rte_mbuf *
seg(const struct seg *s)
{
	struct fx_l4 f = { .proto = IPPROTO_TCP, .src = s->src, .dst = s->dst, .sport = s->sport,
			   .dport = s->dport, .tcp_flags = s->flags, .opts = s->opts,
			   .opts_len = s->olen, .payload = s->data, .payload_len = s->len };
	const struct rte_ether_addr *smac = s->port == 0 ? &client_mac : &be_mac;
	struct rte_mbuf *m = s->v6 ? fx_frame6(mp, smac, &port_mac[s->port], &f)
				   : fx_frame(mp, smac, &port_mac[s->port], &f);
	struct rte_tcp_hdr *th;

	th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, 14 + (s->v6 ? 40 : 20));
	th->sent_seq = rte_cpu_to_be_32(s->seq);
	th->recv_ack = rte_cpu_to_be_32(s->ack);
	th->rx_win = rte_cpu_to_be_16(s->win ? s->win : 1000);
	th->cksum = 0;
	if (s->v6)
		th->cksum = rte_ipv6_udptcp_cksum(rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14),
						  th);
	else
		th->cksum = rte_ipv4_udptcp_cksum(ip_of(m), th);
	m->port = (uint16_t)s->port;
	return m;
}

static inline struct rte_tcp_hdr *
tcp_of(struct rte_mbuf *m, bool v6)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, 14 + (v6 ? 40 : 20));
}

/* Every checksum of an IPv6 output frame is right. */
static inline void
assert_frame6_ok(struct rte_mbuf *m)
{
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14);

	assert_int_equal(rte_pktmbuf_data_len(m), 14 + 40 + rte_be_to_cpu_16(ip->payload_len));
	assert_int_equal(fx_l4_sum6(ip->src_addr, ip->dst_addr, IPPROTO_TCP, (uint8_t *)(ip + 1),
				    rte_be_to_cpu_16(ip->payload_len)), 0xffff);
}

static inline void
frame_ok(struct rte_mbuf *m, bool v6)
{
	if (v6)
		assert_frame6_ok(m);
	else
		assert_frame_ok(m);
}

/* The client's SYN options: MSS 1460, SACK-permitted, timestamps (TSval tsval), wscale 8. */
static inline unsigned
client_opts(uint8_t *buf, uint32_t tsval, bool ts, bool ws)
{
	struct tcp_syn_opts o = { .mss = 1460, .sack_ok = 1, .ts_ok = ts, .tsval = tsval,
				  .ws_ok = ws, .wscale = 8 };

	return tcp_opts_write_syn(buf, &o);
}

/* NOP NOP TS tsval tsecr: the timestamps of an established segment. */
static inline unsigned
ts_opts(uint8_t *buf, uint32_t tsval, uint32_t tsecr)
{
	struct tcp_syn_opts o = { .ts_ok = 1, .tsval = tsval, .tsecr = tsecr };

	return tcp_opts_write_syn(buf, &o);
}

#endif
