/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS query parser and refusal builder. dns.h has the grammar and the
 * decisions; docs/parsers.md ("DNS") the statuses and limits.
 */

#include <string.h>

#include "cursor.h"
#include "dns.h"

#define DNS_QR 0x8000u
#define DNS_OPCODE_SHIFT 11
#define DNS_AA 0x0400u
#define DNS_TC 0x0200u
#define DNS_RD 0x0100u
#define DNS_RA 0x0080u
#define DNS_Z 0x0040u
#define DNS_AD 0x0020u
#define DNS_CD 0x0010u
#define DNS_RCODE_MASK 0x000fu
#define DNS_EDNS_DO 0x8000u
#define DNS_LABEL_PTR 0xc0u

static enum dns_status dns_stop(struct dns_query *q, enum dns_status s, enum dns_reason r)
{
	q->status = s;
	q->reason = r;
	return s;
}

static bool dns_plain_byte(uint8_t b)
{
	return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') ||
	       b == '-' || b == '_';
}

/*
 * Reads the question name into dotted form. Labels only: a pointer or an
 * extended label type ends the parse. The wire length (<= 255) bounds the
 * loop.
 */
static enum dns_reason dns_qname(struct dns_query *q, struct cur *c, char *name, size_t cap)
{
	size_t wire = 0, out = 0;

	for (;;) {
		struct cur label;
		uint8_t n;
		size_t i;

		if (!cur_u8(c, &n))
			return DNS_R_NAME_CUT;
		if ((n & DNS_LABEL_PTR) == DNS_LABEL_PTR)
			return DNS_R_COMPRESSION;
		if ((n & DNS_LABEL_PTR) != 0)
			return DNS_R_LABEL_TYPE;
		if (n == 0)
			break;
		/* this label, and at least the root's byte after it */
		wire += 1 + (size_t)n;
		if (wire + 1 > DNS_MAX_NAME_WIRE)
			return DNS_R_NAME_TOO_LONG;
		if (!cur_take(c, n, &label))
			return DNS_R_NAME_CUT;
		/* a dot before every label but the first, then the label, then room for NUL */
		if (out + (out > 0) + n + 1 > cap)
			return DNS_R_NAME_BUF;
		if (out > 0)
			name[out++] = '.';
		for (i = 0; i < n; i++) {
			uint8_t b = label.p[i];

			if (b == '.')
				q->flags |= DNS_F_LABEL_DOT;
			if (!dns_plain_byte(b))
				q->flags |= DNS_F_LABEL_BYTES;
			name[out++] = (char)b;
		}
	}
	name[out] = '\0';
	q->name_len = (uint16_t)out;
	return DNS_R_NONE;
}

/* Skips a record's owner name: labels up to the root or a pointer (not followed). */
static bool dns_skip_name(struct cur *c, bool *root)
{
	size_t wire = 0;
	uint8_t n;

	*root = true;
	for (;;) {
		if (!cur_u8(c, &n))
			return false;
		if ((n & DNS_LABEL_PTR) == DNS_LABEL_PTR) {
			*root = false;
			return cur_skip(c, 1);
		}
		if ((n & DNS_LABEL_PTR) != 0)
			return false;
		if (n == 0)
			return true;
		*root = false;
		wire += 1 + (size_t)n;
		if (wire > DNS_MAX_NAME_WIRE || !cur_skip(c, n))
			return false;
	}
}

/* Walks the answer, authority and additional records, looking for OPT. */
static enum dns_reason dns_records(struct dns_query *q, struct cur *c)
{
	uint32_t total = (uint32_t)q->ancount + q->nscount + q->arcount, i;

	if (q->ancount > 0 || q->nscount > 0)
		q->flags |= DNS_F_RECORDS;
	if (total > DNS_MAX_RRS)
		return DNS_R_TOO_MANY_RRS;
	for (i = 0; i < total; i++) {
		uint16_t type, class, rdlen;
		uint32_t ttl;
		bool root;

		if (!dns_skip_name(c, &root) || !cur_u16(c, &type) || !cur_u16(c, &class) ||
		    !cur_u32(c, &ttl) || !cur_u16(c, &rdlen) || !cur_skip(c, rdlen))
			return DNS_R_RR;
		if (type != DNS_TYPE_OPT)
			continue;
		if (!root || (q->flags & DNS_F_EDNS) != 0 ||
		    i < (uint32_t)q->ancount + q->nscount)
			return DNS_R_EDNS;
		q->flags |= DNS_F_EDNS;
		q->edns_udp_size = class;
		q->edns_version = (uint8_t)(ttl >> 16);
		if ((ttl & DNS_EDNS_DO) != 0)
			q->flags |= DNS_F_DO;
	}
	return DNS_R_NONE;
}

