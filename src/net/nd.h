/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_ND_H
#define SLUICE_ND_H

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "net/dp.h"
#include "packet/pkt6.h"
#include "packet/stage.h"
#include "service/snapshot.h"

/*
 * IPv6 neighbour discovery (RFC 4861) and echo for the node's own addresses. A
 * solicitation for a port's IPv6 address, a VIP or a LIP, arriving on that port, is
 * answered with an advertisement (solicited, override, the port's MAC), also a
 * duplicate-address probe (from ::, answered to all nodes); an echo request to a port
 * address or a VIP is answered in place. What neighbours say of themselves is reported to
 * the control thread (the IPv6 neighbour table, net/neigh.h): the source link-layer
 * address of a solicitation for one of our addresses, and the target link-layer address of
 * an advertisement for a neighbour the table has (we asked, or it moved). A neighbour is
 * one on the port's IPv6 subnet or its link-local one.
 */

enum {
	ND_FIRST = 133,            /* router solicitation .. redirect: neighbour discovery */
	ND_LAST = 137,
	ICMP6_ECHO_REQUEST = 128,
	ICMP6_ECHO_REPLY = 129,
	ND_NEIGHBOR_SOLICIT = 135,
	ND_NEIGHBOR_ADVERT = 136,
};

/**
 * Handle a parsed ICMPv6 packet m (p: its meta): 1 when it was answered or dropped here
 * (m consumed), 0 when the caller goes on with it: another solicitation (perhaps for the
 * twin's link-local address), an advertisement (learned from, and the twin may have asked
 * too), an echo to another address (the caller gives it to the twin or counts it). Worker.
 */
int nd_input(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
	     const struct pkt6_meta *p);

enum {
	ICMP6_DEST_UNREACH = 1,
	ICMP6_PACKET_TOO_BIG = 2,
	ICMP6_TIME_EXCEEDED = 3,
	ICMP6_PARAM_PROBLEM = 4,
};

/** Whether an ICMPv6 message of this type is an error that may be about a conn. */
static inline int
icmp6_is_error(uint8_t type)
{
	return type >= ICMP6_DEST_UNREACH && type <= ICMP6_PARAM_PROBLEM;
}

/**
 * Answer m (p: its meta), which the node cannot forward, with an ICMPv6 error of type and
 * code from the address of the port it came in on, routed back to its source: as much of m
 * as fits in 1280 bytes (RFC 4443 2.4), never about an ICMPv6 error, at most the worker's
 * ICMP error rate (counted in icmp_err_sent / icmp_err_limited). m is left to the caller.
 * Worker.
 */
void icmp6_send_error(struct stage *w, struct rte_mbuf *m, const struct pkt6_meta *p,
		      uint8_t type, uint8_t code, uint32_t info);

/**
 * Build a neighbour solicitation for ip from port index `port` of dp (its IPv6 address,
 * to ip's solicited-node multicast group). NULL when no mbuf, or the port has no IPv6
 * address. Control thread.
 */
struct rte_mbuf *nd_solicit(const struct dp *dp, struct rte_mempool *mp, uint8_t port,
			    const uint8_t ip[16]);

#endif
