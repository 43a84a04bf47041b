/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Incremental HTTP/1.x request-head parser. The grammar, what is accepted
 * and when results are final are described in http_head.h.
 *
 * Bytes are appended to the caller's buffer and never moved, so the slices
 * handed out stay valid. The method is checked a byte at a time (NOT_HTTP
 * within a few bytes); after it, new bytes are searched for the line end
 * with memchr, and a line is parsed once, with a cursor, when its LF
 * arrives. A Host line is held back until the next line's first byte shows
 * it is not folded.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cursor.h"
#include "hostname.h"
#include "http_head.h"

enum http_phase {
	PH_METHOD = 0, /* empty lines, then the method token up to SP */
	PH_PREFACE,    /* "PRI ": comparing with the HTTP/2 preface */
	PH_REQ_LINE,   /* rest of the request line, up to LF */
	PH_FIELDS,     /* field lines, up to the empty line */
	PH_END,        /* terminal status reached */
};

/* struct http_head.framing */
#define FR_CL 0x01u           /* a Content-Length field */
#define FR_TE 0x02u           /* a Transfer-Encoding field */
#define FR_BAD 0x04u          /* one of them cannot be trusted */
#define FR_LAST_CHUNKED 0x08u /* the last transfer coding so far is chunked */

/* struct http_head.prev_kind */
enum field_kind {
	FK_OTHER = 0,
	FK_FRAMING, /* Content-Length or Transfer-Encoding: obs-fold makes it BAD */
};

static const char h2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
#define H2_PREFACE_LEN (sizeof(h2_preface) - 1)

struct method_def {
	const char *tok;
	uint8_t len;
	enum http_method m;
};

static const struct method_def methods[] = {
	{ "GET", 3, HTTP_M_GET },         { "HEAD", 4, HTTP_M_HEAD },
	{ "POST", 4, HTTP_M_POST },       { "PUT", 3, HTTP_M_PUT },
	{ "DELETE", 6, HTTP_M_DELETE },   { "CONNECT", 7, HTTP_M_CONNECT },
	{ "OPTIONS", 7, HTTP_M_OPTIONS }, { "TRACE", 5, HTTP_M_TRACE },
	{ "PATCH", 5, HTTP_M_PATCH },     { "PRI", 3, HTTP_M_PRI },
};

/* ---- byte classes ---- */

static bool is_ows(uint8_t b)
{
	return b == ' ' || b == '\t';
}

static bool is_digit(uint8_t b)
{
	return b >= '0' && b <= '9';
}

static bool is_alpha(uint8_t b)
{
	return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
}

/* RFC 9110 §5.6.2 */
static bool is_tchar(uint8_t b)
{
	if (is_alpha(b) || is_digit(b))
		return true;
	return b != 0 && strchr("!#$%&'*+-.^_`|~", b) != NULL;
}

/* What a method byte may be before NOT_HTTP is decided (see http_head.h). */
static bool is_method_byte(uint8_t b)
{
	return (b >= 'A' && b <= 'Z') || is_digit(b) || b == '-' || b == '_';
}

static uint8_t lower(uint8_t b)
{
	return b >= 'A' && b <= 'Z' ? (uint8_t)(b + ('a' - 'A')) : b;
}

