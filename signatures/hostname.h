/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_SIG_HOSTNAME_H
#define KB_SIG_HOSTNAME_H

/*
 * What a host name is, for the signature matcher. Both TLS SNI and HTTP
 * Host / URI / CONNECT names go through host_normalize() before matching,
 * and signatures are written in the same normal form.
 *
 * Normal form:
 *   name   = label *( "." label )          ; no trailing dot
 *   label  = 1*63( %x61-7A / DIGIT / "-" / "_" )
 *   length <= 253 octets
 * - ASCII letters are lower-cased; nothing else is mapped. IDNs must arrive
 *   as A-labels ("xn--..."), which are left as they are: raw UTF-8 (0x80+)
 *   is a BAD_BYTE, not converted.
 * - One trailing dot (the absolute form "example.com.") is removed; a second
 *   one is an empty label.
 * - '_' is allowed: it is not a hostname character (RFC 952/1123) but real
 *   names carry it (service labels, some CDN and vendor hosts) and DNS
 *   resolves them. Hyphen position is not checked ("-a", "a-" pass): the
 *   matcher compares bytes and such names do resolve.
 * - An IP literal is reported as HOST_IP_LITERAL, since signatures are
 *   names: IPv4 is exactly four dot-separated decimal parts 0..255 (leading
 *   zeros tolerated); IPv6 is RFC 4291 text, with or without brackets
 *   (which are removed). Other numeric spellings ("127.1", "0x7f.0.0.1")
 *   are left as names: they never equal a signature.
 *
 * Status and output, checked in this order:
 *   EMPTY, NAME_TOO_LONG, EMPTY_LABEL, LABEL_TOO_LONG (shape errors) and
 *   OUT_TOO_SMALL: out is "" (if out_cap >= 1) and *out_len 0.
 *   BAD_BYTE: the shape is valid (labels 1..63, <= 253 octets) but some byte
 *   is outside the alphabet (NUL, space, '/', ':', '%', 0x80+, ...). out
 *   holds the lower-cased name with those bytes unchanged, so a caller may
 *   still match it; it may contain NUL, so use *out_len. An IPv6 literal
 *   is recognised before any byte is called bad.
 *   IP_LITERAL, OK: out holds the normal form.
 * out is always NUL-terminated when out_cap >= 1; out_len may be NULL.
 * HOST_NAME_BUF_SIZE bytes of out always suffice.
 *
 * The label helpers work on a normalised name (any bytes are safe: they
 * only look at dots).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hostname_types.h"

enum host_status host_normalize(const uint8_t *in, size_t len, char *out, size_t out_cap,
				size_t *out_len);

/*
 * host_normalize() without its one-pass shortcut for plain names: the same
 * result (status, output, length) by the general path alone. For tests and
 * fuzzers that hold the two to that.
 */
enum host_status host_normalize_general(const uint8_t *in, size_t len, char *out,
					size_t out_cap, size_t *out_len);

/* Labels in name ("a.b.c" = 3, "" = 0). */
size_t host_label_count(const char *name, size_t len);

/*
 * Offsets where name and each parent-domain suffix start, left to right:
 * "a.b.c" -> 0, 2, 4. Returns how many suffixes the name has (its label
 * count); writes min(that, max) offsets. If max is smaller, the ones kept
 * are the rightmost (the shortest suffixes: registrable domains and TLDs),
 * still in ascending order. max = HOST_LABELS_MAX never truncates a valid name.
 */
size_t host_suffix_offsets(const char *name, size_t len, uint16_t *offs, size_t max);

/* True if name equals suffix or ends with "." suffix: a whole-label match
 * ("ws.example.com" is under "example.com"; "aws-example.com" is not). */
bool host_under(const char *name, size_t len, const char *suffix, size_t slen);

/* Short stable names for counters and logs ("ok", "bad_byte", ...). */
const char *host_status_str(enum host_status s);

/* Literal address text, as found in a URI authority or a Host value (the
 * IPv6 form without its brackets, no zone id): true when P..P+N is exactly
 * a dotted quad (0..255, 1-3 digits each) or an RFC 4291 address. */
bool host_is_ipv4_text(const uint8_t *p, size_t n);
bool host_is_ipv6_text(const uint8_t *p, size_t n);

#endif
