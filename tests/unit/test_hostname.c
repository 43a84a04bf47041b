/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of host-name normalisation and the label helpers: a table of
 * inputs with their exact status and output, the length limits built at
 * run time, the label helpers, and a seeded random check of the
 * properties the fuzz target asserts.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "kb_test.h"

#include "hostname.h"

/*
 * Normalises in[0..len) into an exact-size heap buffer (ASan sees over-reads)
 * and holds host_normalize's one-pass shortcut to the general path: the same
 * status, length and string for every input normalised here.
 */
static enum host_status norm(const char *in, size_t len, char *out, size_t out_cap,
			     size_t *out_len)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	char *g = malloc(out_cap > 0 ? out_cap : 1);
	size_t glen = 7, olen = 7;
	enum host_status s;

	assert_non_null(copy);
	assert_non_null(g);
	if (len > 0)
		memcpy(copy, in, len);
	s = host_normalize(copy, len, out, out_cap, &olen);
	assert_int_equal(host_normalize_general(copy, len, g, out_cap, &glen), s);
	assert_int_equal(glen, olen);
	if (out_cap > 0)
		assert_memory_equal(g, out, olen + 1);
	if (out_len != NULL)
		*out_len = olen;
	free(g);
	free(copy);
	return s;
}

struct tcase {
	const char *in;
	size_t len; /* 0: strlen(in) */
	enum host_status st;
	const char *out; /* expected output ("" for shape errors) */
	size_t out_len;  /* 0: strlen(out) */
};

static void run_table(const struct tcase *v, size_t nv)
{
	size_t i;

	for (i = 0; i < nv; i++) {
		char out[HOST_NAME_BUF_SIZE];
		size_t len = v[i].len != 0 ? v[i].len : strlen(v[i].in);
		size_t want_len = v[i].out_len != 0 ? v[i].out_len : strlen(v[i].out);
		size_t got_len = 12345;
		enum host_status s;

		memset(out, 'Z', sizeof(out));
		s = norm(v[i].in, len, out, sizeof(out), &got_len);
		CHECK(s == v[i].st, "'%.*s': %s, want %s", (int)len, v[i].in, host_status_str(s),
		      host_status_str(v[i].st));
		CHECK(got_len == want_len && memcmp(out, v[i].out, want_len) == 0,
		      "'%.*s': out '%.*s' (%zu), want '%s'", (int)len, v[i].in, (int)got_len, out,
		      got_len, v[i].out);
		CHECK(out[got_len] == '\0', "'%.*s': not NUL-terminated", (int)len, v[i].in);
	}
}

