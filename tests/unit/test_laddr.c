/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the LIP ports (src/forward/laddr.c). The port slices are what lets a reply
 * find the worker that owns its conn from the port alone (DESIGN §3), so every port handed
 * out is checked against its owner. A tuple (LIP, port, backend) is unique among live conns,
 * rests in quarantine after a TCP conn, and may be continued at once by the same client
 * tuple only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_memory.h>

#include "flow/conn.h"
#include "forward/laddr.h"
#include "test_eal.h"

#define Q_TICKS 100u
#define NOW 1000u


/* The OUT key of c, as a mode's out_key gives it (FULLNAT). */
static const struct conn_key *
out_of(const struct conn *c)
{
	static struct conn_key k;

	conn_key_out(c, &k);
	return &k;
}

static const uint32_t lips[3] = { 0x6402000a, 0x6502000a, 0x6602000a }; /* 10.0.2.100.. */

static struct laddr_pool *
pool(unsigned n_lips, unsigned worker, uint16_t mask)
{
	struct laddr_pool *p = laddr_pool_create(lips, n_lips, worker, mask, 1024, Q_TICKS,
						 SOCKET_ID_ANY);

	assert_non_null(p);
	return p;
}

static struct conn_table *
table(void)
{
	static unsigned seq;
	char name[32];
	struct conn_table *ct;

	snprintf(name, sizeof(name), "lct%u", seq++);
	ct = conn_table_create(name, 1u << 17, SOCKET_ID_ANY, NULL, NULL);
	assert_non_null(ct);
	return ct;
}

static uint32_t
ip(const char *s)
{
	return inet_addr(s);
}

/* A conn from client (caddr, cport) to backend b:8080 through the tuple alloc gave. */
static struct conn *
open_conn(struct laddr_pool *p, struct conn_table *ct, uint32_t caddr, uint16_t cport,
	  uint32_t b, uint8_t proto, int *err)
{
	uint8_t lip;
	uint16_t port;
	struct conn *c;

	*err = laddr_alloc(p, ct, caddr, rte_cpu_to_be_16(cport), b, RTE_BE16(8080), proto, NOW,
			   &lip, &port);
	if (*err)
		return NULL;
	c = conn_alloc(ct);
	assert_non_null(c);
	c->caddr = caddr;
	c->cport = rte_cpu_to_be_16(cport);
	/* one VIP a backend, so that one client tuple may reach two backends */
	c->vaddr = b ^ 0x0202;
	c->vport = RTE_BE16(80);
	c->daddr = b;
	c->dport = RTE_BE16(8080);
	c->laddr = lips[lip];
	c->lport = port;
	c->lip_idx = lip;
	c->proto = proto;
	c->expire = NOW + 100000;
	assert_int_equal(conn_insert(ct, c, out_of(c), NOW), 0);
	return c;
}

static void
test_owner(void **state)
{
	(void)state;
	assert_int_equal(laddr_owner(RTE_BE16(1024), 0), 0);
	assert_int_equal(laddr_owner(RTE_BE16(65535), 0), 0);
	assert_int_equal(laddr_owner(RTE_BE16(1027), 3), 3);
	assert_int_equal(laddr_owner(RTE_BE16(1029), 3), 1);
	assert_int_equal(laddr_owner(RTE_BE16(0x1234), 0xf), 4);
	/* The owner comes from the low bits of the port as a number, not of its first byte. */
	assert_int_equal(laddr_owner(RTE_BE16(0x0100), 1), 0);
	assert_int_equal(laddr_owner(RTE_BE16(0x0201), 1), 1);
	assert_int_equal(laddr_owner(RTE_BE16(0xfffe), 31), 30);
}

