/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ICMPv6 errors about IPv6 conns (RFC 4443: destination unreachable, packet too big, time
 * exceeded, parameter problem), relayed by each conn's mode (fwd_ops.icmp_xmit6) as
 * forward/fwd_icmp.c does for ICMP: the quoted packet is one the node sent, so its reverse
 * is one of the conn's keys, and the error is addressed to the side of the node that sent
 * it (the VIP toward the client, the LIP toward the backend).
 */
#include <stddef.h>
#include <string.h>

#include "flow/conn.h"
#include "forward/fwd.h"
#include "forward/fwd_icmp.h"
#include "forward/xmit.h"
#include "forward/laddr.h"
#include "net/egress.h"

/*
 * The quote of the error m: q filled, k the key of the reverse of the quoted packet (the
 * packet the conn's other end sent, as the node received it). 0; -ENOENT when the quote is
 * no TCP or UDP packet (then q->ports is NULL); else a drop reason.
 */
static int
icmp6_quote(struct rte_mbuf *m, const struct pkt6_meta *p, struct fwd_icmp *q,
	    struct conn_key6 *k)
{
	uint8_t *ic = rte_pktmbuf_mtod_offset(m, uint8_t *, p->l4_off);
	unsigned room = (unsigned)(p->ip_len - (p->l4_off - PKT_IP_OFF)), qlen, off;
	uint8_t l4;

	*q = (struct fwd_icmp){ .ic = (struct rte_icmp_hdr *)ic, .in = ic + 8, .room = room };
	/* the ICMPv6 header, the quoted IPv6 header and the quoted ports at least */
	if (room < 8 + PKT6_IP_LEN + 8 || (q->in[0] >> 4) != 6)
		return DROP_l4_truncated;
	qlen = room - 8;
	/* The node sends what it forwards with the extension headers it came with. */
	if (pkt6_walk(q->in, qlen, &l4, &off) != 0 || (l4 != PROTO_TCP && l4 != PROTO_UDP))
		return -ENOENT;
	if (off + 8 > qlen)
		return DROP_l4_truncated;
	q->ports = q->in + off;
	memset(k, 0, sizeof(*k));
	memcpy(k->saddr, q->in + offsetof(struct rte_ipv6_hdr, dst_addr), 16);
	memcpy(k->daddr, q->in + offsetof(struct rte_ipv6_hdr, src_addr), 16);
	memcpy(&k->sport, q->ports + 2, 2);
	memcpy(&k->dport, q->ports, 2);
	k->proto = l4;
	/* The quoted L4 checksum, when the quote reaches it (UDP's always does). */
	if (l4 == PROTO_UDP)
		q->l4sum = q->ports + offsetof(struct rte_udp_hdr, dgram_cksum);
	else if (qlen - off >= offsetof(struct rte_tcp_hdr, cksum) + 2)
		q->l4sum = q->ports + offsetof(struct rte_tcp_hdr, cksum);
	return 0;
}

/* Relay m to the other side of this worker's conn k names. 0, -ENOENT or a drop reason. */
static int
icmp6_relay(struct stage *w, struct rte_mbuf *m, struct pkt6_meta *p, const struct fwd_icmp *q,
	    const struct conn_key6 *k)
{
	const struct conn6_addrs *a;
	enum conn_dir dir;
	struct conn *c;

	if (w->ct6 == NULL)
		return -ENOENT;
	c = conn6_lookup(w->ct6, k, &dir);
	if (c == NULL || fwd_of(c)->icmp_xmit6[dir] == NULL)
		return -ENOENT;
	a = conn6_addrs(w->ct6, c);
	if (memcmp(p->key.daddr, dir == CONN_DIR_IN ? a->vaddr : a->laddr, 16) != 0)
		return -ENOENT;
	if (unlikely(pkt6_icmp_sum(pkt_ip6(m), q->ic, q->room) != 0xffff))
		return DROP_bad_icmp_checksum;
	if (unlikely(c->flags & CONN_F_SYNPROXY) && dir == CONN_DIR_IN)
		fwd_icmp_sp_quote(w->ct6, c, q);
	return fwd_of(c)->icmp_xmit6[dir](w, c, m, p, q);
}

