/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "flow/conn.h"

/* 8192 slots of 64 ms span 524 s; a later deadline is filed at the far end and re-filed. */
#define WHEEL_SLOTS 8192u
#define WHEEL_MASK (WHEEL_SLOTS - 1)
#define NIL UINT32_MAX
#define HEAD 0x80000000u /* wheel_prev of a list's first conn: HEAD | slot */

/* One cache line a conn: the per-packet path touches only it. */
_Static_assert(sizeof(struct conn) == 64, "struct conn must stay one cache line");

struct conn_table {
	struct conn_table_view v;   /* first: what conn.h's inline accessors read */
	uint8_t family;             /* 4 or 6 */
	uint32_t *free_stack;
	uint32_t free_top;
	uint32_t capacity;
	uint32_t count;      /* conns in the hash (dead ones excluded) */
	uint32_t wheel_tick; /* the slot being worked on; every earlier slot is empty */
	int wheel_started;
	conn_expire_cb cb;
	void *cb_arg;
	uint32_t wheel[WHEEL_SLOTS];
};

static inline int32_t
tick_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

static struct conn_table *
table_create(const char *name, uint32_t capacity, int socket, conn_expire_cb cb, void *cb_arg,
	     uint8_t family)
{
	struct conn_table *ct;
	uint32_t i;

	(void)name;

	if (capacity == 0 || capacity > (1u << 30)) {
		rte_errno = EINVAL;
		return NULL;
	}
	ct = rte_zmalloc_socket("conn_table", sizeof(*ct), RTE_CACHE_LINE_SIZE, socket);
	if (ct == NULL)
		goto nomem;
	ct->family = family;
	ct->v.conns = rte_zmalloc_socket("conns", sizeof(struct conn) * capacity,
				       RTE_CACHE_LINE_SIZE, socket);
	ct->free_stack = rte_malloc_socket("conn_free", sizeof(uint32_t) * capacity, 0, socket);
	if (family == 6)
		ct->v.addrs6 = rte_zmalloc_socket("conn_addrs6", sizeof(*ct->v.addrs6) * capacity,
						RTE_CACHE_LINE_SIZE, socket);
	ct->v.sp = rte_zmalloc_socket("conn_sp", sizeof(*ct->v.sp) * capacity, RTE_CACHE_LINE_SIZE,
				      socket);
	/*
	 * Two keys a conn, at most 40% of the slots: a bucket overflows about once in 300
	 * (Poisson, mean 4 of 10), and a table of conns always has slots for all its keys.
	 */
	ct->v.n_buckets = (capacity + 1) / 2;
	ct->v.buckets = rte_zmalloc_socket("conn_index", sizeof(struct ch_bucket) * ct->v.n_buckets,
					   RTE_CACHE_LINE_SIZE, socket);
	if (ct->v.conns == NULL || ct->free_stack == NULL || ct->v.sp == NULL ||
	    ct->v.buckets == NULL || (family == 6 && ct->v.addrs6 == NULL))
		goto nomem;
	/* Hand out low indexes first: a lightly loaded table stays in few pages. */
	for (i = 0; i < capacity; i++) {
		ct->free_stack[i] = capacity - 1 - i;
		ct->v.conns[i].gen = 1;
	}
	ct->free_top = capacity;
	ct->capacity = capacity;
	ct->cb = cb;
	ct->cb_arg = cb_arg;
	for (i = 0; i < WHEEL_SLOTS; i++)
		ct->wheel[i] = NIL;
	return ct;
nomem:
	rte_errno = ENOMEM;
	conn_table_free(ct);
	return NULL;
}

struct conn_table *
conn_table_create(const char *name, uint32_t capacity, int socket, conn_expire_cb cb,
		  void *cb_arg)
{
	return table_create(name, capacity, socket, cb, cb_arg, 4);
}

struct conn_table *
conn_table_create6(const char *name, uint32_t capacity, int socket, conn_expire_cb cb,
		   void *cb_arg)
{
	return table_create(name, capacity, socket, cb, cb_arg, 6);
}

void
conn_table_free(struct conn_table *ct)
{
	if (ct == NULL)
		return;
	rte_free(ct->v.buckets);
	rte_free(ct->v.addrs6);
	rte_free(ct->v.sp);
	rte_free(ct->v.conns);
	rte_free(ct->free_stack);
	rte_free(ct);
}


/* Is ref (conn index << 1 | dir) the conn of key, of the table's family? */
static inline bool
ref_is(const struct conn_table *ct, uint32_t ref, const void *key)
{
	const struct conn *c = &ct->v.conns[ref >> 1];
	enum conn_dir dir = (enum conn_dir)(ref & 1);

	return ct->family == 6 ? conn6_key_eq(ct, c, dir, key) : conn_key_eq(c, dir, key);
}

