/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for client-stream inspection (dataplane/inspect.c) with a
 * small pack compiled here: ClientHellos split into records and fed in
 * chunks of every size, HTTP Host and CONNECT split anywhere, allow rules,
 * names that do not normalise, and the point at which each verdict falls.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "hostname.h"
#include "http_chunked_types.h"
#include "inspect.h"
#include "sig.h"

static const char PACK[] =
	"pack name=t version=1 date=2026-11-26\n"
	"block 10 domain=kaspersky.com category=brand\n"
	"block 11 exact=dnl-01.geo.kaspersky.com category=update\n"
	"allow 12 exact=ok.kaspersky.com category=other\n"
	"block 13 domain=kaspersky-labs.com category=licensing fields=connect\n";

struct env {
	struct sigset *set;
	struct sig_scratch *scr;
	uint8_t *buf;
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
	e->buf = malloc(TLS_HELLO_DEFAULT_CAP);
	if (e->scr == NULL || e->buf == NULL)
		return -1;
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	sig_scratch_free(e->scr);
	sig_set_free(e->set);
	free(e->buf);
	free(e);
	return 0;
}

/* ---- ClientHello builder ------------------------------------------- */

struct bb {
	uint8_t b[20000];
	size_t n;
};

static void put(struct bb *f, const void *p, size_t n)
{
	assert_true(f->n + n <= sizeof(f->b));
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void p8(struct bb *f, unsigned v)
{
	uint8_t x = (uint8_t)v;
	put(f, &x, 1);
}

static void p16(struct bb *f, unsigned v)
{
	p8(f, v >> 8);
	p8(f, v & 0xff);
}

static void p24(struct bb *f, unsigned v)
{
	p8(f, v >> 16);
	p16(f, v & 0xffff);
}

/* The handshake message (header + body) with one SNI entry per name and
 * pad bytes of a padding extension. */
static void hello_msg(struct bb *m, const char *const *names, size_t n_names, size_t pad)
{
	struct bb ext = {.n = 0}, body = {.n = 0}, sni = {.n = 0};

	for (size_t i = 0; i < n_names; i++) {
		p8(&sni, 0);
		p16(&sni, (unsigned)strlen(names[i]));
		put(&sni, names[i], strlen(names[i]));
	}
	p16(&ext, 0x0000);
	p16(&ext, (unsigned)sni.n + 2);
	p16(&ext, (unsigned)sni.n);
	put(&ext, sni.b, sni.n);
	if (pad > 0) {
		p16(&ext, 0x0015);
		p16(&ext, (unsigned)pad);
		for (size_t i = 0; i < pad; i++)
			p8(&ext, 0);
	}
	p16(&body, 0x0303);
	for (int i = 0; i < 32; i++)
		p8(&body, (unsigned)i);
	p8(&body, 0);
	p16(&body, 4);
	p16(&body, 0x1301);
	p16(&body, 0xc02f);
	p8(&body, 1);
	p8(&body, 0);
	p16(&body, (unsigned)ext.n);
	put(&body, ext.b, ext.n);
	m->n = 0;
	p8(m, 1);
	p24(m, (unsigned)body.n);
	put(m, body.b, body.n);
}

/* Wraps msg in TLS records of at most rec bytes of payload each. */
static void records(struct bb *out, const struct bb *msg, size_t rec)
{
	out->n = 0;
	for (size_t off = 0; off < msg->n; off += rec) {
		size_t k = msg->n - off < rec ? msg->n - off : rec;
		p8(out, 0x16);
		p16(out, 0x0301);
		p16(out, (unsigned)k);
		put(out, msg->b + off, k);
	}
}

#define FEED_NAMES_MAX 16

/*
 * Feeds stream in chunks of `chunk` bytes, each again from out->used while
 * a call stops early (at a later unit, with names to report); *verdict_at
 * is the end of the chunk in which the verdict fell (0: none fell).
 * Collects the names reported over all calls into names[FEED_NAMES_MAX].
 */
static enum insp_status feed_all(struct env *e, const uint8_t *s, size_t n, size_t chunk,
				 struct insp_out *last, size_t *verdict_at, struct insp_name *names,
				 size_t *n_names)
{
	struct insp_flow f;
	enum insp_status st = INSP_NEED_MORE;

	insp_init(&f, e->buf, TLS_HELLO_DEFAULT_CAP);
	*n_names = 0;
	*verdict_at = 0;
	for (size_t off = 0; off < n; off += chunk) {
		size_t k = n - off < chunk ? n - off : chunk, done = 0;
		do {
			st = insp_feed(&f, s + off + done, k - done, e->set, e->scr, last);
			assert_true(last->used <= k - done);
			for (uint32_t i = 0; i < last->n_names; i++) {
				assert_true(*n_names < FEED_NAMES_MAX);
				names[(*n_names)++] = last->names[i];
			}
			if (st == INSP_NEED_MORE && last->used < k - done)
				assert_true(last->used > 0 && last->n_names > 0);
			done += last->used;
		} while (st == INSP_NEED_MORE && done < k);
		if (st != INSP_NEED_MORE) {
			*verdict_at = off + k;
			break;
		}
	}
	/* Terminal is sticky and reports nothing new. */
	if (st != INSP_NEED_MORE) {
		struct insp_out again;
		assert_int_equal(insp_feed(&f, s, 1, e->set, e->scr, &again), st);
		assert_int_equal(again.n_names, 0);
	}
	return st;
}

static void test_tls_every_chunking(void **state)
{
	struct env *e = *state;
	const char *name[] = {"DNL-01.geo.Kaspersky.com."};
	struct bb msg, rec;
	struct insp_out out;
	struct insp_name names[FEED_NAMES_MAX];
	size_t at, nn;

	hello_msg(&msg, name, 1, 200);
	static const size_t recs[] = {1, 2, 7, 64, 16384};
	static const size_t chunks[] = {1, 2, 3, 5, 17, 100, 1000, 100000};
	for (size_t r = 0; r < sizeof(recs) / sizeof(recs[0]); r++) {
		records(&rec, &msg, recs[r]);
		for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			enum insp_status st = feed_all(e, rec.b, rec.n, chunks[c], &out, &at,
						       names, &nn);
			if ((msg.n + recs[r] - 1) / recs[r] > TLS_HELLO_DEFAULT_MAX_RECORDS) {
				/* Past the record limit a hello is MALFORMED:
				 * the caller's fail policy decides. */
				assert_int_equal(st, INSP_GIVE_UP);
				assert_int_equal(out.parse_status, TLS_MALFORMED);
				continue;
			}
			assert_int_equal(st, INSP_MATCH);
			assert_int_equal(at, rec.n);
			assert_int_equal(nn, 1);
			assert_int_equal(out.decide, 0);
			assert_string_equal(names[0].norm, "dnl-01.geo.kaspersky.com");
			assert_int_equal(names[0].raw_len, strlen(name[0]));
			assert_memory_equal(names[0].raw, name[0], names[0].raw_len);
			assert_int_equal(names[0].field, SIG_FIELD_SNI);
			assert_int_equal(names[0].v.id, 11);
			assert_int_equal(names[0].v.category, SIG_CAT_UPDATE);
			assert_int_equal(out.proto, INSP_P_TLS);
		}
	}
}

