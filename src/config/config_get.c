/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The config module's validation toolkit: locations (path and line), typed getters,
 * addresses, duplicate detection. Every getter names the field and its line on error.
 *
 * This file must not include DPDK headers: sluicectl links it to check files offline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "config/config.h"
#include "config/config_int.h"

static int
loc_line(const struct vctx *v, const struct loc *l)
{
	int line = 0;

	for (; l != NULL && line == 0 && v->lines != NULL; l = l->up) {
		if (l->up == NULL)
			line = yj_node_line(v->lines, l->in);
		else if (l->key != NULL && l->at_key)
			line = yj_key_line(v->lines, l->in, l->key);
		else if (l->key != NULL)
			line = yj_member_line(v->lines, l->in, l->key);
		else
			line = yj_elem_line(v->lines, l->in, l->idx);
	}
	return line;
}

int
cfgv_verr(struct vctx *v, const struct loc *l, const char *fmt, ...)
{
	struct cfg_error *e = v->err;
	va_list ap;

	e->line = loc_line(v, l);
	snprintf(e->field, sizeof(e->field), "%s", l->field);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int
cfgv_verr_nomem(struct vctx *v, const struct loc *l)
{
	cfgv_verr(v, l, "out of memory");
	return -ENOMEM;
}

/*
 * A path longer than the field is cut short; the line still says where. (vsnprintf
 * rather than snprintf: GCC's truncation warning cannot know that cutting is intended.)
 */
static void
path_fmt(struct loc *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
path_fmt(struct loc *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->field, sizeof(out->field), fmt, ap);
	va_end(ap);
}

/* The top of a document or of an API body; field prefixes every path below it. */
void
cfgv_loc_top(struct loc *out, const json_t *node, const char *field)
{
	memset(out, 0, sizeof(*out));
	path_fmt(out, "%s", field ? field : "");
	out->in = node;
}

/* Member `key` of obj; obj is the value at `parent`, which must outlive out. */
void
cfgv_loc_member(struct loc *out, const struct loc *parent, const json_t *obj, const char *key)
{
	path_fmt(out, "%s%s%s", parent->field, parent->field[0] ? "." : "", key);
	out->up = parent;
	out->in = obj;
	out->key = key;
	out->idx = 0;
	out->at_key = false;
}

void
cfgv_loc_elem(struct loc *out, const struct loc *parent, const json_t *arr, size_t i)
{
	path_fmt(out, "%s[%zu]", parent->field, i);
	out->up = parent;
	out->in = arr;
	out->key = NULL;
	out->idx = i;
	out->at_key = false;
}

/*
 * An optional member. A null value (YAML "key:" or "key: ~") counts as absent, so an
 * operator can leave a key in the file with nothing after it.
 */
const json_t *
cfgv_member(const json_t *obj, const struct loc *ol, const char *key, struct loc *l)
{
	const json_t *j = json_object_get(obj, key);

	cfgv_loc_member(l, ol, obj, key);
	return json_is_null(j) ? NULL : j;
}

/* A required member; when it is missing, the error is on the line of its mapping. */
const json_t *
cfgv_required(struct vctx *v, const json_t *obj, const struct loc *ol, const char *key,
	 struct loc *l)
{
	const json_t *j = cfgv_member(obj, ol, key, l);

	if (j == NULL && json_object_get(obj, key) == NULL)
		cfgv_verr(v, l, "missing required key '%s'", key);
	else if (j == NULL)
		cfgv_verr(v, l, "required key '%s' has no value", key);
	return j;
}

static const char *
describe(const json_t *j, char *buf, size_t len)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "a mapping";
	case JSON_ARRAY:
		return "a list";
	case JSON_STRING:
		snprintf(buf, len, "the string \"%.40s\"", json_string_value(j));
		return buf;
	case JSON_INTEGER:
		snprintf(buf, len, "the integer %" JSON_INTEGER_FORMAT, json_integer_value(j));
		return buf;
	case JSON_REAL:
		return "a number with a fraction";
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	default:
		return "null";
	}
}

