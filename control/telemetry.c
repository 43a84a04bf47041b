/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /kasblock/... telemetry commands. Replies are at most two levels deep
 * (a dict whose values may be dicts of numbers or strings): DPDK 22.11
 * renders no deeper. Every reply stays under its 16 KiB output limit by
 * construction: the signature list and the client pages are capped.
 * DPDK keeps strings to 127 bytes; a longer reload error also comes in
 * pieces ("error_parts").
 */
#include "telemetry.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_telemetry.h>

#include "ctl_names.h"
#include "inventory.h"
#include "metrics.h"
#include "policy.h"
#include "reload.h"
#include "sig.h"
#include "stats.h"

#define TEL_STR_MAX (RTE_TEL_MAX_STRING_LEN - 1)

static const char *category(unsigned c)
{
	return c < SIG_CAT_COUNT ? sig_category_name((enum sig_category)c) : "";
}

/* A family's telemetry key: its name, with `_seconds` as `_ns` for values
 * kept in nanoseconds (telemetry has integers only). */
static const char *tel_name(const struct ctl_metric *m, char *buf, size_t cap)
{
	size_t n = strlen(m->name);

	if (m->unit != CTL_MU_NS || n < 8 || strcmp(m->name + n - 8, "_seconds") != 0)
		return m->name;
	snprintf(buf, cap, "%.*s_ns", (int)(n - 8), m->name);
	return buf;
}

/* Samples of a labelled family into a dict: key = label values joined by "/". */
static void add_sample(void *arg, const struct ctl_metric *m, const struct ctl_label *l,
		       unsigned n, uint64_t v)
{
	char key[RTE_TEL_MAX_STRING_LEN];
	size_t k = 0;

	(void)m;
	key[0] = '\0';
	for (unsigned i = 0; i < n && k < sizeof(key); i++) {
		int w = snprintf(key + k, sizeof(key) - k, "%s%s", i ? "/" : "", l[i].value);
		if (w < 0)
			break;
		k += (size_t)w;
	}
	rte_tel_data_add_dict_u64(arg, key, v);
}

static void add_date(struct rte_tel_data *d, const char *name, int64_t t)
{
	char buf[32] = "";

	if (t != 0)
		ctl_format_date(t, buf, sizeof(buf));
	rte_tel_data_add_dict_string(d, name, buf);
}

/* ---- /kasblock/stats ------------------------------------------------------ */

static int cmd_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char nb[RTE_TEL_MAX_STRING_LEN];

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", KB_VERSION);
	const struct ctl_snapshot *s = ctl_stats_acquire();
	for (size_t i = 0; i < ctl_metric_count; i++) {
		const struct ctl_metric *m = &ctl_metric_table[i];
		if (m->group != CTL_MG_STATS)
			continue;
		if (m->labels == CTL_ML_NONE) {
			rte_tel_data_add_dict_u64(d, tel_name(m, nb, sizeof(nb)),
						  ctl_metric_value(m, s, 0));
			continue;
		}
		struct rte_tel_data *c = rte_tel_data_alloc();
		if (c == NULL)
			continue;
		rte_tel_data_start_dict(c);
		ctl_metric_walk(m, s, add_sample, c);
		if (rte_tel_data_add_dict_container(d, tel_name(m, nb, sizeof(nb)), c, 0) != 0)
			rte_tel_data_free(c);
	}
	ctl_stats_release();
	return 0;
}

/* ---- /kasblock/ports, /kasblock/workers ------------------------------------- */

static int per_index(struct rte_tel_data *d, const struct ctl_snapshot *s, uint8_t group)
{
	uint32_t n = group == CTL_MG_PORTS ? s->n_ports : s->n_workers;
	char key[16];

	for (uint32_t i = 0; i < n; i++) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		if (group == CTL_MG_PORTS) {
			rte_tel_data_add_dict_string(c, "name", s->port[i].name);
			rte_tel_data_add_dict_u64(c, "peer", s->port[i].peer);
		} else {
			rte_tel_data_add_dict_u64(c, "lcore", s->worker[i].lcore);
		}
		for (size_t f = 0; f < ctl_metric_count; f++) {
			const struct ctl_metric *m = &ctl_metric_table[f];
			if (m->group == group)
				rte_tel_data_add_dict_u64(c, m->name, ctl_metric_value(m, s, i));
		}
		snprintf(key, sizeof(key), "%" PRIu32, i);
		if (rte_tel_data_add_dict_container(d, key, c, 0) != 0)
			rte_tel_data_free(c);
	}
	return 0;
}

