/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_ACL_H
#define SLUICE_ACL_H

#include <stdint.h>

#include "common/addr.h"
#include "common/drop.h"
#include "common/limits.h"

/*
 * Source address lists: a deny list and an allow list, each of prefixes of both families,
 * looked up in one rte_acl classification a packet (a trie walk whose cost does not grow
 * with the number of rules). Deny wins; with an allow list, a source on none of its
 * prefixes is refused too, whatever its family. The node has one (dataplane.defense) and
 * each service may have one; a new conn must pass both (worker/pipeline.c).
 *
 * An ACL is built whole by the control thread and never changed: a change builds a new one
 * into the next snapshot, so workers read it without locks.
 */

struct acl;

/** One prefix: addr (IPv4 as ::ffff:a.b.c.d) and its length in the family's terms. */
struct acl_prefix {
	union addr46 addr;
	uint8_t len;
};

/** The most prefixes a list holds (config.md: defense). */
#define ACL_MAX_RULES SL_MAX_ACL_PREFIXES

/**
 * An ACL of deny and allow prefixes, either list empty; socket is the NUMA node of its
 * memory. When a live ACL (one not freed yet) has exactly these lists, it is that one with
 * another reference: a snapshot built with unchanged lists builds nothing. NULL + errno
 * (ENOMEM, EINVAL) on failure. Control thread.
 */
struct acl *acl_build(const struct acl_prefix *deny, unsigned n_deny,
		      const struct acl_prefix *allow, unsigned n_allow, int socket);

/**
 * Give back a reference of acl_build(); the last one frees it (no worker may read it any
 * more then). NULL is ignored. Control thread.
 */
void acl_free(struct acl *a);

/**
 * What an ACL says of an IPv4 source (network order): 0 to pass, DROP_acl_denied or
 * DROP_acl_not_allowed. a may be NULL (no lists). Worker, any number at once.
 */
unsigned acl_check4(const struct acl *a, uint32_t src);

/** The same for an IPv6 source. Worker. */
unsigned acl_check6(const struct acl *a, const uint8_t src[16]);

#endif