int
cfgv_want(struct vctx *v, const json_t *j, const struct loc *l, json_type t)
{
	static const char *const names[] = {
		[JSON_OBJECT] = "a mapping",	  [JSON_ARRAY] = "a list",
		[JSON_STRING] = "a string",	  [JSON_INTEGER] = "an integer",
		[JSON_REAL] = "a number",	  [JSON_TRUE] = "true or false",
		[JSON_FALSE] = "true or false", [JSON_NULL] = "null",
	};
	char buf[64];

	if (json_typeof(j) == t)
		return 0;
	return cfgv_verr(v, l, "expected %s, got %s", names[t], describe(j, buf, sizeof(buf)));
}

int
cfgv_get_uint(struct vctx *v, const json_t *j, const struct loc *l, uint64_t lo, uint64_t hi,
	 uint64_t *out)
{
	json_int_t x;
	int rc = cfgv_want(v, j, l, JSON_INTEGER);

	if (rc < 0)
		return rc;
	x = json_integer_value(j);
	if (x < 0 || (uint64_t)x < lo || (uint64_t)x > hi)
		return cfgv_verr(v, l, "%" JSON_INTEGER_FORMAT " is out of range (%llu..%llu)", x,
			    (unsigned long long)lo, (unsigned long long)hi);
	*out = (uint64_t)x;
	return 0;
}

/* A non-empty string of at most maxlen bytes. */
int
cfgv_get_str(struct vctx *v, const json_t *j, const struct loc *l, size_t maxlen, const char **out)
{
	const char *s = NULL;
	int rc = cfgv_want(v, j, l, JSON_STRING);

	if (rc < 0)
		return rc;
	s = json_string_value(j);
	if (s[0] == '\0')
		return cfgv_verr(v, l, "must not be empty");
	if (strlen(s) != json_string_length(j))
		return cfgv_verr(v, l, "must not contain a NUL byte");
	if (strlen(s) > maxlen)
		return cfgv_verr(v, l, "is longer than %zu characters", maxlen);
	*out = s;
	return 0;
}

/*
 * "900", "900s", "15m", "1h30m", "500ms", "7d" -> milliseconds. Each number is bounded
 * before it is scaled, so nothing overflows; anything past SL_DURATION_MAX_S is -ERANGE.
 */
static int
parse_duration_ms(const char *s, uint64_t *out)
{
	uint64_t ms = 0;
	const char *p = s;

	if (*p == '\0')
		return -EINVAL;
	while (*p != '\0') {
		uint64_t n = 0, unit;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++) {
			n = n * 10 + (uint64_t)(*p - '0');
			if (n > 1000000000000ull)
				return -ERANGE;
		}
		if (p[0] == 'm' && p[1] == 's') {
			unit = 1;
			p += 2;
		} else if (*p == 's' || (*p == '\0' && p == s + strspn(s, "0123456789"))) {
			/* a bare number is seconds, but only on its own: "1m30" is a typo */
			unit = 1000;
			p += *p == 's';
		} else if (*p == 'm') {
			unit = 60 * 1000;
			p++;
		} else if (*p == 'h') {
			unit = 3600 * 1000;
			p++;
		} else if (*p == 'd') {
			unit = 86400 * 1000;
			p++;
		} else {
			return -EINVAL;
		}
		ms += n * unit;
		if (ms > (uint64_t)SL_DURATION_MAX_S * 1000)
			return -ERANGE;
	}
	*out = ms;
	return 0;
}

/* "365 days = 31536000 s", "1 h = 3600000 ms": what the bound means. */
static const char *
max_fmt(uint64_t max_ms, char *buf, size_t len)
{
	if (max_ms % 86400000 == 0)
		snprintf(buf, len, "%" PRIu64 " days = %" PRIu64 " s", max_ms / 86400000,
			 max_ms / 1000);
	else if (max_ms % 3600000 == 0)
		snprintf(buf, len, "%" PRIu64 " h = %" PRIu64 " ms", max_ms / 3600000, max_ms);
	else
		snprintf(buf, len, "%" PRIu64 " ms", max_ms);
	return buf;
}

/*
 * A duration in ms within [min_ms, max_ms]: an integer (seconds) or a string with units.
 * Every bound is one the data plane holds at its value (a deadline in 64 ms ticks, an
 * affinity in seconds, both compared as signed 32-bit differences), so a value that is
 * accepted never wraps into a short one.
 */
