/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the parser and sanity filter (src/packet/pkt.h, pkt_parse). Good frames
 * must come out with the exact tuple, flags and offsets; every bad frame must be refused
 * with its own drop reason, so the operator's counters say what was wrong. Each bad frame
 * is a good one broken in exactly one place (checksums fixed up again where the break is
 * not the checksum), so a frame caught by the wrong check shows up as the wrong reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <rte_arp.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "common/addr.h"
#include "common/drop.h"
#include "packet/grow.h"
#include "packet/pkt.h"
#include "test_eal.h"

static struct rte_mempool *pool;

#define SRC_IP RTE_BE32(0x0a000101) /* 10.0.1.1 */
#define DST_IP RTE_BE32(0x0a00000a) /* 10.0.0.10 */
#define SPORT RTE_BE16(40000)
#define DPORT RTE_BE16(80)

/* A frame under construction: plain bytes, so a test can break any of them. */
struct frame {
	uint8_t b[256];
	unsigned len;
};

static struct rte_ipv4_hdr *
f_ip(struct frame *f)
{
	return (struct rte_ipv4_hdr *)(f->b + sizeof(struct rte_ether_hdr));
}

static void *
f_l4(struct frame *f)
{
	return (uint8_t *)f_ip(f) + (f_ip(f)->version_ihl & 0xf) * 4;
}

static void
f_fix_ip_csum(struct frame *f)
{
	struct rte_ipv4_hdr *ip = f_ip(f);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, (ip->version_ihl & 0xf) * 4u);
}

/* Set the IP total length to cover l3_len bytes and the frame to end right there. */
static void
f_set_len(struct frame *f, unsigned l3_len)
{
	f_ip(f)->total_length = rte_cpu_to_be_16((uint16_t)l3_len);
	f->len = sizeof(struct rte_ether_hdr) + l3_len;
	f_fix_ip_csum(f);
}

/* Ethernet + a 20-byte IPv4 header for proto, total length 20 + l4_len, DF set. */
static void
f_ipv4(struct frame *f, uint8_t proto, unsigned l4_len)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f->b;
	struct rte_ipv4_hdr *ip = f_ip(f);
	unsigned i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < RTE_ETHER_ADDR_LEN; i++) {
		eth->dst_addr.addr_bytes[i] = (uint8_t)(0x02 + i);
		eth->src_addr.addr_bytes[i] = (uint8_t)(0x12 + i);
	}
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = 0x45;
	ip->packet_id = RTE_BE16(0x4242);
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = SRC_IP;
	ip->dst_addr = DST_IP;
	f_set_len(f, sizeof(*ip) + l4_len);
}

static void
f_tcp(struct frame *f, uint8_t flags, unsigned opt_len, unsigned payload)
{
	struct rte_tcp_hdr *th;

	f_ipv4(f, IPPROTO_TCP, sizeof(*th) + opt_len + payload);
	th = f_l4(f);
	th->src_port = SPORT;
	th->dst_port = DPORT;
	th->sent_seq = RTE_BE32(1000);
	th->data_off = (uint8_t)(((sizeof(*th) + opt_len) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = RTE_BE16(65535);
}

static void
f_udp(struct frame *f, unsigned payload)
{
	struct rte_udp_hdr *uh;

	f_ipv4(f, IPPROTO_UDP, sizeof(*uh) + payload);
	uh = f_l4(f);
	uh->src_port = RTE_BE16(5353);
	uh->dst_port = RTE_BE16(53);
	uh->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*uh) + payload));
}

static void
f_icmp(struct frame *f)
{
	struct rte_icmp_hdr *ih;

	f_ipv4(f, IPPROTO_ICMP, sizeof(*ih) + 8);
	ih = f_l4(f);
	ih->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	ih->icmp_ident = RTE_BE16(7);
	ih->icmp_seq_nb = RTE_BE16(1);
}

static struct rte_mbuf *
to_mbuf(const struct frame *f)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	void *p;

	assert_non_null(m);
	p = rte_pktmbuf_append(m, (uint16_t)f->len);
	if (f->len)
		assert_non_null(p);
	memcpy(rte_pktmbuf_mtod(m, void *), f->b, f->len);
	return m;
}

