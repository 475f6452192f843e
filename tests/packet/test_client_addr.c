/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client address through pipeline_run() (forward/client_addr.h): the PROXY header's
 * bytes (v1, v2; IPv4, IPv6, NAT64) in front of the client's first data, and nothing
 * before it; the client's later numbers moved forward toward the backend, the backend's
 * acknowledgements and SACK blocks moved back toward the client; a retransmitted first
 * segment given the header again, once; a first segment at the backend's MSS followed by
 * its header in a segment of its own; the numbers past 2^31 bytes; a bad checksum kept bad;
 * with the SYN proxy; a burst of conns; an ICMP error from the backend's side quoting a
 * shifted segment reaches the client in the client's numbers. TOA in the SYN and the first ACK (IPv4, IPv6), left
 * out where the options are full. UDP's PROXY v2 datagram header, the replies untouched.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "env.h"
#include "errors.h"
#include "net/icmp.h"
#include "packet/proxy_hdr.h"
#include "tcp_seg.h"
#include "test_eal.h"

#define TCP_BACKENDS "    backends: [{address: 10.0.2.11:8080}, {address: 10.0.2.12:8080}]\n"
#define UDP_BACKENDS "    backends: [{address: 10.0.2.21:53}]\n"
#define CL "10.0.1.2"
#define VIP "10.0.0.10"
#define LIP "10.0.2.100"
#define CL6 "2001:db8:1::2"
#define LIP6 "2001:db8:2::100"

/* A conn under test: its client side, and the backend side the node chose. */
struct tc {
	bool v6, be4;     /* the client's family; NAT64: an IPv4 backend side */
	const char *cl, *vip, *lip;
	char be[64];
	uint16_t cport, vport, lport;
	uint16_t slot;    /* the service's counters slot */
};

static struct rte_tcp_hdr *
th_of(struct rte_mbuf *m, bool v6)
{
	return tcp_of(m, v6);
}

/* The TCP payload of output frame m and its length. */
static const uint8_t *
data_of(struct rte_mbuf *m, bool v6, unsigned *len)
{
	struct rte_tcp_hdr *th = th_of(m, v6);
	unsigned l3 = v6 ? 40 + rte_be_to_cpu_16(pkt_ip6(m)->payload_len)
			 : rte_be_to_cpu_16(ip_of(m)->total_length);
	unsigned hl = (th->data_off >> 4) * 4u;

	*len = l3 - (v6 ? 40 : 20) - hl;
	return (const uint8_t *)th + hl;
}

/* A segment from the client (data len bytes of pattern from off); what leaves toward the
 * backend stays in the worker's output. */
static void
from_client(struct env *e, const struct tc *t, uint8_t flags, uint32_t seq, uint32_t ack,
	    unsigned off, unsigned len, const uint8_t *opts, unsigned olen)
{
	run1(e->w, seg(&(struct seg){ .v6 = t->v6, .src = t->cl, .dst = t->vip, .sport = t->cport,
				      .dport = t->vport, .flags = flags, .seq = seq, .ack = ack,
				      .data = pattern + off, .len = len, .opts = opts,
				      .olen = olen }), 0);
}

static void
from_backend(struct env *e, const struct tc *t, uint8_t flags, uint32_t seq, uint32_t ack,
	     unsigned len, const uint8_t *opts, unsigned olen)
{
	run1(e->w, seg(&(struct seg){ .v6 = t->v6 && !t->be4, .src = t->be, .dst = t->lip,
				      .sport = 8080, .dport = t->lport, .flags = flags, .seq = seq,
				      .ack = ack, .data = pattern, .len = len, .opts = opts,
				      .olen = olen, .port = 1 }), 1);
}

/* The one frame toward the backend, its checksums checked. */
static struct rte_mbuf *
to_backend(struct env *e, const struct tc *t)
{
	struct rte_mbuf *m = out_one(e->w, 1);

	frame_ok(m, t->v6 && !t->be4);
	return m;
}

static struct rte_mbuf *
to_client(struct env *e, const struct tc *t)
{
	struct rte_mbuf *m = out_one(e->w, 0);

	frame_ok(m, t->v6);
	return m;
}

/*
 * The handshake, client ISN 1000 and backend ISN 5000 (its SYN-ACK announcing mss): nothing
 * moves. Notes the backend and the LIP port the node chose.
 */
