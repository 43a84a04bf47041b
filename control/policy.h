/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_CTL_POLICY_H
#define KB_CTL_POLICY_H

/*
 * The policy as configured (struct ctl_config, group `policy`) resolved into
 * what the workers apply now (struct dp_policy): the global mode, each
 * category's action and enforcement start date, exemptions by client
 * prefix, the fail policies. docs/policy.md has the semantics and the
 * precedence; dataplane/dp_policy.h the per-flow decision.
 *
 * Pure C, no DPDK: the control thread calls it at start, at every reload
 * and when a date passes; the unit tests call it with any clock.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "dp_types.h"
#include "sig_types.h"

/* Ids of the signatures built from policy.allow: base + index. */
#define CTL_ALLOW_ID_BASE 999990000u

/* Effective per-category state, for the operator (kasblockctl, metrics). */
struct ctl_policy_cat {
	uint8_t action;        /* enum ctl_action as configured */
	uint8_t effective;     /* enum dp_action applied now */
	uint8_t why;           /* enum dp_pol_src of effective */
	bool has_date;
	int64_t enforce_from;  /* UTC seconds since the epoch when has_date */
	bool enforced;         /* reset/drop apply now (not softened by mode or date) */
};

struct ctl_policy_info {
	uint8_t mode;                         /* enum ctl_mode */
	struct ctl_policy_cat cat[SIG_CAT_COUNT];
	uint8_t fail_policy;                  /* enum ctl_fail */
	uint8_t conflict_policy;              /* enum ctl_fail */
	uint8_t no_signatures;                /* enum ctl_nosig */
	uint8_t exempt_action;                /* enum ctl_action: pass or monitor */
	uint32_t n_exempt;                    /* exempt client prefixes */
	uint32_t n_allow;                     /* names in policy.allow */
	int64_t evaluated_at;                 /* UTC seconds of the resolution */
	int64_t next_change;                  /* next enforce_from to pass, or 0 */
};

/*
 * Resolves the configured policy at time now (UTC seconds) into what the
 * workers apply. Precedence, per category: the configured action; before
 * the category's enforce_from a reset or drop becomes monitor (DP_POL_DATE);
 * in monitor mode a reset or drop becomes monitor (DP_POL_MODE; the date
 * wins the label when both apply). Exemptions are copied for the worker,
 * which applies them per flow (dp_policy_decide).
 */
void ctl_policy_resolve(const struct ctl_config *c, int64_t now, struct dp_policy *out);

/*
 * The first enforce_from strictly after now, or 0 when no date is pending:
 * the control thread resolves again when the clock reaches it.
 */
int64_t ctl_policy_next_change(const struct ctl_config *c, int64_t now);

/* Operator view of the configuration at time now. */
void ctl_policy_info_fill(const struct ctl_config *c, int64_t now, struct ctl_policy_info *out);

/*
 * "YYYY-MM-DD" (00:00:00 UTC that day) or "YYYY-MM-DDTHH:MM:SSZ" to UTC
 * seconds since the epoch. Years 1970..9999; the day must exist (leap
 * years included). Returns 0 or -EINVAL.
 */
int ctl_parse_date(const char *s, int64_t *out);

/* Formats t (UTC seconds) as "YYYY-MM-DDTHH:MM:SSZ" into buf (>= 21 bytes). */
void ctl_format_date(int64_t t, char *buf, size_t cap);

/*
 * "10.0.0.0/8", "2001:db8::/32", or an address alone (a /32 or /128). The
 * address must have no bits set past the prefix length. 0 or -EINVAL.
 */
int ctl_parse_prefix(const char *s, struct dp_prefix *out);

/*
 * Loads the configured signature files, adds policy.allow as allow rules
 * (category `other`, ids CTL_ALLOW_ID_BASE + index, "domain" kind: the
 * name and every name below it) and compiles the set with the configured
 * category modes. NULL on any error, reported through rep as
 * "file:line: reason".
 */
struct sigset *ctl_policy_build_set(const struct ctl_config *c, struct sig_report *rep);

#endif
