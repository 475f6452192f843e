/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv6 FULLNAT through pipeline_run() (worker/pipeline6.c): a client's SYN to the IPv6 VIP
 * leaves toward a backend from the IPv6 LIP, the backend's answer goes back from the VIP,
 * both with checksums that a full computation confirms; UDP the same; a burst mixing new
 * flows, their replies and the same new key twice; a reply on the worker that does not own
 * its LIP port handed over; what cannot be forwarded dropped under its reason. IPv4 conns
 * are not touched by any of it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "env.h"
#include "test_eal.h"

#define CL "2001:db8:1::2"
#define LIP6 "2001:db8:2::100"

static struct rte_mbuf *
tcp6(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint8_t flags,
     const struct rte_ether_addr *smac, unsigned port, uint8_t hops)
{
	struct fx_l4 f = { .proto = IPPROTO_TCP, .src = src, .dst = dst, .sport = sport,
			   .dport = dport, .tcp_flags = flags, .ttl = hops,
			   .payload = "hello", .payload_len = 5 };

	return fx_frame6(mp, smac, &port_mac[port], &f);
}

static const struct rte_ipv6_hdr *
ip6_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, PKT_IP_OFF);
}

static uint16_t
port_at(struct rte_mbuf *m, unsigned off)
{
	uint16_t v;

	memcpy(&v, rte_pktmbuf_mtod_offset(m, uint8_t *, PKT_IP_OFF + 40 + off), 2);
	return rte_be_to_cpu_16(v);
}

/* m goes src:sport -> dst:dport, its L4 checksum right by a full computation. */
static void
assert_tuple6(struct rte_mbuf *m, const char *src, uint16_t sport, const char *dst,
	      uint16_t dport)
{
	const struct rte_ipv6_hdr *ip = ip6_of(m);
	union addr46 s = A(src), d = A(dst);

	assert_memory_equal(ip->src_addr, s.b, 16);
	assert_memory_equal(ip->dst_addr, d.b, 16);
	assert_int_equal(port_at(m, 0), sport);
	assert_int_equal(port_at(m, 2), dport);
	/* the checksum as it is, and as computed afresh over the packet with the field zeroed */
	{
		uint8_t *l4 = (uint8_t *)(uintptr_t)(ip + 1);
		unsigned off = ip->proto == IPPROTO_TCP ? 16 : 6;
		uint16_t was, now, zero = 0;

		memcpy(&was, l4 + off, 2);
		memcpy(l4 + off, &zero, 2);
		now = rte_ipv6_udptcp_cksum(ip, l4);
		memcpy(l4 + off, &was, 2);
		assert_int_equal(was, now);
	}
}

/* The backend a packet toward the backends went to. */
static const char *
be_of(struct rte_mbuf *m)
{
	union addr46 b11 = A("2001:db8:2::11");

	return memcmp(ip6_of(m)->dst_addr, b11.b, 16) == 0 ? "2001:db8:2::11" : "2001:db8:2::12";
}

static void
test_tcp6_both_ways(void **state)
{
	struct env *e = env_new6(1, 1024);
	struct rte_mbuf *m;
	const uint8_t *b;
	uint16_t lport;
	const char *be;

	(void)state;
	/* a client port below the LIP range: the LIP port differs from it */
	run1(e->w, tcp6(CL, 999, ENV6_VIP, 80, RTE_TCP_SYN_FLAG, &client_mac, 0, 64), 0);
	m = out_one(e->w, 1);
	b = rte_pktmbuf_mtod(m, const uint8_t *);
	assert_memory_equal(b, &be_mac, 6);
	assert_memory_equal(b + 6, &port_mac[1], 6);
	assert_int_equal(ip6_of(m)->hop_limits, 63);
	be = be_of(m);
	lport = port_at(m, 0);
	assert_tuple6(m, LIP6, lport, be, 8080);
	assert_int_equal(memcmp(rte_pktmbuf_mtod_offset(m, uint8_t *, 14 + 40 + 20), "hello", 5),
			 0);
	out_clear(e->w);
	assert_int_equal(conn_count(e->w->s.ct6), 1);
	assert_int_equal(conn_count(e->w->s.ct), 0);
	assert_int_equal(e->w->s.st.conns_created, 1);

	/* the backend's answer, to the LIP port: back to the client, from the VIP */
	run1(e->w, tcp6(be, 8080, LIP6, lport, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, &be_mac, 1,
			64), 1);
	m = out_one(e->w, 0);
	b = rte_pktmbuf_mtod(m, const uint8_t *);
	assert_memory_equal(b, &client_mac, 6);
	assert_memory_equal(b + 6, &port_mac[0], 6);
	assert_tuple6(m, ENV6_VIP, 80, CL, 999);
	out_clear(e->w);
	/* and the client's ACK on the same conn */
	run1(e->w, tcp6(CL, 999, ENV6_VIP, 80, RTE_TCP_ACK_FLAG, &client_mac, 0, 64), 0);
	assert_tuple6(out_one(e->w, 1), LIP6, lport, be, 8080);
	out_clear(e->w);
	assert_int_equal(e->w->s.st.conns_created, 1);
	env_free(e);
}

