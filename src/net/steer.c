/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>

#include "net/steer.h"

void
steer_rule_build(struct steer_rule *r, const union addr46 *lip, uint8_t proto, uint16_t worker,
		 uint16_t worker_mask)
{
	int v4 = addr46_is_v4(lip);

	memset(r, 0, sizeof(*r));
	r->attr.ingress = 1;
	r->pattern[0].type = RTE_FLOW_ITEM_TYPE_ETH; /* any Ethernet header */
	if (v4) {
		r->ip_spec.v4.hdr.dst_addr = lip->w[3]; /* network order */
		r->ip_mask.v4.hdr.dst_addr = UINT32_MAX;
		r->pattern[1].type = RTE_FLOW_ITEM_TYPE_IPV4;
	} else {
		memcpy(r->ip_spec.v6.hdr.dst_addr, lip->b, 16);
		memset(r->ip_mask.v6.hdr.dst_addr, 0xff, 16);
		r->pattern[1].type = RTE_FLOW_ITEM_TYPE_IPV6;
	}
	r->pattern[1].spec = &r->ip_spec;
	r->pattern[1].mask = &r->ip_mask;
	/* The owner is in the destination port's low bits: only those are matched. */
	if (proto == IPPROTO_TCP) {
		r->l4_spec.tcp.hdr.dst_port = rte_cpu_to_be_16(worker);
		r->l4_mask.tcp.hdr.dst_port = rte_cpu_to_be_16(worker_mask);
		r->pattern[2].type = RTE_FLOW_ITEM_TYPE_TCP;
	} else {
		r->l4_spec.udp.hdr.dst_port = rte_cpu_to_be_16(worker);
		r->l4_mask.udp.hdr.dst_port = rte_cpu_to_be_16(worker_mask);
		r->pattern[2].type = RTE_FLOW_ITEM_TYPE_UDP;
	}
	r->pattern[2].spec = &r->l4_spec;
	r->pattern[2].mask = &r->l4_mask;
	r->pattern[3].type = RTE_FLOW_ITEM_TYPE_END;
	r->queue.index = worker;
	r->actions[0].type = RTE_FLOW_ACTION_TYPE_QUEUE;
	r->actions[0].conf = &r->queue;
	r->actions[1].type = RTE_FLOW_ACTION_TYPE_END;
}

/* The device's refusal in st, as the stats show it. */
static void
refused(struct steer_state *st, const char *what, int rc, const struct rte_flow_error *e)
{
	const char *err = strerror(-rc);
	/* the PMD's message, when it says more than the errno does */
	bool more = e->message != NULL && strcmp(e->message, err) != 0;

	st->mode = STEER_SOFTWARE;
	st->rules = 0;
	snprintf(st->reason, sizeof(st->reason), "%s: %s%s%s", what, err, more ? ": " : "",
		 more ? e->message : "");
}

/* Validate (create 0) or create every rule, one per LIP, worker and protocol; on the first
 * refusal say why in st and stop. 0 when all went through. */
static int
each_rule(uint16_t port_id, const union addr46 *lips, unsigned n_lips, unsigned n_workers,
	  uint16_t worker_mask, int create, struct steer_state *st)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	struct rte_flow_error e;
	struct steer_rule r;
	unsigned l, w, p;
	int rc;

	for (l = 0; l < n_lips; l++)
		for (w = 0; w < n_workers; w++)
			for (p = 0; p < RTE_DIM(protos); p++) {
				steer_rule_build(&r, &lips[l], protos[p], (uint16_t)w, worker_mask);
				memset(&e, 0, sizeof(e));
				if (!create) {
					rc = rte_flow_validate(port_id, &r.attr, r.pattern, r.actions,
							       &e);
				} else if (rte_flow_create(port_id, &r.attr, r.pattern, r.actions,
							   &e) != NULL) {
					st->rules++;
					rc = 0;
				} else {
					rc = rte_errno > 0 ? -rte_errno : -EIO;
				}
				if (rc < 0) {
					refused(st, create ? "rte_flow_create" : "rte_flow_validate", rc,
						&e);
					return rc;
				}
			}
	return 0;
}

int
steer_install(uint16_t port_id, const union addr46 *lips, unsigned n_lips, unsigned n_workers,
	      uint16_t worker_mask, struct steer_state *st)
{
	memset(st, 0, sizeof(*st));
	if (n_workers < 2 || n_lips == 0)
		return 0;
	/* Every rule validated first: a device takes all of them or none is made. */
	if (each_rule(port_id, lips, n_lips, n_workers, worker_mask, 0, st) < 0)
		return 0;
	if (each_rule(port_id, lips, n_lips, n_workers, worker_mask, 1, st) < 0) {
		/* Validated but refused (a table full, a kernel without the classifier): none
		 * or all, so the hand-off sees every reply. */
		rte_flow_flush(port_id, &(struct rte_flow_error){ 0 });
		return 0;
	}
	st->mode = STEER_FLOW;
	return st->rules;
}

const char *
steer_mode_name(uint8_t mode)
{
	switch (mode) {
	case STEER_SOFTWARE:
		return "software";
	case STEER_FLOW:
		return "rte_flow";
	default:
		return "none";
	}
}
