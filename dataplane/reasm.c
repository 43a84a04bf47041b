/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client-stream reassembly for inspection (see reasm.h and
 * docs/reassembly.md).
 *
 * A segment (seq, len) becomes the offset range [a, b) = [seq - base,
 * seq - base + len), computed as a signed 32-bit difference (serial
 * arithmetic, RFC 1982), then clipped to [0, cap). The stream is
 *
 *   [0, contig)         contiguous, already handed to the caller
 *   r[0] ... r[n-1]     held ranges past contig: sorted, disjoint, and
 *                       neither touching each other nor contig
 *
 * An add first compares the segment with every stored byte it overlaps
 * (delivered or held): any difference rejects it (CONFLICT). Then it merges
 * [a, b) into that picture: if a <= contig the prefix grows and swallows the
 * held ranges it now reaches; otherwise [a, b) joins the ranges it overlaps
 * or touches, and if that leaves more than REASM_MAX_RANGES ranges the
 * segment is refused (TOO_MANY_HOLES). Only after both checks are bytes
 * copied, so a refused segment leaves no trace. Since overlapping bytes are
 * equal, copying the whole clipped segment is the same as copying only the
 * new bytes. Every loop runs over at most REASM_MAX_RANGES ranges.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "reasm.h"

_Static_assert(sizeof(struct reasm_slot) == 64, "slot metadata is one cache line");
_Static_assert(REASM_MAX_CAP <= UINT16_MAX, "offsets are 16-bit");
_Static_assert(REASM_MAX_RANGES < 256, "n_ranges is a uint8_t");

#define CNT_INC(p, f) __atomic_store_n(&(p)->cnt.f, (p)->cnt.f + 1, __ATOMIC_RELAXED)

