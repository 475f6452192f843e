/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packet fixtures of the sanity filter and of what the node answers or refuses: sources that
 * cannot be real, frames not for us, TCP flag sets that open nothing, a TTL that runs out,
 * and replies that follow the route (not the MAC a conn's first packet came from).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "env.h"
#include "forward/peer.h"
#include "net/icmp.h"
#include "test_eal.h"

/* The one reason counted since `before`; nothing else. */
static void
assert_only_drop(const struct worker *w, const uint64_t *before, unsigned reason)
{
	unsigned r;

	for (r = 1; r < DROP_MAX; r++)
		if (w->s.st.drops[r] - before[r] != (r == reason))
			fail_msg("drop %s: %" PRIu64 " (wanted %s once)", drop_name(r),
				 w->s.st.drops[r] - before[r], drop_name(reason));
}

static struct rte_mbuf *
udp(const char *src, uint16_t sport, const char *dst, uint16_t dport,
    const struct rte_ether_addr *smac, unsigned port)
{
	static const uint8_t q[12] = { 0x12, 0x34, 1, 0, 0, 1 }; /* a DNS header's worth */
	struct fx_l4 f = { .proto = IPPROTO_UDP, .src = src, .dst = dst, .sport = sport,
			   .dport = dport, .payload = q, .payload_len = sizeof(q) };

	return fx_frame(mp, smac, &port_mac[port], &f);
}

static struct rte_mbuf *
ping(const char *src, const char *dst)
{
	struct fx_l4 f = { .proto = IPPROTO_ICMP, .src = src, .dst = dst, .payload = "abcd",
			   .payload_len = 4 };

	return fx_frame(mp, &client_mac, &port_mac[0], &f);
}

/*
 * The defect: SYNs, DNS queries and pings from sources that cannot be real opened conns and
 * got answers. Each is dropped before anything else with a counter of its own, opens nothing
 * and is answered by nothing.
 */
static void
test_bad_sources(void **state)
{
	static const struct {
		const char *src;
		unsigned reason;
	} cases[] = {
		{ "255.255.255.255", DROP_src_martian }, { "0.0.0.0", DROP_src_martian },
		{ "127.0.0.1", DROP_src_martian },       { "224.0.0.1", DROP_src_martian },
		{ "240.1.2.3", DROP_src_martian },       { "10.0.0.10", DROP_land },
		{ "10.0.2.100", DROP_src_local },        { "10.0.1.1", DROP_src_local },
		{ "10.0.2.1", DROP_src_local },          { "10.0.2.11", DROP_src_backend },
		{ "10.0.1.255", DROP_src_broadcast },    { "10.0.2.255", DROP_src_broadcast },
	};
	struct env *e = env_new(1, 1024);
	uint64_t before[DROP_MAX];
	unsigned i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* a SYN, a DNS query and a ping to the VIP, a ping to the port address, and an
		 * echo reply to it (for the kernel, were the source real) */
		for (k = 0; k < 5; k++) {
			struct rte_mbuf *m;
			unsigned want = cases[i].reason;

			if (k == 0)
				m = tcp(cases[i].src, 40000, "10.0.0.10", 80, RTE_TCP_SYN_FLAG,
					&client_mac, 0);
			else if (k == 1)
				m = udp(cases[i].src, 40000, "10.0.0.10", 53, &client_mac, 0);
			else
				m = ping(cases[i].src, k == 2 ? "10.0.0.10" : "10.0.1.1");
			if (k == 4)
				((struct rte_icmp_hdr *)(ip_of(m) + 1))->icmp_type =
					RTE_IP_ICMP_ECHO_REPLY;
			/* to itself it is the land attack, to another of our addresses a local
			 * source */
			if (k >= 3 && strcmp(cases[i].src, "10.0.1.1") == 0)
				want = DROP_land;
			if (k >= 3 && want == DROP_land && strcmp(cases[i].src, "10.0.0.10") == 0)
				want = DROP_src_local;
			memcpy(before, e->w->s.st.drops, sizeof(before));
			run1(e->w, m, 0);
			assert_int_equal(out_total(e->w), 0);
			assert_only_drop(e->w, before, want);
		}
	}
	assert_int_equal(conn_count(e->w->s.ct), 0);
	assert_int_equal(e->w->s.st.icmp_replied, 0);
	assert_int_equal(e->w->s.st.icmp_err_sent, 0);
	/* A burst of 32 of them at once: the same, each counted. */
	{
		struct rte_mbuf *b[32];

		memcpy(before, e->w->s.st.drops, sizeof(before));
		for (i = 0; i < 32; i++) {
			b[i] = tcp("127.0.0.1", (uint16_t)(1000 + i), "10.0.0.10", 80,
				   RTE_TCP_SYN_FLAG, &client_mac, 0);
			b[i]->port = 0;
		}
		pipeline_run(e->w, b, 32);
		assert_int_equal(out_total(e->w), 0);
		assert_int_equal(e->w->s.st.drops[DROP_src_martian] - before[DROP_src_martian], 32);
	}
	env_free(e);
}

