/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event log writer: the JSON line (keys, policy and generation,
 * escaping), the per-second rate limit on event time with its suppressed
 * counter, reopening after the file was moved (logrotate), moving the log to
 * another path, and the counters other threads read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "event_log.h"
#include "sig_types.h"

#define HZ 1000000000u /* 1 GHz: one TSC tick per ns */

static struct dp_event block_event(uint64_t tsc, const char *name)
{
	struct dp_event e;

	memset(&e, 0, sizeof(e));
	e.tsc = tsc;
	e.type = DP_EV_BLOCK;
	e.ip_version = 4;
	e.proto = 6;
	e.src[0] = 10;
	e.src[3] = 1;
	e.dst[0] = 192;
	e.dst[2] = 2;
	e.dst[3] = 1;
	e.sport = 40001;
	e.dport = 443;
	e.field = SIG_FIELD_SNI;
	e.category = SIG_CAT_UPDATE;
	e.action = DP_ACT_RESET;
	e.reason = DP_R_SIGNATURE;
	e.policy = DP_POL_ACTION;
	e.sig_id = 1011;
	e.gen = 7;
	e.name_len = (uint16_t)strlen(name);
	memcpy(e.name, name, e.name_len);
	return e;
}

static unsigned lines(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned n = 0;
	int c;

	if (f == NULL)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static void test_format(void **state)
{
	struct ctl_evlog l;
	char err[256], buf[2048];

	(void)state;
	assert_int_equal(ctl_evlog_open(&l, "", 0, HZ, err, sizeof(err)), 0);
	/* Fix the clock base: TSC 0 is 2024-09-29T00:00:00Z. */
	l.ns0 = 1727568000ull * 1000000000u;
	struct dp_event e = block_event(1500000, "dnl-01.geo.kaspersky.com");
	ctl_evlog_format(&l, &e, buf, sizeof(buf));
	assert_string_equal(buf,
		"{\"timestamp\":\"2024-09-29T00:00:00.001500Z\",\"event\":\"block\","
		"\"src_ip\":\"10.0.0.1\",\"src_port\":40001,\"dest_ip\":\"192.0.2.1\","
		"\"dest_port\":443,\"proto\":\"TCP\",\"field\":\"sni\","
		"\"name\":\"dnl-01.geo.kaspersky.com\",\"signature_id\":1011,"
		"\"category\":\"update\",\"action\":\"reset\",\"reason\":\"signature\","
		"\"policy\":\"configured\",\"generation\":7}");
	/* A policy verdict: no name, no category; the monitor of an exempt
	 * client says so. */
	e = block_event(0, "");
	e.type = DP_EV_MONITOR;
	e.action = DP_ACT_MONITOR;
	e.reason = DP_R_LIMIT;
	e.category = DP_CAT_NONE;
	e.sig_id = 0;
	e.policy = DP_POL_EXEMPT;
	ctl_evlog_format(&l, &e, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"field\":null,\"name\":null,\"signature_id\":0,"
				    "\"category\":null,\"action\":\"monitor\",\"reason\":\"limit\","
				    "\"policy\":\"exempt_client\""));
	/* No set live, closed: the name seen is logged. */
	e = block_event(0, "a.example");
	e.reason = DP_R_NO_SET;
	e.category = DP_CAT_NONE;
	e.sig_id = 0;
	e.gen = 0;
	ctl_evlog_format(&l, &e, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"name\":\"a.example\""));
	assert_non_null(strstr(buf, "\"reason\":\"no_signatures\""));
	assert_non_null(strstr(buf, "\"generation\":0}"));
	/* Escaping keeps the line JSON and UTF-8 whatever the bytes. */
	e = block_event(0, "a\"b\\c\x01\xff");
	ctl_evlog_format(&l, &e, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"name\":\"a\\\"b\\\\c\\u0001\\u00ff\""));
	ctl_evlog_close(&l);
}

