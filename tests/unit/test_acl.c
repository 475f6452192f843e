/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the source ACL (src/defense/acl.c over rte_acl): deny and allow lists of
 * both families, prefixes of every length at word edges, deny over allow, an allow list
 * refusing what it does not hold (of either family), and 10 000 rules a list checked
 * address by address against a plain scan.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_memory.h>

#include "addr46_fixture.h"
#include "common/xorshift.h"
#include "defense/acl.h"
#include "test_eal.h"

static struct acl_prefix
P(const char *s)
{
	struct acl_prefix p;

	assert_int_equal(addr_parse_prefix46(s, &p.addr, &p.len), 0);
	return p;
}

static unsigned
check(const struct acl *a, const char *src)
{
	union addr46 x = A(src);

	return addr46_is_v4(&x) ? acl_check4(a, x.w[3]) : acl_check6(a, x.b);
}

static void
test_deny(void **state)
{
	const struct acl_prefix deny[] = { P("10.1.0.0/16"), P("192.0.2.7/32"), P("0.0.0.0/1"),
					   P("2001:db8:dead::/48"), P("2001:db8::1/128") };
	struct acl *a = acl_build(deny, 5, NULL, 0, SOCKET_ID_ANY);

	(void)state;
	assert_non_null(a);
	assert_int_equal(check(a, "10.1.2.3"), DROP_acl_denied);
	assert_int_equal(check(a, "10.1.255.255"), DROP_acl_denied);
	assert_int_equal(check(a, "10.2.0.1"), DROP_acl_denied); /* 0.0.0.0/1 */
	assert_int_equal(check(a, "192.0.2.7"), DROP_acl_denied);
	assert_int_equal(check(a, "192.0.2.8"), 0);
	assert_int_equal(check(a, "198.51.100.1"), 0);
	assert_int_equal(check(a, "2001:db8:dead:1::5"), DROP_acl_denied);
	assert_int_equal(check(a, "2001:db8:deae::5"), 0);
	assert_int_equal(check(a, "2001:db8::1"), DROP_acl_denied);
	assert_int_equal(check(a, "2001:db8::2"), 0);
	assert_int_equal(acl_check4(NULL, 1), 0);
	acl_free(a);
}

static void
test_allow(void **state)
{
	const struct acl_prefix allow[] = { P("10.0.0.0/8"), P("2001:db8:1:2:3::/80") };
	const struct acl_prefix deny[] = { P("10.9.9.0/24") };
	struct acl *a = acl_build(deny, 1, allow, 2, SOCKET_ID_ANY);
	struct acl *v4only = acl_build(NULL, 0, allow, 1, SOCKET_ID_ANY);

	(void)state;
	assert_non_null(a);
	assert_int_equal(check(a, "10.200.1.1"), 0);
	assert_int_equal(check(a, "11.0.0.1"), DROP_acl_not_allowed);
	assert_int_equal(check(a, "10.9.9.9"), DROP_acl_denied); /* deny wins */
	assert_int_equal(check(a, "2001:db8:1:2:3:ffff::1"), 0);
	assert_int_equal(check(a, "2001:db8:1:2:4::1"), DROP_acl_not_allowed); /* bit 78 */
	/* an allow list of IPv4 prefixes only refuses every IPv6 source */
	assert_int_equal(check(v4only, "2001:db8::1"), DROP_acl_not_allowed);
	assert_int_equal(check(v4only, "10.1.1.1"), 0);
	acl_free(a);
	acl_free(v4only);
}

/* A source the lists l (n prefixes of len bits, v4) hold, by a plain scan. */
static bool
scan(const struct acl_prefix *l, unsigned n, uint32_t src)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		uint32_t m = l[i].len ? ~0u << (32 - l[i].len) : 0;

		if (((rte_be_to_cpu_32(l[i].addr.w[3]) ^ rte_be_to_cpu_32(src)) & m) == 0)
			return true;
	}
	return false;
}

/* 10 000 denied and 10 000 allowed prefixes of random lengths: every answer as a scan's. */
static void
test_ten_thousand(void **state)
{
	enum { N = 10000, PROBES = 20000 };
	struct acl_prefix *deny = calloc(N, sizeof(*deny)), *allow = calloc(N, sizeof(*allow));
	uint64_t x = 88172645463325252ull;
	unsigned i, hits = 0, outside = 0;
	struct acl *a;

	(void)state;
	for (i = 0; i < 2 * N; i++) {
		struct acl_prefix *p = i < N ? &deny[i] : &allow[i - N];
		uint8_t len = (uint8_t)(16 + xorshift64(&x) % 17);
		uint32_t v = (uint32_t)xorshift64(&x) & (~0u << (32 - len));

		p->addr = addr46_from_v4(rte_cpu_to_be_32(v));
		p->len = len;
	}
	a = acl_build(deny, N, allow, N, SOCKET_ID_ANY);
	assert_non_null(a);
	for (i = 0; i < PROBES; i++) {
		/* half the probes inside a rule, half anywhere */
		uint32_t src = (uint32_t)xorshift64(&x);
		unsigned want;

		if (i & 1) {
			const struct acl_prefix *p = &(i & 2 ? deny : allow)[xorshift64(&x) % N];
			uint32_t host = p->len == 32 ? 0 : (uint32_t)xorshift64(&x) >> p->len;

			src = rte_cpu_to_be_32(rte_be_to_cpu_32(p->addr.w[3]) | host);
		}
		want = scan(deny, N, src) ? DROP_acl_denied
		       : scan(allow, N, src) ? 0 : DROP_acl_not_allowed;
		assert_int_equal(acl_check4(a, src), want);
		hits += want == 0;
		outside += want == DROP_acl_not_allowed;
	}
	assert_true(hits > 1000 && outside > 1000); /* both answers were exercised */
	acl_free(a);
	free(deny);
	free(allow);
}

static void
test_too_many(void **state)
{
	(void)state;
	errno = 0;
	assert_null(acl_build(NULL, ACL_MAX_RULES + 1, NULL, 0, SOCKET_ID_ANY));
	assert_int_equal(errno, EINVAL);
}

/* Unchanged lists are not built again: the same ACL, referenced twice, freed on the last. */
static void
test_shared(void **state)
{
	const struct acl_prefix deny[] = { P("10.1.0.0/16") }, other[] = { P("10.2.0.0/16") };
	struct acl *a = acl_build(deny, 1, NULL, 0, SOCKET_ID_ANY);
	struct acl *b = acl_build(deny, 1, NULL, 0, SOCKET_ID_ANY);
	struct acl *c = acl_build(other, 1, NULL, 0, SOCKET_ID_ANY);
	struct acl *d = acl_build(NULL, 0, deny, 1, SOCKET_ID_ANY); /* as allow: another */

	(void)state;
	assert_ptr_equal(a, b);
	assert_ptr_not_equal(a, c);
	assert_ptr_not_equal(a, d);
	acl_free(a);
	assert_int_equal(check(b, "10.1.2.3"), DROP_acl_denied); /* still there */
	acl_free(b);
	a = acl_build(deny, 1, NULL, 0, SOCKET_ID_ANY); /* built anew: no crash, same answers */
	assert_int_equal(check(a, "10.1.2.3"), DROP_acl_denied);
	assert_int_equal(check(c, "10.1.2.3"), 0);
	acl_free(a);
	acl_free(c);
	acl_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deny),
		cmocka_unit_test(test_allow),
		cmocka_unit_test(test_ten_thousand),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_shared),
	};

	return cmocka_run_group_tests(tests, test_eal_setup, NULL);
}
