/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sluice-decap's TC ingress program: strip the outer header of IPIP (IPv4 in IPv4),
 * IPv6-in-IPv6 and GUE (UDP to the configured port; GUE version 0 with no options, or
 * version 1: the inner IP header right after UDP, as Katran sends it), the inner packet of
 * the outer's family (the EtherType stays), when the inner
 * destination is an address of this host (local_addrs),
 * and hand the inner packet on. Everything else passes untouched. Counted per CPU.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "tools/decap_counters.h"

/* The GUE port, set by the loader before load (network order); 0: no GUE. */
volatile const __u16 gue_port_be = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DECAP_N);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void
count(__u32 k)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &k);

	if (v)
		*v += 1;
}

/*
 * The host's addresses (IPv4 as ::ffff:a.b.c.d), kept by the loader from getifaddrs() every
 * second. Not the FIB: bpf_fib_lookup() answers "forwarding disabled" before it looks at a
 * local route on a host that does not forward, as a backend does not.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DECAP_MAX_ADDRS);
	__type(key, struct decap_addr);
	__type(value, __u32);
} local_addrs SEC(".maps");

/* Whether the inner header hdr (family v6) is addressed to one of the host's addresses. */
static __always_inline int
is_local(int v6, const void *hdr)
{
	struct decap_addr a = {};

	if (v6) {
		__builtin_memcpy(a.b, &((const struct ipv6hdr *)hdr)->daddr, 16);
	} else {
		__u32 d = ((const struct iphdr *)hdr)->daddr;

		a.b[10] = 0xff;
		a.b[11] = 0xff;
		__builtin_memcpy(&a.b[12], &d, 4);
	}
	return bpf_map_lookup_elem(&local_addrs, &a) != NULL;
}

/* Remove len bytes after the Ethernet header: the outer headers. */
static __always_inline int
strip(struct __sk_buff *skb, __u32 len, __u32 what)
{
	if (bpf_skb_adjust_room(skb, -(__s32)len, BPF_ADJ_ROOM_MAC, 0) != 0) {
		count(DECAP_FAILED);
		return TC_ACT_OK;
	}
	count(what);
	return TC_ACT_OK;
}

/*
 * The inner header at off (family v6) of the packet in [data, end): strip the first off
 * bytes after the Ethernet header when it is for this host.
 */
static __always_inline int
inner(struct __sk_buff *skb, void *data, void *end, __u32 off, int v6, __u32 what)
{
	void *h = data + sizeof(struct ethhdr) + off;

	if (v6) {
		if (h + sizeof(struct ipv6hdr) > end || (((__u8 *)h)[0] >> 4) != 6)
			goto bad;
	} else {
		if (h + sizeof(struct iphdr) > end || (((__u8 *)h)[0] >> 4) != 4)
			goto bad;
	}
	if (!is_local(v6, h)) {
		count(DECAP_NOT_LOCAL);
		return TC_ACT_OK;
	}
	return strip(skb, off, what);
bad:
	count(DECAP_MALFORMED);
	return TC_ACT_OK;
}

/*
 * The most of a tunnel packet the program reads: Ethernet, an outer IPv4 header with
 * options (or IPv6), UDP and GUE, an inner IPv6 header.
 */
#define DECAP_PULL (14 + 60 + 8 + 4 + 40)

/*
 * Make the headers of a possible tunnel packet readable in place. The program reads them
 * directly, which reaches only the skb's linear part; a packet sent through a packet socket's
 * TX ring (DPDK's af_packet, a balancer on the same host or bridge) carries all but its
 * first bytes in page fragments, so its inner header is not there until pulled. Only IPIP,
 * IPv6-in-IPv6 and UDP packets are pulled: everything else passes untouched, unread.
 */
static __always_inline void
pull_tunnel(struct __sk_buff *skb)
{
	__u16 h_proto;
	__u8 proto = 0;
	__u32 need;

	if (bpf_skb_load_bytes(skb, 12, &h_proto, 2) != 0)
		return;
	if (h_proto == bpf_htons(ETH_P_IP))
		bpf_skb_load_bytes(skb, 14 + 9, &proto, 1);
	else if (h_proto == bpf_htons(ETH_P_IPV6))
		bpf_skb_load_bytes(skb, 14 + 6, &proto, 1);
	if (proto != IPPROTO_IPIP && proto != IPPROTO_IPV6 && proto != IPPROTO_UDP)
		return;
	need = skb->len < DECAP_PULL ? skb->len : DECAP_PULL;
	if ((long)skb->data + need > (long)skb->data_end)
		bpf_skb_pull_data(skb, need);
}

SEC("tc")
int
sluice_decap(struct __sk_buff *skb)
{
	void *data, *end;
	struct ethhdr *eth;
	__u32 olen;
	__u8 proto;

	pull_tunnel(skb);
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	eth = data;
	if ((void *)(eth + 1) > end)
		return TC_ACT_OK;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end || ip->ihl < 5)
			return TC_ACT_OK;
		/* fragments of a tunnel are the kernel's to reassemble: never decapsulated here */
		if (ip->frag_off & bpf_htons(0x3fff))
			return TC_ACT_OK;
		olen = ip->ihl * 4;
		proto = ip->protocol;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end)
			return TC_ACT_OK;
		olen = sizeof(*ip6);
		proto = ip6->nexthdr; /* an extension header first: not ours */
	} else {
		return TC_ACT_OK;
	}
	if (olen > 60)
		return TC_ACT_OK;
	if (eth->h_proto == bpf_htons(ETH_P_IP) && proto == IPPROTO_IPIP)
		return inner(skb, data, end, olen, 0, DECAP_IPIP);
	if (eth->h_proto == bpf_htons(ETH_P_IPV6) && proto == IPPROTO_IPV6)
		return inner(skb, data, end, olen, 1, DECAP_IP6IP6);
	if (proto == IPPROTO_UDP && gue_port_be != 0) {
		int outer6 = eth->h_proto == bpf_htons(ETH_P_IPV6);

		struct udphdr *uh = data + sizeof(*eth) + olen;
		__u8 *g = (__u8 *)(uh + 1);

		if ((void *)(uh + 1) > end || uh->dest != gue_port_be)
			return TC_ACT_OK;
		if ((void *)(g + 4) > end)
			goto bad;
		switch (g[0] >> 6) {
		case 0: /* version 0: 4 bytes, hlen (options) 0, proto_ctype the inner protocol */
			/* the same family inside: the packet keeps its EtherType */
			if ((g[0] & 0x3f) != 0 || g[1] != (outer6 ? IPPROTO_IPV6 : IPPROTO_IPIP))
				goto bad;
			return inner(skb, data, end, olen + sizeof(*uh) + 4, g[1] == IPPROTO_IPV6,
				     DECAP_GUE);
		case 1: /* version 1: the inner IP header itself, of the outer's family */
			return inner(skb, data, end, olen + sizeof(*uh), outer6, DECAP_GUE);
		default:
			goto bad;
		}
	}
	return TC_ACT_OK;
bad:
	count(DECAP_MALFORMED);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