static void
handshake(struct env *e, struct tc *t, uint16_t mss)
{
	struct tcp_syn_opts so = { .mss = mss };
	uint8_t o[TCP_SYN_OPT_LEN];
	bool bv6 = t->v6 && !t->be4;
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;

	from_client(e, t, RTE_TCP_SYN_FLAG, 1000, 0, 0, 0, NULL, 0);
	m = to_backend(e, t);
	th = th_of(m, bv6);
	assert_int_equal(rte_be_to_cpu_32(th->sent_seq), 1000);
	t->lport = rte_be_to_cpu_16(th->src_port);
	if (bv6)
		inet_ntop(AF_INET6, pkt_ip6(m)->dst_addr, t->be, sizeof(t->be));
	else
		inet_ntop(AF_INET, &ip_of(m)->dst_addr, t->be, sizeof(t->be));
	out_clear(e->w);
	from_backend(e, t, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 5000, 1001, 0, o,
		     tcp_opts_write_syn(o, &so));
	assert_int_equal(rte_be_to_cpu_32(th_of(to_client(e, t), t->v6)->recv_ack), 1001);
	out_clear(e->w);
	from_client(e, t, RTE_TCP_ACK_FLAG, 1001, 5001, 0, 0, NULL, 0);
	assert_int_equal(rte_be_to_cpu_32(th_of(to_backend(e, t), bv6)->sent_seq), 1001);
	out_clear(e->w);
}

/* The first data (len bytes at 1001) reaches the backend as hdr (n bytes) and the data. */
static void
assert_first_data(struct env *e, const struct tc *t, const void *hdr, unsigned n, unsigned len)
{
	bool bv6 = t->v6 && !t->be4;
	struct rte_mbuf *m = to_backend(e, t);
	const uint8_t *d;
	unsigned got;

	assert_int_equal(rte_be_to_cpu_32(th_of(m, bv6)->sent_seq), 1001);
	d = data_of(m, bv6, &got);
	assert_int_equal(got, n + len);
	assert_memory_equal(d, hdr, n);
	assert_memory_equal(d + n, pattern, len);
	out_clear(e->w);
}

/* NOP NOP SACK with the blocks [l0, r0) and [l1, r1). */
static unsigned
sack_opts(uint8_t *o, uint32_t l0, uint32_t r0, uint32_t l1, uint32_t r1)
{
	uint32_t v[4] = { rte_cpu_to_be_32(l0), rte_cpu_to_be_32(r0), rte_cpu_to_be_32(l1),
			  rte_cpu_to_be_32(r1) };

	o[0] = o[1] = TCP_OPT_NOP;
	o[2] = TCP_OPT_SACK;
	o[3] = 18;
	memcpy(o + 4, v, 16);
	return 20;
}

/*
 * After the first data (100 bytes) went with its header of n bytes: the numbers both ways,
 * SACK blocks, a partial ACK of the header, the retransmitted first segment.
 */
static void
check_shifted(struct env *e, const struct tc *t, const void *hdr, unsigned n)
{
	bool bv6 = t->v6 && !t->be4;
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	uint8_t o[20];
	uint32_t v[4];
	unsigned len;

	/* the backend acknowledges the header and the data: the client, its 100 bytes */
	from_backend(e, t, RTE_TCP_ACK_FLAG, 5001, 1001 + n + 100, 0, NULL, 0);
	assert_int_equal(rte_be_to_cpu_32(th_of(to_client(e, t), t->v6)->recv_ack), 1101);
	out_clear(e->w);
	/* part of the header only: none of the client's bytes */
	from_backend(e, t, RTE_TCP_ACK_FLAG, 5001, 1001 + 5, 0, NULL, 0);
	assert_int_equal(rte_be_to_cpu_32(th_of(to_client(e, t), t->v6)->recv_ack), 1001);
	out_clear(e->w);
	/* data with SACK blocks of the backend's numbers: the client's */
	from_backend(e, t, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, 5001, 1001 + n + 100, 50, o,
		     sack_opts(o, 1001 + n + 200, 1001 + n + 300, 1001 + n + 400,
			       1001 + n + 500));
	m = to_client(e, t);
	th = th_of(m, t->v6);
	assert_int_equal(rte_be_to_cpu_32(th->sent_seq), 5001);
	assert_int_equal(rte_be_to_cpu_32(th->recv_ack), 1101);
	memcpy(v, (uint8_t *)(th + 1) + 4, 16);
	assert_int_equal(rte_be_to_cpu_32(v[0]), 1201);
	assert_int_equal(rte_be_to_cpu_32(v[1]), 1301);
	assert_int_equal(rte_be_to_cpu_32(v[2]), 1401);
	assert_int_equal(rte_be_to_cpu_32(v[3]), 1501);
	assert_memory_equal(data_of(m, t->v6, &len), pattern, 50);
	out_clear(e->w);
	/* the client's next segment moves forward by the header, its data as it was */
	from_client(e, t, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, 1101, 5051, 100, 200, NULL, 0);
	m = to_backend(e, t);
	assert_int_equal(rte_be_to_cpu_32(th_of(m, bv6)->sent_seq), 1101 + n);
	assert_int_equal(rte_be_to_cpu_32(th_of(m, bv6)->recv_ack), 5051);
	assert_memory_equal(data_of(m, bv6, &len), pattern + 100, 200);
	assert_int_equal(len, 200);
	out_clear(e->w);
	/* the first segment again (a retransmission): its header again, once */
	from_client(e, t, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, 1001, 5051, 0, 100, NULL, 0);
	assert_first_data(e, t, hdr, n, 100);
	/* a pure ACK at the first byte (an old one): not moved */
	from_client(e, t, RTE_TCP_ACK_FLAG, 1001, 5051, 0, 0, NULL, 0);
	assert_int_equal(rte_be_to_cpu_32(th_of(to_backend(e, t), bv6)->sent_seq), 1001);
	out_clear(e->w);
	assert_int_equal(dp_svc_defense(e->dp, 0, t->slot)->ca_headers, 2);
	assert_int_equal(dp_svc_defense(e->dp, 0, t->slot)->ca_split, 0);
}

