/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the per-worker flow table (dataplane/flow.c).
 *
 * Keys are built the way the dataplane builds them, from struct l3l4_desc.
 * The expected values are worked out in the comment above each case from
 * the policies in docs/architecture.md ("Flow table and reassembly"); the
 * randomised test replays 100k operations against a plain array of flows
 * (struct mflow) that knows only those policies, and the hash is checked
 * against a bit-by-bit CRC32C written here and, when the CPU has SSE4.2,
 * against the crc32 instruction rte_hash_crc uses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#define KB_RNG_SEED 0
#include "kb_test.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#include "flow.h"

/* ---- helpers ---------------------------------------------------------- */

struct tbl {
	struct flow_table t;
	void *mem;
};

/* Release callback log. */
struct rel {
	unsigned n;
	enum flow_end why[64];
	uint16_t port0[64];
	uint8_t state[64];
	uint32_t reasm[64];
};

static struct rel g_rel;

static void rel_cb(void *ctx, struct flow_entry *e, enum flow_end why)
{
	struct rel *r = ctx;

	if (r->n < 64) {
		r->why[r->n] = why;
		r->port0[r->n] = e->key.port[0];
		r->state[r->n] = e->state;
		r->reasm[r->n] = e->reasm;
	}
	r->n++;
}

static void tbl_open(struct tbl *tb, uint32_t cap, const struct flow_timeouts *to)
{
	size_t sz = flow_table_mem_size(cap);

	tb->mem = aligned_alloc(64, sz);
	assert_non_null(tb->mem);
	memset(tb->mem, 0x5a, sz); /* init must not rely on zeroed memory */
	assert_int_equal(flow_table_init(&tb->t, tb->mem, cap, to), 0);
	memset(&g_rel, 0, sizeof(g_rel));
	flow_table_set_release(&tb->t, rel_cb, &g_rel);
}

static void tbl_close(struct tbl *tb)
{
	free(tb->mem);
}

static void desc4(struct l3l4_desc *d, uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp,
		  uint8_t proto)
{
	memset(d, 0, sizeof(*d));
	d->ip_version = 4;
	d->l4_proto = proto;
	d->l4_off = 34;
	for (unsigned i = 0; i < 4; i++) {
		d->src[i] = (uint8_t)(src >> (24 - 8 * i));
		d->dst[i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	if (proto == L3L4_IPPROTO_TCP || proto == L3L4_IPPROTO_UDP) {
		d->sport = sp;
		d->dport = dp;
	}
}

static void desc6(struct l3l4_desc *d, const uint8_t *src, uint16_t sp, const uint8_t *dst,
		  uint16_t dp, uint8_t proto)
{
	memset(d, 0, sizeof(*d));
	d->ip_version = 6;
	d->l4_proto = proto;
	d->l4_off = 54;
	memcpy(d->src, src, 16);
	memcpy(d->dst, dst, 16);
	d->sport = sp;
	d->dport = dp;
}

/* One connection: its key, hash, and the `swapped` of client packets. */
struct conn {
	struct flow_key k;
	uint32_t h;
	bool c_sw;
};

static void conn4(struct conn *c, uint32_t cip, uint16_t cport, uint32_t sip, uint16_t sport,
		  uint8_t proto)
{
	struct l3l4_desc d;

	desc4(&d, cip, cport, sip, sport, proto);
	assert_int_equal(flow_key_from_desc(&d, &c->k, &c->c_sw), 0);
	c->h = flow_key_hash(&c->k);
}

/* A TCP client at 10.0.0.1:port talking to 10.0.0.2:443 (client is side 0). */
static void conn_c(struct conn *c, uint16_t port)
{
	conn4(c, 0x0a000001, port, 0x0a000002, 443, L3L4_IPPROTO_TCP);
}

static struct flow_entry *pkt(struct tbl *tb, const struct conn *c, bool from_client,
			      uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len,
			      uint32_t now, struct flow_track_res *r)
{
	struct flow_pkt p = {
		.seq = seq, .ack = ack, .payload_len = len, .tcp_flags = flags,
		.swapped = from_client ? c->c_sw : !c->c_sw,
	};

	return flow_track(&tb->t, &c->k, c->h, &p, now, r);
}

#define SYN L3L4_TCP_SYN
#define ACK L3L4_TCP_ACK
#define FIN L3L4_TCP_FIN
#define RST L3L4_TCP_RST
#define PSH L3L4_TCP_PSH

/* ---- keys and hash ----------------------------------------------------- */

/* A->B and B->A give the same key, opposite `swapped`; side 0 is the lower
 * address. Same addresses: the lower port is side 0. */
static void test_key_both_directions(void **state)
{
	struct l3l4_desc d;
	struct flow_key k1, k2;
	bool s1, s2;

	(void)state;
	desc4(&d, 0xc0a80105, 51000, 0x5db8d822, 443, L3L4_IPPROTO_TCP);
	assert_int_equal(flow_key_from_desc(&d, &k1, &s1), 0);
	desc4(&d, 0x5db8d822, 443, 0xc0a80105, 51000, L3L4_IPPROTO_TCP);
	assert_int_equal(flow_key_from_desc(&d, &k2, &s2), 0);
	assert_memory_equal(&k1, &k2, sizeof(k1));
	assert_true(s1 != s2);
	/* 93.184.216.34 < 192.168.1.5: the server is side 0 here */
	assert_true(s1);
	assert_int_equal(k1.addr[0][0], 93);
	assert_int_equal(k1.port[0], 443);
	assert_int_equal(k1.port[1], 51000);
	assert_int_equal(k1.ip_version, 4);
	assert_int_equal(k1.proto, 6);
	for (unsigned i = 4; i < 16; i++)
		assert_int_equal(k1.addr[0][i] | k1.addr[1][i], 0);
	assert_int_equal(flow_key_hash(&k1), flow_key_hash(&k2));

	desc4(&d, 0x7f000001, 9000, 0x7f000001, 80, L3L4_IPPROTO_UDP);
	assert_int_equal(flow_key_from_desc(&d, &k1, &s1), 0);
	desc4(&d, 0x7f000001, 80, 0x7f000001, 9000, L3L4_IPPROTO_UDP);
	assert_int_equal(flow_key_from_desc(&d, &k2, &s2), 0);
	assert_memory_equal(&k1, &k2, sizeof(k1));
	assert_true(s1);
	assert_false(s2);
	assert_int_equal(k1.port[0], 80);
}

/* IPv6 keys; an IPv4 key differs from the IPv6 address ::a.b.c.d; TCP and
 * UDP on the same ports differ; protocols without ports get port 0; no IP
 * or a TCP header not located is -EINVAL. */
static void test_key_ipv6_and_errors(void **state)
{
	static const uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 1, [15] = 0 };
	static const uint8_t v4c[16] = { [12] = 10, [13] = 0, [14] = 0, [15] = 1 };
	static const uint8_t v4d[16] = { [12] = 10, [13] = 0, [14] = 0, [15] = 2 };
	struct l3l4_desc d;
	struct flow_key k1, k2, k3;
	bool s1, s2;

	(void)state;
	desc6(&d, a, 40000, b, 443, L3L4_IPPROTO_TCP);
	assert_int_equal(flow_key_from_desc(&d, &k1, &s1), 0);
	desc6(&d, b, 443, a, 40000, L3L4_IPPROTO_TCP);
	assert_int_equal(flow_key_from_desc(&d, &k2, &s2), 0);
	assert_memory_equal(&k1, &k2, sizeof(k1));
	assert_false(s1); /* a (…::1) < b (…::100) */
	assert_true(s2);
	assert_memory_equal(k1.addr[0], a, 16);
	assert_int_equal(k1.ip_version, 6);

	desc6(&d, v4c, 1000, v4d, 443, L3L4_IPPROTO_TCP);
	assert_int_equal(flow_key_from_desc(&d, &k1, &s1), 0);
	desc4(&d, 0x0a000001, 1000, 0x0a000002, 443, L3L4_IPPROTO_TCP);
	assert_int_equal(flow_key_from_desc(&d, &k2, &s2), 0);
	assert_memory_not_equal(&k1, &k2, sizeof(k1));
	desc4(&d, 0x0a000001, 1000, 0x0a000002, 443, L3L4_IPPROTO_UDP);
	assert_int_equal(flow_key_from_desc(&d, &k3, &s2), 0);
	assert_memory_not_equal(&k2, &k3, sizeof(k2));

	desc4(&d, 0x0a000001, 0, 0x0a000002, 0, 1 /* ICMP */);
	d.sport = 77; /* not a port for ICMP: ignored */
	assert_int_equal(flow_key_from_desc(&d, &k1, &s1), 0);
	assert_int_equal(k1.port[0] | k1.port[1], 0);
	assert_int_equal(k1.proto, 1);

	desc4(&d, 1, 2, 3, 4, L3L4_IPPROTO_TCP);
	d.ip_version = 0;
	assert_int_equal(flow_key_from_desc(&d, &k1, &s1), -EINVAL);
	desc4(&d, 1, 2, 3, 4, L3L4_IPPROTO_TCP);
	d.l4_off = 0; /* non-first fragment */
	assert_int_equal(flow_key_from_desc(&d, &k1, &s1), -EINVAL);
}

/* Bit-at-a-time CRC32C, no table: an independent reference. */
static uint32_t crc32c_bitwise(uint32_t c, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (unsigned b = 0; b < 8; b++)
			c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1u)));
	}
	return c;
}

