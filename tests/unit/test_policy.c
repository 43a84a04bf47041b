/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy decisions: dates (parsing, the day boundary in UTC), exemption
 * prefixes at their edges (IPv4 and IPv6), and the precedence of allow list,
 * exemption, category action, enforcement date and monitor mode, from the
 * configuration through ctl_policy_resolve() to the worker's
 * dp_policy_decide() and, for allowed names, the compiled set.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "dp_policy.h"
#include "policy.h"
#include "sig.h"

static struct ctl_config cfg;

static int64_t date(const char *s)
{
	int64_t t;
	if (ctl_parse_date(s, &t) != 0)
		fail_msg("bad date %s", s);
	return t;
}

/* ---- dates ----------------------------------------------------------------- */

static void test_parse_date(void **state)
{
	int64_t t;
	char buf[32];

	(void)state;
	assert_int_equal(date("1970-01-01"), 0);
	assert_int_equal(date("2024-07-20"), 1721433600);
	assert_int_equal(date("2024-09-29"), 1727568000);
	assert_int_equal(date("2024-09-29T04:00:00Z"), 1727568000 + 4 * 3600);
	assert_int_equal(date("2024-09-28T23:59:59Z"), 1727568000 - 1);
	assert_int_equal(date("2024-02-29"), date("2024-02-28") + 86400);
	assert_int_equal(date("2024-03-01"), date("2024-02-29") + 86400);
	assert_int_equal(date("2000-02-29"), 951782400);
	assert_int_equal(date("2038-01-19T03:14:08Z"), 2147483648LL); /* past 32 bits */
	static const char *const bad[] = {
		"2023-02-29", "2100-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "2024-01-00",
		"1969-12-31", "24-09-29", "2024-9-29", "2024/09/29", "2024-09-29 ", "",
		"2024-09-29T24:00:00Z", "2024-09-29T04:00:00", "2024-09-29T04:60:00Z",
		"2024-09-29t04:00:00Z", "20240929", "none", "2024-09-29T04:00:00+02",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ctl_parse_date(bad[i], &t) == 0)
			fail_msg("\"%s\" parsed as %lld", bad[i], (long long)t);
	ctl_format_date(1727568000 + 4 * 3600 + 61, buf, sizeof(buf));
	assert_string_equal(buf, "2024-09-29T04:01:01Z");
	ctl_format_date(date("2024-02-29T23:59:59Z"), buf, sizeof(buf));
	assert_string_equal(buf, "2024-02-29T23:59:59Z");
	ctl_format_date(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
}

static void setup_cfg(void)
{
	ctl_config_defaults(&cfg);
}

/* The day boundary: a date is 00:00:00 UTC, whatever the local zone. */
static void test_date_boundary(void **state)
{
	struct dp_policy p;
	int64_t d2 = date("2024-09-29");
	int64_t d1 = date("2024-07-20");

	(void)state;
	setup_cfg();
	setenv("TZ", "America/New_York", 1); /* must not matter */

	ctl_policy_resolve(&cfg, d1 - 1, &p);
	assert_int_equal(p.action[SIG_CAT_STOREFRONT], DP_ACT_MONITOR);
	assert_int_equal(p.src[SIG_CAT_STOREFRONT], DP_POL_DATE);
	assert_int_equal(p.action[SIG_CAT_UPDATE], DP_ACT_MONITOR);

	ctl_policy_resolve(&cfg, d1, &p);
	assert_int_equal(p.action[SIG_CAT_STOREFRONT], DP_ACT_RESET);
	assert_int_equal(p.src[SIG_CAT_STOREFRONT], DP_POL_ACTION);
	assert_int_equal(p.action[SIG_CAT_UPDATE], DP_ACT_MONITOR);
	assert_int_equal(p.src[SIG_CAT_UPDATE], DP_POL_DATE);

	ctl_policy_resolve(&cfg, d2 - 1, &p); /* 2024-09-28T23:59:59Z */
	assert_int_equal(p.action[SIG_CAT_UPDATE], DP_ACT_MONITOR);
	assert_int_equal(p.action[SIG_CAT_LICENSING], DP_ACT_MONITOR);
	ctl_policy_resolve(&cfg, d2, &p);
	for (unsigned c = 0; c < SIG_CAT_COUNT; c++) {
		if (c == SIG_CAT_THREAT_INTEL || c == SIG_CAT_TRAINING) {
			assert_int_equal(p.action[c], DP_ACT_MONITOR);
			assert_int_equal(p.src[c], DP_POL_ACTION);
		} else if (c == SIG_CAT_RESEARCH) {
			assert_int_equal(p.action[c], DP_ACT_PASS);
		} else {
			assert_int_equal(p.action[c], DP_ACT_RESET);
			assert_int_equal(p.src[c], DP_POL_ACTION);
		}
	}
	/* An instant with a time: midnight in New York is 04:00 UTC. */
	cfg.enforce_from[SIG_CAT_UPDATE] = date("2024-09-29T04:00:00Z");
	ctl_policy_resolve(&cfg, date("2024-09-29T03:59:59Z"), &p);
	assert_int_equal(p.action[SIG_CAT_UPDATE], DP_ACT_MONITOR);
	ctl_policy_resolve(&cfg, date("2024-09-29T04:00:00Z"), &p);
	assert_int_equal(p.action[SIG_CAT_UPDATE], DP_ACT_RESET);
	unsetenv("TZ");
}

static void test_next_change(void **state)
{
	(void)state;
	setup_cfg();
	assert_int_equal(ctl_policy_next_change(&cfg, 0), date("2024-07-20"));
	assert_int_equal(ctl_policy_next_change(&cfg, date("2024-07-20")), date("2024-09-29"));
	assert_int_equal(ctl_policy_next_change(&cfg, date("2024-09-29")), 0);
	/* A date on a category that does not block changes nothing. */
	cfg.action[SIG_CAT_STOREFRONT] = CTL_ACT_MONITOR;
	assert_int_equal(ctl_policy_next_change(&cfg, 0), date("2024-09-29"));
	cfg.has_date[SIG_CAT_STOREFRONT] = true;
	cfg.enforce_from[SIG_CAT_STOREFRONT] = date("2030-01-01");
	cfg.action[SIG_CAT_STOREFRONT] = CTL_ACT_DROP;
	assert_int_equal(ctl_policy_next_change(&cfg, date("2025-01-01")), date("2030-01-01"));
}

/* ---- mode and fail policies -------------------------------------------------- */

static void test_mode_monitor(void **state)
{
	struct dp_policy p;
	int64_t now = date("2026-01-01");

	(void)state;
	setup_cfg();
	cfg.mode = CTL_MODE_MONITOR;
	cfg.action[SIG_CAT_BRAND] = CTL_ACT_DROP;
	cfg.action[SIG_CAT_OEM] = CTL_ACT_PASS;
	cfg.fail_policy = CTL_FAIL_CLOSED;
	cfg.conflict_policy = CTL_FAIL_OPEN;
	ctl_policy_resolve(&cfg, now, &p);
	assert_int_equal(p.action[SIG_CAT_UPDATE], DP_ACT_MONITOR);
	assert_int_equal(p.src[SIG_CAT_UPDATE], DP_POL_MODE);
	assert_int_equal(p.action[SIG_CAT_BRAND], DP_ACT_MONITOR);
	assert_int_equal(p.src[SIG_CAT_BRAND], DP_POL_MODE);
	assert_int_equal(p.action[SIG_CAT_OEM], DP_ACT_PASS); /* pass stays pass */
	assert_int_equal(p.src[SIG_CAT_OEM], DP_POL_ACTION);
	assert_int_equal(p.action[SIG_CAT_TRAINING], DP_ACT_MONITOR);
	assert_int_equal(p.src[SIG_CAT_TRAINING], DP_POL_ACTION);
	assert_int_equal(p.fail_action, DP_ACT_MONITOR);
	assert_int_equal(p.fail_src, DP_POL_MODE);
	assert_int_equal(p.conflict_action, DP_ACT_PASS);
	/* Before the date, the date names the reason. */
	ctl_policy_resolve(&cfg, date("2024-08-01"), &p);
	assert_int_equal(p.action[SIG_CAT_UPDATE], DP_ACT_MONITOR);
	assert_int_equal(p.src[SIG_CAT_UPDATE], DP_POL_DATE);
	assert_int_equal(p.src[SIG_CAT_STOREFRONT], DP_POL_MODE);

	cfg.mode = CTL_MODE_ENFORCE;
	cfg.no_signatures = CTL_NOSIG_CLOSED;
	ctl_policy_resolve(&cfg, now, &p);
	assert_int_equal(p.fail_action, DP_ACT_RESET);
	assert_int_equal(p.no_set_action, DP_ACT_RESET);
	cfg.no_signatures = CTL_NOSIG_OPEN;
	ctl_policy_resolve(&cfg, now, &p);
	assert_int_equal(p.no_set_action, DP_ACT_PASS);
}

/* ---- prefixes and exemptions ---------------------------------------------------- */

static void addr(const char *s, uint8_t out[16], uint8_t *v)
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1)
		*v = 4;
	else if (inet_pton(AF_INET6, s, out) == 1)
		*v = 6;
	else
		fail_msg("bad address %s", s);
}

