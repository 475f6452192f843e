/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keepalived's LVS statements as sluice services (docs/operations.md, "Moving from
 * keepalived"). What maps:
 *   virtual_server IP PORT / group NAME   one service per address (a group's ranges expanded)
 *   protocol TCP|UDP                      the VIP's /tcp or /udp
 *   lb_kind NAT|DR|TUN (FNAT)             mode nat, dr, tun (fullnat)
 *   lb_algo rr wrr lc wlc sh mh           the same schedulers (mh: maglev); sed, nq: wlc
 *   persistence_timeout, _granularity     persistence, persistence_netmask
 *   delay_loop                            health_check.interval (keepalived's 60 s if none)
 *   alpha                                 health_check.start: down
 *   virtualhost                           an HTTP check's host
 *   real_server IP PORT: weight, uthreshold   a backend: weight, max_conns
 *   inhibit_on_failure                    sluice's behaviour anyway (a failed backend takes
 *                                         no new conns and keeps its conns)
 *   TCP_CHECK, HTTP_GET (url path, status_code), UDP_CHECK, DNS_CHECK, connect_port,
 *   connect_timeout, retry / nb_get_retry   health_check type, port, path, expect, timeout,
 *                                         fall; SSL_GET becomes a tcp check (no TLS check)
 * Checks are per real server in keepalived, per service (with backend overrides) in sluice:
 * the service takes the first real server's check, and a backend whose check differs gets
 * its own. Everything else (VRRP, global_defs, sorry_server, digest, MISC_CHECK, ...) is
 * reported with its line and why, and left out.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/kad.h"

struct kctx {
	const char *file;
	FILE *rep;
};

static void __attribute__((format(printf, 3, 4)))
report(const struct kctx *k, const struct kad_node *n, const char *fmt, ...)
{
	va_list ap;

	fprintf(k->rep, "%s:%d: %s: ", k->file, n->line, n->n_words ? n->word[0] : "");
	va_start(ap, fmt);
	vfprintf(k->rep, fmt, ap);
	va_end(ap);
	fputc('\n', k->rep);
}

/* "a.b.c.d:port" or "[v6]:port" into out; -1 when ip or port is no such thing. */
static int
addr_port(const char *ip, const char *port, char *out, size_t len)
{
	unsigned char buf[16];
	char *end;
	long p;

	if (ip == NULL || port == NULL)
		return -1;
	p = strtol(port, &end, 10);
	if (*port == '\0' || *end != '\0' || p < 1 || p > 65535)
		return -1;
	if (inet_pton(AF_INET, ip, buf) == 1)
		snprintf(out, len, "%s:%ld", ip, p);
	else if (inet_pton(AF_INET6, ip, buf) == 1)
		snprintf(out, len, "[%s]:%ld", ip, p);
	else
		return -1;
	return 0;
}

/* A keepalived number of seconds ("3", "2.5") as sluice's duration: "3s", "2500ms". */
static json_t *
seconds(const char *s)
{
	char *end;
	double v = s ? strtod(s, &end) : -1;
	char buf[32];

	if (s == NULL || *s == '\0' || *end != '\0' || v <= 0 || v > 3600)
		return NULL;
	if (v == (double)(long)v)
		return json_integer((long)v);
	snprintf(buf, sizeof(buf), "%ldms", (long)(v * 1000 + 0.5));
	return json_string(buf);
}

static long
number(const char *s, long lo, long hi)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return -1;
	v = strtol(s, &end, 10);
	return *end == '\0' && v >= lo && v <= hi ? v : -1;
}

/* A persistence_granularity (a netmask or a prefix length) as a prefix length. */
static int
prefix_len(const char *s)
{
	struct in_addr a;
	uint32_t m;
	int n = 0;

	if (s == NULL)
		return -1;
	if (inet_pton(AF_INET, s, &a) != 1)
		return (int)number(s, 0, 128);
	m = ntohl(a.s_addr);
	while (m & 0x80000000u) {
		n++;
		m <<= 1;
	}
	return m == 0 ? n : -1;
}

