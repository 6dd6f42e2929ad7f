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
    RNG_PLACE = 1,   /* initial placement, keyed by cell */
    RNG_ATTR = 2,    /* hardship and risk aversion, keyed by agent */
    RNG_ORDER = 3,   /* activation order, keyed by tick */
    RNG_MOVE = 4,    /* movement target, keyed by (agent, tick) */
    RNG_ARREST = 5,  /* arrestee and term, keyed by (cop, tick) */
    RNG_RELEASE = 6, /* release placement, keyed by (agent, tick) */
    RNG_COPS = 7     /* adding/removing cops, keyed by tick */
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
