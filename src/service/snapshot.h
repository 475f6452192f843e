/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_SNAPSHOT_H
#define SLUICE_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_hash.h>

#include "common/addr.h"
#include "common/kinds.h"
#include "common/limits.h"

/*
 * The immutable view of services and backends the workers read. The control thread builds
 * a new one for every change and publishes it with one pointer store; workers pick up the
 * pointer once per burst. The old one is freed after an RCU grace period (rte_rcu_qsbr),
 * when no worker can hold it. Conns never point into a snapshot: they copy what they need,
 * so a backend deleted from the snapshot keeps its established conns flowing.
 */

struct pkt_meta;
struct snap_service;
struct acl; /* defense/acl.h: source lists, built by the control side */

/*
 * A scheduler, as a snapshot's service carries it: one file a scheduler in sched/, listed
 * in sched/sched.c; the control side picks it (sched_get) when it builds the service.
 */
struct sched_ops {
	const char *name;
	/** State for a service of this snapshot; NULL + errno on failure. Control thread. */
	void *(*build)(const struct snap_service *svc, unsigned n_workers);
	void (*free)(void *data);
	/** Index of the chosen backend, or -1 if none takes new conns. Any worker. */
	int (*pick)(const struct snap_service *svc, void *data, unsigned worker,
		    const struct pkt_meta *p);
	/* build's state depends on the scheduler's inputs alone (snapshot_build may hand it
	 * to the next snapshot); 0 for lc and wlc, whose "state" is the service itself */
	uint8_t shareable;
};

#define SNAP_NO_PORT 0xff

/* be_hash's data: 1 + the port a backend is reached through (0: none), and this bit when
 * it serves a NAT service, whose answers come back through the node. */
#define SNAP_BE_PORT_MASK 0xffu
#define SNAP_BE_NAT 0x100u

/* Addresses of either family; an IPv4 one is ::ffff:a.b.c.d, so its .w[3] (common/addr.h). */
struct snap_backend {
	union addr46 addr;  /* of the service's VIP's family */
	union addr46 nh;    /* next hop toward it, resolved when the snapshot was built */
	union addr46 src;   /* mode tun: the outer source toward it (tunnel_source, or the
			     * address of the port it is reached through) */
	uint16_t port;
	uint16_t slot;      /* counters and gauge */
	uint32_t weight;    /* 0: takes no new conns */
	uint32_t max_conns; /* 0: no limit */
	uint8_t out_port;   /* SNAP_NO_PORT when no route */
	uint8_t inhibited;  /* taken out: no new conns */
};

struct snap_service {
	union addr46 vip;
	uint16_t vport;
	uint8_t proto;
	uint8_t mode;          /* enum sl_mode: the service's (NAT64 derived, spec_mode()) */
	uint16_t slot;
	uint8_t hash;          /* enum sl_hash (maglev) */
	uint8_t persist_len6;  /* IPv6: the prefix length of the client bits that share one */
	uint8_t tunnel;        /* mode tun: enum sl_tunnel */
	uint8_t fwd;           /* the mode its conns bind (forward/fwd.c): mode, or its _CA one */
	uint16_t tunnel_port;  /* mode tun, gue: the outer UDP destination port, network order */
	uint32_t persistence;  /* seconds of affinity, 0 = off */
	uint32_t persist_mask; /* IPv4, network order: the client bits that share an affinity */
	uint32_t maglev_size;
	uint8_t client_address; /* enum sl_client_addr, for the _CA modes */
	/* defenses (defense/): what the service's own settings and the node's make of them */
	uint8_t synproxy;      /* TCP in fullnat or nat: SYNs answered by the SYN proxy */
	uint32_t syn_rate;     /* new conns a second, node-wide (defense/rate.h); 0: no limit */
	uint32_t source_rate;  /* the same per client; 0: no limit */
	struct acl *acl;       /* the service's allow/deny lists; NULL: none */
	const struct vs_gauge *gauges; /* the node's backend gauges, by backend slot */
	const struct sched_ops *sched;
	void *sched_data;
	uint32_t n_backends;
	struct snap_backend *backends;
	/* control thread: the owners of a stateful scheduler's sched_data (snapshot.c) */
	struct sched_share *share;
};

/* One table a family: the IPv4 ones take 4-byte addresses, so IPv4 pays nothing for IPv6. */
struct snapshot {
	struct rte_hash *svc_hash;  /* struct svc_key -> index in services[] */
	struct rte_hash *vip_hash;  /* IPv4 VIP address -> any service on it */
	struct rte_hash *be_hash;   /* IPv4 backend address -> 1 + the port it is reached through */
	struct rte_hash *svc6_hash; /* struct svc_key6 -> index in services[] */
	struct rte_hash *vip6_hash; /* the same for IPv6, 16-byte addresses */
	struct rte_hash *be6_hash;
	uint64_t version;
	uint32_t n_services;
	uint32_t sched_reused; /* services that took their scheduler state from the last one */
	struct snap_service *services;
	struct acl *acl; /* the node's allow/deny lists (dataplane.defense); NULL: none */
	/*
	 * How the snapshot frees the ACLs it holds (acl_free), set by whoever hands them over
	 * (snapshot_adopt_acls): service/ builds none itself, and before that the inputs
	 * still own theirs.
	 */
	void (*acl_free)(struct acl *a);
};

