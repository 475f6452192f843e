/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_FIXTURE_H
#define SLUICE_FIXTURE_H

#include <arpa/inet.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <rte_icmp.h>

/*
 * Frame builders for the packet fixtures and the benchmark: correct frames with real
 * checksums, which a test then breaks on purpose where it needs a bad one.
 */

struct fx_l4 {
	uint8_t proto;        /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP */
	const char *src;      /* dotted */
	const char *dst;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	const uint8_t *opts;  /* TCP options, a multiple of 4 bytes */
	unsigned opts_len;
	const void *payload;
	unsigned payload_len;
	uint8_t ttl;          /* 0 means 64 */
};

static inline uint32_t
fx_ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* The TCP or UDP header of f at l4 (l4len bytes, options included), then its payload; the
 * checksum is the caller's, over its own IP header. */
static inline void
fx_l4_fill(uint8_t *l4, const struct fx_l4 *f, unsigned l4len)
{
	if (f->payload_len)
		memcpy(l4 + l4len, f->payload, f->payload_len);
	if (f->proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)l4;

		th->src_port = rte_cpu_to_be_16(f->sport);
		th->dst_port = rte_cpu_to_be_16(f->dport);
		th->sent_seq = RTE_BE32(1000);
		th->recv_ack = (f->tcp_flags & RTE_TCP_ACK_FLAG) ? RTE_BE32(2000) : 0;
		th->data_off = (uint8_t)((l4len / 4) << 4);
		th->tcp_flags = f->tcp_flags;
		th->rx_win = RTE_BE16(64240);
		if (f->opts_len)
			memcpy(th + 1, f->opts, f->opts_len);
	} else if (f->proto == IPPROTO_UDP) {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)l4;

		uh->src_port = rte_cpu_to_be_16(f->sport);
		uh->dst_port = rte_cpu_to_be_16(f->dport);
		uh->dgram_len = rte_cpu_to_be_16((uint16_t)(l4len + f->payload_len));
	}
}

static inline struct rte_mbuf *
fx_frame(struct rte_mempool *mp, const struct rte_ether_addr *src_mac,
	 const struct rte_ether_addr *dst_mac, const struct fx_l4 *f)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	unsigned l4len;
	uint8_t *p;
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;

	if (f->proto == IPPROTO_TCP)
		l4len = sizeof(struct rte_tcp_hdr) + f->opts_len;
	else if (f->proto == IPPROTO_UDP)
		l4len = sizeof(struct rte_udp_hdr);
	else
		l4len = sizeof(struct rte_icmp_hdr);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(sizeof(*eth) + sizeof(*ip) + l4len +
						       f->payload_len));
	if (p == NULL)
		return m;
	memset(p, 0, sizeof(*eth) + sizeof(*ip) + l4len);
	eth = (struct rte_ether_hdr *)p;
	eth->src_addr = *src_mac;
	eth->dst_addr = *dst_mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4len + f->payload_len));
	ip->packet_id = RTE_BE16(0x1234);
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = f->ttl ? f->ttl : 64;
	ip->next_proto_id = f->proto;
	ip->src_addr = fx_ip(f->src);
	ip->dst_addr = fx_ip(f->dst);
	fx_l4_fill((uint8_t *)(ip + 1), f, l4len);
	if (f->proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	} else if (f->proto == IPPROTO_UDP) {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ip + 1);

		uh->dgram_cksum = rte_ipv4_udptcp_cksum(ip, uh);
	} else {
		struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip + 1);

		ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
		ic->icmp_ident = RTE_BE16(7);
		ic->icmp_seq_nb = RTE_BE16(1);
		ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, l4len + f->payload_len);
	}
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return m;
}

