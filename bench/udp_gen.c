/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sluice-udpgen: the UDP load of scripts/bench-e2e (issue 13 item 1). A DPDK sender on one
 * port that sends 64-byte frames (or --size) of --flows flows to one destination, as fast as
 * the port takes them, for --seconds, then prints what it sent.
 *
 * Why not testpmd: its txonly mode varies only the source address's third octet (256 flows,
 * sources outside the client's subnet, which a balancer drops as martians) and its flowgen
 * mode only the destination address (fixed 198.18.0.0/15 addresses). A balancer's flows are
 * clients' source ports: this varies the UDP source port over --flows consecutive ports
 * (from --sport), cycled in order, and, past 64 511 flows, the source address's low bits.
 *
 * The frames are built once per flow into a table and copied into each mbuf (64 bytes: one
 * cache line), so a frame costs the sender one copy and no checksum: the IPv4 checksum is
 * computed per flow at start and the UDP checksum is 0 (allowed over IPv4, RFC 768).
 *
 * usage: sluice-udpgen [EAL args] -- --dmac MAC --src IP --dst IP [--dport P] [--sport P]
 *        [--flows N] [--seconds S] [--size BYTES]
 * prints: "sent N packets in S s (R Mpps), F flows"
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#define BURST 32u
#define DESC 1024u
#define NB_MBUF 8191u
#define MAX_FLOWS (1u << 20)
#define MAX_SIZE 1500u

struct gen_opts {
	struct rte_ether_addr dmac;
	uint32_t src, dst;	/* host order */
	uint16_t sport, dport;
	uint32_t flows;
	double seconds;
	uint32_t size;		/* frame bytes without the FCS */
};

static int parse_opts(int argc, char **argv, struct gen_opts *o)
{
	static const struct option longopts[] = {
		{"dmac", required_argument, NULL, 'm'}, {"src", required_argument, NULL, 's'},
		{"dst", required_argument, NULL, 'd'}, {"dport", required_argument, NULL, 'D'},
		{"sport", required_argument, NULL, 'S'}, {"flows", required_argument, NULL, 'f'},
		{"seconds", required_argument, NULL, 't'}, {"size", required_argument, NULL, 'z'},
		{NULL, 0, NULL, 0},
	};
	struct in_addr a;
	int c, have = 0;
	char *end;

	*o = (struct gen_opts){ .sport = 1024, .dport = 9, .flows = 1, .seconds = 5,
				.size = 60 };
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		unsigned long v;

		switch (c) {
		case 'm':
			if (rte_ether_unformat_addr(optarg, &o->dmac) < 0)
				goto bad;
			have |= 1;
			break;
		case 's':
		case 'd':
			if (inet_pton(AF_INET, optarg, &a) != 1)
				goto bad;
			*(c == 's' ? &o->src : &o->dst) = ntohl(a.s_addr);
			have |= c == 's' ? 2 : 4;
			break;
		case 't':
			o->seconds = strtod(optarg, &end);
			if (*end || !(o->seconds > 0 && o->seconds <= 3600))
				goto bad;
			break;
		default:
			if (c == '?')
				return -EINVAL;
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || *optarg == '\0')
				goto bad;
			if (c == 'f' && v >= 1 && v <= MAX_FLOWS)
				o->flows = (uint32_t)v;
			else if (c == 'z' && v >= 60 && v <= MAX_SIZE)
				o->size = (uint32_t)v;
			else if ((c == 'D' || c == 'S') && v >= 1 && v <= 65535)
				*(c == 'D' ? &o->dport : &o->sport) = (uint16_t)v;
			else
				goto bad;
		}
	}
	if (have != 7) {
		fprintf(stderr, "sluice-udpgen: --dmac, --src and --dst are required\n");
		return -EINVAL;
	}
	return 0;
bad:
	fprintf(stderr, "sluice-udpgen: bad value '%s' for an option\n", optarg);
	return -EINVAL;
}

/* Frame i of the table: flow i's source port is sport + i mod the ports above sport, and
 * the source address rises by one each time the ports wrap. */
