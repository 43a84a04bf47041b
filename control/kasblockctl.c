/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kasblockctl: ask a running kasblock for its counters, signatures,
 * clients and policy, or make it reload, through its DPDK telemetry socket
 * (docs/metrics.md, "kasblockctl").
 *
 *   kasblockctl [-f PREFIX | -s SOCKET] [--json] COMMAND
 *
 * The socket is /var/run/dpdk/<prefix>/dpdk_telemetry.v2 (as root; else
 * $XDG_RUNTIME_DIR or /tmp instead of /var/run), SOCK_SEQPACKET: kasblock
 * sends a JSON greeting with max_output_len, then answers each command
 * "/kasblock/x[,params]" with one message {"/kasblock/x": VALUE}. VALUE is
 * null when the command is unknown (telemetry.enabled = false, or not a
 * kasblock) or failed.
 *
 * Replies are parsed with control/ctl_json.c (bounded, fuzzed).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_json.h"

#ifndef KB_VERSION
#define KB_VERSION "unknown"
#endif

enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,   /* kasblock answered: the operation failed (reload) */
	EXIT_USAGE = 2,
	EXIT_CONNECT = 3,  /* no socket, refused, no permission */
	EXIT_REPLY = 4,    /* no answer, a null answer or one that is not JSON */
};

#define DEFAULT_PREFIX "kasblock"
#define SOCKET_NAME "dpdk_telemetry.v2"
#define REPLY_MAX (1u << 20)
#define TIMEOUT_S 10
#define RELOAD_TIMEOUT_S 75 /* kasblock waits up to 60 s for the reload */
#define CLIENTS_PAGE 20u    /* CTL_TEL_CLIENTS_PAGE */

/* ---- JSON ------------------------------------------------------------------ */

/* The raw text of node x. */
static void jprint_raw(FILE *f, const struct ctl_json *j, int x)
{
	fwrite(j->s + j->nodes[x].beg, 1, j->nodes[x].end - j->nodes[x].beg, f);
}

/* ---- the socket --------------------------------------------------------------- */

struct conn {
	int fd;
	char *buf;
	size_t cap;
	struct ctl_json reply;
	int value;         /* the command's value in reply, or -1 */
};

static int socket_path(const char *prefix, char *out, size_t cap)
{
	const char *dir = getenv("RUNTIME_DIRECTORY");
	char base[512];

	if (dir == NULL || dir[0] == '\0') {
		if (getuid() == 0) {
			dir = "/var/run";
		} else {
			dir = getenv("XDG_RUNTIME_DIR");
			if (dir == NULL || dir[0] == '\0')
				dir = "/tmp";
		}
	}
	snprintf(base, sizeof(base), "%s/dpdk/%s", dir, prefix);
	int n = snprintf(out, cap, "%s/%s", base, SOCKET_NAME);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int set_timeout(int fd, int seconds)
{
	struct timeval tv = {.tv_sec = seconds};

	return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* One message into c->buf (NUL-terminated); its length or -errno. */
static ssize_t recv_msg(struct conn *c)
{
	ssize_t n = recv(c->fd, c->buf, c->cap - 1, MSG_TRUNC);

	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	if ((size_t)n >= c->cap - 1)
		return -EMSGSIZE;
	c->buf[n] = '\0';
	return n;
}

static int conn_open(struct conn *c, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct ctl_json hello;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->value = -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "kasblockctl: %s: path too long\n", path);
		return EXIT_CONNECT;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "kasblockctl: cannot connect to %s: %s (is kasblock running with "
				"this --file-prefix, and telemetry on?)\n", path, strerror(errno));
		return EXIT_CONNECT;
	}
	set_timeout(c->fd, TIMEOUT_S);
	c->cap = 4096;
	c->buf = malloc(c->cap);
	if (c->buf == NULL)
		return EXIT_REPLY;
	ssize_t n = recv_msg(c);
	if (n < 0 || ctl_json_parse(&hello, c->buf, (size_t)n) != 0) {
		fprintf(stderr, "kasblockctl: %s: no telemetry greeting: %s\n", path,
			n < 0 ? strerror((int)-n) : "not JSON");
		if (n >= 0)
			ctl_json_free(&hello);
		return n == -ECONNRESET ? EXIT_CONNECT : EXIT_REPLY;
	}
	uint64_t max = ctl_json_num(&hello, 0, "max_output_len");
	ctl_json_free(&hello);
	if (max == 0 || max > REPLY_MAX)
		max = REPLY_MAX;
	free(c->buf);
	/* Room for the command echoed as the key, and one byte to see truncation. */
	c->cap = (size_t)max + 1024;
	c->buf = malloc(c->cap);
	return c->buf != NULL ? EXIT_OK : EXIT_REPLY;
}

