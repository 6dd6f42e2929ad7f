/*
 * test_nash.c - equilibria of games with known answers: the prisoner's dilemma (unique pure
 * (D, D)), matching pennies (unique (1/2, 1/2)), battle of the sexes (two pure and one mixed,
 * (2/3, 1/3) and (1/3, 2/3)), rock-paper-scissors (uniform), a degenerate game (its four extreme
 * equilibria, as lrsnash lists them), Jordan's three-player matching pennies (unique (1/2, 1/2,
 * 1/2)), McKelvey and McLennan's 2x2x2 game (nine equilibria, two completely mixed, checked against
 * an exact symbolic solution); regret and swing by hand; backward induction on entry deterrence
 * (known subgame-perfect play in both orders) and against a recursive twin on random games;
 * stability under resampled payoffs; bad input. The comparison with lrsnash is
 * tests/nash_lrs_test.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unrest/nash.h"

/* cmocka's assert_float_equal compares floats: doubles are compared here */
#define assert_close(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

/* Solutions of these games are rational numbers with small denominators, found by LU solves of
 * systems of at most 5 unknowns with entries of order 1: 1e-9 is far above the rounding. */
#define EXACT 1e-9

static uint64_t mix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double unif(uint64_t *s)
{
    return ((double)(mix64(s) >> 11) + 0.5) * 0x1.0p-53;
}

/* A two-player game from row-major matrices A and B (m x nc). */
static void bimatrix(const double *A, const double *B, size_t m, size_t nc, double *u)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < nc; j++) {
            u[(i * nc + j) * 2] = A[i * nc + j];
            u[(i * nc + j) * 2 + 1] = B[i * nc + j];
        }
}

/* Index of the equilibrium of s equal to x (within tol), or -1. */
static long find_eq(const unrest_nash_set *s, const double *x, double tol)
{
    for (size_t e = 0; e < s->count; e++) {
        int same = 1;
        for (size_t i = 0; i < s->dim; i++)
            if (fabs(s->x[e * s->dim + i] - x[i]) > tol) same = 0;
        if (same) return (long)e;
    }
    return -1;
}

/* ---- two players ---------------------------------------------------------------------------- */

static void test_prisoners_dilemma(void **state)
{
    (void)state;
    /* strategies: 0 cooperate, 1 defect; T = 5 > R = 3 > P = 1 > S = 0 */
    const double A[] = {3, 0, 5, 1}, B[] = {3, 5, 0, 1};
    double u[8];
    bimatrix(A, B, 2, 2, u);
    const size_t ns[] = {2, 2};
    unrest_game_nf g = {2, ns, u};
    unrest_nash_set s = {0};
    char err[256];
    assert_int_equal(unrest_nash_pure(&g, NULL, &s, err, sizeof err), UNREST_OK);
    assert_int_equal(s.count, 1);
    const double dd[] = {0, 1, 0, 1};
    assert_int_equal(find_eq(&s, dd, 0), 0);
    unrest_nash_set_free(&s);
    assert_int_equal(unrest_nash_mixed2(&g, NULL, &s, err, sizeof err), UNREST_OK);
    assert_int_equal(s.count, 1);
    assert_int_equal(find_eq(&s, dd, EXACT), 0);
    assert_true(s.pure[0]);
    assert_close(s.payoff[0], 1.0, EXACT);
    assert_close(s.payoff[1], 1.0, EXACT);
    unrest_nash_set_free(&s);
    unrest_nash_set_free(&s); /* freeing a zeroed set is a no-op */
    /* regret of pure profiles: at (C, C) each gains T - R = 2 by defecting; at (C, D) the row
     * player gains P - S = 1, the column player nothing; (D, D) none */
    double r[2];
    assert_close(unrest_nash_pure_regret(&g, 0, r), 2.0, 0);
    assert_close(r[0], 2.0, 0);
    assert_close(r[1], 2.0, 0);
    assert_close(unrest_nash_pure_regret(&g, 1, r), 1.0, 0);
    assert_close(r[0], 1.0, 0);
    assert_close(r[1], 0.0, 0);
    assert_close(unrest_nash_pure_regret(&g, 3, NULL), 0.0, 0);
    const double cd[] = {1, 0, 0, 1}; /* the mixed-profile regret agrees */
    assert_close(unrest_nash_regret(&g, cd, r), 1.0, EXACT);
}

