/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_ADDR_H
#define SLUICE_ADDR_H

#include <arpa/inet.h>
#include <stdint.h>
#include <stddef.h>

/*
 * Text forms of addresses used everywhere the operator sees them: config, API, CLI.
 * Addresses and ports are kept in network byte order in every struct of sluice, so the
 * data path compares and copies them without swapping.
 */

#define ADDR_STR_MAX 32 /* "255.255.255.255:65535/tcp" and a NUL */

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

#endif
