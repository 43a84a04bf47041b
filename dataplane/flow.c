/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker flow table (see flow.h for the contract and
 * docs/architecture.md for the design and the policies).
 *
 * Memory (capacity C, a power of two):
 *
 *   buckets  C/4 x 64 B   tag[8] (16-bit, 0 = empty) | idx[8] (32-bit) | ovf
 *   entries  C   x 64 B   struct flow_entry; free ones form a LIFO list
 *
 * Lookup: primary bucket b1 = hash & mask, tag = hash >> 16 (never 0). The 8
 * tags are compared at once (SSE2; a plain loop elsewhere); each match costs
 * a key compare in the entry. Only when b1's ovf count is non-zero can the
 * key live in its alternate bucket b2 = (b1 ^ mix(tag)) & mask, which is
 * then searched the same way. Insert prefers b1, then b2 (and bumps b1's
 * ovf); when both are full it first tries to move one of their entries to
 * that entry's other bucket, and only then evicts. Every loop here runs over
 * at most 8 slots, 2 buckets (16 for a relocation), the FLOW_EVICT_SAMPLE
 * entries or max_scan entries.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "flow.h"

_Static_assert(sizeof(struct flow_key) == FLOW_KEY_LEN, "flow_key must have no padding");
_Static_assert(sizeof(struct flow_entry) == 64, "a flow entry is one cache line");
_Static_assert(sizeof(struct flow_entry) < 256, "hard limit on the entry size");
_Static_assert(sizeof(struct flow_bucket) == 64, "a bucket is one cache line");
_Static_assert(offsetof(struct flow_entry, sig_gen) == FLOW_KEY_LEN, "key first, packed");

/* Timeout classes: rows of t->timeout. */
enum { TC_TCP = 0, TC_TCP_CLOSING = 1, TC_UDP = 2, TC_OTHER = 3 };

/* Eviction ranks, lowest goes first. */
enum { RANK_EXPIRED = 0, RANK_CLOSING, RANK_NEW, RANK_PASSED, RANK_INSPECTING, RANK_BLOCKED };

#define CNT_ADD(t, f, n) __atomic_store_n(&(t)->cnt.f, (t)->cnt.f + (n), __ATOMIC_RELAXED)
#define CNT_INC(t, f) CNT_ADD(t, f, 1)
#define CNT_DEC(t, f) __atomic_store_n(&(t)->cnt.f, (t)->cnt.f - 1, __ATOMIC_RELAXED)

