/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packet fixtures of the LIP ports a FULLNAT conn takes (issue 8, item 2): the client's port
 * is kept, a closed tuple rests in quarantine, and only the same client tuple continues on it
 * at once, as when a load generator or a proxy reuses its ports under `Connection: close`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "env.h"
#include "forward/laddr.h"
#include "test_eal.h"

/* Open a conn from client:cport; the LIP port and backend its SYN left with. */
static uint16_t
syn(struct env *e, const char *client, uint16_t cport, uint32_t *backend)
{
	struct rte_mbuf *m;
	uint16_t lport;

	run1(e->w, tcp(client, cport, "10.0.0.10", 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
	m = out_one(e->w, 1);
	assert_frame_ok(m);
	lport = sport_of(m);
	*backend = ip_of(m)->dst_addr;
	out_clear(e->w);
	return lport;
}

static struct conn *
conn_of(struct env *e, const char *client, uint16_t cport)
{
	struct conn_key k = { .saddr = fx_ip(client), .daddr = fx_ip("10.0.0.10"),
			      .sport = rte_cpu_to_be_16(cport), .dport = RTE_BE16(80), .proto = 6 };
	enum conn_dir dir;

	return conn_lookup(e->w->s.ct, &k, &dir);
}

/*
 * A client that reuses its port after a close (the old conn in TIME_WAIT, replaced by the
 * new SYN) gets the same LIP port toward the same backend: the backend accepts it from its
 * TIME_WAIT. Another client with the same port number does not get that tuple while it rests.
 */
static void
test_reuse_continues_quarantine_holds(void **state)
{
	struct env *e = env_new_extra(1, 4096, "");
	uint32_t be1, be2, be3;
	uint16_t p1, p2, p3;
	struct conn *c;

	(void)state;
	/* sh would pin a backend; rr alternates, so go round until the same one comes back */
	p1 = syn(e, "10.0.1.2", 46000, &be1);
	assert_int_equal(p1, 46000);
	c = conn_of(e, "10.0.1.2", 46000);
	c->state = TCP_S_TIME_WAIT;
	p2 = syn(e, "10.0.1.2", 46000, &be2); /* the other backend (rr) */
	c = conn_of(e, "10.0.1.2", 46000);
	c->state = TCP_S_TIME_WAIT;
	p2 = syn(e, "10.0.1.2", 46000, &be2);
	assert_int_equal(be2, be1);
	assert_int_equal(p2, p1); /* continued on its own quarantined tuple */
	assert_true(laddr_stats(e->w->s.lips)->continued >= 1);
	/* Now make the tuple rest: the conn ends (TIME_WAIT, then expiry). */
	c = conn_of(e, "10.0.1.2", 46000);
	c->state = TCP_S_TIME_WAIT;
	conn_set_expire(e->w->s.ct, c, e->w->s.now + e->dp->timeout_ticks[TCP_S_TIME_WAIT]);
	worker_set_time(e->w, e->w->s.now_ms + 3000); /* TIME_WAIT is 2 s in the fixture */
	worker_expire(e->w);
	assert_null(conn_of(e, "10.0.1.2", 46000));
	/* Another client, same port, to both backends in turn: never the resting tuple on the
	 * backend that had it. */
	{
		static const char *const others[] = { "10.0.1.3", "10.0.1.4" };
		unsigned i, checked = 0;

		for (i = 0; i < 2; i++) {
			p3 = syn(e, others[i], 46000, &be3);
			if (be3 == be1) {
				assert_int_not_equal(p3, p1);
				checked++;
			}
		}
		assert_int_equal(checked, 1);
	}
	/* After the quarantine (60 s) it is anyone's again. */
	worker_set_time(e->w, e->w->s.now_ms + 61000);
	worker_expire(e->w);
	assert_int_equal(laddr_stats(e->w->s.lips)->q_entries, 0);
	env_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reuse_continues_quarantine_holds),
	};

	ENV_RUN(tests);
}
