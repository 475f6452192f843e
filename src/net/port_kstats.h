/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_PORT_KSTATS_H
#define SLUICE_PORT_KSTATS_H

#include <stddef.h>
#include <stdint.h>

/*
 * What the kernel lost of a port's traffic before sluiced saw it, where the PMD does not say:
 * DPDK 22.11's af_packet PMD reports no kernel drop at all (a full PACKET_MMAP ring drops in
 * the kernel, counted only in the socket's PACKET_STATISTICS, which the PMD never reads), and
 * its af_xdp PMD reports only the XSK's rx_dropped (as imissed), not the frames dropped for a
 * full RX ring or an empty fill ring. sluiced reads both from the sockets it holds: af_packet
 * sockets found in /proc/self/fd and matched by the interface they are bound to, XSKs through
 * the kernel's sock_diag (NETLINK_SOCK_DIAG, AF_XDP), matched by inode and interface, or where
 * that is not built into the kernel, by the order sluiced created them in. The same sockets
 * are what an idle worker waits on (port_wait_fds()).
 */
struct port_kstats {
	unsigned n_sockets;       /* sockets of ours found on the interface */
	uint64_t ring_drops;      /* af_packet: tp_drops (the ring was full), summed over reads */
	uint64_t xsk_rx_dropped;  /* af_xdp (the kernel's own running totals): */
	uint64_t xsk_rx_invalid;
	uint64_t xsk_rx_ring_full;
	uint64_t xsk_fill_ring_empty;
	uint64_t xsk_tx_invalid;
	uint64_t xsk_tx_ring_empty;
};

/**
 * The interface a port's device string names ("net_af_xdp0,iface=X"): 0 and X in ifname,
 * or -ENOENT for a device without one (a PCI NIC, net_null, net_ring, net_tap). Any thread.
 */
int port_iface(const char *device, char *ifname, size_t len);

/**
 * Bring st up to date for interface ifname: af_packet drops since the last call are added
 * (reading PACKET_STATISTICS resets them, so one caller must own st), XSK figures replaced.
 * Where the kernel cannot say which XSK is on ifname, the XSKs of this process ranked
 * [xsk_first, xsk_first + xsk_count) by creation are taken as the port's (xsk_count 0: none).
 * 0, or a negative errno (-ENOENT: no such interface). Control thread.
 */
int port_kstats_poll(const char *ifname, unsigned xsk_first, unsigned xsk_count,
		     struct port_kstats *st);

/**
 * The kernel file descriptors under this process's ports that a worker may poll() for the
 * next packet while it is idle (worker.h): the af_packet sockets bound to the interfaces
 * ifnames[0..n_if) name (NULL: a port without one), every XSK (af_xdp), and every tap
 * (/dev/net/tun: the kernel twins, net_tap ports). Up to max of them into fds; their number
 * (0: the ports have nothing to wait on, a NIC's or net_null's). The PMDs own them: never
 * closed, never read. Main thread, after the ports are up.
 */
unsigned port_wait_fds(const char *const *ifnames, unsigned n_if, int *fds, unsigned max);

/**
 * The frames st counts as lost on the way in that the PMD does not report itself: the
 * af_packet ring's drops and the XSK's full RX ring. (The XSK's rx_dropped, which includes
 * what an empty fill ring cost, is the af_xdp PMD's imissed already.)
 */
static inline uint64_t
port_kstats_rx_lost(const struct port_kstats *st)
{
	return st->ring_drops + st->xsk_rx_ring_full;
}

#endif
