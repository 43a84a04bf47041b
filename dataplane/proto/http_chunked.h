/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_PROTO_HTTP_CHUNKED_H
#define KB_PROTO_HTTP_CHUNKED_H

/*
 * Skips a chunked request body (Transfer-Encoding: chunked) so that the
 * dataplane finds where the next request head of the connection starts. It
 * keeps nothing of the body: chunk data is stepped over by its size, lines
 * are looked at a byte at a time and dropped.
 *
 * Wire grammar (RFC 9112 §7.1, §2.2):
 *
 *   chunked-body    = *chunk last-chunk trailer-section eol
 *   chunk           = chunk-size [ chunk-ext ] eol chunk-data eol
 *   chunk-size      = 1*HEXDIG
 *   last-chunk      = 1*"0" [ chunk-ext ] eol
 *   chunk-ext       = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 *   trailer-section = *( field-line eol )
 *   eol             = CRLF / LF          ; bare LF accepted, as in http_head
 *
 * What is checked: the size is hex (leading zeros allowed, at most 16
 * significant digits, so it fits 64 bits), the data is followed by a line
 * end, CR only before LF. Extensions and trailer lines are skipped without
 * parsing their inside (no control byte but HTAB, at most
 * HTTP_CHUNKED_LINE_MAX bytes a line, at most HTTP_CHUNKED_MAX_TRAILERS
 * trailer lines): the skipper needs the framing, not the content. Anything
 * else is MALFORMED(reason): a server answers such a body 400 and closes
 * the connection, so there is no next request to look for.
 *
 * DONE is terminal and sticky, as is MALFORMED; *used tells how many bytes
 * of the last call belong to the body (the rest is the next request).
 * Pure C on (pointer, length): no allocation, no I/O; cost linear in the
 * line bytes, constant per chunk of data whatever its size.
 */

#include "http_chunked_types.h"

void http_chunked_init(struct http_chunked *st);

/*
 * Feeds the next len bytes of the body (data may be NULL if len is 0).
 * *used gets the bytes consumed: len with NEED_MORE, up to and including
 * the final line end with DONE, up to and including the offending byte with
 * MALFORMED, 0 once terminal. Returns the status (also in st->status).
 */
enum http_chunked_status http_chunked_feed(struct http_chunked *st, const uint8_t *data,
					   size_t len, size_t *used);

/* "need_more", "done", "malformed"; "size", "bare_cr", ... for counters and logs. */
const char *http_chunked_status_str(enum http_chunked_status s);
const char *http_chunked_reason_str(enum http_chunked_reason r);

#endif
