/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_PERSIST_H
#define SLUICE_PERSIST_H

#include <stdint.h>

/*
 * Persistence (source-address affinity, ipvsadm -p -M): which backend a client (its
 * address masked by the service's netmask) is bound to, for every worker of the node.
 *
 * RSS spreads one client's conns over the workers, so the binding cannot live in a
 * worker's table. It is one shared table, lock-free: an entry's key and backend share one
 * 64-bit word written with compare-and-swap, its deadline another word; a lookup reads
 * the word, checks the key and the deadline. Entries are never deleted: an expired one
 * is free to be taken. Each key lives in a window of 8 entries from its hash, so a lookup
 * or a bind reads at most 8 entries.
 *
 * Why a table and not a stateless hash: the binding must follow the service's own
 * scheduler (wrr, lc, ...) and must end after the timeout, as an operator of LVS expects;
 * a hash of the client address would do neither (sh is that, and is a scheduler of its own).
 *
 * Two first conns of one client that race on two workers may be bound to two backends;
 * from the next conn on, every worker finds the same entry (the first in its window).
 */

struct persist_table;

/** A table of `entries` (a power of two) bindings. NULL + errno. Control thread. */
struct persist_table *persist_create(uint32_t entries);
void persist_free(struct persist_table *t);

/**
 * The backend slot client `src` of service slot `svc` is bound to, or -1 (none, or
 * expired at now_s). Any worker.
 */
int persist_lookup(const struct persist_table *t, uint16_t svc, uint32_t src, uint32_t now_s);

/**
 * Bind client src of svc to backend slot be until expire_s (a new binding, a rebinding,
 * or a refresh). 0, or -ENOSPC when the key's window holds only live bindings of others.
 * Any worker.
 */
int persist_bind(struct persist_table *t, uint16_t svc, uint32_t src, uint16_t be,
		 uint32_t expire_s, uint32_t now_s);

#endif
