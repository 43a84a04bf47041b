/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the client-stream reassembly (dataplane/reasm.c).
 *
 * Expected results come from two places: hand-written cases with the
 * answer worked out in the comment above each, and a byte-map reference
 * (struct model below: one "have" flag and one value per stream offset,
 * written from the policy in docs/reassembly.md, sharing no code with
 * reasm.c) that the randomised tests replay segment by segment. The real
 * ClientHellos in $KB_TEST_DATA/tls are reassembled from random splits and
 * shuffles and then parsed, so the parser finds the expected name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#define KB_RNG_SEED 0
#include "kb_test.h"

#include "reasm.h"
#include "tls_hello.h"

/* ---- helpers ---------------------------------------------------------- */

struct pool {
	struct reasm_pool p;
	void *mem;
};

static void pool_open(struct pool *pl, uint32_t n, uint32_t cap)
{
	size_t sz = reasm_pool_mem_size(n, cap);

	assert_true(sz > 0);
	pl->mem = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	assert_non_null(pl->mem);
	memset(pl->mem, 0xa5, sz); /* init must not rely on zeroed memory */
	assert_int_equal(reasm_pool_init(&pl->p, pl->mem, n, cap), 0);
}

static void pool_close(struct pool *pl)
{
	free(pl->mem);
}

static uint32_t slot(struct pool *pl, uint32_t base)
{
	uint32_t h;

	assert_int_equal(reasm_alloc(&pl->p, base, &h), REASM_OK);
	return h;
}

/* The delivered stream, rebuilt from the spans the adds return. */
struct sink {
	uint8_t *b;
	uint32_t n;
	uint32_t cap;
};

static void sink_take(struct sink *s, const struct reasm_span *sp)
{
	assert_int_equal(sp->from, s->n); /* spans follow each other exactly */
	assert_true(sp->to >= sp->from);
	assert_true(sp->to <= s->cap);
	memcpy(s->b + s->n, sp->data, sp->to - sp->from);
	s->n = sp->to;
}

static enum reasm_status add(struct pool *pl, uint32_t h, uint32_t seq, const void *d,
			     uint32_t len, struct sink *s)
{
	struct reasm_span sp;
	enum reasm_status st = reasm_add(&pl->p, h, seq, d, len, &sp);

	if (st == REASM_OK || st == REASM_CAPPED) {
		sink_take(s, &sp);
	} else {
		assert_int_equal(sp.to, sp.from);
	}
	return st;
}

