/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The conn table for IPv6 (src/flow/conn.c, conn_table_create6): the same table, wheel and
 * generations as IPv4, keyed by 40-byte conn_key6 built from the addresses it keeps beside
 * each conn. Both keys, IN-only conns, a wrong OUT key, removal, expiry with the keys still
 * there in the callback, a snapshot with the addresses, and the IPv4 calls refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <rte_memory.h>

#include "flow/conn.h"
#include "test_eal.h"

static struct conn_table *cb_table;
static unsigned expired, keys_present;

/* The expiry callback: both keys must still find the conn. */
static void
on_expire(void *arg, struct conn *c)
{
	struct conn_key6 k;
	enum conn_dir dir;

	(void)arg;
	expired++;
	conn6_key_in(cb_table, c, &k);
	keys_present &= conn6_lookup(cb_table, &k, &dir) == c;
	if (c->flags & CONN_F_OUT) {
		conn6_key_out(cb_table, c, &k);
		keys_present &= conn6_lookup(cb_table, &k, &dir) == c;
	}
}

static struct conn_table *
table6(uint32_t capacity)
{
	static unsigned n;
	char name[32];
	struct conn_table *ct;

	snprintf(name, sizeof(name), "test_conn6_%u", n++);
	ct = conn_table_create6(name, capacity, SOCKET_ID_ANY, on_expire, NULL);
	assert_non_null(ct);
	cb_table = ct;
	expired = 0;
	keys_present = 1;
	return ct;
}

/* Conn id: client 2001:db8:1::id port 40000, VIP 2001:db8::10:443, backend 2001:db8:2::id. */
static struct conn *
fill(struct conn_table *ct, unsigned id, uint32_t expire)
{
	struct conn *c = conn_alloc(ct);
	struct conn6_addrs *a;

	assert_non_null(c);
	a = conn6_addrs(ct, c);
	a->caddr[0] = 0x20, a->caddr[1] = 0x01, a->caddr[5] = 1, a->caddr[15] = (uint8_t)id;
	a->vaddr[0] = 0x20, a->vaddr[1] = 0x01, a->vaddr[15] = 0x10;
	a->daddr[0] = 0x20, a->daddr[1] = 0x01, a->daddr[5] = 2, a->daddr[15] = (uint8_t)id;
	a->laddr[0] = 0x20, a->laddr[1] = 0x01, a->laddr[5] = 2, a->laddr[15] = 0x64;
	c->cport = RTE_BE16(40000);
	c->vport = RTE_BE16(443);
	c->dport = RTE_BE16(8443);
	c->lport = rte_cpu_to_be_16((uint16_t)(1024 + id));
	c->proto = PROTO_TCP;
	c->expire = expire;
	return c;
}

static const struct conn_key6 *
out6(struct conn_table *ct, const struct conn *c)
{
	static struct conn_key6 k;

	conn6_key_out(ct, c, &k);
	return &k;
}

static void
test_insert_lookup6(void **state)
{
	struct conn_table *ct = table6(64);
	struct conn_key6 kin, kout;
	enum conn_dir dir;
	struct conn *c, *d;
	unsigned i;

	(void)state;
	for (i = 1; i <= 32; i++) {
		c = fill(ct, i, 100 + i);
		assert_int_equal(conn6_insert(ct, c, out6(ct, c), 0), 0);
	}
	assert_int_equal(conn_count(ct), 32);
	for (i = 1; i <= 32; i++) {
		memset(&kin, 0, sizeof(kin));
		kin.saddr[0] = 0x20, kin.saddr[1] = 0x01, kin.saddr[5] = 1, kin.saddr[15] = (uint8_t)i;
		kin.daddr[0] = 0x20, kin.daddr[1] = 0x01, kin.daddr[15] = 0x10;
		kin.sport = RTE_BE16(40000);
		kin.dport = RTE_BE16(443);
		kin.proto = PROTO_TCP;
		c = conn6_lookup(ct, &kin, &dir);
		assert_non_null(c);
		assert_int_equal(dir, CONN_DIR_IN);
		conn6_key_out(ct, c, &kout);
		assert_ptr_equal(conn6_lookup(ct, &kout, &dir), c);
		assert_int_equal(dir, CONN_DIR_OUT);
		assert_int_equal(conn6_addrs(ct, c)->daddr[15], i);
	}
	/* the same IN tuple again: taken */
	d = fill(ct, 5, 200);
	assert_int_equal(conn6_insert(ct, d, out6(ct, d), 0), -EEXIST);
	/* an OUT key that is not the conn's own: refused, nothing indexed */
	d = fill(ct, 40, 200);
	kout = *out6(ct, d);
	kout.daddr[3] ^= 1;
	assert_int_equal(conn6_insert(ct, d, &kout, 0), -EINVAL);
	assert_int_equal(conn_count(ct), 32);
	/* the IPv4 calls have no place in an IPv6 table */
	d = conn_alloc(ct);
	assert_int_equal(conn_insert(ct, d, NULL, 0), -EINVAL);
	conn_table_free(ct);
}

/* An IN-only conn (DR, TUN) goes with its one key; the expiry callback sees its keys. */
static void
test_in_only_and_expiry6(void **state)
{
	struct conn_table *ct = table6(8);
	struct conn_key6 kin, kout;
	struct conn6_addrs addrs;
	struct conn copy;
	enum conn_dir dir;
	struct conn *a, *b;
	uint32_t i;

	(void)state;
	a = fill(ct, 1, 10);
	assert_int_equal(conn6_insert(ct, a, NULL, 0), 0);
	conn6_key_in(ct, a, &kin);
	conn6_key_out(ct, a, &kout);
	assert_ptr_equal(conn6_lookup(ct, &kin, &dir), a);
	assert_null(conn6_lookup(ct, &kout, &dir));
	b = fill(ct, 2, 20);
	assert_int_equal(conn6_insert(ct, b, out6(ct, b), 0), 0);
	/* a snapshot carries the addresses */
	for (i = 0; i < conn_capacity(ct); i++)
		if (conn6_snapshot(ct, i, &copy, &addrs) == 0 && copy.lport == b->lport)
			break;
	assert_true(i < conn_capacity(ct));
	assert_memory_equal(&addrs, conn6_addrs(ct, b), sizeof(addrs));
	/* both expire in order, with their keys still there in the callback */
	assert_int_equal(conn_expire(ct, 15, 1000), 1);
	assert_null(conn6_lookup(ct, &kin, &dir));
	assert_int_equal(conn_expire(ct, 25, 1000), 1);
	assert_int_equal(expired, 2);
	assert_int_equal(keys_present, 1);
	assert_int_equal(conn_count(ct), 0);
	/* removed by hand: its slot comes back clean, addresses zeroed */
	a = fill(ct, 3, 100);
	assert_int_equal(conn6_insert(ct, a, out6(ct, a), 25), 0);
	conn_remove(ct, a);
	conn6_key_in(ct, a, &kin);
	assert_null(conn6_lookup(ct, &kin, &dir));
	assert_int_equal(conn_expire(ct, 27, 1000), 0);
	b = conn_alloc(ct);
	assert_non_null(b);
	assert_memory_equal(conn6_addrs(ct, b), &(struct conn6_addrs){ 0 },
			    sizeof(struct conn6_addrs));
	conn_table_free(ct);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_lookup6),
		cmocka_unit_test(test_in_only_and_expiry6),
	};

	return cmocka_run_group_tests(tests, test_eal_setup, NULL);
}
