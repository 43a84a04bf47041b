/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS ClientHello parser. The wire grammar accepted (RFC 8446 §5.1, §4,
 * §4.1.2; RFC 6066 §3; RFC 7301 §3.1; RFC 8446 §4.2.1):
 *
 *   stream        = record+                 (only until the hello is complete)
 *   record        = type(1) = 22 (handshake)
 *                   legacy_record_version(2) = 0x0300..0x0304
 *                   length(2) = 1..2^14
 *                   fragment[length]        (the next bytes of the handshake stream)
 *   handshake     = msg_type(1) = 1 (client_hello)  length(3)  body[length]
 *                   (the first message of the stream, split over any records;
 *                   whatever follows it is ignored)
 *
 *   ClientHello body:
 *     legacy_version(2)                     = 0x0300..0x0304
 *     random(32)
 *     legacy_session_id<0..32>              u8 length
 *     cipher_suites<2..2^16-2>              u16 length, even
 *     legacy_compression_methods<1..2^8-1>  u8 length
 *     [ extensions<0..2^16-1> ]             u16 length, must end the body;
 *                                           absent only in pre-TLS-1.2 hellos
 *   Extension = extension_type(2) extension_data<0..2^16-1>
 *
 *   server_name (0):
 *     ServerNameList = server_name_list<1..2^16-1>   (fills extension_data)
 *     ServerName     = name_type(1) HostName<1..2^16-1> (u16 length)
 *       only name_type 0 (host_name) is used; others are skipped by their u16
 *       length (RFC 6066 §3: data of any future NameType starts with one).
 *   application_layer_protocol_negotiation (16):
 *     ProtocolNameList = protocol_name_list<2..2^16-1> of ProtocolName<1..2^8-1>
 *   supported_versions (43), client form:
 *     versions<2..254>                               u8 length, u16 entries
 *   encrypted_client_hello (0xfe0d), encrypted_server_name (0xffce): noted only.
 *
 *   A record-less entry (tls_hello_feed_handshake, tls_hello_parse_handshake)
 *   starts at `handshake`, as QUIC CRYPTO frames carry it.
 *
 * GREASE values (RFC 8701: 0x?a?a with equal bytes) are skipped wherever they
 * may appear (extension types, cipher suites, versions, 2-byte ALPN ids).
 *
 * The handshake header is kept in the state and the body is copied into the
 * caller's buffer as records deliver it; the body is parsed only once whole,
 * so no result ever comes from a partial hello. The copy costs 15-20 ns for a
 * typical hello (docs/parsers.md), too little to warrant a second, zero-copy
 * path for hellos that arrive in one piece; tls_hello_parse_handshake() is
 * that path for callers that already hold the whole message.
 */

#include <string.h>

#include "cursor.h"
#include "tls_hello.h"

#define TLS_CT_HANDSHAKE 22
#define TLS_HS_CLIENT_HELLO 1
#define TLS_REC_HDR_LEN 5
#define TLS_HS_HDR_LEN 4
#define TLS_MAX_RECORD_LEN 16384 /* 2^14: RFC 8446 §5.1 */
/* version(2) random(32) sid_len(1) cs_len(2) one suite(2) comp_len(1) one method(1) */
#define TLS_MIN_BODY 41
#define TLS_RANDOM_LEN 32
#define TLS_MAX_SESSION_ID 32

#define TLS_EXT_SERVER_NAME 0x0000
#define TLS_EXT_ALPN 0x0010
#define TLS_EXT_SUPPORTED_VERSIONS 0x002b
#define TLS_EXT_ECH 0xfe0d
#define TLS_EXT_ESNI 0xffce

#define TLS_SNI_HOST_NAME 0

static const char *const tls_reason_names[TLS_R_COUNT] = {
	[TLS_R_NONE] = "none",
	[TLS_R_CONTENT_TYPE] = "content_type",
	[TLS_R_RECORD_VERSION] = "record_version",
	[TLS_R_SSLV2] = "sslv2",
	[TLS_R_HS_TYPE] = "hs_type",
	[TLS_R_RECORD_LEN] = "record_len",
	[TLS_R_INTERLEAVED] = "interleaved",
	[TLS_R_TOO_MANY_RECORDS] = "too_many_records",
	[TLS_R_HS_LEN] = "hs_len",
	[TLS_R_TOO_BIG] = "too_big",
	[TLS_R_HELLO_VERSION] = "hello_version",
	[TLS_R_SESSION_ID] = "session_id",
	[TLS_R_CIPHER_SUITES] = "cipher_suites",
	[TLS_R_COMPRESSION] = "compression",
	[TLS_R_EXTS_LEN] = "exts_len",
	[TLS_R_EXT_LEN] = "ext_len",
	[TLS_R_TOO_MANY_EXTS] = "too_many_exts",
	[TLS_R_SNI_LIST] = "sni_list",
	[TLS_R_SNI_EMPTY] = "sni_empty",
	[TLS_R_SNI_TOO_LONG] = "sni_too_long",
	[TLS_R_SNI_BAD_CHAR] = "sni_bad_char",
	[TLS_R_TOO_MANY_NAMES] = "too_many_names",
	[TLS_R_ALPN] = "alpn",
	[TLS_R_SUPPORTED_VERSIONS] = "supported_versions",
};

