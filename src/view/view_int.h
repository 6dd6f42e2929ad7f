/*
 * view_int.h - internals shared by the view module's files (recorder, frames, reports, PNG,
 * server): a growable byte buffer with JSON and base64 writers, lattice pooling, the cell
 * colours, the embedded web files and the recorder's fields. Not part of the public API.
 */
#ifndef UNREST_VIEW_INT_H
#define UNREST_VIEW_INT_H

#include <stddef.h>
#include <stdint.h>

#include "unrest/view.h"

/* ---- growable buffer ----------------------------------------------------------------------- */

/* Bytes appended at the end; on allocation failure `failed` sticks and later appends do
 * nothing, so writers check once at the end. Owns data (free with vbuf_free). */
typedef struct vbuf {
    char *data; /* bytes, NUL-terminated when len < cap */
    size_t len; /* bytes used */
    size_t cap; /* bytes allocated */
    int failed; /* an allocation failed */
} vbuf;

void vbuf_free(vbuf *b);
void vbuf_add(vbuf *b, const void *p, size_t n);
void vbuf_str(vbuf *b, const char *s);
void vbuf_printf(vbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vbuf_u8(vbuf *b, uint8_t v);
void vbuf_u16(vbuf *b, uint16_t v); /* little-endian, as all multi-byte frame fields */
void vbuf_u32(vbuf *b, uint32_t v);
void vbuf_i64(vbuf *b, int64_t v);
void vbuf_f32(vbuf *b, float v);
/* A JSON string literal (quotes included); <, > and & escaped so it is safe inside <script>. */
void vbuf_json_str(vbuf *b, const char *s);
/* A JSON number (%.6g; non-finite values become null). */
void vbuf_json_num(vbuf *b, double v);
/* Base64 (RFC 4648, padded) of n bytes. */
void vbuf_base64(vbuf *b, const uint8_t *p, size_t n);

/* Write n bytes to path through a temporary file renamed at the end. */
unrest_status view_write_file(const char *path, const void *data, size_t n, char *err,
                              size_t errlen);
void view_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- lattices ------------------------------------------------------------------------------ */

/* Size of the pooled grid for a w x h lattice with longest side at most max_side. */
void view_pool_size(uint32_t w, uint32_t h, uint32_t max_side, uint32_t *gw, uint32_t *gh);
/* Pool a w x h cell grid into gw x gh: each output cell gets the code with the largest
 * weighted count among the cells it covers (weights in vbuf.c: active, police and jailed count
 * three times, quiet and empty once). */
void view_pool(const uint8_t *cells, uint32_t w, uint32_t h, uint8_t *out, uint32_t gw,
               uint32_t gh);
/* RGB of a cell code (the page uses the same table, web/app.js COLORS). */
extern const uint8_t view_cell_rgb[5][3];

/* ---- recorder internals -------------------------------------------------------------------- */

enum { VS_ACTIVE, VS_PARTICIPANTS, VS_JAILED, VS_DETAINED, VS_DEAD, VS_LEGITIMACY, VS_COUNT };

typedef struct view_event {
    uint32_t tick; /* sample at which it is marked */
    char label[UNREST_SC_LABEL];
    int manual; /* fired by hand (viewer) */
} view_event;

struct unrest_recorder {
    size_t n_sites; /* sites */
    size_t n, cap;  /* samples recorded, allocated */
    float *series;  /* cap * n_sites * VS_COUNT: [sample][site][series] */
    view_event *ev; /* events */
    size_t n_ev, cap_ev;
    uint32_t map_every; /* ticks between map snapshots */
    uint32_t *map_gw;   /* n_sites: map grid sizes */
    uint32_t *map_gh;
    size_t map_bytes;   /* bytes of one map snapshot of all sites */
    uint8_t *map;       /* n_map * map_bytes */
    uint32_t *map_tick; /* n_map sample indices */
    size_t n_map, cap_map;
    double tick_hours; /* clock hours per tick (charts in days) */
    uint64_t seed;     /* run seed shown in reports (unrest_recorder_set_seed) */
    uint8_t *scratch;  /* largest lattice, for snapshots */
    size_t scratch_len;
};

/* Sample s, site i, series k. */
static inline float rec_at(const unrest_recorder *r, size_t s, size_t i, int k)
{
    return r->series[(s * r->n_sites + i) * VS_COUNT + (size_t)k];
}

/* ---- frames (docs/VIEWER.md) ---------------------------------------------------------------- */

#define VIEW_FRAME_HEADER 56 /* bytes before the site records */
#define VIEW_FRAME_SITE 64   /* bytes per site record */

enum { VIEW_PLAYING = 1, VIEW_FINISHED = 2, VIEW_ERROR = 4 };

/* Scratch a frame encoder reuses between frames (largest lattice, pooled grid). */
typedef struct view_frame_scratch {
    uint8_t *cells;
    size_t cells_len;
    uint8_t *pooled;
    size_t pooled_len;
} view_frame_scratch;

void view_frame_scratch_free(view_frame_scratch *s);

/* Append one binary frame of w now to b: header, site records, the recorder's samples from
 * sample_from and events from event_from, then each lattice pooled to at most max_side. */
unrest_status view_frame_encode(vbuf *b, const unrest_world *w, const unrest_recorder *rec,
                                size_t sample_from, size_t event_from, uint32_t max_side,
                                uint8_t flags, uint32_t generation, float speed,
                                view_frame_scratch *s);

/* ---- reports -------------------------------------------------------------------------------- */

/* The run's data as JSON object members without the braces (what report pages and the live
 * viewer's history read), so callers may add their own. with_map: include the map snapshots. */
void view_run_fields(vbuf *b, const unrest_recorder *rec, const unrest_world *w, int with_map);
/* The whole report page for a JSON data object. */
void view_report_html(vbuf *b, const char *title, const char *json, size_t json_len);

/* ---- PNG ------------------------------------------------------------------------------------ */

/* Encode an RGBA image (w*h*4 bytes) as PNG into b. */
unrest_status view_png_encode(vbuf *b, const uint8_t *rgba, uint32_t w, uint32_t h);
/* unrest_png_snapshot and unrest_png_chart into memory. */
unrest_status view_png_snapshot_buf(vbuf *b, const unrest_world *w, size_t site, unsigned scale);
unrest_status view_png_chart_buf(vbuf *b, const unrest_recorder *rec, unsigned width,
                                 unsigned height);

/* ---- embedded web files (generated from web/ by cmake/embed_web.cmake) ---------------------- */

typedef struct view_asset {
    const char *name;          /* path under web/, e.g. "app.js" */
    const char *mime;          /* Content-Type */
    const unsigned char *data; /* bytes (NUL-terminated too) */
    size_t len;                /* bytes without the NUL */
} view_asset;

extern const view_asset view_assets[];
extern const size_t view_asset_count;
const view_asset *view_asset_find(const char *name);

#endif
