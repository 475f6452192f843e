/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the per-worker conn table and its timing wheel (src/flow/conn.c). Time is
 * driven by hand, one conn_expire() call per tick as a worker would, so the tick at which
 * each conn expires is known exactly: never before its deadline, at most two ticks after.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_hash.h>

#include "common/addr.h"
#include "flow/conn.h"
#include "test_eal.h"

#define BIG_BUDGET 100000u
/* A timeout of s seconds in ticks, rounded up as the data plane does (dp.c). */
#define SECS(s) ((uint32_t)(((uint64_t)(s) * 1000 + CONN_TICK_MS - 1) / CONN_TICK_MS))

/* What the expiry callback saw. */
#define MAX_SEEN 256

/* The OUT key of c, as a mode's out_key gives it (FULLNAT). */
static const struct conn_key *
out_of(const struct conn *c)
{
	static struct conn_key k;

	conn_key_out(c, &k);
	return &k;
}

static struct {
	unsigned n;
	uint32_t now;             /* set by the driver before each conn_expire() */
	uint32_t id[MAX_SEEN];    /* the conn's id, read from its fields in the callback */
	uint32_t tick[MAX_SEEN];  /* when */
	int keys_present;         /* both keys still found while the callback ran */
} seen;

static struct conn_table *cb_table;

static uint32_t
conn_id(const struct conn *c)
{
	return rte_be_to_cpu_32(c->caddr) & 0xffff;
}

static void
on_expire(void *arg, struct conn *c)
{
	struct conn_key k;
	enum conn_dir dir;

	assert_ptr_equal(arg, &seen);
	if (seen.n < MAX_SEEN) {
		seen.id[seen.n] = conn_id(c);
		seen.tick[seen.n] = seen.now;
	}
	seen.n++;
	/* The callback runs before the conn leaves the hash: it may still use its keys. */
	conn_key_in(c, &k);
	if (conn_lookup(cb_table, &k, &dir) != c)
		seen.keys_present = 0;
	conn_key_out(c, &k);
	if (conn_lookup(cb_table, &k, &dir) != c)
		seen.keys_present = 0;
}

static struct conn_table *
table(uint32_t capacity)
{
	static unsigned n;
	char name[32];
	struct conn_table *ct;

	snprintf(name, sizeof(name), "test_conn_%u", n++);
	ct = conn_table_create(name, capacity, SOCKET_ID_ANY, on_expire, &seen);
	assert_non_null(ct);
	memset(&seen, 0, sizeof(seen));
	seen.keys_present = 1;
	cb_table = ct;
	return ct;
}

/* The tuples of conn `id`: client 10.1.x.y:30000 -> VIP, backend -> LIP:1024+id. */
static void
fill(struct conn *c, uint32_t id, uint32_t expire)
{
	c->caddr = rte_cpu_to_be_32(0x0a010000 + id);
	c->vaddr = RTE_BE32(0x0a00000a);
	c->cport = RTE_BE16(30000);
	c->vport = RTE_BE16(80);
	c->daddr = rte_cpu_to_be_32(0x0a000200 + id % 3);
	c->laddr = RTE_BE32(0x0a000264);
	c->dport = RTE_BE16(8080);
	c->lport = rte_cpu_to_be_16((uint16_t)(1024 + id));
	c->proto = PROTO_TCP;
	c->state = TCP_S_ESTABLISHED;
	c->expire = expire;
}

static struct conn *
add(struct conn_table *ct, uint32_t id, uint32_t now, uint32_t expire)
{
	struct conn *c = conn_alloc(ct);

	assert_non_null(c);
	fill(c, id, expire);
	assert_int_equal(conn_insert(ct, c, out_of(c), now), 0);
	return c;
}

static void
key_in(uint32_t id, struct conn_key *k)
{
	struct conn c;

	memset(&c, 0, sizeof(c));
	fill(&c, id, 0);
	conn_key_in(&c, k);
}

