/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the HPACK decoder and the HTTP/2 cleartext request parser.
 *
 * - Huffman: every code of RFC 7541 Appendix B (tests/data/h2c/
 *   rfc7541_huffman.txt, the RFC's table) decodes to its symbol; random
 *   strings encoded with that table round-trip; EOS, long or non-ones padding
 *   and short output buffers are refused.
 * - HPACK: every example of RFC 7541 Appendix C (rfc7541_appendix_c.txt):
 *   the fields, the dynamic table after each block and its size, eviction at
 *   256 bytes; every error the wire can cause.
 * - h2c: the C.3 and C.4 requests framed as a connection, fed whole, split at
 *   every byte and one byte at a time; curl --http2-prior-knowledge captures
 *   against nginx (tests/data/h2c/capture.sh); padding, priority,
 *   CONTINUATION, frame order and size errors, names and their ambiguity.
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
#define KB_RNG_SEED 0x853c49e6748fea9bull
#include "kb_test.h"

#include "h2c.h"
#include "hpack.h"

/* ------------------------------------------------------------------------ */
/* Huffman, from the RFC's table */

static uint32_t huff_code[HPACK_HUFF_SYMBOLS];
static uint8_t huff_len[HPACK_HUFF_SYMBOLS];

static int setup(void **state)
{
	char path[512];
	FILE *f;
	unsigned sym, len, n = 0;
	char hex[16];

	(void)state;
	snprintf(path, sizeof(path), "%s/h2c/rfc7541_huffman.txt", kb_data_dir());
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fscanf(f, "%u %15s %u", &sym, hex, &len) == 3) {
		if (sym >= HPACK_HUFF_SYMBOLS || sym != n)
			break;
		huff_code[sym] = (uint32_t)strtoul(hex, NULL, 16);
		huff_len[sym] = (uint8_t)len;
		n++;
	}
	fclose(f);
	return n == HPACK_HUFF_SYMBOLS ? 0 : -1;
}

/* Bit writer for Huffman strings. */
struct bits {
	uint8_t b[4096];
	size_t nbits;
};

static void put_bits(struct bits *w, uint32_t code, unsigned len)
{
	unsigned i;

	for (i = 0; i < len; i++) {
		size_t k = w->nbits++;
		uint8_t bit = (uint8_t)((code >> (len - 1 - i)) & 1);

		assert_true(k / 8 < sizeof(w->b));
		if (k % 8 == 0)
			w->b[k / 8] = 0;
		w->b[k / 8] |= (uint8_t)(bit << (7 - k % 8));
	}
}

/* Encodes s with the RFC table, padded with ones; returns the byte count. */
static size_t huff_encode(const uint8_t *s, size_t n, uint8_t *out, size_t cap)
{
	struct bits w;
	size_t i;

	w.nbits = 0;
	for (i = 0; i < n; i++)
		put_bits(&w, huff_code[s[i]], huff_len[s[i]]);
	if (w.nbits % 8 != 0)
		put_bits(&w, 0xff, (unsigned)(8 - w.nbits % 8));
	assert_true(w.nbits / 8 <= cap);
	memcpy(out, w.b, w.nbits / 8);
	return w.nbits / 8;
}

static void test_huffman_table(void **state)
{
	uint8_t out[8];
	size_t out_len, k;
	unsigned sym;

	(void)state;
	/* every symbol alone */
	for (sym = 0; sym < 256; sym++) {
		struct bits w;

		w.nbits = 0;
		put_bits(&w, huff_code[sym], huff_len[sym]);
		if (w.nbits % 8 != 0)
			put_bits(&w, 0xff, (unsigned)(8 - w.nbits % 8));
		assert_true(hpack_huff_decode(w.b, w.nbits / 8, out, sizeof(out), &out_len));
		assert_int_equal(out_len, 1);
		assert_int_equal(out[0], sym);
	}
	/* EOS as a symbol, even once padded */
	{
		struct bits w;

		w.nbits = 0;
		put_bits(&w, huff_code['a'], huff_len['a']);
		put_bits(&w, huff_code[256], huff_len[256]);
		put_bits(&w, 0xff, (unsigned)(8 - w.nbits % 8));
		assert_false(hpack_huff_decode(w.b, w.nbits / 8, out, sizeof(out), &out_len));
	}
	/* padding: 8 bits of ones is too long; a zero inside it is not EOS's prefix */
	{
		static const uint8_t eight_ones[2] = { 0x1f, 0xff }; /* 'a' (00011) + 11 ones */
		static const uint8_t zero_pad[1] = { 0x18 };         /* 'a' + 000 */
		static const uint8_t one_pad[1] = { 0x1f };          /* 'a' + 111 */

		assert_false(hpack_huff_decode(eight_ones, 2, out, sizeof(out), &out_len));
		assert_false(hpack_huff_decode(zero_pad, 1, out, sizeof(out), &out_len));
		assert_true(hpack_huff_decode(one_pad, 1, out, sizeof(out), &out_len));
		assert_int_equal(out_len, 1);
		assert_int_equal(out[0], 'a');
	}
	/* empty input, and all-ones bytes (EOS prefix of 8+ bits) */
	assert_true(hpack_huff_decode(out, 0, out, sizeof(out), &out_len));
	assert_int_equal(out_len, 0);
	{
		static const uint8_t ones[4] = { 0xff, 0xff, 0xff, 0xff };

		for (k = 1; k <= 4; k++)
			assert_false(hpack_huff_decode(ones, k, out, sizeof(out), &out_len));
	}
	/* random strings round-trip; output room is checked */
	for (k = 0; k < 2000; k++) {
		uint8_t s[64], enc[256], dec[128];
		size_t n = (size_t)(kb_rng_next() % 64), i, m;
		bool printable = (k & 1) != 0;

		for (i = 0; i < n; i++)
			s[i] = printable ? (uint8_t)(0x20 + kb_rng_next() % 95) : (uint8_t)kb_rng_next();
		m = huff_encode(s, n, enc, sizeof(enc));
		assert_true(hpack_huff_decode(enc, m, dec, m * 8 / 5, &out_len));
		assert_int_equal(out_len, n);
		assert_memory_equal(dec, s, n);
		if (n > 0)
			assert_false(hpack_huff_decode(enc, m, dec, n - 1, &out_len));
	}
}

