/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include <rte_malloc.h>

#include "defense/rate.h"

struct rate_state *
rate_create(int socket)
{
	struct rate_state *r = rte_zmalloc_socket("rate", sizeof(*r), RTE_CACHE_LINE_SIZE, socket);

	if (r == NULL)
		errno = ENOMEM;
	return r;
}

void
rate_free(struct rate_state *r)
{
	rte_free(r);
}
