/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The status page's files (src/control/page: index.html, style.css, app.js), embedded in
 * the binary at build time (src/tools/embed.py), so the page needs nothing from anywhere
 * at run time: no CDN, no files to install. The page itself reads the JSON API.
 */
#include <stdlib.h>
#include <string.h>

#include "control/api_int.h"

extern const unsigned char page_index_html[], page_style_css[], page_app_js[];
extern const unsigned int page_index_html_len, page_style_css_len, page_app_js_len;

static const struct {
	const char *path;
	const char *type;
	const unsigned char *data;
	const unsigned int *len;
} assets[] = {
	{ "/", "text/html; charset=utf-8", page_index_html, &page_index_html_len },
	{ "/index.html", "text/html; charset=utf-8", page_index_html, &page_index_html_len },
	{ "/ui/style.css", "text/css; charset=utf-8", page_style_css, &page_style_css_len },
	{ "/ui/app.js", "text/javascript; charset=utf-8", page_app_js, &page_app_js_len },
};

int
api_page_find(const char *url)
{
	unsigned i;

	for (i = 0; i < sizeof(assets) / sizeof(assets[0]); i++)
		if (strcmp(url, assets[i].path) == 0)
			return (int)i;
	return -1;
}

void
api_page_reply(unsigned asset, struct reply *rp)
{
	char *copy;

	if (asset >= sizeof(assets) / sizeof(assets[0])) {
		api_reply_error(rp, MHD_HTTP_NOT_FOUND, "not found", "no such page file");
		return;
	}
	copy = malloc(*assets[asset].len + 1);
	if (copy == NULL) {
		api_reply_error(rp, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory", "page");
		return;
	}
	memcpy(copy, assets[asset].data, *assets[asset].len);
	rp->status = MHD_HTTP_OK;
	rp->text = copy;
	rp->text_len = *assets[asset].len;
	rp->type = assets[asset].type;
	rp->page = true;
}
