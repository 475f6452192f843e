/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_GAUGE_H
#define SLUICE_GAUGE_H

#include <stdint.h>

/*
 * Conns open now, per service slot and per backend slot, shared by the workers (atomic):
 * what ipvsadm shows as ActiveConn and InActConn, what lc/wlc and max_conns read.
 */

/*
 * A cache line each: two workers counting conns to neighbouring backends (or services)
 * would otherwise take one line from each other on every new and ended conn, and make
 * lc's scan miss on gauges that did not change (docs/benchmarks.md, two threads).
 */
struct vs_gauge {
	int32_t active;   /* ESTABLISHED */
	int32_t inactive; /* any other state, UDP included (as ipvsadm shows them) */
} __attribute__((aligned(64)));

/* Which gauge a conn counts in: active while ESTABLISHED, inactive otherwise (ipvsadm's). */
enum gauge_kind { GAUGE_NONE = -1, GAUGE_ACTIVE, GAUGE_INACTIVE };

static inline int32_t *
gauge_field(struct vs_gauge *g, enum gauge_kind k)
{
	return k == GAUGE_ACTIVE ? &g->active : &g->inactive;
}

/**
 * Move one conn of a service and a backend from one gauge to another; GAUGE_NONE as `from`
 * counts a new conn, as `to` a conn gone. The increase is made before the decrease, so a
 * reader summing the two never sees a conn vanish in between. Any worker.
 */
static inline void
gauge_move(struct vs_gauge *s, struct vs_gauge *b, enum gauge_kind from, enum gauge_kind to)
{
	if (to != GAUGE_NONE) {
		__atomic_fetch_add(gauge_field(s, to), 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(gauge_field(b, to), 1, __ATOMIC_RELAXED);
	}
	if (from != GAUGE_NONE) {
		__atomic_fetch_sub(gauge_field(s, from), 1, __ATOMIC_RELEASE);
		__atomic_fetch_sub(gauge_field(b, from), 1, __ATOMIC_RELEASE);
	}
}

/** Conns open now in g (all workers). Any thread. */
static inline uint32_t
gauge_open(const struct vs_gauge *g)
{
	int32_t a = __atomic_load_n(&g->active, __ATOMIC_RELAXED);
	int32_t i = __atomic_load_n(&g->inactive, __ATOMIC_RELAXED);

	return a + i > 0 ? (uint32_t)(a + i) : 0;
}

#endif
