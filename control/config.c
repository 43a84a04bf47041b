/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Strict libconfig loader: every group and key is looked up in a table, so
 * an unknown name, a wrong type or a value out of range is an error at its
 * file:line. Keys and defaults: docs/configuration.md.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "policy.h"
#include "sig.h"

enum key_kind {
	K_U32 = 0,
	K_U16,
	K_BOOL,
	K_PATH,       /* string, resolved against the config's directory */
	K_STR,        /* string as written (CTL_PATH_MAX) */
	K_NAME,       /* string as written (CTL_NAME_MAX) */
	K_ADDR,       /* IPv4 or IPv6 literal (CTL_ADDR_MAX) */
	K_FAIL,       /* "open" | "closed" */
	K_CONFLICT,   /* "pass" | "block" */
	K_MODE,       /* "enforce" | "monitor" */
	K_NOSIG,      /* "exit" | "open" | "closed" */
	K_EXEMPT,     /* "pass" | "monitor" */
	K_LEVEL,      /* log level word */
	K_FACILITY,   /* syslog facility word */
	K_QUIC,       /* "inspect" | "block" | "pass" */
	K_RCODE,      /* "nxdomain" | "refused" */
	K_SPECIAL,    /* handled by the group's own code */
	K_KIND_COUNT
};

/* Words of the enumerated kinds, in value order (NULL-terminated). The
 * value stored is the word's index, except for the tables with `vals`. */
struct words {
	const char *w[12];
	const int *vals; /* NULL: the index */
};

static const int exempt_vals[] = {CTL_ACT_PASS, CTL_ACT_MONITOR};
static const int quic_vals[] = {DP_QUIC_INSPECT, DP_QUIC_BLOCK, DP_QUIC_PASS};
static const int rcode_vals[] = {DNS_RCODE_NXDOMAIN, DNS_RCODE_REFUSED};
static const int level_vals[] = {1, 2, 3, 4, 5, 6, 7, 8};
static const int facility_vals[] = {LOG_DAEMON, LOG_USER, LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2,
				    LOG_LOCAL3, LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7};

static const struct words kind_words[K_KIND_COUNT] = {
	[K_FAIL] = {{"open", "closed", NULL}, NULL},
	[K_CONFLICT] = {{"pass", "block", NULL}, NULL},
	[K_MODE] = {{"enforce", "monitor", NULL}, NULL},
	[K_NOSIG] = {{"exit", "open", "closed", NULL}, NULL},
	[K_EXEMPT] = {{"pass", "monitor", NULL}, exempt_vals},
	[K_LEVEL] = {{"emergency", "alert", "critical", "error", "warning", "notice", "info",
		      "debug", NULL}, level_vals},
	[K_FACILITY] = {{"daemon", "user", "local0", "local1", "local2", "local3", "local4",
			 "local5", "local6", "local7", NULL}, facility_vals},
	[K_QUIC] = {{"inspect", "block", "pass", NULL}, quic_vals},
	[K_RCODE] = {{"nxdomain", "refused", NULL}, rcode_vals},
};

struct key {
	const char *name;
	enum key_kind kind;
	size_t off;
	uint32_t min;
	uint32_t max;
};

#define OFF(f) offsetof(struct ctl_config, f)

static const struct key eal_keys[] = {
	{"args", K_SPECIAL, 0, 0, 0},
	{NULL, 0, 0, 0, 0},
};

static const struct key ports_keys[] = {
	{"pairs", K_SPECIAL, 0, 0, 0},
	{"rx_desc", K_U32, OFF(rx_desc), 64, 16384},
	{"tx_desc", K_U32, OFF(tx_desc), 64, 16384},
	{"mbufs", K_U32, OFF(mbufs), 1023, 16u << 20},
	{"mtu", K_U32, OFF(mtu), 1280, 9600},
	{NULL, 0, 0, 0, 0},
};

static const struct key workers_keys[] = {
	{"count", K_U32, OFF(workers), 0, 127},
	{NULL, 0, 0, 0, 0},
};

static const struct key flows_keys[] = {
	{"capacity", K_U32, OFF(flow_capacity), 1024, 1u << 26},
	{"timeout_inspecting", K_U32, OFF(timeout_inspecting), 1, 3600},
	{"timeout_passed", K_U32, OFF(timeout_passed), 1, 86400},
	{"timeout_blocked", K_U32, OFF(timeout_blocked), 1, 86400},
	{"timeout_closed", K_U32, OFF(timeout_closed), 1, 3600},
	{"timeout_udp", K_U32, OFF(timeout_udp), 1, 86400},
	{"expiry_every", K_U32, OFF(expiry_every), 1, 65536},
	{"expiry_batch", K_U32, OFF(expiry_batch), 1, 65536},
	{NULL, 0, 0, 0, 0},
};

