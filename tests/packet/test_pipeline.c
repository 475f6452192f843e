/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packet fixtures: frames in, frames and counters out, through pipeline_run() with no
 * port behind it. Each test builds a node from a YAML config, as sluiced does, and checks
 * every byte that matters of what comes out: addresses, ports, MACs, TTL, checksums.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "config/config.h"
#include "fixture.h"
#include "flow/conn.h"
#include "forward/laddr.h"
#include "forward/peer.h"
#include "net/dp.h"
#include "net/neigh.h"
#include "service/snapshot.h"
#include "test_eal.h"
#include "worker/pipeline.h"
#include "worker/worker.h"

#include "env.h"

/* A conn from SYN to the end of TIME_WAIT, every packet checked, both directions. */
static void
test_fullnat_tcp_lifecycle(void **state)
{
	static const uint8_t opts[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4,
					0, 0, 0, 0, 1, 3, 3, 7 }; /* MSS SACK-ok TS NOP WS */
	struct env *e = env_new(1, 1024);
	struct fx_l4 f = { .proto = IPPROTO_TCP, .src = "10.0.1.2", .dst = "10.0.0.10",
			   .sport = 40000, .dport = 80, .tcp_flags = RTE_TCP_SYN_FLAG,
			   .opts = opts, .opts_len = sizeof(opts) };
	struct rte_ether_hdr *eth;
	struct rte_mbuf *m;
	struct conn_key k;
	struct conn *c;
	enum conn_dir dir;
	uint16_t lport;
	const char *be;

	(void)state;
	/* SYN: to a backend, from the LIP, options intact. */
	run1(e->w, fx_frame(mp, &client_mac, &port_mac[0], &f), 0);
	m = out_one(e->w, 1);
	assert_frame_ok(m);
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	assert_memory_equal(&eth->dst_addr, &be_mac, 6);
	assert_memory_equal(&eth->src_addr, &port_mac[1], 6);
	be = ip_of(m)->dst_addr == fx_ip("10.0.2.11") ? "10.0.2.11" : "10.0.2.12";
	lport = sport_of(m);
	assert_tuple(m, "10.0.2.100", lport, be, 8080);
	assert_int_equal(lport, 40000); /* the client's port, kept */
	assert_int_equal(ip_of(m)->time_to_live, 63);
	assert_memory_equal((uint8_t *)(ip_of(m) + 1) + sizeof(struct rte_tcp_hdr), opts,
			    sizeof(opts));
	out_clear(e->w);
	k = (struct conn_key){ .saddr = fx_ip("10.0.1.2"), .daddr = fx_ip("10.0.0.10"),
			       .sport = RTE_BE16(40000), .dport = RTE_BE16(80), .proto = 6 };
	c = conn_lookup(e->w->s.ct, &k, &dir);
	assert_non_null(c);
	assert_int_equal(dir, CONN_DIR_IN);
	assert_int_equal(c->state, TCP_S_SYN_RECV);
	assert_int_equal(e->w->s.st.conns_created, 1);

	/* SYN-ACK from the backend: back to the client as the VIP. */
	run1(e->w, tcp(be, 8080, "10.0.2.100", lport, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG,
		       &be_mac, 1), 1);
	m = out_one(e->w, 0);
	assert_frame_ok(m);
	assert_tuple(m, "10.0.0.10", 80, "10.0.1.2", 40000);
	out_clear(e->w);
	assert_int_equal(c->state, TCP_S_SYN_RECV);

	/* ACK: established, counted active. */
	run1(e->w, tcp("10.0.1.2", 40000, "10.0.0.10", 80, RTE_TCP_ACK_FLAG, &client_mac, 0), 0);
	out_clear(e->w);
	assert_int_equal(c->state, TCP_S_ESTABLISHED);
	{
		const struct vs_counters *s = dp_svc_counters(e->dp, 0, 0);

		assert_int_equal(e->dp->svc_gauges[0].active, 1);
		assert_int_equal(e->dp->svc_gauges[0].inactive, 0);
		assert_int_equal(s->conns, 1);
		assert_int_equal(s->in_pkts, 2);
		assert_int_equal(s->out_pkts, 1);
	}

	/* Data with a payload, each way. */
	f.tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
	f.opts_len = 0;
	f.payload = "GET / HTTP/1.0\r\n\r\n";
	f.payload_len = 18;
	run1(e->w, fx_frame(mp, &client_mac, &port_mac[0], &f), 0);
	m = out_one(e->w, 1);
	assert_frame_ok(m);
	assert_memory_equal(rte_pktmbuf_mtod_offset(m, char *, 14 + 20 + 20), "GET / HTTP/1.0", 14);
	out_clear(e->w);

	/* Close: client FIN, backend FIN+ACK, client ACK. */
	run1(e->w, tcp("10.0.1.2", 40000, "10.0.0.10", 80, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG,
		       &client_mac, 0), 0);
	out_clear(e->w);
	assert_int_equal(c->state, TCP_S_CLOSE_WAIT);
	run1(e->w, tcp(be, 8080, "10.0.2.100", lport, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG,
		       &be_mac, 1), 1);
	assert_frame_ok(out_one(e->w, 0));
	out_clear(e->w);
	assert_int_equal(c->state, TCP_S_TIME_WAIT);
	assert_int_equal(e->dp->svc_gauges[0].active, 0);
	assert_int_equal(e->dp->svc_gauges[0].inactive, 1);

	/* TIME_WAIT lasts 2 s here: not gone at 1 s, gone at 3 s, its tuple in quarantine. */
	worker_set_time(e->w, e->w->s.now_ms + 1000);
	worker_expire(e->w);
	assert_int_equal(conn_count(e->w->s.ct), 1);
	worker_set_time(e->w, e->w->s.now_ms + 2000);
	worker_expire(e->w);
	assert_int_equal(conn_count(e->w->s.ct), 0);
	assert_null(conn_lookup(e->w->s.ct, &k, &dir));
	assert_int_equal(laddr_stats(e->w->s.lips)->q_entries, 1);
	assert_int_equal(e->dp->svc_gauges[0].inactive, 0);
	assert_int_equal(e->w->s.st.conns_expired, 1);
	env_free(e);
}

