/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The in-memory pipeline benchmark (DESIGN §7): synthetic frames through pipeline_run()
 * on one core, no port. Only the cycles inside pipeline_run() are counted: building the
 * frames and freeing the output are outside the timed region (a NIC would hand them over
 * in cache, as DDIO does). Prints ns/packet and Mpps for:
 *   new        SYNs of fresh flows: schedule, LIP port, conn insert, rewrite
 *   est-in     established flows, client -> backend, flows drawn at random
 *   est-out    established flows, backend -> client (the reply path)
 *   lookup     the bulk conn lookup alone, same keys as est-in (where the time goes); it
 *              ends with the conns (and IPv6 addresses) in cache, their keys compared
 *   ack-flood  ACKs of no conn to the VIP (an ACK flood): the lookup, the miss, the drop
 *   acl-check  (mode acl) one source looked up in the node's two 10 000-prefix lists
 * and, for mode sp (FULLNAT with the SYN proxy on):
 *   sp-syn     a SYN answered with a cookie SYN-ACK (nothing kept)
 *   sp-ack     the cookie ACK: checked, the conn opened, the node's SYN to the backend
 *   sp-synack  the backend's SYN-ACK: the node's ACK to it in the client's name
 *   sp-est-in, sp-est-out  established packets of proxied conns, translated
 * and for mode pp (FULLNAT with client_address: proxy-v2):
 *   pp-new     a SYN: the conn, the header's place and length noted
 *   pp-first   the client's first data (100 bytes): the PROXY v2 header inserted before it
 *   pp-est-in, pp-est-out  established packets of the shifted conns: sequence numbers
 *              forward, acknowledgements back
 * and the same over IPv6 (new6, est-in6, est-out6, lookup6: an IPv6 VIP, LIPs and backends).
 * A mode prefix runs another mode's service (dr-new, dr-est-in, ...; tun: IPIP, gue: tun over
 * GUE, nat, nat64: an IPv6 VIP over IPv4 backends, whose est-out is IPv4; DR and TUN have no
 * est-out: the backend answers the client itself; acl: FULLNAT with the node's deny and allow
 * lists of 10 000 prefixes each, which every new conn is looked up in).
 * w2: FULLNAT on two workers at once, each with half of the flows (pipeline_bench_workers.c).
 * usage: sluice-bench [[dr:|tun:|gue:|nat:|nat64:|acl:|sp:|pp:|w2:][v6:]conns ...]
 *        (default: 1000 1000000 v6:1000 v6:1000000)
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "common/xorshift.h"
#include "config/config.h"
#include "control/spec.h"
#include "defense/acl.h"
#include "flow/conn.h"
#include "forward/fwd.h"
#include "net/neigh.h"
#include "worker/dp_build.h"
#include "worker/pipeline.h"
#include "worker/worker.h"

#include "pipeline_bench.h"

const struct rte_ether_addr port_mac[2] = { { { 2, 0, 0, 0, 0, 1 } },
					    { { 2, 0, 0, 0, 0, 2 } } };
const struct rte_ether_addr peer_mac = { { 2, 0, 0, 0, 9, 9 } };
static const uint16_t port_ids[2] = { 0, 1 };
__thread struct rte_mempool *mp;
unsigned bench_workers = 1;
static uint64_t rng = 88172645463325252ull;

uint64_t
xorshift(void)
{
	return xorshift64(&rng);
}

/*
 * Flow i: client 10.64.0.0 + i / 50000 (IPv6: 2001:db8:40:: + i / 50000), port
 * 10000 + i % 50000, to the VIP 10.0.0.10:80 ([2001:db8:100::10]:80).
 */
union addr46
flow_addr(uint64_t i, int v6)
{
	union addr46 a = addr46_from_v4(rte_cpu_to_be_32(0x0a400000u + (uint32_t)(i / 50000)));

	if (v6) {
		inet_pton(AF_INET6, "2001:db8:40::", a.b);
		a.w[3] = rte_cpu_to_be_32((uint32_t)(i / 50000) + 1);
	}
	return a;
}

uint16_t
flow_port(uint64_t i)
{
	return rte_cpu_to_be_16((uint16_t)(10000 + i % 50000));
}