/* CRC32C (reflected polynomial 0x82f63b78), one byte per step. */
static const uint32_t crc32c_tab[256] = {
	0x00000000u, 0xf26b8303u, 0xe13b70f7u, 0x1350f3f4u, 0xc79a971fu, 0x35f1141cu,
	0x26a1e7e8u, 0xd4ca64ebu, 0x8ad958cfu, 0x78b2dbccu, 0x6be22838u, 0x9989ab3bu,
	0x4d43cfd0u, 0xbf284cd3u, 0xac78bf27u, 0x5e133c24u, 0x105ec76fu, 0xe235446cu,
	0xf165b798u, 0x030e349bu, 0xd7c45070u, 0x25afd373u, 0x36ff2087u, 0xc494a384u,
	0x9a879fa0u, 0x68ec1ca3u, 0x7bbcef57u, 0x89d76c54u, 0x5d1d08bfu, 0xaf768bbcu,
	0xbc267848u, 0x4e4dfb4bu, 0x20bd8edeu, 0xd2d60dddu, 0xc186fe29u, 0x33ed7d2au,
	0xe72719c1u, 0x154c9ac2u, 0x061c6936u, 0xf477ea35u, 0xaa64d611u, 0x580f5512u,
	0x4b5fa6e6u, 0xb93425e5u, 0x6dfe410eu, 0x9f95c20du, 0x8cc531f9u, 0x7eaeb2fau,
	0x30e349b1u, 0xc288cab2u, 0xd1d83946u, 0x23b3ba45u, 0xf779deaeu, 0x05125dadu,
	0x1642ae59u, 0xe4292d5au, 0xba3a117eu, 0x4851927du, 0x5b016189u, 0xa96ae28au,
	0x7da08661u, 0x8fcb0562u, 0x9c9bf696u, 0x6ef07595u, 0x417b1dbcu, 0xb3109ebfu,
	0xa0406d4bu, 0x522bee48u, 0x86e18aa3u, 0x748a09a0u, 0x67dafa54u, 0x95b17957u,
	0xcba24573u, 0x39c9c670u, 0x2a993584u, 0xd8f2b687u, 0x0c38d26cu, 0xfe53516fu,
	0xed03a29bu, 0x1f682198u, 0x5125dad3u, 0xa34e59d0u, 0xb01eaa24u, 0x42752927u,
	0x96bf4dccu, 0x64d4cecfu, 0x77843d3bu, 0x85efbe38u, 0xdbfc821cu, 0x2997011fu,
	0x3ac7f2ebu, 0xc8ac71e8u, 0x1c661503u, 0xee0d9600u, 0xfd5d65f4u, 0x0f36e6f7u,
	0x61c69362u, 0x93ad1061u, 0x80fde395u, 0x72966096u, 0xa65c047du, 0x5437877eu,
	0x4767748au, 0xb50cf789u, 0xeb1fcbadu, 0x197448aeu, 0x0a24bb5au, 0xf84f3859u,
	0x2c855cb2u, 0xdeeedfb1u, 0xcdbe2c45u, 0x3fd5af46u, 0x7198540du, 0x83f3d70eu,
	0x90a324fau, 0x62c8a7f9u, 0xb602c312u, 0x44694011u, 0x5739b3e5u, 0xa55230e6u,
	0xfb410cc2u, 0x092a8fc1u, 0x1a7a7c35u, 0xe811ff36u, 0x3cdb9bddu, 0xceb018deu,
	0xdde0eb2au, 0x2f8b6829u, 0x82f63b78u, 0x709db87bu, 0x63cd4b8fu, 0x91a6c88cu,
	0x456cac67u, 0xb7072f64u, 0xa457dc90u, 0x563c5f93u, 0x082f63b7u, 0xfa44e0b4u,
	0xe9141340u, 0x1b7f9043u, 0xcfb5f4a8u, 0x3dde77abu, 0x2e8e845fu, 0xdce5075cu,
	0x92a8fc17u, 0x60c37f14u, 0x73938ce0u, 0x81f80fe3u, 0x55326b08u, 0xa759e80bu,
	0xb4091bffu, 0x466298fcu, 0x1871a4d8u, 0xea1a27dbu, 0xf94ad42fu, 0x0b21572cu,
	0xdfeb33c7u, 0x2d80b0c4u, 0x3ed04330u, 0xccbbc033u, 0xa24bb5a6u, 0x502036a5u,
	0x4370c551u, 0xb11b4652u, 0x65d122b9u, 0x97baa1bau, 0x84ea524eu, 0x7681d14du,
	0x2892ed69u, 0xdaf96e6au, 0xc9a99d9eu, 0x3bc21e9du, 0xef087a76u, 0x1d63f975u,
	0x0e330a81u, 0xfc588982u, 0xb21572c9u, 0x407ef1cau, 0x532e023eu, 0xa145813du,
	0x758fe5d6u, 0x87e466d5u, 0x94b49521u, 0x66df1622u, 0x38cc2a06u, 0xcaa7a905u,
	0xd9f75af1u, 0x2b9cd9f2u, 0xff56bd19u, 0x0d3d3e1au, 0x1e6dcdeeu, 0xec064eedu,
	0xc38d26c4u, 0x31e6a5c7u, 0x22b65633u, 0xd0ddd530u, 0x0417b1dbu, 0xf67c32d8u,
	0xe52cc12cu, 0x1747422fu, 0x49547e0bu, 0xbb3ffd08u, 0xa86f0efcu, 0x5a048dffu,
	0x8ecee914u, 0x7ca56a17u, 0x6ff599e3u, 0x9d9e1ae0u, 0xd3d3e1abu, 0x21b862a8u,
	0x32e8915cu, 0xc083125fu, 0x144976b4u, 0xe622f5b7u, 0xf5720643u, 0x07198540u,
	0x590ab964u, 0xab613a67u, 0xb831c993u, 0x4a5a4a90u, 0x9e902e7bu, 0x6cfbad78u,
	0x7fab5e8cu, 0x8dc0dd8fu, 0xe330a81au, 0x115b2b19u, 0x020bd8edu, 0xf0605beeu,
	0x24aa3f05u, 0xd6c1bc06u, 0xc5914ff2u, 0x37faccf1u, 0x69e9f0d5u, 0x9b8273d6u,
	0x88d28022u, 0x7ab90321u, 0xae7367cau, 0x5c18e4c9u, 0x4f48173du, 0xbd23943eu,
	0xf36e6f75u, 0x0105ec76u, 0x12551f82u, 0xe03e9c81u, 0x34f4f86au, 0xc69f7b69u,
	0xd5cf889du, 0x27a40b9eu, 0x79b737bau, 0x8bdcb4b9u, 0x988c474du, 0x6ae7c44eu,
	0xbe2da0a5u, 0x4c4623a6u, 0x5f16d052u, 0xad7d5351u,
};

uint32_t flow_key_hash(const struct flow_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint32_t c = FLOW_HASH_INIT;

	for (size_t i = 0; i < FLOW_KEY_LEN; i++)
		c = crc32c_tab[(c ^ p[i]) & 0xffu] ^ (c >> 8);
	return c;
}

int flow_key_from_desc(const struct l3l4_desc *d, struct flow_key *k, bool *swapped)
{
	bool ports = d->l4_proto == L3L4_IPPROTO_TCP || d->l4_proto == L3L4_IPPROTO_UDP;
	uint16_t sp = 0, dp = 0;
	int c;
	bool sw;

	if (d->ip_version != 4 && d->ip_version != 6)
		return -EINVAL;
	if (ports) {
		if (d->l4_off == 0)
			return -EINVAL;
		sp = d->sport;
		dp = d->dport;
	}
	c = flow_addr_cmp(d->src, d->dst);
	sw = c > 0 || (c == 0 && sp > dp);
	memcpy(k->addr[0], sw ? d->dst : d->src, 16);
	memcpy(k->addr[1], sw ? d->src : d->dst, 16);
	flow_key_put_tail(k, sw ? dp : sp, sw ? sp : dp, d->l4_proto, d->ip_version);
	*swapped = sw;
	return 0;
}

