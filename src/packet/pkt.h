/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_PKT_H
#define SLUICE_PKT_H

#include <stddef.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <rte_icmp.h>

#include "common/addr.h"
#include "common/drop.h"

/*
 * Parsing and the sanity filter in one pass. A frame that does not parse is dropped with
 * the reason of the first check it fails; what passes is safe to rewrite: the IPv4 header
 * is exactly 20 bytes, the L4 header lies inside the IP payload and the IP payload inside
 * the frame. Only single-segment mbufs are handled (ports are set up without scatter).
 */

/** The lookup key of a conn: one per direction, 16 bytes, padding zeroed. */
struct conn_key {
	uint32_t saddr;
	uint32_t daddr;
	uint16_t sport;
	uint16_t dport;
	uint8_t proto;
	uint8_t pad[3];
} __attribute__((aligned(4)));

enum pkt_kind { PKT_IPV4 = 0, PKT_ARP, PKT_IPV6 /* the rest is pkt_parse6()'s */ };

struct pkt_meta {
	struct conn_key key;   /* 5-tuple as seen on the wire (ICMP: ports 0) */
	uint16_t l4_off;       /* offset of the L4 header from the frame start */
	uint16_t ip_len;       /* IPv4 total length */
	uint8_t kind;          /* enum pkt_kind */
	uint8_t tcp_flags;
	uint8_t in_port;       /* index of the port in struct dp, not the DPDK port id */
};

#define PKT_IP_OFF ((uint16_t)sizeof(struct rte_ether_hdr))

static inline struct rte_ether_hdr *
pkt_eth(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
}

static inline struct rte_ipv4_hdr *
pkt_ip(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, PKT_IP_OFF);
}

static inline void *
pkt_l4(struct rte_mbuf *m, const struct pkt_meta *p)
{
	return rte_pktmbuf_mtod_offset(m, void *, p->l4_off);
}

/*
 * The L4 header of either family at l4 (l4_len bytes to the end of the IP payload): its
 * ports and TCP flags. ICMP and ICMPv6 have no ports. 0 or a drop reason.
 */
static inline int
pkt_parse_ports(const uint8_t *l4, unsigned l4_len, uint8_t proto, uint16_t *sport,
		uint16_t *dport, uint8_t *tcp_flags)
{
	switch (proto) {
	case PROTO_TCP: {
		const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)l4;
		unsigned doff;

		if (l4_len < sizeof(*th))
			return DROP_l4_truncated;
		doff = (unsigned)(th->data_off >> 4) * 4;
		if (doff < sizeof(*th) || doff > l4_len)
			return DROP_bad_tcp_header;
		*sport = th->src_port;
		*dport = th->dst_port;
		*tcp_flags = th->tcp_flags;
		return 0;
	}
	case PROTO_UDP: {
		const struct rte_udp_hdr *uh = (const struct rte_udp_hdr *)l4;

		if (l4_len < sizeof(*uh))
			return DROP_l4_truncated;
		*sport = uh->src_port;
		*dport = uh->dst_port;
		return 0;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (l4_len < sizeof(struct rte_icmp_hdr))
			return DROP_l4_truncated;
		return 0;
	default:
		return DROP_unsupported_proto;
	}
}

static inline int
pkt_parse_l4(const uint8_t *l4, unsigned l4_len, struct pkt_meta *p)
{
	/* ICMPv6 in an IPv4 packet is no ICMP at all */
	if (p->key.proto == IPPROTO_ICMPV6)
		return DROP_unsupported_proto;
	return pkt_parse_ports(l4, l4_len, p->key.proto, &p->key.sport, &p->key.dport,
			       &p->tcp_flags);
}

/**
 * Parse and check one frame. Fills p on success.
 * @return 0, or the drop reason (enum drop_reason) of the first check that failed.
 * Any thread.
 */
static inline int
pkt_parse(struct rte_mbuf *m, struct pkt_meta *p)
{
	const unsigned len = rte_pktmbuf_data_len(m);
	const struct rte_ether_hdr *eth = pkt_eth(m);
	const struct rte_ipv4_hdr *ip;
	unsigned ihl, tot;

	p->key.pad[0] = p->key.pad[1] = p->key.pad[2] = 0;
	p->key.sport = p->key.dport = 0;
	p->tcp_flags = 0;
	if (len < sizeof(*eth))
		return DROP_eth_truncated;
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
		p->kind = PKT_ARP;
		return 0;
	}
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		p->kind = PKT_IPV6;
		return 0;
	}
	if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return DROP_unsupported_l3;
	p->kind = PKT_IPV4;
	if (len < PKT_IP_OFF + sizeof(*ip))
		return DROP_ip_truncated;
	ip = (const struct rte_ipv4_hdr *)((const uint8_t *)eth + PKT_IP_OFF);
	ihl = (unsigned)(ip->version_ihl & 0xf) * 4;
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip))
		return DROP_bad_ip_header;
	tot = rte_be_to_cpu_16(ip->total_length);
	if (tot < ihl || PKT_IP_OFF + tot > len)
		return DROP_bad_ip_length;
	if (ihl != sizeof(*ip))
		return DROP_ip_options;
	/* A correct header sums to 0xffff, so the complemented raw sum is 0. */
	if (rte_raw_cksum(ip, sizeof(*ip)) != 0xffff)
		return DROP_bad_ip_checksum;
	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		return DROP_ip_fragment;
	/* Trailing Ethernet padding is not part of the packet; forwarding must not carry it. */
	if (PKT_IP_OFF + tot < len)
		rte_pktmbuf_trim(m, (uint16_t)(len - PKT_IP_OFF - tot));
	p->ip_len = (uint16_t)tot;
	p->l4_off = (uint16_t)(PKT_IP_OFF + ihl);
	p->key.saddr = ip->src_addr;
	p->key.daddr = ip->dst_addr;
	p->key.proto = ip->next_proto_id;
	return pkt_parse_l4((const uint8_t *)ip + ihl, tot - ihl, p);
}

/**
 * Complete a partial L4 checksum in place. A veth whose peer keeps transmit checksum offload
 * on (the kernel's default) hands over TCP and UDP packets whose checksum field holds only the
 * pseudo-header sum, for a NIC to finish; forwarded as they are, every one of them is
 * dropped by the backend. Such a field equals the folded pseudo-header sum exactly (a right
 * checksum does so once in 65536 packets, and recomputing it then changes nothing), so the
 * test costs a few additions; the checksum is then computed over the payload.
 * @return 1 when the checksum was completed, else 0. Any thread.
 */
static inline int
pkt_csum_partial_fix(struct rte_mbuf *m, const struct pkt_meta *p)
{
	struct rte_ipv4_hdr *ip = pkt_ip(m);
	uint8_t *l4 = rte_pktmbuf_mtod_offset(m, uint8_t *, p->l4_off);
	unsigned off; /* of the checksum field in the L4 header */
	uint16_t field;

	if (p->key.proto == PROTO_TCP)
		off = offsetof(struct rte_tcp_hdr, cksum);
	else if (p->key.proto == PROTO_UDP)
		off = offsetof(struct rte_udp_hdr, dgram_cksum);
	else
		return 0;
	/* Verified by a NIC: nothing to complete. */
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return 0;
	memcpy(&field, l4 + off, sizeof(field));
	if (likely(field != rte_ipv4_phdr_cksum(ip, 0)))
		return 0;
	memset(l4 + off, 0, sizeof(field));
	field = rte_ipv4_udptcp_cksum(ip, l4);
	memcpy(l4 + off, &field, sizeof(field));
	return 1;
}

#endif
