/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_PROTO_TLS_HELLO_TYPES_H
#define KB_PROTO_TLS_HELLO_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Default size of the buffer the ClientHello body is gathered into. */
#define TLS_HELLO_DEFAULT_CAP 16384
/* A hello spread over more records than this is given up on (TOO_MANY_RECORDS). */
#define TLS_HELLO_DEFAULT_MAX_RECORDS 64
/* host_name entries kept; one more is MALFORMED (TOO_MANY_NAMES), never dropped. */
#define TLS_HELLO_MAX_NAMES 4
/* server_name entries of any name_type looked at, over all server_name extensions. */
#define TLS_HELLO_MAX_SNI_ENTRIES 16
/* ALPN protocols kept; the rest are validated, not kept (TLS_F_ALPN_TRUNC). */
#define TLS_HELLO_MAX_ALPN 8
/* Extensions looked at; one more is MALFORMED (TOO_MANY_EXTS). */
#define TLS_HELLO_MAX_EXTS 1024
/* Longest host_name accepted (a DNS name in presentation form fits in 253 + dot). */
#define TLS_HELLO_MAX_NAME_LEN 255

enum tls_status {
	TLS_NEED_MORE = 0, /* nothing wrong yet, feed more bytes */
	TLS_DONE = 1,      /* the whole ClientHello was parsed: results valid */
	TLS_NOT_TLS = 2,   /* the first bytes are not a TLS ClientHello: stop looking */
	TLS_MALFORMED = 3, /* looks like TLS but breaks the grammar or a limit */
};

/*
 * Why a parse ended in NOT_TLS or MALFORMED. Each is meant to be a counter, so
 * the list only grows at the end (before TLS_R_COUNT). docs/parsers.md has the
 * meaning of every one.
 */
enum tls_reason {
	TLS_R_NONE = 0,
	/* NOT_TLS: decided from the first record/handshake header bytes */
	TLS_R_CONTENT_TYPE,      /* first record is not handshake (22) */
	TLS_R_RECORD_VERSION,    /* record version outside 0x0300..0x0304 */
	TLS_R_SSLV2,             /* SSLv2-compatible CLIENT-HELLO */
	TLS_R_HS_TYPE,           /* first handshake message is not client_hello (1) */
	/* MALFORMED: record layer */
	TLS_R_RECORD_LEN,        /* record length 0 or above 2^14 */
	TLS_R_INTERLEAVED,       /* non-handshake record before the hello is complete */
	TLS_R_TOO_MANY_RECORDS,  /* hello spread over more than max_records records */
	/* MALFORMED: handshake header */
	TLS_R_HS_LEN,            /* handshake length below the smallest ClientHello */
	TLS_R_TOO_BIG,           /* handshake length above the buffer capacity */
	/* MALFORMED: ClientHello body */
	TLS_R_HELLO_VERSION,     /* legacy_version outside 0x0300..0x0304 */
	TLS_R_SESSION_ID,        /* legacy_session_id longer than 32 or past the end */
	TLS_R_CIPHER_SUITES,     /* cipher_suites empty, odd or past the end */
	TLS_R_COMPRESSION,       /* legacy_compression_methods empty or past the end */
	TLS_R_EXTS_LEN,          /* extensions block does not end where the hello ends */
	TLS_R_EXT_LEN,           /* one extension runs past the extensions block */
	TLS_R_TOO_MANY_EXTS,     /* more than TLS_HELLO_MAX_EXTS extensions */
	TLS_R_SNI_LIST,          /* server_name list empty, misfit or entry past its end */
	TLS_R_SNI_EMPTY,         /* host_name of length 0 */
	TLS_R_SNI_TOO_LONG,      /* host_name longer than 255 */
	TLS_R_SNI_BAD_CHAR,      /* host_name holds NUL, a control byte or DEL */
	TLS_R_TOO_MANY_NAMES,    /* more host_names (or entries) than kept */
	TLS_R_ALPN,              /* ALPN list empty, misfit or an empty protocol */
	TLS_R_SUPPORTED_VERSIONS, /* supported_versions empty, odd or misfit */
	TLS_R_COUNT
};

