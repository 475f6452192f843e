/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the TCP state machine (src/flow/tcp_state.c). The sequences are the ones
 * a load balancer in the middle sees; the expected states are those of Linux IPVS
 * (ip_vs_proto_tcp.c, the INPUT and OUTPUT tables), so `sluicectl conns` reads like
 * `ipvsadm -Lnc` for the same traffic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "flow/tcp_state.h"

#define SYN RTE_TCP_SYN_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define RST RTE_TCP_RST_FLAG
#define PSH RTE_TCP_PSH_FLAG
#define URG RTE_TCP_URG_FLAG
#define IN CONN_DIR_IN
#define OUT CONN_DIR_OUT

struct step {
	enum conn_dir dir;
	uint8_t flags;
	uint8_t expect; /* state after this packet */
};

static void
walk(const struct step *s, unsigned n)
{
	uint8_t st = TCP_S_NONE;
	unsigned i;

	for (i = 0; i < n; i++) {
		uint8_t next = tcp_state_next(st, s[i].dir, s[i].flags);

		if (next != s[i].expect)
			fail_msg("step %u (%s, flags 0x%02x) from %s: got %s, want %s", i,
				 s[i].dir == IN ? "in" : "out", s[i].flags, conn_state_name(st),
				 conn_state_name(next), conn_state_name(s[i].expect));
		st = next;
	}
}

/* Handshake, data, then the client closes first. */
static void
test_client_closes(void **state)
{
	static const struct step s[] = {
		{ IN, SYN, TCP_S_SYN_RECV },
		{ OUT, SYN | ACK, TCP_S_SYN_RECV },
		{ IN, ACK, TCP_S_ESTABLISHED },
		{ IN, ACK | PSH, TCP_S_ESTABLISHED },
		{ OUT, ACK | PSH, TCP_S_ESTABLISHED },
		{ IN, ACK, TCP_S_ESTABLISHED },
		{ IN, FIN | ACK, TCP_S_CLOSE_WAIT },
		{ OUT, ACK, TCP_S_CLOSE_WAIT },
		{ OUT, ACK | PSH, TCP_S_CLOSE_WAIT }, /* the backend may still send */
		{ OUT, FIN | ACK, TCP_S_TIME_WAIT },
		{ IN, ACK, TCP_S_TIME_WAIT },
	};

	(void)state;
	walk(s, sizeof(s) / sizeof(s[0]));
}

/* Handshake, data, then the backend closes first (HTTP/1.0 style). */
static void
test_backend_closes(void **state)
{
	static const struct step s[] = {
		{ IN, SYN, TCP_S_SYN_RECV },
		{ OUT, SYN | ACK, TCP_S_SYN_RECV },
		{ IN, ACK, TCP_S_ESTABLISHED },
		{ OUT, ACK | PSH, TCP_S_ESTABLISHED },
		{ OUT, FIN | ACK, TCP_S_FIN_WAIT },
		{ IN, ACK, TCP_S_FIN_WAIT },
		{ IN, FIN | ACK, TCP_S_TIME_WAIT },
		{ OUT, ACK, TCP_S_TIME_WAIT },
	};

	(void)state;
	walk(s, sizeof(s) / sizeof(s[0]));
}

/* Both ends close at once: the FINs cross. */
static void
test_simultaneous_close(void **state)
{
	static const struct step s[] = {
		{ IN, SYN, TCP_S_SYN_RECV },
		{ OUT, SYN | ACK, TCP_S_SYN_RECV },
		{ IN, ACK, TCP_S_ESTABLISHED },
		{ IN, FIN | ACK, TCP_S_CLOSE_WAIT },
		{ OUT, FIN | ACK, TCP_S_TIME_WAIT },
		{ IN, ACK, TCP_S_TIME_WAIT },
		{ OUT, ACK, TCP_S_TIME_WAIT },
	};

	(void)state;
	walk(s, sizeof(s) / sizeof(s[0]));
}

/* A retransmitted SYN and SYN-ACK keep the conn in SYN_RECV. */
static void
test_handshake_retransmits(void **state)
{
	static const struct step s[] = {
		{ IN, SYN, TCP_S_SYN_RECV },
		{ IN, SYN, TCP_S_SYN_RECV },
		{ OUT, SYN | ACK, TCP_S_SYN_RECV },
		{ OUT, SYN | ACK, TCP_S_SYN_RECV },
		{ IN, ACK, TCP_S_ESTABLISHED },
	};

	(void)state;
	walk(s, sizeof(s) / sizeof(s[0]));
}

