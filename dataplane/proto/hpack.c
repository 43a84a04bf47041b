/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HPACK header-block decoder: static and dynamic tables, integers, strings
 * and the Huffman code of RFC 7541. hpack.h has the grammar.
 */

#include <string.h>

#include "cursor.h"
#include "hpack.h"

#define HPACK_STR(s) { (const uint8_t *)(s), sizeof(s) - 1 }

struct hpack_str {
	const uint8_t *p;
	uint32_t len;
};

/* RFC 7541 Appendix A, index 1..61 at [0..60]. */
static const struct hpack_str hpack_static[HPACK_STATIC_ENTRIES][2] = {
	{ HPACK_STR(":authority"), HPACK_STR("") },
	{ HPACK_STR(":method"), HPACK_STR("GET") },
	{ HPACK_STR(":method"), HPACK_STR("POST") },
	{ HPACK_STR(":path"), HPACK_STR("/") },
	{ HPACK_STR(":path"), HPACK_STR("/index.html") },
	{ HPACK_STR(":scheme"), HPACK_STR("http") },
	{ HPACK_STR(":scheme"), HPACK_STR("https") },
	{ HPACK_STR(":status"), HPACK_STR("200") },
	{ HPACK_STR(":status"), HPACK_STR("204") },
	{ HPACK_STR(":status"), HPACK_STR("206") },
	{ HPACK_STR(":status"), HPACK_STR("304") },
	{ HPACK_STR(":status"), HPACK_STR("400") },
	{ HPACK_STR(":status"), HPACK_STR("404") },
	{ HPACK_STR(":status"), HPACK_STR("500") },
	{ HPACK_STR("accept-charset"), HPACK_STR("") },
	{ HPACK_STR("accept-encoding"), HPACK_STR("gzip, deflate") },
	{ HPACK_STR("accept-language"), HPACK_STR("") },
	{ HPACK_STR("accept-ranges"), HPACK_STR("") },
	{ HPACK_STR("accept"), HPACK_STR("") },
	{ HPACK_STR("access-control-allow-origin"), HPACK_STR("") },
	{ HPACK_STR("age"), HPACK_STR("") },
	{ HPACK_STR("allow"), HPACK_STR("") },
	{ HPACK_STR("authorization"), HPACK_STR("") },
	{ HPACK_STR("cache-control"), HPACK_STR("") },
	{ HPACK_STR("content-disposition"), HPACK_STR("") },
	{ HPACK_STR("content-encoding"), HPACK_STR("") },
	{ HPACK_STR("content-language"), HPACK_STR("") },
	{ HPACK_STR("content-length"), HPACK_STR("") },
	{ HPACK_STR("content-location"), HPACK_STR("") },
	{ HPACK_STR("content-range"), HPACK_STR("") },
	{ HPACK_STR("content-type"), HPACK_STR("") },
	{ HPACK_STR("cookie"), HPACK_STR("") },
	{ HPACK_STR("date"), HPACK_STR("") },
	{ HPACK_STR("etag"), HPACK_STR("") },
	{ HPACK_STR("expect"), HPACK_STR("") },
	{ HPACK_STR("expires"), HPACK_STR("") },
	{ HPACK_STR("from"), HPACK_STR("") },
	{ HPACK_STR("host"), HPACK_STR("") },
	{ HPACK_STR("if-match"), HPACK_STR("") },
	{ HPACK_STR("if-modified-since"), HPACK_STR("") },
	{ HPACK_STR("if-none-match"), HPACK_STR("") },
	{ HPACK_STR("if-range"), HPACK_STR("") },
	{ HPACK_STR("if-unmodified-since"), HPACK_STR("") },
	{ HPACK_STR("last-modified"), HPACK_STR("") },
	{ HPACK_STR("link"), HPACK_STR("") },
	{ HPACK_STR("location"), HPACK_STR("") },
	{ HPACK_STR("max-forwards"), HPACK_STR("") },
	{ HPACK_STR("proxy-authenticate"), HPACK_STR("") },
	{ HPACK_STR("proxy-authorization"), HPACK_STR("") },
	{ HPACK_STR("range"), HPACK_STR("") },
	{ HPACK_STR("referer"), HPACK_STR("") },
	{ HPACK_STR("refresh"), HPACK_STR("") },
	{ HPACK_STR("retry-after"), HPACK_STR("") },
	{ HPACK_STR("server"), HPACK_STR("") },
	{ HPACK_STR("set-cookie"), HPACK_STR("") },
	{ HPACK_STR("strict-transport-security"), HPACK_STR("") },
	{ HPACK_STR("transfer-encoding"), HPACK_STR("") },
	{ HPACK_STR("user-agent"), HPACK_STR("") },
	{ HPACK_STR("vary"), HPACK_STR("") },
	{ HPACK_STR("via"), HPACK_STR("") },
	{ HPACK_STR("www-authenticate"), HPACK_STR("") },
};

