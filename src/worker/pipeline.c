/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include <rte_prefetch.h>

#include "defense/defense.h"
#include "defense/sanity.h"
#include "flow/conn.h"
#include "forward/fwd.h"
#include "forward/fwd_icmp.h"
#include "forward/laddr.h"
#include "forward/peer.h"
#include "net/arp.h"
#include "net/egress.h"
#include "net/icmp.h"
#include "net/neigh.h"
#include "net/route.h"
#include "sched/sched.h"
#include "service/persist.h"
#include "worker/pipeline.h"
#include "worker/pipeline_int.h"

/* Give back what a conn holds: what its mode took (a LIP port) and its place in the gauges. */
void
pipeline_conn_release(struct stage *w, struct conn *c)
{
	if (unlikely(c->flags & CONN_F_SYNPROXY))
		pipeline_sp_end(w, (c->flags & CONN_F_V6) ? w->ct6 : w->ct, c);
	dp_gauge_move(w->dp, c->svc_slot, c->be_slot, conn_gauge(c->state), GAUGE_NONE);
	if (fwd_of(c)->release != NULL)
		fwd_of(c)->release(w, c);
	w->st.conns_expired++;
}

void
pipeline_conn_expired(void *arg, struct conn *c)
{
	pipeline_conn_release(arg, c);
}

/*
 * Drop m, which could not be forwarded, and tell its source when it should know: a TTL that
 * ran out is answered with time-exceeded, as a router does (so traceroute shows the node).
 */
static inline void
pipeline_drop(struct stage *w, struct rte_mbuf *m, const struct pkt_meta *p, unsigned reason)
{
	if (reason == DROP_ttl_exceeded)
		icmp_send_error(w, m, p, ICMP4_TIME_EXCEEDED, 0, 0);
	stage_drop(w, m, reason);
}

/* A packet of an existing conn: state, deadline, counters, then the mode's xmit. */
static inline void
conn_packet(struct stage *w, struct conn *c, enum conn_dir dir, struct rte_mbuf *m,
	    struct pkt_meta *p)
{
	int r;

	if (unlikely(c->flags & CONN_F_SYNPROXY)) {
		r = pipeline_sp_before(w, w->ct, c, dir, m, p->l4_off, p->ip_len);
		if (r != 0) {
			if (r > 0)
				pipeline_drop(w, m, p, (unsigned)r);
			return;
		}
	}
	r = (int)conn_touch(w, w->ct, c, dir, m, p->l4_off, p->tcp_flags, p->ip_len);
	if (likely(r == 0)) {
		if (unlikely(c->flags & CONN_F_SYNPROXY) && dir == CONN_DIR_OUT)
			pipeline_sp_after(w->ct, c, m, p->l4_off);
		r = fwd_of(c)->xmit[dir](w, c, m, p);
	}
	if (unlikely(r))
		pipeline_drop(w, m, p, (unsigned)r);
}

/*
 * The backend of a new conn: the one the client is bound to while its affinity lives
 * (persistence) and the backend still takes conns, else the scheduler's choice, which
 * then becomes (or refreshes) the binding. -1 when no backend takes the conn.
 */
static inline int
conn_schedule(struct stage *w, const struct snap_service *svc, const struct pkt_meta *p)
{
	if (svc->persistence == 0)
		return svc->sched->pick(svc, svc->sched_data, w->id, p);
	return conn_pick_bound(w, svc, p->key.saddr & svc->persist_mask, p);
}

/*
 * Whether the first packet of a new conn to backend `be` in mode fwd can leave now: its
 * TTL, the route back to the client (the reply's way, looked up once: routes are fixed
 * while sluiced runs) and the backend's next hop. A one-way mode (DR, TUN) forwards the
 * client's header as it came and sends nothing back: the backend's next hop alone. A conn
 * is only made for a packet that can be sent, so what cannot be forwarded never holds a
 * conn slot or a LIP port. 0 or a drop reason.
 */
static inline unsigned
conn_can_send(struct stage *w, const struct fwd_ops *fwd, const struct snap_backend *be,
	      struct rte_mbuf *m, const struct pkt_meta *p, uint8_t *c_port, uint32_t *c_nh)
{
	const struct dp *dp = w->dp;
	struct rte_ether_addr mac;