static void
key_out(uint32_t id, struct conn_key *k)
{
	struct conn c;

	memset(&c, 0, sizeof(c));
	fill(&c, id, 0);
	conn_key_out(&c, k);
}

/* Whether conn id is in the table under both keys (asserting the two agree). */
static int
present(struct conn_table *ct, uint32_t id)
{
	struct conn_key k;
	enum conn_dir dir;
	struct conn *a, *b;

	key_in(id, &k);
	a = conn_lookup(ct, &k, &dir);
	if (a != NULL)
		assert_int_equal(dir, CONN_DIR_IN);
	key_out(id, &k);
	b = conn_lookup(ct, &k, &dir);
	if (b != NULL)
		assert_int_equal(dir, CONN_DIR_OUT);
	assert_ptr_equal(a, b);
	return a != NULL;
}

/* Expired at deadline d or at most two ticks after, never before. */
static void
assert_near(uint32_t tick, uint32_t d)
{
	if ((int32_t)(tick - d) < 0 || (int32_t)(tick - d) > 2)
		fail_msg("deadline %u, expired at %u", d, tick);
}

/* One conn_expire() per tick from `from` to `to` inclusive, as the worker loop does. */
static unsigned
run(struct conn_table *ct, uint32_t from, uint32_t to)
{
	unsigned total = 0;
	uint32_t t = from;

	for (;;) {
		seen.now = t;
		total += conn_expire(ct, t, BIG_BUDGET);
		if (t == to)
			break;
		t++;
	}
	return total;
}

static void
test_create_args(void **state)
{
	struct conn_table *ct;

	(void)state;
	rte_errno = 0;
	assert_null(conn_table_create("test_conn_zero", 0, SOCKET_ID_ANY, NULL, NULL));
	assert_int_equal(rte_errno, EINVAL);
	ct = table(1000);
	assert_int_equal(conn_capacity(ct), 1000);
	assert_int_equal(conn_count(ct), 0);
	/* Nothing filed yet: expiring is a no-op. */
	assert_int_equal(conn_expire(ct, 12345, BIG_BUDGET), 0);
	conn_table_free(ct);
	conn_table_free(NULL);
}

static void
test_insert_lookup(void **state)
{
	struct conn_table *ct = table(64);
	struct conn_key k, k2, k3;
	const void *keys[3] = { &k, &k2, &k3 };
	enum conn_dir dir = CONN_DIR_OUT;
	struct conn *a, *b;
	void *data[3];
	uint64_t hits;

	(void)state;
	a = add(ct, 1, 100, 200);
	b = add(ct, 2, 100, 200);
	assert_ptr_not_equal(a, b);
	assert_int_equal(conn_count(ct), 2);

	key_in(1, &k);
	assert_ptr_equal(conn_lookup(ct, &k, &dir), a);
	assert_int_equal(dir, CONN_DIR_IN);
	key_out(1, &k);
	assert_ptr_equal(conn_lookup(ct, &k, &dir), a);
	assert_int_equal(dir, CONN_DIR_OUT);
	key_in(2, &k);
	assert_ptr_equal(conn_lookup(ct, &k, &dir), b);
	assert_int_equal(dir, CONN_DIR_IN);
	key_out(2, &k);
	assert_ptr_equal(conn_lookup(ct, &k, &dir), b);
	assert_int_equal(dir, CONN_DIR_OUT);

	/* The bulk lookup a worker runs carries the direction in the pointer's low bit. */
	key_in(1, &k);
	key_out(1, &k2);
	key_in(3, &k3);
	conn_lookup_bulk(ct, keys, 3, &hits, data);
	assert_int_equal(hits, 3);
	assert_ptr_equal(data[0], (void *)((uintptr_t)a | CONN_DIR_IN));
	assert_ptr_equal(data[1], (void *)((uintptr_t)a | CONN_DIR_OUT));
	assert_null(data[2]);

	/* Any one field different: no conn. The reply direction's tuple is not the IN key. */
	key_in(1, &k);
	k.sport = RTE_BE16(30001);
	assert_null(conn_lookup(ct, &k, &dir));
	key_in(1, &k);
	k.proto = PROTO_UDP;
	assert_null(conn_lookup(ct, &k, &dir));
	key_in(3, &k);
	assert_null(conn_lookup(ct, &k, &dir));
	key_out(1, &k);
	k.dport = RTE_BE16(1024 + 2 + 1);
	assert_null(conn_lookup(ct, &k, &dir));
	conn_table_free(ct);
}

