/* Signature sets: load (I/O, control thread), compile, match (no I/O, no
 * allocation). Format and semantics: docs/signatures.md. */
#ifndef KB_SIG_H
#define KB_SIG_H

#include <stdbool.h>

#include "sig_types.h"

/* ---- names (sig_names.c) ---- */

const char *sig_category_name(enum sig_category c);
const char *sig_kind_name(enum sig_kind k);
const char *sig_action_name(enum sig_action a);
const char *sig_field_name(enum sig_field f);
const char *sig_conf_name(enum sig_conf c);
const char *sig_mode_name(enum sig_cat_mode m);
/* Parse a name; return the enum value or -1. */
int sig_category_parse(const char *s, size_t len);
int sig_field_parse(const char *s, size_t len);
int sig_mode_parse(const char *s, size_t len);
int sig_engine_parse(const char *s, size_t len);

/* ---- loading (sig_load.c): files -> ruleset ---- */

struct sig_ruleset *sig_ruleset_new(void);
void sig_ruleset_free(struct sig_ruleset *rs);

/* Load one pack file (imports are resolved relative to its directory).
 * Every error is reported as "file:line: reason" and the line is skipped;
 * every accepted line is kept. Returns the number of errors found in this
 * call (0 = clean), or -errno when PATH itself cannot be read. */
int sig_load_file(struct sig_ruleset *rs, const char *path, struct sig_report *rep);

/* Same, from memory. NAME is used in messages and to resolve relative
 * imports (its directory part). */
int sig_load_buf(struct sig_ruleset *rs, const char *name, const char *buf, size_t len,
		 struct sig_report *rep);

/* Import a plain or hosts-format name list, as the `import` directive does. */
int sig_import_file(struct sig_ruleset *rs, const char *path, enum sig_category cat,
		    struct sig_report *rep);

/* Load a file, or every "*.sig" file of a directory in name order. */
int sig_load_path(struct sig_ruleset *rs, const char *path, struct sig_report *rep);

/* Pool strings of a ruleset or set (offset 0 is ""). */
static inline const char *sig_rs_str(const struct sig_ruleset *rs, uint32_t off)
{
	return rs->pool + off;
}

static inline const char *sig_set_str(const struct sigset *set, uint32_t off)
{
	return set->pool + off;
}

/* Report one error (used by loader and compiler; exported for the tool). */
void sig_report(struct sig_report *rep, const char *file, uint32_t line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- compiling (sig_compile.c): ruleset -> immutable set ---- */

/* Build a new set from RS (RS is not modified and may be freed after).
 * OPTS may be NULL. Returns NULL on any error (each reported with the
 * rule's file:line); nothing else is touched, so a running set stays as it
 * was. */
struct sigset *sig_compile(const struct sig_ruleset *rs, const struct sig_compile_opts *opts,
			   struct sig_report *rep);

/* Load PATHS (files or directories) and compile them; NULL on any error. */
struct sigset *sig_set_build(const char *const *paths, size_t n_paths,
			     const struct sig_compile_opts *opts, struct sig_report *rep);

void sig_set_free(struct sigset *set);

/* ---- matching (sig_match.c) ---- */

/* A scratch fits every set whose databases are no larger than those of SET
 * (Hyperscan's rule); allocate one per thread for each new set. */
struct sig_scratch *sig_scratch_alloc(const struct sigset *set);
void sig_scratch_free(struct sig_scratch *scr);

/* Decide one host seen in FIELD. HOST is a normalised name (lower-case
 * ASCII, no trailing dot, 1..253 bytes: host_normalize output). Precedence
 * among matching rules: allow first, then the longest pattern, then the
 * lowest id. Returns 1 when a rule matched, 0 when none did (v->id == 0),
 * -EINVAL for a bad argument and -EIO when Hyperscan failed (v->id == 0;
 * the caller applies its fail-open/closed policy). No I/O, no allocation. */
int sig_match(const struct sigset *set, struct sig_scratch *scr, const char *host, size_t len,
	      enum sig_field field, struct sig_verdict *v);

static inline const struct sig_rule *sig_verdict_rule(const struct sigset *set,
						       const struct sig_verdict *v)
{
	return v->id != 0 ? &set->rules[v->rule] : NULL;
}

/* True when rule A decides over rule B (allow, longer pattern, lower id). */
static inline bool sig_rule_wins(const struct sig_rule *a, const struct sig_rule *b)
{
	if (a->action != b->action)
		return a->action == SIG_ACT_ALLOW;
	if (a->pattern_len != b->pattern_len)
		return a->pattern_len > b->pattern_len;
	return a->id < b->id;
}

#endif /* KB_SIG_H */
