/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the DNS refusal frame (dataplane/dns_reply.h): every header
 * field of the frame sent back for a refused query, read at its offset and
 * checked against the query frame, with checksums verified by a summing
 * routine written here (not rst.c's); IPv4 and IPv6, untagged, 802.1Q and
 * QinQ; padding to the Ethernet minimum; the UDP checksum that folds to
 * zero; every input the builder must refuse.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns.h"
#include "dns_reply.h"
#include "l3l4.h"

/* dig 9.18 asking for dnl-01.geo.kaspersky.com A with EDNS and a cookie
 * (tests/data/dns/queries.tsv, dig_edns). */
static const uint8_t DIG[] = {
	0xb6, 0x73, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x06, 'd',
	'n',  'l',  '-',  '0',  '1',  0x03, 'g',  'e',  'o',  0x09, 'k',  'a',  's',  'p',
	'e',  'r',  's',  'k',  'y',  0x03, 'c',  'o',  'm',  0x00, 0x00, 0x01, 0x00, 0x01,
	0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a, 0x00,
	0x08, 0x1c, 0x8b, 0x87, 0x3b, 0xce, 0xec, 0x77, 0xd1,
};
/* The root, NS, no EDNS: the smallest query. */
static const uint8_t ROOT[] = {
	0x9a, 0xb0, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x02, 0x00, 0x01,
};

static const uint8_t CMAC[6] = {2, 0, 0, 0, 0, 1};
static const uint8_t SMAC[6] = {2, 0, 0, 0, 0, 2};

static size_t put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* RFC 1071, one byte at a time: deliberately not rst_csum_add. */
static uint16_t ones_sum(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	uint64_t s = 0;
	size_t k = 0;

	for (size_t i = 0; i < an + bn; i++, k++) {
		uint8_t byte = i < an ? a[i] : b[i - an];
		s += (k % 2 == 0) ? (uint64_t)byte << 8 : byte;
	}
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* A query frame: Ethernet (client -> server), tags, IPv4 or IPv6, UDP
 * 40000 -> 53, the message. Returns its length. */
static size_t query_frame(uint8_t *f, int ipv, unsigned ntags, const uint8_t *msg, size_t mlen)
{
	size_t n = 0;

	memcpy(f, SMAC, 6);
	memcpy(f + 6, CMAC, 6);
	n = 12;
	for (unsigned t = 0; t < ntags; t++) {
		n += put16(f + n, t == 0 && ntags > 1 ? 0x88a8 : 0x8100);
		n += put16(f + n, (uint16_t)(100 + t));
	}
	n += put16(f + n, ipv == 4 ? 0x0800 : 0x86dd);
	uint8_t *ip = f + n;
	size_t udp_len = 8 + mlen;
	if (ipv == 4) {
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + udp_len));
		ip[8] = 61;
		ip[9] = 17;
		memcpy(ip + 12, "\xc0\x00\x02\x0a", 4);
		memcpy(ip + 16, "\xc6\x33\x64\x35", 4);
		put16(ip + 10, (uint16_t)~ones_sum(ip, 20, NULL, 0));
		n += 20;
	} else {
		memset(ip, 0, 40);
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)udp_len);
		ip[6] = 17;
		ip[7] = 61;
		memcpy(ip + 8, "\x20\x01\x0d\xb8\x00\x10\0\0\0\0\0\0\0\0\x00\x10", 16);
		memcpy(ip + 24, "\x20\x01\x0d\xb8\x00\x20\0\0\0\0\0\0\0\0\x00\x53", 16);
		n += 40;
	}
	uint8_t *u = f + n;
	put16(u, 40000);
	put16(u + 2, 53);
	put16(u + 4, (uint16_t)udp_len);
	put16(u + 6, 0);
	memcpy(u + 8, msg, mlen);
	return n + udp_len;
}

struct built {
	uint8_t q[512];
	size_t qlen;
	struct l3l4_desc d;
	struct dns_query dq;
	char name[DNS_NAME_BUF];
	uint8_t out[DNS_REPLY_FRAME_MAX];
	size_t n;
};

