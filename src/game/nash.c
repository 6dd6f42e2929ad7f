/*
 * nash.c - equilibria of games in normal form (include/unrest/nash.h): pure equilibria by
 * checking every profile, two-player equilibria by support enumeration (LU solves of the
 * indifference equations; in degenerate games, every extreme equilibrium), n-player equilibria by
 * minimising McKelvey's Liapunov function from keyed random starts and polishing each minimum by
 * Newton on its support's indifference equations, regret, resampling stability and backward
 * induction. Methods, sources and tolerances: docs/GAME.md, "How equilibria are computed".
 */
#include "unrest/nash.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>

#include "unrest/design.h"

#define MAX_PROFILES ((size_t)1 << 24)
#define DEDUP_TOL 1e-6   /* two equilibria are one when no probability differs by more */
#define SUPPORT_EPS 1e-6 /* a strategy is in the support when played with more */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- games ---------------------------------------------------------------------------------- */

unrest_status unrest_nash_check(const unrest_game_nf *g, char *err, size_t errlen)
{
    if (!g || !g->ns || !g->u) {
        set_err(err, errlen, "game: missing players, strategies or payoffs");
        return UNREST_EINVAL;
    }
    if (g->n < 1 || g->n > UNREST_NASH_MAX_PLAYERS) {
        set_err(err, errlen, "game: %zu players (1 to %d)", g->n, UNREST_NASH_MAX_PLAYERS);
        return UNREST_EINVAL;
    }
    size_t k = 1;
    for (size_t p = 0; p < g->n; p++) {
        if (g->ns[p] < 1) {
            set_err(err, errlen, "game: player %zu has no strategies", p);
            return UNREST_EINVAL;
        }
        if (g->ns[p] > MAX_PROFILES / k) {
            set_err(err, errlen, "game: more than %zu pure profiles", MAX_PROFILES);
            return UNREST_EINVAL;
        }
        k *= g->ns[p];
    }
    for (size_t i = 0; i < k * g->n; i++)
        if (!isfinite(g->u[i])) {
            set_err(err, errlen, "game: payoff of player %zu at profile %zu is not finite",
                    i % g->n, i / g->n);
            return UNREST_EINVAL;
        }
    return UNREST_OK;
}

size_t unrest_nash_profiles(const unrest_game_nf *g)
{
    size_t k = 1;
    for (size_t p = 0; p < g->n; p++)
        k *= g->ns[p];
    return k;
}

size_t unrest_nash_dim(const unrest_game_nf *g)
{
    size_t d = 0;
    for (size_t p = 0; p < g->n; p++)
        d += g->ns[p];
    return d;
}

size_t unrest_nash_index(const unrest_game_nf *g, const size_t *s)
{
    size_t k = 0;
    for (size_t p = 0; p < g->n; p++)
        k = k * g->ns[p] + s[p];
    return k;
}

void unrest_nash_decode(const unrest_game_nf *g, size_t k, size_t *s)
{
    for (size_t p = g->n; p-- > 0;) {
        s[p] = k % g->ns[p];
        k /= g->ns[p];
    }
}

/* off[p] = ns[0] + .. + ns[p-1] */
static void offsets(const unrest_game_nf *g, size_t *off)
{
    off[0] = 0;
    for (size_t p = 0; p < g->n; p++)
        off[p + 1] = off[p] + g->ns[p];
}

/* next pure profile in index order (the last player fastest) */
static void advance(const unrest_game_nf *g, size_t *s)
{
    for (size_t p = g->n; p-- > 0;) {
        if (++s[p] < g->ns[p]) return;
        s[p] = 0;
    }
}

/* Largest minus smallest payoff (1 when all are equal): the scale of default tolerances. */
static double payoff_range(const unrest_game_nf *g)
{
    size_t m = unrest_nash_profiles(g) * g->n;
    double lo = g->u[0], hi = g->u[0];
    for (size_t i = 1; i < m; i++) {
        if (g->u[i] < lo) lo = g->u[i];
        if (g->u[i] > hi) hi = g->u[i];
    }
    return hi > lo ? hi - lo : 1.0;
}

static double default_tol(const unrest_game_nf *g, const unrest_nash_opts *o)
{
    return o && o->tol > 0 ? o->tol : 1e-9 * payoff_range(g);
}

/* ---- values of mixed profiles --------------------------------------------------------------- */

void unrest_nash_weights(const unrest_game_nf *g, const double *x, double *w)
{
    size_t off[UNREST_NASH_MAX_PLAYERS + 1], s[UNREST_NASH_MAX_PLAYERS] = {0};
    offsets(g, off);
    size_t K = unrest_nash_profiles(g);
    for (size_t k = 0; k < K; k++, advance(g, s)) {
        double v = 1.0;
        for (size_t p = 0; p < g->n; p++)
            v *= x[off[p] + s[p]];
        w[k] = v;
    }
}

/* G[off[p] + t] = u_p(t, x_-p): each player's payoff from each pure strategy against x. */
static void dev_payoffs(const unrest_game_nf *g, const double *x, double *G)
{
    size_t off[UNREST_NASH_MAX_PLAYERS + 1], s[UNREST_NASH_MAX_PLAYERS] = {0};
    offsets(g, off);
    memset(G, 0, off[g->n] * sizeof *G);
    size_t K = unrest_nash_profiles(g), n = g->n;
    for (size_t k = 0; k < K; k++, advance(g, s))
        for (size_t p = 0; p < n; p++) {
            double w = 1.0;
            for (size_t q = 0; q < n && w != 0.0; q++)
                if (q != p) w *= x[off[q] + s[q]];
            G[off[p] + s[p]] += w * g->u[k * n + p];
        }
}