/* The client's port is kept where the slice allows: moved into the worker's slice else. */
static void
test_keeps_client_port(void **state)
{
	struct conn_table *ct = table();
	struct laddr_pool *p0 = pool(1, 0, 0), *p1 = pool(1, 1, 1), *p3 = pool(1, 2, 3);
	struct conn *c;
	int err;

	(void)state;
	c = open_conn(p0, ct, ip("10.0.1.2"), 40001, ip("10.0.2.11"), PROTO_TCP, &err);
	assert_int_equal(rte_be_to_cpu_16(c->lport), 40001);
	c = open_conn(p1, ct, ip("10.0.1.3"), 40000, ip("10.0.2.13"), PROTO_TCP, &err);
	assert_int_equal(rte_be_to_cpu_16(c->lport), 40001); /* 40000 moved to slice 1 */
	assert_int_equal(laddr_owner(c->lport, 1), 1);
	c = open_conn(p3, ct, ip("10.0.1.2"), 40000, ip("10.0.2.12"), PROTO_TCP, &err);
	assert_int_equal(rte_be_to_cpu_16(c->lport), 40002);
	assert_int_equal(laddr_stats(p3)->kept_port, 1);
	/* A client port below 1024 is not kept: a random one of the slice instead. */
	c = open_conn(p3, ct, ip("10.0.1.2"), 53, ip("10.0.2.12"), PROTO_TCP, &err);
	assert_true(rte_be_to_cpu_16(c->lport) >= LADDR_PORT_MIN);
	assert_int_equal(laddr_owner(c->lport, 3), 2);
	laddr_pool_free(p0);
	laddr_pool_free(p1);
	laddr_pool_free(p3);
	conn_table_free(ct);
}

/*
 * Unique per (LIP, port, backend): one client port toward two backends takes the same LIP
 * port twice; two clients with the same port toward one backend get two tuples. Many conns
 * toward one backend from one worker's slice: all distinct, all owned by the worker.
 */
static void
test_unique_per_backend(void **state)
{
	struct conn_table *ct = table();
	struct laddr_pool *p = pool(1, 1, 3);
	static uint8_t seen[65536];
	struct conn *a, *b, *c;
	unsigned i;
	int err;

	(void)state;
	a = open_conn(p, ct, ip("10.0.1.2"), 40001, ip("10.0.2.11"), PROTO_TCP, &err);
	b = open_conn(p, ct, ip("10.0.1.2"), 40001, ip("10.0.2.12"), PROTO_TCP, &err);
	assert_int_equal(a->lport, b->lport);
	c = open_conn(p, ct, ip("10.0.1.3"), 40001, ip("10.0.2.11"), PROTO_TCP, &err);
	assert_int_not_equal(c->lport, a->lport);
	memset(seen, 0, sizeof(seen));
	seen[rte_be_to_cpu_16(a->lport)] = seen[rte_be_to_cpu_16(c->lport)] = 1;
	for (i = 0; i < 5000; i++) {
		c = open_conn(p, ct, ip("10.0.1.4"), (uint16_t)(2000 + i), ip("10.0.2.11"),
			      PROTO_TCP, &err);
		assert_int_equal(err, 0);
		assert_int_equal(laddr_owner(c->lport, 3), 1);
		assert_true(rte_be_to_cpu_16(c->lport) >= LADDR_PORT_MIN);
		assert_int_equal(seen[rte_be_to_cpu_16(c->lport)], 0);
		seen[rte_be_to_cpu_16(c->lport)] = 1;
	}
	laddr_pool_free(p);
	conn_table_free(ct);
}

/*
 * The defect: a tuple was handed to an unrelated client within the backend's TIME_WAIT. Now
 * a closed TCP tuple rests Q_TICKS: another client cannot have it, the same client tuple
 * continues on it at once; after the quarantine anyone may. UDP tuples do not rest.
 */