/* What one real_server's check block says, as a sluice health_check (NULL: none). */
static json_t *
check_json(const struct kctx *k, const struct kad_node *c, const char *vhost)
{
	const char *t = c->word[0];
	json_t *hc = json_object();
	bool http = strcmp(t, "HTTP_GET") == 0, url_seen = false;
	const struct kad_node *m, *u;

	if (strcmp(t, "TCP_CHECK") == 0) {
		json_object_set_new(hc, "type", json_string("tcp"));
	} else if (http) {
		json_object_set_new(hc, "type", json_string("http"));
		if (vhost != NULL)
			json_object_set_new(hc, "host", json_string(vhost));
	} else if (strcmp(t, "SSL_GET") == 0) {
		json_object_set_new(hc, "type", json_string("tcp"));
		report(k, c, "translated as a tcp check of the port: sluice has no TLS check "
		       "(the url and status are not checked)");
	} else if (strcmp(t, "UDP_CHECK") == 0) {
		json_object_set_new(hc, "type", json_string("udp"));
	} else if (strcmp(t, "DNS_CHECK") == 0) {
		json_object_set_new(hc, "type", json_string("dns"));
		json_object_set_new(hc, "query", json_string("."));
	}
	for (m = c->child; m != NULL; m = m->next) {
		const char *a = kad_arg(m, 1);
		json_t *v;
		long n;

		if (kad_is(m, "connect_timeout") && (v = seconds(a)) != NULL) {
			json_object_set_new(hc, "timeout", v);
		} else if (kad_is(m, "connect_port") && (n = number(a, 1, 65535)) > 0) {
			json_object_set_new(hc, "port", json_integer(n));
		} else if ((kad_is(m, "retry") || kad_is(m, "nb_get_retry")) &&
			   (n = number(a, 0, 100)) >= 0) {
			json_object_set_new(hc, "fall", json_integer(n > 0 ? n : 1));
		} else if (http && kad_is(m, "virtualhost") && a != NULL) {
			json_object_set_new(hc, "host", json_string(a));
		} else if (kad_is(m, "name") && strcmp(t, "DNS_CHECK") == 0 && a != NULL) {
			json_object_set_new(hc, "query", json_string(a));
		} else if (kad_is(m, "type") && strcmp(t, "DNS_CHECK") == 0 && a != NULL) {
			json_object_set_new(hc, "qtype", json_string(a));
		} else if (kad_is(m, "url") && http && !url_seen) {
			url_seen = true;
			for (u = m->child; u != NULL; u = u->next) {
				a = kad_arg(u, 1);
				if (kad_is(u, "path") && a != NULL && a[0] == '/')
					json_object_set_new(hc, "path", json_string(a));
				else if (kad_is(u, "status_code") && a != NULL && u->n_words == 2)
					json_object_set_new(hc, "expect",
							    number(a, 100, 599) > 0
								    ? json_integer(atol(a))
								    : json_string(a));
				else if (kad_is(u, "digest"))
					report(k, u, "not translated: sluice's http check looks at "
					       "the status only");
				else
					report(k, u, "not translated");
			}
		} else if (kad_is(m, "url")) {
			report(k, m, "not translated: %s", http ? "sluice checks one url (the first)"
								: "the tcp check asks for no url");
		} else if (kad_is(m, "delay_before_retry")) {
			report(k, m, "not translated: sluice checks again at the interval "
			       "(delay_loop)");
		} else {
			report(k, m, "not translated%s", strcmp(t, "SSL_GET") == 0 ? " (SSL_GET)" : "");
		}
	}
	return hc;
}