static void test_matching_pennies(void **state)
{
    (void)state;
    const double A[] = {1, -1, -1, 1}, B[] = {-1, 1, 1, -1};
    double u[8];
    bimatrix(A, B, 2, 2, u);
    const size_t ns[] = {2, 2};
    unrest_game_nf g = {2, ns, u};
    unrest_nash_set s = {0};
    char err[256];
    assert_int_equal(unrest_nash_pure(&g, NULL, &s, err, sizeof err), UNREST_OK);
    assert_int_equal(s.count, 0);
    unrest_nash_set_free(&s);
    const double half[] = {0.5, 0.5, 0.5, 0.5};
    assert_int_equal(unrest_nash_mixed2(&g, NULL, &s, err, sizeof err), UNREST_OK);
    assert_int_equal(s.count, 1);
    assert_int_equal(find_eq(&s, half, EXACT), 0);
    assert_false(s.pure[0]);
    assert_close(s.payoff[0], 0.0, EXACT);
    unrest_nash_set_free(&s);
    /* the n-player method finds it too (two players are allowed) */
    unrest_nash_opts o = {.starts = 20, .seed = 7};
    assert_int_equal(unrest_nash_mixedn(&g, &o, &s, err, sizeof err), UNREST_OK);
    assert_int_equal(s.count, 1);
    assert_int_equal(find_eq(&s, half, EXACT), 0);
    assert_true(s.hits[0] >= 15); /* the unique equilibrium: nearly every start ends there */
    unrest_nash_set_free(&s);
}

static void test_battle_of_the_sexes(void **state)
{
    (void)state;
    /* row prefers (0, 0) with 2, column prefers (1, 1) with 2; mismatches give 0. Mixed: the
     * row player plays 0 with 2/3 (making the column player indifferent: 1 x = 2 (1 - x)),
     * the column player plays 0 with 1/3 (2 y = 1 - y); both then get 2/3. */
    const double A[] = {2, 0, 0, 1}, B[] = {1, 0, 0, 2};
    double u[8];
    bimatrix(A, B, 2, 2, u);
    const size_t ns[] = {2, 2};
    unrest_game_nf g = {2, ns, u};
    unrest_nash_set s = {0};
    char err[256];
    assert_int_equal(unrest_nash_mixed2(&g, NULL, &s, err, sizeof err), UNREST_OK);
    assert_int_equal(s.count, 3);
    const double e0[] = {1, 0, 1, 0}, e1[] = {0, 1, 0, 1};
    const double em[] = {2.0 / 3, 1.0 / 3, 1.0 / 3, 2.0 / 3};
    assert_int_equal(find_eq(&s, e0, EXACT), 0); /* pure ones first */
    assert_int_equal(find_eq(&s, e1, EXACT), 1);
    assert_int_equal(find_eq(&s, em, EXACT), 2);
    assert_int_equal(s.pure[0] + s.pure[1] + s.pure[2], 2);
    assert_close(s.payoff[2 * 2], 2.0 / 3, EXACT);
    assert_close(s.payoff[2 * 2 + 1], 2.0 / 3, EXACT);
    for (size_t e = 0; e < s.count; e++)
        assert_true(s.regret[e] <= EXACT);
    unrest_nash_set_free(&s);
}

static void test_rock_paper_scissors(void **state)
{
    (void)state;
    const double A[] = {0, -1, 1, 1, 0, -1, -1, 1, 0};
    double B[9], u[18];
    for (size_t i = 0; i < 9; i++)
        B[i] = -A[i];
    bimatrix(A, B, 3, 3, u);
    const size_t ns[] = {3, 3};
    unrest_game_nf g = {2, ns, u};
    unrest_nash_set s = {0};
    char err[256];
    assert_int_equal(unrest_nash_solve(&g, NULL, &s, err, sizeof err), UNREST_OK);
    assert_int_equal(s.count, 1);
    const double third[] = {1.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 / 3};
    assert_int_equal(find_eq(&s, third, EXACT), 0);
    unrest_nash_set_free(&s);
}