/*
 * The Huffman code of RFC 7541 Appendix B is canonical (codes of one length
 * are consecutive, in symbol order, and follow the codes of the length
 * before), so two tables describe it: how many codes each length has, and
 * the symbols sorted by (length, symbol). tests/unit/test_h2c.c rebuilds
 * every code of the RFC's table from them.
 */
static const uint16_t hpack_huff_count[HPACK_HUFF_MAX_LEN + 1] = {
	0, 0, 0, 0, 0, 10, 26, 32, 6, 0, 5, 3, 2, 6, 2, 3,
	0, 0, 0, 3, 8, 13, 26, 29, 12, 4, 15, 19, 29, 0, 4,
};
static const uint16_t hpack_huff_syms[HPACK_HUFF_SYMBOLS] = {
	48, 49, 50, 97, 99, 101, 105, 111, 115, 116, 32, 37,
	45, 46, 47, 51, 52, 53, 54, 55, 56, 57, 61, 65,
	95, 98, 100, 102, 103, 104, 108, 109, 110, 112, 114, 117,
	58, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76,
	77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 89,
	106, 107, 113, 118, 119, 120, 121, 122, 38, 42, 44, 59,
	88, 90, 33, 34, 40, 41, 63, 39, 43, 124, 35, 62,
	0, 36, 64, 91, 93, 126, 94, 125, 60, 96, 123, 92,
	195, 208, 128, 130, 131, 162, 184, 194, 224, 226, 153, 161,
	167, 172, 176, 177, 179, 209, 216, 217, 227, 229, 230, 129,
	132, 133, 134, 136, 146, 154, 156, 160, 163, 164, 169, 170,
	173, 178, 181, 185, 186, 187, 189, 190, 196, 198, 228, 232,
	233, 1, 135, 137, 138, 139, 140, 141, 143, 147, 149, 150,
	151, 152, 155, 157, 158, 165, 166, 168, 174, 175, 180, 182,
	183, 188, 191, 197, 231, 239, 9, 142, 144, 145, 148, 159,
	171, 206, 215, 225, 236, 237, 199, 207, 234, 235, 192, 193,
	200, 201, 202, 205, 210, 213, 218, 219, 238, 240, 242, 243,
	255, 203, 204, 211, 212, 214, 221, 222, 223, 241, 244, 245,
	246, 247, 248, 250, 251, 252, 253, 254, 2, 3, 4, 5,
	6, 7, 8, 11, 12, 14, 15, 16, 17, 18, 19, 20,
	21, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127, 220,
	249, 10, 13, 22, 256,
};

enum hpack_huff_result {
	HPACK_HUFF_OK = 0,
	HPACK_HUFF_BAD,
	HPACK_HUFF_ROOM,
};

/*
 * Canonical decoding, one bit at a time: at each length, the codes of that
 * length are first..first+count-1, and code is always >= first. The code is
 * complete (Kraft sum 1), so any 30 bits hold a symbol.
 */
static enum hpack_huff_result hpack_huff(const uint8_t *in, size_t len, uint8_t *out,
					 size_t cap, size_t *out_len)
{
	uint32_t code = 0, first = 0, index = 0, acc = 0;
	unsigned clen = 0;
	size_t n = 0, i;
	int bit;

	for (i = 0; i < len; i++) {
		for (bit = 7; bit >= 0; bit--) {
			uint32_t b = (uint32_t)(in[i] >> bit) & 1u, count;

			code |= b;
			acc = acc << 1 | b;
			clen++;
			count = hpack_huff_count[clen];
			if (code < first + count) {
				uint16_t sym = hpack_huff_syms[index + (code - first)];

				if (sym == HPACK_HUFF_EOS)
					return HPACK_HUFF_BAD;
				if (n == cap)
					return HPACK_HUFF_ROOM;
				out[n++] = (uint8_t)sym;
				code = first = index = acc = 0;
				clen = 0;
				continue;
			}
			if (clen == HPACK_HUFF_MAX_LEN)
				return HPACK_HUFF_BAD;
			index += count;
			first = (first + count) << 1;
			code <<= 1;
		}
	}
	/* RFC 7541 §5.2: padding is the most significant bits of EOS (all
	 * ones), shorter than 8 bits */
	if (clen > 7 || acc != (1u << clen) - 1)
		return HPACK_HUFF_BAD;
	*out_len = n;
	return HPACK_HUFF_OK;
}

