/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packet fixtures of mode dr (issue 10, item 1): the client's packet leaves toward the
 * backend with only its Ethernet header new (the backend's MAC, the port's), its IP packet
 * byte for byte as it came; the conn is keyed by the client's side alone and keeps IPVS's
 * INPUT_ONLY TCP states; no route back to the client is needed; an ICMP error from the
 * client's side reaches the backend unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "env.h"
#include "errors.h"
#include "net/icmp.h"
#include "test_eal.h"

#define DR_VIP "10.0.0.20"
#define DR_VIP6 "2001:db8:100::20"

/* DR services beside the fixture's FULLNAT ones; backends on the backend port's LAN. */
#define DR_SERVICES                                                                     \
	"  - vip: " DR_VIP ":80/tcp\n"                                                  \
	"    mode: dr\n"                                                                \
	"    scheduler: rr\n"                                                           \
	"    backends: [{address: 10.0.2.11:80}, {address: 10.0.2.12:80}]\n"            \
	"  - vip: " DR_VIP ":53/udp\n"                                                  \
	"    mode: dr\n"                                                                \
	"    backends: [{address: 10.0.2.21:53}]\n"                                     \
	"  - vip: '[" DR_VIP6 "]:80/tcp'\n"                                             \
	"    mode: dr\n"                                                                \
	"    scheduler: rr\n"                                                           \
	"    backends: [{address: '[2001:db8:2::11]:80'}, {address: '[2001:db8:2::12]:80'}]\n"

static struct env *
dr_env(unsigned workers)
{
	return env_new6_extra(workers, 4096, "", DR_SERVICES);
}

/* m left toward the backend with only its Ethernet addresses new. */
static void
assert_dr_frame(struct rte_mbuf *m, const struct ipcopy *in)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	assert_memory_equal(&eth->dst_addr, &be_mac, 6);
	assert_memory_equal(&eth->src_addr, &port_mac[1], 6);
	assert_int_equal(rte_pktmbuf_data_len(m) - PKT_IP_OFF, in->len);
	assert_memory_equal(rte_pktmbuf_mtod_offset(m, uint8_t *, PKT_IP_OFF), in->b, in->len);
}

/* A burst of 32 SYNs goes out unchanged, spread by rr; each made a conn with no OUT key. */
static void
test_dr_syn_burst_leaves_unchanged(void **state)
{
	struct env *e = dr_env(1);
	struct rte_mbuf *in[32];
	struct ipcopy cp[32];
	unsigned i, to11 = 0;

	(void)state;
	for (i = 0; i < 32; i++) {
		in[i] = tcp("10.0.1.2", (uint16_t)(1000 + i), DR_VIP, 80, RTE_TCP_SYN_FLAG,
			    &client_mac, 0);
		in[i]->port = 0;
		ip_copy(in[i], &cp[i]);
	}
	pipeline_run(e->w, in, 32);
	assert_int_equal(out_total(e->w), 32);
	assert_int_equal(e->w->s.out.n[1], 32);
	for (i = 0; i < 32; i++) {
		struct rte_mbuf *m = e->w->s.out.pkts[1][i];
		struct conn *c = conn4_of(e->w, "10.0.1.2", (uint16_t)(1000 + i), DR_VIP, 80, IPPROTO_TCP);

		assert_dr_frame(m, &cp[i]);
		assert_non_null(c);
		assert_int_equal(c->state, TCP_S_SYN_RECV);
		assert_false(c->flags & CONN_F_OUT);
		assert_true(c->flags & CONN_F_IN_ONLY);
		assert_int_equal(c->laddr, 0);
		to11 += c->daddr == fx_ip("10.0.2.11");
	}
	assert_int_equal(to11, 16); /* rr over two backends */
	assert_int_equal(conn_count(e->w->s.ct), 32);
	assert_int_equal(e->w->s.st.conns_created, 32);
	/* the backend slots of this service: the fixture's 6 come first */
	assert_int_equal(be_ctr(e, 6)->conns + be_ctr(e, 7)->conns, 32);
	env_free(e);
}

