/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the QUIC client Initial parser.
 *
 * - RFC 9001 Appendix A and RFC 9369 Appendix A: the client Initial keys, the
 *   header-protection mask and the whole protected packet, byte for byte
 *   (tests/data/quic/, README there).
 * - Crafted flows: packets are protected here with libcrypto directly (HKDF
 *   through EVP_KDF, AES-GCM and AES-ECB through EVP), a path that shares no
 *   code with the parser's decryption. Hellos are split over frames, packets
 *   and datagrams, shuffled, retransmitted, mixed with PADDING/PING/ACK.
 * - Errors: every NOT_QUIC and MALFORMED reason the wire can cause, every
 *   single-byte corruption of the RFC packet, every truncation.
 * - Allocation: no libcrypto allocation per new flow or per packet (counted
 *   through CRYPTO_set_mem_functions hooks installed first in main).
 * - The real-traffic corpus ($KB_CORPUS, skipped when absent): every
 *   quic_sni row of names.tsv, flows fed datagram by datagram as captured.
 */

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#define KB_RNG_SEED 0x243f6a8885a308d3ull
#include "kb_test.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "l3l4.h"
#include "quic_initial.h"
#include "tls_hello.h"

#define T_MAX_PKT 2048
#define T_MAX_DGRAM 8192

/* ------------------------------------------------------------------------ */
/* Helpers */

static size_t rng_below(size_t n)
{
	return n == 0 ? 0 : (size_t)(kb_rng_next() % n);
}

/* Reads tests/data/quic/NAME.hex into out; returns the byte count. */
static size_t read_hex(const char *name, uint8_t *out, size_t cap)
{
	char path[512];
	uint8_t *txt;
	char *s;
	size_t len, n;

	snprintf(path, sizeof(path), "%s/quic/%s.hex", kb_data_dir(), name);
	txt = kb_read_file(path, &len);
	if (txt == NULL)
		fail_msg("cannot read %s", path);
	s = malloc(len + 1);
	assert_non_null(s);
	memcpy(s, txt, len);
	s[len] = '\0';
	n = kb_unhex(s, out, cap);
	free(s);
	free(txt);
	return n;
}

static void assert_hex(const uint8_t *got, size_t len, const char *want_hex)
{
	uint8_t want[256];
	size_t n = kb_unhex(want_hex, want, sizeof(want));

	assert_int_equal(len, n);
	assert_memory_equal(got, want, n);
}

/* ------------------------------------------------------------------------ */
/* Test-side packet protection (EVP_KDF HKDF, EVP AES): not the parser's code */

static const char *t_salt_hex(uint32_t v, bool *v2)
{
	*v2 = v == QUIC_V2;
	if (v == QUIC_V2)
		return "0dede3def700a6db819381be6e269dcbf9bd2ed9"; /* RFC 9369 §3.3.1 */
	if (v == QUIC_V1 || v == 0xff000021u || v == 0xff000022u)
		return "38762cf7f55934b34d179ae6a4c80cadccbb7f0a"; /* RFC 9001 §5.2 */
	if (v >= 0xff00001du && v <= 0xff000020u)
		return "afbfec289993d24c9e9786f19c6111e04390a899"; /* draft-29 */
	if ((v >= 0xff000017u && v <= 0xff00001cu) || v == 0xfaceb002u || v == 0xfaceb00eu)
		return "c3eef712c72ebb5a11a7d2432bb46365bef9f502"; /* draft-23 */
	if (v == 0xfaceb001u)
		return "7fbcdb0e7c66bbe9193a96cd21519ebd7a02644a"; /* draft-22 */
	return NULL;
}

static void t_kdf(int mode, const uint8_t *key, size_t key_len, const uint8_t *salt,
		  size_t salt_len, const uint8_t *info, size_t info_len, uint8_t *out,
		  size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kc;
	OSSL_PARAM p[6], *q = p;

	assert_non_null(kdf);
	kc = EVP_KDF_CTX_new(kdf);
	assert_non_null(kc);
	*q++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len);
	if (salt != NULL)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt,
							 salt_len);
	if (info != NULL)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
							 info_len);
	*q = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_KDF_derive(kc, out, out_len, p), 1);
	EVP_KDF_CTX_free(kc);
	EVP_KDF_free(kdf);
}

static void t_expand_label(const uint8_t secret[32], const char *label, uint8_t *out, size_t n)
{
	uint8_t info[64];
	size_t llen = strlen(label), k = 0;

	info[k++] = (uint8_t)(n >> 8);
	info[k++] = (uint8_t)n;
	info[k++] = (uint8_t)(6 + llen);
	memcpy(info + k, "tls13 ", 6);
	k += 6;
	memcpy(info + k, label, llen);
	k += llen;
	info[k++] = 0;
	t_kdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, secret, 32, NULL, 0, info, k, out, n);
}

struct t_secrets {
	uint8_t initial[32];
	uint8_t client[32];
	struct quic_keys k;
};

static void t_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len, struct t_secrets *s)
{
	uint8_t salt[20];
	bool v2;
	const char *sh = t_salt_hex(version, &v2);

	assert_non_null(sh);
	assert_int_equal(kb_unhex(sh, salt, sizeof(salt)), 20);
	t_kdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, dcid, dcid_len, salt, sizeof(salt), NULL, 0,
	      s->initial, 32);
	t_expand_label(s->initial, "client in", s->client, 32);
	t_expand_label(s->client, v2 ? "quicv2 key" : "quic key", s->k.key, 16);
	t_expand_label(s->client, v2 ? "quicv2 iv" : "quic iv", s->k.iv, 12);
	t_expand_label(s->client, v2 ? "quicv2 hp" : "quic hp", s->k.hp, 16);
}

static void t_ecb(const uint8_t hp[16], const uint8_t *sample, uint8_t mask[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0;

	assert_non_null(c);
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, hp, NULL), 1);
	EVP_CIPHER_CTX_set_padding(c, 0);
	assert_int_equal(EVP_EncryptUpdate(c, mask, &n, sample, 16), 1);
	assert_int_equal(n, 16);
	EVP_CIPHER_CTX_free(c);
}

/* A packet to protect; zero fields take defaults (v1 Initial, 4-byte pn). */
struct t_pkt {
	uint32_t version;
	const uint8_t *dcid;
	size_t dcid_len;
	const uint8_t *scid;
	size_t scid_len;
	const uint8_t *token;
	size_t token_len;
	uint64_t pn;
	size_t pn_len;          /* 1..4; 0 means 4 */
	int type_bits;          /* wire type bits; -1: Initial of the version */
	uint8_t reserved;       /* value of the two reserved bits */
	const uint8_t *key_dcid; /* keys from this DCID instead (NULL: dcid) */
	size_t key_dcid_len;
	uint32_t key_version;   /* keys of this version instead (0: version) */
	bool bad_tag;           /* flip a tag bit */
};

static const uint8_t t_dcid_rfc[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };

static size_t t_put_varint(uint8_t *o, uint64_t v)
{
	if (v < 64) {
		o[0] = (uint8_t)v;
		return 1;
	}
	if (v < 16384) {
		o[0] = (uint8_t)(0x40 | v >> 8);
		o[1] = (uint8_t)v;
		return 2;
	}
	if (v < (1ull << 30)) {
		o[0] = (uint8_t)(0x80 | v >> 24);
		o[1] = (uint8_t)(v >> 16);
		o[2] = (uint8_t)(v >> 8);
		o[3] = (uint8_t)v;
		return 4;
	}
	o[0] = (uint8_t)(0xc0 | v >> 56);
	for (int i = 1; i < 8; i++)
		o[i] = (uint8_t)(v >> (56 - 8 * i));
	return 8;
}

/* Builds one protected long-header packet into out; returns its length. */
static size_t t_protect(const struct t_pkt *o, const uint8_t *payload, size_t plen, uint8_t *out,
			size_t cap)
{
	uint32_t version = o->version != 0 ? o->version : QUIC_V1;
	const uint8_t *dcid = o->dcid != NULL ? o->dcid : t_dcid_rfc;
	size_t dcid_len = o->dcid != NULL ? o->dcid_len : sizeof(t_dcid_rfc);
	size_t pn_len = o->pn_len != 0 ? o->pn_len : 4;
	struct t_secrets s;
	uint8_t nonce[12], mask[16];
	int type = o->type_bits, outl = 0, finl = 0;
	size_t n = 0, pn_off, i, length;
	bool initial;
	EVP_CIPHER_CTX *c;

	if (type < 0)
		type = version == QUIC_V2 ? 1 : 0;
	initial = version == QUIC_V2 ? type == 1 : type == 0;
	if (o->key_dcid != NULL)
		t_keys(o->key_version != 0 ? o->key_version : version, o->key_dcid,
		       o->key_dcid_len, &s);
	else
		t_keys(o->key_version != 0 ? o->key_version : version, dcid, dcid_len, &s);
	length = pn_len + plen + 16;
	assert_true(1 + 4 + 1 + dcid_len + 1 + o->scid_len + 8 + o->token_len + 2 + length <= cap);
	assert_true(length < 16384);
	out[n++] = (uint8_t)(0xc0 | type << 4 | (o->reserved & 3) << 2 | (pn_len - 1));
	out[n++] = (uint8_t)(version >> 24);
	out[n++] = (uint8_t)(version >> 16);
	out[n++] = (uint8_t)(version >> 8);
	out[n++] = (uint8_t)version;
	out[n++] = (uint8_t)dcid_len;
	memcpy(out + n, dcid, dcid_len);
	n += dcid_len;
	out[n++] = (uint8_t)o->scid_len;
	if (o->scid_len > 0)
		memcpy(out + n, o->scid, o->scid_len);
	n += o->scid_len;
	if (initial) {
		n += t_put_varint(out + n, o->token_len);
		if (o->token_len > 0)
			memcpy(out + n, o->token, o->token_len);
		n += o->token_len;
	}
	out[n++] = (uint8_t)(0x40 | length >> 8); /* always the 2-byte form, as the RFC example */
	out[n++] = (uint8_t)length;
	pn_off = n;
	for (i = 0; i < pn_len; i++)
		out[n++] = (uint8_t)(o->pn >> (8 * (pn_len - 1 - i)));
	memcpy(nonce, s.k.iv, 12);
	for (i = 0; i < 8; i++)
		nonce[4 + i] ^= (uint8_t)(o->pn >> (56 - 8 * i));

	c = EVP_CIPHER_CTX_new();
	assert_non_null(c);
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, s.k.key, nonce), 1);
	assert_int_equal(EVP_EncryptUpdate(c, NULL, &outl, out, (int)n), 1);
	outl = 0;
	if (plen > 0)
		assert_int_equal(EVP_EncryptUpdate(c, out + n, &outl, payload, (int)plen), 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, out + n + outl, &finl), 1);
	n += (size_t)(outl + finl);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + n), 1);
	n += 16;
	EVP_CIPHER_CTX_free(c);
	if (o->bad_tag)
		out[n - 1] ^= 0x01;

	assert_true(pn_off + 4 + 16 <= n);
	t_ecb(s.k.hp, out + pn_off + 4, mask);
	out[0] ^= mask[0] & 0x0f;
	for (i = 0; i < pn_len; i++)
		out[pn_off + i] ^= mask[1 + i];
	return n;
}

