/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_PKT6_H
#define SLUICE_PKT6_H

#include <stdint.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "common/drop.h"
#include "packet/pkt.h"

/*
 * IPv6 parsing, as pkt_parse() does IPv4: a frame that does not parse is dropped with the
 * reason of the first check it fails; what passes has its L4 header inside the payload and
 * the payload inside the frame. Extension headers are walked to the L4 header: hop-by-hop
 * options (first only), destination options, a routing header with no segments left and an
 * atomic fragment (RFC 8200 4.5, RFC 6946) are stepped over; a real fragment is
 * ip_fragment (no reassembly), a routing header that still routes, AH, ESP, another
 * extension header or a chain longer than PKT6_EXT_MAX is ip6_ext_header; no next header
 * or an L4 protocol other than TCP, UDP and ICMPv6 is unsupported_proto.
 */

#define PKT6_EXT_MAX 8
#define PKT6_IP_LEN ((uint16_t)sizeof(struct rte_ipv6_hdr))

enum {
	IP6_HOPOPTS = 0,
	IP6_ROUTING = 43,
	IP6_FRAGMENT = 44,
	IP6_ESP = 50,
	IP6_AH = 51,
	IP6_ICMPV6 = 58,
	IP6_NONE = 59,
	IP6_DSTOPTS = 60,
};

/** The lookup key of an IPv6 conn: 40 bytes, padding zeroed. */
struct conn_key6 {
	uint8_t saddr[16];
	uint8_t daddr[16];
	uint16_t sport;
	uint16_t dport;
	uint8_t proto;
	uint8_t pad[3];
} __attribute__((aligned(4)));

struct pkt6_meta {
	struct conn_key6 key;  /* 5-tuple as seen on the wire (ICMPv6: ports 0) */
	uint16_t l4_off;       /* offset of the L4 header from the frame start */
	uint16_t ip_len;       /* 40 + the payload length */
	uint8_t tcp_flags;
	uint8_t in_port;       /* index of the port in struct dp */
};

/* Whether t is an extension header (IANA's list, RFC 7045): AH, ESP, Mobility, HIP, Shim6
 * and the experimental 253/254 included, which sluice does not step over. */
static inline int
pkt6_is_ext(uint8_t t)
{
	return t == IP6_HOPOPTS || t == IP6_ROUTING || t == IP6_FRAGMENT || t == IP6_ESP ||
	       t == IP6_AH || t == IP6_DSTOPTS || t == 135 || t == 139 || t == 140 || t == 253 ||
	       t == 254;
}

/**
 * The one's-complement sum of len bytes of ICMPv6 at l4 with the pseudo header of ip (RFC
 * 8200 8.1): 0xffff when the message's checksum is right; its complement is the checksum
 * to store in a message whose checksum field is zero. Any thread.
 */
static inline uint16_t
pkt6_icmp_sum(const struct rte_ipv6_hdr *ip, const void *l4, uint32_t len)
{
	uint32_t sum = 0, hdr[2] = { rte_cpu_to_be_32(len), rte_cpu_to_be_32(IP6_ICMPV6) };

	sum = __rte_raw_cksum(ip->src_addr, 16, sum);
	sum = __rte_raw_cksum(ip->dst_addr, 16, sum);
	sum = __rte_raw_cksum(hdr, sizeof(hdr), sum);
	sum = __rte_raw_cksum(l4, len, sum);
	return (uint16_t)__rte_raw_cksum_reduce(sum);
}

/**
 * Write, at ip, the IPv6 header (traffic class tc, hop limit 64, src -> dst) and the first 8
 * bytes of an ICMPv6 error (type, code, info in host order, checksum 0) of len bytes of
 * ICMPv6, the quote to follow; the ICMPv6 header, for the caller to fill the quote and sum
 * (pkt6_icmp_sum). Any thread.
 */
static inline uint8_t *
pkt6_icmp_error(struct rte_ipv6_hdr *ip, uint8_t tc, const uint8_t src[16],
		const uint8_t dst[16], uint32_t len, uint8_t type, uint8_t code, uint32_t info)
{
	uint8_t *ic = (uint8_t *)(ip + 1);

	memset(ip, 0, sizeof(*ip));
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)tc << 20);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)len);
	ip->proto = IP6_ICMPV6;
	ip->hop_limits = 64;
	memcpy(ip->src_addr, src, 16);
	memcpy(ip->dst_addr, dst, 16);
	ic[0] = type;
	ic[1] = code;
	ic[2] = ic[3] = 0;
	info = rte_cpu_to_be_32(info);
	memcpy(ic + 4, &info, 4);
	return ic;
}

