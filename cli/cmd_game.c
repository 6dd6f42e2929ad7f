/*
 * cmd_game.c - `unrest game GAME`: every pure profile of a game file (one strategy per actor) run
 * as an ensemble on common random numbers (run i of every profile has the same seed and, with
 * --posterior, the same parameter draw), stored in the SQLite store like `compare` (one variant
 * per profile; resumable); expected payoffs with bootstrap intervals (runs resampled together
 * across profiles, so the pairing survives); pure and mixed equilibria (nash.h); the regret of
 * each profile with its interval; outcome-class probabilities under each equilibrium beside
 * "nobody intervenes"; which actor's choice moves P(proxy war) most; sequential play by backward
 * induction in the file's order; how often each equilibrium reappears under resampling; PRIM
 * boxes of the posterior's parameters that lead to proxy war; literature regularities. --fix
 * ACTOR=STRATEGY plays a sub-game (that actor's one strategy, the others free). Text on stdout,
 * --report FILE an HTML page of the same.
 */
#define _POSIX_C_SOURCE 200809L
#include <gsl/gsl_rng.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "unrest/design.h"
#include "unrest/game.h"
#include "unrest/nash.h"

void help_game(FILE *out)
{
    fprintf(
        out,
        "usage: unrest game GAME [OPTIONS]\n"
        "\n"
        "Play a game file (docs/GAME.md): run every profile of strategies N times on the\n"
        "same seeds, estimate each actor's expected payoff with 95%% bootstrap intervals,\n"
        "find the pure and mixed Nash equilibria, each profile's regret, the outcome odds\n"
        "(proxy war above all) under each equilibrium and under 'nobody intervenes', which\n"
        "actor moves the odds of proxy war most, the subgame-perfect play in the file's\n"
        "order of moves, and how stable the equilibria are when the runs are resampled.\n"
        "\n"
        "  GAME               a game file (scenarios/game/kazakhstan-2022-game.yaml)\n"
        "  --runs N           runs per profile (default 100)\n"
        "  --bootstrap B      bootstrap resamples (default 200)\n"
        "  --starts S         random starts of the n-player mixed solver (default 100)\n"
        "  --weight A.F=V     change actor A's payoff weight on feature F (or A.STRATEGY.cost=V)\n"
        "                     without running anything again (repeatable)\n"
        "  --fix A=S          actor A plays strategy S only: a sub-game of the others\n"
        "                     (repeatable; a sub-game is its own experiment in the store)\n"
        "%s"
        "  With --posterior, PRIM boxes of the drawn parameters that lead to proxy war.\n"
        "\n"
        "example:\n"
        "  unrest game scenarios/game/kazakhstan-2022-game.yaml --runs 20 --db game.db\n",
        CLI_EXP_OPTIONS_HELP);
}

/* What the analysis holds: P profiles, R runs, n actors. */
typedef struct gstate {
    const unrest_game *g;
    size_t n, P, R, B;
    size_t starts; /* n-player mixed solver starts */
    size_t ns[UNREST_GAME_MAX_ACTORS];
    double *feat;  /* [k][r][UNREST_GF_COUNT] */
    int *cls;      /* [k][r] */
    double *fell;  /* [k][r] hour (tick) after which the regime fell, -1 not */
    size_t legacy; /* runs stored before the store kept fell_at and the foreign losses */
    double *u;     /* point payoffs [k][a] */
    double *reps;  /* bootstrap payoffs [b][k][a] */
    size_t *boot;  /* [b][r] resampled run indices */
    unrest_game_nf nf;
    FILE *html;
} gstate;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* 2.5% and 97.5% points of v[0..n) (sorted in place). */
static void pct(double *v, size_t n, double *lo, double *hi)
{
    qsort(v, n, sizeof *v, cmp_double);
    *lo = v[(size_t)floor(0.025 * (double)(n - 1))];
    *hi = v[(size_t)ceil(0.975 * (double)(n - 1))];
}

/* P(class c | profile k) over runs idx (NULL: all). */
static double p_class(const gstate *S, size_t k, int c, const size_t *idx)
{
    double m = 0;
    for (size_t r = 0; r < S->R; r++)
        m += S->cls[k * S->R + (idx ? idx[r] : r)] == c;
    return m / (double)S->R;
}

static void profile_name(const gstate *S, size_t k, char *buf, size_t n)
{
    size_t s[UNREST_GAME_MAX_ACTORS], used = 0;
    unrest_nash_decode(&S->nf, k, s);
    buf[0] = '\0';
    for (size_t a = 0; a < S->n && used < n; a++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s=%s", a ? " " : "",
                                 unrest_game_actor(S->g, a), unrest_game_strategy(S->g, a, s[a]));
}

/* "a: s1 0.70, s2 0.30" for a mixed profile. */
static void mixed_name(const gstate *S, const double *x, char *buf, size_t n)
{
    size_t used = 0, off = 0;
    buf[0] = '\0';
    for (size_t a = 0; a < S->n && used < n; a++) {
        used += (size_t)snprintf(buf + used, n - used, "%s%s=", a ? " " : "",
                                 unrest_game_actor(S->g, a));
        int first = 1;
        for (size_t s = 0; s < S->ns[a] && used < n; s++, off++) {
            double p = x[off];
            if (p < 1e-6) continue;
            if (p > 1 - 1e-6)
                used +=
                    (size_t)snprintf(buf + used, n - used, "%s", unrest_game_strategy(S->g, a, s));
            else
                used += (size_t)snprintf(buf + used, n - used, "%s%s:%.2f", first ? "" : "+",
                                         unrest_game_strategy(S->g, a, s), p);
            first = 0;
        }
    }
}

