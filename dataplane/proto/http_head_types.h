/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_PROTO_HTTP_HEAD_TYPES_H
#define KB_PROTO_HTTP_HEAD_TYPES_H

/*
 * Types of the incremental HTTP/1.x request-head parser (http_head.h has the
 * functions and the description of the grammar and of when results are final).
 */

#include <stddef.h>
#include <stdint.h>

/*
 * Gather buffer size the dataplane gives each flow. 8 KiB: the default request
 * head limit of nginx (large_client_header_buffers line size) and Apache
 * (LimitRequestLine / LimitRequestFieldSize), so a head a common server
 * accepts fits; real browser heads are well under 2 KiB. Callers may pass any
 * cap; values above HTTP_HEAD_MAX_CAP are clamped (offsets are 16-bit).
 */
#define HTTP_HEAD_DEFAULT_CAP 8192
#define HTTP_HEAD_MAX_CAP 65535

/* Names kept per head. A fifth one makes the head MALFORMED(TOO_MANY_NAMES):
 * a name the matcher cannot see must not let the flow through silently. */
#define HTTP_HEAD_MAX_NAMES 4
/* Field lines per head (nginx and Apache allow 100; some clients send more cookies). */
#define HTTP_HEAD_MAX_FIELDS 128
/* Longest method token: the longest IANA-registered one is 17 (UPDATEREDIRECTREF). */
#define HTTP_METHOD_MAX_LEN 20
/* Empty lines ignored before the request line (RFC 9112 §2.2; Apache allows 10). */
#define HTTP_HEAD_MAX_EMPTY_LINES 10

enum http_status {
	HTTP_NEED_MORE = 0, /* feed more bytes; names so far stay valid */
	HTTP_DONE = 1,      /* end of head seen; names complete */
	HTTP_NOT_HTTP = 2,  /* not an HTTP/1 request: stop inspecting */
	HTTP_MALFORMED = 3, /* HTTP/1 but broken: see reason; names so far stay valid */
};

enum http_reason {
	HTTP_R_NONE = 0,
	/* with HTTP_NOT_HTTP */
	HTTP_R_NOT_TOKEN,      /* first bytes are not a method token followed by SP */
	HTTP_R_H2_PREFACE,     /* exactly the HTTP/2 connection preface (h2c, prior knowledge) */
	HTTP_R_UNKNOWN_METHOD, /* unregistered method and not a valid HTTP/1 request line */
	/* with HTTP_MALFORMED */
	HTTP_R_LEADING_EMPTY,  /* more than HTTP_HEAD_MAX_EMPTY_LINES empty lines first */
	HTTP_R_BARE_CR,        /* CR not followed by LF */
	HTTP_R_NUL,            /* NUL byte in the head */
	HTTP_R_REQUEST_LINE,   /* request line not "method SP target SP version" */
	HTTP_R_TARGET,         /* request-target does not fit the method's form */
	HTTP_R_VERSION,        /* not HTTP/1.x */
	HTTP_R_START_WS,       /* whitespace-led line right after the request line */
	HTTP_R_FIELD_NAME,     /* field name empty, not a token, or no colon */
	HTTP_R_FIELD_WS,       /* whitespace between field name and colon */
	HTTP_R_OBS_FOLD,       /* Host value continued by obsolete line folding */
	HTTP_R_HOST_WS,        /* whitespace inside a host (Host value or URI authority) */
	HTTP_R_HOST_CHAR,      /* control byte or URI delimiter inside a host */
	HTTP_R_HOST_EMPTY,     /* authority with a port but no host (":80", "http:///") */
	HTTP_R_IPV6,           /* bad IPv6 literal ("[" without "]", bad characters) */
	HTTP_R_PORT,           /* port not 1..5 digits <= 65535 */
	HTTP_R_TOO_MANY_NAMES, /* more than HTTP_HEAD_MAX_NAMES host names */
	HTTP_R_TOO_MANY_FIELDS,/* more than HTTP_HEAD_MAX_FIELDS field lines */
	HTTP_R_HEAD_TOO_LONG,  /* buffer full before the end of the head */
	HTTP_R_COUNT
};

enum http_method {
	HTTP_M_NONE = 0, /* not known yet */
	HTTP_M_GET,
	HTTP_M_HEAD,
	HTTP_M_POST,
	HTTP_M_PUT,
	HTTP_M_DELETE,
	HTTP_M_CONNECT,
	HTTP_M_OPTIONS,
	HTTP_M_TRACE,
	HTTP_M_PATCH,
	HTTP_M_PRI,   /* only seen with HTTP_NOT_HTTP */
	HTTP_M_OTHER, /* another upper-case token (WebDAV, SSDP, ...): see method_tok */
};

/* RFC 9112 §3.2 */
enum http_target_form {
	HTTP_T_NONE = 0,  /* request line not parsed yet */
	HTTP_T_ORIGIN,    /* "/path?query" */
	HTTP_T_ABSOLUTE,  /* "http://host:port/path" (to a proxy) */
	HTTP_T_AUTHORITY, /* "host:port" (CONNECT) */
	HTTP_T_ASTERISK,  /* "*" (OPTIONS) */
};

enum http_name_source {
	HTTP_SRC_HOST_HEADER = 0,
	HTTP_SRC_ABSOLUTE_URI = 1,
	HTTP_SRC_CONNECT_AUTHORITY = 2,
};