static void
test_proxy_v1_ipv4(void **state)
{
	struct env *e = env_new_sub(1, 1024, "", TCP_BACKENDS,
				    TCP_BACKENDS "    client_address: proxy-v1\n");
	struct tc t = { .cl = CL, .vip = VIP, .lip = LIP, .cport = 40000, .vport = 80 };
	static const char hdr[] = "PROXY TCP4 10.0.1.2 10.0.0.10 40000 80\r\n";

	(void)state;
	for (unsigned i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + 3);
	handshake(e, &t, 1460);
	from_client(e, &t, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, 1001, 5001, 0, 100, NULL, 0);
	assert_first_data(e, &t, hdr, sizeof(hdr) - 1, 100);
	check_shifted(e, &t, hdr, sizeof(hdr) - 1);
	env_free(e);
}

/* v2 over IPv6: the binary block of family INET6, written out byte by byte here. */
static void
test_proxy_v2_ipv6(void **state)
{
	struct env *e = env_new6_extra(1, 1024, "",
				       "  - vip: '[" ENV6_VIP "]:81/tcp'\n"
				       "    client_address: proxy-v2\n"
				       "    backends: [{address: '[2001:db8:2::11]:8080'}]\n");
	struct tc t = { .v6 = true, .cl = CL6, .vip = ENV6_VIP, .lip = LIP6, .cport = 40001,
			.vport = 81, .slot = 4 };
	uint8_t hdr[PROXY_V2_LEN6] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55,
				       0x49, 0x54, 0x0a, 0x21, 0x21, 0x00, 36 };

	(void)state;
	inet_pton(AF_INET6, CL6, hdr + 16);
	inet_pton(AF_INET6, ENV6_VIP, hdr + 32);
	hdr[48] = 40001 >> 8, hdr[49] = 40001 & 0xff, hdr[50] = 0, hdr[51] = 81;
	handshake(e, &t, 1440);
	from_client(e, &t, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, 1001, 5001, 0, 100, NULL, 0);
	assert_first_data(e, &t, hdr, sizeof(hdr), 100);
	check_shifted(e, &t, hdr, sizeof(hdr));
	env_free(e);
}

/* NAT64: the client's IPv6 addresses in a TCP6 line, to an IPv4 backend. */
static void
test_proxy_v1_nat64(void **state)
{
	struct env *e = env_new6_extra(1, 1024, "",
				       "  - vip: '[" ENV6_VIP "]:82/tcp'\n"
				       "    client_address: proxy-v1\n"
				       "    backends: [{address: 10.0.2.11:8080}]\n");
	struct tc t = { .v6 = true, .be4 = true, .cl = CL6, .vip = ENV6_VIP, .lip = LIP,
			.cport = 40002, .vport = 82, .slot = 4 };
	static const char hdr[] = "PROXY TCP6 2001:db8:1::2 2001:db8:100::10 40002 82\r\n";

	(void)state;
	handshake(e, &t, 1460);
	from_client(e, &t, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, 1001, 5001, 0, 100, NULL, 0);
	assert_first_data(e, &t, hdr, sizeof(hdr) - 1, 100);
	check_shifted(e, &t, hdr, sizeof(hdr) - 1);
	env_free(e);
}

/*
 * A first segment the header does not fit beside (the backend's MSS 1000, the segment
 * 990 bytes, then one of the link's MTU with the MSS unknown): the header alone first, then
 * the data moved past it, both whole.
 */
