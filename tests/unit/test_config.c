/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the configuration model (src/config/config.c) and its YAML loader
 * (src/config/yaml_json.c): full and default documents, round trips, API bodies, files.
 * The refusals of bad documents, line and field exact, are in test_config_bad.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/addr.h"
#include "config/config.h"
#include "config_fixture.h"

static uint32_t
ip(const char *s)
{
	uint32_t a = 0;

	assert_int_equal(addr_parse_ip(s, &a), 0);
	return a;
}

/* The config of DESIGN.md section 5 with every optional field set away from its default. */
static const char full_yaml[] =
	"# a full config\n"                                          /* 1 */
	"dataplane:\n"                                               /* 2 */
	"  workers: 4\n"                                             /* 3 */
	"  memory: no-hugepages\n"                                   /* 4 */
	"  conn_table_size: 65536\n"                                 /* 5 */
	"  ports:\n"                                                 /* 6 */
	"    - name: client\n"                                       /* 7 */
	"      device: net_af_xdp0,iface=veth-c\n"                   /* 8 */
	"      address: 10.0.1.1/24\n"                               /* 9 */
	"    - name: backend\n"                                      /* 10 */
	"      device: net_af_xdp1,iface=veth-s\n"                   /* 11 */
	"      address: 10.0.2.1/24\n"                               /* 12 */
	"  routes:\n"                                                /* 13 */
	"    - {to: 0.0.0.0/0, via: 10.0.1.254}\n"                   /* 14 */
	"    - to: 192.168.0.0/16\n"                                 /* 15 */
	"      via: 10.0.2.254\n"                                    /* 16 */
	"  local_addresses: [10.0.2.100, 10.0.2.101]\n"              /* 17 */
	"  timeouts:\n"                                              /* 18 */
	"    tcp_established: 15m\n"                                 /* 19 */
	"    tcp_syn_sent: 60\n"                                     /* 20 */
	"    tcp_syn_recv: \"30s\"\n"                                /* 21 */
	"    tcp_fin_wait: 1h\n"                                     /* 22 */
	"    tcp_time_wait: 1500ms\n"                                /* 23 */
	"    tcp_close: 5\n"                                         /* 24 */
	"    tcp_close_wait: 1m30s\n"                                /* 25 */
	"    tcp_last_ack: 20\n"                                     /* 26 */
	"    udp: 2m\n"                                              /* 27 */
	"control:\n"                                                 /* 28 */
	"  socket: /tmp/sluice-test.sock\n"                          /* 29 */
	"  listen: 127.0.0.1:9180\n"                                 /* 30 */
	"  token_file: /etc/sluice/api.token\n"                      /* 31 */
	"  public: [metrics]\n"                                      /* 32 */
	"services:\n"                                                /* 33 */
	"  - vip: 10.0.0.10:80/tcp\n"                                /* 34 */
	"    mode: fullnat\n"                                        /* 35 */
	"    scheduler: rr\n"                                        /* 36 */
	"    persistence: 5m\n"                                      /* 37 */
	"    backends:\n"                                            /* 38 */
	"      - {address: 10.0.2.11:8080, weight: 1}\n"             /* 39 */
	"      - {address: 10.0.2.12:8080, weight: 2}\n"             /* 40 */
	"      - address: 10.0.2.13:8080\n"                          /* 41 */
	"        weight: 0\n"                                        /* 42 */
	"    health_check: {type: http, path: /healthz, expect: 200-399, interval: 2s, "
	"timeout: 1s, rise: 2, fall: 3}\n"                           /* 43 */
	"  - vip: 10.0.0.10:53/udp\n"                                /* 44 */
	"    backends:\n"                                            /* 45 */
	"      - address: 10.0.2.11:53\n";                           /* 46 */

