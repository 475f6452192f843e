/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the neighbour table (src/net/neigh.c). Time is passed in by hand, in
 * milliseconds, so the timers are checked at their edges: an entry is trusted 30 s after
 * it was heard from, requests go at most once a second, three unanswered probes drop the
 * MAC, and an entry nobody needs ages out instead of being probed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_ether.h>

#include "net/neigh.h"

#define IP(a, b, c, d) RTE_BE32(((a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define T0 1000000ull /* a clock well past zero: 0 is "never" for the table's timers */

/* The requests neigh_upkeep() asked for. */
static struct {
	unsigned n;
	uint32_t ip[64];
	uint8_t port[64];
} sent;

static void
on_send(void *arg, const union addr46 *ip, uint8_t port)
{
	assert_ptr_equal(arg, &sent);
	if (sent.n < 64) {
		sent.ip[sent.n] = ip->w[3];
		sent.port[sent.n] = port;
	}
	sent.n++;
}

/* Upkeep at `now`; the number of requests it sent. */
static unsigned
upkeep(struct neigh_table *t, uint64_t now)
{
	unsigned before = sent.n;

	neigh_upkeep(t, now, on_send, &sent);
	return sent.n - before;
}

static struct rte_ether_addr
mac(uint8_t last)
{
	struct rte_ether_addr m = { { 0x02, 0x00, 0x5e, 0x10, 0x20, last } };

	return m;
}

static struct neigh_table *
table(uint32_t capacity)
{
	struct neigh_table *t = neigh_create(capacity);

	assert_non_null(t);
	memset(&sent, 0, sizeof(sent));
	return t;
}

static int
resolved_to(struct neigh_table *t, uint32_t ip, uint8_t last)
{
	struct rte_ether_addr got, want = mac(last);

	if (neigh_lookup(t, ip, &got) != 0)
		return 0;
	return rte_is_same_ether_addr(&got, &want);
}