#if defined(__x86_64__)
/* What rte_hash_crc does on x86: 8-byte steps, then 4 and 2 (38 = 32+4+2). */
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(const void *k, uint32_t init)
{
	const uint8_t *p = k;
	uint64_t c = init;
	uint32_t w;
	uint16_t h;

	for (unsigned i = 0; i < 4; i++) {
		uint64_t v;

		memcpy(&v, p + 8 * i, 8);
		c = _mm_crc32_u64(c, v);
	}
	memcpy(&w, p + 32, 4);
	memcpy(&h, p + 36, 2);
	return _mm_crc32_u16(_mm_crc32_u32((uint32_t)c, w), h);
}
#endif

static void test_hash_is_crc32c(void **state)
{
	struct flow_key k;
	uint8_t *kb = (uint8_t *)&k;
	uint64_t x = 1;
	unsigned hw_checked = 0;

	(void)state;
	/* The reference itself: the standard CRC32C check value. */
	assert_int_equal(~crc32c_bitwise(0xffffffffu, (const uint8_t *)"123456789", 9),
			 0xe3069283u);
	for (unsigned n = 0; n < 2000; n++) {
		for (unsigned i = 0; i < sizeof(k); i++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			kb[i] = (uint8_t)(x >> 56);
		}
		assert_int_equal(flow_key_hash(&k), crc32c_bitwise(FLOW_HASH_INIT, kb, FLOW_KEY_LEN));
#if defined(__x86_64__)
		if (__builtin_cpu_supports("sse4.2")) {
			assert_int_equal(flow_key_hash(&k), crc32c_hw(&k, FLOW_HASH_INIT));
			hw_checked++;
		}
#endif
	}
	printf("# hash checked against the crc32 instruction: %u keys\n", hw_checked);
}

/* ---- init -------------------------------------------------------------- */

static void test_init_and_sizes(void **state)
{
	struct flow_table t;
	struct flow_timeouts to;
	void *mem = aligned_alloc(64, flow_table_mem_size(16));

	(void)state;
	assert_int_equal(sizeof(struct flow_entry), 64);
	assert_int_equal(sizeof(struct flow_bucket), 64);
	assert_int_equal(flow_table_capacity(0), 16);
	assert_int_equal(flow_table_capacity(17), 32);
	assert_int_equal(flow_table_capacity(1000), 1024);
	assert_int_equal(flow_table_capacity(1u << 20), 1u << 20);
	assert_int_equal(flow_table_capacity(UINT32_MAX), FLOW_MAX_CAPACITY);
	/* 64 B entry + a quarter of a 64 B bucket per entry */
	assert_int_equal(flow_table_mem_size(1000), 1024 * 80);
	assert_int_equal(flow_table_mem_size(1u << 20), (size_t)80 << 20);

	assert_non_null(mem);
	assert_int_equal(flow_table_init(&t, (uint8_t *)mem + 32, 16, NULL), -EINVAL);
	assert_int_equal(flow_table_init(&t, NULL, 16, NULL), -EINVAL);
	assert_int_equal(flow_table_init(&t, mem, 16, NULL), 0);
	assert_int_equal(t.capacity, 16);
	assert_int_equal(t.bucket_mask, 3);

	flow_timeouts_default(&to, 1000);
	assert_int_equal(to.tcp_new, 30000);
	assert_int_equal(to.tcp_inspecting, 10000);
	assert_int_equal(to.tcp_established, 300000);
	assert_int_equal(to.tcp_closing, 10000);
	assert_int_equal(to.tcp_blocked, 60000);
	assert_int_equal(to.udp, 60000);
	assert_int_equal(to.other, 30000);
	flow_timeouts_default(&to, 100000000); /* 300 s would overflow int32 */
	assert_int_equal(to.tcp_established, INT32_MAX);
	assert_int_equal(to.tcp_new, INT32_MAX);

	assert_string_equal(flow_state_str(FLOW_S_NEW), "new");
	assert_string_equal(flow_state_str(FLOW_S_INSPECTING), "inspecting");
	assert_string_equal(flow_state_str(FLOW_S_PASSED), "passed");
	assert_string_equal(flow_state_str(FLOW_S_BLOCKED), "blocked");
	assert_string_equal(flow_state_str(FLOW_S_FREE), "free");
	assert_string_equal(flow_state_str(FLOW_S_COUNT), "unknown");
	free(mem);
}

/* ---- direction and client detection ------------------------------------ */

/*
 * Handshake seen: SYN from the client (side 1 here: 10.0.0.9 > 10.0.0.2),
 * SYN-ACK, ACK, data. One entry; the client is side 1, known from the SYN;
 * the first data reports stream byte 0 at ISN + 1 from the handshake.
 */
static void test_direction_with_syn(void **state)
{
	struct tbl tb;
	struct conn c;
	struct flow_track_res r;
	struct flow_entry *e, *e2;

	(void)state;
	tbl_open(&tb, 64, NULL);
	conn4(&c, 0x0a000009, 50000, 0x0a000002, 443, L3L4_IPPROTO_TCP);
	assert_true(c.c_sw);

	e = pkt(&tb, &c, true, SYN, 7000, 0, 0, 1, &r);
	assert_non_null(e);
	assert_int_equal(r.ev, FLOW_EV_CREATED);
	assert_int_equal(r.dir, FLOW_DIR_C2S);
	assert_int_equal(e->state, FLOW_S_NEW);
	assert_int_equal(e->flags & (FLOW_F_CLIENT_HI | FLOW_F_CLIENT_SURE | FLOW_F_SYN),
			 FLOW_F_CLIENT_HI | FLOW_F_CLIENT_SURE | FLOW_F_SYN);
	assert_int_equal(e->client_next_seq, 7001);

	e2 = pkt(&tb, &c, false, SYN | ACK, 90000, 7001, 0, 2, &r);
	assert_ptr_equal(e2, e);
	assert_int_equal(r.ev, 0);
	assert_int_equal(r.dir, FLOW_DIR_S2C);
	assert_true(e->flags & FLOW_F_SYNACK);
	assert_int_equal(e->server_next_seq, 90001);

	assert_ptr_equal(pkt(&tb, &c, true, ACK, 7001, 90001, 0, 3, &r), e);
	assert_int_equal(r.dir, FLOW_DIR_C2S);
	assert_int_equal(r.ev, 0);
	assert_ptr_equal(pkt(&tb, &c, true, ACK | PSH, 7001, 90001, 517, 3, &r), e);
	assert_int_equal(r.ev, FLOW_EV_FIRST_DATA | FLOW_EV_BASE_SYN);
	assert_int_equal(r.stream_base, 7001);
	assert_int_equal(e->client_next_seq, 7518);
	/* more data: no second FIRST_DATA */
	assert_ptr_equal(pkt(&tb, &c, true, ACK, 7518, 90001, 100, 4, &r), e);
	assert_int_equal(r.ev, 0);
	assert_int_equal(e->last_seen, 4);
	assert_int_equal(flow_dir(e, c.c_sw), FLOW_DIR_C2S);
	assert_int_equal(flow_dir(e, !c.c_sw), FLOW_DIR_S2C);
	assert_int_equal(tb.t.cnt.entries, 1);
	assert_int_equal(tb.t.cnt.inserts, 1);
	tbl_close(&tb);
}

/* IPv6, SYN unseen, SYN-ACK first: the client is the SYN-ACK's receiver,
 * its stream starts at the SYN-ACK's ack. */
