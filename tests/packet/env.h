/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_FIXTURE_ENV_H
#define SLUICE_FIXTURE_ENV_H

/*
 * The node every packet fixture runs on: two ports (client side 10.0.1.1/24, backend side
 * 10.0.2.1/24), a LIP, a TCP and a UDP service, built from YAML as sluiced builds it; and
 * the helpers that push frames through pipeline_run() and check what comes out. Include
 * after cmocka.h. Each fixture file sets `mp` up in its group setup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "addr46_fixture.h"
#include "config/config.h"
#include "control/spec.h"
#include "fixture.h"
#include "flow/conn.h"
#include "net/neigh.h"
#include "service/snapshot.h"
#include "worker/dp_build.h"
#include "worker/pipeline.h"
#include "worker/worker.h"

static const struct rte_ether_addr port_mac[2] = { { { 2, 0, 0, 0, 0, 1 } },
						   { { 2, 0, 0, 0, 0, 2 } } };
static const struct rte_ether_addr client_mac = { { 2, 0, 0, 0, 1, 1 } };
static const struct rte_ether_addr be_mac = { { 2, 0, 0, 0, 2, 11 } };
static const uint16_t port_ids[2] = { 0, 1 };
static struct rte_mempool *mp;

#define CONFIG                                                                          \
	"dataplane:\n"                                                                  \
	"  workers: %u\n"                                                               \
	"  conn_table_size: %u\n"                                                       \
	"  ports:\n"                                                                    \
	"    - {name: client, device: net_null0, address: 10.0.1.1/24}\n"               \
	"    - {name: backend, device: net_null1, address: 10.0.2.1/24}\n"              \
	"  local_addresses: [10.0.2.100]\n"                                             \
	"  timeouts: {tcp_established: 900, tcp_time_wait: 2, tcp_close: 2, udp: 5}\n" \
	"services:\n"                                                                   \
	"  - vip: 10.0.0.10:80/tcp\n"                                                   \
	"    scheduler: rr\n"                                                           \
	"    backends: [{address: 10.0.2.11:8080}, {address: 10.0.2.12:8080}]\n"        \
	"  - vip: 10.0.0.10:53/udp\n"                                                   \
	"    scheduler: rr\n"                                                           \
	"    backends: [{address: 10.0.2.21:53}]\n"

struct env {
	struct cfg cfg;
	struct dp *dp;
	struct worker *w;
};

/* Publish the services of c with counters slots 0.. and backends' slots 0.. in order. */
static inline void
publish(struct dp *dp, const struct cfg *c)
{
	struct snapshot *s = spec_snapshot(dp, c->services, c->n_services, &c->defense, NULL, 1);

	assert_non_null(s);
	dp_publish(dp, s);
}

/* A node of c with the fixture's two ports. */
static inline struct dp *
fixture_dp(const struct cfg *c)
{
	struct dp_spec spec;

	spec_dp(c, port_mac, port_ids, &spec);
	return dp_create(&spec);
}

/* Replace the first `from` in text (of size sz) with `to`; the test fails when it is absent. */
static inline void
env_subst(char *text, size_t sz, const char *from, const char *to)
{
	char *at = strstr(text, from);

	assert_non_null(at);
	assert_true(strlen(text) - strlen(from) + strlen(to) < sz);
	memmove(at + strlen(to), at + strlen(from), strlen(at + strlen(from)) + 1);
	memcpy(at, to, strlen(to));
}

/* The node of a whole config text, its neighbours known (see below). */
static inline struct env *
env_new_text(const char *text)
{
	struct env *e = calloc(1, sizeof(*e));
	struct cfg_error err;

	if (cfg_load_string(text, "fixture", &e->cfg, &err) != 0) {
		char buf[512];

		cfg_error_fmt(&err, buf, sizeof(buf));
		fail_msg("fixture config: %s", buf);
	}
	e->dp = fixture_dp(&e->cfg);
	assert_non_null(e->dp);
	publish(e->dp, &e->cfg);
	e->w = e->dp->workers[0];
	worker_set_time(e->w, 1000000);
	/* The backends' MACs are known, as the control thread's ARP would have made them. */
	neigh_learn(e->dp->neigh, fx_ip("10.0.2.11"), 1, &be_mac, 0);
	neigh_learn(e->dp->neigh, fx_ip("10.0.2.12"), 1, &be_mac, 0);
	neigh_learn(e->dp->neigh, fx_ip("10.0.2.21"), 1, &be_mac, 0);
	/* And the clients' 10.0.1.2-9 (on the client subnet: each is its own next hop). */
	for (unsigned k = 2; k < 10; k++) {
		char a[16];

		snprintf(a, sizeof(a), "10.0.1.%u", k);
		neigh_learn(e->dp->neigh, fx_ip(a), 0, &client_mac, 0);
	}
	/* The same for IPv6 (env_new6): backends 2001:db8:2::11, ::12, ::21, clients
	 * 2001:db8:1::2-9, as neighbour discovery would have made them. */
	{
		static const char *const be6[] = { "2001:db8:2::11", "2001:db8:2::12",
						   "2001:db8:2::21" };
		union addr46 a;

		for (unsigned k = 0; k < 3; k++) {
			a = A(be6[k]);
			neigh_learn46(e->dp->neigh6, &a, 1, &be_mac, 0);
		}
		for (unsigned k = 2; k < 10; k++) {
			char t[40];

			snprintf(t, sizeof(t), "2001:db8:1::%u", k);
			a = A(t);
			neigh_learn46(e->dp->neigh6, &a, 0, &client_mac, 0);
		}
	}
	return e;
}

