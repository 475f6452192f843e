/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_API_H
#define SLUICE_API_H

/*
 * The REST server (docs/api.md, docs/openapi.yaml). One handler answers on the unix socket
 * that sluicectl uses and, when configured, on a TCP address for automation and Prometheus.
 * Requests are served by libmicrohttpd's internal thread, which calls into the control core
 * (ctl.h); the core serialises them with the rest of the control side.
 */

#include <stdbool.h>
#include <stddef.h>

struct api_server;

#define API_TOKEN_MIN 16
#define API_TOKEN_MAX 256

/* What the TCP listener asks of a request (control.token_file, control.public). */
struct api_auth {
	char token[API_TOKEN_MAX + 1]; /* every TCP request's "Authorization: Bearer" */
	bool public_metrics;           /* GET /metrics without it */
	bool public_page;              /* the status page and the reads it makes without it */
};

/**
 * Start the REST server on a unix socket path (created, mode 0660, stale file replaced,
 * parent dir created) and, when listen is non-empty ("addr:port"), also on TCP, where every
 * request must carry auth's token (auth may be NULL only without listen).
 * NULL + errno on failure. Control thread.
 */
struct api_server *api_start(const char *socket_path, const char *listen,
			     const struct api_auth *auth);

/** Replace the TCP listener's token and public parts (a reload). Control thread. */
void api_set_auth(struct api_server *srv, const struct api_auth *auth);

/**
 * Read a bearer token from path into out (API_TOKEN_MAX + 1 bytes): the file's first line,
 * API_TOKEN_MIN..API_TOKEN_MAX printable ASCII characters without spaces; the file must be
 * a regular file that others can neither read nor write. 0, or negative errno with why in
 * err. Any thread.
 */
int api_token_read(const char *path, char *out, char *err, size_t errlen);

/** Stop serving and free srv (NULL is a no-op). Removes the socket file. Control thread. */
void api_stop(struct api_server *srv); /* removes the socket file */

/**
 * Cut the connections that have not sent a whole request within API_REQ_DEADLINE_S (10 s)
 * of their start or of their last request: a client trickling bytes holds a connection no
 * longer. Call about once a second. Main thread.
 */
void api_tick(struct api_server *srv);

#endif
