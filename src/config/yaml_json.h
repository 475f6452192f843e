/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_YAML_JSON_H
#define SLUICE_YAML_JSON_H

#include <stddef.h>
#include <jansson.h>

/*
 * YAML -> jansson, remembering where every node came from.
 *
 * The config is validated on a jansson tree so that a YAML file and a JSON API body go
 * through the same code. A jansson node has no room for a source position, so the loader
 * keeps a side table (struct yj_lines) that maps each node, each mapping member and each
 * list element to its 1-based line. The table is only read when an error is reported.
 *
 * Scalars follow the YAML 1.2 core schema, restricted to what a config needs:
 *   plain [-+]?[0-9]+                 -> integer
 *   plain true|True|TRUE|false|...    -> boolean
 *   plain null|Null|NULL|~ or empty   -> null
 *   anything quoted, any other plain  -> string   ("0x10", "1.5", "yes" stay strings)
 * Duplicate mapping keys, anchors, aliases, tags other than the standard ones and more
 * than one document are errors. Nesting is bounded (YJ_MAX_DEPTH) so that a hostile
 * input cannot exhaust the stack.
 */

#define YJ_MAX_DEPTH 64

struct yj_lines; /* opaque */

/* Why a text could not be loaded: line is 1-based, field a path like "a.b[2].c" or "". */
struct yj_error {
	int line;
	char field[128];
	char msg[256];
};

/**
 * Parse one YAML document (JSON text is YAML) of `len` bytes.
 * @param lines  receives the line table, or NULL when the caller does not want lines.
 *               The table points into the tree: query it only while the tree lives.
 *               Free it with yj_lines_free() (before or after the tree).
 * @return the root node (a new reference), or NULL with err filled (errno is EINVAL for a
 *         bad document, ENOMEM when out of memory). Any thread; no global state.
 */
json_t *yj_load(const char *text, size_t len, struct yj_lines **lines, struct yj_error *err);

/** Line where `node` starts; 0 when unknown (NULL table, or a shared true/false/null). */
int yj_node_line(const struct yj_lines *t, const json_t *node);
/** Line of the value of member `key` of mapping `obj`; 0 when unknown. */
int yj_member_line(const struct yj_lines *t, const json_t *obj, const char *key);
/** Line of the key `key` itself in mapping `obj`; 0 when unknown. */
int yj_key_line(const struct yj_lines *t, const json_t *obj, const char *key);
/** Line of element `i` of list `arr`; 0 when unknown. */
int yj_elem_line(const struct yj_lines *t, const json_t *arr, size_t i);

/** Free a table from yj_load(); NULL is fine. */
void yj_lines_free(struct yj_lines *t);

#endif
