/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the DNS query parser and the refusal builder.
 *
 * - Real queries from dig, drill and the glibc stub resolver
 *   (tests/data/dns/queries.tsv, made by tests/data/dns/capture.sh).
 * - Queries built here: every header case, label and name bounds, EDNS,
 *   records, every truncation, the TCP framing at every split.
 * - Refusals: built for each query, then read back field by field.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "kb_test.h"

#include "dns.h"

/* A query under construction. */
struct q_buf {
	uint8_t b[1024];
	size_t n;
};

static void put(struct q_buf *q, const void *p, size_t n)
{
	assert_true(q->n + n <= sizeof(q->b));
	memcpy(q->b + q->n, p, n);
	q->n += n;
}

static void put8(struct q_buf *q, uint8_t v)
{
	put(q, &v, 1);
}

static void put16(struct q_buf *q, uint16_t v)
{
	put8(q, (uint8_t)(v >> 8));
	put8(q, (uint8_t)v);
}

static void header(struct q_buf *q, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
		   uint16_t ns, uint16_t ar)
{
	q->n = 0;
	put16(q, id);
	put16(q, flags);
	put16(q, qd);
	put16(q, an);
	put16(q, ns);
	put16(q, ar);
}

/* Appends a dotted name in wire form ("" is the root). */
static void name(struct q_buf *q, const char *dotted)
{
	const char *p = dotted;

	while (*p != '\0') {
		size_t n = strcspn(p, ".");

		put8(q, (uint8_t)n);
		put(q, p, n);
		p += n;
		if (*p == '.')
			p++;
	}
	put8(q, 0);
}

static void opt(struct q_buf *q, uint16_t udp, uint8_t version, bool dnssec_ok,
		const uint8_t *rdata, uint16_t rdlen)
{
	put8(q, 0);
	put16(q, 41);
	put16(q, udp);
	put8(q, 0);
	put8(q, version);
	put16(q, dnssec_ok ? 0x8000 : 0);
	put16(q, rdlen);
	if (rdlen > 0)
		put(q, rdata, rdlen);
}

/* A standard query: id 0x1234, RD, one question, optional OPT. */
static void simple(struct q_buf *q, const char *qname, uint16_t qtype, bool edns)
{
	header(q, 0x1234, 0x0100, 1, 0, 0, edns ? 1 : 0);
	name(q, qname);
	put16(q, qtype);
	put16(q, 1);
	if (edns)
		opt(q, 4096, 0, false, NULL, 0);
}

/* Parses through an exact-size copy so ASan sees any over-read. */
static enum dns_status parse(const struct q_buf *qb, struct dns_query *q, char *nm, size_t cap)
{
	uint8_t *copy = malloc(qb->n > 0 ? qb->n : 1);
	enum dns_status s;

	assert_non_null(copy);
	memcpy(copy, qb->b, qb->n);
	s = dns_parse_query(copy, qb->n, q, nm, cap);
	assert_int_equal(s, q->status);
	free(copy);
	return s;
}

static void assert_reason(const struct dns_query *q, enum dns_status s, enum dns_reason r)
{
	if (q->status != s || q->reason != r)
		fail_msg("want %s/%s, got %s/%s", dns_status_str(s), dns_reason_str(r),
			 dns_status_str(q->status), dns_reason_str(q->reason));
}

/*
 * Builds the refusal of an OK query and reads it back: header, question bytes,
 * counts and the OPT echo. Returns the refusal's length.
 */
