/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_pdump.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/port_lock.h"
#include "config/config.h"
#include "control/api.h"
#include "control/ctl.h"
#include "control/sdnotify.h"
#include "control/telemetry.h"
#include "control/spec.h"
#include "net/port.h"
#include "net/port_kstats.h"
#include "net/steer.h"
#include "net/twin.h"
#include "worker/dp_build.h"
#include "worker/worker.h"

/* After the VIPs are withdrawn at a stop, how long the data plane keeps running. */
#define STOP_GRACE_MS 500u
#define CTL_IDLE_TICK_MS 10u /* the main loop's tick once the workers are quiet */

/*
 * The daemon: load the config, start DPDK and the ports, build the data plane, run the
 * workers, serve the API, and do the control side's upkeep until told to stop.
 */

/* The demo's node (scripts/demo, `scripts/lab up demo`), used when no -c is given. */
static const char default_config[] =
	"dataplane:\n"
	"  workers: 1\n"
	"  memory: auto\n"
	"  conn_table_size: 65536\n"
	"  ports:\n"
	"    - {name: client, device: 'net_af_packet0,iface=demo-c1', address: 10.0.1.1/24}\n"
	"    - {name: backend, device: 'net_af_packet1,iface=demo-s1', address: 10.0.2.1/24}\n"
	"  local_addresses: [10.0.2.100]\n"
	"control:\n"
	"  socket: /run/sluice/sluiced.sock\n"
	"services:\n"
	"  - vip: 10.0.0.10:80/tcp\n"
	"    scheduler: wrr\n"
	"    backends:\n"
	"      - {address: 10.0.2.11:8080, weight: 1}\n"
	"      - {address: 10.0.2.12:8080, weight: 1}\n"
	"      - {address: 10.0.2.13:8080, weight: 1}\n";

/*
 * Signals only set a flag here; the main loop acts on it (a handler may run on any thread,
 * a worker's included, and may call nothing that is not async-signal-safe). The exception
 * is a fatal signal, after which the process cannot go on: its handler writes a last line
 * with write(2), removes the control socket and dies of the signal.
 */
static volatile sig_atomic_t g_stop;   /* the signal that asked for the stop */
static volatile sig_atomic_t g_reload; /* SIGHUP: re-read the config file */
static char g_socket_path[CFG_PATH_MAX]; /* set while the API serves, for on_fatal() */
/* The EAL's runtime directory and its telemetry socket, for rundir_remove() and on_fatal() */
static char g_rundir[PATH_MAX], g_rundir_sock[PATH_MAX + 32];
static char g_hugeprefix[64]; /* capture: the prefix of this node's hugepage files */

static void
on_stop(int sig)
{
	if (!g_stop)
		g_stop = sig;
}

static void
on_reload(int sig)
{
	(void)sig;
	g_reload = 1;
}

static const char *
sig_name(int sig)
{
	switch (sig) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS: return "SIGBUS";
	case SIGFPE: return "SIGFPE";
	case SIGILL: return "SIGILL";
	case SIGABRT: return "SIGABRT";
	default: return "a signal";
	}
}

static void
write_str(const char *s)
{
	ssize_t r = write(STDERR_FILENO, s, strlen(s));

	(void)r; /* nothing to be done about it here */
}