static void test_basic(void **state)
{
	static const struct tcase v[] = {
		{ "example.com", 0, HOST_OK, "example.com", 0 },
		{ "WWW.Example.COM", 0, HOST_OK, "www.example.com", 0 },
		{ "example.com.", 0, HOST_OK, "example.com", 0 },
		{ "Example.COM.", 0, HOST_OK, "example.com", 0 },
		{ "com", 0, HOST_OK, "com", 0 },
		{ "a", 0, HOST_OK, "a", 0 },
		{ "_dmarc.Example.com", 0, HOST_OK, "_dmarc.example.com", 0 },
		{ "my_host.example", 0, HOST_OK, "my_host.example", 0 },
		{ "-a-.b--c.example", 0, HOST_OK, "-a-.b--c.example", 0 },
		{ "XN--80AKJEBC7AJGD.XN--P1AI", 0, HOST_OK, "xn--80akjebc7ajgd.xn--p1ai", 0 },
		{ "dnl-01.geo.kaspersky.com", 0, HOST_OK, "dnl-01.geo.kaspersky.com", 0 },
		{ "0123456789.example", 0, HOST_OK, "0123456789.example", 0 },
		/* empties and empty labels */
		{ "", 0, HOST_EMPTY, "", 0 },
		{ ".", 0, HOST_EMPTY, "", 0 },
		{ "..", 0, HOST_EMPTY_LABEL, "", 0 },
		{ "example.com..", 0, HOST_EMPTY_LABEL, "", 0 },
		{ ".example.com", 0, HOST_EMPTY_LABEL, "", 0 },
		{ "a..b", 0, HOST_EMPTY_LABEL, "", 0 },
		{ ".a.", 0, HOST_EMPTY_LABEL, "", 0 },
		/* bad bytes: output kept, lower-cased, bad bytes as they were */
		{ "a\0b.com", 7, HOST_BAD_BYTE, "a\0b.com", 7 },
		{ "Blocked.COM\0evil", 16, HOST_BAD_BYTE, "blocked.com\0evil", 16 },
		{ "A B.COM", 0, HOST_BAD_BYTE, "a b.com", 0 },
		{ "b\xc3\xbc" "cher.DE", 0, HOST_BAD_BYTE, "b\xc3\xbc" "cher.de", 0 },
		{ "\x80", 0, HOST_BAD_BYTE, "\x80", 0 },
		{ "\xff.example", 0, HOST_BAD_BYTE, "\xff.example", 0 },
		{ "a/b.example", 0, HOST_BAD_BYTE, "a/b.example", 0 },
		{ "a:b.example", 0, HOST_BAD_BYTE, "a:b.example", 0 },
		{ "*.example", 0, HOST_BAD_BYTE, "*.example", 0 },
		{ "blocked%2eexample", 0, HOST_BAD_BYTE, "blocked%2eexample", 0 },
		{ "a\tb", 0, HOST_BAD_BYTE, "a\tb", 0 },
		{ "a@b", 0, HOST_BAD_BYTE, "a@b", 0 },
		{ "Bad Byte.", 0, HOST_BAD_BYTE, "bad byte", 0 },
		/* a shape error outranks a bad byte */
		{ "a b..c", 0, HOST_EMPTY_LABEL, "", 0 },
		{ "\x80..", 0, HOST_EMPTY_LABEL, "", 0 },
		/* IP literals */
		{ "192.0.2.1", 0, HOST_IP_LITERAL, "192.0.2.1", 0 },
		{ "192.0.2.1.", 0, HOST_IP_LITERAL, "192.0.2.1", 0 },
		{ "0.0.0.0", 0, HOST_IP_LITERAL, "0.0.0.0", 0 },
		{ "255.255.255.255", 0, HOST_IP_LITERAL, "255.255.255.255", 0 },
		{ "01.02.03.004", 0, HOST_IP_LITERAL, "01.02.03.004", 0 },
		{ "256.1.1.1", 0, HOST_OK, "256.1.1.1", 0 },
		{ "1.2.3", 0, HOST_OK, "1.2.3", 0 },
		{ "1.2.3.4.5", 0, HOST_OK, "1.2.3.4.5", 0 },
		{ "0001.1.1.1", 0, HOST_OK, "0001.1.1.1", 0 },
		{ "1.2.3.4a", 0, HOST_OK, "1.2.3.4a", 0 },
		{ "2001:DB8::1", 0, HOST_IP_LITERAL, "2001:db8::1", 0 },
		{ "[2001:db8::1]", 0, HOST_IP_LITERAL, "2001:db8::1", 0 },
		{ "[2001:db8::1].", 0, HOST_IP_LITERAL, "2001:db8::1", 0 },
		{ "::1", 0, HOST_IP_LITERAL, "::1", 0 },
		{ "::", 0, HOST_IP_LITERAL, "::", 0 },
		{ "::FFFF:192.0.2.1", 0, HOST_IP_LITERAL, "::ffff:192.0.2.1", 0 },
		{ "1:2:3:4:5:6:7:8", 0, HOST_IP_LITERAL, "1:2:3:4:5:6:7:8", 0 },
		{ "1::2::3", 0, HOST_BAD_BYTE, "1::2::3", 0 },
		{ "1:2:3:4:5:6:7:8:9", 0, HOST_BAD_BYTE, "1:2:3:4:5:6:7:8:9", 0 },
		{ "[::1", 0, HOST_BAD_BYTE, "[::1", 0 },
		{ "[]", 0, HOST_BAD_BYTE, "[]", 0 },
		{ "fe80::1%eth0", 0, HOST_BAD_BYTE, "fe80::1%eth0", 0 },
	};

	(void)state;
	run_table(v, sizeof(v) / sizeof(v[0]));
}

