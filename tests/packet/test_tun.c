/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packet fixtures of mode tun (issue 10, item 2): the client's packet leaves toward the
 * backend whole, behind an outer IPv4 (IPIP) or IPv6 (IPv6 in IPv6) header, or behind UDP
 * to the GUE port and a GUE header: the outer bytes, lengths and checksums, the outer
 * source (the port's address, or tunnel_source), DF/DSCP copied, TTL 64, the GUE source
 * port and the flow label from the flow; a routed backend; the conn one way; a packet over
 * the MTU once wrapped answered with frag-needed / packet-too-big (or dropped without DF);
 * an ICMP error from the client's side wrapped to the backend.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "env.h"
#include "errors.h"
#include "net/icmp.h"
#include "net/nd.h"
#include "test_eal.h"

#define VIP_IPIP "10.0.0.30"
#define VIP_GUE "10.0.0.31"
#define VIP_SRC "10.0.0.32"   /* ipip with tunnel_source: the LIP */
#define VIP_ROUTED "10.0.0.33" /* a backend behind a router */
#define VIP6_IPIP "2001:db8:100::30"
#define VIP6_GUE "2001:db8:100::31"
#define GW_MAC_LAST 0xfe

#define TUN_SERVICES                                                                    \
	"  - vip: " VIP_IPIP ":80/tcp\n"                                                \
	"    mode: tun\n"                                                               \
	"    scheduler: rr\n"                                                           \
	"    backends: [{address: 10.0.2.11:80}, {address: 10.0.2.12:80}]\n"            \
	"  - vip: " VIP_GUE ":80/tcp\n"                                                 \
	"    mode: tun\n"                                                               \
	"    tunnel: {type: gue, port: 6080}\n"                                         \
	"    backends: [{address: 10.0.2.11:80}]\n"                                     \
	"  - vip: " VIP_SRC ":53/udp\n"                                                 \
	"    mode: tun\n"                                                               \
	"    tunnel: ipip\n"                                                            \
	"    tunnel_source: 10.0.2.100\n"                                               \
	"    backends: [{address: 10.0.2.21:53}]\n"                                     \
	"  - vip: " VIP_ROUTED ":80/tcp\n"                                              \
	"    mode: tun\n"                                                               \
	"    backends: [{address: 10.0.9.11:80}]\n"                                     \
	"  - vip: '[" VIP6_IPIP "]:80/tcp'\n"                                           \
	"    mode: tun\n"                                                               \
	"    backends: [{address: '[2001:db8:2::11]:80'}]\n"                            \
	"  - vip: '[" VIP6_GUE "]:80/tcp'\n"                                            \
	"    mode: tun\n"                                                               \
	"    tunnel: gue\n"                                                             \
	"    backends: [{address: '[2001:db8:2::12]:80'}]\n"

static const struct rte_ether_addr gw_mac = { { 2, 0, 0, 0, 2, GW_MAC_LAST } };

static struct env *
tun_env(void)
{
	struct env *e = env_new6_extra(1, 4096, "  routes: [{to: 10.0.9.0/24, via: 10.0.2.254}]\n",
				       TUN_SERVICES);

	neigh_learn(e->dp->neigh, fx_ip("10.0.2.254"), 1, &gw_mac, 0);
	return e;
}

/*
 * m left toward the backend (eth from port 1 to dmac) as IPv4 from src to dst: protocol
 * proto, TTL 64, DF and TOS of the inner, its header checksum right, then `skip` bytes
 * (UDP and GUE) and the inner packet byte for byte. The outer header.
 */
static const struct rte_ipv4_hdr *
assert_outer4(struct rte_mbuf *m, const struct rte_ether_addr *dmac, const char *src,
	      const char *dst, uint8_t proto, unsigned skip, const struct ipcopy *in)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *o = (const struct rte_ipv4_hdr *)(eth + 1);
	const struct rte_ipv4_hdr *i = (const struct rte_ipv4_hdr *)in->b;

	assert_memory_equal(&eth->dst_addr, dmac, 6);
	assert_memory_equal(&eth->src_addr, &port_mac[1], 6);
	assert_int_equal(eth->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV4));
	assert_int_equal(o->version_ihl, 0x45);
	assert_int_equal(o->next_proto_id, proto);
	assert_int_equal(o->time_to_live, 64);
	assert_int_equal(o->type_of_service, i->type_of_service);
	assert_int_equal(o->fragment_offset, i->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG));
	assert_int_equal(o->src_addr, fx_ip(src));
	assert_int_equal(o->dst_addr, fx_ip(dst));
	assert_int_equal(rte_be_to_cpu_16(o->total_length), 20 + skip + in->len);
	assert_int_equal(rte_pktmbuf_data_len(m), PKT_IP_OFF + 20 + skip + in->len);
	assert_int_equal(rte_raw_cksum(o, 20), 0xffff);
	assert_memory_equal((const uint8_t *)(o + 1) + skip, in->b, in->len);
	return o;
}

