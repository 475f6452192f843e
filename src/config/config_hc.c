/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The health_check mapping: a service gives the whole check (defaults fill what it leaves
 * out), a backend may override any member of it ({port: 8081}, {type: none}, ...). The
 * check a backend gets is the merge; it is validated as a whole so that a bad combination
 * (a timeout longer than the interval, a dns check without a name) is refused wherever it
 * arises. No DPDK here: sluicectl links this file too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config.h"
#include "config/config_int.h"

static const struct name_tab hc_type_tab[CFG_HC_MAX] = {
	[CFG_HC_NONE] = { "none", true }, [CFG_HC_TCP] = { "tcp", true },
	[CFG_HC_HTTP] = { "http", true }, [CFG_HC_UDP] = { "udp", true },
	[CFG_HC_DNS] = { "dns", true },
};

static const struct name_tab hc_start_tab[CFG_HC_START_MAX] = {
	[CFG_HC_START_UP] = { "up", true }, [CFG_HC_START_DOWN] = { "down", true },
};

static const char *const hc_keys[] = { "type", "port", "interval", "timeout", "rise", "fall",
				       "path", "expect", "host", "payload", "query", "qtype",
				       "start", NULL };

/* DNS query types by name (RFC 1035, 3596, 2782). */
static const struct {
	const char *name;
	uint16_t code;
} qtypes[] = {
	{ "A", 1 },   { "NS", 2 },   { "CNAME", 5 }, { "SOA", 6 },	{ "PTR", 12 },
	{ "MX", 15 }, { "TXT", 16 }, { "AAAA", 28 }, { "SRV", 33 }, { "ANY", 255 },
};

#define N_QTYPES (sizeof(qtypes) / sizeof(qtypes[0]))

void
cfg_hc_defaults(struct cfg_hc *hc)
{
	memset(hc, 0, sizeof(*hc));
	hc->type = CFG_HC_NONE;
	hc->interval_ms = 2000;
	hc->timeout_ms = 1000;
	hc->rise = 2;
	hc->fall = 3;
	hc->expect_lo = 200;
	hc->expect_hi = 399;
	hc->qtype = 1;
	snprintf(hc->path, sizeof(hc->path), "/");
}

const char *
cfg_hc_type_name(uint8_t type)
{
	return type < CFG_HC_MAX ? hc_type_tab[type].name : "?";
}

static const char *
qtype_name(uint16_t code)
{
	size_t i;

	for (i = 0; i < N_QTYPES; i++)
		if (qtypes[i].code == code)
			return qtypes[i].name;
	return "?";
}

/* A copy of a string member; its length was checked against the buffer by get_str. */
static int
get_text(struct vctx *v, const json_t *j, const struct loc *l, char *dst, size_t size)
{
	const char *s = NULL;
	int rc = cfgv_get_str(v, j, l, size - 1, &s);

	if (rc == 0)
		snprintf(dst, size, "%s", s);
	return rc;
}

/* "200-399", "200" or 200: an HTTP status range. */
static int
get_expect(struct vctx *v, const json_t *j, const struct loc *l, struct cfg_hc *hc)
{
	unsigned lo = 0, hi = 0;
	const char *s;
	int n = 0;

	if (json_is_integer(j)) {
		lo = hi = (unsigned)json_integer_value(j);
		if (json_integer_value(j) < 100 || json_integer_value(j) > 599)
			return cfgv_verr(v, l, "%u is no HTTP status (100..599)", lo);
	} else if (json_is_string(j)) {
		s = json_string_value(j);
		if (!((sscanf(s, "%3u-%3u%n", &lo, &hi, &n) == 2 && s[n] == '\0') ||
		      (sscanf(s, "%3u%n", &lo, &n) == 1 && s[n] == '\0' && (hi = lo, 1))))
			return cfgv_verr(v, l, "bad status range \"%.40s\" (want e.g. 200-399 or "
					 "200)", s);
		if (lo < 100 || hi > 599 || lo > hi)
			return cfgv_verr(v, l, "bad status range \"%.40s\": statuses are 100..599, "
					 "low to high", s);
	} else {
		return cfgv_want(v, j, l, JSON_STRING);
	}
	hc->expect_lo = (uint16_t)lo;
	hc->expect_hi = (uint16_t)hi;
	return 0;
}

static int
get_qtype(struct vctx *v, const json_t *j, const struct loc *l, uint16_t *out)
{
	const char *s = NULL;
	size_t i;
	int rc = cfgv_get_str(v, j, l, 16, &s);

	if (rc < 0)
		return rc;
	for (i = 0; i < N_QTYPES; i++) {
		if (strcasecmp(s, qtypes[i].name) == 0) {
			*out = qtypes[i].code;
			return 0;
		}
	}
	return cfgv_verr(v, l, "unknown query type '%.16s' (supported: A, NS, CNAME, SOA, PTR, "
			 "MX, TXT, AAAA, SRV, ANY)", s);
}

static int
get_count(struct vctx *v, const json_t *j, const struct loc *l, uint8_t *out)
{
	uint64_t u = 0;
	int rc = cfgv_get_uint(v, j, l, 1, 100, &u);

	if (rc == 0)
		*out = (uint8_t)u;
	return rc;
}

