/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the IPv6 neighbour table (neigh6_create, src/net/neigh.c): the same rules
 * as the IPv4 one (test_neigh.c) over 16-byte addresses, the family guard, and the
 * sequence numbers that keep a reader from pairing one address with another's MAC while
 * the control thread reuses slots, checked on two threads.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <rte_ether.h>

#include "addr46_fixture.h"
#include "net/neigh.h"

#define T0 1000000ull

static struct {
	unsigned n;
	union addr46 ip[64];
	uint8_t port[64];
} sent;

static void
on_send(void *arg, const union addr46 *ip, uint8_t port)
{
	assert_ptr_equal(arg, &sent);
	if (sent.n < 64) {
		sent.ip[sent.n] = *ip;
		sent.port[sent.n] = port;
	}
	sent.n++;
}

static unsigned
upkeep(struct neigh_table *t, uint64_t now)
{
	unsigned before = sent.n;

	neigh_upkeep(t, now, on_send, &sent);
	return sent.n - before;
}

/* 2001:db8:<hi>::<lo>, and a MAC made of the same numbers. */
static union addr46
ip6(unsigned hi, unsigned lo)
{
	union addr46 a = A("2001:db8::");

	a.b[4] = (uint8_t)(hi >> 8);
	a.b[5] = (uint8_t)hi;
	a.b[12] = (uint8_t)(lo >> 24);
	a.b[13] = (uint8_t)(lo >> 16);
	a.b[14] = (uint8_t)(lo >> 8);
	a.b[15] = (uint8_t)lo;
	return a;
}

static struct rte_ether_addr
mac_of(const union addr46 *a)
{
	struct rte_ether_addr m = { { 0x02, a->b[5], a->b[12], a->b[13], a->b[14], a->b[15] } };

	return m;
}

static int
resolved_to(struct neigh_table *t, const union addr46 *a, const struct rte_ether_addr *want)
{
	struct rte_ether_addr got;

	if (neigh_lookup6(t, a->b, &got) != 0)
		return 0;
	return rte_is_same_ether_addr(&got, want);
}

static struct neigh_table *
table6(uint32_t capacity)
{
	struct neigh_table *t = neigh6_create(capacity);

	assert_non_null(t);
	memset(&sent, 0, sizeof(sent));
	return t;
}

static void
test6_learn_lookup(void **state)
{
	struct neigh_table *t = table6(64), *t4 = neigh_create(64);
	union addr46 a = A("2001:db8:2::11"), b, v4 = A("10.0.2.11"), zero = A("::");
	struct rte_ether_addr m = mac_of(&a), m2 = { { 2, 0, 0, 0, 0, 0x99 } }, got;
	unsigned i;

	(void)state;
	assert_int_equal(neigh_lookup6(t, a.b, &got), -ENOENT);
	assert_false(neigh_has6(t, a.b));
	assert_int_equal(neigh_learn46(t, &a, 1, &m, T0), 0);
	assert_true(resolved_to(t, &a, &m));
	assert_true(neigh_has6(t, a.b));
	assert_true(neigh_known46(t, &a));
	/* one byte off, anywhere, is another neighbour */
	for (i = 0; i < 16; i++) {
		b = a;
		b.b[i] ^= 1;
		assert_int_equal(neigh_lookup6(t, b.b, &got), -ENOENT);
		assert_false(neigh_has6(t, b.b));
	}
	/* a new MAC replaces the old one */
	assert_int_equal(neigh_learn46(t, &a, 1, &m2, T0 + 5), 0);
	assert_true(resolved_to(t, &a, &m2));
	assert_int_equal(t->st.entries, 1);
	/* each table takes its own family only; :: and 0.0.0.0 are nobody */
	assert_int_equal(neigh_learn46(t, &v4, 1, &m, T0), -EAFNOSUPPORT);
	assert_int_equal(neigh_want46(t, &v4, 1, T0), -EAFNOSUPPORT);
	assert_int_equal(neigh_pin46(t, &zero, 1, T0), -EAFNOSUPPORT);
	assert_false(neigh_has6(t, zero.b));
	assert_int_equal(neigh_learn46(t4, &a, 1, &m, T0), -EAFNOSUPPORT);
	assert_int_equal(neigh_learn(t4, 0, 1, &m, T0), -EAFNOSUPPORT);
	assert_int_equal(t->st.entries, 1);
	assert_int_equal(t4->st.entries, 0);
	neigh_free(t4);
	neigh_free(t);
}

