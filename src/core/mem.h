/*
 * mem.h - allocation of the model's large arrays (private to the library).
 *
 * Arrays of 4 MiB and more are aligned to 2 MiB and marked for transparent huge pages, where the
 * kernel offers them: a tick touches every agent's columns and the lattice around it, and with
 * 4 KiB pages the translations miss far more often than the data (measured in
 * docs/PERFORMANCE.md). Memory from mem_zalloc is released with free().
 */
#ifndef UNREST_MEM_H
#define UNREST_MEM_H

#include <stddef.h>

/* n * size zeroed bytes, or NULL (also on overflow). */
void *mem_zalloc(size_t n, size_t size);

/* Grow *p from old_n to new_n elements of size bytes, zeroing the new part; keeps *p on
 * failure and returns -1. */
int mem_grow(void **p, size_t old_n, size_t new_n, size_t size);

#endif
