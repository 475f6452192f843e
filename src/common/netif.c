/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/netif.h"

static void
sysctl_path(char *path, size_t len, const char *fmt, const char *ifname)
{
	char rel[96];

	snprintf(rel, sizeof(rel), fmt, ifname);
	snprintf(path, len, "/proc/sys/net/%s", rel);
}

int
netif_sysctl(const char *fmt, const char *ifname, const char *value)
{
	char path[160];
	FILE *f;
	int r = 0;

	sysctl_path(path, sizeof(path), fmt, ifname);
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	if (fputs(value, f) < 0)
		r = -EIO;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	return r;
}

int
netif_sysctl_int(const char *fmt, const char *ifname)
{
	char path[160];
	FILE *f;
	int v = -1;

	sysctl_path(path, sizeof(path), fmt, ifname);
	f = fopen(path, "r");
	if (f != NULL) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

int
netif_up_ipv4(const char *ifname)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		r = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (r == 0 && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		r = -errno;
	if (r == 0 && ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
		r = -errno;
	close(fd);
	if (r < 0)
		return r;
	netif_sysctl("ipv6/conf/%s/disable_ipv6", ifname, "1\n");
	return ifr.ifr_ifindex;
}