static void
test_fullnat_udp(void **state)
{
	struct env *e = env_new(1, 1024);
	struct fx_l4 f = { .proto = IPPROTO_UDP, .src = "10.0.1.2", .dst = "10.0.0.10",
			   .sport = 5353, .dport = 53, .payload = "query", .payload_len = 5 };
	struct rte_mbuf *m;
	uint16_t lport;

	(void)state;
	run1(e->w, fx_frame(mp, &client_mac, &port_mac[0], &f), 0);
	m = out_one(e->w, 1);
	assert_frame_ok(m);
	lport = sport_of(m);
	assert_tuple(m, "10.0.2.100", lport, "10.0.2.21", 53);
	out_clear(e->w);

	f = (struct fx_l4){ .proto = IPPROTO_UDP, .src = "10.0.2.21", .dst = "10.0.2.100",
			    .sport = 53, .dport = lport, .payload = "answer", .payload_len = 6 };
	run1(e->w, fx_frame(mp, &be_mac, &port_mac[1], &f), 1);
	m = out_one(e->w, 0);
	assert_frame_ok(m);
	assert_tuple(m, "10.0.0.10", 53, "10.0.1.2", 5353);
	assert_memory_equal(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr, &client_mac, 6);
	out_clear(e->w);

	/* A zero UDP checksum ("none") stays zero through the rewrite. */
	m = fx_frame(mp, &be_mac, &port_mac[1], &f);
	((struct rte_udp_hdr *)(ip_of(m) + 1))->dgram_cksum = 0;
	run1(e->w, m, 1);
	m = out_one(e->w, 0);
	assert_int_equal(((struct rte_udp_hdr *)(ip_of(m) + 1))->dgram_cksum, 0);
	assert_frame_ok(m);
	out_clear(e->w);

	/* The UDP idle timeout (5 s) ends it. */
	assert_int_equal(conn_count(e->w->s.ct), 1);
	worker_set_time(e->w, e->w->s.now_ms + 6000);
	worker_expire(e->w);
	assert_int_equal(conn_count(e->w->s.ct), 0);
	env_free(e);
}

