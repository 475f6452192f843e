/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_SYNCOOKIE_H
#define SLUICE_SYNCOOKIE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/siphash.h"
#include "packet/tcp_opt.h"

/*
 * SYN cookies: the SYN proxy's initial sequence number, which holds what the client's SYN
 * asked for so that no state is kept until its ACK comes back (Bernstein's scheme, as Linux
 * and DPVS make them):
 *
 *   cookie = H(tuple, 0) + client ISN + (count << 24) + ((H(tuple, count) + data) mod 2^24)
 *
 * H is SipHash-2-4 under the node's secret key, count the 64-second period the cookie was
 * made in (the key each period hashes under is thus another: the secret rotates every 64 s),
 * and data the client's options: the MSS as an index of a table (rounded down), the window
 * scale (15: none), SACK-permitted and timestamps, in 9 bits. Unlike Linux, which keeps the
 * window scale and SACK in the timestamp when the client sends one, everything rides in the
 * cookie, so the proxy's own timestamps carry nothing and a client without timestamps keeps
 * its window scale and SACK too.
 *
 * A cookie is good in its period and the SYNCOOKIE_MAX_AGE ones after (64 to 192 s). A
 * guess passes only if its data decodes (2^9 of 2^24 values) in a live period (3 of 256):
 * about one in 2.8 million.
 */

#define SYNCOOKIE_PERIOD_S 64
#define SYNCOOKIE_MAX_AGE 2
#define SYNCOOKIE_DATA_BITS 9
#define SYNCOOKIE_NO_WSCALE 15

/* The MSS a cookie can say, ascending: the largest not above the client's is kept. */
static const uint16_t syncookie_mss_tab[8] = { 536, 1220, 1300, 1380, 1400, 1440, 1460, 8960 };

/* The connection a cookie is for: addresses (IPv4 in the last 4 bytes) and ports as on the
 * wire, the client's first. */
struct syncookie_tuple {
	uint8_t saddr[16];
	uint8_t daddr[16];
	uint16_t sport, dport;
};

/** The period of time now_ms (milliseconds of the worker's clock). */
static inline uint32_t
syncookie_count(uint64_t now_ms)
{
	return (uint32_t)(now_ms / (1000u * SYNCOOKIE_PERIOD_S));
}

static inline uint32_t
syncookie_hash(const struct siphash_key *key, const struct syncookie_tuple *t, uint32_t count)
{
	struct {
		struct syncookie_tuple t;
		uint32_t count;
	} in;

	memset(&in, 0, sizeof(in));
	in.t = *t;
	in.count = count;
	return (uint32_t)siphash24(key, &in, sizeof(in));
}

/** The 9 bits of data that stand for the options o (the MSS rounded down to the table). */
static inline uint32_t
syncookie_data(const struct tcp_syn_opts *o)
{
	uint32_t idx = 0, i;

	for (i = 1; i < 8; i++)
		if (o->mss >= syncookie_mss_tab[i])
			idx = i;
	return idx | (uint32_t)(o->ws_ok ? o->wscale : SYNCOOKIE_NO_WSCALE) << 3 |
	       (uint32_t)o->sack_ok << 7 | (uint32_t)o->ts_ok << 8;
}

/**
 * The cookie for a SYN of tuple t with initial sequence number isn and options o, at
 * now_ms. Worker.
 */
static inline uint32_t
syncookie_make(const struct siphash_key *key, const struct syncookie_tuple *t, uint32_t isn,
	       const struct tcp_syn_opts *o, uint64_t now_ms)
{
	uint32_t count = syncookie_count(now_ms);

	return syncookie_hash(key, t, 0) + isn + (count << 24) +
	       ((syncookie_hash(key, t, count) + syncookie_data(o)) & 0xffffffu);
}

enum syncookie_verdict { SYNCOOKIE_OK = 0, SYNCOOKIE_BAD, SYNCOOKIE_EXPIRED };

/**
 * Whether cookie (the ACK's acknowledgement minus one) was made for tuple t and the client
 * ISN isn (the ACK's sequence number minus one) within the last SYNCOOKIE_MAX_AGE periods;
 * if so, the options it stands for in *o (timestamps' values zero; all zero otherwise).
 * Worker.
 */
static inline enum syncookie_verdict
syncookie_check(const struct siphash_key *key, const struct syncookie_tuple *t, uint32_t cookie,
		uint32_t isn, uint64_t now_ms, struct tcp_syn_opts *o)
{
	uint32_t c = cookie - syncookie_hash(key, t, 0) - isn;
	uint32_t count = c >> 24, now = syncookie_count(now_ms), data, ws;

	memset(o, 0, sizeof(*o));
	/* the period, from the 8 bits the cookie has of it */
	count = now - ((now - count) & 0xffu);
	data = (c - syncookie_hash(key, t, count)) & 0xffffffu;
	if (data >> SYNCOOKIE_DATA_BITS)
		return SYNCOOKIE_BAD;
	ws = (data >> 3) & 0xfu; /* 0..14, or SYNCOOKIE_NO_WSCALE */
	if (now - count > SYNCOOKIE_MAX_AGE)
		return SYNCOOKIE_EXPIRED;
	o->mss = syncookie_mss_tab[data & 7u];
	o->ws_ok = ws != SYNCOOKIE_NO_WSCALE;
	o->wscale = (uint8_t)(o->ws_ok ? ws : 0);
	o->sack_ok = (data >> 7) & 1u;
	o->ts_ok = (data >> 8) & 1u;
	return SYNCOOKIE_OK;
}

#endif