/* A degenerate game: the column player is indifferent everywhere, the row player wants to
 * match. Its equilibria are continua: (row 0, column y with y_0 >= 1/2) and (row 1, y_0 <=
 * 1/2). As documented, the extreme equilibria are returned, the four lrsnash lists: (0, L),
 * (0, (1/2, 1/2)), (1, (1/2, 1/2)), (1, R); the singular 2x2 system of the row player's
 * full-support mix is skipped without harm. */
static void test_degenerate(void **state)
{
    (void)state;
    const double A[] = {1, 0, 0, 1}, B[] = {0, 0, 0, 0};
    double u[8];
    bimatrix(A, B, 2, 2, u);
    const size_t ns[] = {2, 2};
    unrest_game_nf g = {2, ns, u};
    unrest_nash_set s = {0};
    char err[256];
    assert_int_equal(unrest_nash_mixed2(&g, NULL, &s, err, sizeof err), UNREST_OK);
    assert_int_equal(s.count, 4);
    const double e0[] = {1, 0, 1, 0}, e1[] = {0, 1, 0, 1};
    const double e2[] = {1, 0, 0.5, 0.5}, e3[] = {0, 1, 0.5, 0.5};
    assert_true(find_eq(&s, e0, EXACT) >= 0);
    assert_true(find_eq(&s, e1, EXACT) >= 0);
    assert_true(find_eq(&s, e2, EXACT) >= 0);
    assert_true(find_eq(&s, e3, EXACT) >= 0);
    unrest_nash_set_free(&s);
    /* all payoffs equal: every profile is an equilibrium; the pure ones are returned */
    memset(u, 0, sizeof u);
    assert_int_equal(unrest_nash_mixed2(&g, NULL, &s, err, sizeof err), UNREST_OK);
    assert_int_equal(s.count, 4);
    unrest_nash_set_free(&s);
}

/* Random nondegenerate games (continuous payoffs): every equilibrium has zero regret, the
 * number is odd (Wilson's oddness theorem), and a pure equilibrium is found by both
 * solvers. */
static void test_random_two_player(void **state)
{
    (void)state;
    uint64_t key = 2024;
    char err[256];
    for (int r = 0; r < 60; r++) {
        size_t ns[] = {2 + (size_t)r % 4, 2 + (size_t)(r / 4) % 4};
        size_t K = ns[0] * ns[1];
        double u[2 * 25];
        for (size_t i = 0; i < 2 * K; i++)
            u[i] = unif(&key);
        unrest_game_nf g = {2, ns, u};
        unrest_nash_set s = {0}, p = {0};
        assert_int_equal(unrest_nash_mixed2(&g, NULL, &s, err, sizeof err), UNREST_OK);
        assert_int_equal(s.count % 2, 1);
        for (size_t e = 0; e < s.count; e++)
            assert_true(unrest_nash_regret(&g, s.x + e * s.dim, NULL) <= EXACT);
        assert_int_equal(unrest_nash_pure(&g, NULL, &p, err, sizeof err), UNREST_OK);
        size_t npure = 0;
        for (size_t e = 0; e < s.count; e++)
            npure += s.pure[e];
        assert_int_equal(npure, p.count);
        for (size_t e = 0; e < p.count; e++)
            assert_true(find_eq(&s, p.x + e * p.dim, EXACT) >= 0);
        unrest_nash_set_free(&s);
        unrest_nash_set_free(&p);
    }
}

/* The n-player method on two-player games, against support enumeration: everything it returns
 * is one of the exact equilibria (it never invents one), and with 50 starts it finds most. */
