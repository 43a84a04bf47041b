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
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hostname.h"
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

/*
 * Feeds stream in chunks of `chunk` bytes; every call before the last
 * must be NEED_MORE and the verdict must fall exactly on the last byte.
 * Collects the names reported over all calls into *names.
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
		size_t k = n - off < chunk ? n - off : chunk;
		st = insp_feed(&f, s + off, k, e->set, e->scr, last);
		for (uint32_t i = 0; i < last->n_names; i++)
			names[(*n_names)++] = last->names[i];
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
	struct insp_name names[8];
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
	struct insp_name names[8];
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
	struct insp_name names[8];
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
	struct insp_name names[8];
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
	/* The same host in a Host header only: the connect-only rule is silent. */
	static const char get[] = "GET / HTTP/1.1\r\nHost: update.kaspersky-labs.com\r\n\r\n";
	assert_int_equal(feed_all(e, (const uint8_t *)get, sizeof(get) - 1, 5, &out, &at, names,
				  &nn),
			 INSP_PASS);
	assert_int_equal(at, sizeof(get) - 1);
	assert_int_equal(nn, 1);
}

static void test_http_ambiguous(void **state)
{
	struct env *e = *state;
	/* Allowed Host, barred absolute URI: the URI decides. */
	static const char req[] = "GET http://www.kaspersky.com/ HTTP/1.1\r\nHost: ok.kaspersky.com\r\n\r\n";
	struct insp_out out;
	struct insp_name names[8];
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
	struct insp_name names[8];
	size_t at, nn;

	static const char ssh[] = "SSH-2.0-OpenSSH_9.2\r\n";
	assert_int_equal(feed_all(e, (const uint8_t *)ssh, sizeof(ssh) - 1, 4, &out, &at, names, &nn),
			 INSP_PASS);
	assert_int_equal(nn, 0);
	assert_int_equal(out.proto, INSP_P_HTTP);

	static const char ip[] = "GET / HTTP/1.1\r\nHost: 10.1.2.3:80\r\n\r\n";
	assert_int_equal(feed_all(e, (const uint8_t *)ip, sizeof(ip) - 1, 7, &out, &at, names, &nn),
			 INSP_PASS);
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
	struct insp_name names[8];
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
	};
	return cmocka_run_group_tests_name("inspect", tests, setup, teardown);
}
