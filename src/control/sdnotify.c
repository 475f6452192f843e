/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "common/log.h"
#include "control/sdnotify.h"

static struct {
	int fd;
	struct sockaddr_un sa;
	socklen_t len;
	uint64_t watchdog_ms;
	int warned;
} g_sdn = { .fd = -1 };

int
sdn_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET"), *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	size_t n;

	if (usec != NULL && (pid == NULL || strtol(pid, NULL, 10) == (long)getpid())) {
		char *end;
		unsigned long long v = strtoull(usec, &end, 10);

		if (*usec != '\0' && *end == '\0' && v >= 2000)
			g_sdn.watchdog_ms = v / 2000; /* half the period, in ms */
	}
	if (path == NULL || path[0] == '\0')
		return 0;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof(g_sdn.sa.sun_path)) {
		LOG_W("NOTIFY_SOCKET '%.100s' is no unix socket path: systemd is not told", path);
		return -EINVAL;
	}
	g_sdn.sa.sun_family = AF_UNIX;
	memcpy(g_sdn.sa.sun_path, path, n);
	if (path[0] == '@')
		g_sdn.sa.sun_path[0] = '\0'; /* the abstract namespace */
	g_sdn.len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	g_sdn.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (g_sdn.fd < 0) {
		int e = errno;

		LOG_W("cannot open a socket to notify systemd: %s", strerror(e));
		return -e;
	}
	return 0;
}

int
sdn_notify(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	if (g_sdn.fd < 0)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1; /* a STATUS cut short is still a STATUS */
	if (sendto(g_sdn.fd, msg, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&g_sdn.sa,
		   g_sdn.len) < 0) {
		int e = errno;

		if (!g_sdn.warned++)
			LOG_W("cannot notify systemd: %s", strerror(e));
		return -e;
	}
	return 0;
}

uint64_t
sdn_watchdog_ms(void)
{
	return g_sdn.watchdog_ms;
}

void
sdn_close(void)
{
	if (g_sdn.fd >= 0)
		close(g_sdn.fd);
	g_sdn.fd = -1;
}
