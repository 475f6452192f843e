/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_API_INT_H
#define SLUICE_API_INT_H

/*
 * What the REST server's two halves share: api.c routes a request and builds its reply
 * (handlers), api_http.c is the libmicrohttpd glue and the listeners. The API threads only.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "common/addr.h"

#define API_BODY_MAX (1u << 20)      /* larger bodies get 413 */
#define API_DISCARD_MAX (64u << 20)  /* past this much of an oversized body, hang up */
#define API_CONNS_DEFAULT 10000u     /* rows of GET /v1/conns without ?limit */
#define API_CONN_LIMIT 256u          /* concurrent connections per listener */
#define API_CONN_TIMEOUT 30u         /* seconds of client silence before MHD hangs up */
#define API_BACKLOG 64

#define JSON_TYPE "application/json"
#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum route { R_NONE = 0, R_METRICS, R_SERVICES, R_SERVICE, R_BACKENDS, R_BACKEND, R_CONNS,
	     R_STATS, R_CONFIG, R_DEFENSE, R_PAGE };

enum { M_GET = 1, M_POST = 2, M_PUT = 4, M_PATCH = 8, M_DELETE = 16 };

/* Methods each route answers, and the Allow header of its 405. HEAD is served as GET. */
struct api_route_methods {
	unsigned methods;
	const char *allow;
};
extern const struct api_route_methods api_route_methods[];

struct req {
	enum route route;
	unsigned method;
	char svc[ADDR46_STR_MAX]; /* canonical service key from the path */
	char be[ADDR46_STR_MAX]; /* canonical backend key from the path */
	char *body;
	size_t len;
	size_t cap;
	size_t discarded; /* bytes thrown away once the body passed API_BODY_MAX */
	unsigned asset;   /* R_PAGE: which file of the status page */
};

/* What a request is answered with: JSON, text, or nothing (204). */
struct reply {
	unsigned status;
	json_t *json;
	char *text; /* malloc'd */
	size_t text_len;
	const char *allow;
	char location[192];
	bool challenge; /* a 401: say WWW-Authenticate: Bearer */
	const char *type; /* text's Content-Type, when not the metrics' */
	bool page;        /* a file of the status page: its caching and security headers */
};

/** Fill rp with an error reply: {"error": error, "detail": fmt...}. */
void api_reply_error(struct reply *rp, unsigned status, const char *error, const char *fmt,
		     ...) __attribute__((format(printf, 4, 5)));
/** The M_* bit of an HTTP method, 0 for one the API does not serve. */
unsigned api_method_bit(const char *m);
/** Route url into r; 0, or -1 with rp filled (404 and the like). */
int api_route_parse(const char *url, struct req *r, struct reply *rp);
/** Keep up to API_BODY_MAX bytes of body; count the rest. 0, or -1 when it is time to hang up. */
int api_body_append(struct req *r, const char *data, size_t n);
/* The listeners' connections (api_http.c). */
struct api_conn_stats {
	uint64_t open;          /* now */
	uint64_t accepted;
	uint64_t cut_slow;      /* past API_REQ_DEADLINE_S without a whole request */
	uint64_t refused_limit; /* over API_CONN_LIMIT */
	uint64_t unauthorized;  /* TCP requests without the bearer token, or with a wrong one */
};

/** Whether an Authorization header carries "Bearer TOKEN" (constant time). Any thread. */
bool api_token_ok(const char *header, const char *token);

/** The index of the status page's file at url, or -1 (api_page.c). */
int api_page_find(const char *url);
/** Fill rp with the status page's file `asset`. */
void api_page_reply(unsigned asset, struct reply *rp);

/** The "api" member of the stats: the listeners' connections. */
json_t *api_conn_stats_json(void);
/** Answer the routed request r whose body is in. */
void api_dispatch(struct MHD_Connection *c, const struct req *r, struct reply *rp);

#endif
