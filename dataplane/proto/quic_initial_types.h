/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_PROTO_QUIC_INITIAL_TYPES_H
#define KB_PROTO_QUIC_INITIAL_TYPES_H

/*
 * Types of the QUIC Initial parser (quic_initial.h has the functions and the
 * description of what is accepted).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls_hello_types.h"

/* Default CRYPTO reassembly buffer per flow: the whole ClientHello message
 * (4-byte header included) must fit. Chrome's post-quantum hello is ~1.8 KB. */
#define QUIC_INITIAL_DEFAULT_CAP 16384
/* Disjoint CRYPTO ranges held while holes remain; one more is MALFORMED. */
#define QUIC_MAX_RANGES 32
/* Initial packets decrypted per flow before giving up (TOO_MANY_PACKETS). */
#define QUIC_MAX_PACKETS 64
/* Longest connection ID of the versions decrypted (RFC 9000 §17.2). */
#define QUIC_MAX_CID_LEN 20
/* RFC 9000 §14.1: a datagram carrying a client Initial is at least this big. */
#define QUIC_MIN_INITIAL_DGRAM 1200
/* Largest datagram accepted (largest UDP payload); the plaintext scratch of a
 * struct quic_crypto is this big. */
#define QUIC_MAX_DGRAM 65535

#define QUIC_KEY_LEN 16
#define QUIC_IV_LEN 12
#define QUIC_HP_LEN 16
#define QUIC_TAG_LEN 16
#define QUIC_SAMPLE_LEN 16

/* The versions whose Initial packets are decrypted. */
#define QUIC_V1 0x00000001u
#define QUIC_V2 0x6b3343cfu

enum quic_status {
	QUIC_NEED_MORE = 0, /* nothing wrong yet; the ClientHello is not whole */
	QUIC_DONE = 1,      /* the ClientHello is whole and parsed: tls holds it */
	QUIC_NOT_QUIC = 2,  /* the first datagram is not a client Initial */
	QUIC_MALFORMED = 3, /* an Initial breaks the protocol or a limit */
};

/*
 * Why a flow ended in NOT_QUIC or MALFORMED. Each is meant to be a counter, so
 * the list only grows at the end (before QUIC_R_COUNT). docs/parsers.md has
 * the meaning of every one.
 */
enum quic_reason {
	QUIC_R_NONE = 0,
	/* NOT_QUIC: decided from the first packet of the flow */
	QUIC_R_EMPTY,           /* empty datagram */
	QUIC_R_SHORT_HEADER,    /* first packet has a short header (mid-connection or not QUIC) */
	QUIC_R_FIXED_BIT,       /* long header with the fixed bit clear */
	QUIC_R_HEADER,          /* long header cut short (connection IDs, token, length) */
	QUIC_R_VERSION_NEG,     /* version 0: a Version Negotiation packet */
	QUIC_R_NOT_INITIAL,     /* first packet is 0-RTT, Handshake or Retry */
	/* MALFORMED: packet layer */
	QUIC_R_CID_LEN,         /* connection ID longer than 20 bytes */
	QUIC_R_PACKET_LEN,      /* Length past the datagram, or too short for a sample */
	QUIC_R_DECRYPT,         /* AEAD tag check failed with every candidate key */
	QUIC_R_RESERVED_BITS,   /* reserved header bits not zero once unprotected */
	QUIC_R_NO_FRAMES,       /* empty payload */
	QUIC_R_TOO_MANY_PACKETS, /* more than QUIC_MAX_PACKETS Initials decrypted */
	QUIC_R_CRYPTO_LIB,      /* libcrypto refused an operation (not the input's fault) */
	/* MALFORMED: frames */
	QUIC_R_FRAME_TYPE,      /* a frame type not allowed in an Initial packet */
	QUIC_R_FRAME,           /* a frame cut short or with a field out of range */
	/* MALFORMED: CRYPTO stream */
	QUIC_R_CRYPTO_TOO_BIG,  /* CRYPTO data past the buffer capacity */
	QUIC_R_CRYPTO_CONFLICT, /* overlapping CRYPTO data with different bytes */
	QUIC_R_TOO_MANY_RANGES, /* more than QUIC_MAX_RANGES holes in the stream */
	QUIC_R_HS_TYPE,         /* the first handshake message is not a ClientHello */
	QUIC_R_TLS,             /* the ClientHello is malformed: tls.reason says how */
	QUIC_R_COUNT
};

