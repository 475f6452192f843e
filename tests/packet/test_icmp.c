/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packet fixtures of ICMP errors about live FULLNAT conns (issue 8, item 6): relayed to the
 * conn's other side with the quoted packet rewritten to what that side sent, instead of being
 * dropped as icmp_unhandled (a PMTU black hole toward the backend, a UDP client that waits
 * for its timeout instead of failing at once).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "env.h"
#include "errors.h"
#include "net/icmp.h"
#include "test_eal.h"

/* A quoted segment's checksum summed with its pseudo header: 0xffff when it is right. */
static unsigned
l4_sum(const struct rte_ipv4_hdr *ip, const void *l4)
{
	uint32_t sum = rte_ipv4_phdr_cksum(ip, 0);

	sum += rte_raw_cksum(l4, rte_be_to_cpu_16(ip->total_length) - sizeof(*ip));
	sum = (sum & 0xffff) + (sum >> 16);
	return (sum & 0xffff) + (sum >> 16);
}

/* The relayed error is whole: outer and quoted IP checksums, the ICMP checksum. */
static struct rte_ipv4_hdr *
assert_error_ok(struct rte_mbuf *m, uint8_t type, uint8_t code)
{
	struct rte_ipv4_hdr *ip = ip_of(m);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip + 1);
	struct rte_ipv4_hdr *in = (struct rte_ipv4_hdr *)(ic + 1);

	assert_frame_ok(m);
	assert_int_equal(ip->next_proto_id, IPPROTO_ICMP);
	assert_int_equal(ic->icmp_type, type);
	assert_int_equal(ic->icmp_code, code);
	assert_int_equal(rte_raw_cksum(ic, rte_be_to_cpu_16(ip->total_length) - sizeof(*ip)),
			 0xffff);
	assert_int_equal(rte_raw_cksum(in, sizeof(*in)), 0xffff);
	return in;
}

/*
 * A router on the client's side says the conn's replies (VIP -> client) do not fit its MTU:
 * the backend, which sends them, hears it as about backend -> LIP, MTU unchanged. A burst of
 * conns, each error to its own conn.
 */
