/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration model: a jansson tree (from YAML or JSON) validated into struct cfg,
 * and struct cfg turned back into the same document.
 *
 * Every value is read through a few typed getters that carry the value's path and line
 * (struct loc), so an error always names the field and where it is. Validation stops at
 * the first error: a second message is as often a consequence of the first as a new one.
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
#include "control/config.h"
#include "control/config_int.h"
#include "control/yaml_json.h"

#define ROUTES_MAX 1024       /* bounds malloc and the O(n^2) duplicate check */
#define FILE_MAX (16u << 20)  /* a config file larger than this is a mistake */
#define DURATION_MAX UINT32_MAX
#define DEFAULT_WORKERS 1
#define DEFAULT_CONN_TABLE 1048576
#define CONN_TABLE_MIN 1024
#define CONN_TABLE_MAX 134217728
#define DEFAULT_SOCKET "/run/sluice/sluiced.sock"
#define DEFAULT_ANNOUNCE_IF "sl-vip"

/*
 * Names of the enum values and whether sluice implements them yet. The config accepts
 * every name DESIGN.md lists, so that a valid but unimplemented choice gets "not
 * implemented yet" rather than "unknown"; a new mode or scheduler only flips its flag here.
 */

static const struct name_tab mode_tab[CFG_MODE_MAX] = {
	[CFG_MODE_FULLNAT] = { "fullnat", true },
	[CFG_MODE_DR] = { "dr", false },
	[CFG_MODE_TUN] = { "tun", false },
	[CFG_MODE_NAT] = { "nat", false },
};

static const struct name_tab sched_tab[CFG_SCHED_MAX] = {
	[CFG_SCHED_RR] = { "rr", true },
	[CFG_SCHED_WRR] = { "wrr", true },
	[CFG_SCHED_LC] = { "lc", true },
	[CFG_SCHED_WLC] = { "wlc", true },
	[CFG_SCHED_SH] = { "sh", true },
	[CFG_SCHED_MAGLEV] = { "maglev", true },
};

static const struct name_tab hash_tab[CFG_HASH_MAX] = {
	[CFG_HASH_TUPLE] = { "tuple", true },
	[CFG_HASH_SOURCE] = { "source", true },
};

static const struct name_tab announce_tab[CFG_ANNOUNCE_MAX] = {
	[CFG_ANNOUNCE_HEALTHY] = { "healthy", true },
	[CFG_ANNOUNCE_ALWAYS] = { "always", true },
	[CFG_ANNOUNCE_NEVER] = { "never", true },
};

static const struct name_tab memory_tab[] = {
	[CFG_MEM_AUTO] = { "auto", true },
	[CFG_MEM_HUGEPAGES] = { "hugepages", true },
	[CFG_MEM_NO_HUGEPAGES] = { "no-hugepages", true },
};

#define N_MEMORY (sizeof(memory_tab) / sizeof(memory_tab[0]))

static const char *
memory_name(enum cfg_memory m)
{
	return (size_t)m < N_MEMORY ? memory_tab[m].name : "?";
}

#define N_TIMEOUTS 10

/* The timeouts by name; timeout_off[] and timeout_def[] are in the same order. */
static const char *const timeout_keys[N_TIMEOUTS + 1] = {
	"tcp_established", "tcp_syn_sent", "tcp_syn_recv", "tcp_fin_wait", "tcp_time_wait",
	"tcp_close", "tcp_close_wait", "tcp_last_ack", "udp", "lip_quarantine", NULL,
};

static const size_t timeout_off[N_TIMEOUTS] = {
	offsetof(struct cfg_timeouts, tcp_established),
	offsetof(struct cfg_timeouts, tcp_syn_sent),
	offsetof(struct cfg_timeouts, tcp_syn_recv),
	offsetof(struct cfg_timeouts, tcp_fin_wait),
	offsetof(struct cfg_timeouts, tcp_time_wait),
	offsetof(struct cfg_timeouts, tcp_close),
	offsetof(struct cfg_timeouts, tcp_close_wait),
	offsetof(struct cfg_timeouts, tcp_last_ack),
	offsetof(struct cfg_timeouts, udp),
	offsetof(struct cfg_timeouts, lip_quarantine),
};

/* IPVS's defaults (ip_vs_proto_tcp.c, ip_vs_proto_udp.c); the quarantine is Linux's
 * TIME_WAIT (TCP_TIMEWAIT_LEN), which is what it protects. */
static const uint32_t timeout_def[N_TIMEOUTS] = { 900, 120, 60, 120, 120, 10, 60, 30, 300, 60 };

_Static_assert(sizeof(struct cfg_timeouts) == N_TIMEOUTS * sizeof(uint32_t),
	       "timeout tables must list every member of struct cfg_timeouts");

static const char *const top_keys[] = { "dataplane", "control", "services", NULL };
static const char *const dataplane_keys[] = { "workers", "memory", "conn_table_size", "ports",
					      "routes", "local_addresses", "peers", "timeouts", NULL };
static const char *const port_keys[] = { "name", "device", "address", NULL };
static const char *const route_keys[] = { "to", "via", NULL };
static const char *const control_keys[] = { "socket", "listen", "announce_interface", NULL };
static const char *const service_keys[] = { "vip", "mode", "scheduler", "persistence",
					    "persistence_netmask", "maglev", "backends",
					    "health_check", "announce", NULL };
static const char *const maglev_keys[] = { "table_size", "hash", NULL };
static const char *const backend_keys[] = { "address", "weight", "max_conns", "inhibited",
					    "health_check", NULL };

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
static void
loc_top(struct loc *out, const json_t *node, const char *field)
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
 * "900", "900s", "15m", "1h30m", "500ms" -> milliseconds. Each number is bounded before it
 * is scaled, so nothing overflows.
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
		} else {
			return -EINVAL;
		}
		ms += n * unit;
		if (ms > (uint64_t)DURATION_MAX * 1000)
			return -ERANGE;
	}
	*out = ms;
	return 0;
}

