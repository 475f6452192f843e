/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The REST server. libmicrohttpd runs one internal polling thread per listener (the unix
 * socket, and the TCP address when configured); both call the same handler. The handler
 * routes a request, reads a body of at most API_BODY_MAX bytes, calls the control core and
 * turns its answer into a reply. Every validation happens before the control core is asked
 * to change anything, so a bad body changes nothing (the core guarantees the rest).
 *
 * A request goes through the handler at least twice: once when its headers are in (routing
 * and method checks answer here, before any body is read), then once per body chunk, then a
 * last time with no data, when the reply is built. The per-request state lives in a struct
 * req hung on MHD's con_cls and freed by the completion callback.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <jansson.h>
#include <microhttpd.h>

#include "common/addr.h"
#include "common/log.h"
#include "control/api.h"
#include "control/config.h"
#include "control/ctl.h"

#define API_BODY_MAX (1u << 20)      /* larger bodies get 413 */
#define API_DISCARD_MAX (64u << 20)  /* past this much of an oversized body, hang up */
#define API_CONNS_DEFAULT 10000u     /* rows of GET /v1/conns without ?limit */
#define API_CONN_LIMIT 64u           /* concurrent connections per listener */
#define API_CONN_TIMEOUT 30u         /* seconds of client silence before MHD hangs up */
#define API_BACKLOG 64

#define JSON_TYPE "application/json"
#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct api_server {
	struct MHD_Daemon *unix_d;
	struct MHD_Daemon *tcp_d;
	char path[CFG_PATH_MAX];
	dev_t dev; /* identity of the socket file we made, so api_stop removes only ours */
	ino_t ino;
};

enum route { R_NONE = 0, R_METRICS, R_SERVICES, R_SERVICE, R_BACKENDS, R_BACKEND, R_CONNS,
	     R_STATS, R_CONFIG };

enum { M_GET = 1, M_POST = 2, M_PUT = 4, M_PATCH = 8, M_DELETE = 16 };

/* Methods each route answers, and the Allow header of its 405. HEAD is served as GET. */
static const struct {
	unsigned methods;
	const char *allow;
} route_methods[] = {
	[R_METRICS] = { M_GET, "GET, HEAD" },
	[R_SERVICES] = { M_GET | M_POST, "GET, HEAD, POST" },
	[R_SERVICE] = { M_GET | M_PUT | M_DELETE, "GET, HEAD, PUT, DELETE" },
	[R_BACKENDS] = { M_GET | M_POST, "GET, HEAD, POST" },
	[R_BACKEND] = { M_GET | M_PATCH | M_DELETE, "GET, HEAD, PATCH, DELETE" },
	[R_CONNS] = { M_GET, "GET, HEAD" },
	[R_STATS] = { M_GET, "GET, HEAD" },
	[R_CONFIG] = { M_GET | M_PUT, "GET, HEAD, PUT" },
};

struct req {
	enum route route;
	unsigned method;
	char svc[ADDR_STR_MAX]; /* canonical service key from the path */
	char be[ADDR_STR_MAX];  /* canonical backend key from the path */
	char *body;
	size_t len;
	size_t cap;
	size_t discarded; /* bytes thrown away once the body passed API_BODY_MAX */
};

/* What a request is answered with: JSON, text, or nothing (204). */
struct reply {
	unsigned status;
	json_t *json;
	char *text; /* malloc'd */
	size_t text_len;
	const char *allow;
	char location[128];
};

static void
reply_json(struct reply *rp, unsigned status, json_t *j)
{
	rp->status = status;
	rp->json = j;
}

static void __attribute__((format(printf, 4, 5)))
reply_error(struct reply *rp, unsigned status, const char *error, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	json_decref(rp->json);
	rp->status = status;
	rp->json = json_pack("{s:s, s:s}", "error", error, "detail", detail);
}

/*
 * The one place a control-core error code becomes an HTTP status; docs/api.md lists the same
 * table. -ENOSPC is 507 rather than 409 so that a client can tell "full" from "exists".
 */
