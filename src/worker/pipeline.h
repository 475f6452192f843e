/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_PIPELINE_H
#define SLUICE_PIPELINE_H

#include <rte_mbuf.h>

#include "worker/worker.h"

/**
 * The whole packet path of a worker, without a port: parse and filter, answer ARP and
 * ICMP echo, look conns up (one bulk lookup per burst), create conns for new flows to a
 * VIP, and rewrite every forwarded packet. Outputs land in w->s.out (per port, and per
 * worker for handoffs); every packet not output is counted under a drop reason.
 * n <= WORKER_BURST. Worker w (or a test owning w).
 */
void pipeline_run(struct worker *w, struct rte_mbuf **pkts, uint16_t n);

struct conn;

/** The conn table's expiry callback (arg: the worker's struct stage): gives back the conn's LIP port and
 * its place in the gauges. Worker. */
void pipeline_conn_expired(void *arg, struct conn *c);

#endif
