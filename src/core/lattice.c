/*
 * lattice.c - bit-row occupancy and neighbourhood queries on a torus.
 *
 * Bounds: a count costs O(2r+1) popcounts when rows fit the interval in one or two words
 * (any r < 64); a selection adds one in-word select. The scan twins cost O(shape size).
 */
#include "lattice.h"
#include "mem.h"

#include <math.h>
#include <stdlib.h>
#if defined(__BMI2__)
#include <immintrin.h>
#endif

int shape_build(shape *s, unrest_hood hood, double v)
{
    if (!(v >= 0.0) || v >= (double)SHAPE_MAX_R + 1.0) return -1;
    int r = (int)floor(v);
    s->r = r;
    s->size = 0;
    s->dx = s->dy = NULL;
    s->lin = NULL;
    s->dx = s->dy = NULL;
    for (int dy = -r; dy <= r; dy++) {
        int32_t hw = 0;
        int ady = dy < 0 ? -dy : dy;
        switch (hood) {
        case UNREST_HOOD_VON_NEUMANN:
            hw = r - ady;
            break;
        case UNREST_HOOD_MOORE:
            hw = r;
            break;
        case UNREST_HOOD_EUCLIDEAN:
            /* largest dx with dx^2 + dy^2 <= v^2, decided in exact integer/double terms */
            hw = 0;
            while ((double)((hw + 1) * (hw + 1) + ady * ady) <= v * v)
                hw++;
            break;
        }
        s->hw[dy + r] = hw;
        s->size += (uint32_t)(2 * hw + 1);
    }
    s->reject16 = 65536u % s->size;
    s->dx = malloc(s->size * sizeof *s->dx);
    s->dy = malloc(s->size * sizeof *s->dy);
    if (!s->dx || !s->dy) {
        shape_free(s);
        return -1;
    }
    uint32_t k = 0;
    for (int dy = -r; dy <= r; dy++)
        for (int dx = -s->hw[dy + r]; dx <= s->hw[dy + r]; dx++) {
            s->dx[k] = (int16_t)dx;
            s->dy[k] = (int16_t)dy;
            k++;
        }
    return 0;
}

void shape_free(shape *s)
{
    free(s->dx);
    free(s->dy);
    free(s->lin);
    s->dx = s->dy = NULL;
    s->lin = NULL;
}

int shape_link(shape *s, const lattice *L)
{
    if ((uint32_t)s->r > L->R) return -1;
    free(s->lin);
    s->lin = malloc(s->size * sizeof *s->lin);
    if (!s->lin) return -1;
    for (uint32_t k = 0; k < s->size; k++)
        s->lin[k] = (int32_t)s->dy[k] * (int32_t)L->pw + s->dx[k];
    return 0;
}

int lattice_pad_init(lattice *L, uint32_t R)
{
    free(L->pad);
    L->R = R;
    L->pw = L->w + 2 * R;
    L->pad = mem_zalloc((size_t)(L->h + 2 * R) * L->pw, 1);
    if (!L->pad) return -1;
    for (uint32_t y = 0; y < L->h; y++)
        for (uint32_t x = 0; x < L->w; x++)
            if (bit_test(L, L->blk, x, y)) pad_write(L, x, y, 1);
    return 0;
}

uint32_t scan_nth(const lattice *L, const shape *s, uint32_t x, uint32_t y, uint32_t k)
{
    for (int dy = -s->r; dy <= s->r; dy++) {
        int32_t hw = s->hw[dy + s->r];
        for (int32_t dx = -hw; dx <= hw; dx++)
            if (k-- == 0) {
                uint32_t cx = (uint32_t)(((int64_t)x + dx + L->w) % L->w);
                uint32_t cy = (uint32_t)(((int64_t)y + dy + L->h) % L->h);
                return cy << 16 | cx;
            }
    }
    return UINT32_MAX;
}

