/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_NEIGH_H
#define SLUICE_NEIGH_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_hash_crc.h>

#include "common/addr.h"

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
 *
 * IPv6 (neighbour discovery, RFC 4861) has a table of its own with the same rules, so an
 * IPv4 lookup still reads 16-byte keys nowhere. Its 16-byte address cannot be stored in one
 * atomic word: a slot carries a sequence number the control thread makes odd while it
 * changes the slot, and a reader that sees it change (or odd) takes the lookup for a miss.
 */

#define NEIGH_VALID (1ull << 63)
#define NEIGH_WAYS 8u
#define NEIGH_LEARN_WAYS 6u /* the other two of a bucket are for addresses the node needs */

/* What the control thread keeps of an entry (neigh_foreach shows it). */
struct neigh_entry {
	union addr46 ip;    /* the table's family; all zero = empty slot */
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

/* An IPv6 bucket: four cache lines. */
struct neigh6_bucket {
	uint32_t seq[NEIGH_WAYS];  /* odd while the control thread changes the slot */
	uint8_t used[NEIGH_WAYS];
	uint64_t mac[NEIGH_WAYS];
	uint64_t ip[NEIGH_WAYS][2]; /* the address as two words; 0 = empty */
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
	uint8_t v6;         /* an IPv6 table: b6 holds the buckets, b[] is empty */
	struct neigh_stats st;
	struct neigh_entry *meta; /* [buckets * NEIGH_WAYS], control thread only */
	struct neigh6_bucket *b6;
	struct neigh_bucket b[];
};

enum neigh_event_type { NEIGH_EV_LEARN = 1, NEIGH_EV_MISS };

/* 24 bytes: an rte_ring element. ip is either family (IPv4 mapped, common/addr.h). */
struct neigh_event {
	union addr46 ip;
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

static inline uint32_t
neigh6_hash(const uint8_t ip[16])
{
	return rte_hash_crc(ip, 16, 0);
}

/**
 * The MAC of an IPv6 next hop, as neigh_lookup(). A slot that changes while it is read
 * (its sequence number odd, or not the same after) is a miss: the control thread only
 * changes a slot to forget or replace its entry, so the miss is the truth a moment later.
 * Any thread.
 */
static inline int
neigh_lookup6(struct neigh_table *t, const uint8_t ip[16], struct rte_ether_addr *mac)
{
	struct neigh6_bucket *b = &t->b6[neigh6_hash(ip) & t->bmask];
	uint64_t a0, a1;
	unsigned i;

	memcpy(&a0, ip, 8);
	memcpy(&a1, ip + 8, 8);
	for (i = 0; i < NEIGH_WAYS; i++) {
		uint32_t s;
		uint64_t w;

		if (__atomic_load_n(&b->ip[i][1], __ATOMIC_RELAXED) != a1 ||
		    __atomic_load_n(&b->ip[i][0], __ATOMIC_RELAXED) != a0)
			continue;
		s = __atomic_load_n(&b->seq[i], __ATOMIC_ACQUIRE);
		w = __atomic_load_n(&b->mac[i], __ATOMIC_RELAXED);
		if (__atomic_load_n(&b->ip[i][0], __ATOMIC_RELAXED) != a0 ||
		    __atomic_load_n(&b->ip[i][1], __ATOMIC_RELAXED) != a1)
			return -ENOENT;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if ((s & 1) || __atomic_load_n(&b->seq[i], __ATOMIC_RELAXED) != s ||
		    !(w & NEIGH_VALID))
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

/** Whether IPv6 ip has an entry, resolved or not. Any thread; marks nothing. */
static inline int
neigh_has6(const struct neigh_table *t, const uint8_t ip[16])
{
	const struct neigh6_bucket *b = &t->b6[neigh6_hash(ip) & t->bmask];
	uint64_t a0, a1;
	unsigned i;

	memcpy(&a0, ip, 8);
	memcpy(&a1, ip + 8, 8);
	if ((a0 | a1) == 0)
		return 0;
	for (i = 0; i < NEIGH_WAYS; i++)
		if (__atomic_load_n(&b->ip[i][0], __ATOMIC_RELAXED) == a0 &&
		    __atomic_load_n(&b->ip[i][1], __ATOMIC_RELAXED) == a1)
			return 1;
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
	struct {
		uint8_t ip[16];
		uint8_t port;
		uint8_t mac[RTE_ETHER_ADDR_LEN];
		uint64_t until_ms;
	} h6[NEIGH_HINTS];
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

/** neigh_hint_put() for an IPv6 next hop. The owning worker. */
static inline void
neigh_hint_put6(struct neigh_hints *hs, const uint8_t ip[16], uint8_t port,
		const struct rte_ether_addr *mac, uint64_t now_ms)
{
	typeof(&hs->h6[0]) h = &hs->h6[neigh6_hash(ip) & (NEIGH_HINTS - 1)];

	memcpy(h->ip, ip, 16);
	h->port = port;
	memcpy(h->mac, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	h->until_ms = now_ms + NEIGH_HINT_MS;
}

/** neigh_hint_get() for an IPv6 next hop. The owning worker. */
static inline int
neigh_hint_get6(const struct neigh_hints *hs, const uint8_t ip[16], uint8_t port,
		struct rte_ether_addr *mac, uint64_t now_ms)
{
	const typeof(hs->h6[0]) *h = &hs->h6[neigh6_hash(ip) & (NEIGH_HINTS - 1)];

	if (h->until_ms == 0 || memcmp(h->ip, ip, 16) != 0 || h->port != port ||
	    now_ms >= h->until_ms)
		return -ENOENT;
	memcpy(mac->addr_bytes, h->mac, RTE_ETHER_ADDR_LEN);
	return 0;
}

/*
 * The control thread's side. An address is given as a union addr46 of the table's family
 * (IPv4 mapped for the IPv4 table); one of the other family is refused with -EAFNOSUPPORT.
 * The IPv4 table's callers pass a uint32_t through the wrappers further down.
 */

/**
 * A table of `capacity` entries, a power of two and at least NEIGH_WAYS, for IPv4
 * (neigh_create) or IPv6 (neigh6_create); NULL + errno. Control thread.
 */
struct neigh_table *neigh_create(uint32_t capacity);
struct neigh_table *neigh6_create(uint32_t capacity);
void neigh_free(struct neigh_table *t);

/** Whether ip has an entry, resolved or not (the control thread's view). Control thread. */
int neigh_known46(const struct neigh_table *t, const union addr46 *ip);

/**
 * Record a MAC heard from ip on port (ARP, or a solicitation or advertisement). An address
 * not yet known takes a free slot within the bucket's learned share, else the slot of the
 * stalest entry nobody needs. 0, or -ENOSPC (counted as refused). Control thread.
 */
int neigh_learn46(struct neigh_table *t, const union addr46 *ip, uint8_t port,
		  const struct rte_ether_addr *mac, uint64_t now_ms);
/**
 * A worker needed ip: make sure it is being resolved. 1 when a request should go now, 0,
 * or -ENOSPC (counted as full). Control thread.
 */
int neigh_want46(struct neigh_table *t, const union addr46 *ip, uint8_t port, uint64_t now_ms);
/** Keep ip resolved for as long as it is pinned (backends, gateways). As neigh_want46. */
int neigh_pin46(struct neigh_table *t, const union addr46 *ip, uint8_t port, uint64_t now_ms);
void neigh_unpin_all(struct neigh_table *t);

static inline int
neigh_known(const struct neigh_table *t, uint32_t ip)
{
	union addr46 a = addr46_from_v4(ip);

	return neigh_known46(t, &a);
}

static inline int
neigh_learn(struct neigh_table *t, uint32_t ip, uint8_t port, const struct rte_ether_addr *mac,
	    uint64_t now_ms)
{
	union addr46 a = addr46_from_v4(ip);

	return neigh_learn46(t, &a, port, mac, now_ms);
}

static inline int
neigh_want(struct neigh_table *t, uint32_t ip, uint8_t port, uint64_t now_ms)
{
	union addr46 a = addr46_from_v4(ip);

	return neigh_want46(t, &a, port, now_ms);
}

static inline int
neigh_pin(struct neigh_table *t, uint32_t ip, uint8_t port, uint64_t now_ms)
{
	union addr46 a = addr46_from_v4(ip);

	return neigh_pin46(t, &a, port, now_ms);
}

/* A request to send: ARP for an IPv4 table, a solicitation for an IPv6 one. */
typedef void (*neigh_send_fn)(void *arg, const union addr46 *ip, uint8_t port);

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
