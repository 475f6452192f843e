/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/clock.h"
#include "common/log.h"
#include "control/health_int.h"

/*
 * The targets, kept sorted by key so that sync and lookups are O(log n) each; they are
 * allocated one by one, so a curl handle's pointer to its target stays valid while the
 * array is rebuilt.
 */

/* At most this many checks start per poll, so that a thousand targets due at once (after a
 * restart) spread over a few ticks instead of one long one. */
#define STARTS_PER_POLL 64
/* At most this many checks in flight (each holds a socket): a mass outage with thousands of
 * targets waiting for their timeouts must not exhaust the process's file descriptors. */
#define MAX_IN_FLIGHT 512

static const struct hc_ops *
ops_of(uint8_t type)
{
	return type == CFG_HC_UDP || type == CFG_HC_DNS ? &hc_udp_ops : &hc_curl_ops;
}

/** The key of backend b of service s. */
static struct health_key
health_key_of(const struct cfg_service *s, const struct cfg_backend *b)
{
	struct health_key k;

	memset(&k, 0, sizeof(k)); /* keys are compared as bytes */
	k.vip = s->vip;
	k.vport = s->port;
	k.proto = s->proto;
	k.addr = b->addr;
	k.port = b->port;
	return k;
}

static int
key_cmp(const struct health_key *a, const struct health_key *b)
{
	return memcmp(a, b, sizeof(*a));
}

