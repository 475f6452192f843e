/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The keys of the forwarding modes in the configuration model: mode tun's `tunnel` (a name
 * or {type, port}, GUE's port 6080 by default) and `tunnel_source`, read, written back and
 * read again unchanged, from a file and from an API body. (The refusals with line and field
 * are in test_config_bad.c.)
 */
#include <arpa/inet.h>
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
	PORTS5_V6 "services:\n"
	"  - vip: 10.0.0.10:80/tcp\n"
	"    mode: tun\n"
	"    backends: [{address: 10.0.9.11:80}]\n"
	"  - vip: 10.0.0.11:80/tcp\n"
	"    mode: tun\n"
	"    tunnel: gue\n"
	"    backends: [{address: 10.0.9.11:80}]\n"
	"  - vip: 10.0.0.12:80/tcp\n"
	"    mode: tun\n"
	"    tunnel: {type: gue, port: 7000}\n"
	"    tunnel_source: 10.0.1.100\n"
	"  - vip: '[2001:db8::10]:80/tcp'\n"
	"    mode: tun\n"
	"    tunnel: {type: ipip}\n"
	"    tunnel_source: '2001:db8:1::1'\n"
	"  - vip: 10.0.0.13:80/tcp\n";

static void
check(const struct cfg *c)
{
	const struct cfg_service *s = c->services;

	assert_int_equal(c->n_services, 5);
	assert_int_equal(s[0].mode, SL_MODE_TUN);
	assert_int_equal(s[0].tunnel, SL_TUNNEL_IPIP);
	assert_int_equal(s[0].tunnel_port, 0);
	assert_true(addr46_is_zero(&s[0].tunnel_source));
	assert_int_equal(s[1].tunnel, SL_TUNNEL_GUE);
	assert_int_equal(s[1].tunnel_port, htons(6080));
	assert_int_equal(s[2].tunnel, SL_TUNNEL_GUE);
	assert_int_equal(s[2].tunnel_port, htons(7000));
	assert_memory_equal(s[2].tunnel_source.b, A("10.0.1.100").b, 16);
	assert_int_equal(s[3].tunnel, SL_TUNNEL_IPIP);
	assert_memory_equal(s[3].tunnel_source.b, A("2001:db8:1::1").b, 16);
	assert_int_equal(s[4].mode, SL_MODE_FULLNAT);
}

static void
test_tun_keys_round_trip(void **state)
{
	struct cfg a, b;
	struct cfg_error e;
	json_t *ja, *jb, *t;

	(void)state;
	assert_int_equal(cfg_load_string(doc, "modes.yaml", &a, &e), 0);
	check(&a);
	ja = cfg_to_json(&a);
	assert_non_null(ja);
	t = json_object_get(json_array_get(json_object_get(ja, "services"), 1), "tunnel");
	assert_string_equal(json_string_value(json_object_get(t, "type")), "gue");
	assert_int_equal(json_integer_value(json_object_get(t, "port")), 6080);
	t = json_array_get(json_object_get(ja, "services"), 0);
	assert_null(json_object_get(t, "tunnel_source"));
	/* a fullnat service says nothing of tunnels */
	t = json_array_get(json_object_get(ja, "services"), 4);
	assert_null(json_object_get(t, "tunnel"));
	assert_int_equal(cfg_from_json(ja, &b, &e), 0);
	check(&b);
	jb = cfg_to_json(&b);
	assert_true(json_equal(ja, jb));
	json_decref(ja);
	json_decref(jb);
	cfg_free(&a);
	cfg_free(&b);
}

/* The API's service body reads the same keys; a bad one names its field. */
static void
test_tun_keys_api(void **state)
{
	struct cfg_service s;
	struct cfg_error e;
	json_error_t je;
	json_t *o = json_loads("{\"vip\": \"10.0.0.20:443/tcp\", \"mode\": \"tun\", "
			       "\"tunnel\": {\"type\": \"gue\", \"port\": 5555}}", 0, &je);

	(void)state;
	assert_int_equal(cfg_service_from_json(o, "", &s, &e), 0);
	assert_int_equal(s.tunnel, SL_TUNNEL_GUE);
	assert_int_equal(s.tunnel_port, htons(5555));
	cfg_service_free(&s);
	json_decref(o);
	o = json_loads("{\"vip\": \"10.0.0.20:443/tcp\", \"mode\": \"tun\", "
		       "\"tunnel\": \"vxlan\"}", 0, &je);
	assert_int_not_equal(cfg_service_from_json(o, "", &s, &e), 0);
	assert_string_equal(e.field, "tunnel");
	assert_string_equal(e.msg, "unknown tunnel 'vxlan' (supported: ipip, gue)");
	json_decref(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tun_keys_round_trip),
		cmocka_unit_test(test_tun_keys_api),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
