/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pipeline benchmark's runs of the TCP features that follow a conn's segments one by
 * one: the SYN proxy (mode sp) and the client address's PROXY header (mode pp).
 * pipeline_bench.c has the node, the frames and the timing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>

#include "common/drop.h"
#include "net/dp.h"
#include "packet/proxy_hdr.h"
#include "pipeline_bench.h"

static void
sp_take_synack(uint64_t i, struct rte_mbuf *m, void *arg)
{
	struct flows *r = arg;

	r->cookie[i] = rte_be_to_cpu_32(out_tcp(m, r->v6)->sent_seq);
}

static void
sp_make_ack(uint64_t i, struct rte_mbuf *m, void *arg)
{
	struct flows *r = arg;
	union addr46 a = flow_addr(i, r->v6);

	fill(m, &a, &r->vip, flow_port(i), RTE_BE16(80), RTE_TCP_ACK_FLAG, 0, r->v6);
	seq_ack(m, r->v6, 1, r->cookie[i] + 1);
}

/* The node's SYN to the backend: the backend side's tuple of flow i. */
static void
sp_take_syn(uint64_t i, struct rte_mbuf *m, void *arg)
{
	struct flows *r = arg;
	const struct rte_tcp_hdr *th = out_tcp(m, r->v6);

	if (r->v6) {
		const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14);

		memcpy(r->rep[i].daddr.b, ip->dst_addr, 16);
		memcpy(r->rep[i].laddr.b, ip->src_addr, 16);
	} else {
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);

		r->rep[i].daddr = addr46_from_v4(ip->dst_addr);
		r->rep[i].laddr = addr46_from_v4(ip->src_addr);
	}
	r->rep[i].dport = th->dst_port;
	r->rep[i].lport = th->src_port;
}

/* Mode sp: the SYN proxy's steps for `conns` flows, then its established packets. */
void
run_sp(uint64_t conns, int v6)
{
	struct cfg c;
	struct dp *dp = node((uint32_t)(conns + conns / 8 + 1024), &c, v6, "sp");
	struct worker *w = dp->workers[0];
	struct flows r = { .v6 = v6, .v6_out = v6, .conns = conns, .vip = c.services[0].vip,
			    .cookie = malloc(sizeof(uint32_t) * conns),
			    .rep = malloc(sizeof(struct reply) * conns) };
	const char *sfx = v6 ? "6" : "";
	char name[40];

	if (r.cookie == NULL || r.rep == NULL)
		exit(1);
	snprintf(name, sizeof(name), "sp-syn%s", sfx);
	report(name, conns, conns, timed(w, conns, make_syn, sp_take_synack, 0, &r));
	snprintf(name, sizeof(name), "sp-ack%s", sfx);
	report(name, conns, conns, timed(w, conns, sp_make_ack, sp_take_syn, 1, &r));
	snprintf(name, sizeof(name), "sp-synack%s", sfx);
	report(name, conns, conns, timed(w, conns, make_synack, NULL, 1, &r));
	snprintf(name, sizeof(name), "sp-est-in%s", sfx);
	report(name, conns, PKTS_EST, timed(w, PKTS_EST, make_in, NULL, 1, &r));
	snprintf(name, sizeof(name), "sp-est-out%s", sfx);
	report(name, conns, PKTS_EST, timed(w, PKTS_EST, make_out, NULL, 0, &r));
	if (w->s.st.conns_created != conns || dp_svc_defense(dp, 0, 0)->sp_ok != conns) {
		fprintf(stderr, "bench: %" PRIu64 " proxied conns opened of %" PRIu64 "\n",
			w->s.st.conns_created, conns);
		exit(1);
	}
	no_drops(w);
	free(r.cookie);
	free(r.rep);
	dp_free(dp);
	cfg_free(&c);
}

/* Give the TCP segment fill() made in m len bytes of data (zeros), its IP length to match. */
static void
add_data(struct rte_mbuf *m, int v6, uint16_t len)
{
	if (rte_pktmbuf_append(m, len) == NULL)
		abort();
	if (v6) {
		struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14);

		ip->payload_len = rte_cpu_to_be_16((uint16_t)(20 + len));
	} else {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);

		ip->total_length = rte_cpu_to_be_16((uint16_t)(40 + len));
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
}

#define PP_DATA 100 /* the client's first data: a short request */

/* Flow i's first data (its SYN's sequence number was 0): the PROXY header goes before it. */
static void
pp_make_first(uint64_t i, struct rte_mbuf *m, void *arg)
{
	struct flows *r = arg;
	union addr46 a = flow_addr(i, r->v6);

	fill(m, &a, &r->vip, flow_port(i), RTE_BE16(80), RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, 0,
	     r->v6);
	seq_ack(m, r->v6, 1, 5001);
	add_data(m, r->v6, PP_DATA);
}

/* A later segment of a random flow, client -> backend: its sequence number moves. */
static void
pp_make_in(uint64_t i, struct rte_mbuf *m, void *arg)
{
	struct flows *r = arg;

	make_in(i, m, arg);
	seq_ack(m, r->v6, 1 + PP_DATA, 5001);
}

/* The backend's ACK of a random flow's data and header: its acknowledgement moves back. */
static void
pp_make_out(uint64_t i, struct rte_mbuf *m, void *arg)
{
	struct flows *r = arg;

	make_out(i, m, arg);
	seq_ack(m, r->v6, 5001, 1 + (r->v6 ? PROXY_V2_LEN6 : PROXY_V2_LEN4) + PP_DATA);
}

/*
 * Mode pp: FULLNAT telling its backends the client's address with PROXY v2: the SYNs (the
 * header's place noted), the backends' SYN-ACKs, each flow's first data with the header
 * inserted, then established packets of the shifted conns both ways.
 */
void
run_pp(uint64_t conns, int v6)
{
	struct cfg c;
	struct dp *dp = node((uint32_t)(conns + conns / 8 + 1024), &c, v6, "pp");
	struct worker *w = dp->workers[0];
	struct flows r = { .v6 = v6, .v6_out = v6, .conns = conns, .vip = c.services[0].vip,
			    .rep = malloc(sizeof(struct reply) * conns) };
	const char *sfx = v6 ? "6" : "";
	char name[40];

	if (r.rep == NULL)
		exit(1);
	snprintf(name, sizeof(name), "pp-new%s", sfx);
	report(name, conns, conns, timed(w, conns, make_syn, sp_take_syn, 1, &r));
	timed(w, conns, make_synack, NULL, 0, &r);
	snprintf(name, sizeof(name), "pp-first%s", sfx);
	report(name, conns, conns, timed(w, conns, pp_make_first, NULL, 1, &r));
	snprintf(name, sizeof(name), "pp-est-in%s", sfx);
	report(name, conns, PKTS_EST, timed(w, PKTS_EST, pp_make_in, NULL, 1, &r));
	snprintf(name, sizeof(name), "pp-est-out%s", sfx);
	report(name, conns, PKTS_EST, timed(w, PKTS_EST, pp_make_out, NULL, 0, &r));
	if (w->s.st.conns_created != conns || dp_svc_defense(dp, 0, 0)->ca_headers != conns) {
		fprintf(stderr, "bench: %" PRIu64 " PROXY headers for %" PRIu64 " conns\n",
			dp_svc_defense(dp, 0, 0)->ca_headers, conns);
		exit(1);
	}
	no_drops(w);
	free(r.rep);
	dp_free(dp);
	cfg_free(&c);
}