/* One member of the mapping: 0 when absent, else its parse result (and its bit in set). */
static int
hc_member(struct vctx *v, const json_t *o, const struct loc *ol, struct cfg_hc *hc,
	  unsigned bit)
{
	static const char *const key_of[] = { "type", "port", "interval", "timeout", "rise",
					      "fall", "path", "expect", "host", "payload",
					      "query", "qtype", "start" };
	unsigned idx = (unsigned)__builtin_ctz(bit);
	const json_t *j;
	struct loc l;
	uint64_t u = 0;
	int rc;

	j = cfgv_member(o, ol, key_of[idx], &l);
	if (j == NULL)
		return 0;
	switch (bit) {
	case CFG_HCF_TYPE:
		rc = cfgv_get_name(v, j, &l, "health check type", hc_type_tab, CFG_HC_MAX,
				   &hc->type);
		break;
	case CFG_HCF_PORT:
		rc = cfgv_get_uint(v, j, &l, 1, 65535, &u);
		hc->port = htons((uint16_t)u);
		break;
	case CFG_HCF_INTERVAL:
		rc = cfgv_get_duration_ms(v, j, &l, CFG_HC_INTERVAL_MIN_MS, CFG_HC_INTERVAL_MAX_MS,
					  &hc->interval_ms);
		break;
	case CFG_HCF_TIMEOUT:
		rc = cfgv_get_duration_ms(v, j, &l, CFG_HC_TIMEOUT_MIN_MS, CFG_HC_INTERVAL_MAX_MS,
					  &hc->timeout_ms);
		break;
	case CFG_HCF_RISE:
		rc = get_count(v, j, &l, &hc->rise);
		break;
	case CFG_HCF_FALL:
		rc = get_count(v, j, &l, &hc->fall);
		break;
	case CFG_HCF_PATH:
		rc = get_text(v, j, &l, hc->path, sizeof(hc->path));
		if (rc == 0 && (hc->path[0] != '/' || strpbrk(hc->path, " \t\r\n") != NULL))
			rc = cfgv_verr(v, &l, "a path starts with / and has no blanks");
		break;
	case CFG_HCF_EXPECT:
		rc = get_expect(v, j, &l, hc);
		break;
	case CFG_HCF_HOST:
		rc = get_text(v, j, &l, hc->host, sizeof(hc->host));
		if (rc == 0 && strpbrk(hc->host, " \t\r\n/") != NULL)
			rc = cfgv_verr(v, &l, "a host name has no blanks or slashes");
		break;
	case CFG_HCF_PAYLOAD:
		rc = get_text(v, j, &l, hc->payload, sizeof(hc->payload));
		break;
	case CFG_HCF_QUERY:
		rc = get_text(v, j, &l, hc->query, sizeof(hc->query));
		break;
	case CFG_HCF_QTYPE:
		rc = get_qtype(v, j, &l, &hc->qtype);
		break;
	default: /* CFG_HCF_START */
		rc = cfgv_get_name(v, j, &l, "health check start", hc_start_tab,
				   CFG_HC_START_MAX, &hc->start);
		break;
	}
	if (rc == 0)
		hc->set |= (uint16_t)bit;
	return rc;
}

int
cfg_hc_parse(struct vctx *v, const json_t *o, const struct loc *ol, struct cfg_hc *hc)
{
	unsigned bit;
	int rc = cfgv_get_object(v, o, ol, hc_keys);

	for (bit = CFG_HCF_TYPE; rc == 0 && bit <= CFG_HCF_START; bit <<= 1)
		rc = hc_member(v, o, ol, hc, bit);
	return rc;
}

void
cfg_hc_merge(const struct cfg_hc *svc, const struct cfg_hc *be, struct cfg_hc *out)
{
	*out = *svc;
#define TAKE(bit, member)                                                                     \
	do {                                                                                  \
		if (be->set & (bit))                                                          \
			memcpy(&out->member, &be->member, sizeof(out->member));               \
	} while (0)
	TAKE(CFG_HCF_TYPE, type);
	TAKE(CFG_HCF_PORT, port);
	TAKE(CFG_HCF_INTERVAL, interval_ms);
	TAKE(CFG_HCF_TIMEOUT, timeout_ms);
	TAKE(CFG_HCF_RISE, rise);
	TAKE(CFG_HCF_FALL, fall);
	TAKE(CFG_HCF_PATH, path);
	TAKE(CFG_HCF_EXPECT, expect_lo);
	TAKE(CFG_HCF_EXPECT, expect_hi);
	TAKE(CFG_HCF_HOST, host);
	TAKE(CFG_HCF_PAYLOAD, payload);
	TAKE(CFG_HCF_QUERY, query);
	TAKE(CFG_HCF_QTYPE, qtype);
	TAKE(CFG_HCF_START, start);
#undef TAKE
	out->set = svc->set | be->set;
}

