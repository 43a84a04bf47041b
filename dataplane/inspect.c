/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client-stream inspection: route, extract, normalise, match. inspect.h
 * describes when a verdict falls.
 */
#include "inspect.h"

#include <stdbool.h>
#include <string.h>

#include "h2c.h"
#include "hostname.h"
#include "http_chunked.h"
#include "http_head.h"
#include "inspect_l7.h"
#include "tls_hello.h"

#define TLS_CONTENT_HANDSHAKE 0x16u

void insp_init(struct insp_flow *f, uint8_t *buf, size_t cap)
{
	f->proto = INSP_P_UNKNOWN;
	f->done = 0;
	f->status = INSP_NEED_MORE;
	f->names_seen = 0;
	f->n_seen = 0;
	f->stage = INSP_ST_UNIT;
	f->units = 0;
	f->body_left = 0;
	f->buf = buf;
	f->cap = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
}

enum sig_field insp_http_field(enum http_name_source src)
{
	return src == HTTP_SRC_CONNECT_AUTHORITY ? SIG_FIELD_CONNECT : SIG_FIELD_HTTP_HOST;
}

const char *insp_status_str(enum insp_status s)
{
	switch (s) {
	case INSP_NEED_MORE:
		return "need_more";
	case INSP_PASS:
		return "pass";
	case INSP_MATCH:
		return "match";
	case INSP_SCAN_ERROR:
		return "scan_error";
	case INSP_GIVE_UP:
		return "give_up";
	case INSP_CONFLICT:
		return "conflict";
	}
	return "unknown";
}

/*
 * Normalises and matches one name into out->names[]. Returns 1 for a block
 * match, -1 for a matcher error, 0 otherwise.
 */
static int add_name(struct insp_out *out, const uint8_t *raw, size_t raw_len,
		    enum sig_field field, const struct sigset *set, struct sig_scratch *scr)
{
	struct insp_name *n;
	size_t nlen = 0;
	enum host_status hs;

	if (out->n_names >= INSP_MAX_NAMES)
		return 0; /* cannot happen: each parser keeps at most this many */
	n = &out->names[out->n_names++];
	n->raw = raw;
	n->raw_len = raw_len > UINT16_MAX ? UINT16_MAX : (uint16_t)raw_len;
	n->port = 0;
	n->field = (uint8_t)field;
	n->flags = 0;
	n->match_rc = 0;
	memset(&n->v, 0, sizeof(n->v));
	hs = host_normalize(raw, raw_len, n->norm, sizeof(n->norm), &nlen);
	n->host_status = (uint8_t)hs;
	n->norm_len = (uint16_t)nlen;
	if ((hs != HOST_OK && hs != HOST_BAD_BYTE) || nlen == 0 || set == NULL)
		return 0;
	int rc = sig_match(set, scr, n->norm, nlen, field, &n->v);
	n->match_rc = (int8_t)(rc < 0 ? -1 : rc);
	if (rc < 0)
		return -1;
	return rc == 1 && n->v.action == SIG_ACT_BLOCK ? 1 : 0;
}

/*
 * True when the (field, name) pair of n was reported earlier in this flow;
 * else remembers it (while there is room). The key is the normal form, or
 * the name as sent when it has none (IP literals). A 64-bit multiply-mix
 * hash, eight bytes a step: a collision could only hide a log line, since
 * every name is matched anyway.
 */
static bool name_repeat(struct insp_flow *f, const struct insp_name *n)
{
	const uint8_t *p = n->norm_len != 0 ? (const uint8_t *)n->norm : n->raw;
	size_t len = n->norm_len != 0 ? n->norm_len : n->raw_len;
	const uint64_t k = 0x9e3779b97f4a7c15ull;
	uint64_t h = ((uint64_t)n->field << 40 | (uint64_t)(n->norm_len != 0) << 32 | len) * k;

	size_t at = 0;
	uint64_t w = 0;

	for (; at + 8 <= len; at += 8) {
		memcpy(&w, p + at, sizeof(w));
		h = (h ^ w) * k;
		h ^= h >> 29;
	}
	for (w = 0; at < len; at++)
		w = w << 8 | p[at];
	h = (h ^ w) * k;
	h ^= h >> 29;
	for (uint32_t i = 0; i < f->n_seen; i++)
		if (f->seen[i] == h)
			return true;
	if (f->n_seen < INSP_SEEN_MAX)
		f->seen[f->n_seen++] = h;
	return false;
}

