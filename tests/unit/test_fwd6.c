/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The IPv6 rewrite (forward/fwd6.h): addresses and ports changed, the hop limit decremented
 * and the L4 checksum patched so that it is what a full computation over the new packet
 * gives, for TCP and UDP, random addresses, ports and payloads of every length parity; a
 * hop limit that runs out leaves the packet as it was. csum_replace16 against a full sum.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "forward/fwd6.h"
#include "packet/csum.h"
#include "packet/pkt6.h"
#include "test_eal.h"

static struct rte_mempool *pool;
static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void
rnd_bytes(uint8_t *b, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)rnd();
}

/* An Ethernet + IPv6 + TCP or UDP frame with `len` bytes of payload, its checksum right. */
static struct rte_mbuf *
frame(uint8_t proto, unsigned len, uint8_t hops)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	unsigned l4 = proto == PROTO_TCP ? 20 : 8;
	uint8_t *b;
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip;
	struct rte_udp_hdr *uh;

	assert_non_null(m);
	b = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(PKT_IP_OFF + 40 + l4 + len));
	assert_non_null(b);
	memset(b, 0, PKT_IP_OFF + 40 + l4);
	eth = (struct rte_ether_hdr *)b;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip = (struct rte_ipv6_hdr *)(b + PKT_IP_OFF);
	ip->vtc_flow = RTE_BE32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)(l4 + len));
	ip->proto = proto;
	ip->hop_limits = hops;
	rnd_bytes(ip->src_addr, 16);
	rnd_bytes(ip->dst_addr, 16);
	ip->src_addr[0] = 0x20; /* global unicast */
	ip->dst_addr[0] = 0x20;
	uh = (struct rte_udp_hdr *)(ip + 1);
	uh->src_port = (uint16_t)rnd();
	uh->dst_port = (uint16_t)rnd();
	if (proto == PROTO_TCP) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)uh;

		th->data_off = 5 << 4;
		th->tcp_flags = RTE_TCP_ACK_FLAG;
		rnd_bytes(b + PKT_IP_OFF + 40 + l4, len);
		th->cksum = rte_ipv6_udptcp_cksum(ip, th);
	} else {
		uh->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + len));
		rnd_bytes(b + PKT_IP_OFF + 40 + l4, len);
		uh->dgram_cksum = rte_ipv6_udptcp_cksum(ip, uh);
	}
	return m;
}

/* The one's-complement sum over the pseudo-header and the L4 segment: 0xffff when right. */
static uint16_t
full_sum(const struct rte_ipv6_hdr *ip, const void *l4)
{
	uint32_t sum = rte_ipv6_phdr_cksum(ip, 0);

	sum += rte_raw_cksum(l4, rte_be_to_cpu_16(ip->payload_len));
	return csum_fold32(sum);
}

static void
test_rewrite(void **state)
{
	unsigned n;

	(void)state;
	for (n = 0; n < 2000; n++) {
		uint8_t proto = n & 1 ? PROTO_UDP : PROTO_TCP;
		struct rte_mbuf *m = frame(proto, rnd() % 300, 64);
		struct rte_ipv6_hdr *ip = pkt_ip6(m);
		uint8_t s[16], d[16];
		uint16_t sp = (uint16_t)rnd(), dp = (uint16_t)rnd();
		struct pkt6_meta p;
		const void *l4;

		assert_int_equal(pkt_parse6(m, &p), 0);
		rnd_bytes(s, 16);
		rnd_bytes(d, 16);
		assert_int_equal(fwd_rewrite6(m, &p, s, d, sp, dp), 0);
		assert_memory_equal(ip->src_addr, s, 16);
		assert_memory_equal(ip->dst_addr, d, 16);
		assert_int_equal(ip->hop_limits, 63);
		l4 = ip + 1;
		assert_int_equal(((const struct rte_udp_hdr *)l4)->src_port, sp);
		assert_int_equal(((const struct rte_udp_hdr *)l4)->dst_port, dp);
		/* the patched checksum verifies over the new pseudo-header and payload */
		assert_int_equal(full_sum(ip, l4), 0xffff);
		if (proto == PROTO_UDP)
			assert_int_not_equal(((const struct rte_udp_hdr *)l4)->dgram_cksum, 0);
		rte_pktmbuf_free(m);
	}
}

/* A hop limit of 1 runs out here: nothing is changed, the caller drops and answers. */
static void
test_hop_limit(void **state)
{
	struct rte_mbuf *m = frame(PROTO_TCP, 10, 1);
	uint8_t before[128], s[16] = { 0x20, 1 }, d[16] = { 0x20, 2 };
	struct pkt6_meta p;

	(void)state;
	assert_int_equal(pkt_parse6(m, &p), 0);
	memcpy(before, rte_pktmbuf_mtod(m, void *), rte_pktmbuf_data_len(m));
	assert_int_equal(fwd_rewrite6(m, &p, s, d, 1, 2), DROP_ttl_exceeded);
	assert_memory_equal(before, rte_pktmbuf_mtod(m, void *), rte_pktmbuf_data_len(m));
	rte_pktmbuf_free(m);
}

/* csum_replace16 is the full sum's difference, wherever the field lies (IPv6 keeps its
 * addresses at even offsets, as the 16-bit words of the sum need). */
static void
test_replace16(void **state)
{
	uint8_t buf[64];
	unsigned n;

	(void)state;
	for (n = 0; n < 10000; n++) {
		unsigned off = 2 * (n % 12);
		uint8_t nw[16];
		uint16_t after, full;

		rnd_bytes(buf, sizeof(buf));
		if (n % 100 == 0)
			memset(nw, 0, 16);
		else
			rnd_bytes(nw, 16);
		after = csum_replace16((uint16_t)~rte_raw_cksum(buf, 40), buf + off, nw);
		memcpy(buf + off, nw, 16);
		full = (uint16_t)~rte_raw_cksum(buf, 40);
		/* 0 and 0xffff are the one's-complement zero twice */
		assert_true(after == full || ((after == 0 || full == 0) && (after ^ full) == 0xffff));
	}
}

static int
setup(void **state)
{
	(void)state;
	test_eal_init();
	pool = rte_pktmbuf_pool_create("fwd6", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	return pool == NULL;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewrite),
		cmocka_unit_test(test_hop_limit),
		cmocka_unit_test(test_replace16),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
