/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: arbitrary frames through pipeline_run() of a node with two services,
 * on both ports, with the clock moving so conns are created, used and expired. The input
 * is a sequence of records: 1 byte port, 1 byte clock step (x 64 ms), 2 bytes length, then
 * that many bytes of frame. ASan/UBSan find what the sanity filter lets through.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "config/config.h"
#include "test_eal.h"
#include "control/spec.h"
#include "net/neigh.h"
#include "service/snapshot.h"
#include "worker/dp_build.h"
#include "worker/pipeline.h"
#include "worker/worker.h"

static struct dp *dp;
static struct rte_mempool *mp;
static unsigned pool_full;

/*
 * The node is built once and lives for the whole run, so LeakSanitizer's report at exit
 * would only list it. Leaks per input are checked below, where they can happen: every
 * mbuf must be back in the pool after each input (output or dropped, never held).
 */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "detect_leaks=0";
}

static const char config[] =
	"dataplane:\n"
	"  workers: 2\n"
	"  conn_table_size: 4096\n"
	"  ports:\n"
	"    - {name: client, device: net_null0, address: [10.0.1.1/24, '2001:db8:1::1/64']}\n"
	"    - {name: backend, device: net_null1, address: [10.0.2.1/24, '2001:db8:2::1/64']}\n"
	"  local_addresses: [10.0.2.100, 10.0.2.101, '2001:db8:2::100']\n"
	"  peers: [10.0.1.12, 10.0.1.13]\n" /* one resolved below, one not */
	"  timeouts: {tcp_established: 5, tcp_time_wait: 1, udp: 2}\n"
	/* the defenses: the node's lists of both families, a service's own, rates, and the SYN
	 * proxy on every TCP service that can have it but the first */
	"  defense: {deny: [10.0.1.128/25, '2001:db8:1::8000/113'], source_rate: 1000,\n"
	"            synproxy: true}\n"
	"services:\n"
	"  - vip: 10.0.0.10:80/tcp\n"
	"    defense: {synproxy: false}\n"
	"    backends: [{address: 10.0.2.11:8080}, {address: 10.0.2.12:8080, weight: 3}]\n"
	"  - vip: 10.0.0.10:53/udp\n"
	"    scheduler: rr\n"
	"    defense: {syn_rate: 100, allow: [10.0.1.0/26]}\n"
	"    backends: [{address: 10.0.2.21:53}]\n"
	"  - vip: '[2001:db8:100::10]:80/tcp'\n"
	"    scheduler: maglev\n"
	"    persistence: 60\n"
	"    persistence_netmask: 64\n"
	"    backends: [{address: '[2001:db8:2::11]:8080'}, {address: '[2001:db8:2::12]:8080'}]\n"
	"  - vip: '[2001:db8:100::10]:53/udp'\n"
	"    backends: [{address: '[2001:db8:2::21]:53'}]\n"
	/* the one-way modes: dr, tun over GUE and over IPv6 in IPv6 */
	"  - vip: 10.0.0.20:80/tcp\n"
	"    mode: dr\n"
	"    backends: [{address: 10.0.2.11:80}]\n"
	"  - vip: 10.0.0.21:80/tcp\n"
	"    mode: tun\n"
	"    tunnel: gue\n"
	"    backends: [{address: 10.0.2.11:80}]\n"
	"  - vip: '[2001:db8:100::21]:80/tcp'\n"
	"    mode: tun\n"
	"    backends: [{address: '[2001:db8:2::11]:80'}]\n"
	/* nat, both families: conns on the worker the client names, answers handed there */
	"  - vip: 10.0.0.22:80/tcp\n"
	"    mode: nat\n"
	"    backends: [{address: 10.0.2.11:8080}]\n"
	"  - vip: '[2001:db8:100::22]:80/tcp'\n"
	"    mode: nat\n"
	"    backends: [{address: '[2001:db8:2::11]:8080'}]\n"
	/* NAT64: an IPv6 VIP over IPv4 backends */
	"  - vip: '[2001:db8:100::64]:80/tcp'\n"
	"    backends: [{address: 10.0.2.11:8080}]\n"
	"  - vip: '[2001:db8:100::64]:53/udp'\n"
	"    backends: [{address: 10.0.2.21:53}]\n"
	/* the client address: PROXY v1 (no SYN proxy) and TOA (with it), v2 over UDP, IPv6 and
	 * NAT64 */
	"  - vip: 10.0.0.30:80/tcp\n"
	"    client_address: proxy-v1\n"
	"    defense: {synproxy: false}\n"
	"    backends: [{address: 10.0.2.11:8080}]\n"
	"  - vip: 10.0.0.31:80/tcp\n"
	"    client_address: toa\n"
	"    backends: [{address: 10.0.2.11:8080}]\n"
	"  - vip: 10.0.0.30:53/udp\n"
	"    client_address: proxy-v2\n"
	"    backends: [{address: 10.0.2.21:53}]\n"
	"  - vip: '[2001:db8:100::30]:80/tcp'\n"
	"    client_address: proxy-v2\n"
	"    defense: {synproxy: false}\n"
	"    backends: [{address: '[2001:db8:2::11]:8080'}]\n"
	"  - vip: '[2001:db8:100::64]:81/tcp'\n"
	"    client_address: proxy-v1\n"
	"    defense: {synproxy: false}\n"
	"    backends: [{address: 10.0.2.11:8080}]\n";

