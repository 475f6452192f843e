/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The defense keys in the configuration model: the node's `dataplane.defense` and a
 * service's `defense`, read, written back (a service only with what it gave, so it keeps
 * following the node's defaults) and read again unchanged; what a service gets of both;
 * an API body. (The refusals with line and field are in test_config_bad.c.)
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/addr.h"
#include "config/config.h"
#include "addr46_fixture.h"
#include "config_fixture.h"

static const char doc[] =
	"dataplane:\n"
	"  local_addresses: [10.0.1.100, 2001:db8:1::100]\n"
	"  ports:\n"
	"    - {name: client, device: net_tap0,\n"
	"       address: [10.0.1.1/24, 2001:db8:1::1/64]}\n"
	"  defense:\n"
	"    syn_rate: 1000\n"
	"    source_rate: 20\n"
	"    deny: [192.0.2.0/24, 198.51.100.7, '2001:db8:bad::/48']\n"
	"services:\n"
	"  - vip: 10.0.0.10:80/tcp\n"
	"    defense: {syn_rate: 50, allow: [10.0.0.0/8], deny: []}\n"
	"  - vip: '[2001:db8::10]:80/tcp'\n"
	"    defense: {synproxy: false, source_rate: 0, deny: ['2001:db8:1::5']}\n"
	"  - vip: 10.0.0.11:80/tcp\n";

static void
check(const struct cfg *c)
{
	const struct cfg_defense *n = &c->defense, *s0 = &c->services[0].defense;
	const struct cfg_defense *s1 = &c->services[1].defense;
	struct cfg_defense e;

	assert_int_equal(n->set, CFG_DEFF_SYN_RATE | CFG_DEFF_SOURCE_RATE | CFG_DEFF_DENY);
	assert_int_equal(n->syn_rate, 1000);
	assert_int_equal(n->source_rate, 20);
	assert_int_equal(n->n_deny, 3);
	assert_memory_equal(n->deny[0].addr.b, A("192.0.2.0").b, 16);
	assert_int_equal(n->deny[0].len, 24);
	assert_int_equal(n->deny[1].len, 32); /* a bare address: the host */
	assert_int_equal(n->deny[2].len, 48);
	assert_int_equal(s0->set, CFG_DEFF_SYN_RATE | CFG_DEFF_ALLOW | CFG_DEFF_DENY);
	assert_int_equal(s0->n_allow, 1);
	assert_int_equal(s0->n_deny, 0);
	assert_int_equal(s1->n_deny, 1);
	assert_int_equal(s1->deny[0].len, 128);
	/* what each service gets: its own where it gave it, the node's elsewhere */
	cfg_defense_effective(s0, n, &e);
	assert_int_equal(e.syn_rate, 50);
	assert_int_equal(e.source_rate, 20);
	cfg_defense_effective(s1, n, &e);
	assert_int_equal(e.syn_rate, 1000);
	assert_int_equal(e.source_rate, 0); /* turned off for this one */
	cfg_defense_effective(&c->services[2].defense, n, &e);
	assert_int_equal(c->services[2].defense.set, 0);
	assert_int_equal(e.syn_rate, 1000);
	assert_int_equal(e.source_rate, 20);
}

static void
test_round_trip(void **state)
{
	struct cfg a, b;
	struct cfg_error e;
	json_t *ja, *jb, *t;
	struct cfg_service copy;

	(void)state;
	assert_int_equal(cfg_load_string(doc, "defense.yaml", &a, &e), 0);
	check(&a);
	ja = cfg_to_json(&a);
	assert_non_null(ja);
	t = json_object_get(json_object_get(json_object_get(ja, "dataplane"), "defense"), "deny");
	assert_string_equal(json_string_value(json_array_get(t, 1)), "198.51.100.7");
	assert_string_equal(json_string_value(json_array_get(t, 2)), "2001:db8:bad::/48");
	/* a service that gave nothing says nothing: it follows the node */
	t = json_array_get(json_object_get(ja, "services"), 2);
	assert_null(json_object_get(t, "defense"));
	assert_int_equal(cfg_from_json(ja, &b, &e), 0);
	check(&b);
	jb = cfg_to_json(&b);
	assert_true(json_equal(ja, jb));
	/* a copy owns its lists */
	assert_int_equal(cfg_service_copy(&copy, &a.services[0]), 0);
	assert_ptr_not_equal(copy.defense.allow, a.services[0].defense.allow);
	cfg_free(&a);
	assert_memory_equal(copy.defense.allow[0].addr.b, A("10.0.0.0").b, 16);
	cfg_service_free(&copy);
	json_decref(ja);
	json_decref(jb);
	cfg_free(&b);
}

/* The API's bodies: a service's defense, and the node's on its own. */
static void
test_api_bodies(void **state)
{
	struct cfg_service s;
	struct cfg_defense d;
	struct cfg_error e;
	union addr46 v4 = A("10.0.0.20");
	json_error_t je;
	json_t *o = json_loads("{\"vip\": \"10.0.0.20:443/tcp\", \"defense\": {\"deny\": "
			       "[\"10.9.0.0/16\"], \"source_rate\": 5}}", 0, &je);

	(void)state;
	assert_int_equal(cfg_service_from_json(o, "", &s, &e), 0);
	assert_int_equal(s.defense.n_deny, 1);
	assert_int_equal(s.defense.source_rate, 5);
	cfg_service_free(&s);
	json_decref(o);
	o = json_loads("{\"allow\": [\"10.0.0.0/8\", \"2001:db8::/32\"], \"syn_rate\": 9}", 0, &je);
	assert_int_equal(cfg_defense_from_json(o, "", NULL, &d, &e), 0);
	assert_int_equal(d.n_allow, 2);
	assert_int_equal(d.syn_rate, 9);
	cfg_defense_free(&d);
	json_decref(o);
	o = json_loads("{\"allow\": [\"2001:db8::/32\"]}", 0, &je);
	assert_int_equal(cfg_defense_from_json(o, "defense", &v4, &d, &e), -EINVAL);
	assert_string_equal(e.field, "defense.allow[0]");
	assert_null(d.allow);
	json_decref(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_api_bodies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
