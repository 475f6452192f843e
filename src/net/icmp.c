/* SPDX-License-Identifier: Apache-2.0 */
#include <stddef.h>
#include <string.h>

#include "defense/sanity.h"
#include "flow/conn.h"
#include "forward/fwd.h"
#include "forward/laddr.h"
#include "net/icmp.h"
#include "net/neigh.h"
#include "net/route.h"
#include "packet/csum.h"

#define ICMP_ERR_MAX_IP 576u /* RFC 1812 4.3.2.3: the whole error fits in 576 bytes */

static inline int
icmp_is_error(uint8_t type)
{
	return type == ICMP4_DEST_UNREACH || type == ICMP4_SOURCE_QUENCH ||
	       type == ICMP4_REDIRECT || type == ICMP4_TIME_EXCEEDED ||
	       type == ICMP4_PARAM_PROBLEM;
}

/*
 * An ICMP error about a conn, relayed to the conn's other side by the conn's mode, as IPVS's
 * ip_vs_in_icmp()/ip_vs_out_icmp() do: the quoted packet is one the node sent, so its reverse
 * is one of the conn's keys, and the error must be addressed to the side of the node that
 * sent it (the VIP toward the client, the LIP toward the backend). 0 when relayed (m
 * consumed), -ENOENT when no conn of this worker is concerned, else a drop reason.
 */
static int
icmp_relay(struct worker *w, struct rte_mbuf *m, struct pkt_meta *p)
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
	return fwd_of(c)->icmp_xmit[dir](w, c, m, p, &q);
}

/*
 * An error about the backend side of another worker's conn: that worker owns the quoted LIP
 * port (the reply steering of FULLNAT). 1 when handed over.
 */
static int
icmp_handoff(struct worker *w, struct rte_mbuf *m, const struct pkt_meta *p)
{
	const struct dp *dp = w->dp;
	const struct rte_icmp_hdr *ic = pkt_l4(m, p);
	const struct rte_ipv4_hdr *in = (const struct rte_ipv4_hdr *)(ic + 1);
	const struct rte_udp_hdr *ports =
		(const struct rte_udp_hdr *)((const uint8_t *)in + (in->version_ihl & 0xf) * 4);
	unsigned owner;

	if (dp->n_workers < 2 || dp_local_kind(dp, in->src_addr) != DP_LOCAL_LIP)
		return 0;
	owner = laddr_owner(ports->src_port, dp->worker_mask);
	if (owner == w->id || owner >= dp->n_workers ||
	    w->out.n_handoff[owner] >= WORKER_BURST)
		return 0;
	w->out.handoff[owner][w->out.n_handoff[owner]++] = m;
	w->st.handoff_out++;
	return 1;
}

/*
 * An error about the client side of a conn (it quotes VIP -> client) that this worker does
 * not have: the worker that does got the client's packets by a hash this error does not
 * share. Pass it to the next worker, until every one has tried (hops: those before this
 * one). 1 when passed on.
 */
static int
icmp_pass_on(struct worker *w, const struct snapshot *snap, struct rte_mbuf *m,
	     const struct pkt_meta *p, uint32_t hops)
{
	const struct dp *dp = w->dp;
	const struct rte_icmp_hdr *ic = pkt_l4(m, p);
	const struct rte_ipv4_hdr *in = (const struct rte_ipv4_hdr *)(ic + 1);
	struct worker_icmp_hop h = { .m = m, .hops = hops + 1 };
	struct worker *next;

	if (dp->n_workers < 2 || hops + 1 >= dp->n_workers || !snap_is_vip(snap, in->src_addr))
		return 0;
	next = dp->workers[(w->id + 1) % dp->n_workers];
	if (rte_ring_enqueue_elem(next->icmp, &h, sizeof(h)) != 0) {
		worker_drop(w, m, DROP_handoff_full);
		return 1;
	}
	w->st.handoff_out++;
	return 1;
}

/* An ICMP error (redirects aside): relayed for its conn, passed on, or the kernel's. */
static void
icmp_error(struct worker *w, const struct snapshot *snap, struct rte_mbuf *m,
	   struct pkt_meta *p, uint32_t hops)
{
	int e = icmp_relay(w, m, p);

	if (e == 0)
		return;
	if (e != -ENOENT) {
		worker_drop(w, m, (unsigned)e);
		return;
	}
	if (hops == 0 && icmp_handoff(w, m, p))
		return;
	if (icmp_pass_on(w, snap, m, p, hops))
		return;
	/* Errors about what the kernel sent (health checks, BGP) are the kernel's. */
	if (worker_to_kernel(w, pkt_ip(m)->dst_addr, m) < 0)
		worker_drop(w, m, DROP_icmp_no_conn);
}

void
icmp_search_input(struct worker *w, const struct snapshot *snap, struct rte_mbuf *m,
		  uint32_t hops)
{
	struct pkt_meta p = { 0 };

	/* It parsed on the worker that received it; parse again for this one's view. */
	p.in_port = w->dp->port_idx[m->port];
	if (pkt_parse(m, &p) != 0 || p.key.proto != IPPROTO_ICMP) {
		worker_drop(w, m, DROP_icmp_unhandled);
		return;
	}
	icmp_error(w, snap, m, &p, hops);
}

