/*
 * test_model.c - the model's rules and bookkeeping: seeds fix runs bit for bit; the fast kernel
 * and its brute-force scan twin give identical runs under every profile and lattice shape;
 * counts agree with the lattice every tick; the rules' limiting cases hold (G <= T never
 * active, no cops means active iff G > T, J = 0 and J = inf); cops can be removed and added.
 * The vector kernels of model_int.h and shuffle.c agree with their plain-C twins on random inputs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "shuffle.h"
#include "unrest/unrest.h"

static unrest_model *make(const unrest_params *p, uint64_t seed)
{
    unrest_model *m = NULL;
    char err[256];
    unrest_status st = unrest_model_create(&m, p, seed, err, sizeof err);
    if (st != UNREST_OK) fail_msg("create: %s", err);
    return m;
}

static void set(unrest_params *p, const char *name, const char *value)
{
    char err[256];
    if (unrest_params_set(p, name, value, err, sizeof err) != UNREST_OK) fail_msg("%s", err);
}

/* The counts must match what the lattice shows. */
static void check_invariants(const unrest_model *m, uint8_t *snap)
{
    const unrest_params *p = unrest_model_params(m);
    unrest_counts c;
    unrest_model_counts(m, &c);
    unrest_model_snapshot(m, snap);
    uint32_t n[5] = {0};
    for (uint32_t i = 0; i < p->width * p->height; i++)
        n[snap[i]]++;
    assert_int_equal(c.quiet + c.active + c.jailed, c.citizens);
    assert_int_equal(n[UNREST_CELL_ACTIVE], c.active);
    assert_int_equal(n[UNREST_CELL_QUIET], c.quiet);
    assert_int_equal(n[UNREST_CELL_COP], c.cops);
    if (p->jail_place == UNREST_JAIL_BLOCKING) assert_int_equal(n[UNREST_CELL_JAILED], c.jailed);
    if (p->jail_place == UNREST_JAIL_REMOVED) assert_int_equal(n[UNREST_CELL_JAILED], 0);
    assert_true(c.arrests <= c.cops);
    /* the bit planes the neighbourhood counts read agree with the agents, cell by cell (a
     * cell left behind must not keep a bit, whatever occupies it next) */
    for (uint32_t y = 0; y < p->height; y++)
        for (uint32_t x = 0; x < p->width; x++) {
            uint32_t na, nc;
            uint8_t k = snap[(size_t)y * p->width + x];
            unrest_model_count_near(m, x, y, 0, &na, &nc);
            assert_int_equal(na, k == UNREST_CELL_ACTIVE);
            assert_int_equal(nc, k == UNREST_CELL_COP);
        }
}

/* Run two models side by side and require identical counts and lattices every tick. */
static void run_pair(const unrest_params *a, const unrest_params *b, uint64_t sa, uint64_t sb,
                     int ticks, int expect_same)
{
    unrest_model *m1 = make(a, sa), *m2 = make(b, sb);
    size_t cells = (size_t)a->width * a->height;
    uint8_t *s1 = malloc(cells), *s2 = malloc(cells);
    int differ = 0;
    for (int t = 0; t < ticks; t++) {
        unrest_model_step(m1);
        unrest_model_step(m2);
        unrest_counts c1, c2;
        unrest_model_counts(m1, &c1);
        unrest_model_counts(m2, &c2);
        check_invariants(m1, s1);
        check_invariants(m2, s2);
        int same = c1.active == c2.active && c1.jailed == c2.jailed && c1.moves == c2.moves &&
                   c1.arrests == c2.arrests && memcmp(s1, s2, cells) == 0;
        if (expect_same && !same) fail_msg("runs diverge at tick %d", t + 1);
        differ |= !same;
    }
    if (!expect_same) assert_true(differ);
    free(s1);
    free(s2);
    unrest_model_destroy(m1);
    unrest_model_destroy(m2);
}

static void test_same_seed_same_run(void **state)
{
    (void)state;
    unrest_params p;
    unrest_params_default(&p);
    run_pair(&p, &p, 7, 7, 300, 1);
    run_pair(&p, &p, 7, 8, 300, 0);
}

/* The fast kernel and the scan twin consume the same draws and must agree exactly. */
static void test_fast_equals_scan(void **state)
{
    (void)state;
    const char *const *profiles = unrest_profile_names();
    for (int i = 0; profiles[i]; i++) {
        unrest_params f, s;
        unrest_params_default(&f);
        unrest_params_profile(&f, profiles[i]);
        s = f;
        set(&s, "kernel", "scan");
        run_pair(&f, &s, 11, 11, 200, 1);
        /* multi-word rows, a non-square torus and the paper's v = 1.7 */
        set(&f, "width", "130");
        set(&f, "height", "37");
        set(&f, "citizen_vision", "1.7");
        set(&f, "cop_vision", "5");
        set(&f, "legitimacy", "0.7");
        s = f;
        set(&s, "kernel", "scan");
        run_pair(&f, &s, 12, 12, 60, 1);
    }
    /* Moore and von Neumann shapes, movement off */
    unrest_params f, s;
    unrest_params_default(&f);
    set(&f, "hood", "moore");
    set(&f, "citizen_vision", "3");
    set(&f, "movement", "false");
    s = f;
    set(&s, "kernel", "scan");
    run_pair(&f, &s, 13, 13, 100, 1);
}

