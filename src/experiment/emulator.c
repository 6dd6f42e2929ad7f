/*
 * emulator.c - Gaussian-process emulators (emulator.h). The kernel is
 * k(x,x') = s2 exp(-0.5 sum_d (x_d - x'_d)^2 / l_d^2) plus a nugget on the diagonal; the mean is
 * a linear basis whose coefficients are estimated by generalised least squares (the profile
 * likelihood), and their uncertainty is added to every prediction. Hyper-parameters
 * theta = (log l_1..d, log s2, log(nug - nug_min)) maximise log ML + log prior with GSL's BFGS
 * (vector_bfgs2) and the analytic gradient 0.5 tr((alpha alpha^T - K^-1) dK/dtheta), from
 * `restarts` keyed starts. Bounds: one fit costs O(restarts x iterations x n^3); predictions
 * O(n d + n^2). Outputs are standardised inside (mean 0, sd 1) and reported on their own scale.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_randist.h>

#include "emulator.h"
#include "exp_int.h"
#include "rng.h"

/* ---- a keyed GSL generator ------------------------------------------------------------------- */

enum { CAL_RNG_STREAM = 201 }; /* Philox stream of calibration draws (rng.h's are 1..7) */

typedef struct cal_state {
    rng r; /* Philox keyed by the 64-bit seed */
} cal_state;

static void cal_rng_set(void *vstate, unsigned long seed)
{
    rng_init(&((cal_state *)vstate)->r, (uint64_t)seed, CAL_RNG_STREAM, 0, 0);
}

static unsigned long cal_rng_get(void *vstate)
{
    return rng_u32(&((cal_state *)vstate)->r);
}

static double cal_rng_get_double(void *vstate)
{
    return rng_uniform(&((cal_state *)vstate)->r);
}

static const gsl_rng_type cal_rng_type = {"unrest-philox",   0xffffffffUL, 0,
                                          sizeof(cal_state), cal_rng_set,  cal_rng_get,
                                          cal_rng_get_double};

gsl_rng *cal_rng_new(uint64_t seed)
{
    gsl_rng *r = gsl_rng_alloc(&cal_rng_type);
    /* set the state directly: gsl_rng_set takes an unsigned long, 32 bits on some platforms */
    if (r) rng_init(&((cal_state *)r->state)->r, seed, CAL_RNG_STREAM, 0, 0);
    return r;
}

/* ---- the GP ---------------------------------------------------------------------------------- */

#define LOG_2PI 1.8378770664093453
#define JITTER 1e-8 /* added to the diagonal, times s2, for a numerically positive K */

/* Weak priors on the hyper-parameters (log scale, standardised outputs, inputs in [0,1]):
 * length scales around 0.4 of the range, signal variance around the output's variance, a
 * small nugget. They only keep the optimiser away from the degenerate edges (l -> 0 or inf,
 * nugget -> inf) that the likelihood of a few points allows. */
#define PRIOR_LOG_L -0.9163 /* log 0.4 */
#define PRIOR_SD_L 1.2
#define PRIOR_SD_S2 3.0
#define PRIOR_LOG_NUG -4.6 /* log 0.01 */
#define PRIOR_SD_NUG 3.0

struct gp {
    size_t n, d, q;        /* points, inputs, basis functions */
    double *x;             /* n x d inputs (copied) */
    double *y;             /* n standardised outputs */
    double ym, ys;         /* y = ym + ys * standardised */
    double *ell;           /* d length scales */
    double s2, nug;        /* signal and nugget variance (standardised) */
    double logml;          /* log marginal likelihood at the optimum */
    double *t;             /* d + 2 internal values of the optimum (gp_theta) */
    gsl_matrix *L;         /* n x n Cholesky factor of K (lower) */
    gsl_vector *alpha;     /* K^-1 (y - H beta) */
    gsl_vector *beta;      /* q basis coefficients */
    gsl_matrix *KiH;       /* n x q: K^-1 H */
    gsl_matrix *A;         /* q x q Cholesky factor of H^T K^-1 H */
    gsl_vector *kinv_diag; /* diagonal of K^-1 (LOO) */
};

/* Work space of one fit: everything an evaluation of the objective needs. */
typedef struct gp_work {
    const gp *g;       /* points, basis size, nug_min below */
    double nug_min;    /* smallest nugget */
    gsl_matrix *K;     /* kernel, then its Cholesky factor */
    gsl_matrix *Kse;   /* kernel without the diagonal terms */
    gsl_matrix *Kinv;  /* K^-1 (gradient) */
    gsl_matrix *H;     /* n x q basis */
    gsl_matrix *KiH;   /* K^-1 H */
    gsl_matrix *A;     /* H^T K^-1 H, then its Cholesky factor */
    gsl_vector *Kiy;   /* K^-1 y */
    gsl_vector *b;     /* H^T K^-1 y, then beta */
    gsl_vector *alpha; /* K^-1 r */
    gsl_vector *col;   /* a column */
} gp_work;

