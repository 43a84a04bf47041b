/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP reset frames for a blocked flow; rst.h explains the sequence numbers.
 *
 * Output grammar (what is written, n = bytes):
 *   frame = l2(copied, 14 + 4 * tags) ip tcp [zero padding to 60]
 *   ip    = ipv4(20: 45 00 len(2) 0000 4000 ttl 06 csum(2) src(4) dst(4))
 *         | ipv6(40: 60000000 0014 06 hlim src(16) dst(16))
 *   tcp   = sport(2) dport(2) seq(4) ack(4) 50 14 0000 csum(2) 0000
 */
#include "rst.h"

#include <stdbool.h>
#include <string.h>

#define ETH_MIN_FRAME 60u
#define ETH_HLEN 14u
#define VLAN_HLEN 4u
#define IPV4_HLEN 20u
#define IPV6_HLEN 40u
#define TCP_HLEN 20u
#define TCP_FLAGS_RST_ACK 0x14u

uint32_t rst_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	/* Fold as we go so that any length fits in 32 bits. */
	return (sum & 0xffffu) + (sum >> 16);
}

uint16_t rst_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

size_t rst_build(const uint8_t *l2, size_t l2_len, const struct l3l4_desc *d,
		 enum rst_dir dir, uint8_t *out, size_t cap)
{
	bool to_client = dir == RST_TO_CLIENT;
	size_t alen, ip_hlen, len, frame_len;
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	uint32_t seq, ack, sum;
	uint8_t *ip, *th;

	if (l2 == NULL || d == NULL || out == NULL || d->l4_proto != L3L4_IPPROTO_TCP ||
	    d->l4_off == 0)
		return 0;
	if (l2_len < ETH_HLEN || (l2_len - ETH_HLEN) % VLAN_HLEN != 0 ||
	    (l2_len - ETH_HLEN) / VLAN_HLEN > L3L4_MAX_VLAN)
		return 0;
	if (d->ip_version == 4) {
		alen = 4;
		ip_hlen = IPV4_HLEN;
	} else if (d->ip_version == 6) {
		alen = 16;
		ip_hlen = IPV6_HLEN;
	} else {
		return 0;
	}
	len = l2_len + ip_hlen + TCP_HLEN;
	frame_len = len < ETH_MIN_FRAME ? ETH_MIN_FRAME : len;
	if (cap < frame_len)
		return 0;

	/* S + L plus one for each of SYN and FIN, which take a sequence number. */
	uint32_t client_next = d->tcp_seq + d->payload_len +
			       ((d->tcp_flags & L3L4_TCP_SYN) != 0) +
			       ((d->tcp_flags & L3L4_TCP_FIN) != 0);
	if (to_client) {
		src = d->dst;
		dst = d->src;
		sport = d->dport;
		dport = d->sport;
		seq = d->tcp_ack;
		ack = client_next;
	} else {
		src = d->src;
		dst = d->dst;
		sport = d->sport;
		dport = d->dport;
		seq = d->tcp_seq;
		ack = d->tcp_ack;
	}

	memset(out, 0, frame_len);
	memcpy(out, l2, l2_len);
	if (to_client) {
		memcpy(out, l2 + 6, 6);
		memcpy(out + 6, l2, 6);
	}

	ip = out + l2_len;
	if (d->ip_version == 4) {
		ip[0] = 0x45;
		put16(ip + 2, IPV4_HLEN + TCP_HLEN);
		put16(ip + 6, 0x4000); /* DF, offset 0 */
		ip[8] = to_client ? RST_TTL_TO_CLIENT : d->ttl;
		ip[9] = L3L4_IPPROTO_TCP;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		put16(ip + 10, (uint16_t)~rst_csum_fold(rst_csum_add(0, ip, IPV4_HLEN)));
	} else {
		ip[0] = 0x60;
		put16(ip + 4, TCP_HLEN);
		ip[6] = L3L4_IPPROTO_TCP;
		ip[7] = to_client ? RST_TTL_TO_CLIENT : d->ttl;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
	}

	th = ip + ip_hlen;
	put16(th, sport);
	put16(th + 2, dport);
	put32(th + 4, seq);
	put32(th + 8, ack);
	th[12] = (TCP_HLEN / 4) << 4;
	th[13] = TCP_FLAGS_RST_ACK;

	/* Pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1): addresses, protocol,
	 * TCP length; then the header with its checksum field still zero. */
	sum = rst_csum_add(0, src, alen);
	sum = rst_csum_add(sum, dst, alen);
	sum += L3L4_IPPROTO_TCP + TCP_HLEN;
	sum = rst_csum_add(sum, th, TCP_HLEN);
	put16(th + 16, (uint16_t)~rst_csum_fold(sum));
	return frame_len;
}
