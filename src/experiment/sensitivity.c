/*
 * sensitivity.c - the statistics that read a design's outputs: Sobol indices from a Saltelli
 * design (Saltelli 2010 first order, Jansen 1999 total order, bootstrap intervals), Morris
 * elementary effects (mu, mu*, sigma), and the intervals a policy comparison reports (Wilson,
 * bootstrap median, paired t, paired bootstrap median, Newcombe's paired difference of
 * proportions). Bootstrap resamples come from the keyed Philox generator of rng.h; quantiles
 * and distributions from GSL. Interval functions cannot fail: where an interval is undefined
 * (no data, one pair for a t interval, out of memory) they return NaN.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "unrest/design.h"
#include "exp_int.h"
#include "rng.h"

/* Philox streams of the bootstraps (the model uses 1..7, designs 101..103), keyed by the
 * bootstrap seed with the resample number as `tick`. */
enum {
    SENS_RNG_SOBOL_BOOT = 111, /* resamples of the N base rows of a Saltelli design */
    SENS_RNG_MEDIAN_BOOT = 112 /* resamples of a sample (or of pairs) for a median */
};

/* ---- Sobol indices ------------------------------------------------------------------------ */

/* First- and total-order estimates from the base rows idx[0..n) (all rows 0..n-1 in order
 * when idx is NULL) of normalised outputs y laid out as unrest_design_saltelli's rows:
 * block j is [A_j, AB_j^(1..k), B_j]. As SALib's sobol.analyze:
 *   V    = var(A, B) (population variance of the 2n values),
 *   S1_i = mean(B (AB_i - A)) / V                (Saltelli et al. 2010, Table 2 (b)),
 *   ST_i = mean((A - AB_i)^2) / (2 V)            (Jansen 1999; Saltelli 2010, Table 2 (f)). */
static void sobol_estimate(const double *y, size_t n, size_t k, const uint32_t *idx, double *s1,
                           double *st)
{
    size_t w = k + 2;
    double sum = 0, sum2 = 0;
    for (size_t i = 0; i < k; i++)
        s1[i] = st[i] = 0;
    for (size_t r = 0; r < n; r++) {
        const double *b = y + (idx ? idx[r] : r) * w;
        double a = b[0], bb = b[k + 1];
        sum += a + bb;
        for (size_t i = 0; i < k; i++) {
            double ab = b[1 + i];
            s1[i] += bb * (ab - a);
            st[i] += (a - ab) * (a - ab);
        }
    }
    double mean = sum / (double)(2 * n);
    for (size_t r = 0; r < n; r++) {
        const double *b = y + (idx ? idx[r] : r) * w;
        double da = b[0] - mean, db = b[k + 1] - mean;
        sum2 += da * da + db * db;
    }
    double var = sum2 / (double)(2 * n);
    for (size_t i = 0; i < k; i++) {
        s1[i] = s1[i] / (double)n / var;
        st[i] = st[i] / (double)n / (2 * var);
    }
}