static size_t check_refusal(const uint8_t *msg, size_t len, const struct dns_query *q,
			    uint8_t rcode, bool tcp)
{
	uint8_t out[DNS_REFUSAL_MAX];
	const uint8_t *r = out;
	size_t n = dns_build_refusal(msg, len, q, rcode, tcp, out, sizeof(out)), body;
	uint16_t f;
	bool edns = (q->flags & DNS_F_EDNS) != 0;
	struct dns_query back;
	char nm[DNS_NAME_BUF];

	assert_true(n > 0);
	body = DNS_HDR_LEN + q->question_len + (edns ? 11 : 0);
	assert_int_equal(n, body + (tcp ? 2 : 0));
	if (tcp) {
		assert_int_equal((size_t)(r[0] << 8 | r[1]), body);
		r += 2;
	}
	assert_int_equal(r[0] << 8 | r[1], q->id);
	f = (uint16_t)(r[2] << 8 | r[3]);
	assert_true(f & 0x8000);                              /* QR */
	assert_int_equal((f >> 11) & 0xf, 0);                 /* QUERY */
	assert_int_equal(f & 0x0400, 0);                      /* AA */
	assert_int_equal(f & 0x0200, 0);                      /* TC */
	assert_int_equal(f & 0x0100, q->hdr_flags & 0x0100); /* RD copied */
	assert_int_equal(!!(f & 0x0080), !!(q->hdr_flags & 0x0100)); /* RA = RD */
	assert_int_equal(f & 0x0040, 0);                      /* Z */
	assert_int_equal(f & 0x0020, 0);                      /* AD */
	assert_int_equal(f & 0x0010, q->hdr_flags & 0x0010); /* CD copied */
	assert_int_equal(f & 0x000f, rcode);
	assert_int_equal(r[4] << 8 | r[5], 1);
	assert_int_equal(r[6] << 8 | r[7], 0);
	assert_int_equal(r[8] << 8 | r[9], 0);
	assert_int_equal(r[10] << 8 | r[11], edns ? 1 : 0);
	assert_memory_equal(r + 12, msg + 12, q->question_len);
	if (edns) {
		const uint8_t *o = r + 12 + q->question_len;

		assert_int_equal(o[0], 0);
		assert_int_equal(o[1] << 8 | o[2], 41);
		assert_int_equal(o[3] << 8 | o[4], DNS_EDNS_UDP_SIZE);
		assert_int_equal(o[5], 0);
		assert_int_equal(o[6], 0);
		assert_int_equal(!!(o[7] & 0x80), !!(q->flags & DNS_F_DO));
		assert_int_equal(o[7] & 0x7f, 0);
		assert_int_equal(o[8], 0);
		assert_int_equal(o[9] << 8 | o[10], 0);
	}
	/* a response: the parser calls it NOT_QUERY, and finds nothing else wrong */
	assert_int_equal(dns_parse_query(r, body, &back, nm, sizeof(nm)), DNS_NOT_QUERY);
	assert_int_equal(back.reason, DNS_R_RESPONSE);
	/* flip QR back and it parses as the same question */
	{
		uint8_t copy[DNS_REFUSAL_MAX];
		char nm2[DNS_NAME_BUF];
		struct dns_query orig;

		memcpy(copy, r, body);
		copy[2] &= 0x7f;
		assert_int_equal(dns_parse_query(copy, body, &back, nm, sizeof(nm)), DNS_OK);
		assert_int_equal(dns_parse_query(msg, len, &orig, nm2, sizeof(nm2)), DNS_OK);
		assert_int_equal(back.name_len, orig.name_len);
		assert_memory_equal(nm, nm2, back.name_len);
		assert_int_equal(back.qtype, q->qtype);
		assert_int_equal(back.qclass, q->qclass);
	}
	/* one byte short of room: nothing written */
	assert_int_equal(dns_build_refusal(msg, len, q, rcode, tcp, out, n - 1), 0);
	return n;
}

/* ------------------------------------------------------------------------ */

struct real_q {
	char client[32];
	char transport[8];
	uint8_t msg[512];
	size_t len;
};

