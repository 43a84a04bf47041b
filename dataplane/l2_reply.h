/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_L2_REPLY_H
#define KB_L2_REPLY_H

/*
 * What the frames kasblock writes itself (TCP resets, DNS refusals) share:
 * the received L2 header copied with its VLAN tags, the MACs swapped when
 * the frame goes back to the sender, an IPv4 or IPv6 header, and the
 * transport checksum's pseudo-header. rst.c and dns_reply.c differ only in
 * the transport header and payload.
 *
 *   ipv4 = 45 00 len(2) 0000 4000 ttl proto csum(2) src(4) dst(4)
 *   ipv6 = 60000000 l4_len(2) proto hlim src(16) dst(16)
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "l3l4_types.h"
#include "rst.h"

#define L2_REPLY_MIN_FRAME 60u /* Ethernet minimum, FCS excluded */
#define L2_REPLY_ETH_HLEN 14u
#define L2_REPLY_VLAN_HLEN 4u
#define L2_REPLY_IPV4_HLEN 20u
#define L2_REPLY_IPV6_HLEN 40u

static inline void l2_reply_put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Whether l2_len is an Ethernet header with at most L3L4_MAX_VLAN tags and d
 * an IPv4 or IPv6 packet; if so, its address and IP header lengths.
 */
static inline bool l2_reply_shape(size_t l2_len, const struct l3l4_desc *d, size_t *alen,
				  size_t *ip_hlen)
{
	if (l2_len < L2_REPLY_ETH_HLEN || (l2_len - L2_REPLY_ETH_HLEN) % L2_REPLY_VLAN_HLEN != 0 ||
	    (l2_len - L2_REPLY_ETH_HLEN) / L2_REPLY_VLAN_HLEN > L3L4_MAX_VLAN)
		return false;
	if (d->ip_version == 4) {
		*alen = 4;
		*ip_hlen = L2_REPLY_IPV4_HLEN;
	} else if (d->ip_version == 6) {
		*alen = 16;
		*ip_hlen = L2_REPLY_IPV6_HLEN;
	} else {
		return false;
	}
	return true;
}

/* The received L2 header (VLAN tags kept) into out; swap: back to its sender. */
static inline void l2_reply_copy_l2(uint8_t *out, const uint8_t *l2, size_t l2_len, bool swap)
{
	memcpy(out, l2, l2_len);
	if (swap) {
		memcpy(out, l2 + 6, 6);
		memcpy(out + 6, l2, 6);
	}
}

/*
 * The IP header at ip (version 4 or 6) for l4_len bytes of proto from src to
 * dst; the IPv4 one with DF, id 0 (RFC 6864) and its checksum.
 */
static inline void l2_reply_put_ip(uint8_t *ip, unsigned version, const uint8_t *src,
				   const uint8_t *dst, uint8_t proto, uint8_t ttl, size_t l4_len)
{
	if (version == 4) {
		memset(ip, 0, L2_REPLY_IPV4_HLEN);
		ip[0] = 0x45;
		l2_reply_put16(ip + 2, (uint32_t)(L2_REPLY_IPV4_HLEN + l4_len));
		l2_reply_put16(ip + 6, 0x4000); /* DF, offset 0 */
		ip[8] = ttl;
		ip[9] = proto;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		l2_reply_put16(ip + 10,
			       (uint16_t)~rst_csum_fold(rst_csum_add(0, ip, L2_REPLY_IPV4_HLEN)));
	} else {
		memset(ip, 0, L2_REPLY_IPV6_HLEN);
		ip[0] = 0x60;
		l2_reply_put16(ip + 4, (uint32_t)l4_len);
		ip[6] = proto;
		ip[7] = ttl;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
	}
}

/* The pseudo-header's sum (RFC 768 / 9293, RFC 8200 §8.1): addresses, protocol, length. */
static inline uint32_t l2_reply_pseudo_sum(const uint8_t *src, const uint8_t *dst, size_t alen,
					   uint8_t proto, size_t l4_len)
{
	uint32_t sum = rst_csum_add(0, src, alen);

	sum = rst_csum_add(sum, dst, alen);
	return sum + proto + (uint32_t)l4_len;
}

#endif /* KB_L2_REPLY_H */
