/* Signature file loading: every error kind names its file and line, bad
 * lines never cost the good ones, imports of plain and hosts-format lists. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostname.h"
#include "sig.h"

static char data_dir[1024];

static int setup(void **state)
{
	const char *d = getenv("KB_TEST_DATA");

	(void)state;
	snprintf(data_dir, sizeof(data_dir), "%s/packs", d != NULL ? d : "tests/data");
	return 0;
}

static void pack_path(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", data_dir, name);
}

/* Collects every message. */
struct msgs {
	char text[64][SIG_ERR_MAX + 64];
	unsigned n;
};

static void collect(void *arg, const char *msg)
{
	struct msgs *m = arg;

	if (m->n < 64)
		snprintf(m->text[m->n++], sizeof(m->text[0]), "%s", msg);
}

static const struct sig_rule *find_id(const struct sig_ruleset *rs, uint32_t id)
{
	for (size_t i = 0; i < rs->n_rules; i++)
		if (rs->rules[i].id == id)
			return &rs->rules[i];
	return NULL;
}

/* One data file per error kind: the error is on LINE (in FILE, or in
 * ERR_FILE when the error sits in an imported list), its text contains
 * WANT, and the KEPT good rules survive. */
static const struct {
	const char *file;
	const char *err_file;
	unsigned line;
	const char *want;
	unsigned errors;
	unsigned kept;
} load_errors[] = {
	{"err_dup_id.sig", NULL, 3, "duplicate id 1 (first at ", 1, 2},
	{"err_unknown_category.sig", NULL, 3, "unknown category 'antivirus'", 1, 2},
	{"err_unknown_field.sig", NULL, 3, "unknown field 'smtp'", 1, 2},
	{"err_unknown_key.sig", NULL, 3, "unknown key 'colour'", 1, 2},
	{"err_label_too_long.sig", NULL, 3, "label_too_long", 1, 2},
	{"err_name_too_long.sig", NULL, 3, "name_too_long", 1, 2},
	{"err_bad_byte.sig", NULL, 3, "bad_byte", 1, 2},
	{"err_non_ascii.sig", NULL, 3, "A-label", 1, 2},
	{"err_bare_tld.sig", NULL, 3, "bare top-level domain", 1, 2},
	{"err_public_suffix.sig", NULL, 3, "public suffix", 1, 2},
	{"err_empty_pattern.sig", NULL, 3, "empty domain pattern", 1, 2},
	{"err_empty_label.sig", NULL, 3, "empty_label", 1, 2},
	{"err_wildcard.sig", NULL, 3, "no wildcards", 1, 2},
	{"err_url.sig", NULL, 3, "looks like a URL", 1, 2},
	{"err_ip_literal.sig", NULL, 3, "ip_literal", 1, 2},
	{"err_no_pattern.sig", NULL, 3, "no pattern", 1, 2},
	{"err_two_patterns.sig", NULL, 3, "more than one pattern", 1, 2},
	{"err_no_category.sig", NULL, 3, "no category", 1, 2},
	{"err_bad_id.sig", NULL, 3, "id '0x10' is not a number", 1, 2},
	{"err_id_range.sig", NULL, 3, "is not a number in 1..999999999", 1, 2},
	{"err_unknown_directive.sig", NULL, 3, "unknown directive 'deny'", 1, 2},
	{"err_unterminated_quote.sig", NULL, 3, "unterminated quoted value", 1, 2},
	{"err_bad_ref.sig", NULL, 3, "ref must be an http:// or https:// URL", 1, 2},
	{"err_bad_conf.sig", NULL, 3, "conf must be high, medium or low", 1, 2},
	{"err_key_twice.sig", NULL, 3, "key 'category' given twice", 1, 2},
	{"err_not_key_value.sig", NULL, 3, "'stray' is not key=value", 1, 2},
	{"err_control_byte.sig", NULL, 3, "control byte 0x07", 1, 2},
	{"err_long_line.sig", NULL, 3, "line longer than 4096 bytes", 1, 2},
	{"err_pack_date.sig", NULL, 3, "pack date must be YYYY-MM-DD", 1, 2},
	{"err_category_conflict.sig", NULL, 3, "already set to mode=off at ", 1, 1},
	{"err_category_mode.sig", NULL, 3, "mode must be on, allow or off", 1, 2},
	{"err_import_missing.sig", NULL, 3, "cannot read import", 1, 2},
	{"err_import_no_category.sig", NULL, 3, "import needs category=", 1, 2},
	/* the list's own errors: line 3 (a..b) and line 4 (address only) */
	{"err_import_list.sig", "err_list.txt", 3, "empty_label", 2, 4},
};