static enum insp_status finish(struct insp_flow *f, enum insp_status st)
{
	if (st != INSP_NEED_MORE) {
		f->done = 1;
		f->status = (uint8_t)st;
	}
	return st;
}

static enum insp_status feed_tls(struct insp_flow *f, const uint8_t *data, size_t len,
				 const struct sigset *set, struct sig_scratch *scr,
				 struct insp_out *out)
{
	struct tls_hello *t = &f->u.tls;
	enum tls_status ts = tls_hello_feed(t, data, len);
	int err = 0;

	if (ts == TLS_NEED_MORE)
		return INSP_NEED_MORE;
	out->parse_status = (uint8_t)ts;
	out->parse_reason = (uint8_t)t->reason;
	out->parse_flags = t->flags;
	if (ts != TLS_DONE) {
		bool limit = t->reason == TLS_R_TOO_BIG || t->reason == TLS_R_TOO_MANY_RECORDS ||
			     t->reason == TLS_R_TOO_MANY_NAMES;
		return finish(f, limit ? INSP_GIVE_UP : INSP_PASS);
	}
	for (uint32_t i = 0; i < t->n_names && i < TLS_HELLO_MAX_NAMES; i++) {
		int rc = add_name(out, t->names[i].p, t->names[i].len, SIG_FIELD_SNI, set, scr);
		if (rc == 1 && out->decide < 0)
			out->decide = (int32_t)out->n_names - 1;
		else if (rc < 0)
			err = 1;
		else if (rc == 0 && name_repeat(f, &out->names[out->n_names - 1]))
			out->n_names--; /* reported already: matched, not logged again */
	}
	if (out->decide >= 0)
		return finish(f, INSP_MATCH);
	return finish(f, err ? INSP_SCAN_ERROR : INSP_PASS);
}

/* HPACK and h2c limits a client can choose to hit (h2c.h, hpack.h). */
static bool h2c_limit(const struct h2c *h)
{
	if (h->reason == H2C_R_HPACK)
		return h->hpack_reason == HPACK_R_TOO_MANY_ENTRIES ||
		       h->hpack_reason == HPACK_R_SCRATCH ||
		       h->hpack_reason == HPACK_R_TOO_MANY_FIELDS;
	return h->reason == H2C_R_TOO_BIG || h->reason == H2C_R_TOO_MANY_FRAMES ||
	       h->reason == H2C_R_TOO_MANY_NAMES;
}

/*
 * HTTP/2 cleartext: names are final with the whole header block of the
 * first request (DONE). A limit gives GIVE_UP; any other protocol error
 * gives PASS, since the server closes such a connection too.
 */
static enum insp_status feed_h2c(struct insp_flow *f, const uint8_t *data, size_t len,
				 const struct sigset *set, struct sig_scratch *scr,
				 struct insp_out *out)
{
	struct h2c *h = &f->u.h2c;
	enum h2c_status hs = h2c_feed(h, data, len);
	int err = 0;

	if (hs == H2C_NEED_MORE)
		return INSP_NEED_MORE;
	out->parse_status = (uint8_t)hs;
	out->parse_reason = (uint8_t)h->reason;
	out->parse_flags = h->flags;
	if (hs != H2C_DONE)
		return finish(f, h2c_limit(h) ? INSP_GIVE_UP : INSP_PASS);
	for (uint32_t i = 0; i < h->n_names && i < H2C_MAX_NAMES; i++) {
		const struct h2c_name *hn = &h->names[i];
		int rc = add_name(out, hn->p, hn->len, SIG_FIELD_HTTP_HOST, set, scr);
		struct insp_name *n = &out->names[out->n_names - 1];

		n->port = (uint16_t)hn->port;
		if (hn->port != 0)
			n->flags |= INSP_NAME_F_PORT;
		if (hn->ip_literal)
			n->flags |= INSP_NAME_F_IP_LITERAL;
		if (rc == 1 && out->decide < 0)
			out->decide = (int32_t)out->n_names - 1;
		else if (rc < 0)
			err = 1;
	}
	if (out->decide >= 0)
		return finish(f, INSP_MATCH);
	return finish(f, err ? INSP_SCAN_ERROR : INSP_PASS);
}

/*
 * http_head saw the HTTP/2 preface (NOT_HTTP, H2_PREFACE): the flow goes to
 * h2c, fed the stream again from its first byte. http_head gathered the
 * first have bytes into f->buf, had of them before this feed, so data[have
 * - had ..] did not fit and follows them. h2c gathers the header block into
 * the rest of f->buf, past the bytes it is fed from: no overlap.
 */
