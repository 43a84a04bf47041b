/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host-name normalisation and label helpers. The normal form and the
 * statuses are described in hostname.h.
 */

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "hostname.h"

static bool is_digit(uint8_t b)
{
	return b >= '0' && b <= '9';
}

static bool is_hex(uint8_t b)
{
	return is_digit(b) || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
}

static uint8_t lower(uint8_t b)
{
	return b >= 'A' && b <= 'Z' ? (uint8_t)(b + ('a' - 'A')) : b;
}

/* The alphabet of a normalised label (after lower-casing). */
static bool is_name_byte(uint8_t b)
{
	return (b >= 'a' && b <= 'z') || is_digit(b) || b == '-' || b == '_';
}

/* Four decimal parts 0..255 separated by dots; 1..3 digits each. */
bool host_is_ipv4_text(const uint8_t *p, size_t n)
{
	size_t i = 0, parts = 0;

	while (parts < 4) {
		unsigned v = 0, digits = 0;

		while (i < n && is_digit(p[i]) && digits < 3) {
			v = v * 10 + (unsigned)(p[i] - '0');
			i++;
			digits++;
		}
		if (digits == 0 || v > 255)
			return false;
		parts++;
		if (parts == 4)
			break;
		if (i >= n || p[i] != '.')
			return false;
		i++;
	}
	return i == n;
}

/* RFC 4291 §2.2 text: 1..4 hex digits per group, at most one "::", optional
 * IPv4 tail; no zone id. */
bool host_is_ipv6_text(const uint8_t *p, size_t n)
{
	size_t i = 0, groups = 0;
	bool dcolon = false;

	if (n < 2 || n > 45) /* 45 = longest text form with an IPv4 tail */
		return false;
	if (p[0] == ':') {
		if (p[1] != ':')
			return false;
		dcolon = true;
		i = 2;
	}
	while (i < n) {
		size_t start = i;

		while (i < n && is_hex(p[i]) && i - start < 5)
			i++;
		if (i < n && p[i] == '.') {
			if (!host_is_ipv4_text(p + start, n - start))
				return false;
			groups += 2;
			break;
		}
		if (i == start || i - start > 4)
			return false;
		groups++;
		if (i == n)
			break;
		if (p[i] != ':')
			return false;
		i++;
		if (i < n && p[i] == ':') {
			if (dcolon)
				return false;
			dcolon = true;
			i++;
		} else if (i == n) {
			return false; /* a single trailing ':' */
		}
	}
	return dcolon ? groups <= 7 : groups == 8;
}

static void put_lower(const uint8_t *in, size_t n, char *out, size_t *out_len)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = (char)lower(in[i]);
	out[n] = '\0';
	if (out_len != NULL)
		*out_len = n;
}

#if defined(__SSE2__)
/*
 * What the one-pass normaliser notes of a name's bytes: NB_DOT '.'; NB_BAD
 * not a name byte even lowercased (a-z, 0-9, '-', '_') and not a dot;
 * NB_NONDIGIT neither a digit nor a dot (the name is no IPv4 literal); NB_V6
 * ':' or '[' (maybe an IPv6 literal, which the general path reads).
 */
enum { NB_DOT = 1, NB_BAD = 2, NB_NONDIGIT = 4, NB_V6 = 8 };

/* What one pass over a name found (see host_normalize). */
struct scan {
	unsigned seen;      /* NB_* of every byte */
	unsigned label_max; /* longest label */
	bool empty;         /* an empty label (leading or doubled dot) */
};

/*
 * 16 bytes at a time: lowercase into out and class every byte with SSE2
 * compares (a name is one or two such steps, against ~20 instructions a
 * byte for the byte loop). The tail goes through a zero-padded copy, so
 * nothing is read or written past len; labels are measured between the
 * dots' positions.
 */
