/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv6 on a port's own address (net/nd.c): neighbour solicitations answered with an
 * advertisement, duplicate-address probes to all nodes, echo requests answered; what RFC
 * 4861 refuses, what is for someone else and what has a bad checksum dropped and counted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "addr46_fixture.h"
#include "env.h"
#include "net/nd.h"
#include "test_eal.h"

#define PORT6 "2001:db8:1::1"

/* An ICMPv6 frame from a client-side neighbour to dst (and eth dst), on port 0. */
static struct rte_mbuf *
icmp6(const char *src, const char *dst, const struct rte_ether_addr *edst, uint8_t hlim,
      const uint8_t *body, unsigned len)
{
	struct rte_mbuf *m = fx_icmp6(mp, &client_mac, edst, src, dst, hlim, body, len);

	m->port = 0;
	return m;
}

/* A solicitation for target, with the sender's link-layer address option. */
static struct rte_mbuf *
ns(const char *src, const char *target, uint8_t hlim)
{
	static const struct rte_ether_addr solicited = { { 0x33, 0x33, 0xff, 0, 0, 1 } };
	uint8_t body[32] = { 135, 0 };
	union addr46 t = A(target);

	memcpy(body + 8, t.b, 16);
	body[24] = 1; /* source link-layer address */
	body[25] = 1;
	memcpy(body + 26, client_mac.addr_bytes, 6);
	return icmp6(src, "ff02::1:ff00:1", &solicited, hlim, body, 32);
}

static struct env *
env6(void)
{
	return env_new_sub(1, 1024, "", "address: 10.0.1.1/24}",
			   "address: [10.0.1.1/24, \"" PORT6 "/64\"]}");
}

/* m is the advertisement of target (also its source) from port `port` to dst. */
static void
check_na_of(struct rte_mbuf *m, const char *target, unsigned port, const char *dst,
	    uint8_t flags)
{
	const uint8_t *b = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(b + 14);
	union addr46 me = A(target), d = A(dst);

	assert_int_equal(rte_pktmbuf_data_len(m), 14 + 40 + 32);
	assert_memory_equal(b + 6, &port_mac[port], 6);
	assert_int_equal(ip->hop_limits, 255);
	assert_int_equal(ip->proto, 58);
	assert_int_equal(rte_be_to_cpu_16(ip->payload_len), 32);
	assert_memory_equal(ip->src_addr, me.b, 16);
	assert_memory_equal(ip->dst_addr, d.b, 16);
	assert_int_equal(b[54], 136);
	assert_int_equal(b[58], flags);
	assert_memory_equal(b + 62, me.b, 16);
	assert_int_equal(b[78], 2);
	assert_int_equal(b[79], 1);
	assert_memory_equal(b + 80, &port_mac[port], 6);
	assert_int_equal(fx_sum6(ip->src_addr, ip->dst_addr, b + 54, 32), 0xffff);
}

static void
check_na(struct rte_mbuf *m, const char *dst, uint8_t flags)
{
	check_na_of(m, PORT6, 0, dst, flags);
}

/* The one event the worker sent the control thread: a learned ip (text) with mac. */
static void
check_learned(struct env *e, const char *ip, uint8_t port, const struct rte_ether_addr *mac)
{
	struct neigh_event ev;
	union addr46 a = A(ip);

	assert_int_equal(rte_ring_dequeue_elem(e->w->s.events, &ev, sizeof(ev)), 0);
	assert_int_equal(ev.type, NEIGH_EV_LEARN);
	assert_memory_equal(ev.ip.b, a.b, 16);
	assert_int_equal(ev.port, port);
	assert_memory_equal(ev.mac, mac->addr_bytes, 6);
	assert_int_not_equal(rte_ring_dequeue_elem(e->w->s.events, &ev, sizeof(ev)), 0);
}

static void
check_no_event(struct env *e)
{
	struct neigh_event ev;

	assert_int_not_equal(rte_ring_dequeue_elem(e->w->s.events, &ev, sizeof(ev)), 0);
}