bool hpack_huff_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	return hpack_huff(in, len, out, cap, out_len) == HPACK_HUFF_OK;
}

bool hpack_static_entry(uint32_t index, struct hpack_entry *e)
{
	if (index < 1 || index > HPACK_STATIC_ENTRIES)
		return false;
	e->name = hpack_static[index - 1][0].p;
	e->name_len = hpack_static[index - 1][0].len;
	e->value = hpack_static[index - 1][1].p;
	e->value_len = hpack_static[index - 1][1].len;
	return true;
}

void hpack_dec_init(struct hpack_dec *d, uint8_t *scratch, size_t scratch_cap)
{
	memset(d, 0, sizeof(*d));
	d->max_size = HPACK_DEFAULT_TABLE_SIZE;
	d->scratch = scratch;
	d->scratch_cap = scratch != NULL ? scratch_cap : 0;
}

/* Dynamic entry i (0 = newest). */
static struct hpack_entry *hpack_dyn(struct hpack_dec *d, uint32_t i)
{
	return &d->dyn[(d->head + HPACK_MAX_ENTRIES - i) % HPACK_MAX_ENTRIES];
}

static uint32_t hpack_entry_size(const struct hpack_entry *e)
{
	return e->name_len + e->value_len + HPACK_ENTRY_OVERHEAD;
}

/* Evicts the oldest entries until the table's size is at most limit. */
static void hpack_evict(struct hpack_dec *d, uint32_t limit)
{
	while (d->size > limit && d->n_dyn > 0) {
		d->size -= hpack_entry_size(hpack_dyn(d, d->n_dyn - 1));
		d->n_dyn--;
	}
}

/* RFC 7541 §4.4: an entry larger than the table empties it and is not added. */
static bool hpack_add(struct hpack_dec *d, const struct hpack_entry *e)
{
	uint32_t es = hpack_entry_size(e);

	if (es > d->max_size) {
		hpack_evict(d, 0);
		return true;
	}
	hpack_evict(d, d->max_size - es);
	if (d->n_dyn == HPACK_MAX_ENTRIES)
		return false;
	d->head = (d->head + 1) % HPACK_MAX_ENTRIES;
	*hpack_dyn(d, 0) = *e;
	d->n_dyn++;
	d->size += es;
	return true;
}

static bool hpack_lookup(struct hpack_dec *d, uint32_t index, struct hpack_entry *e)
{
	if (hpack_static_entry(index, e))
		return true;
	if (index <= HPACK_STATIC_ENTRIES || index - HPACK_STATIC_ENTRIES - 1 >= d->n_dyn)
		return false;
	*e = *hpack_dyn(d, index - HPACK_STATIC_ENTRIES - 1);
	return true;
}

/* RFC 7541 §5.1: an integer whose N-bit prefix is in first (already read). */
static bool hpack_int(struct cur *c, unsigned prefix, uint8_t first, uint32_t *v)
{
	uint32_t max = (1u << prefix) - 1, val = first & max;
	unsigned i;
	uint8_t b;

	if (val < max) {
		*v = val;
		return true;
	}
	/* 4 continuation bytes carry 28 bits, more than HPACK_MAX_INT */
	for (i = 0; i < 4; i++) {
		if (!cur_u8(c, &b))
			return false;
		val += (uint32_t)(b & 0x7f) << (7 * i);
		if (val > HPACK_MAX_INT)
			return false;
		if ((b & 0x80) == 0) {
			*v = val;
			return true;
		}
	}
	return false;
}

static enum hpack_reason hpack_string(struct hpack_dec *d, struct cur *c, const uint8_t **p,
				      uint32_t *len, bool *huffman)
{
	struct cur s;
	uint32_t n;
	size_t out_len = 0;
	uint8_t b;

	if (!cur_u8(c, &b))
		return HPACK_R_STRING;
	if (!hpack_int(c, 7, b, &n))
		return HPACK_R_INTEGER;
	if (!cur_take(c, n, &s))
		return HPACK_R_STRING;
	*huffman = (b & 0x80) != 0;
	if (!*huffman) {
		*p = s.p;
		*len = n;
		return HPACK_R_NONE;
	}
	if (d->scratch == NULL) {
		/* no room for output: only an empty string decodes */
		*p = s.p;
		*len = 0;
		return s.left == 0 ? HPACK_R_NONE : HPACK_R_SCRATCH;
	}
	switch (hpack_huff(s.p, s.left, d->scratch + d->scratch_used,
			   d->scratch_cap - d->scratch_used, &out_len)) {
	case HPACK_HUFF_OK:
		break;
	case HPACK_HUFF_BAD:
		return HPACK_R_HUFFMAN;
	case HPACK_HUFF_ROOM:
		return HPACK_R_SCRATCH;
	}
	*p = d->scratch + d->scratch_used;
	*len = (uint32_t)out_len;
	d->scratch_used += out_len;
	return HPACK_R_NONE;
}

