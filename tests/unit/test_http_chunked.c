/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the chunked request-body skipper (dataplane/proto/
 * http_chunked.c).
 *
 *   vectors      valid bodies followed by the next request's bytes, and
 *                broken ones with the reason and the byte that decides;
 *                every one fed whole, one byte at a time, in every 2-piece
 *                and 3-piece split and in random chunkings: all must agree
 *                (status, reason, bytes used, counts)
 *   random       2000 generated bodies (chunk sizes up to 1 MB, extensions,
 *                trailers, CRLF or LF) end exactly where they were built to,
 *                with the data byte count; single-byte corruptions give the
 *                same result under every chunking
 *   limits       line length, 16 vs 17 hex digits, trailer count, a 2^64 - 1
 *                chunk, sticky terminal statuses, NULL and empty feeds
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "http_chunked.h"

static uint64_t rng_state;

static void rng_seed(uint64_t s)
{
	rng_state = s != 0 ? s : 1;
}

static uint64_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static size_t rng_below(size_t n)
{
	return n == 0 ? 0 : (size_t)(rng() % n);
}

struct result {
	enum http_chunked_status status;
	enum http_chunked_reason reason;
	size_t used;         /* bytes of the input that belong to the body */
	uint32_t n_chunks;
	uint64_t body_bytes;
	uint32_t flags;
};

/* Feeds s in pieces cut at cuts[0..n_cuts) (ascending). Once terminal, the
 * rest of the input must be refused (used 0). */
static struct result run_cuts(const uint8_t *s, size_t len, const size_t *cuts, size_t n_cuts)
{
	struct http_chunked st;
	struct result r;
	size_t from = 0, total = 0;

	http_chunked_init(&st);
	for (size_t i = 0; i <= n_cuts; i++) {
		size_t to = i < n_cuts ? cuts[i] : len, used = 99;
		enum http_chunked_status was = st.status;
		enum http_chunked_status now;

		/* An exact-size copy, so ASan sees an over-read. */
		uint8_t *piece = malloc(to - from + 1);
		assert_non_null(piece);
		memcpy(piece, s + from, to - from);
		now = http_chunked_feed(&st, piece, to - from, &used);
		free(piece);
		assert_int_equal(now, st.status);
		if (was != HTTP_CHUNKED_NEED_MORE)
			assert_int_equal(used, 0);
		else if (now == HTTP_CHUNKED_NEED_MORE)
			assert_int_equal(used, to - from);
		else
			assert_true(used <= to - from && (used > 0 || to == from));
		total += used;
		from = to;
	}
	r.status = st.status;
	r.reason = st.reason;
	r.used = total;
	r.n_chunks = st.n_chunks;
	r.body_bytes = st.body_bytes;
	r.flags = st.flags;
	return r;
}

static void same(const struct result *a, const struct result *b, const char *what)
{
	if (a->status != b->status || a->reason != b->reason || a->used != b->used ||
	    a->n_chunks != b->n_chunks || a->body_bytes != b->body_bytes || a->flags != b->flags)
		fail_msg("%s: chunking changed the result: %s/%s used %zu chunks %u bytes %llu "
			 "flags %#x vs %s/%s used %zu chunks %u bytes %llu flags %#x", what,
			 http_chunked_status_str(a->status), http_chunked_reason_str(a->reason),
			 a->used, a->n_chunks, (unsigned long long)a->body_bytes, a->flags,
			 http_chunked_status_str(b->status), http_chunked_reason_str(b->reason),
			 b->used, b->n_chunks, (unsigned long long)b->body_bytes, b->flags);
}

/* Every chunking of s gives the same result; returns it. Long inputs get
 * fewer exhaustive splits. */
static struct result all_chunkings(const uint8_t *s, size_t len, const char *what)
{
	struct result whole = run_cuts(s, len, NULL, 0), r;
	size_t cuts[64];

