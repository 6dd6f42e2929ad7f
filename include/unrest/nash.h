/*
 * nash.h - equilibria of finite games in normal form, sequential play and scenario discovery:
 * pure Nash equilibria, all equilibria of two-player games by support enumeration, equilibria of
 * n-player games by minimising McKelvey's Liapunov function from many keyed starts, regret,
 * subgame-perfect play by backward induction over a stated order of moves, how often equilibria
 * survive resampled payoffs, and PRIM boxes (Friedman & Fisher 1999). Nothing here runs a model:
 * callers hand in estimated payoffs. Methods, sources and tolerances: docs/GAME.md, "How
 * equilibria are computed".
 */
#ifndef UNREST_NASH_H
#define UNREST_NASH_H

#include <stddef.h>
#include <stdint.h>

#include "unrest/unrest.h"

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default) /* the public API: exported from libunrest.so */

/* ---- games ---------------------------------------------------------------------------------- */

/* A game in normal form. A pure profile (s_0, .., s_{n-1}) has the mixed-radix index
 * k = ((s_0 * ns[1] + s_1) * ns[2] + s_2) ... (player 0 slowest, the last player fastest), and
 * u[k * n + p] is player p's payoff at profile k. For two players this is the bimatrix
 * (A, B) with A[i][j] = u[(i * ns[1] + j) * 2], B[i][j] = u[(i * ns[1] + j) * 2 + 1].
 * A mixed profile x is the players' distributions one after the other: x[off_p + s] is the
 * probability that player p plays s, off_p = ns[0] + .. + ns[p-1], sum_p ns[p] doubles in all. */
typedef struct unrest_game_nf {
    size_t n;         /* players, 1 .. UNREST_NASH_MAX_PLAYERS */
    const size_t *ns; /* borrowed: ns[p] >= 1 strategies of player p */
    const double *u;  /* borrowed: profiles x n payoffs, finite */
} unrest_game_nf;

#define UNREST_NASH_MAX_PLAYERS 16

/* Check a game (players, strategies, at most 2^24 pure profiles, finite payoffs); UNREST_EINVAL
 * with a message otherwise. The solvers below check their game this way; the functions that
 * return values (profiles .. swing) assume a checked game. */
unrest_status unrest_nash_check(const unrest_game_nf *g, char *err, size_t errlen);
/* Number of pure profiles (product of ns), and sum of ns (the length of a mixed profile). */
size_t unrest_nash_profiles(const unrest_game_nf *g);
size_t unrest_nash_dim(const unrest_game_nf *g);
/* Index of pure profile s[0..n), and its inverse (writes s[0..n)). */
size_t unrest_nash_index(const unrest_game_nf *g, const size_t *s);
void unrest_nash_decode(const unrest_game_nf *g, size_t k, size_t *s);

/* ---- values of mixed profiles --------------------------------------------------------------- */

/* w[k] = probability of pure profile k when the players mix independently by x (profiles
 * doubles). The probability of an outcome class under x is sum_k w[k] * P(class | k). */
void unrest_nash_weights(const unrest_game_nf *g, const double *x, double *w);
/* v[p] = player p's expected payoff under x (n doubles). */
void unrest_nash_payoffs(const unrest_game_nf *g, const double *x, double *v);
/* Regret of x: regret[p] = max over p's pure strategies s of u_p(s, x_-p) - u_p(x) (>= 0 up
 * to rounding; regret may be NULL). Returns the largest (INFINITY when memory runs out). x is
 * an equilibrium iff it is 0. */
double unrest_nash_regret(const unrest_game_nf *g, const double *x, double *regret);
/* The same for pure profile k (the gain of each player's best unilateral switch). */
double unrest_nash_pure_regret(const unrest_game_nf *g, size_t k, double *regret);
/* A per-profile quantity f (profiles doubles, e.g. P(proxy war | k)) under x: returns its
 * expectation; lo[p], hi[p] (n doubles each, may be NULL) are its least and greatest
 * expectation when player p alone switches to one of its pure strategies and the others keep
 * x. hi[p] - lo[p] is how much p's choice can move f. */
double unrest_nash_swing(const unrest_game_nf *g, const double *x, const double *f, double *lo,
                         double *hi);

/* ---- equilibria ----------------------------------------------------------------------------- */

/* A set of equilibria, owned by the caller: fill it with a solver, free with
 * unrest_nash_set_free (which zeroes it; freeing a zeroed set is a no-op). Start from
 * unrest_nash_set s = {0}. Equilibria are sorted: pure ones first, then by x (lexicographic). */