/* How many conns a reader on another thread sees. */
static unsigned
visible(const struct conn_table *ct)
{
	struct conn copy;
	uint32_t i;
	unsigned n = 0;

	for (i = 0; i < conn_capacity(ct); i++)
		n += conn_snapshot(ct, i, &copy) == 0;
	return n;
}

static void
test_eexist(void **state)
{
	struct conn_table *ct = table(4); /* rte_hash takes no fewer than 8 keys */
	struct conn *a, *c;
	unsigned n;

	(void)state;
	a = add(ct, 1, 0, 100);
	/* Same client tuple, another LIP port. */
	c = conn_alloc(ct);
	assert_non_null(c);
	fill(c, 1, 100);
	c->lport = RTE_BE16(5000);
	assert_int_equal(conn_insert(ct, c, out_of(c), 0), -EEXIST);
	assert_int_equal(visible(ct), 1);
	/* Same backend tuple, another client. */
	c = conn_alloc(ct);
	assert_non_null(c);
	fill(c, 2, 100);
	c->daddr = a->daddr;
	c->lport = a->lport;
	assert_int_equal(conn_insert(ct, c, out_of(c), 0), -EEXIST);
	/* The failures left the first conn whole and gave their slots back, free to readers too. */
	assert_int_equal(conn_count(ct), 1);
	assert_true(present(ct, 1));
	assert_false(present(ct, 2));
	assert_int_equal(visible(ct), 1);
	for (n = 0; n < 100 && conn_alloc(ct) != NULL; n++)
		;
	assert_int_equal(n, 3);
	/* A refused conn never reaches the callback. */
	assert_int_equal(run(ct, 0, 100), 1);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.id[0], 1);
	conn_table_free(ct);
}

static void
test_full_then_expire(void **state)
{
	struct conn_table *ct = table(4);
	struct conn *c;

	(void)state;
	add(ct, 0, 0, 50);
	add(ct, 1, 0, 1000);
	add(ct, 2, 0, 1000);
	add(ct, 3, 0, 1000);
	assert_int_equal(conn_count(ct), 4);
	assert_null(conn_alloc(ct));
	/* Still full the tick before the first deadline. */
	assert_int_equal(run(ct, 0, 49), 0);
	assert_null(conn_alloc(ct));
	assert_int_equal(run(ct, 50, 50), 1);
	assert_int_equal(seen.id[0], 0);
	assert_int_equal(conn_count(ct), 3);
	assert_false(present(ct, 0));
	/* One slot: the next conn goes in, the one after does not. */
	c = conn_alloc(ct);
	assert_non_null(c);
	fill(c, 4, 1000);
	assert_int_equal(conn_insert(ct, c, out_of(c), 50), 0);
	assert_true(present(ct, 4));
	assert_int_equal(conn_count(ct), 4);
	assert_null(conn_alloc(ct));
	conn_table_free(ct);
}

/* A 10 s deadline expires at its tick: not one tick before, at most two after. */
static void
expire_at(uint32_t start)
{
	struct conn_table *ct = table(16);
	uint32_t d = start + SECS(10);

	add(ct, 7, start, d);
	assert_int_equal(run(ct, start, d - 1), 0);
	assert_true(present(ct, 7));
	assert_int_equal(seen.n, 0);
	assert_int_equal(run(ct, d, d + 2), 1);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.id[0], 7);
	assert_near(seen.tick[0], d);
	assert_true(seen.keys_present);
	assert_false(present(ct, 7));
	assert_int_equal(conn_count(ct), 0);
	conn_table_free(ct);
}

