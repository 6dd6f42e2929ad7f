/*
 * model_par.c - the blocked parallel update: the lattice cut into blocks coloured 2 x 2, the
 * colours in a keyed random order, the blocks of a colour side by side on threads, the agents of
 * a block in a keyed random order; then the end-of-tick countdown, its releases block by block
 * as well. The same bytes for any number of threads (step_parallel explains why).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "model_int.h"
#include "shuffle.h"

/* Gather the agents standing on block b's cells that have not been activated this tick (their
 * cell's tag is the other parity), tag them, and return how many were written to buf. */
static uint32_t gather_block(unrest_model *m, uint32_t b, uint32_t parity, uint32_t *buf)
{
    uint32_t bx = b % m->nbx, by = b / m->nbx;
    uint32_t x0 = (uint32_t)((uint64_t)bx * m->L.w / m->nbx);
    uint32_t x1 = (uint32_t)((uint64_t)(bx + 1) * m->L.w / m->nbx);
    uint32_t y0 = (uint32_t)((uint64_t)by * m->L.h / m->nby);
    uint32_t y1 = (uint32_t)((uint64_t)(by + 1) * m->L.h / m->nby);
    uint32_t n = 0;
    for (uint32_t y = y0; y < y1; y++)
        n += gather_row(m->L.occ + (size_t)y * m->L.w, x0, x1, parity, buf + n);
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
    uint32_t n = gather_block(m, b, t & 1u, buf);
    rng br;
    rng_init(&br, m->seed, RNG_ORDER, t, b + 1);
    shuffle_list(buf, n, &br);
    if ((uint64_t)m->n_agents * 16 > (1u << 20)) prefetch_block(m, b);
    model_activate_list(w, buf, n, 0);
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
                    later[i] = (uint8_t)!model_release_to(&w, rel[i], 0);
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
        if (later[i]) model_release_to(total, rel[i], 1);
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
int model_step_parallel(unrest_model *m, worker *total)
{
    uint32_t t = m->tick + 1;
    uint32_t cx = m->nbx > 1 ? 2 : 1, cy = m->nby > 1 ? 2 : 1, ncol = cx * cy;
    uint32_t colours[4] = {0, 1, 2, 3};
    rng r;
    rng_init(&r, m->seed, RNG_ORDER, t, UINT32_MAX);
    shuffle_list(colours, ncol, &r);
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
