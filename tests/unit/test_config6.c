/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv6 in the configuration model: services, backends, LIPs and routes of both families in
 * one document, read, written back and read again unchanged; the API's checks of a service
 * and a backend by family. (The refusals with line and field are in test_config_bad.c.)
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

#include "common/addr.h"
#include "config/config.h"
#include "addr46_fixture.h"
#include "config_fixture.h"

#define assert_addr(a, text) assert_memory_equal((a).b, A(text).b, 16)

static const char doc6[] =
	PORTS5_V6 "  peers: [10.0.1.12, '2001:db8:1::13']\n"
	"  routes:\n"
	"    - {to: 0.0.0.0/0, via: 10.0.1.254}\n"
	"    - {to: '::/0', via: '2001:db8:1::fe'}\n"
	"    - {to: '2001:db8:300::/40', via: '2001:db8:1::fd'}\n"
	"services:\n"
	"  - vip: '[2001:db8:100::10]:80/tcp'\n"
	"    scheduler: maglev\n"
	"    persistence: 60\n"
	"    backends:\n"
	"      - {address: '[2001:db8:1::11]:8080', weight: 2}\n"
	"      - {address: '[2001:DB8:1:0:0:0:0:12]:8080'}\n"
	"  - vip: '[2001:db8:100::10]:53/udp'\n"
	"    persistence: 30\n"
	"    persistence_netmask: 64\n"
	"    backends: [{address: '[2001:db8:1::11]:53'}]\n"
	"  - vip: 10.0.0.10:80/tcp\n"
	"    backends: [{address: 10.0.1.11:80}]\n";

static void
test_parse(void **state)
{
	struct cfg c;
	struct cfg_error e;
	const struct cfg_service *s;

	(void)state;
	assert_int_equal(cfg_load_string(doc6, "t.yaml", &c, &e), 0);
	assert_int_equal(c.n_laddrs, 2);
	assert_true(addr46_is_v4(&c.laddrs[0]));
	assert_addr(c.laddrs[1], "2001:db8:1::100");
	assert_int_equal(c.n_peers, 2);
	assert_true(addr46_is_v4(&c.peers[0]));
	assert_addr(c.peers[1], "2001:db8:1::13");
	assert_int_equal(c.n_routes, 3);
	assert_true(addr46_is_v4(&c.routes[0].prefix));
	assert_addr(c.routes[1].prefix, "::");
	assert_int_equal(c.routes[1].depth, 0);
	assert_addr(c.routes[1].via, "2001:db8:1::fe");
	assert_addr(c.routes[2].prefix, "2001:db8:300::");
	assert_int_equal(c.routes[2].depth, 40);
	assert_int_equal(c.n_services, 3);
	s = &c.services[0];
	assert_addr(s->vip, "2001:db8:100::10");
	assert_int_equal(s->port, htons(80));
	assert_int_equal(s->proto, PROTO_TCP);
	/* an IPv6 VIP's affinity is per client by default: /128 */
	assert_int_equal(s->persistence_netmask, 128);
	assert_int_equal(s->n_backends, 2);
	assert_addr(s->backends[0].addr, "2001:db8:1::11");
	assert_int_equal(s->backends[0].port, htons(8080));
	assert_int_equal(s->backends[0].weight, 2);
	/* any spelling of an address is one address */
	assert_addr(s->backends[1].addr, "2001:db8:1::12");
	assert_int_equal(c.services[1].persistence_netmask, 64);
	assert_int_equal(c.services[1].proto, PROTO_UDP);
	assert_true(addr46_is_v4(&c.services[2].vip));
	assert_int_equal(c.services[2].persistence_netmask, 32);
	cfg_free(&c);
}

/* Written back, the document reads as the same configuration, in the canonical text forms. */
static void
test_round_trip(void **state)
{
	struct cfg a, b;
	struct cfg_error e;
	json_t *ja, *jb, *svc;
	unsigned i;

	(void)state;
	assert_int_equal(cfg_load_string(doc6, "t.yaml", &a, &e), 0);
	ja = cfg_to_json(&a);
	assert_non_null(ja);
	svc = json_array_get(json_object_get(ja, "services"), 0);
	assert_string_equal(json_string_value(json_object_get(svc, "vip")),
			    "[2001:db8:100::10]:80/tcp");
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(svc, "backends"), 1), "address")),
			    "[2001:db8:1::12]:8080");
	assert_string_equal(json_string_value(json_array_get(json_object_get(
				    json_object_get(ja, "dataplane"), "local_addresses"), 1)),
			    "2001:db8:1::100");
	assert_int_equal(cfg_from_json(ja, &b, &e), 0);
	jb = cfg_to_json(&b);
	assert_true(json_equal(ja, jb));
	assert_int_equal(a.n_services, b.n_services);
	for (i = 0; i < a.n_services; i++) {
		assert_memory_equal(&a.services[i].vip, &b.services[i].vip, 16);
		assert_int_equal(a.services[i].persistence_netmask,
				 b.services[i].persistence_netmask);
		assert_memory_equal(&a.services[i].backends[0].addr, &b.services[i].backends[0].addr,
				    16);
	}
	json_decref(ja);
	json_decref(jb);
	cfg_free(&a);
	cfg_free(&b);
}

/* What the API adds is checked by family, with the same words as the loader's. */
static void
test_api(void **state)
{
	struct cfg c;
	struct cfg_error e;
	struct cfg_backend b;
	struct cfg_service s;
	json_t *j;

	(void)state;
	assert_int_equal(cfg_load_string(doc6, "t.yaml", &c, &e), 0);
	/* an IPv4 backend for the IPv6 service */
	j = json_pack("{s:s}", "address", "10.0.1.20:80");
	assert_int_equal(cfg_backend_from_json(j, "body", &b, &e), 0);
	json_decref(j);
	assert_int_equal(cfg_backend_check(&c, c.services, c.n_services, 0, &b, "body", &e),
			 -EINVAL);
	assert_string_equal(e.msg, "10.0.1.20: backends of both families behind one VIP: an "
			    "IPv6 VIP's backends are all IPv6, or all IPv4 (NAT64)");
	/* an IPv6 backend that is the node's own LIP */
	j = json_pack("{s:s}", "address", "[2001:db8:1::100]:80");
	assert_int_equal(cfg_backend_from_json(j, "body", &b, &e), 0);
	json_decref(j);
	assert_int_equal(cfg_backend_check(&c, c.services, c.n_services, 0, &b, "body", &e),
			 -EINVAL);
	/* a good one */
	j = json_pack("{s:s}", "address", "[2001:db8:1::13]:8080");
	assert_int_equal(cfg_backend_from_json(j, "body", &b, &e), 0);
	json_decref(j);
	assert_int_equal(cfg_backend_check(&c, c.services, c.n_services, 0, &b, "body", &e), 0);
	/* a service whose VIP is a backend of another */
	j = json_pack("{s:s}", "vip", "[2001:db8:1::11]:443/tcp");
	assert_int_equal(cfg_service_from_json(j, "body", &s, &e), 0);
	json_decref(j);
	free(c.services[2].backends);
	c.services[2] = s; /* in the place of the IPv4 one */
	assert_int_equal(cfg_service_check(&c, c.services, c.n_services, 2, "body", &e), -EINVAL);
	assert_string_equal(e.field, "body.vip");
	cfg_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_api),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
