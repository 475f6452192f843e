/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/if_packet.h>
#include <linux/if_xdp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/xdp_diag.h>

#include "net/port_kstats.h"

#ifndef AF_XDP
#define AF_XDP 44
#endif

#define MAX_XSKS 256
#define MAX_IFS 16 /* interfaces port_wait_fds() matches, at most */

struct xsk_fd {
	int fd;
	ino_t ino;
};

int
port_iface(const char *device, char *ifname, size_t len)
{
	const char *at = strstr(device, ",iface=");

	if (at == NULL)
		return -ENOENT;
	snprintf(ifname, len, "%.*s", (int)strcspn(at + 7, ","), at + 7);
	return ifname[0] ? 0 : -ENOENT;
}

/*
 * The next fd of this process that d (/proc/self/fd, the caller's) lists, the directory's
 * own aside: its stat and, for a socket, its domain (else -1). 1, or 0 at the end.
 */
static int
fd_next(DIR *d, int *fd, struct stat *sb, int *domain)
{
	struct dirent *e;
	socklen_t len = sizeof(*domain);

	while ((e = readdir(d)) != NULL) {
		*fd = atoi(e->d_name);
		if (e->d_name[0] < '0' || e->d_name[0] > '9' || *fd == dirfd(d) || fstat(*fd, sb) != 0)
			continue;
		if (!S_ISSOCK(sb->st_mode) ||
		    getsockopt(*fd, SOL_SOCKET, SO_DOMAIN, domain, &len) != 0)
			*domain = -1;
		return 1;
	}
	return 0;
}

/* The interface the af_packet socket fd is bound to, or 0. */
static int
packet_ifindex(int fd)
{
	struct sockaddr_ll sll;
	socklen_t len = sizeof(sll);

	if (getsockname(fd, (struct sockaddr *)&sll, &len) != 0 || sll.sll_family != AF_PACKET)
		return 0;
	return sll.sll_ifindex;
}

/* An af_packet socket of ours bound to ifindex: its drops since the last read. */
static void
packet_poll(int fd, int ifindex, struct port_kstats *st)
{
	struct tpacket_stats_v3 ts; /* the largest: the kernel fills what the ring's version has */
	socklen_t len;

	if (packet_ifindex(fd) != ifindex)
		return;
	st->n_sockets++;
	len = sizeof(ts);
	memset(&ts, 0, sizeof(ts));
	if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &ts, &len) == 0)
		st->ring_drops += ts.tp_drops;
}