/* A 64-byte (IPv6: 74-byte) TCP frame with a valid IP checksum; TCP's is not checked. */
void
fill(struct rte_mbuf *m, const union addr46 *saddr, const union addr46 *daddr, uint16_t sport,
     uint16_t dport, uint8_t flags, uint16_t port, int v6)
{
	struct rte_ether_hdr *eth;
	struct rte_tcp_hdr *th;

	rte_pktmbuf_reset(m);
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, v6 ? 74 : 60);
	if (eth == NULL)
		abort();
	memset((void *)eth, 0, v6 ? 74 : 60);
	eth->src_addr = peer_mac;
	eth->dst_addr = port_mac[port];
	if (v6) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);

		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
		ip->vtc_flow = RTE_BE32(6u << 28);
		ip->payload_len = RTE_BE16(20);
		ip->proto = IPPROTO_TCP;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, saddr->b, 16);
		memcpy(ip->dst_addr, daddr->b, 16);
		th = (struct rte_tcp_hdr *)(ip + 1);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = 0x45;
		ip->total_length = RTE_BE16(40);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		ip->src_addr = saddr->w[3];
		ip->dst_addr = daddr->w[3];
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		th = (struct rte_tcp_hdr *)(ip + 1);
	}
	th->src_port = sport;
	th->dst_port = dport;
	th->data_off = 0x50;
	th->tcp_flags = flags;
	m->port = port;
}

/* The IPv4 LIPs of node4 and node64: 20, room for 1M conns to two backends per worker. */
#define LIPS4                                                                            \
	"  local_addresses: [10.0.2.100, 10.0.2.101, 10.0.2.102, 10.0.2.103,\n"          \
	"                    10.0.2.104, 10.0.2.105, 10.0.2.106, 10.0.2.107,\n"          \
	"                    10.0.2.108, 10.0.2.109, 10.0.2.110, 10.0.2.111,\n"          \
	"                    10.0.2.112, 10.0.2.113, 10.0.2.114, 10.0.2.115,\n"          \
	"                    10.0.2.116, 10.0.2.117, 10.0.2.118, 10.0.2.119]\n"

static const char *const node4 =
	"dataplane:\n"
	"  conn_table_size: %u\n"
	"  ports:\n"
	"    - {name: client, device: net_null0, address: 10.0.1.1/24}\n"
	"    - {name: backend, device: net_null1, address: 10.0.2.1/24}\n"
	"  routes: [{to: 10.64.0.0/10, via: 10.0.1.254}]\n"
	LIPS4
	"services:\n"
	"  - vip: 10.0.0.10:80/tcp\n"
	"    mode: %s\n"
	"    scheduler: wrr\n"
	"    backends: [%s]\n";

/* The same node in IPv6 (its ports keep their IPv4 addresses: the IPv4 table is there). */
static const char *const node6 =
	"dataplane:\n"
	"  conn_table_size: %u\n"
	"  ports:\n"
	"    - {name: client, device: net_null0, address: [10.0.1.1/24, '2001:db8:1::1/64']}\n"
	"    - {name: backend, device: net_null1, address: [10.0.2.1/24, '2001:db8:2::1/64']}\n"
	"  routes: [{to: '2001:db8:40::/48', via: '2001:db8:1::fe'}]\n"
	"  local_addresses: ['2001:db8:2::100', '2001:db8:2::101', '2001:db8:2::102',\n"
	"                    '2001:db8:2::103', '2001:db8:2::104', '2001:db8:2::105',\n"
	"                    '2001:db8:2::106', '2001:db8:2::107', '2001:db8:2::108',\n"
	"                    '2001:db8:2::109', '2001:db8:2::10a', '2001:db8:2::10b',\n"
	"                    '2001:db8:2::10c', '2001:db8:2::10d', '2001:db8:2::10e',\n"
	"                    '2001:db8:2::10f', '2001:db8:2::110', '2001:db8:2::111',\n"
	"                    '2001:db8:2::112', '2001:db8:2::113']\n"
	"services:\n"
	"  - vip: '[2001:db8:100::10]:80/tcp'\n"
	"    mode: %s\n"
	"    scheduler: wrr\n"
	"    backends: [%s]\n";

