/* Compiling a ruleset into an immutable struct sigset (control thread).
 *
 * Engines (docs/signatures.md, "How matching works"):
 *  - exact/domain rules of a curated pack: one Hyperscan literal database
 *    (hs_compile_lit_multi) scanned over the framed host "\x01." host "\0";
 *    a domain rule is the literal "." name "\0" (matches the name and any
 *    name below it, on a label boundary, and nothing longer), an exact rule
 *    is "\x01." name "\0" (only the whole host);
 *  - regex rules: a second database (hs_compile_multi), scanned over the
 *    bare host so that ^ and $ mean what an author expects; the literal API
 *    cannot share a database with regexes, and writing literals as regexes
 *    compiles far slower;
 *  - imported lists and large line-format sets: the label-suffix hash
 *    (sig_hash.c), flat at any size.
 * A new set shares nothing with the one it replaces.
 */
#include <errno.h>
#include <hs/hs.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sig.h"
#include "sig_internal.h"

static uint64_t gen_counter;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void sig_set_free(struct sigset *set)
{
	if (set == NULL)
		return;
	hs_free_database(set->lit_db);
	hs_free_database(set->re_db);
	sig_hash_free(&set->hash);
	free(set->rules);
	free(set->pool);
	free(set->packs);
	free(set);
}

static void *dup_mem(const void *p, size_t n)
{
	void *q = sig_mem_alloc(n);

	if (q != NULL && n > 0)
		memcpy(q, p, n);
	return q;
}

static const struct sig_rule *rule_of(const struct sigset *set, const uint32_t *idx,
				      unsigned int expr)
{
	return &set->rules[idx[expr]];
}

static void report_rule(struct sig_report *rep, const struct sigset *set,
			const struct sig_rule *r, const char *what, const char *msg)
{
	sig_report(rep, sig_set_str(set, r->src), r->line, "%s %u: %s", what, r->id, msg);
}

static int compile_literals(struct sigset *set, const uint32_t *idx, size_t n,
			    struct sig_report *rep)
{
	const char **expr = calloc(n, sizeof(*expr));
	size_t *lens = calloc(n, sizeof(*lens));
	unsigned *flags = calloc(n, sizeof(*flags));
	unsigned *ids = calloc(n, sizeof(*ids));
	size_t total = 0;
	char *frames = NULL;
	hs_compile_error_t *err = NULL;
	int rc = -ENOMEM;

	for (size_t i = 0; i < n; i++)
		total += set->rules[idx[i]].pattern_len + 3u;
	frames = malloc(total ? total : 1);
	if (!expr || !lens || !flags || !ids || !frames) {
		sig_report(rep, NULL, 0, "out of memory compiling literals");
		goto out;
	}
	char *p = frames;
	for (size_t i = 0; i < n; i++) {
		const struct sig_rule *r = &set->rules[idx[i]];
		char *start = p;
		if (r->kind == SIG_KIND_EXACT)
			*p++ = '\x01';
		*p++ = '.';
		memcpy(p, sig_set_str(set, r->pattern), r->pattern_len);
		p += r->pattern_len;
		*p++ = '\0';
		expr[i] = start;
		lens[i] = (size_t)(p - start);
		flags[i] = HS_FLAG_SINGLEMATCH;
		ids[i] = idx[i];
	}
	if (hs_compile_lit_multi(expr, flags, ids, lens, (unsigned)n, HS_MODE_BLOCK, NULL,
				 &set->lit_db, &err) != HS_SUCCESS) {
		if (err != NULL && err->expression >= 0 && (size_t)err->expression < n)
			report_rule(rep, set, rule_of(set, idx, (unsigned)err->expression),
				    "signature", err->message);
		else
			sig_report(rep, NULL, 0, "literal database: %s",
				   err != NULL ? err->message : "compile failed");
		hs_free_compile_error(err);
		rc = -EINVAL;
		goto out;
	}
	hs_database_size(set->lit_db, &set->lit_db_bytes);
	rc = 0;
out:
	free(expr);
	free(lens);
	free(flags);
	free(ids);
	free(frames);
	return rc;
}

/* Regexes are searched in the bare host, case-insensitively. */
#define RE_FLAGS (HS_FLAG_SINGLEMATCH | HS_FLAG_CASELESS)

static int compile_regexes(struct sigset *set, const uint32_t *idx, size_t n,
			   struct sig_report *rep)
{
	const char **expr = calloc(n, sizeof(*expr));
	unsigned *flags = calloc(n, sizeof(*flags));
	unsigned *ids = calloc(n, sizeof(*ids));
	hs_compile_error_t *err = NULL;
	int rc = -ENOMEM;

	if (!expr || !flags || !ids) {
		sig_report(rep, NULL, 0, "out of memory compiling regexes");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		expr[i] = sig_set_str(set, set->rules[idx[i]].pattern);
		flags[i] = RE_FLAGS;
		ids[i] = idx[i];
	}
	if (hs_compile_multi(expr, flags, ids, (unsigned)n, HS_MODE_BLOCK, NULL, &set->re_db,
			     &err) == HS_SUCCESS) {
		hs_database_size(set->re_db, &set->re_db_bytes);
		rc = 0;
		goto out;
	}
	/* Hyperscan names one failing expression; compile each alone so that
	 * every bad regex is reported at its own file:line. */
	unsigned bad = 0;
	hs_free_compile_error(err);
	for (size_t i = 0; i < n; i++) {
		hs_database_t *one = NULL;
		err = NULL;
		if (hs_compile(expr[i], RE_FLAGS, HS_MODE_BLOCK, NULL, &one, &err) != HS_SUCCESS) {
			report_rule(rep, set, rule_of(set, idx, (unsigned)i), "regex",
				    err != NULL ? err->message : "compile failed");
			bad++;
		}
		hs_free_compile_error(err);
		hs_free_database(one);
	}
	if (bad == 0)
		sig_report(rep, NULL, 0, "regex database: the regexes compile one by one but not "
					 "together (too large?)");
	rc = -EINVAL;
out:
	free(expr);
	free(flags);
	free(ids);
	return rc;
}

