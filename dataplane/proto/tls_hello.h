/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_PROTO_TLS_HELLO_H
#define KB_PROTO_TLS_HELLO_H

/*
 * Incremental TLS ClientHello parser: fed a client's in-order TCP bytes in
 * chunks of any size, it finds the first handshake message, gathers its body
 * across records into a caller-provided buffer and parses it once whole.
 * Results appear only with TLS_DONE, never from a partial hello. Once the
 * status is terminal (anything but NEED_MORE) every later call returns it
 * unchanged. docs/parsers.md describes the grammar, statuses and limits.
 */

#include <stddef.h>
#include <stdint.h>

#include "tls_hello_types.h"

/*
 * Resets *st. buf/cap is where the ClientHello body will be gathered (usually
 * TLS_HELLO_DEFAULT_CAP bytes); a body longer than cap is MALFORMED/TOO_BIG.
 * buf may be NULL with cap 0 when only tls_hello_parse_handshake() is used.
 */
void tls_hello_init(struct tls_hello *st, uint8_t *buf, size_t cap);

/* Feeds the next bytes of the client's TCP stream (TLS records). */
enum tls_status tls_hello_feed(struct tls_hello *st, const uint8_t *data, size_t len);

/*
 * Feeds the next bytes of a handshake stream without the record layer, as
 * QUIC CRYPTO frames carry it (in offset order). Use either this or
 * tls_hello_feed() on one state, never both.
 */
enum tls_status tls_hello_feed_handshake(struct tls_hello *st, const uint8_t *data,
					 size_t len);

/*
 * Parses one whole handshake message (4-byte header + body) in place: nothing
 * is copied and the result slices point into msg. Bytes after the message are
 * ignored. A msg shorter than its header says gives NEED_MORE (see
 * tls_hello_need()). The state's buffer and cap are not used.
 */
enum tls_status tls_hello_parse_handshake(struct tls_hello *st, const uint8_t *msg,
					  size_t len);

/*
 * A lower bound on the stream bytes still needed (0 once terminal): exact for
 * the handshake bytes, plus the one record header known to be due; a hello
 * split further costs 5 bytes per extra record.
 */
size_t tls_hello_need(const struct tls_hello *st);

/* Short snake_case name of a reason, e.g. "too_big"; "unknown" if out of range. */
const char *tls_reason_str(enum tls_reason r);

/* "need_more", "done", "not_tls", "malformed". */
const char *tls_status_str(enum tls_status s);

#endif
