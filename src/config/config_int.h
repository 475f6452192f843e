/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_CONFIG_INT_H
#define SLUICE_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "config/config.h"
#include "config/yaml_json.h"

/*
 * The validation toolkit shared by the files of the config module (config*.c).
 * Every value is read through a typed getter that carries the value's path and line, so an
 * error always names the field and where it is; each getter returns 0 or a negative errno
 * with the error filled.
 */

/* Names of the enum values and whether sluice implements them yet. */
struct name_tab {
	const char *name;
	bool implemented;
};

/* Validation state: where lines come from (NULL for JSON) and where errors go. */
struct vctx {
	const struct yj_lines *lines;
	struct cfg_error *err;
};

/*
 * Where a value is: its path for messages, and how to find its line. The line is looked up
 * only when an error is reported (the table search is linear), so a location records the
 * question rather than the answer: "member `key` of `in`" or "element `idx` of `in`", and
 * the enclosing location to fall back on when the value has no line of its own (a missing
 * key is reported on the line of its mapping).
 */
struct loc {
	char field[128];
	const struct loc *up; /* the enclosing value, NULL at the top */
	const json_t *in;     /* the container holding this value; at the top, the value */
	const char *key;      /* the member's key, NULL for a list element or the top */
	size_t idx;
	bool at_key;          /* the line of the key rather than of its value */
};