static void
test_icmp_echo(void **state)
{
	struct env *e = env_new(1, 1024);
	static const char *const to[] = { "10.0.1.1", "10.0.0.10" };
	struct fx_l4 f = { .proto = IPPROTO_ICMP, .src = "10.0.1.2", .payload = "pingpong",
			   .payload_len = 8 };
	struct rte_mbuf *m;
	struct rte_icmp_hdr *ic;
	unsigned i;

	(void)state;
	for (i = 0; i < 2; i++) {
		f.dst = to[i];
		run1(e->w, fx_frame(mp, &client_mac, &port_mac[0], &f), 0);
		m = out_one(e->w, 0);
		assert_frame_ok(m);
		assert_tuple(m, to[i], 0, "10.0.1.2", 0);
		ic = (struct rte_icmp_hdr *)(ip_of(m) + 1);
		assert_int_equal(ic->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
		assert_int_equal(rte_raw_cksum(ic, sizeof(*ic) + 8), 0xffff);
		assert_memory_equal(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr,
				    &client_mac, 6);
		out_clear(e->w);
	}
	f.dst = "10.0.0.99";
	run1(e->w, fx_frame(mp, &client_mac, &port_mac[0], &f), 0);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.drops[DROP_icmp_unhandled], 1);
	env_free(e);
}

/* Breakers: each takes a good SYN to the VIP and makes one thing wrong. */
static void brk_eth(struct rte_mbuf *m) { rte_pktmbuf_trim(m, rte_pktmbuf_data_len(m) - 10); }
static void brk_ip_trunc(struct rte_mbuf *m) { rte_pktmbuf_trim(m, rte_pktmbuf_data_len(m) - 24); }
static void brk_tcp_trunc(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = ip_of(m);

	rte_pktmbuf_trim(m, rte_pktmbuf_data_len(m) - 14 - 20 - 8);
	ip->total_length = RTE_BE16(28);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}
static void brk_ihl(struct rte_mbuf *m) { ip_of(m)->version_ihl = 0x44; }
static void brk_version(struct rte_mbuf *m) { ip_of(m)->version_ihl = 0x65; }
static void brk_len(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = ip_of(m);

	ip->total_length = rte_cpu_to_be_16(rte_be_to_cpu_16(ip->total_length) + 100);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}
static void brk_csum(struct rte_mbuf *m) { ip_of(m)->hdr_checksum ^= 0x0101; }
static void brk_frag(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = ip_of(m);

	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}
static void brk_dst(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = ip_of(m);

	ip->dst_addr = fx_ip("10.0.0.99");
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}
static void brk_port(struct rte_mbuf *m)
{
	((struct rte_tcp_hdr *)(ip_of(m) + 1))->dst_port = RTE_BE16(81);
}
static void brk_ack(struct rte_mbuf *m)
{
	((struct rte_tcp_hdr *)(ip_of(m) + 1))->tcp_flags = RTE_TCP_ACK_FLAG;
}
static void brk_ttl(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = ip_of(m);

	ip->time_to_live = 1;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}
static void brk_ipv6(struct rte_mbuf *m)
{
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
}
static void brk_doff(struct rte_mbuf *m)
{
	((struct rte_tcp_hdr *)(ip_of(m) + 1))->data_off = 0x40;
}