void
icmp_input(struct worker *w, const struct snapshot *snap, struct rte_mbuf *m,
	   struct pkt_meta *p)
{
	const struct dp *dp = w->dp;
	struct rte_ether_hdr *eth = pkt_eth(m);
	struct rte_ipv4_hdr *ip = pkt_ip(m);
	struct rte_icmp_hdr *ic = pkt_l4(m, p);
	struct rte_ether_addr tmp;
	uint32_t dst = ip->dst_addr;
	unsigned r;

	if (icmp_is_error(ic->icmp_type) && ic->icmp_type != ICMP4_REDIRECT) {
		icmp_error(w, snap, m, p, 0);
		return;
	}
	if (ic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || ic->icmp_code != 0 ||
	    !(dp_local_kind(dp, dst) || snap_is_vip(snap, dst))) {
		/* Echo replies and errors for what the kernel sent go back to it. */
		if (worker_to_kernel(w, dst, m) < 0)
			worker_drop(w, m, DROP_icmp_unhandled);
		return;
	}
	/* Never answer a source that cannot be real: the answer would go to a victim. */
	r = sanity_source(dp, snap, p);
	if (unlikely(r)) {
		worker_drop(w, m, r);
		return;
	}
	if (unlikely(rte_raw_cksum(ic, (size_t)(p->ip_len - (p->l4_off - PKT_IP_OFF))) !=
		     0xffff)) {
		worker_drop(w, m, DROP_bad_icmp_checksum);
		return;
	}
	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	/* Type 8 -> 0 in the high byte of the first word: patch, do not re-sum the payload. */
	ic->icmp_cksum = csum_replace2(ic->icmp_cksum, RTE_BE16(RTE_IP_ICMP_ECHO_REQUEST << 8),
				       RTE_BE16(RTE_IP_ICMP_ECHO_REPLY << 8));
	ip->dst_addr = ip->src_addr;
	ip->src_addr = dst;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	rte_ether_addr_copy(&eth->src_addr, &tmp);
	rte_ether_addr_copy(&eth->dst_addr, &eth->src_addr);
	rte_ether_addr_copy(&tmp, &eth->dst_addr);
	rte_ether_addr_copy(&dp->ports[p->in_port].mac, &eth->src_addr);
	w->st.icmp_replied++;
	worker_tx(w, p->in_port, m);
}

void
icmp_send_error(struct worker *w, struct rte_mbuf *m, const struct pkt_meta *p, uint8_t type,
		uint8_t code, uint32_t info)
{
	const struct dp *dp = w->dp;
	const struct rte_ipv4_hdr *oip = pkt_ip(m);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *ic;
	struct rte_mbuf *e;
	unsigned quote, len;
	uint32_t nh;
	uint8_t port;

	if (p->key.proto == IPPROTO_ICMP && icmp_is_error(((struct rte_icmp_hdr *)pkt_l4(m, p))
								  ->icmp_type))
		return; /* never an error about an error (RFC 1122 3.2.2) */
	if (!tbucket_take(&w->icmp_tb, w->now_ms, ICMP_ERR_PPS, ICMP_ERR_BURST)) {
		w->st.icmp_err_limited++;
		return;
	}
	if (route_lookup(dp->routes, oip->src_addr, &port, &nh) < 0)
		return;
	e = rte_pktmbuf_alloc(m->pool);
	if (e == NULL)
		return;
	quote = RTE_MIN((unsigned)p->ip_len, ICMP_ERR_MAX_IP - (unsigned)sizeof(*ip) -
						     (unsigned)sizeof(*ic));
	len = (unsigned)(sizeof(*eth) + sizeof(*ip) + sizeof(*ic)) + quote;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(e, (uint16_t)len);
	if (eth == NULL || neigh_lookup(dp->neigh, nh, &eth->dst_addr) < 0) {
		if (eth != NULL)
			worker_neigh_event(w, NEIGH_EV_MISS, nh, port, NULL);
		rte_pktmbuf_free(e);
		return;
	}
	rte_ether_addr_copy(&dp->ports[port].mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	*ip = (struct rte_ipv4_hdr){
		.version_ihl = RTE_IPV4_VHL_DEF,
		.type_of_service = 0xc0, /* internetwork control, as routers send errors */
		.total_length = rte_cpu_to_be_16((uint16_t)(len - sizeof(*eth))),
		.time_to_live = 64,
		.next_proto_id = IPPROTO_ICMP,
		.src_addr = dp->ports[p->in_port].addr,
		.dst_addr = oip->src_addr,
	};
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ic = (struct rte_icmp_hdr *)(ip + 1);
	ic->icmp_type = type;
	ic->icmp_code = code;
	ic->icmp_cksum = 0;
	memcpy(&ic->icmp_ident, &info, sizeof(info));
	memcpy(ic + 1, oip, quote);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, sizeof(*ic) + quote);
	w->st.icmp_err_sent++;
	worker_tx(w, port, e);
}
