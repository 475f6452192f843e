/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Addresses that cannot work together (issue 8, item 13), refused by the loader with line
 * and field and by the API's checks with the field: a VIP that is a backend, inside a
 * port's subnet or on loopback; a backend that is a VIP, a LIP, a port address or
 * loopback; port subnets that overlap; two ports on one interface.
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

/* Ports on lines 3 and 4, the LIP on 5, services from line 7 (three lines each). */
#define DOC(PORT1_DEV, PORT1_ADDR, SVCS)                                  \
	"dataplane:\n"                                                    \
	"  ports:\n"                                                      \
	"    - {name: client, device: 'net_af_packet0,iface=veth-c', address: 10.0.1.1/24}\n" \
	"    - {name: backend, device: '" PORT1_DEV "', address: " PORT1_ADDR "}\n" \
	"  local_addresses: [10.0.2.100]\n"                               \
	"services:\n" SVCS

#define DOC_OK(SVCS) DOC("net_af_packet1,iface=veth-s", "10.0.2.1/24", SVCS)
#define SVC(VIP, BE)                                                     \
	"  - vip: " VIP "\n"                                              \
	"    backends:\n"                                                 \
	"      - address: " BE "\n"

struct bad {
	const char *name, *text;
	int line;
	const char *field, *msg;
};

static const struct bad bad[] = {
	{ "vip_is_own_backend", DOC_OK(SVC("10.0.0.10:80/tcp", "10.0.0.10:8080")), 9,
	  "services[0].backends[0].address",
	  "10.0.0.10 is the VIP of this service; a backend must be another host" },
	{ "vip_is_earlier_backend",
	  DOC_OK(SVC("10.0.0.10:80/tcp", "10.0.9.11:80") SVC("10.0.9.11:80/tcp",
								  "10.0.2.12:80")),
	  10, "services[1].vip",
	  "10.0.9.11 is also a backend (backends[0] of service 10.0.0.10:80/tcp); a VIP is the "
	  "node's own address, a backend another host's" },
	{ "backend_is_earlier_vip",
	  DOC_OK(SVC("10.0.0.10:80/tcp", "10.0.2.11:80") SVC("10.0.0.11:80/tcp",
								  "10.0.0.10:8080")),
	  12, "services[1].backends[0].address",
	  "10.0.0.10 is the VIP of service 10.0.0.10:80/tcp; a backend must be another host" },
	{ "vip_in_port_subnet", DOC_OK(SVC("10.0.1.50:80/tcp", "10.0.2.11:80")), 7,
	  "services[0].vip",
	  "10.0.1.50 is inside the subnet of port 'client' (10.0.1.0/24): sluiced would answer "
	  "ARP for it there, taking it from that LAN; a VIP is routed to the node from outside "
	  "the ports' subnets" },
	{ "vip_is_port", DOC_OK(SVC("10.0.2.1:80/tcp", "10.0.2.11:80")), 7,
	  "services[0].vip",
	  "10.0.2.1 is the address of port 'backend'; a VIP must be an address of its own" },
	{ "vip_loopback", DOC_OK(SVC("127.0.0.1:80/tcp", "10.0.2.11:80")), 7,
	  "services[0].vip",
	  "127.0.0.1 is a loopback address (127.0.0.0/8); no packet from the network can reach "
	  "it" },
	{ "backend_is_lip", DOC_OK(SVC("10.0.0.10:80/tcp", "10.0.2.100:80")), 9,
	  "services[0].backends[0].address",
	  "10.0.2.100 is a local address (LIP) of this node; a backend must be another host" },
	{ "backend_is_port", DOC_OK(SVC("10.0.0.10:80/tcp", "10.0.1.1:80")), 9,
	  "services[0].backends[0].address",
	  "10.0.1.1 is the address of port 'client'; a backend must be another host" },
	{ "backend_loopback", DOC_OK(SVC("10.0.0.10:80/tcp", "127.0.0.53:53")), 9,
	  "services[0].backends[0].address",
	  "127.0.0.53 is a loopback address (127.0.0.0/8); a backend must be another host on "
	  "the network" },
	{ "ports_overlap",
	  DOC("net_af_packet1,iface=veth-s", "10.0.0.1/16", SVC("10.9.0.10:80/tcp", "10.0.2.11:80")),
	  4, "dataplane.ports[1].address",
	  "10.0.0.1/16 overlaps the subnet of ports[0] 'client' (10.0.1.0/24): a neighbour would "
	  "be on either port" },
	{ "ports_one_interface",
	  DOC("net_af_xdp1,iface=veth-c", "10.0.2.1/24", SVC("10.0.0.10:80/tcp", "10.0.2.11:80")),
	  4, "dataplane.ports[1].device", NULL /* names the namespace: checked by prefix */ },
};

