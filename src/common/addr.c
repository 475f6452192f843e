/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"

int
addr_parse_ip(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (s == NULL || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*ip = a.s_addr;
	return 0;
}

/* Parse a decimal number in [lo, hi] that fills the whole string. */
static int
parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Split s at the last occurrence of sep into a bounded copy of the head and a tail. */
static int
split_last(const char *s, char sep, char *head, size_t headsz, const char **tail)
{
	const char *p = s ? strrchr(s, sep) : NULL;
	size_t n;

	if (p == NULL)
		return -EINVAL;
	n = (size_t)(p - s);
	if (n == 0 || n >= headsz)
		return -EINVAL;
	memcpy(head, s, n);
	head[n] = '\0';
	*tail = p + 1;
	return 0;
}

int
addr_parse_prefix(const char *s, uint32_t *ip, uint8_t *len)
{
	char head[ADDR_STR_MAX];
	const char *tail;
	unsigned long v;

	if (split_last(s, '/', head, sizeof(head), &tail) < 0 || parse_uint(tail, 0, 32, &v) < 0)
		return -EINVAL;
	if (addr_parse_ip(head, ip) < 0)
		return -EINVAL;
	*len = (uint8_t)v;
	return 0;
}

int
addr_parse_ipport(const char *s, uint32_t *ip, uint16_t *port)
{
	char head[ADDR_STR_MAX];
	const char *tail;
	unsigned long v;

	if (split_last(s, ':', head, sizeof(head), &tail) < 0 || parse_uint(tail, 1, 65535, &v) < 0)
		return -EINVAL;
	if (addr_parse_ip(head, ip) < 0)
		return -EINVAL;
	*port = htons((uint16_t)v);
	return 0;
}

/* "HEAD/tcp" or "HEAD/udp": the head into a bounded copy and the protocol. */
static int
split_proto(const char *s, char *head, size_t headsz, uint8_t *proto)
{
	const char *tail;

	if (split_last(s, '/', head, headsz, &tail) < 0)
		return -EINVAL;
	if (strcmp(tail, "tcp") == 0)
		*proto = PROTO_TCP;
	else if (strcmp(tail, "udp") == 0)
		*proto = PROTO_UDP;
	else
		return -EINVAL;
	return 0;
}

int
addr_parse_service(const char *s, uint32_t *ip, uint16_t *port, uint8_t *proto)
{
	char head[ADDR_STR_MAX];

	if (split_proto(s, head, sizeof(head), proto) < 0)
		return -EINVAL;
	return addr_parse_ipport(head, ip, port);
}

char *
addr_fmt_ip(char *buf, uint32_t ip)
{
	const uint8_t *b = (const uint8_t *)&ip;

	snprintf(buf, ADDR_STR_MAX, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return buf;
}

char *
addr_fmt_ipport(char *buf, uint32_t ip, uint16_t port)
{
	const uint8_t *b = (const uint8_t *)&ip;

	snprintf(buf, ADDR_STR_MAX, "%u.%u.%u.%u:%u", b[0], b[1], b[2], b[3], ntohs(port));
	return buf;
}

const char *
addr_proto_name(uint8_t proto)
{
	return proto == PROTO_TCP ? "tcp" : proto == PROTO_UDP ? "udp" : "?";
}

char *
addr_fmt_service(char *buf, uint32_t ip, uint16_t port, uint8_t proto)
{
	const uint8_t *b = (const uint8_t *)&ip;

	snprintf(buf, ADDR_STR_MAX, "%u.%u.%u.%u:%u/%s", b[0], b[1], b[2], b[3], ntohs(port),
		 addr_proto_name(proto));
	return buf;
}

int
addr_parse_ip46(const char *s, union addr46 *a)
{
	uint32_t v4;

	if (s == NULL)
		return -EINVAL;
	if (addr_parse_ip(s, &v4) == 0) {
		*a = addr46_from_v4(v4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->b) != 1 || addr46_is_v4(a))
		return -EINVAL;
	return 0;
}

int
addr_parse_prefix46(const char *s, union addr46 *a, uint8_t *len)
{
	char head[ADDR46_STR_MAX];
	const char *tail;
	unsigned long v;

	if (split_last(s, '/', head, sizeof(head), &tail) < 0 || addr_parse_ip46(head, a) < 0 ||
	    parse_uint(tail, 0, addr46_max_len(a), &v) < 0)
		return -EINVAL;
	*len = (uint8_t)v;
	return 0;
}

int
addr_parse_ipport46(const char *s, union addr46 *a, uint16_t *port)
{
	char head[ADDR46_STR_MAX];
	const char *tail;
	unsigned long v;
	size_t n;

	if (split_last(s, ':', head, sizeof(head), &tail) < 0 || parse_uint(tail, 1, 65535, &v) < 0)
		return -EINVAL;
	n = strlen(head);
	if (head[0] == '[') {
		/* "[v6]": the brackets and nothing else around the address */
		if (n < 3 || head[n - 1] != ']')
			return -EINVAL;
		head[n - 1] = '\0';
		if (addr_parse_ip46(head + 1, a) < 0 || addr46_is_v4(a))
			return -EINVAL;
	} else if (addr_parse_ip(head, &a->w[3]) == 0) {
		*a = addr46_from_v4(a->w[3]);
	} else {
		return -EINVAL; /* an IPv6 address without brackets, or no address */
	}
	*port = htons((uint16_t)v);
	return 0;
}

int
addr_parse_service46(const char *s, union addr46 *a, uint16_t *port, uint8_t *proto)
{
	char head[ADDR46_STR_MAX];

	if (split_proto(s, head, sizeof(head), proto) < 0)
		return -EINVAL;
	return addr_parse_ipport46(head, a, port);
}

char *
addr_fmt_ip46(char *buf, const union addr46 *a)
{
	if (addr46_is_v4(a))
		return addr_fmt_ip(buf, a->w[3]);
	if (inet_ntop(AF_INET6, a->b, buf, INET6_ADDRSTRLEN) == NULL)
		snprintf(buf, INET6_ADDRSTRLEN, "?");
	return buf;
}

char *
addr_fmt_ipport46(char *buf, const union addr46 *a, uint16_t port)
{
	char ip[INET6_ADDRSTRLEN];

	addr_fmt_ip46(ip, a);
	snprintf(buf, ADDR46_STR_MAX, addr46_is_v4(a) ? "%s:%u" : "[%s]:%u", ip, ntohs(port));
	return buf;
}

char *
addr_fmt_service46(char *buf, const union addr46 *a, uint16_t port, uint8_t proto)
{
	char ip[INET6_ADDRSTRLEN];

	addr_fmt_ip46(ip, a);
	snprintf(buf, ADDR46_STR_MAX, addr46_is_v4(a) ? "%s:%u/%s" : "[%s]:%u/%s", ip,
		 ntohs(port), addr_proto_name(proto));
	return buf;
}

bool
addr46_same_prefix(const union addr46 *a, const union addr46 *b, uint8_t len)
{
	union addr46 x = addr46_masked(a, len), y = addr46_masked(b, len);

	return addr46_eq(&x, &y);
}

union addr46
addr46_masked(const union addr46 *a, uint8_t len)
{
	union addr46 r = *a;
	unsigned bits = addr46_is_v4(a) ? 96u + (len > 32 ? 32u : len) : (len > 128 ? 128u : len);
	unsigned i;

	for (i = 0; i < 16; i++) {
		unsigned keep = bits >= 8 * (i + 1) ? 8 : bits > 8 * i ? bits - 8 * i : 0;

		r.b[i] &= (uint8_t)(0xff00u >> keep);
	}
	return r;
}
