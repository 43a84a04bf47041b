/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the QUIC client Initial parser.
 *
 * Input: one control byte, then chunks separated by the 4 bytes "\xffQD\xff".
 * Control bit 0 picks the mode:
 *   0 (raw): each chunk is a datagram, fed as it is (seeds: the RFC packets
 *     and real captures, whose tags hold until the fuzzer touches them);
 *   1 (sealed): each chunk is [pn byte][frames]; the target protects the
 *     frames as a v1 Initial with a fixed DCID (AES-GCM and header protection
 *     through libcrypto) and feeds that, so mutations reach the frame parser
 *     and the CRYPTO reassembly instead of failing the tag.
 * Control bits 1-2 pick the reassembly buffer: 16384, 241 (the RFC hello),
 * 64 or 1024 bytes. Every datagram is an exact-size malloc.
 *
 * Invariants: the returned status is the stored one; terminal statuses are
 * sticky; the range list stays sorted, disjoint and inside cap; DONE means a
 * TLS_DONE hello whose slices lie inside the buffer; counters stay in bounds.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "quic_initial.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define REQUIRE(c)                    \
	do {                          \
		if (!(c))             \
			__builtin_trap(); \
	} while (0)

static const uint8_t sep[4] = { 0xff, 'Q', 'D', 0xff };
static const uint8_t fuzz_dcid[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };

static struct quic_crypto *cx;
static struct quic_keys keys;
static EVP_CIPHER_CTX *seal_gcm, *seal_ecb;

static void fuzz_init(void)
{
	if (cx != NULL)
		return;
	cx = quic_crypto_new();
	seal_gcm = EVP_CIPHER_CTX_new();
	seal_ecb = EVP_CIPHER_CTX_new();
	if (cx == NULL || seal_gcm == NULL || seal_ecb == NULL ||
	    !quic_client_initial_keys(cx, QUIC_V1, fuzz_dcid, sizeof(fuzz_dcid), &keys) ||
	    !EVP_EncryptInit_ex(seal_gcm, EVP_aes_128_gcm(), NULL, NULL, NULL) ||
	    !EVP_EncryptInit_ex(seal_ecb, EVP_aes_128_ecb(), NULL, keys.hp, NULL))
		abort();
	EVP_CIPHER_CTX_set_padding(seal_ecb, 0);
}

/*
 * Protects frames as a v1 Initial (header of 18 bytes + pn) into a malloc'd
 * buffer; *out_len its size. pn_byte: low 2 bits the pn length - 1, the rest
 * the packet number.
 */
static uint8_t *seal(uint8_t pn_byte, const uint8_t *frames, size_t flen, size_t *out_len)
{
	size_t pn_len = (size_t)(pn_byte & 3) + 1, plen = flen, n = 0, i, length;
	uint64_t pn = pn_byte >> 2;
	uint8_t nonce[12], mask[16], *o;
	int outl = 0, finl = 0;

	/* the sample needs 4 + 16 bytes after the packet number starts */
	if (plen + pn_len < 4)
		plen = 4 - pn_len;
	length = pn_len + plen + 16;
	if (length >= 16384)
		return NULL;
	o = malloc(18 + length);
	if (o == NULL)
		abort();
	o[n++] = (uint8_t)(0xc0 | (pn_len - 1));
	o[n++] = 0;
	o[n++] = 0;
	o[n++] = 0;
	o[n++] = 1;
	o[n++] = sizeof(fuzz_dcid);
	memcpy(o + n, fuzz_dcid, sizeof(fuzz_dcid));
	n += sizeof(fuzz_dcid);
	o[n++] = 0; /* SCID */
	o[n++] = 0; /* token */
	o[n++] = (uint8_t)(0x40 | length >> 8);
	o[n++] = (uint8_t)length;
	for (i = 0; i < pn_len; i++)
		o[n + i] = (uint8_t)(pn >> (8 * (pn_len - 1 - i)));
	memcpy(nonce, keys.iv, 12);
	for (i = 0; i < 8; i++)
		nonce[4 + i] ^= (uint8_t)(pn >> (56 - 8 * i));
	n += pn_len;
	memset(o + n, 0, plen);
	if (flen > 0)
		memcpy(o + n, frames, flen);
	if (!EVP_EncryptInit_ex(seal_gcm, NULL, NULL, keys.key, nonce) ||
	    !EVP_EncryptUpdate(seal_gcm, NULL, &outl, o, (int)n) ||
	    (plen > 0 && !EVP_EncryptUpdate(seal_gcm, o + n, &outl, o + n, (int)plen)) ||
	    !EVP_EncryptFinal_ex(seal_gcm, o + n + plen, &finl) ||
	    !EVP_CIPHER_CTX_ctrl(seal_gcm, EVP_CTRL_GCM_GET_TAG, 16, o + n + plen))
		abort();
	if (!EVP_EncryptUpdate(seal_ecb, mask, &outl, o + 18 + 4, 16))
		abort();
	o[0] ^= mask[0] & 0x0f;
	for (i = 0; i < pn_len; i++)
		o[18 + i] ^= mask[1 + i];
	*out_len = 18 + length;
	return o;
}