	/* one byte at a time */
	if (len <= 20000) {
		size_t *every = malloc(sizeof(size_t) * (len + 1));
		assert_non_null(every);
		for (size_t i = 0; i < len; i++)
			every[i] = i;
		r = run_cuts(s, len, every, len);
		free(every);
		same(&whole, &r, what);
	}
	for (size_t i = 0; i <= len && len <= 400; i++) {
		cuts[0] = i;
		r = run_cuts(s, len, cuts, 1);
		same(&whole, &r, what);
		for (size_t j = i; j <= len && len <= 60; j++) {
			cuts[1] = j;
			r = run_cuts(s, len, cuts, 2);
			same(&whole, &r, what);
		}
	}
	for (int k = 0; k < 32; k++) {
		size_t n = 1 + rng_below(sizeof(cuts) / sizeof(cuts[0]) - 1);
		for (size_t i = 0; i < n; i++)
			cuts[i] = rng_below(len + 1);
		for (size_t i = 1; i < n; i++) /* insertion sort */
			for (size_t j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
				size_t t = cuts[j];
				cuts[j] = cuts[j - 1];
				cuts[j - 1] = t;
			}
		r = run_cuts(s, len, cuts, n);
		same(&whole, &r, what);
	}
	return whole;
}

#define NEXT "GET /next HTTP/1.1\r\n"