/* Parse f into p (pre-filled with garbage, so that every field the parser owns is seen set). */
static int
parse(const struct frame *f, struct pkt_meta *p, unsigned *len_after)
{
	struct rte_mbuf *m = to_mbuf(f);
	int r;

	memset(p, 0xa5, sizeof(*p));
	r = pkt_parse(m, p);
	if (len_after)
		*len_after = rte_pktmbuf_data_len(m);
	/* Parsing must not change the frame beyond trimming it. */
	assert_memory_equal(rte_pktmbuf_mtod(m, void *), f->b, rte_pktmbuf_data_len(m));
	rte_pktmbuf_free(m);
	return r;
}

static void
expect_drop(const struct frame *f, int reason)
{
	struct pkt_meta p;
	int r = parse(f, &p, NULL);

	if (r != reason)
		fail_msg("expected drop %s, got %s", drop_name((unsigned)reason),
			 drop_name((unsigned)r));
}

static void
assert_pad_zero(const struct pkt_meta *p)
{
	assert_int_equal(p->key.pad[0], 0);
	assert_int_equal(p->key.pad[1], 0);
	assert_int_equal(p->key.pad[2], 0);
}

/* ---- good frames ---- */

static void
test_tcp_good(void **state)
{
	struct frame f;
	struct pkt_meta p;
	unsigned len;

	(void)state;
	f_tcp(&f, RTE_TCP_SYN_FLAG | RTE_TCP_ECE_FLAG, 0, 0);
	assert_int_equal(parse(&f, &p, &len), 0);
	assert_int_equal(len, 54);
	assert_int_equal(p.kind, PKT_IPV4);
	assert_int_equal(p.key.saddr, SRC_IP);
	assert_int_equal(p.key.daddr, DST_IP);
	assert_int_equal(p.key.sport, SPORT);
	assert_int_equal(p.key.dport, DPORT);
	assert_int_equal(p.key.proto, PROTO_TCP);
	assert_pad_zero(&p);
	assert_int_equal(p.tcp_flags, RTE_TCP_SYN_FLAG | RTE_TCP_ECE_FLAG);
	assert_int_equal(p.l4_off, 34);
	assert_int_equal(p.ip_len, 40);
	/* Not the parser's: left as the caller set it. */
	assert_int_equal(p.in_port, 0xa5);
}

/* TCP options and payload: the data offset may point anywhere inside the IP payload. */
static void
test_tcp_options_payload(void **state)
{
	struct frame f;
	struct pkt_meta p;
	unsigned len;

	(void)state;
	f_tcp(&f, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG, 12, 100);
	assert_int_equal(parse(&f, &p, &len), 0);
	assert_int_equal(len, 14 + 20 + 32 + 100);
	assert_int_equal(p.ip_len, 20 + 32 + 100);
	assert_int_equal(p.l4_off, 34);
	assert_int_equal(p.tcp_flags, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG);
	/* The largest data offset (60 bytes) with exactly 60 bytes of TCP is fine. */
	f_tcp(&f, RTE_TCP_ACK_FLAG, 40, 0);
	assert_int_equal(((struct rte_tcp_hdr *)f_l4(&f))->data_off, 0xf0);
	assert_int_equal(parse(&f, &p, NULL), 0);
	/* The reserved low bits of data_off are not part of the offset. */
	f_tcp(&f, RTE_TCP_ACK_FLAG, 0, 0);
	((struct rte_tcp_hdr *)f_l4(&f))->data_off = 0x5f;
	assert_int_equal(parse(&f, &p, NULL), 0);
	/* All eight flag bits come through as they are (xmas): judging them is not the parser's. */
	f_tcp(&f, 0xff, 0, 0);
	assert_int_equal(parse(&f, &p, NULL), 0);
	assert_int_equal(p.tcp_flags, 0xff);
	f_tcp(&f, 0, 0, 0);
	assert_int_equal(parse(&f, &p, NULL), 0);
	assert_int_equal(p.tcp_flags, 0);
}

