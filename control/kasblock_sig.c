/* kasblock-sig: check, match against and list signature packs.
 *
 *   kasblock-sig check [OPTIONS] PATH...
 *   kasblock-sig match [OPTIONS] PATH... [--] [HOST...]   (no HOST: stdin)
 *   kasblock-sig list  [OPTIONS] PATH...
 *
 * PATH is a pack file or a directory (its *.sig files, in name order).
 * Exit codes: 0 fine; 1 errors in the signature files or the compile;
 * 2 bad usage; 3 (match) some host was not a valid name; 4 I/O or memory
 * failure while matching. docs/signatures.md has the long form.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "hostname.h"
#include "sig.h"

enum {
	EXIT_OK = 0,
	EXIT_SIG_ERRORS = 1,
	EXIT_USAGE = 2,
	EXIT_BAD_HOST = 3,
	EXIT_FAIL = 4,
};

#define MAX_IMPORTS 64

struct opts {
	bool json;
	enum sig_field field;
	struct sig_compile_opts copts;
	const char *paths[1024];
	size_t n_paths;
	const char *hosts[4096];
	size_t n_hosts;
	struct {
		int cat;
		const char *file;
	} imports[MAX_IMPORTS];
	size_t n_imports;
};

static void usage(FILE *f)
{
	fputs("usage: kasblock-sig check [OPTIONS] PATH...\n"
	      "       kasblock-sig match [OPTIONS] PATH... [--] [HOST...]\n"
	      "       kasblock-sig list  [OPTIONS] PATH...\n"
	      "PATH is a pack file or a directory of *.sig files. match reads hosts from\n"
	      "stdin when none are given.\n"
	      "options:\n"
	      "  --json              machine-readable output (match, list: one object a line)\n"
	      "  --field F           match as field F: sni (default), http_host, connect,\n"
	      "                      quic_sni, dns\n"
	      "  --mode CAT=MODE     set category CAT to on, allow or off (repeatable)\n"
	      "  --import CAT=FILE   import a plain or hosts-format name list into CAT\n"
	      "  --engine E          auto (default), hs or hash: where exact/domain rules go\n"
	      "exit: 0 ok, 1 signature errors, 2 usage, 3 invalid host (match), 4 failure\n",
	      f);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- JSON ---- */

static bool utf8_valid(const unsigned char *s)
{
	while (*s) {
		size_t n = *s < 0x80 ? 0 : (*s & 0xe0) == 0xc0 ? 1 : (*s & 0xf0) == 0xe0 ? 2
			   : (*s & 0xf8) == 0xf0 ? 3 : 4;
		if (n == 4)
			return false;
		s++;
		for (size_t i = 0; i < n; i++, s++)
			if ((*s & 0xc0) != 0x80)
				return false;
	}
	return true;
}

static void json_str(FILE *f, const char *s)
{
	bool utf8 = utf8_valid((const unsigned char *)s);

	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f || (*p >= 0x80 && !utf8))
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void json_kv(FILE *f, const char *k, const char *v, bool comma)
{
	if (comma)
		fputc(',', f);
	json_str(f, k);
	fputc(':', f);
	json_str(f, v);
}

/* ---- errors ---- */

struct errlist {
	bool json;
	char **msgs;
	size_t n;
	size_t cap;
};

static void on_error(void *arg, const char *msg)
{
	struct errlist *e = arg;

	if (!e->json) {
		fprintf(stderr, "%s\n", msg);
		return;
	}
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		char **p = realloc(e->msgs, cap * sizeof(*p));
		if (p == NULL)
			return;
		e->msgs = p;
		e->cap = cap;
	}
	e->msgs[e->n] = strdup(msg);
	if (e->msgs[e->n] != NULL)
		e->n++;
}

static void errlist_free(struct errlist *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->msgs[i]);
	free(e->msgs);
}

/* ---- loading ---- */

/* Load every path and import; returns the ruleset (errors counted in REP). */
static struct sig_ruleset *load_all(const struct opts *o, struct sig_report *rep)
{
	struct sig_ruleset *rs = sig_ruleset_new();

