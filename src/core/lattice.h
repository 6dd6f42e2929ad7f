/*
 * lattice.h - occupancy of a torus lattice as bit rows, with neighbourhood queries
 * (private to the library).
 *
 * A neighbourhood shape is a union of row intervals: for each row offset dy in [-r, r] the
 * columns x-hw[dy]..x+hw[dy]. Counting set bits in a shape costs one 64-bit window per row (eight
 * rows per vector), not a scan of every cell; selecting the k-th set bit takes the same window
 * in canonical order (dy ascending, then dx ascending). The scan_* twins answer the same
 * questions cell by cell, in the same order, and exist to prove the fast paths right.
 */
#ifndef UNREST_LATTICE_H
#define UNREST_LATTICE_H

#include <stdint.h>
#include <string.h>
#include "unrest/unrest.h"

#define SHAPE_MAX_R 64                            /* largest vision radius supported */
#define SHAPE_ROWS_PAD (2 * SHAPE_MAX_R + 1 + 15) /* rows, rounded past a whole 8-row group */

typedef struct shape {
    int r;                           /* rows above and below the centre */
    int32_t hw[2 * SHAPE_MAX_R + 1]; /* half-width of the interval at dy (index dy + r) */
    uint32_t size;                   /* cells in the shape, centre included */
    uint32_t reject16;               /* 65536 % size: Lemire rejection bound for 16-bit draws */
    uint32_t narrow;                 /* size <= 128: movement draws are 8-bit, sixteen per block */
    uint32_t reject8;                /* 256 % size: the bound for 8-bit draws */
    uint8_t nk[256];    /* narrow: the cell k an 8-bit draw d stands for, (d * size) >> 8, or the
                         * centre's if Lemire rejects d */
    int16_t *dx, *dy;   /* offsets of the size cells in canonical order (owned) */
    uint32_t *off;      /* the same cells as offsets in the padded byte grid from the corner of the
                         * shape's bounding box (shape_link): unsigned, so that a 32-bit load is
                         * an index as it is */
    int64_t box;        /* offset of the centre from that corner: r rows and r columns */
    uint32_t noff[256]; /* narrow: off[nk[d]], so that a rejected draw tests the centre, which
                         * the mover occupies: a miss, as a rejection is (shape_link) */
    /* r <= 31: for row dy + r, the shape's columns as bits of a 64-bit window that starts r
     * columns left of the centre; rows past 2r are zero (whole 8-row groups are read) */
    uint64_t wmask[SHAPE_ROWS_PAD];
} shape;

/* The lattice is kept with a halo of R cells on every side that repeats the opposite edges, so
 * that a neighbourhood of radius <= R is a plain rectangle of memory: no wrap arithmetic on the
 * hot path. Writes go to the cell and its (up to three) halo copies. Bit planes are stored in
 * strips of 64 padded columns, row after row within a strip, so that the rows of a neighbourhood
 * are consecutive words (eight rows are one 512-bit load). */
typedef struct lattice {
    uint32_t w, h;      /* columns, rows */
    uint32_t R;         /* halo width */
    uint32_t pw;        /* padded columns w + 2R */
    uint32_t ph;        /* padded rows h + 2R */
    uint32_t ns;        /* strips of 64 padded columns, one spare */
    uint32_t sh;        /* words per strip: ph + 8 (whole 8-row groups can be read) */
    uint64_t *cop;      /* cell holds a cop (padded bit plane) */
    uint64_t *act;      /* cell holds an active citizen (padded bit plane) */
    int32_t *occ;       /* agent index of the blocking occupant, -1 if none (w x h, no halo) */
    uint8_t *pad;       /* 1 where a cell is blocked (a free citizen, a cop, or with blocking jail a
                         * jailed one): bytes on the padded ph x pw grid, row-major */
    uint16_t *colx;     /* pw entries: the column a padded column stands for */
    uint16_t *rowy;     /* ph entries: the row a padded row stands for */
    int32_t (*hcol)[2]; /* w entries: column x's copy as a byte offset (0 if none) and as a
                         * bit-plane word offset (strips apart x sh) */
    int32_t (*hrow)[2]; /* h entries: row y's copy as rows (= bit-plane words) and as a byte
                         * offset (x pw) */
} lattice;

/* A lattice of w x h cells with halo R (2R < min(w, h)); returns 0 or -1 if memory runs out. */
int lattice_init(lattice *L, uint32_t w, uint32_t h, uint32_t R);
void lattice_free(lattice *L);
size_t lattice_bytes(const lattice *L);

/* Build the shape of a neighbourhood of radius v; returns 0, or -1 if v is too large or memory
 * runs out. shape_free releases the offset tables. */
int shape_build(shape *s, unrest_hood hood, double v);
void shape_free(shape *s);

/* Offsets of a shape's cells in the padded byte grid of L (r <= R): fills s->off and s->box. */
int shape_link(shape *s, const lattice *L);

static inline size_t pad_base(const lattice *L, uint32_t x, uint32_t y)
{
    return (size_t)(y + L->R) * L->pw + (x + L->R);
}

/* Word of a padded bit plane holding padded column xp, padded row yp. */
static inline size_t pbit_word(const lattice *L, uint32_t xp, uint32_t yp)
{
    return (size_t)(xp >> 6) * L->sh + yp;
}

