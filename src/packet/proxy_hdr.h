/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_PROXY_HDR_H
#define SLUICE_PROXY_HDR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>

#include "common/addr.h"

/*
 * What tells a FULLNAT backend who its client is (DESIGN section 5, "Client address to
 * backends"): the PROXY protocol's header (HAProxy's specification: version 1's text line,
 * version 2's binary block), inserted before the client's first byte, and the TOA TCP option
 * (kind 254, the format DPVS's and Alibaba's toa kernel modules read). The builders here
 * write the bytes; where and when they go is the forwarding path's.
 */

#define PROXY_V1_MAX 107 /* the specification's longest line, "\r\n" included */
#define PROXY_V2_HDR 16
#define PROXY_V2_LEN4 (PROXY_V2_HDR + 12) /* two IPv4 addresses and two ports */
#define PROXY_V2_LEN6 (PROXY_V2_HDR + 36)
#define TOA_KIND 254
#define TOA_LEN4 8  /* kind, length, port, IPv4 address */
#define TOA_LEN6 20 /* kind, length, port, IPv6 address */

static const uint8_t proxy_v2_sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
					  0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };

/**
 * The version 1 line for a TCP conn from src:sport to dst:dport (ports in network order,
 * addresses of one family: TCP4 or TCP6), into buf (PROXY_V1_MAX bytes of room). Its length,
 * without a NUL. Any thread.
 */
static inline unsigned
proxy_v1_write(char *buf, const union addr46 *src, const union addr46 *dst, uint16_t sport,
	       uint16_t dport)
{
	char s[ADDR46_STR_MAX], d[ADDR46_STR_MAX];
	int n = snprintf(buf, PROXY_V1_MAX + 1, "PROXY %s %s %s %u %u\r\n",
			 addr46_is_v4(src) ? "TCP4" : "TCP6", addr_fmt_ip46(s, src),
			 addr_fmt_ip46(d, dst), rte_be_to_cpu_16(sport), rte_be_to_cpu_16(dport));

	return n < 0 ? 0 : (unsigned)n;
}

/**
 * The version 2 block (command PROXY; STREAM for TCP, DGRAM for UDP; INET or INET6 by the
 * addresses' family) into buf (PROXY_V2_LEN6 bytes of room). Its length. Any thread.
 */
static inline unsigned
proxy_v2_write(uint8_t *buf, bool dgram, const union addr46 *src, const union addr46 *dst,
	       uint16_t sport, uint16_t dport)
{
	bool v4 = addr46_is_v4(src);
	uint16_t alen = v4 ? 12 : 36, be = rte_cpu_to_be_16(alen);
	uint8_t *a = buf + PROXY_V2_HDR;

	memcpy(buf, proxy_v2_sig, 12);
	buf[12] = 0x21;                                        /* version 2, PROXY */
	buf[13] = (uint8_t)((v4 ? 0x10 : 0x20) | (dgram ? 0x02 : 0x01)); /* family, transport */
	memcpy(buf + 14, &be, 2);
	if (v4) {
		memcpy(a, &src->w[3], 4);
		memcpy(a + 4, &dst->w[3], 4);
		a += 8;
	} else {
		memcpy(a, src->b, 16);
		memcpy(a + 16, dst->b, 16);
		a += 32;
	}
	memcpy(a, &sport, 2);
	memcpy(a + 2, &dport, 2);
	return PROXY_V2_HDR + alen;
}

/**
 * The TOA option for client src:sport (port in network order) into buf (TOA_LEN6 bytes of
 * room): kind 254, its length, the port, the address. Its length. Any thread.
 */
static inline unsigned
toa_write(uint8_t *buf, const union addr46 *src, uint16_t sport)
{
	bool v4 = addr46_is_v4(src);

	buf[0] = TOA_KIND;
	buf[1] = v4 ? TOA_LEN4 : TOA_LEN6;
	memcpy(buf + 2, &sport, 2);
	if (v4)
		memcpy(buf + 4, &src->w[3], 4);
	else
		memcpy(buf + 4, src->b, 16);
	return buf[1];
}

#endif
