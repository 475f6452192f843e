/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The REST handlers: route a request, read a body of at most API_BODY_MAX bytes, call the
 * control core and turn its answer into a reply. Every validation happens before the control
 * core is asked to change anything, so a bad body changes nothing (the core guarantees the
 * rest). api_http.c calls in here from libmicrohttpd's threads.
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

#include <jansson.h>
#include <microhttpd.h>

#include "common/addr.h"
#include "common/log.h"
#include "control/api_int.h"
#include "config/config.h"
#include "control/ctl.h"

const struct api_route_methods api_route_methods[] = {
	[R_METRICS] = { M_GET, "GET, HEAD" },
	[R_PAGE] = { M_GET, "GET, HEAD" },
	[R_SERVICES] = { M_GET | M_POST, "GET, HEAD, POST" },
	[R_SERVICE] = { M_GET | M_PUT | M_PATCH | M_DELETE, "GET, HEAD, PUT, PATCH, DELETE" },
	[R_BACKENDS] = { M_GET | M_POST, "GET, HEAD, POST" },
	[R_BACKEND] = { M_GET | M_PATCH | M_DELETE, "GET, HEAD, PATCH, DELETE" },
	[R_CONNS] = { M_GET, "GET, HEAD" },
	[R_STATS] = { M_GET, "GET, HEAD" },
	[R_CONFIG] = { M_GET | M_PUT, "GET, HEAD, PUT" },
	[R_DEFENSE] = { M_GET | M_PATCH, "GET, HEAD, PATCH" },
};

static void
reply_json(struct reply *rp, unsigned status, json_t *j)
{
	rp->status = status;
	rp->json = j;
}

void
api_reply_error(struct reply *rp, unsigned status, const char *error, const char *fmt, ...)
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
	api_reply_error(rp, status, error, "%s", detail);
}

/* A ctl getter returned NULL where it had to return something: only ENOMEM can do that. */
static void
reply_json_or_oom(struct reply *rp, unsigned status, json_t *j)
{
	if (j == NULL)
		api_reply_error(rp, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error", "out of memory");
	else
		reply_json(rp, status, j);
}

/* ---------------------------------------------------------------------------------------- */
/* Routing */

unsigned
api_method_bit(const char *m)
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
canon_service(const char *s, char out[ADDR46_STR_MAX])
{
	union addr46 ip;
	uint16_t port;
	uint8_t proto;

	if (addr_parse_service46(s, &ip, &port, &proto) < 0)
		return -EINVAL;
	addr_fmt_service46(out, &ip, port, proto);
	return 0;
}

static int
canon_backend(const char *s, char out[ADDR46_STR_MAX])
{
	union addr46 ip;
	uint16_t port;

	if (addr_parse_ipport46(s, &ip, &port) < 0)
		return -EINVAL;
	addr_fmt_ipport46(out, &ip, port);
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
	char key[ADDR46_STR_MAX];
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
		api_reply_error(rp, MHD_HTTP_NOT_FOUND, "not found",
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
		api_reply_error(rp, MHD_HTTP_NOT_FOUND, "not found",
			    "'%.*s' is not a backend key (a.b.c.d:port)", (int)(n > 64 ? 64 : n),
			    p);
		return -ENOENT;
	}
	r->route = R_BACKEND;
	return 0;
unknown:
	return -ENOENT;
}

int
api_route_parse(const char *url, struct req *r, struct reply *rp)
{
	static const struct {
		const char *path;
		enum route route;
	} fixed[] = {
		{ "/metrics", R_METRICS }, { "/v1/conns", R_CONNS }, { "/v1/stats", R_STATS },
		{ "/v1/config", R_CONFIG }, { "/v1/defense", R_DEFENSE },
	};
	const char *p;
	size_t i;
	int a = api_page_find(url);

	if (a >= 0) {
		r->route = R_PAGE;
		r->asset = (unsigned)a;
		return 0;
	}
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
		api_reply_error(rp, MHD_HTTP_NOT_FOUND, "not found", "no route %.200s", url);
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
		api_reply_error(rp, MHD_HTTP_BAD_REQUEST, "invalid JSON",
			    "empty body; expected an object");
		return NULL;
	}
	j = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		api_reply_error(rp, MHD_HTTP_BAD_REQUEST, "invalid JSON", "line %d column %d: %s",
			    jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		api_reply_error(rp, MHD_HTTP_BAD_REQUEST, "invalid JSON", "expected an object");
		return NULL;
	}
	return j;
}

