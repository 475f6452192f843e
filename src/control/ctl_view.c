/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "common/addr.h"
#include "control/ctl.h"
#include "control/ctl_int.h"
#include "flow/conn.h"
#include "forward/laddr.h"
#include "net/neigh.h"
#include "worker/worker.h"

/*
 * The read side of the control core: the JSON the API returns and the Prometheus text.
 * Counters are summed over the workers at the time of the call; they are read without
 * stopping the workers, so a row may be a few packets behind another.
 */

static json_t *
counters_json(const struct vs_totals *c)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "conns", (json_int_t)c->conns,
			 "active_conns", (json_int_t)c->active, "inactive_conns",
			 (json_int_t)c->inactive, "in_packets", (json_int_t)c->in_pkts,
			 "out_packets", (json_int_t)c->out_pkts, "in_bytes",
			 (json_int_t)c->in_bytes, "out_bytes", (json_int_t)c->out_bytes);
}

static json_t *
rate_json(const struct rate *r)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I}", "cps", (json_int_t)r->cps, "in_pps",
			 (json_int_t)r->in_pps, "out_pps", (json_int_t)r->out_pps, "in_bps",
			 (json_int_t)r->in_bps, "out_bps", (json_int_t)r->out_bps);
}

/* Why a backend takes no new conns, if it takes none: the first reason that holds. */
static const char *
backend_state(const struct cfg_service *s, const struct cfg_backend *b,
	      const struct vs_totals *sum)
{
	struct health_status st;

	if (b->inhibited)
		return "inhibited";
	if (health_get(g_ctl.health, s, b, &st) && st.state != HEALTH_UP)
		return health_state_name(st.state); /* down, or unknown until the first check */
	if (b->weight == 0)
		return "drain";
	if (b->max_conns && sum->active + sum->inactive >= (int64_t)b->max_conns)
		return "full";
	return "up";
}

