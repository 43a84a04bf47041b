/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_DP_DNS_REPLY_H
#define KB_DP_DNS_REPLY_H

/*
 * The frame that answers a refused DNS query (policy action reset on a
 * DNS name): the refusal dns_build_refusal() writes (NXDOMAIN or REFUSED,
 * the query's id and question), carried back to the client as if the
 * server had sent it. Pure C on bytes, beside rst.h: no DPDK, no
 * allocation, so it is tested without EAL (tests/unit/test_dns_reply.c).
 *
 * Given the query Q (client C:cp -> server S:sp):
 *
 *   frame = l2 ip udp refusal [zero padding to 60]
 *   l2    = Q's link header, source and destination MAC swapped, VLAN
 *           tags (802.1Q/802.1ad) kept as they are
 *   ip    = IPv4: 45 00 len 0000 4000(DF) 40(TTL 64) 11 csum S C
 *           IPv6: 6 00 00000 plen 11 40(hop limit 64) S C
 *           (no options or extension headers, whatever Q carried)
 *   udp   = sp cp len csum
 *
 * The IPv4 header checksum and the UDP checksum (pseudo-header included)
 * are computed here; a UDP checksum that folds to 0 is sent as 0xffff (RFC
 * 768), as IPv6 requires one (RFC 8200 §8.1).
 */

#include <stddef.h>
#include <stdint.h>

#include "dns_types.h"
#include "l3l4_types.h"

/* Ethernet with 4 tags, IPv6, UDP, the longest refusal. */
#define DNS_REPLY_FRAME_MAX (14u + 4u * L3L4_MAX_VLAN + 40u + 8u + DNS_REFUSAL_MAX)
#define DNS_REPLY_TTL 64u

/*
 * Builds the answer frame into out (cap bytes; DNS_REPLY_FRAME_MAX always
 * suffice). l2/l2_len is Q's link header (d->l2_len of a frame parse: 14 +
 * 4n, n <= L3L4_MAX_VLAN); d describes Q's IP and UDP headers (only header
 * fields are read, so a descriptor of a reassembled datagram works); msg/len
 * is Q's DNS message and q its DNS_OK parse with a question. Returns the
 * frame length, or 0 when d is not UDP over IPv4/IPv6, l2_len is not a
 * tagged Ethernet header, q cannot be refused (dns_build_refusal() says
 * 0) or cap is too small.
 */
size_t dns_reply_build(const uint8_t *l2, size_t l2_len, const struct l3l4_desc *d,
		       const uint8_t *msg, size_t len, const struct dns_query *q, uint8_t rcode,
		       uint8_t *out, size_t cap);

#endif