/* One real_server as a backend object; *hc its check (new ref) or NULL. */
static json_t *
real_server(const struct kctx *k, const struct kad_node *rs, const char *vhost, json_t **hc)
{
	char addr[64];
	json_t *b;
	const struct kad_node *m;

	*hc = NULL;
	if (addr_port(kad_arg(rs, 1), kad_arg(rs, 2), addr, sizeof(addr)) < 0) {
		report(k, rs, "not translated: '%s %s' is no address and port",
		       kad_arg(rs, 1) ? kad_arg(rs, 1) : "", kad_arg(rs, 2) ? kad_arg(rs, 2) : "");
		return NULL;
	}
	b = json_pack("{s:s}", "address", addr);
	for (m = rs->child; m != NULL; m = m->next) {
		const char *a = kad_arg(m, 1);
		long n;

		if (kad_is(m, "weight") && (n = number(a, 0, 65535)) >= 0) {
			json_object_set_new(b, "weight", json_integer(n));
		} else if (kad_is(m, "uthreshold") && (n = number(a, 0, 4294967295L)) >= 0) {
			json_object_set_new(b, "max_conns", json_integer(n));
		} else if (kad_is(m, "inhibit_on_failure")) {
			/* sluice's behaviour: a failed backend keeps its conns, takes no new ones */
		} else if (kad_is(m, "TCP_CHECK") || kad_is(m, "HTTP_GET") || kad_is(m, "SSL_GET") ||
			   kad_is(m, "UDP_CHECK") || kad_is(m, "DNS_CHECK")) {
			if (*hc != NULL)
				report(k, m, "not translated: sluice runs one check a backend (the "
				       "first)");
			else
				*hc = check_json(k, m, vhost);
		} else if (kad_is(m, "MISC_CHECK") || kad_is(m, "SMTP_CHECK") ||
			   kad_is(m, "PING_CHECK") || kad_is(m, "BFD_CHECK") ||
			   kad_is(m, "FILE_CHECK")) {
			report(k, m, "not translated: sluice checks tcp, http, udp and dns only");
		} else {
			report(k, m, "not translated");
		}
	}
	return b;
}

struct vs_opts {
	const char *proto, *mode, *sched, *vhost;
	json_t *persistence, *netmask, *interval;
	bool alpha;
};

static const struct { const char *k, *s; bool approx; } algos[] = {
	{ "rr", "rr", false }, { "wrr", "wrr", false }, { "lc", "lc", false },
	{ "wlc", "wlc", false }, { "sh", "sh", false }, { "mh", "maglev", false },
	{ "sed", "wlc", true }, { "nq", "wlc", true },
};

static void
vs_option(const struct kctx *k, const struct kad_node *m, struct vs_opts *o)
{
	const char *a = kad_arg(m, 1);
	unsigned i;
	long n;

	if (kad_is(m, "protocol") && a != NULL && (!strcasecmp(a, "TCP") || !strcasecmp(a, "UDP"))) {
		o->proto = !strcasecmp(a, "TCP") ? "tcp" : "udp";
	} else if ((kad_is(m, "lb_kind") || kad_is(m, "lvs_method")) && a != NULL) {
		if (!strcasecmp(a, "NAT") || !strcasecmp(a, "DR") || !strcasecmp(a, "TUN"))
			o->mode = !strcasecmp(a, "NAT") ? "nat" : !strcasecmp(a, "DR") ? "dr" : "tun";
		else if (!strcasecmp(a, "FNAT") || !strcasecmp(a, "FULLNAT"))
			o->mode = "fullnat";
		else
			report(k, m, "not translated: no such kind in sluice (NAT, DR, TUN, FNAT)");
	} else if ((kad_is(m, "lb_algo") || kad_is(m, "lvs_sched")) && a != NULL) {
		for (i = 0; i < sizeof(algos) / sizeof(algos[0]); i++)
			if (strcmp(a, algos[i].k) == 0)
				break;
		if (i == sizeof(algos) / sizeof(algos[0])) {
			report(k, m, "not translated: sluice has no '%s' (rr, wrr, lc, wlc, sh, mh); "
			       "wrr instead", a);
			return;
		}
		o->sched = algos[i].s;
		if (algos[i].approx)
			report(k, m, "translated as wlc, the nearest sluice has to '%s'", a);
	} else if (kad_is(m, "persistence_timeout")) {
		n = a ? number(a, 0, 31536000) : 360; /* keepalived's default: 6 minutes */
		if (n >= 0)
			o->persistence = json_integer(n);
		else
			report(k, m, "not translated: '%s' is no number of seconds", a);
	} else if (kad_is(m, "persistence_granularity") && prefix_len(a) >= 0) {
		o->netmask = json_integer(prefix_len(a));
	} else if (kad_is(m, "delay_loop") && (o->interval = seconds(a)) != NULL) {
	} else if (kad_is(m, "virtualhost") && a != NULL) {
		o->vhost = a;
	} else if (kad_is(m, "alpha")) {
		o->alpha = true;
	} else if (kad_is(m, "sorry_server")) {
		report(k, m, "not translated: sluice has no sorry server (a service without "
		       "healthy backends takes no new conns, and is withdrawn: announce: healthy)");
	} else if (kad_is(m, "quorum") || kad_is(m, "quorum_up") || kad_is(m, "quorum_down") ||
		   kad_is(m, "hysteresis") || kad_is(m, "omega")) {
		report(k, m, "not translated: sluice announces a VIP while one backend is healthy "
		       "(services[].announce)");
	} else if (!kad_is(m, "real_server")) {
		report(k, m, "not translated");
	}
}