typedef struct unrest_nash_set {
    size_t count;        /* equilibria */
    size_t n, dim;       /* players; doubles per mixed profile (sum of ns) */
    double *x;           /* x[e * dim ..]: equilibrium e as a mixed profile */
    double *payoff;      /* payoff[e * n + p]: player p's expected payoff at e */
    double *regret;      /* regret[e]: its largest regret (<= the solver's tol) */
    unsigned char *pure; /* pure[e] = 1 when every player plays one strategy */
    size_t *hits;        /* hits[e]: mixedn: starts that ended at e (0 for a pure
                            equilibrium no start reached); else 1 */
} unrest_nash_set;

void unrest_nash_set_free(unrest_nash_set *s);

/* Options of the solvers; zero fields take the defaults in brackets. */
typedef struct unrest_nash_opts {
    double tol;      /* equilibrium test: max regret <= tol [1e-9 x payoff range] */
    size_t starts;   /* n >= 3: random starting profiles [200] */
    uint64_t seed;   /* n >= 3: starts are keyed by (seed, start) [0 is a valid seed] */
    size_t max_iter; /* n >= 3: minimiser iterations per start [500] */
} unrest_nash_opts;

/* All pure Nash equilibria (every profile checked; u_p(k) >= u_p(s, k_-p) - tol for all p, s).
 * o may be NULL. out must be zeroed or freed; it is replaced. */
unrest_status unrest_nash_pure(const unrest_game_nf *g, const unrest_nash_opts *o,
                               unrest_nash_set *out, char *err, size_t errlen);
/* All equilibria of a two-player game by support enumeration: for every set I of a player's
 * strategies and K of the other's, |I| = |K|, the mix on I that makes the other indifferent
 * across K (LU solve, GSL), kept when it is >= 0 and K are the other's best replies; the
 * equilibria are the pairs of such mixes that are best replies to each other (regret <= tol).
 * In a nondegenerate game this is plain support enumeration and finds every equilibrium (an odd
 * number); in a degenerate game it returns the extreme equilibria (the vertex pairs of the
 * best-response polytopes, as lrsnash lists them): the corners of the continua (docs/GAME.md).
 * Cost: 2 sum_k C(m,k) C(n,k) small solves. */
unrest_status unrest_nash_mixed2(const unrest_game_nf *g, const unrest_nash_opts *o,
                                 unrest_nash_set *out, char *err, size_t errlen);
/* Equilibria of an n-player game: the pure ones, and minima of McKelvey's (1998) Liapunov
 * function from o->starts random profiles (BFGS, GSL multimin), each polished by Newton on the
 * indifference equations of its support and kept when its max regret <= tol; duplicates
 * (within 1e-6) merged, hits counting the starts. Not guaranteed to find every equilibrium.
 * Deterministic for a given seed. Works for any n >= 1 (for n = 2 prefer mixed2). */
unrest_status unrest_nash_mixedn(const unrest_game_nf *g, const unrest_nash_opts *o,
                                 unrest_nash_set *out, char *err, size_t errlen);
/* mixed2 for two players, mixedn otherwise (one player: the best strategies). */
unrest_status unrest_nash_solve(const unrest_game_nf *g, const unrest_nash_opts *o,
                                unrest_nash_set *out, char *err, size_t errlen);

/* ---- stability under resampling ------------------------------------------------------------- */

/* How often the equilibria of the point estimate g reappear when the payoffs are resampled.
 * reps holds B replicates of g's payoff array (B x profiles x n doubles, e.g. bootstrap means
 * made by the caller); each is solved with unrest_nash_solve(o). An equilibrium of a replicate
 * matches one of the point estimate when both have the same support and their probabilities
 * differ by at most match_tol (0: 0.1); a replicate counts at most once per equilibrium.
 * out is replaced (free it with unrest_nash_stability_free). */
typedef struct unrest_nash_stability {
    unrest_nash_set point; /* equilibria of g */
    size_t replicates;     /* B */
    size_t *seen;          /* seen[e]: replicates in which point equilibrium e was found */
    unrest_nash_set extra; /* equilibria of replicates matching none of g's (deduplicated by the
                              same rule; x from the first replicate where it was seen, payoff
                              and regret evaluated on g), extra.hits[e]: replicates where it
                              appeared */
} unrest_nash_stability;