static void
test_split_at_mss(void **state)
{
	struct env *e = env_new_sub(1, 1024, "", TCP_BACKENDS,
				    TCP_BACKENDS "    client_address: proxy-v2\n");
	struct tc t = { .cl = CL, .vip = VIP, .lip = LIP, .cport = 40003, .vport = 80 };
	uint8_t hdr[PROXY_V2_LEN4];
	union addr46 s = addr46_from_v4(fx_ip(CL)), d = addr46_from_v4(fx_ip(VIP));
	unsigned n = proxy_v2_write(hdr, false, &s, &d, rte_cpu_to_be_16(40003),
				    rte_cpu_to_be_16(80)), len, round;
	const uint8_t *p;
	struct rte_mbuf *m;

	(void)state;
	for (round = 0; round < 2; round++) {
		/* round 0: MSS 1000, 990 bytes; round 1: no MSS, 1460 bytes (a full frame) */
		unsigned data = round == 0 ? 990 : 1460;

		t.cport = (uint16_t)(40003 + round);
		n = proxy_v2_write(hdr, false, &s, &d, rte_cpu_to_be_16(t.cport),
				   rte_cpu_to_be_16(80));
		handshake(e, &t, round == 0 ? 1000 : 0);
		/* round 1's segment also ends the client's side: the FIN stays with the data */
		from_client(e, &t, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG | (round ? RTE_TCP_FIN_FLAG : 0),
			    1001, 5001, 0, data, NULL, 0);
		assert_int_equal(e->w->s.out.n[1], 2);
		m = e->w->s.out.pkts[1][0];
		assert_frame_ok(m);
		assert_int_equal(rte_be_to_cpu_32(th_of(m, false)->sent_seq), 1001);
		assert_int_equal(th_of(m, false)->tcp_flags, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG);
		p = data_of(m, false, &len);
		assert_int_equal(len, n);
		assert_memory_equal(p, hdr, n);
		m = e->w->s.out.pkts[1][1];
		assert_frame_ok(m);
		assert_int_equal(rte_be_to_cpu_32(th_of(m, false)->sent_seq), 1001 + n);
		assert_int_equal(th_of(m, false)->tcp_flags & RTE_TCP_FIN_FLAG,
				 round ? RTE_TCP_FIN_FLAG : 0);
		p = data_of(m, false, &len);
		assert_int_equal(len, data);
		assert_memory_equal(p, pattern, data);
		out_clear(e->w);
		/* one byte less than the room: in the same segment (its retransmission, shorter) */
		from_client(e, &t, RTE_TCP_ACK_FLAG, 1001, 5001, 0,
			    (round == 0 ? 1000 : 1460) - n, NULL, 0);
		assert_first_data(e, &t, hdr, n, (round == 0 ? 1000 : 1460) - n);
	}
	assert_int_equal(dp_svc_defense(e->dp, 0, 0)->ca_headers, 4);
	assert_int_equal(dp_svc_defense(e->dp, 0, 0)->ca_split, 2);
	env_free(e);
}

/*
 * Past 2^31 bytes: a segment 2^30 + 10 bytes on (the window's largest reach) still moves,
 * and so do those more than 2^31 on, where a plain comparison with the first byte would
 * have them before it; the backend's ACKs of them move back.
 */
static void
test_far_numbers(void **state)
{
	struct env *e = env_new_sub(1, 1024, "", TCP_BACKENDS,
				    TCP_BACKENDS "    client_address: proxy-v1\n");
	struct tc t = { .cl = CL, .vip = VIP, .lip = LIP, .cport = 4005, .vport = 80 };
	static const char hdr[] = "PROXY TCP4 10.0.1.2 10.0.0.10 4005 80\r\n"; /* odd */
	uint32_t n = sizeof(hdr) - 1, far[3] = { 1001u + (1u << 30) + 10, 1001u + (1u << 31) + 10,
						    1001u + (3u << 30) };
	unsigned i;

	(void)state;
	handshake(e, &t, 1460);
	from_client(e, &t, RTE_TCP_ACK_FLAG, 1001, 5001, 0, 10, NULL, 0);
	assert_first_data(e, &t, hdr, n, 10);
	for (i = 0; i < 3; i++) {
		from_client(e, &t, RTE_TCP_ACK_FLAG, far[i], 5001, 0, 10, NULL, 0);
		assert_int_equal(rte_be_to_cpu_32(th_of(to_backend(e, &t), false)->sent_seq),
				 far[i] + n);
		out_clear(e->w);
		from_backend(e, &t, RTE_TCP_ACK_FLAG, 5001, far[i] + n + 10, 0, NULL, 0);
		assert_int_equal(rte_be_to_cpu_32(th_of(to_client(e, &t), false)->recv_ack),
				 far[i] + 10);
		out_clear(e->w);
	}
	env_free(e);
}

/*
 * Fragmentation-needed from the backend's side about a segment the node sent it: relayed to
 * the client about the client's own segment, its sequence number back in the client's
 * numbers (Linux ignores an error quoting a number it has not in flight), the quote's
 * checksum still right.
 */