static const struct key inspection_keys[] = {
	{"stream_cap", K_U32, OFF(stream_cap), 1024, 65535},
	{"pool_slots", K_U32, OFF(pool_slots), 16, 1u << 20},
	{"frag_flows", K_U32, OFF(frag_flows), 16, 1u << 20},
	{"frag_timeout_ms", K_U32, OFF(frag_timeout_ms), 10, 60000},
	{"fail_policy", K_FAIL, OFF(fail_policy), 0, 0},
	{"conflict_policy", K_CONFLICT, OFF(conflict_policy), 0, 0},
	{NULL, 0, 0, 0, 0},
};

static const struct key quic_keys[] = {
	{"mode", K_QUIC, OFF(quic_mode), 0, 0},
	{"ports", K_SPECIAL, 0, 0, 0},
	{"max_datagrams", K_U32, OFF(quic_max_datagrams), 1, 64},
	{NULL, 0, 0, 0, 0},
};

static const struct key dns_keys[] = {
	{"ports", K_SPECIAL, 0, 0, 0},
	{"refuse_rcode", K_RCODE, OFF(dns_rcode), 0, 0},
	{NULL, 0, 0, 0, 0},
};

static const struct key signatures_keys[] = {
	{"files", K_SPECIAL, 0, 0, 0},
	{"modes", K_SPECIAL, 0, 0, 0},
	{NULL, 0, 0, 0, 0},
};

static const struct key policy_keys[] = {
	{"mode", K_MODE, OFF(mode), 0, 0},
	{"default_action", K_SPECIAL, 0, 0, 0},
	{"actions", K_SPECIAL, 0, 0, 0},
	{"enforce_from", K_SPECIAL, 0, 0, 0},
	{"exempt_clients", K_SPECIAL, 0, 0, 0},
	{"exempt_action", K_EXEMPT, OFF(exempt_action), 0, 0},
	{"allow", K_SPECIAL, 0, 0, 0},
	{"no_signatures", K_NOSIG, OFF(no_signatures), 0, 0},
	{NULL, 0, 0, 0, 0},
};

static const struct key reload_keys[] = {
	{"watch", K_BOOL, OFF(watch), 0, 0},
	{"watch_interval_ms", K_U32, OFF(watch_interval_ms), 100, 60000},
	{NULL, 0, 0, 0, 0},
};

static const struct key events_keys[] = {
	{"file", K_PATH, OFF(events_file), 0, 0},
	{"ring_size", K_U32, OFF(event_ring), 64, 1u << 20},
	{"log_names", K_BOOL, OFF(log_names), 0, 0},
	{"rate_limit", K_U32, OFF(event_rate), 0, 1000000},
	{"syslog", K_BOOL, OFF(syslog), 0, 0},
	{"syslog_facility", K_FACILITY, OFF(syslog_facility), 0, 0},
	{"syslog_ident", K_NAME, OFF(syslog_ident), 0, 0},
	{NULL, 0, 0, 0, 0},
};

static const struct key inventory_keys[] = {
	{"capacity", K_U32, OFF(inventory_capacity), 16, 1u << 22},
	{NULL, 0, 0, 0, 0},
};

static const struct key metrics_keys[] = {
	{"enabled", K_BOOL, OFF(metrics_enabled), 0, 0},
	{"address", K_ADDR, OFF(metrics_address), 0, 0},
	{"port", K_U16, OFF(metrics_port), 0, 65535},
	{"signature_top", K_U32, OFF(metrics_signature_top), 0, 10000},
	{NULL, 0, 0, 0, 0},
};

static const struct key telemetry_keys[] = {
	{"enabled", K_BOOL, OFF(telemetry_enabled), 0, 0},
	{NULL, 0, 0, 0, 0},
};

static const struct key log_keys[] = {
	{"level", K_LEVEL, OFF(log_level), 0, 0},
	{NULL, 0, 0, 0, 0},
};

struct group {
	const char *name;
	const struct key *keys;
};

