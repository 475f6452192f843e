/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SYN proxy through pipeline_run(): a SYN answered with a cookie SYN-ACK (the client's
 * options kept, nothing opened), a flood of them opening nothing; the cookie ACK opening the
 * conn and the node's SYN to the backend with the client's options; the client's data held
 * until the backend's SYN-ACK, then the backend's handshake completed and the data sent;
 * a long transfer both ways checked byte for byte, its sequence numbers, SACK blocks,
 * timestamps and windows translated; a bad cookie, an expired one and one of another tuple
 * answered with a RST; a backend that never answers, or refuses, resets the client; IPv6
 * and mode nat.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "defense/syncookie.h"
#include "env.h"
#include "errors.h"
#include "net/icmp.h"
#include "tcp_seg.h"
#include "packet/tcp_opt.h"
#include "test_eal.h"

#define SVC_SP "    defense: {synproxy: true}\n"
#define TCP_BACKENDS "    backends: [{address: 10.0.2.11:8080}, {address: 10.0.2.12:8080}]\n"
#define CL "10.0.1.2"
#define VIP "10.0.0.10"
#define LIP "10.0.2.100"

struct hs {
	bool v6;
	const char *cl, *vip, *lip, *be;
	uint16_t cport, lport;
	uint32_t cookie;  /* the node's ISN toward the client */
	uint32_t our_ts;  /* its timestamp in the SYN-ACK */
	uint32_t bisn;    /* the backend's ISN */
	struct tcp_syn_opts synack; /* what the node's SYN-ACK said */
	struct tcp_syn_opts syn;    /* what the node's SYN to the backend said */
};

/* The client's SYN (ISN 1000, TSval 5000): the SYN-ACK comes back on the client's port. */
static void
client_syn(struct env *e, struct hs *h, bool ts, bool ws)
{
	uint8_t o[TCP_SYN_OPT_LEN];
	struct rte_mbuf *m;
	struct rte_tcp_hdr *th;

	run1(e->w, seg(&(struct seg){ .v6 = h->v6, .src = h->cl, .dst = h->vip, .sport = h->cport,
				      .dport = 80, .flags = RTE_TCP_SYN_FLAG, .seq = 1000,
				      .opts = o, .olen = client_opts(o, 5000, ts, ws) }), 0);
	m = out_one(e->w, 0);
	frame_ok(m, h->v6);
	th = tcp_of(m, h->v6);
	assert_int_equal(th->tcp_flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	assert_int_equal(rte_be_to_cpu_32(th->recv_ack), 1001);
	assert_int_equal(rte_be_to_cpu_16(th->src_port), 80);
	assert_int_equal(rte_be_to_cpu_16(th->dst_port), h->cport);
	assert_memory_equal(&pkt_eth(m)->dst_addr, &client_mac, 6);
	tcp_opts_parse_syn(th, &h->synack);
	h->cookie = rte_be_to_cpu_32(th->sent_seq);
	h->our_ts = h->synack.tsval;
	out_clear(e->w);
}

/*
 * The client's ACK with the cookie (and `len` bytes of data): the node's SYN to the backend
 * leaves from the LIP; the data, if any, is held.
 */
static void
client_ack(struct env *e, struct hs *h, unsigned len)
{
	uint8_t o[TCP_SYN_OPT_LEN];
	struct rte_mbuf *m;
	struct rte_tcp_hdr *th;
	char be[64];

	run1(e->w, seg(&(struct seg){ .v6 = h->v6, .src = h->cl, .dst = h->vip, .sport = h->cport,
				      .dport = 80, .flags = RTE_TCP_ACK_FLAG, .seq = 1001,
				      .ack = h->cookie + 1, .opts = o,
				      .olen = h->synack.ts_ok ? ts_opts(o, 5001, h->our_ts) : 0,
				      .data = pattern, .len = len, .win = 500 }), 0);
	m = out_one(e->w, 1);
	frame_ok(m, h->v6);
	th = tcp_of(m, h->v6);
	assert_int_equal(th->tcp_flags, RTE_TCP_SYN_FLAG);
	assert_int_equal(rte_be_to_cpu_32(th->sent_seq), 1000);
	tcp_opts_parse_syn(th, &h->syn);
	h->lport = rte_be_to_cpu_16(th->src_port);
	if (h->v6)
		inet_ntop(AF_INET6, rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14)->dst_addr,
			  be, sizeof(be));
	else
		inet_ntop(AF_INET, &ip_of(m)->dst_addr, be, sizeof(be));
	h->be = strdup(be);
	out_clear(e->w);
}

