/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packet fixtures of ARP and the neighbour table as the pipeline sees them: answers for the
 * node's addresses, what is learned and from whom, misses reported once, and replies to a
 * client whose next hop the table does not know yet.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "env.h"
#include "test_eal.h"

static void
test_arp(void **state)
{
	struct env *e = env_new(1, 1024);
	struct rte_mbuf *m;
	struct rte_arp_hdr *arp;
	struct neigh_event ev;
	static const char *const ours[][2] = { { "10.0.1.1", "0" }, { "10.0.0.10", "0" },
					      { "10.0.2.100", "1" }, { "10.0.2.1", "1" } };
	unsigned i;

	(void)state;
	for (i = 0; i < 4; i++) {
		uint16_t port = (uint16_t)atoi(ours[i][1]);
		const char *sip = port ? "10.0.2.11" : "10.0.1.2";

		run1(e->w, fx_arp(mp, &client_mac, RTE_ARP_OP_REQUEST, sip, ours[i][0]), port);
		m = out_one(e->w, port);
		arp = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, 14);
		assert_int_equal(arp->arp_opcode, RTE_BE16(RTE_ARP_OP_REPLY));
		assert_memory_equal(&arp->arp_data.arp_sha, &port_mac[port], 6);
		assert_int_equal(arp->arp_data.arp_sip, fx_ip(ours[i][0]));
		assert_memory_equal(&arp->arp_data.arp_tha, &client_mac, 6);
		assert_int_equal(arp->arp_data.arp_tip, fx_ip(sip));
		assert_memory_equal(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr,
				    &client_mac, 6);
		out_clear(e->w);
		/* The asker is on the port's subnet: the control thread hears of it. */
		assert_int_equal(rte_ring_dequeue_elem(e->w->s.events, &ev, sizeof(ev)), 0);
		assert_int_equal(ev.type, NEIGH_EV_LEARN);
		assert_int_equal(ev.ip.w[3], fx_ip(sip));
		assert_int_equal(ev.port, port);
	}
	assert_int_equal(e->w->s.st.arp_replied, 4);

	/* Someone else's address, from a host we do not know: ignored and counted, nobody
	 * learned. */
	run1(e->w, fx_arp(mp, &client_mac, RTE_ARP_OP_REQUEST, "10.0.1.66", "10.0.1.77"), 0);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.drops[DROP_arp_ignored], 1);
	assert_int_not_equal(rte_ring_dequeue_elem(e->w->s.events, &ev, sizeof(ev)), 0);

	/* A reply to our request is learned and consumed, not dropped. */
	run1(e->w, fx_arp(mp, &be_mac, RTE_ARP_OP_REPLY, "10.0.2.13", "10.0.2.1"), 1);
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(rte_ring_dequeue_elem(e->w->s.events, &ev, sizeof(ev)), 0);
	assert_int_equal(ev.ip.w[3], fx_ip("10.0.2.13"));
	assert_memory_equal(ev.mac, &be_mac, 6);
	assert_int_equal(e->w->s.st.drops[DROP_arp_ignored], 1);

	/* Truncated ARP. */
	m = fx_arp(mp, &client_mac, RTE_ARP_OP_REQUEST, "10.0.1.2", "10.0.1.1");
	rte_pktmbuf_trim(m, 10);
	run1(e->w, m, 0);
	assert_int_equal(e->w->s.st.drops[DROP_arp_malformed], 1);
	assert_int_equal(out_total(e->w), 0);
	env_free(e);
}