static uint8_t *load(const char *name, size_t *len)
{
	const char *dir = getenv("KB_TEST_DATA");
	char path[1024];
	FILE *f;
	uint8_t *b;
	long n;

	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/tls/%s", dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	b = malloc((size_t)n);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* ---- reference model --------------------------------------------------- */

struct model {
	uint32_t cap;
	uint32_t contig;
	uint8_t *have;
	uint8_t *val;
};

static void model_open(struct model *m, uint32_t cap)
{
	m->cap = cap;
	m->contig = 0;
	m->have = calloc(cap, 1);
	m->val = calloc(cap, 1);
	assert_non_null(m->have);
	assert_non_null(m->val);
}

static void model_close(struct model *m)
{
	free(m->have);
	free(m->val);
}

/* Maximal runs of held bytes past the contiguous prefix, with [a, b) added. */
static unsigned model_runs(const struct model *m, uint32_t a, uint32_t b)
{
	unsigned runs = 0;
	uint32_t i = 0;
	bool in = false;

	while (i < m->cap && (m->have[i] || (i >= a && i < b)))
		i++;
	for (; i < m->cap; i++) {
		bool h = m->have[i] || (i >= a && i < b);

		if (h && !in)
			runs++;
		in = h;
	}
	return runs;
}

/* The policy of docs/reassembly.md, byte by byte. */
static enum reasm_status model_add(struct model *m, int64_t start, const uint8_t *d,
				   uint32_t len)
{
	int64_t end = start + len;
	bool capped = false;
	uint32_t a, b;

	if (len == 0)
		return REASM_OK;
	if (end <= 0)
		return REASM_OK;
	if (start < 0) {
		d += -start;
		start = 0;
	}
	if (end > m->cap) {
		capped = true;
		end = m->cap;
		if (start >= end)
			return REASM_CAPPED;
	}
	a = (uint32_t)start;
	b = (uint32_t)end;
	for (uint32_t i = a; i < b; i++)
		if (m->have[i] && m->val[i] != d[i - a])
			return REASM_CONFLICT;
	if (model_runs(m, a, b) > REASM_MAX_RANGES)
		return REASM_TOO_MANY_HOLES;
	for (uint32_t i = a; i < b; i++) {
		m->have[i] = 1;
		m->val[i] = d[i - a];
	}
	while (m->contig < m->cap && m->have[m->contig])
		m->contig++;
	return capped ? REASM_CAPPED : REASM_OK;
}

/* ---- pool -------------------------------------------------------------- */

static void test_mem_size(void **state)
{
	(void)state;
	assert_int_equal(reasm_pool_mem_size(0, 100), 0);
	assert_int_equal(reasm_pool_mem_size(1, 0), 0);
	assert_int_equal(reasm_pool_mem_size(1, REASM_MAX_CAP + 1), 0);
	assert_int_equal(reasm_pool_mem_size(REASM_MAX_SLOTS + 1, 64), 0);
	/* 64 B metadata + 4 B free-list cell (rounded to 64 for the pool) + cap
	 * rounded to 64. */
	assert_int_equal(reasm_pool_mem_size(1, 100), 64 + 64 + 128);
	assert_int_equal(reasm_pool_mem_size(16, 64), 16 * 64 + 64 + 16 * 64);
	assert_int_equal(reasm_slot_bytes(REASM_DEFAULT_CAP), 64 + 4 + 16640);
	assert_int_equal(REASM_DEFAULT_CAP % 64, 0);
}

static void test_init_rejects(void **state)
{
	struct reasm_pool p;
	void *mem = aligned_alloc(64, 4096);

	(void)state;
	assert_non_null(mem);
	assert_int_equal(reasm_pool_init(&p, NULL, 1, 64), -EINVAL);
	assert_int_equal(reasm_pool_init(&p, (uint8_t *)mem + 8, 1, 64), -EINVAL);
	assert_int_equal(reasm_pool_init(&p, mem, 0, 64), -EINVAL);
	assert_int_equal(reasm_pool_init(&p, mem, 1, 0), -EINVAL);
	assert_int_equal(reasm_pool_init(&p, mem, 1, 64), 0);
	free(mem);
}

/* n slots: n allocs succeed with distinct handles, the next is POOL_EMPTY
 * (counted); a freed slot comes back clean; double free and use after free
 * are counted and refused. */
static void test_pool_exhaustion_and_reuse(void **state)
{
	struct pool pl;
	uint32_t h[8], x;
	uint8_t seen[8] = { 0 };
	struct reasm_span sp;

	(void)state;
	pool_open(&pl, 8, 256);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(reasm_alloc(&pl.p, 1000, &h[i]), REASM_OK);
		assert_true(h[i] < 8);
		assert_int_equal(seen[h[i]], 0);
		seen[h[i]] = 1;
	}
	assert_int_equal(reasm_free_count(&pl.p), 0);
	assert_int_equal(reasm_alloc(&pl.p, 1000, &x), REASM_POOL_EMPTY);
	assert_int_equal(x, REASM_NONE);
	assert_int_equal(reasm_alloc(&pl.p, 1000, &x), REASM_POOL_EMPTY);
	assert_int_equal(pl.p.cnt.pool_empty, 2);
	assert_int_equal(pl.p.cnt.allocs, 8);

	/* Put data in slot h[3], free it, take it again: empty again. */
	assert_int_equal(reasm_add(&pl.p, h[3], 1000, (const uint8_t *)"abcdef", 6, &sp), REASM_OK);
	assert_int_equal(reasm_add(&pl.p, h[3], 1010, (const uint8_t *)"zz", 2, &sp), REASM_OK);
	assert_int_equal(reasm_contig(&pl.p, h[3]), 6);
	reasm_free(&pl.p, h[3]);
	assert_int_equal(reasm_free_count(&pl.p), 1);
	assert_int_equal(reasm_add(&pl.p, h[3], 1000, (const uint8_t *)"a", 1, &sp),
			 REASM_BAD_HANDLE);
	reasm_free(&pl.p, h[3]); /* double free: ignored */
	assert_int_equal(reasm_free_count(&pl.p), 1);
	assert_int_equal(pl.p.cnt.bad_handles, 2);
	reasm_free(&pl.p, 12345);
	assert_int_equal(pl.p.cnt.bad_handles, 3);

	assert_int_equal(reasm_alloc(&pl.p, 5000, &x), REASM_OK);
	assert_int_equal(x, h[3]);
	assert_int_equal(reasm_contig(&pl.p, x), 0);
	assert_int_equal(reasm_flags(&pl.p, x), REASM_F_USED);
	/* The old held range [10, 12) is gone: bytes "XY" at offset 10 of the
	 * new stream are no conflict, and offset 0 starts from scratch. */
	assert_int_equal(reasm_add(&pl.p, x, 5010, (const uint8_t *)"XY", 2, &sp), REASM_OK);
	assert_int_equal(reasm_add(&pl.p, x, 5000, (const uint8_t *)"0123456789", 10, &sp),
			 REASM_OK);
	assert_int_equal(sp.from, 0);
	assert_int_equal(sp.to, 12);
	assert_memory_equal(reasm_data(&pl.p, x), "0123456789XY", 12);

	for (unsigned i = 0; i < 8; i++)
		reasm_free(&pl.p, h[i]);
	assert_int_equal(reasm_free_count(&pl.p), 8);
	assert_int_equal(pl.p.cnt.frees, 9);
	pool_close(&pl);
}

