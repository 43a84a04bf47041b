/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the L2-L4 parser (dataplane/proto/l3l4.c).
 *
 * Two sources of frames:
 *  - the .bin frames in tests/data/l3l4/ with expected.txt, written by
 *    tests/data/l3l4/make-frames.py from scapy: the expected fields come from
 *    scapy's own view of each frame, an implementation independent of ours;
 *  - frames built here byte by byte (struct fb) for the malformed cases
 *    scapy will not produce, each one a small edit of a valid frame.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#define KB_RNG_SEED 0x9e3779b97f4a7c15ull
#include "kb_test.h"

#include "flow.h"
#include "l3l4.h"
#include "l3l4_peek.h"

/* ---- frame builder -------------------------------------------------- */

struct fb {
	uint8_t b[4096];
	size_t n;
	size_t l3;  /* offset of the IP header */
	size_t l4;  /* offset of the L4 header */
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
	put8(f, v);
}

static void put32(struct fb *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

static void zeros(struct fb *f, size_t n)
{
	assert_true(f->n + n <= sizeof(f->b));
	memset(f->b + f->n, 0, n);
	f->n += n;
}

static void set16(struct fb *f, size_t at, unsigned v)
{
	f->b[at] = (uint8_t)(v >> 8);
	f->b[at + 1] = (uint8_t)v;
}

static void eth(struct fb *f, unsigned type)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };

	memset(f, 0, sizeof(*f));
	put(f, macs, sizeof(macs));
	put16(f, type);
}

/* Appends a tag: the previous ethertype becomes tpid, this one's is type. */
static void tag(struct fb *f, unsigned tci, unsigned type)
{
	put16(f, tci);
	put16(f, type);
}

/* IPv4 header with ihl_words*4 bytes (options are NOPs); length set by fix_ip. */
static void ipv4(struct fb *f, unsigned ihl_words, unsigned proto, unsigned frag)
{
	static const uint8_t src[4] = { 192, 0, 2, 1 }, dst[4] = { 198, 51, 100, 7 };
	size_t i;

	f->l3 = f->n;
	put8(f, 0x40 | ihl_words);
	put8(f, 0);
	put16(f, 0);          /* total length, fix_ip */
	put16(f, 0x1234);     /* id */
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put(f, src, 4);
	put(f, dst, 4);
	for (i = 5; i < ihl_words; i++)
		put32(f, 0x01010101);
	f->l4 = f->n;
}

static void ipv6(struct fb *f, unsigned nh)
{
	uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8 }, dst[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	src[15] = 1;
	dst[15] = 7;
	f->l3 = f->n;
	put32(f, 0x60000000);
	put16(f, 0);          /* payload length, fix_ip */
	put8(f, nh);
	put8(f, 55);
	put(f, src, 16);
	put(f, dst, 16);
	f->l4 = f->n;
}

/* Generic extension header (hbh / routing / dstopts) of (len8 + 1) * 8 bytes. */
static void ext(struct fb *f, unsigned nh, unsigned len8)
{
	put8(f, nh);
	put8(f, len8);
	zeros(f, (len8 + 1) * 8 - 2);
	f->l4 = f->n;
}

static void frag6(struct fb *f, unsigned nh, unsigned off_bytes, int m, uint32_t id)
{
	put8(f, nh);
	put8(f, 0);
	put16(f, off_bytes | (m ? 1 : 0));
	put32(f, id);
	f->l4 = f->n;
}

/* AH of (len4 + 2) * 4 bytes. */
static void ah(struct fb *f, unsigned nh, unsigned len4)
{
	put8(f, nh);
	put8(f, len4);
	zeros(f, (len4 + 2) * 4 - 2);
	f->l4 = f->n;
}

static void tcp(struct fb *f, unsigned doff_words, unsigned flags)
{
	size_t i;

	f->l4 = f->n;
	put16(f, 40000);
	put16(f, 443);
	put32(f, 0xdeadbeef);
	put32(f, 0x01020304);
	put8(f, doff_words << 4);
	put8(f, flags);
	put16(f, 29200);
	put16(f, 0);
	put16(f, 0);
	for (i = 5; i < doff_words; i++)
		put32(f, 0x01010101);
}

static void udp(struct fb *f, unsigned payload)
{
	f->l4 = f->n;
	put16(f, 5353);
	put16(f, 53);
	put16(f, 8 + payload);
	put16(f, 0);
}

static void data(struct fb *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		put8(f, 'a' + i % 26);
}

/* Sets the IP length field so the datagram ends at the current end. */
static void fix_ip(struct fb *f)
{
	if (f->b[f->l3] >> 4 == 4)
		set16(f, f->l3 + 2, (unsigned)(f->n - f->l3));
	else
		set16(f, f->l3 + 4, (unsigned)(f->n - f->l3 - 40));
}

/* ---- invariants shared by the prefix, mutation and manifest tests --- */

/* Everything the descriptor says stays inside the len bytes given. */
static void check_desc(size_t len, enum l3l4_status st, const struct l3l4_desc *d)
{
	size_t end = len;

	assert_true((unsigned)st < L3L4_STATUS_COUNT);
	assert_true(d->reason < L3L4_R_COUNT);
	assert_int_equal(d->reason != L3L4_R_NONE,
			 st == L3L4_TRUNCATED || st == L3L4_MALFORMED);
	if (d->reason == L3L4_R_FRAME_TOO_LONG)
		return;
	assert_true(len <= L3L4_MAX_FRAME);
	assert_true(d->vlan_count <= L3L4_MAX_VLAN);
	assert_true(d->ext_count <= L3L4_MAX_EXT);
	assert_true(d->l2_len <= len);
	if (d->ip_version != 0) {
		assert_true(d->ip_version == 4 || d->ip_version == 6);
		assert_int_equal(d->l3_off, d->l2_len);
		assert_true((size_t)d->l3_off + d->l3_len <= len);
		end = (size_t)d->l3_off + d->l3_len;
	} else {
		assert_int_equal(d->l3_len, 0);
	}
	assert_true((size_t)d->payload_off + d->payload_len <= end);
	if (d->l4_off != 0) {
		assert_true(d->ip_version != 0);
		assert_true(d->l4_off > d->l3_off);
		assert_true(d->l4_off <= d->payload_off);
	}
	if (st == L3L4_OK || st == L3L4_NO_L4 || st == L3L4_FRAGMENT)
		assert_true(d->ip_version == 4 || d->ip_version == 6);
	if (st == L3L4_OK && (d->l4_proto == 6 || d->l4_proto == 17)) {
		assert_true(d->l4_off != 0);
		assert_true(d->payload_off - d->l4_off >= (d->l4_proto == 6 ? 20 : 8));
	}
	if (st == L3L4_FRAGMENT) {
		assert_true(d->frag_flags & L3L4_FRAG_IS);
		assert_int_equal(d->l4_off, 0);
		assert_int_equal(d->sport, 0);
	}
	assert_int_equal(d->frag_off % 8, 0);
	if (st == L3L4_NOT_IP)
		assert_int_equal(d->ip_version, 0);
}

/*
 * The worker's peek (l3l4_peek.h) takes a frame only if the parse is OK with
 * an untagged IPv4-without-options or IPv6-without-extensions TCP header,
 * reads the descriptor's values, and the flow key built from it is the one
 * built from the descriptor. Frames it declines are counted, and must
 * include every frame of another shape.
 */
static size_t g_peeked, g_declined;

