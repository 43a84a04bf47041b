/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_DP_RST_H
#define KB_DP_RST_H

/*
 * TCP resets for a blocked flow, built from the client packet that completed
 * the barred name. Pure C on bytes: no DPDK, no allocation, so it is tested
 * without EAL (tests/unit/test_rst.c).
 *
 * Given that packet P (seq S, payload length L, ack A, SYN/FIN flags f):
 *
 *   toward the server   src = client, dst = server, RST|ACK,
 *                       seq = S, ack = A
 *   toward the client   src = server, dst = client, RST|ACK,
 *                       seq = A, ack = S + L + f
 *
 * Why seq = S toward the server: P is dropped, so it never reaches the
 * server, whose RCV.NXT is therefore S (every earlier client byte was
 * forwarded). RFC 5961 §3.2 makes a receiver act on a RST only when its
 * sequence number is exactly RCV.NXT (any other in-window value draws a
 * challenge ACK), so S is the one value the server takes at once. For the
 * same reason the client-bound RST carries A: the client's packet says the
 * server's next byte is A. The ACK numbers are what each side would accept
 * as current (RFC 9293 §3.10.7.3 ignores them on a RST, stacks log them).
 *
 * Frames: the L2 header of P is copied byte for byte with its VLAN tags;
 * the client-bound copy has source and destination MAC swapped. The IP
 * header is rebuilt without options or extension headers (IPv4: DF, id 0,
 * TTL copied toward the server and 64 toward the client; IPv6: traffic
 * class and flow label 0, same hop limits), the TCP header is 20 bytes with
 * no options and window 0. IPv4 and TCP checksums are computed here, in
 * software. Frames shorter than 60 bytes are padded with zeros to the
 * Ethernet minimum (the padding sits after the IP datagram).
 */

#include <stddef.h>
#include <stdint.h>

#include "l3l4_types.h"

/* 18 (Ethernet) + 4 tags x 4 + 40 (IPv6) + 20 (TCP) = 94, rounded up. */
#define RST_FRAME_MAX 96u
#define RST_TTL_TO_CLIENT 64u

enum rst_dir {
	RST_TO_SERVER = 0,
	RST_TO_CLIENT = 1,
};

/*
 * Builds one RST frame into out (cap bytes, RST_FRAME_MAX always suffice).
 * l2/l2_len is P's link header (Ethernet + tags, as in d->l2_len of a frame
 * parse); d describes P's IP and TCP headers (from l3l4_parse, or from
 * l3l4_parse_ip on a reassembled datagram: only the header fields are used,
 * never offsets). Returns the frame length, or 0 when d is not TCP over
 * IPv4/IPv6, l2_len is not 14 + 4n (n <= L3L4_MAX_VLAN), or cap is too small.
 */
size_t rst_build(const uint8_t *l2, size_t l2_len, const struct l3l4_desc *d,
		 enum rst_dir dir, uint8_t *out, size_t cap);

/* The Internet checksum (RFC 1071) of len bytes, folded, not inverted,
 * starting from sum (host order). Exposed for the tests. */
uint32_t rst_csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t rst_csum_fold(uint32_t sum);

#endif