/* The UDP and GUE headers after an outer header: to port dport, the GUE of inner proto. */
static uint16_t
assert_gue(const uint8_t *l4, unsigned inner_len, uint16_t dport, uint8_t proto)
{
	const struct rte_udp_hdr *uh = (const struct rte_udp_hdr *)l4;
	const uint8_t *g = l4 + 8;
	uint16_t sport = rte_be_to_cpu_16(uh->src_port);

	assert_int_equal(rte_be_to_cpu_16(uh->dst_port), dport);
	assert_true(sport >= 49152);
	assert_int_equal(rte_be_to_cpu_16(uh->dgram_len), 8 + 4 + inner_len);
	assert_int_equal(g[0], 0); /* GUE version 0, data, no options */
	assert_int_equal(g[1], proto);
	assert_int_equal(g[2] | g[3], 0);
	return sport;
}

/*
 * IPIP: a burst of 32 SYNs (some with another DSCP and no DF) leaves as IPv4 in IPv4 from
 * the backend port's address, spread by rr; every conn one way, without an OUT key.
 */
static void
test_tun_ipip_burst(void **state)
{
	struct env *e = tun_env();
	struct rte_mbuf *in[32];
	struct ipcopy cp[32];
	unsigned i, to11 = 0;

	(void)state;
	for (i = 0; i < 32; i++) {
		struct rte_ipv4_hdr *ip;

		in[i] = tcp("10.0.1.2", (uint16_t)(1000 + i), VIP_IPIP, 80, RTE_TCP_SYN_FLAG,
			    &client_mac, 0);
		ip = ip_of(in[i]);
		if (i & 1) { /* DSCP AF41 with ECN ECT(0), and no DF: copied as they are */
			ip->type_of_service = 0x8a;
			ip->fragment_offset = 0;
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
		}
		in[i]->port = 0;
		ip_copy(in[i], &cp[i]);
	}
	pipeline_run(e->w, in, 32);
	assert_int_equal(out_total(e->w), 32);
	assert_int_equal(e->w->s.out.n[1], 32);
	for (i = 0; i < 32; i++) {
		struct rte_mbuf *m = e->w->s.out.pkts[1][i];
		struct conn *c = conn4_of(e->w, "10.0.1.2", (uint16_t)(1000 + i), VIP_IPIP, 80,
					 IPPROTO_TCP);
		char be[16];

		assert_non_null(c);
		snprintf(be, sizeof(be), "10.0.2.%u", c->daddr == fx_ip("10.0.2.11") ? 11 : 12);
		assert_outer4(m, &be_mac, "10.0.2.1", be, IPPROTO_IPIP, 0, &cp[i]);
		assert_int_equal(c->state, TCP_S_SYN_RECV);
		assert_false(c->flags & CONN_F_OUT);
		assert_true(c->flags & CONN_F_IN_ONLY);
		assert_int_equal(c->laddr, fx_ip("10.0.2.1"));
		assert_int_equal(c->lport, 0);
		to11 += c->daddr == fx_ip("10.0.2.11");
	}
	assert_int_equal(to11, 16);
	assert_int_equal(e->w->s.st.conns_created, 32);
	env_free(e);
}

/*
 * GUE: UDP to 6080 from a source port of the flow's (the same for every packet of a flow,
 * others for other flows), a GUE header naming IPIP, no UDP checksum over IPv4; the client's
 * ACK and data follow the SYN.
 */