/* ------------------------------------------------------------------------ */
/* HPACK: RFC 7541 Appendix C */

struct collect {
	char names[32][64];
	char values[32][128];
	size_t n;
};

static bool collect_field(void *arg, const struct hpack_field *f)
{
	struct collect *c = arg;

	assert_true(c->n < 32 && f->name_len < 64 && f->value_len < 128);
	memcpy(c->names[c->n], f->name, f->name_len);
	c->names[c->n][f->name_len] = '\0';
	memcpy(c->values[c->n], f->value, f->value_len);
	c->values[c->n][f->value_len] = '\0';
	c->n++;
	return true;
}

static bool stop_after_two(void *arg, const struct hpack_field *f)
{
	struct collect *c = arg;

	(void)f;
	return ++c->n < 2;
}

static void test_rfc7541_appendix_c(void **state)
{
	static uint8_t blocks[32][512], scratch[8192];
	char path[512], line[1024];
	struct hpack_dec d;
	struct collect got;
	size_t n_examples = 0, block_len = 0, want_fields = 0, want_table = 0;
	char id[16] = "";
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/h2c/rfc7541_appendix_c.txt", kb_data_dir());
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *tab1 = strchr(line, '\t'), *tab2;
		unsigned max, size;
		char mode[16];

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#')
			continue;
		if (sscanf(line, "example %15s %u %15s", id, &max, mode) == 3) {
			if (strcmp(mode, "new") == 0)
				hpack_dec_init(&d, scratch, sizeof(scratch));
			d.max_size = max; /* as SETTINGS_HEADER_TABLE_SIZE would set it */
			want_fields = want_table = 0;
			n_examples++;
		} else if (strncmp(line, "block ", 6) == 0) {
			assert_true(n_examples <= 32);
			block_len = kb_unhex(line + 6, blocks[n_examples - 1], 512);
			memset(&got, 0, sizeof(got));
			/* blocks stay alive: the dynamic table points into them */
			assert_int_equal(hpack_decode_block(&d, blocks[n_examples - 1], block_len,
							    collect_field, &got),
					 HPACK_OK);
			assert_int_equal(d.n_fields, got.n);
		} else if (tab1 != NULL && (tab2 = strchr(tab1 + 1, '\t')) != NULL) {
			*tab1 = *tab2 = '\0';
			if (strcmp(line, "field") == 0) {
				assert_true(want_fields < got.n);
				assert_string_equal(got.names[want_fields], tab1 + 1);
				assert_string_equal(got.values[want_fields], tab2 + 1);
				want_fields++;
			} else {
				struct hpack_entry e;

				/* table entry i is index 62 + i */
				assert_true(want_table < d.n_dyn);
				e = d.dyn[(d.head + HPACK_MAX_ENTRIES - want_table) % HPACK_MAX_ENTRIES];
				assert_int_equal(e.name_len, strlen(tab1 + 1));
				assert_memory_equal(e.name, tab1 + 1, e.name_len);
				assert_int_equal(e.value_len, strlen(tab2 + 1));
				assert_memory_equal(e.value, tab2 + 1, e.value_len);
				want_table++;
			}
		} else if (sscanf(line, "size %u", &size) == 1) {
			print_message("%s: %zu fields, %u entries, size %u\n", id, got.n, d.n_dyn,
				      d.size);
			assert_int_equal(want_fields, got.n);
			assert_int_equal(want_table, d.n_dyn);
			assert_int_equal(d.size, size);
		}
	}
	fclose(f);
	assert_int_equal(n_examples, 16);
}

static void test_static_table(void **state)
{
	struct hpack_entry e;

	(void)state;
	assert_false(hpack_static_entry(0, &e));
	assert_false(hpack_static_entry(62, &e));
	assert_true(hpack_static_entry(1, &e));
	assert_int_equal(e.name_len, 10);
	assert_memory_equal(e.name, ":authority", 10);
	assert_int_equal(e.value_len, 0);
	assert_true(hpack_static_entry(16, &e));
	assert_memory_equal(e.value, "gzip, deflate", 13);
	assert_true(hpack_static_entry(38, &e));
	assert_memory_equal(e.name, "host", 4);
	assert_true(hpack_static_entry(61, &e));
	assert_int_equal(e.name_len, 16);
	assert_memory_equal(e.name, "www-authenticate", 16);
}

static enum hpack_status decode_hex(struct hpack_dec *d, const char *hex, uint8_t *blk)
{
	size_t n = kb_unhex(hex, blk, 4096);

	return hpack_decode_block(d, blk, n, NULL, NULL);
}