/* The backend's SYN-ACK (ISN 900000, wscale 5, TSval 70000): the node's ACK, then what it held. */
static void
backend_synack(struct env *e, struct hs *h, unsigned held)
{
	struct tcp_syn_opts bo = { .mss = 1460, .sack_ok = 1, .ts_ok = h->syn.ts_ok,
				   .tsval = 70000, .tsecr = h->syn.tsval, .ws_ok = h->syn.ws_ok,
				   .wscale = 5 };
	uint8_t o[TCP_SYN_OPT_LEN];
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;

	h->bisn = 900000;
	run1(e->w, seg(&(struct seg){ .v6 = h->v6, .src = h->be, .dst = h->lip, .sport = 8080,
				      .dport = h->lport, .seq = h->bisn, .ack = 1001, .port = 1,
				      .flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, .opts = o,
				      .olen = tcp_opts_write_syn(o, &bo) }), 1);
	assert_int_equal(out_total(e->w), held ? 2 : 1);
	assert_int_equal(e->w->s.out.n[1], held ? 2 : 1);
	m = e->w->s.out.pkts[1][0];
	frame_ok(m, h->v6);
	th = tcp_of(m, h->v6);
	assert_int_equal(th->tcp_flags, RTE_TCP_ACK_FLAG);
	assert_int_equal(rte_be_to_cpu_32(th->sent_seq), 1001);
	assert_int_equal(rte_be_to_cpu_32(th->recv_ack), h->bisn + 1);
	if (held) {
		m = e->w->s.out.pkts[1][1];
		frame_ok(m, h->v6);
		th = tcp_of(m, h->v6);
		assert_int_equal(rte_be_to_cpu_32(th->sent_seq), 1001);
		assert_int_equal(rte_be_to_cpu_32(th->recv_ack), h->bisn + 1); /* translated */
		assert_memory_equal((uint8_t *)th + (th->data_off >> 4) * 4, pattern, held);
	}
	out_clear(e->w);
}

static struct env *
sp_env(unsigned workers)
{
	return env_new_sub(workers, 1024, "", TCP_BACKENDS, TCP_BACKENDS SVC_SP);
}

/*
 * A SYN is answered with a cookie SYN-ACK, its options the client's (MSS the node's,
 * wscale 7, SACK, the node's TSval echoing the client's); nothing opens. A burst of 32
 * SYNs from 32 ports: 32 answers, no conn. A retransmitted SYN gets the same cookie.
 */
static void
test_syn_answered(void **state)
{
	struct env *e = sp_env(1);
	struct hs h = { .cl = CL, .vip = VIP, .lip = LIP, .cport = 40000 };
	struct rte_mbuf *burst[32];
	uint32_t first;
	unsigned i;

	(void)state;
	client_syn(e, &h, true, true);
	assert_int_equal(h.synack.mss, 1460);
	assert_true(h.synack.ws_ok);
	assert_int_equal(h.synack.wscale, 7);
	assert_true(h.synack.sack_ok);
	assert_true(h.synack.ts_ok);
	assert_int_equal(h.synack.tsecr, 5000);
	assert_int_equal(conn_count(e->w->s.ct), 0);
	first = h.cookie;
	client_syn(e, &h, true, true);
	assert_int_equal(h.cookie, first);
	/* without timestamps and window scale: none in the answer */
	h.cport = 40001;
	client_syn(e, &h, false, false);
	assert_false(h.synack.ts_ok);
	assert_false(h.synack.ws_ok);
	for (i = 0; i < 32; i++) {
		uint8_t o[TCP_SYN_OPT_LEN];

		burst[i] = seg(&(struct seg){ .src = CL, .dst = VIP, .sport = (uint16_t)(41000 + i),
					      .dport = 80, .flags = RTE_TCP_SYN_FLAG, .seq = i,
					      .opts = o, .olen = client_opts(o, 1, true, true) });
	}
	pipeline_run(e->w, burst, 32);
	assert_int_equal(e->w->s.out.n[0], 32);
	out_clear(e->w);
	assert_int_equal(conn_count(e->w->s.ct), 0);
	assert_int_equal(e->w->s.st.conns_created, 0);
	assert_int_equal(dp_svc_defense(e->dp, 0, 0)->sp_syn, 35);
	env_free(e);
}

