/* SPDX-License-Identifier: Apache-2.0 */
#include "net/icmp.h"
#include "packet/csum.h"

void
icmp_input(struct worker *w, const struct snapshot *snap, struct rte_mbuf *m,
	   const struct pkt_meta *p)
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
		if (worker_to_kernel(w, dst, m) < 0)
			worker_drop(w, m, DROP_icmp_unhandled);
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