/* Result flags (struct tls_hello.flags), set by the body parse. */
enum tls_flag {
	TLS_F_SNI_EXT = 1u << 0,       /* a server_name extension is present */
	TLS_F_SNI_MULTI = 1u << 1,     /* more than one host_name (RFC 6066 forbids it) */
	TLS_F_SNI_EXT_DUP = 1u << 2,   /* server_name extension appears twice or more */
	TLS_F_SNI_OTHER_TYPE = 1u << 3, /* a server_name entry with name_type != 0 */
	TLS_F_ALPN = 1u << 4,          /* application_layer_protocol_negotiation present */
	TLS_F_ALPN_TRUNC = 1u << 5,    /* more ALPN protocols than TLS_HELLO_MAX_ALPN */
	TLS_F_SUPPORTED_VERSIONS = 1u << 6, /* supported_versions present */
	/*
	 * encrypted_client_hello (0xfe0d) present. Chrome sends a GREASE ECH
	 * extension shaped exactly like a real outer one, so the wire cannot tell
	 * them apart: this flag means "ECH or GREASE ECH", and names[] holds the
	 * outer (public) SNI either way.
	 */
	TLS_F_ECH = 1u << 7,
	TLS_F_ESNI = 1u << 8,          /* draft encrypted_server_name (0xffce) present */
	TLS_F_GREASE = 1u << 9,        /* a GREASE value was seen (RFC 8701) and skipped */
	TLS_F_EXT_DUP = 1u << 10,      /* ALPN, supported_versions or ECH appears twice */
	TLS_F_NO_EXTS = 1u << 11,      /* the hello ends after compression (no extensions) */
	/*
	 * The record that completes the hello carries more bytes after it (the
	 * next handshake message or anything else). Decided from the record
	 * header, so it does not depend on how the bytes were chunked. Never set
	 * by the record-less entry points.
	 */
	TLS_F_REC_TRAILING = 1u << 12,
};

/* A run of bytes inside the hello (not NUL-terminated). */
struct tls_slice {
	const uint8_t *p;
	uint16_t len;
};

/*
 * Parser state and results for one flow's ClientHello. Fill with
 * tls_hello_init(); results are valid only once status is TLS_DONE, and the
 * slices then point into the caller's buffer given to tls_hello_init() (or into
 * the message given to tls_hello_parse_handshake()), so they live as long as it.
 */
struct tls_hello {
	/* results */
	struct tls_slice names[TLS_HELLO_MAX_NAMES]; /* host_names in wire order */
	struct tls_slice alpn[TLS_HELLO_MAX_ALPN];   /* non-GREASE ALPN protocols */
	uint32_t n_names;
	uint32_t n_alpn;
	uint32_t flags;            /* enum tls_flag bits */
	uint32_t hello_len;        /* handshake body length (after the 4-byte header) */
	uint16_t record_version;   /* of the first record; 0 for the record-less entries */
	uint16_t legacy_version;   /* ClientHello.legacy_version */
	/*
	 * Highest 0x03xx version in supported_versions (GREASE and draft values
	 * skipped); legacy_version when the extension is absent; 0 when it is
	 * present but holds no 0x03xx value.
	 */
	uint16_t max_version;
	uint16_t n_exts;           /* extensions in the hello, GREASE ones included */
	enum tls_status status;
	enum tls_reason reason;

	/* limits; max_records may be changed after tls_hello_init() */
	uint32_t max_records;

	/* gathering state (private) */
	uint8_t *buf;              /* caller's buffer for the hello body */
	size_t cap;
	uint32_t n_records;        /* record headers seen */
	uint32_t rec_left;         /* payload bytes left in the current record */
	uint32_t body_have;        /* body bytes gathered in buf */
	uint8_t rec_hdr[5];
	uint8_t rec_hdr_have;
	uint8_t hs_hdr[4];
	uint8_t hs_hdr_have;
	bool raw;                  /* record-less (handshake stream) input */
};

#endif
