/* SPDX-License-Identifier: Apache-2.0 */
#include "forward/fwd.h"

const struct fwd_ops *const fwd_modes[SL_MODE_MAX] = {
	[SL_MODE_FULLNAT] = &fwd_fullnat_ops,
	[SL_MODE_DR] = &fwd_dr_ops,
	[SL_MODE_TUN] = &fwd_tun_ops,
	[SL_MODE_NAT] = &fwd_nat_ops,
	[SL_MODE_NAT64] = &fwd_nat64_ops,
	[SL_MODE_FULLNAT_CA] = &fwd_fullnat_ca_ops,
	[SL_MODE_NAT64_CA] = &fwd_nat64_ca_ops,
};

bool
fwd_out_key(const struct conn *c, struct conn_key *k)
{
	conn_key_out(c, k);
	return true;
}

bool
fwd_out_key6(const struct stage *w, const struct conn *c, struct conn_key6 *k)
{
	conn6_key_out(w->ct6, c, k);
	return true;
}

bool
fwd_no_out_key(const struct conn *c, struct conn_key *k)
{
	(void)c, (void)k;
	return false;
}

bool
fwd_no_out_key6(const struct stage *w, const struct conn *c, struct conn_key6 *k)
{
	(void)w, (void)c, (void)k;
	return false;
}

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