static void test_mixedn_vs_enumeration(void **state)
{
    (void)state;
    uint64_t key = 77;
    char err[256];
    size_t exact = 0, found = 0;
    for (int r = 0; r < 20; r++) {
        size_t ns[] = {3, 3};
        double u[18];
        for (size_t i = 0; i < 18; i++)
            u[i] = unif(&key);
        unrest_game_nf g = {2, ns, u};
        unrest_nash_set s = {0}, m = {0};
        unrest_nash_opts o = {.starts = 50, .seed = (uint64_t)r};
        assert_int_equal(unrest_nash_mixed2(&g, NULL, &s, err, sizeof err), UNREST_OK);
        assert_int_equal(unrest_nash_mixedn(&g, &o, &m, err, sizeof err), UNREST_OK);
        for (size_t e = 0; e < m.count; e++)
            assert_true(find_eq(&s, m.x + e * m.dim, 1e-8) >= 0);
        exact += s.count;
        found += m.count;
        unrest_nash_set_free(&s);
        unrest_nash_set_free(&m);
    }
    print_message("mixedn found %zu of the %zu equilibria of 20 random 3x3 games\n", found, exact);
    assert_true(found * 10 >= exact * 8);
}

/* ---- three players -------------------------------------------------------------------------- */

/* Jordan (1993), "Three problems in learning mixed-strategy Nash equilibria", Games and
 * Economic Behavior 5: 368-386: player 0 wins (+1, else -1) by matching player 1, player 1 by
 * matching player 2, player 2 by mismatching player 0. No pure equilibrium; the unique
 * equilibrium has everyone mix 1/2 (a player mixes only if the next one in the cycle does). */
static void test_jordan(void **state)
{
    (void)state;
    const size_t ns[] = {2, 2, 2};
    double u[8 * 3];
    for (size_t a = 0; a < 2; a++)
        for (size_t b = 0; b < 2; b++)
            for (size_t c = 0; c < 2; c++) {
                size_t k = (a * 2 + b) * 2 + c;
                u[k * 3] = a == b ? 1 : -1;
                u[k * 3 + 1] = b == c ? 1 : -1;
                u[k * 3 + 2] = c != a ? 1 : -1;
            }
    unrest_game_nf g = {3, ns, u};
    unrest_nash_set s = {0};
    char err[256];
    unrest_nash_opts o = {.starts = 40, .seed = 1};
    assert_int_equal(unrest_nash_solve(&g, &o, &s, err, sizeof err), UNREST_OK);
    assert_int_equal(s.count, 1);
    const double half[] = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
    assert_int_equal(find_eq(&s, half, EXACT), 0);
    for (size_t p = 0; p < 3; p++)
        assert_close(s.payoff[p], 0.0, EXACT);
    unrest_nash_set_free(&s);
}

/* Stability with three players: Jordan's game with payoffs perturbed by up to +-0.05 (of a
 * range of 2) keeps a unique, completely mixed equilibrium near (1/2, 1/2, 1/2) (each player's
 * indifference moves by about the noise over the payoff gap), so it is found in every replicate
 * within the default match tolerance 0.1, and nothing else appears. */
static void test_stability_three(void **state)
{
    (void)state;
    const size_t ns[] = {2, 2, 2};
    double u[24];
    for (size_t a = 0; a < 2; a++)
        for (size_t b = 0; b < 2; b++)
            for (size_t c = 0; c < 2; c++) {
                size_t k = (a * 2 + b) * 2 + c;
                u[k * 3] = a == b ? 1 : -1;
                u[k * 3 + 1] = b == c ? 1 : -1;
                u[k * 3 + 2] = c != a ? 1 : -1;
            }
    unrest_game_nf g = {3, ns, u};
    enum { REPS = 20 };
    double reps[REPS * 24];
    uint64_t key = 8;
    for (size_t r = 0; r < REPS; r++)
        for (size_t i = 0; i < 24; i++)
            reps[r * 24 + i] = u[i] + 0.1 * (unif(&key) - 0.5);
    unrest_nash_opts o = {.starts = 20, .seed = 3};
    unrest_nash_stability st = {0};
    char err[256];
    assert_int_equal(unrest_nash_stability_run(&g, reps, REPS, &o, 0, &st, err, sizeof err),
                     UNREST_OK);
    assert_int_equal(st.point.count, 1);
    assert_int_equal(st.seen[0], REPS);
    assert_int_equal(st.extra.count, 0);
    unrest_nash_stability_free(&st);
}

