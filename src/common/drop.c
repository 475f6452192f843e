/* SPDX-License-Identifier: Apache-2.0 */
#include "common/drop.h"

#define DROP_NAME(name) #name,
static const char *const names[DROP_MAX] = { "none", DROP_REASONS(DROP_NAME) };

const char *
drop_name(unsigned reason)
{
	return reason < DROP_MAX ? names[reason] : "unknown";
}