static void test_status_str(void **state)
{
	(void)state;
	assert_string_equal(reasm_status_str(REASM_OK), "ok");
	assert_string_equal(reasm_status_str(REASM_CAPPED), "capped");
	assert_string_equal(reasm_status_str(REASM_CONFLICT), "conflict");
	assert_string_equal(reasm_status_str(REASM_TOO_MANY_HOLES), "too_many_holes");
	assert_string_equal(reasm_status_str(REASM_POOL_EMPTY), "pool_empty");
	assert_string_equal(reasm_status_str(REASM_BAD_HANDLE), "bad_handle");
	assert_string_equal(reasm_status_str(REASM_STATUS_COUNT), "unknown");
}

/* ---- ordering ---------------------------------------------------------- */

/* In order: each segment is delivered at once, exactly. */
static void test_in_order(void **state)
{
	struct pool pl;
	uint8_t buf[1000], out[1000];
	struct sink s = { out, 0, sizeof(out) };
	uint32_t h;

	(void)state;
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	pool_open(&pl, 2, 1024);
	h = slot(&pl, 42);
	for (uint32_t off = 0; off < sizeof(buf); off += 100) {
		struct reasm_span sp;

		assert_int_equal(reasm_add(&pl.p, h, 42 + off, buf + off, 100, &sp), REASM_OK);
		assert_int_equal(sp.from, off);
		assert_int_equal(sp.to, off + 100);
		assert_ptr_equal(sp.data, reasm_data(&pl.p, h) + off);
		sink_take(&s, &sp);
	}
	assert_int_equal(s.n, sizeof(buf));
	assert_memory_equal(out, buf, sizeof(buf));
	assert_int_equal(pl.p.cnt.segments, 10);
	assert_int_equal(pl.p.cnt.dup_segments, 0);
	pool_close(&pl);
}

static bool next_perm(unsigned *a, unsigned n)
{
	unsigned i = n - 1, j = n - 1;

	while (i > 0 && a[i - 1] >= a[i])
		i--;
	if (i == 0)
		return false;
	while (a[j] <= a[i - 1])
		j--;
	unsigned t = a[i - 1];
	a[i - 1] = a[j];
	a[j] = t;
	for (unsigned l = i, r = n - 1; l < r; l++, r--) {
		t = a[l];
		a[l] = a[r];
		a[r] = t;
	}
	return true;
}

/*
 * Every order of a 5-segment split (120 orders), of a split with
 * overlapping segments, and of a 4-segment split of the 1.8 KB Chrome-like
 * hello: the stream comes out whole, each byte once, and in the hello's case
 * the parser finds the name. Base near 2^32 so the sequence numbers wrap.
 */