unrest_status unrest_sobol_analyze(const double *y, size_t n, size_t k, size_t boot, uint64_t seed,
                                   unrest_sobol_index *out, char *err, size_t errlen)
{
    static const char what[] = "Sobol analysis";
    if (err && errlen) err[0] = '\0';
    if (!y || !out) {
        exp_msg(err, errlen, "%s: NULL argument", what);
        return UNREST_EINVAL;
    }
    if (k == 0 || n < 2 || n > UINT32_MAX || boot > UINT32_MAX) {
        exp_msg(err, errlen, "%s: %zu base rows of %zu factors; need 2 to 2^32-1 rows, k >= 1",
                what, n, k);
        return UNREST_EINVAL;
    }
    if (k + 2 > SIZE_MAX / 8 / n || (boot && 2 * k > SIZE_MAX / 8 / boot)) {
        exp_msg(err, errlen, "%s: %zu rows of %zu factors do not fit in memory", what, n, k);
        return UNREST_ERANGE;
    }
    size_t total = n * (k + 2);
    for (size_t i = 0; i < total; i++) {
        if (!isfinite(y[i])) {
            exp_msg(err, errlen, "%s: output %zu (row %zu of the design) is not finite", what, i,
                    i);
            return UNREST_EINVAL;
        }
    }
    /* Centre and scale all outputs as SALib does: the ratios do not depend on the scale, but
     * S1's estimator does on the centre, and centring reduces its variance. */
    double *z = malloc(total * sizeof *z);
    double *s1 = malloc(2 * k * sizeof *s1);
    double *bs = boot ? malloc(2 * k * boot * sizeof *bs) : NULL;
    uint32_t *idx = boot ? malloc(n * sizeof *idx) : NULL;
    unrest_status st = UNREST_OK;
    if (!z || !s1 || (boot && (!bs || !idx))) {
        exp_msg(err, errlen, "%s: out of memory", what);
        st = UNREST_ENOMEM;
        goto done;
    }
    double mean = gsl_stats_mean(y, 1, total);
    double sd = sqrt(gsl_stats_variance_with_fixed_mean(y, 1, total, mean));
    if (!(sd > 0) || !isfinite(sd)) {
        exp_msg(err, errlen, "%s: the outputs do not vary; Sobol indices are undefined", what);
        st = UNREST_ERANGE;
        goto done;
    }
    for (size_t i = 0; i < total; i++)
        z[i] = (y[i] - mean) / sd;
    double *t1 = s1 + k;
    sobol_estimate(z, n, k, NULL, s1, t1);
    for (size_t b = 0; b < boot; b++) {
        rng g;
        rng_init(&g, seed, SENS_RNG_SOBOL_BOOT, (uint32_t)b, 0);
        for (size_t r = 0; r < n; r++)
            idx[r] = rng_below(&g, (uint32_t)n);
        sobol_estimate(z, n, k, idx, bs + b * 2 * k, bs + b * 2 * k + k);
    }
    /* 95% interval: estimate +- z_0.975 times the bootstrap standard deviation, SALib's
     * S1_conf and ST_conf (a normal-approximation bootstrap interval). */
    double q = gsl_cdf_ugaussian_Pinv(0.975);
    for (size_t i = 0; i < k; i++) {
        unrest_sobol_index *o = &out[i];
        o->s1 = s1[i];
        o->st = t1[i];
        if (boot >= 2) {
            double h1 = q * gsl_stats_sd(bs + i, 2 * k, boot);
            double ht = q * gsl_stats_sd(bs + k + i, 2 * k, boot);
            o->s1_lo = o->s1 - h1;
            o->s1_hi = o->s1 + h1;
            o->st_lo = o->st - ht;
            o->st_hi = o->st + ht;
        } else {
            o->s1_lo = o->s1_hi = o->st_lo = o->st_hi = NAN;
        }
    }
done:
    free(z);
    free(s1);
    free(bs);
    free(idx);
    return st;
}

/* ---- Morris ------------------------------------------------------------------------------- */