	if (!fwd->one_way) {
		if (unlikely(pkt_ip(m)->time_to_live <= 1))
			return DROP_ttl_exceeded;
		if (unlikely(route_lookup(dp->routes, p->key.saddr, c_port, c_nh) < 0))
			return DROP_no_route;
	}
	if (unlikely(be->out_port == SNAP_NO_PORT))
		return DROP_no_route;
	if (unlikely(neigh_lookup(dp->neigh, be->nh.w[3], &mac) < 0)) {
		egress_neigh_event(w, NEIGH_EV_MISS, be->nh.w[3], be->out_port, NULL);
		return DROP_neigh_unresolved;
	}
	if (fwd->one_way) {
		*c_port = p->in_port; /* where the conn's client came from, for the views */
		*c_nh = 0;
		return 0;
	}
	/*
	 * The reply needs the client's next hop: have it resolved before the answer comes, and
	 * till then send to the MAC this packet came from when it came in where the reply goes.
	 */
	if (unlikely(neigh_lookup(dp->neigh, *c_nh, &mac) < 0)) {
		egress_neigh_event(w, NEIGH_EV_MISS, *c_nh, *c_port, NULL);
		if (*c_port == p->in_port)
			neigh_hint_put(w->hints, *c_nh, *c_port, &pkt_eth(m)->src_addr, w->now_ms);
	}
	return 0;
}

struct conn *
pipeline_conn_open(struct stage *w, const struct snapshot *snap, const struct snap_service *svc,
		   struct rte_mbuf *m, struct pkt_meta *p)
{
	const struct snap_backend *be;
	const struct fwd_ops *fwd;
	struct conn_key kout;
	struct conn *c;
	uint8_t c_port;
	uint32_t c_nh;
	unsigned r;
	int i;

	r = defense_admit4(w, snap, svc, p->key.saddr);
	if (unlikely(r)) {
		stage_drop(w, m, r);
		return NULL;
	}
	i = conn_schedule(w, svc, p);
	if (unlikely(i < 0)) {
		stage_drop(w, m, DROP_no_backend);
		return NULL;
	}
	be = &svc->backends[i];
	fwd = fwd_modes[svc->fwd]; /* checked when the snapshot was built */
	r = conn_can_send(w, fwd, be, m, p, &c_port, &c_nh);
	if (unlikely(r)) {
		pipeline_drop(w, m, p, r);
		return NULL;
	}
	c = conn_alloc(w->ct);
	if (unlikely(c == NULL)) {
		stage_drop(w, m, DROP_conn_table_full);
		return NULL;
	}
	c->caddr = p->key.saddr;
	c->vaddr = p->key.daddr;
	c->cport = p->key.sport;
	c->vport = p->key.dport;
	c->daddr = be->addr.w[3];
	c->dport = be->port;
	c->proto = p->key.proto;
	c->mode = svc->fwd;
	c->c_nh = c_nh;
	c->out_nh = be->nh.w[3];
	r = fwd->conn_init(w, c, svc, be);
	if (unlikely(r)) {
		conn_abandon(w->ct, c);
		stage_drop(w, m, r);
		return NULL;
	}
	conn_settle(w, c, svc, be, c_port, m, p->l4_off, p->tcp_flags, p->ip_len);
	if (unlikely(conn_insert(w->ct, c, fwd->out_key(c, &kout) ? &kout : NULL, w->now) < 0)) {
		stage_drop(w, m, DROP_conn_table_full);
		return NULL;
	}
	conn_created(w, c, p->ip_len);
	return c;
}

/* A new conn to svc for the packet m (its first): the conn, or NULL when none was made. */
static struct conn *
conn_new(struct stage *w, const struct snapshot *snap, const struct snap_service *svc,
	 struct rte_mbuf *m, struct pkt_meta *p)
{
	struct conn *c;
	unsigned r;
	int i;

	if (p->key.proto == PROTO_TCP && !tcp_is_syn_only(p->tcp_flags)) {
		r = peer_pass(w, m, false); /* perhaps another node's conn */
		if (r != 0)
			stage_drop(w, m, r);
		return NULL;
	}
	c = pipeline_conn_open(w, snap, svc, m, p);
	if (c == NULL)
		return NULL;
	i = fwd_of(c)->xmit[CONN_DIR_IN](w, c, m, p);
	if (unlikely(i))
		pipeline_drop(w, m, p, (unsigned)i);
	return c;
}

