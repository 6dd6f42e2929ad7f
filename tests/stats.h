/*
 * stats.h - what the statistical tests (test_mesa.c, test_parallel.c) share: the per-seed
 * statistics of a run, Mann-Whitney U (normal approximation with tie and continuity
 * corrections), two-sample Kolmogorov-Smirnov (asymptotic p with Stephens' small-sample
 * correction) and medians. Checked against closed forms in stats_selftest().
 */
#ifndef UNREST_TEST_STATS_H
#define UNREST_TEST_STATS_H

#include <stddef.h>

#include "unrest/unrest.h"

/* Per-seed statistics of a run, as unrest_summarize measures them. */
typedef enum stat_id {
    ST_MEAN_ACTIVE,
    ST_MAX_ACTIVE,
    ST_OUTBURSTS,
    ST_MEAN_PEAK,
    ST_MEAN_TOTAL,
    ST_MEAN_WAIT,
    ST_MEAN_JAILED,
    ST_FINAL_JAILED,
    ST_COUNT
} stat_id;

extern const char *const stat_names[ST_COUNT];

/* Value of statistic st of a run; 0 where it is undefined (no outburst for a peak or total,
 * fewer than two outbursts for a wait): such seeds are left out of that sample. */
int stat_value(const unrest_summary *s, stat_id st, double *out);

void *xmalloc(size_t n);
int cmp_double(const void *a, const void *b);
double mann_whitney_p(const double *x, size_t nx, const double *y, size_t ny);
double kolmogorov_q(double lambda);
double ks_p(const double *x, size_t nx, const double *y, size_t ny, double *d_out);
double median(const double *x, size_t n);
/* cmocka test of the helpers above against known values. */
void stats_selftest(void **state);

#endif