/*
 * extra: lines for the dataplane section, e.g. "  peers: [10.0.1.12]\n"; from/to (may be
 * NULL): a change to the text of CONFIG, e.g. another tcp_established.
 */
static inline struct env *
env_new_sub(unsigned workers, unsigned conns, const char *extra, const char *from,
	    const char *to)
{
	char text[2048], svc[1024];

	snprintf(text, sizeof(text), CONFIG, workers, conns);
	if (from != NULL)
		env_subst(text, sizeof(text), from, to);
	/* extra goes right before the services */
	snprintf(svc, sizeof(svc), "%sservices:\n", extra);
	env_subst(text, sizeof(text), "services:\n", svc);
	return env_new_text(text);
}

/*
 * The fixture node with IPv6 too (env_new6_extra: `extra` lines for the dataplane section,
 * `services` more services after these): each port has an IPv6 address (client 2001:db8:1::1/64,
 * backend 2001:db8:2::1/64), a LIP 2001:db8:2::100, and the services again on VIP
 * [2001:db8:100::10] to backends 2001:db8:2::11, ::12 (TCP 80) and ::21 (UDP 53).
 */
#define ENV6_VIP "2001:db8:100::10"

static inline struct env *
env_new6_extra(unsigned workers, unsigned conns, const char *extra, const char *services)
{
	char text[4096], svc[1024];

	snprintf(text, sizeof(text), CONFIG, workers, conns);
	/* extra goes right before the services, as env_new_sub()'s */
	snprintf(svc, sizeof(svc), "%sservices:\n", extra);
	env_subst(text, sizeof(text), "services:\n", svc);
	env_subst(text, sizeof(text), "address: 10.0.1.1/24}",
		  "address: [10.0.1.1/24, \"2001:db8:1::1/64\"]}");
	env_subst(text, sizeof(text), "address: 10.0.2.1/24}",
		  "address: [10.0.2.1/24, \"2001:db8:2::1/64\"]}");
	env_subst(text, sizeof(text), "[10.0.2.100]", "[10.0.2.100, \"2001:db8:2::100\"]");
	strcat(text, "  - vip: '[" ENV6_VIP "]:80/tcp'\n"
		     "    scheduler: rr\n"
		     "    backends: [{address: '[2001:db8:2::11]:8080'},"
		     " {address: '[2001:db8:2::12]:8080'}]\n"
		     "  - vip: '[" ENV6_VIP "]:53/udp'\n"
		     "    scheduler: rr\n"
		     "    backends: [{address: '[2001:db8:2::21]:53'}]\n");
	strcat(text, services);
	return env_new_text(text);
}

static inline struct env *
env_new6(unsigned workers, unsigned conns)
{
	return env_new6_extra(workers, conns, "", "");
}

static inline struct env *
env_new_extra(unsigned workers, unsigned conns, const char *extra)
{
	return env_new_sub(workers, conns, extra, NULL, NULL);
}

static inline struct env *
env_new(unsigned workers, unsigned conns)
{
	return env_new_extra(workers, conns, "");
}

static inline void
out_clear(struct worker *w)
{
	unsigned p, i;

	for (p = 0; p < SL_MAX_PORTS; p++) {
		for (i = 0; i < w->s.out.n[p]; i++)
			rte_pktmbuf_free(w->s.out.pkts[p][i]);
		w->s.out.n[p] = 0;
	}
	for (p = 0; p < SL_MAX_WORKERS; p++) {
		for (i = 0; i < w->s.out.n_handoff[p]; i++)
			rte_pktmbuf_free(w->s.out.handoff[p][i]);
		w->s.out.n_handoff[p] = 0;
	}
}

static inline void
env_free(struct env *e)
{
	unsigned i;

	for (i = 0; i < e->dp->n_workers; i++)
		out_clear(e->dp->workers[i]);
	dp_free(e->dp);
	cfg_free(&e->cfg);
	free(e);
}

