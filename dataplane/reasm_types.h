/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_DATAPLANE_REASM_TYPES_H
#define KB_DATAPLANE_REASM_TYPES_H

/*
 * Types of the client-stream reassembly (reasm.h has the functions,
 * docs/reassembly.md the overlap policy and the reasons behind it).
 */

#include <stdint.h>

/*
 * Default stream cap per flow: a 16 KiB ClientHello body is 16388 handshake
 * bytes, 16398 with its two record headers; the extra 256 bytes leave room
 * for ~50 more record headers (a hello sliced into small records).
 */
#define REASM_DEFAULT_CAP (16384u + 256u)
/* Offsets are 16-bit: the largest cap. */
#define REASM_MAX_CAP 65535u
/* Largest pool: slot indices stay clear of REASM_NONE. */
#define REASM_MAX_SLOTS (1u << 24)
/* Held (out-of-order) ranges per stream; one more hole is TOO_MANY_HOLES. A
 * 16 KiB hello is 12 segments at MSS 1460, so any order of those fits. */
#define REASM_MAX_RANGES 14u
/* No slot. Same value as FLOW_NONE, so the flow entry can hold either. */
#define REASM_NONE UINT32_MAX

enum reasm_status {
	REASM_OK = 0,          /* accepted (possibly nothing new: a retransmission) */
	REASM_CAPPED,          /* accepted up to the cap; bytes past it were dropped */
	REASM_CONFLICT,        /* overlap with bytes that differ: segment rejected */
	REASM_TOO_MANY_HOLES,  /* would need more than REASM_MAX_RANGES held ranges: rejected */
	REASM_POOL_EMPTY,      /* reasm_alloc(): no free slot */
	REASM_BAD_HANDLE,      /* not an allocated slot of this pool */
	REASM_STATUS_COUNT
};

/* struct reasm_slot.flags (the last three are sticky: they stay once set) */
#define REASM_F_USED 0x01u
#define REASM_F_CAPPED 0x02u   /* the stream went past the cap */
#define REASM_F_CONFLICT 0x04u /* a conflicting overlap was seen */
#define REASM_F_HOLES 0x08u    /* a segment was refused for too many holes */

/* Bytes [start, end) of the stream held beyond the contiguous prefix. */
struct reasm_range {
	uint16_t start;
	uint16_t end;
};

/*
 * Per-stream metadata: one cache line. Byte k of the stream (sequence number
 * base + k) sits at data[k] of the slot's buffer. [0, contig) is contiguous
 * and has been handed out; r[0..n_ranges) are the held ranges, sorted,
 * disjoint, not touching each other or contig.
 */
struct reasm_slot {
	uint32_t base;
	uint16_t contig;
	uint8_t n_ranges;
	uint8_t flags;
	struct reasm_range r[REASM_MAX_RANGES];
};

/* Newly contiguous bytes after an add: [from, to) of the slot's buffer,
 * which start at data (to - from bytes; data is never NULL for a valid slot). */
struct reasm_span {
	const uint8_t *data;
	uint32_t from;
	uint32_t to;
};

/* Monotonic counters, written only by the owning lcore (relaxed stores). */
struct reasm_counters {
	uint64_t allocs;
	uint64_t frees;
	uint64_t pool_empty;     /* reasm_alloc() found no slot */
	uint64_t segments;       /* reasm_add() calls on valid slots */
	uint64_t dup_segments;   /* segments that added no byte (retransmissions) */
	uint64_t before_base;    /* segments trimmed (partly or wholly) before byte 0 */
	uint64_t capped;         /* segments trimmed at the cap */
	uint64_t conflicts;
	uint64_t too_many_holes;
	uint64_t bad_handles;    /* calls with a handle that is not allocated */
};

struct reasm_pool {
	struct reasm_slot *slots; /* n_slots x 64 B */
	uint32_t *free_stack;     /* n_free valid entries */
	uint8_t *data;            /* n_slots x stride */
	uint32_t n_slots;
	uint32_t n_free;
	uint32_t cap;             /* stream bytes kept per slot */
	uint32_t stride;          /* cap rounded up to 64 */
	struct reasm_counters cnt;
};

#endif
