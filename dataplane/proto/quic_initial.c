/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QUIC client Initial parser: header protection, AES-128-GCM, frames, CRYPTO
 * reassembly, then the ClientHello through tls_hello. quic_initial.h has the
 * wire grammar and the decisions; docs/parsers.md ("QUIC Initial") the rest.
 *
 * Key schedule (RFC 9001 §5.2, RFC 8446 §7.1, RFC 5869):
 *   initial_secret = HKDF-Extract(salt, dcid)          = HMAC(salt, dcid)
 *   client_secret  = HKDF-Expand-Label(initial_secret, "client in", "", 32)
 *   key/iv/hp      = HKDF-Expand-Label(client_secret, "quic key"/"quic iv"/"quic hp", "", 16/12/16)
 *   HKDF-Expand-Label(S, L, "", n) = first n bytes of HMAC(S, HkdfLabel || 0x01)
 *   HkdfLabel      = uint16 n, uint8 len, "tls13 " L, uint8 0
 * (one HMAC block is enough: every output is at most 32 bytes.)
 *
 * HMAC-SHA256 is built here (RFC 2104) on libcrypto's low-level SHA256_*
 * functions and SHA256_CTX values kept in struct quic_crypto or on the stack,
 * because every EVP route allocates per key: OpenSSL 3.0's EVP_DigestInit_ex
 * frees and re-creates the provider's digest context even when the context
 * already holds the same fetched EVP_MD (one malloc per init, and one per
 * EVP_MD_CTX_copy_ex), and EVP_MAC re-keys HMAC through such inits, which
 * made 25 allocations per key derivation, that is per new flow, on a worker
 * lcore. A SHA256_CTX is a plain struct: it never allocates and is copied by
 * assignment, so an HMAC key's inner and outer states are computed once and
 * reused: each salt's in quic_crypto_new(), the client secret's for its three
 * expansions. SHA256_* is deprecated in OpenSSL 3.0 because it bypasses the
 * providers (a FIPS-only configuration does not govern it; Initial keys come
 * from public bytes and protect nothing secret), hence the API level set
 * below, before any OpenSSL header. AES stays on EVP: re-keying a cipher
 * context that holds its fetched cipher allocates nothing.
 */

/* SHA256_Init/Update/Final are declared without the 3.0 deprecation. */
#define OPENSSL_API_COMPAT 10101

#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "cursor.h"
#include "quic_initial.h"
#include "tls_hello.h"

#define QUIC_SHA256_LEN 32
#define QUIC_SALT_LEN 20
#define QUIC_HS_HDR_LEN 4
#define QUIC_HS_CLIENT_HELLO 1
#define QUIC_MIN_DCID 8
/* RFC 9000 §16: varints and stream offsets stay below 2^62. */
#define QUIC_VARINT_MAX ((1ull << 62) - 1)

#define QUIC_FT_PADDING 0x00
#define QUIC_FT_PING 0x01
#define QUIC_FT_ACK 0x02
#define QUIC_FT_ACK_ECN 0x03
#define QUIC_FT_CRYPTO 0x06
#define QUIC_FT_CONN_CLOSE 0x1c

/* The initial salts, indices into quic_salts[] and struct quic_crypto.salt. */
enum quic_salt_id {
	QUIC_SALT_V1 = 0,
	QUIC_SALT_V2,
	QUIC_SALT_D29,
	QUIC_SALT_D23,
	QUIC_SALT_D22,
	QUIC_SALT_COUNT,
	QUIC_SALT_NONE = QUIC_SALT_COUNT, /* a version not decrypted */
};

/*
 * An HMAC-SHA256 key made ready (RFC 2104): the SHA-256 states after the
 * (key ^ ipad) and (key ^ opad) blocks. HMAC(key, m) = H(outer || H(inner || m)),
 * so each HMAC then costs the compressions of m and of the inner hash only.
 */
struct quic_hmac_key {
	SHA256_CTX inner;
	SHA256_CTX outer;
};

struct quic_crypto {
	EVP_CIPHER *gcm_alg;  /* fetched once: re-keying never looks a cipher up */
	EVP_CIPHER *ecb_alg;
	EVP_CIPHER_CTX *aead; /* AES-128-GCM, re-keyed per packet */
	EVP_CIPHER_CTX *ecb;  /* AES-128-ECB for the header-protection mask */
	struct quic_hmac_key salt[QUIC_SALT_COUNT]; /* HKDF-Extract keys, set at creation */
	uint8_t plain[QUIC_MAX_DGRAM];
};

/* Long-header packet types, in v1 numbering (v2 maps onto it). */
enum quic_ptype {
	QUIC_PT_INITIAL = 0,
	QUIC_PT_0RTT = 1,
	QUIC_PT_HANDSHAKE = 2,
	QUIC_PT_RETRY = 3,
};

/* One long-header packet located in a datagram (not yet unprotected). */
struct quic_pkt {
	const uint8_t *p;   /* first byte */
	size_t pn_off;      /* offset of the packet number from p */
	size_t len;         /* whole packet, from p to the end of the tag */
	uint32_t version;
	const uint8_t *dcid;
	uint8_t dcid_len;
};