static inline struct rte_ipv6_hdr *
pkt_ip6(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, PKT_IP_OFF);
}

/**
 * Walk the extension headers of the IPv6 packet at base, of which tot bytes are there (its
 * length, or what an ICMPv6 error quotes of it), to its L4 header, by the rules above.
 * @return 0 with *l4 the L4 protocol and *off its offset from base, or a drop reason. Any
 * thread.
 */
static inline int
pkt6_walk(const uint8_t *base, unsigned tot, uint8_t *l4, unsigned *off_out)
{
	uint8_t next = ((const struct rte_ipv6_hdr *)base)->proto;
	unsigned off = PKT6_IP_LEN, n;

	for (n = 0;; n++) {
		const uint8_t *h = base + off;
		unsigned hlen;

		if (next == PROTO_TCP || next == PROTO_UDP || next == IP6_ICMPV6)
			break;
		if (!pkt6_is_ext(next))
			return DROP_unsupported_proto; /* no next header, SCTP, ... */
		if (n == PKT6_EXT_MAX || (next != IP6_HOPOPTS && next != IP6_DSTOPTS &&
					   next != IP6_ROUTING && next != IP6_FRAGMENT))
			return DROP_ip6_ext_header;
		if (next == IP6_HOPOPTS && n != 0)
			return DROP_ip6_ext_header; /* only right after the IPv6 header */
		if (off + 8 > tot)
			return DROP_ip6_ext_header;
		if (next == IP6_FRAGMENT) {
			uint16_t fo;

			memcpy(&fo, h + 2, 2);
			/* offset and M flag zero: an atomic fragment, a whole packet */
			if (rte_be_to_cpu_16(fo) & 0xfff9)
				return DROP_ip_fragment;
			hlen = 8;
		} else {
			hlen = ((unsigned)h[1] + 1) * 8;
			if (next == IP6_ROUTING && h[3] != 0)
				return DROP_ip6_ext_header; /* segments left: routed through us */
		}
		if (off + hlen > tot)
			return DROP_ip6_ext_header;
		next = h[0];
		off += hlen;
	}
	*l4 = next;
	*off_out = off;
	return 0;
}

/**
 * Parse and check one IPv6 frame (its EtherType already read as IPv6). Fills p on success.
 * @return 0, or the drop reason of the first check that failed. Any thread.
 */
static inline int
pkt_parse6(struct rte_mbuf *m, struct pkt6_meta *p)
{
	const unsigned len = rte_pktmbuf_data_len(m);
	const struct rte_ipv6_hdr *ip;
	const uint8_t *base;
	unsigned tot, off;
	uint8_t next;
	int r;

	memset(&p->key, 0, sizeof(p->key));
	p->tcp_flags = 0;
	if (len < PKT_IP_OFF + PKT6_IP_LEN)
		return DROP_ip_truncated;
	ip = pkt_ip6(m);
	base = (const uint8_t *)ip;
	if ((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6)
		return DROP_bad_ip_header;
	tot = PKT6_IP_LEN + rte_be_to_cpu_16(ip->payload_len);
	/* A payload length of 0 with a hop-by-hop header is a jumbogram: not on these links. */
	if (PKT_IP_OFF + tot > len || tot == PKT6_IP_LEN)
		return DROP_bad_ip_length;
	r = pkt6_walk(base, tot, &next, &off);
	if (r != 0)
		return r;
	/* Trailing Ethernet padding is not part of the packet; forwarding must not carry it. */
	if (PKT_IP_OFF + tot < len)
		rte_pktmbuf_trim(m, (uint16_t)(len - PKT_IP_OFF - tot));
	p->ip_len = (uint16_t)tot;
	p->l4_off = (uint16_t)(PKT_IP_OFF + off);
	memcpy(p->key.saddr, ip->src_addr, 16);
	memcpy(p->key.daddr, ip->dst_addr, 16);
	p->key.proto = next;
	return pkt_parse_ports(base + off, tot - off, next, &p->key.sport, &p->key.dport,
			       &p->tcp_flags);
}

#endif
