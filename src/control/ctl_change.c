/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/log.h"
#include "control/ctl.h"
#include "control/ctl_int.h"

/*
 * The changes the API (and a config reload) makes: each copies the model, changes the copy
 * and commits it (ctl.c), so a change that fails leaves everything as it was.
 */

static int
svc_index(const struct ctl_model *m, const union addr46 *vip, uint16_t port, uint8_t proto)
{
	unsigned i;

	for (i = 0; i < m->n; i++)
		if (ctl_svc_match(&m->s[i], vip, port, proto))
			return (int)i;
	return -1;
}

int
ctl_service_add(const struct cfg_service *s, struct cfg_error *err)
{
	struct ctl_model m;
	char key[ADDR46_STR_MAX];
	int r;

	pthread_mutex_lock(&g_ctl.lock);
	addr_fmt_service46(key, &s->vip, s->port, s->proto);
	if (ctl_find(key) != NULL) {
		ctl_set_err(err, "vip", "service %s exists already", key);
		r = -EEXIST;
	} else if (g_ctl.n_svcs >= SL_MAX_SERVICES) {
		ctl_set_err(err, "", "at most %u services", SL_MAX_SERVICES);
		r = -ENOSPC;
	} else if ((r = ctl_model_dup(&m)) == 0) {
		r = cfg_service_copy(&m.s[m.n], s);
		if (r == 0) {
			m.n++;
			r = cfg_service_check(&g_ctl.cfg, m.s, m.n, m.n - 1, "", err);
			r = r == 0 ? ctl_commit_or_free(&m, err) : (ctl_model_free(&m), r);
		} else {
			ctl_model_free(&m);
		}
	}
	pthread_mutex_unlock(&g_ctl.lock);
	return r;
}

/* Find the service of key in a fresh copy of the model; -ENOENT with err when absent. */
static int
dup_and_find(const char *key, struct ctl_model *m, struct cfg_error *err)
{
	union addr46 vip;
	uint16_t port;
	uint8_t proto;
	int i, r;

	if (addr_parse_service46(key, &vip, &port, &proto) < 0) {
		ctl_set_err(err, "vip", "'%s' is no service (want a.b.c.d:port/tcp|udp or "
			    "[2001:db8::1]:port/tcp|udp)", key);
		return -EINVAL;
	}
	r = ctl_model_dup(m);
	if (r < 0)
		return r;
	i = svc_index(m, &vip, port, proto);
	if (i < 0) {
		ctl_model_free(m);
		ctl_set_err(err, "vip", "no service %s", key);
		return -ENOENT;
	}
	return i;
}

int
ctl_service_replace_locked(const char *key, const struct cfg_service *s, struct cfg_error *err)
{
	struct ctl_model m;
	struct cfg_service copy;
	int i, r;

	i = dup_and_find(key, &m, err);
	if (i < 0)
		return i;
	if (!ctl_svc_match(&m.s[i], &s->vip, s->port, s->proto)) {
		ctl_model_free(&m);
		ctl_set_err(err, "vip", "the body's vip differs from the service in the path");
		return -EINVAL;
	}
	r = cfg_service_copy(&copy, s);
	if (r < 0) {
		ctl_model_free(&m);
		return r;
	}
	cfg_service_free(&m.s[i]);
	m.s[i] = copy;
	r = cfg_service_check(&g_ctl.cfg, m.s, m.n, (unsigned)i, "", err);
	return r == 0 ? ctl_commit_or_free(&m, err) : (ctl_model_free(&m), r);
}

int
ctl_service_replace(const char *key, const struct cfg_service *s, struct cfg_error *err)
{
	int r;

	pthread_mutex_lock(&g_ctl.lock);
	r = ctl_service_replace_locked(key, s, err);
	pthread_mutex_unlock(&g_ctl.lock);
	return r;
}