static void build(struct built *b, int ipv, unsigned ntags, const uint8_t *msg, size_t mlen,
		  uint8_t rcode)
{
	b->qlen = query_frame(b->q, ipv, ntags, msg, mlen);
	assert_int_equal(l3l4_parse(b->q, b->qlen, &b->d), L3L4_OK);
	assert_int_equal(b->d.l4_proto, L3L4_IPPROTO_UDP);
	assert_int_equal(dns_parse_query(b->q + b->d.payload_off, b->d.payload_len, &b->dq,
					 b->name, sizeof(b->name)), DNS_OK);
	b->n = dns_reply_build(b->q, b->d.l2_len, &b->d, b->q + b->d.payload_off,
			       b->d.payload_len, &b->dq, rcode, b->out, sizeof(b->out));
}

/* Checks every field of b->out against the query; returns the UDP checksum. */
static uint16_t check_frame(const struct built *b, uint8_t rcode)
{
	const uint8_t *o = b->out;
	size_t l2 = b->d.l2_len;

	assert_true(b->n >= 60);
	assert_memory_equal(o, CMAC, 6);           /* back to the client */
	assert_memory_equal(o + 6, SMAC, 6);
	assert_memory_equal(o + 12, b->q + 12, l2 - 12); /* tags and ethertype */

	const uint8_t *ip = o + l2, *u;
	size_t ip_len, alen;
	uint8_t pseudo[40];
	if (b->d.ip_version == 4) {
		ip_len = get16(ip + 2);
		assert_int_equal(ip[0], 0x45);
		assert_int_equal(get16(ip + 6), 0x4000);
		assert_int_equal(ip[8], DNS_REPLY_TTL);
		assert_int_equal(ip[9], 17);
		assert_int_equal(ones_sum(ip, 20, NULL, 0), 0xffff);
		assert_memory_equal(ip + 12, b->d.dst, 4);
		assert_memory_equal(ip + 16, b->d.src, 4);
		u = ip + 20;
		alen = 4;
		memcpy(pseudo, ip + 12, 8);
	} else {
		ip_len = 40 + (size_t)get16(ip + 4);
		assert_int_equal(ip[0], 0x60);
		assert_int_equal(ip[6], 17);
		assert_int_equal(ip[7], DNS_REPLY_TTL);
		assert_memory_equal(ip + 8, b->d.dst, 16);
		assert_memory_equal(ip + 24, b->d.src, 16);
		u = ip + 40;
		alen = 16;
		memcpy(pseudo, ip + 8, 32);
	}
	size_t udp_len = get16(u + 4);
	assert_int_equal(l2 + ip_len, (size_t)(u - o) + udp_len);
	assert_int_equal(b->n, l2 + ip_len < 60 ? 60 : l2 + ip_len);
	for (size_t i = l2 + ip_len; i < b->n; i++)
		assert_int_equal(o[i], 0);
	assert_int_equal(get16(u), 53);
	assert_int_equal(get16(u + 2), 40000);
	/* Pseudo-header: addresses, zero, protocol, UDP length. */
	uint8_t tail[4] = {0, 17, (uint8_t)(udp_len >> 8), (uint8_t)udp_len};
	memcpy(pseudo + 2 * alen, tail, 4);
	uint16_t s = ones_sum(pseudo, 2 * alen + 4, u, udp_len);
	assert_int_equal(s, 0xffff);
	assert_int_not_equal(get16(u + 6), 0);

	/* The message: what dns_build_refusal gives, here read back. */
	const uint8_t *m = u + 8;
	const uint8_t *qm = b->q + b->d.payload_off;
	assert_int_equal(get16(m), get16(qm));
	assert_int_equal(m[2] & 0x80, 0x80);             /* QR */
	assert_int_equal(m[3] & 0x0f, rcode);
	assert_int_equal(get16(m + 4), 1);
	assert_int_equal(get16(m + 6), 0);
	assert_int_equal(get16(m + 8), 0);
	assert_memory_equal(m + 12, qm + 12, b->dq.question_len);
	return get16(u + 6);
}

static void test_ipv4(void **state)
{
	struct built b;

	(void)state;
	for (unsigned tags = 0; tags <= 2; tags++) {
		build(&b, 4, tags, DIG, sizeof(DIG), DNS_RCODE_NXDOMAIN);
		assert_int_equal(b.n, 14 + 4 * tags + 20 + 8 + 12 + 26 + 4 + 11);
		check_frame(&b, DNS_RCODE_NXDOMAIN);
		/* The OPT record is echoed last: root, 41, 1232. */
		const uint8_t *opt = b.out + b.n - 11;
		assert_int_equal(opt[0], 0);
		assert_int_equal(get16(opt + 1), 41);
		assert_int_equal(get16(opt + 3), DNS_EDNS_UDP_SIZE);
	}
}

