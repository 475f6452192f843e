/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_NEIGH_H
#define SLUICE_NEIGH_H

#include <stdint.h>

#include <rte_ether.h>

/*
 * The neighbour (ARP) table. The control thread alone writes it; workers read it without
 * locks. An entry's address is set once and never moves (open addressing, no deletion:
 * an entry that ages out is only marked invalid), and its MAC and valid bit share one
 * 64-bit word stored atomically, so a reader sees either the old or the new MAC, whole.
 * Workers report what they learn and what they miss through a ring to the control thread
 * (struct neigh_event), which does the ARP requests, the ageing and the refreshes.
 */

#define NEIGH_VALID (1ull << 63)

struct neigh_entry {
	uint32_t ip;        /* network order; 0 = empty slot */
	uint8_t port;
	uint8_t state;      /* control thread only */
	uint8_t tries;
	uint8_t pinned;     /* kept resolved: a backend or a gateway */
	uint64_t mac_word;  /* MAC in the low 48 bits | NEIGH_VALID */
	uint64_t confirmed_ms;
	uint64_t sent_ms;
	uint64_t wanted_ms; /* last time a worker missed it */
};

struct neigh_table {
	uint32_t mask;
	struct neigh_entry e[];
};

enum neigh_event_type { NEIGH_EV_LEARN = 1, NEIGH_EV_MISS };

/* 12 bytes: an rte_ring element. */
struct neigh_event {
	uint32_t ip;
	uint8_t port;
	uint8_t type;
	uint8_t mac[6];
};

static inline uint32_t
neigh_hash(uint32_t ip)
{
	return (ip * 2654435761u) ^ (ip >> 16);
}

/**
 * The MAC of a next hop. 0, or -ENOENT when it is not (or no longer) resolved.
 * Any thread. Bounded: probes at most the table size, in practice one or two slots.
 */
static inline int
neigh_lookup(const struct neigh_table *t, uint32_t ip, struct rte_ether_addr *mac)
{
	uint32_t i = neigh_hash(ip) & t->mask, n;

	for (n = 0; n <= t->mask; n++, i = (i + 1) & t->mask) {
		uint32_t eip = __atomic_load_n(&t->e[i].ip, __ATOMIC_ACQUIRE);

		if (eip == 0)
			return -ENOENT;
		if (eip == ip) {
			uint64_t w = __atomic_load_n(&t->e[i].mac_word, __ATOMIC_ACQUIRE);

			if (!(w & NEIGH_VALID))
				return -ENOENT;
			memcpy(mac->addr_bytes, &w, RTE_ETHER_ADDR_LEN);
			return 0;
		}
	}
	return -ENOENT;
}

/** A table of `capacity` (a power of two) entries; NULL + errno. Control thread. */
struct neigh_table *neigh_create(uint32_t capacity);
void neigh_free(struct neigh_table *t);

/** Record a MAC heard from ip on port (ARP reply or request). 0, -ENOSPC. Control thread. */
int neigh_learn(struct neigh_table *t, uint32_t ip, uint8_t port,
		const struct rte_ether_addr *mac, uint64_t now_ms);
/** A worker needed ip: make sure it is being resolved. 0, -ENOSPC. Control thread. */
int neigh_want(struct neigh_table *t, uint32_t ip, uint8_t port, uint64_t now_ms);
/** Keep ip resolved for as long as it is pinned (backends, gateways). Control thread. */
int neigh_pin(struct neigh_table *t, uint32_t ip, uint8_t port, uint64_t now_ms);
void neigh_unpin_all(struct neigh_table *t);

typedef void (*neigh_send_fn)(void *arg, uint32_t ip, uint8_t port);

/**
 * Ageing and resolution, once a second or so: send requests for entries that are wanted,
 * pinned and unresolved, or stale; invalidate entries that stop answering or that nobody
 * needs any more. Control thread.
 */
void neigh_upkeep(struct neigh_table *t, uint64_t now_ms, neigh_send_fn send, void *arg);

/** Visit every entry with an address (for the API). Control thread. */
void neigh_foreach(const struct neigh_table *t,
		   void (*fn)(void *arg, const struct neigh_entry *e), void *arg);

#endif
