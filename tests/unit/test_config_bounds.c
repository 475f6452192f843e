/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every numeric key of the configuration at its documented bounds (docs/config.md), and the
 * forms of a duration. For each key the least and the greatest value are taken and read
 * back unchanged (also through cfg_to_json), and one past either end is refused with the
 * key named. A range that the model stores in a narrower field, or that the data plane
 * would wrap, fails here first.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "config/config.h"

static const char base[] =
	"{\"dataplane\": {\"ports\": [{\"name\": \"c\", \"device\": \"net_null0\","
	" \"address\": \"10.0.1.1/24\"}], \"local_addresses\": [\"10.0.1.100\"],"
	" \"timeouts\": {}},"
	" \"services\": [{\"vip\": \"10.0.0.10:80/tcp\", \"scheduler\": \"maglev\","
	" \"maglev\": {}, \"health_check\": {\"type\": \"tcp\", \"interval\": \"1h\"},"
	" \"backends\": [{\"address\": \"10.0.1.11:80\"}]}]}";

enum where { DP, TMO, SVC, MAGLEV, BE, HC };

struct bound {
	enum where at;
	const char *key;
	uint64_t lo, hi;
	/* the value as stored, from the loaded config */
	uint64_t (*get)(const struct cfg *c);
	uint64_t scale; /* stored = given x scale (health-check durations are kept in ms) */
};

#define SVC0(c) ((c)->services[0])
static uint64_t g_workers(const struct cfg *c) { return c->workers; }
static uint64_t g_conns(const struct cfg *c) { return c->conn_table_size; }
static uint64_t g_est(const struct cfg *c) { return c->timeouts.tcp_established; }
static uint64_t g_ss(const struct cfg *c) { return c->timeouts.tcp_syn_sent; }
static uint64_t g_sr(const struct cfg *c) { return c->timeouts.tcp_syn_recv; }
static uint64_t g_fw(const struct cfg *c) { return c->timeouts.tcp_fin_wait; }
static uint64_t g_tw(const struct cfg *c) { return c->timeouts.tcp_time_wait; }
static uint64_t g_cl(const struct cfg *c) { return c->timeouts.tcp_close; }
static uint64_t g_cw(const struct cfg *c) { return c->timeouts.tcp_close_wait; }
static uint64_t g_la(const struct cfg *c) { return c->timeouts.tcp_last_ack; }
static uint64_t g_udp(const struct cfg *c) { return c->timeouts.udp; }
static uint64_t g_lq(const struct cfg *c) { return c->timeouts.lip_quarantine; }
static uint64_t g_pers(const struct cfg *c) { return SVC0(c).persistence; }
static uint64_t g_pmask(const struct cfg *c) { return SVC0(c).persistence_netmask; }
static uint64_t g_mag(const struct cfg *c) { return SVC0(c).maglev_size; }
static uint64_t g_weight(const struct cfg *c) { return SVC0(c).backends[0].weight; }
static uint64_t g_maxc(const struct cfg *c) { return SVC0(c).backends[0].max_conns; }
static uint64_t g_rise(const struct cfg *c) { return SVC0(c).hc.rise; }
static uint64_t g_fall(const struct cfg *c) { return SVC0(c).hc.fall; }
static uint64_t g_hport(const struct cfg *c) { return ntohs(SVC0(c).hc.port); }
static uint64_t g_ival(const struct cfg *c) { return SVC0(c).hc.interval_ms; }
static uint64_t g_htmo(const struct cfg *c) { return SVC0(c).hc.timeout_ms; }

