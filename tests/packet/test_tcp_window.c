/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The blind-reset guard (flow/tcp_window.h) through pipeline_run(): a RST or a SYN whose
 * sequence number is far from its side's edge is dropped and counted and leaves the conn as
 * it was, in bursts too; a RST near the edge (the sender's next sequence number, or an
 * acknowledgement of data in flight) ends the conn as before; the tolerance grows with the
 * data in flight; the handshake's own retransmissions pass. IPv4 and IPv6.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "env.h"
#include "test_eal.h"

#define CL "10.0.1.2"
#define VIP "10.0.0.10"
#define LIP "10.0.2.100"
#define CL6 "2001:db8:1::2"
#define LIP6 "2001:db8:2::100"

static const uint8_t zeros[1400];

/* A TCP segment with its own sequence and acknowledgement numbers and len bytes of data. */
static struct rte_mbuf *
seg(bool v6, const char *src, uint16_t sport, const char *dst, uint16_t dport, uint8_t flags,
    uint32_t seq, uint32_t ack, unsigned len, unsigned port)
{
	struct fx_l4 f = { .proto = IPPROTO_TCP, .src = src, .dst = dst, .sport = sport,
			   .dport = dport, .tcp_flags = flags, .payload = zeros,
			   .payload_len = len };
	const struct rte_ether_addr *smac = port == 0 ? &client_mac : &be_mac;
	struct rte_mbuf *m = v6 ? fx_frame6(mp, smac, &port_mac[port], &f)
				: fx_frame(mp, smac, &port_mac[port], &f);
	struct rte_tcp_hdr *th;

	assert_true(len <= sizeof(zeros));
	if (v6) {
		struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14);

		th = (struct rte_tcp_hdr *)(ip + 1);
		th->sent_seq = rte_cpu_to_be_32(seq);
		th->recv_ack = rte_cpu_to_be_32(ack);
		th->cksum = 0;
		th->cksum = rte_ipv6_udptcp_cksum(ip, th);
	} else {
		struct rte_ipv4_hdr *ip = ip_of(m);

		th = (struct rte_tcp_hdr *)(ip + 1);
		th->sent_seq = rte_cpu_to_be_32(seq);
		th->recv_ack = rte_cpu_to_be_32(ack);
		th->cksum = 0;
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	}
	return m;
}

/* The port the last packet out toward the backend left from (the LIP port). */
static uint16_t
lport_of(struct worker *w, bool v6)
{
	struct rte_mbuf *m = out_one(w, 1);
	unsigned off = 14 + (v6 ? 40 : 20);

	return rte_be_to_cpu_16(*rte_pktmbuf_mtod_offset(m, uint16_t *, off));
}

struct hs {
	bool v6;
	const char *cl, *vip, *be, *lip;
	uint16_t cport, lport;
	uint32_t cseq, bseq; /* each side's next sequence number after the handshake */
};

/*
 * A handshake from client port cport: client ISN 100000, backend ISN 500000. The backend
 * is the one the conn went to; both edges known after it.
 */
static struct conn *
handshake(struct env *e, struct hs *h)
{
	const struct rte_ipv6_hdr *ip6;
	struct conn *c;
	enum conn_dir dir;

	run1(e->w, seg(h->v6, h->cl, h->cport, h->vip, 80, RTE_TCP_SYN_FLAG, 100000, 0, 0, 0), 0);
	h->lport = lport_of(e->w, h->v6);
	if (h->v6) {
		static char be6[64];

		ip6 = rte_pktmbuf_mtod_offset(out_one(e->w, 1), const struct rte_ipv6_hdr *, 14);
		inet_ntop(AF_INET6, ip6->dst_addr, be6, sizeof(be6));
		h->be = be6;
	} else {
		h->be = ip_of(out_one(e->w, 1))->dst_addr == fx_ip("10.0.2.11") ? "10.0.2.11"
										   : "10.0.2.12";
	}
	out_clear(e->w);
	run1(e->w, seg(h->v6, h->be, 8080, h->lip, h->lport, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG,
		       500000, 100001, 0, 1), 1);
	assert_int_equal(out_total(e->w), 1);
	out_clear(e->w);
	run1(e->w, seg(h->v6, h->cl, h->cport, h->vip, 80, RTE_TCP_ACK_FLAG, 100001, 500001, 0,
		       0), 0);
	assert_int_equal(out_total(e->w), 1);
	out_clear(e->w);
	h->cseq = 100001;
	h->bseq = 500001;
	if (h->v6) {
		struct conn_key6 k = { .sport = rte_cpu_to_be_16(h->cport), .dport = RTE_BE16(80),
				       .proto = IPPROTO_TCP };

		inet_pton(AF_INET6, h->cl, k.saddr);
		inet_pton(AF_INET6, h->vip, k.daddr);
		c = conn6_lookup(e->w->s.ct6, &k, &dir);
	} else {
		c = conn4_of(e->w, h->cl, h->cport, h->vip, 80, IPPROTO_TCP);
	}
	assert_non_null(c);
	assert_int_equal(c->state, TCP_S_ESTABLISHED);
	return c;
}