/* A growing byte buffer for payloads and datagrams. */
struct t_buf {
	uint8_t b[T_MAX_DGRAM];
	size_t n;
};

static void t_add(struct t_buf *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->b));
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void t_byte(struct t_buf *b, uint8_t v)
{
	t_add(b, &v, 1);
}

static void t_varint(struct t_buf *b, uint64_t v)
{
	uint8_t tmp[8];

	t_add(b, tmp, t_put_varint(tmp, v));
}

static void t_crypto(struct t_buf *b, uint64_t off, const uint8_t *data, size_t len)
{
	t_byte(b, 0x06);
	t_varint(b, off);
	t_varint(b, len);
	t_add(b, data, len);
}

static void t_pad(struct t_buf *b, size_t n)
{
	assert_true(b->n + n <= sizeof(b->b));
	memset(b->b + b->n, 0, n);
	b->n += n;
}

/* Appends a protected packet with payload p to datagram d. */
static void t_packet(struct t_buf *d, const struct t_pkt *o, const struct t_buf *p)
{
	uint8_t pkt[T_MAX_DGRAM];
	size_t n = t_protect(o, p->b, p->n, pkt, sizeof(pkt));

	t_add(d, pkt, n);
}

/* Feeds one datagram through an exact-size copy (so ASan sees over-reads). */
static enum quic_status t_feed(struct quic_initial *st, struct quic_crypto *cx, const uint8_t *d,
			       size_t n)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	enum quic_status s;

	assert_non_null(copy);
	memcpy(copy, d, n);
	s = quic_initial_feed_datagram(st, cx, copy, n);
	assert_int_equal(s, st->status);
	free(copy);
	return s;
}

static void assert_sni(const struct quic_initial *st, const char *name)
{
	assert_int_equal(st->status, QUIC_DONE);
	assert_int_equal(st->tls.status, TLS_DONE);
	assert_true(st->tls.n_names >= 1);
	assert_int_equal(st->tls.names[0].len, strlen(name));
	assert_memory_equal(st->tls.names[0].p, name, strlen(name));
}

static void assert_malformed(const struct quic_initial *st, enum quic_reason r)
{
	if (st->status != QUIC_MALFORMED || st->reason != r)
		fail_msg("want malformed/%s, got %s/%s", quic_reason_str(r),
			 quic_status_str(st->status), quic_reason_str(st->reason));
}

static void assert_not_quic(const struct quic_initial *st, enum quic_reason r)
{
	if (st->status != QUIC_NOT_QUIC || st->reason != r)
		fail_msg("want not_quic/%s, got %s/%s", quic_reason_str(r),
			 quic_status_str(st->status), quic_reason_str(st->reason));
}

/* Shared fixtures */
static struct quic_crypto *g_cx;
static uint8_t g_buf[QUIC_INITIAL_DEFAULT_CAP];
static uint8_t g_rfc_frame[256];     /* RFC 9001 A.2 CRYPTO frame (245 bytes) */
static size_t g_rfc_frame_len;
static const uint8_t *g_rfc_hello;   /* the ClientHello inside it (241 bytes) */
static size_t g_rfc_hello_len;
static uint8_t g_big_hello[4096];    /* a Chromium hello (~1.9 KB, X25519MLKEM768) */
static size_t g_big_hello_len;