static void
test_tun_gue(void **state)
{
	struct env *e = tun_env();
	uint16_t first[8];
	unsigned i, k, distinct = 0;

	(void)state;
	for (i = 0; i < 8; i++) {
		for (k = 0; k < 2; k++) {
			struct fx_l4 f = { .proto = IPPROTO_TCP, .src = "10.0.1.3",
					   .dst = VIP_GUE, .sport = (uint16_t)(2000 + i),
					   .dport = 80,
					   .tcp_flags = k ? RTE_TCP_ACK_FLAG : RTE_TCP_SYN_FLAG,
					   .payload = "GET / HTTP/1.0\r\n\r\n",
					   .payload_len = k ? 18 : 0 };
			struct rte_mbuf *m = fx_frame(mp, &client_mac, &port_mac[0], &f);
			const struct rte_ipv4_hdr *o;
			struct ipcopy cp;
			uint16_t sport;

			ip_copy(m, &cp);
			run1(e->w, m, 0);
			m = out_one(e->w, 1);
			o = assert_outer4(m, &be_mac, "10.0.2.1", "10.0.2.11", IPPROTO_UDP, 12,
					  &cp);
			sport = assert_gue((const uint8_t *)(o + 1), cp.len, 6080, IPPROTO_IPIP);
			assert_int_equal(((const struct rte_udp_hdr *)(o + 1))->dgram_cksum, 0);
			if (k == 0)
				first[i] = sport;
			else
				assert_int_equal(sport, first[i]);
			out_clear(e->w);
		}
	}
	for (i = 0; i < 8; i++) {
		for (k = 0; k < i && first[k] != first[i]; k++)
			;
		distinct += k == i;
	}
	assert_true(distinct >= 6); /* 8 flows over 16384 ports */
	assert_int_equal(conn4_of(e->w, "10.0.1.3", 2000, VIP_GUE, 80, IPPROTO_TCP)->state,
			 TCP_S_ESTABLISHED);
	env_free(e);
}

/* tunnel_source: the outer source is the LIP named; UDP is carried the same way. */
static void
test_tun_source_and_udp(void **state)
{
	struct env *e = tun_env();
	struct fx_l4 f = { .proto = IPPROTO_UDP, .src = "10.0.1.4", .dst = VIP_SRC,
			   .sport = 3333, .dport = 53, .payload = "query", .payload_len = 5 };
	unsigned i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct rte_mbuf *m = fx_frame(mp, &client_mac, &port_mac[0], &f);
		struct ipcopy cp;

		ip_copy(m, &cp);
		run1(e->w, m, 0);
		assert_outer4(out_one(e->w, 1), &be_mac, "10.0.2.100", "10.0.2.21", IPPROTO_IPIP,
			      0, &cp);
		out_clear(e->w);
	}
	assert_int_equal(e->w->s.st.conns_created, 1);
	env_free(e);
}

/* A backend behind a router: the outer header to the backend, the frame to the router. */
static void
test_tun_routed_backend(void **state)
{
	struct env *e = tun_env();
	struct rte_mbuf *m = tcp("10.0.1.5", 4000, VIP_ROUTED, 80, RTE_TCP_SYN_FLAG, &client_mac,
				 0);
	struct ipcopy cp;

	(void)state;
	ip_copy(m, &cp);
	run1(e->w, m, 0);
	assert_outer4(out_one(e->w, 1), &gw_mac, "10.0.2.1", "10.0.9.11", IPPROTO_IPIP, 0, &cp);
	env_free(e);
}

