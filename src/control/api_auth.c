/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TCP listener's bearer token: read from control.token_file at start and at each
 * reload, compared in constant time. The unix socket needs none: its mode (0660) is the
 * guard, as for a Docker or libvirt socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "control/api.h"
#include "control/api_int.h"

int
api_token_read(const char *path, char *out, char *err, size_t errlen)
{
	char buf[API_TOKEN_MAX + 2];
	struct stat st;
	ssize_t n;
	size_t len, i;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "control.token_file %s: %s", path, strerror(e));
		return -e;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "control.token_file %s: not a regular file", path);
		return -EINVAL;
	}
	/* As ssh with its keys: a token others can read is no secret. */
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		close(fd);
		snprintf(err, errlen, "control.token_file %s: others may read or write it (mode "
			 "%04o): chmod o-rw %s", path, (unsigned)(st.st_mode & 07777), path);
		return -EPERM;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	e = errno;
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "control.token_file %s: %s", path, strerror(e));
		return -e;
	}
	buf[n] = '\0';
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	for (i = 0; i < len; i++)
		if (buf[i] <= ' ' || buf[i] > '~') {
			snprintf(err, errlen, "control.token_file %s: the token (its first line) "
				 "holds a space or a character that is not printable ASCII", path);
			return -EINVAL;
		}
	if (len < API_TOKEN_MIN || len > API_TOKEN_MAX) {
		snprintf(err, errlen, "control.token_file %s: the token (its first line) has %zu "
			 "characters, not %u..%u (openssl rand -hex 32 > %s makes one)", path,
			 len, API_TOKEN_MIN, API_TOKEN_MAX, path);
		return -EINVAL;
	}
	memcpy(out, buf, len + 1);
	return 0;
}

bool
api_token_ok(const char *header, const char *token)
{
	static const char scheme[] = "Bearer ";
	size_t hl, tl = strlen(token), i;
	unsigned char diff = 0;

	if (header == NULL || tl == 0 || strncasecmp(header, scheme, sizeof(scheme) - 1) != 0)
		return false;
	header += sizeof(scheme) - 1;
	hl = strlen(header);
	/* Every byte of the token compared whatever differs: no timing says how much matched. */
	for (i = 0; i < tl; i++)
		diff |= (unsigned char)(token[i] ^ (i < hl ? header[i] : 0));
	return diff == 0 && hl == tl;
}
