/*
 * lattice.c - padded bit-plane occupancy and neighbourhood queries on a torus.
 *
 * Bounds: a count reads two words per row of the shape and plane (r <= 31: one 64-bit window
 * per row, eight rows per 512-bit vector where AVX-512 has a popcount); a selection adds one
 * in-word select. Radii from 32 on walk the row's words. The scan twins cost O(shape size).
 */
#include "lattice.h"
#include "mem.h"

#include <math.h>
#include <stdlib.h>
#if defined(__BMI2__) || (defined(__AVX512F__) && defined(__AVX512VPOPCNTDQ__))
#include <immintrin.h>
#endif

int shape_build(shape *s, unrest_hood hood, double v)
{
    if (!(v >= 0.0) || v >= (double)SHAPE_MAX_R + 1.0) return -1;
    int r = (int)floor(v);
    memset(s, 0, sizeof *s);
    s->r = r;
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
        if (r <= 31) /* columns r - hw .. r + hw of the window */
            s->wmask[dy + r] = (~0ull >> (63 - 2 * hw)) << (r - hw);
    }
    s->reject16 = 65536u % s->size;
    s->narrow = s->size <= 128;
    s->reject8 = 256u % s->size;
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
    if (s->narrow) /* 8-bit Lemire: d -> (d * size) >> 8 unless (d * size) mod 256 < 256 % size */
        for (uint32_t d = 0; d < 256; d++) {
            uint32_t prod = d * s->size;
            s->nk[d] = (uint8_t)((prod & 0xffu) < s->reject8 ? s->size / 2 : prod >> 8);
        }
    return 0;
}

void shape_free(shape *s)
{
    free(s->dx);
    free(s->dy);
    free(s->off);
    s->dx = s->dy = NULL;
    s->off = NULL;
}

