/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/table.h"

/* ---------------------------------------------------------------------------------------- */
/* Reading the JSON leniently: a missing or mistyped member is 0 or "-". */

static unsigned long long
num(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	if (json_is_integer(v))
		return json_integer_value(v) < 0 ? 0 : (unsigned long long)json_integer_value(v);
	if (json_is_real(v))
		return json_real_value(v) < 0 ? 0 : (unsigned long long)json_real_value(v);
	return 0;
}

static const char *
str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL && s[0] != '\0' ? s : "-";
}

/* ---------------------------------------------------------------------------------------- */
/* ipvsadm -Ln */

/* ipvsadm's names for the forwarding methods; FullNat is DPVS's. */
static const char *
forward_name(const char *mode)
{
	if (strcmp(mode, "fullnat") == 0)
		return "FullNat";
	if (strcmp(mode, "dr") == 0)
		return "Route";
	if (strcmp(mode, "tun") == 0)
		return "Tunnel";
	if (strcmp(mode, "nat") == 0)
		return "Masq";
	return mode;
}

/* "10.0.0.10:80/tcp" -> "TCP  10.0.0.10:80", ipvsadm's service column. */
static void
service_name(char *buf, size_t len, const char *vip)
{
	const char *slash = strrchr(vip, '/');
	char proto[8] = "?";
	size_t i;

	if (slash == NULL) {
		snprintf(buf, len, "%-3s  %s", proto, vip);
		return;
	}
	for (i = 0; slash[1 + i] != '\0' && i + 1 < sizeof(proto); i++)
		proto[i] = (char)toupper((unsigned char)slash[1 + i]);
	proto[i] = '\0';
	snprintf(buf, len, "%-3s  %.*s", proto, (int)(slash - vip), vip);
}

/* ipvsadm's print_largenum: 9 columns, large values scaled unless exact. */
static void
print_largenum(FILE *f, unsigned long long v, bool exact)
{
	if (exact || v < 100000000ULL)
		fprintf(f, " %8llu", v);
	else if (v < 1000000000ULL)
		fprintf(f, " %7lluK", v / 1000ULL);
	else if (v < 100000000000ULL)
		fprintf(f, " %7lluM", v / 1000000ULL);
	else if (v < 100000000000000ULL)
		fprintf(f, " %7lluG", v / 1000000000ULL);
	else
		fprintf(f, " %7lluT", v / 1000000000000ULL);
}

static void
print_counters(FILE *f, const json_t *obj, enum table_view view, bool exact)
{
	static const char *const stats[] = { "conns", "in_packets", "out_packets", "in_bytes",
					     "out_bytes" };
	static const char *const rate[] = { "cps", "in_pps", "out_pps", "in_bps", "out_bps" };
	const char *const *keys = view == TABLE_RATE ? rate : stats;
	const json_t *o = json_object_get(obj, view == TABLE_RATE ? "rate" : "stats");
	size_t i;

	for (i = 0; i < 5; i++)
		print_largenum(f, num(o, keys[i]), exact);
	fputc('\n', f);
}

/*
 * The columns' widths: ipvsadm's, which fit IPv4, or the longest address and port of the
 * list (IPv6): `name` the service column of the counter views, `be` the backends'.
 */
struct widths {
	int name, be;
};

static void
print_title(FILE *f, enum table_view view, const struct widths *w)
{
	if (view == TABLE_CONNS) {
		fprintf(f, "Prot LocalAddress:Port Scheduler Flags\n"
			   "  -> %-*s Forward Weight ActiveConn InActConn State     Health check\n",
			w->be, "RemoteAddress:Port");
	} else if (view == TABLE_STATS) {
		fprintf(f, "%-*s%9s%9s%9s%9s%9s\n  -> RemoteAddress:Port\n", w->name,
			"Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts", "InBytes",
			"OutBytes");
	} else {
		fprintf(f, "%-*s%9s%9s%9s%9s%9s\n  -> RemoteAddress:Port\n", w->name,
			"Prot LocalAddress:Port", "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS");
	}
}

/* "http up for 1h02m: status 200", or "-" without a check. */
static void
print_health(FILE *f, const json_t *h)
{
	unsigned long long s = num(h, "seconds_in_state");

	if (!json_is_object(h)) {
		fputs("-", f);
		return;
	}
	fprintf(f, "%s %s", str(h, "check"), str(h, "state"));
	if (json_is_string(json_object_get(h, "last_change"))) {
		if (s >= 3600)
			fprintf(f, " for %lluh%02llum", s / 3600, s / 60 % 60);
		else if (s >= 60)
			fprintf(f, " for %llum%02llus", s / 60, s % 60);
		else
			fprintf(f, " for %llus", s);
	}
	if (json_string_length(json_object_get(h, "last_result")) > 0)
		fprintf(f, ": %s", str(h, "last_result"));
}

