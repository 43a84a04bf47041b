/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the TLS ClientHello parser.
 *
 * Data-driven from $KB_TEST_DATA:
 *   tls/vectors.tsv + tls/hello_*.bin   synthetic vectors and their expected
 *                                       results (tests/data/tls/gen_vectors.py)
 *   tls/lenfields.tsv                   where each length field sits, to mutate
 *   real/NAME.tls.bin + real/expected.tsv  ClientHellos captured from real clients:
 *                                       the SNI of each, and the hello_len,
 *                                       extensions, records, versions and alpn
 *                                       facts of its notes column when present
 * Every vector is fed whole, as every prefix, in every 2-piece split, one byte
 * at a time and in random chunkings, and through the record-less entry points;
 * all must agree.
 */

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#define KB_RNG_SEED 0x9e3779b97f4a7c15ull
#include "kb_test.h"

#include "tls_hello.h"

#define MAX_VECS 512
#define MAX_FIELDS 8192
#define MAX_REAL 256
#define RANDOM_CHUNKINGS 64

/* ------------------------------------------------------------------------ */
/* Helpers */

/* Decodes the %XX escapes of the manifest into out; returns the length. */
static size_t unescape(const char *s, size_t n, uint8_t *out, size_t cap)
{
	size_t i, o = 0;
	unsigned v;

	for (i = 0; i < n && o < cap; i++) {
		if (s[i] == '%' && i + 2 < n && sscanf(s + i + 1, "%2x", &v) == 1) {
			out[o++] = (uint8_t)v;
			i += 2;
		} else {
			out[o++] = (uint8_t)s[i];
		}
	}
	return o;
}

/* ------------------------------------------------------------------------ */
/* A comparable snapshot of a parse result */

struct bytes {
	uint8_t b[256];
	size_t len;
};

struct res {
	enum tls_status status;
	enum tls_reason reason;
	uint32_t flags;
	uint16_t max_version, legacy_version, record_version, n_exts;
	uint32_t hello_len, n_records;
	uint32_t n_names, n_alpn;
	struct bytes names[TLS_HELLO_MAX_NAMES];
	struct bytes alpn[TLS_HELLO_MAX_ALPN];
};

static void snap(const struct tls_hello *st, struct res *r)
{
	uint32_t i;

	memset(r, 0, sizeof(*r));
	r->status = st->status;
	r->reason = st->reason;
	r->flags = st->flags;
	r->max_version = st->max_version;
	r->legacy_version = st->legacy_version;
	r->record_version = st->record_version;
	r->n_exts = st->n_exts;
	r->hello_len = st->hello_len;
	r->n_records = st->n_records;
	r->n_names = st->n_names;
	r->n_alpn = st->n_alpn;
	assert_true(st->n_names <= TLS_HELLO_MAX_NAMES);
	assert_true(st->n_alpn <= TLS_HELLO_MAX_ALPN);
	for (i = 0; i < st->n_names; i++) {
		assert_true(st->names[i].len <= 255);
		memcpy(r->names[i].b, st->names[i].p, st->names[i].len);
		r->names[i].len = st->names[i].len;
	}
	for (i = 0; i < st->n_alpn; i++) {
		assert_true(st->alpn[i].len <= 255);
		memcpy(r->alpn[i].b, st->alpn[i].p, st->alpn[i].len);
		r->alpn[i].len = st->alpn[i].len;
	}
}

static bool res_eq(const struct res *a, const struct res *b)
{
	uint32_t i;

	if (a->status != b->status || a->reason != b->reason || a->flags != b->flags ||
	    a->max_version != b->max_version || a->n_names != b->n_names ||
	    a->n_alpn != b->n_alpn)
		return false;
	if (a->status == TLS_DONE &&
	    (a->legacy_version != b->legacy_version || a->n_exts != b->n_exts ||
	     a->hello_len != b->hello_len))
		return false;
	for (i = 0; i < a->n_names; i++)
		if (a->names[i].len != b->names[i].len ||
		    memcmp(a->names[i].b, b->names[i].b, a->names[i].len) != 0)
			return false;
	for (i = 0; i < a->n_alpn; i++)
		if (a->alpn[i].len != b->alpn[i].len ||
		    memcmp(a->alpn[i].b, b->alpn[i].b, a->alpn[i].len) != 0)
			return false;
	return true;
}

static const char *res_str(const struct res *r)
{
	static char s[1024];
	size_t o;
	uint32_t i;

	o = (size_t)snprintf(s, sizeof(s), "%s/%s flags=%#x ver=%#x names=%u[",
			     tls_status_str(r->status), tls_reason_str(r->reason),
			     (unsigned)r->flags, r->max_version, (unsigned)r->n_names);
	for (i = 0; i < r->n_names && o < sizeof(s) - 300; i++)
		o += (size_t)snprintf(s + o, sizeof(s) - o, "%s%.*s", i ? "," : "",
				      (int)r->names[i].len, (const char *)r->names[i].b);
	snprintf(s + o, sizeof(s) - o, "] alpn=%u", (unsigned)r->n_alpn);
	return s;
}

/* Every slice of a finished parse lies inside [base, base + size). */
static void check_slices(const struct tls_hello *st, const uint8_t *base, size_t size)
{
	uint32_t i, k;

	if (st->status != TLS_DONE) {
		assert_int_equal(st->n_names, 0);
		assert_int_equal(st->n_alpn, 0);
		return;
	}
	for (i = 0; i < st->n_names; i++) {
		const struct tls_slice *s = &st->names[i];

		assert_true(s->len >= 1 && s->len <= TLS_HELLO_MAX_NAME_LEN);
		assert_true(s->p >= base && (size_t)(s->p - base) + s->len <= size);
		for (k = 0; k < s->len; k++)
			assert_true(s->p[k] >= 0x20 && s->p[k] != 0x7f);
	}
	for (i = 0; i < st->n_alpn; i++) {
		const struct tls_slice *s = &st->alpn[i];

		assert_true(s->len >= 1);
		assert_true(s->p >= base && (size_t)(s->p - base) + s->len <= size);
	}
}

/*
 * Feeds data cut at the given offsets (ascending), checking on the way that
 * nothing but NEED_MORE comes before the end of the hello, that a terminal
 * status sticks, and that the results live in the state's buffer.
 */
