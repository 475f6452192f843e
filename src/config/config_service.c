/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Services and their backends: parsed from a file or an API body, checked against the
 * node's own addresses, turned back into JSON, copied and freed.
 *
 * This file must not include DPDK headers: sluicectl links it to check files offline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "config/config.h"
#include "config/config_int.h"
/*
 * Names of the enum values and whether sluice implements them yet. The config accepts
 * every name DESIGN.md lists, so that a valid but unimplemented choice gets "not
 * implemented yet" rather than "unknown"; a new mode or scheduler only flips its flag here.
 */

static const struct name_tab mode_tab[SL_MODE_NAMED] = {
	[SL_MODE_FULLNAT] = { "fullnat", true },
	[SL_MODE_DR] = { "dr", true },
	[SL_MODE_TUN] = { "tun", true },
	[SL_MODE_NAT] = { "nat", true },
};

static const struct name_tab sched_tab[SL_SCHED_MAX] = {
	[SL_SCHED_RR] = { "rr", true },
	[SL_SCHED_WRR] = { "wrr", true },
	[SL_SCHED_LC] = { "lc", true },
	[SL_SCHED_WLC] = { "wlc", true },
	[SL_SCHED_SH] = { "sh", true },
	[SL_SCHED_MAGLEV] = { "maglev", true },
};

static const struct name_tab hash_tab[SL_HASH_MAX] = {
	[SL_HASH_TUPLE] = { "tuple", true },
	[SL_HASH_SOURCE] = { "source", true },
};

static const struct name_tab announce_tab[CFG_ANNOUNCE_MAX] = {
	[CFG_ANNOUNCE_HEALTHY] = { "healthy", true },
	[CFG_ANNOUNCE_ALWAYS] = { "always", true },
	[CFG_ANNOUNCE_NEVER] = { "never", true },
};

static const struct name_tab tunnel_tab[SL_TUNNEL_MAX] = {
	[SL_TUNNEL_IPIP] = { "ipip", true },
	[SL_TUNNEL_GUE] = { "gue", true },
};

static const struct name_tab client_addr_tab[SL_CA_MAX] = {
	[SL_CA_NONE] = { "none", true },
	[SL_CA_TOA] = { "toa", true },
	[SL_CA_PROXY_V1] = { "proxy-v1", true },
	[SL_CA_PROXY_V2] = { "proxy-v2", true },
};

/* GUE's port when the service names none: the one IPVS and Katran examples use. */
#define TUNNEL_GUE_PORT_DEFAULT 6080

static const char *const service_keys[] = { "vip", "mode", "scheduler", "persistence",
					    "persistence_netmask", "maglev", "backends",
					    "health_check", "announce", "tunnel",
					    "tunnel_source", "defense", "client_address", NULL };
static const char *const maglev_keys[] = { "table_size", "hash", NULL };
static const char *const tunnel_keys[] = { "type", "port", NULL };
static const char *const backend_keys[] = { "address", "weight", "max_conns", "inhibited",
					    "health_check", NULL };

static int
parse_backend(struct vctx *v, const json_t *o, const struct loc *ol, struct cfg_backend *b)
{
	const json_t *j;
	struct loc l;
	uint64_t u = 0;
	int rc;

	b->weight = 1;
	rc = cfgv_get_object(v, o, ol, backend_keys);
	if (rc < 0)
		return rc;
	j = cfgv_required(v, o, ol, "address", &l);
	if (j == NULL)
		return -EINVAL;
	rc = cfgv_get_ipport46(v, j, &l, true, &b->addr, &b->port);
	if (rc < 0)
		return rc;
	j = cfgv_member(o, ol, "weight", &l);
	if (j != NULL) {
		rc = cfgv_get_uint(v, j, &l, 0, 65535, &u);
		if (rc < 0)
			return rc;
		b->weight = (uint32_t)u;
	}
	j = cfgv_member(o, ol, "max_conns", &l);
	if (j != NULL) {
		rc = cfgv_get_uint(v, j, &l, 0, UINT32_MAX, &u);
		if (rc < 0)
			return rc;
		b->max_conns = (uint32_t)u;
	}
	j = cfgv_member(o, ol, "inhibited", &l);
	if (j != NULL) {
		if (!json_is_boolean(j))
			return cfgv_want(v, j, &l, JSON_TRUE);
		b->inhibited = json_is_true(j);
	}
	j = cfgv_member(o, ol, "health_check", &l);
	if (j != NULL)
		return cfg_hc_parse(v, j, &l, &b->hc);
	return 0;
}