static void test_vectors(void **state)
{
	static const struct {
		const char *body;  /* the chunked body, then NEXT is appended */
		enum http_chunked_status status;
		enum http_chunked_reason reason;
		size_t used;       /* for DONE: strlen(body); else the deciding byte + 1 */
		uint32_t chunks;
		uint64_t bytes;
		uint32_t flags;
	} v[] = {
		{ "0\r\n\r\n", HTTP_CHUNKED_DONE, 0, 5, 0, 0, 0 },
		{ "5\r\nhello\r\n0\r\n\r\n", HTTP_CHUNKED_DONE, 0, 15, 1, 5, 0 },
		{ "3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n", HTTP_CHUNKED_DONE, 0, 35, 2, 19, 0 },
		{ "A\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n", HTTP_CHUNKED_DONE, 0, 35, 2, 20, 0 },
		{ "0005\r\n\r\n\r\n\r\r\n0000\r\n\r\n", HTTP_CHUNKED_DONE, 0, 21, 1, 5, 0 },
		{ "5;name=val\r\nhello\r\n0;last\r\n\r\n", HTTP_CHUNKED_DONE, 0, 29, 1, 5,
		  HTTP_CHUNKED_F_EXT },
		{ "5 ; q=\"x;y\"\r\nhello\r\n0\r\n\r\n", HTTP_CHUNKED_DONE, 0, 25, 1, 5,
		  HTTP_CHUNKED_F_EXT },
		{ "5\nhello\n0\n\n", HTTP_CHUNKED_DONE, 0, 11, 1, 5, HTTP_CHUNKED_F_BARE_LF },
		{ "2\r\nhi\r\n0\r\nExpires: never\r\nX-Sum: 1\r\n\r\n", HTTP_CHUNKED_DONE, 0, 38, 1, 2,
		  HTTP_CHUNKED_F_TRAILER },
		{ "2\r\n\r\n\r\n0\r\n\r\n", HTTP_CHUNKED_DONE, 0, 12, 1, 2, 0 },
		/* chunk data is opaque: "0\r\n\r\n" inside it ends nothing */
		{ "7\r\n0\r\n\r\nab\r\n0\r\n\r\n", HTTP_CHUNKED_DONE, 0, 17, 1, 7, 0 },
		{ "", HTTP_CHUNKED_MALFORMED, HTTP_CHUNKED_R_SIZE, 1, 0, 0, 0 },
		{ "x\r\n", HTTP_CHUNKED_MALFORMED, HTTP_CHUNKED_R_SIZE, 1, 0, 0, 0 },
		{ "\r\n0\r\n\r\n", HTTP_CHUNKED_MALFORMED, HTTP_CHUNKED_R_SIZE, 1, 0, 0, 0 },
		{ ";ext\r\n", HTTP_CHUNKED_MALFORMED, HTTP_CHUNKED_R_SIZE, 1, 0, 0, 0 },
		{ "5x\r\nhello\r\n", HTTP_CHUNKED_MALFORMED, HTTP_CHUNKED_R_SIZE, 2, 0, 0, 0 },
		{ "-5\r\n", HTTP_CHUNKED_MALFORMED, HTTP_CHUNKED_R_SIZE, 1, 0, 0, 0 },
		{ "5\rhello", HTTP_CHUNKED_MALFORMED, HTTP_CHUNKED_R_BARE_CR, 3, 0, 0, 0 },
		{ "5;a\x01\r\n", HTTP_CHUNKED_MALFORMED, HTTP_CHUNKED_R_EXT, 4, 0, 0, HTTP_CHUNKED_F_EXT },
		{ "5\r\nhelloX\r\n", HTTP_CHUNKED_MALFORMED, HTTP_CHUNKED_R_DATA_END, 9, 1, 5, 0 },
		{ "5\r\nhello\rX", HTTP_CHUNKED_MALFORMED, HTTP_CHUNKED_R_BARE_CR, 10, 1, 5, 0 },
		{ "0\r\nX\x7f\r\n\r\n", HTTP_CHUNKED_MALFORMED, HTTP_CHUNKED_R_TRAILER, 5, 0, 0,
		  HTTP_CHUNKED_F_TRAILER },
		{ "0\r\nX: y\rZ", HTTP_CHUNKED_MALFORMED, HTTP_CHUNKED_R_BARE_CR, 9, 0, 0,
		  HTTP_CHUNKED_F_TRAILER },
		{ "0\r\n\rX", HTTP_CHUNKED_MALFORMED, HTTP_CHUNKED_R_BARE_CR, 5, 0, 0, 0 },
		{ "10000000000000000\r\n", HTTP_CHUNKED_MALFORMED, HTTP_CHUNKED_R_SIZE_TOO_BIG, 17, 0,
		  0, 0 },
	};
	uint8_t buf[256];

	(void)state;
	rng_seed(1);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t bl = strlen(v[i].body), n = bl + strlen(NEXT);
		char what[64];

		assert_true(n <= sizeof(buf));
		memcpy(buf, v[i].body, bl);
		memcpy(buf + bl, NEXT, strlen(NEXT));
		snprintf(what, sizeof(what), "vector %zu", i);
		struct result r = all_chunkings(buf, n, what);
		if (r.status != v[i].status || r.reason != v[i].reason || r.used != v[i].used ||
		    r.n_chunks != v[i].chunks || r.body_bytes != v[i].bytes || r.flags != v[i].flags)
			fail_msg("%s: %s/%s used %zu chunks %u bytes %llu flags %#x", what,
				 http_chunked_status_str(r.status), http_chunked_reason_str(r.reason),
				 r.used, r.n_chunks, (unsigned long long)r.body_bytes, r.flags);
		if (r.status == HTTP_CHUNKED_DONE)
			assert_int_equal(r.used, bl);
	}
}

