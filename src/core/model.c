/*
 * model.c - Epstein's civil violence model I: citizens and cops on a torus, random sequential
 * activation, with every rule on which the paper, NetLogo and Mesa differ taken from
 * unrest_params.
 *
 * Agents are 16-byte records: citizens at indices [0, n_cit), cop slots at [n_cit, n_agents).
 * The lattice (lattice.h) answers "how many cops/actives/empty cells in vision" and "the k-th
 * of them" in a few popcounts per row. Every random draw is keyed (rng.h), so a seed fixes the
 * run whatever the iteration order.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "lattice.h"
#if defined(__SSE4_1__)
#include <smmintrin.h>
#endif
#if defined(__AVX512BW__)
#include <immintrin.h>
#endif
#include "mem.h"
#include "rng.h"
#include "unrest/unrest.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define NO_CELL UINT32_MAX
#define OCC_TAG_BIT 30
#define OCC_AGENT ((1u << OCC_TAG_BIT) - 1) /* occ: agent index below the tag bit */

#define PTAB 64
/* The steps of an activation are inlined into the activation loop (activate_list): calls cost
 * more than the work of some of them (docs/PERFORMANCE.md). */
#define HOT static inline __attribute__((always_inline))
#define FOCUS_TRIES 4 /* candidates an active citizen compares when heading for a focal point */

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
enum { AG_EVER = 1 };

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
    double pull;       /* P(an active citizen's move takes the best of FOCUS_TRIES cells) */
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
};

/* What one thread does to a model during a tick: counter changes are tallied here and summed
 * after the phase (integer sums: the same whatever the thread count or schedule). */
typedef struct worker {
    unrest_model *m;                 /* the model */
    const philox4x32_ctr_t *premove; /* first RNG_MOVE block of the agent being activated */
    int64_t d_active;                /* change in free active citizens */
    int64_t d_jailed;                /* change in jailed citizens */
    uint64_t arrests, releases;      /* events */
    uint64_t moves;                  /* agents that changed cell */
    uint64_t first;                  /* citizens active for the first time */
} worker;

static void worker_init(worker *w, unrest_model *m)
{
    memset(w, 0, sizeof *w);
    w->m = m;
}

/* Add a worker's tallies to the model's counters. */
static void worker_merge(unrest_model *m, const worker *w)
{
    m->n_active = (uint32_t)((int64_t)m->n_active + w->d_active);
    m->n_jailed = (uint32_t)((int64_t)m->n_jailed + w->d_jailed);
    m->arrests += (uint32_t)w->arrests;
    m->releases += (uint32_t)w->releases;
    m->moves += w->moves;
    m->n_ever += (uint32_t)w->first;
}

/* ---- neighbourhood queries: fast path or brute-force twin ---- */

static inline void q_count2(const unrest_model *m, const uint64_t *a, const uint64_t *b,
                            const shape *s, uint32_t pos, uint32_t *ca, uint32_t *cb)
{
    uint32_t x = pos_x(pos), y = pos_y(pos);
    if (m->p.kernel == UNREST_KERNEL_FAST) {
        uint64_t both = lat_count2(&m->L, a, b, s, x, y);
        *ca = (uint32_t)both;
        *cb = (uint32_t)(both >> 32);
    } else {
        *ca = scan_count(&m->L, a, s, x, y);
        *cb = scan_count(&m->L, b, s, x, y);
    }
}

/* A uniformly random cell of the shape around `pos` whose bit is set, or NO_CELL if there is
 * none. One draw from r, and only when there is a candidate. */
static inline uint32_t q_pick(const unrest_model *m, const uint64_t *bits, const shape *s,
                              uint32_t pos, rng *r)
{
    uint32_t x = pos_x(pos), y = pos_y(pos);
    if (m->p.kernel == UNREST_KERNEL_FAST) {
        uint32_t cnt[SHAPE_ROWS_PAD];
        uint32_t n = lat_count_rows(&m->L, bits, s, x, y, cnt);
        return n ? lat_select_rows(&m->L, bits, s, x, y, cnt, rng_below(r, n)) : NO_CELL;
    }
    uint32_t n = scan_count(&m->L, bits, s, x, y);
    return n ? scan_select(&m->L, bits, s, x, y, rng_below(r, n)) : NO_CELL;
}

/* The same for empty cells: count them all and pick one (the fallback of q_pick_empty). */
static uint32_t q_pick_empty_exact(const unrest_model *m, const shape *s, uint32_t pos, rng *r)
{
    uint32_t x = pos_x(pos), y = pos_y(pos);
    if (m->p.kernel == UNREST_KERNEL_FAST) {
        uint32_t cnt[SHAPE_ROWS_PAD];
        uint32_t n = pad_count_empty(&m->L, s, x, y, cnt);
        return n ? pad_select_empty(&m->L, s, x, y, cnt, rng_below(r, n)) : NO_CELL;
    }
    uint32_t n = scan_count_empty(&m->L, s, x, y);
    return n ? scan_select_empty(&m->L, s, x, y, rng_below(r, n)) : NO_CELL;
}

/* A uniformly random empty cell of the shape around `pos`, or NO_CELL if there is none.
 * Rejection sampling: candidate cells are drawn uniformly from the shape (16-bit Lemire draws,
 * eight per Philox block; 8-bit ones, sixteen per block, for shapes of at most 128 cells) and
 * the first empty one in draw order wins: about 4 candidates at the paper's density 0.74,
 * exactly uniform over the empty cells. The fast kernel tests eight candidates at a time
 * without branches; the scan twin tests them one by one, enumerating the shape, and must choose
 * the same cell. After PICK_BLOCKS blocks of misses it counts and selects exactly. */
#define PICK_BLOCKS 4

/* Fast kernel: the first empty candidate of one block (words w[0..4) in the order rng_u32 hands
 * them out), or NO_CELL. */
HOT uint32_t pick_block(const unrest_model *m, const shape *s, uint32_t x, uint32_t y,
                        const uint8_t *box, const uint32_t *w)
{
    uint32_t size = s->size, reject = s->reject16; /* Lemire: biased iff low half < reject */
    const uint32_t *off = s->off;
#if defined(__SSE4_1__)
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
    return ok ? shape_at(&m->L, s, x, y, k[__builtin_ctz(ok)]) : NO_CELL;
#else
    /* all eight candidates without branches; the first empty one in draw order */
    uint32_t ok = 0, prod[8];
#pragma GCC unroll 8
    for (uint32_t j = 0; j < 8; j++) {
        prod[j] = ((w[j >> 1] >> (16 * (j & 1))) & 0xffffu) * size;
        ok |= (uint32_t)(!box[off[prod[j] >> 16]] & ((prod[j] & 0xffffu) >= reject)) << j;
    }
    return ok ? shape_at(&m->L, s, x, y, prod[__builtin_ctz(ok)] >> 16) : NO_CELL;
#endif
}

/* Draw j (0 .. 15) of a block for narrow shapes: the bytes of v[3], v[2], v[1], v[0] in turn,
 * each word low byte first (the order rng_u32 hands out the words). */
static inline uint32_t narrow_draw(const philox4x32_ctr_t *blk, uint32_t j)
{
    return (blk->v[3 - (j >> 2)] >> (8 * (j & 3))) & 0xffu;
}

/* Fast kernel, narrow shape: the first empty candidate of the 8-bit draws 8h .. 8h + 7 of blk, or
 * NO_CELL. noff sends a draw Lemire rejects to the centre, where the mover stands: a miss. */
HOT uint32_t pick_eight(const unrest_model *m, const shape *s, uint32_t x, uint32_t y,
                        const uint8_t *box, const philox4x32_ctr_t *blk, uint32_t h)
{
    const uint32_t *t = s->noff;
    uint32_t b[8];
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* draw 8h + j is byte j ^ 4 of the words v[3 - 2h], v[2 - 2h] as they lie in memory */
    const uint8_t *vb = (const uint8_t *)(const void *)blk->v + 8 * (1 - h);
#define DRAW8(j) vb[(j) ^ 4]
#else
#define DRAW8(j) narrow_draw(blk, 8 * h + (j))
#endif
#pragma GCC unroll 8
    for (uint32_t j = 0; j < 8; j++)
        b[j] = box[t[DRAW8(j)]];
    /* the bytes are 0 or 1: sums of distinct powers of two, one lea each */
    uint32_t full =
        (b[0] + 2 * b[1] + 4 * b[2] + 8 * b[3]) | (b[4] + 2 * b[5] + 4 * b[6] + 8 * b[7]) << 4;
    uint32_t ok = ~full & 0xffu;
    if (!ok) return NO_CELL;
    return shape_at(&m->L, s, x, y, s->nk[DRAW8((uint32_t)__builtin_ctz(ok))]);
#undef DRAW8
}