static void
setup(void)
{
	static const struct rte_ether_addr macs[2] = { { { 2, 0, 0, 0, 0, 1 } },
						       { { 2, 0, 0, 0, 0, 2 } } };
	static const struct rte_ether_addr be = { { 2, 0, 0, 0, 2, 11 } };
	static const struct rte_ether_addr peer = { { 2, 0, 0, 0, 1, 12 } };
	static const uint16_t ids[2] = { 0, 1 };
	char *argv[] = { "fuzz", "-l", "0", "--no-huge", "-m", "512", "--no-shconf", "--no-pci",
			 "--log-level", "*:error", NULL };
	static struct cfg c;
	struct snapshot *snap;
	struct dp_spec spec;
	struct cfg_error err;
	unsigned i;

	if (test_eal_start(10, argv) < 0 || cfg_load_string(config, "fuzz", &c, &err) < 0)
		abort();
	spec_dp(&c, macs, ids, &spec);
	dp = dp_create(&spec);
	mp = rte_pktmbuf_pool_create("fuzz", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (dp == NULL || mp == NULL)
		abort();
	snap = spec_snapshot(dp, c.services, c.n_services, &c.defense, NULL, 1);
	if (snap == NULL)
		abort();
	dp_publish(dp, snap);
	neigh_learn(dp->neigh, c.services[0].backends[0].addr.w[3], 1, &be, 0);
	neigh_learn(dp->neigh, c.services[1].backends[0].addr.w[3], 1, &be, 0);
	neigh_learn(dp->neigh, c.peers[0].w[3], 0, &peer, 0);
	/* IPv6: the backends resolved, and a client of 2001:db8:1::/64 (others are asked for) */
	for (i = 2; i < c.n_services; i++)
		if (!addr46_is_v4(&c.services[i].backends[0].addr))
			neigh_learn46(dp->neigh6, &c.services[i].backends[0].addr, 1, &be, 0);
	/* A small MTU toward the backends, so that TUN's too-big answers are reached. */
	dp->ports[1].mtu = 1000;
	{
		union addr46 cl = c.services[2].backends[0].addr;

		cl.b[5] = 1, cl.b[15] = 2; /* 2001:db8:1::2 */
		neigh_learn46(dp->neigh6, &cl, 0, &peer, 0);
	}
	for (i = 0; i < dp->n_workers; i++)
		worker_set_time(dp->workers[i], 1000000);
	pool_full = rte_mempool_avail_count(mp);
}

/*
 * Send or drop what came out; the handoffs go to their owner, as the loop would, and the
 * ICMP errors passed round the workers are tried until none is left.
 */
static void
drain(struct worker *w)
{
	unsigned p, k;
	int more;

	for (p = 0; p < SL_MAX_PORTS; p++) {
		rte_pktmbuf_free_bulk(w->s.out.pkts[p], w->s.out.n[p]);
		w->s.out.n[p] = 0;
	}
	for (k = 0; k < dp->n_workers; k++) {
		uint16_t n = w->s.out.n_handoff[k];

		w->s.out.n_handoff[k] = 0;
		if (n) {
			pipeline_run(dp->workers[k], w->s.out.handoff[k], n);
			drain(dp->workers[k]);
		}
	}
	do {
		more = 0;
		for (k = 0; k < dp->n_workers; k++)
			if (worker_icmp_search(dp->workers[k]) > 0) {
				more = 1;
				drain(dp->workers[k]);
			}
	} while (more);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *burst[WORKER_BURST];
	unsigned n = 0, k;
	struct worker *w;

	if (dp == NULL)
		setup();
	while (size >= 4) {
		uint8_t port = data[0] & 1, step = data[1];
		size_t len = (size_t)(data[2] | data[3] << 8);
		struct rte_mbuf *m;
		char *p;

		data += 4;
		size -= 4;
		if (len > size)
			len = size;
		if (len > 1514)
			len = 1514;
		m = rte_pktmbuf_alloc(mp);
		if (m == NULL)
			break;
		p = rte_pktmbuf_append(m, (uint16_t)len);
		if (len && p)
			memcpy(p, data, len);
		m->port = port;
		data += len;
		size -= len;
		/* The step also picks the worker: the fuzzer explores handoffs too. */
		w = dp->workers[step & 1];
		for (k = 0; k < dp->n_workers; k++) {
			worker_set_time(dp->workers[k], dp->workers[k]->s.now_ms + (uint64_t)(step >> 1) * 64);
			worker_expire(dp->workers[k]);
		}
		burst[n++] = m;
		if (n == WORKER_BURST || size < 4) {
			pipeline_run(w, burst, (uint16_t)n);
			drain(w);
			n = 0;
		}
	}
	if (n) {
		pipeline_run(dp->workers[0], burst, (uint16_t)n);
		drain(dp->workers[0]);
	}
	if (rte_mempool_avail_count(mp) != pool_full) {
		fprintf(stderr, "fuzz: %u mbufs not returned\n",
			pool_full - rte_mempool_avail_count(mp));
		abort();
	}
	return 0;
}
