/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tcp and http checks through libcurl's multi interface: every transfer advances a little
 * in each health_poll, none blocks. A tcp check is a connect (CURLOPT_CONNECT_ONLY), an
 * http check a GET whose status must fall in the expected range. Each target keeps its
 * easy handle between checks, but never a connection: a check that reused one would not
 * test that the backend still accepts new ones.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "common/addr.h"
#include "control/health_int.h"

/* The body is read and dropped: only the status matters, and nothing goes to stdout. */
static size_t
discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
	(void)ptr;
	(void)arg;
	return size * nmemb;
}

static int
setup(struct hc_target *t)
{
	char url[CFG_HC_PATH_MAX + 64], a[ADDR46_STR_MAX], host[CFG_HC_HOST_MAX + 8];
	uint16_t port = t->hc.port ? t->hc.port : t->key.port;
	CURL *e = curl_easy_init();

	if (e == NULL)
		return -1;
	/* "http://[2001:db8::1]:80/": the IPv6 form takes brackets in a URL (RFC 3986). */
	addr_fmt_ip46(a, &t->key.addr);
	snprintf(url, sizeof(url), addr46_is_v4(&t->key.addr) ? "http://%s:%u%s" :
		 "http://[%s]:%u%s", a, ntohs(port),
		 t->hc.type == CFG_HC_HTTP ? t->hc.path : "/");
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, t);
	/* Straight to the backend: no proxy from the environment, no signals, no reuse. */
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)t->hc.timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)t->hc.timeout_ms);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http");
	if (t->hc.type == CFG_HC_TCP) {
		curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
	} else {
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(e, CURLOPT_USERAGENT, "sluice-health/" SLUICE_VERSION);
		if (t->hc.host[0] != '\0') {
			snprintf(host, sizeof(host), "Host: %s", t->hc.host);
			t->hdrs = curl_slist_append(NULL, host);
			if (t->hdrs == NULL) {
				curl_easy_cleanup(e);
				return -1;
			}
			curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->hdrs);
		}
	}
	t->easy = e;
	return 0;
}

static void
curl_start(struct health *h, struct hc_target *t)
{
	if (t->easy == NULL && setup(t) < 0) {
		health_done(h, t, false, "cannot set up the check (out of memory)");
		return;
	}
	if (curl_multi_add_handle(h->multi, t->easy) != CURLM_OK)
		health_done(h, t, false, "cannot start the check");
}

static void
curl_cancel(struct health *h, struct hc_target *t)
{
	if (t->easy != NULL) {
		curl_multi_remove_handle(h->multi, t->easy); /* harmless when not added */
		curl_easy_cleanup(t->easy);
		t->easy = NULL;
	}
	curl_slist_free_all(t->hdrs);
	t->hdrs = NULL;
}

static void
finished(struct health *h, struct hc_target *t, CURLcode rc)
{
	long status = 0;

	curl_multi_remove_handle(h->multi, t->easy);
	if (rc != CURLE_OK) {
		health_done(h, t, false, "%s", curl_easy_strerror(rc));
		return;
	}
	if (t->hc.type == CFG_HC_TCP) {
		health_done(h, t, true, "connected");
		return;
	}
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status >= t->hc.expect_lo && status <= t->hc.expect_hi)
		health_done(h, t, true, "status %ld", status);
	else
		health_done(h, t, false, "status %ld, expected %u-%u", status, t->hc.expect_lo,
			    t->hc.expect_hi);
}

void
hc_curl_poll_all(struct health *h)
{
	int running = 0, left = 0;
	CURLMsg *msg;

	curl_multi_perform(h->multi, &running);
	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		struct hc_target *t = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		if (t != NULL)
			finished(h, t, msg->data.result);
	}
}

const struct hc_ops hc_curl_ops = {
	.start = curl_start,
	.poll = NULL,
	.cancel = curl_cancel,
};