static void
test_expire_timing(void **state)
{
	(void)state;
	assert_int_equal(SECS(10), 157); /* 10.048 s: never less than the timeout */
	expire_at(0);
	expire_at(123457);
	/* The 32-bit tick clock wraps (after 8 years of uptime): deadlines still hold. */
	expire_at(UINT32_MAX - 50);
}

/* Traffic moves the deadline on: the conn lives until the idle timeout after the last packet. */
static void
test_traffic_delays_expiry(void **state)
{
	struct conn_table *ct = table(16);
	const uint32_t to = SECS(10);
	struct conn *c;
	uint32_t t;

	(void)state;
	c = add(ct, 3, 1000, 1000 + to);
	/* A packet every 100 ticks for 1000 ticks, each setting now + timeout. */
	for (t = 1000; t < 2000; t++) {
		seen.now = t;
		assert_int_equal(conn_expire(ct, t, BIG_BUDGET), 0);
		if (t % 100 == 0)
			conn_set_expire(ct, c, t + to);
	}
	assert_true(present(ct, 3));
	/* The last packet was at 1900. */
	assert_int_equal(run(ct, 2000, 1900 + to - 1), 0);
	assert_true(present(ct, 3));
	assert_int_equal(run(ct, 1900 + to, 1900 + to + 2), 1);
	assert_near(seen.tick[0], 1900 + to);
	conn_table_free(ct);
}

/*
 * A deadline moved earlier (ESTABLISHED, 900 s, to TIME_WAIT, 120 s) must take effect at
 * the new deadline, not at the old one.
 */
static void
test_deadline_moved_earlier(void **state)
{
	struct conn_table *ct = table(16);
	struct conn *c;
	uint32_t d;

	(void)state;
	c = add(ct, 5, 0, SECS(900));
	add(ct, 6, 0, SECS(900)); /* a neighbour in the same slot stays where it is */
	assert_int_equal(run(ct, 0, 100), 0);
	d = 100 + SECS(120);
	conn_set_expire(ct, c, d);
	assert_int_equal(c->expire, d);
	assert_int_equal(run(ct, 101, d - 1), 0);
	assert_int_equal(run(ct, d, d + 2), 1);
	assert_int_equal(seen.id[0], 5);
	assert_near(seen.tick[0], d);
	assert_true(present(ct, 6));
	assert_int_equal(run(ct, d + 3, SECS(900) - 1), 0);
	assert_int_equal(run(ct, SECS(900), SECS(900) + 2), 1);
	assert_int_equal(seen.id[1], 6);
	assert_near(seen.tick[1], SECS(900));
	/* Moved earlier than now: due at once, i.e. within the next two ticks. */
	assert_int_equal(run(ct, SECS(900) + 3, SECS(900) + 10), 0);
	c = add(ct, 8, SECS(900) + 10, SECS(900) + 1000);
	conn_set_expire(ct, c, SECS(900) + 5);
	assert_int_equal(run(ct, SECS(900) + 11, SECS(900) + 13), 1);
	assert_int_equal(seen.id[2], 8);
	conn_table_free(ct);
}

