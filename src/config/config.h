/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_CONFIG_H
#define SLUICE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "config/config-t.h"

/*
 * The configuration model. One document, two spellings: YAML from a file (sluiced -c) and
 * JSON through the REST API (PUT /v1/config, POST /v1/services). Both are turned into a
 * jansson tree first and validated by the same code, so the two cannot drift apart.
 * The types are in config/config-t.h.
 */

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

/**
 * Read a whole file (a config, or anything read as one: a keepalived.conf) of at most
 * 16 MiB into *text, NUL-terminated, malloc'd, its length in *len. 0, or a negative errno
 * with err's file and msg filled ("cannot open: ...", "larger than 16 MiB"). Any thread.
 */
int cfg_read_file(const char *path, char **text, size_t *len, struct cfg_error *err);

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
 * or loopback; fullnat has LIPs; all the services hold at most SL_MAX_NODE_BACKENDS backends. The loader runs the same checks on a whole document.
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

/**
 * Put the keys of s's mode (tun: `tunnel`, and `tunnel_source` when set; fullnat:
 * `client_address`) into object o; nothing for a mode without keys. 0, or -1 when out of memory. Any thread.
 */
int cfg_service_mode_json(const struct cfg_service *s, json_t *o);

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

/**
 * A defense object (`dataplane.defense`, or a service's `defense`; family: the service's VIP,
 * NULL for the node's) from JSON; err->field is prefixed with `field`. 0, or -EINVAL with d
 * empty. Any thread.
 */
int cfg_defense_from_json(const json_t *obj, const char *field, const union addr46 *family,
			  struct cfg_defense *d, struct cfg_error *err);
/** The JSON form of d: the members it gave, as cfg_defense_from_json takes them. */
json_t *cfg_defense_to_json(const struct cfg_defense *d);
/** Deep copy; 0 or -ENOMEM (dst then empty). */
int cfg_defense_copy(struct cfg_defense *dst, const struct cfg_defense *src);
void cfg_defense_free(struct cfg_defense *d);

const char *cfg_mode_name(uint8_t mode);
const char *cfg_hc_type_name(uint8_t type);
const char *cfg_announce_name(uint8_t a);
const char *cfg_sched_name(uint8_t sched);
const char *cfg_hash_name(uint8_t hash);
const char *cfg_client_addr_name(uint8_t ca);

#endif
