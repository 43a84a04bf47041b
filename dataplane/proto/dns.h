/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_PROTO_DNS_H
#define KB_PROTO_DNS_H

/*
 * DNS query parser (the name a client asks for) and the builder of the
 * refusal the dataplane sends back for a barred name.
 *
 * Wire grammar (RFC 1035 §4.1, RFC 6891 §6.1, RFC 7766 §8):
 *
 *   tcp-message = length:u16 message            ; length >= 12
 *   message     = header question *rr
 *   header      = id:u16 flags:u16 qdcount:u16 ancount:u16 nscount:u16 arcount:u16
 *   flags       = QR:1 opcode:4 AA:1 TC:1 RD:1 RA:1 Z:1 AD:1 CD:1 RCODE:4
 *   question    = qname qtype:u16 qclass:u16
 *   qname       = *label 0x00                   ; <= 255 octets in all
 *   label       = len:u8 (1..63) len*OCTET
 *   rr          = name type:u16 class:u16 ttl:u32 rdlen:u16 rdata
 *   name        = *label ( 0x00 / pointer:u16 ) ; pointer: top bits 11
 *   OPT rr      = 0x00 41 udp-size:u16 ext-rcode:u8 version:u8 DO:1 Z:15 rdlen rdata
 *
 * What is accepted and decided:
 * - QR = 1 is NOT_QUERY(RESPONSE), an opcode other than QUERY NOT_QUERY(OPCODE)
 *   (NOTIFY, UPDATE, ... name no host to look up). AA, TC, Z or a RCODE set
 *   in a query are tolerated with DNS_F_ODD_HEADER (AD is normal: RFC 6840).
 * - QDCOUNT 1 is the rule. 0 is OK with DNS_F_NO_QUESTION and no name (RFC
 *   7873 cookie queries). Above 1 is MALFORMED(QDCOUNT): servers answer
 *   FORMERR or only the first, and a name we would not match must not pass.
 * - The question name is read label by label into dotted form. A compression
 *   pointer there is MALFORMED(COMPRESSION): the only question of a query
 *   has nothing before it but the header, so a pointer can only aim at the
 *   header or at its own labels, which no resolver client does; following
 *   it would only serve evasion. Label types 01 and 10 are MALFORMED. Label
 *   bytes are copied as they are (case kept for 0x20 randomisation); a '.'
 *   or another byte outside [A-Za-z0-9_-] is flagged, host_normalize judges.
 * - Records after the question are walked (bounded by DNS_MAX_RRS), their
 *   owner names skipped without following pointers, to find the EDNS OPT
 *   record: a second OPT, or one whose owner is not the root, is MALFORMED
 *   (RFC 6891 §6.1.1). Bytes after the last record set DNS_F_TRAILING.
 *
 * Pure C on (pointer, length): no allocation, no I/O.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns_types.h"

/*
 * Parses the DNS message msg (a UDP payload). The dotted question name goes
 * into name (name_cap >= DNS_NAME_BUF always suffices; NUL-terminated, may
 * hold other NULs: use q->name_len); with any status but OK it is "" and
 * q->name_len 0. Returns the status, also in q->status.
 */
enum dns_status dns_parse_query(const uint8_t *msg, size_t len, struct dns_query *q,
				char *name, size_t name_cap);

/*
 * The same for the start of a TCP stream: a 2-byte length, then the message.
 * NEED_MORE until the whole first message is in (q->need says how much is
 * missing); bytes after it (a pipelined query) are not looked at. Offsets in
 * *q are relative to data + 2.
 */
enum dns_status dns_parse_tcp_query(const uint8_t *data, size_t len, struct dns_query *q,
				    char *name, size_t name_cap);

/*
 * Writes the refusal of a query into out: the query's id, QR = 1, its opcode,
 * RD and CD copied, RA = RD (the answer stands in for the recursive resolver
 * the client asked), AA = TC = AD = 0, RCODE rcode (DNS_RCODE_NXDOMAIN or
 * DNS_RCODE_REFUSED), the question copied byte for byte, no answer and no
 * authority records. If the query had an OPT record, an OPT is echoed
 * (version 0, DO copied, no options, DNS_EDNS_UDP_SIZE). With tcp the 2-byte
 * length prefix comes first. msg/len is the message q was parsed from (after
 * any TCP prefix) with DNS_OK. Returns the bytes written; 0 if q is not an
 * OK query with a question, rcode is above 15, or cap (DNS_REFUSAL_MAX always
 * suffices) is too small.
 */
size_t dns_build_refusal(const uint8_t *msg, size_t len, const struct dns_query *q,
			 uint8_t rcode, bool tcp, uint8_t *out, size_t cap);

/* Short snake_case names for counters and logs. */
const char *dns_reason_str(enum dns_reason r);
const char *dns_status_str(enum dns_status s);

#endif
