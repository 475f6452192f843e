/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: REST API bodies as the server validates them (POST /v1/services,
 * POST .../backends, PUT /v1/config): JSON text, then the same validators as the config.
 */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg_service s;
	struct cfg_backend b;
	struct cfg c;
	struct cfg_error err;
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);

	if (j == NULL)
		return 0;
	if (cfg_service_from_json(j, "", &s, &err) == 0) {
		json_t *back = cfg_service_to_json(&s);

		if (back == NULL)
			abort();
		json_decref(back);
		cfg_service_free(&s);
	}
	(void)cfg_backend_from_json(j, "", &b, &err);
	if (cfg_from_json(j, &c, &err) == 0)
		cfg_free(&c);
	json_decref(j);
	return 0;
}