/* A flood of learned neighbours while backends are pinned: every pinned one resolves. */
static void
test6_pin_under_flood(void **state)
{
	struct neigh_table *t = table6(4096);
	unsigned i, ok = 0;

	(void)state;
	for (i = 0; i < 20000; i++) {
		union addr46 a = ip6(1, i);
		struct rte_ether_addr m = mac_of(&a);

		(void)neigh_learn46(t, &a, 0, &m, T0 + i / 100);
		if (i % 100 == 0) {
			union addr46 be = ip6(2, 10 + i / 100);

			assert_true(neigh_pin46(t, &be, 1, T0 + i / 100) >= 0);
		}
	}
	for (i = 0; i < 200; i++) {
		union addr46 be = ip6(2, 10 + i);
		struct rte_ether_addr m = mac_of(&be);

		assert_int_equal(neigh_learn46(t, &be, 1, &m, T0 + 300), 0);
	}
	for (i = 0; i < 200; i++) {
		union addr46 be = ip6(2, 10 + i);
		struct rte_ether_addr m = mac_of(&be);

		ok += resolved_to(t, &be, &m);
	}
	assert_int_equal(ok, 200);
	assert_int_equal(t->st.full, 0);
	assert_true(t->st.refused + t->st.evicted > 0);
	/* the flood stops: its entries age out, the pinned ones stay */
	upkeep(t, T0 + 300 + 31000);
	assert_int_equal(t->st.entries, 200);
	neigh_free(t);
}

/* Upkeep asks with the whole address; what nobody needs ages out and stops resolving. */
static void
test6_upkeep(void **state)
{
	struct neigh_table *t = table6(64);
	union addr46 want = A("2001:db8:2::60"), stray = A("fe80::5"), used = A("2001:db8:1::3");
	struct rte_ether_addr m = mac_of(&stray), mu = mac_of(&used);

	(void)state;
	assert_int_equal(neigh_want46(t, &want, 2, T0), 1);
	assert_int_equal(neigh_want46(t, &want, 2, T0 + 10), 0);
	assert_int_equal(upkeep(t, T0 + 1000), 1);
	assert_memory_equal(sent.ip[0].b, want.b, 16);
	assert_int_equal(sent.port[0], 2);
	assert_int_equal(neigh_learn46(t, &stray, 0, &m, T0), 0);
	assert_int_equal(neigh_learn46(t, &used, 0, &mu, T0), 0);
	assert_true(resolved_to(t, &used, &mu)); /* a worker's lookup marks it used */
	assert_int_equal(upkeep(t, T0 + 1500), 0);
	sent.n = 0;
	/* 30 s on: the stray one goes, the used one is probed */
	upkeep(t, T0 + 30500);
	assert_false(neigh_has6(t, stray.b));
	assert_false(resolved_to(t, &stray, &m));
	assert_true(resolved_to(t, &used, &mu));
	assert_true(sent.n >= 1);
	assert_true(t->st.aged >= 1);
	neigh_free(t);
}

/*
 * A reader on one thread, the control thread reusing the slots of one bucket on another
 * (learning ever new addresses evicts the stalest): every hit must give the MAC of the
 * address looked up, never the MAC of the address a slot held before or after.
 */
#define CHURN_ADDRS 64u
#define CHURN_ROUNDS 400000u

struct churn {
	struct neigh_table *t;
	volatile int stop;
};

static void *
writer(void *arg)
{
	struct churn *c = arg;
	unsigned i;

	for (i = 0; i < CHURN_ROUNDS && !c->stop; i++) {
		union addr46 a = ip6(3, i % CHURN_ADDRS);
		struct rte_ether_addr m = mac_of(&a);

		(void)neigh_learn46(c->t, &a, 0, &m, T0 + i);
	}
	c->stop = 1;
	return NULL;
}

static void
test6_concurrent_reuse(void **state)
{
	struct churn c = { .t = table6(8) }; /* one bucket: every learn reuses a slot */
	unsigned long hits = 0, wrong = 0, lookups = 0;
	pthread_t th;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, writer, &c), 0);
	while (!c.stop) {
		for (unsigned k = 0; k < CHURN_ADDRS; k++) {
			union addr46 a = ip6(3, k);
			struct rte_ether_addr want = mac_of(&a), got;

			lookups++;
			if (neigh_lookup6(c.t, a.b, &got) != 0)
				continue;
			hits++;
			wrong += !rte_is_same_ether_addr(&got, &want);
		}
	}
	pthread_join(th, NULL);
	print_message("  %lu lookups, %lu hits, %lu wrong\n", lookups, hits, wrong);
	assert_true(hits > 0);
	assert_int_equal(wrong, 0);
	neigh_free(c.t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test6_learn_lookup),
		cmocka_unit_test(test6_pin_under_flood),
		cmocka_unit_test(test6_upkeep),
		cmocka_unit_test(test6_concurrent_reuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
