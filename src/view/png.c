/*
 * png.c - pictures for papers and slides: a site's lattice in the page's colours with its focal
 * points, and a chart of the recorded run (people active, detained, dead; national; events as
 * vertical lines), drawn by simple raster code into an RGBA buffer and written with libpng.
 * Labels use a tiny built-in 5x7 font (digits and the few capitals the charts need).
 */
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view_int.h"

/* ---- PNG encoding ---------------------------------------------------------------------------- */

static void png_to_vbuf(png_structp png, png_bytep data, size_t n)
{
    vbuf_add((vbuf *)png_get_io_ptr(png), data, n);
}

static void png_flush_none(png_structp png)
{
    (void)png;
}

unrest_status view_png_encode(vbuf *b, const uint8_t *rgba, uint32_t w, uint32_t h)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    if (!png) return UNREST_ENOMEM;
    png_infop info = png_create_info_struct(png);
    png_bytep *rows = NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return UNREST_ENOMEM;
    }
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        png_destroy_write_struct(&png, &info);
        return UNREST_EIO;
    }
    rows = malloc((size_t)h * sizeof *rows);
    if (!rows) png_error(png, "out of memory");
    for (uint32_t y = 0; y < h; y++)
        rows[y] = (png_bytep)(uintptr_t)(rgba + (size_t)y * w * 4);
    png_set_write_fn(png, b, png_to_vbuf, png_flush_none);
    png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGBA, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 6);
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    return b->failed ? UNREST_ENOMEM : UNREST_OK;
}

/* ---- raster ---------------------------------------------------------------------------------- */

typedef struct canvas {
    uint8_t *px; /* w*h*4 */
    int w, h;
} canvas;

static void put(canvas *c, int x, int y, const uint8_t rgb[3])
{
    if (x < 0 || y < 0 || x >= c->w || y >= c->h) return;
    uint8_t *p = c->px + ((size_t)y * (size_t)c->w + (size_t)x) * 4;
    p[0] = rgb[0];
    p[1] = rgb[1];
    p[2] = rgb[2];
    p[3] = 255;
}

static void fill(canvas *c, int x0, int y0, int x1, int y1, const uint8_t rgb[3])
{
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            put(c, x, y, rgb);
}

static void line(canvas *c, int x0, int y0, int x1, int y1, int thick, const uint8_t rgb[3])
{
    int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
    int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
    int e = dx + dy;
    for (;;) {
        for (int t = 0; t < thick; t++) {
            put(c, x0, y0 + t, rgb);
            put(c, x0 + t, y0, rgb);
        }
        if (x0 == x1 && y0 == y1) break;
        int e2 = 2 * e;
        if (e2 >= dy) {
            e += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            e += dx;
            y0 += sy;
        }
    }
}

static void circle(canvas *c, int cx, int cy, int r, int thick, const uint8_t rgb[3])
{
    for (int y = -r - thick; y <= r + thick; y++)
        for (int x = -r - thick; x <= r + thick; x++) {
            double d = sqrt((double)(x * x + y * y));
            if (d >= r && d < r + thick) put(c, cx + x, cy + y, rgb);
        }
}

/* 5x7 glyphs, one byte per row, bit 4 = leftmost column. */
static const struct glyph {
    char ch;
    uint8_t row[7];
} font[] = {
    {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}},
    {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}},
    {'3', {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}},
    {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}},
    {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}},
    {'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}},
    {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}},
    {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}},
    {'.', {0, 0, 0, 0, 0, 0x0C, 0x0C}},
    {'-', {0, 0, 0, 0x1F, 0, 0, 0}},
    {'k', {0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12}},
    {'M', {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}},
    {'A', {0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}},
    {'C', {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}},
    {'D', {0x1E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1E}},
    {'E', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}},
    {'I', {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'N', {0x11, 0x19, 0x15, 0x13, 0x11, 0x11, 0x11}},
    {'T', {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}},
    {'V', {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04}},
    {'Y', {0x11, 0x11, 0x0A, 0x04, 0x04, 0x04, 0x04}},
    {'L', {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F}},
    {'P', {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}},
    {'O', {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}},
    {'S', {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}},
    {'R', {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11}},
    {'G', {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}},
    {'W', {0x11, 0x11, 0x11, 0x15, 0x15, 0x1B, 0x11}},
};