static void test_direction_synack_first(void **state)
{
	static const uint8_t cl[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 };
	static const uint8_t sv[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
	struct tbl tb;
	struct conn c;
	struct l3l4_desc d;
	struct flow_track_res r;
	struct flow_entry *e;

	(void)state;
	tbl_open(&tb, 64, NULL);
	desc6(&d, cl, 40001, sv, 443, L3L4_IPPROTO_TCP);
	assert_int_equal(flow_key_from_desc(&d, &c.k, &c.c_sw), 0);
	c.h = flow_key_hash(&c.k);
	assert_true(c.c_sw); /* the client is side 1 */

	e = pkt(&tb, &c, false, SYN | ACK, 555, 0xfffffff0u, 0, 1, &r);
	assert_non_null(e);
	assert_int_equal(r.ev, FLOW_EV_CREATED);
	assert_int_equal(r.dir, FLOW_DIR_S2C);
	assert_int_equal(e->flags & (FLOW_F_CLIENT_HI | FLOW_F_CLIENT_SURE | FLOW_F_SYN |
				     FLOW_F_SYNACK),
			 FLOW_F_CLIENT_HI | FLOW_F_CLIENT_SURE | FLOW_F_SYNACK);
	assert_int_equal(e->client_next_seq, 0xfffffff0u);
	/* first data out of order, past a hole: the base still comes from the
	 * handshake */
	assert_ptr_equal(pkt(&tb, &c, true, ACK, 0xfffffff0u + 1000, 556, 300, 2, &r), e);
	assert_int_equal(r.dir, FLOW_DIR_C2S);
	assert_int_equal(r.ev, FLOW_EV_FIRST_DATA | FLOW_EV_BASE_SYN);
	assert_int_equal(r.stream_base, 0xfffffff0u);
	tbl_close(&tb);
}

/* No handshake: the first packet's sender is taken as the client and
 * CLIENT_SURE stays clear. First data: its own seq, not from a SYN, even
 * after a bare ACK (which may be a keepalive probe at snd_nxt - 1). A SYN
 * carrying data (TCP Fast Open) starts the stream at its seq + 1. */
static void test_direction_no_syn(void **state)
{
	struct tbl tb;
	struct conn c, c2;
	struct flow_track_res r;
	struct flow_entry *e;

	(void)state;
	tbl_open(&tb, 64, NULL);
	conn_c(&c, 40000);
	/* the "server" speaks first (mid-stream pickup): it becomes the client */
	e = pkt(&tb, &c, false, ACK | PSH, 100, 200, 50, 1, &r);
	assert_non_null(e);
	assert_int_equal(r.ev, FLOW_EV_CREATED | FLOW_EV_FIRST_DATA);
	assert_int_equal(r.dir, FLOW_DIR_C2S);
	assert_int_equal(r.stream_base, 100);
	assert_int_equal(e->flags & (FLOW_F_CLIENT_SURE | FLOW_F_SYN | FLOW_F_SYNACK), 0);
	assert_true(e->flags & FLOW_F_CLIENT_HI);
	pkt(&tb, &c, true, ACK, 200, 150, 0, 2, &r);
	assert_int_equal(r.dir, FLOW_DIR_S2C);

	conn_c(&c2, 40001);
	e = pkt(&tb, &c2, true, ACK, 4999, 9000, 0, 3, &r); /* keepalive probe */
	assert_int_equal(r.ev, FLOW_EV_CREATED);
	e = pkt(&tb, &c2, true, ACK, 5000, 9000, 100, 4, &r);
	assert_int_equal(r.ev, FLOW_EV_FIRST_DATA);
	assert_int_equal(r.stream_base, 5000);
	assert_int_equal(e->client_next_seq, 5100);

	conn_c(&c2, 40002);
	e = pkt(&tb, &c2, true, SYN, 70000, 0, 60, 5, &r); /* SYN with data */
	assert_int_equal(r.ev, FLOW_EV_CREATED | FLOW_EV_FIRST_DATA | FLOW_EV_BASE_SYN);
	assert_int_equal(r.stream_base, 70001);
	assert_int_equal(e->client_next_seq, 70061);

	/* UDP: first sender is the client, first payload reported once */
	struct conn u;
	conn4(&u, 0x0a000001, 5353, 0x0a000002, 443, L3L4_IPPROTO_UDP);
	struct flow_pkt p = { .payload_len = 1200, .swapped = u.c_sw };
	e = flow_track(&tb.t, &u.k, u.h, &p, 5, &r);
	assert_int_equal(r.ev, FLOW_EV_CREATED | FLOW_EV_FIRST_DATA);
	assert_int_equal(r.dir, FLOW_DIR_C2S);
	p.swapped = !u.c_sw;
	assert_ptr_equal(flow_track(&tb.t, &u.k, u.h, &p, 6, &r), e);
	assert_int_equal(r.ev, 0);
	assert_int_equal(r.dir, FLOW_DIR_S2C);
	p.swapped = u.c_sw;
	flow_track(&tb.t, &u.k, u.h, &p, 7, &r);
	assert_int_equal(r.ev, 0);
	tbl_close(&tb);
}

/*
 * Sequence numbers for RSTs. server_next_seq follows the client's ACK once
 * there is one (a reordered older ACK does not move it back), the server's
 * own seq + len before that. flow_block() rolls client_next_seq back to the
 * dropped packet's seq; in BLOCKED nothing moves any more.
 */
static void test_rst_sequence_numbers(void **state)
{
	struct tbl tb;
	struct conn c;
	struct flow_track_res r;
	struct flow_entry *e;
	struct flow_pkt dropped;

	(void)state;
	tbl_open(&tb, 64, NULL);
	conn_c(&c, 41000);
	e = pkt(&tb, &c, true, SYN, 1000, 0, 0, 1, &r);
	pkt(&tb, &c, false, SYN | ACK, 5000, 1001, 0, 1, &r);
	assert_int_equal(e->server_next_seq, 5001);
	assert_int_equal(e->flags & FLOW_F_ACK_C, 0);
	pkt(&tb, &c, true, ACK, 1001, 5001, 0, 1, &r);
	assert_true(e->flags & FLOW_F_ACK_C);
	pkt(&tb, &c, true, ACK, 1001, 5001, 200, 2, &r);
	assert_int_equal(r.ev, FLOW_EV_FIRST_DATA | FLOW_EV_BASE_SYN);
	flow_start_inspect(e, 33);
	assert_int_equal(e->client_next_seq, 1201);
	pkt(&tb, &c, false, ACK, 5001, 1201, 300, 2, &r); /* not yet acked by the client */
	assert_int_equal(e->server_next_seq, 5001);
	pkt(&tb, &c, true, ACK, 1201, 5301, 0, 3, &r);
	assert_int_equal(e->server_next_seq, 5301);
	pkt(&tb, &c, true, ACK, 1201, 5001, 0, 3, &r); /* older ACK, reordered */
	assert_int_equal(e->server_next_seq, 5301);

	/* the packet completing the name: seen, then dropped */
	pkt(&tb, &c, true, ACK | PSH, 1201, 5301, 100, 4, &r);
	assert_int_equal(e->client_next_seq, 1301);
	dropped = (struct flow_pkt){ .seq = 1201, .ack = 5301, .payload_len = 100,
				     .tcp_flags = ACK | PSH, .swapped = c.c_sw };
	assert_int_equal(flow_block(e, 42, 3, 0x12345, &dropped), 33);
	assert_int_equal(e->state, FLOW_S_BLOCKED);
	assert_int_equal(e->client_next_seq, 1201);
	assert_int_equal(e->sig_id, 42);
	assert_int_equal(e->category, 3);
	assert_int_equal(e->sig_gen, 0x2345);
	/* retransmissions and server packets change nothing now */
	pkt(&tb, &c, true, ACK | PSH, 1201, 5301, 100, 5, &r);
	pkt(&tb, &c, true, ACK, 1301, 5400, 50, 5, &r);
	pkt(&tb, &c, false, ACK, 5301, 1201, 100, 5, &r);
	assert_int_equal(e->client_next_seq, 1201);
	assert_int_equal(e->server_next_seq, 5301);
	assert_int_equal(e->last_seen, 5);
	/* a second verdict call holds no reassembly handle */
	assert_int_equal(flow_block(e, 42, 3, 1, NULL), FLOW_NONE);
	assert_int_equal(flow_pass(e, 0, 0, 1), FLOW_NONE);
	tbl_close(&tb);
}

/* ---- timeouts ---------------------------------------------------------- */

static const struct flow_timeouts test_to = {
	.tcp_new = 11, .tcp_inspecting = 12, .tcp_established = 13, .tcp_closing = 14,
	.tcp_blocked = 15, .udp = 16, .other = 17,
};

/* Alive at exactly `to` ticks idle, gone (callback TIMEOUT) at to + 1. */
static void check_timeout(struct tbl *tb, const struct conn *c, uint32_t t0, uint32_t to)
{
	struct flow_entry *e = flow_lookup(&tb->t, &c->k, c->h, t0 + to);
	unsigned n = g_rel.n;

	assert_non_null(e);
	assert_int_equal(flow_timeout_of(&tb->t, e), to);
	assert_int_equal(e->last_seen, t0);
	assert_null(flow_lookup(&tb->t, &c->k, c->h, t0 + to + 1));
	assert_int_equal(g_rel.n, n + 1);
	assert_int_equal(g_rel.why[n], FLOW_END_TIMEOUT);
	assert_null(flow_lookup(&tb->t, &c->k, c->h, t0));
}

static void test_timeouts_per_state(void **state)
{
	struct tbl tb;
	struct conn c;
	struct flow_track_res r;
	struct flow_entry *e;
	uint16_t port = 1000;
	uint64_t before;

	(void)state;
	tbl_open(&tb, 64, &test_to);

	conn_c(&c, port++);
	pkt(&tb, &c, true, SYN, 1, 0, 0, 100, &r);
	check_timeout(&tb, &c, 100, 11);

	conn_c(&c, port++);
	e = pkt(&tb, &c, true, ACK, 1, 0, 10, 100, &r);
	flow_start_inspect(e, 5);
	check_timeout(&tb, &c, 100, 12);
	assert_int_equal(g_rel.state[g_rel.n - 1], FLOW_S_INSPECTING);
	assert_int_equal(g_rel.reasm[g_rel.n - 1], 5);

	conn_c(&c, port++);
	e = pkt(&tb, &c, true, ACK, 1, 0, 10, 100, &r);
	flow_pass(e, 0, 0, 0);
	check_timeout(&tb, &c, 100, 13);

	conn_c(&c, port++);
	e = pkt(&tb, &c, true, ACK, 1, 0, 10, 100, &r);
	flow_block(e, 1, 1, 1, NULL);
	check_timeout(&tb, &c, 100, 15);

	/* RST from either side: closing */
	conn_c(&c, port++);
	e = pkt(&tb, &c, true, ACK, 1, 0, 10, 90, &r);
	flow_pass(e, 0, 0, 0);
	pkt(&tb, &c, false, RST, 1, 0, 0, 100, &r);
	assert_int_equal(r.ev, FLOW_EV_CLOSING);
	check_timeout(&tb, &c, 100, 14);

	/* FIN one way: still established; both ways: closing */
	conn_c(&c, port++);
	e = pkt(&tb, &c, true, ACK, 1, 0, 10, 90, &r);
	flow_pass(e, 0, 0, 0);
	pkt(&tb, &c, true, FIN | ACK, 11, 0, 0, 95, &r);
	assert_int_equal(r.ev, 0);
	assert_int_equal(flow_timeout_of(&tb.t, e), 13);
	pkt(&tb, &c, false, FIN | ACK, 1, 12, 0, 100, &r);
	assert_int_equal(r.ev, FLOW_EV_CLOSING);
	check_timeout(&tb, &c, 100, 14);

	/* NEW + RST: closing */
	conn_c(&c, port++);
	pkt(&tb, &c, true, SYN, 1, 0, 0, 90, &r);
	pkt(&tb, &c, false, RST | ACK, 0, 2, 0, 100, &r);
	check_timeout(&tb, &c, 100, 14);

	/* BLOCKED keeps its timeout after RST and FINs */
	conn_c(&c, port++);
	e = pkt(&tb, &c, true, ACK, 1, 0, 10, 90, &r);
	flow_block(e, 1, 1, 1, NULL);
	pkt(&tb, &c, true, RST, 11, 0, 0, 95, &r);
	pkt(&tb, &c, false, FIN, 1, 0, 0, 100, &r);
	assert_true(flow_is_closing(e));
	check_timeout(&tb, &c, 100, 15);

	/* UDP (any state), other protocols (any state) */
	conn4(&c, 0x0a000001, 5353, 0x0a000002, 53, L3L4_IPPROTO_UDP);
	struct flow_pkt up = { .payload_len = 40, .swapped = c.c_sw };
	e = flow_track(&tb.t, &c.k, c.h, &up, 100, &r);
	check_timeout(&tb, &c, 100, 16);
	e = flow_track(&tb.t, &c.k, c.h, &up, 100, &r);
	flow_block(e, 1, 1, 1, NULL);
	check_timeout(&tb, &c, 100, 16);
	conn4(&c, 0x0a000001, 0, 0x0a000002, 0, 47 /* GRE */);
	e = flow_track(&tb.t, &c.k, c.h, &up, 100, &r);
	flow_pass(e, 0, 0, 0);
	check_timeout(&tb, &c, 100, 17);

	/* a packet refreshes last_seen */
	conn_c(&c, port++);
	pkt(&tb, &c, true, SYN, 1, 0, 0, 100, &r);
	pkt(&tb, &c, true, SYN, 1, 0, 0, 110, &r);
	check_timeout(&tb, &c, 110, 11);

	/* flow_lookup_or_insert on an expired entry: a fresh entry */
	conn_c(&c, port++);
	bool created;
	e = flow_lookup_or_insert(&tb.t, &c.k, c.h, c.c_sw, 100, &created);
	assert_true(created);
	flow_pass(e, 0, 0, 0);
	before = tb.t.cnt.timeouts;
	e = flow_lookup_or_insert(&tb.t, &c.k, c.h, c.c_sw, 114, &created);
	assert_true(created);
	assert_int_equal(e->state, FLOW_S_NEW);
	assert_int_equal(tb.t.cnt.timeouts, before + 1);

	/* defaults: NULL timeouts means 1000 ticks per second */
	struct tbl tb2;
	tbl_open(&tb2, 16, NULL);
	conn_c(&c, 1);
	e = pkt(&tb2, &c, true, SYN, 1, 0, 0, 0, &r);
	assert_int_equal(flow_timeout_of(&tb2.t, e), 30000);
	tbl_close(&tb2);
	tbl_close(&tb);
}

/*
 * Expiry slices: 500 flows in entries 0..499 of a 1024-entry table, all
 * idle. Each slice of 100 looks at 100 entries from the cursor, so the
 * first five slices expire exactly 100 each and the sixth none. Flows
 * touched recently survive. max_scan above the capacity scans the
 * capacity once.
 */
static void test_expire_slices(void **state)
{
	struct tbl tb;
	struct conn c;
	struct flow_track_res r;

	(void)state;
	tbl_open(&tb, 1024, &test_to);
	for (uint16_t i = 0; i < 500; i++) {
		struct flow_entry *e;

		conn_c(&c, (uint16_t)(2000 + i));
		e = pkt(&tb, &c, true, ACK, 1, 0, 10, 0, &r);
		assert_int_equal(e - tb.t.entries, i);
	}
	for (unsigned s = 0; s < 5; s++) {
		assert_int_equal(flow_expire(&tb.t, 100, 100), 100);
		assert_int_equal(g_rel.n, 100 * (s + 1));
		assert_int_equal(tb.t.cnt.entries, 500 - 100 * (s + 1));
	}
	assert_int_equal(flow_expire(&tb.t, 100, 100), 0);
	assert_int_equal(tb.t.cnt.timeouts, 500);
	for (unsigned i = 0; i < 64; i++)
		assert_int_equal(g_rel.why[i], FLOW_END_TIMEOUT);
	assert_int_equal(tb.t.expire_cursor, 600);

	/* recent flows survive a full pass; idle ones do not */
	memset(&g_rel, 0, sizeof(g_rel));
	for (uint16_t i = 0; i < 10; i++) {
		conn_c(&c, (uint16_t)(3000 + i));
		pkt(&tb, &c, true, ACK, 1, 0, 10, i < 5 ? 200 : 190, &r);
	}
	/* idle 5 ticks (200) vs 15 ticks (190) against tcp_new = 11 */
	assert_int_equal(flow_expire(&tb.t, 205, UINT32_MAX), 5);
	assert_int_equal(tb.t.expire_cursor, 600); /* one full turn */
	assert_int_equal(tb.t.cnt.entries, 5);
	assert_int_equal(flow_expire(&tb.t, 205, 0), 0);
	tbl_close(&tb);
}

/* An expiring INSPECTING flow hands its reassembly handle to the callback;
 * the boundary is the same in a slice as in a lookup. */
static void test_expire_reports_reasm(void **state)
{
	struct tbl tb;
	struct conn c;
	struct flow_track_res r;
	struct flow_entry *e;

	(void)state;
	tbl_open(&tb, 16, &test_to);
	conn_c(&c, 9);
	e = pkt(&tb, &c, true, ACK, 1, 0, 10, 0, &r);
	flow_start_inspect(e, 4242);
	assert_int_equal(flow_expire(&tb.t, 12, 16), 0);
	assert_int_equal(flow_expire(&tb.t, 13, 16), 1);
	assert_int_equal(g_rel.n, 1);
	assert_int_equal(g_rel.why[0], FLOW_END_TIMEOUT);
	assert_int_equal(g_rel.state[0], FLOW_S_INSPECTING);
	assert_int_equal(g_rel.reasm[0], 4242);
	tbl_close(&tb);
}

/* ---- capacity and eviction --------------------------------------------- */

/*
 * A full 16-entry table (the victim search then sees every entry). Created
 * at ticks 1..16 with id 1000 + tick:
 *   1, 2 BLOCKED; 3, 4, 5 INSPECTING; 6, 7, 8 PASSED; 9, 10, 11 NEW;
 *   12, 13 PASSED then RST (closing); 14 a UDP flow (idle past its 5 ticks);
 *   15, 16 NEW.
 * Inserting one new flow per tick from 100 on (each then BLOCKED, so it is
 * the youngest of the most protected rank) must evict, in order: the
 * expired UDP flow (as a timeout), the closing ones, NEW, PASSED,
 * INSPECTING, BLOCKED, oldest first within each, and then the inserted
 * flows themselves, oldest first.
 */
static void test_eviction_order(void **state)
{
	static const struct flow_timeouts to = {
		.tcp_new = 1000, .tcp_inspecting = 1000, .tcp_established = 1000,
		.tcp_closing = 1000, .tcp_blocked = 1000, .udp = 5, .other = 1000,
	};
	static const uint16_t want[] = { 2000, 1012, 1013, 1009, 1010, 1011, 1015, 1016,
					 1006, 1007, 1008, 1003, 1004, 1005, 1001, 1002,
					 3000, 3001 };
	struct tbl tb;
	struct conn c;
	struct flow_track_res r;
	struct flow_entry *e;

	(void)state;
	tbl_open(&tb, 16, &to);
	for (uint32_t t = 1; t <= 16; t++) {
		if (t == 14) {
			struct flow_pkt p = { .payload_len = 10 };

			conn4(&c, 0x0a000001, 2000, 0x0a000002, 53, L3L4_IPPROTO_UDP);
			p.swapped = c.c_sw;
			assert_non_null(flow_track(&tb.t, &c.k, c.h, &p, t, &r));
			continue;
		}
		conn_c(&c, (uint16_t)(1000 + t));
		e = pkt(&tb, &c, true, SYN, 1, 0, 0, t, &r);
		assert_non_null(e);
		if (t <= 2)
			flow_block(e, 1, 1, 1, NULL);
		else if (t <= 5)
			flow_start_inspect(e, 300 + t);
		else if (t <= 8 || t == 12 || t == 13)
			flow_pass(e, 0, 0, 0);
		if (t == 12 || t == 13)
			pkt(&tb, &c, false, RST | ACK, 0, 2, 0, t, &r);
	}
	assert_int_equal(tb.t.cnt.entries, 16);
	assert_int_equal(tb.t.free_head, FLOW_NONE);

	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		conn_c(&c, (uint16_t)(3000 + i));
		e = pkt(&tb, &c, true, SYN, 1, 0, 0, 100 + i, &r);
		assert_non_null(e);
		assert_int_equal(r.ev, FLOW_EV_CREATED);
		flow_block(e, 1, 1, 1, NULL);
		assert_int_equal(g_rel.n, i + 1);
		assert_int_equal(g_rel.port0[i], want[i]);
		assert_int_equal(g_rel.why[i], i == 0 ? FLOW_END_TIMEOUT : FLOW_END_EVICT);
		if (want[i] >= 1003 && want[i] <= 1005) {
			assert_int_equal(g_rel.state[i], FLOW_S_INSPECTING);
			assert_int_equal(g_rel.reasm[i], 300u + want[i] - 1000u);
		}
		assert_int_equal(tb.t.cnt.entries, 16);
	}
	assert_int_equal(tb.t.cnt.timeouts, 1);
	assert_int_equal(tb.t.cnt.evictions, sizeof(want) / sizeof(want[0]) - 1);
	assert_int_equal(tb.t.cnt.evictions_blocked, 4);
	assert_int_equal(tb.t.cnt.insert_failures, 0);
	tbl_close(&tb);
}