static const struct group groups[] = {
	{"eal", eal_keys},
	{"ports", ports_keys},
	{"workers", workers_keys},
	{"flows", flows_keys},
	{"inspection", inspection_keys},
	{"quic", quic_keys},
	{"dns", dns_keys},
	{"signatures", signatures_keys},
	{"policy", policy_keys},
	{"reload", reload_keys},
	{"events", events_keys},
	{"inventory", inventory_keys},
	{"metrics", metrics_keys},
	{"telemetry", telemetry_keys},
	{"log", log_keys},
	{NULL, NULL},
};

static const char *const action_names[CTL_ACT_COUNT] = {
	[CTL_ACT_RESET] = "reset",
	[CTL_ACT_DROP] = "drop",
	[CTL_ACT_MONITOR] = "monitor",
	[CTL_ACT_PASS] = "pass",
};

const char *ctl_action_name(enum ctl_action a)
{
	return (unsigned)a < CTL_ACT_COUNT ? action_names[a] : "unknown";
}

const char *ctl_mode_name(enum ctl_mode m)
{
	return m == CTL_MODE_MONITOR ? "monitor" : "enforce";
}

const char *ctl_fail_name(enum ctl_fail f)
{
	return f == CTL_FAIL_CLOSED ? "closed" : "open";
}

const char *ctl_nosig_name(enum ctl_nosig n)
{
	return (unsigned)n <= CTL_NOSIG_CLOSED ? kind_words[K_NOSIG].w[n] : "unknown";
}

const char *ctl_quic_mode_name(enum dp_quic_mode m)
{
	return (unsigned)m <= DP_QUIC_PASS ? kind_words[K_QUIC].w[m] : "unknown";
}

const char *ctl_dns_rcode_name(uint8_t rcode)
{
	return rcode == DNS_RCODE_REFUSED ? "refused" :
	       rcode == DNS_RCODE_NXDOMAIN ? "nxdomain" : "unknown";
}

const char *ctl_log_level_name(uint32_t level)
{
	return level >= 1 && level <= 8 ? kind_words[K_LEVEL].w[level - 1] : "unknown";
}

/*
 * Final Determination (89 FR 52434, Case ICTS-2021-002): no new sales from
 * 2024-07-20; updates, downloads, licensing, KSN and the rest from
 * 2024-09-29. Threat intelligence, training and informational research are
 * outside it. docs/policy.md ("Defaults") has the reasoning per category.
 */
#define FD_PHASE1 1721433600 /* 2024-07-20T00:00:00Z */
#define FD_PHASE2 1727568000 /* 2024-09-29T00:00:00Z */

static const struct {
	uint8_t action;
	int64_t from; /* 0: no date */
} cat_defaults[SIG_CAT_COUNT] = {
	[SIG_CAT_UPDATE] = {CTL_ACT_RESET, FD_PHASE2},
	[SIG_CAT_DOWNLOAD] = {CTL_ACT_RESET, FD_PHASE2},
	[SIG_CAT_LICENSING] = {CTL_ACT_RESET, FD_PHASE2},
	[SIG_CAT_TELEMETRY] = {CTL_ACT_RESET, FD_PHASE2},
	[SIG_CAT_STOREFRONT] = {CTL_ACT_RESET, FD_PHASE1},
	[SIG_CAT_MANAGEMENT] = {CTL_ACT_RESET, FD_PHASE2},
	[SIG_CAT_OEM] = {CTL_ACT_RESET, FD_PHASE2},
	[SIG_CAT_BRAND] = {CTL_ACT_RESET, FD_PHASE2},
	[SIG_CAT_THREAT_INTEL] = {CTL_ACT_MONITOR, 0},
	[SIG_CAT_RESEARCH] = {CTL_ACT_PASS, 0},
	[SIG_CAT_TRAINING] = {CTL_ACT_MONITOR, 0},
	[SIG_CAT_LEGACY] = {CTL_ACT_RESET, FD_PHASE2},
	[SIG_CAT_OTHER] = {CTL_ACT_RESET, FD_PHASE2},
};

