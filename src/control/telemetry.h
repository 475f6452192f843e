/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_CONTROL_TELEMETRY_H
#define SLUICE_CONTROL_TELEMETRY_H

/*
 * sluice's counters as DPDK telemetry commands, so that DPDK's own dpdk-telemetry.py (and
 * any telemetry client) shows them beside /ethdev/stats:
 *   /sluice/stats             the node's counters (GET /v1/stats)
 *   /sluice/drops             packets dropped, by reason
 *   /sluice/services          the services' keys
 *   /sluice/service,VIP       one service with its backends (GET /v1/services/VIP)
 * Each answer is the API's JSON mapped onto telemetry's types: a dict of the top-level
 * numbers and strings, and one container per object or list below, its members flattened to
 * names joined with '/' ("0/rx_pkts": telemetry's names take letters, digits, '_' and '/').
 * DPDK calls the handlers on its telemetry thread; they read through the control core's
 * locked views, as the REST API does.
 */

/** Register the commands. 0 or negative errno. Main thread, after ctl_init(). */
int tel_register(void);

/** Make every command answer "stopping" from now on (before ctl_fini()). Main thread. */
void tel_stop(void);

#endif
