/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_CONFIG_T_H
#define SLUICE_CONFIG_T_H

#include <stdint.h>

#include "common/addr.h"
#include "common/kinds.h"
#include "common/limits.h"

/*
 * The configuration model's types, without jansson: what the control side passes around.
 * The functions that read and write documents are in config/config.h. No data-plane file
 * includes either: the data plane takes its own spec structs (worker/dp_build.h, net/route.h,
 * service/snapshot.h), which the control side builds from these.
 * Addresses and ports are stored in network byte order.
 */

#define CFG_PATH_MAX 108 /* sun_path */
#define CFG_DEFAULT_SOCKET "/run/sluice/sluiced.sock" /* control.socket's default */

enum cfg_memory { CFG_MEM_AUTO = 0, CFG_MEM_HUGEPAGES, CFG_MEM_NO_HUGEPAGES };

/* Connection timeouts in seconds; names follow ipvsadm --set and IPVS's state names. */
struct cfg_timeouts {
	uint32_t tcp_established;  /* 900 */
	uint32_t tcp_syn_sent;     /* 120 */
	uint32_t tcp_syn_recv;     /* 60 */
	uint32_t tcp_fin_wait;     /* 120 */
	uint32_t tcp_time_wait;    /* 120 */
	uint32_t tcp_close;        /* 10 */
	uint32_t tcp_close_wait;   /* 60 */
	uint32_t tcp_last_ack;     /* 30 */
	uint32_t udp;              /* 300 */
	uint32_t lip_quarantine;   /* 60: a (LIP, port, backend) rests this long after a TCP conn */
};

struct cfg_port {
	char name[SL_NAME_MAX];
	char device[SL_DEVICE_MAX]; /* a PCI address or a vdev string */
	uint32_t addr;
	uint8_t prefix_len;
	uint8_t has_addr6;     /* an IPv6 address beside the IPv4 one */
	uint8_t prefix6_len;
	union addr46 addr6;
};

/* A static route of either family; prefix and next hop are of one family. */
struct cfg_route {
	union addr46 prefix;
	uint8_t depth; /* in the family's terms: 0..32 or 0..128 */
	union addr46 via; /* next hop; must be inside a connected subnet of a port */
};

/* Health checks (control/health.c runs them; docs/config.md has the fields). */
enum cfg_hc_type { CFG_HC_NONE = 0, CFG_HC_TCP, CFG_HC_HTTP, CFG_HC_UDP, CFG_HC_DNS,
		   CFG_HC_MAX };
/* How a new backend starts: up until its first check fails (keepalived's default), or down
 * until its first check passes (keepalived's `alpha`). */
enum cfg_hc_start { CFG_HC_START_UP = 0, CFG_HC_START_DOWN, CFG_HC_START_MAX };

/* Which members a health_check mapping gave: a backend's mapping overrides just these. */
enum {
	CFG_HCF_TYPE = 1 << 0,
	CFG_HCF_PORT = 1 << 1,
	CFG_HCF_INTERVAL = 1 << 2,
	CFG_HCF_TIMEOUT = 1 << 3,
	CFG_HCF_RISE = 1 << 4,
	CFG_HCF_FALL = 1 << 5,
	CFG_HCF_PATH = 1 << 6,
	CFG_HCF_EXPECT = 1 << 7,
	CFG_HCF_HOST = 1 << 8,
	CFG_HCF_PAYLOAD = 1 << 9,
	CFG_HCF_QUERY = 1 << 10,
	CFG_HCF_QTYPE = 1 << 11,
	CFG_HCF_START = 1 << 12,
};

#define CFG_HC_PATH_MAX 128
#define CFG_HC_HOST_MAX 64
#define CFG_HC_PAYLOAD_MAX 64
#define CFG_HC_QUERY_MAX 128
#define CFG_HC_INTERVAL_MIN_MS 100
#define CFG_HC_INTERVAL_MAX_MS 3600000
#define CFG_HC_TIMEOUT_MIN_MS 10

struct cfg_hc {
	uint16_t set;       /* CFG_HCF_* */
	uint8_t type;       /* enum cfg_hc_type */
	uint8_t rise, fall; /* successes to come back, failures in a row to go down */
	uint16_t port;      /* network order; 0 = the backend's port */
	uint16_t expect_lo, expect_hi; /* http: accepted status range */
	uint16_t qtype;     /* dns: query type (1 = A) */
	uint8_t start;      /* enum cfg_hc_start: the state of a new backend */
	uint32_t interval_ms, timeout_ms;
	char path[CFG_HC_PATH_MAX];       /* http */
	char host[CFG_HC_HOST_MAX];       /* http: Host header, "" = the backend's address */
	char payload[CFG_HC_PAYLOAD_MAX]; /* udp: sent as is */
	char query[CFG_HC_QUERY_MAX];     /* dns: the name asked */
};

/* When a service's VIP is announced (control/announce.c). */
enum cfg_announce { CFG_ANNOUNCE_HEALTHY = 0, CFG_ANNOUNCE_ALWAYS, CFG_ANNOUNCE_NEVER,
		    CFG_ANNOUNCE_MAX };

struct cfg_backend {
	union addr46 addr;  /* of the VIP's family */
	uint16_t port;
	uint32_t weight;    /* 0 = drain: no new conns */
	uint32_t max_conns; /* active + inactive conns at most, over all workers; 0 = no limit */
	uint8_t inhibited;  /* taken out by an operator: no new conns */
	struct cfg_hc hc;   /* overrides of the service's health check (hc.set = 0: none) */
};

/*
 * Defenses (defense/): a service's `defense:` over the node's `dataplane.defense`. A member a
 * service does not give (its CFG_DEFF_* bit clear) is the node's; the allow and deny lists
 * of both apply (a new conn must pass the node's and the service's).
 */
enum {
	CFG_DEFF_SYNPROXY = 1 << 0,
	CFG_DEFF_SYN_RATE = 1 << 1,
	CFG_DEFF_SOURCE_RATE = 1 << 2,
	CFG_DEFF_ALLOW = 1 << 3,
	CFG_DEFF_DENY = 1 << 4,
};

/* A source prefix: addr and its length in the family's terms (a bare address: the host). */
struct cfg_prefix {
	union addr46 addr;
	uint8_t len;
};

struct cfg_defense {
	uint8_t set;          /* CFG_DEFF_*: the members the document gave */
	uint8_t synproxy;
	uint32_t syn_rate;    /* new conns a second to the service, node-wide; 0 = no limit */
	uint32_t source_rate; /* new conns a second from one client (an IPv4 address, an IPv6
			       * /64) to the service, node-wide; 0 = no limit */
	unsigned n_allow, n_deny;
	struct cfg_prefix *allow; /* malloc'd */
	struct cfg_prefix *deny;  /* malloc'd */
};

/*
 * What a service with defense svc gets on a node with defense node: each of synproxy,
 * syn_rate and source_rate, the service's if it gave it, else the node's (out has no
 * lists: both svc's and node's apply). Any thread.
 */
static inline void
cfg_defense_effective(const struct cfg_defense *svc, const struct cfg_defense *node,
		      struct cfg_defense *out)
{
	*out = (struct cfg_defense){
		.synproxy = (svc->set & CFG_DEFF_SYNPROXY) ? svc->synproxy : node->synproxy,
		.syn_rate = (svc->set & CFG_DEFF_SYN_RATE) ? svc->syn_rate : node->syn_rate,
		.source_rate = (svc->set & CFG_DEFF_SOURCE_RATE) ? svc->source_rate
								 : node->source_rate,
	};
}

struct cfg_service {
	union addr46 vip;
	uint16_t port;
	uint8_t proto;   /* PROTO_TCP or PROTO_UDP */
	uint8_t mode;    /* enum sl_mode */
	uint8_t sched;   /* enum sl_sched */
	uint32_t persistence; /* seconds, 0 = off */
	uint8_t persistence_netmask; /* prefix length clients share affinity by (32, or 128
				      * for an IPv6 VIP, = per client) */
	uint8_t hash;         /* enum sl_hash, for maglev */
	uint32_t maglev_size; /* Maglev lookup table entries, a prime */
	uint8_t announce;     /* enum cfg_announce */
	uint8_t tunnel;       /* mode tun: enum sl_tunnel */
	uint16_t tunnel_port; /* mode tun, gue: the outer UDP destination port, network order */
	union addr46 tunnel_source; /* mode tun: the outer source; all zero: the address of
				     * the port toward the backend */
	uint8_t client_address; /* mode fullnat: enum sl_client_addr */
	struct cfg_hc hc;     /* every member filled (defaults); type NONE = no checks */
	struct cfg_defense defense;
	unsigned n_backends;
	struct cfg_backend *backends; /* malloc'd, n_backends long */
};

struct cfg {
	/* dataplane */
	unsigned workers;
	enum cfg_memory memory;
	uint32_t conn_table_size;
	uint8_t capture; /* DPDK's packet-capture server, for dpdk-dumpcap */
	unsigned n_ports;
	struct cfg_port ports[SL_MAX_PORTS];
	unsigned n_routes;
	struct cfg_route *routes; /* malloc'd */
	unsigned n_laddrs;
	union addr46 laddrs[SL_MAX_LADDRS]; /* FULLNAT's local addresses, both families */
	unsigned n_peers;
	union addr46 peers[SL_MAX_PEERS]; /* the other nodes of the cluster, on a port's subnet */
	struct cfg_timeouts timeouts;
	struct cfg_defense defense; /* the node's: what a service does not set, and its lists */
	/* control */
	char socket[CFG_PATH_MAX];
	char listen[64]; /* "addr:port", empty = off */
	char token_file[CFG_PATH_MAX]; /* the TCP listener's bearer token; empty = none */
	uint8_t public_metrics; /* control.public: GET /metrics over TCP without the token */
	uint8_t public_page;    /* control.public: the status page over TCP without it */
	char announce_if[16]; /* the interface VIPs are published on, empty = off */
	uint8_t announce_if_given; /* the document set it (else a failure to make it is no error) */
	/* services */
	unsigned n_services;
	struct cfg_service *services; /* malloc'd */
};

/*
 * Where a validation error was found. `line` is the 1-based line in the YAML file, 0 when
 * the document came as JSON. `field` is a path such as "services[0].backends[1].weight".
 */
struct cfg_error {
	char file[256];
	int line;
	char field[128];
	char msg[256];
};

#endif