const char *tls_reason_str(enum tls_reason r)
{
	if ((unsigned)r >= TLS_R_COUNT || tls_reason_names[r] == NULL)
		return "unknown";
	return tls_reason_names[r];
}

const char *tls_status_str(enum tls_status s)
{
	switch (s) {
	case TLS_NEED_MORE:
		return "need_more";
	case TLS_DONE:
		return "done";
	case TLS_NOT_TLS:
		return "not_tls";
	case TLS_MALFORMED:
		return "malformed";
	}
	return "unknown";
}

void tls_hello_init(struct tls_hello *st, uint8_t *buf, size_t cap)
{
	memset(st, 0, sizeof(*st));
	st->buf = buf;
	st->cap = buf != NULL ? cap : 0;
	st->max_records = TLS_HELLO_DEFAULT_MAX_RECORDS;
	st->status = TLS_NEED_MORE;
	st->reason = TLS_R_NONE;
}

/* Ends the parse. Results are dropped so that only DONE ever carries any. */
static enum tls_status tls_stop(struct tls_hello *st, enum tls_status s, enum tls_reason r)
{
	st->status = s;
	st->reason = r;
	st->n_names = 0;
	st->n_alpn = 0;
	st->flags = 0;
	st->max_version = 0;
	return s;
}

static enum tls_status tls_bad(struct tls_hello *st, enum tls_reason r)
{
	return tls_stop(st, TLS_MALFORMED, r);
}

static bool tls_is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/*
 * Any GREASE value among the n / 2 two-byte values at p (n even), 8 bytes a
 * step. The test is symmetric in a value's two bytes, so byte order does
 * not matter: a 16-bit lane is zero in m iff both low nibbles are 0xa and
 * the bytes are equal, and the borrow trick finds a zero lane exactly.
 */
static bool tls_any_grease(const uint8_t *p, size_t n)
{
	const uint64_t lanes = 0x0001000100010001ull;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x;
		memcpy(&x, p + i, sizeof(x));
		uint64_t m = ((x & 0x0f0f0f0f0f0f0f0full) ^ 0x0a0a0a0a0a0a0a0aull) |
			     ((x ^ (x >> 8)) & 0x00ff00ff00ff00ffull);
		if ((m - lanes) & ~m & (lanes << 15))
			return true;
	}
	for (; i + 2 <= n; i += 2)
		if (tls_is_grease((uint16_t)(p[i] << 8 | p[i + 1])))
			return true;
	return false;
}

static bool tls_version_ok(uint8_t major, uint8_t minor)
{
	return major == 3 && minor <= 4;
}

/* Each loop below eats at least one byte of a cursor bounded by its parent. */

/*
 * True when p[0..n) holds a byte below 0x20 or 0x7f. Eight bytes a step:
 * "some byte < 0x20" and "some byte == 0x7f" are exact as word tests
 * (a borrow only starts at a byte that matches), which is all we ask.
 */
static bool has_control_byte(const uint8_t *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x, d;

		memcpy(&x, p + i, sizeof(x));
		d = x ^ (0x7f * ones);
		if ((((x - 0x20 * ones) & ~x) | ((d - ones) & ~d)) & highs)
			return true;
	}
	for (; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return true;
	return false;
}

static enum tls_reason tls_ext_sni(struct tls_hello *st, struct cur ext, uint32_t *n_entries)
{
	struct cur list, name;
	uint8_t type;

