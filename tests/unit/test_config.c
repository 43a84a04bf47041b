/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration loader: every error data file (tests/data/cfg/err_*.conf)
 * is refused with its own file:line and reason, the full and minimal files
 * load with exactly the values written, and the shipped configurations
 * (config/kasblock.conf, config/examples/) load.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>
#include "kb_test.h"

#include "config.h"
#include "policy.h"
#include "sig.h"

static struct ctl_config cfg;

static int load(const char *rel, char *err, size_t cap)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", kb_data_dir(), rel);
	ctl_config_defaults(&cfg);
	err[0] = '\0';
	return ctl_config_load(&cfg, path, err, cap);
}

/* One error file: the message must start with "<path>:<line>: " and
 * contain the reason. */
struct err_case {
	const char *file;
	int line;          /* -1: no line (the file as a whole) */
	const char *reason;
};

static const struct err_case err_cases[] = {
	{"err_syntax.conf", 5, "syntax error"},
	{"err_unknown_group.conf", 3, "unknown group \"polcy\""},
	{"err_unknown_key.conf", 5, "unknown key flows.timeout_establised"},
	{"err_type_int.conf", 3, "flows.capacity must be an integer, not a string"},
	{"err_type_group.conf", 2, "policy must be a group, not an integer"},
	{"err_type_bool.conf", 3, "reload.watch must be a boolean, not an integer"},
	{"err_range.conf", 4, "inspection.pool_slots = 8 is out of range (16..1048576)"},
	{"err_range_port.conf", 3, "metrics.port = 70000 is out of range"},
	{"err_ring_pow2.conf", 4, "events.ring_size must be a power of two"},
	{"err_mode.conf", 3, "policy.mode: unknown value \"block\" (enforce, monitor)"},
	{"err_category.conf", 5, "policy.actions: unknown category \"updates\""},
	{"err_action.conf", 3, "policy.default_action: unknown action \"block\""},
	{"err_date_format.conf", 4, "policy.enforce_from.storefront: \"20-07-2024\" is not a date"},
	{"err_date_day.conf", 4, "policy.enforce_from.update: \"2023-02-29\" is not a date"},
	{"err_date_type.conf", 4, "policy.enforce_from.update must be a string, not an integer"},
	{"err_prefix_bits.conf", 6, "\"10.20.1.0/16\" is not an address prefix"},
	{"err_prefix_v6.conf", 3, "\"2001:db8::/129\" is not an address prefix"},
	{"err_exempt_action.conf", 3, "policy.exempt_action: unknown value \"drop\" (pass, monitor)"},
	{"err_allow_name.conf", 6, "policy.allow: '*.kaspersky.com': no wildcards"},
	{"err_allow_tld.conf", 3, "policy.allow: domain=com is a bare top-level domain"},
	{"err_allow_other_off.conf", 5, "signatures.modes.other = \"off\" would drop policy.allow"},
	{"err_no_signatures.conf", 3, "policy.no_signatures: unknown value \"ignore\""},
	{"err_metrics_address.conf", 3, "metrics.address: \"localhost\" is not an IPv4 or IPv6"},
	{"err_facility.conf", 4, "events.syslog_facility: unknown value \"kern\""},
	{"err_log_level.conf", 3, "log.level: unknown value \"verbose\""},
	{"err_pair.conf", 3, "a port pair has exactly two ports"},
	{"err_files_missing.conf", -1, "signatures.files is required"},
	{"err_rate.conf", 3, "events.rate_limit = 2000000 is out of range (0..1000000)"},
	{"err_include_missing.conf", 2, "cannot open include file"},
};

