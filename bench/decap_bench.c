/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sluice-decap-bench: what sluice-decap's TC program costs a backend per packet, measured
 * by the kernel itself (BPF_PROG_TEST_RUN: the time of the program's run alone, no
 * syscall), no interface needed. Frames as a TUN node sends them (64-byte TCP inside):
 * IPIP, GUE over IPv4, IPv6 in IPv6, GUE over IPv6; a tunnel packet for another host (left
 * as it is); and a plain TCP frame, what every other packet costs. One run per call: the
 * kernel's `repeat` runs the program again on the frame the previous run changed, which
 * for a decapsulated one is no longer a tunnel packet. Needs root (or CAP_BPF).
 * usage: sluice-decap-bench [runs]   (default 200000 per frame)
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tools/decap_counters.h"
#include "tools/decap_load.h"

#define GUE_PORT 6080

static const unsigned char mac[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };

/* A 20-byte TCP header with ACK, ports 40000 -> 80. */
static size_t
tcp(unsigned char *p)
{
	memset(p, 0, 20);
	p[0] = 0x9c, p[1] = 0x40, p[3] = 80;
	p[12] = 5 << 4;
	p[13] = 0x10;
	return 20;
}

static size_t
ip4(unsigned char *p, const char *src, const char *dst, unsigned char proto, size_t payload)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (unsigned char)((20 + payload) >> 8), p[3] = (unsigned char)(20 + payload);
	p[6] = 0x40; /* DF */
	p[8] = 64, p[9] = proto;
	inet_pton(AF_INET, src, p + 12);
	inet_pton(AF_INET, dst, p + 16);
	return 20;
}

static size_t
ip6(unsigned char *p, const char *src, const char *dst, unsigned char nh, size_t payload)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	p[4] = (unsigned char)(payload >> 8), p[5] = (unsigned char)payload;
	p[6] = nh, p[7] = 64;
	inet_pton(AF_INET6, src, p + 8);
	inet_pton(AF_INET6, dst, p + 24);
	return 40;
}

static size_t
udp_gue(unsigned char *p, size_t inner, unsigned char proto)
{
	size_t len = 8 + 4 + inner;

	memset(p, 0, 12);
	p[0] = 0xc0, p[1] = 0x01; /* a flow's source port */
	p[2] = GUE_PORT >> 8, p[3] = GUE_PORT & 0xff;
	p[4] = (unsigned char)(len >> 8), p[5] = (unsigned char)len;
	p[9] = proto; /* GUE version 0: the inner protocol */
	return 12;
}

/* A frame of kind k into f; its length. */
static size_t
frame(unsigned k, unsigned char *f, const char *vip4, const char *vip6)
{
	int v6 = k == 2 || k == 3;
	size_t n = 12;

	memcpy(f, mac, 12);
	f[n++] = v6 ? 0x86 : 0x08, f[n++] = v6 ? 0xdd : 0x00;
	switch (k) {
	case 0: /* IPIP */
		n += ip4(f + n, "10.0.2.1", "10.0.2.11", 4, 40);
		n += ip4(f + n, "10.0.1.2", vip4, 6, 20);
		break;
	case 1: /* GUE over IPv4 */
		n += ip4(f + n, "10.0.2.1", "10.0.2.11", 17, 12 + 40);
		n += udp_gue(f + n, 40, 4);
		n += ip4(f + n, "10.0.1.2", vip4, 6, 20);
		break;
	case 2: /* IPv6 in IPv6 */
		n += ip6(f + n, "2001:db8:2::1", "2001:db8:2::11", 41, 60);
		n += ip6(f + n, "2001:db8:1::2", vip6, 6, 20);
		break;
	case 3: /* GUE over IPv6 */
		n += ip6(f + n, "2001:db8:2::1", "2001:db8:2::11", 17, 12 + 60);
		n += udp_gue(f + n, 60, 41);
		n += ip6(f + n, "2001:db8:1::2", vip6, 6, 20);
		break;
	case 4: /* IPIP for another host: looked at, left */
		n += ip4(f + n, "10.0.2.1", "10.0.2.11", 4, 40);
		n += ip4(f + n, "10.0.1.2", "10.9.9.9", 6, 20);
		break;
	default: /* plain TCP */
		n += ip4(f + n, "10.0.1.2", "10.0.2.11", 6, 20);
		break;
	}
	n += tcp(f + n);
	return n;
}

