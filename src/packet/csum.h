/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_CSUM_H
#define SLUICE_CSUM_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

/*
 * Incremental Internet checksum updates (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')).
 * Rewriting an address or a port touches a few bytes of a packet, so the checksums are
 * patched rather than recomputed over the payload. Values are taken as stored in the
 * packet (network order); the one's-complement sum is byte-order independent.
 */

static inline uint16_t
csum_fold32(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/** The checksum csum after a 16-bit field changed from old to new. */
static inline uint16_t
csum_replace2(uint16_t csum, uint16_t old, uint16_t new)
{
	uint32_t sum = (uint16_t)~csum;

	sum += (uint16_t)~old;
	sum += new;
	return (uint16_t)~csum_fold32(sum);
}

/** The checksum csum after a 32-bit field changed from old to new. */
static inline uint16_t
csum_replace4(uint16_t csum, uint32_t old, uint32_t new)
{
	uint32_t sum = (uint16_t)~csum;

	sum += (uint16_t)~(old & 0xffff);
	sum += (uint16_t)~(old >> 16);
	sum += new & 0xffff;
	sum += new >> 16;
	return (uint16_t)~csum_fold32(sum);
}

/**
 * The checksum csum after a 16-byte field (an IPv6 address, at any alignment) changed from
 * old to new: one pass over both, eight 16-bit words each.
 */
static inline uint16_t
csum_replace16(uint16_t csum, const uint8_t old[16], const uint8_t new[16])
{
	uint32_t sum = (uint16_t)~csum;
	uint16_t o[8], n[8];
	unsigned i;

	memcpy(o, old, 16);
	memcpy(n, new, 16);
	for (i = 0; i < 8; i++)
		sum += (uint32_t)(uint16_t)~o[i] + n[i];
	return (uint16_t)~csum_fold32(sum);
}

/** Set the 32-bit field at p (any alignment) to v (network order), patching the checksum *cs. */
static inline void
csum_set4(uint8_t *p, uint32_t v, uint16_t *cs)
{
	uint32_t old;

	memcpy(&old, p, 4);
	*cs = csum_replace4(*cs, old, v);
	memcpy(p, &v, 4);
}

/** Add d to the 32-bit big-endian field at p (a sequence number), patching *cs. */
static inline void
csum_add4(uint8_t *p, uint32_t d, uint16_t *cs)
{
	uint32_t old;

	memcpy(&old, p, 4);
	csum_set4(p, htonl(ntohl(old) + d), cs);
}

/**
 * The checksum csum after bytes whose one's-complement sum is s (as rte_raw_cksum() gives
 * it: bytes at an even offset of what the checksum covers) were added to what it covers.
 */
static inline uint16_t
csum_add(uint16_t csum, uint16_t s)
{
	return (uint16_t)~csum_fold32((uint32_t)(uint16_t)~csum + s);
}

/** The same after such bytes were taken out. */
static inline uint16_t
csum_sub(uint16_t csum, uint16_t s)
{
	return (uint16_t)~csum_fold32((uint32_t)(uint16_t)~csum + (uint16_t)~s);
}

#endif
