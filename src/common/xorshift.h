/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_XORSHIFT_H
#define SLUICE_XORSHIFT_H

#include <stdint.h>

/**
 * One step of Marsaglia's xorshift64 on *state (never 0): a fast, reproducible stream for
 * tests and benchmarks, where a fixed seed makes a failure repeat. Not for anything an
 * attacker may see.
 */
static inline uint64_t
xorshift64(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

#endif
