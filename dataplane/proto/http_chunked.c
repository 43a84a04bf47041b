/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Chunked request-body skipper: http_chunked.h has the grammar and what is
 * checked. One byte at a time through the size, extension and trailer
 * lines; chunk data is skipped by its size in one step.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cursor.h"
#include "http_chunked.h"

enum chunked_phase {
	PH_SIZE_START = 0, /* first byte of a chunk-size line */
	PH_SIZE,           /* more hex digits */
	PH_EXT,            /* extensions (or whitespace) up to the line end */
	PH_SIZE_LF,        /* CR seen on the size line */
	PH_DATA,           /* chunk data: left bytes to go */
	PH_DATA_END,       /* the line end after the data */
	PH_DATA_LF,        /* CR seen after the data */
	PH_TRAILER_START,  /* first byte of a trailer line, or the final line end */
	PH_TRAILER,        /* inside a trailer line */
	PH_TRAILER_LF,     /* CR seen on a trailer line */
	PH_FINAL_LF,       /* CR of the final empty line seen */
	PH_END,            /* terminal */
};

static int hex_value(uint8_t b)
{
	if (b >= '0' && b <= '9')
		return b - '0';
	if (b >= 'a' && b <= 'f')
		return b - 'a' + 10;
	if (b >= 'A' && b <= 'F')
		return b - 'A' + 10;
	return -1;
}

/* Bytes a line may hold besides its end: visible, SP, HTAB, obs-text. */
static bool line_byte_ok(uint8_t b)
{
	return b == '\t' || (b >= 0x20 && b != 0x7f);
}

static enum http_chunked_status finish(struct http_chunked *st, enum http_chunked_status s,
				       enum http_chunked_reason r)
{
	st->status = s;
	st->reason = r;
	st->phase = PH_END;
	return s;
}

static enum http_chunked_status bad(struct http_chunked *st, enum http_chunked_reason r)
{
	return finish(st, HTTP_CHUNKED_MALFORMED, r);
}

/* One more byte on a size or trailer line. */
static bool line_grow(struct http_chunked *st)
{
	return ++st->line <= HTTP_CHUNKED_LINE_MAX;
}

/* The chunk-size line ended: data follows, or the last chunk's trailers. */
static void size_line_end(struct http_chunked *st)
{
	st->line = 0;
	if (st->left == 0) {
		st->phase = PH_TRAILER_START;
		return;
	}
	if (st->n_chunks < UINT32_MAX)
		st->n_chunks++;
	st->phase = PH_DATA;
}

void http_chunked_init(struct http_chunked *st)
{
	memset(st, 0, sizeof(*st));
	st->status = HTTP_CHUNKED_NEED_MORE;
	st->reason = HTTP_CHUNKED_R_NONE;
	st->phase = PH_SIZE_START;
}

/* One byte outside chunk data; returns the status. */
static enum http_chunked_status step(struct http_chunked *st, uint8_t b)
{
	int h;

