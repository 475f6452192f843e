/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keepalived.conf read into a tree of statements: each statement the words of one line,
 * with the line's number, and the block that follows it when the line ends in '{' (or the
 * next line is a lone '{'). '!' and '#' start comments; a quoted "word with spaces" is one
 * word. `include` is kept as a statement (the importer reports it, it does not follow it).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/kad.h"

static struct kad_node *
node_new(struct kad_node *parent, int line)
{
	struct kad_node *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->line = line;
	if (parent->last != NULL)
		parent->last->next = n;
	else
		parent->child = n;
	parent->last = n;
	return n;
}

static int
word_add(struct kad_node *n, const char *w, size_t len)
{
	char *s;

	if (n->n_words == KAD_MAX_WORDS)
		return 0; /* the rest of an overlong line is not looked at */
	s = strndup(w, len);
	if (s == NULL)
		return -ENOMEM;
	n->word[n->n_words++] = s;
	return 0;
}

int
kad_parse(const char *text, struct kad_node *root, char *err, size_t errlen)
{
	struct kad_node *stack[KAD_MAX_DEPTH], *cur = NULL;
	int depth = 0, line = 1;
	const char *p = text;

	memset(root, 0, sizeof(*root));
	stack[0] = root;
	while (*p) {
		const char *eol = strchr(p, '\n'), *q;

		if (eol == NULL)
			eol = p + strlen(p);
		cur = NULL;
		for (q = p; q < eol;) {
			const char *w;

			while (q < eol && isspace((unsigned char)*q))
				q++;
			if (q >= eol || *q == '!' || *q == '#')
				break;
			if (*q == '{' || *q == '}') {
				if (*q == '{') {
					/* a lone '{' opens the block of the statement before */
					struct kad_node *owner = cur ? cur : stack[depth]->last;

					if (owner == NULL || depth + 1 >= KAD_MAX_DEPTH) {
						snprintf(err, errlen, "line %d: '{' %s", line,
							 owner ? "nested too deep" : "opens no block");
						return -EINVAL;
					}
					stack[++depth] = owner;
					owner->block = 1;
					cur = NULL;
				} else {
					if (depth == 0) {
						snprintf(err, errlen, "line %d: '}' closes no block",
							 line);
						return -EINVAL;
					}
					depth--;
					cur = NULL;
				}
				q++;
				continue;
			}
			if (cur == NULL) {
				cur = node_new(stack[depth], line);
				if (cur == NULL)
					return -ENOMEM;
			}
			if (*q == '"') {
				w = ++q;
				while (q < eol && *q != '"')
					q++;
				if (word_add(cur, w, (size_t)(q - w)) < 0)
					return -ENOMEM;
				if (q < eol)
					q++;
				continue;
			}
			w = q;
			while (q < eol && !isspace((unsigned char)*q) && *q != '{' && *q != '}' &&
			       *q != '!' && *q != '#')
				q++;
			if (word_add(cur, w, (size_t)(q - w)) < 0)
				return -ENOMEM;
		}
		p = *eol ? eol + 1 : eol;
		line++;
	}
	if (depth != 0) {
		snprintf(err, errlen, "the block of line %d is not closed", stack[depth]->line);
		return -EINVAL;
	}
	return 0;
}

static void
free_list(struct kad_node *n)
{
	while (n != NULL) {
		struct kad_node *next = n->next;
		unsigned i;

		free_list(n->child);
		for (i = 0; i < n->n_words; i++)
			free(n->word[i]);
		free(n);
		n = next;
	}
}

void
kad_free(struct kad_node *root)
{
	free_list(root->child);
	memset(root, 0, sizeof(*root));
}

const char *
kad_arg(const struct kad_node *n, unsigned i)
{
	return i < n->n_words ? n->word[i] : NULL;
}

bool
kad_is(const struct kad_node *n, const char *kw)
{
	return n->n_words > 0 && strcmp(n->word[0], kw) == 0;
}
