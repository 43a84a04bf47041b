/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RCU writer: builds a new reference (set + per-worker scratch +
 * effective policy + generation) on the main lcore, swaps it in with one
 * atomic exchange, waits for every worker's quiescent state and frees the
 * old one. docs/reload.md has the design and what happens to live flows.
 *
 * Locks: `lk` guards the status and the live configuration for readers on
 * other control threads; `rq` is the request mailbox. The main lcore is the
 * only writer of the live reference, so publishing needs no lock of its own.
 */
#include "reload.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <rte_log.h>

#include "ctl_log.h"
#include "dp.h"
#include "sig.h"

RTE_LOG_REGISTER(kb_ctl_logtype, user.kasblock.ctl, INFO);

#define REQUEST_WAIT_S 60
#define WATCH_MAX_FILES 256u

static struct {
	pthread_mutex_t lk;
	struct ctl_reload_status st;
	struct ctl_config *cfg;       /* live configuration */
	int64_t policy_time;          /* UTC seconds the live policy was resolved at */

	/* main lcore only */
	struct dp_sigref *ref;        /* live reference */
	unsigned n_workers;
	uint32_t next_gen;
	ctl_config_fixup_fn fixup;
	uint64_t last_policy_check;   /* monotonic ns */
	uint64_t last_watch;          /* monotonic ns */
	uint64_t watch_seen;          /* fingerprint of the files now */
	uint64_t watch_loaded;        /* fingerprint when last loaded or tried */
	pthread_t main_thread;

