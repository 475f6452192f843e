/* SPDX-License-Identifier: Apache-2.0 */
#include "forward/fwd.h"

const struct fwd_ops *const fwd_modes[SL_MODE_MAX] = {
	[SL_MODE_FULLNAT] = &fwd_fullnat_ops,
	[SL_MODE_DR] = &fwd_dr_ops,
};

const struct fwd_ops *
fwd_get(uint8_t mode)
{
	return mode < SL_MODE_MAX ? fwd_modes[mode] : NULL;
}

uint16_t
fwd_headroom_max(void)
{
	uint16_t h = 0;
	unsigned i;

	for (i = 0; i < SL_MODE_MAX; i++)
		if (fwd_modes[i] != NULL && fwd_modes[i]->headroom > h)
			h = fwd_modes[i]->headroom;
	return h;
}
