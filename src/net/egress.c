/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include <rte_ring.h>

#include "net/egress.h"

#define MISS_EVENT_MS 100 /* one miss event per next hop and worker per this */

void
egress_neigh_event46(struct stage *w, uint8_t type, const union addr46 *ip, uint8_t port,
		     const uint8_t *mac)
{
	struct neigh_event ev = { .ip = *ip, .port = port, .type = type };

	if (type == NEIGH_EV_MISS) {
		/* A flood toward an unresolved hop must not become a flood of events. */
		if (addr46_eq(ip, &w->last_miss) && w->now_ms - w->last_miss_ms < MISS_EVENT_MS)
			return;
		w->last_miss = *ip;
		w->last_miss_ms = w->now_ms;
	}
	if (mac)
		memcpy(ev.mac, mac, sizeof(ev.mac));
	rte_ring_enqueue_elem(w->events, &ev, sizeof(ev));
}