static json_t *
time_json(time_t t)
{
	struct tm tm;
	char buf[32];

	if (t == 0 || gmtime_r(&t, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* The health of a backend: null without a check. */
static json_t *
health_json(const struct cfg_service *s, const struct cfg_backend *b)
{
	struct health_status st;
	time_t now = time(NULL);

	if (!health_get(g_ctl.health, s, b, &st))
		return json_null();
	return json_pack("{s:s,s:s,s:o,s:I,s:o,s:b,s:s,s:i,s:i}", "check",
			 cfg_hc_type_name(st.type), "state", health_state_name(st.state),
			 "last_change", time_json(st.last_change), "seconds_in_state",
			 (json_int_t)(st.last_change ? now - st.last_change : 0), "last_check",
			 time_json(st.last_check), "last_ok", st.last_ok, "last_result",
			 st.last_result, "last_ms", (int)st.last_ms, "in_a_row", (int)st.in_a_row);
}

static json_t *
backend_json(const struct ctl_svc *s, unsigned j)
{
	const struct cfg_backend *b = &s->cfg.backends[j];
	struct vs_totals sum;
	char a[ADDR46_STR_MAX];

	ctl_be_sum(s->be_slots[j], &sum);
	return json_pack("{s:s,s:i,s:I,s:b,s:s,s:o,s:o,s:o}", "address",
			 addr_fmt_ipport46(a, &b->addr, b->port), "weight", (int)b->weight,
			 "max_conns", (json_int_t)b->max_conns, "inhibited", b->inhibited, "state",
			 backend_state(&s->cfg, b, &sum), "health", health_json(&s->cfg, b),
			 "stats", counters_json(&sum), "rate",
			 rate_json(&g_ctl.be_rate[s->be_slots[j]]));
}

/* The service's check as configured, null when it has none. */
static json_t *
health_check_json(const struct cfg_service *s)
{
	json_t *hc = NULL;

	if (s->hc.type != CFG_HC_NONE || s->hc.set)
		hc = cfg_hc_to_json(&s->hc, true);
	return hc ? hc : json_null();
}

static json_t *
backends_json(const struct ctl_svc *s)
{
	json_t *arr = json_array();
	unsigned j;

	for (j = 0; arr && j < s->cfg.n_backends; j++)
		json_array_append_new(arr, backend_json(s, j));
	return arr;
}

/*
 * A service's defenses: "defense" as configured (what a PUT takes), "defense_in_force" what
 * it gets of the node's defaults too, "defense_dropped" what they refused.
 */
static int
service_defense_json(const struct ctl_svc *s, json_t *o)
{
	struct cfg_defense eff;
	struct vs_defense d;
	int bad = 0;

	cfg_defense_effective(&s->cfg.defense, &g_ctl.cfg.defense, &eff);
	ctl_defense_sum(s->slot, &d);
	bad |= json_object_set_new(o, "defense", cfg_defense_to_json(&s->cfg.defense));
	bad |= json_object_set_new(o, "defense_in_force",
				   json_pack("{s:b,s:I,s:I,s:i,s:i}", "synproxy", eff.synproxy,
					     "syn_rate", (json_int_t)eff.syn_rate, "source_rate",
					     (json_int_t)eff.source_rate, "allow",
					     (int)(s->cfg.defense.n_allow + g_ctl.cfg.defense.n_allow),
					     "deny",
					     (int)(s->cfg.defense.n_deny + g_ctl.cfg.defense.n_deny)));
	bad |= json_object_set_new(o, "defense_dropped", ctl_defense_drops_json(&d));
	bad |= json_object_set_new(o, "synproxy", ctl_synproxy_json(&d));
	if (s->cfg.mode == SL_MODE_FULLNAT)
		bad |= json_object_set_new(o, "client_address_counts", ctl_client_addr_json(&d));
	return bad ? -1 : 0;
}

static json_t *
service_json(const struct ctl_svc *s)
{
	struct vs_totals sum;
	char key[ADDR46_STR_MAX];
	json_t *o;

	ctl_svc_sum(s->slot, &sum);
	o = json_pack("{s:s,s:s,s:s,s:I,s:i,s:{s:I,s:s},s:s,s:b,s:o,s:o,s:o,s:o}", "vip",
			 addr_fmt_service46(key, &s->cfg.vip, s->cfg.port, s->cfg.proto), "mode",
			 cfg_mode_name(s->cfg.mode), "scheduler", cfg_sched_name(s->cfg.sched),
			 "persistence", (json_int_t)s->cfg.persistence, "persistence_netmask",
			 (int)s->cfg.persistence_netmask, "maglev", "table_size",
			 (json_int_t)s->cfg.maglev_size, "hash", cfg_hash_name(s->cfg.hash),
			 "announce", cfg_announce_name(s->cfg.announce), "announced",
			 announce_has(g_ctl.announce, &s->cfg.vip), "health_check",
			 health_check_json(&s->cfg), "stats", counters_json(&sum), "rate",
			 rate_json(&g_ctl.svc_rate[s->slot]), "backends", backends_json(s));
	if (o != NULL && (cfg_service_mode_json(&s->cfg, o) < 0 || service_defense_json(s, o) < 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
ctl_services_json(void)
{
	json_t *arr;
	unsigned i;

	pthread_mutex_lock(&g_ctl.lock);
	arr = json_array();
	for (i = 0; arr && i < g_ctl.n_svcs; i++)
		json_array_append_new(arr, service_json(&g_ctl.svcs[i]));
	pthread_mutex_unlock(&g_ctl.lock);
	return arr ? json_pack("{s:o}", "services", arr) : NULL;
}

json_t *
ctl_service_json(const char *key)
{
	const struct ctl_svc *s;
	json_t *j = NULL;

	pthread_mutex_lock(&g_ctl.lock);
	s = ctl_find(key);
	if (s)
		j = service_json(s);
	pthread_mutex_unlock(&g_ctl.lock);
	return j;
}

json_t *
ctl_backends_json(const char *svc_key)
{
	const struct ctl_svc *s;
	json_t *j = NULL;

	pthread_mutex_lock(&g_ctl.lock);
	s = ctl_find(svc_key);
	if (s)
		j = json_pack("{s:o}", "backends", backends_json(s));
	pthread_mutex_unlock(&g_ctl.lock);
	return j;
}

/* A conn's addresses in either family (an IPv6 conn's from the table's side array). */
struct conn_view {
	union addr46 caddr, vaddr, laddr, daddr;
};

static json_t *
conn_json(const struct conn *c, const struct conn_view *v, const struct worker *w)
{
	char cl[ADDR46_STR_MAX], vip[ADDR46_STR_MAX], lip[ADDR46_STR_MAX], be[ADDR46_STR_MAX];
	int32_t left = (int32_t)(c->expire - __atomic_load_n(&w->s.now, __ATOMIC_RELAXED));

	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:i}", "proto", addr_proto_name(c->proto),
			 "client", addr_fmt_ipport46(cl, &v->caddr, c->cport), "vip",
			 addr_fmt_ipport46(vip, &v->vaddr, c->vport), "local",
			 addr_fmt_ipport46(lip, &v->laddr, c->lport), "backend",
			 addr_fmt_ipport46(be, &v->daddr, c->dport), "state",
			 conn_state_name(c->state), "expires_in",
			 (json_int_t)(left > 0 ? (int64_t)left * CONN_TICK_MS / 1000 : 0), "worker",
			 (int)w->s.id);
}

/* Conn i of ct, consistent (conn_snapshot), with its addresses: 0 or -ENOENT. */
static int
conn_view_of(const struct conn_table *ct, int v6, uint32_t i, struct conn *c,
	     struct conn_view *v)
{
	struct conn6_addrs a;

	if (!v6) {
		if (conn_snapshot(ct, i, c) < 0)
			return -ENOENT;
		v->caddr = addr46_from_v4(c->caddr);
		v->vaddr = addr46_from_v4(c->vaddr);
		v->laddr = addr46_from_v4(c->laddr);
		v->daddr = addr46_from_v4(c->daddr);
		return 0;
	}
	if (conn6_snapshot(ct, i, c, &a) < 0)
		return -ENOENT;
	memcpy(v->caddr.b, a.caddr, 16);
	memcpy(v->vaddr.b, a.vaddr, 16);
	memcpy(v->laddr.b, a.laddr, 16);
	memcpy(v->daddr.b, a.daddr, 16);
	return 0;
}

int
ctl_conn_cursor_parse(const char *s, struct ctl_conn_cursor *cur)
{
	unsigned long f, w, i;
	char *e;

	errno = 0;
	f = strtoul(s, &e, 10);
	if (e == s || *e != '.' || f > 1)
		return -EINVAL;
	s = e + 1;
	w = strtoul(s, &e, 10);
	if (e == s || *e != '.' || w >= SL_MAX_WORKERS)
		return -EINVAL;
	s = e + 1;
	i = strtoul(s, &e, 10);
	if (e == s || *e != '\0' || errno != 0 || i > UINT32_MAX)
		return -EINVAL;
	*cur = (struct ctl_conn_cursor){ .fam = (unsigned)f, .worker = (unsigned)w,
					 .slot = (uint32_t)i };
	return 0;
}

/* Slots scanned under one hold of the control lock: ~1 ms of a scan. */
#define CONNS_CHUNK 65536u

json_t *
ctl_conns_json(const char *svc_key, unsigned limit, const struct ctl_conn_cursor *from)
{
	struct ctl_conn_cursor at = from ? *from : (struct ctl_conn_cursor){ 0 };
	union addr46 vip = { { 0 } };
	uint16_t port = 0;
	uint8_t proto = 0;
	json_t *arr = json_array(), *out;
	int truncated = 0;
	unsigned rows = 0;
	struct conn_view v;
	struct conn c;
	char next[48];

	if (arr == NULL)
		return NULL;
	if (svc_key && addr_parse_service46(svc_key, &vip, &port, &proto) < 0) {
		json_decref(arr);
		errno = EINVAL;
		return NULL;
	}
	/*
	 * Each family's table of each worker, from the cursor on; a service key names one
	 * family's. The workers and their tables live as long as the daemon: only the scan's
	 * chunks take the lock, to keep pace with the control thread's own work.
	 */
	for (; at.fam < 2; at.fam++, at.worker = 0, at.slot = 0) {
		if (svc_key && at.fam != (unsigned)!addr46_is_v4(&vip))
			continue;
		for (; at.worker < g_ctl.dp->n_workers; at.worker++, at.slot = 0) {
			const struct worker *wk = g_ctl.dp->workers[at.worker];
			const struct conn_table *ct = at.fam ? wk->s.ct6 : wk->s.ct;
			uint32_t cap = ct ? conn_capacity(ct) : 0;

			while (at.slot < cap && !truncated) {
				uint32_t end = cap - at.slot > CONNS_CHUNK ? at.slot + CONNS_CHUNK : cap;

				pthread_mutex_lock(&g_ctl.lock);
				for (; at.slot < end; at.slot++) {
					if (conn_view_of(ct, (int)at.fam, at.slot, &c, &v) < 0)
						continue;
					if (svc_key && (!addr46_eq(&v.vaddr, &vip) || c.vport != port ||
							c.proto != proto))
						continue;
					if (limit && rows >= limit) {
						truncated = 1;
						break;
					}
					json_array_append_new(arr, conn_json(&c, &v, wk));
					rows++;
				}
				pthread_mutex_unlock(&g_ctl.lock);
			}
			if (truncated)
				break;
		}
		if (truncated)
			break;
	}
	out = json_pack("{s:o,s:b}", "conns", arr, "truncated", truncated);
	if (out != NULL && truncated) {
		snprintf(next, sizeof(next), "%u.%u.%u", at.fam, at.worker, at.slot);
		json_object_set_new(out, "next", json_string(next));
	}
	return out;
}

/* Drops by reason, summed over the workers. */
static void
drops_sum(uint64_t *out)
{
	unsigned w, r;

	memset(out, 0, sizeof(uint64_t) * DROP_MAX);
	for (w = 0; w < g_ctl.dp->n_workers; w++)
		for (r = 1; r < DROP_MAX; r++)
			out[r] += g_ctl.dp->workers[w]->s.st.drops[r];
}

static json_t *
neigh_stats_json(const struct neigh_stats *ns)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I}", "entries", (json_int_t)ns->entries, "full",
			 (json_int_t)ns->full, "refused", (json_int_t)ns->refused, "evicted",
			 (json_int_t)ns->evicted, "aged", (json_int_t)ns->aged);
}

json_t *
ctl_stats_json(void)
{
	const struct dp *dp;
	uint64_t drops[DROP_MAX], created = 0, current = 0, cap = 0, to_k = 0, from_k = 0;
	uint64_t to_peers = 0, icmp_sent = 0, icmp_limited = 0, icmp_relayed = 0;
	struct laddr_stats lp = { 0 };
	json_t *workers, *dj, *root;
	unsigned w, r;

	pthread_mutex_lock(&g_ctl.lock);
	dp = g_ctl.dp;
	workers = json_array();
	for (w = 0; workers && w < dp->n_workers; w++) {
		const struct worker *wk = dp->workers[w];

		created += wk->s.st.conns_created;
		to_k += wk->s.st.to_kernel;
		from_k += wk->s.st.from_kernel;
		to_peers += wk->s.st.to_peers;
		icmp_sent += wk->s.st.icmp_err_sent;
		icmp_relayed += wk->s.st.icmp_relayed;
		icmp_limited += wk->s.st.icmp_err_limited;
		{
			const struct laddr_stats *l = laddr_stats(wk->s.lips);

			lp.kept_port += l->kept_port;
			lp.continued += l->continued;
			lp.exhausted += l->exhausted;
			lp.q_evicted += l->q_evicted;
			lp.q_entries += l->q_entries;
		}
		current += conn_count(wk->s.ct) + (wk->s.ct6 ? conn_count(wk->s.ct6) : 0);
		cap += conn_capacity(wk->s.ct) + (wk->s.ct6 ? conn_capacity(wk->s.ct6) : 0);
		json_array_append_new(
			workers, json_pack("{s:i,s:i,s:f,s:f,s:f,s:I,s:I,s:I,s:I,s:s,s:I}", "id", (int)w,
					   "lcore", (int)wk->lcore, "busy_percent", g_ctl.busy_pct[w],
					   "cpu_percent", g_ctl.cpu_pct[w], "cpu_seconds",
					   (double)worker_cpu_ns(wk) / 1e9,
					   "rx_packets", (json_int_t)wk->s.st.rx_pkts, "tx_packets",
					   (json_int_t)wk->s.st.tx_pkts, "conns",
					   (json_int_t)(conn_count(wk->s.ct) +
							(wk->s.ct6 ? conn_count(wk->s.ct6) : 0)),
					   "handoffs",
					   (json_int_t)wk->s.st.handoff_out, "idle",
					   wk->n_wait_fds > 0 ? "wait" : "backoff",
					   "idle_waits", (json_int_t)wk->s.st.idle_waits));
	}
	drops_sum(drops);
	dj = json_object();
	for (r = 1; dj && r < DROP_MAX; r++)
		json_object_set_new(dj, drop_name(r), json_integer((json_int_t)drops[r]));
	root = json_pack("{s:I,s:{s:I,s:I,s:I},s:o,s:o,s:{s:I,s:I},s:{s:I},s:o}", "uptime",
			 (json_int_t)(time(NULL) - g_ctl.started), "conns", "current",
			 (json_int_t)current, "created", (json_int_t)created, "capacity",
			 (json_int_t)cap, "workers", workers, "ports", ctl_ports_json(), "kernel",
			 "to", (json_int_t)to_k, "from", (json_int_t)from_k, "peers", "passed",
			 (json_int_t)to_peers, "drops", dj);
	if (root != NULL) {
		json_object_set_new(root, "neighbours", neigh_stats_json(&dp->neigh->st));
		json_object_set_new(root, "neighbours6", neigh_stats_json(&dp->neigh6->st));
		json_object_set_new(root, "local_ports",
				    json_pack("{s:I,s:I,s:I,s:I,s:I}", "kept_client_port",
					      (json_int_t)lp.kept_port, "continued",
					      (json_int_t)lp.continued, "exhausted",
					      (json_int_t)lp.exhausted, "quarantined",
					      (json_int_t)lp.q_entries, "quarantine_evicted",
					      (json_int_t)lp.q_evicted));
		json_object_set_new(root, "defense", ctl_defense_view());
		json_object_set_new(root, "icmp_errors",
				    json_pack("{s:I,s:I,s:I}", "sent", (json_int_t)icmp_sent,
					      "rate_limited", (json_int_t)icmp_limited, "relayed",
					      (json_int_t)icmp_relayed));
	}
	pthread_mutex_unlock(&g_ctl.lock);
	return root;
}

json_t *
ctl_config_json(void)
{
	struct cfg c;
	json_t *j;
	unsigned i;

	pthread_mutex_lock(&g_ctl.lock);
	c = g_ctl.cfg;
	c.n_services = g_ctl.n_svcs;
	c.services = calloc(g_ctl.n_svcs ? g_ctl.n_svcs : 1, sizeof(*c.services));
	if (c.services == NULL) {
		pthread_mutex_unlock(&g_ctl.lock);
		return NULL;
	}
	/* Shallow: cfg_to_json only reads them. */
	for (i = 0; i < g_ctl.n_svcs; i++)
		c.services[i] = g_ctl.svcs[i].cfg;
	j = cfg_to_json(&c);
	free(c.services);
	pthread_mutex_unlock(&g_ctl.lock);
	return j;
}

/* ---- Prometheus ---- */

static void
metric_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP sluice_%s %s\n# TYPE sluice_%s %s\n", name, help, name, type);
}