static void
reply_ctl_error(struct reply *rp, int rc, const struct cfg_error *err)
{
	char detail[512] = "";
	unsigned status;
	const char *error;

	switch (rc) {
	case -EINVAL: status = MHD_HTTP_BAD_REQUEST; error = "invalid request"; break;
	case -ENOENT: status = MHD_HTTP_NOT_FOUND; error = "not found"; break;
	case -EEXIST: status = MHD_HTTP_CONFLICT; error = "already exists"; break;
	case -EBUSY: status = MHD_HTTP_CONFLICT; error = "restart required"; break;
	case -ENOSPC: status = MHD_HTTP_INSUFFICIENT_STORAGE; error = "table full"; break;
	default: status = MHD_HTTP_INTERNAL_SERVER_ERROR; error = "internal error"; break;
	}
	if (err != NULL)
		cfg_error_fmt(err, detail, sizeof(detail));
	if (detail[0] == '\0')
		snprintf(detail, sizeof(detail), "%s", strerror(rc < 0 ? -rc : rc));
	reply_error(rp, status, error, "%s", detail);
}

/* A ctl getter returned NULL where it had to return something: only ENOMEM can do that. */
static void
reply_json_or_oom(struct reply *rp, unsigned status, json_t *j)
{
	if (j == NULL)
		reply_error(rp, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error", "out of memory");
	else
		reply_json(rp, status, j);
}

/* ---------------------------------------------------------------------------------------- */
/* Routing */

static unsigned
method_bit(const char *m)
{
	if (strcmp(m, MHD_HTTP_METHOD_GET) == 0 || strcmp(m, MHD_HTTP_METHOD_HEAD) == 0)
		return M_GET;
	if (strcmp(m, MHD_HTTP_METHOD_POST) == 0)
		return M_POST;
	if (strcmp(m, MHD_HTTP_METHOD_PUT) == 0)
		return M_PUT;
	if (strcmp(m, MHD_HTTP_METHOD_PATCH) == 0)
		return M_PATCH;
	if (strcmp(m, MHD_HTTP_METHOD_DELETE) == 0)
		return M_DELETE;
	return 0;
}

static bool
take(const char **p, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(*p, prefix, n) != 0)
		return false;
	*p += n;
	return true;
}

/* The end of a path, with or without one trailing slash. */
static bool
at_end(const char *p)
{
	return p[0] == '\0' || (p[0] == '/' && p[1] == '\0');
}

/* s starts with the path segment seg ("tcp" matches "tcp" and "tcp/...", not "tcpx"). */
static bool
is_segment(const char *s, const char *seg)
{
	size_t n = strlen(seg);

	return strncmp(s, seg, n) == 0 && (s[n] == '\0' || s[n] == '/');
}

