/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration model: a jansson tree (from YAML or JSON) validated into struct cfg,
 * and struct cfg turned back into the same document. This file holds the document and its
 * dataplane and control parts; ports are in config_port.c, services in config_service.c,
 * health checks in config_hc.c, the getters every part uses in config_get.c.
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
#include <sys/stat.h>

#include "common/addr.h"
#include "config/config.h"
#include "config/config_int.h"
#include "config/yaml_json.h"

#define ROUTES_MAX 1024       /* bounds malloc and the O(n^2) duplicate check */
#define FILE_MAX (16u << 20)  /* a config file larger than this is a mistake */
#define DEFAULT_WORKERS 1
#define DEFAULT_CONN_TABLE 1048576
#define DEFAULT_ANNOUNCE_IF "sl-vip"



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
					      "routes", "local_addresses", "peers", "timeouts",
					      "defense", "capture", NULL };
static const char *const route_keys[] = { "to", "via", NULL };
static const char *const control_keys[] = { "socket", "listen", "token_file", "public",
					     "announce_interface", NULL };

/* The next hop must be a neighbour: inside a port's subnet of its family, not the port. */
static int
check_via(struct vctx *v, const struct loc *l, const struct cfg *c, const union addr46 *via,
	  const char *what)
{
	const struct cfg_port *p = cfg_port_of46(c, via);
	char buf[ADDR46_STR_MAX], net[ADDR46_STR_MAX + 4], list[256];
	size_t off = 0;
	unsigned i;

	/* The ports' subnets do not overlap (config_check.c): one port can hold via. */
	if (p != NULL && cfg_port_has_addr(p, via))
		return cfgv_verr(v, l, "%s is the address of port '%s' itself",
				 addr_fmt_ip46(buf, via), p->name);
	if (p != NULL)
		return 0;
	list[0] = '\0';
	for (i = 0; i < c->n_ports && off < sizeof(list); i++) {
		const struct cfg_port *q = &c->ports[i];

		if (!addr46_is_v4(via) && !q->has_addr6)
			continue;
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", off ? ", " : "",
					cfg_port_subnet(q, via, net));
	}
	return cfgv_verr(v, l, "%s %s is not inside any port's %s subnet (%s)", what,
			 addr_fmt_ip46(buf, via), addr46_is_v4(via) ? "IPv4" : "IPv6",
			 off ? list : "none");
}

