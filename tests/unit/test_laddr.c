/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the LIP port pools (src/forward/laddr.c). The port slices are what lets
 * a reply find the worker that owns its conn from the port alone (DESIGN §3), so every
 * port handed out is checked against its owner, and the slices must cover the whole
 * range 1024..65535 without overlap.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_memory.h>

#include "forward/laddr.h"
#include "test_eal.h"

#define ALL_PORTS (65536u - LADDR_PORT_MIN) /* 64512 */

static struct laddr_pool *
pool(unsigned n_lips, unsigned worker, uint16_t mask)
{
	struct laddr_pool *p = laddr_pool_create(n_lips, worker, mask, SOCKET_ID_ANY);

	assert_non_null(p);
	return p;
}

/* The mask for n workers: next power of two, minus one (DESIGN §3). */
static uint16_t
mask_of(unsigned n_workers)
{
	unsigned p = 1;

	while (p < n_workers)
		p <<= 1;
	return (uint16_t)(p - 1);
}

/*
 * Take every port of worker k's slice on one LIP: each satisfies port & mask == k, is at
 * least 1024, is new, and laddr_owner() names k. Marks them in `used` (shared across
 * the workers of one split, so overlap between slices is caught).
 */
static unsigned
drain_slice(unsigned k, uint16_t mask, uint8_t *used)
{
	struct laddr_pool *p = pool(1, k, mask);
	uint8_t lip;
	uint16_t port_be;
	unsigned n = 0, first = 1, prev = 0;
	const uint32_t size = laddr_free_count(p, 0);

	/* Bounded: a pool that never runs dry must fail here, not hang. */
	while (n <= ALL_PORTS && laddr_alloc(p, &lip, &port_be) == 0) {
		unsigned port = rte_be_to_cpu_16(port_be);

		assert_int_equal(lip, 0);
		assert_true(port >= LADDR_PORT_MIN);
		assert_int_equal(port & mask, k);
		assert_int_equal(laddr_owner(port_be, mask), k);
		if (used[port])
			fail_msg("port %u handed out twice (worker %u)", port, k);
		used[port] = 1;
		/* A fresh pool hands its ports out in ascending order. */
		if (!first)
			assert_true(port > prev);
		first = 0;
		prev = port;
		n++;
		assert_int_equal(laddr_free_count(p, 0), size - n);
	}
	assert_int_equal(laddr_free_count(p, 0), 0);
	assert_int_equal(laddr_alloc(p, &lip, &port_be), -ENOSPC);
	laddr_pool_free(p);
	return n;
}

/* For n workers: the slices' sizes, and together exactly 1024..65535, once each. */
static void
split(unsigned n_workers, unsigned expect_each)
{
	static uint8_t used[65536];
	uint16_t mask = mask_of(n_workers);
	unsigned k, port;

	memset(used, 0, sizeof(used));
	for (k = 0; k < n_workers; k++) {
		struct laddr_pool *p = pool(2, k, mask);

		/* Counted before anything is taken, on every LIP. */
		assert_int_equal(laddr_free_count(p, 0), expect_each);
		assert_int_equal(laddr_free_count(p, 1), expect_each);
		laddr_pool_free(p);
		assert_int_equal(drain_slice(k, mask, used), expect_each);
	}
	/* With a power-of-two worker count the slices leave no port of the range unused. */
	if (n_workers == (unsigned)mask + 1)
		for (port = LADDR_PORT_MIN; port < 65536; port++)
			if (!used[port])
				fail_msg("port %u in no slice of %u workers", port, n_workers);
	for (port = 0; port < LADDR_PORT_MIN; port++)
		assert_int_equal(used[port], 0);
}

static void
test_slices_1(void **state)
{
	(void)state;
	assert_int_equal(mask_of(1), 0);
	split(1, 64512);
}

static void
test_slices_2(void **state)
{
	(void)state;
	assert_int_equal(mask_of(2), 1);
	split(2, 32256);
}

static void
test_slices_3(void **state)
{
	(void)state;
	/* Three workers use a mask of 3: four slices of 16128, the fourth unused. */
	assert_int_equal(mask_of(3), 3);
	split(3, 16128);
}

static void
test_slices_8(void **state)
{
	(void)state;
	split(8, 8064);
}

static void
test_owner(void **state)
{
	(void)state;
	assert_int_equal(laddr_owner(RTE_BE16(1024), 0), 0);
	assert_int_equal(laddr_owner(RTE_BE16(65535), 0), 0);
	assert_int_equal(laddr_owner(RTE_BE16(1027), 3), 3);
	assert_int_equal(laddr_owner(RTE_BE16(1029), 3), 1);
	assert_int_equal(laddr_owner(RTE_BE16(0x1234), 0xf), 4);
	/* The owner comes from the low bits of the port as a number, not of its first byte. */
	assert_int_equal(laddr_owner(RTE_BE16(0x0100), 1), 0);
	assert_int_equal(laddr_owner(RTE_BE16(0x0201), 1), 1);
	assert_int_equal(laddr_owner(RTE_BE16(0xfffe), 31), 30);
}

