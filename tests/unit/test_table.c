/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sluicectl's tables (src/cli/table.c) with IPv6 addresses: the ipvsadm widths hold for
 * IPv4, and a column widens to the longest address of the list, so every row's columns
 * still start where the header's do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/table.h"

/* What f printed of fn's table, NUL-terminated; the caller frees it. */
static char *
printed(void (*fn)(FILE *, const json_t *), const json_t *j)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f, j);
	fclose(f);
	return buf;
}

/* The column of the n-th word of line (0: the first). */
static int
word_at(const char *line, unsigned n)
{
	const char *p = line;

	for (;;) {
		while (*p == ' ')
			p++;
		if (n-- == 0 || *p == '\0' || *p == '\n')
			return (int)(p - line);
		while (*p != ' ' && *p != '\0' && *p != '\n')
			p++;
	}
}

static json_t *
conn(const char *proto, const char *client, const char *vip, const char *local,
     const char *backend)
{
	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s}", "proto", proto, "expires_in", 65,
			 "state", "ESTABLISHED", "client", client, "vip", vip, "local", local,
			 "backend", backend);
}

static void
test_conns_widen_for_ipv6(void **state)
{
	json_t *conns = json_array();
	char *out, *line[4], *save = NULL;
	unsigned i, k;

	(void)state;
	json_array_append_new(conns, conn("tcp", "10.0.1.2:41000", "10.0.0.10:80",
					  "10.0.2.100:1024", "10.0.2.11:8080"));
	json_array_append_new(conns, conn("tcp", "[2001:db8:aaaa:bbbb:cccc:dddd:eeee:2]:41000",
					  "[2001:db8:100::10]:80", "[2001:db8:2::100]:1024",
					  "[2001:db8:2::11]:8080"));
	json_array_append_new(conns, conn("udp", "[2001:db8:1::2]:5353", "[2001:db8:100::10]:53",
					  "[::]:0", "[2001:db8:2::21]:53"));
	out = printed(table_conns, conns);
	line[0] = strtok_r(out, "\n", &save);
	for (i = 1; i < 4; i++)
		line[i] = strtok_r(NULL, "\n", &save);
	assert_non_null(line[3]);
	assert_non_null(strstr(line[2], "[2001:db8:aaaa:bbbb:cccc:dddd:eeee:2]:41000"));
	assert_int_equal(strncmp(line[3], "UDP ", 4), 0);
	/* a conn without a local address shows "-" */
	assert_int_equal(line[3][word_at(line[3], 5)], '-');
	/* every column of every row starts under its header's word */
	for (k = 3; k <= 6; k++)
		for (i = 1; i < 4; i++)
			assert_int_equal(word_at(line[i], k), word_at(line[0], k));
	free(out);
	json_decref(conns);
}

static void
print_services(FILE *f, const json_t *j)
{
	table_services(f, j, TABLE_CONNS, false);
}

static void
print_stats(FILE *f, const json_t *j)
{
	table_services(f, j, TABLE_STATS, true);
}

static void
test_services_widen_for_ipv6(void **state)
{
	json_t *svcs = json_pack(
		"[{s:s, s:s, s:s, s:[{s:s, s:i, s:s}, {s:s, s:i, s:s}]}]", "vip",
		"[2001:db8:100::10]:80/tcp", "mode", "fullnat", "scheduler", "rr", "backends",
		"address", "[2001:db8:2:aaaa:bbbb:cccc:dddd:11]:8080", "weight", 1, "state",
		"up", "address", "[2001:db8:2::12]:8080", "weight", 1, "state", "up");
	char *out, *save = NULL, *title, *b1, *b2;

	(void)state;
	out = printed(print_services, svcs);
	strtok_r(out, "\n", &save);
	title = strtok_r(NULL, "\n", &save);
	strtok_r(NULL, "\n", &save); /* the service */
	b1 = strtok_r(NULL, "\n", &save);
	b2 = strtok_r(NULL, "\n", &save);
	assert_non_null(b2);
	/* Forward, Weight, ActiveConn, InActConn, State under their headers */
	for (unsigned k = 2; k <= 6; k++) {
		assert_int_equal(word_at(b1, k), word_at(title, k));
		assert_int_equal(word_at(b2, k), word_at(title, k));
	}
	free(out);
	/* the counters view: each row's counters end where the header's do */
	out = printed(print_stats, svcs);
	save = NULL;
	title = strtok_r(out, "\n", &save);
	strtok_r(NULL, "\n", &save);
	{
		char *svc = strtok_r(NULL, "\n", &save);

		b1 = strtok_r(NULL, "\n", &save);
		assert_non_null(b1);
		assert_int_equal(strlen(svc), strlen(title));
		assert_int_equal(strlen(b1), strlen(title));
	}
	free(out);
	json_decref(svcs);
}

