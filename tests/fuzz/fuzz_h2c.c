/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the HTTP/2 cleartext request parser and the HPACK
 * decoder under it.
 *
 * Input: 4 control bytes, then the bytes. Control byte 0: bits 0-1 pick the
 * buffer (16384, 64, 512 or 4096 bytes); bit 7 wraps the bytes as a header
 * block (preface, SETTINGS, one HEADERS frame with END_HEADERS), so that
 * mutations go straight to HPACK. Bytes 1..3 say where the stream is cut into
 * up to four chunks.
 *
 * Invariants: whole and chunked feeding end alike with the same names;
 * results only with DONE, names inside the buffer and free of the bytes an
 * authority may not hold; terminal statuses are sticky. The bytes are also
 * Huffman-decoded: the output is at most 8/5 of the input and needs exactly
 * its own length of room.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "h2c.h"
#include "hpack.h"

#define CTRL_LEN 4

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define REQUIRE(c)                    \
	do {                          \
		if (!(c))             \
			__builtin_trap(); \
	} while (0)

static void check(const struct h2c *st, const uint8_t *buf, size_t cap)
{
	uint32_t i, k;

	REQUIRE(st->n_names <= H2C_MAX_NAMES);
	REQUIRE(st->block_len <= cap);
	if (st->status != H2C_DONE) {
		REQUIRE(st->n_names == 0);
		REQUIRE(st->status == H2C_NEED_MORE ? st->reason == H2C_R_NONE
						    : st->reason != H2C_R_NONE);
		return;
	}
	REQUIRE(st->reason == H2C_R_NONE);
	REQUIRE((st->n_names == 0) == ((st->flags & H2C_F_NO_NAME) != 0));
	for (i = 0; i < st->n_names; i++) {
		const struct h2c_name *nm = &st->names[i];

		REQUIRE(nm->len >= 1 && nm->port <= 65535);
		REQUIRE(nm->p >= buf && (size_t)(nm->p - buf) + nm->len <= cap);
		for (k = 0; k < nm->len; k++) {
			uint8_t b = nm->p[k];

			REQUIRE(b > 0x20 && b != 0x7f && b != '/' && b != '?' && b != '#' &&
				b != '@');
		}
	}
}

static bool same(const struct h2c *a, const struct h2c *b)
{
	uint32_t i;

	if (a->status != b->status || a->reason != b->reason || a->n_names != b->n_names ||
	    a->flags != b->flags || a->hpack_reason != b->hpack_reason)
		return false;
	for (i = 0; i < a->n_names; i++)
		if (a->names[i].len != b->names[i].len ||
		    memcmp(a->names[i].p, b->names[i].p, a->names[i].len) != 0 ||
		    a->names[i].port != b->names[i].port)
			return false;
	return true;
}

static void run(struct h2c *st, uint8_t *buf, size_t cap, const uint8_t *data, size_t len,
		const size_t *cuts, size_t n_cuts)
{
	size_t i, from = 0;
	enum h2c_status term = H2C_NEED_MORE;

	h2c_init(st, buf, cap);
	for (i = 0; i <= n_cuts; i++) {
		size_t to = i < n_cuts ? cuts[i] : len;
		enum h2c_status s = h2c_feed(st, data + from, to - from);

		REQUIRE(s == st->status);
		if (term != H2C_NEED_MORE)
			REQUIRE(s == term);
		term = s;
		from = to;
	}
	check(st, buf, cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const size_t caps[4] = { H2C_DEFAULT_CAP, 64, 512, 4096 };
	static struct h2c whole, chunked;
	uint8_t *data, *buf1, *buf2, *out;
	size_t len, cap, cuts[3], i, out_len;

	if (n < CTRL_LEN)
		return 0;
	cap = caps[d[0] & 3];
	len = n - CTRL_LEN;
	if ((d[0] & 0x80) != 0) {
		/* preface, empty SETTINGS, HEADERS(END_HEADERS) around the block */
		static const uint8_t head[24 + 9] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
						   "\0\0\0\4\0\0\0\0\0";
		uint8_t fh[9] = { (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len, 1, 4,
				  0, 0, 0, 1 };

		if (len >= 1u << 24)
			return 0;
		data = malloc(sizeof(head) + sizeof(fh) + len);
		if (data == NULL)
			abort();
		memcpy(data, head, sizeof(head));
		memcpy(data + sizeof(head), fh, sizeof(fh));
		memcpy(data + sizeof(head) + sizeof(fh), d + CTRL_LEN, len);
		len += sizeof(head) + sizeof(fh);
	} else {
		data = malloc(len > 0 ? len : 1);
		if (data == NULL)
			abort();
		memcpy(data, d + CTRL_LEN, len);
	}
	buf1 = malloc(cap);
	buf2 = malloc(cap);
	if (buf1 == NULL || buf2 == NULL)
		abort();
	for (i = 0; i < 3; i++) {
		size_t c = len * d[1 + i] / 255, k = i;

		while (k > 0 && cuts[k - 1] > c) {
			cuts[k] = cuts[k - 1];
			k--;
		}
		cuts[k] = c;
	}
	run(&whole, buf1, cap, data, len, NULL, 0);
	run(&chunked, buf2, cap, data, len, cuts, 3);
	/* names point into different buffers, their bytes must agree */
	REQUIRE(same(&whole, &chunked));
	if (whole.status != H2C_NEED_MORE)
		REQUIRE(h2c_feed(&whole, data, len) == whole.status);

	/* Huffman on the raw bytes */
	out = malloc(len * 8 / 5 + 1);
	if (out == NULL)
		abort();
	if (hpack_huff_decode(d + CTRL_LEN, n - CTRL_LEN, out, (n - CTRL_LEN) * 8 / 5, &out_len)) {
		REQUIRE(out_len * 5 <= (n - CTRL_LEN) * 8);
		if (out_len > 0)
			REQUIRE(!hpack_huff_decode(d + CTRL_LEN, n - CTRL_LEN, out, out_len - 1,
						   &out_len));
	}
	free(out);
	free(buf2);
	free(buf1);
	free(data);
	return 0;
}