static int setup(void **state)
{
	char path[512];
	uint8_t *rec;
	size_t len;

	(void)state;
	g_cx = quic_crypto_new();
	if (g_cx == NULL)
		return -1;
	g_rfc_frame_len = read_hex("rfc9001_a2_crypto_frame", g_rfc_frame, sizeof(g_rfc_frame));
	g_rfc_hello = g_rfc_frame + 4;
	g_rfc_hello_len = g_rfc_frame_len - 4;
	/* the record-layer capture of Chromium's TLS hello: drop the 5-byte record header */
	snprintf(path, sizeof(path), "%s/real/chromium-tls.tls.bin", kb_data_dir());
	rec = kb_read_file(path, &len);
	if (rec == NULL || len < 5 || len - 5 > sizeof(g_big_hello))
		return -1;
	g_big_hello_len = len - 5;
	memcpy(g_big_hello, rec + 5, g_big_hello_len);
	free(rec);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	quic_crypto_free(g_cx);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* RFC vectors */

static void test_rfc9001_keys(void **state)
{
	struct quic_keys k;
	struct t_secrets s;

	(void)state;
	/* RFC 9001 A.1 */
	assert_true(quic_client_initial_keys(g_cx, QUIC_V1, t_dcid_rfc, 8, &k));
	assert_hex(k.key, 16, "1f369613dd76d5467730efcbe3b1a22d");
	assert_hex(k.iv, 12, "fa044b2f42a3fd3b46fb255c");
	assert_hex(k.hp, 16, "9f50449e04a0e810283a1e9933adedd2");
	/* and the test's own derivation, step by step */
	t_keys(QUIC_V1, t_dcid_rfc, 8, &s);
	assert_hex(s.initial, 32,
		   "7db5df06e7a69e432496adedb0085192 3595221596ae2ae9fb8115c1e9ed0a44");
	assert_hex(s.client, 32,
		   "c00cf151ca5be075ed0ebfb5c80323c4 2d6b7db67881289af4008f1f6c357aea");
	assert_memory_equal(&s.k, &k, sizeof(k));

	/* RFC 9369 A.1 */
	assert_true(quic_client_initial_keys(g_cx, QUIC_V2, t_dcid_rfc, 8, &k));
	assert_hex(k.key, 16, "8b1a0bc121284290a29e0971b5cd045d");
	assert_hex(k.iv, 12, "91f73e2351d8fa91660e909f");
	assert_hex(k.hp, 16, "45b95e15235d6f45a6b19cbcb0294ba9");
	t_keys(QUIC_V2, t_dcid_rfc, 8, &s);
	assert_hex(s.initial, 32,
		   "2062e8b3cd8d52092614b8071d0aa1fb 7c2e3ac193f78b280e72d8f5751f6aba");
	assert_hex(s.client, 32,
		   "14ec9d6eb9fd7af83bf5a668bc17a7e2 83766aade7ecd0891f70f9ff7f4bf47b");
	assert_memory_equal(&s.k, &k, sizeof(k));

	/* unsupported version, oversized DCID */
	assert_false(quic_client_initial_keys(g_cx, 0x1a2a3a4au, t_dcid_rfc, 8, &k));
	assert_false(quic_client_initial_keys(g_cx, QUIC_V1, g_buf, 21, &k));
	assert_true(quic_client_initial_keys(g_cx, QUIC_V1, g_buf, 20, &k));
}

/*
 * Rebuilds the RFC example packet from its unprotected header and payload
 * with the test's own protection, compares every byte with the RFC's, then
 * feeds the RFC's bytes to the parser.
 */
static void rfc_packet(uint32_t version, const char *hex_name, const char *sample_hex,
		       const char *mask_hex, const char *header_hex)
{
	uint8_t want[T_MAX_PKT], got[T_MAX_PKT], payload[1162], mask[16];
	struct t_pkt o = { .version = version, .pn = 2, .pn_len = 4, .type_bits = -1 };
	struct quic_initial st;
	struct quic_keys k;
	size_t n = read_hex(hex_name, want, sizeof(want)), m;

	assert_int_equal(n, 1200);
	/* A.2: the payload is the CRYPTO frame then PADDING to 1162 bytes */
	memset(payload, 0, sizeof(payload));
	memcpy(payload, g_rfc_frame, g_rfc_frame_len);
	m = t_protect(&o, payload, sizeof(payload), got, sizeof(got));
	assert_int_equal(m, 1200);
	assert_memory_equal(got, want, 1200);

	/* the header-protection steps spelled out in A.2 */
	assert_hex(want + 22, 16, sample_hex);
	assert_true(quic_client_initial_keys(g_cx, version, t_dcid_rfc, 8, &k));
	t_ecb(k.hp, want + 22, mask);
	assert_hex(mask, 5, mask_hex);
	assert_hex(want, 22, header_hex);

	quic_initial_init(&st, g_buf, sizeof(g_buf));
	assert_int_equal(t_feed(&st, g_cx, want, n), QUIC_DONE);
	assert_sni(&st, "example.com");
	assert_int_equal(st.version, version);
	assert_int_equal(st.n_packets, 1);
	assert_int_equal(st.n_datagrams, 1);
	assert_int_equal(st.hello_len, 241);
	assert_int_equal(st.tls.hello_len, 237);
	assert_int_equal(st.dcid_len, 8);
	assert_memory_equal(st.dcid, t_dcid_rfc, 8);
	assert_int_equal(st.tls.n_alpn, 1);
	assert_int_equal(st.tls.alpn[0].len, 4);
	assert_memory_equal(st.tls.alpn[0].p, "alpn", 4);
	/* results point into the reassembly buffer, where the hello holds the name */
	{
		const uint8_t *at = memmem(g_rfc_hello, g_rfc_hello_len, "example.com", 11);

		assert_non_null(at);
		assert_ptr_equal(st.tls.names[0].p, g_buf + (at - g_rfc_hello));
	}
	assert_int_equal(st.flags & ~(uint32_t)QUIC_F_TOKEN, 0);
	/* sticky */
	assert_int_equal(t_feed(&st, g_cx, want, n), QUIC_DONE);
	assert_int_equal(st.n_datagrams, 1);
}

static void test_rfc9001_packet(void **state)
{
	(void)state;
	rfc_packet(QUIC_V1, "rfc9001_a2_client_initial", "d1b1c98dd7689fb8ec11d242b123dc9b",
		   "437b9aec36", "c000000001088394c8f03e5157080000449e7b9aec34");
}

static void test_rfc9369_packet(void **state)
{
	(void)state;
	rfc_packet(QUIC_V2, "rfc9369_a2_client_initial", "ffe67b6abcdb4298b485dd04de806071",
		   "94a0c95e80", "d76b3343cf088394c8f03e5157080000449ea0c95e82");
}

/* No single-byte change of the RFC packet gives a hello (the AEAD covers all). */
static void test_rfc_every_byte_flipped(void **state)
{
	uint8_t pkt[T_MAX_PKT];
	size_t n = read_hex("rfc9001_a2_client_initial", pkt, sizeof(pkt)), i;
	unsigned counts[4] = { 0 };
	struct quic_initial st;

	(void)state;
	for (i = 0; i < n; i++) {
		pkt[i] ^= 0x21;
		quic_initial_init(&st, g_buf, sizeof(g_buf));
		t_feed(&st, g_cx, pkt, n);
		assert_int_not_equal(st.status, QUIC_DONE);
		if (st.status != QUIC_MALFORMED) {
			/* a version byte: a version not decrypted; the first byte: its
			 * type bits now say Handshake, which is skipped */
			assert_int_equal(st.status, QUIC_NEED_MORE);
			assert_true(i <= 4);
			assert_true(i == 0 ? (st.flags & QUIC_F_SKIPPED_PACKET) != 0
					   : (st.flags & QUIC_F_UNKNOWN_VERSION) != 0);
		} else if (i >= 22) {
			/* protected packet number, payload or tag */
			assert_int_equal(st.reason, QUIC_R_DECRYPT);
		}
		counts[st.status]++;
		pkt[i] ^= 0x21;
	}
	print_message("1200 flips: need_more %u not_quic %u malformed %u\n", counts[0],
		      counts[2], counts[3]);
	/* and every truncation */
	for (i = 0; i < n; i++) {
		quic_initial_init(&st, g_buf, sizeof(g_buf));
		t_feed(&st, g_cx, pkt, i);
		assert_int_not_equal(st.status, QUIC_DONE);
		if (i == 0)
			assert_not_quic(&st, QUIC_R_EMPTY);
		else if (i < 15) /* up to the end of the (empty) SCID */
			assert_not_quic(&st, QUIC_R_HEADER);
		else
			assert_malformed(&st, QUIC_R_PACKET_LEN);
	}
}

/* ------------------------------------------------------------------------ */
/* Crafted flows */

/* One v1 Initial carrying frames in p, alone in a 1200-byte datagram. */
static void t_dgram(struct t_buf *d, const struct t_pkt *o, struct t_buf *p)
{
	d->n = 0;
	/* pad the payload so the datagram reaches 1200 bytes */
	if (p->n < 1200 - 60)
		t_pad(p, 1200 - 60 - p->n);
	t_packet(d, o, p);
}

static void test_two_datagrams_reversed(void **state)
{
	struct t_buf p1 = { .n = 0 }, p2 = { .n = 0 }, d1, d2;
	struct t_pkt o1 = { .pn = 0, .type_bits = -1 }, o2 = { .pn = 1, .type_bits = -1 };
	struct quic_initial st;
	size_t half = 1100;

	(void)state;
	/* Chrome: the PQ hello does not fit one Initial; the second carries the tail */
	t_crypto(&p1, 0, g_big_hello, half);
	t_crypto(&p2, half, g_big_hello + half, g_big_hello_len - half);
	t_dgram(&d1, &o1, &p1);
	t_dgram(&d2, &o2, &p2);

	quic_initial_init(&st, g_buf, sizeof(g_buf));
	assert_int_equal(t_feed(&st, g_cx, d1.b, d1.n), QUIC_NEED_MORE);
	assert_int_equal(st.hello_len, g_big_hello_len);
	assert_int_equal(t_feed(&st, g_cx, d2.b, d2.n), QUIC_DONE);
	assert_sni(&st, "my.kaspersky.com");
	assert_true(st.flags & QUIC_F_MULTI_PACKET);
	assert_false(st.flags & QUIC_F_OUT_OF_ORDER);

	/* the same datagrams in the other order */
	quic_initial_init(&st, g_buf, sizeof(g_buf));
	assert_int_equal(t_feed(&st, g_cx, d2.b, d2.n), QUIC_NEED_MORE);
	assert_int_equal(st.hello_len, 0);
	assert_int_equal(t_feed(&st, g_cx, d1.b, d1.n), QUIC_DONE);
	assert_sni(&st, "my.kaspersky.com");
	assert_true(st.flags & QUIC_F_OUT_OF_ORDER);
	assert_int_equal(st.n_packets, 2);
	assert_int_equal(st.tls.hello_len, g_big_hello_len - 4);
}

/* Chrome's "chaos protection": small CRYPTO frames shuffled, PING and PADDING between. */
static void test_shuffled_frames_one_packet(void **state)
{
	struct t_buf p = { .n = 0 }, d;
	struct t_pkt o = { .pn = 0, .type_bits = -1 };
	struct quic_initial st;
	static const size_t cuts[] = { 0, 17, 40, 41, 100, 160, 200, 241 };
	static const int order[] = { 5, 2, 6, 0, 3, 1, 4 };
	size_t i;

	(void)state;
	for (i = 0; i < 7; i++) {
		size_t a = cuts[order[i]], b = cuts[order[i] + 1];

		t_byte(&p, 0x01); /* PING */
		t_pad(&p, i);     /* PADDING run (possibly empty) */
		t_crypto(&p, a, g_rfc_hello + a, b - a);
	}
	t_dgram(&d, &o, &p);
	quic_initial_init(&st, g_buf, sizeof(g_buf));
	assert_int_equal(t_feed(&st, g_cx, d.b, d.n), QUIC_DONE);
	assert_sni(&st, "example.com");
	assert_true(st.flags & QUIC_F_PING);
	assert_true(st.flags & QUIC_F_OUT_OF_ORDER);
	assert_false(st.flags & QUIC_F_MULTI_PACKET);
}

/*
 * Random splits: the big hello cut into 2..12 frames, spread over 1..4
 * packets, packets coalesced into datagrams, datagrams and frames shuffled,
 * with random retransmissions of some frames. All must give the same result.
 */
static void test_random_splits(void **state)
{
	int iter;

	(void)state;
	for (iter = 0; iter < 300; iter++) {
		size_t n_frames = 2 + rng_below(11), n_pkts = 1 + rng_below(4), i, k;
		size_t cuts[16], frame_pkt[16], order[16];
		struct t_buf pay[4], dg[4];
		size_t n_dg = 0;
		struct quic_initial st;
		enum quic_status s = QUIC_NEED_MORE;

		cuts[0] = 0;
		cuts[n_frames] = g_big_hello_len;
		for (i = 1; i < n_frames; i++)
			cuts[i] = 1 + rng_below(g_big_hello_len - 1);
		/* sort the inner cuts */
		for (i = 1; i < n_frames; i++)
			for (k = i + 1; k < n_frames; k++)
				if (cuts[k] < cuts[i]) {
					size_t t = cuts[i];

					cuts[i] = cuts[k];
					cuts[k] = t;
				}
		for (i = 0; i < n_frames; i++) {
			order[i] = i;
			frame_pkt[i] = rng_below(n_pkts);
		}
		for (i = n_frames; i > 1; i--) {
			size_t j = rng_below(i), t = order[i - 1];

			order[i - 1] = order[j];
			order[j] = t;
		}
		/* every packet gets at least one frame, so none is empty */
		for (i = 0; i < n_pkts && i < n_frames; i++)
			frame_pkt[order[i]] = i;
		for (i = 0; i < n_pkts; i++)
			pay[i].n = 0;
		for (i = 0; i < n_frames; i++) {
			size_t f = order[i];
			struct t_buf *pb = &pay[frame_pkt[f]];

			if (rng_below(4) == 0)
				t_byte(pb, 0x01);
			t_crypto(pb, cuts[f], g_big_hello + cuts[f], cuts[f + 1] - cuts[f]);
			if (rng_below(5) == 0) /* retransmitted */
				t_crypto(pb, cuts[f], g_big_hello + cuts[f],
					 cuts[f + 1] - cuts[f]);
		}
		/* coalesce neighbouring packets into datagrams while they fit */
		for (i = 0; i < n_pkts; i++) {
			struct t_pkt o = { .pn = i, .pn_len = 1 + rng_below(4), .type_bits = -1 };
			uint8_t pkt[T_MAX_DGRAM];
			size_t m;

			if (pay[i].n < 40)
				t_pad(&pay[i], 40 - pay[i].n);
			m = t_protect(&o, pay[i].b, pay[i].n, pkt, sizeof(pkt));
			if (n_dg == 0 || dg[n_dg - 1].n + m > sizeof(dg[0].b) || rng_below(2) == 0)
				dg[n_dg++].n = 0;
			t_add(&dg[n_dg - 1], pkt, m);
		}
		for (i = n_dg; i > 1; i--) {
			size_t j = rng_below(i);
			struct t_buf t = dg[i - 1];

			dg[i - 1] = dg[j];
			dg[j] = t;
		}
		quic_initial_init(&st, g_buf, sizeof(g_buf));
		for (i = 0; i < n_dg; i++) {
			s = t_feed(&st, g_cx, dg[i].b, dg[i].n);
			if (i + 1 < n_dg && s == QUIC_DONE)
				break;
			assert_true(s == QUIC_NEED_MORE || s == QUIC_DONE);
		}
		if (s != QUIC_DONE)
			fail_msg("iteration %d: %s/%s with %zu frames, %zu packets, %zu datagrams",
				 iter, quic_status_str(s), quic_reason_str(st.reason), n_frames,
				 n_pkts, n_dg);
		assert_sni(&st, "my.kaspersky.com");
		assert_int_equal(st.tls.n_names, 1);
		assert_true(st.tls.flags & TLS_F_ECH);
	}
}

static void test_coalesced_and_skipped(void **state)
{
	struct t_buf p1 = { .n = 0 }, p2 = { .n = 0 }, p0 = { .n = 0 }, d = { .n = 0 };
	struct t_pkt i1 = { .pn = 0, .type_bits = -1 }, i2 = { .pn = 1, .type_bits = -1 };
	struct t_pkt zrtt = { .pn = 0, .type_bits = 1 }; /* v1 0-RTT */
	struct quic_initial st;

	(void)state;
	t_crypto(&p1, 0, g_rfc_hello, 100);
	t_crypto(&p2, 100, g_rfc_hello + 100, g_rfc_hello_len - 100);
	t_pad(&p0, 50);
	t_packet(&d, &i2, &p2);
	t_packet(&d, &zrtt, &p0);
	t_packet(&d, &i1, &p1);
	t_pad(&d, 1200 - d.n); /* zero bytes after the packets */
	quic_initial_init(&st, g_buf, sizeof(g_buf));
	assert_int_equal(t_feed(&st, g_cx, d.b, d.n), QUIC_DONE);
	assert_sni(&st, "example.com");
	assert_int_equal(st.n_packets, 2);
	assert_int_equal(st.n_skipped, 1);
	assert_true(st.flags & QUIC_F_COALESCED);
	assert_true(st.flags & QUIC_F_SKIPPED_PACKET);
	assert_true(st.flags & QUIC_F_MULTI_PACKET);
	assert_false(st.flags & QUIC_F_SMALL_DATAGRAM);

	/* a coalesced Initial with another DCID is ignored (RFC 9000 §12.2) */
	{
		static const uint8_t other[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
		struct t_pkt i3 = { .pn = 1, .type_bits = -1, .dcid = other, .dcid_len = 8 };

		d.n = 0;
		t_packet(&d, &i1, &p1);
		t_packet(&d, &i3, &p2);
		quic_initial_init(&st, g_buf, sizeof(g_buf));
		assert_int_equal(t_feed(&st, g_cx, d.b, d.n), QUIC_NEED_MORE);
		assert_true(st.flags & QUIC_F_OTHER_DCID);
		assert_true(st.flags & QUIC_F_SMALL_DATAGRAM);
		assert_int_equal(st.n_packets, 1);
	}
	/* a short-header packet after the Initial ends the datagram */
	{
		d.n = 0;
		t_packet(&d, &i1, &p1);
		t_byte(&d, 0x43);
		t_pad(&d, 40);
		quic_initial_init(&st, g_buf, sizeof(g_buf));
		assert_int_equal(t_feed(&st, g_cx, d.b, d.n), QUIC_NEED_MORE);
		assert_true(st.flags & QUIC_F_SHORT_PACKET);
		d.n = 0;
		t_packet(&d, &i2, &p2);
		assert_int_equal(t_feed(&st, g_cx, d.b, d.n), QUIC_DONE);
	}
}

static void test_dcid_change(void **state)
{
	static const uint8_t a[8] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7 };
	static const uint8_t b[12] = { 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5,
				       0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb };
	struct t_buf p1 = { .n = 0 }, p2 = { .n = 0 }, d1, d2;
	struct t_pkt o1 = { .pn = 0, .type_bits = -1, .dcid = a, .dcid_len = 8 };
	struct quic_initial st;

	(void)state;
	t_crypto(&p1, 0, g_big_hello, 1000);
	t_crypto(&p2, 1000, g_big_hello + 1000, g_big_hello_len - 1000);
	t_dgram(&d1, &o1, &p1);

	/* after a Retry: the new DCID gives the keys; a token is sent */
	{
		static const uint8_t tok[5] = { 't', 'o', 'k', 'e', 'n' };
		struct t_pkt o2 = { .pn = 1, .type_bits = -1, .dcid = b, .dcid_len = 12,
				    .token = tok, .token_len = 5 };

		t_dgram(&d2, &o2, &p2);
		quic_initial_init(&st, g_buf, sizeof(g_buf));
		assert_int_equal(t_feed(&st, g_cx, d1.b, d1.n), QUIC_NEED_MORE);
		assert_int_equal(t_feed(&st, g_cx, d2.b, d2.n), QUIC_DONE);
		assert_sni(&st, "my.kaspersky.com");
		assert_true(st.flags & QUIC_F_DCID_CHANGE);
		assert_true(st.flags & QUIC_F_TOKEN);
		assert_memory_equal(st.dcid, a, 8);
	}
	/* the client moved to the server's CID: the first DCID's keys stay */
	{
		struct t_pkt o2 = { .pn = 1, .type_bits = -1, .dcid = b, .dcid_len = 12,
				    .key_dcid = a, .key_dcid_len = 8 };

		p2.n = 0;
		t_crypto(&p2, 1000, g_big_hello + 1000, g_big_hello_len - 1000);
		t_dgram(&d2, &o2, &p2);
		quic_initial_init(&st, g_buf, sizeof(g_buf));
		assert_int_equal(t_feed(&st, g_cx, d1.b, d1.n), QUIC_NEED_MORE);
		assert_int_equal(t_feed(&st, g_cx, d2.b, d2.n), QUIC_DONE);
		assert_false(st.flags & QUIC_F_DCID_CHANGE);
		/* the second packet first, before any key exists: no key opens it */
		quic_initial_init(&st, g_buf, sizeof(g_buf));
		assert_int_equal(t_feed(&st, g_cx, d2.b, d2.n), QUIC_MALFORMED);
		assert_malformed(&st, QUIC_R_DECRYPT);
	}
	/* keys from neither DCID */
	{
		static const uint8_t c[8] = { 0xc0 };
		struct t_pkt o2 = { .pn = 1, .type_bits = -1, .dcid = b, .dcid_len = 12,
				    .key_dcid = c, .key_dcid_len = 8 };

		p2.n = 0;
		t_crypto(&p2, 1000, g_big_hello + 1000, g_big_hello_len - 1000);
		t_dgram(&d2, &o2, &p2);
		quic_initial_init(&st, g_buf, sizeof(g_buf));
		assert_int_equal(t_feed(&st, g_cx, d1.b, d1.n), QUIC_NEED_MORE);
		assert_int_equal(t_feed(&st, g_cx, d2.b, d2.n), QUIC_MALFORMED);
		assert_malformed(&st, QUIC_R_DECRYPT);
	}
}

static void test_versions(void **state)
{
	static const uint32_t versions[] = {
		QUIC_V1, QUIC_V2, 0xff00001du, 0xff00001eu, 0xff000020u, 0xff000021u,
		0xff000022u, 0xff000017u, 0xff00001bu, 0xff00001cu, 0xfaceb001u,
		0xfaceb002u, 0xfaceb00eu,
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		struct t_buf p = { .n = 0 }, d;
		struct t_pkt o = { .version = versions[i], .pn = 0, .type_bits = -1 };
		struct quic_initial st;

		assert_true(quic_version_supported(versions[i]));
		t_crypto(&p, 0, g_rfc_hello, g_rfc_hello_len);
		t_dgram(&d, &o, &p);
		quic_initial_init(&st, g_buf, sizeof(g_buf));
		assert_int_equal(t_feed(&st, g_cx, d.b, d.n), QUIC_DONE);
		assert_int_equal(st.version, versions[i]);
		assert_sni(&st, "example.com");
	}
	assert_false(quic_version_supported(0));
	assert_false(quic_version_supported(0xff00001fu - 9)); /* draft-22 number */
	assert_false(quic_version_supported(0x51303530u));      /* Q050 */
	assert_false(quic_version_supported(0x709a50c4u));      /* v2 draft number */
}

/* An unknown version is skipped; a retry in v1 on the same flow is read. */
static void test_unknown_version_then_v1(void **state)
{
	struct t_buf p = { .n = 0 }, d;
	struct t_pkt o = { .pn = 0, .type_bits = -1 };
	struct quic_initial st;
	uint8_t probe[1200];

	(void)state;
	memset(probe, 0, sizeof(probe));
	probe[0] = 0xc3;
	probe[1] = 0x1a;
	probe[2] = 0x2a;
	probe[3] = 0x3a;
	probe[4] = 0x4a; /* 0x?a?a?a?a */
	probe[5] = 8;
	quic_initial_init(&st, g_buf, sizeof(g_buf));
	assert_int_equal(t_feed(&st, g_cx, probe, sizeof(probe)), QUIC_NEED_MORE);
	assert_true(st.flags & QUIC_F_UNKNOWN_VERSION);
	assert_true(st.flags & QUIC_F_VN_PROBE);
	assert_int_equal(st.n_skipped, 1);
	t_crypto(&p, 0, g_rfc_hello, g_rfc_hello_len);
	t_dgram(&d, &o, &p);
	assert_int_equal(t_feed(&st, g_cx, d.b, d.n), QUIC_DONE);
	assert_sni(&st, "example.com");

	/* a version that is not a probe either */
	probe[1] = 0x00;
	probe[2] = 0x00;
	probe[3] = 0x00;
	probe[4] = 0x03;
	quic_initial_init(&st, g_buf, sizeof(g_buf));
	assert_int_equal(t_feed(&st, g_cx, probe, sizeof(probe)), QUIC_NEED_MORE);
	assert_true(st.flags & QUIC_F_UNKNOWN_VERSION);
	assert_false(st.flags & QUIC_F_VN_PROBE);
}

/* Reads tests/data/quic/NAME.hex, one datagram per line. */
static size_t read_flow(const char *name, uint8_t dg[][T_MAX_PKT], size_t *lens, size_t max)
{
	char path[512], line[2 * T_MAX_PKT + 8];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/quic/%s.hex", kb_data_dir(), name);
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot read %s", path);
	while (n < max && fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '\n' || line[0] == '#')
			continue;
		lens[n] = kb_unhex(line, dg[n], T_MAX_PKT);
		n++;
	}
	fclose(f);
	return n;
}