/* One family over every service (backends = 0) or every backend (backends = 1). */
static void
vs_family(FILE *f, int backends, const char *name, const char *type, const char *help,
	  int field)
{
	unsigned i, j;
	char key[ADDR46_STR_MAX], be[ADDR46_STR_MAX];

	metric_head(f, name, type, help);
	for (i = 0; i < g_ctl.n_svcs; i++) {
		const struct ctl_svc *s = &g_ctl.svcs[i];
		struct vs_totals c;
		const int64_t *v = (const int64_t *)&c;

		addr_fmt_service46(key, &s->cfg.vip, s->cfg.port, s->cfg.proto);
		if (!backends) {
			ctl_svc_sum(s->slot, &c);
			fprintf(f, "sluice_%s{service=\"%s\"} %" PRId64 "\n", name, key, v[field]);
			continue;
		}
		for (j = 0; j < s->cfg.n_backends; j++) {
			ctl_be_sum(s->be_slots[j], &c);
			addr_fmt_ipport46(be, &s->cfg.backends[j].addr, s->cfg.backends[j].port);
			fprintf(f, "sluice_%s{service=\"%s\",backend=\"%s\"} %" PRId64 "\n", name,
				key, be, v[field]);
		}
	}
}

#define VS_FIELD(m) ((int)(offsetof(struct vs_totals, m) / sizeof(uint64_t)))