/* The defenses in force on a service and its client address, as flags after its scheduler:
 * " syn_rate 100/s client_address proxy-v2". */
static void
print_defense_flags(FILE *f, const json_t *svc)
{
	const json_t *d = json_object_get(svc, "defense_in_force");

	if (json_is_true(json_object_get(d, "synproxy")))
		fputs(" synproxy", f);
	if (num(d, "syn_rate") > 0)
		fprintf(f, " syn_rate %llu/s", num(d, "syn_rate"));
	if (num(d, "source_rate") > 0)
		fprintf(f, " source_rate %llu/s", num(d, "source_rate"));
	if (num(d, "allow") > 0)
		fprintf(f, " allow %llu", num(d, "allow"));
	if (num(d, "deny") > 0)
		fprintf(f, " deny %llu", num(d, "deny"));
	if (json_is_string(json_object_get(svc, "client_address")) &&
	    strcmp(str(svc, "client_address"), "none") != 0)
		fprintf(f, " client_address %s", str(svc, "client_address"));
}

/* What a service's defenses dropped (--stats), a line of its own when they dropped any. */
static void
print_defense_drops(FILE *f, const json_t *svc)
{
	static const char *const keys[] = { "acl", "syn_rate", "source_rate", "out_of_window" };
	const json_t *d = json_object_get(svc, "defense_dropped");
	unsigned long long total = 0;
	size_t i;

	for (i = 0; i < 4; i++)
		total += num(d, keys[i]);
	if (total == 0)
		return;
	fputs("  dropped:", f);
	for (i = 0; i < 4; i++)
		fprintf(f, " %s %llu", keys[i], num(d, keys[i]));
	fputc('\n', f);
}

/* The SYN proxy's counters (--stats), a line of their own when it is on or has counted. */
static void
print_synproxy(FILE *f, const json_t *svc)
{
	const json_t *sp = json_object_get(svc, "synproxy");

	if (!json_is_true(json_object_get(json_object_get(svc, "defense_in_force"), "synproxy")) &&
	    num(sp, "syn_answered") + num(sp, "opened") + num(sp, "bad_cookie") == 0)
		return;
	fprintf(f, "  synproxy: syn_answered %llu opened %llu bad_cookie %llu backend_silent %llu\n",
		num(sp, "syn_answered"), num(sp, "opened"), num(sp, "bad_cookie"),
		num(sp, "backend_silent"));
}

/* The client address's counters (--stats), a line of their own when it is on or has counted. */
static void
print_client_address(FILE *f, const json_t *svc)
{
	const json_t *ca = json_object_get(svc, "client_address_counts");

	if (ca == NULL || (strcmp(str(svc, "client_address"), "none") == 0 &&
			   num(ca, "proxy_headers") + num(ca, "toa_added") + num(ca, "toa_skipped") == 0))
		return;
	fprintf(f, "  client_address %s: proxy_headers %llu proxy_split %llu toa_added %llu "
		"toa_skipped %llu\n", str(svc, "client_address"), num(ca, "proxy_headers"),
		num(ca, "proxy_split"), num(ca, "toa_added"), num(ca, "toa_skipped"));
}

static void
print_service(FILE *f, const json_t *svc, enum table_view view, bool exact,
	      const struct widths *w)
{
	const char *fwd = forward_name(str(svc, "mode"));
	const json_t *b;
	char name[64];
	size_t i;

	service_name(name, sizeof(name), str(svc, "vip"));
	if (view == TABLE_CONNS) {
		fprintf(f, "%s %s", name, str(svc, "scheduler"));
		if (num(svc, "persistence") > 0)
			fprintf(f, " persistent %llu", num(svc, "persistence"));
		if (strcmp(str(svc, "announce"), "never") != 0)
			fputs(json_is_true(json_object_get(svc, "announced")) ? " announced"
									       : " withdrawn", f);
		print_defense_flags(f, svc);
		fputc('\n', f);
	} else {
		fprintf(f, "%-*s", w->name, name);
		print_counters(f, svc, view, exact);
		if (view == TABLE_STATS) {
			print_defense_drops(f, svc);
			print_synproxy(f, svc);
			print_client_address(f, svc);
		}
	}
	json_array_foreach(json_object_get(svc, "backends"), i, b) {
		const json_t *st = json_object_get(b, "stats");

		if (view != TABLE_CONNS) {
			fprintf(f, "  -> %-*s", w->name - 5, str(b, "address"));
			print_counters(f, b, view, exact);
			continue;
		}
		fprintf(f, "  -> %-*s %-7s %-6llu %-10llu %-9llu %-9s ", w->be, str(b, "address"),
			fwd, num(b, "weight"), num(st, "active_conns"), num(st, "inactive_conns"),
			str(b, "state"));
		print_health(f, json_object_get(b, "health"));
		fputc('\n', f);
	}
}

