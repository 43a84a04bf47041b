/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the counter exports (control/metrics.c, control/stats_sig.c)
 * on a snapshot built here: the Prometheus text is read back with a strict
 * parser of format 0.0.4 (HELP and TYPE once per family and before its
 * samples, counter names end in _total, label values escaped, no series
 * twice), every value checked against the snapshot, and the per-signature
 * top N with its "other" bucket.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <sys/types.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"
#include "sig.h"
#include "stats.h"

/* ---- a strict reader of the exposition ----------------------------------- */

#define MAX_SERIES 4096u
#define MAX_FAMILIES 256u

struct series {
	char name[96];
	char labels[512]; /* canonical: k="unescaped v" joined by ',' */
	char value[64];
};

struct expo {
	struct series s[MAX_SERIES];
	size_t n;
	char fam[MAX_FAMILIES][96];
	char type[MAX_FAMILIES][16];
	bool help[MAX_FAMILIES];
	size_t nfam;
};

static bool name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       (!first && c >= '0' && c <= '9');
}

static const char *read_name(const char *p, char *out, size_t cap)
{
	size_t n = 0;

	if (!name_char(*p, true))
		return NULL;
	while (name_char(*p, n == 0) && n + 1 < cap)
		out[n++] = *p++;
	out[n] = '\0';
	return p;
}

static ssize_t fam_index(struct expo *e, const char *name)
{
	for (size_t i = 0; i < e->nfam; i++)
		if (strcmp(e->fam[i], name) == 0)
			return (ssize_t)i;
	return -1;
}

/* Label set: '{' name '="' escaped '"' *(',' ...) '}'; escapes \\ \" \n only. */
static const char *read_labels(const char *p, char *canon, size_t cap)
{
	size_t k = 0;

	canon[0] = '\0';
	if (*p != '{')
		return p;
	p++;
	while (*p != '}') {
		char ln[64];
		if ((p = read_name(p, ln, sizeof(ln))) == NULL || p[0] != '=' || p[1] != '"')
			return NULL;
		p += 2;
		k += (size_t)snprintf(canon + k, cap - k, "%s%s=\"", k ? "," : "", ln);
		while (*p != '"') {
			char c = *p++;
			if (c == '\0' || c == '\n')
				return NULL;
			if (c == '\\') {
				c = *p++;
				if (c == 'n')
					c = '\n';
				else if (c != '\\' && c != '"')
					return NULL;
			}
			if (k + 2 < cap)
				canon[k++] = c;
		}
		p++;
		k += (size_t)snprintf(canon + k, cap - k, "\"");
		if (*p == ',')
			p++;
		else if (*p != '}')
			return NULL;
	}
	return p + 1;
}

