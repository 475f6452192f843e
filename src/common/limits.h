/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_LIMITS_H
#define SLUICE_LIMITS_H

/*
 * Every size limit, in one place. The configuration refuses what is beyond them; the data
 * plane sizes its arrays, bitfields and packed words by them, with a _Static_assert beside
 * each packing (flow/conn.h, service/persist.c, worker/dp.c). docs/config.md gives the
 * same numbers; tests/unit/test_config_bounds.c takes each at its bounds.
 */

#define SL_MAX_PORTS 8         /* a conn's out_port is 4 bits */
#define SL_MAX_LADDRS 64       /* a conn's lip_idx is 6 bits */
#define SL_MAX_PEERS 16
#define SL_MAX_WORKERS 32
#define SL_MAX_SERVICES 1024   /* counters slots: service/stats.h */
#define SL_MAX_BACKENDS 4096   /* per service */
/*
 * Backends of all services together: each (service, backend) holds a counters slot and a
 * gauge (service/stats.h), and so does a deleted one until its last conn ends; a client's
 * affinity packs the slot in 14 bits (service/persist.c).
 */
#define SL_MAX_NODE_BACKENDS 16384
#define SL_MAX_ACL_PREFIXES 65536 /* in one allow or deny list (defense/acl.h) */
#define SL_NAME_MAX 32         /* a port's name, with its NUL */
#define SL_DEVICE_MAX 256      /* a port's device string, with its NUL */

/* Conns per node, split over the workers. */
#define SL_CONN_TABLE_MIN 1024u
#define SL_CONN_TABLE_MAX 134217728u

/*
 * The longest timeout or persistence, in seconds: 365 days. A conn deadline is 64 ms ticks
 * compared as a signed 32-bit difference (good to 2^31 ticks, 4.3 years) and an affinity
 * is seconds compared the same way (68 years); a year is well inside both.
 */
#define SL_DURATION_MAX_S (365u * 86400u)

/* Maglev's lookup table: a prime number of entries. */
#define SL_MAGLEV_SIZE_DEFAULT 65537u /* as the Maglev paper wants */
#define SL_MAGLEV_SIZE_MIN 251u
#define SL_MAGLEV_SIZE_MAX 4194301u   /* the largest prime below 2^22 */

#endif
