/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy resolution: the configured actions, dates and fail policies become
 * the tables a worker decides with (struct dp_policy). Dates are compared
 * here, on the control thread, once at start, at each reload and when the
 * next enforce_from passes; a worker never reads a clock for policy.
 * Semantics and precedence: docs/policy.md.
 */
#include "policy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sig.h"

/* ctl_action and dp_action share their order (reset, drop, monitor, pass). */
_Static_assert((int)CTL_ACT_RESET == (int)DP_ACT_RESET && (int)CTL_ACT_DROP == (int)DP_ACT_DROP &&
		       (int)CTL_ACT_MONITOR == (int)DP_ACT_MONITOR &&
		       (int)CTL_ACT_PASS == (int)DP_ACT_PASS,
	       "ctl_action and dp_action must agree");

static bool is_block(uint8_t a)
{
	return a == DP_ACT_RESET || a == DP_ACT_DROP;
}

/* A block softened by the global mode; anything else as it is. */
static void soften(const struct ctl_config *c, uint8_t act, uint8_t *out, uint8_t *src)
{
	*out = act;
	*src = DP_POL_ACTION;
	if (is_block(act) && c->mode == CTL_MODE_MONITOR) {
		*out = DP_ACT_MONITOR;
		*src = DP_POL_MODE;
	}
}

void ctl_policy_resolve(const struct ctl_config *c, int64_t now, struct dp_policy *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < SIG_CAT_COUNT; i++) {
		soften(c, c->action[i], &out->action[i], &out->src[i]);
		/* Before its date a category is only watched; the date is the
		 * more specific reason, so it names the source when both apply. */
		if (is_block(c->action[i]) && c->has_date[i] && now < c->enforce_from[i]) {
			out->action[i] = DP_ACT_MONITOR;
			out->src[i] = DP_POL_DATE;
		}
	}
	soften(c, c->fail_policy == CTL_FAIL_CLOSED ? DP_ACT_RESET : DP_ACT_PASS,
	       &out->fail_action, &out->fail_src);
	soften(c, c->conflict_policy == CTL_FAIL_CLOSED ? DP_ACT_RESET : DP_ACT_PASS,
	       &out->conflict_action, &out->conflict_src);
	soften(c, c->no_signatures == CTL_NOSIG_CLOSED ? DP_ACT_RESET : DP_ACT_PASS,
	       &out->no_set_action, &out->no_set_src);
	out->exempt_action = c->exempt_action == CTL_ACT_MONITOR ? DP_ACT_MONITOR : DP_ACT_PASS;
	out->n_exempt = c->n_exempt < DP_MAX_EXEMPT ? c->n_exempt : DP_MAX_EXEMPT;
	memcpy(out->exempt, c->exempt, sizeof(out->exempt[0]) * out->n_exempt);
}

int64_t ctl_policy_next_change(const struct ctl_config *c, int64_t now)
{
	int64_t next = 0;

	for (unsigned i = 0; i < SIG_CAT_COUNT; i++) {
		if (!c->has_date[i] || c->enforce_from[i] <= now || !is_block(c->action[i]))
			continue;
		if (next == 0 || c->enforce_from[i] < next)
			next = c->enforce_from[i];
	}
	return next;
}

void ctl_policy_info_fill(const struct ctl_config *c, int64_t now, struct ctl_policy_info *out)
{
	struct dp_policy p;

	ctl_policy_resolve(c, now, &p);
	memset(out, 0, sizeof(*out));
	out->mode = c->mode;
	for (unsigned i = 0; i < SIG_CAT_COUNT; i++) {
		struct ctl_policy_cat *k = &out->cat[i];
		k->action = c->action[i];
		k->effective = p.action[i];
		k->why = p.src[i];
		k->has_date = c->has_date[i];
		k->enforce_from = c->has_date[i] ? c->enforce_from[i] : 0;
		k->enforced = is_block(p.action[i]);
	}
	out->fail_policy = c->fail_policy;
	out->conflict_policy = c->conflict_policy;
	out->no_signatures = c->no_signatures;
	out->exempt_action = c->exempt_action;
	out->n_exempt = c->n_exempt;
	out->n_allow = c->n_allow;
	out->evaluated_at = now;
	out->next_change = ctl_policy_next_change(c, now);
}