/* Backends with a check (1 = up), and whether each service's VIP is announced. */
static void
health_metrics(FILE *f)
{
	char key[ADDR46_STR_MAX], be[ADDR46_STR_MAX];
	struct health_status st;
	unsigned i, j;

	metric_head(f, "backend_healthy", "gauge",
		    "1 when the backend's health check says up (backends with a check only).");
	for (i = 0; i < g_ctl.n_svcs; i++) {
		const struct cfg_service *s = &g_ctl.svcs[i].cfg;

		addr_fmt_service46(key, &s->vip, s->port, s->proto);
		for (j = 0; j < s->n_backends; j++) {
			const struct cfg_backend *b = &s->backends[j];

			if (health_get(g_ctl.health, s, b, &st))
				fprintf(f, "sluice_backend_healthy{service=\"%s\",backend=\"%s\"} %d\n",
					key, addr_fmt_ipport46(be, &b->addr, b->port),
					st.state == HEALTH_UP);
		}
	}
	/* The mode and scheduler as labels of a constant, node_exporter's *_info style: a
	 * query joins them onto any service metric (`* on(service) group_left(mode)`). */
	metric_head(f, "service_info", "gauge", "1 per service; its forwarding mode and scheduler.");
	for (i = 0; i < g_ctl.n_svcs; i++) {
		const struct cfg_service *s = &g_ctl.svcs[i].cfg;

		fprintf(f, "sluice_service_info{service=\"%s\",mode=\"%s\",scheduler=\"%s\"} 1\n",
			addr_fmt_service46(key, &s->vip, s->port, s->proto), cfg_mode_name(s->mode),
			cfg_sched_name(s->sched));
	}
	metric_head(f, "service_announced", "gauge", "1 while the service's VIP is announced.");
	for (i = 0; i < g_ctl.n_svcs; i++) {
		const struct cfg_service *s = &g_ctl.svcs[i].cfg;

		fprintf(f, "sluice_service_announced{service=\"%s\"} %d\n",
			addr_fmt_service46(key, &s->vip, s->port, s->proto),
			announce_has(g_ctl.announce, &s->vip));
	}
}