/* The first empty candidate of a block: sixteen 8-bit draws for a narrow shape, eight at a time
 * (the second eight only if the first all miss), else eight 16-bit draws (pick_block). */
HOT uint32_t pick_any(const unrest_model *m, const shape *s, uint32_t x, uint32_t y,
                      const uint8_t *box, const philox4x32_ctr_t *blk)
{
    if (s->narrow) {
        uint32_t to = pick_eight(m, s, x, y, box, blk, 0);
        return to != NO_CELL ? to : pick_eight(m, s, x, y, box, blk, 1);
    }
    uint32_t w[4] = {blk->v[3], blk->v[2], blk->v[1], blk->v[0]}; /* as rng_u32 hands them out */
    return pick_block(m, s, x, y, box, w);
}

/* The candidates of blocks b0 .. PICK_BLOCKS - 1 of r's stream, then the exact fallback. */
static uint32_t q_pick_empty_from(const unrest_model *m, const shape *s, uint32_t pos, rng *r,
                                  int b0)
{
    uint32_t x = pos_x(pos), y = pos_y(pos), size = s->size;
    const uint8_t *box = m->L.pad + pad_base(&m->L, x, y) - s->box;
    for (int b = b0; b < PICK_BLOCKS; b++) {
        philox4x32_ctr_t blk; /* the next four words, v[3] first (as the stream hands them out) */
        for (int i = 3; i >= 0; i--)
            blk.v[i] = rng_u32(r);
        if (m->p.kernel == UNREST_KERNEL_FAST) {
            uint32_t to = pick_any(m, s, x, y, box, &blk);
            if (to != NO_CELL) return to;
            continue;
        }
        /* the scan twin: the same draws one by one, enumerating the shape */
        uint32_t nd = s->narrow ? 16 : 8;
        for (uint32_t j = 0; j < nd; j++) {
            uint32_t k;
            if (s->narrow) {
                uint32_t prod = narrow_draw(&blk, j) * size;
                if ((prod & 0xffu) < s->reject8) continue;
                k = prod >> 8;
            } else {
                uint32_t prod = ((blk.v[3 - (j >> 1)] >> (16 * (j & 1))) & 0xffffu) * size;
                if ((prod & 0xffffu) < s->reject16) continue;
                k = prod >> 16;
            }
            uint32_t p = scan_nth(&m->L, s, x, y, k);
            if (!pad_test(&m->L, pos_x(p), pos_y(p))) return p;
        }
    }
    return q_pick_empty_exact(m, s, pos, r);
}

static uint32_t q_pick_empty(const unrest_model *m, const shape *s, uint32_t pos, rng *r)
{
    return q_pick_empty_from(m, s, pos, r, 0);
}

/* Fast kernel, first block missed: the second block of agent a's movement stream computed
 * directly (no stream is set up unless it misses too), then the rest. */
static __attribute__((noinline)) uint32_t pick_rest(const unrest_model *m, const shape *s,
                                                    uint32_t a, uint32_t pos, const uint8_t *box)
{
    philox4x32_key_t key = {{(uint32_t)m->seed, (uint32_t)(m->seed >> 32)}};
    philox4x32_ctr_t ctr = {{a, m->tick + 1, RNG_MOVE, 1}};
    philox4x32_ctr_t b = philox4x32(ctr, key);
    uint32_t to = pick_any(m, s, pos_x(pos), pos_y(pos), box, &b);
    if (to != NO_CELL) return to;
    rng r;
    rng_init(&r, m->seed, RNG_MOVE, m->tick + 1, a);
    r.ctr.v[3] = 2;
    return q_pick_empty_from(m, s, pos, &r, 2);
}

/* ---- occupancy changes ---- */

/* Put agent a on the empty cell p. An empty cell's bits are clear in both planes (whoever left
 * it cleared them), so only a cop or an active citizen sets one. */
static void occupy(unrest_model *m, uint32_t a, uint32_t p)
{
    uint32_t x = pos_x(p), y = pos_y(p);
    uint8_t st = m->ag[a].state;
    pad_write(&m->L, x, y, 1);
    m->L.occ[pos_index(&m->L, p)] = (int32_t)(a | m->occ_tag);
    if (st == ST_COP || st == ST_ACTIVE) bit_set(&m->L, st == ST_COP ? m->L.cop : m->L.act, x, y);
    m->ag[a].pos = p;
}

static void vacate(unrest_model *m, uint32_t p)
{
    uint32_t x = pos_x(p), y = pos_y(p);
    pad_write(&m->L, x, y, 0);
    bit_clear(&m->L, m->L.cop, x, y);
    bit_clear(&m->L, m->L.act, x, y);
    m->L.occ[pos_index(&m->L, p)] = -1;
}

/* Move agent a to the empty cell `to`, touching only the planes its kind is marked in. Both
 * cells are located before the first store (cell_locate). */
HOT void relocate(worker *w, uint32_t a, uint32_t from, uint32_t to)
{
    unrest_model *m = w->m;
    const lattice *L = &m->L;
    agent *g = &m->ag[a];
    uint8_t st = g->state;
    int32_t *occ = L->occ;
    size_t of = pos_index(L, from), ot = pos_index(L, to);
    int32_t tag = (int32_t)(a | m->occ_tag);
    uint32_t fx = pos_x(from), fy = pos_y(from), tx = pos_x(to), ty = pos_y(to);
    cell_at cf = cell_locate(L, fx, fy);
    cell_at ct = cell_locate(L, tx, ty);
    cell_pad_write(&cf, 0);
    cell_pad_write(&ct, 1);
    occ[of] = -1;
    occ[ot] = tag;
    if (st == ST_COP || st == ST_ACTIVE) { /* the bit planes: cops and actives only */
        uint64_t *plane = st == ST_COP ? L->cop : L->act;
        bit_put(L, plane, fx, fy, 0);
        bit_put(L, plane, tx, ty, 1);
    }
    g->pos = to;
    w->moves++;
}

static int is_blocked(const unrest_model *m, uint32_t p)
{
    return pad_test(&m->L, pos_x(p), pos_y(p));
}

/* A uniformly random empty position of the whole lattice, or NO_CELL if it is full. */
static uint32_t random_empty_cell(const unrest_model *m, rng *r)
{
    uint32_t w = m->L.w, h = m->L.h;
    for (int i = 0; i < 64; i++) {
        uint32_t p = pos_make(rng_below(r, w), rng_below(r, h));
        if (!is_blocked(m, p)) return p;
    }
    /* nearly full lattice: count and pick exactly */
    uint64_t empty = 0;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            empty += !pad_test(&m->L, x, y);
    if (!empty) return NO_CELL;
    uint64_t k = ((uint64_t)rng_u32(r) << 32 | rng_u32(r)) % empty;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            if (!pad_test(&m->L, x, y) && k-- == 0) return pos_make(x, y);
    return NO_CELL;
}

/* ---- agent rules ---- */

/* Squared torus distance from p to the nearest focal point. */
static uint32_t focus_dist(const unrest_model *m, uint32_t p)
{
    uint32_t best = UINT32_MAX, x = pos_x(p), y = pos_y(p);
    for (uint32_t i = 0; i < m->nfocus; i++) {
        uint32_t fx = pos_x(m->focus[i]), fy = pos_y(m->focus[i]);
        uint32_t dx = x > fx ? x - fx : fx - x, dy = y > fy ? y - fy : fy - y;
        if (dx > m->L.w - dx) dx = m->L.w - dx;
        if (dy > m->L.h - dy) dy = m->L.h - dy;
        uint32_t d = dx * dx + dy * dy;
        if (d < best) best = d;
    }
    return best;
}

/* Rule M: move to a uniformly random empty cell within vision (stay if there is none); an
 * active citizen may instead head for a focal point (unrest_model_set_focus). */