static bool ieq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return false;
	for (i = 0; i < alen; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

/* ---- cursor helpers for text ---- */

static bool cur_peek(const struct cur *c, uint8_t *b)
{
	if (c->left < 1)
		return false;
	*b = c->p[0];
	return true;
}

/* Skips a run of SP/HTAB; returns how many. */
static size_t cur_skip_ows(struct cur *c)
{
	size_t n = 0;
	uint8_t b;

	while (cur_peek(c, &b) && is_ows(b)) {
		cur_skip(c, 1);
		n++;
	}
	return n;
}

/* ---- status helpers ---- */

static enum http_status finish(struct http_head *st, enum http_status s, enum http_reason r)
{
	st->status = s;
	st->reason = r;
	st->phase = PH_END;
	return s;
}

static enum http_status bad(struct http_head *st, enum http_reason r)
{
	return finish(st, HTTP_MALFORMED, r);
}

static enum http_status not_http(struct http_head *st, enum http_reason r)
{
	return finish(st, HTTP_NOT_HTTP, r);
}

/* ---- authority: [ userinfo "@" ] uri-host [ ":" port ] ---- */

/* port = *DIGIT, here 0..5 digits <= 65535; empty means "no port". */
static enum http_reason parse_port(struct cur *c, struct http_name *nm)
{
	uint32_t v = 0;
	size_t digits = 0;
	uint8_t b;

	if (c->left == 0)
		return HTTP_R_NONE;
	while (cur_u8(c, &b)) {
		if (!is_digit(b) || digits == 5)
			return HTTP_R_PORT;
		v = v * 10 + (uint32_t)(b - '0');
		digits++;
	}
	if (v > 65535)
		return HTTP_R_PORT;
	nm->port = (uint16_t)v;
	nm->flags |= HTTP_NAME_F_PORT;
	return HTTP_R_NONE;
}

/*
 * Splits an authority into host and port. The host keeps its bytes as sent
 * (brackets of an IP literal removed). With userinfo_ok everything up to the
 * last '@' is dropped: URL parsers (WHATWG, curl) take the host after the
 * last '@', so "http://a.example@b.example/" goes to b.example.
 */
static enum http_reason parse_authority(struct http_head *st, const uint8_t *p, size_t n,
					bool userinfo_ok, struct http_name *nm)
{
	struct cur c;
	size_t i, hlen;
	uint8_t b;

	memset(nm, 0, sizeof(*nm));
	if (userinfo_ok) {
		for (i = n; i > 0; i--) {
			if (p[i - 1] == '@') {
				st->flags |= HTTP_F_USERINFO;
				p += i;
				n -= i;
				break;
			}
		}
	}
	c = cur_make(p, n);
	if (n == 0)
		return HTTP_R_HOST_EMPTY;

	if (p[0] == '[') {
		for (hlen = 1; hlen < n && p[hlen] != ']'; hlen++)
			;
		if (hlen == n || !host_is_ipv6_text(p + 1, hlen - 1))
			return HTTP_R_IPV6;
		nm->p = p + 1;
		nm->len = (uint16_t)(hlen - 1);
		nm->flags |= HTTP_NAME_F_IP_LITERAL;
		cur_skip(&c, hlen + 1);
		if (!cur_u8(&c, &b))
			return HTTP_R_NONE;
		if (b != ':')
			return HTTP_R_HOST_CHAR;
		return parse_port(&c, nm);
	}

	for (hlen = 0; hlen < n && p[hlen] != ':'; hlen++) {
		b = p[hlen];
		if (is_ows(b))
			return HTTP_R_HOST_WS;
		if (b < 0x20 || b == 0x7f || b == '/' || b == '?' || b == '#' || b == '@' ||
		    b == '[' || b == ']')
			return HTTP_R_HOST_CHAR;
	}
	if (hlen == 0)
		return HTTP_R_HOST_EMPTY;
	nm->p = p;
	nm->len = (uint16_t)hlen;
	cur_skip(&c, hlen);
	if (!cur_u8(&c, &b)) /* no ':' */
		return HTTP_R_NONE;
	return parse_port(&c, nm);
}

/* Appends a name; the entry is filled before n_names counts it. */
static enum http_status add_name(struct http_head *st, const struct http_name *nm,
				 enum http_name_source src)
{
	struct http_name *slot;

	if (st->n_names == HTTP_HEAD_MAX_NAMES) {
		st->flags |= HTTP_F_AMBIGUOUS;
		return bad(st, HTTP_R_TOO_MANY_NAMES);
	}
	slot = &st->names[st->n_names];
	*slot = *nm;
	slot->source = (uint8_t)src;
	if (nm->flags & HTTP_NAME_F_IP_LITERAL)
		st->flags |= HTTP_F_IP_LITERAL;
	if (nm->flags & HTTP_NAME_F_PORT)
		st->flags |= HTTP_F_PORT;
	st->n_names++;
	return HTTP_NEED_MORE;
}

/* ---- request line ---- */

/* request-target after "scheme:" must be "//" authority ...; returns the
 * authority span. */
static bool absolute_authority(const uint8_t *t, size_t n, const uint8_t **auth, size_t *alen)
{
	size_t i = 0, a;

	if (n == 0 || !is_alpha(t[0]))
		return false;
	while (i < n && (is_alpha(t[i]) || is_digit(t[i]) || t[i] == '+' || t[i] == '-' ||
			 t[i] == '.'))
		i++;
	if (n - i < 3 || t[i] != ':' || t[i + 1] != '/' || t[i + 2] != '/')
		return false;
	i += 3;
	for (a = i; a < n && t[a] != '/' && t[a] != '?' && t[a] != '#'; a++)
		;
	*auth = t + i;
	*alen = a - i;
	return true;
}

/* Sets target_form; a target with a host fills *nm and returns its source
 * in *src (left at -1 when there is none). */
static enum http_reason classify_target(struct http_head *st, const uint8_t *t, size_t n,
					struct http_name *nm, int *src)
{
	enum http_reason r;
	const uint8_t *auth;
	size_t alen, i;

	if (st->method == HTTP_M_CONNECT) {
		for (i = 0; i < n; i++)
			if (t[i] == '/' || t[i] == '?' || t[i] == '#')
				return HTTP_R_TARGET;
		r = parse_authority(st, t, n, true, nm);
		if (r != HTTP_R_NONE)
			return r;
		st->target_form = HTTP_T_AUTHORITY;
		if (nm->flags & HTTP_NAME_F_PORT)
			st->connect_port = nm->port;
		else
			st->flags |= HTTP_F_CONNECT_NO_PORT;
		*src = HTTP_SRC_CONNECT_AUTHORITY;
		return HTTP_R_NONE;
	}
	if (n == 1 && t[0] == '*') {
		/* OPTIONS, and unregistered methods such as SSDP's M-SEARCH */
		if (st->method != HTTP_M_OPTIONS && st->method != HTTP_M_OTHER)
			return HTTP_R_TARGET;
		st->target_form = HTTP_T_ASTERISK;
		return HTTP_R_NONE;
	}
	if (t[0] == '/') {
		st->target_form = HTTP_T_ORIGIN;
		return HTTP_R_NONE;
	}
	if (!absolute_authority(t, n, &auth, &alen))
		return HTTP_R_TARGET;
	r = parse_authority(st, auth, alen, true, nm);
	if (r != HTTP_R_NONE)
		return r;
	st->target_form = HTTP_T_ABSOLUTE;
	*src = HTTP_SRC_ABSOLUTE_URI;
	return HTTP_R_NONE;
}

/* line = [s, e) without the line end; the method token was checked already. */
static enum http_reason request_line(struct http_head *st, size_t s, size_t e,
				     struct http_name *nm, int *src)
{
	struct cur c = cur_make(st->buf + s, e - s);
	struct cur tgt;
	const uint8_t *t;
	size_t n = 0;
	uint8_t b, v[8];

	cur_skip(&c, st->method_len);
	if (cur_skip_ows(&c) > 1) /* the first one is the SP that ended the method */
		st->flags |= HTTP_F_LAX_WS;

	t = c.p;
	while (cur_peek(&c, &b) && !is_ows(b)) {
		if (b < 0x20 || b == 0x7f)
			return HTTP_R_TARGET;
		cur_skip(&c, 1);
		n++;
	}
	if (n == 0)
		return HTTP_R_REQUEST_LINE;
	tgt = cur_make(t, n);

	/* HTTP-version, then tolerated trailing whitespace */
	if (cur_skip_ows(&c) > 1)
		st->flags |= HTTP_F_LAX_WS;
	if (c.left == 0)
		return HTTP_R_VERSION; /* HTTP/0.9 "GET /" */
	if (c.left < sizeof(v))
		return HTTP_R_VERSION;
	memcpy(v, c.p, sizeof(v));
	cur_skip(&c, sizeof(v));
	if (memcmp(v, "HTTP/1.", 7) != 0 || !is_digit(v[7]))
		return HTTP_R_VERSION;
	if (cur_skip_ows(&c) > 0)
		st->flags |= HTTP_F_LAX_WS;
	if (c.left != 0)
		return HTTP_R_VERSION;
	st->version_minor = (uint8_t)(v[7] - '0');
	if (st->version_minor > 1)
		st->flags |= HTTP_F_VERSION_OTHER;

	return classify_target(st, tgt.p, tgt.left, nm, src);
}

/* ---- field lines ---- */

/* The held-back Host line is final: trim, split, publish. */
static enum http_status host_field(struct http_head *st)
{
	struct cur c = cur_make(st->buf + st->pend, (size_t)(st->pend_end - st->pend));
	struct http_name nm;
	enum http_reason r;
	size_t i, n;
	uint8_t b;

	st->pend_end = 0;
	if (st->n_host_fields > 1)
		st->flags |= HTTP_F_AMBIGUOUS;
	cur_skip_ows(&c);
	n = c.left;
	while (n > 0 && is_ows(c.p[n - 1]))
		n--;
	if (n == 0) {
		st->flags |= HTTP_F_EMPTY_HOST;
		return HTTP_NEED_MORE;
	}
	/* whitespace anywhere inside is its own reason, whatever else is wrong */
	for (i = 0; i < n; i++) {
		b = c.p[i];
		if (is_ows(b))
			return bad(st, HTTP_R_HOST_WS);
	}
	r = parse_authority(st, c.p, n, false, &nm);
	if (r != HTTP_R_NONE)
		return bad(st, r);

	for (i = 0; i < st->n_names; i++) {
		const struct http_name *o = &st->names[i];

		if (o->source != HTTP_SRC_HOST_HEADER && !ieq(o->p, o->len, nm.p, nm.len))
			st->flags |= HTTP_F_AMBIGUOUS;
	}
	return add_name(st, &nm, HTTP_SRC_HOST_HEADER);
}

/* ---- body framing ---- */

/* Content-Length: OWS-trimmed 1*DIGIT, or a list of them that agree with
 * each other and with earlier lines. */
static void content_length(struct http_head *st, struct cur c)
{
	uint8_t b;

	for (;;) { /* one element per pass; each consumes at least one byte */
		uint64_t v = 0;
		size_t digits = 0, sig = 0;

		cur_skip_ows(&c);
		while (cur_peek(&c, &b) && is_digit(b)) {
			cur_skip(&c, 1);
			digits++;
			if (sig == 0 && b == '0')
				continue;
			if (++sig > 19) { /* 10^19 - 1 < 2^64 */
				st->framing |= FR_BAD;
				return;
			}
			v = v * 10 + (uint64_t)(b - '0');
		}
		cur_skip_ows(&c);
		if (digits == 0 || ((st->framing & FR_CL) && v != st->content_length)) {
			st->framing |= FR_BAD;
			return;
		}
		if (st->framing & FR_CL)
			st->flags |= HTTP_F_LENGTH_LIST;
		st->framing |= FR_CL;
		st->content_length = v;
		if (c.left == 0)
			return;
		if (!cur_u8(&c, &b) || b != ',') {
			st->framing |= FR_BAD;
			return;
		}
	}
}

/* Skips a quoted-string (RFC 9110 §5.6.4) whose '"' was taken. */
static bool skip_quoted(struct cur *c)
{
	uint8_t b;

	while (cur_u8(c, &b)) {
		if (b == '"')
			return true;
		if (b == '\\' && !cur_u8(c, &b))
			return false;
	}
	return false;
}

/* Transfer-Encoding: a comma list of codings, each a token with optional
 * ";name=value" parameters. Empty elements are allowed (RFC 9110 §5.6.1). */
static void transfer_encoding(struct http_head *st, struct cur c)
{
	uint8_t b;

	st->framing |= FR_TE;
	for (;;) {
		const uint8_t *tok;
		size_t n = 0;

		cur_skip_ows(&c);
		tok = c.p;
		while (cur_peek(&c, &b) && is_tchar(b)) {
			cur_skip(&c, 1);
			n++;
		}
		if (n > 0) {
			if (ieq(tok, n, (const uint8_t *)"chunked", 7)) {
				st->framing |= FR_LAST_CHUNKED;
				if (st->n_chunked < UINT8_MAX)
					st->n_chunked++;
			} else {
				st->framing &= (uint8_t)~FR_LAST_CHUNKED;
			}
		}
		cur_skip_ows(&c);
		if (n > 0 && cur_peek(&c, &b) && b == ';') {
			/* parameters: anything up to the next ',' outside quotes */
			while (cur_u8(&c, &b) && b != ',') {
				if (b == '"' && !skip_quoted(&c)) {
					st->framing |= FR_BAD;
					return;
				}
			}
			if (b != ',')
				return; /* end of the value */
			continue;
		}
		if (c.left == 0)
			return;
		if (!cur_u8(&c, &b) || b != ',') {
			st->framing |= FR_BAD;
			return;
		}
	}
}

/* What the framing fields say, at the end of the head. */
static enum http_body body_of(struct http_head *st)
{
	if (st->framing & FR_BAD)
		return HTTP_BODY_BAD;
	if (st->framing & FR_TE) {
		if (st->framing & FR_CL)
			st->flags |= HTTP_F_TE_AND_CL;
		if (st->version_minor == 0 || !(st->framing & FR_LAST_CHUNKED) ||
		    st->n_chunked != 1)
			return HTTP_BODY_BAD;
		return HTTP_BODY_CHUNKED;
	}
	return (st->framing & FR_CL) ? HTTP_BODY_LENGTH : HTTP_BODY_NONE;
}

/* A complete field line [s, e) (line end removed), or the empty line. */
static enum http_status field_line(struct http_head *st, size_t s, size_t e, size_t lf)
{
	struct cur c = cur_make(st->buf + s, e - s);
	size_t nlen = 0;
	uint8_t b;

	if (s == e) {
		st->head_len = (uint16_t)(lf + 1);
		if (st->n_host_fields == 0)
			st->flags |= HTTP_F_NO_HOST;
		st->body = (uint8_t)body_of(st);
		return finish(st, HTTP_DONE, HTTP_R_NONE);
	}
	if (is_ows(st->buf[s])) {
		/* A folded Host line was refused at this line's first byte. */
		if (st->n_fields == 0)
			return bad(st, HTTP_R_START_WS);
		st->flags |= HTTP_F_OBS_FOLD;
		if (st->prev_kind == FK_FRAMING)
			st->framing |= FR_BAD; /* the value read was not all of it */
		return HTTP_NEED_MORE;
	}
	if (st->n_fields == HTTP_HEAD_MAX_FIELDS)
		return bad(st, HTTP_R_TOO_MANY_FIELDS);
	st->n_fields++;

	while (cur_peek(&c, &b) && is_tchar(b)) {
		cur_skip(&c, 1);
		nlen++;
	}
	if (!cur_u8(&c, &b) || nlen == 0)
		return bad(st, HTTP_R_FIELD_NAME);
	if (b != ':')
		return bad(st, is_ows(b) ? HTTP_R_FIELD_WS : HTTP_R_FIELD_NAME);

	st->prev_kind = FK_OTHER;
	if (ieq(st->buf + s, nlen, (const uint8_t *)"host", 4)) {
		if (st->n_host_fields < UINT8_MAX)
			st->n_host_fields++;
		st->pend = (uint16_t)(s + nlen + 1);
		st->pend_end = (uint16_t)e;
	} else if (ieq(st->buf + s, nlen, (const uint8_t *)"content-length", 14)) {
		st->prev_kind = FK_FRAMING;
		content_length(st, c);
	} else if (ieq(st->buf + s, nlen, (const uint8_t *)"transfer-encoding", 17)) {
		st->prev_kind = FK_FRAMING;
		transfer_encoding(st, c);
	}
	return HTTP_NEED_MORE;
}

/* ---- the byte loop ---- */

static enum http_method method_of(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].len == n && memcmp(methods[i].tok, p, n) == 0)
			return methods[i].m;
	return HTTP_M_OTHER;
}

