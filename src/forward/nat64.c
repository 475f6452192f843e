/* SPDX-License-Identifier: Apache-2.0 */
#include <rte_ip.h>
#include <rte_tcp.h>

#include "forward/client_addr.h"
#include "forward/laddr.h"
#include "forward/nat64.h"
#include "forward/xmit.h"
#include "net/icmp.h"
#include "packet/grow.h"
#include "packet/tcp_opt.h"

/*
 * NAT64 (DPVS's FULLNAT64): an IPv6 VIP over IPv4 backends, a fullnat service whose
 * backends are IPv4 (spec_mode()). The client's IPv6 packet leaves as IPv4 from an IPv4 LIP
 * and port to the backend; the backend's answer to that LIP and port leaves as IPv6 from
 * the VIP to the client. The headers are translated as RFC 7915 does: the IPv6 header and
 * its extension headers give way to a 20-byte IPv4 one (traffic class to TOS, hop limit - 1
 * to TTL, DF set above 1260 bytes, an ID from the worker) and back (TOS to traffic class,
 * TTL - 1 to hop limit, flow label 0); the L4 checksum is patched for the new pseudo header
 * without reading the payload: an IPv4-mapped address (::ffff:a.b.c.d) sums as its IPv4
 * address (RFC 6052's checksum neutrality), so replacing the IPv6 addresses by the mapped
 * IPv4 ones is the whole change. A TCP SYN's and SYN-ACK's MSS is lowered by the 20 bytes
 * the IPv6 header adds, so that the backend's full-sized segments still fit the client's
 * path once translated (and the client's, the IPv4 side's).
 *
 * The conn is an IPv6 conn (its client side is IPv6): IN key the client's tuple, OUT key
 * the IPv4-mapped reply tuple (::ffff:backend -> ::ffff:LIP). The reply arrives as IPv4:
 * the IPv4 path finds no conn for it, sees its LIP port is this worker's and looks it up
 * here (pipeline64_reply()). The LIP tuple comes from the worker's IPv4 pool, which from
 * then on checks the IPv6 table too (laddr_alloc64()). Its IPv4 addresses are also kept in
 * the conn's daddr and laddr, which an IPv6 conn does not otherwise use.
 */

#define NAT64_GROW 20u   /* an IPv6 header is 20 bytes longer than an optionless IPv4 one */
#define NAT64_DF_OVER 1260u /* RFC 7915 5.1: DF on the translated packet above this size */

static unsigned
nat64_conn_init(struct stage *w, struct conn *c, const struct snap_service *svc,
		const struct snap_backend *be)
{
	(void)w, (void)c, (void)svc, (void)be;
	return DROP_unsupported_l3; /* an IPv6 VIP's: the IPv4 path never opens one */
}

static unsigned
nat64_conn_init6(struct stage *w, struct conn *c, const struct snap_service *svc,
		 const struct snap_backend *be)
{
	struct conn6_addrs *a = conn6_addrs(w->ct6, c);
	union addr46 lip;
	uint16_t lport;
	uint8_t i;

	(void)svc;
	if (unlikely(laddr_alloc64(w->lips, w->ct, w->ct6, a->caddr, c->cport, be->addr.w[3],
				   c->dport, c->proto, w->now, &i, &lport) < 0))
		return DROP_no_local_port;
	c->daddr = be->addr.w[3];
	c->laddr = w->dp->laddrs[i];
	c->lport = lport;
	c->lip_idx = i;
	lip = addr46_from_v4(c->laddr);
	memcpy(a->laddr, lip.b, 16);
	return 0;
}

static void
nat64_release(struct stage *w, const struct conn *c)
{
	laddr_release(w->lips, w->ct6, c, w->now);
}

/* A 16-bit field at an odd offset of what a checksum covers counts byte-swapped. */
static inline uint16_t
nat64_csum_field(uint16_t cs, const uint8_t *field, const void *base, uint16_t old,
		 uint16_t new)
{
	if ((uintptr_t)(field - (const uint8_t *)base) & 1)
		return csum_replace2(cs, rte_bswap16(old), rte_bswap16(new));
	return csum_replace2(cs, old, new);
}

/*
 * Lower the MSS option of a SYN's TCP header th by NAT64_GROW, patching *cs. The option
 * walk is bounded by the header's data offset.
 */
static inline void
nat64_mss_clamp(struct rte_tcp_hdr *th, uint16_t *cs)
{
	uint8_t *o = (uint8_t *)(th + 1), *end = tcp_opts_end(th), *p;
	uint16_t old, new;

	while ((p = tcp_opt_next(&o, end)) != NULL) {
		if (p[0] != TCP_OPT_MSS || p[1] != 4)
			continue;
		memcpy(&old, p + 2, 2);
		if (rte_be_to_cpu_16(old) <= NAT64_GROW + 536u)
			return; /* at the minimum already */
		new = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(old) - NAT64_GROW));
		*cs = nat64_csum_field(*cs, p + 2, th, old, new);
		memcpy(p + 2, &new, 2);
		return;
	}
}