/* FIFO: a port given back goes to the end of the queue and rests as long as possible. */
static void
test_fifo(void **state)
{
	struct laddr_pool *p = pool(1, 1, 1);
	uint8_t lip;
	uint16_t a, b, c, x = 0, last = 0;
	unsigned n;

	(void)state;
	assert_int_equal(laddr_alloc(p, &lip, &a), 0);
	assert_int_equal(rte_be_to_cpu_16(a), 1025);
	assert_int_equal(laddr_alloc(p, &lip, &b), 0);
	assert_int_equal(rte_be_to_cpu_16(b), 1027);
	laddr_free(p, 0, a);
	assert_int_equal(laddr_free_count(p, 0), 32256 - 1);
	/* Not reused next... */
	assert_int_equal(laddr_alloc(p, &lip, &c), 0);
	assert_int_equal(rte_be_to_cpu_16(c), 1029);
	/* ...but last: after every port of the slice that never was taken. */
	for (n = 0; n <= ALL_PORTS && laddr_alloc(p, &lip, &x) == 0; n++) {
		if (n < 32256 - 3)
			assert_int_not_equal(x, a);
		last = x;
	}
	assert_int_equal(n, 32256 - 3 + 1);
	assert_int_equal(last, a);
	assert_int_equal(laddr_alloc(p, &lip, &x), -ENOSPC);
	laddr_free(p, 0, b);
	laddr_free(p, 0, a);
	laddr_free(p, 0, c);
	assert_int_equal(laddr_free_count(p, 0), 3);
	/* Given back b, a, c: taken again in that order. */
	assert_int_equal(laddr_alloc(p, &lip, &x), 0);
	assert_int_equal(x, b);
	assert_int_equal(laddr_alloc(p, &lip, &x), 0);
	assert_int_equal(x, a);
	assert_int_equal(laddr_alloc(p, &lip, &x), 0);
	assert_int_equal(x, c);
	assert_int_equal(laddr_alloc(p, &lip, &x), -ENOSPC);
	laddr_pool_free(p);
}

/* The freed port is the very last one handed out before the pool runs dry. */
static void
test_fifo_last(void **state)
{
	struct laddr_pool *p = pool(1, 0, 0);
	uint8_t lip;
	uint16_t a, x = 0, last = 0;
	unsigned n;

	(void)state;
	assert_int_equal(laddr_alloc(p, &lip, &a), 0);
	assert_int_equal(rte_be_to_cpu_16(a), 1024);
	laddr_free(p, 0, a);
	for (n = 0; n <= ALL_PORTS && laddr_alloc(p, &lip, &x) == 0; n++)
		last = x;
	assert_int_equal(n, ALL_PORTS);
	assert_int_equal(last, a);
	laddr_pool_free(p);
}

/* Round robin over the LIPs; an exhausted LIP is skipped, not a reason to fail. */
static void
test_lip_round_robin(void **state)
{
	struct laddr_pool *p = pool(3, 0, 1);
	uint8_t lip = 0xff;
	uint16_t port;
	unsigned i, n;

	(void)state;
	for (i = 0; i < 9; i++) {
		assert_int_equal(laddr_alloc(p, &lip, &port), 0);
		assert_int_equal(lip, i % 3);
		/* Each LIP has its own port space: they advance together. */
		assert_int_equal(rte_be_to_cpu_16(port), 1024 + 2 * (i / 3));
	}
	for (i = 0; i < 3; i++)
		assert_int_equal(laddr_free_count(p, (uint8_t)i), 32256 - 3);
	laddr_pool_free(p);

	/* Two LIPs, both drained; one port back on LIP 1: that is the one handed out. */
	p = pool(2, 0, 0);
	for (n = 0; n <= 2 * ALL_PORTS && laddr_alloc(p, &lip, &port) == 0; n++)
		;
	assert_int_equal(n, 2 * ALL_PORTS);
	laddr_free(p, 1, RTE_BE16(4000));
	assert_int_equal(laddr_alloc(p, &lip, &port), 0);
	assert_int_equal(lip, 1);
	assert_int_equal(port, RTE_BE16(4000));
	assert_int_equal(laddr_alloc(p, &lip, &port), -ENOSPC);
	laddr_free(p, 0, RTE_BE16(5000));
	laddr_free(p, 0, RTE_BE16(5002));
	assert_int_equal(laddr_alloc(p, &lip, &port), 0);
	assert_int_equal(lip, 0);
	assert_int_equal(port, RTE_BE16(5000));
	assert_int_equal(laddr_alloc(p, &lip, &port), 0);
	assert_int_equal(lip, 0);
	assert_int_equal(port, RTE_BE16(5002));
	assert_int_equal(laddr_alloc(p, &lip, &port), -ENOSPC);
	laddr_pool_free(p);
}

/* No LIPs configured: nothing to hand out, and no crash. */
static void
test_no_lips(void **state)
{
	struct laddr_pool *p = pool(0, 0, 0);
	uint8_t lip;
	uint16_t port;

	(void)state;
	assert_int_equal(laddr_alloc(p, &lip, &port), -ENOSPC);
	laddr_pool_free(p);
	laddr_pool_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slices_1),
		cmocka_unit_test(test_slices_2),
		cmocka_unit_test(test_slices_3),
		cmocka_unit_test(test_slices_8),
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_fifo_last),
		cmocka_unit_test(test_lip_round_robin),
		cmocka_unit_test(test_no_lips),
	};

	return cmocka_run_group_tests(tests, test_eal_setup, NULL);
}