/* NAT64: node6's IPv6 VIP over node4's IPv4 LIPs and backends. */
static const char *const node64 =
	"dataplane:\n"
	"  conn_table_size: %u\n"
	"  ports:\n"
	"    - {name: client, device: net_null0, address: [10.0.1.1/24, '2001:db8:1::1/64']}\n"
	"    - {name: backend, device: net_null1, address: [10.0.2.1/24, '2001:db8:2::1/64']}\n"
	"  routes: [{to: '2001:db8:40::/48', via: '2001:db8:1::fe'}]\n"
	LIPS4
	"services:\n"
	"  - vip: '[2001:db8:100::10]:80/tcp'\n"
	"    mode: %s\n"
	"    scheduler: wrr\n"
	"    backends: [%s]\n";

/* The modes a run may take, by the prefix of its argument: the service's mode keys. */
static const struct {
	const char *name;
	const char *yaml; /* after "mode: " */
} modes[] = {
	{ "fullnat", "fullnat" },
	{ "dr", "dr" },
	{ "tun", "tun" },                          /* IPIP */
	{ "gue", "tun\n    tunnel: {type: gue}" }, /* tun over GUE */
	{ "nat", "nat" },
	{ "nat64", "fullnat" }, /* over IPv4 backends: node64, always IPv6 */
	{ "acl", "fullnat" },   /* with the node's lists (acl_lists()) */
	{ "sp", "fullnat\n    defense: {synproxy: true}" }, /* run_sp() */
	{ "pp", "fullnat\n    client_address: proxy-v2" },   /* run_pp() */
	{ "w2", "fullnat" }, /* run_w2(): two workers */
};

/*
 * Mode acl: the node's deny list, ACL_RULES random prefixes (/16 to /32) outside the
 * clients' 10.64.0.0/10 and 2001:db8:40::/48, and its allow list, as many of them with the
 * clients' prefix among them: every new conn is classified and passes.
 */
static void
acl_lists(struct cfg *c, int v6)
{
	struct cfg_defense *d = &c->defense;
	unsigned i;

	d->deny = calloc(ACL_RULES, sizeof(*d->deny));
	d->allow = calloc(ACL_RULES, sizeof(*d->allow));
	if (d->deny == NULL || d->allow == NULL)
		exit(1);
	d->n_deny = d->n_allow = ACL_RULES;
	d->set = CFG_DEFF_DENY | CFG_DEFF_ALLOW;
	for (i = 0; i < 2 * ACL_RULES; i++) {
		struct cfg_prefix *p = i < ACL_RULES ? &d->deny[i] : &d->allow[i - ACL_RULES];
		uint8_t len = (uint8_t)(16 + xorshift() % 17);
		uint32_t a = ((uint32_t)xorshift() | 0x80000000u) & (~0u << (32 - len));

		p->addr = addr46_from_v4(rte_cpu_to_be_32(a)); /* 128/1: never 10.64/10 */
		p->len = len;
		if (v6) {
			inet_pton(AF_INET6, "2001:db8:f000::", p->addr.b);
			p->addr.w[2] = rte_cpu_to_be_32(a);
			p->len = (uint8_t)(64 + len);
		}
	}
	d->allow[0].addr = flow_addr(0, v6);
	d->allow[0].len = v6 ? 48 : 10;
	if (v6)
		memset(d->allow[0].addr.b + 6, 0, 10);
}