static void
check_full(const struct cfg *c)
{
	const struct cfg_service *s;

	assert_int_equal(c->workers, 4);
	assert_int_equal(c->memory, CFG_MEM_NO_HUGEPAGES);
	assert_int_equal(c->conn_table_size, 65536);
	assert_int_equal(c->n_ports, 2);
	assert_string_equal(c->ports[0].name, "client");
	assert_string_equal(c->ports[0].device, "net_af_xdp0,iface=veth-c");
	assert_int_equal(c->ports[0].addr, ip("10.0.1.1"));
	assert_int_equal(c->ports[0].prefix_len, 24);
	assert_string_equal(c->ports[1].name, "backend");
	assert_string_equal(c->ports[1].device, "net_af_xdp1,iface=veth-s");
	assert_int_equal(c->ports[1].addr, ip("10.0.2.1"));
	assert_int_equal(c->ports[1].prefix_len, 24);
	assert_int_equal(c->n_routes, 2);
	assert_int_equal(c->routes[0].prefix.w[3], 0);
	assert_int_equal(c->routes[0].depth, 0);
	assert_int_equal(c->routes[0].via.w[3], ip("10.0.1.254"));
	assert_int_equal(c->routes[1].prefix.w[3], ip("192.168.0.0"));
	assert_int_equal(c->routes[1].depth, 16);
	assert_int_equal(c->routes[1].via.w[3], ip("10.0.2.254"));
	assert_int_equal(c->n_laddrs, 2);
	assert_int_equal(c->laddrs[0].w[3], ip("10.0.2.100"));
	assert_int_equal(c->laddrs[1].w[3], ip("10.0.2.101"));
	assert_int_equal(c->timeouts.tcp_established, 900);
	assert_int_equal(c->timeouts.tcp_syn_sent, 60);
	assert_int_equal(c->timeouts.tcp_syn_recv, 30);
	assert_int_equal(c->timeouts.tcp_fin_wait, 3600);
	assert_int_equal(c->timeouts.tcp_time_wait, 2); /* 1500ms rounds up */
	assert_int_equal(c->timeouts.tcp_close, 5);
	assert_int_equal(c->timeouts.tcp_close_wait, 90);
	assert_int_equal(c->timeouts.tcp_last_ack, 20);
	assert_int_equal(c->timeouts.udp, 120);
	assert_string_equal(c->socket, "/tmp/sluice-test.sock");
	assert_string_equal(c->listen, "127.0.0.1:9180");
	assert_string_equal(c->token_file, "/etc/sluice/api.token");
	assert_true(c->public_metrics && !c->public_page);
	assert_int_equal(c->n_services, 2);

	s = &c->services[0];
	assert_int_equal(s->vip.w[3], ip("10.0.0.10"));
	assert_int_equal(s->port, htons(80));
	assert_int_equal(s->proto, PROTO_TCP);
	assert_int_equal(s->mode, SL_MODE_FULLNAT);
	assert_int_equal(s->sched, SL_SCHED_RR);
	assert_int_equal(s->persistence, 300);
	assert_int_equal(s->n_backends, 3);
	assert_int_equal(s->backends[0].addr.w[3], ip("10.0.2.11"));
	assert_int_equal(s->backends[0].port, htons(8080));
	assert_int_equal(s->backends[0].weight, 1);
	assert_int_equal(s->backends[1].addr.w[3], ip("10.0.2.12"));
	assert_int_equal(s->backends[1].port, htons(8080));
	assert_int_equal(s->backends[1].weight, 2);
	assert_int_equal(s->backends[2].addr.w[3], ip("10.0.2.13"));
	assert_int_equal(s->backends[2].weight, 0);

	s = &c->services[1];
	assert_int_equal(s->vip.w[3], ip("10.0.0.10"));
	assert_int_equal(s->port, htons(53));
	assert_int_equal(s->proto, PROTO_UDP);
	assert_int_equal(s->mode, SL_MODE_FULLNAT);
	assert_int_equal(s->sched, SL_SCHED_WRR);
	assert_int_equal(s->persistence, 0);
	assert_int_equal(s->n_backends, 1);
	assert_int_equal(s->backends[0].addr.w[3], ip("10.0.2.11"));
	assert_int_equal(s->backends[0].port, htons(53));
	assert_int_equal(s->backends[0].weight, 1);
}

static void
test_full(void **state)
{
	struct cfg c;
	struct cfg_error e;

	(void)state;
	assert_int_equal(cfg_load_string(full_yaml, "full.yaml", &c, &e), 0);
	check_full(&c);
	cfg_free(&c);
	assert_int_equal(c.n_services, 0);
	assert_null(c.services);
	assert_null(c.routes);
	cfg_free(&c); /* a freed cfg is cleared, so freeing again is harmless */
}

static void
check_defaults(const struct cfg *c)
{
	assert_int_equal(c->workers, 1);
	assert_int_equal(c->memory, CFG_MEM_AUTO);
	assert_int_equal(c->conn_table_size, 1048576);
	assert_int_equal(c->timeouts.tcp_established, 900);
	assert_int_equal(c->timeouts.tcp_syn_sent, 120);
	assert_int_equal(c->timeouts.tcp_syn_recv, 60);
	assert_int_equal(c->timeouts.tcp_fin_wait, 120);
	assert_int_equal(c->timeouts.tcp_time_wait, 120);
	assert_int_equal(c->timeouts.tcp_close, 10);
	assert_int_equal(c->timeouts.tcp_close_wait, 60);
	assert_int_equal(c->timeouts.tcp_last_ack, 30);
	assert_int_equal(c->timeouts.udp, 300);
	assert_string_equal(c->socket, "/run/sluice/sluiced.sock");
	assert_string_equal(c->listen, "");
	assert_int_equal(c->n_routes, 0);
	assert_null(c->routes);
	assert_int_equal(c->n_laddrs, 0);
	assert_int_equal(c->n_services, 0);
	assert_null(c->services);
}