/* Entries touched during the current tick are never evicted: a full table
 * where all were touched now refuses the insert (insert_failures); one tick
 * later the oldest NEW goes. */
static void test_evict_not_this_tick(void **state)
{
	struct tbl tb;
	struct conn c;
	struct flow_track_res r;
	struct flow_entry *e[16];

	(void)state;
	tbl_open(&tb, 16, NULL);
	for (uint16_t i = 0; i < 16; i++) {
		conn_c(&c, (uint16_t)(100 + i));
		e[i] = pkt(&tb, &c, true, SYN, 1, 0, 0, 50, &r);
		assert_non_null(e[i]);
	}
	conn_c(&c, 999);
	assert_null(pkt(&tb, &c, true, SYN, 1, 0, 0, 50, &r));
	assert_int_equal(r.ev, 0);
	assert_int_equal(tb.t.cnt.insert_failures, 1);
	assert_int_equal(g_rel.n, 0);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(e[i]->state, FLOW_S_NEW); /* all still valid */
	assert_non_null(pkt(&tb, &c, true, SYN, 1, 0, 0, 51, &r));
	assert_int_equal(g_rel.n, 1);
	assert_int_equal(g_rel.why[0], FLOW_END_EVICT);
	tbl_close(&tb);
}

/*
 * 16 different keys with one hash value fill the key's primary bucket (8)
 * and its alternate (8); the primary's overflow count is 8; all are found.
 * A 17th with the same hash finds both full (bucket_full) and evicts the
 * oldest of those 16 although the table has room. Removing an entry of the
 * alternate bucket lowers the count.
 */