/* Legitimacy 0.9: G = H(1 - L) <= 0.1 = T, so nobody can be active. */
static void test_high_legitimacy_inert(void **state)
{
    (void)state;
    unrest_params p;
    unrest_params_default(&p);
    set(&p, "legitimacy", "0.9");
    unrest_model *m = make(&p, 3);
    for (int t = 0; t < 200; t++) {
        unrest_model_step(m);
        unrest_counts c;
        unrest_model_counts(m, &c);
        assert_int_equal(c.active, 0);
        assert_int_equal(c.jailed, 0);
    }
    unrest_model_destroy(m);
}

/* No cops: P = 0, so a citizen is active iff H(1 - L) > T, i.e. H > 0.1 / 0.18: a binomial
 * share 1 - 5/9 of the citizens after every citizen has acted once. */
static void test_no_cops(void **state)
{
    (void)state;
    unrest_params p;
    unrest_params_default(&p);
    set(&p, "cop_density", "0");
    unrest_model *m = make(&p, 5);
    unrest_model_step(m);
    unrest_counts c;
    unrest_model_counts(m, &c);
    double q = 1.0 - 0.1 / 0.18, n = c.citizens;
    double sd = sqrt(n * q * (1 - q));
    assert_int_equal(c.cops, 0);
    assert_true(fabs(c.active - n * q) < 5 * sd);
    for (int t = 0; t < 20; t++) {
        unrest_counts d;
        unrest_model_step(m);
        unrest_model_counts(m, &d);
        assert_int_equal(d.active, c.active); /* nothing changes without cops */
    }
    unrest_model_destroy(m);
}

static void test_jail_limits(void **state)
{
    (void)state;
    unrest_params p;
    unrest_params_default(&p);
    set(&p, "legitimacy", "0.7");
    /* J = inf: nobody is ever released */
    set(&p, "jail_max", "inf");
    unrest_model *m = make(&p, 9);
    uint32_t last = 0;
    for (int t = 0; t < 200; t++) {
        unrest_model_step(m);
        unrest_counts c;
        unrest_model_counts(m, &c);
        assert_int_equal(c.releases, 0);
        assert_true(c.jailed >= last);
        last = c.jailed;
    }
    assert_true(last > 0);
    unrest_model_destroy(m);
    /* J = 0 with the end-of-tick countdown: arrests only silence (jailed means term > 0) */
    set(&p, "jail_max", "0");
    set(&p, "jail_term", "zero_to_excl");
    m = make(&p, 9);
    uint32_t arrests = 0;
    for (int t = 0; t < 100; t++) {
        unrest_model_step(m);
        unrest_counts c;
        unrest_model_counts(m, &c);
        assert_int_equal(c.jailed, 0);
        arrests += c.arrests;
    }
    assert_true(arrests > 0);
    unrest_model_destroy(m);
}

/* Mesa: a term counts down on the citizen's own activations; jailed block their cells. */
static void test_mesa_jail(void **state)
{
    (void)state;
    unrest_params p;
    unrest_params_default(&p);
    unrest_params_profile(&p, "mesa");
    set(&p, "legitimacy", "0.7");
    set(&p, "jail_max", "3");
    unrest_model *m = make(&p, 21);
    uint8_t *snap = malloc(1600);
    uint32_t rel = 0, jailed_max = 0;
    for (int t = 0; t < 300; t++) {
        unrest_model_step(m);
        check_invariants(m, snap);
        unrest_counts c;
        unrest_model_counts(m, &c);
        rel += c.releases;
        if (c.jailed > jailed_max) jailed_max = c.jailed;
    }
    assert_true(rel > 0);
    assert_true(jailed_max > 0);
    free(snap);
    unrest_model_destroy(m);
}

static void test_cops_change(void **state)
{
    (void)state;
    unrest_params p;
    unrest_params_default(&p);
    unrest_model *m = make(&p, 4);
    uint8_t *snap = malloc(1600);
    unrest_counts c;
    unrest_model_counts(m, &c);
    assert_int_equal(c.cops, 64); /* round(0.04 * 1600) */
    assert_int_equal(unrest_model_set_cops(m, 10), UNREST_OK);
    unrest_model_step(m);
    check_invariants(m, snap);
    unrest_model_counts(m, &c);
    assert_int_equal(c.cops, 10);
    assert_int_equal(unrest_model_set(m, "cop_density", "0.0625"), UNREST_OK);
    unrest_model_step(m);
    check_invariants(m, snap);
    unrest_model_counts(m, &c);
    assert_int_equal(c.cops, 100);
    assert_int_equal(unrest_model_set_cops(m, 2000), UNREST_ERANGE);
    assert_non_null(strstr(unrest_model_error(m), "do not fit"));
    assert_int_equal(unrest_model_set(m, "width", "50"), UNREST_ESTATE);
    assert_int_equal(unrest_model_set(m, "nope", "1"), UNREST_EUNKNOWN);
    assert_int_equal(unrest_model_set(m, "legitimacy", "2"), UNREST_ERANGE);
    assert_non_null(strstr(unrest_model_error(m), "legitimacy"));
    assert_int_equal(unrest_model_set(m, "legitimacy", "0.5"), UNREST_OK);
    unrest_model_counts(m, &c);
    assert_true(c.legitimacy == 0.5);
    free(snap);
    unrest_model_destroy(m);
}