static void test_rate_limit(void **state)
{
	char dir[] = "/tmp/kb-test-evlog-XXXXXX", path[256], err[256];
	struct ctl_evlog l;
	struct ctl_evlog_counters c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/events.json", dir);
	assert_int_equal(ctl_evlog_open(&l, path, 0, HZ, err, sizeof(err)), 0);
	ctl_evlog_configure(&l, 3, false, 0, NULL);
	/* Second 0 of event time: 5 events, 3 written. */
	for (unsigned i = 0; i < 5; i++) {
		struct dp_event e = block_event(i * 1000u, "a.kaspersky.com");
		assert_int_equal(ctl_evlog_write(&l, &e), i < 3);
	}
	/* Second 1: a fresh budget. An event of second 0 arriving late is
	 * counted against the current second. */
	struct dp_event e = block_event(1000000000u + 5, "b.kaspersky.com");
	assert_true(ctl_evlog_write(&l, &e));
	e = block_event(10, "late.kaspersky.com");
	assert_true(ctl_evlog_write(&l, &e));
	e = block_event(1000000000u + 6, "c.kaspersky.com");
	assert_true(ctl_evlog_write(&l, &e));
	e = block_event(1000000000u + 7, "d.kaspersky.com");
	assert_false(ctl_evlog_write(&l, &e));
	ctl_evlog_counters(&c);
	assert_int_equal(c.written, 6);
	assert_int_equal(c.suppressed, 3);
	/* 0: no limit. */
	ctl_evlog_configure(&l, 0, false, 0, NULL);
	for (unsigned i = 0; i < 100; i++) {
		e = block_event(1000000000u + 8, "e.kaspersky.com");
		assert_true(ctl_evlog_write(&l, &e));
	}
	ctl_evlog_flush(&l);
	assert_int_equal(lines(path), 106);
	ctl_evlog_close(&l);
	unlink(path);
	rmdir(dir);
}

static void test_reopen_and_switch(void **state)
{
	char dir[] = "/tmp/kb-test-evlog-XXXXXX", path[256], moved[256], other[256];
	char err[256];
	struct ctl_evlog l;
	struct ctl_evlog_counters c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/events.json", dir);
	snprintf(moved, sizeof(moved), "%s/events.json.1", dir);
	snprintf(other, sizeof(other), "%s/other.json", dir);
	assert_int_equal(ctl_evlog_open(&l, path, 0, HZ, err, sizeof(err)), 0);
	struct dp_event e = block_event(0, "a.kaspersky.com");
	ctl_evlog_write(&l, &e);
	ctl_evlog_write(&l, &e);
	ctl_evlog_flush(&l);
	/* logrotate moves the file; until the reopen, lines follow it. */
	assert_int_equal(rename(path, moved), 0);
	ctl_evlog_write(&l, &e);
	assert_int_equal(ctl_evlog_reopen(&l, err, sizeof(err)), 0);
	ctl_evlog_write(&l, &e);
	ctl_evlog_flush(&l);
	assert_int_equal(lines(moved), 3);
	assert_int_equal(lines(path), 1);
	/* A reopen that cannot open keeps the old stream. */
	assert_int_equal(rename(path, moved), 0);
	char saved[sizeof(l.path)];
	snprintf(saved, sizeof(saved), "%s", l.path);
	snprintf(l.path, sizeof(l.path), "%s/no/such/dir/x.json", dir);
	assert_int_not_equal(ctl_evlog_reopen(&l, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "No such file or directory"));
	snprintf(l.path, sizeof(l.path), "%s", saved);
	ctl_evlog_write(&l, &e);
	ctl_evlog_flush(&l);
	assert_int_equal(lines(moved), 2); /* the stream still open is the moved one */
	/* Moving the log elsewhere (a reload changed events.file). */
	assert_int_equal(ctl_evlog_switch(&l, other, err, sizeof(err)), 0);
	ctl_evlog_write(&l, &e);
	ctl_evlog_flush(&l);
	assert_int_equal(lines(other), 1);
	assert_string_equal(l.path, other);
	ctl_evlog_counters(&c);
	assert_int_equal(c.written, 6);
	assert_int_equal(c.reopens, 1);
	assert_int_equal(c.errors, 1);
	/* "" stops writing; the counters stay. */
	assert_int_equal(ctl_evlog_switch(&l, "", err, sizeof(err)), 0);
	assert_false(ctl_evlog_write(&l, &e));
	ctl_evlog_close(&l);
	unlink(moved);
	unlink(other);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_reopen_and_switch),
	};
	return cmocka_run_group_tests_name("event_log", tests, NULL, NULL);
}