static void
test_quarantine(void **state)
{
	struct conn_table *ct = table();
	struct laddr_pool *p = pool(1, 0, 0);
	uint32_t be = ip("10.0.2.11");
	uint8_t lip;
	uint16_t port;
	struct conn *a;
	int err;

	(void)state;
	a = open_conn(p, ct, ip("10.0.1.2"), 40000, be, PROTO_TCP, &err);
	assert_int_equal(rte_be_to_cpu_16(a->lport), 40000);
	laddr_release(p, ct, a, NOW);
	conn_remove(ct, a);
	assert_int_equal(laddr_stats(p)->q_entries, 1);
	/* Another client with the same port: not that tuple. */
	assert_int_equal(laddr_alloc(p, ct, ip("10.0.1.3"), RTE_BE16(40000), be, RTE_BE16(8080),
				     PROTO_TCP, NOW + 1, &lip, &port), 0);
	assert_int_not_equal(rte_be_to_cpu_16(port), 40000);
	/* The same client tuple again: the same tuple, at once. */
	assert_int_equal(laddr_alloc(p, ct, ip("10.0.1.2"), RTE_BE16(40000), be, RTE_BE16(8080),
				     PROTO_TCP, NOW + 1, &lip, &port), 0);
	assert_int_equal(rte_be_to_cpu_16(port), 40000);
	assert_int_equal(laddr_stats(p)->continued, 1);
	/* Its time up, anyone. */
	laddr_expire(p, NOW + Q_TICKS, 16);
	assert_int_equal(laddr_stats(p)->q_entries, 0);
	assert_int_equal(laddr_alloc(p, ct, ip("10.0.1.3"), RTE_BE16(40000), be, RTE_BE16(8080),
				     PROTO_TCP, NOW + Q_TICKS, &lip, &port), 0);
	assert_int_equal(rte_be_to_cpu_16(port), 40000);
	/* UDP: no quarantine. */
	a = open_conn(p, ct, ip("10.0.1.2"), 5353, be, PROTO_UDP, &err);
	laddr_release(p, ct, a, NOW);
	conn_remove(ct, a);
	assert_int_equal(laddr_stats(p)->q_entries, 0);
	laddr_pool_free(p);
	conn_table_free(ct);
}

/* A full quarantine lets its oldest record go early, counted. */
static void
test_quarantine_full(void **state)
{
	struct conn_table *ct = table();
	struct laddr_pool *p = laddr_pool_create(lips, 1, 0, 0, 64, Q_TICKS, SOCKET_ID_ANY);
	struct conn *c;
	unsigned i;
	int err;

	(void)state;
	assert_non_null(p);
	for (i = 0; i < 70; i++) {
		c = open_conn(p, ct, ip("10.0.1.2"), (uint16_t)(2000 + i), ip("10.0.2.11"),
			      PROTO_TCP, &err);
		laddr_release(p, ct, c, NOW);
		conn_remove(ct, c);
	}
	assert_int_equal(laddr_stats(p)->q_entries, 64);
	assert_int_equal(laddr_stats(p)->q_evicted, 6);
	laddr_pool_free(p);
	conn_table_free(ct);
}

/* A slice with no free tuple: -ENOSPC, counted; nothing handed out twice. */
static void
test_exhausted(void **state)
{
	struct conn_table *ct = table();
	/* mask 1023: 63 ports a slice (1024 + k*1024 ...) */
	struct laddr_pool *p = pool(1, 5, 1023);
	unsigned n = 0, i;
	int err = 0;

	(void)state;
	for (i = 0; i < 500 && err == 0; i++)
		if (open_conn(p, ct, ip("10.0.1.2"), (uint16_t)(3000 + i), ip("10.0.2.11"),
			      PROTO_TCP, &err) != NULL)
			n++;
	assert_int_equal(err, -ENOSPC);
	assert_true(n > 20 && n <= 63);
	assert_int_equal(laddr_stats(p)->exhausted, 1);
	laddr_pool_free(p);
	conn_table_free(ct);
}

static void
test_no_lips(void **state)
{
	struct conn_table *ct = table();
	struct laddr_pool *p = laddr_pool_create(lips, 0, 0, 0, 64, Q_TICKS, SOCKET_ID_ANY);
	uint8_t lip;
	uint16_t port;

	(void)state;
	assert_non_null(p);
	assert_int_equal(laddr_alloc(p, ct, ip("10.0.1.2"), RTE_BE16(4000), ip("10.0.2.11"),
				     RTE_BE16(80), PROTO_TCP, NOW, &lip, &port), -ENOSPC);
	laddr_pool_free(p);
	laddr_pool_free(NULL);
	conn_table_free(ct);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_keeps_client_port),
		cmocka_unit_test(test_unique_per_backend),
		cmocka_unit_test(test_quarantine),
		cmocka_unit_test(test_quarantine_full),
		cmocka_unit_test(test_exhausted),
		cmocka_unit_test(test_no_lips),
	};

	return cmocka_run_group_tests(tests, test_eal_setup, NULL);
}
