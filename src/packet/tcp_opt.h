/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_TCP_OPT_H
#define SLUICE_TCP_OPT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_tcp.h>

/*
 * TCP options (RFC 9293 3.2, RFC 7323, RFC 2018): the walk over a header's options, what a
 * SYN negotiates, and the options a node writes into a SYN or SYN-ACK it makes (the SYN
 * proxy, defense/synproxy.c). Every walk is bounded by the header's data offset, and a
 * malformed list (a length past the end, or under 2) ends it.
 */

enum {
	TCP_OPT_EOL = 0,
	TCP_OPT_NOP = 1,
	TCP_OPT_MSS = 2,       /* length 4 */
	TCP_OPT_WSCALE = 3,    /* length 3 */
	TCP_OPT_SACK_PERM = 4, /* length 2 */
	TCP_OPT_SACK = 5,      /* length 2 + 8n */
	TCP_OPT_TS = 8,        /* length 10 */
};

#define TCP_WSCALE_MAX 14 /* RFC 7323 2.3: a larger shift is taken as 14 */
#define TCP_SYN_OPT_LEN 20 /* what tcp_opts_write_syn() writes at most, padded */

/* What a SYN (or SYN-ACK) asks for. */
struct tcp_syn_opts {
	uint16_t mss;      /* host order; 0: no MSS option */
	uint8_t wscale;    /* valid when ws_ok */
	uint8_t ws_ok : 1;
	uint8_t sack_ok : 1;
	uint8_t ts_ok : 1;
	uint32_t tsval;    /* host order, when ts_ok */
	uint32_t tsecr;
};

/** The first byte after th's options (its data offset). */
static inline uint8_t *
tcp_opts_end(const struct rte_tcp_hdr *th)
{
	return (uint8_t *)th + (th->data_off >> 4) * 4;
}

/**
 * The option after *o in a list that ends at end (start with *o the first byte after the
 * TCP header): NOPs stepped over, its kind at the result and its length at result[1]. NULL
 * at the end of the list, at EOL, or where a length is under 2 or runs past end (a malformed
 * list is read no further). *o moves past the option returned. Any thread.
 */
static inline uint8_t *
tcp_opt_next(uint8_t **o, const uint8_t *end)
{
	uint8_t *p = *o;

	while (p < end && p[0] == TCP_OPT_NOP)
		p++;
	if (p >= end || p[0] == TCP_OPT_EOL || p + 2 > end || p[1] < 2 || p + p[1] > end)
		return NULL;
	*o = p + p[1];
	return p;
}

/**
 * The option of `kind` in th and its length in *len, or NULL. A malformed list is searched
 * no further. Any thread.
 */
static inline uint8_t *
tcp_opt_find(const struct rte_tcp_hdr *th, uint8_t kind, uint8_t *len)
{
	uint8_t *o = (uint8_t *)(th + 1), *end = tcp_opts_end(th), *p;

	while ((p = tcp_opt_next(&o, end)) != NULL)
		if (p[0] == kind) {
			*len = p[1];
			return p;
		}
	return NULL;
}

/** The options of a SYN or SYN-ACK th, those of a wrong length left out. Any thread. */
static inline void
tcp_opts_parse_syn(const struct rte_tcp_hdr *th, struct tcp_syn_opts *out)
{
	uint8_t *o = (uint8_t *)(th + 1), *end = tcp_opts_end(th), *p;
	uint16_t v16;
	uint32_t v32;

	memset(out, 0, sizeof(*out));
	while ((p = tcp_opt_next(&o, end)) != NULL) {
		if (p[0] == TCP_OPT_MSS && p[1] == 4) {
			memcpy(&v16, p + 2, 2);
			out->mss = rte_be_to_cpu_16(v16);
		} else if (p[0] == TCP_OPT_WSCALE && p[1] == 3) {
			out->ws_ok = 1;
			out->wscale = p[2] > TCP_WSCALE_MAX ? TCP_WSCALE_MAX : p[2];
		} else if (p[0] == TCP_OPT_SACK_PERM && p[1] == 2) {
			out->sack_ok = 1;
		} else if (p[0] == TCP_OPT_TS && p[1] == 10) {
			out->ts_ok = 1;
			memcpy(&v32, p + 2, 4);
			out->tsval = rte_be_to_cpu_32(v32);
			memcpy(&v32, p + 6, 4);
			out->tsecr = rte_be_to_cpu_32(v32);
		}
	}
}

/**
 * Write the options of o into buf (TCP_SYN_OPT_LEN bytes of room), in Linux's order and
 * padding: MSS, then SACK-permitted with the timestamps (or NOP NOP TS, or NOP NOP SACK-
 * permitted), then NOP and window scale. The bytes written, a multiple of 4. Any thread.
 */
static inline unsigned
tcp_opts_write_syn(uint8_t *buf, const struct tcp_syn_opts *o)
{
	unsigned n = 0;
	uint32_t v32;
	uint16_t v16;

	if (o->mss) {
		buf[n++] = TCP_OPT_MSS;
		buf[n++] = 4;
		v16 = rte_cpu_to_be_16(o->mss);
		memcpy(buf + n, &v16, 2);
		n += 2;
	}
	if (o->ts_ok) {
		if (o->sack_ok) {
			buf[n++] = TCP_OPT_SACK_PERM;
			buf[n++] = 2;
		} else {
			buf[n++] = TCP_OPT_NOP;
			buf[n++] = TCP_OPT_NOP;
		}
		buf[n++] = TCP_OPT_TS;
		buf[n++] = 10;
		v32 = rte_cpu_to_be_32(o->tsval);
		memcpy(buf + n, &v32, 4);
		v32 = rte_cpu_to_be_32(o->tsecr);
		memcpy(buf + n + 4, &v32, 4);
		n += 8;
	} else if (o->sack_ok) {
		buf[n++] = TCP_OPT_NOP;
		buf[n++] = TCP_OPT_NOP;
		buf[n++] = TCP_OPT_SACK_PERM;
		buf[n++] = 2;
	}
	if (o->ws_ok) {
		buf[n++] = TCP_OPT_NOP;
		buf[n++] = TCP_OPT_WSCALE;
		buf[n++] = 3;
		buf[n++] = o->wscale;
	}
	return n;
}

#endif
