/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the incremental HTTP/1.x request-head parser.
 *
 * Data-driven from $KB_TEST_DATA:
 *   http/cases.tsv + http/<file>     vectors and their expected results
 *   real/<stem>.http.bin + real/expected.tsv
 *                                    request heads captured from real clients;
 *                                    a file without an expected.tsv row takes
 *                                    the host-looking words of the README.md
 *                                    lines that name it
 * Every vector goes through the same battery: fed whole, as every prefix, in
 * every 2-piece split, one byte at a time and in random chunkings (fixed
 * seed). All chunkings must give the same result; every prefix of a DONE
 * vector must be NEED_MORE; at every step the names published so far must
 * be a prefix of the final list and point at the right bytes of the stream.
 * The inline tests below cover limits and timing the vectors cannot express.
 */

#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#define KB_RNG_SEED 0
#include "kb_test.h"

#include "http_head.h"

#define MAX_CASES 256
#define MAX_WANT 8
#define RANDOM_CHUNKINGS 64

/* ------------------------------------------------------------------------ */
/* Helpers */

/* Bounded string copy (NULL copies as ""). */
static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = src != NULL ? strlen(src) : 0;

	if (n >= cap)
		n = cap - 1;
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* dir "/" name into out; fails the test if it does not fit. */
static void join_path(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	CHECK(n >= 0 && (size_t)n < cap, "path too long: %s/%s", dir, name);
}

static const struct {
	const char *name;
	uint32_t bit;
} flag_names[] = {
	{ "ambiguous", HTTP_F_AMBIGUOUS },
	{ "ip_literal", HTTP_F_IP_LITERAL },
	{ "port", HTTP_F_PORT },
	{ "empty_host", HTTP_F_EMPTY_HOST },
	{ "no_host", HTTP_F_NO_HOST },
	{ "connect_no_port", HTTP_F_CONNECT_NO_PORT },
	{ "userinfo", HTTP_F_USERINFO },
	{ "bare_lf", HTTP_F_BARE_LF },
	{ "obs_fold", HTTP_F_OBS_FOLD },
	{ "lax_ws", HTTP_F_LAX_WS },
	{ "version_other", HTTP_F_VERSION_OTHER },
	{ "method_other", HTTP_F_METHOD_OTHER },
	{ "leading_empty", HTTP_F_LEADING_EMPTY },
	{ "h2_preface", HTTP_F_H2_PREFACE },
	{ "te_and_cl", HTTP_F_TE_AND_CL },
	{ "length_list", HTTP_F_LENGTH_LIST },
};

static const char *target_form_str(enum http_target_form f)
{
	static const char *const s[] = { "-", "origin", "absolute", "authority", "asterisk" };

	return (unsigned)f < sizeof(s) / sizeof(s[0]) ? s[f] : "?";
}

/* ------------------------------------------------------------------------ */
/* A run: feed one stream in a given chunking, checking invariants as it goes */

struct snap_name {
	size_t off; /* into the stream (= into the buffer) */
	uint16_t len, port;
	uint8_t source, flags;
};

struct snap {
	enum http_status status;
	enum http_reason reason;
	enum http_method method;
	enum http_target_form form;
	uint32_t flags;
	unsigned n_names, n_host_fields, n_fields, version_minor, method_len;
	unsigned connect_port, head_len;
	struct snap_name names[HTTP_HEAD_MAX_NAMES];
};

static void take_snap(const struct http_head *st, const uint8_t *buf, struct snap *s)
{
	unsigned i;

	memset(s, 0, sizeof(*s));
	s->status = st->status;
	s->reason = st->reason;
	s->method = st->method;
	s->form = st->target_form;
	s->flags = st->flags;
	s->n_names = st->n_names;
	s->n_host_fields = st->n_host_fields;
	s->n_fields = st->n_fields;
	s->version_minor = st->version_minor;
	s->method_len = st->method_len;
	s->connect_port = st->connect_port;
	s->head_len = st->head_len;
	for (i = 0; i < st->n_names && i < HTTP_HEAD_MAX_NAMES; i++) {
		s->names[i].off = (size_t)(st->names[i].p - buf);
		s->names[i].len = st->names[i].len;
		s->names[i].port = st->names[i].port;
		s->names[i].source = st->names[i].source;
		s->names[i].flags = st->names[i].flags;
	}
}

static bool names_prefix_of(const struct snap *a, const struct snap *b)
{
	unsigned i;

	if (a->n_names > b->n_names)
		return false;
	for (i = 0; i < a->n_names; i++)
		if (memcmp(&a->names[i], &b->names[i], sizeof(a->names[i])) != 0)
			return false;
	return true;
}

static bool snap_eq(const struct snap *a, const struct snap *b)
{
	return a->status == b->status && a->reason == b->reason && a->method == b->method &&
	       a->form == b->form && a->flags == b->flags && a->n_names == b->n_names &&
	       a->n_host_fields == b->n_host_fields && a->n_fields == b->n_fields &&
	       a->version_minor == b->version_minor && a->method_len == b->method_len &&
	       a->connect_port == b->connect_port && a->head_len == b->head_len &&
	       names_prefix_of(a, b);
}

static void snap_str(const struct snap *s, char *out, size_t cap)
{
	size_t o;
	unsigned i;

	o = (size_t)snprintf(out, cap, "%s/%s method=%s form=%s flags=0x%x names=%u",
			     http_status_str(s->status), http_reason_str(s->reason),
			     http_method_str(s->method), target_form_str(s->form), s->flags,
			     s->n_names);
	for (i = 0; i < s->n_names && o < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, " [%s off=%zu len=%u port=%u f=%u]",
				      http_source_str(s->names[i].source), s->names[i].off,
				      s->names[i].len, s->names[i].port, s->names[i].flags);
}

/*
 * Feeds d[0..n) in chunks of the given sizes (the last chunk takes the
 * rest), then `extra` more bytes if the status is terminal, and checks after
 * every call: status sticky once terminal, names only appended, each name
 * inside the gathered bytes and equal to the stream's bytes there.
 */