static bool
is_prime(uint64_t n)
{
	uint64_t d;

	if (n < 2 || n % 2 == 0)
		return n == 2;
	for (d = 3; d * d <= n; d += 2)
		if (n % d == 0)
			return false;
	return true;
}

static int
parse_maglev(struct vctx *v, const json_t *o, const struct loc *ol, struct cfg_service *s)
{
	const json_t *j;
	struct loc l;
	uint64_t u;
	int rc;

	rc = cfgv_get_object(v, o, ol, maglev_keys);
	if (rc < 0)
		return rc;
	j = cfgv_member(o, ol, "table_size", &l);
	if (j != NULL) {
		rc = cfgv_get_uint(v, j, &l, SL_MAGLEV_SIZE_MIN, SL_MAGLEV_SIZE_MAX, &u);
		if (rc < 0)
			return rc;
		if (!is_prime(u))
			return cfgv_verr(v, &l, "%" PRIu64 " is not a prime (Maglev's table size must be "
				    "one; e.g. 65537, 655373)", u);
		s->maglev_size = (uint32_t)u;
	}
	j = cfgv_member(o, ol, "hash", &l);
	if (j != NULL)
		return cfgv_get_name(v, j, &l, "hash", hash_tab, SL_HASH_MAX, &s->hash);
	return 0;
}

/*
 * tunnel: "ipip" | "gue" | {type: ipip | gue, port: N}. GUE's port defaults to 6080; IPIP
 * has none to give.
 */
static int
parse_tunnel(struct vctx *v, const json_t *o, const struct loc *ol, struct cfg_service *s)
{
	const json_t *j;
	struct loc l;
	uint64_t u;
	int rc;

	if (json_is_string(o)) {
		rc = cfgv_get_name(v, o, ol, "tunnel", tunnel_tab, SL_TUNNEL_MAX, &s->tunnel);
	} else {
		rc = cfgv_get_object(v, o, ol, tunnel_keys);
		if (rc < 0)
			return rc;
		j = cfgv_required(v, o, ol, "type", &l);
		if (j == NULL)
			return -EINVAL;
		rc = cfgv_get_name(v, j, &l, "tunnel type", tunnel_tab, SL_TUNNEL_MAX, &s->tunnel);
	}
	if (rc < 0)
		return rc;
	if (s->tunnel == SL_TUNNEL_GUE)
		s->tunnel_port = htons(TUNNEL_GUE_PORT_DEFAULT);
	j = json_is_object(o) ? cfgv_member(o, ol, "port", &l) : NULL;
	if (j == NULL)
		return 0;
	if (s->tunnel != SL_TUNNEL_GUE)
		return cfgv_verr(v, &l, "an ipip tunnel has no port (port is GUE's UDP port)");
	rc = cfgv_get_uint(v, j, &l, 1, 65535, &u);
	if (rc < 0)
		return rc;
	s->tunnel_port = htons((uint16_t)u);
	return 0;
}

/*
 * The keys only mode tun reads (tunnel, tunnel_source): refused, naming the key, in any
 * other mode, where they would silently mean nothing.
 */
static int
parse_tunnel_keys(struct vctx *v, const json_t *o, const struct loc *ol, struct cfg_service *s)
{
	const json_t *j;
	struct loc l;
	int rc;

	j = cfgv_member(o, ol, "tunnel", &l);
	if (j != NULL) {
		if (s->mode != SL_MODE_TUN)
			return cfgv_verr(v, &l, "tunnel is for mode tun (this service is mode %s)",
					 cfg_mode_name(s->mode));
		rc = parse_tunnel(v, j, &l, s);
		if (rc < 0)
			return rc;
	}
	j = cfgv_member(o, ol, "tunnel_source", &l);
	if (j == NULL)
		return 0;
	if (s->mode != SL_MODE_TUN)
		return cfgv_verr(v, &l, "tunnel_source is for mode tun (this service is mode %s)",
				 cfg_mode_name(s->mode));
	rc = cfgv_get_ip46(v, j, &l, &s->tunnel_source);
	if (rc < 0)
		return rc;
	if (addr46_is_v4(&s->tunnel_source) != addr46_is_v4(&s->vip))
		return cfgv_verr(v, &l, "an IPv%c tunnel_source for an IPv%c VIP: the outer header "
				 "is of the client's packet's family",
				 addr46_is_v4(&s->tunnel_source) ? '4' : '6',
				 addr46_is_v4(&s->vip) ? '4' : '6');
	return 0;
}