static inline struct ch_hash
hash_of(const struct conn_table *ct, const void *key)
{
	return ct->family == 6 ? ch_hash6(key, ct->v.n_buckets) : ch_hash4(key, ct->v.n_buckets);
}

/*
 * Walk key's buckets from its home: the slot whose ref is the key's (*bucket, its index
 * returned), or -1 with *bucket the last bucket of the walk. want_ref UINT32_MAX: compare
 * keys; else find exactly that ref (a removal: the conn's key is known to be there).
 */
static int
slot_find(const struct conn_table *ct, const void *key, struct ch_hash h, uint32_t want_ref,
	  uint32_t *bucket)
{
	uint32_t b = h.bucket, walked;

	for (walked = 0; walked < ct->v.n_buckets; walked++) {
		const struct ch_bucket *bk = &ct->v.buckets[b];
		unsigned m = ch_match(bk, h.tag);

		while (m != 0) {
			unsigned s = (unsigned)__builtin_ctz(m);

			m &= m - 1;
			if (want_ref == UINT32_MAX ? ref_is(ct, bk->ref[s], key) : bk->ref[s] == want_ref) {
				*bucket = b;
				return (int)s;
			}
		}
		if (bk->over == 0)
			break;
		b = ch_next(b, ct->v.n_buckets);
	}
	*bucket = b;
	return -1;
}

void *
conn_find(const struct conn_table *ct, const void *key, struct ch_hash h)
{
	uint32_t b;
	int s = slot_find(ct, key, h, UINT32_MAX, &b);

	if (s < 0)
		return NULL;
	b = ct->v.buckets[b].ref[s];
	return (void *)((uintptr_t)&ct->v.conns[b >> 1] | (b & 1));
}

struct conn *
conn_lookup(struct conn_table *ct, const struct conn_key *k, enum conn_dir *dir)
{
	void *data;

	if (ct->family != 4)
		return NULL;
	data = conn_find(ct, k, hash_of(ct, k));
	return data == NULL ? NULL : conn_from_data(data, dir);
}

struct conn *
conn6_lookup(struct conn_table *ct, const struct conn_key6 *k, enum conn_dir *dir)
{
	void *data;

	if (ct->family != 6)
		return NULL;
	data = conn_find(ct, k, hash_of(ct, k));
	return data == NULL ? NULL : conn_from_data(data, dir);
}

/*
 * Index key for ref: in the first free slot of its walk, counting it in the `over` of
 * every bucket it passes. -EEXIST when the key is there already.
 */
static int
index_add(struct conn_table *ct, const void *key, uint32_t ref)
{
	struct ch_hash h = hash_of(ct, key);
	struct ch_bucket *bk;
	uint32_t b, x;
	unsigned m;

	if (slot_find(ct, key, h, UINT32_MAX, &b) >= 0)
		return -EEXIST;
	/* The first free slot from home on (a table has 5 slots a conn: there is one). */
	for (b = h.bucket, x = 0;; b = ch_next(b, ct->v.n_buckets)) {
		m = ch_match(&ct->v.buckets[b], 0);
		if (m != 0)
			break;
		if (++x == ct->v.n_buckets)
			return -ENOSPC;
	}
	for (x = h.bucket; x != b; x = ch_next(x, ct->v.n_buckets))
		ct->v.buckets[x].over++;
	bk = &ct->v.buckets[b];
	m = (unsigned)__builtin_ctz(m);
	bk->tag[m] = h.tag;
	bk->ref[m] = ref;
	return 0;
}

/* Take ref (conn index << 1 | dir), whose key is key, out of the index. */
static void
index_del(struct conn_table *ct, const void *key, uint32_t ref)
{
	struct ch_hash h = hash_of(ct, key);
	uint32_t b, x;
	int s = slot_find(ct, key, h, ref, &b);

	if (s < 0)
		return; /* never indexed: nothing to undo */
	ct->v.buckets[b].tag[s] = 0;
	for (x = h.bucket; x != b; x = ch_next(x, ct->v.n_buckets))
		ct->v.buckets[x].over--;
}

static inline uint32_t
ref_of(const struct conn_table *ct, const struct conn *c, enum conn_dir dir)
{
	return (uint32_t)(c - ct->v.conns) << 1 | dir;
}

void
conn6_key_in(const struct conn_table *ct, const struct conn *c, struct conn_key6 *k)
{
	const struct conn6_addrs *a = conn6_addrs(ct, c);

	memset(k, 0, sizeof(*k));
	memcpy(k->saddr, a->caddr, 16);
	memcpy(k->daddr, a->vaddr, 16);
	k->sport = c->cport;
	k->dport = c->vport;
	k->proto = c->proto;
}

