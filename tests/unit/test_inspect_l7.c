/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the inspection chosen by port or preface
 * (dataplane/inspect_l7.h, the h2c branch of dataplane/inspect.c), with a
 * small pack compiled here and real client bytes from tests/data:
 *
 * - DNS over UDP: dig, drill and glibc queries (tests/data/dns/queries.tsv)
 *   barred and allowed; what gives PASS and what gives GIVE_UP.
 * - DNS over TCP: dig +tcp fed whole, byte by byte and split at every
 *   offset; a first message larger than the buffer.
 * - QUIC: the RFC 9001 A.2 Initial (example.com), Chromium's two-Initial
 *   post-quantum flight (quic.kaspersky.com) in every order of its first
 *   two datagrams, decryption failure, a short header before an Initial,
 *   unknown versions up to max_datagrams, sticky verdicts.
 * - h2c: curl's requests (tests/data/h2c/) through insp_feed: handed over
 *   from HTTP/1 at the preface whatever the chunking, names with ports and
 *   IP literals, a block over the buffer, frames out of order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kb_test.h"

#include "dns.h"
#include "h2c.h"
#include "inspect.h"
#include "inspect_l7.h"
#include "quic_initial.h"
#include "sig.h"

static const char PACK[] =
	"pack name=t version=1 date=2026-11-26\n"
	"block 10 domain=kaspersky.com category=brand\n"
	"block 11 exact=dnl-01.geo.kaspersky.com category=update\n"
	"allow 12 exact=ok.kaspersky.com category=other\n"
	"block 13 domain=kaspersky-labs.com category=licensing fields=sni\n";

#define BUF_CAP 16640u

struct env {
	struct sigset *set;
	struct sig_scratch *scr;
	struct quic_crypto *cx;
	uint8_t *buf;
	struct insp_flow f;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct sig_ruleset *rs = sig_ruleset_new();
	struct sig_report rep = {.fn = NULL};

	if (e == NULL || rs == NULL || sig_load_buf(rs, "t.sig", PACK, strlen(PACK), &rep) != 0)
		return -1;
	e->set = sig_compile(rs, NULL, &rep);
	sig_ruleset_free(rs);
	if (e->set == NULL)
		return -1;
	e->scr = sig_scratch_alloc(e->set);
	e->cx = quic_crypto_new();
	e->buf = malloc(BUF_CAP);
	if (e->scr == NULL || e->cx == NULL || e->buf == NULL)
		return -1;
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	sig_scratch_free(e->scr);
	sig_set_free(e->set);
	quic_crypto_free(e->cx);
	free(e->buf);
	free(e);
	return 0;
}

/* ---- test data ---------------------------------------------------------- */