static void test_tls_pass_and_allow(void **state)
{
	struct env *e = *state;
	struct bb msg, rec;
	struct insp_out out;
	struct insp_name names[FEED_NAMES_MAX];
	size_t at, nn;

	const char *clean[] = {"www.example.org"};
	hello_msg(&msg, clean, 1, 0);
	records(&rec, &msg, 16384);
	assert_int_equal(feed_all(e, rec.b, rec.n, 10, &out, &at, names, &nn), INSP_PASS);
	assert_int_equal(nn, 1);
	assert_int_equal(names[0].match_rc, 0);
	assert_int_equal(at, rec.n);

	const char *allowed[] = {"OK.kaspersky.com"};
	hello_msg(&msg, allowed, 1, 0);
	records(&rec, &msg, 16384);
	assert_int_equal(feed_all(e, rec.b, rec.n, 10, &out, &at, names, &nn), INSP_PASS);
	assert_int_equal(names[0].match_rc, 1);
	assert_int_equal(names[0].v.id, 12);

	/* Two host_names (RFC 6066 forbids it): an allowed first one does
	 * not hide a barred second one. */
	const char *two[] = {"ok.kaspersky.com", "www.kaspersky.com"};
	hello_msg(&msg, two, 2, 0);
	records(&rec, &msg, 100);
	assert_int_equal(feed_all(e, rec.b, rec.n, 33, &out, &at, names, &nn), INSP_MATCH);
	assert_int_equal(nn, 2);
	assert_int_equal(out.decide, 1);
	assert_int_equal(names[1].v.id, 10);

	/* connect-only rule does not fire on SNI. */
	const char *labs[] = {"www.kaspersky-labs.com"};
	hello_msg(&msg, labs, 1, 0);
	records(&rec, &msg, 16384);
	assert_int_equal(feed_all(e, rec.b, rec.n, 1000, &out, &at, names, &nn), INSP_PASS);
}

