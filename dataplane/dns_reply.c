/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The answer frame of a refused DNS query; dns_reply.h has the layout.
 */
#include "dns_reply.h"

#include <string.h>

#include "dns.h"
#include "rst.h"

#define ETH_MIN_FRAME 60u
#define ETH_HLEN 14u
#define VLAN_HLEN 4u
#define IPV4_HLEN 20u
#define IPV6_HLEN 40u
#define UDP_HLEN 8u

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

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
	hdr = l2_len + ip_hlen + UDP_HLEN;
	if (cap < hdr)
		return 0;
	/* The refusal first: it says whether there is anything to send. */
	dns_len = dns_build_refusal(msg, len, q, rcode, false, out + hdr, cap - hdr);
	if (dns_len == 0)
		return 0;
	frame_len = hdr + dns_len < ETH_MIN_FRAME ? ETH_MIN_FRAME : hdr + dns_len;
	if (cap < frame_len)
		return 0;
	memset(out + hdr + dns_len, 0, frame_len - hdr - dns_len);

	memcpy(out, l2, l2_len);
	memcpy(out, l2 + 6, 6);
	memcpy(out + 6, l2, 6);

	ip = out + l2_len;
	uh = ip + ip_hlen;
	size_t udp_len = UDP_HLEN + dns_len;
	if (d->ip_version == 4) {
		memset(ip, 0, IPV4_HLEN);
		ip[0] = 0x45;
		put16(ip + 2, (uint32_t)(IPV4_HLEN + udp_len));
		put16(ip + 6, 0x4000); /* DF, offset 0: id 0 is fine (RFC 6864) */
		ip[8] = DNS_REPLY_TTL;
		ip[9] = L3L4_IPPROTO_UDP;
		memcpy(ip + 12, d->dst, 4);
		memcpy(ip + 16, d->src, 4);
		put16(ip + 10, (uint16_t)~rst_csum_fold(rst_csum_add(0, ip, IPV4_HLEN)));
	} else {
		memset(ip, 0, IPV6_HLEN);
		ip[0] = 0x60;
		put16(ip + 4, (uint32_t)udp_len);
		ip[6] = L3L4_IPPROTO_UDP;
		ip[7] = DNS_REPLY_TTL;
		memcpy(ip + 8, d->dst, 16);
		memcpy(ip + 24, d->src, 16);
	}

	put16(uh, d->dport);
	put16(uh + 2, d->sport);
	put16(uh + 4, (uint32_t)udp_len);
	put16(uh + 6, 0);
	/* Pseudo-header (RFC 768, RFC 8200 §8.1): addresses, protocol, UDP
	 * length; then the header (checksum zero) and the payload. */
	sum = rst_csum_add(0, d->dst, alen);
	sum = rst_csum_add(sum, d->src, alen);
	sum += L3L4_IPPROTO_UDP + (uint32_t)udp_len;
	sum = rst_csum_add(sum, uh, udp_len);
	uint16_t c = (uint16_t)~rst_csum_fold(sum);
	put16(uh + 6, c == 0 ? 0xffffu : c);
	return frame_len;
}
