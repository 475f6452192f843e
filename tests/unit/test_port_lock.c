/* SPDX-License-Identifier: Apache-2.0 */
/* common/port_lock: one sluiced per interface (and per network namespace). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/port_lock.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/sluice-lock-test.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void
test_keys(void **state)
{
	char what[128], file[128], ino[32];
	struct stat st;

	(void)state;
	assert_int_equal(stat("/proc/self/ns/net", &st), 0);
	snprintf(ino, sizeof(ino), "@net%lu.lock", (unsigned long)st.st_ino);
	assert_int_equal(port_lock_key("net_af_packet0,iface=demo-c1,qpairs=2", what,
				       sizeof(what), file, sizeof(file)), 1);
	assert_non_null(strstr(what, "interface demo-c1"));
	assert_non_null(strstr(file, "iface-demo-c1"));
	assert_non_null(strstr(file, ino));
	assert_int_equal(port_lock_key("net_af_xdp1,start_queue=0,iface=eth1", what, sizeof(what),
				       file, sizeof(file)), 1);
	assert_non_null(strstr(file, "iface-eth1@"));
	assert_int_equal(port_lock_key("0000:03:00.0", what, sizeof(what), file, sizeof(file)), 1);
	assert_string_equal(file, "pci-0000:03:00.0.lock");
	/* Nothing outside the process: nothing to lock. */
	assert_int_equal(port_lock_key("net_null0", what, sizeof(what), file, sizeof(file)), 0);
	assert_int_equal(port_lock_key("net_tap0", what, sizeof(what), file, sizeof(file)), 0);
	/* Names that cannot be interfaces must not become paths. */
	assert_int_equal(port_lock_key("net_af_packet0,iface=../../etc/x", what, sizeof(what),
				       file, sizeof(file)), -EINVAL);
	assert_int_equal(port_lock_key("net_af_packet0,iface=..", what, sizeof(what), file,
				       sizeof(file)), -EINVAL);
	assert_int_equal(port_lock_key("net_af_packet0,iface=a-name-much-too-long", what,
				       sizeof(what), file, sizeof(file)), -EINVAL);
	assert_int_equal(port_lock_key("net_af_packet0,iface=", what, sizeof(what), file,
				       sizeof(file)), -EINVAL);
	assert_int_equal(port_lock_key("../x", what, sizeof(what), file, sizeof(file)), -EINVAL);
}

/* A child that takes the lock of `dev` and holds it until told (a byte on `go`). */
static pid_t
holder(const char *dev, int *go, int *ready)
{
	int to_child[2], to_parent[2];
	pid_t pid;

	assert_int_equal(pipe(to_child), 0);
	assert_int_equal(pipe(to_parent), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char msg[512], c = 'x';
		int fd, r;

		alarm(20); /* bounded, should the parent fail and never say go */
		r = port_lock_take(dir, "client", dev, &fd, msg, sizeof(msg));
		c = r == 0 ? 'y' : 'n';
		if (write(to_parent[1], &c, 1) != 1 || read(to_child[0], &c, 1) < 0)
			_exit(2);
		_exit(r == 0 ? 0 : 1);
	}
	close(to_child[0]);
	close(to_parent[1]);
	*go = to_child[1];
	*ready = to_parent[0];
	return pid;
}

static void
test_second_holder_is_refused_with_pid(void **state)
{
	const char *dev = "net_af_packet0,iface=lk-test0";
	char msg[512], want[32], c;
	int go, ready, fd, st;
	pid_t pid;

	(void)state;
	pid = holder(dev, &go, &ready);
	assert_int_equal(read(ready, &c, 1), 1);
	assert_int_equal(c, 'y');
	assert_int_equal(port_lock_take(dir, "client", dev, &fd, msg, sizeof(msg)), -EBUSY);
	assert_int_equal(fd, -1);
	snprintf(want, sizeof(want), "pid %ld", (long)pid);
	assert_non_null(strstr(msg, want));
	assert_non_null(strstr(msg, "port 'client'"));
	assert_non_null(strstr(msg, "interface lk-test0"));
	/* Another interface is free meanwhile. */
	assert_int_equal(port_lock_take(dir, "backend", "net_af_packet1,iface=lk-test1", &fd, msg,
					sizeof(msg)), 0);
	assert_true(fd >= 0);
	close(fd);
	/* The holder goes (as a SIGKILL would take it): the interface is free again. */
	assert_int_equal(write(go, "x", 1), 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(go);
	close(ready);
	assert_int_equal(port_lock_take(dir, "client", dev, &fd, msg, sizeof(msg)), 0);
	assert_true(fd >= 0);
	close(fd);
}

static void
test_killed_holder_frees_it(void **state)
{
	const char *dev = "net_af_xdp0,iface=lk-test2";
	char msg[512], c;
	int go, ready, fd;
	pid_t pid;

	(void)state;
	pid = holder(dev, &go, &ready);
	assert_int_equal(read(ready, &c, 1), 1);
	assert_int_equal(c, 'y');
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(go);
	close(ready);
	assert_int_equal(port_lock_take(dir, "client", dev, &fd, msg, sizeof(msg)), 0);
	close(fd);
}

static void
test_same_process_two_ports(void **state)
{
	const char *dev = "net_af_packet0,iface=lk-test3";
	char msg[512];
	int fd, fd2;

	(void)state;
	assert_int_equal(port_lock_take(dir, "a", dev, &fd, msg, sizeof(msg)), 0);
	assert_int_equal(port_lock_take(dir, "b", dev, &fd2, msg, sizeof(msg)), -EBUSY);
	assert_non_null(strstr(msg, "port 'b'"));
	assert_non_null(strstr(msg, "another port"));
	close(fd);
}

/* The same interface name in another network namespace is another interface. */
static void
test_other_netns_does_not_clash(void **state)
{
	const char *dev = "net_af_packet0,iface=lk-test4";
	char msg[512];
	int fd, st;
	pid_t pid;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(port_lock_take(dir, "client", dev, &fd, msg, sizeof(msg)), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd2, r;

		if (unshare(CLONE_NEWNET) < 0)
			_exit(3);
		r = port_lock_take(dir, "client", dev, &fd2, msg, sizeof(msg));
		_exit(r == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 3) {
		close(fd);
		skip(); /* no namespaces here (a container without CAP_SYS_ADMIN) */
	}
	assert_int_equal(WEXITSTATUS(st), 0);
	close(fd);
}

static void
test_bad_name_names_the_port(void **state)
{
	char msg[512];
	int fd;

	(void)state;
	assert_int_equal(port_lock_take(dir, "front", "net_af_packet0,iface=x/y", &fd, msg,
					sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "port 'front'"));
	assert_int_equal(fd, -1);
	assert_int_equal(port_lock_take(dir, "null", "net_null0", &fd, msg, sizeof(msg)), 0);
	assert_int_equal(fd, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_second_holder_is_refused_with_pid),
		cmocka_unit_test(test_killed_holder_frees_it),
		cmocka_unit_test(test_same_process_two_ports),
		cmocka_unit_test(test_other_netns_does_not_clash),
		cmocka_unit_test(test_bad_name_names_the_port),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