	switch (st->phase) {
	case PH_SIZE_START:
	case PH_SIZE:
		if (!line_grow(st))
			return bad(st, HTTP_CHUNKED_R_LINE_TOO_LONG);
		h = hex_value(b);
		if (h >= 0) {
			if (st->digits > 0 || h != 0) {
				if (st->digits == 16)
					return bad(st, HTTP_CHUNKED_R_SIZE_TOO_BIG);
				st->digits++;
				st->left = st->left << 4 | (uint64_t)h;
			}
			st->phase = PH_SIZE;
			return HTTP_CHUNKED_NEED_MORE;
		}
		if (st->phase == PH_SIZE_START)
			return bad(st, HTTP_CHUNKED_R_SIZE);
		if (b == '\r') {
			st->phase = PH_SIZE_LF;
		} else if (b == '\n') {
			st->flags |= HTTP_CHUNKED_F_BARE_LF;
			size_line_end(st);
		} else if (b == ';' || b == ' ' || b == '\t') {
			if (b == ';')
				st->flags |= HTTP_CHUNKED_F_EXT;
			st->phase = PH_EXT;
		} else {
			return bad(st, HTTP_CHUNKED_R_SIZE);
		}
		return HTTP_CHUNKED_NEED_MORE;
	case PH_EXT:
		if (b == '\r') {
			st->phase = PH_SIZE_LF;
		} else if (b == '\n') {
			st->flags |= HTTP_CHUNKED_F_BARE_LF;
			size_line_end(st);
		} else {
			if (!line_grow(st))
				return bad(st, HTTP_CHUNKED_R_LINE_TOO_LONG);
			if (!line_byte_ok(b))
				return bad(st, HTTP_CHUNKED_R_EXT);
			if (b == ';')
				st->flags |= HTTP_CHUNKED_F_EXT;
		}
		return HTTP_CHUNKED_NEED_MORE;
	case PH_SIZE_LF:
		if (b != '\n')
			return bad(st, HTTP_CHUNKED_R_BARE_CR);
		size_line_end(st);
		return HTTP_CHUNKED_NEED_MORE;
	case PH_DATA_END:
		if (b == '\r') {
			st->phase = PH_DATA_LF;
			return HTTP_CHUNKED_NEED_MORE;
		}
		if (b != '\n')
			return bad(st, HTTP_CHUNKED_R_DATA_END);
		st->flags |= HTTP_CHUNKED_F_BARE_LF;
		st->phase = PH_SIZE_START;
		st->digits = 0;
		return HTTP_CHUNKED_NEED_MORE;
	case PH_DATA_LF:
		if (b != '\n')
			return bad(st, HTTP_CHUNKED_R_BARE_CR);
		st->phase = PH_SIZE_START;
		st->digits = 0;
		return HTTP_CHUNKED_NEED_MORE;
	case PH_TRAILER_START:
		if (b == '\r') {
			st->phase = PH_FINAL_LF;
			return HTTP_CHUNKED_NEED_MORE;
		}
		if (b == '\n') {
			st->flags |= HTTP_CHUNKED_F_BARE_LF;
			return finish(st, HTTP_CHUNKED_DONE, HTTP_CHUNKED_R_NONE);
		}
		if (st->trailers == HTTP_CHUNKED_MAX_TRAILERS)
			return bad(st, HTTP_CHUNKED_R_TOO_MANY_TRAILERS);
		st->trailers++;
		st->flags |= HTTP_CHUNKED_F_TRAILER;
		st->line = 0;
		st->phase = PH_TRAILER;
		/* the byte is the trailer line's first */
		/* fall through */
	case PH_TRAILER:
		if (b == '\r') {
			st->phase = PH_TRAILER_LF;
		} else if (b == '\n') {
			st->flags |= HTTP_CHUNKED_F_BARE_LF;
			st->phase = PH_TRAILER_START;
		} else {
			if (!line_grow(st))
				return bad(st, HTTP_CHUNKED_R_LINE_TOO_LONG);
			if (!line_byte_ok(b))
				return bad(st, HTTP_CHUNKED_R_TRAILER);
		}
		return HTTP_CHUNKED_NEED_MORE;
	case PH_TRAILER_LF:
		if (b != '\n')
			return bad(st, HTTP_CHUNKED_R_BARE_CR);
		st->phase = PH_TRAILER_START;
		return HTTP_CHUNKED_NEED_MORE;
	case PH_FINAL_LF:
		if (b != '\n')
			return bad(st, HTTP_CHUNKED_R_BARE_CR);
		return finish(st, HTTP_CHUNKED_DONE, HTTP_CHUNKED_R_NONE);
	default:
		return st->status;
	}
}

enum http_chunked_status http_chunked_feed(struct http_chunked *st, const uint8_t *data,
					   size_t len, size_t *used)
{
	struct cur c;
	size_t total;
	uint8_t b;

	*used = 0;
	if (st->status != HTTP_CHUNKED_NEED_MORE)
		return st->status;
	total = data == NULL ? 0 : len;
	c = cur_make(data, total);
	/* Each pass consumes at least one byte: bounded by len. */
	while (c.left > 0) {
		if (st->phase == PH_DATA) {
			size_t n = c.left < st->left ? c.left : (size_t)st->left;

			cur_skip(&c, n);
			st->left -= n;
			st->body_bytes = st->body_bytes + n < st->body_bytes ? UINT64_MAX
									  : st->body_bytes + n;
			if (st->left == 0)
				st->phase = PH_DATA_END;
			continue;
		}
		cur_u8(&c, &b);
		if (step(st, b) != HTTP_CHUNKED_NEED_MORE)
			break;
	}
	*used = total - c.left;
	return st->status;
}

const char *http_chunked_status_str(enum http_chunked_status s)
{
	switch (s) {
	case HTTP_CHUNKED_NEED_MORE:
		return "need_more";
	case HTTP_CHUNKED_DONE:
		return "done";
	case HTTP_CHUNKED_MALFORMED:
		return "malformed";
	}
	return "unknown";
}

const char *http_chunked_reason_str(enum http_chunked_reason r)
{
	static const char *const s[HTTP_CHUNKED_R_COUNT] = {
		[HTTP_CHUNKED_R_NONE] = "none",
		[HTTP_CHUNKED_R_SIZE] = "size",
		[HTTP_CHUNKED_R_SIZE_TOO_BIG] = "size_too_big",
		[HTTP_CHUNKED_R_EXT] = "ext",
		[HTTP_CHUNKED_R_BARE_CR] = "bare_cr",
		[HTTP_CHUNKED_R_DATA_END] = "data_end",
		[HTTP_CHUNKED_R_LINE_TOO_LONG] = "line_too_long",
		[HTTP_CHUNKED_R_TOO_MANY_TRAILERS] = "too_many_trailers",
		[HTTP_CHUNKED_R_TRAILER] = "trailer",
	};

	if ((unsigned)r >= HTTP_CHUNKED_R_COUNT || s[r] == NULL)
		return "unknown";
	return s[r];
}