/* A backend may still be a client of a VIP from its own LAN; an echo with a bad checksum is
 * not answered. */
static void
test_backend_as_client_and_bad_echo(void **state)
{
	struct env *e = env_new(1, 1024);
	struct rte_mbuf *m;
	uint64_t before[DROP_MAX];

	(void)state;
	run1(e->w, tcp("10.0.2.11", 40000, "10.0.0.10", 80, RTE_TCP_SYN_FLAG, &be_mac, 1), 1);
	assert_int_equal(conn_count(e->w->s.ct), 1);
	assert_int_equal(out_total(e->w), 1);
	out_clear(e->w);
	m = ping("10.0.1.2", "10.0.0.10");
	((struct rte_icmp_hdr *)(ip_of(m) + 1))->icmp_cksum ^= 0x00ff;
	memcpy(before, e->w->s.st.drops, sizeof(before));
	run1(e->w, m, 0);
	assert_int_equal(out_total(e->w), 0);
	assert_only_drop(e->w, before, DROP_bad_icmp_checksum);
	env_free(e);
}

/*
 * The defect: SYN+FIN, null, xmas and SYN+RST were passed to the peers before being dropped.
 * They are dropped first, each under its own name, and never reach a peer.
 */
static void
test_flag_sets(void **state)
{
	static const struct rte_ether_addr peer_mac = { { 2, 0, 0, 0, 1, 12 } };
	static const struct {
		uint8_t flags;
		unsigned reason;
	} cases[] = {
		{ RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG, DROP_tcp_syn_fin },
		{ RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, DROP_tcp_syn_fin },
		{ RTE_TCP_SYN_FLAG | RTE_TCP_RST_FLAG, DROP_tcp_syn_rst },
		{ 0, DROP_tcp_null },
		{ RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG | RTE_TCP_URG_FLAG, DROP_tcp_xmas },
		{ RTE_TCP_FIN_FLAG, DROP_tcp_fin_no_ack },
		{ 0x3f, DROP_tcp_syn_fin }, /* every flag */
	};
	struct env *e = env_new_extra(1, 1024, "  peers: [10.0.1.12]\n");
	uint64_t before[DROP_MAX];
	unsigned i;

	(void)state;
	neigh_learn(e->dp->neigh, fx_ip("10.0.1.12"), 0, &peer_mac, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(before, e->w->s.st.drops, sizeof(before));
		run1(e->w, tcp("10.0.1.2", (uint16_t)(40000 + i), "10.0.0.10", 80, cases[i].flags,
			       &client_mac, 0), 0);
		assert_int_equal(out_total(e->w), 0);
		assert_only_drop(e->w, before, cases[i].reason);
	}
	assert_int_equal(e->w->s.st.to_peers, 0);
	assert_int_equal(conn_count(e->w->s.ct), 0);
	/* What real stacks send still flows: an ACK of no conn goes to the peer. */
	run1(e->w, tcp("10.0.1.2", 41000, "10.0.0.10", 80, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG,
		       &client_mac, 0), 0);
	assert_int_equal(e->w->s.st.to_peers, 1);
	env_free(e);
}

/*
 * The defect: frames to another station's MAC, or to the broadcast MAC, were processed; a SYN
 * from a broadcast source MAC made every reply a broadcast. Such frames are dropped (ARP may
 * still be broadcast).
 */
