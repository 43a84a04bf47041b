/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the TLS ClientHello parser.
 *
 * Input: 4 control bytes, then the client's byte stream. Control byte 0 picks
 * the small buffer's size, bytes 1..3 where the stream is cut into up to four
 * chunks. The stream is fed whole and chunked, with the default cap and with
 * a small one, and through the record-less entry points; every run must agree
 * with the others and keep the invariants below. Each buffer is an exact-size
 * malloc so ASan catches any access past it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls_hello.h"

#define CTRL_LEN 4

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define REQUIRE(c)                    \
	do {                          \
		if (!(c))             \
			__builtin_trap(); \
	} while (0)

static void check_slices(const struct tls_hello *st, const uint8_t *base, size_t size)
{
	uint32_t i, k;

	REQUIRE(st->n_names <= TLS_HELLO_MAX_NAMES && st->n_alpn <= TLS_HELLO_MAX_ALPN);
	if (st->status != TLS_DONE) {
		REQUIRE(st->n_names == 0 && st->n_alpn == 0);
		return;
	}
	for (i = 0; i < st->n_names; i++) {
		const struct tls_slice *s = &st->names[i];

		REQUIRE(s->len >= 1 && s->len <= TLS_HELLO_MAX_NAME_LEN);
		REQUIRE(s->p >= base && (size_t)(s->p - base) + s->len <= size);
		for (k = 0; k < s->len; k++)
			REQUIRE(s->p[k] >= 0x20 && s->p[k] != 0x7f);
	}
	for (i = 0; i < st->n_alpn; i++) {
		const struct tls_slice *s = &st->alpn[i];

		REQUIRE(s->len >= 1);
		REQUIRE(s->p >= base && (size_t)(s->p - base) + s->len <= size);
	}
	REQUIRE((st->flags & TLS_F_SNI_MULTI) == 0 || st->n_names > 1);
}

static bool same_result(const struct tls_hello *a, const struct tls_hello *b)
{
	uint32_t i;

	if (a->status != b->status || a->reason != b->reason || a->flags != b->flags ||
	    a->n_names != b->n_names || a->n_alpn != b->n_alpn ||
	    a->max_version != b->max_version)
		return false;
	for (i = 0; i < a->n_names; i++)
		if (a->names[i].len != b->names[i].len ||
		    memcmp(a->names[i].p, b->names[i].p, a->names[i].len) != 0)
			return false;
	for (i = 0; i < a->n_alpn; i++)
		if (a->alpn[i].len != b->alpn[i].len ||
		    memcmp(a->alpn[i].p, b->alpn[i].p, a->alpn[i].len) != 0)
			return false;
	return true;
}

/* Feeds data in the chunks ending at cuts[] (ascending), then checks stickiness. */
static void run(struct tls_hello *st, uint8_t *buf, size_t cap, bool raw,
		const uint8_t *data, size_t len, const size_t *cuts, size_t n_cuts)
{
	enum tls_status s = TLS_NEED_MORE, term = TLS_NEED_MORE;
	enum tls_reason reason = TLS_R_NONE;
	size_t i, from = 0;

	tls_hello_init(st, buf, cap);
	for (i = 0; i <= n_cuts; i++) {
		size_t to = i < n_cuts ? cuts[i] : len;

		s = raw ? tls_hello_feed_handshake(st, data + from, to - from)
			: tls_hello_feed(st, data + from, to - from);
		REQUIRE(s == st->status);
		if (s == TLS_NEED_MORE) {
			REQUIRE(term == TLS_NEED_MORE && st->n_names == 0);
			REQUIRE(tls_hello_need(st) > 0);
		} else {
			if (term == TLS_NEED_MORE) {
				term = s;
				reason = st->reason;
			}
			REQUIRE(s == term && st->reason == reason);
			REQUIRE(tls_hello_need(st) == 0);
		}
		from = to;
	}
	check_slices(st, buf, cap);
	if (s != TLS_NEED_MORE) {
		uint32_t flags = st->flags, n_names = st->n_names;

		REQUIRE(tls_hello_feed(st, data, len) == s);
		REQUIRE(tls_hello_feed_handshake(st, data, len) == s);
		REQUIRE(tls_hello_parse_handshake(st, data, len) == s);
		REQUIRE(st->reason == reason && st->flags == flags && st->n_names == n_names);
	} else {
		REQUIRE(st->reason == TLS_R_NONE);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static struct tls_hello whole, chunked, small, hs_one, hs_feed;
	uint8_t *data, *big, *little;
	size_t len, cuts[3], small_cap, i;

	if (n < CTRL_LEN)
		return 0;
	len = n - CTRL_LEN;
	data = malloc(len > 0 ? len : 1);
	big = malloc(TLS_HELLO_DEFAULT_CAP);
	small_cap = 41 + (size_t)d[0] * 4; /* 41..1061 bytes */
	little = malloc(small_cap);
	if (data == NULL || big == NULL || little == NULL)
		abort();
	memcpy(data, d + CTRL_LEN, len);
	/* cut points in ascending order, as run() wants them */
	for (i = 0; i < 3; i++) {
		size_t c = len * d[1 + i] / 255, k = i;

		while (k > 0 && cuts[k - 1] > c) {
			cuts[k] = cuts[k - 1];
			k--;
		}
		cuts[k] = c;
	}

	/* 1: records, default cap: whole vs chunked */
	run(&whole, big, TLS_HELLO_DEFAULT_CAP, false, data, len, NULL, 0);
	{
		/* a second big buffer so the two results can be compared */
		uint8_t *big2 = malloc(TLS_HELLO_DEFAULT_CAP);

		if (big2 == NULL)
			abort();
		run(&chunked, big2, TLS_HELLO_DEFAULT_CAP, false, data, len, cuts, 3);
		REQUIRE(same_result(&whole, &chunked));
		free(big2);
	}

	/* 2: records, small cap: the same, or TOO_BIG where the default cap held it */
	run(&small, little, small_cap, false, data, len, cuts, 3);
	if (small.status == TLS_MALFORMED && small.reason == TLS_R_TOO_BIG)
		REQUIRE(whole.status != TLS_DONE || whole.hello_len > small_cap);
	else
		REQUIRE(same_result(&whole, &small));

	/* 3: record-less: in place vs gathered */
	tls_hello_init(&hs_one, NULL, 0);
	tls_hello_parse_handshake(&hs_one, data, len);
	check_slices(&hs_one, data, len);
	run(&hs_feed, big, TLS_HELLO_DEFAULT_CAP, true, data, len, cuts, 3);
	if (hs_feed.status == TLS_MALFORMED && hs_feed.reason == TLS_R_TOO_BIG)
		REQUIRE(hs_one.status != TLS_DONE || hs_one.hello_len > TLS_HELLO_DEFAULT_CAP);
	else
		REQUIRE(same_result(&hs_one, &hs_feed));
	if (hs_one.status == TLS_NEED_MORE && hs_feed.status == TLS_NEED_MORE && len >= 4)
		REQUIRE(tls_hello_need(&hs_one) == tls_hello_need(&hs_feed));

	free(little);
	free(big);
	free(data);
	return 0;
}
