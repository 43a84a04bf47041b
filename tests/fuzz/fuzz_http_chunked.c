/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the chunked request-body skipper.
 *
 * Input: 3 control bytes (chunk sizes 1..256, used in turn), then the body
 * bytes. The body is fed whole, in those chunks and one byte at a time; the
 * three runs must end identically (status, reason, bytes used, counts).
 * After every call: the status is the return value, used is len while the
 * body goes on, at most len when it ends, 0 once terminal; a reason goes
 * with MALFORMED only; DONE ends on a LF. Every chunk is an exact-size
 * malloc so ASan catches a read past it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_chunked.h"

#define CTRL_LEN 3

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define REQUIRE(c)                        \
	do {                              \
		if (!(c))                 \
			__builtin_trap(); \
	} while (0)

struct end {
	enum http_chunked_status status;
	enum http_chunked_reason reason;
	size_t used;
	uint32_t n_chunks;
	uint64_t body_bytes;
	uint32_t flags;
};

static void feed(struct http_chunked *st, const uint8_t *body, size_t off, size_t len,
		 size_t *total)
{
	enum http_chunked_status was = st->status, now;
	uint8_t *piece = malloc(len > 0 ? len : 1);
	size_t used = 12345;

	REQUIRE(piece != NULL);
	memcpy(piece, body + off, len);
	now = http_chunked_feed(st, piece, len, &used);
	REQUIRE(now == st->status);
	REQUIRE((unsigned)st->reason < HTTP_CHUNKED_R_COUNT);
	REQUIRE((st->status == HTTP_CHUNKED_MALFORMED) == (st->reason != HTTP_CHUNKED_R_NONE));
	if (was != HTTP_CHUNKED_NEED_MORE) {
		REQUIRE(now == was && used == 0);
	} else if (now == HTTP_CHUNKED_NEED_MORE) {
		REQUIRE(used == len);
	} else {
		REQUIRE(used >= 1 && used <= len);
		if (now == HTTP_CHUNKED_DONE)
			REQUIRE(piece[used - 1] == '\n');
	}
	free(piece);
	*total += used;
}

static struct end finish(const struct http_chunked *st, size_t total)
{
	struct end e = {st->status, st->reason, total, st->n_chunks, st->body_bytes, st->flags};
	return e;
}

static bool same(const struct end *a, const struct end *b)
{
	return a->status == b->status && a->reason == b->reason && a->used == b->used &&
	       a->n_chunks == b->n_chunks && a->body_bytes == b->body_bytes &&
	       a->flags == b->flags;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct http_chunked st;
	struct end whole, chunked, bytes;
	size_t total, off, k = 0;
	const uint8_t *body;
	size_t len;

	if (n < CTRL_LEN)
		return 0;
	body = d + CTRL_LEN;
	len = n - CTRL_LEN;

	http_chunked_init(&st);
	total = 0;
	feed(&st, body, 0, len, &total);
	whole = finish(&st, total);
	REQUIRE(whole.used <= len);
	REQUIRE(whole.body_bytes <= len);

	http_chunked_init(&st);
	total = 0;
	for (off = 0; off < len;) {
		size_t c = (size_t)d[k++ % CTRL_LEN] + 1;
		if (c > len - off)
			c = len - off;
		feed(&st, body, off, c, &total);
		off += c;
	}
	chunked = finish(&st, total);

	http_chunked_init(&st);
	total = 0;
	for (off = 0; off < len; off++)
		feed(&st, body, off, 1, &total);
	bytes = finish(&st, total);

	REQUIRE(same(&whole, &chunked));
	REQUIRE(same(&whole, &bytes));
	return 0;
}