/*
 * No conn for this packet: a new flow to a VIP, someone else's reply, or nothing of ours.
 * The conn it made, if any.
 */
static struct conn *
conn_miss(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
	  struct pkt_meta *p, struct pipeline64_batch *b64)
{
	const struct dp *dp = w->dp;
	const struct snap_service *svc;
	unsigned r;
	int kind;

	/* Sources that cannot be real open nothing, reach no kernel and go to no peer. */
	r = sanity_source(dp, snap, p);
	if (unlikely(r)) {
		stage_drop(w, m, r);
		return NULL;
	}
	svc = snap_service_find(snap, p->key.daddr, p->key.dport, p->key.proto);
	if (svc != NULL) {
		/* A NAT conn lives on the worker its client names (forward/nat.c). */
		if (fwd_modes[svc->fwd]->client_owned &&
		    conn_hand_to_client_owner(w, m, fwd_client_owner(dp, p->key.saddr, p->key.sport)))
			return NULL;
		if (svc->synproxy && p->key.proto == PROTO_TCP)
			return pipeline_sp_miss(w, snap, svc, m, p);
		return conn_new(w, snap, svc, m, p);
	}
	if (snap_is_vip(snap, p->key.daddr)) {
		stage_drop(w, m, DROP_no_service);
		return NULL;
	}
	kind = dp_local_kind(dp, p->key.daddr);
	/* A NAT backend's answer to a client: its conn is where the client's packets made it. */
	if (kind == 0 && snap_is_nat_backend(snap, p->key.saddr)) {
		if (!conn_hand_to_client_owner(w, m, fwd_client_owner(dp, p->key.daddr,
								      p->key.dport)))
			stage_drop(w, m, DROP_no_conn);
		return NULL;
	}
	if (kind == DP_LOCAL_LIP) {
		unsigned owner = laddr_owner(p->key.dport, dp->worker_mask);

		/* Another worker's LIP port: its conn lives there. Hand the packet over. */
		if (owner != w->id && owner < dp->n_workers) {
			stage_handoff(w, owner, m);
			return NULL;
		}
		/* Ours, and no IPv4 conn holds it: perhaps a NAT64 conn does (after the burst),
		 * if this worker ever gave one a tuple. */
		if (w->ct6 != NULL && laddr_has64(w->lips)) {
			b64->m[b64->n] = m;
			b64->p[b64->n++] = p;
			return NULL;
		}
		stage_drop(w, m, DROP_no_conn);
		return NULL;
	}
	/* Our own port address: the kernel's (BGP, SSH, health-check answers), if it has a twin. */
	if (kind == DP_LOCAL_PORT && egress_to_kernel(w, p->key.daddr, m) == 0)
		return NULL;
	stage_drop(w, m, kind == DP_LOCAL_PORT ? DROP_no_service : DROP_not_for_us);
	return NULL;
}

