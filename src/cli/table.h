/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_CLI_TABLE_H
#define SLUICE_CLI_TABLE_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

/*
 * sluicectl's human output. The tables keep the shape of ipvsadm's (-Ln, --stats, --rate,
 * -Lnc) so that an operator's eyes and scripts written for LVS find what they expect; the
 * JSON answers they are drawn from are described in docs/api.md. A missing member prints
 * as 0 or "-", never crashes: the CLI may be newer or older than the daemon.
 */

enum table_view {
	TABLE_CONNS = 0, /* ipvsadm -Ln: forward, weight, active/inactive conns, state */
	TABLE_STATS,     /* ipvsadm -Ln --stats: conns, packets, bytes */
	TABLE_RATE,      /* ipvsadm -Ln --rate: per-second rates */
};

/**
 * Print GET /v1/services as an ipvsadm -Ln table.
 * @param services the answer's "services" array
 * @param exact print counters in full instead of scaling large ones to K/M/G/T
 */
void table_services(FILE *f, const json_t *services, enum table_view view, bool exact);

/** Print GET /v1/conns's "conns" array as an ipvsadm -Lnc table, with DPVS's local column. */
void table_conns(FILE *f, const json_t *conns);

/**
 * Print GET /v1/stats: conn counts, workers, ports, then drops by reason.
 * @param all list every drop reason, not only those that counted something
 */
void table_stats(FILE *f, const json_t *stats, bool all);

/** The node's defenses (GET /v1/defense): rates, lists (the first prefixes), drops. */
void table_defense(FILE *f, const json_t *d);

#endif
