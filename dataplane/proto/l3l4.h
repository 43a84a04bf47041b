/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_PROTO_L3L4_H
#define KB_PROTO_L3L4_H

/*
 * L2-L4 parser: one Ethernet frame (or one IP datagram) in, a struct
 * l3l4_desc of offsets and header fields out. Pure C on (pointer, length):
 * no allocation, no I/O, and every loop is bounded by a compile-time limit.
 * The wire grammar and the choices behind it are described in l3l4.c and in
 * docs/parsers.md ("L2-L4").
 */

#include <stddef.h>
#include <stdint.h>

#include "l3l4_types.h"

/*
 * Parses an Ethernet II frame, its VLAN tags and what follows. Always fills
 * *d (zeroed first) and returns its status; for TRUNCATED and MALFORMED,
 * d->reason says why. len is the number of bytes captured.
 */
enum l3l4_status l3l4_parse(const void *frame, size_t len, struct l3l4_desc *d);

/*
 * l3l4_parse() without its shortcut for the common frame (l3l4_peek.h:
 * untagged IPv4 without options or IPv6 without extension headers, TCP):
 * the same result, field for field, by the general path alone. For tests
 * and fuzzers that hold the two to that.
 */
enum l3l4_status l3l4_parse_general(const void *frame, size_t len, struct l3l4_desc *d);

/*
 * The same from L3 on, for an IP datagram with no link header (a reassembled
 * datagram, for instance). version is 4 or 6 and must match the version
 * nibble. A reassembled datagram must read as unfragmented: IPv4 offset 0 and
 * MF clear, and an IPv6 fragment header, if kept, with offset 0 and M clear.
 */
enum l3l4_status l3l4_parse_ip(const void *pkt, size_t len, unsigned version,
			       struct l3l4_desc *d);

/* Stable snake_case names, for counters and logs; "unknown" if out of range. */
const char *l3l4_status_str(enum l3l4_status s);
const char *l3l4_reason_str(enum l3l4_reason r);

/*
 * The Internet checksum of an IPv4 header of hdr_len bytes (20..60, a
 * multiple of 4), in host order: 0 for a header whose checksum is right;
 * store the result (big-endian) into a header whose checksum field is zero
 * to fill it in. Returns 0xffff for an invalid hdr_len, which no IPv4
 * header can produce (its version nibble makes the sum non-zero). The parser itself never verifies it: see l3l4.c.
 */
uint16_t l3l4_ipv4_hdr_csum(const uint8_t *hdr, size_t hdr_len);

#endif