void
pipeline_run(struct worker *wk, struct rte_mbuf **pkts, uint16_t n)
{
	struct stage *w = &wk->s;
	const struct dp *dp = w->dp;
	const struct snapshot *snap = __atomic_load_n(&dp->snap, __ATOMIC_ACQUIRE);
	struct pkt_meta meta[STAGE_BURST];
	const void *keys[STAGE_BURST];
	struct rte_mbuf *l4[STAGE_BURST];
	struct pkt_meta *l4meta[STAGE_BURST];
	void *data[STAGE_BURST];
	const struct conn_key *missed[STAGE_BURST];
	struct conn_key made[STAGE_BURST]; /* OUT keys of the conns this burst made */
	struct pkt6_meta meta6[STAGE_BURST]; /* the burst's IPv6 TCP and UDP, done apart */
	struct pipeline64_batch b64;          /* answers perhaps of NAT64 conns, done last */
	struct rte_mbuf *l6[STAGE_BURST];
	uint64_t hits = 0;
	unsigned i, j, k, nl4 = 0, nmissed = 0, nmade = 0, n6 = 0;

	b64.n = 0;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct pkt_meta *p = &meta[i];
		int r;

		p->in_port = dp->port_idx[m->port];
		r = pkt_parse(m, p);
		if (likely(r == 0))
			r = (int)sanity_frame(dp, m, p);
		if (likely(r == 0) && p->key.proto == PROTO_TCP && p->kind == PKT_IPV4)
			r = (int)sanity_tcp_flags(p);
		if (unlikely(r)) {
			stage_drop(w, m, (unsigned)r);
			continue;
		}
		if (unlikely(p->kind == PKT_IPV6)) {
			if (pipeline6_input(w, snap, m, p, &meta6[n6]))
				l6[n6++] = m;
			continue;
		}
		if (unlikely(p->kind == PKT_IPV4 && pkt_csum_partial_fix(m, p)))
			w->st.port_rx_csum_partial[p->in_port]++;
		if (unlikely(p->kind == PKT_ARP)) {
			arp_input(w, snap, m, p);
			continue;
		}
		if (unlikely(p->key.proto == IPPROTO_ICMP)) {
			if (icmp_is_relayable(((struct rte_icmp_hdr *)pkt_l4(m, p))->icmp_type)) {
				fwd_icmp_error(w, snap, m, p, 0);
				continue;
			}
			/*
			 * Echo and the rest: never answer a source that cannot be real (the
			 * answer would go to a victim), nor hand it to the kernel, as conn_miss()
			 * does for TCP and UDP.
			 */
			r = (int)sanity_source(dp, snap, p);
			if (unlikely(r))
				stage_drop(w, m, (unsigned)r);
			else
				icmp_input(w, snap, m, p);
			continue;
		}
		keys[nl4] = &p->key;
		l4meta[nl4] = p;
		l4[nl4++] = m;
	}
	if (unlikely(n6 > 0))
		pipeline6_l4(w, snap, l6, meta6, n6);
	if (nl4 == 0)
		return;
	/* The burst's conns come back in cache: the lookup compared their keys. */
	conn_lookup_bulk(w->ct, keys, nl4, &hits, data);
	if (unlikely(w->sp_live + w->ca_live > 0))
		pipeline_side_prefetch(w->ct, data, hits, nl4);
	for (i = 0; i < nl4; i++) {
		struct conn *c = NULL;
		enum conn_dir dir = CONN_DIR_IN;

		if (hits & (1ull << i))
			c = conn_from_data(data[i], &dir);
		/*
		 * An earlier packet of this burst may have created the conn (it missed with the
		 * same key, or its conn's OUT key is this one: a reply within the burst), or
		 * replaced the one the bulk lookup found: look again then.
		 */
		if (c == NULL) {
			for (j = 0; j < nmissed; j++)
				if (memcmp(missed[j], &l4meta[i]->key, sizeof(struct conn_key)) == 0)
					break;
			for (k = 0; j == nmissed && k < nmade; k++)
				if (memcmp(&made[k], &l4meta[i]->key, sizeof(struct conn_key)) == 0)
					break;
			if (j < nmissed || k < nmade)
				c = conn_lookup(w->ct, &l4meta[i]->key, &dir);
		} else if (c->flags & CONN_F_DEAD) {
			c = conn_lookup(w->ct, &l4meta[i]->key, &dir);
		}
		if (c != NULL && !conn_reused(w, w->ct, c, dir, l4meta[i]->tcp_flags)) {
			conn_packet(w, c, dir, l4[i], l4meta[i]);
			continue;
		}
		missed[nmissed++] = &l4meta[i]->key;
		c = conn_miss(w, snap, l4[i], l4meta[i], &b64);
		if (c != NULL && (c->flags & CONN_F_OUT))
			conn_key_out(c, &made[nmade++]);
	}
	if (unlikely(b64.n > 0)) {
		int res[STAGE_BURST];

		pipeline64_replies(w, b64.m, b64.p, b64.n, res);
		for (i = 0; i < b64.n; i++)
			if (res[i] != 0)
				pipeline_drop(w, b64.m[i], b64.p[i],
					      res[i] == -ENOENT ? DROP_no_conn : (unsigned)res[i]);
	}
}