static void feed_cuts(const uint8_t *data, size_t len, const size_t *cuts, size_t n_cuts,
		      size_t cap, uint32_t max_records, struct res *out)
{
	uint8_t *buf = malloc(cap > 0 ? cap : 1);
	struct tls_hello st;
	enum tls_status s = TLS_NEED_MORE, first_terminal = TLS_NEED_MORE;
	size_t i, from = 0;

	assert_non_null(buf);
	tls_hello_init(&st, buf, cap);
	if (max_records != 0)
		st.max_records = max_records;
	for (i = 0; i <= n_cuts; i++) {
		size_t to = i < n_cuts ? cuts[i] : len;

		assert_true(to >= from && to <= len);
		s = tls_hello_feed(&st, data + from, to - from);
		assert_int_equal(s, st.status);
		if (s == TLS_NEED_MORE) {
			assert_int_equal(st.n_names, 0);
			assert_true(tls_hello_need(&st) > 0);
		} else {
			assert_int_equal(tls_hello_need(&st), 0);
			if (first_terminal == TLS_NEED_MORE)
				first_terminal = s;
			assert_int_equal(s, first_terminal);
		}
		from = to;
	}
	check_slices(&st, buf, cap);
	snap(&st, out);
	/* terminal states do not move, whatever comes next */
	if (s != TLS_NEED_MORE) {
		struct res again;

		assert_int_equal(tls_hello_feed(&st, data, len), s);
		assert_int_equal(tls_hello_feed(&st, (const uint8_t *)"\x16\x03\x01", 3), s);
		snap(&st, &again);
		assert_true(res_eq(out, &again));
	}
	free(buf);
}

static void feed_whole(const uint8_t *data, size_t len, size_t cap, uint32_t max_records,
		       struct res *out)
{
	feed_cuts(data, len, NULL, 0, cap, max_records, out);
}

/* ------------------------------------------------------------------------ */
/* The manifest */

struct vec {
	char file[128];
	uint8_t *data;
	size_t len;
	enum tls_status status;
	enum tls_reason reason;
	int max_version; /* -1: not checked */
	uint32_t flags;
	uint32_t max_records;
	struct res want;
	bool real;
	bool has_expect; /* real captures: a row in expected.tsv was found */
	/* real captures: facts from the notes column, -1 / "" when absent */
	long note_hello_len, note_exts, note_records, note_max_version;
	char note_alpn[256];
};

static struct vec vecs[MAX_VECS];
static size_t n_vecs;

struct lenfield {
	size_t vec;
	char name[48];
	size_t off[4];
	size_t width;
};

static struct lenfield fields[MAX_FIELDS];
static size_t n_fields;

static const struct {
	const char *name;
	uint32_t bit;
} flag_names[] = {
	{ "sni_ext", TLS_F_SNI_EXT },
	{ "sni_multi", TLS_F_SNI_MULTI },
	{ "sni_ext_dup", TLS_F_SNI_EXT_DUP },
	{ "sni_other_type", TLS_F_SNI_OTHER_TYPE },
	{ "alpn", TLS_F_ALPN },
	{ "alpn_trunc", TLS_F_ALPN_TRUNC },
	{ "supported_versions", TLS_F_SUPPORTED_VERSIONS },
	{ "ech", TLS_F_ECH },
	{ "esni", TLS_F_ESNI },
	{ "grease", TLS_F_GREASE },
	{ "ext_dup", TLS_F_EXT_DUP },
	{ "no_exts", TLS_F_NO_EXTS },
	{ "rec_trailing", TLS_F_REC_TRAILING },
};

static enum tls_status status_from(const char *s)
{
	enum tls_status st;

	for (st = TLS_NEED_MORE; st <= TLS_MALFORMED; st++)
		if (strcmp(tls_status_str(st), s) == 0)
			return st;
	fail_msg("unknown status %s", s);
	return TLS_NEED_MORE;
}

static enum tls_reason reason_from(const char *s)
{
	int r;

	for (r = 0; r < TLS_R_COUNT; r++)
		if (strcmp(tls_reason_str((enum tls_reason)r), s) == 0)
			return (enum tls_reason)r;
	fail_msg("unknown reason %s", s);
	return TLS_R_NONE;
}

/* Splits a comma list, unescaping each item into out[]; returns the count. */
static uint32_t split_list(const char *s, struct bytes *out, uint32_t max)
{
	uint32_t n = 0;
	const char *e;

	if (strcmp(s, "-") == 0 || *s == '\0')
		return 0;
	for (;;) {
		e = strchr(s, ',');
		if (e == NULL)
			e = s + strlen(s);
		assert_true(n < max);
		out[n].len = unescape(s, (size_t)(e - s), out[n].b, sizeof(out[n].b));
		n++;
		if (*e == '\0')
			return n;
		s = e + 1;
	}
}

