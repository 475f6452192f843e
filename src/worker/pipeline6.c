/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include <rte_hash_crc.h>
#include <rte_prefetch.h>

#include "defense/defense.h"
#include "defense/sanity.h"
#include "flow/conn.h"
#include "forward/fwd.h"
#include "forward/fwd_icmp.h"
#include "forward/laddr.h"
#include "forward/peer.h"
#include "net/dp.h"
#include "net/egress.h"
#include "net/nd.h"
#include "net/neigh.h"
#include "net/route6.h"
#include "packet/pkt6.h"
#include "sched/sched.h"
#include "service/persist.h"
#include "worker/pipeline_int.h"

/*
 * The IPv6 path: as pipeline.c for IPv4, over the worker's IPv6 conn table (struct stage
 * ct6, keys struct conn_key6, addresses beside the conns) and the modes' IPv6 ops.
 */

/* 32 bits of an IPv6 address for what keys on 32 (schedulers' hashes, affinity). */
static inline uint32_t
addr6_fold(const uint8_t a[16])
{
	return rte_hash_crc(a, 16, 0);
}

/*
 * What of IPv6 is the node's own goes to the port's kernel twin, which has the port's IPv6
 * address: packets to that address (TCP, UDP, ICMPv6 sluiced does not answer: BGP, SSH,
 * health-check answers), to a link-local address of the link, and neighbour discovery the
 * twin's kernel takes part in (its link-local address, advertisements answering its
 * solicitations). The rest is for no address of ours: not_for_us, or nd_ignored.
 */
static void
ipv6_to_kernel(struct stage *w, struct rte_mbuf *m, const struct pkt6_meta *p6)
{
	int nd = 0;

	if (p6->key.proto == IP6_ICMPV6) {
		uint8_t type = *rte_pktmbuf_mtod_offset(m, uint8_t *, p6->l4_off);

		nd = type >= ND_FIRST && type <= ND_LAST;
	}
	if (egress_to_kernel6(w, p6->in_port, p6->key.daddr, nd, m) < 0)
		stage_drop(w, m, nd ? DROP_nd_ignored : DROP_not_for_us);
}

/*
 * Drop m, which could not be forwarded; a hop limit that ran out is answered with ICMPv6
 * time exceeded, as a router does (RFC 4443 3.3), so traceroute6 shows the node.
 */
static inline void
pipeline6_drop(struct stage *w, struct rte_mbuf *m, const struct pkt6_meta *p, unsigned reason)
{
	if (reason == DROP_ttl_exceeded)
		icmp6_send_error(w, m, p, ICMP6_TIME_EXCEEDED, 0, 0);
	stage_drop(w, m, reason);
}

/* A packet of an existing IPv6 conn: state, deadline, counters, then the mode's xmit6. */
static inline void
conn6_packet(struct stage *w, struct conn *c, enum conn_dir dir, struct rte_mbuf *m,
	     struct pkt6_meta *p)
{
	int r;

	if (unlikely(c->flags & CONN_F_SYNPROXY)) {
		r = pipeline_sp_before(w, w->ct6, c, dir, m, p->l4_off, p->ip_len);
		if (r != 0) {
			if (r > 0)
				pipeline6_drop(w, m, p, (unsigned)r);
			return;
		}
	}
	r = (int)conn_touch(w, w->ct6, c, dir, m, p->l4_off, p->tcp_flags, p->ip_len);
	if (likely(r == 0)) {
		if (unlikely(c->flags & CONN_F_SYNPROXY) && dir == CONN_DIR_OUT)
			pipeline_sp_after(w->ct6, c, m, p->l4_off);
		r = fwd_of(c)->xmit6[dir](w, c, m, p);
	}
	if (unlikely(r))
		pipeline6_drop(w, m, p, (unsigned)r);
}

/*
 * The backend of a new IPv6 conn, as conn_schedule() in pipeline.c. The schedulers hash
 * an IPv4-shaped flow key: the addresses are folded to 32 bits each (the same fold on
 * every node, so sh and maglev agree across the cluster); affinity keys on the fold of
 * the client's persistence prefix.
 */
static inline int
conn6_schedule(struct stage *w, const struct snap_service *svc, const struct pkt6_meta *p)
{
	struct pkt_meta f = { .kind = PKT_IPV6, .in_port = p->in_port, .tcp_flags = p->tcp_flags };
	union addr46 src;

	f.key.saddr = addr6_fold(p->key.saddr);
	f.key.daddr = addr6_fold(p->key.daddr);
	f.key.sport = p->key.sport;
	f.key.dport = p->key.dport;
	f.key.proto = p->key.proto;
	if (svc->persistence == 0)
		return svc->sched->pick(svc, svc->sched_data, w->id, &f);
	/* never IPv4-mapped (sanity_source6), so masked as IPv6 */
	memcpy(src.b, p->key.saddr, 16);
	src = addr46_masked(&src, svc->persist_len6);
	return conn_pick_bound(w, svc, addr6_fold(src.b), &f);
}