/*
 * The client's half alone moves the state, as IPVS's INPUT_ONLY table: its ACK makes the
 * conn ESTABLISHED (active), its FIN FIN_WAIT (not CLOSE_WAIT: the backend's FIN is never
 * seen), and every packet goes to the backend the SYN chose.
 */
static void
test_dr_tracks_the_client_side(void **state)
{
	struct env *e = dr_env(1);
	static const uint8_t flags[] = { RTE_TCP_ACK_FLAG, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG,
					 RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, RTE_TCP_ACK_FLAG };
	static const uint8_t want[] = { TCP_S_ESTABLISHED, TCP_S_ESTABLISHED, TCP_S_FIN_WAIT,
					TCP_S_FIN_WAIT };
	struct conn *c;
	uint32_t be;
	unsigned i;

	(void)state;
	run1(e->w, tcp("10.0.1.3", 4000, DR_VIP, 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
	out_one(e->w, 1);
	out_clear(e->w);
	c = conn4_of(e->w, "10.0.1.3", 4000, DR_VIP, 80, IPPROTO_TCP);
	assert_non_null(c);
	be = c->daddr;
	assert_int_equal(e->dp->svc_gauges[4].inactive, 1);
	for (i = 0; i < sizeof(flags); i++) {
		struct rte_mbuf *m = tcp("10.0.1.3", 4000, DR_VIP, 80, flags[i], &client_mac, 0);
		struct ipcopy cp;

		ip_copy(m, &cp);
		run1(e->w, m, 0);
		assert_dr_frame(out_one(e->w, 1), &cp);
		out_clear(e->w);
		assert_int_equal(c->state, want[i]);
		assert_int_equal(c->daddr, be);
		if (i == 0) {
			assert_int_equal(e->dp->svc_gauges[4].active, 1);
			assert_int_equal(e->dp->svc_gauges[4].inactive, 0);
		}
	}
	assert_int_equal(e->dp->svc_gauges[4].active, 0);
	assert_int_equal(e->dp->svc_gauges[4].inactive, 1);
	/* A RST from the client closes it. */
	run1(e->w, tcp("10.0.1.3", 4000, DR_VIP, 80, RTE_TCP_RST_FLAG, &client_mac, 0), 0);
	out_clear(e->w);
	assert_int_equal(c->state, TCP_S_CLOSE);
	env_free(e);
}

/*
 * The backend answers the client itself, so a client the node has no route to (here: no
 * routes at all, a client behind a router) and a TTL of 1 are forwarded, where FULLNAT
 * must drop both.
 */
static void
test_dr_needs_no_route_to_the_client(void **state)
{
	struct env *e = dr_env(1);
	struct fx_l4 f = { .proto = IPPROTO_TCP, .src = "198.51.100.7", .dst = DR_VIP,
			   .sport = 5555, .dport = 80, .tcp_flags = RTE_TCP_SYN_FLAG, .ttl = 1 };
	struct rte_mbuf *m = fx_frame(mp, &router_mac, &port_mac[0], &f);
	struct ipcopy cp;

	(void)state;
	ip_copy(m, &cp);
	run1(e->w, m, 0);
	assert_dr_frame(out_one(e->w, 1), &cp);
	out_clear(e->w);
	/* The same client to the FULLNAT service on the same VIP address family: no route. */
	f.dst = "10.0.0.10";
	f.ttl = 0;
	run1(e->w, fx_frame(mp, &router_mac, &port_mac[0], &f), 0);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.drops[DROP_no_route], 1);
	env_free(e);
}

/* UDP: the first datagram makes the conn, the rest follow it; payloads untouched. */
static void
test_dr_udp(void **state)
{
	struct env *e = dr_env(1);
	struct fx_l4 f = { .proto = IPPROTO_UDP, .src = "10.0.1.4", .dst = DR_VIP,
			   .sport = 3333, .dport = 53, .payload = "query", .payload_len = 5 };
	unsigned i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct rte_mbuf *m = fx_frame(mp, &client_mac, &port_mac[0], &f);
		struct ipcopy cp;

		ip_copy(m, &cp);
		run1(e->w, m, 0);
		assert_dr_frame(out_one(e->w, 1), &cp);
		out_clear(e->w);
	}
	assert_int_equal(e->w->s.st.conns_created, 1);
	assert_int_equal(be_ctr(e, 8)->in_pkts, 3);
	assert_non_null(conn4_of(e->w, "10.0.1.4", 3333, DR_VIP, 53, IPPROTO_UDP));
	env_free(e);
}