static size_t read_real(struct real_q *rq, size_t max)
{
	char path[512], line[2048];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/dns/queries.tsv", kb_data_dir());
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot read %s", path);
	while (n < max && fgets(line, sizeof(line), f) != NULL) {
		char *t1 = strchr(line, '\t'), *t2;

		if (t1 == NULL || (t2 = strchr(t1 + 1, '\t')) == NULL)
			continue;
		*t1 = *t2 = '\0';
		snprintf(rq[n].client, sizeof(rq[n].client), "%.31s", line);
		snprintf(rq[n].transport, sizeof(rq[n].transport), "%.7s", t1 + 1);
		rq[n].len = kb_unhex(t2 + 1, rq[n].msg, sizeof(rq[n].msg));
		n++;
	}
	fclose(f);
	return n;
}

static void test_real_queries(void **state)
{
	static const struct {
		const char *client, *name;
		uint16_t qtype;
		uint32_t flags; /* expected flag bits among RD, CD, EDNS, DO */
	} want[] = {
		{ "dig_edns", "dnl-01.geo.kaspersky.com", 1, DNS_F_RD | DNS_F_EDNS },
		{ "dig_dnssec", "Kaspersky.COM", 28, DNS_F_RD | DNS_F_EDNS | DNS_F_DO },
		{ "dig_noedns", "ksn-a-stat-geo.kaspersky-labs.com", 1, DNS_F_RD },
		{ "dig_root", "", 2, DNS_F_RD | DNS_F_EDNS },
		{ "dig_tcp", "updates.kaspersky.com", 16, DNS_F_RD | DNS_F_EDNS },
		{ "drill_udp", "click.kaspersky.com", 1, DNS_F_RD },
		{ "glibc", "activation-v2.kaspersky.com", 1, DNS_F_RD | DNS_F_EDNS },
	};
	static struct real_q rq[16];
	size_t n = read_real(rq, 16), i, k;

	(void)state;
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < n; i++) {
		struct dns_query q;
		char nm[DNS_NAME_BUF];
		const uint8_t *msg = rq[i].msg;
		size_t len = rq[i].len;
		bool tcp = strcmp(rq[i].transport, "tcp") == 0;

		assert_string_equal(rq[i].client, want[i].client);
		if (tcp) {
			assert_int_equal(dns_parse_tcp_query(msg, len, &q, nm, sizeof(nm)), DNS_OK);
			/* every prefix of the stream waits for the rest */
			for (k = 0; k < len; k++) {
				struct dns_query p;
				char pn[DNS_NAME_BUF];

				assert_int_equal(dns_parse_tcp_query(msg, k, &p, pn, sizeof(pn)),
						 DNS_NEED_MORE);
				assert_true(p.need >= 1 && p.need <= len - k + DNS_HDR_LEN);
				if (k >= 2)
					assert_int_equal(p.need, len - k);
			}
			msg += 2;
			len -= 2;
		} else {
			assert_int_equal(dns_parse_query(msg, len, &q, nm, sizeof(nm)), DNS_OK);
		}
		print_message("%-10s %s %-36s qtype %u flags %#x\n", rq[i].client,
			      rq[i].transport, nm, q.qtype, q.flags);
		assert_string_equal(nm, want[i].name);
		assert_int_equal(q.name_len, strlen(want[i].name));
		assert_int_equal(q.qtype, want[i].qtype);
		assert_int_equal(q.qclass, 1);
		assert_int_equal(q.flags & (DNS_F_RD | DNS_F_CD | DNS_F_EDNS | DNS_F_DO),
				 want[i].flags);
		assert_int_equal(q.flags & ~(uint32_t)(DNS_F_RD | DNS_F_CD | DNS_F_EDNS | DNS_F_DO), 0);
		check_refusal(msg, len, &q, DNS_RCODE_NXDOMAIN, false);
		check_refusal(msg, len, &q, DNS_RCODE_REFUSED, false);
		check_refusal(msg, len, &q, DNS_RCODE_NXDOMAIN, true);
		/* every truncation of the message is malformed, never OK with a name */
		for (k = 0; k < len; k++) {
			struct dns_query p;
			char pn[DNS_NAME_BUF];

			assert_int_equal(dns_parse_query(msg, k, &p, pn, sizeof(pn)), DNS_MALFORMED);
		}
	}
}

