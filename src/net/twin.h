/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_TWIN_H
#define SLUICE_TWIN_H

#include <stdint.h>

#include <rte_ether.h>

#include "net/port.h"

/*
 * The kernel twin of a port (what KNI was; KNI is gone from DPDK 22.11): a tap interface
 * made with net_tap, named sl-<port>, with the port's MAC and the port's address. What the
 * data plane receives for the node itself and does not handle (TCP or UDP to a port
 * address: BGP, SSH, health-check answers; ARP replies to the node) is written to the
 * twin, so the kernel answers; what the kernel sends through the twin leaves through the
 * port. The tap is gone when the process is, SIGKILL included, with the addresses on it.
 */

#define TWIN_PREFIX "sl-"

/**
 * Make, start and address the twin of every port. ids[i] gets the DPDK port id of port i's
 * twin. `queues` queue pairs (one per worker). 0, or a negative errno with a
 * message in err. Main thread, after the ports are up. port_close_all() closes them.
 */
int twin_setup_all(const struct port_set *ps, const struct rte_ether_addr *macs, unsigned queues,
		   uint16_t *ids, char *err, size_t errlen);

/** The interface name of port i's twin ("sl-" and the port name, cut to IFNAMSIZ). */
void twin_name(const struct port_set *ps, unsigned i, char *buf, size_t len);

#endif
