/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sluicectl import keepalived FILE [--dataplane SLUICE.yaml]`: read, translate, check and
 * print. Each service is checked as sluiced would check it (alone, or with --dataplane in the
 * whole document, against the node's ports and addresses); one that would be refused is
 * reported with its keepalived line and the reason, and left out, so what is printed passes
 * `sluiced --check`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/kad.h"
#include "config/config.h"

/* svcs without their "_line" members, for the loader. */
static json_t *
clean(const json_t *svcs)
{
	json_t *c = json_deep_copy(svcs), *s;
	size_t i;

	json_array_foreach(c, i, s) {
		json_object_del(s, "_line");
		json_object_del(s, "_kw");
	}
	return c;
}

/* Leave out service i, saying why on stderr. */
static void
refuse(json_t *svcs, size_t i, const char *file, const struct cfg_error *err)
{
	json_t *s = json_array_get(svcs, i);

	fprintf(stderr, "%s:%lld: %s: not translated: %s: %s: %s\n", file,
		(long long)json_integer_value(json_object_get(s, "_line")),
		json_string_value(json_object_get(s, "_kw")),
		json_string_value(json_object_get(s, "vip")), err->field, err->msg);
	json_array_remove(svcs, i);
}

/* The index in "services[12].backends[0]...", or -1. */
static long
service_index(const char *field)
{
	return strncmp(field, "services[", 9) == 0 ? strtol(field + 9, NULL, 10) : -1;
}

int
kad_cmd(const char *file, const char *dataplane)
{
	struct kad_node root;
	struct cfg_error err;
	char msg[512];
	json_t *out, *svcs, *doc = NULL;
	char *text;
	size_t i;

	memset(&err, 0, sizeof(err));
	if (cfg_read_file(file, &text, &i, &err) < 0) {
		fprintf(stderr, "sluicectl: %s: %s\n", file, err.msg);
		return 1;
	}
	if (kad_parse(text, &root, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "sluicectl: %s: %s\n", file, msg);
		free(text);
		kad_free(&root);
		return 1;
	}
	free(text);
	out = kad_import(&root, file, stderr);
	kad_free(&root);
	if (out == NULL)
		return 1;
	svcs = json_object_get(out, "services");
	if (dataplane != NULL) {
		struct cfg *c = calloc(1, sizeof(*c));

		memset(&err, 0, sizeof(err));
		if (c == NULL || cfg_load_file(dataplane, c, &err) < 0) {
			cfg_error_fmt(&err, msg, sizeof(msg));
			fprintf(stderr, "sluicectl: --dataplane: %s\n", msg);
			free(c);
			json_decref(out);
			return 1;
		}
		doc = cfg_to_json(c);
		cfg_free(c);
		free(c);
		/* The whole document as sluiced loads it; each refusal takes one service out. */
		for (;;) {
			struct cfg *t = calloc(1, sizeof(*t));
			long bad;
			int r;

			json_object_set_new(doc, "services", clean(svcs));
			memset(&err, 0, sizeof(err));
			r = t ? cfg_from_json(doc, t, &err) : -ENOMEM;
			if (t != NULL)
				cfg_free(t);
			free(t);
			if (r == 0)
				break;
			bad = service_index(err.field);
			if (bad < 0 || (size_t)bad >= json_array_size(svcs)) {
				cfg_error_fmt(&err, msg, sizeof(msg));
				fprintf(stderr, "sluicectl: the services do not fit %s: %s\n",
					dataplane, msg);
				json_decref(doc);
				json_decref(out);
				return 1;
			}
			refuse(svcs, (size_t)bad, file, &err);
		}
		json_object_set(doc, "services", svcs);
	} else {
		for (i = 0; i < json_array_size(svcs);) {
			struct cfg_service s;
			json_t *one = json_deep_copy(json_array_get(svcs, i));

			json_object_del(one, "_line");
			json_object_del(one, "_kw");
			memset(&s, 0, sizeof(s));
			memset(&err, 0, sizeof(err));
			snprintf(msg, sizeof(msg), "services[%zu]", i);
			if (cfg_service_from_json(one, msg, &s, &err) < 0) {
				refuse(svcs, i, file, &err);
			} else {
				i++;
			}
			cfg_service_free(&s);
			json_decref(one);
		}
		doc = json_pack("{s:O}", "services", svcs);
		printf("# sluice services from %s (sluicectl import keepalived).\n"
		       "# Put them under a config's dataplane and control sections, or run\n"
		       "# sluicectl import keepalived %s --dataplane YOUR-sluice.yaml\n",
		       file, file);
	}
	kad_print_yaml(stdout, doc, file);
	json_decref(doc);
	json_decref(out);
	return 0;
}
