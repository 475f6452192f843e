/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_TEST_EAL_H
#define SLUICE_TEST_EAL_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>

/*
 * The EAL leaves its runtime directory (/var/run/dpdk/rte) behind, empty once telemetry's
 * atexit handler has unlinked its socket: registered before the EAL starts, this runs after
 * that handler and removes the directory (rmdir: only when empty, so never another test's
 * socket).
 */
static char test_eal_rundir[4096];

static inline void
test_eal_rundir_remove(void)
{
	if (test_eal_rundir[0] != '\0')
		rmdir(test_eal_rundir);
}

/** rte_eal_init(argc, argv), and the runtime directory removed at exit; -1 on failure. */
static inline int
test_eal_start(int argc, char **argv)
{
	atexit(test_eal_rundir_remove);
	if (rte_eal_init(argc, argv) < 0)
		return -1;
	snprintf(test_eal_rundir, sizeof(test_eal_rundir), "%s", rte_eal_get_runtime_dir());
	return 0;
}

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
	if (test_eal_start((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0) {
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