/* McKelvey and McLennan's 2x2x2 example with nine equilibria, two completely mixed (as shipped
 * with Gambit, contrib/games/2x2x2.nfg, "2x2x2 Example from McKelvey-McLennan, with 9 Nash
 * equilibria, 2 totally mixed"; R. McKelvey and A. McLennan, "The maximal number of regular
 * totally mixed Nash equilibria", J. Econ. Theory 72 (1997) 411-425). Payoffs are zero except
 * at (0,0,0): (9, 8, 12), (1,1,0): (9, 8, 2), (1,0,1) and (0,1,1): (3, 4, 6). The nine
 * equilibria, as the probability each player gives strategy 0, were solved exactly (sympy,
 * every support pattern, written down here): four pure (1,1,1), (1,0,0), (0,1,0), (0,0,1);
 * (0, 1/4, 1/3), (1/3, 1, 1/4), (1/2, 1/2, 1); completely mixed (2/5, 1/2, 1/3) and
 * (1/2, 2/5, 1/4). */
static void test_mckelvey_mclennan(void **state)
{
    (void)state;
    const size_t ns[] = {2, 2, 2};
    double u[8 * 3] = {0};
    const double p000[] = {9, 8, 12}, p110[] = {9, 8, 2}, p101[] = {3, 4, 6};
    memcpy(u + 0 * 3, p000, sizeof p000);
    memcpy(u + 6 * 3, p110, sizeof p110);
    memcpy(u + 5 * 3, p101, sizeof p101);
    memcpy(u + 3 * 3, p101, sizeof p101); /* (0,1,1) */
    unrest_game_nf g = {3, ns, u};
    const double known[9][3] = {{1, 1, 1},     {1, 0, 0},           {0, 1, 0},
                                {0, 0, 1},     {0, 0.25, 1.0 / 3},  {1.0 / 3, 1, 0.25},
                                {0.5, 0.5, 1}, {0.4, 0.5, 1.0 / 3}, {0.5, 0.4, 0.25}};
    unrest_nash_set s = {0}, again = {0};
    char err[256];
    unrest_nash_opts o = {.starts = 200, .seed = 42};
    assert_int_equal(unrest_nash_mixedn(&g, &o, &s, err, sizeof err), UNREST_OK);
    assert_int_equal(s.count, 9);
    for (int e = 0; e < 9; e++) {
        double x[6];
        for (int p = 0; p < 3; p++) {
            x[2 * p] = known[e][p];
            x[2 * p + 1] = 1 - known[e][p];
        }
        assert_true(find_eq(&s, x, EXACT) >= 0);
    }
    double tol = 1e-9 * 12; /* the default: 1e-9 x the payoff range */
    for (size_t e = 0; e < s.count; e++)
        assert_true(s.regret[e] <= tol);
    assert_int_equal(s.pure[0] + s.pure[1] + s.pure[2] + s.pure[3], 4);
    /* deterministic for a seed */
    assert_int_equal(unrest_nash_mixedn(&g, &o, &again, err, sizeof err), UNREST_OK);
    assert_int_equal(again.count, s.count);
    assert_memory_equal(again.x, s.x, s.count * s.dim * sizeof *s.x);
    assert_memory_equal(again.hits, s.hits, s.count * sizeof *s.hits);
    unrest_nash_set_free(&s);
    unrest_nash_set_free(&again);
}

/* ---- regret and swing ----------------------------------------------------------------------- */