/*
 * The whole life of a proxied conn: cookie ACK with the request in it (held), the node's
 * SYN with the client's options, the backend's SYN-ACK answered, the request delivered;
 * then 200 segments of 1400 bytes from the backend and the client's ACKs with SACK blocks,
 * each checked: the client sees one sequence space, the backend another, the bytes the same.
 */
static void
proxied_conn(bool v6)
{
	struct env *e = v6 ? env_new6_extra(1, 1024, "  defense: {synproxy: true}\n", "")
			   : sp_env(1);
	struct hs h = { .v6 = v6, .cl = v6 ? "2001:db8:1::2" : CL, .vip = v6 ? ENV6_VIP : VIP,
			.lip = v6 ? "2001:db8:2::100" : LIP, .cport = 40100 };
	uint32_t bseq, cack, off = 0;
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	struct conn *c;
	unsigned i;

	(void)c;
	client_syn(e, &h, true, true);
	client_ack(e, &h, 100);
	/* the node's SYN carried the client's options from the cookie and its ACK */
	assert_int_equal(h.syn.mss, 1460);
	assert_true(h.syn.ws_ok);
	assert_int_equal(h.syn.wscale, 8);
	assert_true(h.syn.sack_ok);
	assert_true(h.syn.ts_ok);
	assert_int_equal(h.syn.tsval, 5001);
	assert_int_equal(e->w->s.st.conns_created, 1);
	/* a retransmission of the data while the backend's answer is out: not sent twice */
	run1(e->w, seg(&(struct seg){ .v6 = v6, .src = h.cl, .dst = h.vip, .sport = h.cport,
				      .dport = 80, .flags = RTE_TCP_ACK_FLAG, .seq = 1001,
				      .ack = h.cookie + 1, .data = pattern, .len = 100 }), 0);
	assert_int_equal(out_total(e->w), 0);
	backend_synack(e, &h, 100);

	/* the backend's data toward the client, in 200 segments: translated, intact */
	bseq = h.bisn + 1;
	cack = 1101;
	for (i = 0; i < 200; i++) {
		uint8_t o[12];
		unsigned len = 1400, ol = ts_opts(o, 70001 + i, 5001);

		memset(pattern, (int)i, len);
		run1(e->w, seg(&(struct seg){ .v6 = v6, .src = h.be, .dst = h.lip, .sport = 8080,
					      .dport = h.lport, .seq = bseq + off, .ack = cack,
					      .flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG,
					      .opts = o, .olen = ol, .data = pattern, .len = len,
					      .win = 1000, .port = 1 }), 1);
		m = out_one(e->w, 0);
		frame_ok(m, v6);
		th = tcp_of(m, v6);
		assert_int_equal(rte_be_to_cpu_32(th->sent_seq), h.cookie + 1 + off);
		assert_int_equal(rte_be_to_cpu_32(th->recv_ack), cack);
		/* window: 1000 << 5 by the backend's scale, >> 7 by the one the client got */
		assert_int_equal(rte_be_to_cpu_16(th->rx_win), 1000 * 32 / 128);
		{
			uint8_t len8, *ts = tcp_opt_find(th, TCP_OPT_TS, &len8);
			uint32_t v;

			assert_non_null(ts);
			memcpy(&v, ts + 2, 4);
			/* the node's clock, moving as the backend's does */
			assert_int_equal(rte_be_to_cpu_32(v), h.our_ts + 1 + i);
		}
		assert_memory_equal((uint8_t *)th + (th->data_off >> 4) * 4, pattern, len);
		out_clear(e->w);
		off += len;
		/* every 10th segment the client acknowledges, SACK block and all */
		if (i % 10 == 9) {
			uint8_t so[24] = { 1, 1, 8, 10 }, *p = so + 12;
			uint32_t v;

			v = rte_cpu_to_be_32(80000 + i);
			memcpy(so + 4, &v, 4);
			v = rte_cpu_to_be_32(h.our_ts + 1 + i);
			memcpy(so + 8, &v, 4);
			p[0] = 1, p[1] = 1, p[2] = TCP_OPT_SACK, p[3] = 10;
			v = rte_cpu_to_be_32(h.cookie + 1 + off - 2800);
			memcpy(p + 4, &v, 4);
			v = rte_cpu_to_be_32(h.cookie + 1 + off - 1400);
			memcpy(p + 8, &v, 4);
			run1(e->w, seg(&(struct seg){ .v6 = v6, .src = h.cl, .dst = h.vip,
						      .sport = h.cport, .dport = 80,
						      .flags = RTE_TCP_ACK_FLAG, .seq = cack,
						      .ack = h.cookie + 1 + off - 4200, .opts = so,
						      .olen = 24 }), 0);
			m = out_one(e->w, 1);
			frame_ok(m, v6);
			th = tcp_of(m, v6);
			assert_int_equal(rte_be_to_cpu_32(th->recv_ack), bseq + off - 4200);
			{
				uint8_t l8, *sk = tcp_opt_find(th, TCP_OPT_SACK, &l8), *ts;

				assert_non_null(sk);
				memcpy(&v, sk + 2, 4);
				assert_int_equal(rte_be_to_cpu_32(v), bseq + off - 2800);
				memcpy(&v, sk + 6, 4);
				assert_int_equal(rte_be_to_cpu_32(v), bseq + off - 1400);
				ts = tcp_opt_find(th, TCP_OPT_TS, &l8);
				memcpy(&v, ts + 6, 4);
				assert_int_equal(rte_be_to_cpu_32(v), 70001 + i); /* the backend's */
			}
			out_clear(e->w);
		}
	}
	/* a blind RST toward the client's side of the translated space is still refused */
	run1(e->w, seg(&(struct seg){ .v6 = v6, .src = h.be, .dst = h.lip, .sport = 8080,
				      .dport = h.lport, .seq = bseq + off + (1u << 24),
				      .flags = RTE_TCP_RST_FLAG, .port = 1 }), 1);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.drops[DROP_tcp_rst_out_of_window], 1);
	/* the IPv6 node's TCP service is its third */
	assert_int_equal(dp_svc_defense(e->dp, 0, v6 ? 2 : 0)->sp_ok, 1);
	assert_int_equal(e->w->s.sp_live, 1);
	assert_int_equal(e->dp->svc_gauges[v6 ? 2 : 0].active, 1);
	env_free(e);
}