static void test_load_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(load_errors) / sizeof(load_errors[0]); i++) {
		struct msgs m = {.n = 0};
		struct sig_report rep = {.fn = collect, .arg = &m};
		char path[1200], prefix[1300];
		struct sig_ruleset *rs = sig_ruleset_new();

		assert_non_null(rs);
		pack_path(path, sizeof(path), load_errors[i].file);
		int rc = sig_load_file(rs, path, &rep);
		if (rc != (int)load_errors[i].errors || m.n != load_errors[i].errors)
			fail_msg("%s: %d errors, %u messages (want %u): %s", load_errors[i].file, rc,
				 m.n, load_errors[i].errors, m.n ? m.text[0] : "");
		pack_path(path, sizeof(path),
			  load_errors[i].err_file ? load_errors[i].err_file : load_errors[i].file);
		snprintf(prefix, sizeof(prefix), "%s:%u: ", path, load_errors[i].line);
		if (strncmp(m.text[0], prefix, strlen(prefix)) != 0 ||
		    strstr(m.text[0], load_errors[i].want) == NULL)
			fail_msg("%s: got '%s', want prefix '%s' and '%s'", load_errors[i].file,
				 m.text[0], prefix, load_errors[i].want);
		assert_string_equal(rep.first, m.text[0]);
		if (rs->n_rules != load_errors[i].kept)
			fail_msg("%s: kept %zu rules, want %u", load_errors[i].file, rs->n_rules,
				 load_errors[i].kept);
		/* The good lines are intact. */
		const struct sig_rule *g = find_id(rs, 1);
		assert_non_null(g);
		assert_string_equal(sig_rs_str(rs, g->pattern), "good-one.example");
		assert_string_equal(sig_rs_str(rs, g->desc), "good line");
		assert_int_equal(g->line,
				 strcmp(load_errors[i].file, "err_category_conflict.sig") == 0 ? 2 : 1);
		sig_ruleset_free(rs);
	}
}

/* The second error of err_import_list.sig is the address-only hosts line. */
static void test_import_list_errors(void **state)
{
	struct msgs m = {.n = 0};
	struct sig_report rep = {.fn = collect, .arg = &m};
	char path[1200], want[1300];
	struct sig_ruleset *rs = sig_ruleset_new();

	(void)state;
	pack_path(path, sizeof(path), "err_import_list.sig");
	assert_int_equal(sig_load_file(rs, path, &rep), 2);
	pack_path(path, sizeof(path), "err_list.txt");
	snprintf(want, sizeof(want), "%s:4: hosts line with an address and no name", path);
	assert_string_equal(m.text[1], want);
	/* ok-one and ok-two got consecutive ids from the base. */
	const struct sig_rule *a = find_id(rs, 1500000000);
	const struct sig_rule *b = find_id(rs, 1500000001);
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(sig_rs_str(rs, a->pattern), "ok-one.example");
	assert_string_equal(sig_rs_str(rs, b->pattern), "ok-two.example");
	assert_int_equal(b->line, 5);
	sig_ruleset_free(rs);
}

/* Regex errors surface at compile, mapped to the signature's file:line. */
static void test_regex_errors(void **state)
{
	static const char *const files[] = {"err_regex.sig", "err_regex_empty.sig"};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct msgs m = {.n = 0};
		struct sig_report rep = {.fn = collect, .arg = &m};
		char path[1200], prefix[1300];
		struct sig_ruleset *rs = sig_ruleset_new();

		pack_path(path, sizeof(path), files[i]);
		assert_int_equal(sig_load_file(rs, path, &rep), 0);
		assert_int_equal(rs->n_rules, 3);
		struct sigset *set = sig_compile(rs, NULL, &rep);
		assert_null(set);
		assert_true(m.n >= 1);
		snprintf(prefix, sizeof(prefix), "%s:3: regex 3: ", path);
		if (strncmp(m.text[0], prefix, strlen(prefix)) != 0)
			fail_msg("got '%s', want prefix '%s'", m.text[0], prefix);
		sig_ruleset_free(rs);
	}
}