	if (st->flags & TLS_F_SNI_EXT)
		st->flags |= TLS_F_SNI_EXT_DUP;
	st->flags |= TLS_F_SNI_EXT;
	if (!cur_vec16(&ext, &list) || ext.left != 0 || list.left == 0)
		return TLS_R_SNI_LIST;
	while (list.left > 0) {
		if (++*n_entries > TLS_HELLO_MAX_SNI_ENTRIES)
			return TLS_R_TOO_MANY_NAMES;
		if (!cur_u8(&list, &type) || !cur_vec16(&list, &name))
			return TLS_R_SNI_LIST;
		if (type != TLS_SNI_HOST_NAME) {
			st->flags |= TLS_F_SNI_OTHER_TYPE;
			continue;
		}
		if (name.left == 0)
			return TLS_R_SNI_EMPTY;
		if (name.left > TLS_HELLO_MAX_NAME_LEN)
			return TLS_R_SNI_TOO_LONG;
		/* nDPI cuts at a NUL and matches the prefix: an evasion, so refuse. */
		if (has_control_byte(name.p, name.left))
			return TLS_R_SNI_BAD_CHAR;
		/* Dropping a name would let a decoy hide the real one: refuse instead. */
		if (st->n_names == TLS_HELLO_MAX_NAMES)
			return TLS_R_TOO_MANY_NAMES;
		if (st->n_names > 0)
			st->flags |= TLS_F_SNI_MULTI;
		st->names[st->n_names].p = name.p;
		st->names[st->n_names].len = (uint16_t)name.left;
		st->n_names++;
	}
	return TLS_R_NONE;
}

static enum tls_reason tls_ext_alpn(struct tls_hello *st, struct cur ext)
{
	struct cur list, proto;

	if (st->flags & TLS_F_ALPN)
		st->flags |= TLS_F_EXT_DUP;
	st->flags |= TLS_F_ALPN;
	if (!cur_vec16(&ext, &list) || ext.left != 0 || list.left == 0)
		return TLS_R_ALPN;
	while (list.left > 0) {
		if (!cur_vec8(&list, &proto) || proto.left == 0)
			return TLS_R_ALPN;
		if (proto.left == 2 && tls_is_grease((uint16_t)(proto.p[0] << 8 | proto.p[1]))) {
			st->flags |= TLS_F_GREASE;
			continue;
		}
		if (st->n_alpn == TLS_HELLO_MAX_ALPN) {
			st->flags |= TLS_F_ALPN_TRUNC;
			continue;
		}
		st->alpn[st->n_alpn].p = proto.p;
		st->alpn[st->n_alpn].len = (uint16_t)proto.left;
		st->n_alpn++;
	}
	return TLS_R_NONE;
}

static enum tls_reason tls_ext_versions(struct tls_hello *st, struct cur ext)
{
	struct cur list;
	uint16_t v;

	if (st->flags & TLS_F_SUPPORTED_VERSIONS)
		st->flags |= TLS_F_EXT_DUP;
	st->flags |= TLS_F_SUPPORTED_VERSIONS;
	if (!cur_vec8(&ext, &list) || ext.left != 0 || list.left == 0 || list.left % 2 != 0)
		return TLS_R_SUPPORTED_VERSIONS;
	while (cur_u16(&list, &v)) {
		if (tls_is_grease(v)) {
			st->flags |= TLS_F_GREASE;
			continue;
		}
		/* Drafts (0x7fxx) and DTLS (0xfexx) do not order against 0x03xx. */
		if ((v >> 8) == 3 && v > st->max_version)
			st->max_version = v;
	}
	return TLS_R_NONE;
}

static enum tls_reason tls_parse_exts(struct tls_hello *st, struct cur exts)
{
	struct cur ext;
	uint32_t n_entries = 0;
	enum tls_reason r;
	uint16_t type;

	while (exts.left > 0) {
		if (st->n_exts == TLS_HELLO_MAX_EXTS)
			return TLS_R_TOO_MANY_EXTS;
		st->n_exts++;
		if (!cur_u16(&exts, &type) || !cur_vec16(&exts, &ext))
			return TLS_R_EXT_LEN;
		r = TLS_R_NONE;
		switch (type) {
		case TLS_EXT_SERVER_NAME:
			r = tls_ext_sni(st, ext, &n_entries);
			break;
		case TLS_EXT_ALPN:
			r = tls_ext_alpn(st, ext);
			break;
		case TLS_EXT_SUPPORTED_VERSIONS:
			r = tls_ext_versions(st, ext);
			break;
		case TLS_EXT_ECH:
			if (st->flags & TLS_F_ECH)
				st->flags |= TLS_F_EXT_DUP;
			st->flags |= TLS_F_ECH;
			break;
		case TLS_EXT_ESNI:
			st->flags |= TLS_F_ESNI;
			break;
		default:
			if (tls_is_grease(type))
				st->flags |= TLS_F_GREASE;
			break;
		}
		if (r != TLS_R_NONE)
			return r;
	}
	return TLS_R_NONE;
}

