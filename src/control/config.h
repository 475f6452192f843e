/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_CONFIG_H
#define SLUICE_CONFIG_H

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
#define CFG_MAX_WORKERS 32
#define CFG_MAX_SERVICES 1024
#define CFG_MAX_BACKENDS 4096 /* per service */
#define CFG_NAME_MAX 32
#define CFG_DEVICE_MAX 256
#define CFG_PATH_MAX 108 /* sun_path */

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

struct cfg_backend {
	uint32_t addr;
	uint16_t port;
	uint32_t weight;    /* 0 = drain: no new conns */
	uint32_t max_conns; /* active + inactive conns at most, over all workers; 0 = no limit */
	uint8_t inhibited;  /* taken out (by an operator or a health check): no new conns */
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
	struct cfg_timeouts timeouts;
	/* control */
	char socket[CFG_PATH_MAX];
	char listen[64]; /* "addr:port", empty = off */
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

/** The JSON form of a service (without live state), as accepted by cfg_service_from_json. */
json_t *cfg_service_to_json(const struct cfg_service *s);

/** The JSON form of the whole config, as accepted by cfg_from_json. */
json_t *cfg_to_json(const struct cfg *c);

/** Deep copy; 0 or -ENOMEM. */
int cfg_service_copy(struct cfg_service *dst, const struct cfg_service *src);

void cfg_service_free(struct cfg_service *s);
void cfg_free(struct cfg *c);

const char *cfg_mode_name(uint8_t mode);
const char *cfg_sched_name(uint8_t sched);
const char *cfg_hash_name(uint8_t hash);

#endif
