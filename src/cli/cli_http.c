/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sluicectl's way to the daemon: one REST request over the unix socket (or an http:// URL
 * to the TCP listener), its JSON answer, and paths with the keys URL-encoded.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cli/cli_http.h"

#define REQUEST_TIMEOUT 60L /* seconds; a config apply rebuilds every snapshot */

struct answer {
	long status;
	char *body;
	size_t len;
};

static size_t
on_data(char *data, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;
	size_t add = size * n;
	char *p = realloc(a->body, a->len + add + 1);

	if (p == NULL)
		return 0; /* curl reports CURLE_WRITE_ERROR */
	memcpy(p + a->len, data, add);
	a->len += add;
	p[a->len] = '\0';
	a->body = p;
	return add;
}

static char g_auth[300]; /* "Authorization: Bearer TOKEN" for a TCP listener, or empty */

int
cli_token_file(const char *path)
{
	char tok[260];
	FILE *f = fopen(path, "re");
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "sluicectl: token file %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fgets(tok, sizeof(tok), f) == NULL)
		tok[0] = '\0';
	fclose(f);
	n = strcspn(tok, "\r\n");
	tok[n] = '\0';
	if (n == 0 || n > 256) {
		fprintf(stderr, "sluicectl: token file %s: its first line is no token\n", path);
		return -1;
	}
	snprintf(g_auth, sizeof(g_auth), "Authorization: Bearer %s", tok);
	return 0;
}

static bool
is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/* Why connect() to the socket fails, in errno's words: curl only says "couldn't connect". */
static const char *
socket_reason(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return strerror(ENAMETOOLONG);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return strerror(errno);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		err = errno;
	close(fd);
	if (err == ENOENT || err == ECONNREFUSED)
		return err == ENOENT ? "no such socket (is sluiced running?)"
				     : "connection refused (is sluiced running?)";
	return err != 0 ? strerror(err) : "connection failed";
}

/*
 * One request. Fills a (status and body) when the daemon answered, whatever the status;
 * exits with a message when it could not be reached or the exchange broke off.
 */
static void
request(const char *socket, const char *method, const char *path, const json_t *body,
	struct answer *a)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL;
	char *url = NULL, *text = NULL;
	size_t n;
	CURL *c;
	CURLcode rc;

	memset(a, 0, sizeof(*a));
	c = curl_easy_init();
	if (c == NULL)
		goto oom;
	n = strlen(path) + (is_url(socket) ? strlen(socket) : 16) + 1;
	url = malloc(n);
	if (url == NULL)
		goto oom;
	if (is_url(socket)) {
		size_t l = strlen(socket);

		while (l > 0 && socket[l - 1] == '/')
			l--;
		snprintf(url, n, "%.*s%s", (int)l, socket, path);
	} else {
		snprintf(url, n, "http://localhost%s", path);
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, REQUEST_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
	/* The token goes only to a TCP listener: the unix socket wants none. */
	if (is_url(socket) && g_auth[0] != '\0') {
		hdrs = curl_slist_append(hdrs, g_auth);
		if (hdrs == NULL)
			goto oom;
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	}
	if (body != NULL) {
		text = json_dumps(body, JSON_COMPACT);
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		/* No "Expect: 100-continue" round trip; a large config would wait for it. */
		hdrs = curl_slist_append(hdrs, "Expect:");
		if (text == NULL || hdrs == NULL)
			goto oom;
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	}
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		if (rc == CURLE_COULDNT_CONNECT && !is_url(socket))
			fprintf(stderr, "sluicectl: cannot reach sluiced at %s: %s\n", socket,
				socket_reason(socket));
		else if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST)
			fprintf(stderr, "sluicectl: cannot reach sluiced at %s: %s\n", socket,
				errbuf[0] ? errbuf : curl_easy_strerror(rc));
		else
			fprintf(stderr, "sluicectl: %s %s to sluiced at %s failed: %s\n", method,
				path, socket, errbuf[0] ? errbuf : curl_easy_strerror(rc));
		exit(EXIT_API);
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
	curl_slist_free_all(hdrs);
	free(text);
	free(url);
	curl_easy_cleanup(c);
	return;
oom:
	fprintf(stderr, "sluicectl: out of memory\n");
	exit(EXIT_API);
}

/* The answer's JSON; on an error status prints "sluicectl: error: detail" and exits 1. */
static json_t *
answer_json(const struct answer *a)
{
	json_error_t jerr;
	json_t *j = NULL;

	if (a->len > 0)
		j = json_loadb(a->body, a->len, 0, &jerr);
	if (a->status >= 400) {
		const char *e = json_string_value(json_object_get(j, "error"));
		const char *d = json_string_value(json_object_get(j, "detail"));

		if (a->status == 401)
			fprintf(stderr, "sluicectl: unauthorized: %s needs the token of its "
				"control.token_file: --token-file FILE or $SLUICE_TOKEN_FILE\n",
				"this TCP listener");
		else if (e != NULL && d != NULL && d[0] != '\0')
			fprintf(stderr, "sluicectl: %s: %s\n", e, d);
		else if (e != NULL)
			fprintf(stderr, "sluicectl: %s\n", e);
		else
			fprintf(stderr, "sluicectl: HTTP %ld: %.200s\n", a->status,
				a->body ? a->body : "");
		exit(EXIT_API);
	}
	if (j == NULL && a->len > 0) {
		fprintf(stderr, "sluicectl: the daemon's answer is not JSON: %s\n", jerr.text);
		exit(EXIT_API);
	}
	return j;
}

json_t *
cli_call(const char *socket, const char *method, const char *path, const json_t *body)
{
	struct answer a;
	json_t *j;

	request(socket, method, path, body, &a);
	j = answer_json(&a);
	free(a.body);
	return j;
}

void
cli_print_json(const json_t *j)
{
	if (j == NULL)
		return;
	json_dumpf(j, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
}

/* Paths: keys go URL-encoded, so a VIP's slash and colon reach the daemon as they are. */

char *
cli_path(const char *a, const char *b, const char *c, const char *d)
{
	const char *parts[] = { a, b, c, d };
	char *enc[4] = { NULL };
	char *out = NULL;
	size_t i, n = 1;

	for (i = 0; i < 4; i++) {
		if (parts[i] == NULL)
			continue;
		/* Odd parts are keys; even parts are fixed text. */
		enc[i] = i % 2 ? curl_easy_escape(NULL, parts[i], 0) : strdup(parts[i]);
		if (enc[i] == NULL)
			goto out;
		n += strlen(enc[i]);
	}
	out = malloc(n);
	if (out != NULL)
		snprintf(out, n, "%s%s%s%s", enc[0] ? enc[0] : "", enc[1] ? enc[1] : "",
			 enc[2] ? enc[2] : "", enc[3] ? enc[3] : "");
out:
	for (i = 0; i < 4; i++) {
		if (i % 2)
			curl_free(enc[i]);
		else
			free(enc[i]);
	}
	if (out == NULL) {
		fprintf(stderr, "sluicectl: out of memory\n");
		exit(EXIT_API);
	}
	return out;
}

