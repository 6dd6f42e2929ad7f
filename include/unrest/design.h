/*
 * design.h - experiment designs and the statistics that read their results: ensemble seeds
 * derived by hashing, full-factorial and Latin-hypercube designs, Saltelli sampling with Sobol
 * indices (Jansen estimators, bootstrap intervals), Morris elementary effects, and the
 * intervals a policy comparison reports. Quasi-random sequences, quantiles and distributions
 * come from GSL. Nothing here runs a model: callers evaluate the design points and hand the
 * outputs back.
 */
#ifndef UNREST_DESIGN_H
#define UNREST_DESIGN_H

#include <stddef.h>
#include <stdint.h>

#include "unrest/unrest.h"

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default) /* the public API: exported from libunrest.so */

/* ---- seeds -------------------------------------------------------------------------------- */

/* Seed of run `index` of an ensemble with master seed `master`: a 64-bit mix (SplitMix64
 * finaliser applied to master and index, documented in docs/EXPERIMENTS.md), never
 * master + index. Stable across versions and platforms. */
uint64_t unrest_seed_derive(uint64_t master, uint64_t index);

/* ---- parameters of a design ----------------------------------------------------------------- */

typedef struct unrest_factor {
    char name[96]; /* a scenario --set name, e.g. "legitimacy.initial" */
    double lo, hi; /* range (inclusive) */
    double step;   /* factorial: step (> 0); 0 for sampled designs */
} unrest_factor;

/* Read a SALib problem file: one factor per line, "name lower upper" separated by blanks;
 * '#' starts a comment; blank lines ignored. Errors: "file:line:col: message" (a missing
 * bound, lower >= upper, a number that does not parse, a duplicate name, no factors). The
 * caller checks that names exist. *out is malloc'd (caller frees); *n its length. */
unrest_status unrest_factors_load(const char *path, unrest_factor **out, size_t *n, char *err,
                                  size_t errlen);
/* The same from text in memory; messages name `name` as the file. */
unrest_status unrest_factors_load_text(const char *name, const char *text, size_t len,
                                       unrest_factor **out, size_t *n, char *err, size_t errlen);

/* Parse "name=a:b:step" (--vary). Errors name the problem (empty range, step <= 0, ...). */
unrest_status unrest_factor_parse(const char *text, unrest_factor *f, char *err, size_t errlen);

/* ---- designs: each returns rows x k values, row-major, malloc'd (caller frees) ------------ */

/* Full factorial over factors' lo:hi:step grids (hi included when it falls on the grid, within
 * 1e-9 of a step). Fails (ERANGE) if the grid would exceed max_rows. */
unrest_status unrest_design_factorial(const unrest_factor *f, size_t k, size_t max_rows,
                                      double **out, size_t *rows, char *err, size_t errlen);

/* Latin hypercube: n rows, each factor's range cut into n strata, one point per stratum at a
 * keyed random position, strata permuted independently per factor (keyed by seed). */
unrest_status unrest_design_lhs(const unrest_factor *f, size_t k, size_t n, uint64_t seed,
                                double **out, char *err, size_t errlen);

/* Saltelli (2010) sampling for Sobol indices from a 2k-dimensional Sobol sequence (GSL
 * gsl_qrng_sobol, whose first output is the sequence's second point: the all-zero first point
 * is skipped, as SALib skips it): N(k+2) rows in blocks
 * [A_j, AB_j^(1..k), B_j] per base row j, in that order (SALib's layout, calc_second_order
 * false). k <= 20. */
unrest_status unrest_design_saltelli(const unrest_factor *f, size_t k, size_t n, double **out,
                                     size_t *rows, char *err, size_t errlen);

/* Morris: r trajectories on a p-level grid (p even, delta = p / (2(p-1))), each k+1 rows
 * changing one factor at a time by +-delta in keyed random order; rows = r(k+1). */
unrest_status unrest_design_morris(const unrest_factor *f, size_t k, size_t r, unsigned levels,
                                   uint64_t seed, double **out, size_t *rows, char *err,
                                   size_t errlen);

/* ---- sensitivity --------------------------------------------------------------------------- */

typedef struct unrest_sobol_index {
    double s1, s1_lo, s1_hi; /* first order (Saltelli 2010 estimator) and 95% bootstrap CI */
    double st, st_lo, st_hi; /* total order (Jansen 1999 estimator) and 95% bootstrap CI */
} unrest_sobol_index;

/* y: outputs for the rows of unrest_design_saltelli (same order). Bootstrap: `boot` resamples
 * of the N base rows, keyed by seed; the 95% CI is the estimate +- 1.96 bootstrap standard
 * deviations (SALib's S1_conf, ST_conf); NaN when boot < 2. out has k entries. Fails (ERANGE)
 * when the outputs do not vary. */
unrest_status unrest_sobol_analyze(const double *y, size_t n, size_t k, size_t boot, uint64_t seed,
                                   unrest_sobol_index *out, char *err, size_t errlen);

typedef struct unrest_morris_index {
    double mu;      /* mean elementary effect */
    double mu_star; /* mean |elementary effect| (Campolongo 2007) */
    double sigma;   /* sample sd (r - 1) of elementary effects; 0 when r = 1 */
} unrest_morris_index;

/* x, y: the design of unrest_design_morris and its outputs. Effects are scaled by the
 * factors' ranges as SALib does (effect per unit of the normalised factor). */
unrest_status unrest_morris_analyze(const unrest_factor *f, size_t k, const double *x,
                                    const double *y, size_t r, unrest_morris_index *out, char *err,
                                    size_t errlen);

/* ---- intervals for comparisons ----------------------------------------------------------------
 */

/* Wilson score interval for a proportion (successes of n) at confidence level conf. The
 * functions below cannot fail: an undefined interval (no data, conf outside (0,1), one pair for
 * a t interval, out of memory) is NaN; n = 0 gives [0, 1] here. */
void unrest_ci_proportion(size_t successes, size_t n, double conf, double *lo, double *hi);

/* Median of x[0..n) with a percentile bootstrap interval (boot resamples keyed by seed). */
void unrest_ci_median(const double *x, size_t n, double conf, size_t boot, uint64_t seed,
                      double *median, double *lo, double *hi);

/* Paired differences (common random numbers: a[i] and b[i] share a seed): the mean of a-b
 * with a t interval (GSL's t quantile), and the median of a-b with a percentile bootstrap
 * interval over pairs. */
void unrest_ci_paired_mean(const double *a, const double *b, size_t n, double conf, double *diff,
                           double *lo, double *hi);
void unrest_ci_paired_median(const double *a, const double *b, size_t n, double conf, size_t boot,
                             uint64_t seed, double *diff, double *lo, double *hi);

/* Difference of two proportions measured on the same seeds (paired indicators a[i], b[i] in
 * {0,1}): p_a - p_b with a Newcombe (1998, method 10) interval for paired data. */
void unrest_ci_paired_proportion(const unsigned char *a, const unsigned char *b, size_t n,
                                 double conf, double *diff, double *lo, double *hi);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
