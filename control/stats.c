/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Snapshot of every exported counter, filled on the main lcore and read by
 * the exporters under a mutex.
 *
 * Two snapshots: the main lcore fills the spare one without the lock (it
 * reads every worker's counters with relaxed loads and asks the devices
 * for theirs, which takes a while), then swaps the pointers under the lock.
 * A reader holds the lock while it formats, so the snapshot it has is never
 * the one being filled.
 */
#include "stats.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "ctl_log.h"
#include "dp.h"
#include "event_log.h"
#include "flow.h"
#include "inventory.h"
#include "metrics.h"
#include "reload.h"
#include "telemetry.h"

#define NS_PER_MS 1000000u
#define REFRESH_NS (1000u * (uint64_t)NS_PER_MS)

static pthread_mutex_t st_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t st_cond;
static struct ctl_snapshot st_snap[2];
static struct ctl_snapshot *st_cur;    /* readers: under st_lock */
static struct ctl_snapshot *st_spare;  /* main lcore only */
static uint64_t st_cur_mono;           /* when st_cur was filled (CLOCK_MONOTONIC ns) */
static bool st_ticking;                /* the main lcore answers refresh requests */
static uint64_t st_asked;              /* readers' requests so far (atomic) */
static uint64_t st_served;             /* requests made before st_cur's fill began */
static const struct dp_conf *st_dc;
static struct ctl_sig_snap *st_work;   /* every worker's signature slots */
static size_t st_work_cap;

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void add_u64(uint64_t *dst, const uint64_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] += src[i];
}

static uint64_t sum_u64(const uint64_t *a, size_t n)
{
	uint64_t t = 0;

	for (size_t i = 0; i < n; i++)
		t += a[i];
	return t;
}

static void fill_workers(struct ctl_snapshot *s)
{
	struct dp_stats ws;
	struct flow_counters fc;

	memset(&s->dp, 0, sizeof(s->dp));
	memset(&s->flow, 0, sizeof(s->flow));
	for (uint32_t w = 0; w < s->n_workers; w++) {
		struct ctl_worker_snap *o = &s->worker[w];

		dp_stats_get(w, &ws);
		dp_flow_counters_get(w, &fc);
		add_u64((uint64_t *)&s->dp, (const uint64_t *)&ws, sizeof(ws) / sizeof(uint64_t));
		add_u64((uint64_t *)&s->flow, (const uint64_t *)&fc, sizeof(fc) / sizeof(uint64_t));
		o->lcore = dp_worker_lcore(w);
		o->processed = ws.processed;
		o->loops = ws.loops;
		o->flows = fc.entries;
		o->flow_inserts = fc.inserts;
		o->inspections = ws.inspections_started;
		o->blocked = sum_u64(ws.blocked, SIG_CAT_COUNT) +
			     sum_u64(ws.blocked_policy, DP_R_COUNT);
		o->monitored = sum_u64(ws.monitored, SIG_CAT_COUNT);
		o->events = ws.events;
		o->events_dropped = ws.events_dropped;
	}
}

static void fill_ports(struct ctl_snapshot *s)
{
	for (uint16_t p = 0; p < s->n_ports; p++) {
		struct ctl_port_snap *o = &s->port[p];
		struct rte_eth_stats es;

		memset(o, 0, sizeof(*o));
		if (rte_eth_dev_get_name_by_port(p, o->name) != 0)
			snprintf(o->name, sizeof(o->name), "port%u", (unsigned)p);
		o->peer = st_dc->peer[p];
		o->polled = s->dp.rx[p];
		o->sent = s->dp.tx[p];
		o->tx_refused = s->dp.tx_full[p];
		if (rte_eth_stats_get(p, &es) == 0) {
			o->eth_ok = true;
			o->ipackets = es.ipackets;
			o->opackets = es.opackets;
			o->ibytes = es.ibytes;
			o->obytes = es.obytes;
			o->imissed = es.imissed;
			o->ierrors = es.ierrors;
			o->oerrors = es.oerrors;
			o->rx_nombuf = es.rx_nombuf;
		}
	}
}