static void
test_bad(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct bad *b = &bad[i];
		struct cfg_error e;
		struct cfg c;

		print_message("%s\n", b->name);
		assert_int_equal(cfg_load_string(b->text, "t.yaml", &c, &e), -EINVAL);
		print_message("  line %d: %s: %s\n", e.line, e.field, e.msg);
		assert_int_equal(e.line, b->line);
		assert_string_equal(e.field, b->field);
		if (b->msg != NULL)
			assert_string_equal(e.msg, b->msg);
	}
	/* the interface case, in full but for the namespace's inode */
	{
		struct cfg_error e;
		struct cfg c;
		const char *want = "'net_af_xdp1,iface=veth-c' is on the same interface veth-c "
				   "(network namespace net:[";

		assert_int_equal(cfg_load_string(bad[sizeof(bad) / sizeof(bad[0]) - 1].text, "t",
						 &c, &e), -EINVAL);
		assert_memory_equal(e.msg, want, strlen(want));
		assert_non_null(strstr(e.msg, "]) as ports[0] 'client': two ports on one interface "
					       "would each take the other's packets"));
	}
}

/* What is fine: one VIP address on several ports, one backend in several services. */
static void
test_good(void **state)
{
	static const char text[] =
		DOC_OK(SVC("10.0.0.10:80/tcp", "10.0.2.11:80")
			SVC("10.0.0.10:53/udp", "10.0.2.11:53") SVC("10.0.0.11:80/tcp",
								   "10.0.2.11:80"));
	struct cfg_error e;
	struct cfg c;

	(void)state;
	if (cfg_load_string(text, "t", &c, &e) != 0)
		fail_msg("%d %s: %s", e.line, e.field, e.msg);
	assert_int_equal(c.n_services, 3);
	cfg_free(&c);
	/* a tap without iface= and net_null are private to the process: no interface shared */
	{
		static const char t2[] = DOC("net_null0", "10.0.2.1/24",
					     SVC("10.0.0.10:80/tcp", "10.0.2.11:80"));

		if (cfg_load_string(t2, "t", &c, &e) != 0)
			fail_msg("%d %s: %s", e.line, e.field, e.msg);
		cfg_free(&c);
	}
}