static void test_http_host_split(void **state)
{
	struct env *e = *state;
	static const char req[] = "GET /x HTTP/1.1\r\nUser-Agent: t\r\nHost: WWW.Kaspersky.com:8080\r\n"
				  "Accept: */*\r\n\r\n";
	struct insp_out out;
	struct insp_name names[FEED_NAMES_MAX];
	size_t at, nn;
	/* The Host line is final when the byte after its LF arrives. */
	size_t host_end = (size_t)(strstr(req, "Accept") - req) + 1;

	for (size_t chunk = 1; chunk <= sizeof(req); chunk++) {
		enum insp_status st = feed_all(e, (const uint8_t *)req, sizeof(req) - 1, chunk,
					       &out, &at, names, &nn);
		assert_int_equal(st, INSP_MATCH);
		/* Decided in the chunk holding the first byte after the line. */
		assert_true(at >= host_end && at < host_end + chunk);
		assert_int_equal(nn, 1);
		assert_string_equal(names[0].norm, "www.kaspersky.com");
		assert_int_equal(names[0].field, SIG_FIELD_HTTP_HOST);
		assert_true(names[0].flags & INSP_NAME_F_PORT);
		assert_int_equal(names[0].port, 8080);
		assert_int_equal(names[0].v.id, 10);
		assert_int_equal(out.proto, INSP_P_HTTP);
	}
}

static void test_http_connect(void **state)
{
	struct env *e = *state;
	static const char req[] = "CONNECT update.kaspersky-labs.com:443 HTTP/1.1\r\n"
				  "Host: update.kaspersky-labs.com:443\r\n\r\n";
	struct insp_out out;
	struct insp_name names[FEED_NAMES_MAX];
	size_t at, nn;
	size_t line_end = (size_t)(strchr(req, '\n') - req) + 1;

	for (size_t chunk = 1; chunk <= 64; chunk++) {
		assert_int_equal(feed_all(e, (const uint8_t *)req, sizeof(req) - 1, chunk, &out,
					  &at, names, &nn),
				 INSP_MATCH);
		/* The authority is final with the request line's LF. */
		assert_true(at >= line_end && at < line_end + chunk);
		assert_int_equal(names[0].field, SIG_FIELD_CONNECT);
		assert_int_equal(names[0].v.id, 13);
		assert_string_equal(names[0].norm, "update.kaspersky-labs.com");
	}
	/* The same host in a Host header only: the connect-only rule is silent,
	 * and the clean head leaves the flow waiting for its next request. */
	static const char get[] = "GET / HTTP/1.1\r\nHost: update.kaspersky-labs.com\r\n\r\n";
	assert_int_equal(feed_all(e, (const uint8_t *)get, sizeof(get) - 1, 5, &out, &at, names,
				  &nn),
			 INSP_NEED_MORE);
	assert_int_equal(at, 0);
	assert_int_equal(nn, 1);
}

