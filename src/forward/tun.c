/* SPDX-License-Identifier: Apache-2.0 */
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "forward/fwd.h"
#include "net/egress.h"
#include "net/icmp.h"
#include "net/nd.h"
#include "packet/grow.h"

/*
 * TUN (IPVS's "Tunnel", Katran's one mode): the client's packet goes to the backend whole,
 * inside an outer header of its own family: IPIP (IPv4 in IPv4, protocol 4), IPv6 in IPv6
 * (next header 41), or GUE (UDP to the service's GUE port, then a 4-byte GUE version 0
 * header naming the inner protocol, as IPVS's ipvs_gue_encap and the kernel's fou/gue
 * receive it). The backend decapsulates (the kernel's ipip/ip6tnl/fou, or sluice-decap),
 * holds the VIP on lo and answers the client itself: the mode is one way (fwd_ops.one_way),
 * as DR, but the backend may sit behind routers.
 *
 * The outer header: source the backend's snap_backend.src (the service's tunnel_source, or
 * the address of the port toward the backend), destination the backend; TTL / hop limit
 * 64; DSCP and ECN copied from the inner (RFC 6040's normal mode); IPv4's DF and ID
 * copied, so a DF packet stays unfragmentable; the IPv6 flow label and the GUE source port
 * from the client flow's hash (conn.tun_hash), so that the backend NIC's RSS spreads flows
 * and keeps each on one queue (Katran's point). The inner packet is not touched: no TTL to
 * take, no checksum to patch.
 *
 * A packet that would be over the egress port's MTU once wrapped is not sent: with DF (or
 * IPv6) the client gets fragmentation-needed / packet-too-big with the MTU that fits, as
 * Katran answers, and its TCP sends smaller segments (too_big); without DF it is dropped
 * (too_big_no_df: sluice does not fragment).
 */

#define TUN_TTL 64
#define TUN_GUE_LEN 4 /* GUE version 0, no options: ver/C/hlen, proto, flags */
#define TUN_GUE_OVER ((uint16_t)(sizeof(struct rte_udp_hdr) + TUN_GUE_LEN))

/* The GUE source port: in the ephemeral range (49152-65535, as the kernel's
 * udp_flow_src_port picks it), from the flow's hash. */
static inline uint16_t
tun_gue_sport(uint16_t hash)
{
	return rte_cpu_to_be_16((uint16_t)(0xc000u | (hash & 0x3fffu)));
}

/* What the mode notes in a new conn: the GUE port (0: IPIP), the flow's hash, the GUE
 * source port in lport (the views show the outer source and port as the conn's "local"). */
static inline void
tun_conn_set(struct conn *c, const struct snap_service *svc, uint32_t h)
{
	c->tun_hash = (uint16_t)(h ^ (h >> 16));
	c->tun_dport = svc->tunnel == SL_TUNNEL_GUE ? svc->tunnel_port : 0;
	c->lport = c->tun_dport ? tun_gue_sport(c->tun_hash) : 0;
}

static unsigned
tun_conn_init(struct stage *w, struct conn *c, const struct snap_service *svc,
	      const struct snap_backend *be)
{
	uint32_t h = rte_hash_crc_4byte(c->caddr, c->vaddr);

	(void)w;
	h = rte_hash_crc_4byte(((uint32_t)c->cport << 16) | c->vport, h);
	c->laddr = be->src.w[3];
	tun_conn_set(c, svc, h);
	return 0;
}

static unsigned
tun_conn_init6(struct stage *w, struct conn *c, const struct snap_service *svc,
	       const struct snap_backend *be)
{
	struct conn6_addrs *a = conn6_addrs(w->ct6, c);
	uint32_t h = rte_hash_crc(a->caddr, 16, ((uint32_t)c->cport << 16) | c->vport);

	h = rte_hash_crc(a->vaddr, 16, h);
	memcpy(a->laddr, be->src.b, 16);
	tun_conn_set(c, svc, h);
	return 0;
}

/* Bytes the outer headers add for c: an IP header of its family, GUE's UDP and header. */
static inline uint16_t
tun_over(const struct conn *c, uint16_t iplen)
{
	return (uint16_t)(iplen + (c->tun_dport ? TUN_GUE_OVER : 0));
}

/*
 * Whether m (ip_len bytes of IP) fits the MTU toward the backend once `over` bytes are
 * added; 0, or the drop reason after answering a DF packet with frag-needed.
 */