static void test_header(void **state)
{
	struct q_buf b;
	struct dns_query q;
	char nm[DNS_NAME_BUF];

	(void)state;
	simple(&b, "www.example.com", 1, false);
	assert_int_equal(parse(&b, &q, nm, sizeof(nm)), DNS_OK);
	assert_int_equal(q.id, 0x1234);
	assert_int_equal(q.qdcount, 1);
	assert_int_equal(q.question_off, 12);
	assert_int_equal(q.question_len, 17 + 4);
	assert_int_equal(q.msg_len, b.n);
	assert_string_equal(nm, "www.example.com");

	/* a response, other opcodes */
	b.b[2] |= 0x80;
	parse(&b, &q, nm, sizeof(nm));
	assert_reason(&q, DNS_NOT_QUERY, DNS_R_RESPONSE);
	assert_string_equal(nm, "");
	b.b[2] = (uint8_t)(4 << 3 | 1); /* NOTIFY */
	parse(&b, &q, nm, sizeof(nm));
	assert_reason(&q, DNS_NOT_QUERY, DNS_R_OPCODE);
	assert_int_equal(q.opcode, 4);
	b.b[2] = (uint8_t)(5 << 3); /* UPDATE */
	parse(&b, &q, nm, sizeof(nm));
	assert_reason(&q, DNS_NOT_QUERY, DNS_R_OPCODE);

	/* AA, TC, Z, AD, RCODE in a query are tolerated and flagged */
	{
		static const uint16_t odd[] = { 0x0400, 0x0200, 0x0040, 0x0005 };

		for (size_t i = 0; i < 4; i++) {
			simple(&b, "a.example", 1, false);
			b.b[2] = (uint8_t)(odd[i] >> 8);
			b.b[3] = (uint8_t)odd[i];
			assert_int_equal(parse(&b, &q, nm, sizeof(nm)), DNS_OK);
			assert_true(q.flags & DNS_F_ODD_HEADER);
			assert_false(q.flags & DNS_F_RD);
		}
	}
	/* CD, AD */
	simple(&b, "a.example", 1, false);
	b.b[3] = 0x30;
	assert_int_equal(parse(&b, &q, nm, sizeof(nm)), DNS_OK);
	assert_true(q.flags & DNS_F_CD);
	assert_false(q.flags & DNS_F_ODD_HEADER);

	/* QDCOUNT 0: a cookie-only query, no name */
	header(&b, 7, 0, 0, 0, 0, 1);
	{
		static const uint8_t cookie[12] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };

		opt(&b, 1232, 0, false, cookie, sizeof(cookie));
	}
	assert_int_equal(parse(&b, &q, nm, sizeof(nm)), DNS_OK);
	assert_true(q.flags & DNS_F_NO_QUESTION);
	assert_true(q.flags & DNS_F_EDNS);
	assert_int_equal(q.name_len, 0);
	assert_int_equal(q.question_len, 0);
	{
		uint8_t out[DNS_REFUSAL_MAX];

		assert_int_equal(dns_build_refusal(b.b, b.n, &q, DNS_RCODE_REFUSED, false, out,
						   sizeof(out)),
				 0);
	}
	/* QDCOUNT 2 */
	header(&b, 7, 0x0100, 2, 0, 0, 0);
	name(&b, "a.example");
	put16(&b, 1);
	put16(&b, 1);
	name(&b, "b.example");
	put16(&b, 1);
	put16(&b, 1);
	parse(&b, &q, nm, sizeof(nm));
	assert_reason(&q, DNS_MALFORMED, DNS_R_QDCOUNT);
	assert_int_equal(q.qdcount, 2);

	/* short header */
	b.n = 11;
	parse(&b, &q, nm, sizeof(nm));
	assert_reason(&q, DNS_MALFORMED, DNS_R_SHORT);
	assert_int_equal(dns_parse_query(NULL, 0, &q, nm, sizeof(nm)), DNS_MALFORMED);
}

