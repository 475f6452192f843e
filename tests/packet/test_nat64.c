/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packet fixtures of NAT64 (issue 10, item 4): an IPv6 VIP over IPv4 backends. The client's
 * IPv6 packet leaves as IPv4 from the LIP (RFC 7915: TOS from the traffic class, TTL from
 * the hop limit - 1, DF above 1260 bytes, the header checksum, the L4 checksum patched for
 * the new pseudo header, a SYN's MSS lowered by 20); the backend's IPv4 answer leaves as
 * IPv6 from the VIP (and a UDP answer without checksum gets one); an answer over the client
 * side's MTU once translated is answered with fragmentation-needed; two workers hand the
 * answer to the LIP port's owner; an IPv4 FULLNAT conn never gets a NAT64 conn's tuple.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "env.h"
#include "errors.h"
#include "net/icmp.h"
#include "net/nd.h"
#include "test_eal.h"

#define VIP64 "2001:db8:100::64"

#define NAT64_SERVICES                                                                  \
	"  - vip: '[" VIP64 "]:80/tcp'\n"                                               \
	"    scheduler: rr\n"                                                           \
	"    backends: [{address: 10.0.2.11:8080}]\n"                                   \
	"  - vip: '[" VIP64 "]:53/udp'\n"                                               \
	"    backends: [{address: 10.0.2.21:53}]\n"

static struct env *
nat64_env(unsigned workers)
{
	struct env *e = env_new6_extra(workers, 4096, "", NAT64_SERVICES);
	unsigned i;

	for (i = 1; i < workers; i++)
		worker_set_time(e->dp->workers[i], e->w->s.now_ms);
	return e;
}

/* A TCP segment over IPv6 from client[:sport] to the NAT64 VIP: flags, an MSS option, data. */
static struct rte_mbuf *
seg(const char *client, uint16_t sport, uint8_t flags, uint16_t mss, unsigned len)
{
	static const uint8_t data[1500];
	uint8_t opts[4] = { 2, 4, (uint8_t)(mss >> 8), (uint8_t)mss };
	struct fx_l4 f = { .proto = IPPROTO_TCP, .src = client, .dst = VIP64, .sport = sport,
			   .dport = 80, .tcp_flags = flags, .opts = mss ? opts : NULL,
			   .opts_len = mss ? 4 : 0, .payload = data, .payload_len = len };
	struct rte_mbuf *m = fx_frame6(mp, &client_mac, &port_mac[0], &f);
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, PKT_IP_OFF);

	ip->vtc_flow = rte_cpu_to_be_32(6u << 28 | 0xb8u << 20); /* EF, kept as the TOS */
	return m;
}

/* The backend's IPv4 answer to the LIP: flags, an MSS option, data, DF as told. */
static struct rte_mbuf *
answer(uint16_t lport, uint8_t flags, uint16_t mss, unsigned len, int df)
{
	static const uint8_t data[1500];
	uint8_t opts[4] = { 2, 4, (uint8_t)(mss >> 8), (uint8_t)mss };
	struct fx_l4 f = { .proto = IPPROTO_TCP, .src = "10.0.2.11", .dst = "10.0.2.100",
			   .sport = 8080, .dport = lport, .tcp_flags = flags,
			   .opts = mss ? opts : NULL, .opts_len = mss ? 4 : 0, .payload = data,
			   .payload_len = len };
	struct rte_mbuf *m = fx_frame(mp, &be_mac, &port_mac[1], &f);

	if (!df) {
		ip_of(m)->fragment_offset = 0;
		ip_of(m)->hdr_checksum = 0;
		ip_of(m)->hdr_checksum = rte_ipv4_cksum(ip_of(m));
	}
	return m;
}

static uint16_t
mss_of(const uint8_t *tcp)
{
	assert_int_equal(tcp[20], 2);
	return (uint16_t)(tcp[22] << 8 | tcp[23]);
}

