/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshots under RCU, concurrent: the control thread publishes snapshots in a loop while a
 * worker thread reads them, as worker_loop() does (online, read dp->snap, quiescent). The
 * worker thread never registers itself: dp_create() must have done it, before any publish.
 * Were it not registered, dp_publish() would not wait for it and would free the snapshot it
 * is reading; built with -fsanitize=address (the `rcu_asan` test) that is a heap
 * use-after-free report, and without ASan the reader sees the snapshot change under it.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <rte_rcu_qsbr.h>

#include "config/config.h"
#include "control/spec.h"
#include "service/snapshot.h"
#include "test_eal.h"
#include "worker/dp_build.h"
#include "worker/worker.h"

#define PUBLISHES 300
#define N_SERVICES 4

static const char config[] =
	"dataplane:\n"
	"  workers: 1\n"
	"  conn_table_size: 1024\n"
	"  ports:\n"
	"    - {name: client, device: net_null0, address: 10.0.1.1/24}\n"
	"    - {name: backend, device: net_null1, address: 10.0.2.1/24}\n"
	"  local_addresses: [10.0.2.100]\n"
	"services:\n"
	"  - {vip: 10.0.0.10:80/tcp,\n"
	"     backends: [{address: 10.0.2.11:80}, {address: 10.0.2.12:80}]}\n"
	"  - {vip: 10.0.0.10:81/tcp, backends: [{address: 10.0.2.11:81}]}\n"
	"  - {vip: 10.0.0.10:82/tcp, backends: [{address: 10.0.2.11:82}]}\n"
	"  - {vip: 10.0.0.10:53/udp, backends: [{address: 10.0.2.21:53}]}\n";

struct reader {
	struct dp *dp;
	volatile int online;
	volatile int stop;
	unsigned long reads;
	unsigned long torn; /* snapshots that changed while the reader held them */
};

static struct snapshot *
build(struct dp *dp, const struct cfg *c, uint64_t version)
{
	static const uint16_t slots[N_SERVICES][2] = { { 0, 1 }, { 2 }, { 3 }, { 4 } };
	const uint16_t *be_slots[N_SERVICES] = { slots[0], slots[1], slots[2], slots[3] };

	return spec_snapshot(dp, c->services, c->n_services, &c->defense, be_slots, version);
}

static void
pause_us(long us)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = us * 1000 };

	nanosleep(&ts, NULL);
}

/* The worker's side: what worker_loop() does with dp->snap, minus the ports. */
static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	struct dp *dp = r->dp;

	rte_rcu_qsbr_thread_online(dp->qsbr, 0);
	r->online = 1;
	while (!r->stop) {
		const struct snapshot *s = __atomic_load_n(&dp->snap, __ATOMIC_ACQUIRE);
		uint64_t version = s->version;
		unsigned k, i;

		/* Hold the snapshot across a publish: a worker's burst can take that long. */
		for (k = 0; k < 20; k++) {
			uint32_t sum = 0;

			for (i = 0; i < s->n_services; i++)
				sum += s->services[i].vip.w[3] + s->services[i].n_backends +
				       s->services[i].backends[0].addr.w[3];
			if (*(volatile const uint64_t *)&s->version != version ||
			    *(volatile const uint32_t *)&s->n_services != N_SERVICES || sum == 0)
				r->torn++;
			pause_us(20);
		}
		r->reads++;
		rte_rcu_qsbr_quiescent(dp->qsbr, 0);
	}
	rte_rcu_qsbr_thread_offline(dp->qsbr, 0);
	return NULL;
}