int
ctl_service_del(const char *key, struct cfg_error *err)
{
	struct ctl_model m;
	int i, r;

	pthread_mutex_lock(&g_ctl.lock);
	i = dup_and_find(key, &m, err);
	if (i < 0) {
		r = i;
		goto out;
	}
	cfg_service_free(&m.s[i]);
	memmove(&m.s[i], &m.s[i + 1], sizeof(m.s[0]) * (m.n - (unsigned)i - 1));
	m.n--;
	r = ctl_commit_or_free(&m, err);
out:
	pthread_mutex_unlock(&g_ctl.lock);
	return r;
}

int
ctl_backend_add(const char *svc_key, const struct cfg_backend *b, struct cfg_error *err)
{
	struct ctl_model m;
	struct cfg_service *s;
	struct cfg_backend *nb;
	char a[ADDR46_STR_MAX];
	int i, r;

	pthread_mutex_lock(&g_ctl.lock);
	i = dup_and_find(svc_key, &m, err);
	if (i < 0) {
		r = i;
		goto out;
	}
	s = &m.s[i];
	if (ctl_be_find(s, &b->addr, b->port) >= 0) {
		ctl_set_err(err, "address", "backend %s exists already",
			addr_fmt_ipport46(a, &b->addr, b->port));
		r = -EEXIST;
	} else if (s->n_backends >= SL_MAX_BACKENDS) {
		ctl_set_err(err, "", "at most %u backends a service", SL_MAX_BACKENDS);
		r = -ENOSPC;
	} else if ((r = cfg_backend_check(&g_ctl.cfg, m.s, m.n, (unsigned)i, b, "", err)) < 0) {
		/* r says why */
	} else if ((nb = realloc(s->backends, sizeof(*nb) * (s->n_backends + 1))) == NULL) {
		r = -ENOMEM;
	} else {
		s->backends = nb;
		s->backends[s->n_backends++] = *b;
		r = cfg_backend_check_hc(s, b, err);
		if (r == 0)
			r = ctl_commit(&m, err);
	}
	if (r < 0)
		ctl_model_free(&m);
out:
	pthread_mutex_unlock(&g_ctl.lock);
	return r;
}

/*
 * A fresh copy of the model with the service of svc_key at *i and its backend be_key at
 * *j. 0, or a negative errno with err filled and no copy left to free.
 */
static int
dup_and_find_backend(const char *svc_key, const char *be_key, struct ctl_model *m, int *i, int *j,
		     struct cfg_error *err)
{
	union addr46 addr;
	uint16_t port;

	*i = dup_and_find(svc_key, m, err);
	if (*i < 0)
		return *i;
	if (addr_parse_ipport46(be_key, &addr, &port) < 0) {
		ctl_model_free(m);
		ctl_set_err(err, "address", "'%s' is no backend address (want a.b.c.d:port or "
			    "[2001:db8::1]:port)", be_key);
		return -EINVAL;
	}
	*j = ctl_be_find(&m->s[*i], &addr, port);
	if (*j < 0) {
		ctl_model_free(m);
		ctl_set_err(err, "address", "no backend %s in this service", be_key);
		return -ENOENT;
	}
	return 0;
}

int
ctl_backend_patch(const char *svc_key, const char *be_key, const json_t *patch,
		  struct cfg_error *err)
{
	struct ctl_model m;
	struct cfg_backend nb;
	json_t *obj = NULL, *svc_json;
	char a[ADDR46_STR_MAX];
	int i, j, r;

	pthread_mutex_lock(&g_ctl.lock);
	r = dup_and_find_backend(svc_key, be_key, &m, &i, &j, err);
	if (r < 0)
		goto out;
	if (!json_is_object(patch)) {
		ctl_set_err(err, "", "the body must be a JSON object such as {\"weight\": 0}");
		r = -EINVAL;
		goto drop;
	}
	/* The patched backend is validated as a whole, by the same code as the config. */
	svc_json = cfg_service_to_json(&m.s[i]);
	obj = json_deep_copy(json_array_get(json_object_get(svc_json, "backends"), (size_t)j));
	json_decref(svc_json);
	if (obj == NULL || json_object_update(obj, (json_t *)patch) < 0) {
		r = -ENOMEM;
		goto drop;
	}
	r = cfg_backend_from_json(obj, "", &nb, err);
	if (r < 0)
		goto drop;
	if (!addr46_eq(&nb.addr, &m.s[i].backends[j].addr) ||
	    nb.port != m.s[i].backends[j].port) {
		ctl_set_err(err, "address", "the address of a backend cannot change (%s)",
			addr_fmt_ipport46(a, &m.s[i].backends[j].addr, m.s[i].backends[j].port));
		r = -EINVAL;
		goto drop;
	}
	r = cfg_backend_check_hc(&m.s[i], &nb, err);
	if (r < 0)
		goto drop;
	m.s[i].backends[j] = nb;
	r = ctl_commit(&m, err);
drop:
	if (r < 0)
		ctl_model_free(&m);
out:
	json_decref(obj);
	pthread_mutex_unlock(&g_ctl.lock);
	return r;
}