/* Appends a generated chunked body to out; returns its length. */
static size_t gen_body(uint8_t *out, size_t cap, uint32_t *chunks, uint64_t *bytes,
		       uint32_t *flags)
{
	size_t o = 0;
	size_t n_chunks = rng_below(6);
	bool lf = rng_below(4) == 0;
	const char *eol = lf ? "\n" : "\r\n";
	size_t el = strlen(eol);

	*chunks = 0;
	*bytes = 0;
	*flags = lf ? HTTP_CHUNKED_F_BARE_LF : 0;
	for (size_t i = 0; i <= n_chunks; i++) {
		bool last = i == n_chunks;
		size_t sz = last ? 0 : 1 + rng_below(rng_below(3) == 0 ? 70000 : 300);
		char line[64];
		int k = snprintf(line, sizeof(line), rng_below(2) ? "%s%zx" : "%s%zX",
				 rng_below(5) == 0 ? "000" : "", sz);

		assert_true(o + (size_t)k + 40 + sz < cap);
		memcpy(out + o, line, (size_t)k);
		o += (size_t)k;
		if (rng_below(4) == 0) {
			static const char ext[] = " ; name=\"v,a;l\" ;x";
			memcpy(out + o, ext, sizeof(ext) - 1);
			o += sizeof(ext) - 1;
			*flags |= HTTP_CHUNKED_F_EXT;
		}
		memcpy(out + o, eol, el);
		o += el;
		if (last)
			break;
		for (size_t j = 0; j < sz; j++)
			out[o + j] = (uint8_t)rng();
		o += sz;
		memcpy(out + o, eol, el);
		o += el;
		(*chunks)++;
		*bytes += sz;
	}
	size_t n_trailers = rng_below(4) == 0 ? 1 + rng_below(3) : 0;
	for (size_t t = 0; t < n_trailers; t++) {
		static const char tr[] = "X-Trailer: \t\xe9t\xe9";
		memcpy(out + o, tr, sizeof(tr) - 1);
		o += sizeof(tr) - 1;
		memcpy(out + o, eol, el);
		o += el;
		*flags |= HTTP_CHUNKED_F_TRAILER;
	}
	memcpy(out + o, eol, el);
	return o + el;
}

static void test_random(void **state)
{
	size_t cap = 600000;
	uint8_t *buf = malloc(cap);

	(void)state;
	assert_non_null(buf);
	rng_seed(0x5eed);
	for (int i = 0; i < 2000; i++) {
		uint32_t chunks, flags;
		uint64_t bytes;
		size_t bl = gen_body(buf, cap - 64, &chunks, &bytes, &flags);
		size_t n = bl + strlen(NEXT);
		char what[64];

		memcpy(buf + bl, NEXT, strlen(NEXT));
		snprintf(what, sizeof(what), "random body %d", i);
		struct result r = all_chunkings(buf, n, what);
		if (r.status != HTTP_CHUNKED_DONE || r.used != bl || r.n_chunks != chunks ||
		    r.body_bytes != bytes || r.flags != flags)
			fail_msg("%s (%zu bytes): %s/%s used %zu chunks %u/%u bytes %llu/%llu "
				 "flags %#x/%#x", what, bl, http_chunked_status_str(r.status),
				 http_chunked_reason_str(r.reason), r.used, r.n_chunks, chunks,
				 (unsigned long long)r.body_bytes, (unsigned long long)bytes,
				 r.flags, flags);
		/* One byte changed anywhere: whatever the result, every
		 * chunking agrees, and DONE never claims more than the input. */
		if (bl < 2000) {
			size_t at = rng_below(n);
			uint8_t keep = buf[at];
			buf[at] = (uint8_t)rng();
			r = all_chunkings(buf, n, what);
			assert_true(r.used <= n);
			buf[at] = keep;
		}
	}
	free(buf);
}

