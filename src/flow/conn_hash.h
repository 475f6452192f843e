/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_CONN_HASH_H
#define SLUICE_CONN_HASH_H

#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash_crc.h>

#include "packet/pkt.h"
#include "packet/pkt6.h"

/*
 * The conn table's index (flow/conn.h): buckets of one cache line, each with ten slots of
 * a 16-bit tag and a reference (conn index << 1 | direction). The key itself is not kept:
 * it is compared in the conn, which the packet reads anyway, so a lookup costs two
 * dependent cache misses (the bucket, then the conn) where rte_hash costs three (bucket,
 * key store, then the conn it points to), and a conn costs 32 bytes of index (two keys at
 * 40% of the slots) instead of rte_hash's ~100. docs/benchmarks.md has the figures.
 *
 * A key lives in its home bucket or, when that is full, in the next one with a free slot
 * (linear probing over buckets). `over` counts the keys that live past a bucket although
 * their home is at or before it: a lookup that does not find its key in a bucket whose
 * `over` is 0 is a miss, without reading further. At 40% of the slots one bucket in ~300
 * overflows.
 *
 * The hash is CRC32 (one instruction per 8 bytes of key); the bucket comes from one chain,
 * the tag from a second that takes the key's words in another order, so that keys sharing a
 * bucket still differ in tag (1 in 65536 compare a conn for nothing). Another seed alone
 * would not do: CRC is linear, two seeds' results differ by a constant, and the tag would
 * repeat the bucket's bits.
 */

#define CH_SLOTS 10u
#define CH_SEED_BUCKET 0x9e3779b9u
#define CH_SEED_TAG 0x85ebca6bu

struct ch_bucket {
	uint16_t tag[CH_SLOTS]; /* 0: the slot is free */
	uint32_t over;          /* keys homed here or before that live past this bucket */
	uint32_t ref[CH_SLOTS]; /* conn index << 1 | enum conn_dir */
};

_Static_assert(sizeof(struct ch_bucket) == 64, "a bucket is one cache line");

/* A key's place: its home bucket and its tag. */
struct ch_hash {
	uint32_t bucket;
	uint16_t tag;
};

/* The bucket of hash h among n: the high bits decide (Lemire's multiply-shift), so n
 * need not be a power of two. */
static inline uint32_t
ch_reduce(uint32_t h, uint32_t n)
{
	return (uint32_t)(((uint64_t)h * n) >> 32);
}

static inline uint16_t
ch_tag(uint32_t h)
{
	uint16_t t = (uint16_t)(h >> 16);

	return t != 0 ? t : 1;
}

/* The ports and the protocol of a key as one word (a collision here is only a hash's). */
static inline uint32_t
ch_ports_proto(const void *ports, uint8_t proto)
{
	uint32_t w;

	memcpy(&w, ports, 4);
	return w ^ proto;
}

static inline struct ch_hash
ch_hash4(const struct conn_key *k, uint32_t n_buckets)
{
	uint64_t a;
	uint32_t w = ch_ports_proto(&k->sport, k->proto);

	memcpy(&a, &k->saddr, 8);
	return (struct ch_hash){
		.bucket = ch_reduce(rte_hash_crc_4byte(w, rte_hash_crc_8byte(a, CH_SEED_BUCKET)),
				    n_buckets),
		.tag = ch_tag(rte_hash_crc_8byte(a, rte_hash_crc_4byte(w, CH_SEED_TAG))),
	};
}

static inline struct ch_hash
ch_hash6(const struct conn_key6 *k, uint32_t n_buckets)
{
	uint32_t w = ch_ports_proto(&k->sport, k->proto), b = CH_SEED_BUCKET;
	uint32_t t = rte_hash_crc_4byte(w, CH_SEED_TAG);
	uint64_t a[4];
	unsigned i;

	memcpy(a, k->saddr, 32);
	for (i = 0; i < 4; i++) {
		b = rte_hash_crc_8byte(a[i], b);
		t = rte_hash_crc_8byte(a[3 - i], t);
	}
	return (struct ch_hash){ .bucket = ch_reduce(rte_hash_crc_4byte(w, b), n_buckets),
				 .tag = ch_tag(t) };
}

/* The slots of bucket b whose tag is t, as a bit mask. */
static inline unsigned
ch_match(const struct ch_bucket *b, uint16_t t)
{
	unsigned i, m = 0;

	for (i = 0; i < CH_SLOTS; i++)
		m |= (unsigned)(b->tag[i] == t) << i;
	return m;
}

static inline uint32_t
ch_next(uint32_t bucket, uint32_t n_buckets)
{
	return bucket + 1 == n_buckets ? 0 : bucket + 1;
}

#endif
