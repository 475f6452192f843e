/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the route table (src/net/route.c over rte_fib). The topology is the one
 * of DESIGN §5: a client port 10.0.1.1/24 with the default gateway 10.0.1.254, and a
 * backend port 10.0.2.1/24, plus static routes that overlap the connected subnets so
 * that only the longest prefix gives the expected port and next hop.
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
#include <rte_memory.h>

#include "net/route.h"
#include "test_eal.h"

#define IP(a, b, c, d) RTE_BE32(((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
/* An IPv4 address as a route_spec holds it (::ffff:a.b.c.d). */
#define V4(ip) { .w = { 0, 0, RTE_BE32(0xffff), (ip) } }

static const struct route_port ports[] = {
	{ .addr = IP(10, 0, 1, 1), .prefix_len = 24 }, /* 0: client side */
	{ .addr = IP(10, 0, 2, 1), .prefix_len = 24 }, /* 1: backend side */
};

static struct route_table *
create(const struct route_port *p, unsigned n_ports, const struct route_spec *r,
       unsigned n_routes)
{
	static unsigned n;
	char name[32];

	/* rte_fib names are global to the process. */
	snprintf(name, sizeof(name), "test_route_%u", n++);
	return route_create(name, p, n_ports, r, n_routes, SOCKET_ID_ANY);
}

/* Route dst and check the port and next hop exactly. */
static void
expect(const struct route_table *rt, uint32_t dst, uint8_t port, uint32_t nh)
{
	uint8_t got_port = 0xee;
	uint32_t got_nh = 0xeeeeeeee;
	int r = route_lookup(rt, dst, &got_port, &got_nh);

	if (r != 0 || got_port != port || got_nh != nh)
		fail_msg("route to %08x: r %d port %u nh %08x, want port %u nh %08x",
			 rte_be_to_cpu_32(dst), r, got_port, rte_be_to_cpu_32(got_nh), port,
			 rte_be_to_cpu_32(nh));
}

static void
expect_none(const struct route_table *rt, uint32_t dst)
{
	uint8_t port;
	uint32_t nh;

	assert_int_equal(route_lookup(rt, dst, &port, &nh), -ENOENT);
}

/* Connected subnets only: on-link destinations are their own next hop; nothing else routes. */
static void
test_connected(void **state)
{
	struct route_table *rt = create(ports, 2, NULL, 0);

	(void)state;
	assert_non_null(rt);
	expect(rt, IP(10, 0, 1, 7), 0, IP(10, 0, 1, 7));
	expect(rt, IP(10, 0, 1, 0), 0, IP(10, 0, 1, 0));
	expect(rt, IP(10, 0, 1, 255), 0, IP(10, 0, 1, 255));
	expect(rt, IP(10, 0, 2, 11), 1, IP(10, 0, 2, 11));
	expect(rt, IP(10, 0, 2, 254), 1, IP(10, 0, 2, 254));
	/* Next to the subnets, but outside them: no route. */
	expect_none(rt, IP(10, 0, 0, 255));
	expect_none(rt, IP(10, 0, 3, 0));
	expect_none(rt, IP(8, 8, 8, 8));
	expect_none(rt, IP(0, 0, 0, 0));
	expect_none(rt, IP(255, 255, 255, 255));
	route_free(rt);
}

/* A default route through a gateway on the client side. */
static void
test_default_route(void **state)
{
	static const struct route_spec r[] = {
		{ .prefix = V4(IP(0, 0, 0, 0)), .depth = 0, .via = V4(IP(10, 0, 1, 254)) },
	};
	struct route_table *rt = create(ports, 2, r, 1);

	(void)state;
	assert_non_null(rt);
	expect(rt, IP(8, 8, 8, 8), 0, IP(10, 0, 1, 254));
	expect(rt, IP(0, 0, 0, 0), 0, IP(10, 0, 1, 254));
	expect(rt, IP(255, 255, 255, 255), 0, IP(10, 0, 1, 254));
	expect(rt, IP(10, 0, 3, 1), 0, IP(10, 0, 1, 254));
	/* The connected subnets are longer prefixes than the default: they still win. */
	expect(rt, IP(10, 0, 1, 9), 0, IP(10, 0, 1, 9));
	expect(rt, IP(10, 0, 2, 9), 1, IP(10, 0, 2, 9));
	route_free(rt);
}

