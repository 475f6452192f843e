/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_LADDR_H
#define SLUICE_LADDR_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>

#include "common/addr.h"
#include "packet/pkt.h"

/*
 * Local addresses (LIPs) and their ports for FULLNAT. Every LIP's port range is split
 * into per-worker slices by the low bits of the port (port & mask == worker), so the
 * worker that owns a reply follows from its destination port alone (DESIGN §3).
 *
 * A LIP port is unique per (LIP, port, backend), not per LIP: what a backend sees is the
 * tuple (LIP, port) -> (backend, backend port), and that is exactly the conn's reply key, so
 * the worker's conn table says whether a tuple is in use. No free list: a tuple is free when
 * no conn holds it and it is not in quarantine.
 *
 * Quarantine: a backend keeps a closed TCP tuple in TIME_WAIT (60 s on Linux) and answers a
 * SYN from an unrelated client on that tuple with a stale ACK; the client resets and retries
 * a second later, and the new-conn rate collapses as TIME_WAIT grows. So when a TCP conn
 * ends, its (LIP, port, backend) rests for `dataplane.timeouts.lip_quarantine` before
 * another client may use it. The same client tuple may continue on it at once, as a
 * kernel's SNAT does: the backend accepts that SYN (its sequence number and timestamps
 * follow the client's), so a client that reuses its port (as load generators and proxies
 * do) gets the same LIP port back: the port tried first is the client's own, moved into the
 * worker's slice, on a LIP chosen by the client's address.
 */

#define LADDR_PORT_MIN 1024u
#define LADDR_TRIES 32u /* random ports tried after the client's own, per new conn */

struct laddr_pool;
struct conn;
struct conn_table;

/* Per worker, written by the owner only. */
struct laddr_stats {
	uint64_t kept_port;  /* new conns that kept the client's port (in the worker's slice) */
	uint64_t continued;  /* of them, on a quarantined tuple of the same client tuple */
	uint64_t exhausted;  /* no free tuple found (dropped as no_local_port) */
	uint64_t q_evicted;  /* quarantine full: the oldest record let go early */
	uint32_t q_entries;  /* tuples in quarantine now */
};

/** The owner of a LIP port (network order) with `mask` = next power of two of workers - 1. */
static inline unsigned
laddr_owner(uint16_t port_be, uint16_t mask)
{
	return (unsigned)(rte_be_to_cpu_16(port_be) & mask);
}

/**
 * A pool for worker `worker` over n_lips LIPs (network order), with room for q_capacity
 * tuples in quarantine for q_ticks conn ticks each (0: no quarantine). NULL + errno.
 * Control thread, at start.
 */
struct laddr_pool *laddr_pool_create(const uint32_t *lips, unsigned n_lips, unsigned worker,
				     uint16_t mask, uint32_t q_capacity, uint32_t q_ticks,
				     int socket);
/** The same over IPv6 LIPs, for an IPv6 conn table. NULL + errno. Control thread, at start. */
struct laddr_pool *laddr_pool_create6(const union addr46 *lips, unsigned n_lips,
				      unsigned worker, uint16_t mask, uint32_t q_capacity,
				      uint32_t q_ticks, int socket);
void laddr_pool_free(struct laddr_pool *p);

/**
 * Choose the LIP and port of a new conn from client (caddr, cport) to backend (baddr, bport)
 * over proto: the client's port first, then up to LADDR_TRIES random ones of the worker's
 * slice, each free in ct and not quarantined for another client. 0 or -ENOSPC. `now` is
 * the worker clock in ticks. Owner worker.
 */
int laddr_alloc(struct laddr_pool *p, const struct conn_table *ct, uint32_t caddr,
		uint16_t cport, uint32_t baddr, uint16_t bport, uint8_t proto, uint32_t now,
		uint8_t *lip_idx, uint16_t *port_be);

/**
 * laddr_alloc() for an IPv6 conn, against the IPv6 table ct (an IPv6 pool only: -EINVAL
 * otherwise, and laddr_alloc refuses an IPv6 pool). Owner worker.
 */
int laddr_alloc6(struct laddr_pool *p, const struct conn_table *ct, const uint8_t caddr[16],
		 uint16_t cport, const uint8_t baddr[16], uint16_t bport, uint8_t proto,
		 uint32_t now, uint8_t *lip_idx, uint16_t *port_be);

/**
 * laddr_alloc() for a NAT64 conn: an IPv6 client (caddr) on a tuple of IPv4 pool p toward
 * IPv4 backend baddr. The conn is of the IPv6 table ct6 (its client side is IPv6), where it
 * holds the tuple under its IPv4-mapped reply key; from the first such conn on, every
 * allocation of the pool checks ct6 too, so a tuple is never given to an IPv4 conn and a
 * NAT64 one at once. -EINVAL for an IPv6 pool. Owner worker.
 */
int laddr_alloc64(struct laddr_pool *p, const struct conn_table *ct,
		  const struct conn_table *ct6, const uint8_t caddr[16], uint16_t cport,
		  uint32_t baddr, uint16_t bport, uint8_t proto, uint32_t now, uint8_t *lip_idx,
		  uint16_t *port_be);

/** Whether NAT64 conns hold tuples of IPv4 pool p (laddr_alloc64 ran on it). Owner worker. */
bool laddr_has64(const struct laddr_pool *p);

/** The address of LIP lip_idx of the pool. Owner worker. */
const union addr46 *laddr_lip(const struct laddr_pool *p, uint8_t lip_idx);

/**
 * A conn of table ct (the pool's family, or for an IPv4 pool a NAT64 conn of the IPv6 table:
 * CONN_F_V6, its IPv4 tuple in daddr/laddr) ends: put its TCP tuple in quarantine. Owner
 * worker.
 */
void laddr_release(struct laddr_pool *p, const struct conn_table *ct, const struct conn *c,
		   uint32_t now);

/** Let quarantined tuples go whose time is up, at most `budget` of them. Owner worker. */
void laddr_expire(struct laddr_pool *p, uint32_t now, unsigned budget);

/** The pool's counters. Any thread (a moment's view). */
const struct laddr_stats *laddr_stats(const struct laddr_pool *p);

#endif