/*
 * The L4 header at l4 (TCP or UDP, proto) of a packet whose addresses change from the 16
 * bytes at osrc/odst to nsrc/ndst (IPv4 ones mapped) and ports to sport/dport: the
 * checksum patched, the ports set, a SYN's MSS lowered. A UDP checksum of 0 stays 0 (the
 * caller computes one where IPv6 needs it).
 */
static inline void
nat64_l4(uint8_t *l4, uint8_t proto, uint8_t tcp_flags, const uint8_t *osrc,
	 const uint8_t *odst, const uint8_t *nsrc, const uint8_t *ndst, uint16_t sport,
	 uint16_t dport)
{
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)l4;
	uint8_t *sum = l4 + (proto == PROTO_TCP ? offsetof(struct rte_tcp_hdr, cksum)
						: offsetof(struct rte_udp_hdr, dgram_cksum));
	uint16_t cs;

	memcpy(&cs, sum, 2);
	if (proto == PROTO_TCP || cs != 0) {
		cs = csum_replace16(cs, osrc, nsrc);
		cs = csum_replace16(cs, odst, ndst);
		cs = csum_replace2(cs, uh->src_port, sport);
		cs = csum_replace2(cs, uh->dst_port, dport);
		if (proto == PROTO_TCP && (tcp_flags & RTE_TCP_SYN_FLAG))
			nat64_mss_clamp((struct rte_tcp_hdr *)l4, &cs);
		if (proto == PROTO_UDP && cs == 0)
			cs = 0xffff;
		memcpy(sum, &cs, 2);
	}
	uh->src_port = sport;
	uh->dst_port = dport;
}

/* The client's IPv6 packet to the backend, as IPv4 from the LIP. */
static int
nat64_in(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt6_meta *p)
{
	const struct conn6_addrs *a = conn6_addrs(w->ct6, c);
	const struct rte_ipv6_hdr *ip6 = pkt_ip6(m);
	uint16_t hlen = (uint16_t)(p->l4_off - PKT_IP_OFF); /* IPv6 and extension headers */
	uint16_t len4 = (uint16_t)(p->ip_len - hlen + sizeof(struct rte_ipv4_hdr));
	uint8_t *l4 = rte_pktmbuf_mtod_offset(m, uint8_t *, p->l4_off);
	uint8_t tc = (uint8_t)(rte_be_to_cpu_32(ip6->vtc_flow) >> 20), hop = ip6->hop_limits;
	struct rte_ether_addr mac;
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	uint32_t nh;

	if (unlikely(hop <= 1))
		return DROP_ttl_exceeded;
	memcpy(&nh, a->out_nh + 12, 4); /* the backend's next hop, IPv4-mapped */
	if (unlikely(egress_resolve(w, nh, c->out_port, &mac) < 0))
		return DROP_neigh_unresolved;
	/* a->laddr and a->daddr: the LIP and the backend, IPv4-mapped */
	nat64_l4(l4, p->key.proto, p->tcp_flags, ip6->src_addr, ip6->dst_addr, a->laddr, a->daddr,
		 c->lport, c->dport);
	/* The IPv4 header ends where the L4 header starts; the Ethernet header before it. */
	ip = (struct rte_ipv4_hdr *)(l4 - sizeof(*ip));
	*ip = (struct rte_ipv4_hdr){
		.version_ihl = RTE_IPV4_VHL_DEF,
		.type_of_service = tc,
		.total_length = rte_cpu_to_be_16(len4),
		.packet_id = rte_cpu_to_be_16(w->ip_id++),
		.fragment_offset = len4 > NAT64_DF_OVER ? RTE_BE16(RTE_IPV4_HDR_DF_FLAG) : 0,
		.time_to_live = (uint8_t)(hop - 1),
		.next_proto_id = p->key.proto,
		.src_addr = c->laddr,
		.dst_addr = c->daddr,
	};
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	eth = (struct rte_ether_hdr *)((uint8_t *)ip - sizeof(*eth));
	eth->dst_addr = mac;
	rte_ether_addr_copy(&w->dp->ports[c->out_port].mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	rte_pktmbuf_adj(m, (uint16_t)(hlen - sizeof(*ip)));
	stage_tx(w, c->out_port, m);
	return 0;
}

/* The backend's IPv4 answer to the LIP, as IPv6 from the VIP to the client. */
static int
nat64_out(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p)
{
	const struct conn6_addrs *a = conn6_addrs(w->ct6, c);
	const struct rte_ipv4_hdr *ip = pkt_ip(m);
	uint16_t mtu = w->dp->ports[c->c_port].mtu;
	uint8_t *l4 = pkt_l4(m, p);
	union addr46 src = addr46_from_v4(ip->src_addr), dst = addr46_from_v4(ip->dst_addr);
	uint8_t tos = ip->type_of_service, ttl = ip->time_to_live;
	uint16_t plen = (uint16_t)(p->ip_len - sizeof(*ip));
	struct rte_ether_addr mac;
	struct rte_ipv6_hdr *ip6;
	struct rte_ether_hdr *eth;

	if (unlikely(ttl <= 1))
		return DROP_ttl_exceeded;
	if (unlikely((unsigned)p->ip_len + NAT64_GROW > mtu)) {
		/* RFC 7915 4: the sender learns the MTU that fits once translated */
		if (!(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)))
			return DROP_too_big_no_df;
		icmp_send_error(w, m, p, ICMP4_DEST_UNREACH, ICMP4_FRAG_NEEDED,
				rte_cpu_to_be_32(mtu - NAT64_GROW));
		return DROP_too_big;
	}
	if (unlikely(egress_resolve6(w, a->c_nh, c->c_port, &mac) < 0))
		return DROP_neigh_unresolved;
	nat64_l4(l4, p->key.proto, p->tcp_flags, src.b, dst.b, a->vaddr, a->caddr, c->vport,
		 c->cport);
	if (unlikely(pkt_grow(m, PKT_IP_OFF, NAT64_GROW) == NULL))
		return DROP_no_room;
	ip6 = pkt_ip6(m);
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)tos << 20);
	ip6->payload_len = rte_cpu_to_be_16(plen);
	ip6->proto = p->key.proto;
	ip6->hop_limits = (uint8_t)(ttl - 1);
	memcpy(ip6->src_addr, a->vaddr, 16);
	memcpy(ip6->dst_addr, a->caddr, 16);
	if (p->key.proto == PROTO_UDP) {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ip6 + 1);

		/* IPv4 may send none; IPv6 must carry one (RFC 7915 4.5): summed here */
		if (uh->dgram_cksum == 0)
			uh->dgram_cksum = rte_ipv6_udptcp_cksum(ip6, uh);
	}
	eth = pkt_eth(m);
	eth->dst_addr = mac;
	rte_ether_addr_copy(&w->dp->ports[c->c_port].mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	stage_tx(w, c->c_port, m);
	return 0;
}

