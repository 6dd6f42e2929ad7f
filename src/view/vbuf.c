/*
 * vbuf.c - small tools the view module's writers share: a growable byte buffer with JSON,
 * base64 and little-endian writers, atomic file writes (temporary file, then rename), the
 * lattice pooling that keeps frames and maps small, and the lookup of embedded web files.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "view_int.h"

/* Colours of EMPTY, QUIET, ACTIVE, JAILED, COP; web/app.js has the same table. */
const uint8_t view_cell_rgb[5][3] = {
    {0x16, 0x19, 0x20}, {0x3b, 0x5b, 0x8c}, {0xff, 0x4d, 0x3d},
    {0xd9, 0xa4, 0x1e}, {0xe6, 0xea, 0xf0},
};

void vbuf_free(vbuf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static int vbuf_reserve(vbuf *b, size_t extra)
{
    if (b->failed) return 0;
    if (b->len + extra + 1 <= b->cap) return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            b->failed = 1;
            return 0;
        }
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return 0;
    }
    b->data = p;
    b->cap = cap;
    return 1;
}

void vbuf_add(vbuf *b, const void *p, size_t n)
{
    if (!vbuf_reserve(b, n)) return;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void vbuf_str(vbuf *b, const char *s)
{
    vbuf_add(b, s, strlen(s));
}

void vbuf_printf(vbuf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        vbuf_add(b, small, (size_t)n);
        return;
    }
    if (!vbuf_reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void vbuf_u8(vbuf *b, uint8_t v)
{
    vbuf_add(b, &v, 1);
}

void vbuf_u16(vbuf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    vbuf_add(b, x, 2);
}

void vbuf_u32(vbuf *b, uint32_t v)
{
    uint8_t x[4];
    for (int i = 0; i < 4; i++)
        x[i] = (uint8_t)(v >> (8 * i));
    vbuf_add(b, x, 4);
}

void vbuf_i64(vbuf *b, int64_t v)
{
    uint64_t u = (uint64_t)v;
    uint8_t x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (uint8_t)(u >> (8 * i));
    vbuf_add(b, x, 8);
}

void vbuf_f32(vbuf *b, float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    vbuf_u32(b, u);
}

void vbuf_json_str(vbuf *b, const char *s)
{
    vbuf_u8(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            vbuf_add(b, e, 2);
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            vbuf_printf(b, "\\u%04x", c);
        } else {
            vbuf_u8(b, c);
        }
    }
    vbuf_u8(b, '"');
}

void vbuf_json_num(vbuf *b, double v)
{
    if (!isfinite(v))
        vbuf_str(b, "null");
    else if (v == floor(v) && fabs(v) < 1e15)
        vbuf_printf(b, "%.0f", v);
    else
        vbuf_printf(b, "%.6g", v);
}

void vbuf_base64(vbuf *b, const uint8_t *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (!vbuf_reserve(b, (n + 2) / 3 * 4)) return;
    char *o = b->data + b->len;
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = tab[(v >> 6) & 63];
        *o++ = tab[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
}

void view_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

unrest_status view_write_file(const char *path, const void *data, size_t n, char *err,
                              size_t errlen)
{
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 32);
    if (!tmp) {
        view_err(err, errlen, "%s: out of memory", path);
        return UNREST_ENOMEM;
    }
    snprintf(tmp, pl + 32, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        view_err(err, errlen, "%s: %s", tmp, strerror(errno));
        free(tmp);
        return UNREST_EIO;
    }
    int ok = fwrite(data, 1, n, f) == n;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        view_err(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
        remove(tmp);
        free(tmp);
        return UNREST_EIO;
    }
    free(tmp);
    return UNREST_OK;
}

void view_pool_size(uint32_t w, uint32_t h, uint32_t max_side, uint32_t *gw, uint32_t *gh)
{
    uint32_t side = w > h ? w : h;
    if (side <= max_side || side == 0) {
        *gw = w;
        *gh = h;
        return;
    }
    uint32_t f = (side + max_side - 1) / max_side; /* integer pooling factor */
    *gw = (w + f - 1) / f;
    *gh = (h + f - 1) / f;
}

/* Pooling weights of each code (empty, quiet, active, jailed, cop): a block shows the code
 * with the largest count x weight, so actives, police and the jailed show once they are about
 * a quarter of a block's occupants, and a lone active does not paint its block red. */
static const uint32_t weight[5] = {1, 1, 3, 3, 3};

void view_pool(const uint8_t *cells, uint32_t w, uint32_t h, uint8_t *out, uint32_t gw, uint32_t gh)
{
    if (gw == w && gh == h) {
        memcpy(out, cells, (size_t)w * h);
        return;
    }
    uint32_t f = (w + gw - 1) / gw;
    if ((h + gh - 1) / gh > f) f = (h + gh - 1) / gh;
    uint32_t *cnt = calloc((size_t)gw * 5, sizeof *cnt);
    if (!cnt) { /* no memory for counts: sample the top-left cell of each block */
        for (uint32_t y = 0; y < gh; y++)
            for (uint32_t x = 0; x < gw; x++)
                out[(size_t)y * gw + x] =
                    cells[(size_t)(y * f < h ? y * f : h - 1) * w + (x * f < w ? x * f : w - 1)] %
                    5;
        return;
    }
    for (uint32_t gy = 0; gy < gh; gy++) {
        memset(cnt, 0, (size_t)gw * 5 * sizeof *cnt);
        uint32_t y1 = (gy + 1) * f < h ? (gy + 1) * f : h;
        for (uint32_t y = gy * f; y < y1; y++) {
            const uint8_t *in = cells + (size_t)y * w;
            for (uint32_t x = 0; x < w; x++)
                cnt[(size_t)(x / f) * 5 + (in[x] < 5 ? in[x] : 0)]++;
        }
        for (uint32_t gx = 0; gx < gw; gx++) {
            const uint32_t *c = cnt + (size_t)gx * 5;
            uint8_t best = 0;
            uint32_t score = 0;
            for (uint8_t k = 0; k < 5; k++)
                if (c[k] * weight[k] > score || (c[k] * weight[k] == score && k > best && c[k])) {
                    score = c[k] * weight[k];
                    best = k;
                }
            out[(size_t)gy * gw + gx] = best;
        }
    }
    free(cnt);
}

const view_asset *view_asset_find(const char *name)
{
    for (size_t i = 0; i < view_asset_count; i++)
        if (!strcmp(view_assets[i].name, name)) return &view_assets[i];
    return NULL;
}