int lattice_init(lattice *L, uint32_t w, uint32_t h)
{
    memset(L, 0, sizeof *L);
    L->w = w;
    L->h = h;
    L->nw = (w + 63) / 64;
    size_t words = (size_t)L->nw * h;
    L->blk = mem_zalloc(words, sizeof(uint64_t));
    L->cop = mem_zalloc(words, sizeof(uint64_t));
    L->act = mem_zalloc(words, sizeof(uint64_t));
    L->occ = mem_zalloc((size_t)w * h, sizeof(int32_t));
    if (!L->blk || !L->cop || !L->act || !L->occ) {
        lattice_free(L);
        return -1;
    }
    memset(L->occ, 0xff, (size_t)w * h * sizeof(int32_t));
    if (L->nw == 1) {
        /* masks of the interval [x - hw, x + hw] on the ring of w columns, for hw < w/2 */
        uint32_t nhw = (w + 1) / 2;
        L->nhw = nhw;
        L->mask1 = calloc((size_t)nhw * w, sizeof(uint64_t));
        if (!L->mask1) {
            lattice_free(L);
            return -1;
        }
        for (uint32_t hw = 0; hw < nhw; hw++)
            for (uint32_t x = 0; x < w; x++) {
                uint64_t m = 0;
                for (uint32_t d = 0; d <= 2 * hw && d < w; d++)
                    m |= 1ull << ((x + w - hw + d) % w);
                L->mask1[(size_t)x * nhw + hw] = m;
            }
    }
    return 0;
}

void lattice_free(lattice *L)
{
    free(L->blk);
    free(L->cop);
    free(L->act);
    free(L->occ);
    free(L->mask1);
    free(L->pad);
    L->pad = NULL;
    L->blk = L->cop = L->act = L->mask1 = NULL;
    L->occ = NULL;
}

size_t lattice_bytes(const lattice *L)
{
    size_t masks = L->mask1 ? (size_t)L->nhw * L->w * sizeof(uint64_t) : 0;
    size_t pad = L->pad ? (size_t)(L->h + 2 * L->R) * L->pw : 0;
    return (size_t)L->nw * L->h * 3 * sizeof(uint64_t) + (size_t)L->w * L->h * sizeof(int32_t) +
           masks + pad;
}

/* Set bits of row in [a, b), 0 <= a < b <= w. */
static inline uint32_t range_pop(const uint64_t *row, uint32_t a, uint32_t b)
{
    uint32_t wa = a >> 6, wb = (b - 1) >> 6;
    uint64_t ma = ~0ull << (a & 63);
    uint64_t mb = ~0ull >> (63 - ((b - 1) & 63));
    if (wa == wb) return (uint32_t)__builtin_popcountll(row[wa] & ma & mb);
    uint32_t c = (uint32_t)__builtin_popcountll(row[wa] & ma);
    for (uint32_t i = wa + 1; i < wb; i++)
        c += (uint32_t)__builtin_popcountll(row[i]);
    return c + (uint32_t)__builtin_popcountll(row[wb] & mb);
}

/* The 64 bits of row starting at column a (a + 64 may run past the row: the excess reads the
 * next word, which exists as long as a + len <= w for the caller's len). */
static inline uint64_t window64(const uint64_t *row, uint32_t a, uint32_t nw)
{
    uint32_t i = a >> 6, sh = a & 63;
    uint64_t lo = row[i] >> sh;
    if (sh && i + 1 < nw) lo |= row[i + 1] << (64 - sh);
    return lo;
}

/* Set bits of row in [a, a + len), len <= 64, not wrapping. */
static inline uint32_t short_pop(const uint64_t *row, uint32_t a, uint32_t len, uint32_t nw)
{
    uint64_t m = len == 64 ? ~0ull : (1ull << len) - 1;
    return (uint32_t)__builtin_popcountll(window64(row, a, nw) & m);
}

