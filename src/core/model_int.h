/*
 * model_int.h - what the model's files share (private to src/core/model*.c and the tests): the
 * model's struct, the agents' records, the per-thread worker, the rule switches an activation
 * branches on, and the vector kernels every file or test needs inline, each beside its plain-C
 * twin (NAME_ref) that tests/test_model.c compares with it on random inputs.
 *
 * model.c: create, destroy, accessors, run-time changes; model_rules.c: the agent rules and the
 * activation loop; model_seq.c: the random sequential update; model_par.c: the blocked parallel
 * update; shuffle.c: the keyed Fisher-Yates shuffle both updates draw their order from.
 */
#ifndef UNREST_MODEL_INT_H
#define UNREST_MODEL_INT_H

#include <stdint.h>
#include <string.h>

#include "lattice.h"
#if defined(__SSE4_1__)
#include <smmintrin.h>
#endif
#if defined(__AVX512F__)
#include <immintrin.h>
#endif
#include "rng.h"
#include "unrest/unrest.h"

#define NO_CELL UINT32_MAX
#define OCC_TAG_BIT 30
#define OCC_AGENT ((1u << OCC_TAG_BIT) - 1) /* occ: agent index below the tag bit */

#define PTAB 64
/* The steps of an activation are inlined into the activation loop (activate_list): calls cost
 * more than the work of some of them (docs/PERFORMANCE.md). */
#define HOT static inline __attribute__((always_inline))

/* The rule switches an activation branches on, as activate_list passes them to the inlined steps:
 * as run-time values in general, or as constants for the profiles' rule sets, each of which then
 * gets a copy of the loop without those branches (activate_list). */
typedef struct rules {
    int lean;           /* fast kernel, no focal points: a move takes the lean path (move) */
    int act_first;      /* order = act_move */
    int own_countdown;  /* countdown = own_activation */
    int self_once;      /* self_count = once */
    unrest_ratio ratio; /* how C/A enters P */
    int movement;       /* citizens move */
    int prefetch;       /* the agents do not fit the L2 cache: prefetch ahead */
} rules;

enum { ST_QUIET = 0, ST_ACTIVE = 1, ST_JAILED = 2, ST_COP = 3, ST_COP_OFF = 4 };

/* One agent in 16 bytes, one quarter of a cache line: an activation touches one line of agent
 * data, not one per column. The jail term is kept apart (unrest_model.term). */
typedef struct agent {
    uint32_t pos;  /* position (pos_make; jailed keep their last one) */
    float hard;    /* hardship H, citizens only */
    float risk;    /* risk aversion R, citizens only */
    uint8_t state; /* ST_* */
    uint8_t flags; /* AG_EVER: the citizen has been active (participants) */
} agent;
enum { AG_EVER = 1, AG_SPENT = 2 }; /* AG_SPENT: gone home tired (fatigue), cannot be active */

/* A growable list of agent indices. */
typedef struct idlist {
    uint32_t *v;
    uint32_t n;
    size_t cap;
} idlist;

/* Chunks of the countdown: at most this many, one per 64k citizens. Concatenated in order they
 * list the citizens due for release in index order, whatever the number of chunks or threads. */
#define COUNTDOWN_CHUNKS 64 /* (their entries: citizen, block, citizen, block, ...) */

