/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sluice-decap IFACE [--gue-port N]: decapsulate, on a backend, what a sluice node in TUN
 * mode sends it (IPIP, IPv6-in-IPv6, GUE), where the kernel has no ipip or fou module
 * (containers; this project's test machine). A TC ingress program (decap.bpf.c, embedded)
 * attached to IFACE until sluice-decap ends: on SIGINT or SIGTERM it detaches, removes the
 * clsact qdisc it created, and prints what it did.
 */
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tools/decap_counters.h"
#include "tools/decap_load.h"

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
usage(FILE *f, int rc)
{
	fprintf(f, "usage: sluice-decap IFACE [--gue-port N]\n"
		   "  decapsulate IPIP, IPv6-in-IPv6 and (with --gue-port) GUE arriving on IFACE\n"
		   "  for this host's addresses; detach on SIGINT/SIGTERM and print the counts\n");
	return rc;
}

/* The counters summed over CPUs; 0 or -errno. */
static int
read_counters(int fd, unsigned long long out[DECAP_N])
{
	int ncpu = libbpf_num_possible_cpus();
	unsigned long long *v;
	__u32 k;

	if (ncpu <= 0)
		return -EINVAL;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (k = 0; k < DECAP_N; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(fd, &k, v) == 0)
			for (int c = 0; c < ncpu; c++)
				out[k] += v[c];
	}
	free(v);
	return 0;
}

/*
 * The host's addresses into the program's map, marked with generation gen; what an earlier
 * generation had and is gone now is deleted. Every second: a VIP added to lo later counts.
 */
static void
sync_addrs(int fd, __u32 gen)
{
	struct decap_addr k, next;
	struct ifaddrs *ifa, *i;
	__u32 v;
	int more;

	if (getifaddrs(&ifa) != 0)
		return;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		memset(&k, 0, sizeof(k));
		if (i->ifa_addr == NULL)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			k.b[10] = k.b[11] = 0xff;
			memcpy(&k.b[12], &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			memcpy(k.b, &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		bpf_map_update_elem(fd, &k, &gen, BPF_ANY);
	}
	freeifaddrs(ifa);
	/* the stale ones: walk the keys, deleting behind the cursor */
	more = bpf_map_get_next_key(fd, NULL, &next) == 0;
	while (more) {
		k = next;
		more = bpf_map_get_next_key(fd, &k, &next) == 0;
		if (bpf_map_lookup_elem(fd, &k, &v) == 0 && v != gen)
			bpf_map_delete_elem(fd, &k);
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = { { "gue-port", required_argument, NULL, 'g' },
						  { "help", no_argument, NULL, 'h' },
						  { NULL, 0, NULL, 0 } };
	static const char *const names[DECAP_N] = { "ipip", "ip6ip6", "gue", "not_local",
						    "malformed", "failed" };
	unsigned long long cnt[DECAP_N];
	struct bpf_object *obj = NULL;
	struct bpf_program *prog;
	char msg[160];
	unsigned long gue = 0;
	unsigned ifindex;
	int c, rc = 1, created = 0, attached = 0, err, addrs_fd;
	char *endp;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'g':
			errno = 0;
			gue = strtoul(optarg, &endp, 10);
			if (errno || *endp != '\0' || gue == 0 || gue > 65535) {
				fprintf(stderr, "sluice-decap: --gue-port %s: a UDP port, 1..65535\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			return usage(stdout, 0);
		default:
			return usage(stderr, 2);
		}
	}
	if (optind + 1 != argc)
		return usage(stderr, 2);
	ifindex = if_nametoindex(argv[optind]);
	if (ifindex == 0) {
		fprintf(stderr, "sluice-decap: %s: no such interface\n", argv[optind]);
		return 1;
	}
	obj = decap_load((uint16_t)gue, msg, sizeof(msg));
	if (obj == NULL) {
		fprintf(stderr, "sluice-decap: %s\n", msg);
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, "sluice_decap");
	if (prog == NULL) {
		fprintf(stderr, "sluice-decap: the BPF object has no program sluice_decap\n");
		goto out;
	}
	{
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
				    .attach_point = BPF_TC_INGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = bpf_program__fd(prog));

		err = bpf_tc_hook_create(&hook);
		if (err && err != -EEXIST) {
			fprintf(stderr, "sluice-decap: %s: cannot add a clsact qdisc: %s\n",
				argv[optind], strerror(-err));
			goto out;
		}
		created = err == 0; /* an existing clsact (someone else's) stays */
		err = bpf_tc_attach(&hook, &opts);
		if (err) {
			fprintf(stderr, "sluice-decap: %s: cannot attach: %s\n", argv[optind],
				strerror(-err));
			goto detach;
		}
		attached = 1;
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		addrs_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "local_addrs"));
		sync_addrs(addrs_fd, 0); /* the addresses known before it says it runs */
		printf("sluice-decap: decapsulating on %s (IPIP, IPv6-in-IPv6", argv[optind]);
		if (gue)
			printf(", GUE on UDP %lu", gue);
		printf(")\n");
		fflush(stdout);
		for (__u32 gen = 1; !stop; gen++) {
			sleep(1); /* a signal ends it early */
			if (!stop)
				sync_addrs(addrs_fd, gen);
		}
		rc = 0;
		if (read_counters(bpf_map__fd(bpf_object__find_map_by_name(obj, "counters")),
				  cnt) == 0) {
			printf("sluice-decap:");
			for (unsigned k = 0; k < DECAP_N; k++)
				printf(" %s %llu", names[k], cnt[k]);
			printf("\n");
		}
	detach:
		if (attached) {
			opts.prog_fd = 0;
			opts.prog_id = 0;
			opts.flags = 0;
			if (bpf_tc_detach(&hook, &opts) != 0)
				rc = 1;
		}
		if (created) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
		}
	}
out:
	bpf_object__close(obj);
	return rc;
}
