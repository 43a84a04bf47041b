/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rough cost of the flow table and the reassembly, one core, no DPDK:
 *
 *   bench_flow [seconds-per-case [thp]]     (default 1, 4 KB pages)
 *
 * For 1k and 1M resident flows (tables of 1024 and 2^20 entries, filled to
 * 98% and 95%): flow_lookup of a random resident key, alone and in bursts of
 * 32 with the two prefetch stages first (as the worker loop does), and
 * software-pipelined (buckets prefetched two bursts ahead, entries one); a lookup
 * of an absent key; flow_track of an ACK of a resident flow in bursts. Then
 * reassembly: a 1783-byte hello in two in-order segments, and the same two
 * segments reversed (slot alloc and free included). Keys are random IPv4
 * TCP 5-tuples hashed with flow_key_hash() beforehand; lookups pick keys
 * at random (the stream itself is read in order), so at 1M nearly every
 * bucket and entry is a cache miss. "thp" asks for 2 MB pages (madvise), closer to DPDK's hugepage
 * memory. Timing is wall clock over the whole run: figures are rough.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "flow.h"
#include "reasm.h"

#define BURST 32u

static volatile uint64_t sink;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t cycles(void)
{
#if defined(__x86_64__)
	return __rdtsc();
#else
	return 0;
#endif
}

struct keys {
	struct flow_key *k;
	uint32_t *h;
	bool *sw;
	uint32_t n;
};

static void make_keys(struct keys *ks, uint32_t n)
{
	ks->k = malloc(sizeof(*ks->k) * n);
	ks->h = malloc(sizeof(*ks->h) * n);
	ks->sw = malloc(sizeof(*ks->sw) * n);
	if (ks->k == NULL || ks->h == NULL || ks->sw == NULL)
		exit(1);
	ks->n = n;
	for (uint32_t i = 0; i < n; i++) {
		struct l3l4_desc d;
		uint32_t src = 0x0a000000u | (rnd() & 0xffffff), dst = rnd();

		memset(&d, 0, sizeof(d));
		d.ip_version = 4;
		d.l4_proto = L3L4_IPPROTO_TCP;
		d.l4_off = 34;
		memcpy(d.src, &src, 4);
		memcpy(d.dst, &dst, 4);
		d.sport = (uint16_t)(1024 + (i & 0x7fff));
		d.dport = 443;
		flow_key_from_desc(&d, &ks->k[i], &ks->sw[i]);
		ks->h[i] = flow_key_hash(&ks->k[i]);
	}
}

/*
 * The lookup stream: len random picks among the n keys, copied out in order
 * so the benchmark reads its own input sequentially (the dataplane builds
 * each key on the stack from the packet); only the table's accesses are
 * random.
 */
static void stream(const struct keys *src, uint32_t len, struct keys *out)
{
	out->k = malloc(sizeof(*out->k) * len);
	out->h = malloc(sizeof(*out->h) * len);
	out->sw = malloc(sizeof(*out->sw) * len);
	if (out->k == NULL || out->h == NULL || out->sw == NULL)
		exit(1);
	out->n = len;
	for (uint32_t i = 0; i < len; i++) {
		uint32_t j = rnd() % src->n;

		out->k[i] = src->k[j];
		out->h[i] = src->h[j];
		out->sw[i] = src->sw[j];
	}
}

static void keys_free(struct keys *ks)
{
	free(ks->k);
	free(ks->h);
	free(ks->sw);
}

struct result {
	double ns;
	double cyc;
};

static void report(const char *what, uint32_t flows, struct result r)
{
	printf("%-34s %8u  %7.1f ns  %7.0f cycles\n", what, flows, r.ns, r.cyc);
}

enum mode { M_LOOKUP, M_LOOKUP_BURST, M_LOOKUP_PIPE, M_MISS, M_TRACK_BURST };