/* One byte of the first line before the method's SP. */
static enum http_status method_byte(struct http_head *st, size_t i, uint8_t b)
{
	size_t pos = i - st->line;

	if (b == '\n') {
		if (pos == 0 || (pos == 1 && st->buf[st->line] == '\r')) {
			if (pos == 0)
				st->flags |= HTTP_F_BARE_LF;
			st->flags |= HTTP_F_LEADING_EMPTY;
			if (++st->n_empty > HTTP_HEAD_MAX_EMPTY_LINES)
				return bad(st, HTTP_R_LEADING_EMPTY);
			st->line = (uint16_t)(i + 1);
			return HTTP_NEED_MORE;
		}
		return not_http(st, HTTP_R_NOT_TOKEN);
	}
	if (pos == 0 && b == '\r')
		return HTTP_NEED_MORE;
	if (pos == 1 && st->buf[st->line] == '\r')
		return not_http(st, HTTP_R_NOT_TOKEN);
	if (b == ' ' && pos > 0) {
		st->method_tok = st->buf + st->line;
		st->method_len = (uint8_t)pos;
		st->method = method_of(st->method_tok, pos);
		if (st->method == HTTP_M_PRI) {
			st->phase = PH_PREFACE;
		} else {
			if (st->method == HTTP_M_OTHER)
				st->flags |= HTTP_F_METHOD_OTHER;
			st->phase = PH_REQ_LINE;
		}
		return HTTP_NEED_MORE;
	}
	if (!is_method_byte(b) || pos >= HTTP_METHOD_MAX_LEN)
		return not_http(st, HTTP_R_NOT_TOKEN);
	return HTTP_NEED_MORE;
}

