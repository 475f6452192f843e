/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SYN cookies (src/defense/syncookie.h) and the TCP options they keep (src/packet/tcp_opt.h):
 * SipHash-2-4 against the reference vector; every combination of options written, parsed,
 * put in a cookie and read back (the MSS rounded down to the table); a retransmitted SYN
 * gets the same cookie; a cookie ages out after its periods; forged cookies, another
 * tuple, another client ISN (an ACK whose data came first) and IPv6 tuples are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/xorshift.h"
#include "defense/syncookie.h"

static const struct siphash_key key = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };

/* The reference implementation's vector: key 00..0f, message 00..0e. */
static void
test_siphash_vector(void **state)
{
	uint8_t msg[15];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	assert_true(siphash24(&key, msg, sizeof(msg)) == 0xa129ca6149be45e5ull);
	assert_true(siphash24(&key, msg, 0) == 0x726fdb47dd0e0e31ull);
}

static struct syncookie_tuple
tuple4(uint32_t saddr, uint16_t sport)
{
	struct syncookie_tuple t;

	memset(&t, 0, sizeof(t));
	memcpy(t.saddr + 12, &saddr, 4);
	t.daddr[12] = 10, t.daddr[15] = 10;
	t.sport = sport;
	t.dport = 80;
	return t;
}

/* MSS values around the table's steps, every window scale kind, SACK and timestamps. */
static void
test_every_option_combination(void **state)
{
	static const uint16_t mss[] = { 0, 500, 536, 1219, 1220, 1400, 1459, 1460, 9000 };
	static const uint16_t want[] = { 536, 536, 536, 536, 1220, 1400, 1440, 1460, 8960 };
	static const int ws[] = { -1, 0, 7, 14 };
	struct syncookie_tuple t = tuple4(0x0201000a, 40000);
	uint64_t now = 5000000;
	unsigned m, w, sack, ts, n = 0;

	(void)state;
	for (m = 0; m < 9; m++)
		for (w = 0; w < 4; w++)
			for (sack = 0; sack < 2; sack++)
				for (ts = 0; ts < 2; ts++) {
					struct tcp_syn_opts o = { .mss = mss[m], .sack_ok = sack,
								  .ts_ok = ts, .tsval = 77,
								  .tsecr = 0 }, back, got;
					uint8_t buf[20 + TCP_SYN_OPT_LEN];
					struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)buf;
					unsigned len;
					uint32_t c;

					if (ws[w] >= 0)
						o.ws_ok = 1, o.wscale = (uint8_t)ws[w];
					/* the options a SYN proxy writes read back as they were */
					memset(buf, 0xee, sizeof(buf));
					len = tcp_opts_write_syn(buf + 20, &o);
					assert_int_equal(len % 4, 0);
					assert_true(len <= TCP_SYN_OPT_LEN);
					th->data_off = (uint8_t)(((20 + len) / 4) << 4);
					tcp_opts_parse_syn(th, &back);
					assert_int_equal(back.mss, o.mss);
					assert_int_equal(back.ws_ok, o.ws_ok);
					assert_int_equal(back.wscale, o.wscale);
					assert_int_equal(back.sack_ok, o.sack_ok);
					assert_int_equal(back.ts_ok, o.ts_ok);
					assert_int_equal(back.tsval, ts ? 77 : 0);
					/* and in a cookie, checked a minute later */
					c = syncookie_make(&key, &t, 1000, &o, now);
					assert_int_equal(syncookie_check(&key, &t, c, 1000, now + 60000,
									 &got), SYNCOOKIE_OK);
					assert_int_equal(got.mss, want[m]);
					assert_int_equal(got.ws_ok, o.ws_ok);
					assert_int_equal(got.wscale, o.wscale);
					assert_int_equal(got.sack_ok, o.sack_ok);
					assert_int_equal(got.ts_ok, o.ts_ok);
					n++;
				}
	assert_int_equal(n, 9 * 4 * 4);
}

/* A retransmitted SYN within the period gets the same cookie; the next period another. */
static void
test_retransmitted_syn(void **state)
{
	struct syncookie_tuple t = tuple4(0x0201000a, 40001);
	struct tcp_syn_opts o = { .mss = 1460, .ws_ok = 1, .wscale = 7, .sack_ok = 1 }, got;
	uint64_t p0 = 64000ull * 1000;
	uint32_t a = syncookie_make(&key, &t, 5555, &o, p0 + 100);
	uint32_t b = syncookie_make(&key, &t, 5555, &o, p0 + 3000);
	uint32_t c = syncookie_make(&key, &t, 5555, &o, p0 + 64000);

	(void)state;
	assert_int_equal(a, b);
	assert_int_not_equal(a, c);
	assert_int_equal(syncookie_check(&key, &t, c, 5555, p0 + 64000, &got), SYNCOOKIE_OK);
}