/* Outcome-class probabilities under mixed profile x, with bootstrap intervals. */
static void class_probs(const gstate *S, const double *x, double *p, double *lo, double *hi)
{
    double *w = malloc(S->P * sizeof *w), *bv = malloc(S->B * sizeof *bv);
    if (!w || !bv) goto out;
    unrest_nash_weights(&S->nf, x, w);
    for (int c = 0; c < UNREST_OUTCOME_COUNT; c++) {
        p[c] = 0;
        for (size_t k = 0; k < S->P; k++)
            if (w[k] > 0) p[c] += w[k] * p_class(S, k, c, NULL);
        for (size_t b = 0; b < S->B; b++) {
            bv[b] = 0;
            for (size_t k = 0; k < S->P; k++)
                if (w[k] > 0) bv[b] += w[k] * p_class(S, k, c, S->boot + b * S->R);
        }
        pct(bv, S->B, &lo[c], &hi[c]);
    }
out:
    free(w);
    free(bv);
}

static void pure_x(const gstate *S, size_t k, double *x)
{
    size_t s[UNREST_GAME_MAX_ACTORS], off = 0;
    unrest_nash_decode(&S->nf, k, s);
    for (size_t a = 0; a < S->n; a++) {
        for (size_t j = 0; j < S->ns[a]; j++)
            x[off + j] = j == s[a];
        off += S->ns[a];
    }
}

static void print_classes(const gstate *S, const char *label, const double *x)
{
    double p[UNREST_OUTCOME_COUNT], lo[UNREST_OUTCOME_COUNT], hi[UNREST_OUTCOME_COUNT];
    class_probs(S, x, p, lo, hi);
    printf("    %-28s", label);
    for (int c = 0; c < UNREST_OUTCOME_COUNT; c++)
        printf(" %s %.2f [%.2f,%.2f]", unrest_outcome_class_name((unrest_outcome_class)c), p[c],
               lo[c], hi[c]);
    printf("\n");
    if (S->html) {
        fprintf(S->html, "<tr><td>%s</td>", label);
        for (int c = 0; c < UNREST_OUTCOME_COUNT; c++)
            fprintf(S->html, "<td>%.2f [%.2f, %.2f]</td>", p[c], lo[c], hi[c]);
        fprintf(S->html, "</tr>\n");
    }
}

/* Regret of x under the point payoffs and its bootstrap interval. */
static void regret_ci(const gstate *S, const double *x, double *pt, double *lo, double *hi)
{
    double *bv = malloc(S->B * sizeof *bv);
    *pt = unrest_nash_regret(&S->nf, x, NULL);
    *lo = *hi = *pt;
    if (!bv) return;
    for (size_t b = 0; b < S->B; b++) {
        unrest_game_nf g = S->nf;
        g.u = S->reps + b * S->P * S->n;
        bv[b] = unrest_nash_regret(&g, x, NULL);
    }
    pct(bv, S->B, lo, hi);
    free(bv);
}

static void payoff_ci(const gstate *S, const double *x, double *v, double *lo, double *hi)
{
    double *bv = malloc(S->B * S->n * sizeof *bv), *col = malloc(S->B * sizeof *col);
    unrest_nash_payoffs(&S->nf, x, v);
    if (!bv || !col) goto out;
    for (size_t b = 0; b < S->B; b++) {
        unrest_game_nf g = S->nf;
        g.u = S->reps + b * S->P * S->n;
        unrest_nash_payoffs(&g, x, bv + b * S->n);
    }
    for (size_t a = 0; a < S->n; a++) {
        for (size_t b = 0; b < S->B; b++)
            col[b] = bv[b * S->n + a];
        pct(col, S->B, &lo[a], &hi[a]);
    }
out:
    free(bv);
    free(col);
}