static void parse_expo(const char *text, struct expo *e)
{
	const char *p = text;
	char cur[96] = "";
	bool cur_typed = false;

	memset(e, 0, sizeof(*e));
	while (*p != '\0') {
		const char *eol = strchr(p, '\n');
		assert_non_null(eol); /* every line ends with \n */
		if (strncmp(p, "# HELP ", 7) == 0 || strncmp(p, "# TYPE ", 7) == 0) {
			bool help = p[2] == 'H';
			char name[96];
			const char *q = read_name(p + 7, name, sizeof(name));
			assert_non_null(q);
			assert_true(*q == ' ');
			ssize_t f = fam_index(e, name);
			if (help) {
				/* HELP once, first, for a new family. */
				assert_true(f < 0);
				assert_true(e->nfam < MAX_FAMILIES);
				f = (ssize_t)e->nfam++;
				snprintf(e->fam[f], sizeof(e->fam[f]), "%s", name);
				e->help[f] = true;
				/* HELP text: only \\ and \n escapes. */
				for (const char *h = q + 1; h < eol; h++)
					if (*h == '\\') {
						h++;
						assert_true(*h == '\\' || *h == 'n');
					}
				snprintf(cur, sizeof(cur), "%s", name);
				cur_typed = false;
			} else {
				assert_true(f >= 0 && strcmp(cur, name) == 0);
				assert_true(e->type[f][0] == '\0'); /* TYPE once */
				size_t tl = (size_t)(eol - q - 1);
				assert_true(tl < sizeof(e->type[f]));
				memcpy(e->type[f], q + 1, tl);
				e->type[f][tl] = '\0';
				assert_true(strcmp(e->type[f], "counter") == 0 ||
					    strcmp(e->type[f], "gauge") == 0);
				if (strcmp(e->type[f], "counter") == 0)
					assert_true(strlen(name) > 6 &&
						    strcmp(name + strlen(name) - 6, "_total") == 0);
				cur_typed = true;
			}
		} else {
			assert_true(*p != '#');
			assert_true(e->n < MAX_SERIES);
			struct series *s = &e->s[e->n++];
			const char *q = read_name(p, s->name, sizeof(s->name));
			assert_non_null(q);
			/* A sample belongs to the family just announced. */
			assert_true(cur_typed);
			assert_string_equal(s->name, cur);
			q = read_labels(q, s->labels, sizeof(s->labels));
			assert_non_null(q);
			assert_true(*q == ' ');
			q++;
			size_t vl = (size_t)(eol - q);
			assert_true(vl > 0 && vl < sizeof(s->value));
			memcpy(s->value, q, vl);
			s->value[vl] = '\0';
			char *end;
			strtod(s->value, &end);
			assert_true(*end == '\0');
			for (size_t i = 0; i + 1 < e->n; i++)
				assert_false(strcmp(e->s[i].name, s->name) == 0 &&
					     strcmp(e->s[i].labels, s->labels) == 0);
		}
		p = eol + 1;
	}
	for (size_t f = 0; f < e->nfam; f++)
		assert_true(e->help[f] && e->type[f][0] != '\0');
}

static const char *value_of(const struct expo *e, const char *name, const char *labels)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->s[i].name, name) == 0 && strcmp(e->s[i].labels, labels) == 0)
			return e->s[i].value;
	return NULL;
}

static void expect(const struct expo *e, const char *name, const char *labels,
		   const char *value)
{
	const char *v = value_of(e, name, labels);

	if (v == NULL)
		fail_msg("no series %s{%s}", name, labels);
	assert_string_equal(v, value);
}

static size_t count_series(const struct expo *e, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < e->n; i++)
		n += strcmp(e->s[i].name, name) == 0;
	return n;
}

/* ---- the snapshot ------------------------------------------------------------ */

struct env {
	struct ctl_snapshot s;
	struct ctl_sig_snap sigs[3];
	struct ctl_text t;
	struct expo e;
};

static int setup(void **state)
{
	struct env *v = calloc(1, sizeof(*v));
	struct ctl_snapshot *s;

	if (v == NULL)
		return -1;
	s = &v->s;
	s->start_ns = 1700000000500000000ull;
	s->n_ports = 2;
	s->n_workers = 2;
	s->workers = 2;
	snprintf(s->port[0].name, sizeof(s->port[0].name), "net_pcap0");
	/* A device name with every character the format must escape. */
	snprintf(s->port[1].name, sizeof(s->port[1].name), "odd\"name\\x\nend");
	s->port[0].peer = 1;
	s->port[1].peer = 0;
	s->port[0].ipackets = 41;
	s->port[1].opackets = 17;
	s->port[1].polled = 9;
	s->worker[0].lcore = 1;
	s->worker[1].lcore = 3;
	s->worker[1].processed = 1234;
	s->worker[0].flows = 7;
	s->dp.processed = 1234;
	s->dp.blocked[SIG_CAT_UPDATE] = 3;
	s->dp.monitored[SIG_CAT_BRAND] = 2;
	s->dp.blocked_policy[DP_R_CONFLICT] = 4;
	s->dp.insp_give_up = 5;
	s->dp.names[SIG_FIELD_HTTP_HOST] = 6;
	s->dp.bad[1] = 8;
	s->dp.tls_anomaly[TLS_R_SNI_EMPTY] = 9;
	s->dp.http_anomaly[HTTP_R_HOST_WS] = 10;
	s->flow.entries = 11;
	s->reload.generation = 3;
	s->reload.by_trigger[CTL_RELOAD_SIGHUP] = 2;
	s->reload.last_duration_ns = 12345678;
	s->sig_block = 500;
	s->sig_allow = 12;
	s->cat_enforced[SIG_CAT_UPDATE] = 1;
	s->events_suppressed = 13;
	s->inv_clients = 14;
	v->sigs[0] = (struct ctl_sig_snap){.id = 1011, .category = SIG_CAT_UPDATE, .blocked = 3};
	v->sigs[1] = (struct ctl_sig_snap){.id = 8001, .category = SIG_CAT_BRAND, .monitored = 2};
	s->sigs = v->sigs;
	s->n_sigs = 2;
	s->sig_top = 2;
	s->sig_other_blocked = 15;
	s->sig_other_monitored = 16;
	ctl_text_init(&v->t, 0);
	*state = v;
	return 0;
}

