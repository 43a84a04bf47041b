/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_DP_POLICY_H
#define KB_DP_POLICY_H

/*
 * The per-flow decision, from the effective policy the control plane
 * published with the signature set (struct dp_policy). Runs once per
 * decided flow, never per packet: table lookups and a bounded prefix walk
 * (at most DP_MAX_EXEMPT prefixes), no clock, no lock. Pure C, so the unit
 * tests drive it with the same tables the workers see. docs/policy.md
 * ("Precedence").
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dp_types.h"

/* True when the first p->len bits of addr equal those of p. */
static inline bool dp_prefix_match(const struct dp_prefix *p, const uint8_t *addr,
				   uint8_t ip_version)
{
	unsigned full = p->len / 8u;
	unsigned rest = p->len % 8u;

	if (p->ip_version != ip_version)
		return false;
	if (full > 0 && memcmp(p->addr, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xffu << (8u - rest));
	return (p->addr[full] & mask) == (addr[full] & mask);
}

static inline bool dp_policy_exempt(const struct dp_policy *p, const uint8_t *client,
				    uint8_t ip_version)
{
	uint32_t n = p->n_exempt < DP_MAX_EXEMPT ? p->n_exempt : DP_MAX_EXEMPT;

	for (uint32_t i = 0; i < n; i++)
		if (dp_prefix_match(&p->exempt[i], client, ip_version))
			return true;
	return false;
}

struct dp_decision {
	uint8_t action; /* enum dp_action */
	uint8_t src;    /* enum dp_pol_src */
};

/*
 * The action for a flow decided for reason why: a signature of category cat
 * (why == DP_R_SIGNATURE), or a fail policy. Then an exempt client is never
 * blocked: any action but pass becomes the exempt action. A client is the
 * side that sent the first bytes (IPv4 in the first 4 bytes of client).
 */
static inline struct dp_decision dp_policy_decide(const struct dp_policy *p,
						  enum dp_reason why, uint8_t cat,
						  const uint8_t *client, uint8_t ip_version)
{
	struct dp_decision d;

	switch (why) {
	case DP_R_SIGNATURE:
		if (cat < SIG_CAT_COUNT) {
			d.action = p->action[cat];
			d.src = p->src[cat];
		} else {
			d.action = DP_ACT_PASS;
			d.src = DP_POL_ACTION;
		}
		break;
	case DP_R_CONFLICT:
		d.action = p->conflict_action;
		d.src = p->conflict_src;
		break;
	case DP_R_NO_SET:
		d.action = p->no_set_action;
		d.src = p->no_set_src;
		break;
	default:
		d.action = p->fail_action;
		d.src = p->fail_src;
		break;
	}
	if (d.action != DP_ACT_PASS && p->n_exempt != 0 &&
	    dp_policy_exempt(p, client, ip_version)) {
		d.action = p->exempt_action;
		d.src = DP_POL_EXEMPT;
	}
	return d;
}

#endif
