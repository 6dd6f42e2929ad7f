/*
 * resolution_check.c - do outcomes in people depend on the resolution beyond sampling noise?
 * (issue: "counts in people, independent of resolution"). The default scenario runs to the
 * evening of 6 January at one agent per 100 and per 1,000 people on SEEDS seeds each; for each
 * outcome a two-sample Mann-Whitney test compares the two samples, at a level of 0.01 divided
 * among the outcomes (Bonferroni): the test fails when any outcome differs by more than chance
 * explains. Outcomes: national peak of people active at once on 3, 4 and 5 January, focal
 * points taken, security casualties, the number of cities with 1,000 or more people out on
 * 5 January; and the hours of three events the calibration dates: Almaty's police first
 * withdraw, Almaty's city hall and Aktobe's administration first fall. The same seeds at one
 * agent per 10 people are compared the same way with the 1:100 sample, on all nine outcomes
 * (UNREST_RESOLUTION_10=1 runs both comparisons, =only the 1:10 one: the CTest test
 * resolution_check_10, since session 13's default file, the posterior's representative particle,
 * passes it; the sanitizer build skips it, slow there). Between 1:100 and 1:1000 all nine are
 * asserted too since session 15: with the square counted at its share (force.focal_exact, on in the
 * file) the hours of 1:1000 agree with 1:100's (docs/VALIDATION.md, "the hours things happen";
 * before, at 1:1000 the buildings fell later and only the six counts were asserted). For diagnosis,
 * UNREST_RESOLUTION_SCENARIO=FILE checks another scenario and
 * UNREST_RESOLUTION_SET="PATH=VALUE,..." changes values of the one checked and
 * UNREST_RESOLUTION_SEEDS=N runs N seeds instead of SEEDS and UNREST_RESOLUTION_PAIR=A,B makes
 * the first comparison 1:A against 1:B (docs/VALIDATION.md, "Session 20"; none is set in CI).
 * Seeds and the level are fixed: the test is repeatable and can fail. The 1:100 against 1:1000
 * comparison is a CTest test (label stat) since the session-9 calibration passed it. With 40 seeds
 * the file failed it until session 20 gave every city at least 5,000 agents (scale.min_agents):
 * with that floor it passes at 40 seeds too, the medians within 2 % (docs/VALIDATION.md). The
 * 1:10 comparison passes with its twelve seeds but fails with 40 (1:10's crowds a sixth larger).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stats.h"
#include "worldtest.h"

#define SEEDS 12      /* the test's; UNREST_RESOLUTION_SEEDS=N (diagnosis) runs N instead */
#define MAX_SEEDS 400 /* the most UNREST_RESOLUTION_SEEDS may ask for */
#define NOUT 9        /* six counts in people and the hours of three dated events */
static const char *const names[NOUT] = {
    "peak 3 Jan",         "peak 4 Jan",          "peak 5 Jan",
    "focal taken",        "security casualties", "cities >= 1000",
    "hour Almaty police", "hour Almaty hall",    "hour Aktobe hall"};
#define NEVER 1000.0 /* the hour of an event that did not happen by the end of 6 January */

