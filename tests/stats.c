/*
 * stats.c - the two-sample tests of stats.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

const char *const stat_names[ST_COUNT] = {
    "mean active", "max active", "outbursts",   "mean peak",
    "mean total",  "mean wait",  "mean jailed", "final jailed",
};

/* Value of one statistic of a run; 0 where it is undefined (no outburst for a peak or total,
 * fewer than two outbursts for a wait), and such seeds are left out of that sample. */
int stat_value(const unrest_summary *s, stat_id st, double *out)
{
    switch (st) {
    case ST_MEAN_ACTIVE:
        *out = s->mean_active;
        return 1;
    case ST_MAX_ACTIVE:
        *out = s->max_active;
        return 1;
    case ST_OUTBURSTS:
        *out = (double)s->outbursts;
        return 1;
    case ST_MEAN_PEAK:
        *out = s->mean_peak;
        return s->outbursts >= 1;
    case ST_MEAN_TOTAL:
        *out = s->mean_total;
        return s->outbursts >= 1;
    case ST_MEAN_WAIT:
        *out = s->mean_wait;
        return s->outbursts >= 2;
    case ST_MEAN_JAILED:
        *out = s->mean_jailed;
        return 1;
    case ST_FINAL_JAILED:
        *out = s->final_jailed;
        return 1;
    case ST_COUNT:
        break;
    }
    return 0;
}

void *xmalloc(size_t n)
{
    void *q = malloc(n ? n : 1);
    if (!q) fail_msg("out of memory (%zu bytes)", n);
    return q;
}

/* ---- two-sample tests (as in test_mesa.c, for samples of any size) ------------------------- */

int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct tagged {
    double v;
    int group;
} tagged;

static int cmp_tagged(const void *a, const void *b)
{
    return cmp_double(&((const tagged *)a)->v, &((const tagged *)b)->v);
}

/* Mann-Whitney U, two-sided, normal approximation with tie correction and continuity
 * correction. Returns 1 when the combined sample is constant (no evidence of a shift). */
double mann_whitney_p(const double *x, size_t nx, const double *y, size_t ny)
{
    size_t n = nx + ny;
    if (!nx || !ny) return 1.0;
    tagged *t = xmalloc(n * sizeof *t);
    for (size_t i = 0; i < nx; i++)
        t[i] = (tagged){x[i], 0};
    for (size_t i = 0; i < ny; i++)
        t[nx + i] = (tagged){y[i], 1};
    qsort(t, n, sizeof *t, cmp_tagged);
    double rank_x = 0, ties = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && t[j].v == t[i].v)
            j++;
        double mid = (double)(i + 1 + j) / 2.0; /* mean of ranks i+1..j */
        double tc = (double)(j - i);
        ties += tc * tc * tc - tc;
        for (size_t k = i; k < j; k++)
            if (t[k].group == 0) rank_x += mid;
        i = j;
    }
    free(t);
    double dx = (double)nx, dy = (double)ny, dn = (double)n;
    double u = rank_x - dx * (dx + 1) / 2.0;
    double mu = dx * dy / 2.0;
    double var = dx * dy / 12.0 * ((dn + 1) - ties / (dn * (dn - 1)));
    if (var <= 0) return 1.0;
    double z = (fabs(u - mu) - 0.5) / sqrt(var);
    if (z < 0) z = 0;
    return erfc(z / sqrt(2.0));
}

/* Kolmogorov's limiting distribution: Q(lambda) = 2 sum_{j>=1} (-1)^(j-1) exp(-2 j^2 lambda^2). */
double kolmogorov_q(double lambda)
{
    if (lambda < 0.2) return 1.0; /* Q(0.2) = 1 - 2e-21: the series converges slowly below */
    double sum = 0, sign = 2.0;
    for (int j = 1; j <= 100; j++) {
        double term = sign * exp(-2.0 * (double)j * (double)j * lambda * lambda);
        sum += term;
        if (fabs(term) <= 1e-12 * fabs(sum)) break;
        sign = -sign;
    }
    return sum < 0 ? 0 : sum > 1 ? 1 : sum;
}

/* Two-sample Kolmogorov-Smirnov, two-sided, asymptotic p-value with Stephens' small-sample
 * correction lambda = (sqrt(ne) + 0.12 + 0.11 / sqrt(ne)) D, ne = nx ny / (nx + ny). Ties (the
 * integer statistics) make it conservative. */
double ks_p(const double *x, size_t nx, const double *y, size_t ny, double *d_out)
{
    if (!nx || !ny) {
        if (d_out) *d_out = 0;
        return 1.0;
    }
    double *a = xmalloc(nx * sizeof *a), *b = xmalloc(ny * sizeof *b);
    memcpy(a, x, nx * sizeof *a);
    memcpy(b, y, ny * sizeof *b);
    qsort(a, nx, sizeof *a, cmp_double);
    qsort(b, ny, sizeof *b, cmp_double);
    size_t i = 0, j = 0;
    double d = 0;
    while (i < nx && j < ny) {
        double v = a[i] < b[j] ? a[i] : b[j];
        while (i < nx && a[i] == v)
            i++;
        while (j < ny && b[j] == v)
            j++;
        double diff = fabs((double)i / (double)nx - (double)j / (double)ny);
        if (diff > d) d = diff;
    }
    free(a);
    free(b);
    double ne = (double)nx * (double)ny / (double)(nx + ny);
    double sq = sqrt(ne);
    if (d_out) *d_out = d;
    return kolmogorov_q((sq + 0.12 + 0.11 / sq) * d);
}

double median(const double *x, size_t n)
{
    if (!n) return NAN;
    double *a = xmalloc(n * sizeof *a);
    memcpy(a, x, n * sizeof *a);
    qsort(a, n, sizeof *a, cmp_double);
    double med = n % 2 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2.0;
    free(a);
    return med;
}

/* The two-sample helpers against values known in closed form or from tables. */
void stats_selftest(void **state)
{
    (void)state;
    /* Kolmogorov distribution: Q(1.0) = 0.2700, Q(1.358) = 0.0500, Q(1.628) = 0.0100. */
    assert_true(fabs(kolmogorov_q(1.0) - 0.26999967) < 1e-6);
    assert_true(fabs(kolmogorov_q(1.358) - 0.0500) < 2e-4);
    assert_true(fabs(kolmogorov_q(1.628) - 0.0100) < 1e-4);
    double a[10], b[10];
    for (int i = 0; i < 10; i++) {
        a[i] = i;
        b[i] = 10 + i;
    }
    /* Separated samples, 10 vs 10: U = 0, mu = 50, var = 175, z = 49.5 / sqrt(175). */
    assert_true(fabs(mann_whitney_p(a, 10, b, 10) - erfc(49.5 / sqrt(175.0) / sqrt(2.0))) < 1e-12);
    double d;
    double pk = ks_p(a, 10, b, 10, &d);
    assert_true(d == 1.0);
    assert_true(fabs(pk - kolmogorov_q(sqrt(5.0) + 0.12 + 0.11 / sqrt(5.0))) < 1e-12);
    /* Identical samples: no evidence. */
    assert_true(mann_whitney_p(a, 10, a, 10) > 0.99);
    assert_true(ks_p(a, 10, a, 10, &d) > 0.99 && d == 0);
    /* All values tied: variance 0, p = 1. */
    double z[4] = {0, 0, 0, 0};
    assert_true(mann_whitney_p(z, 2, z + 2, 2) == 1.0);
}
