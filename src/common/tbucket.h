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

/**
 * Take `cost` tokens at `rate` per second, holding at most `burst`. false (nothing taken)
 * when fewer are left. The clock moves on only by the time the added tokens took, so a
 * rate below one token a millisecond loses no fraction between calls.
 */
static inline bool
tbucket_take_n(struct tbucket *b, uint64_t now_ms, uint64_t rate, uint64_t burst,
	       uint64_t cost)
{
	uint64_t add = (now_ms - b->refill_ms) * rate / 1000;

	if (add > 0) {
		if (b->tokens + add < burst) {
			b->tokens += add;
			b->refill_ms += add * 1000 / rate;
		} else {
			b->tokens = burst;
			b->refill_ms = now_ms;
		}
	}
	if (b->tokens < cost)
		return false;
	b->tokens -= cost;
	return true;
}

/** Take one token at `rate` per second, holding at most `burst`. false when empty. */
static inline bool
tbucket_take(struct tbucket *b, uint64_t now_ms, uint64_t rate, uint64_t burst)
{
	return tbucket_take_n(b, now_ms, rate, burst, 1);
}

#endif