static void
test_macs(void **state)
{
	static const struct rte_ether_addr other = { { 2, 0, 0, 0, 9, 9 } };
	static const struct rte_ether_addr bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	static const struct rte_ether_addr mcast = { { 0x01, 0x00, 0x5e, 0, 0, 1 } };
	struct env *e = env_new(1, 1024);
	struct fx_l4 f = { .proto = IPPROTO_TCP, .src = "10.0.1.2", .dst = "10.0.0.10",
			   .sport = 40000, .dport = 80, .tcp_flags = RTE_TCP_SYN_FLAG };
	uint64_t before[DROP_MAX];

	(void)state;
	memcpy(before, e->w->s.st.drops, sizeof(before));
	run1(e->w, fx_frame(mp, &client_mac, &other, &f), 0);
	assert_only_drop(e->w, before, DROP_mac_not_ours);
	memcpy(before, e->w->s.st.drops, sizeof(before));
	run1(e->w, fx_frame(mp, &client_mac, &bcast, &f), 0);
	assert_only_drop(e->w, before, DROP_mac_not_ours);
	memcpy(before, e->w->s.st.drops, sizeof(before));
	run1(e->w, fx_frame(mp, &bcast, &port_mac[0], &f), 0);
	assert_only_drop(e->w, before, DROP_mac_bad_source);
	memcpy(before, e->w->s.st.drops, sizeof(before));
	run1(e->w, fx_frame(mp, &mcast, &port_mac[0], &f), 0);
	assert_only_drop(e->w, before, DROP_mac_bad_source);
	/* an ARP frame from a group MAC too */
	memcpy(before, e->w->s.st.drops, sizeof(before));
	run1(e->w, fx_arp(mp, &bcast, RTE_ARP_OP_REQUEST, "10.0.1.2", "10.0.1.1"), 0);
	assert_only_drop(e->w, before, DROP_mac_bad_source);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(conn_count(e->w->s.ct), 0);
	/* A broadcast ARP request is answered as ever. */
	run1(e->w, fx_arp(mp, &client_mac, RTE_ARP_OP_REQUEST, "10.0.1.2", "10.0.0.10"), 0);
	assert_int_equal(out_one(e->w, 0) != NULL, 1);
	env_free(e);
}

/* Check m is a time-exceeded from 10.0.1.1 to `to` quoting the IP header `orig`. */
static void
assert_time_exceeded(struct rte_mbuf *m, const char *to, const struct rte_ipv4_hdr *orig)
{
	struct rte_ipv4_hdr *ip = ip_of(m);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip + 1);
	unsigned icmp_len = rte_be_to_cpu_16(ip->total_length) - sizeof(*ip);

	assert_frame_ok(m);
	assert_int_equal(ip->next_proto_id, IPPROTO_ICMP);
	assert_int_equal(ip->src_addr, fx_ip("10.0.1.1"));
	assert_int_equal(ip->dst_addr, fx_ip(to));
	assert_int_equal(ic->icmp_type, ICMP4_TIME_EXCEEDED);
	assert_int_equal(ic->icmp_code, 0);
	assert_int_equal(rte_raw_cksum(ic, icmp_len), 0xffff);
	assert_true(icmp_len >= sizeof(*ic) + sizeof(*orig) + 8);
	assert_memory_equal(ic + 1, orig, sizeof(*orig));
	assert_memory_equal(&pkt_eth(m)->dst_addr, &client_mac, 6);
	assert_memory_equal(&pkt_eth(m)->src_addr, &port_mac[0], 6);
}

/*
 * The defect: a SYN with TTL 1 made a conn (held 60 s, counted as the service's) and a UDP
 * datagram one for 300 s. Now no conn, a time-exceeded back to the client, counted; the
 * errors are rate limited; a packet of an existing conn with TTL 1 gets one too and the
 * conn lives on.
 */