static void test_good_pack(void **state)
{
	struct msgs m = {.n = 0};
	struct sig_report rep = {.fn = collect, .arg = &m};
	char path[1200];
	struct sig_ruleset *rs = sig_ruleset_new();

	(void)state;
	pack_path(path, sizeof(path), "good.sig");
	assert_int_equal(sig_load_file(rs, path, &rep), 0);
	assert_int_equal(m.n, 0);
	assert_int_equal(rs->n_rules, 4);
	assert_int_equal(rs->n_packs, 1);
	assert_string_equal(sig_rs_str(rs, rs->packs[0].name), "good");
	assert_string_equal(sig_rs_str(rs, rs->packs[0].version), "2.0");
	assert_string_equal(sig_rs_str(rs, rs->packs[0].date), "2026-11-26");
	assert_int_equal(rs->cat_mode[SIG_CAT_RESEARCH], SIG_MODE_ALLOW);

	const struct sig_rule *r = find_id(rs, 100);
	assert_non_null(r);
	/* Patterns are stored normalised: lower case, no trailing dot. */
	assert_string_equal(sig_rs_str(rs, r->pattern), "example.com");
	assert_int_equal(r->pattern_len, 11);
	assert_int_equal(r->kind, SIG_KIND_DOMAIN);
	assert_int_equal(r->conf, SIG_CONF_HIGH);
	assert_int_equal(r->fields, SIG_FIELDS_ALL);
	assert_string_equal(sig_rs_str(rs, r->ref), "https://example.com/#src");
	assert_string_equal(sig_rs_str(rs, r->desc), "quoted \"desc\" with \\ and # inside");
	assert_int_equal(r->line, 4);

	r = find_id(rs, 101);
	assert_int_equal(r->action, SIG_ACT_ALLOW);
	assert_int_equal(r->fields, (1u << SIG_FIELD_SNI) | (1u << SIG_FIELD_HTTP_HOST));
	assert_string_equal(sig_rs_str(rs, r->desc), "");

	r = find_id(rs, 102);
	assert_int_equal(r->kind, SIG_KIND_REGEX);
	assert_string_equal(sig_rs_str(rs, r->pattern), "^dnl-[0-9]+\\.geo\\.example\\.com$");
	sig_ruleset_free(rs);
}

