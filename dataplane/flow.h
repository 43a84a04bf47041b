/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_DATAPLANE_FLOW_H
#define KB_DATAPLANE_FLOW_H

/*
 * Per-worker flow table: one table per worker lcore, never shared, no locks.
 * Memory comes from the caller at init (rte_zmalloc_socket on the dataplane,
 * calloc in tests); nothing is allocated afterwards. One entry per flow for
 * both directions, found by a canonical key and a 32-bit hash the caller
 * computes (flow_key_hash() here, rte_hash_crc on the dataplane: both are
 * CRC32C with the same seed, so they agree bit for bit).
 *
 * Layout: buckets of 8 (16-bit tag, 32-bit entry index) slots, one cache line
 * each, and a separate array of 64-byte entries. A key has a primary bucket
 * (hash & mask) and an alternate one, used only when the primary is full; a
 * per-bucket overflow count tells a lookup whether the alternate can hold the
 * key, so a lookup reads one bucket line and one entry line. There are
 * capacity / 4 buckets (twice as many slots as entries); when both buckets
 * of a new key are full, one of their entries moves to its own other bucket
 * if that has room (one step), and only then is a live flow evicted.
 *
 * Time is a coarse tick the caller supplies (`now`: milliseconds, TSC >> N);
 * timeouts use the same unit. Pointers returned by flow_track() and
 * flow_lookup_or_insert() stay valid until the tick changes as long as the
 * caller does not remove them: eviction never picks an entry touched during
 * the current tick. Use one `now` per burst.
 *
 * docs/architecture.md ("Flow table and reassembly") has the policies.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "flow_types.h"
#include "l3l4_peek.h"
#include "l3l4_types.h"

/* CRC32C (Castagnoli) of the 38 key bytes, seeded with FLOW_HASH_INIT, no
 * final inversion: equal to rte_hash_crc(k, FLOW_KEY_LEN, FLOW_HASH_INIT). */
uint32_t flow_key_hash(const struct flow_key *k);

/*
 * Builds the canonical key of a parsed packet. *swapped is true when the
 * packet's source is the key's side 1. Returns 0, or -EINVAL when d holds no
 * IP header, or a TCP/UDP packet whose L4 header was not located (a non-first
 * fragment: reassemble first).
 */
int flow_key_from_desc(const struct l3l4_desc *d, struct flow_key *k, bool *swapped);

/* 8 bytes as a big-endian number. */
static inline uint64_t flow_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* memcmp(a, b, 16)'s sign, as two big-endian words: no library call on the
 * per-packet path. */
static inline int flow_addr_cmp(const uint8_t *a, const uint8_t *b)
{
	uint64_t a0 = flow_be64(a), b0 = flow_be64(b);

	if (a0 != b0)
		return a0 < b0 ? -1 : 1;
	uint64_t a1 = flow_be64(a + 8), b1 = flow_be64(b + 8);

	return (a1 > b1) - (a1 < b1);
}

/* The ports, protocol and version as one 4-byte and one 2-byte store, the
 * pieces the key hash reads back (see flow_key_from_peek). */
static inline void flow_key_put_tail(struct flow_key *k, uint16_t port0, uint16_t port1,
				     uint8_t proto, uint8_t ip_version)
{
	uint16_t ports[2] = { port0, port1 };
	uint8_t tail[2] = { proto, ip_version };
	uint32_t pw;
	uint16_t tw;

	memcpy(&pw, ports, sizeof(pw));
	memcpy(&tw, tail, sizeof(tw));
	memcpy(k->port, &pw, sizeof(pw));
	memcpy(&k->proto, &tw, sizeof(tw));
}

/*
 * The same key from a peeked common frame (l3l4_peek.h), without a
 * descriptor: equal to flow_key_from_desc() on what l3l4_parse() makes of
 * that frame (test_l3l4 and the l3l4 fuzz target compare the two).
 */
