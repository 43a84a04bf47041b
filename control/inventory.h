/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_CTL_INVENTORY_H
#define KB_CTL_INVENTORY_H

/*
 * The remediation inventory: which internal clients still talk to barred
 * services. A bounded table of client addresses that triggered a block or
 * monitor event decided by a signature, with per-category counts, first and
 * last seen, and the last name. docs/policy.md ("Remediation inventory").
 *
 * Writer: the main lcore only, from the event stream it drains (workers
 * never see the table). Readers: any control thread (metrics, telemetry):
 * every read function takes the table's lock and copies out, so a reader
 * never sees an entry half written. Events the log rate limit suppresses
 * are still recorded; events lost to a full worker ring never reach it.
 *
 * When the table is full, the least recently seen client is evicted (exact
 * LRU: a list threaded through the entries) and counted.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_types.h"
#include "sig_types.h"

#define CTL_INV_MIN_CAPACITY 16u
#define CTL_INV_MAX_CAPACITY (1u << 22)

/* One client, as copied out to a reader. */
struct ctl_client {
	uint8_t addr[16];               /* IPv4 in the first 4 bytes, rest 0 */
	uint8_t ip_version;             /* 4 or 6 */
	uint8_t last_category;          /* enum sig_category of the last event */
	uint8_t last_action;            /* enum dp_action of the last event */
	uint64_t count[SIG_CAT_COUNT];  /* events by category (block + monitor) */
	uint64_t blocked;               /* of which block events (reset, drop) */
	uint64_t monitored;             /* of which monitor events */
	uint64_t first_seen_ns;         /* UTC, ns since the epoch (event time) */
	uint64_t last_seen_ns;
	char last_name[DP_NAME_MAX];    /* normalised name, NUL-terminated */
};

struct ctl_inventory_totals {
	uint64_t clients;   /* in the table now (gauge) */
	uint64_t capacity;  /* inventory.capacity */
	uint64_t inserted;  /* clients ever added */
	uint64_t evicted;   /* clients evicted to make room (LRU) */
	uint64_t recorded;  /* events recorded */
	uint64_t ignored;   /* events not recorded: policy verdicts, names */
};

/* ---- readers (any control thread) -------------------------------------- */

void ctl_inventory_totals(struct ctl_inventory_totals *out);

/*
 * Copies up to max clients into out, most recently seen first, and the
 * totals into tot (may be NULL). Returns how many were copied. Holds the
 * lock for the copy only.
 */
size_t ctl_inventory_snapshot(struct ctl_client *out, size_t max,
			      struct ctl_inventory_totals *tot);

/*
 * Calls fn for every client, most recently seen first, with the lock held:
 * fn must be quick and must not call back into the inventory. A non-zero
 * return from fn stops the walk and is returned.
 */
typedef int (*ctl_client_fn)(const struct ctl_client *c, void *arg);
int ctl_inventory_foreach(ctl_client_fn fn, void *arg);

/* ---- writer (main lcore) ------------------------------------------------ */

/* Allocates the table (capacity clamped to the limits above). 0 or -ENOMEM. */
int ctl_inventory_init(uint32_t capacity);

/*
 * Records one event at wall time ns (UTC ns since the epoch). Only block
 * and monitor events decided by a signature (reason "signature", a
 * category) count; others bump `ignored`. Returns true when recorded.
 */
bool ctl_inventory_record(const struct dp_event *ev, uint64_t ns);

void ctl_inventory_free(void);

#endif