static void basis(size_t q, const double *x, double *h)
{
    h[0] = 1.0;
    for (size_t j = 1; j < q; j++)
        h[j] = x[j - 1];
}

static double sqdist_scaled(const double *a, const double *b, const double *ell, size_t d)
{
    double s = 0;
    for (size_t k = 0; k < d; k++) {
        double t = (a[k] - b[k]) / ell[k];
        s += t * t;
    }
    return s;
}

static void work_free(gp_work *w)
{
    gsl_matrix_free(w->K);
    gsl_matrix_free(w->Kse);
    gsl_matrix_free(w->Kinv);
    gsl_matrix_free(w->H);
    gsl_matrix_free(w->KiH);
    gsl_matrix_free(w->A);
    gsl_vector_free(w->Kiy);
    gsl_vector_free(w->b);
    gsl_vector_free(w->alpha);
    gsl_vector_free(w->col);
}

static int work_alloc(gp_work *w, const gp *g, double nug_min)
{
    memset(w, 0, sizeof *w);
    w->g = g;
    w->nug_min = nug_min;
    size_t n = g->n, q = g->q;
    w->K = gsl_matrix_alloc(n, n);
    w->Kse = gsl_matrix_alloc(n, n);
    w->Kinv = gsl_matrix_alloc(n, n);
    w->H = gsl_matrix_alloc(n, q);
    w->KiH = gsl_matrix_alloc(n, q);
    w->A = gsl_matrix_alloc(q, q);
    w->Kiy = gsl_vector_alloc(n);
    w->b = gsl_vector_alloc(q);
    w->alpha = gsl_vector_alloc(n);
    w->col = gsl_vector_alloc(n);
    if (!w->K || !w->Kse || !w->Kinv || !w->H || !w->KiH || !w->A || !w->Kiy || !w->b ||
        !w->alpha || !w->col) {
        work_free(w);
        return -1;
    }
    double h[64 + 1];
    for (size_t i = 0; i < n; i++) {
        basis(q, g->x + i * g->d, h);
        for (size_t j = 0; j < q; j++)
            gsl_matrix_set(w->H, i, j, h[j]);
    }
    return 0;
}

/* Unpack theta into length scales, s2 and the nugget. */
static void unpack(const gp_work *w, const gsl_vector *t, double *ell, double *s2, double *nug)
{
    size_t d = w->g->d;
    for (size_t k = 0; k < d; k++)
        ell[k] = exp(gsl_vector_get(t, k));
    *s2 = exp(gsl_vector_get(t, d));
    *nug = w->nug_min + exp(gsl_vector_get(t, d + 1));
}

static double log_prior(const gsl_vector *t, size_t d, double *grad)
{
    double lp = 0;
    for (size_t k = 0; k < d + 2; k++) {
        double mu = k < d ? PRIOR_LOG_L : k == d ? 0.0 : PRIOR_LOG_NUG;
        double sd = k < d ? PRIOR_SD_L : k == d ? PRIOR_SD_S2 : PRIOR_SD_NUG;
        double z = (gsl_vector_get(t, k) - mu) / sd;
        lp -= 0.5 * z * z;
        if (grad) grad[k] = -z / sd;
    }
    return lp;
}

/* log ML at theta, and its gradient (wrt theta) in grad when not NULL. Fills w->K (Cholesky
 * factor), KiH, A (Cholesky factor), b (= beta) and alpha. Returns -HUGE_VAL when K or
 * H^T K^-1 H is not positive definite. */