static void
test_create(void **state)
{
	(void)state;
	errno = 0;
	assert_null(neigh_create(0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(neigh_create(100));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(neigh_create(4)); /* less than one bucket */
	assert_int_equal(errno, EINVAL);
	neigh_free(neigh_create(8));
}

static void
test_learn_lookup(void **state)
{
	struct neigh_table *t = table(64);
	struct rte_ether_addr got;

	(void)state;
	memset(&got, 0xee, sizeof(got));
	assert_int_equal(neigh_lookup(t, IP(10, 0, 2, 11), &got), -ENOENT);
	assert_int_equal(neigh_learn(t, IP(10, 0, 2, 11), 1, &(struct rte_ether_addr){
					     { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x11 } }, T0), 0);
	assert_int_equal(neigh_lookup(t, IP(10, 0, 2, 11), &got), 0);
	assert_true(resolved_to(t, IP(10, 0, 2, 11), 0x11));
	/* Absent neighbours, including one differing in a single byte. */
	assert_int_equal(neigh_lookup(t, IP(10, 0, 2, 12), &got), -ENOENT);
	assert_int_equal(neigh_lookup(t, IP(10, 0, 3, 11), &got), -ENOENT);
	/* A new MAC replaces the old one (a failover, a gratuitous ARP). */
	assert_int_equal(neigh_learn(t, IP(10, 0, 2, 11), 1, &(struct rte_ether_addr){
					     { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x99 } }, T0 + 5), 0);
	assert_true(resolved_to(t, IP(10, 0, 2, 11), 0x99));
	neigh_free(t);
}

/* Many neighbours, colliding in a small table: each still resolves to its own MAC. */
static void
test_many(void **state)
{
	struct neigh_table *t = table(512);
	unsigned i, n = 0;

	(void)state;
	for (i = 0; i < 200; i++) {
		struct rte_ether_addr m = mac((uint8_t)i);

		assert_int_equal(neigh_learn(t, IP(10, 0, i >> 4, (i * 17 + 1) & 0xff), 0, &m, T0),
				 0);
	}
	for (i = 0; i < 200; i++)
		assert_true(resolved_to(t, IP(10, 0, i >> 4, (i * 17 + 1) & 0xff), (uint8_t)i));
	for (i = 0; i < 200; i++)
		n += neigh_lookup(t, IP(10, 1, i >> 4, (i * 17 + 1) & 0xff),
				  &(struct rte_ether_addr){ { 0 } }) == -ENOENT;
	assert_int_equal(n, 200);
	neigh_free(t);
}

/*
 * neigh_want(): a worker missed an address. The first miss asks for a request (1); more
 * misses within a second do not (0), so a burst of misses sends one ARP; after a second
 * another one may go.
 */
static void
test_want_rate(void **state)
{
	struct neigh_table *t = table(64);
	struct rte_ether_addr m = mac(1);
	uint32_t ip = IP(10, 0, 2, 50);

	(void)state;
	assert_int_equal(neigh_want(t, ip, 1, T0), 1);
	assert_int_equal(neigh_want(t, ip, 1, T0), 0);
	assert_int_equal(neigh_want(t, ip, 1, T0 + 1), 0);
	assert_int_equal(neigh_want(t, ip, 1, T0 + 999), 0);
	assert_int_equal(neigh_want(t, ip, 1, T0 + 1000), 1);
	assert_int_equal(neigh_want(t, ip, 1, T0 + 1500), 0);
	assert_int_equal(neigh_want(t, ip, 1, T0 + 2000), 1);
	/* Wanting does not make it resolved. */
	assert_int_equal(neigh_lookup(t, ip, &m), -ENOENT);
	/* Once resolved, a miss (a stale worker view) asks for nothing. */
	m = mac(1);
	assert_int_equal(neigh_learn(t, ip, 1, &m, T0 + 2100), 0);
	assert_int_equal(neigh_want(t, ip, 1, T0 + 5000), 0);
	assert_true(resolved_to(t, ip, 1));
	/* Different addresses are rate-limited separately. */
	assert_int_equal(neigh_want(t, IP(10, 0, 2, 51), 1, T0 + 5000), 1);
	assert_int_equal(neigh_want(t, IP(10, 0, 2, 52), 1, T0 + 5000), 1);
	neigh_free(t);
}

/* While a worker wants an unresolved address, upkeep keeps asking, once a second. */
static void
test_wanted_unresolved_upkeep(void **state)
{
	struct neigh_table *t = table(64);
	uint32_t ip = IP(10, 0, 2, 60);

	(void)state;
	assert_int_equal(neigh_want(t, ip, 2, T0), 1);
	assert_int_equal(upkeep(t, T0 + 500), 0); /* the request just went */
	assert_int_equal(upkeep(t, T0 + 1000), 1);
	assert_int_equal(sent.ip[0], ip);
	assert_int_equal(sent.port[0], 2);
	assert_int_equal(upkeep(t, T0 + 1500), 0);
	assert_int_equal(upkeep(t, T0 + 2000), 1);
	/* Nobody has wanted it for a minute: stop asking. */
	assert_int_equal(upkeep(t, T0 + 59999), 1);
	assert_int_equal(upkeep(t, T0 + 60000), 0);
	assert_int_equal(upkeep(t, T0 + 70000), 0);
	neigh_free(t);
}

/* neigh_pin(): like want, but kept resolved for as long as it is pinned. */
static void
test_pin(void **state)
{
	struct neigh_table *t = table(64);
	struct rte_ether_addr m = mac(7);
	uint32_t gw = IP(10, 0, 1, 254);

	(void)state;
	assert_int_equal(neigh_pin(t, gw, 0, T0), 1);
	assert_int_equal(neigh_pin(t, gw, 0, T0 + 10), 0);
	assert_int_equal(neigh_lookup(t, gw, &m), -ENOENT);
	/* A pinned unresolved entry is asked for by upkeep long after any want would lapse. */
	assert_int_equal(upkeep(t, T0 + 1000), 1);
	assert_int_equal(upkeep(t, T0 + 100000), 1);
	assert_int_equal(sent.ip[1], gw);
	m = mac(7);
	assert_int_equal(neigh_learn(t, gw, 0, &m, T0 + 100100), 0);
	assert_true(resolved_to(t, gw, 7));
	/* Pinning a resolved entry needs no request. */
	assert_int_equal(neigh_pin(t, gw, 0, T0 + 100200), 0);
	assert_int_equal(neigh_pin(t, IP(10, 0, 1, 253), 0, T0 + 100200), 1);
	neigh_free(t);
}

/*
 * A pinned entry goes stale 30 s after it was last heard from: upkeep then probes it,
 * once a second, keeping the MAC meanwhile; after three unanswered probes the MAC is
 * dropped, and the entry is asked for again as an unresolved one.
 */
static void
test_pinned_stale_probes(void **state)
{
	struct neigh_table *t = table(64);
	struct rte_ether_addr m = mac(3);
	uint32_t be = IP(10, 0, 2, 11);

	(void)state;
	assert_int_equal(neigh_learn(t, be, 1, &m, T0), 0);
	assert_int_equal(neigh_pin(t, be, 1, T0), 0);
	assert_int_equal(upkeep(t, T0 + 1000), 0);
	assert_int_equal(upkeep(t, T0 + 29999), 0);
	assert_true(resolved_to(t, be, 3));
	/* Probe 1, 2, 3, a second apart; still resolved throughout. */
	assert_int_equal(upkeep(t, T0 + 30000), 1);
	assert_int_equal(sent.ip[0], be);
	assert_int_equal(sent.port[0], 1);
	assert_true(resolved_to(t, be, 3));
	assert_int_equal(upkeep(t, T0 + 30500), 0);
	assert_int_equal(upkeep(t, T0 + 31000), 1);
	assert_true(resolved_to(t, be, 3));
	assert_int_equal(upkeep(t, T0 + 32000), 1);
	assert_true(resolved_to(t, be, 3));
	assert_int_equal(sent.n, 3);
	/* No answer to three probes: the MAC goes. */
	upkeep(t, T0 + 33000);
	assert_int_equal(neigh_lookup(t, be, &m), -ENOENT);
	assert_int_equal(sent.n, 3);
	/* Still pinned: resolution goes on. */
	assert_int_equal(upkeep(t, T0 + 34000), 1);
	assert_int_equal(sent.ip[3], be);
	neigh_free(t);
}

/* An answer during probing restores trust for another 30 s. */
static void
test_probe_answered(void **state)
{
	struct neigh_table *t = table(64);
	struct rte_ether_addr m = mac(4);
	uint32_t be = IP(10, 0, 2, 12);

	(void)state;
	assert_int_equal(neigh_learn(t, be, 1, &m, T0), 0);
	assert_int_equal(neigh_pin(t, be, 1, T0), 0);
	assert_int_equal(upkeep(t, T0 + 30000), 1);
	assert_int_equal(upkeep(t, T0 + 31000), 1);
	assert_int_equal(neigh_learn(t, be, 1, &m, T0 + 31500), 0);
	assert_int_equal(upkeep(t, T0 + 32000), 0);
	assert_int_equal(upkeep(t, T0 + 61499), 0);
	assert_true(resolved_to(t, be, 4));
	/* Stale again: the probe count starts from zero, so three more probes before it goes. */
	assert_int_equal(upkeep(t, T0 + 61500), 1);
	assert_int_equal(upkeep(t, T0 + 62500), 1);
	assert_int_equal(upkeep(t, T0 + 63500), 1);
	assert_true(resolved_to(t, be, 4));
	upkeep(t, T0 + 64500);
	assert_int_equal(neigh_lookup(t, be, &m), -ENOENT);
	neigh_free(t);
}

/* An entry nobody needs (not pinned, not wanted lately) ages out at 30 s, unprobed. */
static void
test_unneeded_ages_out(void **state)
{
	struct neigh_table *t = table(64);
	struct rte_ether_addr m = mac(5);
	uint32_t ip = IP(10, 0, 1, 77);

	(void)state;
	assert_int_equal(neigh_learn(t, ip, 0, &m, T0), 0);
	assert_int_equal(upkeep(t, T0 + 29999), 0);
	assert_true(neigh_known(t, ip)); /* a lookup would mark it used */
	assert_int_equal(upkeep(t, T0 + 30000), 0);
	assert_false(neigh_known(t, ip)); /* removed, not only forgotten */
	assert_int_equal(neigh_lookup(t, ip, &m), -ENOENT);
	assert_int_equal(upkeep(t, T0 + 31000), 0);
	assert_int_equal(upkeep(t, T0 + 100000), 0);
	/* Heard from again: resolved again. */
	m = mac(6);
	assert_int_equal(neigh_learn(t, ip, 0, &m, T0 + 100000), 0);
	assert_true(resolved_to(t, ip, 6));
	neigh_free(t);
}

/* Unpinned (the backend was deleted): the entry ages out like any other. */
static void
test_unpin_all(void **state)
{
	struct neigh_table *t = table(64);
	struct rte_ether_addr m = mac(8);
	uint32_t ip = IP(10, 0, 2, 13);

	(void)state;
	assert_int_equal(neigh_learn(t, ip, 1, &m, T0), 0);
	assert_int_equal(neigh_pin(t, ip, 1, T0), 0);
	neigh_unpin_all(t);
	assert_int_equal(upkeep(t, T0 + 30000), 0);
	assert_int_equal(neigh_lookup(t, ip, &m), -ENOENT);
	neigh_free(t);
}

/* An entry a worker missed within the last minute counts as needed: probed, not dropped. */
static void
test_wanted_resolved_is_probed(void **state)
{
	struct neigh_table *t = table(64);
	struct rte_ether_addr m = mac(9);
	uint32_t ip = IP(10, 0, 2, 14);

	(void)state;
	assert_int_equal(neigh_want(t, ip, 1, T0), 1);
	assert_int_equal(neigh_learn(t, ip, 1, &m, T0 + 10), 0);
	assert_int_equal(upkeep(t, T0 + 30010), 1);
	assert_true(resolved_to(t, ip, 9));
	neigh_free(t);
}

static void
port_of(void *arg, const struct neigh_entry *e)
{
	int *port = arg;

	*port = e->port;
}

/* A neighbour heard on another port (moved, or first wanted on the wrong one): probes follow. */
static void
test_port_follows_learn(void **state)
{
	struct neigh_table *t = table(64);
	struct rte_ether_addr m = mac(10);
	uint32_t ip = IP(10, 0, 2, 15);
	int port = -1;

	(void)state;
	assert_int_equal(neigh_want(t, ip, 0, T0), 1);
	assert_int_equal(neigh_learn(t, ip, 1, &m, T0 + 100), 0);
	neigh_foreach(t, port_of, &port);
	assert_int_equal(port, 1);
	assert_int_equal(neigh_pin(t, ip, 1, T0 + 100), 0);
	assert_int_equal(upkeep(t, T0 + 30100), 1);
	assert_int_equal(sent.ip[0], ip);
	assert_int_equal(sent.port[0], 1);
	neigh_free(t);
}

static void
count_entry(void *arg, const struct neigh_entry *e)
{
	unsigned *n = arg;

	assert_int_not_equal(e->ip.w[3], 0);
	(*n)++;
}

/*
 * A full bucket: stray ARP fills at most its learned share, and pushes out the stalest of
 * what nobody needs; addresses the node needs take the rest and push out learned ones; only
 * a bucket full of needed entries refuses, counted.
 */
static void
test_full(void **state)
{
	struct neigh_table *t = table(8); /* one bucket */
	struct rte_ether_addr m;
	unsigned i, n = 0;

	(void)state;
	for (i = 0; i < NEIGH_LEARN_WAYS; i++) {
		m = mac((uint8_t)i);
		assert_int_equal(neigh_learn(t, IP(10, 0, 0, i + 1), 0, &m, T0 + i), 0);
	}
	/* One more learned address replaces the one heard from longest ago (10.0.0.1). */
	m = mac(99);
	assert_int_equal(neigh_learn(t, IP(10, 0, 0, 50), 0, &m, T0 + 10), 0);
	assert_true(resolved_to(t, IP(10, 0, 0, 50), 99));
	assert_int_equal(neigh_lookup(t, IP(10, 0, 0, 1), &m), -ENOENT);
	assert_int_equal(t->st.evicted, 1);
	assert_int_equal(t->st.entries, NEIGH_LEARN_WAYS);
	/* Needed addresses: the two free slots, then the stalest learned ones. */
	for (i = 0; i < NEIGH_WAYS; i++)
		assert_true(neigh_pin(t, IP(10, 0, 2, i + 1), 1, T0 + 20) >= 0);
	assert_int_equal(t->st.entries, NEIGH_WAYS);
	assert_int_equal(t->st.full, 0);
	/* A bucket of needed entries: a ninth needed address is refused and counted, and so is
	 * stray ARP; the pinned ones are untouched. */
	assert_int_equal(neigh_pin(t, IP(10, 0, 2, 99), 1, T0 + 30), -ENOSPC);
	assert_int_equal(neigh_want(t, IP(10, 0, 2, 98), 1, T0 + 30), -ENOSPC);
	assert_int_equal(t->st.full, 2);
	m = mac(77);
	assert_int_equal(neigh_learn(t, IP(10, 0, 0, 60), 0, &m, T0 + 30), -ENOSPC);
	assert_int_equal(t->st.refused, 1);
	/* A lookup of an absent address in a full table ends. */
	assert_int_equal(neigh_lookup(t, IP(10, 0, 0, 5), &m), -ENOENT);
	/* Known addresses can still be learned, wanted and pinned. */
	m = mac(42);
	assert_int_equal(neigh_learn(t, IP(10, 0, 2, 2), 1, &m, T0 + 31), 0);
	assert_true(resolved_to(t, IP(10, 0, 2, 2), 42));
	assert_int_equal(neigh_want(t, IP(10, 0, 2, 3), 1, T0 + 31), 0); /* asked 11 ms ago */
	neigh_foreach(t, count_entry, &n);
	assert_int_equal(n, NEIGH_WAYS);
	neigh_free(t);
}

/*
 * The defect: ARP from more than the table's size of sources (a /16 of them) filled it for
 * good, and then no backend resolved. Now the flood only churns its own share: every
 * backend pinned during and after it resolves, and once the flood stops its entries age out.
 */
static void
test_arp_flood_leaves_room(void **state)
{
	struct neigh_table *t = table(4096);
	struct rte_ether_addr m;
	unsigned i, ok = 0;

	(void)state;
	for (i = 0; i < 20000; i++) {
		m = mac((uint8_t)i);
		(void)neigh_learn(t, IP(10, 1, (i >> 8) & 0xff, i & 0xff), 0, &m, T0 + i / 100);
		/* backends appear while the flood goes on */
		if (i % 100 == 0)
			assert_true(neigh_pin(t, IP(10, 0, 2, 10 + i / 100), 1, T0 + i / 100) >= 0);
	}
	for (i = 0; i < 200; i++) {
		m = mac((uint8_t)(i + 1));
		assert_int_equal(neigh_learn(t, IP(10, 0, 2, 10 + i), 1, &m, T0 + 300), 0);
	}
	for (i = 0; i < 200; i++)
		ok += resolved_to(t, IP(10, 0, 2, 10 + i), (uint8_t)(i + 1));
	assert_int_equal(ok, 200);
	assert_int_equal(t->st.full, 0);
	assert_true(t->st.refused + t->st.evicted > 0);
	assert_true(t->st.entries <= 4096);
	/* The flood stops: its entries go after 30 s, the pinned ones stay. */
	upkeep(t, T0 + 300 + 31000);
	assert_int_equal(t->st.entries, 200);
	neigh_free(t);
}

/* An entry the workers resolve through is in use: refreshed at 30 s, not aged out. */
static void
test_used_is_refreshed(void **state)
{
	struct neigh_table *t = table(64);
	struct rte_ether_addr m = mac(3);
	uint32_t ip = IP(10, 0, 1, 3);

	(void)state;
	assert_int_equal(neigh_learn(t, ip, 0, &m, T0), 0);
	assert_true(resolved_to(t, ip, 3)); /* a worker's lookup marks it */
	assert_int_equal(upkeep(t, T0 + 1000), 0);
	assert_int_equal(upkeep(t, T0 + 30000), 1); /* probed: still needed */
	assert_true(resolved_to(t, ip, 3));
	neigh_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_learn_lookup),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_want_rate),
		cmocka_unit_test(test_wanted_unresolved_upkeep),
		cmocka_unit_test(test_pin),
		cmocka_unit_test(test_pinned_stale_probes),
		cmocka_unit_test(test_probe_answered),
		cmocka_unit_test(test_unneeded_ages_out),
		cmocka_unit_test(test_unpin_all),
		cmocka_unit_test(test_wanted_resolved_is_probed),
		cmocka_unit_test(test_port_follows_learn),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_arp_flood_leaves_room),
		cmocka_unit_test(test_used_is_refreshed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
