/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/devstr.h"
#include "common/port_lock.h"

int
port_lock_key(const char *device, char *what, size_t what_len, char *file, size_t file_len)
{
	char name[64];
	struct stat st;
	int r;

	if (!devstr_is_vdev(device)) {
		/* A PCI address: digits, letters, ':' and '.', and nothing a path could abuse. */
		if (device[0] == '\0' || strlen(device) >= sizeof(name) ||
		    strspn(device, "0123456789abcdefABCDEF:.") != strcspn(device, ","))
			return -EINVAL;
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(device, ","), device);
		snprintf(what, what_len, "PCI device %s", name);
		snprintf(file, file_len, "pci-%s.lock", name);
		return 1;
	}
	r = devstr_arg(device, "iface", name, sizeof(name));
	if (r == 0)
		return 0;
	if (r < 0 || name[0] == '\0' || strlen(name) >= IFNAMSIZ || strchr(name, '/') ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -EINVAL;
	/* The namespace the interface is seen from: its nsfs inode, as `ip netns identify`. */
	if (stat("/proc/self/ns/net", &st) < 0)
		return -errno;
	snprintf(what, what_len, "interface %s (network namespace net:[%lu])", name,
		 (unsigned long)st.st_ino);
	snprintf(file, file_len, "iface-%s@net%lu.lock", name, (unsigned long)st.st_ino);
	return 1;
}

/* The pid the holder wrote; it writes it just after it took the lock, so wait a moment. */
static long
holder_pid(int fd)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 10 * 1000 * 1000 };
	char buf[32];
	unsigned tries;

	for (tries = 0; tries < 20; tries++) {
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		long pid;
		char *end;

		if (n > 0) {
			buf[n] = '\0';
			pid = strtol(buf, &end, 10);
			if (end != buf && pid > 0)
				return pid;
		}
		nanosleep(&ts, NULL);
	}
	return -1;
}

int
port_lock_take(const char *dir, const char *port_name, const char *device, int *fd, char *msg,
	       size_t msglen)
{
	char what[128], file[128], path[512], pid[24];
	int r, n;

	*fd = -1;
	r = port_lock_key(device, what, sizeof(what), file, sizeof(file));
	if (r == 0)
		return 0;
	if (r < 0) {
		snprintf(msg, msglen, "port '%s': device '%s': %s", port_name, device,
			 r == -EINVAL ? "the interface name is not one (at most 15 characters, "
					"no '/')" : strerror(-r));
		return r;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		r = -errno;
		snprintf(msg, msglen, "port '%s': cannot make %s for the lock of %s: %s", port_name,
			 dir, what, strerror(-r));
		return r;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (*fd < 0) {
		r = -errno;
		snprintf(msg, msglen, "port '%s': cannot open %s, the lock of %s: %s", port_name,
			 path, what, strerror(-r));
		return r;
	}
	if (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
		long holder;

		r = -errno;
		if (r != -EWOULDBLOCK) {
			snprintf(msg, msglen, "port '%s': cannot lock %s (%s): %s", port_name, what,
				 path, strerror(-r));
		} else {
			holder = holder_pid(*fd);
			if (holder == (long)getpid())
				snprintf(pid, sizeof(pid), "this sluiced");
			else if (holder > 0)
				snprintf(pid, sizeof(pid), "pid %ld", holder);
			else
				snprintf(pid, sizeof(pid), "pid unknown");
			snprintf(msg, msglen, "port '%s': %s is in use by %s (%s, lock %s): stop "
				 "it, or give this node other interfaces", port_name, what,
				 holder == (long)getpid() ? "another port" : "another sluiced", pid,
				 path);
			r = -EBUSY;
		}
		close(*fd);
		*fd = -1;
		return r;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(*fd, 0) < 0 || pwrite(*fd, pid, (size_t)n, 0) != n) {
		r = -errno;
		snprintf(msg, msglen, "port '%s': cannot write %s: %s", port_name, path,
			 strerror(-r));
		close(*fd);
		*fd = -1;
		return r;
	}
	return 0;
}