static double log_ml(gp_work *w, const gsl_vector *t, double *grad)
{
    const gp *g = w->g;
    size_t n = g->n, d = g->d, q = g->q;
    double ell[64], s2, nug;
    unpack(w, t, ell, &s2, &nug);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j <= i; j++) {
            double k = s2 * exp(-0.5 * sqdist_scaled(g->x + i * d, g->x + j * d, ell, d));
            gsl_matrix_set(w->Kse, i, j, k);
            gsl_matrix_set(w->Kse, j, i, k);
        }
    }
    gsl_matrix_memcpy(w->K, w->Kse);
    for (size_t i = 0; i < n; i++)
        *gsl_matrix_ptr(w->K, i, i) += nug + JITTER * s2;
    if (gsl_linalg_cholesky_decomp1(w->K) != GSL_SUCCESS) return -HUGE_VAL;
    gsl_vector_const_view yv = gsl_vector_const_view_array(g->y, n);
    gsl_linalg_cholesky_solve(w->K, &yv.vector, w->Kiy);
    gsl_matrix_memcpy(w->KiH, w->H);
    for (size_t j = 0; j < q; j++) {
        gsl_vector_view c = gsl_matrix_column(w->KiH, j);
        gsl_linalg_cholesky_svx(w->K, &c.vector);
    }
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, w->H, w->KiH, 0.0, w->A);
    gsl_blas_dgemv(CblasTrans, 1.0, w->H, w->Kiy, 0.0, w->b);
    if (gsl_linalg_cholesky_decomp1(w->A) != GSL_SUCCESS) return -HUGE_VAL;
    gsl_linalg_cholesky_svx(w->A, w->b); /* beta */
    /* alpha = K^-1 y - K^-1 H beta */
    gsl_vector_memcpy(w->alpha, w->Kiy);
    gsl_blas_dgemv(CblasNoTrans, -1.0, w->KiH, w->b, 1.0, w->alpha);
    double rta = 0;
    for (size_t i = 0; i < n; i++) {
        double hb = 0;
        for (size_t j = 0; j < q; j++)
            hb += gsl_matrix_get(w->H, i, j) * gsl_vector_get(w->b, j);
        rta += (g->y[i] - hb) * gsl_vector_get(w->alpha, i);
    }
    double logdet = 0;
    for (size_t i = 0; i < n; i++)
        logdet += log(gsl_matrix_get(w->K, i, i));
    double lml = -0.5 * rta - logdet - 0.5 * (double)n * LOG_2PI;
    if (!isfinite(lml)) return -HUGE_VAL;
    if (!grad) return lml;
    gsl_matrix_memcpy(w->Kinv, w->K);
    if (gsl_linalg_cholesky_invert(w->Kinv) != GSL_SUCCESS) return -HUGE_VAL;
    for (size_t k = 0; k < d + 2; k++)
        grad[k] = 0;
    for (size_t i = 0; i < n; i++) {
        const double *xi = g->x + i * d;
        double ai = gsl_vector_get(w->alpha, i);
        for (size_t j = 0; j < n; j++) {
            const double *xj = g->x + j * d;
            double wij = ai * gsl_vector_get(w->alpha, j) - gsl_matrix_get(w->Kinv, i, j);
            double kse = gsl_matrix_get(w->Kse, i, j);
            for (size_t k = 0; k < d; k++) {
                double t2 = (xi[k] - xj[k]) / ell[k];
                grad[k] += wij * kse * t2 * t2;
            }
            grad[d] += wij * (kse + (i == j ? JITTER * s2 : 0.0));
            if (i == j) grad[d + 1] += wij * (nug - w->nug_min);
        }
    }
    for (size_t k = 0; k < d + 2; k++)
        grad[k] *= 0.5;
    return lml;
}

/* The objective BFGS minimises: -(log ML + log prior). */
static double obj_f(const gsl_vector *t, void *p)
{
    gp_work *w = p;
    double v = log_ml(w, t, NULL);
    if (!isfinite(v)) return 1e300;
    return -(v + log_prior(t, w->g->d, NULL));
}

static void obj_fdf(const gsl_vector *t, void *p, double *f, gsl_vector *df)
{
    gp_work *w = p;
    size_t np = w->g->d + 2;
    double g[66], gp_[66];
    double v = log_ml(w, t, g);
    double lp = log_prior(t, w->g->d, gp_);
    if (!isfinite(v)) {
        *f = 1e300;
        gsl_vector_set_zero(df);
        return;
    }
    *f = -(v + lp);
    for (size_t k = 0; k < np; k++)
        gsl_vector_set(df, k, -(g[k] + gp_[k]));
}

static void obj_df(const gsl_vector *t, void *p, gsl_vector *df)
{
    double f;
    obj_fdf(t, p, &f, df);
}

void gp_free(gp *g)
{
    if (!g) return;
    free(g->x);
    free(g->y);
    free(g->ell);
    free(g->t);
    gsl_matrix_free(g->L);
    gsl_vector_free(g->alpha);
    gsl_vector_free(g->beta);
    gsl_matrix_free(g->KiH);
    gsl_matrix_free(g->A);
    gsl_vector_free(g->kinv_diag);
    free(g);
}