static bool in(const char *prefix, const char *a)
{
	struct dp_prefix p;
	uint8_t b[16] = { 0 }, v = 0;

	if (ctl_parse_prefix(prefix, &p) != 0)
		fail_msg("bad prefix %s", prefix);
	addr(a, b, &v);
	return dp_prefix_match(&p, b, v);
}

static void test_prefixes(void **state)
{
	struct dp_prefix p;

	(void)state;
	assert_true(in("10.20.0.0/16", "10.20.0.0"));
	assert_true(in("10.20.0.0/16", "10.20.255.255"));
	assert_false(in("10.20.0.0/16", "10.21.0.0"));
	assert_false(in("10.20.0.0/16", "10.19.255.255"));
	assert_true(in("10.16.0.0/13", "10.23.255.255")); /* a length inside a byte */
	assert_false(in("10.16.0.0/13", "10.24.0.0"));
	assert_false(in("10.16.0.0/13", "10.15.255.255"));
	assert_true(in("192.0.2.7", "192.0.2.7")); /* an address alone is /32 */
	assert_false(in("192.0.2.7", "192.0.2.6"));
	assert_true(in("0.0.0.0/0", "203.0.113.9"));
	assert_false(in("0.0.0.0/0", "::1")); /* families never mix */
	assert_false(in("::/0", "10.0.0.1"));
	assert_true(in("::/0", "2001:db8::1"));
	assert_true(in("2001:db8:42::/48", "2001:db8:42::"));
	assert_true(in("2001:db8:42::/48", "2001:db8:42:ffff:ffff:ffff:ffff:ffff"));
	assert_false(in("2001:db8:42::/48", "2001:db8:43::"));
	assert_false(in("2001:db8:42::/48", "2001:db8:41:ffff::1"));
	assert_true(in("2001:db8::/33", "2001:db8:7fff::1"));
	assert_false(in("2001:db8::/33", "2001:db8:8000::1"));
	assert_true(in("2001:db8::1/128", "2001:db8::1"));
	assert_false(in("2001:db8::1/128", "2001:db8::2"));
	/* An IPv4-mapped IPv6 prefix does not match the IPv4 address. */
	assert_false(in("::ffff:10.0.0.0/104", "10.0.0.1"));
	assert_true(in("128.0.0.0/1", "255.1.1.1"));
	assert_false(in("128.0.0.0/1", "127.255.255.255"));

	static const char *const bad[] = {
		"10.20.1.0/16", "10.0.0.1/31", "10.0.0.0/33", "2001:db8::/129", "2001:db8::1/64",
		"10.0.0.0/", "10.0.0.0/8x", "10.0.0.0/-1", "/8", "", "10.0.0", "host.example",
		"10.0.0.0/08x", "2001:db8::/+3",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ctl_parse_prefix(bad[i], &p) == 0)
			fail_msg("\"%s\" parsed", bad[i]);
}