/* Copy the n bytes at s into a bounded buffer; false when they do not fit. */
static bool
copy_part(char *dst, size_t dstsz, const char *s, size_t n)
{
	if (n >= dstsz)
		return false;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

/* Canonical service key ("10.0.0.10:80/tcp") of s, or -EINVAL. */
static int
canon_service(const char *s, char out[ADDR_STR_MAX])
{
	uint32_t ip;
	uint16_t port;
	uint8_t proto;

	if (addr_parse_service(s, &ip, &port, &proto) < 0)
		return -EINVAL;
	addr_fmt_service(out, ip, port, proto);
	return 0;
}

static int
canon_backend(const char *s, char out[ADDR_STR_MAX])
{
	uint32_t ip;
	uint16_t port;

	if (addr_parse_ipport(s, &ip, &port) < 0)
		return -EINVAL;
	addr_fmt_ipport(out, ip, port);
	return 0;
}

/*
 * Route the part of /v1/services after the prefix. The service key has a slash of its own
 * ("10.0.0.10:80/tcp"), so it spans two path segments when the second is tcp or udp. MHD
 * has already unescaped the path, which is how %2F and a raw slash end up the same.
 */
static int
route_services(const char *p, struct req *r, struct reply *rp)
{
	char key[ADDR_STR_MAX];
	const char *slash;
	size_t n;

	if (at_end(p)) {
		r->route = R_SERVICES;
		return 0;
	}
	if (*p++ != '/')
		goto unknown;
	slash = strchr(p, '/');
	if (slash != NULL && (is_segment(slash + 1, "tcp") || is_segment(slash + 1, "udp")))
		n = (size_t)(slash - p) + 4;
	else
		n = slash != NULL ? (size_t)(slash - p) : strlen(p);
	if (!copy_part(key, sizeof(key), p, n) || canon_service(key, r->svc) < 0) {
		reply_error(rp, MHD_HTTP_NOT_FOUND, "not found",
			    "'%.*s' is not a service key (a.b.c.d:port/tcp or /udp)",
			    (int)(n > 64 ? 64 : n), p);
		return -ENOENT;
	}
	p += n;
	if (at_end(p)) {
		r->route = R_SERVICE;
		return 0;
	}
	if (!take(&p, "/backends"))
		goto unknown;
	if (at_end(p)) {
		r->route = R_BACKENDS;
		return 0;
	}
	if (*p++ != '/')
		goto unknown;
	n = strcspn(p, "/");
	if (!at_end(p + n))
		goto unknown;
	if (!copy_part(key, sizeof(key), p, n) || canon_backend(key, r->be) < 0) {
		reply_error(rp, MHD_HTTP_NOT_FOUND, "not found",
			    "'%.*s' is not a backend key (a.b.c.d:port)", (int)(n > 64 ? 64 : n),
			    p);
		return -ENOENT;
	}
	r->route = R_BACKEND;
	return 0;
unknown:
	return -ENOENT;
}

static int
route_parse(const char *url, struct req *r, struct reply *rp)
{
	static const struct {
		const char *path;
		enum route route;
	} fixed[] = {
		{ "/metrics", R_METRICS }, { "/v1/conns", R_CONNS }, { "/v1/stats", R_STATS },
		{ "/v1/config", R_CONFIG },
	};
	const char *p;
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		p = url;
		if (take(&p, fixed[i].path) && at_end(p)) {
			r->route = fixed[i].route;
			return 0;
		}
	}
	p = url;
	if (take(&p, "/v1/services") && route_services(p, r, rp) == 0)
		return 0;
	if (rp->json == NULL)
		reply_error(rp, MHD_HTTP_NOT_FOUND, "not found", "no route %.200s", url);
	return -ENOENT;
}

/* ---------------------------------------------------------------------------------------- */
/* Bodies */

/* Parse the request body as one JSON object; on error fill rp and return NULL. */
static json_t *
body_object(const struct req *r, struct reply *rp)
{
	json_error_t jerr;
	json_t *j;

	if (r->len == 0) {
		reply_error(rp, MHD_HTTP_BAD_REQUEST, "invalid JSON",
			    "empty body; expected an object");
		return NULL;
	}
	j = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		reply_error(rp, MHD_HTTP_BAD_REQUEST, "invalid JSON", "line %d column %d: %s",
			    jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		reply_error(rp, MHD_HTTP_BAD_REQUEST, "invalid JSON", "expected an object");
		return NULL;
	}
	return j;
}