void flow_pkt_from_desc(const struct l3l4_desc *d, bool swapped, struct flow_pkt *p)
{
	bool tcp = d->l4_proto == L3L4_IPPROTO_TCP;

	p->seq = tcp ? d->tcp_seq : 0;
	p->ack = tcp ? d->tcp_ack : 0;
	p->payload_len = d->payload_len;
	p->tcp_flags = tcp ? d->tcp_flags : 0;
	p->swapped = swapped;
}

static uint32_t secs(uint32_t ticks_per_sec, uint32_t s)
{
	uint64_t v = (uint64_t)ticks_per_sec * s;

	return v > INT32_MAX ? INT32_MAX : (uint32_t)v;
}

void flow_timeouts_default(struct flow_timeouts *to, uint32_t ticks_per_sec)
{
	to->tcp_new = secs(ticks_per_sec, 30);
	to->tcp_inspecting = secs(ticks_per_sec, 10);
	to->tcp_established = secs(ticks_per_sec, 300);
	to->tcp_closing = secs(ticks_per_sec, 10);
	to->tcp_blocked = secs(ticks_per_sec, 60);
	to->udp = secs(ticks_per_sec, 60);
	to->other = secs(ticks_per_sec, 30);
}

uint32_t flow_table_capacity(uint32_t capacity)
{
	uint32_t c = capacity;

	if (c < FLOW_MIN_CAPACITY)
		c = FLOW_MIN_CAPACITY;
	if (c > FLOW_MAX_CAPACITY)
		c = FLOW_MAX_CAPACITY;
	c--;
	c |= c >> 1;
	c |= c >> 2;
	c |= c >> 4;
	c |= c >> 8;
	c |= c >> 16;
	return c + 1;
}

size_t flow_table_mem_size(uint32_t capacity)
{
	uint32_t c = flow_table_capacity(capacity);

	return (size_t)(c / 4) * sizeof(struct flow_bucket) + (size_t)c * sizeof(struct flow_entry);
}

static uint32_t clamp_to(uint32_t v)
{
	return v > INT32_MAX ? INT32_MAX : v;
}

int flow_table_init(struct flow_table *t, void *mem, uint32_t capacity,
		    const struct flow_timeouts *to)
{
	struct flow_timeouts def;
	uint32_t c, nb;

	if (t == NULL || mem == NULL || ((uintptr_t)mem & 63u) != 0)
		return -EINVAL;
	if (to == NULL) {
		flow_timeouts_default(&def, 1000);
		to = &def;
	}
	c = flow_table_capacity(capacity);
	nb = c / 4;
	memset(t, 0, sizeof(*t));
	t->buckets = mem;
	t->entries = (struct flow_entry *)(void *)((uint8_t *)mem + (size_t)nb * sizeof(struct flow_bucket));
	t->bucket_mask = nb - 1;
	t->capacity = c;
	memset(t->buckets, 0, (size_t)nb * sizeof(struct flow_bucket));
	memset(t->entries, 0, (size_t)c * sizeof(struct flow_entry));
	for (uint32_t i = 0; i < c; i++)
		t->entries[i].next_free = i + 1 < c ? i + 1 : FLOW_NONE;
	t->free_head = 0;

	for (unsigned cl = 0; cl < 4; cl++)
		t->timeout[cl][FLOW_S_FREE] = INT32_MAX;
	t->timeout[TC_TCP][FLOW_S_NEW] = clamp_to(to->tcp_new);
	t->timeout[TC_TCP][FLOW_S_INSPECTING] = clamp_to(to->tcp_inspecting);
	t->timeout[TC_TCP][FLOW_S_PASSED] = clamp_to(to->tcp_established);
	t->timeout[TC_TCP][FLOW_S_BLOCKED] = clamp_to(to->tcp_blocked);
	t->timeout[TC_TCP_CLOSING][FLOW_S_NEW] = clamp_to(to->tcp_closing);
	t->timeout[TC_TCP_CLOSING][FLOW_S_INSPECTING] = clamp_to(to->tcp_closing);
	t->timeout[TC_TCP_CLOSING][FLOW_S_PASSED] = clamp_to(to->tcp_closing);
	t->timeout[TC_TCP_CLOSING][FLOW_S_BLOCKED] = clamp_to(to->tcp_blocked);
	for (unsigned s = FLOW_S_NEW; s < FLOW_S_COUNT; s++) {
		t->timeout[TC_UDP][s] = clamp_to(to->udp);
		t->timeout[TC_OTHER][s] = clamp_to(to->other);
	}
	return 0;
}

void flow_table_set_release(struct flow_table *t, flow_release_fn fn, void *ctx)
{
	t->release = fn;
	t->release_ctx = ctx;
}

/* ---- buckets ---------------------------------------------------------- */

static inline uint16_t hash_tag(uint32_t hash)
{
	uint16_t tag = (uint16_t)(hash >> 16);

	return tag != 0 ? tag : 1;
}

/* XOR with an odd value: never the same bucket (there are at least 4), and
 * applying it twice gives the primary back. */
