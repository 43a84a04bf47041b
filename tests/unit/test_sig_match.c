/* The matcher: label boundaries, case and trailing dot (through
 * host_normalize), punycode, precedence (allow, longest, lowest id), regex,
 * fields, category modes, set independence, and a differential test of
 * random and adversarial hosts against a naive matcher, over the Hyperscan
 * path, the hash path and a mixed set. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostname.h"
#include "sig.h"

static const enum sig_engine engines[] = {SIG_ENGINE_AUTO, SIG_ENGINE_HS, SIG_ENGINE_HASH};
#define N_ENGINES (sizeof(engines) / sizeof(engines[0]))

static struct sigset *build_opts(const char *text, const struct sig_compile_opts *o)
{
	struct sig_ruleset *rs = sig_ruleset_new();
	struct sig_report rep = {.fn = NULL};

	assert_non_null(rs);
	if (sig_load_buf(rs, "test.sig", text, strlen(text), &rep) != 0)
		fail_msg("load: %s", rep.first);
	struct sigset *set = sig_compile(rs, o, &rep);
	if (set == NULL)
		fail_msg("compile: %s", rep.first);
	sig_ruleset_free(rs);
	return set;
}

static struct sigset *build(const char *text, enum sig_engine e)
{
	struct sig_compile_opts o = {.engine = (uint8_t)e};

	return build_opts(text, &o);
}

/* Normalise RAW as the dataplane would, then match. Returns the deciding id
 * (0: none); *ACT gets the action. */
static uint32_t match_raw(const struct sigset *set, struct sig_scratch *scr, const char *raw,
			  enum sig_field f, uint8_t *act)
{
	char norm[HOST_NAME_BUF_SIZE];
	size_t n;
	struct sig_verdict v;

	assert_int_equal(host_normalize((const uint8_t *)raw, strlen(raw), norm, sizeof(norm), &n),
			 HOST_OK);
	int rc = sig_match(set, scr, norm, n, f, &v);
	assert_true(rc == 0 || rc == 1);
	assert_int_equal(rc == 1, v.id != 0);
	if (act != NULL)
		*act = v.action;
	return v.id;
}

struct want {
	const char *host;
	uint32_t id;		/* 0: nothing */
	uint8_t action;
	enum sig_field field;
};

/* Check every WANT against TEXT compiled with each engine. */
static void expect_all(const char *text, const struct want *w, size_t n)
{
	for (size_t e = 0; e < N_ENGINES; e++) {
		struct sigset *set = build(text, engines[e]);
		struct sig_scratch *scr = sig_scratch_alloc(set);
		assert_non_null(scr);
		for (size_t i = 0; i < n; i++) {
			uint8_t act = SIG_ACT_NONE;
			uint32_t id = match_raw(set, scr, w[i].host, w[i].field, &act);
			if (id != w[i].id || (id != 0 && act != w[i].action))
				fail_msg("engine %zu, host %s field %d: id %u action %u, want %u %u", e,
					 w[i].host, w[i].field, id, act, w[i].id, w[i].action);
		}
		sig_scratch_free(scr);
		sig_set_free(set);
	}
}

#define B SIG_ACT_BLOCK
#define A SIG_ACT_ALLOW
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void test_label_boundaries(void **state)
{
	static const char text[] = "block 1 domain=example.com category=brand\n"
				   "block 2 exact=ws.example.org category=brand\n"
				   "block 3 domain=b.c category=brand\n";
	static const struct want w[] = {
		{"example.com", 1, B, 0},
		{"a.example.com", 1, B, 0},
		{"a.b.c.example.com", 1, B, 0},
		{"aexample.com", 0, 0, 0},
		{"notexample.com", 0, 0, 0},
		{"example.com.evil.net", 0, 0, 0},
		{"example.co", 0, 0, 0},
		{"xample.com", 0, 0, 0},
		{"example.com-login.net", 0, 0, 0},
		{"ws.example.org", 2, B, 0},
		{"aws.example.org", 0, 0, 0},
		{"a.ws.example.org", 0, 0, 0}, /* exact: not below */
		{"example.org", 0, 0, 0},
		{"b.c", 3, B, 0},
		{"a.b.c", 3, B, 0},
		{"ab.c", 0, 0, 0},
		{"b.cc", 0, 0, 0},
		{"c", 0, 0, 0},
	};
	(void)state;
	expect_all(text, w, N_OF(w));
}

