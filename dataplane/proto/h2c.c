/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/2 cleartext request parser: preface, frames up to the first request's
 * header block, HPACK, then the host names. h2c.h has the grammar and the
 * decisions; docs/parsers.md ("HTTP/2 cleartext") the statuses and limits.
 */

#include <string.h>

#include "cursor.h"
#include "h2c.h"
#include "hpack.h"

#define H2C_FT_DATA 0x0
#define H2C_FT_HEADERS 0x1
#define H2C_FT_PRIORITY 0x2
#define H2C_FT_RST_STREAM 0x3
#define H2C_FT_SETTINGS 0x4
#define H2C_FT_PUSH_PROMISE 0x5
#define H2C_FT_PING 0x6
#define H2C_FT_GOAWAY 0x7
#define H2C_FT_WINDOW_UPDATE 0x8
#define H2C_FT_CONTINUATION 0x9

#define H2C_FL_ACK 0x1
#define H2C_FL_END_HEADERS 0x4
#define H2C_FL_PADDED 0x8
#define H2C_FL_PRIORITY 0x20

static const uint8_t h2c_preface[H2C_PREFACE_LEN] = {
	'P', 'R', 'I', ' ', '*', ' ', 'H', 'T', 'T', 'P', '/', '2',
	'.', '0', '\r', '\n', '\r', '\n', 'S', 'M', '\r', '\n', '\r', '\n',
};

void h2c_init(struct h2c *st, uint8_t *buf, size_t cap)
{
	memset(st, 0, sizeof(*st));
	st->buf = buf;
	st->cap = buf != NULL ? cap : 0;
	if (st->cap > UINT32_MAX)
		st->cap = UINT32_MAX;
	st->phase = H2C_PH_PREFACE;
	st->status = H2C_NEED_MORE;
	st->reason = H2C_R_NONE;
}

static enum h2c_status h2c_stop(struct h2c *st, enum h2c_status s, enum h2c_reason r)
{
	st->status = s;
	st->reason = r;
	if (s != H2C_DONE)
		st->n_names = 0;
	return s;
}

static enum h2c_status h2c_bad(struct h2c *st, enum h2c_reason r)
{
	return h2c_stop(st, H2C_MALFORMED, r);
}

static uint8_t h2c_lower(uint8_t b)
{
	return b >= 'A' && b <= 'Z' ? (uint8_t)(b + ('a' - 'A')) : b;
}

static bool h2c_same_name(const struct h2c_name *a, const struct h2c_name *b)
{
	uint16_t i;

	if (a->len != b->len)
		return false;
	for (i = 0; i < a->len; i++)
		if (h2c_lower(a->p[i]) != h2c_lower(b->p[i]))
			return false;
	return true;
}

/* Splits an authority value into host and port; false if it is not one. */
static bool h2c_authority(const uint8_t *v, uint32_t len, struct h2c_name *n)
{
	uint32_t i, host_end, port_from;

	for (i = 0; i < len; i++) {
		uint8_t b = v[i];

		if (b <= 0x20 || b == 0x7f || b == '/' || b == '?' || b == '#' || b == '@')
			return false;
	}
	if (len > 0 && v[0] == '[') {
		for (i = 1; i < len && v[i] != ']'; i++)
			;
		if (i == len)
			return false;
		n->p = v + 1;
		n->len = (uint16_t)(i - 1);
		n->ip_literal = true;
		host_end = i + 1;
		if (host_end < len && v[host_end] != ':')
			return false;
	} else {
		for (i = 0; i < len && v[i] != ':'; i++)
			;
		n->p = v;
		n->len = (uint16_t)i;
		host_end = i;
	}
	if (host_end >= len)
		return true;
	/* ":" then 0..5 digits; an empty port counts as none (RFC 3986 §3.2.3) */
	port_from = host_end + 1;
	if (len - port_from > 5)
		return false;
	for (i = port_from; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		n->port = n->port * 10 + (uint32_t)(v[i] - '0');
	}
	return n->port <= 65535;
}

struct h2c_cb {
	struct h2c *st;
	enum h2c_reason fail;
};