static void test_all_permutations(void **state)
{
	static const uint32_t cuts[][6] = {
		{ 0, 3, 250, 251, 700, 1000 },  /* disjoint, uneven */
		{ 0, 200, 400, 600, 800, 1000 }, /* disjoint, even */
	};
	struct pool pl;
	uint8_t buf[1000], out[1000];
	unsigned perms = 0;

	(void)state;
	kb_rng_state = 77;
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)kb_rnd32();
	pool_open(&pl, 1, 1024);
	for (unsigned c = 0; c < 3; c++) {
		unsigned ord[5] = { 0, 1, 2, 3, 4 };

		do {
			struct sink s = { out, 0, sizeof(out) };
			uint32_t base = 0xfffffe00u;
			uint32_t h = slot(&pl, base);

			for (unsigned k = 0; k < 5; k++) {
				unsigned i = ord[k];
				uint32_t a, b;

				if (c < 2) {
					a = cuts[c][i];
					b = cuts[c][i + 1];
				} else {
					/* overlapping: [i*200 - 50, i*200 + 250) clipped */
					a = i == 0 ? 0 : i * 200 - 50;
					b = i == 4 ? 1000 : i * 200 + 250;
				}
				assert_int_equal(add(&pl, h, base + a, buf + a, b - a, &s), REASM_OK);
			}
			assert_int_equal(s.n, sizeof(buf));
			assert_memory_equal(out, buf, sizeof(buf));
			reasm_free(&pl.p, h);
			perms++;
		} while (next_perm(ord, 5));
	}
	assert_int_equal(perms, 360);
	assert_int_equal(pl.p.cnt.conflicts, 0);
	assert_int_equal(pl.p.cnt.too_many_holes, 0);
	pool_close(&pl);

	/* The hello, 4 pieces, all 24 orders, fed to the parser span by span. */
	size_t hlen;
	uint8_t *hello = load("hello_chrome_like_pq.bin", &hlen);
	uint32_t hc[5] = { 0, 5, 517, 1400, (uint32_t)hlen };
	uint8_t body[TLS_HELLO_DEFAULT_CAP];
	unsigned ord[4] = { 0, 1, 2, 3 };

	pool_open(&pl, 1, REASM_DEFAULT_CAP);
	perms = 0;
	do {
		struct tls_hello th;
		enum tls_status ts = TLS_NEED_MORE;
		uint32_t base = 0xffffff00u, h = slot(&pl, base);

		tls_hello_init(&th, body, sizeof(body));
		for (unsigned k = 0; k < 4; k++) {
			unsigned i = ord[k];
			struct reasm_span sp;

			assert_int_equal(reasm_add(&pl.p, h, base + hc[i], hello + hc[i],
						   hc[i + 1] - hc[i], &sp),
					 REASM_OK);
			if (sp.to > sp.from)
				ts = tls_hello_feed(&th, sp.data, sp.to - sp.from);
		}
		assert_int_equal(ts, TLS_DONE);
		assert_int_equal(th.n_names, 1);
		assert_int_equal(th.names[0].len, strlen("www.kaspersky.com"));
		assert_memory_equal(th.names[0].p, "www.kaspersky.com", th.names[0].len);
		assert_memory_equal(reasm_data(&pl.p, h), hello, hlen);
		reasm_free(&pl.p, h);
		perms++;
	} while (next_perm(ord, 4));
	assert_int_equal(perms, 24);
	free(hello);
	pool_close(&pl);
}

/*
 * The 16 KiB hello (16398 bytes: the largest the parser accepts) in random
 * splits, shuffled, with duplicates and partially overlapping retransmits,
 * 200 rounds with a fixed seed. Each round must rebuild the exact bytes and
 * the parser must find fits.example. At most 10 base pieces plus 4 extra
 * segments: 14 segments cannot make more than REASM_MAX_RANGES held ranges, so
 * TOO_MANY_HOLES must not happen. Every step is also checked against the
 * reference model.
 */