/* An equilibrium's report: payoffs, regret, outcome odds, who moves P(proxy war) most. */
static void report_eq(const gstate *S, const char *title, const double *x, const double *pbase)
{
    char nm[1024];
    mixed_name(S, x, nm, sizeof nm);
    printf("  %s: %s\n", title, nm);
    double v[UNREST_GAME_MAX_ACTORS], lo[UNREST_GAME_MAX_ACTORS], hi[UNREST_GAME_MAX_ACTORS];
    payoff_ci(S, x, v, lo, hi);
    printf("    payoffs:");
    for (size_t a = 0; a < S->n; a++)
        printf(" %s %.2f [%.2f,%.2f]", unrest_game_actor(S->g, a), v[a], lo[a], hi[a]);
    double rg, rlo, rhi;
    regret_ci(S, x, &rg, &rlo, &rhi);
    printf("\n    regret %.3f [%.3f, %.3f] (bootstrap)\n", rg, rlo, rhi);
    if (S->html) {
        fprintf(S->html, "<h3>%s</h3><p><b>%s</b></p><p>payoffs:", title, nm);
        for (size_t a = 0; a < S->n; a++)
            fprintf(S->html, " %s %.2f [%.2f, %.2f];", unrest_game_actor(S->g, a), v[a], lo[a],
                    hi[a]);
        fprintf(S->html, " regret %.3f [%.3f, %.3f]</p>\n<table><tr><th></th>", rg, rlo, rhi);
        for (int c = 0; c < UNREST_OUTCOME_COUNT; c++)
            fprintf(S->html, "<th>%s</th>", unrest_outcome_class_name((unrest_outcome_class)c));
        fprintf(S->html, "</tr>\n");
    }
    print_classes(S, "this equilibrium", x);
    print_classes(S, "nobody intervenes", pbase);
    if (S->html) fprintf(S->html, "</table>\n");
    double *f = malloc(S->P * sizeof *f);
    if (!f) return;
    for (size_t k = 0; k < S->P; k++)
        f[k] = p_class(S, k, UNREST_OUTCOME_PROXY_WAR, NULL);
    double plo[UNREST_GAME_MAX_ACTORS], phi[UNREST_GAME_MAX_ACTORS];
    double pe = unrest_nash_swing(&S->nf, x, f, plo, phi);
    size_t best = 0;
    for (size_t a = 0; a < S->n; a++)
        if (phi[a] - plo[a] > phi[best] - plo[best]) best = a;
    printf("    P(proxy war) %.2f; each actor's choice alone moves it over:", pe);
    for (size_t a = 0; a < S->n; a++)
        printf(" %s [%.2f,%.2f]", unrest_game_actor(S->g, a), plo[a], phi[a]);
    printf("\n    the choice that moves P(proxy war) most: %s's (%.2f)\n",
           unrest_game_actor(S->g, best), phi[best] - plo[best]);
    if (S->html)
        fprintf(S->html,
                "<p>P(proxy war) %.2f; the choice that moves it most: <b>%s</b>'s "
                "(from %.2f to %.2f)</p>\n",
                pe, unrest_game_actor(S->g, best), plo[best], phi[best]);
    free(f);
}

/* Does some strategy of the profile send government-side (1) or opposition-side (2) help? */
static unsigned sides(const gstate *S, const unrest_scenario *sc, size_t nbase)
{
    (void)S;
    unsigned m = 0;
    for (size_t i = nbase; i < sc->n_events; i++) {
        const unrest_sc_event *e = &sc->event[i];
        if (e->kind == UNREST_SC_TROOPS &&
            (e->role == UNREST_ROLE_GUARD || e->role == UNREST_ROLE_PATROL))
            m |= 1;
        if (e->kind == UNREST_SC_ARMS ||
            (e->kind == UNREST_SC_TROOPS && e->role == UNREST_ROLE_FIGHT))
            m |= 2;
    }
    return m;
}

/* What a regularity measures per run: a feature (>= 0), whether the regime fell, or the hours
 * to its fall (runs in which it fell only). */
enum { M_FELL = -1, M_FELL_HOURS = -2 };

/* Mean of metric f over profiles with side mask `want`, runs idx; NaN when none. */
static double mean_over(const gstate *S, const unsigned *side, unsigned want, int f,
                        const size_t *idx, size_t *cnt)
{
    double s = 0;
    size_t c = 0;
    for (size_t k = 0; k < S->P; k++) {
        if (side[k] != want) continue;
        for (size_t r = 0; r < S->R; r++) {
            size_t rr = idx ? idx[r] : r;
            double fell = S->fell[k * S->R + rr];
            if (f == M_FELL_HOURS && fell < 0) continue;
            s += f == M_FELL         ? (double)(fell >= 0)
                 : f == M_FELL_HOURS ? fell
                                     : S->feat[(k * S->R + rr) * UNREST_GF_COUNT + (size_t)f];
            c++;
        }
    }
    if (cnt) *cnt = c;
    return c ? s / (double)c : NAN;
}

static void regularity(const gstate *S, const unsigned *side, const char *what, unsigned a,
                       unsigned b, int f)
{
    size_t ca, cb;
    double ma = mean_over(S, side, a, f, NULL, &ca), mb = mean_over(S, side, b, f, NULL, &cb);
    if (!ca || !cb) { /* a sub-game (--fix) may leave one side of the comparison empty */
        printf("  %s: not measurable in this game (%zu runs against %zu)\n", what, ca, cb);
        if (S->html)
            fprintf(S->html, "<li>%s: not measurable in this game (%zu runs against %zu)</li>\n",
                    what, ca, cb);
        return;
    }
    double *d = malloc(S->B * sizeof *d);
    size_t nb = 0;
    for (size_t bb = 0; d && bb < S->B; bb++) {
        double x = mean_over(S, side, a, f, S->boot + bb * S->R, NULL) -
                   mean_over(S, side, b, f, S->boot + bb * S->R, NULL);
        if (isfinite(x)) d[nb++] = x;
    }
    double lo = NAN, hi = NAN;
    if (nb > 1) pct(d, nb, &lo, &hi);
    printf("  %s: %.3f (%zu runs) vs %.3f (%zu runs); difference %.3f [%.3f, %.3f]\n", what, ma, ca,
           mb, cb, ma - mb, lo, hi);
    if (S->html)
        fprintf(S->html,
                "<li>%s: %.3f (%zu runs) against %.3f (%zu runs); difference %.3f "
                "[%.3f, %.3f]</li>\n",
                what, ma, ca, mb, cb, ma - mb, lo, hi);
    free(d);
}

