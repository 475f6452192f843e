/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_ADDR46_FIXTURE_H
#define SLUICE_ADDR46_FIXTURE_H

#include "common/addr.h"

/* An address of either family from its text; a typo in a test fails the test. */
static inline union addr46
A(const char *s)
{
	union addr46 a;

	if (addr_parse_ip46(s, &a) != 0)
		fail_msg("bad test address %s", s);
	return a;
}

#endif