	/* request mailbox */
	pthread_mutex_t rq;
	pthread_cond_t rq_done;
	bool running;
	uint64_t rq_seq;              /* requests made */
	uint64_t rq_served;           /* requests covered by a finished attempt */
	int rq_rc;
	char rq_err[CTL_ERR_MAX];
} rl = {
	.lk = PTHREAD_MUTEX_INITIALIZER,
	.rq = PTHREAD_MUTEX_INITIALIZER,
	.rq_done = PTHREAD_COND_INITIALIZER,
	.next_gen = 1,
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- references ------------------------------------------------------------ */

static void ref_free(struct dp_sigref *r, bool with_set)
{
	if (r == NULL)
		return;
	if (with_set) {
		for (unsigned w = 0; w < DP_MAX_WORKERS; w++)
			sig_scratch_free(r->scr[w]);
		sig_set_free(r->set);
	}
	free(r);
}

static struct dp_sigref *ref_new(struct sigset *set, uint32_t gen, const struct ctl_config *c,
				 int64_t now)
{
	struct dp_sigref *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->set = set;
	r->gen = gen;
	ctl_policy_resolve(c, now, &r->pol);
	for (unsigned w = 0; set != NULL && w < rl.n_workers; w++) {
		/* A scratch per worker for this set: Hyperscan sizes scratch
		 * to the databases, so an old one may be too small. */
		r->scr[w] = sig_scratch_alloc(set);
		if (r->scr[w] == NULL) {
			r->set = NULL; /* the caller still owns set */
			for (unsigned i = 0; i < w; i++)
				sig_scratch_free(r->scr[i]);
			free(r);
			return NULL;
		}
	}
	return r;
}

/* Swaps r in and frees the old reference once no worker can hold it. */
static void publish(struct dp_sigref *r)
{
	struct dp_sigref *old = dp_sigref_publish(r);

	dp_sigref_sync();
	ref_free(old, old != NULL && old->set != r->set);
	rl.ref = r;
}

static void status_set_live(const struct dp_sigref *r, uint64_t now_ns)
{
	const struct sigset *set = r->set;

	rl.st.generation = set != NULL ? r->gen : 0;
	rl.st.last_success_ns = now_ns;
	rl.st.signatures = set != NULL ? set->counts.total : 0;
	rl.st.signatures_block = set != NULL ? set->counts.block : 0;
	rl.st.signatures_allow = set != NULL ? set->counts.allow : 0;
	rl.st.pack_version[0] = '\0';
	if (set != NULL && set->n_packs > 0)
		snprintf(rl.st.pack_version, sizeof(rl.st.pack_version), "%s %s",
			 sig_set_str(set, set->packs[0].name),
			 sig_set_str(set, set->packs[0].version));
}

int ctl_reload_start(const struct ctl_config *cfg, struct sigset *set, unsigned n_workers,
		     ctl_config_fixup_fn fixup, char *err, size_t errlen)
{
	struct ctl_config *c = malloc(sizeof(*c));
	int64_t now = (int64_t)(wall_ns() / 1000000000u);

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*c = *cfg;
	rl.n_workers = n_workers < DP_MAX_WORKERS ? n_workers : DP_MAX_WORKERS;
	rl.fixup = fixup;
	rl.main_thread = pthread_self();
	struct dp_sigref *r = ref_new(set, set != NULL ? rl.next_gen : 0, c, now);
	if (r == NULL) {
		snprintf(err, errlen, "cannot allocate matcher scratch");
		free(c);
		return -ENOMEM;
	}
	if (set != NULL)
		rl.next_gen++;
	publish(r);
	pthread_mutex_lock(&rl.lk);
	rl.cfg = c;
	rl.policy_time = now;
	status_set_live(r, wall_ns());
	pthread_mutex_unlock(&rl.lk);
	rl.last_policy_check = rl.last_watch = mono_ns();

	pthread_mutex_lock(&rl.rq);
	rl.running = true;
	pthread_mutex_unlock(&rl.rq);
	return 0;
}

void ctl_reload_free(void)
{
	struct dp_sigref *r = dp_sigref_publish(NULL);

	ref_free(r, true);
	rl.ref = NULL;
	pthread_mutex_lock(&rl.lk);
	free(rl.cfg);
	rl.cfg = NULL;
	pthread_mutex_unlock(&rl.lk);
}

/* ---- keys that need a restart ----------------------------------------------- */

#define RK(key, f) {key, offsetof(struct ctl_config, f), sizeof(((struct ctl_config *)0)->f)}

static const struct {
	const char *key;
	size_t off;
	size_t len;
} restart_keys[] = {
	RK("eal.args", eal_args),
	RK("eal.args", n_eal_args),
	RK("ports.pairs", pairs),
	RK("ports.pairs", n_pairs),
	RK("ports.rx_desc", rx_desc),
	RK("ports.tx_desc", tx_desc),
	RK("ports.mbufs", mbufs),
	RK("ports.mtu", mtu),
	RK("workers.count", workers),
	RK("flows.capacity", flow_capacity),
	RK("flows.timeout_inspecting", timeout_inspecting),
	RK("flows.timeout_passed", timeout_passed),
	RK("flows.timeout_blocked", timeout_blocked),
	RK("flows.timeout_closed", timeout_closed),
	RK("flows.timeout_udp", timeout_udp),
	RK("flows.expiry_every", expiry_every),
	RK("flows.expiry_batch", expiry_batch),
	RK("inspection.stream_cap", stream_cap),
	RK("inspection.pool_slots", pool_slots),
	RK("inspection.frag_flows", frag_flows),
	RK("inspection.frag_timeout_ms", frag_timeout_ms),
	RK("quic.mode", quic_mode),
	RK("quic.ports", quic_ports),
	RK("quic.ports", n_quic_ports),
	RK("quic.max_datagrams", quic_max_datagrams),
	RK("dns.ports", dns_ports),
	RK("dns.ports", n_dns_ports),
	RK("dns.refuse_rcode", dns_rcode),
	RK("events.ring_size", event_ring),
	RK("events.log_names", log_names),
	RK("inventory.capacity", inventory_capacity),
	RK("metrics.enabled", metrics_enabled),
	RK("metrics.address", metrics_address),
	RK("metrics.port", metrics_port),
	RK("telemetry.enabled", telemetry_enabled),
};

/*
 * Keeps the running value of every restart-only key in nc and lists the
 * keys that differed in buf (each once).
 */
static void keep_restart_keys(struct ctl_config *nc, const struct ctl_config *oc, char *buf,
			      size_t cap)
{
	size_t used = 0;
	const char *last = NULL;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(restart_keys) / sizeof(restart_keys[0]); i++) {
		uint8_t *n = (uint8_t *)nc + restart_keys[i].off;
		const uint8_t *o = (const uint8_t *)oc + restart_keys[i].off;
		if (memcmp(n, o, restart_keys[i].len) == 0)
			continue;
		memcpy(n, o, restart_keys[i].len);
		if (last != NULL && strcmp(last, restart_keys[i].key) == 0)
			continue;
		last = restart_keys[i].key;
		int k = snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", last);
		if (k > 0 && used + (size_t)k < cap)
			used += (size_t)k;
	}
}

