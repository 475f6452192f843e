/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "net/port.h"

#define RX_DESC 1024
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

/* Free 2 MiB hugepages the EAL could use. */
static long
hugepages_free(void)
{
	FILE *f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "r");
	long n = 0;

	if (f == NULL || !hugetlbfs_mounted()) {
		if (f)
			fclose(f);
		return 0;
	}
	if (fscanf(f, "%ld", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

/* MiB the node needs: mbuf pools, the route table, and about 320 bytes a conn. */
static unsigned
memory_mb(const struct cfg *cfg)
{
	return 256 + (unsigned)(((uint64_t)cfg->conn_table_size * 320) >> 20) +
	       cfg->n_ports * cfg->workers * 8;
}

/* A vdev string names a driver ("net_af_xdp0,iface=x"); anything else is a PCI address. */
static int
is_vdev(const char *dev)
{
	return strncmp(dev, "net_", 4) == 0 || strncmp(dev, "eth_", 4) == 0;
}

int
port_eal_args(const struct cfg *cfg, struct port_eal_args *a, char *msg, size_t msglen)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned need = memory_mb(cfg), i;
	long free_pages = hugepages_free();
	int r = 0;

	memset(a, 0, sizeof(*a));
	r |= arg_add(a, "sluiced");
	/*
	 * lcore 0 is the control thread, 1..N the workers. Each may float over every CPU so a
	 * node with more workers than cores (a test machine) still runs; production pins
	 * with taskset or cgroups.
	 */
	r |= arg_add(a, "--lcores");
	r |= arg_add(a, "(0-%u)@(0-%ld)", cfg->workers, ncpu > 0 ? ncpu - 1 : 0);
	a->no_huge = cfg->memory == CFG_MEM_NO_HUGEPAGES ||
		     (cfg->memory == CFG_MEM_AUTO && (unsigned long)free_pages * 2 < need);
	/* Asked for hugepages and there are none: say so, and how to fix it, before the EAL. */
	if (cfg->memory == CFG_MEM_HUGEPAGES && !hugetlbfs_mounted()) {
		snprintf(msg, msglen, "memory: hugepages, but no hugetlbfs is mounted (mount -t "
			 "hugetlbfs nodev /dev/hugepages), or set memory: auto");
		return -ENOMEM;
	}
	if (cfg->memory == CFG_MEM_HUGEPAGES && (unsigned long)free_pages * 2 < need) {
		snprintf(msg, msglen, "memory: hugepages, but only %ld free 2 MiB hugepages for "
			 "%u MiB (echo %u > /proc/sys/vm/nr_hugepages), or set memory: auto",
			 free_pages, need, need / 2 + 64);
		return -ENOMEM;
	}
	/*
	 * No files in /var/run/dpdk or hugetlbfs outlive the process, even after SIGKILL, and
	 * two nodes on one machine never share a runtime directory. (--in-memory implies
	 * --no-shconf and hugepage files without names; --no-huge refuses it, needing only
	 * --no-shconf.)
	 */
	r |= arg_add(a, a->no_huge ? "--no-shconf" : "--in-memory");
	if (a->no_huge) {
		r |= arg_add(a, "--no-huge");
		r |= arg_add(a, "-m");
		r |= arg_add(a, "%u", need);
		snprintf(msg, msglen,
			 "memory: %u MiB without hugepages (%ld free 2 MiB hugepages; reserve %u "
			 "with 'echo %u > /proc/sys/vm/nr_hugepages' for hugepages)",
			 need, free_pages, need / 2, need / 2);
	} else {
		snprintf(msg, msglen, "memory: hugepages (%ld free, %u MiB wanted)", free_pages,
			 need);
	}
	r |= arg_add(a, "--log-level");
	r |= arg_add(a, "*:warning");
	for (i = 0; i < cfg->n_ports; i++) {
		const char *dev = cfg->ports[i].device;

		if (is_vdev(dev)) {
			/* af_packet needs one queue pair a worker; add it unless given. */
			if (strncmp(dev, "net_af_packet", 13) == 0 && strstr(dev, "qpairs=") == NULL)
				r |= arg_add(a, "--vdev=%s,qpairs=%u", dev, cfg->workers);
			else
				r |= arg_add(a, "--vdev=%s", dev);
		} else {
			r |= arg_add(a, "-a");
			r |= arg_add(a, "%s", dev);
		}
	}
	/* Only the ports of the config: never grab every PCI NIC of the machine. */
	if (r == 0 && cfg->n_ports > 0) {
		int any_pci = 0;

		for (i = 0; i < cfg->n_ports; i++)
			any_pci |= !is_vdev(cfg->ports[i].device);
		if (!any_pci)
			r |= arg_add(a, "--no-pci");
	}
	a->argv[a->argc] = NULL;
	return r ? -E2BIG : 0;
}

/* The ethdev name of a device string: what precedes the first comma. */
static void
dev_name(const char *dev, char *name, size_t len)
{
	size_t n = strcspn(dev, ",");

	if (n >= len)
		n = len - 1;
	memcpy(name, dev, n);
	name[n] = '\0';
}

static int
port_setup(const struct cfg *cfg, unsigned i, uint16_t *id, struct rte_ether_addr *mac,
	   struct rte_mempool *mp, char *err, size_t errlen)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t q, nq = (uint16_t)cfg->workers;
	int r;

	dev_name(cfg->ports[i].device, name, sizeof(name));
	r = rte_eth_dev_get_port_by_name(name, id);
	if (r < 0) {
		snprintf(err, errlen, "port '%s': no DPDK device '%s' (is the interface there, "
			 "and the driver right?)", cfg->ports[i].name, cfg->ports[i].device);
		return -ENODEV;
	}
	r = rte_eth_dev_info_get(*id, &info);
	if (r < 0)
		goto fail;
	if (info.max_rx_queues < nq || info.max_tx_queues < nq) {
		snprintf(err, errlen, "port '%s': %u workers need %u queues, device has %u rx/%u tx",
			 cfg->ports[i].name, nq, nq, info.max_rx_queues, info.max_tx_queues);
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
	snprintf(err, errlen, "port '%s' (%s): set-up failed: %s", cfg->ports[i].name,
		 cfg->ports[i].device, strerror(-r));
	return r;
}

int
port_setup_all(const struct cfg *cfg, uint16_t *ids, struct rte_ether_addr *macs, char *err,
	       size_t errlen)
{
	struct rte_mempool *mp;
	unsigned i, n;
	int r;

	/* Enough mbufs to fill every RX and TX ring of every queue, plus bursts in flight. */
	/* ... and the rings of the ports' kernel twins (net/twin.c: 512 descriptors a queue). */
	n = cfg->n_ports * cfg->workers * (RX_DESC + TX_DESC) + 4096 +
	    cfg->n_ports * 512 * 2 * cfg->workers;
	mp = rte_pktmbuf_pool_create("pkts", n, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	if (mp == NULL) {
		snprintf(err, errlen, "cannot allocate %u packet buffers: %s", n,
			 rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (i = 0; i < cfg->n_ports; i++) {
		r = port_setup(cfg, i, &ids[i], &macs[i], mp, err, errlen);
		if (r < 0)
			return r;
	}
	return 0;
}

void
port_close_all(const struct cfg *cfg, const uint16_t *ids)
{
	unsigned i;

	for (i = 0; i < cfg->n_ports; i++) {
		rte_eth_dev_stop(ids[i]);
		rte_eth_dev_close(ids[i]);
	}
}