static int
parse_backends(struct vctx *v, const json_t *arr, const struct loc *al, struct cfg_service *s)
{
	struct cfgv_dup *keys = NULL;
	unsigned dup = 0, first = 0;
	size_t n, i;
	int rc;

	rc = cfgv_get_list(v, arr, al, SL_MAX_BACKENDS, "backends");
	if (rc < 0)
		return rc;
	n = json_array_size(arr);
	if (n == 0)
		return 0;
	s->backends = calloc(n, sizeof(*s->backends));
	keys = calloc(n, sizeof(*keys));
	if (s->backends == NULL || keys == NULL) {
		rc = cfgv_verr_nomem(v, al);
		goto fail;
	}
	s->n_backends = (unsigned)n;
	for (i = 0; i < n; i++) {
		struct cfg_backend *b = &s->backends[i];
		struct loc l;

		cfgv_loc_elem(&l, al, arr, i);
		rc = parse_backend(v, json_array_get(arr, i), &l, b);
		if (rc < 0)
			goto fail;
		if (b->hc.set) {
			struct loc hl;

			cfgv_member(json_array_get(arr, i), &l, "health_check", &hl);
			rc = cfg_hc_check_effective(v, &hl, &s->hc, &b->hc);
			if (rc < 0)
				goto fail;
		}
		if (addr46_is_v4(&b->addr) != addr46_is_v4(&s->vip) &&
		    (addr46_is_v4(&s->vip) || s->mode != SL_MODE_FULLNAT)) {
			struct loc al2;

			cfgv_member(json_array_get(arr, i), &l, "address", &al2);
			rc = addr46_is_v4(&s->vip)
				? cfgv_verr(v, &al2, "an IPv6 backend behind an IPv4 VIP: a service's "
					    "backends are of its VIP's family (IPv4 clients cannot "
					    "reach IPv6 backends)")
				: cfgv_verr(v, &al2, "an IPv4 backend behind an IPv6 VIP is NAT64, "
					    "which mode fullnat does (this service is mode %s)",
					    cfg_mode_name(s->mode));
			goto fail;
		}
		cfgv_dup_key(&keys[i], &b->addr, b->port, 0, (unsigned)i);
	}
	if (cfgv_find_dup(keys, n, &dup, &first)) {
		char buf[ADDR46_STR_MAX];
		struct loc l, bl;

		cfgv_loc_elem(&bl, al, arr, dup);
		cfgv_loc_member(&l, &bl, json_array_get(arr, dup), "address");
		rc = cfgv_verr(v, &l, "duplicate backend %s (also backends[%u])",
			  addr_fmt_ipport46(buf, &s->backends[dup].addr, s->backends[dup].port),
			  first);
		goto fail;
	}
	free(keys);
	return 0;
fail:
	/* s->backends stays with s: the caller's cleanup frees it with the service. */
	free(keys);
	return rc;
}

/*
 * client_address: none | toa | proxy-v1 | proxy-v2 (forward/client_addr.h). Only FULLNAT
 * hides the client from the backend (NAT64 is FULLNAT too); UDP has no options and no
 * stream, so a UDP service takes PROXY v2's datagram header only.
 */
static int
parse_client_address(struct vctx *v, const json_t *j, const struct loc *l, struct cfg_service *s)
{
	int rc = cfgv_get_name(v, j, l, "client_address", client_addr_tab, SL_CA_MAX,
			       &s->client_address);

	if (rc < 0 || s->client_address == SL_CA_NONE)
		return rc;
	if (s->mode != SL_MODE_FULLNAT)
		return cfgv_verr(v, l, "client_address is for mode fullnat: the backend of mode %s "
				 "sees the client's address itself", cfg_mode_name(s->mode));
	if (s->proto == PROTO_UDP && s->client_address != SL_CA_PROXY_V2)
		return cfgv_verr(v, l, "a UDP service takes client_address proxy-v2 (a header on "
				 "every datagram) or none: %s is TCP's",
				 client_addr_tab[s->client_address].name);
	return 0;
}