void unrest_nash_payoffs(const unrest_game_nf *g, const double *x, double *v)
{
    size_t off[UNREST_NASH_MAX_PLAYERS + 1];
    offsets(g, off);
    double *G = malloc(off[g->n] * sizeof *G);
    if (!G) { /* out of memory: no values */
        for (size_t p = 0; p < g->n; p++)
            v[p] = NAN;
        return;
    }
    dev_payoffs(g, x, G);
    for (size_t p = 0; p < g->n; p++) {
        v[p] = 0.0;
        for (size_t t = 0; t < g->ns[p]; t++)
            v[p] += x[off[p] + t] * G[off[p] + t];
    }
    free(G);
}

double unrest_nash_regret(const unrest_game_nf *g, const double *x, double *regret)
{
    size_t off[UNREST_NASH_MAX_PLAYERS + 1];
    offsets(g, off);
    double *G = malloc(off[g->n] * sizeof *G);
    if (!G) return INFINITY;
    dev_payoffs(g, x, G);
    double worst = 0.0;
    for (size_t p = 0; p < g->n; p++) {
        double v = 0.0, best = -INFINITY;
        for (size_t t = 0; t < g->ns[p]; t++) {
            v += x[off[p] + t] * G[off[p] + t];
            if (G[off[p] + t] > best) best = G[off[p] + t];
        }
        double r = best - v > 0.0 ? best - v : 0.0;
        if (regret) regret[p] = r;
        if (r > worst) worst = r;
    }
    free(G);
    return worst;
}

double unrest_nash_pure_regret(const unrest_game_nf *g, size_t k, double *regret)
{
    size_t n = g->n, stride = 1, s[UNREST_NASH_MAX_PLAYERS];
    unrest_nash_decode(g, k, s);
    double worst = 0.0;
    for (size_t p = n; p-- > 0;) {
        double mine = g->u[k * n + p], best = mine;
        size_t base = k - s[p] * stride;
        for (size_t t = 0; t < g->ns[p]; t++)
            best = fmax(best, g->u[(base + t * stride) * n + p]);
        if (regret) regret[p] = best - mine;
        worst = fmax(worst, best - mine);
        stride *= g->ns[p];
    }
    return worst;
}

double unrest_nash_swing(const unrest_game_nf *g, const double *x, const double *f, double *lo,
                         double *hi)
{
    /* E[f | p plays t, others x] is dev_payoffs of a game where every player's payoff is f */
    size_t off[UNREST_NASH_MAX_PLAYERS + 1], s[UNREST_NASH_MAX_PLAYERS] = {0};
    offsets(g, off);
    size_t K = unrest_nash_profiles(g), n = g->n;
    double *F = calloc(off[n], sizeof *F);
    double mean = 0.0;
    for (size_t k = 0; k < K; k++, advance(g, s)) {
        double all = 1.0;
        for (size_t q = 0; q < n; q++)
            all *= x[off[q] + s[q]];
        mean += all * f[k];
        if (!F) continue;
        for (size_t p = 0; p < n; p++) {
            double w = 1.0;
            for (size_t q = 0; q < n && w != 0.0; q++)
                if (q != p) w *= x[off[q] + s[q]];
            F[off[p] + s[p]] += w * f[k];
        }
    }
    for (size_t p = 0; p < n; p++) {
        double a = INFINITY, b = -INFINITY;
        for (size_t t = 0; t < g->ns[p] && F; t++) {
            if (F[off[p] + t] < a) a = F[off[p] + t];
            if (F[off[p] + t] > b) b = F[off[p] + t];
        }
        if (lo) lo[p] = F ? a : NAN;
        if (hi) hi[p] = F ? b : NAN;
    }
    free(F);
    return mean;
}

/* ---- sets of equilibria --------------------------------------------------------------------- */

void unrest_nash_set_free(unrest_nash_set *s)
{
    if (!s) return;
    free(s->x);
    free(s->payoff);
    free(s->regret);
    free(s->pure);
    free(s->hits);
    memset(s, 0, sizeof *s);
}

/* A set under construction (cap entries allocated). */
typedef struct builder {
    unrest_nash_set s;
    size_t cap;
} builder;

static void builder_init(builder *b, const unrest_game_nf *g)
{
    memset(b, 0, sizeof *b);
    b->s.n = g->n;
    b->s.dim = unrest_nash_dim(g);
}

/* Same support (SUPPORT_EPS) and no probability further apart than tol. */
static int same_eq(const double *a, const double *b, size_t dim, double tol)
{
    for (size_t i = 0; i < dim; i++) {
        if ((a[i] > SUPPORT_EPS) != (b[i] > SUPPORT_EPS)) return 0;
        if (fabs(a[i] - b[i]) > tol) return 0;
    }
    return 1;
}

static long builder_find(const builder *b, const double *x, double tol)
{
    for (size_t e = 0; e < b->s.count; e++)
        if (same_eq(b->s.x + e * b->s.dim, x, b->s.dim, tol)) return (long)e;
    return -1;
}

/* Add x (hits += add) unless an equal one (tol) is there, whose hits then grow. Returns the
 * entry, or -1 when memory ran out. */
static long builder_add(builder *b, const unrest_game_nf *g, const double *x, size_t add,
                        double tol)
{
    long f = builder_find(b, x, tol);
    if (f >= 0) {
        b->s.hits[f] += add;
        return f;
    }
    unrest_nash_set *s = &b->s;
    if (s->count == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 8;
        double *nx = realloc(s->x, cap * s->dim * sizeof *nx);
        if (nx) s->x = nx;
        double *np = realloc(s->payoff, cap * s->n * sizeof *np);
        if (np) s->payoff = np;
        double *nr = realloc(s->regret, cap * sizeof *nr);
        if (nr) s->regret = nr;
        unsigned char *nu = realloc(s->pure, cap);
        if (nu) s->pure = nu;
        size_t *nh = realloc(s->hits, cap * sizeof *nh);
        if (nh) s->hits = nh;
        if (!nx || !np || !nr || !nu || !nh) return -1;
        b->cap = cap;
    }
    size_t e = s->count++;
    memcpy(s->x + e * s->dim, x, s->dim * sizeof *x);
    unrest_nash_payoffs(g, x, s->payoff + e * s->n);
    s->regret[e] = unrest_nash_regret(g, x, NULL);
    size_t in = 0;
    for (size_t i = 0; i < s->dim; i++)
        in += x[i] > SUPPORT_EPS;
    s->pure[e] = in == s->n;
    s->hits[e] = add;
    return (long)e;
}