/* Whether the first packet of a new IPv6 conn can leave now, as conn_can_send(). */
static inline unsigned
conn6_can_send(struct stage *w, const struct fwd_ops *fwd, const struct snap_backend *be,
	       struct rte_mbuf *m, const struct pkt6_meta *p, uint8_t *c_port,
	       union addr46 *c_nh)
{
	const struct dp *dp = w->dp;
	struct rte_ether_addr mac;
	union addr46 src;

	if (!fwd->one_way) {
		if (unlikely(pkt_ip6(m)->hop_limits <= 1))
			return DROP_ttl_exceeded;
		memcpy(src.b, p->key.saddr, 16);
		if (unlikely(route6_lookup(dp->routes6, &src, c_port, c_nh) < 0))
			return DROP_no_route;
	}
	if (unlikely(be->out_port == SNAP_NO_PORT))
		return DROP_no_route;
	/* an IPv4 backend's next hop (NAT64) is in the IPv4 table */
	if (unlikely(addr46_is_v4(&be->nh) ? neigh_lookup(dp->neigh, be->nh.w[3], &mac) < 0
					   : neigh_lookup6(dp->neigh6, be->nh.b, &mac) < 0)) {
		egress_neigh_event46(w, NEIGH_EV_MISS, &be->nh, be->out_port, NULL);
		return DROP_neigh_unresolved;
	}
	if (fwd->one_way) {
		*c_port = p->in_port;
		memset(c_nh, 0, sizeof(*c_nh));
		return 0;
	}
	if (unlikely(neigh_lookup6(dp->neigh6, c_nh->b, &mac) < 0)) {
		egress_neigh_event46(w, NEIGH_EV_MISS, c_nh, *c_port, NULL);
		if (*c_port == p->in_port)
			neigh_hint_put6(w->hints, c_nh->b, *c_port, &pkt_eth(m)->src_addr,
					w->now_ms);
	}
	return 0;
}

struct conn *
pipeline_conn6_open(struct stage *w, const struct snapshot *snap,
		    const struct snap_service *svc, struct rte_mbuf *m, struct pkt6_meta *p)
{
	const struct snap_backend *be;
	const struct fwd_ops *fwd;
	struct conn6_addrs *a;
	struct conn_key6 kout;
	union addr46 c_nh;
	struct conn *c;
	uint8_t c_port;
	unsigned r;
	int i;

	r = defense_admit6(w, snap, svc, p->key.saddr);
	if (unlikely(r)) {
		stage_drop(w, m, r);
		return NULL;
	}
	i = conn6_schedule(w, svc, p);
	if (unlikely(i < 0)) {
		stage_drop(w, m, DROP_no_backend);
		return NULL;
	}
	be = &svc->backends[i];
	fwd = fwd_modes[svc->fwd]; /* checked when the snapshot was built */
	r = conn6_can_send(w, fwd, be, m, p, &c_port, &c_nh);
	if (unlikely(r)) {
		pipeline6_drop(w, m, p, r);
		return NULL;
	}
	c = conn_alloc(w->ct6);
	if (unlikely(c == NULL)) {
		stage_drop(w, m, DROP_conn_table_full);
		return NULL;
	}
	a = conn6_addrs(w->ct6, c);
	memcpy(a->caddr, p->key.saddr, 16);
	memcpy(a->vaddr, p->key.daddr, 16);
	memcpy(a->daddr, be->addr.b, 16);
	memcpy(a->c_nh, c_nh.b, 16);
	memcpy(a->out_nh, be->nh.b, 16);
	c->cport = p->key.sport;
	c->vport = p->key.dport;
	c->dport = be->port;
	c->proto = p->key.proto;
	c->mode = svc->fwd;
	r = fwd->conn_init6 ? fwd->conn_init6(w, c, svc, be) : DROP_unsupported_l3;
	if (unlikely(r)) {
		conn_abandon(w->ct6, c);
		stage_drop(w, m, r);
		return NULL;
	}
	conn_settle(w, c, svc, be, c_port, m, p->l4_off, p->tcp_flags, p->ip_len);
	if (unlikely(conn6_insert(w->ct6, c, fwd->out_key6(w, c, &kout) ? &kout : NULL,
				  w->now) < 0)) {
		stage_drop(w, m, DROP_conn_table_full);
		return NULL;
	}
	conn_created(w, c, p->ip_len);
	return c;
}