static void check_peek(const uint8_t *buf, size_t len, enum l3l4_status st,
		       const struct l3l4_desc *d)
{
	struct l3l4_peek pk;
	struct flow_key kp, kd;
	bool swp, swd;

	if (!l3l4_peek_tcp(buf, len, &pk)) {
		g_declined++;
		return;
	}
	g_peeked++;
	assert_int_equal(st, L3L4_OK);
	assert_int_equal(d->l4_proto, L3L4_IPPROTO_TCP);
	assert_int_equal(d->vlan_count, 0);
	assert_int_equal(d->ext_count, 0);
	assert_false(d->frag_flags & L3L4_FRAG_IS);
	assert_int_equal(d->l3_off, 14);
	assert_int_equal(d->l4_off, d->l3_off + (d->ip_version == 4 ? 20 : 40));
	assert_int_equal(pk.ip_version, d->ip_version);
	assert_int_equal(pk.l3_len, d->l3_len);
	assert_ptr_equal(pk.th, buf + d->l4_off);
	assert_int_equal(l3l4_peek_sport(&pk), d->sport);
	assert_int_equal(l3l4_peek_dport(&pk), d->dport);
	assert_int_equal(l3l4_peek_flags(&pk), d->tcp_flags);
	assert_int_equal(l3l4_peek_payload_len(&pk), d->payload_len);
	assert_int_equal(pk.th + pk.doff - buf, d->payload_off);
	assert_memory_equal(l3l4_peek_src(&pk), d->src, d->ip_version == 4 ? 4 : 16);
	assert_memory_equal(l3l4_peek_dst(&pk), d->dst, d->ip_version == 4 ? 4 : 16);
	flow_key_from_peek(&pk, &kp, &swp);
	assert_int_equal(flow_key_from_desc(d, &kd, &swd), 0);
	assert_memory_equal(&kp, &kd, sizeof(kp));
	assert_int_equal(swp, swd);
}

/*
 * Parses buf[0..len) from an exact-size heap copy, so ASan sees over-reads,
 * and holds l3l4_parse's common-frame shortcut to the general path: the same
 * status and the same descriptor, byte for byte, on every frame parsed here.
 */
static enum l3l4_status parse_copy(const uint8_t *buf, size_t len, struct l3l4_desc *d)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct l3l4_desc g;
	enum l3l4_status st;

	assert_non_null(copy);
	if (len)
		memcpy(copy, buf, len);
	st = l3l4_parse(copy, len, d);
	assert_int_equal(l3l4_parse_general(copy, len, &g), st);
	assert_memory_equal(&g, d, sizeof(g));
	check_peek(copy, len, st, d);
	free(copy);
	check_desc(len, st, d);
	return st;
}

static enum l3l4_status parse_fb(const struct fb *f, struct l3l4_desc *d)
{
	return parse_copy(f->b, f->n, d);
}

#define assert_status(st, want) assert_string_equal(l3l4_status_str(st), l3l4_status_str(want))
#define assert_reason(d, want) \
	assert_string_equal(l3l4_reason_str((enum l3l4_reason)(d)->reason), l3l4_reason_str(want))

static void assert_bad(const struct fb *f, enum l3l4_status want_st, enum l3l4_reason want_r)
{
	struct l3l4_desc d;
	enum l3l4_status st = parse_fb(f, &d);

	assert_status(st, want_st);
	assert_reason(&d, want_r);
}

/* ---- scapy-generated frames ------------------------------------------ */

struct sample {
	char name[64];
	uint8_t *buf;
	size_t len;
	char *expect; /* the key=value part of its expected.txt line */
};

#define MAX_SAMPLES 64
static struct sample samples[MAX_SAMPLES];
static size_t nsamples;

static int load_samples(void **state)
{
	char path[1024], line[2048];
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/l3l4/expected.txt", kb_data_dir());
	fp = fopen(path, "r");
	if (fp == NULL) {
		fprintf(stderr, "cannot open %s (set KB_TEST_DATA)\n", path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		struct sample *s;
		char *sp;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (nsamples == MAX_SAMPLES)
			break;
		s = &samples[nsamples];
		line[strcspn(line, "\n")] = '\0';
		sp = strchr(line, ' ');
		if (sp == NULL || (size_t)(sp - line) >= sizeof(s->name))
			continue;
		memcpy(s->name, line, (size_t)(sp - line));
		s->name[sp - line] = '\0';
		s->expect = strdup(sp + 1);
		snprintf(path, sizeof(path), "%s/l3l4/%s", kb_data_dir(), s->name);
		s->buf = kb_read_file(path, &s->len);
		if (s->buf == NULL || s->expect == NULL) {
			fprintf(stderr, "cannot read %s\n", path);
			fclose(fp);
			return -1;
		}
		nsamples++;
	}
	fclose(fp);
	return nsamples >= 30 ? 0 : -1;
}

static int free_samples(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < nsamples; i++) {
		free(samples[i].buf);
		free(samples[i].expect);
	}
	nsamples = 0;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void assert_addr(const char *name, const char *hex, const uint8_t a[16])
{
	size_t i;

	assert_int_equal(strlen(hex), 32);
	for (i = 0; i < 16; i++) {
		int v = hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]);

		if (v != a[i])
			fail_msg("%s: address byte %zu is %u, scapy says %d", name, i, a[i], v);
	}
}

static long long desc_field(const struct l3l4_desc *d, const char *k)
{
	static const struct {
		const char *name;
		size_t off, size;
	} f[] = {
#define F(x) { #x, offsetof(struct l3l4_desc, x), sizeof(((struct l3l4_desc *)0)->x) }
		F(l2_len), F(ethertype), F(vlan_count), F(ip_version), F(ttl), F(l4_proto),
		F(l3_off), F(l3_len), F(l4_off), F(payload_off), F(payload_len), F(sport),
		F(dport), F(tcp_window), F(tcp_flags), F(frag_flags), F(frag_off), F(frag_id),
		F(tcp_seq), F(tcp_ack), F(ext_count),
#undef F
	};
	const uint8_t *p = (const uint8_t *)d;
	size_t i;

	if (strncmp(k, "tci", 3) == 0) {
		unsigned idx = (unsigned)atoi(k + 3);

		assert_true(idx < L3L4_MAX_VLAN);
		return d->vlan_tci[idx];
	}
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (strcmp(k, f[i].name) != 0)
			continue;
		if (f[i].size == 1)
			return p[f[i].off];
		if (f[i].size == 2) {
			uint16_t v;
			memcpy(&v, p + f[i].off, 2);
			return v;
		}
		uint32_t v;
		memcpy(&v, p + f[i].off, 4);
		return v;
	}
	fail_msg("unknown key %s in expected.txt", k);
	return -1;
}

/* Every field scapy knows about matches, frame by frame. */
static void test_scapy_frames(void **state)
{
	size_t i, checked = 0;

	(void)state;
	for (i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];
		struct l3l4_desc d;
		enum l3l4_status st = parse_copy(s->buf, s->len, &d);
		char *dup = strdup(s->expect), *save = NULL, *tok;

		assert_non_null(dup);
		for (tok = strtok_r(dup, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
			char *eq = strchr(tok, '=');

			assert_non_null(eq);
			*eq = '\0';
			if (strcmp(tok, "status") == 0) {
				if (strcmp(l3l4_status_str(st), eq + 1) != 0)
					fail_msg("%s: status %s (%s), scapy says %s", s->name,
						 l3l4_status_str(st),
						 l3l4_reason_str((enum l3l4_reason)d.reason), eq + 1);
			} else if (strcmp(tok, "src") == 0) {
				assert_addr(s->name, eq + 1, d.src);
			} else if (strcmp(tok, "dst") == 0) {
				assert_addr(s->name, eq + 1, d.dst);
			} else {
				long long want = atoll(eq + 1), got = desc_field(&d, tok);

				if (want != got)
					fail_msg("%s: %s is %lld, scapy says %lld", s->name, tok, got, want);
			}
			checked++;
		}
		free(dup);
		assert_int_equal(d.reason, L3L4_R_NONE);
	}
	assert_true(checked > 500);
}