static void test_limits(void **state)
{
	static uint8_t line[HTTP_CHUNKED_LINE_MAX + 16];
	struct http_chunked st;
	struct result r;
	size_t used;

	(void)state;
	rng_seed(7);
	/* A size line of exactly HTTP_CHUNKED_LINE_MAX bytes (without its
	 * line end) is fine; one more byte is not. */
	memset(line, 'a', sizeof(line));
	line[0] = '1';
	line[1] = ';';
	memcpy(line + HTTP_CHUNKED_LINE_MAX, "\r\nZ\r\n0\r\n\r\n", 10);
	r = all_chunkings(line, HTTP_CHUNKED_LINE_MAX + 10, "line max");
	assert_int_equal(r.status, HTTP_CHUNKED_DONE);
	assert_int_equal(r.used, HTTP_CHUNKED_LINE_MAX + 10);
	memset(line, 'a', sizeof(line));
	line[0] = '1';
	line[1] = ';';
	memcpy(line + HTTP_CHUNKED_LINE_MAX + 1, "\r\n", 2);
	r = all_chunkings(line, HTTP_CHUNKED_LINE_MAX + 3, "line max + 1");
	assert_int_equal(r.status, HTTP_CHUNKED_MALFORMED);
	assert_int_equal(r.reason, HTTP_CHUNKED_R_LINE_TOO_LONG);
	assert_int_equal(r.used, HTTP_CHUNKED_LINE_MAX + 1);
	/* Leading zeros are not digits that count. */
	static const char zeros[] = "00000000000000000000000000000001\r\nx\r\n0\r\n\r\n";
	r = all_chunkings((const uint8_t *)zeros, sizeof(zeros) - 1, "zeros");
	assert_int_equal(r.status, HTTP_CHUNKED_DONE);
	/* 16 significant digits: a chunk of 2^64 - 1 bytes, skipped in steps. */
	http_chunked_init(&st);
	assert_int_equal(http_chunked_feed(&st, (const uint8_t *)"ffffffffffffffff\r\n", 18, &used),
			 HTTP_CHUNKED_NEED_MORE);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(http_chunked_feed(&st, line, sizeof(line), &used),
				 HTTP_CHUNKED_NEED_MORE);
		assert_int_equal(used, sizeof(line));
	}
	assert_int_equal(st.body_bytes, 100 * sizeof(line));
	assert_int_equal(st.n_chunks, 1);
	/* Trailer lines: HTTP_CHUNKED_MAX_TRAILERS are fine, one more is not. */
	for (int extra = 0; extra < 2; extra++) {
		size_t n_tr = HTTP_CHUNKED_MAX_TRAILERS + (size_t)extra;
		size_t len = 3 + n_tr * 5 + 2;
		uint8_t *b = malloc(len);
		assert_non_null(b);
		memcpy(b, "0\r\n", 3);
		for (size_t i = 0; i < n_tr; i++)
			memcpy(b + 3 + i * 5, "T: 1\n", 5);
		memcpy(b + len - 2, "\r\n", 2);
		r = run_cuts(b, len, NULL, 0);
		if (extra == 0) {
			assert_int_equal(r.status, HTTP_CHUNKED_DONE);
			assert_int_equal(r.used, len);
		} else {
			assert_int_equal(r.status, HTTP_CHUNKED_MALFORMED);
			assert_int_equal(r.reason, HTTP_CHUNKED_R_TOO_MANY_TRAILERS);
		}
		free(b);
	}
	/* Terminal statuses are sticky; NULL and empty feeds change nothing. */
	http_chunked_init(&st);
	assert_int_equal(http_chunked_feed(&st, NULL, 5, &used), HTTP_CHUNKED_NEED_MORE);
	assert_int_equal(used, 0);
	assert_int_equal(http_chunked_feed(&st, (const uint8_t *)"0\r\n\r\nX", 6, &used),
			 HTTP_CHUNKED_DONE);
	assert_int_equal(used, 5);
	assert_int_equal(http_chunked_feed(&st, (const uint8_t *)"1\r\n", 3, &used),
			 HTTP_CHUNKED_DONE);
	assert_int_equal(used, 0);
	http_chunked_init(&st);
	assert_int_equal(http_chunked_feed(&st, (const uint8_t *)"z", 1, &used),
			 HTTP_CHUNKED_MALFORMED);
	assert_int_equal(http_chunked_feed(&st, (const uint8_t *)"0\r\n\r\n", 5, &used),
			 HTTP_CHUNKED_MALFORMED);
	assert_int_equal(used, 0);
	assert_string_equal(http_chunked_status_str(HTTP_CHUNKED_DONE), "done");
	assert_string_equal(http_chunked_reason_str(HTTP_CHUNKED_R_SIZE), "size");
	assert_string_equal(http_chunked_reason_str(HTTP_CHUNKED_R_COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests_name("http_chunked", tests, NULL, NULL);
}