/*
 * An error about the backend side of another worker's conn: that worker owns the quoted LIP
 * port (FULLNAT: it quotes LIP -> backend), or the quoted client (NAT: client -> a NAT
 * backend). 1 when handed over.
 */
static int
icmp6_handoff(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
	      const struct conn_key6 *k)
{
	const struct dp *dp = w->dp;

	if (dp->n_workers < 2)
		return 0;
	if (dp_is_lip6(dp, k->daddr))
		return fwd_icmp_hand_to(w, m, laddr_owner(k->dport, dp->worker_mask));
	if (snap_is_nat_backend6(snap, k->saddr))
		return fwd_icmp_hand_to(w, m, fwd_client_owner6(dp, k->daddr, k->dport));
	return 0;
}

/*
 * An error about the client side of a conn (it quotes VIP -> client) that this worker does
 * not have: passed round the workers as fwd_icmp.c's icmp_pass_on() does. 1 when passed on.
 */
static int
icmp6_pass_on(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
	      const struct conn_key6 *k, uint32_t hops)
{
	const struct dp *dp = w->dp;

	if (dp->n_workers < 2 || hops + 1 >= dp->n_workers || !snap_is_vip6(snap, k->daddr))
		return 0;
	return fwd_icmp_pass_next(w, m, hops);
}

void
fwd_icmp6_error(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
		struct pkt6_meta *p, uint32_t hops)
{
	struct conn_key6 k;
	struct fwd_icmp q;
	int e = icmp6_quote(m, p, &q, &k);

	if (e == 0)
		e = icmp6_relay(w, m, p, &q, &k);
	if (e == 0)
		return;
	if (e != -ENOENT) {
		stage_drop(w, m, (unsigned)e);
		return;
	}
	if (q.ports != NULL && hops == 0 && icmp6_handoff(w, snap, m, &k))
		return;
	if (q.ports != NULL && icmp6_pass_on(w, snap, m, &k, hops))
		return;
	/* Errors about what the kernel sent (health checks, BGP) are the kernel's. */
	if (egress_to_kernel6(w, p->in_port, p->key.daddr, 0, m) < 0)
		stage_drop(w, m, DROP_icmp_no_conn);
}

/* The two-way modes' relay (forward/xmit.h). */
int
fwd_icmp6_rewrite(struct stage *w, struct rte_mbuf *m, const struct fwd_icmp *q,
		  const uint8_t qsrc[16], const uint8_t qdst[16], uint16_t qsport, uint16_t qdport,
		  const uint8_t osrc[16], const uint8_t odst[16], uint8_t port, const uint8_t nh[16])
{
	struct rte_ether_hdr *eth = pkt_eth(m);
	struct rte_ipv6_hdr *ip = pkt_ip6(m);

	if (unlikely(fwd_hop_dec6(ip) != 0))
		return DROP_ttl_exceeded;
	fwd_quote_set16(q->in + offsetof(struct rte_ipv6_hdr, src_addr), qsrc, q->l4sum);
	fwd_quote_set16(q->in + offsetof(struct rte_ipv6_hdr, dst_addr), qdst, q->l4sum);
	fwd_quote_set2(q->ports, qsport, q->l4sum);
	fwd_quote_set2(q->ports + 2, qdport, q->l4sum);
	memcpy(ip->src_addr, osrc, 16);
	memcpy(ip->dst_addr, odst, 16);
	q->ic->icmp_cksum = 0;
	q->ic->icmp_cksum = (uint16_t)~pkt6_icmp_sum(ip, q->ic, q->room);
	if (unlikely(egress_resolve6(w, nh, port, &eth->dst_addr) < 0))
		return DROP_neigh_unresolved;
	rte_ether_addr_copy(&w->dp->ports[port].mac, &eth->src_addr);
	w->st.icmp_relayed++;
	stage_tx(w, port, m);
	return 0;
}
