/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_FWD6_H
#define SLUICE_FWD6_H

#include <stddef.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "common/addr.h"
#include "common/drop.h"
#include "packet/csum.h"
#include "packet/pkt6.h"

/*
 * The IPv6 twin of fwd_rewrite (forward/fwd.h): what a mode does to an IPv6 packet it
 * forwards. IPv6 has no header checksum; the hop limit is not covered by any, and the L4
 * checksum covers the addresses through the pseudo-header, so it is patched for them and
 * the ports, never recomputed over the payload.
 */

/** Decrement the hop limit. 0 or DROP_ttl_exceeded (the caller answers time-exceeded). */
static inline int
fwd_hop_dec6(struct rte_ipv6_hdr *ip)
{
	if (unlikely(ip->hop_limits <= 1))
		return DROP_ttl_exceeded;
	ip->hop_limits--;
	return 0;
}

/**
 * Rewrite the addresses and ports of a parsed IPv6 TCP or UDP packet (p: pkt_parse6's),
 * decrement its hop limit and patch the L4 checksum. 0 or DROP_ttl_exceeded. Worker.
 */
static inline int
fwd_rewrite6(struct rte_mbuf *m, const struct pkt6_meta *p, const uint8_t saddr[16],
	     const uint8_t daddr[16], uint16_t sport, uint16_t dport)
{
	struct rte_ipv6_hdr *ip = pkt_ip6(m);
	struct rte_udp_hdr *uh = rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, p->l4_off);
	/* TCP and UDP both start with the two ports; only the checksum's place differs. */
	uint8_t *sum = (uint8_t *)uh + (p->key.proto == PROTO_TCP ?
					offsetof(struct rte_tcp_hdr, cksum) :
					offsetof(struct rte_udp_hdr, dgram_cksum));
	uint16_t csum;

	if (unlikely(fwd_hop_dec6(ip) != 0))
		return DROP_ttl_exceeded;
	memcpy(&csum, sum, 2);
	csum = csum_replace16(csum, ip->src_addr, saddr);
	csum = csum_replace16(csum, ip->dst_addr, daddr);
	csum = csum_replace2(csum, uh->src_port, sport);
	csum = csum_replace2(csum, uh->dst_port, dport);
	/* UDP over IPv6 always carries a checksum (RFC 8200 8.1): 0 is sent as 0xffff. */
	if (p->key.proto == PROTO_UDP && csum == 0)
		csum = 0xffff;
	memcpy(sum, &csum, 2);
	uh->src_port = sport;
	uh->dst_port = dport;
	memcpy(ip->src_addr, saddr, 16);
	memcpy(ip->dst_addr, daddr, 16);
	return 0;
}

#endif
