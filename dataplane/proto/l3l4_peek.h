/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_PROTO_L3L4_PEEK_H
#define KB_PROTO_L3L4_PEEK_H

/*
 * The common frame, read in place: untagged Ethernet, then IPv4 without
 * options and not a fragment, or IPv6 without extension headers, then TCP,
 * the datagram captured whole. Nearly every packet of an established flow
 * is one, and the worker's fast path needs only its addresses, ports, flags
 * and payload length, not a descriptor. l3l4_parse() takes exactly these
 * frames through this same function (its shortcut fills the descriptor from
 * the peek), so a frame peeks if and only if that shortcut takes it, and
 * the accessors below equal the descriptor's fields.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l3l4_types.h"

#define L3L4_ETH_HLEN 14u
#define L3L4_IPV4_HLEN 20u
#define L3L4_IPV6_HLEN 40u
#define L3L4_TCP_HLEN 20u
#define L3L4_ETHERTYPE_IPV4 0x0800u
#define L3L4_ETHERTYPE_IPV6 0x86ddu
#define L3L4_IPV4_DF 0x4000u
#define L3L4_IPV4_MF 0x2000u
#define L3L4_IPV4_OFF_MASK 0x1fffu

struct l3l4_peek {
	const uint8_t *ip; /* the IP header, L3L4_ETH_HLEN into the frame */
	const uint8_t *th; /* the TCP header */
	uint16_t l3_len;   /* IP header + payload, padding excluded */
	uint16_t seg_len;  /* TCP header + payload */
	uint16_t doff;     /* TCP header length */
	uint8_t ip_version;
};

static inline uint16_t l3l4_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

/* True, with *pk filled, for a common frame; false for anything else. */
static inline bool l3l4_peek_tcp(const void *frame, size_t len, struct l3l4_peek *pk)
{
	const uint8_t *b = frame, *ip = b + L3L4_ETH_HLEN;

	if (b == NULL || len < L3L4_ETH_HLEN + L3L4_IPV4_HLEN + L3L4_TCP_HLEN ||
	    len > L3L4_MAX_FRAME)
		return false;
	uint16_t type = l3l4_be16(b + 12);

	if (type == L3L4_ETHERTYPE_IPV4 && ip[0] == 0x45 && ip[9] == L3L4_IPPROTO_TCP) {
		const uint8_t *th = ip + L3L4_IPV4_HLEN;
		uint16_t tot = l3l4_be16(ip + 2), fo = l3l4_be16(ip + 6);
		size_t doff = (size_t)(th[12] >> 4) * 4;

		/* Not a fragment; the datagram captured whole; a TCP header that fits. */
		if ((fo & (L3L4_IPV4_MF | L3L4_IPV4_OFF_MASK)) != 0 || tot > len - L3L4_ETH_HLEN ||
		    doff < L3L4_TCP_HLEN || (size_t)tot < L3L4_IPV4_HLEN + doff)
			return false;
		pk->th = th;
		pk->l3_len = tot;
		pk->seg_len = (uint16_t)(tot - L3L4_IPV4_HLEN);
		pk->doff = (uint16_t)doff;
		pk->ip_version = 4;
	} else if (type == L3L4_ETHERTYPE_IPV6 &&
		   len >= L3L4_ETH_HLEN + L3L4_IPV6_HLEN + L3L4_TCP_HLEN && ip[0] >> 4 == 6 &&
		   ip[6] == L3L4_IPPROTO_TCP) {
		const uint8_t *th = ip + L3L4_IPV6_HLEN;
		size_t plen = l3l4_be16(ip + 4), doff = (size_t)(th[12] >> 4) * 4;

		/* The datagram captured whole; a TCP header that fits. */
		if (L3L4_IPV6_HLEN + plen > len - L3L4_ETH_HLEN || doff < L3L4_TCP_HLEN ||
		    plen < doff)
			return false;
		pk->th = th;
		pk->l3_len = (uint16_t)(L3L4_IPV6_HLEN + plen);
		pk->seg_len = (uint16_t)plen;
		pk->doff = (uint16_t)doff;
		pk->ip_version = 6;
	} else {
		return false;
	}
	pk->ip = ip;
	return true;
}

static inline const uint8_t *l3l4_peek_src(const struct l3l4_peek *pk)
{
	return pk->ip + (pk->ip_version == 4 ? 12 : 8);
}

static inline const uint8_t *l3l4_peek_dst(const struct l3l4_peek *pk)
{
	return pk->ip + (pk->ip_version == 4 ? 16 : 24);
}

static inline uint16_t l3l4_peek_sport(const struct l3l4_peek *pk)
{
	return l3l4_be16(pk->th);
}

static inline uint16_t l3l4_peek_dport(const struct l3l4_peek *pk)
{
	return l3l4_be16(pk->th + 2);
}

static inline uint8_t l3l4_peek_flags(const struct l3l4_peek *pk)
{
	return pk->th[13];
}

static inline uint16_t l3l4_peek_payload_len(const struct l3l4_peek *pk)
{
	return (uint16_t)(pk->seg_len - pk->doff);
}

#endif