static void test_http_ambiguous(void **state)
{
	struct env *e = *state;
	/* Allowed Host, barred absolute URI: the URI decides. */
	static const char req[] = "GET http://www.kaspersky.com/ HTTP/1.1\r\nHost: ok.kaspersky.com\r\n\r\n";
	struct insp_out out;
	struct insp_name names[FEED_NAMES_MAX];
	size_t at, nn;

	assert_int_equal(feed_all(e, (const uint8_t *)req, sizeof(req) - 1, 3, &out, &at, names, &nn),
			 INSP_MATCH);
	assert_int_equal(names[out.decide].v.id, 10);
	/* Reversed: the allowed URI does not hide the barred Host. */
	static const char rev[] = "GET http://ok.kaspersky.com/ HTTP/1.1\r\nHost: www.kaspersky.com\r\n\r\n";
	assert_int_equal(feed_all(e, (const uint8_t *)rev, sizeof(rev) - 1, 3, &out, &at, names, &nn),
			 INSP_MATCH);
	assert_int_equal(nn, 2);
	assert_int_equal(names[0].v.id, 12);
	assert_int_equal(names[1].v.id, 10);
}

static void test_not_names(void **state)
{
	struct env *e = *state;
	struct insp_out out;
	struct insp_name names[FEED_NAMES_MAX];
	size_t at, nn;

	static const char ssh[] = "SSH-2.0-OpenSSH_9.2\r\n";
	assert_int_equal(feed_all(e, (const uint8_t *)ssh, sizeof(ssh) - 1, 4, &out, &at, names, &nn),
			 INSP_PASS);
	assert_int_equal(nn, 0);
	assert_int_equal(out.proto, INSP_P_HTTP);

	static const char ip[] = "GET / HTTP/1.1\r\nHost: 10.1.2.3:80\r\n\r\n";
	assert_int_equal(feed_all(e, (const uint8_t *)ip, sizeof(ip) - 1, 7, &out, &at, names, &nn),
			 INSP_NEED_MORE);
	assert_int_equal(nn, 1);
	assert_int_equal(names[0].host_status, HOST_IP_LITERAL);
	assert_int_equal(names[0].match_rc, 0);

	/* A non-handshake TLS record is not a hello. */
	static const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
	assert_int_equal(feed_all(e, alert, sizeof(alert), 1, &out, &at, names, &nn), INSP_PASS);
	assert_int_equal(out.proto, INSP_P_HTTP);
	static const uint8_t bad_rec[] = {0x16, 0x03, 0x01, 0x00, 0x00};
	assert_int_equal(feed_all(e, bad_rec, sizeof(bad_rec), 1, &out, &at, names, &nn), INSP_PASS);
	assert_int_equal(out.proto, INSP_P_TLS);
	assert_int_equal(out.parse_status, TLS_MALFORMED);
}

/* Without a set, names are still extracted (replay --log-names keeps working). */
static void test_no_set(void **state)
{
	struct env *e = *state;
	const char *name[] = {"www.kaspersky.com"};
	struct bb msg, rec;
	struct insp_flow f;
	struct insp_out out;

	hello_msg(&msg, name, 1, 0);
	records(&rec, &msg, 16384);
	insp_init(&f, e->buf, TLS_HELLO_DEFAULT_CAP);
	assert_int_equal(insp_feed(&f, rec.b, rec.n, NULL, NULL, &out), INSP_PASS);
	assert_int_equal(out.n_names, 1);
	assert_int_equal(out.names[0].match_rc, 0);
	assert_string_equal(out.names[0].norm, "www.kaspersky.com");
	/* Empty feeds change nothing. */
	insp_init(&f, e->buf, TLS_HELLO_DEFAULT_CAP);
	assert_int_equal(insp_feed(&f, NULL, 0, e->set, e->scr, &out), INSP_NEED_MORE);
	assert_int_equal(f.proto, INSP_P_UNKNOWN);
}

/* A hello bigger than the gather buffer cannot be read: GIVE_UP, for the
 * caller's fail policy; so is an HTTP head past its buffer. */