static const uint8_t quic_salts[QUIC_SALT_COUNT][QUIC_SALT_LEN] = {
	[QUIC_SALT_V1] = { /* RFC 9001 §5.2 */
		0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
		0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
	},
	[QUIC_SALT_V2] = { /* RFC 9369 §3.3.1 */
		0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
		0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9,
	},
	[QUIC_SALT_D29] = { /* draft-ietf-quic-tls-29 §5.2 (unchanged through -32) */
		0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
		0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99,
	},
	[QUIC_SALT_D23] = { /* draft-ietf-quic-tls-23 §5.2 (unchanged through -28) */
		0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
		0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02,
	},
	[QUIC_SALT_D22] = { /* draft-ietf-quic-tls-22 §5.2 */
		0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb, 0xe9, 0x19, 0x3a,
		0x96, 0xcd, 0x21, 0x51, 0x9e, 0xbd, 0x7a, 0x02, 0x64, 0x4a,
	},
};

/* RFC 9000 §15: versions 0x?a?a?a?a are reserved to exercise version negotiation. */
static bool quic_is_probe(uint32_t v)
{
	return (v & 0x0f0f0f0fu) == 0x0a0a0a0au;
}

/*
 * The salt of a version, QUIC_SALT_NONE if its Initials are not decrypted.
 * Drafts 33 and 34 already use the final salt. The drafts before 29 are kept
 * because they cost one line each and are still in the capture corpora; older
 * ones (and Google's Q/T versions) had other packet layouts or handshakes.
 */
static enum quic_salt_id quic_salt(uint32_t v, bool *v2)
{
	*v2 = false;
	if (v == QUIC_V1 || v == 0xff000021u || v == 0xff000022u)
		return QUIC_SALT_V1;
	if (v == QUIC_V2) {
		*v2 = true;
		return QUIC_SALT_V2;
	}
	if (v >= 0xff00001du && v <= 0xff000020u)
		return QUIC_SALT_D29;
	if ((v >= 0xff000017u && v <= 0xff00001cu) || v == 0xfaceb002u || v == 0xfaceb00eu)
		return QUIC_SALT_D23;
	if (v == 0xfaceb001u)
		return QUIC_SALT_D22;
	return QUIC_SALT_NONE;
}

/*
 * The salts to try on a packet, most likely first. A reserved version gets
 * v1's and then draft-29's: clients that force version negotiation (the
 * interop runner's, for instance) lay out and protect that first Initial as
 * the version they mean to use, which is not on the wire. No server accepts
 * such a version, so the client will retry in a real one; reading the probe
 * only finds the name one datagram earlier, and a probe that neither opens
 * is skipped, not MALFORMED.
 */
static size_t quic_packet_salts(uint32_t v, enum quic_salt_id salts[2], bool *v2)
{
	if (quic_is_probe(v)) {
		*v2 = false;
		salts[0] = QUIC_SALT_V1;
		salts[1] = QUIC_SALT_D29;
		return 2;
	}
	salts[0] = quic_salt(v, v2);
	return salts[0] != QUIC_SALT_NONE ? 1 : 0;
}

bool quic_version_supported(uint32_t version)
{
	bool v2;

	return quic_salt(version, &v2) != QUIC_SALT_NONE;
}

/* ------------------------------------------------------------------------ */
/* libcrypto */

/*
 * Makes an HMAC-SHA256 key (at most one block, which every key here is:
 * a 20-byte salt or a 32-byte secret). The pad stays on the stack unwiped:
 * Initial secrets derive from public bytes.
 */
