/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EVE-style JSON lines. Names are validated host names, but the raw form is
 * whatever the client sent, so every string is escaped: quote, backslash and
 * control bytes as JSON escapes, bytes >= 0x80 as \u00XX so the output
 * stays valid UTF-8 whatever the input.
 */
#include "event_log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>

#include "ctl_names.h"
#include "inspect_types.h"
#include "sig.h"

/* The log whose counters ctl_evlog_counters() reports. */
static const struct ctl_evlog *evlog_live;

#define EV_SET(l, field, v) __atomic_store_n(&(l)->field, (v), __ATOMIC_RELAXED)
#define EV_INC(l, field) EV_SET(l, field, (l)->field + 1)

void ctl_evlog_counters(struct ctl_evlog_counters *out)
{
	const struct ctl_evlog *l = __atomic_load_n(&evlog_live, __ATOMIC_ACQUIRE);

	memset(out, 0, sizeof(*out));
	if (l == NULL)
		return;
	out->written = __atomic_load_n(&l->written, __ATOMIC_RELAXED);
	out->suppressed = __atomic_load_n(&l->suppressed, __ATOMIC_RELAXED);
	out->syslogged = __atomic_load_n(&l->syslogged, __ATOMIC_RELAXED);
	out->reopens = __atomic_load_n(&l->reopens, __ATOMIC_RELAXED);
	out->errors = __atomic_load_n(&l->errors, __ATOMIC_RELAXED);
}

int ctl_evlog_open(struct ctl_evlog *l, const char *path, uint64_t tsc_now, uint64_t tsc_hz,
		   char *err, size_t errlen)
{
	struct timespec ts;

	memset(l, 0, sizeof(*l));
	clock_gettime(CLOCK_REALTIME, &ts);
	l->ns0 = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	l->tsc0 = tsc_now;
	l->hz = tsc_hz != 0 ? tsc_hz : 1;
	__atomic_store_n(&evlog_live, l, __ATOMIC_RELEASE);
	if (path == NULL || path[0] == '\0')
		return 0;
	snprintf(l->path, sizeof(l->path), "%s", path);
	if (strcmp(path, "-") == 0) {
		l->f = stdout;
		return 0;
	}
	l->f = fopen(path, "a");
	if (l->f == NULL) {
		int rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	l->own = true;
	return 0;
}

int ctl_evlog_switch(struct ctl_evlog *l, const char *path, char *err, size_t errlen)
{
	FILE *f = NULL;
	bool own = false;

	if (path[0] != '\0' && strcmp(path, "-") == 0) {
		f = stdout;
	} else if (path[0] != '\0') {
		f = fopen(path, "a");
		if (f == NULL) {
			int rc = -errno;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			EV_INC(l, errors);
			return rc;
		}
		own = true;
	}
	if (l->f != NULL) {
		fflush(l->f);
		if (l->own)
			fclose(l->f);
	}
	l->f = f;
	l->own = own;
	snprintf(l->path, sizeof(l->path), "%s", path);
	return 0;
}

void ctl_evlog_configure(struct ctl_evlog *l, uint32_t rate, bool use_syslog, int facility,
			 const char *ident)
{
	/* openlog keeps the ident pointer: keep a copy that lives on. */
	static char ident_copy[128];

	l->rate = rate;
	if (l->syslog)
		closelog();
	l->syslog = use_syslog;
	if (use_syslog) {
		snprintf(ident_copy, sizeof(ident_copy), "%s", ident != NULL ? ident : "kasblock");
		openlog(ident_copy, LOG_PID | LOG_NDELAY, facility);
	}
}

int ctl_evlog_reopen(struct ctl_evlog *l, char *err, size_t errlen)
{
	if (!l->own || l->path[0] == '\0')
		return 0;
	FILE *f = fopen(l->path, "a");
	if (f == NULL) {
		int rc = -errno;
		snprintf(err, errlen, "%s: %s", l->path, strerror(errno));
		EV_INC(l, errors);
		return rc;
	}
	if (l->f != NULL)
		fclose(l->f);
	l->f = f;
	EV_INC(l, reopens);
	return 0;
}

struct sb {
	char *p;
	size_t cap;
	size_t n;
};

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(b->n < b->cap ? b->p + b->n : NULL, b->n < b->cap ? b->cap - b->n : 0,
			  fmt, ap);
	va_end(ap);
	if (k > 0)
		b->n += (size_t)k;
}

static void sb_str(struct sb *b, const char *s, size_t len)
{
	sb_printf(b, "\"");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			sb_printf(b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			sb_printf(b, "\\u%04x", c);
		else
			sb_printf(b, "%c", c);
	}
	sb_printf(b, "\"");
}

static void sb_ip(struct sb *b, const uint8_t *a, unsigned version)
{
	char txt[INET6_ADDRSTRLEN];
	if (inet_ntop(version == 4 ? AF_INET : AF_INET6, a, txt, sizeof(txt)) == NULL)
		snprintf(txt, sizeof(txt), "?");
	sb_printf(b, "\"%s\"", txt);
}

uint64_t ctl_evlog_event_ns(const struct ctl_evlog *l, const struct dp_event *ev)
{
	uint64_t d = ev->tsc >= l->tsc0 ? ev->tsc - l->tsc0 : 0;
	return l->ns0 + d / l->hz * 1000000000u + d % l->hz * 1000000000u / l->hz;
}