static void test_random_splits_hello(void **state)
{
	size_t hlen;
	uint8_t *hello = load("hello_just_fits.bin", &hlen);
	uint8_t *out = malloc(REASM_DEFAULT_CAP);
	uint8_t *body = malloc(TLS_HELLO_DEFAULT_CAP);
	struct pool pl;

	(void)state;
	assert_non_null(out);
	assert_non_null(body);
	assert_int_equal(hlen, 16398);
	kb_rng_state = 0x9e3779b97f4a7c15ull;
	pool_open(&pl, 1, REASM_DEFAULT_CAP);
	for (unsigned round = 0; round < 200; round++) {
		struct { uint32_t a, b; } seg[32];
		unsigned n = 0, pieces = 2 + kb_rnd32_below(9);
		uint32_t cut[12];
		struct sink s = { out, 0, REASM_DEFAULT_CAP };
		struct model m;
		struct tls_hello th;
		enum tls_status ts = TLS_NEED_MORE;
		uint32_t base = kb_rnd32(), h = slot(&pl, base);

		/* pieces - 1 distinct cut points, sorted */
		cut[0] = 0;
		for (unsigned i = 1; i < pieces; i++)
			cut[i] = 1 + kb_rnd32_below((uint32_t)hlen - 1);
		cut[pieces] = (uint32_t)hlen;
		for (unsigned i = 1; i < pieces; i++)
			for (unsigned j = i + 1; j < pieces; j++)
				if (cut[j] < cut[i]) {
					uint32_t t = cut[i];
					cut[i] = cut[j];
					cut[j] = t;
				}
		for (unsigned i = 0; i < pieces; i++)
			if (cut[i + 1] > cut[i]) {
				seg[n].a = cut[i];
				seg[n].b = cut[i + 1];
				n++;
			}
		/* duplicates and overlapping retransmits of the same bytes */
		for (unsigned i = 0, extra = kb_rnd32_below(5); i < extra; i++) {
			uint32_t a = kb_rnd32_below((uint32_t)hlen);
			uint32_t b = a + 1 + kb_rnd32_below(3000);

			if (kb_rnd32() & 1) {
				seg[n] = seg[kb_rnd32_below(n)];
			} else {
				seg[n].a = a;
				seg[n].b = b > hlen ? (uint32_t)hlen : b;
			}
			n++;
		}
		for (unsigned i = n - 1; i > 0; i--) {
			unsigned j = kb_rnd32_below(i + 1);
			uint32_t ta = seg[i].a, tb = seg[i].b;

			seg[i] = seg[j];
			seg[j].a = ta;
			seg[j].b = tb;
		}

		model_open(&m, REASM_DEFAULT_CAP);
		tls_hello_init(&th, body, TLS_HELLO_DEFAULT_CAP);
		for (unsigned i = 0; i < n; i++) {
			uint32_t len = seg[i].b - seg[i].a, before = s.n;
			enum reasm_status want = model_add(&m, seg[i].a, hello + seg[i].a, len);
			enum reasm_status got = add(&pl, h, base + seg[i].a, hello + seg[i].a, len, &s);

			assert_int_equal(got, want);
			assert_int_equal(got, REASM_OK);
			assert_int_equal(s.n, m.contig);
			if (s.n > before)
				ts = tls_hello_feed(&th, out + before, s.n - before);
		}
		assert_int_equal(s.n, hlen);
		assert_memory_equal(out, hello, hlen);
		assert_int_equal(ts, TLS_DONE);
		assert_int_equal(th.n_names, 1);
		assert_memory_equal(th.names[0].p, "fits.example", th.names[0].len);
		assert_int_equal(reasm_flags(&pl.p, h), REASM_F_USED);
		model_close(&m);
		reasm_free(&pl.p, h);
	}
	assert_int_equal(pl.p.cnt.conflicts, 0);
	assert_int_equal(pl.p.cnt.too_many_holes, 0);
	assert_true(pl.p.cnt.dup_segments > 0);
	pool_close(&pl);
	free(hello);
	free(out);
	free(body);
}

/*
 * Many small segments in random order: TOO_MANY_HOLES happens, and a
 * refused segment is simply sent again later (as TCP would retransmit it).
 * Whatever happens, the stream comes out exact and the model agrees on
 * every status.
 */
static void test_random_small_segments_retry(void **state)
{
	struct pool pl;
	uint8_t buf[4000], out[4096];
	unsigned holes_seen = 0;

	(void)state;
	kb_rng_state = 12345;
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)kb_rnd32();
	pool_open(&pl, 1, 4096);
	for (unsigned round = 0; round < 100; round++) {
		uint32_t q[256][2];
		unsigned n = 0, head = 0;
		struct sink s = { out, 0, sizeof(out) };
		struct model m;
		uint32_t base = kb_rnd32(), h = slot(&pl, base);

		for (uint32_t a = 0; a < sizeof(buf);) {
			uint32_t b = a + 1 + kb_rnd32_below(120);

			if (b > sizeof(buf))
				b = sizeof(buf);
			q[n][0] = a;
			q[n][1] = b;
			n++;
			a = b;
		}
		assert_true(n < 200);
		for (unsigned i = n - 1; i > 0; i--) {
			unsigned j = kb_rnd32_below(i + 1);
			uint32_t t0 = q[i][0], t1 = q[i][1];

			q[i][0] = q[j][0];
			q[i][1] = q[j][1];
			q[j][0] = t0;
			q[j][1] = t1;
		}
		model_open(&m, 4096);
		/* a ring: refused segments go to the back */
		for (unsigned steps = 0; head != n; steps++) {
			uint32_t a = q[head % 256][0], b = q[head % 256][1];
			enum reasm_status want = model_add(&m, a, buf + a, b - a);
			enum reasm_status got = add(&pl, h, base + a, buf + a, b - a, &s);

			assert_true(steps < 100000);
			assert_int_equal(got, want);
			assert_int_equal(s.n, m.contig);
			head++;
			if (got == REASM_TOO_MANY_HOLES) {
				holes_seen++;
				q[n % 256][0] = a;
				q[n % 256][1] = b;
				n++;
			} else {
				assert_int_equal(got, REASM_OK);
			}
		}
		assert_int_equal(s.n, sizeof(buf));
		assert_memory_equal(out, buf, sizeof(buf));
		model_close(&m);
		reasm_free(&pl.p, h);
	}
	assert_true(holes_seen > 0);
	assert_int_equal(pl.p.cnt.too_many_holes, holes_seen);
	pool_close(&pl);
}

