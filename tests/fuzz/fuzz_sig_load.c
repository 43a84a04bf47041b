/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The signature loader reads operator-written files: any bytes must give
 * file:line errors, never a crash, and whatever it accepted must compile
 * and answer a match on each accepted pattern without error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sig_report rep;
	struct sig_ruleset *rs;
	struct sigset *set;
	char *buf;

	if (size > 64 * 1024)
		return 0;
	buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);

	rs = sig_ruleset_new();
	if (rs == NULL)
		abort();
	memset(&rep, 0, sizeof(rep));
	/* A name in a folder that does not exist: relative imports fail cleanly. */
	if (sig_load_buf(rs, "/nonexistent/fuzz.sig", buf, size, &rep) < 0)
		abort();
	if (rep.errors > 0 && rep.first[0] == '\0')
		abort(); /* every error carries a message */

	set = sig_compile(rs, NULL, &rep);
	if (set != NULL) {
		struct sig_scratch *scr = sig_scratch_alloc(set);
		struct sig_verdict v;

		if (scr == NULL)
			abort();
		if (sig_match(set, scr, "a.example", 9, SIG_FIELD_SNI, &v) < 0)
			abort();
		sig_scratch_free(scr);
		sig_set_free(set);
	}
	sig_ruleset_free(rs);
	free(buf);
	return 0;
}