static void test_bucket_full(void **state)
{
	const uint32_t H = 0x1234567bu;
	struct tbl tb;
	struct conn c[17];
	bool created;
	struct flow_entry *e;
	uint32_t b1;

	(void)state;
	tbl_open(&tb, 64, NULL);
	b1 = H & tb.t.bucket_mask;
	for (unsigned i = 0; i < 17; i++) {
		conn_c(&c[i], (uint16_t)(7000 + i));
		c[i].h = H;
	}
	for (unsigned i = 0; i < 16; i++) {
		e = flow_lookup_or_insert(&tb.t, &c[i].k, H, c[i].c_sw, 1 + i, &created);
		assert_non_null(e);
		assert_true(created);
	}
	assert_int_equal(tb.t.buckets[b1].ovf, 8);
	for (unsigned i = 0; i < 16; i++) {
		e = flow_lookup(&tb.t, &c[i].k, H, 20);
		assert_non_null(e);
		assert_int_equal(e->key.port[0], 7000 + i);
	}
	assert_null(flow_lookup(&tb.t, &c[16].k, H, 20));
	e = flow_lookup_or_insert(&tb.t, &c[16].k, H, c[16].c_sw, 20, &created);
	assert_non_null(e);
	assert_true(created);
	assert_int_equal(tb.t.cnt.bucket_full, 1);
	assert_int_equal(tb.t.cnt.evictions, 1);
	assert_int_equal(g_rel.n, 1);
	assert_int_equal(g_rel.port0[0], 7000); /* the oldest */
	assert_int_equal(tb.t.cnt.entries, 16);
	assert_null(flow_lookup(&tb.t, &c[0].k, H, 20));
	assert_non_null(flow_lookup(&tb.t, &c[16].k, H, 20));

	/* c[8..15] went to the alternate bucket */
	e = flow_lookup(&tb.t, &c[12].k, H, 20);
	flow_remove(&tb.t, e);
	assert_int_equal(tb.t.buckets[b1].ovf, 7);
	assert_null(flow_lookup(&tb.t, &c[12].k, H, 20));
	for (unsigned i = 1; i < 17; i++)
		if (i != 12)
			assert_non_null(flow_lookup(&tb.t, &c[i].k, H, 20));
	assert_int_equal(tb.t.cnt.removes, 1);
	tbl_close(&tb);
}

/*
 * Both buckets full, but an entry of the alternate bucket can move to its
 * own other bucket: it moves (relocations), nothing is evicted, and every
 * key is still found, including the moved one.
 */
static void test_bucket_relocation(void **state)
{
	const uint32_t H = 0x12340005u, H2_TAG = 0x5678u;
	struct tbl tb;
	struct conn c[18];
	bool created;
	uint32_t b1, b2 = UINT32_MAX, h2;

	(void)state;
	tbl_open(&tb, 64, NULL);
	b1 = H & tb.t.bucket_mask;
	for (unsigned i = 0; i < 18; i++)
		conn_c(&c[i], (uint16_t)(8000 + i));
	/* 9 keys of hash H: 8 fill b1, the 9th shows where b2 is */
	for (unsigned i = 0; i < 9; i++)
		assert_non_null(flow_lookup_or_insert(&tb.t, &c[i].k, H, false, 1, &created));
	for (uint32_t b = 0; b <= tb.t.bucket_mask; b++)
		for (unsigned s = 0; s < FLOW_BUCKET_SLOTS; s++)
			if (b != b1 && tb.t.buckets[b].tag[s] == (H >> 16))
				b2 = b;
	assert_true(b2 <= tb.t.bucket_mask);
	flow_remove(&tb.t, flow_lookup(&tb.t, &c[8].k, H, 1));
	assert_int_equal(tb.t.buckets[b1].ovf, 0);
	/* 8 keys whose primary is b2 fill it */
	h2 = H2_TAG << 16 | b2;
	for (unsigned i = 9; i < 17; i++)
		assert_non_null(flow_lookup_or_insert(&tb.t, &c[i].k, h2, false, 2, &created));
	for (unsigned s = 0; s < FLOW_BUCKET_SLOTS; s++)
		assert_int_equal(tb.t.buckets[b2].tag[s], H2_TAG);
	/* a 9th key of hash H: b1 and b2 full; one b2 entry moves away */
	assert_non_null(flow_lookup_or_insert(&tb.t, &c[17].k, H, false, 3, &created));
	assert_true(created);
	assert_int_equal(tb.t.cnt.relocations, 1);
	assert_int_equal(tb.t.cnt.bucket_full, 0);
	assert_int_equal(tb.t.cnt.evictions, 0);
	assert_int_equal(tb.t.buckets[b1].ovf, 1);
	assert_int_equal(tb.t.buckets[b2].ovf, 1);
	for (unsigned i = 0; i < 18; i++)
		if (i != 8)
			assert_non_null(flow_lookup(&tb.t, &c[i].k, i < 8 || i == 17 ? H : h2, 3));
	/* removing the moved entry finds it in its alternate bucket */
	for (unsigned i = 9; i < 17; i++)
		flow_remove(&tb.t, flow_lookup(&tb.t, &c[i].k, h2, 3));
	assert_int_equal(tb.t.buckets[b2].ovf, 0);
	assert_int_equal(tb.t.cnt.entries, 9);
	tbl_close(&tb);
}

/* ---- FIN/RST and port reuse -------------------------------------------- */

