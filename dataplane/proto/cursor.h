/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_PROTO_CURSOR_H
#define KB_PROTO_CURSOR_H

/*
 * A read cursor over untrusted bytes. Every wire read in the parsers goes
 * through these helpers: each checks the remaining length first, and on
 * failure returns false and leaves the cursor untouched, so a parser can
 * report NEED_MORE or MALFORMED without having moved. Lengths are compared,
 * never pointers computed past the end.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cur {
	const uint8_t *p;
	size_t left;
};

static inline struct cur cur_make(const void *p, size_t len)
{
	struct cur c = { .p = (const uint8_t *)p, .left = p != NULL ? len : 0 };
	return c;
}

static inline bool cur_has(const struct cur *c, size_t n)
{
	return c->left >= n;
}

static inline bool cur_skip(struct cur *c, size_t n)
{
	if (c->left < n)
		return false;
	c->p += n;
	c->left -= n;
	return true;
}

static inline bool cur_u8(struct cur *c, uint8_t *v)
{
	if (c->left < 1)
		return false;
	*v = c->p[0];
	c->p += 1;
	c->left -= 1;
	return true;
}

static inline bool cur_u16(struct cur *c, uint16_t *v)
{
	if (c->left < 2)
		return false;
	*v = (uint16_t)((unsigned)c->p[0] << 8 | c->p[1]);
	c->p += 2;
	c->left -= 2;
	return true;
}

static inline bool cur_u24(struct cur *c, uint32_t *v)
{
	if (c->left < 3)
		return false;
	*v = (uint32_t)c->p[0] << 16 | (uint32_t)c->p[1] << 8 | c->p[2];
	c->p += 3;
	c->left -= 3;
	return true;
}

static inline bool cur_u32(struct cur *c, uint32_t *v)
{
	if (c->left < 4)
		return false;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
	     (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	c->left -= 4;
	return true;
}

/* Carves the next n bytes into *sub (a child cursor bounded by its parent). */
static inline bool cur_take(struct cur *c, size_t n, struct cur *sub)
{
	if (c->left < n)
		return false;
	sub->p = c->p;
	sub->left = n;
	c->p += n;
	c->left -= n;
	return true;
}

/* A u8/u16/u24-length-prefixed block; the cursor moves only if all of it is there. */
static inline bool cur_vec8(struct cur *c, struct cur *sub)
{
	struct cur save = *c;
	uint8_t n;

	if (!cur_u8(c, &n) || !cur_take(c, n, sub)) {
		*c = save;
		return false;
	}
	return true;
}

static inline bool cur_vec16(struct cur *c, struct cur *sub)
{
	struct cur save = *c;
	uint16_t n;

	if (!cur_u16(c, &n) || !cur_take(c, n, sub)) {
		*c = save;
		return false;
	}
	return true;
}

static inline bool cur_vec24(struct cur *c, struct cur *sub)
{
	struct cur save = *c;
	uint32_t n;

	if (!cur_u24(c, &n) || !cur_take(c, n, sub)) {
		*c = save;
		return false;
	}
	return true;
}

#endif