void ctl_config_defaults(struct ctl_config *c)
{
	memset(c, 0, sizeof(*c));
	c->rx_desc = 1024;
	c->tx_desc = 1024;
	c->mbufs = 16383;
	c->mtu = 1500;
	c->workers = 0;
	c->flow_capacity = 262144;
	c->timeout_inspecting = 30;
	c->timeout_passed = 600;
	c->timeout_blocked = 120;
	c->timeout_closed = 10;
	c->timeout_udp = 60;
	c->expiry_every = 16;
	c->expiry_batch = 64;
	c->stream_cap = 16384 + 5 * 4;
	c->pool_slots = 2048;
	c->frag_flows = 1024;
	c->frag_timeout_ms = 2000;
	c->fail_policy = CTL_FAIL_OPEN;
	c->conflict_policy = CTL_FAIL_CLOSED;
	c->quic_mode = DP_QUIC_INSPECT;
	c->quic_ports[0] = 443;
	c->n_quic_ports = 1;
	c->quic_max_datagrams = 8;
	c->dns_ports[0] = 53;
	c->n_dns_ports = 1;
	c->dns_rcode = DNS_RCODE_NXDOMAIN;
	c->mode = CTL_MODE_ENFORCE;
	for (unsigned i = 0; i < SIG_CAT_COUNT; i++) {
		c->action[i] = cat_defaults[i].action;
		c->has_date[i] = cat_defaults[i].from != 0;
		c->enforce_from[i] = cat_defaults[i].from;
	}
	c->exempt_action = CTL_ACT_PASS;
	c->no_signatures = CTL_NOSIG_EXIT;
	c->watch = false;
	c->watch_interval_ms = 1000;
	c->event_ring = 4096;
	c->log_names = false;
	c->event_rate = 1000;
	c->syslog = false;
	c->syslog_facility = LOG_DAEMON;
	snprintf(c->syslog_ident, sizeof(c->syslog_ident), "kasblock");
	c->inventory_capacity = 65536;
	c->metrics_enabled = true;
	snprintf(c->metrics_address, sizeof(c->metrics_address), "127.0.0.1");
	c->metrics_port = 9720;
	c->metrics_signature_top = 200;
	c->telemetry_enabled = true;
	c->log_level = 7; /* info */
}

/* ---- error reporting ------------------------------------------------ */

struct ld {
	struct ctl_config *c;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4)))
static int bad(struct ld *l, const config_setting_t *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	const char *file = s != NULL ? config_setting_source_file(s) : NULL;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(l->err, l->errlen, "%s:%u: %s", file != NULL ? file : l->c->path,
		 s != NULL ? config_setting_source_line(s) : 0, msg);
	return -EINVAL;
}

static const char *type_name(int t)
{
	switch (t) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	}
	return "nothing";
}

static int want_type(struct ld *l, const config_setting_t *s, int type, const char *what)
{
	if (config_setting_type(s) == type)
		return 0;
	return bad(l, s, "%s must be %s, not %s", what, type_name(type),
		   type_name(config_setting_type(s)));
}

/*
 * s as an array or list (type) of min..max elements: the count, or a negative
 * errno. The message names the elements (noun) as the key's documentation does.
 */
static int want_len(struct ld *l, const config_setting_t *s, int type, const char *what,
		    unsigned min, unsigned max, const char *noun)
{
	int rc = want_type(l, s, type, what);
	if (rc != 0)
		return rc;
	int n = config_setting_length(s);
	if ((unsigned)n >= min && (unsigned)n <= max)
		return n;
	if (min == 0)
		return bad(l, s, "%s: at most %u %s", what, max, noun);
	return bad(l, s, "%s: %u to %u %s", what, min, max, noun);
}

/* A string into dst (cap bytes); paths are made relative to the config dir. */
static int get_str(struct ld *l, const config_setting_t *s, const char *what, char *dst,
		   size_t cap, bool path)
{
	int rc = want_type(l, s, CONFIG_TYPE_STRING, what);
	if (rc != 0)
		return rc;
	const char *v = config_setting_get_string(s);
	int n;
	if (path && v[0] != '\0' && v[0] != '/' && strcmp(v, "-") != 0)
		n = snprintf(dst, cap, "%s/%s", l->c->dir, v);
	else
		n = snprintf(dst, cap, "%s", v);
	if (n < 0 || (size_t)n >= cap)
		return bad(l, s, "%s is too long (at most %zu bytes)", what, cap - 1);
	return 0;
}

static int get_action(struct ld *l, const config_setting_t *s, const char *what, uint8_t *out)
{
	int rc = want_type(l, s, CONFIG_TYPE_STRING, what);
	if (rc != 0)
		return rc;
	const char *v = config_setting_get_string(s);
	for (unsigned i = 0; i < CTL_ACT_COUNT; i++) {
		if (strcmp(v, action_names[i]) == 0) {
			*out = (uint8_t)i;
			return 0;
		}
	}
	return bad(l, s, "%s: unknown action \"%s\" (reset, drop, monitor, pass)", what, v);
}

