/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_NEIGH_H
#define SLUICE_NEIGH_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>

/*
 * The neighbour (ARP) table. The control thread alone writes it; workers read it without
 * locks. An address hashes to one bucket of NEIGH_WAYS slots and lives in one of them, so a
 * lookup reads one bucket and an entry can be removed by clearing its slot: there is no
 * probe chain to keep intact. A slot's MAC and valid bit share one 64-bit word stored
 * atomically; a reader reads the address, the word, and the address again, so a slot
 * reused for another address meanwhile is never taken for the one looked up.
 *
 * Room: entries nobody needs age out (30 s after they were last heard from) and are
 * removed. Addresses the node needs (pinned: backends, gateways, peers; wanted: a worker
 * missed them in the last minute; used: a worker resolved through them since the last
 * upkeep) are refreshed instead, and always find room: an address learned from stray ARP
 * may fill at most NEIGH_LEARN_WAYS slots of a bucket, and a needed one evicts the stalest
 * entry nobody needs. Only a bucket full of needed entries refuses one, counted (`full`).
 * Workers report what they learn and miss through a ring to the control thread
 * (struct neigh_event), which does the ARP requests, the ageing and the refreshes.
 */

#define NEIGH_VALID (1ull << 63)
#define NEIGH_WAYS 8u
#define NEIGH_LEARN_WAYS 6u /* the other two of a bucket are for addresses the node needs */

/* What the control thread keeps of an entry (neigh_foreach shows it). */
struct neigh_entry {
	uint32_t ip;        /* network order; 0 = empty slot */
	uint8_t port;
	uint8_t state;
	uint8_t tries;
	uint8_t pinned;     /* kept resolved: a backend, a gateway or a peer */
	uint64_t mac_word;  /* MAC in the low 48 bits | NEIGH_VALID */
	uint64_t confirmed_ms;
	uint64_t sent_ms;
	uint64_t wanted_ms; /* last time a worker missed it, or resolved through it */
};

/* What the workers read: one bucket, two cache lines. */
struct neigh_bucket {
	uint32_t ip[NEIGH_WAYS];
	uint8_t used[NEIGH_WAYS];  /* set by workers on a hit, cleared by the upkeep */
	uint64_t mac[NEIGH_WAYS];  /* MAC | NEIGH_VALID, or 0 */
} __attribute__((aligned(64)));

struct neigh_stats {
	uint64_t full;      /* a needed address found no room (a bucket of needed entries) */
	uint64_t refused;   /* a learned address not kept: its bucket's learned share is full */
	uint64_t evicted;   /* entries removed to make room */
	uint64_t aged;      /* entries removed because nobody needed them */
	uint32_t entries;   /* in the table now */
};

struct neigh_table {
	uint32_t bmask;     /* buckets - 1 */
	struct neigh_stats st;
	struct neigh_entry *meta; /* [buckets * NEIGH_WAYS], control thread only */
	struct neigh_bucket b[];
};

enum neigh_event_type { NEIGH_EV_LEARN = 1, NEIGH_EV_MISS };

/* 12 bytes: an rte_ring element. */
struct neigh_event {
	uint32_t ip;
	uint8_t port;
	uint8_t type;
	uint8_t mac[6];
};

/* The high half of a 64-bit multiplicative hash: every bit of the address counts. */
static inline uint32_t
neigh_hash(uint32_t ip)
{
	return (uint32_t)(((uint64_t)ip * 0x9e3779b97f4a7c15ull) >> 32);
}

/**
 * The MAC of a next hop. 0, or -ENOENT when it is not (or no longer) resolved. Marks the
 * entry used (one store a second at most: only when the upkeep has cleared the mark).
 * Any thread. Reads one bucket.
 */
static inline int
neigh_lookup(struct neigh_table *t, uint32_t ip, struct rte_ether_addr *mac)
{
	struct neigh_bucket *b = &t->b[neigh_hash(ip) & t->bmask];
	unsigned i;

	for (i = 0; i < NEIGH_WAYS; i++) {
		uint64_t w;

		if (__atomic_load_n(&b->ip[i], __ATOMIC_ACQUIRE) != ip)
			continue;
		w = __atomic_load_n(&b->mac[i], __ATOMIC_ACQUIRE);
		/* Still the same address: the slot was not reused while we read it. */
		if (__atomic_load_n(&b->ip[i], __ATOMIC_RELAXED) != ip || !(w & NEIGH_VALID))
			return -ENOENT;
		if (!__atomic_load_n(&b->used[i], __ATOMIC_RELAXED))
			__atomic_store_n(&b->used[i], 1, __ATOMIC_RELAXED);
		memcpy(mac->addr_bytes, &w, RTE_ETHER_ADDR_LEN);
		return 0;
	}
	return -ENOENT;
}