/* Draw text with its top-left at (x, y), each font pixel s x s. Returns the width drawn. */
static int text(canvas *c, int x, int y, const char *str, int s, const uint8_t rgb[3])
{
    int x0 = x;
    for (; *str; str++) {
        const struct glyph *g = NULL;
        for (size_t i = 0; i < sizeof font / sizeof font[0]; i++)
            if (font[i].ch == *str) g = &font[i];
        if (g)
            for (int r = 0; r < 7; r++)
                for (int col = 0; col < 5; col++)
                    if (g->row[r] & (0x10 >> col))
                        fill(c, x + col * s, y + r * s, x + (col + 1) * s, y + (r + 1) * s, rgb);
        x += 6 * s;
    }
    return x - x0;
}

static int text_width(const char *str, int s)
{
    return (int)strlen(str) * 6 * s;
}

/* ---- lattice snapshot ------------------------------------------------------------------------ */

static const uint8_t held_rgb[3] = {0x36, 0xc2, 0x6b};     /* focal point held by the state */
static const uint8_t captured_rgb[3] = {0xff, 0x3d, 0xcf}; /* held by the crowd */

unrest_status view_png_snapshot_buf(vbuf *b, const unrest_world *w, size_t site, unsigned scale)
{
    if (site >= unrest_world_site_count(w)) return UNREST_ERANGE;
    const unrest_model *m = unrest_world_model(w, site);
    const unrest_params *p = unrest_model_params(m);
    uint32_t side = p->width > p->height ? p->width : p->height;
    uint32_t max_side = side;
    if (scale == 0) {
        scale = side >= 800 ? 1 : 800 / side;
        if (side > 1600) max_side = 1600;
    }
    if (scale > 64) scale = 64;
    if ((size_t)side * scale > 8192) max_side = 8192 / scale;
    uint32_t gw, gh;
    view_pool_size(p->width, p->height, max_side, &gw, &gh);
    uint8_t *cells = malloc((size_t)p->width * p->height);
    uint8_t *grid = malloc((size_t)gw * gh);
    canvas c = {calloc((size_t)gw * scale * gh * scale, 4), (int)(gw * scale), (int)(gh * scale)};
    unrest_status st = UNREST_ENOMEM;
    if (cells && grid && c.px) {
        unrest_model_snapshot(m, cells);
        view_pool(cells, p->width, p->height, grid, gw, gh);
        for (uint32_t y = 0; y < gh; y++)
            for (uint32_t x = 0; x < gw; x++) {
                uint8_t code = grid[(size_t)y * gw + x];
                fill(&c, (int)(x * scale), (int)(y * scale), (int)((x + 1) * scale),
                     (int)((y + 1) * scale), view_cell_rgb[code < 5 ? code : 0]);
            }
        unrest_site_state s;
        unrest_world_site(w, site, &s);
        const unrest_sc_site *sc = &unrest_world_scenario(w)->site[site];
        double px_per_cell = (double)c.w / p->width;
        for (size_t f = 0; f < sc->n_focal && f < UNREST_SC_MAX_FOCAL; f++) {
            int cx = (int)(sc->focal[f].x * c.w), cy = (int)(sc->focal[f].y * c.h);
            int r = (int)(sc->focal[f].radius * px_per_cell) + 2;
            int thick = c.w / 300 + 2;
            circle(&c, cx, cy, r, thick, f < s.n_focal && s.captured[f] ? captured_rgb : held_rgb);
        }
        st = view_png_encode(b, c.px, (uint32_t)c.w, (uint32_t)c.h);
    }
    free(cells);
    free(grid);
    free(c.px);
    return st;
}

unrest_status unrest_png_snapshot(const unrest_world *w, size_t site, const char *path,
                                  unsigned scale, char *err, size_t errlen)
{
    vbuf b = {0};
    unrest_status st = view_png_snapshot_buf(&b, w, site, scale);
    if (st == UNREST_OK)
        st = view_write_file(path, b.data, b.len, err, errlen);
    else
        view_err(err, errlen, "%s: %s", path, unrest_status_str(st));
    vbuf_free(&b);
    return st;
}

/* ---- chart ----------------------------------------------------------------------------------- */

/* A round number >= v (1, 2 or 5 times a power of ten). */
static double nice_max(double v)
{
    if (!(v > 0)) return 1;
    double e = pow(10, floor(log10(v)));
    for (int i = 0; i < 4; i++) {
        double m = (i == 0 ? 1 : i == 1 ? 2 : i == 2 ? 5 : 10) * e;
        if (m >= v * 0.999) return m;
    }
    return 10 * e;
}

static void fmt_num(char *buf, size_t n, double v)
{
    if (v >= 1e6)
        snprintf(buf, n, "%gM", v / 1e6);
    else if (v >= 1e3)
        snprintf(buf, n, "%gk", v / 1e3);
    else
        snprintf(buf, n, "%g", v);
}

