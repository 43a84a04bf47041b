/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for host-name normalisation.
 *
 * Input: 1 control byte (a small output capacity, 0..255), then the name.
 * The name is normalised into a full-size and into a small output buffer,
 * each an exact-size malloc, as is the input copy. Properties: the status
 * is known; the output is NUL-terminated at out_len; an OK output is a valid
 * normal form (alphabet, labels 1..63, <= 253 octets) and normalising it
 * again gives the same status and bytes, as does an IP_LITERAL output; a
 * BAD_BYTE output is the input lower-cased (minus one trailing dot); an
 * error leaves "" behind; the small buffer gives the same result or
 * OUT_TOO_SMALL exactly when the result does not fit. The label helpers
 * agree with each other on every OK output.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostname.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define REQUIRE(c)                        \
	do {                              \
		if (!(c))                 \
			__builtin_trap(); \
	} while (0)

static bool name_byte(uint8_t b)
{
	return (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-' || b == '_';
}

static enum host_status norm(const uint8_t *in, size_t len, char **out, size_t cap,
			     size_t *olen)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	enum host_status s;

	REQUIRE(copy != NULL);
	*out = malloc(cap > 0 ? cap : 1);
	REQUIRE(*out != NULL);
	memcpy(copy, in, len);
	s = host_normalize(len > 0 ? copy : NULL, len, *out, cap, olen);
	{
		/* The one-pass shortcut agrees with the general path exactly. */
		char *g = malloc(cap > 0 ? cap : 1);
		size_t glen = 0;

		REQUIRE(g != NULL);
		REQUIRE(host_normalize_general(len > 0 ? copy : NULL, len, g, cap, &glen) == s);
		REQUIRE(glen == *olen && (cap == 0 || memcmp(g, *out, glen + 1) == 0));
		free(g);
	}
	free(copy);
	REQUIRE((unsigned)s < HOST_STATUS_COUNT);
	if (cap > 0)
		REQUIRE(*olen < cap && (*out)[*olen] == '\0');
	return s;
}

static void check_ok(const char *o, size_t olen)
{
	uint16_t offs[HOST_LABELS_MAX];
	size_t i, lab = 0, labels = 0, nofs;

	REQUIRE(olen >= 1 && olen <= HOST_NAME_MAX_LEN);
	for (i = 0; i <= olen; i++) {
		if (i == olen || o[i] == '.') {
			REQUIRE(lab >= 1 && lab <= HOST_LABEL_MAX_LEN);
			lab = 0;
			labels++;
			continue;
		}
		REQUIRE(name_byte((uint8_t)o[i]));
		lab++;
	}
	REQUIRE(host_label_count(o, olen) == labels && labels <= HOST_LABELS_MAX);
	nofs = host_suffix_offsets(o, olen, offs, HOST_LABELS_MAX);
	REQUIRE(nofs == labels && offs[0] == 0);
	for (i = 0; i < nofs; i++) {
		REQUIRE(offs[i] < olen && (i == 0 || (offs[i] > offs[i - 1] && o[offs[i] - 1] == '.')));
		REQUIRE(host_under(o, olen, o + offs[i], olen - offs[i]));
	}
	/* a suffix that does not start on a label boundary does not count */
	if (olen >= 2 && o[0] != '.' && o[1] != '.')
		REQUIRE(!host_under(o, olen, o + 1, olen - 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	size_t small, len, olen, slen, alen, want;
	const uint8_t *in;
	char *out, *sout, *again;
	enum host_status s, ss, s2;
	size_t i;

	if (n < 1)
		return 0;
	small = d[0];
	in = d + 1;
	len = n - 1;

	s = norm(in, len, &out, HOST_NAME_BUF_SIZE, &olen);
	switch (s) {
	case HOST_OK:
	case HOST_IP_LITERAL:
		if (s == HOST_OK)
			check_ok(out, olen);
		REQUIRE(olen >= 1 && olen <= HOST_NAME_MAX_LEN);
		s2 = norm((const uint8_t *)out, olen, &again, HOST_NAME_BUF_SIZE, &alen);
		REQUIRE(s2 == s && alen == olen && memcmp(again, out, olen) == 0);
		free(again);
		break;
	case HOST_BAD_BYTE:
		want = len - (in[len - 1] == '.');
		REQUIRE(olen == want && olen <= HOST_NAME_MAX_LEN);
		for (i = 0; i < olen; i++) {
			uint8_t b = in[i];

			if (b >= 'A' && b <= 'Z')
				b = (uint8_t)(b + 32);
			REQUIRE((uint8_t)out[i] == b);
		}
		break;
	case HOST_OUT_TOO_SMALL:
		REQUIRE(false); /* HOST_NAME_BUF_SIZE always suffices */
		break;
	default:
		REQUIRE(olen == 0 && out[0] == '\0');
		break;
	}

	ss = norm(in, len, &sout, small, &slen);
	if (s == HOST_OK || s == HOST_IP_LITERAL || s == HOST_BAD_BYTE) {
		if (olen + 1 > small) {
			REQUIRE(ss == HOST_OUT_TOO_SMALL && slen == 0);
		} else {
			REQUIRE(ss == s && slen == olen && memcmp(sout, out, olen) == 0);
		}
	} else {
		REQUIRE(ss == s);
	}
	free(sout);
	free(out);
	return 0;
}