static bool h2c_field(void *arg, const struct hpack_field *f)
{
	static const char authority[] = ":authority";
	struct h2c_cb *cb = arg;
	struct h2c *st = cb->st;
	struct h2c_name n;
	uint32_t i;
	bool host = false;

	if (f->rep == HPACK_REP_INCREMENTAL || f->dynamic)
		st->flags |= H2C_F_DYNAMIC;
	if (f->name_len == 4) {
		host = true;
		for (i = 0; i < 4; i++)
			if (h2c_lower(f->name[i]) != (uint8_t)"host"[i])
				host = false;
		if (host && memcmp(f->name, "host", 4) != 0)
			st->flags |= H2C_F_UPPERCASE;
	}
	if (!host && !(f->name_len == sizeof(authority) - 1 &&
		       memcmp(f->name, authority, sizeof(authority) - 1) == 0))
		return true;
	memset(&n, 0, sizeof(n));
	n.source = host ? H2C_SRC_HOST : H2C_SRC_AUTHORITY;
	for (i = 0; i < st->n_names; i++)
		if (st->names[i].source == n.source)
			st->flags |= host ? H2C_F_DUP_HOST : H2C_F_DUP_AUTHORITY;
	if (f->value_len == 0) {
		st->flags |= H2C_F_EMPTY_NAME;
		return true;
	}
	if (f->value_len > UINT16_MAX || !h2c_authority(f->value, f->value_len, &n)) {
		cb->fail = H2C_R_AUTHORITY;
		return false;
	}
	if (n.len == 0) {
		st->flags |= H2C_F_EMPTY_NAME;
		return true;
	}
	if (st->n_names == H2C_MAX_NAMES) {
		cb->fail = H2C_R_TOO_MANY_NAMES;
		return false;
	}
	for (i = 0; i < st->n_names; i++)
		if (!h2c_same_name(&st->names[i], &n))
			st->flags |= H2C_F_AMBIGUOUS;
	if (f->huffman)
		st->flags |= H2C_F_HUFFMAN;
	st->names[st->n_names++] = n;
	return true;
}

/* The block is whole: decode it. Decoded strings go after it in buf. */
static enum h2c_status h2c_decode(struct h2c *st)
{
	struct h2c_cb cb = { .st = st, .fail = H2C_R_NONE };
	enum hpack_status s;

	hpack_dec_init(&st->hpack, st->buf != NULL ? st->buf + st->block_len : NULL,
		       st->cap - st->block_len);
	s = hpack_decode_block(&st->hpack, st->buf, st->block_len, h2c_field, &cb);
	st->n_fields = st->hpack.n_fields;
	if (s == HPACK_STOPPED)
		return h2c_bad(st, cb.fail);
	if (s != HPACK_OK) {
		st->hpack_reason = st->hpack.reason;
		return h2c_bad(st, H2C_R_HPACK);
	}
	if (st->n_names == 0)
		st->flags |= H2C_F_NO_NAME;
	return h2c_stop(st, H2C_DONE, H2C_R_NONE);
}

/* A fragment (HEADERS or CONTINUATION payload) ended. */
static enum h2c_status h2c_fragment_end(struct h2c *st)
{
	if ((st->frame_flags & H2C_FL_END_HEADERS) != 0)
		return h2c_decode(st);
	st->in_block = true;
	st->phase = H2C_PH_FRAME_HDR;
	return H2C_NEED_MORE;
}

/* Starts gathering n fragment bytes of the current frame. */
static enum h2c_status h2c_gather(struct h2c *st, uint32_t n)
{
	if ((uint64_t)st->block_len + n > st->cap)
		return h2c_bad(st, H2C_R_TOO_BIG);
	st->gather_left = n;
	st->phase = H2C_PH_GATHER;
	if (n > 0)
		return H2C_NEED_MORE;
	if (st->pad_left > 0) {
		st->phase = H2C_PH_PAD;
		return H2C_NEED_MORE;
	}
	return h2c_fragment_end(st);
}

/* The HEADERS pad-length and priority fields are in: size the fragment. */
static enum h2c_status h2c_prefix_done(struct h2c *st)
{
	uint32_t rest = st->frame_len - st->prefix_need, pad = 0;