/* mode: a name of modes[] (dr's and tun's backends listen on the VIP port). */
struct dp *
node(uint32_t conns, struct cfg *c, int v6, const char *mode)
{
	/* dr, tun: the VIP port */
	unsigned bport = strcmp(mode, "dr") == 0 || strcmp(mode, "tun") == 0 ||
				 strcmp(mode, "gue") == 0 ? 80 : 8080;
	const char *yaml = mode, *tpl = v6 ? node6 : node4;
	/*
	 * Two backends, weights 1 and 2; beyond 1.2M conns, two more a million conns, as the
	 * LIP ports would run out: 20 LIPs x 64512 ports is 1.3M conns per backend.
	 */
	unsigned nbe = conns > 1200000 ? 2 * ((conns + 999999) / 1000000) : 2;
	char text[8192], be[4096];
	size_t off = 0;
	struct cfg_error err;
	struct dp_spec spec;
	union addr46 gw;
	struct dp *dp;
	unsigned i;

	for (i = 0; i < RTE_DIM(modes); i++)
		if (strcmp(modes[i].name, mode) == 0)
			yaml = modes[i].yaml;
	if (strcmp(mode, "nat64") == 0)
		tpl = node64;
	for (i = 0; i < nbe && off < sizeof(be); i++)
		off += (size_t)snprintf(be + off, sizeof(be) - off,
					v6 && strcmp(mode, "nat64") != 0
						? "%s{address: '[2001:db8:2::%x]:%u', weight: %u}"
						: "%s{address: 10.0.2.%u:%u, weight: %u}",
					i ? ", " : "", (v6 && strcmp(mode, "nat64") != 0 ? 0x11 : 11) + i,
					bport, 1 + i % 2);
	snprintf(text, sizeof(text), tpl, conns, yaml, be);
	if (cfg_load_string(text, "bench", c, &err) < 0) {
		fprintf(stderr, "bench: config: %s\n", err.msg);
		exit(1);
	}
	c->workers = bench_workers;
	spec_dp(c, port_mac, port_ids, &spec);
	dp = dp_create(&spec);
	if (dp == NULL) {
		perror("bench: dp_create");
		exit(1);
	}
	if (strcmp(mode, "acl") == 0) {
		uint64_t t;

		acl_lists(c, v6);
		t = rte_rdtsc_precise();
		dp_publish(dp, spec_snapshot(dp, c->services, 1, &c->defense, NULL, 1));
		printf("# acl: the snapshot with 2 x %u prefixes built in %.1f ms", ACL_RULES,
		       (double)(rte_rdtsc_precise() - t) * 1e3 / (double)rte_get_tsc_hz());
		/* the next commit, its lists unchanged, shares them */
		t = rte_rdtsc_precise();
		dp_publish(dp, spec_snapshot(dp, c->services, 1, &c->defense, NULL, 2));
		printf("; the next one, lists unchanged, in %.3f ms\n",
		       (double)(rte_rdtsc_precise() - t) * 1e3 / (double)rte_get_tsc_hz());
	} else {
		dp_publish(dp, spec_snapshot(dp, c->services, 1, &c->defense, NULL, 1));
	}
	/* The clients are behind a router, as in production: replies go through it. */
	gw = c->routes[0].via;
	for (i = 0; i < nbe; i++) { /* NAT64's backends are IPv4 */
		const union addr46 *be = &c->services[0].backends[i].addr;

		neigh_learn46(addr46_is_v4(be) ? dp->neigh : dp->neigh6, be, 1, &peer_mac, 0);
	}
	neigh_learn46(v6 ? dp->neigh6 : dp->neigh, &gw, 0, &peer_mac, 0);
	worker_set_time(dp->workers[0], 1000);
	return dp;
}

static void
out_free(struct worker *w)
{
	unsigned p;

	for (p = 0; p < 2; p++) {
		rte_pktmbuf_free_bulk(w->s.out.pkts[p], w->s.out.n[p]);
		w->s.out.n[p] = 0;
	}
}

void
report(const char *name, uint64_t conns, uint64_t pkts, uint64_t cycles)
{
	double ns = (double)cycles * 1e9 / (double)rte_get_tsc_hz() / (double)pkts;

	printf("%-11s %10" PRIu64 " %11" PRIu64 " %9.1f %8.2f\n", name, conns, pkts, ns,
	       1e3 / ns);
	fflush(stdout);
}


/* A conn key of either family. */
union any_key {
	struct conn_key k4;
	struct conn_key6 k6;
};

/* The key of flow i as the client sends it. */
static void
flow_key(uint64_t i, int v6, const union addr46 *vip, union any_key *k)
{
	union addr46 a = flow_addr(i, v6);

	memset(k, 0, sizeof(*k));
	if (v6) {
		memcpy(k->k6.saddr, a.b, 16);
		memcpy(k->k6.daddr, vip->b, 16);
		k->k6.sport = flow_port(i);
		k->k6.dport = RTE_BE16(80);
		k->k6.proto = IPPROTO_TCP;
	} else {
		k->k4 = (struct conn_key){ .saddr = a.w[3], .daddr = vip->w[3],
					   .sport = flow_port(i), .dport = RTE_BE16(80),
					   .proto = IPPROTO_TCP };
	}
}

int
reply_of(struct conn_table *ct, uint64_t f, int v6, const union addr46 *vip,
	 struct reply *out)
{
	union any_key key;
	enum conn_dir dir;
	struct conn *cn;