#define YEAR SL_DURATION_MAX_S
static const struct bound bounds[] = {
	{ DP, "workers", 1, 32, g_workers, 1 },
	{ DP, "conn_table_size", 1024, 134217728, g_conns, 1 },
	{ TMO, "tcp_established", 1, YEAR, g_est, 1 },
	{ TMO, "tcp_syn_sent", 1, YEAR, g_ss, 1 },
	{ TMO, "tcp_syn_recv", 1, YEAR, g_sr, 1 },
	{ TMO, "tcp_fin_wait", 1, YEAR, g_fw, 1 },
	{ TMO, "tcp_time_wait", 1, YEAR, g_tw, 1 },
	{ TMO, "tcp_close", 1, YEAR, g_cl, 1 },
	{ TMO, "tcp_close_wait", 1, YEAR, g_cw, 1 },
	{ TMO, "tcp_last_ack", 1, YEAR, g_la, 1 },
	{ TMO, "udp", 1, YEAR, g_udp, 1 },
	{ TMO, "lip_quarantine", 1, YEAR, g_lq, 1 },
	{ SVC, "persistence", 0, YEAR, g_pers, 1 },
	{ SVC, "persistence_netmask", 0, 32, g_pmask, 1 },
	{ MAGLEV, "table_size", 251, 4194301, g_mag, 1 },
	{ BE, "weight", 0, 65535, g_weight, 1 },
	{ BE, "max_conns", 0, 4294967295u, g_maxc, 1 },
	{ HC, "rise", 1, 100, g_rise, 1 },
	{ HC, "fall", 1, 100, g_fall, 1 },
	{ HC, "port", 1, 65535, g_hport, 1 },
	{ HC, "interval", 1, 3600, g_ival, 1000 }, /* 100 ms..1 h; whole seconds here */
	{ HC, "timeout", 1, 3600, g_htmo, 1000 },
};

static json_t *
container(json_t *doc, enum where at, const char **field_prefix)
{
	json_t *dp = json_object_get(doc, "dataplane");
	json_t *svc = json_array_get(json_object_get(doc, "services"), 0);

	switch (at) {
	case DP:
		*field_prefix = "dataplane.";
		return dp;
	case TMO:
		*field_prefix = "dataplane.timeouts.";
		return json_object_get(dp, "timeouts");
	case SVC:
		*field_prefix = "services[0].";
		return svc;
	case MAGLEV:
		*field_prefix = "services[0].maglev.";
		return json_object_get(svc, "maglev");
	case BE:
		*field_prefix = "services[0].backends[0].";
		return json_array_get(json_object_get(svc, "backends"), 0);
	default:
		*field_prefix = "services[0].health_check.";
		return json_object_get(svc, "health_check");
	}
}

/* Load base with key = v; 0 with *stored, or the error. */
static int
load_with(const struct bound *b, uint64_t v, struct cfg *c, struct cfg_error *e)
{
	json_t *doc = json_loads(base, 0, NULL);
	const char *prefix = "";
	int rc;

	assert_non_null(doc);
	assert_int_equal(json_object_set_new(container(doc, b->at, &prefix), b->key,
					     json_integer((json_int_t)v)), 0);
	rc = cfg_from_json(doc, c, e);
	json_decref(doc);
	return rc;
}

static void
expect_refused(const struct bound *b, uint64_t v)
{
	const char *prefix = "";
	char field[96];
	struct cfg_error e;
	struct cfg c;
	json_t *doc = json_loads(base, 0, NULL);

	container(doc, b->at, &prefix);
	json_decref(doc);
	snprintf(field, sizeof(field), "%s%s", prefix, b->key);
	print_message("  %s = %llu: refused\n", field, (unsigned long long)v);
	assert_int_equal(load_with(b, v, &c, &e), -EINVAL);
	assert_string_equal(e.field, field);
}

static void
expect_taken(const struct bound *b, uint64_t v)
{
	struct cfg_error e;
	struct cfg c, back;
	json_t *j;

	print_message("  %s = %llu: taken\n", b->key, (unsigned long long)v);
	if (load_with(b, v, &c, &e) != 0)
		fail_msg("%s = %llu refused: %s: %s", b->key, (unsigned long long)v, e.field,
			 e.msg);
	assert_true(b->get(&c) == v * b->scale);
	/* and the document written back says the same */
	j = cfg_to_json(&c);
	assert_non_null(j);
	assert_int_equal(cfg_from_json(j, &back, &e), 0);
	assert_true(b->get(&back) == v * b->scale);
	json_decref(j);
	cfg_free(&back);
	cfg_free(&c);
}

