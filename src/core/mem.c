/*
 * mem.c - large, zeroed, huge-page-friendly allocations (mem.h).
 */
#define _DEFAULT_SOURCE
#include "mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_MIN ((size_t)4 << 20)   /* arrays at least this big get huge pages */
#define HUGE_ALIGN ((size_t)2 << 20) /* x86-64 huge page */

void *mem_zalloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return NULL;
    size_t bytes = n * size;
    if (bytes < HUGE_MIN) return calloc(n ? n : 1, size ? size : 1);
    void *p = NULL;
    if (posix_memalign(&p, HUGE_ALIGN, bytes)) return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE); /* a hint: without it the pages are just small */
#endif
    memset(p, 0, bytes);
    return p;
}

int mem_grow(void **p, size_t old_n, size_t new_n, size_t size)
{
    void *q = mem_zalloc(new_n, size);
    if (!q) return -1;
    if (*p) memcpy(q, *p, (old_n < new_n ? old_n : new_n) * size);
    free(*p);
    *p = q;
    return 0;
}