static void
test_udp6(void **state)
{
	struct env *e = env_new6(1, 1024);
	struct fx_l4 f = { .proto = IPPROTO_UDP, .src = CL, .dst = ENV6_VIP, .sport = 5353,
			   .dport = 53, .payload = "query", .payload_len = 5 };
	struct rte_mbuf *m;
	uint16_t lport;

	(void)state;
	run1(e->w, fx_frame6(mp, &client_mac, &port_mac[0], &f), 0);
	m = out_one(e->w, 1);
	lport = port_at(m, 0);
	assert_tuple6(m, LIP6, lport, "2001:db8:2::21", 53);
	out_clear(e->w);
	f = (struct fx_l4){ .proto = IPPROTO_UDP, .src = "2001:db8:2::21", .dst = LIP6,
			    .sport = 53, .dport = lport, .payload = "answer", .payload_len = 6 };
	run1(e->w, fx_frame6(mp, &be_mac, &port_mac[1], &f), 1);
	assert_tuple6(out_one(e->w, 0), ENV6_VIP, 53, CL, 5353);
	out_clear(e->w);
	env_free(e);
}

/*
 * One burst of 32: 8 new flows, each sent twice (the same new key twice in a burst makes
 * one conn, and both packets go), 8 IPv4 flows among them, and 8 packets of older conns.
 * Then the replies of all 16 IPv6 flows in one burst.
 */
static void
test_burst6_mixed(void **state)
{
	struct env *e = env_new6(1, 4096);
	struct rte_mbuf *burst[32];
	uint16_t lport[16];
	const char *be[16];
	unsigned i, n = 0;

	(void)state;
	/* 8 older conns */
	for (i = 0; i < 8; i++) {
		struct rte_mbuf *m;

		run1(e->w, tcp6(CL, (uint16_t)(41000 + i), ENV6_VIP, 80, RTE_TCP_SYN_FLAG,
				&client_mac, 0, 64), 0);
		m = out_one(e->w, 1);
		lport[8 + i] = port_at(m, 0);
		be[8 + i] = be_of(m);
		out_clear(e->w);
	}
	for (i = 0; i < 8; i++) {
		struct fx_l4 f4 = { .proto = IPPROTO_TCP, .src = "10.0.1.2", .dst = "10.0.0.10",
				    .sport = (uint16_t)(42000 + i), .dport = 80,
				    .tcp_flags = RTE_TCP_SYN_FLAG };

		burst[n++] = tcp6(CL, (uint16_t)(43000 + i), ENV6_VIP, 80, RTE_TCP_SYN_FLAG,
				  &client_mac, 0, 64);
		burst[n++] = tcp6(CL, (uint16_t)(43000 + i), ENV6_VIP, 80, RTE_TCP_SYN_FLAG,
				  &client_mac, 0, 64);
		burst[n++] = fx_frame(mp, &client_mac, &port_mac[0], &f4);
		burst[n++] = tcp6(CL, (uint16_t)(41000 + i), ENV6_VIP, 80, RTE_TCP_ACK_FLAG,
				  &client_mac, 0, 64);
	}
	for (i = 0; i < 32; i++)
		burst[i]->port = 0;
	pipeline_run(e->w, burst, 32);
	assert_int_equal(e->w->s.out.n[1], 32);
	assert_int_equal(conn_count(e->w->s.ct6), 16);
	assert_int_equal(conn_count(e->w->s.ct), 8);
	/* the IPv6 packets come out in their order: each new flow's two, then the old one's */
	for (i = 0, n = 0; i < 32; i++) {
		struct rte_mbuf *m = e->w->s.out.pkts[1][i];

		if (rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type !=
		    RTE_BE16(RTE_ETHER_TYPE_IPV6))
			continue;
		if (n % 3 == 0)
			lport[n / 3] = port_at(m, 0), be[n / 3] = be_of(m);
		else if (n % 3 == 1)
			assert_tuple6(m, LIP6, lport[n / 3], be[n / 3], 8080);
		else
			assert_tuple6(m, LIP6, lport[8 + n / 3], be[8 + n / 3], 8080);
		n++;
	}
	assert_int_equal(n, 24);
	out_clear(e->w);
	for (i = 0; i < 16; i++) {
		burst[i] = tcp6(be[i], 8080, LIP6, lport[i], RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG,
				&be_mac, 1, 64);
		burst[i]->port = 1;
	}
	pipeline_run(e->w, burst, 16);
	assert_int_equal(e->w->s.out.n[0], 16);
	for (i = 0; i < 16; i++)
		assert_tuple6(e->w->s.out.pkts[0][i], ENV6_VIP, 80, CL,
			      (uint16_t)(i < 8 ? 43000 + i : 41000 + i - 8));
	out_clear(e->w);
	env_free(e);
}