	if ((st->frame_flags & H2C_FL_PADDED) != 0) {
		pad = st->prefix[0];
		/* RFC 9113 §6.2: padding as long as what is left is an error */
		if (pad > rest)
			return h2c_bad(st, H2C_R_PADDING);
	}
	st->pad_left = pad;
	return h2c_gather(st, rest - pad);
}

static enum h2c_status h2c_skip(struct h2c *st)
{
	st->skip_left = st->frame_len;
	st->phase = st->frame_len > 0 ? H2C_PH_SKIP : H2C_PH_FRAME_HDR;
	return H2C_NEED_MORE;
}

/* A frame header is in: decide what to do with the payload. */
static enum h2c_status h2c_frame(struct h2c *st)
{
	const uint8_t *h = st->hdr;
	uint32_t len = (uint32_t)h[0] << 16 | (uint32_t)h[1] << 8 | h[2];
	uint32_t stream = ((uint32_t)h[5] << 24 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 8 |
			   h[8]) & 0x7fffffffu;
	uint8_t type = h[3], flags = h[4];

	st->frame_len = len;
	st->frame_type = type;
	st->frame_flags = flags;
	st->frame_stream = stream;
	st->hdr_have = 0;
	if (++st->n_frames > H2C_MAX_FRAMES)
		return h2c_bad(st, H2C_R_TOO_MANY_FRAMES);
	if (st->in_block) {
		if (type != H2C_FT_CONTINUATION || stream != st->stream_id)
			return h2c_bad(st, H2C_R_CONTINUATION);
		st->flags |= H2C_F_CONTINUATION;
		st->pad_left = 0;
		return h2c_gather(st, len);
	}
	if (st->n_frames == 1 && type != H2C_FT_SETTINGS)
		return h2c_bad(st, H2C_R_FIRST_FRAME);
	switch (type) {
	case H2C_FT_SETTINGS:
		if (stream != 0 || ((flags & H2C_FL_ACK) != 0 ? len != 0 : len % 6 != 0))
			return h2c_bad(st, H2C_R_SETTINGS);
		return h2c_skip(st);
	case H2C_FT_WINDOW_UPDATE:
		if (len != 4)
			return h2c_bad(st, H2C_R_FRAME_SIZE);
		return h2c_skip(st);
	case H2C_FT_PRIORITY:
		if (len != 5 || stream == 0)
			return h2c_bad(st, H2C_R_FRAME_SIZE);
		return h2c_skip(st);
	case H2C_FT_PING:
		if (len != 8 || stream != 0)
			return h2c_bad(st, H2C_R_FRAME_SIZE);
		return h2c_skip(st);
	case H2C_FT_GOAWAY:
		st->flags |= H2C_F_GOAWAY;
		return h2c_skip(st);
	case H2C_FT_HEADERS:
		if (stream == 0 || (stream & 1) == 0)
			return h2c_bad(st, H2C_R_STREAM_ID);
		st->stream_id = stream;
		st->prefix_need = (uint8_t)(((flags & H2C_FL_PADDED) != 0 ? 1 : 0) +
					    ((flags & H2C_FL_PRIORITY) != 0 ? 5 : 0));
		st->prefix_have = 0;
		if ((flags & H2C_FL_PADDED) != 0)
			st->flags |= H2C_F_PADDED;
		if ((flags & H2C_FL_PRIORITY) != 0)
			st->flags |= H2C_F_PRIORITY;
		if (len < st->prefix_need)
			return h2c_bad(st, H2C_R_FRAME_SIZE);
		if (st->prefix_need == 0) {
			st->pad_left = 0;
			return h2c_gather(st, len);
		}
		st->phase = H2C_PH_PREFIX;
		return H2C_NEED_MORE;
	case H2C_FT_DATA:
	case H2C_FT_RST_STREAM:
	case H2C_FT_PUSH_PROMISE:
	case H2C_FT_CONTINUATION:
		return h2c_bad(st, type == H2C_FT_CONTINUATION ? H2C_R_CONTINUATION
							       : H2C_R_FRAME_ORDER);
	default:
		/* RFC 9113 §5.5: unknown frame types are ignored */
		st->flags |= H2C_F_UNKNOWN_FRAME;
		return h2c_skip(st);
	}
}

enum h2c_status h2c_feed(struct h2c *st, const uint8_t *data, size_t len)
{
	struct cur c = cur_make(data, len);
	enum h2c_status s;
	size_t n;