static void test_names(void **state)
{
	struct q_buf b;
	struct dns_query q;
	char nm[DNS_NAME_BUF], label63[64], longname[300];
	size_t i;

	(void)state;
	/* the root */
	simple(&b, "", 2, true);
	assert_int_equal(parse(&b, &q, nm, sizeof(nm)), DNS_OK);
	assert_int_equal(q.name_len, 0);
	assert_string_equal(nm, "");
	assert_int_equal(q.question_len, 5);

	/* a 63-byte label; 64 is label type 01 */
	memset(label63, 'a', 63);
	label63[63] = '\0';
	simple(&b, label63, 1, false);
	assert_int_equal(parse(&b, &q, nm, sizeof(nm)), DNS_OK);
	assert_int_equal(q.name_len, 63);
	b.b[12] = 64;
	parse(&b, &q, nm, sizeof(nm));
	assert_reason(&q, DNS_MALFORMED, DNS_R_LABEL_TYPE);
	b.b[12] = 0x80;
	parse(&b, &q, nm, sizeof(nm));
	assert_reason(&q, DNS_MALFORMED, DNS_R_LABEL_TYPE);

	/* 255 wire octets: three 63-byte labels and a 61-byte one; then one more */
	snprintf(longname, sizeof(longname), "%s.%s.%s.%.61s", label63, label63, label63,
		 label63);
	simple(&b, longname, 1, false);
	assert_int_equal(parse(&b, &q, nm, sizeof(nm)), DNS_OK);
	assert_int_equal(q.name_len, 253);
	assert_int_equal(q.question_len, 255 + 4);
	assert_string_equal(nm, longname);
	/* the exact buffer: 253 + NUL; one byte less does not fit */
	assert_int_equal(parse(&b, &q, nm, 254), DNS_OK);
	parse(&b, &q, nm, 253);
	assert_reason(&q, DNS_MALFORMED, DNS_R_NAME_BUF);
	parse(&b, &q, NULL, 0);
	assert_reason(&q, DNS_MALFORMED, DNS_R_NAME_BUF);
	snprintf(longname, sizeof(longname), "%s.%s.%s.%.62s", label63, label63, label63,
		 label63);
	simple(&b, longname, 1, false);
	parse(&b, &q, nm, sizeof(nm));
	assert_reason(&q, DNS_MALFORMED, DNS_R_NAME_TOO_LONG);
	/* 128 one-byte labels: 256 octets */
	longname[0] = '\0';
	for (i = 0; i < 128; i++)
		strcat(longname, i == 0 ? "a" : ".a");
	simple(&b, longname, 1, false);
	parse(&b, &q, nm, sizeof(nm));
	assert_reason(&q, DNS_MALFORMED, DNS_R_NAME_TOO_LONG);

	/* compression pointers: to the header, to its own first label */
	header(&b, 1, 0x0100, 1, 0, 0, 0);
	put(&b, "\x03www\xc0\x0c", 6);
	put16(&b, 1);
	put16(&b, 1);
	parse(&b, &q, nm, sizeof(nm));
	assert_reason(&q, DNS_MALFORMED, DNS_R_COMPRESSION);
	assert_string_equal(nm, "");
	header(&b, 1, 0x0100, 1, 0, 0, 0);
	put(&b, "\xc0\x04", 2);
	put16(&b, 1);
	put16(&b, 1);
	parse(&b, &q, nm, sizeof(nm));
	assert_reason(&q, DNS_MALFORMED, DNS_R_COMPRESSION);

	/* label bytes: a dot inside a label, a NUL, a space, UTF-8 */
	header(&b, 1, 0x0100, 1, 0, 0, 0);
	put(&b, "\x07kas.per\x03" "com\x00", 13);
	put16(&b, 1);
	put16(&b, 1);
	assert_int_equal(parse(&b, &q, nm, sizeof(nm)), DNS_OK);
	assert_string_equal(nm, "kas.per.com");
	assert_true(q.flags & DNS_F_LABEL_DOT);
	assert_true(q.flags & DNS_F_LABEL_BYTES);
	header(&b, 1, 0x0100, 1, 0, 0, 0);
	put(&b, "\x03" "a\x00" "b\x02\xc3\xa9\x00", 8);
	put16(&b, 1);
	put16(&b, 1);
	assert_int_equal(parse(&b, &q, nm, sizeof(nm)), DNS_OK);
	assert_int_equal(q.name_len, 6);
	assert_memory_equal(nm, "a\0b.\xc3\xa9", 6);
	assert_true(q.flags & DNS_F_LABEL_BYTES);
	assert_false(q.flags & DNS_F_LABEL_DOT);
	/* underscore and hyphen are plain; case is kept */
	simple(&b, "_Dmarc.Ex-Ample.COM", 16, false);
	assert_int_equal(parse(&b, &q, nm, sizeof(nm)), DNS_OK);
	assert_string_equal(nm, "_Dmarc.Ex-Ample.COM");
	assert_false(q.flags & (DNS_F_LABEL_BYTES | DNS_F_LABEL_DOT));

	/* cut inside the name, and before QTYPE/QCLASS */
	simple(&b, "www.example.com", 1, false);
	for (i = 12; i < b.n; i++) {
		struct q_buf c = b;

		c.n = i;
		parse(&c, &q, nm, sizeof(nm));
		assert_reason(&q, DNS_MALFORMED,
			      i < 12 + 17 ? DNS_R_NAME_CUT : DNS_R_QUESTION_CUT);
		assert_string_equal(nm, "");
	}
}