int
ctl_backend_del(const char *svc_key, const char *be_key, struct cfg_error *err)
{
	struct ctl_model m;
	struct cfg_service *s;
	int i, j, r;

	pthread_mutex_lock(&g_ctl.lock);
	r = dup_and_find_backend(svc_key, be_key, &m, &i, &j, err);
	if (r < 0)
		goto out;
	s = &m.s[i];
	memmove(&s->backends[j], &s->backends[j + 1],
		sizeof(s->backends[0]) * (s->n_backends - (unsigned)j - 1));
	s->n_backends--;
	r = ctl_commit_or_free(&m, err);
out:
	pthread_mutex_unlock(&g_ctl.lock);
	return r;
}

/* The first dataplane or control setting that differs, or NULL. */
static const char *
static_diff(const struct cfg *a, const struct cfg *b)
{
	if (a->workers != b->workers)
		return "dataplane.workers";
	if (a->memory != b->memory)
		return "dataplane.memory";
	if (a->capture != b->capture)
		return "dataplane.capture";
	if (a->conn_table_size != b->conn_table_size)
		return "dataplane.conn_table_size";
	if (a->n_ports != b->n_ports || memcmp(a->ports, b->ports, sizeof(a->ports[0]) * a->n_ports))
		return "dataplane.ports";
	if (a->n_routes != b->n_routes ||
	    (a->n_routes && memcmp(a->routes, b->routes, sizeof(a->routes[0]) * a->n_routes)))
		return "dataplane.routes";
	if (a->n_laddrs != b->n_laddrs ||
	    memcmp(a->laddrs, b->laddrs, sizeof(a->laddrs[0]) * a->n_laddrs))
		return "dataplane.local_addresses";
	if (a->n_peers != b->n_peers ||
	    memcmp(a->peers, b->peers, sizeof(a->peers[0]) * a->n_peers))
		return "dataplane.peers";
	if (memcmp(&a->timeouts, &b->timeouts, sizeof(a->timeouts)))
		return "dataplane.timeouts";
	if (strcmp(a->socket, b->socket) || strcmp(a->listen, b->listen) ||
	    strcmp(a->token_file, b->token_file) || a->public_metrics != b->public_metrics ||
	    a->public_page != b->public_page)
		return "control";
	if (strcmp(a->announce_if, b->announce_if))
		return "control.announce_interface";
	return NULL;
}

int
ctl_config_apply(const struct cfg *c, struct cfg_error *err)
{
	struct ctl_model m = { 0 };
	const char *diff;
	unsigned i;
	int r = 0;

	pthread_mutex_lock(&g_ctl.lock);
	diff = static_diff(&g_ctl.cfg, c);
	if (diff != NULL) {
		ctl_set_err(err, diff, "differs from the running node; this part needs a restart "
			"(only services change live)");
		r = -EBUSY;
		goto out;
	}
	m.s = calloc(c->n_services ? c->n_services : 1, sizeof(*m.s));
	if (m.s == NULL || cfg_defense_copy(&m.def, &c->defense) < 0) {
		free(m.s);
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < c->n_services && r == 0; i++) {
		r = cfg_service_copy(&m.s[i], &c->services[i]);
		if (r == 0)
			m.n++;
	}
	r = r == 0 ? ctl_commit_or_free(&m, err) : (ctl_model_free(&m), r);
out:
	pthread_mutex_unlock(&g_ctl.lock);
	return r;
}
