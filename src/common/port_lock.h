/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_PORT_LOCK_H
#define SLUICE_PORT_LOCK_H

#include <stddef.h>

/*
 * One sluiced per interface. Two daemons on the same interfaces would both answer ARP and
 * both forward every SYN, each opening conns the other knows nothing of. So before DPDK
 * opens a port, sluiced takes an flock(2) on a file named after what the port sits on:
 *   - a kernel interface (`iface=NAME` in a vdev string: af_packet, af_xdp, pcap, tap), keyed
 *     by its name and the inode of the network namespace it is seen from, so labs in
 *     different namespaces with the same interface names do not clash;
 *   - a PCI device, keyed by its address (one device, whatever the namespace).
 * The holder's pid is written in the file, so the refusal can name it. The kernel releases
 * an flock when its holder dies, SIGKILL included: a lock file left behind locks nothing.
 * The files are never removed (removing one would let two daemons lock two different files
 * of the same name).
 */

#define PORT_LOCK_DIR "/run/sluice"

/**
 * What a port's device string locks: "iface NAME" into `what` and the lock file's name into
 * `file` (without the directory). 1 when there is something to lock, 0 when the device is
 * private to the process (net_null, a tap without iface=...), -EINVAL when the interface
 * name cannot be one (too long, a '/'). Any thread.
 */
int port_lock_key(const char *device, char *what, size_t what_len, char *file, size_t file_len);

/**
 * Lock what port `port_name` (device string `device`) sits on, in directory dir (made when
 * missing), for the life of the process. *fd gets the lock's descriptor (close-on-exec; keep
 * it open), or -1 when the device needs no lock.
 * @return 0; -EBUSY when another process holds it, with msg naming the port, the interface
 * and that process's pid; another negative errno with msg saying what failed.
 * Main thread, before the EAL opens the ports.
 */
int port_lock_take(const char *dir, const char *port_name, const char *device, int *fd,
		   char *msg, size_t msglen);

#endif