static void
test_icmp_quote(void **state)
{
	struct env *e = env_new_sub(1, 1024, "", TCP_BACKENDS,
				    TCP_BACKENDS "    client_address: proxy-v1\n");
	struct tc t = { .cl = CL, .vip = VIP, .lip = LIP, .cport = 40008, .vport = 80 };
	static const char hdr[] = "PROXY TCP4 10.0.1.2 10.0.0.10 40008 80\r\n";
	uint32_t n = sizeof(hdr) - 1, sum;
	struct rte_ipv4_hdr *in;
	struct rte_tcp_hdr *th;
	struct rte_icmp_hdr *ic;
	struct rte_mbuf *m;

	(void)state;
	handshake(e, &t, 1460);
	from_client(e, &t, RTE_TCP_ACK_FLAG, 1001, 5001, 0, 100, NULL, 0);
	assert_first_data(e, &t, hdr, n, 100);
	m = seg(&(struct seg){ .src = LIP, .dst = t.be, .sport = t.lport, .dport = 8080,
			       .flags = RTE_TCP_ACK_FLAG, .seq = 1101 + n, .ack = 5001,
			       .port = 1 });
	run1(e->w, icmp_error(t.be, LIP, ICMP4_DEST_UNREACH, 4, rte_cpu_to_be_32(1200), m, 40, 1),
	     1);
	m = out_one(e->w, 0);
	assert_frame_ok(m);
	ic = (struct rte_icmp_hdr *)(ip_of(m) + 1);
	assert_int_equal(ic->icmp_type, ICMP4_DEST_UNREACH);
	in = (struct rte_ipv4_hdr *)(ic + 1);
	th = (struct rte_tcp_hdr *)(in + 1);
	assert_int_equal(in->src_addr, fx_ip(CL));
	assert_int_equal(rte_be_to_cpu_16(th->src_port), 40008);
	assert_int_equal(rte_be_to_cpu_32(th->sent_seq), 1101);
	sum = rte_ipv4_phdr_cksum(in, 0) + rte_raw_cksum(th, 20);
	sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal((sum & 0xffff) + (sum >> 16), 0xffff);
	out_clear(e->w);
	env_free(e);

	/* NAT64: the IPv4 error becomes an ICMPv6 one quoting the client's IPv6 segment */
	e = env_new6_extra(1, 1024, "", "  - vip: '[" ENV6_VIP "]:82/tcp'\n"
					"    client_address: proxy-v1\n"
					"    backends: [{address: 10.0.2.11:8080}]\n");
	{
		static const char hdr6[] = "PROXY TCP6 2001:db8:1::2 2001:db8:100::10 40009 82\r\n";
		struct tc t6 = { .v6 = true, .be4 = true, .cl = CL6, .vip = ENV6_VIP, .lip = LIP,
				 .cport = 40009, .vport = 82, .slot = 4 };
		const uint8_t *q;

		n = sizeof(hdr6) - 1;
		handshake(e, &t6, 1460);
		from_client(e, &t6, RTE_TCP_ACK_FLAG, 1001, 5001, 0, 100, NULL, 0);
		assert_first_data(e, &t6, hdr6, n, 100);
		m = seg(&(struct seg){ .src = LIP, .dst = t6.be, .sport = t6.lport, .dport = 8080,
				       .flags = RTE_TCP_ACK_FLAG, .seq = 1101 + n, .ack = 5001,
				       .port = 1 });
		run1(e->w, icmp_error(t6.be, LIP, ICMP4_DEST_UNREACH, 4, rte_cpu_to_be_32(1200), m,
				      40, 1), 1);
		m = out_one(e->w, 0);
		q = rte_pktmbuf_mtod_offset(m, const uint8_t *, 14 + 40 + 8); /* the quote */
		assert_int_equal(q[0] >> 4, 6);
		th = (struct rte_tcp_hdr *)(uintptr_t)(q + 40);
		assert_int_equal(rte_be_to_cpu_16(th->src_port), 40009);
		assert_int_equal(rte_be_to_cpu_32(th->sent_seq), 1101);
		out_clear(e->w);
	}
	env_free(e);
}

/*
 * A first segment whose checksum is wrong leaves with a wrong one (an odd v1 header), and so
 * does the header's own segment made from a full one.
 */
static void
test_bad_checksum_kept(void **state)
{
	struct env *e = env_new_sub(1, 1024, "", TCP_BACKENDS,
				    TCP_BACKENDS "    client_address: proxy-v1\n");
	struct tc t = { .cl = CL, .vip = VIP, .lip = LIP, .cport = 4006, .vport = 80 };
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;
	uint32_t sum;

	(void)state;
	handshake(e, &t, 1460);
	m = seg(&(struct seg){ .src = CL, .dst = VIP, .sport = 4006, .dport = 80,
			       .flags = RTE_TCP_ACK_FLAG, .seq = 1001, .ack = 5001,
			       .data = pattern, .len = 333 });
	tcp_of(m, false)->cksum ^= 0x0101;
	run1(e->w, m, 0);
	m = out_one(e->w, 1);
	ip = ip_of(m);
	/* "PROXY TCP4 10.0.1.2 10.0.0.10 4006 80\r\n": 39 bytes, the data moved to odd places */
	assert_int_equal(rte_be_to_cpu_16(ip->total_length), 20 + 20 + 333 + 39);
	sum = rte_ipv4_phdr_cksum(ip, 0) + rte_raw_cksum(ip + 1, 20 + 333 + 39);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	assert_int_not_equal(sum, 0xffff);
	out_clear(e->w);
	/* a full first segment, split: the header's own segment is no better than its source */
	t.cport = 4007;
	handshake(e, &t, 1460);
	m = seg(&(struct seg){ .src = CL, .dst = VIP, .sport = 4007, .dport = 80,
			       .flags = RTE_TCP_ACK_FLAG, .seq = 1001, .ack = 5001,
			       .data = pattern, .len = 1460 });
	tcp_of(m, false)->cksum ^= 0x0101;
	run1(e->w, m, 0);
	assert_int_equal(e->w->s.out.n[1], 2);
	for (unsigned k = 0; k < 2; k++) {
		ip = ip_of(e->w->s.out.pkts[1][k]);
		sum = rte_ipv4_phdr_cksum(ip, 0) +
		      rte_raw_cksum(ip + 1, rte_be_to_cpu_16(ip->total_length) - 20u);
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		assert_int_not_equal(sum, 0xffff);
	}
	out_clear(e->w);
	env_free(e);
}

