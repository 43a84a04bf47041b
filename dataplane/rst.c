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

#include "l2_reply.h"

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
	if (!l2_reply_shape(l2_len, d, &alen, &ip_hlen))
		return 0;
	len = l2_len + ip_hlen + TCP_HLEN;
	frame_len = len < L2_REPLY_MIN_FRAME ? L2_REPLY_MIN_FRAME : len;
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
	l2_reply_copy_l2(out, l2, l2_len, to_client);
	ip = out + l2_len;
	l2_reply_put_ip(ip, d->ip_version, src, dst, L3L4_IPPROTO_TCP,
			to_client ? RST_TTL_TO_CLIENT : d->ttl, TCP_HLEN);

	th = ip + ip_hlen;
	l2_reply_put16(th, sport);
	l2_reply_put16(th + 2, dport);
	put32(th + 4, seq);
	put32(th + 8, ack);
	th[12] = (TCP_HLEN / 4) << 4;
	th[13] = TCP_FLAGS_RST_ACK;

	/* Pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1): addresses, protocol,
	 * TCP length; then the header with its checksum field still zero. */
	sum = l2_reply_pseudo_sum(src, dst, alen, L3L4_IPPROTO_TCP, TCP_HLEN);
	sum = rst_csum_add(sum, th, TCP_HLEN);
	l2_reply_put16(th + 16, (uint16_t)~rst_csum_fold(sum));
	return frame_len;
}
