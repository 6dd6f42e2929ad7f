/*
 * test_world.c - each mechanism of the scenario layer in isolation: fuel prices and caps move
 * hardship at the named site only and only from their time; a blackout stops the spread
 * between sites; lethal force kills and costs legitimacy; troops arrive and leave on time;
 * curfews raise the arrest constant in curfew hours only; concessions raise legitimacy; a
 * crowd takes an undefended focal point and the state retakes it; runs are reproducible for
 * any thread count; the built-in scenario runs and gives people, not agents.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unrest/world.h"
#include "worldtest.h"

/* Two quiet sites in different regions; ppa 100. Mechanism tests add events with snprintf. */
static const char *const base_text =
    "name: test\n"
    "time: {start: 2022-01-01T00:00+06:00, tick_hours: 1, days: 4}\n"
    "scale: {people_per_agent: 100}\n"
    "legitimacy: {initial: 0.9, arrest_erosion: 0, kill_erosion: 0.01, kill_national: 0.25,\n"
    "             foreign_erosion: 0.03, concession_decay: 0}\n"
    "hardship: {fuel_ref_price: 60, fuel_weight: 0.5, cold_weight: 0.1, comfort_temp: -5,\n"
    "           fuel_lag_days: 0}\n"
    "spread: {strength: 0.05, saturation: 0.001, media_share: 0.0, blackout_vision: 0.6}\n"
    "force: {police_per_100k: 393, street_share: 0.3, leverage: 10, night_share: 1}\n"
    "sites:\n"
    "  - {name: West, region: A, population: 40000, fuel_price: 60, fuel_dependence: 1,\n"
    "     poverty: 1, temp_normal: 0,\n"
    "     focal: [{name: hall, x: 0.5, y: 0.5, radius: 3, guards: 0}]}\n"
    "  - {name: East, region: B, population: 40000, fuel_price: 60, fuel_dependence: 1,\n"
    "     poverty: 1, temp_normal: 0}\n";

/* Load base_text plus extra text (events: ... and/or more keys). */
static unrest_scenario *load(const char *extra)
{
    static unrest_scenario sc;
    char text[8192], err[512];
    snprintf(text, sizeof text, "%s%s", base_text, extra);
    unrest_scenario_init(&sc);
    unrest_status st =
        unrest_scenario_load_string(&sc, text, strlen(text), "<test>", err, sizeof err);
    if (st != UNREST_OK) fail_msg("scenario: %s", err);
    return &sc;
}

static void site(const unrest_world *w, size_t i, unrest_site_state *s)
{
    unrest_world_site(w, i, s);
}

/* A price rise raises hardship at the named site from its tick; a cap brings it back. */
static void fuel_price_and_cap(void **state)
{
    (void)state;
    unrest_scenario *sc =
        load("events:\n"
             "  - {at: 2022-01-01T10:00, where: West, fuel_price: 120}\n"
             "  - {at: 2022-01-02T10:00, where: West, price_cap: 60, gain: 0.02}\n");
    unrest_world *w = wt_make(sc, 1);
    unrest_site_state a, b;
    wt_step_to(w, 10); /* ticks 0..9 done: the rise fires at the start of tick 10 */
    site(w, 0, &a);
    site(w, 1, &b);
    assert_true(fabs(a.hardship - b.hardship) < 1e-12);
    double h0 = a.hardship, l0 = a.legitimacy;
    wt_step_to(w, 11);
    site(w, 0, &a);
    site(w, 1, &b);
    /* doubling at full dependence: hardship x (1 + fuel_weight) */
    assert_true(fabs(a.hardship - h0 * 1.5) < 1e-9);
    assert_true(fabs(b.hardship - h0) < 1e-12);
    assert_true(a.fuel_price == 120 && b.fuel_price == 60);
    wt_step_to(w, 34);
    site(w, 0, &a);
    assert_true(fabs(a.hardship - h0 * 1.5) < 1e-9); /* cap not yet */
    wt_step_to(w, 35);
    site(w, 0, &a);
    site(w, 1, &b);
    assert_true(fabs(a.hardship - h0) < 1e-9);
    assert_true(a.fuel_price == 60);
    /* the cap is a concession: legitimacy up at West only (erosion by arrests aside) */
    assert_true(a.legitimacy > b.legitimacy + 0.015);
    (void)l0;
    unrest_world_destroy(w);
}

/* Activity at West lowers East's threshold through the news; a full blackout with no media
 * stops it. West is made restless with a price shock and no police. */