/* The LF at lf ends the current line (the loop has already refused NUL and
 * bare CR in it). */
static enum http_status line_end(struct http_head *st, size_t lf)
{
	size_t s = st->line, e = lf;
	struct http_name nm;
	enum http_reason r;
	int src = -1;

	if (e > s && st->buf[e - 1] == '\r')
		e--;
	else
		st->flags |= HTTP_F_BARE_LF;
	st->line = (uint16_t)(lf + 1);

	if (st->phase == PH_FIELDS)
		return field_line(st, s, e, lf);

	r = request_line(st, s, e, &nm, &src);
	if (r != HTTP_R_NONE) {
		if (st->method == HTTP_M_OTHER)
			return not_http(st, HTTP_R_UNKNOWN_METHOD);
		return bad(st, r);
	}
	st->phase = PH_FIELDS;
	if (src >= 0)
		return add_name(st, &nm, (enum http_name_source)src);
	return HTTP_NEED_MORE;
}

/*
 * Looks at bytes [i, len) of a request or field line: returns the index of
 * the LF that ends it (len if not there yet) and refuses NUL and bare CR on
 * the way. memchr keeps long lines (cookies) cheap; the error reported is
 * the one at the lowest position, NUL first on a tie, exactly as a byte at
 * a time would find it, so the result does not depend on the chunking.
 */
