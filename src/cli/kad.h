/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_CLI_KAD_H
#define SLUICE_CLI_KAD_H

/*
 * `sluicectl import keepalived FILE`: keepalived.conf's LVS part (virtual_server,
 * virtual_server_group, real_server and their checks) as sluice's services. kad_parse.c reads
 * the file into statements; kad_import.c translates them.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define KAD_MAX_WORDS 16
#define KAD_MAX_DEPTH 16

/* One statement: the words of a line, and its block when it has one. */
struct kad_node {
	int line;
	unsigned n_words;
	char *word[KAD_MAX_WORDS];
	int block;                    /* a '{' followed it */
	struct kad_node *child, *last; /* the block's statements */
	struct kad_node *next;
};

/** Parse text into root's children. 0, or negative errno with err ("line N: ..."). */
int kad_parse(const char *text, struct kad_node *root, char *err, size_t errlen);
void kad_free(struct kad_node *root);
/** Word i of n, NULL past the end. */
const char *kad_arg(const struct kad_node *n, unsigned i);
/** Whether n's keyword is kw. */
bool kad_is(const struct kad_node *n, const char *kw);

/**
 * Translate root into {"services": [...]} (each service with "_line", its virtual_server's
 * line); every statement not translated is told on `report` as "FILE:LINE: what: why".
 * NULL when out of memory.
 */
json_t *kad_import(const struct kad_node *root, const char *file, FILE *report);

/**
 * The command: file translated, each service checked (with dataplane's sections when given),
 * the result printed as YAML on stdout, what was left out on stderr. The exit status.
 */
int kad_cmd(const char *file, const char *dataplane);

/** Print doc (objects, arrays, scalars) as block YAML, with "# line N" where "_line" is. */
void kad_print_yaml(FILE *f, const json_t *doc, const char *file);

#endif
