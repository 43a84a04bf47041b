/*
 * kb_test.h: helpers shared by the unit tests (tests/unit/test_*.c).
 *
 * Several tests carried their own identical copies of these helpers; one
 * copy here keeps them from drifting apart. Header-only (static inline and
 * one macro) so each test stays a single translation unit and meson needs no
 * extra library. Include it after <cmocka.h>: CHECK uses cmocka's
 * print_error() and fail().
 *
 * The generators are fixed-seed, so a failing run reproduces. A test picks
 * its starting state by defining KB_RNG_SEED before including this header
 * (or assigning kb_rng_state); the default is 1.
 */
#ifndef KB_TEST_H
#define KB_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Fails the test with file:line, the condition and a printf-style note. */
#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			print_error("%s:%d: check failed: %s\n  ", __FILE__,   \
				    __LINE__, #cond);                          \
			print_error(__VA_ARGS__);                              \
			print_error("\n");                                     \
			fail();                                                \
		}                                                              \
	} while (0)

/* tests/data, or wherever meson's KB_TEST_DATA points. */
static inline const char *kb_data_dir(void)
{
	const char *d = getenv("KB_TEST_DATA");

	return d != NULL ? d : "tests/data";
}

/*
 * A whole file in an exact-size malloc'd buffer (so ASan sees any read past
 * its end); NULL, with *len 0, if it cannot be read.
 */
static inline uint8_t *kb_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	long n;

	*len = 0;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto out;
	b = malloc(n > 0 ? (size_t)n : 1);
	if (b == NULL)
		goto out;
	if (fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
		goto out;
	}
	*len = (size_t)n;
out:
	fclose(f);
	return b;
}

/*
 * Hex text to bytes: digits in either case, whitespace (space, tab, CR, LF)
 * between them ignored, anything else or an odd digit count fails the
 * test. Returns the byte count (at most cap).
 */
static inline size_t kb_unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *s != '\0'; s++) {
		int v;

		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			continue;
		else {
			CHECK(0, "not hex: '%c' (0x%02x)", *s, (unsigned char)*s);
			continue;
		}
		if (hi < 0) {
			hi = v;
		} else {
			CHECK(n < cap, "more than %zu bytes of hex", cap);
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	CHECK(hi == -1, "odd number of hex digits");
	return n;
}

#ifndef KB_RNG_SEED
#define KB_RNG_SEED 1
#endif

/* One state for both generators below; a test uses one of them. */
static uint64_t kb_rng_state __attribute__((unused)) = KB_RNG_SEED;

/* Seeds the state; 0 would make xorshift stick at 0, so it becomes 1. */
static inline void kb_rng_seed(uint64_t s)
{
	kb_rng_state = s != 0 ? s : 1;
}

/* xorshift64 (shifts 13, 7, 17): the full 64-bit state. */
static inline uint64_t kb_rng_next(void)
{
	uint64_t x = kb_rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	kb_rng_state = x;
	return x;
}

/* xorshift64* (shifts 12, 25, 27): the high 32 bits of the scrambled state. */
static inline uint32_t kb_rnd32(void)
{
	kb_rng_state ^= kb_rng_state >> 12;
	kb_rng_state ^= kb_rng_state << 25;
	kb_rng_state ^= kb_rng_state >> 27;
	return (uint32_t)((kb_rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* kb_rnd32() reduced to [0, n); 0 when n is 0. */
static inline uint32_t kb_rnd32_below(uint32_t n)
{
	return n == 0 ? 0 : kb_rnd32() % n;
}

#endif /* KB_TEST_H */