/* A duration in ms within [min_ms, max_ms]: an integer (seconds) or a string with units. */
static int
duration_ms(struct vctx *v, const json_t *j, const struct loc *l, uint64_t min_ms,
	    uint64_t max_ms, uint64_t *out)
{
	uint64_t ms = 0;
	char buf[64];
	int rc;

	if (json_is_integer(j)) {
		rc = cfgv_get_uint(v, j, l, (min_ms + 999) / 1000, max_ms / 1000, &ms);
		if (rc < 0)
			return rc;
		ms *= 1000;
	} else if (json_is_string(j)) {
		rc = parse_duration_ms(json_string_value(j), &ms);
		if (rc == -EINVAL)
			return cfgv_verr(v, l, "bad duration \"%.40s\": use seconds or a number with "
					 "ms, s, m or h, e.g. 900, \"15m\", \"500ms\"",
					 json_string_value(j));
		if (rc < 0 || ms > max_ms)
			return cfgv_verr(v, l, "duration \"%.40s\" is too long (at most %" PRIu64
					 " ms)", json_string_value(j), max_ms);
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
	int rc = duration_ms(v, j, l, (uint64_t)min * 1000, (uint64_t)DURATION_MAX * 1000, &ms);

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
static int
get_list(struct vctx *v, const json_t *j, const struct loc *l, size_t max, const char *what)
{
	int rc = cfgv_want(v, j, l, JSON_ARRAY);

	if (rc < 0)
		return rc;
	if (json_array_size(j) > max)
		return cfgv_verr(v, l, "too many %s: %zu (at most %zu)", what, json_array_size(j), max);
	return 0;
}

/* Sources and destinations must be one host: not 0.0.0.0, multicast or broadcast. */
static bool
ip_is_unicast(uint32_t ip)
{
	uint32_t h = ntohl(ip);

	return h != 0 && (h >> 28) != 0xe && h != 0xffffffffu;
}

static int
get_ip(struct vctx *v, const json_t *j, const struct loc *l, uint32_t *ip)
{
	const char *s = NULL;
	int rc = cfgv_get_str(v, j, l, 64, &s);

	if (rc < 0)
		return rc;
	if (addr_parse_ip(s, ip) < 0)
		return cfgv_verr(v, l, "'%s' is not an IPv4 address (a.b.c.d)", s);
	if (!ip_is_unicast(*ip))
		return cfgv_verr(v, l, "'%s' is not a unicast address", s);
	return 0;
}

static int
get_prefix(struct vctx *v, const json_t *j, const struct loc *l, uint32_t *ip, uint8_t *len)
{
	const char *s = NULL;
	int rc = cfgv_get_str(v, j, l, 64, &s);

	if (rc < 0)
		return rc;
	if (addr_parse_prefix(s, ip, len) < 0)
		return cfgv_verr(v, l, "'%s' is not an IPv4 prefix (a.b.c.d/len, len 0..32)", s);
	return 0;
}

static int
get_ipport(struct vctx *v, const json_t *j, const struct loc *l, bool unicast, uint32_t *ip,
	   uint16_t *port)
{
	const char *s = NULL;
	int rc = cfgv_get_str(v, j, l, 64, &s);

	if (rc < 0)
		return rc;
	if (addr_parse_ipport(s, ip, port) < 0)
		return cfgv_verr(v, l, "'%s' is not an address with a port (a.b.c.d:port)", s);
	if (unicast && !ip_is_unicast(*ip))
		return cfgv_verr(v, l, "'%s' is not a unicast address", s);
	return 0;
}

/*
 * Duplicate detection by sorting, so that a service with CFG_MAX_BACKENDS backends costs
 * n log n rather than n^2 comparisons.
 */
struct dup_key {
	uint64_t key;
	unsigned idx;
};

static int
dup_cmp(const void *a, const void *b)
{
	const struct dup_key *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Find the first element, in document order, whose key appeared before it.
 * @return true with *dup (its index) and *first (the earlier one); k is reordered.
 */
static bool
find_dup(struct dup_key *k, size_t n, unsigned *dup, unsigned *first)
{
	bool found = false;
	size_t i;

	qsort(k, n, sizeof(*k), dup_cmp);
	for (i = 1; i < n; i++) {
		/* Within a run of equal keys the second is the first repeat of that key. */
		if (k[i].key != k[i - 1].key || (i >= 2 && k[i - 2].key == k[i].key))
			continue;
		if (!found || k[i].idx < *dup) {
			*dup = k[i].idx;
			*first = k[i - 1].idx;
			found = true;
		}
	}
	return found;
}

static int
parse_backend(struct vctx *v, const json_t *o, const struct loc *ol, struct cfg_backend *b)
{
	const json_t *j;
	struct loc l;
	uint64_t u = 0;
	int rc;

	b->weight = 1;
	rc = cfgv_get_object(v, o, ol, backend_keys);
	if (rc < 0)
		return rc;
	j = cfgv_required(v, o, ol, "address", &l);
	if (j == NULL)
		return -EINVAL;
	rc = get_ipport(v, j, &l, true, &b->addr, &b->port);
	if (rc < 0)
		return rc;
	j = cfgv_member(o, ol, "weight", &l);
	if (j != NULL) {
		rc = cfgv_get_uint(v, j, &l, 0, 65535, &u);
		if (rc < 0)
			return rc;
		b->weight = (uint32_t)u;
	}
	j = cfgv_member(o, ol, "max_conns", &l);
	if (j != NULL) {
		rc = cfgv_get_uint(v, j, &l, 0, UINT32_MAX, &u);
		if (rc < 0)
			return rc;
		b->max_conns = (uint32_t)u;
	}
	j = cfgv_member(o, ol, "inhibited", &l);
	if (j != NULL) {
		if (!json_is_boolean(j))
			return cfgv_want(v, j, &l, JSON_TRUE);
		b->inhibited = json_is_true(j);
	}
	j = cfgv_member(o, ol, "health_check", &l);
	if (j != NULL)
		return cfg_hc_parse(v, j, &l, &b->hc);
	return 0;
}

static bool
is_prime(uint64_t n)
{
	uint64_t d;

	if (n < 2 || n % 2 == 0)
		return n == 2;
	for (d = 3; d * d <= n; d += 2)
		if (n % d == 0)
			return false;
	return true;
}

static int
parse_maglev(struct vctx *v, const json_t *o, const struct loc *ol, struct cfg_service *s)
{
	const json_t *j;
	struct loc l;
	uint64_t u;
	int rc;

	rc = cfgv_get_object(v, o, ol, maglev_keys);
	if (rc < 0)
		return rc;
	j = cfgv_member(o, ol, "table_size", &l);
	if (j != NULL) {
		rc = cfgv_get_uint(v, j, &l, CFG_MAGLEV_SIZE_MIN, CFG_MAGLEV_SIZE_MAX, &u);
		if (rc < 0)
			return rc;
		if (!is_prime(u))
			return cfgv_verr(v, &l, "%" PRIu64 " is not a prime (Maglev's table size must be "
				    "one; e.g. 65537, 655373)", u);
		s->maglev_size = (uint32_t)u;
	}
	j = cfgv_member(o, ol, "hash", &l);
	if (j != NULL)
		return cfgv_get_name(v, j, &l, "hash", hash_tab, CFG_HASH_MAX, &s->hash);
	return 0;
}

static int
parse_backends(struct vctx *v, const json_t *arr, const struct loc *al, struct cfg_service *s)
{
	struct dup_key *keys = NULL;
	unsigned dup = 0, first = 0;
	size_t n, i;
	int rc;

	rc = get_list(v, arr, al, CFG_MAX_BACKENDS, "backends");
	if (rc < 0)
		return rc;
	n = json_array_size(arr);
	if (n == 0)
		return 0;
	s->backends = calloc(n, sizeof(*s->backends));
	keys = calloc(n, sizeof(*keys));
	if (s->backends == NULL || keys == NULL) {
		rc = cfgv_verr_nomem(v, al);
		goto fail;
	}
	s->n_backends = (unsigned)n;
	for (i = 0; i < n; i++) {
		struct cfg_backend *b = &s->backends[i];
		struct loc l;

		cfgv_loc_elem(&l, al, arr, i);
		rc = parse_backend(v, json_array_get(arr, i), &l, b);
		if (rc < 0)
			goto fail;
		if (b->hc.set) {
			struct loc hl;

			cfgv_member(json_array_get(arr, i), &l, "health_check", &hl);
			rc = cfg_hc_check_effective(v, &hl, &s->hc, &b->hc);
			if (rc < 0)
				goto fail;
		}
		keys[i].key = (uint64_t)b->addr << 16 | b->port;
		keys[i].idx = (unsigned)i;
	}
	if (find_dup(keys, n, &dup, &first)) {
		char buf[ADDR_STR_MAX];
		struct loc l, bl;

		cfgv_loc_elem(&bl, al, arr, dup);
		cfgv_loc_member(&l, &bl, json_array_get(arr, dup), "address");
		rc = cfgv_verr(v, &l, "duplicate backend %s (also backends[%u])",
			  addr_fmt_ipport(buf, s->backends[dup].addr, s->backends[dup].port),
			  first);
		goto fail;
	}
	free(keys);
	return 0;
fail:
	/* s->backends stays with s: the caller's cleanup frees it with the service. */
	free(keys);
	return rc;
}

/* The body of cfg_service_from_json, with lines when the service came from a file. */
static int
parse_service(struct vctx *v, const json_t *o, const struct loc *ol, struct cfg_service *s)
{
	const json_t *j;
	struct loc l;
	const char *str = NULL;
	int rc;

	memset(s, 0, sizeof(*s));
	s->mode = CFG_MODE_FULLNAT;
	s->sched = CFG_SCHED_WRR;
	s->persistence_netmask = 32;
	s->maglev_size = CFG_MAGLEV_SIZE_DEFAULT;
	cfg_hc_defaults(&s->hc);
	rc = cfgv_get_object(v, o, ol, service_keys);
	if (rc < 0)
		return rc;
	j = cfgv_required(v, o, ol, "vip", &l);
	if (j == NULL)
		return -EINVAL;
	rc = cfgv_get_str(v, j, &l, 64, &str);
	if (rc < 0)
		return rc;
	if (addr_parse_service(str, &s->vip, &s->port, &s->proto) < 0)
		return cfgv_verr(v, &l, "'%s' is not a service address (a.b.c.d:port/tcp or /udp)",
			    str);
	if (!ip_is_unicast(s->vip))
		return cfgv_verr(v, &l, "'%s' is not a unicast address", str);
	j = cfgv_member(o, ol, "mode", &l);
	if (j != NULL) {
		rc = cfgv_get_name(v, j, &l, "mode", mode_tab, CFG_MODE_MAX, &s->mode);
		if (rc < 0)
			return rc;
	}
	j = cfgv_member(o, ol, "scheduler", &l);
	if (j != NULL) {
		rc = cfgv_get_name(v, j, &l, "scheduler", sched_tab, CFG_SCHED_MAX, &s->sched);
		if (rc < 0)
			return rc;
	}
	j = cfgv_member(o, ol, "persistence", &l);
	if (j != NULL) {
		rc = cfgv_get_duration(v, j, &l, 0, &s->persistence);
		if (rc < 0)
			return rc;
	}
	j = cfgv_member(o, ol, "persistence_netmask", &l);
	if (j != NULL) {
		uint64_t u;

		rc = cfgv_get_uint(v, j, &l, 0, 32, &u);
		if (rc < 0)
			return rc;
		s->persistence_netmask = (uint8_t)u;
	}
	j = cfgv_member(o, ol, "maglev", &l);
	if (j != NULL) {
		rc = parse_maglev(v, j, &l, s);
		if (rc < 0)
			return rc;
	}
	j = cfgv_member(o, ol, "announce", &l);
	if (j != NULL) {
		rc = cfgv_get_name(v, j, &l, "announce", announce_tab, CFG_ANNOUNCE_MAX,
				   &s->announce);
		if (rc < 0)
			return rc;
	}
	j = cfgv_member(o, ol, "health_check", &l);
	if (j != NULL) {
		rc = cfg_hc_parse(v, j, &l, &s->hc);
		if (rc < 0)
			return rc;
		rc = cfg_hc_check_effective(v, &l, &s->hc, &(struct cfg_hc){ 0 });
		if (rc < 0)
			return rc;
	}
	j = cfgv_member(o, ol, "backends", &l);
	if (j != NULL)
		return parse_backends(v, j, &l, s);
	return 0;
}

/*
 * What a service needs of this node: a VIP that is none of its own addresses, and LIPs
 * for FULLNAT (replies come back to them). The dataplane is parsed before the services.
 */
static int
check_service_local(struct vctx *v, const json_t *o, const struct loc *ol, const struct cfg *c,
		    const struct cfg_service *s)
{
	char buf[ADDR_STR_MAX];
	struct loc l;
	unsigned i;

	for (i = 0; i < c->n_ports; i++)
		if (c->ports[i].addr == s->vip) {
			cfgv_loc_member(&l, ol, o, "vip");
			return cfgv_verr(v, &l, "%s is the address of port '%s'; a VIP must be an "
				    "address of its own", addr_fmt_ip(buf, s->vip), c->ports[i].name);
		}
	for (i = 0; i < c->n_laddrs; i++)
		if (c->laddrs[i] == s->vip) {
			cfgv_loc_member(&l, ol, o, "vip");
			return cfgv_verr(v, &l, "%s is a local address (LIP); a VIP must be an address "
				    "of its own", addr_fmt_ip(buf, s->vip));
		}
	if (s->mode == CFG_MODE_FULLNAT && c->n_laddrs == 0) {
		if (cfgv_member(o, ol, "mode", &l) == NULL)
			l = *ol;
		return cfgv_verr(v, &l, "fullnat needs dataplane.local_addresses (the LIPs that "
			    "backends answer to)");
	}
	return 0;
}

static int
parse_services(struct vctx *v, const json_t *arr, const struct loc *al, struct cfg *c)
{
	struct dup_key *keys = NULL;
	unsigned dup = 0, first = 0;
	size_t n, i;
	int rc;

	rc = get_list(v, arr, al, CFG_MAX_SERVICES, "services");
	if (rc < 0)
		return rc;
	n = json_array_size(arr);
	if (n == 0)
		return 0;
	c->services = calloc(n, sizeof(*c->services));
	keys = calloc(n, sizeof(*keys));
	if (c->services == NULL || keys == NULL) {
		rc = cfgv_verr_nomem(v, al);
		goto fail;
	}
	c->n_services = (unsigned)n;
	for (i = 0; i < n; i++) {
		struct cfg_service *s = &c->services[i];
		struct loc l;

		cfgv_loc_elem(&l, al, arr, i);
		rc = parse_service(v, json_array_get(arr, i), &l, s);
		if (rc < 0)
			goto fail;
		rc = check_service_local(v, json_array_get(arr, i), &l, c, s);
		if (rc < 0)
			goto fail;
		keys[i].key = (uint64_t)s->vip << 24 | (uint64_t)s->port << 8 | s->proto;
		keys[i].idx = (unsigned)i;
	}
	if (find_dup(keys, n, &dup, &first)) {
		char buf[ADDR_STR_MAX];
		const struct cfg_service *s = &c->services[dup];
		struct loc l, sl;

		cfgv_loc_elem(&sl, al, arr, dup);
		cfgv_loc_member(&l, &sl, json_array_get(arr, dup), "vip");
		rc = cfgv_verr(v, &l, "duplicate service %s (also services[%u])",
			  addr_fmt_service(buf, s->vip, s->port, s->proto), first);
		goto fail;
	}
	free(keys);
	return 0;
fail:
	free(keys); /* the services go with the cfg */
	return rc;
}

static bool
name_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

static int
parse_port(struct vctx *v, const json_t *o, const struct loc *ol, struct cfg_port *p)
{
	char buf[ADDR_STR_MAX];
	const json_t *j;
	const char *s = NULL;
	uint32_t mask;
	struct loc l;
	int rc;

	rc = cfgv_get_object(v, o, ol, port_keys);
	if (rc < 0)
		return rc;
	j = cfgv_required(v, o, ol, "name", &l);
	if (j == NULL)
		return -EINVAL;
	rc = cfgv_get_str(v, j, &l, CFG_NAME_MAX - 1, &s);
	if (rc < 0)
		return rc;
	/* Names end up in metric labels and CLI tables: keep them plain. */
	if (!name_ok(s))
		return cfgv_verr(v, &l, "'%s': a name may only contain letters, digits, '-', '_' "
			    "and '.'", s);
	snprintf(p->name, sizeof(p->name), "%s", s);
	j = cfgv_required(v, o, ol, "device", &l);
	if (j == NULL)
		return -EINVAL;
	rc = cfgv_get_str(v, j, &l, CFG_DEVICE_MAX - 1, &s);
	if (rc < 0)
		return rc;
	snprintf(p->device, sizeof(p->device), "%s", s);
	j = cfgv_required(v, o, ol, "address", &l);
	if (j == NULL)
		return -EINVAL;
	rc = get_prefix(v, j, &l, &p->addr, &p->prefix_len);
	if (rc < 0)
		return rc;
	s = json_string_value(j);
	if (p->prefix_len == 0)
		return cfgv_verr(v, &l, "'%s': the prefix length gives the port's subnet and must "
			    "be 1..32", s);
	if (!ip_is_unicast(p->addr))
		return cfgv_verr(v, &l, "'%s' is not a unicast address", s);
	/* Writing the subnet ("10.0.1.0/24") instead of the port's own address is common. */
	mask = addr_prefix_mask(p->prefix_len);
	if (p->prefix_len <= 30 && ((p->addr & ~mask) == 0 || (p->addr | mask) == 0xffffffffu))
		return cfgv_verr(v, &l, "'%s' is the subnet's network or broadcast address; give "
			    "the port's own address (e.g. %s/%u)", s,
			    addr_fmt_ip(buf, (p->addr & mask) | htonl(1)), p->prefix_len);
	return 0;
}

static int
parse_ports(struct vctx *v, const json_t *dp, const struct loc *dl, struct cfg *c)
{
	const json_t *arr;
	struct loc al;
	size_t n, i, k;
	int rc;

	arr = cfgv_required(v, dp, dl, "ports", &al);
	if (arr == NULL)
		return -EINVAL;
	rc = get_list(v, arr, &al, CFG_MAX_PORTS, "ports");
	if (rc < 0)
		return rc;
	n = json_array_size(arr);
	if (n == 0)
		return cfgv_verr(v, &al, "at least one port is required");
	for (i = 0; i < n; i++) {
		struct cfg_port *p = &c->ports[i];
		const json_t *o = json_array_get(arr, i);
		struct loc l, fl;

		cfgv_loc_elem(&l, &al, arr, i);
		rc = parse_port(v, o, &l, p);
		if (rc < 0)
			return rc;
		c->n_ports = (unsigned)(i + 1);
		for (k = 0; k < i; k++) {
			if (strcmp(c->ports[k].name, p->name) == 0) {
				cfgv_loc_member(&fl, &l, o, "name");
				return cfgv_verr(v, &fl, "duplicate port name '%s' (also ports[%zu])",
					    p->name, k);
			}
			if (strcmp(c->ports[k].device, p->device) == 0) {
				cfgv_loc_member(&fl, &l, o, "device");
				return cfgv_verr(v, &fl, "device '%s' is already used by ports[%zu]",
					    p->device, k);
			}
		}
	}
	return 0;
}

/* The next hop must be a neighbour: inside a port's subnet, and not the port itself. */
static int
check_via(struct vctx *v, const struct loc *l, const struct cfg *c, uint32_t via,
	  const char *what)
{
	char buf[ADDR_STR_MAX], list[160];
	size_t off = 0;
	unsigned i;

	for (i = 0; i < c->n_ports; i++) {
		const struct cfg_port *p = &c->ports[i];
		uint32_t mask = addr_prefix_mask(p->prefix_len);

		if (via == p->addr)
			return cfgv_verr(v, l, "%s is the address of port '%s' itself",
				    addr_fmt_ip(buf, via), p->name);
		if ((via & mask) == (p->addr & mask))
			return 0;
	}
	list[0] = '\0';
	for (i = 0; i < c->n_ports && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s/%u", off ? ", " : "",
					addr_fmt_ip(buf, c->ports[i].addr &
						    addr_prefix_mask(c->ports[i].prefix_len)),
					c->ports[i].prefix_len);
	return cfgv_verr(v, l, "%s %s is not inside any port's subnet (%s)", what,
		    addr_fmt_ip(buf, via), list);
}

static int
parse_routes(struct vctx *v, const json_t *arr, const struct loc *al, struct cfg *c)
{
	char buf[ADDR_STR_MAX];
	size_t n, i, k;
	int rc;

	rc = get_list(v, arr, al, ROUTES_MAX, "routes");
	if (rc < 0)
		return rc;
	n = json_array_size(arr);
	if (n == 0)
		return 0;
	c->routes = calloc(n, sizeof(*c->routes));
	if (c->routes == NULL)
		return cfgv_verr_nomem(v, al);
	c->n_routes = (unsigned)n;
	for (i = 0; i < n; i++) {
		struct cfg_route *r = &c->routes[i];
		const json_t *o = json_array_get(arr, i), *j;
		struct loc ol, l;

		cfgv_loc_elem(&ol, al, arr, i);
		rc = cfgv_get_object(v, o, &ol, route_keys);
		if (rc < 0)
			return rc;
		j = cfgv_required(v, o, &ol, "to", &l);
		if (j == NULL)
			return -EINVAL;
		rc = get_prefix(v, j, &l, &r->prefix, &r->depth);
		if (rc < 0)
			return rc;
		if (r->prefix & ~addr_prefix_mask(r->depth))
			return cfgv_verr(v, &l, "'%s' has host bits set (did you mean %s/%u?)",
				    json_string_value(j),
				    addr_fmt_ip(buf, r->prefix & addr_prefix_mask(r->depth)),
				    r->depth);
		for (k = 0; k < i; k++)
			if (c->routes[k].prefix == r->prefix && c->routes[k].depth == r->depth)
				return cfgv_verr(v, &l, "duplicate route to %s (also routes[%zu])",
					    json_string_value(j), k);
		j = cfgv_required(v, o, &ol, "via", &l);
		if (j == NULL)
			return -EINVAL;
		rc = get_ip(v, j, &l, &r->via);
		if (rc < 0)
			return rc;
		rc = check_via(v, &l, c, r->via, "next hop");
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * A list of distinct addresses (local_addresses, peers): what names one in messages
 * ("local address"), key the list's key; neighbours: each must be on a port's subnet.
 */
static int
parse_addr_list(struct vctx *v, const json_t *arr, const struct loc *al, const struct cfg *c,
		const char *what, const char *key, bool neighbours, size_t max, uint32_t *out,
		unsigned *n_out)
{
	char many[48];
	size_t n, i, k;
	int rc;

	snprintf(many, sizeof(many), "%ses", what);
	rc = get_list(v, arr, al, max, many);
	if (rc < 0)
		return rc;
	n = json_array_size(arr);
	for (i = 0; i < n; i++) {
		const json_t *j = json_array_get(arr, i);
		struct loc l;

		cfgv_loc_elem(&l, al, arr, i);
		rc = get_ip(v, j, &l, &out[i]);
		if (rc == 0 && neighbours)
			rc = check_via(v, &l, c, out[i], what);
		if (rc < 0)
			return rc;
		for (k = 0; k < i; k++)
			if (out[k] == out[i])
				return cfgv_verr(v, &l, "duplicate %s %s (also %s[%zu])", what,
						 json_string_value(j), key, k);
		*n_out = (unsigned)(i + 1);
	}
	return 0;
}

static int
parse_timeouts(struct vctx *v, const json_t *o, const struct loc *ol, struct cfg_timeouts *t)
{
	size_t i;
	int rc;

	rc = cfgv_get_object(v, o, ol, timeout_keys);
	if (rc < 0)
		return rc;
	for (i = 0; i < N_TIMEOUTS; i++) {
		const json_t *j;
		struct loc l;

		j = cfgv_member(o, ol, timeout_keys[i], &l);
		if (j == NULL)
			continue;
		rc = cfgv_get_duration(v, j, &l, 1, (uint32_t *)((char *)t + timeout_off[i]));
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
parse_dataplane(struct vctx *v, const json_t *dp, const struct loc *dl, struct cfg *c)
{
	const json_t *j;
	struct loc l;
	uint64_t u = 0;
	uint8_t mem = 0;
	int rc;

	rc = cfgv_get_object(v, dp, dl, dataplane_keys);
	if (rc < 0)
		return rc;
	j = cfgv_member(dp, dl, "workers", &l);
	if (j != NULL) {
		rc = cfgv_get_uint(v, j, &l, 1, CFG_MAX_WORKERS, &u);
		if (rc < 0)
			return rc;
		c->workers = (unsigned)u;
	}
	j = cfgv_member(dp, dl, "memory", &l);
	if (j != NULL) {
		rc = cfgv_get_name(v, j, &l, "memory", memory_tab, N_MEMORY, &mem);
		if (rc < 0)
			return rc;
		c->memory = (enum cfg_memory)mem;
	}
	j = cfgv_member(dp, dl, "conn_table_size", &l);
	if (j != NULL) {
		rc = cfgv_get_uint(v, j, &l, CONN_TABLE_MIN, CONN_TABLE_MAX, &u);
		if (rc < 0)
			return rc;
		c->conn_table_size = (uint32_t)u;
	}
	rc = parse_ports(v, dp, dl, c);
	if (rc < 0)
		return rc;
	/* Routes come after ports whatever the key order: a next hop is checked against them. */
	j = cfgv_member(dp, dl, "routes", &l);
	if (j != NULL) {
		rc = parse_routes(v, j, &l, c);
		if (rc < 0)
			return rc;
	}
	j = cfgv_member(dp, dl, "local_addresses", &l);
	if (j != NULL) {
		rc = parse_addr_list(v, j, &l, c, "local address", "local_addresses", false,
				     CFG_MAX_LADDRS, c->laddrs, &c->n_laddrs);
		if (rc < 0)
			return rc;
	}
	j = cfgv_member(dp, dl, "peers", &l);
	if (j != NULL) {
		rc = parse_addr_list(v, j, &l, c, "peer", "peers", true, CFG_MAX_PEERS, c->peers,
				     &c->n_peers);
		if (rc < 0)
			return rc;
	}
	j = cfgv_member(dp, dl, "timeouts", &l);
	if (j != NULL)
		return parse_timeouts(v, j, &l, &c->timeouts);
	return 0;
}

static int
parse_control(struct vctx *v, const json_t *o, const struct loc *ol, struct cfg *c)
{
	const json_t *j;
	const char *s = NULL;
	struct loc l;
	uint32_t ip = 0;
	uint16_t port = 0;
	int rc;

	rc = cfgv_get_object(v, o, ol, control_keys);
	if (rc < 0)
		return rc;
	j = cfgv_member(o, ol, "socket", &l);
	if (j != NULL) {
		rc = cfgv_get_str(v, j, &l, CFG_PATH_MAX - 1, &s);
		if (rc < 0)
			return rc;
		snprintf(c->socket, sizeof(c->socket), "%s", s);
	}
	/* listen may be 0.0.0.0 (every address), so it is not held to unicast. */
	j = cfgv_member(o, ol, "listen", &l);
	if (j != NULL) {
		rc = get_ipport(v, j, &l, false, &ip, &port);
		if (rc < 0)
			return rc;
		addr_fmt_ipport(c->listen, ip, port);
	}
	/* false turns the announcement off; a name must be a valid Linux interface name. */
	j = cfgv_member(o, ol, "announce_interface", &l);
	c->announce_if_given = j != NULL;
	if (j != NULL && json_is_false(j)) {
		c->announce_if[0] = '\0';
	} else if (j != NULL) {
		rc = cfgv_get_str(v, j, &l, sizeof(c->announce_if) - 1, &s);
		if (rc < 0)
			return rc;
		if (!name_ok(s) || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
			return cfgv_verr(v, &l, "'%s' is no interface name (letters, digits, "
					 "'-', '_', '.'; at most 15) or false", s);
		snprintf(c->announce_if, sizeof(c->announce_if), "%s", s);
	}
	return 0;
}

static int
parse_doc(struct vctx *v, const json_t *doc, struct cfg *c)
{
	struct loc root;
	const json_t *j;
	struct loc l;
	int rc;

	loc_top(&root, doc, "");
	rc = cfgv_get_object(v, doc, &root, top_keys);
	if (rc < 0)
		return rc;
	j = cfgv_required(v, doc, &root, "dataplane", &l);
	if (j == NULL)
		return -EINVAL;
	rc = parse_dataplane(v, j, &l, c);
	if (rc < 0)
		return rc;
	j = cfgv_member(doc, &root, "control", &l);
	if (j != NULL) {
		rc = parse_control(v, j, &l, c);
		if (rc < 0)
			return rc;
	}
	j = cfgv_member(doc, &root, "services", &l);
	if (j != NULL)
		return parse_services(v, j, &l, c);
	return 0;
}

/* Validate doc into c; on error c is freed and cleared. */
static int
from_json(const struct yj_lines *lines, const json_t *doc, struct cfg *c, struct cfg_error *err)
{
	struct cfg_error dummy;
	struct vctx v = { lines, err ? err : &dummy };
	struct loc root;
	int rc;

	memset(v.err, 0, sizeof(*v.err));
	loc_top(&root, doc, "");
	cfg_defaults(c);
	if (doc == NULL)
		rc = cfgv_verr(&v, &root, "no document");
	else
		rc = parse_doc(&v, doc, c);
	if (rc < 0)
		cfg_free(c);
	return rc;
}

int
cfg_from_json(const json_t *doc, struct cfg *c, struct cfg_error *err)
{
	return from_json(NULL, doc, c, err);
}

int
cfg_service_from_json(const json_t *obj, const char *field, struct cfg_service *s,
		      struct cfg_error *err)
{
	struct cfg_error dummy;
	struct vctx v = { NULL, err ? err : &dummy };
	struct loc l;
	int rc;

	memset(v.err, 0, sizeof(*v.err));
	loc_top(&l, obj, field);
	memset(s, 0, sizeof(*s));
	if (obj == NULL)
		return cfgv_verr(&v, &l, "no service object");
	rc = parse_service(&v, obj, &l, s);
	if (rc < 0)
		cfg_service_free(s);
	return rc;
}

int
cfg_backend_from_json(const json_t *obj, const char *field, struct cfg_backend *b,
		      struct cfg_error *err)
{
	struct cfg_error dummy;
	struct vctx v = { NULL, err ? err : &dummy };
	struct loc l;
	int rc;

	memset(v.err, 0, sizeof(*v.err));
	loc_top(&l, obj, field);
	memset(b, 0, sizeof(*b));
	if (obj == NULL)
		return cfgv_verr(&v, &l, "no backend object");
	rc = parse_backend(&v, obj, &l, b);
	if (rc < 0)
		memset(b, 0, sizeof(*b));
	return rc;
}

static int
load_text(const char *text, size_t len, const char *name, struct cfg *c, struct cfg_error *err)
{
	struct cfg_error dummy;
	struct yj_lines *lines = NULL;
	struct yj_error ye;
	json_t *doc;
	int rc;

	if (err == NULL)
		err = &dummy;
	memset(c, 0, sizeof(*c));
	doc = yj_load(text, len, &lines, &ye);
	if (doc == NULL) {
		rc = errno == ENOMEM ? -ENOMEM : -EINVAL;
		memset(err, 0, sizeof(*err));
		err->line = ye.line;
		snprintf(err->field, sizeof(err->field), "%s", ye.field);
		snprintf(err->msg, sizeof(err->msg), "%s", ye.msg);
		goto fail;
	}
	rc = from_json(lines, doc, c, err);
	json_decref(doc);
	yj_lines_free(lines);
	if (rc < 0)
		goto fail;
	return 0;
fail:
	snprintf(err->file, sizeof(err->file), "%s", name ? name : "");
	return rc;
}

int
cfg_load_string(const char *text, const char *name, struct cfg *c, struct cfg_error *err)
{
	if (text == NULL) {
		memset(c, 0, sizeof(*c));
		if (err != NULL) {
			memset(err, 0, sizeof(*err));
			snprintf(err->msg, sizeof(err->msg), "no text");
		}
		return -EINVAL;
	}
	return load_text(text, strlen(text), name, c, err);
}

int
cfg_load_file(const char *path, struct cfg *c, struct cfg_error *err)
{
	struct cfg_error dummy;
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0, got;
	FILE *f;
	int rc;

	if (err == NULL)
		err = &dummy;
	memset(c, 0, sizeof(*c));
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	f = fopen(path, "r");
	if (f == NULL) {
		rc = -errno;
		snprintf(err->msg, sizeof(err->msg), "cannot open: %s", strerror(errno));
		return rc;
	}
	/* Read in growing chunks: the file may be a pipe or /dev/stdin, with no size. */
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16384;
			if (cap > FILE_MAX + 1)
				cap = FILE_MAX + 1;
			if (len == cap) {
				rc = -EFBIG;
				snprintf(err->msg, sizeof(err->msg), "larger than %u MiB",
					 FILE_MAX >> 20);
				goto fail;
			}
			nb = realloc(buf, cap);
			if (nb == NULL) {
				rc = -ENOMEM;
				snprintf(err->msg, sizeof(err->msg), "out of memory");
				goto fail;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		rc = -EIO;
		snprintf(err->msg, sizeof(err->msg), "cannot read: %s", strerror(EIO));
		goto fail;
	}
	fclose(f);
	rc = load_text(buf, len, path, c, err);
	free(buf);
	return rc;
fail:
	fclose(f);
	free(buf);
	return rc;
}

/* Append to buf like snprintf, keeping the would-be length in *off as snprintf does. */
static void
fmt_append(char *buf, size_t len, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
fmt_append(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*off < len ? buf + *off : NULL, *off < len ? len - *off : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off += (size_t)n;
}

int
cfg_error_fmt(const struct cfg_error *e, char *buf, size_t len)
{
	size_t off = 0;
	const char *sep = "";

	if (len > 0)
		buf[0] = '\0';
	if (e->file[0] != '\0') {
		fmt_append(buf, len, &off, "%s", e->file);
		if (e->line > 0)
			fmt_append(buf, len, &off, ":%d", e->line);
		sep = ": ";
	} else if (e->line > 0) {
		fmt_append(buf, len, &off, "line %d", e->line);
		sep = ": ";
	}
	if (e->field[0] != '\0') {
		fmt_append(buf, len, &off, "%s%s", sep, e->field);
		sep = ": ";
	}
	if (e->msg[0] != '\0')
		fmt_append(buf, len, &off, "%s%s", sep, e->msg);
	return (int)off;
}

void
cfg_defaults(struct cfg *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->workers = DEFAULT_WORKERS;
	c->memory = CFG_MEM_AUTO;
	c->conn_table_size = DEFAULT_CONN_TABLE;
	for (i = 0; i < N_TIMEOUTS; i++)
		*(uint32_t *)((char *)&c->timeouts + timeout_off[i]) = timeout_def[i];
	snprintf(c->socket, sizeof(c->socket), "%s", DEFAULT_SOCKET);
	snprintf(c->announce_if, sizeof(c->announce_if), "%s", DEFAULT_ANNOUNCE_IF);
}

/*
 * Building JSON: jansson's *_set_new and *_append_new take ownership even when they fail
 * and refuse a NULL value, so a whole tree can be built and checked once at the end.
 */
static int
put(json_t *obj, const char *key, json_t *val)
{
	return json_object_set_new(obj, key, val) < 0 ? -1 : 0;
}

static int
push(json_t *arr, json_t *val)
{
	return json_array_append_new(arr, val) < 0 ? -1 : 0;
}

json_t *
cfg_service_to_json(const struct cfg_service *s)
{
	char buf[ADDR_STR_MAX];
	json_t *o = json_object(), *arr = json_array();
	int bad = 0;
	unsigned i;

	bad |= put(o, "vip", json_string(addr_fmt_service(buf, s->vip, s->port, s->proto)));
	bad |= put(o, "mode", json_string(cfg_mode_name(s->mode)));
	bad |= put(o, "scheduler", json_string(cfg_sched_name(s->sched)));
	bad |= put(o, "persistence", json_integer(s->persistence));
	bad |= put(o, "persistence_netmask", json_integer(s->persistence_netmask));
	bad |= put(o, "maglev", json_pack("{s:I,s:s}", "table_size", (json_int_t)s->maglev_size,
					  "hash", cfg_hash_name(s->hash)));
	bad |= put(o, "announce", json_string(cfg_announce_name(s->announce)));
	if (s->hc.type != CFG_HC_NONE || s->hc.set)
		bad |= put(o, "health_check", cfg_hc_to_json(&s->hc, true));
	for (i = 0; i < s->n_backends && arr != NULL; i++) {
		const struct cfg_backend *b = &s->backends[i];
		json_t *bo = json_object();

		bad |= put(bo, "address", json_string(addr_fmt_ipport(buf, b->addr, b->port)));
		bad |= put(bo, "weight", json_integer(b->weight));
		bad |= put(bo, "max_conns", json_integer(b->max_conns));
		bad |= put(bo, "inhibited", json_boolean(b->inhibited));
		if (b->hc.set)
			bad |= put(bo, "health_check", cfg_hc_to_json(&b->hc, false));
		bad |= push(arr, bo);
	}
	bad |= put(o, "backends", arr);
	if (bad) {
		json_decref(o);
		errno = ENOMEM;
		return NULL;
	}
	return o;
}

json_t *
cfg_to_json(const struct cfg *c)
{
	char buf[ADDR_STR_MAX], pfx[ADDR_STR_MAX + 4];
	json_t *doc = json_object(), *dp = json_object(), *ctl = json_object();
	json_t *ports = json_array(), *routes = json_array(), *laddrs = json_array();
	json_t *peers = json_array();
	json_t *tmo = json_object(), *svcs = json_array();
	int bad = 0;
	unsigned i;

	bad |= put(dp, "workers", json_integer(c->workers));
	bad |= put(dp, "memory", json_string(memory_name(c->memory)));
	bad |= put(dp, "conn_table_size", json_integer(c->conn_table_size));
	for (i = 0; i < c->n_ports && ports != NULL; i++) {
		const struct cfg_port *p = &c->ports[i];
		json_t *po = json_object();

		snprintf(pfx, sizeof(pfx), "%s/%u", addr_fmt_ip(buf, p->addr), p->prefix_len);
		bad |= put(po, "name", json_string(p->name));
		bad |= put(po, "device", json_string(p->device));
		bad |= put(po, "address", json_string(pfx));
		bad |= push(ports, po);
	}
	bad |= put(dp, "ports", ports);
	for (i = 0; i < c->n_routes && routes != NULL; i++) {
		const struct cfg_route *r = &c->routes[i];
		json_t *ro = json_object();

		snprintf(pfx, sizeof(pfx), "%s/%u", addr_fmt_ip(buf, r->prefix), r->depth);
		bad |= put(ro, "to", json_string(pfx));
		bad |= put(ro, "via", json_string(addr_fmt_ip(buf, r->via)));
		bad |= push(routes, ro);
	}
	bad |= put(dp, "routes", routes);
	for (i = 0; i < c->n_laddrs && laddrs != NULL; i++)
		bad |= push(laddrs, json_string(addr_fmt_ip(buf, c->laddrs[i])));
	bad |= put(dp, "local_addresses", laddrs);
	for (i = 0; i < c->n_peers && peers != NULL; i++)
		bad |= push(peers, json_string(addr_fmt_ip(buf, c->peers[i])));
	bad |= put(dp, "peers", peers);
	for (i = 0; i < N_TIMEOUTS; i++)
		bad |= put(tmo, timeout_keys[i], json_integer(
			*(const uint32_t *)((const char *)&c->timeouts + timeout_off[i])));
	bad |= put(dp, "timeouts", tmo);
	bad |= put(doc, "dataplane", dp);
	bad |= put(ctl, "socket", json_string(c->socket));
	if (c->listen[0] != '\0')
		bad |= put(ctl, "listen", json_string(c->listen));
	bad |= put(ctl, "announce_interface", c->announce_if[0] ? json_string(c->announce_if)
							       : json_false());
	bad |= put(doc, "control", ctl);
	for (i = 0; i < c->n_services && svcs != NULL; i++)
		bad |= push(svcs, cfg_service_to_json(&c->services[i]));
	bad |= put(doc, "services", svcs);
	if (bad) {
		json_decref(doc);
		errno = ENOMEM;
		return NULL;
	}
	return doc;
}

int
cfg_service_copy(struct cfg_service *dst, const struct cfg_service *src)
{
	struct cfg_backend *b = NULL;

	if (src->n_backends > 0) {
		b = malloc(src->n_backends * sizeof(*b));
		if (b == NULL) {
			memset(dst, 0, sizeof(*dst));
			return -ENOMEM;
		}
		memcpy(b, src->backends, src->n_backends * sizeof(*b));
	}
	*dst = *src;
	dst->backends = b;
	return 0;
}

void
cfg_service_free(struct cfg_service *s)
{
	if (s == NULL)
		return;
	free(s->backends);
	memset(s, 0, sizeof(*s));
}

void
cfg_free(struct cfg *c)
{
	unsigned i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n_services; i++)
		cfg_service_free(&c->services[i]);
	free(c->services);
	free(c->routes);
	memset(c, 0, sizeof(*c));
}

const char *
cfg_announce_name(uint8_t a)
{
	return a < CFG_ANNOUNCE_MAX ? announce_tab[a].name : "?";
}

const char *
cfg_mode_name(uint8_t mode)
{
	return mode < CFG_MODE_MAX ? mode_tab[mode].name : "?";
}

const char *
cfg_sched_name(uint8_t sched)
{
	return sched < CFG_SCHED_MAX ? sched_tab[sched].name : "?";
}

const char *
cfg_hash_name(uint8_t hash)
{
	return hash < CFG_HASH_MAX ? hash_tab[hash].name : "?";
}