/* ---- one reload ---------------------------------------------------------------- */

struct rep_ctx {
	unsigned logged;
};

static void log_sig_error(void *arg, const char *msg)
{
	struct rep_ctx *rc = arg;

	/* Each error once in the log, at most 20 per attempt. */
	if (rc->logged++ < 20)
		CTL_LOG(ERR, "%s", msg);
}

static const char *const trigger_name[CTL_RELOAD_TRIGGER_COUNT] = {"sighup", "request",
								    "watch"};

int ctl_reload_run(enum ctl_reload_trigger why, char *err, size_t errlen)
{
	uint64_t t0 = mono_ns();
	struct rep_ctx rc_ctx = {0};
	struct sig_report rep = {.fn = log_sig_error, .arg = &rc_ctx};
	struct sigset *set = NULL;
	struct dp_sigref *r;
	char restart[512];
	uint64_t dt;
	int rc;

	err[0] = '\0';
	struct ctl_config *nc = malloc(sizeof(*nc));
	if (nc == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto fail;
	}
	ctl_config_defaults(nc);
	if ((rc = ctl_config_load(nc, rl.cfg->path, err, errlen)) != 0)
		goto fail;
	if (rl.fixup != NULL)
		rl.fixup(nc);
	keep_restart_keys(nc, rl.cfg, restart, sizeof(restart));
	set = ctl_policy_build_set(nc, &rep);
	if (set == NULL) {
		snprintf(err, errlen, "%s", rep.first[0] != '\0' ? rep.first
							     : "signatures rejected");
		rc = -EINVAL;
		goto fail;
	}
	int64_t now = (int64_t)(wall_ns() / 1000000000u);
	r = ref_new(set, rl.next_gen, nc, now);
	if (r == NULL) {
		snprintf(err, errlen, "cannot allocate matcher scratch");
		rc = -ENOMEM;
		goto fail;
	}
	rl.next_gen++;
	publish(r);

	dt = mono_ns() - t0;
	pthread_mutex_lock(&rl.lk);
	struct ctl_config *oc = rl.cfg;
	rl.cfg = nc;
	rl.policy_time = now;
	rl.st.successes++;
	rl.st.by_trigger[why]++;
	rl.st.last_duration_ns = dt;
	rl.st.last_attempt_ns = wall_ns();
	rl.st.last_result = 0;
	rl.st.last_error[0] = '\0';
	status_set_live(r, rl.st.last_attempt_ns);
	pthread_mutex_unlock(&rl.lk);
	free(oc);
	CTL_LOG(NOTICE, "reload ok: generation %u, %u signatures (%u block, %u allow), pack %s, "
			"trigger %s, %.3f ms", r->gen, set->counts.total, set->counts.block,
		set->counts.allow, set->n_packs > 0 ? sig_set_str(set, set->packs[0].version) : "-",
		trigger_name[why], (double)dt / 1e6);
	if (restart[0] != '\0')
		CTL_LOG(WARNING, "reload: changed keys that need a restart were not applied: %s",
			restart);
	return 0;

fail:
	sig_set_free(set);
	free(nc);
	dt = mono_ns() - t0;
	pthread_mutex_lock(&rl.lk);
	rl.st.failures++;
	rl.st.by_trigger[why]++;
	rl.st.last_duration_ns = dt;
	rl.st.last_attempt_ns = wall_ns();
	rl.st.last_result = rc;
	snprintf(rl.st.last_error, sizeof(rl.st.last_error), "%s", err);
	uint64_t gen = rl.st.generation;
	pthread_mutex_unlock(&rl.lk);
	CTL_LOG(ERR, "reload failed (trigger %s), generation %" PRIu64 " stays live: %s",
		trigger_name[why], gen, err);
	return rc;
}