static void test_create_rejects_bad_params(void **state)
{
    (void)state;
    unrest_params p;
    unrest_params_default(&p);
    p.citizen_vision = 20;
    unrest_model *m = (unrest_model *)&p;
    char err[256];
    assert_int_equal(unrest_model_create(&m, &p, 1, err, sizeof err), UNREST_ERANGE);
    assert_null(m);
    assert_non_null(strstr(err, "citizen_vision"));
    unrest_model_destroy(NULL); /* a no-op */
}

/* Exact initialisation: round(d * cells) of each kind; binomial: around it. */
/* A bloc of b citizens placed one after another shares one draw of hardship and risk
 * aversion; b = 1 is the model without blocs, draw for draw; blocs leave the distribution's
 * mean within the noise of fewer draws. */
static void test_bloc(void **state)
{
    (void)state;
    unrest_params p;
    unrest_params_default(&p);
    set(&p, "hardship_sigma", "0.5");
    unrest_model *one = make(&p, 11);
    set(&p, "bloc", "1");
    unrest_model *same = make(&p, 11);
    set(&p, "bloc", "7");
    unrest_model *bloc = make(&p, 11);
    uint32_t n = unrest_model_params(one)->width * unrest_model_params(one)->height;
    unrest_counts c;
    unrest_model_counts(bloc, &c);
    assert_true(c.citizens > 100 && c.citizens < n);
    uint32_t distinct = 0;
    for (uint32_t a = 0; a < c.citizens; a++) {
        assert_true(one->ag[a].hard == same->ag[a].hard && one->ag[a].risk == same->ag[a].risk);
        if (a % 7) { /* inside a bloc: its first member's draw */
            assert_true(bloc->ag[a].hard == bloc->ag[a - a % 7].hard);
            assert_true(bloc->ag[a].risk == bloc->ag[a - a % 7].risk);
        } else {
            distinct++;
            /* a bloc's draw is the draw its first member would have had alone */
            assert_true(bloc->ag[a].hard == one->ag[a / 7].hard);
        }
    }
    assert_int_equal(distinct, (c.citizens + 6) / 7);
    /* the mean risk aversion of ~160 blocs: U(0,1), sd 0.29 / sqrt(160) = 0.023 */
    assert_true(fabs(bloc->mean_r - 0.5) < 4 * 0.29 / sqrt(c.citizens / 7.0));
    /* bloc_scatter: the same blocs of 7, their members anywhere on the lattice */
    set(&p, "bloc_scatter", "1");
    unrest_model *scat = make(&p, 11), *again = make(&p, 11);
    uint32_t side = 0, size[64] = {0};
    for (uint32_t a = 0; a < c.citizens; a++) {
        assert_true(scat->ag[a].hard == again->ag[a].hard); /* the same seed, the same blocs */
        side += a && scat->ag[a].hard == scat->ag[a - 1].hard;
        uint32_t k = 0; /* the bloc's size: citizens sharing this draw */
        for (uint32_t b = 0; b < c.citizens; b++)
            k += scat->ag[b].hard == scat->ag[a].hard && scat->ag[b].risk == scat->ag[a].risk;
        size[k < 63 ? k : 63]++;
    }
    /* every bloc whole: each citizen shares its draw with 6 others (the last bloc may be short) */
    assert_true(size[7] >= c.citizens - 6 && size[7] <= c.citizens);
    /* side by side 6 of 7 pairs of citizens numbered one after another share a draw (about 960
     * pairs); scattered each pair does with chance 6 / (n - 1): about 6 pairs, Poisson */
    assert_true(side < 20);
    /* the draws are the blocs' draws of before: the same multiset of hardships */
    double sum_b = 0, sum_s = 0;
    for (uint32_t a = 0; a < c.citizens; a++) {
        sum_b += bloc->ag[a].hard;
        sum_s += scat->ag[a].hard;
    }
    assert_true(fabs(sum_b - sum_s) < 1e-3 * sum_b);
    unrest_model_destroy(scat);
    unrest_model_destroy(again);
    unrest_model_destroy(one);
    unrest_model_destroy(same);
    unrest_model_destroy(bloc);
}

/* Actives inside a gathering area around (x, y) of half-side r, and all actives. */
static void actives_in(const unrest_model *m, uint32_t x, uint32_t y, uint32_t r, uint32_t *in,
                       uint32_t *all)
{
    unrest_counts c;
    unrest_model_counts(m, &c);
    uint32_t cops;
    unrest_model_count_near(m, x, y, r, in, &cops);
    *all = c.active;
}

/* Gathering (unrest_model_set_gather): with jump 1 every active citizen is in the area two
 * ticks on, at any lattice size, and stays there; the walk of set_focus (pull 1) gathers far
 * fewer on a large lattice; jump 0 is the model without gathering, draw for draw; bad calls
 * are refused. */
