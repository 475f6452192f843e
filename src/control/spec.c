/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "control/spec.h"
#include "defense/acl.h"
#include "flow/tcp_state.h"
#include "forward/fwd.h"
#include "net/route6.h"
#include "sched/sched.h"

void
spec_dp(const struct cfg *c, const struct rte_ether_addr *macs, const uint16_t *port_ids,
	struct dp_spec *out)
{
	const struct cfg_timeouts *t = &c->timeouts;
	unsigned i;

	memset(out, 0, sizeof(*out));
	out->workers = c->workers;
	out->conn_table_size = c->conn_table_size;
	out->n_ports = c->n_ports;
	for (i = 0; i < c->n_ports; i++) {
		struct dp_port_spec *p = &out->ports[i];

		snprintf(p->name, sizeof(p->name), "%s", c->ports[i].name);
		p->port_id = port_ids[i];
		p->mac = macs[i];
		p->addr = c->ports[i].addr;
		p->prefix_len = c->ports[i].prefix_len;
		p->has_addr6 = c->ports[i].has_addr6;
		p->prefix6_len = c->ports[i].prefix6_len;
		p->addr6 = c->ports[i].addr6;
	}
	out->n_laddrs = c->n_laddrs;
	memcpy(out->laddrs, c->laddrs, sizeof(c->laddrs[0]) * c->n_laddrs);
	out->n_peers = c->n_peers;
	memcpy(out->peers, c->peers, sizeof(c->peers[0]) * c->n_peers);
	/* struct route_spec is cfg_route's twin, member for member. */
	_Static_assert(sizeof(struct route_spec) == sizeof(struct cfg_route) &&
			       offsetof(struct route_spec, depth) ==
				       offsetof(struct cfg_route, depth) &&
			       offsetof(struct route_spec, via) == offsetof(struct cfg_route, via),
		       "route_spec and cfg_route must agree");
	out->n_routes = c->n_routes;
	out->routes = (const struct route_spec *)c->routes;
	/* The timeout keys by conn state; a state with no key uses the closest in spirit. */
	out->timeout_s[TCP_S_NONE] = t->tcp_close;
	out->timeout_s[TCP_S_ESTABLISHED] = t->tcp_established;
	out->timeout_s[TCP_S_SYN_SENT] = t->tcp_syn_sent;
	out->timeout_s[TCP_S_SYN_RECV] = t->tcp_syn_recv;
	out->timeout_s[TCP_S_FIN_WAIT] = t->tcp_fin_wait;
	out->timeout_s[TCP_S_TIME_WAIT] = t->tcp_time_wait;
	out->timeout_s[TCP_S_CLOSE] = t->tcp_close;
	out->timeout_s[TCP_S_CLOSE_WAIT] = t->tcp_close_wait;
	out->timeout_s[TCP_S_LAST_ACK] = t->tcp_last_ack;
	out->timeout_s[TCP_S_LISTEN] = t->tcp_syn_sent;
	out->timeout_s[TCP_S_SYNACK] = t->tcp_syn_recv;
	out->timeout_s[CONN_S_UDP] = t->udp;
	out->lip_quarantine_s = t->lip_quarantine;
}

/*
 * The EAL's file prefix: "sluice" for a node on the default control socket, else
 * "sluice-" and 8 hex digits of the socket path's FNV-1a hash. The socket is unique to a
 * node (a second sluiced on it refuses to start), so the prefix is too, and an operator with
 * one node finds it as `dpdk-telemetry.py -f sluice`.
 */