static void scan_name(const uint8_t *in, size_t len, char *out, struct scan *r)
{
	const __m128i up_off = _mm_set1_epi8(0x80 - 'A'), lo_off = _mm_set1_epi8(0x80 - 'a');
	const __m128i dg_off = _mm_set1_epi8((char)(0x80 - '0'));
	const __m128i lim26 = _mm_set1_epi8(-128 + 26), lim10 = _mm_set1_epi8(-128 + 10);
	long last_dot = -1;

	r->seen = 0;
	r->label_max = 0;
	r->empty = false;
	for (size_t i = 0; i < len; i += 16) {
		size_t n = len - i < 16 ? len - i : 16;
		/* A short last step re-reads the 16 bytes that end the name
		 * (lanes already done are masked off); a name shorter than 16
		 * goes through a padded copy. Either way nothing outside
		 * in[0..len) or out[0..len) is touched. */
		size_t base = n == 16 || len < 16 ? i : len - 16;
		unsigned valid = n == 16   ? 0xffffu
				 : len < 16 ? (1u << n) - 1u
					    : (0xffffu << (16 - n)) & 0xffffu;
		uint8_t tail[16] = { 0 };
		const uint8_t *src = in + base;

		if (len < 16) {
			for (size_t k = 0; k < len; k++)
				tail[k] = in[k];
			src = tail;
		}
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)src);
		__m128i up = _mm_cmplt_epi8(_mm_add_epi8(v, up_off), lim26);
		__m128i l = _mm_or_si128(v, _mm_and_si128(up, _mm_set1_epi8(0x20)));
		__m128i letter = _mm_cmplt_epi8(_mm_add_epi8(l, lo_off), lim26);
		__m128i digit = _mm_cmplt_epi8(_mm_add_epi8(l, dg_off), lim10);
		__m128i dot = _mm_cmpeq_epi8(l, _mm_set1_epi8('.'));
		__m128i name = _mm_or_si128(_mm_or_si128(letter, digit),
					    _mm_or_si128(_mm_cmpeq_epi8(l, _mm_set1_epi8('-')),
							 _mm_cmpeq_epi8(l, _mm_set1_epi8('_'))));
		__m128i v6 = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(':')),
					  _mm_cmpeq_epi8(v, _mm_set1_epi8('[')));
		unsigned m_dot = (unsigned)_mm_movemask_epi8(dot) & valid;

		if (len >= 16) {
			_mm_storeu_si128((__m128i *)(void *)(out + base), l);
		} else {
			_mm_storeu_si128((__m128i *)(void *)tail, l);
			for (size_t k = 0; k < len; k++)
				out[k] = (char)tail[k];
		}
		if (~(unsigned)_mm_movemask_epi8(_mm_or_si128(name, dot)) & valid)
			r->seen |= NB_BAD;
		if (~(unsigned)_mm_movemask_epi8(_mm_or_si128(digit, dot)) & valid)
			r->seen |= NB_NONDIGIT;
		if ((unsigned)_mm_movemask_epi8(v6) & valid)
			r->seen |= NB_V6;
		if (m_dot != 0)
			r->seen |= NB_DOT;
		while (m_dot != 0) {
			long pos = (long)base + __builtin_ctz(m_dot);
			unsigned label = (unsigned)(pos - last_dot - 1);

			r->empty |= label == 0;
			if (label > r->label_max)
				r->label_max = label;
			last_dot = pos;
			m_dot &= m_dot - 1;
		}
	}
	unsigned label = (unsigned)((long)len - last_dot - 1);

	r->empty |= label == 0;
	if (label > r->label_max)
		r->label_max = label;
}
#endif

enum host_status host_normalize(const uint8_t *in, size_t len, char *out, size_t out_cap,
				size_t *out_len)
{
	/*
	 * One pass for the names that make up nearly all input: lowercase
	 * into out while noting what the general path would look at. An empty
	 * or over-long label, ':' or '[', a trailing dot, and sizes at the
	 * limits go to the general path, which gives each status its
	 * precedence (test_hostname and the fuzz target hold the two equal).
	 */
#if defined(__SSE2__)
	if (in != NULL && len != 0 && len <= HOST_NAME_MAX_LEN && out_cap > len &&
	    in[len - 1] != '.') {
		struct scan r;

		scan_name(in, len, out, &r);
		if (!(r.seen & NB_V6) && !r.empty && r.label_max <= HOST_LABEL_MAX_LEN) {
			out[len] = '\0';
			if (out_len != NULL)
				*out_len = len;
			if (r.seen & NB_BAD)
				return HOST_BAD_BYTE;
			if (!(r.seen & NB_NONDIGIT) && host_is_ipv4_text(in, len))
				return HOST_IP_LITERAL;
			return HOST_OK;
		}
	}
#endif
	return host_normalize_general(in, len, out, out_cap, out_len);
}