static void test_case_trailing_dot_punycode(void **state)
{
	static const char text[] = "block 1 domain=Example.COM. category=brand\n"
				   "block 2 domain=xn--80akjebc7ajgd.xn--p1ai category=legacy\n"
				   "block 3 exact=xn--bcher-kva.example category=other\n";
	static const struct want w[] = {
		{"EXAMPLE.COM", 1, B, 0},
		{"Www.Example.Com.", 1, B, 0},
		{"example.com.", 1, B, 0},
		{"XN--80AKJEBC7AJGD.XN--P1AI.", 2, B, 0},
		{"www.xn--80akjebc7ajgd.xn--p1ai", 2, B, 0},
		{"xn--80akjebc7ajgd.xn--p1ai.example", 0, 0, 0},
		{"80akjebc7ajgd.xn--p1ai", 0, 0, 0},
		{"XN--BCHER-KVA.example.", 3, B, 0},
		{"bcher-kva.example", 0, 0, 0},
	};
	(void)state;
	expect_all(text, w, N_OF(w));
}

static void test_precedence(void **state)
{
	static const char text[] =
		/* longest pattern decides the category */
		"block 10 domain=example.com category=brand\n"
		"block 20 domain=upd.example.com category=update\n"
		"block 30 exact=s01.upd.example.com category=update\n"
		/* an allow wins even when shorter */
		"allow 40 domain=ok.example.com category=other\n"
		"block 5 exact=bad.ok.example.com category=telemetry\n"
		/* same length: lowest id; exact and domain alike */
		"block 70 domain=tie.example.net category=brand\n"
		"block 60 domain=tie.example.net category=update\n"
		"block 55 exact=tie.example.net category=download\n"
		/* allow vs allow: longest then lowest id */
		"allow 81 domain=al.example.org category=other\n"
		"allow 80 exact=x.al.example.org category=other\n"
		"block 1 exact=y.al.example.org category=brand\n";
	static const struct want w[] = {
		{"example.com", 10, B, 0},
		{"a.upd.example.com", 20, B, 0},
		{"s01.upd.example.com", 30, B, 0},
		{"s02.upd.example.com", 20, B, 0},
		{"ok.example.com", 40, A, 0},
		{"bad.ok.example.com", 40, A, 0},
		{"tie.example.net", 55, B, 0},
		{"a.tie.example.net", 60, B, 0},
		{"x.al.example.org", 80, A, 0},
		{"y.al.example.org", 81, A, 0},
		{"z.al.example.org", 81, A, 0},
	};
	(void)state;
	expect_all(text, w, N_OF(w));
}

static void test_regex(void **state)
{
	static const char text[] =
		"block 1 domain=example.com category=brand\n"
		"block 2 regex=\"^dnl-[0-9]+\\\\.geo\\\\.example\\\\.com$\" category=update\n"
		"block 3 regex=^tracker[0-9]*\\.example\\.net$ category=telemetry\n"
		"allow 4 regex=^safe\\. category=other fields=dns\n";
	static const struct want w[] = {
		{"dnl-07.geo.example.com", 2, B, 0},
		{"DNL-123.GEO.EXAMPLE.COM.", 2, B, 0},
		{"xdnl-07.geo.example.com", 1, B, 0},
		{"dnl-.geo.example.com", 1, B, 0},
		{"tracker.example.net", 3, B, 0},
		{"tracker42.example.net", 3, B, 0},
		{"a.tracker42.example.net", 0, 0, 0},
		{"safe.example.com", 1, B, SIG_FIELD_SNI},
		{"safe.example.com", 4, A, SIG_FIELD_DNS},
	};
	(void)state;
	expect_all(text, w, N_OF(w));
}

