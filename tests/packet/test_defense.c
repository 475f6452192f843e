/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The new-conn gate (defense/defense.h) through pipeline_run(): the node's and a service's
 * allow and deny lists, IPv4 and IPv6, in bursts; a list changed live refuses new conns of
 * a newly denied client while its established conn carries on; syn_rate split over the
 * workers and refilled with time; source_rate per client; a UDP service's first datagrams.
 * Each refusal is counted under its drop reason and for its service.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "env.h"
#include "test_eal.h"

#define TCP_BACKENDS "    backends: [{address: 10.0.2.11:8080}, {address: 10.0.2.12:8080}]\n"
#define UDP_BACKENDS "    backends: [{address: 10.0.2.21:53}]\n"

static struct rte_mbuf *
syn_from(const char *src, uint16_t sport)
{
	struct rte_mbuf *m = tcp(src, sport, "10.0.0.10", 80, RTE_TCP_SYN_FLAG, &client_mac, 0);

	m->port = 0;
	return m;
}

static const struct vs_defense *
svc_def(struct env *e, unsigned worker, uint16_t slot)
{
	return dp_svc_defense(e->dp, worker, slot);
}

/* Run n SYNs from src (ports from sport on) on worker w; how many left toward a backend. */
static unsigned
syns(struct worker *w, const char *src, uint16_t sport, unsigned n)
{
	unsigned i, out;

	for (i = 0; i < n; i++)
		run1(w, syn_from(src, (uint16_t)(sport + i)), 0);
	out = w->s.out.n[1];
	out_clear(w);
	return out;
}

/*
 * The node denies 10.0.1.0/29 but 10.0.1.9 is outside it; the service allows only
 * 10.0.1.0/28: .2 is denied (deny wins), .9 passes, .20 is not allowed. A burst mixing them
 * sends the allowed ones only.
 */
static void
test_acl_lists(void **state)
{
	struct env *e = env_new_sub(1, 1024, "  defense: {deny: [10.0.1.0/29]}\n", TCP_BACKENDS,
				    TCP_BACKENDS "    defense: {allow: [10.0.1.0/28]}\n");
	static const char *const src[] = { "10.0.1.2", "10.0.1.9", "10.0.1.20", "10.0.1.10" };
	struct rte_mbuf *burst[32];
	unsigned i;

	(void)state;
	assert_int_equal(syns(e->w, "10.0.1.2", 40000, 1), 0);
	assert_int_equal(e->w->s.st.drops[DROP_acl_denied], 1);
	assert_int_equal(syns(e->w, "10.0.1.9", 40000, 1), 1);
	assert_int_equal(syns(e->w, "10.0.1.20", 40000, 1), 0);
	assert_int_equal(e->w->s.st.drops[DROP_acl_not_allowed], 1);
	assert_int_equal(svc_def(e, 0, 0)->acl, 2);
	for (i = 0; i < 32; i++)
		burst[i] = syn_from(src[i % 4], (uint16_t)(41000 + i));
	pipeline_run(e->w, burst, 32);
	/* .9 and .10 (16 of the 32) pass, the others do not */
	assert_int_equal(e->w->s.out.n[1], 16);
	out_clear(e->w);
	assert_int_equal(e->w->s.st.drops[DROP_acl_denied], 9);
	assert_int_equal(e->w->s.st.drops[DROP_acl_not_allowed], 9);
	assert_int_equal(svc_def(e, 0, 0)->acl, 18);
	/* the UDP service has no list of its own: only the node's applies */
	run1(e->w, fx_frame(mp, &client_mac, &port_mac[0],
			    &(struct fx_l4){ .proto = IPPROTO_UDP, .src = "10.0.1.20",
					     .dst = "10.0.0.10", .sport = 5353, .dport = 53 }), 0);
	assert_int_equal(out_total(e->w), 1);
	out_clear(e->w);
	env_free(e);
}

/*
 * A list changed live: a client with an established conn becomes denied. Its conn carries
 * on (packets both ways); a new conn from it is refused; allowing it again lets it in.
 */
static void
test_acl_live_change(void **state)
{
	struct env *e = env_new(1, 1024);
	struct cfg_defense deny;
	struct cfg_error err;
	json_t *j;
	struct conn *c;

	(void)state;
	assert_int_equal(syns(e->w, "10.0.1.3", 40000, 1), 1);
	c = conn4_of(e->w, "10.0.1.3", 40000, "10.0.0.10", 80, IPPROTO_TCP);
	assert_non_null(c);
	j = json_pack("{s:[s]}", "deny", "10.0.1.3");
	assert_int_equal(cfg_defense_from_json(j, "", NULL, &deny, &err), 0);
	json_decref(j);
	cfg_defense_free(&e->cfg.defense);
	e->cfg.defense = deny;
	publish(e->dp, &e->cfg);
	/* the conn's own packets go on, both ways */
	run1(e->w, tcp("10.0.1.3", 40000, "10.0.0.10", 80, RTE_TCP_ACK_FLAG, &client_mac, 0), 0);
	assert_int_equal(e->w->s.out.n[1], 1);
	out_clear(e->w);
	run1(e->w, tcp(c->daddr == fx_ip("10.0.2.11") ? "10.0.2.11" : "10.0.2.12", 8080,
		       "10.0.2.100", rte_be_to_cpu_16(c->lport), RTE_TCP_ACK_FLAG, &be_mac, 1), 1);
	assert_int_equal(e->w->s.out.n[0], 1);
	out_clear(e->w);
	/* a new one is refused */
	assert_int_equal(syns(e->w, "10.0.1.3", 40001, 1), 0);
	assert_int_equal(e->w->s.st.drops[DROP_acl_denied], 1);
	cfg_defense_free(&e->cfg.defense);
	publish(e->dp, &e->cfg);
	assert_int_equal(syns(e->w, "10.0.1.3", 40002, 1), 1);
	env_free(e);
}