static int
duration_ms(struct vctx *v, const json_t *j, const struct loc *l, uint64_t min_ms,
	    uint64_t max_ms, uint64_t *out)
{
	uint64_t ms = 0;
	char buf[64], mx[64];
	int rc;

	if (json_is_integer(j)) {
		json_int_t x = json_integer_value(j);

		if (x >= 0 && (uint64_t)x > max_ms / 1000)
			return cfgv_verr(v, l, "%" JSON_INTEGER_FORMAT " s is too long (at most %s)",
					 x, max_fmt(max_ms, mx, sizeof(mx)));
		rc = cfgv_get_uint(v, j, l, (min_ms + 999) / 1000, max_ms / 1000, &ms);
		if (rc < 0)
			return rc;
		ms *= 1000;
	} else if (json_is_string(j)) {
		rc = parse_duration_ms(json_string_value(j), &ms);
		if (rc == -EINVAL)
			return cfgv_verr(v, l, "bad duration \"%.40s\": use seconds or a number with "
					 "ms, s, m, h or d, e.g. 900, \"15m\", \"500ms\"",
					 json_string_value(j));
		if (rc < 0 || ms > max_ms)
			return cfgv_verr(v, l, "duration \"%.40s\" is too long (at most %s)",
					 json_string_value(j), max_fmt(max_ms, mx, sizeof(mx)));
	} else {
		return cfgv_verr(v, l, "expected a duration (seconds, or a string such as "
				 "\"15m\"), got %s", describe(j, buf, sizeof(buf)));
	}
	if (ms < min_ms && min_ms % 1000 == 0)
		return cfgv_verr(v, l, "duration \"%.40s\" is shorter than %" PRIu64 " second%s",
				 json_string_value(j), min_ms / 1000, min_ms == 1000 ? "" : "s");
	if (ms < min_ms)
		return cfgv_verr(v, l, "duration \"%.40s\" is shorter than %" PRIu64 " ms",
				 json_string_value(j), min_ms);
	*out = ms;
	return 0;
}

int
cfgv_get_duration(struct vctx *v, const json_t *j, const struct loc *l, uint32_t min,
		  uint32_t *out)
{
	uint64_t ms = 0;
	int rc = duration_ms(v, j, l, (uint64_t)min * 1000, (uint64_t)SL_DURATION_MAX_S * 1000,
			     &ms);

	if (rc < 0)
		return rc;
	/* rounded up, so that a short timeout never becomes 0 (off) */
	*out = (uint32_t)((ms + 999) / 1000);
	return 0;
}

int
cfgv_get_duration_ms(struct vctx *v, const json_t *j, const struct loc *l, uint32_t min_ms,
		     uint32_t max_ms, uint32_t *out)
{
	uint64_t ms = 0;
	int rc = duration_ms(v, j, l, min_ms, max_ms, &ms);

	if (rc == 0)
		*out = (uint32_t)ms;
	return rc;
}

/* "a, b, c" from a name table: all names or the implemented ones. */
static const char *
tab_list(const struct name_tab *tab, size_t n, bool implemented_only, char *buf, size_t len)
{
	size_t off = 0, i;

	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++) {
		if (implemented_only && !tab[i].implemented)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
					tab[i].name);
	}
	return buf;
}

int
cfgv_get_name(struct vctx *v, const json_t *j, const struct loc *l, const char *what,
	 const struct name_tab *tab, size_t n, uint8_t *out)
{
	char list[128];
	const char *s = NULL;
	size_t i;
	int rc = cfgv_get_str(v, j, l, 64, &s);

	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (strcmp(s, tab[i].name) != 0)
			continue;
		if (!tab[i].implemented)
			return cfgv_verr(v, l, "%s '%s' is not implemented yet (supported: %s)", what, s,
				    tab_list(tab, n, true, list, sizeof(list)));
		*out = (uint8_t)i;
		return 0;
	}
	return cfgv_verr(v, l, "unknown %s '%s' (supported: %s)", what, s,
		    tab_list(tab, n, true, list, sizeof(list)));
}

/* Unknown keys are errors: a typo such as "wieght" must not silently become a default. */
static int
check_keys(struct vctx *v, const json_t *obj, const struct loc *ol, const char *const *known)
{
	const char *key;
	json_t *val;

	json_object_foreach((json_t *)obj, key, val) {
		const char *const *k;
		char list[256];
		size_t off = 0;
		struct loc l;

		for (k = known; *k != NULL; k++)
			if (strcmp(key, *k) == 0)
				break;
		if (*k != NULL)
			continue;
		list[0] = '\0';
		for (k = known; *k != NULL && off < sizeof(list); k++)
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
						off ? ", " : "", *k);
		cfgv_loc_member(&l, ol, obj, key);
		l.at_key = true; /* "foo:" may be followed by a value that starts lines later */
		return cfgv_verr(v, &l, "unknown key '%.64s' (expected one of: %s)", key, list);
	}
	return 0;
}