static inline unsigned
out_total(const struct worker *w)
{
	unsigned p, n = 0;

	for (p = 0; p < SL_MAX_PORTS; p++)
		n += w->s.out.n[p];
	for (p = 0; p < SL_MAX_WORKERS; p++)
		n += w->s.out.n_handoff[p];
	return n;
}

/* Run one frame through the pipeline on port `port`. */
static inline void
run1(struct worker *w, struct rte_mbuf *m, uint16_t port)
{
	m->port = port;
	pipeline_run(w, &m, 1);
}

/* The one packet that came out, on `port`; anything else fails the test. */
static inline struct rte_mbuf *
out_one(struct worker *w, unsigned port)
{
	assert_int_equal(out_total(w), 1);
	assert_int_equal(w->s.out.n[port], 1);
	return w->s.out.pkts[port][0];
}

static inline struct rte_ipv4_hdr *
ip_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
}

/* Every checksum of an output frame is right, and the frame has the right length. */
static inline void
assert_frame_ok(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = ip_of(m);

	assert_int_equal(rte_pktmbuf_data_len(m),
			 sizeof(struct rte_ether_hdr) + rte_be_to_cpu_16(ip->total_length));
	assert_int_equal(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
	if (ip->next_proto_id == IPPROTO_TCP || ip->next_proto_id == IPPROTO_UDP) {
		void *l4 = ip + 1;

		if (ip->next_proto_id == IPPROTO_UDP &&
		    ((struct rte_udp_hdr *)l4)->dgram_cksum == 0)
			return;
		/* Summed with the pseudo header, a right L4 checksum makes 0xffff. */
		uint32_t sum = rte_ipv4_phdr_cksum(ip, 0);
		uint16_t l4len = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - sizeof(*ip));

		sum += rte_raw_cksum(l4, l4len);
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		assert_int_equal(sum, 0xffff);
	}
}

static inline void
assert_tuple(struct rte_mbuf *m, const char *src, uint16_t sport, const char *dst,
	     uint16_t dport)
{
	struct rte_ipv4_hdr *ip = ip_of(m);
	struct rte_udp_hdr *l4 = (struct rte_udp_hdr *)(ip + 1); /* ports lead in TCP too */

	assert_int_equal(ip->src_addr, fx_ip(src));
	assert_int_equal(ip->dst_addr, fx_ip(dst));
	if (ip->next_proto_id == IPPROTO_ICMP)
		return;
	if (sport)
		assert_int_equal(rte_be_to_cpu_16(l4->src_port), sport);
	assert_int_equal(rte_be_to_cpu_16(l4->dst_port), dport);
}

static inline uint16_t
sport_of(struct rte_mbuf *m)
{
	return rte_be_to_cpu_16(((struct rte_udp_hdr *)(ip_of(m) + 1))->src_port);
}

static inline struct rte_mbuf *
tcp(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint8_t flags,
    const struct rte_ether_addr *smac, unsigned dport_idx)
{
	struct fx_l4 f = { .proto = IPPROTO_TCP, .src = src, .dst = dst, .sport = sport,
			   .dport = dport, .tcp_flags = flags };

	return fx_frame(mp, smac, &port_mac[dport_idx], &f);
}

/* A frame's IP packet (from the IP header to its end), copied out to compare with what
 * comes out: unchanged (DR), inside a tunnel (TUN). */
struct ipcopy {
	uint8_t b[1600];
	unsigned len;
};

static inline void
ip_copy(struct rte_mbuf *m, struct ipcopy *c)
{
	c->len = rte_pktmbuf_data_len(m) - PKT_IP_OFF;
	assert_true(c->len <= sizeof(c->b));
	memcpy(c->b, rte_pktmbuf_mtod_offset(m, uint8_t *, PKT_IP_OFF), c->len);
}

/* The IPv4 conn of worker w that src:sport -> vip:dport (proto) opened, or NULL. */
static inline struct conn *
conn4_of(struct worker *w, const char *src, uint16_t sport, const char *vip, uint16_t dport,
	 uint8_t proto)
{
	struct conn_key k = { .saddr = fx_ip(src), .daddr = fx_ip(vip),
			      .sport = rte_cpu_to_be_16(sport), .dport = rte_cpu_to_be_16(dport),
			      .proto = proto };
	enum conn_dir dir;

	return conn_lookup(w->s.ct, &k, &dir);
}

static inline const struct vs_counters *
be_ctr(struct env *e, uint16_t slot)
{
	return dp_be_counters(e->dp, 0, slot);
}


/* The main() of a fixture file: the EAL, the frame pool, then the group of tests. */
#define ENV_RUN(tests)                                                                    \
	do {                                                                              \
		test_eal_init();                                                          \
		mp = rte_pktmbuf_pool_create("fixtures", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, \
					     0);                                          \
		if (mp == NULL)                                                           \
			return 1;                                                         \
		return cmocka_run_group_tests(tests, NULL, NULL);                         \
	} while (0)

#endif