	flow_key(f, v6, vip, &key);
	cn = v6 ? conn6_lookup(ct, &key.k6, &dir) : conn_lookup(ct, &key.k4, &dir);
	if (cn == NULL) {
		fprintf(stderr, "bench: flow %" PRIu64 " has no conn\n", f);
		return -1;
	}
	*out = (struct reply){ addr46_from_v4(cn->daddr), addr46_from_v4(cn->laddr), cn->dport,
			       cn->lport };
	if (v6) {
		memcpy(out->daddr.b, conn6_addrs(ct, cn)->daddr, 16);
		memcpy(out->laddr.b, conn6_addrs(ct, cn)->laddr, 16);
	}
	return 0;
}

/* Set the sequence and acknowledgement numbers of the TCP segment in m (fill()'s). */
void
seq_ack(struct rte_mbuf *m, int v6, uint32_t seq, uint32_t ack)
{
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, v6 ? 54 : 34);

	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
}

/* The TCP header of an output frame. */
const struct rte_tcp_hdr *
out_tcp(struct rte_mbuf *m, int v6)
{
	return rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, v6 ? 54 : 34);
}

/*
 * Time pipeline_run over `total` packets made by make(i, m) in bursts, calling take(i, m)
 * on each packet that left on port `port` (in order) before it is freed.
 */
void
no_drops(const struct worker *w)
{
	unsigned k;

	for (k = 1; k < DROP_MAX; k++)
		if (w->s.st.drops[k]) {
			fprintf(stderr, "bench: %" PRIu64 " drops (%s)\n", w->s.st.drops[k],
				drop_name(k));
			exit(1);
		}
}

uint64_t
timed(struct worker *w, uint64_t total, void (*make)(uint64_t i, struct rte_mbuf *m, void *arg),
      void (*take)(uint64_t i, struct rte_mbuf *m, void *arg), unsigned port, void *arg)
{
	struct rte_mbuf *pkts[BURST];
	uint64_t i, t, cycles = 0;
	unsigned k;

	for (i = 0; i < total; i += BURST) {
		unsigned n = (unsigned)RTE_MIN((uint64_t)BURST, total - i);

		if (rte_pktmbuf_alloc_bulk(mp, pkts, n) < 0)
			exit(1);
		for (k = 0; k < n; k++)
			make(i + k, pkts[k], arg);
		t = rte_rdtsc_precise();
		pipeline_run(w, pkts, (uint16_t)n);
		cycles += rte_rdtsc_precise() - t;
		if (take != NULL) {
			if (w->s.out.n[port] != n) {
				fprintf(stderr, "bench: %u of %u packets out\n", w->s.out.n[port], n);
				exit(1);
			}
			for (k = 0; k < n; k++)
				take(i + k, w->s.out.pkts[port][k], arg);
		}
		out_free(w);
	}
	return cycles;
}


void
make_syn(uint64_t i, struct rte_mbuf *m, void *arg)
{
	struct flows *r = arg;
	union addr46 a = flow_addr(i, r->v6);

	fill(m, &a, &r->vip, flow_port(i), RTE_BE16(80), RTE_TCP_SYN_FLAG, 0, r->v6);
}

void
make_synack(uint64_t i, struct rte_mbuf *m, void *arg)
{
	struct flows *r = arg;
	const struct reply *p = &r->rep[i];

	fill(m, &p->daddr, &p->laddr, p->dport, p->lport, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 1,
	     r->v6);
	seq_ack(m, r->v6, 5000, 1);
}

void
make_in(uint64_t i, struct rte_mbuf *m, void *arg)
{
	struct flows *r = arg;
	uint64_t f = xorshift() % r->conns;
	union addr46 a = flow_addr(f, r->v6);

	(void)i;
	fill(m, &a, &r->vip, flow_port(f), RTE_BE16(80), RTE_TCP_ACK_FLAG, 0, r->v6);
	if (r->cookie != NULL)
		seq_ack(m, r->v6, 1, r->cookie[f] + 1);
}

/* An ACK of a flow that has no conn (one after the last): an ACK flood's. */
static void
make_flood(uint64_t i, struct rte_mbuf *m, void *arg)
{
	struct flows *r = arg;
	uint64_t f = r->conns + xorshift() % 1000000;
	union addr46 a = flow_addr(f, r->v6);

	(void)i;
	fill(m, &a, &r->vip, flow_port(f), RTE_BE16(80), RTE_TCP_ACK_FLAG, 0, r->v6);
}