static void test_hpack_errors(void **state)
{
	static uint8_t scratch[256], blk[8192];
	struct hpack_dec d;
	size_t i, n;

	(void)state;
#define EXPECT_BAD(hex, r)                                                    \
	do {                                                                  \
		hpack_dec_init(&d, scratch, sizeof(scratch));                 \
		assert_int_equal(decode_hex(&d, hex, blk), HPACK_MALFORMED);  \
		assert_int_equal(d.reason, r);                                \
	} while (0)
	EXPECT_BAD("80", HPACK_R_INDEX);                  /* index 0 */
	EXPECT_BAD("be", HPACK_R_INDEX);                  /* 62: empty dynamic table */
	EXPECT_BAD("ff", HPACK_R_INTEGER);                /* continuation missing */
	EXPECT_BAD("ff ff ff ff ff 0f", HPACK_R_INTEGER); /* over 2^24 */
	EXPECT_BAD("ff 80 80 80 80 00", HPACK_R_INTEGER); /* 5 continuation bytes */
	EXPECT_BAD("40 05 61 62", HPACK_R_STRING);        /* name past the end */
	EXPECT_BAD("41 05 61 62", HPACK_R_STRING);        /* value past the end */
	EXPECT_BAD("41", HPACK_R_STRING);                 /* value missing */
	EXPECT_BAD("41 81 ff", HPACK_R_HUFFMAN);          /* 8 bits of padding */
	EXPECT_BAD("41 84 ff ff ff ff", HPACK_R_HUFFMAN); /* EOS */
	EXPECT_BAD("82 20", HPACK_R_SIZE_UPDATE);         /* update after a field */
	EXPECT_BAD("3f e2 ff 03", HPACK_R_SIZE_UPDATE);   /* above 65536 */
	EXPECT_BAD("0f 2f 00", HPACK_R_INDEX);            /* literal, index 62 */
	/* an update of 65536 is fine; so are two at the start */
	hpack_dec_init(&d, scratch, sizeof(scratch));
	assert_int_equal(decode_hex(&d, "3f e1 ff 03 20 82", blk), HPACK_OK);
	assert_int_equal(d.max_size, 0);
	/* Huffman output beyond the scratch */
	hpack_dec_init(&d, scratch, 4);
	assert_int_equal(decode_hex(&d, "41 8c f1e3 c2e5 f23a 6ba0 ab90 f4ff", blk),
			 HPACK_MALFORMED);
	assert_int_equal(d.reason, HPACK_R_SCRATCH);
	hpack_dec_init(&d, NULL, 0);
	assert_int_equal(decode_hex(&d, "41 80 82", blk), HPACK_OK); /* empty Huffman */
	assert_int_equal(decode_hex(&d, "41 81 1f", blk), HPACK_MALFORMED);
	assert_int_equal(d.reason, HPACK_R_SCRATCH);

	/* eviction: 4096-byte table, entries of 32 + 1 + 100 bytes */
	hpack_dec_init(&d, scratch, sizeof(scratch));
	n = 0;
	for (i = 0; i < 40; i++) {
		blk[n++] = 0x40;
		blk[n++] = 1;
		blk[n++] = (uint8_t)('a' + i % 26);
		blk[n++] = 100;
		memset(blk + n, 'v', 100);
		n += 100;
	}
	assert_int_equal(hpack_decode_block(&d, blk, n, NULL, NULL), HPACK_OK);
	assert_int_equal(d.n_dyn, 4096 / 133);
	assert_true(d.size <= 4096);
	/* an index past the live entries is refused, the newest is fine */
	{
		uint8_t ref[2] = { 0xbe, 0 };

		assert_int_equal(hpack_decode_block(&d, ref, 1, NULL, NULL), HPACK_OK);
		ref[0] = (uint8_t)(0x80 | (62 + d.n_dyn));
		assert_int_equal(hpack_decode_block(&d, ref, 1, NULL, NULL), HPACK_MALFORMED);
		assert_int_equal(d.reason, HPACK_R_INDEX);
	}
	/* an entry larger than the table empties it */
	{
		static uint8_t big[5000];

		n = 0;
		big[n++] = 0x40;
		big[n++] = 1;
		big[n++] = 'z';
		/* value length 4096: 127 in the prefix, then 1 + (31 << 7) */
		big[n++] = 0x7f;
		big[n++] = 0x81;
		big[n++] = 0x1f;
		memset(big + n, 'w', 4096);
		n += 4096;
		assert_int_equal(hpack_decode_block(&d, big, n, NULL, NULL), HPACK_OK);
		assert_int_equal(d.n_dyn, 0);
		assert_int_equal(d.size, 0);
	}
	/* more live entries than HPACK_MAX_ENTRIES: empty names and values */
	hpack_dec_init(&d, scratch, sizeof(scratch));
	assert_int_equal(decode_hex(&d, "3f e1 ff 03", blk), HPACK_OK);
	n = 0;
	for (i = 0; i <= HPACK_MAX_ENTRIES; i++) {
		blk[n++] = 0x40;
		blk[n++] = 0;
		blk[n++] = 0;
	}
	assert_int_equal(hpack_decode_block(&d, blk, n, NULL, NULL), HPACK_MALFORMED);
	assert_int_equal(d.reason, HPACK_R_TOO_MANY_ENTRIES);
	/* more fields than HPACK_MAX_FIELDS */
	hpack_dec_init(&d, scratch, sizeof(scratch));
	memset(blk, 0x82, HPACK_MAX_FIELDS + 1);
	assert_int_equal(hpack_decode_block(&d, blk, HPACK_MAX_FIELDS + 1, NULL, NULL),
			 HPACK_MALFORMED);
	assert_int_equal(d.reason, HPACK_R_TOO_MANY_FIELDS);
	assert_int_equal(hpack_decode_block(&d, blk, HPACK_MAX_FIELDS, NULL, NULL), HPACK_OK);
	/* the callback stops the block */
	{
		struct collect c = { .n = 0 };

		assert_int_equal(hpack_decode_block(&d, blk, 3, stop_after_two, &c), HPACK_STOPPED);
		assert_int_equal(c.n, 2);
	}
	assert_string_equal(hpack_reason_str(HPACK_R_HUFFMAN), "huffman");
	assert_string_equal(hpack_reason_str(HPACK_R_COUNT), "unknown");
#undef EXPECT_BAD
}

