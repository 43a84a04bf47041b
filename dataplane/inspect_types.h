/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_DP_INSPECT_TYPES_H
#define KB_DP_INSPECT_TYPES_H

#include <stdint.h>

#include "dns_types.h"
#include "h2c_types.h"
#include "hostname_types.h"
#include "http_chunked_types.h"
#include "http_head_types.h"
#include "quic_initial_types.h"
#include "sig_types.h"
#include "tls_hello_types.h"

/* Names one stream can yield: the most either parser keeps. */
#define INSP_MAX_NAMES 4u

/* Distinct (field, name) pairs a flow remembers, so that each is reported
 * once: a Host equal to the absolute URI's host, the same Host again on a
 * later request of the connection. Past that many, names are reported
 * again (matching never depends on this). */
#define INSP_SEEN_MAX 8u

enum insp_proto {
	INSP_P_UNKNOWN = 0, /* no byte seen yet */
	INSP_P_TLS,         /* first byte 0x16: TLS record layer */
	INSP_P_HTTP,        /* anything else: tried as an HTTP/1 request head */
	INSP_P_H2C,         /* the HTTP/2 preface: HTTP/2 cleartext (inspect.c) */
	INSP_P_DNS,         /* a DNS port: a DNS query (TCP stream or UDP datagram) */
	INSP_P_QUIC,        /* a QUIC port: client Initial datagrams */
};

enum insp_status {
	INSP_NEED_MORE = 0, /* no verdict yet: feed the next in-order bytes */
	INSP_PASS,          /* inspection over, nothing barred (or nothing to read) */
	INSP_MATCH,         /* a block rule matched: out->decide names it */
	INSP_SCAN_ERROR,    /* the matcher failed on a name and none matched: apply
			       the fail-open / fail-closed policy */
	INSP_GIVE_UP,       /* a parser limit was hit before the names were all
			       known (hello too big or in too many records, head
			       too long, too many names or fields): apply the
			       fail policy, since a client can choose to hit it */
	INSP_CONFLICT,      /* the client sent the same stream bytes twice with
			       different content (QUIC CRYPTO frames): apply the
			       conflict policy */
};

/* One name found in the stream, in the order the client sent them. */
struct insp_name {
	const uint8_t *raw;  /* as sent, into the flow's buffer (TLS: SNI; HTTP: host
				without port or brackets) */
	uint16_t raw_len;
	uint16_t port;       /* HTTP ":port" when INSP_NAME_F_PORT */
	uint8_t field;       /* enum sig_field */
	uint8_t flags;       /* INSP_NAME_F_* */
	uint8_t host_status; /* enum host_status of the normalisation */
	int8_t match_rc;     /* sig_match's: 1 matched, 0 none, < 0 error; 0 when
				the name was not matched (not a name) */
	uint16_t norm_len;
	struct sig_verdict v;
	char norm[HOST_NAME_BUF_SIZE]; /* normalised, NUL-terminated */
};

#define INSP_NAME_F_PORT 0x01u       /* HTTP name carried a port */
#define INSP_NAME_F_IP_LITERAL 0x02u /* HTTP "[v6]" literal, brackets stripped */

/*
 * What one feed produced. names[] holds the names first seen in this call
 * (each name is reported once per flow), so a caller logs them as they come.
 * used is how many of the bytes fed were read: all of them, except when
 * the call stopped at the start of a later request head with names to
 * report (at most one head's names per call): feed the rest again.
 */
struct insp_out {
	uint32_t n_names;
	uint32_t used;          /* bytes of this call consumed (see above) */
	int32_t decide;         /* index into names[] of the deciding block match, or -1 */
	uint8_t proto;          /* enum insp_proto */
	uint8_t parse_status;   /* tls_, http_, h2c_, dns_ or quic_status once terminal */
	uint8_t parse_reason;   /* the parser's reason */
	uint32_t parse_flags;   /* the parser's flag bits, once terminal */
	struct insp_name names[INSP_MAX_NAMES];
};

/* QUIC: the parser's state, and what outlives its restarts after a
 * datagram that is not a client Initial (inspect_l7.h). */
struct insp_quic {
	struct quic_initial q;
	uint32_t n_datagrams; /* client datagrams fed, restarts included */
	uint32_t flags;       /* quic_flag bits seen, restarts included */
};

/* DNS over TCP: the first message, gathered into the flow's buffer. */
struct insp_dns {
	uint32_t have;       /* bytes gathered */
	struct dns_query q;
};

/* Where a flow's stream is between units (inspect.h, "Later units"). */
enum insp_stage {
	INSP_ST_UNIT = 0, /* a parser (proto) reads a unit: hello, request head */
	INSP_ST_BODY,     /* skipping body_left bytes of a request body */
	INSP_ST_CHUNKED,  /* skipping a chunked request body (u.chunked) */
};

/*
 * Per-flow inspection state: lives in a pool slot beside its gather buffer.
 * One parser runs at a time, chosen by the first byte (TLS or HTTP/1), by
 * the port (DNS, QUIC), or by the HTTP/2 preface (HTTP/1, then h2c); after
 * a clean HTTP/1 head, the next unit of the connection gets a fresh one.
 */
struct insp_flow {
	uint8_t proto;       /* enum insp_proto of the current unit */
	uint8_t done;        /* terminal: later feeds return status unchanged */
	uint8_t status;      /* enum insp_status once done */
	uint8_t names_seen;  /* names of the current HTTP head already matched */
	uint8_t n_seen;      /* entries of seen[] */
	uint8_t stage;       /* enum insp_stage */
	uint8_t units;       /* units read clean before the current one (saturating) */
	uint32_t cap;        /* bytes at buf: the current unit's share of the buffer */
	uint64_t body_left;  /* INSP_ST_BODY: request body bytes still to skip */
	uint64_t seen[INSP_SEEN_MAX]; /* hashes of the (field, name) pairs reported */
	uint8_t *buf;        /* the current unit's gather buffer: past the earlier heads */
	union {
		struct tls_hello tls;
		struct http_head http;
		struct http_chunked chunked;
		struct h2c h2c;
		struct insp_quic quic;
		struct insp_dns dns;
	} u;
};

#endif