/* Minimise from t (overwritten with the best point reached); returns the objective there. */
static double minimise(gp_work *w, gsl_vector *t)
{
    size_t np = w->g->d + 2;
    gsl_multimin_function_fdf fn = {obj_f, obj_df, obj_fdf, np, w};
    gsl_multimin_fdfminimizer *m =
        gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, np);
    if (!m) return obj_f(t, w);
    double best = obj_f(t, w);
    if (best >= 1e300) {
        gsl_multimin_fdfminimizer_free(m);
        return best;
    }
    gsl_multimin_fdfminimizer_set(m, &fn, t, 0.1, 0.1);
    for (int it = 0; it < 200; it++) {
        if (gsl_multimin_fdfminimizer_iterate(m) != GSL_SUCCESS) break;
        if (gsl_multimin_test_gradient(m->gradient, 1e-4) == GSL_SUCCESS) break;
    }
    double f = gsl_multimin_fdfminimizer_minimum(m);
    if (isfinite(f) && f < best) {
        best = f;
        gsl_vector_memcpy(t, gsl_multimin_fdfminimizer_x(m));
    }
    gsl_multimin_fdfminimizer_free(m);
    return best;
}

int gp_fit(gp **out, const double *x, const double *y, size_t n, size_t d, const gp_opts *o,
           char *err, size_t errlen)
{
    *out = NULL;
    if (n < 2 || d == 0 || d > 64 || !o || o->nug_min <= 0) {
        exp_msg(err, errlen, "emulator: need at least 2 points and 1 to 64 inputs (got %zu, %zu)",
                n, d);
        return -1;
    }
    gp *g = calloc(1, sizeof *g);
    if (!g) goto nomem;
    g->n = n;
    g->d = d;
    g->q = (o->linear && n >= d + 4) ? d + 1 : 1;
    g->x = malloc(n * d * sizeof *g->x);
    g->y = malloc(n * sizeof *g->y);
    g->ell = malloc(d * sizeof *g->ell);
    g->t = malloc((d + 2) * sizeof *g->t);
    if (!g->x || !g->y || !g->ell || !g->t) goto nomem;
    memcpy(g->x, x, n * d * sizeof *x);
    double mean = 0, ss = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i])) {
            exp_msg(err, errlen, "emulator: output %zu is not finite", i);
            gp_free(g);
            return -1;
        }
        mean += y[i];
    }
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (y[i] - mean) * (y[i] - mean);
    double sd = sqrt(ss / (double)(n > 1 ? n - 1 : 1));
    g->ym = mean;
    g->ys = sd > 1e-12 ? sd : 1.0;
    for (size_t i = 0; i < n; i++)
        g->y[i] = (y[i] - mean) / g->ys;

    gp_work w;
    if (work_alloc(&w, g, o->nug_min)) goto nomem;
    size_t np = d + 2;
    gsl_vector *t = gsl_vector_alloc(np), *best = gsl_vector_alloc(np);
    gsl_rng *r = cal_rng_new(o->seed);
    if (!t || !best || !r) {
        gsl_vector_free(t);
        gsl_vector_free(best);
        gsl_rng_free(r);
        work_free(&w);
        goto nomem;
    }
    double fbest = HUGE_VAL;
    unsigned restarts = o->start ? 0 : o->restarts ? o->restarts : 1;
    if (o->start) {
        for (size_t k = 0; k < np; k++)
            gsl_vector_set(best, k, o->start[k]);
        fbest = 0; /* evaluated below */
    }
    for (unsigned s = 0; s < restarts; s++) {
        for (size_t k = 0; k < d; k++)
            gsl_vector_set(t, k, PRIOR_LOG_L + (s ? gsl_ran_gaussian(r, 0.8) : 0.0));
        gsl_vector_set(t, d, s ? gsl_ran_gaussian(r, 1.0) : 0.0);
        gsl_vector_set(t, d + 1, PRIOR_LOG_NUG + (s ? gsl_ran_gaussian(r, 2.0) : 0.0));
        double f = minimise(&w, t);
        if (f < fbest) {
            fbest = f;
            gsl_vector_memcpy(best, t);
        }
    }
    gsl_rng_free(r);
    gsl_vector_free(t);
    double lml = fbest < 1e300 ? log_ml(&w, best, NULL) : -HUGE_VAL;
    if (!isfinite(lml)) {
        gsl_vector_free(best);
        work_free(&w);
        gp_free(g);
        exp_msg(err, errlen, "emulator: no positive-definite covariance found (%zu points)", n);
        return -1;
    }
    unpack(&w, best, g->ell, &g->s2, &g->nug);
    for (size_t k = 0; k < np; k++)
        g->t[k] = gsl_vector_get(best, k);
    gsl_vector_free(best);
    g->logml = lml;
    /* keep the factors of the optimum (log_ml just filled them) */
    g->L = w.K;
    w.K = NULL;
    g->KiH = w.KiH;
    w.KiH = NULL;
    g->A = w.A;
    w.A = NULL;
    g->beta = w.b;
    w.b = NULL;
    g->alpha = w.alpha;
    w.alpha = NULL;
    g->kinv_diag = gsl_vector_alloc(n);
    gsl_matrix_memcpy(w.Kinv, g->L);
    if (!g->kinv_diag || gsl_linalg_cholesky_invert(w.Kinv) != GSL_SUCCESS) {
        work_free(&w);
        goto nomem;
    }
    for (size_t i = 0; i < n; i++)
        gsl_vector_set(g->kinv_diag, i, gsl_matrix_get(w.Kinv, i, i));
    work_free(&w);
    *out = g;
    return 0;