/* struct quic_initial.flags: what was seen, for counters and anomaly logs. */
enum quic_flag {
	QUIC_F_UNKNOWN_VERSION = 1u << 0, /* a long-header packet of a version not decrypted */
	QUIC_F_VN_PROBE = 1u << 1,     /* version 0x?a?a?a?a (forces version negotiation) */
	QUIC_F_COALESCED = 1u << 2,    /* a datagram held more than one packet */
	QUIC_F_SKIPPED_PACKET = 1u << 3, /* a 0-RTT or Handshake packet was skipped */
	QUIC_F_SHORT_PACKET = 1u << 4, /* a short-header packet was skipped */
	QUIC_F_TRAILING = 1u << 5,     /* bytes after the last packet that are not one */
	QUIC_F_SMALL_DATAGRAM = 1u << 6, /* an Initial in a datagram under 1200 bytes */
	QUIC_F_SHORT_DCID = 1u << 7,   /* first Initial's DCID under 8 bytes */
	QUIC_F_DCID_CHANGE = 1u << 8,  /* keys derived again from a new DCID (Retry) */
	QUIC_F_OTHER_DCID = 1u << 9,   /* a coalesced packet with another DCID, ignored */
	QUIC_F_TOKEN = 1u << 10,       /* an Initial carried a token */
	QUIC_F_ACK = 1u << 11,         /* an ACK frame */
	QUIC_F_PING = 1u << 12,        /* a PING frame */
	QUIC_F_CONN_CLOSE = 1u << 13,  /* a CONNECTION_CLOSE frame */
	QUIC_F_MULTI_PACKET = 1u << 14, /* the hello came in more than one packet */
	QUIC_F_OUT_OF_ORDER = 1u << 15, /* CRYPTO data arrived past a hole */
	QUIC_F_CRYPTO_DUP = 1u << 16,  /* CRYPTO data repeated (same bytes) */
	QUIC_F_RETRY_PACKET = 1u << 17, /* a Retry-type packet from the client; rest skipped */
};

/* Client Initial packet protection keys (RFC 9001 §5). */
struct quic_keys {
	uint8_t key[QUIC_KEY_LEN];
	uint8_t iv[QUIC_IV_LEN];
	uint8_t hp[QUIC_HP_LEN];
};

/* A received run [from, to) of the CRYPTO stream. */
struct quic_range {
	uint32_t from;
	uint32_t to;
};

/*
 * One flow's client Initial state. Fill with quic_initial_init(). Results are
 * valid only with QUIC_DONE: tls is then a TLS_DONE ClientHello whose slices
 * point into the caller's buffer given to quic_initial_init().
 */
struct quic_initial {
	/* results */
	struct tls_hello tls;      /* the ClientHello (status TLS_DONE with QUIC_DONE) */
	uint32_t version;          /* version of the first Initial decrypted; 0 before */
	uint32_t flags;            /* enum quic_flag bits */
	uint32_t n_datagrams;      /* datagrams fed */
	uint32_t n_packets;        /* Initial packets decrypted */
	uint32_t n_skipped;        /* long-header packets not decrypted */
	uint32_t hello_len;        /* ClientHello message length, header included; 0 until known */
	enum quic_status status;
	enum quic_reason reason;
	uint8_t dcid[QUIC_MAX_CID_LEN]; /* DCID of the first Initial decrypted */
	uint8_t dcid_len;

	/* private */
	uint8_t key_dcid_len;
	bool have_keys;
	bool have_pn;
	uint8_t key_dcid[QUIC_MAX_CID_LEN]; /* DCID the cached keys come from */
	uint32_t key_version;
	uint32_t n_ranges;
	uint32_t n_crypto_packets; /* Initials that carried CRYPTO data */
	uint8_t *buf;              /* caller's CRYPTO reassembly buffer */
	size_t cap;
	uint64_t largest_pn;       /* largest Initial packet number decrypted */
	struct quic_keys keys;
	struct quic_range ranges[QUIC_MAX_RANGES]; /* ascending, disjoint, not adjacent */
};

/* Per-worker libcrypto state and plaintext scratch (opaque; quic_crypto_new()). */
struct quic_crypto;

#endif