/* Overlapping routes: the longest prefix decides, connected or static alike. */
static void
test_longest_prefix(void **state)
{
	static const struct route_spec r[] = {
		{ .prefix = V4(IP(0, 0, 0, 0)), .depth = 0, .via = V4(IP(10, 0, 1, 254)) },
		{ .prefix = V4(IP(192, 168, 0, 0)), .depth = 16, .via = V4(IP(10, 0, 2, 254)) },
		{ .prefix = V4(IP(192, 168, 5, 0)), .depth = 24, .via = V4(IP(10, 0, 1, 253)) },
		{ .prefix = V4(IP(192, 168, 5, 128)), .depth = 25, .via = V4(IP(10, 0, 2, 253)) },
		{ .prefix = V4(IP(192, 168, 5, 200)), .depth = 32, .via = V4(IP(10, 0, 1, 252)) },
		/* More specific than the connected /24 of the backend port: beats it. */
		{ .prefix = V4(IP(10, 0, 2, 128)), .depth = 26, .via = V4(IP(10, 0, 1, 254)) },
		/* Host bits set in the prefix: they are ignored. */
		{ .prefix = V4(IP(172, 16, 77, 9)), .depth = 12, .via = V4(IP(10, 0, 2, 252)) },
	};
	struct route_table *rt = create(ports, 2, r, sizeof(r) / sizeof(r[0]));

	(void)state;
	assert_non_null(rt);
	expect(rt, IP(192, 168, 1, 1), 1, IP(10, 0, 2, 254));
	expect(rt, IP(192, 168, 255, 255), 1, IP(10, 0, 2, 254));
	expect(rt, IP(192, 168, 5, 1), 0, IP(10, 0, 1, 253));
	expect(rt, IP(192, 168, 5, 127), 0, IP(10, 0, 1, 253));
	expect(rt, IP(192, 168, 5, 128), 1, IP(10, 0, 2, 253));
	expect(rt, IP(192, 168, 5, 199), 1, IP(10, 0, 2, 253));
	expect(rt, IP(192, 168, 5, 200), 0, IP(10, 0, 1, 252));
	expect(rt, IP(192, 168, 5, 201), 1, IP(10, 0, 2, 253));
	expect(rt, IP(192, 169, 0, 1), 0, IP(10, 0, 1, 254));
	expect(rt, IP(10, 0, 2, 127), 1, IP(10, 0, 2, 127));
	expect(rt, IP(10, 0, 2, 128), 0, IP(10, 0, 1, 254));
	expect(rt, IP(10, 0, 2, 191), 0, IP(10, 0, 1, 254));
	expect(rt, IP(10, 0, 2, 192), 1, IP(10, 0, 2, 192));
	expect(rt, IP(172, 16, 0, 1), 1, IP(10, 0, 2, 252));
	expect(rt, IP(172, 31, 255, 254), 1, IP(10, 0, 2, 252));
	expect(rt, IP(172, 32, 0, 1), 0, IP(10, 0, 1, 254));
	route_free(rt);
}

/* The order routes are given in does not matter. */
static void
test_order_independent(void **state)
{
	static const struct route_spec r[] = {
		{ .prefix = V4(IP(192, 168, 5, 0)), .depth = 24, .via = V4(IP(10, 0, 1, 253)) },
		{ .prefix = V4(IP(192, 168, 0, 0)), .depth = 16, .via = V4(IP(10, 0, 2, 254)) },
		{ .prefix = V4(IP(0, 0, 0, 0)), .depth = 0, .via = V4(IP(10, 0, 1, 254)) },
	};
	struct route_table *rt = create(ports, 2, r, 3);

	(void)state;
	assert_non_null(rt);
	expect(rt, IP(192, 168, 5, 1), 0, IP(10, 0, 1, 253));
	expect(rt, IP(192, 168, 6, 1), 1, IP(10, 0, 2, 254));
	expect(rt, IP(1, 2, 3, 4), 0, IP(10, 0, 1, 254));
	route_free(rt);
}

/* A gateway must be on a connected subnet: otherwise there is no port to reach it by. */
static void
test_via_outside_refused(void **state)
{
	static const struct route_spec bad[] = {
		{ .prefix = V4(IP(0, 0, 0, 0)), .depth = 0, .via = V4(IP(10, 0, 1, 254)) },
		{ .prefix = V4(IP(192, 168, 0, 0)), .depth = 16, .via = V4(IP(10, 0, 3, 1)) },
	};
	static const struct route_spec bad_default[] = {
		{ .prefix = V4(IP(0, 0, 0, 0)), .depth = 0, .via = V4(IP(192, 168, 1, 1)) },
	};

	(void)state;
	errno = 0;
	assert_null(create(ports, 2, bad, 2));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(create(ports, 2, bad_default, 1));
	assert_int_equal(errno, EINVAL);
	/* No ports at all: no gateway is reachable. */
	errno = 0;
	assert_null(create(NULL, 0, bad_default, 1));
	assert_int_equal(errno, EINVAL);
}