/* ---- requests from other threads ------------------------------------------------ */

int ctl_reload_request_err(char *err, size_t errlen)
{
	struct timespec until;
	int rc;

	if (pthread_equal(pthread_self(), rl.main_thread) && rl.cfg != NULL)
		return ctl_reload_run(CTL_RELOAD_REQUEST, err, errlen);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += REQUEST_WAIT_S;
	pthread_mutex_lock(&rl.rq);
	if (!rl.running) {
		pthread_mutex_unlock(&rl.rq);
		snprintf(err, errlen, "not running");
		return -EAGAIN;
	}
	uint64_t mine = ++rl.rq_seq;
	rc = 0;
	while (rl.rq_served < mine && rl.running && rc == 0)
		rc = pthread_cond_timedwait(&rl.rq_done, &rl.rq, &until);
	if (rl.rq_served >= mine) {
		/* Requests that arrive during one attempt share it. */
		rc = rl.rq_rc;
		snprintf(err, errlen, "%s", rl.rq_err);
	} else if (!rl.running) {
		rc = -EAGAIN;
		snprintf(err, errlen, "stopping");
	} else {
		rc = -ETIMEDOUT;
		snprintf(err, errlen, "no answer from the main lcore in %d s", REQUEST_WAIT_S);
	}
	pthread_mutex_unlock(&rl.rq);
	return rc;
}

int ctl_reload_request(void)
{
	char err[CTL_ERR_MAX];
	return ctl_reload_request_err(err, sizeof(err));
}

static bool serve_requests(void)
{
	char err[CTL_ERR_MAX];

	pthread_mutex_lock(&rl.rq);
	uint64_t upto = rl.rq_seq;
	pthread_mutex_unlock(&rl.rq);
	if (upto == rl.rq_served)
		return false;
	int rc = ctl_reload_run(CTL_RELOAD_REQUEST, err, sizeof(err));
	pthread_mutex_lock(&rl.rq);
	rl.rq_rc = rc;
	snprintf(rl.rq_err, sizeof(rl.rq_err), "%s", err);
	rl.rq_served = upto;
	pthread_cond_broadcast(&rl.rq_done);
	pthread_mutex_unlock(&rl.rq);
	return rc == 0;
}

void ctl_reload_stop(void)
{
	pthread_mutex_lock(&rl.rq);
	rl.running = false;
	pthread_cond_broadcast(&rl.rq_done);
	pthread_mutex_unlock(&rl.rq);
}

/* ---- dates and watched files ------------------------------------------------------- */

/* Re-resolves the policy; republishes (same set, same generation) if it changed. */
static bool check_policy(void)
{
	int64_t now = (int64_t)(wall_ns() / 1000000000u);
	struct dp_policy p;

	ctl_policy_resolve(rl.cfg, now, &p);
	if (memcmp(&p, &rl.ref->pol, sizeof(p)) == 0)
		return false;
	struct dp_sigref *r = malloc(sizeof(*r));
	if (r == NULL)
		return false; /* tried again in a second */
	*r = *rl.ref;
	r->pol = p;
	publish(r);
	pthread_mutex_lock(&rl.lk);
	rl.policy_time = now;
	rl.st.policy_updates++;
	pthread_mutex_unlock(&rl.lk);
	char when[32];
	ctl_format_date(now, when, sizeof(when));
	CTL_LOG(NOTICE, "policy: effective actions changed at %s (an enforce_from date passed "
			"or the clock moved), generation %u", when, r->gen);
	return true;
}

static uint64_t fp_mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211u;
	}
	return h;
}