/* PRIM over the posterior's parameters: y_r = share of profiles whose run r is a proxy war. */
static void prim_report(const gstate *S, const cli_exp *e)
{
    if (!e->factors) {
        printf("\nscenario discovery: needs --posterior (parameters drawn per run)\n");
        return;
    }
    char names[16][96];
    size_t d = 0;
    /* the parameter names of run 0's draw */
    const char *f0 = e->factors[0];
    for (const char *p = f0; p && *p && d < 16;) {
        const char *eq = strchr(p, '='), *sc = strchr(p, ';');
        if (!eq) break;
        snprintf(names[d++], sizeof names[0], "%.*s", (int)(eq - p), p);
        p = sc ? sc + 1 : NULL;
    }
    double *x = calloc(S->R * (d ? d : 1), sizeof *x), *y = calloc(S->R, sizeof *y);
    if (!x || !y || !d) goto out;
    for (size_t r = 0; r < S->R; r++) {
        const char *p = e->factors[r];
        for (size_t j = 0; j < d && p; j++) {
            const char *eq = strchr(p, '=');
            if (!eq) break;
            x[r * d + j] = strtod(eq + 1, NULL);
            const char *sc = strchr(p, ';');
            p = sc ? sc + 1 : NULL;
        }
        for (size_t k = 0; k < S->P; k++)
            y[r] += S->cls[k * S->R + r] == UNREST_OUTCOME_PROXY_WAR;
        y[r] /= (double)S->P;
    }
    unrest_prim_result pr = {0};
    char err[256];
    if (unrest_prim(x, y, S->R, d, NULL, &pr, err, sizeof err) != UNREST_OK) {
        printf("\nscenario discovery: %s\n", err);
        goto out;
    }
    size_t b = pr.chosen;
    printf("\nscenario discovery (PRIM, y = share of profiles in proxy war per parameter draw):\n"
           "  box %zu of %zu: coverage %.2f, density %.2f, mass %.2f\n",
           b, pr.boxes, pr.coverage[b], pr.density[b], pr.mass[b]);
    if (S->html)
        fprintf(S->html,
                "<h2>Scenario discovery</h2><p>PRIM box: coverage %.2f, density %.2f, "
                "mass %.2f</p><ul>\n",
                pr.coverage[b], pr.density[b], pr.mass[b]);
    for (size_t j = 0; j < d; j++)
        if (pr.restricted[j]) {
            printf("    %s in [%.4g, %.4g]\n", names[j], pr.lo[b * d + j], pr.hi[b * d + j]);
            if (S->html)
                fprintf(S->html, "<li>%s in [%.4g, %.4g]</li>\n", names[j], pr.lo[b * d + j],
                        pr.hi[b * d + j]);
        }
    if (S->html) fprintf(S->html, "</ul>\n");
    unrest_prim_result_free(&pr);
out:
    free(x);
    free(y);
}

