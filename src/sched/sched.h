/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_SCHED_H
#define SLUICE_SCHED_H

#include <stdint.h>

#include "packet/pkt.h"
#include "service/snapshot.h"

/*
 * A scheduler picks the backend of a new conn. One file per scheduler behind this table,
 * as IPVS does. The control thread builds a scheduler's state with the snapshot (so a
 * worker never builds a table); pick() runs on a worker, for new conns only, and may keep
 * per-worker state in its slice of that data (no sharing, no locks).
 */
struct sched_ops {
	const char *name;
	/** State for a service of this snapshot; NULL + errno on failure. Control thread. */
	void *(*build)(const struct snap_service *svc, unsigned n_workers);
	void (*free)(void *data);
	/** Index of the chosen backend, or -1 if none takes new conns. Worker `worker`. */
	int (*pick)(const struct snap_service *svc, void *data, unsigned worker,
		    const struct pkt_meta *p);
};

/** The ops of a scheduler (enum cfg_sched), or NULL if it is not built in. */
const struct sched_ops *sched_get(uint8_t id);

/** A random 32-bit value from the OS, for per-node random starting points. */
uint32_t sched_random(void);

extern const struct sched_ops sched_rr_ops;
extern const struct sched_ops sched_wrr_ops;

#endif
