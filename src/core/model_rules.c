/*
 * model_rules.c - the agents' rules (Epstein's rule M, rule A with its arrest probability, rule C,
 * jail terms and releases) and the activation loop that applies them to a list of agents, in one
 * file so that the steps inline into the loop; the profiles' rule switches pick a copy of that
 * loop without their branches (activate_list). Both updates (model_seq.c, model_par.c) call it.
 */
#include <math.h>
#include <stdint.h>

#include "model_int.h"

#define FOCUS_TRIES 4 /* candidates an active citizen compares when heading for a focal point */

/* ---- neighbourhood queries: fast path or brute-force twin ---- */

/* Set bits of one plane in the shape around pos. */
static inline uint32_t q_count(const unrest_model *m, const uint64_t *bits, const shape *s,
                               uint32_t pos)
{
    uint32_t x = pos_x(pos), y = pos_y(pos);
    if (m->p.kernel == UNREST_KERNEL_FAST) return lat_count(&m->L, bits, s, x, y);
    return scan_count(&m->L, bits, s, x, y);
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
    return pick_block(&m->L, s, x, y, box, w);
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

/* Block b of agent a's movement stream this tick, computed directly (no stream set up). */
static inline philox4x32_ctr_t move_block(const unrest_model *m, uint32_t a, uint32_t b)
{
    philox4x32_key_t key = {{(uint32_t)m->seed, (uint32_t)(m->seed >> 32)}};
    philox4x32_ctr_t ctr = {{a, m->tick + 1, RNG_MOVE, b}};
    return philox4x32(ctr, key);
}

/* Fast kernel, first block missed: the second block of agent a's movement stream (b1 where
 * computed ahead, else computed here; no stream is set up unless it misses too), then the
 * rest. */
static __attribute__((noinline)) uint32_t pick_rest(const unrest_model *m, const shape *s,
                                                    uint32_t a, uint32_t pos, const uint8_t *box,
                                                    const philox4x32_ctr_t *b1)
{
    philox4x32_ctr_t b = b1 ? *b1 : move_block(m, a, 1);
    uint32_t to = pick_any(m, s, pos_x(pos), pos_y(pos), box, &b);
    if (to != NO_CELL) return to;
    rng r;
    rng_init(&r, m->seed, RNG_MOVE, m->tick + 1, a);
    r.ctr.v[3] = 2;
    return q_pick_empty_from(m, s, pos, &r, 2);
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
uint32_t model_random_empty_cell(const unrest_model *m, rng *r)
{
    uint32_t w = m->L.w, h = m->L.h;
    for (int i = 0; i < 64; i++) {
        uint32_t y = rng_below(r, h); /* y, then x, in sequence: every compiler draws alike (the
                                       * order GCC chose when the order was left unspecified) */
        uint32_t p = pos_make(rng_below(r, w), y);
        if (!is_blocked(m, p)) return p;
    }
    /* nearly full lattice: count and pick exactly */
    uint64_t empty = 0;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            empty += !pad_test(&m->L, x, y);
    if (!empty) return NO_CELL;
    uint64_t k = rng_u64(r) % empty;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            if (!pad_test(&m->L, x, y) && k-- == 0) return pos_make(x, y);
    return NO_CELL;
}

/* ---- agent rules ---- */

/* Torus offset |a - b| on an axis of length n. */
static inline uint32_t torus_off(uint32_t a, uint32_t b, uint32_t n)
{
    uint32_t d = a > b ? a - b : b - a;
    return d > n - d ? n - d : d;
}

/* Squared torus distance from p to the nearest focal point. */
static uint32_t focus_dist(const unrest_model *m, uint32_t p)
{
    uint32_t best = UINT32_MAX, x = pos_x(p), y = pos_y(p);
    for (uint32_t i = 0; i < m->nfocus; i++) {
        uint32_t dx = torus_off(x, pos_x(m->focus[i]), m->L.w);
        uint32_t dy = torus_off(y, pos_y(m->focus[i]), m->L.h);
        uint32_t d = dx * dx + dy * dy;
        if (d < best) best = d;
    }
    return best;
}

/* Gathering's choice (unrest_model_set_gather_choice): point i with probability proportional to
 * fw[i] exp(-fdecay d_i / width); the nearest (near) when every weight is 0. */
static uint32_t choose_focus(const unrest_model *m, uint32_t x, uint32_t y, uint32_t near, rng *r)
{
    double w[UNREST_MAX_FOCUS], sum = 0;
    for (uint32_t i = 0; i < m->nfocus; i++) {
        w[i] = m->fw[i];
        if (m->fdecay > 0 && w[i] > 0) {
            double dx = torus_off(x, pos_x(m->focus[i]), m->L.w);
            double dy = torus_off(y, pos_y(m->focus[i]), m->L.h);
            w[i] *= exp(-m->fdecay * sqrt(dx * dx + dy * dy) / m->L.w);
        }
        sum += w[i];
    }
    if (!(sum > 0)) return near;
    double u = rng_uniform(r) * sum;
    for (uint32_t i = 0; i < m->nfocus; i++) {
        if (u < w[i]) return i;
        u -= w[i];
    }
    for (uint32_t i = m->nfocus; i-- > 0;) /* rounding: the last with a weight */
        if (w[i] > 0) return i;
    return near;
}

/* Gathering: 1 if (x, y) is in a focal point's area (its holder stays there); else 0, with the
 * nearest point in *nearest where nearest is not NULL. */
static inline int holds_square(const unrest_model *m, uint32_t x, uint32_t y, uint32_t *nearest)
{
    uint32_t best = UINT32_MAX;
    for (uint32_t i = 0; i < m->nfocus; i++) {
        uint32_t dx = torus_off(x, pos_x(m->focus[i]), m->L.w);
        uint32_t dy = torus_off(y, pos_y(m->focus[i]), m->L.h);
        if (dx <= m->frad[i] && dy <= m->frad[i]) return 1;
        if (nearest && dx * dx + dy * dy < best) {
            best = dx * dx + dy * dy;
            *nearest = i;
        }
    }
    return 0;
}

/* Move agent a at pos to the first empty one of FOCUS_TRIES cells drawn uniformly from the sx x sy
 * window at (x0, y0) (wrapped on the torus); 1 if it moved. Gathering's square and relocation's
 * whole lattice. */
static int jump_into(worker *w, uint32_t a, uint32_t pos, uint32_t x0, uint32_t y0, uint32_t sx,
                     uint32_t sy, rng *r)
{
    unrest_model *m = w->m;
    for (int i = 0; i < FOCUS_TRIES; i++) {
        uint32_t y = (y0 + rng_below(r, sy)) % m->L.h; /* y, then x, in sequence (as above) */
        uint32_t to = pos_make((x0 + rng_below(r, sx)) % m->L.w, y);
        if (!is_blocked(m, to)) {
            relocate(w, a, pos, to);
            return 1;
        }
    }
    return 0;
}

/* Gathering (unrest_model_set_gather): 1 if the active citizen at pos stays in a focal area or
 * has gone to one, 0 if it moves as before. The nearest point's area takes it; a cell is drawn
 * FOCUS_TRIES times for an empty one. */
static int gather(worker *w, uint32_t a, uint32_t pos, rng *r)
{
    unrest_model *m = w->m;
    uint32_t x = pos_x(pos), y = pos_y(pos), f = 0;
    if (holds_square(m, x, y, &f)) return 1;
    if (rng_uniform(r) >= m->jump) return 0;
    if (m->choose) f = choose_focus(m, x, y, f, r);
    uint32_t side = 2 * m->frad[f] + 1;
    uint32_t sx = side > m->L.w ? m->L.w : side, sy = side > m->L.h ? m->L.h : side;
    uint32_t x0 = pos_x(m->focus[f]) + m->L.w - m->frad[f] % m->L.w;
    uint32_t y0 = pos_y(m->focus[f]) + m->L.h - m->frad[f] % m->L.h;
    return jump_into(w, a, pos, x0, y0, sx, sy, r);
}

/* How the move of an active citizen draws its candidates where focal points take it off the
 * lean path (move), as its first movement block b0 tells before its turn: the activation loop
 * asks ahead for the cells it will test, and the move itself takes the draws it knows without
 * setting up a stream. */
typedef enum move_plan {
    PLAN_LEAN,       /* candidates from the block's first word, as the lean path draws them */
    PLAN_STAY,       /* it holds a square (gather): no move, no draw */
    PLAN_AFTER_JUMP, /* it does not go to a square: candidates from words 2 .. 5 (after_jump) */
    PLAN_STREAM      /* it goes to a square, or is pulled (focal_pull): the stream as it comes */
} move_plan;

/* The plan of the move of an active citizen at pos with first movement block b0, fast kernel:
 * the steps of the general path (move) up to its first candidates, without the draws. */
HOT move_plan active_plan(const unrest_model *m, uint32_t pos, const philox4x32_ctr_t *b0)
{
    if (m->pull > 0) return PLAN_STREAM; /* the pull's extra candidates follow the stream */
    if (!(m->jump > 0)) return PLAN_LEAN;
    if (holds_square(m, pos_x(pos), pos_y(pos), NULL)) return PLAN_STAY; /* gather's test */
    /* gather's rng_uniform: the first two words, v[3] the high one */
    uint64_t u = (uint64_t)b0->v[3] << 32 | b0->v[2];
    return (double)(u >> 11) * 0x1.0p-53 < m->jump ? PLAN_STREAM : PLAN_AFTER_JUMP;
}

/* The four words q_pick_empty's first block takes after gather's uniform (PLAN_AFTER_JUMP):
 * the last two of block b0 and the first two of block b1, laid out as a block (v[3] first). */
HOT philox4x32_ctr_t after_jump(const philox4x32_ctr_t *b0, const philox4x32_ctr_t *b1)
{
    return (philox4x32_ctr_t){{b1->v[2], b1->v[3], b0->v[0], b0->v[1]}};
}

/* Relocation (param relocate): with probability relocate a tick, agent a at pos moves to an
 * empty cell anywhere on the lattice instead of within vision, the first of FOCUS_TRIES uniform
 * draws that is empty; 1 if it moved. Its own keyed stream, so the other draws of the run are
 * those without it. People change the neighbourhood they see as a share of themselves an hour,
 * whatever the cells: mixing at a rate that does not depend on the resolution (docs/MODEL.md
 * II.2, "Relocation"). */
static int far_move(worker *w, uint32_t a, uint32_t pos)
{
    unrest_model *m = w->m;
    rng r;
    rng_init(&r, m->seed, RNG_RELOCATE, m->tick + 1, a);
    if (rng_uniform(&r) >= m->p.relocate) return 0;
    return jump_into(w, a, pos, 0, 0, m->L.w, m->L.h, &r);
}

/* Rule M: move to a uniformly random empty cell within vision (stay if there is none); an
 * active citizen may instead head for a focal point (unrest_model_set_focus) or gather at one
 * (unrest_model_set_gather). */
HOT void move(worker *w, uint32_t a, const shape *s, uint32_t pos, rules ru)
{
    unrest_model *m = w->m;
    if (m->p.relocate > 0 && far_move(w, a, pos)) return;
    /* lean whenever the rules make it so, and also, with focal points, for an agent they do not
     * concern (not active) or whose draws they leave as they are: the same draws from the same
     * stream, the same cell (activate_list sets premove) */
    move_plan plan = PLAN_STREAM;
    if (ru.lean)
        plan = PLAN_LEAN;
    else if (m->p.kernel == UNREST_KERNEL_FAST && w->premove)
        plan = m->ag[a].state != ST_ACTIVE ? PLAN_LEAN : active_plan(m, pos, w->premove);
    if (plan == PLAN_STAY) return;
    if (plan != PLAN_STREAM) {
        /* the first block was computed ahead (activate_list), and for an active citizen that
         * does not go to a square often the second too: no stream is set up unless the
         * candidates all miss */
        const uint8_t *box = m->L.pad + pad_base(&m->L, pos_x(pos), pos_y(pos)) - s->box;
        uint32_t to;
        if (plan == PLAN_LEAN) {
            to = pick_any(m, s, pos_x(pos), pos_y(pos), box, w->premove);
            if (to == NO_CELL) /* the rest of the stream, from its second block */
                to = pick_rest(m, s, a, pos, box, w->premove1);
        } else {
            philox4x32_ctr_t b1 = w->premove1 ? *w->premove1 : move_block(m, a, 1);
            philox4x32_ctr_t blk = after_jump(w->premove, &b1);
            to = pick_any(m, s, pos_x(pos), pos_y(pos), box, &blk);
            if (to == NO_CELL) { /* the stream after those words: b1's last two, then on */
                rng r;
                rng_init(&r, m->seed, RNG_MOVE, m->tick + 1, a);
                r.out = b1;
                r.ctr.v[3] = 2;
                r.left = 2;
                to = q_pick_empty_from(m, s, pos, &r, 1);
            }
        }
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
    if (m->jump > 0 && m->ag[a].state == ST_ACTIVE && gather(w, a, pos, &r)) return;
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

/* Fatigue (params fatigue, rest; Bonnasse-Gahot et al. 2018's recovery of rioters): 1 if citizen
 * a is spent this tick and cannot be active; a spent citizen can rise again with probability rest
 * a tick. *r is the citizen's fatigue stream for the tick, set up here on first use. */
static int spent(unrest_model *m, uint32_t a, rng *r, int *ready)
{
    if (!(m->ag[a].flags & AG_SPENT)) return 0;
    rng_init(r, m->seed, RNG_FATIGUE, m->tick + 1, a);
    *ready = 1;
    if (rng_uniform(r) >= m->p.rest) return 1;
    m->ag[a].flags &= (uint8_t)~AG_SPENT;
    return 0;
}

/* Rule A: active iff G - R*P*J^alpha > T, g being citizen a's grievance (grievance()).
 * Citizens with G <= T can never be active (N >= 0), so they skip the count: exact, not an
 * approximation. With fatigue, an active citizen goes home spent with probability fatigue a
 * tick and stays quiet until it rests (spent()). */
HOT void act(worker *w, uint32_t a, double g, rules ru)
{
    unrest_model *m = w->m;
    const unrest_params *p = &m->p;
    int was = m->ag[a].state == ST_ACTIVE, now = 0, ready = 0;
    rng fr;
    if (p->fatigue > 0 && spent(m, a, &fr, &ready)) g = 0;
    if (g > p->threshold) {
        /* the active citizens are counted only where there is a cop: without one P = 0,
         * whatever A (the crowds' days, where most of those counting are out and most
         * streets have no cop in sight) */
        uint32_t c = q_count(m, m->L.cop, &m->cit_shape, m->ag[a].pos), ain = 0;
        if (c) ain = q_count(m, m->L.act, &m->cit_shape, m->ag[a].pos);
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
        if (now && p->fatigue > 0) { /* out a tick longer, or home tired */
            if (!ready) rng_init(&fr, m->seed, RNG_FATIGUE, m->tick + 1, a);
            if (rng_uniform(&fr) < p->fatigue) {
                m->ag[a].flags |= AG_SPENT;
                now = 0;
            }
        }
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
int model_release_to(worker *w, uint32_t a, int anywhere)
{
    unrest_model *m = w->m;
    if (m->p.jail_place != UNREST_JAIL_BLOCKING) {
        uint32_t home = m->ag[a].pos, to = home;
        if (is_blocked(m, home)) {
            rng r;
            rng_init(&r, m->seed, RNG_RELEASE, m->tick + 1, a);
            to = q_pick_empty(m, &m->cit_shape, home, &r);
            if (to == NO_CELL && anywhere) to = model_random_empty_cell(m, &r);
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
    return model_release_to(w, a, 1);
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

/* The offsets from the corner of the shape's box of the first eight candidates of a movement
 * block, in draw order (pick_block, pick_eight); a draw Lemire rejects may give any cell. */
HOT void first_offsets(const shape *s, const philox4x32_ctr_t *blk, uint32_t *o)
{
    if (s->narrow) { /* the first eight 8-bit draws: bytes j ^ 4 of v[3], v[2] in memory */
        const uint8_t *vb = (const uint8_t *)(const void *)blk->v + 8;
#pragma GCC unroll 8
        for (uint32_t j = 0; j < 8; j++)
            o[j] = s->noff[vb[j ^ 4]];
    } else { /* the eight 16-bit draws of v[3], v[2], v[1], v[0], low half first */
        uint32_t w[4] = {blk->v[3], blk->v[2], blk->v[1], blk->v[0]};
#pragma GCC unroll 8
        for (uint32_t j = 0; j < 8; j++)
            o[j] = s->off[(((w[j >> 1] >> (16 * (j & 1))) & 0xffffu) * s->size) >> 16];
    }
}

/* The block whose eight candidates agent f's move (at pos, first movement block b0) will test
 * first, as far as the blocks computed ahead tell: b0 itself (the lean path), the words of
 * after_jump in *tmp for an active citizen that will not go to a square (b1: its second block,
 * NULL if not computed ahead), or NULL if they are not known ahead (it holds a square, goes to
 * one, or is pulled). */
HOT const philox4x32_ctr_t *first_block(const unrest_model *m, uint32_t f, uint32_t pos,
                                        const philox4x32_ctr_t *b0, const philox4x32_ctr_t *b1,
                                        philox4x32_ctr_t *tmp, rules ru)
{
    if (ru.lean || f >= m->n_cit || m->p.kernel != UNREST_KERNEL_FAST ||
        m->ag[f].state != ST_ACTIVE)
        return b0;
    move_plan plan = active_plan(m, pos, b0);
    if (plan == PLAN_LEAN) return b0;
    if (plan != PLAN_AFTER_JUMP || !b1) return NULL;
    *tmp = after_jump(b0, b1);
    return tmp;
}

/* The cache lines the coming activation of agent f (at pos, first movement block b0) will
 * read or write, asked for ahead (a list in random order over the whole lattice: every agent
 * would otherwise wait for each of them in turn). Only those it is sure or likely to touch, not
 * every row of its vision: its cell in the byte grid and in occ (a move leaves it), the cells its
 * first candidates test (known from its blocks, whatever the lattice then holds: for an active
 * citizen that will not go to a square, its second block is computed here into *b1 and *has1
 * set), and the bit planes around it only where the count or the arrest will read them (a
 * citizen whose grievance is above the threshold, a cop). */
HOT void prefetch_agent(const unrest_model *m, uint32_t f, uint32_t pos, double g,
                        const philox4x32_ctr_t *b0, philox4x32_ctr_t *b1, uint8_t *has1, rules ru)
{
    const lattice *L = &m->L;
    uint32_t x = pos_x(pos), y = pos_y(pos);
    int cit = f < m->n_cit;
    const shape *s = cit ? &m->cit_shape : &m->cop_shape;
    size_t pb = pad_base(L, x, y);
    __builtin_prefetch(L->pad + pb, 1);
    __builtin_prefetch(&L->occ[pos_index(L, pos)], 1);
    const uint8_t *box = L->pad + pb - s->box;
    philox4x32_ctr_t tmp;
    const philox4x32_ctr_t *blk = b0; /* first_block's, with the second block computed here */
    if (!ru.lean && cit && m->p.kernel == UNREST_KERNEL_FAST && m->ag[f].state == ST_ACTIVE) {
        move_plan plan = active_plan(m, pos, b0);
        if (plan == PLAN_AFTER_JUMP) {
            *b1 = move_block(m, f, 1);
            *has1 = 1;
            tmp = after_jump(b0, b1);
            blk = &tmp;
        } else if (plan != PLAN_LEAN) {
            blk = NULL;
        }
    }
    if (blk) {
        uint32_t o[8];
        first_offsets(s, blk, o);
#pragma GCC unroll 8
        for (uint32_t j = 0; j < 8; j++)
            __builtin_prefetch(box + o[j]);
    }
    if (!cit || g > m->p.threshold) {
        /* the lines of the words the count of cops (a citizen) or the arrest (a cop) reads:
         * both strips, whole groups of eight rows from the first (two or three lines each at
         * the paper's vision of 7); a citizen's count of the active ones, only where it sees a
         * cop (act), is left to the caches */
        const uint64_t *plane = cit ? L->cop : L->act;
        uint32_t R = L->R, r = (uint32_t)s->r, last = (2 * r) | 7u;
        size_t wd = pbit_word(L, x + R - r, y + R - r), sh = L->sh;
        for (uint32_t k = 0; k < last; k += 8) {
            __builtin_prefetch(&plane[wd + k]);
            __builtin_prefetch(&plane[wd + sh + k]);
        }
        __builtin_prefetch(&plane[wd + last]);
        __builtin_prefetch(&plane[wd + sh + last]);
    }
}

/* Ask for the occupant index of the cell agent f (at pos) will most likely move to: the first
 * empty candidate of its first candidates (first_block) as the lattice is now (a few activations
 * before its own, which may yet change it: a guess costs a line, never a result). Where those
 * are all taken on the lean path, ask instead for the candidates of its second block, which
 * pick_rest will test: computed here into *b1, *has1 set (b1 is its slot: agent f's second
 * block if *has1). */
HOT void prefetch_target(const unrest_model *m, uint32_t f, uint32_t pos,
                         const philox4x32_ctr_t *b0, philox4x32_ctr_t *b1, uint8_t *has1, rules ru)
{
    const lattice *L = &m->L;
    const shape *s = f < m->n_cit ? &m->cit_shape : &m->cop_shape;
    uint32_t x = pos_x(pos), y = pos_y(pos);
    philox4x32_ctr_t tmp;
    const philox4x32_ctr_t *blk = first_block(m, f, pos, b0, *has1 ? b1 : NULL, &tmp, ru);
    if (!blk) return;
    const uint8_t *box = L->pad + pad_base(L, x, y) - s->box;
    uint32_t to = pick_any(m, s, x, y, box, blk);
    if (to != NO_CELL) {
        __builtin_prefetch(&L->occ[pos_index(L, to)], 1);
    } else if (blk == b0 && !*has1) {
        *b1 = move_block(m, f, 1);
        *has1 = 1;
        uint32_t o[8];
        first_offsets(s, b1, o);
#pragma GCC unroll 8
        for (uint32_t j = 0; j < 8; j++)
            __builtin_prefetch(box + o[j]);
    }
}

/* Activate the agents of list[0..n) in that order, under rules ru (see activate_list). The first
 * movement block of each agent is computed MOVE_AHEAD agents at a time, one batch ahead:
 * independent Philox calls overlap in the CPU, where one per move would wait for its own result,
 * and the blocks are known before the agents' turns (prefetch_agent). Same keys, same numbers.
 * around: prefetch what each agent will touch a few activations ahead (a list in random order
 * over the whole lattice); a block's list does without, its region is fetched once
 * (prefetch_block). */
HOT void activate_with(worker *w, const uint32_t *list, uint32_t n, int around, rules ru)
{
    unrest_model *m = w->m;
    enum { MOVE_AHEAD = 32, AHEAD = 8, TARGET_AHEAD = 3 };
    philox4x32_ctr_t pre[2 * MOVE_AHEAD]; /* batch b in pre[(b & 1) * MOVE_AHEAD ...] */
    /* agent i's second block, where prefetch_agent or prefetch_target computed it, in
     * pre1[i % (2 * MOVE_AHEAD)] (the slot of its first in pre), and whether one did */
    philox4x32_ctr_t pre1[2 * MOVE_AHEAD];
    uint8_t has1[2 * MOVE_AHEAD] = {0};
    philox4x32_key_t key = {{(uint32_t)m->seed, (uint32_t)(m->seed >> 32)}};
    static const uint32_t zeros[MOVE_AHEAD] = {0};
    int ahead = ru.prefetch && around; /* prefetch_agent and prefetch_target */
    /* the next agent's cell and grievance are read one activation ahead, so that its first
     * loads and the G > T test (a coin toss) do not wait behind this one's work; neither can
     * change before its own activation (an arrest leaves the cell in pos, a release is its
     * own) */
    uint32_t nx_pos = n ? m->ag[list[0]].pos : 0;
    double gf = grievance_factor(&m->p), nx_g = n ? grievance(m, list[0], gf) : 0;
    if (n)
        philox_batch(list, m->tick + 1, RNG_MOVE, zeros, key, pre, n < MOVE_AHEAD ? n : MOVE_AHEAD);
    if (ahead) /* the first agents' lines, which the loop asks for only from AHEAD on */
        for (uint32_t i = 0; i < AHEAD && i < n; i++)
            prefetch_agent(m, list[i], m->ag[list[i]].pos, grievance(m, list[i], gf), &pre[i],
                           &pre1[i], &has1[i], ru);
    for (uint32_t i0 = 0; i0 < n; i0 += MOVE_AHEAD) {
        uint32_t nb = n - i0 < MOVE_AHEAD ? n - i0 : MOVE_AHEAD;
        philox4x32_ctr_t *cur = pre + ((i0 / MOVE_AHEAD) & 1) * MOVE_AHEAD;
        philox4x32_ctr_t *nxt = pre + (((i0 / MOVE_AHEAD) & 1) ^ 1) * MOVE_AHEAD;
        if (i0 + nb < n) { /* the next batch's blocks */
            uint32_t nn = n - i0 - nb < MOVE_AHEAD ? n - i0 - nb : MOVE_AHEAD;
            philox_batch(list + i0 + nb, m->tick + 1, RNG_MOVE, zeros, key, nxt, nn);
        }
        for (uint32_t j = 0; j < nb; j++) {
            uint32_t i = i0 + j, a = list[i], pos = nx_pos;
            double g = nx_g;
            if (i + 1 < n) {
                uint32_t nx = list[i + 1];
                nx_pos = m->ag[nx].pos;
                nx_g = grievance(m, nx, gf);
            }
            if (ru.prefetch && i + 2 * AHEAD < n) /* the agent 16 ahead: its columns are cold */
                __builtin_prefetch(&m->ag[list[i + 2 * AHEAD]]);
            if (ahead && i + AHEAD < n) { /* the agent 8 ahead: what it will touch */
                uint32_t f = list[i + AHEAD], k = j + AHEAD, q = (i + AHEAD) % (2 * MOVE_AHEAD);
                prefetch_agent(m, f, m->ag[f].pos, grievance(m, f, gf),
                               k < MOVE_AHEAD ? &cur[k] : &nxt[k - MOVE_AHEAD], &pre1[q], &has1[q],
                               ru);
            }
            if (ahead && i + TARGET_AHEAD < n) { /* 3 ahead: the cell it will likely move to */
                uint32_t f = list[i + TARGET_AHEAD], k = j + TARGET_AHEAD;
                uint32_t q = (i + TARGET_AHEAD) % (2 * MOVE_AHEAD);
                prefetch_target(m, f, m->ag[f].pos, k < MOVE_AHEAD ? &cur[k] : &nxt[k - MOVE_AHEAD],
                                &pre1[q], &has1[q], ru);
            }
            uint32_t q = i % (2 * MOVE_AHEAD);
            w->premove = &cur[j];
            w->premove1 = has1[q] ? &pre1[q] : NULL;
            has1[q] = 0; /* the slot's next agent, 2 * MOVE_AHEAD on, starts without */
            if (a < m->n_cit)
                citizen_step(w, a, pos, g, ru);
            else if (m->ag[a].state == ST_COP)
                cop_step(w, a, ru);
        }
    }
    w->premove = NULL;
    w->premove1 = NULL;
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
void model_activate_list(worker *w, const uint32_t *list, uint32_t n, int around)
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
