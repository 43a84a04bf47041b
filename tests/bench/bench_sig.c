/* Signature matcher benchmark: load and compile time, database bytes and
 * match cost per host for N generated domain signatures.
 *
 *   bench_sig [--engine auto|hs|hash] [--runs R] [--callgrind] N...
 *
 * Prints one tab-separated line per N:
 *   n engine load_ms compile_ms bytes ns_min ns_median ns_max ser_ms deser_ms ser_bytes
 * (ser_* are Hyperscan serialise/deserialise of the literal database, "-"
 * when there is none). With --callgrind, only one pass over the hosts is
 * made inside bench_match_pass(), for
 *   valgrind --tool=callgrind --toggle-collect=bench_match_pass
 * (instructions per host = Ir / hosts, hosts printed on stderr).
 *
 * Signatures are "block ID domain=NAME category=other" lines through the
 * real loader; hosts are half hits (the name or a name below it) and half
 * misses of the same shape, so the hash and Hyperscan paths see realistic
 * label counts.
 */
#include <hs/hs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sig.h"

#define N_HOSTS 10000u

static const char *const tlds[] = {"com", "net", "org", "io", "de", "ru", "co.uk", "info"};
#define N_TLDS (sizeof(tlds) / sizeof(tlds[0]))

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint32_t rnd32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Name i of the signature set: distinct, two or three labels. */
static int sig_name(char *out, size_t cap, uint32_t i)
{
	uint32_t h = i * 2654435761u;

	return snprintf(out, cap, "s%x%04x.%s", i, h >> 16, tlds[h % N_TLDS]);
}

static char hosts[N_HOSTS][128];
static size_t host_len[N_HOSTS];

static void make_hosts(uint32_t n)
{
	static const char *const sub[] = {"www.", "cdn.", "api.eu.", ""};
	char name[96];

	for (uint32_t i = 0; i < N_HOSTS; i++) {
		uint32_t k = rnd32() % n;
		if (i % 2 == 0)
			sig_name(name, sizeof(name), k);
		else /* same shape, never a signature */
			snprintf(name, sizeof(name), "m%x%04x.%s", k, rnd32() & 0xffff,
				 tlds[rnd32() % N_TLDS]);
		int w = snprintf(hosts[i], sizeof(hosts[i]), "%s%s", sub[rnd32() % 4], name);
		host_len[i] = (size_t)w;
	}
}

/* One pass over the hosts; the unit callgrind counts. */
__attribute__((noinline)) uint32_t bench_match_pass(const struct sigset *set,
						    struct sig_scratch *scr);

__attribute__((noinline)) uint32_t bench_match_pass(const struct sigset *set,
						    struct sig_scratch *scr)
{
	struct sig_verdict v;
	uint32_t hits = 0;

	for (uint32_t i = 0; i < N_HOSTS; i++)
		hits += sig_match(set, scr, hosts[i], host_len[i], SIG_FIELD_SNI, &v) == 1;
	return hits;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int run(uint32_t n, enum sig_engine engine, unsigned runs, int callgrind)
{
	size_t cap = (size_t)n * 64 + 64, len = 0;
	char *text = malloc(cap);
	char name[96];
	struct sig_report rep = {.fn = NULL};

	if (text == NULL)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		sig_name(name, sizeof(name), i);
		len += (size_t)snprintf(text + len, cap - len, "block %u domain=%s category=other\n",
					i + 1, name);
	}
	struct sig_ruleset *rs = sig_ruleset_new();
	uint64_t t0 = now_ns();
	if (sig_load_buf(rs, "bench.sig", text, len, &rep) != 0) {
		fprintf(stderr, "load: %s\n", rep.first);
		return -1;
	}
	uint64_t t_load = now_ns() - t0;
	free(text);
	struct sig_compile_opts o = {.engine = (uint8_t)engine};
	struct sigset *set = sig_compile(rs, &o, &rep);
	if (set == NULL) {
		fprintf(stderr, "compile: %s\n", rep.first);
		return -1;
	}
	sig_ruleset_free(rs);
	struct sig_scratch *scr = sig_scratch_alloc(set);
	make_hosts(n);

	if (callgrind) {
		uint32_t hits = bench_match_pass(set, scr);
		fprintf(stderr, "hosts %u hits %u\n", N_HOSTS, hits);
		printf("%u\t%s\n", n, set->counts.hash ? "hash" : "hs");
		sig_scratch_free(scr);
		sig_set_free(set);
		return 0;
	}

	/* Warm up, then size each run to about 100 ms. */
	uint64_t w0 = now_ns();
	uint32_t hits = bench_match_pass(set, scr);
	uint64_t pass_ns = now_ns() - w0;
	unsigned reps = (unsigned)(100000000ull / (pass_ns ? pass_ns : 1)) + 1;
	double ns[16];
	if (runs > 16)
		runs = 16;
	for (unsigned r = 0; r < runs; r++) {
		uint64_t s = now_ns();
		for (unsigned k = 0; k < reps; k++)
			hits += bench_match_pass(set, scr);
		ns[r] = (double)(now_ns() - s) / ((double)reps * N_HOSTS);
	}
	qsort(ns, runs, sizeof(ns[0]), cmp_double);

	char ser[64] = "-\t-\t-";
	if (set->lit_db != NULL) {
		char *bytes = NULL;
		size_t sz = 0;
		hs_database_t *db = NULL;
		uint64_t s0 = now_ns();
		hs_serialize_database(set->lit_db, &bytes, &sz);
		uint64_t s1 = now_ns();
		hs_deserialize_database(bytes, sz, &db);
		uint64_t s2 = now_ns();
		snprintf(ser, sizeof(ser), "%.2f\t%.2f\t%zu", (s1 - s0) / 1e6, (s2 - s1) / 1e6, sz);
		hs_free_database(db);
		free(bytes);
	}
	printf("%u\t%s\t%.1f\t%.1f\t%zu\t%.1f\t%.1f\t%.1f\t%s\n", n,
	       set->counts.hash ? "hash" : "hs", t_load / 1e6, set->compile_ns / 1e6,
	       set->lit_db_bytes + set->re_db_bytes + set->hash_bytes, ns[0], ns[runs / 2],
	       ns[runs - 1], ser);
	fflush(stdout);
	if (hits == 0)
		fprintf(stderr, "no hits?\n");
	sig_scratch_free(scr);
	sig_set_free(set);
	return 0;
}

int main(int argc, char **argv)
{
	enum sig_engine engine = SIG_ENGINE_AUTO;
	unsigned runs = 5;
	int callgrind = 0, rc = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--engine") == 0 && i + 1 < argc) {
			int e = sig_engine_parse(argv[i + 1], strlen(argv[i + 1]));
			if (e < 0) {
				fprintf(stderr, "engine: auto, hs or hash\n");
				return 2;
			}
			engine = (enum sig_engine)e;
			i++;
		} else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			runs = (unsigned)atoi(argv[++i]);
			if (runs == 0)
				runs = 1;
		} else if (strcmp(argv[i], "--callgrind") == 0) {
			callgrind = 1;
		} else {
			long n = atol(argv[i]);
			if (n <= 0 || n > 10000000) {
				fprintf(stderr, "usage: bench_sig [--engine E] [--runs R] [--callgrind] N...\n");
				return 2;
			}
			if (run((uint32_t)n, engine, runs, callgrind) < 0)
				rc = 1;
		}
	}
	return rc;
}