static void test_too_big(void **state)
{
	struct env *e = *state;
	const char *name[] = {"www.kaspersky.com"};
	struct bb msg, rec;
	struct insp_flow f;
	struct insp_out out;

	hello_msg(&msg, name, 1, 3000);
	records(&rec, &msg, 16384);
	insp_init(&f, e->buf, 1024);
	assert_int_equal(insp_feed(&f, rec.b, rec.n, e->set, e->scr, &out), INSP_GIVE_UP);
	assert_int_equal(out.parse_status, TLS_MALFORMED);
	assert_int_equal(out.parse_reason, TLS_R_TOO_BIG);
	static const char head[] = "GET / HTTP/1.1\r\nHost: example.org\r\nCookie: aaaaaaaaaaaaaaaaaaaa\r\n";
	insp_init(&f, e->buf, 40);
	assert_int_equal(insp_feed(&f, (const uint8_t *)head, sizeof(head) - 1, e->set, e->scr, &out),
			 INSP_GIVE_UP);
	assert_int_equal(out.parse_reason, HTTP_R_HEAD_TOO_LONG);
	/* A barred name seen before the limit still decides. */
	static const char head2[] = "GET / HTTP/1.1\r\nHost: kaspersky.com\r\nCookie: aaaaaaaaaaaaaaaaaaaa\r\n";
	insp_init(&f, e->buf, 50);
	assert_int_equal(insp_feed(&f, (const uint8_t *)head2, sizeof(head2) - 1, e->set, e->scr, &out),
			 INSP_MATCH);
	assert_string_equal(insp_status_str(INSP_MATCH), "match");
}

/* Each distinct (field, name) pair is reported once per flow; every name is
 * still matched. */
static void test_names_once(void **state)
{
	struct env *e = *state;
	struct insp_out out;
	struct insp_name names[FEED_NAMES_MAX];
	size_t at, nn;

	static const char abs_same[] = "GET http://www.example.org/x HTTP/1.1\r\n"
				       "Host: WWW.Example.org.\r\nAccept: */*\r\n\r\n";
	for (size_t chunk = 1; chunk <= sizeof(abs_same); chunk += 7) {
		feed_all(e, (const uint8_t *)abs_same, sizeof(abs_same) - 1, chunk, &out, &at,
			 names, &nn);
		assert_int_equal(nn, 1);
		assert_string_equal(names[0].norm, "www.example.org");
		assert_int_equal(names[0].field, SIG_FIELD_HTTP_HOST);
	}
	/* Same name, two fields: both reported. */
	static const char conn[] = "CONNECT www.example.org:443 HTTP/1.1\r\n"
				   "Host: www.example.org:443\r\n\r\n";
	feed_all(e, (const uint8_t *)conn, sizeof(conn) - 1, 5, &out, &at, names, &nn);
	assert_int_equal(nn, 2);
	assert_int_equal(names[0].field, SIG_FIELD_CONNECT);
	assert_int_equal(names[1].field, SIG_FIELD_HTTP_HOST);
	/* IP literals have no normal form: compared as sent. */
	static const char ips[] = "GET http://10.1.2.3/ HTTP/1.1\r\nHost: 10.1.2.3\r\n\r\n";
	feed_all(e, (const uint8_t *)ips, sizeof(ips) - 1, 3, &out, &at, names, &nn);
	assert_int_equal(nn, 1);
	static const char ips2[] = "GET http://10.1.2.3/ HTTP/1.1\r\nHost: 10.1.2.4\r\n\r\n";
	feed_all(e, (const uint8_t *)ips2, sizeof(ips2) - 1, 3, &out, &at, names, &nn);
	assert_int_equal(nn, 2);
	/* A duplicate SNI (RFC 6066 forbids it) is reported once ... */
	const char *dup[] = {"www.example.org", "WWW.example.org"};
	struct bb msg, rec;
	hello_msg(&msg, dup, 2, 0);
	records(&rec, &msg, 16384);
	assert_int_equal(feed_all(e, rec.b, rec.n, 50, &out, &at, names, &nn), INSP_PASS);
	assert_int_equal(nn, 1);
	/* ... and a barred one still decides when it repeats an earlier name. */
	const char *dup_barred[] = {"www.kaspersky.com", "www.kaspersky.com"};
	hello_msg(&msg, dup_barred, 2, 0);
	records(&rec, &msg, 16384);
	assert_int_equal(feed_all(e, rec.b, rec.n, 50, &out, &at, names, &nn), INSP_MATCH);
	assert_int_equal(names[out.decide].v.id, 10);
}

