/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_DP_BUILD_H
#define SLUICE_DP_BUILD_H

#include <stdint.h>

#include <rte_ether.h>

#include "common/addr.h"
#include "common/limits.h"
#include "flow/tcp_state.h"
#include "net/dp.h"
#include "net/route.h"

/* A port as the data plane takes it: its DPDK id and MAC, its address and subnet. */
struct dp_port_spec {
	char name[SL_NAME_MAX];
	uint16_t port_id;
	struct rte_ether_addr mac;
	uint32_t addr; /* network order */
	uint8_t prefix_len;
	uint8_t has_addr6;
	uint8_t prefix6_len;
	union addr46 addr6;
};

/*
 * What a node is built from. The control side makes it from the configuration
 * (control/spec.c), so the data plane never reads a config type.
 */
struct dp_spec {
	unsigned workers;          /* 1..SL_MAX_WORKERS */
	uint32_t conn_table_size;  /* conns of the node, split over the workers */
	unsigned n_ports;
	struct dp_port_spec ports[SL_MAX_PORTS];
	unsigned n_laddrs;
	union addr46 laddrs[SL_MAX_LADDRS]; /* both families: IPv4 LIPs and IPv6 LIPs */
	unsigned n_peers;
	union addr46 peers[SL_MAX_PEERS]; /* each inside a port's subnet of its family */
	unsigned n_routes;
	const struct route_spec *routes; /* both families; read during dp_create only */
	uint32_t timeout_s[CONN_S_MAX];  /* idle timeout of each conn state, seconds */
	uint32_t lip_quarantine_s;       /* how long a closed (LIP, port, backend) rests */
};

/**
 * Build the node. Creates the workers' contexts too (conn tables, LIP pools, rings), sized
 * from the spec. NULL + errno. Main thread, after rte_eal_init().
 */
struct dp *dp_create(const struct dp_spec *spec);
void dp_free(struct dp *dp);

/** Publish a snapshot, wait for the workers to let go of the old one, free it. Control. */
void dp_publish(struct dp *dp, struct snapshot *s);

#endif