static inline uint32_t alt_bucket(const struct flow_table *t, uint32_t b, uint16_t tag)
{
	uint32_t x = (uint32_t)tag * 0x9e3779b1u;

	return (b ^ ((x ^ (x >> 15)) | 1u)) & t->bucket_mask;
}

/* Slots of b whose tag equals tag, one bit per slot at bit 2*slot. */
static inline uint32_t bucket_tags(const struct flow_bucket *b, uint16_t tag)
{
#if defined(__SSE2__)
	__m128i v = _mm_load_si128((const __m128i *)(const void *)b->tag);
	__m128i m = _mm_cmpeq_epi16(v, _mm_set1_epi16((short)tag));

	return (uint32_t)_mm_movemask_epi8(m) & 0x5555u;
#else
	uint32_t m = 0;

	for (unsigned s = 0; s < FLOW_BUCKET_SLOTS; s++)
		m |= (uint32_t)(b->tag[s] == tag) << (2 * s);
	return m;
#endif
}

static inline bool key_eq(const struct flow_key *a, const struct flow_key *b)
{
	uint64_t a0, a1, a2, a3, b0, b1, b2, b3;
	uint32_t a4, b4;
	uint16_t a5, b5;

	memcpy(&a0, (const uint8_t *)a, 8);
	memcpy(&a1, (const uint8_t *)a + 8, 8);
	memcpy(&a2, (const uint8_t *)a + 16, 8);
	memcpy(&a3, (const uint8_t *)a + 24, 8);
	memcpy(&a4, (const uint8_t *)a + 32, 4);
	memcpy(&a5, (const uint8_t *)a + 36, 2);
	memcpy(&b0, (const uint8_t *)b, 8);
	memcpy(&b1, (const uint8_t *)b + 8, 8);
	memcpy(&b2, (const uint8_t *)b + 16, 8);
	memcpy(&b3, (const uint8_t *)b + 24, 8);
	memcpy(&b4, (const uint8_t *)b + 32, 4);
	memcpy(&b5, (const uint8_t *)b + 36, 2);
	return ((a0 ^ b0) | (a1 ^ b1) | (a2 ^ b2) | (a3 ^ b3) | (uint64_t)(a4 ^ b4) |
		(uint64_t)(a5 ^ b5)) == 0;
}

static inline uint32_t bucket_find(const struct flow_table *t, const struct flow_bucket *b,
				   uint16_t tag, const struct flow_key *k)
{
	uint32_t m = bucket_tags(b, tag);

	while (m != 0) {
		uint32_t i = b->idx[__builtin_ctz(m) >> 1];

		if (key_eq(&t->entries[i].key, k))
			return i;
		m &= m - 1;
	}
	return FLOW_NONE;
}

static inline uint32_t table_find(const struct flow_table *t, const struct flow_key *k,
				  uint32_t hash)
{
	uint32_t b1 = hash & t->bucket_mask;
	uint16_t tag = hash_tag(hash);
	uint32_t i = bucket_find(t, &t->buckets[b1], tag, k);

	if (i == FLOW_NONE && t->buckets[b1].ovf != 0)
		i = bucket_find(t, &t->buckets[alt_bucket(t, b1, tag)], tag, k);
	return i;
}

void flow_prefetch_entry(const struct flow_table *t, uint32_t hash)
{
	const struct flow_bucket *b = &t->buckets[hash & t->bucket_mask];
	uint32_t m = bucket_tags(b, hash_tag(hash));

	while (m != 0) {
		__builtin_prefetch(&t->entries[b->idx[__builtin_ctz(m) >> 1]]);
		m &= m - 1;
	}
}

/* Takes entry i out of its bucket and puts it on the free list. */
static void unlink_entry(struct flow_table *t, uint32_t i)
{
	struct flow_entry *e = &t->entries[i];
	uint32_t b1 = e->hash & t->bucket_mask;
	uint16_t tag = hash_tag(e->hash);
	struct flow_bucket *b = &t->buckets[b1];
	unsigned s;

	for (s = 0; s < FLOW_BUCKET_SLOTS; s++)
		if (b->tag[s] == tag && b->idx[s] == i)
			break;
	if (s == FLOW_BUCKET_SLOTS) {
		b = &t->buckets[alt_bucket(t, b1, tag)];
		for (s = 0; s < FLOW_BUCKET_SLOTS; s++)
			if (b->tag[s] == tag && b->idx[s] == i)
				break;
		/* An entry is always in one of its two buckets. */
		if (s == FLOW_BUCKET_SLOTS)
			__builtin_trap();
		t->buckets[b1].ovf--;
	}
	b->tag[s] = 0;
	b->idx[s] = 0;
	e->state = FLOW_S_FREE;
	e->next_free = t->free_head;
	t->free_head = i;
	CNT_DEC(t, entries);
}

/* ---- timeouts and eviction -------------------------------------------- */

_Static_assert(TC_TCP == 0 && TC_TCP_CLOSING == 1, "timeout_class adds closing to TC_TCP");

/* As selects, not branches: eviction asks it of every candidate. */
static inline unsigned timeout_class_of(uint8_t proto, bool closing)
{
	return proto == L3L4_IPPROTO_TCP ? TC_TCP + (unsigned)closing
	       : proto == L3L4_IPPROTO_UDP ? (unsigned)TC_UDP : (unsigned)TC_OTHER;
}