static uint32_t flags_from(const char *s)
{
	uint32_t f = 0;
	char tmp[512], *tok, *save = NULL;
	size_t i;

	if (strcmp(s, "-") == 0)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s", s);
	for (tok = strtok_r(tmp, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
			if (strcmp(flag_names[i].name, tok) == 0)
				break;
		if (i == sizeof(flag_names) / sizeof(flag_names[0]))
			fail_msg("unknown flag %s", tok);
		f |= flag_names[i].bit;
	}
	return f;
}

static void load_synthetic(void)
{
	char path[1024], line[8192];
	char *col[8], *save;
	FILE *f;
	size_t i, k;

	snprintf(path, sizeof(path), "%s/tls/vectors.tsv", kb_data_dir());
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		struct vec *v;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = '\0';
		save = line;
		for (k = 0; k < 8; k++)
			col[k] = strsep(&save, "\t");
		assert_non_null(col[7]);
		assert_true(n_vecs < MAX_VECS);
		v = &vecs[n_vecs++];
		memset(v, 0, sizeof(*v));
		snprintf(v->file, sizeof(v->file), "%s", col[0]);
		snprintf(path, sizeof(path), "%s/tls/%s", kb_data_dir(), col[0]);
		v->data = kb_read_file(path, &v->len);
		if (v->data == NULL)
			fail_msg("cannot read %s", path);
		v->status = status_from(col[1]);
		v->reason = reason_from(col[2]);
		v->max_version = strcmp(col[3], "-") == 0 ? -1 : (int)strtol(col[3], NULL, 0);
		v->flags = flags_from(col[4]);
		v->want.n_names = split_list(col[5], v->want.names, TLS_HELLO_MAX_NAMES);
		v->want.n_alpn = split_list(col[6], v->want.alpn, TLS_HELLO_MAX_ALPN);
		v->max_records = (uint32_t)strtoul(col[7], NULL, 10);
	}
	fclose(f);

	snprintf(path, sizeof(path), "%s/tls/lenfields.tsv", kb_data_dir());
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		struct lenfield *lf;
		char *tok;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = '\0';
		save = line;
		for (k = 0; k < 3; k++)
			col[k] = strsep(&save, "\t");
		assert_non_null(col[2]);
		for (i = 0; i < n_vecs; i++)
			if (strcmp(vecs[i].file, col[0]) == 0)
				break;
		assert_true(i < n_vecs);
		assert_true(n_fields < MAX_FIELDS);
		lf = &fields[n_fields++];
		lf->vec = i;
		snprintf(lf->name, sizeof(lf->name), "%s", col[1]);
		lf->width = 0;
		save = col[2];
		while ((tok = strsep(&save, ",")) != NULL) {
			assert_true(lf->width < 4);
			lf->off[lf->width] = strtoul(tok, NULL, 10);
			assert_true(lf->off[lf->width] < vecs[i].len);
			lf->width++;
		}
	}
	fclose(f);
}

/*
 * Real captures: tests/data/real/expected.tsv lists "file kind field names
 * notes" rows; the rows for *.tls.bin give the expected SNI (names separated
 * by commas). Every *.tls.bin there must have a row.
 */
/*
 * The notes column of expected.tsv: space-separated key=value facts such as
 * hello_len=508 extensions=12 records=1 versions=1.3/1.2 alpn=h2/http/1.1.
 */
static void parse_notes(struct vec *v, char *notes)
{
	static const struct {
		const char *name;
		long value;
	} versions[] = { { "1.3", 0x0304 }, { "1.2", 0x0303 }, { "1.1", 0x0302 },
			 { "1.0", 0x0301 } };
	char *tok, *save = NULL, *vs, *vsave;
	size_t i;

	for (tok = strtok_r(notes, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		if (strncmp(tok, "hello_len=", 10) == 0) {
			v->note_hello_len = strtol(tok + 10, NULL, 10);
		} else if (strncmp(tok, "extensions=", 11) == 0) {
			v->note_exts = strtol(tok + 11, NULL, 10);
		} else if (strncmp(tok, "records=", 8) == 0) {
			v->note_records = strtol(tok + 8, NULL, 10);
		} else if (strncmp(tok, "alpn=", 5) == 0) {
			snprintf(v->note_alpn, sizeof(v->note_alpn), "%s", tok + 5);
		} else if (strncmp(tok, "versions=", 9) == 0) {
			v->note_max_version = 0;
			for (vs = strtok_r(tok + 9, "/", &vsave); vs != NULL;
			     vs = strtok_r(NULL, "/", &vsave))
				for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
					if (strcmp(vs, versions[i].name) == 0 &&
					    versions[i].value > v->note_max_version)
						v->note_max_version = versions[i].value;
		}
	}
}

static size_t load_real(void)
{
	char dir[1024], path[1200], line[4096];
	char *col[5], *save;
	struct dirent *de;
	size_t n = 0, k, i;
	DIR *d;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/real", kb_data_dir());
	d = opendir(dir);
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		struct vec *v;

		if (l < 9 || strcmp(de->d_name + l - 8, ".tls.bin") != 0)
			continue;
		assert_true(n_vecs < MAX_VECS && n < MAX_REAL);
		v = &vecs[n_vecs++];
		memset(v, 0, sizeof(*v));
		assert_true(snprintf(v->file, sizeof(v->file), "real/%s", de->d_name) <
			    (int)sizeof(v->file));
		assert_true(snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) <
			    (int)sizeof(path));
		v->data = kb_read_file(path, &v->len);
		assert_non_null(v->data);
		v->real = true;
		v->note_hello_len = v->note_exts = v->note_records = -1;
		v->note_max_version = -1;
		v->status = TLS_DONE;
		v->reason = TLS_R_NONE;
		v->max_version = -1;
		v->flags = UINT32_MAX; /* not checked beyond SNI_EXT */
		n++;
	}
	closedir(d);
	if (n == 0)
		return 0;

	snprintf(path, sizeof(path), "%s/expected.tsv", dir);
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("%zu real captures but no %s", n, path);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = '\0';
		save = line;
		for (k = 0; k < 5; k++)
			col[k] = strsep(&save, "\t");
		if (col[3] == NULL)
			continue;
		for (i = n_vecs - n; i < n_vecs; i++)
			if (strcmp(vecs[i].file + 5, col[0]) == 0)
				break;
		if (i == n_vecs)
			continue;
		vecs[i].want.n_names = split_list(col[3], vecs[i].want.names,
						  TLS_HELLO_MAX_NAMES);
		vecs[i].has_expect = true;
		if (col[4] != NULL)
			parse_notes(&vecs[i], col[4]);
	}
	fclose(f);
	for (i = n_vecs - n; i < n_vecs; i++)
		CHECK(vecs[i].has_expect, "%s has no row in %s", vecs[i].file, path);
	return n;
}

static int setup(void **state)
{
	(void)state;
	load_synthetic();
	load_real();
	return 0;
}

static int teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < n_vecs; i++)
		free(vecs[i].data);
	n_vecs = 0;
	return 0;
}

