/* SPDX-License-Identifier: Apache-2.0 */
#include <rte_ip.h>

#include "forward/nat64.h"
#include "forward/xmit.h"
#include "net/icmp.h"
#include "net/nd.h"

/*
 * NAT64's ICMP: an error about a NAT64 conn, translated between ICMPv6 and ICMP as RFC 7915
 * does (sections 4.2 and 5.2: types and codes, the MTU of a too-big, the pointer of a
 * parameter problem) and relayed to the conn's other side with its quote translated too:
 * the packet the node sent, written back as what that side sent (the client's IPv6 packet,
 * the backend's IPv4 one), its ports and L4 checksum patched as nat64.c patches them. An
 * error RFC 7915 drops (an unknown type or code, a parameter problem pointing at a field
 * that does not translate) is dropped as icmp_unhandled. The translated error is built in
 * a frame of its own (the sizes of every header change) and the received one freed.
 */

/* The most an ICMP error carries (RFC 1812 4.3.2.3), and an ICMPv6 one (RFC 4443 2.4). */
#define NAT64_ICMP4_MAX 576u
#define NAT64_ICMP6_MAX 1280u

/* RFC 7915 5.2, ICMPv6 to ICMP: type, code and the 32 bits after the checksum. */
static int
icmp6to4(uint8_t t6, uint8_t c6, uint32_t info6, uint8_t *t4, uint8_t *c4, uint32_t *info4)
{
	static const int8_t unreach[] = { 1, 10, 1, 1, 3 }; /* by ICMPv6 code, to ICMP code */
	static const struct { uint8_t from, to; } ptr[] = { { 0, 0 }, { 1, 1 }, { 4, 2 },
							     { 5, 2 }, { 6, 9 }, { 7, 8 } };
	unsigned i;

	*info4 = 0;
	switch (t6) {
	case ICMP6_DEST_UNREACH:
		if (c6 >= sizeof(unreach))
			return -1;
		*t4 = ICMP4_DEST_UNREACH;
		*c4 = (uint8_t)unreach[c6];
		return 0;
	case ICMP6_PACKET_TOO_BIG: /* the IPv4 path's MTU is 20 bytes less */
		if (info6 < 68 + 20)
			return -1;
		*t4 = ICMP4_DEST_UNREACH;
		*c4 = ICMP4_FRAG_NEEDED;
		*info4 = info6 - 20;
		return 0;
	case ICMP6_TIME_EXCEEDED:
		*t4 = ICMP4_TIME_EXCEEDED;
		*c4 = c6;
		return 0;
	case ICMP6_PARAM_PROBLEM:
		if (c6 == 1) { /* unknown next header: protocol unreachable */
			*t4 = ICMP4_DEST_UNREACH;
			*c4 = 2;
			return 0;
		}
		if (c6 != 0)
			return -1;
		*t4 = ICMP4_PARAM_PROBLEM;
		*c4 = 0;
		if (info6 >= 8 && info6 < 24) { /* the source address, the destination's */
			*info4 = 12u << 24;
			return 0;
		}
		if (info6 >= 24 && info6 < 40) {
			*info4 = 16u << 24;
			return 0;
		}
		for (i = 0; i < RTE_DIM(ptr); i++)
			if (info6 == ptr[i].from) {
				*info4 = (uint32_t)ptr[i].to << 24; /* the pointer is the top byte */
				return 0;
			}
		return -1;
	default:
		return -1;
	}
}

/* RFC 7915 4.2, ICMP to ICMPv6. */
static int
icmp4to6(uint8_t t4, uint8_t c4, uint32_t info4, uint8_t *t6, uint8_t *c6, uint32_t *info6)
{
	static const struct { uint8_t from, to; } ptr[] = { { 0, 0 }, { 1, 1 }, { 2, 4 },
							     { 3, 4 }, { 8, 7 }, { 9, 6 },
							     { 12, 8 }, { 16, 24 } };
	unsigned i;

	*info6 = 0;
	switch (t4) {
	case ICMP4_DEST_UNREACH:
		*t6 = ICMP6_DEST_UNREACH;
		switch (c4) {
		case 0: case 1: case 5: case 6: case 7: case 8: case 11: case 12:
			*c6 = 0; /* no route */
			return 0;
		case 9: case 10: case 13: case 15:
			*c6 = 1; /* administratively prohibited */
			return 0;
		case 3:
			*c6 = 4; /* port unreachable */
			return 0;
		case 2: /* protocol unreachable: a parameter problem at the next header */
			*t6 = ICMP6_PARAM_PROBLEM;
			*c6 = 1;
			*info6 = 6;
			return 0;
		case ICMP4_FRAG_NEEDED: { /* the IPv6 path's MTU is 20 bytes more, 1280 at least */
			uint32_t mtu = (info4 & 0xffff) + 20;

			*t6 = ICMP6_PACKET_TOO_BIG;
			*c6 = 0;
			*info6 = mtu < 1280 ? 1280 : mtu;
			return 0;
		}
		default:
			return -1;
		}
	case ICMP4_TIME_EXCEEDED:
		*t6 = ICMP6_TIME_EXCEEDED;
		*c6 = c4;
		return 0;
	case ICMP4_PARAM_PROBLEM:
		if (c4 != 0 && c4 != 2)
			return -1;
		*t6 = ICMP6_PARAM_PROBLEM;
		*c6 = 0;
		for (i = 0; i < RTE_DIM(ptr); i++)
			if (info4 >> 24 == ptr[i].from) {
				*info6 = ptr[i].to;
				return 0;
			}
		return -1;
	default:
		return -1;
	}
}