static size_t round64(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

size_t reasm_pool_mem_size(uint32_t n_slots, uint32_t cap)
{
	if (n_slots == 0 || n_slots > REASM_MAX_SLOTS || cap == 0 || cap > REASM_MAX_CAP)
		return 0;
	return (size_t)n_slots * sizeof(struct reasm_slot) + round64((size_t)n_slots * 4) +
	       (size_t)n_slots * round64(cap);
}

size_t reasm_slot_bytes(uint32_t cap)
{
	return sizeof(struct reasm_slot) + 4 + round64(cap);
}

int reasm_pool_init(struct reasm_pool *p, void *mem, uint32_t n_slots, uint32_t cap)
{
	uint8_t *m = mem;

	if (p == NULL || mem == NULL || ((uintptr_t)mem & 63u) != 0 ||
	    reasm_pool_mem_size(n_slots, cap) == 0)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->slots = (struct reasm_slot *)(void *)m;
	m += (size_t)n_slots * sizeof(struct reasm_slot);
	p->free_stack = (uint32_t *)(void *)m;
	m += round64((size_t)n_slots * 4);
	p->data = m;
	p->n_slots = n_slots;
	p->cap = cap;
	p->stride = (uint32_t)round64(cap);
	memset(p->slots, 0, (size_t)n_slots * sizeof(struct reasm_slot));
	/* Lowest index on top, so slots are handed out 0, 1, 2... */
	for (uint32_t i = 0; i < n_slots; i++)
		p->free_stack[i] = n_slots - 1 - i;
	p->n_free = n_slots;
	return 0;
}

enum reasm_status reasm_alloc(struct reasm_pool *p, uint32_t base, uint32_t *h)
{
	struct reasm_slot *s;
	uint32_t i;

	if (p->n_free == 0) {
		CNT_INC(p, pool_empty);
		*h = REASM_NONE;
		return REASM_POOL_EMPTY;
	}
	i = p->free_stack[--p->n_free];
	s = &p->slots[i];
	s->base = base;
	s->contig = 0;
	s->n_ranges = 0;
	s->flags = REASM_F_USED;
	CNT_INC(p, allocs);
	*h = i;
	return REASM_OK;
}

static inline bool valid(const struct reasm_pool *p, uint32_t h)
{
	return h < p->n_slots && (p->slots[h].flags & REASM_F_USED);
}

void reasm_free(struct reasm_pool *p, uint32_t h)
{
	if (!valid(p, h)) {
		CNT_INC(p, bad_handles);
		return;
	}
	p->slots[h].flags = 0;
	p->free_stack[p->n_free++] = h;
	CNT_INC(p, frees);
}

/* Does [a, b) of src differ from any stored byte it overlaps? */
static bool differs(const struct reasm_slot *s, const uint8_t *buf, uint32_t a, uint32_t b,
		    const uint8_t *src)
{
	if (a < s->contig) {
		uint32_t hi = b < s->contig ? b : s->contig;

		if (memcmp(buf + a, src, hi - a) != 0)
			return true;
	}
	for (unsigned i = 0; i < s->n_ranges; i++) {
		uint32_t lo = s->r[i].start > a ? s->r[i].start : a;
		uint32_t hi = s->r[i].end < b ? s->r[i].end : b;

		if (s->r[i].start >= b)
			break;
		if (lo < hi && memcmp(buf + lo, src + (lo - a), hi - lo) != 0)
			return true;
	}
	return false;
}

enum reasm_status reasm_add(struct reasm_pool *p, uint32_t h, uint32_t seq,
			    const uint8_t *data, uint32_t len, struct reasm_span *out)
{
	struct reasm_slot *s;
	uint8_t *buf;
	int64_t start, end;
	uint32_t a, b, skip = 0;
	bool capped = false;
	unsigned n;

	out->data = NULL;
	out->from = out->to = 0;
	if (!valid(p, h)) {
		CNT_INC(p, bad_handles);
		return REASM_BAD_HANDLE;
	}
	s = &p->slots[h];
	buf = p->data + (size_t)h * p->stride;
	n = s->n_ranges;
	out->from = out->to = s->contig;
	out->data = buf + s->contig;
	CNT_INC(p, segments);
	if (len == 0)
		return REASM_OK;

	start = (int32_t)(seq - s->base);
	end = start + (int64_t)len;
	if (start < 0) {
		CNT_INC(p, before_base);
		if (end <= 0)
			return REASM_OK;
		skip = (uint32_t)-start;
		start = 0;
	}
	if (end > (int64_t)p->cap) {
		capped = true;
		end = p->cap;
		if (start >= end) {
			s->flags |= REASM_F_CAPPED;
			CNT_INC(p, capped);
			return REASM_CAPPED;
		}
	}
	a = (uint32_t)start;
	b = (uint32_t)end;
	data += skip;

	if (differs(s, buf, a, b, data)) {
		s->flags |= REASM_F_CONFLICT;
		CNT_INC(p, conflicts);
		return REASM_CONFLICT;
	}

	if (b <= s->contig) {
		CNT_INC(p, dup_segments);
	} else if (a <= s->contig) {
		uint32_t c = b;
		unsigned k = 0;

		memcpy(buf + s->contig, data + (s->contig - a), b - s->contig);
		while (k < n && s->r[k].start <= c) {
			if (s->r[k].end > c)
				c = s->r[k].end;
			k++;
		}
		memmove(s->r, s->r + k, (n - k) * sizeof(s->r[0]));
		s->n_ranges = (uint8_t)(n - k);
		s->contig = (uint16_t)c;
	} else {
		/* r[i..j) overlap or touch [a, b); they become one range. */
		unsigned i = 0, j;

		while (i < n && s->r[i].end < a)
			i++;
		j = i;
		while (j < n && s->r[j].start <= b)
			j++;
		if (n - (j - i) + 1 > REASM_MAX_RANGES) {
			s->flags |= REASM_F_HOLES;
			CNT_INC(p, too_many_holes);
			return REASM_TOO_MANY_HOLES;
		}
		if (j - i == 1 && s->r[i].start <= a && s->r[i].end >= b) {
			CNT_INC(p, dup_segments);
		} else {
			uint32_t ns = j > i && s->r[i].start < a ? s->r[i].start : a;
			uint32_t ne = j > i && s->r[j - 1].end > b ? s->r[j - 1].end : b;

			memcpy(buf + a, data, b - a);
			memmove(s->r + i + 1, s->r + j, (n - j) * sizeof(s->r[0]));
			s->r[i].start = (uint16_t)ns;
			s->r[i].end = (uint16_t)ne;
			s->n_ranges = (uint8_t)(n - (j - i) + 1);
		}
	}
	out->to = s->contig;
	if (capped) {
		s->flags |= REASM_F_CAPPED;
		CNT_INC(p, capped);
		return REASM_CAPPED;
	}
	return REASM_OK;
}

const char *reasm_status_str(enum reasm_status s)
{
	static const char *const names[REASM_STATUS_COUNT] = {
		[REASM_OK] = "ok",
		[REASM_CAPPED] = "capped",
		[REASM_CONFLICT] = "conflict",
		[REASM_TOO_MANY_HOLES] = "too_many_holes",
		[REASM_POOL_EMPTY] = "pool_empty",
		[REASM_BAD_HANDLE] = "bad_handle",
	};

	return (unsigned)s < REASM_STATUS_COUNT ? names[s] : "unknown";
}