/* The result of a vector fed whole matches its manifest row. */
static void check_want(const struct vec *v, const struct res *r)
{
	uint32_t i;

	CHECK(r->status == v->status && r->reason == v->reason, "%s: got %s, want %s/%s",
	      v->file, res_str(r), tls_status_str(v->status), tls_reason_str(v->reason));
	if (v->max_version >= 0)
		CHECK(r->max_version == v->max_version, "%s: max_version %#x, want %#x",
		      v->file, r->max_version, v->max_version);
	if (!v->real)
		CHECK(r->flags == v->flags, "%s: flags %#x, want %#x", v->file,
		      (unsigned)r->flags, (unsigned)v->flags);
	CHECK(r->n_names == v->want.n_names, "%s: got %s", v->file, res_str(r));
	for (i = 0; i < r->n_names; i++)
		CHECK(r->names[i].len == v->want.names[i].len &&
		      memcmp(r->names[i].b, v->want.names[i].b, r->names[i].len) == 0,
		      "%s: name %u is %.*s", v->file, (unsigned)i, (int)r->names[i].len,
		      (const char *)r->names[i].b);
	if (v->real) {
		char alpn[256] = "";
		size_t o = 0;

		CHECK(r->n_names == 0 || (r->flags & TLS_F_SNI_EXT), "%s", v->file);
		if (v->note_hello_len >= 0)
			CHECK(r->hello_len == v->note_hello_len, "%s: hello_len %u", v->file,
			      (unsigned)r->hello_len);
		if (v->note_exts >= 0)
			CHECK(r->n_exts == v->note_exts, "%s: %u extensions", v->file,
			      (unsigned)r->n_exts);
		if (v->note_records >= 0)
			CHECK(r->n_records == v->note_records, "%s: %u records", v->file,
			      (unsigned)r->n_records);
		if (v->note_max_version >= 0)
			CHECK(r->max_version == v->note_max_version, "%s: max_version %#x",
			      v->file, r->max_version);
		for (i = 0; i < r->n_alpn && o < sizeof(alpn) - 1; i++)
			o += (size_t)snprintf(alpn + o, sizeof(alpn) - o, "%s%.*s", i ? "/" : "",
					      (int)r->alpn[i].len, (const char *)r->alpn[i].b);
		CHECK(strcmp(alpn, v->note_alpn) == 0, "%s: ALPN %s, notes say %s", v->file,
		      alpn, v->note_alpn);
		return;
	}
	CHECK(r->n_alpn == v->want.n_alpn, "%s: %u ALPN, want %u", v->file,
	      (unsigned)r->n_alpn, (unsigned)v->want.n_alpn);
	for (i = 0; i < r->n_alpn; i++)
		CHECK(r->alpn[i].len == v->want.alpn[i].len &&
		      memcmp(r->alpn[i].b, v->want.alpn[i].b, r->alpn[i].len) == 0,
		      "%s: alpn %u differs", v->file, (unsigned)i);
}

/* ------------------------------------------------------------------------ */
/* Tests over every vector */

static void test_vectors_whole(void **state)
{
	struct res r;
	size_t i;

	(void)state;
	assert_true(n_vecs > 50);
	for (i = 0; i < n_vecs; i++) {
		feed_whole(vecs[i].data, vecs[i].len, TLS_HELLO_DEFAULT_CAP,
			   vecs[i].max_records, &r);
		check_want(&vecs[i], &r);
	}
}

/*
 * Every prefix, fed in one call: NEED_MORE up to some length K, the final
 * result from K on; for a hello, need() never promises more than is missing.
 */
static void test_vectors_prefixes(void **state)
{
	struct res whole, r;
	uint8_t *buf = malloc(TLS_HELLO_DEFAULT_CAP);
	struct tls_hello st;
	size_t i, k, first_done;

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < n_vecs; i++) {
		const struct vec *v = &vecs[i];

		feed_whole(v->data, v->len, TLS_HELLO_DEFAULT_CAP, v->max_records, &whole);
		first_done = SIZE_MAX;
		for (k = 0; k <= v->len; k++) {
			tls_hello_init(&st, buf, TLS_HELLO_DEFAULT_CAP);
			if (v->max_records != 0)
				st.max_records = v->max_records;
			tls_hello_feed(&st, v->data, k);
			snap(&st, &r);
			if (r.status == TLS_NEED_MORE) {
				CHECK(first_done == SIZE_MAX, "%s: prefix %zu NEED_MORE after "
				      "%zu gave %s", v->file, k, first_done,
				      tls_status_str(whole.status));
				CHECK(r.n_names == 0, "%s: names at prefix %zu", v->file, k);
				continue;
			}
			if (first_done == SIZE_MAX)
				first_done = k;
			CHECK(res_eq(&r, &whole), "%s: prefix %zu gave %s", v->file, k,
			      res_str(&r));
		}
		CHECK(whole.status == TLS_NEED_MORE || first_done != SIZE_MAX, "%s", v->file);
		/* a real capture ends with its hello: no shorter prefix may finish */
		if (v->real)
			CHECK(first_done == v->len, "%s: finished at %zu of %zu", v->file,
			      first_done, v->len);
		if (whole.status != TLS_DONE)
			continue;
		/* need() is a lower bound on what each prefix lacks */
		for (k = 0; k < first_done; k++) {
			size_t need;

			tls_hello_init(&st, buf, TLS_HELLO_DEFAULT_CAP);
			if (v->max_records != 0)
				st.max_records = v->max_records;
			tls_hello_feed(&st, v->data, k);
			need = tls_hello_need(&st);
			CHECK(need >= 1 && need <= first_done - k, "%s: prefix %zu need %zu, "
			      "done at %zu", v->file, k, need, first_done);
		}
	}
	free(buf);
}

static void test_vectors_splits(void **state)
{
	struct res whole, r;
	size_t i, cut;

	(void)state;
	for (i = 0; i < n_vecs; i++) {
		const struct vec *v = &vecs[i];

		feed_whole(v->data, v->len, TLS_HELLO_DEFAULT_CAP, v->max_records, &whole);
		for (cut = 0; cut <= v->len; cut++) {
			feed_cuts(v->data, v->len, &cut, 1, TLS_HELLO_DEFAULT_CAP,
				  v->max_records, &r);
			CHECK(res_eq(&r, &whole), "%s: split at %zu gave %s, whole %s",
			      v->file, cut, res_str(&r), tls_status_str(whole.status));
		}
	}
}

