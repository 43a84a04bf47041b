/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the DNS query parser and the refusal builder.
 *
 * Input: one control byte, then the bytes. Control bit 0: the bytes are a TCP
 * stream (2-byte length, message) rather than a UDP payload; bit 1: the
 * refusal is REFUSED rather than NXDOMAIN; bit 2: it is framed for TCP. Each
 * parse reads an exact-size malloc'd copy.
 *
 * Invariants: the returned status is the stored one; OK gives a NUL-terminated
 * name of at most 253 bytes and a question inside the message; the TCP entry
 * agrees with the UDP one on the framed message and says NEED_MORE for every
 * shorter prefix; a refusal is built for every OK query with a question,
 * reads back as a response to the same question, and needs all its bytes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define REQUIRE(c)                    \
	do {                          \
		if (!(c))             \
			__builtin_trap(); \
	} while (0)

static enum dns_status parse_copy(const uint8_t *p, size_t len, bool tcp, struct dns_query *q,
				  char *name, size_t cap)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	enum dns_status s;

	if (copy == NULL)
		abort();
	memcpy(copy, p, len);
	s = tcp ? dns_parse_tcp_query(copy, len, q, name, cap)
		: dns_parse_query(copy, len, q, name, cap);
	REQUIRE(s == q->status);
	free(copy);
	return s;
}

static void check_ok(const struct dns_query *q, const char *name, size_t msg_len)
{
	REQUIRE(q->reason == DNS_R_NONE);
	REQUIRE(q->name_len <= DNS_NAME_BUF - 1);
	REQUIRE(name[q->name_len] == '\0');
	REQUIRE(q->qdcount <= 1);
	if (q->qdcount == 1) {
		REQUIRE(q->question_off == DNS_HDR_LEN);
		REQUIRE(q->question_len >= 5 && q->question_len <= DNS_MAX_NAME_WIRE + 4);
		REQUIRE((size_t)q->question_off + q->question_len <= msg_len);
	} else {
		REQUIRE((q->flags & DNS_F_NO_QUESTION) != 0 && q->name_len == 0);
	}
}

static void check_refusal(const uint8_t *msg, size_t len, const struct dns_query *q,
			  const char *name, uint8_t rcode, bool tcp)
{
	uint8_t *out = malloc(DNS_REFUSAL_MAX), *copy;
	size_t m = dns_build_refusal(msg, len, q, rcode, tcp, out, DNS_REFUSAL_MAX), off;
	struct dns_query back;
	char back_name[DNS_NAME_BUF];

	if (out == NULL)
		abort();
	REQUIRE(m > 0);
	REQUIRE(dns_build_refusal(msg, len, q, rcode, tcp, out, m - 1) == 0);
	off = tcp ? 2 : 0;
	REQUIRE(parse_copy(out + off, m - off, false, &back, back_name, sizeof(back_name)) ==
		DNS_NOT_QUERY);
	REQUIRE(back.reason == DNS_R_RESPONSE && back.id == q->id);
	REQUIRE((back.hdr_flags & 0x000f) == rcode);
	/* QR cleared, it is the same question again */
	copy = malloc(m - off);
	if (copy == NULL)
		abort();
	memcpy(copy, out + off, m - off);
	copy[2] &= 0x7f;
	REQUIRE(dns_parse_query(copy, m - off, &back, back_name, sizeof(back_name)) == DNS_OK);
	REQUIRE(back.name_len == q->name_len && memcmp(back_name, name, q->name_len) == 0);
	REQUIRE(back.qtype == q->qtype && back.qclass == q->qclass);
	REQUIRE(((back.flags ^ q->flags) & (DNS_F_EDNS | DNS_F_DO | DNS_F_RD | DNS_F_CD)) == 0);
	free(copy);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct dns_query q, q2;
	char name[DNS_NAME_BUF], name2[DNS_NAME_BUF];
	const uint8_t *data;
	size_t len, k;
	bool tcp, tcp_out;
	uint8_t rcode;
	enum dns_status s;

	if (n < 1)
		return 0;
	tcp = (d[0] & 1) != 0;
	rcode = (d[0] & 2) != 0 ? DNS_RCODE_REFUSED : DNS_RCODE_NXDOMAIN;
	tcp_out = (d[0] & 4) != 0;
	data = d + 1;
	len = n - 1;

	s = parse_copy(data, len, tcp, &q, name, sizeof(name));
	if (s != DNS_OK)
		REQUIRE(q.name_len == 0 && name[0] == '\0');
	if (tcp) {
		size_t mlen = len >= 2 ? (size_t)(data[0] << 8 | data[1]) : 0;

		if (s == DNS_NEED_MORE) {
			REQUIRE(q.need > 0);
			REQUIRE(len < 2 || len < mlen + 2);
		} else if (len >= 2 && mlen >= DNS_HDR_LEN) {
			/* the framed message parses the same way on its own */
			REQUIRE(parse_copy(data + 2, mlen, false, &q2, name2, sizeof(name2)) == s);
			REQUIRE(q2.reason == q.reason && q2.name_len == q.name_len);
			REQUIRE(memcmp(name, name2, q.name_len) == 0);
			/* and every shorter stream waits for it */
			for (k = 0; k < mlen + 2; k += 1 + k / 8)
				REQUIRE(parse_copy(data, k, true, &q2, name2, sizeof(name2)) ==
					DNS_NEED_MORE);
		} else {
			REQUIRE(s == DNS_MALFORMED && q.reason == DNS_R_TCP_LEN);
		}
	}
	if (s != DNS_OK)
		return 0;
	check_ok(&q, name, tcp ? len - 2 : len);
	if (q.qdcount == 1)
		check_refusal(tcp ? data + 2 : data, tcp ? q.msg_len : len, &q, name, rcode,
			      tcp_out);
	/* a name buffer one byte short fails cleanly */
	if (q.qdcount == 1) {
		REQUIRE(parse_copy(data, len, tcp, &q2, name2, q.name_len) == DNS_MALFORMED);
		REQUIRE(q2.reason == DNS_R_NAME_BUF);
	}
	return 0;
}