/*
 * The quoted L4 header (len bytes at l4) of a packet whose addresses change from osrc/odst
 * to nsrc/ndst (16 bytes each, IPv4 ones mapped) and ports to sport/dport: its checksum
 * patched when the quote reaches it.
 */
static void
quote_l4(uint8_t *l4, unsigned len, uint8_t proto, const uint8_t *osrc, const uint8_t *odst,
	 const uint8_t *nsrc, const uint8_t *ndst, uint16_t sport, uint16_t dport)
{
	unsigned at = proto == PROTO_TCP ? 16 : 6;
	uint16_t cs, old;

	if (len >= at + 2) {
		memcpy(&cs, l4 + at, 2);
		if (proto == PROTO_TCP || cs != 0) {
			cs = csum_replace16(cs, osrc, nsrc);
			cs = csum_replace16(cs, odst, ndst);
			memcpy(&old, l4, 2);
			cs = csum_replace2(cs, old, sport);
			memcpy(&old, l4 + 2, 2);
			cs = csum_replace2(cs, old, dport);
			memcpy(l4 + at, &cs, 2);
		}
	}
	memcpy(l4, &sport, 2);
	memcpy(l4 + 2, &dport, 2);
}

int
nat64_icmp_to_backend(struct stage *w, struct conn *c, struct rte_mbuf *m,
		      struct pkt6_meta *p, const struct fwd_icmp *q)
{
	const struct conn6_addrs *a = conn6_addrs(w->ct6, c);
	const struct rte_ipv6_hdr *qip = (const struct rte_ipv6_hdr *)q->in;
	const uint8_t *ic6 = (const uint8_t *)q->ic;
	unsigned qoff = (unsigned)(q->ports - q->in); /* the quoted IPv6 and extension headers */
	unsigned rest = q->room - 8 - qoff, len;
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip, *in;
	struct rte_icmp_hdr *ic;
	uint16_t qplen, cs;
	uint32_t info, nh;
	uint8_t type, code;
	struct rte_mbuf *e;