static void test_vectors_chunked(void **state)
{
	struct res whole, r;
	size_t *cuts;
	size_t i, k, n, j, pos;

	(void)state;
	for (i = 0; i < n_vecs; i++) {
		const struct vec *v = &vecs[i];

		feed_whole(v->data, v->len, TLS_HELLO_DEFAULT_CAP, v->max_records, &whole);
		cuts = malloc((v->len + 1) * sizeof(*cuts));
		assert_non_null(cuts);
		/* one byte at a time */
		for (k = 0; k < v->len; k++)
			cuts[k] = k + 1;
		feed_cuts(v->data, v->len, cuts, v->len, TLS_HELLO_DEFAULT_CAP,
			  v->max_records, &r);
		CHECK(res_eq(&r, &whole), "%s: 1-byte feeding gave %s", v->file, res_str(&r));
		/* random chunk sizes: small ones often, large ones sometimes */
		kb_rng_seed(0x5eed0000u + i);
		for (j = 0; j < RANDOM_CHUNKINGS; j++) {
			n = 0;
			pos = 0;
			while (pos < v->len) {
				uint64_t x = kb_rng_next();
				size_t step = (x & 3) == 0 ? 1 + (x >> 8) % 600 : 1 + (x >> 8) % 12;

				pos += step;
				if (pos > v->len)
					pos = v->len;
				cuts[n++] = pos;
			}
			feed_cuts(v->data, v->len, cuts, n, TLS_HELLO_DEFAULT_CAP,
				  v->max_records, &r);
			CHECK(res_eq(&r, &whole), "%s: chunking %zu gave %s", v->file, j,
			      res_str(&r));
		}
		free(cuts);
	}
}

/*
 * Collects the handshake bytes of a record stream (record payloads in order),
 * as a QUIC CRYPTO stream would carry them. Returns their length.
 */
static size_t deframe(const uint8_t *d, size_t len, uint8_t *out, size_t cap)
{
	size_t off = 0, o = 0, n;

	while (len - off >= 5 && d[off] == 22) {
		n = (size_t)d[off + 3] << 8 | d[off + 4];
		off += 5;
		if (n > len - off)
			n = len - off;
		if (n > cap - o)
			n = cap - o;
		memcpy(out + o, d + off, n);
		o += n;
		off += n;
	}
	return o;
}

/* The record-less entry points agree with the record one on every hello. */
static void test_vectors_handshake_entry(void **state)
{
	uint8_t *hs = malloc(70000), *buf = malloc(TLS_HELLO_DEFAULT_CAP);
	struct res whole, r;
	struct tls_hello st;
	size_t i, n, k, msg_len;

	(void)state;
	assert_non_null(hs);
	assert_non_null(buf);
	for (i = 0; i < n_vecs; i++) {
		const struct vec *v = &vecs[i];
		uint8_t *msg;

		feed_whole(v->data, v->len, TLS_HELLO_DEFAULT_CAP, v->max_records, &whole);
		if (whole.status != TLS_DONE)
			continue;
		whole.flags &= ~(uint32_t)TLS_F_REC_TRAILING;
		n = deframe(v->data, v->len, hs, 70000);
		msg_len = 4 + whole.hello_len;
		assert_true(n >= msg_len);
		/* one-shot, in place, on an exact-size copy */
		msg = malloc(msg_len);
		assert_non_null(msg);
		memcpy(msg, hs, msg_len);
		tls_hello_init(&st, NULL, 0);
		assert_int_equal(tls_hello_parse_handshake(&st, msg, msg_len), TLS_DONE);
		check_slices(&st, msg, msg_len);
		assert_int_equal(st.record_version, 0);
		snap(&st, &r);
		CHECK(res_eq(&r, &whole), "%s: parse_handshake gave %s", v->file, res_str(&r));
		/* every shorter message asks for exactly what is missing */
		for (k = 0; k < msg_len; k++) {
			tls_hello_init(&st, NULL, 0);
			assert_int_equal(tls_hello_parse_handshake(&st, msg, k), TLS_NEED_MORE);
			assert_int_equal(st.n_names, 0);
			if (k >= 4)
				assert_int_equal(tls_hello_need(&st), msg_len - k);
			else
				assert_true(tls_hello_need(&st) >= 1 &&
					    tls_hello_need(&st) <= msg_len - k);
		}
		/* a retry with the longer message after NEED_MORE */
		tls_hello_init(&st, NULL, 0);
		assert_int_equal(tls_hello_parse_handshake(&st, msg, msg_len / 2), TLS_NEED_MORE);
		assert_int_equal(tls_hello_parse_handshake(&st, msg, msg_len), TLS_DONE);
		snap(&st, &r);
		assert_true(res_eq(&r, &whole));
		free(msg);
		/* handshake stream, byte by byte then in two halves, with what follows */
		tls_hello_init(&st, buf, TLS_HELLO_DEFAULT_CAP);
		for (k = 0; k < n; k++) {
			enum tls_status s = tls_hello_feed_handshake(&st, hs + k, 1);

			if (k + 1 < msg_len) {
				assert_int_equal(s, TLS_NEED_MORE);
				if (k + 1 >= 4)
					assert_int_equal(tls_hello_need(&st), msg_len - k - 1);
				else
					assert_true(tls_hello_need(&st) <= msg_len - k - 1);
			} else {
				assert_int_equal(s, TLS_DONE);
			}
		}
		check_slices(&st, buf, TLS_HELLO_DEFAULT_CAP);
		snap(&st, &r);
		CHECK(res_eq(&r, &whole), "%s: feed_handshake gave %s", v->file, res_str(&r));
		tls_hello_init(&st, buf, TLS_HELLO_DEFAULT_CAP);
		tls_hello_feed_handshake(&st, hs, n / 2);
		assert_int_equal(tls_hello_feed_handshake(&st, hs + n / 2, n - n / 2), TLS_DONE);
		snap(&st, &r);
		assert_true(res_eq(&r, &whole));
	}
	free(hs);
	free(buf);
}

/*
 * Every recorded length field set to +1, -1, 0 and its maximum: never a crash,
 * never a name the vector does not carry, and chunking still changes nothing.
 */