/* Our XSKs on ifindex, by sock_diag: their running totals, summed into st. */
static void
xsk_poll(const uint32_t *inodes, unsigned n, int ifindex, struct port_kstats *st)
{
	struct {
		struct nlmsghdr nh;
		struct xdp_diag_req req;
	} msg = {
		.nh = { .nlmsg_len = sizeof(msg), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = AF_XDP, .xdiag_show = XDP_SHOW_INFO | XDP_SHOW_STATS },
	};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char buf[8192];
	int s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	ssize_t r;

	if (s < 0)
		return;
	if (sendto(s, &msg, sizeof(msg), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto out;
	while ((r = recv(s, buf, sizeof(buf), 0)) > 0) {
		struct nlmsghdr *h;
		int left = (int)r;

		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			const struct xdp_diag_msg *m = NLMSG_DATA(h);
			const struct xdp_diag_info *info = NULL;
			const struct xdp_diag_stats *xs = NULL;
			const struct rtattr *a;
			int alen;
			unsigned i;

			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
				goto out;
			for (i = 0; i < n && inodes[i] != m->xdiag_ino; i++)
				;
			if (i == n)
				continue; /* another process's XSK */
			alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
			a = (const struct rtattr *)(m + 1);
			for (; RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
				if (a->rta_type == XDP_DIAG_INFO)
					info = RTA_DATA(a);
				else if (a->rta_type == XDP_DIAG_STATS)
					xs = RTA_DATA(a);
			}
			if (info == NULL || (int)info->ifindex != ifindex)
				continue;
			st->n_sockets++;
			if (xs == NULL)
				continue;
			st->xsk_rx_dropped += xs->n_rx_dropped;
			st->xsk_rx_invalid += xs->n_rx_invalid;
			st->xsk_rx_ring_full += xs->n_rx_full;
			st->xsk_fill_ring_empty += xs->n_fill_ring_empty;
			st->xsk_tx_invalid += xs->n_tx_invalid;
			st->xsk_tx_ring_empty += xs->n_tx_ring_empty;
		}
	}
out:
	close(s);
}

static int
cmp_ino(const void *a, const void *b)
{
	const struct xsk_fd *x = a, *y = b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/*
 * Without sock_diag for AF_XDP (CONFIG_XDP_SOCKETS_DIAG is often off) nothing maps an XSK to
 * its interface: an XSK has no getsockname. sluiced opens its ports in the config's order and
 * each port's queues in order, so its XSKs' inodes, which grow with creation, rank them: the
 * caller says which ranks are this port's. The kernel's totals do not reset on reading.
 */
static void
xsk_poll_ranked(struct xsk_fd *xs, unsigned n, unsigned first, unsigned count,
		struct port_kstats *st)
{
	unsigned i;

	qsort(xs, n, sizeof(xs[0]), cmp_ino);
	for (i = first; i < n && i < first + count; i++) {
		struct xdp_statistics x;
		socklen_t len = sizeof(x);

		memset(&x, 0, sizeof(x));
		if (getsockopt(xs[i].fd, SOL_XDP, XDP_STATISTICS, &x, &len) != 0)
			continue;
		st->n_sockets++;
		st->xsk_rx_dropped += x.rx_dropped;
		st->xsk_rx_invalid += x.rx_invalid_descs;
		st->xsk_tx_invalid += x.tx_invalid_descs;
		if (len >= sizeof(x)) { /* the newer members: since Linux 5.9 */
			st->xsk_rx_ring_full += x.rx_ring_full;
			st->xsk_fill_ring_empty += x.rx_fill_ring_empty_descs;
			st->xsk_tx_ring_empty += x.tx_ring_empty_descs;
		}
	}
}

int
port_kstats_poll(const char *ifname, unsigned xsk_first, unsigned xsk_count,
		 struct port_kstats *st)
{
	uint32_t xsks[MAX_XSKS];
	struct xsk_fd xfd[MAX_XSKS];
	unsigned n_xsk = 0;
	int ifindex = (int)if_nametoindex(ifname), fd, domain;
	struct stat sb;
	DIR *d;

	if (ifindex == 0)
		return -ENOENT;
	d = opendir("/proc/self/fd");
	if (d == NULL)
		return -errno;
	st->n_sockets = 0;
	while (fd_next(d, &fd, &sb, &domain)) {
		if (domain == AF_PACKET)
			packet_poll(fd, ifindex, st);
		else if (domain == AF_XDP && n_xsk < MAX_XSKS) {
			xfd[n_xsk] = (struct xsk_fd){ .fd = fd, .ino = sb.st_ino };
			xsks[n_xsk++] = (uint32_t)sb.st_ino;
		}
	}
	st->xsk_rx_dropped = st->xsk_rx_invalid = st->xsk_rx_ring_full = 0;
	st->xsk_fill_ring_empty = st->xsk_tx_invalid = st->xsk_tx_ring_empty = 0;
	if (n_xsk) {
		unsigned found = st->n_sockets;

		xsk_poll(xsks, n_xsk, ifindex, st);
		if (st->n_sockets == found && xsk_count)
			xsk_poll_ranked(xfd, n_xsk, xsk_first, xsk_count, st);
	}
	closedir(d); /* after: the fds read above are counted while it is open */
	return 0;
}

/* Whether fd is a tap's (/dev/net/tun: a twin, or a net_tap port). */
static int
is_tun(int fd)
{
	char path[32], target[32];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return 0;
	target[n] = '\0';
	return strcmp(target, "/dev/net/tun") == 0;
}

unsigned
port_wait_fds(const char *const *ifnames, unsigned n_if, int *fds, unsigned max)
{
	int ifindex[MAX_IFS], fd, domain, bound;
	unsigned n = 0, i;
	struct stat sb;
	DIR *d;

	for (i = 0; i < n_if && i < MAX_IFS; i++)
		ifindex[i] = ifnames[i] != NULL ? (int)if_nametoindex(ifnames[i]) : 0;
	d = opendir("/proc/self/fd");
	if (d == NULL)
		return 0;
	while (n < max && fd_next(d, &fd, &sb, &domain)) {
		if (S_ISCHR(sb.st_mode) && is_tun(fd)) {
			fds[n++] = fd;
		} else if (domain == AF_XDP) {
			fds[n++] = fd;
		} else if (domain == AF_PACKET && (bound = packet_ifindex(fd)) != 0) {
			for (i = 0; i < n_if && i < MAX_IFS; i++)
				if (ifindex[i] == bound) {
					fds[n++] = fd;
					break;
				}
		}
	}
	closedir(d);
	return n;
}
