/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the HTTP/1 request-head parser.
 *
 * Input: 4 control bytes, then the client's byte stream. Byte 0 picks the
 * buffer cap (HTTP_HEAD_DEFAULT_CAP if its top bit is set, else 1..128, so
 * HEAD_TOO_LONG and the cap edge are reached); bytes 1..3 are the chunk
 * sizes (1..256), used in turn. The stream is fed whole, in those chunks
 * and one byte at a time; the three runs must end identically. After every
 * call: the status is the return value and sticks once terminal, published
 * names never change, each lies inside the gathered bytes and equals the
 * stream there. Every chunk and the buffer are exact-size mallocs so ASan
 * catches any access past them.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_head.h"

#define CTRL_LEN 4

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define REQUIRE(c)                        \
	do {                              \
		if (!(c))                 \
			__builtin_trap(); \
	} while (0)

struct run {
	uint8_t *buf;
	struct http_head st;
};

/* Names and fields that must not move once published / terminal. */
static bool same(const struct http_head *a, const uint8_t *abuf, const struct http_head *b,
		 const uint8_t *bbuf, bool all_names)
{
	unsigned i;

	if (!all_names && a->n_names > b->n_names)
		return false;
	for (i = 0; i < a->n_names; i++) {
		const struct http_name *x = &a->names[i], *y = &b->names[i];

		if (x->p - abuf != y->p - bbuf || x->len != y->len || x->port != y->port ||
		    x->source != y->source || x->flags != y->flags)
			return false;
	}
	if (!all_names)
		return true;
	return a->status == b->status && a->reason == b->reason && a->method == b->method &&
	       a->target_form == b->target_form && a->flags == b->flags &&
	       a->n_names == b->n_names && a->n_host_fields == b->n_host_fields &&
	       a->n_fields == b->n_fields && a->head_len == b->head_len &&
	       a->connect_port == b->connect_port && a->version_minor == b->version_minor &&
	       a->method_len == b->method_len && a->body == b->body &&
	       a->content_length == b->content_length;
}

static void check(const struct http_head *st, const uint8_t *buf, size_t cap,
		  const uint8_t *stream, size_t fed)
{
	unsigned i;

	REQUIRE(st->n_names <= HTTP_HEAD_MAX_NAMES);
	REQUIRE(st->n_fields <= HTTP_HEAD_MAX_FIELDS);
	REQUIRE((unsigned)st->reason < HTTP_R_COUNT);
	REQUIRE((st->status == HTTP_MALFORMED || st->status == HTTP_NOT_HTTP) ==
		(st->reason != HTTP_R_NONE));
	REQUIRE(st->status != HTTP_NOT_HTTP || st->n_names == 0);
	REQUIRE((st->status == HTTP_DONE) == (st->head_len != 0));
	REQUIRE(st->head_len <= fed && st->head_len <= cap);
	if (st->status == HTTP_DONE)
		REQUIRE(stream[st->head_len - 1] == '\n');
	for (i = 0; i < st->n_names; i++) {
		const struct http_name *nm = &st->names[i];
		size_t off;

		REQUIRE(nm->p >= buf && nm->len >= 1);
		off = (size_t)(nm->p - buf);
		REQUIRE(off + nm->len <= cap && off + nm->len <= fed);
		REQUIRE(memcmp(nm->p, stream + off, nm->len) == 0);
		REQUIRE(nm->source <= HTTP_SRC_CONNECT_AUTHORITY);
		if (nm->source == HTTP_SRC_CONNECT_AUTHORITY)
			REQUIRE(i == 0 && st->method == HTTP_M_CONNECT);
	}
	if (st->method != HTTP_M_NONE)
		REQUIRE(st->method_tok >= buf && st->method_len >= 1 &&
			st->method_len <= HTTP_METHOD_MAX_LEN &&
			(size_t)(st->method_tok - buf) + st->method_len <= fed);
}

/* Feeds stream in chunks of sizes cycling through sz[0..nsz) (0: whole). */
static void feed(struct run *r, size_t cap, const uint8_t *stream, size_t len,
		 const size_t *sz, size_t nsz)
{
	size_t pos = 0, k = 0;

	r->buf = malloc(cap > 0 ? cap : 1);
	REQUIRE(r->buf != NULL);
	http_head_init(&r->st, r->buf, cap);
	do {
		size_t c = nsz == 0 ? len : sz[k++ % nsz];
		struct http_head before = r->st;
		enum http_status ret;
		uint8_t *chunk;

		if (c > len - pos)
			c = len - pos;
		chunk = malloc(c > 0 ? c : 1);
		REQUIRE(chunk != NULL);
		memcpy(chunk, stream + pos, c);
		ret = http_head_feed(&r->st, c > 0 ? chunk : NULL, c);
		free(chunk);
		pos += c;
		REQUIRE(ret == r->st.status);
		REQUIRE(same(&before, r->buf, &r->st, r->buf, before.status != HTTP_NEED_MORE));
		check(&r->st, r->buf, cap, stream, pos);
	} while (pos < len);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const size_t one = 1;
	struct run whole, chunked, bytes;
	size_t cap, sz[3], i;
	const uint8_t *stream;
	size_t len;

	if (n < CTRL_LEN)
		return 0;
	cap = (d[0] & 0x80) ? HTTP_HEAD_DEFAULT_CAP : 1 + (size_t)(d[0] & 0x7f);
	for (i = 0; i < 3; i++)
		sz[i] = 1 + (size_t)d[1 + i];
	stream = d + CTRL_LEN;
	len = n - CTRL_LEN;

	feed(&whole, cap, stream, len, NULL, 0);
	feed(&chunked, cap, stream, len, sz, 3);
	feed(&bytes, cap, stream, len, &one, 1);
	REQUIRE(same(&whole.st, whole.buf, &chunked.st, chunked.buf, true));
	REQUIRE(same(&whole.st, whole.buf, &bytes.st, bytes.buf, true));

	/* the end is sticky: more bytes change nothing */
	if (whole.st.status != HTTP_NEED_MORE) {
		struct http_head before = whole.st;

		REQUIRE(http_head_feed(&whole.st, stream, len) == before.status);
		REQUIRE(same(&before, whole.buf, &whole.st, whole.buf, true));
	}
	free(whole.buf);
	free(chunked.buf);
	free(bytes.buf);
	return 0;
}