HOT void move(worker *w, uint32_t a, const shape *s, uint32_t pos, rules ru)
{
    unrest_model *m = w->m;
    if (ru.lean) { /* (activate_list sets premove) */
        /* the first block was computed ahead (activate_list): no stream is set up unless its
         * candidates all miss */
        const uint8_t *box = m->L.pad + pad_base(&m->L, pos_x(pos), pos_y(pos)) - s->box;
        uint32_t to = pick_any(m, s, pos_x(pos), pos_y(pos), box, w->premove);
        if (to == NO_CELL) /* the rest of the stream, from its second block */
            to = pick_rest(m, s, a, pos, box);
        if (to != NO_CELL) relocate(w, a, pos, to);
        return;
    }
    rng r;
    rng_init(&r, m->seed, RNG_MOVE, m->tick + 1, a);
    if (w->premove) { /* the same block, computed ahead (activate_list) */
        r.out = *w->premove;
        r.ctr.v[3] = 1;
        r.left = 4;
    }
    uint32_t to = q_pick_empty(m, s, pos, &r);
    if (to == NO_CELL) return;
    if (m->nfocus && m->ag[a].state == ST_ACTIVE && rng_uniform(&r) < m->pull) {
        /* crowds gather: the candidate nearest a focal point among FOCUS_TRIES (keyed draws
         * from the same stream, so the run stays reproducible) */
        uint32_t best = focus_dist(m, to);
        for (int i = 1; i < FOCUS_TRIES; i++) {
            uint32_t c = q_pick_empty(m, s, pos, &r), d;
            if (c != NO_CELL && (d = focus_dist(m, c)) < best) {
                best = d;
                to = c;
            }
        }
    }
    relocate(w, a, pos, to);
}

/* The ratio C/A rounded as an integer profile reads it (floor or round-half-even). */
HOT uint32_t int_ratio(unrest_ratio rule, uint32_t c, uint32_t a)
{
    uint32_t q = c / a, rem = c % a;
    if (rule == UNREST_RATIO_ROUND_EVEN) /* no branch on the rounding: a coin toss */
        q += (uint32_t)(2 * rem > a) | ((uint32_t)(2 * rem == a) & q);
    return q;
}

/* Grievance G = H * scale * (1 - L) of citizen a, given gf = scale * (1 - L) (grievance_factor):
 * one multiply per citizen. */
static inline double grievance(const unrest_model *m, uint32_t a, double gf)
{
    return (double)m->ag[a].hard * gf;
}

static inline double grievance_factor(const unrest_params *p)
{
    return p->hardship_scale * (1.0 - p->legitimacy);
}

/* Rule A: active iff G - R*P*J^alpha > T, g being citizen a's grievance (grievance()).
 * Citizens with G <= T can never be active (N >= 0), so they skip the count: exact, not an
 * approximation. */
HOT void act(worker *w, uint32_t a, double g, rules ru)
{
    unrest_model *m = w->m;
    const unrest_params *p = &m->p;
    int was = m->ag[a].state == ST_ACTIVE, now = 0;
    if (g > p->threshold) {
        uint32_t c, ain;
        q_count2(m, m->L.cop, m->L.act, &m->cit_shape, m->ag[a].pos, &c, &ain);
        uint32_t acount = 1 + ain - (uint32_t)(ru.self_once && was);
        /* P from the table for integer ratios (floor, round_even), else the expression; P = 0
         * when there is no cop or the ratio is 0, so that G - N = G > T: no branch on it */
        double prob;
        if (ru.ratio == UNREST_RATIO_LITERAL) {
            prob = 1.0 - exp(-p->k * (c ? (double)c / (double)acount : 0.0));
        } else {
            uint32_t q = c ? int_ratio(ru.ratio, c, acount) : 0;
            prob = q < PTAB ? m->ptab[q] : 1.0 - exp(-p->k * (double)q);
        }
        double net = (double)m->ag[a].risk * prob * m->jfactor;
        now = g - net > p->threshold;
    }
    if (now != was) {
        m->ag[a].state = now ? ST_ACTIVE : ST_QUIET;
        if (now) {
            bit_set(&m->L, m->L.act, pos_x(m->ag[a].pos), pos_y(m->ag[a].pos));
            w->d_active++;
            if (!(m->ag[a].flags & AG_EVER)) {
                m->ag[a].flags |= AG_EVER;
                w->first++;
            }
        } else {
            bit_clear(&m->L, m->L.act, pos_x(m->ag[a].pos), pos_y(m->ag[a].pos));
            w->d_active--;
        }
    }
}

static uint16_t draw_term(const unrest_params *p, rng *r)
{
    uint32_t j = p->jail_max;
    if (j == UNREST_JAIL_FOREVER) return UNREST_JAIL_FOREVER;
    switch (p->jail_term) {
    case UNREST_TERM_ONE_TO_MAX:
        return (uint16_t)(j ? 1 + rng_below(r, j) : 0);
    case UNREST_TERM_ZERO_TO_EXCL:
        return (uint16_t)(j ? rng_below(r, j) : 0);
    case UNREST_TERM_ZERO_TO_MAX:
        return (uint16_t)rng_below(r, j + 1);
    }
    return 0;
}

/* Rule C: arrest one uniformly random active citizen within the cop's vision. */
static void arrest(worker *w, uint32_t c)
{
    unrest_model *m = w->m;
    rng r;
    rng_init(&r, m->seed, RNG_ARREST, m->tick + 1, c);
    /* limited capacity: the cop makes an arrest this tick with probability arrest_prob (no draw
     * at the default 1, so Epstein's rule and its random stream are unchanged) */
    if (m->p.arrest_prob < 1 && !(rng_uniform(&r) < m->p.arrest_prob)) return;
    uint32_t at = q_pick(m, m->L.act, &m->cop_shape, m->ag[c].pos, &r);
    if (at == NO_CELL) return;
    uint32_t a = (uint32_t)m->L.occ[pos_index(&m->L, at)] & OCC_AGENT;
    uint16_t t = draw_term(&m->p, &r);
    w->arrests++;
    w->d_active--;
    bit_clear(&m->L, m->L.act, pos_x(at), pos_y(at));
    if (t == 0 && m->p.countdown == UNREST_COUNTDOWN_PER_TICK) {
        m->ag[a].state = ST_QUIET; /* a zero term: jailed means term > 0 (NetLogo) */
        return;
    }
    m->ag[a].state = ST_JAILED;
    m->term[a] = t;
    w->d_jailed++;
    if (m->p.jail_place != UNREST_JAIL_BLOCKING) {
        vacate(m, at); /* pos[a] keeps the cell for release and display */
        if (m->p.cop_to_arrestee) relocate(w, c, m->ag[c].pos, at);
    }
}

/* Return a jailed citizen to the lattice: its own cell if free, else a random empty cell in
 * its vision of that cell, else (if anywhere) anywhere. Returns 0 if that fails (the lattice, or
 * without anywhere the vision, is full). */
static int release_to(worker *w, uint32_t a, int anywhere)
{
    unrest_model *m = w->m;
    if (m->p.jail_place != UNREST_JAIL_BLOCKING) {
        uint32_t home = m->ag[a].pos, to = home;
        if (is_blocked(m, home)) {
            rng r;
            rng_init(&r, m->seed, RNG_RELEASE, m->tick + 1, a);
            to = q_pick_empty(m, &m->cit_shape, home, &r);
            if (to == NO_CELL && anywhere) to = random_empty_cell(m, &r);
            if (to == NO_CELL) return 0;
        }
        m->ag[a].state = ST_QUIET;
        occupy(m, a, to);
    } else {
        m->ag[a].state = ST_QUIET;
    }
    m->term[a] = 0;
    w->d_jailed--;
    w->releases++;
    return 1;
}

static int release(worker *w, uint32_t a)
{
    return release_to(w, a, 1);
}

/* pos and g: citizen a's cell and grievance, read one activation ahead (activate_list). */
HOT void citizen_step(worker *w, uint32_t a, uint32_t pos, double g, rules ru)
{
    unrest_model *m = w->m;
    if (m->ag[a].state == ST_JAILED) {
        if (!ru.own_countdown) return;
        if (m->term[a] > 0) {
            if (m->term[a] != UNREST_JAIL_FOREVER) m->term[a]--;
            return;
        }
        if (!release(w, a)) return;
        pos = m->ag[a].pos;
    }
    if (!ru.act_first) {
        if (ru.movement) move(w, a, &m->cit_shape, pos, ru);
        act(w, a, g, ru);
    } else {
        act(w, a, g, ru);
        if (ru.movement) move(w, a, &m->cit_shape, pos, ru);
    }
}