	if (st->status != H2C_NEED_MORE)
		return st->status;
	/* each pass consumes at least one byte or ends the parse */
	while (c.left > 0) {
		switch ((enum h2c_phase)st->phase) {
		case H2C_PH_PREFACE:
			if (c.p[0] != h2c_preface[st->preface_have])
				return h2c_stop(st, H2C_NOT_H2, H2C_R_PREFACE);
			cur_skip(&c, 1);
			if (++st->preface_have == H2C_PREFACE_LEN)
				st->phase = H2C_PH_FRAME_HDR;
			continue;
		case H2C_PH_FRAME_HDR:
			n = H2C_FRAME_HDR_LEN - st->hdr_have;
			if (n > c.left)
				n = c.left;
			memcpy(st->hdr + st->hdr_have, c.p, n);
			cur_skip(&c, n);
			st->hdr_have = (uint8_t)(st->hdr_have + n);
			if (st->hdr_have < H2C_FRAME_HDR_LEN)
				continue;
			s = h2c_frame(st);
			break;
		case H2C_PH_SKIP:
			n = st->skip_left < c.left ? st->skip_left : c.left;
			cur_skip(&c, n);
			st->skip_left -= (uint32_t)n;
			if (st->skip_left == 0)
				st->phase = H2C_PH_FRAME_HDR;
			continue;
		case H2C_PH_PREFIX:
			n = (size_t)(st->prefix_need - st->prefix_have);
			if (n > c.left)
				n = c.left;
			memcpy(st->prefix + st->prefix_have, c.p, n);
			cur_skip(&c, n);
			st->prefix_have = (uint8_t)(st->prefix_have + n);
			if (st->prefix_have < st->prefix_need)
				continue;
			s = h2c_prefix_done(st);
			break;
		case H2C_PH_GATHER:
			n = st->gather_left < c.left ? st->gather_left : c.left;
			memcpy(st->buf + st->block_len, c.p, n);
			cur_skip(&c, n);
			st->block_len += (uint32_t)n;
			st->gather_left -= (uint32_t)n;
			if (st->gather_left > 0)
				continue;
			if (st->pad_left > 0) {
				st->phase = H2C_PH_PAD;
				continue;
			}
			s = h2c_fragment_end(st);
			break;
		case H2C_PH_PAD:
			n = st->pad_left < c.left ? st->pad_left : c.left;
			cur_skip(&c, n);
			st->pad_left -= (uint32_t)n;
			if (st->pad_left > 0)
				continue;
			s = h2c_fragment_end(st);
			break;
		default:
			/* no other phase exists */
			return h2c_bad(st, H2C_R_COUNT);
		}
		if (s != H2C_NEED_MORE)
			return s;
	}
	return H2C_NEED_MORE;
}

static const char *const h2c_reason_names[H2C_R_COUNT] = {
	[H2C_R_NONE] = "none",
	[H2C_R_PREFACE] = "preface",
	[H2C_R_FIRST_FRAME] = "first_frame",
	[H2C_R_SETTINGS] = "settings",
	[H2C_R_FRAME_SIZE] = "frame_size",
	[H2C_R_FRAME_ORDER] = "frame_order",
	[H2C_R_STREAM_ID] = "stream_id",
	[H2C_R_PADDING] = "padding",
	[H2C_R_CONTINUATION] = "continuation",
	[H2C_R_TOO_MANY_FRAMES] = "too_many_frames",
	[H2C_R_TOO_BIG] = "too_big",
	[H2C_R_HPACK] = "hpack",
	[H2C_R_AUTHORITY] = "authority",
	[H2C_R_TOO_MANY_NAMES] = "too_many_names",
};

const char *h2c_reason_str(enum h2c_reason r)
{
	if ((unsigned)r >= H2C_R_COUNT || h2c_reason_names[r] == NULL)
		return "unknown";
	return h2c_reason_names[r];
}

const char *h2c_status_str(enum h2c_status s)
{
	switch (s) {
	case H2C_NEED_MORE:
		return "need_more";
	case H2C_DONE:
		return "done";
	case H2C_NOT_H2:
		return "not_h2";
	case H2C_MALFORMED:
		return "malformed";
	}
	return "unknown";
}
