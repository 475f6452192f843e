/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sluicectl: the operator's command line. It speaks only the REST API (docs/api.md), over
 * the daemon's unix socket by default, so everything it does can be done with curl too.
 * Exit status: 0 done, 1 the daemon refused or could not be reached, 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cli/cli_http.h"
#include "cli/kad.h"
#include "cli/table.h"
#include "config/config.h"

#define DEFAULT_SOCKET "/run/sluice/sluiced.sock"

/* Options; each command accepts the ones in its mask (and -s, --json everywhere). */
enum {
	O_MODE = 1 << 0, O_SCHED = 1 << 1, O_PERSIST = 1 << 2, O_WEIGHT = 1 << 3,
	O_STATS = 1 << 4, O_RATE = 1 << 5, O_EXACT = 1 << 6, O_ALL = 1 << 7, O_LIMIT = 1 << 8,
	O_MAXCONN = 1 << 9, O_INHIBIT = 1 << 10, O_UNINHIBIT = 1 << 11, O_TUNNEL = 1 << 12,
	O_TUNSRC = 1 << 13, O_SYNPROXY = 1 << 14, O_SYNRATE = 1 << 15, O_SRCRATE = 1 << 16,
	O_ALLOW = 1 << 17, O_DENY = 1 << 18, O_CLIADDR = 1 << 19, O_DATAPLANE = 1 << 20,
};

/* The defense options, which service add, service set and defense set take. */
#define O_DEFENSE (O_SYNPROXY | O_SYNRATE | O_SRCRATE | O_ALLOW | O_DENY)

struct opts {
	const char *socket;
	const char *token_file;
	bool json;
	unsigned given; /* O_* seen on the command line */
	const char *mode;
	const char *sched;
	const char *persistence;
	const char *tunnel;        /* "ipip", "gue" or "gue:PORT" */
	const char *tunnel_source;
	const char *client_address; /* none, toa, proxy-v1, proxy-v2 */
	const char *dataplane; /* import: the sluice config whose sections frame the services */
	long long weight;
	long long limit;
	long long max_conns;
	const char *synproxy;    /* "on" or "off" */
	long long syn_rate;
	long long source_rate;
	const char *allow;       /* prefixes, comma-separated; "" or "none": no list */
	const char *deny;
};

static const char usage_text[] =
	"usage: sluicectl [-s SOCKET] [--token-file FILE] [--json] COMMAND ...\n"
	"\n"
	"  service add VIP [--mode fullnat|dr|tun|nat] [--scheduler rr|wrr|lc|wlc|sh|maglev]\n"
	"                  [--persistence SECONDS]  source-IP affinity, e.g. 300 or 5m; 0 = off\n"
	"                  [--tunnel ipip|gue[:PORT]] [--tunnel-source ADDR]   mode tun's wrapping\n"
	"                  [--client-address none|toa|proxy-v1|proxy-v2]   how a fullnat\n"
	"                  backend learns its client (UDP: proxy-v2 or none)\n"
	"  service set VIP [--scheduler S] [--persistence SECONDS] [--client-address A] [DEFENSE]\n"
	"                                           change a service in place (PATCH)\n"
	"  service del VIP\n"
	"  backend add VIP ADDR [--weight N] [--max-conns N]\n"
	"  backend set VIP ADDR [--weight N] [--max-conns N] [--inhibit | --no-inhibit]\n"
	"                                           weight 0 = drain: no new conns; max-conns\n"
	"                                           0 = no limit; inhibit: no new conns\n"
	"  backend del VIP ADDR\n"
	"  list [--stats | --rate] [--exact]        services and backends (ipvsadm -Ln)\n"
	"  conns [VIP] [--limit N]                  connections (ipvsadm -Lnc); 0 = no limit\n"
	"  stats [--all]                            node counters, workers, ports, drops\n"
	"  defense                                  the node's defenses and what they dropped\n"
	"  defense set [DEFENSE]                    change the node's (dataplane.defense)\n"
	"  config show                              the running configuration (JSON)\n"
	"  config apply FILE                        validate a YAML file here, then apply it\n"
	"  import keepalived FILE [--dataplane SLUICE.yaml]\n"
	"                                           keepalived's virtual_servers as sluice\n"
	"                                           YAML on stdout; what is left out on stderr\n"
	"\n"
	"  DEFENSE: [--syn-rate N] [--source-rate N]   new conns a second, node-wide (0 = no\n"
	"           limit): to the service, from one client address\n"
	"           [--allow LIST] [--deny LIST]     prefixes, comma-separated (none = no list);\n"
	"           with an allow list every other source is refused; deny wins\n"
	"           [--synproxy on|off]\n"
	"  VIP is a.b.c.d:port/tcp or /udp, ADDR is a.b.c.d:port.\n"
	"  -s SOCKET     the daemon's unix socket; default $SLUICE_SOCKET, else\n"
	"                " DEFAULT_SOCKET "; an http://HOST:PORT URL talks to\n"
	"                the daemon's TCP listener (control.listen) instead\n"
	"  --token-file FILE  the TCP listener's bearer token (control.token_file);\n"
	"                default $SLUICE_TOKEN_FILE; the unix socket needs none\n"
	"  --json        print the API's JSON answer instead of a table\n";