void
spec_file_prefix(const char *socket, char *out, size_t len)
{
	uint32_t h = 2166136261u;
	const char *p;

	if (strcmp(socket, CFG_DEFAULT_SOCKET) == 0) {
		snprintf(out, len, "sluice");
		return;
	}
	for (p = socket; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	snprintf(out, len, "sluice-%08x", h);
}

void
spec_ports(const struct cfg *c, struct port_set *out)
{
	unsigned i;

	_Static_assert((int)PORT_MEM_AUTO == (int)CFG_MEM_AUTO &&
			       (int)PORT_MEM_HUGEPAGES == (int)CFG_MEM_HUGEPAGES &&
			       (int)PORT_MEM_NO_HUGEPAGES == (int)CFG_MEM_NO_HUGEPAGES,
		       "port_memory and cfg_memory must agree");
	memset(out, 0, sizeof(*out));
	out->workers = c->workers;
	out->memory = (uint8_t)c->memory;
	out->conn_table_size = c->conn_table_size;
	out->n_ports = c->n_ports;
	for (i = 0; i < c->n_ports; i++) {
		struct port_spec *p = &out->ports[i];

		snprintf(p->name, sizeof(p->name), "%s", c->ports[i].name);
		snprintf(p->device, sizeof(p->device), "%s", c->ports[i].device);
		p->addr = c->ports[i].addr;
		p->prefix_len = c->ports[i].prefix_len;
		p->has_addr6 = c->ports[i].has_addr6;
		p->prefix6_len = c->ports[i].prefix6_len;
		p->addr6 = c->ports[i].addr6;
	}
	out->n_routes = c->n_routes;
	out->routes = (const struct route_spec *)c->routes;
	spec_file_prefix(c->socket, out->file_prefix, sizeof(out->file_prefix));
	out->capture = c->capture;
}

/*
 * The data plane's mode of a service: its own, but NAT64 for a fullnat service of an IPv6
 * VIP over IPv4 backends (the config keeps a service's backends of one family).
 */
static uint8_t
spec_mode(const struct cfg_service *s)
{
	if (s->mode == SL_MODE_FULLNAT && !addr46_is_v4(&s->vip) && s->n_backends > 0 &&
	    addr46_is_v4(&s->backends[0].addr))
		return SL_MODE_NAT64;
	return s->mode;
}

/* The mode its conns bind: the service's, or the variant that sends the client address. */
static uint8_t
spec_fwd(const struct cfg_service *s)
{
	uint8_t m = spec_mode(s);

	if (s->client_address == SL_CA_NONE)
		return m;
	return m == SL_MODE_NAT64 ? SL_MODE_NAT64_CA : SL_MODE_FULLNAT_CA;
}

/* A config prefix is what an ACL takes, member for member: the lists go in as they are. */
_Static_assert(sizeof(struct cfg_prefix) == sizeof(struct acl_prefix) &&
		       offsetof(struct cfg_prefix, len) == offsetof(struct acl_prefix, len),
	       "cfg_prefix and acl_prefix agree");

int
spec_acl(const struct cfg_defense *d, struct acl **out)
{
	*out = NULL;
	if (d == NULL || (d->n_allow == 0 && d->n_deny == 0))
		return 0;
	*out = acl_build((const struct acl_prefix *)d->deny, d->n_deny,
			 (const struct acl_prefix *)d->allow, d->n_allow, (int)rte_socket_id());
	return *out != NULL ? 0 : -(errno ? errno : ENOMEM);
}

void
spec_adopt(struct snapshot *s, struct snap_svc_input *in, unsigned n, struct acl *node_acl)
{
	snapshot_adopt_acls(s, in, n, node_acl, acl_free);
}

int
spec_service(const struct cfg_service *s, uint16_t slot, const uint16_t *be_slots,
	     const uint8_t *be_down, const struct dp *dp, const struct cfg_defense *node,
	     struct snap_svc_input *out)
{
	static const struct cfg_defense none;
	struct snap_service *ss = &out->svc;
	struct cfg_defense def;
	struct snap_backend *b;
	struct acl *acl;
	unsigned i;
	int r;

	memset(out, 0, sizeof(*out));
	/* The data plane calls the mode's and the scheduler's ops without looking: both must
	 * be built in. */
	ss->sched = sched_get(s->sched);
	if (fwd_get(spec_fwd(s)) == NULL || ss->sched == NULL)
		return -ENOTSUP;
	r = spec_acl(&s->defense, &acl);
	if (r < 0)
		return r;
	b = calloc(s->n_backends ? s->n_backends : 1, sizeof(*b));
	if (b == NULL) {
		acl_free(acl);
		return -ENOMEM;
	}
	cfg_defense_effective(&s->defense, node != NULL ? node : &none, &def);
	for (i = 0; i < s->n_backends; i++) {
		const struct cfg_backend *cb = &s->backends[i];

		b[i] = (struct snap_backend){
			.addr = cb->addr, .port = cb->port, .slot = be_slots[i],
			.weight = cb->weight, .max_conns = cb->max_conns,
			/* taken out by the operator or by its health check */
			.inhibited = cb->inhibited || (be_down != NULL && be_down[i]),
		};
		/* Routed now, once: routes are fixed while sluiced runs. */
		if (addr46_is_v4(&cb->addr)) {
			uint32_t nh;

			if (route_lookup(dp->routes, cb->addr.w[3], &b[i].out_port, &nh) < 0)
				b[i].out_port = SNAP_NO_PORT;
			else
				b[i].nh = addr46_from_v4(nh);
		} else if (route6_lookup(dp->routes6, &cb->addr, &b[i].out_port, &b[i].nh) < 0) {
			b[i].out_port = SNAP_NO_PORT;
		}
		if (!addr46_is_zero(&s->tunnel_source))
			b[i].src = s->tunnel_source;
		else if (b[i].out_port != SNAP_NO_PORT)
			b[i].src = addr46_is_v4(&cb->addr)
					   ? addr46_from_v4(dp->ports[b[i].out_port].addr)
					   : dp->ports[b[i].out_port].addr6;
	}
	*ss = (struct snap_service){
		.vip = s->vip, .vport = s->port, .proto = s->proto, .mode = spec_mode(s), .slot = slot,
		.fwd = spec_fwd(s), .client_address = s->client_address,
		.hash = s->hash, .persistence = s->persistence,
		.persist_mask = addr46_is_v4(&s->vip) ? addr_prefix_mask(s->persistence_netmask) : 0,
		.persist_len6 = addr46_is_v4(&s->vip) ? 0 : s->persistence_netmask,
		.maglev_size = s->maglev_size, .sched = ss->sched, .n_backends = s->n_backends,
		.tunnel = s->tunnel, .tunnel_port = s->tunnel_port,
		.syn_rate = def.syn_rate, .source_rate = def.source_rate, .acl = acl,
		/* the node's default reaches the services the SYN proxy can serve */
		.synproxy = def.synproxy && s->proto == PROTO_TCP &&
			    (s->mode == SL_MODE_FULLNAT || s->mode == SL_MODE_NAT),
		.backends = b,
	};
	return 0;
}

void
spec_service_free(struct snap_svc_input *in)
{
	free(in->svc.backends);
	in->svc.backends = NULL;
	acl_free(in->svc.acl);
	in->svc.acl = NULL;
}

struct snapshot *
spec_snapshot(const struct dp *dp, const struct cfg_service *svcs, unsigned n,
	      const struct cfg_defense *node, const uint16_t *const *be_slots, uint64_t version)
{
	struct snap_svc_input *in = calloc(n ? n : 1, sizeof(*in));
	struct acl *node_acl = NULL;
	uint16_t *seq = NULL;
	struct snapshot *s = NULL;
	unsigned i, j, total = 0, off = 0;
	int err = ENOMEM;

	for (i = 0; i < n; i++)
		total += svcs[i].n_backends;
	seq = calloc(total ? total : 1, sizeof(*seq));
	if (in == NULL || seq == NULL)
		goto out;
	for (j = 0; j < total; j++)
		seq[j] = (uint16_t)j;
	for (i = 0; i < n; i++) {
		const uint16_t *slots = be_slots ? be_slots[i] : seq + off;

		off += svcs[i].n_backends;
		if (spec_service(&svcs[i], (uint16_t)i, slots, NULL, dp, node, &in[i]) < 0)
			goto out;
	}
	if (spec_acl(node, &node_acl) < 0)
		goto out;
	s = snapshot_build(in, n, dp->be_gauges, dp->n_workers, version, dp->snap);
	err = s ? 0 : errno;
	if (s != NULL)
		spec_adopt(s, in, n, node_acl);
	else
		acl_free(node_acl);
out:
	if (in)
		for (i = 0; i < n; i++)
			spec_service_free(&in[i]);
	free(in);
	free(seq);
	if (s == NULL)
		errno = err;
	return s;
}