static void run_chunks(const char *what, const uint8_t *d, size_t n, size_t cap,
		       const size_t *chunks, size_t nchunks, struct snap *out)
{
	static const uint8_t extra[] = "GET http://late.example/ HTTP/1.1\r\nHost: late.example\r\n\r\n";
	uint8_t *buf = malloc(cap > 0 ? cap : 1);
	struct http_head st;
	struct snap prev, cur;
	size_t pos = 0, k = 0;
	unsigned i;

	assert_non_null(buf);
	http_head_init(&st, buf, cap);
	take_snap(&st, buf, &prev);
	CHECK(prev.status == HTTP_NEED_MORE && prev.n_names == 0, "%s: fresh state", what);
	while (pos < n || k == 0) {
		size_t c = k + 1 < nchunks ? chunks[k] : n - pos;
		enum http_status r;

		if (c > n - pos)
			c = n - pos;
		r = http_head_feed(&st, d + pos, c);
		pos += c;
		k++;
		take_snap(&st, buf, &cur);
		CHECK(r == st.status, "%s: return value %d != st->status %d", what, r, st.status);
		CHECK(names_prefix_of(&prev, &cur), "%s: published names changed after byte %zu",
		      what, pos);
		if (prev.status != HTTP_NEED_MORE)
			CHECK(snap_eq(&prev, &cur), "%s: terminal status moved", what);
		for (i = 0; i < st.n_names; i++) {
			const struct http_name *nm = &st.names[i];

			CHECK(nm->p >= buf && nm->len >= 1 &&
				      (size_t)(nm->p - buf) + nm->len <= pos &&
				      (size_t)(nm->p - buf) + nm->len <= cap,
			      "%s: name %u outside the gathered bytes", what, i);
			CHECK(memcmp(nm->p, d + (nm->p - buf), nm->len) == 0,
			      "%s: name %u is not the stream's bytes", what, i);
		}
		CHECK(st.method == HTTP_M_NONE ||
			      (st.method_tok == buf && st.method_len >= 1 &&
			       st.method_len <= HTTP_METHOD_MAX_LEN) ||
			      (st.method_tok > buf && st.method_tok + st.method_len <= buf + pos),
		      "%s: method token", what);
		prev = cur;
	}
	if (st.status != HTTP_NEED_MORE) {
		http_head_feed(&st, extra, sizeof(extra) - 1);
		take_snap(&st, buf, &cur);
		CHECK(snap_eq(&prev, &cur), "%s: a feed after the terminal status changed it", what);
	}
	*out = prev;
	free(buf);
}

static void run_whole(const char *what, const uint8_t *d, size_t n, size_t cap, struct snap *out)
{
	run_chunks(what, d, n, cap, NULL, 0, out);
}

/*
 * The battery. Returns the whole-feed result; fails if any chunking differs,
 * if a prefix of a DONE vector shorter than its head is not NEED_MORE (and a
 * longer one not the same DONE), if a prefix of another vector ends in a
 * different terminal status, or if a prefix shows a name that is not in the
 * final list.
 */
static void battery(const char *what, const uint8_t *d, size_t n, size_t cap, struct snap *whole)
{
	size_t *chunks = malloc((n + 1) * sizeof(*chunks));
	char a[1024], b[1024];
	struct snap s;
	size_t k, i;

	assert_non_null(chunks);
	run_whole(what, d, n, cap, whole);

	for (k = 0; k < n; k++) {
		run_whole(what, d, k, cap, &s);
		if (whole->status == HTTP_DONE && k < whole->head_len) {
			CHECK(s.status == HTTP_NEED_MORE, "%s: prefix %zu/%zu gives %s/%s", what, k, n,
			      http_status_str(s.status), http_reason_str(s.reason));
		} else if (s.status != HTTP_NEED_MORE || whole->status == HTTP_DONE) {
			CHECK(snap_eq(&s, whole), "%s: prefix %zu ends differently", what, k);
		}
		CHECK(names_prefix_of(&s, whole), "%s: prefix %zu shows a name not in the final list",
		      what, k);
	}

	for (k = 1; k < n; k++) { /* every 2-piece split */
		chunks[0] = k;
		run_chunks(what, d, n, cap, chunks, 2, &s);
		snap_str(&s, a, sizeof(a));
		snap_str(whole, b, sizeof(b));
		CHECK(snap_eq(&s, whole), "%s: split at %zu: %s, whole: %s", what, k, a, b);
	}

	for (i = 0; i < n; i++)
		chunks[i] = 1;
	run_chunks(what, d, n, cap, chunks, n, &s);
	snap_str(&s, a, sizeof(a));
	snap_str(whole, b, sizeof(b));
	CHECK(snap_eq(&s, whole), "%s: byte at a time: %s, whole: %s", what, a, b);

	kb_rng_seed(0x6b617362ull ^ n);
	for (k = 0; k < RANDOM_CHUNKINGS; k++) {
		size_t left = n, nc = 0;

		while (left > 0) {
			size_t c = 1 + (size_t)(kb_rng_next() % (k % 4 == 0 ? 4 : 64));

			if (c > left)
				c = left;
			chunks[nc++] = c;
			left -= c;
		}
		run_chunks(what, d, n, cap, chunks, nc, &s);
		snap_str(&s, a, sizeof(a));
		CHECK(snap_eq(&s, whole), "%s: random chunking %zu: %s", what, k, a);
	}
	free(chunks);
}

/* Where the head ends, computed independently: after the first empty line
 * that follows a non-empty one (leading empty lines skipped). */