/* Builds n labels of the given lengths joined by dots into buf; returns length. */
static size_t build(char *buf, const size_t *lens, size_t n, bool trailing_dot)
{
	size_t o = 0, i, j;

	for (i = 0; i < n; i++) {
		if (i > 0)
			buf[o++] = '.';
		for (j = 0; j < lens[i]; j++)
			buf[o++] = (char)('a' + (i + j) % 26);
	}
	if (trailing_dot)
		buf[o++] = '.';
	buf[o] = '\0';
	return o;
}

static void test_lengths(void **state)
{
	char in[600], out[HOST_NAME_BUF_SIZE], want[600];
	size_t lens[8], n, olen, i;

	(void)state;
	/* labels: 63 fine, 64 not, wherever they sit */
	lens[0] = 63;
	lens[1] = 3;
	n = build(in, lens, 2, false);
	assert_int_equal(norm(in, n, out, sizeof(out), &olen), HOST_OK);
	assert_int_equal(olen, 67);
	n = build(in, lens, 2, true);
	assert_int_equal(norm(in, n, out, sizeof(out), &olen), HOST_OK);
	assert_int_equal(olen, 67);
	lens[0] = 64;
	n = build(in, lens, 2, false);
	assert_int_equal(norm(in, n, out, sizeof(out), &olen), HOST_LABEL_TOO_LONG);
	assert_int_equal(olen, 0);
	assert_string_equal(out, "");
	lens[0] = 3;
	lens[1] = 64;
	n = build(in, lens, 2, true);
	assert_int_equal(norm(in, n, out, sizeof(out), &olen), HOST_LABEL_TOO_LONG);

	/* names: 63+1+63+1+63+1+62 = 253 fine (with or without the dot), 254 not */
	lens[0] = lens[1] = lens[2] = 63;
	lens[3] = 61;
	n = build(in, lens, 4, false);
	assert_int_equal(n, 253);
	assert_int_equal(norm(in, n, out, sizeof(out), &olen), HOST_OK);
	assert_int_equal(olen, 253);
	assert_memory_equal(out, in, 253);
	n = build(in, lens, 4, true);
	assert_int_equal(n, 254);
	assert_int_equal(norm(in, n, out, sizeof(out), &olen), HOST_OK);
	assert_int_equal(olen, 253);
	lens[3] = 62;
	n = build(in, lens, 4, false);
	assert_int_equal(n, 254);
	assert_int_equal(norm(in, n, out, sizeof(out), &olen), HOST_NAME_TOO_LONG);
	assert_int_equal(olen, 0);
	n = build(in, lens, 4, true);
	assert_int_equal(norm(in, n, out, sizeof(out), &olen), HOST_NAME_TOO_LONG);
	/* far too long, and every label too long as well: the name length wins */
	memset(in, 'x', 500);
	assert_int_equal(norm(in, 500, out, sizeof(out), &olen), HOST_NAME_TOO_LONG);
	/* 127 one-byte labels (253 bytes) is the most a name can have */
	for (i = 0; i < 127; i++) {
		want[2 * i] = 'A';
		want[2 * i + 1] = '.';
	}
	assert_int_equal(norm(want, 253, out, sizeof(out), &olen), HOST_OK);
	assert_int_equal(host_label_count(out, olen), HOST_LABELS_MAX);

	/* a bad byte in a 253-byte name: output complete */
	lens[3] = 61;
	n = build(in, lens, 4, false);
	in[100] = ' ';
	assert_int_equal(norm(in, n, out, sizeof(out), &olen), HOST_BAD_BYTE);
	assert_int_equal(olen, 253);
	assert_memory_equal(out, in, 253);
}