static void test_records(void **state)
{
	struct q_buf b;
	struct dns_query q;
	char nm[DNS_NAME_BUF];
	static const uint8_t cookie[12] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };

	(void)state;
	/* EDNS with DO, version 0, a cookie option */
	header(&b, 9, 0x0120, 1, 0, 0, 1);
	name(&b, "example.org");
	put16(&b, 28);
	put16(&b, 1);
	opt(&b, 1232, 0, true, cookie, sizeof(cookie));
	assert_int_equal(parse(&b, &q, nm, sizeof(nm)), DNS_OK);
	assert_true(q.flags & DNS_F_EDNS);
	assert_true(q.flags & DNS_F_DO);
	assert_false(q.flags & DNS_F_ODD_HEADER); /* AD set, as dig does: fine */
	assert_int_equal(q.edns_udp_size, 1232);
	assert_int_equal(q.edns_version, 0);
	check_refusal(b.b, b.n, &q, DNS_RCODE_NXDOMAIN, false);
	check_refusal(b.b, b.n, &q, DNS_RCODE_REFUSED, true);

	/* a version-1 OPT is reported as such */
	header(&b, 9, 0x0100, 1, 0, 0, 1);
	name(&b, "example.org");
	put16(&b, 1);
	put16(&b, 1);
	opt(&b, 512, 1, false, NULL, 0);
	assert_int_equal(parse(&b, &q, nm, sizeof(nm)), DNS_OK);
	assert_int_equal(q.edns_version, 1);

	/* a TSIG record after the OPT, with a compressed owner name */
	header(&b, 9, 0x0100, 1, 0, 0, 2);
	name(&b, "example.org");
	put16(&b, 1);
	put16(&b, 1);
	opt(&b, 1232, 0, false, NULL, 0);
	put16(&b, 0xc00c); /* owner: pointer to the question name */
	put16(&b, 250);
	put16(&b, 255);
	put16(&b, 0);
	put16(&b, 0);
	put16(&b, 3);
	put(&b, "abc", 3);
	assert_int_equal(parse(&b, &q, nm, sizeof(nm)), DNS_OK);
	assert_true(q.flags & DNS_F_EDNS);
	assert_string_equal(nm, "example.org");

	/* two OPT records; an OPT owned by another name; an OPT as an answer */
	header(&b, 9, 0x0100, 1, 0, 0, 2);
	name(&b, "example.org");
	put16(&b, 1);
	put16(&b, 1);
	opt(&b, 1232, 0, false, NULL, 0);
	opt(&b, 1232, 0, false, NULL, 0);
	parse(&b, &q, nm, sizeof(nm));
	assert_reason(&q, DNS_MALFORMED, DNS_R_EDNS);
	header(&b, 9, 0x0100, 1, 0, 0, 1);
	name(&b, "example.org");
	put16(&b, 1);
	put16(&b, 1);
	name(&b, "x");
	put16(&b, 41);
	put16(&b, 1232);
	put16(&b, 0);
	put16(&b, 0);
	put16(&b, 0);
	parse(&b, &q, nm, sizeof(nm));
	assert_reason(&q, DNS_MALFORMED, DNS_R_EDNS);
	header(&b, 9, 0x0100, 1, 1, 0, 0);
	name(&b, "example.org");
	put16(&b, 1);
	put16(&b, 1);
	opt(&b, 1232, 0, false, NULL, 0);
	parse(&b, &q, nm, sizeof(nm));
	assert_reason(&q, DNS_MALFORMED, DNS_R_EDNS);

	/* an answer record in a query: walked and flagged */
	header(&b, 9, 0x0100, 1, 1, 0, 0);
	name(&b, "example.org");
	put16(&b, 1);
	put16(&b, 1);
	put16(&b, 0xc00c);
	put16(&b, 1);
	put16(&b, 1);
	put16(&b, 0);
	put16(&b, 60);
	put16(&b, 4);
	put(&b, "\x7f\0\0\1", 4);
	assert_int_equal(parse(&b, &q, nm, sizeof(nm)), DNS_OK);
	assert_true(q.flags & DNS_F_RECORDS);

	/* records announced but missing or cut; bad owner label types */
	header(&b, 9, 0x0100, 1, 0, 0, 1);
	name(&b, "example.org");
	put16(&b, 1);
	put16(&b, 1);
	parse(&b, &q, nm, sizeof(nm));
	assert_reason(&q, DNS_MALFORMED, DNS_R_RR);
	opt(&b, 1232, 0, false, cookie, sizeof(cookie));
	b.n--;
	parse(&b, &q, nm, sizeof(nm));
	assert_reason(&q, DNS_MALFORMED, DNS_R_RR);
	header(&b, 9, 0x0100, 1, 0, 0, 1);
	name(&b, "example.org");
	put16(&b, 1);
	put16(&b, 1);
	put8(&b, 0x40);
	put(&b, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	parse(&b, &q, nm, sizeof(nm));
	assert_reason(&q, DNS_MALFORMED, DNS_R_RR);

	/* too many records */
	header(&b, 9, 0x0100, 1, 10, 0, 7);
	name(&b, "example.org");
	put16(&b, 1);
	put16(&b, 1);
	parse(&b, &q, nm, sizeof(nm));
	assert_reason(&q, DNS_MALFORMED, DNS_R_TOO_MANY_RRS);

	/* trailing bytes */
	simple(&b, "example.org", 1, true);
	put(&b, "junk", 4);
	assert_int_equal(parse(&b, &q, nm, sizeof(nm)), DNS_OK);
	assert_true(q.flags & DNS_F_TRAILING);
	/* the refusal copies the question, not the junk */
	assert_int_equal(check_refusal(b.b, b.n, &q, DNS_RCODE_NXDOMAIN, false),
			 12 + 12 + 1 + 4 + 11);
}

