/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The remediation inventory: what it records and ignores, per-category
 * counts, first/last seen and last name, the capacity bound with LRU
 * eviction, and a long random churn checked against a plain reference
 * model (so index deletions never lose or duplicate a client).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "inventory.h"

static struct dp_event ev_make(uint8_t type, uint8_t reason, uint8_t cat, uint32_t client,
			       const char *name)
{
	struct dp_event e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.reason = reason;
	e.category = cat;
	e.ip_version = 4;
	e.src[0] = 10;
	e.src[1] = (uint8_t)(client >> 16);
	e.src[2] = (uint8_t)(client >> 8);
	e.src[3] = (uint8_t)client;
	e.action = type == DP_EV_BLOCK ? DP_ACT_RESET : DP_ACT_MONITOR;
	e.name_len = (uint16_t)strlen(name);
	memcpy(e.name, name, e.name_len);
	return e;
}

static bool rec(uint8_t type, uint8_t cat, uint32_t client, const char *name, uint64_t ns)
{
	struct dp_event e = ev_make(type, DP_R_SIGNATURE, cat, client, name);
	return ctl_inventory_record(&e, ns);
}

static uint32_t client_of(const struct ctl_client *c)
{
	return (uint32_t)c->addr[1] << 16 | (uint32_t)c->addr[2] << 8 | c->addr[3];
}

static void test_records(void **state)
{
	struct ctl_client out[8];
	struct ctl_inventory_totals t;

	(void)state;
	assert_int_equal(ctl_inventory_init(100), 0);
	assert_true(rec(DP_EV_BLOCK, SIG_CAT_UPDATE, 1, "dnl-01.geo.kaspersky.com", 1000));
	assert_true(rec(DP_EV_MONITOR, SIG_CAT_THREAT_INTEL, 1, "opentip.kaspersky.com", 3000));
	assert_true(rec(DP_EV_BLOCK, SIG_CAT_UPDATE, 1, "s01.upd.kaspersky.com", 2000));
	assert_true(rec(DP_EV_BLOCK, SIG_CAT_LICENSING, 2, "activation-v2.kaspersky.com", 2500));

	/* Ignored: name events, policy verdicts, no category. */
	struct dp_event e = ev_make(DP_EV_NAME, DP_R_SIGNATURE, SIG_CAT_UPDATE, 3, "x.example");
	assert_false(ctl_inventory_record(&e, 1));
	e = ev_make(DP_EV_BLOCK, DP_R_LIMIT, DP_CAT_NONE, 3, "");
	assert_false(ctl_inventory_record(&e, 1));
	e = ev_make(DP_EV_BLOCK, DP_R_SIGNATURE, DP_CAT_NONE, 3, "");
	assert_false(ctl_inventory_record(&e, 1));
	e = ev_make(DP_EV_BLOCK, DP_R_SIGNATURE, SIG_CAT_UPDATE, 3, "a.b");
	e.ip_version = 0;
	assert_false(ctl_inventory_record(&e, 1));

	size_t n = ctl_inventory_snapshot(out, 8, &t);
	assert_int_equal(n, 2);
	assert_int_equal(t.clients, 2);
	assert_int_equal(t.inserted, 2);
	assert_int_equal(t.recorded, 4);
	assert_int_equal(t.ignored, 4);
	assert_int_equal(t.evicted, 0);
	assert_int_equal(t.capacity, 100);
	/* Most recently recorded first. */
	assert_int_equal(client_of(&out[0]), 2);
	assert_int_equal(client_of(&out[1]), 1);
	const struct ctl_client *c = &out[1];
	assert_int_equal(c->ip_version, 4);
	assert_int_equal(c->count[SIG_CAT_UPDATE], 2);
	assert_int_equal(c->count[SIG_CAT_THREAT_INTEL], 1);
	assert_int_equal(c->blocked, 2);
	assert_int_equal(c->monitored, 1);
	/* Seen times are the events' own, in whatever order they came. */
	assert_int_equal(c->first_seen_ns, 1000);
	assert_int_equal(c->last_seen_ns, 3000);
	assert_string_equal(c->last_name, "s01.upd.kaspersky.com");
	assert_int_equal(c->last_category, SIG_CAT_UPDATE);
	ctl_inventory_free();
}

/* IPv4 10.0.0.1 and the IPv6 address with the same first bytes are two
 * clients. */
static void test_families(void **state)
{
	struct ctl_inventory_totals t;

	(void)state;
	assert_int_equal(ctl_inventory_init(16), 0);
	struct dp_event e = ev_make(DP_EV_BLOCK, DP_R_SIGNATURE, SIG_CAT_BRAND, 1, "kaspersky.ru");
	assert_true(ctl_inventory_record(&e, 5));
	e.ip_version = 6;
	assert_true(ctl_inventory_record(&e, 6));
	ctl_inventory_totals(&t);
	assert_int_equal(t.clients, 2);
	ctl_inventory_free();
}

