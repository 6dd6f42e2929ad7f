/*
 * stats.h - two-sample tests shared by the statistical tests (test_mesa.c, test_parallel.c):
 * Mann-Whitney U (normal approximation with tie and continuity corrections), two-sample
 * Kolmogorov-Smirnov (asymptotic p with Stephens' small-sample correction), medians, and
 * Fisher's exact one-sided test. Checked against closed forms in stats_selftest().
 */
#ifndef UNREST_TEST_STATS_H
#define UNREST_TEST_STATS_H

#include <stddef.h>

void *xmalloc(size_t n);
int cmp_double(const void *a, const void *b);
double mann_whitney_p(const double *x, size_t nx, const double *y, size_t ny);
double kolmogorov_q(double lambda);
double ks_p(const double *x, size_t nx, const double *y, size_t ny, double *d_out);
double median(const double *x, size_t n);
/* cmocka test of the helpers above against known values. */
void stats_selftest(void **state);

#endif
