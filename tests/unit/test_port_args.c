/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net/port.c's EAL arguments for the configured ports: an af_packet port gets a queue pair a
 * worker and a ring of AF_PACKET_FRAMES frames unless its device string says otherwise (a
 * full ring rolls packets over to another worker's queue, where their conn is not); other
 * vdevs go as written, a PCI port as -a.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "net/port.h"

/* The --vdev= argument that names dev's driver prefix, or NULL. */
static const char *
vdev_arg(const struct port_eal_args *a, const char *prefix)
{
	char want[64];
	int i;

	snprintf(want, sizeof(want), "--vdev=%s", prefix);
	for (i = 0; i < a->argc; i++)
		if (strncmp(a->argv[i], want, strlen(want)) == 0)
			return a->argv[i];
	return NULL;
}

static void
test_af_packet_queues_and_ring(void **state)
{
	struct port_set ps = { .workers = 2, .memory = 0, .conn_table_size = 1024, .n_ports = 3 };
	struct port_eal_args a;
	char msg[256];

	(void)state;
	snprintf(ps.ports[0].device, sizeof(ps.ports[0].device), "net_af_packet0,iface=c0");
	snprintf(ps.ports[1].device, sizeof(ps.ports[1].device),
		 "net_af_packet1,iface=b0,qpairs=4,framecnt=1024");
	snprintf(ps.ports[2].device, sizeof(ps.ports[2].device), "net_tap0,iface=t0");
	assert_int_equal(port_eal_args(&ps, &a, msg, sizeof(msg)), 0);
	assert_string_equal(vdev_arg(&a, "net_af_packet0"),
			    "--vdev=net_af_packet0,iface=c0,qpairs=2,framecnt=4096");
	assert_string_equal(vdev_arg(&a, "net_af_packet1"),
			    "--vdev=net_af_packet1,iface=b0,qpairs=4,framecnt=1024");
	assert_string_equal(vdev_arg(&a, "net_tap0"), "--vdev=net_tap0,iface=t0");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_af_packet_queues_and_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