static FILE *data_file(const char *rel)
{
	const char *d = getenv("KB_TEST_DATA");
	char path[1024];

	if (d == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", d, rel);
	return fopen(path, "r");
}

/* Line `line` (0-based) of a hex file: one datagram or segment per line. */
static size_t hex_line(const char *rel, unsigned line, uint8_t *out, size_t cap)
{
	FILE *f = data_file(rel);
	static char buf[80000];
	size_t n = 0;

	if (f == NULL)
		skip();
	for (unsigned i = 0; i <= line; i++) {
		if (fgets(buf, sizeof(buf), f) == NULL) {
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	n = kb_unhex(buf, out, cap);
	return n;
}

/* The whole hex file as one byte string. */
static size_t hex_file(const char *rel, uint8_t *out, size_t cap)
{
	size_t n = 0, k;
	for (unsigned i = 0; (k = hex_line(rel, i, out + n, cap - n)) != 0; i++)
		n += k;
	return n;
}

/* A query of tests/data/dns/queries.tsv by its first column. */
static size_t dns_row(const char *name, uint8_t *out, size_t cap)
{
	FILE *f = data_file("dns/queries.tsv");
	char line[4096];
	size_t n = 0;

	if (f == NULL)
		skip();
	while (fgets(line, sizeof(line), f) != NULL) {
		char *t1 = strchr(line, '\t'), *t2 = t1 != NULL ? strchr(t1 + 1, '\t') : NULL;
		if (t1 == NULL || t2 == NULL)
			continue;
		if ((size_t)(t1 - line) == strlen(name) && memcmp(line, name, strlen(name)) == 0) {
			n = kb_unhex(t2 + 1, out, cap);
			break;
		}
	}
	fclose(f);
	assert_true(n > 0);
	return n;
}

/* ---- DNS over UDP -------------------------------------------------------- */

static enum insp_status udp_query(struct env *e, const uint8_t *m, size_t n,
				  struct dns_query *q, struct insp_out *out)
{
	static char name[DNS_NAME_BUF];
	return insp_dns_query(m, n, q, name, sizeof(name), e->set, e->scr, out);
}

static void test_dns_udp_real(void **state)
{
	struct env *e = *state;
	uint8_t m[512];
	struct dns_query q;
	struct insp_out out;
	static const struct {
		const char *row;
		enum insp_status st;
		const char *norm;
		uint32_t id;
	} cases[] = {
		{"dig_edns", INSP_MATCH, "dnl-01.geo.kaspersky.com", 11},
		{"dig_dnssec", INSP_MATCH, "kaspersky.com", 10},   /* Kaspersky.COM */
		{"glibc", INSP_MATCH, "activation-v2.kaspersky.com", 10},
		{"drill_udp", INSP_MATCH, "click.kaspersky.com", 10},
		/* sni only in this pack: not matched as dns */
		{"dig_noedns", INSP_PASS, "ksn-a-stat-geo.kaspersky-labs.com", 0},
		{"dig_root", INSP_PASS, NULL, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = dns_row(cases[i].row, m, sizeof(m));
		enum insp_status st = udp_query(e, m, n, &q, &out);
		assert_int_equal(st, cases[i].st);
		assert_int_equal(out.proto, INSP_P_DNS);
		assert_int_equal(out.parse_status, DNS_OK);
		if (cases[i].norm == NULL) {
			assert_int_equal(out.n_names, 0);
			continue;
		}
		assert_int_equal(out.n_names, 1);
		assert_int_equal(out.names[0].field, SIG_FIELD_DNS);
		assert_string_equal(out.names[0].norm, cases[i].norm);
		if (st == INSP_MATCH) {
			assert_int_equal(out.decide, 0);
			assert_int_equal(out.names[0].v.id, cases[i].id);
		} else {
			assert_int_equal(out.decide, -1);
		}
	}
}

static size_t build_query(uint8_t *m, const char *labels, size_t llen, uint16_t qdcount,
			  uint16_t flags)
{
	static const uint8_t hdr[4] = {0x12, 0x34};
	size_t n = 0;

	memcpy(m, hdr, 2);
	m[2] = (uint8_t)(flags >> 8);
	m[3] = (uint8_t)flags;
	m[4] = 0;
	m[5] = (uint8_t)qdcount;
	memset(m + 6, 0, 6);
	n = 12;
	memcpy(m + n, labels, llen);
	n += llen;
	memcpy(m + n, "\x00\x01\x00\x01", 4);
	return n + 4;
}

static void test_dns_udp_outcomes(void **state)
{
	struct env *e = *state;
	static const char barred[] = "\x06" "dnl-01" "\x03" "geo" "\x09" "kaspersky" "\x03" "com";
	uint8_t m[512];
	struct dns_query q;
	struct insp_out out;
	size_t n;

	/* The allow rule clears the name. */
	n = build_query(m, "\x02" "ok" "\x09" "kaspersky" "\x03" "com", 18, 1, 0x0100);
	assert_int_equal(udp_query(e, m, n, &q, &out), INSP_PASS);
	assert_int_equal(out.names[0].match_rc, 1);

	/* A response to the port: NOT_QUERY, passed, counted by reason. */
	n = build_query(m, barred, sizeof(barred), 1, 0x8180);
	assert_int_equal(udp_query(e, m, n, &q, &out), INSP_PASS);
	assert_int_equal(out.parse_status, DNS_NOT_QUERY);
	assert_int_equal(out.parse_reason, DNS_R_RESPONSE);
	assert_int_equal(out.n_names, 0);

	/* Two questions hide a name a server may answer: a limit. */
	uint8_t two[64];
	memcpy(two, barred, sizeof(barred));
	memcpy(two + sizeof(barred), "\x00\x01\x00\x01\x02ok\x00", 8);
	n = build_query(m, (const char *)two, sizeof(barred) + 8, 2, 0x0100);
	assert_int_equal(udp_query(e, m, n, &q, &out), INSP_GIVE_UP);
	assert_int_equal(out.parse_status, DNS_MALFORMED);
	assert_int_equal(out.parse_reason, DNS_R_QDCOUNT);
	assert_true(insp_dns_limit(DNS_R_QDCOUNT));

	/* A compression pointer in the question: a limit too. */
	n = build_query(m, "\x03www\xc0\x0c", 6, 1, 0x0100);
	assert_int_equal(udp_query(e, m, n, &q, &out), INSP_GIVE_UP);
	assert_int_equal(out.parse_reason, DNS_R_COMPRESSION);

	/* Cut short: a server rejects it too, PASS. */
	n = build_query(m, barred, sizeof(barred), 1, 0x0100);
	assert_int_equal(udp_query(e, m, 20, &q, &out), INSP_PASS);
	assert_int_equal(out.parse_status, DNS_MALFORMED);
	assert_false(insp_dns_limit((enum dns_reason)out.parse_reason));
	assert_int_equal(udp_query(e, m, 5, &q, &out), INSP_PASS);
	assert_int_equal(out.parse_reason, DNS_R_SHORT);

	/* Without a set, names are extracted and nothing is matched. */
	char name[DNS_NAME_BUF];
	assert_int_equal(insp_dns_query(m, n, &q, name, sizeof(name), NULL, NULL, &out), INSP_PASS);
	assert_int_equal(out.n_names, 1);
	assert_string_equal(out.names[0].norm, "dnl-01.geo.kaspersky.com");
}

/* ---- DNS over TCP -------------------------------------------------------- */

static void test_dns_tcp(void **state)
{
	struct env *e = *state;
	uint8_t m[512];
	struct insp_out out;
	size_t n = dns_row("dig_tcp", m, sizeof(m));

	/* Whole, then every split point, then byte by byte. */
	for (size_t cut = 0; cut <= n; cut++) {
		insp_init_dns(&e->f, e->buf, BUF_CAP);
		enum insp_status st = INSP_NEED_MORE;
		if (cut > 0) {
			st = insp_feed(&e->f, m, cut, e->set, e->scr, &out);
			if (cut < n)
				assert_int_equal(st, INSP_NEED_MORE);
		}
		if (cut < n)
			st = insp_feed(&e->f, m + cut, n - cut, e->set, e->scr, &out);
		assert_int_equal(st, INSP_MATCH);
		assert_int_equal(out.proto, INSP_P_DNS);
		assert_string_equal(out.names[out.decide].norm, "updates.kaspersky.com");
		assert_int_equal(out.names[out.decide].field, SIG_FIELD_DNS);
		/* Sticky, and the name stays valid in the flow's buffer. */
		assert_int_equal(insp_feed(&e->f, m, 1, e->set, e->scr, &out), INSP_MATCH);
		assert_int_equal(out.n_names, 0);
	}
	insp_init_dns(&e->f, e->buf, BUF_CAP);
	for (size_t i = 0; i < n; i++) {
		enum insp_status st = insp_feed(&e->f, m + i, 1, e->set, e->scr, &out);
		assert_int_equal(st, i + 1 < n ? INSP_NEED_MORE : INSP_MATCH);
	}

	/* A first message longer than the buffer (minus the name's room). */
	static uint8_t big[1400];
	memset(big, 0, sizeof(big));
	big[0] = 0x05;
	big[1] = 0x00; /* 1280-byte message */
	insp_init_dns(&e->f, e->buf, 1024);
	assert_int_equal(insp_feed(&e->f, big, sizeof(big), e->set, e->scr, &out), INSP_GIVE_UP);

	/* An allowed name passes; a response over TCP passes. */
	size_t k = build_query(m + 2, "\x03www\x07" "example\x04test", 18, 1, 0x0100);
	m[0] = 0;
	m[1] = (uint8_t)k;
	insp_init_dns(&e->f, e->buf, BUF_CAP);
	assert_int_equal(insp_feed(&e->f, m, k + 2, e->set, e->scr, &out), INSP_PASS);
	assert_string_equal(out.names[0].norm, "www.example.test");
	m[4] |= 0x80;
	insp_init_dns(&e->f, e->buf, BUF_CAP);
	assert_int_equal(insp_feed(&e->f, m, k + 2, e->set, e->scr, &out), INSP_PASS);
	assert_int_equal(out.parse_status, DNS_NOT_QUERY);
}

/* ---- QUIC ---------------------------------------------------------------- */

static enum insp_status quic(struct env *e, const uint8_t *d, size_t n, uint32_t max,
			     struct insp_out *out)
{
	return insp_quic_feed(&e->f, e->cx, d, n, max, e->set, e->scr, out);
}

static void test_quic_rfc(void **state)
{
	struct env *e = *state;
	static uint8_t pkt[2048];
	size_t n = hex_file("quic/rfc9001_a2_client_initial.hex", pkt, sizeof(pkt));
	struct insp_out out;

	assert_int_equal(n, 1200);
	insp_quic_init(&e->f, e->buf, BUF_CAP);
	assert_int_equal(quic(e, pkt, n, 8, &out), INSP_PASS);
	assert_int_equal(out.proto, INSP_P_QUIC);
	assert_int_equal(out.parse_status, QUIC_DONE);
	assert_int_equal(out.n_names, 1);
	assert_int_equal(out.names[0].field, SIG_FIELD_QUIC_SNI);
	assert_string_equal(out.names[0].norm, "example.com");
	/* Terminal: the same packet again changes nothing and names nothing. */
	assert_int_equal(quic(e, pkt, n, 8, &out), INSP_PASS);
	assert_int_equal(out.n_names, 0);

	/* One byte changed in the ciphertext: no key opens it. A server drops
	 * such a packet and reads the next: GIVE_UP, not PASS. */
	pkt[600] ^= 0x01;
	insp_quic_init(&e->f, e->buf, BUF_CAP);
	assert_int_equal(quic(e, pkt, n, 8, &out), INSP_GIVE_UP);
	assert_int_equal(out.parse_status, QUIC_MALFORMED);
	assert_int_equal(out.parse_reason, QUIC_R_DECRYPT);
	pkt[600] ^= 0x01;

	/* A short header first: NOT_QUIC is reported, the flow is not passed,
	 * and the real Initial after it is read. */
	static uint8_t junk[100];
	memcpy(junk, pkt, sizeof(junk));
	junk[0] = 0x40;
	insp_quic_init(&e->f, e->buf, BUF_CAP);
	assert_int_equal(quic(e, junk, sizeof(junk), 8, &out), INSP_NEED_MORE);
	assert_int_equal(out.parse_status, QUIC_NOT_QUIC);
	assert_int_equal(out.parse_reason, QUIC_R_SHORT_HEADER);
	assert_int_equal(quic(e, pkt, n, 8, &out), INSP_PASS);
	assert_int_equal(out.parse_status, QUIC_DONE);
	assert_string_equal(out.names[0].norm, "example.com");
	/* ... and counts toward max_datagrams: the 2nd datagram of 2 gives up. */
	insp_quic_init(&e->f, e->buf, BUF_CAP);
	assert_int_equal(quic(e, junk, sizeof(junk), 2, &out), INSP_NEED_MORE);
	assert_int_equal(quic(e, junk, sizeof(junk), 2, &out), INSP_GIVE_UP);
	assert_int_equal(out.parse_status, QUIC_NOT_QUIC);
}

static void test_quic_chromium(void **state)
{
	struct env *e = *state;
	static uint8_t d[6][1500];
	size_t n[6];
	struct insp_out out;

	for (unsigned i = 0; i < 6; i++) {
		n[i] = hex_line("quic/chromium156_v1_flow.hex", i, d[i], sizeof(d[i]));
		assert_true(n[i] > 1200);
	}
	/* The hello is whole with both first Initials, in either order. */
	for (unsigned first = 0; first < 2; first++) {
		insp_quic_init(&e->f, e->buf, BUF_CAP);
		assert_int_equal(quic(e, d[first], n[first], 8, &out), INSP_NEED_MORE);
		assert_int_equal(out.n_names, 0);
		assert_int_equal(quic(e, d[1 - first], n[1 - first], 8, &out), INSP_MATCH);
		assert_int_equal(out.parse_status, QUIC_DONE);
		assert_string_equal(out.names[out.decide].norm, "quic.kaspersky.com");
		assert_int_equal(out.names[out.decide].v.id, 10);
		assert_int_equal(out.names[out.decide].field, SIG_FIELD_QUIC_SNI);
		/* Retransmissions after the verdict: sticky. */
		for (unsigned i = 2; i < 6; i++)
			assert_int_equal(quic(e, d[i], n[i], 8, &out), INSP_MATCH);
	}
	/* max_datagrams = 1: the first Initial alone gives up. */
	insp_quic_init(&e->f, e->buf, BUF_CAP);
	assert_int_equal(quic(e, d[0], n[0], 1, &out), INSP_GIVE_UP);
	assert_int_equal(out.parse_status, QUIC_NEED_MORE);
	/* A buffer too small for the 1919-byte hello: CRYPTO_TOO_BIG, a limit. */
	insp_quic_init(&e->f, e->buf, 1024);
	enum insp_status st = quic(e, d[0], n[0], 8, &out);
	if (st == INSP_NEED_MORE)
		st = quic(e, d[1], n[1], 8, &out);
	assert_int_equal(st, INSP_GIVE_UP);
	assert_int_equal(out.parse_reason, QUIC_R_CRYPTO_TOO_BIG);
}

static void test_quic_unknown_version(void **state)
{
	struct env *e = *state;
	uint8_t g[1300];
	struct insp_out out;

	/* gQUIC Q050 long headers: skipped, NEED_MORE until max_datagrams. */
	memset(g, 0x33, sizeof(g));
	memcpy(g, "\xcdQ050\x08", 6);
	g[14] = 0;
	insp_quic_init(&e->f, e->buf, BUF_CAP);
	for (unsigned i = 1; i <= 8; i++) {
		enum insp_status st = quic(e, g, sizeof(g), 8, &out);
		assert_int_equal(st, i < 8 ? INSP_NEED_MORE : INSP_GIVE_UP);
	}
	assert_true(out.parse_flags & QUIC_F_UNKNOWN_VERSION);
	assert_int_equal(e->f.u.quic.q.n_packets, 0);
	assert_int_equal(e->f.u.quic.n_datagrams, 8);
	/* max_datagrams 0: no bound. */
	insp_quic_init(&e->f, e->buf, BUF_CAP);
	for (unsigned i = 0; i < 100; i++)
		assert_int_equal(quic(e, g, sizeof(g), 0, &out), INSP_NEED_MORE);
}

/* ---- h2c ----------------------------------------------------------------- */

/* Offset just past the frame with END_HEADERS (walked here from the frame
 * headers, not by h2c.c). */
static size_t h2_block_end(const uint8_t *s, size_t n)
{
	size_t pos = 24;
	while (pos + 9 <= n) {
		size_t len = (size_t)s[pos] << 16 | (size_t)s[pos + 1] << 8 | s[pos + 2];
		uint8_t type = s[pos + 3], flags = s[pos + 4];
		pos += 9 + len;
		if ((type == 1 || type == 9) && (flags & 0x4))
			return pos;
	}
	return 0;
}

static void test_h2c_curl(void **state)
{
	struct env *e = *state;
	static uint8_t s[512];
	struct insp_out out;
	size_t n = hex_file("h2c/curl_plain.hex", s, sizeof(s));

	assert_true(n > 24);
	/* Any chunking: the preface goes to HTTP/1 first, then h2c reads the
	 * stream from byte 0. */
	for (size_t cut = 1; cut < n; cut++) {
		enum insp_status st;
		insp_init(&e->f, e->buf, BUF_CAP);
		st = insp_feed(&e->f, s, cut, e->set, e->scr, &out);
		if (st == INSP_NEED_MORE)
			st = insp_feed(&e->f, s + cut, n - cut, e->set, e->scr, &out);
		assert_int_equal(st, INSP_MATCH);
		assert_int_equal(out.proto, INSP_P_H2C);
		assert_int_equal(out.parse_status, H2C_DONE);
		const struct insp_name *nm = &out.names[out.decide];
		assert_string_equal(nm->norm, "h2c.kaspersky.com");
		assert_int_equal(nm->field, SIG_FIELD_HTTP_HOST);
		assert_true(nm->flags & INSP_NAME_F_PORT);
		assert_int_equal(nm->port, 8080);
	}
	size_t end = h2_block_end(s, n);
	assert_true(end > 24 && end <= n);
	insp_init(&e->f, e->buf, BUF_CAP);
	for (size_t i = 0; i < n; i++) {
		enum insp_status st = insp_feed(&e->f, s + i, 1, e->set, e->scr, &out);
		/* The verdict falls with the HEADERS frame's last byte, and
		 * stays (SETTINGS ACK after it). */
		assert_int_equal(st, i + 1 < end ? INSP_NEED_MORE : INSP_MATCH);
	}

	/* An IPv4 literal: reported, not a host name, PASS. */
	n = hex_file("h2c/curl_ipv4.hex", s, sizeof(s));
	insp_init(&e->f, e->buf, BUF_CAP);
	assert_int_equal(insp_feed(&e->f, s, n, e->set, e->scr, &out), INSP_PASS);
	assert_int_equal(out.n_names, 1);
	assert_int_not_equal(out.names[0].host_status, HOST_OK);

	/* Host header sent as :authority, capitals normalised. */
	n = hex_file("h2c/curl_host_header.hex", s, sizeof(s));
	insp_init(&e->f, e->buf, BUF_CAP);
	assert_int_equal(insp_feed(&e->f, s, n, e->set, e->scr, &out), INSP_MATCH);
	assert_string_equal(out.names[out.decide].norm, "kaspersky.com");
}

static void test_h2c_limits(void **state)
{
	struct env *e = *state;
	static uint8_t s[20000];
	struct insp_out out;
	size_t n = hex_file("h2c/curl_continuation.hex", s, sizeof(s));

	/* A 17.5 KB header block does not fit: h2c TOO_BIG, GIVE_UP. */
	insp_init(&e->f, e->buf, BUF_CAP);
	enum insp_status st = INSP_NEED_MORE;
	for (size_t i = 0; i < n && st == INSP_NEED_MORE; i += 1448) {
		size_t k = n - i < 1448 ? n - i : 1448;
		st = insp_feed(&e->f, s + i, k, e->set, e->scr, &out);
	}
	assert_int_equal(st, INSP_GIVE_UP);
	assert_int_equal(out.proto, INSP_P_H2C);
	assert_int_equal(out.parse_reason, H2C_R_TOO_BIG);

	/* DATA before any HEADERS: a protocol error the server rejects too. */
	static const uint8_t data_first[] =
		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
		"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
		"\x00\x00\x01\x00\x00\x00\x00\x00\x01x";
	insp_init(&e->f, e->buf, BUF_CAP);
	assert_int_equal(insp_feed(&e->f, data_first, sizeof(data_first) - 1, e->set, e->scr,
				   &out), INSP_PASS);
	assert_int_equal(out.parse_status, H2C_MALFORMED);
	assert_int_equal(out.parse_reason, H2C_R_FRAME_ORDER);

	/* "PRI" without the preface stays HTTP/1's (NOT_HTTP, not_token). */
	insp_init(&e->f, e->buf, BUF_CAP);
	assert_int_equal(insp_feed(&e->f, (const uint8_t *)"PRI * HTTP/1.1\r\n", 16, e->set,
				   e->scr, &out), INSP_PASS);
	assert_int_equal(out.proto, INSP_P_HTTP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_udp_real),
		cmocka_unit_test(test_dns_udp_outcomes),
		cmocka_unit_test(test_dns_tcp),
		cmocka_unit_test(test_quic_rfc),
		cmocka_unit_test(test_quic_chromium),
		cmocka_unit_test(test_quic_unknown_version),
		cmocka_unit_test(test_h2c_curl),
		cmocka_unit_test(test_h2c_limits),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
