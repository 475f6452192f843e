/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_CONTROL_SDNOTIFY_H
#define SLUICE_CONTROL_SDNOTIFY_H

#include <stdint.h>

/*
 * systemd's notify protocol (sd_notify(3)), spoken directly: datagrams of "KEY=VALUE" lines
 * to the unix socket in $NOTIFY_SOCKET. No libsystemd: the protocol is one sendto(), and
 * sluiced then runs the same with or without systemd (every call is a no-op without it).
 * Control thread only (the main thread of sluiced).
 */

/**
 * Read $NOTIFY_SOCKET and $WATCHDOG_USEC (honoured when $WATCHDOG_PID is unset or ours) and
 * open the socket. 0 when there is nothing to notify or it is ready; negative errno when
 * $NOTIFY_SOCKET is set but cannot be used (said in the log; sluiced runs on). Main thread,
 * once, before any other sdn_ call.
 */
int sdn_init(void);

/**
 * Send one notification: printf-style "KEY=VALUE" lines ("READY=1\nSTATUS=..."). 0, or
 * negative errno (logged once). Main thread.
 */
int sdn_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * How often to send WATCHDOG=1, in ms: half of $WATCHDOG_USEC, as sd_watchdog_enabled(3)
 * advises; 0 without a watchdog. Main thread.
 */
uint64_t sdn_watchdog_ms(void);

/** Close the socket. Main thread, at exit. */
void sdn_close(void);

#endif