static void test_errors(void **state)
{
	char err[CTL_ERR_MAX], want[1200];

	(void)state;
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *ec = &err_cases[i];
		char rel[256];
		snprintf(rel, sizeof(rel), "cfg/%s", ec->file);
		int rc = load(rel, err, sizeof(err));
		if (rc == 0)
			fail_msg("%s: loaded, want an error", ec->file);
		if (ec->line >= 0)
			snprintf(want, sizeof(want), "%s/%s:%d: ", kb_data_dir(), rel, ec->line);
		else
			snprintf(want, sizeof(want), "%s/%s: ", kb_data_dir(), rel);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("%s: error \"%s\" does not start with \"%s\"", ec->file, err, want);
		if (strstr(err, ec->reason) == NULL)
			fail_msg("%s: error \"%s\" lacks \"%s\"", ec->file, err, ec->reason);
	}
}

/* Every err_*.conf in the directory has a case above (one file per error,
 * none forgotten). */
static void test_every_error_file_has_a_case(void **state)
{
	char cmd[1200];

	(void)state;
	snprintf(cmd, sizeof(cmd), "ls %s/cfg/err_*.conf", kb_data_dir());
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char line[1024];
	unsigned n = 0;
	while (fgets(line, sizeof(line), p) != NULL) {
		const char *base = strrchr(line, '/');
		base = base != NULL ? base + 1 : line;
		line[strcspn(line, "\n")] = '\0';
		bool found = false;
		for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++)
			if (strcmp(err_cases[i].file, base) == 0)
				found = true;
		if (!found)
			fail_msg("%s has no expectation in test_config.c", base);
		n++;
	}
	pclose(p);
	assert_int_equal(n, sizeof(err_cases) / sizeof(err_cases[0]));
}

static void test_missing_file(void **state)
{
	char err[CTL_ERR_MAX];

	(void)state;
	assert_int_not_equal(load("cfg/no-such.conf", err, sizeof(err)), 0);
	assert_non_null(strstr(err, "no-such.conf: No such file or directory"));
}

static void test_defaults(void **state)
{
	(void)state;
	ctl_config_defaults(&cfg);
	assert_int_equal(cfg.mode, CTL_MODE_ENFORCE);
	assert_int_equal(cfg.fail_policy, CTL_FAIL_OPEN);
	assert_int_equal(cfg.conflict_policy, CTL_FAIL_CLOSED);
	assert_int_equal(cfg.no_signatures, CTL_NOSIG_EXIT);
	assert_int_equal(cfg.exempt_action, CTL_ACT_PASS);
	assert_int_equal(cfg.event_rate, 1000);
	assert_int_equal(cfg.inventory_capacity, 65536);
	assert_int_equal(cfg.mtu, 1500);
	assert_string_equal(cfg.metrics_address, "127.0.0.1");
	assert_true(cfg.metrics_enabled);
	assert_true(cfg.telemetry_enabled);
	assert_false(cfg.watch);
	assert_int_equal(cfg.log_level, 7);
	/* Final Determination defaults: storefront 2024-07-20, the rest of
	 * the barred services 2024-09-29, the uncovered ones not blocked. */
	int64_t p1, p2;
	assert_int_equal(ctl_parse_date("2024-07-20", &p1), 0);
	assert_int_equal(ctl_parse_date("2024-09-29", &p2), 0);
	assert_int_equal(cfg.action[SIG_CAT_STOREFRONT], CTL_ACT_RESET);
	assert_true(cfg.has_date[SIG_CAT_STOREFRONT]);
	assert_int_equal(cfg.enforce_from[SIG_CAT_STOREFRONT], p1);
	static const enum sig_category phase2[] = {
		SIG_CAT_UPDATE, SIG_CAT_DOWNLOAD, SIG_CAT_LICENSING, SIG_CAT_TELEMETRY,
		SIG_CAT_MANAGEMENT, SIG_CAT_OEM, SIG_CAT_BRAND, SIG_CAT_LEGACY, SIG_CAT_OTHER};
	for (size_t i = 0; i < sizeof(phase2) / sizeof(phase2[0]); i++) {
		assert_int_equal(cfg.action[phase2[i]], CTL_ACT_RESET);
		assert_true(cfg.has_date[phase2[i]]);
		assert_int_equal(cfg.enforce_from[phase2[i]], p2);
	}
	assert_int_equal(cfg.action[SIG_CAT_THREAT_INTEL], CTL_ACT_MONITOR);
	assert_int_equal(cfg.action[SIG_CAT_TRAINING], CTL_ACT_MONITOR);
	assert_int_equal(cfg.action[SIG_CAT_RESEARCH], CTL_ACT_PASS);
	assert_false(cfg.has_date[SIG_CAT_RESEARCH]);
}