static void test_out_buffer(void **state)
{
	char out[32];
	size_t olen = 99;

	(void)state;
	/* exact fit: name + NUL */
	assert_int_equal(host_normalize((const uint8_t *)"Example.com", 11, out, 12, &olen),
			 HOST_OK);
	assert_string_equal(out, "example.com");
	/* one short */
	memset(out, 'Z', sizeof(out));
	assert_int_equal(host_normalize((const uint8_t *)"Example.com", 11, out, 11, &olen),
			 HOST_OUT_TOO_SMALL);
	assert_int_equal(olen, 0);
	assert_int_equal(out[0], '\0');
	/* the trailing dot does not need room */
	assert_int_equal(host_normalize((const uint8_t *)"a.b.", 4, out, 4, &olen), HOST_OK);
	assert_string_equal(out, "a.b");
	/* bracketed IPv6 needs room for the inside only */
	assert_int_equal(host_normalize((const uint8_t *)"[::1]", 5, out, 4, &olen),
			 HOST_IP_LITERAL);
	assert_string_equal(out, "::1");
	assert_int_equal(host_normalize((const uint8_t *)"[::1]", 5, out, 3, &olen),
			 HOST_OUT_TOO_SMALL);
	/* out_cap 0 writes nothing; out_len may be NULL */
	out[0] = 'Z';
	assert_int_equal(host_normalize((const uint8_t *)"a", 1, out, 0, NULL), HOST_OUT_TOO_SMALL);
	assert_int_equal(out[0], 'Z');
	assert_int_equal(host_normalize((const uint8_t *)"a", 1, out, sizeof(out), NULL), HOST_OK);
	/* NULL input */
	assert_int_equal(host_normalize(NULL, 0, out, sizeof(out), &olen), HOST_EMPTY);
	assert_int_equal(host_normalize(NULL, 5, out, sizeof(out), &olen), HOST_EMPTY);
}

static void test_labels(void **state)
{
	uint16_t offs[HOST_LABELS_MAX + 4];
	char name[HOST_NAME_BUF_SIZE];
	size_t i;

	(void)state;
	assert_int_equal(host_label_count("a.b.c", 5), 3);
	assert_int_equal(host_label_count("com", 3), 1);
	assert_int_equal(host_label_count("", 0), 0);
	assert_int_equal(host_label_count(NULL, 3), 0);

	assert_int_equal(host_suffix_offsets("a.b.c", 5, offs, 8), 3);
	assert_int_equal(offs[0], 0);
	assert_int_equal(offs[1], 2);
	assert_int_equal(offs[2], 4);
	assert_int_equal(host_suffix_offsets("dnl-01.geo.kaspersky.com", 24, offs, 8), 4);
	assert_int_equal(offs[0], 0);
	assert_int_equal(offs[1], 7);
	assert_int_equal(offs[2], 11);
	assert_int_equal(offs[3], 21);
	assert_int_equal(host_suffix_offsets("com", 3, offs, 8), 1);
	assert_int_equal(offs[0], 0);
	assert_int_equal(host_suffix_offsets("", 0, offs, 8), 0);

	/* truncation keeps the rightmost suffixes, in ascending order */
	offs[2] = 0xbeef;
	assert_int_equal(host_suffix_offsets("a.b.c", 5, offs, 2), 3);
	assert_int_equal(offs[0], 2);
	assert_int_equal(offs[1], 4);
	assert_int_equal(offs[2], 0xbeef);
	offs[0] = 0xbeef;
	assert_int_equal(host_suffix_offsets("a.b.c", 5, offs, 0), 3);
	assert_int_equal(offs[0], 0xbeef);
	assert_int_equal(host_suffix_offsets("a.b.c", 5, NULL, 4), 3);

	/* a trailing dot (input not normalised) gives an empty last suffix */
	assert_int_equal(host_suffix_offsets("a.b.", 4, offs, 8), 3);
	assert_int_equal(offs[2], 4);

	/* HOST_LABELS_MAX covers the most labels a valid name has */
	for (i = 0; i < 253; i++)
		name[i] = (i % 2) ? '.' : 'x';
	assert_int_equal(host_suffix_offsets(name, 253, offs, HOST_LABELS_MAX), HOST_LABELS_MAX);
	for (i = 0; i < HOST_LABELS_MAX; i++)
		CHECK(offs[i] == 2 * i, "offset %zu = %u", i, offs[i]);

	/* every suffix offset starts a string host_under() accepts */
	static const char ws[] = "ws.example.com";

	assert_int_equal(host_suffix_offsets(ws, 14, offs, 8), 3);
	for (i = 0; i < 3; i++)
		assert_true(host_under(ws, 14, &ws[offs[i]], 14 - offs[i]));
}

