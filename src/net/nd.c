/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "net/nd.h"
#include "packet/csum.h"

#define ND_NS_LEN 24 /* type, code, checksum, reserved, target */
#define ND_NA_LEN 32 /* and the target link-layer address option */

static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };

/* The ICMPv6 checksum of len bytes at l4, with the pseudo header of ip (RFC 8200 8.1). */
static uint16_t
icmp6_sum(const struct rte_ipv6_hdr *ip, const void *l4, uint32_t len)
{
	uint32_t sum = 0, hdr[2] = { rte_cpu_to_be_32(len), rte_cpu_to_be_32(IP6_ICMPV6) };

	sum = __rte_raw_cksum(ip->src_addr, 16, sum);
	sum = __rte_raw_cksum(ip->dst_addr, 16, sum);
	sum = __rte_raw_cksum(hdr, sizeof(hdr), sum);
	sum = __rte_raw_cksum(l4, len, sum);
	return (uint16_t)__rte_raw_cksum_reduce(sum);
}

/* A solicitation for our address: the advertisement, built over it. */
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
	 * header) stays where the advertisement's goes. */
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
	memcpy(ip->src_addr, port->addr6.b, 16);
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
	na[24] = 2; /* target link-layer address */
	na[25] = 1; /* 8 bytes */
	memcpy(na + 26, port->mac.addr_bytes, 6);
	cs = (uint16_t)~icmp6_sum(ip, na, ND_NA_LEN);
	memcpy(na + 2, &cs, 2);
	w->st.nd_replied++;
	stage_tx(w, p->in_port, m);
}

int
nd_input(struct stage *w, struct rte_mbuf *m, const struct pkt6_meta *p)
{
	const struct dp_port *port = &w->dp->ports[p->in_port];
	struct rte_ether_hdr *eth = pkt_eth(m);
	struct rte_ipv6_hdr *ip = pkt_ip6(m);
	uint8_t *ic = rte_pktmbuf_mtod_offset(m, uint8_t *, p->l4_off);
	uint32_t len = p->ip_len - (p->l4_off - PKT_IP_OFF);
	struct rte_ether_addr tmp;
	uint8_t a[16];

	if (ic[0] != ND_NEIGHBOR_SOLICIT && ic[0] != ICMP6_ECHO_REQUEST)
		return 0;
	if (!port->has_addr6) {
		stage_drop(w, m, DROP_nd_ignored);
		return 1;
	}
	if (ic[0] == ND_NEIGHBOR_SOLICIT) {
		/* RFC 4861 7.1.1: from the link itself, whole, no extension header */
		if (ip->hop_limits != 255 || ic[1] != 0 || len < ND_NS_LEN ||
		    p->l4_off != PKT_IP_OFF + PKT6_IP_LEN) {
			stage_drop(w, m, DROP_nd_malformed);
			return 1;
		}
		if (icmp6_sum(ip, ic, len) != 0xffff) {
			stage_drop(w, m, DROP_bad_icmp_checksum);
			return 1;
		}
		if (memcmp(ic + 8, port->addr6.b, 16) != 0)
			return 0; /* someone else's address, or the twin's link-local one */
		nd_advertise(w, m, p, port);
		return 1;
	}
	/* An echo request: answered when it is to this port's address. */
	if (memcmp(ip->dst_addr, port->addr6.b, 16) != 0)
		return 0;
	if (ic[1] != 0 || icmp6_sum(ip, ic, len) != 0xffff) {
		stage_drop(w, m, DROP_bad_icmp_checksum);
		return 1;
	}
	/* The pseudo header sums the same with the addresses swapped: patch the type only. */
	ic[0] = ICMP6_ECHO_REPLY;
	{
		uint16_t cs;

		memcpy(&cs, ic + 2, 2);
		cs = csum_replace2(cs, RTE_BE16(ICMP6_ECHO_REQUEST << 8),
				   RTE_BE16(ICMP6_ECHO_REPLY << 8));
		memcpy(ic + 2, &cs, 2);
	}
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