/* Position of the k-th set bit of x (k < popcount(x)). */
static inline uint32_t word_select(uint64_t x, uint32_t k)
{
#if defined(__BMI2__)
    return (uint32_t)__builtin_ctzll(_pdep_u64(1ull << k, x));
#else
    while (k--)
        x &= x - 1;
    return (uint32_t)__builtin_ctzll(x);
#endif
}

/* Position in [a,b) of the k-th bit equal to want; *k is reduced by the matches passed if
 * there are fewer than k+1. Returns UINT32_MAX when not found in this range. */
static inline uint32_t range_select(const uint64_t *row, uint32_t a, uint32_t b, int want,
                                    uint32_t *k)
{
    uint32_t wa = a >> 6, wb = (b - 1) >> 6;
    for (uint32_t i = wa; i <= wb; i++) {
        uint64_t x = want ? row[i] : ~row[i];
        if (i == wa) x &= ~0ull << (a & 63);
        if (i == wb) x &= ~0ull >> (63 - ((b - 1) & 63));
        uint32_t pc = (uint32_t)__builtin_popcountll(x);
        if (*k < pc) return i * 64 + word_select(x, *k);
        *k -= pc;
    }
    return UINT32_MAX;
}

/* The (one or two) column segments of the interval centred on x with half-width hw, in dx
 * order. Returns the number of segments. */
static inline int segments(uint32_t w, uint32_t x, int32_t hw, uint32_t seg[4])
{
    uint32_t len = (uint32_t)(2 * hw + 1);
    uint32_t lo = x >= (uint32_t)hw ? x - (uint32_t)hw : x + w - (uint32_t)hw;
    if (lo + len <= w) {
        seg[0] = lo;
        seg[1] = lo + len;
        return 1;
    }
    seg[0] = lo;
    seg[1] = w;
    seg[2] = 0;
    seg[3] = lo + len - w;
    return 2;
}

static inline uint32_t wrap_row(const lattice *L, uint32_t y, int dy)
{
    int64_t r = (int64_t)y + dy;
    if (r < 0)
        r += L->h;
    else if (r >= (int64_t)L->h)
        r -= L->h;
    return (uint32_t)r;
}

void lat_count2(const lattice *L, const uint64_t *a, const uint64_t *b, const shape *s, uint32_t x,
                uint32_t y, uint32_t *ca, uint32_t *cb)
{
    uint32_t na = 0, nb = 0, seg[4];
    if (L->nw == 1) {
        const uint64_t *mk = L->mask1 + (size_t)x * L->nhw;
        uint32_t ry = wrap_row(L, y, -s->r);
        for (int i = 0; i <= 2 * s->r; i++) {
            uint64_t m = mk[s->hw[i]];
            na += (uint32_t)__builtin_popcountll(a[ry] & m);
            nb += (uint32_t)__builtin_popcountll(b[ry] & m);
            if (++ry == L->h) ry = 0;
        }
        *ca = na;
        *cb = nb;
        return;
    }
    int inside = x >= (uint32_t)s->r && x + (uint32_t)s->r < L->w && s->r < 32;
    uint32_t ry = wrap_row(L, y, -s->r);
    for (int dy = -s->r; dy <= s->r; dy++) {
        size_t off = (size_t)ry * L->nw;
        int32_t hw = s->hw[dy + s->r];
        if (++ry == L->h) ry = 0;
        if (inside) { /* no wrap: one 64-bit window per row */
            uint32_t lo = x - (uint32_t)hw, len = (uint32_t)(2 * hw + 1);
            na += short_pop(a + off, lo, len, L->nw);
            nb += short_pop(b + off, lo, len, L->nw);
            continue;
        }
        int n = segments(L->w, x, hw, seg);
        na += range_pop(a + off, seg[0], seg[1]);
        nb += range_pop(b + off, seg[0], seg[1]);
        if (n == 2) {
            na += range_pop(a + off, seg[2], seg[3]);
            nb += range_pop(b + off, seg[2], seg[3]);
        }
    }
    *ca = na;
    *cb = nb;
}