static bool quic_hmac_setkey(struct quic_hmac_key *hk, const uint8_t *key, size_t key_len)
{
	uint8_t pad[SHA256_CBLOCK];
	size_t i;

	if (key_len > sizeof(pad))
		return false;
	memset(pad, 0x36, sizeof(pad));
	for (i = 0; i < key_len; i++)
		pad[i] ^= key[i];
	if (!SHA256_Init(&hk->inner) || !SHA256_Update(&hk->inner, pad, sizeof(pad)))
		return false;
	for (i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36 ^ 0x5c;
	return SHA256_Init(&hk->outer) && SHA256_Update(&hk->outer, pad, sizeof(pad));
}

/* HMAC(key, msg): the key's states are copied, never changed. */
static bool quic_hmac(const struct quic_hmac_key *hk, const uint8_t *msg, size_t msg_len,
		      uint8_t out[QUIC_SHA256_LEN])
{
	uint8_t ih[QUIC_SHA256_LEN];
	SHA256_CTX c = hk->inner;

	if (!SHA256_Update(&c, msg, msg_len) || !SHA256_Final(ih, &c))
		return false;
	c = hk->outer;
	return SHA256_Update(&c, ih, sizeof(ih)) && SHA256_Final(out, &c);
}

void quic_crypto_free(struct quic_crypto *cx)
{
	if (cx == NULL)
		return;
	EVP_CIPHER_CTX_free(cx->ecb);
	EVP_CIPHER_CTX_free(cx->aead);
	EVP_CIPHER_free(cx->ecb_alg);
	EVP_CIPHER_free(cx->gcm_alg);
	OPENSSL_free(cx);
}

struct quic_crypto *quic_crypto_new(void)
{
	struct quic_crypto *cx = OPENSSL_zalloc(sizeof(*cx));
	size_t i;

	if (cx == NULL)
		return NULL;
	cx->gcm_alg = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	cx->ecb_alg = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	cx->aead = EVP_CIPHER_CTX_new();
	cx->ecb = EVP_CIPHER_CTX_new();
	if (cx->gcm_alg == NULL || cx->ecb_alg == NULL || cx->aead == NULL || cx->ecb == NULL)
		goto err_free;
	/*
	 * Ciphers chosen once here, and their provider contexts made: packets
	 * only set key and IV (EVP_*Init_ex with a NULL cipher), which does not
	 * allocate.
	 */
	if (!EVP_DecryptInit_ex(cx->aead, cx->gcm_alg, NULL, NULL, NULL) ||
	    !EVP_EncryptInit_ex(cx->ecb, cx->ecb_alg, NULL, NULL, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(cx->ecb, 0))
		goto err_free;
	for (i = 0; i < QUIC_SALT_COUNT; i++)
		if (!quic_hmac_setkey(&cx->salt[i], quic_salts[i], QUIC_SALT_LEN))
			goto err_free;
	return cx;

err_free:
	quic_crypto_free(cx);
	return NULL;
}

/* HKDF-Expand-Label(secret, label, "", out_len), out_len <= 32. */
static bool quic_expand_label(const struct quic_hmac_key *secret, const char *label,
			      uint8_t *out, size_t out_len)
{
	static const char prefix[] = "tls13 ";
	uint8_t info[2 + 1 + 6 + 16 + 1 + 1], t[QUIC_SHA256_LEN];
	size_t llen = strlen(label), n = 0;

	if (llen > 16 || out_len > QUIC_SHA256_LEN)
		return false;
	info[n++] = 0;
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(sizeof(prefix) - 1 + llen);
	memcpy(info + n, prefix, sizeof(prefix) - 1);
	n += sizeof(prefix) - 1;
	memcpy(info + n, label, llen);
	n += llen;
	info[n++] = 0; /* empty context */
	info[n++] = 1; /* HKDF-Expand block counter */
	if (!quic_hmac(secret, info, n, t))
		return false;
	memcpy(out, t, out_len);
	return true;
}

/*
 * 14 SHA-256 compressions: 2 for the extract (the salt's key is ready), 2 to
 * key the initial secret and 2 to expand it, 2 to key the client secret and
 * 2 for each of key, iv and hp.
 */
static bool quic_keys_for(struct quic_crypto *cx, enum quic_salt_id salt, bool v2,
			  const uint8_t *dcid, size_t dcid_len, struct quic_keys *out)
{
	uint8_t initial[QUIC_SHA256_LEN], client[QUIC_SHA256_LEN];
	struct quic_hmac_key hk;

	if (salt >= QUIC_SALT_COUNT || dcid_len > QUIC_MAX_CID_LEN ||
	    (dcid == NULL && dcid_len > 0))
		return false;
	return quic_hmac(&cx->salt[salt], dcid, dcid_len, initial) &&
	       quic_hmac_setkey(&hk, initial, sizeof(initial)) &&
	       quic_expand_label(&hk, "client in", client, sizeof(client)) &&
	       quic_hmac_setkey(&hk, client, sizeof(client)) &&
	       quic_expand_label(&hk, v2 ? "quicv2 key" : "quic key", out->key, QUIC_KEY_LEN) &&
	       quic_expand_label(&hk, v2 ? "quicv2 iv" : "quic iv", out->iv, QUIC_IV_LEN) &&
	       quic_expand_label(&hk, v2 ? "quicv2 hp" : "quic hp", out->hp, QUIC_HP_LEN);
}

bool quic_client_initial_keys(struct quic_crypto *cx, uint32_t version, const uint8_t *dcid,
			      size_t dcid_len, struct quic_keys *out)
{
	bool v2;
	enum quic_salt_id salt = quic_salt(version, &v2);

	return quic_keys_for(cx, salt, v2, dcid, dcid_len, out);
}

/* RFC 9000 §A.3: the full packet number closest to the next one expected. */
static uint64_t quic_decode_pn(bool have, uint64_t largest, uint64_t truncated, unsigned bits)
{
	uint64_t expected = have ? largest + 1 : 0;
	uint64_t win = 1ull << bits, hwin = win / 2;
	uint64_t cand = (expected & ~(win - 1)) | truncated;

	if (cand + hwin <= expected && cand < (1ull << 62) - win)
		return cand + win;
	if (cand > expected + hwin && cand >= win)
		return cand - win;
	return cand;
}

enum quic_open_result {
	QUIC_OPEN_OK = 0,
	QUIC_OPEN_AUTH = 1, /* the keys do not open it */
	QUIC_OPEN_LIB = 2,  /* libcrypto failed */
};

/*
 * Removes header protection with k and decrypts the payload into cx->plain.
 * The wire bytes are not touched: the unmasked first byte and packet number
 * go into the AAD as separate pieces. The caller made sure the packet holds
 * the sample (pn_off + 4 + 16 <= len).
 */
static enum quic_open_result quic_open(struct quic_crypto *cx, const struct quic_keys *k,
				       const struct quic_pkt *pk, bool have_pn, uint64_t largest,
				       size_t *plain_len, uint8_t *first, uint64_t *pn_out)
{
	uint8_t mask[QUIC_SAMPLE_LEN * 2], pnb[4], nonce[QUIC_IV_LEN], tag[QUIC_TAG_LEN];
	size_t pn_len, i, ct_off, ct_len;
	uint64_t tpn = 0, pn;
	int outl = 0, finl = 0;

	if (!EVP_EncryptInit_ex(cx->ecb, NULL, NULL, k->hp, NULL) ||
	    !EVP_EncryptUpdate(cx->ecb, mask, &outl, pk->p + pk->pn_off + 4, QUIC_SAMPLE_LEN) ||
	    outl != QUIC_SAMPLE_LEN)
		return QUIC_OPEN_LIB;
	*first = (uint8_t)(pk->p[0] ^ (mask[0] & 0x0f));
	pn_len = (size_t)(*first & 0x03) + 1;
	for (i = 0; i < pn_len; i++) {
		pnb[i] = (uint8_t)(pk->p[pk->pn_off + i] ^ mask[1 + i]);
		tpn = tpn << 8 | pnb[i];
	}
	pn = quic_decode_pn(have_pn, largest, tpn, (unsigned)(pn_len * 8));
	memcpy(nonce, k->iv, QUIC_IV_LEN);
	for (i = 0; i < 8; i++)
		nonce[QUIC_IV_LEN - 8 + i] ^= (uint8_t)(pn >> (56 - 8 * i));
	ct_off = pk->pn_off + pn_len;
	ct_len = pk->len - ct_off - QUIC_TAG_LEN;
	memcpy(tag, pk->p + pk->len - QUIC_TAG_LEN, QUIC_TAG_LEN);

	if (!EVP_DecryptInit_ex(cx->aead, NULL, NULL, k->key, nonce) ||
	    !EVP_DecryptUpdate(cx->aead, NULL, &outl, first, 1) ||
	    !EVP_DecryptUpdate(cx->aead, NULL, &outl, pk->p + 1, (int)(pk->pn_off - 1)) ||
	    !EVP_DecryptUpdate(cx->aead, NULL, &outl, pnb, (int)pn_len))
		return QUIC_OPEN_LIB;
	outl = 0;
	if (ct_len > 0 &&
	    !EVP_DecryptUpdate(cx->aead, cx->plain, &outl, pk->p + ct_off, (int)ct_len))
		return QUIC_OPEN_LIB;
	if (!EVP_CIPHER_CTX_ctrl(cx->aead, EVP_CTRL_AEAD_SET_TAG, QUIC_TAG_LEN, tag))
		return QUIC_OPEN_LIB;
	if (EVP_DecryptFinal_ex(cx->aead, cx->plain + outl, &finl) <= 0)
		return QUIC_OPEN_AUTH;
	*plain_len = (size_t)outl + (size_t)finl;
	*pn_out = pn;
	return QUIC_OPEN_OK;
}

/* ------------------------------------------------------------------------ */
/* Parser state */

void quic_initial_init(struct quic_initial *st, uint8_t *buf, size_t cap)
{
	memset(st, 0, sizeof(*st));
	tls_hello_init(&st->tls, NULL, 0);
	st->buf = buf;
	st->cap = buf != NULL ? cap : 0;
	/* offsets are kept in 32 bits */
	if (st->cap > UINT32_MAX)
		st->cap = UINT32_MAX;
	st->status = QUIC_NEED_MORE;
	st->reason = QUIC_R_NONE;
}

static enum quic_status quic_stop(struct quic_initial *st, enum quic_status s, enum quic_reason r)
{
	st->status = s;
	st->reason = r;
	return s;
}

static enum quic_status quic_bad(struct quic_initial *st, enum quic_reason r)
{
	return quic_stop(st, QUIC_MALFORMED, r);
}

/* RFC 9000 §16 variable-length integer; the cursor moves only on success. */
static bool quic_varint(struct cur *c, uint64_t *v)
{
	struct cur save = *c;
	uint8_t b;
	size_t n, i;

	if (!cur_u8(c, &b))
		return false;
	n = (size_t)1 << (b >> 6);
	*v = b & 0x3f;
	for (i = 1; i < n; i++) {
		if (!cur_u8(c, &b)) {
			*c = save;
			return false;
		}
		*v = *v << 8 | b;
	}
	return true;
}

static uint32_t quic_prefix_end(const struct quic_initial *st)
{
	return st->n_ranges > 0 && st->ranges[0].from == 0 ? st->ranges[0].to : 0;
}

/*
 * Adds CRYPTO data [off, off + len) to the stream. Bytes already held must be
 * equal (a retransmission); the new range is merged with every range it
 * overlaps or touches, so the list stays short while holes are filled.
 */
static enum quic_status quic_crypto_add(struct quic_initial *st, uint64_t off,
					const uint8_t *data, uint64_t len)
{
	uint32_t from, to, i, j, k;

	if (len == 0)
		return QUIC_NEED_MORE;
	if (off + len > st->cap)
		return quic_bad(st, QUIC_R_CRYPTO_TOO_BIG);
	from = (uint32_t)off;
	to = (uint32_t)(off + len);
	for (i = 0; i < st->n_ranges; i++) {
		uint32_t lo = st->ranges[i].from > from ? st->ranges[i].from : from;
		uint32_t hi = st->ranges[i].to < to ? st->ranges[i].to : to;

		if (lo >= hi)
			continue;
		if (memcmp(st->buf + lo, data + (lo - from), hi - lo) != 0)
			return quic_bad(st, QUIC_R_CRYPTO_CONFLICT);
		st->flags |= QUIC_F_CRYPTO_DUP;
	}
	if (from > quic_prefix_end(st))
		st->flags |= QUIC_F_OUT_OF_ORDER;

	/* ranges i..j-1 overlap or touch [from, to) */
	for (i = 0; i < st->n_ranges && st->ranges[i].to < from; i++)
		;
	for (j = i; j < st->n_ranges && st->ranges[j].from <= to; j++)
		;
	if (i == j) {
		if (st->n_ranges == QUIC_MAX_RANGES)
			return quic_bad(st, QUIC_R_TOO_MANY_RANGES);
		for (k = st->n_ranges; k > i; k--)
			st->ranges[k] = st->ranges[k - 1];
		st->n_ranges++;
	} else {
		if (st->ranges[i].from < from)
			from = st->ranges[i].from;
		if (st->ranges[j - 1].to > to)
			to = st->ranges[j - 1].to;
		for (k = j; k < st->n_ranges; k++)
			st->ranges[i + 1 + k - j] = st->ranges[k];
		st->n_ranges -= j - i - 1;
	}
	st->ranges[i].from = from;
	st->ranges[i].to = to;
	memcpy(st->buf + off, data, (size_t)len);
	return QUIC_NEED_MORE;
}

/* Parses an ACK frame body (type already read). */
static bool quic_ack(struct cur *c, bool ecn)
{
	uint64_t largest, delay, count, first, gap, len, e;
	uint64_t i;

	if (!quic_varint(c, &largest) || !quic_varint(c, &delay) || !quic_varint(c, &count) ||
	    !quic_varint(c, &first))
		return false;
	/* each range is two varints of at least one byte */
	if (count > c->left / 2)
		return false;
	for (i = 0; i < count; i++)
		if (!quic_varint(c, &gap) || !quic_varint(c, &len))
			return false;
	if (ecn)
		for (i = 0; i < 3; i++)
			if (!quic_varint(c, &e))
				return false;
	return true;
}

/* Walks the frames of one decrypted Initial payload. */
static enum quic_status quic_frames(struct quic_initial *st, const uint8_t *p, size_t n,
				    bool *had_crypto)
{
	struct cur c = cur_make(p, n), data;
	uint64_t off, len, code, ftype;
	uint8_t t;

	if (n == 0)
		return quic_bad(st, QUIC_R_NO_FRAMES);
	while (cur_u8(&c, &t)) {
		switch (t) {
		case QUIC_FT_PADDING: {
			/* runs of hundreds of zeros pad every client Initial: skip them in one step */
			size_t k = 0;

			while (k < c.left && c.p[k] == 0)
				k++;
			cur_skip(&c, k);
			break;
		}
		case QUIC_FT_PING:
			st->flags |= QUIC_F_PING;
			break;
		case QUIC_FT_ACK:
		case QUIC_FT_ACK_ECN:
			if (!quic_ack(&c, t == QUIC_FT_ACK_ECN))
				return quic_bad(st, QUIC_R_FRAME);
			st->flags |= QUIC_F_ACK;
			break;
		case QUIC_FT_CRYPTO:
			if (!quic_varint(&c, &off) || !quic_varint(&c, &len) ||
			    off + len > QUIC_VARINT_MAX || !cur_take(&c, (size_t)len, &data))
				return quic_bad(st, QUIC_R_FRAME);
			if (len > 0)
				*had_crypto = true;
			if (quic_crypto_add(st, off, data.p, len) != QUIC_NEED_MORE)
				return st->status;
			break;
		case QUIC_FT_CONN_CLOSE:
			if (!quic_varint(&c, &code) || !quic_varint(&c, &ftype) ||
			    !quic_varint(&c, &len) || !cur_take(&c, (size_t)len, &data))
				return quic_bad(st, QUIC_R_FRAME);
			st->flags |= QUIC_F_CONN_CLOSE;
			break;
		default:
			return quic_bad(st, QUIC_R_FRAME_TYPE);
		}
	}
	return QUIC_NEED_MORE;
}

/* Once the stream's prefix holds the whole ClientHello, parses it in place. */
static enum quic_status quic_check_hello(struct quic_initial *st)
{
	uint32_t have = quic_prefix_end(st), msg_len;
	enum tls_status s;

	if (have == 0)
		return QUIC_NEED_MORE;
	if (st->buf[0] != QUIC_HS_CLIENT_HELLO)
		return quic_bad(st, QUIC_R_HS_TYPE);
	if (have < QUIC_HS_HDR_LEN)
		return QUIC_NEED_MORE;
	msg_len = QUIC_HS_HDR_LEN +
		  ((uint32_t)st->buf[1] << 16 | (uint32_t)st->buf[2] << 8 | st->buf[3]);
	st->hello_len = msg_len;
	if (msg_len > st->cap)
		return quic_bad(st, QUIC_R_CRYPTO_TOO_BIG);
	if (have < msg_len)
		return QUIC_NEED_MORE;
	s = tls_hello_parse_handshake(&st->tls, st->buf, msg_len);
	if (s == TLS_DONE)
		return quic_stop(st, QUIC_DONE, QUIC_R_NONE);
	return quic_bad(st, QUIC_R_TLS);
}

static bool quic_same_cid(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* Derives keys from (version, dcid) and tries them; keeps them if they open pk. */
static enum quic_open_result quic_try_derived(struct quic_initial *st, struct quic_crypto *cx,
					      const struct quic_pkt *pk, const uint8_t *dcid,
					      uint8_t dcid_len, size_t *plain_len, uint8_t *first,
					      uint64_t *pn)
{
	enum quic_salt_id salts[2];
	enum quic_open_result r = QUIC_OPEN_AUTH;
	struct quic_keys k;
	size_t n, i;
	bool v2;

	n = quic_packet_salts(pk->version, salts, &v2);
	for (i = 0; i < n && r == QUIC_OPEN_AUTH; i++) {
		if (!quic_keys_for(cx, salts[i], v2, dcid, dcid_len, &k))
			return QUIC_OPEN_LIB;
		r = quic_open(cx, &k, pk, st->have_pn, st->largest_pn, plain_len, first, pn);
	}
	if (r != QUIC_OPEN_OK)
		return r;
	if (st->have_keys && !quic_same_cid(st->key_dcid, st->key_dcid_len, dcid, dcid_len))
		st->flags |= QUIC_F_DCID_CHANGE;
	st->keys = k;
	st->have_keys = true;
	st->key_version = pk->version;
	memcpy(st->key_dcid, dcid, dcid_len);
	st->key_dcid_len = dcid_len;
	return QUIC_OPEN_OK;
}

/*
 * Opens an Initial with the kept keys, else keys from its own DCID, else from
 * the flow's first DCID (see quic_initial.h for why each).
 */
static enum quic_open_result quic_decrypt(struct quic_initial *st, struct quic_crypto *cx,
					  const struct quic_pkt *pk, size_t *plain_len,
					  uint8_t *first, uint64_t *pn)
{
	bool kept = st->have_keys && st->key_version == pk->version;
	enum quic_open_result r;

	if (kept) {
		r = quic_open(cx, &st->keys, pk, st->have_pn, st->largest_pn, plain_len, first, pn);
		if (r != QUIC_OPEN_AUTH)
			return r;
	}
	if (!kept || !quic_same_cid(st->key_dcid, st->key_dcid_len, pk->dcid, pk->dcid_len)) {
		r = quic_try_derived(st, cx, pk, pk->dcid, pk->dcid_len, plain_len, first, pn);
		if (r != QUIC_OPEN_AUTH)
			return r;
	}
	if (st->n_packets > 0 &&
	    !quic_same_cid(st->dcid, st->dcid_len, pk->dcid, pk->dcid_len) &&
	    !(kept && quic_same_cid(st->dcid, st->dcid_len, st->key_dcid, st->key_dcid_len)))
		return quic_try_derived(st, cx, pk, st->dcid, st->dcid_len, plain_len, first, pn);
	return QUIC_OPEN_AUTH;
}

/*
 * Decrypts one Initial and takes in its frames. A reserved-version probe the
 * v1 keys do not open is skipped (*skipped), not MALFORMED.
 */
static enum quic_status quic_initial_packet(struct quic_initial *st, struct quic_crypto *cx,
					   const struct quic_pkt *pk, bool probe, bool *skipped)
{
	enum quic_open_result r;
	enum quic_status s;
	size_t plain_len = 0;
	uint64_t pn = 0;
	uint8_t first = 0;
	bool had_crypto = false;

	if (st->n_packets >= QUIC_MAX_PACKETS)
		return quic_bad(st, QUIC_R_TOO_MANY_PACKETS);
	r = quic_decrypt(st, cx, pk, &plain_len, &first, &pn);
	if (r == QUIC_OPEN_LIB)
		return quic_bad(st, QUIC_R_CRYPTO_LIB);
	if (r == QUIC_OPEN_AUTH && probe) {
		*skipped = true;
		return QUIC_NEED_MORE;
	}
	if (r == QUIC_OPEN_AUTH)
		return quic_bad(st, QUIC_R_DECRYPT);
	/* RFC 9000 §17.2: checked only now that the header is known to be genuine */
	if ((first & 0x0c) != 0)
		return quic_bad(st, QUIC_R_RESERVED_BITS);
	if (!st->have_pn || pn > st->largest_pn)
		st->largest_pn = pn;
	st->have_pn = true;
	if (st->n_packets++ == 0) {
		st->version = pk->version;
		memcpy(st->dcid, pk->dcid, pk->dcid_len);
		st->dcid_len = pk->dcid_len;
		if (pk->dcid_len < QUIC_MIN_DCID)
			st->flags |= QUIC_F_SHORT_DCID;
	}
	s = quic_frames(st, cx->plain, plain_len, &had_crypto);
	if (s != QUIC_NEED_MORE)
		return s;
	if (had_crypto && ++st->n_crypto_packets > 1)
		st->flags |= QUIC_F_MULTI_PACKET;
	return quic_check_hello(st);
}

/* What quic_parse_long() found at the cursor. */
enum quic_hdr {
	QUIC_HDR_OK = 0,  /* a packet of a decrypted version, delimited: *pk, *pt */
	QUIC_HDR_JUNK,    /* nothing that can be delimited; *reason for a first packet */
	QUIC_HDR_UNKNOWN, /* a version not decrypted (no Length to skip it by) */
	QUIC_HDR_BAD,     /* an Initial of a decrypted version, broken: *reason */
};

/*
 * Parses the long header at c (first byte's top bit set) up to the packet
 * number. Only the header's clear parts are read: the low 4 bits of the first
 * byte are protected and wait for the keys.
 */
static enum quic_hdr quic_parse_long(struct cur c, struct quic_pkt *pk, enum quic_ptype *pt,
				     uint64_t *token_len, enum quic_reason *reason)
{
	struct cur h = c, dcid, scid;
	enum quic_salt_id salts[2];
	uint64_t length;
	uint8_t b0 = c.p[0];
	bool v2, probe;

	memset(pk, 0, sizeof(*pk));
	pk->p = c.p;
	*token_len = 0;
	*reason = QUIC_R_HEADER;
	if (!cur_skip(&h, 1) || !cur_u32(&h, &pk->version) || !cur_vec8(&h, &dcid) ||
	    !cur_vec8(&h, &scid))
		return QUIC_HDR_JUNK;
	if (pk->version == 0) {
		*reason = QUIC_R_VERSION_NEG;
		return QUIC_HDR_JUNK;
	}
	probe = quic_is_probe(pk->version);
	if (quic_packet_salts(pk->version, salts, &v2) == 0)
		return QUIC_HDR_UNKNOWN;
	if ((b0 & 0x40) == 0) {
		*reason = QUIC_R_FIXED_BIT;
		return probe ? QUIC_HDR_UNKNOWN : QUIC_HDR_JUNK;
	}
	*pt = (enum quic_ptype)(v2 ? ((b0 >> 4) + 3) & 3 : (b0 >> 4) & 3);
	if (*pt == QUIC_PT_RETRY) {
		/* servers send Retry; it has no Length to skip it by */
		*reason = QUIC_R_NOT_INITIAL;
		return probe ? QUIC_HDR_UNKNOWN : QUIC_HDR_JUNK;
	}
	*reason = QUIC_R_PACKET_LEN;
	if (*pt == QUIC_PT_INITIAL &&
	    (!quic_varint(&h, token_len) || *token_len > h.left || !cur_skip(&h, (size_t)*token_len)))
		return probe ? QUIC_HDR_UNKNOWN : QUIC_HDR_BAD;
	if (!quic_varint(&h, &length) || length > h.left) {
		if (*pt == QUIC_PT_INITIAL && !probe)
			return QUIC_HDR_BAD;
		*reason = QUIC_R_HEADER;
		return probe ? QUIC_HDR_UNKNOWN : QUIC_HDR_JUNK;
	}
	pk->pn_off = (size_t)(h.p - c.p);
	pk->len = pk->pn_off + (size_t)length;
	pk->dcid = dcid.p;
	pk->dcid_len = (uint8_t)dcid.left;
	if (*pt != QUIC_PT_INITIAL)
		return QUIC_HDR_OK;
	if (dcid.left > QUIC_MAX_CID_LEN || scid.left > QUIC_MAX_CID_LEN) {
		*reason = QUIC_R_CID_LEN;
		return probe ? QUIC_HDR_UNKNOWN : QUIC_HDR_BAD;
	}
	/* the header-protection sample starts 4 bytes after the packet number */
	if (length < 4 + QUIC_SAMPLE_LEN)
		return probe ? QUIC_HDR_UNKNOWN : QUIC_HDR_BAD;
	return QUIC_HDR_OK;
}

enum quic_status quic_initial_feed_datagram(struct quic_initial *st, struct quic_crypto *cx,
					    const uint8_t *dgram, size_t len)
{
	struct cur c = cur_make(dgram, len);
	const uint8_t *dg_dcid = NULL;
	uint8_t dg_dcid_len = 0;
	uint32_t n_pkts = 0;

	if (st->status != QUIC_NEED_MORE)
		return st->status;
	st->n_datagrams++;
	if (c.left == 0)
		return st->n_packets == 0 ? quic_stop(st, QUIC_NOT_QUIC, QUIC_R_EMPTY)
					  : QUIC_NEED_MORE;
	/* each pass consumes at least one byte, or leaves the loop */
	while (c.left > 0) {
		bool fresh = n_pkts == 0 && st->n_packets == 0;
		bool probe, skipped = false;
		enum quic_reason reason;
		struct quic_pkt pk;
		enum quic_ptype pt = QUIC_PT_INITIAL;
		enum quic_status s;
		uint64_t token_len;

		if ((c.p[0] & 0x80) == 0) {
			if (fresh)
				return quic_stop(st, QUIC_NOT_QUIC, QUIC_R_SHORT_HEADER);
			st->flags |= (c.p[0] & 0x40) != 0 ? QUIC_F_SHORT_PACKET : QUIC_F_TRAILING;
			break;
		}
		switch (quic_parse_long(c, &pk, &pt, &token_len, &reason)) {
		case QUIC_HDR_OK:
			break;
		case QUIC_HDR_JUNK:
			if (fresh)
				return quic_stop(st, QUIC_NOT_QUIC, reason);
			st->flags |= reason == QUIC_R_NOT_INITIAL ? QUIC_F_RETRY_PACKET
								  : QUIC_F_TRAILING;
			return QUIC_NEED_MORE;
		case QUIC_HDR_UNKNOWN:
			st->flags |= QUIC_F_UNKNOWN_VERSION;
			if (quic_is_probe(pk.version))
				st->flags |= QUIC_F_VN_PROBE;
			st->n_skipped++;
			return QUIC_NEED_MORE;
		case QUIC_HDR_BAD:
			return quic_bad(st, reason);
		}
		probe = quic_is_probe(pk.version);
		if (probe)
			st->flags |= QUIC_F_VN_PROBE;
		if (++n_pkts > 1)
			st->flags |= QUIC_F_COALESCED;
		if (pt != QUIC_PT_INITIAL) {
			st->flags |= QUIC_F_SKIPPED_PACKET;
			st->n_skipped++;
			cur_skip(&c, pk.len);
			continue;
		}
		if (dg_dcid == NULL) {
			dg_dcid = pk.dcid;
			dg_dcid_len = pk.dcid_len;
		} else if (!quic_same_cid(dg_dcid, dg_dcid_len, pk.dcid, pk.dcid_len)) {
			st->flags |= QUIC_F_OTHER_DCID;
			st->n_skipped++;
			cur_skip(&c, pk.len);
			continue;
		}
		if (token_len > 0)
			st->flags |= QUIC_F_TOKEN;
		if (len < QUIC_MIN_INITIAL_DGRAM)
			st->flags |= QUIC_F_SMALL_DATAGRAM;
		s = quic_initial_packet(st, cx, &pk, probe, &skipped);
		if (s != QUIC_NEED_MORE)
			return s;
		if (skipped) {
			st->flags |= QUIC_F_UNKNOWN_VERSION;
			st->n_skipped++;
		}
		cur_skip(&c, pk.len);
	}
	return QUIC_NEED_MORE;
}

/* ------------------------------------------------------------------------ */
/* Names */

static const char *const quic_reason_names[QUIC_R_COUNT] = {
	[QUIC_R_NONE] = "none",
	[QUIC_R_EMPTY] = "empty",
	[QUIC_R_SHORT_HEADER] = "short_header",
	[QUIC_R_FIXED_BIT] = "fixed_bit",
	[QUIC_R_HEADER] = "header",
	[QUIC_R_VERSION_NEG] = "version_neg",
	[QUIC_R_NOT_INITIAL] = "not_initial",
	[QUIC_R_CID_LEN] = "cid_len",
	[QUIC_R_PACKET_LEN] = "packet_len",
	[QUIC_R_DECRYPT] = "decrypt",
	[QUIC_R_RESERVED_BITS] = "reserved_bits",
	[QUIC_R_NO_FRAMES] = "no_frames",
	[QUIC_R_TOO_MANY_PACKETS] = "too_many_packets",
	[QUIC_R_CRYPTO_LIB] = "crypto_lib",
	[QUIC_R_FRAME_TYPE] = "frame_type",
	[QUIC_R_FRAME] = "frame",
	[QUIC_R_CRYPTO_TOO_BIG] = "crypto_too_big",
	[QUIC_R_CRYPTO_CONFLICT] = "crypto_conflict",
	[QUIC_R_TOO_MANY_RANGES] = "too_many_ranges",
	[QUIC_R_HS_TYPE] = "hs_type",
	[QUIC_R_TLS] = "tls",
};

const char *quic_reason_str(enum quic_reason r)
{
	if ((unsigned)r >= QUIC_R_COUNT || quic_reason_names[r] == NULL)
		return "unknown";
	return quic_reason_names[r];
}

const char *quic_status_str(enum quic_status s)
{
	switch (s) {
	case QUIC_NEED_MORE:
		return "need_more";
	case QUIC_DONE:
		return "done";
	case QUIC_NOT_QUIC:
		return "not_quic";
	case QUIC_MALFORMED:
		return "malformed";
	}
	return "unknown";
}