void
make_out(uint64_t i, struct rte_mbuf *m, void *arg)
{
	struct flows *r = arg;
	const struct reply *p = &r->rep[xorshift() % r->conns];

	(void)i;
	fill(m, &p->daddr, &p->laddr, p->dport, p->lport, RTE_TCP_ACK_FLAG, 1, r->v6_out);
	if (r->cookie != NULL)
		seq_ack(m, r->v6, 5001, 1);
}

static void
run(uint64_t conns, int v6, const char *mode)
{
	struct cfg c;
	struct dp *dp = node((uint32_t)(conns + conns / 8 + 1024), &c, v6, mode);
	/* A one-way mode's backend answers the client itself: no reply path to time. */
	int one_way = fwd_get(c.services[0].mode)->one_way;
	/* NAT64's backends answer over IPv4 */
	int v6_out = v6 && addr46_is_v4(&c.services[0].backends[0].addr) == 0;
	char pfx[16] = "";
	struct worker *w = dp->workers[0];
	struct conn_table *ct = v6 ? w->s.ct6 : w->s.ct;
	struct reply *rep = malloc(sizeof(*rep) * conns);
	union addr46 vip = c.services[0].vip;
	struct flows fl = { .v6 = v6, .v6_out = v6_out, .conns = conns, .vip = vip, .rep = rep };
	const char *sfx = v6 ? "6" : "";
	char name[40];
	uint64_t i, t, cycles = 0;
	unsigned k;

	if (strcmp(mode, "fullnat") != 0)
		snprintf(pfx, sizeof(pfx), "%s-", mode); /* dr-new, dr-est-in, ... */

	/* new: every flow's SYN, in order. */
	cycles = timed(w, conns, make_syn, NULL, 0, &fl);
	snprintf(name, sizeof(name), "%snew%s", pfx, sfx);
	report(name, conns, conns, cycles);
	if (conn_count(ct) != conns) {
		fprintf(stderr, "bench: %u conns made, %" PRIu64 " wanted\n", conn_count(ct), conns);
		no_drops(w);
		exit(1);
	}
	/* What a conn costs in memory: the table's bytes over the conns it has room for. */
	printf("# %s table: %.1f MiB for room for %u conns, %.0f bytes a conn\n", v6 ? "IPv6" : "IPv4",
	       (double)conn_table_bytes(ct) / (1 << 20), conn_capacity(ct),
	       (double)conn_table_bytes(ct) / conn_capacity(ct));
	for (i = 0; i < conns; i++)
		if (reply_of(ct, i, v6, &vip, &rep[i]) < 0)
			exit(1);

	/* est-in: random established flows, client -> backend. */
	cycles = timed(w, PKTS_EST, make_in, NULL, 0, &fl);
	snprintf(name, sizeof(name), "%sest-in%s", pfx, sfx);
	report(name, conns, PKTS_EST, cycles);

	/* est-out: random established flows, backend -> client; a one-way mode has none. */
	if (!one_way) {
		cycles = timed(w, PKTS_EST, make_out, NULL, 0, &fl);
		snprintf(name, sizeof(name), "%sest-out%s", pfx, sfx);
		report(name, conns, PKTS_EST, cycles);
	}

	/* lookup: the bulk conn lookup alone, for the breakdown. */
	{
		union any_key keys[BURST];
		const void *kp[BURST];
		void *data[BURST];
		uint64_t hits;

		cycles = 0;
		for (k = 0; k < BURST; k++)
			kp[k] = &keys[k];
		for (i = 0; i < PKTS_EST; i += BURST) {
			for (k = 0; k < BURST; k++)
				flow_key(xorshift() % conns, v6, &vip, &keys[k]);
			t = rte_rdtsc_precise();
			if (v6)
				conn6_lookup_bulk(ct, kp, BURST, &hits, data);
			else
				conn_lookup_bulk(ct, kp, BURST, &hits, data);
			cycles += rte_rdtsc_precise() - t;
			if (hits != UINT32_MAX)
				exit(2);
		}
		snprintf(name, sizeof(name), "%slookup%s", pfx, sfx);
		report(name, conns, PKTS_EST, cycles);
	}

	/* acl-check: the node's lists alone, random sources (a deny hit now and then). */
	if (strcmp(mode, "acl") == 0) {
		const struct acl *acl = dp->snap->acl;
		volatile unsigned sink = 0;

		cycles = 0;
		for (i = 0; i < PKTS_FLOOD; i += BURST) {
			union addr46 src[BURST];

			for (k = 0; k < BURST; k++) {
				src[k] = flow_addr(xorshift() % conns, v6);
				src[k].w[v6 ? 2 : 3] ^= rte_cpu_to_be_32((uint32_t)xorshift() & 0x80ffff00u);
			}
			t = rte_rdtsc_precise();
			for (k = 0; k < BURST; k++)
				sink += v6 ? acl_check6(acl, src[k].b) : acl_check4(acl, src[k].w[3]);
			cycles += rte_rdtsc_precise() - t;
		}
		snprintf(name, sizeof(name), "acl-check%s", sfx);
		report(name, 2 * ACL_RULES, PKTS_FLOOD, cycles);
		(void)sink;
	}

	/* ack-flood: ACKs of flows that have no conn (the ones after the last), dropped. */
	cycles = timed(w, PKTS_FLOOD, make_flood, NULL, 0, &fl);
	snprintf(name, sizeof(name), "%sack-flood%s", pfx, sfx);
	report(name, conns, PKTS_FLOOD, cycles);
	if (w->s.st.drops[DROP_no_conn] != PKTS_FLOOD) {
		fprintf(stderr, "bench: %" PRIu64 " of the flood's %llu ACKs dropped as no_conn\n",
			w->s.st.drops[DROP_no_conn], PKTS_FLOOD);
		exit(1);
	}
	w->s.st.drops[DROP_no_conn] = 0;

	if (w->s.st.drops[0] || w->s.st.conns_created != conns) {
		fprintf(stderr, "bench: unexpected drops\n");
		exit(1);
	}
	no_drops(w);
	free(rep);
	dp_free(dp);
	cfg_free(&c);
}

