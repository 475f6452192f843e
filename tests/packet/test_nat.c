/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packet fixtures of mode nat (issue 10, item 3): the client's packet leaves toward the
 * backend with only its destination rewritten (the backend sees the client's address), TTL
 * taken and every checksum right; the backend's answer, routed through the node, leaves
 * toward the client from VIP:vport; with two workers a packet of either direction that the
 * other worker receives is handed to the one its client names; ICMP errors both ways, as
 * IPVS rewrites them; IPv6 the same; an answer of no conn from a NAT backend is no_conn.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "env.h"
#include "errors.h"
#include "forward/fwd.h"
#include "net/icmp.h"
#include "test_eal.h"

#define NAT_VIP "10.0.0.40"
#define NAT_VIP6 "2001:db8:100::40"

#define NAT_SERVICES                                                                    \
	"  - vip: " NAT_VIP ":80/tcp\n"                                                 \
	"    mode: nat\n"                                                               \
	"    scheduler: rr\n"                                                           \
	"    backends: [{address: 10.0.2.11:8080}, {address: 10.0.2.12:8080}]\n"        \
	"  - vip: " NAT_VIP ":53/udp\n"                                                 \
	"    mode: nat\n"                                                               \
	"    backends: [{address: 10.0.2.21:5353}]\n"                                   \
	"  - vip: '[" NAT_VIP6 "]:80/tcp'\n"                                            \
	"    mode: nat\n"                                                               \
	"    backends: [{address: '[2001:db8:2::11]:8080'}]\n"

static struct env *
nat_env(unsigned workers)
{
	struct env *e = env_new6_extra(workers, 4096, "", NAT_SERVICES);
	unsigned i;

	for (i = 1; i < workers; i++)
		worker_set_time(e->dp->workers[i], e->w->s.now_ms);
	return e;
}

/* The backend's answer: from backend:bport to client:cport, arriving on the backend port. */
static struct rte_mbuf *
answer(const char *be, uint16_t bport, const char *cl, uint16_t cport, uint8_t flags)
{
	return tcp(be, bport, cl, cport, flags, &be_mac, 1);
}

/*
 * A burst of 32 SYNs leaves with only the destination new (the backend's port 8080), TTL
 * 63, checksums right, spread by rr; each conn keyed both ways, its backend side by the
 * client's own address and port; the answers leave from VIP:80 to the client.
 */
static void
test_nat_rewrites_both_ways(void **state)
{
	struct env *e = nat_env(1);
	struct rte_mbuf *in[32];
	unsigned i, to11 = 0;

	(void)state;
	for (i = 0; i < 32; i++) {
		in[i] = tcp("10.0.1.2", (uint16_t)(1000 + i), NAT_VIP, 80, RTE_TCP_SYN_FLAG,
			    &client_mac, 0);
		in[i]->port = 0;
	}
	pipeline_run(e->w, in, 32);
	assert_int_equal(e->w->s.out.n[1], 32);
	assert_int_equal(out_total(e->w), 32);
	for (i = 0; i < 32; i++) {
		struct rte_mbuf *m = e->w->s.out.pkts[1][i];
		struct conn *c = conn4_of(e->w, "10.0.1.2", (uint16_t)(1000 + i), NAT_VIP, 80, IPPROTO_TCP);
		char be[16];

		assert_non_null(c);
		assert_true(c->flags & CONN_F_OUT);
		assert_false(c->flags & CONN_F_IN_ONLY);
		assert_int_equal(c->laddr, fx_ip("10.0.1.2"));
		assert_int_equal(c->lport, rte_cpu_to_be_16((uint16_t)(1000 + i)));
		inet_ntop(AF_INET, &c->daddr, be, sizeof(be));
		assert_frame_ok(m);
		assert_tuple(m, "10.0.1.2", (uint16_t)(1000 + i), be, 8080);
		assert_int_equal(ip_of(m)->time_to_live, 63);
		assert_memory_equal(&pkt_eth(m)->dst_addr, &be_mac, 6);
		assert_memory_equal(&pkt_eth(m)->src_addr, &port_mac[1], 6);
		to11 += c->daddr == fx_ip("10.0.2.11");
	}
	assert_int_equal(to11, 16);
	out_clear(e->w);
	/* The answers, as a burst: from VIP:80, to the client, through the client port. */
	for (i = 0; i < 32; i++) {
		struct conn *c = conn4_of(e->w, "10.0.1.2", (uint16_t)(1000 + i), NAT_VIP, 80, IPPROTO_TCP);
		char be[16];

		inet_ntop(AF_INET, &c->daddr, be, sizeof(be));
		in[i] = answer(be, 8080, "10.0.1.2", (uint16_t)(1000 + i),
			       RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
		in[i]->port = 1;
	}
	pipeline_run(e->w, in, 32);
	assert_int_equal(e->w->s.out.n[0], 32);
	for (i = 0; i < 32; i++) {
		struct rte_mbuf *m = e->w->s.out.pkts[0][i];

		assert_frame_ok(m);
		assert_tuple(m, NAT_VIP, 80, "10.0.1.2", (uint16_t)(1000 + i));
		assert_int_equal(ip_of(m)->time_to_live, 63);
		assert_memory_equal(&pkt_eth(m)->dst_addr, &client_mac, 6);
	}
	assert_int_equal(conn4_of(e->w, "10.0.1.2", 1000, NAT_VIP, 80, IPPROTO_TCP)->state,
			 TCP_S_SYN_RECV);
	env_free(e);
}

/* UDP: the datagram to the backend's port 5353 and back from VIP:53. */
static void
test_nat_udp(void **state)
{
	struct env *e = nat_env(1);
	struct fx_l4 f = { .proto = IPPROTO_UDP, .src = "10.0.1.3", .dst = NAT_VIP,
			   .sport = 4444, .dport = 53, .payload = "query", .payload_len = 5 };
	struct rte_mbuf *m;

	(void)state;
	run1(e->w, fx_frame(mp, &client_mac, &port_mac[0], &f), 0);
	m = out_one(e->w, 1);
	assert_frame_ok(m);
	assert_tuple(m, "10.0.1.3", 4444, "10.0.2.21", 5353);
	out_clear(e->w);
	f = (struct fx_l4){ .proto = IPPROTO_UDP, .src = "10.0.2.21", .dst = "10.0.1.3",
			    .sport = 5353, .dport = 4444, .payload = "answer", .payload_len = 6 };
	run1(e->w, fx_frame(mp, &be_mac, &port_mac[1], &f), 1);
	m = out_one(e->w, 0);
	assert_frame_ok(m);
	assert_tuple(m, NAT_VIP, 53, "10.0.1.3", 4444);
	env_free(e);
}

/* A client port whose conns worker `owner` of two keeps. */
static uint16_t
port_owned_by(const struct env *e, const char *cl, unsigned owner, uint16_t from)
{
	uint16_t p;

	for (p = from; p < from + 1000; p++)
		if (fwd_client_owner(e->dp, fx_ip(cl), rte_cpu_to_be_16(p)) == owner)
			return p;
	fail_msg("no port of %s owned by worker %u", cl, owner);
	return 0;
}

/* Take what w handed to worker `to` in this burst, to run it there. */
static struct rte_mbuf *
take_handoff(struct worker *w, unsigned to)
{
	assert_int_equal(w->s.out.n_handoff[to], 1);
	w->s.out.n_handoff[to] = 0;
	return w->s.out.handoff[to][0];
}

/*
 * Two workers: the client's SYN that worker 0 receives, for a client worker 1 owns, is
 * handed to worker 1, which makes the conn; the backend's answer that worker 0 receives is
 * handed there too; worker 1's own packets stay; a flow worker 0 owns is made on worker 0.
 */
static void
test_nat_two_workers_hand_to_the_client_owner(void **state)
{
	struct env *e = nat_env(2);
	struct worker *w0 = e->dp->workers[0], *w1 = e->dp->workers[1];
	uint16_t p1 = port_owned_by(e, "10.0.1.4", 1, 2000);
	uint16_t p0 = port_owned_by(e, "10.0.1.4", 0, 2000);
	struct rte_mbuf *m;
	struct conn *c;
	char be[16];

	(void)state;
	run1(w0, tcp("10.0.1.4", p1, NAT_VIP, 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
	assert_int_equal(out_total(w0), 1);
	assert_null(conn4_of(w0, "10.0.1.4", p1, NAT_VIP, 80, IPPROTO_TCP));
	m = take_handoff(w0, 1);
	pipeline_run(w1, &m, 1);
	c = conn4_of(w1, "10.0.1.4", p1, NAT_VIP, 80, IPPROTO_TCP);
	assert_non_null(c);
	inet_ntop(AF_INET, &c->daddr, be, sizeof(be));
	assert_tuple(out_one(w1, 1), "10.0.1.4", p1, be, 8080);
	out_clear(w1);
	/* the answer, received by worker 0 */
	run1(w0, answer(be, 8080, "10.0.1.4", p1, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG), 1);
	m = take_handoff(w0, 1);
	pipeline_run(w1, &m, 1);
	m = out_one(w1, 0);
	assert_frame_ok(m);
	assert_tuple(m, NAT_VIP, 80, "10.0.1.4", p1);
	out_clear(w1);
	/* the client's ACK, received by worker 1 itself: no hand-off */
	run1(w1, tcp("10.0.1.4", p1, NAT_VIP, 80, RTE_TCP_ACK_FLAG, &client_mac, 0), 0);
	assert_tuple(out_one(w1, 1), "10.0.1.4", p1, be, 8080);
	assert_int_equal(c->state, TCP_S_ESTABLISHED);
	out_clear(w1);
	/* a flow worker 0 owns stays on worker 0 */
	run1(w0, tcp("10.0.1.4", p0, NAT_VIP, 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
	out_one(w0, 1);
	assert_non_null(conn4_of(w0, "10.0.1.4", p0, NAT_VIP, 80, IPPROTO_TCP));
	assert_int_equal(w0->s.st.handoff_out, 2);
	assert_int_equal(w1->s.st.handoff_out, 0);
	env_free(e);
}

/*
 * An answer from a NAT backend that no conn expects (after the conn ended, or a backend's
 * own traffic routed through the node) is no_conn, on the owner; the node's own addresses
 * still reach the kernel's side (not_for_us here: the fixture has no twin).
 */
static void
test_nat_answer_of_no_conn(void **state)
{
	struct env *e = nat_env(1);

	(void)state;
	run1(e->w, answer("10.0.2.11", 8080, "10.0.1.5", 5555, RTE_TCP_ACK_FLAG), 1);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.drops[DROP_no_conn], 1);
	run1(e->w, answer("10.0.2.11", 8080, "10.0.9.9", 5555, RTE_TCP_ACK_FLAG), 1);
	assert_int_equal(e->w->s.st.drops[DROP_no_conn], 2);
	env_free(e);
}

/*
 * ICMP both ways, as IPVS's ip_vs_nat_icmp(): the backend's port-unreachable about what it
 * got (client -> backend:8080), addressed to the client, reaches the client from the VIP
 * about client -> VIP:80; a router's fragmentation-needed about an answer (VIP:80 ->
 * client) reaches the backend about backend:8080 -> client, its source kept. Checksums
 * right, the MTU unchanged.
 */
static void
test_nat_icmp_both_ways(void **state)
{
	struct env *e = nat_env(1);
	struct rte_mbuf *m, *q;
	const struct rte_ipv4_hdr *in;
	const struct rte_icmp_hdr *ic;
	struct conn *c;
	uint32_t info;
	char be[16];

	(void)state;
	run1(e->w, tcp("10.0.1.6", 6000, NAT_VIP, 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
	out_clear(e->w);
	c = conn4_of(e->w, "10.0.1.6", 6000, NAT_VIP, 80, IPPROTO_TCP);
	inet_ntop(AF_INET, &c->daddr, be, sizeof(be));
	/* from the backend's side */
	q = tcp("10.0.1.6", 6000, be, 8080, RTE_TCP_SYN_FLAG, &client_mac, 1);
	m = icmp_error(be, "10.0.1.6", ICMP4_DEST_UNREACH, 3, 0, q, 20 + 20, 1);
	run1(e->w, m, 1);
	m = out_one(e->w, 0);
	assert_frame_ok(m);
	assert_tuple(m, NAT_VIP, 0, "10.0.1.6", 0);
	ic = (const struct rte_icmp_hdr *)(ip_of(m) + 1);
	assert_int_equal(rte_raw_cksum(ic, rte_be_to_cpu_16(ip_of(m)->total_length) - 20), 0xffff);
	in = (const struct rte_ipv4_hdr *)(ic + 1);
	assert_int_equal(in->src_addr, fx_ip("10.0.1.6"));
	assert_int_equal(in->dst_addr, fx_ip(NAT_VIP));
	assert_int_equal(rte_raw_cksum(in, 20), 0xffff);
	assert_int_equal(rte_be_to_cpu_16(((const struct rte_tcp_hdr *)(in + 1))->dst_port), 80);
	out_clear(e->w);
	/* from the client's side */
	q = tcp(NAT_VIP, 80, "10.0.1.6", 6000, RTE_TCP_ACK_FLAG, &be_mac, 0);
	m = icmp_error("10.0.1.9", NAT_VIP, ICMP4_DEST_UNREACH, ICMP4_FRAG_NEEDED,
		       rte_cpu_to_be_32(1400), q, 20 + 20, 0);
	run1(e->w, m, 0);
	m = out_one(e->w, 1);
	assert_frame_ok(m);
	assert_tuple(m, "10.0.1.9", 0, be, 0);
	ic = (const struct rte_icmp_hdr *)(ip_of(m) + 1);
	memcpy(&info, &ic->icmp_ident, 4);
	assert_int_equal(rte_be_to_cpu_32(info), 1400);
	in = (const struct rte_ipv4_hdr *)(ic + 1);
	assert_int_equal(in->src_addr, fx_ip(be));
	assert_int_equal(in->dst_addr, fx_ip("10.0.1.6"));
	assert_int_equal(rte_be_to_cpu_16(((const struct rte_tcp_hdr *)(in + 1))->src_port), 8080);
	assert_int_equal(e->w->s.st.icmp_relayed, 2);
	env_free(e);
}

/*
 * Two workers and ICMP: the backend's error about another worker's conn (it quotes client
 * -> backend, which names the client) is handed to the conn's owner.
 */
static void
test_nat_icmp_handed_to_the_client_owner(void **state)
{
	struct env *e = nat_env(2);
	struct worker *w0 = e->dp->workers[0], *w1 = e->dp->workers[1];
	uint16_t p1 = port_owned_by(e, "10.0.1.7", 1, 3000);
	struct rte_mbuf *m, *q;
	struct conn *c;
	char be[16];

	(void)state;
	run1(w1, tcp("10.0.1.7", p1, NAT_VIP, 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
	out_clear(w1);
	c = conn4_of(w1, "10.0.1.7", p1, NAT_VIP, 80, IPPROTO_TCP);
	assert_non_null(c);
	inet_ntop(AF_INET, &c->daddr, be, sizeof(be));
	q = tcp("10.0.1.7", p1, be, 8080, RTE_TCP_SYN_FLAG, &client_mac, 1);
	m = icmp_error(be, "10.0.1.7", ICMP4_DEST_UNREACH, 3, 0, q, 20 + 20, 1);
	run1(w0, m, 1);
	m = take_handoff(w0, 1);
	pipeline_run(w1, &m, 1);
	assert_tuple(out_one(w1, 0), NAT_VIP, 0, "10.0.1.7", 0);
	assert_int_equal(w1->s.st.icmp_relayed, 1);
	env_free(e);
}

/* IPv6: the destination rewritten, the hop limit taken, the L4 checksum right; and back. */
static void
test_nat6_both_ways(void **state)
{
	struct env *e = nat_env(1);
	struct fx_l4 f = { .proto = IPPROTO_TCP, .src = "2001:db8:1::2", .dst = NAT_VIP6,
			   .sport = 7000, .dport = 80, .tcp_flags = RTE_TCP_SYN_FLAG,
			   .payload = "hello", .payload_len = 5 };
	const uint8_t *ip;
	uint8_t a[16];

	(void)state;
	run1(e->w, fx_frame6(mp, &client_mac, &port_mac[0], &f), 0);
	ip = ip6b(out_one(e->w, 1));
	inet_pton(AF_INET6, "2001:db8:1::2", a);
	assert_memory_equal(ip + 8, a, 16);
	inet_pton(AF_INET6, "2001:db8:2::11", a);
	assert_memory_equal(ip + 24, a, 16);
	assert_int_equal(ip[7], 63);
	assert_int_equal(rte_be_to_cpu_16(*(const uint16_t *)(ip + 42)), 8080);
	assert_int_equal(fx_l4_sum6(ip + 8, ip + 24, IPPROTO_TCP, ip + 40, 20 + 5), 0xffff);
	out_clear(e->w);
	f = (struct fx_l4){ .proto = IPPROTO_TCP, .src = "2001:db8:2::11", .dst = "2001:db8:1::2",
			    .sport = 8080, .dport = 7000,
			    .tcp_flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG };
	run1(e->w, fx_frame6(mp, &be_mac, &port_mac[1], &f), 1);
	ip = ip6b(out_one(e->w, 0));
	inet_pton(AF_INET6, NAT_VIP6, a);
	assert_memory_equal(ip + 8, a, 16);
	assert_int_equal(rte_be_to_cpu_16(*(const uint16_t *)(ip + 40)), 80);
	assert_int_equal(fx_l4_sum6(ip + 8, ip + 24, IPPROTO_TCP, ip + 40, 20), 0xffff);
	out_clear(e->w);
	/* no conn: no_conn */
	f.dport = 7001;
	run1(e->w, fx_frame6(mp, &be_mac, &port_mac[1], &f), 1);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.drops[DROP_no_conn], 1);
	env_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nat_rewrites_both_ways),
		cmocka_unit_test(test_nat_udp),
		cmocka_unit_test(test_nat_two_workers_hand_to_the_client_owner),
		cmocka_unit_test(test_nat_answer_of_no_conn),
		cmocka_unit_test(test_nat_icmp_both_ways),
		cmocka_unit_test(test_nat_icmp_handed_to_the_client_owner),
		cmocka_unit_test(test_nat6_both_ways),
	};

	ENV_RUN(tests);
}
