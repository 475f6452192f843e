/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The longest documented timeout and persistence hold (issue 8, item 12): a conn idle for
 * just under `tcp_established: 365d` is still there, and a client's affinity of 365 days
 * still binds it. Before the bound, 4294967295 s wrapped to a deadline ~128 ms away.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "env.h"
#include "test_eal.h"

#define DAY_MS (86400ull * 1000)
#define YEAR_MS ((uint64_t)SL_DURATION_MAX_S * 1000)

/* Move the worker's clock to `at` and let the wheel catch up with all of it at once. */
static void
idle_until(struct env *e, uint64_t at)
{
	worker_set_time(e->w, at);
	conn_expire(e->w->s.ct, e->w->s.now, UINT_MAX);
}

static struct conn *
conn_of(struct env *e, uint16_t cport)
{
	struct conn_key k = { .saddr = fx_ip("10.0.1.2"), .daddr = fx_ip("10.0.0.10"),
			      .sport = rte_cpu_to_be_16(cport), .dport = RTE_BE16(80), .proto = 6 };
	enum conn_dir dir;

	return conn_lookup(e->w->s.ct, &k, &dir);
}

/* A SYN from 10.0.1.2:cport; the backend it went to. */
static uint32_t
syn(struct env *e, uint16_t cport, uint16_t *lport)
{
	struct rte_mbuf *m;
	uint32_t be;

	run1(e->w, tcp("10.0.1.2", cport, "10.0.0.10", 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
	m = out_one(e->w, 1);
	assert_frame_ok(m);
	be = ip_of(m)->dst_addr;
	if (lport != NULL)
		*lport = sport_of(m);
	out_clear(e->w);
	return be;
}

static void
test_established_max_holds(void **state)
{
	struct env *e = env_new_sub(1, 1024, "", "tcp_established: 900", "tcp_established: 365d");
	static const uint64_t idle_ms[] = { 1000, 60000, 3600000, DAY_MS, 30 * DAY_MS,
					    200 * DAY_MS, YEAR_MS - 1000 };
	char be_s[16];
	uint64_t last;
	uint32_t be;
	uint16_t lport;
	size_t i;

	(void)state;
	be = syn(e, 41000, &lport);
	snprintf(be_s, sizeof(be_s), "10.0.2.%u", (unsigned)(rte_be_to_cpu_32(be) & 0xff));
	run1(e->w, tcp(be_s, 8080, "10.0.2.100", lport, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG,
		       &be_mac, 1), 1);
	out_clear(e->w);
	run1(e->w, tcp("10.0.1.2", 41000, "10.0.0.10", 80, RTE_TCP_ACK_FLAG, &client_mac, 0), 0);
	out_clear(e->w);
	assert_non_null(conn_of(e, 41000));
	assert_int_equal(conn_of(e, 41000)->state, TCP_S_ESTABLISHED);
	last = e->w->s.now_ms;

	/* Idle ever longer, never past the timeout: still there each time. */
	for (i = 0; i < sizeof(idle_ms) / sizeof(idle_ms[0]); i++) {
		print_message("idle %.3f days\n", (double)idle_ms[i] / DAY_MS);
		idle_until(e, last + idle_ms[i]);
		assert_int_equal(conn_count(e->w->s.ct), 1);
		assert_int_equal(e->w->s.st.conns_expired, 0);
	}
	/* One more packet after 365 days less a second restarts the year. */
	run1(e->w, tcp("10.0.1.2", 41000, "10.0.0.10", 80, RTE_TCP_ACK_FLAG, &client_mac, 0), 0);
	assert_int_equal(out_total(e->w), 1);
	out_clear(e->w);
	last = e->w->s.now_ms;
	idle_until(e, last + YEAR_MS - 1000);
	assert_int_equal(conn_count(e->w->s.ct), 1);
	/* And a year and a second of quiet ends it. */
	idle_until(e, last + YEAR_MS + 1000);
	assert_int_equal(conn_count(e->w->s.ct), 0);
	assert_int_equal(e->w->s.st.conns_expired, 1);
	env_free(e);
}

/* rr alternates; only a living affinity sends the client back to its first backend. */
static void
test_persistence_max_holds(void **state)
{
	struct env *e = env_new_sub(1, 1024, "", "    scheduler: rr\n    backends: [{address: 10.0.2.11",
				    "    scheduler: rr\n    persistence: 365d\n"
				    "    backends: [{address: 10.0.2.11");
	uint64_t t0;
	uint32_t first, be;

	(void)state;
	assert_int_equal(e->cfg.services[0].persistence, SL_DURATION_MAX_S);
	t0 = e->w->s.now_ms;
	first = syn(e, 42000, NULL);
	/* the same client, another conn: bound; rr is not asked */
	assert_int_equal(syn(e, 42001, NULL), first);
	/* 365 days less two seconds later (the binding was made at t0) */
	idle_until(e, t0 + YEAR_MS - 2000);
	be = syn(e, 42002, NULL);
	assert_int_equal(be, first);
	/* that conn renewed it: a year after it, less two seconds, still bound */
	t0 = e->w->s.now_ms;
	idle_until(e, t0 + YEAR_MS - 2000);
	assert_int_equal(syn(e, 42003, NULL), first);
	/* A year and two seconds of quiet: the scheduler decides, and rr's turn is the other. */
	t0 = e->w->s.now_ms;
	idle_until(e, t0 + YEAR_MS + 2000);
	assert_int_not_equal(syn(e, 42004, NULL), first);
	env_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_established_max_holds),
		cmocka_unit_test(test_persistence_max_holds),
	};

	ENV_RUN(tests);
}