/*
 * How the request's body is delimited (RFC 9112 §6.3), known with DONE. A
 * request with neither Content-Length nor Transfer-Encoding has none, so the
 * next request head follows the empty line.
 */
enum http_body {
	HTTP_BODY_NONE = 0, /* no body */
	HTTP_BODY_LENGTH,   /* content_length bytes */
	HTTP_BODY_CHUNKED,  /* Transfer-Encoding whose last coding is chunked */
	HTTP_BODY_BAD,      /* length not reliable: a Content-Length that is not
			       1*DIGIT (or a list of equal ones), two that differ,
			       a Transfer-Encoding not ending in chunked or with
			       chunked twice, one in an HTTP/1.0 request, or either
			       field continued by obs-fold. A server answers 400 and
			       closes (RFC 9112 §6.1, §6.3). */
};

/* struct http_name.flags */
#define HTTP_NAME_F_IP_LITERAL (1u << 0) /* was "[...]": the brackets are stripped */
#define HTTP_NAME_F_PORT       (1u << 1) /* a port followed the host: see .port */

/* struct http_head.flags: anomalies worth a counter; none of them stops parsing. */
#define HTTP_F_AMBIGUOUS       (1u << 0)  /* >1 Host field, or Host != URI/CONNECT host */
#define HTTP_F_IP_LITERAL      (1u << 1)  /* some name has HTTP_NAME_F_IP_LITERAL */
#define HTTP_F_PORT            (1u << 2)  /* some name has HTTP_NAME_F_PORT */
#define HTTP_F_EMPTY_HOST      (1u << 3)  /* a Host field with an empty value */
#define HTTP_F_NO_HOST         (1u << 4)  /* DONE without any Host field */
#define HTTP_F_CONNECT_NO_PORT (1u << 5)  /* CONNECT authority without ":port" */
#define HTTP_F_USERINFO        (1u << 6)  /* "user@" stripped from a URI/CONNECT authority */
#define HTTP_F_BARE_LF         (1u << 7)  /* some line ended in LF without CR */
#define HTTP_F_OBS_FOLD        (1u << 8)  /* obsolete folding in a field other than Host */
#define HTTP_F_LAX_WS          (1u << 9)  /* request line with extra SP/HTAB */
#define HTTP_F_VERSION_OTHER   (1u << 10) /* HTTP/1.2 .. HTTP/1.9 (treated as 1.1) */
#define HTTP_F_METHOD_OTHER    (1u << 11) /* method is HTTP_M_OTHER */
#define HTTP_F_LEADING_EMPTY   (1u << 12) /* empty lines before the request line */
#define HTTP_F_H2_PREFACE      (1u << 13) /* the HTTP/2 preface (status NOT_HTTP) */
#define HTTP_F_TE_AND_CL       (1u << 14) /* Transfer-Encoding and Content-Length: TE wins */
#define HTTP_F_LENGTH_LIST     (1u << 15) /* Content-Length repeated (same value) */

struct http_name {
	const uint8_t *p; /* into the state's buffer; not normalised (see host_normalize) */
	uint16_t len;     /* >= 1 */
	uint16_t port;    /* valid if flags & HTTP_NAME_F_PORT */
	uint8_t source;   /* enum http_name_source */
	uint8_t flags;    /* HTTP_NAME_F_* */
};

/*
 * Parser state and results. The caller reads the result fields and leaves
 * the private ones alone. Slices (method_tok, names[].p) point into buf, so
 * they live as long as the caller's buffer is neither freed nor reused.
 */
struct http_head {
	/* results */
	enum http_status status;
	enum http_reason reason;
	enum http_method method;
	enum http_target_form target_form;
	const uint8_t *method_tok; /* the method as sent (valid once method != NONE) */
	uint8_t method_len;
	uint8_t version_minor;     /* 0 or 1 (2..9 with HTTP_F_VERSION_OTHER) */
	uint8_t n_names;
	uint8_t n_host_fields;     /* Host field lines seen, empty ones included */
	uint16_t connect_port;     /* CONNECT authority port, 0 if none */
	uint16_t flags;            /* HTTP_F_* */
	uint16_t head_len;         /* with DONE: bytes of the head incl. the empty line */
	uint16_t n_fields;         /* field lines seen */
	uint8_t body;              /* enum http_body, with DONE */
	uint64_t content_length;   /* with HTTP_BODY_LENGTH */
	struct http_name names[HTTP_HEAD_MAX_NAMES];

	/* private */
	uint8_t *buf;
	uint16_t cap;
	uint16_t len;      /* bytes gathered into buf */
	uint16_t scan;     /* next byte to look at */
	uint16_t line;     /* start of the line being gathered */
	uint16_t pend;     /* start of a complete Host line waiting for the next line's
			      first byte (obs-fold check); valid if pend_end != 0 */
	uint16_t pend_end; /* end of that line without CR LF */
	uint8_t phase;     /* private enum in http_head.c */
	uint8_t n_empty;   /* leading empty lines */
	uint8_t pri_seen;  /* bytes of the HTTP/2 preface matched so far */
	uint8_t framing;   /* private FR_* bits: Content-Length / Transfer-Encoding seen */
	uint8_t n_chunked; /* "chunked" codings in Transfer-Encoding (saturating) */
	uint8_t prev_kind; /* what the last field line was (obs-fold of CL/TE) */
};

#endif