/* ---- dates -------------------------------------------------------------- */

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian, y >= 1970). */
static int64_t days_from_epoch(int64_t y, int64_t m, int64_t d)
{
	static const int cum[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
	int64_t days = 0;

	for (int64_t yy = 1970; yy < y; yy++)
		days += leap(yy) ? 366 : 365;
	days += cum[m - 1] + (m > 2 && leap(y) ? 1 : 0);
	return days + d - 1;
}

/* n decimal digits at s into *v; false on anything else. */
static bool digits(const char *s, unsigned n, int64_t *v)
{
	*v = 0;
	for (unsigned i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/*
 *   date     = year "-" month "-" day [ "T" hour ":" minute ":" second "Z" ]
 *   year     = 4DIGIT (1970..9999); month, day, hour, minute, second = 2DIGIT
 */
int ctl_parse_date(const char *s, int64_t *out)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int64_t y, mo, d, h = 0, mi = 0, se = 0;
	size_t len = strlen(s);

	if (len != 10 && len != 20)
		return -EINVAL;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d))
		return -EINVAL;
	if (len == 20 && (s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' ||
			  !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se) ||
			  s[19] != 'Z'))
		return -EINVAL;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59)
		return -EINVAL;
	if (d > mdays[mo - 1] + (mo == 2 && leap(y) ? 1 : 0))
		return -EINVAL;
	*out = days_from_epoch(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	return 0;
}

void ctl_format_date(int64_t t, char *buf, size_t cap)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int64_t days = t / 86400, rem = t % 86400, y = 1970, m = 0;

	if (t < 0) {
		snprintf(buf, cap, "1970-01-01T00:00:00Z");
		return;
	}
	while (days >= (leap(y) ? 366 : 365)) {
		days -= leap(y) ? 366 : 365;
		y++;
	}
	while (days >= mdays[m] + (m == 1 && leap(y) ? 1 : 0)) {
		days -= mdays[m] + (m == 1 && leap(y) ? 1 : 0);
		m++;
	}
	snprintf(buf, cap, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", (long long)y,
		 (long long)m + 1, (long long)days + 1, (long long)(rem / 3600),
		 (long long)(rem % 3600 / 60), (long long)(rem % 60));
}

/* ---- prefixes ----------------------------------------------------------- */

int ctl_parse_prefix(const char *s, struct dp_prefix *out)
{
	char a[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	unsigned max;
	long len;

	memset(out, 0, sizeof(*out));
	if (alen == 0 || alen >= sizeof(a))
		return -EINVAL;
	memcpy(a, s, alen);
	a[alen] = '\0';
	if (inet_pton(AF_INET, a, out->addr) == 1) {
		out->ip_version = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, a, out->addr) == 1) {
		out->ip_version = 6;
		max = 128;
	} else {
		return -EINVAL;
	}
	len = max;
	if (slash != NULL) {
		char *end;
		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		len = strtol(slash + 1, &end, 10);
		if (*end != '\0' || len < 0 || len > (long)max)
			return -EINVAL;
	}
	/* Host bits set past the length are a typo more often than not
	 * (10.1.2.3/16): refuse rather than guess. */
	for (unsigned bit = (unsigned)len; bit < max; bit++)
		if (out->addr[bit / 8] & (0x80u >> (bit % 8)))
			return -EINVAL;
	out->len = (uint8_t)len;
	return 0;
}

/* ---- the signature set with policy.allow ---------------------------------- */

struct sigset *ctl_policy_build_set(const struct ctl_config *c, struct sig_report *rep)
{
	struct sig_compile_opts co;
	struct sigset *set = NULL;
	struct sig_ruleset *rs = sig_ruleset_new();
	char line[SIG_NAME_MAX + 96];
	int errors = 0;

	if (rs == NULL) {
		sig_report(rep, c->path, 0, "out of memory");
		return NULL;
	}
	/* Every file is read, so one run reports every error; nothing is
	 * compiled after any. */
	for (uint32_t i = 0; i < c->n_sig_files; i++) {
		int rc = sig_load_path(rs, c->sig_files[i], rep);
		errors += rc < 0 ? 1 : rc;
	}
	for (uint32_t i = 0; i < c->n_allow; i++) {
		int n = snprintf(line, sizeof(line), "allow %u domain=%s category=other\n",
				 CTL_ALLOW_ID_BASE + i, c->allow[i]);
		if (n < 0 || (size_t)n >= sizeof(line)) {
			sig_report(rep, c->path, 0, "policy.allow: name too long");
			errors++;
			continue;
		}
		int rc = sig_load_buf(rs, "policy.allow", line, (size_t)n, rep);
		errors += rc < 0 ? 1 : rc;
	}
	if (errors != 0)
		goto out;
	if (c->n_allow > 0 && c->cat_mode[SIG_CAT_OTHER] == SIG_MODE_DEFAULT &&
	    rs->cat_mode[SIG_CAT_OTHER] == SIG_MODE_OFF) {
		sig_report(rep, c->path, 0,
			   "policy.allow needs category \"other\", which a pack switches off: set "
			   "signatures.modes.other = \"on\"");
		goto out;
	}
	memset(&co, 0, sizeof(co));
	memcpy(co.cat_mode, c->cat_mode, sizeof(co.cat_mode));
	set = sig_compile(rs, &co, rep);
out:
	sig_ruleset_free(rs);
	return set;
}