static inline int
tun_fits(struct stage *w, const struct conn *c, struct rte_mbuf *m, const struct pkt_meta *p,
	 uint16_t over)
{
	uint16_t mtu = w->dp->ports[c->out_port].mtu;

	if (likely((unsigned)p->ip_len + over <= mtu))
		return 0;
	if (!(pkt_ip(m)->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)))
		return DROP_too_big_no_df;
	icmp_send_error(w, m, p, ICMP4_DEST_UNREACH, ICMP4_FRAG_NEEDED,
			rte_cpu_to_be_32((uint32_t)(mtu - over)));
	return DROP_too_big;
}

/* The UDP and GUE headers at uh, for an inner packet of len bytes of protocol proto. */
static inline void
tun_gue_fill(struct rte_udp_hdr *uh, const struct conn *c, uint16_t len, uint8_t proto)
{
	uint8_t *g = (uint8_t *)(uh + 1);

	uh->src_port = c->lport;
	uh->dst_port = c->tun_dport;
	uh->dgram_len = rte_cpu_to_be_16((uint16_t)(len + TUN_GUE_OVER));
	uh->dgram_cksum = 0;
	g[0] = 0; /* version 0, not a control message, no optional fields */
	g[1] = proto;
	g[2] = g[3] = 0;
}

static int
tun_in(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p)
{
	uint16_t over = tun_over(c, sizeof(struct rte_ipv4_hdr));
	struct rte_ether_addr mac;
	const struct rte_ipv4_hdr *in;
	struct rte_ipv4_hdr *out;
	int r;

	r = tun_fits(w, c, m, p, over);
	if (unlikely(r))
		return r;
	if (unlikely(egress_resolve(w, c->out_nh, c->out_port, &mac) < 0))
		return DROP_neigh_unresolved;
	if (unlikely(pkt_grow(m, PKT_IP_OFF, over) == NULL))
		return DROP_no_room;
	out = pkt_ip(m);
	in = (const struct rte_ipv4_hdr *)((const uint8_t *)out + over);
	out->version_ihl = RTE_IPV4_VHL_DEF;
	out->type_of_service = in->type_of_service;
	out->total_length = rte_cpu_to_be_16((uint16_t)(p->ip_len + over));
	out->packet_id = in->packet_id;
	out->fragment_offset = in->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	out->time_to_live = TUN_TTL;
	out->src_addr = c->laddr;
	out->dst_addr = c->daddr;
	if (c->tun_dport) {
		out->next_proto_id = IPPROTO_UDP;
		/* No UDP checksum over IPv4 (RFC 768 allows it; IPVS and Katran send none). */
		tun_gue_fill((struct rte_udp_hdr *)(out + 1), c, p->ip_len, IPPROTO_IPIP);
	} else {
		out->next_proto_id = IPPROTO_IPIP;
	}
	out->hdr_checksum = 0;
	out->hdr_checksum = rte_ipv4_cksum(out);
	pkt_eth(m)->dst_addr = mac;
	rte_ether_addr_copy(&w->dp->ports[c->out_port].mac, &pkt_eth(m)->src_addr);
	stage_tx(w, c->out_port, m);
	return 0;
}

/* IPv6: the same with an IPv6 outer header. */
static inline int
tun_fits6(struct stage *w, const struct conn *c, struct rte_mbuf *m, const struct pkt6_meta *p,
	  uint16_t over)
{
	uint16_t mtu = w->dp->ports[c->out_port].mtu;

	if (likely((unsigned)p->ip_len + over <= mtu))
		return 0;
	icmp6_send_error(w, m, p, ICMP6_PACKET_TOO_BIG, 0, (uint32_t)(mtu - over));
	return DROP_too_big;
}

/* The sum of an IPv6 pseudo header (RFC 8200 8.1) over the 32 bytes of addresses at a. */
static inline uint32_t
tun_pseudo6(const void *a, uint16_t len, uint8_t proto)
{
	return __rte_raw_cksum(a, 32, 0) + rte_cpu_to_be_16(len) + rte_cpu_to_be_16(proto);
}

/*
 * GUE's UDP checksum over IPv6, which a receiver must check (RFC 8200 8.1; the kernel's
 * UDP drops a zero one unless told), without reading the payload: the inner L4 segment,
 * whose own checksum covers it, sums to the complement of its pseudo header (the kernel's
 * local checksum offload, lco_csum). So the sum is the outer pseudo header, the UDP and GUE
 * headers, the inner IPv6 header with its extension headers, and that complement. An inner
 * segment with a wrong checksum gives a wrong outer one: the backend drops what it would
 * have dropped anyway.
 */