static __attribute__((noinline)) void cop_step(worker *w, uint32_t c, rules ru)
{
    unrest_model *m = w->m;
    int moves = m->p.movement || m->p.cops_move_static;
    if (!ru.act_first) {
        if (moves) move(w, c, &m->cop_shape, m->ag[c].pos, ru);
        arrest(w, c);
    } else {
        arrest(w, c);
        if (moves) move(w, c, &m->cop_shape, m->ag[c].pos, ru);
    }
}

/* The end-of-tick countdown of terms t[0..n), n <= 64: every finite term > 0 decrements;
 * returns the citizens due for release (term now 0) as bits. Only jailed citizens have a term
 * > 0 under this countdown (arrest), so the records are not read. */
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
    uint64_t due = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t v = t[i], fin = (uint32_t)(v - 1u < UNREST_JAIL_FOREVER - 1u); /* 1 .. max */
        t[i] = (uint16_t)(v - fin);
        due |= (uint64_t)(fin & (uint32_t)(v == 1)) << i;
    }
    return due;
}

/* End-of-tick countdown (paper, NetLogo): every term decrements; at 0 the citizen is freed. */
static void countdown_all(worker *w)
{
    unrest_model *m = w->m;
    for (uint32_t a0 = 0; a0 < m->n_cit; a0 += 64) {
        uint64_t due = count_down(m->term + a0, m->n_cit - a0 < 64 ? m->n_cit - a0 : 64);
        for (; due; due &= due - 1) /* in index order */
            release(w, a0 + (uint32_t)__builtin_ctzll(due));
    }
}

/* The shuffle's draws: words of r's stream from a buffer of SHUF_BUF filled ahead (rng_fill),
 * whole, or as 16-bit halves, low half first (*at then counts halves). */
enum { SHUF_BUF = 256 };
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

/* Fisher-Yates shuffle of v[0..n) with keyed draws: for i = n .. 2, swap v[i - 1] with v[j], j
 * uniform in [0, i) by Lemire's multiply-shift with rejection. Below 2^16 (every list the model
 * shuffles but a sequential update of more than 65536 agents) j takes a 16-bit draw, two per
 * word of the stream, low half first; above, a whole word. */