static void
test_solicitation_answered(void **state)
{
	struct env *e = env6();
	struct rte_mbuf *m;
	unsigned i;

	(void)state;
	/* a burst of them, each answered to its sender */
	for (i = 0; i < 8; i++) {
		char src[40];

		snprintf(src, sizeof(src), "2001:db8:1::%x", 2 + i);
		run1(e->w, ns(src, PORT6, 255), 0);
		m = out_one(e->w, 0);
		assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), &client_mac, 6);
		check_na(m, src, 0x60); /* solicited, override */
		out_clear(e->w);
	}
	/* a duplicate-address probe: to all nodes, not solicited */
	run1(e->w, ns("::", PORT6, 255), 0);
	m = out_one(e->w, 0);
	assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), "\x33\x33\0\0\0\x01", 6);
	check_na(m, "ff02::1", 0x20);
	out_clear(e->w);
	assert_int_equal(e->w->s.st.nd_replied, 9);
	env_free(e);
}

static void
test_solicitation_refused(void **state)
{
	struct env *e = env6();
	struct rte_mbuf *m;

	(void)state;
	run1(e->w, ns("2001:db8:1::2", PORT6, 64), 0); /* routed here: not from the link */
	assert_int_equal(e->w->s.st.drops[DROP_nd_malformed], 1);
	run1(e->w, ns("2001:db8:1::2", "2001:db8:1::7", 255), 0); /* another host's */
	assert_int_equal(e->w->s.st.drops[DROP_nd_ignored], 1);
	m = ns("2001:db8:1::2", PORT6, 255);
	rte_pktmbuf_mtod(m, uint8_t *)[54 + 8 + 15] ^= 0x10; /* target changed, sum not */
	run1(e->w, m, 0);
	assert_int_equal(e->w->s.st.drops[DROP_bad_icmp_checksum], 1);
	/* the backend port has no IPv6 address: nothing of ours there */
	m = ns("2001:db8:1::2", PORT6, 255);
	memcpy(rte_pktmbuf_mtod(m, uint8_t *) + 0, &port_mac[1], 6);
	m->port = 1;
	pipeline_run(e->w, &m, 1);
	assert_int_equal(e->w->s.st.drops[DROP_nd_ignored], 2);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.nd_replied, 0);
	env_free(e);
}

static void
test_echo6(void **state)
{
	static const uint8_t echo[16] = { 128, 0, 0, 0, 0x12, 0x34, 0, 1, 'p', 'i', 'n', 'g' };
	struct env *e = env6();
	struct rte_mbuf *m;
	const uint8_t *b;
	union addr46 me = A(PORT6), cl = A("2001:db8:1::2");

	(void)state;
	run1(e->w, icmp6("2001:db8:1::2", PORT6, &port_mac[0], 64, echo, sizeof(echo)), 0);
	m = out_one(e->w, 0);
	b = rte_pktmbuf_mtod(m, const uint8_t *);
	assert_memory_equal(b, &client_mac, 6);
	assert_memory_equal(b + 6, &port_mac[0], 6);
	assert_memory_equal(b + 22, me.b, 16);
	assert_memory_equal(b + 38, cl.b, 16);
	assert_int_equal(b[54], 129);
	assert_memory_equal(b + 58, echo + 4, sizeof(echo) - 4);
	assert_int_equal(fx_sum6(b + 22, b + 38, b + 54, sizeof(echo)), 0xffff);
	out_clear(e->w);
	assert_int_equal(e->w->s.st.icmp_replied, 1);
	/* to another address: not ours to answer, nor to forward */
	run1(e->w, icmp6("2001:db8:1::2", "2001:db8::10", &port_mac[0], 64, echo, sizeof(echo)),
	     0);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.drops[DROP_not_for_us], 1);
	env_free(e);
}

/* An advertisement of target from the neighbour mac, with its target link-layer option
 * (optlen 1, or 0 for a malformed one; without the option when !opt). */
