/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client-address headers (src/packet/proxy_hdr.h) byte for byte against HAProxy's PROXY
 * protocol specification (version 1's line, version 2's block for TCP and UDP, IPv4 and
 * IPv6) and the TOA option's layout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "addr46_fixture.h"
#include "packet/proxy_hdr.h"

static void
test_v1(void **state)
{
	union addr46 c4 = A("192.0.2.1"), v4 = A("198.51.100.10");
	union addr46 c6 = A("2001:db8:1::2"), v6 = A("2001:db8:100::10");
	union addr46 m6 = A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	char buf[PROXY_V1_MAX + 1];
	unsigned n;

	(void)state;
	n = proxy_v1_write(buf, &c4, &v4, RTE_BE16(40000), RTE_BE16(80));
	assert_int_equal(n, strlen("PROXY TCP4 192.0.2.1 198.51.100.10 40000 80\r\n"));
	assert_memory_equal(buf, "PROXY TCP4 192.0.2.1 198.51.100.10 40000 80\r\n", n);
	n = proxy_v1_write(buf, &c6, &v6, RTE_BE16(65535), RTE_BE16(443));
	assert_memory_equal(buf, "PROXY TCP6 2001:db8:1::2 2001:db8:100::10 65535 443\r\n", n);
	/* the longest TCP6 line, within the specification's 107 bytes */
	n = proxy_v1_write(buf, &m6, &m6, RTE_BE16(65535), RTE_BE16(65535));
	assert_int_equal(n, 104);
	assert_memory_equal(buf + n - 2, "\r\n", 2);
}

static void
test_v2(void **state)
{
	static const uint8_t want4[] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
		0x21, 0x11, 0x00, 0x0c, 192, 0, 2, 1, 198, 51, 100, 10, 0x9c, 0x40, 0x00, 0x50,
	};
	union addr46 c4 = A("192.0.2.1"), v4 = A("198.51.100.10");
	union addr46 c6 = A("2001:db8:1::2"), v6 = A("2001:db8:100::10");
	uint8_t buf[PROXY_V2_LEN6];

	(void)state;
	assert_int_equal(proxy_v2_write(buf, false, &c4, &v4, RTE_BE16(40000), RTE_BE16(80)),
			 PROXY_V2_LEN4);
	assert_memory_equal(buf, want4, sizeof(want4));
	assert_int_equal(proxy_v2_write(buf, true, &c6, &v6, RTE_BE16(53000), RTE_BE16(53)),
			 PROXY_V2_LEN6);
	assert_int_equal(buf[12], 0x21);
	assert_int_equal(buf[13], 0x22); /* INET6, DGRAM */
	assert_int_equal(buf[14], 0);
	assert_int_equal(buf[15], 36);
	assert_memory_equal(buf + 16, c6.b, 16);
	assert_memory_equal(buf + 32, v6.b, 16);
	assert_int_equal(buf[48] << 8 | buf[49], 53000);
	assert_int_equal(buf[50] << 8 | buf[51], 53);
}

static void
test_toa(void **state)
{
	union addr46 c4 = A("192.0.2.1"), c6 = A("2001:db8:1::2");
	uint8_t buf[TOA_LEN6];

	(void)state;
	assert_int_equal(toa_write(buf, &c4, RTE_BE16(40000)), 8);
	assert_memory_equal(buf, ((uint8_t[]){ 254, 8, 0x9c, 0x40, 192, 0, 2, 1 }), 8);
	assert_int_equal(toa_write(buf, &c6, RTE_BE16(40000)), 20);
	assert_int_equal(buf[0], 254);
	assert_int_equal(buf[1], 20);
	assert_memory_equal(buf + 4, c6.b, 16);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1),
		cmocka_unit_test(test_v2),
		cmocka_unit_test(test_toa),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
