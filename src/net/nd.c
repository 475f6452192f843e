/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "net/egress.h"
#include "net/icmp.h"
#include "net/nd.h"
#include "net/neigh.h"
#include "net/route6.h"
#include "packet/csum.h"

#define ND_NS_LEN 24 /* type, code, checksum, reserved, target */
#define ND_NA_LEN 32 /* and the target link-layer address option */
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2

static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };

/* Ours to advertise on this port: its address, a VIP, a LIP. */
static int
nd_is_ours(const struct stage *w, const struct snapshot *snap, const struct dp_port *port,
	   const uint8_t a[16])
{
	return memcmp(a, port->addr6.b, 16) == 0 || snap_is_vip6(snap, a) ||
	       dp_is_lip6(w->dp, a);
}

/* A neighbour of this port: on its IPv6 subnet or link-local, unicast, not the port itself. */
static int
nd_on_link(const struct dp_port *port, const uint8_t a[16])
{
	union addr46 x;

	if (a[0] == 0xff || memcmp(a, port->addr6.b, 16) == 0 ||
	    memcmp(a, &(uint8_t[16]){ 0 }, 16) == 0)
		return 0;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return 1;
	memcpy(x.b, a, 16);
	return addr46_same_prefix(&x, &port->addr6, port->prefix6_len);
}

/*
 * The link-layer address option of `type` among the options at opt (len bytes): its MAC,
 * or NULL. -1 in *bad when an option has length 0 or runs past the end (RFC 4861 7.1:
 * the packet is dropped).
 */
static const uint8_t *
nd_option(const uint8_t *opt, uint32_t len, uint8_t type, int *bad)
{
	const uint8_t *mac = NULL;

	*bad = 0;
	while (len >= 2) {
		uint32_t olen = (uint32_t)opt[1] * 8;

		if (olen == 0 || olen > len) {
			*bad = -1;
			return NULL;
		}
		if (opt[0] == type && olen >= 8 && mac == NULL)
			mac = opt + 2;
		opt += olen;
		len -= olen;
	}
	return mac;
}

static void
nd_learn(struct stage *w, const uint8_t a[16], uint8_t port, const uint8_t *mac)
{
	union addr46 ip;

	memcpy(ip.b, a, 16);
	egress_neigh_event46(w, NEIGH_EV_LEARN, &ip, port, mac);
	w->st.nd_learned++;
}

/* A solicitation for one of our addresses: the advertisement, built over it. */
static void
nd_advertise(struct stage *w, struct rte_mbuf *m, const struct pkt6_meta *p,
	     const struct dp_port *port)
{
	struct rte_ether_hdr *eth = pkt_eth(m);
	struct rte_ipv6_hdr *ip = pkt_ip6(m);
	uint8_t *na = rte_pktmbuf_mtod_offset(m, uint8_t *, PKT_IP_OFF + PKT6_IP_LEN);
	int dad = memcmp(ip->src_addr, &(uint8_t[16]){ 0 }, 16) == 0;
	uint16_t len = PKT_IP_OFF + PKT6_IP_LEN + ND_NA_LEN, cs;

	/* The solicitation's target (at na + 8: nd_input took it only right after the IPv6
	 * header) stays where the advertisement's goes, and is its source. */
	if (rte_pktmbuf_data_len(m) < len)
		rte_pktmbuf_append(m, (uint16_t)(len - rte_pktmbuf_data_len(m)));
	else
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - len));
	if (dad) {
		/* A duplicate-address probe: tell every node (RFC 4861 7.2.4), not solicited. */
		memcpy(ip->dst_addr, all_nodes, 16);
		eth->dst_addr = (struct rte_ether_addr){ { 0x33, 0x33, 0, 0, 0, 1 } };
	} else {
		memcpy(ip->dst_addr, ip->src_addr, 16);
		eth->dst_addr = eth->src_addr;
	}
	memcpy(ip->src_addr, na + 8, 16);
	eth->src_addr = port->mac;
	ip->vtc_flow = RTE_BE32(6u << 28);
	ip->payload_len = RTE_BE16(ND_NA_LEN);
	ip->proto = IP6_ICMPV6;
	ip->hop_limits = 255;
	na[0] = ND_NEIGHBOR_ADVERT;
	na[1] = 0;
	na[2] = na[3] = 0;
	na[4] = dad ? 0x20 : 0x60; /* S (solicited) unless a probe, O (override) */
	na[5] = na[6] = na[7] = 0;
	na[24] = ND_OPT_TLLA;
	na[25] = 1; /* 8 bytes */
	memcpy(na + 26, port->mac.addr_bytes, 6);
	cs = (uint16_t)~pkt6_icmp_sum(ip, na, ND_NA_LEN);
	memcpy(na + 2, &cs, 2);
	w->st.nd_replied++;
	stage_tx(w, p->in_port, m);
}