static void blackout_stops_spread(void **state)
{
    (void)state;
    const char *ev = "events:\n"
                     "  - {at: 2022-01-01T00:00, where: West, fuel_price: 480}\n"
                     "  - {at: 2022-01-01T00:00, where: West, legitimacy: -0.3}\n";
    char text[1024];
    unrest_scenario *sc = load(ev);
    unrest_world *w = wt_make(sc, 3);
    wt_step_to(w, 24);
    unrest_site_state a, b;
    site(w, 0, &a);
    site(w, 1, &b);
    assert_true(a.active > 0);
    assert_true(b.threshold < sc->p.threshold - 1e-6); /* spread reached East */
    unrest_world_destroy(w);

    snprintf(text, sizeof text, "%s  - {at: 2022-01-01T00:00, internet: 0}\n", ev);
    sc = load(text);
    w = wt_make(sc, 3);
    wt_step_to(w, 24);
    site(w, 0, &a);
    site(w, 1, &b);
    assert_true(a.active > 0);
    assert_true(fabs(b.threshold - sc->p.threshold) < 1e-12); /* media_share 0: nothing */
    unrest_world_destroy(w);
}

/* With spread.news_hours the news lags: East's threshold follows West's activity through an
 * exponential smoothing with that time constant, tick for tick the recursion
 * S_t = S_(t-1) + (1 - exp(-1/12)) (share_t - S_(t-1)) on the shares the instant news carries. */
static void news_lags(void **state)
{
    (void)state;
    const char *ev = "events:\n"
                     "  - {at: 2022-01-01T00:00, where: West, fuel_price: 480}\n"
                     "  - {at: 2022-01-01T00:00, where: West, legitimacy: -0.3}\n"
                     "  - {at: 2022-01-01T00:00, where: East, legitimacy: 0.099}\n";
    unrest_scenario *sc = load(ev);
    char err[256];
    assert_int_equal(unrest_scenario_set(sc, "spread.saturation=1", err, sizeof err), UNREST_OK);
    double T0 = sc->p.threshold, g = sc->p.spread;
    unrest_world *now = wt_make(sc, 3);
    assert_int_equal(unrest_scenario_set(sc, "spread.news_hours=12", err, sizeof err), UNREST_OK);
    unrest_world *lag = wt_make(sc, 3);
    double k = 1 - exp(-1.0 / 12), S = 0;
    int heard = 0;
    for (int64_t t = 1; t <= 36; t++) {
        wt_step_to(now, t);
        wt_step_to(lag, t);
        unrest_site_state a, b, la, lb;
        site(now, 0, &a);
        site(now, 1, &b);
        site(lag, 0, &la);
        site(lag, 1, &lb);
        assert_true(b.active == 0 && lb.active == 0); /* East stays quiet: West runs alike */
        assert_true(a.active == la.active);
        double share = (T0 - b.threshold) / g; /* what the instant news carries */
        S += k * (share - S);
        assert_true(fabs((T0 - lb.threshold) / g - S) <= 1e-9 * (S + 1e-12));
        heard |= share > 1e-6;
        if (share > 1e-6) assert_true(T0 - lb.threshold < T0 - b.threshold); /* it lags */
    }
    assert_true(heard);
    unrest_world_destroy(now);
    unrest_world_destroy(lag);
}

/* Under a lethal-force order arrests kill people; legitimacy falls with the dead. Without the
 * order, the same seed kills nobody. */
static void lethal_force(void **state)
{
    (void)state;
    const char *ev = "events:\n"
                     "  - {at: 2022-01-01T00:00, where: West, fuel_price: 480}\n"
                     "  - {at: 2022-01-01T00:00, where: West, legitimacy: -0.3}\n";
    unrest_scenario *sc = load(ev);
    unrest_world *w = wt_make(sc, 5);
    wt_step_to(w, unrest_world_ticks(w));
    unrest_site_state calm;
    site(w, 0, &calm);
    assert_true(calm.detained_total > 0);
    assert_true(calm.dead_total == 0);
    unrest_world_destroy(w);

    char text[1024];
    snprintf(text, sizeof text, "%s  - {at: 2022-01-01T00:00, where: West, lethal: 0.2}\n", ev);
    sc = load(text);
    w = wt_make(sc, 5);
    wt_step_to(w, unrest_world_ticks(w));
    unrest_site_state s, e;
    site(w, 0, &s);
    site(w, 1, &e);
    assert_true(s.dead_total > 0);
    /* about a fifth of those taken die (binomial: 4 sd) */
    double taken = s.dead_total + s.detained_total;
    assert_true(fabs(s.dead_total / taken - 0.2) < 4 * sqrt(0.2 * 0.8 / taken));
    assert_true(s.legitimacy < calm.legitimacy);
    assert_true(e.dead_total == 0);
    unrest_outcomes o;
    unrest_world_outcomes(w, &o);
    assert_true(o.dead == s.dead_total);
    unrest_world_destroy(w);
}