/*
 * A burst of 32 conns' first data in one pipeline_run(): each its own header, of an odd
 * length (a 4-digit port) or an even one.
 */
static void
test_burst(void **state)
{
	struct env *e = env_new_sub(1, 1024, "", TCP_BACKENDS,
				    TCP_BACKENDS "    client_address: proxy-v1\n");
	struct tc t[32];
	struct rte_mbuf *b[32];
	unsigned i, len;

	(void)state;
	for (i = 0; i < 32; i++) {
		t[i] = (struct tc){ .cl = CL, .vip = VIP, .lip = LIP,
				    .cport = (uint16_t)((i & 1) ? 41000 + i : 4000 + i),
				    .vport = 80 };
		handshake(e, &t[i], 1460);
		b[i] = seg(&(struct seg){ .src = CL, .dst = VIP, .sport = t[i].cport, .dport = 80,
					  .flags = RTE_TCP_ACK_FLAG, .seq = 1001, .ack = 5001,
					  .data = pattern, .len = 500 + i });
		b[i]->port = 0;
	}
	pipeline_run(e->w, b, 32);
	assert_int_equal(e->w->s.out.n[1], 32);
	for (i = 0; i < 32; i++) {
		struct rte_mbuf *m = e->w->s.out.pkts[1][i];
		char hdr[64];
		int n;
		const uint8_t *d = data_of(m, false, &len);

		assert_frame_ok(m);
		n = snprintf(hdr, sizeof(hdr), "PROXY TCP4 10.0.1.2 10.0.0.10 %u 80\r\n",
			     t[i].cport);
		assert_int_equal(len, (unsigned)n + 500 + i);
		assert_memory_equal(d, hdr, (size_t)n);
		assert_memory_equal(d + n, pattern, 500 + i);
	}
	out_clear(e->w);
	/* the conns' side lines are prefetched while any is live: counted till they go */
	assert_int_equal(e->w->s.ca_live, 32);
	worker_set_time(e->w, 3600ull * 1000);
	conn_expire(e->w->s.ct, e->w->s.now, UINT_MAX);
	assert_int_equal(conn_count(e->w->s.ct), 0);
	assert_int_equal(e->w->s.ca_live, 0);
	env_free(e);
}

/*
 * Through the SYN proxy: the node's SYN and ACK to the backend carry nothing; the client's
 * data, held until the backend answered, leaves with the header in front; the backend's ACK
 * of it reaches the client in the client's numbers and the cookie's.
 */
static void
test_with_synproxy(void **state)
{
	struct env *e = env_new_sub(1, 1024, "", TCP_BACKENDS,
				    TCP_BACKENDS "    client_address: proxy-v1\n"
						 "    defense: {synproxy: true}\n");
	static const char hdr[] = "PROXY TCP4 10.0.1.2 10.0.0.10 40007 80\r\n";
	struct tc t = { .cl = CL, .vip = VIP, .lip = LIP, .cport = 40007, .vport = 80 };
	uint32_t n = sizeof(hdr) - 1, cookie, bisn = 90000;
	struct tcp_syn_opts so = { .mss = 1460 };
	uint8_t o[TCP_SYN_OPT_LEN];
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	unsigned len;

	(void)state;
	from_client(e, &t, RTE_TCP_SYN_FLAG, 1000, 0, 0, 0, NULL, 0);
	cookie = rte_be_to_cpu_32(th_of(out_one(e->w, 0), false)->sent_seq);
	out_clear(e->w);
	/* the cookie's ACK with data: the node's SYN goes out, the data waits */
	from_client(e, &t, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, 1001, cookie + 1, 0, 100, NULL, 0);
	m = out_one(e->w, 1);
	th = th_of(m, false);
	assert_int_equal(th->tcp_flags, RTE_TCP_SYN_FLAG);
	assert_int_equal(rte_be_to_cpu_32(th->sent_seq), 1000);
	t.lport = rte_be_to_cpu_16(th->src_port);
	inet_ntop(AF_INET, &ip_of(m)->dst_addr, t.be, sizeof(t.be));
	out_clear(e->w);
	from_backend(e, &t, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, bisn, 1001, 0, o,
		     tcp_opts_write_syn(o, &so));
	assert_int_equal(e->w->s.out.n[1], 2);
	m = e->w->s.out.pkts[1][0]; /* the node's ACK: nothing added */
	assert_frame_ok(m);
	assert_int_equal(rte_be_to_cpu_32(th_of(m, false)->sent_seq), 1001);
	data_of(m, false, &len);
	assert_int_equal(len, 0);
	m = e->w->s.out.pkts[1][1]; /* the held data, its header in front */
	assert_frame_ok(m);
	assert_int_equal(rte_be_to_cpu_32(th_of(m, false)->sent_seq), 1001);
	assert_int_equal(rte_be_to_cpu_32(th_of(m, false)->recv_ack), bisn + 1);
	assert_memory_equal(data_of(m, false, &len), hdr, n);
	assert_int_equal(len, n + 100);
	out_clear(e->w);
	from_backend(e, &t, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, bisn + 1, 1001 + n + 100, 20,
		     NULL, 0);
	th = th_of(to_client(e, &t), false);
	assert_int_equal(rte_be_to_cpu_32(th->sent_seq), cookie + 1);
	assert_int_equal(rte_be_to_cpu_32(th->recv_ack), 1101);
	out_clear(e->w);
	from_client(e, &t, RTE_TCP_ACK_FLAG, 1101, cookie + 21, 100, 10, NULL, 0);
	th = th_of(to_backend(e, &t), false);
	assert_int_equal(rte_be_to_cpu_32(th->sent_seq), 1101 + n);
	assert_int_equal(rte_be_to_cpu_32(th->recv_ack), bisn + 21);
	out_clear(e->w);
	env_free(e);
}