static void
test_proxied_conn(void **state)
{
	(void)state;
	proxied_conn(false);
}

static void
test_proxied_conn6(void **state)
{
	(void)state;
	proxied_conn(true);
}

/*
 * An ACK without a good cookie is answered with a RST whose sequence number is its
 * acknowledgement: a forged one, one of another client port, and one whose cookie aged out.
 */
static void
test_bad_cookie_rst(void **state)
{
	struct env *e = sp_env(1);
	struct hs h = { .cl = CL, .vip = VIP, .lip = LIP, .cport = 40200 };
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;

	(void)state;
	run1(e->w, seg(&(struct seg){ .src = CL, .dst = VIP, .sport = 40199, .dport = 80,
				      .flags = RTE_TCP_ACK_FLAG, .seq = 7, .ack = 123456 }), 0);
	m = out_one(e->w, 0);
	assert_frame_ok(m);
	th = tcp_of(m, false);
	assert_int_equal(th->tcp_flags, RTE_TCP_RST_FLAG);
	assert_int_equal(rte_be_to_cpu_32(th->sent_seq), 123456);
	assert_tuple(m, VIP, 80, CL, 40199);
	out_clear(e->w);
	client_syn(e, &h, false, false);
	/* the cookie of port 40200 on port 40201 */
	run1(e->w, seg(&(struct seg){ .src = CL, .dst = VIP, .sport = 40201, .dport = 80,
				      .flags = RTE_TCP_ACK_FLAG, .seq = 1001,
				      .ack = h.cookie + 1 }), 0);
	assert_int_equal(tcp_of(out_one(e->w, 0), false)->tcp_flags, RTE_TCP_RST_FLAG);
	out_clear(e->w);
	/* the right one, 200 s later: expired */
	worker_set_time(e->w, e->w->s.now_ms + 200000);
	run1(e->w, seg(&(struct seg){ .src = CL, .dst = VIP, .sport = 40200, .dport = 80,
				      .flags = RTE_TCP_ACK_FLAG, .seq = 1001,
				      .ack = h.cookie + 1 }), 0);
	assert_int_equal(tcp_of(out_one(e->w, 0), false)->tcp_flags, RTE_TCP_RST_FLAG);
	out_clear(e->w);
	assert_int_equal(e->w->s.st.drops[DROP_sp_bad_cookie], 3);
	assert_int_equal(dp_svc_defense(e->dp, 0, 0)->sp_bad, 3);
	assert_int_equal(conn_count(e->w->s.ct), 0);
	env_free(e);
}