static void conn_close(struct conn *c)
{
	ctl_json_free(&c->reply);
	free(c->buf);
	if (c->fd >= 0)
		close(c->fd);
}

/* Sends "cmd[,params]" and parses the answer; c->value is its value. */
static int query(struct conn *c, const char *cmd, const char *params, int timeout)
{
	char msg[256];
	int n = params != NULL ? snprintf(msg, sizeof(msg), "%s,%s", cmd, params) :
				 snprintf(msg, sizeof(msg), "%s", cmd);

	if (n < 0 || (size_t)n >= sizeof(msg))
		return EXIT_USAGE;
	ctl_json_free(&c->reply);
	c->value = -1;
	set_timeout(c->fd, timeout);
	if (send(c->fd, msg, (size_t)n, 0) != n) {
		fprintf(stderr, "kasblockctl: send: %s\n", strerror(errno));
		return EXIT_CONNECT;
	}
	ssize_t got = recv_msg(c);
	if (got < 0) {
		fprintf(stderr, "kasblockctl: %s: %s\n", cmd, got == -EAGAIN ?
			"no answer in time" : strerror((int)-got));
		return EXIT_REPLY;
	}
	if (ctl_json_parse(&c->reply, c->buf, (size_t)got) != 0) {
		fprintf(stderr, "kasblockctl: %s: the answer is not JSON\n", cmd);
		return EXIT_REPLY;
	}
	c->value = ctl_json_get(&c->reply, 0, cmd);
	if (c->value < 0 || c->reply.nodes[c->value].type != CTL_J_OBJ) {
		fprintf(stderr, "kasblockctl: %s: no answer (not a kasblock, telemetry.enabled = "
				"false, or bad parameters)\n", cmd);
		return EXIT_REPLY;
	}
	return EXIT_OK;
}

/* ---- output ----------------------------------------------------------------- */

static void print_counters(const struct ctl_json *j, int obj)
{
	for (int c = j->nodes[obj].first; c >= 0; c = j->nodes[c].next) {
		const struct ctl_jnode *x = &j->nodes[c];
		if (x->type == CTL_J_NUM) {
			printf("  %-44s %" PRIu64 "\n", x->key, x->num);
		} else if (x->type == CTL_J_OBJ) {
			/* Labelled: only what happened. */
			for (int e = x->first; e >= 0; e = j->nodes[e].next) {
				char name[160];
				if (j->nodes[e].type != CTL_J_NUM || j->nodes[e].num == 0)
					continue;
				snprintf(name, sizeof(name), "%s{%s}", x->key, j->nodes[e].key);
				printf("  %-44s %" PRIu64 "\n", name, j->nodes[e].num);
			}
		}
	}
}

/* One column of a table of dicts: a member of each row. */
struct col {
	const char *head;
	const char *key;
	int width;  /* negative: left-aligned */
	bool str;   /* a string, else a number */
};

static const struct col port_cols[] = {
	{"NAME", "name", -20, true},
	{"PEER", "peer", -4, false},
	{"RX", "port_rx_packets_total", 12, false},
	{"TX", "port_tx_packets_total", 12, false},
	{"RX-MISSED", "port_rx_missed_total", 10, false},
	{"RX-ERR", "port_rx_errors_total", 10, false},
	{"TX-ERR", "port_tx_errors_total", 10, false},
	{"POLLED", "port_packets_polled_total", 12, false},
	{"SENT", "port_packets_sent_total", 12, false},
	{"REFUSED", "port_packets_refused_total", 10, false},
};

static const struct col worker_cols[] = {
	{"LCORE", "lcore", -5, false},
	{"PACKETS", "worker_packets_total", 14, false},
	{"FLOWS", "worker_flows", 10, false},
	{"BLOCKED", "worker_flows_blocked_total", 10, false},
	{"MONITORED", "worker_flows_monitored_total", 10, false},
	{"EV-DROPPED", "worker_events_dropped_total", 12, false},
};

/* The dicts in obj as rows: their key first, then the columns. */
static void print_rows(const struct ctl_json *j, int obj, const char *first,
		       const struct col *cols, size_t n)
{
	printf("%-6s", first);
	for (size_t i = 0; i < n; i++)
		printf(" %*s", cols[i].width, cols[i].head);
	printf("\n");
	for (int r = j->nodes[obj].first; r >= 0; r = j->nodes[r].next) {
		if (j->nodes[r].type != CTL_J_OBJ)
			continue;
		printf("%-6s", j->nodes[r].key);
		for (size_t i = 0; i < n; i++) {
			if (cols[i].str)
				printf(" %*s", cols[i].width, ctl_json_str(j, r, cols[i].key));
			else
				printf(" %*" PRIu64, cols[i].width,
				       ctl_json_num(j, r, cols[i].key));
		}
		printf("\n");
	}
}