/* The TOA option of a segment toward the backend: present (its port and address) or not. */
static void
assert_toa(struct rte_mbuf *m, bool v6, bool want, const struct tc *t)
{
	struct rte_tcp_hdr *th = th_of(m, v6);
	uint8_t *o = (uint8_t *)(th + 1), *end = tcp_opts_end(th), *p = NULL, *q;
	uint8_t ip[16];

	while ((q = tcp_opt_next(&o, end)) != NULL)
		if (q[0] == TOA_KIND)
			p = q;
	if (!want) {
		assert_null(p);
		return;
	}
	assert_non_null(p);
	assert_int_equal(p[1], t->v6 ? TOA_LEN6 : TOA_LEN4);
	assert_int_equal(p[2] << 8 | p[3], t->cport);
	inet_pton(t->v6 ? AF_INET6 : AF_INET, t->cl, ip);
	assert_memory_equal(p + 4, ip, t->v6 ? 16 : 4);
}

/*
 * TOA: in the SYN (beside the client's 20 bytes of options) and the first ACK, not later;
 * the MSS option kept; a SYN whose options leave no room goes without, counted.
 */
static void
toa_family(bool v6)
{
	struct env *e = v6 ? env_new6_extra(1, 1024, "",
					    "  - vip: '[" ENV6_VIP "]:81/tcp'\n"
					    "    client_address: toa\n"
					    "    backends: [{address: '[2001:db8:2::11]:8080'}]\n")
			   : env_new_sub(1, 1024, "", TCP_BACKENDS,
					 TCP_BACKENDS "    client_address: toa\n");
	struct tc t = { .v6 = v6, .cl = v6 ? CL6 : CL, .vip = v6 ? ENV6_VIP : VIP,
			.lip = v6 ? LIP6 : LIP, .cport = 40010, .vport = v6 ? 81 : 80,
			.slot = v6 ? 4 : 0 };
	struct tcp_syn_opts so = { .mss = 1460, .sack_ok = 1, .ts_ok = 1, .tsval = 7,
				   .ws_ok = 1, .wscale = 7 }, got;
	uint8_t o[40];
	struct rte_mbuf *m;
	unsigned olen = tcp_opts_write_syn(o, &so), len;

	from_client(e, &t, RTE_TCP_SYN_FLAG, 1000, 0, 0, 0, o, olen);
	m = to_backend(e, &t);
	assert_toa(m, v6, true, &t);
	tcp_opts_parse_syn(th_of(m, v6), &got);
	assert_int_equal(got.mss, 1460);
	assert_int_equal(got.wscale, 7);
	assert_true(got.ts_ok && got.sack_ok);
	t.lport = rte_be_to_cpu_16(th_of(m, v6)->src_port);
	if (v6)
		inet_ntop(AF_INET6, pkt_ip6(m)->dst_addr, t.be, sizeof(t.be));
	else
		inet_ntop(AF_INET, &ip_of(m)->dst_addr, t.be, sizeof(t.be));
	out_clear(e->w);
	from_backend(e, &t, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 5000, 1001, 0, NULL, 0);
	out_clear(e->w);
	from_client(e, &t, RTE_TCP_ACK_FLAG, 1001, 5001, 0, 0, NULL, 0);
	assert_toa(to_backend(e, &t), v6, true, &t);
	out_clear(e->w);
	from_client(e, &t, RTE_TCP_ACK_FLAG, 1001, 5001, 0, 300, NULL, 0);
	m = to_backend(e, &t);
	assert_toa(m, v6, false, &t);
	assert_memory_equal(data_of(m, v6, &len), pattern, 300);
	assert_int_equal(rte_be_to_cpu_32(th_of(m, v6)->sent_seq), 1001);
	out_clear(e->w);
	/* a SYN of 40 bytes of options: no room, sent as it came */
	memset(o + olen, TCP_OPT_NOP, 40 - olen);
	t.cport = 40011;
	from_client(e, &t, RTE_TCP_SYN_FLAG, 1000, 0, 0, 0, o, 40);
	m = to_backend(e, &t);
	assert_toa(m, v6, false, &t);
	assert_int_equal(th_of(m, v6)->data_off >> 4, 15);
	out_clear(e->w);
	assert_int_equal(dp_svc_defense(e->dp, 0, t.slot)->toa_added, 2);
	assert_int_equal(dp_svc_defense(e->dp, 0, t.slot)->toa_skipped, 1);
	env_free(e);
}