static int teardown(void **state)
{
	struct env *v = *state;

	ctl_text_free(&v->t);
	free(v);
	return 0;
}

static struct expo *render(struct env *v)
{
	assert_int_equal(ctl_metrics_render(&v->s, &v->t), 0);
	assert_non_null(v->t.p);
	assert_int_equal(strlen(v->t.p), v->t.len);
	parse_expo(v->t.p, &v->e);
	return &v->e;
}

/* ---- tests ------------------------------------------------------------------- */

static void test_format_strict(void **state)
{
	struct env *v = *state;
	struct expo *e = render(v);

	/* Every family of the table, announced once, prefixed. */
	assert_int_equal(e->nfam, ctl_metric_count);
	for (size_t i = 0; i < ctl_metric_count; i++) {
		char n[96];
		snprintf(n, sizeof(n), "kasblock_%s", ctl_metric_table[i].name);
		assert_true(fam_index(e, n) >= 0);
		bool counter = ctl_metric_table[i].type == CTL_MT_COUNTER;
		assert_string_equal(e->type[fam_index(e, n)], counter ? "counter" : "gauge");
		/* Units in names: nanoseconds are exported as seconds. */
		if (ctl_metric_table[i].unit == CTL_MU_NS)
			assert_non_null(strstr(n, "_seconds"));
	}
}

