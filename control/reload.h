/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_CTL_RELOAD_H
#define KB_CTL_RELOAD_H

/*
 * Hot reload of the signature set and the live policy (docs/reload.md).
 *
 * The main lcore owns the live state: it reloads on SIGHUP, on a request
 * from another control thread (ctl_reload_request: telemetry, kasblockctl)
 * and, when configured, when a watched file changes. A reload reads the
 * configuration file again, loads and compiles the signature files, builds
 * one Hyperscan scratch per worker, resolves the effective policy, and
 * publishes all of it with one atomic pointer store; the old set is freed
 * once every worker has passed a quiescent state (rte_rcu_qsbr). A reload
 * that fails keeps the running set and policy, bumps `failures` and keeps
 * the error text.
 *
 * Every function here may be called from any control thread (not from a
 * worker): they take the reload lock.
 */

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "policy.h"

#define CTL_RELOAD_ERR_MAX CTL_ERR_MAX

/* Why a reload ran (counted per trigger). */
enum ctl_reload_trigger {
	CTL_RELOAD_SIGHUP = 0,
	CTL_RELOAD_REQUEST,  /* ctl_reload_request(): telemetry, kasblockctl */
	CTL_RELOAD_WATCH,    /* a watched file changed */
	CTL_RELOAD_TRIGGER_COUNT
};

struct ctl_reload_status {
	uint64_t generation;       /* of the live set: 1 at start, +1 per successful reload;
				    * 0 when no set is live (started with no_signatures) */
	uint64_t successes;        /* reloads that published a new set */
	uint64_t failures;         /* reloads that kept the running set */
	uint64_t by_trigger[CTL_RELOAD_TRIGGER_COUNT]; /* attempts by trigger */
	uint64_t policy_updates;   /* effective policy republished (an enforce_from date
				    * passed), same set and generation */
	uint64_t last_duration_ns; /* of the last attempt, success or not */
	uint64_t last_attempt_ns;  /* UTC ns since the epoch, 0 if none yet */
	uint64_t last_success_ns;  /* of the live set (start counts), 0 if none */
	int last_result;           /* 0 or -errno of the last attempt */
	char last_error[CTL_RELOAD_ERR_MAX]; /* "file:line: reason", "" after a success */
	uint32_t signatures;       /* rules in the live set (0 without one) */
	uint32_t signatures_block; /* of which block rules */
	uint32_t signatures_allow; /* of which allow rules (pack and policy.allow) */
	char pack_version[64];     /* "name version" of the first pack, "" if none */
};

/* Copies the reload status. */
void ctl_reload_status(struct ctl_reload_status *out);

/*
 * Asks the main lcore for a reload and waits for the attempt (at most 60 s).
 * Returns 0 when a new set went live, or -errno (-EINVAL: the configuration
 * or the signatures were rejected; -EAGAIN: not running yet or stopping;
 * -ETIMEDOUT); the error text is in ctl_reload_status().last_error, or use
 * ctl_reload_request_err() to get the text of this very attempt. Safe from
 * any control thread, including a telemetry callback; from the main lcore
 * itself it reloads in place.
 */
int ctl_reload_request(void);
int ctl_reload_request_err(char *err, size_t errlen);

/* The live policy, as the workers apply it now (resolved dates included). */
void ctl_policy_info(struct ctl_policy_info *out);

/* A copy of the live configuration (what the last successful load gave,
 * restart-only keys as running). */
void ctl_reload_config(struct ctl_config *out);

/* ---- main lcore only ------------------------------------------------------ */

/* Applied to every configuration loaded (command-line overrides, replay). */
typedef void (*ctl_config_fixup_fn)(struct ctl_config *c);

/*
 * Publishes the first reference: set (may be NULL when policy.no_signatures
 * allows starting without one; generation 0 then) with one scratch per
 * worker and the policy resolved now. Takes ownership of set and copies
 * cfg. Returns 0 or -ENOMEM (err says why).
 */
int ctl_reload_start(const struct ctl_config *cfg, struct sigset *set, unsigned n_workers,
		     ctl_config_fixup_fn fixup, char *err, size_t errlen);

/*
 * One reload attempt now (SIGHUP, or serving requests): 0 when a new set is
 * live, else -errno with "file:line: reason" in err; the running set stays.
 */
int ctl_reload_run(enum ctl_reload_trigger why, char *err, size_t errlen);

#define CTL_TICK_RELOADED 0x1 /* a new configuration is live: apply its live keys */
#define CTL_TICK_POLICY 0x2   /* the effective policy changed (a date passed) */

/*
 * Called on every pass of the main loop: serves pending reload requests,
 * re-resolves the policy once a second (an enforce_from passing, or the
 * clock stepping back) and polls watched files. Returns CTL_TICK_* bits.
 */
int ctl_reload_tick(void);

/* No more requests (waiters get -EAGAIN); call before stopping the workers. */
void ctl_reload_stop(void);

/* Frees the live reference, set and scratches; workers must have stopped. */
void ctl_reload_free(void);

#endif
