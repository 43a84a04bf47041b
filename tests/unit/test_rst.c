/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the reset builder (dataplane/rst.c): frames built from
 * client packets over IPv4, IPv6 with extension headers and VLAN/QinQ; the
 * checksums are verified by an independent sum over the frame, the L2 copy
 * and MAC swap byte by byte, and seq/ack per direction against rst.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "l3l4.h"
#include "rst.h"

struct fb {
	uint8_t b[2048];
	size_t n;
};

static void put(struct fb *f, const void *p, size_t n)
{
	assert_true(f->n + n <= sizeof(f->b));
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void put8(struct fb *f, unsigned v)
{
	uint8_t b = (uint8_t)v;
	put(f, &b, 1);
}

static void put16(struct fb *f, unsigned v)
{
	put8(f, v >> 8);
	put8(f, v & 0xff);
}

static void put32(struct fb *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Plain RFC 1071 sum, written apart from rst.c's so the two check each other. */
static uint16_t ones_sum(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
			 uint32_t extra)
{
	uint64_t s = extra;
	for (size_t i = 0; i < alen; i++)
		s += (i & 1) ? a[i] : (uint32_t)a[i] << 8;
	for (size_t i = 0; i < blen; i++)
		s += (i & 1) ? b[i] : (uint32_t)b[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static const uint8_t MAC_SRV[6] = {0x02, 0, 0, 0, 0, 0x02}; /* dst of a client packet */
static const uint8_t MAC_CLI[6] = {0x02, 0, 0, 0, 0, 0x01};

/* Ethernet with n tags (first 0x88a8 when n > 1, then 0x8100). */
static void eth(struct fb *f, unsigned ntags, unsigned ethertype)
{
	put(f, MAC_SRV, 6);
	put(f, MAC_CLI, 6);
	for (unsigned i = 0; i < ntags; i++) {
		put16(f, (ntags > 1 && i == 0) ? 0x88a8 : 0x8100);
		put16(f, 100 + i);
	}
	put16(f, ethertype);
}

static void tcp(struct fb *f, uint32_t seq, uint32_t ack, unsigned flags, size_t payload)
{
	put16(f, 51000);
	put16(f, 443);
	put32(f, seq);
	put32(f, ack);
	put8(f, 0x80); /* doff 8: 12 bytes of options */
	put8(f, flags);
	put16(f, 501);
	put16(f, 0);
	put16(f, 0);
	for (int i = 0; i < 12; i++)
		put8(f, 1);
	for (size_t i = 0; i < payload; i++)
		put8(f, 'x');
}

static void client_v4(struct fb *f, unsigned ntags, uint32_t seq, uint32_t ack, unsigned flags,
		      size_t payload)
{
	eth(f, ntags, 0x0800);
	put8(f, 0x46); /* IHL 6: one option word, dropped in the reset */
	put8(f, 0);
	put16(f, (unsigned)(24 + 32 + payload));
	put16(f, 0x1234);
	put16(f, 0);
	put8(f, 57);
	put8(f, 6);
	put16(f, 0);
	put32(f, 0x0a000001);
	put32(f, 0xc0a80002);
	put32(f, 0x01010101);
	tcp(f, seq, ack, flags, payload);
}

static void client_v6(struct fb *f, unsigned ntags, uint32_t seq, uint32_t ack, unsigned flags,
		      size_t payload)
{
	eth(f, ntags, 0x86dd);
	put32(f, 0x60012345);
	put16(f, (unsigned)(8 + 32 + payload));
	put8(f, 60); /* a destination-options header first */
	put8(f, 63);
	for (int i = 0; i < 16; i++)
		put8(f, i == 0 ? 0x20 : i == 15 ? 1 : 0);
	for (int i = 0; i < 16; i++)
		put8(f, i == 0 ? 0x20 : i == 15 ? 2 : 0);
	put8(f, 6);
	put8(f, 0);
	put8(f, 1); /* PadN */
	put8(f, 4);
	put32(f, 0);
	tcp(f, seq, ack, flags, payload);
}

/* Checks one built reset against the client packet it came from. */
static void check_rst(const struct fb *cli, enum rst_dir dir, uint32_t want_seq,
		      uint32_t want_ack)
{
	struct l3l4_desc d, r;
	uint8_t out[RST_FRAME_MAX];

	assert_int_equal(l3l4_parse(cli->b, cli->n, &d), L3L4_OK);
	size_t n = rst_build(cli->b, d.l2_len, &d, dir, out, sizeof(out));
	assert_true(n >= 60);
	assert_int_equal(l3l4_parse(out, n, &r), L3L4_OK);

	/* L2: tags and ethertype copied; MACs swapped toward the client. */
	assert_int_equal(r.l2_len, d.l2_len);
	assert_memory_equal(out + 12, cli->b + 12, d.l2_len - 12);
	if (dir == RST_TO_CLIENT) {
		assert_memory_equal(out, MAC_CLI, 6);
		assert_memory_equal(out + 6, MAC_SRV, 6);
	} else {
		assert_memory_equal(out, cli->b, 12);
	}
	assert_int_equal(r.vlan_count, d.vlan_count);

	/* Addresses, ports, flags, numbers. */
	size_t alen = d.ip_version == 4 ? 4 : 16;
	const uint8_t *want_src = dir == RST_TO_CLIENT ? d.dst : d.src;
	const uint8_t *want_dst = dir == RST_TO_CLIENT ? d.src : d.dst;
	assert_memory_equal(r.src, want_src, alen);
	assert_memory_equal(r.dst, want_dst, alen);
	assert_int_equal(r.sport, dir == RST_TO_CLIENT ? d.dport : d.sport);
	assert_int_equal(r.dport, dir == RST_TO_CLIENT ? d.sport : d.dport);
	assert_int_equal(r.tcp_flags, L3L4_TCP_RST | L3L4_TCP_ACK);
	assert_int_equal(r.tcp_seq, want_seq);
	assert_int_equal(r.tcp_ack, want_ack);
	assert_int_equal(r.payload_len, 0);
	assert_int_equal(r.ext_count, 0);
	assert_int_equal(r.ttl, dir == RST_TO_CLIENT ? RST_TTL_TO_CLIENT : d.ttl);

	/* Checksums, recomputed: IPv4 header sums to 0xffff; TCP with the
	 * pseudo-header too. */
	const uint8_t *ip = out + r.l3_off;
	const uint8_t *th = out + r.l4_off;
	size_t tcp_len = r.l3_off + r.l3_len - r.l4_off;
	assert_int_equal(tcp_len, 20);
	if (r.ip_version == 4) {
		assert_int_equal(ones_sum(ip, 20, NULL, 0, 0), 0xffff);
		assert_int_equal(rd16(ip + 2), 40);
		assert_int_equal(ones_sum(ip + 12, 8, th, tcp_len, 6 + (uint32_t)tcp_len), 0xffff);
	} else {
		assert_int_equal(rd16(ip + 4), 20);
		assert_int_equal(ones_sum(ip + 8, 32, th, tcp_len, 6 + (uint32_t)tcp_len), 0xffff);
	}
	/* Padding, if any, is zero and outside the datagram. */
	for (size_t i = r.l3_off + r.l3_len; i < n; i++)
		assert_int_equal(out[i], 0);
}

static void run_case(int v6, unsigned ntags, uint32_t seq, uint32_t ack, unsigned flags,
		     size_t payload)
{
	struct fb f = {.n = 0};
	if (v6)
		client_v6(&f, ntags, seq, ack, flags, payload);
	else
		client_v4(&f, ntags, seq, ack, flags, payload);
	uint32_t next = seq + (uint32_t)payload + ((flags & 0x02) != 0) + ((flags & 0x01) != 0);
	check_rst(&f, RST_TO_SERVER, seq, ack);
	check_rst(&f, RST_TO_CLIENT, ack, next);
}

static void test_v4(void **st)
{
	(void)st;
	run_case(0, 0, 1000, 2000, 0x18, 517);
}

static void test_v6_ext(void **st)
{
	(void)st;
	run_case(1, 0, 0x7fffff00, 0x11223344, 0x18, 300);
}

static void test_vlan(void **st)
{
	(void)st;
	run_case(0, 1, 5, 6, 0x18, 100);
	run_case(1, 1, 5, 6, 0x18, 100);
}

static void test_qinq(void **st)
{
	(void)st;
	run_case(0, 2, 77, 88, 0x10, 1);
	run_case(1, 4, 77, 88, 0x10, 1);
}

/* Sequence numbers wrap modulo 2^32; FIN takes one. */
static void test_wrap_fin(void **st)
{
	(void)st;
	run_case(0, 0, 0xfffffff0u, 9, 0x19, 100);
	run_case(1, 0, 0xffffffffu, 0xffffffffu, 0x11, 0);
}

static void test_rejects(void **st)
{
	struct fb f = {.n = 0};
	struct l3l4_desc d;
	uint8_t out[RST_FRAME_MAX];

	(void)st;
	client_v4(&f, 0, 1, 2, 0x18, 10);
	assert_int_equal(l3l4_parse(f.b, f.n, &d), L3L4_OK);
	assert_int_equal(rst_build(f.b, d.l2_len, &d, RST_TO_SERVER, out, 59), 0);
	assert_int_equal(rst_build(f.b, 13, &d, RST_TO_SERVER, out, sizeof(out)), 0);
	assert_int_equal(rst_build(f.b, 16, &d, RST_TO_SERVER, out, sizeof(out)), 0);
	assert_int_equal(rst_build(f.b, 14 + 5 * 4, &d, RST_TO_SERVER, out, sizeof(out)), 0);
	d.l4_proto = L3L4_IPPROTO_UDP;
	assert_int_equal(rst_build(f.b, d.l2_len, &d, RST_TO_SERVER, out, sizeof(out)), 0);
	d.l4_proto = L3L4_IPPROTO_TCP;
	d.ip_version = 0;
	assert_int_equal(rst_build(f.b, d.l2_len, &d, RST_TO_SERVER, out, sizeof(out)), 0);
}

/* A reassembled datagram (l3l4_parse_ip) with the link header of its last
 * fragment: only header fields of the descriptor are used. */
static void test_from_datagram(void **st)
{
	struct fb f = {.n = 0};
	struct l3l4_desc d, dd, r;
	uint8_t out[RST_FRAME_MAX];

	(void)st;
	client_v4(&f, 1, 4242, 99, 0x18, 40);
	assert_int_equal(l3l4_parse(f.b, f.n, &d), L3L4_OK);
	assert_int_equal(l3l4_parse_ip(f.b + d.l3_off, f.n - d.l3_off, 4, &dd), L3L4_OK);
	size_t n = rst_build(f.b, d.l2_len, &dd, RST_TO_CLIENT, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(l3l4_parse(out, n, &r), L3L4_OK);
	assert_int_equal(r.tcp_seq, 99);
	assert_int_equal(r.tcp_ack, 4242 + 40);
	assert_int_equal(r.vlan_count, 1);
}

static void test_csum_helpers(void **st)
{
	/* RFC 1071 §3 example: 0001 f203 f4f5 f6f7 sums to ddf2. */
	static const uint8_t v[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	(void)st;
	assert_int_equal(rst_csum_fold(rst_csum_add(0, v, sizeof(v))), 0xddf2);
	/* An odd length pads with a zero byte. */
	static const uint8_t o[] = {0x12, 0x34, 0x56};
	assert_int_equal(rst_csum_fold(rst_csum_add(0, o, sizeof(o))), 0x1234 + 0x5600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4),
		cmocka_unit_test(test_v6_ext),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_qinq),
		cmocka_unit_test(test_wrap_fin),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_from_datagram),
		cmocka_unit_test(test_csum_helpers),
	};
	return cmocka_run_group_tests_name("rst", tests, NULL, NULL);
}