unrest_status view_png_chart_buf(vbuf *b, const unrest_recorder *rec, unsigned width,
                                 unsigned height)
{
    if (width < 200 || height < 150 || width > 8000 || height > 8000) return UNREST_ERANGE;
    static const uint8_t bg[3] = {255, 255, 255}, axis[3] = {0x55, 0x55, 0x55},
                         grid_rgb[3] = {0xe4, 0xe4, 0xe4}, ev_rgb[3] = {0x88, 0x88, 0xcc};
    static const uint8_t colour[3][3] = {
        {0xe0, 0x3a, 0x2c}, {0xc8, 0x8a, 0x00}, {0x22, 0x22, 0x22}};
    static const char *const titles[3] = {"PEOPLE ACTIVE", "DETAINED", "DEAD"};
    static const int field[3] = {VS_ACTIVE, VS_DETAINED, VS_DEAD};
    canvas c = {malloc((size_t)width * height * 4), (int)width, (int)height};
    if (!c.px) return UNREST_ENOMEM;
    fill(&c, 0, 0, c.w, c.h, bg);
    int s = height >= 500 ? 2 : 1; /* font scale */
    int left = 14 * 6 * s / 2 + 20, right = 16, top = 8, bottom = 16 * s + 16, gap = 10;
    int ph = (c.h - top - bottom - 2 * gap) / 3;
    int pw = c.w - left - right;
    size_t n = rec->n;
    double days = n > 1 ? (double)(n - 1) * rec->tick_hours / 24.0 : 1;
    if (days <= 0) days = 1;
    for (int k = 0; k < 3; k++) {
        int y0 = top + k * (ph + gap);
        double mx = 0;
        for (size_t t = 0; t < n; t++) {
            double v = 0;
            for (size_t i = 0; i < rec->n_sites; i++)
                v += rec_at(rec, t, i, field[k]);
            if (v > mx) mx = v;
        }
        mx = nice_max(mx);
        /* frame, grid, labels */
        for (int g = 1; g < 4; g++)
            line(&c, left, y0 + ph * g / 4, left + pw, y0 + ph * g / 4, 1, grid_rgb);
        line(&c, left, y0, left, y0 + ph, 1, axis);
        line(&c, left, y0 + ph, left + pw, y0 + ph, 1, axis);
        char lab[32];
        fmt_num(lab, sizeof lab, mx);
        text(&c, left - 6 - text_width(lab, s), y0, lab, s, axis);
        text(&c, left - 6 - text_width("0", s), y0 + ph - 7 * s, "0", s, axis);
        text(&c, left + 8, y0 + 4, titles[k], s, colour[k]);
        /* events */
        for (size_t e = 0; e < rec->n_ev; e++) {
            int x = left + (int)((double)rec->ev[e].tick * rec->tick_hours / 24.0 / days * pw);
            for (int y = y0; y < y0 + ph; y += 6)
                line(&c, x, y, x, y + 3, 1, ev_rgb);
        }
        /* series */
        int px = -1, py = -1;
        for (size_t t = 0; t < n; t++) {
            double v = 0;
            for (size_t i = 0; i < rec->n_sites; i++)
                v += rec_at(rec, t, i, field[k]);
            int x = left + (int)((double)t * rec->tick_hours / 24.0 / days * pw);
            int y = y0 + ph - (int)(v / mx * ph);
            if (px >= 0) line(&c, px, py, x, y, 2, colour[k]);
            px = x;
            py = y;
        }
    }
    /* x axis: days */
    int step = days <= 15 ? 1 : days <= 40 ? 5 : days <= 100 ? 10 : 50;
    int yb = top + 3 * ph + 2 * gap;
    for (int d = 0; d <= (int)days; d += step) {
        int x = left + (int)(d / days * pw);
        line(&c, x, yb, x, yb + 4, 1, axis);
        char lab[16];
        snprintf(lab, sizeof lab, "%d", d);
        text(&c, x - text_width(lab, s) / 2, yb + 6, lab, s, axis);
    }
    text(&c, left + pw - text_width("DAY", s), yb + 6 + 8 * s, "DAY", s, axis);
    unrest_status st = view_png_encode(b, c.px, width, height);
    free(c.px);
    return st;
}

unrest_status unrest_png_chart(const unrest_recorder *rec, const char *path, unsigned width,
                               unsigned height, char *err, size_t errlen)
{
    vbuf b = {0};
    unrest_status st = view_png_chart_buf(&b, rec, width, height);
    if (st == UNREST_OK)
        st = view_write_file(path, b.data, b.len, err, errlen);
    else
        view_err(err, errlen, "%s: %s (width 200..8000, height 150..8000)", path,
                 unrest_status_str(st));
    vbuf_free(&b);
    return st;
}