/* A TCP segment of the conn src:sport -> vip:80 with len bytes of data, DF as df says. */
static struct rte_mbuf *
segment(const char *src, uint16_t sport, const char *vip, unsigned len, int df)
{
	static uint8_t data[1500];
	struct fx_l4 f = { .proto = IPPROTO_TCP, .src = src, .dst = vip, .sport = sport,
			   .dport = 80, .tcp_flags = RTE_TCP_ACK_FLAG, .payload = data,
			   .payload_len = len };
	struct rte_mbuf *m = fx_frame(mp, &client_mac, &port_mac[0], &f);

	if (!df) {
		struct rte_ipv4_hdr *ip = ip_of(m);

		ip->fragment_offset = 0;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	return m;
}

/*
 * Over the MTU once wrapped: a full 1500-byte segment with DF gets fragmentation-needed
 * back to the client with the MTU that fits (1480 for IPIP, 1468 for GUE), quoting it, and
 * is not sent; the same without DF is dropped; one that fits exactly goes. The client here
 * is not in the neighbour table: the error goes to the MAC its packet came from.
 */
static void
test_tun_too_big(void **state)
{
	static const struct {
		const char *vip;
		unsigned over;
	} cases[] = { { VIP_IPIP, 20 }, { VIP_GUE, 32 } };
	struct env *e = tun_env();
	unsigned k;

	(void)state;
	assert_int_equal(e->dp->ports[1].mtu, 1500);
	for (k = 0; k < 2; k++) {
		const char *cl = "10.0.1.50";
		uint16_t sport = (uint16_t)(5000 + k);
		struct rte_mbuf *m, *err;
		const struct rte_ipv4_hdr *ip;
		const struct rte_icmp_hdr *ic;
		struct ipcopy cp;
		struct conn *c;
		char be[16];
		uint32_t info;

		run1(e->w, tcp(cl, sport, cases[k].vip, 80, RTE_TCP_SYN_FLAG, &router_mac, 0), 0);
		out_one(e->w, 1);
		out_clear(e->w);
		/* 20 + 20 + 1460 = 1500 bytes of IP: over by the tunnel's bytes */
		m = segment(cl, sport, cases[k].vip, 1460, 1);
		ip_copy(m, &cp);
		run1(e->w, m, 0);
		err = out_one(e->w, 0);
		assert_frame_ok(err);
		assert_memory_equal(&pkt_eth(err)->dst_addr, &client_mac, 6);
		ip = ip_of(err);
		assert_int_equal(ip->src_addr, fx_ip("10.0.1.1"));
		assert_int_equal(ip->dst_addr, fx_ip(cl));
		assert_int_equal(ip->next_proto_id, IPPROTO_ICMP);
		ic = (const struct rte_icmp_hdr *)(ip + 1);
		assert_int_equal(ic->icmp_type, ICMP4_DEST_UNREACH);
		assert_int_equal(ic->icmp_code, ICMP4_FRAG_NEEDED);
		memcpy(&info, &ic->icmp_ident, 4);
		assert_int_equal(rte_be_to_cpu_32(info), 1500 - cases[k].over);
		assert_memory_equal(ic + 1, cp.b, 28); /* the header and 8 bytes of it */
		assert_int_equal(e->w->s.st.drops[DROP_too_big], k + 1);
		out_clear(e->w);
		/* Without DF: dropped, nothing sent either way. */
		run1(e->w, segment(cl, sport, cases[k].vip, 1460, 0), 0);
		assert_int_equal(out_total(e->w), 0);
		assert_int_equal(e->w->s.st.drops[DROP_too_big_no_df], k + 1);
		/* The largest that fits goes. */
		m = segment(cl, sport, cases[k].vip, 1460 - cases[k].over, 1);
		ip_copy(m, &cp);
		run1(e->w, m, 0);
		m = out_one(e->w, 1);
		assert_int_equal(rte_pktmbuf_data_len(m) - PKT_IP_OFF, 1500);
		c = conn4_of(e->w, cl, sport, cases[k].vip, 80, IPPROTO_TCP);
		assert_non_null(c);
		inet_ntop(AF_INET, &c->daddr, be, sizeof(be));
		assert_outer4(m, &be_mac, "10.0.2.1", be, k ? IPPROTO_UDP : IPPROTO_IPIP,
			      k ? 12 : 0, &cp);
		out_clear(e->w);
	}
	assert_int_equal(e->w->s.st.icmp_err_sent, 2);
	env_free(e);
}

/* A router's fragmentation-needed about what the backend sent the client goes to it, wrapped. */
static void
test_tun_icmp_from_the_client_side(void **state)
{
	struct env *e = tun_env();
	struct rte_mbuf *q, *m;
	struct ipcopy cp;

	(void)state;
	run1(e->w, tcp("10.0.1.6", 6000, VIP_GUE, 80, RTE_TCP_SYN_FLAG, &client_mac, 0), 0);
	out_clear(e->w);
	q = tcp(VIP_GUE, 80, "10.0.1.6", 6000, RTE_TCP_ACK_FLAG, &be_mac, 0);
	m = icmp_error("10.0.1.9", VIP_GUE, ICMP4_DEST_UNREACH, ICMP4_FRAG_NEEDED,
		       rte_cpu_to_be_32(1400), q, 20 + 20, 0);
	ip_copy(m, &cp);
	run1(e->w, m, 0);
	assert_outer4(out_one(e->w, 1), &be_mac, "10.0.2.1", "10.0.2.11", IPPROTO_UDP, 12, &cp);
	assert_int_equal(e->w->s.st.icmp_relayed, 1);
	env_free(e);
}

/*
 * m left as IPv6 from src to dst: next header nh, hop limit 64, the inner's traffic class,
 * a flow label, `skip` bytes (UDP and GUE), then the inner packet byte for byte. The flow
 * label.
 */
static uint32_t
assert_outer6(struct rte_mbuf *m, const char *src, const char *dst, uint8_t nh, unsigned skip,
	      const struct ipcopy *in)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv6_hdr *o = (const struct rte_ipv6_hdr *)(eth + 1);
	const struct rte_ipv6_hdr *i = (const struct rte_ipv6_hdr *)in->b;
	uint8_t a[16];
	uint32_t v = rte_be_to_cpu_32(o->vtc_flow);

	assert_memory_equal(&eth->dst_addr, &be_mac, 6);
	assert_memory_equal(&eth->src_addr, &port_mac[1], 6);
	assert_int_equal(eth->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV6));
	assert_int_equal(v >> 28, 6);
	assert_int_equal(v & 0x0ff00000u, rte_be_to_cpu_32(i->vtc_flow) & 0x0ff00000u);
	assert_int_equal(o->proto, nh);
	assert_int_equal(o->hop_limits, 64);
	inet_pton(AF_INET6, src, a);
	assert_memory_equal(o->src_addr, a, 16);
	inet_pton(AF_INET6, dst, a);
	assert_memory_equal(o->dst_addr, a, 16);
	assert_int_equal(rte_be_to_cpu_16(o->payload_len), skip + in->len);
	assert_int_equal(rte_pktmbuf_data_len(m), PKT_IP_OFF + 40 + skip + in->len);
	assert_memory_equal((const uint8_t *)(o + 1) + skip, in->b, in->len);
	return v & 0xfffffu;
}

