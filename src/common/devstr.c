/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/devstr.h"

bool
devstr_is_vdev(const char *dev)
{
	return strncmp(dev, "net_", 4) == 0 || strncmp(dev, "eth_", 4) == 0;
}

int
devstr_arg(const char *dev, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *p = strchr(dev, ',');

	while (p != NULL) {
		p++;
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t n = strcspn(p + klen + 1, ",");

			if (n >= len)
				return -ENAMETOOLONG;
			memcpy(buf, p + klen + 1, n);
			buf[n] = '\0';
			return 1;
		}
		p = strchr(p, ',');
	}
	return 0;
}

void
devstr_name(const char *dev, char *name, size_t len)
{
	size_t n = strcspn(dev, ",");

	if (n >= len)
		n = len - 1;
	memcpy(name, dev, n);
	name[n] = '\0';
}

/* n hex digits at *p, moving p past them. */
static bool
hex_run(const char **p, unsigned n)
{
	for (; n > 0; n--, (*p)++)
		if (!isxdigit((unsigned char)**p))
			return false;
	return true;
}

/* "0000:01:00.0" or "01:00.0" (DPDK's PCI address forms), and nothing after. */
static bool
is_pci(const char *s, size_t len)
{
	const char *p = s;

	if (len == 12 && !(hex_run(&p, 4) && *p++ == ':'))
		return false;
	if (len != 12 && len != 7)
		return false;
	return hex_run(&p, 2) && *p++ == ':' && hex_run(&p, 2) && *p++ == '.' && *p >= '0' &&
	       *p <= '7' && p + 1 == s + len;
}

int
devstr_check(const char *dev, char *why, size_t len)
{
	size_t n = strcspn(dev, ","), i;
	const char *a;

	if (devstr_is_vdev(dev)) {
		for (i = 4; i < n; i++)
			if (!islower((unsigned char)dev[i]) && !isdigit((unsigned char)dev[i]) &&
			    dev[i] != '_')
				break;
		if (i < n || n == 4) {
			snprintf(why, len, "'%.*s' is no virtual device name (a driver and an "
				 "instance in lower case, e.g. net_af_xdp0)", (int)n, dev);
			return -EINVAL;
		}
	} else if (!is_pci(dev, n)) {
		snprintf(why, len, "'%.*s' is neither a PCI address (0000:01:00.0) nor a DPDK "
			 "virtual device (net_af_xdp0,iface=eth1)", (int)n, dev);
		return -EINVAL;
	}
	/* Arguments: key=value, comma-separated; DPDK's kvargs takes nothing else. */
	for (a = dev + n; *a == ','; a += strcspn(a + 1, ",") + 1) {
		size_t alen = strcspn(a + 1, ","), klen = strcspn(a + 1, ",=");

		if (alen == 0 || klen == 0 || klen == alen) {
			snprintf(why, len, "argument '%.*s' is not key=value", (int)alen, a + 1);
			return -EINVAL;
		}
	}
	return 0;
}