/* The same datagram through l3l4_parse_ip gives the same answer, shifted. */
static void test_parse_ip_matches_frame(void **state)
{
	size_t i, n_ip = 0;

	(void)state;
	for (i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];
		struct l3l4_desc d, e;
		enum l3l4_status st = l3l4_parse(s->buf, s->len, &d), st2;
		const unsigned sh = d.l2_len;

		if (d.ip_version == 0)
			continue;
		n_ip++;
		st2 = l3l4_parse_ip(s->buf + sh, s->len - sh, d.ip_version, &e);
		check_desc(s->len - sh, st2, &e);
		assert_int_equal(st, st2);
		assert_int_equal(e.l2_len, 0);
		assert_int_equal(e.vlan_count, 0);
		assert_int_equal(e.ethertype, d.ethertype);
		assert_int_equal(e.l3_off, 0);
		assert_int_equal(e.l3_len, d.l3_len);
		assert_int_equal(e.l4_off, d.l4_off ? d.l4_off - sh : 0);
		assert_int_equal(e.payload_off, d.payload_off - sh);
		assert_int_equal(e.payload_len, d.payload_len);
		assert_int_equal(e.sport, d.sport);
		assert_int_equal(e.dport, d.dport);
		assert_int_equal(e.tcp_seq, d.tcp_seq);
		assert_int_equal(e.frag_flags, d.frag_flags);
		assert_int_equal(e.frag_id, d.frag_id);
		assert_memory_equal(e.src, d.src, 16);
		assert_memory_equal(e.dst, d.dst, 16);
		/* The version must match the header. */
		st2 = l3l4_parse_ip(s->buf + sh, s->len - sh, d.ip_version == 4 ? 6 : 4, &e);
		check_desc(s->len - sh, st2, &e);
		if (d.ip_version == 4 && s->len - sh < 40) {
			assert_reason(&e, L3L4_R_IPV6_SHORT);
		} else {
			assert_status(st2, L3L4_MALFORMED);
			assert_reason(&e, L3L4_R_IP_VERSION);
		}
	}
	assert_true(n_ip > 25);
}

/*
 * Every prefix of every sample: a prefix that cuts the datagram is
 * TRUNCATED; one that keeps it whole parses exactly like the full frame
 * (what follows the datagram is padding).
 */
static void test_every_prefix(void **state)
{
	size_t i, cut;

	(void)state;
	for (i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];
		struct l3l4_desc full, d;
		enum l3l4_status fst = l3l4_parse(s->buf, s->len, &full);
		size_t need = full.ip_version ? (size_t)full.l3_off + full.l3_len : full.l2_len;

		for (cut = 0; cut <= s->len; cut++) {
			enum l3l4_status st = parse_copy(s->buf, cut, &d);

			if (cut < need) {
				assert_status(st, L3L4_TRUNCATED);
			} else {
				assert_status(st, fst);
				assert_memory_equal(&d, &full, sizeof(d));
			}
		}
	}
}

/*
 * Random edits of valid frames (header bytes mostly, with values that hit
 * length fields' edges), random cuts and growth: every descriptor stays in
 * its buffer and each status comes with the right kind of reason.
 */
static void test_mutations(void **state)
{
	static const uint8_t hot[] = { 0, 1, 2, 4, 5, 6, 8, 0x0f, 0x10, 0x11, 0x20, 0x2c, 0x33,
				       0x3b, 0x3c, 0x40, 0x45, 0x46, 0x4f, 0x50, 0x60, 0x7f,
				       0x80, 0x81, 0x86, 0x88, 0x91, 0xa8, 0xdd, 0xf0, 0xff };
	uint8_t buf[2048];
	unsigned counts[L3L4_STATUS_COUNT] = { 0 };
	unsigned reasons[L3L4_R_COUNT] = { 0 };
	size_t iter, distinct = 0, r;

	(void)state;
	for (iter = 0; iter < 500000; iter++) {
		const struct sample *s = &samples[kb_rng_next() % nsamples];
		size_t len = s->len, k, edits = 1 + kb_rng_next() % 4;
		struct l3l4_desc d;
		enum l3l4_status st;

		memcpy(buf, s->buf, len);
		for (k = 0; k < edits; k++) {
			size_t at = kb_rng_next() % (len < 140 ? len : 140);
			uint64_t v = kb_rng_next();

			buf[at] = (v & 1) ? hot[(v >> 1) % sizeof(hot)] : (uint8_t)(v >> 8);
		}
		switch (kb_rng_next() % 4) {
		case 0:
			len = kb_rng_next() % (len + 1);
			break;
		case 1:
			k = kb_rng_next() % 64;
			memset(buf + len, (int)(kb_rng_next() & 0xff), k);
			len += k;
			break;
		default:
			break;
		}
		st = parse_copy(buf, len, &d);
		counts[st]++;
		reasons[d.reason]++;
	}
	for (r = 0; r < L3L4_STATUS_COUNT; r++)
		assert_true(counts[r] > 0);
	for (r = 1; r < L3L4_R_COUNT; r++)
		distinct += reasons[r] > 0;
	/* The edits reach most reasons, so the loop explores the error paths. */
	assert_true(distinct >= 18);
}

/* ---- hand-built frames: Ethernet and VLAN ---------------------------- */

static void test_v4_tcp(void **state)
{
	struct fb f;
	struct l3l4_desc d;

	(void)state;
	eth(&f, 0x0800);
	ipv4(&f, 5, 6, 0x4000);
	tcp(&f, 8, L3L4_TCP_SYN | L3L4_TCP_ACK);
	data(&f, 100);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_OK);
	assert_int_equal(d.l2_len, 14);
	assert_int_equal(d.ethertype, 0x0800);
	assert_int_equal(d.ip_version, 4);
	assert_int_equal(d.l3_off, 14);
	assert_int_equal(d.l3_len, 20 + 32 + 100);
	assert_int_equal(d.l4_proto, 6);
	assert_int_equal(d.l4_off, 34);
	assert_int_equal(d.payload_off, 34 + 32);
	assert_int_equal(d.payload_len, 100);
	assert_int_equal(d.sport, 40000);
	assert_int_equal(d.dport, 443);
	assert_int_equal(d.tcp_seq, 0xdeadbeef);
	assert_int_equal(d.tcp_ack, 0x01020304);
	assert_int_equal(d.tcp_flags, L3L4_TCP_SYN | L3L4_TCP_ACK);
	assert_int_equal(d.tcp_window, 29200);
	assert_int_equal(d.ttl, 64);
	assert_int_equal(d.frag_flags, L3L4_FRAG_DF);
	assert_int_equal(d.frag_id, 0x1234);
	assert_memory_equal(d.src, "\xc0\x00\x02\x01\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_memory_equal(d.dst, "\xc6\x33\x64\x07\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_memory_equal(f.b + d.payload_off, "abcdef", 6);
}

static void test_v6_udp(void **state)
{
	struct fb f;
	struct l3l4_desc d;

	(void)state;
	eth(&f, 0x86dd);
	ipv6(&f, 17);
	udp(&f, 33);
	data(&f, 33);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_OK);
	assert_int_equal(d.ip_version, 6);
	assert_int_equal(d.ttl, 55);
	assert_int_equal(d.l3_len, 40 + 8 + 33);
	assert_int_equal(d.l4_off, 54);
	assert_int_equal(d.payload_off, 62);
	assert_int_equal(d.payload_len, 33);
	assert_int_equal(d.sport, 5353);
	assert_int_equal(d.dport, 53);
	assert_int_equal(d.src[0], 0x20);
	assert_int_equal(d.src[15], 1);
	assert_int_equal(d.dst[15], 7);
	assert_int_equal(d.frag_flags, 0);
}