/*
 * A family of per-service counters from struct vs_defense: one series a service (of mode
 * fullnat only, when fullnat_only) and a counter, labelled `label`.
 */
struct svc_family {
	const char *name, *help, *label;
	bool fullnat_only;
	unsigned n;
	const char *ev[4];
	size_t off[4]; /* of each counter in struct vs_defense */
};

#define VS_DEF(f) offsetof(struct vs_defense, f)

static const struct svc_family svc_families[] = {
	{ "service_defense_dropped_total",
	  "New conns (acl, syn_rate, source_rate) and blind RSTs or SYNs (out_of_window) the "
	  "service's defenses dropped.", "defense", false, 4,
	  { "acl", "syn_rate", "source_rate", "out_of_window" },
	  { VS_DEF(acl), VS_DEF(syn_rate), VS_DEF(source_rate), VS_DEF(out_of_window) } },
	{ "service_client_address_total",
	  "What told FULLNAT backends their clients' addresses: PROXY headers inserted "
	  "(proxy_header; proxy_split: those sent in a segment of their own), TOA options added "
	  "(toa_added) or left out for want of room (toa_skipped).", "event", true, 4,
	  { "proxy_header", "proxy_split", "toa_added", "toa_skipped" },
	  { VS_DEF(ca_headers), VS_DEF(ca_split), VS_DEF(toa_added), VS_DEF(toa_skipped) } },
	{ "service_synproxy_total",
	  "The SYN proxy's events: SYNs answered with a cookie, conns opened on a good cookie, "
	  "ACKs with a bad one, backends that never answered.", "event", false, 4,
	  { "syn_answered", "opened", "bad_cookie", "backend_silent" },
	  { VS_DEF(sp_syn), VS_DEF(sp_ok), VS_DEF(sp_bad), VS_DEF(sp_no_answer) } },
};