void
table_services(FILE *f, const json_t *services, enum table_view view, bool exact)
{
	struct widths w = { 33, 28 };
	const json_t *svc, *b;
	size_t i, k;
	char name[64];

	json_array_foreach(services, i, svc) {
		service_name(name, sizeof(name), str(svc, "vip"));
		if ((int)strlen(name) + 1 > w.name)
			w.name = (int)strlen(name) + 1;
		json_array_foreach(json_object_get(svc, "backends"), k, b) {
			int n = (int)strlen(str(b, "address"));

			if (n > w.be)
				w.be = n;
			if (n + 6 > w.name)
				w.name = n + 6;
		}
	}
	print_title(f, view, &w);
	json_array_foreach(services, i, svc)
		print_service(f, svc, view, exact, &w);
}

/* ---------------------------------------------------------------------------------------- */
/* ipvsadm -Lnc */

/* The conn's local address, "-" for a conn without one (only FULLNAT conns have one). */
static const char *
conn_local(const json_t *c)
{
	const char *local = str(c, "local");

	if (strncmp(local, "0.0.0.0:", 8) == 0 || strncmp(local, "[::]:", 5) == 0)
		return "-";
	return local;
}

void
table_conns(FILE *f, const json_t *conns)
{
	/* ipvsadm's widths fit IPv4; a column widens to its longest IPv6 address and port. */
	int w[3] = { 21, 21, 21 }; /* source, virtual, local; the destination ends the line */
	const json_t *c;
	size_t i;
	unsigned k;

	json_array_foreach(conns, i, c) {
		const char *v[3] = { str(c, "client"), str(c, "vip"), conn_local(c) };

		for (k = 0; k < 3; k++)
			if ((int)strlen(v[k]) > w[k])
				w[k] = (int)strlen(v[k]);
	}
	fprintf(f, "%-3s %-6s %-11s %-*s %-*s %-*s %s\n", "pro", "expire", "state", w[0],
		"source", w[1], "virtual", w[2], "local", "destination");
	json_array_foreach(conns, i, c) {
		unsigned long long exp = num(c, "expires_in");
		char proto[8];

		snprintf(proto, sizeof(proto), "%s", str(c, "proto"));
		for (k = 0; proto[k] != '\0'; k++)
			proto[k] = (char)toupper((unsigned char)proto[k]);
		fprintf(f, "%-3s %02llu:%02llu  %-11s %-*s %-*s %-*s %s\n", proto, exp / 60,
			exp % 60, str(c, "state"), w[0], str(c, "client"), w[1], str(c, "vip"), w[2],
			conn_local(c), str(c, "backend"));
	}
}

/* ---------------------------------------------------------------------------------------- */
/* stats: small aligned tables */

#define GRID_COLS 8
#define GRID_CELL 48

/*
 * A grid of cells printed with each column as wide as its widest cell; `align` has one
 * letter per column, 'l' or 'r'. Rows are few (workers, ports), so it is a fixed array.
 */
struct grid {
	const char *align;
	unsigned ncols;
	unsigned nrows;
	unsigned cap;
	char (*cells)[GRID_COLS][GRID_CELL];
};

static void
grid_row(struct grid *g, ...)
{
	va_list ap;
	unsigned c;

	if (g->nrows == g->cap) {
		unsigned cap = g->cap ? 2 * g->cap : 8;
		void *p = realloc(g->cells, cap * sizeof(*g->cells));

		if (p == NULL)
			return; /* the row is lost; the CLI is about to exit anyway */
		g->cells = p;
		g->cap = cap;
	}
	va_start(ap, g);
	for (c = 0; c < g->ncols; c++)
		snprintf(g->cells[g->nrows][c], GRID_CELL, "%s", va_arg(ap, const char *));
	va_end(ap);
	g->nrows++;
}