static void
test_ttl_exceeded(void **state)
{
	struct env *e = env_new(1, 1024);
	struct fx_l4 f = { .proto = IPPROTO_TCP, .src = "10.0.1.2", .dst = "10.0.0.10",
			   .sport = 40000, .dport = 80, .tcp_flags = RTE_TCP_SYN_FLAG, .ttl = 1 };
	struct rte_ipv4_hdr orig;
	struct rte_mbuf *m;
	unsigned i;

	(void)state;
	m = fx_frame(mp, &client_mac, &port_mac[0], &f);
	orig = *ip_of(m);
	run1(e->w, m, 0);
	assert_time_exceeded(out_one(e->w, 0), "10.0.1.2", &orig);
	out_clear(e->w);
	f.proto = IPPROTO_UDP;
	f.dport = 53;
	m = fx_frame(mp, &client_mac, &port_mac[0], &f);
	orig = *ip_of(m);
	run1(e->w, m, 0);
	assert_time_exceeded(out_one(e->w, 0), "10.0.1.2", &orig);
	out_clear(e->w);
	assert_int_equal(conn_count(e->w->s.ct), 0);
	assert_int_equal(e->w->s.st.drops[DROP_ttl_exceeded], 2);
	assert_int_equal(dp_svc_counters(e->dp, 0, 0)->conns, 0);
	assert_int_equal(e->w->s.st.icmp_err_sent, 2);

	/* An established conn's packet with TTL 1: an error, the conn stays. */
	run1(e->w, tcp("10.0.1.3", 40001, "10.0.0.10", 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
	out_clear(e->w);
	f = (struct fx_l4){ .proto = IPPROTO_TCP, .src = "10.0.1.3", .dst = "10.0.0.10",
			    .sport = 40001, .dport = 80, .tcp_flags = RTE_TCP_ACK_FLAG, .ttl = 1 };
	m = fx_frame(mp, &client_mac, &port_mac[0], &f);
	orig = *ip_of(m);
	run1(e->w, m, 0);
	assert_time_exceeded(out_one(e->w, 0), "10.0.1.3", &orig);
	out_clear(e->w);
	assert_int_equal(conn_count(e->w->s.ct), 1);

	/* A flood of them: ICMP_ERR_BURST answered at once, the rest counted, none a conn. */
	worker_set_time(e->w, 5000000);
	f.tcp_flags = RTE_TCP_SYN_FLAG;
	for (i = 0; i < ICMP_ERR_BURST + 50; i++) {
		f.sport = (uint16_t)(2000 + i);
		run1(e->w, fx_frame(mp, &client_mac, &port_mac[0], &f), 0);
		out_clear(e->w);
	}
	assert_int_equal(e->w->s.st.icmp_err_limited, 50);
	assert_int_equal(conn_count(e->w->s.ct), 1);
	/* the bucket refills with time */
	worker_set_time(e->w, 5000010);
	run1(e->w, fx_frame(mp, &client_mac, &port_mac[0], &f), 0);
	assert_int_equal(out_total(e->w), 1);
	env_free(e);
}

/*
 * The defect: a conn sent its replies to the MAC its first packet came from, so a router that
 * went away took the replies with it. Clients behind a router (10.0.1.254, the route to
 * 192.168.0.0/16): the first SYN comes through router A; the router's address then moves to
 * router B (a failover, announced by a gratuitous ARP): the replies follow at once. A SYN
 * that came in through another station (router C) is answered through the route too.
 */
static void
test_replies_follow_the_route(void **state)
{
	static const struct rte_ether_addr ra = { { 2, 0, 0, 0, 0xa, 1 } };
	static const struct rte_ether_addr rb = { { 2, 0, 0, 0, 0xb, 1 } };
	static const struct rte_ether_addr rc = { { 2, 0, 0, 0, 0xc, 1 } };
	struct env *e = env_new_extra(1, 1024,
				      "  routes: [{to: 192.168.0.0/16, via: 10.0.1.254}]\n");
	struct rte_mbuf *m, *b[32];
	struct neigh_event ev;
	char be[INET_ADDRSTRLEN];
	uint16_t lport;
	unsigned i;

	(void)state;
	neigh_learn(e->dp->neigh, fx_ip("10.0.1.254"), 0, &ra, 0);
	run1(e->w, tcp("192.168.7.7", 40000, "10.0.0.10", 80, RTE_TCP_SYN_FLAG, &rc, 0), 0);
	m = out_one(e->w, 1);
	lport = sport_of(m);
	inet_ntop(AF_INET, &ip_of(m)->dst_addr, be, sizeof(be));
	out_clear(e->w);
	/* The SYN-ACK goes to the route's next hop, router A, not to C. */
	run1(e->w, tcp(be, 8080, "10.0.2.100", lport, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG,
		       &be_mac, 1), 1);
	m = out_one(e->w, 0);
	assert_memory_equal(&pkt_eth(m)->dst_addr, &ra, 6);
	assert_memory_equal(&pkt_eth(m)->src_addr, &port_mac[0], 6);
	assert_tuple(m, "10.0.0.10", 80, "192.168.7.7", 40000);
	out_clear(e->w);
	/* Router B takes the address over and says so; the worker passes it on. */
	run1(e->w, fx_arp(mp, &rb, RTE_ARP_OP_REQUEST, "10.0.1.254", "10.0.1.254"), 0);
	assert_int_equal(rte_ring_dequeue_elem(e->w->s.events, &ev, sizeof(ev)), 0);
	assert_int_equal(ev.type, NEIGH_EV_LEARN);
	assert_int_equal(ev.ip.w[3], fx_ip("10.0.1.254"));
	neigh_learn46(e->dp->neigh, &ev.ip, ev.port, (const struct rte_ether_addr *)ev.mac, 1);
	out_clear(e->w);
	/* A burst of replies: every one to router B. */
	for (i = 0; i < 32; i++) {
		b[i] = tcp(be, 8080, "10.0.2.100", lport, RTE_TCP_ACK_FLAG, &be_mac, 1);
		b[i]->port = 1;
	}
	pipeline_run(e->w, b, 32);
	assert_int_equal(e->w->s.out.n[0], 32);
	for (i = 0; i < 32; i++) {
		assert_memory_equal(&pkt_eth(e->w->s.out.pkts[0][i])->dst_addr, &rb, 6);
		assert_frame_ok(e->w->s.out.pkts[0][i]);
	}
	out_clear(e->w);
	/* No route back to a client: no conn (its replies could go nowhere). */
	run1(e->w, tcp("172.16.0.1", 40000, "10.0.0.10", 80, RTE_TCP_SYN_FLAG, &ra, 0), 0);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.drops[DROP_no_route], 1);
	assert_int_equal(conn_count(e->w->s.ct), 1);
	env_free(e);
}

/* An IPv6 TCP SYN to the client port: its MAC or a multicast one, fragmented or not. */
static struct rte_mbuf *
v6_frame(const struct rte_ether_addr *dst, int frag)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	unsigned l4 = 14 + 40 + (frag ? 8 : 0);
	uint8_t *b = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(l4 + 20));
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)b;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(b + 14);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(b + l4);

	memset(b, 0, l4 + 20);
	eth->dst_addr = *dst;
	eth->src_addr = client_mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip->vtc_flow = RTE_BE32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)(l4 + 20 - 14 - 40));
	ip->proto = frag ? 44 : PROTO_TCP;
	ip->hop_limits = 64;
	ip->src_addr[0] = 0x20, ip->src_addr[1] = 0x01, ip->src_addr[15] = 2;
	ip->dst_addr[0] = 0x20, ip->dst_addr[1] = 0x01, ip->dst_addr[15] = 10;
	if (frag) {
		b[14 + 40] = PROTO_TCP;
		b[14 + 40 + 3] = 1; /* M: more fragments follow */
	}
	th->src_port = RTE_BE16(40000);
	th->dst_port = RTE_BE16(80);
	th->data_off = 5 << 4;
	th->tcp_flags = RTE_TCP_SYN_FLAG;
	m->port = 0;
	return m;
}