enum { ENG_NONE = 0, ENG_LIT, ENG_RE, ENG_HASH };

struct sigset *sig_compile(const struct sig_ruleset *rs, const struct sig_compile_opts *opts,
			   struct sig_report *rep)
{
	static const struct sig_compile_opts defaults;
	uint64_t t0 = now_ns();
	uint32_t *lit = NULL, *re = NULL, *hash = NULL;
	size_t n_lit = 0, n_re = 0, n_hash = 0, n_line = 0;
	struct sigset *set;

	if (opts == NULL)
		opts = &defaults;
	set = calloc(1, sizeof(*set));
	if (set == NULL)
		goto err_oom;
	set->rules = dup_mem(rs->rules, rs->n_rules * sizeof(*rs->rules));
	set->pool = dup_mem(rs->pool, rs->pool_len);
	set->packs = dup_mem(rs->packs, rs->n_packs * sizeof(*rs->packs));
	if (!set->rules || !set->pool || !set->packs)
		goto err_oom_set;
	set->n_rules = rs->n_rules;
	set->pool_len = rs->pool_len;
	set->n_packs = rs->n_packs;

	for (size_t c = 0; c < SIG_CAT_COUNT; c++) {
		uint8_t m = opts->cat_mode[c];
		if (m == SIG_MODE_DEFAULT)
			m = rs->cat_mode[c];
		set->cat_mode[c] = m == SIG_MODE_DEFAULT ? SIG_MODE_ON : m;
	}

	/* Which engine takes each rule. */
	lit = malloc((set->n_rules ? set->n_rules : 1) * sizeof(*lit));
	re = malloc((set->n_rules ? set->n_rules : 1) * sizeof(*re));
	hash = malloc((set->n_rules ? set->n_rules : 1) * sizeof(*hash));
	if (!lit || !re || !hash)
		goto err_oom_set;
	for (size_t i = 0; i < set->n_rules; i++) {
		const struct sig_rule *r = &set->rules[i];
		if (set->cat_mode[r->category] != SIG_MODE_OFF && r->kind != SIG_KIND_REGEX &&
		    !r->imported)
			n_line++;
	}
	uint32_t lit_max = opts->hs_literal_max ? opts->hs_literal_max : SIG_HS_LITERAL_MAX;
	struct sig_counts *cn = &set->counts;
	for (size_t i = 0; i < set->n_rules; i++) {
		struct sig_rule *r = &set->rules[i];
		uint8_t mode = set->cat_mode[r->category];
		if (mode == SIG_MODE_OFF) {
			cn->off++;
			continue;
		}
		if (mode == SIG_MODE_ALLOW)
			r->action = SIG_ACT_ALLOW;
		cn->total++;
		cn->by_category[r->category]++;
		cn->by_kind[r->kind]++;
		if (r->action == SIG_ACT_ALLOW)
			cn->allow++;
		else
			cn->block++;
		if (r->kind == SIG_KIND_REGEX)
			re[n_re++] = (uint32_t)i;
		else if (opts->engine == SIG_ENGINE_HS ||
			 (opts->engine == SIG_ENGINE_AUTO && !r->imported && n_line <= lit_max))
			lit[n_lit++] = (uint32_t)i;
		else
			hash[n_hash++] = (uint32_t)i;
	}
	cn->hs_literal = (uint32_t)n_lit;
	cn->hs_regex = (uint32_t)n_re;
	cn->hash = (uint32_t)n_hash;

	if (n_re > 0 && compile_regexes(set, re, n_re, rep) < 0)
		goto err_free_set;
	if (n_lit > 0 && compile_literals(set, lit, n_lit, rep) < 0)
		goto err_free_set;
	if (n_hash > 0) {
		if (sig_hash_build(&set->hash, set->rules, set->pool, hash, n_hash) < 0)
			goto err_oom_set;
		set->hash_bytes = sig_hash_bytes(&set->hash);
	}
	free(lit);
	free(re);
	free(hash);
	set->gen = __atomic_add_fetch(&gen_counter, 1, __ATOMIC_RELAXED);
	set->compile_ns = now_ns() - t0;
	return set;

err_oom_set:
	sig_report(rep, NULL, 0, "out of memory building the set");
err_free_set:
	sig_set_free(set);
	free(lit);
	free(re);
	free(hash);
	return NULL;
err_oom:
	sig_report(rep, NULL, 0, "out of memory building the set");
	return NULL;
}

struct sigset *sig_set_build(const char *const *paths, size_t n_paths,
			     const struct sig_compile_opts *opts, struct sig_report *rep)
{
	struct sig_ruleset *rs = sig_ruleset_new();
	struct sigset *set = NULL;
	int errors = 0;

	if (rs == NULL) {
		sig_report(rep, NULL, 0, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n_paths; i++) {
		int rc = sig_load_path(rs, paths[i], rep);
		errors += rc < 0 ? 1 : rc;
	}
	if (errors == 0)
		set = sig_compile(rs, opts, rep);
	sig_ruleset_free(rs);
	return set;
}
