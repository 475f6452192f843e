/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "common/xorshift.h"
#include "flow/conn.h"
#include "forward/laddr.h"

/* A reply key of either family: the pool's (its hash takes that many bytes of it). */
union q_key {
	struct conn_key k4;
	struct conn_key6 k6;
};

/* A tuple in quarantine: its reply key, who had it, and until when. */
struct q_rec {
	union q_key key;
	union addr46 caddr;
	uint16_t cport;
	uint16_t pad;
	uint32_t until; /* ticks */
};

struct laddr_pool {
	unsigned n_lips;
	unsigned worker;
	uint8_t v6;        /* an IPv6 pool: lips6[], conn_key6 keys, an IPv6 conn table */
	/* An IPv4 pool whose tuples NAT64 conns hold too, under IPv4-mapped keys of this IPv6
	 * table (laddr_alloc64); NULL until the first one. */
	const struct conn_table *ct64;
	uint16_t mask;
	uint32_t q_ticks;
	uint64_t rng;
	struct laddr_stats st;
	/* The quarantine: a FIFO of records in the order their conns ended (so the oldest is
	 * first to go) and a hash from reply key to the newest record of that key. */
	struct rte_hash *qh;
	struct q_rec *ring;
	uint32_t q_size, q_head, q_count;
	union addr46 lips[]; /* network order; IPv4 ones mapped (w[3]) */
};

static struct laddr_pool *
pool_create(const union addr46 *lips, unsigned n_lips, int v6, unsigned worker, uint16_t mask,
	    uint32_t q_capacity, uint32_t q_ticks, int socket)
{
	char name[RTE_HASH_NAMESIZE];
	struct laddr_pool *p;

	if (n_lips > SL_MAX_LADDRS) { /* lip_idx's bits */
		errno = EINVAL;
		return NULL;
	}
	p = rte_zmalloc_socket("laddr", sizeof(*p) + sizeof(p->lips[0]) * n_lips,
			       RTE_CACHE_LINE_SIZE, socket);
	if (p == NULL)
		goto nomem;
	p->n_lips = n_lips;
	p->v6 = (uint8_t)v6;
	p->worker = worker;
	p->mask = mask;
	p->q_ticks = q_ticks;
	p->rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)worker << 32) ^ (uintptr_t)p;
	memcpy(p->lips, lips, sizeof(lips[0]) * n_lips);
	if (q_ticks == 0 || q_capacity == 0)
		return p;
	p->q_size = q_capacity < 64 ? 64 : q_capacity;
	p->ring = rte_malloc_socket("laddr_q", sizeof(p->ring[0]) * p->q_size, 0, socket);
	snprintf(name, sizeof(name), "lq%s%u_%p", v6 ? "6_" : "", worker, (void *)p);
	p->qh = rte_hash_create(&(struct rte_hash_parameters){
		.name = name,
		.entries = p->q_size,
		.key_len = v6 ? sizeof(struct conn_key6) : sizeof(struct conn_key),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	});
	if (p->ring == NULL || p->qh == NULL)
		goto nomem;
	return p;
nomem:
	laddr_pool_free(p);
	errno = ENOMEM;
	return NULL;
}

struct laddr_pool *
laddr_pool_create(const uint32_t *lips, unsigned n_lips, unsigned worker, uint16_t mask,
		  uint32_t q_capacity, uint32_t q_ticks, int socket)
{
	union addr46 a[SL_MAX_LADDRS];
	unsigned i;

	if (n_lips > SL_MAX_LADDRS) {
		errno = EINVAL;
		return NULL;
	}
	for (i = 0; i < n_lips; i++)
		a[i] = addr46_from_v4(lips[i]);
	return pool_create(a, n_lips, 0, worker, mask, q_capacity, q_ticks, socket);
}

struct laddr_pool *
laddr_pool_create6(const union addr46 *lips, unsigned n_lips, unsigned worker, uint16_t mask,
		   uint32_t q_capacity, uint32_t q_ticks, int socket)
{
	return pool_create(lips, n_lips, 1, worker, mask, q_capacity, q_ticks, socket);
}

void
laddr_pool_free(struct laddr_pool *p)
{
	if (p == NULL)
		return;
	rte_hash_free(p->qh);
	rte_free(p->ring);
	rte_free(p);
}