static int cmd_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	const struct ctl_snapshot *s = ctl_stats_acquire();
	int rc = per_index(d, s, CTL_MG_PORTS);
	ctl_stats_release();
	return rc;
}

static int cmd_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	const struct ctl_snapshot *s = ctl_stats_acquire();
	int rc = per_index(d, s, CTL_MG_WORKERS);
	ctl_stats_release();
	return rc;
}

/* ---- /kasblock/categories ------------------------------------------------- */

static int cmd_categories(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	const struct ctl_snapshot *s = ctl_stats_acquire();
	for (unsigned c = 0; c < SIG_CAT_COUNT; c++) {
		const struct ctl_policy_cat *pc = &s->policy.cat[c];
		struct rte_tel_data *e = rte_tel_data_alloc();
		if (e == NULL)
			break;
		rte_tel_data_start_dict(e);
		for (size_t f = 0; f < ctl_metric_count; f++) {
			const struct ctl_metric *m = &ctl_metric_table[f];
			if (m->labels == CTL_ML_CATEGORY)
				rte_tel_data_add_dict_u64(e, m->name, ctl_metric_value(m, s, c));
		}
		rte_tel_data_add_dict_string(e, "action", ctl_action_name(pc->action));
		rte_tel_data_add_dict_string(e, "effective", ctl_dp_action_name(pc->effective));
		rte_tel_data_add_dict_string(e, "why", ctl_policy_src_name(pc->why));
		add_date(e, "enforce_from", pc->has_date ? pc->enforce_from : 0);
		if (rte_tel_data_add_dict_container(d, sig_category_name((enum sig_category)c), e,
						    0) != 0)
			rte_tel_data_free(e);
	}
	ctl_stats_release();
	return 0;
}

/* ---- /kasblock/signatures ------------------------------------------------- */

static int cmd_signatures(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *blk = rte_tel_data_alloc();
	struct rte_tel_data *mon = rte_tel_data_alloc();
	struct rte_tel_data *cat = rte_tel_data_alloc();
	char key[16];

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	if (blk == NULL || mon == NULL || cat == NULL) {
		rte_tel_data_free(blk);
		rte_tel_data_free(mon);
		rte_tel_data_free(cat);
		return -ENOMEM;
	}
	rte_tel_data_start_dict(blk);
	rte_tel_data_start_dict(mon);
	rte_tel_data_start_dict(cat);
	const struct ctl_snapshot *s = ctl_stats_acquire();
	uint32_t shown = s->n_sigs < CTL_TEL_SIG_MAX ? s->n_sigs : CTL_TEL_SIG_MAX;
	uint64_t ob = s->sig_other_blocked, om = s->sig_other_monitored;
	for (uint32_t i = 0; i < s->n_sigs; i++) {
		const struct ctl_sig_snap *e = &s->sigs[i];
		if (i >= shown) {
			ob += e->blocked;
			om += e->monitored;
			continue;
		}
		snprintf(key, sizeof(key), "%" PRIu32, e->id);
		rte_tel_data_add_dict_u64(blk, key, e->blocked);
		rte_tel_data_add_dict_u64(mon, key, e->monitored);
		rte_tel_data_add_dict_string(cat, key, category(e->category));
	}
	rte_tel_data_add_dict_u64(blk, "other", ob);
	rte_tel_data_add_dict_u64(mon, "other", om);
	rte_tel_data_add_dict_u64(d, "signature_set_generation", s->reload.generation);
	rte_tel_data_add_dict_u64(d, "signatures", s->sig_rules);
	rte_tel_data_add_dict_u64(d, "signatures_counted", s->sig_counted);
	rte_tel_data_add_dict_u64(d, "listed", shown);
	rte_tel_data_add_dict_string(d, "pack_version", s->reload.pack_version);
	ctl_stats_release();
	rte_tel_data_add_dict_container(d, "signature_flows_blocked_total", blk, 0);
	rte_tel_data_add_dict_container(d, "signature_flows_monitored_total", mon, 0);
	rte_tel_data_add_dict_container(d, "signature_category", cat, 0);
	return 0;
}

/* ---- /kasblock/clients[,OFFSET] ------------------------------------------- */

static void client_addr(const struct ctl_client *c, char *buf, size_t cap)
{
	if (inet_ntop(c->ip_version == 6 ? AF_INET6 : AF_INET, c->addr, buf,
		      (socklen_t)cap) == NULL)
		snprintf(buf, cap, "?");
}

