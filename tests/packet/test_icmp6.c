/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packet fixtures of ICMPv6 errors about live IPv6 FULLNAT conns (forward/fwd_icmp6.c):
 * packet too big, destination unreachable, time exceeded and parameter problem, from either
 * side, relayed to the conn's other side with the outer and the quoted headers translated
 * to that side's tuple and every checksum right; errors about no conn, or broken, dropped
 * and counted; across workers the error reaches the worker with the conn.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "env.h"
#include "errors.h"
#include "net/nd.h"
#include "test_eal.h"

#define CL "2001:db8:1::2"
#define LIP6 "2001:db8:2::100"
#define RTR "2001:db8:1::fe" /* a router on the client's side */

static uint16_t
be16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * The relayed error m is whole (ICMPv6 checksum over its pseudo header), of type/code, from
 * src to dst and one hop older; returns the quoted IPv6 header.
 */
static const uint8_t *
assert_error6_ok(struct rte_mbuf *m, uint8_t type, uint8_t code, const char *src,
		 const char *dst)
{
	const uint8_t *ip = ip6b(m);
	const uint8_t *ic = ip + 40;
	union addr46 s = A(src), d = A(dst);

	assert_int_equal(rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type,
			 RTE_BE16(RTE_ETHER_TYPE_IPV6));
	assert_int_equal(ip[6], 58);
	assert_int_equal(ip[7], 63);
	assert_memory_equal(ip + 8, s.b, 16);
	assert_memory_equal(ip + 24, d.b, 16);
	assert_int_equal(ic[0], type);
	assert_int_equal(ic[1], code);
	assert_int_equal(fx_sum6(ip + 8, ip + 24, ic, be16_at(ip + 4)), 0xffff);
	return ic + 8;
}

/* The quoted packet at in goes src:sport -> dst:dport. */
static void
assert_quote6(const uint8_t *in, const char *src, uint16_t sport, const char *dst,
	      uint16_t dport, unsigned l4_off)
{
	union addr46 s = A(src), d = A(dst);

	assert_memory_equal(in + 8, s.b, 16);
	assert_memory_equal(in + 24, d.b, 16);
	assert_int_equal(be16_at(in + l4_off), sport);
	assert_int_equal(be16_at(in + l4_off + 2), dport);
}

/* A TCP conn from CL:cport through the VIP; its LIP port and backend into lport and be. */
static void
open6(struct worker *w, uint8_t proto, uint16_t cport, uint16_t vport, uint16_t *lport,
      char be[40])
{
	struct rte_mbuf *m;

	run1(w, seg6(proto, CL, cport, ENV6_VIP, vport, &client_mac, 0), 0);
	m = out_one(w, 1);
	*lport = be16_at(ip6b(m) + 40);
	inet_ntop(AF_INET6, ip6b(m) + 24, be, 40);
	out_clear(w);
}

/*
 * A router on the client's side says the conn's replies (VIP -> client) do not fit its
 * link: the backend, which sends them, hears it as about backend -> LIP, the MTU unchanged
 * (FULLNAT adds no header). A burst of conns, each error to its own conn, the whole
 * quote's TCP checksum the backend's own again.
 */
static void
test_too_big_reaches_backend6(void **state)
{
	struct env *e = env_new6(1, 4096);
	struct rte_mbuf *burst[16];
	uint16_t lport[16];
	char be[16][40];
	unsigned i;

	(void)state;
	for (i = 0; i < 16; i++)
		open6(e->w, IPPROTO_TCP, (uint16_t)(41000 + i), 80, &lport[i], be[i]);
	for (i = 0; i < 16; i++)
		/* what the router got: VIP:80 -> client, all 65 bytes of it quoted */
		burst[i] = icmp6_error(RTR, ENV6_VIP, ICMP6_PACKET_TOO_BIG, 0, 1400,
				       seg6(IPPROTO_TCP, ENV6_VIP, 80, CL, (uint16_t)(41000 + i),
					    &client_mac, 0),
				       65);
	pipeline_run(e->w, burst, 16);
	assert_int_equal(e->w->s.out.n[1], 16);
	for (i = 0; i < 16; i++) {
		struct rte_mbuf *m = e->w->s.out.pkts[1][i];
		const uint8_t *in = assert_error6_ok(m, ICMP6_PACKET_TOO_BIG, 0, LIP6, be[i]);

		assert_memory_equal(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr,
				    &be_mac, 6);
		assert_memory_equal(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr,
				    &port_mac[1], 6);
		assert_int_equal(be16_at(in - 2), 1400);
		assert_quote6(in, be[i], 8080, LIP6, lport[i], 40);
		assert_int_equal(fx_l4_sum6(in + 8, in + 24, IPPROTO_TCP, in + 40, 25), 0xffff);
	}
	assert_int_equal(e->w->s.st.icmp_relayed, 16);
	env_free(e);
}

