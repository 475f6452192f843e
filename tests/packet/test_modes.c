/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every forwarding mode shares (issue 10, item 6): in fullnat, dr, tun, nat and NAT64,
 * every scheduler spreads new conns over the backends (sh and Maglev by source keep a
 * client on one), a drained backend (weight 0) and one at its max_conns take no new conn,
 * persistence keeps a client on its backend, and a packet of a conn the node does not know
 * goes to its peers. The backend of each conn is read from the conn itself, so the test
 * does not depend on how a mode dresses its packets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "env.h"
#include "test_eal.h"

#define VIP4 "10.0.0.50"
#define VIP6 "2001:db8:100::50"

static const struct {
	const char *name;  /* the mode key */
	const char *extra; /* more keys of the service */
	int v6;            /* an IPv6 VIP (over IPv4 backends: NAT64) */
} modes[] = {
	{ "fullnat", "", 0 },
	{ "dr", "", 0 },
	{ "tun", "    tunnel: gue\n", 0 },
	{ "nat", "", 0 },
	{ "fullnat", "", 1 }, /* NAT64 */
};

static const struct {
	const char *name, *extra;
	int by_client; /* a client's conns all go to one backend */
} scheds[] = {
	{ "rr", "", 0 }, { "wrr", "", 0 }, { "lc", "", 0 }, { "wlc", "", 0 }, { "sh", "", 1 },
	{ "maglev", "", 0 }, { "maglev", "    maglev: {hash: source}\n", 1 },
};

/* Services past the schedulers' (one per scheduler, ports 100..): the backend controls. */
enum { SVC_DRAIN = 200, SVC_MAXCONN, SVC_PERSIST };

static void
add_service(char *buf, size_t sz, unsigned mi, unsigned port, const char *sched,
	    const char *extra, const char *be1, const char *be2)
{
	size_t n = strlen(buf);

	snprintf(buf + n, sz - n,
		 "  - vip: '%s%s%s:%u/tcp'\n"
		 "    mode: %s\n%s"
		 "    scheduler: %s\n%s"
		 "    backends: [{address: 10.0.2.11:%u%s}, {address: 10.0.2.12:%u%s}]\n",
		 modes[mi].v6 ? "[" : "", modes[mi].v6 ? VIP6 : VIP4, modes[mi].v6 ? "]" : "", port,
		 modes[mi].name, modes[mi].extra, sched, extra, port, be1, port, be2);
}

static const struct rte_ether_addr peer_mac = { { 2, 0, 0, 0, 1, 12 } };

static struct env *
modes_env(unsigned mi)
{
	static char svcs[8192];
	union addr46 peer6;
	struct env *e;
	unsigned s;

	svcs[0] = '\0';
	for (s = 0; s < RTE_DIM(scheds); s++)
		add_service(svcs, sizeof(svcs), mi, 100 + s, scheds[s].name, scheds[s].extra, "",
			    "");
	add_service(svcs, sizeof(svcs), mi, SVC_DRAIN, "wrr", "", "", ", weight: 0");
	add_service(svcs, sizeof(svcs), mi, SVC_MAXCONN, "rr", "", ", max_conns: 2", "");
	add_service(svcs, sizeof(svcs), mi, SVC_PERSIST, "rr", "    persistence: 60\n", "", "");
	e = env_new6_extra(1, 8192, "  peers: [10.0.1.12, '2001:db8:1::12']\n", svcs);
	neigh_learn(e->dp->neigh, fx_ip("10.0.1.12"), 0, &peer_mac, 0);
	peer6 = A("2001:db8:1::12");
	neigh_learn46(e->dp->neigh6, &peer6, 0, &peer_mac, 0);
	return e;
}

