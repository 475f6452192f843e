/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The REST server's plumbing: libmicrohttpd runs one internal polling thread per listener
 * (the unix socket, and the TCP address when configured); both call handle(), which routes
 * with api.c and sends what it answers. The listening sockets are made here.
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
#include "control/api_int.h"
#include "control/config.h"

struct api_server {
	struct MHD_Daemon *unix_d;
	struct MHD_Daemon *tcp_d;
	char path[CFG_PATH_MAX];
	dev_t dev; /* identity of the socket file we made, so api_stop removes only ours */
	ino_t ino;
};

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

		if (api_route_parse(url, &probe, &rp) < 0)
			return reply_send(c, &rp, method, url);
		probe.method = api_method_bit(method);
		if ((api_route_methods[probe.route].methods & probe.method) == 0) {
			rp.allow = api_route_methods[probe.route].allow;
			api_reply_error(&rp, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed",
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
			if (api_body_append(r, upload_data, *upload_data_size) < 0)
				return MHD_NO;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->discarded > 0)
		goto too_big;
	api_dispatch(c, r, &rp);
	return reply_send(c, &rp, method, url);
too_big:
	api_reply_error(&rp, MHD_HTTP_CONTENT_TOO_LARGE, "body too large",
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