/* ---- later units: keep-alive requests, CONNECT tunnels ------------- */

static size_t cat(uint8_t *dst, size_t o, const void *p, size_t n)
{
	memcpy(dst + o, p, n);
	return o + n;
}

/* Every chunking of s gives st, with the verdict in the chunk holding byte
 * at - 1 (at 0: no verdict), and the names want (norm) in order. */
static void every_chunking(struct env *e, const uint8_t *s, size_t n, enum insp_status st,
			   size_t at, const char *const *want, size_t n_want, uint32_t id)
{
	struct insp_out out;
	struct insp_name names[FEED_NAMES_MAX];
	size_t got_at, nn;

	for (size_t chunk = 1; chunk <= n; chunk += chunk < 64 ? 1 : 37) {
		enum insp_status r = feed_all(e, s, n, chunk, &out, &got_at, names, &nn);
		if (r != st)
			fail_msg("chunk %zu: status %s, want %s", chunk, insp_status_str(r),
				 insp_status_str(st));
		if (at == 0)
			assert_int_equal(got_at, 0);
		else if (got_at < at || got_at >= at + chunk)
			fail_msg("chunk %zu: verdict at %zu, want [%zu, %zu)", chunk, got_at, at,
				 at + chunk);
		assert_int_equal(nn, n_want);
		for (size_t i = 0; i < n_want; i++) {
			assert_string_equal(names[i].norm, want[i]);
			/* Earlier units' names still point at their bytes:
			 * each unit gathers past the ones before it. */
			assert_int_equal(names[i].raw_len, strlen(want[i]));
			assert_int_equal(strncasecmp((const char *)names[i].raw, want[i],
						     names[i].raw_len), 0);
		}
		if (st == INSP_MATCH)
			assert_int_equal(out.names[out.decide].v.id, id);
	}
}