/* ---- special keys --------------------------------------------------- */

static int eal_args(struct ld *l, const config_setting_t *s)
{
	int rc, n = want_len(l, s, CONFIG_TYPE_ARRAY, "eal.args", 0, CTL_EAL_MAX_ARGS, "arguments");
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		rc = get_str(l, e, "eal.args element", l->c->eal_args[i], CTL_NAME_MAX, false);
		if (rc != 0)
			return rc;
	}
	l->c->n_eal_args = (uint32_t)n;
	return 0;
}

static int port_pairs(struct ld *l, const config_setting_t *s)
{
	int rc, n = want_len(l, s, CONFIG_TYPE_LIST, "ports.pairs", 0, CTL_MAX_PAIRS, "pairs");
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		const config_setting_t *p = config_setting_get_elem(s, (unsigned)i);
		rc = want_type(l, p, CONFIG_TYPE_ARRAY, "a port pair");
		if (rc != 0)
			return rc;
		if (config_setting_length(p) != 2)
			return bad(l, p, "a port pair has exactly two ports, [\"A\", \"B\"]");
		struct ctl_port_pair *pp = &l->c->pairs[i];
		if ((rc = get_str(l, config_setting_get_elem(p, 0), "port", pp->a, CTL_NAME_MAX,
				  false)) != 0 ||
		    (rc = get_str(l, config_setting_get_elem(p, 1), "port", pp->b, CTL_NAME_MAX,
				  false)) != 0)
			return rc;
		if (pp->a[0] == '\0' || pp->b[0] == '\0')
			return bad(l, p, "empty port name");
	}
	l->c->n_pairs = (uint32_t)n;
	return 0;
}

static int sig_files(struct ld *l, const config_setting_t *s)
{
	int rc, n = want_len(l, s, CONFIG_TYPE_ARRAY, "signatures.files", 1, CTL_MAX_SIG_FILES,
			     "files or directories");
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		rc = get_str(l, config_setting_get_elem(s, (unsigned)i), "signatures.files element",
			     l->c->sig_files[i], CTL_PATH_MAX, true);
		if (rc != 0)
			return rc;
	}
	l->c->n_sig_files = (uint32_t)n;
	return 0;
}

static int cat_of(struct ld *l, const config_setting_t *e, const char *what)
{
	const char *name = config_setting_name(e);
	int cat = sig_category_parse(name, strlen(name));
	if (cat < 0)
		return bad(l, e, "%s: unknown category \"%s\"", what, name);
	return cat;
}

static int sig_modes(struct ld *l, const config_setting_t *s)
{
	int rc = want_type(l, s, CONFIG_TYPE_GROUP, "signatures.modes");
	if (rc != 0)
		return rc;
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		int cat = cat_of(l, e, "signatures.modes");
		if (cat < 0)
			return cat;
		if ((rc = want_type(l, e, CONFIG_TYPE_STRING, "a category mode")) != 0)
			return rc;
		const char *v = config_setting_get_string(e);
		int m = sig_mode_parse(v, strlen(v));
		if (m < 0 || m == SIG_MODE_DEFAULT)
			return bad(l, e, "signatures.modes.%s: unknown mode \"%s\" (on, allow, off)",
				   config_setting_name(e), v);
		l->c->cat_mode[cat] = (uint8_t)m;
	}
	return 0;
}

static int policy_actions(struct ld *l, const config_setting_t *s)
{
	int rc = want_type(l, s, CONFIG_TYPE_GROUP, "policy.actions");
	if (rc != 0)
		return rc;
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		int cat = cat_of(l, e, "policy.actions");
		if (cat < 0)
			return cat;
		if ((rc = get_action(l, e, "policy.actions", &l->c->action[cat])) != 0)
			return rc;
	}
	return 0;
}

