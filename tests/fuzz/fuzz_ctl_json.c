/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for kasblockctl's JSON reader (control/ctl_json.c).
 *
 * Input: any bytes, copied into an exact-size malloc so ASan sees a read
 * past the end. When the parse succeeds, the tree must hold together: every
 * node inside the text and inside the node array, children after their
 * parent, members of objects keyed and of arrays not, strings inside the
 * arena, and the root's own bytes parse again to the same tree size. The
 * lookups kasblockctl uses must answer on any node.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define REQUIRE(c)                        \
	do {                              \
		if (!(c))                 \
			__builtin_trap(); \
	} while (0)

static bool in_arena(const struct ctl_json *j, const char *p)
{
	return p >= j->arena && p < j->arena + j->an &&
	       memchr(p, '\0', (size_t)(j->arena + j->an - p)) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char *text = malloc(n != 0 ? n : 1);
	struct ctl_json j, again;

	if (text == NULL)
		return 0;
	memcpy(text, d, n);
	if (ctl_json_parse(&j, text, n) == 0) {
		REQUIRE(j.nn >= 1 && j.nn <= n + 1);
		for (size_t i = 0; i < j.nn; i++) {
			const struct ctl_jnode *x = &j.nodes[i];
			REQUIRE(x->beg < x->end && x->end <= n);
			REQUIRE(x->type <= CTL_J_OBJ);
			if (x->type == CTL_J_STR)
				REQUIRE(in_arena(&j, x->str));
			for (int c = x->first; c >= 0; c = j.nodes[c].next) {
				REQUIRE((size_t)c > i && (size_t)c < j.nn);
				REQUIRE(j.nodes[c].beg > x->beg && j.nodes[c].end < x->end);
				if (x->type == CTL_J_OBJ)
					REQUIRE(j.nodes[c].key != NULL &&
						in_arena(&j, j.nodes[c].key));
				else
					REQUIRE(x->type == CTL_J_ARR && j.nodes[c].key == NULL);
			}
			if (x->type == CTL_J_OBJ && x->first >= 0) {
				const char *k = j.nodes[x->first].key;
				REQUIRE(ctl_json_get(&j, (int)i, k) == x->first);
			}
			(void)ctl_json_num(&j, (int)i, "max_output_len");
			(void)ctl_json_str(&j, (int)i, "result");
		}
		REQUIRE(ctl_json_get(&j, -1, "x") == -1);
		/* The root's bytes alone are the same document. */
		size_t len = j.nodes[0].end - j.nodes[0].beg;
		REQUIRE(ctl_json_parse(&again, text + j.nodes[0].beg, len) == 0);
		REQUIRE(again.nn == j.nn);
		ctl_json_free(&again);
	}
	ctl_json_free(&j);
	free(text);
	return 0;
}