static void
test_drops(void **state)
{
	static const struct {
		void (*brk)(struct rte_mbuf *m);
		unsigned reason;
	} cases[] = {
		{ brk_eth, DROP_eth_truncated },     { brk_ip_trunc, DROP_ip_truncated },
		{ brk_tcp_trunc, DROP_l4_truncated }, { brk_ihl, DROP_bad_ip_header },
		{ brk_version, DROP_bad_ip_header }, { brk_len, DROP_bad_ip_length },
		{ brk_csum, DROP_bad_ip_checksum },  { brk_frag, DROP_ip_fragment },
		{ brk_dst, DROP_not_for_us },        { brk_port, DROP_no_service },
		{ brk_ack, DROP_no_conn },           { brk_ttl, DROP_ttl_exceeded },
		{ brk_ipv6, DROP_bad_ip_header }, /* IPv4 bytes as IPv6 */   { brk_doff, DROP_bad_tcp_header },
	};
	struct env *e = env_new(1, 1024);
	unsigned i, r;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t before[DROP_MAX];
		struct rte_mbuf *m = tcp("10.0.1.2", (uint16_t)(41000 + i), "10.0.0.10", 80,
					 RTE_TCP_SYN_FLAG, &client_mac, 0);

		memcpy(before, e->w->s.st.drops, sizeof(before));
		cases[i].brk(m);
		run1(e->w, m, 0);
		/* Nothing out (but the time-exceeded that a TTL of 1 earns), and exactly this
		 * one reason counted once. */
		assert_int_equal(out_total(e->w), cases[i].reason == DROP_ttl_exceeded);
		out_clear(e->w);
		for (r = 1; r < DROP_MAX; r++)
			assert_int_equal(e->w->s.st.drops[r] - before[r], r == cases[i].reason);
	}
	/* A reply to a LIP port with no conn. */
	run1(e->w, tcp("10.0.2.11", 8080, "10.0.2.100", 2000, RTE_TCP_ACK_FLAG, &be_mac, 1), 1);
	assert_int_equal(e->w->s.st.drops[DROP_no_conn], 2);
	assert_int_equal(out_total(e->w), 0);
	/* None made a conn, the TTL case included: it could not be forwarded. */
	assert_int_equal(conn_count(e->w->s.ct), 0);
	env_free(e);
}

/*
 * A TCP packet of a conn this node does not know, from the router: passed unchanged to
 * each peer (another node may have the conn, the router having moved the flow); from a
 * peer: dropped, never passed back; at most PEER_BURST at once.
 */
static void
test_peer_pass(void **state)
{
	static const struct rte_ether_addr peer_mac[2] = { { { 2, 0, 0, 0, 1, 12 } },
							   { { 2, 0, 0, 0, 1, 13 } } };
	struct env *e = env_new_extra(1, 1024, "  peers: [10.0.1.12, 10.0.1.13]\n");
	struct rte_mbuf *m, *o;
	unsigned i, k;
	uint8_t in[128];
	uint16_t len;

	(void)state;
	neigh_learn(e->dp->neigh, fx_ip("10.0.1.12"), 0, &peer_mac[0], 0);
	neigh_learn(e->dp->neigh, fx_ip("10.0.1.13"), 0, &peer_mac[1], 0);
	m = tcp("10.0.1.2", 40000, "10.0.0.10", 80, RTE_TCP_ACK_FLAG, &client_mac, 0);
	len = rte_pktmbuf_data_len(m);
	memcpy(in, rte_pktmbuf_mtod(m, void *), len);
	run1(e->w, m, 0);
	assert_int_equal(e->w->s.out.n[0], 2);
	for (k = 0; k < 2; k++) {
		o = e->w->s.out.pkts[0][k];
		/* The same IP packet one hop on (TTL - 1), a new Ethernet header: to the peer,
		 * from us. */
		assert_int_equal(rte_pktmbuf_data_len(o), len);
		assert_frame_ok(o);
		assert_int_equal(ip_of(o)->time_to_live,
				 ((struct rte_ipv4_hdr *)(in + 14))->time_to_live - 1);
		assert_memory_equal(rte_pktmbuf_mtod_offset(o, uint8_t *, 14 + 12), in + 14 + 12,
				    len - 14u - 12u); /* addresses, ports, payload */
		assert_memory_equal(&pkt_eth(o)->dst_addr, &peer_mac[k], 6);
		assert_memory_equal(&pkt_eth(o)->src_addr, &port_mac[0], 6);
	}
	assert_int_equal(e->w->s.st.to_peers, 2);
	assert_int_equal(e->w->s.st.drops[DROP_no_conn], 0);
	out_clear(e->w);

	/* What a peer passed us and we do not know either goes no further. */
	run1(e->w, tcp("10.0.1.2", 40000, "10.0.0.10", 80, RTE_TCP_ACK_FLAG, &peer_mac[1], 0), 0);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.drops[DROP_no_conn], 1);

	/* A SYN starts a conn here, as always. */
	run1(e->w, tcp("10.0.1.2", 40001, "10.0.0.10", 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
	assert_int_equal(e->w->s.out.n[1], 1);
	out_clear(e->w);

	/* A flood of such packets: PEER_BURST pass at once, the rest are counted. */
	worker_set_time(e->w, 2000000);
	for (i = 0; i < PEER_BURST + 10; i++) {
		run1(e->w, tcp("10.0.1.3", (uint16_t)(1000 + i), "10.0.0.10", 80,
			       RTE_TCP_ACK_FLAG, &client_mac, 0), 0);
		out_clear(e->w);
	}
	assert_int_equal(e->w->s.st.drops[DROP_peer_limit], 10);
	/* Tokens come back with time: 100 per ms. */
	worker_set_time(e->w, 2000001);
	run1(e->w, tcp("10.0.1.3", 999, "10.0.0.10", 80, RTE_TCP_ACK_FLAG, &client_mac, 0), 0);
	assert_int_equal(e->w->s.out.n[0], 2);
	env_free(e);

	/* A peer that is down (unresolved): the others still get it, and no neighbour event
	 * per packet (the control thread keeps peers resolved); none resolved: a drop. */
	e = env_new_extra(1, 1024, "  peers: [10.0.1.12, 10.0.1.13]\n");
	neigh_learn(e->dp->neigh, fx_ip("10.0.1.13"), 0, &peer_mac[1], 0);
	run1(e->w, tcp("10.0.1.2", 40000, "10.0.0.10", 80, RTE_TCP_ACK_FLAG, &client_mac, 0), 0);
	o = out_one(e->w, 0);
	assert_memory_equal(&pkt_eth(o)->dst_addr, &peer_mac[1], 6);
	assert_int_equal(rte_ring_count(e->w->s.events), 0);
	env_free(e);
	e = env_new_extra(1, 1024, "  peers: [10.0.1.12]\n");
	run1(e->w, tcp("10.0.1.2", 40000, "10.0.0.10", 80, RTE_TCP_ACK_FLAG, &client_mac, 0), 0);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.drops[DROP_neigh_unresolved], 1);
	env_free(e);
}

