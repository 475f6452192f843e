/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <time.h>

#include "common/log.h"

static enum log_level g_level = LOG_INFO;
static const char *const level_name[] = { "error", "warning", "info", "debug" };

void
log_set_level(enum log_level lvl)
{
	g_level = lvl;
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char stamp[32];
	va_list ap;

	if (lvl > g_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	/* One fprintf per line: stderr is unbuffered, so lines from two threads do not mix. */
	char line[1024];
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s.%03ldZ sluiced %s: %s\n", stamp, ts.tv_nsec / 1000000, level_name[lvl],
		line);
}
