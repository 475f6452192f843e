/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the IPv6 route table (src/net/route6.c over rte_fib6): a client port
 * 2001:db8:1::1/64 with the default gateway 2001:db8:1::fe, a backend port
 * 2001:db8:2::1/64, static routes overlapping the connected subnets so that only the
 * longest prefix gives the expected port and next hop.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <rte_memory.h>

#include "net/route6.h"
#include "addr46_fixture.h"
#include "test_eal.h"

static struct route6_table *
create(const struct route6_port *p, unsigned n_ports, const struct route_spec *r,
       unsigned n_routes)
{
	static unsigned n;
	char name[32];

	snprintf(name, sizeof(name), "test_route6_%u", n++);
	return route6_create(name, p, n_ports, r, n_routes, SOCKET_ID_ANY);
}

static void
expect(const struct route6_table *rt, const char *dst, uint8_t port, const char *nh)
{
	char b[ADDR46_STR_MAX], w[ADDR46_STR_MAX];
	union addr46 d = A(dst), got, want = A(nh);
	uint8_t got_port = 0xee;
	int r = route6_lookup(rt, &d, &got_port, &got);

	if (r != 0 || got_port != port || memcmp(&got, &want, sizeof(got)) != 0)
		fail_msg("route to %s: r %d port %u nh %s, want port %u nh %s", dst, r, got_port,
			 r == 0 ? addr_fmt_ip46(b, &got) : "-", port, addr_fmt_ip46(w, &want));
}

static void
expect_none(const struct route6_table *rt, const char *dst)
{
	union addr46 d = A(dst), nh;
	uint8_t port;

	assert_int_equal(route6_lookup(rt, &d, &port, &nh), -ENOENT);
}

static void
test_routes6(void **state)
{
	struct route6_port ports[2] = {
		{ .prefix_len = 64, .port = 0 },
		{ .prefix_len = 64, .port = 1 },
	};
	struct route_spec r[3];
	struct route6_table *rt;

	(void)state;
	ports[0].addr = A("2001:db8:1::1");
	ports[1].addr = A("2001:db8:2::1");
	r[0] = (struct route_spec){ .prefix = A("::"), .depth = 0, .via = A("2001:db8:1::fe") };
	/* inside the client's /64, a longer prefix through the backend side's gateway */
	r[1] = (struct route_spec){ .prefix = A("2001:db8:1::8000:0"), .depth = 113,
				     .via = A("2001:db8:2::fe") };
	r[2] = (struct route_spec){ .prefix = A("2001:db8:99::"), .depth = 48,
				     .via = A("2001:db8:2::fe") };
	rt = create(ports, 2, r, 3);
	assert_non_null(rt);
	expect(rt, "2001:db8:1::5", 0, "2001:db8:1::5");        /* on the link */
	expect(rt, "2001:db8:2::11", 1, "2001:db8:2::11");
	expect(rt, "2001:db8:1::8000:1", 1, "2001:db8:2::fe");  /* the /113 wins */
	expect(rt, "2001:db8:99:5::1", 1, "2001:db8:2::fe");
	expect(rt, "2001:4860::8888", 0, "2001:db8:1::fe");     /* the default */
	route6_free(rt);
	/* without a default route, the rest is no route */
	rt = create(ports, 2, r + 1, 2);
	assert_non_null(rt);
	expect_none(rt, "2001:4860::8888");
	expect(rt, "2001:db8:99::7", 1, "2001:db8:2::fe");
	route6_free(rt);
}

static void
test_refused6(void **state)
{
	struct route6_port ports[1] = { { .prefix_len = 64, .port = 0 } };
	struct route_spec r;

	(void)state;
	ports[0].addr = A("2001:db8:1::1");
	/* a next hop outside every connected subnet */
	r = (struct route_spec){ .prefix = A("::"), .depth = 0, .via = A("2001:db8:7::fe") };
	errno = 0;
	assert_null(create(ports, 1, &r, 1));
	assert_int_equal(errno, EINVAL);
	/* an IPv6 prefix through an IPv4 next hop */
	r = (struct route_spec){ .prefix = A("2001:db8:9::"), .depth = 48, .via = A("10.0.0.1") };
	assert_null(create(ports, 1, &r, 1));
	/* IPv4 routes in the one list are route_create's: left out here, not routed */
	{
		struct route_spec both[2] = {
			{ .prefix = A("10.0.0.0"), .depth = 8, .via = A("10.0.1.254") },
			{ .prefix = A("2001:db8:9::"), .depth = 48, .via = A("2001:db8:1::fe") },
		};
		struct route6_table *rt = create(ports, 1, both, 2);
		union addr46 dst, nh;
		uint8_t port;

		assert_non_null(rt);
		dst = addr46_from_v4(htonl(0x0a010203));
		assert_int_equal(route6_lookup(rt, &dst, &port, &nh), -ENOENT);
		dst = A("2001:db8:9::5");
		assert_int_equal(route6_lookup(rt, &dst, &port, &nh), 0);
		route6_free(rt);
	}
	/* IPv4 has no place among the ports */
	ports[0].addr = A("10.0.1.1");
	assert_null(create(ports, 1, NULL, 0));
	route6_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes6),
		cmocka_unit_test(test_refused6),
	};

	return cmocka_run_group_tests(tests, test_eal_setup, NULL);
}