/* The body of cfg_service_from_json, with lines when the service came from a file. */
static int
parse_service(struct vctx *v, const json_t *o, const struct loc *ol, struct cfg_service *s)
{
	const json_t *j;
	struct loc l;
	const char *str = NULL;
	int rc;

	memset(s, 0, sizeof(*s));
	s->mode = SL_MODE_FULLNAT;
	s->sched = SL_SCHED_WRR;
	s->persistence_netmask = 32;
	s->maglev_size = SL_MAGLEV_SIZE_DEFAULT;
	cfg_hc_defaults(&s->hc);
	rc = cfgv_get_object(v, o, ol, service_keys);
	if (rc < 0)
		return rc;
	j = cfgv_required(v, o, ol, "vip", &l);
	if (j == NULL)
		return -EINVAL;
	rc = cfgv_get_str(v, j, &l, 64, &str);
	if (rc < 0)
		return rc;
	if (addr_parse_service46(str, &s->vip, &s->port, &s->proto) < 0)
		return cfgv_verr(v, &l, "'%s' is not a service address (a.b.c.d:port/tcp, or "
				 "[2001:db8::1]:port/tcp; /udp for UDP)", str);
	if (!cfgv_ip46_is_unicast(&s->vip))
		return cfgv_verr(v, &l, "'%s' is not a unicast address", str);
	s->persistence_netmask = addr46_max_len(&s->vip);
	j = cfgv_member(o, ol, "mode", &l);
	if (j != NULL) {
		rc = cfgv_get_name(v, j, &l, "mode", mode_tab, SL_MODE_NAMED, &s->mode);
		if (rc < 0)
			return rc;
	}
	rc = parse_tunnel_keys(v, o, ol, s);
	if (rc < 0)
		return rc;
	j = cfgv_member(o, ol, "scheduler", &l);
	if (j != NULL) {
		rc = cfgv_get_name(v, j, &l, "scheduler", sched_tab, SL_SCHED_MAX, &s->sched);
		if (rc < 0)
			return rc;
	}
	j = cfgv_member(o, ol, "persistence", &l);
	if (j != NULL) {
		rc = cfgv_get_duration(v, j, &l, 0, &s->persistence);
		if (rc < 0)
			return rc;
	}
	j = cfgv_member(o, ol, "persistence_netmask", &l);
	if (j != NULL) {
		uint64_t u;

		/* A prefix length in the VIP's family: /24 or /64 groups clients' networks. */
		rc = cfgv_get_uint(v, j, &l, 0, addr46_max_len(&s->vip), &u);
		if (rc < 0)
			return rc;
		s->persistence_netmask = (uint8_t)u;
	}
	j = cfgv_member(o, ol, "maglev", &l);
	if (j != NULL) {
		rc = parse_maglev(v, j, &l, s);
		if (rc < 0)
			return rc;
	}
	j = cfgv_member(o, ol, "announce", &l);
	if (j != NULL) {
		rc = cfgv_get_name(v, j, &l, "announce", announce_tab, CFG_ANNOUNCE_MAX,
				   &s->announce);
		if (rc < 0)
			return rc;
	}
	j = cfgv_member(o, ol, "health_check", &l);
	if (j != NULL) {
		rc = cfg_hc_parse(v, j, &l, &s->hc);
		if (rc < 0)
			return rc;
		rc = cfg_hc_check_effective(v, &l, &s->hc, &(struct cfg_hc){ 0 });
		if (rc < 0)
			return rc;
	}
	j = cfgv_member(o, ol, "defense", &l);
	if (j != NULL) {
		rc = cfg_defense_parse(v, j, &l, &s->vip, &s->defense);
		if (rc < 0)
			return rc;
		if (s->defense.synproxy &&
		    (s->proto != PROTO_TCP || (s->mode != SL_MODE_FULLNAT && s->mode != SL_MODE_NAT))) {
			struct loc sl;

			cfgv_member(j, &l, "synproxy", &sl);
			return cfgv_verr(v, &sl, "the SYN proxy serves TCP services in mode fullnat "
					 "or nat (this one is %s, mode %s)",
					 s->proto == PROTO_TCP ? "TCP" : "UDP", cfg_mode_name(s->mode));
		}
	}
	j = cfgv_member(o, ol, "client_address", &l);
	if (j != NULL) {
		rc = parse_client_address(v, j, &l, s);
		if (rc < 0)
			return rc;
	}
	j = cfgv_member(o, ol, "backends", &l);
	if (j != NULL)
		return parse_backends(v, j, &l, s);
	return 0;
}