/*
 * Random segments of random (sometimes conflicting) content, offsets
 * before the base and past a small cap, against the model: every status
 * and every delivered byte must match.
 */
static void test_model_random(void **state)
{
	struct pool pl;
	uint8_t data[600], out[512];

	(void)state;
	kb_rng_state = 0xfeedface;
	pool_open(&pl, 3, 512);
	for (unsigned round = 0; round < 3000; round++) {
		struct sink s = { out, 0, sizeof(out) };
		struct model m;
		uint32_t base = kb_rnd32(), h = slot(&pl, base);
		/* Content source: mostly one stream, sometimes a different one. */
		uint8_t truth[1200];

		for (unsigned i = 0; i < sizeof(truth); i++)
			truth[i] = (uint8_t)(kb_rnd32() & 3);
		model_open(&m, 512);
		for (unsigned k = 0, nseg = 1 + kb_rnd32_below(40); k < nseg; k++) {
			int64_t off = (int64_t)kb_rnd32_below(700) - 100;
			uint32_t len = kb_rnd32_below(120);

			for (uint32_t i = 0; i < len; i++) {
				data[i] = truth[off + 100 + i];
				if (kb_rnd32_below(400) == 0)
					data[i] ^= 1;
			}
			enum reasm_status want = model_add(&m, off, data, len);
			enum reasm_status got = add(&pl, h, base + (uint32_t)off, data, len, &s);

			assert_int_equal(got, want);
			assert_int_equal(s.n, m.contig);
		}
		assert_memory_equal(out, m.val, s.n);
		model_close(&m);
		reasm_free(&pl.p, h);
	}
	assert_true(pl.p.cnt.conflicts > 0);
	assert_true(pl.p.cnt.capped > 0);
	assert_true(pl.p.cnt.before_base > 0);
	pool_close(&pl);
}

/* ---- edges ------------------------------------------------------------- */

/* Sequence numbers crossing 2^32: base 0xfffffffa, 6 bytes before the wrap
 * and 6 after, sent second half first. */
static void test_wraparound(void **state)
{
	struct pool pl;
	uint8_t out[64];
	struct sink s = { out, 0, sizeof(out) };
	uint32_t h;

	(void)state;
	pool_open(&pl, 1, 64);
	h = slot(&pl, 0xfffffffau);
	assert_int_equal(add(&pl, h, 0x00000000u, "ghijkl", 6, &s), REASM_OK);
	assert_int_equal(s.n, 0);
	assert_int_equal(add(&pl, h, 0xfffffffau, "abcdef", 6, &s), REASM_OK);
	assert_int_equal(s.n, 12);
	assert_memory_equal(out, "abcdefghijkl", 12);
	/* A segment straddling the wrap, overlapping both: identical, nothing new. */
	assert_int_equal(add(&pl, h, 0xfffffffdu, "defghi", 6, &s), REASM_OK);
	assert_int_equal(s.n, 12);
	assert_int_equal(pl.p.cnt.dup_segments, 1);
	/* Continuing past the wrap. */
	assert_int_equal(add(&pl, h, 0x00000006u, "mn", 2, &s), REASM_OK);
	assert_int_equal(s.n, 14);
	pool_close(&pl);
}

/* Bytes before the base are dropped, the rest of the segment kept. A far
 * "future" seq more than 2^31 ahead reads as the past and is dropped too. */