struct svc_key {
	uint32_t vip;
	uint16_t port;
	uint8_t proto;
	uint8_t pad;
};

struct svc_key6 {
	uint8_t vip[16];
	uint16_t port;
	uint8_t proto;
	uint8_t pad;
};

/** The service for a destination, or NULL. Workers. */
static inline const struct snap_service *
snap_service_find(const struct snapshot *s, uint32_t vip, uint16_t port, uint8_t proto)
{
	struct svc_key k = { .vip = vip, .port = port, .proto = proto };
	void *data;

	if (rte_hash_lookup_data(s->svc_hash, &k, &data) < 0)
		return NULL;
	return &s->services[(uintptr_t)data];
}

/** The index of the backend with counters slot `slot` in svc, or -1. O(backends). */
static inline int
snap_backend_by_slot(const struct snap_service *svc, uint16_t slot)
{
	uint32_t i;

	for (i = 0; i < svc->n_backends; i++)
		if (svc->backends[i].slot == slot)
			return (int)i;
	return -1;
}

/** The same for an IPv6 destination. Workers. */
static inline const struct snap_service *
snap_service_find6(const struct snapshot *s, const uint8_t vip[16], uint16_t port,
		   uint8_t proto)
{
	struct svc_key6 k = { .port = port, .proto = proto };
	void *data;

	memcpy(k.vip, vip, 16);
	if (rte_hash_lookup_data(s->svc6_hash, &k, &data) < 0)
		return NULL;
	return &s->services[(uintptr_t)data];
}

static inline int
snap_is_vip(const struct snapshot *s, uint32_t addr)
{
	return rte_hash_lookup(s->vip_hash, &addr) >= 0;
}

static inline int
snap_is_vip6(const struct snapshot *s, const uint8_t addr[16])
{
	return rte_hash_lookup(s->vip6_hash, addr) >= 0;
}

/** The port index a backend address is reached through, or -1 when it is no backend's. */
static inline int
snap_backend_port(const struct snapshot *s, uint32_t addr)
{
	void *data;

	if (rte_hash_lookup_data(s->be_hash, &addr, &data) < 0)
		return -1;
	return (int)((uintptr_t)data & SNAP_BE_PORT_MASK) - 1;
}

static inline int
snap_backend_port6(const struct snapshot *s, const uint8_t addr[16])
{
	void *data;

	if (rte_hash_lookup_data(s->be6_hash, addr, &data) < 0)
		return -1;
	return (int)((uintptr_t)data & SNAP_BE_PORT_MASK) - 1;
}

/** Whether addr is a backend of a NAT service (its answers come through the node). */
static inline bool
snap_is_nat_backend(const struct snapshot *s, uint32_t addr)
{
	void *data;

	return rte_hash_lookup_data(s->be_hash, &addr, &data) >= 0 &&
	       ((uintptr_t)data & SNAP_BE_NAT);
}

static inline bool
snap_is_nat_backend6(const struct snapshot *s, const uint8_t addr[16])
{
	void *data;

	return rte_hash_lookup_data(s->be6_hash, addr, &data) >= 0 &&
	       ((uintptr_t)data & SNAP_BE_NAT);
}

/*
 * What a snapshot is built from, one service: `svc` with its own fields (vip, vport, proto,
 * mode, slot, hash, persistence, persist_mask, maglev_size) and its backends' (addr, port,
 * slot, weight, max_conns, inhibited: by the operator or its health check); the snapshot
 * copies them (each backend with its route: out_port and nh, SNAP_NO_PORT for none) and
 * builds the state of its scheduler, svc.sched. The control
 * side makes these from the configuration (control/spec.c).
 */
struct snap_svc_input {
	struct snap_service svc; /* svc.sched: its scheduler's ops (sched_get()) */
};

struct vs_gauge;

/**
 * Build a snapshot. Backends come routed (out_port, nh: the control side looked them up),
 * so workers need no route lookup per new conn; gauges are the node's per-backend-slot
 * gauges the schedulers read. A service whose scheduler's inputs (the scheduler, its
 * table size and hash, each backend's address, port, weight, inhibition and slot) are as
 * in prev, the published snapshot (NULL: none), shares prev's scheduler state instead of
 * building it again: a change to one service of many rebuilds one Maglev table, and rr and
 * wrr keep their place in the sequence. NULL + errno on failure. Control thread.
 */
struct snapshot *snapshot_build(const struct snap_svc_input *in, unsigned n,
				const struct vs_gauge *gauges, unsigned n_workers,
				uint64_t version, const struct snapshot *prev);
void snapshot_free(struct snapshot *s);

/**
 * Hand snapshot s the ACLs of its inputs (in[0..n-1].svc.acl, which it shares since
 * snapshot_build) and the node's, acl (NULL: none): s frees them with free_fn from now on
 * and the inputs' pointers are cleared. Control thread, before s is published.
 */
void snapshot_adopt_acls(struct snapshot *s, struct snap_svc_input *in, unsigned n,
			 struct acl *acl, void (*free_fn)(struct acl *a));

#endif