static void shuffle(uint32_t *v, uint32_t n, rng *r)
{
    uint32_t buf[SHUF_BUF], at = SHUF_BUF;
    uint32_t i = n;
    for (; i > 65536; i--) {
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

/* Ask for the cache lines a move and a count around pos will read: the byte grid's rows of the
 * larger vision and the bit planes' words of the citizens' vision. */
static inline void prefetch_around(const unrest_model *m, uint32_t pos)
{
    const lattice *L = &m->L;
    uint32_t x = pos_x(pos), y = pos_y(pos), R = L->R, r = (uint32_t)m->cit_shape.r;
    const uint8_t *c = L->pad + pad_base(L, x, y) - (size_t)R * L->pw;
    for (uint32_t i = 0; i <= 2 * R; i++)
        __builtin_prefetch(c + (size_t)i * L->pw);
    size_t wd = pbit_word(L, x + R - r, y + R - r);
    __builtin_prefetch(&L->cop[wd]);
    __builtin_prefetch(&L->cop[wd + 2 * r]);
    __builtin_prefetch(&L->act[wd]);
    __builtin_prefetch(&L->act[wd + 2 * r]);
}

/* Activate the agents of list[0..n) in that order, under rules ru (see activate_list). The first
 * movement block of each agent is computed MOVE_AHEAD agents at a time: independent Philox calls
 * overlap in the CPU, where one per move would wait for its own result. Same keys, same numbers.
 * around: prefetch the lattice around each agent a few activations ahead (a list in random order
 * over the whole lattice); a block's list does without, its region is fetched once
 * (prefetch_block). */
HOT void activate_with(worker *w, const uint32_t *list, uint32_t n, int around, rules ru)
{
    unrest_model *m = w->m;
    enum { MOVE_AHEAD = 32 };
    philox4x32_ctr_t pre[MOVE_AHEAD];
    philox4x32_key_t key = {{(uint32_t)m->seed, (uint32_t)(m->seed >> 32)}};
    static const uint32_t zeros[MOVE_AHEAD] = {0};
    /* the next agent's cell and grievance are read one activation ahead, so that its first
     * loads and the G > T test (a coin toss) do not wait behind this one's work; neither can
     * change before its own activation (an arrest leaves the cell in pos, a release is its
     * own) */
    uint32_t nx_pos = n ? m->ag[list[0]].pos : 0;
    double gf = grievance_factor(&m->p), nx_g = n ? grievance(m, list[0], gf) : 0;
    for (uint32_t i0 = 0; i0 < n; i0 += MOVE_AHEAD) {
        uint32_t nb = n - i0 < MOVE_AHEAD ? n - i0 : MOVE_AHEAD;
        philox_batch(list + i0, m->tick + 1, RNG_MOVE, zeros, key, pre, nb);
        for (uint32_t j = 0; j < nb; j++) {
            uint32_t a = list[i0 + j], pos = nx_pos;
            double g = nx_g;
            if (i0 + j + 1 < n) {
                uint32_t nx = list[i0 + j + 1];
                nx_pos = m->ag[nx].pos;
                nx_g = grievance(m, nx, gf);
            }
            if (ru.prefetch && i0 + j + 16 < n) { /* the agent 16 ahead: its columns are cold */
                uint32_t f = list[i0 + j + 16];
                __builtin_prefetch(&m->ag[f]);
            }
            if (ru.prefetch && around && i0 + j + 8 < n) /* the agent 8 ahead: around it */
                prefetch_around(m, m->ag[list[i0 + j + 8]].pos);
            w->premove = &pre[j];
            if (a < m->n_cit)
                citizen_step(w, a, pos, g, ru);
            else if (m->ag[a].state == ST_COP)
                cop_step(w, a, ru);
        }
    }
    w->premove = NULL;
}

/* The rule sets of the three profiles, with the fast kernel and no focal points. */
#define RULES_PAPER(pf) ((rules){1, 0, 0, 1, UNREST_RATIO_FLOOR, 1, pf})
#define RULES_NETLOGO(pf) ((rules){1, 0, 0, 0, UNREST_RATIO_FLOOR, 1, pf})
#define RULES_MESA(pf) ((rules){1, 1, 1, 1, UNREST_RATIO_ROUND_EVEN, 1, pf})

static int rules_eq(rules a, rules b)
{
    return a.lean == b.lean && a.act_first == b.act_first && a.own_countdown == b.own_countdown &&
           a.self_once == b.self_once && a.ratio == b.ratio && a.movement == b.movement &&
           a.prefetch == b.prefetch;
}

/* Activate the agents of list[0..n) in that order. The rules in force pick a copy of the loop:
 * one for each profile's rule set, on lattices small and large, where the switches are
 * constants and their branches are gone (a few per cent of a tick at 40 x 40), or the general
 * one, which reads them. Same steps, same draws, same results. */
static void activate_list(worker *w, const uint32_t *list, uint32_t n, int around)
{
    const unrest_model *m = w->m;
    const unrest_params *p = &m->p;
    rules ru = {p->kernel == UNREST_KERNEL_FAST && !m->nfocus,
                p->order == UNREST_ORDER_ACT_MOVE,
                p->countdown == UNREST_COUNTDOWN_OWN_ACTIVATION,
                p->self_count == UNREST_SELF_ONCE,
                p->ratio,
                p->movement != 0,
                (uint64_t)m->n_agents * 16 > (1u << 20)}; /* columns beyond the L2 cache */
    if (rules_eq(ru, RULES_PAPER(0)))
        activate_with(w, list, n, around, RULES_PAPER(0));
    else if (rules_eq(ru, RULES_PAPER(1)))
        activate_with(w, list, n, around, RULES_PAPER(1));
    else if (rules_eq(ru, RULES_MESA(0)))
        activate_with(w, list, n, around, RULES_MESA(0));
    else if (rules_eq(ru, RULES_MESA(1)))
        activate_with(w, list, n, around, RULES_MESA(1));
    else if (rules_eq(ru, RULES_NETLOGO(0)))
        activate_with(w, list, n, around, RULES_NETLOGO(0));
    else if (rules_eq(ru, RULES_NETLOGO(1)))
        activate_with(w, list, n, around, RULES_NETLOGO(1));
    else
        activate_with(w, list, n, around, ru);
}

/* The agents that act this tick, in index order, into list; returns how many. A citizen with a
 * jail term left at the start of the tick is in jail until the end of it: its activation would
 * do nothing (end-of-tick countdown) or just count its term down (own activation, done here), so
 * it is left out of the activation order. Those arrested during the tick are still in it, and
 * skipped when met. */
static uint32_t list_actors(uint16_t *term, uint32_t n, int own, uint32_t *list)
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
    for (; a < n; a++) {
        uint32_t t = term[a];
        list[k] = a;
        k += t == 0;
        if (own) term[a] = (uint16_t)(t - (uint32_t)((t != 0) & (t != UNREST_JAIL_FOREVER)));
    }
    return k;
}

/* Random sequential activation (the paper): the agents that act, in a uniformly random order
 * drawn afresh every tick. */
static int step_sequential(unrest_model *m, worker *w)
{
    uint32_t n = m->n_agents;
    if (m->order_cap < n) {
        void *o = m->order;
        if (mem_grow(&o, m->order_cap, n, sizeof *m->order)) return -1;
        m->order = o;
        m->order_cap = n;
    }
    n = list_actors(m->term, n, m->p.countdown == UNREST_COUNTDOWN_OWN_ACTIVATION, m->order);
    rng r;
    rng_init(&r, m->seed, RNG_ORDER, m->tick + 1, 0);
    shuffle(m->order, n, &r);
    activate_list(w, m->order, n, 1);
    return 0;
}

/* Gather the agents standing on block b's cells that have not been activated this tick (their
 * cell's tag is the other parity), tag them, and return how many were written to buf. */
static uint32_t gather_block(unrest_model *m, uint32_t b, uint8_t parity, uint32_t *buf)
{
    uint32_t bx = b % m->nbx, by = b / m->nbx;
    uint32_t x0 = (uint32_t)((uint64_t)bx * m->L.w / m->nbx);
    uint32_t x1 = (uint32_t)((uint64_t)(bx + 1) * m->L.w / m->nbx);
    uint32_t y0 = (uint32_t)((uint64_t)by * m->L.h / m->nby);
    uint32_t y1 = (uint32_t)((uint64_t)(by + 1) * m->L.h / m->nby);
    uint32_t n = 0;
    for (uint32_t y = y0; y < y1; y++) {
        int32_t *occ = m->L.occ + (size_t)y * m->L.w;
        uint32_t x = x0;
#if defined(__AVX512F__)
        /* sixteen cells at a time: the same test, a masked store of the new tags, and the
         * taken indices packed in a register (buf has 16 entries to spare) */
        const __m512i tag = _mm512_set1_epi32(1 << OCC_TAG_BIT);
        const __m512i want = _mm512_set1_epi32((int)((uint32_t)parity << OCC_TAG_BIT));
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
        for (; x < x1; x++) {
            /* an occupant whose tag is another tick's parity has not acted yet; written
             * without a branch (emptiness is a coin toss) and without touching the agents */
            uint32_t v = (uint32_t)occ[x];
            uint32_t take = (uint32_t)((int32_t)v >= 0) & ((v >> OCC_TAG_BIT) != parity);
            occ[x] = (int32_t)(v ^ take << OCC_TAG_BIT); /* now tagged with this tick */
            buf[n] = v & OCC_AGENT;
            n += take;
        }
    }
    return n;
}

/* Ask for block b's region of the lattice within R (the padded bytes and both bit planes),
 * once, before its agents act: an activation reads only there. One prefetch per cache line,
 * about a tenth of one per agent, where prefetching around each agent asks for the same few
 * hundred lines over and over. */
static void prefetch_block(const unrest_model *m, uint32_t b)
{
    const lattice *L = &m->L;
    uint32_t bx = b % m->nbx, by = b / m->nbx;
    uint32_t x0 = (uint32_t)((uint64_t)bx * L->w / m->nbx);
    uint32_t x1 = (uint32_t)((uint64_t)(bx + 1) * L->w / m->nbx);
    uint32_t y0 = (uint32_t)((uint64_t)by * L->h / m->nby);
    uint32_t y1 = (uint32_t)((uint64_t)(by + 1) * L->h / m->nby);
    /* padded rows y0 .. y1 + 2R - 1 and columns x0 .. x1 + 2R - 1 */
    for (uint32_t yp = y0; yp < y1 + 2 * L->R; yp++) {
        const uint8_t *row = L->pad + (size_t)yp * L->pw;
        for (uint32_t xp = x0; xp < x1 + 2 * L->R + 64; xp += 64)
            __builtin_prefetch(row + (xp < x1 + 2 * L->R ? xp : x1 + 2 * L->R - 1));
    }
    for (uint32_t st = x0 >> 6; st <= (x1 + 2 * L->R - 1) >> 6; st++)
        for (uint32_t yp = y0; yp < y1 + 2 * L->R + 8; yp += 8) {
            __builtin_prefetch(&L->cop[(size_t)st * L->sh + yp]);
            __builtin_prefetch(&L->act[(size_t)st * L->sh + yp]);
        }
}

/* Activate block b of tick t: gather, shuffle by the block's key, act. buf holds a block. */
static void run_block(unrest_model *m, worker *w, uint32_t b, uint32_t t, uint32_t *buf)
{
    uint32_t n = gather_block(m, b, (uint8_t)(t & 1u), buf);
    rng br;
    rng_init(&br, m->seed, RNG_ORDER, t, b + 1);
    shuffle(buf, n, &br);
    if ((uint64_t)m->n_agents * 16 > (1u << 20)) prefetch_block(m, b);
    activate_list(w, buf, n, 0);
}

/* The block holding cell (x, y): the inverse of the bounds in gather_block. */
static uint32_t block_of(const unrest_model *m, uint32_t x, uint32_t y)
{
    /* the largest b with floor(b * w / n) <= x, i.e. b < (x + 1) n / w */
    uint32_t bx = (uint32_t)((((uint64_t)x + 1) * m->nbx + m->L.w - 1) / m->L.w - 1);
    uint32_t by = (uint32_t)((((uint64_t)y + 1) * m->nby + m->L.h - 1) / m->L.h - 1);
    return by * m->nbx + bx;
}

/* Make *p hold at least need elements of size bytes (*cap counts elements); -1 if memory runs
 * out, *p kept. */
static int reserve(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return 0;
    size_t n = need + need / 2 + 16;
    void *q = realloc(*p, n * size);
    if (!q) return -1;
    *p = q;
    *cap = n;
    return 0;
}

static int idlist_push(idlist *l, uint32_t a)
{
    void *v = l->v;
    if (reserve(&v, &l->cap, (size_t)l->n + 1, sizeof *l->v)) return -1;
    l->v = v;
    l->v[l->n++] = a;
    return 0;
}

/* End-of-tick countdown of the parallel update (the paper's rule, as countdown_all): every term
 * decrements, in fixed chunks of agents side by side; the citizens whose term is 0 are released
 * block by block in the colours' order, blocks of a colour side by side (a release lands within
 * R of the citizen's cell, like a move), in index order within a block; one whose vision is full
 * goes anywhere after the colours, in that same order. Nothing depends on the thread count. */
static int countdown_parallel(unrest_model *m, worker *total, unsigned nth, const uint32_t *colours,
                              uint32_t ncol, uint32_t cx, uint32_t cy)
{
    idlist *chunk = m->cd_chunk;
    uint32_t nch = m->n_cit >> 16;
    nch = nch < 1 ? 1 : nch > COUNTDOWN_CHUNKS ? COUNTDOWN_CHUNKS : nch;
    uint32_t nblocks = m->nbx * m->nby, per = (m->n_cit + nch - 1) / nch;
    int failed = 0;
    for (uint32_t c = 0; c < nch; c++)
        chunk[c].n = 0;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(nth) if (nth > 1) reduction(| : failed)
#endif
    for (uint32_t c = 0; c < nch; c++) {
        uint32_t a1 = (c + 1) * per < m->n_cit ? (c + 1) * per : m->n_cit;
        for (uint32_t a0 = c * per; a0 < a1; a0 += 64) {
            uint64_t due = count_down(m->term + a0, a1 - a0 < 64 ? a1 - a0 : 64);
            for (; due; due &= due - 1) { /* (citizen, its block) pairs, here in parallel */
                uint32_t a = a0 + (uint32_t)__builtin_ctzll(due), pos = m->ag[a].pos;
                failed |= idlist_push(&chunk[c], a);
                failed |= idlist_push(&chunk[c], block_of(m, pos_x(pos), pos_y(pos)));
            }
        }
    }
    uint32_t nrel = 0;
    for (uint32_t c = 0; c < nch; c++)
        nrel += chunk[c].n / 2;
    if (failed) return -1;
    if (!m->cd_start && !(m->cd_start = malloc(((size_t)nblocks + 1) * sizeof *m->cd_start)))
        return -1;
    size_t old_cap = m->cd_rel.cap; /* cd_later has as many entries as cd_rel */
    void *v = m->cd_rel.v;
    if (reserve(&v, &m->cd_rel.cap, (size_t)nrel + 1, sizeof(uint32_t))) return -1;
    m->cd_rel.v = v;
    if (m->cd_rel.cap > old_cap) {
        uint8_t *l = realloc(m->cd_later, m->cd_rel.cap);
        if (!l) {
            m->cd_rel.cap = old_cap; /* keep the two in step */
            return -1;
        }
        m->cd_later = l;
    }
    uint32_t *start = m->cd_start, *rel = m->cd_rel.v;
    uint8_t *later = m->cd_later;
    memset(start, 0, ((size_t)nblocks + 1) * sizeof *start);
    /* bucket by block, index order kept within a block (counting sort) */
    for (uint32_t c = 0; c < nch; c++)
        for (uint32_t i = 0; i < chunk[c].n; i += 2)
            start[chunk[c].v[i + 1] + 1]++;
    for (uint32_t b = 0; b < nblocks; b++)
        start[b + 1] += start[b];
    for (uint32_t c = 0; c < nch; c++)
        for (uint32_t i = 0; i < chunk[c].n; i += 2)
            rel[start[chunk[c].v[i + 1]]++] = chunk[c].v[i];
    for (uint32_t b = nblocks; b > 0; b--) /* back to the start of each bucket */
        start[b] = start[b - 1];
    start[0] = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(nth) if (nth > 1)
#endif
    {
        worker w;
        worker_init(&w, m);
        for (uint32_t ci = 0; ci < ncol; ci++) {
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
            for (uint32_t b = 0; b < nblocks; b++) {
                uint32_t bx = b % m->nbx, by = b / m->nbx;
                if ((bx % cx) + cx * (by % cy) != colours[ci]) continue;
                for (uint32_t i = start[b]; i < start[b + 1]; i++)
                    later[i] = (uint8_t)!release_to(&w, rel[i], 0);
            }
        }
#ifdef _OPENMP
#pragma omp critical(unrest_merge)
#endif
        {
            total->d_jailed += w.d_jailed;
            total->releases += w.releases;
        }
    }
    for (uint32_t i = 0; i < nrel; i++) /* vision full: anywhere, one after another */
        if (later[i]) release(total, rel[i]);
    return 0;
}

/* Blocked parallel activation. The lattice is cut into nbx x nby blocks, an even number along
 * each axis (or one), each at least 2R + 512 columns and 2R + 1 rows, and coloured 2 x 2. The
 * colours run one after another in a keyed random order; the blocks of one colour run at the
 * same time, because everything an activation reads or writes lies within R of its block and
 * the regions of two blocks of one colour share no cell and no 64-bit word. Inside a block the
 * agents on its cells at the start of its phase act in a keyed random order; an agent that
 * moved in from a block of an earlier phase has already acted (its cell's tag) and is skipped.
 * Nothing depends on the number of threads or on scheduling. */
static int step_parallel(unrest_model *m, worker *total)
{
    uint32_t t = m->tick + 1;
    uint32_t cx = m->nbx > 1 ? 2 : 1, cy = m->nby > 1 ? 2 : 1, ncol = cx * cy;
    uint32_t colours[4] = {0, 1, 2, 3};
    rng r;
    rng_init(&r, m->seed, RNG_ORDER, t, UINT32_MAX);
    shuffle(colours, ncol, &r);
    uint32_t nblocks = m->nbx * m->nby;
    size_t bcap = ((size_t)m->L.w / m->nbx + 1) * ((size_t)m->L.h / m->nby + 1) + 16;
    /* at least two blocks of a colour per thread (fewer do not pay for the synchronisation:
     * docs/PERFORMANCE.md); one block buffer per thread, allocated here so that a thread never
     * fails half-way */
    unsigned most = nblocks / ncol / 2;
    unsigned nth = m->threads < most ? m->threads : most;
    if (nth < 1) nth = 1;
    void *vb = m->bufs;
    if (reserve(&vb, &m->bufs_cap, (size_t)nth * bcap, sizeof *m->bufs) && nth > 1) nth = 1;
    m->bufs = vb;
    if (m->bufs_cap < (size_t)nth * bcap) return -1;
    uint32_t *bufs = m->bufs;
#ifdef _OPENMP
#pragma omp parallel num_threads(nth) if (nth > 1)
#endif
    {
#ifdef _OPENMP
        uint32_t *buf = bufs + (size_t)omp_get_thread_num() * bcap;
#else
        uint32_t *buf = bufs;
#endif
        worker w;
        worker_init(&w, m);
        for (uint32_t ci = 0; ci < ncol; ci++) {
            uint32_t col = colours[ci];
            /* the implicit barrier at the end of the loop separates the colours */
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
            for (uint32_t b = 0; b < nblocks; b++) {
                uint32_t bx = b % m->nbx, by = b / m->nbx;
                if ((bx % cx) + cx * (by % cy) == col) run_block(m, &w, b, t, buf);
            }
        }
#ifdef _OPENMP
#pragma omp critical(unrest_merge)
#endif
        {
            total->d_active += w.d_active;
            total->d_jailed += w.d_jailed;
            total->arrests += w.arrests;
            total->releases += w.releases;
            total->moves += w.moves;
            total->first += w.first;
        }
    }
    if (m->p.countdown == UNREST_COUNTDOWN_PER_TICK)
        return countdown_parallel(m, total, nth, colours, ncol, cx, cy);
    return 0;
}

unrest_status unrest_model_step(unrest_model *m)
{
    if (!m) return UNREST_EINVAL;
    m->arrests = m->releases = 0;
    m->moves = 0;
    worker w;
    worker_init(&w, m);
    m->occ_tag = ((m->tick + 1) & 1u) << OCC_TAG_BIT;
    int failed =
        m->p.update == UNREST_UPDATE_PARALLEL ? step_parallel(m, &w) : step_sequential(m, &w);
    if (failed) { /* the tick is incomplete: the model must not be used further */
        snprintf(m->err, sizeof m->err, "out of memory during tick %u", m->tick + 1);
        return UNREST_ENOMEM;
    }
    if (m->p.countdown == UNREST_COUNTDOWN_PER_TICK && m->p.update != UNREST_UPDATE_PARALLEL)
        countdown_all(&w);
    worker_merge(m, &w);
    m->tick++;
    return UNREST_OK;
}

unrest_status unrest_model_set_threads(unrest_model *m, unsigned threads)
{
    if (!m || threads < 1 || threads > 1024) return UNREST_ERANGE;
    m->threads = threads;
    return UNREST_OK;
}

/* ---- creation ---- */

static int grow(unrest_model *m, uint32_t cap)
{
#define GROW(f)                                                                                    \
    do {                                                                                           \
        void *q = m->f;                                                                            \
        if (mem_grow(&q, m->cap, cap, sizeof *m->f)) return -1;                                    \
        m->f = q;                                                                                  \
    } while (0)
    GROW(ag);
    GROW(term);
#undef GROW
    m->cap = cap;
    return 0;
}

/* Kind of agent (0 none, 1 citizen, 2 cop) placed on a cell; keyed by cell, so both passes of
 * placement see the same draws. need/cops_need/left carry Algorithm S state for exact mode. */
typedef struct placer {
    uint64_t need, cops_need; /* exact: agents (and cops among them) still to place */
} placer;

static int place_kind(const unrest_model *m, placer *pl, uint32_t c, uint32_t cells)
{
    rng r;
    rng_init(&r, m->seed, RNG_PLACE, 0, c);
    double u = rng_uniform(&r), v = rng_uniform(&r);
    if (m->p.init == UNREST_INIT_BINOMIAL) {
        if (u < m->p.citizen_density) return 1;
        if (u < m->p.citizen_density + m->p.cop_density) return 2;
        return 0;
    }
    /* Algorithm S (Knuth): select this cell with probability need / cells left; then make it a
     * cop with probability cops still needed / selections left. */
    if (pl->need == 0 || u * (double)(cells - c) >= (double)pl->need) return 0;
    int kind = v * (double)pl->need < (double)pl->cops_need ? 2 : 1;
    pl->need--;
    if (kind == 2) pl->cops_need--;
    return kind;
}

/* J_max^alpha and the P table, from the parameters in force. */
static void deterrence_tables(unrest_model *m)
{
    const unrest_params *p = &m->p;
    m->jfactor = p->alpha > 0 ? pow((double)p->jail_max, p->alpha) : 1.0;
    for (int i = 0; i < PTAB; i++)
        m->ptab[i] = 1.0 - exp(-p->k * (double)i);
}

unrest_status unrest_model_create(unrest_model **out, const unrest_params *p, uint64_t seed,
                                  char *err, size_t errlen)
{
    *out = NULL;
    unrest_status st = unrest_params_validate(p, err, errlen);
    if (st != UNREST_OK) return st;
    unrest_model *m = calloc(1, sizeof *m);
    if (!m) return UNREST_ENOMEM;
    m->p = *p;
    m->seed = seed;
    m->vision0 = p->citizen_vision;
    deterrence_tables(m);
    if (shape_build(&m->cit_shape, p->hood, p->citizen_vision) ||
        shape_build(&m->cop_shape, p->hood, p->cop_vision)) {
        if (err) snprintf(err, errlen, "vision too large (at most %d)", SHAPE_MAX_R);
        unrest_model_destroy(m);
        return UNREST_ERANGE;
    }
    {
        uint32_t R = (uint32_t)(m->cit_shape.r > m->cop_shape.r ? m->cit_shape.r : m->cop_shape.r);
        /* parallel blocks: >= 2R + 512 columns, so that the regions two same-colour blocks touch
         * share no 64-byte cache line (no false sharing, let alone a shared word); >= 2R + 8
         * and >= 32 rows (a count reads whole 8-row groups of a bit plane); an even number per
         * axis so the wrap-around (and the halo copies of edge cells) keeps colours apart */
        uint32_t bw = 2 * R + 512, bh = 2 * R + 8 > 32 ? 2 * R + 8 : 32;
        m->nbx = p->width / bw >= 2 ? (p->width / bw) & ~1u : 1;
        m->nby = p->height / bh >= 2 ? (p->height / bh) & ~1u : 1;
        m->threads = 1;
        if (lattice_init(&m->L, p->width, p->height, R) || shape_link(&m->cit_shape, &m->L) ||
            shape_link(&m->cop_shape, &m->L))
            goto nomem;
    }
    uint32_t cells = p->width * p->height;

    /* pass 1, in cell order (Algorithm S needs it): the kind of agent on each cell, kept in
     * occ as -2 (citizen) or -3 (cop) until pass 2 numbers them */
    placer pl = {0, 0};
    if (p->init == UNREST_INIT_EXACT) {
        uint64_t nc = (uint64_t)llround(p->citizen_density * cells);
        uint64_t nk = (uint64_t)llround(p->cop_density * cells);
        if (nc + nk > cells) nk = cells - nc;
        pl.need = nc + nk;
        pl.cops_need = nk;
    }
    uint32_t ncit = 0, ncop = 0;
    for (uint32_t c = 0; c < cells; c++) {
        int k = place_kind(m, &pl, c, cells);
        ncit += k == 1;
        ncop += k == 2;
        if (k) m->L.occ[c] = -1 - k;
    }
    if ((uint64_t)ncit + ncop > OCC_AGENT) {
        if (err)
            snprintf(err, errlen, "%llu agents: at most %u fit one lattice",
                     (unsigned long long)ncit + ncop, OCC_AGENT);
        unrest_model_destroy(m);
        return UNREST_ERANGE;
    }
    if (grow(m, ncit + ncop ? ncit + ncop : 1)) goto nomem;
    m->n_cit = ncit;
    m->n_agents = ncit + ncop;
    m->n_cops = ncop;

    /* pass 2: number the agents block by block (the parallel update's blocks), citizens
     * first, so that the agents one thread works on lie together in memory */
    uint32_t ic = 0, ik = ncit;
    for (uint32_t by = 0; by < m->nby; by++)
        for (uint32_t bx = 0; bx < m->nbx; bx++) {
            uint32_t x0 = (uint32_t)((uint64_t)bx * p->width / m->nbx);
            uint32_t x1 = (uint32_t)((uint64_t)(bx + 1) * p->width / m->nbx);
            uint32_t y0 = (uint32_t)((uint64_t)by * p->height / m->nby);
            uint32_t y1 = (uint32_t)((uint64_t)(by + 1) * p->height / m->nby);
            for (uint32_t y = y0; y < y1; y++)
                for (uint32_t x = x0; x < x1; x++) {
                    int32_t k = m->L.occ[(size_t)y * p->width + x];
                    if (k > -2) continue;
                    uint32_t a = k == -2 ? ic++ : ik++;
                    m->ag[a].state = k == -2 ? ST_QUIET : ST_COP;
                    m->term[a] = 0;
                    m->ag[a].flags = 0;
                    occupy(m, a, pos_make(x, y));
                }
        }
    double sh = 0, sr = 0;
    for (uint32_t a = 0; a < ncit; a++) {
        rng r;
        rng_init(&r, seed, RNG_ATTR, 0, a);
        double u = rng_uniform(&r);
        if (p->hardship_sigma > 0) { /* log-normal with median 0.5 (Box-Muller, keyed draws) */
            double v = rng_uniform(&r);
            double z = sqrt(-2.0 * log(1.0 - u)) * cos(2.0 * M_PI * v);
            u = fmin(100.0, 0.5 * exp(p->hardship_sigma * z));
        } else if (p->hardship_tail > 0) { /* Pareto with median 0.5, as U(0,1) */
            u = fmin(100.0, 0.5 * pow((1.0 - u) * 2.0, -1.0 / p->hardship_tail));
        }
        m->ag[a].hard = (float)u;
        m->ag[a].risk = (float)rng_uniform(&r);
        sh += m->ag[a].hard;
        sr += m->ag[a].risk;
    }
    for (uint32_t a = ncit; a < m->n_agents; a++)
        m->ag[a].hard = m->ag[a].risk = 0;
    m->mean_h = ncit ? sh / ncit : 0;
    m->mean_r = ncit ? sr / ncit : 0;
    *out = m;
    return UNREST_OK;
nomem:
    if (err) snprintf(err, errlen, "out of memory building a %ux%u lattice", p->width, p->height);
    unrest_model_destroy(m);
    return UNREST_ENOMEM;
}

void unrest_model_destroy(unrest_model *m)
{
    if (!m) return;
    lattice_free(&m->L);
    shape_free(&m->cit_shape);
    shape_free(&m->cop_shape);
    free(m->ag);
    free(m->term);
    free(m->bufs);
    for (uint32_t c = 0; c < COUNTDOWN_CHUNKS; c++)
        free(m->cd_chunk[c].v);
    free(m->cd_rel.v);
    free(m->cd_later);
    free(m->cd_start);
    free(m->order);
    free(m);
}

/* ---- observation and control ---- */

void unrest_model_counts(const unrest_model *m, unrest_counts *c)
{
    memset(c, 0, sizeof *c);
    c->tick = m->tick;
    c->citizens = m->n_cit;
    c->active = m->n_active;
    c->jailed = m->n_jailed;
    c->quiet = m->n_cit - m->n_active - m->n_jailed;
    c->cops = m->n_cops;
    c->arrests = m->arrests;
    c->releases = m->releases;
    c->moves = m->moves;
    c->participants = m->n_ever;
    c->legitimacy = m->p.legitimacy;
    double gbar = grievance_factor(&m->p) * m->mean_h;
    double bbar = m->n_cit ? (double)c->quiet / m->n_cit : 0;
    c->tension = m->mean_r > 0 ? gbar * bbar / m->mean_r : 0;
}

const unrest_params *unrest_model_params(const unrest_model *m)
{
    return &m->p;
}

uint64_t unrest_model_seed(const unrest_model *m)
{
    return m->seed;
}

const char *unrest_model_error(const unrest_model *m)
{
    return m ? m->err : "no model";
}

unrest_status unrest_model_set_legitimacy(unrest_model *m, double legitimacy)
{
    if (!(legitimacy >= 0.0 && legitimacy <= 1.0)) {
        snprintf(m->err, sizeof m->err, "legitimacy must be in [0, 1], got %g", legitimacy);
        return UNREST_ERANGE;
    }
    m->p.legitimacy = legitimacy;
    return UNREST_OK;
}

unrest_status unrest_model_set_cops(unrest_model *m, uint32_t ncops)
{
    if (ncops == m->n_cops) return UNREST_OK;
    rng r;
    rng_init(&r, m->seed, RNG_COPS, m->tick + 1, 0);
    if (ncops < m->n_cops) {
        /* remove a uniformly random subset (partial Fisher-Yates over the cops on duty) */
        uint32_t *duty = malloc((size_t)m->n_cops * sizeof *duty), n = 0;
        if (!duty) {
            snprintf(m->err, sizeof m->err, "out of memory removing cops");
            return UNREST_ENOMEM;
        }
        for (uint32_t a = m->n_cit; a < m->n_agents; a++)
            if (m->ag[a].state == ST_COP) duty[n++] = a;
        uint32_t drop = m->n_cops - ncops;
        for (uint32_t i = 0; i < drop; i++) {
            uint32_t j = i + rng_below(&r, n - i);
            uint32_t c = duty[j];
            duty[j] = duty[i];
            duty[i] = c;
            vacate(m, m->ag[c].pos);
            m->ag[c].state = ST_COP_OFF;
        }
        free(duty);
        m->n_cops = ncops;
        return UNREST_OK;
    }
    uint32_t cells = m->L.w * m->L.h, free_cells = 0;
    for (uint32_t c = 0; c < cells; c++)
        free_cells += m->L.occ[c] < 0;
    if (ncops - m->n_cops > free_cells) {
        snprintf(m->err, sizeof m->err, "%u more cops do not fit: only %u empty cells",
                 ncops - m->n_cops, free_cells);
        return UNREST_ERANGE;
    }
    uint32_t slots = m->n_agents - m->n_cit; /* cop slots, on or off duty */
    if (ncops > slots && m->n_cit + ncops > m->cap) {
        if (grow(m, m->n_cit + ncops)) {
            snprintf(m->err, sizeof m->err, "out of memory adding cops");
            return UNREST_ENOMEM;
        }
    }
    for (uint32_t a = m->n_cit; a < m->n_cit + ncops && m->n_cops < ncops; a++) {
        if (a < m->n_agents && m->ag[a].state == ST_COP) continue;
        if (a >= m->n_agents) m->n_agents = a + 1;
        m->ag[a].state = ST_COP;
        m->term[a] = 0;
        m->ag[a].flags = 0; /* acts from the next tick on: occupy tags its cell with this one */
        m->ag[a].hard = m->ag[a].risk = 0;
        occupy(m, a, random_empty_cell(m, &r)); /* fits: checked above */
        m->n_cops++;
    }
    return UNREST_OK;
}

unrest_status unrest_model_set(unrest_model *m, const char *name, const char *value)
{
    const unrest_param_info *info = unrest_param_find(name);
    if (!info) {
        snprintf(m->err, sizeof m->err, "unknown parameter '%s'", name);
        return UNREST_EUNKNOWN;
    }
    if (!info->runtime) {
        snprintf(m->err, sizeof m->err, "parameter '%s' cannot change during a run", name);
        return UNREST_ESTATE;
    }
    unrest_params q = m->p;
    unrest_status st = unrest_params_set(&q, name, value, m->err, sizeof m->err);
    if (st == UNREST_OK) st = unrest_params_validate(&q, m->err, sizeof m->err);
    if (st != UNREST_OK) return st;
    if (strcmp(name, "cop_density") == 0) {
        double want = q.cop_density * (double)m->L.w * (double)m->L.h;
        st = unrest_model_set_cops(m, (uint32_t)llround(want));
        if (st != UNREST_OK) return st;
    }
    int deter = q.k != m->p.k || q.alpha != m->p.alpha || q.jail_max != m->p.jail_max;
    m->p = q;
    if (deter) deterrence_tables(m); /* they depend on k, alpha and J_max only */
    return UNREST_OK;
}

void unrest_model_snapshot(const unrest_model *m, uint8_t *out)
{
    uint32_t cells = m->L.w * m->L.h;
    memset(out, UNREST_CELL_EMPTY, cells);
    for (uint32_t a = 0; a < m->n_agents; a++) {
        uint8_t s = m->ag[a].state;
        if (s == ST_COP_OFF) continue;
        if (s == ST_JAILED && m->p.jail_place == UNREST_JAIL_REMOVED) continue;
        size_t c = pos_index(&m->L, m->ag[a].pos);
        if (s == ST_JAILED && m->L.occ[c] >= 0 && ((uint32_t)m->L.occ[c] & OCC_AGENT) != a)
            continue;
        out[c] = s == ST_QUIET    ? UNREST_CELL_QUIET
                 : s == ST_ACTIVE ? UNREST_CELL_ACTIVE
                 : s == ST_JAILED ? UNREST_CELL_JAILED
                                  : UNREST_CELL_COP;
    }
}

size_t unrest_model_bytes(const unrest_model *m)
{
    size_t per = sizeof *m->ag + sizeof *m->term;
    size_t shapes =
        (size_t)(m->cit_shape.size + m->cop_shape.size) * (2 * sizeof(int16_t) + sizeof(int32_t));
    size_t work = m->bufs_cap * sizeof *m->bufs + m->cd_rel.cap * (sizeof(uint32_t) + 1) +
                  (m->cd_start ? ((size_t)m->nbx * m->nby + 1) * sizeof(uint32_t) : 0);
    for (uint32_t c = 0; c < COUNTDOWN_CHUNKS; c++)
        work += m->cd_chunk[c].cap * sizeof(uint32_t);
    return sizeof *m + (size_t)m->cap * per + (size_t)m->order_cap * sizeof *m->order +
           lattice_bytes(&m->L) + shapes + work;
}

void unrest_model_blocks(const unrest_model *m, uint32_t *nbx, uint32_t *nby)
{
    *nbx = m->nbx;
    *nby = m->nby;
}

unrest_status unrest_model_set_vision(unrest_model *m, double v)
{
    if (!(v >= 0 && v <= m->vision0)) {
        snprintf(m->err, sizeof m->err, "citizen vision must be in [0, %g] (its value at creation)",
                 m->vision0);
        return UNREST_ERANGE;
    }
    if (v == m->p.citizen_vision) return UNREST_OK;
    shape s;
    if (shape_build(&s, m->p.hood, v) || shape_link(&s, &m->L)) {
        shape_free(&s);
        snprintf(m->err, sizeof m->err, "out of memory changing vision");
        return UNREST_ENOMEM;
    }
    shape_free(&m->cit_shape);
    m->cit_shape = s;
    m->p.citizen_vision = v;
    return UNREST_OK;
}

unrest_status unrest_model_set_focus(unrest_model *m, const uint32_t *xy, size_t n, double pull)
{
    if (n > UNREST_MAX_FOCUS || !(pull >= 0 && pull <= 1)) {
        snprintf(m->err, sizeof m->err, "at most %d focal points and pull in [0, 1]",
                 UNREST_MAX_FOCUS);
        return UNREST_ERANGE;
    }
    for (size_t i = 0; i < n; i++) {
        if (xy[2 * i] >= m->L.w || xy[2 * i + 1] >= m->L.h) {
            snprintf(m->err, sizeof m->err, "focal point (%u, %u) outside the %ux%u lattice",
                     xy[2 * i], xy[2 * i + 1], m->L.w, m->L.h);
            return UNREST_ERANGE;
        }
        m->focus[i] = pos_make(xy[2 * i], xy[2 * i + 1]);
    }
    m->nfocus = (uint32_t)n;
    m->pull = pull;
    return UNREST_OK;
}

void unrest_model_count_near(const unrest_model *m, uint32_t x, uint32_t y, uint32_t r,
                             uint32_t *active, uint32_t *cops)
{
    uint32_t na = 0, nc = 0, w = m->L.w, h = m->L.h;
    uint32_t rx = 2 * r + 1 > w ? (w - 1) / 2 : r, ry = 2 * r + 1 > h ? (h - 1) / 2 : r;
    for (uint32_t j = 0; j <= 2 * ry; j++) {
        uint32_t yy = (y + h - ry % h + j) % h;
        for (uint32_t i = 0; i <= 2 * rx; i++) {
            uint32_t xx = (x + w - rx % w + i) % w;
            na += (uint32_t)bit_test(&m->L, m->L.act, xx, yy);
            nc += (uint32_t)bit_test(&m->L, m->L.cop, xx, yy);
        }
    }
    *active = na;
    *cops = nc;
}