static void test_before_base(void **state)
{
	struct pool pl;
	uint8_t out[64];
	struct sink s = { out, 0, sizeof(out) };
	uint32_t h;

	(void)state;
	pool_open(&pl, 1, 64);
	h = slot(&pl, 1000);
	assert_int_equal(add(&pl, h, 990, "0123456789", 10, &s), REASM_OK); /* all before */
	assert_int_equal(s.n, 0);
	assert_int_equal(add(&pl, h, 995, "56789abcde", 10, &s), REASM_OK); /* 5 before */
	assert_int_equal(s.n, 5);
	assert_memory_equal(out, "abcde", 5);
	assert_int_equal(add(&pl, h, 1000 + 0x80000000u, "zz", 2, &s), REASM_OK);
	assert_int_equal(s.n, 5);
	assert_int_equal(pl.p.cnt.before_base, 3);
	assert_int_equal(reasm_flags(&pl.p, h), REASM_F_USED);
	pool_close(&pl);
}

/* cap 64: a segment over the cap keeps its first part (CAPPED, delivered),
 * one wholly past it is CAPPED with nothing; the flag stays. */
static void test_beyond_cap(void **state)
{
	struct pool pl;
	uint8_t big[100], out[64];
	struct sink s = { out, 0, sizeof(out) };
	uint32_t h;

	(void)state;
	for (unsigned i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	pool_open(&pl, 1, 64);
	h = slot(&pl, 7);
	assert_int_equal(add(&pl, h, 7 + 70, big, 10, &s), REASM_CAPPED);
	assert_int_equal(s.n, 0);
	assert_int_equal(reasm_flags(&pl.p, h) & REASM_F_CAPPED, REASM_F_CAPPED);
	assert_int_equal(add(&pl, h, 7 + 60, big + 60, 4, &s), REASM_OK); /* exactly to the cap */
	assert_int_equal(add(&pl, h, 7, big, 100, &s), REASM_CAPPED);
	assert_int_equal(s.n, 64);
	assert_memory_equal(out, big, 64);
	assert_int_equal(add(&pl, h, 7 + 64, big + 64, 1, &s), REASM_CAPPED);
	assert_int_equal(s.n, 64);
	assert_int_equal(pl.p.cnt.capped, 3);
	pool_close(&pl);
}

/*
 * Overlaps. Identical bytes: fine, whether the earlier copy was delivered or
 * held. Different bytes: CONFLICT, the segment is dropped whole and nothing
 * delivered changes. The name case: "kaspersky" must not be replaceable by
 * "kaspersXXX" (or the reverse) without a CONFLICT.
 */
static void test_conflicts(void **state)
{
	struct pool pl;
	uint8_t out[128];
	uint32_t h;

	(void)state;
	pool_open(&pl, 4, 128);

	/* delivered first, retransmit differs */
	{
		struct sink s = { out, 0, sizeof(out) };

		h = slot(&pl, 100);
		assert_int_equal(add(&pl, h, 100, "host=kaspersky.com", 18, &s), REASM_OK);
		assert_int_equal(add(&pl, h, 105, "kaspersky", 9, &s), REASM_OK); /* same bytes */
		assert_int_equal(add(&pl, h, 105, "kaspersXXX", 10, &s), REASM_CONFLICT);
		assert_int_equal(s.n, 18);
		assert_memory_equal(reasm_data(&pl.p, h), "host=kaspersky.com", 18);
		assert_true(reasm_flags(&pl.p, h) & REASM_F_CONFLICT);
		/* The rejected segment left nothing: byte 18 is still free. */
		assert_int_equal(add(&pl, h, 118, "!", 1, &s), REASM_OK);
		assert_int_equal(s.n, 19);
		reasm_free(&pl.p, h);
	}
	/* held first (hole before it), the retransmit differs on held bytes */
	{
		struct sink s = { out, 0, sizeof(out) };

		h = slot(&pl, 100);
		assert_int_equal(add(&pl, h, 105, "kaspersky", 9, &s), REASM_OK);
		assert_int_equal(s.n, 0);
		assert_int_equal(add(&pl, h, 104, "=kaspe", 6, &s), REASM_OK); /* overlap, same */
		assert_int_equal(add(&pl, h, 110, "rsXXX", 5, &s), REASM_CONFLICT);
		assert_int_equal(add(&pl, h, 100, "host=kaspersky", 14, &s), REASM_OK);
		assert_int_equal(s.n, 14);
		assert_memory_equal(out, "host=kaspersky", 14);
		reasm_free(&pl.p, h);
	}
	/* the harmless copy first, then the real one: conflict as well */
	{
		struct sink s = { out, 0, sizeof(out) };

		h = slot(&pl, 100);
		assert_int_equal(add(&pl, h, 100, "host=kaspersXXX", 15, &s), REASM_OK);
		assert_int_equal(add(&pl, h, 100, "host=kaspersky.com", 18, &s), REASM_CONFLICT);
		assert_int_equal(s.n, 15);
		reasm_free(&pl.p, h);
	}
	/* a segment overlapping a held range only partly, differing in the
	 * part outside it: no conflict (those bytes were never stored) */
	{
		struct sink s = { out, 0, sizeof(out) };

		h = slot(&pl, 0);
		assert_int_equal(add(&pl, h, 10, "abcd", 4, &s), REASM_OK);
		assert_int_equal(add(&pl, h, 8, "XXabcdYY", 8, &s), REASM_OK);
		assert_int_equal(add(&pl, h, 0, "01234567", 8, &s), REASM_OK);
		assert_int_equal(s.n, 16);
		assert_memory_equal(out, "01234567XXabcdYY", 16);
		reasm_free(&pl.p, h);
	}
	assert_int_equal(pl.p.cnt.conflicts, 3);
	pool_close(&pl);
}

/*
 * REASM_MAX_RANGES held ranges fit; one more separate range is refused
 * (counted, flag set, nothing kept); a segment merging two held ranges is
 * still accepted with a full list; filling the prefix delivers all.
 */
static void test_too_many_holes(void **state)
{
	struct pool pl;
	uint8_t buf[256], out[256];
	struct sink s = { out, 0, sizeof(out) };
	uint32_t h;

	(void)state;
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i ^ 0x5a);
	pool_open(&pl, 1, 256);
	h = slot(&pl, 0);
	/* held: [10k+5, 10k+10) for k = 0..13 */
	for (unsigned k = 0; k < REASM_MAX_RANGES; k++)
		assert_int_equal(add(&pl, h, 10 * k + 5, buf + 10 * k + 5, 5, &s), REASM_OK);
	assert_int_equal(pl.p.slots[h].n_ranges, REASM_MAX_RANGES);
	assert_int_equal(add(&pl, h, 200, buf + 200, 5, &s), REASM_TOO_MANY_HOLES);
	assert_true(reasm_flags(&pl.p, h) & REASM_F_HOLES);
	assert_int_equal(pl.p.cnt.too_many_holes, 1);
	/* touching the last held range [135, 140) extends it: fine */
	assert_int_equal(add(&pl, h, 140, buf + 140, 3, &s), REASM_OK);
	/* joining [15,20) and [25,30): fine, one range fewer */
	assert_int_equal(add(&pl, h, 18, buf + 18, 9, &s), REASM_OK);
	assert_int_equal(pl.p.slots[h].n_ranges, REASM_MAX_RANGES - 1);
	/* now one more separate range fits again */
	assert_int_equal(add(&pl, h, 200, buf + 200, 5, &s), REASM_OK);
	/* fill every hole from the front */
	assert_int_equal(add(&pl, h, 0, buf, 205, &s), REASM_OK);
	assert_int_equal(s.n, 205);
	assert_memory_equal(out, buf, 205);
	assert_int_equal(pl.p.slots[h].n_ranges, 0);
	pool_close(&pl);
}