static void
test_neigh_unresolved(void **state)
{
	struct env *e = env_new(1, 1024);
	struct neigh_event ev;
	unsigned i, misses = 0;

	(void)state;
	/* Forget the backends: the SYN cannot leave; the control thread is asked, once. */
	neigh_unpin_all(e->dp->neigh);
	neigh_upkeep(e->dp->neigh, 10u * 60 * 1000, NULL, NULL); /* ages everything out */
	for (i = 0; i < 3; i++) {
		struct fx_l4 f = { .proto = IPPROTO_UDP, .src = "10.0.1.2", .dst = "10.0.0.10",
				   .sport = (uint16_t)(42000 + i), .dport = 53 };

		run1(e->w, fx_frame(mp, &client_mac, &port_mac[0], &f), 0);
	}
	assert_int_equal(out_total(e->w), 0);
	assert_int_equal(e->w->s.st.drops[DROP_neigh_unresolved], 3);
	while (rte_ring_dequeue_elem(e->w->s.events, &ev, sizeof(ev)) == 0) {
		assert_int_equal(ev.type, NEIGH_EV_MISS);
		assert_int_equal(ev.ip.w[3], fx_ip("10.0.2.21"));
		assert_int_equal(ev.port, 1);
		misses++;
	}
	/* Three misses of one next hop within 100 ms make one event, not three. */
	assert_int_equal(misses, 1);
	env_free(e);
}

/*
 * The answer to a client the neighbour table does not know yet (its ARP request is still on
 * its way to the control thread, or the table aged it out) goes to the MAC the client's
 * packets came from, not to nothing: a burst of new clients, each answered at once, and the
 * miss reported for each so that ARP replaces the hint. The hint does not outlive
 * NEIGH_HINT_MS.
 */
static void
test_reply_before_client_resolved(void **state)
{
	static const struct rte_ether_addr other_mac = { { 2, 0, 0, 0, 1, 0x77 } };
	struct env *e = env_new(1, 1024);
	struct neigh_event ev;
	struct rte_mbuf *m;
	unsigned i, misses = 0;
	char client[16];

	(void)state;
	for (i = 0; i < 16; i++) {
		struct rte_ether_addr mac = other_mac;
		struct fx_l4 f = { .proto = IPPROTO_UDP, .src = client, .dst = "10.0.0.10",
				   .sport = 5353, .dport = 53 };
		uint16_t lport;

		mac.addr_bytes[5] = (uint8_t)i;
		snprintf(client, sizeof(client), "10.0.1.%u", 100 + i);
		run1(e->w, fx_frame(mp, &mac, &port_mac[0], &f), 0);
		m = out_one(e->w, 1);
		lport = sport_of(m);
		out_clear(e->w);
		f = (struct fx_l4){ .proto = IPPROTO_UDP, .src = "10.0.2.21", .dst = "10.0.2.100",
				    .sport = 53, .dport = lport };
		run1(e->w, fx_frame(mp, &be_mac, &port_mac[1], &f), 1);
		m = out_one(e->w, 0);
		assert_frame_ok(m);
		assert_tuple(m, "10.0.0.10", 53, client, 5353);
		assert_memory_equal(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr, &mac,
				    6);
		out_clear(e->w);
	}
	while (rte_ring_dequeue_elem(e->w->s.events, &ev, sizeof(ev)) == 0)
		misses += ev.type == NEIGH_EV_MISS && ev.port == 0;
	assert_true(misses >= 16);
	assert_int_equal(e->w->s.st.drops[DROP_neigh_unresolved], 0);

	/* Once the hint is old, and the table still has nothing: dropped, as before. */
	worker_set_time(e->w, e->w->s.now_ms + NEIGH_HINT_MS + 1);
	{
		struct conn_key k = { .saddr = fx_ip("10.0.1.100"), .daddr = fx_ip("10.0.0.10"),
				      .sport = RTE_BE16(5353), .dport = RTE_BE16(53), .proto = 17 };
		enum conn_dir dir;
		struct conn *c = conn_lookup(e->w->s.ct, &k, &dir);
		struct fx_l4 r = { .proto = IPPROTO_UDP, .src = "10.0.2.21", .dst = "10.0.2.100",
				   .sport = 53 };

		assert_non_null(c);
		r.dport = rte_be_to_cpu_16(c->lport);
		run1(e->w, fx_frame(mp, &be_mac, &port_mac[1], &r), 1);
		assert_int_equal(out_total(e->w), 0);
		assert_int_equal(e->w->s.st.drops[DROP_neigh_unresolved], 1);
	}
	env_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_neigh_unresolved),
		cmocka_unit_test(test_reply_before_client_resolved),
	};

	ENV_RUN(tests);
}