static void test_fields(void **state)
{
	static const char text[] =
		"block 1 domain=example.com category=brand fields=sni,quic_sni\n"
		"block 2 domain=example.com category=update fields=http_host,connect\n"
		"block 3 exact=dns.example.com category=telemetry fields=dns\n";
	static const struct want w[] = {
		{"a.example.com", 1, B, SIG_FIELD_SNI},
		{"a.example.com", 1, B, SIG_FIELD_QUIC_SNI},
		{"a.example.com", 2, B, SIG_FIELD_HTTP_HOST},
		{"a.example.com", 2, B, SIG_FIELD_CONNECT},
		{"a.example.com", 0, 0, SIG_FIELD_DNS},
		{"dns.example.com", 3, B, SIG_FIELD_DNS},
		{"dns.example.com", 1, B, SIG_FIELD_SNI},
	};
	(void)state;
	expect_all(text, w, N_OF(w));
}

static void test_verdict_and_modes(void **state)
{
	static const char text[] = "category legacy mode=off\n"
				   "block 1 domain=example.com category=brand\n"
				   "block 2 exact=old.example.com category=legacy\n"
				   "block 3 exact=intel.example.com category=threat_intel fields=sni\n";
	struct sig_verdict v;
	(void)state;

	struct sigset *set = build(text, SIG_ENGINE_AUTO);
	struct sig_scratch *scr = sig_scratch_alloc(set);
	assert_int_equal(set->counts.total, 2);
	assert_int_equal(set->counts.off, 1);
	assert_int_equal(set->cat_mode[SIG_CAT_LEGACY], SIG_MODE_OFF);
	assert_int_equal(set->cat_mode[SIG_CAT_BRAND], SIG_MODE_ON);
	/* legacy off: the broad brand rule decides */
	assert_int_equal(match_raw(set, scr, "old.example.com", SIG_FIELD_SNI, NULL), 1);
	assert_int_equal(sig_match(set, scr, "intel.example.com", 17, SIG_FIELD_SNI, &v), 1);
	assert_int_equal(v.id, 3);
	assert_int_equal(v.category, SIG_CAT_THREAT_INTEL);
	assert_int_equal(v.kind, SIG_KIND_EXACT);
	assert_int_equal(v.action, SIG_ACT_BLOCK);
	assert_int_equal(v.fields, 1u << SIG_FIELD_SNI);
	assert_string_equal(sig_set_str(set, sig_verdict_rule(set, &v)->pattern),
			    "intel.example.com");
	/* bad arguments */
	assert_int_equal(sig_match(set, scr, "", 0, SIG_FIELD_SNI, &v), -EINVAL);
	assert_int_equal(v.id, 0);
	char big[300];
	memset(big, 'a', sizeof(big));
	assert_int_equal(sig_match(set, scr, big, 254, SIG_FIELD_SNI, &v), -EINVAL);
	assert_int_equal(sig_match(set, scr, "a.b", 3, SIG_FIELD_COUNT, &v), -EINVAL);
	assert_int_equal(sig_match(set, NULL, "a.b", 3, SIG_FIELD_SNI, &v), -EINVAL);
	assert_int_equal(sig_match(set, scr, "a.b", 3, SIG_FIELD_SNI, NULL), -EINVAL);
	sig_scratch_free(scr);

	/* Operator overrides: legacy on, threat_intel as exceptions. */
	struct sig_compile_opts o = {.engine = SIG_ENGINE_AUTO};
	o.cat_mode[SIG_CAT_LEGACY] = SIG_MODE_ON;
	o.cat_mode[SIG_CAT_THREAT_INTEL] = SIG_MODE_ALLOW;
	struct sigset *set2 = build_opts(text, &o);
	scr = sig_scratch_alloc(set2);
	uint8_t act;
	assert_int_equal(match_raw(set2, scr, "old.example.com", SIG_FIELD_SNI, &act), 2);
	assert_int_equal(match_raw(set2, scr, "intel.example.com", SIG_FIELD_SNI, &act), 3);
	assert_int_equal(act, SIG_ACT_ALLOW);
	assert_int_equal(set2->counts.allow, 1);
	assert_true(set2->gen > set->gen);
	/* The first set is untouched by the second build, and freeing it
	 * leaves the second working. */
	sig_scratch_free(scr);
	scr = sig_scratch_alloc(set);
	assert_int_equal(match_raw(set, scr, "old.example.com", SIG_FIELD_SNI, NULL), 1);
	sig_scratch_free(scr);
	sig_set_free(set);
	scr = sig_scratch_alloc(set2);
	assert_int_equal(match_raw(set2, scr, "old.example.com", SIG_FIELD_SNI, NULL), 2);
	sig_scratch_free(scr);
	sig_set_free(set2);
}