static void test_zero_and_short_frames(void **state)
{
	uint8_t b[13] = { 0 };
	struct l3l4_desc d;
	enum l3l4_status st;
	size_t n;

	(void)state;
	st = l3l4_parse(NULL, 0, &d);
	check_desc(0, st, &d);
	assert_status(st, L3L4_TRUNCATED);
	assert_reason(&d, L3L4_R_ETH_SHORT);
	st = l3l4_parse(NULL, 100, &d); /* no bytes at all, whatever len says */
	assert_status(st, L3L4_TRUNCATED);
	for (n = 0; n <= sizeof(b); n++) {
		assert_status(parse_copy(b, n, &d), L3L4_TRUNCATED);
		assert_reason(&d, L3L4_R_ETH_SHORT);
	}
	st = l3l4_parse_ip(NULL, 0, 4, &d);
	assert_status(st, L3L4_TRUNCATED);
	assert_reason(&d, L3L4_R_IPV4_SHORT);
	st = l3l4_parse_ip(NULL, 0, 6, &d);
	assert_status(st, L3L4_TRUNCATED);
	assert_reason(&d, L3L4_R_IPV6_SHORT);
}

static void test_not_ip(void **state)
{
	static const unsigned types[] = { 0x0806, 0x05dc, 0x0000, 0x8847, 0x8864, 0x88cc, 0x0801 };
	struct fb f;
	struct l3l4_desc d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		eth(&f, types[i]);
		data(&f, 46);
		assert_status(parse_fb(&f, &d), L3L4_NOT_IP);
		assert_int_equal(d.ethertype, types[i]);
		assert_int_equal(d.l2_len, 14);
		assert_int_equal(d.ip_version, 0);
		assert_int_equal(d.payload_len, 0);
	}
	/* Not IP behind two tags. */
	eth(&f, 0x88a8);
	tag(&f, 7, 0x8100);
	tag(&f, 8, 0x0806);
	data(&f, 28);
	assert_status(parse_fb(&f, &d), L3L4_NOT_IP);
	assert_int_equal(d.vlan_count, 2);
	assert_int_equal(d.l2_len, 22);
}

static void test_vlan_stacks(void **state)
{
	static const unsigned tpids[] = { 0x8100, 0x88a8, 0x9100 };
	struct fb f;
	struct l3l4_desc d;
	unsigned depth, i;

	(void)state;
	for (depth = 1; depth <= L3L4_MAX_VLAN + 1; depth++) {
		eth(&f, tpids[0]);
		for (i = 0; i < depth; i++)
			tag(&f, 0xa000 | (i + 1) * 100, i + 1 < depth ? tpids[(i + 1) % 3] : 0x0800);
		ipv4(&f, 5, 17, 0);
		udp(&f, 4);
		data(&f, 4);
		fix_ip(&f);
		if (depth > L3L4_MAX_VLAN) {
			assert_bad(&f, L3L4_MALFORMED, L3L4_R_VLAN_DEPTH);
			continue;
		}
		assert_status(parse_fb(&f, &d), L3L4_OK);
		assert_int_equal(d.vlan_count, depth);
		for (i = 0; i < depth; i++)
			assert_int_equal(d.vlan_tci[i], 0xa000 | (i + 1) * 100);
		assert_int_equal(d.l2_len, 14 + 4 * depth);
		assert_int_equal(d.l3_off, 14 + 4 * depth);
		assert_int_equal(d.ethertype, 0x0800);
		assert_int_equal(d.payload_len, 4);
	}
	/* Each TPID on its own, with IPv6 behind it. */
	for (i = 0; i < 3; i++) {
		eth(&f, tpids[i]);
		tag(&f, 0x0fff, 0x86dd);
		ipv6(&f, 6);
		tcp(&f, 5, L3L4_TCP_ACK);
		fix_ip(&f);
		assert_status(parse_fb(&f, &d), L3L4_OK);
		assert_int_equal(d.vlan_count, 1);
		assert_int_equal(d.vlan_tci[0], 0x0fff);
		assert_int_equal(d.l4_off, 18 + 40);
	}
	/* A tag cut in half, and a frame that ends right after a tag. */
	eth(&f, 0x8100);
	put16(&f, 0x0064);
	assert_bad(&f, L3L4_TRUNCATED, L3L4_R_VLAN_SHORT);
	eth(&f, 0x8100);
	tag(&f, 100, 0x0800);
	assert_bad(&f, L3L4_TRUNCATED, L3L4_R_IPV4_SHORT);
}

/* ---- IPv4 ------------------------------------------------------------ */

static void test_ipv4_options(void **state)
{
	struct fb f;
	struct l3l4_desc d;
	unsigned ihl;

	(void)state;
	for (ihl = 5; ihl <= 15; ihl++) {
		eth(&f, 0x0800);
		ipv4(&f, ihl, 6, 0);
		tcp(&f, 5, L3L4_TCP_ACK);
		data(&f, 9);
		fix_ip(&f);
		assert_status(parse_fb(&f, &d), L3L4_OK);
		assert_int_equal(d.l4_off, 14 + ihl * 4);
		assert_int_equal(d.payload_off, 14 + ihl * 4 + 20);
		assert_int_equal(d.payload_len, 9);
	}
}

static void test_ipv4_bad_header(void **state)
{
	struct fb f;
	unsigned ihl;

	(void)state;
	for (ihl = 0; ihl < 5; ihl++) {
		eth(&f, 0x0800);
		ipv4(&f, 5, 6, 0);
		tcp(&f, 5, 0);
		fix_ip(&f);
		f.b[f.l3] = (uint8_t)(0x40 | ihl);
		assert_bad(&f, L3L4_MALFORMED, L3L4_R_IPV4_IHL);
	}
	/* Options longer than the total length. */
	eth(&f, 0x0800);
	ipv4(&f, 15, 6, 0);
	data(&f, 40);
	set16(&f, f.l3 + 2, 56);
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_IPV4_TOTLEN);
	/* Total length 0 and 19. */
	eth(&f, 0x0800);
	ipv4(&f, 5, 17, 0);
	udp(&f, 0);
	set16(&f, f.l3 + 2, 0);
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_IPV4_TOTLEN);
	set16(&f, f.l3 + 2, 19);
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_IPV4_TOTLEN);
	/* Wrong version behind 0x0800, and an IPv4 header behind 0x86dd. */
	eth(&f, 0x0800);
	ipv6(&f, 59);
	fix_ip(&f);
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_IP_VERSION);
	eth(&f, 0x86dd);
	ipv4(&f, 5, 17, 0);
	udp(&f, 24);
	data(&f, 24);
	fix_ip(&f);
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_IP_VERSION);
	/* A header cut short of 20 bytes. */
	eth(&f, 0x0800);
	ipv4(&f, 5, 17, 0);
	f.n -= 1;
	assert_bad(&f, L3L4_TRUNCATED, L3L4_R_IPV4_SHORT);
}