/*
 * Chromium 156 (tests/data/quic/capture_chromium.sh): a 1919-byte hello with
 * an X25519MLKEM768 key share over two Initials (packet numbers 1 and 2),
 * the first carrying stream bytes [0,77) and [1039,1919), the second
 * [77,1039); then PTO retransmissions; the last datagram closes. Every order
 * of the datagrams gives the name once both halves are in.
 */
static void test_chromium_flow(void **state)
{
	static uint8_t dg[8][T_MAX_PKT];
	size_t lens[8], n = read_flow("chromium156_v1_flow", dg, lens, 8), i, j, perm;
	struct quic_initial st;

	(void)state;
	assert_int_equal(n, 6);
	quic_initial_init(&st, g_buf, sizeof(g_buf));
	assert_int_equal(t_feed(&st, g_cx, dg[0], lens[0]), QUIC_NEED_MORE);
	assert_int_equal(st.n_ranges, 2);
	assert_int_equal(st.ranges[0].to, 77);
	assert_int_equal(st.ranges[1].from, 1039);
	assert_int_equal(st.hello_len, 1919);
	assert_int_equal(t_feed(&st, g_cx, dg[1], lens[1]), QUIC_DONE);
	assert_sni(&st, "quic.kaspersky.com");
	assert_true(st.flags & QUIC_F_MULTI_PACKET);
	assert_true(st.flags & QUIC_F_OUT_OF_ORDER);
	assert_true(st.tls.flags & TLS_F_ECH);
	assert_int_equal(st.tls.n_alpn, 1);
	assert_memory_equal(st.tls.alpn[0].p, "h3", 2);

	/* the retransmissions alone, and the close */
	quic_initial_init(&st, g_buf, sizeof(g_buf));
	for (i = 2; i < n; i++)
		t_feed(&st, g_cx, dg[i], lens[i]);
	assert_sni(&st, "quic.kaspersky.com");
	quic_initial_init(&st, g_buf, sizeof(g_buf));
	assert_int_equal(t_feed(&st, g_cx, dg[5], lens[5]), QUIC_NEED_MORE);
	assert_true(st.flags & QUIC_F_CONN_CLOSE);

	/* 200 random orders of all six */
	for (perm = 0; perm < 200; perm++) {
		size_t order[6] = { 0, 1, 2, 3, 4, 5 };

		for (i = 6; i > 1; i--) {
			size_t k = rng_below(i), t = order[i - 1];

			order[i - 1] = order[k];
			order[k] = t;
		}
		quic_initial_init(&st, g_buf, sizeof(g_buf));
		for (j = 0; j < 6 && st.status == QUIC_NEED_MORE; j++)
			t_feed(&st, g_cx, dg[order[j]], lens[order[j]]);
		assert_sni(&st, "quic.kaspersky.com");
	}
}

