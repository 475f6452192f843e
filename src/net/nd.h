/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_ND_H
#define SLUICE_ND_H

#include <rte_mbuf.h>

#include "net/dp.h"
#include "packet/pkt6.h"
#include "packet/stage.h"

/*
 * IPv6 for the node's own port addresses: neighbour discovery (RFC 4861) and echo. A
 * neighbour solicitation for a port's IPv6 address, arriving on that port, is answered with
 * an advertisement (solicited, override, the port's MAC), also a duplicate-address probe
 * (from ::, answered to all nodes); an echo request to it is answered in place. The data
 * plane does not forward IPv6 yet.
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
 * (m consumed), 0 when it is none of the above: another solicitation (perhaps for the
 * twin's link-local address), an advertisement, an echo to another address (the caller
 * gives it to the twin or counts it). Worker.
 */
int nd_input(struct stage *w, struct rte_mbuf *m, const struct pkt6_meta *p);

#endif