/* A failed build reports and returns NULL; an empty set matches nothing. */
static void test_build_failure_and_empty(void **state)
{
	struct sig_report rep = {.fn = NULL};
	struct sig_ruleset *rs = sig_ruleset_new();
	struct sig_verdict v;
	(void)state;

	static const char bad[] = "block 1 regex=\"(\" category=other\n";
	assert_int_equal(sig_load_buf(rs, "bad.sig", bad, strlen(bad), &rep), 0);
	assert_null(sig_compile(rs, NULL, &rep));
	assert_int_equal(rep.errors, 1);
	assert_non_null(strstr(rep.first, "bad.sig:1: regex 1: "));
	sig_ruleset_free(rs);

	const char *paths[] = {"/nonexistent/dir/x.sig"};
	rep.errors = 0;
	assert_null(sig_set_build(paths, 1, NULL, &rep));
	assert_true(rep.errors >= 1);

	rs = sig_ruleset_new();
	struct sigset *set = sig_compile(rs, NULL, &rep);
	assert_non_null(set);
	struct sig_scratch *scr = sig_scratch_alloc(set);
	assert_non_null(scr);
	assert_int_equal(sig_match(set, scr, "example.com", 11, SIG_FIELD_SNI, &v), 0);
	sig_scratch_free(scr);
	sig_set_free(set);
	sig_ruleset_free(rs);
}

/* ---- differential test ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

/* Few distinct labels, so that names nest and collide a lot. */
static const char *const labels[] = {"a", "b", "ab", "ba", "kas", "kasp", "kaspersky", "com",
				     "net", "x-y", "0", "xn--p1ai", "geo", "dnl-01", "upd", "s_1"};
#define N_LABELS (sizeof(labels) / sizeof(labels[0]))

static size_t rand_name(char *out, size_t cap, unsigned min_labels, unsigned max_labels)
{
	unsigned n = min_labels + rnd(max_labels - min_labels + 1);
	size_t len = 0;

	for (unsigned i = 0; i < n; i++) {
		const char *l = labels[rnd(N_LABELS)];
		size_t ll = strlen(l);
		if (len + ll + 1 >= cap)
			break;
		if (i)
			out[len++] = '.';
		memcpy(out + len, l, ll);
		len += ll;
	}
	out[len] = '\0';
	return len;
}

struct ref_rule {
	uint32_t id;
	uint8_t kind;
	uint8_t action;
	uint8_t fields;
	size_t len;
	const char *pat;
	regex_t re;
};

static bool ref_matches(const struct ref_rule *r, const char *h, size_t n)
{
	if (r->kind == SIG_KIND_REGEX)
		return regexec(&r->re, h, 0, NULL, 0) == 0;
	if (n == r->len)
		return memcmp(h, r->pat, n) == 0;
	if (r->kind == SIG_KIND_EXACT || n < r->len + 1)
		return false;
	return h[n - r->len - 1] == '.' && memcmp(h + n - r->len, r->pat, r->len) == 0;
}

/* The naive matcher: every rule, then the documented precedence. */
static uint32_t ref_match(const struct ref_rule *rules, size_t n_rules, const char *h,
			  enum sig_field f, uint8_t *act)
{
	const struct ref_rule *best = NULL;
	size_t n = strlen(h);