/* Reserved versions are read with v1 keys, then draft-29 keys, else skipped. */
static void test_probe_versions(void **state)
{
	static const uint32_t keyv[] = { QUIC_V1, 0xff00001du, 0xff00001bu };
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct t_buf p = { .n = 0 }, d;
		struct t_pkt o = { .version = 0xfafafafau, .key_version = keyv[i], .pn = 0,
				   .type_bits = 0 };
		struct quic_initial st;

		t_crypto(&p, 0, g_rfc_hello, g_rfc_hello_len);
		t_dgram(&d, &o, &p);
		quic_initial_init(&st, g_buf, sizeof(g_buf));
		t_feed(&st, g_cx, d.b, d.n);
		assert_true(st.flags & QUIC_F_VN_PROBE);
		if (i < 2) {
			assert_sni(&st, "example.com");
			assert_int_equal(st.version, 0xfafafafau);
			assert_false(st.flags & QUIC_F_UNKNOWN_VERSION);
		} else {
			/* draft-28 keys: neither guess opens it */
			assert_int_equal(st.status, QUIC_NEED_MORE);
			assert_true(st.flags & QUIC_F_UNKNOWN_VERSION);
			assert_int_equal(st.n_skipped, 1);
			assert_int_equal(st.n_packets, 0);
		}
	}
	assert_false(quic_version_supported(0xfafafafau));
}

static void test_not_quic(void **state)
{
	struct quic_initial st;
	uint8_t d[64];
	struct t_buf p = { .n = 0 }, dg;
	struct t_pkt retry_v1 = { .pn = 0, .type_bits = 3 };
	struct t_pkt retry_v2 = { .version = QUIC_V2, .pn = 0, .type_bits = 0 };

	(void)state;
	quic_initial_init(&st, g_buf, sizeof(g_buf));
	assert_int_equal(t_feed(&st, g_cx, d, 0), QUIC_NOT_QUIC);
	assert_not_quic(&st, QUIC_R_EMPTY);

	memset(d, 0, sizeof(d));
	d[0] = 0x41; /* short header */
	quic_initial_init(&st, g_buf, sizeof(g_buf));
	t_feed(&st, g_cx, d, sizeof(d));
	assert_not_quic(&st, QUIC_R_SHORT_HEADER);
	/* terminal: a good Initial afterwards changes nothing */
	t_crypto(&p, 0, g_rfc_hello, g_rfc_hello_len);
	{
		struct t_pkt o = { .pn = 0, .type_bits = -1 };

		t_dgram(&dg, &o, &p);
	}
	assert_int_equal(t_feed(&st, g_cx, dg.b, dg.n), QUIC_NOT_QUIC);
	assert_int_equal(st.n_datagrams, 1);

	d[0] = 0x80; /* long header, fixed bit clear */
	d[4] = 0x01;
	quic_initial_init(&st, g_buf, sizeof(g_buf));
	t_feed(&st, g_cx, d, sizeof(d));
	assert_not_quic(&st, QUIC_R_FIXED_BIT);

	d[0] = 0xc0; /* version 0: Version Negotiation */
	d[4] = 0x00;
	quic_initial_init(&st, g_buf, sizeof(g_buf));
	t_feed(&st, g_cx, d, sizeof(d));
	assert_not_quic(&st, QUIC_R_VERSION_NEG);

	d[4] = 0x01; /* DCID length past the end */
	d[5] = 200;
	quic_initial_init(&st, g_buf, sizeof(g_buf));
	t_feed(&st, g_cx, d, sizeof(d));
	assert_not_quic(&st, QUIC_R_HEADER);

	/* a Retry, in v1 and v2 numbering */
	p.n = 0;
	t_pad(&p, 40);
	t_dgram(&dg, &retry_v1, &p);
	quic_initial_init(&st, g_buf, sizeof(g_buf));
	t_feed(&st, g_cx, dg.b, dg.n);
	assert_not_quic(&st, QUIC_R_NOT_INITIAL);
	p.n = 0;
	t_pad(&p, 40);
	t_dgram(&dg, &retry_v2, &p);
	quic_initial_init(&st, g_buf, sizeof(g_buf));
	t_feed(&st, g_cx, dg.b, dg.n);
	assert_not_quic(&st, QUIC_R_NOT_INITIAL);

	/* 0-RTT or Handshake first: skipped, the Initial may follow (reordering) */
	{
		struct t_pkt hs = { .pn = 0, .type_bits = 2 };
		struct t_pkt o = { .pn = 0, .type_bits = -1 };
		struct t_buf d2;

		p.n = 0;
		t_pad(&p, 40);
		t_dgram(&dg, &hs, &p);
		quic_initial_init(&st, g_buf, sizeof(g_buf));
		assert_int_equal(t_feed(&st, g_cx, dg.b, dg.n), QUIC_NEED_MORE);
		assert_true(st.flags & QUIC_F_SKIPPED_PACKET);
		p.n = 0;
		t_crypto(&p, 0, g_rfc_hello, g_rfc_hello_len);
		t_dgram(&d2, &o, &p);
		assert_int_equal(t_feed(&st, g_cx, d2.b, d2.n), QUIC_DONE);
	}
}

/* One Initial with payload p (padded to 40 bytes at least); returns the status. */
static enum quic_status one_packet(struct quic_initial *st, const struct t_pkt *o,
				   struct t_buf *p, size_t cap)
{
	struct t_buf d = { .n = 0 };

	t_packet(&d, o, p);
	quic_initial_init(st, g_buf, cap);
	return t_feed(st, g_cx, d.b, d.n);
}

static void test_malformed(void **state)
{
	struct t_pkt o = { .pn = 0, .type_bits = -1 };
	struct quic_initial st;
	struct t_buf p;

	(void)state;
	/* frames not allowed in an Initial: STREAM, MAX_DATA, NEW_TOKEN,
	 * application CONNECTION_CLOSE, HANDSHAKE_DONE, a 2-byte type encoding */
	{
		static const uint8_t bad[] = { 0x08, 0x10, 0x07, 0x1d, 0x1e, 0x40 };

		for (size_t i = 0; i < sizeof(bad); i++) {
			p.n = 0;
			t_crypto(&p, 0, g_rfc_hello, 10);
			t_byte(&p, bad[i]);
			t_pad(&p, 30);
			one_packet(&st, &o, &p, sizeof(g_buf));
			assert_malformed(&st, QUIC_R_FRAME_TYPE);
		}
	}
	/* a CRYPTO frame cut short, an ACK with a range count past the end */
	p.n = 0;
	t_pad(&p, 30);
	t_byte(&p, 0x06);
	t_varint(&p, 0);
	t_varint(&p, 100);
	t_add(&p, g_rfc_hello, 10);
	one_packet(&st, &o, &p, sizeof(g_buf));
	assert_malformed(&st, QUIC_R_FRAME);
	p.n = 0;
	t_add(&p, "\x02\x05\x00\x3f\x00", 5);
	t_pad(&p, 30);
	one_packet(&st, &o, &p, sizeof(g_buf));
	assert_malformed(&st, QUIC_R_FRAME);
	/* CRYPTO offset + length beyond 2^62 - 1 */
	p.n = 0;
	t_byte(&p, 0x06);
	t_varint(&p, (1ull << 62) - 1);
	t_varint(&p, 1);
	t_byte(&p, 0);
	t_pad(&p, 30);
	one_packet(&st, &o, &p, sizeof(g_buf));
	assert_malformed(&st, QUIC_R_FRAME);
	/* CONNECTION_CLOSE cut short */
	p.n = 0;
	t_pad(&p, 30);
	t_add(&p, "\x1c\x00\x00\x20", 4);
	one_packet(&st, &o, &p, sizeof(g_buf));
	assert_malformed(&st, QUIC_R_FRAME);

	/* an empty payload (4-byte packet number leaves room for the sample) */
	p.n = 0;
	one_packet(&st, &o, &p, sizeof(g_buf));
	assert_malformed(&st, QUIC_R_NO_FRAMES);

	/* reserved bits set (a genuine packet otherwise) */
	{
		struct t_pkt r = { .pn = 0, .type_bits = -1, .reserved = 2 };

		p.n = 0;
		t_crypto(&p, 0, g_rfc_hello, g_rfc_hello_len);
		one_packet(&st, &r, &p, sizeof(g_buf));
		assert_malformed(&st, QUIC_R_RESERVED_BITS);
	}
	/* a bad tag */
	{
		struct t_pkt r = { .pn = 0, .type_bits = -1, .bad_tag = true };

		p.n = 0;
		t_crypto(&p, 0, g_rfc_hello, g_rfc_hello_len);
		one_packet(&st, &r, &p, sizeof(g_buf));
		assert_malformed(&st, QUIC_R_DECRYPT);
	}
	/* DCID over 20 bytes in a known version */
	{
		static const uint8_t long_cid[21] = { 1 };
		struct t_pkt r = { .pn = 0, .type_bits = -1, .dcid = long_cid, .dcid_len = 21,
				   .key_dcid = long_cid, .key_dcid_len = 20 };

		p.n = 0;
		t_crypto(&p, 0, g_rfc_hello, g_rfc_hello_len);
		one_packet(&st, &r, &p, sizeof(g_buf));
		assert_malformed(&st, QUIC_R_CID_LEN);
	}
	/* Length too small for the sample */
	{
		uint8_t d[64] = { 0xc0, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 19 };

		quic_initial_init(&st, g_buf, sizeof(g_buf));
		t_feed(&st, g_cx, d, sizeof(d));
		assert_malformed(&st, QUIC_R_PACKET_LEN);
		d[16] = 60; /* Length past the datagram */
		quic_initial_init(&st, g_buf, sizeof(g_buf));
		t_feed(&st, g_cx, d, sizeof(d));
		assert_malformed(&st, QUIC_R_PACKET_LEN);
		d[15] = 0x3f; /* token past the datagram */
		quic_initial_init(&st, g_buf, sizeof(g_buf));
		t_feed(&st, g_cx, d, sizeof(d));
		assert_malformed(&st, QUIC_R_PACKET_LEN);
	}
	/* the first handshake message is not a ClientHello */
	{
		uint8_t sh[8] = { 2, 0, 0, 4, 3, 3, 0, 0 };

		p.n = 0;
		t_crypto(&p, 0, sh, 1);
		t_pad(&p, 30);
		one_packet(&st, &o, &p, sizeof(g_buf));
		assert_malformed(&st, QUIC_R_HS_TYPE);
	}
	/* a hello TLS rejects */
	{
		uint8_t h[64] = { 1, 0, 0, 10 };

		p.n = 0;
		t_crypto(&p, 0, h, 14);
		t_pad(&p, 30);
		one_packet(&st, &o, &p, sizeof(g_buf));
		assert_malformed(&st, QUIC_R_TLS);
		assert_int_equal(st.tls.reason, TLS_R_HS_LEN);
	}
}