/* Good in its period and the two after it; expired in the third, and refused long after. */
static void
test_expired(void **state)
{
	struct syncookie_tuple t = tuple4(0x0201000a, 40002);
	struct tcp_syn_opts o = { .mss = 1400 }, got;
	uint64_t made = 1000ull * 64000 + 63999; /* the last millisecond of its period */
	uint32_t c = syncookie_make(&key, &t, 9, &o, made);

	(void)state;
	assert_int_equal(syncookie_check(&key, &t, c, 9, made + 1 + 2 * 64000 - 1, &got),
			 SYNCOOKIE_OK);
	assert_int_equal(syncookie_check(&key, &t, c, 9, made + 1 + 2 * 64000, &got),
			 SYNCOOKIE_EXPIRED);
	/* past 256 periods the count wraps: the cookie decodes as another period's, bad */
	assert_int_equal(syncookie_check(&key, &t, c, 9, made + 100 * 64000ull, &got),
			 SYNCOOKIE_EXPIRED);
	assert_int_not_equal(syncookie_check(&key, &t, c, 9, made + 300 * 64000ull, &got),
			     SYNCOOKIE_OK);
}

/*
 * Forged: random cookies for a tuple pass about once in 2.8 million (none in 200 000 here);
 * a cookie of another tuple, another client ISN (an ACK after data: its sequence number is
 * past the ISN) or another key is refused.
 */
static void
test_forged(void **state)
{
	struct syncookie_tuple t = tuple4(0x0201000a, 40003), u = tuple4(0x0301000a, 40003);
	struct siphash_key other = { 1, 2 };
	struct tcp_syn_opts o = { .mss = 1460, .ts_ok = 1 }, got;
	uint64_t now = 77ull * 64000, x = 88172645463325252ull;
	uint32_t c = syncookie_make(&key, &t, 100, &o, now);
	unsigned i, passed = 0;

	(void)state;
	for (i = 0; i < 200000; i++)
		passed += syncookie_check(&key, &t, (uint32_t)xorshift64(&x), 100, now, &got) ==
			  SYNCOOKIE_OK;
	assert_int_equal(passed, 0);
	assert_int_not_equal(syncookie_check(&key, &u, c, 100, now, &got), SYNCOOKIE_OK);
	assert_int_not_equal(syncookie_check(&key, &t, c, 100 + 1400, now, &got), SYNCOOKIE_OK);
	assert_int_not_equal(syncookie_check(&other, &t, c, 100, now, &got), SYNCOOKIE_OK);
	u = t;
	u.sport = 40004;
	assert_int_not_equal(syncookie_check(&key, &u, c, 100, now, &got), SYNCOOKIE_OK);
	assert_int_equal(syncookie_check(&key, &t, c, 100, now, &got), SYNCOOKIE_OK);
}

static void
test_v6_tuple(void **state)
{
	struct syncookie_tuple t;
	struct tcp_syn_opts o = { .mss = 1440, .ws_ok = 1, .wscale = 9 }, got;
	uint64_t now = 3ull * 64000;
	uint32_t c;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.saddr[0] = 0x20, t.saddr[1] = 0x01, t.saddr[15] = 2;
	t.daddr[0] = 0x20, t.daddr[1] = 0x01, t.daddr[15] = 0x10;
	t.sport = 1234, t.dport = 80;
	c = syncookie_make(&key, &t, 42, &o, now);
	assert_int_equal(syncookie_check(&key, &t, c, 42, now, &got), SYNCOOKIE_OK);
	assert_int_equal(got.wscale, 9);
	t.saddr[8] ^= 1;
	assert_int_not_equal(syncookie_check(&key, &t, c, 42, now, &got), SYNCOOKIE_OK);
}

/* A malformed option list is read no further than its end. */
static void
test_malformed_options(void **state)
{
	uint8_t buf[40] = { 0 };
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)buf;
	struct tcp_syn_opts o;
	uint8_t len;

	(void)state;
	th->data_off = 0x80; /* 12 bytes of options */
	memcpy(buf + 20, (uint8_t[]){ 2, 4, 0x05, 0xb4, 3, 3, 7, 8, 40, 0, 0, 0 }, 12);
	tcp_opts_parse_syn(th, &o);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.wscale, 7);
	assert_false(o.ts_ok); /* its length runs past the header */
	assert_null(tcp_opt_find(th, TCP_OPT_TS, &len));
	memcpy(buf + 20, (uint8_t[]){ 1, 1, 4, 0, 2, 4, 0x05, 0xb4 }, 8); /* a length of 0 */
	tcp_opts_parse_syn(th, &o);
	assert_int_equal(o.mss, 0);
	assert_false(o.sack_ok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_vector),
		cmocka_unit_test(test_every_option_combination),
		cmocka_unit_test(test_retransmitted_syn),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_v6_tuple),
		cmocka_unit_test(test_malformed_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