/* Keep up to API_BODY_MAX bytes of body; count the rest so the reply can be 413. */
static int
body_append(struct req *r, const char *data, size_t n)
{
	size_t cap;
	char *p;

	if (r->discarded > 0 || n > API_BODY_MAX - r->len) {
		r->discarded += n;
		return r->discarded > API_DISCARD_MAX ? -EMSGSIZE : 0;
	}
	if (r->len + n > r->cap) {
		cap = r->cap ? r->cap : 4096;
		while (cap < r->len + n)
			cap *= 2;
		if (cap > API_BODY_MAX)
			cap = API_BODY_MAX;
		p = realloc(r->body, cap);
		if (p == NULL)
			return -ENOMEM;
		r->body = p;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Handlers, one per route; each fills rp. */

static void
set_location_service(struct reply *rp, const char *key)
{
	snprintf(rp->location, sizeof(rp->location), "/v1/services/%s", key);
}

static void
do_services(const struct req *r, struct reply *rp)
{
	struct cfg_service s;
	struct cfg_error err;
	char key[ADDR_STR_MAX];
	json_t *body;
	int rc;

	if (r->method == M_GET) {
		reply_json_or_oom(rp, MHD_HTTP_OK, ctl_services_json());
		return;
	}
	body = body_object(r, rp);
	if (body == NULL)
		return;
	memset(&s, 0, sizeof(s));
	memset(&err, 0, sizeof(err));
	rc = cfg_service_from_json(body, "", &s, &err);
	if (rc == 0)
		rc = ctl_service_add(&s, &err);
	if (rc < 0) {
		reply_ctl_error(rp, rc, &err);
	} else {
		addr_fmt_service(key, s.vip, s.port, s.proto);
		set_location_service(rp, key);
		reply_json_or_oom(rp, MHD_HTTP_CREATED, ctl_service_json(key));
	}
	cfg_service_free(&s);
	json_decref(body);
}

static void
service_put(const struct req *r, struct reply *rp)
{
	struct cfg_service s;
	struct cfg_error err;
	char key[ADDR_STR_MAX];
	json_t *body;
	int rc;

	body = body_object(r, rp);
	if (body == NULL)
		return;
	/* The path names the service; a body without a vip means that one. */
	if (json_object_get(body, "vip") == NULL)
		json_object_set_new(body, "vip", json_string(r->svc));
	memset(&s, 0, sizeof(s));
	memset(&err, 0, sizeof(err));
	rc = cfg_service_from_json(body, "", &s, &err);
	if (rc == 0 && strcmp(addr_fmt_service(key, s.vip, s.port, s.proto), r->svc) != 0) {
		reply_error(rp, MHD_HTTP_BAD_REQUEST, "invalid request",
			    "vip: %s does not match the path's %s (a service's key cannot change; "
			    "add the new one and delete the old)", key, r->svc);
		goto out;
	}
	if (rc == 0)
		rc = ctl_service_replace(r->svc, &s, &err);
	if (rc < 0)
		reply_ctl_error(rp, rc, &err);
	else
		reply_json_or_oom(rp, MHD_HTTP_OK, ctl_service_json(r->svc));
out:
	cfg_service_free(&s);
	json_decref(body);
}

static void
do_service(const struct req *r, struct reply *rp)
{
	struct cfg_error err;
	json_t *j;
	int rc;

	switch (r->method) {
	case M_GET:
		j = ctl_service_json(r->svc);
		if (j == NULL)
			reply_error(rp, MHD_HTTP_NOT_FOUND, "not found", "no service %s", r->svc);
		else
			reply_json(rp, MHD_HTTP_OK, j);
		break;
	case M_PUT:
		service_put(r, rp);
		break;
	default: /* M_DELETE */
		memset(&err, 0, sizeof(err));
		rc = ctl_service_del(r->svc, &err);
		if (rc < 0)
			reply_ctl_error(rp, rc, &err);
		else
			rp->status = MHD_HTTP_NO_CONTENT;
		break;
	}
}

/*
 * One backend of a service as the control core shows it. Sets rp to 404 and returns NULL
 * when either is missing.
 */
static json_t *
backend_find(const char *svc, const char *be, struct reply *rp)
{
	json_t *list = ctl_backends_json(svc);
	json_t *b, *found = NULL;
	size_t i;

	if (list == NULL) {
		reply_error(rp, MHD_HTTP_NOT_FOUND, "not found", "no service %s", svc);
		return NULL;
	}
	json_array_foreach(json_object_get(list, "backends"), i, b) {
		const char *addr = json_string_value(json_object_get(b, "address"));

		if (addr != NULL && strcmp(addr, be) == 0) {
			found = json_incref(b);
			break;
		}
	}
	json_decref(list);
	if (found == NULL)
		reply_error(rp, MHD_HTTP_NOT_FOUND, "not found", "no backend %s in service %s", be,
			    svc);
	return found;
}

static void
do_backends(const struct req *r, struct reply *rp)
{
	struct cfg_backend b;
	struct cfg_error err;
	char key[ADDR_STR_MAX];
	json_t *body, *j;
	int rc;

	if (r->method == M_GET) {
		j = ctl_backends_json(r->svc);
		if (j == NULL)
			reply_error(rp, MHD_HTTP_NOT_FOUND, "not found", "no service %s", r->svc);
		else
			reply_json(rp, MHD_HTTP_OK, j);
		return;
	}
	body = body_object(r, rp);
	if (body == NULL)
		return;
	memset(&b, 0, sizeof(b));
	memset(&err, 0, sizeof(err));
	rc = cfg_backend_from_json(body, "", &b, &err);
	if (rc == 0)
		rc = ctl_backend_add(r->svc, &b, &err);
	json_decref(body);
	if (rc < 0) {
		reply_ctl_error(rp, rc, &err);
		return;
	}
	addr_fmt_ipport(key, b.addr, b.port);
	snprintf(rp->location, sizeof(rp->location), "/v1/services/%s/backends/%s", r->svc, key);
	j = backend_find(r->svc, key, rp);
	if (j != NULL)
		reply_json(rp, MHD_HTTP_CREATED, j);
}

static void
do_backend(const struct req *r, struct reply *rp)
{
	struct cfg_error err;
	json_t *body, *j;
	int rc;

	memset(&err, 0, sizeof(err));
	switch (r->method) {
	case M_GET:
		j = backend_find(r->svc, r->be, rp);
		if (j != NULL)
			reply_json(rp, MHD_HTTP_OK, j);
		break;
	case M_PATCH:
		body = body_object(r, rp);
		if (body == NULL)
			break;
		rc = ctl_backend_patch(r->svc, r->be, body, &err);
		json_decref(body);
		if (rc < 0) {
			reply_ctl_error(rp, rc, &err);
			break;
		}
		j = backend_find(r->svc, r->be, rp);
		if (j != NULL)
			reply_json(rp, MHD_HTTP_OK, j);
		break;
	default: /* M_DELETE */
		rc = ctl_backend_del(r->svc, r->be, &err);
		if (rc < 0)
			reply_ctl_error(rp, rc, &err);
		else
			rp->status = MHD_HTTP_NO_CONTENT;
		break;
	}
}

static void
do_conns(struct MHD_Connection *c, struct reply *rp)
{
	const char *svc = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "service");
	const char *lim = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
	char key[ADDR_STR_MAX];
	unsigned long limit = API_CONNS_DEFAULT;
	char *end;
	json_t *j;

	if (lim != NULL) {
		errno = 0;
		limit = strtoul(lim, &end, 10);
		if (lim[0] < '0' || lim[0] > '9' || *end != '\0' || errno != 0 ||
		    limit > 0xffffffffUL) {
			reply_error(rp, MHD_HTTP_BAD_REQUEST, "invalid request",
				    "limit: '%.32s' is not a count (0 = no limit)", lim);
			return;
		}
	}
	if (svc != NULL && svc[0] != '\0') {
		if (canon_service(svc, key) < 0) {
			reply_error(rp, MHD_HTTP_BAD_REQUEST, "invalid request",
				    "service: '%.64s' is not a service key "
				    "(a.b.c.d:port/tcp or /udp)", svc);
			return;
		}
		j = ctl_service_json(key);
		if (j == NULL) {
			reply_error(rp, MHD_HTTP_NOT_FOUND, "not found", "no service %s", key);
			return;
		}
		json_decref(j);
		svc = key;
	} else {
		svc = NULL;
	}
	reply_json_or_oom(rp, MHD_HTTP_OK, ctl_conns_json(svc, (unsigned)limit));
}

static void
do_config(const struct req *r, struct reply *rp)
{
	struct cfg_error err;
	struct cfg *c;
	json_t *body;
	int rc;

	if (r->method == M_GET) {
		reply_json_or_oom(rp, MHD_HTTP_OK, ctl_config_json());
		return;
	}
	body = body_object(r, rp);
	if (body == NULL)
		return;
	c = calloc(1, sizeof(*c)); /* a few KiB: keep it off MHD's thread stack */
	if (c == NULL) {
		json_decref(body);
		reply_ctl_error(rp, -ENOMEM, NULL);
		return;
	}
	memset(&err, 0, sizeof(err));
	rc = cfg_from_json(body, c, &err);
	json_decref(body);
	if (rc == 0) {
		rc = ctl_config_apply(c, &err);
		cfg_free(c);
	}
	free(c);
	if (rc < 0)
		reply_ctl_error(rp, rc, &err);
	else
		reply_json_or_oom(rp, MHD_HTTP_OK, ctl_config_json());
}

static void
do_metrics(struct reply *rp)
{
	char *text = ctl_metrics_text();

	if (text == NULL) {
		reply_ctl_error(rp, -ENOMEM, NULL);
		return;
	}
	rp->status = MHD_HTTP_OK;
	rp->text = text;
	rp->text_len = strlen(text);
}

static void
dispatch(struct MHD_Connection *c, const struct req *r, struct reply *rp)
{
	switch (r->route) {
	case R_METRICS: do_metrics(rp); break;
	case R_SERVICES: do_services(r, rp); break;
	case R_SERVICE: do_service(r, rp); break;
	case R_BACKENDS: do_backends(r, rp); break;
	case R_BACKEND: do_backend(r, rp); break;
	case R_CONNS: do_conns(c, rp); break;
	case R_STATS: reply_json_or_oom(rp, MHD_HTTP_OK, ctl_stats_json()); break;
	case R_CONFIG: do_config(r, rp); break;
	default: reply_error(rp, MHD_HTTP_NOT_FOUND, "not found", "no route"); break;
	}
}

/* ---------------------------------------------------------------------------------------- */
/* MHD glue */

/* Queue rp (consuming it) and log the request: changes at info, reads at debug. */
static enum MHD_Result
reply_send(struct MHD_Connection *c, struct reply *rp, const char *method, const char *url)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	const char *type = JSON_TYPE;
	char *buf = rp->text;
	size_t len = rp->text_len;

	if (rp->json != NULL) {
		char *text = json_dumps(rp->json, JSON_COMPACT);

		json_decref(rp->json);
		/* One trailing newline, so that curl output ends its line. */
		if (text == NULL || asprintf(&buf, "%s\n", text) < 0) {
			free(text);
			return MHD_NO; /* out of memory: hang up, the client sees a reset */
		}
		free(text);
		len = strlen(buf);
	} else if (rp->text != NULL) {
		type = METRICS_TYPE;
	}
	resp = MHD_create_response_from_buffer_with_free_callback(len, buf, free);
	if (resp == NULL) {
		free(buf);
		return MHD_NO;
	}
	if (len > 0 || rp->status != MHD_HTTP_NO_CONTENT)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (rp->allow != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, rp->allow);
	if (rp->location[0] != '\0' && rp->status == MHD_HTTP_CREATED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, rp->location);
	ret = MHD_queue_response(c, rp->status, resp);
	MHD_destroy_response(resp);
	if (strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0)
		LOG_D("api: %s %s -> %u", method, url, rp->status);
	else
		LOG_I("api: %s %s -> %u", method, url, rp->status);
	return ret;
}

