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
#define WANTED_MS 60000u /* a worker's miss keeps an entry needed this long */

enum { NS_NONE = 0, NS_INCOMPLETE, NS_REACHABLE, NS_STALE };

struct neigh_table *
neigh_create(uint32_t capacity)
{
	struct neigh_table *t;

	if (capacity == 0 || (capacity & (capacity - 1))) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t) + sizeof(t->e[0]) * capacity);
	if (t == NULL)
		return NULL;
	t->mask = capacity - 1;
	return t;
}

void
neigh_free(struct neigh_table *t)
{
	free(t);
}

/* Find the entry of ip, creating it when absent. NULL when the table is full. */
static struct neigh_entry *
entry_get(struct neigh_table *t, uint32_t ip, uint8_t port)
{
	uint32_t i = neigh_hash(ip) & t->mask, n;

	/* 0.0.0.0 marks an empty slot: it can be no neighbour. */
	if (ip == 0)
		return NULL;
	for (n = 0; n <= t->mask; n++, i = (i + 1) & t->mask) {
		struct neigh_entry *e = &t->e[i];

		if (e->ip == ip)
			return e;
		if (e->ip == 0) {
			e->port = port;
			e->state = NS_NONE;
			e->mac_word = 0;
			e->tries = 0;
			e->pinned = 0;
			e->confirmed_ms = e->sent_ms = e->wanted_ms = 0;
			/* Publish the address last: a reader that finds it sees a cleared MAC. */
			__atomic_store_n(&e->ip, ip, __ATOMIC_RELEASE);
			return e;
		}
	}
	return NULL;
}

static void
set_mac(struct neigh_entry *e, uint64_t word)
{
	__atomic_store_n(&e->mac_word, word, __ATOMIC_RELEASE);
}

int
neigh_learn(struct neigh_table *t, uint32_t ip, uint8_t port, const struct rte_ether_addr *mac,
	    uint64_t now_ms)
{
	struct neigh_entry *e = entry_get(t, ip, port);
	uint64_t w = 0;

	if (e == NULL)
		return -ENOSPC;
	memcpy(&w, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	e->port = port;
	set_mac(e, w | NEIGH_VALID);
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
	struct neigh_entry *e = entry_get(t, ip, port);

	if (e == NULL)
		return -ENOSPC;
	e->wanted_ms = now_ms;
	if (e->mac_word & NEIGH_VALID)
		return 0;
	e->state = NS_INCOMPLETE;
	return due(e, now_ms);
}

int
neigh_pin(struct neigh_table *t, uint32_t ip, uint8_t port, uint64_t now_ms)
{
	struct neigh_entry *e = entry_get(t, ip, port);

	if (e == NULL)
		return -ENOSPC;
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

	for (i = 0; i <= t->mask; i++)
		t->e[i].pinned = 0;
}

void
neigh_upkeep(struct neigh_table *t, uint64_t now_ms, neigh_send_fn send, void *arg)
{
	uint32_t i;

	/* The whole table each call: 4096 entries of plain loads, once a second. */
	for (i = 0; i <= t->mask; i++) {
		struct neigh_entry *e = &t->e[i];
		int needed;

		if (e->ip == 0)
			continue;
		needed = e->pinned || (e->wanted_ms && now_ms - e->wanted_ms < WANTED_MS);
		if (e->mac_word & NEIGH_VALID) {
			if (now_ms - e->confirmed_ms < REACHABLE_MS)
				continue;
			if (!needed || e->tries >= MAX_PROBES) {
				/* Aged out, or stopped answering: forget the MAC. */
				set_mac(e, 0);
				e->state = needed ? NS_INCOMPLETE : NS_NONE;
				e->tries = 0;
				continue;
			}
			e->state = NS_STALE;
			if (due(e, now_ms)) {
				e->tries++;
				send(arg, e->ip, e->port);
			}
		} else if (needed && due(e, now_ms)) {
			send(arg, e->ip, e->port);
		}
	}
}

void
neigh_foreach(const struct neigh_table *t, void (*fn)(void *arg, const struct neigh_entry *e),
	      void *arg)
{
	uint32_t i;

	for (i = 0; i <= t->mask; i++)
		if (t->e[i].ip != 0)
			fn(arg, &t->e[i]);
}