static void test_tcp(void **state)
{
	struct q_buf b, t;
	struct dns_query q;
	char nm[DNS_NAME_BUF];
	size_t k;

	(void)state;
	simple(&b, "tcp.example.net", 16, true);
	t.n = 0;
	put16(&t, (uint16_t)b.n);
	put(&t, b.b, b.n);
	for (k = 0; k < t.n; k++) {
		assert_int_equal(dns_parse_tcp_query(t.b, k, &q, nm, sizeof(nm)), DNS_NEED_MORE);
		assert_int_equal(q.need, k < 2 ? 2 - k + 12 : t.n - k);
	}
	assert_int_equal(dns_parse_tcp_query(t.b, t.n, &q, nm, sizeof(nm)), DNS_OK);
	assert_string_equal(nm, "tcp.example.net");
	assert_int_equal(q.msg_len, b.n);
	/* a pipelined second query is left alone, even a broken one */
	put(&t, "\x00\x05zzzzz", 7);
	assert_int_equal(dns_parse_tcp_query(t.b, t.n, &q, nm, sizeof(nm)), DNS_OK);
	check_refusal(t.b + 2, b.n, &q, DNS_RCODE_REFUSED, true);
	/* a length below the header */
	assert_int_equal(dns_parse_tcp_query((const uint8_t *)"\x00\x0b", 2, &q, nm, sizeof(nm)),
			 DNS_MALFORMED);
	assert_int_equal(q.reason, DNS_R_TCP_LEN);
	assert_int_equal(dns_parse_tcp_query((const uint8_t *)"\x00\x00", 2, &q, nm, sizeof(nm)),
			 DNS_MALFORMED);
	/* the message inside is judged as over UDP */
	t.n = 0;
	put16(&t, 12);
	put(&t, "\x00\x01\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00", 12);
	assert_int_equal(dns_parse_tcp_query(t.b, t.n, &q, nm, sizeof(nm)), DNS_NOT_QUERY);
}

