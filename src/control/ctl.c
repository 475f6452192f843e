/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "common/addr.h"
#include "common/clock.h"
#include "common/log.h"
#include "control/ctl.h"
#include "control/ctl_int.h"
#include "control/spec.h"
#include "defense/acl.h"
#include "forward/laddr.h"
#include "net/arp.h"
#include "net/nd.h"
#include "net/neigh.h"
#include "net/route.h"
#include "net/route6.h"
#include "worker/worker.h"

/*
 * Every change follows one path: copy the model, change the copy, commit it. A commit
 * gives counters slots to what is new, builds a snapshot, publishes it (RCU) and only then
 * makes the copy the model. A change that fails anywhere leaves the model, the slots and
 * the data plane as they were.
 */

struct ctl_state g_ctl = { .lock = PTHREAD_MUTEX_INITIALIZER };

#define EVENTS_PER_TICK 256
#define UPKEEP_MS 1000
#define RECOMMIT_MS 100

void
ctl_set_err(struct cfg_error *err, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	memset(err, 0, sizeof(*err));
	snprintf(err->field, sizeof(err->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

void
ctl_sum(const struct vs_counters *base, size_t stride, const struct vs_gauge *gauges,
	uint16_t slot, unsigned n_workers, struct vs_totals *out)
{
	unsigned w;

	memset(out, 0, sizeof(*out));
	for (w = 0; w < n_workers; w++) {
		const struct vs_counters *c = &base[w * stride + slot];

		out->conns += c->conns;
		out->in_pkts += c->in_pkts;
		out->out_pkts += c->out_pkts;
		out->in_bytes += c->in_bytes;
		out->out_bytes += c->out_bytes;
	}
	out->active = __atomic_load_n(&gauges[slot].active, __ATOMIC_ACQUIRE);
	out->inactive = __atomic_load_n(&gauges[slot].inactive, __ATOMIC_ACQUIRE);
}

int
ctl_svc_match(const struct cfg_service *s, const union addr46 *vip, uint16_t port,
	      uint8_t proto)
{
	return addr46_eq(&s->vip, vip) && s->port == port && s->proto == proto;
}

struct ctl_svc *
ctl_find(const char *key)
{
	union addr46 vip;
	uint16_t port;
	uint8_t proto;
	unsigned i;

	if (addr_parse_service46(key, &vip, &port, &proto) < 0)
		return NULL;
	for (i = 0; i < g_ctl.n_svcs; i++)
		if (ctl_svc_match(&g_ctl.svcs[i].cfg, &vip, port, proto))
			return &g_ctl.svcs[i];
	return NULL;
}

int
ctl_be_find(const struct cfg_service *s, const union addr46 *addr, uint16_t port)
{
	unsigned i;

	for (i = 0; i < s->n_backends; i++)
		if (addr46_eq(&s->backends[i].addr, addr) && s->backends[i].port == port)
			return (int)i;
	return -1;
}

/* ---- the working copy ---- */

void
ctl_model_free(struct ctl_model *m)
{
	unsigned i;

	for (i = 0; i < m->n; i++)
		cfg_service_free(&m->s[i]);
	free(m->s);
	m->s = NULL;
	m->n = 0;
	cfg_defense_free(&m->def);
}

/* A deep copy of the model with room for one more service. */
int
ctl_model_dup(struct ctl_model *m)
{
	unsigned i;

	m->n = 0;
	m->s = calloc(g_ctl.n_svcs + 1, sizeof(*m->s));
	if (m->s == NULL || cfg_defense_copy(&m->def, &g_ctl.cfg.defense) < 0) {
		free(m->s);
		m->s = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < g_ctl.n_svcs; i++) {
		if (cfg_service_copy(&m->s[i], &g_ctl.svcs[i].cfg) < 0) {
			ctl_model_free(m);
			return -ENOMEM;
		}
		m->n++;
	}
	return 0;
}

/* ---- counters slots ---- */

/* A slot nobody uses starts from zero. Its gauge is zero already: that is why it is free. */
static void
slot_zero(struct vs_counters *base, size_t stride, uint16_t slot)
{
	unsigned w;

	for (w = 0; w < g_ctl.dp->n_workers; w++)
		memset(&base[w * stride + slot], 0, sizeof(base[0]));
}

/*
 * The slot of an owner: its own if it has one (in use or draining, so a backend added
 * back keeps its counters), else a free one, zeroed. taken[] records new ones for rollback.
 */
static int
slot_get(struct slot_owner *tab, unsigned n, const struct slot_owner *who,
	 struct vs_counters *base, uint8_t *taken)
{
	unsigned i, free_i = n;

	for (i = 0; i < n; i++) {
		const struct slot_owner *o = &tab[i];

		if (o->state == SLOT_FREE) {
			if (free_i == n && !taken[i])
				free_i = i;
			continue;
		}
		if (addr46_eq(&o->vip, &who->vip) && o->vport == who->vport &&
		    o->proto == who->proto && addr46_eq(&o->addr, &who->addr) &&
		    o->port == who->port)
			return (int)i;
	}
	if (free_i == n)
		return -ENOSPC;
	taken[free_i] = 1;
	tab[free_i] = *who;
	tab[free_i].state = SLOT_DRAINING; /* becomes USED at commit */
	slot_zero(base, n, (uint16_t)free_i);
	return (int)free_i;
}

static void
slots_rollback(struct slot_owner *tab, unsigned n, const uint8_t *taken)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (taken[i])
			tab[i].state = SLOT_FREE;
}

/* ---- commit ---- */

/* Ask for a neighbour: ARP for IPv4, a solicitation for IPv6 (a neigh_send_fn). */
static void
send_request(void *arg, const union addr46 *ip, uint8_t port)
{
	struct dp *dp = arg;
	struct rte_mbuf *m;

	if (addr46_is_v4(ip))
		m = arp_request(dp, dp->ctl_pool, port, ip->w[3]);
	else
		m = nd_solicit(dp, dp->ctl_pool, port, ip->b);
	if (m != NULL && rte_ring_enqueue(dp->workers[0]->ctl_tx, m) != 0)
		rte_pktmbuf_free(m);
	else if (m != NULL)
		worker_wake(dp->workers[0]);
}

/* The neighbour table of ip's family. */
static struct neigh_table *
neigh_of(const struct dp *dp, const union addr46 *ip)
{
	return addr46_is_v4(ip) ? dp->neigh : dp->neigh6;
}

/* Pin the next hop toward dst (either family), asking for it when it is unresolved. */
static void
pin_toward(struct dp *dp, const union addr46 *dst, uint64_t now)
{
	union addr46 nh;
	uint8_t port;
	int r;

	if (addr46_is_v4(dst)) {
		uint32_t nh4;

		r = route_lookup(dp->routes, dst->w[3], &port, &nh4);
		nh = addr46_from_v4(nh4);
	} else {
		r = route6_lookup(dp->routes6, dst, &port, &nh);
	}
	if (r == 0 && neigh_pin46(neigh_of(dp, &nh), &nh, port, now) == 1)
		send_request(dp, &nh, port);
}

/* Keep every backend's next hop resolved, so a first SYN finds its MAC. */
static void
pin_backends(void)
{
	struct dp *dp = g_ctl.dp;
	uint64_t now = clock_mono_ms();
	unsigned i, j;

	neigh_unpin_all(dp->neigh);
	neigh_unpin_all(dp->neigh6);
	/* the static routes' gateways, through which replies to clients go */
	for (i = 0; i < g_ctl.cfg.n_routes; i++)
		pin_toward(dp, &g_ctl.cfg.routes[i].via, now);
	/* and the peers', to whom packets of conns we do not know go */
	for (i = 0; i < dp->n_peers; i++) {
		const union addr46 *a = &dp->peers[i].ip;

		if (neigh_pin46(neigh_of(dp, a), a, dp->peers[i].port, now) == 1)
			send_request(dp, a, dp->peers[i].port);
	}
	for (i = 0; i < g_ctl.n_svcs; i++) {
		const struct cfg_service *s = &g_ctl.svcs[i].cfg;

		for (j = 0; j < s->n_backends; j++)
			pin_toward(dp, &s->backends[j].addr, now);
	}
}

/*
 * Whether backend b of s takes conns in the model now running (the one being replaced
 * during a commit): a check added to such a backend starts from UP, not UNKNOWN.
 */
static bool
serving_now(const struct cfg_service *s, const struct cfg_backend *b)
{
	char key[ADDR46_STR_MAX];
	const struct ctl_svc *cur;
	int j;

	addr_fmt_service46(key, &s->vip, s->port, s->proto);
	cur = ctl_find(key);
	if (cur == NULL || (j = ctl_be_find(&cur->cfg, &b->addr, b->port)) < 0)
		return false;
	return health_usable(g_ctl.health, &cur->cfg, &cur->cfg.backends[j]);
}

/* Health's verdict on b of s in a model about to be committed (health_sync comes after). */
static bool
health_lets(const struct cfg_service *s, const struct cfg_backend *b)
{
	struct health_status st;

	if (!health_has_check(s, b))
		return true;
	if (health_get(g_ctl.health, s, b, &st))
		return st.state == HEALTH_UP;
	/* A new target: what health_sync will start it as. */
	return health_starts_up(s, b) || serving_now(s, b);
}

/*
 * Publish the VIPs to announce: a service's VIP while it says `always`, or `healthy` (the
 * default) and one of its backends can take new conns. Several services on one VIP
 * announce it once. A VIP the kernel refused is tried again at the next upkeep.
 */
static void
announce_update(void)
{
	union addr46 *vips;
	unsigned i, j, n = 0;

	if (g_ctl.announce == NULL)
		return;
	vips = calloc(g_ctl.n_svcs ? g_ctl.n_svcs : 1, sizeof(*vips));
	if (vips == NULL)
		return;
	for (i = 0; i < g_ctl.n_svcs; i++) {
		const struct cfg_service *s = &g_ctl.svcs[i].cfg;
		bool yes = s->announce == CFG_ANNOUNCE_ALWAYS;

		for (j = 0; !yes && s->announce == CFG_ANNOUNCE_HEALTHY && j < s->n_backends; j++)
			yes = ctl_be_available(s, &s->backends[j]);
		if (yes)
			vips[n++] = s->vip;
	}
	announce_set(g_ctl.announce, vips, n);
	free(vips);
}

/* Make m the model. On success m is consumed; on error it is the caller's to free. */
int
ctl_commit(struct ctl_model *m, struct cfg_error *err)
{
	uint8_t svc_taken[STATS_SVC_SLOTS] = { 0 };
	static uint8_t be_taken[STATS_BE_SLOTS];
	struct snap_svc_input *in = NULL;
	struct acl *node_acl = NULL;
	struct ctl_svc *svcs = NULL;
	uint8_t *down = NULL; /* health: one flag per backend of every service */
	size_t off = 0;
	struct snapshot *snap;
	unsigned i, j, n_in;
	int r = -ENOMEM;

	memset(be_taken, 0, sizeof(be_taken));
	in = calloc(m->n ? m->n : 1, sizeof(*in));
	svcs = calloc(m->n ? m->n : 1, sizeof(*svcs));
	for (i = 0, j = 0; i < m->n; i++)
		j += m->s[i].n_backends;
	down = calloc(j ? j : 1, 1);
	if (in == NULL || svcs == NULL || down == NULL)
		goto fail;
	for (i = 0; i < m->n; i++) {
		const struct cfg_service *s = &m->s[i];
		struct slot_owner who = { .vip = s->vip, .vport = s->port, .proto = s->proto };

		r = slot_get(g_ctl.svc_slots, STATS_SVC_SLOTS, &who, g_ctl.dp->svc_stats,
			     svc_taken);
		if (r < 0)
			goto full;
		svcs[i].slot = (uint16_t)r;
		svcs[i].be_slots = calloc(s->n_backends ? s->n_backends : 1, sizeof(uint16_t));
		if (svcs[i].be_slots == NULL) {
			r = -ENOMEM;
			goto fail;
		}
		for (j = 0; j < s->n_backends; j++) {
			who.addr = s->backends[j].addr;
			who.port = s->backends[j].port;
			r = slot_get(g_ctl.be_slots, STATS_BE_SLOTS, &who, g_ctl.dp->be_stats,
				     be_taken);
			if (r < 0)
				goto full;
			svcs[i].be_slots[j] = (uint16_t)r;
		}
		for (j = 0; j < s->n_backends; j++)
			down[off + j] = !health_lets(s, &s->backends[j]);
		r = spec_service(s, svcs[i].slot, svcs[i].be_slots, down + off, g_ctl.dp, &m->def,
				 &in[i]);
		if (r < 0) {
			ctl_set_err(err, "", "cannot build service %u: %s", i, strerror(-r));
			goto fail;
		}
		off += s->n_backends;
	}
	r = spec_acl(&m->def, &node_acl);
	if (r < 0) {
		ctl_set_err(err, "dataplane.defense", "cannot build the ACL: %s", strerror(-r));
		goto fail;
	}
	snap = snapshot_build(in, m->n, g_ctl.dp->be_gauges, g_ctl.dp->n_workers,
			      ++g_ctl.version, g_ctl.dp->snap);
	if (snap == NULL) {
		r = -errno;
		ctl_set_err(err, "", "cannot build the snapshot: %s", strerror(errno));
		goto fail;
	}
	spec_adopt(snap, in, m->n, node_acl);
	node_acl = NULL;
	dp_publish(g_ctl.dp, snap);
	/* Checks follow the model; if that fails for memory, ctl_tick commits again. */
	if (health_sync(g_ctl.health, m->s, m->n, serving_now) < 0) {
		LOG_E("health: out of memory: checks not updated, trying again");
		g_ctl.health_dirty = true;
	}

	/* Published: what the old model had and the new one lacks now drains. */
	for (i = 0; i < STATS_SVC_SLOTS; i++)
		if (g_ctl.svc_slots[i].state == SLOT_USED)
			g_ctl.svc_slots[i].state = SLOT_DRAINING;
	for (i = 0; i < STATS_BE_SLOTS; i++)
		if (g_ctl.be_slots[i].state == SLOT_USED)
			g_ctl.be_slots[i].state = SLOT_DRAINING;
	for (i = 0; i < m->n; i++) {
		svcs[i].cfg = m->s[i];
		g_ctl.svc_slots[svcs[i].slot].state = SLOT_USED;
		for (j = 0; j < m->s[i].n_backends; j++)
			g_ctl.be_slots[svcs[i].be_slots[j]].state = SLOT_USED;
	}
	for (i = 0; i < g_ctl.n_svcs; i++) {
		cfg_service_free(&g_ctl.svcs[i].cfg);
		free(g_ctl.svcs[i].be_slots);
	}
	free(g_ctl.svcs);
	g_ctl.svcs = svcs;
	g_ctl.n_svcs = n_in = m->n;
	free(m->s); /* the services themselves now belong to svcs[] */
	m->s = NULL;
	m->n = 0;
	cfg_defense_free(&g_ctl.cfg.defense);
	g_ctl.cfg.defense = m->def;
	memset(&m->def, 0, sizeof(m->def));
	for (i = 0; i < n_in; i++)
		spec_service_free(&in[i]);
	free(in);
	free(down);
	pin_backends();
	announce_update();
	return 0;
full:
	ctl_set_err(err, "", "no free counters slot (%u services, %u backends at most, deleted "
		    "backends hold theirs until their last conn ends)", STATS_SVC_SLOTS,
		    STATS_BE_SLOTS);
	r = -ENOSPC;
fail:
	acl_free(node_acl);
	slots_rollback(g_ctl.svc_slots, STATS_SVC_SLOTS, svc_taken);
	slots_rollback(g_ctl.be_slots, STATS_BE_SLOTS, be_taken);
	if (svcs)
		for (i = 0; i < m->n; i++)
			free(svcs[i].be_slots);
	free(svcs);
	free(down);
	if (in)
		for (i = 0; i < m->n; i++)
			spec_service_free(&in[i]);
	free(in);
	return r;
}

/* Commit m, or free it. */
int
ctl_commit_or_free(struct ctl_model *m, struct cfg_error *err)
{
	int r = ctl_commit(m, err);

	if (r < 0)
		ctl_model_free(m);
	return r;
}

/* ---- start and stop (the API's changes are in ctl_change.c) ---- */

int
ctl_init(struct dp *dp, const struct cfg *cfg, struct cfg_error *err)
{
	struct ctl_model m = { 0 };
	unsigned i;
	int r;

	pthread_mutex_lock(&g_ctl.lock);
	g_ctl.dp = dp;
	g_ctl.cfg = *cfg;
	/* The running cfg keeps its own copy of the routes; services live in the model. */
	g_ctl.cfg.routes = calloc(cfg->n_routes ? cfg->n_routes : 1, sizeof(*cfg->routes));
	if (g_ctl.cfg.routes)
		memcpy(g_ctl.cfg.routes, cfg->routes, sizeof(*cfg->routes) * cfg->n_routes);
	g_ctl.cfg.n_services = 0;
	g_ctl.cfg.services = NULL;
	memset(&g_ctl.cfg.defense, 0, sizeof(g_ctl.cfg.defense)); /* the model's, committed */
	g_ctl.started = time(NULL);
	g_ctl.health = health_create();
	if (g_ctl.health == NULL) {
		ctl_set_err(err, "", "cannot start the health checks: %s", strerror(errno));
		r = -ENOMEM;
		goto out;
	}
	if (cfg->announce_if[0] != '\0') {
		char msg[200];

		g_ctl.announce = announce_open(cfg->announce_if, msg, sizeof(msg));
		/* Asked for by name, it must work; the default may be missing (a container
		 * without /dev/net/tun): a node that announces nothing still forwards. */
		if (g_ctl.announce == NULL && !cfg->announce_if_given) {
			LOG_W("%s: no VIP is announced (set control.announce_interface to "
			      "require it, or false to silence this)", msg);
		} else if (g_ctl.announce == NULL) {
			ctl_set_err(err, "control.announce_interface", "%s", msg);
			r = -EIO;
			goto out;
		}
	}
	m.s = calloc(cfg->n_services ? cfg->n_services : 1, sizeof(*m.s));
	r = m.s && g_ctl.cfg.routes ? 0 : -ENOMEM;
	if (r == 0)
		r = cfg_defense_copy(&m.def, &cfg->defense);
	for (i = 0; r == 0 && i < cfg->n_services; i++) {
		r = cfg_service_copy(&m.s[i], &cfg->services[i]);
		if (r == 0)
			m.n++;
	}
	if (r == 0)
		r = ctl_commit_or_free(&m, err);
	else
		ctl_model_free(&m);
out:
	pthread_mutex_unlock(&g_ctl.lock);
	return r;
}

void
ctl_fini(void)
{
	unsigned i;

	pthread_mutex_lock(&g_ctl.lock);
	for (i = 0; i < g_ctl.n_svcs; i++) {
		cfg_service_free(&g_ctl.svcs[i].cfg);
		free(g_ctl.svcs[i].be_slots);
	}
	free(g_ctl.svcs);
	g_ctl.svcs = NULL;
	g_ctl.n_svcs = 0;
	free(g_ctl.cfg.routes);
	g_ctl.cfg.routes = NULL;
	cfg_defense_free(&g_ctl.cfg.defense);
	announce_close(g_ctl.announce); /* if ctl_withdraw_all did not already */
	g_ctl.announce = NULL;
	health_destroy(g_ctl.health);
	g_ctl.health = NULL;
	pthread_mutex_unlock(&g_ctl.lock);
}

/* ---- upkeep ---- */

static unsigned
drain_events(uint64_t now)
{
	struct dp *dp = g_ctl.dp;
	struct neigh_event ev;
	unsigned w, n, got = 0;

	for (w = 0; w < dp->n_workers; w++) {
		for (n = 0; n < EVENTS_PER_TICK; n++) {
			if (rte_ring_dequeue_elem(dp->workers[w]->s.events, &ev, sizeof(ev)) != 0)
				break;
			if (ev.type == NEIGH_EV_LEARN)
				neigh_learn46(neigh_of(dp, &ev.ip), &ev.ip, ev.port,
					      (const struct rte_ether_addr *)ev.mac, now);
			else if (neigh_want46(neigh_of(dp, &ev.ip), &ev.ip, ev.port, now) == 1)
				send_request(dp, &ev.ip, ev.port);
		}
		got += n;
	}
	return got;
}

static void
rate_of(const struct vs_totals *now, const struct vs_totals *prev, double secs,
	struct rate *r)
{
	/* A slot given to a new owner starts again from zero: no rate for that interval. */
	if (now->conns < prev->conns || now->in_pkts < prev->in_pkts ||
	    now->out_pkts < prev->out_pkts || secs <= 0) {
		memset(r, 0, sizeof(*r));
		return;
	}
	r->cps = (double)(now->conns - prev->conns) / secs;
	r->in_pps = (double)(now->in_pkts - prev->in_pkts) / secs;
	r->out_pps = (double)(now->out_pkts - prev->out_pkts) / secs;
	r->in_bps = (double)(now->in_bytes - prev->in_bytes) / secs;
	r->out_bps = (double)(now->out_bytes - prev->out_bytes) / secs;
}

/* Rates, busy percentages, and the release of drained counters slots. */
static void
sample(uint64_t now)
{
	struct dp *dp = g_ctl.dp;
	double secs = (double)(now - g_ctl.last_sample_ms) / 1000.0;
	struct vs_totals sum;
	uint64_t tsc;
	unsigned i;

	for (i = 0; i < STATS_SVC_SLOTS; i++) {
		if (g_ctl.svc_slots[i].state == SLOT_FREE)
			continue;
		ctl_svc_sum((uint16_t)i, &sum);
		rate_of(&sum, &g_ctl.svc_prev[i], secs, &g_ctl.svc_rate[i]);
		g_ctl.svc_prev[i] = sum;
		if (g_ctl.svc_slots[i].state == SLOT_DRAINING && sum.active + sum.inactive == 0)
			g_ctl.svc_slots[i].state = SLOT_FREE;
	}
	for (i = 0; i < STATS_BE_SLOTS; i++) {
		if (g_ctl.be_slots[i].state == SLOT_FREE)
			continue;
		ctl_be_sum((uint16_t)i, &sum);
		rate_of(&sum, &g_ctl.be_prev[i], secs, &g_ctl.be_rate[i]);
		g_ctl.be_prev[i] = sum;
		if (g_ctl.be_slots[i].state == SLOT_DRAINING && sum.active + sum.inactive == 0)
			g_ctl.be_slots[i].state = SLOT_FREE;
	}
	tsc = rte_get_tsc_cycles();
	for (i = 0; i < dp->n_workers; i++) {
		const struct worker *w = dp->workers[i];
		uint64_t busy = w->s.st.cycles_busy - g_ctl.busy_prev[i];
		uint64_t cpu = worker_cpu_ns(w);

		g_ctl.busy_pct[i] = g_ctl.last_sample_tsc && tsc > g_ctl.last_sample_tsc ?
			100.0 * (double)busy / (double)(tsc - g_ctl.last_sample_tsc) : 0;
		g_ctl.cpu_pct[i] = secs > 0 && cpu >= g_ctl.cpu_prev_ns[i] ?
			100.0 * (double)(cpu - g_ctl.cpu_prev_ns[i]) / (secs * 1e9) : 0;
		g_ctl.busy_prev[i] = w->s.st.cycles_busy;
		g_ctl.cpu_prev_ns[i] = cpu;
	}
	g_ctl.last_sample_tsc = tsc;
	ctl_kstats_poll();
}

unsigned
ctl_withdraw_all(void)
{
	unsigned n;

	pthread_mutex_lock(&g_ctl.lock);
	n = announce_count(g_ctl.announce);
	announce_close(g_ctl.announce);
	g_ctl.announce = NULL;
	pthread_mutex_unlock(&g_ctl.lock);
	return n;
}

/*
 * A health check changed a backend's state: the same model, a new snapshot. Changes are
 * gathered for RECOMMIT_MS (a host behind many services fails in many results over a few
 * ticks: one rebuild, not one per tick), and a commit that fails is tried again.
 */
static void
recommit(uint64_t now)
{
	struct cfg_error err = { 0 };
	struct ctl_model m;

	if (now - g_ctl.last_recommit_ms < RECOMMIT_MS)
		return;
	g_ctl.last_recommit_ms = now;
	g_ctl.health_dirty = false; /* a commit that fails sets it again */
	if (ctl_model_dup(&m) < 0 || ctl_commit_or_free(&m, &err) < 0) {
		g_ctl.health_dirty = true;
		LOG_E("health: cannot apply a state change (trying again): %s",
		      err.msg[0] ? err.msg : "out of memory");
	}
}

/* A neighbour table that refuses addresses is said once; the counters say how often. */
static void
neigh_report(void)
{
	const struct neigh_table *t[2] = { g_ctl.dp->neigh, g_ctl.dp->neigh6 };
	static const char *const name[2] = { "neighbours", "neighbours6" };
	unsigned i;

	for (i = 0; i < 2; i++) {
		const struct neigh_stats *st = &t[i]->st;

		if (!g_ctl.neigh_full_logged[i] && st->full > 0) {
			LOG_W("%s table: a bucket full of needed entries refused an address the "
			      "node needs (%u entries); see %s.full in sluicectl stats", name[i],
			      (unsigned)st->entries, name[i]);
			g_ctl.neigh_full_logged[i] = true;
		}
		if (!g_ctl.neigh_refused_logged[i] && st->refused > 0) {
			LOG_W("%s table: more neighbours heard from than it keeps (%u entries); "
			      "stray ones are not learned (%s.refused), needed ones always are",
			      name[i], (unsigned)st->entries, name[i]);
			g_ctl.neigh_refused_logged[i] = true;
		}
	}
}

/*
 * New conns refused for want of a free (LIP, port, backend) tuple: said at most once a
 * minute, with what to do. The LIPs sustain about n_lips x 64512 / lip_quarantine new TCP
 * conns a second per backend (from clients that do not reuse their ports).
 */
static void
lip_report(uint64_t now)
{
	const struct dp *dp = g_ctl.dp;
	uint64_t n = 0;
	unsigned w;

	for (w = 0; w < dp->n_workers; w++)
		n += laddr_stats(dp->workers[w]->s.lips)->exhausted;
	if (n == g_ctl.lip_exhausted_seen || now - g_ctl.lip_logged_ms < 60000)
		return;
	LOG_W("local addresses cannot sustain the new-connection rate: %" PRIu64 " new conns "
	      "found no free (LIP, port, backend) tuple (no_local_port); %u LIPs carry about "
	      "%u new TCP conns/s per backend with a quarantine of %u s: add "
	      "dataplane.local_addresses or shorten dataplane.timeouts.lip_quarantine",
	      n - g_ctl.lip_exhausted_seen, dp->n_laddrs,
	      (unsigned)(dp->n_laddrs * 64512ull / (g_ctl.cfg.timeouts.lip_quarantine ?
						    g_ctl.cfg.timeouts.lip_quarantine : 1)),
	      g_ctl.cfg.timeouts.lip_quarantine);
	g_ctl.lip_exhausted_seen = n;
	g_ctl.lip_logged_ms = now;
}

/*
 * Partial checksums completed in software are said once per port, with the fix, once they
 * are a share of the port's packets: a right checksum matches the test once in 65536
 * packets (completing it changes nothing), so a few such packets say nothing of the peer.
 */
static void
csum_report(void)
{
	const struct dp *dp = g_ctl.dp;
	unsigned p, w;

	for (p = 0; p < dp->n_ports; p++) {
		uint64_t n = 0;

		if (g_ctl.csum_logged & (1u << p))
			continue;
		struct rte_eth_stats es;

		for (w = 0; w < dp->n_workers; w++)
			n += dp->workers[w]->s.st.port_rx_csum_partial[p];
		if (n < 64 || rte_eth_stats_get(dp->ports[p].port_id, &es) != 0 ||
		    n * 100 < es.ipackets)
			continue;
		LOG_W("port '%s' (%s) receives packets with partial checksums (a veth whose peer "
		      "keeps transmit checksum offload on): sluiced completes them in software "
		      "(rx_csum_partial in the port's stats); run `ethtool -K PEER tx off` on the "
		      "peer interface to spare it that work", dp->ports[p].name,
		      g_ctl.cfg.ports[p].device);
		g_ctl.csum_logged |= 1u << p;
	}
}

int
ctl_tick(uint64_t now)
{
	int busy = 0;

	pthread_mutex_lock(&g_ctl.lock);
	if (g_ctl.dp == NULL)
		goto out;
	busy = drain_events(now) > 0;
	if (health_poll(g_ctl.health, now) > 0)
		g_ctl.health_dirty = true;
	if (g_ctl.health_dirty)
		recommit(now);
	if (now - g_ctl.last_sample_ms >= UPKEEP_MS) {
		announce_update();
		announce_refresh(g_ctl.announce);
		neigh_upkeep(g_ctl.dp->neigh, now, send_request, g_ctl.dp);
		neigh_upkeep(g_ctl.dp->neigh6, now, send_request, g_ctl.dp);
		neigh_report();
		csum_report();
		lip_report(now);
		if (g_ctl.last_sample_ms != 0)
			sample(now);
		g_ctl.last_sample_ms = now;
	}
out:
	pthread_mutex_unlock(&g_ctl.lock);
	return busy;
}