static void
on_fatal(int sig)
{
	write_str("sluiced error: stopping on ");
	write_str(sig_name(sig));
	write_str(", without cleanup");
	if (g_socket_path[0] != '\0' && unlink(g_socket_path) == 0) {
		write_str("; removed ");
		write_str(g_socket_path);
	}
	write_str("\n");
	/* The EAL's runtime directory, when it holds only the telemetry socket (unlink and
	 * rmdir are async-signal-safe; with capture's shared files it stays). */
	if (g_rundir_sock[0] != '\0') {
		unlink(g_rundir_sock);
		rmdir(g_rundir);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
signals_setup(void)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	struct sigaction sa = { .sa_handler = on_stop };
	unsigned i;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_reload;
	sigaction(SIGHUP, &sa, NULL);
	/* USR1 and USR2 mean nothing to sluiced (docs/operations.md): a stray one must not kill
	 * it, as their default action would. SIGPIPE: a client gone mid-reply is an EPIPE. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_fatal;
	sa.sa_flags = SA_RESETHAND;
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
}

/* The TCP listener's token and public parts, from the config and its token file. */
static int
auth_load(const struct cfg *c, struct api_auth *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->public_metrics = c->public_metrics;
	a->public_page = c->public_page;
	return c->token_file[0] ? api_token_read(c->token_file, a->token, err, errlen) : 0;
}

/*
 * With dataplane.capture the EAL names its hugepage files (PREFIXmap_N) so that
 * dpdk-dumpcap can map them, and leaves them behind: the pages stay taken until the next
 * start of this node. They are this node's alone (the prefix is), so they go at exit.
 */
static void
hugefiles_remove(void)
{
	FILE *m;
	char line[512], dir[PATH_MAX], fs[64];
	size_t n = strlen(g_hugeprefix);

	if (n == 0 || (m = fopen("/proc/mounts", "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), m) != NULL) {
		DIR *d;
		struct dirent *e;

		if (sscanf(line, "%*s %4095s %63s", dir, fs) != 2 || strcmp(fs, "hugetlbfs") != 0)
			continue;
		d = opendir(dir);
		while (d != NULL && (e = readdir(d)) != NULL)
			if (strncmp(e->d_name, g_hugeprefix, n) == 0)
				unlinkat(dirfd(d), e->d_name, 0);
		if (d != NULL)
			closedir(d);
	}
	fclose(m);
}

/*
 * The EAL leaves its runtime directory (/var/run/dpdk/PREFIX) behind, and telemetry
 * unlinks its socket in there from an atexit handler: this one, registered before the EAL
 * starts, runs after it and removes the directory once empty (ours: the prefix is the
 * node's own, see spec_file_prefix()).
 */
static void
rundir_remove(void)
{
	DIR *d;
	struct dirent *e;

	if (g_rundir[0] == '\0')
		return;
	/* With dataplane.capture the shared config lives there too (config, fbarray_*,
	 * mp_socket): the directory is this node's alone, so all of it goes. */
	d = opendir(g_rundir);
	while (d != NULL && (e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	if (d != NULL)
		closedir(d);
	rmdir(g_rundir);
	hugefiles_remove();
}

/* SIGHUP: the difference between the file and the running node, applied as by
 * `sluicectl config apply FILE`; a file that cannot be applied changes nothing. Then the
 * token file is read again (a token is rotated by rewriting it and reloading). */
static void
reload(const char *path, const struct cfg *cfg, struct api_server *api)
{
	struct api_auth auth;
	struct cfg_error err;
	char line[768];
	int r;

	if (path == NULL) {
		LOG_W("SIGHUP: no config file to re-read (started with the built-in demo config)");
		return;
	}
	/* systemd (Type=notify) shows "reloading" until the READY=1 that ends either way. */
	sdn_notify("RELOADING=1\nSTATUS=reloading %s", path);
	r = ctl_config_reload(path, &err);
	if (r < 0) {
		cfg_error_fmt(&err, line, sizeof(line));
		LOG_E("SIGHUP: %s not applied, nothing changed: %s", path,
		      line[0] ? line : strerror(-r));
		sdn_notify("READY=1\nSTATUS=reload refused, running as before: %s",
			   line[0] ? line : strerror(-r));
		return;
	}
	LOG_I("SIGHUP: %s re-read and applied", path);
	if (cfg->token_file[0] != '\0') {
		if (auth_load(cfg, &auth, line, sizeof(line)) < 0) {
			LOG_E("SIGHUP: the API's token is kept: %s", line);
			sdn_notify("READY=1\nSTATUS=reloaded %s; token kept: %s", path, line);
			return;
		}
		api_set_auth(api, &auth);
		explicit_bzero(&auth, sizeof(auth));
		LOG_I("SIGHUP: the API's token re-read from %s", cfg->token_file);
	}
	sdn_notify("READY=1\nSTATUS=reloaded %s", path);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: sluiced [-c FILE] [--check] [-v]\n"
		   "  -c, --config FILE  the YAML configuration (default: the demo's, built in)\n"
		   "      --check        validate the configuration and exit\n"
		   "  -v, --verbose      debug logging\n");
}

static int
load_config(const char *path, struct cfg *cfg)
{
	struct cfg_error err;
	char line[768];
	int r;

	r = path ? cfg_load_file(path, cfg, &err)
		 : cfg_load_string(default_config, "<built-in demo config>", cfg, &err);
	if (r < 0) {
		cfg_error_fmt(&err, line, sizeof(line));
		fprintf(stderr, "sluiced: %s\n", line);
	}
	return r;
}

/*
 * FULLNAT replies to the worker that owns their conn, by rte_flow rules on every port
 * where the device takes them (net/steer.h); elsewhere the workers hand them over.
 */
static void
steer_ports(struct dp *dp, const uint16_t *ids)
{
	union addr46 lips[2 * SL_MAX_LADDRS];
	unsigned i, n = 0;

	for (i = 0; i < dp->n_laddrs; i++)
		lips[n++] = addr46_from_v4(dp->laddrs[i]);
	for (i = 0; i < dp->n_laddrs6; i++)
		lips[n++] = dp->laddrs6[i];
	for (i = 0; i < dp->n_ports; i++) {
		struct steer_state *st = &dp->ports[i].steer;

		steer_install(ids[i], lips, n, dp->n_workers, dp->worker_mask, st);
		if (st->mode == STEER_FLOW)
			LOG_I("port '%s': replies steered to their workers by %u rte_flow rules",
			      dp->ports[i].name, st->rules);
		else if (st->mode == STEER_SOFTWARE)
			LOG_I("port '%s': no rte_flow steering (%s): workers hand replies over",
			      dp->ports[i].name, st->reason);
	}
}

static int
launch_workers(struct dp *dp)
{
	unsigned lcore, i = 0;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (i >= dp->n_workers)
			break;
		if (rte_eal_remote_launch(worker_loop, dp->workers[i], lcore) != 0)
			return -EBUSY;
		i++;
	}
	return i == dp->n_workers ? 0 : -ENODEV;
}

static void
stop_workers(struct dp *dp)
{
	unsigned i;

	for (i = 0; i < dp->n_workers; i++)
		dp->workers[i]->stop = 1;
	rte_eal_mp_wait_lcore();
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct port_eal_args eal;
	struct rte_ether_addr macs[SL_MAX_PORTS];
	uint16_t ids[SL_MAX_PORTS], twins[SL_MAX_PORTS];
	struct dp_spec spec;
	struct port_set ports;
	int lock_fds[SL_MAX_PORTS];
	struct api_server *api = NULL;
	struct api_auth auth;
	uint64_t api_ticked = 0, busy = 0, watchdog_ms = 0, watchdog_sent = 0;
	struct cfg_error cerr;
	struct dp *dp = NULL;
	struct cfg cfg;
	const char *path = NULL;
	char msg[512];
	int check = 0, opt, rc = 1, ports_up = 0, twins_up = 0, r;
	unsigned i;

	while ((opt = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			check = 1;
			break;
		case 'v':
			log_set_level(LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < SL_MAX_PORTS; i++)
		lock_fds[i] = -1;
	if (load_config(path, &cfg) < 0)
		return 1;
	signals_setup();
	spec_ports(&cfg, &ports);
	/* What the config cannot know alone: whether this DPDK has each port's driver. */
	if (port_check_devices(&ports, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "sluiced: %s\n", msg);
		goto out;
	}
	/* The token before anything else: a TCP listener without one is refused, saying why. */
	if (auth_load(&cfg, &auth, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "sluiced: %s; the TCP listener (control.listen) serves no one "
			"without its token\n", msg);
		goto out;
	}
	if (check) {
		explicit_bzero(&auth, sizeof(auth));
		printf("%s: OK (%u ports, %u local addresses, %u services)\n",
		       path ? path : "<built-in demo config>", cfg.n_ports, cfg.n_laddrs,
		       cfg.n_services);
		cfg_free(&cfg);
		return 0;
	}
	sdn_init();
	sdn_notify("STATUS=starting: DPDK, %u ports, %u services", cfg.n_ports, cfg.n_services);
	watchdog_ms = sdn_watchdog_ms();
	r = port_eal_args(&ports, &eal, msg, sizeof(msg));
	if (r < 0) {
		fprintf(stderr, "sluiced: %s\n", r == -E2BIG ? "too many DPDK arguments (ports?)" : msg);
		goto out;
	}
	/* DPDK, the API's clients and the health checks' sockets share the fd table: take
	 * what the hard limit allows rather than the shell's soft 1024. */
	{
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	/* One sluiced per interface: locked before the EAL opens (and starts reading) them. */
	for (i = 0; i < cfg.n_ports; i++) {
		if (port_lock_take(PORT_LOCK_DIR, cfg.ports[i].name, cfg.ports[i].device,
				   &lock_fds[i], msg, sizeof(msg)) < 0) {
			fprintf(stderr, "sluiced: %s\n", msg);
			goto out;
		}
	}
	atexit(rundir_remove); /* before the EAL's own handlers: it runs after them */
	if (rte_eal_init(eal.argc, eal.argv) < 0) {
		int e = rte_errno;

		/* A memory hint only where memory is the likely cause; the EAL's lines above
		 * say the rest (a device it could not parse or probe names that device). */
		fprintf(stderr, "sluiced: DPDK could not start: %s%s\n", rte_strerror(e),
			e == ENOMEM || e == EACCES
				? (eal.no_huge ? " (without hugepages; are you root?)"
					       : " (with hugepages; try 'memory: no-hugepages' or "
						 "reserve more)")
				: "");
		goto out;
	}
	snprintf(g_rundir, sizeof(g_rundir), "%s", rte_eal_get_runtime_dir());
	snprintf(g_rundir_sock, sizeof(g_rundir_sock), "%s/dpdk_telemetry.v2", g_rundir);
	if (cfg.capture)
		snprintf(g_hugeprefix, sizeof(g_hugeprefix), "%smap_", ports.file_prefix);
	LOG_I("%s", msg);
	if (cfg.capture) {
		if (rte_pdump_init() < 0)
			LOG_W("capture: cannot start DPDK's capture server: %s",
			      rte_strerror(rte_errno));
		else
			LOG_I("capture: dpdk-dumpcap --file-prefix=%s -D lists the ports, -i NAME "
			      "captures one", ports.file_prefix);
	}
	if (port_setup_all(&ports, ids, macs, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "sluiced: %s\n", msg);
		goto eal;
	}
	ports_up = 1;
	spec_dp(&cfg, macs, ids, &spec);
	dp = dp_create(&spec);
	if (dp == NULL) {
		fprintf(stderr, "sluiced: cannot build the data plane: %s\n", strerror(errno));
		goto eal;
	}
	if (twin_setup_all(&ports, macs, cfg.workers, twins, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "sluiced: %s\n", msg);
		goto eal;
	}
	twins_up = 1;
	for (i = 0; i < dp->n_ports; i++) {
		uint16_t mtu;

		dp->ports[i].twin_id = twins[i];
		dp->ports[i].has_twin = 1;
		/* What the modes that add headers (tun) measure a packet against. */
		if (rte_eth_dev_get_mtu(ids[i], &mtu) == 0 && mtu >= RTE_ETHER_MIN_MTU)
			dp->ports[i].mtu = mtu;
	}
	steer_ports(dp, ids);
	/* What an idle worker waits on: the kernel sockets under the ports (worker.h). */
	{
		char ifn[SL_MAX_PORTS][IF_NAMESIZE];
		const char *names[SL_MAX_PORTS];
		int fds[WORKER_WAIT_FDS];
		unsigned n;

		for (i = 0; i < cfg.n_ports; i++)
			names[i] = port_iface(cfg.ports[i].device, ifn[i], sizeof(ifn[i])) == 0
					   ? ifn[i]
					   : NULL;
		n = port_wait_fds(names, cfg.n_ports, fds, WORKER_WAIT_FDS);
		for (i = 0; i < dp->n_workers; i++)
			worker_set_wait_fds(dp->workers[i], fds, n);
		if (n == 0)
			LOG_I("idle workers back off in sleeps: the ports have no kernel sockets to "
			      "wait on");
	}
	if (ctl_init(dp, &cfg, &cerr) < 0) {
		cfg_error_fmt(&cerr, msg, sizeof(msg));
		fprintf(stderr, "sluiced: %s\n", msg);
		goto eal;
	}
	if (tel_register() == 0)
		LOG_I("telemetry: dpdk-telemetry.py -f %s, then /sluice/stats", ports.file_prefix);
	if (launch_workers(dp) < 0) {
		fprintf(stderr, "sluiced: cannot start %u workers\n", dp->n_workers);
		goto workers;
	}
	api = api_start(cfg.socket, cfg.listen, &auth);
	explicit_bzero(&auth, sizeof(auth));
	if (api == NULL) {
		fprintf(stderr, "sluiced: cannot serve the API on %s%s%s: %s\n", cfg.socket,
			cfg.listen[0] ? " and " : "", cfg.listen, strerror(errno));
		goto workers;
	}
	LOG_I("ready: %u workers, %u ports, %u services, API on %s%s%s", dp->n_workers,
	      dp->n_ports, cfg.n_services, cfg.socket, cfg.listen[0] ? " and " : "", cfg.listen);
	snprintf(g_socket_path, sizeof(g_socket_path), "%s", cfg.socket);
	/* The ports are up, the config applied, the API answers: only now is the node ready. */
	sdn_notify("READY=1\nSTATUS=ready: %u workers, %u ports, %u services, API on %s%s%s",
		   dp->n_workers, dp->n_ports, cfg.n_services, cfg.socket,
		   cfg.listen[0] ? " and " : "", cfg.listen);
	while (!g_stop) {
		uint64_t now = clock_mono_ms();

		/* From this loop, so a control thread that hangs is what the watchdog sees. */
		if (watchdog_ms != 0 && now - watchdog_sent >= watchdog_ms) {
			sdn_notify("WATCHDOG=1");
			watchdog_sent = now;
		}

		if (g_reload) {
			g_reload = 0;
			reload(path, &cfg, api);
		}
		busy = ctl_tick(now) ? now : busy;
		if (now - api_ticked >= 1000) {
			api_tick(api);
			api_ticked = now;
		}
		/*
		 * Every 2 ms while the workers tell it things (neighbours learned or missed),
		 * every CTL_IDLE_TICK_MS once they have been quiet for a second: an idle node
		 * wakes 100 times a second, not 500; the API has its own thread.
		 */
		usleep(now - busy < 1000 ? 2000 : CTL_IDLE_TICK_MS * 1000);
	}
	LOG_I("stopping on %s", sig_name(g_stop));
	sdn_notify("STOPPING=1\nSTATUS=stopping on %s", sig_name(g_stop));
	if (ctl_withdraw_all() > 0) {
		uint64_t until = clock_mono_ms() + STOP_GRACE_MS;

		/*
		 * The routing daemon tells its peers over BGP, that is through the kernel twins
		 * and worker 0: keep both running a moment, so routers hear it now rather than
		 * at their hold timer, and stop sending before the workers do.
		 */
		LOG_I("VIPs withdrawn; stopping in %u ms", STOP_GRACE_MS);
		while (clock_mono_ms() < until) {
			ctl_tick(clock_mono_ms());
			usleep(2000);
		}
	}
	rc = 0;
	g_socket_path[0] = '\0';
	api_stop(api);
workers:
	stop_workers(dp);
	tel_stop();
	ctl_fini();
eal:
	if (twins_up)
		port_close_all(&ports, twins);
	if (ports_up)
		port_close_all(&ports, ids);
	dp_free(dp);
	if (cfg.capture)
		rte_pdump_uninit();
	rte_eal_cleanup();
	if (rc == 0)
		LOG_I("stopped on %s", sig_name(g_stop)); /* the last line of every clean stop */
out:
	for (i = 0; i < SL_MAX_PORTS; i++)
		if (lock_fds[i] >= 0)
			close(lock_fds[i]); /* last: the ports are closed */
	cfg_free(&cfg);
	sdn_close();
	return rc;
}