static size_t head_end(const uint8_t *d, size_t n)
{
	size_t i, ls = 0;
	bool seen_line = false;

	for (i = 0; i < n; i++) {
		if (d[i] != '\n')
			continue;
		if (i == ls || (i == ls + 1 && d[ls] == '\r')) {
			if (seen_line)
				return i + 1;
		} else {
			seen_line = true;
		}
		ls = i + 1;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Expected names */

struct want {
	int source; /* enum http_name_source */
	char name[256];
	size_t len;
	bool has_port, ip;
	uint16_t port;
};

/* "src=name[@port]" with src host|uri|connect and "[...]" for an IP literal. */
static bool parse_want(const char *tok, struct want *w)
{
	const char *eq = strchr(tok, '='), *v, *at;
	size_t n;

	memset(w, 0, sizeof(*w));
	if (eq == NULL)
		return false;
	if (strncmp(tok, "host=", 5) == 0)
		w->source = HTTP_SRC_HOST_HEADER;
	else if (strncmp(tok, "uri=", 4) == 0)
		w->source = HTTP_SRC_ABSOLUTE_URI;
	else if (strncmp(tok, "connect=", 8) == 0)
		w->source = HTTP_SRC_CONNECT_AUTHORITY;
	else
		return false;
	v = eq + 1;
	if (*v == '[') {
		const char *close = strchr(v, ']');

		if (close == NULL)
			return false;
		w->ip = true;
		n = (size_t)(close - v - 1);
		memcpy(w->name, v + 1, n);
		at = close + 1;
		if (*at != '\0' && *at != '@')
			return false;
	} else {
		at = strchr(v, '@');
		n = at != NULL ? (size_t)(at - v) : strlen(v);
		if (n >= sizeof(w->name))
			return false;
		memcpy(w->name, v, n);
	}
	w->len = n;
	if (at != NULL && *at == '@') {
		w->has_port = true;
		w->port = (uint16_t)strtoul(at + 1, NULL, 10);
	}
	return true;
}

static void check_names(const char *what, const uint8_t *d, const struct snap *s,
			const struct want *w, unsigned nw)
{
	unsigned i;

	CHECK(s->n_names == nw, "%s: %u names, want %u", what, s->n_names, nw);
	for (i = 0; i < nw; i++) {
		const struct snap_name *g = &s->names[i];

		CHECK(g->source == w[i].source, "%s: name %u source %s, want %s", what, i,
		      http_source_str(g->source), http_source_str(w[i].source));
		CHECK(g->len == w[i].len && memcmp(d + g->off, w[i].name, w[i].len) == 0,
		      "%s: name %u is '%.*s', want '%s'", what, i, (int)g->len, d + g->off,
		      w[i].name);
		CHECK(!!(g->flags & HTTP_NAME_F_IP_LITERAL) == w[i].ip, "%s: name %u ip flag", what, i);
		CHECK(!!(g->flags & HTTP_NAME_F_PORT) == w[i].has_port &&
			      (!w[i].has_port || g->port == w[i].port),
		      "%s: name %u port %u (flag %u), want %u", what, i, g->port,
		      !!(g->flags & HTTP_NAME_F_PORT), w[i].port);
	}
}

/* ------------------------------------------------------------------------ */
/* Vectors from tests/data/http */

struct vcase {
	char file[128];
	char status[32], reason[32], method[32], form[32];
	uint32_t flags;
	struct want want[MAX_WANT];
	unsigned n_want;
	size_t cap;
};

static struct vcase cases[MAX_CASES];
static unsigned n_cases;

static char *field(char **p)
{
	char *s = *p, *t;

	if (s == NULL)
		return NULL;
	t = strchr(s, '\t');
	if (t != NULL) {
		*t = '\0';
		*p = t + 1;
	} else {
		*p = NULL;
	}
	return s;
}

static int load_cases(void **state)
{
	char path[1024], line[4096];
	FILE *f;

	(void)state;
	join_path(path, sizeof(path), kb_data_dir(), "http/cases.tsv");
	f = fopen(path, "r");
	if (f == NULL) {
		print_error("cannot open %s\n", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL && n_cases < MAX_CASES) {
		struct vcase *c = &cases[n_cases];
		char *p = line, *fl, *names, *cap, *tok, *save;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		memset(c, 0, sizeof(*c));
		copy_str(c->file, sizeof(c->file), field(&p));
		copy_str(c->status, sizeof(c->status), field(&p));
		copy_str(c->reason, sizeof(c->reason), field(&p));
		copy_str(c->method, sizeof(c->method), field(&p));
		copy_str(c->form, sizeof(c->form), field(&p));
		fl = field(&p);
		names = field(&p);
		cap = field(&p);
		if (cap == NULL) {
			print_error("%s: short row for %s\n", path, c->file);
			fclose(f);
			return -1;
		}
		for (tok = strtok_r(fl, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
			size_t i;
			bool found = false;

			for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
				if (strcmp(tok, flag_names[i].name) == 0) {
					c->flags |= flag_names[i].bit;
					found = true;
				}
			}
			if (!found && strcmp(tok, "-") != 0) {
				print_error("%s: %s: unknown flag %s\n", path, c->file, tok);
				fclose(f);
				return -1;
			}
		}
		for (tok = strtok_r(names, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
			if (strcmp(tok, "-") == 0)
				continue;
			if (c->n_want == MAX_WANT || !parse_want(tok, &c->want[c->n_want])) {
				print_error("%s: %s: bad name %s\n", path, c->file, tok);
				fclose(f);
				return -1;
			}
			c->n_want++;
		}
		c->cap = strcmp(cap, "-") == 0 ? HTTP_HEAD_DEFAULT_CAP : strtoul(cap, NULL, 10);
		n_cases++;
	}
	fclose(f);
	return n_cases > 0 ? 0 : -1;
}

static void test_vectors(void **state)
{
	unsigned i, n_done = 0, n_bad = 0, n_not = 0;

	(void)state;
	for (i = 0; i < n_cases; i++) {
		const struct vcase *c = &cases[i];
		char path[1024];
		uint8_t *d;
		size_t n;
		struct snap s;

		char rel[256];

		join_path(rel, sizeof(rel), "http", c->file);
		join_path(path, sizeof(path), kb_data_dir(), rel);
		d = kb_read_file(path, &n);
		CHECK(d != NULL, "cannot read %s", path);
		battery(c->file, d, n, c->cap, &s);

		CHECK(strcmp(http_status_str(s.status), c->status) == 0, "%s: status %s, want %s",
		      c->file, http_status_str(s.status), c->status);
		CHECK(strcmp(c->reason, "-") == 0 ? s.reason == HTTP_R_NONE :
						     strcmp(http_reason_str(s.reason), c->reason) == 0,
		      "%s: reason %s, want %s", c->file, http_reason_str(s.reason), c->reason);
		CHECK(strcmp(c->method, "-") == 0 ? s.method == HTTP_M_NONE :
						     strcmp(http_method_str(s.method), c->method) == 0,
		      "%s: method %s, want %s", c->file, http_method_str(s.method), c->method);
		CHECK(strcmp(target_form_str(s.form), c->form) == 0, "%s: form %s, want %s", c->file,
		      target_form_str(s.form), c->form);
		CHECK(s.flags == c->flags, "%s: flags 0x%x, want 0x%x", c->file, s.flags, c->flags);
		check_names(c->file, d, &s, c->want, c->n_want);

		/* connect_port mirrors the CONNECT name's port */
		if (s.n_names > 0 && s.names[0].source == HTTP_SRC_CONNECT_AUTHORITY)
			CHECK(s.connect_port == s.names[0].port, "%s: connect_port", c->file);
		else
			CHECK(s.connect_port == 0, "%s: connect_port without CONNECT", c->file);
		if (s.status == HTTP_DONE) {
			CHECK(s.head_len == head_end(d, n), "%s: head_len %u, want %zu", c->file,
			      s.head_len, head_end(d, n));
			n_done++;
		} else {
			CHECK(s.head_len == 0, "%s: head_len without DONE", c->file);
			if (s.status == HTTP_MALFORMED)
				n_bad++;
			else
				n_not++;
		}
		free(d);
	}
	print_message("%u vectors: %u done, %u malformed, %u not_http\n", n_cases, n_done, n_bad,
		      n_not);
	/* the manifest must exercise all three outcomes */
	assert_true(n_done >= 30 && n_bad >= 20 && n_not >= 5);
}

/* ------------------------------------------------------------------------ */
/* Real captures: tests/data/real/<stem>.http.bin */

struct real_want {
	char file[256];
	char field[32]; /* http_host | connect */
	char name[512]; /* as tshark shows it: host[:port], maybe comma-separated */
};

#define MAX_REAL 256

/* expected.tsv: file kind field name notes (header row first). */
static unsigned load_real_expected(const char *dir, struct real_want *rw, unsigned max)
{
	char path[1024], line[8192];
	unsigned n = 0;
	FILE *f;

	join_path(path, sizeof(path), dir, "expected.tsv");
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL && n < max) {
		char *p = line, *file, *kind, *fld, *name;

		line[strcspn(line, "\r\n")] = '\0';
		file = field(&p);
		kind = field(&p);
		fld = field(&p);
		name = field(&p);
		if (file == NULL || kind == NULL || fld == NULL || name == NULL ||
		    strcmp(file, "file") == 0 || strcmp(kind, "http") != 0)
			continue;
		copy_str(rw[n].file, sizeof(rw[n].file), file);
		copy_str(rw[n].field, sizeof(rw[n].field), fld);
		copy_str(rw[n].name, sizeof(rw[n].name), name);
		n++;
	}
	fclose(f);
	return n;
}

/* A README token that reads as host[:port]: only host bytes, not a file name,
 * and a last label with a letter (a TLD), a dotted quad or "[...]" (so a
 * version such as 1.21.3 is not taken). */
static bool looks_like_host(const char *t)
{
	const char *last, *colon;
	size_t dots = 0, k;
	bool letter = false;

	static const char *const ext[] = { ".bin", ".pcap", ".pcapng", ".tsv", ".md", ".py",
					   ".sh", ".txt" };
	size_t n = strlen(t), i;

	if (n < 3 || strchr(t, '.') == NULL || t[0] == '.' || t[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:[]",
			   t[i]) == NULL)
			return false;
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t e = strlen(ext[i]);

		if (n > e && strcmp(t + n - e, ext[i]) == 0)
			return false;
	}
	if (t[0] == '[')
		return strchr(t, ']') != NULL;
	colon = strchr(t, ':');
	k = colon != NULL ? (size_t)(colon - t) : n;
	last = t;
	for (i = 0; i < k; i++) {
		if (t[i] == '.') {
			dots++;
			last = t + i + 1;
		}
	}
	for (; last < t + k; last++)
		if ((*last >= 'a' && *last <= 'z') || (*last >= 'A' && *last <= 'Z'))
			letter = true;
	return letter || dots == 3;
}

/*
 * Fallback when expected.tsv has no row for a capture: the README.md lines
 * that name the file, each host-looking token on them an expected name
 * (from any source: a README does not say which).
 */
static unsigned load_real_readme(const char *dir, const char *file, struct real_want *rw,
				 unsigned max)
{
	char path[1024], line[4096];
	unsigned n = 0;
	FILE *f;

	join_path(path, sizeof(path), dir, "README.md");
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL && n < max) {
		char *tok, *save;

		if (strstr(line, file) == NULL)
			continue;
		for (tok = strtok_r(line, " \t\r\n|`,;()*\"'", &save); tok != NULL && n < max;
		     tok = strtok_r(NULL, " \t\r\n|`,;()*\"'", &save)) {
			if (!looks_like_host(tok))
				continue;
			copy_str(rw[n].file, sizeof(rw[n].file), file);
			copy_str(rw[n].field, sizeof(rw[n].field), "any");
			copy_str(rw[n].name, sizeof(rw[n].name), tok);
			n++;
		}
	}
	fclose(f);
	return n;
}

/* Splits "host:port" / "[v6]:port" / "host" the way the expectation is written. */
static void split_hostport(const char *s, char *host, size_t cap, long *port)
{
	const char *colon;
	size_t n;

	*port = -1;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		n = close != NULL ? (size_t)(close - s - 1) : strlen(s) - 1;
		snprintf(host, cap, "%.*s", (int)n, s + 1);
		if (close != NULL && close[1] == ':')
			*port = strtol(close + 2, NULL, 10);
		return;
	}
	colon = strrchr(s, ':');
	n = colon != NULL ? (size_t)(colon - s) : strlen(s);
	snprintf(host, cap, "%.*s", (int)n, s);
	if (colon != NULL)
		*port = strtol(colon + 1, NULL, 10);
}