static inline void flow_key_from_peek(const struct l3l4_peek *pk, struct flow_key *k,
				      bool *swapped)
{
	const uint8_t *s = l3l4_peek_src(pk), *d = l3l4_peek_dst(pk);
	uint16_t sp = l3l4_peek_sport(pk), dp = l3l4_peek_dport(pk);
	uint8_t *kb = (uint8_t *)k;
	bool sw;

	/* Every byte of the key is written once, in the 8-, 4- and 2-byte
	 * pieces dp_flow_hash() and key_eq() read back at once: a load that
	 * spans several smaller stores cannot be forwarded from them and
	 * waits for them to retire. */
	if (pk->ip_version == 4) {
		uint32_t a, b;
		memcpy(&a, s, 4);
		memcpy(&b, d, 4);
		uint32_t ha = (uint32_t)l3l4_be16(s) << 16 | l3l4_be16(s + 2);
		uint32_t hb = (uint32_t)l3l4_be16(d) << 16 | l3l4_be16(d + 2);
		sw = ha > hb || (ha == hb && sp > dp);
		uint64_t lo = sw ? b : a, hi = sw ? a : b, zero = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		lo <<= 32; /* the address in the word's first 4 bytes */
		hi <<= 32;
#endif
		memcpy(kb, &lo, 8);
		memcpy(kb + 8, &zero, 8);
		memcpy(kb + 16, &hi, 8);
		memcpy(kb + 24, &zero, 8);
	} else {
		int c = flow_addr_cmp(s, d);
		sw = c > 0 || (c == 0 && sp > dp);
		memcpy(kb, sw ? d : s, 16);
		memcpy(kb + 16, sw ? s : d, 16);
	}
	flow_key_put_tail(k, sw ? dp : sp, sw ? sp : dp, L3L4_IPPROTO_TCP, pk->ip_version);
	*swapped = sw;
}

_Static_assert(offsetof(struct flow_key, port) == 32 && offsetof(struct flow_key, proto) == 36 &&
		       offsetof(struct flow_key, ip_version) == 37,
	       "flow_key_from_peek writes the key by offset");

/* The per-packet fields flow_track() reads, from the same descriptor. */
void flow_pkt_from_desc(const struct l3l4_desc *d, bool swapped, struct flow_pkt *p);

/*
 * Defaults, in ticks of ticks_per_sec: tcp_new 30 s, tcp_inspecting 10 s,
 * tcp_established 300 s, tcp_closing 10 s, tcp_blocked 60 s, udp 60 s,
 * other 30 s.
 */
void flow_timeouts_default(struct flow_timeouts *to, uint32_t ticks_per_sec);

/* The capacity init will use for `capacity` (rounded up to a power of two,
 * clamped to [FLOW_MIN_CAPACITY, FLOW_MAX_CAPACITY]). */
uint32_t flow_table_capacity(uint32_t capacity);

/* Bytes of memory for that capacity: capacity/4 buckets + capacity entries,
 * 80 bytes per entry in all. The memory must be 64-byte aligned. */
size_t flow_table_mem_size(uint32_t capacity);

/*
 * Sets up *t over mem (flow_table_mem_size(capacity) bytes, 64-byte aligned,
 * any content). to may be NULL for the defaults at 1000 ticks per second.
 * Returns 0 or -EINVAL (NULL, misaligned).
 */
int flow_table_init(struct flow_table *t, void *mem, uint32_t capacity,
		    const struct flow_timeouts *to);

/* Installs the release callback (none by default). */
void flow_table_set_release(struct flow_table *t, flow_release_fn fn, void *ctx);

/* Prefetches the key's primary bucket; call a few packets ahead. */
static inline void flow_prefetch(const struct flow_table *t, uint32_t hash)
{
	__builtin_prefetch(&t->buckets[hash & t->bucket_mask]);
}

/*
 * Second stage: reads the (prefetched) primary bucket and prefetches the
 * entries whose tag matches, so the key compare does not wait either.
 */
void flow_prefetch_entry(const struct flow_table *t, uint32_t hash);

/*
 * Finds the entry of k. An entry found past its timeout is expired on the
 * spot (release callback, FLOW_END_TIMEOUT) and NULL is returned. Does not
 * refresh last_seen.
 */
struct flow_entry *flow_lookup(struct flow_table *t, const struct flow_key *k,
			       uint32_t hash, uint32_t now);

/*
 * Finds the entry of k or creates it (state NEW, the client is the sender:
 * side 1 when swapped), making room by eviction when needed (docs: expired
 * first, then closing, NEW, PASSED, INSPECTING, BLOCKED; oldest first within
 * a rank; never an entry touched this tick). Refreshes last_seen. *created
 * tells which. Returns NULL only when no room could be made
 * (insert_failures). No TCP bookkeeping: see flow_track().
 */
