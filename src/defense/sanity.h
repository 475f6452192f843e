/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_SANITY_H
#define SLUICE_SANITY_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_tcp.h>

#include "common/drop.h"
#include "net/dp.h"
#include "packet/pkt.h"
#include "service/snapshot.h"

/*
 * The sanity filter: always on, before anything else looks at a packet, each check with a
 * counter of its own. What it drops can be no real client's traffic: frames sent to another
 * station or from a group MAC, sources that cannot be answered (martians, a subnet's
 * broadcast, our own addresses, a backend's address arriving from elsewhere), the land
 * attack, TCP flag sets that no stack sends. None of it ever opens a conn, gets an answer or
 * is passed to a peer.
 *
 * Split by cost: sanity_frame() and sanity_tcp_flags() are a few compares and run on every
 * packet; sanity_source() needs hash lookups and runs where a packet could open a conn or
 * be answered (conn misses, ICMP to the node), since a packet of an existing conn cannot
 * carry such a source: its conn could never have been opened.
 */

/**
 * Ethernet and IPv4 source checks of a parsed frame: 0 or a drop reason. ARP may be sent to
 * the broadcast address, IPv6 to a multicast one; everything else must be addressed to the
 * port that received it.
 * Worker.
 */
static inline unsigned
sanity_frame(const struct dp *dp, struct rte_mbuf *m, const struct pkt_meta *p)
{
	const struct rte_ether_hdr *eth = pkt_eth(m);
	uint32_t s;

	if (unlikely(rte_is_multicast_ether_addr(&eth->src_addr)))
		return DROP_mac_bad_source; /* broadcast is a multicast address too */
	if (p->kind == PKT_ARP)
		return 0;
	/* IPv6 neighbour discovery comes to solicited-node multicast MACs: ours too. */
	if (unlikely(!rte_is_same_ether_addr(&eth->dst_addr, &dp->ports[p->in_port].mac) &&
		     !(p->kind == PKT_IPV6 && rte_is_multicast_ether_addr(&eth->dst_addr))))
		return DROP_mac_not_ours;
	if (p->kind == PKT_IPV6)
		return 0; /* its sources are pkt_parse6()'s and the stages' to judge */
	s = rte_be_to_cpu_32(p->key.saddr);
	/* 0/8 "this network", 127/8 loopback, 224/4 multicast, 240/4 reserved and broadcast */
	if (unlikely((s >> 24) == 0 || (s >> 24) == 127 || s >= 0xe0000000u))
		return DROP_src_martian;
	if (unlikely(p->key.saddr == p->key.daddr))
		return DROP_land;
	return 0;
}

/* Flags that no TCP stack sends, by the low six flag bits (FIN SYN RST PSH ACK URG). */
static inline unsigned
sanity_tcp_flags_reason(uint8_t f)
{
	const uint8_t fin = RTE_TCP_FIN_FLAG, syn = RTE_TCP_SYN_FLAG, rst = RTE_TCP_RST_FLAG,
		      psh = RTE_TCP_PSH_FLAG, ack = RTE_TCP_ACK_FLAG, urg = RTE_TCP_URG_FLAG;

	f &= fin | syn | rst | psh | ack | urg;
	if (f == 0)
		return DROP_tcp_null;
	if ((f & (syn | fin)) == (syn | fin))
		return DROP_tcp_syn_fin;
	if ((f & (syn | rst)) == (syn | rst))
		return DROP_tcp_syn_rst;
	if ((f & (fin | psh | urg)) == (fin | psh | urg) && !(f & ack))
		return DROP_tcp_xmas;
	if ((f & (fin | ack)) == fin)
		return DROP_tcp_fin_no_ack;
	return 0;
}

/** The TCP flag-set check: 0 or a drop reason. Every TCP packet. Worker. */
static inline unsigned
sanity_tcp_flags(const struct pkt_meta *p)
{
	const uint8_t fin = RTE_TCP_FIN_FLAG, syn = RTE_TCP_SYN_FLAG, rst = RTE_TCP_RST_FLAG;
	uint8_t f = p->tcp_flags;

	/* The common case in one test: an ACK without SYN or FIN, or a SYN alone. */
	if (likely(((f & RTE_TCP_ACK_FLAG) && !(f & (syn | fin))) ||
		   (f & (syn | fin | rst | RTE_TCP_ACK_FLAG)) == syn))
		return 0;
	return sanity_tcp_flags_reason(f);
}

/**
 * The source checks that need the node's addresses: a port subnet's broadcast address, an
 * address of the node itself (port, LIP, VIP), or a backend's address arriving on a port
 * other than the one that backend is reached through (a spoof; a backend on its own LAN may
 * still be a client of a VIP). 0 or a drop reason. Worker.
 */
static inline unsigned
sanity_source(const struct dp *dp, const struct snapshot *snap, const struct pkt_meta *p)
{
	uint32_t s = p->key.saddr;
	unsigned i;
	int port;

	for (i = 0; i < dp->n_ports; i++)
		if (s == dp->ports[i].bcast)
			return DROP_src_broadcast;
	if (dp_local_kind(dp, s) != 0 || snap_is_vip(snap, s))
		return DROP_src_local;
	port = snap_backend_port(snap, s);
	if (port >= 0 && port != p->in_port)
		return DROP_src_backend;
	return 0;
}

#endif