static int
parse_routes(struct vctx *v, const json_t *arr, const struct loc *al, struct cfg *c)
{
	size_t n, i, k;
	int rc;

	rc = cfgv_get_list(v, arr, al, ROUTES_MAX, "routes");
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
		rc = cfgv_get_prefix46(v, j, &l, &r->prefix, &r->depth);
		if (rc < 0)
			return rc;
		for (k = 0; k < i; k++)
			if (addr46_eq(&c->routes[k].prefix, &r->prefix) &&
			    c->routes[k].depth == r->depth)
				return cfgv_verr(v, &l, "duplicate route to %s (also routes[%zu])",
					    json_string_value(j), k);
		j = cfgv_required(v, o, &ol, "via", &l);
		if (j == NULL)
			return -EINVAL;
		rc = cfgv_get_ip46(v, j, &l, &r->via);
		if (rc < 0)
			return rc;
		if (addr46_is_v4(&r->via) != addr46_is_v4(&r->prefix))
			return cfgv_verr(v, &l, "an IPv%c next hop for an IPv%c prefix",
					 addr46_is_v4(&r->via) ? '4' : '6',
					 addr46_is_v4(&r->prefix) ? '4' : '6');
		rc = check_via(v, &l, c, &r->via, "next hop");
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * A list of distinct addresses of either family (local_addresses, peers): what names one
 * in messages ("local address"), key the list's key; neighbours: each must be on a port's
 * subnet.
 */
static int
parse_addr_list(struct vctx *v, const json_t *arr, const struct loc *al, const struct cfg *c,
		const char *what, const char *key, bool neighbours, size_t max,
		union addr46 *out, unsigned *n_out)
{
	char many[48];
	size_t n, i, k;
	int rc;

	snprintf(many, sizeof(many), "%ses", what);
	rc = cfgv_get_list(v, arr, al, max, many);
	if (rc < 0)
		return rc;
	n = json_array_size(arr);
	for (i = 0; i < n; i++) {
		const json_t *j = json_array_get(arr, i);
		struct loc l;

		cfgv_loc_elem(&l, al, arr, i);
		rc = cfgv_get_ip46(v, j, &l, &out[i]);
		if (rc == 0 && neighbours)
			rc = check_via(v, &l, c, &out[i], what);
		if (rc < 0)
			return rc;
		for (k = 0; k < i; k++)
			if (addr46_eq(&out[k], &out[i]))
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
		rc = cfgv_get_uint(v, j, &l, 1, SL_MAX_WORKERS, &u);
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
	/* dpdk-dumpcap attaches as a DPDK secondary process: only with hugepages. */
	j = cfgv_member(dp, dl, "capture", &l);
	if (j != NULL) {
		if (!json_is_boolean(j))
			return cfgv_verr(v, &l, "expected true or false");
		c->capture = json_is_true(j);
		if (c->capture && c->memory == CFG_MEM_NO_HUGEPAGES)
			return cfgv_verr(v, &l, "dpdk-dumpcap needs hugepages (DPDK takes secondary "
					 "processes only with them): set memory: hugepages or auto");
	}
	j = cfgv_member(dp, dl, "conn_table_size", &l);
	if (j != NULL) {
		rc = cfgv_get_uint(v, j, &l, SL_CONN_TABLE_MIN, SL_CONN_TABLE_MAX, &u);
		if (rc < 0)
			return rc;
		c->conn_table_size = (uint32_t)u;
	}
	rc = cfg_parse_ports(v, dp, dl, c);
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
				     SL_MAX_LADDRS, c->laddrs, &c->n_laddrs);
		if (rc < 0)
			return rc;
	}
	j = cfgv_member(dp, dl, "peers", &l);
	if (j != NULL) {
		rc = parse_addr_list(v, j, &l, c, "peer", "peers", true, SL_MAX_PEERS, c->peers,
				     &c->n_peers);
		if (rc < 0)
			return rc;
	}
	j = cfgv_member(dp, dl, "defense", &l);
	if (j != NULL) {
		rc = cfg_defense_parse(v, j, &l, NULL, &c->defense);
		if (rc < 0)
			return rc;
	}
	j = cfgv_member(dp, dl, "timeouts", &l);
	if (j != NULL)
		return parse_timeouts(v, j, &l, &c->timeouts);
	return 0;
}