static void
test_conn_table_full(void **state)
{
	struct env *e = env_new(1, 1024);
	struct rte_mbuf *m;
	uint16_t lport0 = 0;
	const char *be0 = NULL;
	unsigned i;

	(void)state;
	for (i = 0; i < 1024; i++) {
		run1(e->w, tcp("10.0.1.2", (uint16_t)(10000 + i), "10.0.0.10", 80, RTE_TCP_SYN_FLAG,
			       &client_mac, 0), 0);
		m = out_one(e->w, 1);
		if (i == 0) {
			lport0 = sport_of(m);
			be0 = ip_of(m)->dst_addr == fx_ip("10.0.2.11") ? "10.0.2.11" : "10.0.2.12";
		}
		out_clear(e->w);
	}
	assert_int_equal(conn_count(e->w->s.ct), 1024);
	run1(e->w, tcp("10.0.1.2", 20000, "10.0.0.10", 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.drops[DROP_conn_table_full], 1);
	/* Conns that exist keep flowing, both ways. */
	run1(e->w, tcp("10.0.1.2", 10000, "10.0.0.10", 80, RTE_TCP_ACK_FLAG, &client_mac, 0), 0);
	assert_frame_ok(out_one(e->w, 1));
	out_clear(e->w);
	run1(e->w, tcp(be0, 8080, "10.0.2.100", lport0, RTE_TCP_ACK_FLAG, &be_mac, 1), 1);
	assert_frame_ok(out_one(e->w, 0));
	out_clear(e->w);
	env_free(e);
}

/* Two workers: a reply that lands on the worker not owning its LIP port is handed over. */
static void
test_handoff(void **state)
{
	struct env *e = env_new(2, 2048);
	struct worker *w0 = e->dp->workers[0], *w1 = e->dp->workers[1];
	struct rte_mbuf *m;
	uint16_t lport;
	const char *be;

	(void)state;
	worker_set_time(w1, w0->s.now_ms);
	run1(w0, tcp("10.0.1.2", 43000, "10.0.0.10", 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
	m = out_one(w0, 1);
	lport = sport_of(m);
	be = ip_of(m)->dst_addr == fx_ip("10.0.2.11") ? "10.0.2.11" : "10.0.2.12";
	assert_int_equal(lport & 1, 0); /* worker 0's slice */
	out_clear(w0);

	run1(w1, tcp(be, 8080, "10.0.2.100", lport, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, &be_mac,
		     1), 1);
	assert_int_equal(out_total(w1), 1);
	assert_int_equal(w1->s.out.n_handoff[0], 1);
	assert_int_equal(w1->s.st.handoff_out, 1);
	m = w1->s.out.handoff[0][0];
	w1->s.out.n_handoff[0] = 0;
	pipeline_run(w0, &m, 1);
	m = out_one(w0, 0);
	assert_frame_ok(m);
	assert_tuple(m, "10.0.0.10", 80, "10.0.1.2", 43000);
	out_clear(w0);
	env_free(e);
}

/* A backend deleted from the service keeps its conn; new conns go elsewhere only. */
static void
test_backend_delete_keeps_conn(void **state)
{
	struct env *e = env_new(1, 1024);
	struct cfg c2;
	struct rte_mbuf *m;
	uint32_t gone;
	unsigned i;

	(void)state;
	run1(e->w, tcp("10.0.1.2", 44000, "10.0.0.10", 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
	m = out_one(e->w, 1);
	gone = ip_of(m)->dst_addr;
	out_clear(e->w);

	/* Publish the same services without the backend that conn went to. */
	c2 = e->cfg;
	{
		struct cfg_service s0 = e->cfg.services[0];
		struct cfg_backend keep = s0.backends[s0.backends[0].addr.w[3] == gone ? 1 : 0];
		struct cfg_service svcs[2] = { s0, e->cfg.services[1] };

		svcs[0].n_backends = 1;
		svcs[0].backends = &keep;
		c2.services = svcs;
		publish(e->dp, &c2);

		run1(e->w, tcp("10.0.1.2", 44000, "10.0.0.10", 80, RTE_TCP_ACK_FLAG, &client_mac,
			       0), 0);
		m = out_one(e->w, 1);
		assert_int_equal(ip_of(m)->dst_addr, gone);
		out_clear(e->w);
		for (i = 0; i < 10; i++) {
			run1(e->w, tcp("10.0.1.2", (uint16_t)(45000 + i), "10.0.0.10", 80,
				       RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
			m = out_one(e->w, 1);
			assert_int_equal(ip_of(m)->dst_addr, keep.addr.w[3]);
			out_clear(e->w);
		}
		/* Restore the original publication before env_free frees e->cfg. */
		publish(e->dp, &e->cfg);
	}
	env_free(e);
}

/* A new SYN on a tuple in TIME_WAIT replaces the old conn (client port reuse). */
static void
test_time_wait_reuse(void **state)
{
	struct env *e = env_new(1, 1024);
	struct rte_mbuf *m;
	struct conn_key k = { .saddr = fx_ip("10.0.1.2"), .daddr = fx_ip("10.0.0.10"),
			      .sport = RTE_BE16(46000), .dport = RTE_BE16(80), .proto = 6 };
	struct conn *c;
	enum conn_dir dir;

	(void)state;
	run1(e->w, tcp("10.0.1.2", 46000, "10.0.0.10", 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
	out_clear(e->w);
	c = conn_lookup(e->w->s.ct, &k, &dir);
	assert_non_null(c);
	c->state = TCP_S_TIME_WAIT;
	run1(e->w, tcp("10.0.1.2", 46000, "10.0.0.10", 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
	m = out_one(e->w, 1);
	assert_frame_ok(m);
	out_clear(e->w);
	c = conn_lookup(e->w->s.ct, &k, &dir);
	assert_non_null(c);
	assert_int_equal(c->state, TCP_S_SYN_RECV);
	assert_int_equal(conn_count(e->w->s.ct), 1);
	assert_int_equal(e->w->s.st.conns_created, 2);
	assert_int_equal(e->dp->svc_gauges[0].inactive, 1);
	env_free(e);
}

/* Weight 0 takes no new conns. */
static void
test_drain_weight_zero(void **state)
{
	struct env *e = env_new(1, 1024);
	struct rte_mbuf *m;
	unsigned i;

	(void)state;
	e->cfg.services[0].backends[0].weight = 0;
	publish(e->dp, &e->cfg);
	for (i = 0; i < 6; i++) {
		run1(e->w, tcp("10.0.1.2", (uint16_t)(47000 + i), "10.0.0.10", 80,
			       RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
		m = out_one(e->w, 1);
		assert_int_equal(ip_of(m)->dst_addr, e->cfg.services[0].backends[1].addr.w[3]);
		out_clear(e->w);
	}
	assert_int_equal(be_ctr(e, 0)->conns, 0);
	assert_int_equal(be_ctr(e, 1)->conns, 6);
	env_free(e);
}

/* Persistence holds across workers: one client's SYNs on either worker, one backend. */
static void
test_persistence_across_workers(void **state)
{
	struct env *e = env_new(2, 2048);
	struct rte_mbuf *m;
	uint32_t first = 0;
	unsigned i;

	(void)state;
	e->cfg.services[0].persistence = 300;
	e->cfg.services[0].sched = SL_SCHED_RR;
	publish(e->dp, &e->cfg);
	worker_set_time(e->dp->workers[1], e->w->s.now_ms);
	for (i = 0; i < 20; i++) {
		struct worker *w = e->dp->workers[i & 1];

		run1(w, tcp("10.0.1.2", (uint16_t)(48000 + i), "10.0.0.10", 80, RTE_TCP_SYN_FLAG,
			    &client_mac, 0), 0);
		m = out_one(w, 1);
		if (i == 0)
			first = ip_of(m)->dst_addr;
		assert_int_equal(ip_of(m)->dst_addr, first);
		out_clear(w);
	}
	/* Another client is scheduled on its own (rr: the other backend, next in turn). */
	run1(e->w, tcp("10.0.1.3", 48100, "10.0.0.10", 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
	m = out_one(e->w, 1);
	assert_int_not_equal(ip_of(m)->dst_addr, first);
	out_clear(e->w);
	/*
	 * After the timeout the first client is scheduled anew. A third client takes rr's next
	 * turn (the first backend), so the first client, no longer bound, gets the other one.
	 */
	worker_set_time(e->w, e->w->s.now_ms + 301 * 1000);
	run1(e->w, tcp("10.0.1.4", 48300, "10.0.0.10", 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
	m = out_one(e->w, 1);
	assert_int_equal(ip_of(m)->dst_addr, first);
	out_clear(e->w);
	run1(e->w, tcp("10.0.1.2", 48200, "10.0.0.10", 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
	m = out_one(e->w, 1);
	assert_int_not_equal(ip_of(m)->dst_addr, first);
	out_clear(e->w);
	env_free(e);
}

/* max_conns counts the conns of every worker. */
static void
test_max_conns_across_workers(void **state)
{
	struct env *e = env_new(2, 2048);
	struct rte_mbuf *m;
	unsigned i, to_first = 0;

	(void)state;
	e->cfg.services[0].backends[0].max_conns = 3;
	publish(e->dp, &e->cfg);
	worker_set_time(e->dp->workers[1], e->w->s.now_ms);
	for (i = 0; i < 12; i++) {
		struct worker *w = e->dp->workers[i & 1];

		run1(w, tcp("10.0.1.2", (uint16_t)(49000 + i), "10.0.0.10", 80, RTE_TCP_SYN_FLAG,
			    &client_mac, 0), 0);
		m = out_one(w, 1);
		to_first += ip_of(m)->dst_addr == e->cfg.services[0].backends[0].addr.w[3];
		out_clear(w);
	}
	assert_int_equal(to_first, 3);
	assert_int_equal(gauge_open(&e->dp->be_gauges[0]), 3);
	assert_int_equal(gauge_open(&e->dp->be_gauges[1]), 9);
	env_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fullnat_tcp_lifecycle),
		cmocka_unit_test(test_fullnat_udp),
		cmocka_unit_test(test_icmp_echo),
		cmocka_unit_test(test_drops),
		cmocka_unit_test(test_conn_table_full),
		cmocka_unit_test(test_peer_pass),
		cmocka_unit_test(test_handoff),
		cmocka_unit_test(test_backend_delete_keeps_conn),
		cmocka_unit_test(test_time_wait_reuse),
		cmocka_unit_test(test_drain_weight_zero),
		cmocka_unit_test(test_persistence_across_workers),
		cmocka_unit_test(test_max_conns_across_workers),
	};

	ENV_RUN(tests);
}