/* Parses a whole ClientHello body; slices point into body. */
static enum tls_status tls_parse_body(struct tls_hello *st, const uint8_t *body, size_t len)
{
	struct cur c = cur_make(body, len);
	struct cur sid, suites, comp, exts;
	enum tls_reason r;
	uint16_t ver;

	st->hello_len = (uint32_t)len;
	if (!cur_u16(&c, &ver) || !tls_version_ok((uint8_t)(ver >> 8), (uint8_t)ver))
		return tls_bad(st, TLS_R_HELLO_VERSION);
	st->legacy_version = ver;
	if (!cur_skip(&c, TLS_RANDOM_LEN))
		return tls_bad(st, TLS_R_HS_LEN);
	if (!cur_vec8(&c, &sid) || sid.left > TLS_MAX_SESSION_ID)
		return tls_bad(st, TLS_R_SESSION_ID);
	if (!cur_vec16(&c, &suites) || suites.left == 0 || suites.left % 2 != 0)
		return tls_bad(st, TLS_R_CIPHER_SUITES);
	if (tls_any_grease(suites.p, suites.left))
		st->flags |= TLS_F_GREASE;
	if (!cur_vec8(&c, &comp) || comp.left == 0)
		return tls_bad(st, TLS_R_COMPRESSION);
	if (c.left == 0) {
		st->flags |= TLS_F_NO_EXTS;
		st->max_version = ver;
		st->status = TLS_DONE;
		return TLS_DONE;
	}
	if (!cur_vec16(&c, &exts) || c.left != 0)
		return tls_bad(st, TLS_R_EXTS_LEN);
	r = tls_parse_exts(st, exts);
	if (r != TLS_R_NONE)
		return tls_bad(st, r);
	if (!(st->flags & TLS_F_SUPPORTED_VERSIONS))
		st->max_version = ver;
	st->status = TLS_DONE;
	return TLS_DONE;
}