static struct conn *
conn64(struct worker *w, const char *client, uint16_t sport)
{
	struct conn_key6 k = { .sport = rte_cpu_to_be_16(sport), .dport = RTE_BE16(80),
			       .proto = IPPROTO_TCP };
	enum conn_dir dir;

	inet_pton(AF_INET6, client, k.saddr);
	inet_pton(AF_INET6, VIP64, k.daddr);
	return conn6_lookup(w->s.ct6, &k, &dir);
}

/*
 * A burst of 16 SYNs (MSS 1440) leaves as IPv4 SYNs from the LIP to the backend: TOS
 * 0xb8, TTL 63, no DF (small), the checksums right, the MSS 1420; the conns are IPv6 conns
 * keyed back by the IPv4-mapped reply tuple.
 */
static void
test_nat64_client_to_backend(void **state)
{
	struct env *e = nat64_env(1);
	struct rte_mbuf *in[16];
	unsigned i;

	(void)state;
	for (i = 0; i < 16; i++) {
		in[i] = seg("2001:db8:1::2", (uint16_t)(5000 + i), RTE_TCP_SYN_FLAG, 1440, 0);
		in[i]->port = 0;
	}
	pipeline_run(e->w, in, 16);
	assert_int_equal(e->w->s.out.n[1], 16);
	assert_int_equal(out_total(e->w), 16);
	for (i = 0; i < 16; i++) {
		struct rte_mbuf *m = e->w->s.out.pkts[1][i];
		const struct rte_ipv4_hdr *ip = ip_of(m);
		struct conn *c = conn64(e->w, "2001:db8:1::2", (uint16_t)(5000 + i));

		assert_non_null(c);
		assert_true(c->flags & CONN_F_V6);
		assert_true(c->flags & CONN_F_OUT);
		assert_int_equal(pkt_eth(m)->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV4));
		assert_memory_equal(&pkt_eth(m)->dst_addr, &be_mac, 6);
		assert_memory_equal(&pkt_eth(m)->src_addr, &port_mac[1], 6);
		assert_frame_ok(m);
		assert_tuple(m, "10.0.2.100", rte_be_to_cpu_16(c->lport), "10.0.2.11", 8080);
		assert_int_equal(ip->type_of_service, 0xb8);
		assert_int_equal(ip->time_to_live, 63);
		assert_int_equal(ip->fragment_offset, 0);
		assert_int_equal(ip->next_proto_id, IPPROTO_TCP);
		assert_int_equal(mss_of((const uint8_t *)(ip + 1)), 1420);
	}
	out_clear(e->w);
	/* data over 1260 bytes: DF set */
	run1(e->w, seg("2001:db8:1::2", 5000, RTE_TCP_ACK_FLAG, 0, 1300), 0);
	assert_frame_ok(out_one(e->w, 1));
	assert_int_equal(ip_of(e->w->s.out.pkts[1][0])->fragment_offset,
			 RTE_BE16(RTE_IPV4_HDR_DF_FLAG));
	env_free(e);
}

/*
 * The backend's SYN-ACK (MSS 1460) leaves as IPv6 from VIP:80 to the client: hop limit
 * 63, traffic class from the TOS, the TCP checksum right, the MSS 1440; the conn moves on.
 */