static int cmd_stats(struct conn *c, bool json)
{
	static const char *const cmds[3] = {"/kasblock/stats", "/kasblock/ports",
					    "/kasblock/workers"};
	int rc;

	if (json)
		printf("{");
	for (unsigned k = 0; k < 3; k++) {
		if ((rc = query(c, cmds[k], NULL, TIMEOUT_S)) != EXIT_OK)
			return rc;
		const struct ctl_json *j = &c->reply;
		int v = c->value;
		if (json) {
			printf("%s\"%s\":", k ? "," : "", cmds[k] + strlen("/kasblock/"));
			jprint_raw(stdout, j, v);
			continue;
		}
		if (k == 0) {
			printf("kasblock %s: %" PRIu64 " worker(s), signature set generation %"
			       PRIu64 ", %" PRIu64 " block and %" PRIu64 " allow rules\n",
			       ctl_json_str(j, v, "version"), ctl_json_num(j, v, "workers"),
			       ctl_json_num(j, v, "signature_set_generation"),
			       ctl_json_num(j, ctl_json_get(j, v, "signatures"), "block"),
			       ctl_json_num(j, ctl_json_get(j, v, "signatures"), "allow"));
			printf("counters (kasblock_<name> in Prometheus; "
			       "labelled ones when not 0):\n");
			print_counters(j, v);
		} else {
			printf("\n");
			if (k == 1)
				print_rows(j, v, "PORT", port_cols,
					   sizeof(port_cols) / sizeof(port_cols[0]));
			else
				print_rows(j, v, "WORKER", worker_cols,
					   sizeof(worker_cols) / sizeof(worker_cols[0]));
		}
	}
	if (json)
		printf("}\n");
	return EXIT_OK;
}

static int cmd_signatures(struct conn *c, bool json)
{
	int rc = query(c, "/kasblock/signatures", NULL, TIMEOUT_S);

	if (rc != EXIT_OK)
		return rc;
	const struct ctl_json *j = &c->reply;
	int v = c->value;
	if (json) {
		jprint_raw(stdout, j, v);
		printf("\n");
		return EXIT_OK;
	}
	int blk = ctl_json_get(j, v, "signature_flows_blocked_total");
	int mon = ctl_json_get(j, v, "signature_flows_monitored_total");
	int cat = ctl_json_get(j, v, "signature_category");
	printf("signature set generation %" PRIu64 " (%s): %" PRIu64 " rules, %" PRIu64
	       " decided a flow, top %" PRIu64 " listed\n",
	       ctl_json_num(j, v, "signature_set_generation"),
	       ctl_json_str(j, v, "pack_version"), ctl_json_num(j, v, "signatures"),
	       ctl_json_num(j, v, "signatures_counted"), ctl_json_num(j, v, "listed"));
	printf("%-12s %-14s %12s %12s\n", "SIGNATURE", "CATEGORY", "BLOCKED", "MONITORED");
	for (int e = blk >= 0 ? j->nodes[blk].first : -1; e >= 0; e = j->nodes[e].next) {
		const char *id = j->nodes[e].key;
		printf("%-12s %-14s %12" PRIu64 " %12" PRIu64 "\n", id,
		       strcmp(id, "other") == 0 ? "-" : ctl_json_str(j, cat, id), j->nodes[e].num,
		       ctl_json_num(j, mon, id));
	}
	return EXIT_OK;
}

