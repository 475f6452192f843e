/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv6 parsing (packet/pkt6.h): the extension headers walked to the L4 header, each fault
 * dropped under its reason, what passes keyed by its 5-tuple.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "common/drop.h"
#include "packet/pkt6.h"
#include "test_eal.h"

static struct rte_mempool *pool;

/* A frame under construction: plain bytes, so a test can break any of them. */
struct frame6 {
	uint8_t b[512];
	unsigned len;  /* of the frame */
	unsigned next; /* offset of the next header byte to fill in (the last "next header") */
};

static struct rte_ipv6_hdr *
ip6(struct frame6 *f)
{
	return (struct rte_ipv6_hdr *)(f->b + PKT_IP_OFF);
}

static void
f_start(struct frame6 *f)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f->b;
	struct rte_ipv6_hdr *ip = ip6(f);
	unsigned i;

	memset(f, 0, sizeof(*f));
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip->vtc_flow = RTE_BE32(6u << 28);
	ip->hop_limits = 64;
	for (i = 0; i < 16; i++) {
		ip->src_addr[i] = (uint8_t)(0x20 + i);
		ip->dst_addr[i] = (uint8_t)(0x40 + i);
	}
	f->len = PKT_IP_OFF + PKT6_IP_LEN;
	f->next = PKT_IP_OFF + offsetof(struct rte_ipv6_hdr, proto);
}

/* An extension header of type t and 8 x (units) bytes; its first bytes given. */
static uint8_t *
f_ext(struct frame6 *f, uint8_t t, unsigned units)
{
	uint8_t *h = f->b + f->len;

	f->b[f->next] = t;
	memset(h, 0, 8 * units);
	if (t != IP6_FRAGMENT)
		h[1] = (uint8_t)(units - 1);
	f->next = f->len;
	f->len += 8 * units;
	return h;
}

/* The L4 header (proto, l4_len bytes) and the payload length that ends the packet. */
static uint8_t *
f_l4(struct frame6 *f, uint8_t proto, unsigned l4_len)
{
	uint8_t *l4 = f->b + f->len;

	f->b[f->next] = proto;
	memset(l4, 0, l4_len);
	if (proto == PROTO_TCP && l4_len >= 20) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)l4;

		th->src_port = RTE_BE16(40000);
		th->dst_port = RTE_BE16(443);
		th->data_off = 5 << 4;
		th->tcp_flags = RTE_TCP_SYN_FLAG;
	} else if (proto == PROTO_UDP && l4_len >= 8) {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)l4;

		uh->src_port = RTE_BE16(5353);
		uh->dst_port = RTE_BE16(53);
	}
	f->len += l4_len;
	ip6(f)->payload_len = rte_cpu_to_be_16((uint16_t)(f->len - PKT_IP_OFF - PKT6_IP_LEN));
	return l4;
}

static int
parse(struct frame6 *f, struct pkt6_meta *p, struct rte_mbuf **out)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	int r;

	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)f->len), f->b, f->len);
	r = pkt_parse6(m, p);
	if (out)
		*out = m;
	else
		rte_pktmbuf_free(m);
	return r;
}

static void
expect(struct frame6 *f, int reason)
{
	struct pkt6_meta p;

	assert_int_equal(parse(f, &p, NULL), reason);
}

static void
test_plain(void **state)
{
	struct frame6 f;
	struct pkt6_meta p;
	struct rte_mbuf *m;

	(void)state;
	f_start(&f);
	f_l4(&f, PROTO_TCP, 20);
	assert_int_equal(parse(&f, &p, NULL), 0);
	assert_int_equal(p.l4_off, PKT_IP_OFF + 40);
	assert_int_equal(p.ip_len, 60);
	assert_int_equal(p.key.proto, PROTO_TCP);
	assert_int_equal(p.key.sport, RTE_BE16(40000));
	assert_int_equal(p.key.dport, RTE_BE16(443));
	assert_int_equal(p.tcp_flags, RTE_TCP_SYN_FLAG);
	assert_memory_equal(p.key.saddr, ip6(&f)->src_addr, 16);
	assert_memory_equal(p.key.daddr, ip6(&f)->dst_addr, 16);
	assert_memory_equal(p.key.pad, "\0\0\0", 3);
	/* ICMPv6: no ports */
	f_start(&f);
	f_l4(&f, IP6_ICMPV6, 8);
	assert_int_equal(parse(&f, &p, NULL), 0);
	assert_int_equal(p.key.proto, IP6_ICMPV6);
	assert_int_equal(p.key.sport, 0);
	/* Ethernet padding after the packet is cut off */
	f_start(&f);
	f_l4(&f, PROTO_UDP, 8);
	f.len += 10;
	assert_int_equal(parse(&f, &p, &m), 0);
	assert_int_equal(rte_pktmbuf_data_len(m), PKT_IP_OFF + 48);
	rte_pktmbuf_free(m);
}