/* The API's checks: the same refusals, with fields relative to the body. */
static void
test_api(void **state)
{
	static const char text[] = DOC_OK(SVC("10.0.0.10:80/tcp", "10.0.2.11:80")
						 SVC("10.0.0.11:80/tcp", "10.0.2.12:80"));
	struct cfg_service *svcs;
	struct cfg_backend b = { 0 };
	struct cfg_error e;
	struct cfg c;

	(void)state;
	assert_int_equal(cfg_load_string(text, "t", &c, &e), 0);
	svcs = c.services;
	assert_int_equal(cfg_service_check(&c, svcs, 2, 1, "", &e), 0);
	/* service 1 changed to take service 0's backend as its VIP */
	svcs[1].vip = addr46_from_v4(svcs[0].backends[0].addr.w[3]);
	assert_int_equal(cfg_service_check(&c, svcs, 2, 1, "", &e), -EINVAL);
	assert_string_equal(e.field, "vip");
	assert_non_null(strstr(e.msg, "10.0.2.11 is inside the subnet of port 'backend'"));
	svcs[1].vip = addr46_from_v4(htonl(0x7f000001));
	assert_int_equal(cfg_service_check(&c, svcs, 2, 1, "body", &e), -EINVAL);
	assert_string_equal(e.field, "body.vip");
	svcs[1].vip = addr46_from_v4(htonl(0x0a00000b)); /* 10.0.0.11 again */
	svcs[1].backends[0].addr = addr46_from_v4(svcs[0].vip.w[3]);
	assert_int_equal(cfg_service_check(&c, svcs, 2, 1, "", &e), -EINVAL);
	assert_string_equal(e.field, "backends[0].address");
	assert_string_equal(e.msg, "10.0.0.10 is the VIP of service 10.0.0.10:80/tcp; a backend "
				   "must be another host");
	svcs[1].backends[0].addr = addr46_from_v4(htonl(0x0a00020c));
	/* a backend about to join service 0 */
	b.addr = addr46_from_v4(htonl(0x0a000264)); /* 10.0.2.100, the LIP */
	b.port = htons(80);
	assert_int_equal(cfg_backend_check(&c, svcs, 2, 0, &b, "", &e), -EINVAL);
	assert_string_equal(e.field, "address");
	assert_string_equal(e.msg, "10.0.2.100 is a local address (LIP) of this node; a backend "
				   "must be another host");
	b.addr = addr46_from_v4(svcs[1].vip.w[3]);
	assert_int_equal(cfg_backend_check(&c, svcs, 2, 0, &b, "", &e), -EINVAL);
	assert_string_equal(e.msg, "10.0.0.11 is the VIP of service 10.0.0.11:80/tcp; a backend "
				   "must be another host");
	b.addr = addr46_from_v4(svcs[0].vip.w[3]);
	assert_int_equal(cfg_backend_check(&c, svcs, 2, 0, &b, "", &e), -EINVAL);
	assert_string_equal(e.msg, "10.0.0.10 is the VIP of this service; a backend must be "
				   "another host");
	b.addr = addr46_from_v4(htonl(0x0a00020d));
	assert_int_equal(cfg_backend_check(&c, svcs, 2, 0, &b, "", &e), 0);
	cfg_free(&c);
}

/*
 * The node holds SL_MAX_NODE_BACKENDS backends over all services (a counters slot each):
 * exactly that many load, one more is refused where it is added, by the loader and the API.
 */
static void
test_node_backends(void **state)
{
	json_t *doc = json_loads("{\"dataplane\": {\"ports\": [{\"name\": \"c\", "
				 "\"device\": \"net_null0\", \"address\": \"10.0.2.1/24\"}], "
				 "\"local_addresses\": [\"10.0.2.100\"]}, \"services\": []}",
				 0, NULL);
	json_t *svcs = json_object_get(doc, "services");
	unsigned per = SL_MAX_BACKENDS, n_svc = SL_MAX_NODE_BACKENDS / SL_MAX_BACKENDS, i, k;
	struct cfg_backend b = { 0 };
	struct cfg_error e;
	struct cfg c;

	(void)state;
	assert_non_null(doc);
	for (i = 0; i <= n_svc; i++) {
		json_t *bes = json_array();
		char vip[32];

		/* the last service gets one backend: one too many */
		for (k = 0; k < (i < n_svc ? per : 1); k++) {
			char a[32];

			snprintf(a, sizeof(a), "10.0.2.11:%u", 1 + k);
			json_array_append_new(bes, json_pack("{s:s}", "address", a));
		}
		snprintf(vip, sizeof(vip), "10.0.0.%u:80/tcp", 10 + i);
		json_array_append_new(svcs, json_pack("{s:s,s:o}", "vip", vip, "backends", bes));
	}
	assert_int_equal(cfg_from_json(doc, &c, &e), -EINVAL);
	assert_string_equal(e.field, "services[4].backends");
	assert_string_equal(e.msg, "the node holds at most 16384 backends over all its services "
				   "(a counters slot each); these make 16385");
	/* without the last one: exactly the limit, taken */
	json_array_remove(svcs, n_svc);
	if (cfg_from_json(doc, &c, &e) != 0)
		fail_msg("%s: %s", e.field, e.msg);
	/* the API: one backend more, or a service with one, is refused the same way */
	b.addr = addr46_from_v4(htonl(0x0a000263));
	b.port = htons(80);
	assert_int_equal(cfg_backend_check(&c, c.services, c.n_services, 0, &b, "", &e), -EINVAL);
	assert_string_equal(e.field, "");
	assert_non_null(strstr(e.msg, "these make 16385"));
	c.services[3].n_backends--;
	assert_int_equal(cfg_backend_check(&c, c.services, c.n_services, 0, &b, "", &e), 0);
	c.services[3].n_backends++;
	json_decref(doc);
	cfg_free(&c);
}

