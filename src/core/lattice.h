/*
 * lattice.h - occupancy of a torus lattice as bit rows, with neighbourhood queries
 * (private to the library).
 *
 * A neighbourhood shape is a union of row intervals: for each row offset dy in [-r, r] the
 * columns x-hw[dy]..x+hw[dy]. Counting set bits in a shape costs one or two popcounts per row,
 * not a scan of every cell; selecting the k-th set (or clear) bit walks the same intervals in
 * canonical order (dy ascending, then dx ascending). The scan_* twins answer the same
 * questions cell by cell, in the same order, and exist to prove the fast paths right.
 */
#ifndef UNREST_LATTICE_H
#define UNREST_LATTICE_H

#include <stdint.h>
#include <string.h>
#include "unrest/unrest.h"

#define SHAPE_MAX_R 64 /* largest vision radius supported */

typedef struct shape {
    int r;                           /* rows above and below the centre */
    int32_t hw[2 * SHAPE_MAX_R + 1]; /* half-width of the interval at dy (index dy + r) */
    uint32_t size;                   /* cells in the shape, centre included */
    uint32_t reject16;               /* 65536 % size: Lemire rejection bound for 16-bit draws */
    int16_t *dx, *dy;                /* offsets of the size cells in canonical order (owned) */
    int32_t *lin;                    /* the same offsets in the padded grid (shape_link) */
} shape;

typedef struct lattice {
    uint32_t w, h;   /* columns, rows */
    uint32_t nw;     /* 64-bit words per row */
    uint64_t *blk;   /* cell blocked: a free citizen, a cop, or (blocking jail) a jailed one */
    uint64_t *cop;   /* cell holds a cop */
    uint64_t *act;   /* cell holds an active citizen */
    int32_t *occ;    /* agent index of the blocking occupant, -1 if none */
    uint64_t *mask1; /* one-word rows (w <= 64): interval mask at [x * nhw + hw], wrap included */
    uint32_t nhw;    /* half-widths with a mask: 0 .. (w + 1) / 2 - 1 */
    uint8_t *pad;    /* blk as bytes on a (h + 2R) x (w + 2R) grid whose halo of width R repeats
                      * the opposite edges: a cell within R of (x, y) is pad[base + offset],
                      * with no wrap arithmetic (lattice_pad_init) */
    uint32_t R;      /* halo width */
    uint32_t pw;     /* padded row length w + 2R */
} lattice;

/* Allocate the padded byte grid for shapes of radius up to R (R < min(w, h) / 2), copying blk. */
int lattice_pad_init(lattice *L, uint32_t R);

/* Offsets of a shape's cells in the padded grid of L. */
int shape_link(shape *s, const lattice *L);

static inline size_t pad_base(const lattice *L, uint32_t x, uint32_t y)
{
    return (size_t)(y + L->R) * L->pw + (x + L->R);
}

/* Write the padded copy of cell (x, y) and its halo copies. Branch-free: a cell with no halo
 * copy in a direction writes the same byte twice (near the edges is a coin toss on small
 * lattices, and a mispredicted branch costs more than a store). */
static inline void pad_write(const lattice *L, uint32_t x, uint32_t y, uint8_t v)
{
    uint32_t R = L->R;
    int64_t pw = L->pw, w = L->w, h = L->h;
    uint8_t *c = L->pad + (size_t)(y + R) * (size_t)pw + x + R;
    int64_t dx = w * ((int64_t)(x < R) - (int64_t)(x + R >= L->w));
    int64_t dy = h * pw * ((int64_t)(y < R) - (int64_t)(y + R >= L->h));
    c[0] = v;
    c[dx] = v;
    c[dy] = v;
    c[dy + dx] = v;
}

/* Build the shape of a neighbourhood of radius v; returns 0, or -1 if v is too large or memory
 * runs out. shape_free releases the offset table. */
int shape_build(shape *s, unrest_hood hood, double v);
void shape_free(shape *s);

/* Position of the k-th cell (k < size) of the shape around (x, y), canonical order: O(1) by the
 * offset table. scan_nth is its twin, enumerating the shape. */
static inline uint32_t shape_nth(const lattice *L, const shape *s, uint32_t x, uint32_t y,
                                 uint32_t k)
{
    int64_t cx = (int64_t)x + s->dx[k], cy = (int64_t)y + s->dy[k];
    if (cx < 0)
        cx += L->w;
    else if (cx >= (int64_t)L->w)
        cx -= L->w;
    if (cy < 0)
        cy += L->h;
    else if (cy >= (int64_t)L->h)
        cy -= L->h;
    return (uint32_t)cy << 16 | (uint32_t)cx;
}
uint32_t scan_nth(const lattice *L, const shape *s, uint32_t x, uint32_t y, uint32_t k);

int lattice_init(lattice *L, uint32_t w, uint32_t h);
void lattice_free(lattice *L);
size_t lattice_bytes(const lattice *L);

/* A position packs (x, y) as y << 16 | x: no division on the hot path (sides <= 65535). */
static inline uint32_t pos_make(uint32_t x, uint32_t y)
{
    return y << 16 | x;
}
static inline uint32_t pos_x(uint32_t pos)
{
    return pos & 0xffffu;
}
static inline uint32_t pos_y(uint32_t pos)
{
    return pos >> 16;
}
static inline size_t pos_index(const lattice *L, uint32_t pos)
{
    return (size_t)pos_y(pos) * L->w + pos_x(pos);
}

/* Set bit (x, y) to v (0 or 1) without a branch. */
static inline void bit_put(const lattice *L, uint64_t *bits, uint32_t x, uint32_t y, uint64_t v)
{
    uint64_t *w = &bits[(size_t)y * L->nw + (x >> 6)];
    *w = (*w & ~(1ull << (x & 63))) | v << (x & 63);
}
static inline void bit_set(const lattice *L, uint64_t *bits, uint32_t x, uint32_t y)
{
    bits[(size_t)y * L->nw + (x >> 6)] |= 1ull << (x & 63);
}
static inline void bit_clear(const lattice *L, uint64_t *bits, uint32_t x, uint32_t y)
{
    bits[(size_t)y * L->nw + (x >> 6)] &= ~(1ull << (x & 63));
}
static inline int bit_test(const lattice *L, const uint64_t *bits, uint32_t x, uint32_t y)
{
    return (int)((bits[(size_t)y * L->nw + (x >> 6)] >> (x & 63)) & 1u);
}

/* Fast paths. Counts include the centre cell. */
void lat_count2(const lattice *L, const uint64_t *a, const uint64_t *b, const shape *s, uint32_t x,
                uint32_t y, uint32_t *ca, uint32_t *cb);
/* Count matching cells (want = 1 set, 0 clear) row by row into rowcnt[dy + r], returning the
 * total; lat_select_rows then finds the k-th without recounting. */
uint32_t lat_count_rows(const lattice *L, const uint64_t *bits, int want, const shape *s,
                        uint32_t x, uint32_t y, uint32_t *rowcnt);
uint32_t lat_select_rows(const lattice *L, const uint64_t *bits, int want, const shape *s,
                         uint32_t x, uint32_t y, const uint32_t *rowcnt, uint32_t k);

/* Brute-force twins: visit every cell of the shape. */
uint32_t scan_count(const lattice *L, const uint64_t *bits, const shape *s, uint32_t x, uint32_t y);
uint32_t scan_count_clear(const lattice *L, const uint64_t *bits, const shape *s, uint32_t x,
                          uint32_t y);
uint32_t scan_select(const lattice *L, const uint64_t *bits, int want, const shape *s, uint32_t x,
                     uint32_t y, uint32_t k);

#endif