static uint64_t
drops(struct env *e, unsigned reason)
{
	return e->w->s.st.drops[reason];
}

/* Blind RSTs from either side, one at a time and in a burst: dropped, counted, conn kept. */
static void
blind_rst(bool v6)
{
	struct env *e = v6 ? env_new6(1, 1024) : env_new(1, 1024);
	struct hs h = { .v6 = v6, .cl = v6 ? CL6 : CL, .vip = v6 ? ENV6_VIP : VIP,
			.lip = v6 ? LIP6 : LIP, .cport = 40000 };
	struct rte_mbuf *burst[32];
	struct conn *c = handshake(e, &h);
	unsigned i;

	/* the 4-tuple right, the sequence number 1 MiB off: from the client, from the backend */
	run1(e->w, seg(v6, h.cl, h.cport, h.vip, 80, RTE_TCP_RST_FLAG, h.cseq + (1u << 20), 0, 0,
		       0), 0);
	run1(e->w, seg(v6, h.be, 8080, h.lip, h.lport, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG,
		       h.bseq - (1u << 20), h.cseq, 0, 1), 1);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(drops(e, DROP_tcp_rst_out_of_window), 2);
	assert_int_equal(c->state, TCP_S_ESTABLISHED);
	/* a flood of guesses spread over the sequence space, in one burst */
	for (i = 0; i < 32; i++) {
		burst[i] = seg(v6, h.cl, h.cport, h.vip, 80, RTE_TCP_RST_FLAG,
			       h.cseq + (1u << 18) + i * (0xfff00000u / 32), 0, 0, 0);
		burst[i]->port = 0;
	}
	pipeline_run(e->w, burst, 32);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(drops(e, DROP_tcp_rst_out_of_window), 34);
	assert_int_equal(c->state, TCP_S_ESTABLISHED);
	/* data still flows */
	run1(e->w, seg(v6, h.cl, h.cport, h.vip, 80, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, h.cseq,
		       h.bseq, 100, 0), 0);
	assert_int_equal(out_total(e->w), 1);
	out_clear(e->w);
	h.cseq += 100;
	/* the client's own RST, at its next sequence number: forwarded, the conn closes */
	run1(e->w, seg(v6, h.cl, h.cport, h.vip, 80, RTE_TCP_RST_FLAG, h.cseq, 0, 0, 0), 0);
	assert_int_equal(out_total(e->w), 1);
	out_clear(e->w);
	assert_int_equal(c->state, TCP_S_CLOSE);
	assert_int_equal(drops(e, DROP_tcp_rst_out_of_window), 34);
	env_free(e);
}

static void
test_blind_rst(void **state)
{
	(void)state;
	blind_rst(false);
}

static void
test_blind_rst6(void **state)
{
	(void)state;
	blind_rst(true);
}

/*
 * The backend's RST answering old data carries the client's last acknowledgement, far
 * behind its edge when much is in flight: accepted once the node saw that much in flight,
 * refused on a conn that never had it.
 */