static void test_keepalive(void **state)
{
	struct env *e = *state;
	static uint8_t s[8192];
	size_t n, at;

	/* Two requests, the second barred: decided one byte after its Host line. */
	static const char two[] = "GET /a HTTP/1.1\r\nHost: www.example.org\r\n\r\n"
				  "GET /b HTTP/1.1\r\nHost: WWW.Kaspersky.com\r\nAccept: */*\r\n\r\n";
	const char *two_names[] = {"www.example.org", "www.kaspersky.com"};
	at = (size_t)(strstr(two, "Accept") - two) + 1;
	every_chunking(e, (const uint8_t *)two, sizeof(two) - 1, INSP_MATCH, at, two_names, 2, 10);

	/* A POST whose body looks like a barred request is not read as one;
	 * the request after the body is. */
	static const char fake[] = "GET / HTTP/1.1\r\nHost: www.kaspersky.com\r\n\r\n";
	char head[128];
	snprintf(head, sizeof(head), "POST /up HTTP/1.1\r\nHost: www.example.org\r\n"
		 "Content-Length: %zu\r\n\r\n", sizeof(fake) - 1);
	static const char third[] = "GET /c HTTP/1.1\r\nHost: dnl-01.geo.kaspersky.com\r\n\r\n";
	n = cat(s, 0, head, strlen(head));
	n = cat(s, n, fake, sizeof(fake) - 1);
	size_t body_end = n;
	n = cat(s, n, third, sizeof(third) - 1);
	const char *post_names[] = {"www.example.org", "dnl-01.geo.kaspersky.com"};
	/* (a last Host line is final with the first byte of the empty line) */
	every_chunking(e, s, n, INSP_MATCH, n - 1, post_names, 2, 11);
	/* Without the third request: nothing barred, still reading. */
	every_chunking(e, s, body_end, INSP_NEED_MORE, 0, post_names, 1, 0);

	/* A chunked body, then a barred request. */
	static const char chunked[] = "POST /up HTTP/1.1\r\nHost: a.example.org\r\n"
				      "Transfer-Encoding: gzip, chunked\r\n\r\n"
				      "15;x=y\r\nHost: kaspersky.com\r\n\r\n0\r\nT: 1\r\n\r\n"
				      "GET / HTTP/1.1\r\nHost: my.kaspersky.com\r\n\r\n";
	const char *chunked_names[] = {"a.example.org", "my.kaspersky.com"};
	every_chunking(e, (const uint8_t *)chunked, sizeof(chunked) - 1, INSP_MATCH,
		       sizeof(chunked) - 2, chunked_names, 2, 10);

	/* Unreliable framing ends the inspection at the end of the head. */
	static const char two_cl[] = "POST / HTTP/1.1\r\nHost: a.example.org\r\nContent-Length: 5\r\n"
				     "Content-Length: 6\r\n\r\n"
				     "GET / HTTP/1.1\r\nHost: www.kaspersky.com\r\n\r\n";
	at = (size_t)(strstr(two_cl, "\r\n\r\n") - two_cl) + 4;
	every_chunking(e, (const uint8_t *)two_cl, sizeof(two_cl) - 1, INSP_PASS, at,
		       chunked_names, 1, 0);
	/* So does a chunked syntax error (PASS) or a chunked limit (GIVE_UP). */
	static const char bad_chunk[] = "POST / HTTP/1.1\r\nHost: a.example.org\r\n"
					"Transfer-Encoding: chunked\r\n\r\nZZ\r\n";
	at = (size_t)(strstr(bad_chunk, "ZZ") - bad_chunk) + 1;
	every_chunking(e, (const uint8_t *)bad_chunk, sizeof(bad_chunk) - 1, INSP_PASS, at,
		       chunked_names, 1, 0);
	n = (size_t)snprintf((char *)s, sizeof(s), "POST / HTTP/1.1\r\nHost: a.example.org\r\n"
			     "Transfer-Encoding: chunked\r\n\r\n5;");
	memset(s + n, 'e', HTTP_CHUNKED_LINE_MAX);
	every_chunking(e, s, n + HTTP_CHUNKED_LINE_MAX, INSP_GIVE_UP, n + HTTP_CHUNKED_LINE_MAX - 1,
		       chunked_names, 1, 0);

	/* Pipelined requests in one segment: every name reported, in order, over
	 * as many calls as needed; the same Host again is not reported again. */
	static const char pipe[] = "GET /1 HTTP/1.1\r\nHost: a.example.org\r\n\r\n"
				   "GET /2 HTTP/1.1\r\nHost: b.example.org\r\n\r\n"
				   "GET /3 HTTP/1.1\r\nHost: a.example.org\r\n\r\n"
				   "HEAD /4 HTTP/1.1\r\nHost: c.example.org\r\n\r\n";
	const char *pipe_names[] = {"a.example.org", "b.example.org", "c.example.org"};
	every_chunking(e, (const uint8_t *)pipe, sizeof(pipe) - 1, INSP_NEED_MORE, 0, pipe_names,
		       3, 0);
}