static int analyse(gstate *S, const cli_exp *e, const unrest_scenario *const *scs, size_t nbase)
{
    const unrest_game *g = S->g;
    size_t n = S->n, P = S->P, R = S->R;
    /* payoffs per run, their means, and bootstrap means on the same resampled runs */
    double *ur = malloc(P * R * n * sizeof *ur);
    S->u = calloc(P * n, sizeof *S->u);
    S->reps = calloc(S->B * P * n, sizeof *S->reps);
    S->boot = malloc(S->B * R * sizeof *S->boot);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!ur || !S->u || !S->reps || !S->boot || !rng) {
        free(ur);
        if (rng) gsl_rng_free(rng);
        cli_error("game", "out of memory");
        return EXIT_FAIL;
    }
    for (size_t k = 0; k < P; k++) {
        size_t s[UNREST_GAME_MAX_ACTORS];
        unrest_nash_decode(&S->nf, k, s);
        for (size_t r = 0; r < R; r++)
            for (size_t a = 0; a < n; a++) {
                double v = unrest_game_payoff(g, a, s, S->feat + (k * R + r) * UNREST_GF_COUNT);
                ur[(k * R + r) * n + a] = v;
                S->u[k * n + a] += v / (double)R;
            }
    }
    gsl_rng_set(rng, (unsigned long)unrest_seed_derive(e->seed, 0xb007));
    for (size_t b = 0; b < S->B; b++) {
        size_t *idx = S->boot + b * R;
        for (size_t r = 0; r < R; r++)
            idx[r] = (size_t)gsl_rng_uniform_int(rng, R);
        for (size_t k = 0; k < P; k++)
            for (size_t r = 0; r < R; r++)
                for (size_t a = 0; a < n; a++)
                    S->reps[(b * P + k) * n + a] += ur[(k * R + idx[r]) * n + a] / (double)R;
    }
    gsl_rng_free(rng);
    free(ur);
    S->nf.u = S->u;

    FILE *h = S->html;
    char nm[1024];
    printf("\n%s: %zu actors, %zu profiles x %zu runs, master seed %" PRIu64 ", %zu bootstrap "
           "resamples\n",
           unrest_game_name(g), n, P, R, e->seed, S->B);
    if (h)
        fprintf(h,
                "<!doctype html><meta charset=utf-8><title>unrest game %s</title><style>"
                "body{font:14px sans-serif;max-width:70em;margin:1em auto}table{border-collapse:"
                "collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px}</style>"
                "<h1>Game: %s</h1><p>%zu actors, %zu profiles &times; %zu runs on common random "
                "numbers, master seed %" PRIu64 ", %zu bootstrap resamples. Intervals are 95%% "
                "percentile bootstrap intervals over runs resampled together across "
                "profiles.</p>\n",
                unrest_game_name(g), unrest_game_name(g), n, P, R, e->seed, S->B);
    /* payoff table */
    if (h) {
        fprintf(h, "<h2>Payoffs of every profile</h2><table><tr><th>profile</th>");
        for (size_t a = 0; a < n; a++)
            fprintf(h, "<th>%s</th>", unrest_game_actor(g, a));
        fprintf(h, "<th>regret</th><th>P(proxy war)</th></tr>\n");
    }
    printf("\nprofiles (payoff [95%% interval] per actor; regret [interval]; P(proxy war)):\n");
    double *col = malloc(S->B * sizeof *col), *x = malloc(unrest_nash_dim(&S->nf) * sizeof *x);
    if (!col || !x) {
        free(col);
        free(x);
        return EXIT_FAIL;
    }
    for (size_t k = 0; k < P; k++) {
        profile_name(S, k, nm, sizeof nm);
        pure_x(S, k, x);
        double rg, rlo, rhi;
        regret_ci(S, x, &rg, &rlo, &rhi);
        double pp = p_class(S, k, UNREST_OUTCOME_PROXY_WAR, NULL);
        if (P <= 64 || rg == 0) {
            printf("  %s:", nm);
            for (size_t a = 0; a < n; a++) {
                for (size_t b = 0; b < S->B; b++)
                    col[b] = S->reps[(b * P + k) * n + a];
                double lo, hi;
                pct(col, S->B, &lo, &hi);
                printf(" %.2f [%.2f,%.2f]", S->u[k * n + a], lo, hi);
            }
            printf("; regret %.2f [%.2f,%.2f]; proxy %.2f\n", rg, rlo, rhi, pp);
        }
        if (h) {
            fprintf(h, "<tr><td>%s</td>", nm);
            for (size_t a = 0; a < n; a++) {
                for (size_t b = 0; b < S->B; b++)
                    col[b] = S->reps[(b * P + k) * n + a];
                double lo, hi;
                pct(col, S->B, &lo, &hi);
                fprintf(h, "<td>%.2f [%.2f, %.2f]</td>", S->u[k * n + a], lo, hi);
            }
            fprintf(h, "<td>%.2f [%.2f, %.2f]</td><td>%.2f</td></tr>\n", rg, rlo, rhi, pp);
        }
    }
    if (P > 64) printf("  (%zu profiles: only those of zero regret shown; --report has all)\n", P);
    if (h) fprintf(h, "</table>\n");

    /* nobody intervenes */
    size_t sb[UNREST_GAME_MAX_ACTORS];
    for (size_t a = 0; a < n; a++)
        sb[a] = unrest_game_baseline(g, a);
    size_t kb = unrest_nash_index(&S->nf, sb);
    double *xb = malloc(unrest_nash_dim(&S->nf) * sizeof *xb);
    if (!xb) return EXIT_FAIL;
    pure_x(S, kb, xb);

    /* equilibria */
    char err[512];
    unrest_nash_opts o = {0};
    o.seed = e->seed;
    o.starts = S->starts;
    unrest_nash_set pure = {0}, all = {0};
    if (unrest_nash_pure(&S->nf, &o, &pure, err, sizeof err) != UNREST_OK ||
        unrest_nash_solve(&S->nf, &o, &all, err, sizeof err) != UNREST_OK) {
        cli_error("game", "%s", err);
        return EXIT_FAIL;
    }
    printf("\nequilibria: %zu pure, %zu in all (%s)\n", pure.count, all.count,
           n == 2 ? "support enumeration: all of a nondegenerate game"
                  : "pure by enumeration, mixed from random starts");
    if (h) fprintf(h, "<h2>Equilibria</h2><p>%zu pure, %zu in all.</p>\n", pure.count, all.count);
    unrest_nash_stability stab = {0};
    /* each resample is solved with a fifth of the starts (at least 10): the n-player solver's
     * cost is in its starts, and B resamples at full starts cost B times the point estimate */
    unrest_nash_opts os = o;
    os.starts = n > 2 ? (S->starts / 5 > 10 ? S->starts / 5 : 10) : S->starts;
    int have_stab = unrest_nash_stability_run(&S->nf, S->reps, S->B, &os, 0.1, &stab, err,
                                              sizeof err) == UNREST_OK;
    for (size_t q = 0; q < all.count; q++) {
        char title[128];
        snprintf(title, sizeof title, "equilibrium %zu (%s)%s", q + 1,
                 all.pure[q] ? "pure" : "mixed", "");
        report_eq(S, title, all.x + q * all.dim, xb);
        if (have_stab) {
            /* find it among the stability run's point equilibria */
            for (size_t j = 0; j < stab.point.count; j++)
                if (!memcmp(stab.point.x + j * stab.point.dim, all.x + q * all.dim,
                            all.dim * sizeof *all.x)) {
                    printf("    found again in %zu of %zu resamples\n", stab.seen[j], S->B);
                    if (h)
                        fprintf(h, "<p>found again in %zu of %zu resamples</p>\n", stab.seen[j],
                                S->B);
                }
        }
    }
    if (have_stab && stab.extra.count) {
        printf("  equilibria of resamples that the point estimate lacks: %zu\n", stab.extra.count);
        for (size_t j = 0; j < stab.extra.count && j < 5; j++) {
            mixed_name(S, stab.extra.x + j * stab.extra.dim, nm, sizeof nm);
            printf("    %s: in %zu of %zu resamples\n", nm, stab.extra.hits[j], S->B);
        }
    }
    report_eq(S, "nobody intervenes (baseline profile)", xb, xb);

    /* across the whole game: how much each actor's choice moves P(proxy war), averaged over
     * every combination of the others' strategies (the equilibria above say it at one point) */
    printf("\nP(proxy war) across the whole game: each actor's strategies, averaged over the "
           "others' %s;\n  swing = mean over the others' profiles of max - min over its own:\n",
           "profiles");
    if (h) fprintf(h, "<h2>Who moves the odds of proxy war</h2><ul>\n");
    for (size_t a = 0; a < n; a++) {
        double byst[UNREST_GAME_MAX_STRATEGIES] = {0}, swing = 0;
        size_t others = S->P / S->ns[a];
        for (size_t k = 0; k < P; k++) {
            size_t st[UNREST_GAME_MAX_ACTORS];
            unrest_nash_decode(&S->nf, k, st);
            byst[st[a]] += p_class(S, k, UNREST_OUTCOME_PROXY_WAR, NULL) / (double)others;
            if (st[a] != 0) continue;
            double lo = 1, hi = 0;
            for (size_t j = 0; j < S->ns[a]; j++) {
                st[a] = j;
                double q =
                    p_class(S, unrest_nash_index(&S->nf, st), UNREST_OUTCOME_PROXY_WAR, NULL);
                lo = fmin(lo, q);
                hi = fmax(hi, q);
            }
            swing += (hi - lo) / (double)others;
        }
        printf("  %-12s swing %.2f;", unrest_game_actor(g, a), swing);
        if (h) fprintf(h, "<li>%s: swing %.2f;", unrest_game_actor(g, a), swing);
        for (size_t j = 0; j < S->ns[a]; j++) {
            printf(" %s %.2f", unrest_game_strategy(g, a, j), byst[j]);
            if (h) fprintf(h, " %s %.2f", unrest_game_strategy(g, a, j), byst[j]);
        }
        printf("\n");
        if (h) fprintf(h, "</li>\n");
    }
    if (h) fprintf(h, "</ul>\n");

    /* sequential play */
    unrest_nash_tree t = {0};
    if (unrest_nash_backward(&S->nf, unrest_game_order(g), 0, &t, err, sizeof err) == UNREST_OK) {
        printf("\nsequential play, order:");
        if (h) fprintf(h, "<h2>Sequential play</h2><p>order:");
        for (size_t i = 0; i < n; i++) {
            printf(" %s", unrest_game_actor(g, t.order[i]));
            if (h) fprintf(h, " %s", unrest_game_actor(g, t.order[i]));
        }
        int is_ne = 0;
        for (size_t q = 0; q < pure.count; q++) {
            double *xp = pure.x + q * pure.dim;
            pure_x(S, t.path_profile, x);
            is_ne |= !memcmp(xp, x, pure.dim * sizeof *x);
        }
        printf(" (%zu tied nodes)\n", t.ties);
        if (h) fprintf(h, " (%zu tied nodes)</p>\n", t.ties);
        pure_x(S, t.path_profile, x);
        report_eq(S,
                  is_ne ? "subgame-perfect play (also a Nash equilibrium of the simultaneous game)"
                        : "subgame-perfect play (the first mover forces it; not a Nash "
                          "equilibrium of the simultaneous game)",
                  x, xb);
        /* the first mover's stage: its choice and the value of each alternative */
        size_t first = t.order[0];
        printf("    first mover %s: value of each opening (its own payoff after best replies):",
               unrest_game_actor(g, first));
        for (size_t s = 0; s < S->ns[first]; s++) {
            size_t node = t.stage_off[1] + s;
            printf(" %s %.2f", unrest_game_strategy(g, first, s), t.value[node * n + first]);
        }
        printf("\n");
        /* the game tree along each opening: what every later mover does after it */
        printf(
            "    the tree, by the first mover's opening (later movers' best replies in order):\n");
        if (h)
            fprintf(
                h,
                "<p>The tree, by the first mover's opening:</p><table><tr><th>opening</th><th>the "
                "others' replies, in order</th><th>payoffs</th></tr>\n");
        for (size_t s0 = 0; s0 < S->ns[first]; s0++) {
            size_t hist = s0, node = t.stage_off[1 < n ? 1 : 0] + s0;
            printf("      %s=%s ->", unrest_game_actor(g, first),
                   unrest_game_strategy(g, first, s0));
            if (h)
                fprintf(h, "<tr><td>%s=%s</td><td>", unrest_game_actor(g, first),
                        unrest_game_strategy(g, first, s0));
            for (size_t st2 = 1; st2 < n; st2++) {
                node = t.stage_off[st2] + hist;
                size_t c = t.choice[node], mover = t.order[st2];
                printf(" %s=%s", unrest_game_actor(g, mover), unrest_game_strategy(g, mover, c));
                if (h)
                    fprintf(h, "%s=%s ", unrest_game_actor(g, mover),
                            unrest_game_strategy(g, mover, c));
                hist = hist * S->ns[mover] + c;
            }
            /* the value of the last decision node's subgame, or the opening's own */
            const double *val = n > 1 ? t.value + (t.stage_off[1] + s0) * n : NULL;
            printf(";");
            if (h) fprintf(h, "</td><td>");
            for (size_t a = 0; val && a < n; a++) {
                printf(" %.2f", val[a]);
                if (h) fprintf(h, "%s %.2f; ", unrest_game_actor(g, a), val[a]);
            }
            printf("\n");
            if (h) fprintf(h, "</td></tr>\n");
        }
        if (h) fprintf(h, "</table>\n");
        unrest_nash_tree_free(&t);
    }

    /* literature regularities */
    unsigned *side = calloc(P, sizeof *side);
    if (side) {
        for (size_t k = 0; k < P; k++)
            side[k] = sides(S, scs[k], nbase);
        printf("\nregularities (profile-level: which sides some strategy sends help to; the "
               "controlled comparisons are tests/test_regularities.c):\n");
        if (h) fprintf(h, "<h2>Regularities from the conflict literature</h2><ul>\n");
        if (S->legacy)
            printf("  (%zu runs were stored without the hour of the fall: they count as not "
                   "fallen here)\n",
                   S->legacy);
        regularity(S, side,
                   "Regan 2002, days of unrest when both sides get outside help vs one side", 3, 2,
                   UNREST_GF_DAYS);
        regularity(S, side,
                   "Balch-Lindsay et al. 2008, hours to the regime's fall (runs where it fell), "
                   "opposition backed vs not backed",
                   2, 0, M_FELL_HOURS);
        regularity(S, side,
                   "Chenoweth & Stephan 2011, P(the regime falls), armed (outside arms) "
                   "vs unarmed opposition",
                   2, 0, M_FELL);
        if (h) fprintf(h, "</ul>\n");
        free(side);
    }
    prim_report(S, e);
    if (h) fprintf(h, "<p>Command: <code>%s</code></p>\n", e->command);
    unrest_nash_stability_free(&stab);
    unrest_nash_set_free(&pure);
    unrest_nash_set_free(&all);
    free(col);
    free(x);
    free(xb);
    return EXIT_OK;
}