unrest_status unrest_nash_stability_run(const unrest_game_nf *g, const double *reps, size_t B,
                                        const unrest_nash_opts *o, double match_tol,
                                        unrest_nash_stability *out, char *err, size_t errlen);
void unrest_nash_stability_free(unrest_nash_stability *s);

/* ---- sequential play ------------------------------------------------------------------------ */

/* Perfect-information play of g in the order order[0..n) (a permutation of the players): the
 * mover at stage t sees the strategies chosen at stages < t. A node of stage t is a history
 * h of the earlier movers' strategies, mixed-radix with order[0] slowest; its id is
 * stage_off[t] + h. Backward induction on u: at each node the mover picks a strategy that
 * maximises its own payoff in the subgame; ties (within tol) go to the lowest strategy index
 * and are counted. The path is the subgame-perfect equilibrium's play: what the first mover
 * can force by moving first. Free with unrest_nash_tree_free (zeroes; zeroed is a no-op). */
typedef struct unrest_nash_tree {
    size_t n;                                      /* players = stages */
    size_t order[UNREST_NASH_MAX_PLAYERS];         /* order[t]: the player who moves at stage t */
    size_t stage_off[UNREST_NASH_MAX_PLAYERS + 1]; /* nodes of stage t: [stage_off[t],
                                                      stage_off[t+1]) */
    size_t nodes;                                  /* decision nodes in all (stage_off[n]) */
    size_t *choice;                                /* choice[node]: the mover's strategy there */
    double *value;       /* value[node * n + p]: payoff to p of the subgame at node */
    unsigned char *tied; /* tied[node] = 1 when another strategy was as good (within tol) */
    size_t ties;         /* nodes with ties: 0 means the subgame-perfect play is unique */
    size_t path[UNREST_NASH_MAX_PLAYERS]; /* path[p]: strategy of player p (by player) */
    size_t path_profile;                  /* the profile index of the path */
} unrest_nash_tree;

/* order may be NULL (players 0, 1, ..). tol <= 0 takes 1e-9 x payoff range. */
unrest_status unrest_nash_backward(const unrest_game_nf *g, const size_t *order, double tol,
                                   unrest_nash_tree *out, char *err, size_t errlen);
void unrest_nash_tree_free(unrest_nash_tree *t);

/* ---- scenario discovery: PRIM --------------------------------------------------------------- */

/* Options of PRIM; zero fields take the defaults in brackets. */
typedef struct unrest_prim_opts {
    double alpha;     /* share of the box's points peeled per step [0.05] */
    double min_mass;  /* stop before the box holds less than this share of all points [0.05] */
    double threshold; /* chosen box: the one of greatest coverage with density >= threshold;
                         when none reaches it, the densest box [0.8] */
} unrest_prim_opts;

/* The peeling trajectory: box 0 is the whole data (bounds = each dimension's min and max), each
 * later box is the previous one less the alpha-share slice (lowest or highest values of one
 * dimension) whose removal leaves the highest mean y (Friedman & Fisher's original criterion;
 * ties: the smaller slice, then the lower dimension). No pasting. Free with
 * unrest_prim_result_free (zeroes; zeroed is a no-op). */
typedef struct unrest_prim_result {
    size_t d;                  /* dimensions */
    size_t boxes;              /* boxes on the trajectory (>= 1) */
    double *lo, *hi;           /* lo[b * d + j], hi[b * d + j]: box b's closed bounds on j */
    double *coverage;          /* coverage[b]: sum of y inside box b / sum of y (0 if none) */
    double *density;           /* density[b]: mean of y inside box b */
    double *mass;              /* mass[b]: share of the points inside box b */
    size_t *inside;            /* inside[b]: points inside box b */
    size_t chosen;             /* the chosen box (opts.threshold) */
    unsigned char *restricted; /* restricted[j] = 1 when the chosen box bounds j more tightly
                                  than box 0 */
} unrest_prim_result;

/* x: N points of d dimensions, row-major (N x d); y[i] in [0, 1]: the outcome (1 = proxy war,
 * or a share of runs). o may be NULL. UNREST_EINVAL with a message for N < 2, d = 0, a y
 * outside [0, 1], non-finite values or options out of range (alpha and min_mass in (0, 1)). */
unrest_status unrest_prim(const double *x, const double *y, size_t N, size_t d,
                          const unrest_prim_opts *o, unrest_prim_result *out, char *err,
                          size_t errlen);
void unrest_prim_result_free(unrest_prim_result *r);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif
