/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_CONFIG_H
#define SLUICE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

/*
 * The configuration model. One document, two spellings: YAML from a file (sluiced -c) and
 * JSON through the REST API (PUT /v1/config, POST /v1/services). Both are turned into a
 * jansson tree first and validated by the same code, so the two cannot drift apart.
 * Addresses and ports are stored in network byte order.
 */

#define CFG_MAX_PORTS 8
#define CFG_MAX_LADDRS 64
#define CFG_MAX_PEERS 16
#define CFG_MAX_WORKERS 32
#define CFG_MAX_SERVICES 1024
#define CFG_MAX_BACKENDS 4096 /* per service */
#define CFG_NAME_MAX 32
#define CFG_DEVICE_MAX 256
#define CFG_PATH_MAX 108 /* sun_path */
/*
 * The longest timeout or persistence, in seconds: 365 days. A conn deadline is 64 ms ticks
 * compared as a signed 32-bit difference (good to 2^31 ticks, 4.3 years) and an affinity
 * is seconds compared the same way (68 years); a year is well inside both.
 */
#define CFG_DURATION_MAX_S (365u * 86400u)

enum cfg_memory { CFG_MEM_AUTO = 0, CFG_MEM_HUGEPAGES, CFG_MEM_NO_HUGEPAGES };
enum cfg_mode { CFG_MODE_FULLNAT = 0, CFG_MODE_DR, CFG_MODE_TUN, CFG_MODE_NAT, CFG_MODE_MAX };
enum cfg_sched { CFG_SCHED_RR = 0, CFG_SCHED_WRR, CFG_SCHED_LC, CFG_SCHED_WLC, CFG_SCHED_SH,
		 CFG_SCHED_MAGLEV, CFG_SCHED_MAX };
/* What Maglev (and sh) hash: the 5-tuple, or the source address alone. */
enum cfg_hash { CFG_HASH_TUPLE = 0, CFG_HASH_SOURCE, CFG_HASH_MAX };

#define CFG_MAGLEV_SIZE_DEFAULT 65537u /* a prime, as the Maglev paper wants */
#define CFG_MAGLEV_SIZE_MIN 251u
#define CFG_MAGLEV_SIZE_MAX 4194301u   /* the largest prime below 2^22 */

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
	char name[CFG_NAME_MAX];
	char device[CFG_DEVICE_MAX]; /* a PCI address or a vdev string */
	uint32_t addr;
	uint8_t prefix_len;
};

struct cfg_route {
	uint32_t prefix;
	uint8_t depth;
	uint32_t via; /* next hop; must be inside a connected subnet of a port */
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
	uint32_t addr;
	uint16_t port;
	uint32_t weight;    /* 0 = drain: no new conns */
	uint32_t max_conns; /* active + inactive conns at most, over all workers; 0 = no limit */
	uint8_t inhibited;  /* taken out by an operator: no new conns */
	struct cfg_hc hc;   /* overrides of the service's health check (hc.set = 0: none) */
};

struct cfg_service {
	uint32_t vip;
	uint16_t port;
	uint8_t proto;   /* PROTO_TCP or PROTO_UDP */
	uint8_t mode;    /* enum cfg_mode */
	uint8_t sched;   /* enum cfg_sched */
	uint32_t persistence; /* seconds, 0 = off */
	uint8_t persistence_netmask; /* prefix length clients share affinity by (32 = per client) */
	uint8_t hash;         /* enum cfg_hash, for maglev */
	uint32_t maglev_size; /* Maglev lookup table entries, a prime */
	uint8_t announce;     /* enum cfg_announce */
	struct cfg_hc hc;     /* every member filled (defaults); type NONE = no checks */
	unsigned n_backends;
	struct cfg_backend *backends; /* malloc'd, n_backends long */
};

struct cfg {
	/* dataplane */
	unsigned workers;
	enum cfg_memory memory;
	uint32_t conn_table_size;
	unsigned n_ports;
	struct cfg_port ports[CFG_MAX_PORTS];
	unsigned n_routes;
	struct cfg_route *routes; /* malloc'd */
	unsigned n_laddrs;
	uint32_t laddrs[CFG_MAX_LADDRS];
	unsigned n_peers;
	uint32_t peers[CFG_MAX_PEERS]; /* the other nodes of the cluster, on a port's subnet */
	struct cfg_timeouts timeouts;
	/* control */
	char socket[CFG_PATH_MAX];
	char listen[64]; /* "addr:port", empty = off */
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

/**
 * Print an error the way sluiced and the API show it:
 * "FILE:LINE: FIELD: MSG", dropping the parts that are empty.
 * @return the number of characters written, as snprintf.
 */
int cfg_error_fmt(const struct cfg_error *e, char *buf, size_t len);

/** Fill a cfg with the defaults of every optional field (no ports, no services). */
void cfg_defaults(struct cfg *c);

/**
 * Load and validate a YAML file. On error returns a negative errno, fills err (with the
 * line of the offending node) and leaves c cleared. Control thread only.
 */
int cfg_load_file(const char *path, struct cfg *c, struct cfg_error *err);

/** The same from a YAML or JSON string (JSON is YAML); name is used as the file in errors. */
int cfg_load_string(const char *text, const char *name, struct cfg *c, struct cfg_error *err);

/** Validate a whole document given as a jansson tree (the REST API's PUT /v1/config). */
int cfg_from_json(const json_t *doc, struct cfg *c, struct cfg_error *err);

/**
 * Validate one service object, as found in services[] or a POST /v1/services body.
 * `field` prefixes the field names in errors (e.g. "services[2]", or "" for an API body).
 */
int cfg_service_from_json(const json_t *obj, const char *field, struct cfg_service *s,
			  struct cfg_error *err);

/** Validate one backend object {address, weight}. */
int cfg_backend_from_json(const json_t *obj, const char *field, struct cfg_backend *b,
			  struct cfg_error *err);

/**
 * Whether service svcs[idx] can work on node `node` (its ports and LIPs) beside the other
 * services of svcs[0..n): its VIP is no port address, LIP, address inside a port's subnet,
 * loopback address or backend of any service; its backends are no VIP, LIP, port address
 * or loopback; fullnat has LIPs. The loader runs the same checks on a whole document.
 * @return 0, or -EINVAL (-ENOMEM) with err->field `field`-prefixed ("vip",
 * "backends[2].address"). Any thread.
 */
int cfg_service_check(const struct cfg *node, const struct cfg_service *svcs, unsigned n,
		      unsigned idx, const char *field, struct cfg_error *err);

/**
 * The same for backend b about to join svcs[idx] (not yet in it): err->field is `field`
 * and "address". Any thread.
 */
int cfg_backend_check(const struct cfg *node, const struct cfg_service *svcs, unsigned n,
		      unsigned idx, const struct cfg_backend *b, const char *field,
		      struct cfg_error *err);

/** The JSON form of a service (without live state), as accepted by cfg_service_from_json. */
json_t *cfg_service_to_json(const struct cfg_service *s);

/** The JSON form of the whole config, as accepted by cfg_from_json. */
json_t *cfg_to_json(const struct cfg *c);

/** Deep copy; 0 or -ENOMEM. */
int cfg_service_copy(struct cfg_service *dst, const struct cfg_service *src);

void cfg_service_free(struct cfg_service *s);
void cfg_free(struct cfg *c);

/** The check a backend gets: the service's with the backend's overrides. */
void cfg_hc_merge(const struct cfg_hc *svc, const struct cfg_hc *be, struct cfg_hc *out);
/**
 * The JSON form of a check. whole (a service's): every member its type uses, and whatever
 * else was set; else (a backend's overrides) only the members set.
 */
json_t *cfg_hc_to_json(const struct cfg_hc *hc, bool whole);
/**
 * Whether the check backend b gets in service s (its overrides on s's check) is valid: 0,
 * or -EINVAL with err naming "health_check" (for the API's backend bodies).
 */
int cfg_backend_check_hc(const struct cfg_service *s, const struct cfg_backend *b,
			 struct cfg_error *err);
/** The defaults of every member (type NONE). */
void cfg_hc_defaults(struct cfg_hc *hc);

const char *cfg_mode_name(uint8_t mode);
const char *cfg_hc_type_name(uint8_t type);
const char *cfg_announce_name(uint8_t a);
const char *cfg_sched_name(uint8_t sched);
const char *cfg_hash_name(uint8_t hash);

#endif