static void build_frame(uint8_t *f, const struct gen_opts *o, const struct rte_ether_addr *smac,
			uint32_t i)
{
	uint32_t ports = 65536u - o->sport;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint16_t l3 = (uint16_t)(o->size - sizeof(*eth));

	memset(f, 0, o->size);
	eth->dst_addr = o->dmac;
	eth->src_addr = *smac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(l3);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(o->src + i / ports);
	ip->dst_addr = rte_cpu_to_be_32(o->dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16((uint16_t)(o->sport + i % ports));
	udp->dst_port = rte_cpu_to_be_16(o->dport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(l3 - sizeof(*ip)));
}

static int port_start(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf = {0};
	int r;

	r = rte_eth_dev_configure(port, 1, 1, &conf);
	if (r == 0)
		r = rte_eth_rx_queue_setup(port, 0, DESC, rte_eth_dev_socket_id(port), NULL, mp);
	if (r == 0)
		r = rte_eth_tx_queue_setup(port, 0, DESC, rte_eth_dev_socket_id(port), NULL);
	if (r == 0)
		r = rte_eth_dev_start(port);
	return r;
}

/*
 * The EAL leaves its runtime directory behind (with --no-shconf only its telemetry socket,
 * which an atexit handler of telemetry's unlinks): rundir_remove(), registered before the
 * EAL's handlers, runs after them and removes the directory once empty.
 */
static char g_rundir[PATH_MAX];

static void rundir_remove(void)
{
	if (g_rundir[0] != '\0')
		rmdir(g_rundir);
}

static int finish(int rc)
{
	rte_eal_cleanup();
	return rc;
}

int main(int argc, char **argv)
{
	struct rte_mbuf *burst[BURST], *rx[BURST];
	struct rte_ether_addr smac;
	struct rte_mempool *mp;
	struct gen_opts o;
	uint64_t sent = 0, hz, t0, end, now;
	uint8_t *frames;
	uint32_t next = 0;
	int n, r;

	atexit(rundir_remove);
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "sluice-udpgen: rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	snprintf(g_rundir, sizeof(g_rundir), "%s", rte_eal_get_runtime_dir());
	argc -= n;
	argv += n;
	if (parse_opts(argc, argv, &o) < 0)
		return finish(2);
	if (rte_eth_dev_count_avail() != 1) {
		fprintf(stderr, "sluice-udpgen: wants exactly one port (a --vdev), found %u\n",
			rte_eth_dev_count_avail());
		return finish(2);
	}
	mp = rte_pktmbuf_pool_create("gen", NB_MBUF, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     rte_socket_id());
	frames = malloc((size_t)o.flows * o.size);
	if (mp == NULL || frames == NULL) {
		fprintf(stderr, "sluice-udpgen: out of memory for %u flows\n", o.flows);
		return finish(1);
	}
	r = port_start(0, mp);
	if (r == 0)
		r = rte_eth_macaddr_get(0, &smac);
	if (r < 0) {
		fprintf(stderr, "sluice-udpgen: port 0: %s\n", rte_strerror(-r));
		return finish(1);
	}
	for (uint32_t i = 0; i < o.flows; i++)
		build_frame(frames + (size_t)i * o.size, &o, &smac, i);

	hz = rte_get_tsc_hz();
	t0 = rte_get_tsc_cycles();
	end = t0 + (uint64_t)(o.seconds * (double)hz);
	do {
		uint16_t k, tx;

		if (rte_pktmbuf_alloc_bulk(mp, burst, BURST) == 0) {
			for (k = 0; k < BURST; k++) {
				struct rte_mbuf *m = burst[k];

				rte_memcpy(rte_pktmbuf_mtod(m, void *),
					   frames + (size_t)next * o.size, o.size);
				m->data_len = m->pkt_len = o.size;
				if (++next == o.flows)
					next = 0;
			}
			tx = rte_eth_tx_burst(0, 0, burst, BURST);
			sent += tx;
			if (tx < BURST)
				rte_pktmbuf_free_bulk(burst + tx, BURST - tx);
		}
		/* Whatever comes back (ARP, replies) is dropped so the port's ring never fills. */
		k = rte_eth_rx_burst(0, 0, rx, BURST);
		if (k)
			rte_pktmbuf_free_bulk(rx, k);
		now = rte_get_tsc_cycles();
	} while (now < end);

	double secs = (double)(now - t0) / (double)hz;

	printf("sent %" PRIu64 " packets in %.3f s (%.3f Mpps), %u flows\n", sent, secs,
	       (double)sent / secs / 1e6, o.flows);
	fflush(stdout);
	rte_eth_dev_stop(0);
	rte_eth_dev_close(0);
	free(frames);
	return finish(0);
}