/* Deadlines beyond one turn of the wheel (8192 ticks = 524 s) and at its edges. */
static void
test_long_deadlines(void **state)
{
	static const uint32_t after[] = { 1, 2, 8190, 8191, 8192, 8193, SECS(900), 16384,
					  16385, 3 * 8192 + 7, SECS(3600) };
	const unsigned n = sizeof(after) / sizeof(after[0]);
	struct conn_table *ct = table(64);
	const uint32_t start = 777;
	unsigned i, j;

	(void)state;
	for (i = 0; i < n; i++)
		add(ct, i, start, start + after[i]);
	assert_int_equal(run(ct, start, start + SECS(3600) + 2), n);
	assert_int_equal(seen.n, n);
	for (j = 0; j < n; j++)
		assert_near(seen.tick[j], start + after[seen.id[j]]);
	/* In deadline order. */
	for (j = 0; j < n; j++)
		assert_int_equal(seen.id[j], j);
	assert_int_equal(conn_count(ct), 0);
	conn_table_free(ct);
}

/* A worker that calls conn_expire() rarely (once a second) still expires everything due. */
static void
test_sparse_calls(void **state)
{
	struct conn_table *ct = table(64);
	uint32_t t;
	unsigned i, total = 0;

	(void)state;
	for (i = 0; i < 40; i++)
		add(ct, i, 0, 10 + i * 37);
	for (t = 0; t <= 10 + 39 * 37 + 16; t += 16) {
		unsigned before = seen.n, k;

		seen.now = t;
		total += conn_expire(ct, t, BIG_BUDGET);
		/* Everything due by now has gone, nothing that is not yet due. */
		for (k = before; k < seen.n; k++)
			assert_true(10 + seen.id[k] * 37 <= t && 10 + seen.id[k] * 37 + 16 > t);
		for (i = 0; i < 40; i++)
			assert_int_equal(present(ct, i), 10 + i * 37 > t);
	}
	assert_int_equal(total, 40);
	conn_table_free(ct);
}

/* One conn_expire() call does at most `budget` units of work: slots visited and conns. */
static void
test_budget(void **state)
{
	struct conn_table *ct = table(256);
	const unsigned budget = 10;
	unsigned i, calls = 0, total = 0, r;

	(void)state;
	for (i = 0; i < 100; i++)
		add(ct, i, 0, 20);
	add(ct, 200, 0, 21);
	assert_int_equal(run(ct, 0, 19), 0);
	/* 100 conns due in one slot: worked off in budget-sized pieces, none lost. */
	seen.now = 20;
	do {
		r = conn_expire(ct, 20, budget);
		/* One unit may go to visiting the slot itself. */
		assert_true(r <= budget);
		if (total + r < 100)
			assert_true(r >= budget - 1);
		assert_int_equal(seen.n, total + r);
		total += r;
		calls++;
	} while (total < 100 && calls < 1000);
	assert_int_equal(total, 100);
	assert_true(calls >= 100 / budget);
	assert_true(present(ct, 200));
	assert_int_equal(run(ct, 21, 21), 1);
	assert_true(seen.keys_present);
	conn_table_free(ct);
}

/* Empty slots count against the budget too: a long pause is caught up on in pieces. */
static void
test_budget_empty_slots(void **state)
{
	struct conn_table *ct = table(16);

	(void)state;
	add(ct, 1, 1000, 1150);
	/* 100 slots (1000..1099) per call: the conn at 1150 is not reached by the first... */
	seen.now = 6000;
	assert_int_equal(conn_expire(ct, 6000, 100), 0);
	assert_true(present(ct, 1));
	/* ...nor by a second with a budget of 30 (1100..1129)... */
	assert_int_equal(conn_expire(ct, 6000, 30), 0);
	assert_true(present(ct, 1));
	/* ...but by a third: 20 empty slots, its own, and the conn. */
	assert_int_equal(conn_expire(ct, 6000, 30), 1);
	assert_false(present(ct, 1));
	conn_table_free(ct);
}

/*
 * conn_remove(): gone from the hash at once, but its slot is held until the wheel passes,
 * because the burst that removed it may still point at it. No callback for it.
 */