static enum insp_status to_h2c(struct insp_flow *f, uint16_t have, uint16_t had,
			       const uint8_t *data, size_t len, const struct sigset *set,
			       struct sig_scratch *scr, struct insp_out *out)
{
	size_t used = (size_t)(have - had);
	enum insp_status st;

	f->proto = INSP_P_H2C;
	out->proto = INSP_P_H2C;
	h2c_init(&f->u.h2c, f->buf + have, f->cap - have);
	st = feed_h2c(f, f->buf, have, set, scr, out);
	if (st == INSP_NEED_MORE && used < len)
		st = feed_h2c(f, data + used, len - used, set, scr, out);
	return st;
}

/*
 * The head in f->u.http ended clean (DONE, no block match, no matcher
 * error): what follows it on the connection is read next, by a fresh
 * parser chosen by its first byte. After CONNECT that is the tunnel (a
 * TLS hello, or HTTP to a port 80 target); else the next request head, past
 * the body as the head frames it. A body whose length is unreliable
 * (BODY_BAD) ends the inspection with PASS: the server answers it 400 and
 * closes. The next unit gathers into the buffer past this head, so the
 * names reported from it stay where they are.
 */
static enum insp_status next_unit(struct insp_flow *f)
{
	const struct http_head *h = &f->u.http;
	uint32_t hl = h->head_len;
	enum http_body body = (enum http_body)h->body;
	uint64_t clen = h->content_length;

	if (h->method == HTTP_M_CONNECT)
		body = HTTP_BODY_NONE; /* CONNECT has no content (RFC 9110 §9.3.6) */
	if (body == HTTP_BODY_BAD)
		return finish(f, INSP_PASS);
	f->buf += hl;
	f->cap -= hl;
	f->names_seen = 0;
	if (f->units < UINT8_MAX)
		f->units++;
	f->proto = INSP_P_UNKNOWN;
	f->stage = INSP_ST_UNIT;
	if (body == HTTP_BODY_LENGTH && clen != 0) {
		f->stage = INSP_ST_BODY;
		f->body_left = clen;
	} else if (body == HTTP_BODY_CHUNKED) {
		f->stage = INSP_ST_CHUNKED;
		http_chunked_init(&f->u.chunked);
	}
	return INSP_NEED_MORE;
}

/*
 * Steps over request body bytes; *used gets how many were body. A chunked
 * body that breaks its framing ends the inspection: PASS for a syntax
 * error (the server rejects it and closes), GIVE_UP for a line or trailer
 * limit, which a lenient server may not share.
 */
static enum insp_status skip_body(struct insp_flow *f, const uint8_t *data, size_t len,
				  size_t *used)
{
	if (f->stage == INSP_ST_BODY) {
		size_t n = len < f->body_left ? len : (size_t)f->body_left;

		f->body_left -= n;
		*used = n;
		if (f->body_left == 0)
			f->stage = INSP_ST_UNIT;
		return INSP_NEED_MORE;
	}
	enum http_chunked_status cs = http_chunked_feed(&f->u.chunked, data, len, used);
	if (cs == HTTP_CHUNKED_DONE)
		f->stage = INSP_ST_UNIT;
	if (cs != HTTP_CHUNKED_MALFORMED)
		return INSP_NEED_MORE;
	if (f->u.chunked.reason == HTTP_CHUNKED_R_LINE_TOO_LONG ||
	    f->u.chunked.reason == HTTP_CHUNKED_R_TOO_MANY_TRAILERS)
		return finish(f, INSP_GIVE_UP);
	return finish(f, INSP_PASS);
}

/* *used: bytes of data read (all of it, unless the head ended inside). */
static enum insp_status feed_http(struct insp_flow *f, const uint8_t *data, size_t len,
				  const struct sigset *set, struct sig_scratch *scr,
				  struct insp_out *out, size_t *used)
{
	struct http_head *h = &f->u.http;
	uint16_t had = h->len;
	enum http_status hs = http_head_feed(h, data, len);
	int err = 0;

	*used = len;

	if (hs == HTTP_NOT_HTTP && (h->flags & HTTP_F_H2_PREFACE))
		return to_h2c(f, h->len, had, data, len, set, scr, out);

