/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_PROTO_HPACK_H
#define KB_PROTO_HPACK_H

/*
 * HPACK header-block decoder (RFC 7541), for reading the host a client asks
 * for in its HTTP/2 request headers.
 *
 * Wire grammar (RFC 7541 §5, §6):
 *
 *   block        = *size-update *field          ; updates only at the start
 *   field        = indexed / literal
 *   indexed      = 1 index:int7                 ; index >= 1
 *   literal      = ( 01 index:int6              ; with incremental indexing
 *                  / 0000 index:int4            ; without indexing
 *                  / 0001 index:int4 )          ; never indexed
 *                  [ name:string ] value:string ; name when index is 0
 *   size-update  = 001 size:int5
 *   string       = H:1 length:int7 length*OCTET ; H: Huffman-coded (Appendix B)
 *   int<N>       = an N-bit prefix, 2^N-1 meaning 7-bit continuation bytes follow
 *
 * Index 1..61 is the static table (Appendix A), 62 onwards the dynamic
 * table, newest first. Literals with incremental indexing enter the dynamic
 * table, evicting the oldest entries beyond its size (RFC 7541 §4.4). Huffman
 * strings must end in at most 7 bits of padding, all ones, and must not hold
 * EOS (§5.2). Decoded strings go to the caller's scratch area; plain ones are
 * referred to in place. Every loop is bounded by the block's length.
 *
 * Pure C: no allocation, no I/O.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hpack_types.h"

/*
 * Called for each field in order. Returns true to go on, false to stop
 * (hpack_decode_block() then returns HPACK_STOPPED).
 */
typedef bool (*hpack_field_fn)(void *arg, const struct hpack_field *f);

/* Starts a decoder: empty dynamic table of HPACK_DEFAULT_TABLE_SIZE. */
void hpack_dec_init(struct hpack_dec *d, uint8_t *scratch, size_t scratch_cap);

/*
 * Decodes one complete header block (after CONTINUATION frames are joined).
 * The block's bytes must stay alive as long as the decoder (dynamic entries
 * may point into them). On MALFORMED, d->reason says why.
 */
enum hpack_status hpack_decode_block(struct hpack_dec *d, const uint8_t *block, size_t len,
				     hpack_field_fn fn, void *arg);

/*
 * Decodes a Huffman-coded string into out (cap bytes; len * 8 / 5 always
 * suffice) and sets *out_len. False if the code is invalid (see above) or
 * out is too small.
 */
bool hpack_huff_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* The static table's entry 1..61; false for another index. */
bool hpack_static_entry(uint32_t index, struct hpack_entry *e);

const char *hpack_reason_str(enum hpack_reason r);

#endif
