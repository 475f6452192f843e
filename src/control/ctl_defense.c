/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The defenses in the control core: a service changed in part (PATCH, as `sluicectl
 * service set VIP --syn-rate N` sends), the node's defense (GET and PATCH /v1/defense),
 * and what the defenses refused, summed over the workers. Every change goes through the
 * same validation as the configuration file and one commit: a bad body changes nothing.
 */
#include <errno.h>
#include <string.h>

#include "common/addr.h"
#include "control/ctl.h"
#include "control/ctl_int.h"

/* Add the counters of d to out. */
static void
defense_add(struct vs_defense *out, const struct vs_defense *d)
{
	out->acl += d->acl;
	out->syn_rate += d->syn_rate;
	out->source_rate += d->source_rate;
	out->out_of_window += d->out_of_window;
	out->sp_syn += d->sp_syn;
	out->sp_ok += d->sp_ok;
	out->sp_bad += d->sp_bad;
	out->sp_no_answer += d->sp_no_answer;
	out->ca_headers += d->ca_headers;
	out->ca_split += d->ca_split;
	out->toa_added += d->toa_added;
	out->toa_skipped += d->toa_skipped;
}

void
ctl_defense_sum(uint16_t slot, struct vs_defense *out)
{
	unsigned w;

	memset(out, 0, sizeof(*out));
	for (w = 0; w < g_ctl.dp->n_workers; w++)
		defense_add(out, dp_svc_defense(g_ctl.dp, w, slot));
}

json_t *
ctl_synproxy_json(const struct vs_defense *d)
{
	return json_pack("{s:I,s:I,s:I,s:I}", "syn_answered", (json_int_t)d->sp_syn, "opened",
			 (json_int_t)d->sp_ok, "bad_cookie", (json_int_t)d->sp_bad,
			 "backend_silent", (json_int_t)d->sp_no_answer);
}

json_t *
ctl_client_addr_json(const struct vs_defense *d)
{
	return json_pack("{s:I,s:I,s:I,s:I}", "proxy_headers", (json_int_t)d->ca_headers,
			 "proxy_split", (json_int_t)d->ca_split, "toa_added",
			 (json_int_t)d->toa_added, "toa_skipped", (json_int_t)d->toa_skipped);
}

json_t *
ctl_defense_drops_json(const struct vs_defense *d)
{
	return json_pack("{s:I,s:I,s:I,s:I}", "acl", (json_int_t)d->acl, "syn_rate",
			 (json_int_t)d->syn_rate, "source_rate", (json_int_t)d->source_rate,
			 "out_of_window", (json_int_t)d->out_of_window);
}

/* base with patch merged in, as RFC 7386 merges: objects member by member, a null member
 * back to its default (the parsers read null as absent). NULL when out of memory. */
static json_t *
merged(json_t *base, const json_t *patch)
{
	if (base == NULL || json_object_update_recursive(base, (json_t *)patch) < 0) {
		json_decref(base);
		return NULL;
	}
	return base;
}

int
ctl_service_patch(const char *key, const json_t *patch, struct cfg_error *err)
{
	struct cfg_service ns;
	const struct ctl_svc *s;
	char k2[ADDR46_STR_MAX];
	json_t *obj;
	int r;

	memset(&ns, 0, sizeof(ns));
	if (!json_is_object(patch)) {
		ctl_set_err(err, "", "the body must be a JSON object such as "
			    "{\"defense\": {\"syn_rate\": 1000}}");
		return -EINVAL;
	}
	pthread_mutex_lock(&g_ctl.lock);
	s = ctl_find(key);
	if (s == NULL) {
		ctl_set_err(err, "vip", "no service %s", key);
		r = -ENOENT;
		goto out;
	}
	obj = merged(cfg_service_to_json(&s->cfg), patch);
	if (obj == NULL) {
		r = -ENOMEM;
		goto out;
	}
	r = cfg_service_from_json(obj, "", &ns, err);
	json_decref(obj);
	if (r == 0 && strcmp(addr_fmt_service46(k2, &ns.vip, ns.port, ns.proto), key) != 0) {
		ctl_set_err(err, "vip", "%s is not %s (a service's key cannot change; add the new "
			    "one and delete the old)", k2, key);
		r = -EINVAL;
	}
	if (r == 0)
		r = ctl_service_replace_locked(key, &ns, err);
out:
	pthread_mutex_unlock(&g_ctl.lock);
	cfg_service_free(&ns);
	return r;
}

json_t *
ctl_defense_view(void)
{
	struct vs_defense sum = { 0 }, d;
	json_t *o;
	unsigned i;

	for (i = 0; i < STATS_SVC_SLOTS; i++) {
		if (g_ctl.svc_slots[i].state == SLOT_FREE)
			continue;
		ctl_defense_sum((uint16_t)i, &d);
		defense_add(&sum, &d);
	}
	o = cfg_defense_to_json(&g_ctl.cfg.defense);
	if (o != NULL && (json_object_set_new(o, "dropped", ctl_defense_drops_json(&sum)) < 0 ||
			  json_object_set_new(o, "synproxy_counts", ctl_synproxy_json(&sum)) < 0)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

json_t *
ctl_defense_json(void)
{
	json_t *o;

	pthread_mutex_lock(&g_ctl.lock);
	o = ctl_defense_view();
	pthread_mutex_unlock(&g_ctl.lock);
	return o;
}

int
ctl_defense_patch(const json_t *patch, struct cfg_error *err)
{
	struct cfg_defense d;
	struct ctl_model m;
	json_t *obj;
	int r;

	if (!json_is_object(patch)) {
		ctl_set_err(err, "", "the body must be a JSON object such as {\"deny\": "
			    "[\"192.0.2.0/24\"]}");
		return -EINVAL;
	}
	pthread_mutex_lock(&g_ctl.lock);
	obj = merged(cfg_defense_to_json(&g_ctl.cfg.defense), patch);
	if (obj == NULL) {
		r = -ENOMEM;
		goto out;
	}
	r = cfg_defense_from_json(obj, "", NULL, &d, err);
	json_decref(obj);
	if (r < 0)
		goto out;
	r = ctl_model_dup(&m);
	if (r < 0) {
		cfg_defense_free(&d);
		goto out;
	}
	cfg_defense_free(&m.def);
	m.def = d;
	r = ctl_commit_or_free(&m, err);
out:
	pthread_mutex_unlock(&g_ctl.lock);
	return r;
}