/* ---- precedence: exemption, category action, date, mode --------------------------- */

static struct dp_decision decide(const struct dp_policy *p, enum dp_reason why, uint8_t cat,
				 const char *client)
{
	uint8_t b[16] = { 0 }, v = 0;
	addr(client, b, &v);
	return dp_policy_decide(p, why, cat, b, v);
}

static void test_precedence(void **state)
{
	struct dp_policy p;
	struct dp_decision d;
	int64_t now = date("2026-01-01");

	(void)state;
	setup_cfg();
	assert_int_equal(ctl_parse_prefix("10.66.0.0/24", &cfg.exempt[0]), 0);
	assert_int_equal(ctl_parse_prefix("2001:db8:66::/64", &cfg.exempt[1]), 0);
	cfg.n_exempt = 2;
	cfg.action[SIG_CAT_BRAND] = CTL_ACT_DROP;
	cfg.action[SIG_CAT_OEM] = CTL_ACT_PASS;
	cfg.fail_policy = CTL_FAIL_CLOSED;
	ctl_policy_resolve(&cfg, now, &p);

	/* Not exempt: the category's action. */
	d = decide(&p, DP_R_SIGNATURE, SIG_CAT_UPDATE, "10.66.1.1");
	assert_int_equal(d.action, DP_ACT_RESET);
	assert_int_equal(d.src, DP_POL_ACTION);
	d = decide(&p, DP_R_SIGNATURE, SIG_CAT_BRAND, "2001:db8:67::1");
	assert_int_equal(d.action, DP_ACT_DROP);
	/* Exempt (both families): passed, whatever the category does. */
	d = decide(&p, DP_R_SIGNATURE, SIG_CAT_UPDATE, "10.66.0.255");
	assert_int_equal(d.action, DP_ACT_PASS);
	assert_int_equal(d.src, DP_POL_EXEMPT);
	d = decide(&p, DP_R_SIGNATURE, SIG_CAT_BRAND, "2001:db8:66::ffff");
	assert_int_equal(d.action, DP_ACT_PASS);
	assert_int_equal(d.src, DP_POL_EXEMPT);
	d = decide(&p, DP_R_SIGNATURE, SIG_CAT_TRAINING, "10.66.0.1"); /* monitor -> pass */
	assert_int_equal(d.action, DP_ACT_PASS);
	assert_int_equal(d.src, DP_POL_EXEMPT);
	/* A pass category is not touched by the exemption. */
	d = decide(&p, DP_R_SIGNATURE, SIG_CAT_OEM, "10.66.0.1");
	assert_int_equal(d.action, DP_ACT_PASS);
	assert_int_equal(d.src, DP_POL_ACTION);
	/* Fail policies: closed blocks, but never an exempt client. */
	d = decide(&p, DP_R_LIMIT, DP_CAT_NONE, "10.1.1.1");
	assert_int_equal(d.action, DP_ACT_RESET);
	d = decide(&p, DP_R_POOL, DP_CAT_NONE, "10.66.0.9");
	assert_int_equal(d.action, DP_ACT_PASS);
	assert_int_equal(d.src, DP_POL_EXEMPT);
	d = decide(&p, DP_R_CONFLICT, DP_CAT_NONE, "10.1.1.1"); /* conflict: block by default */
	assert_int_equal(d.action, DP_ACT_RESET);
	/* A signature verdict without a category passes. */
	d = decide(&p, DP_R_SIGNATURE, DP_CAT_NONE, "10.1.1.1");
	assert_int_equal(d.action, DP_ACT_PASS);

	/* exempt_action = monitor: logged, never blocked, never stronger. */
	cfg.exempt_action = CTL_ACT_MONITOR;
	ctl_policy_resolve(&cfg, now, &p);
	d = decide(&p, DP_R_SIGNATURE, SIG_CAT_UPDATE, "10.66.0.1");
	assert_int_equal(d.action, DP_ACT_MONITOR);
	assert_int_equal(d.src, DP_POL_EXEMPT);
	d = decide(&p, DP_R_SIGNATURE, SIG_CAT_OEM, "10.66.0.1");
	assert_int_equal(d.action, DP_ACT_PASS);

	/* Monitor mode, then exempt: the exemption names the reason. */
	cfg.mode = CTL_MODE_MONITOR;
	ctl_policy_resolve(&cfg, now, &p);
	d = decide(&p, DP_R_SIGNATURE, SIG_CAT_UPDATE, "10.1.1.1");
	assert_int_equal(d.action, DP_ACT_MONITOR);
	assert_int_equal(d.src, DP_POL_MODE);
	d = decide(&p, DP_R_SIGNATURE, SIG_CAT_UPDATE, "10.66.0.1");
	assert_int_equal(d.action, DP_ACT_MONITOR);
	assert_int_equal(d.src, DP_POL_EXEMPT);

	/* Date before monitor mode; exemption before date. */
	cfg.mode = CTL_MODE_ENFORCE;
	cfg.exempt_action = CTL_ACT_PASS;
	ctl_policy_resolve(&cfg, date("2024-08-01"), &p);
	d = decide(&p, DP_R_SIGNATURE, SIG_CAT_UPDATE, "10.1.1.1");
	assert_int_equal(d.action, DP_ACT_MONITOR);
	assert_int_equal(d.src, DP_POL_DATE);
	d = decide(&p, DP_R_SIGNATURE, SIG_CAT_STOREFRONT, "10.1.1.1");
	assert_int_equal(d.action, DP_ACT_RESET);
	d = decide(&p, DP_R_SIGNATURE, SIG_CAT_UPDATE, "10.66.0.1");
	assert_int_equal(d.action, DP_ACT_PASS);
	assert_int_equal(d.src, DP_POL_EXEMPT);
}