static void
test_udp_good(void **state)
{
	struct frame f;
	struct pkt_meta p;
	unsigned len;

	(void)state;
	f_udp(&f, 30);
	assert_int_equal(parse(&f, &p, &len), 0);
	assert_int_equal(len, 14 + 20 + 8 + 30);
	assert_int_equal(p.kind, PKT_IPV4);
	assert_int_equal(p.key.saddr, SRC_IP);
	assert_int_equal(p.key.daddr, DST_IP);
	assert_int_equal(p.key.sport, RTE_BE16(5353));
	assert_int_equal(p.key.dport, RTE_BE16(53));
	assert_int_equal(p.key.proto, PROTO_UDP);
	assert_pad_zero(&p);
	assert_int_equal(p.tcp_flags, 0);
	assert_int_equal(p.l4_off, 34);
	assert_int_equal(p.ip_len, 58);
	/* An empty datagram: just the 8-byte header. */
	f_udp(&f, 0);
	assert_int_equal(parse(&f, &p, NULL), 0);
	assert_int_equal(p.ip_len, 28);
}

static void
test_icmp_good(void **state)
{
	struct frame f;
	struct pkt_meta p;

	(void)state;
	f_icmp(&f);
	assert_int_equal(parse(&f, &p, NULL), 0);
	assert_int_equal(p.kind, PKT_IPV4);
	assert_int_equal(p.key.saddr, SRC_IP);
	assert_int_equal(p.key.daddr, DST_IP);
	/* ICMP has no ports: the key carries zeros, not the garbage that was there. */
	assert_int_equal(p.key.sport, 0);
	assert_int_equal(p.key.dport, 0);
	assert_int_equal(p.key.proto, IPPROTO_ICMP);
	assert_pad_zero(&p);
	assert_int_equal(p.tcp_flags, 0);
	assert_int_equal(p.l4_off, 34);
	assert_int_equal(p.ip_len, 36);
}

static void
test_arp_good(void **state)
{
	struct frame f;
	struct pkt_meta p;
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(f.b + 14);
	unsigned len;

	(void)state;
	memset(&f, 0, sizeof(f));
	((struct rte_ether_hdr *)f.b)->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = 6;
	arp->arp_plen = 4;
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	f.len = 60; /* a minimum frame: ARP is checked by arp_input, not trimmed here */
	assert_int_equal(parse(&f, &p, &len), 0);
	assert_int_equal(p.kind, PKT_ARP);
	assert_int_equal(len, 60);
	assert_int_equal(p.key.sport, 0);
	assert_int_equal(p.key.dport, 0);
	assert_int_equal(p.tcp_flags, 0);
	assert_pad_zero(&p);
	/* A bare Ethernet header with the ARP type still parses as ARP: arp_input judges it. */
	f.len = 14;
	assert_int_equal(parse(&f, &p, NULL), 0);
	assert_int_equal(p.kind, PKT_ARP);
}

/* DF alone is no fragment. */
static void
test_df_not_fragment(void **state)
{
	struct frame f;
	struct pkt_meta p;

	(void)state;
	f_tcp(&f, RTE_TCP_SYN_FLAG, 0, 0);
	assert_int_equal(f_ip(&f)->fragment_offset, RTE_BE16(RTE_IPV4_HDR_DF_FLAG));
	assert_int_equal(parse(&f, &p, NULL), 0);
	f_ip(&f)->fragment_offset = 0;
	f_fix_ip_csum(&f);
	assert_int_equal(parse(&f, &p, NULL), 0);
}

/* Short frames are padded to 60 bytes on the wire; the padding must not be forwarded. */
static void
test_padding_trimmed(void **state)
{
	struct frame f;
	struct pkt_meta p;
	struct rte_mbuf *m;
	unsigned len;

	(void)state;
	f_tcp(&f, RTE_TCP_ACK_FLAG, 0, 0);
	assert_int_equal(f.len, 54);
	memset(f.b + f.len, 0xee, 6);
	f.len = 60;
	m = to_mbuf(&f);
	assert_int_equal(pkt_parse(m, &p), 0);
	assert_int_equal(rte_pktmbuf_data_len(m), 54);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 54);
	assert_int_equal(p.ip_len, 40);
	rte_pktmbuf_free(m);
	/* UDP with a 1-byte payload: 43 bytes padded to 60. */
	f_udp(&f, 1);
	f.len = 60;
	assert_int_equal(parse(&f, &p, &len), 0);
	assert_int_equal(len, 43);
	assert_int_equal(p.ip_len, 29);
	/* A frame that ends where its IP packet does is left alone. */
	f_udp(&f, 1);
	assert_int_equal(parse(&f, &p, &len), 0);
	assert_int_equal(len, 43);
}