static void __attribute__((noreturn))
usage_error(const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		fputs("sluicectl: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputs("\n\n", stderr);
	}
	fputs(usage_text, stderr);
	exit(EXIT_USAGE);
}

/* Do a request and return its JSON (NULL for 204); exits on any failure. */
static json_t *
call(const struct opts *o, const char *method, const char *path, const json_t *body)
{
	return cli_call(o->socket, method, path, body);
}

/* Print the answer when --json asked for it; always consume it. */
static int
done(const struct opts *o, json_t *j)
{
	if (o->json)
		cli_print_json(j);
	json_decref(j);
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Commands */

/* Seconds go as a number; "5m" and the like go as a string for the daemon to read. */
static json_t *
duration_json(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (s[0] != '\0' && *end == '\0' && errno == 0)
		return json_integer(v);
	return json_string(s);
}

static long long parse_number(const char *opt, const char *s);

/* --tunnel ipip | gue | gue:PORT as the API's `tunnel`: a name, or {type, port}. */
static json_t *
tunnel_json(const char *t)
{
	const char *colon = strchr(t, ':');
	char type[16];

	if (colon == NULL)
		return json_string(t);
	snprintf(type, sizeof(type), "%.*s", (int)(colon - t), t);
	return json_pack("{s:s,s:I}", "type", type, "port",
			 (json_int_t)parse_number("--tunnel", colon + 1));
}

/* --allow / --deny LIST as a JSON list of prefixes; "" or "none" is the empty list. */
static json_t *
prefix_list_json(const char *list)
{
	json_t *arr = json_array();
	char *copy = strdup(list), *save = NULL, *p;

	if (arr == NULL || copy == NULL) {
		free(copy);
		json_decref(arr);
		return NULL;
	}
	if (strcmp(list, "none") != 0)
		for (p = strtok_r(copy, ", ", &save); p != NULL; p = strtok_r(NULL, ", ", &save))
			json_array_append_new(arr, json_string(p));
	free(copy);
	return arr;
}

/* The defense options given, as a `defense` object; NULL when none was given. */
static json_t *
defense_json(const struct opts *o)
{
	json_t *d;

	if (!(o->given & O_DEFENSE))
		return NULL;
	d = json_object();
	if (d == NULL)
		return NULL;
	if (o->given & O_SYNPROXY) {
		if (strcmp(o->synproxy, "on") != 0 && strcmp(o->synproxy, "off") != 0)
			usage_error("--synproxy takes on or off, not '%s'", o->synproxy);
		json_object_set_new(d, "synproxy", json_boolean(strcmp(o->synproxy, "on") == 0));
	}
	if (o->given & O_SYNRATE)
		json_object_set_new(d, "syn_rate", json_integer(o->syn_rate));
	if (o->given & O_SRCRATE)
		json_object_set_new(d, "source_rate", json_integer(o->source_rate));
	if (o->given & O_ALLOW)
		json_object_set_new(d, "allow", prefix_list_json(o->allow));
	if (o->given & O_DENY)
		json_object_set_new(d, "deny", prefix_list_json(o->deny));
	return d;
}

static int
cmd_service_add(const struct opts *o, char **argv)
{
	json_t *body = json_pack("{s:s, s:[]}", "vip", argv[0], "backends");
	json_t *j;

	if (body == NULL)
		return -ENOMEM;
	if (o->given & O_MODE)
		json_object_set_new(body, "mode", json_string(o->mode));
	if (o->given & O_SCHED)
		json_object_set_new(body, "scheduler", json_string(o->sched));
	if (o->given & O_PERSIST)
		json_object_set_new(body, "persistence", duration_json(o->persistence));
	if (o->given & O_TUNNEL)
		json_object_set_new(body, "tunnel", tunnel_json(o->tunnel));
	if (o->given & O_TUNSRC)
		json_object_set_new(body, "tunnel_source", json_string(o->tunnel_source));
	if (o->given & O_CLIADDR)
		json_object_set_new(body, "client_address", json_string(o->client_address));
	if (o->given & O_DEFENSE)
		json_object_set_new(body, "defense", defense_json(o));
	j = call(o, "POST", "/v1/services", body);
	json_decref(body);
	return done(o, j);
}

/* A service changed in place: only what the options name (PATCH merges it). */
static int
cmd_service_set(const struct opts *o, char **argv)
{
	char *path;
	json_t *body, *j;

	if (!(o->given & (O_SCHED | O_PERSIST | O_CLIADDR | O_DEFENSE)))
		usage_error("service set: say what to set: --scheduler, --persistence, "
			    "--client-address, --syn-rate, --source-rate, --allow, --deny or "
			    "--synproxy");
	body = json_object();
	if (body == NULL)
		return -ENOMEM;
	if (o->given & O_SCHED)
		json_object_set_new(body, "scheduler", json_string(o->sched));
	if (o->given & O_PERSIST)
		json_object_set_new(body, "persistence", duration_json(o->persistence));
	if (o->given & O_CLIADDR)
		json_object_set_new(body, "client_address", json_string(o->client_address));
	if (o->given & O_DEFENSE)
		json_object_set_new(body, "defense", defense_json(o));
	path = cli_path("/v1/services/", argv[0], NULL, NULL);
	j = call(o, "PATCH", path, body);
	json_decref(body);
	free(path);
	return done(o, j);
}

/* The node's defenses: shown, or changed (defense set) and then shown. */
static int
cmd_defense(const struct opts *o, char **argv)
{
	json_t *j;

	(void)argv;
	j = call(o, "GET", "/v1/defense", NULL);
	if (!o->json)
		table_defense(stdout, j);
	return done(o, j);
}

static int
cmd_defense_set(const struct opts *o, char **argv)
{
	json_t *body, *j;

	(void)argv;
	if (!(o->given & O_DEFENSE))
		usage_error("defense set: say what to set: --syn-rate, --source-rate, --allow, "
			    "--deny or --synproxy");
	body = defense_json(o);
	if (body == NULL)
		return -ENOMEM;
	j = call(o, "PATCH", "/v1/defense", body);
	json_decref(body);
	if (!o->json)
		table_defense(stdout, j);
	return done(o, j);
}

static int
cmd_service_del(const struct opts *o, char **argv)
{
	char *path = cli_path("/v1/services/", argv[0], NULL, NULL);
	json_t *j = call(o, "DELETE", path, NULL);

	free(path);
	return done(o, j);
}

/* The backend settings given on the command line, as members of body. */
static void
backend_fields(const struct opts *o, json_t *body)
{
	if (o->given & O_WEIGHT)
		json_object_set_new(body, "weight", json_integer(o->weight));
	if (o->given & O_MAXCONN)
		json_object_set_new(body, "max_conns", json_integer(o->max_conns));
	if (o->given & (O_INHIBIT | O_UNINHIBIT))
		json_object_set_new(body, "inhibited", json_boolean(o->given & O_INHIBIT));
}

static int
cmd_backend_add(const struct opts *o, char **argv)
{
	char *path = cli_path("/v1/services/", argv[0], "/backends", NULL);
	json_t *body = json_pack("{s:s}", "address", argv[1]);
	json_t *j;

	if (body == NULL)
		return -ENOMEM;
	backend_fields(o, body);
	j = call(o, "POST", path, body);
	json_decref(body);
	free(path);
	return done(o, j);
}

static int
cmd_backend_set(const struct opts *o, char **argv)
{
	char *path;
	json_t *body, *j;

	if (!(o->given & (O_WEIGHT | O_MAXCONN | O_INHIBIT | O_UNINHIBIT)))
		usage_error("backend set: say what to set: --weight N, --max-conns N, --inhibit "
			    "or --no-inhibit");
	if ((o->given & O_INHIBIT) && (o->given & O_UNINHIBIT))
		usage_error("backend set: --inhibit and --no-inhibit contradict each other");
	path = cli_path("/v1/services/", argv[0], "/backends/", argv[1]);
	body = json_object();
	if (body == NULL)
		return -ENOMEM;
	backend_fields(o, body);
	j = call(o, "PATCH", path, body);
	json_decref(body);
	free(path);
	return done(o, j);
}

static int
cmd_backend_del(const struct opts *o, char **argv)
{
	char *path = cli_path("/v1/services/", argv[0], "/backends/", argv[1]);
	json_t *j = call(o, "DELETE", path, NULL);

	free(path);
	return done(o, j);
}

static int
cmd_list(const struct opts *o, char **argv)
{
	enum table_view view = TABLE_CONNS;
	json_t *j;

	(void)argv;
	if ((o->given & O_STATS) && (o->given & O_RATE))
		usage_error("list: --stats and --rate exclude each other");
	j = call(o, "GET", "/v1/services", NULL);
	if (!o->json) {
		if (o->given & O_STATS)
			view = TABLE_STATS;
		else if (o->given & O_RATE)
			view = TABLE_RATE;
		table_services(stdout, json_object_get(j, "services"), view,
			       (o->given & O_EXACT) != 0);
	}
	return done(o, j);
}

static int
cmd_conns(const struct opts *o, char **argv)
{
	char lim[24] = "";
	char *path;
	json_t *j;

	if (o->given & O_LIMIT)
		snprintf(lim, sizeof(lim), "%lld", o->limit);
	if (argv[0] != NULL)
		path = cli_path("/v1/conns?service=", argv[0], lim[0] ? "&limit=" : NULL,
			       lim[0] ? lim : NULL);
	else
		path = cli_path("/v1/conns", NULL, lim[0] ? "?limit=" : NULL, lim[0] ? lim : NULL);
	j = call(o, "GET", path, NULL);
	free(path);
	if (!o->json) {
		table_conns(stdout, json_object_get(j, "conns"));
		if (json_is_true(json_object_get(j, "truncated")))
			fprintf(stderr, "sluicectl: only the first %zu conns are shown; "
				"--limit N shows more, --limit 0 all\n",
				json_array_size(json_object_get(j, "conns")));
	}
	return done(o, j);
}

static int
cmd_stats(const struct opts *o, char **argv)
{
	json_t *j = call(o, "GET", "/v1/stats", NULL);

	(void)argv;
	if (!o->json)
		table_stats(stdout, j, (o->given & O_ALL) != 0);
	return done(o, j);
}

static int
cmd_config_show(const struct opts *o, char **argv)
{
	json_t *j = call(o, "GET", "/v1/config", NULL);

	(void)argv;
	cli_print_json(j); /* JSON is the human form too */
	json_decref(j);
	return 0;
}

/*
 * The file is validated here first, so that its errors carry file:line: field like
 * sluiced --check's; the daemon then gets the same document as JSON and validates it again.
 */
static int
cmd_config_apply(const struct opts *o, char **argv)
{
	struct cfg_error err;
	char msg[sizeof(err) + 16];
	struct cfg *c = calloc(1, sizeof(*c));
	json_t *doc, *j;
	int rc;

	if (c == NULL)
		return -ENOMEM;
	memset(&err, 0, sizeof(err));
	rc = cfg_load_file(argv[0], c, &err);
	if (rc < 0) {
		cfg_error_fmt(&err, msg, sizeof(msg));
		fprintf(stderr, "sluicectl: %s\n", msg[0] ? msg : strerror(-rc));
		free(c);
		exit(EXIT_API);
	}
	doc = cfg_to_json(c);
	cfg_free(c);
	free(c);
	if (doc == NULL)
		return -ENOMEM;
	j = call(o, "PUT", "/v1/config", doc);
	json_decref(doc);
	return done(o, j);
}

/* Works on files only: no daemon is asked. */
static int
cmd_import(const struct opts *o, char **argv)
{
	exit(kad_cmd(argv[0], o->dataplane));
}

static const struct command {
	const char *word1;
	const char *word2; /* NULL: a one-word command */
	unsigned min_args;
	unsigned max_args;
	unsigned opts;
	int (*fn)(const struct opts *o, char **argv);
} commands[] = {
	{ "service", "add", 1, 1,
	  O_MODE | O_SCHED | O_PERSIST | O_TUNNEL | O_TUNSRC | O_CLIADDR | O_DEFENSE,
	  cmd_service_add },
	{ "service", "set", 1, 1, O_SCHED | O_PERSIST | O_CLIADDR | O_DEFENSE, cmd_service_set },
	{ "service", "del", 1, 1, 0, cmd_service_del },
	{ "backend", "add", 2, 2, O_WEIGHT | O_MAXCONN, cmd_backend_add },
	{ "backend", "set", 2, 2, O_WEIGHT | O_MAXCONN | O_INHIBIT | O_UNINHIBIT, cmd_backend_set },
	{ "backend", "del", 2, 2, 0, cmd_backend_del },
	{ "list", NULL, 0, 0, O_STATS | O_RATE | O_EXACT, cmd_list },
	{ "defense", "set", 0, 0, O_DEFENSE, cmd_defense_set },
	{ "defense", NULL, 0, 0, 0, cmd_defense },
	{ "conns", NULL, 0, 1, O_LIMIT, cmd_conns },
	{ "stats", NULL, 0, 0, O_ALL, cmd_stats },
	{ "config", "show", 0, 0, 0, cmd_config_show },
	{ "config", "apply", 1, 1, 0, cmd_config_apply },
	{ "import", "keepalived", 1, 1, O_DATAPLANE, cmd_import },
};

/* ---------------------------------------------------------------------------------------- */
/* Argument parsing */

/* "; expected add|del" when word is the first word of two-word commands, else "". */
static const char *
subcommands(const char *word)
{
	static char buf[64];
	size_t i, n = 0;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (commands[i].word2 == NULL || strcmp(commands[i].word1, word) != 0)
			continue;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
				      n ? "|" : "; expected ", commands[i].word2);
		if (n >= sizeof(buf))
			break;
	}
	return n ? buf : "";
}