static void
test_remove(void **state)
{
	struct conn_table *ct = table(4);
	struct conn *a, *c;
	struct conn copy;
	uint32_t ai;

	(void)state;
	a = add(ct, 1, 0, 100);
	add(ct, 2, 0, 100);
	add(ct, 3, 0, 100);
	add(ct, 4, 0, 100);
	assert_int_equal(run(ct, 0, 5), 0);
	for (ai = 0; ai < 4; ai++)
		if (conn_snapshot(ct, ai, &copy) == 0 && conn_id(&copy) == 1)
			break;
	assert_true(ai < 4);
	conn_remove(ct, a);
	assert_int_equal(conn_count(ct), 3);
	assert_false(present(ct, 1));
	assert_true(present(ct, 2));
	assert_int_equal(conn_snapshot(ct, ai, &copy), -ENOENT);
	assert_null(conn_alloc(ct));
	/* The wheel passes (within two ticks): the slot is free, no callback ran. */
	assert_int_equal(run(ct, 6, 7), 0);
	assert_int_equal(seen.n, 0);
	c = conn_alloc(ct);
	assert_ptr_equal(c, a);
	/* The tuple is free for a new conn. */
	fill(c, 1, 100);
	assert_int_equal(conn_insert(ct, c, out_of(c), 7), 0);
	assert_true(present(ct, 1));
	assert_int_equal(run(ct, 8, 100), 4);
	assert_int_equal(seen.n, 4);
	conn_table_free(ct);
}

/*
 * A mode whose backend answers the client itself (DR, TUN) keys a conn on its IN side only:
 * its OUT tuple stays free for another conn, and it leaves the table as any other. A key
 * that is not conn_key_out() of the conn is refused: the table finds the key from the conn.
 */
static void
test_in_only_and_out_key_checked(void **state)
{
	struct conn_table *ct = table(8);
	struct conn_key kin, kout, bad;
	enum conn_dir dir;
	struct conn *c, *d;

	(void)state;
	c = conn_alloc(ct);
	fill(c, 1, 100);
	assert_int_equal(conn_insert(ct, c, NULL, 0), 0);
	conn_key_in(c, &kin);
	conn_key_out(c, &kout);
	assert_ptr_equal(conn_lookup(ct, &kin, &dir), c);
	assert_null(conn_lookup(ct, &kout, &dir));
	/* another conn may hold that OUT tuple */
	d = conn_alloc(ct);
	fill(d, 2, 100);
	d->daddr = c->daddr;
	d->laddr = c->laddr;
	d->dport = c->dport;
	d->lport = c->lport;
	assert_int_equal(conn_insert(ct, d, out_of(d), 0), 0);
	assert_ptr_equal(conn_lookup(ct, &kout, &dir), d);
	assert_int_equal(dir, CONN_DIR_OUT);
	/* the IN-only conn goes without touching d's OUT key */
	conn_remove(ct, c);
	assert_null(conn_lookup(ct, &kin, &dir));
	assert_ptr_equal(conn_lookup(ct, &kout, &dir), d);
	assert_int_equal(run(ct, 0, 3), 0);
	/* an OUT key that is not the conn's own: refused, nothing indexed */
	c = conn_alloc(ct);
	fill(c, 3, 100);
	conn_key_out(c, &bad);
	bad.dport ^= 1;
	assert_int_equal(conn_insert(ct, c, &bad, 3), -EINVAL);
	conn_key_in(c, &kin);
	assert_null(conn_lookup(ct, &kin, &dir));
	assert_null(conn_lookup(ct, &bad, &dir));
	assert_int_equal(conn_count(ct), 1);
	conn_table_free(ct);
}

/*
 * The TIME_WAIT reuse case: a new conn takes the tuple of one just removed, before the
 * wheel has freed the old one. Freeing the old slot must not take the new conn's keys.
 */
