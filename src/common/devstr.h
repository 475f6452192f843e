/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_DEVSTR_H
#define SLUICE_DEVSTR_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A port's `device` string, as DPDK takes it: a PCI address ("0000:01:00.0", the domain
 * optional) or a virtual device, a driver name with an instance and key=value arguments
 * ("net_af_xdp0,iface=eth1"). Read by the config (syntax), the port lock (which interface)
 * and the port setup (EAL arguments, ethdev names), so all three read it the same way.
 */

/** Whether dev names a virtual device (net_..., eth_...) rather than a PCI address. */
bool devstr_is_vdev(const char *dev);

/**
 * The value of `key=` among dev's comma-separated arguments, into buf.
 * @return 1 found, 0 absent, -ENAMETOOLONG when it does not fit buf. Any thread.
 */
int devstr_arg(const char *dev, const char *key, char *buf, size_t len);

/**
 * What is wrong with dev's form, into why (a sentence), or nothing.
 * @return 0 when dev is a well-formed PCI address or virtual device, -EINVAL. Any thread.
 */
int devstr_check(const char *dev, char *why, size_t len);

/** The ethdev name of dev: what precedes the first comma, cut to len - 1. Any thread. */
void devstr_name(const char *dev, char *name, size_t len);

#endif