static struct flow_entry *handshake(struct tbl *tb, const struct conn *c, uint32_t isn,
				    uint32_t now)
{
	struct flow_track_res r;
	struct flow_entry *e = pkt(tb, c, true, SYN, isn, 0, 0, now, &r);

	pkt(tb, c, false, SYN | ACK, 50000, isn + 1, 0, now, &r);
	pkt(tb, c, true, ACK, isn + 1, 50001, 0, now, &r);
	return e;
}

static void test_port_reuse(void **state)
{
	struct tbl tb;
	struct conn c;
	struct flow_track_res r;
	struct flow_entry *e, *e2;

	(void)state;
	tbl_open(&tb, 64, NULL);

	/* FIN both ways, then a new SYN: same entry, reset, callback RESTART */
	conn_c(&c, 33000);
	e = handshake(&tb, &c, 1000, 1);
	pkt(&tb, &c, true, ACK, 1001, 50001, 100, 1, &r);
	flow_pass(e, 0, 0, 0);
	pkt(&tb, &c, true, FIN | ACK, 1101, 50001, 0, 2, &r);
	assert_int_equal(r.ev, 0);
	pkt(&tb, &c, false, FIN | ACK, 50001, 1102, 0, 2, &r);
	assert_int_equal(r.ev, FLOW_EV_CLOSING);
	e2 = pkt(&tb, &c, true, SYN, 9000, 0, 0, 3, &r);
	assert_ptr_equal(e2, e);
	assert_int_equal(r.ev, FLOW_EV_RESTARTED);
	assert_int_equal(r.dir, FLOW_DIR_C2S);
	assert_int_equal(g_rel.n, 1);
	assert_int_equal(g_rel.why[0], FLOW_END_RESTART);
	assert_int_equal(g_rel.state[0], FLOW_S_PASSED);
	assert_int_equal(e->state, FLOW_S_NEW);
	assert_false(flow_is_closing(e));
	assert_int_equal(e->flags, FLOW_F_CLIENT_SURE | FLOW_F_SYN | FLOW_F_SEQ_C);
	assert_int_equal(e->client_next_seq, 9001);
	assert_int_equal(tb.t.cnt.restarts, 1);
	pkt(&tb, &c, false, SYN | ACK, 777, 9001, 0, 3, &r);
	pkt(&tb, &c, true, ACK, 9001, 778, 20, 3, &r);
	assert_int_equal(r.ev, FLOW_EV_FIRST_DATA | FLOW_EV_BASE_SYN);
	assert_int_equal(r.stream_base, 9001);

	/* RST, then SYN: restart too; the server's SYN-ACK's RST counts */
	conn_c(&c, 33001);
	e = handshake(&tb, &c, 1000, 1);
	flow_pass(e, 0, 0, 0);
	pkt(&tb, &c, false, RST, 50001, 0, 0, 2, &r);
	pkt(&tb, &c, true, SYN, 1000, 0, 0, 3, &r); /* even with the old ISN */
	assert_int_equal(r.ev, FLOW_EV_RESTARTED);

	/* a SYN retransmission is not a new connection */
	conn_c(&c, 33002);
	e = pkt(&tb, &c, true, SYN, 4000, 0, 0, 1, &r);
	pkt(&tb, &c, true, SYN, 4000, 0, 0, 2, &r);
	assert_int_equal(r.ev, 0);
	pkt(&tb, &c, false, SYN | ACK, 1, 4001, 0, 2, &r);
	pkt(&tb, &c, true, SYN, 4000, 0, 0, 3, &r);
	assert_int_equal(r.ev, 0);
	assert_true(e->flags & FLOW_F_SYNACK); /* state kept */

	/* a SYN with another ISN on a live PASSED flow: a new connection */
	conn_c(&c, 33003);
	e = handshake(&tb, &c, 1000, 1);
	pkt(&tb, &c, true, ACK, 1001, 50001, 100, 1, &r);
	flow_pass(e, 0, 0, 0);
	pkt(&tb, &c, true, SYN, 123456, 0, 0, 2, &r);
	assert_int_equal(r.ev, FLOW_EV_RESTARTED);
	assert_int_equal(e->state, FLOW_S_NEW);

	/* INSPECTING: the restart hands the reassembly handle to the callback */
	conn_c(&c, 33004);
	e = handshake(&tb, &c, 1000, 1);
	pkt(&tb, &c, true, ACK, 1001, 50001, 100, 1, &r);
	flow_start_inspect(e, 99);
	memset(&g_rel, 0, sizeof(g_rel));
	pkt(&tb, &c, true, SYN, 8, 0, 0, 2, &r);
	assert_int_equal(r.ev, FLOW_EV_RESTARTED);
	assert_int_equal(g_rel.n, 1);
	assert_int_equal(g_rel.state[0], FLOW_S_INSPECTING);
	assert_int_equal(g_rel.reasm[0], 99);
	assert_int_equal(e->reasm, FLOW_NONE);

	/* BLOCKED: neither RST nor FINs nor a SYN reopen it */
	conn_c(&c, 33005);
	e = handshake(&tb, &c, 1000, 1);
	flow_block(e, 5, 5, 5, NULL);
	pkt(&tb, &c, true, RST, 1001, 0, 0, 2, &r);
	pkt(&tb, &c, true, SYN, 77777, 0, 0, 3, &r);
	assert_int_equal(r.ev, 0);
	assert_int_equal(r.dir, FLOW_DIR_C2S);
	assert_int_equal(e->state, FLOW_S_BLOCKED);
	assert_int_equal(e->sig_id, 5);

	/* a pure SYN from the side taken as server (mid-stream pickup): it is
	 * the real client, the entry restarts with the roles right */
	conn_c(&c, 33006);
	e = pkt(&tb, &c, false, ACK, 1, 1, 10, 1, &r); /* server data first */
	assert_true(e->flags & FLOW_F_CLIENT_HI);
	pkt(&tb, &c, true, SYN, 500, 0, 0, 2, &r);
	assert_int_equal(r.ev, FLOW_EV_RESTARTED);
	assert_int_equal(r.dir, FLOW_DIR_C2S);
	assert_int_equal(e->flags & FLOW_F_CLIENT_HI, 0);

	/* an expired tuple: the SYN makes a new entry (a timeout, no restart) */
	conn_c(&c, 33007);
	e = handshake(&tb, &c, 1000, 1);
	flow_pass(e, 0, 0, 0);
	uint64_t restarts = tb.t.cnt.restarts;
	pkt(&tb, &c, true, SYN, 2000, 0, 0, 1 + 300000 + 1, &r);
	assert_int_equal(r.ev, FLOW_EV_CREATED);
	assert_int_equal(tb.t.cnt.restarts, restarts);
	tbl_close(&tb);
}

/* ---- the established fast path --------------------------------------- */

static bool fast(struct tbl *tb, const struct conn *c, bool from_client, uint8_t flags,
		 uint32_t len, uint32_t now)
{
	return flow_pass_fast(&tb->t, &c->k, c->h, from_client ? c->c_sw : !c->c_sw, flags, len,
			      now);
}

/* It takes only what it may: a live, PASSED, not closing TCP entry and a
 * packet without SYN, FIN or RST. Every refusal leaves the table as it was. */
static void test_pass_fast_cases(void **state)
{
	struct tbl tb;
	struct conn c, u;
	struct flow_track_res r;
	struct flow_entry *e, before;
	uint8_t *snap = malloc(flow_table_mem_size(64));

	(void)state;
	assert_non_null(snap);
	tbl_open(&tb, 64, &test_to);
	conn_c(&c, 40000);
	e = handshake(&tb, &c, 1000, 1);

	/* NEW, INSPECTING: the slow path's */
	assert_false(fast(&tb, &c, true, ACK, 10, 2));
	flow_start_inspect(e, 7);
	assert_false(fast(&tb, &c, true, ACK, 10, 2));
	flow_pass(e, 0, 0, 0);
	assert_int_equal(e->last_seen, 1);

	/* PASSED: refreshed; data flags kept per direction; seq left alone */
	assert_false(e->flags & (FLOW_F_DATA_C | FLOW_F_DATA_S));
	before = *e;
	assert_true(fast(&tb, &c, true, ACK, 0, 3));
	assert_int_equal(e->last_seen, 3);
	assert_int_equal(e->flags, before.flags);
	assert_true(fast(&tb, &c, false, ACK | PSH, 100, 4));
	assert_int_equal(e->flags, before.flags | FLOW_F_DATA_S);
	assert_true(fast(&tb, &c, true, ACK | PSH, 5, 5));
	assert_int_equal(e->flags, before.flags | FLOW_F_DATA_S | FLOW_F_DATA_C);
	assert_int_equal(e->client_next_seq, before.client_next_seq);
	assert_int_equal(e->server_next_seq, before.server_next_seq);
	assert_int_equal(e->state, FLOW_S_PASSED);

	/* refusals change nothing at all */
	memcpy(snap, tb.mem, flow_table_mem_size(64));
	assert_false(fast(&tb, &c, true, SYN, 0, 6));
	assert_false(fast(&tb, &c, true, FIN | ACK, 0, 6));
	assert_false(fast(&tb, &c, false, RST, 0, 6));
	assert_false(fast(&tb, &c, true, ACK, 0, 5 + test_to.tcp_established + 1)); /* expired */
	conn_c(&u, 40001);
	assert_false(fast(&tb, &u, true, ACK, 0, 6)); /* unknown: nothing inserted */
	conn4(&u, 0x0a000001, 40000, 0x0a000002, 443, L3L4_IPPROTO_UDP);
	assert_int_equal(flow_track(&tb.t, &u.k, u.h, &(struct flow_pkt){ .swapped = u.c_sw }, 6,
				    &r) != NULL, 1);
	flow_pass(flow_lookup(&tb.t, &u.k, u.h, 6), 0, 0, 0);
	memcpy(snap, tb.mem, flow_table_mem_size(64));
	assert_false(fast(&tb, &u, true, ACK, 0, 6)); /* not TCP */
	assert_memory_equal(snap, tb.mem, flow_table_mem_size(64));
	assert_int_equal(g_rel.n, 0);

	/* closing (a FIN went through flow_track): the slow path's again */
	pkt(&tb, &c, true, FIN | ACK, 1106, 50101, 0, 7, &r);
	assert_false(fast(&tb, &c, false, ACK, 0, 7));
	/* BLOCKED */
	conn_c(&c, 40002);
	e = handshake(&tb, &c, 1000, 8);
	flow_block(e, 1, 1, 1, NULL);
	assert_false(fast(&tb, &c, true, ACK, 0, 8));
	free(snap);
	tbl_close(&tb);
}

