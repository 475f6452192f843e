/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_PORT_H
#define SLUICE_PORT_H

#include <stdint.h>

#include <rte_ether.h>

#include "common/addr.h"
#include "common/limits.h"
#include "net/route.h"

/*
 * EAL and ethdev set-up from the config: the EAL arguments (cores, memory, devices), then
 * one RX and one TX queue per worker on every port.
 */

/* How the EAL gets its memory: hugepages when enough are free, always, or never. */
enum port_memory { PORT_MEM_AUTO = 0, PORT_MEM_HUGEPAGES, PORT_MEM_NO_HUGEPAGES };

/* A port as its set-up takes it: a name for messages, the DPDK device, its address. */
struct port_spec {
	char name[SL_NAME_MAX];
	char device[SL_DEVICE_MAX]; /* a PCI address or a vdev string (common/devstr.h) */
	uint32_t addr;              /* network order */
	uint8_t prefix_len;
	uint8_t has_addr6;          /* an IPv6 address beside it: the twin gets it too */
	uint8_t prefix6_len;
	union addr46 addr6;
};

/* The ports of a node and what sizes their queues and the EAL's memory (control/spec.c). */
struct port_set {
	unsigned workers;         /* a queue pair each, on every port */
	uint8_t memory;           /* enum port_memory */
	uint32_t conn_table_size; /* what the memory is mostly for */
	unsigned n_ports;
	struct port_spec ports[SL_MAX_PORTS];
	unsigned n_routes;        /* the static routes: the twins carry them into the kernel */
	const struct route_spec *routes;
	char file_prefix[32];     /* the EAL's --file-prefix: where dpdk-telemetry.py finds it */
	bool capture;             /* shared memory for dpdk-dumpcap (needs hugepages) */
};

#define PORT_EAL_ARGS_MAX 64

struct port_eal_args {
	int argc;
	char *argv[PORT_EAL_ARGS_MAX];
	char buf[4096];
	size_t used;
	int no_huge; /* the memory mode chosen */
};

/**
 * Whether DPDK can open every port's device: a virtual device needs a driver DPDK has
 * (net_af_xdp, net_af_packet, ...) and its plugin installed. -ENODEV with msg naming the
 * port and its device. Run before the EAL and by --check. Main thread.
 */
int port_check_devices(const struct port_set *ps, char *msg, size_t msglen);

/**
 * The EAL command line for ps: lcores (control + workers), memory (hugepages when enough
 * are free or asked for, else --no-huge with a size derived from the conn table), one
 * --vdev or -a per port. 0, -E2BIG, or -ENOMEM when hugepages are asked for and missing;
 * msg gets a line to log about the memory choice, or the error and how to fix it.
 */
int port_eal_args(const struct port_set *ps, struct port_eal_args *a, char *msg, size_t msglen);

/**
 * Find, configure and start every port. ids[i] and macs[i] describe ps->ports[i].
 * 0, or a negative errno with a message naming the port in err. Main thread.
 */
int port_setup_all(const struct port_set *ps, uint16_t *ids, struct rte_ether_addr *macs,
		   char *err, size_t errlen);

/** Stop and close every port (ids: the ports', or their kernel twins'). */
void port_close_all(const struct port_set *ps, const uint16_t *ids);

#endif