/*
 * IPv6 in IPv6 and GUE over IPv6 (a burst of 16 flows each, with data and another traffic
 * class, then the burst again): the outer header, a flow label per flow (the same for its
 * packets), and GUE's UDP checksum right when summed from scratch over the whole datagram.
 */
static void
test_tun6(void **state)
{
	struct env *e = tun_env();
	static const char payload[200] = "data";
	uint32_t label[2][16];
	unsigned k, i, j, distinct = 0;

	(void)state;
	for (j = 0; j < 4; j++) {
		const char *vip = (j & 1) ? VIP6_GUE : VIP6_IPIP;
		const char *be = (j & 1) ? "2001:db8:2::12" : "2001:db8:2::11";
		struct rte_mbuf *in[16];
		struct ipcopy cp[16];

		k = j & 1;
		for (i = 0; i < 16; i++) {
			struct fx_l4 f = { .proto = IPPROTO_TCP, .src = "2001:db8:1::2", .dst = vip,
					   .sport = (uint16_t)(7000 + i), .dport = 80,
					   .tcp_flags = RTE_TCP_SYN_FLAG, .payload = payload,
					   .payload_len = i * 10 + 1 };
			struct rte_ipv6_hdr *ip;

			in[i] = fx_frame6(mp, &client_mac, &port_mac[0], &f);
			ip = rte_pktmbuf_mtod_offset(in[i], struct rte_ipv6_hdr *, PKT_IP_OFF);
			ip->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)(i * 8) << 20 | 0x12345);
			in[i]->port = 0;
			ip_copy(in[i], &cp[i]);
		}
		pipeline_run(e->w, in, 16);
		assert_int_equal(out_total(e->w), 16);
		assert_int_equal(e->w->s.out.n[1], 16);
		for (i = 0; i < 16; i++) {
			struct rte_mbuf *m = e->w->s.out.pkts[1][i];
			uint32_t fl = assert_outer6(m, "2001:db8:2::1", be,
						    k ? IPPROTO_UDP : IPPROTO_IPV6, k ? 12 : 0,
						    &cp[i]);

			if (k) {
				const uint8_t *o = rte_pktmbuf_mtod_offset(m, uint8_t *, PKT_IP_OFF);

				assert_gue(o + 40, cp[i].len, 6080, IPPROTO_IPV6);
				assert_int_equal(fx_l4_sum6(o + 8, o + 24, IPPROTO_UDP, o + 40,
							    12 + cp[i].len), 0xffff);
			}
			if (j < 2)
				label[k][i] = fl;
			else
				assert_int_equal(fl, label[k][i]); /* the flow's own */
		}
		out_clear(e->w);
	}
	for (i = 0; i < 16; i++) {
		for (k = 0; k < i && label[0][k] != label[0][i]; k++)
			;
		distinct += k == i;
	}
	assert_true(distinct >= 14);
	assert_int_equal(conn_count(e->w->s.ct6), 32);
	env_free(e);
}