	for (size_t i = 0; i < n_rules; i++) {
		const struct ref_rule *r = &rules[i];
		if (!(r->fields & (1u << f)) || !ref_matches(r, h, n))
			continue;
		if (best == NULL)
			best = r;
		else if ((r->action == SIG_ACT_ALLOW) != (best->action == SIG_ACT_ALLOW))
			best = r->action == SIG_ACT_ALLOW ? r : best;
		else if (r->len != best->len)
			best = r->len > best->len ? r : best;
		else if (r->id < best->id)
			best = r;
	}
	*act = best ? best->action : SIG_ACT_NONE;
	return best ? best->id : 0;
}

#define DIFF_RULES 1500
#define DIFF_IMPORT 1500
#define DIFF_HOSTS 30000

static const char *const regexes[] = {
	"^kas[a-z]*\\.com$", "^dnl-[0-9]+\\.geo\\.", "(^|\\.)ab\\.ba$", "^a\\.b\\.",
	"x-y\\.net$", "^[0-9]+\\.kaspersky\\.com$", "^(a|b)+\\.kas$", "s_1\\.upd\\.com$",
};

static void test_differential(void **state)
{
	char *text = malloc(DIFF_RULES * 200 + 4096);
	char list_path[] = "/tmp/kb_sig_diff_XXXXXX";
	int fd = mkstemp(list_path);
	FILE *list;
	size_t tl = 0;
	char name[SIG_NAME_MAX + 1];
	(void)state;

	assert_non_null(text);
	assert_true(fd >= 0);
	list = fdopen(fd, "w");
	assert_non_null(list);

	/* Line-format rules: random kind, action, fields, unique shuffled ids. */
	uint32_t *ids = malloc(DIFF_RULES * sizeof(*ids));
	for (uint32_t i = 0; i < DIFF_RULES; i++)
		ids[i] = i + 1;
	for (uint32_t i = DIFF_RULES - 1; i > 0; i--) {
		uint32_t j = rnd(i + 1), t = ids[i];
		ids[i] = ids[j];
		ids[j] = t;
	}
	for (uint32_t i = 0; i < DIFF_RULES; i++) {
		rand_name(name, sizeof(name), 1, 4);
		const char *kind = rnd(2) ? "domain" : "exact";
		static const char *const fsets[] = {"all", "all", "all", "sni", "dns",
						    "sni,http_host", "connect,quic_sni"};
		tl += (size_t)sprintf(text + tl, "%s %u %s=%s category=other fields=%s\n",
				      rnd(7) == 0 ? "allow" : "block", ids[i] * 3, kind, name,
				      fsets[rnd(N_OF(fsets))]);
	}
	for (size_t i = 0; i < N_OF(regexes); i++)
		tl += (size_t)sprintf(text + tl, "%s %zu regex=%s category=other\n",
				      i % 3 == 0 ? "allow" : "block", 900000 + i, regexes[i]);
	/* An imported list: domain rules that land in the hash under AUTO. */
	for (uint32_t i = 0; i < DIFF_IMPORT; i++) {
		rand_name(name, sizeof(name), 2, 4);
		fprintf(list, "%s\n", name);
	}
	fclose(list);
	char *with_import = malloc(tl + 256);
	memcpy(with_import, text, tl);
	sprintf(with_import + tl, "import file=%s category=brand id_base=1000000000\n", list_path);
	text[tl] = '\0';

	/* Load both texts; the reference reads the accepted rules back. */
	struct sig_ruleset *rs_line = sig_ruleset_new(), *rs_mixed = sig_ruleset_new();
	struct sig_report rep = {.fn = NULL};
	sig_load_buf(rs_line, "diff.sig", text, strlen(text), &rep);
	sig_load_buf(rs_mixed, "diff.sig", with_import, strlen(with_import), &rep);
	assert_true(rs_line->n_rules > DIFF_RULES / 2);
	assert_true(rs_mixed->n_rules > rs_line->n_rules + DIFF_IMPORT / 2);

	struct ref_rule *ref = calloc(rs_mixed->n_rules, sizeof(*ref));
	size_t n_ref_line = rs_line->n_rules, n_ref = rs_mixed->n_rules;
	for (size_t i = 0; i < rs_mixed->n_rules; i++) {
		const struct sig_rule *r = &rs_mixed->rules[i];
		/* line rules come first in both rulesets, in the same order */
		if (i < n_ref_line)
			assert_int_equal(r->id, rs_line->rules[i].id);
		ref[i].id = r->id;
		ref[i].kind = r->kind;
		ref[i].action = r->action;
		ref[i].fields = r->fields;
		ref[i].len = r->pattern_len;
		ref[i].pat = sig_rs_str(rs_mixed, r->pattern);
		if (r->kind == SIG_KIND_REGEX)
			assert_int_equal(regcomp(&ref[i].re, ref[i].pat, REG_EXTENDED | REG_NOSUB), 0);
	}

	/* Sets: line rules in Hyperscan, in the hash, and the mixed set with
	 * the import in the hash and line rules in Hyperscan (AUTO). */
	struct sig_compile_opts o_hs = {.engine = SIG_ENGINE_HS};
	struct sig_compile_opts o_hash = {.engine = SIG_ENGINE_HASH};
	struct sig_compile_opts o_auto = {.engine = SIG_ENGINE_AUTO, .hs_literal_max = 100000};
	struct {
		const char *what;
		struct sigset *set;
		struct sig_scratch *scr;
		size_t n_ref;
	} sets[] = {
		{"hs", sig_compile(rs_line, &o_hs, &rep), NULL, n_ref_line},
		{"hash", sig_compile(rs_line, &o_hash, &rep), NULL, n_ref_line},
		{"mixed", sig_compile(rs_mixed, &o_auto, &rep), NULL, n_ref},
		{"mixed-hs", sig_compile(rs_mixed, &o_hs, &rep), NULL, n_ref},
	};
	for (size_t s = 0; s < N_OF(sets); s++) {
		assert_non_null(sets[s].set);
		sets[s].scr = sig_scratch_alloc(sets[s].set);
		assert_non_null(sets[s].scr);
	}
	assert_int_equal(sets[0].set->counts.hash, 0);
	assert_int_equal(sets[1].set->counts.hs_literal, 0);
	assert_true(sets[2].set->counts.hash >= DIFF_IMPORT / 2);
	assert_true(sets[2].set->counts.hs_literal > 0);

	/* Hosts: rule names, names below them, lookalikes without the dot,
	 * names with the rule as a prefix, random names, and long ones. */
	uint32_t hits = 0;
	for (uint32_t i = 0; i < DIFF_HOSTS; i++) {
		char h[600];
		const struct ref_rule *r = &ref[rnd((uint32_t)n_ref)];
		const char *base = r->kind == SIG_KIND_REGEX ? "dnl-01.geo.kas.com" : r->pat;
		char tmp[300];
		switch (rnd(8)) {
		case 0:
			snprintf(h, sizeof(h), "%s", base);
			break;
		case 1:
			rand_name(tmp, sizeof(tmp), 1, 2);
			snprintf(h, sizeof(h), "%s.%s", tmp, base);
			break;
		case 2: /* lookalike: a label glued on without a dot */
			snprintf(h, sizeof(h), "%s%s", labels[rnd(N_LABELS)], base);
			break;
		case 3: /* the rule name as a prefix */
			rand_name(tmp, sizeof(tmp), 1, 2);
			snprintf(h, sizeof(h), "%s.%s", base, tmp);
			break;
		case 4: /* drop the first byte */
			snprintf(h, sizeof(h), "%s", base[1] ? base + 1 : base);
			break;
		case 5:
			rand_name(h, sizeof(h), 1, 6);
			break;
		case 6: { /* long: many labels, up to the 253 limit */
			size_t len = 0;
			while (len < 200) {
				const char *l = labels[rnd(N_LABELS)];
				len += (size_t)snprintf(h + len, sizeof(h) - len, "%s.", l);
			}
			snprintf(h + len, sizeof(h) - len, "%s", base);
			break;
		}
		default: { /* 1-byte labels only: one probe per byte */
			size_t len = 0;
			unsigned k = 1 + rnd(120);
			for (unsigned j = 0; j < k; j++)
				len += (size_t)snprintf(h + len, sizeof(h) - len, "%c.", "ab0"[rnd(3)]);
			snprintf(h + len, sizeof(h) - len, "%s", base);
			break;
		}
		}
		size_t hl = strlen(h);
		if (hl == 0 || hl > SIG_NAME_MAX || h[0] == '.' || h[hl - 1] == '.')
			continue;
		char norm[HOST_NAME_BUF_SIZE];
		size_t nl;
		if (host_normalize((const uint8_t *)h, hl, norm, sizeof(norm), &nl) != HOST_OK)
			continue;
		enum sig_field f = (enum sig_field)rnd(SIG_FIELD_COUNT);
		uint8_t want_act, got_act;
		uint32_t want_line = ref_match(ref, n_ref_line, norm, f, &want_act);
		uint8_t want_mixed_act;
		uint32_t want_mixed = ref_match(ref, n_ref, norm, f, &want_mixed_act);
		hits += want_mixed != 0;
		for (size_t s = 0; s < N_OF(sets); s++) {
			uint32_t want = sets[s].n_ref == n_ref ? want_mixed : want_line;
			uint8_t wa = sets[s].n_ref == n_ref ? want_mixed_act : want_act;
			struct sig_verdict v;
			int rc = sig_match(sets[s].set, sets[s].scr, norm, nl, f, &v);
			got_act = v.action;
			if (rc < 0 || v.id != want || (want && got_act != wa))
				fail_msg("%s: host %s field %d: got %u (rc %d), want %u", sets[s].what,
					 norm, f, v.id, rc, want);
		}
	}
	/* The generator must exercise both outcomes. */
	assert_true(hits > DIFF_HOSTS / 5);
	assert_true(hits < DIFF_HOSTS - DIFF_HOSTS / 10);

	for (size_t s = 0; s < N_OF(sets); s++) {
		sig_scratch_free(sets[s].scr);
		sig_set_free(sets[s].set);
	}
	for (size_t i = 0; i < n_ref; i++)
		if (ref[i].kind == SIG_KIND_REGEX)
			regfree(&ref[i].re);
	free(ref);
	sig_ruleset_free(rs_line);
	sig_ruleset_free(rs_mixed);
	unlink(list_path);
	free(with_import);
	free(text);
	free(ids);
}