static void
test_defaults(void **state)
{
	static const char yaml[] =
		"dataplane:\n"
		"  ports:\n"
		"    - {name: p0, device: 0000:01:00.0, address: 192.0.2.1/24}\n"
		"  routes:\n"      /* null: the same as absent */
		"  timeouts: {}\n"
		"control: {}\n"
		"services: []\n";
	struct cfg c;
	struct cfg_error e;

	(void)state;
	cfg_defaults(&c);
	check_defaults(&c);
	assert_int_equal(c.n_ports, 0);

	assert_int_equal(cfg_load_string(yaml, "min.yaml", &c, &e), 0);
	check_defaults(&c);
	assert_int_equal(c.n_ports, 1);
	assert_string_equal(c.ports[0].name, "p0");
	assert_string_equal(c.ports[0].device, "0000:01:00.0");
	assert_int_equal(c.ports[0].addr, ip("192.0.2.1"));
	assert_int_equal(c.ports[0].prefix_len, 24);
	cfg_free(&c);
}

/* ---- round trip ---- */

static void assert_hc_equal(const struct cfg_hc *a, const struct cfg_hc *b);

static void
assert_cfg_equal(const struct cfg *a, const struct cfg *b)
{
	unsigned i, k;

	assert_int_equal(a->workers, b->workers);
	assert_int_equal(a->memory, b->memory);
	assert_int_equal(a->conn_table_size, b->conn_table_size);
	assert_int_equal(a->n_ports, b->n_ports);
	for (i = 0; i < a->n_ports; i++) {
		assert_string_equal(a->ports[i].name, b->ports[i].name);
		assert_string_equal(a->ports[i].device, b->ports[i].device);
		assert_int_equal(a->ports[i].addr, b->ports[i].addr);
		assert_int_equal(a->ports[i].prefix_len, b->ports[i].prefix_len);
	}
	assert_int_equal(a->n_routes, b->n_routes);
	for (i = 0; i < a->n_routes; i++) {
		assert_memory_equal(&a->routes[i].prefix, &b->routes[i].prefix, 16);
		assert_int_equal(a->routes[i].depth, b->routes[i].depth);
		assert_memory_equal(&a->routes[i].via, &b->routes[i].via, 16);
	}
	assert_int_equal(a->n_laddrs, b->n_laddrs);
	for (i = 0; i < a->n_laddrs; i++)
		assert_memory_equal(&a->laddrs[i], &b->laddrs[i], 16);
	assert_memory_equal(&a->timeouts, &b->timeouts, sizeof(a->timeouts));
	assert_string_equal(a->socket, b->socket);
	assert_string_equal(a->listen, b->listen);
	assert_string_equal(a->token_file, b->token_file);
	assert_int_equal(a->public_metrics, b->public_metrics);
	assert_int_equal(a->public_page, b->public_page);
	assert_int_equal(a->n_services, b->n_services);
	for (i = 0; i < a->n_services; i++) {
		const struct cfg_service *x = &a->services[i], *y = &b->services[i];

		assert_memory_equal(&x->vip, &y->vip, 16);
		assert_int_equal(x->port, y->port);
		assert_int_equal(x->proto, y->proto);
		assert_int_equal(x->mode, y->mode);
		assert_int_equal(x->sched, y->sched);
		assert_int_equal(x->persistence, y->persistence);
		assert_int_equal(x->client_address, y->client_address);
		assert_int_equal(x->n_backends, y->n_backends);
		for (k = 0; k < x->n_backends; k++) {
			assert_memory_equal(&x->backends[k].addr, &y->backends[k].addr, 16);
			assert_int_equal(x->backends[k].port, y->backends[k].port);
			assert_int_equal(x->backends[k].weight, y->backends[k].weight);
			assert_memory_equal(&x->backends[k].hc, &y->backends[k].hc,
					    sizeof(x->backends[k].hc));
		}
		assert_int_equal(x->announce, y->announce);
		assert_hc_equal(&x->hc, &y->hc);
	}
	assert_string_equal(a->announce_if, b->announce_if);
	assert_int_equal(a->n_peers, b->n_peers);
	assert_memory_equal(a->peers, b->peers, sizeof(a->peers));
}

/* A service's check, except which members the document spelt out. */
static void
assert_hc_equal(const struct cfg_hc *a, const struct cfg_hc *b)
{
	struct cfg_hc x = *a, y = *b;

	x.set = y.set = 0;
	assert_memory_equal(&x, &y, sizeof(x));
}

static const char hc_text[] =
	PORTS5 "  peers: [10.0.1.12, 10.0.1.13]\n"
	"control: {announce_interface: vips0}\n"
	"services:\n"
	"  - vip: 10.0.0.10:53/udp\n"
	"    announce: always\n"
	"    client_address: proxy-v2\n"
	"    health_check: {type: dns, query: svc.test, qtype: txt, interval: 500ms, "
	"timeout: 200ms, rise: 1, fall: 4, start: down}\n"
	"    backends:\n"
	"      - {address: 10.0.2.11:53}\n"
	"      - {address: 10.0.2.12:53, health_check: {type: udp, payload: ping, port: 5353, "
	"start: up}}\n"
	"      - {address: 10.0.2.13:53, health_check: {type: none}}\n"
	"  - vip: 10.0.0.10:80/tcp\n"
	"    health_check: {type: http, path: /healthz, expect: 204, host: www.test}\n"
	/* No payload: an empty datagram, and the JSON form must load again (found by fuzz). */
	"  - vip: 10.0.0.11:123/udp\n"
	"    health_check: {type: udp}\n";

