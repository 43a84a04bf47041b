/* Memory for the arrays a lookup reads at random: the hash slots, the rules
 * and the name pool. At a million signatures they span tens of MiB, and on
 * 4 KiB pages each probe would also miss the TLB; asking for transparent
 * huge pages keeps that to one page walk per 2 MiB. Control thread only. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sig_internal.h"

#define SIG_HUGE_PAGE (2u << 20)

void *sig_mem_alloc(size_t n)
{
	void *p;

	if (n < SIG_HUGE_PAGE)
		return calloc(1, n ? n : 1);
	n = (n + SIG_HUGE_PAGE - 1) & ~(size_t)(SIG_HUGE_PAGE - 1);
	if (posix_memalign(&p, SIG_HUGE_PAGE, n) != 0)
		return NULL;
	/* Advice only: without THP (or with it off) the pages stay small. */
	(void)madvise(p, n, MADV_HUGEPAGE);
	memset(p, 0, n);
	return p;
}