static inline uint16_t
tun_gue_csum6(const struct rte_ipv6_hdr *out, const struct rte_udp_hdr *uh,
	      const struct rte_ipv6_hdr *in, const struct pkt6_meta *p)
{
	uint16_t hlen = (uint16_t)(p->l4_off - PKT_IP_OFF); /* inner IPv6 and extension headers */
	uint32_t inner = tun_pseudo6(in->src_addr, (uint16_t)(p->ip_len - hlen), p->key.proto);
	uint32_t sum;
	uint16_t cs;

	sum = tun_pseudo6(out->src_addr, rte_be_to_cpu_16(uh->dgram_len), IPPROTO_UDP);
	sum += __rte_raw_cksum(uh, TUN_GUE_OVER, 0);
	sum += __rte_raw_cksum(in, hlen, 0);
	sum += (uint16_t)~__rte_raw_cksum_reduce(inner);
	cs = (uint16_t)~__rte_raw_cksum_reduce(sum);
	return cs == 0 ? 0xffff : cs;
}

static int
tun_in6(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt6_meta *p)
{
	const struct conn6_addrs *a = conn6_addrs(w->ct6, c);
	uint16_t over = tun_over(c, sizeof(struct rte_ipv6_hdr));
	struct rte_ether_addr mac;
	const struct rte_ipv6_hdr *in;
	struct rte_ipv6_hdr *out;
	uint32_t tc, flow;
	int r;

	r = tun_fits6(w, c, m, p, over);
	if (unlikely(r))
		return r;
	if (unlikely(egress_resolve6(w, a->out_nh, c->out_port, &mac) < 0))
		return DROP_neigh_unresolved;
	if (unlikely(pkt_grow(m, PKT_IP_OFF, over) == NULL))
		return DROP_no_room;
	out = pkt_ip6(m);
	in = (const struct rte_ipv6_hdr *)((const uint8_t *)out + over);
	tc = rte_be_to_cpu_32(in->vtc_flow) & 0x0ff00000u;
	flow = ((uint32_t)c->tun_hash << 4 | c->tun_hash >> 12) & 0xfffffu;
	out->vtc_flow = rte_cpu_to_be_32(6u << 28 | tc | flow);
	out->payload_len = rte_cpu_to_be_16((uint16_t)(p->ip_len + over - sizeof(*out)));
	out->hop_limits = TUN_TTL;
	memcpy(out->src_addr, a->laddr, 16);
	memcpy(out->dst_addr, a->daddr, 16);
	if (c->tun_dport) {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(out + 1);

		out->proto = IPPROTO_UDP;
		tun_gue_fill(uh, c, p->ip_len, IPPROTO_IPV6);
		uh->dgram_cksum = tun_gue_csum6(out, uh, in, p);
	} else {
		out->proto = IPPROTO_IPV6;
	}
	pkt_eth(m)->dst_addr = mac;
	rte_ether_addr_copy(&w->dp->ports[c->out_port].mac, &pkt_eth(m)->src_addr);
	stage_tx(w, c->out_port, m);
	return 0;
}

/*
 * An ICMP error from the client's side (a router's fragmentation-needed about VIP ->
 * client, which the backend sent) goes to the backend as the client's packets do, wrapped:
 * it is addressed to the VIP, which the backend holds, and quotes what the backend sent, so
 * the backend's kernel learns its path MTU. Nothing comes from the backend's side.
 */
static int
tun_icmp_in(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p,
	    const struct fwd_icmp *q)
{
	(void)q;
	return fwd_relayed(w, tun_in(w, c, m, p));
}

static int
tun_icmp_in6(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt6_meta *p,
	     const struct fwd_icmp *q)
{
	(void)q;
	return fwd_relayed(w, tun_in6(w, c, m, p));
}

const struct fwd_ops fwd_tun_ops = {
	.name = "tun",
	.conn_init = tun_conn_init,
	.out_key = fwd_no_out_key,
	.xmit = { [CONN_DIR_IN] = tun_in },
	.icmp_xmit = { [CONN_DIR_IN] = tun_icmp_in },
	.conn_init6 = tun_conn_init6,
	.out_key6 = fwd_no_out_key6,
	.xmit6 = { [CONN_DIR_IN] = tun_in6 },
	.icmp_xmit6 = { [CONN_DIR_IN] = tun_icmp_in6 },
	.one_way = true,
	/* an outer IPv6 header, UDP and GUE: the most it adds */
	.headroom = sizeof(struct rte_ipv6_hdr) + TUN_GUE_OVER,
};