/* A new IPv6 conn to svc for m, its first packet: the conn, or NULL when none was made. */
static struct conn *
conn6_new(struct stage *w, const struct snapshot *snap, const struct snap_service *svc,
	  struct rte_mbuf *m, struct pkt6_meta *p)
{
	struct conn *c;
	unsigned r;
	int i;

	if (p->key.proto == PROTO_TCP && !tcp_is_syn_only(p->tcp_flags)) {
		r = peer_pass(w, m, true); /* perhaps another node's conn */
		if (r != 0)
			stage_drop(w, m, r);
		return NULL;
	}
	c = pipeline_conn6_open(w, snap, svc, m, p);
	if (c == NULL)
		return NULL;
	i = fwd_of(c)->xmit6[CONN_DIR_IN](w, c, m, p);
	if (unlikely(i))
		pipeline6_drop(w, m, p, (unsigned)i);
	return c;
}

/*
 * Sources that cannot be real: multicast, unspecified, loopback, IPv4-mapped (RFC 4291
 * 2.5.5.2: never on the wire; and sluice's own form of an IPv4 address, union addr46), an
 * address of this node (a port's, a LIP, a VIP), a backend's arriving where that backend is
 * not. 0 or a reason.
 */
static inline unsigned
sanity_source6(const struct dp *dp, const struct snapshot *snap, const struct pkt6_meta *p)
{
	static const uint8_t loop[16] = { [15] = 1 };
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	const uint8_t *s = p->key.saddr;
	unsigned i;

	if (s[0] == 0xff || memcmp(s, &(uint8_t[16]){ 0 }, 16) == 0 || memcmp(s, loop, 16) == 0 ||
	    memcmp(s, v4mapped, 12) == 0)
		return DROP_src_martian;
	for (i = 0; i < dp->n_ports; i++)
		if (dp->ports[i].has_addr6 && memcmp(s, dp->ports[i].addr6.b, 16) == 0)
			return DROP_src_local;
	if (dp_is_lip6(dp, s) || snap_is_vip6(snap, s))
		return DROP_src_local;
	i = (unsigned)snap_backend_port6(snap, s);
	if ((int)i >= 0 && i != p->in_port)
		return DROP_src_backend;
	return 0;
}

/* No IPv6 conn for this packet: a new flow to a VIP, another worker's, or not ours. */
static struct conn *
conn6_miss(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
	   struct pkt6_meta *p)
{
	const struct dp *dp = w->dp;
	const struct snap_service *svc;
	unsigned r;

	r = sanity_source6(dp, snap, p);
	if (unlikely(r)) {
		stage_drop(w, m, r);
		return NULL;
	}
	svc = snap_service_find6(snap, p->key.daddr, p->key.dport, p->key.proto);
	if (svc != NULL && w->ct6 != NULL) {
		/* A NAT conn lives on the worker its client names (forward/nat.c). */
		if (fwd_modes[svc->fwd]->client_owned &&
		    conn_hand_to_client_owner(w, m, fwd_client_owner6(dp, p->key.saddr,
								       p->key.sport)))
			return NULL;
		if (svc->synproxy && p->key.proto == PROTO_TCP)
			return pipeline_sp_miss6(w, snap, svc, m, p);
		return conn6_new(w, snap, svc, m, p);
	}
	if (svc != NULL || snap_is_vip6(snap, p->key.daddr)) {
		stage_drop(w, m, DROP_no_service);
		return NULL;
	}
	/* A NAT backend's answer to a client: its conn is where the client's packets made it. */
	if (snap_is_nat_backend6(snap, p->key.saddr) && !dp_is_ours6(dp, p->key.daddr)) {
		if (!conn_hand_to_client_owner(w, m, fwd_client_owner6(dp, p->key.daddr,
								       p->key.dport)))
			stage_drop(w, m, DROP_no_conn);
		return NULL;
	}
	if (dp_is_lip6(dp, p->key.daddr)) {
		unsigned owner = laddr_owner(p->key.dport, dp->worker_mask);

		/* Another worker's LIP port: its conn lives there. Hand the packet over. */
		if (owner != w->id && owner < dp->n_workers)
			stage_handoff(w, owner, m);
		else
			stage_drop(w, m, DROP_no_conn);
		return NULL;
	}
	ipv6_to_kernel(w, m, p);
	return NULL;
}