static void
test_health_check(void **state)
{
	const struct cfg_service *s;
	struct cfg c, c2;
	struct cfg_hc hc;
	struct cfg_error e;
	json_t *doc;

	(void)state;
	assert_int_equal(cfg_load_string(hc_text, "t.yaml", &c, &e), 0);
	assert_string_equal(c.announce_if, "vips0");
	assert_int_equal(c.n_peers, 2);
	assert_int_equal(c.peers[1].w[3], inet_addr("10.0.1.13"));
	s = &c.services[0];
	assert_int_equal(s->announce, CFG_ANNOUNCE_ALWAYS);
	assert_int_equal(s->hc.type, CFG_HC_DNS);
	assert_string_equal(s->hc.query, "svc.test");
	assert_int_equal(s->hc.qtype, 16);
	assert_int_equal(s->hc.interval_ms, 500);
	assert_int_equal(s->hc.timeout_ms, 200);
	assert_int_equal(s->hc.rise, 1);
	assert_int_equal(s->hc.fall, 4);
	assert_int_equal(s->hc.start, CFG_HC_START_DOWN);
	assert_int_equal(s->backends[0].hc.set, 0);
	/* The backend's overrides on top of the service's check. */
	cfg_hc_merge(&s->hc, &s->backends[1].hc, &hc);
	assert_int_equal(hc.type, CFG_HC_UDP);
	assert_string_equal(hc.payload, "ping");
	assert_int_equal(hc.port, htons(5353));
	assert_int_equal(hc.interval_ms, 500);
	assert_int_equal(hc.fall, 4);
	assert_int_equal(hc.start, CFG_HC_START_UP);
	cfg_hc_merge(&s->hc, &s->backends[0].hc, &hc);
	assert_int_equal(hc.start, CFG_HC_START_DOWN);
	cfg_hc_merge(&s->hc, &s->backends[2].hc, &hc);
	assert_int_equal(hc.type, CFG_HC_NONE);
	/* Defaults of an http check. */
	s = &c.services[1];
	assert_int_equal(s->announce, CFG_ANNOUNCE_HEALTHY);
	assert_int_equal(s->hc.expect_lo, 204);
	assert_int_equal(s->hc.expect_hi, 204);
	assert_string_equal(s->hc.host, "www.test");
	assert_int_equal(s->hc.interval_ms, 2000);
	assert_int_equal(s->hc.timeout_ms, 1000);
	assert_int_equal(s->hc.rise, 2);
	assert_int_equal(s->hc.fall, 3);
	assert_int_equal(s->hc.port, 0);
	assert_int_equal(s->hc.start, CFG_HC_START_UP); /* the default: keepalived's */
	assert_int_equal(c.services[2].hc.type, CFG_HC_UDP);
	assert_string_equal(c.services[2].hc.payload, "");

	/* And back: the JSON form loads to the same. */
	doc = cfg_to_json(&c);
	assert_non_null(doc);
	assert_int_equal(cfg_from_json(doc, &c2, &e), 0);
	assert_cfg_equal(&c, &c2);
	json_decref(doc);
	cfg_free(&c2);
	cfg_free(&c);
}

static void
test_round_trip(void **state)
{
	struct cfg a, b, d;
	struct cfg_error e;
	json_t *ja, *jb;
	char *text;

	(void)state;
	assert_int_equal(cfg_load_string(full_yaml, "full.yaml", &a, &e), 0);
	ja = cfg_to_json(&a);
	assert_non_null(ja);
	/* durations come out as integers of seconds */
	assert_int_equal(json_integer_value(json_object_get(
		json_object_get(json_object_get(ja, "dataplane"), "timeouts"), "tcp_fin_wait")), 3600);
	assert_int_equal(cfg_from_json(ja, &b, &e), 0);
	assert_cfg_equal(&a, &b);
	check_full(&b);
	jb = cfg_to_json(&b);
	assert_non_null(jb);
	assert_true(json_equal(ja, jb));

	/* and as JSON text through the YAML loader */
	text = json_dumps(ja, JSON_INDENT(2));
	assert_non_null(text);
	assert_int_equal(cfg_load_string(text, "full.json", &d, &e), 0);
	assert_cfg_equal(&a, &d);
	free(text);

	json_decref(ja);
	json_decref(jb);
	cfg_free(&a);
	cfg_free(&b);
	cfg_free(&d);
}