/* Two workers: an IPv6 reply on the worker that does not own its LIP port is handed over. */
static void
test_handoff6(void **state)
{
	struct env *e = env_new6(2, 2048);
	struct worker *w0 = e->dp->workers[0], *w1 = e->dp->workers[1];
	struct rte_mbuf *m;
	uint16_t lport;
	const char *be;

	(void)state;
	worker_set_time(w1, w0->s.now_ms);
	run1(w0, tcp6(CL, 43000, ENV6_VIP, 80, RTE_TCP_SYN_FLAG, &client_mac, 0, 64), 0);
	m = out_one(w0, 1);
	lport = port_at(m, 0);
	be = be_of(m);
	assert_int_equal(lport & 1, 0); /* worker 0's slice */
	out_clear(w0);
	run1(w1, tcp6(be, 8080, LIP6, lport, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, &be_mac, 1, 64),
	     1);
	assert_int_equal(out_total(w1), 1);
	assert_int_equal(w1->s.out.n_handoff[0], 1);
	m = w1->s.out.handoff[0][0];
	w1->s.out.n_handoff[0] = 0;
	pipeline_run(w0, &m, 1);
	assert_tuple6(out_one(w0, 0), ENV6_VIP, 80, CL, 43000);
	out_clear(w0);
	env_free(e);
}

/*
 * Peers by either family. A TCP packet of an IPv6 conn this node does not know, from the
 * router, is passed (one hop: hop limit - 1, a new Ethernet header) once to each other node:
 * node A listed by its IPv4 and its IPv6 address gets one copy, node B listed by its IPv6
 * address one; an IPv4 packet goes to B too, by B's IPv6 neighbour entry. What a peer
 * passed goes no further.
 */