static enum dns_status dns_parse(const uint8_t *msg, size_t len, struct dns_query *q,
				 char *name, size_t name_cap)
{
	struct cur c = cur_make(msg, len);
	enum dns_reason r;
	uint16_t f;

	memset(q, 0, sizeof(*q));
	if (name != NULL && name_cap > 0)
		name[0] = '\0';
	q->msg_len = len > UINT16_MAX ? UINT16_MAX : (uint16_t)len;
	if (!cur_u16(&c, &q->id) || !cur_u16(&c, &q->hdr_flags) || !cur_u16(&c, &q->qdcount) ||
	    !cur_u16(&c, &q->ancount) || !cur_u16(&c, &q->nscount) || !cur_u16(&c, &q->arcount))
		return dns_stop(q, DNS_MALFORMED, DNS_R_SHORT);
	f = q->hdr_flags;
	q->opcode = (uint8_t)((f >> DNS_OPCODE_SHIFT) & 0x0f);
	if ((f & DNS_QR) != 0)
		return dns_stop(q, DNS_NOT_QUERY, DNS_R_RESPONSE);
	if (q->opcode != 0)
		return dns_stop(q, DNS_NOT_QUERY, DNS_R_OPCODE);
	if ((f & DNS_RD) != 0)
		q->flags |= DNS_F_RD;
	if ((f & DNS_CD) != 0)
		q->flags |= DNS_F_CD;
	/* AD is left out: RFC 6840 §5.7 lets a query set it (dig does) */
	if ((f & (DNS_AA | DNS_TC | DNS_Z | DNS_RCODE_MASK)) != 0)
		q->flags |= DNS_F_ODD_HEADER;
	if (q->qdcount > 1)
		return dns_stop(q, DNS_MALFORMED, DNS_R_QDCOUNT);
	if (q->qdcount == 0) {
		q->flags |= DNS_F_NO_QUESTION;
	} else {
		if (name == NULL || name_cap == 0)
			return dns_stop(q, DNS_MALFORMED, DNS_R_NAME_BUF);
		q->question_off = DNS_HDR_LEN;
		r = dns_qname(q, &c, name, name_cap);
		if (r != DNS_R_NONE)
			return dns_stop(q, DNS_MALFORMED, r);
		if (!cur_u16(&c, &q->qtype) || !cur_u16(&c, &q->qclass))
			return dns_stop(q, DNS_MALFORMED, DNS_R_QUESTION_CUT);
		q->question_len = (uint16_t)(len - c.left - DNS_HDR_LEN);
	}
	r = dns_records(q, &c);
	if (r != DNS_R_NONE)
		return dns_stop(q, DNS_MALFORMED, r);
	if (c.left > 0)
		q->flags |= DNS_F_TRAILING;
	return dns_stop(q, DNS_OK, DNS_R_NONE);
}

enum dns_status dns_parse_query(const uint8_t *msg, size_t len, struct dns_query *q,
				char *name, size_t name_cap)
{
	enum dns_status s = dns_parse(msg, len, q, name, name_cap);

	/* a name is a result only with OK */
	if (s != DNS_OK) {
		if (name != NULL && name_cap > 0)
			name[0] = '\0';
		q->name_len = 0;
	}
	return s;
}

enum dns_status dns_parse_tcp_query(const uint8_t *data, size_t len, struct dns_query *q,
				    char *name, size_t name_cap)
{
	struct cur c = cur_make(data, len), m;
	uint16_t mlen = 0;
	size_t need;

	if (!cur_u16(&c, &mlen) || !cur_take(&c, mlen, &m)) {
		memset(q, 0, sizeof(*q));
		if (name != NULL && name_cap > 0)
			name[0] = '\0';
		if (len >= 2 && mlen < DNS_HDR_LEN)
			return dns_stop(q, DNS_MALFORMED, DNS_R_TCP_LEN);
		need = len < 2 ? 2 - len + DNS_HDR_LEN : (size_t)mlen + 2 - len;
		q->need = need;
		return dns_stop(q, DNS_NEED_MORE, DNS_R_NONE);
	}
	if (mlen < DNS_HDR_LEN) {
		memset(q, 0, sizeof(*q));
		if (name != NULL && name_cap > 0)
			name[0] = '\0';
		return dns_stop(q, DNS_MALFORMED, DNS_R_TCP_LEN);
	}
	return dns_parse_query(m.p, m.left, q, name, name_cap);
}