/* The service of one VIP: o's options, the backends and their checks (complete: interval
 * and start already in). The service takes the first check; a backend whose check differs
 * keeps its own, one without a check says so. */
static json_t *
service(const char *vip, int line, const char *kw, const struct vs_opts *o, json_t *backends,
	json_t *checks)
{
	json_t *s = json_pack("{s:s,s:i,s:s,s:s,s:s}", "vip", vip, "_line", line, "_kw", kw,
			      "mode", o->mode, "scheduler", o->sched);
	json_t *svc_hc = NULL, *bes = json_array(), *b, *hc;
	size_t i;

	if (o->persistence != NULL)
		json_object_set(s, "persistence", o->persistence);
	if (o->netmask != NULL)
		json_object_set(s, "persistence_netmask", o->netmask);
	json_array_foreach(checks, i, hc) {
		if (!json_is_null(hc)) {
			svc_hc = hc;
			break;
		}
	}
	if (svc_hc != NULL)
		json_object_set(s, "health_check", svc_hc);
	json_array_foreach(backends, i, b) {
		json_t *c = json_deep_copy(b);

		hc = json_array_get(checks, i);
		if (svc_hc != NULL && json_is_null(hc))
			json_object_set_new(c, "health_check", json_pack("{s:s}", "type", "none"));
		else if (svc_hc != NULL && !json_equal(hc, svc_hc))
			json_object_set(c, "health_check", hc);
		json_array_append_new(bes, c);
	}
	json_object_set_new(s, "backends", bes);
	return s;
}

/* The VIPs of a virtual_server_group: "IP PORT" and "a.b.c.FIRST-LAST PORT" lines. */
static json_t *
group_vips(const struct kctx *k, const struct kad_node *g)
{
	json_t *vips = json_array();
	const struct kad_node *m;
	char addr[64], ip[INET_ADDRSTRLEN + 8];

	for (m = g->child; m != NULL; m = m->next) {
		const char *a = m->word[0], *dash = strchr(a, '-');

		if (kad_is(m, "fwmark")) {
			report(k, m, "not translated: sluice has no fwmark services");
			continue;
		}
		if (dash != NULL) {
			const char *dot = strrchr(a, '.');
			char oct[8] = "";
			long first, last = number(dash + 1, 0, 255), i;

			if (dot != NULL && dot < dash && (size_t)(dash - dot - 1) < sizeof(oct))
				memcpy(oct, dot + 1, (size_t)(dash - dot - 1));
			first = number(oct, 0, 255);

			if (dot == NULL || dot > dash || first < 0 || last < first) {
				report(k, m, "not translated: '%s' is no IPv4 range a.b.c.X-Y", a);
				continue;
			}
			for (i = first; i <= last; i++) {
				snprintf(ip, sizeof(ip), "%.*s%ld", (int)(dot - a + 1), a, i);
				if (addr_port(ip, kad_arg(m, 1), addr, sizeof(addr)) == 0)
					json_array_append_new(vips, json_pack("{s:s,s:i,s:s}", "vip",
									      addr, "line", m->line,
									      "kw", a));
			}
			continue;
		}
		if (addr_port(a, kad_arg(m, 1), addr, sizeof(addr)) < 0) {
			report(k, m, "not translated: no address and port");
			continue;
		}
		json_array_append_new(vips, json_pack("{s:s,s:i,s:s}", "vip", addr, "line", m->line,
						      "kw", a));
	}
	return vips;
}