static void test_crypto_stream_limits(void **state)
{
	struct t_pkt o = { .pn = 0, .type_bits = -1 };
	struct quic_initial st;
	struct t_buf p;
	uint8_t other[241];
	size_t i;

	(void)state;
	/* overlap with other bytes */
	memcpy(other, g_rfc_hello, sizeof(other));
	other[120] ^= 1;
	p.n = 0;
	t_crypto(&p, 0, g_rfc_hello, 130);
	t_crypto(&p, 100, other + 100, 50);
	t_pad(&p, 20);
	one_packet(&st, &o, &p, sizeof(g_buf));
	assert_malformed(&st, QUIC_R_CRYPTO_CONFLICT);
	/* the same bytes again: a retransmission */
	p.n = 0;
	t_crypto(&p, 100, g_rfc_hello + 100, 50);
	t_crypto(&p, 0, g_rfc_hello, 130);
	t_crypto(&p, 0, g_rfc_hello, g_rfc_hello_len);
	one_packet(&st, &o, &p, sizeof(g_buf));
	assert_sni(&st, "example.com");
	assert_true(st.flags & QUIC_F_CRYPTO_DUP);

	/* data past the buffer; a hello longer than the buffer */
	p.n = 0;
	t_crypto(&p, 200, g_rfc_hello + 200, 41);
	t_pad(&p, 20);
	one_packet(&st, &o, &p, 240);
	assert_malformed(&st, QUIC_R_CRYPTO_TOO_BIG);
	p.n = 0;
	t_crypto(&p, 0, g_rfc_hello, 100);
	t_pad(&p, 20);
	one_packet(&st, &o, &p, 240);
	assert_malformed(&st, QUIC_R_CRYPTO_TOO_BIG);
	assert_int_equal(st.hello_len, 241);
	/* exactly the hello's size fits */
	p.n = 0;
	t_crypto(&p, 0, g_rfc_hello, g_rfc_hello_len);
	one_packet(&st, &o, &p, 241);
	assert_sni(&st, "example.com");
	/* no buffer at all */
	quic_initial_init(&st, NULL, 100);
	{
		struct t_buf d = { .n = 0 };

		t_packet(&d, &o, &p);
		t_feed(&st, g_cx, d.b, d.n);
		assert_malformed(&st, QUIC_R_CRYPTO_TOO_BIG);
	}

	/* holes: QUIC_MAX_RANGES disjoint ranges fit, one more does not */
	p.n = 0;
	for (i = 0; i < QUIC_MAX_RANGES; i++)
		t_crypto(&p, 2 + 2 * i, g_rfc_hello + 2 + 2 * i, 1);
	t_pad(&p, 20);
	one_packet(&st, &o, &p, sizeof(g_buf));
	assert_int_equal(st.status, QUIC_NEED_MORE);
	assert_int_equal(st.n_ranges, QUIC_MAX_RANGES);
	t_crypto(&p, 2 + 2 * QUIC_MAX_RANGES, g_rfc_hello + 2 + 2 * QUIC_MAX_RANGES, 1);
	one_packet(&st, &o, &p, sizeof(g_buf));
	assert_malformed(&st, QUIC_R_TOO_MANY_RANGES);
	/* filling the holes merges them back into one range */
	p.n = 0;
	for (i = 0; i < QUIC_MAX_RANGES; i++)
		t_crypto(&p, 2 + 2 * i, g_rfc_hello + 2 + 2 * i, 1);
	for (i = 0; i <= QUIC_MAX_RANGES; i++)
		t_crypto(&p, 1 + 2 * i, g_rfc_hello + 1 + 2 * i, 1);
	t_crypto(&p, 0, g_rfc_hello, g_rfc_hello_len);
	one_packet(&st, &o, &p, sizeof(g_buf));
	assert_sni(&st, "example.com");
	assert_int_equal(st.n_ranges, 1);

	/* too many packets: each carries one byte of a hello that never ends */
	{
		uint8_t hello_hdr[4] = { 1, 0, 0x30, 0x00 };

		quic_initial_init(&st, g_buf, sizeof(g_buf));
		for (i = 0; i <= QUIC_MAX_PACKETS; i++) {
			struct t_pkt oi = { .pn = i, .type_bits = -1 };
			struct t_buf d = { .n = 0 };
			uint8_t byte = i < 4 ? hello_hdr[i] : 0x5a;

			p.n = 0;
			t_crypto(&p, i, &byte, 1);
			t_pad(&p, 20);
			t_packet(&d, &oi, &p);
			t_feed(&st, g_cx, d.b, d.n);
			if (i < QUIC_MAX_PACKETS)
				assert_int_equal(st.status, QUIC_NEED_MORE);
		}
		assert_malformed(&st, QUIC_R_TOO_MANY_PACKETS);
	}
}

static void test_ack_close_frames(void **state)
{
	struct t_pkt o = { .pn = 5, .pn_len = 1, .type_bits = -1 };
	struct quic_initial st;
	struct t_buf p = { .n = 0 };

	(void)state;
	/* ACK with two ranges, ACK_ECN, CONNECTION_CLOSE with a reason */
	t_add(&p, "\x02\x0a\x00\x01\x02\x01\x03", 7);
	t_add(&p, "\x03\x0a\x00\x00\x02\x01\x02\x03", 8);
	t_add(&p, "\x1c\x40\x0a\x06\x03" "bye", 8);
	t_crypto(&p, 0, g_rfc_hello, g_rfc_hello_len);
	one_packet(&st, &o, &p, sizeof(g_buf));
	assert_sni(&st, "example.com");
	assert_true(st.flags & QUIC_F_ACK);
	assert_true(st.flags & QUIC_F_CONN_CLOSE);
}

/* Packet numbers: 1..4-byte encodings, decoded against the largest seen. */
static void test_packet_numbers(void **state)
{
	static const uint64_t pns[] = { 0, 1, 255, 256, 0x10000, 0xabcdef, 0x12345678 };
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(pns) / sizeof(pns[0]); i++)
		for (len = 1; len <= 4; len++) {
			struct t_pkt o = { .pn = pns[i], .pn_len = len, .type_bits = -1 };
			struct quic_initial st;
			struct t_buf p = { .n = 0 };

			/* an encoding too short for the gap from 0 cannot be decoded */
			if (pns[i] >= (1ull << (8 * len - 1)))
				continue;
			t_crypto(&p, 0, g_rfc_hello, g_rfc_hello_len);
			one_packet(&st, &o, &p, sizeof(g_buf));
			assert_sni(&st, "example.com");
		}
	/* a second packet with a 1-byte number after a large first one */
	{
		struct t_pkt o1 = { .pn = 0x1234, .pn_len = 2, .type_bits = -1 };
		struct t_pkt o2 = { .pn = 0x1236, .pn_len = 1, .type_bits = -1 };
		struct t_buf p1 = { .n = 0 }, p2 = { .n = 0 }, d1 = { .n = 0 }, d2 = { .n = 0 };
		struct quic_initial st;

		t_crypto(&p1, 0, g_rfc_hello, 100);
		t_crypto(&p2, 100, g_rfc_hello + 100, g_rfc_hello_len - 100);
		t_packet(&d1, &o1, &p1);
		t_packet(&d2, &o2, &p2);
		quic_initial_init(&st, g_buf, sizeof(g_buf));
		assert_int_equal(t_feed(&st, g_cx, d1.b, d1.n), QUIC_NEED_MORE);
		assert_int_equal(t_feed(&st, g_cx, d2.b, d2.n), QUIC_DONE);
	}
}

static void test_strings(void **state)
{
	int r;

	(void)state;
	for (r = 0; r < QUIC_R_COUNT; r++)
		assert_string_not_equal(quic_reason_str((enum quic_reason)r), "unknown");
	assert_string_equal(quic_reason_str(QUIC_R_COUNT), "unknown");
	assert_string_equal(quic_reason_str(QUIC_R_DECRYPT), "decrypt");
	assert_string_equal(quic_status_str(QUIC_DONE), "done");
	assert_string_equal(quic_status_str(QUIC_NOT_QUIC), "not_quic");
	assert_string_equal(quic_status_str((enum quic_status)9), "unknown");
}

/* ------------------------------------------------------------------------ */
/* Allocation */