static struct hc_target *
find(const struct health *h, const struct health_key *k)
{
	unsigned lo = 0, hi = h->n;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		int c = key_cmp(&h->t[mid]->key, k);

		if (c == 0)
			return h->t[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct health *
health_create(void)
{
	struct health *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	/* Once per process; the control thread is the only user of libcurl in sluiced. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (h->multi = curl_multi_init()) == NULL) {
		free(h);
		errno = ENOMEM;
		return NULL;
	}
	return h;
}

static void
target_free(struct health *h, struct hc_target *t)
{
	ops_of(t->hc.type)->cancel(h, t);
	free(t);
}

void
health_destroy(struct health *h)
{
	unsigned i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++)
		target_free(h, h->t[i]);
	free(h->t);
	curl_multi_cleanup(h->multi);
	free(h);
}

static int
target_cmp(const void *a, const void *b)
{
	return key_cmp(&(*(struct hc_target *const *)a)->key, &(*(struct hc_target *const *)b)->key);
}

bool
health_has_check(const struct cfg_service *s, const struct cfg_backend *b)
{
	struct cfg_hc hc;

	cfg_hc_merge(&s->hc, &b->hc, &hc);
	return hc.type != CFG_HC_NONE;
}

/* Two checks are the same if they check the same way: which members a document spelt
 * out (set) does not matter. */
static bool
hc_same(const struct cfg_hc *a, const struct cfg_hc *b)
{
	struct cfg_hc x = *a, y = *b;

	/* start is how a new target begins: an existing one has begun. */
	x.set = y.set = 0;
	x.start = y.start = 0;
	return memcmp(&x, &y, sizeof(x)) == 0;
}

int
health_sync(struct health *h, const struct cfg_service *svcs, unsigned n,
	    health_serving_fn serving)
{
	struct hc_target **nt = NULL, **fresh = NULL;
	unsigned i, j, cnt = 0, n_fresh = 0, total = 0;
	uint64_t now = clock_mono_ms();

	for (i = 0; i < n; i++)
		total += svcs[i].n_backends;
	nt = calloc(total ? total : 1, sizeof(*nt));
	fresh = calloc(total ? total : 1, sizeof(*fresh));
	if (nt == NULL || fresh == NULL)
		goto nomem;
	/* First everything that can fail: the new targets. */
	for (i = 0; i < n; i++) {
		for (j = 0; j < svcs[i].n_backends; j++) {
			const struct cfg_backend *b = &svcs[i].backends[j];
			struct health_key k = health_key_of(&svcs[i], b);
			struct hc_target *t = find(h, &k);
			char sa[ADDR46_STR_MAX], ba[ADDR46_STR_MAX];
			struct cfg_hc hc;

			cfg_hc_merge(&svcs[i].hc, &b->hc, &hc);
			if (hc.type == CFG_HC_NONE)
				continue;
			if (t == NULL) {
				t = calloc(1, sizeof(*t));
				if (t == NULL)
					goto nomem;
				t->key = k;
				t->hc = hc;
				t->fd = -1;
				t->st.type = hc.type;
				if (serving != NULL && serving(&svcs[i], b)) {
					t->st.state = HEALTH_UP;
					t->st.assumed = true;
					snprintf(t->st.last_result, sizeof(t->st.last_result),
						 "served before its check: up until the first "
						 "result");
				} else if (hc.start == CFG_HC_START_UP) {
					t->st.state = HEALTH_UP;
					t->st.assumed = true;
					snprintf(t->st.last_result, sizeof(t->st.last_result),
						 "new (start: up): up until the first result");
				}
				/*
				 * Checked at once, every new target alike: with start: down
				 * the backends of a service come up together rather than one
				 * by one. STARTS_PER_POLL spreads a thousand new targets.
				 */
				t->due_ms = now;
				snprintf(t->desc, sizeof(t->desc), "%s of %s",
					 addr_fmt_ipport46(ba, &b->addr, b->port),
					 addr_fmt_service46(sa, &svcs[i].vip, svcs[i].port,
							    svcs[i].proto));
				fresh[n_fresh++] = t;
			}
			nt[cnt++] = t;
		}
	}
	/* Nothing fails from here on. Kept targets whose check changed count again. */
	for (i = 0; i < n; i++) {
		for (j = 0; j < svcs[i].n_backends; j++) {
			const struct cfg_backend *b = &svcs[i].backends[j];
			struct health_key k = health_key_of(&svcs[i], b);
			struct hc_target *t = find(h, &k);
			struct cfg_hc hc;

			cfg_hc_merge(&svcs[i].hc, &b->hc, &hc);
			if (t == NULL || hc.type == CFG_HC_NONE || hc_same(&hc, &t->hc))
				continue;
			ops_of(t->hc.type)->cancel(h, t);
			t->started_ms = 0;
			t->hc = hc;
			t->st.type = hc.type;
			t->st.in_a_row = 0;
			t->due_ms = now;
		}
	}
	qsort(nt, cnt, sizeof(*nt), target_cmp);
	/* Targets that are no longer wanted end. */
	for (i = 0, j = 0; i < h->n; i++) {
		while (j < cnt && key_cmp(&nt[j]->key, &h->t[i]->key) < 0)
			j++;
		if (j < cnt && nt[j] == h->t[i])
			continue;
		target_free(h, h->t[i]);
	}
	free(h->t);
	h->t = nt;
	h->n = cnt;
	free(fresh);
	return 0;
nomem:
	for (i = 0; fresh != NULL && i < n_fresh; i++)
		free(fresh[i]);
	free(fresh);
	free(nt);
	return -ENOMEM;
}

void
health_done(struct health *h, struct hc_target *t, bool ok, const char *fmt, ...)
{
	struct health_status *st = &t->st;
	uint8_t before = st->state;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->last_result, sizeof(st->last_result), fmt, ap);
	va_end(ap);
	st->last_ok = ok;
	st->checks++;
	st->last_check = time(NULL);
	st->last_ms = t->started_ms ? (uint32_t)(h->now_ms - t->started_ms) : 0;
	/* The next check is due an interval after this one started, not after it ended. */
	t->due_ms = (t->started_ms ? t->started_ms : h->now_ms) + t->hc.interval_ms;
	t->started_ms = 0;
	t->deadline_ms = 0;

	/*
	 * in_a_row counts the results in a row that disagree with the state (failures while
	 * UP, successes while DOWN); one that agrees resets it. The first result decides.
	 */
	if (st->state == HEALTH_UNKNOWN || st->assumed) {
		st->state = ok ? HEALTH_UP : HEALTH_DOWN;
		st->assumed = false;
		st->in_a_row = 0;
	} else if ((st->state == HEALTH_UP) == ok) {
		st->in_a_row = 0;
	} else {
		st->in_a_row++;
		if (st->in_a_row >= (ok ? t->hc.rise : t->hc.fall)) {
			st->state = ok ? HEALTH_UP : HEALTH_DOWN;
			st->in_a_row = 0;
		}
	}
	if (st->state == before)
		return;
	st->last_change = st->last_check;
	h->changed++;
	if (st->state == HEALTH_UP)
		LOG_I("health: %s is up (%s %s)", t->desc, cfg_hc_type_name(t->hc.type),
		      st->last_result);
	else
		LOG_W("health: %s is down (%s: %s)", t->desc, cfg_hc_type_name(t->hc.type),
		      st->last_result);
}

unsigned
health_poll(struct health *h, uint64_t now_ms)
{
	unsigned i, starts = 0, busy = 0;

	h->now_ms = now_ms;
	h->changed = 0;
	hc_curl_poll_all(h);
	for (i = 0; i < h->n; i++)
		busy += h->t[i]->started_ms != 0;
	for (i = 0; i < h->n; i++) {
		struct hc_target *t = h->t[i];
		const struct hc_ops *ops = ops_of(t->hc.type);

		if (t->started_ms != 0) {
			if (ops->poll != NULL)
				ops->poll(h, t);
		} else if (now_ms >= t->due_ms && starts < STARTS_PER_POLL &&
			   busy + starts < MAX_IN_FLIGHT) {
			starts++;
			t->started_ms = now_ms;
			ops->start(h, t);
		}
	}
	return h->changed;
}

bool
health_get(const struct health *h, const struct cfg_service *s, const struct cfg_backend *b,
	   struct health_status *st)
{
	struct health_key k = health_key_of(s, b);
	const struct hc_target *t = find(h, &k);

	if (t == NULL)
		return false;
	*st = t->st;
	return true;
}

bool
health_starts_up(const struct cfg_service *s, const struct cfg_backend *b)
{
	struct cfg_hc hc;

	cfg_hc_merge(&s->hc, &b->hc, &hc);
	return hc.type == CFG_HC_NONE || hc.start == CFG_HC_START_UP;
}

bool
health_usable(const struct health *h, const struct cfg_service *s, const struct cfg_backend *b)
{
	struct health_key k = health_key_of(s, b);
	const struct hc_target *t;

	/* The check of this model decides: one just removed frees the backend at once. */
	if (!health_has_check(s, b))
		return true;
	t = find(h, &k);
	return t != NULL && t->st.state == HEALTH_UP;
}