void
conn6_key_out(const struct conn_table *ct, const struct conn *c, struct conn_key6 *k)
{
	const struct conn6_addrs *a = conn6_addrs(ct, c);

	memset(k, 0, sizeof(*k));
	memcpy(k->saddr, a->daddr, 16);
	memcpy(k->daddr, a->laddr, 16);
	k->sport = c->dport;
	k->dport = c->lport;
	k->proto = c->proto;
}

struct conn *
conn_alloc(struct conn_table *ct)
{
	struct conn *c;
	uint16_t gen;

	if (ct->free_top == 0)
		return NULL;
	c = &ct->v.conns[ct->free_stack[--ct->free_top]];
	gen = c->gen;
	memset(c, 0, sizeof(*c));
	if (ct->v.addrs6 != NULL) {
		memset(conn6_addrs(ct, c), 0, sizeof(*ct->v.addrs6));
		c->flags = CONN_F_V6; /* what ends it (the modes' release) finds its table */
	}
	/* Even: in use. Readers see the new generation only after the fields are set. */
	c->gen = gen;
	return c;
}

static void
conn_release(struct conn_table *ct, struct conn *c)
{
	__atomic_store_n(&c->gen, c->gen + 1, __ATOMIC_RELEASE);
	ct->free_stack[ct->free_top++] = (uint32_t)(c - ct->v.conns);
}

static void
wheel_link(struct conn_table *ct, struct conn *c, uint32_t slot)
{
	uint32_t idx = (uint32_t)(c - ct->v.conns), head = ct->wheel[slot];

	c->wheel_next = head;
	c->wheel_prev = HEAD | slot;
	if (head != NIL)
		ct->v.conns[head].wheel_prev = idx;
	ct->wheel[slot] = idx;
}

static void
wheel_unlink(struct conn_table *ct, struct conn *c)
{
	if (c->wheel_prev & HEAD)
		ct->wheel[c->wheel_prev & ~HEAD] = c->wheel_next;
	else
		ct->v.conns[c->wheel_prev].wheel_next = c->wheel_next;
	if (c->wheel_next != NIL)
		ct->v.conns[c->wheel_next].wheel_prev = c->wheel_prev;
}

static void
wheel_file(struct conn_table *ct, struct conn *c)
{
	uint32_t at = c->expire;

	/* Never the slot being drained (it would be visited again at once), never beyond a turn. */
	if (tick_diff(at, ct->wheel_tick) <= 0)
		at = ct->wheel_tick + 1;
	else if (tick_diff(at, ct->wheel_tick) >= (int32_t)WHEEL_SLOTS)
		at = ct->wheel_tick + WHEEL_SLOTS - 1;
	wheel_link(ct, c, at & WHEEL_MASK);
}

void
conn_refile(struct conn_table *ct, struct conn *c, uint32_t expire)
{
	wheel_unlink(ct, c);
	c->expire = expire;
	wheel_file(ct, c);
}

/* The conn's IN or OUT key, of the table's family, into k (a conn_key6's room). */
static inline void
key_of(const struct conn_table *ct, const struct conn *c, enum conn_dir dir, void *k)
{
	if (unlikely(ct->family == 6)) {
		if (dir == CONN_DIR_IN)
			conn6_key_in(ct, c, k);
		else
			conn6_key_out(ct, c, k);
	} else if (dir == CONN_DIR_IN) {
		conn_key_in(c, k);
	} else {
		conn_key_out(c, k);
	}
}

static void
keys_del(struct conn_table *ct, const struct conn *c)
{
	struct conn_key6 k;

	key_of(ct, c, CONN_DIR_IN, &k);
	index_del(ct, &k, ref_of(ct, c, CONN_DIR_IN));
	if (c->flags & CONN_F_OUT) {
		key_of(ct, c, CONN_DIR_OUT, &k);
		index_del(ct, &k, ref_of(ct, c, CONN_DIR_OUT));
	}
}

void
conn_abandon(struct conn_table *ct, struct conn *c)
{
	/* Never inserted: as a failed conn_insert(), give the slot back with its generation odd. */
	c->gen++;
	conn_release(ct, c);
}