/*
 * From the backend's side, about LIP -> backend:53 (the datagram as it left): port
 * unreachable, hop limit exceeded and parameter problem each reach the client as about
 * client -> VIP:53, code and pointer kept, the UDP checksum the client's own.
 */
static void
test_backend_side_errors_reach_client6(void **state)
{
	static const struct {
		uint8_t type, code;
		uint32_t info;
	} err[] = {
		{ 1, 4, 0 },  /* port unreachable */
		{ 3, 0, 0 },  /* hop limit exceeded in transit */
		{ 4, 0, 40 }, /* erroneous header field, at the UDP header */
		{ 1, 1, 0 },  /* administratively prohibited */
	};
	struct env *e = env_new6(1, 1024);
	unsigned i;

	(void)state;
	for (i = 0; i < RTE_DIM(err); i++) {
		struct rte_mbuf *m, *q;
		const uint8_t *in;
		uint16_t lport;
		char be[40];

		run1(e->w, seg6(IPPROTO_UDP, CL, (uint16_t)(5353 + i), ENV6_VIP, 53, &client_mac,
				0), 0);
		m = out_one(e->w, 1);
		q = rte_pktmbuf_copy(m, mp, 0, UINT32_MAX);
		lport = be16_at(ip6b(m) + 40);
		inet_ntop(AF_INET6, ip6b(m) + 24, be, sizeof(be));
		out_clear(e->w);
		run1(e->w, icmp6_error(be, LIP6, err[i].type, err[i].code, err[i].info, q,
				       40 + 8 + 5), 1);
		m = out_one(e->w, 0);
		assert_memory_equal(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr,
				    &client_mac, 6);
		in = assert_error6_ok(m, err[i].type, err[i].code, ENV6_VIP, CL);
		assert_int_equal(rte_be_to_cpu_32(*(const unaligned_uint32_t *)(in - 4)),
				 err[i].info);
		assert_quote6(in, CL, (uint16_t)(5353 + i), ENV6_VIP, 53, 40);
		assert_int_equal(fx_l4_sum6(in + 8, in + 24, IPPROTO_UDP, in + 40, 13), 0xffff);
		(void)lport;
		out_clear(e->w);
	}
	assert_int_equal(e->w->s.st.icmp_relayed, RTE_DIM(err));
	env_free(e);
}

/*
 * Time exceeded from a router on the client's side, quoting only the first 8 bytes of the
 * TCP header (no checksum in reach): relayed, the ports rewritten, nothing else touched.
 * And a quote with a destination options header before its UDP header is walked.
 */