/* Troops arrive at their tick at their site only, and leave at `until`; guarding troops cost
 * legitimacy everywhere while they are there. */
static void troops_arrive_and_leave(void **state)
{
    (void)state;
    unrest_scenario *sc = load("events:\n"
                               "  - {at: 2022-01-02T06:00, where: West, troops: 500, role: guard,\n"
                               "     until: 2022-01-03T06:00}\n");
    unrest_world *w = wt_make(sc, 1);
    unrest_site_state a, b;
    wt_step_to(w, 30);
    site(w, 0, &a);
    assert_true(a.troops == 0);
    double l_before = a.legitimacy;
    wt_step_to(w, 31);
    site(w, 0, &a);
    site(w, 1, &b);
    assert_true(a.troops == 500);
    assert_true(b.troops == 0);
    assert_true(a.legitimacy < l_before - 0.02);
    wt_step_to(w, 54);
    site(w, 0, &a);
    assert_true(a.troops == 500);
    wt_step_to(w, 55);
    site(w, 0, &a);
    assert_true(a.troops == 0);
    unrest_world_destroy(w);
}

/* A curfew multiplies k in its hours only, from the emergency's start. */
static void curfew_hours(void **state)
{
    (void)state;
    unrest_scenario *sc =
        load("set: {force.curfew_k: 2, force.emergency_k: 1.5}\n"
             "events:\n"
             "  - {at: 2022-01-01T12:00, emergency: on, curfew: \"23:00-07:00\"}\n");
    unrest_world *w = wt_make(sc, 1);
    unrest_site_state s;
    wt_step_to(w, 1);
    site(w, 0, &s);
    assert_true(fabs(s.k - sc->p.k) < 1e-12 && !s.emergency);
    wt_step_to(w, 13);
    site(w, 0, &s);
    assert_true(s.emergency && !s.curfew);
    assert_true(fabs(s.k - sc->p.k * 1.5) < 1e-12);
    wt_step_to(w, 24); /* tick 23 = 23:00 local */
    site(w, 0, &s);
    assert_true(s.curfew);
    assert_true(fabs(s.k - sc->p.k * 2) < 1e-12);
    wt_step_to(w, 32); /* tick 31 = 07:00 */
    site(w, 0, &s);
    assert_true(!s.curfew);
    unrest_world_destroy(w);
}

/* A concession raises legitimacy at once by its value (no decay configured). */
static void concession(void **state)
{
    (void)state;
    unrest_scenario *sc = load("events:\n  - {at: 2022-01-01T05:00, concession: 0.04}\n");
    unrest_world *w = wt_make(sc, 1);
    unrest_site_state s;
    wt_step_to(w, 5);
    site(w, 1, &s);
    double before = s.legitimacy;
    wt_step_to(w, 6);
    site(w, 1, &s);
    assert_true(fabs(s.legitimacy - before - 0.04) < 0.005);
    unrest_world_destroy(w);
}

/* With no police and a strong shock, the crowd takes West's undefended hall; with a large
 * guard it does not. */
static void capture(void **state)
{
    (void)state;
    const char *ev = "events:\n"
                     "  - {at: 2022-01-01T00:00, where: West, fuel_price: 960}\n"
                     "  - {at: 2022-01-01T00:00, where: West, legitimacy: -0.5}\n";
    char text[2048];
    snprintf(text, sizeof text, "set: {force.police_per_100k: 0}\n%s", ev);
    unrest_scenario *sc = load(text);
    unrest_world *w = wt_make(sc, 2);
    wt_step_to(w, unrest_world_ticks(w));
    unrest_site_state s;
    site(w, 0, &s);
    assert_true(s.captured_at[0] >= 0);
    unrest_outcomes o;
    unrest_world_outcomes(w, &o);
    assert_true(o.sites_captured >= 1);
    unrest_world_destroy(w);

    snprintf(text, sizeof text,
             "set: {force.police_per_100k: 0, sites.West.focal.hall.guards: 100000}\n%s", ev);
    sc = load(text);
    w = wt_make(sc, 2);
    wt_step_to(w, unrest_world_ticks(w));
    site(w, 0, &s);
    assert_true(s.captured_at[0] < 0);
    unrest_world_destroy(w);
}

