/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_RATE_H
#define SLUICE_RATE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_hash_crc.h>

#include "common/drop.h"
#include "common/limits.h"
#include "common/tbucket.h"

/*
 * Rate limits on new conns (a SYN, a first UDP datagram): a service's `syn_rate` and a
 * client's `source_rate`, both node-wide figures per second. Each worker keeps its own
 * buckets, written by it alone; they add up to the node's rate: a worker's bucket fills at
 * the node's rate but a conn costs it as many tokens as there are workers, so N conns/s over
 * W workers is exactly N/W each, however small N is. A bucket holds a second of its rate
 * (and at least one conn): a burst of N conns passes at once, then N a second.
 *
 * Clients are kept in a table of RATE_SRC_ENTRIES buckets a worker, by a hash of (client,
 * service); a client that lands on another's entry takes it over with a full bucket. A
 * flood from many forged sources therefore churns the table without ever holding back a
 * real client more than its own rate would: forged sources are syn_rate's (and the SYN
 * proxy's) to stop, source_rate stops the few clients that open too much.
 */

#define RATE_SRC_ENTRIES 65536 /* a power of two: 1.5 MiB a worker */

struct rate_src {
	uint32_t key;  /* the client: an IPv4 address, or a fold of an IPv6 /64 */
	uint16_t svc;  /* its service's counters slot + 1; 0: a free entry */
	uint16_t pad;
	struct tbucket b;
};

struct rate_state {
	struct tbucket syn[SL_MAX_SERVICES]; /* by service counters slot */
	struct rate_src src[RATE_SRC_ENTRIES];
};

/** A worker's buckets, all full; NULL + errno. Control thread, before the worker runs. */
struct rate_state *rate_create(int socket);
void rate_free(struct rate_state *r);

/*
 * One node-wide rate split over n_workers: take a conn's worth (n_workers tokens) from a
 * bucket filling at `rate` tokens/s that holds a second of it, or one conn at least.
 */
static inline bool
rate_take(struct tbucket *b, uint64_t now_ms, uint32_t rate, unsigned n_workers)
{
	uint64_t burst = rate > n_workers ? rate : n_workers;

	if (unlikely(b->refill_ms == 0)) { /* a new bucket (or entry): full */
		b->tokens = burst;
		b->refill_ms = now_ms;
	}
	return tbucket_take_n(b, now_ms, rate, burst, n_workers);
}

/**
 * Whether a new conn of the service in counters slot svc, from client key src, may open now
 * under syn_rate and source_rate (node-wide per second, 0 = no limit): 0, DROP_syn_rate or
 * DROP_source_rate. A conn refused by source_rate takes nothing from syn_rate. Owner worker.
 */
static inline unsigned
rate_admit(struct rate_state *r, uint64_t now_ms, unsigned n_workers, uint16_t svc,
	   uint32_t syn_rate, uint32_t source_rate, uint32_t src)
{
	if (source_rate != 0) {
		uint32_t h = rte_hash_crc_4byte(src, svc) & (RATE_SRC_ENTRIES - 1);
		struct rate_src *e = &r->src[h];

		if (e->key != src || e->svc != (uint16_t)(svc + 1)) {
			e->key = src;
			e->svc = (uint16_t)(svc + 1);
			e->b = (struct tbucket){ 0, 0 }; /* full at its first take */
		}
		if (!rate_take(&e->b, now_ms, source_rate, n_workers))
			return DROP_source_rate;
	}
	if (syn_rate != 0 && !rate_take(&r->syn[svc], now_ms, syn_rate, n_workers))
		return DROP_syn_rate;
	return 0;
}

#endif