static void test_values(void **state)
{
	struct env *v = *state;
	struct expo *e = render(v);

	expect(e, "kasblock_packets_total", "", "1234");
	expect(e, "kasblock_flows_blocked_total", "category=\"update\"", "3");
	expect(e, "kasblock_flows_blocked_total", "category=\"brand\"", "0");
	expect(e, "kasblock_flows_monitored_total", "category=\"brand\"", "2");
	expect(e, "kasblock_flows_blocked_by_policy_total", "reason=\"conflict\"", "4");
	expect(e, "kasblock_inspection_results_total", "result=\"give_up\"", "5");
	expect(e, "kasblock_names_total", "field=\"http_host\"", "6");
	expect(e, "kasblock_parse_anomalies_total", "parser=\"tls\",reason=\"sni_empty\"", "9");
	expect(e, "kasblock_parse_anomalies_total", "parser=\"http\",reason=\"host_ws\"", "10");
	expect(e, "kasblock_flows", "", "11");
	expect(e, "kasblock_signature_set_generation", "", "3");
	expect(e, "kasblock_reload_attempts_total", "trigger=\"sighup\"", "2");
	expect(e, "kasblock_reload_last_duration_seconds", "", "0.012345678");
	expect(e, "kasblock_start_time_seconds", "", "1700000000.500000000");
	expect(e, "kasblock_signatures", "action=\"block\"", "500");
	expect(e, "kasblock_signatures", "action=\"allow\"", "12");
	expect(e, "kasblock_category_enforced", "category=\"update\"", "1");
	expect(e, "kasblock_events_suppressed_total", "", "13");
	expect(e, "kasblock_inventory_clients", "", "14");
	expect(e, "kasblock_workers", "", "2");
	/* Per port and per worker. */
	expect(e, "kasblock_port_rx_packets_total", "port=\"0\"", "41");
	expect(e, "kasblock_port_tx_packets_total", "port=\"1\"", "17");
	expect(e, "kasblock_port_packets_polled_total", "port=\"1\"", "9");
	expect(e, "kasblock_worker_packets_total", "worker=\"1\"", "1234");
	expect(e, "kasblock_worker_flows", "worker=\"0\"", "7");
	expect(e, "kasblock_worker_info", "worker=\"1\",lcore=\"3\"", "1");
	assert_int_equal(count_series(e, "kasblock_port_rx_packets_total"), 2);
	assert_int_equal(count_series(e, "kasblock_worker_loops_total"), 2);
	/* Fixed label sets: every category, every field, never index 0 "none". */
	assert_int_equal(count_series(e, "kasblock_flows_blocked_total"), SIG_CAT_COUNT);
	assert_int_equal(count_series(e, "kasblock_names_total"), SIG_FIELD_COUNT);
	assert_int_equal(count_series(e, "kasblock_flows_blocked_by_policy_total"),
			 DP_R_COUNT - 1);
	assert_int_equal(count_series(e, "kasblock_parse_anomalies_total"),
			 (L3L4_R_COUNT - 1) + (TLS_R_COUNT - 1) + (HTTP_R_COUNT - 1));
	assert_null(value_of(e, "kasblock_flows_blocked_by_policy_total",
			     "reason=\"signature\""));
	for (size_t i = 0; i < e->n; i++)
		assert_null(strstr(e->s[i].labels, "reason=\"none\""));
}

static void test_label_escaping(void **state)
{
	struct env *v = *state;
	struct expo *e = render(v);

	/* The raw text carries the escapes... */
	assert_non_null(strstr(v->t.p, "name=\"odd\\\"name\\\\x\\nend\""));
	/* ...and reads back to the name as it was. */
	expect(e, "kasblock_port_info", "port=\"1\",name=\"odd\"name\\x\nend\",peer=\"0\"", "1");
	expect(e, "kasblock_port_info", "port=\"0\",name=\"net_pcap0\",peer=\"1\"", "1");
	/* A label-free line never carries braces. */
	assert_non_null(strstr(v->t.p, "\nkasblock_packets_total 1234\n"));
}

static void test_signature_series(void **state)
{
	struct env *v = *state;
	struct expo *e = render(v);

	expect(e, "kasblock_signature_flows_blocked_total",
	       "signature_id=\"1011\",category=\"update\"", "3");
	expect(e, "kasblock_signature_flows_monitored_total",
	       "signature_id=\"8001\",category=\"brand\"", "2");
	expect(e, "kasblock_signature_flows_blocked_total", "signature_id=\"other\",category=\"\"",
	       "15");
	expect(e, "kasblock_signature_flows_monitored_total",
	       "signature_id=\"other\",category=\"\"", "16");
	/* Top N plus other, nothing else. */
	assert_int_equal(count_series(e, "kasblock_signature_flows_blocked_total"), 3);

	/* No list at all: only "other". */
	v->s.n_sigs = 0;
	ctl_text_free(&v->t);
	ctl_text_init(&v->t, 0);
	e = render(v);
	assert_int_equal(count_series(e, "kasblock_signature_flows_blocked_total"), 1);
}

static void test_buffer_limit(void **state)
{
	struct env *v = *state;
	struct ctl_text small;

	ctl_text_init(&small, 1000);
	assert_int_equal(ctl_metrics_render(&v->s, &small), -ENOMEM);
	assert_true(small.oom);
	assert_true(small.len < 1000);
	ctl_text_free(&small);
}