/* A declared Content-Length above the cap is refused before the body is read. */
static bool
declared_too_big(struct MHD_Connection *c)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);

	return cl != NULL && strtoull(cl, NULL, 10) > API_BODY_MAX;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
       const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct reply rp = { 0 };
	struct req *r = *con_cls;

	(void)cls;
	(void)version;
	if (r == NULL) {
		/* Headers are in: route now, so a wrong path or method never waits for a body. */
		struct req probe = { 0 };

		if (route_parse(url, &probe, &rp) < 0)
			return reply_send(c, &rp, method, url);
		probe.method = method_bit(method);
		if ((route_methods[probe.route].methods & probe.method) == 0) {
			rp.allow = route_methods[probe.route].allow;
			reply_error(&rp, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed",
				    "%.16s %.200s; allowed: %s", method, url, rp.allow);
			return reply_send(c, &rp, method, url);
		}
		if (declared_too_big(c))
			goto too_big;
		r = malloc(sizeof(*r));
		if (r == NULL)
			return MHD_NO;
		*r = probe;
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		/* Bodies of GET and DELETE are read and ignored. */
		if (r->method & (M_POST | M_PUT | M_PATCH)) {
			if (body_append(r, upload_data, *upload_data_size) < 0)
				return MHD_NO;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->discarded > 0)
		goto too_big;
	dispatch(c, r, &rp);
	return reply_send(c, &rp, method, url);
too_big:
	reply_error(&rp, MHD_HTTP_CONTENT_TOO_LARGE, "body too large",
		    "a request body may hold at most %u bytes", API_BODY_MAX);
	return reply_send(c, &rp, method, url);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
	  enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (r != NULL) {
		free(r->body);
		free(r);
		*con_cls = NULL;
	}
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	LOG_W("api: %s", line);
}