static void fill_signatures(struct ctl_snapshot *s)
{
	size_t n = 0;

	for (uint32_t w = 0; w < s->n_workers; w++) {
		const struct dp_sig_slot *t = dp_sig_slots(w);
		if (t == NULL)
			continue;
		for (uint32_t i = 0; i < DP_SIG_SLOTS && n < st_work_cap; i++) {
			uint32_t id = __atomic_load_n(&t[i].id, __ATOMIC_ACQUIRE);
			if (id == 0)
				continue;
			struct ctl_sig_snap *e = &st_work[n++];
			e->id = id;
			e->category = __atomic_load_n(&t[i].category, __ATOMIC_RELAXED);
			e->blocked = __atomic_load_n(&t[i].blocked, __ATOMIC_RELAXED);
			e->monitored = __atomic_load_n(&t[i].monitored, __ATOMIC_RELAXED);
		}
	}
	ctl_stats_sig_top(st_work, n, s);
}

static void fill(struct ctl_snapshot *s)
{
	struct ctl_inventory_totals it;
	struct ctl_evlog_counters ec;

	s->time_ns = clock_ns(CLOCK_REALTIME);
	s->n_ports = st_dc->n_ports < DP_MAX_PORTS ? st_dc->n_ports : DP_MAX_PORTS;
	s->n_workers = st_dc->n_workers < DP_MAX_WORKERS ? st_dc->n_workers : DP_MAX_WORKERS;
	s->workers = s->n_workers;
	s->flow_capacity = (uint64_t)flow_table_capacity(st_dc->flow_capacity) * s->n_workers;
	s->insp_slots = (uint64_t)st_dc->pool_slots * s->n_workers;
	fill_workers(s);
	fill_ports(s);
	fill_signatures(s);

	ctl_reload_status(&s->reload);
	s->sig_rules = s->reload.signatures;
	s->sig_block = s->reload.signatures_block;
	s->sig_allow = s->reload.signatures_allow;
	s->reload_last_failed = s->reload.last_result != 0;
	ctl_policy_info(&s->policy);
	for (unsigned c = 0; c < SIG_CAT_COUNT; c++)
		s->cat_enforced[c] = s->policy.cat[c].enforced;

	ctl_evlog_counters(&ec);
	s->events_written = ec.written;
	s->events_suppressed = ec.suppressed;
	s->events_syslogged = ec.syslogged;
	s->evlog_reopens = ec.reopens;
	s->evlog_errors = ec.errors;

	ctl_inventory_totals(&it);
	s->inv_clients = it.clients;
	s->inv_capacity = it.capacity;
	s->inv_inserted = it.inserted;
	s->inv_evicted = it.evicted;
	s->inv_recorded = it.recorded;
	s->inv_ignored = it.ignored;
}

void ctl_stats_refresh(void)
{
	struct ctl_snapshot *s = st_spare;

	if (s == NULL)
		return;
	/* Requests made until now are answered by this fill; later ones wait
	 * for the next. */
	uint64_t asked = __atomic_load_n(&st_asked, __ATOMIC_ACQUIRE);
	fill(s);
	pthread_mutex_lock(&st_lock);
	s->seq = st_cur->seq + 1;
	st_spare = st_cur;
	st_cur = s;
	st_cur_mono = clock_ns(CLOCK_MONOTONIC);
	st_served = asked;
	pthread_cond_broadcast(&st_cond);
	pthread_mutex_unlock(&st_lock);
}

void ctl_stats_tick(void)
{
	if (st_spare == NULL)
		return;
	if (!st_ticking) {
		pthread_mutex_lock(&st_lock);
		st_ticking = true;
		pthread_mutex_unlock(&st_lock);
	}
	if (__atomic_load_n(&st_asked, __ATOMIC_ACQUIRE) == st_served &&
	    clock_ns(CLOCK_MONOTONIC) - st_cur_mono < REFRESH_NS)
		return;
	ctl_stats_refresh();
}

