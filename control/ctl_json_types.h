/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_CTL_JSON_TYPES_H
#define KB_CTL_JSON_TYPES_H

/*
 * A parsed JSON text: a tree of nodes in one array, children linked by
 * index, strings decoded into one arena. Built by ctl_json_parse().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ctl_jtype {
	CTL_J_NULL = 0,
	CTL_J_BOOL,
	CTL_J_NUM,
	CTL_J_STR,
	CTL_J_ARR,
	CTL_J_OBJ,
};

struct ctl_jnode {
	uint8_t type;
	bool neg;         /* CTL_J_NUM: negative */
	bool frac;        /* CTL_J_NUM: had a fraction or exponent (num is the integer part) */
	uint64_t num;     /* CTL_J_NUM magnitude, CTL_J_BOOL 0/1 */
	const char *key;  /* member name, or NULL */
	const char *str;  /* CTL_J_STR */
	int first;        /* first child, -1 */
	int next;         /* next sibling, -1 */
	size_t beg, end;  /* the value's bytes in the message */
};

struct ctl_json {
	const char *s;
	size_t n;
	size_t i;
	struct ctl_jnode *nodes;
	size_t nn, ncap;
	char *arena;      /* decoded strings, NUL-terminated */
	size_t an, acap;
	unsigned depth;
};

#endif
