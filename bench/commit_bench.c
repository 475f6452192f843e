/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The control plane's commit (issue 13, item 4): a node with many services, each of many
 * backends, and the snapshot built and published (spec_snapshot + dp_publish, what every
 * change through the API, the CLI or a health check ends in) after
 *   all   one weight changed in every service: every scheduler state is built again,
 *         as every commit did before snapshots shared unchanged services' state;
 *   one   one backend weight changed in one service: that service's state alone.
 * Median of 9 commits each, ms. usage: sluice-commit-bench [SERVICES BACKENDS SCHED ...]
 * (default: 160 100 maglev, 160 100 wrr, 1000 16 maglev; services x backends is at most
 * the node's 16 384 backend counter slots).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>

#include "config/config.h"
#include "control/spec.h"
#include "worker/dp_build.h"

#define RUNS 9

static const uint16_t port_ids[2] = { 0, 1 };
static const struct rte_ether_addr macs[2] = { { { 2, 0, 0, 0, 0, 1 } },
					       { { 2, 0, 0, 0, 0, 2 } } };

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ms to build and publish the snapshot of c's services. */
static double
commit(struct dp *dp, const struct cfg *c, uint64_t version)
{
	uint64_t t = rte_rdtsc_precise();
	struct snapshot *s = spec_snapshot(dp, c->services, c->n_services, &c->defense, NULL,
					   version);

	if (s == NULL) {
		perror("bench: spec_snapshot");
		exit(1);
	}
	dp_publish(dp, s);
	return (double)(rte_rdtsc_precise() - t) * 1e3 / (double)rte_get_tsc_hz();
}

static void
run(unsigned n_svc, unsigned n_be, const char *sched)
{
	size_t cap = 4096 + (size_t)n_svc * (120 + (size_t)n_be * 48), off;
	char *text = malloc(cap);
	double all[RUNS], one[RUNS];
	struct cfg_error err;
	struct dp_spec spec;
	struct cfg c;
	struct dp *dp;
	unsigned i, j;
	uint64_t v = 1;

	if (text == NULL)
		exit(1);
	off = (size_t)snprintf(text, cap,
			       "dataplane:\n  workers: 1\n  conn_table_size: 1024\n  ports:\n"
			       "    - {name: client, device: net_null0, address: 172.16.1.1/24}\n"
			       "    - {name: backend, device: net_null1, address: 10.0.0.1/8}\n"
			       "  local_addresses: [10.0.2.100]\nservices:\n");
	for (i = 0; i < n_svc; i++) {
		off += (size_t)snprintf(text + off, cap - off,
					"  - {vip: 192.168.%u.%u:80/tcp, scheduler: %s, backends: [",
					i / 250, 1 + i % 250, sched);
		for (j = 0; j < n_be; j++)
			off += (size_t)snprintf(text + off, cap - off,
						"%s{address: 10.%u.%u.%u:80, weight: %u}",
						j ? ", " : "", 1 + i / 250, i % 250, 1 + j, 1 + j % 10);
		off += (size_t)snprintf(text + off, cap - off, "]}\n");
	}
	if (cfg_load_string(text, "bench", &c, &err) < 0) {
		fprintf(stderr, "bench: config: %s\n", err.msg);
		exit(1);
	}
	spec_dp(&c, macs, port_ids, &spec);
	dp = dp_create(&spec);
	if (dp == NULL) {
		perror("bench: dp_create");
		exit(1);
	}
	commit(dp, &c, v++);
	for (i = 0; i < RUNS; i++) {
		for (j = 0; j < n_svc; j++)
			c.services[j].backends[0].weight ^= 1; /* every service changes */
		all[i] = commit(dp, &c, v++);
		c.services[i % n_svc].backends[1].weight ^= 1; /* one service changes */
		one[i] = commit(dp, &c, v++);
		if (dp->snap->sched_reused != n_svc - 1) {
			fprintf(stderr, "bench: %u services shared, %u expected\n",
				dp->snap->sched_reused, n_svc - 1);
			exit(1);
		}
	}
	qsort(all, RUNS, sizeof(all[0]), cmp_double);
	qsort(one, RUNS, sizeof(one[0]), cmp_double);
	printf("%-8s %8u %8u %12.2f %12.2f\n", sched, n_svc, n_be, all[RUNS / 2], one[RUNS / 2]);
	fflush(stdout);
	dp_free(dp);
	cfg_free(&c);
	free(text);
}

int
main(int argc, char **argv)
{
	char *eal[] = { "bench", "-l", "0", "--no-shconf", "--no-pci", "--log-level", "*:error",
			"--no-huge", "-m", "2048", NULL };
	int i;

	if (rte_eal_init(10, eal) < 0) {
		fprintf(stderr, "bench: cannot start the EAL\n");
		return 1;
	}
	printf("# sluice commit benchmark: snapshot built and published after a change, median "
	       "of %d, ms; TSC %.2f GHz\n", RUNS, (double)rte_get_tsc_hz() / 1e9);
	printf("%-8s %8s %8s %12s %12s\n", "sched", "services", "backends", "all changed",
	       "one changed");
	if (argc < 4) {
		run(160, 100, "maglev");
		run(160, 100, "wrr");
		run(1000, 16, "maglev");
	}
	for (i = 1; i + 2 < argc; i += 3)
		run((unsigned)atoi(argv[i]), (unsigned)atoi(argv[i + 1]), argv[i + 2]);
	return 0;
}