/*
 * libcrypto's allocator hooks, installed first thing in main: libcrypto
 * refuses them once it has allocated anything. Every OPENSSL_malloc and
 * OPENSSL_realloc goes through them, the providers' included, so they see
 * whatever the parser's libcrypto calls allocate. (quic_initial.c calls no
 * allocator of its own: its one allocation, in quic_crypto_new(), is
 * OPENSSL_zalloc.)
 */
static unsigned long g_crypto_allocs;
static bool g_crypto_hooked;

static void *t_crypto_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	g_crypto_allocs++;
	return malloc(n);
}

static void *t_crypto_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	g_crypto_allocs++;
	return realloc(p, n);
}

static void t_crypto_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

/* t_feed, failing if libcrypto allocated while the parser ran. */
static enum quic_status t_feed_no_alloc(struct quic_initial *st, struct quic_crypto *cx,
					const uint8_t *d, size_t n, const char *what)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	unsigned long before;
	enum quic_status s;

	assert_non_null(copy);
	memcpy(copy, d, n);
	before = g_crypto_allocs;
	s = quic_initial_feed_datagram(st, cx, copy, n);
	if (g_crypto_allocs != before)
		fail_msg("%s: %lu libcrypto allocations in one datagram", what,
			 g_crypto_allocs - before);
	free(copy);
	assert_int_equal(s, st->status);
	return s;
}

/*
 * A worker's steady state: after one warm-up flow, new flows (keys derived
 * from a new DCID, every salt, a Retry's second derivation, a probe's two
 * salts, a failed tag) and packets with kept keys allocate nothing. Packets
 * are protected by the test between the counted calls (that side goes
 * through EVP_KDF, which allocates: the counter's own check).
 */
static void test_no_allocation(void **state)
{
	static const uint32_t versions[] = { QUIC_V1, QUIC_V2, 0xff00001du, 0xff000017u,
					     0xfaceb001u };
	static const uint8_t a[8] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7 };
	static const uint8_t b[12] = { 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5,
				       0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb };
	static uint8_t chr[8][T_MAX_PKT], rfc1[T_MAX_PKT], rfc2[T_MAX_PKT];
	size_t chr_lens[8], n_chr, rfc1_len, rfc2_len, i, round;
	struct quic_crypto *cx;
	struct quic_initial st;
	struct t_secrets sec;
	struct quic_keys k;
	unsigned long before, warm;
	EVP_CIPHER_CTX *c;

	(void)state;
	if (!g_crypto_hooked)
		fail_msg("CRYPTO_set_mem_functions refused the hooks (libcrypto allocated before main)");
	/* the counter sees libcrypto's allocations, the providers' HKDF among them */
	before = g_crypto_allocs;
	c = EVP_CIPHER_CTX_new();
	assert_non_null(c);
	EVP_CIPHER_CTX_free(c);
	assert_true(g_crypto_allocs > before);
	before = g_crypto_allocs;
	t_keys(QUIC_V1, t_dcid_rfc, 8, &sec);
	assert_true(g_crypto_allocs > before);

	rfc1_len = read_hex("rfc9001_a2_client_initial", rfc1, sizeof(rfc1));
	rfc2_len = read_hex("rfc9369_a2_client_initial", rfc2, sizeof(rfc2));
	n_chr = read_flow("chromium156_v1_flow", chr, chr_lens, 8);
	assert_int_equal(n_chr, 6);

	/* a fresh worker context (its creation allocates) and a warm-up flow */
	cx = quic_crypto_new();
	assert_non_null(cx);
	before = g_crypto_allocs;
	quic_initial_init(&st, g_buf, sizeof(g_buf));
	assert_int_equal(quic_initial_feed_datagram(&st, cx, rfc1, rfc1_len), QUIC_DONE);
	warm = g_crypto_allocs - before;
	print_message("libcrypto allocations: warm-up flow %lu\n", warm);

	for (round = 0; round < 3; round++) {
		/* key derivation alone, every salt */
		for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
			before = g_crypto_allocs;
			assert_true(quic_client_initial_keys(cx, versions[i], t_dcid_rfc, 8, &k));
			if (g_crypto_allocs != before)
				fail_msg("keys of version %08x: %lu libcrypto allocations",
					 versions[i], g_crypto_allocs - before);
		}
		/* the RFC packets, each a new flow */
		quic_initial_init(&st, g_buf, sizeof(g_buf));
		assert_int_equal(t_feed_no_alloc(&st, cx, rfc1, rfc1_len, "RFC 9001"), QUIC_DONE);
		quic_initial_init(&st, g_buf, sizeof(g_buf));
		assert_int_equal(t_feed_no_alloc(&st, cx, rfc2, rfc2_len, "RFC 9369"), QUIC_DONE);
		assert_sni(&st, "example.com");

		/* new flows: a new DCID of 0 to 20 bytes each, every salt */
		for (i = 0; i < 21; i++) {
			uint8_t dcid[QUIC_MAX_CID_LEN];
			struct t_buf p = { .n = 0 }, d;
			struct t_pkt o = { .version = versions[i % 5], .dcid = dcid,
					   .dcid_len = i, .pn = i, .type_bits = -1 };
			size_t j;

			for (j = 0; j < i; j++)
				dcid[j] = (uint8_t)kb_rng_next();
			t_crypto(&p, 0, g_rfc_hello, g_rfc_hello_len);
			t_dgram(&d, &o, &p);
			quic_initial_init(&st, g_buf, sizeof(g_buf));
			assert_int_equal(t_feed_no_alloc(&st, cx, d.b, d.n, "new DCID"), QUIC_DONE);
			assert_sni(&st, "example.com");
		}

		/* Chromium's first flight: the second Initial and the PTO
		 * retransmissions are packets with kept keys */
		quic_initial_init(&st, g_buf, sizeof(g_buf));
		for (i = 0; i < n_chr && st.status == QUIC_NEED_MORE; i++)
			t_feed_no_alloc(&st, cx, chr[i], chr_lens[i], "Chromium");
		assert_int_equal(i, 2);
		assert_sni(&st, "quic.kaspersky.com");

		/* after a Retry: keys derived again from the new DCID */
		{
			static const uint8_t tok[5] = { 't', 'o', 'k', 'e', 'n' };
			struct t_buf p1 = { .n = 0 }, p2 = { .n = 0 }, d1, d2;
			struct t_pkt o1 = { .pn = 0, .type_bits = -1, .dcid = a, .dcid_len = 8 };
			struct t_pkt o2 = { .pn = 1, .type_bits = -1, .dcid = b, .dcid_len = 12,
					    .token = tok, .token_len = 5 };

			t_crypto(&p1, 0, g_big_hello, 1000);
			t_crypto(&p2, 1000, g_big_hello + 1000, g_big_hello_len - 1000);
			t_dgram(&d1, &o1, &p1);
			t_dgram(&d2, &o2, &p2);
			quic_initial_init(&st, g_buf, sizeof(g_buf));
			assert_int_equal(t_feed_no_alloc(&st, cx, d1.b, d1.n, "Retry 1"),
					 QUIC_NEED_MORE);
			assert_int_equal(t_feed_no_alloc(&st, cx, d2.b, d2.n, "Retry 2"), QUIC_DONE);
			assert_true(st.flags & QUIC_F_DCID_CHANGE);
		}

		/* a probe version opened by the second salt tried (draft-29) */
		{
			struct t_buf p = { .n = 0 }, d;
			struct t_pkt o = { .version = 0xfafafafau, .key_version = 0xff00001du,
					   .pn = 0, .type_bits = 0 };

			t_crypto(&p, 0, g_rfc_hello, g_rfc_hello_len);
			t_dgram(&d, &o, &p);
			quic_initial_init(&st, g_buf, sizeof(g_buf));
			assert_int_equal(t_feed_no_alloc(&st, cx, d.b, d.n, "probe"), QUIC_DONE);
		}

		/* a tag that fails: libcrypto's failure path allocates nothing either */
		{
			struct t_buf p = { .n = 0 }, d;
			struct t_pkt o = { .pn = 0, .type_bits = -1, .bad_tag = true };

			t_crypto(&p, 0, g_rfc_hello, g_rfc_hello_len);
			t_dgram(&d, &o, &p);
			quic_initial_init(&st, g_buf, sizeof(g_buf));
			assert_int_equal(t_feed_no_alloc(&st, cx, d.b, d.n, "bad tag"),
					 QUIC_MALFORMED);
			assert_malformed(&st, QUIC_R_DECRYPT);
		}
	}
	quic_crypto_free(cx);
}

/* ------------------------------------------------------------------------ */
/* The real-traffic corpus */

/*
 * Every UDP flow of every capture is fed, client datagrams only (the client is
 * the sender of the flow's first datagram), until the status is terminal.
 * Each quic_sni row of names.tsv (tshark 4.0's view) must then agree, or be
 * one of the differences listed in known[] with the status the parser is
 * expected to give; docs/parsers.md explains each. Names found in flows that
 * names.tsv has no row for are printed.
 */

#if __has_include(<pcap/pcap.h>)
#include <pcap/pcap.h>

#define C_MAX_ROWS 512
#define C_MAX_FLOWS 4096
#define C_LINKTYPE_SLL 113

struct c_row {
	char pcap[128];
	char cip[64];
	unsigned cport;
	char sip[64];
	unsigned sport;
	char name[256];
	bool seen;
};

struct c_flow {
	char cip[64];
	char sip[64];
	unsigned cport;
	unsigned sport;
	struct quic_initial *st;
	uint8_t *buf;
	enum quic_status status;
	enum quic_reason reason;
	uint32_t flags;
	uint32_t version;
	uint32_t n_dgrams;
	char name[256];
	char alpn[64];
};

/* A row tshark and the parser disagree on, and what the parser gives instead. */
struct c_known {
	const char *pcap;
	unsigned cport;
	enum quic_status status;
	enum quic_reason reason; /* for NOT_QUIC / MALFORMED */
	const char *why;
};

static const struct c_known c_known[] = {
	/*
	 * Google QUIC T050/T051 (Chrome's 2020 experiments, TLS 1.3 over
	 * gQUIC framing, removed since): the packets are protected like
	 * IETF QUIC with their own salts, but the frames are gQUIC's. Not
	 * decrypted: UNKNOWN_VERSION while the Initials come, then the
	 * short-header packets of the established connection end it.
	 */
	{ "quic_t50.pcap", 49836, QUIC_NOT_QUIC, QUIC_R_SHORT_HEADER, "gQUIC T050" },
	{ "quic_t51.pcap", 55356, QUIC_NOT_QUIC, QUIC_R_SHORT_HEADER, "gQUIC T051" },
	{ NULL, 0, QUIC_NEED_MORE, QUIC_R_NONE, NULL },
};

