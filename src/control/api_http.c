/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The REST server's plumbing: libmicrohttpd runs one internal polling thread per listener
 * (the unix socket, and the TCP address when configured); both call handle(), which routes
 * with api.c and sends what it answers. The listening sockets are made here.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
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
#include "config/config.h"

/*
 * A request must be in within API_REQ_DEADLINE_S of its connection's start (or of the end of
 * the connection's previous request): MHD's own timeout is of silence, and a client that
 * trickles a byte every few seconds never falls silent. api_tick() cuts such connections.
 */
#define API_REQ_DEADLINE_S 10u

/* One listener: the unix socket, or the TCP address with what its Origin may be. */
struct listener {
	struct api_server *srv;
	struct MHD_Daemon *d;
	bool tcp;
	uint32_t ip;   /* the TCP listener's address (0: any), network order */
	uint16_t port; /* host order */
};

/* A connection of either listener, for the deadline (api_tick). */
struct conn_track {
	struct conn_track *next, *prev;
	int fd;
	uint64_t since_ms; /* start, or the end of its last request */
	bool cut;
};

struct api_server {
	struct listener unix_l, tcp_l;
	char path[CFG_PATH_MAX];
	dev_t dev; /* identity of the socket file we made, so api_stop removes only ours */
	ino_t ino;
	pthread_mutex_t lock; /* the list and the counters: MHD's threads and api_tick() */
	struct conn_track conns; /* list head */
	struct api_conn_stats st;
	uint64_t limit_logged_ms;
	struct api_auth auth; /* under lock: a reload replaces it */
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static struct api_server *g_srv; /* for mhd_log, which MHD gives no listener */

/*
 * %HH sequences decoded as MHD does, except that a decoded NUL becomes 0x01: a path is never
 * cut short at an escaped NUL (".../tcp%00/backends/ADDR" must not become ".../tcp"), and
 * handle() answers 404 for any control character in it.
 */
static int
hexval(char ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0'
	     : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
	     : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

static size_t
unescape(void *cls, struct MHD_Connection *c, char *s)
{
	char *r = s, *w = s;

	(void)cls;
	(void)c;
	while (*r) {
		if (r[0] == '%' && hexval(r[1]) >= 0 && hexval(r[2]) >= 0) {
			int v = hexval(r[1]) * 16 + hexval(r[2]);

			*w++ = v == 0 ? 0x01 : (char)v;
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

static bool
has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/*
 * A write from a browser page must not reach the API: on the TCP listener a request that
 * changes something is refused when it carries an Origin other than the listener itself (an
 * IP literal, so no DNS rebinding can pose as it), or a body that is not JSON (a page may POST
 * text/plain or a form cross-origin without asking; a JSON body makes the browser ask first,
 * with an OPTIONS the API never grants). 0, or the status to answer.
 */
static unsigned
write_refused(const struct listener *l, struct MHD_Connection *c, unsigned method,
	      struct reply *rp)
{
	const char *origin, *type;

	if (!l->tcp || (method & (M_POST | M_PUT | M_PATCH | M_DELETE)) == 0)
		return 0;
	origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	if (origin != NULL) {
		char host[32];
		unsigned port = 0;
		uint32_t ip;
		int n = 0;

		if (sscanf(origin, "http://%31[0-9.]:%u%n", host, &port, &n) != 2 ||
		    origin[n] != '\0' || addr_parse_ip(host, &ip) < 0 || port != l->port ||
		    (l->ip != 0 && ip != l->ip)) {
			api_reply_error(rp, MHD_HTTP_FORBIDDEN, "forbidden",
					"Origin '%.100s' is not this listener: the API takes no "
					"changes from web pages",
					origin);
			return MHD_HTTP_FORBIDDEN;
		}
	}
	type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	if ((method & (M_POST | M_PUT | M_PATCH)) &&
	    (type == NULL || strncasecmp(type, JSON_TYPE, strlen(JSON_TYPE)) != 0 ||
	     (type[strlen(JSON_TYPE)] != '\0' && type[strlen(JSON_TYPE)] != ';'))) {
		api_reply_error(rp, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported media type",
				"a change takes a body of Content-Type %s, not '%.60s'", JSON_TYPE,
				type ? type : "(none)");
		return MHD_HTTP_UNSUPPORTED_MEDIA_TYPE;
	}
	return 0;
}

static void
notify_conn(void *cls, struct MHD_Connection *c, void **socket_context,
	    enum MHD_ConnectionNotificationCode toe)
{
	struct api_server *srv = cls;
	struct conn_track *t = *socket_context;

	pthread_mutex_lock(&srv->lock);
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

		t = calloc(1, sizeof(*t));
		if (t != NULL && ci != NULL) {
			t->fd = ci->connect_fd;
			t->since_ms = now_ms();
			t->next = srv->conns.next;
			t->prev = &srv->conns;
			srv->conns.next->prev = t;
			srv->conns.next = t;
			srv->st.open++;
			srv->st.accepted++;
		} else {
			free(t);
			t = NULL;
		}
		*socket_context = t;
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && t != NULL) {
		t->prev->next = t->next;
		t->next->prev = t->prev;
		srv->st.open--;
		free(t);
		*socket_context = NULL;
	}
	pthread_mutex_unlock(&srv->lock);
}

void
api_tick(struct api_server *srv)
{
	uint64_t now = now_ms();
	struct conn_track *t;

	if (srv == NULL)
		return;
	pthread_mutex_lock(&srv->lock);
	for (t = srv->conns.next; t != &srv->conns; t = t->next) {
		if (t->cut || now - t->since_ms < API_REQ_DEADLINE_S * 1000u)
			continue;
		/* MHD sees the end of the stream and closes the connection in its own thread. */
		shutdown(t->fd, SHUT_RDWR);
		t->cut = true;
		srv->st.cut_slow++;
	}
	pthread_mutex_unlock(&srv->lock);
}

/* A request is done: the connection's deadline starts again for its next one. */
static void
request_done(struct api_server *srv, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn_track *t = ci ? ci->socket_context : NULL;

	pthread_mutex_lock(&srv->lock);
	if (t != NULL)
		t->since_ms = now_ms();
	pthread_mutex_unlock(&srv->lock);
}

json_t *
api_conn_stats_json(void)
{
	struct api_conn_stats st = { 0 };

	if (g_srv != NULL) {
		pthread_mutex_lock(&g_srv->lock);
		st = g_srv->st;
		pthread_mutex_unlock(&g_srv->lock);
	}
	return json_pack("{s:I,s:I,s:I,s:I,s:I}", "open", (json_int_t)st.open, "accepted",
			 (json_int_t)st.accepted, "cut_slow", (json_int_t)st.cut_slow,
			 "refused_limit", (json_int_t)st.refused_limit, "unauthorized",
			 (json_int_t)st.unauthorized);
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
		type = rp->type ? rp->type : METRICS_TYPE;
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
	if (rp->page) {
		/* The page's own files only, nothing inline, nothing from elsewhere. */
		MHD_add_response_header(resp, "Content-Security-Policy",
					"default-src 'self'; img-src 'self' data:");
		MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	}
	if (rp->challenge)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Bearer realm=\"sluice\"");
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

/*
 * The TCP listener serves a request only with the bearer token, but for what
 * control.public opens: GET (or HEAD) /metrics, and the status page with the reads it
 * makes (GET /, /index.html, /ui/..., /v1/...). A refusal is counted (api.unauthorized).
 */
static bool
authorized(const struct listener *l, struct MHD_Connection *c, const char *url,
	   const char *method)
{
	struct api_server *srv = l->srv;
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
		   strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	const char *h;
	bool ok;

	if (!l->tcp)
		return true;
	h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	pthread_mutex_lock(&srv->lock);
	ok = (get && srv->auth.public_metrics && strcmp(url, "/metrics") == 0) ||
	     (get && srv->auth.public_page &&
	      (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0 ||
	       strncmp(url, "/ui/", 4) == 0 ||
	       strncmp(url, "/v1/", 4) == 0)) ||
	     api_token_ok(h, srv->auth.token);
	if (!ok)
		srv->st.unauthorized++;
	pthread_mutex_unlock(&srv->lock);
	return ok;
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
	const struct listener *l = cls;
	struct reply rp = { 0 };
	struct req *r = *con_cls;

	(void)version;
	if (r == NULL) {
		/* Headers are in: route now, so a wrong path or method never waits for a body. */
		struct req probe = { 0 };

		if (!authorized(l, c, url, method)) {
			api_reply_error(&rp, MHD_HTTP_UNAUTHORIZED, "unauthorized",
					"this listener wants the header 'Authorization: Bearer "
					"TOKEN', TOKEN the first line of control.token_file");
			rp.challenge = true;
			return reply_send(c, &rp, method, url);
		}
		if (has_control(url)) {
			api_reply_error(&rp, MHD_HTTP_NOT_FOUND, "not found",
					"a control character in the path");
			return reply_send(c, &rp, method, url);
		}
		if (api_route_parse(url, &probe, &rp) < 0)
			return reply_send(c, &rp, method, url);
		probe.method = api_method_bit(method);
		if (write_refused(l, c, probe.method, &rp))
			return reply_send(c, &rp, method, url);
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
	const struct listener *l = cls;
	struct req *r = *con_cls;

	(void)toe;
	request_done(l->srv, c);
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
	/* Connections over the limit are a flood: counted, and said at most once a minute. */
	if (g_srv != NULL && strstr(line, "connection limit") != NULL) {
		uint64_t now = now_ms(), seen;
		bool say;

		pthread_mutex_lock(&g_srv->lock);
		seen = ++g_srv->st.refused_limit;
		say = g_srv->limit_logged_ms == 0 || now - g_srv->limit_logged_ms >= 60000;
		if (say)
			g_srv->limit_logged_ms = now;
		pthread_mutex_unlock(&g_srv->lock);
		if (say)
			LOG_W("api: %s (%llu so far; refused_limit in the stats' api)", line,
			      (unsigned long long)seen);
		return;
	}
	LOG_W("api: %s", line);
}

/* Serve on fd. MHD owns fd from here on: it closes it on stop and on a failed start. */
static struct MHD_Daemon *
serve(int fd, struct listener *l)
{
	return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG,
				0, NULL, NULL, handle, l,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, /* first, says MHD */
				MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				MHD_OPTION_NOTIFY_COMPLETED, completed, l,
				MHD_OPTION_NOTIFY_CONNECTION, notify_conn, l->srv,
				MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
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

void
api_set_auth(struct api_server *srv, const struct api_auth *auth)
{
	if (srv == NULL || auth == NULL)
		return;
	pthread_mutex_lock(&srv->lock);
	srv->auth = *auth;
	pthread_mutex_unlock(&srv->lock);
}

struct api_server *
api_start(const char *socket_path, const char *listen, const struct api_auth *auth)
{
	struct api_server *srv;
	struct stat st;
	int fd, rc;

	/* No TCP listener without a token: api_token_ok() refuses an empty one anyway. */
	if (socket_path == NULL || (listen != NULL && listen[0] != '\0' &&
				    (auth == NULL || auth->token[0] == '\0'))) {
		errno = EINVAL;
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return NULL;
	pthread_mutex_init(&srv->lock, NULL);
	srv->conns.next = srv->conns.prev = &srv->conns;
	srv->unix_l.srv = srv->tcp_l.srv = srv;
	srv->tcp_l.tcp = true;
	if (auth != NULL)
		srv->auth = *auth;
	g_srv = srv;
	fd = listen_unix(socket_path, &st);
	if (fd < 0) {
		rc = fd;
		LOG_E("api: cannot listen on %s: %s", socket_path, strerror(-rc));
		goto fail;
	}
	snprintf(srv->path, sizeof(srv->path), "%s", socket_path);
	srv->dev = st.st_dev;
	srv->ino = st.st_ino;
	srv->unix_l.d = serve(fd, &srv->unix_l);
	if (srv->unix_l.d == NULL) {
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
		addr_parse_ipport(listen, &srv->tcp_l.ip, &srv->tcp_l.port);
		srv->tcp_l.port = ntohs(srv->tcp_l.port);
		srv->tcp_l.d = serve(fd, &srv->tcp_l);
		if (srv->tcp_l.d == NULL) {
			rc = -EIO;
			LOG_E("api: cannot start the REST server on %s", listen);
			goto fail;
		}
	}
	LOG_I("api: listening on %s%s%s", socket_path, srv->tcp_l.d ? " and " : "",
	      srv->tcp_l.d ? listen : "");
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
	if (srv->tcp_l.d != NULL)
		MHD_stop_daemon(srv->tcp_l.d);
	if (srv->unix_l.d != NULL)
		MHD_stop_daemon(srv->unix_l.d);
	g_srv = NULL;
	/* Remove the socket file only if it is still the one we made (not a newer daemon's). */
	if (srv->path[0] != '\0' && lstat(srv->path, &st) == 0 && st.st_dev == srv->dev &&
	    st.st_ino == srv->ino)
		unlink(srv->path);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}