/* control.public: a list of what the TCP listener serves without the token. */
static int
parse_public(struct vctx *v, const json_t *j, const struct loc *jl, struct cfg *c)
{
	size_t i;
	int rc;

	rc = cfgv_get_list(v, j, jl, 2, "control.public entries");
	if (rc < 0)
		return rc;
	for (i = 0; i < json_array_size(j); i++) {
		const char *s = NULL;
		struct loc l;

		cfgv_loc_elem(&l, jl, j, i);
		rc = cfgv_get_str(v, json_array_get(j, i), &l, 32, &s);
		if (rc < 0)
			return rc;
		if (strcmp(s, "metrics") == 0)
			c->public_metrics = 1;
		else if (strcmp(s, "page") == 0)
			c->public_page = 1;
		else
			return cfgv_verr(v, &l, "'%s' is not metrics or page", s);
	}
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
		rc = cfgv_get_ipport(v, j, &l, false, &ip, &port);
		if (rc < 0)
			return rc;
		addr_fmt_ipport(c->listen, ip, port);
	}
	/*
	 * The TCP listener answers only requests that carry the bearer token read from
	 * token_file (read by sluiced, which refuses to start without it: the config alone
	 * cannot tell whether the file is there); `public` opens /metrics or the page to all.
	 */
	j = cfgv_member(o, ol, "token_file", &l);
	if (j != NULL) {
		rc = cfgv_get_str(v, j, &l, CFG_PATH_MAX - 1, &s);
		if (rc < 0)
			return rc;
		if (s[0] != '/')
			return cfgv_verr(v, &l, "'%s' is no absolute path", s);
		snprintf(c->token_file, sizeof(c->token_file), "%s", s);
	}
	j = cfgv_member(o, ol, "public", &l);
	if (j != NULL) {
		rc = parse_public(v, j, &l, c);
		if (rc < 0)
			return rc;
	}
	if (c->listen[0] != '\0' && c->token_file[0] == '\0') {
		cfgv_member(o, ol, "listen", &l);
		return cfgv_verr(v, &l, "a TCP listener needs control.token_file: every request "
				 "over TCP must carry its bearer token");
	}
	if (c->listen[0] == '\0' && (c->token_file[0] != '\0' || c->public_metrics ||
				      c->public_page)) {
		cfgv_member(o, ol, c->token_file[0] ? "token_file" : "public", &l);
		return cfgv_verr(v, &l, "only the TCP listener takes a token: set control.listen, "
				 "or leave this out (the unix socket is guarded by its mode, 0660)");
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
		if (!cfgv_name_ok(s) || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
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

	cfgv_loc_top(&root, doc, "");
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
		return cfg_parse_services(v, j, &l, c);
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
	cfgv_loc_top(&root, doc, "");
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
cfg_read_file(const char *path, char **text, size_t *len_out, struct cfg_error *err)
{
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0, got;
	struct stat st;
	FILE *f;
	int rc;

	*text = NULL;
	*len_out = 0;
	snprintf(err->file, sizeof(err->file), "%s", path);
	f = fopen(path, "r");
	if (f == NULL) {
		rc = -errno;
		snprintf(err->msg, sizeof(err->msg), "cannot open: %s", strerror(errno));
		return rc;
	}
	/* fopen takes a directory; reading it would say "Is a directory" as EIO's words. */
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		snprintf(err->msg, sizeof(err->msg), "is a directory, not a configuration file");
		return -EISDIR;
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
	buf[len] = '\0'; /* the loop ends on a read of 0 bytes, so len < cap */
	*text = buf;
	*len_out = len;
	return 0;
fail:
	fclose(f);
	free(buf);
	return rc;
}

int
cfg_load_file(const char *path, struct cfg *c, struct cfg_error *err)
{
	struct cfg_error dummy;
	size_t len;
	char *buf;
	int rc;

	if (err == NULL)
		err = &dummy;
	memset(c, 0, sizeof(*c));
	memset(err, 0, sizeof(*err));
	rc = cfg_read_file(path, &buf, &len, err);
	if (rc < 0)
		return rc;
	rc = load_text(buf, len, path, c, err);
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
	snprintf(c->socket, sizeof(c->socket), "%s", CFG_DEFAULT_SOCKET);
	snprintf(c->announce_if, sizeof(c->announce_if), "%s", DEFAULT_ANNOUNCE_IF);
}

json_t *
cfg_to_json(const struct cfg *c)
{
	char buf[ADDR_STR_MAX], buf6[ADDR46_STR_MAX], pfx[ADDR46_STR_MAX + 4];
	json_t *doc = json_object(), *dp = json_object(), *ctl = json_object();
	json_t *ports = json_array(), *routes = json_array(), *laddrs = json_array();
	json_t *peers = json_array();
	json_t *tmo = json_object(), *svcs = json_array();
	int bad = 0;
	unsigned i;

	bad |= cfgv_put(dp, "workers", json_integer(c->workers));
	bad |= cfgv_put(dp, "memory", json_string(memory_name(c->memory)));
	bad |= cfgv_put(dp, "conn_table_size", json_integer(c->conn_table_size));
	if (c->capture)
		bad |= cfgv_put(dp, "capture", json_true());
	for (i = 0; i < c->n_ports && ports != NULL; i++) {
		const struct cfg_port *p = &c->ports[i];
		json_t *po = json_object();

		snprintf(pfx, sizeof(pfx), "%s/%u", addr_fmt_ip(buf, p->addr), p->prefix_len);
		bad |= cfgv_put(po, "name", json_string(p->name));
		bad |= cfgv_put(po, "device", json_string(p->device));
		if (p->has_addr6) {
			char b6[ADDR46_STR_MAX], p6[ADDR46_STR_MAX + 4];

			snprintf(p6, sizeof(p6), "%s/%u", addr_fmt_ip46(b6, &p->addr6),
				 p->prefix6_len);
			bad |= cfgv_put(po, "address", json_pack("[s,s]", pfx, p6));
		} else {
			bad |= cfgv_put(po, "address", json_string(pfx));
		}
		bad |= cfgv_push(ports, po);
	}
	bad |= cfgv_put(dp, "ports", ports);
	for (i = 0; i < c->n_routes && routes != NULL; i++) {
		const struct cfg_route *r = &c->routes[i];
		json_t *ro = json_object();

		snprintf(pfx, sizeof(pfx), "%s/%u", addr_fmt_ip46(buf6, &r->prefix), r->depth);
		bad |= cfgv_put(ro, "to", json_string(pfx));
		bad |= cfgv_put(ro, "via", json_string(addr_fmt_ip46(buf6, &r->via)));
		bad |= cfgv_push(routes, ro);
	}
	bad |= cfgv_put(dp, "routes", routes);
	for (i = 0; i < c->n_laddrs && laddrs != NULL; i++)
		bad |= cfgv_push(laddrs, json_string(addr_fmt_ip46(buf6, &c->laddrs[i])));
	bad |= cfgv_put(dp, "local_addresses", laddrs);
	for (i = 0; i < c->n_peers && peers != NULL; i++)
		bad |= cfgv_push(peers, json_string(addr_fmt_ip46(buf6, &c->peers[i])));
	bad |= cfgv_put(dp, "peers", peers);
	for (i = 0; i < N_TIMEOUTS; i++)
		bad |= cfgv_put(tmo, timeout_keys[i], json_integer(
			*(const uint32_t *)((const char *)&c->timeouts + timeout_off[i])));
	bad |= cfgv_put(dp, "timeouts", tmo);
	if (c->defense.set)
		bad |= cfgv_put(dp, "defense", cfg_defense_to_json(&c->defense));
	bad |= cfgv_put(doc, "dataplane", dp);
	bad |= cfgv_put(ctl, "socket", json_string(c->socket));
	if (c->listen[0] != '\0')
		bad |= cfgv_put(ctl, "listen", json_string(c->listen));
	if (c->token_file[0] != '\0')
		bad |= cfgv_put(ctl, "token_file", json_string(c->token_file));
	if (c->public_metrics || c->public_page) {
		json_t *pub = json_array();

		if (c->public_metrics)
			bad |= cfgv_push(pub, json_string("metrics"));
		if (c->public_page)
			bad |= cfgv_push(pub, json_string("page"));
		bad |= cfgv_put(ctl, "public", pub);
	}
	bad |= cfgv_put(ctl, "announce_interface", c->announce_if[0] ? json_string(c->announce_if)
							       : json_false());
	bad |= cfgv_put(doc, "control", ctl);
	for (i = 0; i < c->n_services && svcs != NULL; i++)
		bad |= cfgv_push(svcs, cfg_service_to_json(&c->services[i]));
	bad |= cfgv_put(doc, "services", svcs);
	if (bad) {
		json_decref(doc);
		errno = ENOMEM;
		return NULL;
	}
	return doc;
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
	cfg_defense_free(&c->defense);
	memset(c, 0, sizeof(*c));
}