static long long
parse_number(const char *opt, const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || errno != 0)
		usage_error("%s: '%s' is not a number", opt, s);
	return v;
}

static const char *const opt_names[] = { "--mode", "--scheduler", "--persistence", "--weight",
					 "--stats", "--rate", "--exact", "--all", "--limit",
					 "--max-conns", "--inhibit", "--no-inhibit", "--tunnel",
					 "--tunnel-source", "--synproxy", "--syn-rate",
					 "--source-rate", "--allow", "--deny", "--client-address",
					 "--dataplane" };

static void
parse_options(int argc, char **argv, struct opts *o)
{
	enum { L_JSON = 1 << 24, L_TOKEN }; /* above every O_* */
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, L_JSON },
		{ "token-file", required_argument, NULL, L_TOKEN },
		{ "help", no_argument, NULL, 'h' },
		{ "mode", required_argument, NULL, O_MODE },
		{ "scheduler", required_argument, NULL, O_SCHED },
		{ "persistence", required_argument, NULL, O_PERSIST },
		{ "weight", required_argument, NULL, O_WEIGHT },
		{ "stats", no_argument, NULL, O_STATS },
		{ "rate", no_argument, NULL, O_RATE },
		{ "exact", no_argument, NULL, O_EXACT },
		{ "all", no_argument, NULL, O_ALL },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "max-conns", required_argument, NULL, O_MAXCONN },
		{ "inhibit", no_argument, NULL, O_INHIBIT },
		{ "no-inhibit", no_argument, NULL, O_UNINHIBIT },
		{ "tunnel", required_argument, NULL, O_TUNNEL },
		{ "tunnel-source", required_argument, NULL, O_TUNSRC },
		{ "synproxy", required_argument, NULL, O_SYNPROXY },
		{ "syn-rate", required_argument, NULL, O_SYNRATE },
		{ "source-rate", required_argument, NULL, O_SRCRATE },
		{ "allow", required_argument, NULL, O_ALLOW },
		{ "deny", required_argument, NULL, O_DENY },
		{ "client-address", required_argument, NULL, O_CLIADDR },
		{ "dataplane", required_argument, NULL, O_DATAPLANE },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o->socket = optarg; break;
		case L_JSON: o->json = true; break;
		case L_TOKEN: o->token_file = optarg; break;
		case 'h': fputs(usage_text, stdout); exit(0);
		case O_MODE: o->mode = optarg; break;
		case O_SCHED: o->sched = optarg; break;
		case O_PERSIST: o->persistence = optarg; break;
		case O_TUNNEL: o->tunnel = optarg; break;
		case O_TUNSRC: o->tunnel_source = optarg; break;
		case O_WEIGHT: o->weight = parse_number("--weight", optarg); break;
		case O_LIMIT: o->limit = parse_number("--limit", optarg); break;
		case O_MAXCONN: o->max_conns = parse_number("--max-conns", optarg); break;
		case O_SYNPROXY: o->synproxy = optarg; break;
		case O_SYNRATE: o->syn_rate = parse_number("--syn-rate", optarg); break;
		case O_SRCRATE: o->source_rate = parse_number("--source-rate", optarg); break;
		case O_ALLOW: o->allow = optarg; break;
		case O_DENY: o->deny = optarg; break;
		case O_CLIADDR: o->client_address = optarg; break;
		case O_DATAPLANE: o->dataplane = optarg; break;
		case O_STATS: case O_RATE: case O_EXACT: case O_ALL: break;
		case O_INHIBIT: case O_UNINHIBIT: break;
		case ':': usage_error("%s needs a value", argv[optind - 1]);
		default: usage_error("unknown option %s", argv[optind - 1]);
		}
		if (c != 's' && c != L_JSON && c != L_TOKEN) /* the rest are O_* bits */
			o->given |= (unsigned)c;
	}
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	const struct command *cmd = NULL;
	char **args;
	unsigned nargs, i;
	int rc;

	parse_options(argc, argv, &o);
	if (o.socket == NULL)
		o.socket = getenv("SLUICE_SOCKET");
	if (o.socket == NULL || o.socket[0] == '\0')
		o.socket = DEFAULT_SOCKET;
	if (o.token_file == NULL)
		o.token_file = getenv("SLUICE_TOKEN_FILE");
	if (o.token_file != NULL && o.token_file[0] != '\0' && cli_token_file(o.token_file) < 0)
		return EXIT_USAGE;
	args = argv + optind;
	nargs = (unsigned)(argc - optind);
	if (nargs == 0)
		usage_error(NULL);
	if (strcmp(args[0], "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *k = &commands[i];

		if (strcmp(args[0], k->word1) != 0)
			continue;
		if (k->word2 == NULL || (nargs > 1 && strcmp(args[1], k->word2) == 0)) {
			cmd = k;
			break;
		}
	}
	if (cmd == NULL)
		usage_error("unknown command '%s%s%s'%s", args[0], nargs > 1 ? " " : "",
			    nargs > 1 ? args[1] : "", subcommands(args[0]));
	args += cmd->word2 ? 2 : 1;
	nargs -= cmd->word2 ? 2 : 1;
	if (nargs < cmd->min_args || nargs > cmd->max_args)
		usage_error("%s%s%s: expected %s", cmd->word1, cmd->word2 ? " " : "",
			    cmd->word2 ? cmd->word2 : "",
			    nargs < cmd->min_args ? "more arguments" : "fewer arguments");
	for (i = 0; i < sizeof(opt_names) / sizeof(opt_names[0]); i++)
		if ((o.given & (1u << i)) && !(cmd->opts & (1u << i)))
			usage_error("%s%s%s does not take %s", cmd->word1, cmd->word2 ? " " : "",
				    cmd->word2 ? cmd->word2 : "", opt_names[i]);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "sluicectl: cannot initialise libcurl\n");
		return EXIT_API;
	}
	rc = cmd->fn(&o, args);
	curl_global_cleanup();
	if (rc < 0) {
		fprintf(stderr, "sluicectl: %s\n", strerror(-rc));
		return EXIT_API;
	}
	return 0;
}
