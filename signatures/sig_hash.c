/* The label-suffix hash: exact and domain rules keyed by their name, for
 * sets too large for Hyperscan's literal matcher to stay flat. A lookup
 * costs one probe per label of the host whatever the set size. Built once
 * on the control thread, then only read. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sig.h"
#include "sig_internal.h"

static uint64_t name_hash(const char *s, size_t n)
{
	uint64_t h = SIG_HASH_SEED;

	while (n > 0)
		h = sig_hash_step(h, (unsigned char)s[--n]);
	return sig_hash_fin(h);
}

/* Insertion sort: groups hold one rule almost always, a few at most. */
static void sort_members(uint32_t *m, size_t n, const struct sig_rule *rules)
{
	for (size_t i = 1; i < n; i++) {
		uint32_t x = m[i];
		size_t j = i;
		while (j > 0 && sig_rule_wins(&rules[x], &rules[m[j - 1]])) {
			m[j] = m[j - 1];
			j--;
		}
		m[j] = x;
	}
}

int sig_hash_build(struct sig_hash *h, const struct sig_rule *rules, const char *pool,
		   const uint32_t *idx, size_t n)
{
	uint32_t *head = NULL, *tail = NULL, *next = NULL;
	size_t cap = 16;
	int rc = -ENOMEM;

	memset(h, 0, sizeof(*h));
	while (cap < 2 * n)
		cap *= 2;
	h->slots = calloc(cap, sizeof(*h->slots));
	h->groups = calloc(n ? n : 1, sizeof(*h->groups));
	h->members = calloc(n ? n : 1, sizeof(*h->members));
	head = calloc(n ? n : 1, sizeof(*head));
	tail = calloc(n ? n : 1, sizeof(*tail));
	next = calloc(n ? n : 1, sizeof(*next));
	if (!h->slots || !h->groups || !h->members || !head || !tail || !next)
		goto err_free;
	h->mask = cap - 1;

	/* Pass 1: one group per distinct name, rules chained in input order
	 * (chain links are positions in IDX, plus one). */
	for (size_t i = 0; i < n; i++) {
		const struct sig_rule *r = &rules[idx[i]];
		const char *name = pool + r->pattern;
		uint64_t hv = name_hash(name, r->pattern_len);
		uint32_t tag = (uint32_t)(hv >> 32);
		size_t j = hv & h->mask;
		uint32_t g;

		for (;; j = (j + 1) & h->mask) {
			uint64_t s = h->slots[j];
			if (s == 0) {
				g = (uint32_t)h->n_groups++;
				h->groups[g].name = r->pattern;
				h->groups[g].name_len = r->pattern_len;
				h->slots[j] = (uint64_t)tag << 32 | (g + 1);
				break;
			}
			g = (uint32_t)(s & 0xffffffffu) - 1;
			if ((uint32_t)(s >> 32) == tag && h->groups[g].name_len == r->pattern_len &&
			    memcmp(pool + h->groups[g].name, name, r->pattern_len) == 0)
				break;
		}
		if (head[g] == 0)
			head[g] = (uint32_t)i + 1;
		else
			next[tail[g] - 1] = (uint32_t)i + 1;
		tail[g] = (uint32_t)i + 1;
		h->groups[g].count++;
	}

	/* Pass 2: lay each chain out contiguously, best rule first. */
	for (size_t g = 0; g < h->n_groups; g++) {
		struct sig_hash_group *gr = &h->groups[g];
		gr->first = (uint32_t)h->n_members;
		for (uint32_t p = head[g]; p != 0; p = next[p - 1])
			h->members[h->n_members++] = idx[p - 1];
		sort_members(h->members + gr->first, gr->count, rules);
	}
	rc = 0;
	goto out;
err_free:
	sig_hash_free(h);
out:
	free(head);
	free(tail);
	free(next);
	return rc;
}

void sig_hash_free(struct sig_hash *h)
{
	free(h->slots);
	free(h->groups);
	free(h->members);
	memset(h, 0, sizeof(*h));
}

size_t sig_hash_bytes(const struct sig_hash *h)
{
	if (h->slots == NULL)
		return 0;
	return (h->mask + 1) * sizeof(*h->slots) + h->n_groups * sizeof(*h->groups) +
	       h->n_members * sizeof(*h->members);
}
