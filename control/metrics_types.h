/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_CTL_METRICS_TYPES_H
#define KB_CTL_METRICS_TYPES_H

/*
 * The metric families, described once: Prometheus (control/metrics.c) and
 * DPDK telemetry (control/telemetry.c) both walk the same table, so a
 * counter has one name everywhere (docs/metrics.md).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ctl_mtype {
	CTL_MT_COUNTER = 0,
	CTL_MT_GAUGE,
};

/* How a value is stored in the snapshot. */
enum ctl_munit {
	CTL_MU_ONE = 0, /* a count, exported as is */
	CTL_MU_NS,      /* nanoseconds: seconds in Prometheus (`_seconds`), `_ns` in telemetry */
};

/*
 * The labels of a family, and where its values sit. Every kind has a fixed,
 * small set of values except CTL_ML_SIGNATURE, which the snapshot caps at
 * metrics.signature_top plus "other".
 */
enum ctl_mlabels {
	CTL_ML_NONE = 0,     /* one value at off */
	CTL_ML_PORT,         /* port: n_ports values, stride bytes apart */
	CTL_ML_WORKER,       /* worker: n_workers values */
	CTL_ML_CATEGORY,     /* category: SIG_CAT_COUNT values, stride 8 */
	CTL_ML_FIELD,        /* field: SIG_FIELD_COUNT values */
	CTL_ML_POLICY,       /* reason: the fail/conflict reasons of enum dp_reason */
	CTL_ML_RESULT,       /* result: how inspections ended */
	CTL_ML_SIG_ACTION,   /* action: block, allow */
	CTL_ML_TRIGGER,      /* trigger: enum ctl_reload_trigger */
	CTL_ML_PARSE,        /* parser, reason: l3l4, tls, http anomaly arrays */
	CTL_ML_SIGNATURE,    /* signature_id, category: the top list, then "other" */
	CTL_ML_PORT_INFO,    /* port, name, peer: value 1 */
	CTL_ML_WORKER_INFO,  /* worker, lcore: value 1 */
	CTL_ML_BUILD_INFO,   /* version: value 1 */
	CTL_ML_QUIC_REASON,  /* reason: quic_reason (never "none") */
	CTL_ML_DNS_REASON,   /* reason: dns_reason */
	CTL_ML_H2C_REASON,   /* reason: h2c_reason */
};

/* Which telemetry command shows a family. */
enum ctl_mgroup {
	CTL_MG_STATS = 0,    /* /kasblock/stats */
	CTL_MG_PORTS,        /* /kasblock/ports */
	CTL_MG_WORKERS,      /* /kasblock/workers */
	CTL_MG_SIGNATURES,   /* /kasblock/signatures */
	CTL_MG_INFO,         /* Prometheus only (telemetry has it as plain keys) */
};

struct ctl_metric {
	const char *name;    /* without the "kasblock_" prefix */
	const char *help;
	uint8_t type;        /* enum ctl_mtype */
	uint8_t unit;        /* enum ctl_munit */
	uint8_t labels;      /* enum ctl_mlabels */
	uint8_t group;       /* enum ctl_mgroup */
	uint32_t off;        /* offset in struct ctl_snapshot of the first value */
	uint32_t stride;     /* bytes between consecutive label values */
};

#define CTL_MAX_LABELS 3u

struct ctl_label {
	const char *name;
	const char *value;
};

/* One sample of family m: n labels, a raw value (unit m->unit). */
typedef void (*ctl_sample_fn)(void *arg, const struct ctl_metric *m,
			      const struct ctl_label *labels, unsigned n, uint64_t value);

/* A growing text buffer; oom is set (and the text left short) past max. */
struct ctl_text {
	char *p;
	size_t len;
	size_t cap;
	size_t max;
	bool oom;
};

#endif