/* The reply key (backend -> lip:port) of the pool's family. */
static inline void
key_set(const struct laddr_pool *p, union q_key *k, unsigned l, uint16_t port_be)
{
	if (p->v6) {
		memcpy(k->k6.daddr, p->lips[l].b, 16);
		k->k6.dport = port_be;
	} else {
		k->k4.daddr = p->lips[l].w[3];
		k->k4.dport = port_be;
	}
}

/* Whether (lip, port) -> backend may take a conn of the client (caddr, cport) now. */
static inline int
tuple_free(const struct laddr_pool *p, const struct conn_table *ct, const union q_key *k,
	   const union addr46 *caddr, uint16_t cport, uint32_t now, int *continued)
{
	struct conn_table *t = (struct conn_table *)(uintptr_t)ct;
	enum conn_dir dir;
	void *data;

	if ((p->v6 ? conn6_lookup(t, &k->k6, &dir) : conn_lookup(t, &k->k4, &dir)) != NULL)
		return 0;
	if (unlikely(p->ct64 != NULL)) {
		struct conn_key6 m;

		conn_key_mapped6(&k->k4, &m);
		if (conn6_lookup((struct conn_table *)(uintptr_t)p->ct64, &m, &dir) != NULL)
			return 0;
	}
	*continued = 0;
	if (p->q_count == 0 || rte_hash_lookup_data(p->qh, k, &data) < 0)
		return 1;
	{
		const struct q_rec *r = &p->ring[(uintptr_t)data];

		if ((int32_t)(now - r->until) >= 0)
			return 1; /* its time is up; the record goes at the next expiry */
		if (addr46_eq(&r->caddr, caddr) && r->cport == cport) {
			*continued = 1;
			return 1;
		}
	}
	return 0;
}

/* laddr_alloc() of either family: k has the backend side filled in. */
static int
alloc(struct laddr_pool *p, const struct conn_table *ct, union q_key *k,
      const union addr46 *caddr, uint16_t cport, uint32_t now, uint8_t *lip_idx,
      uint16_t *port_be)
{
	const uint32_t span = 65536u - LADDR_PORT_MIN;
	unsigned i, first, tries = p->n_lips < 4 ? p->n_lips : 4;
	uint16_t own = rte_be_to_cpu_16(cport);
	int cont;

	if (p->n_lips == 0)
		return -ENOSPC;
	/* The client's own port, moved into this worker's slice, on the client's LIP. */
	first = (p->v6 ? rte_hash_crc(caddr->b, 16, 0) : rte_hash_crc_4byte(caddr->w[3], 0)) %
		p->n_lips;
	own = (uint16_t)((own & ~p->mask) | p->worker);
	if (own >= LADDR_PORT_MIN) {
		for (i = 0; i < tries; i++) {
			unsigned l = (first + i) % p->n_lips;

			key_set(p, k, l, rte_cpu_to_be_16(own));
			if (tuple_free(p, ct, k, caddr, cport, now, &cont)) {
				p->st.kept_port++;
				p->st.continued += (uint64_t)cont;
				*lip_idx = (uint8_t)l;
				*port_be = rte_cpu_to_be_16(own);
				return 0;
			}
		}
	}
	/* Random tuples of the slice: their number bounds the work. */
	for (i = 0; i < LADDR_TRIES; i++) {
		uint64_t r = xorshift64(&p->rng);
		unsigned l = (unsigned)(r >> 40) % p->n_lips;
		uint16_t port = (uint16_t)(LADDR_PORT_MIN + (uint32_t)r % span);

		port = (uint16_t)((port & ~p->mask) | p->worker);
		if (port < LADDR_PORT_MIN)
			continue;
		key_set(p, k, l, rte_cpu_to_be_16(port));
		if (tuple_free(p, ct, k, caddr, cport, now, &cont)) {
			*lip_idx = (uint8_t)l;
			*port_be = rte_cpu_to_be_16(port);
			return 0;
		}
	}
	p->st.exhausted++;
	return -ENOSPC;
}