static void test_gather(void **state)
{
    (void)state;
    uint8_t *snap = malloc(200 * 200);
    assert_non_null(snap);
    for (int big = 0; big <= 1; big++) {
        unrest_params p;
        unrest_params_default(&p);
        set(&p, "width", big ? "200" : "60");
        set(&p, "height", big ? "200" : "60");
        set(&p, "citizen_density", "0.05"); /* room in the area for every active citizen */
        set(&p, "cop_density", "0");        /* no cops: active iff G > T, and it stays so */
        set(&p, "legitimacy", "0.6");
        uint32_t side = big ? 200 : 60, r = side / 5, xy[2] = {side / 3, side / 2};
        unrest_model *g = make(&p, 5), *walk = make(&p, 5), *plain = make(&p, 5),
                     *off = make(&p, 5);
        assert_int_equal(unrest_model_set_focus(g, xy, 1, 0), UNREST_OK);
        assert_int_equal(unrest_model_set_gather(g, &r, 1, 1.0), UNREST_OK);
        assert_int_equal(unrest_model_set_focus(walk, xy, 1, 1.0), UNREST_OK);
        assert_int_equal(unrest_model_set_focus(off, xy, 1, 0), UNREST_OK);
        assert_int_equal(unrest_model_set_gather(off, &r, 1, 0), UNREST_OK);
        /* refused: a radius for each point, jump in [0, 1] */
        assert_int_equal(unrest_model_set_gather(off, &r, 2, 0.5), UNREST_ERANGE);
        assert_int_equal(unrest_model_set_gather(off, &r, 1, 1.5), UNREST_ERANGE);
        assert_int_equal(unrest_model_set_gather(plain, &r, 0, 0.5), UNREST_ERANGE); /* no point */
        uint32_t in, all, win, wall;
        for (int t = 0; t < 6; t++) {
            assert_int_equal(unrest_model_step(g), UNREST_OK);
            assert_int_equal(unrest_model_step(walk), UNREST_OK);
            assert_int_equal(unrest_model_step(plain), UNREST_OK);
            assert_int_equal(unrest_model_step(off), UNREST_OK);
            check_invariants(g, snap);
            actives_in(g, xy[0], xy[1], r, &in, &all);
            assert_true(all > 50);
            /* the first tick makes them active (move, then act); the second gathers them but
             * for the few whose four tries all hit an occupied cell (the area fills to about a
             * quarter: 0.25^4 = 0.4 %), the third the rest */
            if (t >= 2) assert_true(in >= all - all / 100);
        }
        actives_in(walk, xy[0], xy[1], r, &win, &wall);
        /* the walk covers vision (7 cells) a tick: on 200 x 200 most are still on the way */
        if (big) assert_true(win < wall / 2);
        /* jump 0: draw for draw the model without it */
        unrest_counts a, b;
        unrest_model_counts(plain, &a);
        unrest_model_counts(off, &b);
        assert_memory_equal(&a, &b, sizeof a);
        unrest_model_snapshot(plain, snap);
        uint8_t *snap2 = malloc(side * side);
        assert_non_null(snap2);
        unrest_model_snapshot(off, snap2);
        assert_memory_equal(snap, snap2, side * side);
        free(snap2);
        unrest_model_destroy(g);
        unrest_model_destroy(walk);
        unrest_model_destroy(plain);
        unrest_model_destroy(off);
    }
    /* the parallel update cannot move a citizen out of its block */
    unrest_params p;
    unrest_params_default(&p);
    set(&p, "update", "parallel");
    unrest_model *par = make(&p, 5);
    uint32_t xy[2] = {3, 3}, r = 2;
    assert_int_equal(unrest_model_set_focus(par, xy, 1, 0), UNREST_OK);
    assert_int_equal(unrest_model_set_gather(par, &r, 1, 0.5), UNREST_EINVAL);
    unrest_model_destroy(par);
    free(snap);
}

/* Gathering and the walk to a focal point: the fast kernel and the scan twin agree, on a small
 * lattice and on one beyond the caches, where the activation loop computes the active
 * citizens' movement blocks ahead (prefetch_agent) and takes them without a stream (move). */
static void test_gather_fast_equals_scan(void **state)
{
    (void)state;
    for (int big = 0; big <= 1; big++)
        for (int walk = 0; walk <= 1; walk++) {
            unrest_params f;
            unrest_params_default(&f);
            set(&f, "width", big ? "400" : "60");
            set(&f, "height", big ? "400" : "60");
            set(&f, "legitimacy", "0.7"); /* many active citizens, many arrests */
            unrest_params s = f;
            set(&s, "kernel", "scan");
            uint32_t side = big ? 400 : 60, r = side / 10, xy[4] = {side / 3, side / 2, 5, 7};
            uint32_t rr[2] = {r, 3};
            unrest_model *m[2] = {make(&f, 9), make(&s, 9)};
            size_t cells = (size_t)side * side;
            uint8_t *snap[2] = {malloc(cells), malloc(cells)};
            assert_non_null(snap[0]);
            assert_non_null(snap[1]);
            for (int k = 0; k < 2; k++) {
                assert_int_equal(unrest_model_set_focus(m[k], xy, 2, walk ? 0.5 : 0), UNREST_OK);
                if (!walk) assert_int_equal(unrest_model_set_gather(m[k], rr, 2, 0.3), UNREST_OK);
            }
            for (int t = 0; t < 8; t++) {
                unrest_counts c[2];
                for (int k = 0; k < 2; k++) {
                    assert_int_equal(unrest_model_step(m[k]), UNREST_OK);
                    unrest_model_counts(m[k], &c[k]);
                    unrest_model_snapshot(m[k], snap[k]);
                }
                assert_true(c[0].active > 0);
                assert_int_equal(c[0].active, c[1].active);
                assert_int_equal(c[0].jailed, c[1].jailed);
                assert_int_equal(c[0].moves, c[1].moves);
                assert_int_equal(c[0].arrests, c[1].arrests);
                assert_memory_equal(snap[0], snap[1], cells);
            }
            for (int k = 0; k < 2; k++) {
                free(snap[k]);
                unrest_model_destroy(m[k]);
            }
        }
}

