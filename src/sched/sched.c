/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/random.h>
#include <time.h>

#include "sched/sched.h"

static const struct sched_ops *const table[CFG_SCHED_MAX] = {
	[CFG_SCHED_RR] = &sched_rr_ops,
	[CFG_SCHED_WRR] = &sched_wrr_ops,
};

const struct sched_ops *
sched_get(uint8_t id)
{
	return id < CFG_SCHED_MAX ? table[id] : NULL;
}

uint32_t
sched_random(void)
{
	uint32_t v;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == sizeof(v))
		return v;
	/* No entropy yet (early boot): the clock still differs between nodes. */
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)(ts.tv_nsec ^ ts.tv_sec);
}