/*
 * A backend that never answers: after the SYN_SENT timeout the conn ends and the client,
 * which believes it is connected, gets a RST in its own sequence space. A backend that
 * refuses (RST to the node's SYN): the client gets that RST, in its space too.
 */
static void
test_backend_silent_or_refusing(void **state)
{
	/* the node's default: the TCP service gets it, the UDP one cannot */
	struct env *e = env_new_sub(1, 1024, "  defense: {synproxy: true}\n", "tcp_close: 2,",
				    "tcp_close: 2, tcp_syn_sent: 3,");
	struct hs h = { .cl = CL, .vip = VIP, .lip = LIP, .cport = 40300 };
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	unsigned i;

	(void)state;
	client_syn(e, &h, true, false);
	client_ack(e, &h, 0);
	for (i = 0; i < 6; i++) {
		worker_set_time(e->w, e->w->s.now_ms + 1000);
		worker_expire(e->w);
	}
	m = out_one(e->w, 0);
	assert_frame_ok(m);
	th = tcp_of(m, false);
	assert_int_equal(th->tcp_flags, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
	assert_int_equal(rte_be_to_cpu_32(th->sent_seq), h.cookie + 1);
	assert_tuple(m, VIP, 80, CL, h.cport);
	out_clear(e->w);
	assert_int_equal(dp_svc_defense(e->dp, 0, 0)->sp_no_answer, 1);
	assert_int_equal(conn_count(e->w->s.ct), 0);
	assert_int_equal(e->w->s.sp_live, 0); /* its state lines are no longer prefetched */

	/* refused */
	h.cport = 40301;
	client_syn(e, &h, false, false);
	client_ack(e, &h, 0);
	run1(e->w, seg(&(struct seg){ .src = h.be, .dst = LIP, .sport = 8080, .dport = h.lport,
				      .flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, .seq = 0,
				      .ack = 1001, .port = 1 }), 1);
	m = out_one(e->w, 0);
	assert_frame_ok(m);
	th = tcp_of(m, false);
	assert_true(th->tcp_flags & RTE_TCP_RST_FLAG);
	assert_int_equal(rte_be_to_cpu_32(th->sent_seq), h.cookie + 1);
	out_clear(e->w);
	assert_int_equal(conn4_of(e->w, CL, 40301, VIP, 80, IPPROTO_TCP)->state, TCP_S_CLOSE);
	env_free(e);
}

/* Mode nat: the node's SYN keeps the client's address; translation as in fullnat. */
static void
test_nat_mode(void **state)
{
	struct env *e = env_new_sub(1, 1024, "", TCP_BACKENDS,
				    TCP_BACKENDS SVC_SP "    mode: nat\n");
	struct hs h = { .cl = CL, .vip = VIP, .lip = CL, .cport = 40400 };
	struct rte_mbuf *m;

	(void)state;
	client_syn(e, &h, true, true);
	client_ack(e, &h, 0);
	assert_int_equal(h.lport, 40400); /* the client's own port: nat */
	backend_synack(e, &h, 0);
	run1(e->w, seg(&(struct seg){ .src = h.be, .dst = CL, .sport = 8080, .dport = 40400,
				      .seq = h.bisn + 1, .ack = 1001, .flags = RTE_TCP_ACK_FLAG,
				      .data = pattern, .len = 10, .port = 1 }), 1);
	m = out_one(e->w, 0);
	assert_frame_ok(m);
	assert_tuple(m, VIP, 80, CL, 40400);
	assert_int_equal(rte_be_to_cpu_32(tcp_of(m, false)->sent_seq), h.cookie + 1);
	out_clear(e->w);
	env_free(e);
}

/*
 * Two workers: the SYN and the cookie ACK reach worker 1, which opens the conn with a LIP
 * port of its slice; the backend's SYN-ACK and data reach worker 0 and are handed to worker
 * 1, which completes the handshake and translates.
 */
static void
test_two_workers(void **state)
{
	struct env *e = sp_env(2);
	struct worker *w0 = e->dp->workers[0], *w1 = e->dp->workers[1];
	struct hs h = { .cl = CL, .vip = VIP, .lip = LIP, .cport = 40500 };
	struct env e1 = *e;
	struct rte_mbuf *m;

	(void)state;
	worker_set_time(w1, w0->s.now_ms);
	e1.w = w1; /* the helpers run on worker 1 */
	client_syn(&e1, &h, true, true);
	client_ack(&e1, &h, 0);
	assert_int_equal(h.lport & 1, 1); /* worker 1's slice */
	run1(w0, seg(&(struct seg){ .src = h.be, .dst = LIP, .sport = 8080, .dport = h.lport,
				    .seq = 900000, .ack = 1001, .port = 1,
				    .flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG }), 1);
	assert_int_equal(w0->s.out.n_handoff[1], 1);
	m = w0->s.out.handoff[1][0];
	w0->s.out.n_handoff[1] = 0;
	pipeline_run(w1, &m, 1);
	m = out_one(w1, 1);
	assert_int_equal(tcp_of(m, false)->tcp_flags, RTE_TCP_ACK_FLAG);
	assert_int_equal(rte_be_to_cpu_32(tcp_of(m, false)->recv_ack), 900001);
	out_clear(w1);
	run1(w0, seg(&(struct seg){ .src = h.be, .dst = LIP, .sport = 8080, .dport = h.lport,
				    .seq = 900001, .ack = 1001, .flags = RTE_TCP_ACK_FLAG,
				    .data = pattern, .len = 50, .port = 1 }), 1);
	m = w0->s.out.handoff[1][0];
	w0->s.out.n_handoff[1] = 0;
	pipeline_run(w1, &m, 1);
	m = out_one(w1, 0);
	assert_frame_ok(m);
	assert_int_equal(rte_be_to_cpu_32(tcp_of(m, false)->sent_seq), h.cookie + 1);
	out_clear(w1);
	assert_int_equal(conn_count(w0->s.ct), 0);
	assert_int_equal(conn_count(w1->s.ct), 1);
	env_free(e);
}

/*
 * NAT64: an IPv6 client, an IPv4 backend. The SYN-ACK and the client's side are IPv6, the
 * node's SYN and the backend's answers IPv4 (found by the IPv6 table's mapped key).
 */
static void
test_nat64(void **state)
{
	struct env *e = env_new6_extra(1, 4096, "  defense: {synproxy: true}\n",
				       "  - vip: '[2001:db8:100::64]:80/tcp'\n"
				       "    backends: [{address: 10.0.2.11:8080}]\n");
	struct hs h = { .v6 = true, .cl = "2001:db8:1::2", .vip = "2001:db8:100::64",
			.cport = 40600 };
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	uint16_t lport;

	(void)state;
	client_syn(e, &h, true, true);
	run1(e->w, seg(&(struct seg){ .v6 = true, .src = h.cl, .dst = h.vip, .sport = h.cport,
				      .dport = 80, .flags = RTE_TCP_ACK_FLAG, .seq = 1001,
				      .ack = h.cookie + 1 }), 0);
	m = out_one(e->w, 1);
	assert_frame_ok(m); /* IPv4 */
	th = tcp_of(m, false);
	assert_int_equal(th->tcp_flags, RTE_TCP_SYN_FLAG);
	assert_int_equal(ip_of(m)->dst_addr, fx_ip("10.0.2.11"));
	lport = rte_be_to_cpu_16(th->src_port);
	out_clear(e->w);
	run1(e->w, seg(&(struct seg){ .src = "10.0.2.11", .dst = LIP, .sport = 8080,
				      .dport = lport, .seq = 900000, .ack = 1001, .port = 1,
				      .flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG }), 1);
	m = out_one(e->w, 1);
	assert_frame_ok(m);
	assert_int_equal(rte_be_to_cpu_32(tcp_of(m, false)->recv_ack), 900001);
	out_clear(e->w);
	run1(e->w, seg(&(struct seg){ .src = "10.0.2.11", .dst = LIP, .sport = 8080,
				      .dport = lport, .seq = 900001, .ack = 1001,
				      .flags = RTE_TCP_ACK_FLAG, .data = pattern, .len = 30,
				      .port = 1 }), 1);
	m = out_one(e->w, 0);
	assert_frame6_ok(m);
	assert_int_equal(rte_be_to_cpu_32(tcp_of(m, true)->sent_seq), h.cookie + 1);
	out_clear(e->w);
	env_free(e);
}

/*
 * The client offers window scaling, the backend does not: the client, told scale 7, gets the
 * backend's raw windows shifted down by 7; the backend, scaling nothing, gets the client's
 * windows shifted up by the client's own scale (8); the node's ACK offers 64 KiB raw.
 */
static void
test_backend_without_wscale(void **state)
{
	struct env *e = sp_env(1);
	struct hs h = { .cl = CL, .vip = VIP, .lip = LIP, .cport = 40800 };
	struct tcp_syn_opts bo = { .mss = 1460 };
	uint8_t o[TCP_SYN_OPT_LEN];
	struct rte_mbuf *m;

	(void)state;
	client_syn(e, &h, false, true);
	client_ack(e, &h, 0);
	assert_true(h.syn.ws_ok);
	run1(e->w, seg(&(struct seg){ .src = h.be, .dst = LIP, .sport = 8080, .dport = h.lport,
				      .seq = 900000, .ack = 1001, .port = 1,
				      .flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, .opts = o,
				      .olen = tcp_opts_write_syn(o, &bo) }), 1);
	m = out_one(e->w, 1);
	assert_int_equal(rte_be_to_cpu_16(tcp_of(m, false)->rx_win), 0xffff);
	out_clear(e->w);
	run1(e->w, seg(&(struct seg){ .src = h.be, .dst = LIP, .sport = 8080, .dport = h.lport,
				      .seq = 900001, .ack = 1001, .flags = RTE_TCP_ACK_FLAG,
				      .win = 12800, .port = 1 }), 1);
	m = out_one(e->w, 0);
	assert_frame_ok(m);
	assert_int_equal(rte_be_to_cpu_16(tcp_of(m, false)->rx_win), 12800 >> 7);
	out_clear(e->w);
	run1(e->w, seg(&(struct seg){ .src = CL, .dst = VIP, .sport = h.cport, .dport = 80,
				      .seq = 1001, .ack = h.cookie + 1, .flags = RTE_TCP_ACK_FLAG,
				      .win = 100 }), 0);
	m = out_one(e->w, 1);
	assert_frame_ok(m);
	assert_int_equal(rte_be_to_cpu_16(tcp_of(m, false)->rx_win), 100 << 8);
	out_clear(e->w);
	env_free(e);
}

/*
 * With peers, an ACK of no conn whose cookie is not the node's may be a conn of another
 * node (one ECMP moved here): it goes to the peers, as without the proxy, and is not reset.
 */
static void
test_peers(void **state)
{
	static const struct rte_ether_addr peer = { { 2, 0, 0, 0, 1, 12 } };
	struct env *e = env_new_sub(1, 1024, "  peers: [10.0.1.12]\n", TCP_BACKENDS,
				    TCP_BACKENDS SVC_SP);
	struct rte_mbuf *m;

	(void)state;
	neigh_learn(e->dp->neigh, fx_ip("10.0.1.12"), 0, &peer, 0);
	run1(e->w, seg(&(struct seg){ .src = CL, .dst = VIP, .sport = 40700, .dport = 80,
				      .flags = RTE_TCP_ACK_FLAG, .seq = 5, .ack = 77 }), 0);
	m = out_one(e->w, 0);
	assert_memory_equal(&pkt_eth(m)->dst_addr, &peer, 6);
	assert_int_equal(tcp_of(m, false)->tcp_flags, RTE_TCP_ACK_FLAG); /* passed, not reset */
	out_clear(e->w);
	assert_int_equal(e->w->s.st.to_peers, 1);
	assert_int_equal(dp_svc_defense(e->dp, 0, 0)->sp_bad, 1);
	env_free(e);
}

/*
 * Fragmentation-needed from a router on the client's side about the node's segment to the
 * client (the client's numbers, the cookie's): relayed to the backend quoting its own
 * segment in its own numbers (Linux ignores an error about a number it has not in flight),
 * the quote's checksum patched.
 */
static void
test_icmp_quote_to_backend(void **state)
{
	struct env *e = sp_env(1);
	struct hs h = { .cl = CL, .vip = VIP, .lip = LIP, .cport = 40900 };
	struct rte_ipv4_hdr *in;
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	uint32_t sum;

	(void)state;
	neigh_learn(e->dp->neigh, fx_ip("10.0.1.254"), 0, &router_mac, 0);
	client_syn(e, &h, true, true);
	client_ack(e, &h, 0);
	backend_synack(e, &h, 0);
	m = seg(&(struct seg){ .src = VIP, .dst = CL, .sport = 80, .dport = 40900,
			       .flags = RTE_TCP_ACK_FLAG, .seq = h.cookie + 1 + 500, .ack = 1001 });
	run1(e->w, icmp_error("10.0.1.254", VIP, ICMP4_DEST_UNREACH, 4, rte_cpu_to_be_32(1400), m,
			      40, 0), 0);
	m = out_one(e->w, 1);
	assert_frame_ok(m);
	in = (struct rte_ipv4_hdr *)((struct rte_icmp_hdr *)(ip_of(m) + 1) + 1);
	th = (struct rte_tcp_hdr *)(in + 1);
	assert_int_equal(in->dst_addr, fx_ip(LIP));
	assert_int_equal(rte_be_to_cpu_16(th->dst_port), h.lport);
	assert_int_equal(rte_be_to_cpu_32(th->sent_seq), h.bisn + 1 + 500);
	sum = rte_ipv4_phdr_cksum(in, 0) + rte_raw_cksum(th, 20);
	sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal((sum & 0xffff) + (sum >> 16), 0xffff);
	out_clear(e->w);
	env_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syn_answered),
		cmocka_unit_test(test_proxied_conn),
		cmocka_unit_test(test_proxied_conn6),
		cmocka_unit_test(test_bad_cookie_rst),
		cmocka_unit_test(test_backend_silent_or_refusing),
		cmocka_unit_test(test_nat_mode),
		cmocka_unit_test(test_two_workers),
		cmocka_unit_test(test_nat64),
		cmocka_unit_test(test_peers),
		cmocka_unit_test(test_backend_without_wscale),
		cmocka_unit_test(test_icmp_quote_to_backend),
	};

	ENV_RUN(tests);
}
