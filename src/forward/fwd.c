/* SPDX-License-Identifier: Apache-2.0 */
#include "forward/fwd.h"

static const struct fwd_ops *const modes[SL_MODE_MAX] = {
	[SL_MODE_FULLNAT] = &fwd_fullnat_ops,
};

const struct fwd_ops *
fwd_get(uint8_t mode)
{
	return mode < SL_MODE_MAX ? modes[mode] : NULL;
}
