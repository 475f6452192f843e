/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A JSON document printed as block YAML that sluice's loader reads back (docs/config.md,
 * "YAML subset"): mappings and lists as blocks, a mapping of scalars only in flow style
 * on one line ({address: ..., weight: 2}), strings quoted when YAML would read them as
 * something else. Members whose name starts with '_' are not printed; "_line" becomes a
 * "# FILE:LINE" comment.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cli/kad.h"

/* Whether s must be quoted to stay a string: empty, a number or keyword, or holding YAML's
 * own characters. */
static bool
needs_quotes(const char *s)
{
	static const char *const words[] = { "true", "false", "null", "yes", "no", "on", "off",
					     "~" };
	const char *p;
	unsigned i;

	if (*s == '\0' || isspace((unsigned char)*s) || isspace((unsigned char)s[strlen(s) - 1]))
		return true;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(s, words[i]) == 0)
			return true;
	/* what the loader would read as an integer, and YAML's indicators up front */
	p = s + (*s == '-' || *s == '+');
	if (*p != '\0' && strspn(p, "0123456789") == strlen(p))
		return true;
	if (strchr("[]{}!&*#?|>'\"%@`,:", *s) != NULL || (*s == '-' && (s[1] == ' ' || !s[1])))
		return true;
	for (p = s; *p; p++)
		if (strchr("#,[]{}\"'\\", *p) != NULL || (*p == ':' && (p[1] == ' ' || !p[1])) ||
		    (unsigned char)*p < 0x20)
			return true;
	return false;
}

static void
scalar(FILE *f, const json_t *v)
{
	const char *s, *p;

	switch (json_typeof(v)) {
	case JSON_INTEGER:
		fprintf(f, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		fputs(json_is_true(v) ? "true" : "false", f);
		break;
	case JSON_STRING:
		s = json_string_value(v);
		if (!needs_quotes(s)) {
			fputs(s, f);
			break;
		}
		fputc('"', f);
		for (p = s; *p; p++) {
			if (*p == '"' || *p == '\\')
				fprintf(f, "\\%c", *p);
			else if ((unsigned char)*p < 0x20)
				fprintf(f, "\\x%02x", (unsigned char)*p);
			else
				fputc(*p, f);
		}
		fputc('"', f);
		break;
	default:
		fputs("null", f);
	}
}

static bool
flat(const json_t *o)
{
	const char *k;
	json_t *v;

	if (!json_is_object(o))
		return false;
	json_object_foreach((json_t *)o, k, v)
		if (json_is_object(v) || json_is_array(v))
			return false;
	return true;
}

static void
flow(FILE *f, const json_t *o)
{
	const char *k;
	json_t *v;
	bool first = true;

	fputc('{', f);
	json_object_foreach((json_t *)o, k, v) {
		if (k[0] == '_')
			continue;
		fprintf(f, "%s%s: ", first ? "" : ", ", k);
		scalar(f, v);
		first = false;
	}
	fputc('}', f);
}

static void node(FILE *f, const json_t *v, int ind, const char *file);

static void
line_comment(FILE *f, const json_t *o, const char *file)
{
	json_t *l = json_object_get(o, "_line");

	if (json_is_integer(l))
		fprintf(f, "  # %s:%lld", file, (long long)json_integer_value(l));
}

/* The members of object o at indentation ind; `dash` when it is a list element. */
static void
members(FILE *f, const json_t *o, int ind, bool dash, const char *file)
{
	const char *k;
	json_t *v;
	bool first = true;

	json_object_foreach((json_t *)o, k, v) {
		if (k[0] == '_')
			continue;
		if (dash && first)
			fprintf(f, "%*s- ", ind - 2, "");
		else
			fprintf(f, "%*s", ind, "");
		fprintf(f, "%s:", k);
		if (json_is_object(v) && json_object_size(v) == 0) {
			fputs(" {}\n", f);
		} else if (json_is_array(v) && json_array_size(v) == 0) {
			fputs(" []\n", f);
		} else if (flat(v)) {
			fputc(' ', f);
			flow(f, v);
			fputc('\n', f);
		} else if (json_is_object(v) || json_is_array(v)) {
			fputc('\n', f);
			node(f, v, ind + 2, file);
		} else {
			fputc(' ', f);
			scalar(f, v);
			if (dash && first)
				line_comment(f, o, file);
			fputc('\n', f);
		}
		first = false;
	}
}

static void
node(FILE *f, const json_t *v, int ind, const char *file)
{
	size_t i;
	json_t *e;

	if (json_is_object(v)) {
		members(f, v, ind, false, file);
		return;
	}
	json_array_foreach(v, i, e) {
		if (json_is_object(e) && !flat(e) && json_object_size(e) > 0) {
			members(f, e, ind + 2, true, file);
		} else {
			fprintf(f, "%*s- ", ind, "");
			if (flat(e))
				flow(f, e);
			else
				scalar(f, e);
			fputc('\n', f);
		}
	}
}

void
kad_print_yaml(FILE *f, const json_t *doc, const char *file)
{
	node(f, doc, 0, file);
}
