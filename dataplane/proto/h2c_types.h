/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_PROTO_H2C_TYPES_H
#define KB_PROTO_H2C_TYPES_H

/*
 * Types of the HTTP/2 cleartext (prior knowledge) request parser (h2c.h has
 * the functions and the description of what is accepted).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hpack_types.h"

#define H2C_PREFACE_LEN 24
#define H2C_FRAME_HDR_LEN 9
/* Buffer the dataplane gives a flow: the first request's header block, then
 * the strings its Huffman coding decodes to. */
#define H2C_DEFAULT_CAP 16384
/* Frames looked at before the first request's header block is whole
 * (SETTINGS, WINDOW_UPDATE, PRIORITY, extensions, CONTINUATION). */
#define H2C_MAX_FRAMES 64
/* Names kept (:authority and host fields); one more is MALFORMED. */
#define H2C_MAX_NAMES 4

enum h2c_status {
	H2C_NEED_MORE = 0, /* nothing wrong yet, feed more bytes */
	H2C_DONE = 1,      /* the first request's header block was decoded */
	H2C_NOT_H2 = 2,    /* the stream does not start with the HTTP/2 preface */
	H2C_MALFORMED = 3, /* breaks the protocol or a limit */
};

/* Why a parse ended in NOT_H2 or MALFORMED; each one is a counter. */
enum h2c_reason {
	H2C_R_NONE = 0,
	H2C_R_PREFACE,        /* NOT_H2: a byte differs from the connection preface */
	H2C_R_FIRST_FRAME,    /* the first frame is not SETTINGS (RFC 9113 §3.4) */
	H2C_R_SETTINGS,       /* SETTINGS on a stream, or of a bad length */
	H2C_R_FRAME_SIZE,     /* WINDOW_UPDATE/PRIORITY/PING of the wrong length, or a
				 HEADERS frame shorter than its pad/priority fields */
	H2C_R_FRAME_ORDER,    /* DATA, RST_STREAM or PUSH_PROMISE before the request */
	H2C_R_STREAM_ID,      /* HEADERS on stream 0 or an even (server) stream */
	H2C_R_PADDING,        /* pad length beyond the frame */
	H2C_R_CONTINUATION,   /* CONTINUATION out of place, or another frame inside a block */
	H2C_R_TOO_MANY_FRAMES, /* more than H2C_MAX_FRAMES frames before the block ends */
	H2C_R_TOO_BIG,        /* the header block does not fit the buffer */
	H2C_R_HPACK,          /* the block does not decode: hpack_reason says why */
	H2C_R_AUTHORITY,      /* :authority or host with userinfo, a bad port, or a
				 control byte, space, '/', '?', '#' or '@' */
	H2C_R_TOO_MANY_NAMES, /* more than H2C_MAX_NAMES :authority and host fields */
	H2C_R_COUNT
};

/* Result flags (struct h2c.flags). */
enum h2c_flag {
	H2C_F_AMBIGUOUS = 1u << 0,    /* names that differ (:authority vs host, or repeats) */
	H2C_F_DUP_AUTHORITY = 1u << 1, /* :authority twice (a malformed request) */
	H2C_F_DUP_HOST = 1u << 2,     /* host twice */
	H2C_F_NO_NAME = 1u << 3,      /* neither :authority nor host */
	H2C_F_EMPTY_NAME = 1u << 4,   /* an empty :authority or host value */
	H2C_F_UPPERCASE = 1u << 5,    /* "Host" in capitals (HTTP/2 wants lower case) */
	H2C_F_PADDED = 1u << 6,       /* the HEADERS frame was padded */
	H2C_F_PRIORITY = 1u << 7,     /* the HEADERS frame carried priority fields */
	H2C_F_CONTINUATION = 1u << 8, /* the block spanned CONTINUATION frames */
	H2C_F_HUFFMAN = 1u << 9,      /* a name's value was Huffman-coded */
	H2C_F_DYNAMIC = 1u << 10,     /* the block used the dynamic table */
	H2C_F_GOAWAY = 1u << 11,      /* a GOAWAY came before the request */
	H2C_F_UNKNOWN_FRAME = 1u << 12, /* an extension frame type was skipped */
};

/* Where a name came from. */
enum h2c_source {
	H2C_SRC_AUTHORITY = 0,
	H2C_SRC_HOST = 1,
};

/* A host name: the field value without port and IPv6 brackets. */
struct h2c_name {
	const uint8_t *p;
	uint16_t len;
	uint8_t source;     /* enum h2c_source */
	bool ip_literal;    /* was in brackets */
	uint32_t port;      /* 0 when absent */
};

enum h2c_phase {
	H2C_PH_PREFACE = 0,
	H2C_PH_FRAME_HDR,
	H2C_PH_SKIP,        /* payload of a frame not looked into */
	H2C_PH_PREFIX,      /* HEADERS pad length and priority fields */
	H2C_PH_GATHER,      /* header block fragment, into buf */
	H2C_PH_PAD,         /* HEADERS padding */
};

/*
 * Parser state and results for one connection's first request. Fill with
 * h2c_init(). Results are valid only with H2C_DONE; names point into the
 * caller's buffer.
 */
struct h2c {
	/* results */
	struct h2c_name names[H2C_MAX_NAMES]; /* in field order */
	uint32_t n_names;
	uint32_t flags;            /* enum h2c_flag */
	uint32_t stream_id;        /* of the first HEADERS frame */
	uint32_t block_len;        /* header block bytes */
	uint32_t n_frames;         /* frames seen */
	uint32_t n_fields;         /* fields in the block */
	enum h2c_status status;
	enum h2c_reason reason;
	enum hpack_reason hpack_reason; /* with H2C_R_HPACK */

	/* private */
	uint8_t *buf;
	size_t cap;
	uint32_t preface_have;
	uint32_t frame_len;
	uint32_t frame_stream;
	uint32_t skip_left;
	uint32_t gather_left;
	uint32_t pad_left;
	uint8_t phase;             /* enum h2c_phase */
	uint8_t hdr[H2C_FRAME_HDR_LEN];
	uint8_t hdr_have;
	uint8_t frame_type;
	uint8_t frame_flags;
	uint8_t prefix[6];
	uint8_t prefix_have;
	uint8_t prefix_need;
	bool in_block;             /* a HEADERS without END_HEADERS was seen */
	struct hpack_dec hpack;
};

#endif
