/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_PROTO_HTTP_HEAD_H
#define KB_PROTO_HTTP_HEAD_H

/*
 * Incremental HTTP/1.x request-head parser: finds the host name(s) a client
 * asks for, from the in-order byte stream it sends (any chunking).
 *
 * Wire grammar (RFC 9112 §2-3, §3.2, §5; RFC 9110 §5.6.2, §7.2; RFC 3986 §3.2):
 *
 *   request-head   = *empty-line request-line *( field-line eol ) eol
 *   empty-line     = eol                         ; <= 10 ignored (§2.2)
 *   request-line   = method SP request-target SP HTTP-version eol
 *   eol            = CRLF / LF                   ; bare LF accepted (§2.2)
 *   method         = token                       ; case-sensitive
 *   token          = 1*tchar
 *   tchar          = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "."
 *                  / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
 *   request-target = origin-form      ; "/" path [ "?" query ]
 *                  / absolute-form    ; scheme "://" authority [ path-abempty ... ]
 *                  / authority-form   ; uri-host ":" port     (CONNECT only)
 *                  / asterisk-form    ; "*"                   (OPTIONS only)
 *   authority      = [ userinfo "@" ] uri-host [ ":" port ]
 *   uri-host       = IP-literal / IPv4address / reg-name
 *   IP-literal     = "[" IPv6address "]"
 *   port           = *DIGIT
 *   HTTP-version   = "HTTP/" DIGIT "." DIGIT     ; case-sensitive
 *   field-line     = field-name ":" OWS field-value OWS
 *   field-name     = token                       ; case-insensitive
 *   OWS            = *( SP / HTAB )
 *   obs-fold       = eol 1*( SP / HTAB )         ; continues the previous field
 *   Host           = uri-host [ ":" port ]
 *   Content-Length = 1*DIGIT                     ; RFC 9110 §8.6
 *   Transfer-Encoding = #transfer-coding         ; RFC 9112 §6.1, #: comma list
 *   transfer-coding = token *( OWS ";" OWS token BWS "=" BWS ( token / quoted-string ) )
 *
 * What the parser accepts and decides:
 *
 * - NOT_HTTP is decided from the first bytes so the dataplane stops early:
 *   the method must be 1..HTTP_METHOD_MAX_LEN bytes of [A-Z0-9_-] followed
 *   by SP (tchar narrowed to what registered methods use; lower-case "get"
 *   is not GET, servers answer it 400/501). TLS (0x16), SSH ("SSH-2.0-..."
 *   has '.'), and binary fail within a few bytes. Known methods: GET HEAD
 *   POST PUT DELETE CONNECT OPTIONS TRACE PATCH; any other such token is
 *   HTTP_M_OTHER (WebDAV, SSDP) and parsed like the rest, except that if its
 *   request line is not valid HTTP/1 the result is NOT_HTTP(UNKNOWN_METHOD)
 *   rather than MALFORMED (a server would not take it as HTTP/1 either).
 *   "PRI" is NOT_HTTP: with the exact 24-byte HTTP/2 preface
 *   "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" reason H2_PREFACE and HTTP_F_H2_PREFACE
 *   (h2c with prior knowledge, for a later HTTP/2 parser), else NOT_TOKEN.
 * - Lines end in CRLF or a bare LF (what nginx, Apache and curl accept); a
 *   CR anywhere else is MALFORMED(BARE_CR), a NUL is MALFORMED(NUL).
 * - Request line: runs of SP/HTAB between and after the three parts are
 *   accepted (HTTP_F_LAX_WS), as nginx does. Version HTTP/1.0 and HTTP/1.1;
 *   HTTP/1.2-1.9 accepted with HTTP_F_VERSION_OTHER (RFC 9110 §6.2); anything
 *   else, including HTTP/0.9's missing version, is MALFORMED(VERSION).
 * - Target: CONNECT needs authority-form (a missing port is accepted with
 *   HTTP_F_CONNECT_NO_PORT; the name's source is CONNECT_AUTHORITY and
 *   connect_port is set). "*" needs OPTIONS (or an unregistered method:
 *   SSDP sends "M-SEARCH *"). Otherwise "/" starts origin-form, and
 *   scheme "://" starts absolute-form, whose authority gives a name
 *   (source ABSOLUTE_URI). The authority ends at '/', '?' or '#';
 *   userinfo up to the last '@' is stripped (HTTP_F_USERINFO), as URL
 *   parsers do; an IP literal loses its brackets (HTTP_NAME_F_IP_LITERAL).
 *   A scheme without "//" is MALFORMED(TARGET).
 * - Field lines: the name is a token; whitespace before the colon is
 *   MALFORMED(FIELD_WS) (RFC 9112 §5.1 says reject: the classic Host
 *   smuggling trick). Field names are matched case-insensitively ("host").
 *   A whitespace-led line right after the request line is
 *   MALFORMED(START_WS) (§2.2). Obsolete folding of a Host line is
 *   MALFORMED(OBS_FOLD); of another field it is skipped (HTTP_F_OBS_FOLD).
 * - Host value: OWS trimmed; any SP/HTAB left inside is MALFORMED(HOST_WS);
 *   a control byte, DEL or one of / ? # @ is MALFORMED(HOST_CHAR); ":port"
 *   is stripped (port = 1..5 digits <= 65535, else MALFORMED(PORT); an empty
 *   port after ':' counts as none); "[v6]:port" gives "v6" flagged as IP
 *   literal (IPv6 text syntax is checked). Other bytes (0x80+, '%', '_',
 *   sub-delims) are left for host_normalize to judge. An empty Host value is
 *   accepted (HTTP/1.0, or a URI without authority) with HTTP_F_EMPTY_HOST
 *   and gives no name. Dotted-quad IPv4 is not flagged here: host_normalize
 *   decides what is an IP literal.
 * - Ambiguity: a second Host field, or a Host host that differs (ASCII
 *   case-insensitive, ports ignored) from the absolute-URI or CONNECT host,
 *   sets HTTP_F_AMBIGUOUS. All names are kept, in wire order, up to
 *   HTTP_HEAD_MAX_NAMES; one more is MALFORMED(TOO_MANY_NAMES). Equal names
 *   from different places are each kept (each with its source).
 * - Body framing (RFC 9112 §6.3), for a caller that reads the next request
 *   of the connection: with DONE, body says how the body is delimited and
 *   content_length gives its size. Transfer-Encoding wins over
 *   Content-Length (HTTP_F_TE_AND_CL) and must end in "chunked", once, in
 *   HTTP/1.1; Content-Length may repeat (a list or several lines) only with
 *   one value (HTTP_F_LENGTH_LIST), of at most 19 significant digits.
 *   Anything else, or either field continued by obs-fold, is BODY_BAD: the
 *   head is still DONE, since its names are not in doubt.
 * - Bounds: HTTP_HEAD_MAX_FIELDS field lines; lines and head bounded by the
 *   buffer cap: a head of exactly cap bytes is fine, the first byte that
 *   does not fit makes it MALFORMED(HEAD_TOO_LONG). cap 0 (or buf NULL)
 *   fails on the first byte.
 *
 * When names are final. Lines are parsed as soon as their LF arrives, so a
 * name may be published before DONE:
 *   - an absolute-URI or CONNECT name when the request line's LF is fed;
 *   - a Host name when the first byte after its line's LF is fed (that byte
 *     tells it is not continued by obs-fold).
 * A published entry names[i], i < n_names, never changes afterwards, also
 * after MALFORMED (HEAD_TOO_LONG included) or any later call: the dataplane
 * can match every name found so far whatever the final status. The list is
 * complete only with DONE. With NOT_HTTP there are no names.
 *
 * Terminal statuses (DONE, NOT_HTTP, MALFORMED) are sticky: later feeds
 * return the same status and change nothing. Bytes fed after the end of the
 * head (a body, a pipelined request) are ignored; head_len tells where the
 * head ended.
 *
 * Pure C on (pointer, length): no allocation, no I/O. Cost is linear in the
 * bytes fed whatever the chunking (each byte is looked at a bounded number
 * of times).
 */

#include "http_head_types.h"

/* Starts a head. buf (cap bytes, the caller's) gathers the head; cap is
 * clamped to HTTP_HEAD_MAX_CAP. buf must outlive every use of the results. */
void http_head_init(struct http_head *st, uint8_t *buf, size_t cap);

/* Feeds the next len bytes of the client's stream (data may be NULL if len
 * is 0). Returns the status, also stored in st->status. */
enum http_status http_head_feed(struct http_head *st, const uint8_t *data, size_t len);

/* Short stable names for counters and logs ("host_ws", "done", "GET", "host_header"). */
const char *http_reason_str(enum http_reason r);
const char *http_status_str(enum http_status s);
const char *http_method_str(enum http_method m);
const char *http_source_str(enum http_name_source s);

#endif
