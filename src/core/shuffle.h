/*
 * shuffle.h - the keyed Fisher-Yates shuffle that both updates draw their activation order from
 * (private to the library), and its plain-C twin for the tests.
 */
#ifndef UNREST_SHUFFLE_H
#define UNREST_SHUFFLE_H

#include <stdint.h>

#include "rng.h"

/* Fisher-Yates shuffle of v[0..n) with keyed draws from r: for i = n .. 2, swap v[i - 1] with
 * v[j], j uniform in [0, i) by Lemire's multiply-shift with rejection. Below 2^16 (every list
 * the model shuffles but a sequential update of more than 65536 agents) j takes a 16-bit draw,
 * two per word of the stream, low half first; above, a whole word. r is left at an unspecified
 * point of its stream (draws are fetched ahead). */
void shuffle_list(uint32_t *v, uint32_t n, rng *r);

/* The same permutation, one draw at a time with rng_u32 and no vector path: the twin that
 * tests/test_model.c compares shuffle_list with. */
void shuffle_list_ref(uint32_t *v, uint32_t n, rng *r);

#endif
