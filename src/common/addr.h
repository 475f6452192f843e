/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_ADDR_H
#define SLUICE_ADDR_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/*
 * Text forms of addresses used everywhere the operator sees them: config, API, CLI.
 * Addresses and ports are kept in network byte order in every struct of sluice, so the
 * data path compares and copies them without swapping.
 */

#define ADDR_STR_MAX 32 /* "255.255.255.255:65535/tcp" and a NUL */
#define ADDR46_STR_MAX 64 /* "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535/tcp" and a NUL */

enum { PROTO_TCP = 6, PROTO_UDP = 17 };

/** The netmask of a prefix length (0..32), in network order. */
static inline uint32_t
addr_prefix_mask(uint8_t len)
{
	return len ? htonl(0xffffffffu << (32 - len)) : 0;
}

/** Parse dotted IPv4 "a.b.c.d" into network order. 0 or -EINVAL. */
int addr_parse_ip(const char *s, uint32_t *ip);
/** Parse "a.b.c.d/len" (len 0..32). 0 or -EINVAL. */
int addr_parse_prefix(const char *s, uint32_t *ip, uint8_t *len);
/** Parse "a.b.c.d:port" (port 1..65535). 0 or -EINVAL. */
int addr_parse_ipport(const char *s, uint32_t *ip, uint16_t *port);
/** Parse a service key "a.b.c.d:port/tcp|udp". 0 or -EINVAL. */
int addr_parse_service(const char *s, uint32_t *ip, uint16_t *port, uint8_t *proto);

/** Format helpers; each returns buf. buf must hold ADDR_STR_MAX bytes. */
char *addr_fmt_ip(char *buf, uint32_t ip);
char *addr_fmt_ipport(char *buf, uint32_t ip, uint16_t port);
char *addr_fmt_service(char *buf, uint32_t ip, uint16_t port, uint8_t proto);
const char *addr_proto_name(uint8_t proto);

/*
 * An address of either family. IPv4 is held as ::ffff:a.b.c.d (RFC 4291 2.5.5.2), so one
 * 16-byte value compares, hashes and sorts the same way for both families; w[3] is then the
 * IPv4 address in network order. Text: "10.0.0.1", "2001:db8::1"; with a port the IPv6
 * form takes brackets, "[2001:db8::1]:80", as in URLs (RFC 3986) and nginx. An IPv6 text
 * that is itself a mapped IPv4 ("::ffff:10.0.0.1") is refused: write the IPv4 form.
 */
union addr46 {
	uint8_t b[16];
	uint32_t w[4];
};

static inline bool
addr46_is_v4(const union addr46 *a)
{
	return a->w[0] == 0 && a->w[1] == 0 && a->w[2] == htonl(0xffff);
}

static inline union addr46
addr46_from_v4(uint32_t ip)
{
	union addr46 a = { .w = { 0, 0, htonl(0xffff), ip } };

	return a;
}

static inline bool
addr46_eq(const union addr46 *a, const union addr46 *b)
{
	return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) | (a->w[2] ^ b->w[2]) |
		(a->w[3] ^ b->w[3])) == 0;
}

/** Whether a is all zero (::): no address of either family, an "unset" that no host has. */
static inline bool
addr46_is_zero(const union addr46 *a)
{
	return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

/** The longest prefix length of a's family: 32 or 128. */
static inline uint8_t
addr46_max_len(const union addr46 *a)
{
	return addr46_is_v4(a) ? 32 : 128;
}

/** Parse "a.b.c.d" or an IPv6 address (no brackets). 0 or -EINVAL. */
int addr_parse_ip46(const char *s, union addr46 *a);
/** Parse "ADDR/len", len 0..32 for IPv4 and 0..128 for IPv6 (in the family's terms). */
int addr_parse_prefix46(const char *s, union addr46 *a, uint8_t *len);
/** Parse "a.b.c.d:port" or "[v6]:port" (port 1..65535). 0 or -EINVAL. */
int addr_parse_ipport46(const char *s, union addr46 *a, uint16_t *port);
/** Parse a service key "a.b.c.d:port/tcp" or "[v6]:port/udp". 0 or -EINVAL. */
int addr_parse_service46(const char *s, union addr46 *a, uint16_t *port, uint8_t *proto);

/** Format helpers; each returns buf, which must hold ADDR46_STR_MAX bytes. */
char *addr_fmt_ip46(char *buf, const union addr46 *a);
char *addr_fmt_ipport46(char *buf, const union addr46 *a, uint16_t port);
char *addr_fmt_service46(char *buf, const union addr46 *a, uint16_t port, uint8_t proto);

/** The mask of prefix length len over a's family, applied to a: the prefix's network. */
union addr46 addr46_masked(const union addr46 *a, uint8_t len);

/** Whether a and b share their first len bits (each masked over its own family). */
bool addr46_same_prefix(const union addr46 *a, const union addr46 *b, uint8_t len);

#endif