struct page {
	struct ctl_client c[CTL_TEL_CLIENTS_PAGE];
	size_t skip;  /* clients still to pass over */
	size_t n;
};

static int page_take(const struct ctl_client *c, void *arg)
{
	struct page *pg = arg;

	if (pg->skip > 0) {
		pg->skip--;
		return 0;
	}
	pg->c[pg->n++] = *c;
	return pg->n == CTL_TEL_CLIENTS_PAGE;
}

static int cmd_clients(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct ctl_inventory_totals tot;
	unsigned long off = 0;
	char *end, addr[64], key[24];

	(void)cmd;
	if (params != NULL && params[0] != '\0') {
		errno = 0;
		off = strtoul(params, &end, 10);
		if (errno != 0 || *end != '\0' || params[0] == '-')
			return -EINVAL;
	}
	/* Most recently seen first. The inventory may change between two
	 * calls: a page is a view at the time of the call, not a cursor. */
	struct page *pg = calloc(1, sizeof(*pg));
	if (pg == NULL)
		return -ENOMEM;
	pg->skip = off;
	ctl_inventory_foreach(page_take, pg);
	ctl_inventory_totals(&tot);
	size_t n = pg->n;
	const struct ctl_client *page = pg->c;

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "inventory_clients", tot.clients);
	rte_tel_data_add_dict_u64(d, "inventory_capacity", tot.capacity);
	rte_tel_data_add_dict_u64(d, "offset", off);
	rte_tel_data_add_dict_u64(d, "count", n);
	for (size_t i = 0; i < n; i++) {
		const struct ctl_client *c = &page[i];
		struct rte_tel_data *e = rte_tel_data_alloc();
		if (e == NULL)
			break;
		rte_tel_data_start_dict(e);
		rte_tel_data_add_dict_u64(e, "blocked", c->blocked);
		rte_tel_data_add_dict_u64(e, "monitored", c->monitored);
		add_date(e, "first_seen", (int64_t)(c->first_seen_ns / 1000000000u));
		add_date(e, "last_seen", (int64_t)(c->last_seen_ns / 1000000000u));
		rte_tel_data_add_dict_string(e, "last_name", c->last_name);
		rte_tel_data_add_dict_string(e, "last_category", category(c->last_category));
		rte_tel_data_add_dict_string(e, "last_action", ctl_dp_action_name(c->last_action));
		for (unsigned k = 0; k < SIG_CAT_COUNT; k++)
			if (c->count[k] != 0)
				rte_tel_data_add_dict_u64(e, category(k), c->count[k]);
		client_addr(c, addr, sizeof(addr));
		rte_tel_data_add_dict_string(e, "address", addr);
		/* DPDK allows only [A-Za-z0-9_/] in keys: the rank, not the address. */
		snprintf(key, sizeof(key), "%zu", off + i);
		if (rte_tel_data_add_dict_container(d, key, e, 0) != 0)
			rte_tel_data_free(e);
	}
	free(pg);
	return 0;
}

/* ---- /kasblock/policy ------------------------------------------------------ */

static int cmd_policy(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct ctl_policy_info pi;

	(void)cmd;
	(void)params;
	ctl_policy_info(&pi);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "mode", ctl_mode_name((enum ctl_mode)pi.mode));
	rte_tel_data_add_dict_string(d, "fail_policy",
				     ctl_fail_name((enum ctl_fail)pi.fail_policy));
	rte_tel_data_add_dict_string(d, "conflict_policy",
				     pi.conflict_policy == CTL_FAIL_CLOSED ? "block" : "pass");
	rte_tel_data_add_dict_string(d, "no_signatures",
				     ctl_nosig_name((enum ctl_nosig)pi.no_signatures));
	rte_tel_data_add_dict_string(d, "exempt_action",
				     ctl_action_name((enum ctl_action)pi.exempt_action));
	rte_tel_data_add_dict_u64(d, "exempt_clients", pi.n_exempt);
	rte_tel_data_add_dict_u64(d, "allow", pi.n_allow);
	add_date(d, "evaluated_at", pi.evaluated_at);
	add_date(d, "next_change", pi.next_change);
	for (unsigned c = 0; c < SIG_CAT_COUNT; c++) {
		const struct ctl_policy_cat *pc = &pi.cat[c];
		struct rte_tel_data *e = rte_tel_data_alloc();
		if (e == NULL)
			break;
		rte_tel_data_start_dict(e);
		rte_tel_data_add_dict_string(e, "action", ctl_action_name(pc->action));
		rte_tel_data_add_dict_string(e, "effective", ctl_dp_action_name(pc->effective));
		rte_tel_data_add_dict_string(e, "why", ctl_policy_src_name(pc->why));
		add_date(e, "enforce_from", pc->has_date ? pc->enforce_from : 0);
		rte_tel_data_add_dict_u64(e, "enforced", pc->enforced);
		if (rte_tel_data_add_dict_container(d, sig_category_name((enum sig_category)c), e,
						    0) != 0)
			rte_tel_data_free(e);
	}
	return 0;
}