/* An object, with no keys outside `known`. */
int
cfgv_get_object(struct vctx *v, const json_t *j, const struct loc *l, const char *const *known)
{
	int rc = cfgv_want(v, j, l, JSON_OBJECT);

	return rc < 0 ? rc : check_keys(v, j, l, known);
}

/* A list of at most max elements. */
int
cfgv_get_list(struct vctx *v, const json_t *j, const struct loc *l, size_t max, const char *what)
{
	int rc = cfgv_want(v, j, l, JSON_ARRAY);

	if (rc < 0)
		return rc;
	if (json_array_size(j) > max)
		return cfgv_verr(v, l, "too many %s: %zu (at most %zu)", what, json_array_size(j), max);
	return 0;
}

/* Sources and destinations must be one host: not 0.0.0.0, multicast or broadcast. */
bool
cfgv_ip_is_unicast(uint32_t ip)
{
	uint32_t h = ntohl(ip);

	return h != 0 && (h >> 28) != 0xe && h != 0xffffffffu;
}

int
cfgv_get_prefix(struct vctx *v, const json_t *j, const struct loc *l, uint32_t *ip, uint8_t *len)
{
	const char *s = NULL;
	int rc = cfgv_get_str(v, j, l, 64, &s);

	if (rc < 0)
		return rc;
	if (addr_parse_prefix(s, ip, len) < 0)
		return cfgv_verr(v, l, "'%s' is not an IPv4 prefix (a.b.c.d/len, len 0..32)", s);
	return 0;
}

int
cfgv_get_prefix6(struct vctx *v, const json_t *j, const struct loc *l, union addr46 *a,
		 uint8_t *len)
{
	char buf[ADDR46_STR_MAX];
	const char *s = NULL;
	union addr46 net;
	int rc = cfgv_get_str(v, j, l, 64, &s);

	if (rc < 0)
		return rc;
	if (addr_parse_prefix46(s, a, len) < 0 || addr46_is_v4(a))
		return cfgv_verr(v, l, "'%s' is not an IPv6 prefix (2001:db8::1/64, len 1..128)", s);
	if (*len == 0)
		return cfgv_verr(v, l, "'%s': the prefix length gives the subnet and must be "
				 "1..128", s);
	if (a->b[0] == 0xff || (a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80) ||
	    (a->w[0] == 0 && a->w[1] == 0 && a->w[2] == 0 && (a->w[3] == 0 || a->w[3] == htonl(1))))
		return cfgv_verr(v, l, "'%s' is not a global or unique-local unicast address (not "
				 "::, ::1, fe80::/10 or multicast)", s);
	/* The subnet's own address (all host bits 0) is the routers' anycast (RFC 4291). */
	net = addr46_masked(a, *len);
	if (*len < 127 && memcmp(&net, a, sizeof(net)) == 0) {
		net.b[15] |= 1;
		return cfgv_verr(v, l, "'%s' is the subnet's own address; give the port's own "
				 "address (e.g. %s/%u)", s, addr_fmt_ip46(buf, &net), *len);
	}
	return 0;
}

bool
cfgv_ip46_is_unicast(const union addr46 *a)
{
	if (addr46_is_v4(a))
		return cfgv_ip_is_unicast(a->w[3]);
	if (a->b[0] == 0xff || (a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80))
		return false;
	return a->w[0] != 0 || a->w[1] != 0 || a->w[2] != 0 || a->w[3] != 0;
}

int
cfgv_get_ip46(struct vctx *v, const json_t *j, const struct loc *l, union addr46 *a)
{
	const char *s = NULL;
	int rc = cfgv_get_str(v, j, l, 64, &s);

	if (rc < 0)
		return rc;
	if (addr_parse_ip46(s, a) < 0)
		return cfgv_verr(v, l, "'%s' is not an address (a.b.c.d or an IPv6 address)", s);
	if (!cfgv_ip46_is_unicast(a))
		return cfgv_verr(v, l, "'%s' is not a unicast address", s);
	return 0;
}

