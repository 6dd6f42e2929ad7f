/*
 * rng.h - keyed counter-based random numbers (private to the library).
 *
 * Every draw comes from Philox4x32-10 (Random123) with key = the 64-bit run seed and
 * counter = (agent, tick, stream, block). A stream of draws for one (agent, tick, stream) is
 * independent of every other, so results do not depend on iteration order or thread count.
 */
#ifndef UNREST_RNG_H
#define UNREST_RNG_H

#include <stdint.h>
#include <Random123/philox.h>

/* Streams: one per purpose, so adding a draw in one purpose never shifts another. */
enum {
    RNG_PLACE = 1,    /* initial placement, keyed by cell */
    RNG_ATTR = 2,     /* hardship and risk aversion, keyed by agent */
    RNG_ORDER = 3,    /* activation order, keyed by tick */
    RNG_MOVE = 4,     /* movement target, keyed by (agent, tick) */
    RNG_ARREST = 5,   /* arrestee and term, keyed by (cop, tick) */
    RNG_RELEASE = 6,  /* release placement, keyed by (agent, tick) */
    RNG_COPS = 7,     /* adding/removing cops, keyed by tick */
    RNG_FATIGUE = 8,  /* going home spent and rising again, keyed by (agent, tick) */
    RNG_RELOCATE = 9, /* moving anywhere on the lattice (relocate), keyed by (agent, tick) */
    RNG_BLOC = 10     /* which citizens form a bloc (bloc_scatter), one stream per model */
};

typedef struct rng {
    philox4x32_key_t key; /* seed */
    philox4x32_ctr_t ctr; /* (agent, tick, stream, block) */
    philox4x32_ctr_t out; /* last block of output */
    unsigned left;        /* unused words in out */
} rng;

static inline void rng_init(rng *r, uint64_t seed, uint32_t stream, uint32_t tick, uint32_t agent)
{
    r->key.v[0] = (uint32_t)seed;
    r->key.v[1] = (uint32_t)(seed >> 32);
    r->ctr.v[0] = agent;
    r->ctr.v[1] = tick;
    r->ctr.v[2] = stream;
    r->ctr.v[3] = 0;
    r->left = 0;
}

/* The Philox block is computed out of line, so that the common path (a buffered word) inlines. */
static __attribute__((noinline)) void rng_refill(rng *r)
{
    r->out = philox4x32(r->ctr, r->key);
    r->ctr.v[3]++;
    r->left = 4;
}

static inline __attribute__((always_inline)) uint32_t rng_u32(rng *r)
{
    if (r->left == 0) rng_refill(r);
    return r->out.v[--r->left];
}

/* Philox4x32-10 of n counters (c0[i], c1, c2, c3[i]) under key k, into out[i]: the same
 * numbers as philox4x32() block by block, computed 8 (AVX-512) or 4 (AVX2) blocks per
 * instruction where the CPU has them (rng.c). */
void philox_batch(const uint32_t *c0, uint32_t c1, uint32_t c2, const uint32_t *c3,
                  philox4x32_key_t k, philox4x32_ctr_t *out, uint32_t n);

/* Write the next n words of the stream to out: exactly what n calls of rng_u32 return, but the
 * Philox blocks are computed back to back, so the CPU overlaps them. */
static inline void rng_fill(rng *r, uint32_t *out, uint32_t n)
{
    uint32_t i = 0;
    while (i < n && r->left)
        out[i++] = r->out.v[--r->left];
    enum { B = 32 };
    while (n - i >= 4) {
        uint32_t nb = (n - i) / 4 < B ? (n - i) / 4 : B, c0[B], c3[B];
        philox4x32_ctr_t blk[B];
        for (uint32_t j = 0; j < nb; j++) {
            c0[j] = r->ctr.v[0];
            c3[j] = r->ctr.v[3] + j;
        }
        philox_batch(c0, r->ctr.v[1], r->ctr.v[2], c3, r->key, blk, nb);
        r->ctr.v[3] += nb;
        for (uint32_t j = 0; j < nb; j++, i += 4) {
            out[i] = blk[j].v[3];
            out[i + 1] = blk[j].v[2];
            out[i + 2] = blk[j].v[1];
            out[i + 3] = blk[j].v[0];
        }
    }
    while (i < n)
        out[i++] = rng_u32(r);
}

static inline uint64_t rng_u64(rng *r)
{
    uint64_t hi = rng_u32(r);
    return (hi << 32) | rng_u32(r);
}

/* Uniform double in [0,1) with 53 random bits. */
static inline double rng_uniform(rng *r)
{
    return (double)(rng_u64(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0,n), n > 0: Lemire's multiply-shift with rejection (unbiased). */
static inline uint32_t rng_below(rng *r, uint32_t n)
{
    uint64_t m = (uint64_t)rng_u32(r) * n;
    uint32_t l = (uint32_t)m;
    if (l < n) {
        uint32_t t = (uint32_t)(-n) % n;
        while (l < t) {
            m = (uint64_t)rng_u32(r) * n;
            l = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

#endif