int
main(int argc, char **argv)
{
	char *eal[] = { "bench", "-l", "0", "--no-shconf", "--no-pci", "--log-level", "*:error",
			"--no-huge", "-m", "3072", NULL };
	int eal_argc = 10, i;

	/* Hugepages when the machine has them (SLUICE_BENCH_HUGE=1): fewer TLB misses. */
	if (getenv("SLUICE_BENCH_HUGE"))
		eal_argc = 7;
	if (rte_eal_init(eal_argc, eal) < 0) {
		fprintf(stderr, "bench: cannot start the EAL\n");
		return 1;
	}
	mp = rte_pktmbuf_pool_create("bench", 4095, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (mp == NULL)
		return 1;
	printf("# sluice pipeline benchmark: 1 worker, FULLNAT (dr-: DR, tun-: IPIP, gue-: GUE,"
	       " nat-: NAT, nat64-, acl-: FULLNAT with 2 x %u ACL prefixes),"
	       " 64-byte TCP frames (IPv6: 74),"
	       " bursts of %u\n"
	       "# memory: %s; TSC %.2f GHz\n",
	       ACL_RULES, BURST, eal_argc == 7 ? "hugepages" : "no hugepages",
	       rte_get_tsc_hz() / 1e9);
	printf("%-11s %10s %11s %9s %8s\n", "test", "conns", "packets", "ns/pkt", "Mpps");
	if (argc == 1) {
		run(1000, 0, "fullnat");
		run(1000000, 0, "fullnat");
		run(1000, 1, "fullnat");
		run(1000000, 1, "fullnat");
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *mode = "fullnat";
		const char *colon = strchr(a, ':');
		unsigned k;
		int v6;

		for (k = 0; colon != NULL && k < RTE_DIM(modes); k++)
			if ((size_t)(colon - a) == strlen(modes[k].name) &&
			    strncmp(a, modes[k].name, strlen(modes[k].name)) == 0)
				mode = modes[k].name, a = colon + 1;
		v6 = strncmp(a, "v6:", 3) == 0;
		if (strcmp(mode, "sp") == 0) {
			run_sp(strtoull(a + (v6 ? 3 : 0), NULL, 10), v6);
			continue;
		}
		if (strcmp(mode, "pp") == 0) {
			run_pp(strtoull(a + (v6 ? 3 : 0), NULL, 10), v6);
			continue;
		}
		if (strcmp(mode, "w2") == 0) {
			run_w2(strtoull(a + (v6 ? 3 : 0), NULL, 10), v6);
			continue;
		}
		run(strtoull(a + (v6 ? 3 : 0), NULL, 10), v6 || strcmp(mode, "nat64") == 0, mode);
	}
	rte_eal_cleanup();
	return 0;
}