static struct rte_mbuf *
na(const char *target, const struct rte_ether_addr *mac, int opt, uint8_t optlen)
{
	uint8_t body[32] = { 136, 0, 0, 0, 0x20 };
	union addr46 t = A(target);

	memcpy(body + 8, t.b, 16);
	body[24] = 2;
	body[25] = optlen;
	memcpy(body + 26, mac->addr_bytes, 6);
	return icmp6(target, PORT6, &port_mac[0], 255, body, opt ? 32 : 24);
}

static void
test_solicitation_learned(void **state)
{
	struct env *e = env_new6(1, 1024);
	struct rte_mbuf *m;
	uint8_t body[24] = { 135, 0 };
	union addr46 t = A(PORT6);

	(void)state;
	/* a neighbour asking for our address: answered, and its MAC is reported */
	run1(e->w, ns("2001:db8:1::20", PORT6, 255), 0);
	check_na(out_one(e->w, 0), "2001:db8:1::20", 0x60);
	out_clear(e->w);
	check_learned(e, "2001:db8:1::20", 0, &client_mac);
	/* from its link-local address too */
	run1(e->w, ns("fe80::20", PORT6, 255), 0);
	out_clear(e->w);
	check_learned(e, "fe80::20", 0, &client_mac);
	/* a source off the link is answered, learned from not: it is no next hop of ours */
	run1(e->w, ns("2001:db8:99::1", PORT6, 255), 0);
	check_na(out_one(e->w, 0), "2001:db8:99::1", 0x60);
	out_clear(e->w);
	check_no_event(e);
	/* without the option: nothing to learn */
	memcpy(body + 8, t.b, 16);
	run1(e->w, icmp6("2001:db8:1::21", "ff02::1:ff00:1", &port_mac[0], 255, body, 24), 0);
	check_na(out_one(e->w, 0), "2001:db8:1::21", 0x60);
	out_clear(e->w);
	check_no_event(e);
	/* a probe (from ::) is no neighbour either */
	run1(e->w, ns("::", PORT6, 255), 0);
	out_clear(e->w);
	check_no_event(e);
	assert_int_equal(e->w->s.st.nd_learned, 2);
	assert_int_equal(e->w->s.st.nd_replied, 5);
	/* an option of length 0 is malformed (RFC 4861 7.1.1) */
	m = ns("2001:db8:1::22", PORT6, 255);
	{
		uint8_t *b = rte_pktmbuf_mtod(m, uint8_t *);
		uint16_t cs;

		b[54 + 25] = 0;
		b[56] = b[57] = 0;
		cs = rte_cpu_to_be_16((uint16_t)~fx_sum6(b + 22, b + 38, b + 54, 32));
		memcpy(b + 56, &cs, 2);
	}
	run1(e->w, m, 0);
	assert_int_equal(e->w->s.st.drops[DROP_nd_malformed], 1);
	check_no_event(e);
	env_free(e);
}

static void
test_solicitation_vip_lip(void **state)
{
	struct env *e = env_new6(1, 1024);
	struct rte_mbuf *m;

	(void)state;
	/* a VIP, on the client port: the advertisement is from the VIP, for the VIP */
	run1(e->w, ns("2001:db8:1::2", ENV6_VIP, 255), 0);
	check_na_of(out_one(e->w, 0), ENV6_VIP, 0, "2001:db8:1::2", 0x60);
	out_clear(e->w);
	/* the LIP, on the backend port, asked by a backend */
	m = ns("2001:db8:2::11", "2001:db8:2::100", 255);
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), &port_mac[1], 6);
	m->port = 1;
	pipeline_run(e->w, &m, 1);
	check_na_of(out_one(e->w, 1), "2001:db8:2::100", 1, "2001:db8:2::11", 0x60);
	out_clear(e->w);
	/* another address of the subnet is not ours */
	run1(e->w, ns("2001:db8:1::2", "2001:db8:100::11", 255), 0);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.nd_replied, 2);
	env_free(e);
}