static bool ieq(const uint8_t *a, size_t alen, const char *b)
{
	size_t i;

	if (alen != strlen(b))
		return false;
	for (i = 0; i < alen; i++) {
		uint8_t x = a[i], y = (uint8_t)b[i];

		if (x >= 'A' && x <= 'Z')
			x = (uint8_t)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (uint8_t)(y + 32);
		if (x != y)
			return false;
	}
	return true;
}

static void test_real_captures(void **state)
{
	static struct real_want rw[MAX_REAL];
	char dir[1024];
	unsigned n_rw, n_files = 0, i;
	struct dirent *de;
	DIR *dp;

	(void)state;
	join_path(dir, sizeof(dir), kb_data_dir(), "real");
	n_rw = load_real_expected(dir, rw, MAX_REAL / 2);
	dp = opendir(dir);
	if (dp == NULL) {
		print_message("no %s: skipped\n", dir);
		skip();
	}
	while ((de = readdir(dp)) != NULL) {
		const char *nm = de->d_name;
		size_t nl = strlen(nm), n;
		char path[1536];
		unsigned n_exp = 0, j;
		uint8_t *d;
		struct snap s;

		if (nl <= 9 || strcmp(nm + nl - 9, ".http.bin") != 0)
			continue;
		join_path(path, sizeof(path), dir, nm);
		d = kb_read_file(path, &n);
		CHECK(d != NULL, "cannot read %s", path);
		for (i = 0; i < n_rw && strcmp(rw[i].file, nm) != 0; i++)
			;
		if (i == n_rw) /* no expected.tsv row: README.md, appended for this file only */
			n_rw += load_real_readme(dir, nm, rw + n_rw, MAX_REAL - n_rw);
		battery(nm, d, n, HTTP_HEAD_DEFAULT_CAP, &s);
		CHECK(s.status == HTTP_DONE, "%s: %s/%s", nm, http_status_str(s.status),
		      http_reason_str(s.reason));
		CHECK(s.head_len == head_end(d, n), "%s: head_len %u", nm, s.head_len);
		CHECK(!(s.flags & HTTP_F_AMBIGUOUS), "%s: real client head flagged ambiguous", nm);

		/* every expected name is there, from the right place */
		for (i = 0; i < n_rw; i++) {
			char list[512], *tok, *save;

			if (strcmp(rw[i].file, nm) != 0)
				continue;
			copy_str(list, sizeof(list), rw[i].name);
			for (tok = strtok_r(list, ",", &save); tok != NULL;
			     tok = strtok_r(NULL, ",", &save)) {
				int src = strcmp(rw[i].field, "connect") == 0 ?
						  HTTP_SRC_CONNECT_AUTHORITY :
					  strcmp(rw[i].field, "any") == 0 ? -1 :
									    HTTP_SRC_HOST_HEADER;
				char host[512];
				long port;
				bool found = false;

				split_hostport(tok, host, sizeof(host), &port);
				for (j = 0; j < s.n_names; j++) {
					const struct snap_name *g = &s.names[j];

					if ((src < 0 || g->source == src) && g->len == strlen(host) &&
					    memcmp(d + g->off, host, g->len) == 0 &&
					    (port < 0 ? !(g->flags & HTTP_NAME_F_PORT) :
							(g->flags & HTTP_NAME_F_PORT) &&
								g->port == port))
						found = true;
				}
				CHECK(found, "%s: expected %s %s not found", nm, rw[i].field, tok);
				n_exp++;
			}
		}
		CHECK(n_exp > 0, "%s: no expectation in %s/expected.tsv or README.md", nm, dir);

		/* and no name that is not expected (an absolute-URI name must be
		 * one of the expected hosts too) */
		for (j = 0; j < s.n_names; j++) {
			const struct snap_name *g = &s.names[j];
			bool ok = false;

			for (i = 0; i < n_rw && !ok; i++) {
				char list[512], *tok, *save, host[512];
				long port;

				if (strcmp(rw[i].file, nm) != 0)
					continue;
				copy_str(list, sizeof(list), rw[i].name);
				for (tok = strtok_r(list, ",", &save); tok != NULL && !ok;
				     tok = strtok_r(NULL, ",", &save)) {
					split_hostport(tok, host, sizeof(host), &port);
					ok = ieq(d + g->off, g->len, host);
				}
			}
			CHECK(ok, "%s: unexpected name '%.*s' (%s)", nm, (int)g->len, d + g->off,
			      http_source_str(g->source));
		}
		print_message("%s: %zu bytes, %u names, flags 0x%x\n", nm, n, s.n_names, s.flags);
		n_files++;
		free(d);
	}
	closedir(dp);
	/* every capture expected.tsv lists is there */
	for (i = 0; i < n_rw; i++) {
		char path[1536];
		FILE *f;

		join_path(path, sizeof(path), dir, rw[i].file);
		f = fopen(path, "rb");
		CHECK(f != NULL, "%s lists %s, which is missing", "expected.tsv", rw[i].file);
		fclose(f);
	}
	if (n_files == 0) {
		print_message("no *.http.bin in %s yet: skipped\n", dir);
		skip();
	}
}

