/*
 * test_design.c - experiment designs and their statistics: derived seeds are stable (known
 * values) and collision-free; factorial grids, Latin hypercubes, Saltelli and Morris designs
 * have their defining structure; Sobol indices of the Ishigami function and Morris rankings of
 * functions with known answers come out right; the comparison intervals match hand-computed
 * values and cover the truth at their nominal rate; malformed SALib problem files each fail
 * with the right status and file:line:col.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unrest/design.h"
#include "rng.h"
#include "stats.h"

#define PI 3.14159265358979323846

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* ---- seeds -------------------------------------------------------------------------------- */

/* Known values, computed once from the documented formula
 * seed = splitmix64(master ^ splitmix64(index)) (with an independent Python script; its
 * splitmix64(0) = 0xe220a8397b1dcdaf is SplitMix64's published first output for seed 0).
 * If this test fails, every ensemble's seeds have changed. */
static void test_seed_known(void **state)
{
    (void)state;
    static const uint64_t known[][3] = {
        {0x0ull, 0x0ull, 0xa706dd2f4d197e6full},
        {0x0ull, 0x1ull, 0x5e41ab087439611eull},
        {0x1ull, 0x0ull, 0x08b4fda8c892b50eull},
        {0x2aull, 0x7ull, 0x6eab8625df268fbcull},
        {0xdeadbeefull, 0x75bcd15ull, 0x546ecda036175d99ull},
        {0xffffffffffffffffull, 0xffffffffffffffffull, 0x6309143e67a47936ull},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        assert_true(unrest_seed_derive(known[i][0], known[i][1]) == known[i][2]);
}

static void test_seed_collisions(void **state)
{
    (void)state;
    enum { N = 1000000 };
    static const uint64_t masters[] = {0, 1, 42, 0xffffffffffffffffull};
    uint64_t *s = xmalloc(N * sizeof *s);
    for (size_t m = 0; m < sizeof masters / sizeof masters[0]; m++) {
        for (uint64_t i = 0; i < N; i++)
            s[i] = unrest_seed_derive(masters[m], i);
        /* not master + index (the thing the derivation exists to avoid) */
        assert_true(s[1] != masters[m] + 1);
        qsort(s, N, sizeof *s, cmp_u64);
        for (size_t i = 1; i < N; i++)
            assert_true(s[i] != s[i - 1]);
    }
    free(s);
}

/* ---- factors ------------------------------------------------------------------------------ */

static void test_factor_parse(void **state)
{
    (void)state;
    unrest_factor f;
    char err[256];
    assert_int_equal(unrest_factor_parse("legitimacy.initial=0.5:0.9:0.1", &f, err, sizeof err),
                     UNREST_OK);
    assert_string_equal(f.name, "legitimacy.initial");
    assert_true(f.lo == 0.5 && f.hi == 0.9 && f.step == 0.1);
    assert_int_equal(unrest_factor_parse("x=2:2:1", &f, err, sizeof err), UNREST_OK);
    assert_true(f.lo == 2 && f.hi == 2);

    static const struct {
        const char *text;
        unrest_status st;
        const char *needle;
    } bad[] = {
        {"=0:1:0.5", UNREST_EINVAL, "empty name"},
        {"x", UNREST_EINVAL, "expected name=lo:hi:step"},
        {"x=1:0:0.5", UNREST_ERANGE, "empty range"},
        {"x=0:1:0", UNREST_ERANGE, "must be > 0"},
        {"x=0:1:-1", UNREST_ERANGE, "must be > 0"},
        {"x=0:1", UNREST_EINVAL, "missing step"},
        {"x=0", UNREST_EINVAL, "missing upper bound"},
        {"x=0:1:0.5:2", UNREST_EINVAL, "too many ':'"},
        {"x=a:1:0.5", UNREST_EINVAL, "lower bound 'a' is not a number"},
        {"x=0::0.5", UNREST_EINVAL, "upper bound '' is not a number"},
        {"x=0:1: 0.5", UNREST_EINVAL, "not a number"},
        {"x=0:inf:1", UNREST_ERANGE, "not finite"},
        {"a b=0:1:1", UNREST_EINVAL, "blank"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unrest_status st = unrest_factor_parse(bad[i].text, &f, err, sizeof err);
        if (st != bad[i].st || !strstr(err, bad[i].needle))
            fail_msg("'%s': status %d, message '%s'", bad[i].text, (int)st, err);
    }
}

/* Write text to dir/name; returns the path in buf. */
static const char *write_file(const char *dir, const char *name, const char *text, char *buf,
                              size_t n)
{
    snprintf(buf, n, "%s/%s", dir, name);
    FILE *f = fopen(buf, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void test_factors_load(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_design_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[512], err[512];
    unrest_factor *f = NULL;
    size_t n = 0;

    write_file(dir, "good.txt",
               "# SALib problem\n"
               "legitimacy.initial 0.5 0.9   # trailing comment\n"
               "\n"
               "\tcops.density\t0.01\t0.1\r\n"
               "jail_max 0 1e2#x\n",
               path, sizeof path);
    assert_int_equal(unrest_factors_load(path, &f, &n, err, sizeof err), UNREST_OK);
    assert_int_equal(n, 3);
    assert_string_equal(f[0].name, "legitimacy.initial");
    assert_true(f[0].lo == 0.5 && f[0].hi == 0.9 && f[0].step == 0);
    assert_string_equal(f[1].name, "cops.density");
    assert_true(f[1].lo == 0.01 && f[1].hi == 0.1);
    assert_string_equal(f[2].name, "jail_max");
    assert_true(f[2].lo == 0 && f[2].hi == 100);
    free(f);
    unlink(path);

    char longname[128];
    memset(longname, 'n', 100);
    snprintf(longname + 100, sizeof longname - 100, " 0 1\n");
    const struct {
        const char *text;
        unrest_status st;
        size_t line, col;
        const char *needle;
    } bad[] = {
        {"a 0 1\nb 0\n", UNREST_EINVAL, 2, 4, "missing upper bound"},
        {"a\n", UNREST_EINVAL, 1, 2, "missing lower bound"},
        {"  a # 0 1\n", UNREST_EINVAL, 1, 4, "missing lower bound"},
        {"a 0 1 group1\n", UNREST_EINVAL, 1, 7, "unexpected 'group1'"},
        {"a 0 x1\n", UNREST_EINVAL, 1, 5, "upper bound 'x1' is not a number"},
        {"a 0,5 1\n", UNREST_EINVAL, 1, 3, "lower bound '0,5' is not a number"},
        {"a 1 1\n", UNREST_ERANGE, 1, 5, "not above lower bound"},
        {"a 0 1\nb  2 -1\n", UNREST_ERANGE, 2, 6, "not above lower bound"},
        {"a 0 inf\n", UNREST_ERANGE, 1, 5, "not finite"},
        {"a\t0\t1e999\n", UNREST_ERANGE, 1, 5, "not finite"},
        {"a nan 1\n", UNREST_ERANGE, 1, 3, "not finite"},
        {"# c\na 0 1\n  a 0 2\n", UNREST_EINVAL, 3, 3, "duplicate factor 'a' (first on line 2)"},
        {"", UNREST_EINVAL, 1, 1, "no factors"},
        {"# only a comment\n\n", UNREST_EINVAL, 3, 1, "no factors"},
        {"   ", UNREST_EINVAL, 1, 4, "no factors"},
        {longname, UNREST_ERANGE, 1, 1, "longer than 95"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(dir, "bad.txt", bad[i].text, path, sizeof path);
        f = NULL;
        unrest_status st = unrest_factors_load(path, &f, &n, err, sizeof err);
        char where[600];
        snprintf(where, sizeof where, "%s:%zu:%zu: ", path, bad[i].line, bad[i].col);
        if (st != bad[i].st || strncmp(err, where, strlen(where)) != 0 ||
            !strstr(err, bad[i].needle))
            fail_msg("case %zu: status %d, message '%s'; expected status %d, '%s%s'", i, (int)st,
                     err, (int)bad[i].st, where, bad[i].needle);
        assert_null(f);
        unlink(path);
    }

    /* a file that is not there */
    snprintf(path, sizeof path, "%s/missing.txt", dir);
    assert_int_equal(unrest_factors_load(path, &f, &n, err, sizeof err), UNREST_EIO);
    assert_non_null(strstr(err, "cannot open"));
    /* many factors (the duplicate check's hash table grows) */
    size_t cap = 200 * 32, used = 0;
    char *big = xmalloc(cap);
    for (int i = 0; i < 200; i++)
        used += (size_t)snprintf(big + used, cap - used, "f%d 0 %d\n", i, i + 1);
    write_file(dir, "big.txt", big, path, sizeof path);
    assert_int_equal(unrest_factors_load(path, &f, &n, err, sizeof err), UNREST_OK);
    assert_int_equal(n, 200);
    assert_string_equal(f[199].name, "f199");
    free(f);
    snprintf(big + used, cap - used, "f17 0 1\n");
    write_file(dir, "big.txt", big, path, sizeof path);
    assert_int_equal(unrest_factors_load(path, &f, &n, err, sizeof err), UNREST_EINVAL);
    assert_non_null(strstr(err, ":201:1: duplicate factor 'f17' (first on line 18)"));
    unlink(path);
    free(big);
    rmdir(dir);
}

/* ---- designs ------------------------------------------------------------------------------ */

static void test_factorial(void **state)
{
    (void)state;
    unrest_factor f[3] = {
        {"a", 0, 1, 0.25},  /* 0, .25, .5, .75, 1 */
        {"b", 1, 2, 0.3},   /* 1, 1.3, 1.6, 1.9: 2 is not on the grid */
        {"c", 0, 0.3, 0.1}, /* 0, .1, .2, .3: 0.3/0.1 = 2.9999999999999996 in doubles */
    };
    double *x = NULL;
    size_t rows = 0;
    char err[256];
    assert_int_equal(unrest_design_factorial(f, 3, 1000, &x, &rows, err, sizeof err), UNREST_OK);
    assert_int_equal(rows, 5 * 4 * 4);
    /* first and last rows are the grid's corners; the last factor varies fastest */
    assert_true(x[0] == 0 && x[1] == 1 && x[2] == 0);
    assert_true(x[3] == 0 && x[4] == 1 && fabs(x[5] - 0.1) < 1e-15);
    const double *last = x + (rows - 1) * 3;
    assert_true(last[0] == 1);
    assert_true(fabs(last[1] - 1.9) < 1e-12);
    assert_true(last[2] == 0.3); /* snapped to hi exactly */
    /* every combination once */
    for (size_t r = 0; r < rows; r++) {
        size_t ia = (size_t)lround(x[r * 3] / 0.25), ib = (size_t)lround((x[r * 3 + 1] - 1) / 0.3),
               ic = (size_t)lround(x[r * 3 + 2] / 0.1);
        assert_int_equal(ia * 16 + ib * 4 + ic, r);
    }
    free(x);

    /* a single point, and the row limit */
    unrest_factor one = {"p", 2, 2, 1};
    assert_int_equal(unrest_design_factorial(&one, 1, 1, &x, &rows, err, sizeof err), UNREST_OK);
    assert_int_equal(rows, 1);
    assert_true(x[0] == 2);
    free(x);
    x = NULL;
    assert_int_equal(unrest_design_factorial(f, 3, 79, &x, &rows, err, sizeof err), UNREST_ERANGE);
    assert_non_null(strstr(err, "more than 79 rows"));
    assert_null(x);
    unrest_factor tiny = {"t", 0, 1, 1e-300};
    assert_int_equal(unrest_design_factorial(&tiny, 1, SIZE_MAX, &x, &rows, err, sizeof err),
                     UNREST_ERANGE);
    unrest_factor nostep = {"s", 0, 1, 0};
    assert_int_equal(unrest_design_factorial(&nostep, 1, 10, &x, &rows, err, sizeof err),
                     UNREST_ERANGE);
    assert_null(x);
}

static void test_lhs(void **state)
{
    (void)state;
    enum { N = 200, K = 3 };
    unrest_factor f[K] = {{"a", 0, 1, 0}, {"b", -5, 5, 0}, {"c", 100, 100.5, 0}};
    double *x = NULL, *y = NULL, *z = NULL;
    char err[256];
    assert_int_equal(unrest_design_lhs(f, K, N, 7, &x, err, sizeof err), UNREST_OK);
    assert_int_equal(unrest_design_lhs(f, K, N, 7, &y, err, sizeof err), UNREST_OK);
    assert_int_equal(unrest_design_lhs(f, K, N, 8, &z, err, sizeof err), UNREST_OK);
    assert_memory_equal(x, y, N * K * sizeof *x); /* reproducible */
    size_t same = 0;
    for (size_t i = 0; i < N * K; i++)
        same += x[i] == z[i];
    assert_int_equal(same, 0); /* another seed, another design */
    for (size_t j = 0; j < K; j++) {
        unsigned char hit[N] = {0};
        for (size_t i = 0; i < N; i++) {
            double v = x[i * K + j];
            assert_true(v > f[j].lo && v < f[j].hi);
            double t = (v - f[j].lo) / (f[j].hi - f[j].lo) * N;
            size_t s = (size_t)floor(t);
            assert_true(s < N);
            hit[s]++;
        }
        for (size_t s = 0; s < N; s++)
            assert_int_equal(hit[s], 1); /* exactly one point per stratum */
    }
    /* columns are permuted independently: not the same stratum order */
    size_t same_order = 0;
    for (size_t i = 0; i < N; i++)
        same_order += floor(x[i * K] * N) == floor((x[i * K + 1] + 5) / 10 * N);
    assert_true(same_order < N / 10);
    free(x);
    free(y);
    free(z);
    assert_int_equal(unrest_design_lhs(f, K, 0, 7, &x, err, sizeof err), UNREST_ERANGE);
}

static void test_saltelli_layout(void **state)
{
    (void)state;
    enum { N = 64, K = 3 };
    unrest_factor f[K] = {{"a", 0, 1, 0}, {"b", -PI, PI, 0}, {"c", 10, 20, 0}};
    double *x = NULL;
    size_t rows = 0;
    char err[256];
    assert_int_equal(unrest_design_saltelli(f, K, N, &x, &rows, err, sizeof err), UNREST_OK);
    assert_int_equal(rows, N * (K + 2));
    /* GSL's first Sobol point is (0.5, ..., 0.5): the middle of every range */
    for (size_t i = 0; i < K; i++) {
        assert_true(fabs(x[i] - (f[i].lo + f[i].hi) / 2) < 1e-12);
        assert_true(fabs(x[(K + 1) * K + i] - (f[i].lo + f[i].hi) / 2) < 1e-12);
    }
    for (size_t j = 0; j < N; j++) {
        const double *b = x + j * (K + 2) * K, *A = b, *B = b + (K + 1) * K;
        for (size_t m = 0; m < K; m++)
            for (size_t i = 0; i < K; i++)
                assert_true(b[(1 + m) * K + i] == (i == m ? B[i] : A[i]));
        for (size_t i = 0; i < K; i++) {
            assert_true(A[i] >= f[i].lo && A[i] < f[i].hi);
            assert_true(B[i] >= f[i].lo && B[i] < f[i].hi);
        }
    }
    free(x);
    unrest_factor many[21];
    for (size_t i = 0; i < 21; i++)
        many[i] = (unrest_factor){"m", 0, 1, 0};
    x = NULL;
    assert_int_equal(unrest_design_saltelli(many, 21, N, &x, &rows, err, sizeof err),
                     UNREST_ERANGE);
    assert_null(x);
    assert_int_equal(unrest_design_saltelli(many, 20, 4, &x, &rows, err, sizeof err), UNREST_OK);
    free(x);
}

/* ---- Sobol indices ------------------------------------------------------------------------ */

static double ishigami(const double *x)
{
    return sin(x[0]) + 7 * sin(x[1]) * sin(x[1]) + 0.1 * pow(x[2], 4) * sin(x[0]);
}

/* Ishigami (a = 7, b = 0.1) on [-pi, pi]^3: analytic indices (Ishigami & Homma 1990; Sobol'
 * & Levitan 1999): V1 = (1 + b pi^4/5)^2 / 2, V2 = a^2/8, V13 = b^2 pi^8 (1/18 - 1/50)
 * = 8 b^2 pi^8 / 225, V = V1 + V2 + V13. Then S = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424,
 * 0.2437).
 *
 * Tolerance: each estimate within 0.01 of the truth, and each 95% bootstrap interval contains
 * the truth. Measured (max over the three factors; bootstrap of 1000 resamples, seed 11):
 *     N      |S1 - true|  |ST - true|  S1 half-width  ST half-width
 *     2048   0.0010       0.0033       0.045          0.063
 *     4096   0.0041       0.0005       0.031          0.042
 *     8192   0.0004       0.0002       0.022          0.031
 *     16384  0.0003       0.0002       0.015          0.022
 * The bootstrap treats the quasi-random rows as independent, so it overstates the error of a
 * Sobol design several-fold; the bound 0.01 is half the bootstrap half-width at N = 8192 and
 * 2.5 times the largest error seen at any N >= 2048, so it does not flicker with N yet would
 * catch an estimator that is off by a bootstrap standard error. (The design is deterministic
 * and the bootstrap keyed, so the test itself cannot flicker.) N = 8192: 40960 evaluations. */
static void test_sobol_ishigami(void **state)
{
    (void)state;
    enum { N = 8192, K = 3, BOOT = 1000 };
    unrest_factor f[K] = {{"x1", -PI, PI, 0}, {"x2", -PI, PI, 0}, {"x3", -PI, PI, 0}};
    double *x = NULL;
    size_t rows = 0;
    char err[256];
    assert_int_equal(unrest_design_saltelli(f, K, N, &x, &rows, err, sizeof err), UNREST_OK);
    double *y = xmalloc(rows * sizeof *y);
    for (size_t r = 0; r < rows; r++)
        y[r] = ishigami(x + r * K);
    const double a = 7, b = 0.1, p4 = pow(PI, 4), p8 = pow(PI, 8);
    const double v1 = 0.5 * (1 + b * p4 / 5) * (1 + b * p4 / 5), v2 = a * a / 8,
                 v13 = 8 * b * b * p8 / 225, v = v1 + v2 + v13;
    const double s1[K] = {v1 / v, v2 / v, 0}, st[K] = {(v1 + v13) / v, v2 / v, v13 / v};
    assert_true(fabs(s1[0] - 0.3139) < 1e-4 && fabs(st[2] - 0.2437) < 1e-4);

    unrest_sobol_index out[K];
    assert_int_equal(unrest_sobol_analyze(y, N, K, BOOT, 11, out, err, sizeof err), UNREST_OK);
    for (size_t i = 0; i < K; i++) {
        print_message("Ishigami x%zu: S1 %.4f [%.4f, %.4f] (true %.4f)  ST %.4f [%.4f, %.4f] "
                      "(true %.4f)\n",
                      i + 1, out[i].s1, out[i].s1_lo, out[i].s1_hi, s1[i], out[i].st, out[i].st_lo,
                      out[i].st_hi, st[i]);
        assert_true(fabs(out[i].s1 - s1[i]) < 0.01);
        assert_true(fabs(out[i].st - st[i]) < 0.01);
        assert_true(out[i].s1_lo <= s1[i] && s1[i] <= out[i].s1_hi);
        assert_true(out[i].st_lo <= st[i] && st[i] <= out[i].st_hi);
    }
    /* the bootstrap is keyed: same seed, same intervals */
    unrest_sobol_index again[K];
    assert_int_equal(unrest_sobol_analyze(y, N, K, BOOT, 11, again, err, sizeof err), UNREST_OK);
    assert_memory_equal(out, again, sizeof out);

    /* constant outputs have no indices */
    for (size_t r = 0; r < rows; r++)
        y[r] = 3;
    assert_int_equal(unrest_sobol_analyze(y, N, K, 10, 11, out, err, sizeof err), UNREST_ERANGE);
    y[5] = NAN;
    assert_int_equal(unrest_sobol_analyze(y, N, K, 10, 11, out, err, sizeof err), UNREST_EINVAL);
    free(y);
    free(x);
}

/* ---- Morris ------------------------------------------------------------------------------- */

typedef double (*model_fn)(const double *x);

static double linear(const double *x)
{
    return 10 * x[0] + 5 * x[1] + 1 * x[2] + 0 * x[3];
}

static double interacting(const double *x)
{
    return linear(x) + 2 * x[0] * x[1];
}

static double g_function(const double *x)
{
    static const double a[6] = {0, 1, 4.5, 9, 99, 99};
    double g = 1;
    for (size_t i = 0; i < 6; i++)
        g *= (fabs(4 * x[i] - 2) + a[i]) / (1 + a[i]);
    return g;
}

static void morris_run(const unrest_factor *f, size_t k, size_t r, unsigned levels, model_fn fn,
                       unrest_morris_index *out)
{
    double *x = NULL;
    size_t rows = 0;
    char err[256];
    assert_int_equal(unrest_design_morris(f, k, r, levels, 5, &x, &rows, err, sizeof err),
                     UNREST_OK);
    assert_int_equal(rows, r * (k + 1));
    double *y = xmalloc(rows * sizeof *y);
    for (size_t i = 0; i < rows; i++)
        y[i] = fn(x + i * k);
    assert_int_equal(unrest_morris_analyze(f, k, x, y, r, out, err, sizeof err), UNREST_OK);
    free(y);
    free(x);
}

static void test_morris_design(void **state)
{
    (void)state;
    enum { K = 4, R = 30 };
    const unsigned p = 6;
    unrest_factor f[K] = {{"a", 0, 1, 0}, {"b", 2, 4, 0}, {"c", -1, 1, 0}, {"d", 0, 10, 0}};
    double *x = NULL, *x2 = NULL;
    size_t rows = 0;
    char err[256];
    assert_int_equal(unrest_design_morris(f, K, R, p, 9, &x, &rows, err, sizeof err), UNREST_OK);
    assert_int_equal(unrest_design_morris(f, K, R, p, 9, &x2, &rows, err, sizeof err), UNREST_OK);
    assert_memory_equal(x, x2, rows * K * sizeof *x);
    const double delta = p / (2.0 * (p - 1));
    for (size_t t = 0; t < R; t++) {
        unsigned char seen[K] = {0};
        for (size_t m = 0; m <= K; m++) {
            const double *row = x + (t * (K + 1) + m) * K;
            for (size_t i = 0; i < K; i++) { /* every value on the p-level grid */
                double u = (row[i] - f[i].lo) / (f[i].hi - f[i].lo) * (p - 1);
                assert_true(fabs(u - round(u)) < 1e-9 && u > -1e-9 && u < p - 1 + 1e-9);
            }
            if (m == 0) continue;
            size_t changed = 0, c = 0;
            for (size_t i = 0; i < K; i++)
                if (row[i] != row[i - K]) changed++, c = i;
            assert_int_equal(changed, 1);
            assert_false(seen[c]);
            seen[c] = 1;
            double d = fabs(row[c] - row[c - K]) / (f[c].hi - f[c].lo);
            assert_true(fabs(d - delta) < 1e-12);
        }
    }
    free(x2);
    /* not a trajectory: analysis refuses */
    double y[(K + 1) * R] = {0};
    unrest_morris_index out[K];
    memcpy(x + K, x, K * sizeof *x); /* row 1 now changes nothing */
    assert_int_equal(unrest_morris_analyze(f, K, x, y, R, out, err, sizeof err), UNREST_EINVAL);
    assert_non_null(strstr(err, "rows 0 and 1"));
    free(x);
    assert_int_equal(unrest_design_morris(f, K, R, 5, 9, &x, &rows, err, sizeof err),
                     UNREST_ERANGE); /* odd p */
}

static void test_morris_rankings(void **state)
{
    (void)state;
    unrest_factor f[6];
    for (size_t i = 0; i < 6; i++)
        f[i] = (unrest_factor){"x", 0, 1, 0};
    unrest_morris_index m[6];

    /* linear: every effect is the coefficient, exactly but for rounding */
    static const double c[4] = {10, 5, 1, 0};
    morris_run(f, 4, 20, 4, linear, m);
    for (size_t i = 0; i < 4; i++) {
        assert_true(fabs(m[i].mu - c[i]) < 1e-9);
        assert_true(fabs(m[i].mu_star - c[i]) < 1e-9);
        assert_true(m[i].sigma < 1e-9);
    }
    /* ranges scale the effects: y = 10 x1 with x1 in [2, 4] gives 20 per normalised unit */
    unrest_factor g[4] = {{"a", 2, 4, 0}, {"b", 0, 1, 0}, {"c", -3, 3, 0}, {"d", 0, 1, 0}};
    morris_run(g, 4, 10, 4, linear, m);
    assert_true(fabs(m[0].mu_star - 20) < 1e-9 && fabs(m[2].mu_star - 6) < 1e-9);

    /* interaction 2 x1 x2: ordering kept, x1 and x2 now spread, x3 and x4 do not */
    morris_run(f, 4, 40, 4, interacting, m);
    assert_true(m[0].mu_star > m[1].mu_star && m[1].mu_star > m[2].mu_star &&
                m[2].mu_star > m[3].mu_star);
    assert_true(m[0].mu_star >= 10 && m[0].mu_star <= 12);
    assert_true(m[1].mu_star >= 5 && m[1].mu_star <= 7);
    assert_true(m[0].sigma > 0.1 && m[1].sigma > 0.1);
    assert_true(m[2].sigma < 1e-9 && m[3].sigma < 1e-9 && m[3].mu_star < 1e-9);

    /* Sobol's G function, a = (0, 1, 4.5, 9, 99, 99): importance falls with a */
    morris_run(f, 6, 100, 4, g_function, m);
    print_message("G function mu*: %.4f %.4f %.4f %.4f %.4f %.4f\n", m[0].mu_star, m[1].mu_star,
                  m[2].mu_star, m[3].mu_star, m[4].mu_star, m[5].mu_star);
    for (size_t i = 0; i + 1 < 5; i++)
        assert_true(m[i].mu_star > m[i + 1].mu_star);
    assert_true(m[4].mu_star < 0.05 * m[0].mu_star && m[5].mu_star < 0.05 * m[0].mu_star);

    /* one trajectory: no spread to measure */
    morris_run(f, 4, 1, 4, interacting, m);
    assert_true(m[0].sigma == 0);
}

/* ---- intervals: known values -------------------------------------------------------------- */

static void test_intervals_known(void **state)
{
    (void)state;
    double lo, hi, d;
    /* Wilson: the worked examples of Newcombe (1998a), method 3 (score without continuity
     * correction), to the 4 decimals printed there; recomputed by hand from the formula */
    static const struct {
        size_t s, n;
        double lo, hi;
    } w[] = {{81, 263, 0.2553, 0.3662},
             {15, 148, 0.0624, 0.1605},
             {0, 20, 0.0, 0.1611},
             {1, 29, 0.0061, 0.1718}};
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        unrest_ci_proportion(w[i].s, w[i].n, 0.95, &lo, &hi);
        assert_true(fabs(lo - w[i].lo) < 5e-5 && fabs(hi - w[i].hi) < 5e-5);
    }
    unrest_ci_proportion(0, 20, 0.95, &lo, &hi);
    assert_true(lo == 0);
    unrest_ci_proportion(20, 20, 0.95, &lo, &hi);
    assert_true(hi == 1);
    unrest_ci_proportion(0, 0, 0.95, &lo, &hi);
    assert_true(lo == 0 && hi == 1);
    unrest_ci_proportion(3, 2, 0.95, &lo, &hi);
    assert_true(isnan(lo) && isnan(hi));

    /* paired t: differences 1..5, mean 3, sd sqrt(2.5), t(0.975, 4) = 2.7764451 */
    const double a[5] = {2, 4, 6, 8, 10}, b[5] = {1, 2, 3, 4, 5};
    unrest_ci_paired_mean(a, b, 5, 0.95, &d, &lo, &hi);
    double half = 2.7764451052 * sqrt(2.5) / sqrt(5);
    assert_true(fabs(d - 3) < 1e-12 && fabs(lo - (3 - half)) < 1e-8 &&
                fabs(hi - (3 + half)) < 1e-8);
    unrest_ci_paired_mean(a, b, 1, 0.95, &d, &lo, &hi);
    assert_true(d == 1 && isnan(lo) && isnan(hi));

    /* Newcombe (1998b) method 10 for pairs (both, a only, b only, neither) = (36, 12, 2, 0),
     * hand-computed from the paper's formulas: 0.2 [0.0569, 0.3404] */
    unsigned char pa[50], pb[50];
    for (size_t i = 0; i < 50; i++) {
        pa[i] = i < 48;            /* 36 both + 12 a only */
        pb[i] = i < 36 || i >= 48; /* 36 both + 2 b only */
    }
    unrest_ci_paired_proportion(pa, pb, 50, 0.95, &d, &lo, &hi);
    assert_true(fabs(d - 0.2) < 1e-12);
    assert_true(fabs(lo - 0.0569) < 5e-5 && fabs(hi - 0.3404) < 5e-5);
    /* identical indicators: difference 0 with a non-degenerate interval */
    unrest_ci_paired_proportion(pa, pa, 50, 0.95, &d, &lo, &hi);
    assert_true(d == 0 && lo < 0 && hi > 0);

    /* median and its bootstrap: 1..9, median 5; keyed by seed */
    const double x[9] = {9, 1, 8, 2, 7, 3, 6, 4, 5};
    double m, lo2, hi2, m2;
    unrest_ci_median(x, 9, 0.95, 999, 3, &m, &lo, &hi);
    assert_true(m == 5 && lo <= 5 && hi >= 5 && lo >= 1 && hi <= 9 && lo < hi);
    unrest_ci_median(x, 9, 0.95, 999, 3, &m2, &lo2, &hi2);
    assert_true(m2 == m && lo2 == lo && hi2 == hi);
    unrest_ci_median(x, 0, 0.95, 999, 3, &m, &lo, &hi);
    assert_true(isnan(m) && isnan(lo) && isnan(hi));
}

/* ---- intervals: coverage ------------------------------------------------------------------ */

/* 2000 replicate experiments with a known truth: a 95% interval's coverage is binomial, so it
 * must lie within 0.95 +- 3 sqrt(0.95 * 0.05 / 2000) = 0.95 +- 0.0146 (a 3-sigma band; an
 * interval that covers at 0.93 or 0.97 fails). */
enum { REPS = 2000 };
#define COVER_TOL (3 * sqrt(0.95 * 0.05 / REPS))

static double normal(rng *g)
{
    double u = 1 - rng_uniform(g), v = rng_uniform(g);
    return sqrt(-2 * log(u)) * cos(2 * PI * v);
}

static void check_coverage(const char *what, size_t covered)
{
    double rate = (double)covered / REPS;
    print_message("coverage of %s: %.4f (%zu/%d; allowed 0.95 +- %.4f)\n", what, rate, covered,
                  REPS, COVER_TOL);
    assert_true(fabs(rate - 0.95) <= COVER_TOL);
}

static void test_intervals_coverage(void **state)
{
    (void)state;
    enum { NP = 40, NM = 101, NB = 80, NPP = 200 };
    double a[NM], b[NM], d, lo, hi;
    size_t cov_t = 0, cov_med = 0, cov_wilson = 0, cov_newc = 0;
    unsigned char ia[NPP], ib[NPP];
    for (uint32_t rep = 0; rep < REPS; rep++) {
        rng g;
        /* paired normal outputs sharing a common-random-number component: a - b ~ N(0.5, 0.5) */
        rng_init(&g, 2024, 1, rep, 0);
        for (size_t i = 0; i < NM; i++) {
            double common = 3 * normal(&g);
            a[i] = 0.5 + common + 0.5 * normal(&g);
            b[i] = common + 0.5 * normal(&g);
        }
        unrest_ci_paired_mean(a, b, NP, 0.95, &d, &lo, &hi);
        cov_t += lo <= 0.5 && 0.5 <= hi;
        /* the differences are symmetric about 0.5, so 0.5 is also their median */
        unrest_ci_paired_median(a, b, NM, 0.95, 400, rep, &d, &lo, &hi);
        cov_med += lo <= 0.5 && 0.5 <= hi;

        /* Wilson: 80 Bernoulli(0.25) trials (exact coverage 0.9484 at this n, p) */
        rng_init(&g, 2024, 2, rep, 0);
        size_t s = 0;
        for (size_t i = 0; i < NB; i++)
            s += rng_uniform(&g) < 0.25;
        unrest_ci_proportion(s, NB, 0.95, &lo, &hi);
        cov_wilson += lo <= 0.25 && 0.25 <= hi;

        /* paired indicators driven by one uniform each (positively correlated):
         * P(a) = 0.35, P(b) = 0.25, truth 0.10 */
        rng_init(&g, 2024, 3, rep, 0);
        for (size_t i = 0; i < NPP; i++) {
            double u = rng_uniform(&g), v = rng_uniform(&g);
            double w = rng_uniform(&g) < 0.6 ? u : v; /* b shares a's uniform 60% of the time */
            ia[i] = u < 0.35;
            ib[i] = w < 0.25;
        }
        unrest_ci_paired_proportion(ia, ib, NPP, 0.95, &d, &lo, &hi);
        cov_newc += lo <= 0.10 && 0.10 <= hi;
    }
    check_coverage("paired mean t interval (n = 40)", cov_t);
    check_coverage("paired bootstrap median (n = 101, 400 resamples)", cov_med);
    check_coverage("Wilson (n = 80, p = 0.25)", cov_wilson);
    check_coverage("Newcombe paired difference (n = 200)", cov_newc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_known),      cmocka_unit_test(test_seed_collisions),
        cmocka_unit_test(test_factor_parse),    cmocka_unit_test(test_factors_load),
        cmocka_unit_test(test_factorial),       cmocka_unit_test(test_lhs),
        cmocka_unit_test(test_saltelli_layout), cmocka_unit_test(test_sobol_ishigami),
        cmocka_unit_test(test_morris_design),   cmocka_unit_test(test_morris_rankings),
        cmocka_unit_test(test_intervals_known), cmocka_unit_test(test_intervals_coverage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
