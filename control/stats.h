/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_CTL_STATS_H
#define KB_CTL_STATS_H

/*
 * The one place that reads the dataplane's counters: the main lcore sums
 * them (every worker's struct dp_stats, flow counters and signature table),
 * reads the ports' rte_eth_stats and the reload, event log and inventory
 * counters into a snapshot, about once a second or sooner when a reader
 * asks. Readers (the HTTP server's thread, the telemetry thread) take the
 * snapshot under a mutex and never touch a worker.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "dp_types.h"
#include "stats_types.h"

/* Signatures listed by name in the exports (metrics.signature_top). */
#define CTL_SIG_TOP_DEFAULT 200u
#define CTL_SIG_TOP_MAX 10000u

/*
 * Main lcore, after dp_lcores_init() and dp_ports_setup(): sizes the
 * snapshots for dc's workers and ports and cfg's metrics.signature_top.
 * Fills the first snapshot. 0 or -ENOMEM.
 */
int ctl_stats_init(const struct ctl_config *cfg, const struct dp_conf *dc);

/* Main lcore, once per loop pass: refreshes when a second has passed or a
 * reader is waiting. Cheap otherwise. */
void ctl_stats_tick(void);

/* Main lcore: refreshes now (at the end, after the workers stopped). */
void ctl_stats_refresh(void);

/*
 * Any control thread: returns a snapshot with its lock held. While the main
 * lcore ticks, it asks for a refresh that begins after this call and waits
 * for it, at most CTL_STATS_WAIT_MS (then the latest one: the main lcore
 * may be busy with a reload). Never NULL. Pair with ctl_stats_release().
 */
#define CTL_STATS_WAIT_MS 500u
const struct ctl_snapshot *ctl_stats_acquire(void);
void ctl_stats_release(void);

/* Main lcore, at exit: later readers see the last snapshot. */
void ctl_stats_fini(void);

/*
 * Main lcore: ctl_stats_init(), then the telemetry commands, then the HTTP
 * server, and logs where it listens. required: a server that cannot listen
 * is an error (inline mode), not a warning (replay). 0 or -errno with the
 * reason in err.
 */
int ctl_stats_start(const struct ctl_config *cfg, const struct dp_conf *dc, bool required,
		    char *err, size_t errlen);

/* Stops the HTTP server and ctl_stats_fini(); safe if never started. */
void ctl_stats_stop(void);

/*
 * Merges per-worker signature entries (an id may repeat: its counts add)
 * and keeps in s->sigs the s->sig_top ones with the most flows (blocked +
 * monitored; ties: lower id first), highest first; the others are summed
 * into s->sig_other_*. Entries with no count are ignored. Sorts v in place.
 * s->sigs must have room for s->sig_top entries. Sets s->n_sigs and
 * s->sig_counted. Pure: the unit tests call it.
 */
void ctl_stats_sig_top(struct ctl_sig_snap *v, size_t n, struct ctl_snapshot *s);

#endif