int
cfgv_get_prefix46(struct vctx *v, const json_t *j, const struct loc *l, union addr46 *a,
		  uint8_t *len)
{
	char buf[ADDR46_STR_MAX];
	const char *s = NULL;
	union addr46 net;
	int rc = cfgv_get_str(v, j, l, 64, &s);

	if (rc < 0)
		return rc;
	if (addr_parse_prefix46(s, a, len) < 0)
		return cfgv_verr(v, l, "'%s' is not a prefix (a.b.c.d/len, len 0..32, or "
				 "2001:db8::/len, len 0..128)", s);
	net = addr46_masked(a, *len);
	if (memcmp(&net, a, sizeof(net)) != 0)
		return cfgv_verr(v, l, "'%s' has host bits set (did you mean %s/%u?)", s,
				 addr_fmt_ip46(buf, &net), *len);
	return 0;
}

/* An address with a port, of either family or (v4_only) IPv4 alone. */
static int
get_ipport(struct vctx *v, const json_t *j, const struct loc *l, bool unicast, bool v4_only,
	   union addr46 *a, uint16_t *port)
{
	const char *s = NULL;
	int rc = cfgv_get_str(v, j, l, 64, &s);

	if (rc < 0)
		return rc;
	if (addr_parse_ipport46(s, a, port) < 0 || (v4_only && !addr46_is_v4(a)))
		return cfgv_verr(v, l, "'%s' is not an address with a port (a.b.c.d:port%s)", s,
				 v4_only ? "" : " or [2001:db8::1]:port");
	if (unicast && !cfgv_ip46_is_unicast(a))
		return cfgv_verr(v, l, "'%s' is not a unicast address", s);
	return 0;
}

int
cfgv_get_ipport46(struct vctx *v, const json_t *j, const struct loc *l, bool unicast,
		  union addr46 *a, uint16_t *port)
{
	return get_ipport(v, j, l, unicast, false, a, port);
}

int
cfgv_get_ipport(struct vctx *v, const json_t *j, const struct loc *l, bool unicast, uint32_t *ip,
		uint16_t *port)
{
	union addr46 a;
	int rc = get_ipport(v, j, l, unicast, true, &a, port);

	if (rc == 0)
		*ip = a.w[3];
	return rc;
}

void
cfgv_dup_key(struct cfgv_dup *d, const union addr46 *a, uint16_t port, uint8_t proto,
	     unsigned idx)
{
	memset(d->key, 0, sizeof(d->key));
	memcpy(d->key, a, 16);
	memcpy(d->key + 16, &port, 2);
	d->key[18] = proto;
	d->idx = idx;
}

static int
dup_cmp(const void *a, const void *b)
{
	const struct cfgv_dup *x = a, *y = b;
	int c = memcmp(x->key, y->key, sizeof(x->key));

	if (c != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Find the first element, in document order, whose key appeared before it.
 * @return true with *dup (its index) and *first (the earlier one); k is reordered.
 */
bool
cfgv_find_dup(struct cfgv_dup *k, size_t n, unsigned *dup, unsigned *first)
{
	bool found = false;
	size_t i;

	qsort(k, n, sizeof(*k), dup_cmp);
	for (i = 1; i < n; i++) {
		/* Within a run of equal keys the second is the first repeat of that key. */
		if (memcmp(k[i].key, k[i - 1].key, sizeof(k[i].key)) != 0 ||
		    (i >= 2 && memcmp(k[i - 2].key, k[i].key, sizeof(k[i].key)) == 0))
			continue;
		if (!found || k[i].idx < *dup) {
			*dup = k[i].idx;
			*first = k[i - 1].idx;
			found = true;
		}
	}
	return found;
}

bool
cfgv_name_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

/*
 * Building JSON: jansson's *_set_new and *_append_new take ownership even when they fail
 * and refuse a NULL value, so a whole tree can be built and checked once at the end.
 */
int
cfgv_put(json_t *obj, const char *key, json_t *val)
{
	return json_object_set_new(obj, key, val) < 0 ? -1 : 0;
}

int
cfgv_push(json_t *arr, json_t *val)
{
	return json_array_append_new(arr, val) < 0 ? -1 : 0;
}