static size_t line_scan(struct http_head *st, size_t i)
{
	const uint8_t *b = st->buf, *p;
	size_t len = st->len, stop, err = SIZE_MAX;
	enum http_reason r = HTTP_R_NONE;

	/* a CR that ended the previous feed must be followed by LF */
	if (i > st->line && b[i - 1] == '\r' && b[i] != '\n') {
		err = i;
		r = HTTP_R_BARE_CR;
	}
	p = memchr(b + i, '\n', len - i);
	stop = p != NULL ? (size_t)(p - b) : len;
	/* the first CR is fine only right before the LF (or as the last byte so far) */
	p = memchr(b + i, '\r', stop - i);
	if (p != NULL && (size_t)(p - b) + 1 < stop && (size_t)(p - b) + 1 < err) {
		err = (size_t)(p - b) + 1;
		r = HTTP_R_BARE_CR;
	}
	p = memchr(b + i, 0, stop - i);
	if (p != NULL && (size_t)(p - b) <= err) {
		err = (size_t)(p - b);
		r = HTTP_R_NUL;
	}
	if (r != HTTP_R_NONE)
		bad(st, r);
	return stop;
}

static void parse(struct http_head *st)
{
	while (st->status == HTTP_NEED_MORE && st->scan < st->len) {
		size_t i = st->scan, stop;
		uint8_t b = st->buf[i];

		switch (st->phase) {
		case PH_METHOD:
			st->scan++;
			method_byte(st, i, b);
			break;
		case PH_PREFACE:
			st->scan++;
			if (b != (uint8_t)h2_preface[i - st->line]) {
				not_http(st, HTTP_R_NOT_TOKEN);
			} else if (i - st->line + 1 == H2_PREFACE_LEN) {
				st->flags |= HTTP_F_H2_PREFACE;
				not_http(st, HTTP_R_H2_PREFACE);
			}
			break;
		case PH_REQ_LINE:
		case PH_FIELDS:
			/* the first byte of a line settles the Host line before it */
			if (st->phase == PH_FIELDS && i == st->line && st->pend_end != 0) {
				if (is_ows(b)) {
					bad(st, HTTP_R_OBS_FOLD);
					break;
				}
				if (host_field(st) != HTTP_NEED_MORE)
					break;
			}
			stop = line_scan(st, i);
			if (st->status != HTTP_NEED_MORE)
				break;
			if (stop == st->len) {
				st->scan = st->len;
				break;
			}
			st->scan = (uint16_t)(stop + 1);
			line_end(st, stop);
			break;
		default:
			return;
		}
	}
}