static void check(const struct quic_initial *st, const uint8_t *buf, size_t cap)
{
	uint32_t i, k;

	REQUIRE(st->n_ranges <= QUIC_MAX_RANGES);
	for (i = 0; i < st->n_ranges; i++) {
		REQUIRE(st->ranges[i].from < st->ranges[i].to && st->ranges[i].to <= cap);
		if (i > 0)
			REQUIRE(st->ranges[i - 1].to < st->ranges[i].from);
	}
	REQUIRE(st->n_packets <= QUIC_MAX_PACKETS);
	REQUIRE(st->dcid_len <= QUIC_MAX_CID_LEN);
	REQUIRE(st->n_packets == 0 || st->version != 0);
	if (st->status == QUIC_NEED_MORE)
		REQUIRE(st->reason == QUIC_R_NONE);
	else if (st->status == QUIC_DONE)
		REQUIRE(st->reason == QUIC_R_NONE);
	else
		REQUIRE(st->reason != QUIC_R_NONE && st->reason < QUIC_R_COUNT);
	if (st->status != QUIC_DONE)
		return;
	REQUIRE(st->tls.status == TLS_DONE);
	REQUIRE(st->hello_len >= 4 && st->hello_len <= cap);
	REQUIRE(st->tls.hello_len + 4 == st->hello_len);
	REQUIRE(st->n_ranges >= 1 && st->ranges[0].from == 0 &&
		st->ranges[0].to >= st->hello_len);
	for (i = 0; i < st->tls.n_names; i++) {
		const struct tls_slice *s = &st->tls.names[i];

		REQUIRE(s->p >= buf && (size_t)(s->p - buf) + s->len <= st->hello_len);
		for (k = 0; k < s->len; k++)
			REQUIRE(s->p[k] >= 0x20 && s->p[k] != 0x7f);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const size_t caps[4] = { QUIC_INITIAL_DEFAULT_CAP, 241, 64, 1024 };
	static struct quic_initial st;
	uint8_t *buf;
	size_t cap, pos = 1;
	bool sealed;
	enum quic_status term = QUIC_NEED_MORE;

	if (n < 1)
		return 0;
	fuzz_init();
	sealed = (d[0] & 1) != 0;
	cap = caps[(d[0] >> 1) & 3];
	buf = malloc(cap);
	if (buf == NULL)
		abort();
	quic_initial_init(&st, buf, cap);
	while (pos <= n) {
		const uint8_t *end = n - pos >= sizeof(sep) ? memmem(d + pos, n - pos, sep, sizeof(sep))
							    : NULL;
		size_t clen = end != NULL ? (size_t)(end - (d + pos)) : n - pos;
		uint8_t *dg = NULL;
		size_t dlen = 0;
		uint32_t before = st.n_datagrams;
		enum quic_status s;

		if (sealed) {
			if (clen >= 1)
				dg = seal(d[pos], d + pos + 1, clen - 1, &dlen);
		} else {
			dlen = clen;
			dg = malloc(clen > 0 ? clen : 1);
			if (dg == NULL)
				abort();
			memcpy(dg, d + pos, clen);
		}
		if (dg != NULL) {
			s = quic_initial_feed_datagram(&st, cx, dg, dlen);
			REQUIRE(s == st.status);
			if (term != QUIC_NEED_MORE)
				REQUIRE(s == term && st.n_datagrams == before);
			else
				term = s;
			check(&st, buf, cap);
			free(dg);
		}
		pos += clen + sizeof(sep);
	}
	free(buf);
	return 0;
}