	/* Published names never change (http_head.h), whatever the status. */
	while (f->names_seen < h->n_names && f->names_seen < HTTP_HEAD_MAX_NAMES) {
		const struct http_name *hn = &h->names[f->names_seen++];
		int rc = add_name(out, hn->p, hn->len, insp_http_field(hn->source), set, scr);
		struct insp_name *n = &out->names[out->n_names - 1];

		n->port = hn->port;
		if (hn->flags & HTTP_NAME_F_PORT)
			n->flags |= INSP_NAME_F_PORT;
		if (hn->flags & HTTP_NAME_F_IP_LITERAL)
			n->flags |= INSP_NAME_F_IP_LITERAL;
		if (rc == 1) {
			out->decide = (int32_t)out->n_names - 1;
			out->parse_status = (uint8_t)hs;
			out->parse_reason = (uint8_t)h->reason;
			out->parse_flags = h->flags;
			return finish(f, INSP_MATCH);
		}
		if (rc < 0)
			err = 1;
		else if (name_repeat(f, n))
			out->n_names--; /* reported already: matched, not logged again */
	}
	if (err) {
		/* A failed match cannot be retried later: the name is behind us. */
		out->parse_status = (uint8_t)hs;
		out->parse_reason = (uint8_t)h->reason;
		out->parse_flags = h->flags;
		return finish(f, INSP_SCAN_ERROR);
	}
	if (hs == HTTP_NEED_MORE)
		return INSP_NEED_MORE;
	if (hs == HTTP_DONE) {
		*used = (size_t)(h->head_len - had);
		return next_unit(f);
	}
	out->parse_status = (uint8_t)hs;
	out->parse_reason = (uint8_t)h->reason;
	out->parse_flags = h->flags;
	if (hs == HTTP_MALFORMED &&
	    (h->reason == HTTP_R_HEAD_TOO_LONG || h->reason == HTTP_R_TOO_MANY_NAMES ||
	     h->reason == HTTP_R_TOO_MANY_FIELDS))
		return finish(f, INSP_GIVE_UP);
	return finish(f, INSP_PASS);
}

/* One unit's parser on data; *used as for feed_http. */
static enum insp_status feed_unit(struct insp_flow *f, const uint8_t *data, size_t len,
				  const struct sigset *set, struct sig_scratch *scr,
				  struct insp_out *out, size_t *used)
{
	*used = len;
	if (f->proto == INSP_P_UNKNOWN) {
		if (data[0] == TLS_CONTENT_HANDSHAKE) {
			f->proto = INSP_P_TLS;
			tls_hello_init(&f->u.tls, f->buf, f->cap);
		} else {
			f->proto = INSP_P_HTTP;
			http_head_init(&f->u.http, f->buf, f->cap);
		}
	}
	out->proto = f->proto;
	if (f->proto == INSP_P_TLS)
		return feed_tls(f, data, len, set, scr, out);
	if (f->proto == INSP_P_H2C)
		return feed_h2c(f, data, len, set, scr, out);
	if (f->proto == INSP_P_DNS)
		return insp_dns_feed(f, data, len, set, scr, out);
	if (f->proto == INSP_P_QUIC) /* datagrams go to insp_quic_feed() */
		return finish(f, INSP_PASS);
	return feed_http(f, data, len, set, scr, out, used);
}

enum insp_status insp_feed(struct insp_flow *f, const uint8_t *data, size_t len,
			   const struct sigset *set, struct sig_scratch *scr,
			   struct insp_out *out)
{
	enum insp_status st = INSP_NEED_MORE;
	size_t off = 0;

	out->n_names = 0;
	out->used = (uint32_t)len;
	out->decide = -1;
	out->parse_status = 0;
	out->parse_reason = 0;
	out->parse_flags = 0;
	out->proto = f->proto;
	if (f->done)
		return (enum insp_status)f->status;
	if (len == 0 || data == NULL)
		return INSP_NEED_MORE;
	/* Units and bodies in turn; each pass reads at least one byte or ends
	 * the call, so the loop is bounded by len. */
	while (off < len && st == INSP_NEED_MORE) {
		size_t used = 0;

		if (f->stage != INSP_ST_UNIT) {
			st = skip_body(f, data + off, len - off, &used);
		} else {
			/* One unit's names per call: out->names has room for one. */
			if (f->proto == INSP_P_UNKNOWN && out->n_names != 0)
				break;
			st = feed_unit(f, data + off, len - off, set, scr, out, &used);
		}
		if (used == 0)
			break;
		off += used;
	}
	if (st == INSP_NEED_MORE)
		out->used = (uint32_t)off;
	return st;
}

int insp_add_name(struct insp_out *out, const uint8_t *raw, size_t raw_len,
		  enum sig_field field, const struct sigset *set, struct sig_scratch *scr)
{
	return add_name(out, raw, raw_len, field, set, scr);
}