/* ------------------------------------------------------------------------ */
/* Inline cases */

/* Feeds a C string whole into a fresh state on a malloc'd buffer of cap. */
struct fixture {
	struct http_head st;
	uint8_t *buf;
};

static enum http_status feed_str(struct fixture *fx, size_t cap, const char *s)
{
	fx->buf = malloc(cap > 0 ? cap : 1);
	assert_non_null(fx->buf);
	http_head_init(&fx->st, fx->buf, cap);
	return http_head_feed(&fx->st, (const uint8_t *)s, strlen(s));
}

static bool name_is(const struct http_head *st, unsigned i, const char *s)
{
	return i < st->n_names && st->names[i].len == strlen(s) &&
	       memcmp(st->names[i].p, s, st->names[i].len) == 0;
}

static void test_not_http_early(void **state)
{
	static const struct {
		const char *what;
		const uint8_t *b;
		size_t n, decided_by; /* bytes after which NOT_HTTP must be known */
	} v[] = {
		{ "tls", (const uint8_t *)"\x16\x03\x01\x02\x00\x01\x00\x01\xfc", 9, 1 },
		{ "ssh", (const uint8_t *)"SSH-2.0-OpenSSH_9.2p1\r\n", 23, 6 },
		{ "nul", (const uint8_t *)"\0\0\0\x2c\x01", 5, 1 },
		{ "lower", (const uint8_t *)"get / HTTP/1.1\r\n", 16, 1 },
		{ "space", (const uint8_t *)" GET / HTTP/1.1\r\n", 17, 1 },
		{ "cr-x", (const uint8_t *)"\rGET / HTTP/1.1\r\n", 17, 2 },
		{ "long", (const uint8_t *)"ABCDEFGHIJKLMNOPQRSTUVWXYZ / HTTP/1.1\r\n", 38,
		  HTTP_METHOD_MAX_LEN + 1 },
		{ "0x80", (const uint8_t *)"GE\x80T / HTTP/1.1\r\n", 17, 3 },
	};
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		for (k = 0; k <= v[i].n; k++) {
			uint8_t buf[64];
			struct http_head st;
			enum http_status r;

			http_head_init(&st, buf, sizeof(buf));
			r = http_head_feed(&st, v[i].b, k);
			if (k < v[i].decided_by)
				CHECK(r == HTTP_NEED_MORE, "%s: %zu bytes: %s", v[i].what, k,
				      http_status_str(r));
			else
				CHECK(r == HTTP_NOT_HTTP && st.reason == HTTP_R_NOT_TOKEN &&
					      st.n_names == 0,
				      "%s: %zu bytes: %s/%s", v[i].what, k, http_status_str(r),
				      http_reason_str(st.reason));
		}
	}
}

static void test_h2_preface(void **state)
{
	static const char pre[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
	uint8_t buf[64];
	struct http_head st;
	size_t i;

	(void)state;
	http_head_init(&st, buf, sizeof(buf));
	for (i = 0; i + 1 < sizeof(pre) - 1; i++) {
		CHECK(http_head_feed(&st, (const uint8_t *)pre + i, 1) == HTTP_NEED_MORE,
		      "byte %zu", i);
	}
	assert_int_equal(http_head_feed(&st, (const uint8_t *)pre + i, 1), HTTP_NOT_HTTP);
	assert_int_equal(st.reason, HTTP_R_H2_PREFACE);
	assert_true(st.flags & HTTP_F_H2_PREFACE);
	assert_int_equal(st.method, HTTP_M_PRI);
	assert_int_equal(st.n_names, 0);

	/* one byte off anywhere in the preface: plain NOT_HTTP, no flag */
	for (i = 4; i < sizeof(pre) - 1; i++) {
		uint8_t v[sizeof(pre)];

		memcpy(v, pre, sizeof(pre));
		v[i] ^= 0x20;
		http_head_init(&st, buf, sizeof(buf));
		assert_int_equal(http_head_feed(&st, v, sizeof(pre) - 1), HTTP_NOT_HTTP);
		assert_int_equal(st.reason, HTTP_R_NOT_TOKEN);
		assert_false(st.flags & HTTP_F_H2_PREFACE);
	}
}

static void test_methods(void **state)
{
	static const struct {
		const char *tok;
		enum http_method m;
	} v[] = {
		{ "GET", HTTP_M_GET },         { "HEAD", HTTP_M_HEAD },
		{ "POST", HTTP_M_POST },       { "PUT", HTTP_M_PUT },
		{ "DELETE", HTTP_M_DELETE },   { "OPTIONS", HTTP_M_OPTIONS },
		{ "TRACE", HTTP_M_TRACE },     { "PATCH", HTTP_M_PATCH },
		{ "MKCOL", HTTP_M_OTHER },     { "UPDATEREDIRECTREF", HTTP_M_OTHER },
		{ "GETS", HTTP_M_OTHER },      { "GE", HTTP_M_OTHER },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct fixture fx;
		char req[128];

		snprintf(req, sizeof(req), "%s /x HTTP/1.1\r\nHost: m.example\r\n\r\n", v[i].tok);
		CHECK(feed_str(&fx, 256, req) == HTTP_DONE, "%s", v[i].tok);
		CHECK(fx.st.method == v[i].m, "%s: method %s", v[i].tok,
		      http_method_str(fx.st.method));
		CHECK(fx.st.method_len == strlen(v[i].tok) &&
			      memcmp(fx.st.method_tok, v[i].tok, fx.st.method_len) == 0,
		      "%s: method_tok", v[i].tok);
		CHECK(!!(fx.st.flags & HTTP_F_METHOD_OTHER) == (v[i].m == HTTP_M_OTHER), "%s flag",
		      v[i].tok);
		CHECK(name_is(&fx.st, 0, "m.example"), "%s: name", v[i].tok);
		free(fx.buf);
	}
}

/* When a name becomes readable: URI/CONNECT names at the request line's LF,
 * a Host name at the next line's first byte. */
static void test_publish_timing(void **state)
{
	static const char a[] = "GET http://u.example/ HTTP/1.1\r\nHost: h.example\r\n";
	uint8_t buf[256];
	struct http_head st;

	(void)state;
	http_head_init(&st, buf, sizeof(buf));
	assert_int_equal(http_head_feed(&st, (const uint8_t *)a, 31), HTTP_NEED_MORE);
	assert_int_equal(st.n_names, 0); /* "...HTTP/1.1\r" */
	assert_int_equal(http_head_feed(&st, (const uint8_t *)a + 31, 1), HTTP_NEED_MORE);
	assert_int_equal(st.n_names, 1);
	assert_true(name_is(&st, 0, "u.example"));
	assert_int_equal(http_head_feed(&st, (const uint8_t *)a + 32, sizeof(a) - 1 - 32),
			 HTTP_NEED_MORE);
	assert_int_equal(st.n_names, 1); /* the Host line could still be folded */
	assert_int_equal(http_head_feed(&st, (const uint8_t *)"A", 1), HTTP_NEED_MORE);
	assert_int_equal(st.n_names, 2);
	assert_true(name_is(&st, 1, "h.example"));
	assert_int_equal(st.names[1].source, HTTP_SRC_HOST_HEADER);

	/* the same Host line followed by a fold: never published */
	http_head_init(&st, buf, sizeof(buf));
	http_head_feed(&st, (const uint8_t *)a, sizeof(a) - 1);
	assert_int_equal(http_head_feed(&st, (const uint8_t *)"\t", 1), HTTP_MALFORMED);
	assert_int_equal(st.reason, HTTP_R_OBS_FOLD);
	assert_int_equal(st.n_names, 1);

	/* LF-only end of head right after Host */
	http_head_init(&st, buf, sizeof(buf));
	assert_int_equal(http_head_feed(&st, (const uint8_t *)"GET / HTTP/1.1\nHost: x\n", 23),
			 HTTP_NEED_MORE);
	assert_int_equal(st.n_names, 0);
	assert_int_equal(http_head_feed(&st, (const uint8_t *)"\n", 1), HTTP_DONE);
	assert_int_equal(st.n_names, 1);
	assert_int_equal(st.head_len, 24);
}

/* Every byte value as the second byte of a field name: the head parses iff
 * it is an RFC 9110 tchar (the grammar's list, spelled out here), or ':',
 * which ends the name "X" there. */
static void test_field_name_bytes(void **state)
{
	static const char specials[] = "!#$%&'*+-.^_`|~";
	struct fixture fx;
	char req[96];

	(void)state;
	for (unsigned b = 1; b < 256; b++) {
		bool tchar = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
			     (b >= '0' && b <= '9') || strchr(specials, (int)b) != NULL || b == ':';

		snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nX%cy: v\r\nHost: a.example\r\n\r\n",
			 (char)b);
		enum http_status st = feed_str(&fx, 512, req);

		CHECK(st == (tchar ? HTTP_DONE : HTTP_MALFORMED), "byte 0x%02x: %s", b,
		      http_status_str(st));
		free(fx.buf);
	}
}