/* ---- bad frames, one reason each ---- */

static void
test_eth_truncated(void **state)
{
	struct frame f;

	(void)state;
	f_tcp(&f, RTE_TCP_SYN_FLAG, 0, 0);
	f.len = 13;
	expect_drop(&f, DROP_eth_truncated);
	f.len = 0;
	expect_drop(&f, DROP_eth_truncated);
	f.len = 1;
	expect_drop(&f, DROP_eth_truncated);
}

static void
test_unsupported_l3(void **state)
{
	static const uint16_t types[] = { RTE_ETHER_TYPE_VLAN, RTE_ETHER_TYPE_QINQ,
					  RTE_ETHER_TYPE_MPLS, 0x0000,
					  0x0008 /* the IPv4 type byte-swapped */ };
	struct frame f;
	struct pkt_meta p;
	struct rte_mbuf *m;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		f_tcp(&f, RTE_TCP_SYN_FLAG, 0, 0);
		((struct rte_ether_hdr *)f.b)->ether_type = rte_cpu_to_be_16(types[i]);
		expect_drop(&f, DROP_unsupported_l3);
	}
	/* IPv6 is the kind for pkt_parse6() (tests/unit/test_packet6.c) */
	f_tcp(&f, RTE_TCP_SYN_FLAG, 0, 0);
	((struct rte_ether_hdr *)f.b)->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	m = rte_pktmbuf_alloc(pool);
	memcpy(rte_pktmbuf_append(m, (uint16_t)f.len), f.b, f.len);
	assert_int_equal(pkt_parse(m, &p), 0);
	assert_int_equal(p.kind, PKT_IPV6);
	rte_pktmbuf_free(m);
}

static void
test_ip_truncated(void **state)
{
	struct frame f;

	(void)state;
	f_tcp(&f, RTE_TCP_SYN_FLAG, 0, 0);
	f.len = 14 + 19;
	expect_drop(&f, DROP_ip_truncated);
	f.len = 14;
	expect_drop(&f, DROP_ip_truncated);
}

static void
test_bad_ip_header(void **state)
{
	static const uint8_t vhl[] = { 0x44, 0x40, 0x41, 0x65, 0x45 ^ 0x70 /* version 3 */,
				       0x05, 0xf5 };
	struct frame f;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(vhl); i++) {
		f_tcp(&f, RTE_TCP_SYN_FLAG, 0, 0);
		f_ip(&f)->version_ihl = vhl[i];
		/* A checksum over the 20 bytes, so only the version/IHL byte is wrong. */
		f_ip(&f)->hdr_checksum = 0;
		f_ip(&f)->hdr_checksum = (uint16_t)~rte_raw_cksum(f_ip(&f), 20);
		expect_drop(&f, DROP_bad_ip_header);
	}
}

static void
test_bad_ip_length(void **state)
{
	struct frame f;

	(void)state;
	/* Total length one byte beyond the frame. */
	f_tcp(&f, RTE_TCP_SYN_FLAG, 0, 0);
	f_ip(&f)->total_length = RTE_BE16(41);
	f_fix_ip_csum(&f);
	expect_drop(&f, DROP_bad_ip_length);
	/* Far beyond. */
	f_ip(&f)->total_length = RTE_BE16(65535);
	f_fix_ip_csum(&f);
	expect_drop(&f, DROP_bad_ip_length);
	/* Shorter than the header it belongs to. */
	f_ip(&f)->total_length = RTE_BE16(19);
	f_fix_ip_csum(&f);
	expect_drop(&f, DROP_bad_ip_length);
	f_ip(&f)->total_length = 0;
	f_fix_ip_csum(&f);
	expect_drop(&f, DROP_bad_ip_length);
	/* IHL 15 (60 bytes of header) in a 40-byte packet: the length check, not options. */
	f_tcp(&f, RTE_TCP_SYN_FLAG, 0, 0);
	f_ip(&f)->version_ihl = 0x4f;
	f_ip(&f)->hdr_checksum = 0;
	f_ip(&f)->hdr_checksum = (uint16_t)~rte_raw_cksum(f_ip(&f), 20);
	expect_drop(&f, DROP_bad_ip_length);
}