static void
test_publish_while_reading_concurrent(void **state)
{
	static const uint16_t port_ids[2] = { 0, 1 };
	static const struct rte_ether_addr macs[2] = { { { 2, 0, 0, 0, 0, 1 } },
						       { { 2, 0, 0, 0, 0, 2 } } };
	struct reader r = { 0 };
	struct dp_spec spec;
	struct cfg_error err;
	struct cfg c;
	pthread_t t;
	uint64_t v;

	(void)state;
	assert_int_equal(cfg_load_string(config, "test", &c, &err), 0);
	assert_int_equal(c.n_services, N_SERVICES);
	spec_dp(&c, macs, port_ids, &spec);
	r.dp = dp_create(&spec);
	assert_non_null(r.dp);
	/* What ctl_init() does before the workers run: it must not wait for them. */
	dp_publish(r.dp, build(r.dp, &c, 1));
	assert_int_equal(pthread_create(&t, NULL, reader_main, &r), 0);
	while (!r.online)
		pause_us(100);
	for (v = 2; v < 2 + PUBLISHES; v++)
		dp_publish(r.dp, build(r.dp, &c, v));
	r.stop = 1;
	pthread_join(t, NULL);
	assert_true(r.reads > 0);
	assert_int_equal(r.torn, 0);
	dp_free(r.dp);
	cfg_free(&c);
}

/* Every service of s picks a backend through its scheduler's state (ASan: still alive). */
static void
assert_all_pick(const struct snapshot *s)
{
	struct pkt_meta p;
	unsigned i;

	memset(&p, 0, sizeof(p));
	for (i = 0; i < s->n_services; i++) {
		const struct snap_service *ss = &s->services[i];

		assert_true(ss->sched->pick(ss, ss->sched_data, 0, &p) >= 0);
	}
}

/*
 * A commit that changes one service rebuilds that service's scheduler state alone; the
 * others share the published snapshot's, which outlives the snapshot that built it (the
 * rcu_asan build reports any use after free).
 */
static void
test_unchanged_services_share_sched_state(void **state)
{
	static const uint16_t port_ids[2] = { 0, 1 };
	static const struct rte_ether_addr macs[2] = { { { 2, 0, 0, 0, 0, 1 } },
						       { { 2, 0, 0, 0, 0, 2 } } };
	struct snapshot *s1, *s2, *s3;
	struct dp_spec spec;
	struct cfg_error err;
	struct cfg c;
	struct dp *dp;
	unsigned i;

	(void)state;
	assert_int_equal(cfg_load_string(config, "test", &c, &err), 0);
	c.services[2].sched = SL_SCHED_MAGLEV;
	c.services[3].sched = SL_SCHED_LC;
	spec_dp(&c, macs, port_ids, &spec);
	dp = dp_create(&spec);
	assert_non_null(dp);
	s1 = build(dp, &c, 1);
	assert_non_null(s1);
	assert_int_equal(s1->sched_reused, 0);
	dp_publish(dp, s1);

	/* One weight of service 0 changes: 1 and 2 share, lc has no state to share. */
	c.services[0].backends[1].weight = 3;
	s2 = build(dp, &c, 2);
	assert_non_null(s2);
	assert_int_equal(s2->sched_reused, 2);
	assert_ptr_not_equal(s2->services[0].sched_data, s1->services[0].sched_data);
	for (i = 1; i < 3; i++)
		assert_ptr_equal(s2->services[i].sched_data, s1->services[i].sched_data);
	dp_publish(dp, s2); /* frees s1 */
	assert_all_pick(s2);

	/* Service 2's Maglev table size changes, and service 1's backend goes down. */
	c.services[2].maglev_size = 251;
	c.services[1].backends[0].inhibited = 1;
	s3 = build(dp, &c, 3);
	assert_non_null(s3);
	assert_int_equal(s3->sched_reused, 1); /* service 0's, built by s2 */
	assert_ptr_equal(s3->services[0].sched_data, s2->services[0].sched_data);
	assert_ptr_not_equal(s3->services[2].sched_data, s2->services[2].sched_data);
	dp_publish(dp, s3);
	assert_int_equal(s3->services[1].sched->pick(&s3->services[1],
						     s3->services[1].sched_data, 0,
						     &(struct pkt_meta){ 0 }), -1);
	dp_free(dp);
	cfg_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish_while_reading_concurrent),
		cmocka_unit_test(test_unchanged_services_share_sched_state),
	};

	return cmocka_run_group_tests(tests, test_eal_setup, NULL);
}