static void
test_short_and_extended_quotes6(void **state)
{
	struct env *e = env_new6(1, 1024);
	uint8_t qb[40 + 8 + 8 + 5];
	struct rte_mbuf *q;
	const uint8_t *in;
	uint16_t lport, ul;
	char be[40];

	(void)state;
	open6(e->w, IPPROTO_TCP, 41000, 80, &lport, be);
	run1(e->w, icmp6_error(RTR, ENV6_VIP, ICMP6_TIME_EXCEEDED, 0, 0,
			       seg6(IPPROTO_TCP, ENV6_VIP, 80, CL, 41000, &client_mac, 0), 48),
	     0);
	in = assert_error6_ok(out_one(e->w, 1), ICMP6_TIME_EXCEEDED, 0, LIP6, be);
	assert_quote6(in, be, 8080, LIP6, lport, 40);
	out_clear(e->w);

	/* UDP; the backend quotes LIP -> backend:53 with a destination options header */
	open6(e->w, IPPROTO_UDP, 5353, 53, &lport, be);
	q = seg6(IPPROTO_UDP, LIP6, lport, be, 53, &be_mac, 1);
	memcpy(qb, ip6b(q), 40);
	qb[6] = IP6_DSTOPTS;
	qb[5] = 8 + 8 + 5;
	memcpy(qb + 40, (const uint8_t[8]){ IPPROTO_UDP, 0, 1, 4, 0, 0, 0, 0 }, 8);
	memcpy(qb + 48, ip6b(q) + 40, 8 + 5);
	assert_non_null(rte_pktmbuf_append(q, 8));
	memcpy(rte_pktmbuf_mtod_offset(q, uint8_t *, PKT_IP_OFF), qb, sizeof(qb));
	run1(e->w, icmp6_error(be, LIP6, ICMP6_DEST_UNREACH, 4, 0, q, sizeof(qb)), 1);
	in = assert_error6_ok(out_one(e->w, 0), ICMP6_DEST_UNREACH, 4, ENV6_VIP, CL);
	assert_quote6(in, CL, 5353, ENV6_VIP, 53, 48);
	memcpy(&ul, in + 48 + 4, 2);
	assert_int_equal(rte_be_to_cpu_16(ul), 13);
	assert_int_equal(fx_l4_sum6(in + 8, in + 24, IPPROTO_UDP, in + 48, 13), 0xffff);
	out_clear(e->w);
	assert_int_equal(e->w->s.st.icmp_relayed, 2);
	env_free(e);
}

/*
 * Across workers. The conn is on worker 0; a packet too big about VIP -> client lands on
 * worker 1, which passes it on to worker 0, which relays it. A backend's error about
 * LIP:lport -> backend lands on worker 1: handed to the owner of the LIP port (worker 0).
 * About no conn, every worker tries once and the last drops it.
 */
static void
test_errors_across_workers6(void **state)
{
	struct env *e = env_new6(2, 2048);
	struct worker *w0 = e->dp->workers[0], *w1 = e->dp->workers[1];
	struct rte_mbuf *m;
	uint16_t lport;
	char be[40];

	(void)state;
	worker_set_time(w1, w0->s.now_ms);
	open6(w0, IPPROTO_TCP, 43000, 80, &lport, be);
	assert_int_equal(lport & 1, 0); /* worker 0's slice */
	run1(w1, icmp6_error(RTR, ENV6_VIP, ICMP6_PACKET_TOO_BIG, 0, 1280,
			     seg6(IPPROTO_TCP, ENV6_VIP, 80, CL, 43000, &client_mac, 0), 65),
	     0);
	assert_int_equal(out_total(w1), 0);
	assert_int_equal(w1->s.st.handoff_out, 1);
	assert_int_equal(worker_icmp_search(w0), 1);
	assert_error6_ok(out_one(w0, 1), ICMP6_PACKET_TOO_BIG, 0, LIP6, be);
	out_clear(w0);

	run1(w1, icmp6_error(be, LIP6, ICMP6_DEST_UNREACH, 4, 0,
			     seg6(IPPROTO_TCP, LIP6, lport, be, 8080, &be_mac, 1), 65),
	     1);
	assert_int_equal(out_total(w1), 1);
	assert_int_equal(w1->s.out.n_handoff[0], 1);
	m = w1->s.out.handoff[0][0];
	w1->s.out.n_handoff[0] = 0;
	pipeline_run(w0, &m, 1);
	assert_quote6(assert_error6_ok(out_one(w0, 0), ICMP6_DEST_UNREACH, 4, ENV6_VIP, CL),
		      CL, 43000, ENV6_VIP, 80, 40);
	out_clear(w0);
	assert_int_equal(w0->s.st.icmp_relayed, 2);

	/* about no conn: 1 -> 0, where the second try gives up */
	run1(w1, icmp6_error(RTR, ENV6_VIP, ICMP6_PACKET_TOO_BIG, 0, 1280,
			     seg6(IPPROTO_TCP, ENV6_VIP, 80, CL, 43001, &client_mac, 0), 65),
	     0);
	assert_int_equal(worker_icmp_search(w0), 1);
	assert_int_equal(out_total(w0) + out_total(w1), 0);
	assert_int_equal(w0->s.st.drops[DROP_icmp_no_conn], 1);
	env_free(e);
}