static void test_too_many_fields(void **state)
{
	size_t cap = 8192, o, i;
	char *req = malloc(cap);
	struct fixture fx;

	(void)state;
	assert_non_null(req);
	/* exactly HTTP_HEAD_MAX_FIELDS field lines, Host the last one */
	o = (size_t)snprintf(req, cap, "GET / HTTP/1.1\r\n");
	for (i = 0; i + 1 < HTTP_HEAD_MAX_FIELDS; i++)
		o += (size_t)snprintf(req + o, cap - o, "X-%zu: v\r\n", i);
	snprintf(req + o, cap - o, "Host: last.example\r\n\r\n");
	assert_int_equal(feed_str(&fx, cap, req), HTTP_DONE);
	assert_int_equal(fx.st.n_fields, HTTP_HEAD_MAX_FIELDS);
	assert_true(name_is(&fx.st, 0, "last.example"));
	free(fx.buf);

	/* one more: MALFORMED, the Host seen first stays readable */
	o = (size_t)snprintf(req, cap, "GET / HTTP/1.1\r\nHost: first.example\r\n");
	for (i = 0; i < HTTP_HEAD_MAX_FIELDS; i++)
		o += (size_t)snprintf(req + o, cap - o, "X-%zu: v\r\n", i);
	snprintf(req + o, cap - o, "\r\n");
	assert_int_equal(feed_str(&fx, cap, req), HTTP_MALFORMED);
	assert_int_equal(fx.st.reason, HTTP_R_TOO_MANY_FIELDS);
	assert_true(name_is(&fx.st, 0, "first.example"));
	free(fx.buf);
	free(req);
}

static void test_cap(void **state)
{
	static const char h[] = "GET / HTTP/1.1\r\nHost: cap.example\r\nAccept: */*\r\n\r\n";
	size_t n = sizeof(h) - 1, host_end = 35; /* just after "Host: cap.example\r\n" */
	struct fixture fx;
	uint8_t *big;
	size_t i;

	(void)state;
	assert_int_equal(h[host_end - 1], '\n');
	/* a head of exactly cap bytes fits */
	assert_int_equal(feed_str(&fx, n, h), HTTP_DONE);
	assert_int_equal(fx.st.head_len, n);
	free(fx.buf);
	/* one byte less does not */
	assert_int_equal(feed_str(&fx, n - 1, h), HTTP_MALFORMED);
	assert_int_equal(fx.st.reason, HTTP_R_HEAD_TOO_LONG);
	assert_true(name_is(&fx.st, 0, "cap.example"));
	free(fx.buf);
	/* the cap right after the Host line: the byte that does not fit shows
	 * it is not folded, so the name is published (whole or byte by byte) */
	for (i = 0; i < 2; i++) {
		uint8_t *buf = malloc(host_end);
		struct http_head st;
		size_t k;

		assert_non_null(buf);
		http_head_init(&st, buf, host_end);
		if (i == 0) {
			http_head_feed(&st, (const uint8_t *)h, n);
		} else {
			for (k = 0; k < n && st.status == HTTP_NEED_MORE; k++)
				http_head_feed(&st, (const uint8_t *)h + k, 1);
		}
		assert_int_equal(st.status, HTTP_MALFORMED);
		assert_int_equal(st.reason, HTTP_R_HEAD_TOO_LONG);
		assert_true(name_is(&st, 0, "cap.example"));
		free(buf);
	}
	/* ... but not if that byte starts a fold */
	{
		uint8_t *buf = malloc(host_end);
		struct http_head st;

		assert_non_null(buf);
		http_head_init(&st, buf, host_end);
		http_head_feed(&st, (const uint8_t *)"GET / HTTP/1.1\r\nHost: cap.example\r\n x\r\n\r\n", 42);
		assert_int_equal(st.reason, HTTP_R_HEAD_TOO_LONG);
		assert_int_equal(st.n_names, 0);
		free(buf);
	}
	/* a single line longer than the default cap */
	big = malloc(HTTP_HEAD_DEFAULT_CAP + 64);
	assert_non_null(big);
	memset(big, 'a', HTTP_HEAD_DEFAULT_CAP + 64);
	memcpy(big, "GET /", 5);
	{
		uint8_t *buf = malloc(HTTP_HEAD_DEFAULT_CAP);
		struct http_head st;

		assert_non_null(buf);
		http_head_init(&st, buf, HTTP_HEAD_DEFAULT_CAP);
		assert_int_equal(http_head_feed(&st, big, HTTP_HEAD_DEFAULT_CAP), HTTP_NEED_MORE);
		assert_int_equal(http_head_feed(&st, big, 1), HTTP_MALFORMED);
		assert_int_equal(st.reason, HTTP_R_HEAD_TOO_LONG);
		free(buf);
	}
	free(big);
	/* cap 0 and a NULL buffer fail on the first byte; empty feeds are fine */
	{
		struct http_head st;

		http_head_init(&st, NULL, 100);
		assert_int_equal(http_head_feed(&st, NULL, 0), HTTP_NEED_MORE);
		assert_int_equal(http_head_feed(&st, (const uint8_t *)"G", 1), HTTP_MALFORMED);
		assert_int_equal(st.reason, HTTP_R_HEAD_TOO_LONG);
	}
}

