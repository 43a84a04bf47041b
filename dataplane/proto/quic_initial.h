/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_PROTO_QUIC_INITIAL_H
#define KB_PROTO_QUIC_INITIAL_H

/*
 * QUIC client Initial parser: fed a flow's client-to-server UDP datagrams in
 * arrival order, it decrypts the Initial packets (RFC 9001 §5: keys from the
 * Destination Connection ID, AES-128 header protection, AES-128-GCM),
 * reassembles the CRYPTO stream by offset across frames, coalesced packets and
 * datagrams in any order, and parses the ClientHello with tls_hello once the
 * whole message is there.
 *
 * Wire grammar (RFC 9000 §17.2, §17.2.2, §19; RFC 9369 §3.2):
 *
 *   datagram       = 1*long-packet [ short-packet / junk ]
 *   long-packet    = first version dcid-len dcid scid-len scid type-specific
 *   first          = 1 (form) 1 (fixed) 2 (type) 2 (reserved) 2 (pn length - 1)
 *                    ; the low 4 bits are under header protection
 *   Initial        = token-len:varint token length:varint pn(1..4) payload
 *   0-RTT/Handshake = length:varint pn payload   ; skipped, never decrypted
 *   payload        = AEAD(frames) 16-byte-tag
 *   frames         = 1*( PADDING 0x00 / PING 0x01 / ACK 0x02-0x03 /
 *                        CRYPTO 0x06 / CONNECTION_CLOSE 0x1c )
 *   CRYPTO         = 0x06 offset:varint length:varint data
 *   ACK            = type largest delay count first-range *(gap range) [3 ECN counts]
 *   CONNECTION_CLOSE = 0x1c error frame-type reason-len:varint reason
 *
 * Versions decrypted (initial salt; labels "quic key/iv/hp" unless noted):
 *   v1 0x00000001 and drafts 33-34 (0xff000021-22): the RFC 9001 salt
 *   v2 0x6b3343cf: the RFC 9369 salt, labels "quicv2 key/iv/hp", Initial type 1
 *   drafts 29-32 (0xff00001d-20): the draft-29 salt
 *   drafts 23-28 (0xff000017-1c), mvfst 0xfaceb002/0xfaceb00e: the draft-23 salt
 *   mvfst 0xfaceb001 (draft-22 based): the draft-22 salt
 * Reserved versions 0x?a?a?a?a (RFC 9000 §15, flag VN_PROBE), which clients
 * send to force version negotiation, are laid out and protected as the
 * version the client means to use: they are tried with the v1 keys, then the
 * draft-29 ones, and skipped if neither opens them. Other versions (Google's
 * Q/T versions among them) are skipped without a verdict (UNKNOWN_VERSION):
 * a client sent a Version Negotiation retries on the same flow with a version
 * it shares with the server, and that one is read.
 *
 * What is decided where:
 * - The first packet of the flow (before any Initial is decrypted) must be a
 *   long header with the fixed bit, whole up to its Length, not version 0 and,
 *   for a known version, an Initial; otherwise NOT_QUIC. Once a packet of a
 *   known version is an Initial, errors are MALFORMED.
 * - Keys: derived from the first Initial's DCID and kept. A later Initial with
 *   another DCID is tried with the kept keys (a client moved to the server's
 *   connection ID keeps them), then with keys from its own DCID (after a Retry:
 *   DCID_CHANGE), then from the first DCID. No key opens it: MALFORMED(DECRYPT).
 * - In a datagram, packets after the first with another DCID are ignored
 *   (RFC 9000 §12.2; OTHER_DCID); 0-RTT and Handshake packets are skipped;
 *   a short-header packet or junk ends the datagram.
 * - Frames other than PADDING, PING, ACK, CRYPTO and CONNECTION_CLOSE (0x1c)
 *   in an Initial are MALFORMED(FRAME_TYPE) (RFC 9000 §17.2.2, a protocol
 *   violation), as is an empty payload or non-zero reserved bits.
 * - CRYPTO data is copied into the caller's buffer at its offset; data past
 *   cap is CRYPTO_TOO_BIG, overlap with other bytes CRYPTO_CONFLICT. Once the
 *   contiguous prefix holds the 4-byte handshake header, its type must be
 *   client_hello (HS_TYPE); once it holds the whole message, tls_hello parses
 *   it in place: DONE, or MALFORMED(TLS) with tls.reason.
 * - Bounds: QUIC_MAX_PACKETS Initials decrypted, QUIC_MAX_RANGES holes,
 *   cap bytes of stream; every loop is bounded by the datagram's length.
 *
 * Terminal statuses are sticky: later datagrams change nothing.
 *
 * Cost and allocation. Key derivation (HKDF-SHA256: HMAC built on libcrypto's
 * SHA-256, 14 block compressions) happens once per flow, and again only when
 * a DCID changes. Each Initial costs one AES-ECB block and one AES-GCM pass
 * over the packet through EVP cipher contexts. All of it lives in a struct
 * quic_crypto made once per worker by quic_crypto_new() (which allocates);
 * after that neither a new flow nor a packet allocates (test_quic.c counts
 * libcrypto's allocations). docs/parsers.md has figures.
 */

#include <stddef.h>
#include <stdint.h>

#include "quic_initial_types.h"

/*
 * Per-worker libcrypto state (AES-128-GCM and AES-128-ECB cipher contexts,
 * the HMAC-SHA256 states of every initial salt) and a QUIC_MAX_DGRAM-byte
 * plaintext scratch. Not thread-safe: one per thread. Returns NULL if
 * libcrypto lacks an algorithm or memory runs out.
 */
struct quic_crypto *quic_crypto_new(void);
void quic_crypto_free(struct quic_crypto *cx);

/*
 * Resets *st. buf/cap (the caller's, usually QUIC_INITIAL_DEFAULT_CAP bytes)
 * receives the CRYPTO stream; it must outlive every use of the results.
 */
void quic_initial_init(struct quic_initial *st, uint8_t *buf, size_t cap);

/*
 * Feeds the flow's next client datagram (the UDP payload). Returns the
 * status, also stored in st->status.
 */
enum quic_status quic_initial_feed_datagram(struct quic_initial *st, struct quic_crypto *cx,
					    const uint8_t *dgram, size_t len);

/* True if Initial packets of this version are decrypted. */
bool quic_version_supported(uint32_t version);

/*
 * Derives the client Initial keys of a version from a DCID (RFC 9001 §5.2,
 * RFC 9369 §3.3). Returns false for an unsupported version, a DCID over
 * QUIC_MAX_CID_LEN or a libcrypto failure.
 */
bool quic_client_initial_keys(struct quic_crypto *cx, uint32_t version, const uint8_t *dcid,
			      size_t dcid_len, struct quic_keys *out);

/* Short snake_case names for counters and logs ("decrypt", "done"). */
const char *quic_reason_str(enum quic_reason r);
const char *quic_status_str(enum quic_status s);

#endif
