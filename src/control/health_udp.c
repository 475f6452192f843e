/* SPDX-License-Identifier: Apache-2.0 */
/*
 * udp and dns checks on non-blocking sockets: send one datagram, then look for the answer
 * in each health_poll until the timeout. The socket is connected, so the kernel hands us
 * only the backend's answers and reports an ICMP port unreachable as ECONNREFUSED: a closed
 * port fails at once instead of at the timeout. udp wants any answer; dns wants a response
 * to our query (same id, QR set) with RCODE NOERROR.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/health_int.h"

#define DNS_HDR 12

static const char *const rcode_names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					   "NOTIMP", "REFUSED" };

/* A DNS query for name/qtype with recursion desired; its length or -1 on a bad name. */
static int
dns_query(uint8_t *buf, size_t len, uint16_t id, const char *name, uint16_t qtype)
{
	size_t off = DNS_HDR;
	const char *p = name;

	if (len < DNS_HDR + 4 + strlen(name) + 2)
		return -1;
	memset(buf, 0, DNS_HDR);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = 0x01; /* RD */
	buf[5] = 1;    /* QDCOUNT */
	while (*p != '\0' && strcmp(p, ".") != 0) {
		size_t l = strcspn(p, ".");

		if (l == 0 || l > 63)
			return -1;
		buf[off++] = (uint8_t)l;
		memcpy(buf + off, p, l);
		off += l;
		p += l + (p[l] == '.');
	}
	buf[off++] = 0;
	buf[off++] = (uint8_t)(qtype >> 8);
	buf[off++] = (uint8_t)qtype;
	buf[off++] = 0;
	buf[off++] = 1; /* class IN */
	return (int)off;
}

static void
udp_cancel(struct health *h, struct hc_target *t)
{
	(void)h;
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

static void
fail_errno(struct health *h, struct hc_target *t, const char *what)
{
	int e = errno;

	udp_cancel(h, t);
	health_done(h, t, false, "%s: %s", what, strerror(e));
}

static void
udp_start(struct health *h, struct hc_target *t)
{
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = t->key.addr.w[3],
				  .sin_port = t->hc.port ? t->hc.port : t->key.port };
	bool v4 = addr46_is_v4(&t->key.addr);
	uint8_t buf[DNS_HDR + CFG_HC_QUERY_MAX + 8];
	const void *msg = t->hc.payload;
	size_t len = strlen(t->hc.payload);
	int n;

	memcpy(&sa6.sin6_addr, t->key.addr.b, 16);
	sa6.sin6_port = sa.sin_port;
	t->fd = socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->fd < 0) {
		fail_errno(h, t, "socket");
		return;
	}
	if (v4 ? connect(t->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0
	       : connect(t->fd, (struct sockaddr *)&sa6, sizeof(sa6)) < 0) {
		fail_errno(h, t, "connect");
		return;
	}
	if (t->hc.type == CFG_HC_DNS) {
		t->dns_id = (uint16_t)rand();
		n = dns_query(buf, sizeof(buf), t->dns_id, t->hc.query, t->hc.qtype);
		if (n < 0) {
			udp_cancel(h, t);
			health_done(h, t, false, "bad query name '%s'", t->hc.query);
			return;
		}
		msg = buf;
		len = (size_t)n;
	}
	if (send(t->fd, msg, len, 0) < 0) {
		fail_errno(h, t, "send");
		return;
	}
	t->deadline_ms = h->now_ms + t->hc.timeout_ms;
}

/* The verdict on a DNS answer; false when it is not the answer to our query (ignored). */
static bool
dns_answer(struct health *h, struct hc_target *t, const uint8_t *b, ssize_t n)
{
	unsigned rcode;

	if (n < DNS_HDR || (b[0] << 8 | b[1]) != t->dns_id || !(b[2] & 0x80))
		return false;
	rcode = b[3] & 0x0f;
	udp_cancel(h, t);
	if (rcode == 0)
		health_done(h, t, true, "NOERROR with %u answer%s", (unsigned)(b[6] << 8 | b[7]),
			    (b[6] << 8 | b[7]) == 1 ? "" : "s");
	else if (rcode < sizeof(rcode_names) / sizeof(rcode_names[0]))
		health_done(h, t, false, "%s", rcode_names[rcode]);
	else
		health_done(h, t, false, "rcode %u", rcode);
	return true;
}

static void
udp_poll(struct health *h, struct hc_target *t)
{
	uint8_t buf[1500];
	ssize_t n;

	if (t->fd < 0)
		return;
	for (;;) {
		n = recv(t->fd, buf, sizeof(buf), 0);
		if (n < 0)
			break;
		if (t->hc.type == CFG_HC_UDP) {
			udp_cancel(h, t);
			health_done(h, t, true, "answered (%zd bytes)", n);
			return;
		}
		if (dns_answer(h, t, buf, n))
			return;
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		fail_errno(h, t, "recv");
		return;
	}
	if (h->now_ms >= t->deadline_ms) {
		udp_cancel(h, t);
		health_done(h, t, false, "no answer in %u ms", t->hc.timeout_ms);
	}
}

const struct hc_ops hc_udp_ops = {
	.start = udp_start,
	.poll = udp_poll,
	.cancel = udp_cancel,
};
