/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash_crc.h>

#include "sched/sched.h"

/*
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016). Each backend walks its own
 * permutation of the table (offset + k * skip, from two hashes of its address) and claims
 * the next free entry of it in turn, until the table is full: every backend holds about
 * the same number of entries, and a backend removed or added moves only about its share.
 *
 * - Weights are plain ratios: in each round a backend takes a turn only once its credit
 *   (its weight, added every round) reaches the largest weight, so entries follow the
 *   weights with no need to sum to the table size (the first Katran needed that).
 * - The table is built by the control thread with the snapshot, never by a worker.
 * - Backends are taken in (address, port) order and hashed with fixed seeds, so the same
 *   backend set gives the same table on every node, whatever order it was given in.
 * - Backends with no weight or inhibited hold no entry; one at max_conns passes its
 *   entries to the next entries' backends until it has room.
 */

#define EMPTY UINT16_MAX
#define FALLBACK_PROBES 64 /* entries tried past one whose backend is full */
#define SEED_OFFSET 0x6d61676cu
#define SEED_SKIP 0x65766f6cu
#define SEED_FLOW 0x736c7563u

struct maglev {
	uint32_t size;
	uint8_t source_only;
	uint16_t entry[]; /* backend index */
};

/*
 * qsort_r comparator: backend indexes by (address, port), compared as numbers (addresses
 * in network order compare so bytewise; an IPv4 one is ::ffff:a.b.c.d).
 */
static int
by_address(const void *a, const void *b, void *arg)
{
	const struct snap_backend *base = arg;
	const struct snap_backend *x = &base[*(const uint16_t *)a];
	const struct snap_backend *y = &base[*(const uint16_t *)b];
	int c = memcmp(x->addr.b, y->addr.b, 16);

	if (c != 0)
		return c;
	return rte_be_to_cpu_16(x->port) < rte_be_to_cpu_16(y->port) ? -1 :
	       rte_be_to_cpu_16(x->port) > rte_be_to_cpu_16(y->port);
}

/* An IPv4 backend hashes its 4-byte address, an IPv6 one its 16 bytes, then the port. */
static uint32_t
backend_hash(const struct snap_backend *b, uint32_t seed)
{
	uint8_t key[18];
	unsigned n = addr46_is_v4(&b->addr) ? 4 : 16;

	memcpy(key, addr46_is_v4(&b->addr) ? (const void *)&b->addr.w[3] : b->addr.b, n);
	memcpy(key + n, &b->port, 2);
	return rte_hash_crc(key, n + 2, seed);
}

/* Fill m->entry from svc's backends. Control thread. */
static int
maglev_fill(struct maglev *m, const struct snap_service *svc)
{
	uint32_t n = 0, i, j, filled = 0, max_w = 0, M = m->size;
	uint16_t *order = calloc(svc->n_backends ? svc->n_backends : 1, sizeof(*order));
	uint64_t *offset = calloc(svc->n_backends ? svc->n_backends : 1, sizeof(*offset));
	uint64_t *skip = calloc(svc->n_backends ? svc->n_backends : 1, sizeof(*skip));
	uint64_t *next = calloc(svc->n_backends ? svc->n_backends : 1, sizeof(*next));
	uint64_t *credit = calloc(svc->n_backends ? svc->n_backends : 1, sizeof(*credit));
	int r = 0;

	if (!order || !offset || !skip || !next || !credit) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < M; i++)
		m->entry[i] = EMPTY;
	for (i = 0; i < svc->n_backends; i++) {
		const struct snap_backend *b = &svc->backends[i];

		if (b->weight == 0 || b->inhibited)
			continue;
		order[n++] = (uint16_t)i;
		max_w = RTE_MAX(max_w, b->weight);
	}
	qsort_r(order, n, sizeof(order[0]), by_address, (void *)svc->backends);
	for (j = 0; j < n; j++) {
		const struct snap_backend *b = &svc->backends[order[j]];

		offset[j] = backend_hash(b, SEED_OFFSET) % M;
		skip[j] = backend_hash(b, SEED_SKIP) % (M - 1) + 1;
		next[j] = offset[j]; /* the backend's place in its permutation */
	}
	/*
	 * Rounds over the backends until the table is full. Every round hands out at least one
	 * entry (the heaviest backend's credit reaches max_w every round), so it ends after at
	 * most M rounds; each claim walks a permutation of M entries, so it finds a free one.
	 */
	while (n && filled < M) {
		for (j = 0; j < n && filled < M; j++) {
			uint64_t c;

			credit[j] += svc->backends[order[j]].weight;
			if (credit[j] < max_w)
				continue;
			credit[j] -= max_w;
			/* offset + k * skip mod M, walked by additions: no division per probe. */
			c = next[j];
			while (m->entry[c] != EMPTY) {
				c += skip[j];
				if (c >= M)
					c -= M;
			}
			next[j] = c;
			m->entry[c] = order[j];
			filled++;
		}
	}
out:
	free(order);
	free(offset);
	free(skip);
	free(next);
	free(credit);
	return r;
}

void *
sched_maglev_build(const struct snap_service *svc, int source_only)
{
	uint32_t size = svc->maglev_size ? svc->maglev_size : SL_MAGLEV_SIZE_DEFAULT, d;
	struct maglev *m;

	/* Every skip must be coprime with the size, or a permutation never ends: a prime. */
	for (d = 2; (uint64_t)d * d <= size; d++)
		if (size % d == 0)
			break;
	if (size < 3 || (uint64_t)d * d <= size) {
		errno = EINVAL;
		return NULL;
	}
	m = malloc(sizeof(*m) + sizeof(m->entry[0]) * size);
	if (m == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	m->size = size;
	m->source_only = (uint8_t)source_only;
	if (maglev_fill(m, svc) < 0) {
		free(m);
		errno = ENOMEM;
		return NULL;
	}
	return m;
}

int
sched_maglev_pick(const struct snap_service *svc, void *data, const struct pkt_meta *p)
{
	const struct maglev *m = data;
	uint32_t h, e, k;

	/* The key is the flow as the client sent it: the same on every node. */
	if (m->source_only)
		h = rte_hash_crc_4byte(p->key.saddr, SEED_FLOW);
	else
		h = rte_hash_crc(&p->key, sizeof(p->key), SEED_FLOW);
	e = h % m->size;
	for (k = 0; k < FALLBACK_PROBES; k++) {
		uint16_t i = m->entry[(e + k) % m->size];

		if (i == EMPTY)
			return -1;
		if (sched_available(svc, &svc->backends[i]))
			return i;
	}
	return -1;
}

uint32_t
sched_maglev_count(const void *data, uint16_t i)
{
	const struct maglev *m = data;
	uint32_t e, n = 0;

	for (e = 0; e < m->size; e++)
		n += m->entry[e] == i;
	return n;
}

static void *
maglev_build(const struct snap_service *svc, unsigned n_workers)
{
	RTE_SET_USED(n_workers);
	return sched_maglev_build(svc, svc->hash == SL_HASH_SOURCE);
}

static int
maglev_pick(const struct snap_service *svc, void *data, unsigned worker,
	    const struct pkt_meta *p)
{
	RTE_SET_USED(worker);
	return sched_maglev_pick(svc, data, p);
}

const struct sched_ops sched_maglev_ops = {
	.name = "maglev",
	.build = maglev_build,
	.free = free,
	.pick = maglev_pick,
	.shareable = 1,
};