/* Index c under its IN key and kout (of the table's family; NULL: none), as conn_insert. */
static int
insert(struct conn_table *ct, struct conn *c, const void *kout, size_t klen, uint32_t now)
{
	struct conn_key6 kin, k;
	int ret;

	key_of(ct, c, CONN_DIR_IN, &kin);
	if (kout != NULL) {
		/* The table finds the key again from the conn when it goes (keys_del). */
		key_of(ct, c, CONN_DIR_OUT, &k);
		if (memcmp(&k, kout, klen) != 0) {
			ret = -EINVAL;
			goto fail;
		}
	}
	/* A taken tuple fails; the index always has room for a conn it has a slot for. */
	ret = index_add(ct, &kin, ref_of(ct, c, CONN_DIR_IN));
	if (ret < 0)
		goto fail;
	if (kout != NULL) {
		ret = index_add(ct, kout, ref_of(ct, c, CONN_DIR_OUT));
		if (ret < 0) {
			index_del(ct, &kin, ref_of(ct, c, CONN_DIR_IN));
			goto fail;
		}
		c->flags |= CONN_F_OUT;
	}
	if (!ct->wheel_started) {
		ct->wheel_tick = now;
		ct->wheel_started = 1;
	}
	__atomic_store_n(&c->gen, c->gen + 1, __ATOMIC_RELEASE);
	wheel_file(ct, c);
	ct->count++;
	return 0;
fail:
	conn_abandon(ct, c);
	return ret;
}

int
conn_insert(struct conn_table *ct, struct conn *c, const struct conn_key *kout, uint32_t now)
{
	if (ct->family != 4) {
		conn_abandon(ct, c);
		return -EINVAL;
	}
	return insert(ct, c, kout, sizeof(*kout), now);
}

int
conn6_insert(struct conn_table *ct, struct conn *c, const struct conn_key6 *kout, uint32_t now)
{
	if (ct->family != 6) {
		conn_abandon(ct, c);
		return -EINVAL;
	}
	return insert(ct, c, kout, sizeof(*kout), now);
}

void
conn_remove(struct conn_table *ct, struct conn *c)
{
	keys_del(ct, c);
	c->flags |= CONN_F_DEAD;
	ct->count--;
	/* Freed at the next tick, not now: this burst may still hold pointers to it. */
	conn_refile(ct, c, ct->wheel_tick);
}

unsigned
conn_expire(struct conn_table *ct, uint32_t now, unsigned budget)
{
	unsigned expired = 0, work = 0;

	if (!ct->wheel_started)
		return 0;
	while (tick_diff(now, ct->wheel_tick) >= 0 && work < budget) {
		uint32_t *head = &ct->wheel[ct->wheel_tick & WHEEL_MASK];

		work++;
		while (*head != NIL && work < budget) {
			struct conn *c = &ct->v.conns[*head];

			wheel_unlink(ct, c);
			work++;
			if (c->flags & CONN_F_DEAD) {
				conn_release(ct, c);
			} else if (tick_diff(c->expire, now) > 0) {
				wheel_file(ct, c);
			} else {
				if (ct->cb)
					ct->cb(ct->cb_arg, c);
				keys_del(ct, c);
				ct->count--;
				conn_release(ct, c);
				expired++;
			}
		}
		if (*head != NIL)
			break; /* out of budget mid-slot: carry on from here next time */
		ct->wheel_tick++;
	}
	return expired;
}

uint32_t
conn_count(const struct conn_table *ct)
{
	return ct->count;
}

uint32_t
conn_capacity(const struct conn_table *ct)
{
	return ct->capacity;
}

size_t
conn_table_bytes(const struct conn_table *ct)
{
	size_t per = sizeof(struct conn) + sizeof(struct conn_sp) + sizeof(uint32_t);

	if (ct->v.addrs6 != NULL)
		per += sizeof(struct conn6_addrs);
	return sizeof(*ct) + per * ct->capacity +
	       sizeof(struct ch_bucket) * (size_t)ct->v.n_buckets;
}

int
conn_snapshot(const struct conn_table *ct, uint32_t i, struct conn *out)
{
	return conn6_snapshot(ct, i, out, NULL);
}

int
conn6_snapshot(const struct conn_table *ct, uint32_t i, struct conn *out,
	       struct conn6_addrs *addrs)
{
	const struct conn *c = &ct->v.conns[i];
	uint16_t g1, g2;

	g1 = __atomic_load_n(&c->gen, __ATOMIC_ACQUIRE);
	if ((g1 & 1) || (c->flags & CONN_F_DEAD))
		return -ENOENT;
	memcpy(out, c, sizeof(*out));
	if (addrs != NULL && ct->v.addrs6 != NULL)
		memcpy(addrs, &ct->v.addrs6[i], sizeof(*addrs));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	g2 = __atomic_load_n(&c->gen, __ATOMIC_RELAXED);
	return g1 == g2 ? 0 : -ENOENT;
}