uint32_t lat_count_rows(const lattice *L, const uint64_t *bits, int want, const shape *s,
                        uint32_t x, uint32_t y, uint32_t *rowcnt)
{
    uint32_t total = 0, seg[4];
    for (int dy = -s->r; dy <= s->r; dy++) {
        uint32_t ry = wrap_row(L, y, dy), c;
        int32_t hw = s->hw[dy + s->r];
        if (L->nw == 1) {
            uint64_t v = want ? bits[ry] : ~bits[ry];
            c = (uint32_t)__builtin_popcountll(v & L->mask1[(size_t)x * L->nhw + (uint32_t)hw]);
        } else {
            const uint64_t *row = bits + (size_t)ry * L->nw;
            int n = segments(L->w, x, hw, seg);
            c = range_pop(row, seg[0], seg[1]);
            if (n == 2) c += range_pop(row, seg[2], seg[3]);
            if (!want) c = (uint32_t)(2 * hw + 1) - c;
        }
        rowcnt[dy + s->r] = c;
        total += c;
    }
    return total;
}

uint32_t lat_select_rows(const lattice *L, const uint64_t *bits, int want, const shape *s,
                         uint32_t x, uint32_t y, const uint32_t *rowcnt, uint32_t k)
{
    int dy = -s->r;
    while (k >= rowcnt[dy + s->r])
        k -= rowcnt[(dy++) + s->r];
    uint32_t ry = wrap_row(L, y, dy);
    int32_t hw = s->hw[dy + s->r];
    uint32_t seg[4];
    int n = segments(L->w, x, hw, seg);
    if (L->nw == 1) {
        /* dx order: the segment starting at lo comes first, then the wrapped part from 0 */
        uint64_t v = (want ? bits[ry] : ~bits[ry]) & L->mask1[(size_t)x * L->nhw + (uint32_t)hw];
        uint64_t first = v & (~0ull << seg[0]);
        uint32_t pc = (uint32_t)__builtin_popcountll(first);
        if (k < pc) return pos_make(word_select(first, k), ry);
        (void)n;
        return pos_make(word_select(v & ~(~0ull << seg[0]), k - pc), ry);
    }
    const uint64_t *row = bits + (size_t)ry * L->nw;
    for (int i = 0; i < n; i++) {
        uint32_t p = range_select(row, seg[2 * i], seg[2 * i + 1], want, &k);
        if (p != UINT32_MAX) return pos_make(p, ry);
    }
    return UINT32_MAX;
}

uint32_t scan_count(const lattice *L, const uint64_t *bits, const shape *s, uint32_t x, uint32_t y)
{
    uint32_t c = 0;
    for (int dy = -s->r; dy <= s->r; dy++) {
        uint32_t ry = wrap_row(L, y, dy);
        int32_t hw = s->hw[dy + s->r];
        for (int32_t dx = -hw; dx <= hw; dx++) {
            int64_t cx = ((int64_t)x + dx + L->w) % L->w;
            c += (uint32_t)bit_test(L, bits, (uint32_t)cx, ry);
        }
    }
    return c;
}

uint32_t scan_count_clear(const lattice *L, const uint64_t *bits, const shape *s, uint32_t x,
                          uint32_t y)
{
    return s->size - scan_count(L, bits, s, x, y);
}

uint32_t scan_select(const lattice *L, const uint64_t *bits, int want, const shape *s, uint32_t x,
                     uint32_t y, uint32_t k)
{
    for (int dy = -s->r; dy <= s->r; dy++) {
        uint32_t ry = wrap_row(L, y, dy);
        int32_t hw = s->hw[dy + s->r];
        for (int32_t dx = -hw; dx <= hw; dx++) {
            uint32_t cx = (uint32_t)(((int64_t)x + dx + L->w) % L->w);
            if (bit_test(L, bits, cx, ry) == want) {
                if (k == 0) return pos_make(cx, ry);
                k--;
            }
        }
    }
    return UINT32_MAX;
}
