/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration loader's refusals, one named test per bad input: the exact line, field
 * and message of each, the formatted line sluiced prints, and the output left cleared.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "config/config.h"
#include "config_fixture.h"

/* ---- bad inputs: exact line, field and message ---- */

struct bad_case {
	const char *name;
	const char *text;
	int line;
	const char *field;
	const char *msg;
};

static const struct bad_case bad_cases[] = {
	{ "bad_weight",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    backends:\n"
		 "      - address: 10.0.2.11:8080\n"
		 "        weight: 70000\n",
	  10, "services[0].backends[0].weight", "70000 is out of range (0..65535)" },
	{ "negative_weight",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    backends: [{address: 10.0.2.11:8080, weight: -1}]\n",
	  8, "services[0].backends[0].weight", "-1 is out of range (0..65535)" },
	{ "bool_weight",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    backends:\n"
		 "      - address: 10.0.2.11:8080\n"
		 "\n"
		 "        weight: true\n",
	  11, "services[0].backends[0].weight", "expected an integer, got true" },
	{ "unknown_key",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    backends:\n"
		 "      - address: 10.0.2.11:8080\n"
		 "        wieght: 2\n",
	  10, "services[0].backends[0].wieght",
	  "unknown key 'wieght' (expected one of: address, weight, max_conns, inhibited, health_check)" },
	{ "unknown_top_key",
	  PORTS5 "service:\n"
		 "  - vip: 10.0.0.10:80/tcp\n",
	  6, "service", "unknown key 'service' (expected one of: dataplane, control, services)" },
	{ "unknown_key_value_on_next_line",
	  PORTS5 "  timeout:\n"
		 "    udp: 5\n",
	  6, "dataplane.timeout",
	  "unknown key 'timeout' (expected one of: workers, memory, conn_table_size, ports, "
	  "routes, local_addresses, peers, timeouts, defense, capture)" },
	{ "bad_vip",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80\n",
	  7, "services[0].vip",
	  "'10.0.0.10:80' is not a service address (a.b.c.d:port/tcp, or [2001:db8::1]:port/tcp; /udp for UDP)" },
	{ "multicast_vip",
	  PORTS5 "services:\n"
		 "  - vip: 224.0.0.1:80/udp\n",
	  7, "services[0].vip", "'224.0.0.1:80/udp' is not a unicast address" },
	{ "fullnat_without_lip",
	  PORTS5_NOLIP "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    mode: fullnat\n",
	  8, "services[0].mode",
	  "fullnat needs dataplane.local_addresses (the LIPs that backends answer to)" },
	{ "vip_is_port_address",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.1.1:80/tcp\n",
	  7, "services[0].vip",
	  "10.0.1.1 is the address of port 'client'; a VIP must be an address of its own" },
	{ "vip_is_lip",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.1.100:80/tcp\n",
	  7, "services[0].vip",
	  "10.0.1.100 is a local address (LIP); a VIP must be an address of its own" },
	{ "duplicate_vip",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "  - vip: 10.0.0.10:80/udp\n"
		 "  - vip: 10.0.0.10:80/tcp\n",
	  9, "services[2].vip", "duplicate service 10.0.0.10:80/tcp (also services[0])" },
	{ "duplicate_backend",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    backends:\n"
		 "      - {address: 10.0.2.11:8080}\n"
		 "      - {address: 10.0.2.12:8080}\n"
		 "      - {address: 10.0.2.11:8080, weight: 3}\n",
	  11, "services[0].backends[2].address",
	  "duplicate backend 10.0.2.11:8080 (also backends[0])" },
	{ "bad_backend_address",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    backends:\n"
		 "      - {address: 10.0.2.11:0}\n",
	  9, "services[0].backends[0].address",
	  "'10.0.2.11:0' is not an address with a port (a.b.c.d:port or [2001:db8::1]:port)" },
	{ "via_outside_subnets",
	  PORTS5 "  routes:\n"
		 "    - to: 0.0.0.0/0\n"
		 "      via: 10.9.9.9\n",
	  8, "dataplane.routes[0].via",
	  "next hop 10.9.9.9 is not inside any port's IPv4 subnet (10.0.1.0/24)" },
	{ "via_is_own_address",
	  PORTS5 "  routes: [{to: 0.0.0.0/0, via: 10.0.1.1}]\n",
	  6, "dataplane.routes[0].via", "10.0.1.1 is the address of port 'client' itself" },
	{ "route_host_bits",
	  PORTS5 "  routes: [{to: 10.1.2.3/16, via: 10.0.1.254}]\n",
	  6, "dataplane.routes[0].to", "'10.1.2.3/16' has host bits set (did you mean 10.1.0.0/16?)" },
	{ "route_missing_via",
	  PORTS5 "  routes:\n"
		 "    - to: 10.1.0.0/16\n",
	  7, "dataplane.routes[0].via", "missing required key 'via'" },
	{ "bad_duration",
	  PORTS5 "  timeouts:\n"
		 "    tcp_established: 15m\n"
		 "    tcp_close: 5x\n",
	  8, "dataplane.timeouts.tcp_close",
	  "bad duration \"5x\": use seconds or a number with ms, s, m, h or d, e.g. 900, "
	  "\"15m\", \"500ms\"" },
	{ "zero_timeout",
	  PORTS5 "  timeouts: {udp: 0}\n",
	  6, "dataplane.timeouts.udp", "0 is out of range (1..31536000)" },
	{ "zero_duration_string",
	  PORTS5 "  timeouts: {udp: 0s}\n",
	  6, "dataplane.timeouts.udp", "duration \"0s\" is shorter than 1 second" },
	{ "tunnel_in_another_mode",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    mode: dr\n"
		 "    tunnel: gue\n",
	  9, "services[0].tunnel", "tunnel is for mode tun (this service is mode dr)" },
	{ "tunnel_source_in_another_mode",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    tunnel_source: 10.0.1.1\n",
	  8, "services[0].tunnel_source",
	  "tunnel_source is for mode tun (this service is mode fullnat)" },
	{ "tunnel_unknown_type",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    mode: tun\n"
		 "    tunnel: {type: gre}\n",
	  9, "services[0].tunnel.type", "unknown tunnel type 'gre' (supported: ipip, gue)" },
	{ "tunnel_ipip_port",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    mode: tun\n"
		 "    tunnel: {type: ipip, port: 6080}\n",
	  9, "services[0].tunnel.port",
	  "an ipip tunnel has no port (port is GUE's UDP port)" },
	{ "tunnel_gue_port_zero",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    mode: tun\n"
		 "    tunnel: {type: gue, port: 0}\n",
	  9, "services[0].tunnel.port", "0 is out of range (1..65535)" },
	{ "tunnel_unknown_key",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    mode: tun\n"
		 "    tunnel: {type: gue, sport: 1}\n",
	  9, "services[0].tunnel.sport", "unknown key 'sport' (expected one of: type, port)" },
	{ "tunnel_source_not_ours",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    mode: tun\n"
		 "    tunnel_source: 10.0.1.9\n",
	  9, "services[0].tunnel_source",
	  "10.0.1.9 is no address of this node: tunnel_source names a port's address or a "
	  "local address (LIP), which the backends' answers about the tunnel come back to" },
	{ "tunnel_source_other_family",
	  PORTS5_V6 "services:\n"
		 "  - vip: '[2001:db8::10]:80/tcp'\n"
		 "    mode: tun\n"
		 "    tunnel_source: 10.0.1.1\n",
	  9, "services[0].tunnel_source",
	  "an IPv4 tunnel_source for an IPv6 VIP: the outer header is of the client's packet's "
	  "family" },
	{ "tun_backend_port_not_vip_port",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    mode: tun\n"
		 "    backends: [{address: 10.0.9.11:8080}]\n",
	  9, "services[0].backends[0].address",
	  "10.0.9.11:8080: in mode tun the backend port must be the VIP port (80): the packet "
	  "reaches the backend with the client's header, addresses and ports as they came" },
	{ "dr_backend_port_not_vip_port",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    mode: dr\n"
		 "    backends:\n"
		 "      - address: 10.0.1.11:80\n"
		 "      - address: 10.0.1.12:8080\n",
	  11, "services[0].backends[1].address",
	  "10.0.1.12:8080: in mode dr the backend port must be the VIP port (80): the packet "
	  "reaches the backend with the client's header, addresses and ports as they came" },
	{ "dr_backend_not_on_link",
	  PORTS5_NOLIP "services:\n"
		 "  - vip: 10.0.0.10:53/udp\n"
		 "    mode: dr\n"
		 "    backends: [{address: 10.0.9.11:53}]\n",
	  9, "services[0].backends[0].address",
	  "10.0.9.11 is on no port's subnet: in mode dr a backend is reached by its MAC, so it "
	  "must be on a LAN of the node (use mode tun or fullnat for a routed backend)" },
	{ "dr6_backend_port_not_vip_port",
	  PORTS5_V6 "services:\n"
		 "  - vip: '[2001:db8::10]:443/tcp'\n"
		 "    mode: dr\n"
		 "    backends: [{address: '[2001:db8:1::11]:8443'}]\n",
	  9, "services[0].backends[0].address",
	  "[2001:db8:1::11]:8443: in mode dr the backend port must be the VIP port (443): the "
	  "packet reaches the backend with the client's header, addresses and ports as they "
	  "came" },
	{ "unknown_mode",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    mode: fullnatt\n",
	  8, "services[0].mode", "unknown mode 'fullnatt' (supported: fullnat, dr, tun, nat)" },
	{ "maglev_size_not_prime",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    scheduler: maglev\n"
		 "    maglev: {table_size: 1000}\n",
	  9, "services[0].maglev.table_size",
	  "1000 is not a prime (Maglev's table size must be one; e.g. 65537, 655373)" },
	{ "bad_max_conns",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    backends: [{address: 10.0.2.11:80, max_conns: -1}]\n",
	  8, "services[0].backends[0].max_conns", "-1 is out of range (0..4294967295)" },
	{ "yaml_syntax",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    backends: [10.0.2.11:8080\n"
		 "  - vip: 10.0.0.11:80/tcp\n",
	  9, "",
	  "YAML syntax: while parsing a flow sequence (line 8): did not find expected ',' or ']'" },
	{ "yaml_bad_indent",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "   mode: fullnat\n",
	  8, "",
	  "YAML syntax: while parsing a block collection (line 7): did not find expected '-' "
	  "indicator" },
	{ "wrong_type_quoted_int",
	  "dataplane:\n"
	  "  workers: \"4\"\n"
	  "  ports: [{name: client, device: net_tap0, address: 10.0.1.1/24}]\n",
	  2, "dataplane.workers", "expected an integer, got the string \"4\"" },
	{ "wrong_type_list",
	  "dataplane:\n"
	  "  ports:\n"
	  "    name: client\n",
	  3, "dataplane.ports", "expected a list, got a mapping" },
	{ "wrong_type_device",
	  "dataplane:\n"
	  "  ports: [{name: client, device: 123, address: 10.0.1.1/24}]\n",
	  2, "dataplane.ports[0].device", "expected a string, got the integer 123" },
	{ "workers_range",
	  "dataplane:\n"
	  "  workers: 33\n"
	  "  ports: [{name: client, device: net_tap0, address: 10.0.1.1/24}]\n",
	  2, "dataplane.workers", "33 is out of range (1..32)" },
	{ "conn_table_range",
	  "dataplane:\n"
	  "  conn_table_size: 1023\n"
	  "  ports: [{name: client, device: net_tap0, address: 10.0.1.1/24}]\n",
	  2, "dataplane.conn_table_size", "1023 is out of range (1024..134217728)" },
	{ "bad_memory",
	  "dataplane:\n"
	  "  memory: huge\n"
	  "  ports: [{name: client, device: net_tap0, address: 10.0.1.1/24}]\n",
	  2, "dataplane.memory", "unknown memory 'huge' (supported: auto, hugepages, no-hugepages)" },
	{ "duplicate_key",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    mode: fullnat\n"
		 "    mode: fullnat\n",
	  9, "services[0].mode", "duplicate key 'mode'" },
	{ "missing_required",
	  "dataplane:\n"
	  "  ports:\n"
	  "    - name: client\n"
	  "      address: 10.0.1.1/24\n",
	  3, "dataplane.ports[0].device", "missing required key 'device'" },
	{ "required_without_value",
	  "dataplane:\n"
	  "  ports:\n"
	  "    - name: client\n"
	  "      device:\n"
	  "      address: 10.0.1.1/24\n",
	  4, "dataplane.ports[0].device", "required key 'device' has no value" },
	{ "missing_vip",
	  PORTS5 "services:\n"
		 "  - mode: fullnat\n"
		 "    backends: []\n",
	  7, "services[0].vip", "missing required key 'vip'" },
	{ "no_ports",
	  "dataplane:\n"
	  "  workers: 2\n"
	  "  ports: []\n",
	  3, "dataplane.ports", "at least one port is required" },
	{ "no_dataplane",
	  "control:\n"
	  "  socket: /tmp/x.sock\n",
	  1, "dataplane", "missing required key 'dataplane'" },
	{ "duplicate_port_name",
	  PORTS5 "    - name: client\n"
		 "      device: net_tap1\n"
		 "      address: 10.0.2.1/24\n",
	  6, "dataplane.ports[1].name", "duplicate port name 'client' (also ports[0])" },
	{ "duplicate_device",
	  PORTS5 "    - name: server\n"
		 "      device: net_tap0\n"
		 "      address: 10.0.2.1/24\n",
	  7, "dataplane.ports[1].device", "device 'net_tap0' is already used by ports[0]" },
	{ "port_address_is_subnet",
	  "dataplane:\n"
	  "  ports:\n"
	  "    - name: client\n"
	  "      device: net_tap0\n"
	  "      address: 10.0.1.0/24\n",
	  5, "dataplane.ports[0].address",
	  "'10.0.1.0/24' is the subnet's network or broadcast address; give the port's own "
	  "address (e.g. 10.0.1.1/24)" },
	{ "bad_port_name",
	  "dataplane:\n"
	  "  ports: [{name: \"a b\", device: net_tap0, address: 10.0.1.1/24}]\n",
	  2, "dataplane.ports[0].name",
	  "'a b': a name may only contain letters, digits, '-', '_' and '.'" },
	{ "bad_local_address",
	  PORTS5_NOLIP "  local_addresses:\n"
		 "    - 10.0.2.100\n"
		 "    - 10.0.2.300\n",
	  8, "dataplane.local_addresses[1]", "'10.0.2.300' is not an address (a.b.c.d or an IPv6 address)" },
	{ "duplicate_local_address",
	  PORTS5_NOLIP "  local_addresses: [10.0.2.100, 10.0.2.101, 10.0.2.100]\n",
	  6, "dataplane.local_addresses[2]",
	  "duplicate local address 10.0.2.100 (also local_addresses[0])" },
	{ "bad_listen",
	  PORTS5 "control:\n"
		 "  listen: localhost:9180\n",
	  7, "control.listen", "'localhost:9180' is not an address with a port (a.b.c.d:port)" },
	{ "listen_without_token",
	  PORTS5 "control:\n"
		 "  listen: 127.0.0.1:9180\n",
	  7, "control.listen", "a TCP listener needs control.token_file: every request over "
	  "TCP must carry its bearer token" },
	{ "token_file_relative",
	  PORTS5 "control:\n"
		 "  listen: 127.0.0.1:9180\n"
		 "  token_file: api.token\n",
	  8, "control.token_file", "'api.token' is no absolute path" },
	{ "public_unknown",
	  PORTS5 "control:\n"
		 "  listen: 127.0.0.1:9180\n"
		 "  token_file: /etc/sluice/api.token\n"
		 "  public: [metrics, stats]\n",
	  9, "control.public[1]", "'stats' is not metrics or page" },
	{ "token_without_listen",
	  PORTS5 "control:\n"
		 "  token_file: /etc/sluice/api.token\n",
	  7, "control.token_file", "only the TCP listener takes a token: set control.listen, or "
	  "leave this out (the unix socket is guarded by its mode, 0660)" },
	{ "capture_not_boolean",
	  PORTS5 "  capture: yes\n",
	  6, "dataplane.capture", "expected true or false" },
	{ "capture_without_hugepages",
	  PORTS5 "  memory: no-hugepages\n"
		 "  capture: true\n",
	  7, "dataplane.capture", "dpdk-dumpcap needs hugepages (DPDK takes secondary processes "
	  "only with them): set memory: hugepages or auto" },
	{ "health_check_not_mapping",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    health_check: yes\n",
	  8, "services[0].health_check", "expected a mapping, got the string \"yes\"" },
	{ "hc_unknown_type",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    health_check: {type: icmp}\n",
	  8, "services[0].health_check.type",
	  "unknown health check type 'icmp' (supported: none, tcp, http, udp, dns)" },
	{ "hc_unknown_key",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    health_check:\n"
		 "      type: tcp\n"
		 "      intervall: 1s\n",
	  10, "services[0].health_check.intervall",
	  "unknown key 'intervall' (expected one of: type, port, interval, timeout, rise, fall, "
	  "path, expect, host, payload, query, qtype, start)" },
	{ "hc_bad_start",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    health_check: {type: tcp, start: sideways}\n",
	  8, "services[0].health_check.start",
	  "unknown health check start 'sideways' (supported: up, down)" },
	{ "hc_start_not_string",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    backends:\n"
		 "      - {address: 10.0.2.11:80, health_check: {start: 1}}\n",
	  9, "services[0].backends[0].health_check.start", "expected a string, got the integer 1" },
	{ "hc_timeout_longer_than_interval",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    health_check: {type: tcp, interval: 1s, timeout: 1500ms}\n",
	  8, "services[0].health_check",
	  "timeout (1500 ms) is longer than interval (1000 ms)" },
	{ "hc_interval_too_short",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    health_check: {type: tcp, interval: 50ms}\n",
	  8, "services[0].health_check.interval", "duration \"50ms\" is shorter than 100 ms" },
	{ "hc_dns_without_query",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:53/udp\n"
		 "    health_check: {type: dns}\n",
	  8, "services[0].health_check", "a dns check needs 'query': the name to ask for" },
	{ "hc_bad_expect",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    health_check: {type: http, expect: 399-200}\n",
	  8, "services[0].health_check.expect",
	  "bad status range \"399-200\": statuses are 100..599, low to high" },
	{ "hc_bad_path",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    health_check: {type: http, path: healthz}\n",
	  8, "services[0].health_check.path", "a path starts with / and has no blanks" },
	{ "hc_backend_override_breaks_check",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    health_check: {type: tcp, interval: 2s}\n"
		 "    backends:\n"
		 "      - {address: 10.0.2.11:80}\n"
		 "      - {address: 10.0.2.12:80, health_check: {timeout: 3s}}\n",
	  11, "services[0].backends[1].health_check",
	  "timeout (3000 ms) is longer than interval (2000 ms)" },
	{ "hc_backend_bad_port",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    backends:\n"
		 "      - {address: 10.0.2.11:80, health_check: {type: tcp, port: 0}}\n",
	  9, "services[0].backends[0].health_check.port", "0 is out of range (1..65535)" },
	{ "peer_not_a_neighbour",
	  PORTS5 "  peers: [10.0.1.12, 10.9.9.9]\n",
	  6, "dataplane.peers[1]",
	  "peer 10.9.9.9 is not inside any port's IPv4 subnet (10.0.1.0/24)" },
	{ "peer_duplicate",
	  PORTS5 "  peers: [10.0.1.12, 10.0.1.12]\n",
	  6, "dataplane.peers[1]", "duplicate peer 10.0.1.12 (also peers[0])" },
	{ "v6_peer_not_a_neighbour",
	  PORTS5_V6 "  peers: [10.0.1.12, '2001:db8:9::12']\n",
	  6, "dataplane.peers[1]",
	  "peer 2001:db8:9::12 is not inside any port's IPv6 subnet (2001:db8:1::/64)" },
	{ "v6_peer_duplicate",
	  PORTS5_V6 "  peers: ['2001:db8:1::12', '2001:DB8:1:0::12']\n",
	  6, "dataplane.peers[1]", "duplicate peer 2001:DB8:1:0::12 (also peers[0])" },
	{ "v4_backend_v6_vip",
	  PORTS5_V6 "services:\n"
		 "  - vip: '[2001:db8:100::10]:80/tcp'\n"
		 "    backends: [{address: '[2001:db8:1::11]:80'}, {address: 10.0.1.12:80}]\n",
	  8, "services[0].backends[1].address",
	  "10.0.1.12: backends of both families behind one VIP: an IPv6 VIP's backends are all "
	  "IPv6, or all IPv4 (NAT64)" },
	{ "v6_backend_v4_vip",
	  PORTS5_V6 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    backends: [{address: '[2001:db8:1::11]:80'}]\n",
	  8, "services[0].backends[0].address",
	  "an IPv6 backend behind an IPv4 VIP: a service's backends are of its VIP's family "
	  "(IPv4 clients cannot reach IPv6 backends)" },
	{ "nat64_not_fullnat",
	  PORTS5_V6 "services:\n"
		 "  - vip: '[2001:db8:100::10]:80/tcp'\n"
		 "    mode: tun\n"
		 "    backends: [{address: 10.0.9.12:80}]\n",
	  9, "services[0].backends[0].address",
	  "an IPv4 backend behind an IPv6 VIP is NAT64, which mode fullnat does (this service is "
	  "mode tun)" },
	{ "nat64_without_v4_lip",
	  "dataplane:\n"
	  "  local_addresses: ['2001:db8:1::100']\n"
	  "  ports:\n"
	  "    - {name: client, device: net_tap0,\n"
	  "       address: [10.0.1.1/24, 2001:db8:1::1/64]}\n"
	  "services:\n"
	  "  - vip: '[2001:db8:100::10]:80/tcp'\n"
	  "    backends: [{address: 10.0.1.12:80}]\n",
	  8, "services[0].backends[0].address",
	  "10.0.1.12: NAT64 (an IPv4 backend behind an IPv6 VIP) needs an IPv4 address in "
	  "dataplane.local_addresses, which the backends answer to" },
	{ "v6_vip_without_v6_lip",
	  PORTS5 "services:\n"
		 "  - vip: '[2001:db8:100::10]:80/tcp'\n",
	  7, "services[0]",
	  "fullnat needs dataplane.local_addresses (the LIPs that backends answer to): an IPv6 "
	  "one for an IPv6 VIP" },
	{ "v6_vip_in_port_subnet",
	  PORTS5_V6 "services:\n"
		 "  - vip: '[2001:db8:1::10]:80/tcp'\n",
	  7, "services[0].vip",
	  "2001:db8:1::10 is inside the subnet of port 'client' (2001:db8:1::/64): sluiced would "
	  "answer neighbour solicitations for it there, taking it from that LAN; a VIP is routed "
	  "to the node from outside the ports' subnets" },
	{ "v6_vip_loopback",
	  PORTS5_V6 "services:\n"
		 "  - vip: '[::1]:80/tcp'\n",
	  7, "services[0].vip",
	  "::1 is a loopback address (::1); no packet from the network can reach it" },
	{ "v6_vip_link_local",
	  PORTS5_V6 "services:\n"
		 "  - vip: '[fe80::1]:80/tcp'\n",
	  7, "services[0].vip", "'[fe80::1]:80/tcp' is not a unicast address" },
	{ "v6_persistence_netmask",
	  PORTS5_V6 "services:\n"
		 "  - vip: '[2001:db8:100::10]:80/tcp'\n"
		 "    persistence_netmask: 129\n",
	  8, "services[0].persistence_netmask", "129 is out of range (0..128)" },
	{ "v4_persistence_netmask",
	  PORTS5_V6 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    persistence_netmask: 64\n",
	  8, "services[0].persistence_netmask", "64 is out of range (0..32)" },
	{ "v6_route_via_v4",
	  PORTS5_V6 "  routes: [{to: '2001:db8:200::/48', via: 10.0.1.254}]\n",
	  6, "dataplane.routes[0].via", "an IPv4 next hop for an IPv6 prefix" },
	{ "v6_route_via_outside",
	  PORTS5_V6 "  routes: [{to: '::/0', via: '2001:db8:9::1'}]\n",
	  6, "dataplane.routes[0].via",
	  "next hop 2001:db8:9::1 is not inside any port's IPv6 subnet (2001:db8:1::/64)" },
	{ "v6_backend_is_lip",
	  PORTS5_V6 "services:\n"
		 "  - vip: '[2001:db8:100::10]:80/tcp'\n"
		 "    backends: [{address: '[2001:db8:1::100]:80'}]\n",
	  8, "services[0].backends[0].address",
	  "2001:db8:1::100 is a local address (LIP) of this node; a backend must be another host" },
	{ "v6_duplicate_backend",
	  PORTS5_V6 "services:\n"
		 "  - vip: '[2001:db8:100::10]:80/tcp'\n"
		 "    backends: [{address: '[2001:db8:1::11]:80'}, {address: '[2001:db8:1:0::11]:80'}]\n",
	  8, "services[0].backends[1].address",
	  "duplicate backend [2001:db8:1::11]:80 (also backends[0])" },
	{ "bad_announce",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    announce: sometimes\n",
	  8, "services[0].announce",
	  "unknown announce 'sometimes' (supported: healthy, always, never)" },
	{ "bad_announce_interface",
	  PORTS5 "control:\n"
		 "  announce_interface: a/b\n",
	  7, "control.announce_interface",
	  "'a/b' is no interface name (letters, digits, '-', '_', '.'; at most 15) or false" },
	{ "yaml_alias",
	  PORTS5 "services:\n"
		 "  - vip: &v 10.0.0.10:80/tcp\n"
		 "  - vip: *v\n",
	  7, "services[0].vip",
	  "YAML anchors and aliases are not supported: write the value out" },
	{ "yaml_two_documents",
	  PORTS5 "---\n"
		 "dataplane: {}\n",
	  6, "", "only one YAML document is allowed ('---' starts a second one)" },
	{ "yaml_integer_overflow",
	  PORTS5 "  workers: 99999999999999999999\n",
	  6, "dataplane.workers", "integer 99999999999999999999 is out of range" },
	{ "yaml_tag",
	  PORTS5 "  workers: !!int 3\n",
	  6, "dataplane.workers", "YAML tag 'tag:yaml.org,2002:int' is not supported" },
	{ "top_not_mapping",
	  "- dataplane\n",
	  1, "", "expected a mapping, got a list" },
	{ "json_error_line",
	  "{\n"
	  "  \"dataplane\": {\n"
	  "    \"ports\": [\n"
	  "      {\"name\": \"client\", \"device\": \"net_tap0\", \"address\": \"10.0.1.1/24\"}\n"
	  "    ],\n"
	  "    \"workers\": 0\n"
	  "  }\n"
	  "}\n",
	  6, "dataplane.workers", "0 is out of range (1..32)" },
	{ "defense_unknown_key",
	  PORTS5 "  defense: {synproxy: false, syn_flood: 3}\n",
	  6, "dataplane.defense.syn_flood",
	  "unknown key 'syn_flood' (expected one of: synproxy, syn_rate, source_rate, allow, deny)" },
	{ "defense_bad_prefix",
	  PORTS5 "  defense:\n"
		 "    deny: [10.0.0.0/8,\n"
		 "           10.1.2.3/24]\n",
	  8, "dataplane.defense.deny[1]", "'10.1.2.3/24' has host bits set (did you mean 10.1.2.0/24?)" },
	{ "defense_not_an_address",
	  PORTS5 "  defense: {allow: [example.com]}\n",
	  6, "dataplane.defense.allow[0]",
	  "'example.com' is not an address or a prefix (a.b.c.d, a.b.c.d/len, 2001:db8::1 or "
	  "2001:db8::/len)" },
	{ "defense_rate_range",
	  PORTS5 "  defense: {syn_rate: 100000001}\n",
	  6, "dataplane.defense.syn_rate", "100000001 is out of range (0..100000000)" },
	{ "defense_family_of_service",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    defense:\n"
		 "      deny: ['2001:db8::/32']\n",
	  9, "services[0].defense.deny[0]",
	  "an IPv6 prefix for an IPv4 VIP: its clients are IPv4 (the node's dataplane.defense "
	  "takes both families)" },
	{ "defense_synproxy_udp",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:53/udp\n"
		 "    defense: {synproxy: true}\n",
	  8, "services[0].defense.synproxy",
	  "the SYN proxy serves TCP services in mode fullnat or nat (this one is UDP, mode "
	  "fullnat)" },
	{ "defense_synproxy_dr",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    mode: dr\n"
		 "    defense:\n"
		 "      synproxy: true\n",
	  10, "services[0].defense.synproxy",
	  "the SYN proxy serves TCP services in mode fullnat or nat (this one is TCP, mode dr)" },
	{ "defense_not_object",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    defense: [deny]\n",
	  8, "services[0].defense", "expected a mapping, got a list" },
	{ "client_address_dr",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    mode: dr\n"
		 "    client_address: proxy-v1\n",
	  9, "services[0].client_address",
	  "client_address is for mode fullnat: the backend of mode dr sees the client's address "
	  "itself" },
	{ "client_address_udp_toa",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:53/udp\n"
		 "    client_address: toa\n",
	  8, "services[0].client_address",
	  "a UDP service takes client_address proxy-v2 (a header on every datagram) or none: toa "
	  "is TCP's" },
	{ "client_address_unknown",
	  PORTS5 "services:\n"
		 "  - vip: 10.0.0.10:80/tcp\n"
		 "    client_address: proxy-v3\n",
	  8, "services[0].client_address",
	  "unknown client_address 'proxy-v3' (supported: none, toa, proxy-v1, proxy-v2)" },
	{ "empty_document",
	  "# nothing but a comment\n",
	  0, "", "the document is empty" },
};

#define N_BAD (sizeof(bad_cases) / sizeof(bad_cases[0]))

static void
test_bad(void **state)
{
	const struct bad_case *bc = *state;
	struct cfg c, zero;
	struct cfg_error e;
	char buf[512], want[512];

	memset(&zero, 0, sizeof(zero));
	memset(&c, 0xa5, sizeof(c)); /* garbage in: the loader must clear it */
	assert_int_equal(cfg_load_string(bc->text, "t.yaml", &c, &e), -EINVAL);
	print_message("%s: %s\n", bc->name, (cfg_error_fmt(&e, buf, sizeof(buf)), buf));
	assert_string_equal(e.file, "t.yaml");
	assert_int_equal(e.line, bc->line);
	assert_string_equal(e.field, bc->field);
	assert_string_equal(e.msg, bc->msg);
	assert_memory_equal(&c, &zero, sizeof(c));

	/* The formatted line is what sluiced prints. */
	if (bc->line > 0)
		snprintf(want, sizeof(want), "t.yaml:%d: %s%s%s", bc->line, bc->field,
			 bc->field[0] ? ": " : "", bc->msg);
	else
		snprintf(want, sizeof(want), "t.yaml: %s%s%s", bc->field,
			 bc->field[0] ? ": " : "", bc->msg);
	assert_int_equal(cfg_error_fmt(&e, buf, sizeof(buf)), (int)strlen(want));
	assert_string_equal(buf, want);
}

int
main(void)
{
	/* One named test per bad input, so a failure says which input it was. */
	struct CMUnitTest tests[N_BAD];
	size_t i;

	for (i = 0; i < N_BAD; i++)
		tests[i] = (struct CMUnitTest){ .name = bad_cases[i].name, .test_func = test_bad,
						.initial_state = (void *)&bad_cases[i] };
	return _cmocka_run_group_tests("config_bad", tests, N_BAD, NULL, NULL);
}
