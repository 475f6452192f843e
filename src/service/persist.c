/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "common/limits.h"
#include "service/persist.h"

#define WINDOW 8

/*
 * word: bit 0 valid, bits 1..14 backend slot, bits 16..25 service slot, bits 32..63 the
 * client address. The key is everything from bit 16 up.
 */
_Static_assert(SL_MAX_NODE_BACKENDS <= 1 << 14, "a backend slot is bits 1..14 of a word");
_Static_assert(SL_MAX_SERVICES <= 1 << 10, "a service slot is bits 16..25 of a word");

struct persist_entry {
	uint64_t word;
	uint32_t expire_s;
	uint32_t pad;
};

struct persist_table {
	uint32_t mask;
	struct persist_entry e[];
};

static inline uint64_t
key_of(uint16_t svc, uint32_t src)
{
	return (uint64_t)src << 16 | svc;
}

static inline uint64_t
word_of(uint16_t svc, uint32_t src, uint16_t be)
{
	return key_of(svc, src) << 16 | (uint64_t)be << 1 | 1;
}

static inline int32_t
diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

struct persist_table *
persist_create(uint32_t entries)
{
	struct persist_table *t;

	if (entries < WINDOW || (entries & (entries - 1))) {
		errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc("persist", sizeof(*t) + sizeof(t->e[0]) * entries, RTE_CACHE_LINE_SIZE);
	if (t == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	t->mask = entries - 1;
	return t;
}

void
persist_free(struct persist_table *t)
{
	rte_free(t);
}

static inline uint32_t
window_of(const struct persist_table *t, uint16_t svc, uint32_t src)
{
	return rte_hash_crc_4byte(src, svc) & t->mask;
}

int
persist_lookup(const struct persist_table *t, uint16_t svc, uint32_t src, uint32_t now_s)
{
	uint32_t h = window_of(t, svc, src), k;
	uint64_t key = key_of(svc, src);

	for (k = 0; k < WINDOW; k++) {
		const struct persist_entry *e = &t->e[(h + k) & t->mask];
		uint64_t w = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);

		if ((w & 1) && (w >> 16) == key) {
			if (diff(__atomic_load_n(&e->expire_s, __ATOMIC_RELAXED), now_s) <= 0)
				return -1;
			return (int)((w >> 1) & 0x3fff);
		}
	}
	return -1;
}

int
persist_bind(struct persist_table *t, uint16_t svc, uint32_t src, uint16_t be,
	     uint32_t expire_s, uint32_t now_s)
{
	uint32_t h = window_of(t, svc, src), k, tries;
	uint64_t key = key_of(svc, src), want = word_of(svc, src, be);

	/* Two passes at most: a CAS lost to another worker is looked at once more. */
	for (tries = 0; tries < 2; tries++) {
		struct persist_entry *free_e = NULL;
		uint64_t free_w = 0;

		for (k = 0; k < WINDOW; k++) {
			struct persist_entry *e = &t->e[(h + k) & t->mask];
			uint64_t w = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);

			if ((w & 1) && (w >> 16) == key) {
				/* Ours already: move the deadline, and the backend if it changed. */
				__atomic_store_n(&e->expire_s, expire_s, __ATOMIC_RELAXED);
				if (w == want ||
				    __atomic_compare_exchange_n(&e->word, &w, want, 0,
								__ATOMIC_RELEASE, __ATOMIC_RELAXED))
					return 0;
				break; /* changed under us: look again */
			}
			if (free_e == NULL &&
			    (!(w & 1) || diff(__atomic_load_n(&e->expire_s, __ATOMIC_RELAXED),
					       now_s) <= 0)) {
				free_e = e;
				free_w = w;
			}
		}
		if (k < WINDOW)
			continue;
		if (free_e == NULL)
			return -ENOSPC;
		/* The deadline first: whoever sees the new key sees a live deadline. */
		__atomic_store_n(&free_e->expire_s, expire_s, __ATOMIC_RELEASE);
		if (__atomic_compare_exchange_n(&free_e->word, &free_w, want, 0, __ATOMIC_RELEASE,
						__ATOMIC_RELAXED))
			return 0;
	}
	return -ENOSPC;
}