struct unrest_model {
    unrest_params p;    /* parameters in force */
    uint64_t seed;      /* run seed (Philox key) */
    uint32_t tick;      /* ticks completed */
    lattice L;          /* occupancy bit rows and occupant index */
    shape cit_shape;    /* citizens' vision */
    shape cop_shape;    /* cops' vision */
    uint32_t occ_tag;   /* written into occ with an agent's index: the parity of the tick in
                         * progress (parallel update), so that an agent that has acted, moved
                         * or been placed this tick is not gathered again */
    uint32_t n_cit;     /* citizens, indices [0, n_cit) */
    uint32_t n_agents;  /* citizens + cop slots */
    uint32_t cap;       /* allocated agent slots */
    agent *ag;          /* the agents */
    uint16_t *term;     /* per agent: remaining jail term, 0 when free. An array of its own, so
                         * that the end-of-tick countdown streams 2 bytes per citizen, not a
                         * record; with that countdown a citizen is jailed iff its term is > 0 */
    uint32_t *order;    /* sequential update's activation order (allocated on first use) */
    uint32_t order_cap; /* entries allocated in order */
    uint32_t n_active;  /* free active citizens */
    uint32_t n_jailed;  /* jailed citizens */
    uint32_t n_cops;    /* cops on the lattice */
    uint32_t arrests;   /* during the last tick */
    uint32_t releases;  /* during the last tick */
    uint64_t moves;     /* during the last tick */
    double mean_h;      /* mean hardship (for tension) */
    double mean_r;      /* mean risk aversion (for tension) */
    double jfactor;     /* J_max^alpha */
    double ptab[PTAB];  /* P = 1 - exp(-k n) for integer ratios n < PTAB */
    uint32_t n_ever;    /* citizens active at least once */
    double vision0;     /* citizen vision at creation: the most unrest_model_set_vision allows */
    uint32_t nfocus;    /* focal points that draw active citizens (0 = none) */
    uint32_t focus[UNREST_MAX_FOCUS]; /* their positions (pos_make) */
    double pull; /* P(an active citizen's move takes the best of FOCUS_TRIES cells) */
    uint32_t frad[UNREST_MAX_FOCUS]; /* gathering: half the side of each point's area */
    double jump; /* gathering: P(a tick) an active citizen outside the areas goes to one */
    int choose;  /* gathering: the point is drawn by fw and fdecay, not the nearest */
    double fw[UNREST_MAX_FOCUS]; /* gathering's choice: each point's weight (0: not a target) */
    double fdecay;     /* gathering's choice: weight lost with distance, per lattice side */
    uint32_t nbx, nby; /* parallel update: blocks across and down */
    unsigned threads;  /* threads for the parallel update (results do not depend on it) */
    /* the parallel update's working memory, kept from tick to tick (no allocation per tick) */
    uint32_t *bufs;                    /* one block's gathered agents per thread */
    size_t bufs_cap;                   /* entries in bufs */
    idlist cd_chunk[COUNTDOWN_CHUNKS]; /* countdown: citizens due for release, per chunk */
    idlist cd_rel;                     /* the same, bucketed by block */
    uint8_t *cd_later;                 /* per cd_rel entry: vision full, released anywhere later */
    uint32_t *cd_start;                /* nblocks + 1: start of each block's bucket */
    char err[256];                     /* last error */
    struct model_mirror *mirror;       /* not NULL: a mirror, no lattice (model_mirror.h) */
};

/* What one thread does to a model during a tick: counter changes are tallied here and summed
 * after the phase (integer sums: the same whatever the thread count or schedule). */
typedef struct worker {
    unrest_model *m;                  /* the model */
    const philox4x32_ctr_t *premove;  /* first RNG_MOVE block of the agent being activated */
    const philox4x32_ctr_t *premove1; /* its second, where computed ahead, else NULL */
    int64_t d_active;                 /* change in free active citizens */
    int64_t d_jailed;                 /* change in jailed citizens */
    uint64_t arrests, releases;       /* events */
    uint64_t moves;                   /* agents that changed cell */
    uint64_t first;                   /* citizens active for the first time */
} worker;

static inline void worker_init(worker *w, unrest_model *m)
{
    memset(w, 0, sizeof *w);
    w->m = m;
}

static inline double grievance_factor(const unrest_params *p)
{
    return p->hardship_scale * (1.0 - p->legitimacy);
}

/* ---- occupancy changes ---- */

/* Put agent a on the empty cell p. An empty cell's bits are clear in both planes (whoever left
 * it cleared them), so only a cop or an active citizen sets one. */
static inline void occupy(unrest_model *m, uint32_t a, uint32_t p)
{
    uint32_t x = pos_x(p), y = pos_y(p);
    uint8_t st = m->ag[a].state;
    pad_write(&m->L, x, y, 1);
    m->L.occ[pos_index(&m->L, p)] = (int32_t)(a | m->occ_tag);
    if (st == ST_COP || st == ST_ACTIVE) bit_set(&m->L, st == ST_COP ? m->L.cop : m->L.act, x, y);
    m->ag[a].pos = p;
}

static inline void vacate(unrest_model *m, uint32_t p)
{
    uint32_t x = pos_x(p), y = pos_y(p);
    pad_write(&m->L, x, y, 0);
    bit_clear(&m->L, m->L.cop, x, y);
    bit_clear(&m->L, m->L.act, x, y);
    m->L.occ[pos_index(&m->L, p)] = -1;
}

/* ---- vector kernels and their plain-C twins ---- */

/* The end-of-tick countdown of terms t[0..n), n <= 64: every finite term > 0 decrements;
 * returns the citizens due for release (term now 0) as bits. Only jailed citizens have a term
 * > 0 under this countdown (arrest), so the records are not read. count_down_ref: one by one. */
static inline uint64_t count_down_ref(uint16_t *t, uint32_t n)
{
    uint64_t due = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t v = t[i], fin = (uint32_t)(v - 1u < UNREST_JAIL_FOREVER - 1u); /* 1 .. max */
        t[i] = (uint16_t)(v - fin);
        due |= (uint64_t)(fin & (uint32_t)(v == 1)) << i;
    }
    return due;
}