unrest_status unrest_morris_analyze(const unrest_factor *f, size_t k, const double *x,
                                    const double *y, size_t r, unrest_morris_index *out, char *err,
                                    size_t errlen)
{
    static const char what[] = "Morris analysis";
    if (err && errlen) err[0] = '\0';
    if (!f || !x || !y || !out) {
        exp_msg(err, errlen, "%s: NULL argument", what);
        return UNREST_EINVAL;
    }
    if (k == 0 || r == 0 || r > SIZE_MAX / 8 / (k + 1) / k) {
        exp_msg(err, errlen, "%s: %zu trajectories of %zu factors", what, r, k);
        return UNREST_EINVAL;
    }
    for (size_t i = 0; i < k; i++) {
        if (!(f[i].lo < f[i].hi) || !isfinite(f[i].hi - f[i].lo)) {
            exp_msg(err, errlen, "%s: factor '%.96s' has range [%.17g, %.17g]; need lower < upper",
                    what, f[i].name, f[i].lo, f[i].hi);
            return UNREST_ERANGE;
        }
    }
    double *ee = malloc(k * r * sizeof *ee); /* ee[i * r + t]: effect of factor i, trajectory t */
    unsigned char *seen = malloc(k);
    if (!ee || !seen) {
        free(ee);
        free(seen);
        exp_msg(err, errlen, "%s: out of memory", what);
        return UNREST_ENOMEM;
    }
    unrest_status st = UNREST_OK;
    for (size_t t = 0; t < r && st == UNREST_OK; t++) {
        memset(seen, 0, k);
        for (size_t m = 1; m <= k; m++) {
            size_t row = t * (k + 1) + m;
            const double *x0 = x + (row - 1) * k, *x1 = x + row * k;
            size_t c = SIZE_MAX, nd = 0;
            for (size_t i = 0; i < k; i++) {
                if (x0[i] != x1[i]) {
                    c = i;
                    nd++;
                }
            }
            if (nd != 1 || seen[c]) {
                exp_msg(err, errlen,
                        "%s: rows %zu and %zu (trajectory %zu) change %s; a Morris trajectory "
                        "changes each factor once, one per row",
                        what, row - 1, row, t,
                        nd != 1 ? "not exactly one factor" : "a factor twice");
                st = UNREST_EINVAL;
                break;
            }
            seen[c] = 1;
            if (!isfinite(y[row]) || !isfinite(y[row - 1])) {
                exp_msg(err, errlen, "%s: output of row %zu is not finite", what,
                        isfinite(y[row]) ? row - 1 : row);
                st = UNREST_EINVAL;
                break;
            }
            /* effect per unit of the normalised factor (SALib): dy / (dx / range) */
            double dx = (x1[c] - x0[c]) / (f[c].hi - f[c].lo);
            ee[c * r + t] = (y[row] - y[row - 1]) / dx;
        }
    }
    if (st == UNREST_OK) {
        for (size_t i = 0; i < k; i++) {
            const double *e = ee + i * r;
            double s = 0, sa = 0;
            for (size_t t = 0; t < r; t++) {
                s += e[t];
                sa += fabs(e[t]);
            }
            out[i].mu = s / (double)r;
            out[i].mu_star = sa / (double)r;
            /* sample sd (r - 1), as SALib; one trajectory shows no spread: 0 */
            out[i].sigma = r >= 2 ? gsl_stats_sd_m(e, 1, r, out[i].mu) : 0.0;
        }
    }
    free(ee);
    free(seen);
    return st;
}

/* ---- intervals ---------------------------------------------------------------------------- */

static int conf_ok(double conf)
{
    return conf > 0 && conf < 1;
}

/* Two-sided normal quantile of level conf. */
static double z_of(double conf)
{
    return gsl_cdf_ugaussian_Pinv(1 - (1 - conf) / 2);
}

/* Wilson score interval with quantile z (Wilson 1927; Newcombe 1998a, method 3). */
static void wilson(double s, double n, double z, double *lo, double *hi)
{
    double p = s / n, z2 = z * z;
    double den = 1 + z2 / n;
    double centre = (p + z2 / (2 * n)) / den;
    double half = z / den * sqrt(p * (1 - p) / n + z2 / (4 * n * n));
    *lo = s == 0 ? 0.0 : fmax(0.0, centre - half);
    *hi = s == n ? 1.0 : fmin(1.0, centre + half);
}

void unrest_ci_proportion(size_t successes, size_t n, double conf, double *lo, double *hi)
{
    if (!conf_ok(conf) || successes > n) {
        *lo = *hi = NAN;
        return;
    }
    if (n == 0) { /* no information */
        *lo = 0;
        *hi = 1;
        return;
    }
    wilson((double)successes, (double)n, z_of(conf), lo, hi);
}

/* Median of x[0..n) (n >= 1), reordering x (GSL's quickselect). */
static double median_inplace(double *x, size_t n)
{
    return gsl_stats_median(x, 1, n);
}