void
pipeline64_replies(struct stage *w, struct rte_mbuf **m, struct pkt_meta **p, unsigned n,
		   int *res)
{
	struct conn_key6 keys[STAGE_BURST];
	const void *kp[STAGE_BURST];
	void *data[STAGE_BURST];
	uint64_t hits = 0;
	enum conn_dir dir;
	struct conn *c;
	unsigned i;

	for (i = 0; i < n; i++) {
		conn_key_mapped6(&p[i]->key, &keys[i]);
		kp[i] = &keys[i];
	}
	/* every conn and its addresses come back in cache */
	conn6_lookup_bulk(w->ct6, kp, n, &hits, data);
	for (i = 0; i < n; i++) {
		res[i] = -ENOENT;
		if (!(hits & (1ull << i)))
			continue;
		c = conn_from_data(data[i], &dir);
		if (dir != CONN_DIR_OUT || fwd_of(c)->xmit[CONN_DIR_OUT] == NULL)
			continue;
		if (unlikely(c->flags & CONN_F_SYNPROXY)) {
			res[i] = pipeline_sp_before(w, w->ct6, c, dir, m[i], p[i]->l4_off,
						    p[i]->ip_len);
			if (res[i] < 0) {
				res[i] = 0; /* taken */
				continue;
			}
			if (res[i] > 0)
				continue;
		}
		res[i] = (int)conn_touch(w, w->ct6, c, dir, m[i], p[i]->l4_off, p[i]->tcp_flags,
					 p[i]->ip_len);
		if (res[i] == 0) {
			if (unlikely(c->flags & CONN_F_SYNPROXY))
				pipeline_sp_after(w->ct6, c, m[i], p[i]->l4_off);
			res[i] = fwd_of(c)->xmit[CONN_DIR_OUT](w, c, m[i], p[i]);
		}
	}
}

void
pipeline6_l4(struct stage *w, const struct snapshot *snap, struct rte_mbuf **pkts,
	     struct pkt6_meta *meta, unsigned n)
{
	const void *keys[STAGE_BURST];
	void *data[STAGE_BURST];
	const struct conn_key6 *missed[STAGE_BURST];
	struct conn_key6 made[STAGE_BURST];
	unsigned i, j, k, nmissed = 0, nmade = 0;
	uint64_t hits = 0;

	if (w->ct6 == NULL) {
		/* No IPv6 LIPs: no IPv6 conns. What is the node's goes to the kernel. */
		for (i = 0; i < n; i++)
			conn6_miss(w, snap, pkts[i], &meta[i]);
		return;
	}
	for (i = 0; i < n; i++)
		keys[i] = &meta[i].key;
	/* The conns and both lines of their addresses come back in cache. */
	conn6_lookup_bulk(w->ct6, keys, n, &hits, data);
	if (unlikely(w->sp_live + w->ca_live > 0))
		pipeline_side_prefetch(w->ct6, data, hits, n);
	for (i = 0; i < n; i++) {
		struct conn *c = NULL;
		enum conn_dir dir = CONN_DIR_IN;

		if (hits & (1ull << i))
			c = conn_from_data(data[i], &dir);
		/* A conn made or replaced earlier in this burst: look again (see pipeline.c). */
		if (c == NULL) {
			for (j = 0; j < nmissed; j++)
				if (memcmp(missed[j], &meta[i].key, sizeof(struct conn_key6)) == 0)
					break;
			for (k = 0; j == nmissed && k < nmade; k++)
				if (memcmp(&made[k], &meta[i].key, sizeof(struct conn_key6)) == 0)
					break;
			if (j < nmissed || k < nmade)
				c = conn6_lookup(w->ct6, &meta[i].key, &dir);
		} else if (c->flags & CONN_F_DEAD) {
			c = conn6_lookup(w->ct6, &meta[i].key, &dir);
		}
		if (c != NULL && !conn_reused(w, w->ct6, c, dir, meta[i].tcp_flags)) {
			conn6_packet(w, c, dir, pkts[i], &meta[i]);
			continue;
		}
		missed[nmissed++] = &meta[i].key;
		c = conn6_miss(w, snap, pkts[i], &meta[i]);
		if (c != NULL && (c->flags & CONN_F_OUT))
			conn6_key_out(w->ct6, c, &made[nmade++]);
	}
}

int
pipeline6_input(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
		const struct pkt_meta *p, struct pkt6_meta *p6)
{
	int r;

	r = pkt_parse6(m, p6); /* its MACs passed sanity_frame() */
	if (likely(r == 0) && p6->key.proto == PROTO_TCP)
		r = (int)sanity_tcp_flags_reason(p6->tcp_flags);
	if (unlikely(r != 0)) {
		stage_drop(w, m, (unsigned)r);
		return 0;
	}
	p6->in_port = p->in_port;
	if (p6->key.proto == PROTO_TCP || p6->key.proto == PROTO_UDP)
		return 1;
	if (icmp6_is_error(*rte_pktmbuf_mtod_offset(m, uint8_t *, p6->l4_off))) {
		fwd_icmp6_error(w, snap, m, p6, 0);
		return 0;
	}
	if (nd_input(w, snap, m, p6)) /* ICMPv6 */
		return 0;
	/* Echo and the rest to other addresses: the kernel's when they are the node's. */
	ipv6_to_kernel(w, m, p6);
	return 0;
}
