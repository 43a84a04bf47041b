/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_PROTO_HPACK_TYPES_H
#define KB_PROTO_HPACK_TYPES_H

/* Types of the HPACK header-block decoder (hpack.h has the functions). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Entries of the static table (RFC 7541 Appendix A). */
#define HPACK_STATIC_ENTRIES 61
/* Dynamic table size a connection starts with (RFC 9113 §6.5.2). */
#define HPACK_DEFAULT_TABLE_SIZE 4096
/* Largest size a Dynamic Table Size Update may set. The server's
 * SETTINGS_HEADER_TABLE_SIZE (the real bound) is not seen on the client's
 * side of the flow; 64 KiB is well above what servers advertise. */
#define HPACK_MAX_TABLE_SIZE 65536
/* Dynamic entries kept. A 4096-byte table could hold 128 empty ones (32
 * bytes of overhead each), but a request's header block inserts a few dozen
 * real ones; more live entries than this is MALFORMED(TOO_MANY_ENTRIES),
 * never a wrong lookup. Kept small: the decoder sits in per-flow state. */
#define HPACK_MAX_ENTRIES 64
/* Fields decoded per block before giving up. */
#define HPACK_MAX_FIELDS 1024
/* Largest integer accepted (string lengths, indexes, sizes). */
#define HPACK_MAX_INT ((1u << 24) - 1)
/* RFC 7541 §4.1: each entry counts 32 bytes besides its name and value. */
#define HPACK_ENTRY_OVERHEAD 32

#define HPACK_HUFF_SYMBOLS 257
#define HPACK_HUFF_EOS 256
#define HPACK_HUFF_MAX_LEN 30

enum hpack_status {
	HPACK_OK = 0,
	HPACK_MALFORMED = 1,
	HPACK_STOPPED = 2, /* the field callback asked to stop */
};

/* Why a block is MALFORMED; each one is a counter. */
enum hpack_reason {
	HPACK_R_NONE = 0,
	HPACK_R_INTEGER,        /* an integer cut short or above HPACK_MAX_INT */
	HPACK_R_INDEX,          /* index 0, or past the static and dynamic tables */
	HPACK_R_STRING,         /* a string longer than the block */
	HPACK_R_HUFFMAN,        /* bad code, EOS inside, padding over 7 bits or not all ones */
	HPACK_R_SIZE_UPDATE,    /* a table size update after a field, or above the maximum */
	HPACK_R_TOO_MANY_ENTRIES, /* more than HPACK_MAX_ENTRIES dynamic entries */
	HPACK_R_SCRATCH,        /* no room left for a Huffman-decoded string */
	HPACK_R_TOO_MANY_FIELDS, /* more than HPACK_MAX_FIELDS fields */
	HPACK_R_COUNT
};

/* One decoded field; bytes point into the block, the scratch or the static table. */
struct hpack_field {
	const uint8_t *name;
	const uint8_t *value;
	uint32_t name_len;
	uint32_t value_len;
	uint8_t rep;           /* enum hpack_rep */
	bool huffman;          /* the value was Huffman-coded */
	bool dynamic;          /* the field or its name came from the dynamic table */
};

/* How a field was represented (RFC 7541 §6). */
enum hpack_rep {
	HPACK_REP_INDEXED = 0,  /* §6.1 */
	HPACK_REP_INCREMENTAL,  /* §6.2.1: added to the dynamic table */
	HPACK_REP_WITHOUT,      /* §6.2.2 */
	HPACK_REP_NEVER,        /* §6.2.3 */
};

struct hpack_entry {
	const uint8_t *name;
	const uint8_t *value;
	uint32_t name_len;
	uint32_t value_len;
};

/*
 * Decoder state for one connection's header blocks. Entries point at bytes
 * the caller keeps alive: the blocks themselves and the scratch area given to
 * hpack_dec_init(), where Huffman-coded strings are decoded (never freed
 * within a decoder's life).
 */
struct hpack_dec {
	struct hpack_entry dyn[HPACK_MAX_ENTRIES]; /* ring: newest at head */
	uint32_t n_dyn;
	uint32_t head;          /* index of the newest entry */
	uint32_t size;          /* RFC 7541 §4.1 size of the table */
	uint32_t max_size;      /* current maximum (table size updates) */
	uint8_t *scratch;
	size_t scratch_cap;
	size_t scratch_used;
	uint32_t n_fields;      /* fields decoded by the last hpack_decode_block() */
	enum hpack_reason reason;
};

#endif