/* RST from either side closes an established conn, and a half-open one. */
static void
test_rst(void **state)
{
	static const struct step refused[] = {
		{ IN, SYN, TCP_S_SYN_RECV },
		{ OUT, RST | ACK, TCP_S_CLOSE }, /* nothing listens on the backend port */
	};
	static const struct step client_rst[] = {
		{ IN, SYN, TCP_S_SYN_RECV },
		{ OUT, SYN | ACK, TCP_S_SYN_RECV },
		{ IN, ACK, TCP_S_ESTABLISHED },
		{ IN, RST, TCP_S_CLOSE },
		{ OUT, ACK, TCP_S_CLOSE }, /* a late segment does not revive it */
	};
	static const struct step backend_rst[] = {
		{ IN, SYN, TCP_S_SYN_RECV },
		{ OUT, SYN | ACK, TCP_S_SYN_RECV },
		{ IN, ACK, TCP_S_ESTABLISHED },
		{ OUT, RST | ACK, TCP_S_CLOSE },
		{ IN, ACK, TCP_S_CLOSE },
	};
	static const struct step rst_in_close_wait[] = {
		{ IN, SYN, TCP_S_SYN_RECV },
		{ IN, ACK, TCP_S_ESTABLISHED },
		{ IN, FIN | ACK, TCP_S_CLOSE_WAIT },
		{ OUT, RST, TCP_S_CLOSE },
	};

	(void)state;
	walk(refused, sizeof(refused) / sizeof(refused[0]));
	walk(client_rst, sizeof(client_rst) / sizeof(client_rst[0]));
	walk(backend_rst, sizeof(backend_rst) / sizeof(backend_rst[0]));
	walk(rst_in_close_wait, sizeof(rst_in_close_wait) / sizeof(rst_in_close_wait[0]));
	/* An RST from the client in SYN_RECV leaves it there, as in IPVS. */
	assert_int_equal(tcp_state_next(TCP_S_SYN_RECV, IN, RST), TCP_S_SYN_RECV);
}

/* A new SYN on a TIME_WAIT conn (port reuse by the client) starts it over. */
static void
test_syn_after_time_wait(void **state)
{
	(void)state;
	assert_int_equal(tcp_state_next(TCP_S_TIME_WAIT, IN, SYN), TCP_S_SYN_RECV);
	assert_int_equal(tcp_state_next(TCP_S_CLOSE, IN, SYN), TCP_S_SYN_RECV);
	assert_int_equal(tcp_state_next(TCP_S_TIME_WAIT, OUT, SYN | ACK), TCP_S_SYN_SENT);
}

/*
 * Flag precedence RST > SYN > FIN > ACK. From NONE in the OUT direction the four events
 * lead to four different states, so each combination shows which flag won.
 */
static void
test_flag_precedence(void **state)
{
	(void)state;
	/* The events alone. */
	assert_int_equal(tcp_state_next(TCP_S_NONE, OUT, RST), TCP_S_CLOSE);
	assert_int_equal(tcp_state_next(TCP_S_NONE, OUT, SYN), TCP_S_SYN_SENT);
	assert_int_equal(tcp_state_next(TCP_S_NONE, OUT, FIN), TCP_S_TIME_WAIT);
	assert_int_equal(tcp_state_next(TCP_S_NONE, OUT, ACK), TCP_S_ESTABLISHED);
	/* RST beats everything. */
	assert_int_equal(tcp_state_next(TCP_S_NONE, OUT, RST | SYN | FIN | ACK), TCP_S_CLOSE);
	assert_int_equal(tcp_state_next(TCP_S_NONE, OUT, RST | SYN), TCP_S_CLOSE);
	assert_int_equal(tcp_state_next(TCP_S_NONE, OUT, RST | FIN), TCP_S_CLOSE);
	assert_int_equal(tcp_state_next(TCP_S_NONE, OUT, RST | ACK), TCP_S_CLOSE);
	/* SYN beats FIN and ACK. */
	assert_int_equal(tcp_state_next(TCP_S_NONE, OUT, SYN | FIN | ACK), TCP_S_SYN_SENT);
	assert_int_equal(tcp_state_next(TCP_S_NONE, OUT, SYN | FIN), TCP_S_SYN_SENT);
	assert_int_equal(tcp_state_next(TCP_S_NONE, OUT, SYN | ACK), TCP_S_SYN_SENT);
	/* FIN beats ACK. */
	assert_int_equal(tcp_state_next(TCP_S_NONE, OUT, FIN | ACK), TCP_S_TIME_WAIT);
	/* The other flags are no event of their own and do not change the outcome. */
	assert_int_equal(tcp_state_next(TCP_S_NONE, OUT, FIN | ACK | PSH | URG | 0xc0),
			 TCP_S_TIME_WAIT);
	/* The same on the IN side, from ESTABLISHED: SYN+FIN (a scan) is a SYN there. */
	assert_int_equal(tcp_state_next(TCP_S_ESTABLISHED, IN, SYN | FIN), TCP_S_ESTABLISHED);
	assert_int_equal(tcp_state_next(TCP_S_NONE, IN, SYN | FIN), TCP_S_SYN_RECV);
	assert_int_equal(tcp_state_next(TCP_S_ESTABLISHED, IN, FIN | ACK), TCP_S_CLOSE_WAIT);
	assert_int_equal(tcp_state_next(TCP_S_ESTABLISHED, IN, RST | FIN), TCP_S_CLOSE);
}