void unrest_ci_median(const double *x, size_t n, double conf, size_t boot, uint64_t seed,
                      double *median, double *lo, double *hi)
{
    *median = *lo = *hi = NAN;
    if (!x || n == 0 || n > UINT32_MAX || boot > UINT32_MAX) return;
    for (size_t i = 0; i < n; i++)
        if (isnan(x[i])) return; /* no order: no median */
    double *buf = malloc(n * sizeof *buf);
    double *meds = boot ? malloc(boot * sizeof *meds) : NULL;
    if (!buf || (boot && !meds)) goto done;
    memcpy(buf, x, n * sizeof *buf);
    *median = median_inplace(buf, n);
    if (!conf_ok(conf) || boot == 0) goto done;
    for (size_t b = 0; b < boot; b++) {
        rng g;
        rng_init(&g, seed, SENS_RNG_MEDIAN_BOOT, (uint32_t)b, 0);
        for (size_t i = 0; i < n; i++)
            buf[i] = x[rng_below(&g, (uint32_t)n)];
        meds[b] = median_inplace(buf, n);
    }
    /* percentile interval: the (1-conf)/2 and (1+conf)/2 quantiles of the resampled medians
     * (GSL's linear interpolation between order statistics) */
    gsl_sort(meds, 1, boot);
    *lo = gsl_stats_quantile_from_sorted_data(meds, 1, boot, (1 - conf) / 2);
    *hi = gsl_stats_quantile_from_sorted_data(meds, 1, boot, (1 + conf) / 2);
done:
    free(buf);
    free(meds);
}

void unrest_ci_paired_mean(const double *a, const double *b, size_t n, double conf, double *diff,
                           double *lo, double *hi)
{
    *diff = *lo = *hi = NAN;
    if (!a || !b || n == 0) return;
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += a[i] - b[i];
    double m = s / (double)n;
    *diff = m;
    if (n < 2 || !conf_ok(conf)) return;
    double ss = 0;
    for (size_t i = 0; i < n; i++) {
        double d = a[i] - b[i] - m;
        ss += d * d;
    }
    double se = sqrt(ss / (double)(n - 1) / (double)n);
    double t = gsl_cdf_tdist_Pinv(1 - (1 - conf) / 2, (double)(n - 1));
    *lo = m - t * se;
    *hi = m + t * se;
}

void unrest_ci_paired_median(const double *a, const double *b, size_t n, double conf, size_t boot,
                             uint64_t seed, double *diff, double *lo, double *hi)
{
    *diff = *lo = *hi = NAN;
    if (!a || !b || n == 0) return;
    double *d = malloc(n * sizeof *d);
    if (!d) return;
    for (size_t i = 0; i < n; i++)
        d[i] = a[i] - b[i];
    /* resampling pairs = resampling their differences */
    unrest_ci_median(d, n, conf, boot, seed, diff, lo, hi);
    free(d);
}

void unrest_ci_paired_proportion(const unsigned char *a, const unsigned char *b, size_t n,
                                 double conf, double *diff, double *lo, double *hi)
{
    *diff = *lo = *hi = NAN;
    if (!a || !b || n == 0) return;
    /* 2x2 table of pairs: e = both, f = a only, g = b only, h = neither */
    size_t e = 0, f = 0, g = 0, h = 0;
    for (size_t i = 0; i < n; i++) {
        if (a[i] && b[i])
            e++;
        else if (a[i])
            f++;
        else if (b[i])
            g++;
        else
            h++;
    }
    double N = (double)n;
    double p1 = (double)(e + f) / N, p2 = (double)(e + g) / N;
    *diff = p1 - p2;
    if (!conf_ok(conf)) return;
    double z = z_of(conf), l1, u1, l2, u2;
    wilson((double)(e + f), N, z, &l1, &u1);
    wilson((double)(e + g), N, z, &l2, &u2);
    /* Newcombe (1998b) method 10: Wilson limits of each margin combined with the phi
     * correlation of the pairs (0 when a margin is empty). */
    double marg = (double)(e + f) * (double)(g + h) * (double)(e + g) * (double)(f + h);
    double phi = marg > 0 ? ((double)e * (double)h - (double)f * (double)g) / sqrt(marg) : 0.0;
    double dl = sqrt(
        fmax(0.0, (p1 - l1) * (p1 - l1) - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) * (u2 - p2)));
    double du = sqrt(
        fmax(0.0, (u1 - p1) * (u1 - p1) - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) * (p2 - l2)));
    *lo = fmax(-1.0, *diff - dl);
    *hi = fmin(1.0, *diff + du);
}