static void
test_rst_within_flight(void **state)
{
	struct env *e = env_new(1, 1024);
	struct hs a = { .cl = CL, .vip = VIP, .lip = LIP, .cport = 40001 };
	struct hs b = { .cl = CL, .vip = VIP, .lip = LIP, .cport = 40002 };
	struct conn *ca = handshake(e, &a), *cb;
	uint32_t sent = 0;

	(void)state;
	/* a: the backend sends 2 MB (1400-byte segments, one every 64 KiB of sequence space
	 * shown here), the client acknowledges only the first bytes */
	while (sent < (2u << 20)) {
		run1(e->w, seg(false, a.be, 8080, a.lip, a.lport, RTE_TCP_ACK_FLAG, a.bseq + sent,
			       a.cseq, 1400, 1), 1);
		sent += 65536;
	}
	run1(e->w, seg(false, a.cl, a.cport, a.vip, 80, RTE_TCP_ACK_FLAG, a.cseq, a.bseq + 1400,
		       0, 0), 0);
	assert_int_equal(out_total(e->w), 2u * 1024 * 1024 / 65536 + 1);
	out_clear(e->w);
	/* the backend's RST at the client's acknowledgement: 2 MB behind its edge, in window */
	run1(e->w, seg(false, a.be, 8080, a.lip, a.lport, RTE_TCP_RST_FLAG, a.bseq + 1400, 0, 0,
		       1), 1);
	assert_int_equal(out_total(e->w), 1);
	out_clear(e->w);
	assert_int_equal(ca->state, TCP_S_CLOSE);

	/* b: nothing in flight; the same RST 2 MB behind is a guess */
	cb = handshake(e, &b);
	run1(e->w, seg(false, b.be, 8080, b.lip, b.lport, RTE_TCP_RST_FLAG, b.bseq - (2u << 20),
		       0, 0, 1), 1);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(cb->state, TCP_S_ESTABLISHED);
	assert_int_equal(drops(e, DROP_tcp_rst_out_of_window), 1);
	env_free(e);
}

/*
 * A SYN on an established conn far from the client's edge: dropped and counted, the conn
 * untouched. A retransmitted SYN during the handshake and a RST from a backend refusing the
 * SYN (its edge unknown) pass as before.
 */
static void
test_syn_out_of_window(void **state)
{
	struct env *e = env_new(1, 1024);
	struct hs h = { .cl = CL, .vip = VIP, .lip = LIP, .cport = 40003 };
	struct conn *c = handshake(e, &h);
	uint16_t lport;
	const char *be;

	(void)state;
	run1(e->w, seg(false, h.cl, h.cport, h.vip, 80, RTE_TCP_SYN_FLAG, 0x80000000u, 0, 0, 0),
	     0);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(drops(e, DROP_tcp_syn_out_of_window), 1);
	assert_int_equal(c->state, TCP_S_ESTABLISHED);

	/* handshake retransmission: SYN twice, then the backend refuses with RST seq 0 */
	run1(e->w, seg(false, CL, 40004, VIP, 80, RTE_TCP_SYN_FLAG, 7000, 0, 0, 0), 0);
	lport = lport_of(e->w, false);
	be = ip_of(out_one(e->w, 1))->dst_addr == fx_ip("10.0.2.11") ? "10.0.2.11" : "10.0.2.12";
	out_clear(e->w);
	run1(e->w, seg(false, CL, 40004, VIP, 80, RTE_TCP_SYN_FLAG, 7000, 0, 0, 0), 0);
	assert_int_equal(out_total(e->w), 1);
	out_clear(e->w);
	run1(e->w, seg(false, be, 8080, LIP, lport, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0, 7001,
		       0, 1), 1);
	assert_int_equal(out_total(e->w), 1);
	out_clear(e->w);
	assert_int_equal(conn4_of(e->w, CL, 40004, VIP, 80, IPPROTO_TCP)->state, TCP_S_CLOSE);
	assert_int_equal(drops(e, DROP_tcp_syn_out_of_window), 1);
	assert_int_equal(drops(e, DROP_tcp_rst_out_of_window), 0);
	env_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blind_rst),
		cmocka_unit_test(test_blind_rst6),
		cmocka_unit_test(test_rst_within_flight),
		cmocka_unit_test(test_syn_out_of_window),
	};

	ENV_RUN(tests);
}
