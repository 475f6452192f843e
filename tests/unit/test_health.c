/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The health module against servers on loopback run by a thread of this test: a TCP/HTTP
 * listener whose answer status can be changed, and a UDP socket that answers as an echo
 * server or as a DNS server with a chosen RCODE. Proves the state machine (first result
 * decides, fall failures in a row to go down, rise successes to come back, a change of
 * check restarts counting) and each kind of check.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/clock.h"
#include "control/health.h"

static struct {
	int tcp, udp;
	uint16_t tcp_port, udp_port; /* network order */
	volatile int http_status;    /* 0 = accept and close without answering */
	volatile int udp_mode;       /* 0 = silent, 1 = echo, 2 = dns */
	volatile int dns_rcode;
	volatile int stop;
	char host[128];              /* the last Host header seen */
	unsigned requests;
	pthread_t thr;
} srv;

static void
serve_http(void)
{
	char buf[2048], out[128];
	ssize_t n;
	int c = accept(srv.tcp, NULL, NULL);
	const char *h;

	if (c < 0)
		return;
	n = recv(c, buf, sizeof(buf) - 1, 0);
	if (n > 0) {
		buf[n] = '\0';
		srv.requests++;
		h = strstr(buf, "\r\nHost: ");
		if (h != NULL)
			sscanf(h + 8, "%127[^\r]", srv.host);
		if (srv.http_status) {
			snprintf(out, sizeof(out), "HTTP/1.1 %d X\r\nContent-Length: 2\r\n"
				 "Connection: close\r\n\r\nok", srv.http_status);
			(void)!send(c, out, strlen(out), MSG_NOSIGNAL);
		}
	}
	close(c);
}

static void
serve_udp(void)
{
	uint8_t buf[512];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(srv.udp, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

	if (n <= 0 || srv.udp_mode == 0)
		return;
	if (srv.udp_mode == 2 && n >= 12) {
		buf[2] |= 0x80; /* QR */
		buf[3] = (uint8_t)(0x80 | srv.dns_rcode);
		buf[7] = srv.dns_rcode == 0; /* ANCOUNT (no record follows: the check reads the header) */
	}
	sendto(srv.udp, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
}

static void *
server(void *arg)
{
	(void)arg;
	while (!srv.stop) {
		struct pollfd p[2] = { { .fd = srv.tcp, .events = POLLIN },
				       { .fd = srv.udp, .events = POLLIN } };

		if (poll(p, 2, 20) <= 0)
			continue;
		if (p[0].revents & POLLIN)
			serve_http();
		if (p[1].revents & POLLIN)
			serve_udp();
	}
	return NULL;
}

static int
bound(int type, uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t l = sizeof(sa);
	int fd = socket(AF_INET, type, 0), one = 1;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &l), 0);
	*port = sa.sin_port;
	return fd;
}

