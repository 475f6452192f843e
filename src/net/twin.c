/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mempool.h>

#include "common/log.h"
#include "common/addr.h"
#include "common/netif.h"
#include "common/rtnl.h"
#include "net/port_kstats.h"
#include "net/twin.h"

#define TWIN_DESC 512
#define TWIN_ROUTE_METRIC 1000

void
twin_name(const struct port_set *ps, unsigned i, char *buf, size_t len)
{
	char n[IFNAMSIZ];

	snprintf(n, sizeof(n), TWIN_PREFIX "%s", ps->ports[i].name);
	snprintf(buf, len, "%s", n);
}

/*
 * A port on a kernel interface (net_af_packet or net_af_xdp with iface=X) shares its
 * frames with the kernel's own stack on X: af_packet always, af_xdp for what its XDP
 * program passes. That stack must not answer them: the node's addresses (the port's, and
 * the VIPs on the announce interface) are local to it, so it would reset connections that
 * sluiced forwards. Strict reverse-path filtering on X drops every frame for a local
 * address there, since no route points at X; the kernel twin is its way in instead.
 */
static void
fence_kernel(const struct port_spec *p)
{
	char ifname[IFNAMSIZ];
	int r;

	if (port_iface(p->device, ifname, sizeof(ifname)) < 0)
		return; /* a NIC taken from the kernel, or a device without a netdev */
	r = netif_sysctl("ipv4/conf/%s/rp_filter", ifname, "1\n");
	if (r == 0 && netif_sysctl_int("ipv4/conf/%s/rp_filter", "all") == 2)
		LOG_W("port '%s': net.ipv4.conf.all.rp_filter is 2 (loose), which overrides the "
		      "strict filter on %s: the kernel may answer traffic for this node's addresses "
		      "there itself", p->name, ifname);
	if (r < 0)
		LOG_W("port '%s': cannot fence the kernel off %s (rp_filter: %s): it may answer "
		      "traffic for this node's addresses itself", p->name, ifname, strerror(-r));
}

/*
 * The config's static routes whose next hop is on this port, in the kernel too, through
 * the twin: what the node itself sends (health checks to backends behind a router, answers
 * to an SSH client on another network) follows the data plane's routes. A high metric, so
 * that a route the host has already (a management default route) stays first; they go with
 * the twin.
 */
static void
twin_routes(const struct port_set *ps, unsigned i, const char *ifname)
{
	const struct port_spec *p = &ps->ports[i];
	uint32_t mask = addr_prefix_mask(p->prefix_len);
	char a[ADDR46_STR_MAX], b[ADDR46_STR_MAX];
	int fd = rtnl_open(), idx = (int)if_nametoindex(ifname);
	unsigned k;

	for (k = 0; fd >= 0 && idx > 0 && k < ps->n_routes; k++) {
		const struct route_spec *r = &ps->routes[k];
		int v4 = addr46_is_v4(&r->via), e;

		if (v4 ? (r->via.w[3] & mask) != (p->addr & mask)
		       : !p->has_addr6 || !addr46_same_prefix(&r->via, &p->addr6, p->prefix6_len))
			continue;
		e = rtnl_route_add(fd, idx, r->prefix.b, r->depth, r->via.b, v4, TWIN_ROUTE_METRIC);
		if (e < 0)
			LOG_W("port '%s': kernel route %s/%u via %s on %s: %s", p->name,
			      addr_fmt_ip46(a, &r->prefix), r->depth, addr_fmt_ip46(b, &r->via),
			      ifname, strerror(-e));
	}
	if (fd >= 0)
		close(fd);
}

/* The port's address on the tap, and the tap up. ioctl: one address, no library needed. */
static int
twin_address(const char *ifname, uint32_t addr, uint8_t prefix_len)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int fd, r = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = addr;
	if (ioctl(fd, SIOCSIFADDR, &ifr) < 0)
		goto fail;
	sin->sin_addr.s_addr = prefix_len ? htonl(0xffffffffu << (32 - prefix_len)) : 0;
	if (ioctl(fd, SIOCSIFNETMASK, &ifr) < 0)
		goto fail;
	close(fd);
	r = netif_up_ipv4(ifname);
	return r < 0 ? r : 0;
fail:
	r = -errno;
	close(fd);
	return r;
}