/* Gathering's choice (unrest_model_set_gather_choice; Davies et al. 2013's choice of site): with
 * weights 1 and 0.5 two areas take the gathering crowd two to one, wherever each citizen stands;
 * with weights 1 and 0 the second takes no one new; with every weight 0 it is the nearest point,
 * draw for draw; a large distance decay sends each to the nearer point whatever the weights; bad
 * calls are refused. */
static void test_gather_choice(void **state)
{
    (void)state;
    unrest_params p;
    unrest_params_default(&p);
    set(&p, "width", "100");
    set(&p, "height", "100");
    set(&p, "citizen_density", "0.05");
    set(&p, "cop_density", "0"); /* active iff G > T: three in four, from the first tick */
    set(&p, "legitimacy", "0.6");
    uint32_t xy[4] = {25, 50, 75, 50}, r[2] = {10, 10};
    const double two_to_one[2] = {1, 0.5}, one_only[2] = {1, 0}, none[2] = {0, 0}, even[2] = {1, 1};
    const double *wt[5] = {two_to_one, one_only, none, NULL, two_to_one};
    const double decay[5] = {0, 0, 0, 0, 1000};
    uint32_t in0[5], in1[5], start0[5], start1[5], all[5];
    uint8_t *snap[5];
    for (int k = 0; k < 5; k++) {
        unrest_model *m = make(&p, 9);
        assert_int_equal(unrest_model_set_focus(m, xy, 2, 0), UNREST_OK);
        assert_int_equal(unrest_model_set_gather(m, r, 2, 1.0), UNREST_OK);
        if (k == 0) { /* refused: a weight per point, finite and >= 0, a decay >= 0 */
            const double bad[2] = {1, -1};
            assert_int_equal(unrest_model_set_gather_choice(m, even, 1, 0), UNREST_ERANGE);
            assert_int_equal(unrest_model_set_gather_choice(m, bad, 2, 0), UNREST_ERANGE);
            assert_int_equal(unrest_model_set_gather_choice(m, even, 2, -1), UNREST_ERANGE);
            assert_int_equal(unrest_model_set_gather_choice(m, even, 2, NAN), UNREST_ERANGE);
        }
        assert_int_equal(unrest_model_set_gather_choice(m, wt[k], 2, decay[k]), UNREST_OK);
        assert_int_equal(unrest_model_step(m), UNREST_OK); /* they rise; none has gathered yet */
        actives_in(m, xy[0], xy[1], r[0], &start0[k], &all[k]);
        actives_in(m, xy[2], xy[3], r[1], &start1[k], &all[k]);
        for (int t = 0; t < 4; t++)
            assert_int_equal(unrest_model_step(m), UNREST_OK);
        actives_in(m, xy[0], xy[1], r[0], &in0[k], &all[k]);
        actives_in(m, xy[2], xy[3], r[1], &in1[k], &all[k]);
        assert_true(all[k] > 300);
        snap[k] = malloc(100 * 100);
        assert_non_null(snap[k]);
        unrest_model_snapshot(m, snap[k]);
        unrest_model_destroy(m);
    }
    /* two to one: of about 260 who gathered, a share of 2/3 (sd 0.03) went to the first */
    double g0 = in0[0] - start0[0], g1 = in1[0] - start1[0];
    double h0 = in0[4] - start0[4], h1 = in1[4] - start1[4];
    double n0 = in0[3] - start0[3], n1 = in1[3] - start1[3];
    assert_true(g0 + g1 > 200);
    assert_true(fabs(g0 / (g0 + g1) - 2.0 / 3) < 0.1);
    /* weight 0: the second area keeps those who were in it and takes no one */
    assert_true(in1[1] <= start1[1]);
    assert_true(in0[1] + in1[1] >= all[1] - all[1] / 50);
    /* every weight 0 is the nearest point: the same model, draw for draw */
    assert_memory_equal(snap[2], snap[3], 100 * 100);
    /* a large decay outweighs the weights: each goes to the nearer point, as the nearest rule
     * does (half and half, not two to one) */
    assert_true(fabs(h0 / (h0 + h1) - n0 / (n0 + n1)) < 0.02);
    for (int k = 0; k < 5; k++)
        free(snap[k]);
}

/* Fatigue: with no cops a citizen whose G > T is active unless spent; each tick an active one goes
 * home spent with probability w and a spent one can rise again with probability r (then acts at
 * once, and may tire again), so the active share of those who could be active settles at
 * r(1 - w) / (r(1 - w) + w), and no spent citizen is ever active. */