static void test_connect_tunnel(void **state)
{
	struct env *e = *state;
	static uint8_t s[4096];
	struct bb msg, rec;
	size_t n;

	/* CONNECT to an IP literal, then a hello with a barred SNI: the SNI
	 * decides when the hello is complete. */
	static const char ip[] = "CONNECT 203.0.113.5:443 HTTP/1.1\r\nHost: 203.0.113.5:443\r\n\r\n";
	const char *barred[] = {"www.kaspersky.com"};
	hello_msg(&msg, barred, 1, 0);
	records(&rec, &msg, 100);
	n = cat(s, 0, ip, sizeof(ip) - 1);
	n = cat(s, n, rec.b, rec.n);
	const char *ip_names[] = {"", "", "www.kaspersky.com"};
	struct insp_out out;
	struct insp_name names[FEED_NAMES_MAX];
	size_t at, nn;
	for (size_t chunk = 1; chunk <= n; chunk += chunk < 40 ? 1 : 29) {
		assert_int_equal(feed_all(e, s, n, chunk, &out, &at, names, &nn), INSP_MATCH);
		assert_true(at >= n && at < n + chunk);
		assert_int_equal(nn, 3);
		assert_int_equal(names[0].field, SIG_FIELD_CONNECT);
		assert_int_equal(names[0].host_status, HOST_IP_LITERAL);
		assert_int_equal(names[1].field, SIG_FIELD_HTTP_HOST);
		assert_int_equal(names[2].field, SIG_FIELD_SNI);
		assert_string_equal(names[2].norm, ip_names[2]);
		assert_memory_equal(names[2].raw, "www.kaspersky.com", names[2].raw_len);
		assert_int_equal(out.proto, INSP_P_TLS);
		assert_int_equal(out.names[out.decide].v.id, 10);
	}

	/* An allowed host and an allowed SNI: PASS with the hello. */
	static const char ok[] = "CONNECT www.example.org:443 HTTP/1.1\r\n"
				 "Host: www.example.org:443\r\nProxy-Connection: Keep-Alive\r\n\r\n";
	const char *clean[] = {"www.example.org"};
	hello_msg(&msg, clean, 1, 300);
	records(&rec, &msg, 16384);
	n = cat(s, 0, ok, sizeof(ok) - 1);
	n = cat(s, n, rec.b, rec.n);
	for (size_t chunk = 1; chunk <= n; chunk += chunk < 40 ? 1 : 29) {
		assert_int_equal(feed_all(e, s, n, chunk, &out, &at, names, &nn), INSP_PASS);
		assert_true(at >= n && at < n + chunk);
		assert_int_equal(nn, 3); /* connect, http_host, sni: one name, three fields */
		assert_int_equal(names[2].field, SIG_FIELD_SNI);
		assert_string_equal(names[2].norm, "www.example.org");
	}
	/* Plain HTTP through the tunnel is read as a request. */
	static const char http[] = "CONNECT www.example.org:80 HTTP/1.1\r\n\r\n"
				   "GET / HTTP/1.1\r\nHost: s01.upd.kaspersky.com\r\n\r\n";
	const char *http_names[] = {"www.example.org", "s01.upd.kaspersky.com"};
	every_chunking(e, (const uint8_t *)http, sizeof(http) - 1, INSP_MATCH, sizeof(http) - 2,
		       http_names, 2, 10);
	/* Anything else in the tunnel ends the inspection. */
	static const char ssh[] = "CONNECT www.example.org:22 HTTP/1.1\r\n\r\nSSH-2.0-OpenSSH_9.2\r\n";
	at = (size_t)(strstr(ssh, "SSH") - ssh) + 6; /* the '.' of "SSH-2." */
	every_chunking(e, (const uint8_t *)ssh, sizeof(ssh) - 1, INSP_PASS, at, http_names, 1, 0);

	/* insp_in_followup: false on a fresh flow, true once the CONNECT head
	 * is read, false again once a verdict fell. */
	struct insp_flow f;
	insp_init(&f, e->buf, TLS_HELLO_DEFAULT_CAP);
	assert_false(insp_in_followup(&f));
	assert_int_equal(insp_feed(&f, (const uint8_t *)ok, sizeof(ok) - 1, e->set, e->scr, &out),
			 INSP_NEED_MORE);
	assert_true(insp_in_followup(&f));
	assert_int_equal(insp_feed(&f, rec.b, rec.n, e->set, e->scr, &out), INSP_PASS);
	assert_false(insp_in_followup(&f));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_every_chunking),
		cmocka_unit_test(test_tls_pass_and_allow),
		cmocka_unit_test(test_http_host_split),
		cmocka_unit_test(test_http_connect),
		cmocka_unit_test(test_http_ambiguous),
		cmocka_unit_test(test_not_names),
		cmocka_unit_test(test_no_set),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_names_once),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_connect_tunnel),
	};
	return cmocka_run_group_tests_name("inspect", tests, setup, teardown);
}
