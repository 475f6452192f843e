/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_GROW_H
#define SLUICE_GROW_H

#include <string.h>

#include <rte_mbuf.h>

/*
 * Making a packet longer, the one way every mode and defense does it: an outer header in
 * front (TUN, GUE: a gap after the Ethernet header), or bytes after the TCP header (a
 * PROXY protocol header, a TOA option). The gap is opened where moving fewer bytes does it:
 * the bytes before the gap move into the headroom (a header is short), else the bytes
 * after it into the tailroom. The caller fills the gap and fixes lengths and checksums.
 */

/**
 * Open a gap of len bytes at offset off of single-segment m (0 <= off <= data_len).
 * @return the gap, or NULL (m unchanged) when neither the headroom nor the tailroom has
 * len bytes, or m has several segments. Worker.
 */
static inline uint8_t *
pkt_grow(struct rte_mbuf *m, uint16_t off, uint16_t len)
{
	uint8_t *base;

	if (unlikely(!rte_pktmbuf_is_contiguous(m) || off > m->data_len))
		return NULL;
	if (len == 0)
		return rte_pktmbuf_mtod_offset(m, uint8_t *, off);
	if (rte_pktmbuf_headroom(m) >= len && off <= m->data_len - off) {
		base = (uint8_t *)rte_pktmbuf_prepend(m, len);
		memmove(base, base + len, off);
		return base + off;
	}
	if (rte_pktmbuf_tailroom(m) >= len) {
		uint16_t after = (uint16_t)(m->data_len - off);

		base = rte_pktmbuf_mtod(m, uint8_t *);
		if (rte_pktmbuf_append(m, len) == NULL)
			return NULL;
		memmove(base + off + len, base + off, after);
		return base + off;
	}
	if (rte_pktmbuf_headroom(m) >= len) {
		base = (uint8_t *)rte_pktmbuf_prepend(m, len);
		memmove(base, base + len, off);
		return base + off;
	}
	return NULL;
}

#endif
