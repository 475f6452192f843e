/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_PIPELINE_BENCH_H
#define SLUICE_PIPELINE_BENCH_H

/*
 * What the in-memory pipeline benchmark's files share (pipeline_bench.c: the node, the
 * frames, the timing, the plain runs; pipeline_bench_tcp.c: the runs of the TCP features
 * that follow a conn's segments, the SYN proxy's and the client address's).
 */
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "common/addr.h"
#include "config/config.h"
#include "worker/dp_build.h"
#include "worker/worker.h"

#define BURST WORKER_BURST
#define PKTS_EST 20000000ull /* packets per established run */
#define PKTS_FLOOD 5000000ull /* ACKs of no conn */
#define ACL_RULES 10000       /* prefixes in each list of mode acl */

extern const struct rte_ether_addr port_mac[2];
extern const struct rte_ether_addr peer_mac;
/* The frames' pool of the thread that builds them (run_w2's threads have their own). */
extern __thread struct rte_mempool *mp;

/* The backend-side tuple of flow i, read back from its conn. */
struct reply {
	union addr46 daddr, laddr;
	uint16_t dport, lport;
};

/* The flows of a run: flow i's client side (flow_addr), its backend side (rep[i]), and
 * the cookies the SYN proxy gave them (mode sp; NULL otherwise). */
struct flows {
	int v6;
	int v6_out; /* the backends answer over IPv6 (not NAT64's) */
	uint64_t conns;
	union addr46 vip;
	uint32_t *cookie;
	struct reply *rep;
};

uint64_t xorshift(void);
/* Flow i's client address (IPv6 when v6) and port, network order. */
union addr46 flow_addr(uint64_t i, int v6);
uint16_t flow_port(uint64_t i);
/* A 64-byte (IPv6: 74-byte) TCP frame arriving on port `port`. */
void fill(struct rte_mbuf *m, const union addr46 *saddr, const union addr46 *daddr,
	  uint16_t sport, uint16_t dport, uint8_t flags, uint16_t port, int v6);
/* The node of a run: sized for `conns`, one service of mode (a name of modes[]). */
struct dp *node(uint32_t conns, struct cfg *c, int v6, const char *mode);
void report(const char *name, uint64_t conns, uint64_t pkts, uint64_t cycles);
struct conn_table;
/* Flow f's backend-side tuple, read from its conn in ct (the client's key to the VIP vip,
 * port 80, TCP). -1, said on stderr, when it has none. */
int reply_of(struct conn_table *ct, uint64_t f, int v6, const union addr46 *vip,
	     struct reply *out);
/* Exit, naming the reason, when the worker dropped anything (reason 0 aside). */
void no_drops(const struct worker *w);
void seq_ack(struct rte_mbuf *m, int v6, uint32_t seq, uint32_t ack);
const struct rte_tcp_hdr *out_tcp(struct rte_mbuf *m, int v6);
/* pipeline_run() timed over `total` packets of make(); take() sees what left on `port`. */
uint64_t timed(struct worker *w, uint64_t total,
	       void (*make)(uint64_t i, struct rte_mbuf *m, void *arg),
	       void (*take)(uint64_t i, struct rte_mbuf *m, void *arg), unsigned port, void *arg);
/* Frames of struct flows: flow i's SYN, its backend's SYN-ACK, random established ones. */
void make_syn(uint64_t i, struct rte_mbuf *m, void *arg);
void make_synack(uint64_t i, struct rte_mbuf *m, void *arg);
void make_in(uint64_t i, struct rte_mbuf *m, void *arg);
void make_out(uint64_t i, struct rte_mbuf *m, void *arg);

/* pipeline_bench_tcp.c: mode sp, the SYN proxy's steps and its established packets; mode
 * pp, the PROXY header's insertion and the shifted conns' established packets. */
void run_sp(uint64_t conns, int v6);
void run_pp(uint64_t conns, int v6);
/* pipeline_bench_workers.c: FULLNAT on two workers at once (prefix w2:). */
void run_w2(uint64_t conns, int v6);
/* The workers node() builds (1 unless a run asks for more). */
extern unsigned bench_workers;

#endif