int
main(int argc, char **argv)
{
	static const char *const names[] = { "ipip", "gue4", "ip6ip6", "gue6", "not_local",
					     "plain_tcp" };
	static const char *const want[] = { "ipip", "gue", "ip6ip6", "gue", "not_local", NULL };
	unsigned runs = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 200000u;
	struct decap_addr a4 = { .b = { [10] = 0xff, [11] = 0xff } }, a6;
	struct bpf_object *obj;
	struct bpf_program *prog;
	char err[160];
	__u32 one = 1;
	int fd, map;
	unsigned k;

	obj = decap_load(GUE_PORT, err, sizeof(err));
	prog = obj ? bpf_object__find_program_by_name(obj, "sluice_decap") : NULL;
	if (prog == NULL) {
		fprintf(stderr, "sluice-decap-bench: %s\n", obj ? "no program sluice_decap" : err);
		return 1;
	}
	fd = bpf_program__fd(prog);
	/* the VIPs are the host's, as on a backend that holds them on lo */
	map = bpf_map__fd(bpf_object__find_map_by_name(obj, "local_addrs"));
	inet_pton(AF_INET, "10.0.0.10", a4.b + 12);
	inet_pton(AF_INET6, "2001:db8:100::10", a6.b);
	if (bpf_map_update_elem(map, &a4, &one, BPF_ANY) || bpf_map_update_elem(map, &a6, &one,
										 BPF_ANY)) {
		fprintf(stderr, "sluice-decap-bench: cannot fill the address map\n");
		return 1;
	}
	printf("# sluice-decap: the TC program's time per packet (BPF_PROG_TEST_RUN, %u runs)\n"
	       "%-10s %6s %9s %8s  %s\n", runs, "packet", "bytes", "ns/pkt", "Mpps", "verdict");
	for (k = 0; k < 6; k++) {
		unsigned char in[256], out[256];
		size_t len = frame(k, in, "10.0.0.10", "2001:db8:100::10");
		unsigned long long total = 0;
		__u32 out_len = 0;
		unsigned r;
		double ns;

		for (r = 0; r < runs; r++) {
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (__u32)len,
				    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
			int e = bpf_prog_test_run_opts(fd, &o);

			if (e) {
				fprintf(stderr, "sluice-decap-bench: test run of %s: %s\n",
					names[k], strerror(-e));
				return 1;
			}
			total += o.duration;
			out_len = o.data_size_out;
		}
		ns = (double)total / runs;
		/* a decapsulated frame: 14 bytes of Ethernet and the inner packet */
		printf("%-10s %6zu %9.1f %8.2f  %s, %u bytes out\n", names[k], len, ns,
		       ns > 0 ? 1e3 / ns : 0.0, want[k] == NULL ? "passed" : want[k], out_len);
		if (k < 4 && out_len != 14 + (k >= 2 ? 60u : 40u)) {
			fprintf(stderr, "sluice-decap-bench: %s was not decapsulated\n", names[k]);
			return 1;
		}
	}
	/* The per-call figures include the kernel's timer and a cold start; a frame the program
	 * leaves as it is can be timed over many runs of one call instead: the difference. */
	{
		unsigned char in[256], out[256];
		size_t len = frame(5, in, "10.0.0.10", "2001:db8:100::10");
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (__u32)len,
			    .data_out = out, .data_size_out = sizeof(out), .repeat = runs);

		if (bpf_prog_test_run_opts(fd, &o) == 0)
			printf("# plain_tcp over %u runs of one call: %u ns/pkt (what each row above "
			       "holds of timer and cold start: its plain_tcp less this)\n", runs,
			       o.duration);
	}
	bpf_object__close(obj);
	return 0;
}