static void test_eviction(void **state)
{
	struct ctl_client out[32];
	struct ctl_inventory_totals t;

	(void)state;
	assert_int_equal(ctl_inventory_init(3), 0); /* clamped to the minimum */
	ctl_inventory_totals(&t);
	assert_int_equal(t.capacity, CTL_INV_MIN_CAPACITY);
	for (uint32_t i = 0; i < CTL_INV_MIN_CAPACITY; i++)
		assert_true(rec(DP_EV_BLOCK, SIG_CAT_UPDATE, i, "a.kaspersky.com", i));
	/* Client 0 seen again: client 1 is now the least recent. */
	assert_true(rec(DP_EV_BLOCK, SIG_CAT_UPDATE, 0, "b.kaspersky.com", 100));
	assert_true(rec(DP_EV_BLOCK, SIG_CAT_UPDATE, 1000, "c.kaspersky.com", 101));
	size_t n = ctl_inventory_snapshot(out, 32, &t);
	assert_int_equal(n, CTL_INV_MIN_CAPACITY);
	assert_int_equal(t.clients, CTL_INV_MIN_CAPACITY);
	assert_int_equal(t.evicted, 1);
	assert_int_equal(t.inserted, CTL_INV_MIN_CAPACITY + 1);
	assert_int_equal(client_of(&out[0]), 1000);
	assert_int_equal(client_of(&out[1]), 0);
	assert_int_equal(out[1].count[SIG_CAT_UPDATE], 2);
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(client_of(&out[i]), 1);
	/* The evicted client comes back as a new one, counts from zero. */
	assert_true(rec(DP_EV_BLOCK, SIG_CAT_OEM, 1, "d.kaspersky.com", 200));
	n = ctl_inventory_snapshot(out, 32, &t);
	assert_int_equal(client_of(&out[0]), 1);
	assert_int_equal(out[0].count[SIG_CAT_UPDATE], 0);
	assert_int_equal(out[0].count[SIG_CAT_OEM], 1);
	assert_int_equal(out[0].first_seen_ns, 200);
	assert_int_equal(t.evicted, 2);
	/* A short buffer gets the most recent ones. */
	assert_int_equal(ctl_inventory_snapshot(out, 2, NULL), 2);
	assert_int_equal(client_of(&out[0]), 1);
	ctl_inventory_free();
}

static int count_cb(const struct ctl_client *c, void *arg)
{
	unsigned *n = arg;
	(void)c;
	return ++*n == 5 ? 42 : 0;
}

static void test_foreach(void **state)
{
	unsigned n = 0;

	(void)state;
	assert_int_equal(ctl_inventory_init(64), 0);
	for (uint32_t i = 0; i < 10; i++)
		rec(DP_EV_MONITOR, SIG_CAT_TRAINING, i, "asap.kaspersky.com", i);
	assert_int_equal(ctl_inventory_foreach(count_cb, &n), 42);
	assert_int_equal(n, 5);
	ctl_inventory_free();
	/* Not initialised: nothing recorded, nothing to walk. */
	assert_false(rec(DP_EV_BLOCK, SIG_CAT_UPDATE, 1, "x.kaspersky.com", 1));
	n = 0;
	assert_int_equal(ctl_inventory_foreach(count_cb, &n), 0);
	assert_int_equal(n, 0);
}

/* Random churn against a reference LRU: an array ordered by recency. */
static void test_churn(void **state)
{
	enum { CAP = 64, UNIVERSE = 200, STEPS = 200000 };
	static uint32_t ref[CAP];
	static uint64_t ref_cnt[UNIVERSE];
	static struct ctl_client out[CAP + 1];
	size_t nref = 0;
	uint64_t evicted = 0;
	uint32_t seed = 12345;

	(void)state;
	assert_int_equal(ctl_inventory_init(CAP), 0);
	for (unsigned step = 0; step < STEPS; step++) {
		seed = seed * 1103515245u + 12345u;
		/* Skewed: a few hot clients, many cold ones. */
		uint32_t c = (seed >> 8) % (seed & 0x100 ? 16u : (uint32_t)UNIVERSE);
		assert_true(rec(DP_EV_BLOCK, SIG_CAT_UPDATE, c, "u.kaspersky.com", step));
		size_t pos = nref;
		for (size_t i = 0; i < nref; i++)
			if (ref[i] == c)
				pos = i;
		if (pos == nref) {
			if (nref == CAP) {
				ref_cnt[ref[nref - 1]] = 0;
				nref--;
				pos = nref;
				evicted++;
			}
			nref++;
		}
		memmove(&ref[1], &ref[0], pos * sizeof(ref[0]));
		ref[0] = c;
		ref_cnt[c]++;
		if (step % 9973 == 0 || step == STEPS - 1) {
			struct ctl_inventory_totals t;
			size_t n = ctl_inventory_snapshot(out, CAP + 1, &t);
			assert_int_equal(n, nref);
			assert_int_equal(t.evicted, evicted);
			for (size_t i = 0; i < n; i++) {
				assert_int_equal(client_of(&out[i]), ref[i]);
				assert_int_equal(out[i].count[SIG_CAT_UPDATE], ref_cnt[ref[i]]);
			}
		}
	}
	ctl_inventory_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_churn),
	};
	return cmocka_run_group_tests_name("inventory", tests, NULL, NULL);
}