static void test_fatigue(void **state)
{
    (void)state;
    const double w = 0.2, r = 0.1, want = r * (1 - w) / (r * (1 - w) + w);
    for (int seed = 1; seed <= 5; seed++) {
        unrest_params p;
        unrest_params_default(&p);
        set(&p, "cop_density", "0");
        set(&p, "legitimacy", "0.6");
        unrest_model *plain = make(&p, (uint64_t)seed);
        set(&p, "fatigue", "0.2");
        set(&p, "rest", "0.1");
        unrest_model *tired = make(&p, (uint64_t)seed);
        unrest_counts c;
        assert_int_equal(unrest_model_step(plain), UNREST_OK);
        unrest_model_counts(plain, &c);
        double eligible = c.active; /* no cops: active iff G > T, from the first tick on */
        assert_true(eligible > 200);
        double share = 0;
        for (int t = 0; t < 300; t++) {
            assert_int_equal(unrest_model_step(tired), UNREST_OK);
            for (uint32_t a = 0; a < tired->n_cit; a++)
                if (tired->ag[a].flags & AG_SPENT)
                    assert_int_not_equal(tired->ag[a].state, ST_ACTIVE);
            if (t >= 100) {
                unrest_model_counts(tired, &c);
                share += c.active / eligible / 200;
            }
        }
        /* measured on these 5 seeds: 0.2844, 0.2813, 0.2868, 0.2856, 0.2828 (sd 0.0022): 4 sd */
        assert_true(fabs(share - want) < 0.009);
        unrest_model_destroy(plain);
        unrest_model_destroy(tired);
    }
}

/* The share of citizens that one tick moves farther than the vision (torus distance): a move in
 * vision never does; relocation (param relocate) moves agents anywhere on the lattice. */
static double far_share(unrest_model *m)
{
    uint32_t n = m->n_cit, w = m->p.width, h = m->p.height, far = 0;
    uint32_t *was = malloc(n * sizeof *was);
    assert_non_null(was);
    for (uint32_t a = 0; a < n; a++)
        was[a] = m->ag[a].pos;
    assert_int_equal(unrest_model_step(m), UNREST_OK);
    for (uint32_t a = 0; a < n; a++) {
        uint32_t dx = (uint32_t)abs((int)pos_x(m->ag[a].pos) - (int)pos_x(was[a]));
        uint32_t dy = (uint32_t)abs((int)pos_y(m->ag[a].pos) - (int)pos_y(was[a]));
        dx = dx < w - dx ? dx : w - dx;
        dy = dy < h - dy ? dy : h - dy;
        far += (double)dx * dx + (double)dy * dy > m->p.citizen_vision * m->p.citizen_vision;
    }
    free(was);
    return (double)far / n;
}

static void test_relocate(void **state)
{
    (void)state;
    unrest_params p;
    unrest_params_default(&p);
    set(&p, "legitimacy", "0.95"); /* no arrests: jail does not move anyone */
    double share[3];
    const char *rates[3] = {"0", "0.2", "1"};
    for (int i = 0; i < 3; i++) {
        set(&p, "relocate", rates[i]);
        unrest_model *m = make(&p, 7);
        share[i] = 0;
        for (int t = 0; t < 10; t++)
            share[i] += far_share(m) / 10;
        unrest_model_destroy(m);
    }
    /* a move in vision never goes farther than the vision */
    assert_true(share[0] == 0);
    /* relocate = 1: each of 4 uniform draws is empty with chance about 1 - 0.74 and lands
     * outside the vision with chance 1 - 154/1600, so about (1 - 0.74^4) 0.90 = 0.63 go far;
     * measured 0.637 (seed 7; 0.628 and 0.645 on seeds 8 and 9), and at relocate = 0.2 a
     * fifth of that: 0.126 (0.126, 0.129) */
    assert_true(share[2] > 0.55 && share[2] < 0.7);
    assert_true(fabs(share[1] - 0.2 * share[2]) < 0.03);
    /* the same seed, the same run */
    set(&p, "relocate", "0.3");
    run_pair(&p, &p, 3, 3, 50, 1);
    /* it moves agents any distance: not with the parallel update's blocks */
    set(&p, "update", "parallel");
    char err[256];
    assert_int_equal(unrest_params_validate(&p, err, sizeof err), UNREST_EINVAL);
    assert_non_null(strstr(err, "relocate moves agents any distance: it needs update=sequential"));
}

/* A random empty cell draws its row, then its column, in sequence: the order GCC chose while C
 * left it unspecified, so that a clang build (left to right) runs the same seed as a GCC build.
 * Replays the draws on a copy of the stream: on an empty-ish lattice the first draw pair is used.
 */
static void test_random_cell_order(void **state)
{
    (void)state;
    unrest_params p;
    unrest_params_default(&p);
    set(&p, "citizen_density", "0.05");
    set(&p, "cop_density", "0");
    unrest_model *m = make(&p, 1);
    int checked = 0;
    for (uint64_t s = 1; s <= 200; s++) {
        rng r, copy;
        rng_init(&r, s, 0, 0, 0);
        copy = r;
        uint32_t got = model_random_empty_cell(m, &r);
        uint32_t y = rng_below(&copy, m->L.h);
        uint32_t x = rng_below(&copy, m->L.w);
        if (pos_make(x, y) == got) checked++;
    }
    /* the first pair is empty with chance about 0.95: never if the order were x, then y
     * (for all 200 the two orders differ unless x == y's draw) */
    assert_true(checked > 170);
    unrest_model_destroy(m);
}

