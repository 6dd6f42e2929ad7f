/*
 * view.h - what people see of a run: a recorder of per-tick series, self-contained HTML
 * reports (one run, or an ensemble / comparison of variants), PNG pictures of lattices and
 * charts, and a live viewer served over HTTP. Everything here only reads a world; nothing in
 * the world knows the view exists. The frame format and the page are described in
 * docs/VIEWER.md.
 *
 * How `unrest run` uses it (report and PNG export):
 *
 *     unrest_recorder *rec = NULL;
 *     unrest_recorder_create(&rec, w, 0);            // after unrest_world_create; 0 = auto
 *     unrest_recorder_set_seed(rec, seed);           // shown in the report
 *     while (unrest_world_tick(w) < unrest_world_ticks(w)) {
 *         if (unrest_world_step(w) != UNREST_OK) ...;
 *         unrest_recorder_tick(rec, w);              // after every step
 *     }
 *     unrest_report_write_run(rec, w, "report.html", err, sizeof err);
 *     unrest_png_chart(rec, "DIR/chart.png", 1200, 600, err, sizeof err);
 *     for (size_t i = 0; i < unrest_world_site_count(w); i++)
 *         unrest_png_snapshot(w, i, "DIR/<site>.png", 0, err, sizeof err);
 *     unrest_recorder_destroy(rec);
 *
 * All writers write a temporary file beside the target and rename it, so a reader never
 * sees half a file.
 */
#ifndef UNREST_VIEW_H
#define UNREST_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "unrest/world.h"
#include "unrest/unrest.h"

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default) /* the public API: exported from libunrest.so */

/* ---- recorder ------------------------------------------------------------------------------ */

/* Per-site, per-tick series of a running world (people active, participants, in detention,
 * detained and dead since the start, legitimacy), the labels of the events that fired with
 * their tick, and every map_every ticks a small snapshot of each site's lattice (at most
 * UNREST_MAP_SIDE cells a side, pooled) for the activity map of reports. Sample i
 * is the state after tick i (sample 0: right after setup). Owns its memory. */
typedef struct unrest_recorder unrest_recorder;

#define UNREST_MAP_SIDE 48 /* longest side of the map snapshots kept for reports */

/* Start recording w (records sample 0 now). map_every: ticks between map snapshots; 0 picks
 * one that keeps about 60 snapshots over the run. */
unrest_status unrest_recorder_create(unrest_recorder **out, const unrest_world *w,
                                     uint32_t map_every);
void unrest_recorder_destroy(unrest_recorder *rec);

/* Record the state after the step just taken (call once after every unrest_world_step). */
unrest_status unrest_recorder_tick(unrest_recorder *rec, const unrest_world *w);

/* Add an event marker at the current sample (interventions fired by hand, e.g. the viewer's
 * buttons). A world event with the same label in the next sample is not marked twice. */
unrest_status unrest_recorder_mark(unrest_recorder *rec, const char *label);

/* The run seed, for the provenance line of reports (the world does not tell it). */
void unrest_recorder_set_seed(unrest_recorder *rec, uint64_t seed);

/* Samples recorded (ticks completed + 1). */
size_t unrest_recorder_samples(const unrest_recorder *rec);

/* ---- reports -------------------------------------------------------------------------------- */

/* One self-contained HTML file (page, scripts and data inline; opens offline) for the run
 * recorded in rec: charts of people active, participants, detained, dead and legitimacy per
 * site and nationally with the events marked, the map of the sites' activity over time, the
 * outcome table and provenance (seed, version, scenario hash). */
unrest_status unrest_report_write_run(const unrest_recorder *rec, const unrest_world *w,
                                      const char *path, char *err, size_t errlen);

/* Quantile levels of the fan charts: every quantile series has these five values per day. */
#define UNREST_REPORT_NQ 5
extern const double unrest_report_q_levels[UNREST_REPORT_NQ]; /* 0.05 0.25 0.5 0.75 0.95 */