static void
test_bad_ip_checksum(void **state)
{
	struct frame f;
	struct pkt_meta p;

	(void)state;
	f_tcp(&f, RTE_TCP_SYN_FLAG, 0, 0);
	assert_int_equal(parse(&f, &p, NULL), 0);
	f_ip(&f)->hdr_checksum ^= RTE_BE16(0x0001);
	expect_drop(&f, DROP_bad_ip_checksum);
	/* A changed field under the old checksum. */
	f_tcp(&f, RTE_TCP_SYN_FLAG, 0, 0);
	f_ip(&f)->time_to_live--;
	expect_drop(&f, DROP_bad_ip_checksum);
	/* A zero checksum is not "no checksum" in IPv4. */
	f_tcp(&f, RTE_TCP_SYN_FLAG, 0, 0);
	f_ip(&f)->hdr_checksum = 0;
	expect_drop(&f, DROP_bad_ip_checksum);
}

static void
test_ip_options(void **state)
{
	struct frame f;
	struct rte_ipv4_hdr *ip;
	uint8_t *l4;

	(void)state;
	/* IHL 6: four bytes of options (NOP NOP NOP EOL) before a good TCP header. */
	f_tcp(&f, RTE_TCP_SYN_FLAG, 0, 0);
	ip = f_ip(&f);
	l4 = (uint8_t *)(ip + 1);
	memmove(l4 + 4, l4, 20);
	l4[0] = l4[1] = l4[2] = 1;
	l4[3] = 0;
	ip->version_ihl = 0x46;
	f_set_len(&f, 44);
	expect_drop(&f, DROP_ip_options);
	/* Options are refused even with a bad checksum over them: options are checked first. */
	ip->hdr_checksum ^= 0xffff;
	expect_drop(&f, DROP_ip_options);
}

static void
test_ip_fragment(void **state)
{
	static const uint16_t frag[] = {
		RTE_IPV4_HDR_MF_FLAG,                            /* first fragment */
		RTE_IPV4_HDR_MF_FLAG | 185,                      /* a middle one */
		185,                                             /* the last one */
		1,                                               /* offset 8 bytes */
		RTE_IPV4_HDR_OFFSET_MASK,                        /* the largest offset */
		RTE_IPV4_HDR_DF_FLAG | 1,                        /* DF does not hide it */
	};
	struct frame f;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(frag) / sizeof(frag[0]); i++) {
		f_tcp(&f, RTE_TCP_SYN_FLAG, 0, 0);
		f_ip(&f)->fragment_offset = rte_cpu_to_be_16(frag[i]);
		f_fix_ip_csum(&f);
		expect_drop(&f, DROP_ip_fragment);
	}
	/* A non-first fragment carries no L4 header: it must not be parsed as one. */
	f_udp(&f, 0);
	f_ip(&f)->fragment_offset = RTE_BE16(3);
	f_set_len(&f, 20 + 4);
	expect_drop(&f, DROP_ip_fragment);
}

