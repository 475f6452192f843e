/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ICMP errors about conns, relayed by each conn's mode (fwd_ops.icmp_xmit), as IPVS's
 * ip_vs_in_icmp()/ip_vs_out_icmp() do. net/icmp.c keeps what concerns the node itself
 * (echo, the errors it sends); what quotes a conn's packet comes here.
 */
#include <stddef.h>
#include <string.h>

#include "flow/conn.h"
#include "forward/fwd.h"
#include "forward/fwd_icmp.h"
#include "forward/xmit.h"
#include "forward/laddr.h"
#include "net/egress.h"
#include "net/icmp.h"

/*
 * An ICMP error about a conn, relayed to the conn's other side by the conn's mode, as IPVS's
 * ip_vs_in_icmp()/ip_vs_out_icmp() do: the quoted packet is one the node sent, so its reverse
 * is one of the conn's keys, and the error must be addressed to the side of the node that
 * sent it (the VIP toward the client, the LIP toward the backend). 0 when relayed (m
 * consumed), -ENOENT when no conn of this worker is concerned, else a drop reason.
 */
static int
icmp_relay(struct stage *w, struct rte_mbuf *m, struct pkt_meta *p)
{
	struct rte_icmp_hdr *ic = pkt_l4(m, p);
	struct rte_ipv4_hdr *in = (struct rte_ipv4_hdr *)(ic + 1);
	unsigned room = (unsigned)(p->ip_len - (p->l4_off - PKT_IP_OFF)), ihl;
	struct fwd_icmp q = { .ic = ic, .in = (uint8_t *)in, .room = room };
	uint32_t qsrc, qdst;
	uint16_t qsport, qdport;
	struct conn_key k;
	enum conn_dir dir;
	struct conn *c;

	if (room < sizeof(*ic) + sizeof(*in) + 8)
		return DROP_l4_truncated;
	ihl = (unsigned)(in->version_ihl & 0xf) * 4;
	if ((in->version_ihl >> 4) != 4 || ihl < sizeof(*in) || room < sizeof(*ic) + ihl + 8)
		return DROP_l4_truncated;
	if (in->next_proto_id != IPPROTO_TCP && in->next_proto_id != IPPROTO_UDP)
		return -ENOENT;
	q.ports = q.in + ihl;
	memcpy(&qsrc, q.in + offsetof(struct rte_ipv4_hdr, src_addr), 4);
	memcpy(&qdst, q.in + offsetof(struct rte_ipv4_hdr, dst_addr), 4);
	memcpy(&qsport, q.ports, 2);
	memcpy(&qdport, q.ports + 2, 2);
	k = (struct conn_key){ .saddr = qdst, .daddr = qsrc, .sport = qdport, .dport = qsport,
			       .proto = in->next_proto_id };
	c = conn_lookup(w->ct, &k, &dir);
	/* About a LIP tuple of a NAT64 conn: an IPv6 conn keyed by the mapped reply tuple. */
	if (c == NULL && w->ct6 != NULL && dp_local_kind(w->dp, qsrc) == DP_LOCAL_LIP) {
		struct conn_key6 k6;

		conn_key_mapped6(&k, &k6);
		c = conn6_lookup(w->ct6, &k6, &dir);
	}
	if (c == NULL || fwd_of(c)->icmp_xmit[dir] == NULL ||
	    pkt_ip(m)->dst_addr != (dir == CONN_DIR_IN ? c->vaddr : c->laddr))
		return -ENOENT;
	if (unlikely(rte_raw_cksum(ic, room) != 0xffff))
		return DROP_bad_icmp_checksum;
	/* The quoted L4 checksum, when the quote reaches it (UDP's always does). */
	if (in->next_proto_id == IPPROTO_UDP)
		q.l4sum = q.ports + offsetof(struct rte_udp_hdr, dgram_cksum);
	else if (room - sizeof(*ic) - ihl >= offsetof(struct rte_tcp_hdr, cksum) + 2)
		q.l4sum = q.ports + offsetof(struct rte_tcp_hdr, cksum);
	if (unlikely(c->flags & CONN_F_SYNPROXY) && dir == CONN_DIR_IN)
		fwd_icmp_sp_quote(w->ct, c, &q);
	return fwd_of(c)->icmp_xmit[dir](w, c, m, p, &q);
}

/*
 * An error about the backend side of another worker's conn: that worker owns the quoted LIP
 * port (the reply steering of FULLNAT: it quotes LIP -> backend), or the quoted client
 * (NAT: client -> a NAT backend, fwd_client_owner()). 1 when handed over.
 */