/* A port's IPv6 address beside its IPv4 one: taken, written back, and what is refused. */
static void
test_port_addr6(void **state)
{
#define PDOC(ADDR)                                                                        \
	"dataplane:\n"                                                                     \
	"  ports:\n"                                                                       \
	"    - {name: c, device: net_null0, address: " ADDR "}\n"                          \
	"    - {name: b, device: net_null1, address: [10.0.2.1/24, '2001:db8:2::1/64']}\n"
	static const struct {
		const char *text, *field, *msg;
	} bad[] = {
		{ PDOC("'2001:db8:1::1/64'"), "dataplane.ports[0].address",
		  "a port needs its IPv4 address; give both in a list, e.g. [10.0.1.1/24, "
		  "\"2001:db8:1::1/64\"]" },
		{ PDOC("['2001:db8:1::1/64']"), "dataplane.ports[0].address",
		  "a port needs its IPv4 address beside the IPv6 one" },
		{ PDOC("[10.0.1.1/24, '2001:db8:1::1/64', '2001:db8:3::1/64']"),
		  "dataplane.ports[0].address", "a list of 1 or 2 addresses, at most one per family" },
		{ PDOC("[10.0.1.1/24, '2001:db8:1::1/64', 10.0.3.1/24]"),
		  "dataplane.ports[0].address", "a list of 1 or 2 addresses, at most one per family" },
		{ PDOC("['2001:db8:1::1/64', '2001:db8:3::1/64']"), "dataplane.ports[0].address[1]",
		  "a second IPv6 address (one per family)" },
		{ PDOC("[10.0.1.1/24, 'fe80::1/64']"), "dataplane.ports[0].address[1]",
		  "'fe80::1/64' is not a global or unique-local unicast address (not ::, ::1, "
		  "fe80::/10 or multicast)" },
		{ PDOC("[10.0.1.1/24, '2001:db8:1::/64']"), "dataplane.ports[0].address[1]",
		  "'2001:db8:1::/64' is the subnet's own address; give the port's own address (e.g. "
		  "2001:db8:1::1/64)" },
		{ PDOC("[10.0.1.1/24, '2001:db8:1::1/0']"), "dataplane.ports[0].address[1]",
		  "'2001:db8:1::1/0': the prefix length gives the subnet and must be 1..128" },
		{ PDOC("[10.0.1.1/24, '2001:db8:2::9/48']"), "dataplane.ports[1].address",
		  "2001:db8:2::1/64 overlaps the IPv6 subnet of ports[0] 'c': a neighbour would be on "
		  "either port" },
	};
	struct cfg_error e;
	struct cfg c, back;
	json_t *j;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("%s\n", bad[i].msg);
		assert_int_equal(cfg_load_string(bad[i].text, "t", &c, &e), -EINVAL);
		assert_string_equal(e.field, bad[i].field);
		assert_string_equal(e.msg, bad[i].msg);
	}
	if (cfg_load_string(PDOC("[10.0.1.1/24, '2001:DB8:1::1/64']"), "t", &c, &e) != 0)
		fail_msg("%s: %s", e.field, e.msg);
	assert_true(c.ports[0].has_addr6);
	assert_int_equal(c.ports[0].prefix6_len, 64);
	assert_int_equal(c.ports[0].addr, htonl(0x0a000101));
	/* written back as the list, and read again the same */
	j = cfg_to_json(&c);
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_array_get(
		json_object_get(json_object_get(j, "dataplane"), "ports"), 0), "address"), 1)),
		"2001:db8:1::1/64");
	assert_int_equal(cfg_from_json(j, &back, &e), 0);
	assert_memory_equal(&back.ports[0], &c.ports[0], sizeof(c.ports[0]));
	assert_false(back.ports[1].has_addr6 == 0);
	json_decref(j);
	cfg_free(&back);
	cfg_free(&c);
#undef PDOC
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_api),
		cmocka_unit_test(test_node_backends),
		cmocka_unit_test(test_port_addr6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