static void test_ipv4_total_length(void **state)
{
	struct fb f;
	struct l3l4_desc d;

	(void)state;
	/* Total length one past what was captured. */
	eth(&f, 0x0800);
	ipv4(&f, 5, 6, 0);
	tcp(&f, 5, 0);
	data(&f, 10);
	fix_ip(&f);
	set16(&f, f.l3 + 2, (unsigned)(f.n - f.l3 + 1));
	assert_status(parse_fb(&f, &d), L3L4_TRUNCATED);
	assert_reason(&d, L3L4_R_IPV4_CUT);
	assert_int_equal(d.ip_version, 0);
	assert_int_equal(d.l2_len, 14);

	/* Ethernet padding after the datagram is not payload (TCP and UDP). */
	eth(&f, 0x0800);
	ipv4(&f, 5, 6, 0);
	tcp(&f, 5, L3L4_TCP_ACK);
	data(&f, 2);
	fix_ip(&f);
	put32(&f, 0x17030300); /* looks like TLS, but it is padding */
	zeros(&f, 20);
	assert_status(parse_fb(&f, &d), L3L4_OK);
	assert_int_equal(d.l3_len, 42);
	assert_int_equal(d.payload_len, 2);
	assert_int_equal(d.payload_off + d.payload_len, 14 + 42);

	eth(&f, 0x0800);
	ipv4(&f, 5, 17, 0);
	udp(&f, 0);
	fix_ip(&f);
	zeros(&f, 18);
	assert_status(parse_fb(&f, &d), L3L4_OK);
	assert_int_equal(d.payload_len, 0);
	assert_int_equal(d.payload_off, 42);
}

static void test_ipv4_fragments(void **state)
{
	struct fb f;
	struct l3l4_desc d;

	(void)state;
	/* First fragment with the whole TCP header: parsed, flagged. */
	eth(&f, 0x0800);
	ipv4(&f, 5, 6, 0x2000);
	tcp(&f, 5, L3L4_TCP_PSH | L3L4_TCP_ACK);
	data(&f, 20);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_OK);
	assert_int_equal(d.frag_flags, L3L4_FRAG_IS | L3L4_FRAG_MF);
	assert_int_equal(d.frag_off, 0);
	assert_int_equal(d.frag_id, 0x1234);
	assert_int_equal(d.sport, 40000);
	assert_int_equal(d.payload_len, 20);

	/* Middle fragment: no L4, the fragment's data is the payload. */
	eth(&f, 0x0800);
	ipv4(&f, 6, 6, 0x2000 | 185);
	data(&f, 64);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_FRAGMENT);
	assert_int_equal(d.frag_flags, L3L4_FRAG_IS | L3L4_FRAG_MF);
	assert_int_equal(d.frag_off, 185 * 8);
	assert_int_equal(d.l4_off, 0);
	assert_int_equal(d.l4_proto, 6);
	assert_int_equal(d.payload_off, 14 + 24);
	assert_int_equal(d.payload_len, 64);
	assert_int_equal(d.sport, 0);

	/* Last fragment: any length, MF clear, DF noted. */
	eth(&f, 0x0800);
	ipv4(&f, 5, 17, 0x4000 | 3);
	data(&f, 13);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_FRAGMENT);
	assert_int_equal(d.frag_flags, L3L4_FRAG_IS | L3L4_FRAG_DF);
	assert_int_equal(d.frag_off, 24);
	assert_int_equal(d.payload_len, 13);

	/* Tiny first fragment: TCP header not all there -> reassembly. */
	eth(&f, 0x0800);
	ipv4(&f, 5, 6, 0x2000);
	data(&f, 16);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_FRAGMENT);
	assert_int_equal(d.frag_off, 0);
	assert_int_equal(d.l4_off, 0);
	assert_int_equal(d.payload_off, 34);
	assert_int_equal(d.payload_len, 16);
	/* ... or its options cross into the next fragment. */
	eth(&f, 0x0800);
	ipv4(&f, 5, 6, 0x2000);
	tcp(&f, 5, 0);
	data(&f, 4);
	fix_ip(&f);
	f.b[f.l4 + 12] = 0xf0;
	assert_status(parse_fb(&f, &d), L3L4_FRAGMENT);
	/* A first UDP fragment: the UDP length covers the whole datagram. */
	eth(&f, 0x0800);
	ipv4(&f, 5, 17, 0x2000);
	udp(&f, 3000);
	data(&f, 64);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_OK);
	assert_int_equal(d.payload_len, 64);

	/* Non-last fragment off an 8-byte boundary. */
	eth(&f, 0x0800);
	ipv4(&f, 5, 17, 0x2000 | 1);
	data(&f, 12);
	fix_ip(&f);
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_FRAG_ALIGN);
	/* Reassembled size past 65535. */
	eth(&f, 0x0800);
	ipv4(&f, 5, 17, 0x1fff);
	data(&f, 8);
	fix_ip(&f);
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_FRAG_OVERFLOW);
	eth(&f, 0x0800);
	ipv4(&f, 5, 17, 0x1ffd); /* 65512 + 20 + 3 fits exactly */
	data(&f, 3);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_FRAGMENT);
	data(&f, 1);
	fix_ip(&f);
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_FRAG_OVERFLOW);
}

static void test_ipv4_ah_esp_other(void **state)
{
	struct fb f;
	struct l3l4_desc d;

	(void)state;
	eth(&f, 0x0800);
	ipv4(&f, 5, 51, 0);
	ah(&f, 6, 4);
	tcp(&f, 5, L3L4_TCP_SYN);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_OK);
	assert_int_equal(d.ext_count, 1);
	assert_int_equal(d.l4_off, 34 + 24);
	assert_int_equal(d.l4_proto, 6);

	eth(&f, 0x0800);
	ipv4(&f, 5, 50, 0);
	data(&f, 40);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_NO_L4);
	assert_int_equal(d.l4_proto, 50);
	assert_int_equal(d.payload_off, 34);
	assert_int_equal(d.payload_len, 40);

	/* IPv6 extension numbers mean nothing in IPv4: an opaque protocol. */
	eth(&f, 0x0800);
	ipv4(&f, 5, 0, 0);
	data(&f, 5);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_OK);
	assert_int_equal(d.l4_proto, 0);
	assert_int_equal(d.l4_off, 34);
	assert_int_equal(d.payload_len, 5);
	assert_int_equal(d.ext_count, 0);

	/* GRE, SCTP, ICMP: proto noted, no ports. */
	eth(&f, 0x0800);
	ipv4(&f, 5, 132, 0);
	data(&f, 12);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_OK);
	assert_int_equal(d.l4_proto, 132);
	assert_int_equal(d.sport, 0);
	assert_int_equal(d.dport, 0);
}

/* ---- IPv6 extension headers ------------------------------------------ */

static void test_ipv6_each_ext(void **state)
{
	static const unsigned kinds[] = { 0, 43, 44, 51, 60 };
	struct fb f;
	struct l3l4_desc d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t l4;

		eth(&f, 0x86dd);
		ipv6(&f, kinds[i]);
		if (kinds[i] == 44)
			frag6(&f, 6, 0, 0, 0x55667788);
		else if (kinds[i] == 51)
			ah(&f, 6, 6); /* 32 bytes */
		else
			ext(&f, 6, 2); /* 24 bytes */
		l4 = f.n;
		tcp(&f, 6, L3L4_TCP_ACK);
		data(&f, 7);
		fix_ip(&f);
		assert_status(parse_fb(&f, &d), L3L4_OK);
		assert_int_equal(d.ext_count, 1);
		assert_int_equal(d.l4_proto, 6);
		assert_int_equal(d.l4_off, l4);
		assert_int_equal(d.payload_off, l4 + 24);
		assert_int_equal(d.payload_len, 7);
		if (kinds[i] == 44) {
			/* Atomic fragment: header recorded, not a fragment. */
			assert_int_equal(d.frag_flags, L3L4_FRAG_HDR);
			assert_int_equal(d.frag_id, 0x55667788);
		} else {
			assert_int_equal(d.frag_flags, 0);
		}
	}
}