/* The body length from a whole handshake header. */
static uint32_t tls_hs_len(const struct tls_hello *st)
{
	const uint8_t *h = st->hs_hdr;

	return (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

/*
 * Takes the next bytes of the handshake stream from *c, leaving in it only
 * what follows the end of the hello.
 */
static enum tls_status tls_gather(struct tls_hello *st, struct cur *c)
{
	struct cur part;
	uint32_t hs_len;
	size_t n;

	while (st->hs_hdr_have < TLS_HS_HDR_LEN && cur_u8(c, &st->hs_hdr[st->hs_hdr_have])) {
		st->hs_hdr_have++;
		if (st->hs_hdr_have == 1 && st->hs_hdr[0] != TLS_HS_CLIENT_HELLO)
			return tls_stop(st, TLS_NOT_TLS, TLS_R_HS_TYPE);
	}
	if (st->hs_hdr_have < TLS_HS_HDR_LEN)
		return TLS_NEED_MORE;
	hs_len = tls_hs_len(st);
	if (hs_len < TLS_MIN_BODY)
		return tls_bad(st, TLS_R_HS_LEN);
	if (hs_len > st->cap)
		return tls_bad(st, TLS_R_TOO_BIG);
	n = hs_len - st->body_have;
	if (n > c->left)
		n = c->left;
	if (n > 0 && cur_take(c, n, &part)) {
		memcpy(st->buf + st->body_have, part.p, n);
		st->body_have += (uint32_t)n;
	}
	if (st->body_have < hs_len)
		return TLS_NEED_MORE;
	return tls_parse_body(st, st->buf, hs_len);
}

/*
 * Checks the record header bytes present so far, so that a stream that is not
 * TLS is turned away at its first wrong byte. The first record decides NOT_TLS;
 * a later one that goes wrong is MALFORMED.
 */
static enum tls_status tls_check_rec_hdr(struct tls_hello *st)
{
	const uint8_t *h = st->rec_hdr;
	uint8_t have = st->rec_hdr_have;
	bool first = st->n_records == 0;
	uint32_t len;

	if (h[0] != TLS_CT_HANDSHAKE) {
		if (!first)
			return tls_bad(st, TLS_R_INTERLEAVED);
		if (!(h[0] & 0x80))
			return tls_stop(st, TLS_NOT_TLS, TLS_R_CONTENT_TYPE);
		/* SSLv2 header: len(2, top bit set), msg_type 1, version major 0 or 3 */
		if (have < 4)
			return TLS_NEED_MORE;
		if (h[2] == 1 && (h[3] == 0 || h[3] == 3))
			return tls_stop(st, TLS_NOT_TLS, TLS_R_SSLV2);
		return tls_stop(st, TLS_NOT_TLS, TLS_R_CONTENT_TYPE);
	}
	if ((have >= 2 && h[1] != 3) || (have >= 3 && !tls_version_ok(h[1], h[2])))
		return tls_stop(st, first ? TLS_NOT_TLS : TLS_MALFORMED, TLS_R_RECORD_VERSION);
	if (have < TLS_REC_HDR_LEN)
		return TLS_NEED_MORE;
	len = (uint32_t)h[3] << 8 | h[4];
	/* RFC 8446 §5.1: no zero-length handshake fragments, none above 2^14. */
	if (len == 0 || len > TLS_MAX_RECORD_LEN)
		return tls_bad(st, TLS_R_RECORD_LEN);
	return TLS_NEED_MORE;
}

enum tls_status tls_hello_feed(struct tls_hello *st, const uint8_t *data, size_t len)
{
	struct cur c = cur_make(data, len), rec;
	enum tls_status s;
	size_t n;

	if (st->status != TLS_NEED_MORE)
		return st->status;
	while (c.left > 0) {
		if (st->rec_left == 0) {
			if (st->rec_hdr_have == 0 && st->n_records >= st->max_records)
				return tls_bad(st, TLS_R_TOO_MANY_RECORDS);
			while (st->rec_hdr_have < TLS_REC_HDR_LEN &&
			       cur_u8(&c, &st->rec_hdr[st->rec_hdr_have]))
				st->rec_hdr_have++;
			s = tls_check_rec_hdr(st);
			if (s != TLS_NEED_MORE || st->rec_hdr_have < TLS_REC_HDR_LEN)
				return s;
			if (st->n_records == 0)
				st->record_version = (uint16_t)(st->rec_hdr[1] << 8 | st->rec_hdr[2]);
			st->n_records++;
			st->rec_left = (uint32_t)st->rec_hdr[3] << 8 | st->rec_hdr[4];
			st->rec_hdr_have = 0;
			continue;
		}
		n = c.left < st->rec_left ? c.left : st->rec_left;
		cur_take(&c, n, &rec);
		s = tls_gather(st, &rec);
		st->rec_left -= (uint32_t)(n - rec.left);
		if (s != TLS_NEED_MORE) {
			if (s == TLS_DONE && st->rec_left > 0)
				st->flags |= TLS_F_REC_TRAILING;
			return s;
		}
	}
	return TLS_NEED_MORE;
}

enum tls_status tls_hello_feed_handshake(struct tls_hello *st, const uint8_t *data,
					 size_t len)
{
	struct cur c = cur_make(data, len);

	if (st->status != TLS_NEED_MORE)
		return st->status;
	st->raw = true;
	return tls_gather(st, &c);
}

enum tls_status tls_hello_parse_handshake(struct tls_hello *st, const uint8_t *msg,
					  size_t len)
{
	struct cur c = cur_make(msg, len), body;
	uint32_t hs_len;

	if (st->status != TLS_NEED_MORE)
		return st->status;
	st->raw = true;
	/* A retry with a longer message starts over from its first byte. */
	st->hs_hdr_have = 0;
	st->body_have = 0;
	while (st->hs_hdr_have < TLS_HS_HDR_LEN && cur_u8(&c, &st->hs_hdr[st->hs_hdr_have]))
		st->hs_hdr_have++;
	if (st->hs_hdr_have >= 1 && st->hs_hdr[0] != TLS_HS_CLIENT_HELLO)
		return tls_stop(st, TLS_NOT_TLS, TLS_R_HS_TYPE);
	if (st->hs_hdr_have < TLS_HS_HDR_LEN)
		return TLS_NEED_MORE;
	hs_len = tls_hs_len(st);
	if (hs_len < TLS_MIN_BODY)
		return tls_bad(st, TLS_R_HS_LEN);
	if (!cur_take(&c, hs_len, &body)) {
		st->body_have = (uint32_t)c.left;
		return TLS_NEED_MORE;
	}
	return tls_parse_body(st, body.p, hs_len);
}

size_t tls_hello_need(const struct tls_hello *st)
{
	size_t hs_missing;

	if (st->status != TLS_NEED_MORE)
		return 0;
	if (st->hs_hdr_have < TLS_HS_HDR_LEN)
		hs_missing = (size_t)(TLS_HS_HDR_LEN - st->hs_hdr_have) + TLS_MIN_BODY;
	else
		hs_missing = (size_t)tls_hs_len(st) - st->body_have;
	if (st->raw)
		return hs_missing;
	if (st->rec_left == 0)
		return hs_missing + TLS_REC_HDR_LEN - st->rec_hdr_have;
	if (hs_missing > st->rec_left)
		return hs_missing + TLS_REC_HDR_LEN;
	return hs_missing;
}