static void test_initial_counts(void **state)
{
    (void)state;
    unrest_params p;
    unrest_params_default(&p);
    unrest_model *m = make(&p, 1);
    unrest_counts c;
    unrest_model_counts(m, &c);
    assert_int_equal(c.citizens, 1120);
    assert_int_equal(c.cops, 64);
    unrest_model_destroy(m);
    unrest_params_profile(&p, "mesa");
    double mean = 0;
    for (uint64_t s = 1; s <= 50; s++) {
        m = make(&p, s);
        unrest_model_counts(m, &c);
        mean += c.citizens / 50.0;
        unrest_model_destroy(m);
    }
    /* binomial(1600, 0.7): sd 18.3 per seed, 2.6 for the mean of 50 */
    assert_true(fabs(mean - 1120) < 5 * 2.6);
}

/* The memory budget of the national-scale issue: at most 32 bytes per agent, lattice included. */
static void test_bytes_per_agent(void **state)
{
    (void)state;
    unrest_params p;
    unrest_params_default(&p);
    set(&p, "width", "1000");
    set(&p, "height", "1000");
    unrest_model *m = make(&p, 1);
    unrest_counts c;
    unrest_model_counts(m, &c);
    double per = (double)unrest_model_bytes(m) / (c.citizens + c.cops);
    print_message("bytes per agent at 1000x1000: %.2f\n", per);
    assert_true(per <= 32.0);
    unrest_model_destroy(m);
}

/* ---- the vector kernels against their plain-C twins (model_int.h, shuffle.h) ---- */

/* A jail term as the countdowns meet them: free, due, finite, or forever. */
static uint16_t some_term(rng *r)
{
    uint32_t u = rng_below(r, 8);
    return (uint16_t)(u < 3   ? 0
                      : u < 5 ? 1 + rng_below(r, 2)
                      : u < 7 ? rng_below(r, UNREST_JAIL_FOREVER)
                              : UNREST_JAIL_FOREVER);
}

/* Run one round of a twin comparison rounds times, round t drawing its inputs from r. */
static void twin_rounds(void (*round)(rng *r, int t), uint32_t key, int rounds)
{
    rng r;
    rng_init(&r, key, 99, 0, 0);
    for (int t = 0; t < rounds; t++)
        round(&r, t);
}

/* count_down (AVX-512BW for whole 64-term words) and count_down_ref: the same due bits, the same
 * terms left. */
static void count_down_round(rng *r, int t)
{
    uint16_t a[64], b[64];
    uint32_t n = t % 4 ? 64 : rng_below(r, 65);
    for (uint32_t i = 0; i < 64; i++)
        a[i] = b[i] = some_term(r);
    assert_true(count_down(a, n) == count_down_ref(b, n));
    assert_memory_equal(a, b, sizeof a);
}

/* list_actors (AVX-512BW, 32 terms at a time) and list_actors_ref: the same list and terms, for
 * both countdowns and every length around the vector width. */
static void list_actors_round(rng *r, int t)
{
    enum { N = 300 };
    uint16_t ta[N], tb[N];
    uint32_t la[N], lb[N], n = rng_below(r, N + 1);
    for (uint32_t i = 0; i < n; i++)
        ta[i] = tb[i] = some_term(r);
    uint32_t ka = list_actors(ta, n, t & 1, la), kb = list_actors_ref(tb, n, t & 1, lb);
    assert_int_equal(ka, kb);
    if (ka) assert_memory_equal(la, lb, ka * sizeof *la);
    if (n) assert_memory_equal(ta, tb, n * sizeof *ta);
}

/* gather_row (AVX-512F, sixteen cells at a time) and gather_row_ref: the same agents gathered,
 * the same tags written, for any span of a row and either parity. */
static void gather_row_round(rng *r, int t)
{
    enum { W = 200 };
    int32_t oa[W], ob[W];
    uint32_t ba[W + 16], bb[W + 16];
    for (uint32_t x = 0; x < W; x++) {
        uint32_t tag = rng_below(r, 2) << OCC_TAG_BIT;
        oa[x] = ob[x] = rng_below(r, 4) ? (int32_t)(rng_below(r, OCC_AGENT) | tag) : -1;
    }
    uint32_t x0 = rng_below(r, W + 1), x1 = x0 + rng_below(r, W + 1 - x0);
    uint32_t na = gather_row(oa, x0, x1, (uint32_t)t & 1, ba);
    uint32_t nb = gather_row_ref(ob, x0, x1, (uint32_t)t & 1, bb);
    assert_int_equal(na, nb);
    if (na) assert_memory_equal(ba, bb, na * sizeof *ba);
    assert_memory_equal(oa, ob, sizeof oa);
}

/* The three kernels above against their twins, on random inputs. */
static void test_kernel_twins(void **state)
{
    (void)state;
    twin_rounds(count_down_round, 21, 2000);
    twin_rounds(list_actors_round, 22, 1000);
    twin_rounds(gather_row_round, 23, 1000);
}

