/*
 * prim.c - scenario discovery by PRIM, the Patient Rule Induction Method (Friedman & Fisher
 * 1999, "Bump hunting in high-dimensional data"), peeling as the EMA Workbench does: from the
 * box around all points, repeatedly cut off the alpha-share of the box's points with the lowest
 * or the highest values of one dimension, whichever cut leaves the highest mean outcome, until
 * the box would hold less than min_mass of the points. Each box on the way is recorded with its
 * coverage and density, so a caller can show the trade-off and pick another box.
 */
#include "unrest/nash.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

void unrest_prim_result_free(unrest_prim_result *r)
{
    if (!r) return;
    free(r->lo);
    free(r->hi);
    free(r->coverage);
    free(r->density);
    free(r->mass);
    free(r->inside);
    free(r->restricted);
    memset(r, 0, sizeof *r);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Grow the trajectory's arrays to hold cap boxes. */
static int grow(unrest_prim_result *r, size_t cap)
{
    double *lo = realloc(r->lo, cap * r->d * sizeof *lo);
    if (lo) r->lo = lo;
    double *hi = realloc(r->hi, cap * r->d * sizeof *hi);
    if (hi) r->hi = hi;
    double *cv = realloc(r->coverage, cap * sizeof *cv);
    if (cv) r->coverage = cv;
    double *de = realloc(r->density, cap * sizeof *de);
    if (de) r->density = de;
    double *ma = realloc(r->mass, cap * sizeof *ma);
    if (ma) r->mass = ma;
    size_t *in = realloc(r->inside, cap * sizeof *in);
    if (in) r->inside = in;
    return lo && hi && cv && de && ma && in;
}

unrest_status unrest_prim(const double *x, const double *y, size_t N, size_t d,
                          const unrest_prim_opts *o, unrest_prim_result *out, char *err,
                          size_t errlen)
{
    memset(out, 0, sizeof *out);
    const double alpha = o && o->alpha != 0 ? o->alpha : 0.05;
    const double min_mass = o && o->min_mass != 0 ? o->min_mass : 0.05;
    const double threshold = o && o->threshold != 0 ? o->threshold : 0.8;
    if (!x || !y || N < 2 || d == 0) {
        set_err(err, errlen, "prim: need at least 2 points of at least 1 dimension");
        return UNREST_EINVAL;
    }
    if (!(alpha > 0 && alpha < 1) || !(min_mass > 0 && min_mass < 1) || !isfinite(threshold)) {
        set_err(err, errlen, "prim: alpha (%g) and min_mass (%g) must lie in (0, 1)", alpha,
                min_mass);
        return UNREST_EINVAL;
    }
    double ysum = 0.0;
    for (size_t i = 0; i < N; i++) {
        if (!(y[i] >= 0.0 && y[i] <= 1.0)) {
            set_err(err, errlen, "prim: outcome of point %zu is %g, not in [0, 1]", i, y[i]);
            return UNREST_EINVAL;
        }
        ysum += y[i];
        for (size_t j = 0; j < d; j++)
            if (!isfinite(x[i * d + j])) {
                set_err(err, errlen, "prim: point %zu, dimension %zu is not finite", i, j);
                return UNREST_EINVAL;
            }
    }
    out->d = d;
    size_t *in = malloc(N * sizeof *in);     /* indices of the points inside the box */
    double *vals = malloc(N * sizeof *vals); /* one dimension's values inside, sorted */
    out->restricted = calloc(d, 1);
    size_t cap = 64;
    if (!in || !vals || !out->restricted || !grow(out, cap)) goto nomem;
    size_t m = N;
    double ins = ysum;
    for (size_t i = 0; i < N; i++)
        in[i] = i;
    for (size_t j = 0; j < d; j++) {
        double lo = x[j], hi = x[j];
        for (size_t i = 1; i < N; i++) {
            lo = fmin(lo, x[i * d + j]);
            hi = fmax(hi, x[i * d + j]);
        }
        out->lo[j] = lo;
        out->hi[j] = hi;
    }
    for (size_t b = 0;; b++) {
        out->inside[b] = m;
        out->mass[b] = (double)m / (double)N;
        out->density[b] = ins / (double)m;
        out->coverage[b] = ysum > 0 ? ins / ysum : 0.0;
        out->boxes = b + 1;
        /* the best peel: dimension, side (0 low, 1 high), new bound, mean and count left */
        size_t bj = d, bside = 0, bleft = 0;
        double bmean = -1.0, bbound = 0.0;
        size_t cut = (size_t)ceil(alpha * (double)m);
        if (cut < 1) cut = 1;
        for (size_t j = 0; j < d && cut < m; j++) {
            for (size_t i = 0; i < m; i++)
                vals[i] = x[in[i] * d + j];
            qsort(vals, m, sizeof *vals, cmp_double);
            for (size_t side = 0; side < 2; side++) {
                /* keep x >= vals[cut] (low side) or x <= vals[m-1-cut] (high side): ties at
                 * the bound stay inside, so a cut may take fewer than cut points */
                double bound = side == 0 ? vals[cut] : vals[m - 1 - cut];
                size_t left = 0;
                double sum = 0.0;
                for (size_t i = 0; i < m; i++) {
                    double v = x[in[i] * d + j];
                    if (side == 0 ? v >= bound : v <= bound) {
                        left++;
                        sum += y[in[i]];
                    }
                }
                if (left == m || (double)left < min_mass * (double)N) continue;
                double mean = sum / (double)left;
                if (mean > bmean || (mean == bmean && left > bleft)) {
                    bmean = mean;
                    bj = j;
                    bside = side;
                    bleft = left;
                    bbound = bound;
                }
            }
        }
        if (bj == d) break; /* no peel leaves enough points */
        if (b + 2 > cap) {
            cap *= 2;
            if (!grow(out, cap)) goto nomem;
        }
        memcpy(out->lo + (b + 1) * d, out->lo + b * d, d * sizeof *out->lo);
        memcpy(out->hi + (b + 1) * d, out->hi + b * d, d * sizeof *out->hi);
        if (bside == 0)
            out->lo[(b + 1) * d + bj] = bbound;
        else
            out->hi[(b + 1) * d + bj] = bbound;
        size_t k = 0;
        ins = 0.0;
        for (size_t i = 0; i < m; i++) {
            double v = x[in[i] * d + bj];
            if (bside == 0 ? v >= bbound : v <= bbound) {
                ins += y[in[i]];
                in[k++] = in[i];
            }
        }
        m = k;
    }
    /* the chosen box: greatest coverage among those dense enough (ties: the denser, then the
     * later); none dense enough: the densest (ties: the earlier, larger one) */
    size_t pick = out->boxes;
    for (size_t b = 0; b < out->boxes; b++) {
        if (out->density[b] < threshold) continue;
        if (pick == out->boxes || out->coverage[b] > out->coverage[pick] ||
            (out->coverage[b] == out->coverage[pick] && out->density[b] >= out->density[pick]))
            pick = b;
    }
    if (pick == out->boxes) {
        pick = 0;
        for (size_t b = 1; b < out->boxes; b++)
            if (out->density[b] > out->density[pick]) pick = b;
    }
    out->chosen = pick;
    for (size_t j = 0; j < d; j++)
        out->restricted[j] =
            out->lo[pick * d + j] > out->lo[j] || out->hi[pick * d + j] < out->hi[j];
    free(in);
    free(vals);
    return UNREST_OK;
nomem:
    free(in);
    free(vals);
    unrest_prim_result_free(out);
    set_err(err, errlen, "prim: out of memory");
    return UNREST_ENOMEM;
}