/* The exemption list is capped by its table; entries past n_exempt are
 * never looked at. */
static void test_exempt_table(void **state)
{
	struct dp_policy p;

	(void)state;
	setup_cfg();
	for (unsigned i = 0; i < CTL_MAX_EXEMPT; i++) {
		char s[32];
		snprintf(s, sizeof(s), "10.%u.0.0/16", i);
		assert_int_equal(ctl_parse_prefix(s, &cfg.exempt[i]), 0);
	}
	cfg.n_exempt = CTL_MAX_EXEMPT;
	ctl_policy_resolve(&cfg, date("2026-01-01"), &p);
	assert_int_equal(p.n_exempt, CTL_MAX_EXEMPT);
	assert_int_equal(decide(&p, DP_R_SIGNATURE, SIG_CAT_UPDATE, "10.63.9.9").action,
			 DP_ACT_PASS);
	assert_int_equal(decide(&p, DP_R_SIGNATURE, SIG_CAT_UPDATE, "10.64.9.9").action,
			 DP_ACT_RESET);
	p.n_exempt = 1;
	assert_int_equal(decide(&p, DP_R_SIGNATURE, SIG_CAT_UPDATE, "10.1.9.9").action,
			 DP_ACT_RESET);
	assert_int_equal(decide(&p, DP_R_SIGNATURE, SIG_CAT_UPDATE, "10.0.9.9").action,
			 DP_ACT_PASS);
}