/*
 * IPv6 is parsed and every frame counted under what is wrong with it; what parses is for
 * no address of this node (not_for_us). A burst of them, mixed, and nothing leaves.
 */
static void
test_ipv6_counted(void **state)
{
	static const struct rte_ether_addr solicited = { { 0x33, 0x33, 0xff, 0, 0, 10 } };
	static const struct rte_ether_addr other = { { 2, 0, 0, 0, 9, 9 } };
	struct env *e = env_new(1, 1024);
	struct rte_mbuf *burst[24];
	unsigned i;

	(void)state;
	for (i = 0; i < 24; i++)
		burst[i] = v6_frame(i % 4 == 0 ? &port_mac[0] : i % 4 == 1 ? &solicited :
				    i % 4 == 2 ? &other : &port_mac[0], i % 4 == 3);
	pipeline_run(e->w, burst, 24);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.drops[DROP_not_for_us], 12);
	assert_int_equal(e->w->s.st.drops[DROP_mac_not_ours], 6);
	assert_int_equal(e->w->s.st.drops[DROP_ip_fragment], 6);
	assert_int_equal(conn_count(e->w->s.ct), 0);
	env_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_sources),
		cmocka_unit_test(test_backend_as_client_and_bad_echo),
		cmocka_unit_test(test_flag_sets),
		cmocka_unit_test(test_macs),
		cmocka_unit_test(test_ttl_exceeded),
		cmocka_unit_test(test_replies_follow_the_route),
		cmocka_unit_test(test_ipv6_counted),
	};

	ENV_RUN(tests);
}
