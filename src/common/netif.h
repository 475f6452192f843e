/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_NETIF_H
#define SLUICE_NETIF_H

#include <errno.h>
#include <stdio.h>

/**
 * Write a per-interface sysctl: fmt names it under /proc/sys/net with one %s for the
 * interface ("ipv4/conf/%s/rp_filter"). 0 or a negative errno.
 */
static inline int
netif_sysctl(const char *fmt, const char *ifname, const char *value)
{
	char path[160], rel[96];
	FILE *f;
	int r = 0;

	snprintf(rel, sizeof(rel), fmt, ifname);
	snprintf(path, sizeof(path), "/proc/sys/net/%s", rel);
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	if (fputs(value, f) < 0)
		r = -EIO;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	return r;
}

#endif
