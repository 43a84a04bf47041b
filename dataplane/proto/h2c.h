/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_PROTO_H2C_H
#define KB_PROTO_H2C_H

/*
 * HTTP/2 cleartext with prior knowledge (RFC 9113 §3.3): fed the client's
 * in-order TCP bytes in chunks of any size, finds the first request's header
 * block and the host names in it (:authority, host).
 *
 * Wire grammar (RFC 9113 §3.4, §4.1, §6):
 *
 *   stream    = preface SETTINGS-frame *frame
 *   preface   = "PRI * HTTP/2.0" CRLF CRLF "SM" CRLF CRLF      ; 24 octets
 *   frame     = length:u24 type:u8 flags:u8 R:1 stream:u31 payload
 *   HEADERS   = type 0x1; flags END_STREAM 0x1, END_HEADERS 0x4,
 *               PADDED 0x8, PRIORITY 0x20
 *               payload = [pad-length:u8] [E:1 dependency:u31 weight:u8]
 *                         fragment padding
 *   CONTINUATION = type 0x9, same stream, flag END_HEADERS 0x4; payload = fragment
 *   block     = HEADERS fragment *CONTINUATION-fragment    ; HPACK (hpack.h)
 *   authority = host [ ":" port ]                          ; RFC 3986 §3.2, no userinfo
 *
 * What is accepted and decided:
 * - NOT_H2 at the first byte that differs from the preface.
 * - The first frame must be SETTINGS (stream 0, length a multiple of 6; an
 *   ACK empty). Before the first HEADERS, SETTINGS, WINDOW_UPDATE (4 bytes),
 *   PRIORITY (5 bytes, not stream 0), PING (8 bytes, stream 0), GOAWAY and
 *   unknown extension types (RFC 9113 §5.5: ignored) are skipped; DATA,
 *   RST_STREAM and PUSH_PROMISE are MALFORMED(FRAME_ORDER), as is a stray
 *   CONTINUATION.
 * - HEADERS must be on an odd stream; pad length and priority fields are
 *   removed, padding skipped (a pad length past the frame is PADDING).
 *   Until END_HEADERS only CONTINUATION frames of that stream may follow.
 * - The joined block is decoded with HPACK (static table, dynamic table for
 *   the block's own insertions, Huffman). Fields named ":authority" and
 *   "host" (any letter case; capitals flagged) give the names: the value
 *   without ":port" and without IPv6 brackets. A value with '@', a control
 *   byte, space, DEL, '/', '?' or '#', or a port that is not 1..5 digits up
 *   to 65535, is MALFORMED(AUTHORITY); an empty value is flagged and gives
 *   no name; other bytes are left to host_normalize. Names that differ
 *   (ASCII case-insensitively, ports aside) set AMBIGUOUS; all are kept, up
 *   to H2C_MAX_NAMES.
 * - Bounds: the block (and its decoded strings) must fit the caller's buffer;
 *   H2C_MAX_FRAMES frames; HPACK's own limits.
 *
 * Only the first request is looked at: later streams of the connection are
 * not (as an HTTP/1 parser reads only the first request of a keep-alive
 * connection). Terminal statuses are sticky; bytes after the block are not
 * looked at. Pure C: no allocation, no I/O; each byte is handled once.
 */

#include <stddef.h>
#include <stdint.h>

#include "h2c_types.h"

/* Starts a parse. buf (cap bytes, usually H2C_DEFAULT_CAP) receives the
 * header block and the decoded strings; it must outlive the results. */
void h2c_init(struct h2c *st, uint8_t *buf, size_t cap);

/* Feeds the next bytes of the client's stream; returns the status (also in st->status). */
enum h2c_status h2c_feed(struct h2c *st, const uint8_t *data, size_t len);

/* Short snake_case names for counters and logs. */
const char *h2c_reason_str(enum h2c_reason r);
const char *h2c_status_str(enum h2c_status s);

#endif