int
cfg_parse_services(struct vctx *v, const json_t *arr, const struct loc *al, struct cfg *c)
{
	struct cfgv_dup *keys = NULL;
	unsigned dup = 0, first = 0;
	size_t n, i;
	int rc;

	rc = cfgv_get_list(v, arr, al, SL_MAX_SERVICES, "services");
	if (rc < 0)
		return rc;
	n = json_array_size(arr);
	if (n == 0)
		return 0;
	c->services = calloc(n, sizeof(*c->services));
	keys = calloc(n, sizeof(*keys));
	if (c->services == NULL || keys == NULL) {
		rc = cfgv_verr_nomem(v, al);
		goto fail;
	}
	c->n_services = (unsigned)n;
	for (i = 0; i < n; i++) {
		struct cfg_service *s = &c->services[i];
		struct loc l;

		cfgv_loc_elem(&l, al, arr, i);
		rc = parse_service(v, json_array_get(arr, i), &l, s);
		if (rc < 0)
			goto fail;
		cfgv_dup_key(&keys[i], &s->vip, s->port, s->proto, (unsigned)i);
	}
	if (cfgv_find_dup(keys, n, &dup, &first)) {
		char buf[ADDR46_STR_MAX];
		const struct cfg_service *s = &c->services[dup];
		struct loc l, sl;

		cfgv_loc_elem(&sl, al, arr, dup);
		cfgv_loc_member(&l, &sl, json_array_get(arr, dup), "vip");
		rc = cfgv_verr(v, &l, "duplicate service %s (also services[%u])",
			  addr_fmt_service46(buf, &s->vip, s->port, s->proto), first);
		goto fail;
	}
	free(keys);
	/* What the node cannot serve: addresses that collide (config_check.c). */
	return cfg_check_services(v, al, arr, c);
fail:
	free(keys); /* the services go with the cfg */
	return rc;
}

int
cfg_service_from_json(const json_t *obj, const char *field, struct cfg_service *s,
		      struct cfg_error *err)
{
	struct cfg_error dummy;
	struct vctx v = { NULL, err ? err : &dummy };
	struct loc l;
	int rc;

	memset(v.err, 0, sizeof(*v.err));
	cfgv_loc_top(&l, obj, field);
	memset(s, 0, sizeof(*s));
	if (obj == NULL)
		return cfgv_verr(&v, &l, "no service object");
	rc = parse_service(&v, obj, &l, s);
	if (rc < 0)
		cfg_service_free(s);
	return rc;
}

int
cfg_backend_from_json(const json_t *obj, const char *field, struct cfg_backend *b,
		      struct cfg_error *err)
{
	struct cfg_error dummy;
	struct vctx v = { NULL, err ? err : &dummy };
	struct loc l;
	int rc;

	memset(v.err, 0, sizeof(*v.err));
	cfgv_loc_top(&l, obj, field);
	memset(b, 0, sizeof(*b));
	if (obj == NULL)
		return cfgv_verr(&v, &l, "no backend object");
	rc = parse_backend(&v, obj, &l, b);
	if (rc < 0)
		memset(b, 0, sizeof(*b));
	return rc;
}