static uint64_t fp_file(uint64_t h, const char *path)
{
	struct stat st;

	h = fp_mix(h, path, strlen(path));
	if (stat(path, &st) != 0) {
		int e = errno;
		return fp_mix(h, &e, sizeof(e));
	}
	h = fp_mix(h, &st.st_ino, sizeof(st.st_ino));
	h = fp_mix(h, &st.st_size, sizeof(st.st_size));
	h = fp_mix(h, &st.st_mtim, sizeof(st.st_mtim));
	return h;
}

static int sig_name_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return d->d_name[0] != '.' && n > 4 && strcmp(d->d_name + n - 4, ".sig") == 0;
}

/*
 * A fingerprint of the configuration file and the signature files (every
 * *.sig of a directory): inode, size and mtime of each. Imported lists are
 * not looked at (docs/reload.md).
 */
static uint64_t fingerprint(const struct ctl_config *c)
{
	uint64_t h = 14695981039346656037u;
	char full[CTL_PATH_MAX + 256];

	h = fp_file(h, c->path);
	for (uint32_t i = 0; i < c->n_sig_files; i++) {
		struct stat st;
		h = fp_file(h, c->sig_files[i]);
		if (stat(c->sig_files[i], &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		struct dirent **ents;
		int n = scandir(c->sig_files[i], &ents, sig_name_filter, alphasort);
		for (int k = 0; k < n; k++) {
			if ((unsigned)k < WATCH_MAX_FILES) {
				snprintf(full, sizeof(full), "%s/%s", c->sig_files[i],
					 ents[k]->d_name);
				h = fp_file(h, full);
			}
			free(ents[k]);
		}
		if (n >= 0)
			free(ents);
	}
	return h;
}

static bool check_watch(uint64_t now)
{
	char err[CTL_ERR_MAX];

	if (!rl.cfg->watch ||
	    now - rl.last_watch < (uint64_t)rl.cfg->watch_interval_ms * 1000000u)
		return false;
	rl.last_watch = now;
	uint64_t fp = fingerprint(rl.cfg);
	if (rl.watch_loaded == 0) { /* first look: what is running now */
		rl.watch_loaded = rl.watch_seen = fp;
		return false;
	}
	/* Reload once the files have stayed the same for one interval, so an
	 * editor or a copy still writing is not caught half way. */
	bool settled = fp == rl.watch_seen;
	rl.watch_seen = fp;
	if (fp == rl.watch_loaded || !settled)
		return false;
	rl.watch_loaded = fp; /* a failed attempt is not retried until the next change */
	if (ctl_reload_run(CTL_RELOAD_WATCH, err, sizeof(err)) != 0)
		return false;
	/* The new configuration may name other files: start from them. */
	rl.watch_loaded = rl.watch_seen = fingerprint(rl.cfg);
	return true;
}

int ctl_reload_tick(void)
{
	int out = 0;
	uint64_t now = mono_ns();

	if (rl.cfg == NULL)
		return 0;
	if (serve_requests())
		out |= CTL_TICK_RELOADED;
	if (now - rl.last_policy_check >= 1000000000u) {
		rl.last_policy_check = now;
		if (check_policy())
			out |= CTL_TICK_POLICY;
	}
	if (check_watch(now))
		out |= CTL_TICK_RELOADED;
	return out;
}

/* ---- readers ----------------------------------------------------------------------- */

void ctl_reload_status(struct ctl_reload_status *out)
{
	pthread_mutex_lock(&rl.lk);
	*out = rl.st;
	pthread_mutex_unlock(&rl.lk);
}

void ctl_policy_info(struct ctl_policy_info *out)
{
	pthread_mutex_lock(&rl.lk);
	if (rl.cfg != NULL)
		ctl_policy_info_fill(rl.cfg, rl.policy_time, out);
	else
		memset(out, 0, sizeof(*out));
	pthread_mutex_unlock(&rl.lk);
}

void ctl_reload_config(struct ctl_config *out)
{
	pthread_mutex_lock(&rl.lk);
	if (rl.cfg != NULL)
		*out = *rl.cfg;
	else
		ctl_config_defaults(out);
	pthread_mutex_unlock(&rl.lk);
}
