/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "common/devstr.h"
#include "net/port.h"

#define RX_DESC 1024
#define AF_PACKET_FRAMES 4096 /* frames of an af_packet queue's ring (DPDK's default: 512) */
#define TX_DESC 1024

static int
arg_add(struct port_eal_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
arg_add(struct port_eal_args *a, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (a->argc >= PORT_EAL_ARGS_MAX - 1)
		return -E2BIG;
	va_start(ap, fmt);
	n = vsnprintf(a->buf + a->used, sizeof(a->buf) - a->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(a->buf) - a->used)
		return -E2BIG;
	a->argv[a->argc++] = a->buf + a->used;
	a->used += (size_t)n + 1;
	return 0;
}

/* Whether a hugetlbfs is mounted: without one the EAL cannot use hugepages at all. */
static int
hugetlbfs_mounted(void)
{
	FILE *f = fopen("/proc/mounts", "r");
	char line[512];
	int found = 0;

	if (f == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, " hugetlbfs ") != NULL;
	fclose(f);
	return found;
}

/* A count of 2 MiB hugepages from sysfs; 0 when unreadable. */
static long
hugepages_read(const char *what)
{
	char path[128];
	FILE *f;
	long n = 0;

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-2048kB/%s", what);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

/*
 * How to get hugepages for `need` MiB, the one hint every message gives: the pages the node
 * wants (its need and 64 pages of headroom for the EAL's own), and the total to write so
 * that many are free beside those already in use; and the mount when there is none.
 */
static void
hugepages_hint(unsigned need, int mounted, char *buf, size_t len)
{
	long total = hugepages_read("nr_hugepages"), used = total - hugepages_read("free_hugepages");
	unsigned want = need / 2 + 64;

	snprintf(buf, len, "%s%u free 2 MiB hugepages: echo %ld > /proc/sys/vm/nr_hugepages",
		 mounted ? "" : "mount -t hugetlbfs nodev /dev/hugepages and have ",
		 want, (used > 0 ? used : 0) + (long)want);
}

/* MiB the node needs: mbuf pools, the route table, and about 320 bytes a conn. */
static unsigned
memory_mb(const struct port_set *ps)
{
	return 256 + (unsigned)(((uint64_t)ps->conn_table_size * 320) >> 20) +
	       ps->n_ports * ps->workers * 8;
}

/*
 * DPDK 22.11's virtual network devices: the names (and aliases) a vdev string may start
 * with, and the plugin that holds each driver. DPDK matches a vdev to the driver whose name
 * prefixes it, as here; the EAL itself only says "failed to parse device", naming no port.
 */
static const struct {
	const char *name, *lib;
} vdev_drivers[] = {
	{ "net_af_packet", "net_af_packet" }, { "eth_af_packet", "net_af_packet" },
	{ "net_af_xdp", "net_af_xdp" },	      { "net_bonding", "net_bond" },
	{ "eth_bond", "net_bond" },	      { "net_failsafe", "net_failsafe" },
	{ "net_memif", "net_memif" },	      { "net_null", "net_null" },
	{ "eth_null", "net_null" },	      { "net_pcap", "net_pcap" },
	{ "eth_pcap", "net_pcap" },	      { "net_ring", "net_ring" },
	{ "eth_ring", "net_ring" },	      { "net_softnic", "net_softnic" },
	{ "net_tap", "net_tap" },	      { "net_tun", "net_tap" },
	{ "net_vdev_netvsc", "net_vdev_netvsc" }, { "net_vhost", "net_vhost" },
	{ "eth_vhost", "net_vhost" },	      { "net_virtio_user", "net_virtio" },
};

#define N_VDEV_DRIVERS (sizeof(vdev_drivers) / sizeof(vdev_drivers[0]))

/* Whether DPDK's plugin directory holds librte_<lib>.so*; true when there is no such dir. */
static int
plugin_installed(const char *lib)
{
#ifdef RTE_EAL_PMD_PATH
	char prefix[64];
	struct dirent *de;
	DIR *d = opendir(RTE_EAL_PMD_PATH);
	int found = 0;

	if (d == NULL)
		return 1; /* a static DPDK: every driver is linked in */
	snprintf(prefix, sizeof(prefix), "librte_%s.so", lib);
	while (!found && (de = readdir(d)) != NULL)
		found = strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return found;
#else
	(void)lib;
	return 1;
#endif
}

int
port_check_devices(const struct port_set *ps, char *msg, size_t msglen)
{
	unsigned i, k;

	for (i = 0; i < ps->n_ports; i++) {
		const char *dev = ps->ports[i].device;
		size_t best = 0;
		int which = -1;

		if (!devstr_is_vdev(dev))
			continue;
		for (k = 0; k < N_VDEV_DRIVERS; k++) {
			size_t n = strlen(vdev_drivers[k].name);

			if (strncmp(dev, vdev_drivers[k].name, n) == 0 && n > best) {
				best = n;
				which = (int)k;
			}
		}
		if (which < 0) {
			char name[64];
			size_t off;

			devstr_name(dev, name, sizeof(name));
			off = (size_t)snprintf(msg, msglen, "port '%s': device '%s': DPDK has no "
					       "virtual device driver for '%s' (",
					       ps->ports[i].name, dev, name);
			for (k = 0; k < N_VDEV_DRIVERS && off < msglen; k++)
				if (strncmp(vdev_drivers[k].name, "net_", 4) == 0)
					off += (size_t)snprintf(msg + off, msglen - off, "%s%s",
								k ? ", " : "",
								vdev_drivers[k].name);
			if (off < msglen)
				snprintf(msg + off, msglen - off, "; a NIC is its PCI address)");
			return -ENODEV;
		}
		if (!plugin_installed(vdev_drivers[which].lib)) {
			snprintf(msg, msglen, "port '%s': device '%s': the driver %s is not installed "
				 "(no librte_%s.so in %s)", ps->ports[i].name, dev,
				 vdev_drivers[which].name, vdev_drivers[which].lib,
#ifdef RTE_EAL_PMD_PATH
				 RTE_EAL_PMD_PATH
#else
				 "the plugin directory"
#endif
			);
			return -ENODEV;
		}
	}
	return 0;
}

int
port_eal_args(const struct port_set *ps, struct port_eal_args *a, char *msg, size_t msglen)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned need = memory_mb(ps), i;
	/* Free 2 MiB hugepages the EAL could use: none without a hugetlbfs. */
	int mounted = hugetlbfs_mounted();
	long free_pages = mounted ? hugepages_read("free_hugepages") : 0;
	char hint[160];
	int r = 0;

	memset(a, 0, sizeof(*a));
	r |= arg_add(a, "sluiced");
	/*
	 * lcore 0 is the control thread, 1..N the workers. Each may float over every CPU so a
	 * node with more workers than cores (a test machine) still runs; production pins
	 * with taskset or cgroups.
	 */
	r |= arg_add(a, "--lcores");
	r |= arg_add(a, "(0-%u)@(0-%ld)", ps->workers, ncpu > 0 ? ncpu - 1 : 0);
	a->no_huge = ps->memory == PORT_MEM_NO_HUGEPAGES ||
		     (ps->memory == PORT_MEM_AUTO && (unsigned long)free_pages * 2 < need);
	/* Asked for hugepages and there are none: say so, and how to fix it, before the EAL. */
	if (ps->memory == PORT_MEM_HUGEPAGES &&
	    (!mounted || (unsigned long)free_pages * 2 < need)) {
		hugepages_hint(need, mounted, hint, sizeof(hint));
		if (!mounted)
			snprintf(msg, msglen, "memory: hugepages, but no hugetlbfs is mounted; %s; "
				 "or set memory: auto", hint);
		else
			snprintf(msg, msglen, "memory: hugepages, but only %ld free 2 MiB hugepages "
				 "for %u MiB; %s; or set memory: auto", free_pages, need, hint);
		return -ENOMEM;
	}
	/*
	 * No files in /var/run/dpdk or hugetlbfs outlive the process, even after SIGKILL, and
	 * two nodes on one machine never share a runtime directory. (--in-memory implies
	 * --no-shconf and hugepage files without names; --no-huge refuses it, needing only
	 * --no-shconf.)
	 */
	/*
	 * dpdk-dumpcap (dataplane.capture) attaches as a secondary process, which needs the
	 * shared config and named hugepage files: neither flag then, and no start without
	 * hugepages. The runtime directory is the node's own (--file-prefix) and sluiced
	 * empties it at exit.
	 */
	if (ps->capture && a->no_huge) {
		hugepages_hint(need, mounted, hint, sizeof(hint));
		snprintf(msg, msglen, "capture: dpdk-dumpcap needs hugepages (DPDK attaches secondary "
			 "processes only to them), and %s; %s; or set capture: false",
			 mounted ? "there are too few free" : "no hugetlbfs is mounted", hint);
		return -ENOMEM;
	}
	if (!ps->capture)
		r |= arg_add(a, a->no_huge ? "--no-shconf" : "--in-memory");
	if (a->no_huge) {
		r |= arg_add(a, "--no-huge");
		r |= arg_add(a, "-m");
		r |= arg_add(a, "%u", need);
		hugepages_hint(need, mounted, hint, sizeof(hint));
		if (!mounted)
			snprintf(msg, msglen, "memory: %u MiB without hugepages (no hugetlbfs is "
				 "mounted; for hugepages, %s)", need, hint);
		else
			snprintf(msg, msglen, "memory: %u MiB without hugepages (%ld free 2 MiB "
				 "hugepages; for hugepages, %s)", need, free_pages, hint);
	} else {
		snprintf(msg, msglen, "memory: hugepages (%ld free, %u MiB wanted)", free_pages,
			 need);
	}
	/* The runtime directory's name, /var/run/dpdk/PREFIX: two nodes on a machine never
	 * share one, so each has its telemetry socket (dpdk-telemetry.py -f PREFIX). */
	if (ps->file_prefix[0] != '\0') {
		r |= arg_add(a, "--file-prefix");
		r |= arg_add(a, "%s", ps->file_prefix);
	}
	r |= arg_add(a, "--log-level");
	r |= arg_add(a, "*:warning");
	for (i = 0; i < ps->n_ports; i++) {
		const char *dev = ps->ports[i].device;

		if (devstr_is_vdev(dev)) {
			/*
			 * af_packet needs one queue pair a worker, and rings deeper than its
			 * 512 frames: DPDK's af_packet joins its queues' sockets with
			 * PACKET_FANOUT_FLAG_ROLLOVER, so a packet that finds its worker's ring
			 * full goes to another worker's queue, where its conn is not (a data
			 * segment dropped as no_conn, or reset as a bad cookie by the SYN
			 * proxy). AF_PACKET_FRAMES buffers a worker's ~50 ms off the CPU at a
			 * gigabit. Added unless given.
			 */
			if (strncmp(dev, "net_af_packet", 13) == 0) {
				char q[32] = "", f[32] = "";

				if (strstr(dev, "qpairs=") == NULL)
					snprintf(q, sizeof(q), ",qpairs=%u", ps->workers);
				if (strstr(dev, "framecnt=") == NULL)
					snprintf(f, sizeof(f), ",framecnt=%u", AF_PACKET_FRAMES);
				r |= arg_add(a, "--vdev=%s%s%s", dev, q, f);
			} else {
				r |= arg_add(a, "--vdev=%s", dev);
			}
		} else {
			r |= arg_add(a, "-a");
			r |= arg_add(a, "%s", dev);
		}
	}
	/* Only the ports of the config: never grab every PCI NIC of the machine. */
	if (r == 0 && ps->n_ports > 0) {
		int any_pci = 0;

		for (i = 0; i < ps->n_ports; i++)
			any_pci |= !devstr_is_vdev(ps->ports[i].device);
		if (!any_pci)
			r |= arg_add(a, "--no-pci");
	}
	a->argv[a->argc] = NULL;
	return r ? -E2BIG : 0;
}

static int
port_setup(const struct port_set *ps, unsigned i, uint16_t *id, struct rte_ether_addr *mac,
	   struct rte_mempool *mp, char *err, size_t errlen)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t q, nq = (uint16_t)ps->workers;
	int r;

	devstr_name(ps->ports[i].device, name, sizeof(name));
	r = rte_eth_dev_get_port_by_name(name, id);
	if (r < 0) {
		snprintf(err, errlen, "port '%s': no DPDK device '%s' (is the interface there, "
			 "and the driver right?)", ps->ports[i].name, ps->ports[i].device);
		return -ENODEV;
	}
	r = rte_eth_dev_info_get(*id, &info);
	if (r < 0)
		goto fail;
	if (info.max_rx_queues < nq || info.max_tx_queues < nq) {
		snprintf(err, errlen, "port '%s': %u workers need %u queues, device has %u rx/%u tx",
			 ps->ports[i].name, nq, nq, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	if (nq > 1 && info.flow_type_rss_offloads) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads &
						   (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP |
						    RTE_ETH_RSS_UDP);
	}
	r = rte_eth_dev_configure(*id, nq, nq, &conf);
	if (r < 0)
		goto fail;
	for (q = 0; q < nq; q++) {
		r = rte_eth_rx_queue_setup(*id, q, RX_DESC, rte_eth_dev_socket_id(*id), NULL, mp);
		if (r < 0)
			goto fail;
		r = rte_eth_tx_queue_setup(*id, q, TX_DESC, rte_eth_dev_socket_id(*id), NULL);
		if (r < 0)
			goto fail;
	}
	r = rte_eth_dev_start(*id);
	if (r < 0)
		goto fail;
	r = rte_eth_macaddr_get(*id, mac);
	if (r < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "port '%s' (%s): set-up failed: %s", ps->ports[i].name,
		 ps->ports[i].device, strerror(-r));
	return r;
}

int
port_setup_all(const struct port_set *ps, uint16_t *ids, struct rte_ether_addr *macs, char *err,
	       size_t errlen)
{
	struct rte_mempool *mp;
	unsigned i, n;
	int r;

	/* Enough mbufs to fill every RX and TX ring of every queue, plus bursts in flight. */
	/* ... and the rings of the ports' kernel twins (net/twin.c: 512 descriptors a queue). */
	n = ps->n_ports * ps->workers * (RX_DESC + TX_DESC) + 4096 +
	    ps->n_ports * 512 * 2 * ps->workers;
	mp = rte_pktmbuf_pool_create("pkts", n, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	if (mp == NULL) {
		snprintf(err, errlen, "cannot allocate %u packet buffers: %s", n,
			 rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (i = 0; i < ps->n_ports; i++) {
		r = port_setup(ps, i, &ids[i], &macs[i], mp, err, errlen);
		if (r < 0)
			return r;
	}
	return 0;
}

void
port_close_all(const struct port_set *ps, const uint16_t *ids)
{
	unsigned i;

	for (i = 0; i < ps->n_ports; i++) {
		/* the steering rules (net/steer.c), where the device took any */
		rte_flow_flush(ids[i], &(struct rte_flow_error){ 0 });
		rte_eth_dev_stop(ids[i]);
		rte_eth_dev_close(ids[i]);
	}
}