static int cmd_reload(struct conn *c, bool json)
{
	int rc = query(c, "/kasblock/reload", NULL, RELOAD_TIMEOUT_S);

	if (rc != EXIT_OK)
		return rc;
	const struct ctl_json *j = &c->reply;
	int v = c->value;
	bool ok = strcmp(ctl_json_str(j, v, "result"), "ok") == 0;
	if (json) {
		jprint_raw(stdout, j, v);
		printf("\n");
		return ok ? EXIT_OK : EXIT_FAILED;
	}
	if (ok) {
		printf("reload ok: generation %" PRIu64 ", %" PRIu64 " signatures (%" PRIu64
		       " block, %" PRIu64 " allow), %s, %.1f ms\n",
		       ctl_json_num(j, v, "signature_set_generation"),
		       ctl_json_num(j, v, "signatures"), ctl_json_num(j, v, "signatures_block"),
		       ctl_json_num(j, v, "signatures_allow"),
		       ctl_json_str(j, v, "pack_version"),
		       (double)ctl_json_num(j, v, "reload_last_duration_ns") / 1e6);
		return EXIT_OK;
	}
	/* A long message also comes in pieces: join them. */
	int parts = ctl_json_get(j, v, "error_parts");
	printf("reload failed: ");
	if (parts >= 0 && j->nodes[parts].type == CTL_J_ARR) {
		for (int p = j->nodes[parts].first; p >= 0; p = j->nodes[p].next)
			if (j->nodes[p].type == CTL_J_STR)
				fputs(j->nodes[p].str, stdout);
	} else {
		fputs(ctl_json_str(j, v, "error"), stdout);
	}
	printf("\nrunning set kept: generation %" PRIu64 ", %" PRIu64 " signatures\n",
	       ctl_json_num(j, v, "signature_set_generation"), ctl_json_num(j, v, "signatures"));
	return EXIT_FAILED;
}

static int cmd_clients(struct conn *c, bool json, unsigned long limit)
{
	unsigned long off = 0, shown = 0;
	char param[32];
	int rc;

	if (json)
		printf("{\"clients\":[");
	else
		printf("%-39s %10s %10s %-20s %-20s %-13s %s\n", "CLIENT", "BLOCKED", "MONITORED",
		       "FIRST SEEN", "LAST SEEN", "LAST CATEGORY", "LAST NAME");
	uint64_t total = 0, cap = 0;
	for (;;) {
		snprintf(param, sizeof(param), "%lu", off);
		if ((rc = query(c, "/kasblock/clients", param, TIMEOUT_S)) != EXIT_OK)
			return rc;
		const struct ctl_json *j = &c->reply;
		int v = c->value;
		uint64_t count = ctl_json_num(j, v, "count");
		total = ctl_json_num(j, v, "inventory_clients");
		cap = ctl_json_num(j, v, "inventory_capacity");
		for (int e = j->nodes[v].first; e >= 0 && shown < limit; e = j->nodes[e].next) {
			if (j->nodes[e].type != CTL_J_OBJ)
				continue;
			if (json) {
				printf("%s", shown ? "," : "");
				jprint_raw(stdout, j, e);
			} else {
				printf("%-39s %10" PRIu64 " %10" PRIu64 " %-20s %-20s %-13s %s\n",
				       ctl_json_str(j, e, "address"), ctl_json_num(j, e, "blocked"),
				       ctl_json_num(j, e, "monitored"),
				       ctl_json_str(j, e, "first_seen"),
				       ctl_json_str(j, e, "last_seen"),
				       ctl_json_str(j, e, "last_category"),
				       ctl_json_str(j, e, "last_name"));
			}
			shown++;
		}
		off += count;
		if (count < CLIENTS_PAGE || shown >= limit || off >= total)
			break;
	}
	if (json)
		printf("],\"inventory_clients\":%" PRIu64 ",\"inventory_capacity\":%" PRIu64 "}\n",
		       total, cap);
	else
		printf("%lu of %" PRIu64 " clients shown (inventory capacity %" PRIu64 ")\n", shown,
		       total, cap);
	return EXIT_OK;
}

static int cmd_policy(struct conn *c, bool json)
{
	int rc = query(c, "/kasblock/policy", NULL, TIMEOUT_S);

	if (rc != EXIT_OK)
		return rc;
	const struct ctl_json *j = &c->reply;
	int v = c->value;
	if (json) {
		jprint_raw(stdout, j, v);
		printf("\n");
		return EXIT_OK;
	}
	const char *next = ctl_json_str(j, v, "next_change");
	printf("mode %s, fail policy %s, conflicts %s, without signatures %s\n",
	       ctl_json_str(j, v, "mode"), ctl_json_str(j, v, "fail_policy"),
	       ctl_json_str(j, v, "conflict_policy"), ctl_json_str(j, v, "no_signatures"));
	printf("exempt clients %" PRIu64 " (action %s), allowed names %" PRIu64 "\n",
	       ctl_json_num(j, v, "exempt_clients"), ctl_json_str(j, v, "exempt_action"),
	       ctl_json_num(j, v, "allow"));
	printf("evaluated at %s, next change %s\n", ctl_json_str(j, v, "evaluated_at"),
	       next[0] != '\0' ? next : "none");
	printf("%-14s %-8s %-9s %-21s %-20s\n", "CATEGORY", "ACTION", "APPLIED", "WHY",
	       "ENFORCE FROM");
	for (int e = j->nodes[v].first; e >= 0; e = j->nodes[e].next) {
		if (j->nodes[e].type != CTL_J_OBJ)
			continue;
		const char *from = ctl_json_str(j, e, "enforce_from");
		printf("%-14s %-8s %-9s %-21s %-20s\n", j->nodes[e].key,
		       ctl_json_str(j, e, "action"), ctl_json_str(j, e, "effective"),
		       ctl_json_str(j, e, "why"), from[0] != '\0' ? from : "-");
	}
	return EXIT_OK;
}