static void test_ipv6_chain(void **state)
{
	struct fb f;
	struct l3l4_desc d;
	unsigned n;

	(void)state;
	/* hbh, dst, routing, ah, fragment (first), dst, udp */
	eth(&f, 0x86dd);
	ipv6(&f, 0);
	ext(&f, 60, 0);
	ext(&f, 43, 1);
	ext(&f, 51, 0);
	ah(&f, 44, 1);
	frag6(&f, 60, 0, 1, 0xcafe);
	ext(&f, 17, 0);
	udp(&f, 100);
	data(&f, 32);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_OK);
	assert_int_equal(d.ext_count, 6);
	assert_int_equal(d.l4_proto, 17);
	assert_int_equal(d.l4_off, 54 + 8 + 16 + 8 + 12 + 8 + 8);
	assert_int_equal(d.frag_flags, L3L4_FRAG_IS | L3L4_FRAG_MF | L3L4_FRAG_HDR);
	assert_int_equal(d.frag_id, 0xcafe);
	assert_int_equal(d.payload_len, 32);

	/* Up to L3L4_MAX_EXT headers are fine, one more is not. */
	for (n = L3L4_MAX_EXT; n <= L3L4_MAX_EXT + 1; n++) {
		unsigned i;

		eth(&f, 0x86dd);
		ipv6(&f, 60);
		for (i = 0; i < n; i++)
			ext(&f, i + 1 < n ? 60 : 6, 0);
		tcp(&f, 5, 0);
		fix_ip(&f);
		if (n > L3L4_MAX_EXT) {
			assert_bad(&f, L3L4_MALFORMED, L3L4_R_EXT_COUNT);
		} else {
			assert_status(parse_fb(&f, &d), L3L4_OK);
			assert_int_equal(d.ext_count, n);
		}
	}
	/* Total bytes: 1024 is the limit. */
	eth(&f, 0x86dd);
	ipv6(&f, 60);
	ext(&f, 60, 63);  /* 512 */
	ext(&f, 6, 63);   /* 1024 in all */
	tcp(&f, 5, 0);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_OK);
	eth(&f, 0x86dd);
	ipv6(&f, 60);
	ext(&f, 60, 63);
	ext(&f, 60, 63);
	ext(&f, 6, 0);    /* 1032 */
	tcp(&f, 5, 0);
	fix_ip(&f);
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_EXT_BYTES);
	eth(&f, 0x86dd);
	ipv6(&f, 0);
	ext(&f, 6, 255);  /* one 2048-byte header */
	tcp(&f, 5, 0);
	fix_ip(&f);
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_EXT_BYTES);
}

static void test_ipv6_ext_errors(void **state)
{
	struct fb f;
	struct l3l4_desc d;

	(void)state;
	/* Hop-by-hop anywhere but first. */
	eth(&f, 0x86dd);
	ipv6(&f, 60);
	ext(&f, 0, 0);
	ext(&f, 6, 0);
	tcp(&f, 5, 0);
	fix_ip(&f);
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_HBH_POS);
	/* The payload length ends inside an extension header ... */
	eth(&f, 0x86dd);
	ipv6(&f, 43);
	ext(&f, 6, 3);
	tcp(&f, 5, 0);
	fix_ip(&f);
	set16(&f, f.l3 + 4, 31);
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_EXT_LEN);
	set16(&f, f.l3 + 4, 1); /* not even the length byte */
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_EXT_LEN);
	set16(&f, f.l3 + 4, 0);
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_EXT_LEN);
	/* ... or the capture does: truncated. */
	eth(&f, 0x86dd);
	ipv6(&f, 60);
	ext(&f, 6, 3);
	tcp(&f, 5, 0);
	fix_ip(&f);
	f.n = f.l3 + 40 + 20;
	assert_bad(&f, L3L4_TRUNCATED, L3L4_R_IPV6_CUT);
	/* AH below its 12-byte minimum. */
	eth(&f, 0x86dd);
	ipv6(&f, 51);
	ah(&f, 6, 0);
	tcp(&f, 5, 0);
	fix_ip(&f);
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_AH_LEN);
	/* Two fragment headers. */
	eth(&f, 0x86dd);
	ipv6(&f, 44);
	frag6(&f, 44, 0, 0, 1);
	frag6(&f, 6, 0, 0, 2);
	tcp(&f, 5, 0);
	fix_ip(&f);
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_FRAG_DUP);
	/* IPv6 header itself cut; wrong version nibble. */
	eth(&f, 0x86dd);
	ipv6(&f, 59);
	f.n -= 1;
	assert_bad(&f, L3L4_TRUNCATED, L3L4_R_IPV6_SHORT);
	eth(&f, 0x86dd);
	ipv6(&f, 59);
	f.b[f.l3] = 0x40;
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_IP_VERSION);
	/* Payload length one past the capture. */
	eth(&f, 0x86dd);
	ipv6(&f, 17);
	udp(&f, 0);
	fix_ip(&f);
	set16(&f, f.l3 + 4, 9);
	assert_status(parse_fb(&f, &d), L3L4_TRUNCATED);
	assert_reason(&d, L3L4_R_IPV6_CUT);
}

static void test_ipv6_no_l4(void **state)
{
	static const unsigned opaque[] = { 50, 59, 135, 139, 140, 253, 254 };
	struct fb f;
	struct l3l4_desc d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(opaque) / sizeof(opaque[0]); i++) {
		eth(&f, 0x86dd);
		ipv6(&f, 60);
		ext(&f, opaque[i], 0);
		data(&f, 24);
		fix_ip(&f);
		assert_status(parse_fb(&f, &d), L3L4_NO_L4);
		assert_int_equal(d.l4_proto, opaque[i]);
		assert_int_equal(d.ext_count, 1);
		assert_int_equal(d.l4_off, 0);
		assert_int_equal(d.payload_off, 14 + 40 + 8);
		assert_int_equal(d.payload_len, 24);
		assert_int_equal(d.reason, L3L4_R_NONE);
	}
	/* No next header straight after the IPv6 header, with no bytes. */
	eth(&f, 0x86dd);
	ipv6(&f, 59);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_NO_L4);
	assert_int_equal(d.payload_len, 0);
	/* ICMPv6 is an L4 protocol like any other. */
	eth(&f, 0x86dd);
	ipv6(&f, 58);
	data(&f, 8);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_OK);
	assert_int_equal(d.l4_off, 54);
}

static void test_ipv6_fragments(void **state)
{
	struct fb f;
	struct l3l4_desc d;

	(void)state;
	/* First fragment: routing header unfragmentable, TCP parsed. */
	eth(&f, 0x86dd);
	ipv6(&f, 43);
	ext(&f, 44, 0);
	frag6(&f, 6, 0, 1, 0x89abcdef);
	tcp(&f, 5, L3L4_TCP_ACK);
	data(&f, 28);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_OK);
	assert_int_equal(d.frag_flags, L3L4_FRAG_IS | L3L4_FRAG_MF | L3L4_FRAG_HDR);
	assert_int_equal(d.frag_id, 0x89abcdef);
	assert_int_equal(d.frag_off, 0);
	assert_int_equal(d.ext_count, 2);
	assert_int_equal(d.l4_off, 14 + 40 + 16);
	assert_int_equal(d.payload_len, 28);

	/* Non-first fragment: stop at once. */
	eth(&f, 0x86dd);
	ipv6(&f, 44);
	frag6(&f, 6, 1448, 1, 77);
	data(&f, 64);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_FRAGMENT);
	assert_int_equal(d.frag_off, 1448);
	assert_int_equal(d.frag_flags, L3L4_FRAG_IS | L3L4_FRAG_MF | L3L4_FRAG_HDR);
	assert_int_equal(d.frag_id, 77);
	assert_int_equal(d.l4_proto, 6);
	assert_int_equal(d.l4_off, 0);
	assert_int_equal(d.payload_off, 14 + 48);
	assert_int_equal(d.payload_len, 64);
	/* Last fragment, odd length. */
	eth(&f, 0x86dd);
	ipv6(&f, 44);
	frag6(&f, 17, 8, 0, 78);
	data(&f, 5);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_FRAGMENT);
	assert_int_equal(d.frag_flags, L3L4_FRAG_IS | L3L4_FRAG_HDR);

	/* First fragment whose chain goes on in the next fragment. */
	eth(&f, 0x86dd);
	ipv6(&f, 44);
	frag6(&f, 60, 0, 1, 79);
	put8(&f, 6);
	put8(&f, 4); /* 40 bytes, only 8 here */
	zeros(&f, 6);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_FRAGMENT);
	assert_int_equal(d.payload_off, 14 + 48);
	assert_int_equal(d.payload_len, 8);
	/* First fragment too short for the UDP header. */
	eth(&f, 0x86dd);
	ipv6(&f, 44);
	frag6(&f, 17, 0, 1, 80);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_FRAGMENT);
	assert_int_equal(d.payload_len, 0);

	/* Non-last fragment not a multiple of 8, and past 65535. */
	eth(&f, 0x86dd);
	ipv6(&f, 44);
	frag6(&f, 6, 8, 1, 81);
	data(&f, 12);
	fix_ip(&f);
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_FRAG_ALIGN);
	eth(&f, 0x86dd);
	ipv6(&f, 44);
	frag6(&f, 6, 65520, 0, 82);
	data(&f, 15); /* reassembled payload 65535 exactly */
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_FRAGMENT);
	data(&f, 1);
	fix_ip(&f);
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_FRAG_OVERFLOW);
	/* Unfragmentable headers count towards the reassembled length. */
	eth(&f, 0x86dd);
	ipv6(&f, 60);
	ext(&f, 44, 0);
	frag6(&f, 6, 65520, 0, 83);
	data(&f, 8);
	fix_ip(&f);
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_FRAG_OVERFLOW);
	f.n -= 1;
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_FRAGMENT);
}

