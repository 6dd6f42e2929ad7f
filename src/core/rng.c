/*
 * rng.c - Philox4x32-10 for many counters at once. Random123's philox4x32() computes one block
 * with a chain of dependent multiplies; here the blocks of a batch go through the rounds side
 * by side in vector registers (8 per AVX-512 register, 4 per AVX2 register), with the exact
 * arithmetic of Random123, so the numbers are the same on every CPU (tests/test_rng.c).
 */
#include "rng.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

#if defined(__AVX512F__)
/* Eight blocks, one per 64-bit lane holding a 32-bit word; rk: the round keys, broadcast. The
 * high halves of the lanes are never cleared: the multiplies read only the low halves, and the
 * results are truncated to them. */
static void batch8(const uint32_t *c0, uint32_t c1, uint32_t c2, const uint32_t *c3,
                   const __m512i rk[10][2], philox4x32_ctr_t *out)
{
    __m512i x0 = _mm512_cvtepu32_epi64(_mm256_loadu_si256((const __m256i *)(const void *)c0));
    __m512i x1 = _mm512_set1_epi64(c1);
    __m512i x2 = _mm512_set1_epi64(c2);
    __m512i x3 = _mm512_cvtepu32_epi64(_mm256_loadu_si256((const __m256i *)(const void *)c3));
    const __m512i m0 = _mm512_set1_epi64(PHILOX_M0), m1 = _mm512_set1_epi64(PHILOX_M1);
    for (int r = 0; r < 10; r++) {
        __m512i p0 = _mm512_mul_epu32(x0, m0), p1 = _mm512_mul_epu32(x2, m1);
        __m512i n0 = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(p1, 32), x1), rk[r][0]);
        __m512i n2 = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(p0, 32), x3), rk[r][1]);
        x1 = p1; /* low half: the low word of the product */
        x3 = p0;
        x0 = n0;
        x2 = n2;
    }
    /* transpose the four word vectors into eight blocks in registers: 4 x 8 -> 8 x 4 */
    __m256i y0 = _mm512_cvtepi64_epi32(x0), y1 = _mm512_cvtepi64_epi32(x1);
    __m256i y2 = _mm512_cvtepi64_epi32(x2), y3 = _mm512_cvtepi64_epi32(x3);
    __m256i t0 = _mm256_unpacklo_epi32(y0, y1), t1 = _mm256_unpackhi_epi32(y0, y1);
    __m256i t2 = _mm256_unpacklo_epi32(y2, y3), t3 = _mm256_unpackhi_epi32(y2, y3);
    __m256i b04 = _mm256_unpacklo_epi64(t0, t2), b15 = _mm256_unpackhi_epi64(t0, t2);
    __m256i b26 = _mm256_unpacklo_epi64(t1, t3), b37 = _mm256_unpackhi_epi64(t1, t3);
    _mm256_storeu_si256((__m256i *)(void *)&out[0], _mm256_permute2x128_si256(b04, b15, 0x20));
    _mm256_storeu_si256((__m256i *)(void *)&out[2], _mm256_permute2x128_si256(b26, b37, 0x20));
    _mm256_storeu_si256((__m256i *)(void *)&out[4], _mm256_permute2x128_si256(b04, b15, 0x31));
    _mm256_storeu_si256((__m256i *)(void *)&out[6], _mm256_permute2x128_si256(b26, b37, 0x31));
}
#elif defined(__AVX2__)
/* Four blocks, one per 64-bit lane holding a 32-bit word. */
static void batch4(const uint32_t *c0, uint32_t c1, uint32_t c2, const uint32_t *c3,
                   philox4x32_key_t k, philox4x32_ctr_t *out)
{
    __m256i x0 = _mm256_cvtepu32_epi64(_mm_loadu_si128((const __m128i *)(const void *)c0));
    __m256i x1 = _mm256_set1_epi64x(c1);
    __m256i x2 = _mm256_set1_epi64x(c2);
    __m256i x3 = _mm256_cvtepu32_epi64(_mm_loadu_si128((const __m128i *)(const void *)c3));
    const __m256i m0 = _mm256_set1_epi64x(PHILOX_M0), m1 = _mm256_set1_epi64x(PHILOX_M1);
    uint32_t k0 = k.v[0], k1 = k.v[1];
    for (int r = 0; r < 10; r++) {
        __m256i p0 = _mm256_mul_epu32(x0, m0), p1 = _mm256_mul_epu32(x2, m1);
        __m256i n0 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), x1),
                                      _mm256_set1_epi64x(k0));
        __m256i n2 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), x3),
                                      _mm256_set1_epi64x(k1));
        x1 = p1; /* high halves are never read (as in batch8) */
        x3 = p0;
        x0 = n0;
        x2 = n2;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    uint64_t w[4][4];
    _mm256_storeu_si256((__m256i *)(void *)w[0], x0);
    _mm256_storeu_si256((__m256i *)(void *)w[1], x1);
    _mm256_storeu_si256((__m256i *)(void *)w[2], x2);
    _mm256_storeu_si256((__m256i *)(void *)w[3], x3);
    for (int j = 0; j < 4; j++) {
        out[j].v[0] = (uint32_t)w[0][j];
        out[j].v[1] = (uint32_t)w[1][j];
        out[j].v[2] = (uint32_t)w[2][j];
        out[j].v[3] = (uint32_t)w[3][j];
    }
}
#define BATCH 4
#define BATCH_FN batch4
#endif

void philox_batch(const uint32_t *c0, uint32_t c1, uint32_t c2, const uint32_t *c3,
                  philox4x32_key_t k, philox4x32_ctr_t *out, uint32_t n)
{
    uint32_t i = 0;
#if defined(__AVX512F__)
    if (n >= 8) {
        __m512i rk[10][2]; /* the key schedule, once per call */
        uint32_t k0 = k.v[0], k1 = k.v[1];
        for (int r = 0; r < 10; r++, k0 += PHILOX_W0, k1 += PHILOX_W1) {
            rk[r][0] = _mm512_set1_epi64(k0);
            rk[r][1] = _mm512_set1_epi64(k1);
        }
        for (; i + 8 <= n; i += 8)
            batch8(c0 + i, c1, c2, c3 + i, (const __m512i(*)[2])rk, out + i);
    }
#elif defined(BATCH)
    for (; i + BATCH <= n; i += BATCH)
        BATCH_FN(c0 + i, c1, c2, c3 + i, k, out + i);
#endif
    for (; i < n; i++) {
        philox4x32_ctr_t c = {{c0[i], c1, c2, c3[i]}};
        out[i] = philox4x32(c, k);
    }
}
