/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_SVC_STATS_H
#define SLUICE_SVC_STATS_H

#include <stdint.h>

#include "common/limits.h"
#include "service/gauge.h"

/*
 * Counters of services and backends are written by one worker each (a slot per worker)
 * and summed by the control thread, so the data path never shares a cache line with
 * another writer (the workers' own counters: packet/stage.h). Gauges (conns open now,
 * active and inactive) are one per node: lc, wlc and max_conns must see every worker's conns. They
 * change with atomic adds on a conn's transitions (created, established, closed), never
 * per packet.
 */

#define STATS_SVC_SLOTS SL_MAX_SERVICES     /* services */
#define STATS_BE_SLOTS SL_MAX_NODE_BACKENDS /* backends, deleted ones with conns left too */

/* Per worker, per service or backend counters slot. */
struct vs_counters {
	uint64_t conns;
	uint64_t in_pkts;
	uint64_t out_pkts;
	uint64_t in_bytes;
	uint64_t out_bytes;
};

/*
 * Per worker, per service counters slot: new conns the defenses refused (acl: either list
 * of the node or of the service; syn_rate, source_rate), packets of the service's conns
 * refused as blind (a RST or SYN out of its side's window, flow/tcp_window.h), and what the
 * SYN proxy and the client-address insertion did.
 */
struct vs_defense {
	uint64_t acl;
	uint64_t syn_rate;
	uint64_t source_rate;
	uint64_t out_of_window;
	/* the SYN proxy: SYNs answered with a cookie, ACKs whose cookie was good (conns opened
	 * toward a backend), bad or expired (answered with a RST), backends that never
	 * answered the node's SYN (the client was reset) */
	uint64_t sp_syn;
	uint64_t sp_ok;
	uint64_t sp_bad;
	uint64_t sp_no_answer;
	/* the client address (forward/client_addr.h): PROXY headers inserted (each
	 * retransmission of the first data segment again, each UDP datagram), those of them
	 * sent in a segment of their own (the client's first segment had no room), TOA options
	 * added, and TOA options left out (no option space, or the MTU) */
	uint64_t ca_headers;
	uint64_t ca_split;
	uint64_t toa_added;
	uint64_t toa_skipped;
};

/* What the control side reports: the counters summed over the workers, and the gauge. */
struct vs_totals {
	uint64_t conns;
	uint64_t in_pkts;
	uint64_t out_pkts;
	uint64_t in_bytes;
	uint64_t out_bytes;
	int64_t active;
	int64_t inactive;
};


#endif