static void
test_toa(void **state)
{
	(void)state;
	toa_family(false);
	toa_family(true);
}

/* UDP: every datagram toward the backend starts with the v2 DGRAM block; replies as sent. */
static void
test_udp_proxy_v2(void **state)
{
	struct env *e = env_new_sub(1, 1024, "", UDP_BACKENDS,
				    UDP_BACKENDS "    client_address: proxy-v2\n");
	uint8_t hdr[PROXY_V2_LEN4];
	union addr46 s = addr46_from_v4(fx_ip(CL)), d = addr46_from_v4(fx_ip(VIP));
	unsigned n = proxy_v2_write(hdr, true, &s, &d, rte_cpu_to_be_16(5353),
				    rte_cpu_to_be_16(53)), i;
	uint16_t lport = 0;

	(void)state;
	assert_int_equal(hdr[13], 0x12); /* INET, DGRAM */
	for (i = 0; i < 3; i++) {
		struct fx_l4 f = { .proto = IPPROTO_UDP, .src = CL, .dst = VIP, .sport = 5353,
				   .dport = 53, .payload = pattern, .payload_len = 100 + i };
		struct rte_mbuf *m;
		struct rte_udp_hdr *uh;

		run1(e->w, fx_frame(mp, &client_mac, &port_mac[0], &f), 0);
		m = out_one(e->w, 1);
		assert_frame_ok(m);
		uh = (struct rte_udp_hdr *)(ip_of(m) + 1);
		assert_int_equal(rte_be_to_cpu_16(uh->dgram_len), 8 + n + 100 + i);
		assert_memory_equal(uh + 1, hdr, n);
		assert_memory_equal((uint8_t *)(uh + 1) + n, pattern, 100 + i);
		lport = rte_be_to_cpu_16(uh->src_port);
		out_clear(e->w);
	}
	/* the answer: as the backend sent it, to the client */
	{
		struct fx_l4 f = { .proto = IPPROTO_UDP, .src = "10.0.2.21", .dst = LIP, .sport = 53,
				   .dport = lport, .payload = pattern, .payload_len = 77 };
		struct rte_mbuf *m;
		struct rte_udp_hdr *uh;

		run1(e->w, fx_frame(mp, &be_mac, &port_mac[1], &f), 1);
		m = out_one(e->w, 0);
		assert_frame_ok(m);
		uh = (struct rte_udp_hdr *)(ip_of(m) + 1);
		assert_int_equal(rte_be_to_cpu_16(uh->dgram_len), 8 + 77);
		assert_memory_equal(uh + 1, pattern, 77);
		out_clear(e->w);
	}
	assert_int_equal(dp_svc_defense(e->dp, 0, 1)->ca_headers, 3);
	/* a datagram the header would push past the MTU: not sent, the client told 1500 - n */
	{
		struct fx_l4 f = { .proto = IPPROTO_UDP, .src = CL, .dst = VIP, .sport = 5353,
				   .dport = 53, .payload = pattern, .payload_len = 1472 };
		struct rte_mbuf *m;
		struct rte_icmp_hdr *ic;

		run1(e->w, fx_frame(mp, &client_mac, &port_mac[0], &f), 0);
		m = out_one(e->w, 0);
		assert_frame_ok(m);
		ic = (struct rte_icmp_hdr *)(ip_of(m) + 1);
		assert_int_equal(ic->icmp_type, 3);
		assert_int_equal(ic->icmp_code, 4);
		assert_int_equal(rte_be_to_cpu_16(ic->icmp_seq_nb), 1500 - n);
		out_clear(e->w);
		assert_int_equal(e->w->s.st.drops[DROP_too_big], 1);
	}
	env_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proxy_v1_ipv4),
		cmocka_unit_test(test_proxy_v2_ipv6),
		cmocka_unit_test(test_proxy_v1_nat64),
		cmocka_unit_test(test_split_at_mss),
		cmocka_unit_test(test_far_numbers),
		cmocka_unit_test(test_bad_checksum_kept),
		cmocka_unit_test(test_icmp_quote),
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_with_synproxy),
		cmocka_unit_test(test_toa),
		cmocka_unit_test(test_udp_proxy_v2),
	};

	ENV_RUN(tests);
}
