/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "control/ctl.h"

/*
 * Re-reading the config file (SIGHUP) takes the road `sluicectl config apply FILE` takes:
 * the file is validated (errors with file:line), turned into the JSON document the CLI
 * sends, validated again as PUT /v1/config does, and applied by ctl_config_apply(). So a
 * reload and an apply of the same file can never disagree on what is accepted or changed.
 */
int
ctl_config_reload(const char *path, struct cfg_error *err)
{
	struct cfg *file = calloc(1, sizeof(*file)), *doc_cfg = calloc(1, sizeof(*doc_cfg));
	json_t *doc = NULL;
	int r;

	memset(err, 0, sizeof(*err));
	if (file == NULL || doc_cfg == NULL) {
		r = -ENOMEM;
		goto out;
	}
	r = cfg_load_file(path, file, err);
	if (r < 0)
		goto out;
	doc = cfg_to_json(file);
	cfg_free(file);
	if (doc == NULL) {
		r = -ENOMEM;
		goto out;
	}
	r = cfg_from_json(doc, doc_cfg, err);
	if (r < 0)
		goto out;
	r = ctl_config_apply(doc_cfg, err);
	cfg_free(doc_cfg);
out:
	json_decref(doc);
	free(file);
	free(doc_cfg);
	return r;
}