static void test_minimal(void **state)
{
	char err[CTL_ERR_MAX];
	static struct ctl_config def;

	(void)state;
	assert_int_equal(load("cfg/ok_minimal.conf", err, sizeof(err)), 0);
	assert_int_equal(cfg.n_sig_files, 1);
	/* Relative to the file's directory. */
	char want[1200];
	snprintf(want, sizeof(want), "%s/cfg/../../../signatures/pack", kb_data_dir());
	assert_string_equal(cfg.sig_files[0], want);
	/* Everything else as the defaults. */
	ctl_config_defaults(&def);
	assert_memory_equal(cfg.action, def.action, sizeof(def.action));
	assert_memory_equal(cfg.enforce_from, def.enforce_from, sizeof(def.enforce_from));
	assert_int_equal(cfg.flow_capacity, def.flow_capacity);
	assert_int_equal(cfg.event_rate, def.event_rate);
}

static void test_full(void **state)
{
	char err[CTL_ERR_MAX];
	int64_t t;

	(void)state;
	if (load("cfg/ok_full.conf", err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(cfg.n_eal_args, 3);
	assert_string_equal(cfg.eal_args[2], "--file-prefix=kbtest");
	assert_int_equal(cfg.n_pairs, 2);
	assert_string_equal(cfg.pairs[1].b, "net_af_packet1");
	assert_int_equal(cfg.rx_desc, 2048);
	assert_int_equal(cfg.tx_desc, 512);
	assert_int_equal(cfg.mbufs, 32767);
	assert_int_equal(cfg.mtu, 9000);
	assert_int_equal(cfg.workers, 3);
	assert_int_equal(cfg.flow_capacity, 131072);
	assert_int_equal(cfg.timeout_closed, 5);
	assert_int_equal(cfg.expiry_batch, 128);
	assert_int_equal(cfg.stream_cap, 8192);
	assert_int_equal(cfg.fail_policy, CTL_FAIL_CLOSED);
	assert_int_equal(cfg.conflict_policy, CTL_FAIL_OPEN);
	assert_int_equal(cfg.cat_mode[SIG_CAT_LEGACY], SIG_MODE_ON);
	assert_int_equal(cfg.cat_mode[SIG_CAT_RESEARCH], SIG_MODE_ALLOW);
	assert_int_equal(cfg.mode, CTL_MODE_MONITOR);
	/* default_action sets every category the actions group leaves out. */
	assert_int_equal(cfg.action[SIG_CAT_UPDATE], CTL_ACT_RESET);
	assert_int_equal(cfg.action[SIG_CAT_TRAINING], CTL_ACT_PASS);
	assert_int_equal(cfg.action[SIG_CAT_BRAND], CTL_ACT_DROP);
	assert_int_equal(cfg.action[SIG_CAT_RESEARCH], CTL_ACT_DROP);
	/* Dates: a day is its 00:00 UTC; a time is taken as written; "none"
	 * clears a default date; unnamed categories keep theirs. */
	assert_int_equal(cfg.enforce_from[SIG_CAT_STOREFRONT], 1721433600);
	assert_int_equal(cfg.enforce_from[SIG_CAT_UPDATE], 1727568000 + 4 * 3600);
	assert_false(cfg.has_date[SIG_CAT_BRAND]);
	assert_true(cfg.has_date[SIG_CAT_LICENSING]);
	assert_int_equal(ctl_parse_date("2024-09-29", &t), 0);
	assert_int_equal(cfg.enforce_from[SIG_CAT_LICENSING], t);
	assert_int_equal(cfg.n_exempt, 3);
	assert_int_equal(cfg.exempt[0].ip_version, 4);
	assert_int_equal(cfg.exempt[0].len, 16);
	assert_int_equal(cfg.exempt[1].ip_version, 6);
	assert_int_equal(cfg.exempt[1].len, 48);
	assert_int_equal(cfg.exempt[2].len, 32);
	assert_int_equal(cfg.exempt_action, CTL_ACT_MONITOR);
	assert_int_equal(cfg.n_allow, 2);
	assert_string_equal(cfg.allow[0], "securelist.com"); /* normalised */
	assert_string_equal(cfg.allow[1], "ics-cert.kaspersky.com");
	assert_int_equal(cfg.no_signatures, CTL_NOSIG_CLOSED);
	assert_true(cfg.watch);
	assert_int_equal(cfg.watch_interval_ms, 500);
	char want[1200];
	snprintf(want, sizeof(want), "%s/cfg/events.json", kb_data_dir());
	assert_string_equal(cfg.events_file, want);
	assert_int_equal(cfg.event_ring, 8192);
	assert_true(cfg.log_names);
	assert_int_equal(cfg.event_rate, 50);
	assert_true(cfg.syslog);
	assert_int_equal(cfg.syslog_facility, LOG_LOCAL3);
	assert_string_equal(cfg.syslog_ident, "kb-test");
	assert_int_equal(cfg.inventory_capacity, 1000);
	assert_false(cfg.metrics_enabled);
	assert_string_equal(cfg.metrics_address, "::1");
	assert_int_equal(cfg.metrics_port, 9999);
	assert_false(cfg.telemetry_enabled);
	assert_int_equal(cfg.log_level, 8);
}

/* The shipped configurations load, and their signature files compile. */
static void test_shipped(void **state)
{
	static const char *const files[] = {
		"../../config/kasblock.conf",
		"../../config/examples/replay.conf",
		"../../config/examples/nic-pair.conf",
		"../../config/examples/af-packet-pair.conf",
	};
	char err[CTL_ERR_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (load(files[i], err, sizeof(err)) != 0)
			fail_msg("%s: %s", files[i], err);
		struct sig_report rep = {0};
		struct sigset *set = ctl_policy_build_set(&cfg, &rep);
		if (set == NULL)
			fail_msg("%s: signatures: %s", files[i], rep.first);
		assert_true(set->counts.total > 100);
		sig_set_free(set);
	}
	/* The commented default is the built-in default. */
	static struct ctl_config def;
	assert_int_equal(load("../../config/kasblock.conf", err, sizeof(err)), 0);
	ctl_config_defaults(&def);
	assert_memory_equal(cfg.action, def.action, sizeof(def.action));
	assert_memory_equal(cfg.has_date, def.has_date, sizeof(def.has_date));
	assert_memory_equal(cfg.enforce_from, def.enforce_from, sizeof(def.enforce_from));
	assert_int_equal(cfg.mode, def.mode);
	assert_int_equal(cfg.event_rate, def.event_rate);
	assert_int_equal(cfg.inventory_capacity, def.inventory_capacity);
	assert_int_equal(cfg.fail_policy, def.fail_policy);
	assert_int_equal(cfg.no_signatures, def.no_signatures);
	assert_int_equal(cfg.metrics_port, def.metrics_port);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(ctl_action_name(CTL_ACT_DROP), "drop");
	assert_string_equal(ctl_mode_name(CTL_MODE_MONITOR), "monitor");
	assert_string_equal(ctl_fail_name(CTL_FAIL_CLOSED), "closed");
	assert_string_equal(ctl_nosig_name(CTL_NOSIG_OPEN), "open");
	assert_string_equal(ctl_log_level_name(7), "info");
	assert_string_equal(ctl_log_level_name(0), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_every_error_file_has_a_case),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