const struct fwd_ops fwd_nat64_ops = {
	.name = "nat64",
	.conn_init = nat64_conn_init,
	.out_key = fwd_no_out_key,
	.release = nat64_release,
	.xmit = { [CONN_DIR_OUT] = nat64_out },   /* the backend's IPv4 answers */
	.icmp_xmit = { [CONN_DIR_OUT] = nat64_icmp_to_client },
	.conn_init6 = nat64_conn_init6,
	.out_key6 = fwd_out_key6,                 /* ::ffff:backend -> ::ffff:LIP */
	.xmit6 = { [CONN_DIR_IN] = nat64_in },    /* the client's IPv6 packets */
	.icmp_xmit6 = { [CONN_DIR_IN] = nat64_icmp_to_backend },
	.headroom = NAT64_GROW,
};

/* The same, telling the backend the client's IPv6 address (forward/client_addr.h). */
static unsigned
nat64_ca_conn_init6(struct stage *w, struct conn *c, const struct snap_service *svc,
		    const struct snap_backend *be)
{
	unsigned r = nat64_conn_init6(w, c, svc, be);

	if (r == 0)
		ca_conn_init(w, w->ct6, c, svc->client_address);
	return r;
}

static void
nat64_ca_release(struct stage *w, const struct conn *c)
{
	ca_conn_end(w);
	nat64_release(w, c);
}

static int
nat64_ca_in(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt6_meta *p)
{
	return ca_xmit_in(w, c, m, NULL, p, NULL, nat64_in);
}

static int
nat64_ca_out(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p)
{
	if (p->key.proto == PROTO_TCP)
		ca_tcp_out(w, c, pkt_l4(m, p));
	return nat64_out(w, c, m, p);
}

static int
nat64_ca_icmp_to_client(struct stage *w, struct conn *c, struct rte_mbuf *m,
			struct pkt_meta *p, const struct fwd_icmp *q)
{
	ca_icmp_quote(w, c, q);
	return nat64_icmp_to_client(w, c, m, p, q);
}

const struct fwd_ops fwd_nat64_ca_ops = {
	.name = "nat64",
	.conn_init = nat64_conn_init,
	.out_key = fwd_no_out_key,
	.release = nat64_ca_release,
	.xmit = { [CONN_DIR_OUT] = nat64_ca_out },
	.icmp_xmit = { [CONN_DIR_OUT] = nat64_ca_icmp_to_client },
	.conn_init6 = nat64_ca_conn_init6,
	.out_key6 = fwd_out_key6,
	.xmit6 = { [CONN_DIR_IN] = nat64_ca_in },
	.icmp_xmit6 = { [CONN_DIR_IN] = nat64_icmp_to_backend },
	.headroom = CA_HEADROOM > NAT64_GROW ? CA_HEADROOM : NAT64_GROW,
};