int cmd_game(int argc, char **argv)
{
    const char *C = "game";
    cli_exp e;
    cli_exp_init(&e, C, argc, argv);
    int rc = EXIT_USAGE;
    unrest_game *g = NULL;
    unrest_store *s = NULL;
    unrest_job *jobs = NULL;
    unrest_scenario **scs = NULL;
    int64_t *vid = NULL;
    char *settings = NULL;
    gstate S;
    memset(&S, 0, sizeof S);
    S.B = 200;
    size_t starts = 100;
    const char *weights[32], *fixes[UNREST_GAME_MAX_ACTORS];
    size_t nweights = 0, nfixes = 0;
    for (int i = 1; i < argc; i++) {
        const char *val;
        int r = cli_opt(argc, argv, &i, "--fix", &val);
        if (r < 0) {
            cli_error(C, "option '--fix' needs ACTOR=STRATEGY");
            goto done;
        }
        if (r > 0) {
            if (nfixes == UNREST_GAME_MAX_ACTORS) {
                cli_error(C, "at most %d --fix options", UNREST_GAME_MAX_ACTORS);
                goto done;
            }
            fixes[nfixes++] = val;
            continue;
        }
        r = cli_opt(argc, argv, &i, "--weight", &val);
        if (r < 0) {
            cli_error(C, "option '--weight' needs ACTOR.FEATURE=VALUE");
            goto done;
        }
        if (r > 0) {
            if (nweights == 32) {
                cli_error(C, "at most 32 --weight options");
                goto done;
            }
            weights[nweights++] = val;
            continue;
        }
        r = cli_opt(argc, argv, &i, "--bootstrap", &val);
        if (r == 0) r = cli_opt(argc, argv, &i, "--starts", &val) * 2;
        if (r < 0) {
            cli_error(C, "option '%s' needs a number", argv[i]);
            goto done;
        }
        if (r > 0) {
            char *end;
            unsigned long long v = strtoull(val, &end, 10);
            if (*end || v < 2 || v > 100000) {
                cli_error(C, "%s must be a whole number in [2, 100000], got '%s'",
                          r == 1 ? "--bootstrap" : "--starts", val);
                goto done;
            }
            if (r == 1)
                S.B = (size_t)v;
            else
                starts = (size_t)v;
            continue;
        }
        r = cli_exp_option(&e, argc, argv, &i);
        if (r < 0) goto done;
        if (r == 0) {
            cli_error(C, "unknown option '%s' (try 'unrest help game')", argv[i]);
            goto done;
        }
    }
    S.starts = starts;
    if (!e.runs) e.runs = 100;
    if (!e.scenario_arg) {
        cli_error(C, "give a game file (try 'unrest help game')");
        goto done;
    }
    char err[2048];
    if (unrest_game_load(&g, e.scenario_arg, err, sizeof err) != UNREST_OK) {
        cli_error(C, "%s", err);
        goto done;
    }
    for (size_t f = 0; f < nfixes; f++)
        if (unrest_game_fix(g, fixes[f], err, sizeof err) != UNREST_OK) {
            cli_error(C, "--fix %s", err);
            goto done;
        }
    for (size_t w = 0; w < nweights; w++)
        if (unrest_game_set_weight(g, weights[w], err, sizeof err) != UNREST_OK) {
            cli_error(C, "--weight %s", err);
            goto done;
        }
    e.sc = malloc(sizeof *e.sc);
    if (!e.sc) goto done;
    *e.sc = *unrest_game_base(g);
    for (size_t i = 0; i < e.nsets; i++)
        if ((rc = cli_scenario_apply(C, "--set", e.sc, e.sets[i])) != EXIT_OK) goto done;
    rc = EXIT_USAGE;
    if ((rc = cli_exp_posterior(&e, 1)) != EXIT_OK) goto done;
    rc = EXIT_FAIL;
    S.g = g;
    S.n = unrest_game_actor_count(g);
    S.P = 1;
    for (size_t a = 0; a < S.n; a++) {
        S.ns[a] = unrest_game_strategy_count(g, a);
        S.P *= S.ns[a];
    }
    S.nf.n = S.n;
    S.nf.ns = S.ns;
    S.R = (size_t)e.runs;
    scs = calloc(S.P, sizeof *scs);
    vid = calloc(S.P, sizeof *vid);
    if (!scs || !vid) goto done;
    for (size_t k = 0; k < S.P; k++) {
        size_t st[UNREST_GAME_MAX_ACTORS];
        unrest_nash_decode(&S.nf, k, st);
        scs[k] = malloc(sizeof *scs[k]);
        if (!scs[k]) goto done;
        if (unrest_game_profile(g, e.sc, st, scs[k], err, sizeof err) != UNREST_OK) {
            char nm[512];
            profile_name(&S, k, nm, sizeof nm);
            cli_error(C, "profile %s: %s", nm, err);
            rc = EXIT_USAGE;
            goto done;
        }
    }
    size_t slen = strlen(unrest_game_identity(g)) + 256;
    settings = malloc(slen);
    if (!settings) goto done;
    snprintf(settings, slen, "series=%d%s;%s", e.series, e.post_id, unrest_game_identity(g));
    int64_t exp;
    int resumed;
    if ((rc = cli_exp_open(&e, UNREST_EXP_COMPARE, settings, &s, &exp, &resumed)) != EXIT_OK)
        goto done;
    rc = EXIT_FAIL;
    for (size_t k = 0; k < S.P; k++) {
        char vn[32], nm[1024];
        snprintf(vn, sizeof vn, "p%zu", k);
        profile_name(&S, k, nm, sizeof nm);
        if (unrest_store_variant(s, exp, vn, nm, unrest_scenario_hash(scs[k]), &vid[k]) !=
            UNREST_OK) {
            cli_error(C, "%s", unrest_store_error(s));
            goto done;
        }
    }
    size_t njobs = S.R * S.P;
    jobs = calloc(njobs, sizeof *jobs);
    if (!jobs) goto done;
    /* run-major: an interrupted game has whole sets of profiles on the same seeds */
    for (size_t r = 0; r < S.R; r++)
        for (size_t k = 0; k < S.P; k++) {
            unrest_job *j = &jobs[r * S.P + k];
            j->sc = scs[k];
            j->key.variant_id = vid[k];
            j->key.idx = r;
            j->key.rep = r;
            j->key.seed = unrest_seed_derive(e.seed, r);
            j->key.factors = cli_exp_factors(&e, r);
        }
    unrest_runner_stats stats;
    if ((rc = cli_exp_run(&e, s, exp, jobs, njobs, &stats)) != EXIT_OK) goto done;
    rc = EXIT_FAIL;
    S.feat = calloc(S.P * S.R * UNREST_GF_COUNT, sizeof *S.feat);
    S.cls = calloc(S.P * S.R, sizeof *S.cls);
    S.fell = calloc(S.P * S.R, sizeof *S.fell);
    if (!S.feat || !S.cls || !S.fell) goto done;
    for (size_t k = 0; k < S.P; k++) {
        unrest_store_row *rows = NULL;
        size_t nr = 0;
        if (unrest_store_rows(s, exp, vid[k], &rows, &nr) != UNREST_OK) {
            cli_error(C, "%s", unrest_store_error(s));
            goto done;
        }
        if (nr < S.R || cli_exp_failures(C, rows, S.R) != EXIT_OK) {
            free(rows);
            cli_error(C, "profile p%zu: not every run is done", k);
            goto done;
        }
        for (size_t r = 0; r < S.R; r++) {
            unrest_game_features(&rows[r].out, S.feat + (k * S.R + r) * UNREST_GF_COUNT);
            S.cls[k * S.R + r] = (int)rows[r].out.cls;
            S.fell[k * S.R + r] = (double)rows[r].out.fell_at;
            S.legacy += (size_t)rows[r].legacy;
        }
        free(rows);
    }
    if (S.legacy)
        fprintf(stderr,
                "unrest game: warning: %zu of %zu runs in %s were stored by an unrest that did not "
                "keep the hour of the fall, the foreign and the security losses: for them those "
                "read as 0 (not fallen), in payoffs and regularities alike; a new --db runs them "
                "all again\n",
                S.legacy, S.P * S.R, e.db ? e.db : "the store");
    if (e.report) {
        S.html = fopen(e.report, "w");
        if (!S.html) {
            cli_error(C, "--report: cannot write '%s'", e.report);
            goto done;
        }
    }
    const unrest_scenario *const *cs = (const unrest_scenario *const *)scs;
    rc = analyse(&S, &e, cs, e.sc->n_events);
    if (S.html && fclose(S.html) != 0 && rc == EXIT_OK) {
        cli_error(C, "--report: writing '%s' failed", e.report);
        rc = EXIT_FAIL;
    }
    S.html = NULL;
done:
    if (S.html) fclose(S.html);
    if (scs)
        for (size_t k = 0; k < S.P; k++)
            free(scs[k]);
    free(scs);
    free(vid);
    free(jobs);
    free(settings);
    free(S.feat);
    free(S.cls);
    free(S.fell);
    free(S.u);
    free(S.reps);
    free(S.boot);
    unrest_store_close(s);
    unrest_game_destroy(g);
    cli_exp_free(&e);
    return rc;
}