static int eq_before(const unrest_nash_set *s, size_t a, size_t b)
{
    if (s->pure[a] != s->pure[b]) return s->pure[a] > s->pure[b];
    for (size_t i = 0; i < s->dim; i++) {
        double xa = s->x[a * s->dim + i], xb = s->x[b * s->dim + i];
        if (xa != xb) return xa > xb;
    }
    return 0;
}

/* Sort pure first, then by x (greatest first: the first strategies most played first). */
static unrest_status builder_finish(builder *b, unrest_nash_set *out)
{
    unrest_nash_set *s = &b->s;
    size_t c = s->count;
    unrest_nash_set t = *s;
    size_t *ord = malloc((c ? c : 1) * sizeof *ord);
    t.x = malloc((c ? c : 1) * s->dim * sizeof *t.x);
    t.payoff = malloc((c ? c : 1) * s->n * sizeof *t.payoff);
    t.regret = malloc((c ? c : 1) * sizeof *t.regret);
    t.pure = malloc(c ? c : 1);
    t.hits = malloc((c ? c : 1) * sizeof *t.hits);
    if (!ord || !t.x || !t.payoff || !t.regret || !t.pure || !t.hits) {
        free(ord);
        unrest_nash_set_free(&t);
        unrest_nash_set_free(s);
        return UNREST_ENOMEM;
    }
    for (size_t i = 0; i < c; i++) { /* insertion sort: sets are small */
        size_t j = i;
        while (j > 0 && eq_before(s, i, ord[j - 1])) {
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = i;
    }
    for (size_t i = 0; i < c; i++) {
        size_t e = ord[i];
        memcpy(t.x + i * s->dim, s->x + e * s->dim, s->dim * sizeof *t.x);
        memcpy(t.payoff + i * s->n, s->payoff + e * s->n, s->n * sizeof *t.payoff);
        t.regret[i] = s->regret[e];
        t.pure[i] = s->pure[e];
        t.hits[i] = s->hits[e];
    }
    free(ord);
    unrest_nash_set_free(s);
    *out = t;
    return UNREST_OK;
}

/* ---- pure equilibria ------------------------------------------------------------------------ */

/* Is profile k (strategies s) a pure equilibrium within tol? */
static int pure_eq(const unrest_game_nf *g, size_t k, const size_t *s, double tol)
{
    size_t n = g->n, stride = 1;
    for (size_t p = n; p-- > 0;) {
        double mine = g->u[k * n + p];
        size_t base = k - s[p] * stride;
        for (size_t t = 0; t < g->ns[p]; t++)
            if (g->u[(base + t * stride) * n + p] > mine + tol) return 0;
        stride *= g->ns[p];
    }
    return 1;
}

/* Add the pure equilibria of g to b (hits += add). */
static unrest_status add_pure(builder *b, const unrest_game_nf *g, double tol, size_t add)
{
    size_t off[UNREST_NASH_MAX_PLAYERS + 1], s[UNREST_NASH_MAX_PLAYERS] = {0};
    offsets(g, off);
    double *x = calloc(off[g->n], sizeof *x);
    if (!x) return UNREST_ENOMEM;
    size_t K = unrest_nash_profiles(g);
    for (size_t k = 0; k < K; k++, advance(g, s)) {
        if (!pure_eq(g, k, s, tol)) continue;
        memset(x, 0, off[g->n] * sizeof *x);
        for (size_t p = 0; p < g->n; p++)
            x[off[p] + s[p]] = 1.0;
        if (builder_add(b, g, x, add, DEDUP_TOL) < 0) {
            free(x);
            return UNREST_ENOMEM;
        }
    }
    free(x);
    return UNREST_OK;
}

unrest_status unrest_nash_pure(const unrest_game_nf *g, const unrest_nash_opts *o,
                               unrest_nash_set *out, char *err, size_t errlen)
{
    unrest_status st = unrest_nash_check(g, err, errlen);
    if (st != UNREST_OK) return st;
    builder b;
    builder_init(&b, g);
    st = add_pure(&b, g, default_tol(g, o), 1);
    if (st == UNREST_OK) st = builder_finish(&b, out);
    if (st != UNREST_OK) {
        unrest_nash_set_free(&b.s);
        set_err(err, errlen, "nash: out of memory");
    }
    return st;
}

/* ---- two players: support enumeration ------------------------------------------------------- */

/* Solve the (k+1) x (k+1) system M z = e_{k} (the last equation: probabilities sum to 1),
 * where rows 0..k-1 say "the opponent is indifferent among its support": M[r][c] = P[r][c]
 * for c < k, M[r][k] = -1, and the last row is (1 .. 1, 0). z[0..k) are the probabilities,
 * z[k] the opponent's value. Returns 0 when the system is singular (relative pivot < 1e-12). */
static int solve_indiff(gsl_matrix *M, gsl_permutation *perm, gsl_vector *rhs, gsl_vector *z,
                        size_t k)
{
    double norm = 0.0;
    for (size_t r = 0; r <= k; r++)
        for (size_t c = 0; c <= k; c++)
            norm = fmax(norm, fabs(gsl_matrix_get(M, r, c)));
    int sign;
    if (gsl_linalg_LU_decomp(M, perm, &sign) != GSL_SUCCESS) return 0;
    for (size_t r = 0; r <= k; r++)
        if (fabs(gsl_matrix_get(M, r, r)) <= 1e-12 * norm) return 0;
    gsl_vector_set_zero(rhs);
    gsl_vector_set(rhs, k, 1.0);
    return gsl_linalg_LU_solve(M, perm, rhs, z) == GSL_SUCCESS;
}

/* next k-subset of [0, n) in lexicographic order; 0 after the last */
static int next_subset(size_t *c, size_t k, size_t n)
{
    for (size_t i = k; i-- > 0;)
        if (c[i] < n - k + i) {
            c[i]++;
            for (size_t j = i + 1; j < k; j++)
                c[j] = c[j - 1] + 1;
            return 1;
        }
    return 0;
}

/* The payoff of player 1 - who when player who plays a and the other plays b. */
static double opp_pay(const unrest_game_nf *g, int who, size_t a, size_t b)
{
    const size_t nc = g->ns[1];
    return who == 0 ? g->u[(a * nc + b) * 2 + 1] : g->u[(b * nc + a) * 2];
}

/* A growing list of mixed strategies of one player (len doubles each), deduplicated, with the
 * other player's loss from each of its strategies against them (olen doubles each: the best
 * reply's payoff minus the strategy's), so that a pair's regret is two dot products. */
typedef struct mixlist {
    size_t len, olen, count, cap;
    double *x, *loss;
} mixlist;

static int mixlist_add(mixlist *l, const double *x, const double *loss)
{
    for (size_t e = 0; e < l->count; e++) {
        size_t i = 0;
        while (i < l->len && fabs(l->x[e * l->len + i] - x[i]) <= 1e-9)
            i++;
        if (i == l->len) return 1;
    }
    if (l->count == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        double *nx = realloc(l->x, cap * l->len * sizeof *nx);
        if (nx) l->x = nx;
        double *nl = realloc(l->loss, cap * l->olen * sizeof *nl);
        if (nl) l->loss = nl;
        if (!nx || !nl) return 0;
        l->cap = cap;
    }
    memcpy(l->x + l->count * l->len, x, l->len * sizeof *x);
    memcpy(l->loss + l->count * l->olen, loss, l->olen * sizeof *loss);
    l->count++;
    return 1;
}

/* The vertices of player who's best-response polytope, as mixed strategies: for every set I of
 * its strategies and set K of the other's, |I| = |K| = k, the mix on I that makes the other
 * player indifferent across K (a (k+1) x (k+1) LU solve: probabilities and the other's value),
 * kept when it is >= 0 and no strategy of the other does better than those in K (tol). In a
 * nondegenerate game these are exactly the mixes that support enumeration tries; in a
 * degenerate one they also include mixes whose support is smaller than the set of the other's
 * best replies, which is what makes every extreme equilibrium appear. */
static int br_vertices(const unrest_game_nf *g, int who, double tol, mixlist *out)
{
    const size_t mo = g->ns[who], mp = g->ns[1 - who], kmax = mo < mp ? mo : mp;
    gsl_matrix *M = gsl_matrix_alloc(kmax + 1, kmax + 1);
    gsl_permutation *perm = gsl_permutation_alloc(kmax + 1);
    gsl_vector *rhs = gsl_vector_alloc(kmax + 1), *z = gsl_vector_alloc(kmax + 1);
    size_t *I = malloc(kmax * sizeof *I), *K = malloc(kmax * sizeof *K);
    double *x = malloc(mo * sizeof *x), *pay = malloc(mp * sizeof *pay);
    int ok = M && perm && rhs && z && I && K && x && pay;
    out->len = mo;
    out->olen = mp;
    for (size_t k = 1; k <= kmax && ok; k++) {
        gsl_matrix_view Mk = gsl_matrix_submatrix(M, 0, 0, k + 1, k + 1);
        gsl_permutation pk = {k + 1, perm->data};
        gsl_vector_view rk = gsl_vector_subvector(rhs, 0, k + 1);
        gsl_vector_view zk = gsl_vector_subvector(z, 0, k + 1);
        for (size_t i = 0; i < k; i++)
            I[i] = i;
        do {
            for (size_t i = 0; i < k; i++)
                K[i] = i;
            do {
                /* sum_c x_{I_c} pay(I_c, K_r) - w = 0 for each r; sum_c x_{I_c} = 1 */
                for (size_t r = 0; r < k; r++) {
                    for (size_t c = 0; c < k; c++)
                        gsl_matrix_set(&Mk.matrix, r, c, opp_pay(g, who, I[c], K[r]));
                    gsl_matrix_set(&Mk.matrix, r, k, -1.0);
                }
                for (size_t c = 0; c < k; c++)
                    gsl_matrix_set(&Mk.matrix, k, c, 1.0);
                gsl_matrix_set(&Mk.matrix, k, k, 0.0);
                if (!solve_indiff(&Mk.matrix, &pk, &rk.vector, &zk.vector, k)) continue;
                memset(x, 0, mo * sizeof *x);
                int fine = 1;
                double sum = 0.0;
                for (size_t c = 0; c < k; c++) {
                    double v = gsl_vector_get(&zk.vector, c);
                    if (v < -1e-12) fine = 0;
                    x[I[c]] = v > 0.0 ? v : 0.0;
                    sum += x[I[c]];
                }
                if (!fine) continue;
                for (size_t i = 0; i < mo; i++)
                    x[i] /= sum;
                /* the strategies in K must be best replies to x */
                double low = INFINITY, best = -INFINITY;
                for (size_t b = 0; b < mp; b++) {
                    pay[b] = 0.0;
                    for (size_t a = 0; a < mo; a++)
                        pay[b] += x[a] * opp_pay(g, who, a, b);
                    best = fmax(best, pay[b]);
                }
                for (size_t r = 0; r < k; r++)
                    low = fmin(low, pay[K[r]]);
                if (best > low + tol) continue;
                for (size_t b = 0; b < mp; b++)
                    pay[b] = best - pay[b];
                ok = mixlist_add(out, x, pay);
            } while (ok && next_subset(K, k, mp));
        } while (ok && next_subset(I, k, mo));
    }
    gsl_matrix_free(M);
    gsl_permutation_free(perm);
    gsl_vector_free(rhs);
    gsl_vector_free(z);
    free(I);
    free(K);
    free(x);
    free(pay);
    return ok;
}

unrest_status unrest_nash_mixed2(const unrest_game_nf *g, const unrest_nash_opts *o,
                                 unrest_nash_set *out, char *err, size_t errlen)
{
    unrest_status st = unrest_nash_check(g, err, errlen);
    if (st != UNREST_OK) return st;
    if (g->n != 2) {
        set_err(err, errlen, "nash: support enumeration needs two players, not %zu", g->n);
        return UNREST_EINVAL;
    }
    const size_t m = g->ns[0], nc = g->ns[1];
    const double tol = default_tol(g, o);
    builder b;
    builder_init(&b, g);
    mixlist X = {0}, Y = {0};
    double *x = malloc((m + nc) * sizeof *x);
    st = UNREST_OK;
    if (!x || !br_vertices(g, 0, tol, &X) || !br_vertices(g, 1, tol, &Y)) st = UNREST_ENOMEM;
    /* equilibria: the pairs of vertices that are best replies to each other. The row player's
     * regret at (x, y) is x . loss_y and the column player's y . loss_x: a cheap screen before
     * the full check */
    for (size_t i = 0; i < X.count && st == UNREST_OK; i++)
        for (size_t j = 0; j < Y.count && st == UNREST_OK; j++) {
            double rr = 0.0, rc = 0.0;
            for (size_t a = 0; a < m; a++)
                rr += X.x[i * m + a] * Y.loss[j * m + a];
            for (size_t c = 0; c < nc; c++)
                rc += Y.x[j * nc + c] * X.loss[i * nc + c];
            if (rr > 2 * tol || rc > 2 * tol) continue;
            memcpy(x, X.x + i * m, m * sizeof *x);
            memcpy(x + m, Y.x + j * nc, nc * sizeof *x);
            if (unrest_nash_regret(g, x, NULL) > tol) continue;
            if (builder_add(&b, g, x, 1, 1e-9) < 0) st = UNREST_ENOMEM;
        }
    free(X.x);
    free(Y.x);
    free(X.loss);
    free(Y.loss);
    free(x);
    if (st == UNREST_OK) st = builder_finish(&b, out);
    if (st != UNREST_OK) {
        unrest_nash_set_free(&b.s);
        set_err(err, errlen, "nash: out of memory");
    }
    return st;
}

/* ---- n players: Liapunov function, many starts ---------------------------------------------- */

/* Work space of one n-player solve. Payoffs are rescaled per player to [0, 1] (an affine map
 * that keeps every equilibrium) so that the Liapunov terms of all players weigh alike. */
typedef struct liap {
    unrest_game_nf g; /* the rescaled game */
    size_t off[UNREST_NASH_MAX_PLAYERS + 1];
    size_t dim, K;
    double *G;  /* dim: u_p(t, x_-p) */
    double *H;  /* dim x dim: H[(off_p+s)*dim + off_q+t] = u_p(s, t, x_-pq), q != p */
    double *gv; /* dim: scratch for the gradient */
} liap;

/* G and H at x, in one pass over the profiles. */
static void liap_tensors(liap *L, const double *x)
{
    const unrest_game_nf *g = &L->g;
    size_t n = g->n, dim = L->dim, s[UNREST_NASH_MAX_PLAYERS] = {0};
    memset(L->G, 0, dim * sizeof *L->G);
    memset(L->H, 0, dim * dim * sizeof *L->H);
    for (size_t k = 0; k < L->K; k++, advance(g, s))
        for (size_t p = 0; p < n; p++) {
            double up = g->u[k * n + p];
            size_t row = (L->off[p] + s[p]) * dim;
            double w = 1.0;
            for (size_t q = 0; q < n; q++)
                if (q != p) w *= x[L->off[q] + s[q]];
            L->G[L->off[p] + s[p]] += w * up;
            for (size_t q = 0; q < n; q++) {
                if (q == p) continue;
                double w2 = 1.0;
                for (size_t r = 0; r < n; r++)
                    if (r != p && r != q) w2 *= x[L->off[r] + s[r]];
                L->H[row + L->off[q] + s[q]] += w2 * up;
            }
        }
}

/* V(x) = sum_p sum_s max(0, G_ps - pi_p)^2 + sum min(0, x_ps)^2 + sum_p (1 - sum_s x_ps)^2,
 * pi_p = sum_s x_ps G_ps (McKelvey 1998), and its gradient when grad is not NULL. */
static double liap_value(liap *L, const double *x, double *grad)
{
    const unrest_game_nf *g = &L->g;
    size_t n = g->n, dim = L->dim;
    liap_tensors(L, x);
    double V = 0.0;
    if (grad) memset(grad, 0, dim * sizeof *grad);
    for (size_t p = 0; p < n; p++) {
        size_t a = L->off[p], e = L->off[p + 1];
        double pi = 0.0, sum = 0.0;
        for (size_t i = a; i < e; i++) {
            pi += x[i] * L->G[i];
            sum += x[i];
        }
        /* dpi_p/dx_j: G_pj for j of p, sum_s x_ps H[ps][j] otherwise */
        if (grad) {
            for (size_t j = 0; j < dim; j++) {
                double d = 0.0;
                if (j >= a && j < e) {
                    d = L->G[j];
                } else {
                    for (size_t i = a; i < e; i++)
                        d += x[i] * L->H[i * dim + j];
                }
                L->gv[j] = d;
            }
        }
        for (size_t i = a; i < e; i++) {
            double r = L->G[i] - pi;
            if (r > 0.0) {
                V += r * r;
                if (grad)
                    for (size_t j = 0; j < dim; j++) {
                        double dG = (j >= a && j < e) ? 0.0 : L->H[i * dim + j];
                        grad[j] += 2.0 * r * (dG - L->gv[j]);
                    }
            }
            if (x[i] < 0.0) {
                V += x[i] * x[i];
                if (grad) grad[i] += 2.0 * x[i];
            }
        }
        V += (1.0 - sum) * (1.0 - sum);
        if (grad)
            for (size_t i = a; i < e; i++)
                grad[i] += -2.0 * (1.0 - sum);
    }
    return V;
}

static double liap_f(const gsl_vector *v, void *params)
{
    return liap_value(params, v->data, NULL);
}

static void liap_df(const gsl_vector *v, void *params, gsl_vector *df)
{
    liap_value(params, v->data, df->data);
}

static void liap_fdf(const gsl_vector *v, void *params, double *f, gsl_vector *df)
{
    *f = liap_value(params, v->data, df->data);
}

/* Project x onto the product of simplices by clipping and renormalising. */
static void clip_normalise(const liap *L, double *x)
{
    for (size_t p = 0; p < L->g.n; p++) {
        double sum = 0.0;
        for (size_t i = L->off[p]; i < L->off[p + 1]; i++) {
            if (x[i] < 0.0) x[i] = 0.0;
            sum += x[i];
        }
        size_t m = L->off[p + 1] - L->off[p];
        for (size_t i = L->off[p]; i < L->off[p + 1]; i++)
            x[i] = sum > 0.0 ? x[i] / sum : 1.0 / (double)m;
    }
}

/* Newton on the support's indifference equations: for each player p and s in its support
 * S_p, u_p(s, x_-p) = v_p, and sum_{s in S_p} x_ps = 1 (x_ps = 0 off the support). Unknowns:
 * x on the supports and v. Returns 1 and overwrites x when it converged (|F| <= 1e-13). */
static int newton_polish(liap *L, double *x, double thr)
{
    size_t n = L->g.n, dim = L->dim, idx[256], m = 0;
    for (size_t i = 0; i < dim; i++)
        if (x[i] > thr) {
            if (m == 256 - UNREST_NASH_MAX_PLAYERS) return 0;
            idx[m++] = i;
        }
    size_t N = m + n;
    double *z = malloc(dim * sizeof *z);
    gsl_matrix *Jm = gsl_matrix_alloc(N, N);
    gsl_vector *F = gsl_vector_alloc(N), *dz = gsl_vector_alloc(N);
    gsl_permutation *perm = gsl_permutation_alloc(N);
    int ok = 0;
    if (!z || !Jm || !F || !dz || !perm) goto done;
    for (size_t i = 0; i < dim; i++)
        z[i] = 0.0;
    for (size_t c = 0; c < m; c++)
        z[idx[c]] = x[idx[c]];
    clip_normalise(L, z);
    for (size_t i = 0; i < dim; i++)
        if (x[i] <= thr) z[i] = 0.0;
    double v[UNREST_NASH_MAX_PLAYERS];
    liap_tensors(L, z);
    for (size_t p = 0; p < n; p++) {
        v[p] = 0.0;
        for (size_t i = L->off[p]; i < L->off[p + 1]; i++)
            v[p] += z[i] * L->G[i];
    }
    for (int it = 0; it < 50; it++) {
        /* owner[c]: the player of unknown c */
        double fmax = 0.0;
        gsl_matrix_set_zero(Jm);
        for (size_t r = 0; r < m; r++) {
            size_t i = idx[r], p = 0;
            while (i >= L->off[p + 1])
                p++;
            double f = L->G[i] - v[p];
            gsl_vector_set(F, r, f);
            fmax = fmax > fabs(f) ? fmax : fabs(f);
            for (size_t c = 0; c < m; c++) {
                size_t j = idx[c];
                int same = j >= L->off[p] && j < L->off[p + 1];
                gsl_matrix_set(Jm, r, c, same ? 0.0 : L->H[i * dim + j]);
            }
            gsl_matrix_set(Jm, r, m + p, -1.0);
        }
        for (size_t p = 0; p < n; p++) {
            double sum = 0.0;
            for (size_t c = 0; c < m; c++)
                if (idx[c] >= L->off[p] && idx[c] < L->off[p + 1]) {
                    sum += z[idx[c]];
                    gsl_matrix_set(Jm, m + p, c, 1.0);
                }
            gsl_vector_set(F, m + p, sum - 1.0);
            fmax = fmax > fabs(sum - 1.0) ? fmax : fabs(sum - 1.0);
        }
        if (fmax <= 1e-13) {
            ok = 1;
            break;
        }
        int sign;
        if (gsl_linalg_LU_decomp(Jm, perm, &sign) != GSL_SUCCESS) break;
        int singular = 0;
        for (size_t r = 0; r < N; r++)
            if (fabs(gsl_matrix_get(Jm, r, r)) < 1e-12) singular = 1;
        if (singular || gsl_linalg_LU_solve(Jm, perm, F, dz) != GSL_SUCCESS) break;
        for (size_t c = 0; c < m; c++)
            z[idx[c]] -= gsl_vector_get(dz, c);
        for (size_t p = 0; p < n; p++)
            v[p] -= gsl_vector_get(dz, m + p);
        liap_tensors(L, z);
    }
    if (ok) {
        for (size_t i = 0; i < dim; i++)
            if (z[i] < -1e-9) ok = 0; /* left the simplex: not an equilibrium of this support */
        if (ok) {
            clip_normalise(L, z);
            memcpy(x, z, dim * sizeof *x);
        }
    }
done:
    free(z);
    gsl_matrix_free(Jm);
    gsl_vector_free(F);
    gsl_vector_free(dz);
    gsl_permutation_free(perm);
    return ok;
}

/* SplitMix64 step: the starts' random numbers, keyed by (seed, start). */
static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

unrest_status unrest_nash_mixedn(const unrest_game_nf *g, const unrest_nash_opts *o,
                                 unrest_nash_set *out, char *err, size_t errlen)
{
    unrest_status st = unrest_nash_check(g, err, errlen);
    if (st != UNREST_OK) return st;
    const double tol = default_tol(g, o);
    const size_t starts = o && o->starts ? o->starts : 200;
    const size_t max_iter = o && o->max_iter ? o->max_iter : 500;
    const uint64_t seed = o ? o->seed : 0;
    liap L;
    memset(&L, 0, sizeof L);
    L.g.n = g->n;
    L.g.ns = g->ns;
    offsets(g, L.off);
    L.dim = L.off[g->n];
    L.K = unrest_nash_profiles(g);
    double *u = malloc(L.K * g->n * sizeof *u);
    L.G = malloc(L.dim * sizeof *L.G);
    L.H = malloc(L.dim * L.dim * sizeof *L.H);
    L.gv = malloc(L.dim * sizeof *L.gv);
    double *x = malloc(L.dim * sizeof *x), *y = malloc(L.dim * sizeof *y);
    builder b;
    builder_init(&b, g);
    gsl_multimin_fdfminimizer *mz =
        gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, L.dim);
    gsl_vector *x0 = gsl_vector_alloc(L.dim);
    if (!u || !L.G || !L.H || !L.gv || !x || !y || !mz || !x0) {
        st = UNREST_ENOMEM;
        goto done;
    }
    for (size_t p = 0; p < g->n; p++) { /* rescale each player's payoffs to [0, 1] */
        double lo = INFINITY, hi = -INFINITY;
        for (size_t k = 0; k < L.K; k++) {
            lo = fmin(lo, g->u[k * g->n + p]);
            hi = fmax(hi, g->u[k * g->n + p]);
        }
        for (size_t k = 0; k < L.K; k++)
            u[k * g->n + p] = hi > lo ? (g->u[k * g->n + p] - lo) / (hi - lo) : 0.0;
    }
    L.g.u = u;
    st = add_pure(&b, g, tol, 0);
    gsl_multimin_function_fdf fn = {liap_f, liap_df, liap_fdf, L.dim, &L};
    for (size_t r = 0; r < starts && st == UNREST_OK; r++) {
        uint64_t key = unrest_seed_derive(seed, r);
        for (size_t i = 0; i < L.dim; i++) { /* uniform on each simplex: normalised Exp(1) */
            double uu = ((double)(splitmix(&key) >> 11) + 0.5) * 0x1.0p-53;
            x[i] = -log(uu);
        }
        clip_normalise(&L, x);
        memcpy(x0->data, x, L.dim * sizeof *x);
        gsl_multimin_fdfminimizer_set(mz, &fn, x0, 0.01, 0.1);
        for (size_t it = 0; it < max_iter; it++) {
            int s = gsl_multimin_fdfminimizer_iterate(mz);
            if (s != GSL_SUCCESS) break;
            if (mz->f < 1e-20 || gsl_multimin_test_gradient(mz->gradient, 1e-10) == GSL_SUCCESS)
                break;
        }
        memcpy(x, mz->x->data, L.dim * sizeof *x);
        if (mz->f > 1e-3) continue; /* far from any equilibrium: a local minimum of V */
        clip_normalise(&L, x);
        /* Newton on the support of the strategies played with more than thr: BFGS converges
         * slowly on V's flat valleys and leaves small weights on strategies outside the
         * support, so growing thresholds are tried; the first polished point that passes the
         * regret test is kept, else the minimiser's point if it passes */
        static const double thr[] = {SUPPORT_EPS, 1e-4, 1e-3, 1e-2, 5e-2};
        int found = 0;
        for (size_t t = 0; t < sizeof thr / sizeof *thr && !found; t++) {
            memcpy(y, x, L.dim * sizeof *x);
            found = newton_polish(&L, y, thr[t]) && unrest_nash_regret(g, y, NULL) <= tol;
        }
        if (found)
            memcpy(x, y, L.dim * sizeof *x);
        else if (unrest_nash_regret(g, x, NULL) > tol)
            continue;
        if (builder_add(&b, g, x, 1, DEDUP_TOL) < 0) st = UNREST_ENOMEM;
    }
done:
    gsl_multimin_fdfminimizer_free(mz);
    gsl_vector_free(x0);
    free(u);
    free(L.G);
    free(L.H);
    free(L.gv);
    free(x);
    free(y);
    if (st == UNREST_OK) st = builder_finish(&b, out);
    if (st != UNREST_OK) {
        unrest_nash_set_free(&b.s);
        set_err(err, errlen, "nash: out of memory");
    }
    return st;
}