static int policy_dates(struct ld *l, const config_setting_t *s)
{
	int rc = want_type(l, s, CONFIG_TYPE_GROUP, "policy.enforce_from");
	if (rc != 0)
		return rc;
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		char what[64];
		int cat = cat_of(l, e, "policy.enforce_from");
		if (cat < 0)
			return cat;
		snprintf(what, sizeof(what), "policy.enforce_from.%s", config_setting_name(e));
		if ((rc = want_type(l, e, CONFIG_TYPE_STRING, what)) != 0)
			return rc;
		const char *v = config_setting_get_string(e);
		if (strcmp(v, "none") == 0) {
			l->c->has_date[cat] = false;
			l->c->enforce_from[cat] = 0;
			continue;
		}
		int64_t t;
		if (ctl_parse_date(v, &t) != 0)
			return bad(l, e, "policy.enforce_from.%s: \"%s\" is not a date "
				   "(YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or \"none\")",
				   config_setting_name(e), v);
		l->c->has_date[cat] = true;
		l->c->enforce_from[cat] = t;
	}
	return 0;
}

static int policy_exempt(struct ld *l, const config_setting_t *s)
{
	int rc, n = want_len(l, s, CONFIG_TYPE_ARRAY, "policy.exempt_clients", 0, CTL_MAX_EXEMPT,
			     "prefixes");
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		if ((rc = want_type(l, e, CONFIG_TYPE_STRING, "a client prefix")) != 0)
			return rc;
		const char *v = config_setting_get_string(e);
		if (ctl_parse_prefix(v, &l->c->exempt[i]) != 0)
			return bad(l, e, "policy.exempt_clients: \"%s\" is not an address prefix "
				   "(10.1.0.0/16, 2001:db8::/32; no bits set past the length)", v);
	}
	l->c->n_exempt = (uint32_t)n;
	return 0;
}

/* quic.ports, dns.ports: 0..CTL_MAX_L7_PORTS ports, 1..65535 each. */
static int l7_ports(struct ld *l, const config_setting_t *s, const char *grp)
{
	char what[32];
	bool quic = strcmp(grp, "quic") == 0;
	uint16_t *ports = quic ? l->c->quic_ports : l->c->dns_ports;
	uint32_t *n_ports = quic ? &l->c->n_quic_ports : &l->c->n_dns_ports;

	snprintf(what, sizeof(what), "%s.ports", grp);
	int n = want_len(l, s, CONFIG_TYPE_ARRAY, what, 0, CTL_MAX_L7_PORTS, "ports");
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_INT)
			return bad(l, e, "%s: a port is an integer, not %s", what,
				   type_name(config_setting_type(e)));
		int v = config_setting_get_int(e);
		if (v < 1 || v > 65535)
			return bad(l, e, "%s: port %d is out of range (1..65535)", what, v);
		ports[i] = (uint16_t)v;
	}
	*n_ports = (uint32_t)n;
	return 0;
}

/* The loader's verdict on one allow name, as the rule it will become. */
static int allow_check(const char *name, char *msg, size_t cap)
{
	char line[SIG_NAME_MAX + 96];
	struct sig_report rep = {0};
	struct sig_ruleset *rs = sig_ruleset_new();
	int rc;

	if (rs == NULL) {
		snprintf(msg, cap, "out of memory");
		return -ENOMEM;
	}
	int n = snprintf(line, sizeof(line), "allow %u domain=%s category=other\n",
			 CTL_ALLOW_ID_BASE, name);
	if (n < 0 || (size_t)n >= sizeof(line) || strpbrk(name, " \t\"#=") != NULL) {
		snprintf(msg, cap, "\"%s\" is not a host name", name);
		sig_ruleset_free(rs);
		return -EINVAL;
	}
	rc = sig_load_buf(rs, "allow", line, (size_t)n, &rep);
	if (rc != 0) {
		/* "allow:1: reason": keep the reason. */
		const char *r = strstr(rep.first, ": ");
		snprintf(msg, cap, "%s", r != NULL ? r + 2 : rep.first);
		rc = -EINVAL;
	}
	sig_ruleset_free(rs);
	return rc;
}

static int policy_allow(struct ld *l, const config_setting_t *s)
{
	int rc, n = want_len(l, s, CONFIG_TYPE_ARRAY, "policy.allow", 0, CTL_MAX_ALLOW, "names");
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		char msg[SIG_ERR_MAX];
		if ((rc = get_str(l, e, "policy.allow element", l->c->allow[i], SIG_NAME_MAX + 1,
				  false)) != 0)
			return rc;
		if (allow_check(l->c->allow[i], msg, sizeof(msg)) != 0)
			return bad(l, e, "policy.allow: %s", msg);
		/* Kept normalised: the ruleset lower-cases it the same way. */
		for (char *p = l->c->allow[i]; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		size_t len = strlen(l->c->allow[i]);
		if (len > 0 && l->c->allow[i][len - 1] == '.')
			l->c->allow[i][len - 1] = '\0';
	}
	l->c->n_allow = (uint32_t)n;
	return 0;
}