static inline unsigned timeout_class(const struct flow_entry *e)
{
	return timeout_class_of(e->key.proto, flow_is_closing(e));
}

/* Inline for the table's own use: lookups and the expiry slice ask it of
 * every entry they look at. */
static inline uint32_t timeout_of(const struct flow_table *t, const struct flow_entry *e)
{
	return t->timeout[timeout_class(e)][e->state < FLOW_S_COUNT ? e->state : FLOW_S_FREE];
}

uint32_t flow_timeout_of(const struct flow_table *t, const struct flow_entry *e)
{
	return timeout_of(t, e);
}

/* Ticks since the last packet; a last_seen in the future counts as 0. */
static inline int32_t entry_age(const struct flow_entry *e, uint32_t now)
{
	int32_t age = (int32_t)(now - e->last_seen);

	return age > 0 ? age : 0;
}

static inline bool is_expired(const struct flow_table *t, const struct flow_entry *e,
			      uint32_t now)
{
	return entry_age(e, now) > (int32_t)timeout_of(t, e);
}

static void expire_entry(struct flow_table *t, uint32_t i)
{
	if (t->release != NULL)
		t->release(t->release_ctx, &t->entries[i], FLOW_END_TIMEOUT);
	CNT_INC(t, timeouts);
	unlink_entry(t, i);
}

/* Rank of a live entry by [closing][state]: a closing one goes before any
 * live state, except BLOCKED, which keeps its rank (a forged RST must not
 * make a blocked flow the first to go). FREE is never asked: skipped. */
static const uint8_t rank_tab[2][FLOW_S_COUNT] = {
	{ [FLOW_S_FREE] = RANK_NEW, [FLOW_S_NEW] = RANK_NEW,
	  [FLOW_S_INSPECTING] = RANK_INSPECTING, [FLOW_S_PASSED] = RANK_PASSED,
	  [FLOW_S_BLOCKED] = RANK_BLOCKED },
	{ [FLOW_S_FREE] = RANK_CLOSING, [FLOW_S_NEW] = RANK_CLOSING,
	  [FLOW_S_INSPECTING] = RANK_CLOSING, [FLOW_S_PASSED] = RANK_CLOSING,
	  [FLOW_S_BLOCKED] = RANK_BLOCKED },
};

/* The rank of e at this age, without a branch: this runs for every
 * candidate of every insert into a full table. */
static inline unsigned evict_rank(const struct flow_table *t, const struct flow_entry *e,
				  int32_t age)
{
	unsigned st = e->state < FLOW_S_COUNT ? e->state : FLOW_S_FREE;
	bool closing = flow_is_closing(e);
	unsigned rank = rank_tab[closing][st];

	return age > (int32_t)t->timeout[timeout_class_of(e->key.proto, closing)][st]
		       ? (unsigned)RANK_EXPIRED
		       : rank;
}

/* The best victim so far: lowest score, where a score is the rank above the
 * age's complement, so that one compare orders by rank, then oldest first. */
struct victim {
	uint32_t idx;
	uint64_t score;
};

static inline void consider(const struct flow_table *t, struct victim *v, uint32_t i,
			    uint32_t now)
{
	const struct flow_entry *e = &t->entries[i];
	int32_t age = (int32_t)(now - e->last_seen);

	/* Touched this tick (or stamped later: a clock step): the caller may
	 * still hold the pointer. */
	if (age <= 0 || e->state == FLOW_S_FREE)
		return;
	uint64_t score = (uint64_t)evict_rank(t, e, age) << 32 | (uint32_t)(INT32_MAX - age);
	if (score < v->score) {
		v->idx = i;
		v->score = score;
	}
}

static void consider_bucket(const struct flow_table *t, struct victim *v,
			    const struct flow_bucket *b, uint32_t now)
{
	for (unsigned s = 0; s < FLOW_BUCKET_SLOTS; s++)
		if (b->tag[s] != 0)
			consider(t, v, b->idx[s], now);
}

/*
 * Frees one entry for an insert into b1/b2. With both buckets full the
 * victim must come from them. Otherwise (the free list is empty) it may be
 * any entry: FLOW_EVICT_SAMPLE entries from a rotating cursor, adjacent in
 * memory so their lines stream in rather than each costing a miss; the two
 * buckets only if every one of those was touched this tick.
 */
static bool make_room(struct flow_table *t, uint32_t b1, uint32_t b2, bool buckets_full,
		      uint32_t now)
{
	struct victim v = { FLOW_NONE, UINT64_MAX };
	struct flow_entry *e;

	if (!buckets_full) {
		uint32_t cur = t->evict_cursor, mask = t->capacity - 1;
		for (unsigned n = 0; n < FLOW_EVICT_SAMPLE; n++) {
			consider(t, &v, cur, now);
			cur = (cur + 1) & mask;
		}
		t->evict_cursor = cur;
	}
	if (v.idx == FLOW_NONE) {
		consider_bucket(t, &v, &t->buckets[b1], now);
		consider_bucket(t, &v, &t->buckets[b2], now);
	}
	if (v.idx == FLOW_NONE)
		return false;
	if (v.score >> 32 == RANK_EXPIRED) {
		expire_entry(t, v.idx);
		return true;
	}
	e = &t->entries[v.idx];
	if (t->release != NULL)
		t->release(t->release_ctx, e, FLOW_END_EVICT);
	CNT_INC(t, evictions);
	if (e->state == FLOW_S_BLOCKED)
		CNT_INC(t, evictions_blocked);
	unlink_entry(t, v.idx);
	return true;
}

