/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the YAML/JSON config loader. Whatever loads must round-trip: the JSON
 * form of a loaded config loads again to the same JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg c, c2;
	struct cfg_error err;
	char *text = malloc(size + 1), buf[1024];
	json_t *j, *j2;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (cfg_load_string(text, "fuzz", &c, &err) == 0) {
		j = cfg_to_json(&c);
		if (j == NULL || cfg_from_json(j, &c2, &err) != 0)
			abort();
		j2 = cfg_to_json(&c2);
		if (!json_equal(j, j2))
			abort();
		json_decref(j);
		json_decref(j2);
		cfg_free(&c);
		cfg_free(&c2);
	} else {
		cfg_error_fmt(&err, buf, sizeof(buf)); /* the message itself must be sound */
	}
	free(text);
	return 0;
}