static int cmd_query(struct conn *c, const char *what)
{
	char cmd[128];
	const char *comma = strchr(what, ',');
	size_t n = comma != NULL ? (size_t)(comma - what) : strlen(what);

	if (n >= sizeof(cmd))
		return EXIT_USAGE;
	memcpy(cmd, what, n);
	cmd[n] = '\0';
	int rc = query(c, cmd, comma != NULL ? comma + 1 : NULL, TIMEOUT_S);
	if (rc != EXIT_OK)
		return rc;
	jprint_raw(stdout, &c->reply, c->value);
	printf("\n");
	return EXIT_OK;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kasblockctl [-f PREFIX | -s SOCKET] [--json] COMMAND\n"
		"commands:\n"
		"  stats               every counter, ports and workers\n"
		"  signatures          top signatures by flows blocked and monitored\n"
		"  reload              reload configuration and signatures; prints the result\n"
		"  clients [--limit N] the remediation inventory, most recently seen first\n"
		"  policy              the policy applied now, per category\n"
		"  query /kasblock/CMD[,PARAMS]  one telemetry command, JSON out\n"
		"options:\n"
		"  -f, --file-prefix P  EAL --file-prefix of the kasblock to ask (default %s)\n"
		"  -s, --socket PATH    the telemetry socket itself\n"
		"  -j, --json           print the JSON kasblock answered instead of tables\n"
		"  -V, --version        print the version\n"
		"exit: 0 ok, 1 the operation failed (reload), 2 usage, 3 cannot connect,\n"
		"      4 no or bad answer\n", DEFAULT_PREFIX);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"file-prefix", required_argument, NULL, 'f'},
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"limit", required_argument, NULL, 'n'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *prefix = DEFAULT_PREFIX, *sock = NULL;
	bool json = false;
	unsigned long limit = ~0ul;
	char path[600], *end;
	int o;

	while ((o = getopt_long(argc, argv, "f:s:jn:Vh", lo, NULL)) != -1) {
		switch (o) {
		case 'f': prefix = optarg; break;
		case 's': sock = optarg; break;
		case 'j': json = true; break;
		case 'n':
			errno = 0;
			limit = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || optarg[0] == '-' || limit == 0) {
				fprintf(stderr, "kasblockctl: --limit wants a positive number\n");
				return EXIT_USAGE;
			}
			break;
		case 'V': printf("kasblockctl %s\n", KB_VERSION); return EXIT_OK;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *what = argv[optind];
	const char *arg = optind + 1 < argc ? argv[optind + 1] : NULL;
	bool takes_arg = strcmp(what, "query") == 0;
	if ((takes_arg && (arg == NULL || optind + 2 != argc || arg[0] != '/')) ||
	    (!takes_arg && optind + 1 != argc)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(what, "stats") != 0 && strcmp(what, "signatures") != 0 &&
	    strcmp(what, "reload") != 0 && strcmp(what, "clients") != 0 &&
	    strcmp(what, "policy") != 0 && !takes_arg) {
		fprintf(stderr, "kasblockctl: unknown command '%s'\n", what);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (sock == NULL) {
		if (strchr(prefix, '/') != NULL || socket_path(prefix, path, sizeof(path)) != 0) {
			fprintf(stderr, "kasblockctl: bad file prefix '%s'\n", prefix);
			return EXIT_USAGE;
		}
		sock = path;
	}

	struct conn c;
	int rc = conn_open(&c, sock);
	if (rc == EXIT_OK) {
		if (strcmp(what, "stats") == 0)
			rc = cmd_stats(&c, json);
		else if (strcmp(what, "signatures") == 0)
			rc = cmd_signatures(&c, json);
		else if (strcmp(what, "reload") == 0)
			rc = cmd_reload(&c, json);
		else if (strcmp(what, "clients") == 0)
			rc = cmd_clients(&c, json, limit);
		else if (strcmp(what, "policy") == 0)
			rc = cmd_policy(&c, json);
		else
			rc = cmd_query(&c, arg);
	}
	conn_close(&c);
	if (fflush(stdout) != 0 && rc == EXIT_OK)
		rc = EXIT_FAILED;
	return rc;
}
