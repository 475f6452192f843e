/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_TBUCKET_H
#define SLUICE_TBUCKET_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A token bucket on its owner's millisecond clock: one per worker and purpose, written by
 * that worker only, so it needs no atomics. It starts full (the first call refills it).
 */
struct tbucket {
	uint64_t tokens;
	uint64_t refill_ms;
};

/** Take one token at `rate` per second, holding at most `burst`. false when empty. */
static inline bool
tbucket_take(struct tbucket *b, uint64_t now_ms, uint64_t rate, uint64_t burst)
{
	uint64_t add = (now_ms - b->refill_ms) * rate / 1000;

	if (add > 0) {
		b->tokens = b->tokens + add < burst ? b->tokens + add : burst;
		b->refill_ms = now_ms;
	}
	if (b->tokens == 0)
		return false;
	b->tokens--;
	return true;
}

#endif