static void test_sig_top(void **state)
{
	struct ctl_snapshot *s = calloc(1, sizeof(*s));
	struct ctl_sig_snap out[3];
	/* Two workers' tables: id 7 on both, a zero entry, ties broken by id. */
	struct ctl_sig_snap in[] = {
		{.id = 7, .category = SIG_CAT_UPDATE, .blocked = 2},
		{.id = 9, .category = SIG_CAT_BRAND, .monitored = 4},
		{.id = 5, .category = SIG_CAT_OEM, .blocked = 0},
		{.id = 3, .category = SIG_CAT_OTHER, .blocked = 1},
		{.id = 7, .category = SIG_CAT_UPDATE, .blocked = 3, .monitored = 1},
		{.id = 2, .category = SIG_CAT_OTHER, .blocked = 1},
		{.id = 4, .category = SIG_CAT_OTHER, .monitored = 1},
	};
	(void)state;

	assert_non_null(s);
	s->sigs = out;
	s->sig_top = 3;
	ctl_stats_sig_top(in, sizeof(in) / sizeof(in[0]), s);
	assert_int_equal(s->sig_counted, 5); /* 7, 9, 3, 2, 4; not 5 */
	assert_int_equal(s->n_sigs, 3);
	assert_int_equal(out[0].id, 7);
	assert_int_equal(out[0].blocked, 5);
	assert_int_equal(out[0].monitored, 1);
	assert_int_equal(out[0].category, SIG_CAT_UPDATE);
	assert_int_equal(out[1].id, 9);
	assert_int_equal(out[2].id, 2); /* 2, 3, 4 tie at one flow: lowest id first */
	assert_int_equal(s->sig_other_blocked, 1);   /* id 3 */
	assert_int_equal(s->sig_other_monitored, 1); /* id 4 */

	/* Top 0: everything is "other". */
	s->sig_top = 0;
	struct ctl_sig_snap in2[] = {{.id = 1, .blocked = 2}, {.id = 2, .monitored = 3}};
	ctl_stats_sig_top(in2, 2, s);
	assert_int_equal(s->n_sigs, 0);
	assert_int_equal(s->sig_counted, 2);
	assert_int_equal(s->sig_other_blocked, 2);
	assert_int_equal(s->sig_other_monitored, 3);

	/* Nothing counted. */
	s->sig_top = 3;
	ctl_stats_sig_top(in2, 0, s);
	assert_int_equal(s->n_sigs, 0);
	assert_int_equal(s->sig_counted, 0);
	assert_int_equal(s->sig_other_blocked, 0);
	free(s);
}

static void test_reason_names(void **state)
{
	(void)state;
	/* The words of the event log's "reason" key. */
	assert_string_equal(ctl_reason_name(DP_R_CONFLICT), "conflict");
	assert_string_equal(ctl_reason_name(DP_R_POOL), "pool_exhausted");
	assert_string_equal(ctl_reason_name(DP_R_SCAN_ERROR), "scan_error");
	assert_string_equal(ctl_reason_name((enum dp_reason)200), "unknown");
	for (unsigned r = 0; r < DP_R_COUNT; r++)
		assert_string_not_equal(ctl_reason_name((enum dp_reason)r), "unknown");
}

/* docs/metrics.md names every family. */
static void test_documented(void **state)
{
	const char *data = getenv("KB_TEST_DATA");
	char path[1024], *doc;
	FILE *f;
	long n;

	(void)state;
	if (data == NULL)
		skip();
	snprintf(path, sizeof(path), "%s/../../docs/metrics.md", data);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	doc = calloc(1, (size_t)n + 1);
	assert_non_null(doc);
	assert_int_equal(fread(doc, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	for (size_t i = 0; i < ctl_metric_count; i++) {
		char row[128];
		snprintf(row, sizeof(row), "| `kasblock_%s` | %s |", ctl_metric_table[i].name,
			 ctl_metric_table[i].type == CTL_MT_COUNTER ? "counter" : "gauge");
		if (strstr(doc, row) == NULL)
			fail_msg("docs/metrics.md has no row %s", row);
	}
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_format_strict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_label_escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signature_series, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buffer_limit, setup, teardown),
		cmocka_unit_test(test_sig_top),
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_documented),
	};
	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