static void test_regret_swing(void **state)
{
    (void)state;
    const double A[] = {2, 0, 0, 1}, B[] = {1, 0, 0, 2};
    double u[8];
    bimatrix(A, B, 2, 2, u);
    const size_t ns[] = {2, 2};
    unrest_game_nf g = {2, ns, u};
    /* (0, 1): both get 0; the row player gets 1 by switching to 1, the column player 1 by
     * switching to 0 */
    const double x01[] = {1, 0, 0, 1};
    double r[2], v[2];
    assert_close(unrest_nash_regret(&g, x01, r), 1.0, EXACT);
    assert_close(r[0], 1.0, EXACT);
    assert_close(r[1], 1.0, EXACT);
    /* row mixes (1/2, 1/2), column plays 0: row gets 1 (could get 2 playing 0), column gets
     * 1/2 (could get 1 playing 1) */
    const double xm[] = {0.5, 0.5, 1, 0};
    assert_close(unrest_nash_regret(&g, xm, r), 1.0, EXACT);
    assert_close(r[0], 1.0, EXACT);
    assert_close(r[1], 0.5, EXACT);
    unrest_nash_payoffs(&g, xm, v);
    assert_close(v[0], 1.0, EXACT);
    assert_close(v[1], 0.5, EXACT);
    double w[4];
    unrest_nash_weights(&g, xm, w);
    assert_close(w[0], 0.5, EXACT);
    assert_close(w[1], 0.0, EXACT);
    assert_close(w[2], 0.5, EXACT);
    /* f = 1 at the mismatches (0,1) and (1,0): under the mixed equilibrium (2/3, 1/3),
     * (1/3, 2/3) its expectation is 2/3 2/3 + 1/3 1/3 = 5/9; the row player alone moves it
     * between 1/3 (playing 0) and 2/3 (playing 1), the column player between 1/3 and 2/3 */
    const double f[] = {0, 1, 1, 0}, xe[] = {2.0 / 3, 1.0 / 3, 1.0 / 3, 2.0 / 3};
    double lo[2], hi[2];
    assert_close(unrest_nash_swing(&g, xe, f, lo, hi), 5.0 / 9, EXACT);
    assert_close(lo[0], 1.0 / 3, EXACT);
    assert_close(hi[0], 2.0 / 3, EXACT);
    assert_close(lo[1], 1.0 / 3, EXACT);
    assert_close(hi[1], 2.0 / 3, EXACT);
}

/* ---- sequential play ------------------------------------------------------------------------ */

/* Entry deterrence: the entrant (player 0) stays out (0) or enters (1); the incumbent (player
 * 1) fights (0) or accommodates (1). Out: (0, 2); enter and fight: (-1, -1); enter and
 * accommodate: (1, 1). Entrant first: the threat to fight is not credible, so the entrant
 * enters and the incumbent accommodates. Incumbent first (a commitment, the fait accompli):
 * it fights, and the entrant stays out: (0, 2). */
static void test_entry_deterrence(void **state)
{
    (void)state;
    const size_t ns[] = {2, 2};
    const double u[] = {0, 2, 0, 2, -1, -1, 1, 1};
    unrest_game_nf g = {2, ns, u};
    unrest_nash_tree t = {0};
    char err[256];
    assert_int_equal(unrest_nash_backward(&g, NULL, 0, &t, err, sizeof err), UNREST_OK);
    assert_int_equal(t.nodes, 3);
    assert_int_equal(t.path[0], 1);
    assert_int_equal(t.path[1], 1);
    assert_int_equal(t.path_profile, 3);
    assert_int_equal(t.choice[t.stage_off[1] + 1], 1); /* after entry: accommodate */
    /* after staying out the incumbent is indifferent (2 either way): a tie, lowest index */
    assert_int_equal(t.choice[t.stage_off[1] + 0], 0);
    assert_true(t.tied[t.stage_off[1] + 0]);
    assert_int_equal(t.ties, 1);
    assert_close(t.value[0 * 2 + 0], 1.0, 0);
    assert_close(t.value[0 * 2 + 1], 1.0, 0);
    unrest_nash_tree_free(&t);
    const size_t inc_first[] = {1, 0};
    assert_int_equal(unrest_nash_backward(&g, inc_first, 0, &t, err, sizeof err), UNREST_OK);
    assert_int_equal(t.order[0], 1);
    assert_int_equal(t.path[1], 0); /* fight */
    assert_int_equal(t.path[0], 0); /* stay out */
    assert_int_equal(t.ties, 0);
    assert_int_equal(t.choice[t.stage_off[1] + 0], 0); /* facing a fighter: stay out */
    assert_int_equal(t.choice[t.stage_off[1] + 1], 1); /* facing accommodation: enter */
    assert_close(t.value[1], 2.0, 0);
    unrest_nash_tree_free(&t);
    unrest_nash_tree_free(&t);
    const size_t bad[] = {1, 1};
    assert_int_equal(unrest_nash_backward(&g, bad, 0, &t, err, sizeof err), UNREST_EINVAL);
    assert_non_null(strstr(err, "permutation"));
}