/* Fresh state for a (new or restarted) flow whose client is the sender. */
static void entry_reset(struct flow_entry *e, bool swapped, uint32_t now)
{
	e->sig_gen = 0;
	e->last_seen = now;
	e->client_next_seq = 0;
	e->server_next_seq = 0;
	e->reasm = FLOW_NONE;
	e->flags = swapped ? FLOW_F_CLIENT_HI : 0;
	e->state = FLOW_S_NEW;
	e->category = 0;
}

/*
 * Both buckets of a new key are full: move one entry of bucket b to its
 * other bucket if that one has a free slot (one step, no chain: at most 8
 * bucket reads, and only on this rare path). Entry indices do not change,
 * so pointers the caller holds stay valid.
 */
static bool relocate_one(struct flow_table *t, uint32_t b)
{
	struct flow_bucket *from = &t->buckets[b];

	for (unsigned s = 0; s < FLOW_BUCKET_SLOTS; s++) {
		uint32_t i = from->idx[s];
		uint32_t hash = t->entries[i].hash;
		uint32_t p = hash & t->bucket_mask;
		uint16_t tag = hash_tag(hash);
		uint32_t o = b == p ? alt_bucket(t, p, tag) : p;
		struct flow_bucket *to = &t->buckets[o];
		uint32_t m = bucket_tags(to, 0);
		unsigned d;

		if (m == 0)
			continue;
		d = (unsigned)__builtin_ctz(m) >> 1;
		to->tag[d] = tag;
		to->idx[d] = i;
		from->tag[s] = 0;
		from->idx[s] = 0;
		if (b == p)
			t->buckets[p].ovf++;
		else
			t->buckets[p].ovf--;
		CNT_INC(t, relocations);
		return true;
	}
	return false;
}

static uint32_t insert_new(struct flow_table *t, const struct flow_key *k, uint32_t hash,
			   bool swapped, uint32_t now)
{
	uint32_t b1 = hash & t->bucket_mask;
	uint16_t tag = hash_tag(hash);
	uint32_t b2 = alt_bucket(t, b1, tag);
	uint32_t m1 = bucket_tags(&t->buckets[b1], 0);
	uint32_t m2 = m1 != 0 ? 0 : bucket_tags(&t->buckets[b2], 0);
	struct flow_bucket *b;
	struct flow_entry *e;
	uint32_t i;
	unsigned s;

	if (m1 == 0 && m2 == 0) {
		if (!relocate_one(t, b1) && !relocate_one(t, b2)) {
			CNT_INC(t, bucket_full);
			if (!make_room(t, b1, b2, true, now))
				return FLOW_NONE;
		}
		m1 = bucket_tags(&t->buckets[b1], 0);
		m2 = m1 != 0 ? 0 : bucket_tags(&t->buckets[b2], 0);
	}
	if (t->free_head == FLOW_NONE) {
		if (!make_room(t, b1, b2, false, now))
			return FLOW_NONE;
		m1 = bucket_tags(&t->buckets[b1], 0);
		m2 = m1 != 0 ? 0 : bucket_tags(&t->buckets[b2], 0);
	}
	if (m1 != 0) {
		b = &t->buckets[b1];
		s = (unsigned)__builtin_ctz(m1) >> 1;
	} else {
		b = &t->buckets[b2];
		s = (unsigned)__builtin_ctz(m2) >> 1;
		t->buckets[b1].ovf++;
	}
	i = t->free_head;
	e = &t->entries[i];
	t->free_head = e->next_free;
	b->tag[s] = tag;
	b->idx[s] = i;
	memcpy(&e->key, k, sizeof(*k));
	e->hash = hash;
	entry_reset(e, swapped, now);
	CNT_INC(t, inserts);
	CNT_INC(t, entries);
	return i;
}

/* ---- lookups ---------------------------------------------------------- */

struct flow_entry *flow_lookup(struct flow_table *t, const struct flow_key *k,
			       uint32_t hash, uint32_t now)
{
	uint32_t i = table_find(t, k, hash);

	if (i != FLOW_NONE) {
		if (!is_expired(t, &t->entries[i], now))
			return &t->entries[i];
		expire_entry(t, i);
	}
	CNT_INC(t, lookup_misses);
	return NULL;
}

struct flow_entry *flow_lookup_or_insert(struct flow_table *t, const struct flow_key *k,
					 uint32_t hash, bool swapped, uint32_t now,
					 bool *created)
{
	uint32_t i = table_find(t, k, hash);
	struct flow_entry *e;

	*created = false;
	if (i != FLOW_NONE) {
		e = &t->entries[i];
		if (!is_expired(t, e, now)) {
			e->last_seen = now;
			return e;
		}
		expire_entry(t, i);
	}
	CNT_INC(t, lookup_misses);
	i = insert_new(t, k, hash, swapped, now);
	if (i == FLOW_NONE) {
		CNT_INC(t, insert_failures);
		return NULL;
	}
	*created = true;
	return &t->entries[i];
}