/* One variant of an ensemble or a comparison. Arrays are borrowed (not copied, not freed). */
typedef struct unrest_report_variant {
    const char *name;                /* "baseline", "no blackout", ... */
    size_t runs;                     /* members */
    const unrest_outcomes *outcomes; /* runs entries: each member's final outcomes */
    const uint64_t *seeds;           /* runs entries, or NULL */
    /* Per-day quantiles over members, days * UNREST_REPORT_NQ values each, day-major
     * (q[d * NQ + j] is quantile j on day d); NULL leaves that fan out. Day d is the state at
     * the end of day d (d = 0: the start). People for the first three, [0,1] for the last. */
    const double *active_q;     /* people active (national) */
    const double *detained_q;   /* detained since the start */
    const double *dead_q;       /* dead since the start */
    const double *legitimacy_q; /* population-weighted mean legitimacy */
} unrest_report_variant;

/* An ensemble (one variant) or a comparison (several). */
typedef struct unrest_report_ensemble {
    const char *kind;                      /* "ensemble" or "compare" (shown in the title) */
    const unrest_scenario *scenario;       /* the base scenario (title, sites, events, hash) */
    uint64_t seed;                         /* master seed */
    size_t days;                           /* entries per quantile series (days + 1 usually) */
    size_t n_variants;                     /* entries in variants */
    const unrest_report_variant *variants; /* borrowed */
} unrest_report_ensemble;

/* Write the ensemble / comparison report: per variant fan charts (median, 50% and 90%
 * intervals) of active, detained, dead and legitimacy with the scenario's events marked, bars
 * of the probability of each outcome class, and a table of outcomes (median and 90% interval
 * of peak, participants, dead, detained, duration, final legitimacy).
 *
 * How `unrest ensemble` / `unrest compare` call it: for each variant run the members, keep
 * each member's unrest_outcomes and its national daily values (a runs x (days+1) matrix per
 * series, read from unrest_world_site after the last tick of each day), turn each matrix into
 * quantiles with unrest_report_quantiles, fill one unrest_report_variant, then call this. */
unrest_status unrest_report_write_ensemble(const unrest_report_ensemble *e, const char *path,
                                           char *err, size_t errlen);

/* Quantiles of a runs x days matrix (values[r * days + d]) per day, into q (days *
 * UNREST_REPORT_NQ, day-major, levels unrest_report_q_levels, linear interpolation). Needs
 * runs >= 1; leaves values unchanged. */
unrest_status unrest_report_quantiles(const double *values, size_t runs, size_t days, double *q);

/* ---- PNG ------------------------------------------------------------------------------------ */

/* The lattice of site `site` now, one scale x scale square per cell, in the page's colours
 * (scale 0: picked so the picture is about 800 pixels a side; large lattices are pooled).
 * Focal points are outlined (green: held by the state, magenta: held by the crowd). */
unrest_status unrest_png_snapshot(const unrest_world *w, size_t site, const char *path,
                                  unsigned scale, char *err, size_t errlen);

/* A chart of the recorded run, width x height pixels: people active, detained since the start
 * and dead since the start (national, each on its own scale, stacked panels) against days,
 * with the events marked by vertical lines. */
unrest_status unrest_png_chart(const unrest_recorder *rec, const char *path, unsigned width,
                               unsigned height, char *err, size_t errlen);

/* ---- live viewer ---------------------------------------------------------------------------- */

typedef struct unrest_server unrest_server;

typedef struct unrest_server_config {
    const char *bind;     /* IPv4 or IPv6 address to listen on (default "127.0.0.1") */
    uint16_t port;        /* TCP port; 0 = any free port (see unrest_server_port) */
    unsigned max_clients; /* concurrent connections (default 64) */
    uint32_t frame_side;  /* longest lattice side sent in frames (default 256, 16..1024) */
    double speed;         /* ticks per second at start; 0 = as fast as possible (default 4) */
    int play;             /* start playing at once (default 0: paused) */
    unsigned threads;     /* threads for the world (default 1) */
    unsigned queue;       /* frames queued per client before old ones drop (2..64, default 4) */
    double max_fps;       /* lattice frames per second at most (default 25) */
} unrest_server_config;

void unrest_server_config_default(unrest_server_config *c);

/* Build a world from sc and seed, start the simulation thread and the HTTP server. On failure
 * *out is NULL and err gets the reason (bad address, port taken, bad scenario). */
unrest_status unrest_server_create(unrest_server **out, const unrest_scenario *sc, uint64_t seed,
                                   const unrest_server_config *cfg, char *err, size_t errlen);

/* The port the server listens on. */
uint16_t unrest_server_port(const unrest_server *s);

/* Stop serving (open streams end), stop the simulation and free everything. */
void unrest_server_destroy(unrest_server *s);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