	if (rs == NULL) {
		sig_report(rep, NULL, 0, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < o->n_paths; i++)
		sig_load_path(rs, o->paths[i], rep);
	for (size_t i = 0; i < o->n_imports; i++)
		sig_import_file(rs, o->imports[i].file, (enum sig_category)o->imports[i].cat, rep);
	return rs;
}

static void fields_str(uint8_t mask, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = '\0';
	if (mask == SIG_FIELDS_ALL) {
		snprintf(buf, cap, "all");
		return;
	}
	for (int f = 0; f < SIG_FIELD_COUNT; f++) {
		if (!(mask & (1u << f)))
			continue;
		int w = snprintf(buf + n, cap - n, "%s%s", n ? "," : "", sig_field_name(f));
		if (w < 0 || (size_t)w >= cap - n)
			return;
		n += (size_t)w;
	}
}

/* ---- check ---- */

static int cmd_check(const struct opts *o)
{
	struct errlist el = {.json = o->json};
	struct sig_report rep = {.fn = on_error, .arg = &el};
	uint64_t t0 = now_ns();
	struct sig_ruleset *rs = load_all(o, &rep);
	uint64_t t_load = now_ns() - t0;
	struct sigset *set = NULL;
	int rc;

	if (rs != NULL && rep.errors == 0)
		set = sig_compile(rs, &o->copts, &rep);
	rc = set != NULL && rep.errors == 0 ? EXIT_OK : EXIT_SIG_ERRORS;

	if (o->json) {
		printf("{\"ok\":%s,\"errors\":[", rc == EXIT_OK ? "true" : "false");
		for (size_t i = 0; i < el.n; i++) {
			if (i)
				putchar(',');
			json_str(stdout, el.msgs[i]);
		}
		printf("]");
		if (set != NULL) {
			printf(",\"generation\":%llu,\"packs\":[", (unsigned long long)set->gen);
			for (size_t i = 0; i < set->n_packs; i++) {
				const struct sig_pack_meta *m = &set->packs[i];
				printf("%s{", i ? "," : "");
				json_kv(stdout, "name", sig_set_str(set, m->name), false);
				json_kv(stdout, "version", sig_set_str(set, m->version), true);
				json_kv(stdout, "date", sig_set_str(set, m->date), true);
				json_kv(stdout, "file", sig_set_str(set, m->src), true);
				printf("}");
			}
			const struct sig_counts *c = &set->counts;
			printf("],\"rules\":%u,\"block\":%u,\"allow\":%u,\"off\":%u,\"categories\":{",
			       c->total, c->block, c->allow, c->off);
			for (int k = 0; k < SIG_CAT_COUNT; k++)
				printf("%s\"%s\":{\"rules\":%u,\"mode\":\"%s\"}", k ? "," : "",
				       sig_category_name(k), c->by_category[k],
				       sig_mode_name(set->cat_mode[k]));
			printf("},\"kinds\":{\"exact\":%u,\"domain\":%u,\"regex\":%u}",
			       c->by_kind[SIG_KIND_EXACT], c->by_kind[SIG_KIND_DOMAIN],
			       c->by_kind[SIG_KIND_REGEX]);
			printf(",\"engines\":{\"hs_literal\":%u,\"hs_regex\":%u,\"hash\":%u}",
			       c->hs_literal, c->hs_regex, c->hash);
			printf(",\"load_ms\":%.3f,\"compile_ms\":%.3f", t_load / 1e6,
			       set->compile_ns / 1e6);
			printf(",\"bytes\":{\"hs_literal\":%zu,\"hs_regex\":%zu,\"hash\":%zu}",
			       set->lit_db_bytes, set->re_db_bytes, set->hash_bytes);
		}
		printf("}\n");
	} else if (set != NULL) {
		const struct sig_counts *c = &set->counts;
		for (size_t i = 0; i < set->n_packs; i++) {
			const struct sig_pack_meta *m = &set->packs[i];
			printf("pack %s %s (%s) %s\n", sig_set_str(set, m->name),
			       sig_set_str(set, m->version), sig_set_str(set, m->date),
			       sig_set_str(set, m->src));
		}
		printf("signatures: %u (block %u, allow %u), %u off by category mode\n", c->total,
		       c->block, c->allow, c->off);
		printf("%-14s %8s  %s\n", "category", "rules", "mode");
		for (int k = 0; k < SIG_CAT_COUNT; k++)
			printf("%-14s %8u  %s\n", sig_category_name(k), c->by_category[k],
			       sig_mode_name(set->cat_mode[k]));
		printf("kinds: exact %u, domain %u, regex %u\n", c->by_kind[SIG_KIND_EXACT],
		       c->by_kind[SIG_KIND_DOMAIN], c->by_kind[SIG_KIND_REGEX]);
		printf("engines: hyperscan literal %u, hyperscan regex %u, hash %u\n",
		       c->hs_literal, c->hs_regex, c->hash);
		printf("time: load %.1f ms, compile %.1f ms\n", t_load / 1e6,
		       set->compile_ns / 1e6);
		printf("database: hyperscan literal %zu B, hyperscan regex %zu B, hash %zu B\n",
		       set->lit_db_bytes, set->re_db_bytes, set->hash_bytes);
		printf("ok\n");
	} else {
		fprintf(stderr, "%u error%s\n", rep.errors, rep.errors == 1 ? "" : "s");
	}
	sig_set_free(set);
	sig_ruleset_free(rs);
	errlist_free(&el);
	return rc;
}

/* ---- list ---- */

static int cmd_list(const struct opts *o)
{
	struct sig_report rep = {.fn = on_error, .arg = &(struct errlist){.json = false}};
	struct sig_ruleset *rs = load_all(o, &rep);
	char fields[64];

	if (rs == NULL)
		return EXIT_FAIL;
	if (!o->json)
		printf("%-10s %-5s %-6s %-12s %-18s %-6s %-40s %s\n", "id", "act", "kind",
		       "category", "fields", "conf", "pattern", "description");
	for (size_t i = 0; i < rs->n_rules; i++) {
		const struct sig_rule *r = &rs->rules[i];
		fields_str(r->fields, fields, sizeof(fields));
		if (o->json) {
			printf("{\"id\":%u", r->id);
			json_kv(stdout, "action", sig_action_name(r->action), true);
			json_kv(stdout, "kind", sig_kind_name(r->kind), true);
			json_kv(stdout, "pattern", sig_rs_str(rs, r->pattern), true);
			json_kv(stdout, "category", sig_category_name(r->category), true);
			json_kv(stdout, "fields", fields, true);
			json_kv(stdout, "conf", sig_conf_name(r->conf), true);
			json_kv(stdout, "desc", sig_rs_str(rs, r->desc), true);
			json_kv(stdout, "ref", sig_rs_str(rs, r->ref), true);
			printf(",\"source\":\"");
			printf("%s:%u\"}\n", sig_rs_str(rs, r->src), r->line);
		} else {
			printf("%-10u %-5s %-6s %-12s %-18s %-6s %-40s %s\n", r->id,
			       sig_action_name(r->action), sig_kind_name(r->kind),
			       sig_category_name(r->category), fields, sig_conf_name(r->conf),
			       sig_rs_str(rs, r->pattern), sig_rs_str(rs, r->desc));
		}
	}
	int rc = rep.errors ? EXIT_SIG_ERRORS : EXIT_OK;
	sig_ruleset_free(rs);
	return rc;
}

/* ---- match ---- */

/* A typed host may carry ":port" (as a Host header does); the name is what
 * matches. Only a single colon followed by digits is taken as a port, so
 * IPv6 text stays whole. */
static size_t strip_port(const char *s, size_t n)
{
	const char *c = memchr(s, ':', n);

	if (c == NULL || memchr(c + 1, ':', n - (size_t)(c + 1 - s)) != NULL || c + 1 == s + n)
		return n;
	for (const char *p = c + 1; p < s + n; p++)
		if (*p < '0' || *p > '9')
			return n;
	return (size_t)(c - s);
}

static int match_one(const struct opts *o, const struct sigset *set, struct sig_scratch *scr,
		     const char *host)
{
	char norm[HOST_NAME_BUF_SIZE];
	size_t norm_len = 0;
	size_t n = strip_port(host, strlen(host));
	enum host_status st = host_normalize((const uint8_t *)host, n, norm, sizeof(norm), &norm_len);
	struct sig_verdict v;

	if (st != HOST_OK) {
		if (o->json) {
			printf("{");
			json_kv(stdout, "host", host, false);
			json_kv(stdout, "field", sig_field_name(o->field), true);
			json_kv(stdout, "verdict", "invalid", true);
			json_kv(stdout, "reason", host_status_str(st), true);
			printf("}\n");
		} else {
			printf("%s - - invalid %s\n", host, host_status_str(st));
		}
		return EXIT_BAD_HOST;
	}
	int rc = sig_match(set, scr, norm, norm_len, o->field, &v);
	if (rc < 0) {
		fprintf(stderr, "%s: match failed: %s\n", host, strerror(-rc));
		return EXIT_FAIL;
	}
	const struct sig_rule *r = sig_verdict_rule(set, &v);
	if (o->json) {
		printf("{");
		json_kv(stdout, "host", host, false);
		json_kv(stdout, "name", norm, true);
		json_kv(stdout, "field", sig_field_name(o->field), true);
		json_kv(stdout, "verdict", r ? sig_action_name(v.action) : "pass", true);
		if (r != NULL) {
			printf(",\"id\":%u", v.id);
			json_kv(stdout, "category", sig_category_name(v.category), true);
			json_kv(stdout, "kind", sig_kind_name(v.kind), true);
			json_kv(stdout, "pattern", sig_set_str(set, r->pattern), true);
			json_kv(stdout, "desc", sig_set_str(set, r->desc), true);
			json_kv(stdout, "ref", sig_set_str(set, r->ref), true);
			printf(",\"source\":");
			char src[600];
			snprintf(src, sizeof(src), "%s:%u", sig_set_str(set, r->src), r->line);
			json_str(stdout, src);
		}
		printf("}\n");
	} else if (r != NULL) {
		printf("%s %u %s %s %s=%s\n", host, v.id, sig_category_name(v.category),
		       sig_action_name(v.action), sig_kind_name(v.kind),
		       sig_set_str(set, r->pattern));
	} else {
		printf("%s - - pass -\n", host);
	}
	return EXIT_OK;
}

static int worse(int a, int b)
{
	return a > b ? a : b;
}

static int cmd_match(const struct opts *o)
{
	struct sig_report rep = {.fn = on_error, .arg = &(struct errlist){.json = false}};
	struct sig_ruleset *rs = load_all(o, &rep);
	struct sigset *set = NULL;
	struct sig_scratch *scr = NULL;
	int rc = EXIT_OK;

	if (rs != NULL && rep.errors == 0)
		set = sig_compile(rs, &o->copts, &rep);
	sig_ruleset_free(rs);
	if (set == NULL) {
		fprintf(stderr, "%u error%s\n", rep.errors, rep.errors == 1 ? "" : "s");
		return EXIT_SIG_ERRORS;
	}
	scr = sig_scratch_alloc(set);
	if (scr == NULL) {
		fprintf(stderr, "cannot allocate match scratch\n");
		sig_set_free(set);
		return EXIT_FAIL;
	}
	if (o->n_hosts > 0) {
		for (size_t i = 0; i < o->n_hosts; i++)
			rc = worse(rc, match_one(o, set, scr, o->hosts[i]));
	} else {
		char line[4096];
		while (fgets(line, sizeof(line), stdin) != NULL) {
			char *s = line, *e = line + strlen(line);
			while (s < e && (*s == ' ' || *s == '\t'))
				s++;
			while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
				e--;
			*e = '\0';
			if (*s == '\0' || *s == '#')
				continue;
			rc = worse(rc, match_one(o, set, scr, s));
		}
	}
	sig_scratch_free(scr);
	sig_set_free(set);
	return rc;
}

/* ---- arguments ---- */

static bool is_path(const char *s)
{
	struct stat st;

	return stat(s, &st) == 0;
}

static int parse_cat_eq(const char *arg, int *cat, const char **rest)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL)
		return -1;
	*cat = sig_category_parse(arg, (size_t)(eq - arg));
	*rest = eq + 1;
	return *cat < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	static struct opts o;
	bool dashdash = false, hosts_started = false;
	const char *cmd;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(cmd, "check") != 0 && strcmp(cmd, "match") != 0 && strcmp(cmd, "list") != 0) {
		fprintf(stderr, "kasblock-sig: unknown command '%s'\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	bool is_match = strcmp(cmd, "match") == 0;
	o.field = SIG_FIELD_SNI;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (!dashdash && !hosts_started && strncmp(a, "--", 2) == 0) {
			const char *val = i + 1 < argc ? argv[i + 1] : NULL;
			if (strcmp(a, "--") == 0) {
				dashdash = true;
				continue;
			}
			if (strcmp(a, "--json") == 0) {
				o.json = true;
				continue;
			}
			if (strcmp(a, "--help") == 0) {
				usage(stdout);
				return EXIT_OK;
			}
			if (val == NULL) {
				fprintf(stderr, "kasblock-sig: %s needs a value\n", a);
				return EXIT_USAGE;
			}
			i++;
			if (strcmp(a, "--field") == 0) {
				int f = sig_field_parse(val, strlen(val));
				if (f < 0) {
					fprintf(stderr, "kasblock-sig: unknown field '%s'\n", val);
					return EXIT_USAGE;
				}
				o.field = (enum sig_field)f;
			} else if (strcmp(a, "--engine") == 0) {
				int e = sig_engine_parse(val, strlen(val));
				if (e < 0) {
					fprintf(stderr, "kasblock-sig: engine is auto, hs or hash\n");
					return EXIT_USAGE;
				}
				o.copts.engine = (uint8_t)e;
			} else if (strcmp(a, "--mode") == 0) {
				int cat, m;
				const char *rest;
				if (parse_cat_eq(val, &cat, &rest) < 0 ||
				    (m = sig_mode_parse(rest, strlen(rest))) < 0) {
					fprintf(stderr, "kasblock-sig: --mode CATEGORY=on|allow|off\n");
					return EXIT_USAGE;
				}
				o.copts.cat_mode[cat] = (uint8_t)m;
			} else if (strcmp(a, "--import") == 0) {
				int cat;
				const char *rest;
				if (parse_cat_eq(val, &cat, &rest) < 0 || *rest == '\0' ||
				    o.n_imports == MAX_IMPORTS) {
					fprintf(stderr, "kasblock-sig: --import CATEGORY=FILE\n");
					return EXIT_USAGE;
				}
				o.imports[o.n_imports].cat = cat;
				o.imports[o.n_imports++].file = rest;
			} else {
				fprintf(stderr, "kasblock-sig: unknown option '%s'\n", a);
				return EXIT_USAGE;
			}
			continue;
		}
		/* match: after "--", or at the first argument that is not an
		 * existing path, the rest are hosts. */
		if (is_match && (dashdash || hosts_started || (o.n_paths > 0 && !is_path(a)))) {
			hosts_started = true;
			if (o.n_hosts == sizeof(o.hosts) / sizeof(o.hosts[0])) {
				fprintf(stderr, "kasblock-sig: too many hosts (use stdin)\n");
				return EXIT_USAGE;
			}
			o.hosts[o.n_hosts++] = a;
			continue;
		}
		if (dashdash && !is_match) {
			fprintf(stderr, "kasblock-sig: '--' only separates files from hosts in match\n");
			return EXIT_USAGE;
		}
		if (o.n_paths == sizeof(o.paths) / sizeof(o.paths[0])) {
			fprintf(stderr, "kasblock-sig: too many paths\n");
			return EXIT_USAGE;
		}
		o.paths[o.n_paths++] = a;
	}
	if (o.n_paths == 0 && o.n_imports == 0) {
		fprintf(stderr, "kasblock-sig: no signature files given\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "check") == 0)
		return cmd_check(&o);
	if (is_match)
		return cmd_match(&o);
	return cmd_list(&o);
}