/* ---- the allow list beats every block rule, then category actions apply --------- */

static void match(const struct sigset *set, struct sig_scratch *scr, const char *host,
		  struct sig_verdict *v)
{
	int rc = sig_match(set, scr, host, strlen(host), SIG_FIELD_SNI, v);
	assert_true(rc >= 0);
}

static void test_allow_list(void **state)
{
	char path[1024];
	const char *d = getenv("KB_TEST_DATA");
	struct sig_report rep = {0};
	struct sig_verdict v;
	struct dp_policy p;

	(void)state;
	setup_cfg();
	snprintf(path, sizeof(path), "%s/../../signatures/pack", d != NULL ? d : "tests/data");
	snprintf(cfg.sig_files[0], sizeof(cfg.sig_files[0]), "%s", path);
	cfg.n_sig_files = 1;
	snprintf(cfg.allow[0], sizeof(cfg.allow[0]), "securelist.com");
	snprintf(cfg.allow[1], sizeof(cfg.allow[1]), "dnl-01.geo.kaspersky.com");
	cfg.n_allow = 2;
	struct sigset *set = ctl_policy_build_set(&cfg, &rep);
	if (set == NULL)
		fail_msg("%s", rep.first);
	struct sig_scratch *scr = sig_scratch_alloc(set);
	assert_non_null(scr);

	/* Allowed, though a longer or equal block rule covers the name. */
	match(set, scr, "dnl-01.geo.kaspersky.com", &v);
	assert_int_equal(v.action, SIG_ACT_ALLOW);
	assert_int_equal(v.id, CTL_ALLOW_ID_BASE + 1);
	match(set, scr, "cdn.securelist.com", &v);
	assert_int_equal(v.action, SIG_ACT_ALLOW);
	assert_int_equal(v.id, CTL_ALLOW_ID_BASE);
	/* Label boundaries hold: not a suffix match on bytes. */
	match(set, scr, "notsecurelist.com", &v);
	assert_int_not_equal(v.id, CTL_ALLOW_ID_BASE);
	/* Neighbours stay blocked, and their category action applies. */
	match(set, scr, "dnl-02.geo.kaspersky.com", &v);
	assert_int_equal(v.action, SIG_ACT_BLOCK);
	ctl_policy_resolve(&cfg, date("2026-01-01"), &p);
	uint8_t b[16] = {10, 0, 0, 1};
	struct dp_decision dd = dp_policy_decide(&p, DP_R_SIGNATURE, v.category, b, 4);
	assert_int_equal(dd.action, DP_ACT_RESET);
	match(set, scr, "www.kaspersky.com", &v);
	assert_int_equal(v.action, SIG_ACT_BLOCK);
	/* Without the allow list, the same names are blocked (the pack's
	 * research rows). */
	sig_scratch_free(scr);
	sig_set_free(set);
	cfg.n_allow = 0;
	set = ctl_policy_build_set(&cfg, &rep);
	assert_non_null(set);
	scr = sig_scratch_alloc(set);
	match(set, scr, "cdn.securelist.com", &v);
	assert_int_equal(v.action, SIG_ACT_BLOCK);
	assert_int_equal(v.category, SIG_CAT_RESEARCH);
	/* ... whose default action passes them anyway. */
	dd = dp_policy_decide(&p, DP_R_SIGNATURE, v.category, b, 4);
	assert_int_equal(dd.action, DP_ACT_PASS);
	sig_scratch_free(scr);
	sig_set_free(set);
}

