/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_NETIF_H
#define SLUICE_NETIF_H

/*
 * Small settings of the kernel interfaces sluice makes or takes (the kernel twins, the
 * announce interface, the interfaces af_packet/af_xdp ports sit on). Control thread.
 */

/**
 * Write a per-interface sysctl: fmt names it under /proc/sys/net with one %s for the
 * interface ("ipv4/conf/%s/rp_filter"; "all" for the default). 0 or a negative errno.
 */
int netif_sysctl(const char *fmt, const char *ifname, const char *value);

/** Read an integer sysctl named as for netif_sysctl: its value, or -1. */
int netif_sysctl_int(const char *fmt, const char *ifname);

/** Bring interface ifname up, IPv4 only (IPv6 off: no link-local address, no
 * solicitations). Its index, or a negative errno. */
int netif_up_ipv4(const char *ifname);

#endif