static void
test_peer_pass6(void **state)
{
	static const struct rte_ether_addr mac_a = { { 2, 0, 0, 0, 1, 12 } };
	static const struct rte_ether_addr mac_b = { { 2, 0, 0, 0, 1, 13 } };
	struct env *e = env_new6_extra(1, 1024, "  peers: [10.0.1.12, '2001:db8:1::12',"
						" '2001:db8:1::13']\n", "");
	struct fx_l4 f4 = { .proto = IPPROTO_TCP, .src = "10.0.1.2", .dst = "10.0.0.10",
			    .sport = 40000, .dport = 80, .tcp_flags = RTE_TCP_ACK_FLAG };
	union addr46 a6 = A("2001:db8:1::12"), b6 = A("2001:db8:1::13");
	struct rte_mbuf *m, *o;
	uint8_t in[128];
	uint16_t len;
	unsigned k;

	(void)state;
	neigh_learn(e->dp->neigh, fx_ip("10.0.1.12"), 0, &mac_a, 0);
	neigh_learn46(e->dp->neigh6, &a6, 0, &mac_a, 0);
	neigh_learn46(e->dp->neigh6, &b6, 0, &mac_b, 0);
	m = tcp6(CL, 43000, ENV6_VIP, 80, RTE_TCP_ACK_FLAG, &client_mac, 0, 64);
	len = rte_pktmbuf_data_len(m);
	memcpy(in, rte_pktmbuf_mtod(m, void *), len);
	run1(e->w, m, 0);
	assert_int_equal(out_total(e->w), 2);
	assert_int_equal(e->w->s.out.n[0], 2);
	for (k = 0; k < 2; k++) {
		o = e->w->s.out.pkts[0][k];
		assert_int_equal(rte_pktmbuf_data_len(o), len);
		assert_int_equal(ip6_of(o)->hop_limits, 63);
		/* the rest of the IPv6 packet as it came: addresses, ports, checksum, payload */
		assert_memory_equal(rte_pktmbuf_mtod_offset(o, uint8_t *, 14 + 8), in + 14 + 8,
				    len - 14u - 8u);
		assert_memory_equal(rte_pktmbuf_mtod(o, uint8_t *), k == 0 ? &mac_a : &mac_b, 6);
		assert_memory_equal(rte_pktmbuf_mtod_offset(o, uint8_t *, 6), &port_mac[0], 6);
	}
	assert_int_equal(e->w->s.st.to_peers, 2);
	assert_int_equal(conn_count(e->w->s.ct6), 0);
	out_clear(e->w);
	/* IPv4: to A (its IPv4 entry) and B (its IPv6 one), once each */
	run1(e->w, fx_frame(mp, &client_mac, &port_mac[0], &f4), 0);
	assert_int_equal(e->w->s.out.n[0], 2);
	assert_memory_equal(rte_pktmbuf_mtod(e->w->s.out.pkts[0][0], uint8_t *), &mac_a, 6);
	assert_memory_equal(rte_pktmbuf_mtod(e->w->s.out.pkts[0][1], uint8_t *), &mac_b, 6);
	out_clear(e->w);
	assert_int_equal(e->w->s.st.to_peers, 4);
	/* what B passed us and we do not know either stops here */
	run1(e->w, tcp6(CL, 43000, ENV6_VIP, 80, RTE_TCP_ACK_FLAG, &mac_b, 0, 63), 0);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.drops[DROP_no_conn], 1);
	/* a hop limit that runs out on the way is not passed */
	run1(e->w, tcp6(CL, 43000, ENV6_VIP, 80, RTE_TCP_ACK_FLAG, &client_mac, 0, 1), 0);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.drops[DROP_ttl_exceeded], 1);
	env_free(e);
}

/*
 * Persistence by IPv6 prefix: on a service with persistence_netmask 64 the conns of eight
 * clients of one /64 all reach one backend, on either worker; with the default /128 each
 * client keeps its own backend and rr spreads the clients over both.
 */
static void
test_persistence6(void **state)
{
	struct env *e = env_new6_extra(2, 4096, "",
				       "  - vip: '[" ENV6_VIP "]:81/tcp'\n"
				       "    scheduler: rr\n"
				       "    persistence: 60\n"
				       "    persistence_netmask: 64\n"
				       "    backends: [{address: '[2001:db8:2::11]:8080'},"
				       " {address: '[2001:db8:2::12]:8080'}]\n"
				       "  - vip: '[" ENV6_VIP "]:82/tcp'\n"
				       "    scheduler: rr\n"
				       "    persistence: 60\n"
				       "    backends: [{address: '[2001:db8:2::11]:8080'},"
				       " {address: '[2001:db8:2::12]:8080'}]\n");
	const char *first = NULL, *per_client[10] = { 0 };
	unsigned k, c, seen11 = 0;

	(void)state;
	worker_set_time(e->dp->workers[1], e->w->s.now_ms);
	for (k = 0; k < 3; k++)
		for (c = 2; c < 10; c++) {
			struct worker *w = e->dp->workers[(k + c) & 1];
			char cl[40];
			struct rte_mbuf *m;

			snprintf(cl, sizeof(cl), "2001:db8:1::%u", c);
			/* port 81: one /64, one backend */
			run1(w, tcp6(cl, (uint16_t)(40000 + 10 * k + c), ENV6_VIP, 81,
				     RTE_TCP_SYN_FLAG, &client_mac, 0, 64), 0);
			m = out_one(w, 1);
			if (first == NULL)
				first = be_of(m);
			assert_string_equal(be_of(m), first);
			out_clear(w);
			/* port 82: per client */
			run1(w, tcp6(cl, (uint16_t)(41000 + 10 * k + c), ENV6_VIP, 82,
				     RTE_TCP_SYN_FLAG, &client_mac, 0, 64), 0);
			m = out_one(w, 1);
			if (per_client[c] == NULL) {
				per_client[c] = be_of(m);
				seen11 += strcmp(be_of(m), "2001:db8:2::11") == 0;
			}
			assert_string_equal(be_of(m), per_client[c]);
			out_clear(w);
		}
	assert_true(seen11 >= 2 && seen11 <= 6);
	env_free(e);
}