/*
 * A solicitation or an advertisement, whole and from the link (RFC 4861 7.1): what its
 * link-layer option says is learned as the header comment tells. 1 when m was answered or
 * dropped, 0 when the caller goes on with it.
 */
static int
nd_solicit_or_advert(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
		     const struct pkt6_meta *p, uint8_t *ic, uint32_t len)
{
	const struct dp_port *port = &w->dp->ports[p->in_port];
	struct rte_ipv6_hdr *ip = pkt_ip6(m);
	const uint8_t *target = ic + 8, *mac;
	int bad;

	if (ip->hop_limits != 255 || ic[1] != 0 || len < ND_NS_LEN ||
	    p->l4_off != PKT_IP_OFF + PKT6_IP_LEN || target[0] == 0xff) {
		stage_drop(w, m, DROP_nd_malformed);
		return 1;
	}
	if (pkt6_icmp_sum(ip, ic, len) != 0xffff) {
		stage_drop(w, m, DROP_bad_icmp_checksum);
		return 1;
	}
	mac = nd_option(ic + ND_NS_LEN, len - ND_NS_LEN,
			ic[0] == ND_NEIGHBOR_SOLICIT ? ND_OPT_SLLA : ND_OPT_TLLA, &bad);
	if (bad) {
		stage_drop(w, m, DROP_nd_malformed);
		return 1;
	}
	if (ic[0] == ND_NEIGHBOR_ADVERT) {
		/* Only for a neighbour we know (asked for, or one that moved): a stray
		 * advertisement fills no slot. Without the option, the frame's sender. */
		if (nd_on_link(port, target) && neigh_has6(w->dp->neigh6, target))
			nd_learn(w, target, p->in_port,
				 mac ? mac : pkt_eth(m)->src_addr.addr_bytes);
		return 0;
	}
	if (!nd_is_ours(w, snap, port, target))
		return 0; /* someone else's address, or the twin's link-local one */
	if (mac != NULL && nd_on_link(port, ip->src_addr))
		nd_learn(w, ip->src_addr, p->in_port, mac);
	nd_advertise(w, m, p, port);
	return 1;
}

int
nd_input(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
	 const struct pkt6_meta *p)
{
	const struct dp_port *port = &w->dp->ports[p->in_port];
	struct rte_ether_hdr *eth = pkt_eth(m);
	struct rte_ipv6_hdr *ip = pkt_ip6(m);
	uint8_t *ic = rte_pktmbuf_mtod_offset(m, uint8_t *, p->l4_off);
	uint32_t len = p->ip_len - (p->l4_off - PKT_IP_OFF);
	struct rte_ether_addr tmp;
	uint8_t a[16];
	uint16_t cs;

	if (ic[0] != ND_NEIGHBOR_SOLICIT && ic[0] != ND_NEIGHBOR_ADVERT &&
	    ic[0] != ICMP6_ECHO_REQUEST)
		return 0;
	if (!port->has_addr6) {
		stage_drop(w, m, DROP_nd_ignored);
		return 1;
	}
	if (ic[0] != ICMP6_ECHO_REQUEST)
		return nd_solicit_or_advert(w, snap, m, p, ic, len);
	/* An echo request: answered when it is to this port's address or a VIP. */
	if (memcmp(ip->dst_addr, port->addr6.b, 16) != 0 && !snap_is_vip6(snap, ip->dst_addr))
		return 0;
	if (ic[1] != 0 || pkt6_icmp_sum(ip, ic, len) != 0xffff) {
		stage_drop(w, m, DROP_bad_icmp_checksum);
		return 1;
	}
	/* The pseudo header sums the same with the addresses swapped: patch the type only. */
	ic[0] = ICMP6_ECHO_REPLY;
	memcpy(&cs, ic + 2, 2);
	cs = csum_replace2(cs, RTE_BE16(ICMP6_ECHO_REQUEST << 8), RTE_BE16(ICMP6_ECHO_REPLY << 8));
	memcpy(ic + 2, &cs, 2);
	memcpy(a, ip->src_addr, 16);
	memcpy(ip->src_addr, ip->dst_addr, 16);
	memcpy(ip->dst_addr, a, 16);
	ip->hop_limits = 64;
	rte_ether_addr_copy(&eth->src_addr, &tmp);
	eth->dst_addr = tmp;
	eth->src_addr = port->mac;
	w->st.icmp_replied++;
	stage_tx(w, p->in_port, m);
	return 1;
}