static struct result run(struct flow_table *t, const struct keys *ks, enum mode mode,
			 double secs, uint32_t *tick)
{
	uint32_t len = ks->n & ~(BURST - 1);
	uint64_t ops = 0, c0 = cycles();
	double t0 = now_s(), t1;
	uint64_t acc = 0;

	do {
		for (uint32_t base = 0; base + BURST <= len; base += BURST) {
			uint32_t o[3 * BURST];
			struct flow_entry *e;

			for (uint32_t i = 0; i < 3 * BURST; i++)
				o[i] = base + i < len ? base + i : 0;

			switch (mode) {
			case M_LOOKUP:
				for (uint32_t i = 0; i < BURST; i++) {
					e = flow_lookup(t, &ks->k[o[i]], ks->h[o[i]], *tick);
					acc += e != NULL;
				}
				break;
			case M_LOOKUP_BURST:
				for (uint32_t i = 0; i < BURST; i++)
					flow_prefetch(t, ks->h[o[i]]);
				for (uint32_t i = 0; i < BURST; i++)
					flow_prefetch_entry(t, ks->h[o[i]]);
				for (uint32_t i = 0; i < BURST; i++) {
					e = flow_lookup(t, &ks->k[o[i]], ks->h[o[i]], *tick);
					acc += e != NULL;
				}
				break;
			case M_LOOKUP_PIPE:
				/* buckets two bursts ahead, entries one burst ahead */
				if (base + 3 * BURST <= len)
					for (uint32_t i = 0; i < BURST; i++)
						flow_prefetch(t, ks->h[o[2 * BURST + i]]);
				if (base + 2 * BURST <= len)
					for (uint32_t i = 0; i < BURST; i++)
						flow_prefetch_entry(t, ks->h[o[BURST + i]]);
				for (uint32_t i = 0; i < BURST; i++) {
					e = flow_lookup(t, &ks->k[o[i]], ks->h[o[i]], *tick);
					acc += e != NULL;
				}
				break;
			case M_MISS:
				for (uint32_t i = 0; i < BURST; i++)
					flow_prefetch(t, ks->h[o[i]]);
				for (uint32_t i = 0; i < BURST; i++) {
					e = flow_lookup(t, &ks->k[o[i]], ks->h[o[i]], *tick);
					acc += e == NULL;
				}
				break;
			case M_TRACK_BURST:
				for (uint32_t i = 0; i < BURST; i++)
					flow_prefetch(t, ks->h[o[i]]);
				for (uint32_t i = 0; i < BURST; i++)
					flow_prefetch_entry(t, ks->h[o[i]]);
				for (uint32_t i = 0; i < BURST; i++) {
					struct flow_pkt p = { .seq = 1000, .ack = 2000,
							      .tcp_flags = L3L4_TCP_ACK,
							      .swapped = ks->sw[o[i]] };
					struct flow_track_res r;

					e = flow_track(t, &ks->k[o[i]], ks->h[o[i]], &p, *tick, &r);
					acc += e != NULL;
				}
				break;
			}
			ops += BURST;
		}
		t1 = now_s();
	} while (t1 - t0 < secs);
	sink = acc;
	return (struct result){ (t1 - t0) * 1e9 / (double)ops,
				(double)(cycles() - c0) / (double)ops };
}

/* Table memory; with thp, 2 MB pages as DPDK's hugepages would give. */
static void *table_mem(size_t sz, bool thp)
{
	const size_t huge = 2u << 20;
	size_t len = (sz + huge - 1) & ~(huge - 1);
	void *mem = aligned_alloc(thp ? huge : 64, thp ? len : sz);

	if (mem != NULL && thp && madvise(mem, len, MADV_HUGEPAGE) != 0)
		perror("madvise");
	return mem;
}

