/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_PROTO_DNS_TYPES_H
#define KB_PROTO_DNS_TYPES_H

/* Types of the DNS query parser and refusal builder (dns.h has the functions). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HDR_LEN 12
/* RFC 1035 §2.3.4: a name is at most 255 octets on the wire, labels 1..63. */
#define DNS_MAX_NAME_WIRE 255
#define DNS_MAX_LABEL 63
/* Dotted form: 253 characters at most (255 wire octets), plus the NUL. */
#define DNS_NAME_BUF 254
/* Resource records looked at after the question (answer + authority +
 * additional); a query carries 0 or 1 (EDNS OPT), TSIG makes 2. */
#define DNS_MAX_RRS 16
/* A refusal is the header, the question and an optional 11-byte OPT record. */
#define DNS_REFUSAL_MAX (2 + DNS_HDR_LEN + DNS_MAX_NAME_WIRE + 4 + 11)
/* UDP payload size advertised in the OPT record of a refusal (DNS flag day 2020). */
#define DNS_EDNS_UDP_SIZE 1232

#define DNS_TYPE_OPT 41
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_REFUSED 5

enum dns_status {
	DNS_NEED_MORE = 0, /* TCP only: the length prefix says more bytes are due */
	DNS_OK = 1,        /* a standard query, parsed: results valid */
	DNS_NOT_QUERY = 2, /* a well-formed header, but a response or another opcode */
	DNS_MALFORMED = 3, /* breaks the grammar or a limit */
};

/* Why a parse ended in NOT_QUERY or MALFORMED; each one is a counter. */
enum dns_reason {
	DNS_R_NONE = 0,
	/* NOT_QUERY */
	DNS_R_RESPONSE,       /* QR is 1 */
	DNS_R_OPCODE,         /* opcode is not QUERY (0) */
	/* MALFORMED */
	DNS_R_SHORT,          /* fewer than 12 bytes */
	DNS_R_TCP_LEN,        /* TCP length prefix below 12 */
	DNS_R_QDCOUNT,        /* more than one question */
	DNS_R_LABEL_TYPE,     /* label type 01 or 10 (EDNS0 extended, obsolete) */
	DNS_R_COMPRESSION,    /* a compression pointer in the question name */
	DNS_R_NAME_TOO_LONG,  /* question name over 255 wire octets */
	DNS_R_NAME_CUT,       /* question name runs past the message */
	DNS_R_QUESTION_CUT,   /* QTYPE/QCLASS missing */
	DNS_R_RR,             /* a record after the question runs past the message */
	DNS_R_TOO_MANY_RRS,   /* more than DNS_MAX_RRS records after the question */
	DNS_R_EDNS,           /* a second OPT record, or one not owned by the root */
	DNS_R_NAME_BUF,       /* the caller's name buffer is too small */
	DNS_R_COUNT
};

/* struct dns_query.flags */
enum dns_flag {
	DNS_F_RD = 1u << 0,           /* recursion desired */
	DNS_F_CD = 1u << 1,           /* checking disabled */
	DNS_F_EDNS = 1u << 2,         /* an OPT record in the additional section */
	DNS_F_DO = 1u << 3,           /* EDNS DNSSEC OK */
	DNS_F_NO_QUESTION = 1u << 4,  /* QDCOUNT 0 (a cookie-only query, RFC 7873): no name */
	DNS_F_RECORDS = 1u << 5,      /* answer or authority records in a query */
	DNS_F_ODD_HEADER = 1u << 6,   /* AA, TC, Z or RCODE set in a query */
	DNS_F_LABEL_DOT = 1u << 7,    /* a label holds '.': the dotted name is ambiguous */
	DNS_F_LABEL_BYTES = 1u << 8,  /* a label holds a byte outside letters, digits, '-', '_' */
	DNS_F_TRAILING = 1u << 9,     /* bytes after the last record */
};

/*
 * A parsed query. Offsets are into the DNS message (after a TCP length
 * prefix). The name, in dotted form without the final dot ("" for the root),
 * goes into the caller's buffer; it keeps the wire's letter case and bytes.
 */
struct dns_query {
	uint32_t flags;          /* enum dns_flag */
	uint16_t id;
	uint16_t hdr_flags;      /* the 16 flag bits of the header as sent */
	uint16_t qdcount, ancount, nscount, arcount;
	uint16_t qtype;
	uint16_t qclass;
	uint16_t question_off;   /* QNAME's offset (12) */
	uint16_t question_len;   /* QNAME + QTYPE + QCLASS octets */
	uint16_t name_len;       /* dotted name length (NUL not counted) */
	uint16_t msg_len;        /* DNS message length (TCP: the prefix's value) */
	uint16_t edns_udp_size;  /* OPT CLASS field, with DNS_F_EDNS */
	uint8_t edns_version;
	uint8_t opcode;
	size_t need;             /* NEED_MORE: bytes still missing */
	enum dns_status status;
	enum dns_reason reason;
};

#endif
