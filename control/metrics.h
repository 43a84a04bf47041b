/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_CTL_METRICS_H
#define KB_CTL_METRICS_H

/*
 * Prometheus text exposition (format 0.0.4) of a snapshot, and the HTTP
 * server that serves it on GET /metrics. docs/metrics.md lists every family.
 *
 * The renderer (metrics.c) is pure C over struct ctl_snapshot; the server
 * (metrics_http.c) runs libmicrohttpd's own thread, a non-EAL thread that
 * only reads the snapshot (ctl_stats_acquire) and never touches a worker.
 */

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ctl_names.h" /* ctl_reason_name(): reason label values */
#include "dp_types.h"
#include "metrics_types.h"
#include "stats_types.h"

#define CTL_METRIC_PREFIX "kasblock_"

/* Every family, in exposition order. */
extern const struct ctl_metric ctl_metric_table[];
extern const size_t ctl_metric_count;

/*
 * Calls fn once per sample of family m in s, labels in a fixed order.
 * Label value strings live until fn returns.
 */
void ctl_metric_walk(const struct ctl_metric *m, const struct ctl_snapshot *s,
		     ctl_sample_fn fn, void *arg);

/* Value i of a family whose values sit stride bytes apart (no label: i = 0;
 * port, worker, category...: the label's index). */
uint64_t ctl_metric_value(const struct ctl_metric *m, const struct ctl_snapshot *s, uint32_t i);

/*
 * The whole exposition of s into out: per family one HELP and one TYPE line,
 * then its samples. Returns 0, or -ENOMEM when out hit its size limit.
 */
int ctl_metrics_render(const struct ctl_snapshot *s, struct ctl_text *out);

/* Text buffer helpers; max bounds the buffer (0: 16 MiB). */
void ctl_text_init(struct ctl_text *t, size_t max);
void ctl_text_free(struct ctl_text *t);
void ctl_text_put(struct ctl_text *t, const char *s, size_t n);
__attribute__((format(printf, 2, 3)))
void ctl_text_printf(struct ctl_text *t, const char *fmt, ...);

/*
 * Starts the HTTP server at metrics.address:metrics.port when
 * metrics.enabled (port 0: the kernel picks one; ctl_metrics_port() tells
 * which). Returns 0 (also when disabled) or -errno with the reason in err.
 */
int ctl_metrics_start(const struct ctl_config *cfg, char *err, size_t errlen);

/* The port the server listens on, 0 when it is not running. */
uint16_t ctl_metrics_port(void);

/* Stops the server (waits for its thread). */
void ctl_metrics_stop(void);

#endif
