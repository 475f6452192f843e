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

static struct neigh_table *
table_create(uint32_t capacity, int v6)
{
	uint32_t buckets = capacity / NEIGH_WAYS;
	struct neigh_table *t = NULL;
	size_t sz = sizeof(*t) + (v6 ? 0 : sizeof(t->b[0]) * buckets);

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
	t->v6 = (uint8_t)v6;
	t->meta = calloc(capacity, sizeof(t->meta[0]));
	if (v6 && posix_memalign((void **)&t->b6, 64, sizeof(t->b6[0]) * buckets) == 0)
		memset(t->b6, 0, sizeof(t->b6[0]) * buckets);
	if (t->meta == NULL || (v6 && t->b6 == NULL)) {
		neigh_free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

struct neigh_table *
neigh_create(uint32_t capacity)
{
	return table_create(capacity, 0);
}

struct neigh_table *
neigh6_create(uint32_t capacity)
{
	return table_create(capacity, 1);
}

void
neigh_free(struct neigh_table *t)
{
	if (t == NULL)
		return;
	free(t->meta);
	free(t->b6);
	free(t);
}

static uint32_t
bucket_idx(const struct neigh_table *t, const union addr46 *ip)
{
	return (t->v6 ? neigh6_hash(ip->b) : neigh_hash(ip->w[3])) & t->bmask;
}

/* A usable key of t's family: 0.0.0.0 and :: mark empty slots, no neighbour has them. */
static int
key_ok(const struct neigh_table *t, const union addr46 *ip)
{
	if (addr46_is_v4(ip))
		return !t->v6 && ip->w[3] != 0;
	return t->v6 && (ip->w[0] | ip->w[1] | ip->w[2] | ip->w[3]) != 0;
}

static uint8_t *
used_of(const struct neigh_table *t, uint32_t idx)
{
	uint32_t bi = idx / NEIGH_WAYS, way = idx % NEIGH_WAYS;

	return t->v6 ? &t->b6[bi].used[way] : (uint8_t *)&t->b[bi].used[way];
}

/* IPv6: a slot's sequence number is odd while it changes (see neigh_lookup6). */
static void
seq_begin(struct neigh6_bucket *b, uint32_t way)
{
	__atomic_store_n(&b->seq[way], b->seq[way] + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void
seq_end(struct neigh6_bucket *b, uint32_t way)
{
	__atomic_store_n(&b->seq[way], b->seq[way] + 1, __ATOMIC_RELEASE);
}

static void
set_mac(struct neigh_table *t, uint32_t idx, uint64_t word)
{
	uint32_t bi = idx / NEIGH_WAYS, way = idx % NEIGH_WAYS;

	t->meta[idx].mac_word = word;
	if (t->v6) {
		seq_begin(&t->b6[bi], way);
		__atomic_store_n(&t->b6[bi].mac[way], word, __ATOMIC_RELAXED);
		seq_end(&t->b6[bi], way);
	} else {
		__atomic_store_n(&t->b[bi].mac[way], word, __ATOMIC_RELEASE);
	}
}

/* Publish (or, with NULL, clear) the address of slot idx; its MAC word is 0. */
static void
set_addr(struct neigh_table *t, uint32_t idx, const union addr46 *ip)
{
	uint32_t bi = idx / NEIGH_WAYS, way = idx % NEIGH_WAYS;

	if (t->v6) {
		uint64_t a[2] = { 0, 0 };

		if (ip != NULL)
			memcpy(a, ip->b, 16);
		seq_begin(&t->b6[bi], way);
		__atomic_store_n(&t->b6[bi].ip[way][0], a[0], __ATOMIC_RELAXED);
		__atomic_store_n(&t->b6[bi].ip[way][1], a[1], __ATOMIC_RELAXED);
		seq_end(&t->b6[bi], way);
	} else {
		__atomic_store_n(&t->b[bi].ip[way], ip ? ip->w[3] : 0, __ATOMIC_RELEASE);
	}
}

static int
needed(const struct neigh_entry *e, uint64_t now_ms)
{
	return e->pinned || (e->wanted_ms && now_ms - e->wanted_ms < WANTED_MS);
}

static int
empty(const struct neigh_entry *e)
{
	return (e->ip.w[0] | e->ip.w[1] | e->ip.w[2] | e->ip.w[3]) == 0;
}

/* Empty slot idx: the MAC goes first, so no reader can pair the old MAC with a new address. */
static void
slot_clear(struct neigh_table *t, uint32_t idx)
{
	set_mac(t, idx, 0);
	set_addr(t, idx, NULL);
	memset(&t->meta[idx], 0, sizeof(t->meta[idx]));
	t->st.entries--;
}

static int
find(const struct neigh_table *t, const union addr46 *ip)
{
	uint32_t first = bucket_idx(t, ip) * NEIGH_WAYS, i;

	for (i = 0; i < NEIGH_WAYS; i++)
		if (addr46_eq(&t->meta[first + i].ip, ip))
			return (int)(first + i);
	return -1;
}

int
neigh_known46(const struct neigh_table *t, const union addr46 *ip)
{
	return key_ok(t, ip) && find(t, ip) >= 0;
}

/*
 * The entry of ip, made when absent: a free slot (a learned address only within the
 * bucket's learned share), else the slot of the stalest entry nobody needs (one without a
 * MAC first, then the one heard from longest ago). -1 when there is no room.
 */
static int
entry_get(struct neigh_table *t, const union addr46 *ip, uint8_t port, int need,
	  uint64_t now_ms)
{
	uint32_t first, i, learned = 0;
	int idx, free_idx = -1, victim = -1;

	idx = find(t, ip);
	if (idx >= 0)
		return idx;
	first = bucket_idx(t, ip) * NEIGH_WAYS;
	for (i = first; i < first + NEIGH_WAYS; i++) {
		const struct neigh_entry *e = &t->meta[i];

		if (empty(e)) {
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
	t->meta[idx].ip = *ip;
	t->meta[idx].port = port;
	t->st.entries++;
	__atomic_store_n(used_of(t, (uint32_t)idx), 0, __ATOMIC_RELAXED);
	/* The MAC word is 0 already: publish the address. */
	set_addr(t, (uint32_t)idx, ip);
	return idx;
}

int
neigh_learn46(struct neigh_table *t, const union addr46 *ip, uint8_t port,
	      const struct rte_ether_addr *mac, uint64_t now_ms)
{
	struct neigh_entry *e;
	uint64_t w = 0;
	int idx;

	if (!key_ok(t, ip))
		return -EAFNOSUPPORT;
	idx = entry_get(t, ip, port, 0, now_ms);
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
neigh_want46(struct neigh_table *t, const union addr46 *ip, uint8_t port, uint64_t now_ms)
{
	struct neigh_entry *e;
	int idx;

	if (!key_ok(t, ip))
		return -EAFNOSUPPORT;
	idx = entry_get(t, ip, port, 1, now_ms);
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
neigh_pin46(struct neigh_table *t, const union addr46 *ip, uint8_t port, uint64_t now_ms)
{
	struct neigh_entry *e;
	int idx;

	if (!key_ok(t, ip))
		return -EAFNOSUPPORT;
	idx = entry_get(t, ip, port, 1, now_ms);
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
		uint8_t *used = used_of(t, i);
		int need;

		if (empty(e))
			continue;
		/* A worker resolved through it since the last pass: it is in use. */
		if (__atomic_load_n(used, __ATOMIC_RELAXED)) {
			__atomic_store_n(used, 0, __ATOMIC_RELAXED);
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
				send(arg, &e->ip, e->port);
			}
		} else if (!need) {
			slot_clear(t, i); /* asked for once, no longer wanted */
			t->st.aged++;
		} else if (due(e, now_ms)) {
			send(arg, &e->ip, e->port);
		}
	}
}

void
neigh_foreach(const struct neigh_table *t, void (*fn)(void *arg, const struct neigh_entry *e),
	      void *arg)
{
	uint32_t i, n = (t->bmask + 1) * NEIGH_WAYS;

	for (i = 0; i < n; i++)
		if (!empty(&t->meta[i]))
			fn(arg, &t->meta[i]);
}