static void
test_round_trip_defaults(void **state)
{
	struct cfg a, b;
	struct cfg_error e;
	json_t *j;

	(void)state;
	assert_int_equal(cfg_load_string("{dataplane: {ports: [{name: p, device: net_null0, "
					 "address: 10.1.1.1/30}]}}", NULL, &a, &e), 0);
	j = cfg_to_json(&a);
	assert_non_null(j);
	assert_null(json_object_get(json_object_get(j, "control"), "listen"));
	assert_int_equal(json_array_size(json_object_get(j, "services")), 0);
	assert_int_equal(cfg_from_json(j, &b, &e), 0);
	assert_cfg_equal(&a, &b);
	check_defaults(&b);
	json_decref(j);
	cfg_free(&a);
	cfg_free(&b);
}

/* ---- the API side: JSON bodies, no lines ---- */

static void
test_service_api(void **state)
{
	static const char body[] =
		"{\"vip\": \"10.0.0.20:443/tcp\", \"scheduler\": \"rr\", \"persistence\": \"1h\","
		" \"client_address\": \"proxy-v2\","
		" \"backends\": [{\"address\": \"10.0.2.21:8443\", \"weight\": 5},"
		" {\"address\": \"10.0.2.22:8443\"}]}";
	struct cfg_service s, t, u;
	struct cfg_error e;
	json_t *j, *k;

	(void)state;
	j = json_loads(body, 0, NULL);
	assert_non_null(j);
	assert_int_equal(cfg_service_from_json(j, "", &s, &e), 0);
	json_decref(j);
	assert_int_equal(s.vip.w[3], ip("10.0.0.20"));
	assert_int_equal(s.port, htons(443));
	assert_int_equal(s.proto, PROTO_TCP);
	assert_int_equal(s.mode, SL_MODE_FULLNAT);
	assert_int_equal(s.sched, SL_SCHED_RR);
	assert_int_equal(s.persistence, 3600);
	assert_int_equal(s.client_address, SL_CA_PROXY_V2);
	assert_int_equal(s.n_backends, 2);
	assert_int_equal(s.backends[0].addr.w[3], ip("10.0.2.21"));
	assert_int_equal(s.backends[0].port, htons(8443));
	assert_int_equal(s.backends[0].weight, 5);
	assert_int_equal(s.backends[1].addr.w[3], ip("10.0.2.22"));
	assert_int_equal(s.backends[1].weight, 1);

	/* to_json -> from_json gives the same service */
	j = cfg_service_to_json(&s);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "vip")), "10.0.0.20:443/tcp");
	assert_string_equal(json_string_value(json_object_get(j, "mode")), "fullnat");
	assert_string_equal(json_string_value(json_object_get(j, "scheduler")), "rr");
	assert_int_equal(json_integer_value(json_object_get(j, "persistence")), 3600);
	assert_string_equal(json_string_value(json_object_get(j, "client_address")), "proxy-v2");
	assert_int_equal(cfg_service_from_json(j, "", &t, &e), 0);
	assert_int_equal(t.client_address, SL_CA_PROXY_V2);
	k = cfg_service_to_json(&t);
	assert_true(json_equal(j, k));
	json_decref(j);
	json_decref(k);
	assert_int_equal(t.n_backends, 2);
	assert_memory_equal(t.backends, s.backends, 2 * sizeof(*s.backends));

	/* a copy does not share backends with its source */
	assert_int_equal(cfg_service_copy(&u, &s), 0);
	assert_ptr_not_equal(u.backends, s.backends);
	s.backends[0].weight = 9;
	assert_int_equal(u.backends[0].weight, 5);
	assert_int_equal(u.n_backends, 2);
	assert_int_equal(u.vip.w[3], s.vip.w[3]);
	cfg_service_free(&s);
	assert_null(s.backends);
	assert_int_equal(s.n_backends, 0);
	cfg_service_free(&t);
	cfg_service_free(&u);
}