/*
 * A router's fragmentation-needed about what the backend sent the client (VIP:80 ->
 * client) reaches the backend as it came, so the backend's kernel lowers its path MTU.
 */
static void
test_dr_icmp_from_the_client_side_reaches_the_backend(void **state)
{
	struct env *e = dr_env(1);
	struct rte_mbuf *q, *m;
	struct ipcopy cp;

	(void)state;
	run1(e->w, tcp("10.0.1.5", 6000, DR_VIP, 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
	out_clear(e->w);
	/* what the backend sent: VIP:80 -> client:6000 */
	q = tcp(DR_VIP, 80, "10.0.1.5", 6000, RTE_TCP_ACK_FLAG, &be_mac, 0);
	m = icmp_error("10.0.1.9", DR_VIP, ICMP4_DEST_UNREACH, 4,
		       rte_cpu_to_be_32(1400), q, 20 + 20, 0);
	ip_copy(m, &cp);
	run1(e->w, m, 0);
	assert_dr_frame(out_one(e->w, 1), &cp);
	assert_int_equal(e->w->s.st.icmp_relayed, 1);
	env_free(e);
}

/* IPv6: the same, the backend's MAC found by ND on its own address. */
static void
test_dr6_leaves_unchanged_and_tracks_one_way(void **state)
{
	struct env *e = dr_env(1);
	struct fx_l4 f = { .proto = IPPROTO_TCP, .src = "2001:db8:1::2", .dst = DR_VIP6,
			   .sport = 7000, .dport = 80, .tcp_flags = RTE_TCP_SYN_FLAG };
	struct rte_mbuf *in[16];
	struct ipcopy cp[16];
	unsigned i;

	(void)state;
	for (i = 0; i < 16; i++) {
		f.sport = (uint16_t)(7000 + i);
		in[i] = fx_frame6(mp, &client_mac, &port_mac[0], &f);
		in[i]->port = 0;
		ip_copy(in[i], &cp[i]);
	}
	pipeline_run(e->w, in, 16);
	assert_int_equal(out_total(e->w), 16);
	assert_int_equal(e->w->s.out.n[1], 16);
	for (i = 0; i < 16; i++)
		assert_dr_frame(e->w->s.out.pkts[1][i], &cp[i]);
	out_clear(e->w);
	assert_int_equal(conn_count(e->w->s.ct6), 16);
	/* The client's FIN on ESTABLISHED: FIN_WAIT, one way. */
	f.sport = 7000;
	for (i = 0; i < 2; i++) {
		f.tcp_flags = i == 0 ? RTE_TCP_ACK_FLAG : (RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG);
		run1(e->w, fx_frame6(mp, &client_mac, &port_mac[0], &f), 0);
		out_one(e->w, 1);
		out_clear(e->w);
	}
	{
		struct conn_key6 k = { .sport = rte_cpu_to_be_16(7000), .dport = RTE_BE16(80),
				       .proto = IPPROTO_TCP };
		enum conn_dir dir;
		struct conn *c;

		inet_pton(AF_INET6, "2001:db8:1::2", k.saddr);
		inet_pton(AF_INET6, DR_VIP6, k.daddr);
		c = conn6_lookup(e->w->s.ct6, &k, &dir);
		assert_non_null(c);
		assert_int_equal(c->state, TCP_S_FIN_WAIT);
		assert_false(c->flags & CONN_F_OUT);
	}
	env_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dr_syn_burst_leaves_unchanged),
		cmocka_unit_test(test_dr_tracks_the_client_side),
		cmocka_unit_test(test_dr_needs_no_route_to_the_client),
		cmocka_unit_test(test_dr_udp),
		cmocka_unit_test(test_dr_icmp_from_the_client_side_reaches_the_backend),
		cmocka_unit_test(test_dr6_leaves_unchanged_and_tracks_one_way),
	};

	ENV_RUN(tests);
}