nomem:
    gp_free(g);
    exp_msg(err, errlen, "emulator: out of memory");
    return -1;
}

/* k(X, x) into kstar (n), and the basis at x into h (q). */
static void cross(const gp *g, const double *x, double *kstar, double *h)
{
    for (size_t i = 0; i < g->n; i++)
        kstar[i] = g->s2 * exp(-0.5 * sqdist_scaled(g->x + i * g->d, x, g->ell, g->d));
    basis(g->q, x, h);
}

double gp_mean(const gp *g, const double *x)
{
    double h[65];
    double m = 0;
    for (size_t i = 0; i < g->n; i++)
        m += g->s2 * exp(-0.5 * sqdist_scaled(g->x + i * g->d, x, g->ell, g->d)) *
             gsl_vector_get(g->alpha, i);
    basis(g->q, x, h);
    for (size_t j = 0; j < g->q; j++)
        m += h[j] * gsl_vector_get(g->beta, j);
    return g->ym + g->ys * m;
}

void gp_predict(const gp *g, const double *x, double *mean, double *var)
{
    size_t n = g->n, q = g->q;
    double h[65], u[65], local[512];
    double *kstar = n <= 512 ? local : malloc(n * sizeof *kstar);
    if (!kstar) {
        *mean = gp_mean(g, x);
        *var = g->s2 * g->ys * g->ys;
        return;
    }
    cross(g, x, kstar, h);
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m += kstar[i] * gsl_vector_get(g->alpha, i);
    for (size_t j = 0; j < q; j++)
        m += h[j] * gsl_vector_get(g->beta, j);
    /* u = h - H^T K^-1 k* = h - (K^-1 H)^T k* */
    for (size_t j = 0; j < q; j++) {
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += gsl_matrix_get(g->KiH, i, j) * kstar[i];
        u[j] = h[j] - s;
    }
    gsl_vector_view kv = gsl_vector_view_array(kstar, n);
    gsl_blas_dtrsv(CblasLower, CblasNoTrans, CblasNonUnit, g->L, &kv.vector); /* v = L^-1 k* */
    double vtv = 0;
    for (size_t i = 0; i < n; i++)
        vtv += kstar[i] * kstar[i];
    double v = g->s2 - vtv;
    /* + u^T (H^T K^-1 H)^-1 u */
    double uc[65];
    memcpy(uc, u, q * sizeof *u);
    gsl_vector_view uv = gsl_vector_view_array(uc, q);
    gsl_linalg_cholesky_svx(g->A, &uv.vector);
    for (size_t j = 0; j < q; j++)
        v += u[j] * uc[j];
    if (v < 0) v = 0;
    if (kstar != local) free(kstar);
    *mean = g->ym + g->ys * m;
    *var = v * g->ys * g->ys;
}

void gp_loo(const gp *g, double *mu, double *var)
{
    for (size_t i = 0; i < g->n; i++) {
        double kd = gsl_vector_get(g->kinv_diag, i);
        double m = g->y[i] - gsl_vector_get(g->alpha, i) / kd;
        mu[i] = g->ym + g->ys * m;
        var[i] = g->ys * g->ys / kd;
    }
}

size_t gp_dim(const gp *g)
{
    return g->d;
}

void gp_theta(const gp *g, double *t)
{
    memcpy(t, g->t, (g->d + 2) * sizeof *t);
}

void gp_hyper(const gp *g, double *ell, double *s2, double *nug, double *logml)
{
    if (ell) memcpy(ell, g->ell, g->d * sizeof *ell);
    if (s2) *s2 = g->s2 * g->ys * g->ys;
    if (nug) *nug = g->nug * g->ys * g->ys;
    if (logml) *logml = g->logml;
}
