/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <rte_telemetry.h>

#include "common/log.h"
#include "control/ctl.h"
#include "control/telemetry.h"

/*
 * Handlers run on DPDK's telemetry thread, which outlives the control core (the EAL stops
 * it last): each holds this lock while it reads, and tel_stop() takes it to turn them away.
 */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static bool g_live;

/*
 * Telemetry takes names of letters, digits, '_' and '/' only: members below the top are
 * joined with '/' ("0/rx_pkts", "backends/1/address"), and any other character becomes '_'.
 */
static void
name_clean(char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '/')
			*s = '_';
}

/* One scalar into a dict: integers as u64 (int when negative), the rest as strings. */
static int
add_scalar(struct rte_tel_data *d, const char *name_in, const json_t *v)
{
	char buf[RTE_TEL_MAX_STRING_LEN], name[RTE_TEL_MAX_STRING_LEN];

	snprintf(name, sizeof(name), "%s", name_in);
	name_clean(name);
	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);

		return x >= 0 ? rte_tel_data_add_dict_u64(d, name, (uint64_t)x)
			      : rte_tel_data_add_dict_int(d, name, (int)x);
	}
	if (json_is_boolean(v))
		return rte_tel_data_add_dict_u64(d, name, json_is_true(v));
	if (json_is_real(v)) {
		snprintf(buf, sizeof(buf), "%g", json_real_value(v));
		return rte_tel_data_add_dict_string(d, name, buf);
	}
	if (json_is_string(v)) {
		snprintf(buf, sizeof(buf), "%s", json_string_value(v));
		return rte_tel_data_add_dict_string(d, name, buf);
	}
	return rte_tel_data_add_dict_string(d, name, "null");
}

/*
 * v's scalars into d, named by their path under prefix; *left counts the entries d has room
 * for, and the last one says how many did not fit.
 */
static void
flatten(struct rte_tel_data *d, const char *prefix, const json_t *v, unsigned *left,
	unsigned *dropped)
{
	char name[RTE_TEL_MAX_STRING_LEN];
	const char *key;
	json_t *m;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, m) {
			snprintf(name, sizeof(name), "%s%s%s", prefix, prefix[0] ? "/" : "", key);
			flatten(d, name, m, left, dropped);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m) {
			snprintf(name, sizeof(name), "%s%s%zu", prefix, prefix[0] ? "/" : "", i);
			flatten(d, name, m, left, dropped);
		}
	} else if (*left > 1) {
		if (add_scalar(d, prefix, v) == 0)
			(*left)--;
	} else {
		(*dropped)++;
	}
}

/* The API's JSON object j as d: top-level scalars, a flattened container per member below. */
static int
from_json(const json_t *j, struct rte_tel_data *d)
{
	unsigned left = RTE_TEL_MAX_DICT_ENTRIES, dropped;
	const char *key;
	json_t *m;

	rte_tel_data_start_dict(d);
	json_object_foreach((json_t *)j, key, m) {
		struct rte_tel_data *c;
		unsigned cleft = RTE_TEL_MAX_DICT_ENTRIES;
		char cname[RTE_TEL_MAX_STRING_LEN];

		if (left <= 1)
			break;
		if (!json_is_object(m) && !json_is_array(m)) {
			if (add_scalar(d, key, m) == 0)
				left--;
			continue;
		}
		c = rte_tel_data_alloc();
		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		dropped = 0;
		flatten(c, "", m, &cleft, &dropped);
		if (dropped)
			rte_tel_data_add_dict_u64(c, "entries_not_shown", dropped);
		snprintf(cname, sizeof(cname), "%s", key);
		name_clean(cname);
		/* keep = 0: d frees c once it has copied it. */
		if (rte_tel_data_add_dict_container(d, cname, c, 0) == 0)
			left--;
		else
			rte_tel_data_free(c);
	}
	return 0;
}

/* Answer with f's JSON (NULL: what is asked for is not there), unless sluiced stops. */
static int
answer(json_t *(*f)(const char *), const char *arg, struct rte_tel_data *d)
{
	json_t *j;
	int r;

	pthread_mutex_lock(&g_lock);
	if (!g_live) {
		pthread_mutex_unlock(&g_lock);
		return rte_tel_data_string(d, "sluiced is stopping");
	}
	j = f(arg);
	pthread_mutex_unlock(&g_lock);
	if (j == NULL)
		return -EINVAL; /* telemetry answers {"/sluice/...": null} */
	r = from_json(j, d);
	json_decref(j);
	return r;
}

static json_t *
stats_json(const char *arg)
{
	(void)arg;
	return ctl_stats_json();
}

static json_t *
drops_json(const char *arg)
{
	json_t *s = ctl_stats_json(), *d;

	(void)arg;
	d = json_incref(json_object_get(s, "drops"));
	json_decref(s);
	return d;
}

static json_t *
service_json(const char *arg)
{
	return arg != NULL && arg[0] != '\0' ? ctl_service_json(arg) : NULL;
}

static int
cmd_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	return answer(stats_json, NULL, d);
}

static int
cmd_drops(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	return answer(drops_json, NULL, d);
}

static int
cmd_service(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return answer(service_json, params, d);
}

static int
cmd_services(const char *cmd, const char *params, struct rte_tel_data *d)
{
	json_t *j, *svcs, *s;
	size_t i;

	(void)cmd;
	(void)params;
	pthread_mutex_lock(&g_lock);
	j = g_live ? ctl_services_json() : NULL;
	pthread_mutex_unlock(&g_lock);
	if (j == NULL)
		return rte_tel_data_string(d, "sluiced is stopping");
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	svcs = json_object_get(j, "services");
	json_array_foreach(svcs, i, s) {
		if (i >= RTE_TEL_MAX_ARRAY_ENTRIES)
			break;
		rte_tel_data_add_array_string(d, json_string_value(json_object_get(s, "vip")));
	}
	json_decref(j);
	return 0;
}

int
tel_register(void)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
		{ "/sluice/stats", cmd_stats, "sluiced's node counters (GET /v1/stats). No params" },
		{ "/sluice/drops", cmd_drops, "packets sluiced dropped, by reason. No params" },
		{ "/sluice/services", cmd_services, "the services' keys. No params" },
		{ "/sluice/service", cmd_service,
		  "one service and its backends. Param: the service, e.g. 10.0.0.10:80/tcp" },
	};
	unsigned i;
	int r;

	pthread_mutex_lock(&g_lock);
	g_live = true;
	pthread_mutex_unlock(&g_lock);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		r = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help);
		if (r < 0) {
			LOG_W("telemetry: cannot register %s: %s", cmds[i].cmd, strerror(-r));
			return r;
		}
	}
	return 0;
}

void
tel_stop(void)
{
	pthread_mutex_lock(&g_lock);
	g_live = false;
	pthread_mutex_unlock(&g_lock);
}