static enum hpack_status hpack_bad(struct hpack_dec *d, enum hpack_reason r)
{
	d->reason = r;
	return HPACK_MALFORMED;
}

enum hpack_status hpack_decode_block(struct hpack_dec *d, const uint8_t *block, size_t len,
				     hpack_field_fn fn, void *arg)
{
	struct cur c = cur_make(block, len);
	enum hpack_reason r;
	uint8_t b;

	d->n_fields = 0;
	d->reason = HPACK_R_NONE;
	/* each pass reads at least one byte */
	while (cur_u8(&c, &b)) {
		struct hpack_field f;
		struct hpack_entry e;
		uint32_t v;

		memset(&f, 0, sizeof(f));
		if ((b & 0x80) != 0) {
			if (!hpack_int(&c, 7, b, &v))
				return hpack_bad(d, HPACK_R_INTEGER);
			if (!hpack_lookup(d, v, &e))
				return hpack_bad(d, HPACK_R_INDEX);
			f.name = e.name;
			f.name_len = e.name_len;
			f.value = e.value;
			f.value_len = e.value_len;
			f.rep = HPACK_REP_INDEXED;
			f.dynamic = v > HPACK_STATIC_ENTRIES;
		} else if ((b & 0xe0) == 0x20) {
			/* RFC 7541 §4.2: only before the block's first field */
			if (d->n_fields > 0 || !hpack_int(&c, 5, b, &v) ||
			    v > HPACK_MAX_TABLE_SIZE)
				return hpack_bad(d, HPACK_R_SIZE_UPDATE);
			d->max_size = v;
			hpack_evict(d, v);
			continue;
		} else {
			unsigned prefix = (b & 0x40) != 0 ? 6 : 4;
			bool name_huff = false;

			f.rep = (b & 0x40) != 0   ? HPACK_REP_INCREMENTAL
				: (b & 0x10) != 0 ? HPACK_REP_NEVER
						  : HPACK_REP_WITHOUT;
			if (!hpack_int(&c, prefix, b, &v))
				return hpack_bad(d, HPACK_R_INTEGER);
			if (v == 0) {
				r = hpack_string(d, &c, &f.name, &f.name_len, &name_huff);
				if (r != HPACK_R_NONE)
					return hpack_bad(d, r);
			} else {
				if (!hpack_lookup(d, v, &e))
					return hpack_bad(d, HPACK_R_INDEX);
				f.name = e.name;
				f.name_len = e.name_len;
				f.dynamic = v > HPACK_STATIC_ENTRIES;
			}
			r = hpack_string(d, &c, &f.value, &f.value_len, &f.huffman);
			if (r != HPACK_R_NONE)
				return hpack_bad(d, r);
			if (f.rep == HPACK_REP_INCREMENTAL) {
				e.name = f.name;
				e.name_len = f.name_len;
				e.value = f.value;
				e.value_len = f.value_len;
				if (!hpack_add(d, &e))
					return hpack_bad(d, HPACK_R_TOO_MANY_ENTRIES);
			}
		}
		if (++d->n_fields > HPACK_MAX_FIELDS)
			return hpack_bad(d, HPACK_R_TOO_MANY_FIELDS);
		if (fn != NULL && !fn(arg, &f))
			return HPACK_STOPPED;
	}
	return HPACK_OK;
}

static const char *const hpack_reason_names[HPACK_R_COUNT] = {
	[HPACK_R_NONE] = "none",
	[HPACK_R_INTEGER] = "integer",
	[HPACK_R_INDEX] = "index",
	[HPACK_R_STRING] = "string",
	[HPACK_R_HUFFMAN] = "huffman",
	[HPACK_R_SIZE_UPDATE] = "size_update",
	[HPACK_R_TOO_MANY_ENTRIES] = "too_many_entries",
	[HPACK_R_SCRATCH] = "scratch",
	[HPACK_R_TOO_MANY_FIELDS] = "too_many_fields",
};

const char *hpack_reason_str(enum hpack_reason r)
{
	if ((unsigned)r >= HPACK_R_COUNT || hpack_reason_names[r] == NULL)
		return "unknown";
	return hpack_reason_names[r];
}