/*
 * The port's IPv6 address on the tap too, with IPv6 on there whatever the namespace's
 * default: the node's own IPv6 traffic (BGP, SSH, health checks) goes through the twin as
 * IPv4's does.
 */
static int
twin_address6(const char *ifname, const struct port_spec *p)
{
	int fd, r, idx = (int)if_nametoindex(ifname);

	if (idx == 0)
		return -errno;
	r = netif_sysctl("ipv6/conf/%s/disable_ipv6", ifname, "0\n");
	if (r < 0)
		return r;
	fd = rtnl_open();
	if (fd < 0)
		return fd;
	r = rtnl_addr6_add(fd, idx, p->addr6.b, p->prefix6_len);
	close(fd);
	return r;
}

static int
twin_setup(const struct port_set *ps, unsigned i, const struct rte_ether_addr *mac,
	   unsigned queues, struct rte_mempool *mp, uint16_t *id, char *err, size_t errlen)
{
	char ifname[IFNAMSIZ], dev[128], vname[32], macs[RTE_ETHER_ADDR_FMT_SIZE];
	struct rte_eth_conf conf = { 0 };
	uint16_t q;
	int r;

	twin_name(ps, i, ifname, sizeof(ifname));
	/*
	 * net_tap would adopt an existing interface of that name, perhaps a persistent one
	 * that outlives us with its addresses: the twin must be ours, and go with us.
	 */
	if (if_nametoindex(ifname) != 0) {
		snprintf(err, errlen, "port '%s': an interface named %s exists already (another "
			 "sluiced in this namespace, or a leftover: ip link del %s)",
			 ps->ports[i].name, ifname, ifname);
		return -EEXIST;
	}
	rte_ether_format_addr(macs, sizeof(macs), mac);
	snprintf(vname, sizeof(vname), "net_tap_sl%u", i);
	snprintf(dev, sizeof(dev), "%s,iface=%s,mac=%s", vname, ifname, macs);
	r = rte_dev_probe(dev);
	if (r < 0) {
		snprintf(err, errlen, "port '%s': cannot make its kernel twin %s: %s",
			 ps->ports[i].name, ifname, strerror(-r));
		return r;
	}
	/* net_tap wants as many RX as TX queues: a pair per worker (worker 0 drains the RX). */
	r = rte_eth_dev_get_port_by_name(vname, id);
	if (r == 0)
		r = rte_eth_dev_configure(*id, (uint16_t)queues, (uint16_t)queues, &conf);
	for (q = 0; r == 0 && q < queues; q++) {
		r = rte_eth_rx_queue_setup(*id, q, TWIN_DESC, rte_eth_dev_socket_id(*id), NULL, mp);
		if (r == 0)
			r = rte_eth_tx_queue_setup(*id, q, TWIN_DESC, rte_eth_dev_socket_id(*id),
						   NULL);
	}
	if (r == 0)
		r = rte_eth_dev_start(*id);
	if (r == 0)
		r = twin_address(ifname, ps->ports[i].addr, ps->ports[i].prefix_len);
	if (r == 0 && ps->ports[i].has_addr6)
		r = twin_address6(ifname, &ps->ports[i]);
	if (r == 0) {
		fence_kernel(&ps->ports[i]);
		twin_routes(ps, i, ifname);
	}
	if (r < 0)
		snprintf(err, errlen, "port '%s': kernel twin %s: %s", ps->ports[i].name, ifname,
			 strerror(-r));
	return r;
}

int
twin_setup_all(const struct port_set *ps, const struct rte_ether_addr *macs, unsigned queues,
	       uint16_t *ids, char *err, size_t errlen)
{
	struct rte_mempool *mp = rte_mempool_lookup("pkts");
	unsigned i;
	int r;

	if (mp == NULL) {
		snprintf(err, errlen, "kernel twins: no packet pool");
		return -ENOENT;
	}
	/*
	 * net_tap logs an error at every start because no secondary process can exist here
	 * (--in-memory / --no-shconf); its real failures reach us as return codes. Its log
	 * type exists once the driver is loaded, so the level is set now, not on the EAL line.
	 */
	rte_log_set_level_pattern("pmd.net.tap*", RTE_LOG_CRIT);
	for (i = 0; i < ps->n_ports; i++) {
		r = twin_setup(ps, i, &macs[i], queues, mp, &ids[i], err, errlen);
		if (r < 0)
			return r;
	}
	return 0;
}