/* Subnets other than /24: a gateway is checked against each port's own prefix length. */
static void
test_prefix_lengths(void **state)
{
	static const struct route_port p[] = {
		{ .addr = IP(172, 16, 0, 1), .prefix_len = 16 },
		{ .addr = IP(10, 0, 9, 1), .prefix_len = 30 },
		{ .addr = IP(192, 0, 2, 77), .prefix_len = 32 },
	};
	static const struct route_spec far_in_16[] = {
		{ .prefix = V4(IP(0, 0, 0, 0)), .depth = 0, .via = V4(IP(172, 16, 200, 9)) },
		{ .prefix = V4(IP(198, 51, 100, 0)), .depth = 24, .via = V4(IP(10, 0, 9, 2)) },
	};
	static const struct route_spec outside_30[] = {
		{ .prefix = V4(IP(0, 0, 0, 0)), .depth = 0, .via = V4(IP(10, 0, 9, 5)) },
	};
	struct route_table *rt;

	(void)state;
	rt = create(p, 3, far_in_16, 2);
	assert_non_null(rt);
	expect(rt, IP(172, 16, 255, 1), 0, IP(172, 16, 255, 1));
	expect(rt, IP(10, 0, 9, 3), 1, IP(10, 0, 9, 3));
	expect(rt, IP(10, 0, 9, 4), 0, IP(172, 16, 200, 9));
	expect(rt, IP(192, 0, 2, 77), 2, IP(192, 0, 2, 77));
	expect(rt, IP(192, 0, 2, 78), 0, IP(172, 16, 200, 9));
	expect(rt, IP(198, 51, 100, 10), 1, IP(10, 0, 9, 2));
	route_free(rt);
	/* 10.0.9.5 shares the /24 of port 1, not its /30. */
	errno = 0;
	assert_null(create(p, 3, outside_30, 1));
	assert_int_equal(errno, EINVAL);
}

/* A failed create leaves nothing behind: its name (a global rte_fib name) is free again. */
static void
test_failed_create_cleans_up(void **state)
{
	static const struct route_spec bad[] = {
		{ .prefix = V4(IP(0, 0, 0, 0)), .depth = 0, .via = V4(IP(10, 0, 1, 254)) },
		{ .prefix = V4(IP(192, 168, 0, 0)), .depth = 16, .via = V4(IP(10, 0, 3, 1)) },
	};
	struct route_table *rt;

	(void)state;
	assert_null(route_create("test_route_again", ports, 2, bad, 2, SOCKET_ID_ANY));
	rt = route_create("test_route_again", ports, 2, bad, 1, SOCKET_ID_ANY);
	assert_non_null(rt);
	expect(rt, IP(192, 168, 1, 1), 0, IP(10, 0, 1, 254));
	route_free(rt);
	/* And after a free. */
	rt = route_create("test_route_again", ports, 2, NULL, 0, SOCKET_ID_ANY);
	assert_non_null(rt);
	expect_none(rt, IP(192, 168, 1, 1));
	route_free(rt);
}

/* Many routes through one gateway share one next hop (the next-hop table is small). */
static void
test_shared_next_hops(void **state)
{
	static struct route_spec r[600];
	struct route_table *rt;
	unsigned i;

	(void)state;
	for (i = 0; i < 600; i++) {
		r[i].prefix = addr46_from_v4(IP(100, i >> 8, i & 0xff, 0));
		r[i].depth = 24;
		r[i].via = addr46_from_v4(i % 2 ? IP(10, 0, 2, 254) : IP(10, 0, 1, 254));
	}
	rt = create(ports, 2, r, 600);
	assert_non_null(rt);
	for (i = 0; i < 600; i++)
		expect(rt, IP(100, i >> 8, i & 0xff, 42), i % 2,
		       i % 2 ? IP(10, 0, 2, 254) : IP(10, 0, 1, 254));
	expect_none(rt, IP(100, 600 >> 8, 600 & 0xff, 1));
	route_free(rt);
}

/* No default route: everything off the connected subnets and static routes is -ENOENT. */
static void
test_no_route(void **state)
{
	static const struct route_spec r[] = {
		{ .prefix = V4(IP(192, 168, 0, 0)), .depth = 16, .via = V4(IP(10, 0, 2, 254)) },
	};
	struct route_table *rt = create(ports, 2, r, 1);
	struct route_table *empty = create(NULL, 0, NULL, 0);

	(void)state;
	assert_non_null(rt);
	expect_none(rt, IP(192, 169, 0, 0));
	expect_none(rt, IP(192, 167, 255, 255));
	expect_none(rt, IP(8, 8, 8, 8));
	expect(rt, IP(192, 168, 0, 0), 1, IP(10, 0, 2, 254));
	route_free(rt);
	assert_non_null(empty);
	expect_none(empty, IP(10, 0, 1, 1));
	route_free(empty);
	route_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connected),
		cmocka_unit_test(test_default_route),
		cmocka_unit_test(test_longest_prefix),
		cmocka_unit_test(test_order_independent),
		cmocka_unit_test(test_via_outside_refused),
		cmocka_unit_test(test_failed_create_cleans_up),
		cmocka_unit_test(test_prefix_lengths),
		cmocka_unit_test(test_shared_next_hops),
		cmocka_unit_test(test_no_route),
	};

	return cmocka_run_group_tests(tests, test_eal_setup, NULL);
}
