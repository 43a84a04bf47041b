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

struct tmp_group {
	uint32_t name;
	uint32_t name_len;
	uint32_t head;		/* chain of positions in idx, plus one */
	uint32_t tail;
	uint32_t count;
	uint32_t slot;
};

int sig_hash_build(struct sig_hash *h, const struct sig_rule *rules, const char *pool,
		   const uint32_t *idx, size_t n)
{
	struct tmp_group *groups = NULL;
	uint32_t *slot_group = NULL, *next = NULL, *chain = NULL;
	size_t cap = 16, n_groups = 0;
	int rc = -ENOMEM;

	memset(h, 0, sizeof(*h));
	while (cap < 2 * n)
		cap *= 2;
	h->slots = sig_mem_alloc(cap * sizeof(*h->slots));
	h->members = calloc(n ? n : 1, sizeof(*h->members));
	groups = calloc(n ? n : 1, sizeof(*groups));
	slot_group = calloc(cap, sizeof(*slot_group));
	next = calloc(n ? n : 1, sizeof(*next));
	chain = calloc(n ? n : 1, sizeof(*chain));
	if (!h->slots || !h->members || !groups || !slot_group || !next || !chain)
		goto err_free;
	h->mask = cap - 1;

	/* Pass 1: one group (and slot) per distinct name, rules chained in
	 * input order. */
	for (size_t i = 0; i < n; i++) {
		const struct sig_rule *r = &rules[idx[i]];
		const char *name = pool + r->pattern;
		uint64_t hv = name_hash(name, r->pattern_len);
		uint32_t tag = sig_hash_tag(hv);
		size_t j = hv & h->mask;
		struct tmp_group *g;

		for (;; j = (j + 1) & h->mask) {
			struct sig_hash_slot *s = &h->slots[j];
			if (s->tag == 0) {
				g = &groups[n_groups];
				slot_group[j] = (uint32_t)++n_groups;
				g->name = r->pattern;
				g->name_len = r->pattern_len;
				g->slot = (uint32_t)j;
				s->tag = tag;
				break;
			}
			g = &groups[slot_group[j] - 1];
			if (s->tag == tag && g->name_len == r->pattern_len &&
			    memcmp(pool + g->name, name, r->pattern_len) == 0)
				break;
		}
		if (g->head == 0)
			g->head = (uint32_t)i + 1;
		else
			next[g->tail - 1] = (uint32_t)i + 1;
		g->tail = (uint32_t)i + 1;
		g->count++;
	}

	/* Pass 2: fill the slots. A name with one rule points at the rule;
	 * several rules are laid out in members, best first. */
	for (size_t gi = 0; gi < n_groups; gi++) {
		struct tmp_group *g = &groups[gi];
		struct sig_hash_slot *s = &h->slots[g->slot];
		uint32_t k = 0;

		s->name = g->name;
		s->name_len = (uint16_t)g->name_len;
		for (uint32_t p = g->head; p != 0; p = next[p - 1])
			chain[k++] = idx[p - 1];
		if (k == 1) {
			s->first = chain[0];
			s->count = 1;
			continue;
		}
		sort_members(chain, k, rules);
		/* More than 65535 rules on one name: only the best are kept
		 * (they differ at most in id, action and fields). */
		s->count = (uint16_t)(k > UINT16_MAX ? UINT16_MAX : k);
		s->first = (uint32_t)h->n_members;
		memcpy(h->members + h->n_members, chain, s->count * sizeof(*chain));
		h->n_members += s->count;
	}
	h->n_names = n_groups;
	rc = 0;
	goto out;
err_free:
	sig_hash_free(h);
out:
	free(groups);
	free(slot_group);
	free(next);
	free(chain);
	return rc;
}

void sig_hash_free(struct sig_hash *h)
{
	free(h->slots);
	free(h->members);
	memset(h, 0, sizeof(*h));
}

size_t sig_hash_bytes(const struct sig_hash *h)
{
	if (h->slots == NULL)
		return 0;
	return (h->mask + 1) * sizeof(*h->slots) + h->n_members * sizeof(*h->members);
}