/* Errors about nothing of ours, or broken, are dropped under their reasons. */
static void
test_errors_not_relayed6(void **state)
{
	struct env *e = env_new6(1, 1024);
	struct rte_mbuf *m;
	uint16_t lport;
	char be[40];

	(void)state;
	/* no conn for client:41000 -> VIP:80 */
	run1(e->w, icmp6_error(RTR, ENV6_VIP, ICMP6_PACKET_TOO_BIG, 0, 1280,
			       seg6(IPPROTO_TCP, ENV6_VIP, 80, CL, 41000, &client_mac, 0), 65),
	     0);
	assert_int_equal(e->w->s.st.drops[DROP_icmp_no_conn], 1);
	open6(e->w, IPPROTO_TCP, 41000, 80, &lport, be);
	/* a conn, but the error's checksum is wrong */
	m = icmp6_error(RTR, ENV6_VIP, ICMP6_PACKET_TOO_BIG, 0, 1280,
			seg6(IPPROTO_TCP, ENV6_VIP, 80, CL, 41000, &client_mac, 0), 65);
	rte_pktmbuf_mtod_offset(m, uint8_t *, PKT_IP_OFF + 40 + 6)[0] ^= 1;
	run1(e->w, m, 0);
	assert_int_equal(e->w->s.st.drops[DROP_bad_icmp_checksum], 1);
	/* about the conn, but addressed to the LIP rather than the VIP that sent the quote */
	run1(e->w, icmp6_error(RTR, LIP6, ICMP6_PACKET_TOO_BIG, 0, 1280,
			       seg6(IPPROTO_TCP, ENV6_VIP, 80, CL, 41000, &client_mac, 0), 65),
	     0);
	assert_int_equal(e->w->s.st.drops[DROP_icmp_no_conn], 2);
	/* a quote cut before the ports, and one too short for an IPv6 header */
	run1(e->w, icmp6_error(RTR, ENV6_VIP, ICMP6_PACKET_TOO_BIG, 0, 1280,
			       seg6(IPPROTO_TCP, ENV6_VIP, 80, CL, 41000, &client_mac, 0), 42),
	     0);
	run1(e->w, icmp6_error(RTR, ENV6_VIP, ICMP6_PACKET_TOO_BIG, 0, 1280,
			       seg6(IPPROTO_TCP, ENV6_VIP, 80, CL, 41000, &client_mac, 0), 30),
	     0);
	assert_int_equal(e->w->s.st.drops[DROP_l4_truncated], 2);
	/* a quoted ICMPv6 packet (an echo the node sent?) is about no conn */
	{
		uint8_t echo[8] = { 128, 0 };
		struct rte_mbuf *q = fx_icmp6(mp, &client_mac, &port_mac[0], ENV6_VIP, CL, 64,
					      echo, 8);

		run1(e->w, icmp6_error(RTR, ENV6_VIP, ICMP6_DEST_UNREACH, 0, 0, q, 48), 0);
	}
	assert_int_equal(e->w->s.st.drops[DROP_icmp_no_conn], 3);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.icmp_relayed, 0);
	env_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_too_big_reaches_backend6),
		cmocka_unit_test(test_backend_side_errors_reach_client6),
		cmocka_unit_test(test_short_and_extended_quotes6),
		cmocka_unit_test(test_errors_across_workers6),
		cmocka_unit_test(test_errors_not_relayed6),
	};

	ENV_RUN(tests);
}
