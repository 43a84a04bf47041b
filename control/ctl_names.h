/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_CTL_NAMES_H
#define KB_CTL_NAMES_H

/*
 * The words for the dataplane's actions, block reasons and policy sources,
 * as the event log, the Prometheus labels and the telemetry commands all
 * print them: one table each, so the three outputs cannot drift apart.
 * Header-only (static inline), so the plain-C libraries that print them
 * (event log, metrics) need no link to each other. Out-of-range values read
 * "unknown".
 */

#include "dp_types.h"

static inline const char *ctl_dp_action_name(unsigned a)
{
	static const char *const names[DP_ACT_COUNT] = {
		[DP_ACT_RESET] = "reset",
		[DP_ACT_DROP] = "drop",
		[DP_ACT_MONITOR] = "monitor",
		[DP_ACT_PASS] = "pass",
	};

	return a < DP_ACT_COUNT && names[a] != NULL ? names[a] : "unknown";
}

static inline const char *ctl_reason_name(enum dp_reason r)
{
	static const char *const names[DP_R_COUNT] = {
		[DP_R_SIGNATURE] = "signature",
		[DP_R_CONFLICT] = "conflict",
		[DP_R_POOL] = "pool_exhausted",
		[DP_R_LIMIT] = "limit",
		[DP_R_SCAN_ERROR] = "scan_error",
		[DP_R_NO_SET] = "no_signatures",
		[DP_R_NO_FLOW] = "no_flow",
	};

	return (unsigned)r < DP_R_COUNT && names[r] != NULL ? names[r] : "unknown";
}

static inline const char *ctl_policy_src_name(unsigned p)
{
	static const char *const names[DP_POL_COUNT] = {
		[DP_POL_ACTION] = "configured",
		[DP_POL_MODE] = "monitor_mode",
		[DP_POL_DATE] = "before_enforce_from",
		[DP_POL_EXEMPT] = "exempt_client",
	};

	return p < DP_POL_COUNT && names[p] != NULL ? names[p] : "unknown";
}

#endif /* KB_CTL_NAMES_H */