static void test_ipv6_qinq(void **state)
{
	struct built b;

	(void)state;
	build(&b, 6, 2, DIG, sizeof(DIG), DNS_RCODE_REFUSED);
	assert_true(b.n > 0);
	assert_int_equal(get16(b.out + 12), 0x88a8);
	assert_int_equal(get16(b.out + 16), 0x8100);
	check_frame(&b, DNS_RCODE_REFUSED);
	build(&b, 6, 4, DIG, sizeof(DIG), DNS_RCODE_NXDOMAIN);
	assert_int_equal(b.n, 14 + 16 + 40 + 8 + 12 + 26 + 4 + 11);
	check_frame(&b, DNS_RCODE_NXDOMAIN);
}

static void test_padding(void **state)
{
	struct built b;

	(void)state;
	/* 14 + 20 + 8 + 17 = 59 bytes: one zero byte pads it to 60. */
	build(&b, 4, 0, ROOT, sizeof(ROOT), DNS_RCODE_NXDOMAIN);
	assert_int_equal(b.n, 60);
	check_frame(&b, DNS_RCODE_NXDOMAIN);
	assert_int_equal(get16(b.out + 14 + 2), 20 + 8 + 17);
}

/* Every query id: the UDP checksum always verifies and is never 0; the
 * one sum that folds to zero is sent as 0xffff. */
static void test_checksum_zero(void **state)
{
	static uint8_t msg[sizeof(DIG)];
	struct built b;
	unsigned ffff = 0;

	(void)state;
	memcpy(msg, DIG, sizeof(DIG));
	for (uint32_t id = 0; id < 65536; id++) {
		msg[0] = (uint8_t)(id >> 8);
		msg[1] = (uint8_t)id;
		build(&b, 4, 0, msg, sizeof(msg), DNS_RCODE_NXDOMAIN);
		uint16_t c = check_frame(&b, DNS_RCODE_NXDOMAIN);
		ffff += c == 0xffff;
	}
	assert_true(ffff >= 1);
}

static void test_refused_inputs(void **state)
{
	struct built b;
	uint8_t out[DNS_REPLY_FRAME_MAX];
	struct l3l4_desc d;

	(void)state;
	build(&b, 4, 1, DIG, sizeof(DIG), DNS_RCODE_NXDOMAIN);
	const uint8_t *msg = b.q + b.d.payload_off;
	size_t ml = b.d.payload_len;
	/* Too small a buffer, by one byte. */
	assert_int_equal(dns_reply_build(b.q, b.d.l2_len, &b.d, msg, ml, &b.dq, 3, out, b.n - 1),
			 0);
	assert_int_equal(dns_reply_build(b.q, b.d.l2_len, &b.d, msg, ml, &b.dq, 3, out, b.n),
			 b.n);
	/* A link header that is not Ethernet plus whole tags. */
	assert_int_equal(dns_reply_build(b.q, 15, &b.d, msg, ml, &b.dq, 3, out, sizeof(out)), 0);
	assert_int_equal(dns_reply_build(b.q, 12, &b.d, msg, ml, &b.dq, 3, out, sizeof(out)), 0);
	assert_int_equal(dns_reply_build(b.q, 14 + 5 * 4, &b.d, msg, ml, &b.dq, 3, out,
					 sizeof(out)), 0);
	/* Not UDP, not IP. */
	d = b.d;
	d.l4_proto = L3L4_IPPROTO_TCP;
	assert_int_equal(dns_reply_build(b.q, b.d.l2_len, &d, msg, ml, &b.dq, 3, out, sizeof(out)),
			 0);
	d = b.d;
	d.ip_version = 0;
	assert_int_equal(dns_reply_build(b.q, b.d.l2_len, &d, msg, ml, &b.dq, 3, out, sizeof(out)),
			 0);
	/* An rcode past 4 bits; a query that did not parse. */
	assert_int_equal(dns_reply_build(b.q, b.d.l2_len, &b.d, msg, ml, &b.dq, 16, out,
					 sizeof(out)), 0);
	struct dns_query bad = b.dq;
	bad.status = DNS_MALFORMED;
	assert_int_equal(dns_reply_build(b.q, b.d.l2_len, &b.d, msg, ml, &bad, 3, out, sizeof(out)),
			 0);
	assert_int_equal(dns_reply_build(NULL, b.d.l2_len, &b.d, msg, ml, &b.dq, 3, out,
					 sizeof(out)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6_qinq),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_checksum_zero),
		cmocka_unit_test(test_refused_inputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
