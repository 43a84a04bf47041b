/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parse cost of real clients' first bytes: the TLS ClientHello and HTTP/1
 * request-head parsers plus host normalisation, on the captures in
 * tests/data/real/ (*.tls.bin, *.http.bin). scripts/bench/parse.sh runs it.
 *
 *   bench_parse FILE...              ns per parse: min/median/max of 5 runs
 *   bench_parse --callgrind N FILE   N passes inside parse_pass(), for
 *                                    callgrind --toggle-collect=parse_pass
 *
 * One parse = init + feed the stream (whole, or in two pieces split in the
 * middle, as a two-segment hello arrives) + normalise every name found.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostname.h"
#include "http_head.h"
#include "tls_hello.h"

#define RUNS 5

struct input {
	const char *path;
	uint8_t *data;
	size_t len;
	bool tls;
};

static uint8_t parse_buf[TLS_HELLO_DEFAULT_CAP];
static volatile size_t sink;

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		p = malloc((size_t)n);
		if (p != NULL && fread(p, 1, (size_t)n, f) != (size_t)n) {
			free(p);
			p = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return p;
}

static size_t norm_all_tls(const struct tls_hello *st)
{
	char out[HOST_NAME_BUF_SIZE];
	size_t total = 0, n;

	for (uint32_t i = 0; i < st->n_names; i++)
		if (host_normalize(st->names[i].p, st->names[i].len, out, sizeof(out), &n) ==
		    HOST_OK)
			total += n;
	return total;
}

static size_t norm_all_http(const struct http_head *st)
{
	char out[HOST_NAME_BUF_SIZE];
	size_t total = 0, n;

	for (uint32_t i = 0; i < st->n_names; i++)
		if (host_normalize(st->names[i].p, st->names[i].len, out, sizeof(out), &n) ==
		    HOST_OK)
			total += n;
	return total;
}

/* One parse of IN, fed in one piece (split == 0) or two. Returns the bytes
 * of normalised names, so the work cannot be optimised away. */
static size_t parse_once(const struct input *in, size_t split)
{
	if (in->tls) {
		struct tls_hello st;

		tls_hello_init(&st, parse_buf, sizeof(parse_buf));
		if (split != 0)
			tls_hello_feed(&st, in->data, split);
		if (tls_hello_feed(&st, in->data + split, in->len - split) != TLS_DONE)
			return 0;
		return norm_all_tls(&st);
	} else {
		struct http_head st;

		http_head_init(&st, parse_buf, HTTP_HEAD_DEFAULT_CAP);
		if (split != 0)
			http_head_feed(&st, in->data, split);
		if (http_head_feed(&st, in->data + split, in->len - split) != HTTP_DONE)
			return 0;
		return norm_all_http(&st);
	}
}

/* The measured region for callgrind: one real function, neither inlined nor
 * cloned (gcc's constant-propagation clones carry another name, which
 * --toggle-collect=parse_pass would not see). */
#if defined(__GNUC__) && !defined(__clang__)
#define BENCH_REGION __attribute__((noinline, noclone))
#else
#define BENCH_REGION __attribute__((noinline))
#endif
BENCH_REGION size_t parse_pass(const struct input *in, size_t split, unsigned n);
BENCH_REGION size_t parse_pass(const struct input *in, size_t split, unsigned n)
{
	size_t acc = 0;

	for (unsigned i = 0; i < n; i++)
		acc += parse_once(in, split);
	return acc;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static bool load(struct input *in, const char *path)
{
	size_t l = strlen(path);

	in->path = path;
	in->tls = l > 8 && strcmp(path + l - 8, ".tls.bin") == 0;
	if (!in->tls && !(l > 9 && strcmp(path + l - 9, ".http.bin") == 0)) {
		fprintf(stderr, "bench_parse: %s: not a .tls.bin or .http.bin file\n", path);
		return false;
	}
	in->data = read_all(path, &in->len);
	if (in->data == NULL) {
		fprintf(stderr, "bench_parse: %s: cannot read\n", path);
		return false;
	}
	if (parse_once(in, 0) == 0) {
		fprintf(stderr, "bench_parse: %s: does not parse to a name\n", path);
		return false;
	}
	return true;
}

static void time_one(const struct input *in, size_t split)
{
	double ns[RUNS];
	unsigned iters = 20000;

	for (int r = 0; r < RUNS; r++) {
		double t0 = now_ns();

		sink += parse_pass(in, split, iters);
		ns[r] = (now_ns() - t0) / iters;
	}
	qsort(ns, RUNS, sizeof(ns[0]), cmp_double);
	const char *base = strrchr(in->path, '/');
	printf("%s\t%zu\t%s\t%.1f\t%.1f\t%.1f\n", base ? base + 1 : in->path, in->len,
	       split ? "2" : "1", ns[0], ns[RUNS / 2], ns[RUNS - 1]);
}

int main(int argc, char **argv)
{
	struct input in;

	if (argc == 4 && strcmp(argv[1], "--callgrind") == 0) {
		unsigned n = (unsigned)strtoul(argv[2], NULL, 10);

		if (!load(&in, argv[3]))
			return 1;
		sink += parse_pass(&in, 0, n);
		free(in.data);
		return 0;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: bench_parse FILE... | --callgrind N FILE\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		if (!load(&in, argv[i]))
			return 1;
		time_one(&in, 0);
		time_one(&in, in.len / 2);
		free(in.data);
	}
	return 0;
}