enum host_status host_normalize_general(const uint8_t *in, size_t len, char *out,
					size_t out_cap, size_t *out_len)
{
	size_t n = len, i, label = 0;
	bool bad_byte = false;

	if (out_cap >= 1)
		out[0] = '\0';
	if (out_len != NULL)
		*out_len = 0;
	if (in == NULL || len == 0)
		return HOST_EMPTY;
	if (in[n - 1] == '.')
		n--;
	if (n == 0)
		return HOST_EMPTY;

	/* IPv6 first: its ':' would otherwise be a bad byte */
	if (n >= 2 && in[0] == '[' && in[n - 1] == ']' && host_is_ipv6_text(in + 1, n - 2)) {
		if (out_cap < n - 1)
			return HOST_OUT_TOO_SMALL;
		put_lower(in + 1, n - 2, out, out_len);
		return HOST_IP_LITERAL;
	}
	if (memchr(in, ':', n) != NULL && host_is_ipv6_text(in, n)) {
		if (out_cap < n + 1)
			return HOST_OUT_TOO_SMALL;
		put_lower(in, n, out, out_len);
		return HOST_IP_LITERAL;
	}

	if (n > HOST_NAME_MAX_LEN)
		return HOST_NAME_TOO_LONG;
	for (i = 0; i <= n; i++) {
		if (i == n || in[i] == '.') {
			if (label == 0)
				return HOST_EMPTY_LABEL;
			label = 0;
			continue;
		}
		if (++label > HOST_LABEL_MAX_LEN)
			return HOST_LABEL_TOO_LONG;
		if (!is_name_byte(lower(in[i])))
			bad_byte = true;
	}
	if (out_cap < n + 1)
		return HOST_OUT_TOO_SMALL;
	put_lower(in, n, out, out_len);
	if (bad_byte)
		return HOST_BAD_BYTE;
	if (host_is_ipv4_text(in, n))
		return HOST_IP_LITERAL;
	return HOST_OK;
}

size_t host_label_count(const char *name, size_t len)
{
	size_t i, n = 1;

	if (name == NULL || len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (name[i] == '.')
			n++;
	return n;
}

size_t host_suffix_offsets(const char *name, size_t len, uint16_t *offs, size_t max)
{
	size_t total, skip, idx = 0, k = 0, i;

	if (name == NULL || len == 0 || len > UINT16_MAX)
		return 0;
	if (offs == NULL)
		max = 0;
	total = host_label_count(name, len);
	skip = total > max ? total - max : 0;
	for (i = 0; i <= len && k < max; i++) {
		/* a suffix starts at 0 and after each dot (at len after a trailing dot) */
		if (i != 0 && name[i - 1] != '.')
			continue;
		if (idx >= skip)
			offs[k++] = (uint16_t)i;
		idx++;
	}
	return total;
}

bool host_under(const char *name, size_t len, const char *suffix, size_t slen)
{
	if (name == NULL || suffix == NULL || slen == 0 || len < slen)
		return false;
	if (memcmp(name + (len - slen), suffix, slen) != 0)
		return false;
	return len == slen || name[len - slen - 1] == '.';
}

const char *host_status_str(enum host_status s)
{
	static const char *const names[HOST_STATUS_COUNT] = {
		[HOST_OK] = "ok",
		[HOST_IP_LITERAL] = "ip_literal",
		[HOST_BAD_BYTE] = "bad_byte",
		[HOST_EMPTY] = "empty",
		[HOST_EMPTY_LABEL] = "empty_label",
		[HOST_LABEL_TOO_LONG] = "label_too_long",
		[HOST_NAME_TOO_LONG] = "name_too_long",
		[HOST_OUT_TOO_SMALL] = "out_too_small",
	};

	if ((unsigned)s >= HOST_STATUS_COUNT)
		return "unknown";
	return names[s];
}