/* Zero-length segments (pure ACKs) change nothing, even with data NULL. */
static void test_zero_length(void **state)
{
	struct pool pl;
	uint8_t out[64];
	struct sink s = { out, 0, sizeof(out) };
	uint32_t h;

	(void)state;
	pool_open(&pl, 1, 64);
	h = slot(&pl, 5);
	assert_int_equal(add(&pl, h, 50, NULL, 0, &s), REASM_OK);
	assert_int_equal(add(&pl, h, 5, NULL, 0, &s), REASM_OK);
	assert_int_equal(pl.p.slots[h].n_ranges, 0);
	assert_int_equal(s.n, 0);
	pool_close(&pl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mem_size),
		cmocka_unit_test(test_init_rejects),
		cmocka_unit_test(test_pool_exhaustion_and_reuse),
		cmocka_unit_test(test_status_str),
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_all_permutations),
		cmocka_unit_test(test_random_splits_hello),
		cmocka_unit_test(test_random_small_segments_retry),
		cmocka_unit_test(test_model_random),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_before_base),
		cmocka_unit_test(test_beyond_cap),
		cmocka_unit_test(test_conflicts),
		cmocka_unit_test(test_too_many_holes),
		cmocka_unit_test(test_zero_length),
	};

	return cmocka_run_group_tests_name("reasm", tests, NULL, NULL);
}