/* ---- /kasblock/reload ------------------------------------------------------ */

/* DPDK copies strings into 128-byte fields: a long message also goes out in
 * pieces, which kasblockctl joins. */
static void add_long_string(struct rte_tel_data *d, const char *name, const char *parts_name,
			    const char *s)
{
	size_t n = strlen(s);

	rte_tel_data_add_dict_string(d, name, s);
	if (n <= TEL_STR_MAX)
		return;
	struct rte_tel_data *a = rte_tel_data_alloc();
	if (a == NULL)
		return;
	rte_tel_data_start_array(a, RTE_TEL_STRING_VAL);
	for (size_t o = 0; o < n; o += TEL_STR_MAX) {
		char piece[RTE_TEL_MAX_STRING_LEN];
		size_t k = n - o < TEL_STR_MAX ? n - o : TEL_STR_MAX;
		memcpy(piece, s + o, k);
		piece[k] = '\0';
		rte_tel_data_add_array_string(a, piece);
	}
	if (rte_tel_data_add_dict_container(d, parts_name, a, 0) != 0)
		rte_tel_data_free(a);
}

static int cmd_reload(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char err[CTL_RELOAD_ERR_MAX] = "";
	struct ctl_reload_status *st = malloc(sizeof(*st));

	(void)cmd;
	(void)params;
	if (st == NULL)
		return -ENOMEM;
	int rc = ctl_reload_request_err(err, sizeof(err));
	ctl_reload_status(st);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "result", rc == 0 ? "ok" : "failed");
	if (rc != 0) {
		if (err[0] == '\0')
			snprintf(err, sizeof(err), "%s", strerror(-rc));
		add_long_string(d, "error", "error_parts", err);
		rte_tel_data_add_dict_int(d, "errno", -rc);
	}
	rte_tel_data_add_dict_u64(d, "signature_set_generation", st->generation);
	rte_tel_data_add_dict_u64(d, "signatures", st->signatures);
	rte_tel_data_add_dict_u64(d, "signatures_block", st->signatures_block);
	rte_tel_data_add_dict_u64(d, "signatures_allow", st->signatures_allow);
	rte_tel_data_add_dict_string(d, "pack_version", st->pack_version);
	rte_tel_data_add_dict_u64(d, "reload_last_duration_ns", st->last_duration_ns);
	rte_tel_data_add_dict_u64(d, "reload_successes_total", st->successes);
	rte_tel_data_add_dict_u64(d, "reload_failures_total", st->failures);
	free(st);
	return 0;
}

/* ---- registration ------------------------------------------------------------ */

static const struct {
	const char *cmd;
	telemetry_cb fn;
	const char *help;
} commands[] = {
	{"/kasblock/stats", cmd_stats,
	 "Every kasblock counter without a port, worker or signature label. No parameters"},
	{"/kasblock/ports", cmd_ports, "Per port: device and worker counters. No parameters"},
	{"/kasblock/workers", cmd_workers, "Per worker lcore counters. No parameters"},
	{"/kasblock/categories", cmd_categories,
	 "Per category: flows blocked/monitored/passed and the action applied now. "
	 "No parameters"},
	{"/kasblock/signatures", cmd_signatures,
	 "Top signatures by flows decided, the rest as other. No parameters"},
	{"/kasblock/clients", cmd_clients,
	 "Remediation inventory, most recently seen first, one page. Parameter: offset"},
	{"/kasblock/policy", cmd_policy, "The policy the workers apply now. No parameters"},
	{"/kasblock/reload", cmd_reload,
	 "Reloads the configuration and signatures now; replies with the result. "
	 "No parameters"},
};

int ctl_telemetry_register(const struct ctl_config *cfg)
{
	if (!cfg->telemetry_enabled)
		return 0;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		int rc = rte_telemetry_register_cmd(commands[i].cmd, commands[i].fn,
						    commands[i].help);
		if (rc != 0)
			return rc < 0 ? rc : -rc;
	}
	return 0;
}
