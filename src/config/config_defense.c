/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The defense settings of the node (`dataplane.defense`) and of a service (`defense:`):
 * parsed, turned back into JSON (only what was given, so a service keeps following the
 * node's defaults), merged into what a service gets, copied and freed.
 *
 * This file must not include DPDK headers: sluicectl links it to check files offline.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "config/config.h"
#include "config/config_int.h"

static const char *const defense_keys[] = { "synproxy", "syn_rate", "source_rate", "allow",
					    "deny", NULL };

/* The most new conns a second a rate may name: what a 32-bit bucket holds a second of. */
#define CFG_RATE_MAX 100000000u

/* One prefix of a list: a.b.c.d/len, 2001:db8::/len, or a bare address (the host alone). */
static int
parse_prefix(struct vctx *v, const json_t *j, const struct loc *l, struct cfg_prefix *p)
{
	const char *s = NULL;
	int rc = cfgv_get_str(v, j, l, 64, &s);

	if (rc < 0)
		return rc;
	if (strchr(s, '/') != NULL)
		return cfgv_get_prefix46(v, j, l, &p->addr, &p->len);
	if (addr_parse_ip46(s, &p->addr) < 0)
		return cfgv_verr(v, l, "'%s' is not an address or a prefix (a.b.c.d, a.b.c.d/len, "
				 "2001:db8::1 or 2001:db8::/len)", s);
	p->len = addr46_max_len(&p->addr);
	return 0;
}

/*
 * An allow or deny list. family: the VIP of the service it guards (its clients are of that
 * family), or NULL for the node's lists, which take both.
 */
static int
parse_list(struct vctx *v, const json_t *arr, const struct loc *al, const char *what,
	   const union addr46 *family, struct cfg_prefix **out, unsigned *n_out)
{
	struct cfg_prefix *l;
	size_t n, i;
	int rc;

	rc = cfgv_get_list(v, arr, al, SL_MAX_ACL_PREFIXES, what);
	if (rc < 0)
		return rc;
	n = json_array_size(arr);
	l = calloc(n ? n : 1, sizeof(*l));
	if (l == NULL)
		return cfgv_verr_nomem(v, al);
	for (i = 0; i < n; i++) {
		struct loc el;

		cfgv_loc_elem(&el, al, arr, i);
		rc = parse_prefix(v, json_array_get(arr, i), &el, &l[i]);
		if (rc == 0 && family != NULL && addr46_is_v4(&l[i].addr) != addr46_is_v4(family))
			rc = cfgv_verr(v, &el, "an IPv%c prefix for an IPv%c VIP: its clients are "
				       "IPv%c (the node's dataplane.defense takes both families)",
				       addr46_is_v4(&l[i].addr) ? '4' : '6',
				       addr46_is_v4(family) ? '4' : '6',
				       addr46_is_v4(family) ? '4' : '6');
		if (rc < 0) {
			free(l);
			return rc;
		}
	}
	*out = l;
	*n_out = (unsigned)n;
	return 0;
}

static int
parse_rate(struct vctx *v, const json_t *o, const struct loc *ol, const char *key,
	   uint32_t *out, uint8_t *set, uint8_t bit)
{
	const json_t *j;
	struct loc l;
	uint64_t u;
	int rc;

	j = cfgv_member(o, ol, key, &l);
	if (j == NULL)
		return 0;
	rc = cfgv_get_uint(v, j, &l, 0, CFG_RATE_MAX, &u);
	if (rc < 0)
		return rc;
	*out = (uint32_t)u;
	*set |= bit;
	return 0;
}

int
cfg_defense_parse(struct vctx *v, const json_t *o, const struct loc *ol,
		  const union addr46 *family, struct cfg_defense *d)
{
	const json_t *j;
	struct loc l;
	int rc;

	cfg_defense_free(d);
	rc = cfgv_get_object(v, o, ol, defense_keys);
	if (rc < 0)
		return rc;
	j = cfgv_member(o, ol, "synproxy", &l);
	if (j != NULL) {
		if (!json_is_boolean(j))
			return cfgv_want(v, j, &l, JSON_TRUE);
		d->synproxy = json_is_true(j);
		d->set |= CFG_DEFF_SYNPROXY;
	}
	rc = parse_rate(v, o, ol, "syn_rate", &d->syn_rate, &d->set, CFG_DEFF_SYN_RATE);
	if (rc == 0)
		rc = parse_rate(v, o, ol, "source_rate", &d->source_rate, &d->set,
				CFG_DEFF_SOURCE_RATE);
	if (rc < 0)
		return rc;
	j = cfgv_member(o, ol, "allow", &l);
	if (j != NULL) {
		rc = parse_list(v, j, &l, "allow", family, &d->allow, &d->n_allow);
		if (rc < 0)
			return rc;
		d->set |= CFG_DEFF_ALLOW;
	}
	j = cfgv_member(o, ol, "deny", &l);
	if (j != NULL) {
		rc = parse_list(v, j, &l, "deny", family, &d->deny, &d->n_deny);
		if (rc < 0)
			return rc;
		d->set |= CFG_DEFF_DENY;
	}
	return 0;
}

static json_t *
list_json(const struct cfg_prefix *l, unsigned n)
{
	char buf[ADDR46_STR_MAX + 8];
	json_t *arr = json_array();
	unsigned i;

	for (i = 0; i < n && arr != NULL; i++) {
		size_t k;

		addr_fmt_ip46(buf, &l[i].addr);
		k = strlen(buf);
		if (l[i].len != addr46_max_len(&l[i].addr))
			snprintf(buf + k, sizeof(buf) - k, "/%u", l[i].len);
		if (cfgv_push(arr, json_string(buf)) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

json_t *
cfg_defense_to_json(const struct cfg_defense *d)
{
	json_t *o = json_object();
	int bad = o == NULL;

	if (d->set & CFG_DEFF_SYNPROXY)
		bad |= cfgv_put(o, "synproxy", json_boolean(d->synproxy));
	if (d->set & CFG_DEFF_SYN_RATE)
		bad |= cfgv_put(o, "syn_rate", json_integer(d->syn_rate));
	if (d->set & CFG_DEFF_SOURCE_RATE)
		bad |= cfgv_put(o, "source_rate", json_integer(d->source_rate));
	if (d->set & CFG_DEFF_ALLOW)
		bad |= cfgv_put(o, "allow", list_json(d->allow, d->n_allow));
	if (d->set & CFG_DEFF_DENY)
		bad |= cfgv_put(o, "deny", list_json(d->deny, d->n_deny));
	if (bad) {
		json_decref(o);
		errno = ENOMEM;
		return NULL;
	}
	return o;
}

static int
list_copy(struct cfg_prefix **dst, const struct cfg_prefix *src, unsigned n)
{
	*dst = NULL;
	if (src == NULL)
		return 0;
	*dst = malloc((n ? n : 1) * sizeof(*src));
	if (*dst == NULL)
		return -ENOMEM;
	memcpy(*dst, src, n * sizeof(*src));
	return 0;
}

int
cfg_defense_copy(struct cfg_defense *dst, const struct cfg_defense *src)
{
	*dst = *src;
	if (list_copy(&dst->allow, src->allow, src->n_allow) < 0 ||
	    list_copy(&dst->deny, src->deny, src->n_deny) < 0) {
		free(dst->allow);
		memset(dst, 0, sizeof(*dst));
		return -ENOMEM;
	}
	return 0;
}

void
cfg_defense_free(struct cfg_defense *d)
{
	free(d->allow);
	free(d->deny);
	memset(d, 0, sizeof(*d));
}

int
cfg_defense_from_json(const json_t *obj, const char *field, const union addr46 *family,
		      struct cfg_defense *d, struct cfg_error *err)
{
	struct cfg_error dummy;
	struct vctx v = { NULL, err ? err : &dummy };
	struct loc l;
	int rc;

	memset(v.err, 0, sizeof(*v.err));
	memset(d, 0, sizeof(*d));
	cfgv_loc_top(&l, obj, field);
	if (obj == NULL)
		return cfgv_verr(&v, &l, "no defense object");
	rc = cfg_defense_parse(&v, obj, &l, family, d);
	if (rc < 0)
		cfg_defense_free(d);
	return rc;
}