static inline uint64_t count_down(uint16_t *t, uint32_t n)
{
#if defined(__AVX512BW__)
    if (n == 64) {
        const __m512i one = _mm512_set1_epi16(1), zero = _mm512_setzero_si512();
        const __m512i inf = _mm512_set1_epi16((short)UNREST_JAIL_FOREVER);
        uint64_t due = 0;
        for (int h = 0; h < 2; h++) {
            __m512i v = _mm512_loadu_si512((const void *)(t + 32 * h));
            __mmask32 fin = _mm512_cmpneq_epi16_mask(v, zero) & _mm512_cmpneq_epi16_mask(v, inf);
            due |= (uint64_t)_mm512_mask_cmpeq_epi16_mask(fin, v, one) << (32 * h);
            _mm512_mask_storeu_epi16((void *)(t + 32 * h), fin, _mm512_sub_epi16(v, one));
        }
        return due;
    }
#endif
    return count_down_ref(t, n);
}

/* list_actors (below) one by one from agent a on, k entries already in list. */
static inline uint32_t list_actors_from(uint16_t *term, uint32_t a, uint32_t n, int own,
                                        uint32_t *list, uint32_t k)
{
    for (; a < n; a++) {
        uint32_t t = term[a];
        list[k] = a;
        k += t == 0;
        if (own) term[a] = (uint16_t)(t - (uint32_t)((t != 0) & (t != UNREST_JAIL_FOREVER)));
    }
    return k;
}

static inline uint32_t list_actors_ref(uint16_t *term, uint32_t n, int own, uint32_t *list)
{
    return list_actors_from(term, 0, n, own, list, 0);
}

/* The agents that act this tick, in index order, into list; returns how many. A citizen with a
 * jail term left at the start of the tick is in jail until the end of it: its activation would
 * do nothing (end-of-tick countdown) or just count its term down (own activation, done here), so
 * it is left out of the activation order. Those arrested during the tick are still in it, and
 * skipped when met. */
static inline uint32_t list_actors(uint16_t *term, uint32_t n, int own, uint32_t *list)
{
    uint32_t k = 0, a = 0;
#if defined(__AVX512BW__)
    const __m512i step = _mm512_set1_epi32(16), zero = _mm512_setzero_si512();
    const __m512i one = _mm512_set1_epi16(1), inf = _mm512_set1_epi16((short)UNREST_JAIL_FOREVER);
    __m512i idx = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (; a + 32 <= n; a += 32) {
        __m512i t = _mm512_loadu_si512((const void *)(term + a));
        __mmask32 free = _mm512_cmpeq_epi16_mask(t, zero);
        if (own) {
            __mmask32 dec = ~free & _mm512_cmpneq_epi16_mask(t, inf);
            _mm512_mask_storeu_epi16((void *)(term + a), dec, _mm512_sub_epi16(t, one));
        }
        _mm512_mask_compressstoreu_epi32((void *)(list + k), (__mmask16)free, idx);
        k += (uint32_t)__builtin_popcount((uint32_t)free & 0xffffu);
        idx = _mm512_add_epi32(idx, step);
        _mm512_mask_compressstoreu_epi32((void *)(list + k), (__mmask16)(free >> 16), idx);
        k += (uint32_t)__builtin_popcount((uint32_t)free >> 16);
        idx = _mm512_add_epi32(idx, step);
    }
#endif
    return list_actors_from(term, a, n, own, list, k);
}

/* gather_row (below) one cell at a time. */
static inline uint32_t gather_row_from(int32_t *occ, uint32_t x, uint32_t x1, uint32_t parity,
                                       uint32_t *buf, uint32_t n)
{
    for (; x < x1; x++) {
        /* an occupant whose tag is another tick's parity has not acted yet; written
         * without a branch (emptiness is a coin toss) and without touching the agents */
        uint32_t v = (uint32_t)occ[x];
        uint32_t take = (uint32_t)((int32_t)v >= 0) & ((v >> OCC_TAG_BIT) != parity);
        occ[x] = (int32_t)(v ^ take << OCC_TAG_BIT); /* now tagged with this tick */
        buf[n] = v & OCC_AGENT;
        n += take;
    }
    return n;
}

static inline uint32_t gather_row_ref(int32_t *occ, uint32_t x0, uint32_t x1, uint32_t parity,
                                      uint32_t *buf)
{
    return gather_row_from(occ, x0, x1, parity, buf, 0);
}

/* The agents on cells x0 .. x1 - 1 of one row of occ whose tag is not `parity` (they have not
 * acted this tick), retagged, into buf; returns how many. buf has 16 entries to spare. */