static void
test_frag_needed_reaches_backend(void **state)
{
	struct env *e = env_new(1, 4096);
	const uint32_t mtu = rte_cpu_to_be_32(1400); /* next-hop MTU in the low 16 bits */
	uint16_t lport[32];
	const char *be[32];
	unsigned i;

	(void)state;
	for (i = 0; i < 32; i++) {
		struct rte_mbuf *m;

		run1(e->w, tcp("10.0.1.2", (uint16_t)(41000 + i), "10.0.0.10", 80,
			       RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
		m = out_one(e->w, 1);
		lport[i] = sport_of(m);
		be[i] = ip_of(m)->dst_addr == fx_ip("10.0.2.11") ? "10.0.2.11" : "10.0.2.12";
		out_clear(e->w);
	}
	for (i = 0; i < 32; i++) {
		/* What the router got: VIP:80 -> client, 20 bytes of TCP header quoted. */
		struct rte_mbuf *q = tcp("10.0.0.10", 80, "10.0.1.2", (uint16_t)(41000 + i),
					 RTE_TCP_ACK_FLAG, &client_mac, 0);
		struct rte_ipv4_hdr *in;
		struct rte_tcp_hdr *th;
		struct rte_mbuf *m;

		run1(e->w, icmp_error("10.0.1.254", "10.0.0.10", ICMP4_DEST_UNREACH, 4, mtu, q,
				      40, 0), 0);
		m = out_one(e->w, 1);
		assert_tuple(m, "10.0.2.100", 0, be[i], 0);
		assert_memory_equal(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr,
				    &be_mac, 6);
		in = assert_error_ok(m, ICMP4_DEST_UNREACH, 4);
		assert_int_equal(rte_be_to_cpu_32(((uint32_t *)(in) - 1)[0]), 1400);
		th = (struct rte_tcp_hdr *)(in + 1);
		assert_int_equal(in->src_addr, fx_ip(be[i]));
		assert_int_equal(in->dst_addr, fx_ip("10.0.2.100"));
		assert_int_equal(rte_be_to_cpu_16(th->src_port), 8080);
		assert_int_equal(rte_be_to_cpu_16(th->dst_port), lport[i]);
		/* The quoted TCP checksum is the one the backend computed for that segment. */
		assert_int_equal(l4_sum(in, th), 0xffff);
		out_clear(e->w);
	}
	assert_int_equal(e->w->s.st.icmp_relayed, 32);
	env_free(e);
}

/*
 * Across workers: the conn is on worker 0 (the client's packets came there), the router's
 * fragmentation-needed about VIP -> client reaches worker 1. Worker 1 has no such conn and
 * passes the error on; worker 0 relays it to the backend. With three workers the error goes
 * round until the owner; when nobody has the conn, every worker tries once and the last
 * drops it as icmp_no_conn.
 */
static void
test_client_side_error_across_workers(void **state)
{
	const uint32_t mtu = rte_cpu_to_be_32(1400);
	struct env *e = env_new(3, 4096);
	struct worker *w0 = e->dp->workers[0], *w1 = e->dp->workers[1], *w2 = e->dp->workers[2];
	struct rte_mbuf *m;
	unsigned k;

	(void)state;
	for (k = 1; k < 3; k++) {
		worker_set_time(e->dp->workers[k], w0->s.now_ms);
		neigh_learn(e->dp->neigh, fx_ip("10.0.1.254"), 0, &router_mac, 0);
	}
	run1(w0, tcp("10.0.1.2", 41500, "10.0.0.10", 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
	m = out_one(w0, 1);
	out_clear(w0);
	/* the error lands on worker 2, which passes it to worker 0 (its next) */
	run1(w2, icmp_error("10.0.1.254", "10.0.0.10", ICMP4_DEST_UNREACH, 4, mtu,
			    tcp("10.0.0.10", 80, "10.0.1.2", 41500, RTE_TCP_ACK_FLAG, &client_mac,
				0), 40, 0), 0);
	assert_int_equal(out_total(w2), 0);
	assert_int_equal(w2->s.st.handoff_out, 1);
	assert_int_equal(worker_icmp_search(w0), 1);
	m = out_one(w0, 1);
	assert_error_ok(m, ICMP4_DEST_UNREACH, 4);
	assert_int_equal(w0->s.st.icmp_relayed, 1);
	out_clear(w0);
	/* on worker 1 it goes to 2, then to 0, which relays it */
	run1(w1, icmp_error("10.0.1.254", "10.0.0.10", ICMP4_DEST_UNREACH, 4, mtu,
			    tcp("10.0.0.10", 80, "10.0.1.2", 41500, RTE_TCP_ACK_FLAG, &client_mac,
				0), 40, 0), 0);
	assert_int_equal(worker_icmp_search(w2), 1);
	assert_int_equal(out_total(w2), 0);
	assert_int_equal(worker_icmp_search(w0), 1);
	assert_int_equal(out_total(w0), 1);
	assert_int_equal(w0->s.st.icmp_relayed, 2);
	out_clear(w0);
	/* about no conn at all: 1 -> 2 -> 0, where the third try gives up */
	run1(w1, icmp_error("10.0.1.254", "10.0.0.10", ICMP4_DEST_UNREACH, 4, mtu,
			    tcp("10.0.0.10", 80, "10.0.1.3", 41501, RTE_TCP_ACK_FLAG, &client_mac,
				0), 40, 0), 0);
	assert_int_equal(worker_icmp_search(w2), 1);
	assert_int_equal(worker_icmp_search(w0), 1);
	assert_int_equal(worker_icmp_search(w1), 0);
	assert_int_equal(out_total(w0) + out_total(w1) + out_total(w2), 0);
	assert_int_equal(w0->s.st.drops[DROP_icmp_no_conn], 1);
	assert_int_equal(w1->s.st.drops[DROP_icmp_no_conn] + w2->s.st.drops[DROP_icmp_no_conn], 0);
	env_free(e);
}

/*
 * A backend's port-unreachable about a UDP conn (LIP -> backend:53) reaches the client as
 * about client -> VIP:53, so dig fails at once instead of timing out.
 */
static void
test_port_unreachable_reaches_client(void **state)
{
	struct env *e = env_new(1, 1024);
	struct fx_l4 f = { .proto = IPPROTO_UDP, .src = "10.0.1.2", .dst = "10.0.0.10",
			   .sport = 5353, .dport = 53, .payload = "query", .payload_len = 5 };
	struct rte_ipv4_hdr *in;
	struct rte_udp_hdr *uh;
	struct rte_mbuf *m, *q;

	(void)state;
	run1(e->w, fx_frame(mp, &client_mac, &port_mac[0], &f), 0);
	m = out_one(e->w, 1);
	/* The packet as it left for the backend is what the backend quotes. */
	q = rte_pktmbuf_copy(m, mp, 0, UINT32_MAX);
	out_clear(e->w);
	run1(e->w, icmp_error("10.0.2.21", "10.0.2.100", ICMP4_DEST_UNREACH, 3, 0, q,
			      20 + 8 + 5, 1), 1);
	m = out_one(e->w, 0);
	assert_tuple(m, "10.0.0.10", 0, "10.0.1.2", 0);
	assert_memory_equal(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr, &client_mac,
			    6);
	in = assert_error_ok(m, ICMP4_DEST_UNREACH, 3);
	uh = (struct rte_udp_hdr *)(in + 1);
	assert_int_equal(in->src_addr, fx_ip("10.0.1.2"));
	assert_int_equal(in->dst_addr, fx_ip("10.0.0.10"));
	assert_int_equal(rte_be_to_cpu_16(uh->src_port), 5353);
	assert_int_equal(rte_be_to_cpu_16(uh->dst_port), 53);
	/* The whole datagram is quoted: its checksum is the client's own again. */
	assert_int_equal(l4_sum(in, uh), 0xffff);
	assert_int_equal(e->w->s.st.icmp_relayed, 1);
	env_free(e);
}

/* Errors about nothing of ours, or with a bad checksum, are dropped under their reasons. */
static void
test_errors_not_relayed(void **state)
{
	struct env *e = env_new(1, 1024);
	struct rte_mbuf *m;

	(void)state;
	/* No conn for client:41000 -> VIP:80 */
	run1(e->w, icmp_error("10.0.1.254", "10.0.0.10", ICMP4_DEST_UNREACH, 4, 0,
			      tcp("10.0.0.10", 80, "10.0.1.2", 41000, RTE_TCP_ACK_FLAG,
				  &client_mac, 0), 40, 0), 0);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.drops[DROP_icmp_no_conn], 1);
	/* A conn, but the error's checksum is wrong */
	run1(e->w, tcp("10.0.1.2", 41000, "10.0.0.10", 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
	out_clear(e->w);
	m = icmp_error("10.0.1.254", "10.0.0.10", ICMP4_DEST_UNREACH, 4, 0,
		       tcp("10.0.0.10", 80, "10.0.1.2", 41000, RTE_TCP_ACK_FLAG, &client_mac, 0),
		       40, 0);
	((struct rte_icmp_hdr *)(ip_of(m) + 1))->icmp_cksum ^= 0x0100;
	run1(e->w, m, 0);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.drops[DROP_bad_icmp_checksum], 1);
	/* About the conn, but addressed elsewhere than the VIP that sent the quoted packet */
	run1(e->w, icmp_error("10.0.1.254", "10.0.1.1", ICMP4_DEST_UNREACH, 4, 0,
			      tcp("10.0.0.10", 80, "10.0.1.2", 41000, RTE_TCP_ACK_FLAG,
				  &client_mac, 0), 40, 0), 0);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.drops[DROP_icmp_no_conn], 2);
	/* A quote cut before the ports */
	run1(e->w, icmp_error("10.0.1.254", "10.0.0.10", ICMP4_DEST_UNREACH, 4, 0,
			      tcp("10.0.0.10", 80, "10.0.1.2", 41000, RTE_TCP_ACK_FLAG,
				  &client_mac, 0), 22, 0), 0);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.drops[DROP_l4_truncated], 1);
	assert_int_equal(e->w->s.st.icmp_relayed, 0);
	env_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frag_needed_reaches_backend),
		cmocka_unit_test(test_client_side_error_across_workers),
		cmocka_unit_test(test_port_unreachable_reaches_client),
		cmocka_unit_test(test_errors_not_relayed),
	};

	ENV_RUN(tests);
}