json_t *
cfg_service_to_json(const struct cfg_service *s)
{
	char buf[ADDR46_STR_MAX];
	json_t *o = json_object(), *arr = json_array();
	int bad = 0;
	unsigned i;

	bad |= cfgv_put(o, "vip", json_string(addr_fmt_service46(buf, &s->vip, s->port, s->proto)));
	bad |= cfgv_put(o, "mode", json_string(cfg_mode_name(s->mode)));
	bad |= cfgv_put(o, "scheduler", json_string(cfg_sched_name(s->sched)));
	bad |= cfgv_put(o, "persistence", json_integer(s->persistence));
	bad |= cfgv_put(o, "persistence_netmask", json_integer(s->persistence_netmask));
	bad |= cfgv_put(o, "maglev", json_pack("{s:I,s:s}", "table_size", (json_int_t)s->maglev_size,
					  "hash", cfg_hash_name(s->hash)));
	bad |= cfgv_put(o, "announce", json_string(cfg_announce_name(s->announce)));
	bad |= cfg_service_mode_json(s, o);
	if (s->hc.type != CFG_HC_NONE || s->hc.set)
		bad |= cfgv_put(o, "health_check", cfg_hc_to_json(&s->hc, true));
	if (s->defense.set)
		bad |= cfgv_put(o, "defense", cfg_defense_to_json(&s->defense));
	for (i = 0; i < s->n_backends && arr != NULL; i++) {
		const struct cfg_backend *b = &s->backends[i];
		json_t *bo = json_object();

		bad |= cfgv_put(bo, "address", json_string(addr_fmt_ipport46(buf, &b->addr, b->port)));
		bad |= cfgv_put(bo, "weight", json_integer(b->weight));
		bad |= cfgv_put(bo, "max_conns", json_integer(b->max_conns));
		bad |= cfgv_put(bo, "inhibited", json_boolean(b->inhibited));
		if (b->hc.set)
			bad |= cfgv_put(bo, "health_check", cfg_hc_to_json(&b->hc, false));
		bad |= cfgv_push(arr, bo);
	}
	bad |= cfgv_put(o, "backends", arr);
	if (bad) {
		json_decref(o);
		errno = ENOMEM;
		return NULL;
	}
	return o;
}

int
cfg_service_mode_json(const struct cfg_service *s, json_t *o)
{
	char buf[ADDR46_STR_MAX];
	int bad = 0;

	if (s->mode == SL_MODE_FULLNAT)
		return cfgv_put(o, "client_address",
				json_string(cfg_client_addr_name(s->client_address)));
	if (s->mode != SL_MODE_TUN)
		return 0;
	bad |= cfgv_put(o, "tunnel", s->tunnel == SL_TUNNEL_GUE
				? json_pack("{s:s,s:i}", "type", "gue", "port", ntohs(s->tunnel_port))
				: json_pack("{s:s}", "type", "ipip"));
	if (!addr46_is_zero(&s->tunnel_source))
		bad |= cfgv_put(o, "tunnel_source", json_string(addr_fmt_ip46(buf, &s->tunnel_source)));
	return bad ? -1 : 0;
}

int
cfg_service_copy(struct cfg_service *dst, const struct cfg_service *src)
{
	struct cfg_backend *b = NULL;

	if (src->n_backends > 0) {
		b = malloc(src->n_backends * sizeof(*b));
		if (b == NULL) {
			memset(dst, 0, sizeof(*dst));
			return -ENOMEM;
		}
		memcpy(b, src->backends, src->n_backends * sizeof(*b));
	}
	*dst = *src;
	dst->backends = b;
	if (cfg_defense_copy(&dst->defense, &src->defense) < 0) {
		free(b);
		memset(dst, 0, sizeof(*dst));
		return -ENOMEM;
	}
	return 0;
}

void
cfg_service_free(struct cfg_service *s)
{
	if (s == NULL)
		return;
	free(s->backends);
	cfg_defense_free(&s->defense);
	memset(s, 0, sizeof(*s));
}

const char *
cfg_announce_name(uint8_t a)
{
	return a < CFG_ANNOUNCE_MAX ? announce_tab[a].name : "?";
}

const char *
cfg_mode_name(uint8_t mode)
{
	return mode < SL_MODE_NAMED ? mode_tab[mode].name : "?";
}

const char *
cfg_sched_name(uint8_t sched)
{
	return sched < SL_SCHED_MAX ? sched_tab[sched].name : "?";
}

const char *
cfg_client_addr_name(uint8_t ca)
{
	return ca < SL_CA_MAX ? client_addr_tab[ca].name : "?";
}

const char *
cfg_hash_name(uint8_t hash)
{
	return hash < SL_HASH_MAX ? hash_tab[hash].name : "?";
}