/* A realistic big head (long cookie) fits the default cap; the cap is
 * clamped to HTTP_HEAD_MAX_CAP. */
static void test_default_and_max_cap(void **state)
{
	size_t cap = 100000, o, i;
	char *req = malloc(cap);
	struct fixture fx;

	(void)state;
	assert_non_null(req);
	o = (size_t)snprintf(req, cap, "GET / HTTP/1.1\r\nHost: cookie.example\r\nCookie: ");
	for (i = 0; i < 7000; i++)
		req[o++] = (char)('a' + i % 26);
	snprintf(req + o, cap - o, "\r\n\r\n");
	assert_int_equal(feed_str(&fx, HTTP_HEAD_DEFAULT_CAP, req), HTTP_DONE);
	free(fx.buf);

	memset(req, 'b', cap - 1);
	req[cap - 1] = '\0';
	memcpy(req, "GET /", 5);
	assert_int_equal(feed_str(&fx, cap, req), HTTP_MALFORMED);
	assert_int_equal(fx.st.reason, HTTP_R_HEAD_TOO_LONG);
	free(fx.buf);
	free(req);
}

/* Body framing from Content-Length and Transfer-Encoding (RFC 9112 §6.3),
 * whole and one byte at a time; a head with a bad one is still DONE. */
static void test_body_framing(void **state)
{
	static const struct {
		const char *fields; /* between the Host line and the empty line */
		const char *version;
		enum http_body body;
		uint64_t len;
		uint16_t flags;     /* of TE_AND_CL, LENGTH_LIST */
	} v[] = {
		{ "", "1.1", HTTP_BODY_NONE, 0, 0 },
		{ "Content-Length: 0\r\n", "1.1", HTTP_BODY_LENGTH, 0, 0 },
		{ "content-length:42\r\n", "1.1", HTTP_BODY_LENGTH, 42, 0 },
		{ "Content-Length: \t 1234 \r\n", "1.0", HTTP_BODY_LENGTH, 1234, 0 },
		{ "Content-Length: 0000000000000000000000000009\r\n", "1.1", HTTP_BODY_LENGTH, 9, 0 },
		{ "Content-Length: 9999999999999999999\r\n", "1.1", HTTP_BODY_LENGTH,
		  9999999999999999999ull, 0 },
		{ "Content-Length: 10000000000000000000\r\n", "1.1", HTTP_BODY_BAD, 0, 0 },
		{ "Content-Length: 5, 5\r\n", "1.1", HTTP_BODY_LENGTH, 5, HTTP_F_LENGTH_LIST },
		{ "Content-Length: 5\r\nX: y\r\nContent-Length: 5\r\n", "1.1", HTTP_BODY_LENGTH, 5,
		  HTTP_F_LENGTH_LIST },
		{ "Content-Length: 5\r\nContent-Length: 6\r\n", "1.1", HTTP_BODY_BAD, 0, 0 },
		{ "Content-Length: 5,6\r\n", "1.1", HTTP_BODY_BAD, 0, 0 },
		{ "Content-Length: +5\r\n", "1.1", HTTP_BODY_BAD, 0, 0 },
		{ "Content-Length: 5a\r\n", "1.1", HTTP_BODY_BAD, 0, 0 },
		{ "Content-Length: 5 5\r\n", "1.1", HTTP_BODY_BAD, 0, 0 },
		{ "Content-Length:\r\n", "1.1", HTTP_BODY_BAD, 0, 0 },
		{ "Content-Length: 5,\r\n", "1.1", HTTP_BODY_BAD, 0, 0 },
		{ "Content-Length: 5\r\n 6\r\n", "1.1", HTTP_BODY_BAD, 0, 0 },
		{ "Transfer-Encoding: chunked\r\n", "1.1", HTTP_BODY_CHUNKED, 0, 0 },
		{ "Transfer-Encoding: Chunked\r\n", "1.1", HTTP_BODY_CHUNKED, 0, 0 },
		{ "Transfer-Encoding: gzip, chunked\r\n", "1.1", HTTP_BODY_CHUNKED, 0, 0 },
		{ "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", "1.1",
		  HTTP_BODY_CHUNKED, 0, 0 },
		{ "Transfer-Encoding: ,chunked ,\r\n", "1.1", HTTP_BODY_CHUNKED, 0, 0 },
		{ "Transfer-Encoding: x;q=\"a,chunked\", chunked\r\n", "1.1", HTTP_BODY_CHUNKED,
		  0, 0 },
		{ "Transfer-Encoding: chunked;p=1\r\n", "1.1", HTTP_BODY_CHUNKED, 0, 0 },
		{ "Transfer-Encoding: chunked\r\nContent-Length: 7\r\n", "1.1", HTTP_BODY_CHUNKED, 0,
		  HTTP_F_TE_AND_CL },
		{ "Transfer-Encoding: chunked, gzip\r\n", "1.1", HTTP_BODY_BAD, 0, 0 },
		{ "Transfer-Encoding: chunked, chunked\r\n", "1.1", HTTP_BODY_BAD, 0, 0 },
		{ "Transfer-Encoding: gzip\r\n", "1.1", HTTP_BODY_BAD, 0, 0 },
		{ "Transfer-Encoding: chunked\r\n", "1.0", HTTP_BODY_BAD, 0, 0 },
		{ "Transfer-Encoding: x;q=\"open\r\n", "1.1", HTTP_BODY_BAD, 0, 0 },
		{ "Transfer-Encoding: [chunked]\r\n", "1.1", HTTP_BODY_BAD, 0, 0 },
		{ "Transfer-Encoding: gzip,\r\n chunked\r\n", "1.1", HTTP_BODY_BAD, 0, 0 },
		{ "Transfer-Encodings: gzip\r\nContent-Lengthx: 3\r\n", "1.1", HTTP_BODY_NONE, 0, 0 },
	};
	char req[512];
	size_t i, k, n;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = (size_t)snprintf(req, sizeof(req), "POST /up HTTP/%s\r\nHost: b.example\r\n%s\r\n"
				     "tail", v[i].version, v[i].fields);
		assert_true(n < sizeof(req));
		for (k = 0; k < 2; k++) {
			uint8_t buf[512];
			struct http_head st;
			size_t j;

			http_head_init(&st, buf, sizeof(buf));
			if (k == 0)
				http_head_feed(&st, (const uint8_t *)req, n);
			else
				for (j = 0; j < n; j++)
					http_head_feed(&st, (const uint8_t *)req + j, 1);
			if (st.status != HTTP_DONE || st.body != v[i].body ||
			    (v[i].body == HTTP_BODY_LENGTH && st.content_length != v[i].len) ||
			    (st.flags & (HTTP_F_TE_AND_CL | HTTP_F_LENGTH_LIST)) != v[i].flags)
				fail_msg("case %zu (%s): status %d body %u len %llu flags %#x", i,
					 v[i].fields, st.status, st.body,
					 (unsigned long long)st.content_length, st.flags);
			assert_int_equal(st.head_len, n - 4);
			assert_true(name_is(&st, 0, "b.example"));
		}
	}
}