static void
test_remove_then_reuse_tuple(void **state)
{
	struct conn_table *ct = table(4);
	struct conn *a, *b;

	(void)state;
	a = add(ct, 9, 0, 50);
	assert_int_equal(run(ct, 0, 10), 0);
	conn_remove(ct, a);
	b = add(ct, 9, 10, 200);
	assert_ptr_not_equal(a, b);
	assert_int_equal(conn_count(ct), 1);
	/* Past the old conn's release and its old deadline. */
	assert_int_equal(run(ct, 11, 60), 0);
	assert_int_equal(seen.n, 0);
	assert_true(present(ct, 9));
	assert_int_equal(conn_count(ct), 1);
	assert_int_equal(run(ct, 61, 200), 1);
	assert_int_equal(seen.n, 1);
	assert_false(present(ct, 9));
	assert_int_equal(conn_count(ct), 0);
	conn_table_free(ct);
}

/* A reader on another thread sees conns in use, and only those. */
static void
test_snapshot(void **state)
{
	struct conn_table *ct = table(8);
	struct conn *c, copy;
	uint32_t i, found = 0, ids = 0;

	(void)state;
	add(ct, 10, 0, 100);
	c = add(ct, 11, 0, 100);
	add(ct, 12, 0, 50);
	assert_non_null(conn_alloc(ct)); /* taken but never inserted: not visible */
	conn_remove(ct, c);
	for (i = 0; i < conn_capacity(ct); i++) {
		memset(&copy, 0, sizeof(copy));
		if (conn_snapshot(ct, i, &copy) != 0)
			continue;
		found++;
		ids |= 1u << (conn_id(&copy) - 10);
		assert_int_equal(copy.vaddr, RTE_BE32(0x0a00000a));
		assert_int_equal(copy.lport, rte_cpu_to_be_16((uint16_t)(1024 + conn_id(&copy))));
		assert_int_equal(copy.expire, conn_id(&copy) == 12 ? 50u : 100u);
		assert_int_equal(copy.state, TCP_S_ESTABLISHED);
		assert_int_equal(copy.gen & 1, 0);
	}
	assert_int_equal(found, 2);
	assert_int_equal(ids, (1u << 0) | (1u << 2));
	/* Expired: gone from the reader's view too. */
	assert_int_equal(run(ct, 0, 50), 1);
	found = 0;
	for (i = 0; i < conn_capacity(ct); i++)
		if (conn_snapshot(ct, i, &copy) == 0) {
			found++;
			assert_int_equal(conn_id(&copy), 10);
		}
	assert_int_equal(found, 1);
	conn_table_free(ct);
}

/* A table used to its capacity, many times over: no slot is lost, counts stay exact. */
/* The index's buckets, white box: what conn_hash.h's walk relies on. */
static const struct conn_table_view *
view(const struct conn_table *ct)
{
	return (const struct conn_table_view *)(const void *)ct;
}

static uint32_t
home_of(const struct conn_table *ct, uint32_t id)
{
	struct conn_key k;

	key_in(id, &k);
	return ch_hash4(&k, view(ct)->n_buckets).bucket;
}

/*
 * Thirty conns whose IN keys share one home bucket (ten slots): twenty overflow into the
 * buckets after it. Every one is found, singly and in one bulk lookup with thirty absent
 * keys of the same home; removing every other one keeps the rest found; removing all
 * leaves the index as empty as it began (every `over` back to 0).
 */