/* Hop-by-hop, destination options, a spent routing header, an atomic fragment: walked. */
static void
test_walked(void **state)
{
	struct frame6 f;
	struct pkt6_meta p;
	unsigned i;

	(void)state;
	f_start(&f);
	f_ext(&f, IP6_HOPOPTS, 1);
	f_ext(&f, IP6_DSTOPTS, 2);
	f_ext(&f, IP6_ROUTING, 3); /* segments left 0 */
	f_ext(&f, IP6_FRAGMENT, 1);  /* offset 0, M 0: atomic */
	f_l4(&f, PROTO_UDP, 12);
	assert_int_equal(parse(&f, &p, NULL), 0);
	assert_int_equal(p.l4_off, PKT_IP_OFF + 40 + 8 + 16 + 24 + 8);
	assert_int_equal(p.key.proto, PROTO_UDP);
	assert_int_equal(p.key.dport, RTE_BE16(53));
	/* PKT6_EXT_MAX headers pass, one more does not */
	f_start(&f);
	for (i = 0; i < PKT6_EXT_MAX; i++)
		f_ext(&f, IP6_DSTOPTS, 1);
	f_l4(&f, PROTO_TCP, 20);
	expect(&f, 0);
	f_start(&f);
	for (i = 0; i <= PKT6_EXT_MAX; i++)
		f_ext(&f, IP6_DSTOPTS, 1);
	f_l4(&f, PROTO_TCP, 20);
	expect(&f, DROP_ip6_ext_header);
}

static void
test_refused_headers(void **state)
{
	static const uint16_t frag[] = { 1 /* M: first */, 185 << 3, (185 << 3) | 1 };
	struct frame6 f;
	uint8_t *h;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(frag) / sizeof(frag[0]); i++) {
		f_start(&f);
		h = f_ext(&f, IP6_FRAGMENT, 1);
		h[2] = (uint8_t)(frag[i] >> 8);
		h[3] = (uint8_t)frag[i];
		f_l4(&f, PROTO_UDP, 8);
		expect(&f, DROP_ip_fragment);
	}
	f_start(&f);
	h = f_ext(&f, IP6_ROUTING, 3);
	h[3] = 1; /* a segment left: the packet is routed through the node */
	f_l4(&f, PROTO_TCP, 20);
	expect(&f, DROP_ip6_ext_header);
	f_start(&f);
	f_ext(&f, IP6_DSTOPTS, 1);
	f_ext(&f, IP6_HOPOPTS, 1); /* hop-by-hop only first */
	f_l4(&f, PROTO_TCP, 20);
	expect(&f, DROP_ip6_ext_header);
	for (i = 0; i < 3; i++) {
		static const uint8_t t[] = { IP6_AH, IP6_ESP, 253 };

		f_start(&f);
		f_ext(&f, t[i], 2);
		f_l4(&f, PROTO_TCP, 20);
		expect(&f, DROP_ip6_ext_header);
	}
	f_start(&f);
	f_l4(&f, IP6_NONE, 8);
	expect(&f, DROP_unsupported_proto);
	f_start(&f);
	f_l4(&f, 132 /* SCTP */, 12);
	expect(&f, DROP_unsupported_proto);
}

static void
test_truncated(void **state)
{
	struct frame6 f;
	uint8_t *h;

	(void)state;
	f_start(&f);
	f_l4(&f, PROTO_TCP, 20);
	f.len = PKT_IP_OFF + 39;
	expect(&f, DROP_ip_truncated);
	f_start(&f);
	f_l4(&f, PROTO_TCP, 20);
	ip6(&f)->vtc_flow = RTE_BE32(4u << 28);
	expect(&f, DROP_bad_ip_header);
	f_start(&f);
	f_l4(&f, PROTO_TCP, 20);
	f.len -= 1; /* payload length beyond the frame */
	expect(&f, DROP_bad_ip_length);
	f_start(&f);
	f_l4(&f, PROTO_TCP, 0);
	expect(&f, DROP_bad_ip_length); /* no payload at all */
	f_start(&f);
	h = f_ext(&f, IP6_DSTOPTS, 1);
	f_l4(&f, PROTO_TCP, 20);
	h[1] = 9; /* 80 bytes claimed, 28 there */
	expect(&f, DROP_ip6_ext_header);
	f_start(&f);
	f_l4(&f, PROTO_TCP, 12);
	expect(&f, DROP_l4_truncated);
	f_start(&f);
	h = f_l4(&f, PROTO_TCP, 20);
	((struct rte_tcp_hdr *)h)->data_off = 6 << 4; /* 24 bytes in a 20-byte payload */
	expect(&f, DROP_bad_tcp_header);
	f_start(&f);
	f_l4(&f, PROTO_UDP, 6);
	expect(&f, DROP_l4_truncated);
}

static int
setup(void **state)
{
	(void)state;
	test_eal_init();
	pool = rte_pktmbuf_pool_create("pkt6", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	return pool == NULL;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_walked),
		cmocka_unit_test(test_refused_headers),
		cmocka_unit_test(test_truncated),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