void http_head_init(struct http_head *st, uint8_t *buf, size_t cap)
{
	memset(st, 0, sizeof(*st));
	st->status = HTTP_NEED_MORE;
	st->reason = HTTP_R_NONE;
	st->phase = PH_METHOD;
	st->buf = buf;
	st->cap = buf == NULL ? 0 : (uint16_t)(cap > HTTP_HEAD_MAX_CAP ? HTTP_HEAD_MAX_CAP : cap);
}

enum http_status http_head_feed(struct http_head *st, const uint8_t *data, size_t len)
{
	size_t room, n;

	if (st->status != HTTP_NEED_MORE)
		return st->status;
	if (data == NULL)
		len = 0;
	room = (size_t)(st->cap - st->len);
	n = len < room ? len : room;
	if (n > 0) {
		memcpy(st->buf + st->len, data, n);
		st->len = (uint16_t)(st->len + n);
	}
	parse(st);
	if (st->status != HTTP_NEED_MORE || n == len)
		return st->status;

	/*
	 * A byte arrived that does not fit: the head is too long. Deciding on
	 * that byte rather than on a full buffer keeps the result independent of
	 * the chunking, and lets a Host line that ends right at the cap be
	 * published: the byte after it (data[n]) shows whether it is folded.
	 */
	if (st->pend_end != 0 && st->line == st->len && !is_ows(data[n]) &&
	    host_field(st) != HTTP_NEED_MORE)
		return st->status;
	return bad(st, HTTP_R_HEAD_TOO_LONG);
}

