/*
 * emulator.h - Gaussian-process emulators for calibration (private to src/experiment): GP
 * regression with a squared-exponential kernel (one length scale per input), a linear mean
 * basis and a nugget, fitted by maximising the log marginal likelihood (profile likelihood in
 * the basis coefficients, weak log-normal priors on the hyper-parameters) with GSL's BFGS from
 * several keyed starts (Rasmussen & Williams 2006, Alg. 2.1; Vernon et al. 2010). Predictions
 * give the mean and the variance of the latent function including the basis-coefficient
 * uncertainty; leave-one-out errors check the fit. Also a GSL generator keyed by a 64-bit
 * seed (Philox), so that every draw of a calibration is reproducible, and the maximin Latin
 * hypercube of its first wave. The private header of calibration (calibrate.c, emulator.c).
 */
#ifndef UNREST_EMULATOR_H
#define UNREST_EMULATOR_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

/* A GSL generator whose stream is Philox4x32-10 keyed by all 64 bits of seed (gsl_rng_set
 * would keep only 32 on most GSL types). NULL when out of memory; free with gsl_rng_free. */
gsl_rng *cal_rng_new(uint64_t seed);

typedef struct gp gp;

/* Options of a fit. */
typedef struct gp_opts {
    int linear;          /* 1: mean basis [1, x]; 0: [1] (the basis is [1] anyway when n < d + 4) */
    unsigned restarts;   /* BFGS starts (>= 1); the first at the prior's centre, then keyed */
    uint64_t seed;       /* key of the random starts */
    double nug_min;      /* smallest nugget, in units of the output's variance (> 0) */
    const double *start; /* NULL, or the d + 2 values of gp_theta of an earlier fit of the same
                          * points: no search, the fit is that one, bit for bit */
} gp_opts;

/* Fit a GP to n points x (n x d, row-major, inputs scaled to about [0,1]) with outputs y.
 * Needs n >= 2 and outputs that are finite. On failure *out is NULL and err says why. */
int gp_fit(gp **out, const double *x, const double *y, size_t n, size_t d, const gp_opts *o,
           char *err, size_t errlen);
void gp_free(gp *g);

/* Mean and variance of the latent function at x (d values); the variance includes the
 * uncertainty of the basis coefficients but not the nugget. */
void gp_predict(const gp *g, const double *x, double *mean, double *var);

/* Mean only (cheaper: no triangular solve). */
double gp_mean(const gp *g, const double *x);

/* Leave-one-out predictions at the training points (hyper-parameters fixed): mean mu[i] and
 * variance var[i] of y[i] given the other points (Rasmussen & Williams eq. 5.12). */
void gp_loo(const gp *g, double *mu, double *var);

/* Fitted hyper-parameters, on the scale of y: length scales (d, on the inputs' scale), signal
 * variance, nugget variance, and the log marginal likelihood reached. */
size_t gp_dim(const gp *g);

/* The optimum's d + 2 internal values (log length scales, log signal variance, log excess
 * nugget), exactly: gp_opts.start given them refits the same points without the search. */
void gp_theta(const gp *g, double *t);
void gp_hyper(const gp *g, double *ell, double *s2, double *nug, double *logml);

/* The maximin Latin hypercube on [0,1]^k: of `candidates` designs of unrest_design_lhs (keyed
 * by unrest_seed_derive(seed, c)), the one whose closest pair of points is farthest apart.
 * *out is n x k, malloc'd. 0, or -1 when out of memory or k, n are 0 or k > 32. */
int cal_maximin_lhs(size_t k, size_t n, uint64_t seed, unsigned candidates, double **out);

#endif