static void test_mutated_lengths(void **state)
{
	size_t i, m, k, *cuts, n_tried = 0, n_malformed = 0;
	struct res r, r1;

	(void)state;
	assert_true(n_fields > 300);
	for (i = 0; i < n_fields; i++) {
		const struct lenfield *lf = &fields[i];
		const struct vec *v = &vecs[lf->vec];
		uint64_t orig = 0, max = (1ull << (8 * lf->width)) - 1;
		uint8_t *d = malloc(v->len);

		assert_non_null(d);
		for (k = 0; k < lf->width; k++)
			orig = orig << 8 | v->data[lf->off[k]];
		for (m = 0; m < 4; m++) {
			uint64_t val = m == 0 ? orig + 1 : m == 1 ? orig - 1 : m == 2 ? 0 : max;

			val &= max;
			if (val == orig)
				continue;
			memcpy(d, v->data, v->len);
			for (k = 0; k < lf->width; k++)
				d[lf->off[k]] = (uint8_t)(val >> (8 * (lf->width - 1 - k)));
			feed_whole(d, v->len, TLS_HELLO_DEFAULT_CAP, v->max_records, &r);
			n_tried++;
			if (r.status == TLS_MALFORMED)
				n_malformed++;
			CHECK(r.status == TLS_MALFORMED || r.status == TLS_NEED_MORE ||
			      (r.status == TLS_DONE && r.n_names == v->want.n_names),
			      "%s: %s %#llx -> %#llx gave %s", v->file, lf->name,
			      (unsigned long long)orig, (unsigned long long)val, res_str(&r));
			if (r.status == TLS_DONE) {
				/* only the names the vector carries, in order */
				for (k = 0; k < r.n_names; k++)
					CHECK(r.names[k].len == v->want.names[k].len &&
					      memcmp(r.names[k].b, v->want.names[k].b,
						     r.names[k].len) == 0,
					      "%s: %s -> %#llx: name %zu differs", v->file,
					      lf->name, (unsigned long long)val, k);
			}
			cuts = malloc(v->len * sizeof(*cuts) + 1);
			assert_non_null(cuts);
			for (k = 0; k < v->len; k++)
				cuts[k] = k + 1;
			feed_cuts(d, v->len, cuts, v->len, TLS_HELLO_DEFAULT_CAP,
				  v->max_records, &r1);
			CHECK(res_eq(&r, &r1), "%s: %s -> %#llx: 1-byte feeding differs",
			      v->file, lf->name, (unsigned long long)val);
			free(cuts);
		}
		free(d);
	}
	print_message("mutated %zu length fields: %zu MALFORMED\n", n_tried, n_malformed);
	assert_true(n_malformed > n_tried / 2);
}

/* ------------------------------------------------------------------------ */
/* Targeted tests */

static const struct vec *vec_by_name(const char *file)
{
	size_t i;

	for (i = 0; i < n_vecs; i++)
		if (strcmp(vecs[i].file, file) == 0)
			return &vecs[i];
	fail_msg("no vector %s", file);
	return NULL;
}

/* NOT_TLS is decided at the first byte that rules TLS out. */
static void test_not_tls_early(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		size_t decided_at;
		enum tls_reason reason;
	} cases[] = {
		{ "GET / HTTP/1.1\r\n", 16, 1, TLS_R_CONTENT_TYPE },
		{ "SSH-2.0-x\r\n", 11, 1, TLS_R_CONTENT_TYPE },
		{ "\x17\x03\x03\x00\x10", 5, 1, TLS_R_CONTENT_TYPE },
		{ "\x00\x00\x00\x00", 4, 1, TLS_R_CONTENT_TYPE },
		{ "\x16\x02\x00\x00\x10", 5, 2, TLS_R_RECORD_VERSION },
		{ "\x16\x03\x05\x00\x10", 5, 3, TLS_R_RECORD_VERSION },
		{ "\x16\x03\x01\x00\x30\x02\x00\x00\x2c", 9, 6, TLS_R_HS_TYPE },
		{ "\x16\x03\x01\x00\x30\x00", 6, 6, TLS_R_HS_TYPE },
		{ "\x80\x2e\x01\x03\x01", 5, 4, TLS_R_SSLV2 },
		{ "\x80\x2e\x01\x00\x02", 5, 4, TLS_R_SSLV2 },
		{ "\x80\x2e\x02\x03\x01", 5, 4, TLS_R_CONTENT_TYPE },
		{ "\xff\xfe\xfd\xfc", 4, 4, TLS_R_CONTENT_TYPE },
	};
	uint8_t buf[64];
	struct tls_hello st;
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const uint8_t *b = (const uint8_t *)cases[i].bytes;

		for (k = 0; k <= cases[i].len; k++) {
			tls_hello_init(&st, buf, sizeof(buf));
			tls_hello_feed(&st, b, k);
			if (k < cases[i].decided_at) {
				CHECK(st.status == TLS_NEED_MORE, "case %zu at %zu", i, k);
			} else {
				CHECK(st.status == TLS_NOT_TLS && st.reason == cases[i].reason,
				      "case %zu at %zu: %s/%s", i, k, tls_status_str(st.status),
				      tls_reason_str(st.reason));
			}
		}
	}
}

/* Random bytes: never DONE, and NOT_TLS at once unless they start like TLS. */
static void test_random_bytes(void **state)
{
	uint8_t data[512], buf[1024];
	struct tls_hello st;
	size_t i, k, n_not = 0;

	(void)state;
	kb_rng_seed(0xdecafbad);
	for (i = 0; i < 20000; i++) {
		for (k = 0; k < sizeof(data); k++)
			data[k] = (uint8_t)kb_rng_next();
		if (i % 4 == 0) {
			/* a TLS-looking start, the rest random */
			data[0] = 22;
			data[1] = 3;
			data[2] = (uint8_t)(i % 5);
			data[5] = 1;
		}
		tls_hello_init(&st, buf, sizeof(buf));
		tls_hello_feed(&st, data, sizeof(data));
		assert_int_not_equal(st.status, TLS_DONE);
		check_slices(&st, buf, sizeof(buf));
		if (data[0] != 22 && !(data[0] & 0x80)) {
			tls_hello_init(&st, buf, sizeof(buf));
			assert_int_equal(tls_hello_feed(&st, data, 1), TLS_NOT_TLS);
		}
		n_not += st.status == TLS_NOT_TLS;
	}
	assert_true(n_not > 10000);
}

