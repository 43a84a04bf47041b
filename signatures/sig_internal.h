/* Shared between the signature compiler and matcher; not a public API. */
#ifndef KB_SIG_INTERNAL_H
#define KB_SIG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "sig_types.h"

/* FNV-1a over a name read right to left: one backward pass over a host
 * yields the hash of every label suffix on the way (see sig_match). */
#define SIG_HASH_SEED 0xcbf29ce484222325ull

static inline uint64_t sig_hash_step(uint64_t h, unsigned char c)
{
	return (h ^ c) * 0x100000001b3ull;
}

/* FNV's low bits are weak for power-of-two tables; fold in the high ones. */
static inline uint64_t sig_hash_fin(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static inline uint32_t sig_hash_tag(uint64_t hv)
{
	return (uint32_t)(hv >> 32) | 1u; /* never 0: 0 marks an empty slot */
}

/* n zeroed bytes, on transparent huge pages when n is 2 MiB or more (the
 * kernel permitting); NULL when out of memory. Release with free(). */
void *sig_mem_alloc(size_t n);

/* Build H over the rules RULES[IDX[0..N)] (exact/domain only; names in
 * POOL). Members of a group are in precedence order. 0 or -ENOMEM. */
int sig_hash_build(struct sig_hash *h, const struct sig_rule *rules, const char *pool,
		   const uint32_t *idx, size_t n);
void sig_hash_free(struct sig_hash *h);
size_t sig_hash_bytes(const struct sig_hash *h);

#endif /* KB_SIG_INTERNAL_H */
