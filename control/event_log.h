/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_CTL_EVENT_LOG_H
#define KB_CTL_EVENT_LOG_H

/*
 * The event log: one JSON line per worker event, written only by the main
 * lcore. docs/kasblock.md ("Events") has the format.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dp_types.h"

struct ctl_evlog {
	FILE *f;          /* NULL: events are counted, not written */
	bool own;         /* fclose at the end (not stdout) */
	uint64_t tsc0;    /* TSC and wall clock at open: event TSC -> UTC */
	uint64_t ns0;
	uint64_t hz;
	uint64_t written;
};

/* path "" (no log), "-" (stdout) or a file, appended to. */
int ctl_evlog_open(struct ctl_evlog *l, const char *path, uint64_t tsc_now, uint64_t tsc_hz,
		   char *err, size_t errlen);
void ctl_evlog_write(struct ctl_evlog *l, const struct dp_event *ev);
void ctl_evlog_flush(struct ctl_evlog *l);
void ctl_evlog_close(struct ctl_evlog *l);

/* Formats one event as a JSON object (no newline) into buf; returns the
 * length, truncated like snprintf. Exposed for the tests. */
size_t ctl_evlog_format(const struct ctl_evlog *l, const struct dp_event *ev, char *buf,
			size_t cap);

#endif