int cfgv_verr(struct vctx *v, const struct loc *l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cfgv_verr_nomem(struct vctx *v, const struct loc *l);
void cfgv_loc_member(struct loc *out, const struct loc *parent, const json_t *obj,
		     const char *key);
void cfgv_loc_elem(struct loc *out, const struct loc *parent, const json_t *arr, size_t i);
/* An optional member (null counts as absent), with its location in l. */
const json_t *cfgv_member(const json_t *obj, const struct loc *ol, const char *key,
			  struct loc *l);
const json_t *cfgv_required(struct vctx *v, const json_t *obj, const struct loc *ol,
			    const char *key, struct loc *l);
int cfgv_want(struct vctx *v, const json_t *j, const struct loc *l, json_type t);
int cfgv_get_uint(struct vctx *v, const json_t *j, const struct loc *l, uint64_t lo,
		  uint64_t hi, uint64_t *out);
/* A non-empty string without NUL bytes of at most maxlen bytes. */
int cfgv_get_str(struct vctx *v, const json_t *j, const struct loc *l, size_t maxlen,
		 const char **out);
/* Seconds (rounded up) of at least min. */
int cfgv_get_duration(struct vctx *v, const json_t *j, const struct loc *l, uint32_t min,
		      uint32_t *out);
int cfgv_get_duration_ms(struct vctx *v, const json_t *j, const struct loc *l, uint32_t min_ms,
			 uint32_t max_ms, uint32_t *out);
int cfgv_get_name(struct vctx *v, const json_t *j, const struct loc *l, const char *what,
		  const struct name_tab *tab, size_t n, uint8_t *out);
/* An object, with no keys outside `known` (NULL-terminated). */
int cfgv_get_object(struct vctx *v, const json_t *j, const struct loc *l,
		    const char *const *known);

/* The top of a document or of an API body; field prefixes every path below it. */
void cfgv_loc_top(struct loc *out, const json_t *node, const char *field);
/* A list of at most max elements; what names them in the error. */
int cfgv_get_list(struct vctx *v, const json_t *j, const struct loc *l, size_t max,
		  const char *what);
/* One host: not 0.0.0.0, multicast or broadcast. */
bool cfgv_ip_is_unicast(uint32_t ip);
int cfgv_get_prefix(struct vctx *v, const json_t *j, const struct loc *l, uint32_t *ip,
		    uint8_t *len);
/* An IPv6 prefix a port may have: global or unique-local, not the subnet's own address. */
int cfgv_get_prefix6(struct vctx *v, const json_t *j, const struct loc *l, union addr46 *a,
		     uint8_t *len);
int cfgv_get_ipport(struct vctx *v, const json_t *j, const struct loc *l, bool unicast,
		    uint32_t *ip, uint16_t *port);
/*
 * The same for an address of either family. One host: for IPv4 as above, for IPv6 not ::,
 * multicast or link-local (fe80::/10 needs an interface to mean anything).
 */
bool cfgv_ip46_is_unicast(const union addr46 *a);
int cfgv_get_ip46(struct vctx *v, const json_t *j, const struct loc *l, union addr46 *a);
/* A route's prefix: its host bits must be 0. */
int cfgv_get_prefix46(struct vctx *v, const json_t *j, const struct loc *l, union addr46 *a,
		      uint8_t *len);
int cfgv_get_ipport46(struct vctx *v, const json_t *j, const struct loc *l, bool unicast,
		      union addr46 *a, uint16_t *port);
/* Letters, digits, '-', '_' and '.': names end up in metric labels and CLI tables. */
bool cfgv_name_ok(const char *s);

/*
 * Duplicate detection by sorting, so that a service with SL_MAX_BACKENDS backends costs
 * n log n rather than n^2 comparisons.
 */
struct cfgv_dup {
	uint8_t key[20]; /* compared as bytes: an address, a port, a protocol */
	unsigned idx;
};

/** Fill a dup key from an address, a port and a protocol (0 where there is none). */
void cfgv_dup_key(struct cfgv_dup *d, const union addr46 *a, uint16_t port, uint8_t proto,
		  unsigned idx);

/*
 * Find the first element, in document order, whose key appeared before it.
 * @return true with *dup (its index) and *first (the earlier one); k is reordered.
 */
bool cfgv_find_dup(struct cfgv_dup *k, size_t n, unsigned *dup, unsigned *first);

/*
 * Building JSON: jansson's *_set_new and *_append_new take ownership even when they fail
 * and refuse a NULL value, so a whole tree can be built and checked once at the end.
 * Each returns 0 or -1.
 */
int cfgv_put(json_t *obj, const char *key, json_t *val);
int cfgv_push(json_t *arr, json_t *val);

/* config_service.c: the services list of a document; the dataplane is already in c. */
int cfg_parse_services(struct vctx *v, const json_t *arr, const struct loc *al, struct cfg *c);

/*
 * config_check.c: addresses that collide. The services of c (the list arr at al) against
 * the node and each other; the ports of c (the list arr at al) against each other.
 */
int cfg_check_services(struct vctx *v, const struct loc *al, const json_t *arr,
		       const struct cfg *c);
int cfg_check_ports(struct vctx *v, const struct loc *al, const json_t *arr, const struct cfg *c);
/* The port of c whose IPv4 subnet holds ip (the first, should subnets overlap), or NULL. */
const struct cfg_port *cfg_port_of(const struct cfg *c, uint32_t ip);
/* The port whose subnet of a's family holds a, or NULL. */
const struct cfg_port *cfg_port_of46(const struct cfg *c, const union addr46 *a);
/* Whether a is port p's own address (of either family). */
bool cfg_port_has_addr(const struct cfg_port *p, const union addr46 *a);
/*
 * Port p's subnet of a's family as text, "10.0.1.0/24" or "2001:db8:1::/64", into buf
 * (ADDR46_STR_MAX + 4 bytes); p has an IPv6 address when a is IPv6. Returns buf.
 */
const char *cfg_port_subnet(const struct cfg_port *p, const union addr46 *a, char *buf);

/* config_port.c: the ports list of the dataplane dp (at dl) into c, at least one. */
int cfg_parse_ports(struct vctx *v, const json_t *dp, const struct loc *dl, struct cfg *c);

/* config_hc.c: a health_check mapping of a service (full) or a backend (an override). */
int cfg_hc_parse(struct vctx *v, const json_t *o, const struct loc *ol, struct cfg_hc *hc);
/* The check a backend gets; on a bad combination, the error at l. */
int cfg_hc_check_effective(struct vctx *v, const struct loc *l, const struct cfg_hc *svc,
			   const struct cfg_hc *be);
/* whole: a service's check, every member its type uses; else only the members set. */
/* cfg_hc_to_json is in config.h */

/* config_defense.c: a defense object into d (zeroed or freed before); family as in
 * cfg_defense_from_json. */
int cfg_defense_parse(struct vctx *v, const json_t *o, const struct loc *ol,
		      const union addr46 *family, struct cfg_defense *d);

#endif