static void
test_l4_truncated(void **state)
{
	struct frame f;

	(void)state;
	/* The L4 header must fit inside the IP payload (total length), not just the frame. */
	f_tcp(&f, RTE_TCP_SYN_FLAG, 0, 0);
	f_set_len(&f, 20 + 19);
	expect_drop(&f, DROP_l4_truncated);
	f_tcp(&f, RTE_TCP_SYN_FLAG, 0, 0);
	f_set_len(&f, 20);
	expect_drop(&f, DROP_l4_truncated);
	/* Frame long enough (padding), IP payload too short: still truncated. */
	f_tcp(&f, RTE_TCP_SYN_FLAG, 0, 0);
	f_ip(&f)->total_length = RTE_BE16(20 + 10);
	f_fix_ip_csum(&f);
	expect_drop(&f, DROP_l4_truncated);
	f_udp(&f, 0);
	f_set_len(&f, 20 + 7);
	expect_drop(&f, DROP_l4_truncated);
	f_icmp(&f);
	f_set_len(&f, 20 + 7);
	expect_drop(&f, DROP_l4_truncated);
	f_icmp(&f);
	f_set_len(&f, 20);
	expect_drop(&f, DROP_l4_truncated);
}

static void
test_bad_tcp_header(void **state)
{
	static const uint8_t small[] = { 0x00, 0x10, 0x40, 0x4f };
	struct frame f;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(small); i++) {
		f_tcp(&f, RTE_TCP_SYN_FLAG, 0, 40);
		((struct rte_tcp_hdr *)f_l4(&f))->data_off = small[i];
		expect_drop(&f, DROP_bad_tcp_header);
	}
	/* A data offset of 24 bytes with only 20 bytes of TCP. */
	f_tcp(&f, RTE_TCP_SYN_FLAG, 0, 0);
	((struct rte_tcp_hdr *)f_l4(&f))->data_off = 0x60;
	expect_drop(&f, DROP_bad_tcp_header);
	/* 60 bytes claimed, 56 there. */
	f_tcp(&f, RTE_TCP_SYN_FLAG, 36, 0);
	((struct rte_tcp_hdr *)f_l4(&f))->data_off = 0xf0;
	expect_drop(&f, DROP_bad_tcp_header);
	/* The options exist in the frame (padding) but lie beyond the IP total length. */
	f_tcp(&f, RTE_TCP_SYN_FLAG, 4, 0);
	f_ip(&f)->total_length = RTE_BE16(40);
	f_fix_ip_csum(&f);
	expect_drop(&f, DROP_bad_tcp_header);
}

static void
test_unsupported_proto(void **state)
{
	static const uint8_t protos[] = { IPPROTO_GRE, IPPROTO_SCTP, IPPROTO_ESP, IPPROTO_IPIP,
					  IPPROTO_IPV6, 0, 255 };
	struct frame f;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(protos); i++) {
		f_ipv4(&f, protos[i], 40);
		expect_drop(&f, DROP_unsupported_proto);
	}
}

/* The reasons used above are the operator's words; they must stay distinct and named. */
static void
test_reasons_distinct(void **state)
{
	static const int reasons[] = {
		DROP_eth_truncated, DROP_unsupported_l3, DROP_ip_truncated, DROP_bad_ip_header,
		DROP_bad_ip_length, DROP_bad_ip_checksum, DROP_ip_options, DROP_ip_fragment,
		DROP_l4_truncated, DROP_bad_tcp_header, DROP_unsupported_proto,
	};
	static const char *const names[] = {
		"eth_truncated", "unsupported_l3", "ip_truncated", "bad_ip_header",
		"bad_ip_length", "bad_ip_checksum", "ip_options", "ip_fragment",
		"l4_truncated", "bad_tcp_header", "unsupported_proto",
	};
	unsigned i, j;

	(void)state;
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		assert_int_not_equal(reasons[i], DROP_NONE);
		assert_string_equal(drop_name((unsigned)reasons[i]), names[i]);
		for (j = 0; j < i; j++)
			assert_int_not_equal(reasons[i], reasons[j]);
	}
	assert_string_equal(drop_name(DROP_NONE), "none");
	assert_string_equal(drop_name(DROP_MAX), "unknown");
}