/* A packet with none of SYN, FIN, ACK, RST (a null scan, or PSH alone) changes nothing. */
static void
test_no_event(void **state)
{
	static const uint8_t none[] = { 0, PSH, URG, PSH | URG, 0x40, 0x80, 0xc0 | PSH | URG };
	unsigned s, i, d;

	(void)state;
	for (s = 0; s < TCP_S_MAX; s++)
		for (d = 0; d < 2; d++)
			for (i = 0; i < sizeof(none); i++)
				assert_int_equal(tcp_state_next((uint8_t)s, (enum conn_dir)d,
								none[i]), s);
}

/*
 * The whole table against IPVS's INPUT and OUTPUT tables (Linux
 * net/netfilter/ipvs/ip_vs_proto_tcp.c), cell by cell.
 */
static void
test_ipvs_table(void **state)
{
	enum { sNO = TCP_S_NONE, sES = TCP_S_ESTABLISHED, sSS = TCP_S_SYN_SENT,
	       sSR = TCP_S_SYN_RECV, sFW = TCP_S_FIN_WAIT, sTW = TCP_S_TIME_WAIT,
	       sCL = TCP_S_CLOSE, sCW = TCP_S_CLOSE_WAIT, sLA = TCP_S_LAST_ACK,
	       sLI = TCP_S_LISTEN, sSA = TCP_S_SYNACK };
	static const uint8_t ipvs[TCP_ROWS][4][TCP_S_MAX] = {
		{ /* INPUT:  sNO  sES  sSS  sSR  sFW  sTW  sCL  sCW  sLA  sLI  sSA */
		  /* syn */ { sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR },
		  /* fin */ { sCL, sCW, sSS, sTW, sTW, sTW, sCL, sCW, sLA, sLI, sTW },
		  /* ack */ { sCL, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES },
		  /* rst */ { sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sSR } },
		{ /* OUTPUT: sNO  sES  sSS  sSR  sFW  sTW  sCL  sCW  sLA  sLI  sSA */
		  /* syn */ { sSS, sES, sSS, sSR, sSS, sSS, sSS, sSS, sSS, sLI, sSR },
		  /* fin */ { sTW, sFW, sSS, sTW, sFW, sTW, sCL, sTW, sLA, sLI, sTW },
		  /* ack */ { sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sLA, sES, sES },
		  /* rst */ { sCL, sCL, sSS, sCL, sCL, sTW, sCL, sCL, sCL, sCL, sCL } },
		{ /* INPUT-ONLY (DR, TUN) */
		  /* syn */ { sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR },
		  /* fin */ { sCL, sFW, sSS, sTW, sFW, sTW, sCL, sCW, sLA, sLI, sTW },
		  /* ack */ { sCL, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES },
		  /* rst */ { sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sCL } },
	};
	static const char *const rows[TCP_ROWS] = { "in", "out", "in-only" };
	static const uint8_t ev_flags[4] = { SYN, FIN, ACK, RST };
	static const char *const ev_names[4] = { "syn", "fin", "ack", "rst" };
	unsigned d, e, s;

	(void)state;
	for (d = 0; d < TCP_ROWS; d++)
		for (e = 0; e < 4; e++)
			for (s = 0; s < TCP_S_MAX; s++) {
				uint8_t got = tcp_state_next((uint8_t)s, d, ev_flags[e]);

				if (got != ipvs[d][e][s])
					fail_msg("%s %s from %s: got %s, IPVS %s",
						 rows[d], ev_names[e],
						 conn_state_name((uint8_t)s),
						 conn_state_name(got),
						 conn_state_name(ipvs[d][e][s]));
			}
	/* Every cell names a real state. */
	for (d = 0; d < TCP_ROWS; d++)
		for (e = 0; e < 4; e++)
			for (s = 0; s < TCP_S_MAX; s++)
				assert_true(tcp_state_table[d][e][s] < TCP_S_MAX);
}

static void
test_names(void **state)
{
	static const char *const names[CONN_S_MAX] = {
		"NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT", "TIME_WAIT",
		"CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "SYNACK", "UDP",
	};
	unsigned i;

	(void)state;
	assert_int_equal(CONN_S_MAX, 12);
	for (i = 0; i < CONN_S_MAX; i++)
		assert_string_equal(conn_state_name((uint8_t)i), names[i]);
	assert_string_equal(conn_state_name(TCP_S_ESTABLISHED), "ESTABLISHED");
	assert_string_equal(conn_state_name(CONN_S_UDP), "UDP");
	assert_string_equal(conn_state_name(CONN_S_MAX), "?");
	assert_string_equal(conn_state_name(255), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_closes),
		cmocka_unit_test(test_backend_closes),
		cmocka_unit_test(test_simultaneous_close),
		cmocka_unit_test(test_handshake_retransmits),
		cmocka_unit_test(test_rst),
		cmocka_unit_test(test_syn_after_time_wait),
		cmocka_unit_test(test_flag_precedence),
		cmocka_unit_test(test_no_event),
		cmocka_unit_test(test_ipvs_table),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