const struct ctl_snapshot *ctl_stats_acquire(void)
{
	static struct ctl_snapshot empty;

	pthread_mutex_lock(&st_lock);
	if (st_cur == NULL)
		return &empty;
	if (st_ticking) {
		/* Values from a fill that began after this call: what the caller
		 * did just before (a reload, say) shows. Readers that ask
		 * together share one fill. */
		uint64_t mine = __atomic_add_fetch(&st_asked, 1, __ATOMIC_RELEASE);
		uint64_t until = clock_ns(CLOCK_MONOTONIC) +
				 CTL_STATS_WAIT_MS * (uint64_t)NS_PER_MS;
		struct timespec dl = {.tv_sec = (time_t)(until / 1000000000u),
				      .tv_nsec = (long)(until % 1000000000u)};
		while (st_served < mine && st_ticking)
			if (pthread_cond_timedwait(&st_cond, &st_lock, &dl) == ETIMEDOUT)
				break;
	}
	return st_cur;
}

void ctl_stats_release(void)
{
	pthread_mutex_unlock(&st_lock);
}

int ctl_stats_init(const struct ctl_config *cfg, const struct dp_conf *dc)
{
	pthread_condattr_t ca;
	uint32_t top = cfg->metrics_signature_top;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&st_cond, &ca);
	pthread_condattr_destroy(&ca);
	st_dc = dc;
	st_work_cap = (size_t)(dc->n_workers != 0 ? dc->n_workers : 1) * DP_SIG_SLOTS;
	st_work = calloc(st_work_cap, sizeof(*st_work));
	for (unsigned i = 0; i < 2; i++) {
		memset(&st_snap[i], 0, sizeof(st_snap[i]));
		st_snap[i].sig_top = top;
		st_snap[i].start_ns = clock_ns(CLOCK_REALTIME);
		st_snap[i].sigs = top != 0 ? calloc(top, sizeof(struct ctl_sig_snap)) : NULL;
		if (top != 0 && st_snap[i].sigs == NULL)
			goto nomem;
	}
	if (st_work == NULL)
		goto nomem;
	st_snap[1].start_ns = st_snap[0].start_ns;
	fill(&st_snap[0]);
	st_snap[0].seq = 1;
	pthread_mutex_lock(&st_lock);
	st_cur = &st_snap[0];
	st_cur_mono = clock_ns(CLOCK_MONOTONIC);
	pthread_mutex_unlock(&st_lock);
	st_spare = &st_snap[1];
	return 0;
nomem:
	for (unsigned i = 0; i < 2; i++) {
		free(st_snap[i].sigs);
		st_snap[i].sigs = NULL;
	}
	free(st_work);
	st_work = NULL;
	return -ENOMEM;
}

void ctl_stats_fini(void)
{
	if (st_spare == NULL) /* never started, or stopped already */
		return;
	pthread_mutex_lock(&st_lock);
	st_ticking = false;
	pthread_cond_broadcast(&st_cond);
	/* The telemetry thread outlives us: st_cur stays readable, with its
	 * signature list (the spare one goes). */
	st_spare = NULL;
	pthread_mutex_unlock(&st_lock);
	for (unsigned i = 0; i < 2; i++) {
		if (&st_snap[i] != st_cur) {
			free(st_snap[i].sigs);
			st_snap[i].sigs = NULL;
		}
	}
	free(st_work);
	st_work = NULL;
	st_work_cap = 0;
}

int ctl_stats_start(const struct ctl_config *cfg, const struct dp_conf *dc, bool required,
		    char *err, size_t errlen)
{
	int rc = ctl_stats_init(cfg, dc);

	if (rc != 0) {
		snprintf(err, errlen, "counters: %s", strerror(-rc));
		return rc;
	}
	rc = ctl_telemetry_register(cfg);
	if (rc != 0)
		CTL_LOG(WARNING, "telemetry: cannot register the /kasblock/ commands: %s",
			strerror(-rc));
	rc = ctl_metrics_start(cfg, err, errlen);
	if (rc != 0) {
		if (required)
			return rc;
		CTL_LOG(WARNING, "metrics: %s; going on without /metrics", err);
	} else if (ctl_metrics_port() != 0) {
		bool v6 = strchr(cfg->metrics_address, ':') != NULL;
		CTL_LOG(INFO, "metrics on http://%s%s%s:%u/metrics", v6 ? "[" : "",
			cfg->metrics_address, v6 ? "]" : "", (unsigned)ctl_metrics_port());
	}
	return 0;
}

void ctl_stats_stop(void)
{
	ctl_metrics_stop();
	ctl_stats_fini();
}