void flow_remove(struct flow_table *t, struct flow_entry *e)
{
	uint32_t i = (uint32_t)(e - t->entries);

	if (i >= t->capacity || e->state == FLOW_S_FREE)
		return;
	CNT_INC(t, removes);
	unlink_entry(t, i);
}

uint32_t flow_expire(struct flow_table *t, uint32_t now, uint32_t max_scan)
{
	uint32_t n = max_scan < t->capacity ? max_scan : t->capacity;
	uint32_t expired = 0;

	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = t->expire_cursor;
		struct flow_entry *e = &t->entries[i];

		t->expire_cursor = (i + 1) & (t->capacity - 1);
		if (e->state != FLOW_S_FREE && is_expired(t, e, now)) {
			expire_entry(t, i);
			expired++;
		}
	}
	return expired;
}

/* ---- TCP bookkeeping -------------------------------------------------- */

static inline bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static void restart(struct flow_table *t, struct flow_entry *e, bool swapped, uint32_t now)
{
	if (t->release != NULL)
		t->release(t->release_ctx, e, FLOW_END_RESTART);
	CNT_INC(t, restarts);
	entry_reset(e, swapped, now);
}

static void track_tcp(struct flow_table *t, struct flow_entry *e, const struct flow_pkt *p,
		      bool created, uint32_t now, struct flow_track_res *r)
{
	uint8_t f = p->tcp_flags;
	uint8_t syn_ack_rst = f & (L3L4_TCP_SYN | L3L4_TCP_ACK | L3L4_TCP_RST);
	bool pure_syn = syn_ack_rst == L3L4_TCP_SYN;
	bool synack = syn_ack_rst == (L3L4_TCP_SYN | L3L4_TCP_ACK);
	uint32_t end = p->seq + p->payload_len + ((f & L3L4_TCP_SYN) ? 1u : 0u) +
		       ((f & L3L4_TCP_FIN) ? 1u : 0u);
	bool was_closing;

	if (created) {
		/* The SYN-ACK's receiver is the client (its SYN went unseen). */
		if (synack)
			e->flags = (uint16_t)((p->swapped ? 0 : FLOW_F_CLIENT_HI) | FLOW_F_CLIENT_SURE);
	} else if (pure_syn && e->state != FLOW_S_BLOCKED) {
		/*
		 * Port reuse or a new connection on a live tuple. The only SYN that
		 * belongs to this connection is the client's own, repeated before
		 * any data. A BLOCKED flow is never reset by a SYN: a forged one
		 * must not unblock it.
		 */
		bool retrans = flow_dir(e, p->swapped) == FLOW_DIR_C2S &&
			       (e->flags & (FLOW_F_SYN | FLOW_F_DATA_C)) == FLOW_F_SYN &&
			       !flow_is_closing(e) && p->seq + 1 == e->client_next_seq;

		if (!retrans) {
			restart(t, e, p->swapped, now);
			r->ev |= FLOW_EV_RESTARTED;
		}
	}

	was_closing = flow_is_closing(e);
	r->dir = (uint8_t)flow_dir(e, p->swapped);
	if (r->dir == FLOW_DIR_C2S) {
		if (pure_syn)
			e->flags |= FLOW_F_SYN | FLOW_F_CLIENT_SURE;
		if (f & L3L4_TCP_FIN)
			e->flags |= FLOW_F_FIN_C;
		if (p->payload_len != 0 && !(e->flags & FLOW_F_DATA_C)) {
			/*
			 * Stream byte 0: ISN + 1 when the handshake was seen (even if
			 * this segment is out of order). Picked up mid-stream, it is
			 * this segment's seq: an earlier bare ACK is no better guide
			 * (a keepalive probe carries snd_nxt - 1 and would leave a
			 * hole at byte 0 that never fills).
			 */
			r->ev |= FLOW_EV_FIRST_DATA;
			if ((e->flags & (FLOW_F_SYN | FLOW_F_SYNACK)) && (e->flags & FLOW_F_SEQ_C)) {
				r->stream_base = e->client_next_seq;
				r->ev |= FLOW_EV_BASE_SYN;
			} else {
				r->stream_base = p->seq + ((f & L3L4_TCP_SYN) ? 1u : 0u);
				if (f & L3L4_TCP_SYN)
					r->ev |= FLOW_EV_BASE_SYN;
			}
			e->flags |= FLOW_F_DATA_C;
		}
		if (e->state != FLOW_S_BLOCKED) {
			if (!(e->flags & FLOW_F_SEQ_C) || seq_gt(end, e->client_next_seq))
				e->client_next_seq = end;
			e->flags |= FLOW_F_SEQ_C;
			if ((f & L3L4_TCP_ACK) &&
			    (!(e->flags & FLOW_F_ACK_C) || !seq_gt(e->server_next_seq, p->ack))) {
				e->server_next_seq = p->ack;
				e->flags |= FLOW_F_SEQ_S | FLOW_F_ACK_C;
			}
		}
	} else {
		if (synack)
			e->flags |= FLOW_F_SYNACK | FLOW_F_CLIENT_SURE;
		if (f & L3L4_TCP_FIN)
			e->flags |= FLOW_F_FIN_S;
		if (p->payload_len != 0)
			e->flags |= FLOW_F_DATA_S;
		if (e->state != FLOW_S_BLOCKED) {
			/* The SYN-ACK acknowledges the client's ISN + 1. */
			if (synack && !(e->flags & FLOW_F_SEQ_C)) {
				e->client_next_seq = p->ack;
				e->flags |= FLOW_F_SEQ_C;
			}
			if (!(e->flags & FLOW_F_ACK_C) &&
			    (!(e->flags & FLOW_F_SEQ_S) || seq_gt(end, e->server_next_seq))) {
				e->server_next_seq = end;
				e->flags |= FLOW_F_SEQ_S;
			}
		}
	}
	if (f & L3L4_TCP_RST)
		e->flags |= FLOW_F_RST;
	if (!was_closing && flow_is_closing(e))
		r->ev |= FLOW_EV_CLOSING;
}

