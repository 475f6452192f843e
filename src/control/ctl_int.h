/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_CTL_INT_H
#define SLUICE_CTL_INT_H

#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>
#include <rte_ethdev.h>

#include "config/config.h"
#include "control/announce.h"
#include "control/health.h"
#include "net/dp.h"
#include "net/port_kstats.h"

/*
 * State shared by the two halves of the control core: ctl.c (changes) and ctl_view.c
 * (what the API reads). Everything is under `lock`.
 */

enum slot_state { SLOT_FREE = 0, SLOT_USED, SLOT_DRAINING };

/* Who a counters slot belongs to, so a backend deleted and added back finds its own. */
struct slot_owner {
	union addr46 vip;
	uint16_t vport;
	uint8_t proto;
	uint8_t state; /* enum slot_state */
	union addr46 addr; /* backend address, all 0 for a service slot */
	uint16_t port;
};

struct rate {
	double cps, in_pps, out_pps, in_bps, out_bps;
};

struct ctl_svc {
	struct cfg_service cfg;
	uint16_t slot;
	uint16_t *be_slots;
};

struct ctl_state {
	pthread_mutex_t lock;
	struct dp *dp;
	struct cfg cfg; /* the running config (its defense too); its services are in svcs[] */
	struct health *health;
	struct announce *announce; /* NULL when control.announce_interface is false */
	bool health_dirty;         /* a state changed that no snapshot has yet */
	bool neigh_full_logged[2];    /* the neighbour tables' refusals were logged (v4, v6) */
	bool neigh_refused_logged[2];
	uint32_t csum_logged;        /* ports whose partial checksums were logged, a bit each */
	uint64_t lip_exhausted_seen; /* the LIP-exhausted count last logged */
	uint64_t lip_logged_ms;      /* when it was logged */
	uint64_t last_recommit_ms;
	unsigned n_svcs;
	struct ctl_svc *svcs;
	uint64_t version;
	time_t started;
	struct slot_owner svc_slots[STATS_SVC_SLOTS];
	struct slot_owner be_slots[STATS_BE_SLOTS];
	/* rates: the counters at the last sample and what they became per second */
	uint64_t last_sample_ms;
	struct vs_totals svc_prev[STATS_SVC_SLOTS], be_prev[STATS_BE_SLOTS];
	struct rate svc_rate[STATS_SVC_SLOTS], be_rate[STATS_BE_SLOTS];
	uint64_t busy_prev[SL_MAX_WORKERS];   /* the workers' cycles_busy at the last sample */
	uint64_t cpu_prev_ns[SL_MAX_WORKERS]; /* their threads' CPU time then */
	uint64_t last_sample_tsc;
	double busy_pct[SL_MAX_WORKERS];      /* share of the TSC spent on packets */
	double cpu_pct[SL_MAX_WORKERS];       /* the thread's CPU time over wall time */
	struct port_kstats kstats[SL_MAX_PORTS]; /* what the kernel lost before the PMD */
};

extern struct ctl_state g_ctl;

/** A slot's counters summed over the workers, with its gauge. */
void ctl_sum(const struct vs_counters *base, size_t stride, const struct vs_gauge *gauges,
	     uint16_t slot, unsigned n_workers, struct vs_totals *out);

static inline void
ctl_svc_sum(uint16_t slot, struct vs_totals *out)
{
	ctl_sum(g_ctl.dp->svc_stats, STATS_SVC_SLOTS, g_ctl.dp->svc_gauges, slot,
		g_ctl.dp->n_workers, out);
}

static inline void
ctl_be_sum(uint16_t slot, struct vs_totals *out)
{
	ctl_sum(g_ctl.dp->be_stats, STATS_BE_SLOTS, g_ctl.dp->be_gauges, slot,
		g_ctl.dp->n_workers, out);
}

/** Whether a backend of s can take new conns as far as operator and health go. */
static inline bool
ctl_be_available(const struct cfg_service *s, const struct cfg_backend *b)
{
	return b->weight > 0 && !b->inhibited && health_usable(g_ctl.health, s, b);
}

/** The service of a key "a.b.c.d:port/proto", or NULL. */
struct ctl_svc *ctl_find(const char *key);

/* ctl_defense.c: what service slot `slot` refused, summed over the workers, and as JSON. */
void ctl_defense_sum(uint16_t slot, struct vs_defense *out);
json_t *ctl_defense_drops_json(const struct vs_defense *d);
/* The SYN proxy's counters of d: syn_answered, opened, bad_cookie, backend_silent. */
json_t *ctl_synproxy_json(const struct vs_defense *d);
/* The client address's counters of d: PROXY headers (and those split), TOA added/skipped. */
json_t *ctl_client_addr_json(const struct vs_defense *d);
/* ctl_defense_json() with g_ctl.lock held. */
json_t *ctl_defense_view(void);

/* A port's traffic and losses (ctl_ports.c). */
struct ctl_port_loss {
	struct rte_eth_stats es;
	struct port_kstats k;
	uint64_t tx_full, csum_partial;
	uint64_t rx_dropped; /* every loss on the way in: es.imissed + ierrors + rx_nombuf + k's */
	uint64_t tx_dropped;
};

/** Bring g_ctl.kstats up to date from the kernel. Control thread, lock held. */
void ctl_kstats_poll(void);
/** Port p's counters and losses. Control thread, lock held. */
void ctl_port_loss(unsigned p, struct ctl_port_loss *l);
/** The "ports" array of the stats. Control thread, lock held. */
json_t *ctl_ports_json(void);
/** The ports' Prometheus families. Control thread, lock held. */
void ctl_ports_metrics(FILE *f);


/* The working copy a change edits: deep copies of the model's services (ctl.c). */
struct ctl_model {
	unsigned n;
	struct cfg_service *s;
	struct cfg_defense def; /* the node's (dataplane.defense) */
};

void ctl_model_free(struct ctl_model *m);
/** A deep copy of the model with room for one more service. 0 or -ENOMEM. */
int ctl_model_dup(struct ctl_model *m);
/** Make m the model: slots, snapshot, publish, health. 0, or an error with err filled and
 * nothing changed (m is the caller's still). */
int ctl_commit(struct ctl_model *m, struct cfg_error *err);
/** ctl_commit(), freeing m when it fails. */
int ctl_commit_or_free(struct ctl_model *m, struct cfg_error *err);
/** ctl_service_replace() with g_ctl.lock held. */
int ctl_service_replace_locked(const char *key, const struct cfg_service *s,
			       struct cfg_error *err);
/** Fill err (when not NULL) with a field and a message. */
void ctl_set_err(struct cfg_error *err, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ctl_svc_match(const struct cfg_service *s, const union addr46 *vip, uint16_t port,
		  uint8_t proto);
/** The index of backend addr:port in s, or -1. */
int ctl_be_find(const struct cfg_service *s, const union addr46 *addr, uint16_t port);

#endif