/* A set big enough that its hash slots and rules sit on the huge-page path
 * of sig_mem_alloc (2 MiB and more): every name is found, under itself and
 * below it for domain rules, and near misses are not. */
#define BIG_RULES 70000u
static void test_large_hash_set(void **state)
{
	char *text = malloc(BIG_RULES * 64);
	size_t tl = 0;
	char host[128];
	(void)state;

	assert_non_null(text);
	for (uint32_t i = 0; i < BIG_RULES; i++)
		tl += (size_t)sprintf(text + tl, "block %u %s=n%u.big%u.test category=other\n", i + 1,
				      i % 2 ? "domain" : "exact", i, i % 97);
	struct sigset *set = build(text, SIG_ENGINE_HASH);
	struct sig_scratch *scr = sig_scratch_alloc(set);
	assert_non_null(scr);
	assert_true(set->hash_bytes >= (2u << 20));
	for (uint32_t i = 0; i < BIG_RULES; i++) {
		sprintf(host, "n%u.big%u.test", i, i % 97);
		assert_int_equal(match_raw(set, scr, host, SIG_FIELD_SNI, NULL), i + 1);
		sprintf(host, "www.n%u.big%u.test", i, i % 97);
		assert_int_equal(match_raw(set, scr, host, SIG_FIELD_SNI, NULL), i % 2 ? i + 1 : 0);
		sprintf(host, "n%u.big%u.test", i + BIG_RULES, i % 97);
		assert_int_equal(match_raw(set, scr, host, SIG_FIELD_SNI, NULL), 0);
		sprintf(host, "n%u.big%u.test", i, (i + 1) % 97);
		assert_int_equal(match_raw(set, scr, host, SIG_FIELD_SNI, NULL), 0);
	}
	sig_scratch_free(scr);
	sig_set_free(set);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_boundaries),
		cmocka_unit_test(test_case_trailing_dot_punycode),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_regex),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_verdict_and_modes),
		cmocka_unit_test(test_build_failure_and_empty),
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_large_hash_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
