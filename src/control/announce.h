/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_ANNOUNCE_H
#define SLUICE_ANNOUNCE_H

#include <stdbool.h>

#include "common/addr.h"
#include <stddef.h>
#include <stdint.h>

/*
 * VIP announcement without BGP code of our own: each VIP to announce is a /32 address on a
 * TUN interface that sluiced creates and holds open. A routing daemon on the node (BIRD's
 * `protocol direct`, FRR's `redistribute connected`) turns the addresses into routes for
 * its BGP peers. The interface is not persistent: when sluiced exits or is killed (SIGKILL
 * included) the kernel deletes it with its addresses, and the daemon withdraws the routes.
 * Control thread only.
 */

struct announce;

/**
 * Create and bring up interface `ifname` (it must not exist). NULL with msg filled on
 * failure.
 */
struct announce *announce_open(const char *ifname, char *msg, size_t len);

/**
 * Make the announced VIPs exactly `vips` (either family: /32 or /128 host addresses; any
 * order, duplicates allowed).
 * 0, or a negative errno when the kernel refused a change (logged; the next call retries).
 */
int announce_set(struct announce *a, const union addr46 *vips, unsigned n);

/**
 * Put back any announced VIP that someone else took off the interface (an `ip addr flush`,
 * a network manager): the kernel, not our list, is what routers see. NULL is allowed.
 */
void announce_refresh(struct announce *a);

/** How many VIPs are announced now (0 for NULL). */
unsigned announce_count(const struct announce *a);

/** Whether vip is announced now. */
bool announce_has(const struct announce *a, const union addr46 *vip);

/** Withdraw everything and delete the interface. NULL is allowed. */
void announce_close(struct announce *a);

#endif