int shape_link(shape *s, const lattice *L)
{
    if ((uint32_t)s->r > L->R) return -1;
    free(s->off);
    s->off = malloc(s->size * sizeof *s->off);
    if (!s->off) return -1;
    s->box = (int64_t)s->r * L->pw + s->r;
    for (uint32_t k = 0; k < s->size; k++)
        s->off[k] = (uint32_t)((int64_t)s->dy[k] * L->pw + s->dx[k] + s->box);
    if (s->narrow)
        for (uint32_t d = 0; d < 256; d++)
            s->noff[d] = s->off[s->nk[d]];
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

/* Offsets from a cell to its halo copies, for the tables hcol and hrow: a cell with no copy in a
 * direction gets 0 (the same cell written again: near the edges is a coin toss on small lattices,
 * and a mispredicted branch costs more than a store). */
static int64_t halo_dx(const lattice *L, uint32_t x)
{
    return (int64_t)L->w * ((int64_t)(x < L->R) - (int64_t)(x + L->R >= L->w));
}
static int64_t halo_dy(const lattice *L, uint32_t y)
{
    return (int64_t)L->h * ((int64_t)(y < L->R) - (int64_t)(y + L->R >= L->h));
}

int lattice_init(lattice *L, uint32_t w, uint32_t h, uint32_t R)
{
    memset(L, 0, sizeof *L);
    if (2 * R >= (w < h ? w : h)) return -1;
    L->w = w;
    L->h = h;
    L->R = R;
    L->pw = w + 2 * R;
    L->ph = h + 2 * R;
    L->ns = (L->pw + 63) / 64 + 1;
    L->sh = L->ph + 8;
    size_t words = (size_t)L->ns * L->sh;
    L->cop = mem_zalloc(words, sizeof(uint64_t));
    L->act = mem_zalloc(words, sizeof(uint64_t));
    L->occ = mem_zalloc((size_t)w * h, sizeof(int32_t));
    L->pad = mem_zalloc((size_t)L->ph * L->pw, 1);
    L->colx = mem_zalloc(L->pw, sizeof *L->colx);
    L->rowy = mem_zalloc(L->ph, sizeof *L->rowy);
    L->hcol = mem_zalloc(w, sizeof *L->hcol);
    L->hrow = mem_zalloc(h, sizeof *L->hrow);
    if (!L->cop || !L->act || !L->occ || !L->pad || !L->colx || !L->rowy || !L->hcol || !L->hrow) {
        lattice_free(L);
        return -1;
    }
    memset(L->occ, 0xff, (size_t)w * h * sizeof(int32_t));
    for (uint32_t i = 0; i < L->pw; i++)
        L->colx[i] = (uint16_t)((i + w - R) % w);
    for (uint32_t i = 0; i < L->ph; i++)
        L->rowy[i] = (uint16_t)((i + h - R) % h);
    for (uint32_t x = 0; x < w; x++) {
        int64_t hx = halo_dx(L, x), xp = x + R, xq = xp + hx;
        L->hcol[x][0] = (int32_t)hx;
        L->hcol[x][1] = (int32_t)(((xq >> 6) - (xp >> 6)) * (int64_t)L->sh);
    }
    for (uint32_t y = 0; y < h; y++) {
        L->hrow[y][0] = (int32_t)halo_dy(L, y);
        L->hrow[y][1] = (int32_t)(halo_dy(L, y) * (int64_t)L->pw);
    }
    return 0;
}

void lattice_free(lattice *L)
{
    free(L->cop);
    free(L->act);
    free(L->occ);
    free(L->pad);
    free(L->colx);
    free(L->rowy);
    free(L->hcol);
    free(L->hrow);
    L->hcol = L->hrow = NULL;
    L->cop = L->act = NULL;
    L->occ = NULL;
    L->pad = NULL;
    L->colx = L->rowy = NULL;
}

size_t lattice_bytes(const lattice *L)
{
    return (size_t)L->ns * L->sh * 2 * sizeof(uint64_t) + (size_t)L->w * L->h * sizeof(int32_t) +
           (size_t)L->ph * L->pw + (size_t)(L->pw + L->ph) * sizeof(uint16_t) +
           (size_t)(L->w + L->h) * 2 * sizeof(int32_t);
}

/* The 64 bits of a strip row starting at bit shf (< 64): the rest comes from the next strip,
 * sh words on. No branch for shf = 0. */
static inline uint64_t window(const uint64_t *p, size_t sh, uint32_t shf)
{
    return (p[0] >> shf) | ((p[sh] << 1) << (63 - shf));
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

/* Set bits of padded row yp in padded columns [a, b] (radii from 32 on). */
static uint32_t strip_pop(const lattice *L, const uint64_t *bits, uint32_t yp, uint32_t a,
                          uint32_t b)
{
    uint32_t c = 0;
    for (uint32_t i = a >> 6; i <= b >> 6; i++) {
        uint64_t v = bits[(size_t)i * L->sh + yp];
        if (i == a >> 6) v &= ~0ull << (a & 63);
        if (i == b >> 6) v &= ~0ull >> (63 - (b & 63));
        c += (uint32_t)__builtin_popcountll(v);
    }
    return c;
}

/* Padded column of the k-th set bit of padded row yp in [a, b] (k below its count). */
static uint32_t strip_select(const lattice *L, const uint64_t *bits, uint32_t yp, uint32_t a,
                             uint32_t b, uint32_t k)
{
    for (uint32_t i = a >> 6; i <= b >> 6; i++) {
        uint64_t v = bits[(size_t)i * L->sh + yp];
        if (i == a >> 6) v &= ~0ull << (a & 63);
        if (i == b >> 6) v &= ~0ull >> (63 - (b & 63));
        uint32_t pc = (uint32_t)__builtin_popcountll(v);
        if (k < pc) return i * 64 + word_select(v, k);
        k -= pc;
    }
    return UINT32_MAX;
}

/* The torus position of offset (dx, dy) from (x, y), |dx|, |dy| <= R. */
static inline uint32_t offset_pos(const lattice *L, uint32_t x, uint32_t y, int32_t dx, int32_t dy)
{
    int64_t cx = (int64_t)x + dx, cy = (int64_t)y + dy;
    cx += (int64_t)L->w * ((cx < 0) - (cx >= (int64_t)L->w));
    cy += (int64_t)L->h * ((cy < 0) - (cy >= (int64_t)L->h));
    return pos_make((uint32_t)cx, (uint32_t)cy);
}

#if defined(__AVX512F__) && defined(__AVX512VPOPCNTDQ__)
#define LAT_VECTOR 1
/* Eight windows: rows i .. i + 7 from p, each 64 bits from bit shf (cr = shf, cl = 64 - shf). */
static inline __m512i window8(const uint64_t *p, size_t sh, __m128i cr, __m128i cl)
{
    __m512i lo = _mm512_loadu_si512((const void *)p);
    __m512i hi = _mm512_loadu_si512((const void *)(p + sh));
    return _mm512_or_si512(_mm512_srl_epi64(lo, cr), _mm512_sll_epi64(hi, cl));
}

/* Eight windows masked by m[0..8), as 64-bit lane counts. */
static inline __m512i window8_pop(const uint64_t *p, size_t sh, __m128i cr, __m128i cl,
                                  const uint64_t *m)
{
    __m512i mask = _mm512_loadu_si512((const void *)m);
    return _mm512_popcnt_epi64(_mm512_and_si512(window8(p, sh, cr, cl), mask));
}

#endif

/* lat_count for radii from 32 on, out of line: the common case stays a leaf that needs no
 * saved registers. */
static __attribute__((noinline)) uint32_t count_wide(const lattice *L, const uint64_t *bits,
                                                     const shape *s, uint32_t x, uint32_t y)
{
    uint32_t r = (uint32_t)s->r, n = 0;
    for (uint32_t i = 0; i <= 2 * r; i++) {
        uint32_t yp = y + L->R - r + i, hw = (uint32_t)s->hw[i];
        n += strip_pop(L, bits, yp, x + L->R - hw, x + L->R + hw);
    }
    return n;
}

uint32_t lat_count(const lattice *L, const uint64_t *bits, const shape *s, uint32_t x, uint32_t y)
{
    uint32_t r = (uint32_t)s->r;
    if (r > 31) return count_wide(L, bits, s, x, y);
    uint32_t c0 = x + L->R - r, shf = c0 & 63;
    size_t base = (size_t)(c0 >> 6) * L->sh + (y + L->R - r);
#ifdef LAT_VECTOR
    __m128i cr = _mm_cvtsi32_si128((int)shf), cl = _mm_cvtsi32_si128((int)(64 - shf));
    __m512i v = window8_pop(bits + base, L->sh, cr, cl, s->wmask);
    if (r > 3) { /* rows 8 .. 15 (a vision of 7, the paper's and Mesa's), then the rest */
        v = _mm512_add_epi64(v, window8_pop(bits + base + 8, L->sh, cr, cl, s->wmask + 8));
#pragma GCC unroll 1
        for (uint32_t g = 16; g <= 2 * r; g += 8)
            v = _mm512_add_epi64(v, window8_pop(bits + base + g, L->sh, cr, cl, s->wmask + g));
    }
    return (uint32_t)_mm512_reduce_add_epi64(v);
#else
    uint32_t n = 0;
    for (uint32_t i = 0; i <= 2 * r; i++)
        n += (uint32_t)__builtin_popcountll(window(bits + base + i, L->sh, shf) & s->wmask[i]);
    return n;
#endif
}

uint32_t lat_count_rows(const lattice *L, const uint64_t *bits, const shape *s, uint32_t x,
                        uint32_t y, uint32_t *cnt)
{
    uint32_t r = (uint32_t)s->r, total = 0;
    if (r <= 31) {
        uint32_t c0 = x + L->R - r, shf = c0 & 63;
        size_t base = (size_t)(c0 >> 6) * L->sh + (y + L->R - r);
#ifdef LAT_VECTOR
        __m128i cr = _mm_cvtsi32_si128((int)shf), cl = _mm_cvtsi32_si128((int)(64 - shf));
        __m512i v = _mm512_setzero_si512();
        for (uint32_t g = 0; g <= 2 * r; g += 8) {
            __m512i c = window8_pop(bits + base + g, L->sh, cr, cl, s->wmask + g);
            _mm256_storeu_si256((__m256i *)(void *)(cnt + g), _mm512_cvtepi64_epi32(c));
            v = _mm512_add_epi64(v, c);
        }
        return (uint32_t)_mm512_reduce_add_epi64(v);
#else
        for (uint32_t i = 0; i <= 2 * r; i++) {
            cnt[i] =
                (uint32_t)__builtin_popcountll(window(bits + base + i, L->sh, shf) & s->wmask[i]);
            total += cnt[i];
        }
        return total;
#endif
    }
    for (uint32_t i = 0; i <= 2 * r; i++) {
        uint32_t hw = (uint32_t)s->hw[i];
        cnt[i] = strip_pop(L, bits, y + L->R - r + i, x + L->R - hw, x + L->R + hw);
        total += cnt[i];
    }
    return total;
}

uint32_t lat_select_rows(const lattice *L, const uint64_t *bits, const shape *s, uint32_t x,
                         uint32_t y, const uint32_t *cnt, uint32_t k)
{
    uint32_t r = (uint32_t)s->r, i = 0;
    while (k >= cnt[i])
        k -= cnt[i++];
    int32_t dx;
    if (r <= 31) {
        uint32_t c0 = x + L->R - r, shf = c0 & 63;
        size_t base = (size_t)(c0 >> 6) * L->sh + (y + L->R - r);
        uint64_t v = window(bits + base + i, L->sh, shf) & s->wmask[i];
        dx = (int32_t)word_select(v, k) - (int32_t)r;
    } else {
        uint32_t hw = (uint32_t)s->hw[i];
        uint32_t c = strip_select(L, bits, y + L->R - r + i, x + L->R - hw, x + L->R + hw, k);
        dx = (int32_t)c - (int32_t)(x + L->R);
    }
    return offset_pos(L, x, y, dx, (int32_t)i - (int32_t)r);
}

uint32_t pad_count_empty(const lattice *L, const shape *s, uint32_t x, uint32_t y, uint32_t *cnt)
{
    const uint8_t *c = L->pad + pad_base(L, x, y);
    uint32_t total = 0;
    for (int dy = -s->r; dy <= s->r; dy++) {
        int32_t hw = s->hw[dy + s->r];
        const uint8_t *row = c + (int64_t)dy * L->pw;
        uint32_t n = 0;
        for (int32_t dx = -hw; dx <= hw; dx++)
            n += !row[dx];
        cnt[dy + s->r] = n;
        total += n;
    }
    return total;
}

uint32_t pad_select_empty(const lattice *L, const shape *s, uint32_t x, uint32_t y,
                          const uint32_t *cnt, uint32_t k)
{
    int dy = -s->r;
    while (k >= cnt[dy + s->r])
        k -= cnt[(dy++) + s->r];
    int32_t hw = s->hw[dy + s->r];
    const uint8_t *row = L->pad + pad_base(L, x, y) + (int64_t)dy * L->pw;
    for (int32_t dx = -hw; dx <= hw; dx++)
        if (!row[dx] && k-- == 0) return offset_pos(L, x, y, dx, dy);
    return UINT32_MAX;
}

/* The shape's cells around (x, y) in canonical order, wrapped by division: the twins' own
 * arithmetic, independent of the halo. */
#define FOR_SHAPE(L, s, x, y, cx, cy)                                                              \
    for (int dy_ = -(s)->r; dy_ <= (s)->r; dy_++)                                                  \
        for (int32_t dx_ = -(s)->hw[dy_ + (s)->r]; dx_ <= (s)->hw[dy_ + (s)->r]; dx_++)            \
            for (uint32_t cx = (uint32_t)(((int64_t)(x) + dx_ + (L)->w) % (L)->w),                 \
                          cy = (uint32_t)(((int64_t)(y) + dy_ + (L)->h) % (L)->h), once_ = 1;      \
                 once_; once_ = 0)

uint32_t scan_count(const lattice *L, const uint64_t *bits, const shape *s, uint32_t x, uint32_t y)
{
    uint32_t c = 0;
    FOR_SHAPE(L, s, x, y, cx, cy)
    c += (uint32_t)bit_test(L, bits, cx, cy);
    return c;
}

uint32_t scan_select(const lattice *L, const uint64_t *bits, const shape *s, uint32_t x, uint32_t y,
                     uint32_t k)
{
    FOR_SHAPE(L, s, x, y, cx, cy)
    if (bit_test(L, bits, cx, cy) && k-- == 0) return pos_make(cx, cy);
    return UINT32_MAX;
}

uint32_t scan_count_empty(const lattice *L, const shape *s, uint32_t x, uint32_t y)
{
    uint32_t c = 0;
    FOR_SHAPE(L, s, x, y, cx, cy)
    c += (uint32_t)!pad_test(L, cx, cy);
    return c;
}

uint32_t scan_select_empty(const lattice *L, const shape *s, uint32_t x, uint32_t y, uint32_t k)
{
    FOR_SHAPE(L, s, x, y, cx, cy)
    if (!pad_test(L, cx, cy) && k-- == 0) return pos_make(cx, cy);
    return UINT32_MAX;
}