static const struct kad_node *
find_group(const struct kad_node *root, const char *name)
{
	const struct kad_node *n;

	for (n = root->child; n != NULL; n = n->next)
		if (kad_is(n, "virtual_server_group") && kad_arg(n, 1) != NULL &&
		    strcmp(kad_arg(n, 1), name) == 0)
			return n;
	return NULL;
}

static void
virtual_server(const struct kctx *k, const struct kad_node *root, const struct kad_node *vs,
	       json_t *out)
{
	struct vs_opts o = { .proto = "tcp", .mode = "nat", .sched = "wrr" };
	json_t *backends = json_array(), *checks = json_array(), *vips, *v;
	const struct kad_node *m;
	char addr[64];
	size_t i;

	for (m = vs->child; m != NULL; m = m->next)
		vs_option(k, m, &o);
	if (o.interval == NULL)
		o.interval = json_integer(60); /* keepalived's delay_loop when none is given */
	for (m = vs->child; m != NULL; m = m->next) {
		json_t *hc, *b;

		if (!kad_is(m, "real_server"))
			continue;
		b = real_server(k, m, o.vhost, &hc);
		if (b == NULL)
			continue;
		/* the virtual_server's own parts of every check */
		if (hc != NULL) {
			json_object_set(hc, "interval", o.interval);
			if (o.alpha)
				json_object_set_new(hc, "start", json_string("down"));
		}
		json_array_append_new(backends, b);
		json_array_append_new(checks, hc ? hc : json_null());
	}
	if (kad_is(vs, "virtual_server") && kad_arg(vs, 1) && !strcmp(kad_arg(vs, 1), "group")) {
		const struct kad_node *g = kad_arg(vs, 2) ? find_group(root, kad_arg(vs, 2)) : NULL;

		if (g == NULL) {
			report(k, vs, "not translated: no virtual_server_group '%s'",
			       kad_arg(vs, 2) ? kad_arg(vs, 2) : "");
			goto out;
		}
		vips = group_vips(k, g);
	} else if (kad_arg(vs, 1) && !strcmp(kad_arg(vs, 1), "fwmark")) {
		report(k, vs, "not translated: sluice has no fwmark services");
		goto out;
	} else if (addr_port(kad_arg(vs, 1), kad_arg(vs, 2), addr, sizeof(addr)) == 0) {
		vips = json_pack("[{s:s,s:i,s:s}]", "vip", addr, "line", vs->line, "kw",
				 "virtual_server");
	} else {
		report(k, vs, "not translated: no address and port");
		goto out;
	}
	json_array_foreach(vips, i, v) {
		char key[80];

		snprintf(key, sizeof(key), "%s/%s", json_string_value(json_object_get(v, "vip")),
			 o.proto);
		json_array_append_new(out, service(key, (int)json_integer_value(
							     json_object_get(v, "line")),
						   json_string_value(json_object_get(v, "kw")), &o,
						   backends, checks));
	}
	json_decref(vips);
out:
	json_decref(o.persistence);
	json_decref(o.netmask);
	json_decref(o.interval);
	json_decref(backends);
	json_decref(checks);
}

json_t *
kad_import(const struct kad_node *root, const char *file, FILE *rep)
{
	struct kctx k = { .file = file, .rep = rep };
	json_t *svcs = json_array();
	const struct kad_node *n;

	if (svcs == NULL)
		return NULL;
	for (n = root->child; n != NULL; n = n->next) {
		if (kad_is(n, "virtual_server"))
			virtual_server(&k, root, n, svcs);
		else if (kad_is(n, "virtual_server_group"))
			continue; /* read through its virtual_server group NAME */
		else if (kad_is(n, "vrrp_instance") || kad_is(n, "vrrp_sync_group") ||
			 kad_is(n, "vrrp_script"))
			report(&k, n, "not translated: sluice nodes announce VIPs over BGP (BIRD) "
			       "and share them by ECMP, not VRRP (docs/operations.md)");
		else if (kad_is(n, "global_defs"))
			report(&k, n, "not translated: keepalived's own settings");
		else if (kad_is(n, "include"))
			report(&k, n, "not followed: import the included file too");
		else
			report(&k, n, "not translated");
	}
	return json_pack("{s:o}", "services", svcs);
}