/* Keep up to API_BODY_MAX bytes of body; count the rest so the reply can be 413. */
int
api_body_append(struct req *r, const char *data, size_t n)
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
	char key[ADDR46_STR_MAX];
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
		addr_fmt_service46(key, &s.vip, s.port, s.proto);
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
	char key[ADDR46_STR_MAX];
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
	if (rc == 0 && strcmp(addr_fmt_service46(key, &s.vip, s.port, s.proto), r->svc) != 0) {
		api_reply_error(rp, MHD_HTTP_BAD_REQUEST, "invalid request",
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
			api_reply_error(rp, MHD_HTTP_NOT_FOUND, "not found", "no service %s", r->svc);
		else
			reply_json(rp, MHD_HTTP_OK, j);
		break;
	case M_PUT:
		service_put(r, rp);
		break;
	case M_PATCH:
		j = body_object(r, rp);
		if (j == NULL)
			break;
		memset(&err, 0, sizeof(err));
		rc = ctl_service_patch(r->svc, j, &err);
		json_decref(j);
		if (rc < 0)
			reply_ctl_error(rp, rc, &err);
		else
			reply_json_or_oom(rp, MHD_HTTP_OK, ctl_service_json(r->svc));
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
		api_reply_error(rp, MHD_HTTP_NOT_FOUND, "not found", "no service %s", svc);
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
		api_reply_error(rp, MHD_HTTP_NOT_FOUND, "not found", "no backend %s in service %s", be,
			    svc);
	return found;
}

static void
do_backends(const struct req *r, struct reply *rp)
{
	struct cfg_backend b;
	struct cfg_error err;
	char key[ADDR46_STR_MAX];
	json_t *body, *j;
	int rc;

	if (r->method == M_GET) {
		j = ctl_backends_json(r->svc);
		if (j == NULL)
			api_reply_error(rp, MHD_HTTP_NOT_FOUND, "not found", "no service %s", r->svc);
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
	addr_fmt_ipport46(key, &b.addr, b.port);
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
	const char *from = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "cursor");
	struct ctl_conn_cursor cur;
	char key[ADDR46_STR_MAX];
	unsigned long limit = API_CONNS_DEFAULT;
	char *end;
	json_t *j;

	if (lim != NULL) {
		errno = 0;
		limit = strtoul(lim, &end, 10);
		if (lim[0] < '0' || lim[0] > '9' || *end != '\0' || errno != 0 ||
		    limit > 0xffffffffUL) {
			api_reply_error(rp, MHD_HTTP_BAD_REQUEST, "invalid request",
				    "limit: '%.32s' is not a count (0 = no limit)", lim);
			return;
		}
	}
	if (from != NULL && ctl_conn_cursor_parse(from, &cur) < 0) {
		api_reply_error(rp, MHD_HTTP_BAD_REQUEST, "invalid request",
			    "cursor: '%.32s' is not a cursor (the `next` of an earlier answer)",
			    from);
		return;
	}
	if (svc != NULL && svc[0] != '\0') {
		if (canon_service(svc, key) < 0) {
			api_reply_error(rp, MHD_HTTP_BAD_REQUEST, "invalid request",
				    "service: '%.64s' is not a service key "
				    "(a.b.c.d:port/tcp or /udp)", svc);
			return;
		}
		j = ctl_service_json(key);
		if (j == NULL) {
			api_reply_error(rp, MHD_HTTP_NOT_FOUND, "not found", "no service %s", key);
			return;
		}
		json_decref(j);
		svc = key;
	} else {
		svc = NULL;
	}
	reply_json_or_oom(rp, MHD_HTTP_OK,
			  ctl_conns_json(svc, (unsigned)limit, from != NULL ? &cur : NULL));
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
do_stats(struct reply *rp)
{
	json_t *j = ctl_stats_json();

	if (j != NULL)
		json_object_set_new(j, "api", api_conn_stats_json());
	reply_json_or_oom(rp, MHD_HTTP_OK, j);
}

/* The node's defense: GET shows it with what every service refused, PATCH merges. */
static void
do_defense(const struct req *r, struct reply *rp)
{
	struct cfg_error err;
	json_t *body;
	int rc;

	if (r->method == M_PATCH) {
		body = body_object(r, rp);
		if (body == NULL)
			return;
		memset(&err, 0, sizeof(err));
		rc = ctl_defense_patch(body, &err);
		json_decref(body);
		if (rc < 0) {
			reply_ctl_error(rp, rc, &err);
			return;
		}
	}
	reply_json_or_oom(rp, MHD_HTTP_OK, ctl_defense_json());
}

void
api_dispatch(struct MHD_Connection *c, const struct req *r, struct reply *rp)
{
	switch (r->route) {
	case R_METRICS: do_metrics(rp); break;
	case R_PAGE: api_page_reply(r->asset, rp); break;
	case R_SERVICES: do_services(r, rp); break;
	case R_SERVICE: do_service(r, rp); break;
	case R_BACKENDS: do_backends(r, rp); break;
	case R_BACKEND: do_backend(r, rp); break;
	case R_CONNS: do_conns(c, rp); break;
	case R_STATS: do_stats(rp); break;
	case R_CONFIG: do_config(r, rp); break;
	case R_DEFENSE: do_defense(r, rp); break;
	default: api_reply_error(rp, MHD_HTTP_NOT_FOUND, "not found", "no route"); break;
	}
}