/* A hello longer than the buffer is TOO_BIG, known from the handshake header. */
static void test_cap(void **state)
{
	const struct vec *v = vec_by_name("hello_tls13_basic.bin");
	struct res whole, r;
	uint8_t *buf;
	struct tls_hello st;
	size_t body;

	(void)state;
	feed_whole(v->data, v->len, TLS_HELLO_DEFAULT_CAP, 0, &whole);
	assert_int_equal(whole.status, TLS_DONE);
	body = whole.hello_len;

	/* exact fit, in an exact-size buffer */
	feed_whole(v->data, v->len, body, 0, &r);
	assert_true(res_eq(&r, &whole));
	/* one byte short: decided once the 4-byte handshake header is in */
	buf = malloc(body - 1);
	assert_non_null(buf);
	tls_hello_init(&st, buf, body - 1);
	assert_int_equal(tls_hello_feed(&st, v->data, 8), TLS_NEED_MORE);
	assert_int_equal(tls_hello_feed(&st, v->data + 8, 1), TLS_MALFORMED);
	assert_int_equal(st.reason, TLS_R_TOO_BIG);
	free(buf);
	/* no buffer at all */
	tls_hello_init(&st, NULL, 4096);
	assert_int_equal(st.cap, 0);
	assert_int_equal(tls_hello_feed(&st, v->data, v->len), TLS_MALFORMED);
	assert_int_equal(st.reason, TLS_R_TOO_BIG);
	/* a 16 KiB hello fits the default cap, one byte more does not */
	v = vec_by_name("hello_just_fits.bin");
	feed_whole(v->data, v->len, TLS_HELLO_DEFAULT_CAP, 0, &r);
	assert_int_equal(r.status, TLS_DONE);
	assert_int_equal(r.hello_len, TLS_HELLO_DEFAULT_CAP);
	feed_whole(v->data, v->len, TLS_HELLO_DEFAULT_CAP - 1, 0, &r);
	assert_int_equal(r.status, TLS_MALFORMED);
	assert_int_equal(r.reason, TLS_R_TOO_BIG);
}

/* The record limit is the state's max_records, 64 by default. */
static void test_max_records(void **state)
{
	const struct vec *v64 = vec_by_name("hello_split_64_records.bin");
	const struct vec *v65 = vec_by_name("hello_split_65_records.bin");
	const struct vec *v1 = vec_by_name("hello_split_1byte_records.bin");
	struct res r;

	(void)state;
	feed_whole(v64->data, v64->len, TLS_HELLO_DEFAULT_CAP, 0, &r);
	assert_int_equal(r.status, TLS_DONE);
	feed_whole(v64->data, v64->len, TLS_HELLO_DEFAULT_CAP, 63, &r);
	assert_int_equal(r.reason, TLS_R_TOO_MANY_RECORDS);
	feed_whole(v65->data, v65->len, TLS_HELLO_DEFAULT_CAP, 65, &r);
	assert_int_equal(r.status, TLS_DONE);
	assert_int_equal(r.n_names, 1);
	feed_whole(v1->data, v1->len, TLS_HELLO_DEFAULT_CAP, 0, &r);
	assert_int_equal(r.reason, TLS_R_TOO_MANY_RECORDS);
	feed_whole(v1->data, v1->len, TLS_HELLO_DEFAULT_CAP, 10000, &r);
	assert_int_equal(r.status, TLS_DONE);
}

/* Results point into the state's buffer: they outlive the fed chunks. */
static void test_results_outlive_input(void **state)
{
	const struct vec *v = vec_by_name("hello_sni_two_exts.bin");
	uint8_t *copy = malloc(v->len), buf[2048];
	struct tls_hello st;

	(void)state;
	assert_non_null(copy);
	memcpy(copy, v->data, v->len);
	tls_hello_init(&st, buf, sizeof(buf));
	assert_int_equal(tls_hello_feed(&st, copy, v->len), TLS_DONE);
	memset(copy, 0xee, v->len);
	free(copy);
	assert_int_equal(st.n_names, 2);
	assert_memory_equal(st.names[0].p, "first.example", 13);
	assert_memory_equal(st.names[1].p, "second.example", 14);
	assert_true(st.names[0].p >= buf && st.names[1].p < buf + sizeof(buf));
}

static void test_need(void **state)
{
	const struct vec *v = vec_by_name("hello_tls12_basic.bin");
	uint8_t buf[4096];
	struct tls_hello st;
	size_t hs_len;

	(void)state;
	tls_hello_init(&st, buf, sizeof(buf));
	/* record header + handshake header + the smallest body */
	assert_int_equal(tls_hello_need(&st), 5 + 4 + 41);
	tls_hello_feed(&st, v->data, 5);
	assert_int_equal(tls_hello_need(&st), 4 + 41);
	tls_hello_feed(&st, v->data + 5, 4);
	hs_len = (size_t)v->data[6] << 16 | (size_t)v->data[7] << 8 | v->data[8];
	assert_int_equal(tls_hello_need(&st), hs_len);
	tls_hello_feed(&st, v->data + 9, 10);
	assert_int_equal(tls_hello_need(&st), hs_len - 10);
	assert_int_equal(tls_hello_feed(&st, v->data + 19, v->len - 19), TLS_DONE);
	assert_int_equal(tls_hello_need(&st), 0);
	/* a record ending before the hello adds the next record header */
	v = vec_by_name("hello_split_2_records.bin");
	tls_hello_init(&st, buf, sizeof(buf));
	tls_hello_feed(&st, v->data, 5 + 100);
	hs_len = (size_t)v->data[6] << 16 | (size_t)v->data[7] << 8 | v->data[8];
	assert_int_equal(tls_hello_need(&st), 5 + hs_len + 4 - 100);
	assert_int_equal(tls_hello_need(&st), v->len - 105);
}

