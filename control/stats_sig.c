/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-signature counts as exported: the workers' tables merged by id, the
 * top N kept by name, the rest in one "other" bucket, so the number of
 * series stays bounded whatever the signature set holds. Pure C.
 */
#include <stdlib.h>

#include "stats.h"

static int by_id(const void *a, const void *b)
{
	const struct ctl_sig_snap *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int by_flows(const void *a, const void *b)
{
	const struct ctl_sig_snap *x = a, *y = b;
	uint64_t fx = x->blocked + x->monitored, fy = y->blocked + y->monitored;

	if (fx != fy)
		return fx > fy ? -1 : 1;
	return by_id(a, b);
}

void ctl_stats_sig_top(struct ctl_sig_snap *v, size_t n, struct ctl_snapshot *s)
{
	size_t m = 0;

	s->n_sigs = 0;
	s->sig_counted = 0;
	s->sig_other_blocked = 0;
	s->sig_other_monitored = 0;
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), by_id);
	for (size_t i = 0; i < n; i++) {
		if (v[i].blocked == 0 && v[i].monitored == 0)
			continue;
		if (m > 0 && v[m - 1].id == v[i].id) {
			v[m - 1].blocked += v[i].blocked;
			v[m - 1].monitored += v[i].monitored;
		} else {
			v[m++] = v[i];
		}
	}
	qsort(v, m, sizeof(*v), by_flows);
	s->sig_counted = m;
	for (size_t i = 0; i < m; i++) {
		if (i < s->sig_top && s->sigs != NULL) {
			s->sigs[s->n_sigs++] = v[i];
		} else {
			s->sig_other_blocked += v[i].blocked;
			s->sig_other_monitored += v[i].monitored;
		}
	}
}
