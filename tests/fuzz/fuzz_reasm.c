/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the stream reassembly (dataplane/reasm.c).
 *
 * Input layout:
 *
 *   input   = hdr *("SEG!" segment)
 *   hdr     = capsel(1) base(4, big-endian)       shorter input: defaults
 *   segment = off(2, big-endian, signed) xor-bytes
 *
 * cap = 64 * (1 + (capsel & 15)) - (capsel >> 4), so 49..1024 bytes; when
 * capsel >> 4 is 0 the buffer ends exactly where the allocation does and
 * ASan sees any write past the window. A segment's bytes are
 * truth(off + i) ^ xor-bytes[i]: zero bytes repeat the stream faithfully
 * (retransmissions, overlaps), other bytes make conflicting copies.
 *
 * Each segment goes to reasm_add() and to a byte-map reference of the
 * documented policy (one "have" flag and one value per offset); the status,
 * the delivered range and every delivered byte must agree, the spans must
 * follow each other and stay inside [0, cap). Seeds: tests/fuzz/corpus/reasm/
 * (written by tests/fuzz/corpus/reasm/make-seeds.py).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reasm.h"

#define CHECK(cond)                                                           \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "reasm check failed: %s (line %d)\n", \
				#cond, __LINE__);                             \
			abort();                                              \
		}                                                             \
	} while (0)

#define SEP "SEG!"
#define SEP_LEN 4u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t truth(uint32_t off)
{
	return (uint8_t)(off * 131u + 7u);
}

struct model {
	uint32_t cap;
	uint32_t contig;
	uint8_t have[REASM_MAX_CAP];
	uint8_t val[REASM_MAX_CAP];
};

static struct model m;

static unsigned model_runs(uint32_t a, uint32_t b)
{
	unsigned runs = 0;
	uint32_t i = 0;
	bool in = false;

	while (i < m.cap && (m.have[i] || (i >= a && i < b)))
		i++;
	for (; i < m.cap; i++) {
		bool h = m.have[i] || (i >= a && i < b);

		if (h && !in)
			runs++;
		in = h;
	}
	return runs;
}

static enum reasm_status model_add(int64_t start, const uint8_t *d, uint32_t len)
{
	int64_t end = start + len;
	bool capped = false;
	uint32_t a, b;

	if (len == 0 || end <= 0)
		return REASM_OK;
	if (start < 0) {
		d += -start;
		start = 0;
	}
	if (end > m.cap) {
		capped = true;
		end = m.cap;
		if (start >= end)
			return REASM_CAPPED;
	}
	a = (uint32_t)start;
	b = (uint32_t)end;
	for (uint32_t i = a; i < b; i++)
		if (m.have[i] && m.val[i] != d[i - a])
			return REASM_CONFLICT;
	if (model_runs(a, b) > REASM_MAX_RANGES)
		return REASM_TOO_MANY_HOLES;
	for (uint32_t i = a; i < b; i++) {
		m.have[i] = 1;
		m.val[i] = d[i - a];
	}
	while (m.contig < m.cap && m.have[m.contig])
		m.contig++;
	return capped ? REASM_CAPPED : REASM_OK;
}

static void run_segment(struct reasm_pool *p, uint32_t h, uint32_t base, const uint8_t *seg,
			size_t len)
{
	int16_t off;
	uint32_t n;
	uint8_t *bytes;
	struct reasm_span sp;
	enum reasm_status want, got;
	uint32_t before = reasm_contig(p, h);

	if (len < 2)
		return;
	off = (int16_t)(uint16_t)(seg[0] << 8 | seg[1]);
	n = (uint32_t)(len - 2);
	/* exact-size copy, so ASan sees any read past the segment */
	bytes = malloc(n ? n : 1);
	CHECK(bytes != NULL);
	for (uint32_t i = 0; i < n; i++)
		bytes[i] = truth((uint32_t)(off + (int32_t)i)) ^ seg[2 + i];

	want = model_add(off, bytes, n);
	got = reasm_add(p, h, base + (uint32_t)(int32_t)off, n ? bytes : NULL, n, &sp);
	CHECK(got == want);
	CHECK(strcmp(reasm_status_str(got), "unknown") != 0);
	CHECK(reasm_contig(p, h) == m.contig);
	CHECK(sp.from == before);
	if (got == REASM_OK || got == REASM_CAPPED) {
		CHECK(sp.to == m.contig);
	} else {
		CHECK(sp.to == sp.from);
	}
	CHECK(sp.to <= p->cap);
	CHECK(sp.data == reasm_data(p, h) + sp.from);
	if (sp.to > sp.from)
		CHECK(memcmp(sp.data, m.val + sp.from, sp.to - sp.from) == 0);
	CHECK(p->slots[h].n_ranges <= REASM_MAX_RANGES);
	if (got == REASM_CONFLICT)
		CHECK(reasm_flags(p, h) & REASM_F_CONFLICT);
	if (got == REASM_TOO_MANY_HOLES)
		CHECK(reasm_flags(p, h) & REASM_F_HOLES);
	if (got == REASM_CAPPED)
		CHECK(reasm_flags(p, h) & REASM_F_CAPPED);
	free(bytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t capsel = size > 0 ? data[0] : 0;
	uint32_t base = size >= 5 ? (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 |
					    (uint32_t)data[3] << 8 | data[4]
				  : 0xfffffc00u;
	uint32_t cap = 64u * (1u + (capsel & 15u)) - (capsel >> 4);
	size_t msz = reasm_pool_mem_size(1, cap);
	struct reasm_pool p;
	void *mem;
	uint8_t *in;
	uint32_t h, h2;
	size_t pos, end;

	/* exact-size copy of the whole input */
	in = malloc(size ? size : 1);
	CHECK(in != NULL);
	memcpy(in, data, size);
	CHECK(msz % 64 == 0);
	mem = aligned_alloc(64, msz);
	CHECK(mem != NULL);
	CHECK(reasm_pool_init(&p, mem, 1, cap) == 0);
	CHECK(reasm_alloc(&p, base, &h) == REASM_OK);
	CHECK(reasm_alloc(&p, base, &h2) == REASM_POOL_EMPTY && h2 == REASM_NONE);
	CHECK(reasm_free_count(&p) == 0);

	memset(m.have, 0, cap);
	m.cap = cap;
	m.contig = 0;

	pos = size < 5 ? size : 5;
	while (pos < size) {
		const uint8_t *sep = memmem(in + pos, size - pos, SEP, SEP_LEN);

		end = sep != NULL ? (size_t)(sep - in) : size;
		run_segment(&p, h, base, in + pos, end - pos);
		pos = sep != NULL ? end + SEP_LEN : size;
	}
	CHECK(memcmp(reasm_data(&p, h), m.val, m.contig) == 0);
	reasm_free(&p, h);
	CHECK(reasm_free_count(&p) == 1);
	reasm_free(&p, h);
	CHECK(p.cnt.bad_handles == 1);
	free(mem);
	free(in);
	return 0;
}