size_t dns_build_refusal(const uint8_t *msg, size_t len, const struct dns_query *q,
			 uint8_t rcode, bool tcp, uint8_t *out, size_t cap)
{
	bool edns = (q->flags & DNS_F_EDNS) != 0;
	size_t body = DNS_HDR_LEN + q->question_len + (edns ? 11 : 0);
	size_t total = body + (tcp ? 2 : 0), n = 0;
	uint16_t f;

	if (q->status != DNS_OK || q->qdcount != 1 || rcode > DNS_RCODE_MASK ||
	    (size_t)q->question_off + q->question_len > len || total > cap || out == NULL)
		return 0;
	if (tcp) {
		out[n++] = (uint8_t)(body >> 8);
		out[n++] = (uint8_t)body;
	}
	f = (uint16_t)(DNS_QR | (q->hdr_flags & ((0x0fu << DNS_OPCODE_SHIFT) | DNS_RD | DNS_CD)) |
		       rcode);
	if ((q->hdr_flags & DNS_RD) != 0)
		f |= DNS_RA;
	out[n++] = (uint8_t)(q->id >> 8);
	out[n++] = (uint8_t)q->id;
	out[n++] = (uint8_t)(f >> 8);
	out[n++] = (uint8_t)f;
	out[n++] = 0; /* QDCOUNT 1 */
	out[n++] = 1;
	memset(out + n, 0, 4); /* ANCOUNT, NSCOUNT */
	n += 4;
	out[n++] = 0;
	out[n++] = edns ? 1 : 0;
	memcpy(out + n, msg + q->question_off, q->question_len);
	n += q->question_len;
	if (edns) {
		out[n++] = 0; /* owner: root */
		out[n++] = 0;
		out[n++] = DNS_TYPE_OPT;
		out[n++] = (uint8_t)(DNS_EDNS_UDP_SIZE >> 8);
		out[n++] = (uint8_t)DNS_EDNS_UDP_SIZE;
		out[n++] = 0; /* extended RCODE */
		out[n++] = 0; /* version */
		out[n++] = (q->flags & DNS_F_DO) != 0 ? 0x80 : 0;
		out[n++] = 0;
		out[n++] = 0; /* RDLEN */
		out[n++] = 0;
	}
	return n;
}

static const char *const dns_reason_names[DNS_R_COUNT] = {
	[DNS_R_NONE] = "none",
	[DNS_R_RESPONSE] = "response",
	[DNS_R_OPCODE] = "opcode",
	[DNS_R_SHORT] = "short",
	[DNS_R_TCP_LEN] = "tcp_len",
	[DNS_R_QDCOUNT] = "qdcount",
	[DNS_R_LABEL_TYPE] = "label_type",
	[DNS_R_COMPRESSION] = "compression",
	[DNS_R_NAME_TOO_LONG] = "name_too_long",
	[DNS_R_NAME_CUT] = "name_cut",
	[DNS_R_QUESTION_CUT] = "question_cut",
	[DNS_R_RR] = "rr",
	[DNS_R_TOO_MANY_RRS] = "too_many_rrs",
	[DNS_R_EDNS] = "edns",
	[DNS_R_NAME_BUF] = "name_buf",
};

const char *dns_reason_str(enum dns_reason r)
{
	if ((unsigned)r >= DNS_R_COUNT || dns_reason_names[r] == NULL)
		return "unknown";
	return dns_reason_names[r];
}

const char *dns_status_str(enum dns_status s)
{
	switch (s) {
	case DNS_NEED_MORE:
		return "need_more";
	case DNS_OK:
		return "ok";
	case DNS_NOT_QUERY:
		return "not_query";
	case DNS_MALFORMED:
		return "malformed";
	}
	return "unknown";
}
