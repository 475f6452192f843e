/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whole bursts (issue 9, item 6): 32 frames in one pipeline_run mixing established conns in
 * both directions, new flows, a new flow's second packet (the same new key twice in one
 * burst: one conn), and the reply to a conn made earlier in the same burst. Every frame
 * leaves, translated for its conn; nothing is dropped; one conn per new flow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "common/addr.h"
#include "env.h"
#include "test_eal.h"

#define N_EST 8    /* established TCP conns, a packet each way */
#define N_UDP 4    /* new UDP flows: two datagrams and the backend's reply each */
#define N_SYN 4    /* new TCP flows */

struct est {
	uint16_t cport, lport;
	char be[16];
};

static struct rte_mbuf *
udp(const char *src, uint16_t sport, const char *dst, uint16_t dport, const char *payload,
    const struct rte_ether_addr *smac, unsigned port_idx)
{
	struct fx_l4 f = { .proto = IPPROTO_UDP, .src = src, .dst = dst, .sport = sport,
			   .dport = dport, .payload = payload, .payload_len = 4 };

	return fx_frame(mp, smac, &port_mac[port_idx], &f);
}

/* The frames that left on port `port`, as "src:sport>dst:dport" strings, sorted. */
static unsigned
tuples(struct worker *w, unsigned port, char out[][64])
{
	unsigned i, n = w->s.out.n[port];

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = w->s.out.pkts[port][i];
		struct rte_ipv4_hdr *ip = ip_of(m);
		struct rte_udp_hdr *l4 = (struct rte_udp_hdr *)(ip + 1);
		char s[16], d[16];

		assert_frame_ok(m);
		snprintf(out[i], 64, "%s:%u>%s:%u/%u", addr_fmt_ip(s, ip->src_addr),
			 rte_be_to_cpu_16(l4->src_port), addr_fmt_ip(d, ip->dst_addr),
			 rte_be_to_cpu_16(l4->dst_port), ip->next_proto_id);
	}
	qsort(out, n, 64, (int (*)(const void *, const void *))strcmp);
	return n;
}

static void
test_mixed_burst(void **state)
{
	struct env *e = env_new(1, 4096);
	struct rte_mbuf *burst[WORKER_BURST];
	char want[2][WORKER_BURST][64], got[WORKER_BURST][64];
	unsigned nw[2] = { 0, 0 }, n = 0, i, k;
	struct est est[N_EST];

	(void)state;
	/* Conns made one by one beforehand, each through its handshake. */
	for (i = 0; i < N_EST; i++) {
		struct rte_mbuf *m;

		est[i].cport = (uint16_t)(42000 + i);
		run1(e->w, tcp("10.0.1.2", est[i].cport, "10.0.0.10", 80, RTE_TCP_SYN_FLAG,
			       &client_mac, 0), 0);
		m = out_one(e->w, 1);
		est[i].lport = sport_of(m);
		addr_fmt_ip(est[i].be, ip_of(m)->dst_addr);
		out_clear(e->w);
		run1(e->w, tcp(est[i].be, 8080, "10.0.2.100", est[i].lport,
			       RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, &be_mac, 1), 1);
		run1(e->w, tcp("10.0.1.2", est[i].cport, "10.0.0.10", 80, RTE_TCP_ACK_FLAG,
			       &client_mac, 0), 0);
		out_clear(e->w);
	}
	assert_int_equal(conn_count(e->w->s.ct), N_EST);

	/* The burst, interleaved so that no two frames of a kind are neighbours. */
	for (i = 0; i < N_EST; i++) {
		burst[n++] = tcp("10.0.1.2", est[i].cport, "10.0.0.10", 80,
				 RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, &client_mac, 0);
		snprintf(want[1][nw[1]++], 64, "10.0.2.100:%u>%s:8080/6", est[i].lport, est[i].be);
		if (i < N_UDP) {
			uint16_t cp = (uint16_t)(45000 + i);

			/* a new UDP flow, its second datagram, the backend's reply */
			burst[n++] = udp("10.0.1.3", cp, "10.0.0.10", 53, "qry1", &client_mac, 0);
			burst[n++] = udp("10.0.1.3", cp, "10.0.0.10", 53, "qry2", &client_mac, 0);
			snprintf(want[1][nw[1]++], 64, "10.0.2.100:%u>10.0.2.21:53/17", cp);
			snprintf(want[1][nw[1]++], 64, "10.0.2.100:%u>10.0.2.21:53/17", cp);
			burst[n++] = udp("10.0.2.21", 53, "10.0.2.100", cp, "answ", &be_mac, 1);
			snprintf(want[0][nw[0]++], 64, "10.0.0.10:53>10.0.1.3:%u/17", cp);
		}
		burst[n++] = tcp(est[i].be, 8080, "10.0.2.100", est[i].lport, RTE_TCP_ACK_FLAG,
				 &be_mac, 1);
		snprintf(want[0][nw[0]++], 64, "10.0.0.10:80>10.0.1.2:%u/6", est[i].cport);
		if (i < N_SYN) {
			uint16_t cp = (uint16_t)(46000 + i);

			burst[n++] = tcp("10.0.1.4", cp, "10.0.0.10", 80, RTE_TCP_SYN_FLAG,
					 &client_mac, 0);
			/* its backend is the scheduler's: checked below by the LIP side only */
			snprintf(want[1][nw[1]++], 64, "10.0.2.100:%u>", cp);
		}
	}
	assert_int_equal(n, WORKER_BURST);
	for (i = 0; i < n; i++) /* the port each frame arrives on */
		burst[i]->port = ip_of(burst[i])->dst_addr == fx_ip("10.0.2.100") ? 1 : 0;
	pipeline_run(e->w, burst, (uint16_t)n);

	for (k = 0; k < DROP_MAX; k++)
		if (e->w->s.st.drops[k] != 0)
			fail_msg("dropped %llu as %s", (unsigned long long)e->w->s.st.drops[k],
				 drop_name(k));
	assert_int_equal(out_total(e->w), WORKER_BURST);
	assert_int_equal(conn_count(e->w->s.ct), N_EST + N_UDP + N_SYN);
	assert_int_equal(e->w->s.st.conns_created, N_EST + N_UDP + N_SYN);
	for (k = 0; k < 2; k++) {
		unsigned m = tuples(e->w, k, got);

		assert_int_equal(m, nw[k]);
		qsort(want[k], nw[k], 64, (int (*)(const void *, const void *))strcmp);
		for (i = 0; i < m; i++) {
			/* a SYN's row names only its LIP side: compare that much */
			size_t len = strlen(want[k][i]);

			if (strncmp(got[i], want[k][i], len) != 0)
				fail_msg("port %u, frame %u: got %s, want %s", k, i, got[i],
					 want[k][i]);
		}
	}
	env_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mixed_burst),
	};

	ENV_RUN(tests);
}