/* A pack that switches "other" off cannot carry the allow list. */
static void test_allow_needs_other(void **state)
{
	char dir[] = "/tmp/kb-test-policy-XXXXXX";
	char path[256];
	struct sig_report rep = {0};

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/p.sig", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "category other mode=off\nblock 10 domain=example.com category=update\n");
	fclose(f);
	setup_cfg();
	snprintf(cfg.sig_files[0], sizeof(cfg.sig_files[0]), "%s", path);
	cfg.n_sig_files = 1;
	snprintf(cfg.allow[0], sizeof(cfg.allow[0]), "a.example.com");
	cfg.n_allow = 1;
	assert_null(ctl_policy_build_set(&cfg, &rep));
	assert_non_null(strstr(rep.first, "policy.allow needs category \"other\""));
	/* Overridden in the configuration: accepted, and the allow wins. */
	cfg.cat_mode[SIG_CAT_OTHER] = SIG_MODE_ON;
	struct sigset *set = ctl_policy_build_set(&cfg, &rep);
	assert_non_null(set);
	struct sig_scratch *scr = sig_scratch_alloc(set);
	struct sig_verdict v;
	match(set, scr, "a.example.com", &v);
	assert_int_equal(v.action, SIG_ACT_ALLOW);
	match(set, scr, "b.example.com", &v);
	assert_int_equal(v.action, SIG_ACT_BLOCK);
	sig_scratch_free(scr);
	sig_set_free(set);
	unlink(path);
	rmdir(dir);
}

static void test_info(void **state)
{
	struct ctl_policy_info pi;

	(void)state;
	setup_cfg();
	ctl_policy_info_fill(&cfg, date("2024-08-01"), &pi);
	assert_true(pi.cat[SIG_CAT_STOREFRONT].enforced);
	assert_false(pi.cat[SIG_CAT_UPDATE].enforced);
	assert_int_equal(pi.cat[SIG_CAT_UPDATE].action, CTL_ACT_RESET);
	assert_int_equal(pi.cat[SIG_CAT_UPDATE].effective, DP_ACT_MONITOR);
	assert_int_equal(pi.cat[SIG_CAT_UPDATE].why, DP_POL_DATE);
	assert_int_equal(pi.cat[SIG_CAT_UPDATE].enforce_from, date("2024-09-29"));
	assert_int_equal(pi.next_change, date("2024-09-29"));
	assert_false(pi.cat[SIG_CAT_RESEARCH].enforced);
	assert_false(pi.cat[SIG_CAT_RESEARCH].has_date);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_date),
		cmocka_unit_test(test_date_boundary),
		cmocka_unit_test(test_next_change),
		cmocka_unit_test(test_mode_monitor),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_exempt_table),
		cmocka_unit_test(test_allow_list),
		cmocka_unit_test(test_allow_needs_other),
		cmocka_unit_test(test_info),
	};
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