static void
test_service_api_errors(void **state)
{
	struct cfg_service s, zero;
	struct cfg_error e;
	char buf[256];
	json_t *j;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	j = json_pack("{s:s, s:[{s:s}, {s:s, s:i}]}", "vip", "10.0.0.20:443/tcp", "backends",
		      "address", "10.0.2.21:8443", "address", "10.0.2.22:8443", "weight", 65536);
	assert_non_null(j);
	assert_int_equal(cfg_service_from_json(j, "", &s, &e), -EINVAL);
	assert_int_equal(e.line, 0);
	assert_string_equal(e.file, "");
	assert_string_equal(e.field, "backends[1].weight");
	assert_string_equal(e.msg, "65536 is out of range (0..65535)");
	assert_memory_equal(&s, &zero, sizeof(s));
	assert_int_equal(cfg_error_fmt(&e, buf, sizeof(buf)), 52);
	assert_string_equal(buf, "backends[1].weight: 65536 is out of range (0..65535)");

	/* the prefix names the service inside a whole document */
	assert_int_equal(cfg_service_from_json(j, "services[2]", &s, &e), -EINVAL);
	assert_string_equal(e.field, "services[2].backends[1].weight");
	json_decref(j);

	j = json_pack("{s:s, s:s}", "vip", "10.0.0.20:443/tcp", "scheduler", "lblc");
	assert_int_equal(cfg_service_from_json(j, "", &s, &e), -EINVAL);
	assert_string_equal(e.field, "scheduler");
	assert_string_equal(e.msg, "unknown scheduler 'lblc' (supported: rr, wrr, lc, wlc, sh, maglev)");
	json_decref(j);

	/* Maglev's table size is a prime; the hash is tuple or source. */
	j = json_pack("{s:s, s:s, s:{s:i}}", "vip", "10.0.0.20:443/tcp", "scheduler", "maglev",
		      "maglev", "table_size", 65536);
	assert_int_equal(cfg_service_from_json(j, "", &s, &e), -EINVAL);
	assert_string_equal(e.field, "maglev.table_size");
	assert_string_equal(e.msg, "65536 is not a prime (Maglev's table size must be one; e.g. "
			    "65537, 655373)");
	json_decref(j);
	j = json_pack("{s:s, s:s, s:{s:i, s:s}, s:i}", "vip", "10.0.0.20:443/tcp", "scheduler",
		      "maglev", "maglev", "table_size", 655373, "hash", "source",
		      "persistence_netmask", 24);
	assert_int_equal(cfg_service_from_json(j, "", &s, &e), 0);
	assert_int_equal(s.sched, SL_SCHED_MAGLEV);
	assert_int_equal(s.maglev_size, 655373);
	assert_int_equal(s.hash, SL_HASH_SOURCE);
	assert_int_equal(s.persistence_netmask, 24);
	cfg_service_free(&s);
	json_decref(j);

	j = json_pack("{s:s, s:f}", "vip", "10.0.0.20:443/tcp", "persistence", 1.5);
	assert_int_equal(cfg_service_from_json(j, "", &s, &e), -EINVAL);
	assert_string_equal(e.field, "persistence");
	assert_string_equal(e.msg, "expected a duration (seconds, or a string such as \"15m\"), "
			    "got a number with a fraction");
	json_decref(j);

	j = json_pack("[]");
	assert_int_equal(cfg_service_from_json(j, "", &s, &e), -EINVAL);
	assert_string_equal(e.field, "");
	assert_string_equal(e.msg, "expected a mapping, got a list");
	json_decref(j);

	/* the error struct is optional */
	j = json_pack("{}");
	assert_int_equal(cfg_service_from_json(j, "", &s, NULL), -EINVAL);
	json_decref(j);
}

static void
test_backend_api(void **state)
{
	struct cfg_backend b;
	struct cfg_error e;
	json_t *j;

	(void)state;
	j = json_pack("{s:s, s:i}", "address", "10.0.2.9:80", "weight", 0);
	assert_int_equal(cfg_backend_from_json(j, "", &b, &e), 0);
	assert_int_equal(b.addr.w[3], ip("10.0.2.9"));
	assert_int_equal(b.port, htons(80));
	assert_int_equal(b.weight, 0);
	json_decref(j);

	j = json_pack("{s:s, s:b}", "address", "10.0.2.9:80", "drain", 1);
	assert_int_equal(cfg_backend_from_json(j, "body", &b, &e), -EINVAL);
	assert_string_equal(e.field, "body.drain");
	assert_string_equal(e.msg, "unknown key 'drain' (expected one of: address, weight, max_conns, inhibited, health_check)");
	json_decref(j);

	j = json_pack("{s:s}", "address", "0.0.0.0:80");
	assert_int_equal(cfg_backend_from_json(j, "", &b, &e), -EINVAL);
	assert_string_equal(e.field, "address");
	assert_string_equal(e.msg, "'0.0.0.0:80' is not a unicast address");
	json_decref(j);
}

/* ---- files ---- */

