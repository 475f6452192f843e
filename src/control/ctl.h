/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_CTL_H
#define SLUICE_CTL_H

#include <jansson.h>

#include "config/config.h"

/*
 * The control core: owns the live service model, turns every change into a new snapshot
 * for the workers (RCU), and answers the read side of the API from the per-worker counters.
 * Every function here may be called from any control thread (the REST server's thread, the
 * main loop); they serialise on one mutex. None may be called from a worker.
 *
 * Functions that change something return 0 or a negative errno and, on error, fill err
 * with the reason; on error nothing has changed. Errors:
 *   -EINVAL  a bad value (err says which field)
 *   -ENOENT  no such service / backend
 *   -EEXIST  the service / backend exists already
 *   -ENOSPC  a table is full (services, backends, stats slots)
 *   -EBUSY   the change needs a restart (dataplane part of PUT /v1/config)
 *
 * Services are named by their key "a.b.c.d:port/proto", backends by "a.b.c.d:port".
 */

struct dp;

/**
 * Take charge of a running data plane: the model starts from cfg's services (already
 * validated), published as the first snapshot. 0 or a negative errno with err filled.
 * Main thread, after the workers' contexts exist.
 */
int ctl_init(struct dp *dp, const struct cfg *cfg, struct cfg_error *err);
void ctl_fini(void);

/**
 * Withdraw every VIP (delete the announce interface) for good: the first step of a stop,
 * while the workers still forward what routers send until they notice.
 * @return how many VIPs were announced until then.
 */
unsigned ctl_withdraw_all(void);

/**
 * Periodic upkeep from the main loop, every few milliseconds: what workers learned of
 * neighbours, ARP requests, neighbour ageing, rate sampling, release of the counters of
 * deleted backends whose last conn is gone. Bounded work per call. 1 when the workers had
 * told it something (the next tick should come soon), else 0. Main thread.
 */
int ctl_tick(uint64_t now_ms);

/* Service list, each service with its backends and live counters (see docs/api.md). */
json_t *ctl_services_json(void);
/* One service, or NULL when there is none with that key. */
json_t *ctl_service_json(const char *key);
int ctl_service_add(const struct cfg_service *s, struct cfg_error *err);
/* PUT: replace a service's settings and backend set; established conns to kept backends stay. */
int ctl_service_replace(const char *key, const struct cfg_service *s, struct cfg_error *err);
int ctl_service_del(const char *key, struct cfg_error *err);
/*
 * PATCH: the members of `patch` merged into the service's settings (objects such as
 * `defense` member by member, null back to the default), the result validated and applied
 * as a PUT of it would be.
 */
int ctl_service_patch(const char *key, const json_t *patch, struct cfg_error *err);
/* The node's defense (dataplane.defense) and, in "dropped", what every service refused. */
json_t *ctl_defense_json(void);
/* PATCH /v1/defense: merged into the node's defense as ctl_service_patch() merges. */
int ctl_defense_patch(const json_t *patch, struct cfg_error *err);

json_t *ctl_backends_json(const char *svc_key); /* NULL when no such service */
int ctl_backend_add(const char *svc_key, const struct cfg_backend *b, struct cfg_error *err);
/* PATCH: only the members present in `patch` change ({"weight": N}). */
int ctl_backend_patch(const char *svc_key, const char *be_key, const json_t *patch,
		      struct cfg_error *err);
int ctl_backend_del(const char *svc_key, const char *be_key, struct cfg_error *err);

/* Where a listing of the conns goes on: a family (0: IPv4, 1: IPv6), a worker, a slot. */
struct ctl_conn_cursor {
	unsigned fam, worker;
	uint32_t slot;
};

/* Parse a cursor of ctl_conns_json's `next` ("F.W.S"): 0, or -EINVAL. */
int ctl_conn_cursor_parse(const char *s, struct ctl_conn_cursor *cur);
/*
 * Conns, optionally of one service (svc_key may be NULL), from `from` on (NULL: the start),
 * at most `limit` rows (0 = all); when the limit cuts the list, `next` is the cursor of
 * the rest. The tables are read without locks (conn_snapshot) and the control lock is
 * taken a chunk of slots at a time, so a long listing never holds it for a whole scan.
 */
json_t *ctl_conns_json(const char *svc_key, unsigned limit, const struct ctl_conn_cursor *from);
/* Node counters: workers, ports, drops by reason, conn counts. */
json_t *ctl_stats_json(void);
/* The running configuration as a document cfg_from_json accepts. */
json_t *ctl_config_json(void);
/* Apply a whole document: services are replaced as by PUT; a changed dataplane is -EBUSY. */
int ctl_config_apply(const struct cfg *c, struct cfg_error *err);
/**
 * Re-read the config file at path and apply it as `sluicectl config apply FILE` does (the
 * same validation, then ctl_config_apply()): services change live, a changed dataplane or
 * control part is -EBUSY, a bad file -EINVAL; err says why and nothing has changed.
 * The main thread (on SIGHUP).
 */
int ctl_config_reload(const char *path, struct cfg_error *err);
/* Prometheus text exposition; caller frees. NULL on -ENOMEM. */
char *ctl_metrics_text(void);

#endif
