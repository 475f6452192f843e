/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_FIXTURE_ERRORS_H
#define SLUICE_FIXTURE_ERRORS_H

/*
 * ICMP and ICMPv6 errors about a packet the node sent, as a router on the client's side or
 * a backend would send them, for the fixtures of the relays (every mode's). Include after
 * env.h.
 */
#include <rte_icmp.h>

#include "packet/pkt.h"

/* A router on the client's side: the errors of port 0 come from it. */
static const struct rte_ether_addr router_mac = { { 2, 0, 0, 0, 1, 0xfe } };

/*
 * An ICMP error of type/code from src to dst, arriving on port `in`, quoting the IP packet
 * `q` (its IP header and `qlen` bytes of it). info: the 32 bits after the checksum.
 */
static inline struct rte_mbuf *
icmp_error(const char *src, const char *dst, uint8_t type, uint8_t code, uint32_t info,
	   struct rte_mbuf *q, unsigned qlen, unsigned in)
{
	uint8_t body[600];
	struct fx_l4 f = { .proto = IPPROTO_ICMP, .src = src, .dst = dst, .payload = body,
			   .payload_len = qlen };
	const struct rte_ether_addr *mac = in == 0 ? &router_mac : &be_mac;
	struct rte_mbuf *m;
	struct rte_icmp_hdr *ic;

	assert_true(qlen <= sizeof(body));
	memcpy(body, ip_of(q), qlen);
	rte_pktmbuf_free(q);
	m = fx_frame(mp, mac, &port_mac[in], &f);
	ic = (struct rte_icmp_hdr *)(ip_of(m) + 1);
	ic->icmp_type = type;
	ic->icmp_code = code;
	memcpy(&ic->icmp_ident, &info, 4);
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, sizeof(*ic) + qlen);
	return m;
}

/* A TCP SYN or UDP datagram over IPv6 with 5 bytes of data, from smac to port `port`. */
static inline struct rte_mbuf *
seg6(uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport,
     const struct rte_ether_addr *smac, unsigned port)
{
	struct fx_l4 f = { .proto = proto, .src = src, .dst = dst, .sport = sport, .dport = dport,
			   .tcp_flags = proto == IPPROTO_TCP ? RTE_TCP_SYN_FLAG : 0,
			   .payload = "hello", .payload_len = 5 };

	return fx_frame6(mp, smac, &port_mac[port], &f);
}

/* The IPv6 header of a frame. */
static inline const uint8_t *
ip6b(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, const uint8_t *, PKT_IP_OFF);
}

/*
 * An ICMPv6 error of type/code from src to dst, arriving on port `in`, quoting qlen bytes
 * of the IPv6 packet in q (q is freed). info: the 32 bits after the checksum.
 */
static inline struct rte_mbuf *
icmp6_error(const char *src, const char *dst, uint8_t type, uint8_t code, uint32_t info,
	    struct rte_mbuf *q, unsigned qlen)
{
	uint8_t body[600] = { type, code };
	int in = memcmp(src, "2001:db8:1:", 11) == 0 ? 0 : 1;
	struct rte_mbuf *m;

	assert_true(qlen + 8 <= sizeof(body) && qlen + PKT_IP_OFF <= rte_pktmbuf_data_len(q));
	info = rte_cpu_to_be_32(info);
	memcpy(body + 4, &info, 4);
	memcpy(body + 8, ip6b(q), qlen);
	rte_pktmbuf_free(q);
	m = fx_icmp6(mp, in == 0 ? &router_mac : &be_mac, &port_mac[in], src, dst, 64, body,
		     8 + qlen);
	m->port = (uint16_t)in;
	return m;
}

#endif