/* Detentions cost legitimacy where they happen: with arrest_erosion on, restless West (many
 * detained) ends below quiet East; with it off, both keep the initial value. */
static void arrests_erode(void **state)
{
    (void)state;
    const char *ev = "events:\n"
                     "  - {at: 2022-01-01T00:00, where: West, fuel_price: 480}\n";
    char text[1024];
    snprintf(text, sizeof text,
             "set: {legitimacy.arrest_erosion: 0.005, force.arrest_rate: 10}\n%s", ev);
    unrest_world *w = wt_make(load(text), 6);
    unrest_site_state a, b;
    wt_step_to(w, 23);
    site(w, 0, &a);
    double before = a.detained_total; /* L of the next tick is computed from this */
    wt_step_to(w, 24);
    site(w, 0, &a);
    site(w, 1, &b);
    assert_true(before > 0);
    assert_true(a.detained_total > b.detained_total);
    assert_true(a.legitimacy < b.legitimacy);
    assert_true(fabs(a.legitimacy - (0.9 - 0.005 * 100 * before / 40000)) < 1e-9);
    unrest_world_destroy(w);
}

/* Arrest capacity: each hour a site's police detain at most (police on the street x
 * arrest_rate) people, in expectation; a tenfold lower rate detains fewer. */
static void arrest_capacity(void **state)
{
    (void)state;
    const char *ev = "events:\n"
                     "  - {at: 2022-01-01T00:00, where: West, fuel_price: 480}\n"
                     "  - {at: 2022-01-01T00:00, where: West, legitimacy: -0.3}\n";
    double det[2];
    for (int r = 0; r < 2; r++) {
        char text[1024];
        snprintf(text, sizeof text, "set: {force.arrest_rate: %s}\n%s", r ? "0.01" : "0.1", ev);
        unrest_world *w = wt_make(load(text), 8);
        unrest_site_state s;
        double most = 0;
        while (unrest_world_tick(w) < unrest_world_ticks(w)) {
            assert_int_equal(unrest_world_step(w), UNREST_OK);
            site(w, 0, &s);
            most = fmax(most, s.arrests + s.killed);
        }
        /* a tick's arrests are Binomial(cop agents, prob) agents: bound with 5 sd */
        double cops = s.police * 10 / 100, prob = (r ? 0.01 : 0.1) / 10;
        double bound = (cops * prob + 5 * sqrt(cops * prob) + 1) * 100;
        assert_true(most <= bound);
        det[r] = s.detained_total;
        unrest_world_destroy(w);
    }
    assert_true(det[0] > 0);
    assert_true(det[1] < det[0]);
}

/* Same seed: identical sites whatever the thread count; another seed differs. */
static void reproducible(void **state)
{
    (void)state;
    unrest_scenario *sc =
        load("events:\n  - {at: 2022-01-01T00:00, where: West, fuel_price: 240}\n");
    double v[3][4];
    for (int r = 0; r < 3; r++) {
        unrest_world *w = wt_make(sc, r == 2 ? 9 : 4);
        unrest_world_set_threads(w, r == 1 ? 2 : 1);
        wt_step_to(w, unrest_world_ticks(w));
        unrest_site_state s;
        site(w, 0, &s);
        v[r][0] = s.detained_total;
        v[r][1] = s.participants;
        v[r][2] = s.legitimacy;
        unrest_outcomes o;
        unrest_world_outcomes(w, &o);
        v[r][3] = o.peak_active;
        unrest_world_destroy(w);
    }
    assert_memory_equal(v[0], v[1], sizeof v[0]);
    assert_true(memcmp(v[0], v[2], sizeof v[0]) != 0);
}

/* scale.bloc_people becomes each lattice's bloc in citizens at that site's people per agent:
 * 1,000 people are 10 agents at 1:100 and one at 1:1,000; none (0) or less than an agent is 1;
 * scale.bloc_scatter passes to each lattice as it is. */