/* Serve on fd. MHD owns fd from here on: it closes it on stop and on a failed start. */
static struct MHD_Daemon *
serve(int fd, struct api_server *srv)
{
	return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG,
				0, NULL, NULL, handle, srv,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, /* first, says MHD */
				MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
				MHD_OPTION_CONNECTION_LIMIT, API_CONN_LIMIT,
				MHD_OPTION_CONNECTION_TIMEOUT, API_CONN_TIMEOUT,
				MHD_OPTION_END);
}

/* ---------------------------------------------------------------------------------------- */
/* Listening sockets */

/* mkdir -p of the directory part of path. */
static int
make_parents(const char *path)
{
	char dir[CFG_PATH_MAX];
	size_t i, n = strlen(path);

	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, n + 1);
	for (i = 1; i < n; i++) {
		if (dir[i] != '/')
			continue;
		dir[i] = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		dir[i] = '/';
	}
	return 0;
}

/*
 * A socket file left by a daemon that died is removed; one that still answers belongs to a
 * running sluiced and is left alone (-EADDRINUSE); anything but a socket is never removed.
 */
static int
remove_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	rc = rc == 0 || errno == EAGAIN || errno == EINPROGRESS ? -EADDRINUSE
	   : errno == ECONNREFUSED ? 0 : -errno;
	close(fd);
	if (rc == 0 && unlink(sa->sun_path) < 0 && errno != ENOENT)
		rc = -errno;
	return rc;
}