static int
setup(void **state)
{
	(void)state;
	test_eal_init();
	pool = rte_pktmbuf_pool_create("test_packet", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	return pool == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	unsigned in_use = rte_mempool_in_use_count(pool);

	(void)state;
	rte_mempool_free(pool);
	/* Every parse gave its mbuf back. */
	if (in_use != 0) {
		print_error("%u mbufs not freed\n", in_use);
		return -1;
	}
	return 0;
}

/*
 * pkt_grow opens a gap where the fewer bytes move: a short prefix goes into the headroom,
 * a short suffix into the tailroom; the bytes around the gap are the packet's, in order.
 */
static void
test_grow(void **state)
{
	static const struct { uint16_t off, len; int front; } cases[] = {
		{ 14, 20, 1 },   /* an outer IPv4 header after Ethernet: the 14 bytes move */
		{ 54, 16, 0 },   /* after a TCP header of a 100-byte frame: the 46 after it move */
		{ 40, 16, 1 },   /* earlier: the 40 before it move forward */
		{ 90, 8, 0 },    /* near the end: the 10 bytes after it move back */
		{ 0, 4, 1 },     /* in front */
		{ 100, 4, 0 },   /* at the end */
		{ 30, 0, 1 },    /* nothing */
	};
	uint8_t want[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, 100), *gap;
		uint16_t head = rte_pktmbuf_headroom(m);
		unsigned k;

		for (k = 0; k < 100; k++)
			d[k] = (uint8_t)k;
		gap = pkt_grow(m, cases[i].off, cases[i].len);
		assert_non_null(gap);
		assert_ptr_equal(gap, rte_pktmbuf_mtod_offset(m, uint8_t *, cases[i].off));
		assert_int_equal(m->data_len, 100 + cases[i].len);
		assert_int_equal(m->pkt_len, 100 + cases[i].len);
		if (cases[i].len)
			assert_int_equal(rte_pktmbuf_headroom(m),
					 cases[i].front ? head - cases[i].len : head);
		memset(gap, 0xee, cases[i].len);
		for (k = 0; k < cases[i].off; k++)
			want[k] = (uint8_t)k;
		memset(want + cases[i].off, 0xee, cases[i].len);
		for (k = cases[i].off; k < 100; k++)
			want[k + cases[i].len] = (uint8_t)k;
		assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), want, 100 + cases[i].len);
		rte_pktmbuf_free(m);
	}
}

/* No room either side, an offset past the data, a chain: NULL, the packet unchanged. */
static void
test_grow_refused(void **state)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool), *m2;
	uint16_t room = (uint16_t)(rte_pktmbuf_headroom(m) + rte_pktmbuf_tailroom(m));

	(void)state;
	assert_non_null(rte_pktmbuf_append(m, 60));
	assert_null(pkt_grow(m, 61, 4));
	assert_null(pkt_grow(m, 10, room));
	assert_int_equal(m->data_len, 60);
	/* the headroom alone, when the tailroom is short: still opens */
	assert_non_null(rte_pktmbuf_append(m, rte_pktmbuf_tailroom(m)));
	assert_non_null(pkt_grow(m, 40, 8));
	m2 = rte_pktmbuf_alloc(pool);
	assert_non_null(rte_pktmbuf_append(m2, 10));
	m->data_len = 60;
	m->pkt_len = 60;
	assert_int_equal(rte_pktmbuf_chain(m, m2), 0);
	assert_null(pkt_grow(m, 14, 20));
	rte_pktmbuf_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_good),
		cmocka_unit_test(test_tcp_options_payload),
		cmocka_unit_test(test_udp_good),
		cmocka_unit_test(test_icmp_good),
		cmocka_unit_test(test_arp_good),
		cmocka_unit_test(test_df_not_fragment),
		cmocka_unit_test(test_padding_trimmed),
		cmocka_unit_test(test_eth_truncated),
		cmocka_unit_test(test_unsupported_l3),
		cmocka_unit_test(test_ip_truncated),
		cmocka_unit_test(test_bad_ip_header),
		cmocka_unit_test(test_bad_ip_length),
		cmocka_unit_test(test_bad_ip_checksum),
		cmocka_unit_test(test_ip_options),
		cmocka_unit_test(test_ip_fragment),
		cmocka_unit_test(test_l4_truncated),
		cmocka_unit_test(test_bad_tcp_header),
		cmocka_unit_test(test_unsupported_proto),
		cmocka_unit_test(test_reasons_distinct),
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_grow_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