static void
test_nat64_backend_to_client(void **state)
{
	struct env *e = nat64_env(1);
	struct conn *c;
	const uint8_t *ip;
	uint8_t a[16];
	struct rte_mbuf *m;

	(void)state;
	run1(e->w, seg("2001:db8:1::3", 6000, RTE_TCP_SYN_FLAG, 1440, 0), 0);
	out_clear(e->w);
	c = conn64(e->w, "2001:db8:1::3", 6000);
	assert_non_null(c);
	m = answer(rte_be_to_cpu_16(c->lport), RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 1460, 0, 1);
	ip_of(m)->type_of_service = 0x28;
	ip_of(m)->hdr_checksum = 0;
	ip_of(m)->hdr_checksum = rte_ipv4_cksum(ip_of(m));
	run1(e->w, m, 1);
	m = out_one(e->w, 0);
	ip = ip6b(m);
	assert_int_equal(pkt_eth(m)->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV6));
	assert_memory_equal(&pkt_eth(m)->dst_addr, &client_mac, 6);
	assert_int_equal(rte_pktmbuf_data_len(m), PKT_IP_OFF + 40 + 24);
	assert_int_equal(ip[0] >> 4, 6);
	assert_int_equal(((ip[0] & 0xf) << 4) | (ip[1] >> 4), 0x28);
	assert_int_equal(ip[6], IPPROTO_TCP);
	assert_int_equal(ip[7], 63);
	inet_pton(AF_INET6, VIP64, a);
	assert_memory_equal(ip + 8, a, 16);
	inet_pton(AF_INET6, "2001:db8:1::3", a);
	assert_memory_equal(ip + 24, a, 16);
	assert_int_equal(rte_be_to_cpu_16(*(const uint16_t *)(ip + 40)), 80);
	assert_int_equal(rte_be_to_cpu_16(*(const uint16_t *)(ip + 42)), 6000);
	assert_int_equal(fx_l4_sum6(ip + 8, ip + 24, IPPROTO_TCP, ip + 40, 24), 0xffff);
	assert_int_equal(mss_of(ip + 40), 1440);
	assert_int_equal(c->state, TCP_S_SYN_RECV);
	out_clear(e->w);
	/* the client's ACK establishes it */
	run1(e->w, seg("2001:db8:1::3", 6000, RTE_TCP_ACK_FLAG, 0, 0), 0);
	out_one(e->w, 1);
	assert_int_equal(c->state, TCP_S_ESTABLISHED);
	env_free(e);
}

/*
 * An answer of 1500 bytes would be 1520 as IPv6: with DF the backend gets fragmentation-
 * needed with 1480 (too_big), without it it is dropped (too_big_no_df); 1480 bytes go.
 */
static void
test_nat64_answer_too_big(void **state)
{
	struct env *e = nat64_env(1);
	const struct rte_ipv4_hdr *ip;
	const struct rte_icmp_hdr *ic;
	struct rte_mbuf *m;
	struct conn *c;
	uint32_t info;
	uint16_t lport;

	(void)state;
	run1(e->w, seg("2001:db8:1::4", 6001, RTE_TCP_SYN_FLAG, 1440, 0), 0);
	out_clear(e->w);
	c = conn64(e->w, "2001:db8:1::4", 6001);
	lport = rte_be_to_cpu_16(c->lport);
	run1(e->w, answer(lport, RTE_TCP_ACK_FLAG, 0, 1460, 1), 1);
	m = out_one(e->w, 1);
	assert_frame_ok(m);
	ip = ip_of(m);
	assert_int_equal(ip->src_addr, fx_ip("10.0.2.1"));
	assert_int_equal(ip->dst_addr, fx_ip("10.0.2.11"));
	ic = (const struct rte_icmp_hdr *)(ip + 1);
	assert_int_equal(ic->icmp_type, ICMP4_DEST_UNREACH);
	assert_int_equal(ic->icmp_code, ICMP4_FRAG_NEEDED);
	memcpy(&info, &ic->icmp_ident, 4);
	assert_int_equal(rte_be_to_cpu_32(info), 1480);
	assert_int_equal(e->w->s.st.drops[DROP_too_big], 1);
	out_clear(e->w);
	run1(e->w, answer(lport, RTE_TCP_ACK_FLAG, 0, 1460, 0), 1);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.drops[DROP_too_big_no_df], 1);
	run1(e->w, answer(lport, RTE_TCP_ACK_FLAG, 0, 1440, 1), 1);
	m = out_one(e->w, 0);
	assert_int_equal(rte_pktmbuf_data_len(m), PKT_IP_OFF + 1500);
	assert_int_equal(fx_l4_sum6(ip6b(m) + 8, ip6b(m) + 24, IPPROTO_TCP, ip6b(m) + 40,
				    20 + 1440), 0xffff);
	env_free(e);
}