static void
test_advert_learned(void **state)
{
	static const struct rte_ether_addr moved = { { 2, 0, 0, 0, 1, 0x42 } };
	struct env *e = env_new6(1, 1024);

	(void)state;
	/* a neighbour the table has says where it is now: reported */
	run1(e->w, na("2001:db8:1::2", &moved, 1, 1), 0);
	check_learned(e, "2001:db8:1::2", 0, &moved);
	/* without the option, the frame's sender */
	run1(e->w, na("2001:db8:1::3", &moved, 0, 1), 0);
	check_learned(e, "2001:db8:1::3", 0, &client_mac);
	/* one the table does not have fills no slot */
	run1(e->w, na("2001:db8:1::77", &moved, 1, 1), 0);
	check_no_event(e);
	assert_int_equal(e->w->s.st.nd_learned, 2);
	/* a zero-length option: dropped as malformed, nothing learned */
	run1(e->w, na("2001:db8:1::2", &moved, 1, 0), 0);
	assert_int_equal(e->w->s.st.drops[DROP_nd_malformed], 1);
	check_no_event(e);
	/* the others go on to the twin; the fixture has none: counted */
	assert_int_equal(e->w->s.st.drops[DROP_nd_ignored], 3);
	assert_int_equal(out_total(e->w), 0);
	env_free(e);
}

static void
test_echo6_vip(void **state)
{
	static const uint8_t echo[12] = { 128, 0, 0, 0, 0x12, 0x34, 0, 1, 'p', 'i', 'n', 'g' };
	struct env *e = env_new6(1, 1024);
	union addr46 vip = A(ENV6_VIP);
	const uint8_t *b;

	(void)state;
	run1(e->w, icmp6("2001:db8:1::2", ENV6_VIP, &port_mac[0], 64, echo, sizeof(echo)), 0);
	b = rte_pktmbuf_mtod(out_one(e->w, 0), const uint8_t *);
	assert_int_equal(b[54], 129);
	assert_memory_equal(b + 22, vip.b, 16);
	assert_int_equal(fx_sum6(b + 22, b + 38, b + 54, sizeof(echo)), 0xffff);
	out_clear(e->w);
	env_free(e);
}

/* The control thread's solicitation: to the solicited-node group, with our MAC in it. */
static void
test_solicit_built(void **state)
{
	struct env *e = env_new6(1, 1024);
	union addr46 t = A("2001:db8:2::abcd:ef12"), me = A("2001:db8:2::1");
	union addr46 group = A("ff02::1:ffcd:ef12");
	struct rte_mbuf *m = nd_solicit(e->dp, mp, 1, t.b);
	const uint8_t *b;

	(void)state;
	assert_non_null(m);
	b = rte_pktmbuf_mtod(m, const uint8_t *);
	assert_int_equal(rte_pktmbuf_data_len(m), 14 + 40 + 32);
	assert_memory_equal(b, "\x33\x33\xff\xcd\xef\x12", 6);
	assert_memory_equal(b + 6, &port_mac[1], 6);
	assert_int_equal(b[12] << 8 | b[13], RTE_ETHER_TYPE_IPV6);
	assert_int_equal(b[21], 255);
	assert_memory_equal(b + 22, me.b, 16);
	assert_memory_equal(b + 38, group.b, 16);
	assert_int_equal(b[54], 135);
	assert_memory_equal(b + 62, t.b, 16);
	assert_int_equal(b[78], 1);
	assert_int_equal(b[79], 1);
	assert_memory_equal(b + 80, &port_mac[1], 6);
	assert_int_equal(fx_sum6(b + 22, b + 38, b + 54, 32), 0xffff);
	assert_int_equal(m->port, 1);
	rte_pktmbuf_free(m);
	/* a port without an IPv6 address asks nobody */
	env_free(e);
	e = env6();
	assert_null(nd_solicit(e->dp, mp, 1, t.b));
	env_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_solicitation_answered),
		cmocka_unit_test(test_solicitation_refused),
		cmocka_unit_test(test_echo6),
		cmocka_unit_test(test_solicitation_learned),
		cmocka_unit_test(test_solicitation_vip_lip),
		cmocka_unit_test(test_advert_learned),
		cmocka_unit_test(test_echo6_vip),
		cmocka_unit_test(test_solicit_built),
	};

	ENV_RUN(tests);
}