/* The node's lists over IPv6: a denied /64, an allowed rest. */
static void
test_acl_v6(void **state)
{
	struct env *e = env_new6_extra(1, 1024, "  defense: {deny: ['2001:db8:1::/125']}\n", "");
	struct fx_l4 f = { .proto = IPPROTO_TCP, .src = "2001:db8:1::5", .dst = ENV6_VIP,
			   .sport = 40000, .dport = 80, .tcp_flags = RTE_TCP_SYN_FLAG };

	(void)state;
	run1(e->w, fx_frame6(mp, &client_mac, &port_mac[0], &f), 0);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.drops[DROP_acl_denied], 1);
	f.src = "2001:db8:1::9";
	run1(e->w, fx_frame6(mp, &client_mac, &port_mac[0], &f), 0);
	assert_int_equal(e->w->s.out.n[1], 1);
	out_clear(e->w);
	env_free(e);
}

/*
 * syn_rate 10 a second on a node of 2 workers: each takes 5 at once, then 5 a second, the
 * rest dropped and counted; new conns of other services are not held back.
 */
static void
test_syn_rate_per_worker_share(void **state)
{
	struct env *e = env_new_sub(2, 1024, "", TCP_BACKENDS,
				    TCP_BACKENDS "    defense: {syn_rate: 10}\n");
	struct worker *w1 = e->dp->workers[1];
	uint64_t t = 1000000;

	(void)state;
	worker_set_time(w1, t);
	assert_int_equal(syns(e->w, "10.0.1.2", 40000, 20), 5);
	assert_int_equal(syns(w1, "10.0.1.3", 40000, 20), 5);
	assert_int_equal(e->w->s.st.drops[DROP_syn_rate], 15);
	assert_int_equal(svc_def(e, 0, 0)->syn_rate + svc_def(e, 1, 0)->syn_rate, 30);
	/* 100 ms later: half a conn a worker, none yet; at 1 s: 5 more each */
	worker_set_time(e->w, t + 100);
	assert_int_equal(syns(e->w, "10.0.1.2", 41000, 3), 0);
	worker_set_time(e->w, t + 1100);
	assert_int_equal(syns(e->w, "10.0.1.2", 42000, 20), 5);
	/* the UDP service has no limit */
	run1(e->w, fx_frame(mp, &client_mac, &port_mac[0],
			    &(struct fx_l4){ .proto = IPPROTO_UDP, .src = "10.0.1.4",
					     .dst = "10.0.0.10", .sport = 5353, .dport = 53 }), 0);
	assert_int_equal(out_total(e->w), 1);
	out_clear(e->w);
	env_free(e);
}

/*
 * source_rate 4 a second (node-wide, 1 worker): one client gets 4 conns, the next are
 * refused, while another client still gets its 4; a UDP service's first datagrams too.
 */
static void
test_source_rate(void **state)
{
	struct env *e = env_new_sub(1, 1024, "  defense: {source_rate: 4}\n", NULL, NULL);
	unsigned i, out;

	(void)state;
	assert_int_equal(syns(e->w, "10.0.1.2", 40000, 10), 4);
	assert_int_equal(syns(e->w, "10.0.1.3", 40000, 10), 4);
	assert_int_equal(e->w->s.st.drops[DROP_source_rate], 12);
	assert_int_equal(svc_def(e, 0, 0)->source_rate, 12);
	/* a UDP flood from one client: its first datagram of each new flow is the conn's */
	for (i = 0; i < 10; i++)
		run1(e->w, fx_frame(mp, &client_mac, &port_mac[0],
				    &(struct fx_l4){ .proto = IPPROTO_UDP, .src = "10.0.1.5",
						     .dst = "10.0.0.10", .sport = (uint16_t)(5000 + i),
						     .dport = 53 }), 0);
	out = out_total(e->w);
	out_clear(e->w);
	assert_int_equal(out, 4);
	assert_int_equal(svc_def(e, 0, 1)->source_rate, 6);
	/* 250 ms later: one more conn for the first client */
	worker_set_time(e->w, e->w->s.now_ms + 250);
	assert_int_equal(syns(e->w, "10.0.1.2", 41000, 3), 1);
	env_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acl_lists),
		cmocka_unit_test(test_acl_live_change),
		cmocka_unit_test(test_acl_v6),
		cmocka_unit_test(test_syn_rate_per_worker_share),
		cmocka_unit_test(test_source_rate),
	};

	ENV_RUN(tests);
}