static bool
dns_name_ok(const char *p)
{
	if (strcmp(p, ".") == 0)
		return true;
	while (*p != '\0') {
		size_t l = strcspn(p, ".");

		if (l == 0 || l > 63)
			return false;
		p += l + (p[l] == '.');
	}
	return true;
}

int
cfg_hc_check_effective(struct vctx *v, const struct loc *l, const struct cfg_hc *svc,
		       const struct cfg_hc *be)
{
	struct cfg_hc hc;

	cfg_hc_merge(svc, be, &hc);
	if (hc.type == CFG_HC_NONE)
		return 0;
	if (hc.timeout_ms > hc.interval_ms)
		return cfgv_verr(v, l, "timeout (%u ms) is longer than interval (%u ms)",
				 hc.timeout_ms, hc.interval_ms);
	if (hc.type == CFG_HC_DNS && hc.query[0] == '\0')
		return cfgv_verr(v, l, "a dns check needs 'query': the name to ask for");
	if (hc.type == CFG_HC_DNS && !dns_name_ok(hc.query))
		return cfgv_verr(v, l, "query '%s' is no DNS name (labels of 1 to 63 characters "
				 "between dots)", hc.query);
	return 0;
}

int
cfg_backend_check_hc(const struct cfg_service *s, const struct cfg_backend *b,
		     struct cfg_error *err)
{
	struct cfg_error spare;
	struct vctx v = { .lines = NULL, .err = err ? err : &spare };
	struct loc l;

	memset(&l, 0, sizeof(l));
	memset(v.err, 0, sizeof(*v.err));
	snprintf(l.field, sizeof(l.field), "health_check");
	return cfg_hc_check_effective(&v, &l, &s->hc, &b->hc);
}

static void
put_duration(json_t *o, const char *key, uint32_t ms)
{
	char buf[32];

	if (ms % 1000 == 0)
		snprintf(buf, sizeof(buf), "%us", ms / 1000);
	else
		snprintf(buf, sizeof(buf), "%ums", ms);
	json_object_set_new(o, key, json_string(buf));
}

/* The members a check of this type uses: what a service's mapping shows in full. */
static uint16_t
used_by(uint8_t type)
{
	uint16_t common = CFG_HCF_TYPE | CFG_HCF_INTERVAL | CFG_HCF_TIMEOUT | CFG_HCF_RISE |
			  CFG_HCF_FALL | CFG_HCF_START;

	switch (type) {
	case CFG_HC_HTTP:
		return common | CFG_HCF_PATH | CFG_HCF_EXPECT;
	case CFG_HC_UDP:
		return common | CFG_HCF_PAYLOAD;
	case CFG_HC_DNS:
		return common | CFG_HCF_QUERY | CFG_HCF_QTYPE;
	case CFG_HC_TCP:
		return common;
	default:
		return 0;
	}
}

/*
 * whole (a service's check): every member its type uses, and whatever else was set; else
 * (a backend's overrides) only what was set. cfg_hc_parse reads either back to the same
 * check.
 */
json_t *
cfg_hc_to_json(const struct cfg_hc *hc, bool whole)
{
	uint16_t want = (uint16_t)(hc->set | (whole ? used_by(hc->type) : 0));
	json_t *o = json_object();
	char buf[16];

	if (o == NULL)
		return NULL;
#define WANT(bit) (want & (bit))
	if (WANT(CFG_HCF_TYPE))
		json_object_set_new(o, "type", json_string(cfg_hc_type_name(hc->type)));
	if (WANT(CFG_HCF_PORT))
		json_object_set_new(o, "port", json_integer(ntohs(hc->port)));
	if (WANT(CFG_HCF_INTERVAL))
		put_duration(o, "interval", hc->interval_ms);
	if (WANT(CFG_HCF_TIMEOUT))
		put_duration(o, "timeout", hc->timeout_ms);
	if (WANT(CFG_HCF_RISE))
		json_object_set_new(o, "rise", json_integer(hc->rise));
	if (WANT(CFG_HCF_FALL))
		json_object_set_new(o, "fall", json_integer(hc->fall));
	if (WANT(CFG_HCF_PATH))
		json_object_set_new(o, "path", json_string(hc->path));
	if (WANT(CFG_HCF_EXPECT)) {
		snprintf(buf, sizeof(buf), "%u-%u", hc->expect_lo, hc->expect_hi);
		json_object_set_new(o, "expect", json_string(buf));
	}
	if (WANT(CFG_HCF_HOST))
		json_object_set_new(o, "host", json_string(hc->host));
	/* No payload means an empty datagram, which the loader takes as the key left out. */
	if (WANT(CFG_HCF_PAYLOAD) && hc->payload[0] != '\0')
		json_object_set_new(o, "payload", json_string(hc->payload));
	if (WANT(CFG_HCF_QUERY))
		json_object_set_new(o, "query", json_string(hc->query));
	if (WANT(CFG_HCF_QTYPE))
		json_object_set_new(o, "qtype", json_string(qtype_name(hc->qtype)));
	if (WANT(CFG_HCF_START))
		json_object_set_new(o, "start", json_string(hc_start_tab[hc->start].name));
#undef WANT
	return o;
}
