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
on_send(void *arg, uint32_t ip, uint8_t port)
{
	assert_ptr_equal(arg, &sent);
	if (sent.n < 64) {
		sent.ip[sent.n] = ip;
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
resolved_to(const struct neigh_table *t, uint32_t ip, uint8_t last)
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
	neigh_free(neigh_create(1));
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
	struct neigh_table *t = table(256);
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
	assert_true(resolved_to(t, ip, 5));
	assert_int_equal(upkeep(t, T0 + 30000), 0);
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

	assert_int_not_equal(e->ip, 0);
	(*n)++;
}

/* A full table refuses new addresses, keeps serving the ones it has. */
static void
test_full(void **state)
{
	struct neigh_table *t = table(4);
	struct rte_ether_addr m;
	unsigned i, n = 0;

	(void)state;
	for (i = 0; i < 4; i++) {
		m = mac((uint8_t)i);
		assert_int_equal(neigh_learn(t, IP(10, 0, 0, i + 1), 0, &m, T0), 0);
	}
	m = mac(99);
	assert_int_equal(neigh_learn(t, IP(10, 0, 0, 5), 0, &m, T0), -ENOSPC);
	assert_int_equal(neigh_want(t, IP(10, 0, 0, 6), 0, T0), -ENOSPC);
	assert_int_equal(neigh_pin(t, IP(10, 0, 0, 7), 0, T0), -ENOSPC);
	/* A lookup of an absent address in a full table ends (every slot probed). */
	assert_int_equal(neigh_lookup(t, IP(10, 0, 0, 5), &m), -ENOENT);
	for (i = 0; i < 4; i++)
		assert_true(resolved_to(t, IP(10, 0, 0, i + 1), (uint8_t)i));
	/* Known addresses can still be relearned, wanted and pinned. */
	m = mac(42);
	assert_int_equal(neigh_learn(t, IP(10, 0, 0, 2), 0, &m, T0 + 1), 0);
	assert_true(resolved_to(t, IP(10, 0, 0, 2), 42));
	assert_int_equal(neigh_pin(t, IP(10, 0, 0, 3), 0, T0 + 1), 0);
	assert_int_equal(neigh_want(t, IP(10, 0, 0, 4), 0, T0 + 1), 0);
	neigh_foreach(t, count_entry, &n);
	assert_int_equal(n, 4);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