/* UDP: to the backend and back; an IPv4 answer without checksum gets one as IPv6. */
static void
test_nat64_udp(void **state)
{
	struct env *e = nat64_env(1);
	struct fx_l4 f = { .proto = IPPROTO_UDP, .src = "2001:db8:1::5", .dst = VIP64,
			   .sport = 4444, .dport = 53, .payload = "query", .payload_len = 5 };
	struct rte_mbuf *m;
	const uint8_t *ip;
	uint16_t lport;

	(void)state;
	run1(e->w, fx_frame6(mp, &client_mac, &port_mac[0], &f), 0);
	m = out_one(e->w, 1);
	assert_frame_ok(m);
	lport = sport_of(m);
	assert_tuple(m, "10.0.2.100", lport, "10.0.2.21", 53);
	out_clear(e->w);
	f = (struct fx_l4){ .proto = IPPROTO_UDP, .src = "10.0.2.21", .dst = "10.0.2.100",
			    .sport = 53, .dport = lport, .payload = "answer!", .payload_len = 7 };
	m = fx_frame(mp, &be_mac, &port_mac[1], &f);
	((struct rte_udp_hdr *)(ip_of(m) + 1))->dgram_cksum = 0; /* none, as IPv4 allows */
	run1(e->w, m, 1);
	ip = ip6b(out_one(e->w, 0));
	assert_int_equal(ip[6], IPPROTO_UDP);
	assert_int_equal(rte_be_to_cpu_16(*(const uint16_t *)(ip + 40)), 53);
	assert_int_equal(rte_be_to_cpu_16(*(const uint16_t *)(ip + 42)), 4444);
	assert_int_not_equal(*(const uint16_t *)(ip + 46), 0);
	assert_int_equal(fx_l4_sum6(ip + 8, ip + 24, IPPROTO_UDP, ip + 40, 8 + 7), 0xffff);
	env_free(e);
}

/*
 * A burst of 16 answers of 16 NAT64 conns, one to a LIP port no conn holds and one of an
 * IPv4 FULLNAT conn, in one burst: the NAT64 ones are looked up together after the rest and
 * each leaves as IPv6 to its client; the stray one is no_conn.
 */