static void
test_bounds(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
		const struct bound *b = &bounds[i];

		expect_taken(b, b->lo);
		expect_taken(b, b->hi);
		if (b->lo > 0)
			expect_refused(b, b->lo - 1);
		expect_refused(b, b->hi + 1);
	}
}

/* Durations through the one place that accepts 0: persistence. */
static void
test_durations(void **state)
{
	static const struct {
		const char *text;
		int rc;
		uint32_t secs;
	} cases[] = {
		{ "0", 0, 0 }, { "0s", 0, 0 }, { "900", 0, 900 }, { "900s", 0, 900 },
		{ "15m", 0, 900 }, { "1h", 0, 3600 }, { "1h30m", 0, 5400 }, { "500ms", 0, 1 },
		{ "1001ms", 0, 2 }, { "1m30s", 0, 90 }, { "31536000", 0, 31536000 },
		{ "365d", 0, 31536000 }, { "4294967295", -EINVAL, 0 },
		{ "", -EINVAL, 0 }, { "15x", -EINVAL, 0 }, { "1m30", -EINVAL, 0 },
		{ "-5", -EINVAL, 0 }, { "m", -EINVAL, 0 }, { "1.5s", -EINVAL, 0 },
		{ "4294967296", -EINVAL, 0 }, { "99999999999999h", -EINVAL, 0 },
		{ "1193047h", -EINVAL, 0 },
	};
	struct cfg_service s;
	struct cfg_error e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = json_pack("{s:s, s:s}", "vip", "10.0.0.1:1/udp", "persistence",
				      cases[i].text);

		print_message("duration \"%s\"\n", cases[i].text);
		assert_int_equal(cfg_service_from_json(j, "", &s, &e), cases[i].rc);
		if (cases[i].rc == 0)
			assert_int_equal(s.persistence, cases[i].secs);
		else
			assert_string_equal(e.field, "persistence");
		cfg_service_free(&s);
		json_decref(j);
	}
	/* an integer too */
	{
		json_t *j = json_pack("{s:s, s:I}", "vip", "10.0.0.1:1/udp", "persistence",
				      (json_int_t)4294967296ll);

		assert_int_equal(cfg_service_from_json(j, "", &s, &e), -EINVAL);
		assert_string_equal(e.msg, "4294967296 s is too long (at most 365 days = 31536000 s)");
		json_decref(j);
	}
}

/* Durations with units end at the same place as integers; days are a unit. */
static void
test_duration_max(void **state)
{
	static const struct {
		const char *text;
		int rc;
	} cases[] = {
		{ "365d", 0 },	      { "8760h", 0 },	    { "525600m", 0 },
		{ "31536000s", 0 },   { "364d23h59m59s", 0 }, { "31536000000ms", 0 },
		{ "365d1s", -EINVAL }, { "366d", -EINVAL },   { "31536000001ms", -EINVAL },
		{ "4294967295", -EINVAL }, { "274877907", -EINVAL }, { "2147483648", -EINVAL },
	};
	struct cfg_service s;
	struct cfg_error e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = json_pack("{s:s, s:s}", "vip", "10.0.0.1:1/udp", "persistence",
				      cases[i].text);

		print_message("persistence \"%s\"\n", cases[i].text);
		assert_int_equal(cfg_service_from_json(j, "", &s, &e), cases[i].rc);
		if (cases[i].rc == 0)
			assert_int_equal(s.persistence, SL_DURATION_MAX_S - (i == 4));
		else
			assert_string_equal(e.msg + strlen(e.msg) - strlen("(at most 365 days = "
									   "31536000 s)"),
					    "(at most 365 days = 31536000 s)");
		cfg_service_free(&s);
		json_decref(j);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_duration_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
