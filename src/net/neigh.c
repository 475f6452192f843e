/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/neigh.h"

/* RFC 4861-like timers, kept simple: an entry is trusted for 30 s after it was heard from,
 * then refreshed with up to 3 requests a second apart while somebody needs it. */
#define REACHABLE_MS 30000u
#define RETRANS_MS 1000u
#define MAX_PROBES 3u
#define WANTED_MS 60000u /* a worker's miss (or hit) keeps an entry needed this long */

enum { NS_NONE = 0, NS_INCOMPLETE, NS_REACHABLE, NS_STALE };

struct neigh_table *
neigh_create(uint32_t capacity)
{
	uint32_t buckets = capacity / NEIGH_WAYS;
	struct neigh_table *t = NULL;
	size_t sz = sizeof(*t) + sizeof(t->b[0]) * buckets;

	if (capacity < NEIGH_WAYS || (capacity & (capacity - 1))) {
		errno = EINVAL;
		return NULL;
	}
	if (posix_memalign((void **)&t, 64, sz) != 0) {
		errno = ENOMEM;
		return NULL;
	}
	memset(t, 0, sz);
	t->bmask = buckets - 1;
	t->meta = calloc(capacity, sizeof(t->meta[0]));
	if (t->meta == NULL) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

void
neigh_free(struct neigh_table *t)
{
	if (t == NULL)
		return;
	free(t->meta);
	free(t);
}

static inline struct neigh_bucket *
bucket_of(const struct neigh_table *t, uint32_t ip, uint32_t *first)
{
	uint32_t bi = neigh_hash(ip) & t->bmask;

	*first = bi * NEIGH_WAYS;
	return (struct neigh_bucket *)&t->b[bi];
}

static inline struct neigh_bucket *
bucket_at(const struct neigh_table *t, uint32_t idx)
{
	return (struct neigh_bucket *)&t->b[idx / NEIGH_WAYS];
}

static void
set_mac(struct neigh_table *t, uint32_t idx, uint64_t word)
{
	t->meta[idx].mac_word = word;
	__atomic_store_n(&bucket_at(t, idx)->mac[idx % NEIGH_WAYS], word, __ATOMIC_RELEASE);
}

static int
needed(const struct neigh_entry *e, uint64_t now_ms)
{
	return e->pinned || (e->wanted_ms && now_ms - e->wanted_ms < WANTED_MS);
}

/* Empty slot idx: the MAC goes first, so no reader can pair the old MAC with a new address. */
static void
slot_clear(struct neigh_table *t, uint32_t idx)
{
	struct neigh_bucket *b = bucket_at(t, idx);

	set_mac(t, idx, 0);
	__atomic_store_n(&b->ip[idx % NEIGH_WAYS], 0, __ATOMIC_RELEASE);
	memset(&t->meta[idx], 0, sizeof(t->meta[idx]));
	t->st.entries--;
}

static int
find(const struct neigh_table *t, uint32_t ip)
{
	uint32_t first, i;

	bucket_of(t, ip, &first);
	for (i = 0; i < NEIGH_WAYS; i++)
		if (t->meta[first + i].ip == ip)
			return (int)(first + i);
	return -1;
}

int
neigh_known(const struct neigh_table *t, uint32_t ip)
{
	return ip != 0 && find(t, ip) >= 0;
}

/*
 * The entry of ip, made when absent: a free slot (a learned address only within the
 * bucket's learned share), else the slot of the stalest entry nobody needs (one without a
 * MAC first, then the one heard from longest ago). -1 when there is no room.
 */
static int
entry_get(struct neigh_table *t, uint32_t ip, uint8_t port, int need, uint64_t now_ms)
{
	struct neigh_bucket *b;
	uint32_t first, i, learned = 0;
	int idx = find(t, ip), free_idx = -1, victim = -1;

	/* 0.0.0.0 marks an empty slot: it can be no neighbour. */
	if (ip == 0)
		return -1;
	if (idx >= 0)
		return idx;
	b = bucket_of(t, ip, &first);
	for (i = first; i < first + NEIGH_WAYS; i++) {
		const struct neigh_entry *e = &t->meta[i];

		if (e->ip == 0) {
			if (free_idx < 0)
				free_idx = (int)i;
			continue;
		}
		if (needed(e, now_ms))
			continue;
		learned++;
		if (victim < 0 || (!(e->mac_word & NEIGH_VALID) &&
				   (t->meta[victim].mac_word & NEIGH_VALID)) ||
		    (!(e->mac_word & NEIGH_VALID) == !(t->meta[victim].mac_word & NEIGH_VALID) &&
		     e->confirmed_ms < t->meta[victim].confirmed_ms))
			victim = (int)i;
	}
	if (free_idx < 0 || (!need && learned >= NEIGH_LEARN_WAYS)) {
		if (victim < 0) {
			if (need)
				t->st.full++;
			else
				t->st.refused++;
			return -1;
		}
		slot_clear(t, (uint32_t)victim);
		t->st.evicted++;
		free_idx = victim;
	}
	idx = free_idx;
	memset(&t->meta[idx], 0, sizeof(t->meta[idx]));
	t->meta[idx].ip = ip;
	t->meta[idx].port = port;
	t->st.entries++;
	__atomic_store_n(&b->used[idx % NEIGH_WAYS], 0, __ATOMIC_RELAXED);
	/* The MAC word is 0 already: publish the address. */
	__atomic_store_n(&b->ip[idx % NEIGH_WAYS], ip, __ATOMIC_RELEASE);
	return idx;
}

int
neigh_learn(struct neigh_table *t, uint32_t ip, uint8_t port, const struct rte_ether_addr *mac,
	    uint64_t now_ms)
{
	int idx = entry_get(t, ip, port, 0, now_ms);
	struct neigh_entry *e;
	uint64_t w = 0;

	if (idx < 0)
		return -ENOSPC;
	e = &t->meta[idx];
	memcpy(&w, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	e->port = port;
	set_mac(t, (uint32_t)idx, w | NEIGH_VALID);
	e->state = NS_REACHABLE;
	e->confirmed_ms = now_ms;
	e->tries = 0;
	return 0;
}

/* Whether a request for e should go out now; if so it is counted as sent. */
static int
due(struct neigh_entry *e, uint64_t now_ms)
{
	if (e->sent_ms != 0 && now_ms - e->sent_ms < RETRANS_MS)
		return 0;
	e->sent_ms = now_ms;
	return 1;
}

int
neigh_want(struct neigh_table *t, uint32_t ip, uint8_t port, uint64_t now_ms)
{
	int idx = entry_get(t, ip, port, 1, now_ms);
	struct neigh_entry *e;

	if (idx < 0)
		return -ENOSPC;
	e = &t->meta[idx];
	e->wanted_ms = now_ms;
	if (e->mac_word & NEIGH_VALID)
		return 0;
	e->state = NS_INCOMPLETE;
	return due(e, now_ms);
}

int
neigh_pin(struct neigh_table *t, uint32_t ip, uint8_t port, uint64_t now_ms)
{
	int idx = entry_get(t, ip, port, 1, now_ms);
	struct neigh_entry *e;

	if (idx < 0)
		return -ENOSPC;
	e = &t->meta[idx];
	e->pinned = 1;
	e->port = port;
	if (e->mac_word & NEIGH_VALID)
		return 0;
	e->state = NS_INCOMPLETE;
	return due(e, now_ms);
}

void
neigh_unpin_all(struct neigh_table *t)
{
	uint32_t i;

	for (i = 0; i < (t->bmask + 1) * NEIGH_WAYS; i++)
		t->meta[i].pinned = 0;
}

void
neigh_upkeep(struct neigh_table *t, uint64_t now_ms, neigh_send_fn send, void *arg)
{
	uint32_t i, n = (t->bmask + 1) * NEIGH_WAYS;

	/* The whole table each call: 4096 entries of plain loads, once a second. */
	for (i = 0; i < n; i++) {
		struct neigh_entry *e = &t->meta[i];
		struct neigh_bucket *b = bucket_at(t, i);
		int need;

		if (e->ip == 0)
			continue;
		/* A worker resolved through it since the last pass: it is in use. */
		if (__atomic_load_n(&b->used[i % NEIGH_WAYS], __ATOMIC_RELAXED)) {
			__atomic_store_n(&b->used[i % NEIGH_WAYS], 0, __ATOMIC_RELAXED);
			e->wanted_ms = now_ms;
		}
		need = needed(e, now_ms);
		if (e->mac_word & NEIGH_VALID) {
			if (now_ms - e->confirmed_ms < REACHABLE_MS)
				continue;
			if (!need) {
				slot_clear(t, i); /* aged out: nobody needs it */
				t->st.aged++;
				continue;
			}
			if (e->tries >= MAX_PROBES) {
				/* Stopped answering: forget the MAC, keep asking. */
				set_mac(t, i, 0);
				e->state = NS_INCOMPLETE;
				e->tries = 0;
				continue;
			}
			e->state = NS_STALE;
			if (due(e, now_ms)) {
				e->tries++;
				send(arg, e->ip, e->port);
			}
		} else if (!need) {
			slot_clear(t, i); /* asked for once, no longer wanted */
			t->st.aged++;
		} else if (due(e, now_ms)) {
			send(arg, e->ip, e->port);
		}
	}
}

void
neigh_foreach(const struct neigh_table *t, void (*fn)(void *arg, const struct neigh_entry *e),
	      void *arg)
{
	uint32_t i, n = (t->bmask + 1) * NEIGH_WAYS;

	for (i = 0; i < n; i++)
		if (t->meta[i].ip != 0)
			fn(arg, &t->meta[i]);
}
