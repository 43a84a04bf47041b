/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_DATAPLANE_REASM_H
#define KB_DATAPLANE_REASM_H

/*
 * Reassembly of a client's byte stream for inspection: the first `cap`
 * bytes of the client->server direction of an INSPECTING flow, so that the
 * incremental parsers (proto/tls_hello.h, proto/http_head.h) see them in
 * order, each byte once. Segments may come in any order, repeat, overlap;
 * each add returns the range that just became contiguous, which is exactly
 * what to feed next. Overlaps must repeat the same bytes: a difference is
 * REASM_CONFLICT (docs/reassembly.md says why).
 *
 * One pool per worker lcore: a fixed number of slots in caller memory, O(1)
 * alloc and free, no allocation after init, no locks. A slot is its 64-byte
 * metadata plus a buffer of `cap` bytes (rounded up to 64) indexed by stream
 * offset; nothing slides, so delivered bytes stay there to check
 * retransmissions against.
 */

#include <stddef.h>
#include <stdint.h>

#include "reasm_types.h"

/* Bytes of memory for n_slots slots of cap bytes; 0 if n_slots is 0 or above
 * REASM_MAX_SLOTS, or cap is 0 or above REASM_MAX_CAP. */
size_t reasm_pool_mem_size(uint32_t n_slots, uint32_t cap);

/* Memory one slot takes in the pool: 64 bytes of metadata, a 4-byte
 * free-list cell and the buffer (cap rounded up to 64). */
size_t reasm_slot_bytes(uint32_t cap);

/* Sets up *p over mem (reasm_pool_mem_size() bytes, 64-byte aligned, any
 * content). Returns 0 or -EINVAL. */
int reasm_pool_init(struct reasm_pool *p, void *mem, uint32_t n_slots, uint32_t cap);

/*
 * Takes a slot for a stream whose byte 0 has sequence number `base` (ISN + 1
 * when the SYN or SYN-ACK was seen, else the first data segment's seq: see
 * FLOW_EV_FIRST_DATA). REASM_OK with *h set, or REASM_POOL_EMPTY (counted;
 * the caller applies its fail-open / fail-closed policy).
 */
enum reasm_status reasm_alloc(struct reasm_pool *p, uint32_t base, uint32_t *h);

/* Returns the slot. A handle that is not allocated is counted (bad_handles)
 * and otherwise ignored, so a double free cannot corrupt the free list. */
void reasm_free(struct reasm_pool *p, uint32_t h);

/*
 * Adds len bytes at sequence number seq (serial arithmetic, so the stream
 * may cross 2^32). Bytes before base are dropped, bytes at or past cap are
 * dropped (REASM_CAPPED). *out gets the bytes that became contiguous,
 * [out->from, out->to) of reasm_data(): feed exactly those to the parser.
 * out is empty unless the status is OK or CAPPED. CONFLICT and
 * TOO_MANY_HOLES reject the whole segment (nothing of it is kept) and set
 * the slot's sticky flag. data may be NULL when len is 0.
 */
enum reasm_status reasm_add(struct reasm_pool *p, uint32_t h, uint32_t seq,
			    const uint8_t *data, uint32_t len, struct reasm_span *out);

/* The slot's buffer: stream byte k is at [k]; valid up to reasm_contig(). */
static inline const uint8_t *reasm_data(const struct reasm_pool *p, uint32_t h)
{
	return p->data + (size_t)h * p->stride;
}

/* Contiguous bytes so far (all delivered). h must be allocated. */
static inline uint32_t reasm_contig(const struct reasm_pool *p, uint32_t h)
{
	return p->slots[h].contig;
}

/* REASM_F_* of the slot. h must be allocated. */
static inline uint8_t reasm_flags(const struct reasm_pool *p, uint32_t h)
{
	return p->slots[h].flags;
}

/* Slots free now. */
static inline uint32_t reasm_free_count(const struct reasm_pool *p)
{
	return p->n_free;
}

/* "ok", "capped", "conflict", "too_many_holes", "pool_empty", "bad_handle";
 * "unknown" if out of range. */
const char *reasm_status_str(enum reasm_status s);

#endif
