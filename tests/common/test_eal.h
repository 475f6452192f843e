/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_TEST_EAL_H
#define SLUICE_TEST_EAL_H

#include <stdio.h>
#include <stdlib.h>

#include <rte_eal.h>

/*
 * Start DPDK's EAL for a test binary: one lcore, no hugepages, no devices, no files left
 * behind. rte_hash, rte_ring, rte_mempool and rte_fib need it; nothing else does.
 */
static inline void
test_eal_init(void)
{
	static int done;
	char *argv[] = { "test", "-l", "0", "--no-huge", "-m", "512", "--no-shconf", "--no-pci",
			 "--log-level", "*:error", NULL };

	if (done)
		return;
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0) {
		fprintf(stderr, "test: cannot start the DPDK EAL\n");
		exit(1);
	}
	done = 1;
}

/** test_eal_init() as a cmocka group setup: cmocka_run_group_tests(tests, test_eal_setup, NULL). */
static inline int
test_eal_setup(void **state)
{
	(void)state;
	test_eal_init();
	return 0;
}

#endif