/* ------------------------------------------------------------------------ */
/* h2c streams */

struct stream {
	uint8_t b[65536];
	size_t n;
};

static void s_put(struct stream *s, const void *p, size_t n)
{
	assert_true(s->n + n <= sizeof(s->b));
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

static void s_frame(struct stream *s, uint32_t len, uint8_t type, uint8_t flags, uint32_t id)
{
	uint8_t h[9] = { (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len, type, flags,
			 (uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id };

	s_put(s, h, 9);
}

/* Preface and an empty SETTINGS frame: what every client sends first. */
static void s_start(struct stream *s)
{
	s->n = 0;
	s_put(s, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	s_frame(s, 0, 4, 0, 0);
}

static void s_headers(struct stream *s, const uint8_t *blk, size_t n, uint32_t id)
{
	s_frame(s, (uint32_t)n, 1, 0x5, id);
	s_put(s, blk, n);
}

/* A literal field without indexing, new name, no Huffman. */
static size_t lit(uint8_t *o, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value), k = 0;

	assert_true(nl < 127 && vl < 127);
	o[k++] = 0x00;
	o[k++] = (uint8_t)nl;
	memcpy(o + k, name, nl);
	k += nl;
	o[k++] = (uint8_t)vl;
	memcpy(o + k, value, vl);
	return k + vl;
}

static uint8_t g_buf[H2C_DEFAULT_CAP * 8];

/* Feeds through an exact-size copy of each chunk. */
static enum h2c_status feed(struct h2c *st, const uint8_t *p, size_t n)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	enum h2c_status s;

	assert_non_null(copy);
	if (n > 0)
		memcpy(copy, p, n);
	s = h2c_feed(st, copy, n);
	assert_int_equal(s, st->status);
	free(copy);
	return s;
}

static enum h2c_status run_whole(struct h2c *st, const struct stream *s, size_t cap)
{
	h2c_init(st, g_buf, cap);
	return feed(st, s->b, s->n);
}

static void assert_name(const struct h2c *st, uint32_t i, const char *name, uint8_t source)
{
	assert_true(i < st->n_names);
	if (st->names[i].len != strlen(name) || memcmp(st->names[i].p, name, strlen(name)) != 0)
		fail_msg("name %u: want %s, got %.*s", i, name, st->names[i].len, st->names[i].p);
	assert_int_equal(st->names[i].source, source);
}

static void assert_h2c(const struct h2c *st, enum h2c_status s, enum h2c_reason r)
{
	if (st->status != s || st->reason != r)
		fail_msg("want %s/%s, got %s/%s (hpack %s)", h2c_status_str(s), h2c_reason_str(r),
			 h2c_status_str(st->status), h2c_reason_str(st->reason),
			 hpack_reason_str(st->hpack_reason));
}

/*
 * Feeds s whole, in two pieces split at every byte and one byte at a time:
 * every run must end alike, with the same names.
 */
static void all_splits(const struct stream *s, size_t cap, enum h2c_status want)
{
	static struct h2c whole, part;
	size_t k, i;

	run_whole(&whole, s, cap);
	assert_int_equal(whole.status, want);
	for (k = 0; k <= s->n; k++) {
		h2c_init(&part, g_buf + cap, cap);
		feed(&part, s->b, k);
		if (k < s->n && part.status == H2C_NEED_MORE)
			feed(&part, s->b + k, s->n - k);
		assert_int_equal(part.status, whole.status);
		assert_int_equal(part.reason, whole.reason);
		assert_int_equal(part.n_names, whole.n_names);
		for (i = 0; i < whole.n_names; i++) {
			assert_int_equal(part.names[i].len, whole.names[i].len);
			assert_memory_equal(part.names[i].p, whole.names[i].p, whole.names[i].len);
		}
	}
	h2c_init(&part, g_buf + cap, cap);
	for (k = 0; k < s->n && part.status == H2C_NEED_MORE; k++) {
		feed(&part, s->b + k, 1);
		if (part.status == H2C_NEED_MORE)
			assert_int_equal(part.n_names, 0);
	}
	assert_int_equal(part.status, whole.status);
	assert_int_equal(part.n_names, whole.n_names);
}

static void test_rfc_requests_as_h2c(void **state)
{
	static const char *const blocks[] = {
		"8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",     /* C.3.1 */
		"8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",           /* C.4.1 */
	};
	struct stream s;
	struct h2c st;
	uint8_t blk[256];
	size_t i, n;

	(void)state;
	for (i = 0; i < 2; i++) {
		n = kb_unhex(blocks[i], blk, sizeof(blk));
		s_start(&s);
		s_headers(&s, blk, n, 1);
		all_splits(&s, H2C_DEFAULT_CAP, H2C_DONE);
		run_whole(&st, &s, H2C_DEFAULT_CAP);
		assert_int_equal(st.n_names, 1);
		assert_name(&st, 0, "www.example.com", H2C_SRC_AUTHORITY);
		assert_int_equal(st.n_fields, 4);
		assert_int_equal(st.stream_id, 1);
		assert_int_equal(st.block_len, n);
		assert_int_equal(!!(st.flags & H2C_F_HUFFMAN), i == 1);
		assert_true(st.flags & H2C_F_DYNAMIC);
		assert_false(st.flags & H2C_F_AMBIGUOUS);
		/* sticky */
		assert_int_equal(feed(&st, s.b, s.n), H2C_DONE);
	}
	/* C.3.2 and C.4.2 need the table of the first request: alone they fail */
	n = kb_unhex("8286 84be 5808 6e6f 2d63 6163 6865", blk, sizeof(blk));
	s_start(&s);
	s_headers(&s, blk, n, 1);
	run_whole(&st, &s, H2C_DEFAULT_CAP);
	assert_h2c(&st, H2C_MALFORMED, H2C_R_HPACK);
	assert_int_equal(st.hpack_reason, HPACK_R_INDEX);
	/* ... and after it in one block they read (the name twice, the same) */
	n = kb_unhex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff 8286 84be 5886 a8eb 1064 9cbf",
		  blk, sizeof(blk));
	s_start(&s);
	s_headers(&s, blk, n, 1);
	all_splits(&s, H2C_DEFAULT_CAP, H2C_DONE);
	run_whole(&st, &s, H2C_DEFAULT_CAP);
	assert_int_equal(st.n_names, 2);
	assert_name(&st, 1, "www.example.com", H2C_SRC_AUTHORITY);
	assert_true(st.flags & H2C_F_DUP_AUTHORITY);
	assert_false(st.flags & H2C_F_AMBIGUOUS);
}

/* curl --http2-prior-knowledge captures: segments as sent, then all splits. */
static void curl_capture(const char *file, size_t cap, const char *name, uint32_t port,
			 enum h2c_status want, enum h2c_reason want_reason)
{
	static struct stream s;
	char path[512];
	static char line[80000];
	struct h2c st;
	FILE *f;
	size_t segs = 0;

	snprintf(path, sizeof(path), "%s/h2c/%s", kb_data_dir(), file);
	f = fopen(path, "r");
	assert_non_null(f);
	s.n = 0;
	h2c_init(&st, g_buf, cap);
	while (fgets(line, sizeof(line), f) != NULL) {
		uint8_t *seg = s.b + s.n;
		size_t n = kb_unhex(line, seg, sizeof(s.b) - s.n);

		if (n == 0)
			continue;
		s.n += n;
		segs++;
		if (st.status == H2C_NEED_MORE)
			feed(&st, seg, n);
	}
	fclose(f);
	print_message("%s: %zu segments, %zu bytes, %s/%s, block %u, fields %u, frames %u, "
		      "flags %#x\n",
		      file, segs, s.n, h2c_status_str(st.status), h2c_reason_str(st.reason),
		      st.block_len, st.n_fields, st.n_frames, st.flags);
	assert_h2c(&st, want, want_reason);
	if (want == H2C_DONE) {
		assert_int_equal(st.n_names, 1);
		assert_name(&st, 0, name, H2C_SRC_AUTHORITY);
		assert_int_equal(st.names[0].port, port);
	}
	if (s.n < 2000)
		all_splits(&s, cap, want);
}

static void test_curl_captures(void **state)
{
	(void)state;
	curl_capture("curl_plain.hex", H2C_DEFAULT_CAP, "h2c.kaspersky.com", 8080, H2C_DONE,
		     H2C_R_NONE);
	curl_capture("curl_path.hex", H2C_DEFAULT_CAP, "updates.kaspersky.com", 8080, H2C_DONE,
		     H2C_R_NONE);
	curl_capture("curl_ipv4.hex", H2C_DEFAULT_CAP, "198.51.100.2", 8080, H2C_DONE,
		     H2C_R_NONE);
	/* curl turns a Host header into :authority */
	curl_capture("curl_host_header.hex", H2C_DEFAULT_CAP, "Kaspersky.COM", 0, H2C_DONE,
		     H2C_R_NONE);
	/*
	 * A 20000-byte header: HEADERS and CONTINUATION, a 17.5 KB block whose
	 * Huffman value decodes to 20000 bytes: 37.5 KB in all, more than the
	 * default buffer.
	 */
	curl_capture("curl_continuation.hex", H2C_DEFAULT_CAP * 3, "big.kaspersky.com", 8080,
		     H2C_DONE, H2C_R_NONE);
	curl_capture("curl_continuation.hex", H2C_DEFAULT_CAP, "", 0, H2C_MALFORMED,
		     H2C_R_TOO_BIG);
}

static void test_frames(void **state)
{
	struct stream s;
	struct h2c st;
	uint8_t blk[512];
	size_t n, pad;

	(void)state;
	n = lit(blk, ":authority", "pad.example:443");
	/* PADDED (every pad length), PRIORITY, both */
	for (pad = 0; pad < 256; pad += (pad < 8 ? 1 : 37)) {
		s_start(&s);
		s_frame(&s, (uint32_t)(1 + n + pad), 1, 0x4 | 0x8, 3);
		s_put(&s, (uint8_t[]){ (uint8_t)pad }, 1);
		s_put(&s, blk, n);
		memset(s.b + s.n, 0, pad);
		s.n += pad;
		if (pad == 5)
			all_splits(&s, H2C_DEFAULT_CAP, H2C_DONE);
		run_whole(&st, &s, H2C_DEFAULT_CAP);
		assert_h2c(&st, H2C_DONE, H2C_R_NONE);
		assert_name(&st, 0, "pad.example", H2C_SRC_AUTHORITY);
		assert_int_equal(st.names[0].port, 443);
		assert_true(st.flags & H2C_F_PADDED);
		assert_int_equal(st.stream_id, 3);
	}
	s_start(&s);
	s_frame(&s, (uint32_t)(5 + n), 1, 0x4 | 0x20, 1);
	s_put(&s, "\x80\x00\x00\x00\x10", 5);
	s_put(&s, blk, n);
	all_splits(&s, H2C_DEFAULT_CAP, H2C_DONE);
	run_whole(&st, &s, H2C_DEFAULT_CAP);
	assert_true(st.flags & H2C_F_PRIORITY);
	s_start(&s);
	s_frame(&s, (uint32_t)(6 + n + 3), 1, 0x4 | 0x20 | 0x8, 1);
	s_put(&s, "\x03\x00\x00\x00\x00\x10", 6);
	s_put(&s, blk, n);
	s_put(&s, "\0\0\0", 3);
	all_splits(&s, H2C_DEFAULT_CAP, H2C_DONE);
	/* pad length beyond the frame; frame shorter than its fields */
	s_start(&s);
	s_frame(&s, (uint32_t)(1 + n), 1, 0x4 | 0x8, 1);
	s_put(&s, (uint8_t[]){ (uint8_t)(n + 1) }, 1);
	s_put(&s, blk, n);
	run_whole(&st, &s, H2C_DEFAULT_CAP);
	assert_h2c(&st, H2C_MALFORMED, H2C_R_PADDING);
	s_start(&s);
	s_frame(&s, 4, 1, 0x4 | 0x20, 1);
	s_put(&s, "\0\0\0\0", 4);
	run_whole(&st, &s, H2C_DEFAULT_CAP);
	assert_h2c(&st, H2C_MALFORMED, H2C_R_FRAME_SIZE);

	/* CONTINUATION: the block cut in 4, the last frame empty */
	s_start(&s);
	s_frame(&s, 5, 1, 0x0, 1);
	s_put(&s, blk, 5);
	s_frame(&s, (uint32_t)(n - 10), 9, 0, 1);
	s_put(&s, blk + 5, n - 10);
	s_frame(&s, 5, 9, 0, 1);
	s_put(&s, blk + n - 5, 5);
	s_frame(&s, 0, 9, 0x4, 1);
	all_splits(&s, H2C_DEFAULT_CAP, H2C_DONE);
	run_whole(&st, &s, H2C_DEFAULT_CAP);
	assert_name(&st, 0, "pad.example", H2C_SRC_AUTHORITY);
	assert_true(st.flags & H2C_F_CONTINUATION);
	/* ... on another stream, or with a PING between */
	s_start(&s);
	s_frame(&s, 5, 1, 0x0, 1);
	s_put(&s, blk, 5);
	s_frame(&s, (uint32_t)(n - 5), 9, 0x4, 3);
	s_put(&s, blk + 5, n - 5);
	run_whole(&st, &s, H2C_DEFAULT_CAP);
	assert_h2c(&st, H2C_MALFORMED, H2C_R_CONTINUATION);
	s_start(&s);
	s_frame(&s, 5, 1, 0x0, 1);
	s_put(&s, blk, 5);
	s_frame(&s, 8, 6, 0, 0);
	s_put(&s, "\0\0\0\0\0\0\0\0", 8);
	run_whole(&st, &s, H2C_DEFAULT_CAP);
	assert_h2c(&st, H2C_MALFORMED, H2C_R_CONTINUATION);
	/* a stray CONTINUATION */
	s_start(&s);
	s_frame(&s, (uint32_t)n, 9, 0x4, 1);
	s_put(&s, blk, n);
	run_whole(&st, &s, H2C_DEFAULT_CAP);
	assert_h2c(&st, H2C_MALFORMED, H2C_R_CONTINUATION);

	/* frames skipped before the request: SETTINGS with values and ACK,
	 * WINDOW_UPDATE, PRIORITY, PING, PRIORITY_UPDATE (0x10), GOAWAY */
	s_start(&s);
	s_frame(&s, 12, 4, 0, 0);
	s_put(&s, "\x00\x03\x00\x00\x00\x64\x00\x04\x00\xa0\x00\x00", 12);
	s_frame(&s, 0, 4, 1, 0);
	s_frame(&s, 4, 8, 0, 0);
	s_put(&s, "\x3f\xff\x00\x01", 4);
	s_frame(&s, 5, 2, 0, 3);
	s_put(&s, "\x00\x00\x00\x00\x0f", 5);
	s_frame(&s, 8, 6, 0, 0);
	s_put(&s, "pingpong", 8);
	s_frame(&s, 7, 0x10, 0, 0);
	s_put(&s, "\x00\x00\x00\x01u=1", 7);
	s_frame(&s, 8, 7, 0, 0);
	s_put(&s, "\0\0\0\0\0\0\0\0", 8);
	s_headers(&s, blk, n, 5);
	all_splits(&s, H2C_DEFAULT_CAP, H2C_DONE);
	run_whole(&st, &s, H2C_DEFAULT_CAP);
	assert_true(st.flags & H2C_F_UNKNOWN_FRAME);
	assert_true(st.flags & H2C_F_GOAWAY);
	assert_int_equal(st.n_frames, 9);

	/* frame errors */
#define FRAME_CASE(len, type, flags, id, payload, reason)                     \
	do {                                                                  \
		s_start(&s);                                                  \
		s_frame(&s, len, type, flags, id);                            \
		s_put(&s, payload, len);                                      \
		s_headers(&s, blk, n, 1);                                     \
		run_whole(&st, &s, H2C_DEFAULT_CAP);                          \
		assert_h2c(&st, H2C_MALFORMED, reason);                       \
	} while (0)
	FRAME_CASE(5, 4, 0, 0, "\0\0\0\0\0", H2C_R_SETTINGS);
	FRAME_CASE(6, 4, 0, 1, "\0\0\0\0\0\0", H2C_R_SETTINGS);
	FRAME_CASE(6, 4, 1, 0, "\0\0\0\0\0\0", H2C_R_SETTINGS);
	FRAME_CASE(3, 8, 0, 0, "\0\0\1", H2C_R_FRAME_SIZE);
	FRAME_CASE(5, 2, 0, 0, "\0\0\0\0\0", H2C_R_FRAME_SIZE);
	FRAME_CASE(8, 6, 0, 1, "\0\0\0\0\0\0\0\0", H2C_R_FRAME_SIZE);
	FRAME_CASE(7, 6, 0, 0, "\0\0\0\0\0\0\0", H2C_R_FRAME_SIZE);
	FRAME_CASE(2, 0, 0, 1, "hi", H2C_R_FRAME_ORDER);
	FRAME_CASE(4, 3, 0, 1, "\0\0\0\0", H2C_R_FRAME_ORDER);
	FRAME_CASE(4, 5, 0, 1, "\0\0\0\2", H2C_R_FRAME_ORDER);
#undef FRAME_CASE
	/* HEADERS on stream 0 or a server stream */
	s_start(&s);
	s_headers(&s, blk, n, 0);
	run_whole(&st, &s, H2C_DEFAULT_CAP);
	assert_h2c(&st, H2C_MALFORMED, H2C_R_STREAM_ID);
	s_start(&s);
	s_headers(&s, blk, n, 2);
	run_whole(&st, &s, H2C_DEFAULT_CAP);
	assert_h2c(&st, H2C_MALFORMED, H2C_R_STREAM_ID);
	/* the first frame must be SETTINGS */
	s.n = 0;
	s_put(&s, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	s_headers(&s, blk, n, 1);
	run_whole(&st, &s, H2C_DEFAULT_CAP);
	assert_h2c(&st, H2C_MALFORMED, H2C_R_FIRST_FRAME);
	/* too many frames */
	s_start(&s);
	for (pad = 0; pad < H2C_MAX_FRAMES; pad++) {
		s_frame(&s, 4, 8, 0, 0);
		s_put(&s, "\0\0\0\1", 4);
	}
	s_headers(&s, blk, n, 1);
	run_whole(&st, &s, H2C_DEFAULT_CAP);
	assert_h2c(&st, H2C_MALFORMED, H2C_R_TOO_MANY_FRAMES);
	/* an empty block: done, no name */
	s_start(&s);
	s_frame(&s, 0, 1, 0x5, 1);
	run_whole(&st, &s, H2C_DEFAULT_CAP);
	assert_h2c(&st, H2C_DONE, H2C_R_NONE);
	assert_true(st.flags & H2C_F_NO_NAME);
	/* the buffer: block exactly fits with nothing to Huffman-decode; one byte less does not */
	s_start(&s);
	s_headers(&s, blk, n, 1);
	run_whole(&st, &s, n);
	assert_h2c(&st, H2C_DONE, H2C_R_NONE);
	run_whole(&st, &s, n - 1);
	assert_h2c(&st, H2C_MALFORMED, H2C_R_TOO_BIG);
	/* Huffman strings need room after the block */
	n = kb_unhex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff", blk, sizeof(blk));
	s_start(&s);
	s_headers(&s, blk, n, 1);
	run_whole(&st, &s, n + 14);
	assert_h2c(&st, H2C_MALFORMED, H2C_R_HPACK);
	assert_int_equal(st.hpack_reason, HPACK_R_SCRATCH);
	run_whole(&st, &s, n + 15);
	assert_h2c(&st, H2C_DONE, H2C_R_NONE);
}

static void test_preface(void **state)
{
	static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
	struct h2c st;
	uint8_t b[32];
	size_t i;

	(void)state;
	for (i = 0; i < 24; i++) {
		memcpy(b, preface, 24);
		b[i] ^= 0x20;
		h2c_init(&st, g_buf, H2C_DEFAULT_CAP);
		assert_int_equal(feed(&st, b, i), H2C_NEED_MORE);
		assert_int_equal(feed(&st, b + i, 24 - i), H2C_NOT_H2);
		assert_int_equal(st.reason, H2C_R_PREFACE);
		/* sticky */
		assert_int_equal(feed(&st, (const uint8_t *)preface, 24), H2C_NOT_H2);
	}
	h2c_init(&st, g_buf, H2C_DEFAULT_CAP);
	assert_int_equal(feed(&st, (const uint8_t *)"GET / HTTP/1.1\r\n", 16), H2C_NOT_H2);
	h2c_init(&st, g_buf, H2C_DEFAULT_CAP);
	assert_int_equal(feed(&st, (const uint8_t *)"PRI * HTTP/1.1\r\n", 16), H2C_NOT_H2);
	h2c_init(&st, g_buf, H2C_DEFAULT_CAP);
	assert_int_equal(feed(&st, (const uint8_t *)"\x16\x03\x01", 3), H2C_NOT_H2);
	h2c_init(&st, g_buf, H2C_DEFAULT_CAP);
	assert_int_equal(feed(&st, NULL, 0), H2C_NEED_MORE);
	assert_int_equal(feed(&st, (const uint8_t *)preface, 24), H2C_NEED_MORE);
	assert_int_equal(st.n_frames, 0);
}

/* Builds a block of fields (name, value) pairs; returns its length. */
static size_t block_of(uint8_t *o, const char *const *kv, size_t n_kv)
{
	size_t k = 0, i;

	for (i = 0; i + 1 < n_kv; i += 2)
		k += lit(o + k, kv[i], kv[i + 1]);
	return k;
}

static void test_names(void **state)
{
	struct stream s;
	struct h2c st;
	uint8_t blk[1024];
	size_t n;

	(void)state;
#define NAMES_CASE(...)                                                       \
	do {                                                                  \
		static const char *const kv[] = { __VA_ARGS__ };              \
		n = block_of(blk, kv, sizeof(kv) / sizeof(kv[0]));            \
		s_start(&s);                                                  \
		s_headers(&s, blk, n, 1);                                     \
		run_whole(&st, &s, H2C_DEFAULT_CAP);                          \
	} while (0)
	/* :authority and host, the same name, ports aside */
	NAMES_CASE(":method", "GET", ":authority", "Ex.Example:8080", "host", "ex.example");
	assert_h2c(&st, H2C_DONE, H2C_R_NONE);
	assert_int_equal(st.n_names, 2);
	assert_name(&st, 0, "Ex.Example", H2C_SRC_AUTHORITY);
	assert_name(&st, 1, "ex.example", H2C_SRC_HOST);
	assert_false(st.flags & H2C_F_AMBIGUOUS);
	/* different: ambiguous, both kept */
	NAMES_CASE(":authority", "a.example", "host", "kaspersky.com");
	assert_true(st.flags & H2C_F_AMBIGUOUS);
	assert_name(&st, 1, "kaspersky.com", H2C_SRC_HOST);
	/* host alone, in capitals */
	NAMES_CASE(":method", "GET", "HoSt", "only-host.example");
	assert_h2c(&st, H2C_DONE, H2C_R_NONE);
	assert_name(&st, 0, "only-host.example", H2C_SRC_HOST);
	assert_true(st.flags & H2C_F_UPPERCASE);
	/* two hosts */
	NAMES_CASE("host", "a.example", "host", "b.example");
	assert_true(st.flags & H2C_F_DUP_HOST);
	assert_true(st.flags & H2C_F_AMBIGUOUS);
	/* IPv6 literal with port, without port; an empty port */
	NAMES_CASE(":authority", "[2001:db8::1]:8443");
	assert_name(&st, 0, "2001:db8::1", H2C_SRC_AUTHORITY);
	assert_true(st.names[0].ip_literal);
	assert_int_equal(st.names[0].port, 8443);
	NAMES_CASE(":authority", "[::1]");
	assert_name(&st, 0, "::1", H2C_SRC_AUTHORITY);
	NAMES_CASE(":authority", "x.example:");
	assert_name(&st, 0, "x.example", H2C_SRC_AUTHORITY);
	assert_int_equal(st.names[0].port, 0);
	/* empty values: flagged, no name */
	NAMES_CASE(":authority", "", ":path", "/");
	assert_h2c(&st, H2C_DONE, H2C_R_NONE);
	assert_true(st.flags & H2C_F_EMPTY_NAME);
	assert_true(st.flags & H2C_F_NO_NAME);
	NAMES_CASE(":authority", ":80");
	assert_true(st.flags & H2C_F_EMPTY_NAME);
	assert_int_equal(st.n_names, 0);
	/* bad authorities */
	{
		static const char *const bad[] = {
			"user@kaspersky.com", "a b.example", "a.example/x", "a.example?q",
			"a.example#f", "a\tb", "a.example:99999", "a.example:123456",
			"a.example:8x", "[::1", "[::1]x", "a\x7f",
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			const char *kv[2] = { ":authority", bad[i] };

			n = block_of(blk, kv, 2);
			s_start(&s);
			s_headers(&s, blk, n, 1);
			run_whole(&st, &s, H2C_DEFAULT_CAP);
			assert_h2c(&st, H2C_MALFORMED, H2C_R_AUTHORITY);
			assert_int_equal(st.n_names, 0);
		}
	}
	/* bytes left to host_normalize */
	NAMES_CASE(":authority", "xn--80ak6aa92e.com", "host", "a_b.example");
	assert_h2c(&st, H2C_DONE, H2C_R_NONE);
	/* H2C_MAX_NAMES, then one more */
	NAMES_CASE(":authority", "a.example", "host", "a.example", "host", "a.example", "host",
		   "a.example");
	assert_h2c(&st, H2C_DONE, H2C_R_NONE);
	assert_int_equal(st.n_names, H2C_MAX_NAMES);
	assert_false(st.flags & H2C_F_AMBIGUOUS);
	NAMES_CASE(":authority", "a.example", "host", "a.example", "host", "a.example", "host",
		   "a.example", "host", "a.example");
	assert_h2c(&st, H2C_MALFORMED, H2C_R_TOO_MANY_NAMES);
	/* a name that is only similar does not count */
	NAMES_CASE(":authorityx", "a.example", "hostx", "b.example", "hos", "c");
	assert_true(st.flags & H2C_F_NO_NAME);
	/* the name of an indexed :authority with incremental indexing, then reused */
	{
		static const uint8_t b2[] = { 0x41, 0x09, 'k', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
					      0xbe, 0x82 };

		s_start(&s);
		s_headers(&s, b2, sizeof(b2), 1);
		run_whole(&st, &s, H2C_DEFAULT_CAP);
		assert_int_equal(st.n_names, 2);
		assert_name(&st, 1, "k.example", H2C_SRC_AUTHORITY);
		assert_true(st.flags & H2C_F_DYNAMIC);
	}
#undef NAMES_CASE
}

static void test_strings(void **state)
{
	int r;

	(void)state;
	for (r = 0; r < H2C_R_COUNT; r++)
		assert_string_not_equal(h2c_reason_str((enum h2c_reason)r), "unknown");
	for (r = 0; r < HPACK_R_COUNT; r++)
		assert_string_not_equal(hpack_reason_str((enum hpack_reason)r), "unknown");
	assert_string_equal(h2c_reason_str(H2C_R_COUNT), "unknown");
	assert_string_equal(h2c_status_str(H2C_NOT_H2), "not_h2");
	assert_string_equal(h2c_status_str((enum h2c_status)9), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_huffman_table),
		cmocka_unit_test(test_rfc7541_appendix_c),
		cmocka_unit_test(test_static_table),
		cmocka_unit_test(test_hpack_errors),
		cmocka_unit_test(test_rfc_requests_as_h2c),
		cmocka_unit_test(test_curl_captures),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_preface),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_strings),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