static int
icmp_handoff(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
	     const struct pkt_meta *p)
{
	const struct dp *dp = w->dp;
	const struct rte_icmp_hdr *ic = pkt_l4(m, p);
	const struct rte_ipv4_hdr *in = (const struct rte_ipv4_hdr *)(ic + 1);
	const struct rte_udp_hdr *ports =
		(const struct rte_udp_hdr *)((const uint8_t *)in + (in->version_ihl & 0xf) * 4);

	if (dp->n_workers < 2)
		return 0;
	if (dp_local_kind(dp, in->src_addr) == DP_LOCAL_LIP)
		return fwd_icmp_hand_to(w, m, laddr_owner(ports->src_port, dp->worker_mask));
	if (snap_is_nat_backend(snap, in->dst_addr))
		return fwd_icmp_hand_to(w, m, fwd_client_owner(dp, in->src_addr, ports->src_port));
	return 0;
}

/*
 * An error about the client side of a conn (it quotes VIP -> client) that this worker does
 * not have: the worker that does got the client's packets by a hash this error does not
 * share. Pass it to the next worker, until every one has tried (hops: those before this
 * one). 1 when passed on.
 */
static int
icmp_pass_on(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
	     const struct pkt_meta *p, uint32_t hops)
{
	const struct dp *dp = w->dp;
	const struct rte_icmp_hdr *ic = pkt_l4(m, p);
	const struct rte_ipv4_hdr *in = (const struct rte_ipv4_hdr *)(ic + 1);

	if (dp->n_workers < 2 || hops + 1 >= dp->n_workers || !snap_is_vip(snap, in->src_addr))
		return 0;
	return fwd_icmp_pass_next(w, m, hops);
}

void
fwd_icmp_error(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
	   struct pkt_meta *p, uint32_t hops)
{
	int e = icmp_relay(w, m, p);

	if (e == 0)
		return;
	if (e != -ENOENT) {
		stage_drop(w, m, (unsigned)e);
		return;
	}
	if (hops == 0 && icmp_handoff(w, snap, m, p))
		return;
	if (icmp_pass_on(w, snap, m, p, hops))
		return;
	/* Errors about what the kernel sent (health checks, BGP) are the kernel's. */
	if (egress_to_kernel(w, pkt_ip(m)->dst_addr, m) < 0)
		stage_drop(w, m, DROP_icmp_no_conn);
}

void
fwd_icmp_search(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
		  uint32_t hops)
{
	struct pkt_meta p = { 0 };

	/* It parsed on the worker that received it; parse again for this one's view. */
	p.in_port = w->dp->port_idx[m->port];
	if (pkt_parse(m, &p) != 0)
		goto unhandled;
	if (p.kind == PKT_IPV6) {
		struct pkt6_meta p6;

		if (pkt_parse6(m, &p6) != 0 || p6.key.proto != IP6_ICMPV6)
			goto unhandled;
		p6.in_port = p.in_port;
		fwd_icmp6_error(w, snap, m, &p6, hops);
		return;
	}
	if (p.key.proto != IPPROTO_ICMP)
		goto unhandled;
	fwd_icmp_error(w, snap, m, &p, hops);
	return;
unhandled:
	stage_drop(w, m, DROP_icmp_unhandled);
}

/* The two-way modes' relay (forward/xmit.h). */
int
fwd_icmp_rewrite(struct stage *w, struct rte_mbuf *m, struct pkt_meta *p,
		 const struct fwd_icmp *q, uint32_t qsrc, uint32_t qdst, uint16_t qsport,
		 uint16_t qdport, uint32_t osrc, uint32_t odst, uint8_t port, uint32_t nh)
{
	struct rte_ether_hdr *eth = pkt_eth(m);
	struct rte_ipv4_hdr *in = (struct rte_ipv4_hdr *)q->in;
	uint16_t cs = 0;
	int r;

	fwd_quote_set4(q->in + offsetof(struct rte_ipv4_hdr, src_addr), qsrc, q->l4sum);
	fwd_quote_set4(q->in + offsetof(struct rte_ipv4_hdr, dst_addr), qdst, q->l4sum);
	fwd_quote_set2(q->ports, qsport, q->l4sum);
	fwd_quote_set2(q->ports + 2, qdport, q->l4sum);
	r = fwd_rewrite(m, p, osrc, odst, 0, 0);
	if (r)
		return r;
	memcpy(q->in + offsetof(struct rte_ipv4_hdr, hdr_checksum), &cs, 2);
	cs = rte_ipv4_cksum(in);
	memcpy(q->in + offsetof(struct rte_ipv4_hdr, hdr_checksum), &cs, 2);
	q->ic->icmp_cksum = 0;
	q->ic->icmp_cksum = (uint16_t)~rte_raw_cksum(q->ic, q->room);
	if (unlikely(egress_resolve(w, nh, port, &eth->dst_addr) < 0))
		return DROP_neigh_unresolved;
	rte_ether_addr_copy(&w->dp->ports[port].mac, &eth->src_addr);
	w->st.icmp_relayed++;
	stage_tx(w, port, m);
	return 0;
}
