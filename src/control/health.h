/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_HEALTH_H
#define SLUICE_HEALTH_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config/config.h"

/*
 * Health checks: one target per (service, backend) whose check is not `none`. All of them
 * run from the control thread, none with a thread of its own: tcp and http through one
 * libcurl multi handle, udp and dns on non-blocking sockets, everything advanced by
 * health_poll() from the main loop every few milliseconds. The checks go out through the
 * node's kernel, that is through the ports' kernel twins.
 *
 * A new target starts UP (health_check.start: up, the default: keepalived's) or UNKNOWN (no
 * new conns; start: down), and its first result, checked at once, decides it; after that it
 * takes `fall` failures in a row to go DOWN and `rise` successes in a row to come back UP.
 * Not thread-safe: the caller (ctl) serialises.
 */

enum health_state { HEALTH_UNKNOWN = 0, HEALTH_UP, HEALTH_DOWN };

struct health_status {
	uint8_t state; /* enum health_state */
	uint8_t type;  /* enum cfg_hc_type */
	bool assumed;           /* UP only because it served when its check came: the first
				 * result decides, as for UNKNOWN */
	uint32_t in_a_row;      /* results in a row against the state: failures while UP,
				 * successes while DOWN (the way to fall / rise) */
	time_t last_change;     /* wall clock of the last state change; 0 = still UNKNOWN */
	time_t last_check;      /* wall clock of the last result; 0 = none yet */
	uint32_t last_ms;       /* how long the last check took */
	uint64_t checks;        /* results so far */
	bool last_ok;
	char last_result[96];   /* "ok", "status 503", "connect: Connection refused", ... */
};

struct health;

/** NULL with errno on failure. */
struct health *health_create(void);
void health_destroy(struct health *h);

/* Whether backend b of s takes conns already (health_sync's new targets start UP then). */
typedef bool (*health_serving_fn)(const struct cfg_service *s, const struct cfg_backend *b);

/**
 * Make the targets those of these services: new ones are checked at once and start UP when
 * their check's start is up or serving(s, b) says the backend takes conns already (a check
 * added to a live backend must not take it out before it has said anything), else UNKNOWN;
 * either way their first result decides. Kept ones keep their state (a changed check
 * starts counting again); gone ones end, their check in flight cancelled. serving may be
 * NULL. 0 or -ENOMEM (then nothing changed).
 */
int health_sync(struct health *h, const struct cfg_service *svcs, unsigned n,
		health_serving_fn serving);

/** Whether a new target for backend b of s would start UP by its check's `start` (or it has
 * no check). Any control thread. */
bool health_starts_up(const struct cfg_service *s, const struct cfg_backend *b);

/** Whether backend b of s has a check, in this model. */
bool health_has_check(const struct cfg_service *s, const struct cfg_backend *b);

/**
 * Start the checks that are due and collect the finished ones. Bounded work per call.
 * @return the number of targets whose state changed (each change is logged once).
 */
unsigned health_poll(struct health *h, uint64_t now_ms);

/** The status of backend b of service s: true with *st filled, false when it has no check. */
bool health_get(const struct health *h, const struct cfg_service *s, const struct cfg_backend *b,
		struct health_status *st);

/**
 * Whether health lets a backend take new conns: its check in this model (s, b) is none, or
 * its target says UP. A backend about to be added (no target yet) with a check is not
 * usable until checked; one whose check was just removed is, before health_sync.
 */
bool health_usable(const struct health *h, const struct cfg_service *s,
		   const struct cfg_backend *b);

static inline const char *
health_state_name(uint8_t st)
{
	return st == HEALTH_UP ? "up" : st == HEALTH_DOWN ? "down" : "unknown";
}

#endif