/* A 16-bit draw d whose low product half (d * size) mod 2^16 is reject16 - 1, reject16 or
 * reject16 + 1 (e = 0, 1, 2): Lemire's boundary. Shapes are symmetric about the centre, so size
 * is odd and has an inverse mod 2^16 (Newton's iteration). */
static uint32_t boundary_draw(const shape *s, uint32_t e)
{
    uint32_t inv = s->size;
    for (int i = 0; i < 4; i++)
        inv *= 2 - s->size * inv;
    return ((s->reject16 + e - 1) * inv) & 0xffffu;
}

/* pick_block (SSE4.1: the eight 16-bit draws as vector lanes) and pick_block_ref: the same cell
 * or NO_CELL, on lattices from sparse to full, for shapes of 5 to 149 cells, with draws at
 * random and on the rejection boundary, at centres on the edges and anywhere. */
static void test_pick_block_twin(void **state)
{
    (void)state;
    rng r;
    rng_init(&r, 24, 99, 0, 0);
    const double dens[] = {0.2, 0.74, 0.97, 1.0};
    for (size_t di = 0; di < sizeof dens / sizeof dens[0]; di++) {
        lattice L;
        assert_int_equal(lattice_init(&L, 70, 45, 7), 0);
        for (uint32_t y = 0; y < L.h; y++)
            for (uint32_t x = 0; x < L.w; x++)
                if (rng_uniform(&r) < dens[di]) pad_write(&L, x, y, 1);
        const unrest_hood hoods[] = {UNREST_HOOD_VON_NEUMANN, UNREST_HOOD_MOORE,
                                     UNREST_HOOD_EUCLIDEAN};
        const double radii[] = {1, 1.7, 3, 5, 7};
        for (size_t hi = 0; hi < 3; hi++)
            for (size_t ri = 0; ri < sizeof radii / sizeof radii[0]; ri++) {
                shape s;
                assert_int_equal(shape_build(&s, hoods[hi], radii[ri]), 0);
                assert_int_equal(shape_link(&s, &L), 0);
                for (int t = 0; t < 400; t++) {
                    uint32_t x = t < 4 ? (t & 1 ? L.w - 1 : 0) : rng_below(&r, L.w);
                    uint32_t y = t < 4 ? (t & 2 ? L.h - 1 : 0) : rng_below(&r, L.h);
                    uint32_t w[4];
                    for (int i = 0; i < 4; i++)
                        w[i] = rng_u32(&r);
                    for (uint32_t j = 0; j < 8 && t % 2; j++) { /* draws on Lemire's boundary */
                        uint32_t d = boundary_draw(&s, rng_below(&r, 3)) & 0xffffu,
                                 sh = 16 * (j & 1);
                        if (rng_below(&r, 2)) w[j >> 1] = (w[j >> 1] & ~(0xffffu << sh)) | d << sh;
                    }
                    const uint8_t *box = L.pad + pad_base(&L, x, y) - s.box;
                    assert_int_equal(pick_block(&L, &s, x, y, box, w),
                                     pick_block_ref(&L, &s, x, y, box, w));
                }
                shape_free(&s);
            }
        lattice_free(&L);
    }
}

/* shuffle_list (draws fetched ahead; AVX-512F: sixteen indices at a time) and shuffle_list_ref
 * (one rng_u32 at a time): the same permutation for lengths around the vector width, the buffer
 * and 2^16 (the switch from whole-word to 16-bit draws), where rejections are frequent. */
static void test_shuffle_twin(void **state)
{
    (void)state;
    const uint32_t lens[] = {0,   1,   2,   3,   15,   16,    17,    18,    31,   33,
                             100, 511, 512, 513, 4000, 40000, 65536, 65537, 70001};
    uint32_t *a = malloc(70001 * sizeof *a), *b = malloc(70001 * sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++)
        for (uint64_t seed = 1; seed <= 3; seed++) {
            uint32_t n = lens[li];
            for (uint32_t i = 0; i < n; i++)
                a[i] = b[i] = i;
            rng ra, rb;
            rng_init(&ra, seed, RNG_ORDER, n, 0);
            rng_init(&rb, seed, RNG_ORDER, n, 0);
            shuffle_list(a, n, &ra);
            shuffle_list_ref(b, n, &rb);
            if (n) assert_memory_equal(a, b, n * sizeof *a);
        }
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_run),
        cmocka_unit_test(test_fast_equals_scan),
        cmocka_unit_test(test_high_legitimacy_inert),
        cmocka_unit_test(test_no_cops),
        cmocka_unit_test(test_jail_limits),
        cmocka_unit_test(test_mesa_jail),
        cmocka_unit_test(test_cops_change),
        cmocka_unit_test(test_create_rejects_bad_params),
        cmocka_unit_test(test_bloc),
        cmocka_unit_test(test_gather),
        cmocka_unit_test(test_gather_choice),
        cmocka_unit_test(test_fatigue),
        cmocka_unit_test(test_relocate),
        cmocka_unit_test(test_random_cell_order),
        cmocka_unit_test(test_initial_counts),
        cmocka_unit_test(test_bytes_per_agent),
        cmocka_unit_test(test_kernel_twins),
        cmocka_unit_test(test_gather_fast_equals_scan),
        cmocka_unit_test(test_pick_block_twin),
        cmocka_unit_test(test_shuffle_twin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