static void test_under(void **state)
{
	static const struct {
		const char *name, *suffix;
		bool under;
	} v[] = {
		{ "ws.example.com", "example.com", true },
		{ "example.com", "example.com", true },
		{ "dnl-01.geo.kaspersky.com", "kaspersky.com", true },
		{ "a.b.kaspersky-labs.com", "kaspersky-labs.com", true },
		{ "aws-example.com", "example.com", false },
		{ "xample.com", "example.com", false },
		{ "cyberkaspersky.com", "kaspersky.com", false },
		{ "kaspersky.com.example.net", "kaspersky.com", false },
		{ "kaspersky.community.example", "kaspersky.com", false },
		{ "com", "example.com", false },
		{ "example.com", "", false },
		{ ".example.com", "example.com", true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		CHECK(host_under(v[i].name, strlen(v[i].name), v[i].suffix, strlen(v[i].suffix)) ==
			      v[i].under,
		      "%s under %s", v[i].name, v[i].suffix);
	assert_false(host_under(NULL, 0, "a", 1));
}

static void test_strings(void **state)
{
	unsigned i, j;

	(void)state;
	for (i = 0; i < HOST_STATUS_COUNT; i++) {
		const char *s = host_status_str((enum host_status)i);

		CHECK(strcmp(s, "unknown") != 0, "status %u has no name", i);
		for (j = 0; j < i; j++)
			CHECK(strcmp(s, host_status_str((enum host_status)j)) != 0, "%u and %u: %s",
			      i, j, s);
	}
	assert_string_equal(host_status_str(HOST_BAD_BYTE), "bad_byte");
	assert_string_equal(host_status_str(HOST_STATUS_COUNT), "unknown");
}

/* The fuzz target's properties, on seeded random names over a small
 * alphabet that hits every branch often. */
static void test_properties(void **state)
{
	static const char alpha[] = "aZ09-_..:[]% \x80";
	uint64_t x = 0x686f73746e616d65ull;
	unsigned counts[HOST_STATUS_COUNT] = { 0 };
	size_t iter, i;

	(void)state;
	for (iter = 0; iter < 200000; iter++) {
		char in[300], out[HOST_NAME_BUF_SIZE], again[HOST_NAME_BUF_SIZE];
		size_t len, olen, alen;
		enum host_status s, s2;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		len = (size_t)(x % (iter % 50 == 0 ? 300 : 24));
		for (i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			in[i] = alpha[x % (sizeof(alpha) - 1)];
		}
		s = norm(in, len, out, sizeof(out), &olen);
		assert_true((unsigned)s < HOST_STATUS_COUNT);
		counts[s]++;
		assert_true(olen <= HOST_NAME_MAX_LEN && out[olen] == '\0');
		if (s == HOST_OK || s == HOST_IP_LITERAL) {
			s2 = norm(out, olen, again, sizeof(again), &alen);
			CHECK(s2 == s && alen == olen && memcmp(again, out, olen) == 0,
			      "'%.*s' -> '%s' -> %s '%s'", (int)len, in, out, host_status_str(s2),
			      again);
			assert_true(olen >= 1);
		}
		if (s == HOST_OK) {
			size_t lab = 0;

			for (i = 0; i <= olen; i++) {
				if (i == olen || out[i] == '.') {
					assert_true(lab >= 1 && lab <= HOST_LABEL_MAX_LEN);
					lab = 0;
				} else {
					CHECK(strchr("abcdefghijklmnopqrstuvwxyz0123456789-_", out[i]) != NULL &&
						      out[i] != '\0',
					      "byte 0x%02x in '%s'", (uint8_t)out[i], out);
					lab++;
				}
			}
		} else if (s != HOST_IP_LITERAL && s != HOST_BAD_BYTE) {
			assert_int_equal(olen, 0);
		}
	}
	for (i = 0; i < HOST_STATUS_COUNT; i++)
		print_message("%-15s %u\n", host_status_str((enum host_status)i), counts[i]);
	assert_true(counts[HOST_OK] > 100 && counts[HOST_BAD_BYTE] > 100 &&
		    counts[HOST_EMPTY_LABEL] > 100 && counts[HOST_IP_LITERAL] > 0 &&
		    counts[HOST_NAME_TOO_LONG] > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),     cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_out_buffer), cmocka_unit_test(test_labels),
		cmocka_unit_test(test_under),     cmocka_unit_test(test_strings),
		cmocka_unit_test(test_properties),
	};

	return cmocka_run_group_tests_name("hostname", tests, NULL, NULL);
}
