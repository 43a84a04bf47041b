/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The answer frame of a refused DNS query; dns_reply.h has the layout.
 */
#include "dns_reply.h"

#include <string.h>

#include "dns.h"
#include "l2_reply.h"
#include "rst.h"

#define UDP_HLEN 8u

size_t dns_reply_build(const uint8_t *l2, size_t l2_len, const struct l3l4_desc *d,
		       const uint8_t *msg, size_t len, const struct dns_query *q, uint8_t rcode,
		       uint8_t *out, size_t cap)
{
	size_t alen, ip_hlen, hdr, dns_len, frame_len;
	uint8_t *ip, *uh;
	uint32_t sum;

	if (l2 == NULL || d == NULL || msg == NULL || q == NULL || out == NULL ||
	    d->l4_proto != L3L4_IPPROTO_UDP || d->l4_off == 0)
		return 0;
	if (!l2_reply_shape(l2_len, d, &alen, &ip_hlen))
		return 0;
	hdr = l2_len + ip_hlen + UDP_HLEN;
	if (cap < hdr)
		return 0;
	/* The refusal first: it says whether there is anything to send. */
	dns_len = dns_build_refusal(msg, len, q, rcode, false, out + hdr, cap - hdr);
	if (dns_len == 0)
		return 0;
	frame_len = hdr + dns_len < L2_REPLY_MIN_FRAME ? L2_REPLY_MIN_FRAME : hdr + dns_len;
	if (cap < frame_len)
		return 0;
	memset(out + hdr + dns_len, 0, frame_len - hdr - dns_len);

	l2_reply_copy_l2(out, l2, l2_len, true);
	ip = out + l2_len;
	uh = ip + ip_hlen;
	size_t udp_len = UDP_HLEN + dns_len;
	l2_reply_put_ip(ip, d->ip_version, d->dst, d->src, L3L4_IPPROTO_UDP, DNS_REPLY_TTL,
			udp_len);

	l2_reply_put16(uh, d->dport);
	l2_reply_put16(uh + 2, d->sport);
	l2_reply_put16(uh + 4, (uint32_t)udp_len);
	l2_reply_put16(uh + 6, 0);
	/* Pseudo-header (RFC 768, RFC 8200 §8.1); then the header (checksum
	 * zero) and the payload. */
	sum = l2_reply_pseudo_sum(d->dst, d->src, alen, L3L4_IPPROTO_UDP, udp_len);
	sum = rst_csum_add(sum, uh, udp_len);
	uint16_t c = (uint16_t)~rst_csum_fold(sum);
	l2_reply_put16(uh + 6, c == 0 ? 0xffffu : c);
	return frame_len;
}