/* The recursive twin: the subgame-perfect payoffs when the stages from t on are still to move,
 * s holding the choices so far. */
static void spe_rec(const unrest_game_nf *g, const size_t *order, size_t t, size_t *s, double *val,
                    size_t *first)
{
    if (t == g->n) {
        memcpy(val, g->u + unrest_nash_index(g, s) * g->n, g->n * sizeof *val);
        return;
    }
    size_t p = order[t];
    double best[UNREST_NASH_MAX_PLAYERS], cur[UNREST_NASH_MAX_PLAYERS];
    size_t arg = 0;
    for (size_t a = 0; a < g->ns[p]; a++) {
        s[p] = a;
        spe_rec(g, order, t + 1, s, cur, NULL);
        if (a == 0 || cur[p] > best[p]) {
            memcpy(best, cur, g->n * sizeof *cur);
            arg = a;
        }
    }
    s[p] = arg;
    if (first) *first = arg;
    memcpy(val, best, g->n * sizeof *val);
}

static void test_backward_twin(void **state)
{
    (void)state;
    uint64_t key = 99;
    char err[256];
    for (int r = 0; r < 30; r++) {
        size_t n = 2 + (size_t)r % 3, ns[4], order[4];
        size_t K = 1;
        for (size_t p = 0; p < n; p++) {
            ns[p] = 2 + (size_t)(mix64(&key) % 3);
            K *= ns[p];
            order[p] = p;
        }
        for (size_t p = n; p-- > 1;) { /* a random order of moves */
            size_t q = (size_t)(mix64(&key) % (p + 1)), tmp = order[p];
            order[p] = order[q];
            order[q] = tmp;
        }
        double *u = malloc(K * n * sizeof *u);
        for (size_t i = 0; i < K * n; i++)
            u[i] = unif(&key);
        unrest_game_nf g = {n, ns, u};
        unrest_nash_tree t = {0};
        assert_int_equal(unrest_nash_backward(&g, order, 0, &t, err, sizeof err), UNREST_OK);
        assert_int_equal(t.ties, 0);
        /* follow the twin down the path */
        size_t s[4] = {0};
        double val[4];
        for (size_t st = 0; st < n; st++) {
            size_t a;
            spe_rec(&g, order, st, s, val, &a);
            s[order[st]] = a;
            if (st == 0)
                for (size_t p = 0; p < n; p++)
                    assert_close(t.value[p], val[p], 0);
        }
        for (size_t p = 0; p < n; p++)
            assert_int_equal(t.path[p], s[p]);
        assert_int_equal(t.path_profile, unrest_nash_index(&g, s));
        unrest_nash_tree_free(&t);
        free(u);
    }
}

/* ---- stability under resampling ------------------------------------------------------------- */