static void
test_nat64_answers_in_a_burst(void **state)
{
	struct env *e = nat64_env(1);
	struct rte_mbuf *in[18];
	uint16_t lport[16];
	unsigned i, got[16] = { 0 };
	struct conn *c;
	uint16_t l4;

	(void)state;
	for (i = 0; i < 16; i++) {
		run1(e->w, seg("2001:db8:1::a", (uint16_t)(8000 + i), RTE_TCP_SYN_FLAG, 1440, 0), 0);
		out_clear(e->w);
		lport[i] = rte_be_to_cpu_16(conn64(e->w, "2001:db8:1::a", (uint16_t)(8000 + i))->lport);
	}
	run1(e->w, tcp("10.0.1.2", 9000, "10.0.0.10", 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
	c = conn_lookup(e->w->s.ct, &(struct conn_key){ .saddr = fx_ip("10.0.1.2"),
			.daddr = fx_ip("10.0.0.10"), .sport = RTE_BE16(9000), .dport = RTE_BE16(80),
			.proto = IPPROTO_TCP }, &(enum conn_dir){ 0 });
	assert_non_null(c);
	l4 = rte_be_to_cpu_16(c->lport);
	out_clear(e->w);
	for (i = 0; i < 16; i++) {
		in[i] = answer(lport[i], RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 1460, 0, 1);
		in[i]->port = 1;
	}
	in[16] = answer(60000, RTE_TCP_ACK_FLAG, 0, 0, 1); /* no conn holds it */
	in[16]->port = 1;
	in[17] = tcp(c->daddr == fx_ip("10.0.2.11") ? "10.0.2.11" : "10.0.2.12", 8080,
		     "10.0.2.100", l4, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, &be_mac, 1);
	in[17]->port = 1;
	pipeline_run(e->w, in, 18);
	assert_int_equal(e->w->s.out.n[0], 17);
	assert_int_equal(e->w->s.st.drops[DROP_no_conn], 1);
	for (i = 0; i < 17; i++) {
		struct rte_mbuf *m = e->w->s.out.pkts[0][i];

		if (pkt_eth(m)->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
			assert_tuple(m, "10.0.0.10", 80, "10.0.1.2", 9000); /* FULLNAT's, first */
			assert_int_equal(i, 0);
			continue;
		}
		got[rte_be_to_cpu_16(*(const uint16_t *)(ip6b(m) + 42)) - 8000]++;
		assert_int_equal(fx_l4_sum6(ip6b(m) + 8, ip6b(m) + 24, IPPROTO_TCP, ip6b(m) + 40, 24),
				 0xffff);
	}
	for (i = 0; i < 16; i++)
		assert_int_equal(got[i], 1);
	env_free(e);
}

/* Two workers: the answer that worker 0 receives for worker 1's LIP port goes there. */
static void
test_nat64_two_workers(void **state)
{
	struct env *e = nat64_env(2);
	struct worker *w0 = e->dp->workers[0], *w1 = e->dp->workers[1];
	struct rte_mbuf *m;
	struct conn *c;

	(void)state;
	run1(w1, seg("2001:db8:1::6", 7001, RTE_TCP_SYN_FLAG, 1440, 0), 0);
	out_one(w1, 1);
	out_clear(w1);
	c = conn64(w1, "2001:db8:1::6", 7001);
	assert_non_null(c);
	assert_int_equal(rte_be_to_cpu_16(c->lport) & 1, 1); /* worker 1's slice */
	run1(w0, answer(rte_be_to_cpu_16(c->lport), RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 1460, 0,
			1), 1);
	assert_int_equal(w0->s.out.n_handoff[1], 1);
	m = w0->s.out.handoff[1][0];
	w0->s.out.n_handoff[1] = 0;
	pipeline_run(w1, &m, 1);
	m = out_one(w1, 0);
	assert_int_equal(rte_be_to_cpu_16(*(const uint16_t *)(ip6b(m) + 42)), 7001);
	env_free(e);
}

/*
 * The IPv4 pool's tuples are shared: an IPv4 FULLNAT conn to the same backend never gets
 * the (LIP, port) a NAT64 conn holds, though it asks for the same port first.
 */
static void
test_nat64_tuple_not_shared(void **state)
{
	struct env *e = nat64_env(1);
	struct conn *c64, *c4;
	unsigned k;

	(void)state;
	run1(e->w, seg("2001:db8:1::7", 5555, RTE_TCP_SYN_FLAG, 1440, 0), 0);
	out_clear(e->w);
	c64 = conn64(e->w, "2001:db8:1::7", 5555);
	assert_int_equal(c64->lport, RTE_BE16(5555)); /* the client's own */
	/* two IPv4 clients with that port: rr sends one to 10.0.2.11, NAT64's backend */
	for (k = 2; k < 4; k++) {
		char cl[16];
		struct conn_key key = { .daddr = fx_ip("10.0.0.10"), .sport = RTE_BE16(5555),
					.dport = RTE_BE16(80), .proto = IPPROTO_TCP };
		enum conn_dir dir;

		snprintf(cl, sizeof(cl), "10.0.1.%u", k);
		run1(e->w, tcp(cl, 5555, "10.0.0.10", 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
		out_clear(e->w);
		key.saddr = fx_ip(cl);
		c4 = conn_lookup(e->w->s.ct, &key, &dir);
		assert_non_null(c4);
		if (c4->daddr == fx_ip("10.0.2.11"))
			assert_int_not_equal(c4->lport, RTE_BE16(5555));
		else
			assert_int_equal(c4->lport, RTE_BE16(5555));
	}
	env_free(e);
}

/* A whole TCP segment's checksum (header of len bytes, IPv4 pseudo header) is right. */
static void
assert_tcp4_sum(const struct rte_ipv4_hdr *ip, const void *tcp, unsigned len)
{
	struct rte_ipv4_hdr h = *ip;
	uint32_t sum;

	h.total_length = rte_cpu_to_be_16((uint16_t)(20 + len));
	sum = rte_ipv4_phdr_cksum(&h, 0) + rte_raw_cksum(tcp, len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
}

/*
 * A router's packet-too-big (MTU 1400) about what the node sent the client (VIP:80 ->
 * client) reaches the backend as fragmentation-needed with 1380, from the LIP, about what
 * the backend sent (backend:8080 -> LIP:lport); every checksum right, the quoted TCP's too.
 */
static void
test_nat64_icmp6_to_backend(void **state)
{
	struct env *e = nat64_env(1);
	struct fx_l4 f = { .proto = IPPROTO_TCP, .src = VIP64, .dst = "2001:db8:1::8",
			   .sport = 80, .dport = 7100,
			   .tcp_flags = RTE_TCP_ACK_FLAG };
	const struct rte_ipv4_hdr *ip, *in;
	const struct rte_icmp_hdr *ic;
	const struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	struct conn *c;
	uint32_t info;

	(void)state;
	run1(e->w, seg("2001:db8:1::8", 7100, RTE_TCP_SYN_FLAG, 1440, 0), 0);
	out_clear(e->w);
	c = conn64(e->w, "2001:db8:1::8", 7100);
	m = icmp6_error("2001:db8:1::fe", VIP64, ICMP6_PACKET_TOO_BIG, 0, 1400,
			fx_frame6(mp, &be_mac, &port_mac[0], &f), 40 + 20);
	run1(e->w, m, 0);
	m = out_one(e->w, 1);
	assert_frame_ok(m);
	assert_memory_equal(&pkt_eth(m)->dst_addr, &be_mac, 6);
	ip = ip_of(m);
	assert_int_equal(ip->src_addr, fx_ip("10.0.2.100"));
	assert_int_equal(ip->dst_addr, fx_ip("10.0.2.11"));
	ic = (const struct rte_icmp_hdr *)(ip + 1);
	assert_int_equal(ic->icmp_type, ICMP4_DEST_UNREACH);
	assert_int_equal(ic->icmp_code, ICMP4_FRAG_NEEDED);
	memcpy(&info, &ic->icmp_ident, 4);
	assert_int_equal(rte_be_to_cpu_32(info), 1380);
	assert_int_equal(rte_raw_cksum(ic, rte_be_to_cpu_16(ip->total_length) - 20), 0xffff);
	in = (const struct rte_ipv4_hdr *)(ic + 1);
	assert_int_equal(rte_raw_cksum(in, 20), 0xffff);
	assert_int_equal(in->src_addr, fx_ip("10.0.2.11"));
	assert_int_equal(in->dst_addr, fx_ip("10.0.2.100"));
	assert_int_equal(rte_be_to_cpu_16(in->total_length), 40);
	th = (const struct rte_tcp_hdr *)(in + 1);
	assert_int_equal(th->src_port, RTE_BE16(8080));
	assert_int_equal(th->dst_port, c->lport);
	assert_tcp4_sum(in, th, 20);
	assert_int_equal(e->w->s.st.icmp_relayed, 1);
	env_free(e);
}

/*
 * The backend's port-unreachable about what the node sent it (LIP:lport -> backend:8080)
 * reaches the client as ICMPv6 port-unreachable from the VIP, about what the client sent
 * (client -> VIP:80); a fragmentation-needed (1400) as packet-too-big 1420; an ICMP type
 * RFC 7915 does not translate is dropped as icmp_unhandled.
 */
static void
test_nat64_icmp4_to_client(void **state)
{
	static const struct {
		uint8_t type, code;
		uint32_t info;
		uint8_t type6, code6;
		uint32_t info6;
	} cases[] = {
		{ ICMP4_DEST_UNREACH, 3, 0, ICMP6_DEST_UNREACH, 4, 0 },
		{ ICMP4_DEST_UNREACH, ICMP4_FRAG_NEEDED, 1400, ICMP6_PACKET_TOO_BIG, 0, 1420 },
		{ ICMP4_TIME_EXCEEDED, 0, 0, ICMP6_TIME_EXCEEDED, 0, 0 },
		{ ICMP4_PARAM_PROBLEM, 0, 9u << 24, ICMP6_PARAM_PROBLEM, 0, 6 },
	};
	struct env *e = nat64_env(1);
	struct conn *c;
	uint8_t a[16];
	unsigned k;

	(void)state;
	run1(e->w, seg("2001:db8:1::9", 7200, RTE_TCP_SYN_FLAG, 1440, 0), 0);
	out_clear(e->w);
	c = conn64(e->w, "2001:db8:1::9", 7200);
	for (k = 0; k < RTE_DIM(cases); k++) {
		struct rte_mbuf *q = tcp("10.0.2.100", rte_be_to_cpu_16(c->lport), "10.0.2.11",
					 8080, RTE_TCP_SYN_FLAG, &port_mac[1], 1);
		struct rte_mbuf *m = icmp_error("10.0.2.11", "10.0.2.100", cases[k].type,
						cases[k].code, rte_cpu_to_be_32(cases[k].info), q,
						20 + 20, 1);
		const uint8_t *ip;
		uint32_t info;

		run1(e->w, m, 1);
		m = out_one(e->w, 0);
		ip = ip6b(m);
		assert_int_equal(ip[6], IP6_ICMPV6);
		inet_pton(AF_INET6, VIP64, a);
		assert_memory_equal(ip + 8, a, 16);
		inet_pton(AF_INET6, "2001:db8:1::9", a);
		assert_memory_equal(ip + 24, a, 16);
		assert_int_equal(ip[40], cases[k].type6);
		assert_int_equal(ip[41], cases[k].code6);
		memcpy(&info, ip + 44, 4);
		assert_int_equal(rte_be_to_cpu_32(info), cases[k].info6);
		assert_int_equal(fx_sum6(ip + 8, ip + 24, ip + 40, 8 + 40 + 20), 0xffff);
		/* the quote: client:7200 -> VIP:80, its TCP checksum right */
		assert_memory_equal(ip + 48 + 8, a, 16);
		inet_pton(AF_INET6, VIP64, a);
		assert_memory_equal(ip + 48 + 24, a, 16);
		assert_int_equal(rte_be_to_cpu_16(*(const uint16_t *)(ip + 88)), 7200);
		assert_int_equal(rte_be_to_cpu_16(*(const uint16_t *)(ip + 90)), 80);
		assert_int_equal(fx_l4_sum6(ip + 56, ip + 72, IPPROTO_TCP, ip + 88, 20), 0xffff);
		out_clear(e->w);
	}
	/* source quench: not translated */
	run1(e->w, icmp_error("10.0.2.11", "10.0.2.100", ICMP4_SOURCE_QUENCH, 0, 0,
			      tcp("10.0.2.100", rte_be_to_cpu_16(c->lport), "10.0.2.11", 8080,
				  RTE_TCP_SYN_FLAG, &port_mac[1], 1), 20 + 20, 1), 1);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.drops[DROP_icmp_unhandled], 1);
	assert_int_equal(e->w->s.st.icmp_relayed, RTE_DIM(cases));
	env_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nat64_client_to_backend),
		cmocka_unit_test(test_nat64_backend_to_client),
		cmocka_unit_test(test_nat64_answer_too_big),
		cmocka_unit_test(test_nat64_udp),
		cmocka_unit_test(test_nat64_answers_in_a_burst),
		cmocka_unit_test(test_nat64_two_workers),
		cmocka_unit_test(test_nat64_tuple_not_shared),
		cmocka_unit_test(test_nat64_icmp6_to_backend),
		cmocka_unit_test(test_nat64_icmp4_to_client),
	};

	ENV_RUN(tests);
}