#define ICMP6_ERR_MAX 1280u /* the IPv6 minimum MTU: an error fits every link */

void
icmp6_send_error(struct stage *w, struct rte_mbuf *m, const struct pkt6_meta *p, uint8_t type,
		 uint8_t code, uint32_t info)
{
	const struct dp *dp = w->dp;
	const struct dp_port *in = &dp->ports[p->in_port];
	const struct rte_ipv6_hdr *oip = pkt_ip6(m);
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip;
	union addr46 src, nh;
	struct rte_mbuf *e;
	unsigned quote, len;
	uint8_t *ic, port;
	uint16_t cs;

	if (p->key.proto == IP6_ICMPV6 &&
	    *rte_pktmbuf_mtod_offset(m, uint8_t *, p->l4_off) < ICMP6_ECHO_REQUEST)
		return; /* never an error about an error (RFC 4443 2.4 e.1) */
	if (!in->has_addr6)
		return;
	if (!tbucket_take(&w->icmp_tb, w->now_ms, ICMP_ERR_PPS, ICMP_ERR_BURST)) {
		w->st.icmp_err_limited++;
		return;
	}
	memcpy(src.b, oip->src_addr, 16);
	if (route6_lookup(dp->routes6, &src, &port, &nh) < 0)
		return;
	e = rte_pktmbuf_alloc(m->pool);
	if (e == NULL)
		return;
	quote = RTE_MIN((unsigned)p->ip_len, ICMP6_ERR_MAX - PKT6_IP_LEN - 8u);
	len = PKT_IP_OFF + PKT6_IP_LEN + 8u + quote;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(e, (uint16_t)len);
	if (eth == NULL || egress_resolve_back6(w, nh.b, port, m, p->in_port, &eth->dst_addr) < 0) {
		rte_pktmbuf_free(e);
		return;
	}
	rte_ether_addr_copy(&dp->ports[port].mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip = (struct rte_ipv6_hdr *)(eth + 1);
	/* internetwork control, as routers send errors */
	ic = pkt6_icmp_error(ip, 0xc0, in->addr6.b, oip->src_addr, 8u + quote, type, code, info);
	memcpy(ic + 8, oip, quote);
	cs = (uint16_t)~pkt6_icmp_sum(ip, ic, 8u + quote);
	memcpy(ic + 2, &cs, 2);
	w->st.icmp_err_sent++;
	stage_tx(w, port, e);
}

struct rte_mbuf *
nd_solicit(const struct dp *dp, struct rte_mempool *mp, uint8_t port, const uint8_t ip6[16])
{
	const struct dp_port *pt = &dp->ports[port];
	const uint16_t len = PKT_IP_OFF + PKT6_IP_LEN + ND_NA_LEN; /* an NS with SLLA: 32 too */
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip;
	struct rte_mbuf *m;
	uint8_t *ns;
	uint16_t cs;

	if (!pt->has_addr6)
		return NULL;
	m = rte_pktmbuf_alloc(mp);
	if (m == NULL)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, len);
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset((void *)eth, 0, len);
	ip = (struct rte_ipv6_hdr *)(eth + 1);
	ns = (uint8_t *)(ip + 1);
	/* To the target's solicited-node group ff02::1:ffXX:XXXX (RFC 4291 2.7.1), whose
	 * MAC is 33:33 and the group's last 32 bits (RFC 2464 7). */
	ip->dst_addr[0] = 0xff;
	ip->dst_addr[1] = 0x02;
	ip->dst_addr[11] = 0x01;
	ip->dst_addr[12] = 0xff;
	memcpy(ip->dst_addr + 13, ip6 + 13, 3);
	eth->dst_addr = (struct rte_ether_addr){ { 0x33, 0x33, 0xff, ip6[13], ip6[14], ip6[15] } };
	rte_ether_addr_copy(&pt->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	memcpy(ip->src_addr, pt->addr6.b, 16);
	ip->vtc_flow = RTE_BE32(6u << 28);
	ip->payload_len = RTE_BE16(ND_NA_LEN);
	ip->proto = IP6_ICMPV6;
	ip->hop_limits = 255;
	ns[0] = ND_NEIGHBOR_SOLICIT;
	memcpy(ns + 8, ip6, 16);
	ns[24] = ND_OPT_SLLA;
	ns[25] = 1;
	memcpy(ns + 26, pt->mac.addr_bytes, 6);
	cs = (uint16_t)~pkt6_icmp_sum(ip, ns, ND_NA_LEN);
	memcpy(ns + 2, &cs, 2);
	m->port = port; /* a port index, as arp_request() */
	return m;
}
