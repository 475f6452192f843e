/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_DEFENSE_H
#define SLUICE_DEFENSE_H

#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_hash_crc.h>

#include "common/drop.h"
#include "defense/acl.h"
#include "defense/rate.h"
#include "net/dp.h"
#include "packet/stage.h"
#include "service/snapshot.h"

/*
 * The gate a new conn passes before a backend is picked for it (worker/pipeline.c,
 * pipeline6.c), in the order that costs least under attack: the node's ACL, the service's,
 * then the client's source_rate and the service's syn_rate. Only a packet that can open a
 * conn (a SYN, a UDP datagram of no conn) gets here: packets of existing conns never pay
 * for it, and a conn that opened stays open when a list or a rate changes later.
 */

/* Count a refusal for the service in counters slot svc. */
static inline void
defense_count(struct stage *w, uint16_t svc, unsigned reason)
{
	struct vs_defense *d = dp_svc_defense(w->dp, w->id, svc);

	if (reason == DROP_acl_denied || reason == DROP_acl_not_allowed)
		d->acl++;
	else if (reason == DROP_syn_rate)
		d->syn_rate++;
	else if (reason == DROP_source_rate)
		d->source_rate++;
	else if (reason == DROP_tcp_rst_out_of_window || reason == DROP_tcp_syn_out_of_window)
		d->out_of_window++;
}

/* The rates, after the lists passed (acl_reason 0); src_key: the client as source_rate
 * counts it. */
static inline unsigned
defense_admit(struct stage *w, const struct snap_service *svc, unsigned acl_reason,
	      uint32_t src_key)
{
	unsigned r = acl_reason;

	if (r == 0 && (svc->syn_rate | svc->source_rate) != 0)
		r = rate_admit(w->rates, w->now_ms, w->dp->n_workers, svc->slot, svc->syn_rate,
			       svc->source_rate, src_key);
	if (unlikely(r != 0))
		defense_count(w, svc->slot, r);
	return r;
}

/** The node's and the service's lists on IPv4 source src: 0, or the reason, counted. */
static inline unsigned
defense_acl4(struct stage *w, const struct snapshot *snap, const struct snap_service *svc,
	     uint32_t src)
{
	unsigned r = 0;

	if (snap->acl != NULL)
		r = acl_check4(snap->acl, src);
	if (r == 0 && svc->acl != NULL)
		r = acl_check4(svc->acl, src);
	if (unlikely(r != 0))
		defense_count(w, svc->slot, r);
	return r;
}

static inline unsigned
defense_acl6(struct stage *w, const struct snapshot *snap, const struct snap_service *svc,
	     const uint8_t src[16])
{
	unsigned r = 0;

	if (snap->acl != NULL)
		r = acl_check6(snap->acl, src);
	if (r == 0 && svc->acl != NULL)
		r = acl_check6(svc->acl, src);
	if (unlikely(r != 0))
		defense_count(w, svc->slot, r);
	return r;
}

/**
 * Whether a new conn to svc from IPv4 source src (network order) may open: 0, or the drop
 * reason, counted for the service. Worker.
 */
static inline unsigned
defense_admit4(struct stage *w, const struct snapshot *snap, const struct snap_service *svc,
	       uint32_t src)
{
	unsigned r = defense_acl4(w, snap, svc, src);

	return r != 0 ? r : defense_admit(w, svc, 0, src);
}

/**
 * The same for an IPv6 source; source_rate counts a client by its /64 (one host's
 * addresses, which it may change at will). Worker.
 */
static inline unsigned
defense_admit6(struct stage *w, const struct snapshot *snap, const struct snap_service *svc,
	       const uint8_t src[16])
{
	unsigned r = defense_acl6(w, snap, svc, src);

	return r != 0 ? r : defense_admit(w, svc, 0, (uint32_t)rte_hash_crc(src, 8, 0));
}

#endif
