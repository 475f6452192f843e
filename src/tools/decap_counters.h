/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_DECAP_COUNTERS_H
#define SLUICE_DECAP_COUNTERS_H

/* sluice-decap's counters (the program's per-CPU array, summed by the loader) and keys. */
enum decap_counter {
	DECAP_IPIP = 0,     /* IPv4 in IPv4 decapsulated */
	DECAP_IP6IP6,       /* IPv6 in IPv6 decapsulated */
	DECAP_GUE,          /* GUE decapsulated */
	DECAP_NOT_LOCAL,    /* a tunnel packet whose inner destination is not this host's: left */
	DECAP_MALFORMED,    /* a tunnel packet too short or of an unknown GUE form: left */
	DECAP_FAILED,       /* the kernel refused to strip the outer header: left */
	DECAP_N
};

/* A key of the program's map of the host's addresses: IPv4 as ::ffff:a.b.c.d. */
struct decap_addr {
	unsigned char b[16];
};

#define DECAP_MAX_ADDRS 1024

#endif
