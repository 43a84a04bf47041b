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
