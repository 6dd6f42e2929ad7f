/*
 * forecast.h - a forecast of a scenario's course: many runs, each with its own seed and (when a
 * calibrated posterior is given) its own parameter set drawn from the posterior, summarised as
 * what an analyst asks of the days after the calibration's last observation — national
 * participation by day, its peak and when; which focal points fall and are retaken, and when;
 * detained by a date; dead and injured, civilians and security forces, in all and by city; when
 * it ends; the outcome classes — each with a median and a central interval. The intervals carry
 * parameter uncertainty (the posterior) as well as chance (the seeds). Nothing here prints: the
 * summary is written to a FILE as Markdown (docs/FORECAST.md is made this way).
 */
#ifndef UNREST_FORECAST_H
#define UNREST_FORECAST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "unrest/calibrate.h"
#include "unrest/scenario.h"
#include "unrest/unrest.h"

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default) /* the public API: exported from libunrest.so */

/* What to forecast. */
typedef struct unrest_forecast_config {
    const unrest_scenario *sc;        /* the scenario (borrowed); runs its whole length */
    const unrest_cal_posterior *post; /* parameter sets to draw, or NULL: sc as it is */
    size_t runs;                      /* runs (>= 2) */
    uint64_t seed;                    /* master seed: run i has unrest_seed_derive(seed, i)
                                         and posterior draw i */
    unsigned workers;                 /* runs side by side (results do not depend on it) */
    int64_t from;                     /* forecast from (seconds since 1970 UTC): days before
                                         it are shown as the fitted part */
    int64_t detained_by;              /* "detained by" date (seconds since 1970 UTC) */
    double conf;                      /* central interval (default 0.9) */
    void (*progress)(void *user, size_t done, size_t total); /* optional, on the calling thread */
    void *user;                                              /* passed to progress */
} unrest_forecast_config;

typedef struct unrest_forecast unrest_forecast;

/* Run the forecast. On failure *out is NULL and err says why. */
unrest_status unrest_forecast_run(unrest_forecast **out, const unrest_forecast_config *c, char *err,
                                  size_t errlen);
void unrest_forecast_destroy(unrest_forecast *f);

/* Write the summary as Markdown (title, provenance lines given by the caller, tables). */
unrest_status unrest_forecast_write_markdown(const unrest_forecast *f, FILE *out,
                                             const char *provenance);

/* One number of the forecast: median and interval of the national peak of people active at once
 * on day d (0 = the scenario's first day); -1 past the end. For tests and reports. */
int unrest_forecast_day_peak(const unrest_forecast *f, size_t d, double *median, double *lo,
                             double *hi);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