/* One run of the default scenario to 6 January 24:00 at ppa people per agent: its outcomes. */
static void run(int ppa, uint64_t seed, double *out)
{
    static unrest_scenario sc;
    char err[512], a[64];
    size_t len;
    const char *text = unrest_scenario_builtin(&len);
    const char *file = getenv("UNREST_RESOLUTION_SCENARIO"); /* diagnosis: another scenario */
    unrest_scenario_init(&sc);
    if ((file ? unrest_scenario_load(&sc, file, err, sizeof err)
              : unrest_scenario_load_string(&sc, text, len, "b", err, sizeof err)) != UNREST_OK)
        fail_msg("%s", err);
    snprintf(a, sizeof a, "scale.people_per_agent=%d", ppa);
    if (unrest_scenario_set(&sc, a, err, sizeof err) != UNREST_OK ||
        unrest_scenario_set(&sc, "time.days=6", err, sizeof err) != UNREST_OK)
        fail_msg("%s", err);
    const char *extra = getenv("UNREST_RESOLUTION_SET"); /* diagnosis: "PATH=VALUE,..." */
    if (extra) { /* a posterior particle's 27 values run to about 900 characters */
        size_t n_extra = strlen(extra) + 1;
        char *buf = malloc(n_extra);
        assert_non_null(buf);
        memcpy(buf, extra, n_extra);
        for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ","))
            if (unrest_scenario_set(&sc, tok, err, sizeof err) != UNREST_OK) fail_msg("%s", err);
        free(buf);
    }
    unrest_world *w = wt_make(&sc, seed);
    unrest_world_set_threads(w, 2);
    double peak[6] = {0}, city5[64] = {0}, police = NEVER, hall = NEVER, aktobe = NEVER;
    size_t n = unrest_world_site_count(w);
    for (int64_t t = 0; t < 144; t++) {
        wt_step_to(w, t + 1);
        size_t day = (size_t)(t / 24);
        double nat = 0;
        for (size_t i = 0; i < n; i++) {
            unrest_site_state s;
            unrest_world_site(w, i, &s);
            nat += s.active;
            if (day == 4 && s.active > city5[i]) city5[i] = s.active;
            if (strcmp(s.name, "Almaty") == 0) { /* its administration is its first focal point */
                if (s.withdrawn && police == NEVER) police = (double)(t + 1);
                if (s.first_captured_at[0] >= 0) hall = (double)s.first_captured_at[0];
            } else if (strcmp(s.name, "Aktobe") == 0 && s.first_captured_at[0] >= 0) {
                aktobe = (double)s.first_captured_at[0];
            }
        }
        if (nat > peak[day]) peak[day] = nat;
    }
    unrest_outcomes o;
    unrest_world_outcomes(w, &o);
    out[0] = peak[2];
    out[1] = peak[3];
    out[2] = peak[4];
    out[3] = o.sites_captured;
    out[4] = o.security_dead + o.security_injured;
    out[5] = 0;
    for (size_t i = 0; i < n; i++)
        out[5] += city5[i] >= 1000;
    out[6] = police;
    out[7] = hall;
    out[8] = aktobe;
    unrest_world_destroy(w);
}

/* Mann-Whitney per outcome; the first `asserted` count against the level 0.01 / asserted, the rest
 * printed only. */
static void compare(int ppa_a, int ppa_b, size_t seeds, int asserted)
{
    static double a[NOUT][MAX_SEEDS], b[NOUT][MAX_SEEDS];
    double o[NOUT];
    for (size_t s = 0; s < seeds; s++) {
        run(ppa_a, 1000 + s, o);
        for (int k = 0; k < NOUT; k++)
            a[k][s] = o[k];
        run(ppa_b, 1000 + s, o);
        for (int k = 0; k < NOUT; k++)
            b[k][s] = o[k];
    }
    int bad = 0;
    for (int k = 0; k < NOUT; k++) {
        double p = mann_whitney_p(a[k], seeds, b[k], seeds);
        printf("  1:%d vs 1:%d  %-20s median %12.0f vs %12.0f  p = %.3f%s\n", ppa_a, ppa_b,
               names[k], median(a[k], seeds), median(b[k], seeds), p,
               k < asserted ? "" : "  (reported)");
        if (k < asserted && p < 0.01 / asserted) bad++;
    }
    assert_int_equal(bad, 0);
}

/* SEEDS, or UNREST_RESOLUTION_SEEDS for diagnosis (2..MAX_SEEDS; anything else fails the test). */
static size_t seed_count(void)
{
    const char *e = getenv("UNREST_RESOLUTION_SEEDS");
    if (!e) return SEEDS;
    char *end;
    long n = strtol(e, &end, 10);
    if (end == e || *end || n < 2 || n > MAX_SEEDS)
        fail_msg("UNREST_RESOLUTION_SEEDS=%s: a whole number from 2 to %d", e, MAX_SEEDS);
    return (size_t)n;
}

static void hundred_vs_thousand(void **state)
{
    (void)state;
    const char *ten = getenv("UNREST_RESOLUTION_10");
    if (ten && strcmp(ten, "only") == 0) skip(); /* resolution_check runs it */
    int a = 100, b = 1000;
    const char *pair = getenv("UNREST_RESOLUTION_PAIR"); /* diagnosis: "A,B" */
    if (pair && sscanf(pair, "%d,%d", &a, &b) != 2)
        fail_msg("UNREST_RESOLUTION_PAIR=%s: A,B", pair);
    compare(a, b, seed_count(), NOUT); /* with the square at its share (session 15) the hours too */
}

static void ten_vs_hundred(void **state)
{
    (void)state;
    if (!getenv("UNREST_RESOLUTION_10")) skip();
    compare(10, 100, seed_count(), NOUT); /* with 4 seeds Mann-Whitney could not reach the level */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hundred_vs_thousand),
        cmocka_unit_test(ten_vs_hundred),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