static void
test_index_overflow(void **state)
{
	struct conn_table *ct = table(1000);
	uint32_t in[30], out[30], id, home, n_in = 0, n_out = 0, i;
	struct conn_key k[60];
	const void *keys[60];
	void *data[60];
	struct conn *c[30];
	uint64_t hits;

	(void)state;
	home = home_of(ct, 0);
	for (id = 0; id < 60000 && (n_in < 30 || n_out < 30); id++) {
		if (home_of(ct, id) != home)
			continue;
		if (n_in < 30)
			in[n_in++] = id;
		else
			out[n_out++] = id;
	}
	assert_int_equal(n_out, 30);
	for (i = 0; i < 30; i++)
		c[i] = add(ct, in[i], 1, 100);
	assert_true(view(ct)->buckets[home].over > 0);
	for (i = 0; i < 30; i++) {
		assert_true(present(ct, in[i]));
		assert_false(present(ct, out[i]));
		key_in(in[i], &k[2 * i]);
		key_in(out[i], &k[2 * i + 1]);
	}
	for (i = 0; i < 60; i++)
		keys[i] = &k[i];
	conn_lookup_bulk(ct, keys, 60, &hits, data);
	for (i = 0; i < 30; i++) {
		assert_ptr_equal(data[2 * i], (void *)((uintptr_t)c[i] | CONN_DIR_IN));
		assert_null(data[2 * i + 1]);
	}
	assert_int_equal(hits, 0x5555555555555555ull & ((1ull << 60) - 1));

	for (i = 0; i < 30; i += 2)
		conn_remove(ct, c[i]);
	for (i = 0; i < 30; i++)
		assert_int_equal(present(ct, in[i]), i % 2);
	/* Their tuples are free again: new conns take them, in the slots freed early in the walk. */
	for (i = 0; i < 30; i += 2)
		c[i] = add(ct, in[i], 1, 100);
	for (i = 0; i < 30; i++) {
		assert_true(present(ct, in[i]));
		conn_remove(ct, c[i]);
	}
	for (i = 0; i < view(ct)->n_buckets; i++) {
		unsigned s;

		assert_int_equal(view(ct)->buckets[i].over, 0);
		for (s = 0; s < CH_SLOTS; s++)
			assert_int_equal(view(ct)->buckets[i].tag[s], 0);
	}
	assert_int_equal(conn_count(ct), 0);
	conn_table_free(ct);
}

/* A table of n conns holds n conns, however their keys fall: the index never refuses one. */
static void
test_index_full(void **state)
{
	struct conn_table *ct = table(4096);
	uint32_t id;

	(void)state;
	for (id = 0; id < 4096; id++)
		add(ct, id, 1, 100);
	assert_null(conn_alloc(ct));
	for (id = 0; id < 4096; id++)
		assert_true(present(ct, id));
	assert_false(present(ct, 4096));
	assert_true(conn_table_bytes(ct) >= 4096u * (64 + 32 + 32));
	conn_table_free(ct);
}

static void
test_churn(void **state)
{
	struct conn_table *ct = table(128);
	uint32_t t, id = 0, created = 0, k;

	(void)state;
	for (t = 0; t < 3000; t++) {
		struct conn *c;

		seen.now = t;
		conn_expire(ct, t, BIG_BUDGET);
		/* Fill whatever is free with conns living 20..83 ticks. */
		for (k = 0; k <= 128 && (c = conn_alloc(ct)) != NULL; k++) {
			fill(c, id % 60000, t + 20 + (id * 7) % 64);
			/* Ids wrap only long after the conns that had them expired. */
			assert_int_equal(conn_insert(ct, c, out_of(c), t), 0);
			id++;
			created++;
		}
		assert_int_equal(conn_count(ct), 128);
	}
	assert_int_equal(created - 128, seen.n);
	assert_true(seen.keys_present);
	conn_table_free(ct);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_args),
		cmocka_unit_test(test_insert_lookup),
		cmocka_unit_test(test_eexist),
		cmocka_unit_test(test_full_then_expire),
		cmocka_unit_test(test_expire_timing),
		cmocka_unit_test(test_traffic_delays_expiry),
		cmocka_unit_test(test_deadline_moved_earlier),
		cmocka_unit_test(test_long_deadlines),
		cmocka_unit_test(test_sparse_calls),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_budget_empty_slots),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_remove_then_reuse_tuple),
		cmocka_unit_test(test_in_only_and_out_key_checked),
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_index_overflow),
		cmocka_unit_test(test_index_full),
	};

	return cmocka_run_group_tests(tests, test_eal_setup, NULL);
}