unrest_status unrest_nash_solve(const unrest_game_nf *g, const unrest_nash_opts *o,
                                unrest_nash_set *out, char *err, size_t errlen)
{
    if (g && g->n == 2) return unrest_nash_mixed2(g, o, out, err, errlen);
    if (g && g->n == 1) return unrest_nash_pure(g, o, out, err, errlen);
    return unrest_nash_mixedn(g, o, out, err, errlen);
}

/* ---- stability under resampling ------------------------------------------------------------- */

void unrest_nash_stability_free(unrest_nash_stability *s)
{
    if (!s) return;
    unrest_nash_set_free(&s->point);
    unrest_nash_set_free(&s->extra);
    free(s->seen);
    memset(s, 0, sizeof *s);
}

unrest_status unrest_nash_stability_run(const unrest_game_nf *g, const double *reps, size_t B,
                                        const unrest_nash_opts *o, double match_tol,
                                        unrest_nash_stability *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (B > 0 && !reps) {
        set_err(err, errlen, "stability: no replicates");
        return UNREST_EINVAL;
    }
    const double mt = match_tol > 0 ? match_tol : 0.1;
    unrest_status st = unrest_nash_solve(g, o, &out->point, err, errlen);
    if (st != UNREST_OK) return st;
    out->replicates = B;
    const size_t K = unrest_nash_profiles(g), dim = out->point.dim;
    builder extra;
    builder_init(&extra, g);
    out->seen = calloc(out->point.count ? out->point.count : 1, sizeof *out->seen);
    unsigned char *hit = malloc(out->point.count ? out->point.count : 1);
    unsigned char *xhit = NULL;
    size_t xcap = 0;
    if (!out->seen || !hit) goto nomem;
    for (size_t r = 0; r < B; r++) {
        unrest_game_nf gr = {g->n, g->ns, reps + r * K * g->n};
        unrest_nash_set s = {0};
        st = unrest_nash_solve(&gr, o, &s, err, errlen);
        if (st != UNREST_OK) {
            if (err && errlen) {
                char msg[256];
                snprintf(msg, sizeof msg, "%s", err);
                set_err(err, errlen, "stability: replicate %zu: %s", r, msg);
            }
            goto fail;
        }
        memset(hit, 0, out->point.count ? out->point.count : 1);
        if (extra.s.count + s.count > xcap) {
            xcap = 2 * (extra.s.count + s.count);
            unsigned char *nx = realloc(xhit, xcap);
            if (!nx) {
                unrest_nash_set_free(&s);
                goto nomem;
            }
            xhit = nx;
        }
        memset(xhit, 0, xcap);
        for (size_t e = 0; e < s.count; e++) {
            const double *xe = s.x + e * dim;
            int found = 0;
            for (size_t f = 0; f < out->point.count; f++)
                if (same_eq(out->point.x + f * dim, xe, dim, mt)) {
                    hit[f] = 1;
                    found = 1;
                }
            if (found) continue;
            long f = builder_find(&extra, xe, mt);
            if (f < 0) {
                f = builder_add(&extra, g, xe, 0, mt);
                if (f < 0) {
                    unrest_nash_set_free(&s);
                    goto nomem;
                }
            }
            xhit[f] = 1;
        }
        for (size_t f = 0; f < out->point.count; f++)
            out->seen[f] += hit[f];
        for (size_t f = 0; f < extra.s.count; f++)
            extra.s.hits[f] += xhit[f];
        unrest_nash_set_free(&s);
    }
    free(hit);
    free(xhit);
    /* the extra equilibria are kept in order of first appearance, values from the replicate
     * where they were first seen (payoff and regret recomputed on the point estimate) */
    out->extra = extra.s;
    return UNREST_OK;
nomem:
    st = UNREST_ENOMEM;
    set_err(err, errlen, "stability: out of memory");
fail:
    free(hit);
    free(xhit);
    unrest_nash_set_free(&extra.s);
    unrest_nash_stability_free(out);
    return st;
}