static struct c_row c_rows[C_MAX_ROWS];
static size_t c_n_rows;
static struct c_flow c_flows[C_MAX_FLOWS];
static size_t c_n_flows;

static void c_finish(struct c_flow *f)
{
	f->status = f->st->status;
	f->reason = f->st->reason;
	f->flags = f->st->flags;
	f->version = f->st->version;
	f->n_dgrams = f->st->n_datagrams;
	if (f->status == QUIC_DONE && f->st->tls.n_names > 0) {
		size_t n = f->st->tls.names[0].len;

		memcpy(f->name, f->st->tls.names[0].p, n);
		f->name[n] = '\0';
	}
	if (f->status == QUIC_DONE && f->st->tls.n_alpn > 0) {
		size_t n = f->st->tls.alpn[0].len < 63 ? f->st->tls.alpn[0].len : 63;

		memcpy(f->alpn, f->st->tls.alpn[0].p, n);
		f->alpn[n] = '\0';
	}
	free(f->buf);
	free(f->st);
	f->buf = NULL;
	f->st = NULL;
}

static void c_datagram(const char *src, unsigned sport, const char *dst, unsigned dport,
		       const uint8_t *payload, size_t len)
{
	struct c_flow *f = NULL;
	size_t i;

	for (i = 0; i < c_n_flows; i++) {
		struct c_flow *g = &c_flows[i];

		if (g->cport == sport && g->sport == dport && strcmp(g->cip, src) == 0 &&
		    strcmp(g->sip, dst) == 0) {
			f = g;
			break;
		}
		if (g->cport == dport && g->sport == sport && strcmp(g->cip, dst) == 0 &&
		    strcmp(g->sip, src) == 0)
			return; /* server to client */
	}
	if (f == NULL) {
		if (c_n_flows == C_MAX_FLOWS)
			return;
		f = &c_flows[c_n_flows++];
		memset(f, 0, sizeof(*f));
		snprintf(f->cip, sizeof(f->cip), "%s", src);
		snprintf(f->sip, sizeof(f->sip), "%s", dst);
		f->cport = sport;
		f->sport = dport;
		f->st = malloc(sizeof(*f->st));
		f->buf = malloc(QUIC_INITIAL_DEFAULT_CAP);
		assert_non_null(f->st);
		assert_non_null(f->buf);
		quic_initial_init(f->st, f->buf, QUIC_INITIAL_DEFAULT_CAP);
	}
	if (f->st == NULL)
		return;
	if (t_feed(f->st, g_cx, payload, len) != QUIC_NEED_MORE)
		c_finish(f);
}

static void c_read_pcap(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *pkt;
	pcap_t *p = pcap_open_offline(path, err);
	int link, r;

	if (p == NULL)
		return;
	link = pcap_datalink(p);
	while ((r = pcap_next_ex(p, &h, &pkt)) == 1) {
		struct l3l4_desc d;
		enum l3l4_status s;
		char src[64], dst[64];
		int af;

		if (link == DLT_EN10MB) {
			s = l3l4_parse(pkt, h->caplen, &d);
		} else if (link == C_LINKTYPE_SLL && h->caplen > 16) {
			unsigned proto = (unsigned)pkt[14] << 8 | pkt[15];

			if (proto != 0x0800 && proto != 0x86dd)
				continue;
			s = l3l4_parse_ip(pkt + 16, h->caplen - 16, proto == 0x0800 ? 4 : 6, &d);
			d.payload_off += 16;
		} else if (link == DLT_RAW && h->caplen > 0) {
			s = l3l4_parse_ip(pkt, h->caplen, pkt[0] >> 4, &d);
		} else {
			continue;
		}
		if (s != L3L4_OK || d.l4_proto != L3L4_IPPROTO_UDP)
			continue;
		af = d.ip_version == 4 ? AF_INET : AF_INET6;
		inet_ntop(af, d.src, src, sizeof(src));
		inet_ntop(af, d.dst, dst, sizeof(dst));
		c_datagram(src, d.sport, dst, d.dport, pkt + d.payload_off, d.payload_len);
	}
	pcap_close(p);
}

static void c_load_rows(const char *dir)
{
	char path[1024], line[2048];
	FILE *f;

	snprintf(path, sizeof(path), "%s/names.tsv", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	c_n_rows = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *col[8], *save = NULL, *t;
		int n = 0;

		line[strcspn(line, "\r\n")] = '\0';
		for (t = strtok_r(line, "\t", &save); t != NULL && n < 8;
		     t = strtok_r(NULL, "\t", &save))
			col[n++] = t;
		if (n != 8 || strcmp(col[6], "quic_sni") != 0)
			continue;
		assert_true(c_n_rows < C_MAX_ROWS);
		struct c_row *row = &c_rows[c_n_rows++];

		snprintf(row->pcap, sizeof(row->pcap), "%s", col[0]);
		snprintf(row->cip, sizeof(row->cip), "%s", col[2]);
		row->cport = (unsigned)atoi(col[3]);
		snprintf(row->sip, sizeof(row->sip), "%s", col[4]);
		row->sport = (unsigned)atoi(col[5]);
		snprintf(row->name, sizeof(row->name), "%s", col[7]);
		row->seen = false;
	}
	fclose(f);
}

static const struct c_known *c_find_known(const char *pcap, unsigned cport)
{
	size_t i;

	for (i = 0; c_known[i].pcap != NULL; i++)
		if (strcmp(c_known[i].pcap, pcap) == 0 && c_known[i].cport == cport)
			return &c_known[i];
	return NULL;
}

static void test_corpus(void **state)
{
	const char *dir = getenv("KB_CORPUS");
	char pcapdir[1024], path[2048];
	size_t i, agree = 0, known = 0, extra = 0, n_pcaps = 0, n_quic_done = 0;
	unsigned bad = 0;
	struct dirent **names = NULL;
	int n_names, k;

	(void)state;
	if (dir == NULL)
		dir = "../shared/corpus/ndpi";
	snprintf(pcapdir, sizeof(pcapdir), "%s/pcap", dir);
	n_names = scandir(pcapdir, &names, NULL, alphasort);
	if (n_names < 0) {
		print_message("corpus %s absent: skipped\n", pcapdir);
		skip();
		return;
	}
	c_load_rows(dir);
	for (k = 0; k < n_names; k++) {
		const char *fn = names[k]->d_name;

		if (fn[0] == '.') {
			free(names[k]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", pcapdir, fn);
		c_n_flows = 0;
		c_read_pcap(path);
		n_pcaps++;
		for (i = 0; i < c_n_flows; i++) {
			struct c_flow *f = &c_flows[i];
			size_t r;
			bool has_row = false;

			if (f->st != NULL)
				c_finish(f);
			if (f->status == QUIC_DONE)
				n_quic_done++;
			for (r = 0; r < c_n_rows; r++) {
				struct c_row *row = &c_rows[r];
				const struct c_known *kn;

				if (strcmp(row->pcap, fn) != 0 || row->cport != f->cport ||
				    row->sport != f->sport || strcmp(row->cip, f->cip) != 0 ||
				    strcmp(row->sip, f->sip) != 0)
					continue;
				has_row = true;
				row->seen = true;
				kn = c_find_known(fn, f->cport);
				if (f->status == QUIC_DONE && strcmp(f->name, row->name) == 0 &&
				    kn == NULL) {
					agree++;
					continue;
				}
				if (kn != NULL && kn->status == f->status &&
				    (f->status == QUIC_NEED_MORE || f->status == QUIC_DONE ||
				     kn->reason == f->reason)) {
					known++;
					print_message("known  %s %s:%u %s: %s/%s (%s)\n", fn, f->cip,
						      f->cport, row->name, quic_status_str(f->status),
						      quic_reason_str(f->reason), kn->why);
					continue;
				}
				bad++;
				print_message("DIFF   %s %s:%u want %s got %s/%s name '%s' "
					      "version %08x flags %#x datagrams %u\n",
					      fn, f->cip, f->cport, row->name,
					      quic_status_str(f->status), quic_reason_str(f->reason),
					      f->name, f->version, f->flags, f->n_dgrams);
			}
			if (!has_row && f->status == QUIC_DONE) {
				extra++;
				print_message("extra  %s %s:%u -> %s:%u sni '%s' alpn '%s' "
					      "(version %08x)\n", fn, f->cip, f->cport, f->sip,
					      f->sport, f->name, f->alpn, f->version);
			}
		}
		free(names[k]);
	}
	free(names);
	for (i = 0; i < c_n_rows; i++)
		if (!c_rows[i].seen) {
			bad++;
			print_message("UNSEEN %s %s:%u %s\n", c_rows[i].pcap, c_rows[i].cip,
				      c_rows[i].cport, c_rows[i].name);
		}
	print_message("corpus: %zu captures, %zu quic_sni rows: %zu agree, %zu known "
		      "differences, %u unexpected; %zu flows with a hello, %zu of them "
		      "without a row\n",
		      n_pcaps, c_n_rows, agree, known, bad, n_quic_done, extra);
	assert_int_equal(bad, 0);
	assert_int_equal(agree + known, c_n_rows);
}

#else

static void test_corpus(void **state)
{
	(void)state;
	print_message("built without libpcap headers: corpus check skipped\n");
	skip();
}

#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc9001_keys),
		cmocka_unit_test(test_rfc9001_packet),
		cmocka_unit_test(test_rfc9369_packet),
		cmocka_unit_test(test_rfc_every_byte_flipped),
		cmocka_unit_test(test_two_datagrams_reversed),
		cmocka_unit_test(test_shuffled_frames_one_packet),
		cmocka_unit_test(test_random_splits),
		cmocka_unit_test(test_chromium_flow),
		cmocka_unit_test(test_coalesced_and_skipped),
		cmocka_unit_test(test_dcid_change),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_unknown_version_then_v1),
		cmocka_unit_test(test_probe_versions),
		cmocka_unit_test(test_not_quic),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_crypto_stream_limits),
		cmocka_unit_test(test_ack_close_frames),
		cmocka_unit_test(test_packet_numbers),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_no_allocation),
		cmocka_unit_test(test_corpus),
	};

	/* before anything else can make libcrypto allocate */
	g_crypto_hooked = CRYPTO_set_mem_functions(t_crypto_malloc, t_crypto_realloc,
						   t_crypto_free) == 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