int
laddr_alloc(struct laddr_pool *p, const struct conn_table *ct, uint32_t caddr,
	    uint16_t cport, uint32_t baddr, uint16_t bport, uint8_t proto, uint32_t now,
	    uint8_t *lip_idx, uint16_t *port_be)
{
	union q_key k = { .k4 = { .saddr = baddr, .sport = bport, .proto = proto } };
	union addr46 c = addr46_from_v4(caddr);

	if (p->v6)
		return -EINVAL;
	return alloc(p, ct, &k, &c, cport, now, lip_idx, port_be);
}

int
laddr_alloc6(struct laddr_pool *p, const struct conn_table *ct, const uint8_t caddr[16],
	     uint16_t cport, const uint8_t baddr[16], uint16_t bport, uint8_t proto,
	     uint32_t now, uint8_t *lip_idx, uint16_t *port_be)
{
	union q_key k = { .k6 = { .sport = bport, .proto = proto } };
	union addr46 c;

	if (!p->v6)
		return -EINVAL;
	memcpy(k.k6.saddr, baddr, 16);
	memcpy(c.b, caddr, 16);
	return alloc(p, ct, &k, &c, cport, now, lip_idx, port_be);
}

int
laddr_alloc64(struct laddr_pool *p, const struct conn_table *ct, const struct conn_table *ct6,
	      const uint8_t caddr[16], uint16_t cport, uint32_t baddr, uint16_t bport,
	      uint8_t proto, uint32_t now, uint8_t *lip_idx, uint16_t *port_be)
{
	union q_key k = { .k4 = { .saddr = baddr, .sport = bport, .proto = proto } };
	union addr46 c;

	if (p->v6)
		return -EINVAL;
	p->ct64 = ct6;
	memcpy(c.b, caddr, 16);
	return alloc(p, ct, &k, &c, cport, now, lip_idx, port_be);
}

bool
laddr_has64(const struct laddr_pool *p)
{
	return p->ct64 != NULL;
}

const union addr46 *
laddr_lip(const struct laddr_pool *p, uint8_t lip_idx)
{
	return &p->lips[lip_idx];
}

/* Drop the oldest record; its key leaves the hash unless a newer record took it over. */
static void
q_pop(struct laddr_pool *p)
{
	const struct q_rec *r = &p->ring[p->q_head];
	void *data;

	if (rte_hash_lookup_data(p->qh, &r->key, &data) >= 0 && (uintptr_t)data == p->q_head)
		rte_hash_del_key(p->qh, &r->key);
	p->q_head = p->q_head + 1 == p->q_size ? 0 : p->q_head + 1;
	p->q_count--;
	p->st.q_entries = p->q_count;
}

void
laddr_release(struct laddr_pool *p, const struct conn_table *ct, const struct conn *c,
	      uint32_t now)
{
	struct q_rec *r;
	uint32_t tail;

	if (p->qh == NULL || c->proto != PROTO_TCP)
		return;
	if (p->q_count == p->q_size) {
		q_pop(p);
		p->st.q_evicted++;
	}
	tail = p->q_head + p->q_count;
	if (tail >= p->q_size)
		tail -= p->q_size;
	r = &p->ring[tail];
	memset(&r->key, 0, sizeof(r->key));
	if (p->v6) {
		conn6_key_out(ct, c, &r->key.k6);
		memcpy(r->caddr.b, conn6_addrs(ct, c)->caddr, 16);
	} else if (c->flags & CONN_F_V6) { /* NAT64: an IPv4 tuple, an IPv6 client */
		conn_key_out(c, &r->key.k4);
		memcpy(r->caddr.b, conn6_addrs(ct, c)->caddr, 16);
	} else {
		conn_key_out(c, &r->key.k4);
		r->caddr = addr46_from_v4(c->caddr);
	}
	r->cport = c->cport;
	r->pad = 0;
	r->until = now + p->q_ticks;
	if (rte_hash_add_key_data(p->qh, &r->key, (void *)(uintptr_t)tail) < 0)
		return; /* no room in the hash (cannot happen below q_size): not quarantined */
	p->q_count++;
	p->st.q_entries = p->q_count;
}

void
laddr_expire(struct laddr_pool *p, uint32_t now, unsigned budget)
{
	while (budget-- > 0 && p->q_count > 0 && (int32_t)(now - p->ring[p->q_head].until) >= 0)
		q_pop(p);
}

const struct laddr_stats *
laddr_stats(const struct laddr_pool *p)
{
	return &p->st;
}