struct flow_entry *flow_lookup_or_insert(struct flow_table *t, const struct flow_key *k,
					 uint32_t hash, bool swapped, uint32_t now,
					 bool *created);

/*
 * The per-packet call: flow_lookup_or_insert() plus the TCP bookkeeping
 * (client detection, SYN/FIN/RST flags, next sequence numbers, port reuse)
 * and the packet's direction. On a new flow the client is the SYN's sender,
 * the SYN-ACK's receiver, or else the sender. A pure SYN on an existing,
 * non-BLOCKED tuple that is not a retransmission of the client's SYN resets
 * the entry in place for the new connection (FLOW_END_RESTART to the
 * callback, FLOW_EV_RESTARTED). r->ev says what happened. NULL as in
 * flow_lookup_or_insert().
 */
struct flow_entry *flow_track(struct flow_table *t, const struct flow_key *k, uint32_t hash,
			      const struct flow_pkt *p, uint32_t now, struct flow_track_res *r);

/*
 * The established fast path, for TCP: when k's entry is PASSED, not closing,
 * within its timeout, and the packet carries no SYN, FIN or RST, refreshes
 * last_seen and the data flags and returns true: the packet is to be
 * forwarded and flow_track() need not run. Otherwise changes nothing and
 * returns false. What it skips is the sequence bookkeeping, which only
 * serves resets: a PASSED entry's client_next_seq and server_next_seq stay
 * where they were at the verdict (nothing reads them before a SYN resets
 * the entry).
 */
bool flow_pass_fast(struct flow_table *t, const struct flow_key *k, uint32_t hash,
		    bool swapped, uint8_t tcp_flags, uint32_t payload_len, uint32_t now);

/* Removes e (no callback: the caller knows). e must come from this table. */
void flow_remove(struct flow_table *t, struct flow_entry *e);

/*
 * Expiry slice: looks at the next max_scan entries (at most the capacity)
 * from a rotating cursor and expires the idle ones (release callback,
 * FLOW_END_TIMEOUT). Returns how many expired. A full pass over the table
 * takes capacity / max_scan calls.
 */
uint32_t flow_expire(struct flow_table *t, uint32_t now, uint32_t max_scan);

/* The idle timeout that applies to e now. */
uint32_t flow_timeout_of(const struct flow_table *t, const struct flow_entry *e);

/* NEW -> INSPECTING with the reassembly handle the caller allocated. */
void flow_start_inspect(struct flow_entry *e, uint32_t reasm);

/*
 * Verdicts. Each returns the reassembly handle the entry held (FLOW_NONE if
 * it was not INSPECTING) for the caller to free. gen is the signature set's
 * generation (its low 16 bits are kept). flow_block() takes the packet being
 * dropped, if the verdict drops one from the client: the server never gets
 * it, so client_next_seq goes back to its seq when that is lower.
 */
uint32_t flow_pass(struct flow_entry *e, uint32_t sig_id, uint8_t category, uint32_t gen);
uint32_t flow_block(struct flow_entry *e, uint32_t sig_id, uint8_t category, uint32_t gen,
		    const struct flow_pkt *dropped);

/* Direction of a packet whose key came with this `swapped`. */
static inline enum flow_dir flow_dir(const struct flow_entry *e, bool swapped)
{
	return (swapped == ((e->flags & FLOW_F_CLIENT_HI) != 0)) ? FLOW_DIR_C2S : FLOW_DIR_S2C;
}

/* RST from either side, or FIN from both. In bit arithmetic, without a
 * branch: eviction asks it of 16 entries per insert into a full table. */
static inline bool flow_is_closing(const struct flow_entry *e)
{
	_Static_assert(FLOW_F_FIN_C == 0x10u && FLOW_F_FIN_S == 0x20u && FLOW_F_RST == 0x40u,
		       "flow_is_closing reads the closing bits by position");
	unsigned f = e->flags;

	return (((f >> 6) | ((f >> 4) & (f >> 5))) & 1u) != 0;
}

/* "free", "new", "inspecting", "passed", "blocked"; "unknown" if out of range. */
const char *flow_state_str(enum flow_state s);

#endif