/* ---- L4 -------------------------------------------------------------- */

static void test_tcp_errors(void **state)
{
	struct fb f;
	struct l3l4_desc d;
	unsigned doff;

	(void)state;
	for (doff = 0; doff < 5; doff++) {
		eth(&f, 0x0800);
		ipv4(&f, 5, 6, 0);
		tcp(&f, 5, 0);
		data(&f, 30);
		fix_ip(&f);
		f.b[f.l4 + 12] = (uint8_t)(doff << 4);
		assert_bad(&f, L3L4_MALFORMED, L3L4_R_TCP_DOFF);
	}
	/* Data offset exactly at the end of the segment, then one word past. */
	eth(&f, 0x86dd);
	ipv6(&f, 6);
	tcp(&f, 15, 0);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_OK);
	assert_int_equal(d.payload_len, 0);
	assert_int_equal(d.payload_off, f.n);
	f.n -= 4;
	fix_ip(&f);
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_TCP_DOFF_LEN);
	/* Segment shorter than 20 bytes. */
	eth(&f, 0x0800);
	ipv4(&f, 5, 6, 0);
	data(&f, 19);
	fix_ip(&f);
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_TCP_SHORT);
}

static void test_udp_errors(void **state)
{
	struct fb f;
	struct l3l4_desc d;
	unsigned ulen;

	(void)state;
	for (ulen = 0; ulen < 8; ulen++) {
		eth(&f, 0x0800);
		ipv4(&f, 5, 17, 0);
		udp(&f, 10);
		data(&f, 10);
		fix_ip(&f);
		set16(&f, f.l4 + 4, ulen);
		assert_bad(&f, L3L4_MALFORMED, L3L4_R_UDP_LEN_SHORT);
	}
	/* UDP length past the IP payload. */
	eth(&f, 0x86dd);
	ipv6(&f, 17);
	udp(&f, 10);
	data(&f, 10);
	fix_ip(&f);
	set16(&f, f.l4 + 4, 19);
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_UDP_LEN_LONG);
	/* UDP length shorter than the IP payload: the payload ends there. */
	set16(&f, f.l4 + 4, 12);
	assert_status(parse_fb(&f, &d), L3L4_OK);
	assert_int_equal(d.payload_len, 4);
	/* Fewer than 8 bytes. */
	eth(&f, 0x0800);
	ipv4(&f, 5, 17, 0);
	data(&f, 7);
	fix_ip(&f);
	assert_bad(&f, L3L4_MALFORMED, L3L4_R_UDP_SHORT);
}

/* ---- limits, parse_ip, names, checksum -------------------------------- */

static void test_frame_size_limit(void **state)
{
	uint8_t *big = calloc(1, L3L4_MAX_FRAME + 1);
	struct l3l4_desc d;
	enum l3l4_status st;
	size_t ip_len = L3L4_MAX_FRAME - 14;

	(void)state;
	assert_non_null(big);
	big[12] = 0x08;
	big[14] = 0x45;
	big[14 + 2] = (uint8_t)(ip_len >> 8);
	big[14 + 3] = (uint8_t)ip_len;
	big[14 + 8] = 64;
	big[14 + 9] = 17;
	big[34 + 4] = (uint8_t)((ip_len - 20) >> 8);
	big[34 + 5] = (uint8_t)(ip_len - 20);
	/* The largest frame accepted, its payload running to the last byte. */
	st = parse_copy(big, L3L4_MAX_FRAME, &d);
	assert_status(st, L3L4_OK);
	assert_int_equal(d.payload_off + d.payload_len, L3L4_MAX_FRAME);
	assert_int_equal(d.payload_len, L3L4_MAX_FRAME - 42);
	/* One byte more is refused outright, whatever it holds. */
	st = l3l4_parse(big, L3L4_MAX_FRAME + 1, &d);
	check_desc(L3L4_MAX_FRAME + 1, st, &d);
	assert_status(st, L3L4_MALFORMED);
	assert_reason(&d, L3L4_R_FRAME_TOO_LONG);
	st = l3l4_parse_ip(big + 14, L3L4_MAX_FRAME + 1 - 14, 4, &d);
	assert_status(st, L3L4_OK);
	st = l3l4_parse_ip(big, L3L4_MAX_FRAME + 1, 4, &d);
	assert_status(st, L3L4_MALFORMED);
	assert_reason(&d, L3L4_R_FRAME_TOO_LONG);
	st = l3l4_parse(big, SIZE_MAX, &d);
	assert_reason(&d, L3L4_R_FRAME_TOO_LONG);
	free(big);
}

static void test_parse_ip(void **state)
{
	struct fb f;
	struct l3l4_desc d;
	enum l3l4_status st;

	(void)state;
	/* A reassembled IPv6 datagram (fragment header kept, offset 0, M 0). */
	eth(&f, 0x86dd);
	ipv6(&f, 44);
	frag6(&f, 6, 0, 0, 5);
	tcp(&f, 5, L3L4_TCP_ACK);
	data(&f, 3000);
	fix_ip(&f);
	st = l3l4_parse_ip(f.b + f.l3, f.n - f.l3, 6, &d);
	check_desc(f.n - f.l3, st, &d);
	assert_status(st, L3L4_OK);
	assert_int_equal(d.l2_len, 0);
	assert_int_equal(d.ethertype, 0x86dd);
	assert_int_equal(d.l3_off, 0);
	assert_int_equal(d.l4_off, 48);
	assert_int_equal(d.payload_off, 68);
	assert_int_equal(d.payload_len, 3000);
	assert_int_equal(d.frag_flags, L3L4_FRAG_HDR);
	/* Only 4 and 6. */
	st = l3l4_parse_ip(f.b + f.l3, f.n - f.l3, 5, &d);
	assert_status(st, L3L4_MALFORMED);
	assert_reason(&d, L3L4_R_IP_VERSION);
	st = l3l4_parse_ip(f.b + f.l3, f.n - f.l3, 0, &d);
	assert_reason(&d, L3L4_R_IP_VERSION);
	/* An IPv4 datagram with padding after it. */
	eth(&f, 0x0800);
	ipv4(&f, 7, 17, 0);
	udp(&f, 5);
	data(&f, 5);
	fix_ip(&f);
	zeros(&f, 9);
	st = l3l4_parse_ip(f.b + f.l3, f.n - f.l3, 4, &d);
	check_desc(f.n - f.l3, st, &d);
	assert_status(st, L3L4_OK);
	assert_int_equal(d.ethertype, 0x0800);
	assert_int_equal(d.l3_len, 28 + 8 + 5);
	assert_int_equal(d.payload_off, 36);
	assert_int_equal(d.payload_len, 5);
}