size_t ctl_evlog_format(const struct ctl_evlog *l, const struct dp_event *ev, char *buf,
			size_t cap)
{
	struct sb b = {.p = buf, .cap = cap, .n = 0};
	uint64_t ns = ctl_evlog_event_ns(l, ev);
	time_t sec = (time_t)(ns / 1000000000u);
	struct tm tm;
	char when[32];

	gmtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	if (cap > 0)
		buf[0] = '\0';
	sb_printf(&b, "{\"timestamp\":\"%s.%06uZ\",\"event\":\"%s\",", when,
		  (unsigned)(ns % 1000000000u / 1000u),
		  ev->type == DP_EV_BLOCK ? "block" : ev->type == DP_EV_MONITOR ? "monitor" : "name");
	sb_printf(&b, "\"src_ip\":");
	sb_ip(&b, ev->src, ev->ip_version);
	sb_printf(&b, ",\"src_port\":%u,\"dest_ip\":", ev->sport);
	sb_ip(&b, ev->dst, ev->ip_version);
	sb_printf(&b, ",\"dest_port\":%u,\"proto\":\"%s\",", ev->dport,
		  ev->proto == 6 ? "TCP" : ev->proto == 17 ? "UDP" : "other");
	bool has_name = ev->type == DP_EV_NAME || ev->reason == DP_R_SIGNATURE ||
			(ev->reason == DP_R_NO_SET && ev->name_len > 0);
	if (has_name) {
		sb_printf(&b, "\"field\":\"%s\",\"name\":",
			  sig_field_name((enum sig_field)ev->field));
		sb_str(&b, ev->name, ev->name_len);
	} else {
		sb_printf(&b, "\"field\":null,\"name\":null");
	}
	if (ev->type == DP_EV_NAME) {
		/* The name as sent, with the port and brackets HTTP carried. */
		char raw[DP_NAME_MAX + 16];
		int k;
		if (ev->name_flags & INSP_NAME_F_IP_LITERAL)
			k = snprintf(raw, sizeof(raw), "[%s]", ev->raw);
		else
			k = snprintf(raw, sizeof(raw), "%s", ev->raw);
		if (k > 0 && (size_t)k < sizeof(raw) && (ev->name_flags & INSP_NAME_F_PORT))
			snprintf(raw + k, sizeof(raw) - (size_t)k, ":%u", ev->port);
		sb_printf(&b, ",\"raw\":");
		if (ev->name_flags & (INSP_NAME_F_IP_LITERAL | INSP_NAME_F_PORT))
			sb_str(&b, raw, strlen(raw));
		else
			sb_str(&b, ev->raw, ev->raw_len);
		sb_printf(&b, "}");
		return b.n;
	}
	sb_printf(&b, ",\"signature_id\":%u,\"category\":", ev->sig_id);
	if (ev->category < SIG_CAT_COUNT)
		sb_printf(&b, "\"%s\"", sig_category_name((enum sig_category)ev->category));
	else
		sb_printf(&b, "null");
	sb_printf(&b, ",\"action\":\"%s\",\"reason\":\"%s\",\"policy\":\"%s\","
		  "\"generation\":%u}",
		  ctl_dp_action_name(ev->action), ctl_reason_name((enum dp_reason)ev->reason),
		  ctl_policy_src_name(ev->policy), ev->gen);
	return b.n;
}

bool ctl_evlog_write(struct ctl_evlog *l, const struct dp_event *ev)
{
	char line[2048];

	if (l->f == NULL && !l->syslog)
		return false;
	if (l->rate != 0) {
		/* Per second of event time, so a backlog drained late is
		 * limited as it happened, not as it is read. Workers' events
		 * interleave a little out of order: an older second is
		 * counted in the current window. */
		uint64_t sec = ctl_evlog_event_ns(l, ev) / 1000000000u;
		if (sec > l->win_sec) {
			l->win_sec = sec;
			l->win_n = 0;
		}
		if (l->win_n >= l->rate) {
			EV_INC(l, suppressed);
			return false;
		}
		l->win_n++;
	}
	size_t n = ctl_evlog_format(l, ev, line, sizeof(line));
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	line[n] = '\0';
	if (l->f != NULL) {
		if (fwrite(line, 1, n, l->f) != n || fputc('\n', l->f) == EOF)
			EV_INC(l, errors);
		else
			EV_INC(l, written);
	}
	if (l->syslog) {
		int pri = ev->type == DP_EV_BLOCK ? LOG_WARNING
			  : ev->type == DP_EV_MONITOR ? LOG_NOTICE : LOG_INFO;
		syslog(pri, "%s", line);
		EV_INC(l, syslogged);
	}
	return true;
}

void ctl_evlog_flush(struct ctl_evlog *l)
{
	if (l->f != NULL)
		fflush(l->f);
}

void ctl_evlog_close(struct ctl_evlog *l)
{
	if (l->f != NULL) {
		fflush(l->f);
		if (l->own)
			fclose(l->f);
	}
	l->f = NULL;
	if (l->syslog)
		closelog();
	l->syslog = false;
}