static void
grid_print(FILE *f, struct grid *g, const char *indent)
{
	size_t w[GRID_COLS] = { 0 };
	unsigned r, c;

	for (r = 0; r < g->nrows; r++)
		for (c = 0; c < g->ncols; c++)
			if (strlen(g->cells[r][c]) > w[c])
				w[c] = strlen(g->cells[r][c]);
	for (r = 0; r < g->nrows; r++) {
		fputs(indent, f);
		for (c = 0; c < g->ncols; c++) {
			int width = c + 1 == g->ncols && g->align[c] == 'l' ? 0 : (int)w[c];

			fprintf(f, g->align[c] == 'r' ? "%*s" : "%-*s", width, g->cells[r][c]);
			fputs(c + 1 == g->ncols ? "\n" : "  ", f);
		}
	}
	free(g->cells);
	g->cells = NULL;
	g->nrows = g->cap = 0;
}

static char *
u64(char *buf, unsigned long long v)
{
	snprintf(buf, GRID_CELL, "%llu", v);
	return buf;
}

static void
print_uptime(FILE *f, unsigned long long s)
{
	fprintf(f, "uptime:  ");
	if (s >= 86400)
		fprintf(f, "%llud ", s / 86400);
	fprintf(f, "%02llu:%02llu:%02llu\n", s / 3600 % 24, s / 60 % 60, s % 60);
}

static void
print_workers(FILE *f, const json_t *workers)
{
	struct grid g = { .align = "rrrrrrrr", .ncols = 8 };
	char a[8][GRID_CELL];
	const json_t *w;
	size_t i;

	/* Handoffs: FULLNAT replies that arrived on another worker's queue and were passed on. */
	grid_row(&g, "Worker", "Lcore", "Busy", "CPU", "RxPackets", "TxPackets", "Handoffs",
		 "Conns");
	json_array_foreach(workers, i, w) {
		const json_t *busy = json_object_get(w, "busy_percent");
		const json_t *cpu = json_object_get(w, "cpu_percent");

		snprintf(a[2], GRID_CELL, "%.1f%%", json_is_number(busy) ? json_number_value(busy) : 0);
		snprintf(a[3], GRID_CELL, "%.1f%%", json_is_number(cpu) ? json_number_value(cpu) : 0);
		grid_row(&g, u64(a[0], num(w, "id")), u64(a[1], num(w, "lcore")), a[2], a[3],
			 u64(a[4], num(w, "rx_packets")), u64(a[5], num(w, "tx_packets")),
			 u64(a[6], num(w, "handoffs")), u64(a[7], num(w, "conns")));
	}
	grid_print(f, &g, "");
}

/* How FULLNAT replies reach their conn's worker, per port; nothing with one worker. */
static void
print_steering(FILE *f, const json_t *ports)
{
	struct grid g = { .align = "llrl", .ncols = 4 };
	char n[GRID_CELL];
	const json_t *p, *s;
	size_t i;
	bool any = false;

	grid_row(&g, "Port", "Steering", "Rules", "Why");
	json_array_foreach(ports, i, p) {
		s = json_object_get(p, "steering");
		if (s == NULL || strcmp(str(s, "mode"), "none") == 0)
			continue;
		any = true;
		grid_row(&g, str(p, "name"), str(s, "mode"), u64(n, num(s, "rules")),
			 strcmp(str(s, "mode"), "software") == 0 ? str(s, "reason") : "");
	}
	if (!any) {
		free(g.cells);
		return;
	}
	fprintf(f, "\nReply steering (FULLNAT replies to their conn's worker)\n");
	grid_print(f, &g, "");
}

static void
print_ports(FILE *f, const json_t *ports)
{
	struct grid g = { .align = "lrrrrrrl", .ncols = 8 };
	struct grid lg = { .align = "lrrrrrrr", .ncols = 8 };
	char a[7][GRID_CELL];
	const json_t *p;
	size_t i;
	bool lost = false;

	grid_row(&g, "Port", "RxPackets", "RxBytes", "RxDropped", "TxPackets", "TxBytes",
		 "TxDropped", "Device");
	/* Where RxDropped and TxDropped come from: the PMD's own counters, the kernel ring
	 * (af_packet) or XSK ring (af_xdp) that filled before the PMD read it, the full batch. */
	grid_row(&lg, "Port", "RxMissed", "RxErrors", "RxNoMbuf", "KernelRing", "XskFillEmpty",
		 "TxErrors", "TxFull");
	json_array_foreach(ports, i, p) {
		const json_t *k = json_object_get(p, "kernel");

		grid_row(&g, str(p, "name"), u64(a[0], num(p, "rx_packets")),
			 u64(a[1], num(p, "rx_bytes")), u64(a[2], num(p, "rx_dropped")),
			 u64(a[3], num(p, "tx_packets")), u64(a[4], num(p, "tx_bytes")),
			 u64(a[5], num(p, "tx_dropped")), str(p, "device"));
		lost |= num(p, "rx_dropped") + num(p, "tx_dropped") > 0;
		grid_row(&lg, str(p, "name"), u64(a[0], num(p, "rx_missed")),
			 u64(a[1], num(p, "rx_errors")), u64(a[2], num(p, "rx_nombuf")),
			 u64(a[3], num(k, "ring_drops") + num(k, "xsk_rx_ring_full")),
			 u64(a[4], num(k, "xsk_fill_ring_empty")), u64(a[5], num(p, "tx_errors")),
			 u64(a[6], num(p, "tx_full")));
	}
	grid_print(f, &g, "");
	if (lost) {
		fprintf(f, "\nPort losses\n");
		grid_print(f, &lg, "");
	} else {
		free(lg.cells);
	}
	print_steering(f, ports);
}