static void bench_table(uint32_t flows, double secs, bool thp)
{
	uint32_t cap = flow_table_capacity(flows);
	size_t sz = flow_table_mem_size(cap);
	struct flow_table t;
	struct flow_timeouts to;
	struct keys ks, absent, seq, seq_abs;
	void *mem = table_mem(sz, thp);
	uint32_t tick = 1, len = flows < (1u << 20) ? flows * 32 : flows;
	bool created;

	if (mem == NULL)
		exit(1);
	flow_timeouts_default(&to, 1000);
	if (flow_table_init(&t, mem, cap, &to) != 0)
		exit(1);
	make_keys(&ks, flows);
	make_keys(&absent, flows);
	/* A new tick every 64k inserts: a both-buckets-full insert may evict. */
	for (uint32_t i = 0; i < flows; i++)
		if (flow_lookup_or_insert(&t, &ks.k[i], ks.h[i], ks.sw[i], 1 + (i >> 16),
					  &created) == NULL)
			exit(1);
	tick = 2 + (flows >> 16);
	stream(&ks, len, &seq);
	stream(&absent, len, &seq_abs);
	uint64_t alt = 0;

	for (uint32_t b = 0; b <= t.bucket_mask; b++)
		alt += t.buckets[b].ovf;
	printf("# %u flows in a table of %u (%zu MB, %s pages): %.2f%% in their alternate "
	       "bucket, %llu relocations, %llu inserts found both buckets full\n",
	       flows, cap, sz >> 20, thp ? "2 MB" : "4 KB", 100.0 * (double)alt / flows,
	       (unsigned long long)t.cnt.relocations, (unsigned long long)t.cnt.bucket_full);
	report("lookup, hit, one at a time", flows,
	       run(&t, &seq, M_LOOKUP, secs, &tick));
	report("lookup, hit, burst 32 + prefetch", flows,
	       run(&t, &seq, M_LOOKUP_BURST, secs, &tick));
	report("lookup, hit, pipelined prefetch", flows,
	       run(&t, &seq, M_LOOKUP_PIPE, secs, &tick));
	report("lookup, miss, burst 32 + prefetch", flows,
	       run(&t, &seq_abs, M_MISS, secs, &tick));
	report("flow_track ACK, burst 32 + prefetch", flows,
	       run(&t, &seq, M_TRACK_BURST, secs, &tick));
	keys_free(&ks);
	keys_free(&absent);
	keys_free(&seq);
	keys_free(&seq_abs);
	free(mem);
}

static void bench_reasm(double secs)
{
	uint32_t n = 1024;
	size_t sz = reasm_pool_mem_size(n, REASM_DEFAULT_CAP);
	void *mem = aligned_alloc(64, sz);
	struct reasm_pool p;
	uint8_t hello[1783];
	const uint32_t cut = 1400;

	if (mem == NULL || reasm_pool_init(&p, mem, n, REASM_DEFAULT_CAP) != 0)
		exit(1);
	for (size_t i = 0; i < sizeof(hello); i++)
		hello[i] = (uint8_t)rnd();
	for (int rev = 0; rev < 2; rev++) {
		uint64_t ops = 0, c0 = cycles(), acc = 0;
		double t0 = now_s(), t1;

		do {
			for (uint32_t k = 0; k < 256; k++) {
				uint32_t h, base = rnd();
				struct reasm_span sp;

				reasm_alloc(&p, base, &h);
				if (rev) {
					reasm_add(&p, h, base + cut, hello + cut,
						  sizeof(hello) - cut, &sp);
					reasm_add(&p, h, base, hello, cut, &sp);
				} else {
					reasm_add(&p, h, base, hello, cut, &sp);
					reasm_add(&p, h, base + cut, hello + cut,
						  sizeof(hello) - cut, &sp);
				}
				acc += sp.to;
				reasm_free(&p, h);
			}
			ops += 256;
			t1 = now_s();
		} while (t1 - t0 < secs);
		sink = acc;
		printf("%-34s %8s  %7.1f ns  %7.0f cycles  (per hello: alloc, 2 adds, free)\n",
		       rev ? "reasm 1783 B hello, 2 segs reversed" : "reasm 1783 B hello, 2 segs in order",
		       "-", (t1 - t0) * 1e9 / (double)ops, (double)(cycles() - c0) / (double)ops);
	}
	free(mem);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0;
	bool thp = argc > 2 && strcmp(argv[2], "thp") == 0;

	printf("# sizeof(struct flow_entry) = %zu, sizeof(struct flow_bucket) = %zu, "
	       "bytes per flow = %zu; reasm slot = %zu bytes (cap %u)\n",
	       sizeof(struct flow_entry), sizeof(struct flow_bucket),
	       flow_table_mem_size(1u << 20) >> 20, reasm_slot_bytes(REASM_DEFAULT_CAP),
	       REASM_DEFAULT_CAP);
	printf("%-34s %8s  %10s  %14s\n", "case", "flows", "per op", "TSC per op");
	bench_table(1000, secs, thp);
	bench_table(1000000, secs, thp);
	bench_reasm(secs);
	return 0;
}