static int
listen_unix(const char *path, struct stat *st)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	bool bound = false;
	int fd = -1, rc;

	if (n == 0)
		return -EINVAL;
	if (n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, n + 1);
	rc = make_parents(path);
	if (rc < 0)
		goto fail;
	rc = remove_stale(&sa);
	if (rc < 0)
		goto fail;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		goto fail_errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail_errno;
	bound = true;
	/* Before listen(): nobody can connect while the file still has the umask's mode. */
	if (chmod(path, 0660) < 0 || listen(fd, API_BACKLOG) < 0 || stat(path, st) < 0)
		goto fail_errno;
	return fd;
fail_errno:
	rc = -errno;
fail:
	if (fd >= 0)
		close(fd);
	if (bound)
		unlink(path);
	return rc;
}

static int
listen_tcp(const char *addr)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd, one = 1, rc;

	if (addr_parse_ipport(addr, &sa.sin_addr.s_addr, &sa.sin_port) < 0)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, API_BACKLOG) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

struct api_server *
api_start(const char *socket_path, const char *listen)
{
	struct api_server *srv;
	struct stat st;
	int fd, rc;

	if (socket_path == NULL) {
		errno = EINVAL;
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return NULL;
	fd = listen_unix(socket_path, &st);
	if (fd < 0) {
		rc = fd;
		LOG_E("api: cannot listen on %s: %s", socket_path, strerror(-rc));
		goto fail;
	}
	snprintf(srv->path, sizeof(srv->path), "%s", socket_path);
	srv->dev = st.st_dev;
	srv->ino = st.st_ino;
	srv->unix_d = serve(fd, srv);
	if (srv->unix_d == NULL) {
		rc = -EIO;
		LOG_E("api: cannot start the REST server on %s", socket_path);
		goto fail;
	}
	if (listen != NULL && listen[0] != '\0') {
		fd = listen_tcp(listen);
		if (fd < 0) {
			rc = fd;
			LOG_E("api: cannot listen on %s: %s", listen, strerror(-rc));
			goto fail;
		}
		srv->tcp_d = serve(fd, srv);
		if (srv->tcp_d == NULL) {
			rc = -EIO;
			LOG_E("api: cannot start the REST server on %s", listen);
			goto fail;
		}
	}
	LOG_I("api: listening on %s%s%s", socket_path, srv->tcp_d ? " and " : "",
	      srv->tcp_d ? listen : "");
	return srv;
fail:
	api_stop(srv);
	errno = -rc;
	return NULL;
}

void
api_stop(struct api_server *srv)
{
	struct stat st;

	if (srv == NULL)
		return;
	if (srv->tcp_d != NULL)
		MHD_stop_daemon(srv->tcp_d);
	if (srv->unix_d != NULL)
		MHD_stop_daemon(srv->unix_d);
	/* Remove the socket file only if it is still the one we made (not a newer daemon's). */
	if (srv->path[0] != '\0' && lstat(srv->path, &st) == 0 && st.st_dev == srv->dev &&
	    st.st_ino == srv->ino)
		unlink(srv->path);
	free(srv);
}