static void test_names(void **state)
{
	unsigned i, j;

	(void)state;
	for (i = 0; i < L3L4_STATUS_COUNT; i++) {
		const char *a = l3l4_status_str((enum l3l4_status)i);

		assert_non_null(a);
		assert_true(strlen(a) > 0);
		assert_string_not_equal(a, "unknown");
		for (j = 0; j < i; j++)
			assert_string_not_equal(a, l3l4_status_str((enum l3l4_status)j));
	}
	for (i = 0; i < L3L4_R_COUNT; i++) {
		const char *a = l3l4_reason_str((enum l3l4_reason)i);

		assert_non_null(a);
		assert_string_not_equal(a, "unknown");
		/* Counter-name material: lower case, digits and underscores. */
		assert_int_equal(strspn(a, "abcdefghijklmnopqrstuvwxyz0123456789_"), strlen(a));
		for (j = 0; j < i; j++)
			assert_string_not_equal(a, l3l4_reason_str((enum l3l4_reason)j));
	}
	assert_string_equal(l3l4_status_str(L3L4_STATUS_COUNT), "unknown");
	assert_string_equal(l3l4_reason_str(L3L4_R_COUNT), "unknown");
	assert_string_equal(l3l4_reason_str((enum l3l4_reason)-1), "unknown");
	assert_int_equal(L3L4_OK, 0);
	assert_int_equal(L3L4_R_NONE, 0);
}

static void test_ipv4_csum(void **state)
{
	size_t i, n4 = 0;
	uint8_t hdr[60];

	(void)state;
	/* scapy filled in real checksums: each verifies to 0. */
	for (i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];
		struct l3l4_desc d;
		size_t ihl;
		uint16_t want;

		l3l4_parse(s->buf, s->len, &d);
		if (d.ip_version != 4)
			continue;
		ihl = (size_t)(s->buf[d.l3_off] & 15) * 4;
		assert_int_equal(l3l4_ipv4_hdr_csum(s->buf + d.l3_off, ihl), 0);
		/* Zero the field, recompute, and get scapy's value back. */
		memcpy(hdr, s->buf + d.l3_off, ihl);
		want = (uint16_t)(hdr[10] << 8 | hdr[11]);
		hdr[10] = hdr[11] = 0;
		assert_int_equal(l3l4_ipv4_hdr_csum(hdr, ihl), want);
		hdr[15] ^= 1;
		hdr[10] = (uint8_t)(want >> 8);
		hdr[11] = (uint8_t)want;
		assert_int_not_equal(l3l4_ipv4_hdr_csum(hdr, ihl), 0);
		n4++;
	}
	assert_true(n4 >= 10);
	/* RFC 1071's example words sum to 0xddf2 (with a 0x0000 pad word pair). */
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, "\x00\x01\xf2\x03\xf4\xf5\xf6\xf7", 8);
	assert_int_equal(l3l4_ipv4_hdr_csum(hdr, 20), (uint16_t)~0xddf2);
	assert_int_equal(l3l4_ipv4_hdr_csum(hdr, 19), 0xffff);
	assert_int_equal(l3l4_ipv4_hdr_csum(hdr, 22), 0xffff);
	assert_int_equal(l3l4_ipv4_hdr_csum(hdr, 64), 0xffff);
	assert_int_equal(l3l4_ipv4_hdr_csum(NULL, 20), 0xffff);
}

/*
 * The canonical key's side from a peek and from the descriptor, where the
 * order is decided: equal addresses (then the ports decide, either way),
 * addresses that differ only in their last or first byte, and IPv6
 * addresses equal in their first 8 bytes. parse_copy() runs check_peek().
 */
static void test_peek_keys(void **state)
{
	static const uint8_t v4[][4] = { { 198, 51, 100, 7 }, { 198, 51, 100, 8 },
					 { 203, 0, 113, 7 },  { 0, 0, 0, 0 },
					 { 255, 255, 255, 255 } };
	static const uint16_t ports[] = { 0, 1, 443, 40000, 65535 };
	struct fb f;
	struct l3l4_desc d;
	size_t peeked = g_peeked, declined = g_declined;
	(void)state;

	/* Shapes the peek must leave to the general path. */
	eth(&f, 0x0800);
	ipv4(&f, 6, 6, 0x4000); /* an option */
	tcp(&f, 5, L3L4_TCP_ACK);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_OK);
	eth(&f, 0x8100);
	tag(&f, 7, 0x0800); /* a VLAN tag */
	ipv4(&f, 5, 6, 0x4000);
	tcp(&f, 5, L3L4_TCP_ACK);
	fix_ip(&f);
	assert_status(parse_fb(&f, &d), L3L4_OK);
	assert_int_equal(g_declined - declined, 2);
	assert_int_equal(g_peeked, peeked);

	for (unsigned ver = 4; ver <= 6; ver += 2) {
		for (size_t a = 0; a < 5; a++)
			for (size_t b = 0; b < 5; b++)
				for (size_t p = 0; p < 5; p++)
					for (size_t q = 0; q < 5; q++) {
						eth(&f, ver == 4 ? 0x0800 : 0x86dd);
						if (ver == 4)
							ipv4(&f, 5, 6, 0x4000);
						else
							ipv6(&f, 6);
						tcp(&f, 5, L3L4_TCP_ACK);
						data(&f, (unsigned)(a + q));
						fix_ip(&f);
						size_t src = f.l3 + (ver == 4 ? 12 : 8);
						size_t dst = src + (ver == 4 ? 4 : 16);
						size_t at = ver == 4 ? 0 : 12; /* last 4 bytes of a v6 address */
						memcpy(f.b + src + at, v4[a], 4);
						memcpy(f.b + dst + at, v4[b], 4);
						set16(&f, f.l4, ports[p]);
						set16(&f, f.l4 + 2, ports[q]);
						assert_status(parse_fb(&f, &d), L3L4_OK);
					}
	}
	assert_int_equal(g_peeked - peeked, 2 * 5 * 5 * 5 * 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scapy_frames),
		cmocka_unit_test(test_parse_ip_matches_frame),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_v4_tcp),
		cmocka_unit_test(test_v6_udp),
		cmocka_unit_test(test_zero_and_short_frames),
		cmocka_unit_test(test_not_ip),
		cmocka_unit_test(test_vlan_stacks),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv4_bad_header),
		cmocka_unit_test(test_ipv4_total_length),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv4_ah_esp_other),
		cmocka_unit_test(test_ipv6_each_ext),
		cmocka_unit_test(test_ipv6_chain),
		cmocka_unit_test(test_ipv6_ext_errors),
		cmocka_unit_test(test_ipv6_no_l4),
		cmocka_unit_test(test_ipv6_fragments),
		cmocka_unit_test(test_tcp_errors),
		cmocka_unit_test(test_udp_errors),
		cmocka_unit_test(test_frame_size_limit),
		cmocka_unit_test(test_parse_ip),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_ipv4_csum),
		cmocka_unit_test(test_peek_keys),
	};

	return cmocka_run_group_tests_name("l3l4", tests, load_samples, free_samples);
}
