/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_API_H
#define SLUICE_API_H

/*
 * The REST server (docs/api.md, docs/openapi.yaml). One handler answers on the unix socket
 * that sluicectl uses and, when configured, on a TCP address for automation and Prometheus.
 * Requests are served by libmicrohttpd's internal thread, which calls into the control core
 * (ctl.h); the core serialises them with the rest of the control side.
 */

struct api_server;

/**
 * Start the REST server on a unix socket path (created, mode 0660, stale file replaced,
 * parent dir created) and, when listen is non-empty ("addr:port"), also on TCP.
 * NULL + errno on failure. Control thread.
 */
struct api_server *api_start(const char *socket_path, const char *listen);

/** Stop serving and free srv (NULL is a no-op). Removes the socket file. Control thread. */
void api_stop(struct api_server *srv); /* removes the socket file */

/**
 * Cut the connections that have not sent a whole request within API_REQ_DEADLINE_S (10 s)
 * of their start or of their last request: a client trickling bytes holds a connection no
 * longer. Call about once a second. Main thread.
 */
void api_tick(struct api_server *srv);

#endif
