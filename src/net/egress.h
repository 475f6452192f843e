/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_EGRESS_H
#define SLUICE_EGRESS_H

#include <stdint.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "net/dp.h"
#include "net/neigh.h"
#include "packet/stage.h"

/*
 * Where a stage's packet goes once it is rewritten: the MAC of its next hop (the
 * neighbour table, or a hint the worker kept), or the kernel twin of the node's own address.
 */

/**
 * Report a learned or missed neighbour of either family to the control thread; lossy when
 * the ring is full. Worker.
 */
void egress_neigh_event46(struct stage *w, uint8_t type, const union addr46 *ip, uint8_t port,
			  const uint8_t *mac);

/** egress_neigh_event46() for an IPv4 neighbour. Worker. */
static inline void
egress_neigh_event(struct stage *w, uint8_t type, uint32_t ip, uint8_t port, const uint8_t *mac)
{
	union addr46 a = addr46_from_v4(ip);

	egress_neigh_event46(w, type, &a, port, mac);
}

/**
 * The MAC of next hop ip on port: the neighbour table's, else the worker's hint (see
 * struct neigh_hints). 0, or -ENOENT after reporting the miss (the control thread asks by
 * ARP). Worker.
 */
static inline int
egress_resolve(struct stage *w, uint32_t ip, uint8_t port, struct rte_ether_addr *mac)
{
	if (likely(neigh_lookup(w->dp->neigh, ip, mac) == 0))
		return 0;
	egress_neigh_event(w, NEIGH_EV_MISS, ip, port, NULL);
	return neigh_hint_get(w->hints, ip, port, mac, w->now_ms);
}

/** egress_resolve() for an IPv6 next hop (the control thread asks by solicitation). Worker. */
static inline int
egress_resolve6(struct stage *w, const uint8_t ip[16], uint8_t port, struct rte_ether_addr *mac)
{
	union addr46 a;

	if (likely(neigh_lookup6(w->dp->neigh6, ip, mac) == 0))
		return 0;
	memcpy(a.b, ip, 16);
	egress_neigh_event46(w, NEIGH_EV_MISS, &a, port, NULL);
	return neigh_hint_get6(w->hints, ip, port, mac, w->now_ms);
}

/*
 * The MAC of an error the node sends about m back to m's source, leaving on port toward
 * next hop ip: the neighbour's (or a hint), else, when it leaves where m came in (in_port),
 * the MAC m came from: the hop that brought m reaches its source. A one-way mode's client
 * (DR, TUN) is never resolved, and its too-big answer cannot wait for ARP. 0 or -ENOENT.
 * Worker.
 */
static inline int
egress_resolve_back(struct stage *w, uint32_t ip, uint8_t port, struct rte_mbuf *m,
		    uint8_t in_port, struct rte_ether_addr *mac)
{
	if (egress_resolve(w, ip, port, mac) == 0)
		return 0;
	if (port != in_port)
		return -ENOENT;
	rte_ether_addr_copy(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr, mac);
	return 0;
}

/** egress_resolve_back() for an IPv6 next hop. Worker. */
static inline int
egress_resolve_back6(struct stage *w, const uint8_t ip[16], uint8_t port, struct rte_mbuf *m,
		     uint8_t in_port, struct rte_ether_addr *mac)
{
	if (egress_resolve6(w, ip, port, mac) == 0)
		return 0;
	if (port != in_port)
		return -ENOENT;
	rte_ether_addr_copy(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr, mac);
	return 0;
}

/**
 * Hand m, for the node itself, to the kernel through the twin of the port that owns addr.
 * Returns 0, or -1 when that port has no twin (the caller drops m). Worker.
 */
static inline int
egress_to_kernel(struct stage *w, uint32_t addr, struct rte_mbuf *m)
{
	int i = dp_port_of_addr(w->dp, addr);

	if (i < 0 || !w->dp->ports[i].has_twin)
		return -1;
	w->st.to_kernel++;
	stage_tx(w, STAGE_TWIN(i), m);
	return 0;
}

/**
 * Hand m, an IPv6 packet to dst that arrived on port `in`, to that port's kernel twin when
 * it is the node's own: to the port's IPv6 address, to a link-local address (the twin's),
 * or (nd: it is neighbour discovery, which the twin's kernel takes part in) to a multicast
 * group. 0, or -1 when it is none of those or the port has no twin (the caller drops m).
 * Worker.
 */
static inline int
egress_to_kernel6(struct stage *w, uint8_t in, const uint8_t dst[16], int nd,
		  struct rte_mbuf *m)
{
	const struct dp_port *port = &w->dp->ports[in];

	if (!port->has_addr6 || !port->has_twin ||
	    (memcmp(dst, port->addr6.b, 16) != 0 && !(dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80) &&
	     !(nd && dst[0] == 0xff)))
		return -1;
	w->st.to_kernel++;
	stage_tx(w, STAGE_TWIN(in), m);
	return 0;
}

#endif