/* What each service's defenses refused, by defense; the SYN proxy's and the client address's. */
static void
defense_metrics(FILE *f)
{
	char key[ADDR46_STR_MAX];
	struct vs_defense d;
	unsigned i, k, x;

	for (x = 0; x < sizeof(svc_families) / sizeof(svc_families[0]); x++) {
		const struct svc_family *fam = &svc_families[x];

		metric_head(f, fam->name, "counter", fam->help);
		for (i = 0; i < g_ctl.n_svcs; i++) {
			const struct ctl_svc *s = &g_ctl.svcs[i];

			if (fam->fullnat_only && s->cfg.mode != SL_MODE_FULLNAT)
				continue;
			addr_fmt_service46(key, &s->cfg.vip, s->cfg.port, s->cfg.proto);
			ctl_defense_sum(s->slot, &d);
			for (k = 0; k < fam->n; k++)
				fprintf(f, "sluice_%s{service=\"%s\",%s=\"%s\"} %" PRIu64 "\n",
					fam->name, key, fam->label, fam->ev[k],
					*(const uint64_t *)((const char *)&d + fam->off[k]));
		}
	}
}

char *
ctl_metrics_text(void)
{
	static const char *const who[2] = { "service", "backend" };
	char *buf = NULL, name[64];
	size_t len = 0;
	uint64_t drops[DROP_MAX];
	FILE *f = open_memstream(&buf, &len);
	const struct dp *dp;
	unsigned k, w, r;

	if (f == NULL)
		return NULL;
	pthread_mutex_lock(&g_ctl.lock);
	dp = g_ctl.dp;
	for (k = 0; k < 2; k++) {
		snprintf(name, sizeof(name), "%s_connections_total", who[k]);
		vs_family(f, (int)k, name, "counter", "Connections scheduled.", VS_FIELD(conns));
		snprintf(name, sizeof(name), "%s_incoming_packets_total", who[k]);
		vs_family(f, (int)k, name, "counter", "Packets from clients.", VS_FIELD(in_pkts));
		snprintf(name, sizeof(name), "%s_outgoing_packets_total", who[k]);
		vs_family(f, (int)k, name, "counter", "Packets to clients.", VS_FIELD(out_pkts));
		snprintf(name, sizeof(name), "%s_incoming_bytes_total", who[k]);
		vs_family(f, (int)k, name, "counter", "IP bytes from clients.", VS_FIELD(in_bytes));
		snprintf(name, sizeof(name), "%s_outgoing_bytes_total", who[k]);
		vs_family(f, (int)k, name, "counter", "IP bytes to clients.", VS_FIELD(out_bytes));
		snprintf(name, sizeof(name), "%s_active_connections", who[k]);
		vs_family(f, (int)k, name, "gauge", "Connections in ESTABLISHED.", VS_FIELD(active));
		snprintf(name, sizeof(name), "%s_inactive_connections", who[k]);
		vs_family(f, (int)k, name, "gauge", "Connections in any other state.",
			  VS_FIELD(inactive));
	}
	health_metrics(f);
	defense_metrics(f);
	drops_sum(drops);
	metric_head(f, "drops_total", "counter", "Packets dropped, by reason.");
	for (r = 1; r < DROP_MAX; r++)
		fprintf(f, "sluice_drops_total{reason=\"%s\"} %" PRIu64 "\n", drop_name(r), drops[r]);
	metric_head(f, "worker_busy_ratio", "gauge",
		    "Share of the worker's TSC cycles spent on packets over the last second.");
	for (w = 0; w < dp->n_workers; w++)
		fprintf(f, "sluice_worker_busy_ratio{worker=\"%u\"} %.4f\n", w,
			g_ctl.busy_pct[w] / 100.0);
	metric_head(f, "worker_cpu_seconds_total", "counter",
		    "CPU time of the worker's thread (idle polling and sleeps' wakeups included).");
	for (w = 0; w < dp->n_workers; w++)
		fprintf(f, "sluice_worker_cpu_seconds_total{worker=\"%u\"} %.3f\n", w,
			(double)worker_cpu_ns(dp->workers[w]) / 1e9);
	metric_head(f, "connections", "gauge", "Connections tracked.");
	{
		uint64_t cur = 0, created = 0;

		for (w = 0; w < dp->n_workers; w++) {
			cur += conn_count(dp->workers[w]->s.ct);
			created += dp->workers[w]->s.st.conns_created;
		}
		fprintf(f, "sluice_connections %" PRIu64 "\n", cur);
		metric_head(f, "connections_created_total", "counter", "Connections created.");
		fprintf(f, "sluice_connections_created_total %" PRIu64 "\n", created);
	}
	ctl_ports_metrics(f);
	pthread_mutex_unlock(&g_ctl.lock);
	fclose(f);
	return buf;
}
