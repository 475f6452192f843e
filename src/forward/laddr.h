/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_LADDR_H
#define SLUICE_LADDR_H

#include <stdint.h>

#include <rte_byteorder.h>

/*
 * Local addresses (LIPs) and their ports for FULLNAT. Every LIP's port range is split
 * into per-worker slices by the low bits of the port (port & mask == worker), so the
 * worker that owns a reply follows from its destination port alone (DESIGN §3). Each
 * worker hands out its slice from a FIFO: a port that comes back goes to the end, so it
 * rests as long as possible before reuse (the backend may still hold it in TIME_WAIT).
 */

#define LADDR_PORT_MIN 1024u

struct laddr_pool;

/** The owner of a LIP port (network order) with `mask` = next power of two of workers - 1. */
static inline unsigned
laddr_owner(uint16_t port_be, uint16_t mask)
{
	return (unsigned)(rte_be_to_cpu_16(port_be) & mask);
}

/** A pool for worker `worker` over n_lips LIPs. NULL + errno. Control thread, at start. */
struct laddr_pool *laddr_pool_create(unsigned n_lips, unsigned worker, uint16_t mask,
				     int socket);
void laddr_pool_free(struct laddr_pool *p);

/** Take a port: round robin over LIPs. 0 or -ENOSPC. Owner worker. */
int laddr_alloc(struct laddr_pool *p, uint8_t *lip_idx, uint16_t *port_be);
/** Give a port back. Owner worker. */
void laddr_free(struct laddr_pool *p, uint8_t lip_idx, uint16_t port_be);
/** Ports free on one LIP (for tests and stats). */
uint32_t laddr_free_count(const struct laddr_pool *p, uint8_t lip_idx);

#endif
