/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The --loop address rewrite: after adding k to the first 16 bits of both
 * addresses, the IPv4 header checksum and the TCP/UDP checksum must equal
 * a checksum computed from scratch over the rewritten frame (so receivers
 * and tshark accept every pass), for IPv4 and IPv6, with VLAN tags, for a
 * UDP datagram without a checksum, and for a non-first fragment (which
 * carries no L4 header).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "replay_loop.h"

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* L4 checksum over the pseudo-header and the segment at l4 (len bytes). */
static uint16_t l4_sum(const uint8_t *f, size_t l3, int v6, uint8_t proto, size_t l4,
		       size_t len)
{
	uint32_t s = 0;
	if (v6) {
		s = sum16(f + l3 + 8, 32, s);
	} else {
		s = sum16(f + l3 + 12, 8, s);
	}
	s += proto + (uint32_t)len;
	return fold(sum16(f + l4, len, s));
}

/* Ethernet (+ tags) / IPv4 or IPv6 / TCP or UDP with payload; checksums set. */
static size_t build(uint8_t *f, int v6, int vlans, uint8_t proto, int udp_nocsum)
{
	size_t off = 12, l3, l4, n;
	static const uint8_t pay[] = "GET / HTTP/1.1\r\nHost: a.example\r\n\r\n";

	memset(f, 0, 256);
	memset(f, 0x02, 12);
	for (int i = 0; i < vlans; i++) {
		put16(f + off, 0x8100);
		put16(f + off + 2, (uint16_t)(100 + i));
		off += 4;
	}
	put16(f + off, v6 ? 0x86dd : 0x0800);
	l3 = off + 2;
	size_t l4len = (proto == 6 ? 20 : 8) + sizeof(pay) - 1;
	if (v6) {
		f[l3] = 0x60;
		put16(f + l3 + 4, (uint16_t)l4len);
		f[l3 + 6] = proto;
		f[l3 + 7] = 64;
		static const uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
		static const uint8_t d6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20};
		memcpy(f + l3 + 8, s6, 16);
		memcpy(f + l3 + 24, d6, 16);
		l4 = l3 + 40;
	} else {
		f[l3] = 0x45;
		put16(f + l3 + 2, (uint16_t)(20 + l4len));
		put16(f + l3 + 4, 0x1234);
		f[l3 + 8] = 64;
		f[l3 + 9] = proto;
		static const uint8_t s4[4] = {10, 0, 0, 1}, d4[4] = {192, 0, 2, 1};
		memcpy(f + l3 + 12, s4, 4);
		memcpy(f + l3 + 16, d4, 4);
		put16(f + l3 + 10, fold(sum16(f + l3, 20, 0)));
		l4 = l3 + 20;
	}
	put16(f + l4, 40001);
	put16(f + l4 + 2, proto == 6 ? 80 : 53);
	if (proto == 6) {
		f[l4 + 12] = 0x50;
		f[l4 + 13] = 0x18;
		put16(f + l4 + 14, 65535);
		memcpy(f + l4 + 20, pay, sizeof(pay) - 1);
	} else {
		put16(f + l4 + 4, (uint16_t)l4len);
		memcpy(f + l4 + 8, pay, sizeof(pay) - 1);
	}
	n = l4 + l4len;
	size_t ck = l4 + (proto == 6 ? 16 : 6);
	if (!(proto == 17 && udp_nocsum)) {
		uint16_t c = l4_sum(f, l3, v6, proto, l4, l4len);
		put16(f + ck, c == 0 && proto == 17 ? 0xffff : c);
	}
	return n;
}

static void check(int v6, int vlans, uint8_t proto, int nocsum, unsigned k)
{
	uint8_t f[256];
	size_t n = build(f, v6, vlans, proto, nocsum);
	size_t l3 = 14 + 4 * (size_t)vlans;
	size_t l4 = l3 + (v6 ? 40 : 20);
	size_t a = l3 + (v6 ? 8 : 12), b = l3 + (v6 ? 24 : 16);
	uint16_t wa = get16(f + a), wb = get16(f + b);

	ctl_loop_rewrite(f, n, k);
	assert_int_equal(get16(f + a), (uint16_t)(wa + k));
	assert_int_equal(get16(f + b), (uint16_t)(wb + k));
	if (!v6)
		assert_int_equal(fold(sum16(f + l3, 20, 0)), 0); /* header checksum verifies */
	size_t ck = l4 + (proto == 6 ? 16 : 6);
	if (proto == 17 && nocsum) {
		assert_int_equal(get16(f + ck), 0); /* "no checksum" stays so */
		return;
	}
	uint16_t have = get16(f + ck);
	put16(f + ck, 0);
	uint16_t want = l4_sum(f, l3, v6, proto, l4, n - l4);
	if (proto == 17 && want == 0)
		want = 0xffff;
	assert_int_equal(have, want);
}

static void test_checksums(void **state)
{
	static const unsigned ks[] = {1, 2, 245, 246, 255, 256, 4095, 65535};

	(void)state;
	for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		for (int v6 = 0; v6 < 2; v6++) {
			for (int vl = 0; vl < 3; vl++) {
				check(v6, vl, 6, 0, ks[i]);
				check(v6, vl, 17, 0, ks[i]);
			}
		}
		check(0, 0, 17, 1, ks[i]);
	}
}

static void test_pass_zero_and_non_ip(void **state)
{
	uint8_t f[256], g[256];
	size_t n = build(f, 0, 1, 6, 0);

	(void)state;
	memcpy(g, f, sizeof(f));
	ctl_loop_rewrite(f, n, 0);
	assert_memory_equal(f, g, n);
	ctl_loop_rewrite(f, n, 65536); /* a multiple of 65536 is pass 0 again */
	assert_memory_equal(f, g, n);
	put16(f + 16, 0x0806); /* ARP behind the tag: untouched */
	memcpy(g, f, sizeof(f));
	ctl_loop_rewrite(f, n, 7);
	assert_memory_equal(f, g, n);
	ctl_loop_rewrite(f, 10, 7); /* shorter than Ethernet: untouched */
	assert_memory_equal(f, g, n);
}

/* A non-first IPv4 fragment: addresses and header checksum change, the
 * payload (not an L4 header) does not. */
static void test_fragment(void **state)
{
	uint8_t f[256], g[256];
	size_t n = build(f, 0, 0, 6, 0);

	(void)state;
	put16(f + 14 + 6, 0x0003); /* offset 24 bytes, last fragment */
	put16(f + 14 + 10, 0);
	put16(f + 14 + 10, fold(sum16(f + 14, 20, 0)));
	memcpy(g, f, sizeof(f));
	ctl_loop_rewrite(f, n, 3);
	assert_int_equal(f[14 + 12], 10);
	assert_int_equal(f[14 + 13], 3);
	assert_int_equal(fold(sum16(f + 14, 20, 0)), 0);
	assert_memory_equal(f + 34, g + 34, n - 34);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksums),
		cmocka_unit_test(test_pass_zero_and_non_ip),
		cmocka_unit_test(test_fragment),
	};
	return cmocka_run_group_tests_name("replay_loop", tests, NULL, NULL);
}