/* The record-less entry points turn away what is not a ClientHello. */
static void test_handshake_entry_errors(void **state)
{
	static const uint8_t server_hello[] = { 2, 0, 0, 41 };
	static const uint8_t short_hello[] = { 1, 0, 0, 40 };
	uint8_t buf[256];
	struct tls_hello st;

	(void)state;
	tls_hello_init(&st, NULL, 0);
	assert_int_equal(tls_hello_parse_handshake(&st, server_hello, 1), TLS_NOT_TLS);
	assert_int_equal(st.reason, TLS_R_HS_TYPE);
	tls_hello_init(&st, NULL, 0);
	assert_int_equal(tls_hello_parse_handshake(&st, short_hello, 3), TLS_NEED_MORE);
	assert_int_equal(tls_hello_parse_handshake(&st, short_hello, 4), TLS_MALFORMED);
	assert_int_equal(st.reason, TLS_R_HS_LEN);
	tls_hello_init(&st, NULL, 0);
	assert_int_equal(tls_hello_parse_handshake(&st, NULL, 0), TLS_NEED_MORE);

	tls_hello_init(&st, buf, sizeof(buf));
	assert_int_equal(tls_hello_feed_handshake(&st, NULL, 0), TLS_NEED_MORE);
	assert_int_equal(tls_hello_need(&st), 4 + 41);
	assert_int_equal(tls_hello_feed_handshake(&st, server_hello, 4), TLS_NOT_TLS);
	assert_int_equal(st.reason, TLS_R_HS_TYPE);
	tls_hello_init(&st, buf, sizeof(buf));
	assert_int_equal(tls_hello_feed_handshake(&st, short_hello, 4), TLS_MALFORMED);
	assert_int_equal(st.reason, TLS_R_HS_LEN);
}

/* GREASE among the cipher suites (read 8 bytes a step): every one of the
 * 16 values at every position of lists of 1 to 40 suites, near misses that
 * differ in one nibble or byte, and random lists against a value-by-value
 * reference. */
static bool ref_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static bool suites_grease(const uint16_t *suites, size_t n)
{
	uint8_t msg[4 + 2 + 32 + 1 + 2 + 2 * 64 + 2];
	size_t k = 0, body;
	struct tls_hello st;

	msg[k++] = 1;
	k += 3; /* length below */
	msg[k++] = 3;
	msg[k++] = 3;
	memset(msg + k, 0x5a, 32);
	k += 32;
	msg[k++] = 0; /* session id */
	msg[k++] = (uint8_t)(2 * n >> 8);
	msg[k++] = (uint8_t)(2 * n);
	for (size_t i = 0; i < n; i++) {
		msg[k++] = (uint8_t)(suites[i] >> 8);
		msg[k++] = (uint8_t)suites[i];
	}
	msg[k++] = 1; /* compression: null */
	msg[k++] = 0;
	body = k - 4;
	assert_true(body >= 41); /* the smallest body the parser takes */
	msg[1] = 0;
	msg[2] = (uint8_t)(body >> 8);
	msg[3] = (uint8_t)body;
	tls_hello_init(&st, NULL, 0);
	assert_int_equal(tls_hello_parse_handshake(&st, msg, k), TLS_DONE);
	return (st.flags & TLS_F_GREASE) != 0;
}

static void test_grease_suites(void **state)
{
	uint16_t suites[64];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	(void)state;

	for (size_t n = 1; n <= 40; n++) {
		for (size_t i = 0; i < n; i++)
			suites[i] = 0x1301;
		assert_false(suites_grease(suites, n));
		for (size_t at = 0; at < n; at++) {
			for (unsigned g = 0; g < 16; g++) {
				uint16_t v = (uint16_t)((g << 4 | 0xa) * 0x0101u);
				static const uint16_t flip[] = { 0x0100, 0x0001, 0x1000, 0x0010, 0x0101 };
				suites[at] = v;
				assert_true(suites_grease(suites, n));
				for (size_t f = 0; f < sizeof(flip) / sizeof(flip[0]); f++) {
					suites[at] = (uint16_t)(v ^ flip[f]);
					assert_int_equal(suites_grease(suites, n), ref_grease(suites[at]));
				}
			}
			suites[at] = 0x1301;
		}
	}
	for (unsigned t = 0; t < 20000; t++) {
		size_t n = 1 + t % 64;
		bool want = false;
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			/* Bias towards the GREASE pattern so both outcomes occur. */
			uint16_t v = (uint16_t)x;
			if ((x >> 20) % 4 == 0)
				v = (uint16_t)((v & 0xf0f0) | 0x0a0a);
			if ((x >> 24) % 8 == 0)
				v = (uint16_t)((v >> 8) * 0x0101u | 0x0a0a);
			suites[i] = v;
			want |= ref_grease(v);
		}
		assert_int_equal(suites_grease(suites, n), want);
	}
}

static void test_reason_strings(void **state)
{
	const char *seen[TLS_R_COUNT];
	int r, k;

	(void)state;
	for (r = 0; r < TLS_R_COUNT; r++) {
		seen[r] = tls_reason_str((enum tls_reason)r);
		assert_string_not_equal(seen[r], "unknown");
		for (k = 0; k < r; k++)
			assert_string_not_equal(seen[k], seen[r]);
	}
	assert_string_equal(tls_reason_str(TLS_R_COUNT), "unknown");
	assert_string_equal(tls_reason_str((enum tls_reason)-1), "unknown");
	assert_string_equal(tls_reason_str(TLS_R_TOO_BIG), "too_big");
	assert_string_equal(tls_status_str(TLS_NOT_TLS), "not_tls");
}

/* The real captures: reported so a missing directory is visible in the log. */
static void test_real_captures(void **state)
{
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < n_vecs; i++)
		n += vecs[i].real;
	print_message("real captures in %s/real: %zu (checked by every vector test)\n",
		      kb_data_dir(), n);
	if (n == 0)
		skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_whole),
		cmocka_unit_test(test_vectors_prefixes),
		cmocka_unit_test(test_vectors_splits),
		cmocka_unit_test(test_vectors_chunked),
		cmocka_unit_test(test_vectors_handshake_entry),
		cmocka_unit_test(test_mutated_lengths),
		cmocka_unit_test(test_not_tls_early),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_max_records),
		cmocka_unit_test(test_results_outlive_input),
		cmocka_unit_test(test_need),
		cmocka_unit_test(test_handshake_entry_errors),
		cmocka_unit_test(test_grease_suites),
		cmocka_unit_test(test_reason_strings),
		cmocka_unit_test(test_real_captures),
	};

	return cmocka_run_group_tests_name("tls_hello", tests, setup, teardown);
}
