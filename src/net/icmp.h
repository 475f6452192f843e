/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_ICMP_H
#define SLUICE_ICMP_H

#include <rte_mbuf.h>

#include "net/dp.h"
#include "packet/pkt.h"
#include "packet/stage.h"
#include "service/snapshot.h"

/* ICMP types that DPDK 22.11's rte_icmp.h does not name (RFC 792). */
enum {
	ICMP4_DEST_UNREACH = 3,
	ICMP4_SOURCE_QUENCH = 4,
	ICMP4_REDIRECT = 5,
	ICMP4_TIME_EXCEEDED = 11,
	ICMP4_PARAM_PROBLEM = 12,
};

/* Destination unreachable's code for "fragmentation needed and DF set" (RFC 1191). */
#define ICMP4_FRAG_NEEDED 4

/* ICMP errors a worker may send, per second, and in one burst (RFC 1812 4.3.2.8). */
#define ICMP_ERR_PPS 1000u
#define ICMP_ERR_BURST 100u

static inline int
icmp_is_error(uint8_t type)
{
	return type == ICMP4_DEST_UNREACH || type == ICMP4_SOURCE_QUENCH ||
	       type == ICMP4_REDIRECT || type == ICMP4_TIME_EXCEEDED ||
	       type == ICMP4_PARAM_PROBLEM;
}

/** Whether an ICMP message of this type may be about a conn (forward/fwd_icmp.h). */
static inline int
icmp_is_relayable(uint8_t type)
{
	return icmp_is_error(type) && type != ICMP4_REDIRECT; /* redirects are never followed */
}

/**
 * Handle an ICMP packet on a worker that is no error about a conn (those are
 * forward/fwd_icmp.h's), whose source passed sanity_source() (the caller's check): an
 * echo request with a right checksum to a port address, a VIP or a LIP is answered in
 * place; what concerns the node's own traffic goes to the kernel twin; anything else is
 * dropped and counted. Consumes m. Worker.
 */
void icmp_input(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
		struct pkt_meta *p);

/**
 * Tell the source of m, a parsed IPv4 packet the node will not forward, why: an ICMP error
 * of `type` and `code` from the address of the port m came in on, quoting m's IP header and
 * as much of its payload as fits in 576 bytes (RFC 1812). `info` is the 32-bit field after
 * the checksum (the next-hop MTU for fragmentation-needed), network order. Routed like any
 * output packet; never about an ICMP error or to a source the sanity filter refuses;
 * rate-limited per worker. m is not consumed. Worker.
 */
void icmp_send_error(struct stage *w, struct rte_mbuf *m, const struct pkt_meta *p,
		     uint8_t type, uint8_t code, uint32_t info);

#endif