static void test_imports(void **state)
{
	struct msgs m = {.n = 0};
	struct sig_report rep = {.fn = collect, .arg = &m};
	char path[1200];
	struct sig_ruleset *rs = sig_ruleset_new();

	(void)state;
	pack_path(path, sizeof(path), "imports.sig");
	int rc = sig_load_file(rs, path, &rep);
	if (rc != 0)
		fail_msg("%d errors, first: %s", rc, rep.first);
	/* 3 plain + 4 hosts (localhost names skipped) + 3 plain again + 1. */
	assert_int_equal(rs->n_rules, 11);

	const struct sig_rule *r = find_id(rs, 2000000000);
	assert_non_null(r);
	assert_string_equal(sig_rs_str(rs, r->pattern), "plain-one.example");
	assert_int_equal(r->kind, SIG_KIND_DOMAIN);
	assert_int_equal(r->category, SIG_CAT_TELEMETRY);
	assert_int_equal(r->imported, 1);
	assert_string_equal(sig_rs_str(rs, r->ref), "https://example.org/list");
	assert_string_equal(sig_rs_str(rs, r->desc), "plain list");
	r = find_id(rs, 2000000002);
	assert_string_equal(sig_rs_str(rs, r->pattern), "plain-three.example");
	assert_int_equal(r->line, 5);

	/* Hosts format: exact names, the automatic base of the second import
	 * (SIG_ID_IMPORT_MIN + 1 * stride). */
	uint32_t base = SIG_ID_IMPORT_MIN + SIG_IMPORT_AUTO_STRIDE;
	static const char *const hosts[] = {"hosts-one.example", "hosts-two.example",
					    "hosts-three.example", "hosts-four.example"};
	for (uint32_t i = 0; i < 4; i++) {
		r = find_id(rs, base + i);
		assert_non_null(r);
		assert_string_equal(sig_rs_str(rs, r->pattern), hosts[i]);
		assert_int_equal(r->kind, SIG_KIND_EXACT);
		assert_int_equal(r->category, SIG_CAT_OTHER);
	}
	assert_null(find_id(rs, base + 4));

	r = find_id(rs, 2100000000);
	assert_int_equal(r->kind, SIG_KIND_EXACT);
	assert_int_equal(r->action, SIG_ACT_ALLOW);
	assert_int_equal(r->fields, 1u << SIG_FIELD_SNI);

	/* sig_import_file does what the directive does. */
	pack_path(path, sizeof(path), "import_hosts.txt");
	assert_int_equal(sig_import_file(rs, path, SIG_CAT_OEM, &rep), 0);
	assert_int_equal(rs->n_rules, 15);
	r = find_id(rs, SIG_ID_IMPORT_MIN + 3 * SIG_IMPORT_AUTO_STRIDE);
	assert_non_null(r);
	assert_int_equal(r->category, SIG_CAT_OEM);
	sig_ruleset_free(rs);
}

/* Errors from memory: counts, NULL report, garbage never crashes. */
static void test_load_buf(void **state)
{
	struct sig_ruleset *rs = sig_ruleset_new();
	static const char text[] = "block 5 exact=a.example category=brand\r\n"
				   "\n   # comment only\n"
				   "block 6 exact=b.example category=brand fields=\n"
				   "block 7 exact=c.example category=brand fields=sni,,dns\n"
				   "=x\n"
				   "block 8 exact=d.example category=brand desc=\"bad \\n escape\"\n"
				   "block 9 exact=e.example category=brand desc=x\"y\n"
				   "block 10 exact=f.example category=brand desc=\"x\"y\n"
				   "pack name=a version=1\n"
				   "block 11 exact=g.example category=brand"; /* no final LF */
	(void)state;
	assert_int_equal(sig_load_buf(rs, "mem", text, sizeof(text) - 1, NULL), 7);
	assert_int_equal(rs->n_rules, 2);
	assert_non_null(find_id(rs, 5));
	assert_non_null(find_id(rs, 11));

	/* Every byte value, in every position of a short line. */
	char line[64];
	for (int b = 0; b < 256; b++) {
		for (size_t pos = 0; pos < 40; pos++) {
			snprintf(line, sizeof(line), "block 77 domain=ab.example category=other");
			line[pos] = (char)b;
			struct sig_ruleset *r2 = sig_ruleset_new();
			int rc = sig_load_buf(r2, "fuzz", line, strlen(line) + (b == 0 ? 1 : 0), NULL);
			assert_true(rc >= 0);
			assert_true(r2->n_rules <= 1);
			sig_ruleset_free(r2);
		}
	}
	sig_ruleset_free(rs);
}

static void test_load_path_dir(void **state)
{
	struct sig_ruleset *rs = sig_ruleset_new();
	struct msgs m = {.n = 0};
	struct sig_report rep = {.fn = collect, .arg = &m};
	char path[1200];

	(void)state;
	/* A missing file is an I/O error with the path in the message. */
	pack_path(path, sizeof(path), "does-not-exist.sig");
	assert_true(sig_load_path(rs, path, &rep) < 0);
	assert_non_null(strstr(m.text[0], "does-not-exist.sig: cannot read"));
	sig_ruleset_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_import_list_errors),
		cmocka_unit_test(test_regex_errors),
		cmocka_unit_test(test_good_pack),
		cmocka_unit_test(test_imports),
		cmocka_unit_test(test_load_buf),
		cmocka_unit_test(test_load_path_dir),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