static void test_stability(void **state)
{
    (void)state;
    /* battle of the sexes with small noise: all three equilibria in every replicate */
    const double A[] = {2, 0, 0, 1}, B[] = {1, 0, 0, 2};
    double u[8];
    bimatrix(A, B, 2, 2, u);
    const size_t ns[] = {2, 2};
    unrest_game_nf g = {2, ns, u};
    enum { REPS = 50 };
    double reps[REPS * 8];
    uint64_t key = 5;
    for (size_t r = 0; r < REPS; r++)
        for (size_t i = 0; i < 8; i++)
            reps[r * 8 + i] = u[i] + 0.02 * (unif(&key) - 0.5);
    unrest_nash_stability st = {0};
    char err[256];
    assert_int_equal(unrest_nash_stability_run(&g, reps, REPS, NULL, 0, &st, err, sizeof err),
                     UNREST_OK);
    assert_int_equal(st.point.count, 3);
    assert_int_equal(st.replicates, REPS);
    for (size_t e = 0; e < 3; e++)
        assert_int_equal(st.seen[e], REPS);
    assert_int_equal(st.extra.count, 0);
    unrest_nash_stability_free(&st);
    /* a prisoner's dilemma on the edge: defecting against cooperation gains only 0.005 over
     * cooperating, the noise is +-0.05, so in some replicates (C, C) becomes an equilibrium
     * (and then a mixed one too) and (D, D) stays one in every replicate */
    const double A2[] = {3, 0, 3.005, 1}, B2[] = {3, 3.005, 0, 1};
    bimatrix(A2, B2, 2, 2, u);
    for (size_t r = 0; r < REPS; r++)
        for (size_t i = 0; i < 8; i++)
            reps[r * 8 + i] = u[i] + 0.1 * (unif(&key) - 0.5);
    assert_int_equal(unrest_nash_stability_run(&g, reps, REPS, NULL, 0, &st, err, sizeof err),
                     UNREST_OK);
    assert_int_equal(st.point.count, 1);
    assert_int_equal(st.seen[0], REPS);
    assert_true(st.extra.count >= 1);
    const double cc[] = {1, 0, 1, 0};
    long f = find_eq(&st.extra, cc, EXACT);
    assert_true(f >= 0);
    /* by brute force: the replicates where (C, C) is an equilibrium */
    size_t cc_eq = 0;
    for (size_t r = 0; r < REPS; r++) {
        const double *v = reps + r * 8;
        cc_eq += v[0] >= v[4] && v[1] >= v[3];
    }
    assert_int_equal(st.extra.hits[f], cc_eq);
    assert_true(cc_eq > 0 && cc_eq < REPS);
    unrest_nash_stability_free(&st);
    unrest_nash_stability_free(&st);
}

/* ---- bad input ------------------------------------------------------------------------------ */

static void test_errors(void **state)
{
    (void)state;
    char err[256];
    unrest_nash_set s = {0};
    const size_t ns[] = {2, 0, 2};
    double u[24] = {0};
    unrest_game_nf g = {0, ns, u};
    assert_int_equal(unrest_nash_pure(&g, NULL, &s, err, sizeof err), UNREST_EINVAL);
    assert_non_null(strstr(err, "players"));
    g.n = 3;
    assert_int_equal(unrest_nash_solve(&g, NULL, &s, err, sizeof err), UNREST_EINVAL);
    assert_non_null(strstr(err, "no strategies"));
    const size_t ns2[] = {2, 2, 2};
    g.ns = ns2;
    u[5] = NAN;
    assert_int_equal(unrest_nash_mixedn(&g, NULL, &s, err, sizeof err), UNREST_EINVAL);
    assert_non_null(strstr(err, "not finite"));
    u[5] = 0;
    assert_int_equal(unrest_nash_mixed2(&g, NULL, &s, err, sizeof err), UNREST_EINVAL);
    assert_non_null(strstr(err, "two players"));
    assert_int_equal(unrest_nash_check(NULL, err, sizeof err), UNREST_EINVAL);
    assert_int_equal(s.count, 0);
    /* one player: the best strategies */
    const size_t one[] = {3};
    const double u1[] = {1, 3, 3};
    unrest_game_nf g1 = {1, one, u1};
    assert_int_equal(unrest_nash_solve(&g1, NULL, &s, err, sizeof err), UNREST_OK);
    assert_int_equal(s.count, 2);
    unrest_nash_set_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prisoners_dilemma),
        cmocka_unit_test(test_matching_pennies),
        cmocka_unit_test(test_battle_of_the_sexes),
        cmocka_unit_test(test_rock_paper_scissors),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_random_two_player),
        cmocka_unit_test(test_mixedn_vs_enumeration),
        cmocka_unit_test(test_jordan),
        cmocka_unit_test(test_mckelvey_mclennan),
        cmocka_unit_test(test_regret_swing),
        cmocka_unit_test(test_entry_deterrence),
        cmocka_unit_test(test_backward_twin),
        cmocka_unit_test(test_stability),
        cmocka_unit_test(test_stability_three),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
