/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_CLI_HTTP_H
#define SLUICE_CLI_HTTP_H

#include <jansson.h>

/* sluicectl's exit statuses: 0 done, these otherwise. */
enum { EXIT_API = 1, EXIT_USAGE = 2 };

/**
 * One request to the daemon at socket (a unix socket's path, or an http://HOST:PORT URL)
 * and its JSON answer (NULL for 204). On an error status prints "sluicectl: error: detail"
 * and exits EXIT_API; so it does when the daemon cannot be reached.
 */
json_t *cli_call(const char *socket, const char *method, const char *path, const json_t *body);

/** Print j indented, with a newline; nothing for NULL. */
void cli_print_json(const json_t *j);

/*
 * Send "Authorization: Bearer TOKEN" to a TCP listener (an http:// socket), TOKEN the first
 * line of path. 0, or -1 with a message on stderr.
 */
int cli_token_file(const char *path);

/**
 * "a" + b + "c" + d with b and d (keys, may be NULL) URL-encoded, so that a VIP's slash and
 * colon reach the daemon as they are; malloc'd. Exits on out of memory.
 */
char *cli_path(const char *a, const char *b, const char *c, const char *d);

#endif
