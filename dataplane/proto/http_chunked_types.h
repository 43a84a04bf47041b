/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_PROTO_HTTP_CHUNKED_TYPES_H
#define KB_PROTO_HTTP_CHUNKED_TYPES_H

/*
 * Types of the chunked request-body skipper (http_chunked.h has the
 * functions and the grammar).
 */

#include <stddef.h>
#include <stdint.h>

/* Longest chunk-size line (size, extensions, line end) and trailer line. */
#define HTTP_CHUNKED_LINE_MAX 4096u
/* Trailer field lines after the last chunk (as many as head fields). */
#define HTTP_CHUNKED_MAX_TRAILERS 128u

enum http_chunked_status {
	HTTP_CHUNKED_NEED_MORE = 0, /* the body goes on: feed the next bytes */
	HTTP_CHUNKED_DONE,          /* the body ended: the next request follows */
	HTTP_CHUNKED_MALFORMED,     /* not chunked framing: see reason */
};

enum http_chunked_reason {
	HTTP_CHUNKED_R_NONE = 0,
	HTTP_CHUNKED_R_SIZE,          /* chunk-size missing or not hex */
	HTTP_CHUNKED_R_SIZE_TOO_BIG,  /* more than 16 significant hex digits */
	HTTP_CHUNKED_R_EXT,           /* control byte in a chunk extension */
	HTTP_CHUNKED_R_BARE_CR,       /* CR not followed by LF */
	HTTP_CHUNKED_R_DATA_END,      /* chunk data not followed by a line end */
	HTTP_CHUNKED_R_LINE_TOO_LONG, /* size or trailer line past HTTP_CHUNKED_LINE_MAX */
	HTTP_CHUNKED_R_TOO_MANY_TRAILERS,
	HTTP_CHUNKED_R_TRAILER,       /* control byte in a trailer line */
	HTTP_CHUNKED_R_COUNT
};

/* struct http_chunked.flags */
#define HTTP_CHUNKED_F_BARE_LF (1u << 0) /* some line ended in LF without CR */
#define HTTP_CHUNKED_F_EXT     (1u << 1) /* a chunk extension was skipped */
#define HTTP_CHUNKED_F_TRAILER (1u << 2) /* trailer fields were skipped */

/* Parser state; the caller reads status, reason, flags and the counts. */
struct http_chunked {
	/* results */
	enum http_chunked_status status;
	enum http_chunked_reason reason;
	uint32_t flags;      /* HTTP_CHUNKED_F_* */
	uint32_t n_chunks;   /* chunks with data seen (saturating) */
	uint64_t body_bytes; /* chunk data bytes skipped (saturating) */

	/* private */
	uint64_t left;       /* data bytes left in the current chunk, or its size so far */
	uint32_t line;       /* bytes of the current size or trailer line */
	uint16_t trailers;   /* trailer lines seen */
	uint8_t phase;       /* private enum in http_chunked.c */
	uint8_t digits;      /* significant hex digits of the size */
};

#endif