/* ---- generic keys --------------------------------------------------- */

static int generic(struct ld *l, const struct key *k, const config_setting_t *s,
		   const char *grp)
{
	char what[96];
	uint8_t *base = (uint8_t *)l->c;
	int rc;

	snprintf(what, sizeof(what), "%s.%s", grp, k->name);
	switch (k->kind) {
	case K_U32:
	case K_U16: {
		if (config_setting_type(s) != CONFIG_TYPE_INT &&
		    config_setting_type(s) != CONFIG_TYPE_INT64)
			return bad(l, s, "%s must be an integer, not %s", what,
				   type_name(config_setting_type(s)));
		long long v = config_setting_get_int64(s);
		if (v < k->min || v > k->max)
			return bad(l, s, "%s = %lld is out of range (%u..%u)", what, v, k->min,
				   k->max);
		if (k->kind == K_U32) {
			uint32_t u = (uint32_t)v;
			memcpy(base + k->off, &u, sizeof(u));
		} else {
			uint16_t u = (uint16_t)v;
			memcpy(base + k->off, &u, sizeof(u));
		}
		return 0;
	}
	case K_BOOL: {
		if ((rc = want_type(l, s, CONFIG_TYPE_BOOL, what)) != 0)
			return rc;
		bool b = config_setting_get_bool(s) != 0;
		memcpy(base + k->off, &b, sizeof(b));
		return 0;
	}
	case K_PATH:
	case K_STR:
		return get_str(l, s, what, (char *)base + k->off, CTL_PATH_MAX, k->kind == K_PATH);
	case K_NAME:
		return get_str(l, s, what, (char *)base + k->off, CTL_NAME_MAX, false);
	case K_ADDR: {
		char *dst = (char *)base + k->off;
		uint8_t tmp[16];
		if ((rc = get_str(l, s, what, dst, CTL_ADDR_MAX, false)) != 0)
			return rc;
		if (inet_pton(AF_INET, dst, tmp) != 1 && inet_pton(AF_INET6, dst, tmp) != 1)
			return bad(l, s, "%s: \"%s\" is not an IPv4 or IPv6 address", what, dst);
		return 0;
	}
	case K_FAIL:
	case K_CONFLICT:
	case K_MODE:
	case K_NOSIG:
	case K_EXEMPT:
	case K_LEVEL:
	case K_QUIC:
	case K_RCODE:
	case K_FACILITY: {
		const struct words *w = &kind_words[k->kind];
		char list[160] = "";
		size_t used = 0;
		if ((rc = want_type(l, s, CONFIG_TYPE_STRING, what)) != 0)
			return rc;
		const char *v = config_setting_get_string(s);
		for (unsigned i = 0; w->w[i] != NULL; i++) {
			if (strcmp(v, w->w[i]) == 0) {
				int val = w->vals != NULL ? w->vals[i] : (int)i;
				if (k->kind == K_LEVEL) {
					uint32_t u = (uint32_t)val;
					memcpy(base + k->off, &u, sizeof(u));
				} else if (k->kind == K_FACILITY) {
					memcpy(base + k->off, &val, sizeof(val));
				} else {
					base[k->off] = (uint8_t)val;
				}
				return 0;
			}
			int n = snprintf(list + used, sizeof(list) - used, "%s%s",
					 i == 0 ? "" : ", ", w->w[i]);
			if (n > 0 && used + (size_t)n < sizeof(list))
				used += (size_t)n;
		}
		return bad(l, s, "%s: unknown value \"%s\" (%s)", what, v, list);
	}
	case K_SPECIAL:
	case K_KIND_COUNT:
		break;
	}
	return bad(l, s, "%s: internal error", what);
}