/* IPv6 over the MTU once wrapped: packet-too-big with the MTU that fits (1460, 1448). */
static void
test_tun6_too_big(void **state)
{
	static uint8_t data[1500];
	struct env *e = tun_env();
	unsigned k;

	(void)state;
	for (k = 0; k < 2; k++) {
		const char *vip = k ? VIP6_GUE : VIP6_IPIP;
		struct fx_l4 f = { .proto = IPPROTO_TCP, .src = "2001:db8:1::3", .dst = vip,
				   .sport = 8000, .dport = 80, .tcp_flags = RTE_TCP_SYN_FLAG };
		const uint8_t *ip;
		uint32_t mtu;

		run1(e->w, fx_frame6(mp, &client_mac, &port_mac[0], &f), 0);
		out_clear(e->w);
		f.tcp_flags = RTE_TCP_ACK_FLAG;
		f.payload = data;
		f.payload_len = 1440; /* 1500 bytes of IPv6 */
		run1(e->w, fx_frame6(mp, &client_mac, &port_mac[0], &f), 0);
		ip = ip6b(out_one(e->w, 0));
		assert_int_equal(ip[6], IP6_ICMPV6);
		assert_int_equal(ip[40], ICMP6_PACKET_TOO_BIG);
		memcpy(&mtu, ip + 44, 4);
		assert_int_equal(rte_be_to_cpu_32(mtu), k ? 1448 : 1460);
		assert_int_equal(fx_sum6(ip + 8, ip + 24, ip + 40,
					 rte_be_to_cpu_16(*(const uint16_t *)(ip + 4))), 0xffff);
		assert_int_equal(e->w->s.st.drops[DROP_too_big], k + 1);
		out_clear(e->w);
	}
	env_free(e);
}

/*
 * A node with IPv6 ports but no IPv6 LIP carries IPv6 DR and TUN services: neither needs
 * a LIP (the IPv6 conn table was once made only with IPv6 LIPs, and these were dropped).
 */
static void
test_tun6_and_dr6_need_no_lip6(void **state)
{
	char text[4096];
	struct env *e;
	struct fx_l4 f = { .proto = IPPROTO_TCP, .src = "2001:db8:1::4", .sport = 9000,
			   .dport = 80, .tcp_flags = RTE_TCP_SYN_FLAG };
	struct ipcopy cp;
	struct rte_mbuf *m;

	(void)state;
	snprintf(text, sizeof(text), CONFIG, 1u, 4096u);
	env_subst(text, sizeof(text), "address: 10.0.1.1/24}",
		  "address: [10.0.1.1/24, \"2001:db8:1::1/64\"]}");
	env_subst(text, sizeof(text), "address: 10.0.2.1/24}",
		  "address: [10.0.2.1/24, \"2001:db8:2::1/64\"]}");
	strcat(text, "  - vip: '[" VIP6_IPIP "]:80/tcp'\n"
		     "    mode: tun\n"
		     "    backends: [{address: '[2001:db8:2::11]:80'}]\n"
		     "  - vip: '[" VIP6_GUE "]:80/tcp'\n"
		     "    mode: dr\n"
		     "    backends: [{address: '[2001:db8:2::11]:80'}]\n");
	e = env_new_text(text);
	assert_int_equal(e->dp->n_laddrs6, 0);
	f.dst = VIP6_IPIP;
	m = fx_frame6(mp, &client_mac, &port_mac[0], &f);
	ip_copy(m, &cp);
	run1(e->w, m, 0);
	assert_outer6(out_one(e->w, 1), "2001:db8:2::1", "2001:db8:2::11", IPPROTO_IPV6, 0, &cp);
	out_clear(e->w);
	f.dst = VIP6_GUE;
	m = fx_frame6(mp, &client_mac, &port_mac[0], &f);
	ip_copy(m, &cp);
	run1(e->w, m, 0);
	m = out_one(e->w, 1);
	assert_memory_equal(rte_pktmbuf_mtod_offset(m, uint8_t *, PKT_IP_OFF), cp.b, cp.len);
	assert_int_equal(conn_count(e->w->s.ct6), 2);
	env_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tun_ipip_burst),
		cmocka_unit_test(test_tun_gue),
		cmocka_unit_test(test_tun_source_and_udp),
		cmocka_unit_test(test_tun_routed_backend),
		cmocka_unit_test(test_tun_too_big),
		cmocka_unit_test(test_tun_icmp_from_the_client_side),
		cmocka_unit_test(test_tun6),
		cmocka_unit_test(test_tun6_too_big),
		cmocka_unit_test(test_tun6_and_dr6_need_no_lip6),
	};

	ENV_RUN(tests);
}
