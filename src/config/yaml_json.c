/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML -> jansson with source lines. See yaml_json.h for the scalar rules.
 *
 * The loader walks libyaml's event stream rather than its document API: events show
 * anchors and aliases as they are written, so they can be refused where they appear, and
 * the tree is built in one pass without a second copy of the document.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/yaml_json.h"

#define TAG_STR "tag:yaml.org,2002:str"
#define TAG_MAP "tag:yaml.org,2002:map"
#define TAG_SEQ "tag:yaml.org,2002:seq"

/* One node of the tree and where it sits: in a mapping (key) or in a list (idx). */
struct yj_entry {
	const json_t *parent; /* NULL for the root */
	const json_t *node;
	const char *key;      /* jansson's own copy of the key, NULL in a list */
	size_t idx;
	int line;
	int key_line;
};

/*
 * A plain array searched linearly: lookups happen only when an error is reported, once
 * per load, so a hash table would buy nothing but code.
 */
struct yj_lines {
	struct yj_entry *v;
	size_t n, cap;
};

struct yj_ctx {
	yaml_parser_t parser;
	const char *text;
	size_t len;
	struct yj_lines *t;
	struct yj_error *err;
	int rc; /* the first error: -EINVAL or -ENOMEM */
};

static int
yj_fail(struct yj_ctx *x, int rc, int line, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int
yj_fail(struct yj_ctx *x, int rc, int line, const char *field, const char *fmt, ...)
{
	va_list ap;

	/* Keep the first error: later ones are usually consequences of it. */
	if (x->rc != 0)
		return x->rc;
	x->rc = rc;
	x->err->line = line;
	snprintf(x->err->field, sizeof(x->err->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(x->err->msg, sizeof(x->err->msg), fmt, ap);
	va_end(ap);
	return rc;
}

static int
yj_oom(struct yj_ctx *x)
{
	return yj_fail(x, -ENOMEM, 0, NULL, "out of memory");
}

static int
yj_record(struct yj_ctx *x, const json_t *parent, const json_t *node, const char *key,
	  size_t idx, int line, int key_line)
{
	struct yj_lines *t = x->t;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct yj_entry *v = realloc(t->v, cap * sizeof(*v));

		if (v == NULL)
			return yj_oom(x);
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = (struct yj_entry){ parent, node, key, idx, line, key_line };
	return 0;
}

/* libyaml's reader errors carry a byte offset, not a mark: count lines up to it. */
static int
offset_line(const struct yj_ctx *x, size_t off)
{
	int line = 1;
	size_t i;

	for (i = 0; i < off && i < x->len; i++)
		if (x->text[i] == '\n')
			line++;
	return line;
}

static int
yj_next(struct yj_ctx *x, yaml_event_t *ev)
{
	yaml_parser_t *p = &x->parser;
	int line;

	if (yaml_parser_parse(p, ev))
		return 0;
	if (p->error == YAML_MEMORY_ERROR)
		return yj_oom(x);
	line = p->error == YAML_READER_ERROR ? offset_line(x, p->problem_offset)
					     : (int)p->problem_mark.line + 1;
	if (p->context != NULL)
		return yj_fail(x, -EINVAL, line, NULL, "YAML syntax: %s (line %d): %s",
			       p->context, (int)p->context_mark.line + 1,
			       p->problem ? p->problem : "error");
	return yj_fail(x, -EINVAL, line, NULL, "YAML syntax: %s",
		       p->problem ? p->problem : "error");
}

static int
ev_line(const yaml_event_t *ev)
{
	return (int)ev->start_mark.line + 1;
}

static bool
one_of(const char *s, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

static bool
is_decimal(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* A scalar event to a jansson node, by the rules in yaml_json.h. */
static json_t *
yj_scalar(struct yj_ctx *x, const yaml_event_t *ev, const char *path)
{
	static const char *const trues[] = { "true", "True", "TRUE", NULL };
	static const char *const falses[] = { "false", "False", "FALSE", NULL };
	static const char *const nulls[] = { "null", "Null", "NULL", "~", "", NULL };
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;
	json_t *j;

	if (tag != NULL && strcmp(tag, "!") != 0 && strcmp(tag, TAG_STR) != 0) {
		yj_fail(x, -EINVAL, ev_line(ev), path, "YAML tag '%s' is not supported", tag);
		return NULL;
	}
	/* Only an untagged plain scalar is resolved; quoting or a tag means "a string". */
	if (tag == NULL && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		if (one_of(s, trues))
			return json_true();
		if (one_of(s, falses))
			return json_false();
		if (one_of(s, nulls))
			return json_null();
		if (is_decimal(s)) {
			long long v;
			char *end;

			errno = 0;
			v = strtoll(s, &end, 10);
			if (errno != 0 || *end != '\0') {
				yj_fail(x, -EINVAL, ev_line(ev), path, "integer %s is out of range",
					s);
				return NULL;
			}
			j = json_integer(v);
			if (j == NULL)
				yj_oom(x);
			return j;
		}
	}
	j = json_stringn(s, n);
	if (j == NULL)
		yj_fail(x, -EINVAL, ev_line(ev), path, "string is not valid UTF-8");
	return j;
}

static json_t *yj_node(struct yj_ctx *x, const yaml_event_t *ev, const char *path, int depth);

static json_t *
yj_mapping(struct yj_ctx *x, const char *path, int depth)
{
	json_t *obj = json_object();
	yaml_event_t kev, vev;
	char sub[128];

	if (obj == NULL) {
		yj_oom(x);
		return NULL;
	}
	for (;;) {
		const char *key;
		const char *stored;
		json_t *val;
		int key_line;

		if (yj_next(x, &kev) < 0)
			goto fail;
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			return obj;
		}
		key_line = ev_line(&kev);
		if (kev.type != YAML_SCALAR_EVENT) {
			yj_fail(x, -EINVAL, key_line, path, "a mapping key must be a plain string");
			goto fail_key;
		}
		if (kev.data.scalar.anchor != NULL) {
			yj_fail(x, -EINVAL, key_line, path, "YAML anchors are not supported");
			goto fail_key;
		}
		key = (const char *)kev.data.scalar.value;
		snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", key);
		/* jansson keys are C strings: a key with a NUL inside could not be looked up. */
		if (strlen(key) != kev.data.scalar.length) {
			yj_fail(x, -EINVAL, key_line, path, "a mapping key contains a NUL byte");
			goto fail_key;
		}
		if (json_object_get(obj, key) != NULL) {
			yj_fail(x, -EINVAL, key_line, sub, "duplicate key '%s'", key);
			goto fail_key;
		}
		if (yj_next(x, &vev) < 0)
			goto fail_key;
		val = yj_node(x, &vev, sub, depth + 1);
		if (val == NULL)
			goto fail_val;
		if (json_object_set_new(obj, key, val) < 0) {
			yj_oom(x);
			goto fail_val;
		}
		/* Point the table at jansson's copy of the key, which lives as long as obj. */
		stored = json_object_iter_key(json_object_iter_at(obj, key));
		if (yj_record(x, obj, val, stored, 0, ev_line(&vev), key_line) < 0)
			goto fail_val;
		yaml_event_delete(&vev);
		yaml_event_delete(&kev);
	}
fail_val:
	yaml_event_delete(&vev);
fail_key:
	yaml_event_delete(&kev);
fail:
	json_decref(obj);
	return NULL;
}

static json_t *
yj_sequence(struct yj_ctx *x, const char *path, int depth)
{
	json_t *arr = json_array();
	yaml_event_t ev;
	char sub[128];
	size_t i;

	if (arr == NULL) {
		yj_oom(x);
		return NULL;
	}
	for (i = 0;; i++) {
		json_t *val;

		if (yj_next(x, &ev) < 0)
			goto fail;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return arr;
		}
		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		val = yj_node(x, &ev, sub, depth + 1);
		if (val == NULL)
			goto fail_ev;
		if (json_array_append_new(arr, val) < 0) {
			yj_oom(x);
			goto fail_ev;
		}
		if (yj_record(x, arr, val, NULL, i, ev_line(&ev), 0) < 0)
			goto fail_ev;
		yaml_event_delete(&ev);
	}
fail_ev:
	yaml_event_delete(&ev);
fail:
	json_decref(arr);
	return NULL;
}

/* Build the node that starts with event ev (owned by the caller), consuming its events. */
static json_t *
yj_node(struct yj_ctx *x, const yaml_event_t *ev, const char *path, int depth)
{
	const char *tag = NULL;
	const void *anchor = NULL;

	if (depth > YJ_MAX_DEPTH) {
		yj_fail(x, -EINVAL, ev_line(ev), path, "nested deeper than %d levels",
			YJ_MAX_DEPTH);
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = (const char *)ev->data.mapping_start.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = (const char *)ev->data.sequence_start.tag;
		break;
	case YAML_ALIAS_EVENT:
		yj_fail(x, -EINVAL, ev_line(ev), path,
			"YAML aliases are not supported: write the value out");
		return NULL;
	default:
		yj_fail(x, -EINVAL, ev_line(ev), path, "unexpected YAML event %d", ev->type);
		return NULL;
	}
	/*
	 * Anchors are refused with aliases: an anchor alone is harmless, but accepting one
	 * would suggest that its alias works too.
	 */
	if (anchor != NULL) {
		yj_fail(x, -EINVAL, ev_line(ev), path,
			"YAML anchors and aliases are not supported: write the value out");
		return NULL;
	}
	if (ev->type == YAML_SCALAR_EVENT)
		return yj_scalar(x, ev, path);
	if (tag != NULL && strcmp(tag, "!") != 0 && strcmp(tag, TAG_MAP) != 0 &&
	    strcmp(tag, TAG_SEQ) != 0) {
		yj_fail(x, -EINVAL, ev_line(ev), path, "YAML tag '%s' is not supported", tag);
		return NULL;
	}
	if (ev->type == YAML_MAPPING_START_EVENT)
		return yj_mapping(x, path, depth);
	return yj_sequence(x, path, depth);
}

/* Read the stream: exactly one document, whose root node becomes the result. */
static json_t *
yj_stream(struct yj_ctx *x)
{
	yaml_event_t ev;
	json_t *root = NULL;
	int line;

	if (yj_next(x, &ev) < 0) /* STREAM-START */
		return NULL;
	yaml_event_delete(&ev);
	if (yj_next(x, &ev) < 0)
		return NULL;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		yj_fail(x, -EINVAL, 0, NULL, "the document is empty");
		return NULL;
	}
	yaml_event_delete(&ev); /* DOCUMENT-START */
	if (yj_next(x, &ev) < 0)
		return NULL;
	root = yj_node(x, &ev, "", 1);
	line = ev_line(&ev);
	yaml_event_delete(&ev);
	if (root == NULL)
		return NULL;
	if (yj_record(x, NULL, root, NULL, 0, line, 0) < 0)
		goto fail;
	if (yj_next(x, &ev) < 0) /* DOCUMENT-END */
		goto fail;
	yaml_event_delete(&ev);
	if (yj_next(x, &ev) < 0)
		goto fail;
	if (ev.type != YAML_STREAM_END_EVENT) {
		yj_fail(x, -EINVAL, ev_line(&ev), NULL,
			"only one YAML document is allowed ('---' starts a second one)");
		yaml_event_delete(&ev);
		goto fail;
	}
	yaml_event_delete(&ev);
	return root;
fail:
	json_decref(root);
	return NULL;
}

json_t *
yj_load(const char *text, size_t len, struct yj_lines **lines, struct yj_error *err)
{
	struct yj_ctx x = { .text = text, .len = len, .err = err };
	json_t *root = NULL;

	memset(err, 0, sizeof(*err));
	if (lines != NULL)
		*lines = NULL;
	x.t = calloc(1, sizeof(*x.t));
	if (x.t == NULL) {
		yj_oom(&x);
		errno = ENOMEM;
		return NULL;
	}
	if (!yaml_parser_initialize(&x.parser)) {
		yj_oom(&x);
		goto fail;
	}
	yaml_parser_set_input_string(&x.parser, (const unsigned char *)text, len);
	root = yj_stream(&x);
	yaml_parser_delete(&x.parser);
	if (root == NULL)
		goto fail;
	if (lines != NULL)
		*lines = x.t;
	else
		yj_lines_free(x.t);
	return root;
fail:
	yj_lines_free(x.t);
	errno = x.rc == -ENOMEM ? ENOMEM : EINVAL;
	return NULL;
}

int
yj_node_line(const struct yj_lines *t, const json_t *node)
{
	size_t i;

	/* true, false and null are shared singletons in jansson: their line is ambiguous. */
	if (t == NULL || node == NULL || json_is_boolean(node) || json_is_null(node))
		return 0;
	for (i = 0; i < t->n; i++)
		if (t->v[i].node == node)
			return t->v[i].line;
	return 0;
}

static const struct yj_entry *
find_member(const struct yj_lines *t, const json_t *obj, const char *key)
{
	size_t i;

	if (t == NULL || obj == NULL || key == NULL)
		return NULL;
	for (i = 0; i < t->n; i++)
		if (t->v[i].parent == obj && t->v[i].key != NULL && strcmp(t->v[i].key, key) == 0)
			return &t->v[i];
	return NULL;
}

int
yj_member_line(const struct yj_lines *t, const json_t *obj, const char *key)
{
	const struct yj_entry *e = find_member(t, obj, key);

	return e ? e->line : 0;
}

int
yj_key_line(const struct yj_lines *t, const json_t *obj, const char *key)
{
	const struct yj_entry *e = find_member(t, obj, key);

	return e ? e->key_line : 0;
}

int
yj_elem_line(const struct yj_lines *t, const json_t *arr, size_t idx)
{
	size_t i;

	if (t == NULL || arr == NULL)
		return 0;
	for (i = 0; i < t->n; i++)
		if (t->v[i].parent == arr && t->v[i].key == NULL && t->v[i].idx == idx)
			return t->v[i].line;
	return 0;
}

void
yj_lines_free(struct yj_lines *t)
{
	if (t == NULL)
		return;
	free(t->v);
	free(t);
}