/** Whether ip has an entry, resolved or not. Any thread; marks nothing. */
static inline int
neigh_has(const struct neigh_table *t, uint32_t ip)
{
	const struct neigh_bucket *b = &t->b[neigh_hash(ip) & t->bmask];
	unsigned i;

	for (i = 0; i < NEIGH_WAYS; i++)
		if (__atomic_load_n(&b->ip[i], __ATOMIC_RELAXED) == ip)
			return ip != 0;
	return 0;
}

/*
 * A worker's hints: the MAC a new conn's first packet came from, for the replies of that conn
 * while the table does not know the client's next hop yet. Workers only report what they
 * learn and miss; the control thread writes the table within a tick (2 ms), and a near backend
 * answers sooner: without the hint the first answer to a client whose ARP request just came
 * in (or a client the table aged out) would be dropped, and a TCP client would wait a second
 * for its SYN again. A hint is the packet's own sender on the port the reply leaves by, held
 * a few seconds, and only consulted when the table has no entry: the ARP the miss asked for
 * replaces it. Direct-mapped by address: a hint overwritten by another is a miss, no more.
 */
#define NEIGH_HINTS 64u
#define NEIGH_HINT_MS 3000u

struct neigh_hints {
	struct {
		uint32_t ip;
		uint8_t port;
		uint8_t mac[RTE_ETHER_ADDR_LEN];
		uint64_t until_ms;
	} h[NEIGH_HINTS];
};

/** Remember that ip on port was heard from mac at now_ms. The owning worker. */
static inline void
neigh_hint_put(struct neigh_hints *hs, uint32_t ip, uint8_t port,
	       const struct rte_ether_addr *mac, uint64_t now_ms)
{
	typeof(&hs->h[0]) h = &hs->h[neigh_hash(ip) & (NEIGH_HINTS - 1)];

	h->ip = ip;
	h->port = port;
	memcpy(h->mac, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	h->until_ms = now_ms + NEIGH_HINT_MS;
}

/** The hint for ip on port, if one is fresh: 0, or -ENOENT. The owning worker. */
static inline int
neigh_hint_get(const struct neigh_hints *hs, uint32_t ip, uint8_t port,
	       struct rte_ether_addr *mac, uint64_t now_ms)
{
	const typeof(hs->h[0]) *h = &hs->h[neigh_hash(ip) & (NEIGH_HINTS - 1)];

	if (h->ip != ip || ip == 0 || h->port != port || now_ms >= h->until_ms)
		return -ENOENT;
	memcpy(mac->addr_bytes, h->mac, RTE_ETHER_ADDR_LEN);
	return 0;
}

/** Whether ip has an entry, resolved or not (the control thread's view). Control thread. */
int neigh_known(const struct neigh_table *t, uint32_t ip);

/**
 * A table of `capacity` entries, a power of two and at least NEIGH_WAYS; NULL + errno.
 * Control thread.
 */
struct neigh_table *neigh_create(uint32_t capacity);
void neigh_free(struct neigh_table *t);

/**
 * Record a MAC heard from ip on port (ARP reply or request). An address not yet known takes
 * a free slot within the bucket's learned share, else the slot of the stalest entry nobody
 * needs. 0, or -ENOSPC (counted as refused). Control thread.
 */
int neigh_learn(struct neigh_table *t, uint32_t ip, uint8_t port,
		const struct rte_ether_addr *mac, uint64_t now_ms);
/**
 * A worker needed ip: make sure it is being resolved. 1 when a request should go now, 0,
 * or -ENOSPC (counted as full). Control thread.
 */
int neigh_want(struct neigh_table *t, uint32_t ip, uint8_t port, uint64_t now_ms);
/** Keep ip resolved for as long as it is pinned (backends, gateways). As neigh_want. */
int neigh_pin(struct neigh_table *t, uint32_t ip, uint8_t port, uint64_t now_ms);
void neigh_unpin_all(struct neigh_table *t);

typedef void (*neigh_send_fn)(void *arg, uint32_t ip, uint8_t port);

/**
 * Ageing and resolution, once a second or so: send requests for entries that are needed
 * and unresolved, or needed and stale; remove entries nobody needs once they are 30 s old,
 * forget the MAC of a needed one that stops answering. Control thread.
 */
void neigh_upkeep(struct neigh_table *t, uint64_t now_ms, neigh_send_fn send, void *arg);

/** Visit every entry with an address (for the API and tests). Control thread. */
void neigh_foreach(const struct neigh_table *t,
		   void (*fn)(void *arg, const struct neigh_entry *e), void *arg);

#endif