static void
test_load_file(void **state)
{
	char path[] = "/tmp/sluice-test-config-XXXXXX";
	struct cfg c;
	struct cfg_error e;
	char buf[512], want[600];
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, full_yaml, sizeof(full_yaml) - 1), (ssize_t)sizeof(full_yaml) - 1);
	close(fd);
	assert_int_equal(cfg_load_file(path, &c, &e), 0);
	check_full(&c);
	cfg_free(&c);

	/* an error names the file and the line */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_true(write(fd, PORTS5 "  workers: 0\n", sizeof(PORTS5 "  workers: 0\n") - 1) > 0);
	close(fd);
	assert_int_equal(cfg_load_file(path, &c, &e), -EINVAL);
	cfg_error_fmt(&e, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%s:6: dataplane.workers: 0 is out of range (1..32)", path);
	assert_string_equal(buf, want);
	unlink(path);

	assert_int_equal(cfg_load_file(path, &c, &e), -ENOENT);
	cfg_error_fmt(&e, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
	assert_string_equal(buf, want);
}

static void
test_error_fmt(void **state)
{
	struct cfg_error e;
	char buf[64], small[8];

	(void)state;
	memset(&e, 0, sizeof(e));
	snprintf(e.msg, sizeof(e.msg), "bad");
	assert_int_equal(cfg_error_fmt(&e, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "bad");
	snprintf(e.field, sizeof(e.field), "a.b");
	cfg_error_fmt(&e, buf, sizeof(buf));
	assert_string_equal(buf, "a.b: bad");
	e.line = 7;
	cfg_error_fmt(&e, buf, sizeof(buf));
	assert_string_equal(buf, "line 7: a.b: bad");
	snprintf(e.file, sizeof(e.file), "x.yaml");
	cfg_error_fmt(&e, buf, sizeof(buf));
	assert_string_equal(buf, "x.yaml:7: a.b: bad");
	e.line = 0;
	e.field[0] = '\0';
	cfg_error_fmt(&e, buf, sizeof(buf));
	assert_string_equal(buf, "x.yaml: bad");
	/* like snprintf: the full length comes back even when cut */
	e.line = 12;
	assert_int_equal(cfg_error_fmt(&e, small, sizeof(small)), 14);
	assert_string_equal(small, "x.yaml:");
	assert_int_equal(cfg_error_fmt(&e, NULL, 0), 14);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(cfg_mode_name(SL_MODE_FULLNAT), "fullnat");
	assert_string_equal(cfg_mode_name(SL_MODE_DR), "dr");
	assert_string_equal(cfg_mode_name(SL_MODE_TUN), "tun");
	assert_string_equal(cfg_mode_name(SL_MODE_NAT), "nat");
	assert_string_equal(cfg_mode_name(SL_MODE_MAX), "?");
	assert_string_equal(cfg_sched_name(SL_SCHED_RR), "rr");
	assert_string_equal(cfg_sched_name(SL_SCHED_WRR), "wrr");
	assert_string_equal(cfg_sched_name(SL_SCHED_LC), "lc");
	assert_string_equal(cfg_sched_name(SL_SCHED_WLC), "wlc");
	assert_string_equal(cfg_sched_name(SL_SCHED_SH), "sh");
	assert_string_equal(cfg_sched_name(SL_SCHED_MAGLEV), "maglev");
	assert_string_equal(cfg_sched_name(200), "?");
}

/* The smallest valid document, built as JSON. */
static json_t *
doc_with_ports(void)
{
	return json_pack("{s:{s:[{s:s, s:s, s:s}], s:[s]}}", "dataplane", "ports", "name", "p",
			 "device", "net_null0", "address", "10.0.1.1/24", "local_addresses", "10.0.1.100");
}

static void
test_limits(void **state)
{
	struct cfg c;
	struct cfg_error e;
	json_t *doc, *arr, *svc, *bes;
	unsigned i;

	(void)state;
	/* 64 local addresses are fine, 65 are not */
	doc = doc_with_ports();
	arr = json_array();
	for (i = 0; i < SL_MAX_LADDRS; i++)
		json_array_append_new(arr, json_sprintf("10.0.3.%u", i + 1));
	json_object_set_new(json_object_get(doc, "dataplane"), "local_addresses", arr);
	assert_int_equal(cfg_from_json(doc, &c, &e), 0);
	assert_int_equal(c.n_laddrs, SL_MAX_LADDRS);
	assert_int_equal(c.laddrs[63].w[3], ip("10.0.3.64"));
	cfg_free(&c);
	json_array_append_new(arr, json_string("10.0.3.200"));
	assert_int_equal(cfg_from_json(doc, &c, &e), -EINVAL);
	assert_string_equal(e.field, "dataplane.local_addresses");
	assert_string_equal(e.msg, "too many local addresses: 65 (at most 64)");
	json_decref(doc);

	/* SL_MAX_BACKENDS distinct backends pass; one repeat at the end is found */
	doc = doc_with_ports();
	svc = json_pack("{s:s}", "vip", "10.0.0.1:80/tcp");
	bes = json_array();
	for (i = 0; i < SL_MAX_BACKENDS; i++) {
		char a[32];

		snprintf(a, sizeof(a), "10.1.%u.%u:80", i / 256, i % 256);
		json_array_append_new(bes, json_pack("{s:s}", "address", a));
	}
	json_object_set_new(svc, "backends", bes);
	json_object_set_new(doc, "services", json_pack("[o]", svc));
	assert_int_equal(cfg_from_json(doc, &c, &e), 0);
	assert_int_equal(c.services[0].n_backends, SL_MAX_BACKENDS);
	cfg_free(&c);
	json_array_set_new(bes, SL_MAX_BACKENDS - 1, json_pack("{s:s}", "address", "10.1.0.7:80"));
	assert_int_equal(cfg_from_json(doc, &c, &e), -EINVAL);
	assert_string_equal(e.field, "services[0].backends[4095].address");
	assert_string_equal(e.msg, "duplicate backend 10.1.0.7:80 (also backends[7])");
	json_array_append_new(bes, json_pack("{s:s}", "address", "10.9.9.9:80"));
	assert_int_equal(cfg_from_json(doc, &c, &e), -EINVAL);
	assert_string_equal(e.field, "services[0].backends");
	assert_string_equal(e.msg, "too many backends: 4097 (at most 4096)");
	json_decref(doc);

	/* nine ports */
	doc = json_pack("{s:{s:[]}}", "dataplane", "ports");
	arr = json_object_get(json_object_get(doc, "dataplane"), "ports");
	for (i = 0; i < SL_MAX_PORTS + 1; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "name", "p", "device",
						     "d", "address", "10.0.1.1/24"));
	assert_int_equal(cfg_from_json(doc, &c, &e), -EINVAL);
	assert_string_equal(e.field, "dataplane.ports");
	assert_string_equal(e.msg, "too many ports: 9 (at most 8)");
	json_decref(doc);

	/* no document at all */
	assert_int_equal(cfg_from_json(NULL, &c, &e), -EINVAL);
	assert_string_equal(e.msg, "no document");
}

/* An error in a later service frees what the earlier ones allocated (valgrind checks). */
static void
test_error_frees(void **state)
{
	static const char yaml[] =
		PORTS5
		"  routes: [{to: 10.5.0.0/16, via: 10.0.1.9}]\n"
		"services:\n"
		"  - vip: 10.0.0.10:80/tcp\n"
		"    backends: [{address: 10.0.2.11:80}, {address: 10.0.2.12:80}]\n"
		"  - vip: 10.0.0.11:80/tcp\n"
		"    backends: [{address: 10.0.2.11:80}, {address: 10.0.2.12:80, weight: x}]\n";
	struct cfg c, zero;
	struct cfg_error e;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(cfg_load_string(yaml, "t.yaml", &c, &e), -EINVAL);
	assert_int_equal(e.line, 11);
	assert_string_equal(e.field, "services[1].backends[1].weight");
	assert_string_equal(e.msg, "expected an integer, got the string \"x\"");
	assert_memory_equal(&c, &zero, sizeof(c));
}

/* The YAML loader's own rules: scalar types, nesting bound, JSON through YAML. */
static void
test_yaml_scalars(void **state)
{
	struct cfg c;
	struct cfg_error e;
	char deep[400];
	size_t i, off = 0;

	(void)state;
	/* quoted numbers are strings: '1' is a fine port name, "123" a string (if no device) */
	assert_int_equal(cfg_load_string("dataplane: {ports: [{name: '1', device: net_null0, "
					 "address: 10.0.1.1/24}], workers: +2}", "t", &c, &e), 0);
	assert_string_equal(c.ports[0].name, "1");
	assert_int_equal(c.workers, 2);
	cfg_free(&c);
	assert_int_equal(cfg_load_string("dataplane: {ports: [{name: p, device: \"123\", "
					 "address: 10.0.1.1/24}]}", "t", &c, &e), -EINVAL);
	assert_string_equal(e.msg, "'123' is neither a PCI address (0000:01:00.0) nor a DPDK "
				   "virtual device (net_af_xdp0,iface=eth1)");

	/* YAML 1.1 booleans (yes/no) stay strings */
	assert_int_equal(cfg_load_string(PORTS5 "  workers: yes\n", "t", &c, &e), -EINVAL);
	assert_string_equal(e.msg, "expected an integer, got the string \"yes\"");

	/* a hostile nesting depth is an error, not a stack overflow */
	off += (size_t)snprintf(deep + off, sizeof(deep) - off, "dataplane: ");
	for (i = 0; i < 100; i++)
		deep[off++] = '[';
	deep[off] = '\0';
	assert_int_equal(cfg_load_string(deep, "t", &c, &e), -EINVAL);
	assert_int_equal(e.line, 1);
	assert_string_equal(e.msg, "nested deeper than 64 levels");

	/* a NUL inside a string cannot hide the rest of a name */
	assert_int_equal(cfg_load_string("dataplane: {ports: [{name: \"a\\0b\", device: net_null0, "
					 "address: 10.0.1.1/24}]}", "t", &c, &e), -EINVAL);
	assert_string_equal(e.field, "dataplane.ports[0].name");
	assert_string_equal(e.msg, "must not contain a NUL byte");

	/* tabs for indentation are a syntax error with a line */
	assert_int_equal(cfg_load_string("dataplane:\n\tworkers: 1\n", "t", &c, &e), -EINVAL);
	assert_int_equal(e.line, 2);

	/* a null text */
	assert_int_equal(cfg_load_string(NULL, "t", &c, &e), -EINVAL);
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_round_trip_defaults),
		cmocka_unit_test(test_service_api),
		cmocka_unit_test(test_service_api_errors),
		cmocka_unit_test(test_backend_api),
		cmocka_unit_test(test_health_check),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_error_fmt),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_error_frees),
		cmocka_unit_test(test_yaml_scalars),
	};
	return cmocka_run_group_tests(fixed, NULL, NULL);
}
