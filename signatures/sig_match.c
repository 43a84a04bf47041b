/* Matching one normalised host against a compiled set. This is the
 * dataplane's hot path: no I/O, no allocation, no locks; the only state
 * written is the caller's scratch. */
#include <errno.h>
#include <hs/hs.h>
#include <stdlib.h>
#include <string.h>

#include "sig.h"
#include "sig_internal.h"

struct sig_scratch *sig_scratch_alloc(const struct sigset *set)
{
	struct sig_scratch *scr = calloc(1, sizeof(*scr));

	if (scr == NULL)
		return NULL;
	if ((set->lit_db != NULL && hs_alloc_scratch(set->lit_db, &scr->hs) != HS_SUCCESS) ||
	    (set->re_db != NULL && hs_alloc_scratch(set->re_db, &scr->hs) != HS_SUCCESS)) {
		sig_scratch_free(scr);
		return NULL;
	}
	return scr;
}

void sig_scratch_free(struct sig_scratch *scr)
{
	if (scr == NULL)
		return;
	hs_free_scratch(scr->hs);
	free(scr);
}

/* The best rule so far, by sig_rule_wins. */
struct mctx {
	const struct sigset *set;
	const struct sig_rule *best;
	uint32_t best_idx;
	uint8_t fbit;
};

static void consider(struct mctx *m, uint32_t idx)
{
	const struct sig_rule *r = &m->set->rules[idx];

	if (!(r->fields & m->fbit))
		return;
	if (m->best == NULL || sig_rule_wins(r, m->best)) {
		m->best = r;
		m->best_idx = idx;
	}
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
		    unsigned int flags, void *ctx)
{
	(void)from;
	(void)to;
	(void)flags;
	consider(ctx, id);
	return 0; /* keep scanning: a later match may be an allow */
}

/* Most labels a valid name has: "a.a.a..." */
#define MAX_LABELS ((SIG_NAME_MAX + 1) / 2)

static void hash_probe(struct mctx *m, const char *host, size_t len, size_t i, uint64_t f)
{
	const struct sig_hash *h = &m->set->hash;
	uint32_t tag = sig_hash_tag(f);
	size_t n = len - i;

	for (size_t j = f & h->mask;; j = (j + 1) & h->mask) {
		const struct sig_hash_slot *s = &h->slots[j];
		if (s->tag == 0)
			return;
		if (s->tag != tag || s->name_len != n)
			continue;
		/* Almost surely a hit: fetch its rule while the name compares. */
		if (s->count == 1)
			__builtin_prefetch(&m->set->rules[s->first]);
		if (memcmp(m->set->pool + s->name, host + i, n) != 0)
			continue;
		/* One rule, or several in precedence order: the first that
		 * applies is this name's best. */
		for (uint32_t k = 0; k < s->count; k++) {
			uint32_t idx = s->count == 1 ? s->first : h->members[s->first + k];
			const struct sig_rule *r = &m->set->rules[idx];
			if ((r->kind == SIG_KIND_EXACT && i != 0) || !(r->fields & m->fbit))
				continue;
			consider(m, idx);
			break;
		}
		return;
	}
}

static void hash_lookup(struct mctx *m, const char *host, size_t len)
{
	const struct sig_hash *h = &m->set->hash;
	uint64_t fin[MAX_LABELS];
	uint16_t start[MAX_LABELS];
	size_t n = 0;
	uint64_t hv = SIG_HASH_SEED;

	/* One backward pass: at each label start the running hash covers the
	 * suffix from there. Prefetch every slot first so that the cache
	 * misses of a large table overlap instead of queueing. */
	for (size_t i = len; i-- > 0;) {
		hv = sig_hash_step(hv, (unsigned char)host[i]);
		if (i != 0 && host[i - 1] != '.')
			continue;
		if (n == MAX_LABELS)
			break;
		fin[n] = sig_hash_fin(hv);
		start[n] = (uint16_t)i;
		__builtin_prefetch(&h->slots[fin[n] & h->mask]);
		n++;
	}
	for (size_t k = 0; k < n; k++)
		hash_probe(m, host, len, start[k], fin[k]);
}

int sig_match(const struct sigset *set, struct sig_scratch *scr, const char *host, size_t len,
	      enum sig_field field, struct sig_verdict *v)
{
	struct mctx m = {.set = set};

	if (v == NULL)
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	if (set == NULL || scr == NULL || host == NULL || len == 0 || len > SIG_NAME_MAX ||
	    (unsigned)field >= SIG_FIELD_COUNT)
		return -EINVAL;
	m.fbit = (uint8_t)(1u << field);

	if (set->lit_db != NULL) {
		/* "\x01." host "\0": see sig_compile.c for the literal forms. */
		scr->frame[0] = '\x01';
		scr->frame[1] = '.';
		memcpy(scr->frame + 2, host, len);
		scr->frame[len + 2] = '\0';
		if (hs_scan(set->lit_db, scr->frame, (unsigned)len + 3, 0, scr->hs, on_match, &m) !=
		    HS_SUCCESS)
			return -EIO;
	}
	if (set->re_db != NULL &&
	    hs_scan(set->re_db, host, (unsigned)len, 0, scr->hs, on_match, &m) != HS_SUCCESS)
		return -EIO;
	if (set->hash.n_names > 0)
		hash_lookup(&m, host, len);

	if (m.best == NULL)
		return 0;
	v->id = m.best->id;
	v->rule = m.best_idx;
	v->action = m.best->action;
	v->category = m.best->category;
	v->kind = m.best->kind;
	v->fields = m.best->fields;
	return 1;
}