static void test_host_syntax(void **state)
{
	static const struct {
		const char *host;
		enum http_status st;
		enum http_reason r;
		const char *name;
		int port; /* -1 none */
		bool ip;
	} v[] = {
		{ "a.example", HTTP_DONE, HTTP_R_NONE, "a.example", -1, false },
		{ "a.example:0", HTTP_DONE, HTTP_R_NONE, "a.example", 0, false },
		{ "a.example:65535", HTTP_DONE, HTTP_R_NONE, "a.example", 65535, false },
		{ "a.example:00080", HTTP_DONE, HTTP_R_NONE, "a.example", 80, false },
		{ "a.example:65536", HTTP_MALFORMED, HTTP_R_PORT, NULL, -1, false },
		{ "a.example:000080", HTTP_MALFORMED, HTTP_R_PORT, NULL, -1, false },
		{ "a.example:80:80", HTTP_MALFORMED, HTTP_R_PORT, NULL, -1, false },
		{ "a.example:-1", HTTP_MALFORMED, HTTP_R_PORT, NULL, -1, false },
		{ "[::]", HTTP_DONE, HTTP_R_NONE, "::", -1, true },
		{ "[::1]:443", HTTP_DONE, HTTP_R_NONE, "::1", 443, true },
		{ "[1:2:3:4:5:6:7:8]", HTTP_DONE, HTTP_R_NONE, "1:2:3:4:5:6:7:8", -1, true },
		{ "[1:2:3:4:5:6:7::]", HTTP_DONE, HTTP_R_NONE, "1:2:3:4:5:6:7::", -1, true },
		{ "[::1.2.3.4]", HTTP_DONE, HTTP_R_NONE, "::1.2.3.4", -1, true },
		{ "[1:2:3:4:5:6:1.2.3.4]", HTTP_DONE, HTTP_R_NONE, "1:2:3:4:5:6:1.2.3.4", -1, true },
		{ "[FE80::ABCD]", HTTP_DONE, HTTP_R_NONE, "FE80::ABCD", -1, true },
		{ "[1::2::3]", HTTP_MALFORMED, HTTP_R_IPV6, NULL, -1, false },
		{ "[1:2:3:4:5:6:7:8:9]", HTTP_MALFORMED, HTTP_R_IPV6, NULL, -1, false },
		{ "[1:2:3:4:5:6:7:1.2.3.4]", HTTP_MALFORMED, HTTP_R_IPV6, NULL, -1, false },
		{ "[12345::]", HTTP_MALFORMED, HTTP_R_IPV6, NULL, -1, false },
		{ "[:1]", HTTP_MALFORMED, HTTP_R_IPV6, NULL, -1, false },
		{ "[1:]", HTTP_MALFORMED, HTTP_R_IPV6, NULL, -1, false },
		{ "[1.2.3.4]", HTTP_MALFORMED, HTTP_R_IPV6, NULL, -1, false },
		{ "[::1.2.3.256]", HTTP_MALFORMED, HTTP_R_IPV6, NULL, -1, false },
		{ "[fe80::1%25eth0]", HTTP_MALFORMED, HTTP_R_IPV6, NULL, -1, false },
		{ "[]", HTTP_MALFORMED, HTTP_R_IPV6, NULL, -1, false },
		{ "[::1]x", HTTP_MALFORMED, HTTP_R_HOST_CHAR, NULL, -1, false },
		{ "[::1]:x", HTTP_MALFORMED, HTTP_R_PORT, NULL, -1, false },
		{ "a.example?", HTTP_MALFORMED, HTTP_R_HOST_CHAR, NULL, -1, false },
		{ "a.example#", HTTP_MALFORMED, HTTP_R_HOST_CHAR, NULL, -1, false },
		{ "a]b", HTTP_MALFORMED, HTTP_R_HOST_CHAR, NULL, -1, false },
		{ "a\x7f" "b", HTTP_MALFORMED, HTTP_R_HOST_CHAR, NULL, -1, false },
		{ "a\x01" "b", HTTP_MALFORMED, HTTP_R_HOST_CHAR, NULL, -1, false },
		{ "a\tb", HTTP_MALFORMED, HTTP_R_HOST_WS, NULL, -1, false },
		{ "a.example\\evil", HTTP_DONE, HTTP_R_NONE, "a.example\\evil", -1, false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char req[256];
		struct fixture fx;

		snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", v[i].host);
		CHECK(feed_str(&fx, 256, req) == v[i].st && fx.st.reason == v[i].r,
		      "Host '%s': %s/%s", v[i].host, http_status_str(fx.st.status),
		      http_reason_str(fx.st.reason));
		if (v[i].name != NULL) {
			const struct http_name *nm = &fx.st.names[0];

			CHECK(name_is(&fx.st, 0, v[i].name), "Host '%s': name", v[i].host);
			CHECK(v[i].port < 0 ? !(nm->flags & HTTP_NAME_F_PORT) :
					      (nm->flags & HTTP_NAME_F_PORT) && nm->port == v[i].port,
			      "Host '%s': port", v[i].host);
			CHECK(!!(nm->flags & HTTP_NAME_F_IP_LITERAL) == v[i].ip, "Host '%s': ip",
			      v[i].host);
		} else {
			CHECK(fx.st.n_names == 0, "Host '%s': no name", v[i].host);
		}
		free(fx.buf);
	}
}

static void test_strings(void **state)
{
	unsigned i, j;

	(void)state;
	for (i = 0; i < HTTP_R_COUNT; i++) {
		const char *s = http_reason_str((enum http_reason)i);

		CHECK(strcmp(s, "unknown") != 0, "reason %u has no name", i);
		for (j = 0; j < i; j++)
			CHECK(strcmp(s, http_reason_str((enum http_reason)j)) != 0,
			      "reasons %u and %u share %s", i, j, s);
	}
	assert_string_equal(http_reason_str(HTTP_R_COUNT), "unknown");
	assert_string_equal(http_reason_str((enum http_reason)-1), "unknown");
	assert_string_equal(http_status_str(HTTP_DONE), "done");
	assert_string_equal(http_status_str((enum http_status)42), "unknown");
	assert_string_equal(http_method_str(HTTP_M_CONNECT), "CONNECT");
	assert_string_equal(http_method_str((enum http_method)99), "unknown");
	assert_string_equal(http_source_str(HTTP_SRC_CONNECT_AUTHORITY), "connect_authority");
	assert_string_equal(http_source_str((enum http_name_source)9), "unknown");
}

int main(void)
{
	const struct CMUnitTest vec[] = {
		cmocka_unit_test(test_vectors),
	};
	const struct CMUnitTest inl[] = {
		cmocka_unit_test(test_not_http_early),
		cmocka_unit_test(test_h2_preface),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_publish_timing),
		cmocka_unit_test(test_field_name_bytes),
		cmocka_unit_test(test_too_many_fields),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_default_and_max_cap),
		cmocka_unit_test(test_host_syntax),
		cmocka_unit_test(test_body_framing),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_real_captures),
	};
	int fails = 0;

	fails += cmocka_run_group_tests_name("http_head_vectors", vec, load_cases, NULL);
	fails += cmocka_run_group_tests_name("http_head", inl, NULL, NULL);
	return fails;
}
