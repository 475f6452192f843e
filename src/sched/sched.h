/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_SCHED_H
#define SLUICE_SCHED_H

#include <stdint.h>

#include "packet/pkt.h"
#include "service/gauge.h"
#include "service/snapshot.h"

/*
 * A scheduler picks the backend of a new conn. One file per scheduler behind this table,
 * as IPVS does. The control thread builds a scheduler's state with the snapshot (so a
 * worker never builds a table); pick() runs on the workers, for new conns only.
 *
 * Fairness is per node, not per worker (DPVS keeps it per core): rr and wrr share one
 * ticket counter per service (an atomic add per new conn), lc and wlc read the node's
 * conn gauges, sh and maglev are stateless hashes. No scheduler takes a lock.
 */
/** The ops of a scheduler (enum sl_sched), or NULL if it is not built in. */
const struct sched_ops *sched_get(uint8_t id);

/** A random 32-bit value from the OS, for per-node random starting points. */
uint32_t sched_random(void);

/**
 * Whether b takes a new conn now: a weight, not inhibited, under its max_conns. The conn
 * count is the node's (every worker's conns), read without a lock: under a burst of new
 * conns on several workers the limit can be passed by at most one conn per worker.
 */
static inline int
sched_available(const struct snap_service *svc, const struct snap_backend *b)
{
	return b->weight > 0 && !b->inhibited &&
	       (b->max_conns == 0 || gauge_open(&svc->gauges[b->slot]) < b->max_conns);
}

/* Helpers the schedulers share (sched.c). */

/**
 * A smooth weighted round-robin sequence over the backends with a weight (WF2Q's order,
 * O(len log backends)): in every window of `len` consecutive entries each backend stands exactly
 * its weight times (weights reduced by their gcd; scaled down to fit SCHED_SEQ_MAX).
 * equal != 0 treats every weight as 1 (rr). NULL + errno. Control thread.
 */
#define SCHED_SEQ_MAX 65536u
struct sched_seq {
	/*
	 * Shared by the workers, an atomic add a pick: alone on its cache line, so that the
	 * adds do not take from every other worker the line of len and the first entries,
	 * which they all read.
	 */
	uint64_t ticket __attribute__((aligned(64)));
	uint32_t len __attribute__((aligned(64)));
	uint16_t idx[];  /* backend indexes */
};
struct sched_seq *sched_seq_build(const struct snap_service *svc, int equal);
int sched_seq_pick(const struct snap_service *svc, struct sched_seq *s);

/** Least connections (IPVS's overhead: active * 256 + inactive), weighted or not. */
int sched_least(const struct snap_service *svc, unsigned worker, int weighted);
/* build and free of a scheduler with no state of its own (lc, wlc: the gauges are its state) */
void *sched_stateless_build(const struct snap_service *svc, unsigned n_workers);
void sched_stateless_free(void *data);

/** A Maglev table over svc's backends; source_only hashes the client address alone. */
void *sched_maglev_build(const struct snap_service *svc, int source_only);
/** The backend index a flow maps to in a Maglev table, or -1. Any worker. */
int sched_maglev_pick(const struct snap_service *svc, void *data, const struct pkt_meta *p);
/** Entries of a Maglev table that name backend index i (tests, benchmarks). */
uint32_t sched_maglev_count(const void *data, uint16_t i);

extern const struct sched_ops sched_rr_ops;
extern const struct sched_ops sched_wrr_ops;
extern const struct sched_ops sched_lc_ops;
extern const struct sched_ops sched_wlc_ops;
extern const struct sched_ops sched_sh_ops;
extern const struct sched_ops sched_maglev_ops;

#endif
