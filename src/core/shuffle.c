/*
 * shuffle.c - the keyed Fisher-Yates shuffle of the activation order (shuffle.h). Its draws are
 * fetched ahead in blocks (rng_fill), and where the CPU has AVX-512 sixteen indices are computed
 * per instruction; shuffle_list_ref draws one at a time, and the two must give the same
 * permutation (tests/test_model.c).
 */
#include "shuffle.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

/* The shuffle's draws: words of r's stream from a buffer of SHUF_BUF filled ahead (rng_fill),
 * whole, or as 16-bit halves, low half first (*at then counts halves). */
enum { SHUF_BUF = 256, SHUF_AHEAD = 16 };
static inline uint32_t shuffle_word(uint32_t *buf, uint32_t *at, rng *r)
{
    if (*at == SHUF_BUF) {
        rng_fill(r, buf, SHUF_BUF);
        *at = 0;
    }
    return buf[(*at)++];
}
static inline uint32_t shuffle_half(uint32_t *buf, uint32_t *at, rng *r)
{
    if (*at == 2 * SHUF_BUF) {
        rng_fill(r, buf, SHUF_BUF);
        *at = 0;
    }
    uint32_t d = (buf[*at >> 1] >> (16 * (*at & 1))) & 0xffffu;
    (*at)++;
    return d;
}

void shuffle_list(uint32_t *v, uint32_t n, rng *r)
{
    uint32_t buf[SHUF_BUF], at = SHUF_BUF;
    uint32_t i = n;
    for (; i > 65536; i--) {
        /* the entry swapped SHUF_AHEAD steps on, from its draw (a rejection between shifts the
         * guess: a line asked for in vain, never a result): on a list of millions the swaps
         * would otherwise wait for each of those lines in turn */
        if (at + SHUF_AHEAD < SHUF_BUF)
            __builtin_prefetch(&v[((uint64_t)buf[at + SHUF_AHEAD] * (i - SHUF_AHEAD)) >> 32], 1);
        uint64_t prod = (uint64_t)shuffle_word(buf, &at, r) * i;
        if ((uint32_t)prod < i) { /* rejection, rarely taken */
            uint32_t t = (uint32_t)(-i) % i;
            while ((uint32_t)prod < t)
                prod = (uint64_t)shuffle_word(buf, &at, r) * i;
        }
        uint32_t j = (uint32_t)(prod >> 32), tmp = v[i - 1];
        v[i - 1] = v[j];
        v[j] = tmp;
    }
    at *= 2; /* now counts halves */
    for (; i > 1; i--) {
#if defined(__AVX512F__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        /* sixteen indices at once while sixteen draws are buffered: the halves lie in memory in
         * draw order, so one widening load gives them; the lanes up to the first that might be
         * rejected (low half < i) are swapped, that one takes the scalar path below */
        while (i > 16 && at + 16 <= 2 * SHUF_BUF) {
            const __m512i lane =
                _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            __m512i iv = _mm512_sub_epi32(_mm512_set1_epi32((int)i), lane);
            __m512i d = _mm512_cvtepu16_epi32(
                _mm256_loadu_si256((const __m256i *)(const void *)((const uint16_t *)buf + at)));
            __m512i prod = _mm512_mullo_epi32(d, iv);
            __mmask16 risky =
                _mm512_cmplt_epu32_mask(_mm512_and_si512(prod, _mm512_set1_epi32(0xffff)), iv);
            uint32_t jv[16], ok = risky ? (uint32_t)__builtin_ctz(risky) : 16;
            _mm512_storeu_si512((void *)jv, _mm512_srli_epi32(prod, 16));
            for (uint32_t k = 0; k < ok; k++, i--) {
                uint32_t j = jv[k], tmp = v[i - 1];
                v[i - 1] = v[j];
                v[j] = tmp;
            }
            at += ok;
            if (ok < 16) break; /* the scalar step below, from the risky draw */
        }
        if (i <= 1) break;
#endif
        uint32_t prod = shuffle_half(buf, &at, r) * i;
        if ((prod & 0xffffu) < i) { /* rejection: P < i / 2^16 */
            uint32_t t = 65536u % i;
            while ((prod & 0xffffu) < t)
                prod = shuffle_half(buf, &at, r) * i;
        }
        uint32_t j = prod >> 16, tmp = v[i - 1];
        v[i - 1] = v[j];
        v[j] = tmp;
    }
}

void shuffle_list_ref(uint32_t *v, uint32_t n, rng *r)
{
    uint32_t i = n;
    for (; i > 65536; i--) { /* whole words */
        uint64_t prod = (uint64_t)rng_u32(r) * i;
        while ((uint32_t)prod < (uint32_t)(-i) % i)
            prod = (uint64_t)rng_u32(r) * i;
        uint32_t j = (uint32_t)(prod >> 32), tmp = v[i - 1];
        v[i - 1] = v[j];
        v[j] = tmp;
    }
    uint32_t word = 0, halves = 0; /* then 16-bit halves of the next words, low half first */
    for (; i > 1; i--) {
        uint32_t prod;
        do {
            if (!halves) {
                word = rng_u32(r);
                halves = 2;
            }
            prod = (word & 0xffffu) * i;
            word >>= 16;
            halves--;
        } while ((prod & 0xffffu) < 65536u % i);
        uint32_t j = prod >> 16, tmp = v[i - 1];
        v[i - 1] = v[j];
        v[j] = tmp;
    }
}