static inline uint32_t gather_row(int32_t *occ, uint32_t x0, uint32_t x1, uint32_t parity,
                                  uint32_t *buf)
{
    uint32_t n = 0, x = x0;
#if defined(__AVX512F__)
    /* sixteen cells at a time: the same test, a masked store of the new tags, and the
     * taken indices packed in a register */
    const __m512i tag = _mm512_set1_epi32(1 << OCC_TAG_BIT);
    const __m512i want = _mm512_set1_epi32((int)(parity << OCC_TAG_BIT));
    const __m512i idx = _mm512_set1_epi32((int)OCC_AGENT);
    for (; x + 16 <= x1; x += 16) {
        __m512i v = _mm512_loadu_si512((const void *)(occ + x));
        __mmask16 take = _mm512_cmpge_epi32_mask(v, _mm512_setzero_si512()) &
                         _mm512_cmpneq_epi32_mask(_mm512_and_si512(v, tag), want);
        _mm512_mask_storeu_epi32((void *)(occ + x), take, _mm512_xor_si512(v, tag));
        _mm512_storeu_si512((void *)(buf + n),
                            _mm512_maskz_compress_epi32(take, _mm512_and_si512(v, idx)));
        n += (uint32_t)__builtin_popcount(take);
    }
#endif
    return gather_row_from(occ, x, x1, parity, buf, n);
}

/* Movement's rejection sampling, fast kernel (see q_pick_empty in model_rules.c): the first
 * empty candidate of one block of eight 16-bit draws (words w[0..4) in the order rng_u32 hands
 * them out, each low half first) in the shape s around (x, y), or NO_CELL. box: the padded byte
 * grid at the corner of the shape's bounding box. pick_block_ref: all eight without branches,
 * in plain C. */
HOT uint32_t pick_block_ref(const lattice *L, const shape *s, uint32_t x, uint32_t y,
                            const uint8_t *box, const uint32_t *w)
{
    uint32_t size = s->size, reject = s->reject16; /* Lemire: biased iff low half < reject */
    const uint32_t *off = s->off;
    uint32_t ok = 0, prod[8];
#pragma GCC unroll 8
    for (uint32_t j = 0; j < 8; j++) {
        prod[j] = ((w[j >> 1] >> (16 * (j & 1))) & 0xffffu) * size;
        ok |= (uint32_t)(!box[off[prod[j] >> 16]] & ((prod[j] & 0xffffu) >= reject)) << j;
    }
    return ok ? shape_at(L, s, x, y, prod[__builtin_ctz(ok)] >> 16) : NO_CELL;
}

HOT uint32_t pick_block(const lattice *L, const shape *s, uint32_t x, uint32_t y,
                        const uint8_t *box, const uint32_t *w)
{
#if defined(__SSE4_1__)
    uint32_t size = s->size, reject = s->reject16;
    const uint32_t *off = s->off;
    /* the eight 16-bit draws as vector lanes */
    __m128i d = _mm_loadu_si128((const __m128i *)(const void *)w);
    __m128i sz = _mm_set1_epi16((short)size), lo = _mm_mullo_epi16(d, sz);
    __m128i fairv = _mm_cmpeq_epi16(_mm_max_epu16(lo, _mm_set1_epi16((short)reject)), lo);
    uint32_t ok = (uint32_t)_mm_movemask_epi8(_mm_packs_epi16(fairv, _mm_setzero_si128()));
    uint16_t k[8];
    _mm_storeu_si128((__m128i *)(void *)k, _mm_mulhi_epu16(d, sz));
    uint32_t b[8];
#pragma GCC unroll 8
    for (uint32_t j = 0; j < 8; j++)
        b[j] = box[off[k[j]]];
    /* the bytes are 0 or 1: sums of distinct powers of two, one lea each, no compares */
    uint32_t full =
        (b[0] + 2 * b[1] + 4 * b[2] + 8 * b[3]) | (b[4] + 2 * b[5] + 4 * b[6] + 8 * b[7]) << 4;
    ok &= ~full;
    return ok ? shape_at(L, s, x, y, k[__builtin_ctz(ok)]) : NO_CELL;
#else
    return pick_block_ref(L, s, x, y, box, w);
#endif
}

/* ---- the files' entry points to each other ---- */

/* model_rules.c: activate the agents of list[0..n) in that order; around: prefetch the lattice
 * around each agent a few activations ahead (a list in random order over the whole lattice). */
void model_activate_list(worker *w, const uint32_t *list, uint32_t n, int around);
/* model_rules.c: return jailed citizen a to the lattice (its cell, else in vision, else if
 * anywhere anywhere); 0 if that fails. */
int model_release_to(worker *w, uint32_t a, int anywhere);
/* model_rules.c: a uniformly random empty cell of the whole lattice, or NO_CELL if it is full. */
uint32_t model_random_empty_cell(const unrest_model *m, rng *r);
/* model_seq.c: one tick of random sequential activation, end-of-tick countdown included. */
int model_step_sequential(unrest_model *m, worker *w);
/* model_par.c: one tick of blocked parallel activation, end-of-tick countdown included. */
int model_step_parallel(unrest_model *m, worker *total);

#endif
