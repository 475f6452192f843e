/* SPDX-License-Identifier: Apache-2.0 */
#include <stddef.h>
#include <string.h>

#include "net/egress.h"
#include "net/icmp.h"
#include "net/neigh.h"
#include "net/route.h"
#include "packet/csum.h"

#define ICMP_ERR_MAX_IP 576u /* RFC 1812 4.3.2.3: the whole error fits in 576 bytes */

void
icmp_input(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
	   struct pkt_meta *p)
{
	const struct dp *dp = w->dp;
	struct rte_ether_hdr *eth = pkt_eth(m);
	struct rte_ipv4_hdr *ip = pkt_ip(m);
	struct rte_icmp_hdr *ic = pkt_l4(m, p);
	struct rte_ether_addr tmp;
	uint32_t dst = ip->dst_addr;

	if (ic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || ic->icmp_code != 0 ||
	    !(dp_local_kind(dp, dst) || snap_is_vip(snap, dst))) {
		/* Echo replies and errors for what the kernel sent go back to it. */
		if (egress_to_kernel(w, dst, m) < 0)
			stage_drop(w, m, DROP_icmp_unhandled);
		return;
	}
	if (unlikely(rte_raw_cksum(ic, (size_t)(p->ip_len - (p->l4_off - PKT_IP_OFF))) !=
		     0xffff)) {
		stage_drop(w, m, DROP_bad_icmp_checksum);
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
	stage_tx(w, p->in_port, m);
}

void
icmp_send_error(struct stage *w, struct rte_mbuf *m, const struct pkt_meta *p, uint8_t type,
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
	if (eth == NULL || egress_resolve_back(w, nh, port, m, p->in_port, &eth->dst_addr) < 0) {
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
	stage_tx(w, port, e);
}
