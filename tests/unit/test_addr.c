/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Addresses of both families in their text forms (common/addr.h, union addr46): what is
 * taken, how it reads back, and what is refused; prefixes masked in the family's terms.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/addr.h"

static void
test_ip46(void **state)
{
	static const struct {
		const char *in, *out; /* out NULL: refused */
		int v4;
	} cases[] = {
		{ "10.0.0.1", "10.0.0.1", 1 },
		{ "2001:db8::1", "2001:db8::1", 0 },
		{ "2001:DB8:0:0:0:0:0:1", "2001:db8::1", 0 },
		{ "::", "::", 0 },
		{ "fe80::1", "fe80::1", 0 },
		{ "::ffff:10.0.0.1", NULL, 0 },  /* a mapped IPv4: write the IPv4 form */
		{ "fe80::1%eth0", NULL, 0 },     /* no zones */
		{ "[2001:db8::1]", NULL, 0 },    /* brackets only with a port */
		{ "2001:db8::1::2", NULL, 0 },
		{ "10.0.0.256", NULL, 0 },
		{ "", NULL, 0 },
	};
	char buf[ADDR46_STR_MAX];
	union addr46 a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = addr_parse_ip46(cases[i].in, &a);

		print_message("%s\n", cases[i].in);
		if (cases[i].out == NULL) {
			assert_int_equal(rc, -EINVAL);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(addr46_is_v4(&a), cases[i].v4);
		assert_string_equal(addr_fmt_ip46(buf, &a), cases[i].out);
	}
	assert_int_equal(addr_parse_ip46("10.1.2.3", &a), 0);
	assert_int_equal(a.w[3], inet_addr("10.1.2.3"));
	assert_int_equal(addr46_max_len(&a), 32);
	assert_int_equal(addr_parse_ip46("2001:db8::", &a), 0);
	assert_int_equal(addr46_max_len(&a), 128);
}

static void
test_ipport_service46(void **state)
{
	static const struct {
		const char *in, *out;
	} ipport[] = {
		{ "10.0.0.1:80", "10.0.0.1:80" },
		{ "[2001:db8::10]:8080", "[2001:db8::10]:8080" },
		{ "[::1]:1", "[::1]:1" },
		{ "2001:db8::10:80", NULL },      /* IPv6 with a port needs brackets */
		{ "[10.0.0.1]:80", NULL },        /* IPv4 takes none */
		{ "[2001:db8::10]", NULL },
		{ "[2001:db8::10]:0", NULL },
		{ "[2001:db8::10]:65536", NULL },
		{ "[2001:db8::10:80", NULL },
		{ "x[2001:db8::10]:80", NULL },
	}, service[] = {
		{ "10.0.0.10:80/tcp", "10.0.0.10:80/tcp" },
		{ "[2001:db8::10]:53/udp", "[2001:db8::10]:53/udp" },
		{ "[2001:db8:0::10]:443/tcp", "[2001:db8::10]:443/tcp" },
		{ "[2001:db8::10]:53/sctp", NULL },
		{ "[2001:db8::10]/tcp", NULL },
	};
	char buf[ADDR46_STR_MAX];
	union addr46 a;
	uint16_t port;
	uint8_t proto;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ipport) / sizeof(ipport[0]); i++) {
		int rc = addr_parse_ipport46(ipport[i].in, &a, &port);

		print_message("%s\n", ipport[i].in);
		if (ipport[i].out == NULL) {
			assert_int_equal(rc, -EINVAL);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_string_equal(addr_fmt_ipport46(buf, &a, port), ipport[i].out);
	}
	for (i = 0; i < sizeof(service) / sizeof(service[0]); i++) {
		int rc = addr_parse_service46(service[i].in, &a, &port, &proto);

		print_message("%s\n", service[i].in);
		if (service[i].out == NULL) {
			assert_int_equal(rc, -EINVAL);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_string_equal(addr_fmt_service46(buf, &a, port, proto), service[i].out);
	}
	/* the longest form fits */
	assert_int_equal(addr_parse_service46("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535/tcp",
					      &a, &port, &proto), 0);
	assert_string_equal(addr_fmt_service46(buf, &a, port, proto),
			    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535/tcp");
}

static void
test_prefix46(void **state)
{
	static const struct {
		const char *in, *net; /* net NULL: refused */
		uint8_t len;
	} cases[] = {
		{ "10.1.2.3/16", "10.1.0.0", 16 },
		{ "10.1.2.3/0", "0.0.0.0", 0 },
		{ "10.1.2.3/32", "10.1.2.3", 32 },
		{ "2001:db8:1:2::5/64", "2001:db8:1:2::", 64 },
		{ "2001:db8:1:2::5/61", "2001:db8:1::", 61 },
		{ "2001:db8::5/128", "2001:db8::5", 128 },
		{ "2001:db8::5/0", "::", 0 },
		{ "10.1.2.3/33", NULL, 0 },
		{ "2001:db8::/129", NULL, 0 },
		{ "2001:db8::", NULL, 0 },
	};
	char buf[ADDR46_STR_MAX];
	union addr46 a, n;
	uint8_t len;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = addr_parse_prefix46(cases[i].in, &a, &len);

		print_message("%s\n", cases[i].in);
		if (cases[i].net == NULL) {
			assert_int_equal(rc, -EINVAL);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(len, cases[i].len);
		n = addr46_masked(&a, len);
		assert_string_equal(addr_fmt_ip46(buf, &n), cases[i].net);
		assert_int_equal(addr46_is_v4(&n), addr46_is_v4(&a));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip46),
		cmocka_unit_test(test_ipport_service46),
		cmocka_unit_test(test_prefix46),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
