/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_SPEC_H
#define SLUICE_SPEC_H

#include <stdint.h>

#include <rte_ether.h>

#include "config/config-t.h"
#include "net/port.h"
#include "service/snapshot.h"
#include "worker/dp_build.h"

/*
 * From the configuration model to what the data plane is built from: the node (dp_spec)
 * and each service (snap_svc_input). The data plane never reads a config type; this is
 * the one place that knows both (sluiced, the control core, the fixtures, the benchmark).
 */

/**
 * The node of c: macs[i] and port_ids[i] are c->ports[i]'s. The spec's routes point into
 * c->routes, so c must outlive dp_create(). Any thread.
 */
void spec_dp(const struct cfg *c, const struct rte_ether_addr *macs, const uint16_t *port_ids,
	     struct dp_spec *out);

/** The ports of c, for the EAL, ethdev and the kernel twins. Routes point into c. Any thread. */
void spec_ports(const struct cfg *c, struct port_set *out);

/**
 * The EAL's --file-prefix for a node on control socket `socket` ("sluice" on the default
 * socket, else "sluice-" + 8 hex digits of its hash) into out. Any thread.
 */
void spec_file_prefix(const char *socket, char *out, size_t len);

/**
 * Service s with counters slot `slot`, its backends' slots be_slots[] and be_down[] (1: its
 * health check holds it down; NULL: none), each backend routed through dp's routes of its
 * family, its defenses over the node's (node; NULL: none). out->svc.backends and
 * out->svc.acl are allocated: free them with spec_service_free() unless a snapshot adopted
 * the ACL (spec_adopt()). 0, -ENOTSUP (its mode is not built in), -ENOMEM or -EINVAL (an
 * ACL rte_acl refused). Control thread (rte_acl contexts are made).
 */
int spec_service(const struct cfg_service *s, uint16_t slot, const uint16_t *be_slots,
		 const uint8_t *be_down, const struct dp *dp, const struct cfg_defense *node,
		 struct snap_svc_input *out);
void spec_service_free(struct snap_svc_input *in);

/**
 * The ACL of defense d's allow and deny lists into *out (NULL when both are empty). 0 or a
 * negative errno. Control thread.
 */
int spec_acl(const struct cfg_defense *d, struct acl **out);

/**
 * Give snapshot s (just built from in[0..n)) the services' ACLs and the node's, node_acl:
 * s frees them from now on. Control thread.
 */
void spec_adopt(struct snapshot *s, struct snap_svc_input *in, unsigned n,
		struct acl *node_acl);

/**
 * A snapshot of services svcs[0..n) for dp, service i in counters slot i; be_slots[i] the
 * slots of service i's backends, or be_slots NULL for slots 0.. in order over all of them.
 * No health check holds any down; node: the node's defenses (NULL: none). What the fixtures, the fuzzer and the benchmark publish
 * (the control core builds its own, with its slots and health). NULL + errno. Control.
 */
struct snapshot *spec_snapshot(const struct dp *dp, const struct cfg_service *svcs, unsigned n,
			       const struct cfg_defense *node, const uint16_t *const *be_slots,
			       uint64_t version);

#endif