struct flow_entry *flow_track(struct flow_table *t, const struct flow_key *k, uint32_t hash,
			      const struct flow_pkt *p, uint32_t now, struct flow_track_res *r)
{
	bool created;
	struct flow_entry *e = flow_lookup_or_insert(t, k, hash, p->swapped, now, &created);

	r->stream_base = 0;
	r->dir = FLOW_DIR_C2S;
	r->ev = created ? FLOW_EV_CREATED : 0;
	if (e == NULL)
		return NULL;
	if (k->proto == L3L4_IPPROTO_TCP) {
		track_tcp(t, e, p, created, now, r);
		return e;
	}
	r->dir = (uint8_t)flow_dir(e, p->swapped);
	if (p->payload_len != 0) {
		if (r->dir == FLOW_DIR_S2C) {
			e->flags |= FLOW_F_DATA_S;
		} else if (!(e->flags & FLOW_F_DATA_C)) {
			e->flags |= FLOW_F_DATA_C;
			r->ev |= FLOW_EV_FIRST_DATA;
		}
	}
	return e;
}

bool flow_pass_fast(struct flow_table *t, const struct flow_key *k, uint32_t hash,
		    bool swapped, uint8_t tcp_flags, uint32_t payload_len, uint32_t now)
{
	if ((tcp_flags & (L3L4_TCP_SYN | L3L4_TCP_FIN | L3L4_TCP_RST)) || k->proto != L3L4_IPPROTO_TCP)
		return false;
	uint32_t i = table_find(t, k, hash);
	if (i == FLOW_NONE)
		return false;
	struct flow_entry *e = &t->entries[i];
	/* Not closing either: a PASSED entry's timeout is then tcp_established. */
	if (e->state != FLOW_S_PASSED || (e->flags & (FLOW_F_RST | FLOW_F_FIN_C | FLOW_F_FIN_S)) ||
	    entry_age(e, now) > (int32_t)t->timeout[TC_TCP][FLOW_S_PASSED])
		return false;
	e->last_seen = now;
	/* track_tcp() would also keep the data flags (a later SYN's
	 * retransmission test reads FLOW_F_DATA_C); the sequence numbers only
	 * serve resets, which a PASSED flow never gets. */
	if (payload_len != 0)
		e->flags |= flow_dir(e, swapped) == FLOW_DIR_C2S ? FLOW_F_DATA_C : FLOW_F_DATA_S;
	return true;
}

/* ---- verdicts --------------------------------------------------------- */

void flow_start_inspect(struct flow_entry *e, uint32_t reasm)
{
	e->state = FLOW_S_INSPECTING;
	e->reasm = reasm;
}

static uint32_t set_verdict(struct flow_entry *e, enum flow_state st, uint32_t sig_id,
			    uint8_t category, uint32_t gen)
{
	uint32_t held = e->state == FLOW_S_INSPECTING ? e->reasm : FLOW_NONE;

	e->state = (uint8_t)st;
	e->sig_id = sig_id;
	e->category = category;
	e->sig_gen = (uint16_t)gen;
	return held;
}

uint32_t flow_pass(struct flow_entry *e, uint32_t sig_id, uint8_t category, uint32_t gen)
{
	return set_verdict(e, FLOW_S_PASSED, sig_id, category, gen);
}

uint32_t flow_block(struct flow_entry *e, uint32_t sig_id, uint8_t category, uint32_t gen,
		    const struct flow_pkt *dropped)
{
	if (dropped != NULL && e->key.proto == L3L4_IPPROTO_TCP &&
	    flow_dir(e, dropped->swapped) == FLOW_DIR_C2S && (e->flags & FLOW_F_SEQ_C) &&
	    seq_gt(e->client_next_seq, dropped->seq))
		e->client_next_seq = dropped->seq;
	return set_verdict(e, FLOW_S_BLOCKED, sig_id, category, gen);
}

const char *flow_state_str(enum flow_state s)
{
	static const char *const names[FLOW_S_COUNT] = {
		[FLOW_S_FREE] = "free",
		[FLOW_S_NEW] = "new",
		[FLOW_S_INSPECTING] = "inspecting",
		[FLOW_S_PASSED] = "passed",
		[FLOW_S_BLOCKED] = "blocked",
	};

	return (unsigned)s < FLOW_S_COUNT ? names[s] : "unknown";
}