static int load_group(struct ld *l, const struct group *g, const config_setting_t *s)
{
	int rc = want_type(l, s, CONFIG_TYPE_GROUP, g->name);
	if (rc != 0)
		return rc;
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *name = config_setting_name(e);
		const struct key *k = g->keys;

		while (k->name != NULL && strcmp(k->name, name) != 0)
			k++;
		if (k->name == NULL)
			return bad(l, e, "unknown key %s.%s", g->name, name);
		if (k->kind != K_SPECIAL) {
			rc = generic(l, k, e, g->name);
		} else if (strcmp(g->name, "eal") == 0) {
			rc = eal_args(l, e);
		} else if (strcmp(g->name, "ports") == 0) {
			rc = port_pairs(l, e);
		} else if (strcmp(name, "files") == 0) {
			rc = sig_files(l, e);
		} else if (strcmp(name, "modes") == 0) {
			rc = sig_modes(l, e);
		} else if (strcmp(name, "actions") == 0) {
			rc = policy_actions(l, e);
		} else if (strcmp(name, "enforce_from") == 0) {
			rc = policy_dates(l, e);
		} else if (strcmp(name, "exempt_clients") == 0) {
			rc = policy_exempt(l, e);
		} else if (strcmp(name, "allow") == 0) {
			rc = policy_allow(l, e);
		} else if (strcmp(name, "ports") == 0) {
			rc = l7_ports(l, e, g->name);
		} else { /* policy.default_action */
			uint8_t a = 0; /* set by get_action when it returns 0 */
			rc = get_action(l, e, "policy.default_action", &a);
			if (rc == 0) {
				/* Applied before the per-category table: groups
				 * are read in file order, so set only the
				 * categories the actions group has not named. */
				const config_setting_t *act =
					config_setting_get_member(s, "actions");
				for (unsigned c = 0; c < SIG_CAT_COUNT; c++) {
					const char *cn = sig_category_name((enum sig_category)c);
					if (act == NULL || config_setting_get_member(act, cn) == NULL)
						l->c->action[c] = a;
				}
			}
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

int ctl_config_load(struct ctl_config *c, const char *path, char *err, size_t errlen)
{
	struct ld l = {.c = c, .err = err, .errlen = errlen};
	config_t cfg;
	int rc = 0;

	if (snprintf(c->path, sizeof(c->path), "%s", path) >= (int)sizeof(c->path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	snprintf(c->dir, sizeof(c->dir), "%s", path);
	char *slash = strrchr(c->dir, '/');
	if (slash == NULL)
		snprintf(c->dir, sizeof(c->dir), ".");
	else if (slash == c->dir)
		slash[1] = '\0';
	else
		*slash = '\0';

	FILE *f = fopen(path, "r");
	if (f == NULL) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	fclose(f);
	config_init(&cfg);
	/* @include "x" is relative to this file, like every other path. */
	config_set_include_dir(&cfg, c->dir);
	if (config_read_file(&cfg, path) != CONFIG_TRUE) {
		snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&cfg),
			 config_error_text(&cfg));
		rc = -EINVAL;
		goto out;
	}
	const config_setting_t *root = config_root_setting(&cfg);
	for (int i = 0; i < config_setting_length(root); i++) {
		const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		const char *name = config_setting_name(s);
		const struct group *g = groups;

		while (g->name != NULL && strcmp(g->name, name) != 0)
			g++;
		if (g->name == NULL) {
			rc = bad(&l, s, "unknown group \"%s\"", name);
			goto out;
		}
		if ((rc = load_group(&l, g, s)) != 0)
			goto out;
	}
	if ((c->event_ring & (c->event_ring - 1)) != 0) {
		const config_setting_t *s = config_lookup(&cfg, "events.ring_size");
		rc = bad(&l, s, "events.ring_size must be a power of two");
		goto out;
	}
	if (c->n_allow > 0 && c->cat_mode[SIG_CAT_OTHER] == SIG_MODE_OFF) {
		/* policy.allow rules live in category "other": off would drop them. */
		const config_setting_t *s = config_lookup(&cfg, "signatures.modes.other");
		rc = bad(&l, s, "signatures.modes.other = \"off\" would drop policy.allow; "
			 "use \"on\" or \"allow\"");
		goto out;
	}
	for (uint32_t i = 0; i < c->n_quic_ports; i++) {
		for (uint32_t j = 0; j < c->n_dns_ports; j++) {
			if (c->quic_ports[i] != c->dns_ports[j])
				continue;
			const config_setting_t *s = config_lookup(&cfg, "dns.ports");
			if (s == NULL)
				s = config_lookup(&cfg, "quic.ports");
			rc = bad(&l, s, "port %u is in both quic.ports and dns.ports",
				 c->quic_ports[i]);
			goto out;
		}
	}
	if (c->n_sig_files == 0) {
		snprintf(err, errlen, "%s: signatures.files is required", path);
		rc = -EINVAL;
	}
out:
	config_destroy(&cfg);
	return rc;
}