/* An IPv6 L4 checksum (of protocol proto) summed from scratch: 0xffff when it is right. */
static inline uint16_t
fx_l4_sum6(const uint8_t *src, const uint8_t *dst, uint8_t proto, const uint8_t *l4,
	   unsigned len)
{
	uint32_t s = 0;
	unsigned i;

	for (i = 0; i < 16; i += 2)
		s += (uint32_t)(src[i] << 8 | src[i + 1]) + (uint32_t)(dst[i] << 8 | dst[i + 1]);
	s += len + proto;
	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(l4[i] << 8 | l4[i + 1]);
	if (len & 1)
		s += (uint32_t)l4[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The ICMPv6 checksum, summed from scratch: 0xffff when a message is right. */
static inline uint16_t
fx_sum6(const uint8_t *src, const uint8_t *dst, const uint8_t *l4, unsigned len)
{
	return fx_l4_sum6(src, dst, 58, l4, len);
}

/* An ICMPv6 frame from src to dst (IPv6 texts), body of len bytes, its checksum set. */
static inline struct rte_mbuf *
fx_icmp6(struct rte_mempool *mp, const struct rte_ether_addr *src_mac,
	 const struct rte_ether_addr *dst_mac, const char *src, const char *dst, uint8_t hlim,
	 const uint8_t *body, unsigned len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t *b = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(14 + 40 + len));
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)b;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(b + 14);
	uint16_t cs;

	if (b == NULL)
		return m;
	memset(b, 0, 14 + 40);
	eth->dst_addr = *dst_mac;
	eth->src_addr = *src_mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip->vtc_flow = RTE_BE32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)len);
	ip->proto = 58;
	ip->hop_limits = hlim;
	inet_pton(AF_INET6, src, ip->src_addr);
	inet_pton(AF_INET6, dst, ip->dst_addr);
	memcpy(b + 54, body, len);
	b[56] = b[57] = 0;
	cs = rte_cpu_to_be_16((uint16_t)~fx_sum6(ip->src_addr, ip->dst_addr, b + 54, len));
	memcpy(b + 56, &cs, 2);
	return m;
}

/* fx_frame() over IPv6: f->src and f->dst are IPv6 texts, f->ttl the hop limit; TCP or UDP. */
static inline struct rte_mbuf *
fx_frame6(struct rte_mempool *mp, const struct rte_ether_addr *src_mac,
	  const struct rte_ether_addr *dst_mac, const struct fx_l4 *f)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	unsigned l4len = f->proto == IPPROTO_TCP ? sizeof(struct rte_tcp_hdr) + f->opts_len
						 : sizeof(struct rte_udp_hdr);
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip;
	uint8_t *p;

	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(sizeof(*eth) + sizeof(*ip) + l4len +
						       f->payload_len));
	if (p == NULL)
		return m;
	memset(p, 0, sizeof(*eth) + sizeof(*ip) + l4len);
	eth = (struct rte_ether_hdr *)p;
	eth->src_addr = *src_mac;
	eth->dst_addr = *dst_mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip = (struct rte_ipv6_hdr *)(eth + 1);
	ip->vtc_flow = RTE_BE32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)(l4len + f->payload_len));
	ip->proto = f->proto;
	ip->hop_limits = f->ttl ? f->ttl : 64;
	inet_pton(AF_INET6, f->src, ip->src_addr);
	inet_pton(AF_INET6, f->dst, ip->dst_addr);
	fx_l4_fill((uint8_t *)(ip + 1), f, l4len);
	if (f->proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

		th->cksum = rte_ipv6_udptcp_cksum(ip, th);
	} else {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ip + 1);

		uh->dgram_cksum = rte_ipv6_udptcp_cksum(ip, uh);
	}
	return m;
}

static inline struct rte_mbuf *
fx_arp(struct rte_mempool *mp, const struct rte_ether_addr *src_mac, uint16_t op,
       const char *sip, const char *tip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ether_hdr *eth =
		(struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(struct rte_arp_hdr));
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);

	if (eth == NULL)
		return m;
	memset((void *)eth, 0, sizeof(*eth) + sizeof(*arp));
	eth->src_addr = *src_mac;
	memset(&eth->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = 6;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(op);
	arp->arp_data.arp_sha = *src_mac;
	arp->arp_data.arp_sip = fx_ip(sip);
	arp->arp_data.arp_tip = fx_ip(tip);
	return m;
}

#endif