/* Where cell (x, y) and its halo copies live, worked out once for several writes: its padded
 * byte and the byte offsets of the copies. Computed before any store, so that a sequence of
 * writes does not reload the lattice's fields after each byte store. */
typedef struct cell_at {
    uint8_t *pb;      /* padded byte of the cell */
    int64_t bdx, bdy; /* byte offsets of the column and row copies (0: none) */
} cell_at;

static inline cell_at cell_locate(const lattice *L, uint32_t x, uint32_t y)
{
    cell_at c;
    c.pb = L->pad + (size_t)(y + L->R) * L->pw + x + L->R;
    c.bdx = L->hcol[x][0];
    c.bdy = L->hrow[y][1];
    return c;
}

/* Write the padded byte of a located cell and its halo copies. */
static inline void cell_pad_write(const cell_at *c, uint8_t v)
{
    c->pb[0] = v;
    c->pb[c->bdx] = v;
    c->pb[c->bdy] = v;
    c->pb[c->bdy + c->bdx] = v;
}

/* Write the padded byte of cell (x, y) and its halo copies. */
static inline void pad_write(const lattice *L, uint32_t x, uint32_t y, uint8_t v)
{
    cell_at c = cell_locate(L, x, y);
    cell_pad_write(&c, v);
}

static inline int pad_test(const lattice *L, uint32_t x, uint32_t y)
{
    return L->pad[pad_base(L, x, y)];
}

/* Set bit (x, y) of a plane, and its halo copies, to v (0 or 1), without a branch. */
static inline void bit_put(const lattice *L, uint64_t *bits, uint32_t x, uint32_t y, uint64_t v)
{
    const int32_t *hc = L->hcol[x];
    uint32_t xp = x + L->R, xq = (uint32_t)((int32_t)xp + hc[0]), sx0 = xp & 63, sx1 = xq & 63;
    uint64_t *w0 = bits + pbit_word(L, xp, y + L->R), *w1 = w0 + hc[1];
    int64_t dy = L->hrow[y][0];
    uint64_t m0 = 1ull << sx0, m1 = 1ull << sx1;
    w0[0] = (w0[0] & ~m0) | (v << sx0);
    w1[0] = (w1[0] & ~m1) | (v << sx1);
    w0[dy] = (w0[dy] & ~m0) | (v << sx0);
    w1[dy] = (w1[dy] & ~m1) | (v << sx1);
}
static inline void bit_set(const lattice *L, uint64_t *bits, uint32_t x, uint32_t y)
{
    bit_put(L, bits, x, y, 1);
}
static inline void bit_clear(const lattice *L, uint64_t *bits, uint32_t x, uint32_t y)
{
    bit_put(L, bits, x, y, 0);
}
static inline int bit_test(const lattice *L, const uint64_t *bits, uint32_t x, uint32_t y)
{
    uint32_t xp = x + L->R;
    return (int)((bits[pbit_word(L, xp, y + L->R)] >> (xp & 63)) & 1u);
}

/* Position of the k-th cell (k < size) of the shape around (x, y), canonical order: O(1) by the
 * offset table and the wrap tables, no arithmetic on the torus. scan_nth is its twin,
 * enumerating the shape. */
static inline uint32_t shape_at(const lattice *L, const shape *s, uint32_t x, uint32_t y,
                                uint32_t k)
{
    uint32_t cx = L->colx[(int64_t)x + L->R + s->dx[k]];
    uint32_t cy = L->rowy[(int64_t)y + L->R + s->dy[k]];
    return cy << 16 | cx;
}
uint32_t scan_nth(const lattice *L, const shape *s, uint32_t x, uint32_t y, uint32_t k);

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

/* Fast paths (shape radius <= R). Counts include the centre cell. */
/* Set bits of one plane. */
uint32_t lat_count(const lattice *L, const uint64_t *bits, const shape *s, uint32_t x, uint32_t y);
/* Count set bits row by row into cnt[dy + r] (room for SHAPE_ROWS_PAD), returning the total;
 * lat_select_rows then finds the k-th (k < total) in canonical order without recounting. */
uint32_t lat_count_rows(const lattice *L, const uint64_t *bits, const shape *s, uint32_t x,
                        uint32_t y, uint32_t *cnt);
uint32_t lat_select_rows(const lattice *L, const uint64_t *bits, const shape *s, uint32_t x,
                         uint32_t y, const uint32_t *cnt, uint32_t k);
/* The same for empty cells, read from the padded byte grid. */
uint32_t pad_count_empty(const lattice *L, const shape *s, uint32_t x, uint32_t y, uint32_t *cnt);
uint32_t pad_select_empty(const lattice *L, const shape *s, uint32_t x, uint32_t y,
                          const uint32_t *cnt, uint32_t k);

/* Brute-force twins: visit every cell of the shape in canonical order, wrapping by division;
 * they read the cells themselves, never the halo copies. */
uint32_t scan_count(const lattice *L, const uint64_t *bits, const shape *s, uint32_t x, uint32_t y);
uint32_t scan_select(const lattice *L, const uint64_t *bits, const shape *s, uint32_t x, uint32_t y,
                     uint32_t k);
uint32_t scan_count_empty(const lattice *L, const shape *s, uint32_t x, uint32_t y);
uint32_t scan_select_empty(const lattice *L, const shape *s, uint32_t x, uint32_t y, uint32_t k);

#endif