static void bloc_in_agents(void **state)
{
    (void)state;
    const struct {
        const char *set[2];
        uint32_t bloc;
    } cases[] = {{{"scale.bloc_people=1000", NULL}, 10},
                 {{"scale.bloc_people=250", NULL}, 3},
                 {{"scale.bloc_people=1000", "scale.people_per_agent=1000"}, 1},
                 {{"scale.bloc_people=40", NULL}, 1},
                 {{"scale.bloc_people=1000", "scale.bloc_scatter=true"}, 10},
                 {{NULL, NULL}, 1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        unrest_scenario *sc = load("");
        char err[256];
        for (int k = 0; k < 2 && cases[c].set[k]; k++)
            if (unrest_scenario_set(sc, cases[c].set[k], err, sizeof err) != UNREST_OK)
                fail_msg("%s", err);
        unrest_world *w = wt_make(sc, 1);
        for (size_t i = 0; i < unrest_world_site_count(w); i++) {
            const unrest_params *q = unrest_model_params(unrest_world_model(w, i));
            assert_int_equal(q->bloc, cases[c].bloc);
            /* scale.bloc_scatter reaches every lattice, off unless set */
            assert_int_equal(q->bloc_scatter,
                             cases[c].set[1] && strstr(cases[c].set[1], "scatter"));
        }
        unrest_world_destroy(w);
    }
}

/* scale.min_agents: a site has at least that many citizen agents (at most one per person), so
 * that a small city runs at a finer grain; blocs keep their people; counts stay in people. The
 * sites have 40,000 people, 400 agents at 1:100. */
static void min_agents_floor(void **state)
{
    (void)state;
    const struct {
        const char *set;
        uint32_t agents, bloc;
    } cases[] = {{"scale.min_agents=0", 400, 10},
                 {"scale.min_agents=200", 400, 10},
                 {"scale.min_agents=1000", 1000, 25},
                 {"scale.min_agents=100000", 40000, 1000}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        unrest_scenario *sc =
            load("events:\n  - {at: 2022-01-01T06:00, where: West, fuel_price: 200}\n");
        char err[256];
        if (unrest_scenario_set(sc, cases[c].set, err, sizeof err) != UNREST_OK ||
            unrest_scenario_set(sc, "scale.bloc_people=1000", err, sizeof err) != UNREST_OK ||
            unrest_scenario_set(sc, "time.days=1", err, sizeof err) != UNREST_OK)
            fail_msg("%s", err);
        unrest_world *w = wt_make(sc, 1);
        wt_step_to(w, unrest_world_ticks(w));
        for (size_t i = 0; i < unrest_world_site_count(w); i++) {
            unrest_site_state s;
            site(w, i, &s);
            assert_int_equal(s.agents, cases[c].agents);
            assert_int_equal(unrest_model_params(unrest_world_model(w, i))->bloc, cases[c].bloc);
            double ppa = 40000.0 / cases[c].agents; /* people an agent stands for here */
            assert_true(fabs(s.participants / ppa - round(s.participants / ppa)) < 1e-6);
        }
        unrest_world_destroy(w);
    }
}

/* The built-in scenario loads, runs a day, and reports people: counts are multiples of the
 * people each agent stands for. */
static void builtin_runs(void **state)
{
    (void)state;
    static unrest_scenario sc;
    size_t len;
    const char *text = unrest_scenario_builtin(&len);
    char err[512];
    unrest_scenario_init(&sc);
    assert_int_equal(unrest_scenario_load_string(&sc, text, len, "<builtin>", err, sizeof err),
                     UNREST_OK);
    assert_true(sc.n_sites >= 10);
    assert_int_equal(unrest_scenario_set(&sc, "time.days=2", err, sizeof err), UNREST_OK);
    unrest_world *w = wt_make(&sc, 1);
    wt_step_to(w, unrest_world_ticks(w));
    int zh = unrest_scenario_site_index(&sc, "Zhanaozen");
    assert_true(zh >= 0);
    unrest_site_state s;
    site(w, (size_t)zh, &s);
    double ppa = sc.site[zh].population / s.agents;
    assert_true(fabs(s.participants / ppa - round(s.participants / ppa)) < 1e-6);
    unrest_world_destroy(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fuel_price_and_cap),
        cmocka_unit_test(min_agents_floor),
        cmocka_unit_test(blackout_stops_spread),
        cmocka_unit_test(news_lags),
        cmocka_unit_test(lethal_force),
        cmocka_unit_test(troops_arrive_and_leave),
        cmocka_unit_test(curfew_hours),
        cmocka_unit_test(concession),
        cmocka_unit_test(capture),
        cmocka_unit_test(reproducible),
        cmocka_unit_test(builtin_runs),
        cmocka_unit_test(bloc_in_agents),
        cmocka_unit_test(arrests_erode),
        cmocka_unit_test(arrest_capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
