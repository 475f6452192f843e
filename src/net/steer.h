/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_STEER_H
#define SLUICE_STEER_H

#include <stdint.h>

#include <rte_flow.h>

#include "common/addr.h"

/*
 * Replies of FULLNAT conns steered to the worker that owns them, in the NIC. A conn's LIP
 * port says its worker (forward/laddr.h: port & worker_mask); one rte_flow rule per LIP,
 * worker and protocol sends the backends' answers to that worker's RX queue, so no worker
 * hands them over in software. A device that takes no such rule (every virtual device
 * here: rte_flow_validate says so) keeps the software hand-off, which stays in place in
 * any case for what a rule misses; the port's stats say which it is and why.
 */

enum steer_mode {
	STEER_NONE = 0,  /* one worker: nothing to steer */
	STEER_SOFTWARE,  /* the device took no rule: workers hand replies over */
	STEER_FLOW,      /* rte_flow rules, one per LIP, worker and protocol */
};

struct steer_state {
	uint8_t mode;          /* enum steer_mode */
	uint16_t rules;        /* rules in place (STEER_FLOW) */
	char reason[128];      /* STEER_SOFTWARE: what the device said */
};

/* One rule's pattern and actions, the storage they point into beside them. */
struct steer_rule {
	struct rte_flow_attr attr;
	struct rte_flow_item pattern[4];
	struct rte_flow_action actions[2];
	union {
		struct rte_flow_item_ipv4 v4;
		struct rte_flow_item_ipv6 v6;
	} ip_spec, ip_mask;
	union {
		struct rte_flow_item_tcp tcp;
		struct rte_flow_item_udp udp;
	} l4_spec, l4_mask;
	struct rte_flow_action_queue queue;
};

/**
 * Fill r: ingress packets to lip (its family's IP item), protocol proto (IPPROTO_TCP or
 * IPPROTO_UDP), whose destination port & worker_mask is worker, go to RX queue worker.
 * r must not move afterwards (its items point into it). Any thread.
 */
void steer_rule_build(struct steer_rule *r, const union addr46 *lip, uint8_t proto,
		      uint16_t worker, uint16_t worker_mask);

/**
 * Probe port_id with rte_flow_validate and, when it takes every rule, create one per LIP,
 * worker and protocol; on the first refusal remove what was made and say why in st
 * (STEER_SOFTWARE). n_workers 1: STEER_NONE, no rule. Main thread, the port started.
 * @return the number of rules in place.
 */
int steer_install(uint16_t port_id, const union addr46 *lips, unsigned n_lips,
		  unsigned n_workers, uint16_t worker_mask, struct steer_state *st);

/** The name of st's mode for the stats: "none", "software", "rte_flow". */
const char *steer_mode_name(uint8_t mode);

#endif