/* Open a conn from client k, port sport, to the mode's VIP:port; the backend's last byte. */
static unsigned
open_conn(struct env *e, unsigned mi, unsigned k, uint16_t sport, uint16_t port)
{
	char cl[40];
	struct conn *c;
	enum conn_dir dir;
	struct rte_mbuf *m;

	if (modes[mi].v6) {
		struct fx_l4 f = { .proto = IPPROTO_TCP, .src = cl, .dst = VIP6, .sport = sport,
				   .dport = port, .tcp_flags = RTE_TCP_SYN_FLAG };
		struct conn_key6 key = { .sport = rte_cpu_to_be_16(sport),
					 .dport = rte_cpu_to_be_16(port), .proto = IPPROTO_TCP };

		snprintf(cl, sizeof(cl), "2001:db8:1::%u", 2 + k);
		m = fx_frame6(mp, &client_mac, &port_mac[0], &f);
		inet_pton(AF_INET6, cl, key.saddr);
		inet_pton(AF_INET6, VIP6, key.daddr);
		run1(e->w, m, 0);
		c = conn6_lookup(e->w->s.ct6, &key, &dir);
	} else {
		struct conn_key key = { .daddr = fx_ip(VIP4), .sport = rte_cpu_to_be_16(sport),
					.dport = rte_cpu_to_be_16(port), .proto = IPPROTO_TCP };

		snprintf(cl, sizeof(cl), "10.0.1.%u", 2 + k);
		run1(e->w, tcp(cl, sport, VIP4, port, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
		key.saddr = fx_ip(cl);
		c = conn_lookup(e->w->s.ct, &key, &dir);
	}
	out_one(e->w, 1); /* forwarded, toward the backends */
	out_clear(e->w);
	assert_non_null(c);
	return rte_be_to_cpu_32(c->daddr) & 0xff;
}

static void
test_every_scheduler_and_control_in_every_mode(void **state)
{
	unsigned mi, s, i;

	(void)state;
	for (mi = 0; mi < RTE_DIM(modes); mi++) {
		struct env *e = modes_env(mi);
		unsigned n11 = 0, first[8];

		for (s = 0; s < RTE_DIM(scheds); s++) {
			unsigned to11 = 0, seen[8] = { 0 };

			for (i = 0; i < 32; i++) {
				unsigned k = i % 8;
				unsigned be = open_conn(e, mi, k, (uint16_t)(20000 + 100 * s + i),
							(uint16_t)(100 + s));

				assert_true(be == 11 || be == 12);
				to11 += be == 11;
				if (scheds[s].by_client) {
					if (seen[k] == 0)
						seen[k] = be;
					assert_int_equal(be, seen[k]);
				}
			}
			if (to11 == 0 || to11 == 32)
				fail_msg("mode %s%s, %s: all 32 conns to one backend", modes[mi].name,
					 modes[mi].v6 ? " (NAT64)" : "", scheds[s].name);
		}
		/* weight 0: drained, every new conn to the other */
		for (i = 0; i < 8; i++)
			assert_int_equal(open_conn(e, mi, i, (uint16_t)(30000 + i), SVC_DRAIN), 11);
		/* max_conns 2 on .11: two conns there at most, the rest to .12 */
		for (i = 0; i < 8; i++)
			n11 += open_conn(e, mi, i, (uint16_t)(31000 + i), SVC_MAXCONN) == 11;
		assert_int_equal(n11, 2);
		/* persistence: each client stays with its first backend (rr would alternate) */
		for (i = 0; i < 8; i++)
			first[i] = open_conn(e, mi, i, (uint16_t)(32000 + i), SVC_PERSIST);
		for (i = 0; i < 24; i++)
			assert_int_equal(open_conn(e, mi, i % 8, (uint16_t)(33000 + i), SVC_PERSIST),
					 first[i % 8]);
		env_free(e);
	}
}

/*
 * Peers in every mode: a packet of a conn this node does not know (the routers moved its
 * flow here) goes to the other node, which may have it, one hop on, as in FULLNAT.
 */
static void
test_peers_in_every_mode(void **state)
{
	unsigned mi;

	(void)state;
	for (mi = 0; mi < RTE_DIM(modes); mi++) {
		struct env *e = modes_env(mi);
		struct rte_mbuf *m;

		if (modes[mi].v6) {
			struct fx_l4 f = { .proto = IPPROTO_TCP, .src = "2001:db8:1::2", .dst = VIP6,
					   .sport = 40000, .dport = 100,
					   .tcp_flags = RTE_TCP_ACK_FLAG };

			run1(e->w, fx_frame6(mp, &client_mac, &port_mac[0], &f), 0);
		} else {
			run1(e->w, tcp("10.0.1.2", 40000, VIP4, 100, RTE_TCP_ACK_FLAG, &client_mac,
				       0), 0);
		}
		m = out_one(e->w, 0);
		assert_memory_equal(&pkt_eth(m)->dst_addr, &peer_mac, 6);
		assert_int_equal(e->w->s.st.to_peers, 1);
		assert_int_equal(e->w->s.st.conns_created, 0);
		env_free(e);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_scheduler_and_control_in_every_mode),
		cmocka_unit_test(test_peers_in_every_mode),
	};

	ENV_RUN(tests);
}