/* ---- names for counters and logs ---- */

const char *http_reason_str(enum http_reason r)
{
	static const char *const s[HTTP_R_COUNT] = {
		[HTTP_R_NONE] = "none",
		[HTTP_R_NOT_TOKEN] = "not_token",
		[HTTP_R_H2_PREFACE] = "h2_preface",
		[HTTP_R_UNKNOWN_METHOD] = "unknown_method",
		[HTTP_R_LEADING_EMPTY] = "leading_empty",
		[HTTP_R_BARE_CR] = "bare_cr",
		[HTTP_R_NUL] = "nul",
		[HTTP_R_REQUEST_LINE] = "request_line",
		[HTTP_R_TARGET] = "target",
		[HTTP_R_VERSION] = "version",
		[HTTP_R_START_WS] = "start_ws",
		[HTTP_R_FIELD_NAME] = "field_name",
		[HTTP_R_FIELD_WS] = "field_ws",
		[HTTP_R_OBS_FOLD] = "obs_fold",
		[HTTP_R_HOST_WS] = "host_ws",
		[HTTP_R_HOST_CHAR] = "host_char",
		[HTTP_R_HOST_EMPTY] = "host_empty",
		[HTTP_R_IPV6] = "ipv6",
		[HTTP_R_PORT] = "port",
		[HTTP_R_TOO_MANY_NAMES] = "too_many_names",
		[HTTP_R_TOO_MANY_FIELDS] = "too_many_fields",
		[HTTP_R_HEAD_TOO_LONG] = "head_too_long",
	};

	if ((unsigned)r >= HTTP_R_COUNT || s[r] == NULL)
		return "unknown";
	return s[r];
}

const char *http_status_str(enum http_status s)
{
	switch (s) {
	case HTTP_NEED_MORE:
		return "need_more";
	case HTTP_DONE:
		return "done";
	case HTTP_NOT_HTTP:
		return "not_http";
	case HTTP_MALFORMED:
		return "malformed";
	}
	return "unknown";
}

const char *http_method_str(enum http_method m)
{
	size_t i;

	if (m == HTTP_M_NONE)
		return "none";
	if (m == HTTP_M_OTHER)
		return "other";
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].m == m)
			return methods[i].tok;
	return "unknown";
}

const char *http_source_str(enum http_name_source s)
{
	switch (s) {
	case HTTP_SRC_HOST_HEADER:
		return "host_header";
	case HTTP_SRC_ABSOLUTE_URI:
		return "absolute_uri";
	case HTTP_SRC_CONNECT_AUTHORITY:
		return "connect_authority";
	}
	return "unknown";
}