static void test_refusal_args(void **state)
{
	struct q_buf b;
	struct dns_query q;
	char nm[DNS_NAME_BUF];
	uint8_t out[DNS_REFUSAL_MAX];

	(void)state;
	simple(&b, "x.example", 1, false);
	assert_int_equal(parse(&b, &q, nm, sizeof(nm)), DNS_OK);
	assert_int_equal(dns_build_refusal(b.b, b.n, &q, 16, false, out, sizeof(out)), 0);
	assert_int_equal(dns_build_refusal(b.b, b.n, &q, 3, false, NULL, sizeof(out)), 0);
	/* the message must hold the question it was parsed from */
	assert_int_equal(dns_build_refusal(b.b, 20, &q, 3, false, out, sizeof(out)), 0);
	/* no RD: no RA */
	b.b[2] = 0;
	assert_int_equal(parse(&b, &q, nm, sizeof(nm)), DNS_OK);
	check_refusal(b.b, b.n, &q, DNS_RCODE_NXDOMAIN, false);
	/* not for a response */
	b.b[2] = 0x80;
	parse(&b, &q, nm, sizeof(nm));
	assert_int_equal(dns_build_refusal(b.b, b.n, &q, 3, false, out, sizeof(out)), 0);
	/* the largest refusal fits DNS_REFUSAL_MAX */
	{
		char label63[64], longname[300];

		memset(label63, 'b', 63);
		label63[63] = '\0';
		snprintf(longname, sizeof(longname), "%s.%s.%s.%.61s", label63, label63,
			 label63, label63);
		simple(&b, longname, 1, true);
		assert_int_equal(parse(&b, &q, nm, sizeof(nm)), DNS_OK);
		assert_int_equal(check_refusal(b.b, b.n, &q, DNS_RCODE_NXDOMAIN, true),
				 DNS_REFUSAL_MAX);
	}
}

static void test_strings(void **state)
{
	int r;

	(void)state;
	for (r = 0; r < DNS_R_COUNT; r++)
		assert_string_not_equal(dns_reason_str((enum dns_reason)r), "unknown");
	assert_string_equal(dns_reason_str(DNS_R_COUNT), "unknown");
	assert_string_equal(dns_reason_str(DNS_R_COMPRESSION), "compression");
	assert_string_equal(dns_status_str(DNS_NOT_QUERY), "not_query");
	assert_string_equal(dns_status_str((enum dns_status)7), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_queries),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_refusal_args),
		cmocka_unit_test(test_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