/*
 * Every scheduler over IPv6 (they hash the addresses folded to 32 bits): 32 new conns from
 * 8 clients on each of seven services reach both backends, and sh and maglev by source,
 * which hash the client, send each client's conns to one backend.
 */
static void
test_schedulers6(void **state)
{
	static const struct {
		const char *name, *extra;
		int by_client;
	} sched[] = { { "rr", "", 0 },	   { "wrr", "", 0 }, { "lc", "", 0 },
		      { "wlc", "", 0 },	   { "sh", "", 1 },  { "maglev", "", 0 },
		      { "maglev", "    maglev: {hash: source}\n", 1 } };
	char svcs[2048] = "";
	struct env *e;
	unsigned s, i;

	(void)state;
	for (s = 0; s < RTE_DIM(sched); s++) {
		size_t n = strlen(svcs);

		snprintf(svcs + n, sizeof(svcs) - n,
			 "  - vip: '[" ENV6_VIP "]:%u/tcp'\n"
			 "    scheduler: %s\n%s"
			 "    backends: [{address: '[2001:db8:2::11]:8080'},"
			 " {address: '[2001:db8:2::12]:8080'}]\n", 90 + s, sched[s].name,
			 sched[s].extra);
	}
	e = env_new6_extra(1, 4096, "", svcs);
	for (s = 0; s < RTE_DIM(sched); s++) {
		const char *per_client[10] = { 0 };
		unsigned to11 = 0;

		for (i = 0; i < 32; i++) {
			unsigned c = 2 + i % 8;
			char cl[40];
			struct rte_mbuf *m;

			snprintf(cl, sizeof(cl), "2001:db8:1::%u", c);
			run1(e->w, tcp6(cl, (uint16_t)(20000 + 100 * s + i), ENV6_VIP,
					(uint16_t)(90 + s), RTE_TCP_SYN_FLAG, &client_mac, 0, 64), 0);
			m = out_one(e->w, 1);
			assert_tuple6(m, LIP6, port_at(m, 0), be_of(m), 8080);
			to11 += strcmp(be_of(m), "2001:db8:2::11") == 0;
			if (sched[s].by_client) {
				if (per_client[c] == NULL)
					per_client[c] = be_of(m);
				assert_string_equal(be_of(m), per_client[c]);
			}
			out_clear(e->w);
		}
		if (to11 == 0 || to11 == 32)
			fail_msg("%s sent all 32 conns to one backend", sched[s].name);
	}
	assert_int_equal(conn_count(e->w->s.ct6), 32 * RTE_DIM(sched));
	env_free(e);
}