	(void)p;
	memcpy(&info, ic6 + 4, 4);
	if (icmp6to4(ic6[0], ic6[1], rte_be_to_cpu_32(info), &type, &code, &info) < 0)
		return DROP_icmp_unhandled;
	rest = RTE_MIN(rest, NAT64_ICMP4_MAX - 2u * sizeof(*ip) - sizeof(*ic));
	len = PKT_IP_OFF + 2u * sizeof(*ip) + sizeof(*ic) + rest;
	e = rte_pktmbuf_alloc(m->pool);
	if (e == NULL)
		return DROP_no_room;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(e, (uint16_t)len);
	memcpy(&nh, a->out_nh + 12, 4);
	if (eth == NULL || egress_resolve(w, nh, c->out_port, &eth->dst_addr) < 0) {
		rte_pktmbuf_free(e);
		return DROP_neigh_unresolved;
	}
	rte_ether_addr_copy(&w->dp->ports[c->out_port].mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	/* from the LIP, as FULLNAT's relays: the backend knows no other address of the node */
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	*ip = (struct rte_ipv4_hdr){ .version_ihl = RTE_IPV4_VHL_DEF,
				     .total_length = rte_cpu_to_be_16((uint16_t)(len - PKT_IP_OFF)),
				     .packet_id = rte_cpu_to_be_16(w->ip_id++),
				     .time_to_live = 64, .next_proto_id = IPPROTO_ICMP,
				     .src_addr = c->laddr, .dst_addr = c->daddr };
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ic = (struct rte_icmp_hdr *)(ip + 1);
	ic->icmp_type = type;
	ic->icmp_code = code;
	info = rte_cpu_to_be_32(info);
	memcpy(&ic->icmp_ident, &info, 4);
	/* the quote: what the backend sent, backend:port -> LIP:lport */
	in = (struct rte_ipv4_hdr *)(ic + 1);
	qplen = rte_be_to_cpu_16(qip->payload_len);
	*in = (struct rte_ipv4_hdr){
		.version_ihl = RTE_IPV4_VHL_DEF,
		.type_of_service = (uint8_t)(rte_be_to_cpu_32(qip->vtc_flow) >> 20),
		.total_length = rte_cpu_to_be_16((uint16_t)(qplen - (qoff - sizeof(*qip)) +
							     sizeof(*in))),
		.time_to_live = qip->hop_limits, .next_proto_id = c->proto,
		.src_addr = c->daddr, .dst_addr = c->laddr };
	in->hdr_checksum = rte_ipv4_cksum(in);
	memcpy(in + 1, q->ports, rest);
	quote_l4((uint8_t *)(in + 1), rest, c->proto, qip->src_addr, qip->dst_addr, a->daddr,
		 a->laddr, c->dport, c->lport); /* the backend and the LIP, IPv4-mapped */
	ic->icmp_cksum = 0;
	cs = (uint16_t)~rte_raw_cksum(ic, sizeof(*ic) + sizeof(*in) + rest);
	ic->icmp_cksum = cs;
	rte_pktmbuf_free(m);
	w->st.icmp_relayed++;
	stage_tx(w, c->out_port, e);
	return 0;
}

int
nat64_icmp_to_client(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p,
		     const struct fwd_icmp *q)
{
	const struct conn6_addrs *a = conn6_addrs(w->ct6, c);
	const struct rte_ipv4_hdr *qip = (const struct rte_ipv4_hdr *)q->in;
	const uint8_t *ic4 = (const uint8_t *)q->ic;
	unsigned qoff = (unsigned)(q->ports - q->in); /* the quoted IPv4 header */
	unsigned rest = q->room - 8 - qoff, len;
	union addr46 qsrc = addr46_from_v4(qip->src_addr), qdst = addr46_from_v4(qip->dst_addr);
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip, *in;
	uint8_t type, code, *ic;
	uint32_t info;
	uint16_t cs;
	struct rte_mbuf *e;

	(void)p;
	memcpy(&info, ic4 + 4, 4);
	if (icmp4to6(ic4[0], ic4[1], rte_be_to_cpu_32(info), &type, &code, &info) < 0)
		return DROP_icmp_unhandled;
	rest = RTE_MIN(rest, NAT64_ICMP6_MAX - 2u * sizeof(*ip) - 8u);
	len = PKT_IP_OFF + 2u * sizeof(*ip) + 8u + rest;
	e = rte_pktmbuf_alloc(m->pool);
	if (e == NULL)
		return DROP_no_room;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(e, (uint16_t)len);
	if (eth == NULL || egress_resolve6(w, a->c_nh, c->c_port, &eth->dst_addr) < 0) {
		rte_pktmbuf_free(e);
		return DROP_neigh_unresolved;
	}
	rte_ether_addr_copy(&w->dp->ports[c->c_port].mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	/* from the VIP: the client knows no other address of the service */
	ip = (struct rte_ipv6_hdr *)(eth + 1);
	ic = pkt6_icmp_error(ip, 0, a->vaddr, a->caddr, (uint32_t)(len - PKT_IP_OFF - sizeof(*ip)),
			     type, code, info);
	/* the quote: what the client sent, client:cport -> VIP:vport */
	in = (struct rte_ipv6_hdr *)(ic + 8);
	memset(in, 0, sizeof(*in));
	in->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)qip->type_of_service << 20);
	in->payload_len = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(qip->total_length) - qoff));
	in->proto = c->proto;
	in->hop_limits = qip->time_to_live;
	memcpy(in->src_addr, a->caddr, 16);
	memcpy(in->dst_addr, a->vaddr, 16);
	memcpy(in + 1, q->ports, rest);
	quote_l4((uint8_t *)(in + 1), rest, c->proto, qsrc.b, qdst.b, a->caddr, a->vaddr,
		 c->cport, c->vport);
	cs = (uint16_t)~pkt6_icmp_sum(ip, ic, 8u + sizeof(*in) + rest);
	memcpy(ic + 2, &cs, 2);
	rte_pktmbuf_free(m);
	w->st.icmp_relayed++;
	stage_tx(w, c->c_port, e);
	return 0;
}
