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
	char path[1024];  /* as opened: reopened on SIGHUP */
	uint64_t tsc0;    /* TSC and wall clock at open: event TSC -> UTC */
	uint64_t ns0;
	uint64_t hz;
	uint32_t rate;    /* lines per second, 0 = no limit */
	uint64_t win_sec; /* the second being counted (event time) */
	uint32_t win_n;   /* lines written in it */
	bool syslog;
	/* Counters: written by the main lcore only (relaxed stores), read by
	 * any thread through ctl_evlog_counters(). */
	uint64_t written;     /* lines written to the file (or stdout) */
	uint64_t suppressed;  /* events not written: over the rate limit */
	uint64_t syslogged;   /* lines sent to syslog */
	uint64_t reopens;     /* successful reopens (SIGHUP) */
	uint64_t errors;      /* failed writes or reopens */
};

struct ctl_evlog_counters {
	uint64_t written;
	uint64_t suppressed;
	uint64_t syslogged;
	uint64_t reopens;
	uint64_t errors;
};

/* path "" (no log), "-" (stdout) or a file, appended to. */
int ctl_evlog_open(struct ctl_evlog *l, const char *path, uint64_t tsc_now, uint64_t tsc_hz,
		   char *err, size_t errlen);

/*
 * Rate limit (lines per second of event time, 0 = none) and syslog. With
 * syslog on, openlog(ident, facility) is called here, and every line that
 * passes the limit also goes to syslog (block: LOG_WARNING, monitor:
 * LOG_NOTICE, name: LOG_INFO). Called again on reload.
 */
void ctl_evlog_configure(struct ctl_evlog *l, uint32_t rate, bool use_syslog, int facility,
			 const char *ident);

/*
 * Closes and opens the file again at the same path (logrotate moved it):
 * on failure the old stream stays in use and err says why. No-op for ""
 * and "-". 0 or -errno.
 */
int ctl_evlog_reopen(struct ctl_evlog *l, char *err, size_t errlen);

/*
 * Moves the log to another path ("" none, "-" stdout, or a file): the new
 * one is opened first, so on failure the old one stays. Counters and the
 * clock base are kept. 0 or -errno.
 */
int ctl_evlog_switch(struct ctl_evlog *l, const char *path, char *err, size_t errlen);

/* Writes one event, or counts it as suppressed. Returns true if written
 * (to the file or syslog). */
bool ctl_evlog_write(struct ctl_evlog *l, const struct dp_event *ev);
void ctl_evlog_flush(struct ctl_evlog *l);
void ctl_evlog_close(struct ctl_evlog *l);

/* Wall time of an event (UTC ns since the epoch) from its TSC. */
uint64_t ctl_evlog_event_ns(const struct ctl_evlog *l, const struct dp_event *ev);

/* Counters of the log opened last (zeros when none); any thread. */
void ctl_evlog_counters(struct ctl_evlog_counters *out);

/* Formats one event as a JSON object (no newline) into buf; returns the
 * length, truncated like snprintf. Exposed for the tests. */
size_t ctl_evlog_format(const struct ctl_evlog *l, const struct dp_event *ev, char *buf,
			size_t cap);

#endif