/*
 * Twin tables fed the same random but well-formed traffic (sequence numbers
 * that advance as a stack's would, retransmissions, FINs, RSTs, new SYNs on
 * old tuples, verdicts, time passing): one through flow_pass_fast() first,
 * one through flow_track() alone. Every entry agrees in everything but the
 * sequence bookkeeping of PASSED flows, and every flow_track() call both
 * make reports the same events.
 */
static void test_pass_fast_twin(void **state)
{
	enum { N = 24 };
	struct tbl a, b;
	struct conn c[N];
	uint32_t cseq[N], sseq[N], now = 1;
	unsigned taken = 0;

	(void)state;
	kb_rng_state = 0x5eed;
	tbl_open(&a, 256, &test_to);
	tbl_open(&b, 256, &test_to);
	flow_table_set_release(&a.t, NULL, NULL);
	flow_table_set_release(&b.t, NULL, NULL);
	for (unsigned i = 0; i < N; i++) {
		conn_c(&c[i], (uint16_t)(20000 + i));
		cseq[i] = kb_rnd32();
		sseq[i] = kb_rnd32();
	}
	for (unsigned op = 0; op < 200000; op++) {
		unsigned i = kb_rnd32_below(N), k = kb_rnd32_below(100);
		bool cli = kb_rnd32() & 1;
		uint8_t flags = ACK;
		uint32_t len = kb_rnd32_below(3) == 0 ? 0 : 1 + kb_rnd32_below(1400);
		uint32_t *sq = cli ? &cseq[i] : &sseq[i];
		uint32_t seq = *sq;
		struct flow_track_res ra, rb;
		struct flow_entry *ea, *eb;

		now += kb_rnd32_below(50) == 0 ? kb_rnd32_below(400) : 0;
		if (k < 3) {
			flags = SYN, len = 0, cli = true, cseq[i] = seq = kb_rnd32();
		} else if (k < 5) {
			flags = FIN | ACK;
		} else if (k < 6) {
			flags = RST;
		} else if (k < 10) {
			seq -= kb_rnd32_below(3000); /* a retransmission */
		}
		if (seq == *sq)
			*sq += len + ((flags & (SYN | FIN)) ? 1 : 0);
		struct flow_pkt p = {
			.seq = seq, .ack = cli ? sseq[i] : cseq[i], .payload_len = len,
			.tcp_flags = flags, .swapped = cli ? c[i].c_sw : !c[i].c_sw,
		};
		if (flow_pass_fast(&a.t, &c[i].k, c[i].h, p.swapped, flags, len, now)) {
			taken++;
			ea = flow_lookup(&a.t, &c[i].k, c[i].h, now);
		} else {
			ea = flow_track(&a.t, &c[i].k, c[i].h, &p, now, &ra);
			eb = flow_track(&b.t, &c[i].k, c[i].h, &p, now, &rb);
			assert_int_equal(ra.ev, rb.ev);
			assert_int_equal(ra.dir, rb.dir);
			assert_int_equal(ra.stream_base, rb.stream_base);
			goto compare;
		}
		eb = flow_track(&b.t, &c[i].k, c[i].h, &p, now, &rb);
		assert_int_equal(rb.ev, 0);
	compare:
		assert_non_null(ea);
		assert_non_null(eb);
		assert_int_equal(ea->state, eb->state);
		assert_int_equal(ea->last_seen, eb->last_seen);
		assert_int_equal(ea->flags & ~(FLOW_F_SEQ_C | FLOW_F_SEQ_S | FLOW_F_ACK_C),
				 eb->flags & ~(FLOW_F_SEQ_C | FLOW_F_SEQ_S | FLOW_F_ACK_C));
		if (ea->state != FLOW_S_PASSED) {
			assert_int_equal(ea->flags, eb->flags);
			assert_int_equal(ea->client_next_seq, eb->client_next_seq);
			assert_int_equal(ea->server_next_seq, eb->server_next_seq);
		}
		/* verdicts, as the dataplane would give them */
		if (ea->state == FLOW_S_NEW && (ea->flags & FLOW_F_DATA_C)) {
			if (kb_rnd32_below(8) == 0) {
				flow_block(ea, 2, 2, 2, NULL);
				flow_block(eb, 2, 2, 2, NULL);
			} else {
				flow_pass(ea, 0, 0, 0);
				flow_pass(eb, 0, 0, 0);
			}
		}
	}
	printf("# %u of 200000 packets took the fast path\n", taken);
	assert_true(taken > 50000);
	assert_int_equal(a.t.cnt.entries, b.t.cnt.entries);
	tbl_close(&a);
	tbl_close(&b);
}

/* Counters over a short, known sequence. */
static void test_counters(void **state)
{
	struct tbl tb;
	struct conn c[3];
	struct flow_track_res r;
	struct flow_entry *e;

	(void)state;
	tbl_open(&tb, 64, &test_to);
	for (unsigned i = 0; i < 3; i++) {
		conn_c(&c[i], (uint16_t)(100 + i));
		pkt(&tb, &c[i], true, SYN, 1, 0, 0, 1, &r);
	}
	pkt(&tb, &c[0], false, SYN | ACK, 1, 2, 0, 1, &r);          /* hit */
	assert_null(flow_lookup(&tb.t, &c[0].k, c[0].h ^ 1, 1));  /* miss: other hash */
	e = flow_lookup(&tb.t, &c[1].k, c[1].h, 1);
	flow_remove(&tb.t, e);
	flow_remove(&tb.t, e); /* already free: ignored */
	flow_expire(&tb.t, 100, 64);
	assert_int_equal(tb.t.cnt.inserts, 3);
	assert_int_equal(tb.t.cnt.lookup_misses, 4); /* 3 inserts + 1 miss */
	assert_int_equal(tb.t.cnt.removes, 1);
	assert_int_equal(tb.t.cnt.timeouts, 2);
	assert_int_equal(tb.t.cnt.entries, 0);
	assert_int_equal(tb.t.cnt.evictions, 0);
	assert_int_equal(tb.t.cnt.insert_failures, 0);
	assert_int_equal(tb.t.cnt.restarts, 0);
	tbl_close(&tb);
}

/* ---- randomised model test --------------------------------------------- */

/*
 * The reference: a plain array of flows. Present or not, state, last_seen,
 * reassembly handle; expiry by the documented timeouts (no TCP flags here,
 * so no closing). Evictions and lazy expiries are learnt from the callback,
 * which checks them: a TIMEOUT must be expired in the model, an EVICT must
 * be a live flow not touched this tick.
 */
#define M_KEYS 600

struct mflow {
	struct conn c;
	bool present;
	uint8_t state;
	uint32_t last;
	uint32_t reasm;
};

struct model {
	struct mflow f[M_KEYS];
	unsigned present;
	uint32_t now;
	unsigned evicted;
	unsigned timed_out;
	const struct flow_timeouts *to;
};

static uint32_t m_timeout(const struct model *m, const struct mflow *f)
{
	if (f->c.k.proto == L3L4_IPPROTO_UDP)
		return m->to->udp;
	if (f->c.k.proto != L3L4_IPPROTO_TCP)
		return m->to->other;
	switch (f->state) {
	case FLOW_S_NEW:
		return m->to->tcp_new;
	case FLOW_S_INSPECTING:
		return m->to->tcp_inspecting;
	case FLOW_S_PASSED:
		return m->to->tcp_established;
	default:
		return m->to->tcp_blocked;
	}
}

static bool m_expired(const struct model *m, const struct mflow *f)
{
	return (int32_t)(m->now - f->last) > (int32_t)m_timeout(m, f);
}

static bool m_live(const struct model *m, const struct mflow *f)
{
	return f->present && !m_expired(m, f);
}