static void
print_drops(FILE *f, const json_t *drops, bool all)
{
	struct grid g = { .align = "lr", .ncols = 2 };
	char a[GRID_CELL];
	const char *reason;
	json_t *v;
	unsigned shown = 0;

	fprintf(f, "Drops by reason%s\n", all ? "" : " (non-zero; --all lists every reason)");
	json_object_foreach((json_t *)drops, reason, v) {
		unsigned long long n = json_is_integer(v) && json_integer_value(v) > 0
				       ? (unsigned long long)json_integer_value(v) : 0;

		if (n == 0 && !all)
			continue;
		grid_row(&g, reason, u64(a, n));
		shown++;
	}
	if (shown == 0)
		fprintf(f, "  none\n");
	grid_print(f, &g, "  ");
}

void
table_stats(FILE *f, const json_t *stats, bool all)
{
	const json_t *conns = json_object_get(stats, "conns");

	print_uptime(f, num(stats, "uptime"));
	fprintf(f, "conns:   %llu current, %llu created, %llu capacity\n\n", num(conns, "current"),
		num(conns, "created"), num(conns, "capacity"));
	print_workers(f, json_object_get(stats, "workers"));
	fputc('\n', f);
	print_ports(f, json_object_get(stats, "ports"));
	fputc('\n', f);
	print_drops(f, json_object_get(stats, "drops"), all);
}

/* ---------------------------------------------------------------------------------------- */
/* defense */

#define LIST_SHOWN 8 /* prefixes of a list printed; --json has them all */

static void
print_prefixes(FILE *f, const char *name, const json_t *l)
{
	size_t i, n = json_array_size(l);

	fprintf(f, "%-12s", name);
	if (n == 0)
		fputs("-", f);
	for (i = 0; i < n && i < LIST_SHOWN; i++)
		fprintf(f, "%s%s", i ? ", " : "", json_string_value(json_array_get(l, i)));
	if (n > LIST_SHOWN)
		fprintf(f, " and %zu more", n - LIST_SHOWN);
	fputc('\n', f);
}

void
table_defense(FILE *f, const json_t *d)
{
	const json_t *drop = json_object_get(d, "dropped");

	fprintf(f, "%-12s%s\n", "synproxy",
		json_is_true(json_object_get(d, "synproxy")) ? "on" : "off");
	if (num(d, "syn_rate") > 0)
		fprintf(f, "%-12s%llu/s a service\n", "syn_rate", num(d, "syn_rate"));
	else
		fprintf(f, "%-12s-\n", "syn_rate");
	if (num(d, "source_rate") > 0)
		fprintf(f, "%-12s%llu/s a client\n", "source_rate", num(d, "source_rate"));
	else
		fprintf(f, "%-12s-\n", "source_rate");
	print_prefixes(f, "allow", json_object_get(d, "allow"));
	print_prefixes(f, "deny", json_object_get(d, "deny"));
	fprintf(f, "%-12sacl %llu, syn_rate %llu, source_rate %llu, out_of_window %llu\n",
		"dropped", num(drop, "acl"), num(drop, "syn_rate"), num(drop, "source_rate"),
		num(drop, "out_of_window"));
	drop = json_object_get(d, "synproxy_counts");
	fprintf(f, "%-12ssyn_answered %llu, opened %llu, bad_cookie %llu, backend_silent %llu\n",
		"proxy", num(drop, "syn_answered"), num(drop, "opened"), num(drop, "bad_cookie"),
		num(drop, "backend_silent"));
}