static int
setup(void **state)
{
	(void)state;
	memset(&srv, 0, sizeof(srv));
	srv.tcp = bound(SOCK_STREAM, &srv.tcp_port);
	assert_int_equal(listen(srv.tcp, 16), 0);
	srv.udp = bound(SOCK_DGRAM, &srv.udp_port);
	srv.http_status = 200;
	assert_int_equal(pthread_create(&srv.thr, NULL, server, NULL), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	srv.stop = 1;
	pthread_join(srv.thr, NULL);
	close(srv.tcp);
	close(srv.udp);
	return 0;
}

/* A service on 10.0.0.10:80/tcp with one loopback backend and the given check. */
static void
service(struct cfg_service *s, struct cfg_backend *b, uint8_t type, uint16_t port)
{
	memset(s, 0, sizeof(*s));
	memset(b, 0, sizeof(*b));
	s->vip = addr46_from_v4(htonl(0x0a00000a));
	s->port = htons(80);
	s->proto = 6;
	cfg_hc_defaults(&s->hc);
	s->hc.type = type;
	s->hc.interval_ms = 100;
	s->hc.timeout_ms = 80;
	s->hc.rise = 2;
	s->hc.fall = 3;
	b->addr = addr46_from_v4(htonl(0x7f000001));
	b->port = port;
	b->weight = 1;
	s->n_backends = 1;
	s->backends = b;
}

/* Poll until the backend has had `n` more results; its status then. */
static struct health_status
run_checks(struct health *h, const struct cfg_service *s, unsigned n)
{
	uint64_t deadline = clock_mono_ms() + 3000;
	struct health_status st;
	uint64_t want;

	assert_true(health_get(h, s, &s->backends[0], &st));
	want = st.checks + n;
	while (st.checks < want && clock_mono_ms() < deadline) {
		usleep(1000);
		health_poll(h, clock_mono_ms());
		assert_true(health_get(h, s, &s->backends[0], &st));
	}
	assert_true(st.checks == want);
	return st;
}

/* Poll until the state is `want` or 3 s pass; the time it took in ms. */
static uint64_t
until_state(struct health *h, const struct cfg_service *s, uint8_t want)
{
	uint64_t t0 = clock_mono_ms(), deadline = t0 + 3000;
	struct health_status st;

	for (;;) {
		health_poll(h, clock_mono_ms());
		assert_true(health_get(h, s, &s->backends[0], &st));
		if (st.state == want)
			return clock_mono_ms() - t0;
		if (clock_mono_ms() > deadline)
			fail_msg("state %s, want %s (last: %s)", health_state_name(st.state),
				 health_state_name(want), st.last_result);
		usleep(1000);
	}
}

static void
test_http_rise_fall(void **state)
{
	struct health *h = health_create();
	struct cfg_service s;
	struct cfg_backend b;
	struct health_status st;
	uint64_t ms;

	(void)state;
	assert_non_null(h);
	service(&s, &b, CFG_HC_HTTP, srv.tcp_port);
	snprintf(s.hc.path, sizeof(s.hc.path), "/healthz");
	snprintf(s.hc.host, sizeof(s.hc.host), "www.example");
	s.hc.start = CFG_HC_START_DOWN;
	/* start: down: not usable before its first check; the first result decides. */
	assert_false(health_usable(h, &s, &b));
	assert_int_equal(health_sync(h, &s, 1, NULL), 0);
	assert_true(health_get(h, &s, &b, &st));
	assert_int_equal(st.state, HEALTH_UNKNOWN);
	until_state(h, &s, HEALTH_UP);
	assert_true(health_usable(h, &s, &b));
	assert_string_equal(srv.host, "www.example");
	assert_true(health_get(h, &s, &b, &st));
	assert_string_equal(st.last_result, "status 200");
	assert_true(st.last_change != 0);

	/* 503 is outside 200-399: down after fall (3) failures, not before. */
	srv.http_status = 503;
	st = run_checks(h, &s, 2);
	assert_int_equal(st.state, HEALTH_UP);
	assert_int_equal(st.in_a_row, 2);
	ms = until_state(h, &s, HEALTH_DOWN);
	assert_true(ms <= 3 * s.hc.interval_ms);
	assert_true(health_get(h, &s, &b, &st));
	assert_string_equal(st.last_result, "status 503, expected 200-399");
	assert_false(health_usable(h, &s, &b));

	/* One success is not enough (rise 2); a failure in between starts over. */
	srv.http_status = 204;
	st = run_checks(h, &s, 1);
	assert_int_equal(st.state, HEALTH_DOWN);
	assert_int_equal(st.in_a_row, 1);
	srv.http_status = 500;
	st = run_checks(h, &s, 1);
	assert_int_equal(st.in_a_row, 0);
	srv.http_status = 200;
	until_state(h, &s, HEALTH_UP);

	/* A server that closes without answering fails too. */
	srv.http_status = 0;
	until_state(h, &s, HEALTH_DOWN);

	/* Removing the check ends the target: the backend is usable, with no status. */
	s.hc.type = CFG_HC_NONE;
	assert_int_equal(health_sync(h, &s, 1, NULL), 0);
	assert_false(health_get(h, &s, &b, &st));
	assert_true(health_usable(h, &s, &b));
	health_destroy(h);
}

/* start: up (the default): a new backend takes conns at once, until a result says down. */
static void
test_start_up(void **state)
{
	struct health *h = health_create();
	struct cfg_service s;
	struct cfg_backend b;
	struct health_status st;
	uint16_t closed;
	int fd;

	(void)state;
	service(&s, &b, CFG_HC_HTTP, srv.tcp_port);
	assert_int_equal(s.hc.start, CFG_HC_START_UP);
	assert_true(health_starts_up(&s, &b));
	srv.http_status = 200;
	assert_int_equal(health_sync(h, &s, 1, NULL), 0);
	assert_true(health_get(h, &s, &b, &st));
	assert_int_equal(st.state, HEALTH_UP);
	assert_true(st.assumed);
	assert_true(health_usable(h, &s, &b));
	/* A pass confirms it: no change of state (nothing to log, no new snapshot). */
	st = run_checks(h, &s, 1);
	assert_int_equal(st.state, HEALTH_UP);
	assert_false(st.assumed);
	assert_int_equal(st.last_change, 0);

	/* A new backend that is down in fact: out at its first result, not after `fall`. */
	fd = bound(SOCK_STREAM, &closed);
	close(fd);
	b.port = closed;
	assert_int_equal(health_sync(h, &s, 1, NULL), 0);
	assert_true(health_usable(h, &s, &b));
	st = run_checks(h, &s, 1);
	assert_int_equal(st.state, HEALTH_DOWN);
	assert_false(health_usable(h, &s, &b));

	/* A backend override picks its own start. */
	b.hc.set = CFG_HCF_START;
	b.hc.start = CFG_HC_START_DOWN;
	assert_false(health_starts_up(&s, &b));
	health_destroy(h);
}

/*
 * Every new backend's first check runs at once: polled with the clock stopped at the sync,
 * every target starts (a first check due even a millisecond later would never start here),
 * so the backends of a service with start: down come up together.
 */
static void
test_first_checks_at_once(void **state)
{
	struct health *h = health_create();
	struct cfg_service s[3];
	struct cfg_backend b[3];
	struct health_status st;
	uint64_t t0, deadline;
	unsigned k, up = 0;

	(void)state;
	for (k = 0; k < 3; k++) {
		service(&s[k], &b[k], CFG_HC_TCP, srv.tcp_port);
		s[k].port = htons((uint16_t)(80 + k));
		s[k].hc.start = CFG_HC_START_DOWN;
		s[k].hc.interval_ms = 60000;
		s[k].hc.timeout_ms = 1000;
	}
	assert_int_equal(health_sync(h, s, 3, NULL), 0);
	t0 = clock_mono_ms();
	deadline = t0 + 2000;
	while (up < 3 && clock_mono_ms() < deadline) {
		health_poll(h, t0);
		for (up = 0, k = 0; k < 3; k++)
			up += health_get(h, &s[k], &b[k], &st) && st.state == HEALTH_UP;
		usleep(2000);
	}
	assert_int_equal(up, 3);
	health_destroy(h);
}

static void
test_tcp(void **state)
{
	struct health *h = health_create();
	struct cfg_service s, s2;
	struct cfg_backend b, b2;
	uint16_t closed;
	int fd;

	(void)state;
	service(&s, &b, CFG_HC_TCP, srv.tcp_port);
	assert_int_equal(health_sync(h, &s, 1, NULL), 0);
	until_state(h, &s, HEALTH_UP);

	/* A port nobody listens on: refused, down at the first result. */
	fd = bound(SOCK_STREAM, &closed);
	close(fd);
	service(&s2, &b2, CFG_HC_TCP, closed);
	s2.port = htons(81); /* another service, same address */
	assert_int_equal(health_sync(h, &s2, 1, NULL), 0);
	until_state(h, &s2, HEALTH_DOWN);

	/* The check port can differ from the backend's: the down one checked on the open port
	 * comes up; the change of check restarts counting but keeps the state. */
	b2.hc.set = CFG_HCF_PORT;
	b2.hc.port = srv.tcp_port;
	assert_int_equal(health_sync(h, &s2, 1, NULL), 0);
	until_state(h, &s2, HEALTH_UP);
	health_destroy(h);
}

static void
test_udp_dns(void **state)
{
	struct health *h = health_create();
	struct cfg_service s;
	struct cfg_backend b;
	struct health_status st;
	uint16_t closed;
	int fd;

	(void)state;
	service(&s, &b, CFG_HC_UDP, srv.udp_port);
	snprintf(s.hc.payload, sizeof(s.hc.payload), "ping");
	srv.udp_mode = 1;
	assert_int_equal(health_sync(h, &s, 1, NULL), 0);
	until_state(h, &s, HEALTH_UP);
	/* Silence is a failure at the timeout. */
	srv.udp_mode = 0;
	until_state(h, &s, HEALTH_DOWN);
	assert_true(health_get(h, &s, &b, &st));
	assert_string_equal(st.last_result, "no answer in 80 ms");

	/* DNS: NOERROR is up, REFUSED is a failure. */
	s.hc.type = CFG_HC_DNS;
	snprintf(s.hc.query, sizeof(s.hc.query), "svc.test");
	srv.udp_mode = 2;
	srv.dns_rcode = 0;
	assert_int_equal(health_sync(h, &s, 1, NULL), 0);
	until_state(h, &s, HEALTH_UP);
	srv.dns_rcode = 5;
	until_state(h, &s, HEALTH_DOWN);
	assert_true(health_get(h, &s, &b, &st));
	assert_string_equal(st.last_result, "REFUSED");

	/* A closed UDP port answers with ICMP: refused at once, not at the timeout. */
	fd = bound(SOCK_DGRAM, &closed);
	close(fd);
	b.port = closed;
	s.hc.type = CFG_HC_UDP;
	assert_int_equal(health_sync(h, &s, 1, NULL), 0);
	until_state(h, &s, HEALTH_DOWN);
	assert_true(health_get(h, &s, &b, &st));
	assert_string_equal(st.last_result, "recv: Connection refused");
	health_destroy(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_rise_fall),
		cmocka_unit_test(test_start_up),
		cmocka_unit_test(test_first_checks_at_once),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_udp_dns),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