static void m_cb(void *ctx, struct flow_entry *e, enum flow_end why)
{
	struct model *m = ctx;
	struct mflow *f = NULL;

	for (unsigned i = 0; i < M_KEYS; i++)
		if (memcmp(&m->f[i].c.k, &e->key, sizeof(e->key)) == 0)
			f = &m->f[i];
	assert_non_null(f);
	assert_true(f->present);
	assert_int_equal(e->state, f->state);
	assert_int_equal(e->last_seen, f->last);
	if (f->state == FLOW_S_INSPECTING)
		assert_int_equal(e->reasm, f->reasm);
	if (why == FLOW_END_TIMEOUT) {
		assert_true(m_expired(m, f));
		m->timed_out++;
	} else {
		assert_int_equal(why, FLOW_END_EVICT);
		assert_false(m_expired(m, f));
		assert_true(f->last != m->now);
		m->evicted++;
	}
	f->present = false;
	m->present--;
}

static void m_check_one(struct tbl *tb, struct model *m, struct mflow *f)
{
	bool live = m_live(m, f);
	struct flow_entry *e = flow_lookup(&tb->t, &f->c.k, f->c.h, m->now);

	if (!live) {
		assert_null(e);
		assert_false(f->present); /* a lazy expiry went through m_cb */
		return;
	}
	assert_non_null(e);
	assert_int_equal(e->state, f->state);
	assert_int_equal(e->last_seen, f->last);
}

static void run_model(uint32_t capacity, uint64_t seed, bool expect_evictions)
{
	static const struct flow_timeouts to = {
		.tcp_new = 40, .tcp_inspecting = 30, .tcp_established = 120, .tcp_closing = 5,
		.tcp_blocked = 80, .udp = 60, .other = 50,
	};
	struct tbl tb;
	struct model *m = calloc(1, sizeof(*m));
	unsigned ops[8] = { 0 };

	assert_non_null(m);
	m->to = &to;
	kb_rng_state = seed;
	tbl_open(&tb, capacity, &to);
	flow_table_set_release(&tb.t, m_cb, m);
	for (unsigned i = 0; i < M_KEYS; i++) {
		uint8_t proto = i % 5 == 3 ? L3L4_IPPROTO_UDP : i % 11 == 7 ? 50 : L3L4_IPPROTO_TCP;

		if (i % 3 == 1) {
			uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 }, b[16] = { 0x26, 0x06 };
			struct l3l4_desc d;

			a[15] = (uint8_t)i;
			a[14] = (uint8_t)(i >> 8);
			b[15] = (uint8_t)(i * 7);
			desc6(&d, a, (uint16_t)(1024 + i), b, 443, proto);
			if (proto != L3L4_IPPROTO_TCP && proto != L3L4_IPPROTO_UDP)
				d.sport = d.dport = 0;
			assert_int_equal(flow_key_from_desc(&d, &m->f[i].c.k, &m->f[i].c.c_sw), 0);
			m->f[i].c.h = flow_key_hash(&m->f[i].c.k);
		} else if (proto == L3L4_IPPROTO_TCP || proto == L3L4_IPPROTO_UDP) {
			conn4(&m->f[i].c, 0x0a000000u + kb_rnd32_below(50), (uint16_t)(1024 + i),
			      0xc0000200u + kb_rnd32_below(4), 443, proto);
		} else {
			/* no ports: the address alone keeps the key unique */
			conn4(&m->f[i].c, 0x0a010000u + i, 0, 0xc0000200u, 0, proto);
		}
	}

	m->now = 1;
	for (unsigned op = 0; op < 100000; op++) {
		struct mflow *f = &m->f[kb_rnd32_below(M_KEYS)];
		unsigned kind = kb_rnd32_below(100);
		struct flow_entry *e;
		bool created;

		/* ~20 operations per tick: the table fills, and several
		 * operations share a tick (the no-eviction-this-tick rule). */
		m->now += kb_rnd32_below(20) == 0;
		if (kind < 45) {
			bool live = m_live(m, f);
			uint64_t fails = tb.t.cnt.insert_failures;

			ops[0]++;
			if (kind < 10) {
				flow_prefetch(&tb.t, f->c.h);
				flow_prefetch_entry(&tb.t, f->c.h);
			}
			e = flow_lookup_or_insert(&tb.t, &f->c.k, f->c.h, f->c.c_sw, m->now, &created);
			if (e == NULL) {
				assert_false(live);
				assert_int_equal(tb.t.cnt.insert_failures, fails + 1);
				assert_false(f->present);
			} else {
				assert_int_equal(created, !live);
				if (created) {
					assert_false(f->present);
					f->present = true;
					m->present++;
					f->state = FLOW_S_NEW;
				}
				assert_int_equal(e->state, f->state);
				assert_memory_equal(&e->key, &f->c.k, sizeof(f->c.k));
				assert_int_equal(flow_dir(e, f->c.c_sw), FLOW_DIR_C2S);
				f->last = m->now;
			}
		} else if (kind < 65) {
			ops[1]++;
			m_check_one(&tb, m, f);
		} else if (kind < 75) {
			ops[2]++;
			if (m_live(m, f)) {
				e = flow_lookup(&tb.t, &f->c.k, f->c.h, m->now);
				assert_non_null(e);
				flow_remove(&tb.t, e);
				f->present = false;
				m->present--;
			}
		} else if (kind < 92) {
			ops[3]++;
			if (m_live(m, f)) {
				uint32_t held;

				e = flow_lookup(&tb.t, &f->c.k, f->c.h, m->now);
				assert_non_null(e);
				switch (f->state) {
				case FLOW_S_NEW:
					f->reasm = kb_rnd32();
					flow_start_inspect(e, f->reasm);
					f->state = FLOW_S_INSPECTING;
					break;
				case FLOW_S_INSPECTING:
					if (kb_rnd32() & 1) {
						held = flow_pass(e, 1, 2, 3);
						f->state = FLOW_S_PASSED;
					} else {
						held = flow_block(e, 1, 2, 3, NULL);
						f->state = FLOW_S_BLOCKED;
					}
					assert_int_equal(held, f->reasm);
					break;
				default:
					break;
				}
			}
		} else {
			unsigned before = m->timed_out;
			uint32_t n;

			ops[4]++;
			n = flow_expire(&tb.t, m->now, 1 + kb_rnd32_below(64));
			assert_int_equal(n, m->timed_out - before);
		}
		assert_int_equal(tb.t.cnt.entries, m->present);
		assert_true(m->present <= tb.t.capacity);
		if (op % 5000 == 4999)
			for (unsigned i = 0; i < M_KEYS; i++)
				m_check_one(&tb, m, &m->f[i]);
	}
	for (unsigned i = 0; i < M_KEYS; i++)
		m_check_one(&tb, m, &m->f[i]);
	printf("# capacity %u: %u inserts-or-hits, %u lookups, %u removes, %u verdicts, "
	       "%u slices; %u evicted, %u timed out, %llu bucket_full, %llu insert failures\n",
	       capacity, ops[0], ops[1], ops[2], ops[3], ops[4], m->evicted, m->timed_out,
	       (unsigned long long)tb.t.cnt.bucket_full,
	       (unsigned long long)tb.t.cnt.insert_failures);
	assert_int_equal(tb.t.cnt.evictions, m->evicted);
	assert_int_equal(tb.t.cnt.timeouts, m->timed_out);
	assert_true(m->timed_out > 1000);
	if (expect_evictions) {
		assert_true(m->evicted > 100);
	} else {
		assert_int_equal(m->evicted, 0);
		assert_int_equal(tb.t.cnt.insert_failures, 0);
	}
	tbl_close(&tb);
	free(m);
}

/* 600 keys in a 1024-entry table: no eviction may happen. */
static void test_model_no_eviction(void **state)
{
	(void)state;
	run_model(1024, 0x1234567890abcdefull, false);
}

/* 600 keys in a 128-entry table: constant evictions. */
static void test_model_with_eviction(void **state)
{
	(void)state;
	run_model(128, 0xabcdef0123456789ull, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_both_directions),
		cmocka_unit_test(test_key_ipv6_and_errors),
		cmocka_unit_test(test_hash_is_crc32c),
		cmocka_unit_test(test_init_and_sizes),
		cmocka_unit_test(test_direction_with_syn),
		cmocka_unit_test(test_direction_synack_first),
		cmocka_unit_test(test_direction_no_syn),
		cmocka_unit_test(test_rst_sequence_numbers),
		cmocka_unit_test(test_timeouts_per_state),
		cmocka_unit_test(test_expire_slices),
		cmocka_unit_test(test_expire_reports_reasm),
		cmocka_unit_test(test_eviction_order),
		cmocka_unit_test(test_evict_not_this_tick),
		cmocka_unit_test(test_bucket_full),
		cmocka_unit_test(test_bucket_relocation),
		cmocka_unit_test(test_port_reuse),
		cmocka_unit_test(test_pass_fast_cases),
		cmocka_unit_test(test_pass_fast_twin),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_model_no_eviction),
		cmocka_unit_test(test_model_with_eviction),
	};

	return cmocka_run_group_tests_name("flow", tests, NULL, NULL);
}