/* A service's client address: a flag in the list, its counters in the stats (none: neither). */
static void
test_client_address_shown(void **state)
{
	json_t *svcs = json_pack(
		"[{s:s, s:s, s:s, s:s, s:{s:i, s:i, s:i, s:i}, s:[]},"
		" {s:s, s:s, s:s, s:s, s:{s:i, s:i, s:i, s:i}, s:[]}]",
		"vip", "10.0.0.10:80/tcp", "mode", "fullnat", "scheduler", "rr", "client_address",
		"proxy-v2", "client_address_counts", "proxy_headers", 5, "proxy_split", 1,
		"toa_added", 0, "toa_skipped", 0, "backends",
		"vip", "10.0.0.10:81/tcp", "mode", "fullnat", "scheduler", "rr", "client_address",
		"none", "client_address_counts", "proxy_headers", 0, "proxy_split", 0, "toa_added", 0,
		"toa_skipped", 0, "backends");
	char *out;

	(void)state;
	out = printed(print_services, svcs);
	assert_non_null(strstr(out, ":80 rr withdrawn client_address proxy-v2\n"));
	assert_non_null(strstr(out, ":81 rr withdrawn\n"));
	free(out);
	out = printed(print_stats, svcs);
	assert_non_null(strstr(out, "  client_address proxy-v2: proxy_headers 5 proxy_split 1 "
				    "toa_added 0 toa_skipped 0\n"));
	assert_null(strstr(out, "client_address none"));
	free(out);
	json_decref(svcs);
}

static void
print_node_stats(FILE *f, const json_t *j)
{
	table_stats(f, j, false);
}

/* Each port's reply steering under the ports, with the device's refusal; nothing when no
 * port steers (one worker). */
static void
test_steering_shown(void **state)
{
	json_t *st = json_pack(
		"{s:[{s:s, s:s, s:{s:s, s:i, s:s}}, {s:s, s:s, s:{s:s, s:i, s:s}}]}", "ports",
		"name", "client", "device", "net_af_packet0,iface=c", "steering", "mode", "software",
		"rules", 0, "reason", "rte_flow_validate: Function not implemented",
		"name", "backend", "device", "0000:01:00.0", "steering", "mode", "rte_flow", "rules",
		8, "reason", "");
	json_t *one = json_pack("{s:[{s:s, s:s, s:{s:s, s:i, s:s}}]}", "ports", "name", "client",
				"device", "net_null0", "steering", "mode", "none", "rules", 0,
				"reason", "");
	char *out;

	(void)state;
	out = printed(print_node_stats, st);
	assert_non_null(strstr(out, "Reply steering"));
	assert_non_null(strstr(out, "client   software      0  rte_flow_validate: Function "
				    "not implemented\n"));
	assert_non_null(strstr(out, "backend  rte_flow      8"));
	free(out);
	out = printed(print_node_stats, one);
	assert_null(strstr(out, "Reply steering"));
	free(out);
	json_decref(st);
	json_decref(one);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conns_widen_for_ipv6),
		cmocka_unit_test(test_services_widen_for_ipv6),
		cmocka_unit_test(test_client_address_shown),
		cmocka_unit_test(test_steering_shown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