/* ---- sequential play ------------------------------------------------------------------------ */

void unrest_nash_tree_free(unrest_nash_tree *t)
{
    if (!t) return;
    free(t->choice);
    free(t->value);
    free(t->tied);
    memset(t, 0, sizeof *t);
}

/* Payoffs of the subgame after the mover at stage t, at history h, plays a: a node of stage
 * t + 1, or at the last stage the profile that the whole history names. s: scratch. */
static const double *child_value(const unrest_game_nf *g, const unrest_nash_tree *tr, size_t t,
                                 size_t h, size_t a, size_t *s)
{
    const size_t n = g->n, child = h * g->ns[tr->order[t]] + a;
    if (t + 1 < n) return tr->value + (tr->stage_off[t + 1] + child) * n;
    size_t c = child;
    for (size_t i = n; i-- > 0;) {
        s[tr->order[i]] = c % g->ns[tr->order[i]];
        c /= g->ns[tr->order[i]];
    }
    return g->u + unrest_nash_index(g, s) * n;
}

unrest_status unrest_nash_backward(const unrest_game_nf *g, const size_t *order, double tol,
                                   unrest_nash_tree *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    unrest_status st = unrest_nash_check(g, err, errlen);
    if (st != UNREST_OK) return st;
    const size_t n = g->n;
    unsigned char used[UNREST_NASH_MAX_PLAYERS] = {0};
    for (size_t t = 0; t < n; t++) {
        size_t p = order ? order[t] : t;
        if (p >= n || used[p]) {
            set_err(err, errlen,
                    "backward: the order of moves is not a permutation of the %zu "
                    "players (stage %zu: player %zu)",
                    n, t, p);
            return UNREST_EINVAL;
        }
        used[p] = 1;
        out->order[t] = p;
    }
    out->n = n;
    out->stage_off[0] = 0;
    size_t width = 1;
    for (size_t t = 0; t < n; t++) {
        out->stage_off[t + 1] = out->stage_off[t] + width;
        width *= g->ns[out->order[t]];
    }
    out->nodes = out->stage_off[n];
    if (tol <= 0) tol = 1e-9 * payoff_range(g);
    out->choice = calloc(out->nodes, sizeof *out->choice);
    out->value = calloc(out->nodes * n, sizeof *out->value);
    out->tied = calloc(out->nodes, 1);
    if (!out->choice || !out->value || !out->tied) {
        unrest_nash_tree_free(out);
        set_err(err, errlen, "backward: out of memory");
        return UNREST_ENOMEM;
    }
    size_t s[UNREST_NASH_MAX_PLAYERS];
    for (size_t t = n; t-- > 0;) {
        const size_t mover = out->order[t], m = g->ns[mover];
        const size_t count = out->stage_off[t + 1] - out->stage_off[t];
        for (size_t h = 0; h < count; h++) {
            const size_t node = out->stage_off[t] + h;
            double top =
                -INFINITY; /* the mover's best payoff, then the lowest strategy within tol */
            for (size_t a = 0; a < m; a++)
                top = fmax(top, child_value(g, out, t, h, a, s)[mover]);
            size_t arg = m, near = 0;
            for (size_t a = 0; a < m; a++)
                if (child_value(g, out, t, h, a, s)[mover] >= top - tol) {
                    if (arg == m) arg = a;
                    near++;
                }
            const double *best = child_value(g, out, t, h, arg, s);
            out->tied[node] = near > 1;
            out->ties += out->tied[node];
            out->choice[node] = arg;
            memcpy(out->value + node * n, best, n * sizeof *best);
        }
    }
    size_t h = 0;
    for (size_t t = 0; t < n; t++) {
        size_t a = out->choice[out->stage_off[t] + h];
        out->path[out->order[t]] = a;
        h = h * g->ns[out->order[t]] + a;
    }
    out->path_profile = unrest_nash_index(g, out->path);
    return UNREST_OK;
}
