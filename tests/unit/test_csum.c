/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the incremental checksums (src/packet/csum.h). The reference is DPDK's
 * full recomputation (rte_ipv4_cksum, rte_ipv4_udptcp_cksum): random headers get random
 * field changes, are patched incrementally and must carry exactly the checksum a full
 * recompute gives. The RFC 1624 corner cases pin down the one's-complement zeros
 * (0x0000 / 0xffff), where the naive eqn. 2 of RFC 1141 goes wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "common/xorshift.h"
#include "packet/csum.h"

/*
 * A fixed-seed xorshift: the random cases are the same on every run, so a failure
 * reproduces; the many iterations give the coverage.
 */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	return (uint32_t)(xorshift64(&rng_state) >> 16);
}

static void
rnd_fill(void *p, size_t n)
{
	uint8_t *b = p;

	while (n--)
		*b++ = (uint8_t)rnd();
}

/* A random but valid-looking IPv4 header (IHL 5), checksummed in full. */
static void
rnd_ip(struct rte_ipv4_hdr *ip, uint8_t proto, uint16_t total_len)
{
	rnd_fill(ip, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->next_proto_id = proto;
	ip->total_length = rte_cpu_to_be_16(total_len);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

static uint16_t
ip_full(struct rte_ipv4_hdr *ip)
{
	uint16_t saved = ip->hdr_checksum, full;

	ip->hdr_checksum = 0;
	full = rte_ipv4_cksum(ip);
	ip->hdr_checksum = saved;
	return full;
}

/* The examples of RFC 1624 section 4, in both byte orders (the sum is order-blind). */
static void
test_rfc1624_example(void **state)
{
	(void)state;
	/* m = 0x5555 -> 0x3285 with the rest summing to 0xcd7a: HC 0xdd2f -> 0x0000. */
	assert_int_equal(csum_replace2(0xdd2f, 0x5555, 0x3285), 0x0000);
	assert_int_equal(csum_replace2(0x2fdd, 0x5555, 0x8532), 0x0000);
	/* And back: from a checksum of 0x0000 (sum 0xffff) to the original. */
	assert_int_equal(csum_replace2(0x0000, 0x3285, 0x5555), 0xdd2f);
	/* The same change as a 32-bit field whose other half stays. */
	assert_int_equal(csum_replace4(0xdd2f, 0x12345555, 0x12343285), 0x0000);
	assert_int_equal(csum_replace4(0xdd2f, 0x55551234, 0x32851234), 0x0000);
}

/* No change must leave any checksum but the all-zero-data one (0xffff) as it is. */
static void
test_identity(void **state)
{
	uint32_t c, v;

	(void)state;
	for (c = 0; c < 0xffff; c++) {
		v = rnd();
		assert_int_equal(csum_replace2((uint16_t)c, (uint16_t)v, (uint16_t)v), c);
		assert_int_equal(csum_replace4((uint16_t)c, v, v), c);
	}
}

/*
 * The zeros of one's complement: 0x0000 and 0xffff are the same number, and a field
 * going from one to the other changes nothing. A checksum of 0x0000 (data summing to
 * 0xffff) is reachable and must stay 0x0000, never turn into 0xffff.
 */
static void
test_ones_complement_zeros(void **state)
{
	(void)state;
	assert_int_equal(csum_replace2(0x1234, 0x0000, 0xffff), 0x1234);
	assert_int_equal(csum_replace2(0x1234, 0xffff, 0x0000), 0x1234);
	assert_int_equal(csum_replace4(0x1234, 0x00000000, 0xffffffff), 0x1234);
	assert_int_equal(csum_replace4(0x1234, 0xffff0000, 0x0000ffff), 0x1234);
	assert_int_equal(csum_replace2(0x0000, 0x0000, 0xffff), 0x0000);
	assert_int_equal(csum_replace2(0x0000, 0xabcd, 0xabcd), 0x0000);
	/* Adding 1 to a field when the checksum is 0x0001 makes it 0x0000, not 0xffff. */
	assert_int_equal(csum_replace2(0x0001, 0x0000, 0x0001), 0x0000);
	/* From a checksum of 0x0000: a field 1 smaller gives 0x0001, 1 larger gives 0xfffe. */
	assert_int_equal(csum_replace2(0x0000, 0x0001, 0x0000), 0x0001);
	assert_int_equal(csum_replace2(0x0000, 0x0000, 0x0001), 0xfffe);
	/* Carries out of the top: every word 0xffff -> 0xfffe. */
	assert_int_equal(csum_replace4(0x8000, 0xfffefffe, 0xffffffff), 0x7ffe);
}

/* csum_fold32 folds twice: a carry produced by the first fold is not lost. */
static void
test_fold(void **state)
{
	(void)state;
	assert_int_equal(csum_fold32(0), 0);
	assert_int_equal(csum_fold32(0xffff), 0xffff);
	assert_int_equal(csum_fold32(0x10000), 0x0001);
	assert_int_equal(csum_fold32(0x1fffe), 0xffff);
	assert_int_equal(csum_fold32(0xffffffff), 0xffff);
	assert_int_equal(csum_fold32(0x0001ffff), 0x0001);
	assert_int_equal(csum_fold32(0x12345678), 0x68ac);
}

/* Random IPv4 headers, random changes of each kind of field, against rte_ipv4_cksum. */
static void
test_ip_random(void **state)
{
	struct rte_ipv4_hdr ip;
	unsigned i;

	(void)state;
	for (i = 0; i < 200000; i++) {
		uint16_t before, old16, new16;
		uint32_t old32, new32;

		rnd_ip(&ip, (uint8_t)rnd(), (uint16_t)(20 + rnd() % 1480));
		before = ip.hdr_checksum;
		switch (i % 5) {
		case 0: /* source address */
			old32 = ip.src_addr;
			ip.src_addr = new32 = rnd();
			ip.hdr_checksum = csum_replace4(ip.hdr_checksum, old32, new32);
			break;
		case 1: /* destination address */
			old32 = ip.dst_addr;
			ip.dst_addr = new32 = rnd();
			ip.hdr_checksum = csum_replace4(ip.hdr_checksum, old32, new32);
			break;
		case 2: /* TTL: the TTL/protocol word, as fwd_rewrite patches it */
			memcpy(&old16, &ip.time_to_live, 2);
			ip.time_to_live--;
			memcpy(&new16, &ip.time_to_live, 2);
			ip.hdr_checksum = csum_replace2(ip.hdr_checksum, old16, new16);
			break;
		case 3: /* total length */
			old16 = ip.total_length;
			ip.total_length = new16 = (uint16_t)rnd();
			ip.hdr_checksum = csum_replace2(ip.hdr_checksum, old16, new16);
			break;
		default: /* both addresses and the id at once */
			old32 = ip.src_addr;
			ip.src_addr = new32 = rnd();
			ip.hdr_checksum = csum_replace4(ip.hdr_checksum, old32, new32);
			old32 = ip.dst_addr;
			ip.dst_addr = new32 = rnd();
			ip.hdr_checksum = csum_replace4(ip.hdr_checksum, old32, new32);
			old16 = ip.packet_id;
			ip.packet_id = new16 = (uint16_t)rnd();
			ip.hdr_checksum = csum_replace2(ip.hdr_checksum, old16, new16);
			break;
		}
		if (ip.hdr_checksum != ip_full(&ip))
			fail_msg("case %u (kind %u): checksum 0x%04x -> incremental 0x%04x, "
				 "full 0x%04x", i, i % 5, before, ip.hdr_checksum, ip_full(&ip));
		/* And the patched header verifies: it sums to 0xffff. */
		assert_int_equal(rte_raw_cksum(&ip, sizeof(ip)), 0xffff);
	}
}

/* An IPv4 packet with an L4 header and payload in one buffer. */
struct l4pkt {
	struct rte_ipv4_hdr ip;
	union {
		struct rte_tcp_hdr tcp;
		struct rte_udp_hdr udp;
		uint8_t raw[1500];
	} l4;
};

/* Where the L4 checksum lives: TCP and UDP differ only in that. */
static uint8_t *
l4_csum_at(struct l4pkt *p)
{
	return p->l4.raw + (p->ip.next_proto_id == IPPROTO_TCP ?
			    offsetof(struct rte_tcp_hdr, cksum) :
			    offsetof(struct rte_udp_hdr, dgram_cksum));
}

static uint16_t
l4_get(struct l4pkt *p)
{
	uint16_t v;

	memcpy(&v, l4_csum_at(p), 2);
	return v;
}

static void
l4_set(struct l4pkt *p, uint16_t v)
{
	memcpy(l4_csum_at(p), &v, 2);
}

static uint16_t
l4_full(struct l4pkt *p)
{
	uint16_t saved = l4_get(p), full;

	l4_set(p, 0);
	full = rte_ipv4_udptcp_cksum(&p->ip, &p->l4);
	l4_set(p, saved);
	return full;
}

static void
rnd_l4(struct l4pkt *p, uint8_t proto)
{
	unsigned len = (proto == IPPROTO_TCP ? 20 : 8) + rnd() % 200;

	rnd_fill(&p->l4, len);
	rnd_ip(&p->ip, proto, (uint16_t)(20 + len));
	if (proto == IPPROTO_TCP) {
		p->l4.tcp.data_off = 0x50;
	} else {
		p->l4.udp.dgram_len = rte_cpu_to_be_16((uint16_t)len);
	}
	l4_set(p, 0);
	l4_set(p, rte_ipv4_udptcp_cksum(&p->ip, &p->l4));
}

/*
 * The FULLNAT rewrite: both addresses (in the pseudo-header) and both ports change.
 * The L4 checksum patched field by field must equal a full recompute; for UDP a result
 * of 0x0000 is sent as 0xffff (RFC 768), the one place the two may differ in form.
 */
static void
l4_random(uint8_t proto)
{
	struct l4pkt p;
	unsigned i;

	for (i = 0; i < 50000; i++) {
		uint16_t c, sport, dport;
		uint32_t saddr, daddr;

		rnd_l4(&p, proto);
		saddr = rnd();
		daddr = rnd();
		sport = (uint16_t)rnd();
		dport = (uint16_t)rnd();
		c = csum_replace4(l4_get(&p), p.ip.src_addr, saddr);
		c = csum_replace4(c, p.ip.dst_addr, daddr);
		c = csum_replace2(c, p.l4.udp.src_port, sport);
		c = csum_replace2(c, p.l4.udp.dst_port, dport);
		if (proto == IPPROTO_UDP && c == 0)
			c = 0xffff;
		p.ip.src_addr = saddr;
		p.ip.dst_addr = daddr;
		p.l4.udp.src_port = sport;
		p.l4.udp.dst_port = dport;
		l4_set(&p, c);
		if (c != l4_full(&p))
			fail_msg("%s case %u: incremental 0x%04x, full 0x%04x",
				 proto == IPPROTO_TCP ? "tcp" : "udp", i, c, l4_full(&p));
	}
}

static void
test_tcp_random(void **state)
{
	(void)state;
	l4_random(IPPROTO_TCP);
}

static void
test_udp_random(void **state)
{
	(void)state;
	l4_random(IPPROTO_UDP);
}

/*
 * Drive a packet to the corner on purpose: pick the new port so that the data sums to
 * 0xffff, where the checksum is 0x0000 (TCP) or sent as 0xffff (UDP). Then change the
 * port back: starting from that zero the patch must land on the original checksum.
 */
static void
l4_zero_corner(uint8_t proto)
{
	struct l4pkt p;
	unsigned i;

	for (i = 0; i < 2000; i++) {
		uint16_t orig, old, target, c, wire;

		rnd_l4(&p, proto);
		orig = l4_get(&p);
		if (orig == 0xffff && proto == IPPROTO_UDP)
			continue; /* already at the corner */
		/*
		 * The sum of all but the source port is S - old = ~orig - old; the port that
		 * makes the whole 0xffff is 0xffff - (that), i.e. old + orig, one's complement.
		 */
		old = p.l4.udp.src_port;
		target = (uint16_t)csum_fold32((uint32_t)old + orig);
		c = csum_replace2(orig, old, target);
		assert_int_equal(c, 0x0000);
		p.l4.udp.src_port = target;
		wire = proto == IPPROTO_UDP ? 0xffff : 0x0000;
		l4_set(&p, wire);
		assert_int_equal(l4_full(&p), wire);
		/* Back from the corner, starting from the form that is on the wire. */
		c = csum_replace2(wire, target, old);
		p.l4.udp.src_port = old;
		assert_int_equal(c, orig);
		assert_int_equal(l4_full(&p), orig);
	}
}

static void
test_tcp_zero_corner(void **state)
{
	(void)state;
	l4_zero_corner(IPPROTO_TCP);
}

static void
test_udp_zero_corner(void **state)
{
	(void)state;
	l4_zero_corner(IPPROTO_UDP);
}

/* A chain of many small patches drifts nowhere: still equal to the full sum at the end. */
static void
test_long_chain(void **state)
{
	struct rte_ipv4_hdr ip;
	unsigned i;

	(void)state;
	rnd_ip(&ip, IPPROTO_TCP, 60);
	for (i = 0; i < 100000; i++) {
		uint32_t a = rnd();
		uint16_t id = (uint16_t)rnd();

		ip.hdr_checksum = csum_replace4(ip.hdr_checksum, ip.src_addr, a);
		ip.src_addr = a;
		ip.hdr_checksum = csum_replace2(ip.hdr_checksum, ip.packet_id, id);
		ip.packet_id = id;
	}
	assert_int_equal(ip.hdr_checksum, ip_full(&ip));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1624_example),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_ones_complement_zeros),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_ip_random),
		cmocka_unit_test(test_tcp_random),
		cmocka_unit_test(test_udp_random),
		cmocka_unit_test(test_tcp_zero_corner),
		cmocka_unit_test(test_udp_zero_corner),
		cmocka_unit_test(test_long_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