/* What cannot go is dropped under its reason and holds no conn. */
static void
test_drops6(void **state)
{
	struct env *e = env_new6(1, 1024);
	struct fx_l4 f = { .proto = IPPROTO_UDP, .src = CL, .dst = ENV6_VIP, .sport = 7,
			   .dport = 9 };

	(void)state;
	/* hop limit 1: time exceeded back to the client, from the port, quoting the packet */
	run1(e->w, tcp6(CL, 43000, ENV6_VIP, 80, RTE_TCP_SYN_FLAG, &client_mac, 0, 1), 0);
	assert_int_equal(e->w->s.st.drops[DROP_ttl_exceeded], 1);
	{
		struct rte_mbuf *m = out_one(e->w, 0);
		const struct rte_ipv6_hdr *ip = ip6_of(m);
		const uint8_t *ic = (const uint8_t *)(ip + 1);
		union addr46 me = A("2001:db8:1::1"), cl = A(CL), vip = A(ENV6_VIP);
		unsigned len = rte_be_to_cpu_16(ip->payload_len);

		assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), &client_mac, 6);
		assert_int_equal(ip->proto, 58);
		assert_memory_equal(ip->src_addr, me.b, 16);
		assert_memory_equal(ip->dst_addr, cl.b, 16);
		assert_int_equal(ic[0], 3);
		assert_int_equal(ic[1], 0);
		assert_int_equal(len, 8 + 40 + 20 + 5);
		assert_memory_equal(ic + 8 + 24, vip.b, 16); /* the quoted destination */
		assert_int_equal(ic[8 + 7], 1);              /* its hop limit as it came */
		assert_int_equal(fx_sum6(ip->src_addr, ip->dst_addr, ic, len), 0xffff);
		out_clear(e->w);
		assert_int_equal(e->w->s.st.icmp_err_sent, 1);
	}
	run1(e->w, tcp6(CL, 43001, ENV6_VIP, 80, RTE_TCP_ACK_FLAG, &client_mac, 0, 64), 0);
	assert_int_equal(e->w->s.st.drops[DROP_no_conn], 1);
	run1(e->w, fx_frame6(mp, &client_mac, &port_mac[0], &f), 0);
	assert_int_equal(e->w->s.st.drops[DROP_no_service], 1);
	run1(e->w, tcp6(LIP6, 43002, ENV6_VIP, 80, RTE_TCP_SYN_FLAG, &client_mac, 0, 64), 0);
	assert_int_equal(e->w->s.st.drops[DROP_src_local], 1);
	run1(e->w, tcp6("ff02::1", 43003, ENV6_VIP, 80, RTE_TCP_SYN_FLAG, &client_mac, 0, 64), 0);
	assert_int_equal(e->w->s.st.drops[DROP_src_martian], 1);
	/* IPv4-mapped is never on the wire (and is how sluice writes an IPv4 address) */
	run1(e->w, tcp6("::ffff:10.0.1.2", 43003, ENV6_VIP, 80, RTE_TCP_SYN_FLAG, &client_mac, 0,
			64), 0);
	assert_int_equal(e->w->s.st.drops[DROP_src_martian], 2);
	run1(e->w, tcp6("2001:db8:2::11", 43004, ENV6_VIP, 80, RTE_TCP_SYN_FLAG, &client_mac, 0,
			64), 0);
	assert_int_equal(e->w->s.st.drops[DROP_src_backend], 1);
	run1(e->w, tcp6(CL, 43005, ENV6_VIP, 80, RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG, &client_mac,
			0, 64), 0);
	assert_int_equal(e->w->s.st.drops[DROP_tcp_syn_fin], 1);
	/* a reply to a LIP port nobody holds */
	run1(e->w, tcp6("2001:db8:2::11", 8080, LIP6, 2000, RTE_TCP_ACK_FLAG, &be_mac, 1, 64), 1);
	assert_int_equal(e->w->s.st.drops[DROP_no_conn], 2);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(conn_count(e->w->s.ct6), 0);
	env_free(e);
}

/* A closed conn's tuple reused by a fresh SYN of the same client: a new conn. */
static void
test_reuse6(void **state)
{
	struct env *e = env_new6(1, 1024);
	struct rte_mbuf *m;
	uint16_t lport;
	const char *be;

	(void)state;
	run1(e->w, tcp6(CL, 43000, ENV6_VIP, 80, RTE_TCP_SYN_FLAG, &client_mac, 0, 64), 0);
	m = out_one(e->w, 1);
	lport = port_at(m, 0);
	be = be_of(m);
	out_clear(e->w);
	/* an RST from the backend closes it */
	run1(e->w, tcp6(be, 8080, LIP6, lport, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, &be_mac, 1,
			64), 1);
	out_clear(e->w);
	run1(e->w, tcp6(CL, 43000, ENV6_VIP, 80, RTE_TCP_SYN_FLAG, &client_mac, 0, 64), 0);
	assert_int_equal(out_total(e->w), 1);
	out_clear(e->w);
	assert_int_equal(e->w->s.st.conns_created, 2);
	assert_int_equal(conn_count(e->w->s.ct6), 1);
	env_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp6_both_ways),
		cmocka_unit_test(test_udp6),
		cmocka_unit_test(test_burst6_mixed),
		cmocka_unit_test(test_handoff6),
		cmocka_unit_test(test_peer_pass6),
		cmocka_unit_test(test_persistence6),
		cmocka_unit_test(test_schedulers6),
		cmocka_unit_test(test_drops6),
		cmocka_unit_test(test_reuse6),
	};

	ENV_RUN(tests);
}
