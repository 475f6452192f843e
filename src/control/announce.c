/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/log.h"
#include "common/netif.h"
#include "common/rtnl.h"
#include "control/announce.h"

#define MAX_VIPS 4096

struct announce {
	int tun;     /* holding it open keeps the interface; closing deletes it */
	int nl;      /* rtnetlink, for the addresses */
	int ifindex;
	char ifname[IFNAMSIZ];
	unsigned n;
	union addr46 *vips; /* announced now, sorted */
};

static int
a46_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(union addr46));
}

/* A VIP as a host address on the interface: /32, or /128 for IPv6. */
static int
vip_addr(const struct announce *a, const union addr46 *vip, enum rtnl_addr_op op)
{
	return rtnl_host_addr(a->nl, a->ifindex, vip->b, addr46_is_v4(vip), op);
}

struct announce *
announce_open(const char *ifname, char *msg, size_t len)
{
	struct announce *a = calloc(1, sizeof(*a));
	struct ifreq ifr;

	if (a == NULL) {
		snprintf(msg, len, "announce: out of memory");
		return NULL;
	}
	a->nl = -1;
	snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
	a->tun = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (a->tun < 0) {
		snprintf(msg, len, "announce: cannot open /dev/net/tun: %s", strerror(errno));
		goto fail;
	}
	memset(&ifr, 0, sizeof(ifr));
	/* IFF_TUN_EXCL: never adopt an existing (perhaps persistent) interface, which would
	 * outlive us and keep announcing after a crash. */
	ifr.ifr_flags = (short)(IFF_TUN | IFF_NO_PI | IFF_TUN_EXCL); /* 0x9001: a short */
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(a->tun, TUNSETIFF, &ifr) < 0) {
		snprintf(msg, len, "announce: cannot create interface %s: %s%s", ifname,
			 strerror(errno), errno == EBUSY || errno == EEXIST ?
			 " (it exists: another sluiced? set control.announce_interface)" : "");
		goto fail;
	}
	a->ifindex = netif_up_ipv4(ifname);
	if (a->ifindex < 0) {
		snprintf(msg, len, "announce: cannot bring %s up: %s", ifname,
			 strerror(-a->ifindex));
		goto fail;
	}
	/*
	 * IPv6 VIPs are /128 host addresses here (netif_up_ipv4 turned IPv6 off): turn it
	 * back on without a link-local address or router discovery of its own, which a
	 * point-to-point tun needs neither.
	 */
	netif_sysctl("ipv6/conf/%s/addr_gen_mode", ifname, "1\n");
	netif_sysctl("ipv6/conf/%s/accept_ra", ifname, "0\n");
	netif_sysctl("ipv6/conf/%s/disable_ipv6", ifname, "0\n");
	a->nl = rtnl_open();
	if (a->nl < 0) {
		snprintf(msg, len, "announce: netlink: %s", strerror(-a->nl));
		goto fail;
	}
	a->vips = calloc(MAX_VIPS, sizeof(*a->vips));
	if (a->vips == NULL) {
		snprintf(msg, len, "announce: out of memory");
		goto fail;
	}
	return a;
fail:
	announce_close(a);
	return NULL;
}

int
announce_set(struct announce *a, const union addr46 *vips, unsigned n)
{
	static union addr46 want[MAX_VIPS]; /* the control thread's alone */
	unsigned i, j, k, m = 0, kept;
	char buf[ADDR46_STR_MAX];
	int r, first = 0;

	for (i = 0; i < n && m < MAX_VIPS; i++)
		want[m++] = vips[i];
	qsort(want, m, sizeof(want[0]), a46_cmp);
	for (i = 0, k = 0; i < m; i++) /* dedup */
		if (k == 0 || !addr46_eq(&want[k - 1], &want[i]))
			want[k++] = want[i];
	m = k;
	/* Withdraw what is no longer wanted, then announce what is new. */
	for (i = 0, j = 0, k = 0; i < a->n; i++) {
		while (j < m && a46_cmp(&want[j], &a->vips[i]) < 0)
			j++;
		if (j < m && addr46_eq(&want[j], &a->vips[i])) {
			a->vips[k++] = a->vips[i];
			continue;
		}
		r = vip_addr(a, &a->vips[i], RTNL_ADDR_DEL);
		if (r < 0) {
			LOG_E("announce: cannot withdraw %s from %s: %s",
			      addr_fmt_ip46(buf, &a->vips[i]), a->ifname, strerror(-r));
			a->vips[k++] = a->vips[i]; /* still there: try again next time */
			first = first ? first : r;
			continue;
		}
		LOG_I("announce: %s withdrawn", addr_fmt_ip46(buf, &a->vips[i]));
	}
	a->n = kept = k;
	for (j = 0; j < m; j++) {
		if (bsearch(&want[j], a->vips, kept, sizeof(a->vips[0]), a46_cmp) != NULL)
			continue;
		r = vip_addr(a, &want[j], RTNL_ADDR_SET);
		if (r < 0) {
			LOG_E("announce: cannot announce %s on %s: %s", addr_fmt_ip46(buf, &want[j]),
			      a->ifname, strerror(-r));
			first = first ? first : r;
			continue;
		}
		LOG_I("announce: %s announced on %s", addr_fmt_ip46(buf, &want[j]), a->ifname);
		a->vips[a->n++] = want[j];
	}
	qsort(a->vips, a->n, sizeof(a->vips[0]), a46_cmp);
	return first;
}

void
announce_refresh(struct announce *a)
{
	char buf[ADDR46_STR_MAX];
	unsigned i;

	for (i = 0; a != NULL && i < a->n; i++)
		if (vip_addr(a, &a->vips[i], RTNL_ADDR_ENSURE) == 1)
			LOG_W("announce: %s had been taken off %s (not by sluiced): put back",
			      addr_fmt_ip46(buf, &a->vips[i]), a->ifname);
}

unsigned
announce_count(const struct announce *a)
{
	return a != NULL ? a->n : 0;
}

bool
announce_has(const struct announce *a, const union addr46 *vip)
{
	return a != NULL && bsearch(vip, a->vips, a->n, sizeof(*vip), a46_cmp) != NULL;
}

void
announce_close(struct announce *a)
{
	if (a == NULL)
		return;
	if (a->vips != NULL && a->nl >= 0)
		announce_set(a, NULL, 0);
	if (a->nl >= 0)
		close(a->nl);
	if (a->tun >= 0)
		close(a->tun);
	free(a->vips);
	free(a);
}
