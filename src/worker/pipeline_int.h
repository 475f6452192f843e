/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_PIPELINE_INT_H
#define SLUICE_PIPELINE_INT_H

#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "flow/conn.h"
#include "net/dp.h"
#include "packet/pkt6.h"
#include "packet/stage.h"
#include "service/gauge.h"
#include "service/snapshot.h"

/*
 * What the IPv4 path (pipeline.c) and the IPv6 one (pipeline6.c) share: a conn's gauge
 * and counters, and what ends it. Inside worker/ only.
 */

static inline enum gauge_kind
conn_gauge(uint8_t state)
{
	return state == TCP_S_ESTABLISHED ? GAUGE_ACTIVE : GAUGE_INACTIVE;
}

static inline void
conn_account(struct stage *w, const struct conn *c, enum conn_dir dir, uint32_t bytes)
{
	struct vs_counters *sc = dp_svc_counters(w->dp, w->id, c->svc_slot);
	struct vs_counters *bc = dp_be_counters(w->dp, w->id, c->be_slot);

	if (dir == CONN_DIR_IN) {
		sc->in_pkts++, bc->in_pkts++;
		sc->in_bytes += bytes, bc->in_bytes += bytes;
	} else {
		sc->out_pkts++, bc->out_pkts++;
		sc->out_bytes += bytes, bc->out_bytes += bytes;
	}
}

static inline int
tcp_is_syn_only(uint8_t flags)
{
	return (flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG |
			 RTE_TCP_FIN_FLAG)) == RTE_TCP_SYN_FLAG;
}

/** Give back what conn c holds (its mode's resources, its gauge place) as it ends. Worker. */
void pipeline_conn_release(struct stage *w, struct conn *c);

/**
 * An IPv6 frame (its EtherType read, its MACs checked): parsed to its L4 header, checked,
 * neighbour discovery and echo handled (net/nd.c). 1 when it is TCP or UDP for the conn
 * stage (p6 filled, pipeline6_l4 takes it), 0 when m was consumed. Worker.
 */
int pipeline6_input(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
		    const struct pkt_meta *p, struct pkt6_meta *p6);

/**
 * The conn stage of a burst's IPv6 TCP and UDP packets (n <= STAGE_BURST), in order: one
 * bulk lookup in the IPv6 conn table, then each packet's conn or new conn, as for IPv4.
 * Consumes them. Worker.
 */
void pipeline6_l4(struct stage *w, const struct snapshot *snap, struct rte_mbuf **pkts,
		  struct pkt6_meta *meta, unsigned n);

#endif
