/*
 * test_game_mech.c - the strategic layer's mechanisms, each in isolation on the two-city world of
 * test_mechanisms.c with West the capital: revolution (the regime falls when the crowd holds the
 * capital's seats undefended long enough; the new government's legitimacy; never at
 * hold_hours = 0), armed rebels from foreign arms (casualties on both sides, territory held, civil
 * war; nothing without arms; the same for 1 and 2 threads), proxy war (a civil war with foreign
 * troops for the government), conditional events (fire once their condition holds, never
 * otherwise), and recognition (legitimacy moves by its value); a sub-game (unrest_game_fix) and
 * the own-loss payoff features. Everything is off by default: the
 * golden digests (test_golden.c) show the default runs unchanged.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unrest/game.h"
#include "unrest/world.h"
#include "worldtest.h"

/* Two cities, West the capital, 1 agent per 100 people. */
static const char *const base_text =
    "name: strategic\n"
    "time: {start: 2022-01-01T00:00+06:00, tick_hours: 1, days: 4}\n"
    "scale: {people_per_agent: 100}\n"
    "legitimacy: {initial: 0.9, arrest_erosion: 0, kill_erosion: 0, concession_decay: 0}\n"
    "hardship: {fuel_ref_price: 60, fuel_weight: 0.5, cold_weight: 0, comfort_temp: -5,\n"
    "           fuel_lag_days: 0}\n"
    "spread: {strength: 0, saturation: 0.001, media_share: 0.3, blackout_vision: 0.6}\n"
    "force: {police_per_100k: 393, street_share: 0.3, leverage: 10, night_share: 1,\n"
    "        focal_area: 0.05, hold_ratio: 1, capture_hours: 2}\n"
    "sites:\n"
    "  - {name: West, region: A, population: 40000, fuel_price: 60, fuel_dependence: 1,\n"
    "     poverty: 1, temp_normal: 0, capital: true,\n"
    "     focal: [{name: hall, x: 0.5, y: 0.5, radius: 3, guards: 40}]}\n"
    "  - {name: East, region: B, population: 40000, fuel_price: 60, fuel_dependence: 1,\n"
    "     poverty: 1, temp_normal: 0}\n";

static unrest_scenario *load(const char *extra, const char *const *sets)
{
    static unrest_scenario sc;
    char text[8192], err[512];
    snprintf(text, sizeof text, "%s%s", base_text, extra);
    unrest_scenario_init(&sc);
    if (unrest_scenario_load_string(&sc, text, strlen(text), "<test>", err, sizeof err) !=
        UNREST_OK)
        fail_msg("scenario: %s", err);
    for (; sets && *sets; sets++)
        if (unrest_scenario_set(&sc, *sets, err, sizeof err) != UNREST_OK)
            fail_msg("%s: %s", *sets, err);
    return &sc;
}

static void run_out(const unrest_scenario *sc, uint64_t seed, unsigned threads, unrest_outcomes *o)
{
    unrest_world *w = wt_make(sc, seed);
    unrest_world_set_threads(w, threads);
    wt_step_to(w, unrest_world_ticks(w));
    unrest_world_outcomes(w, o);
    unrest_world_destroy(w);
}

/* An angry capital whose police break: the regime falls once the hall has been held undefended
 * for hold_hours; the next tick every site's legitimacy is the new government's; with
 * hold_hours = 0 (the default) the same run never has a revolution. */
static void revolution(void **state)
{
    (void)state;
    const char *off[] = {"anger.initial=0.4",   "loyalty.erosion=0.05",
                         "loyalty.outnumber=2", "loyalty.withdraw_below=0.3",
                         "anger.fear_loss=0.5", NULL};
    const char *on[] = {"anger.initial=0.4",
                        "loyalty.erosion=0.05",
                        "loyalty.outnumber=2",
                        "loyalty.withdraw_below=0.3",
                        "anger.fear_loss=0.5",
                        "revolution.hold_hours=6",
                        "revolution.new_legitimacy=0.8",
                        NULL};
    unrest_outcomes o;
    run_out(load("", off), 4, 1, &o);
    assert_int_equal(o.fell_at, -1);
    assert_true(o.cls != UNREST_OUTCOME_REVOLUTION);
    unrest_world *w = wt_make(load("", on), 4);
    int64_t fell = -1;
    while (unrest_world_tick(w) < unrest_world_ticks(w) && fell < 0) {
        wt_step_to(w, unrest_world_tick(w) + 1);
        if (strstr(unrest_world_fired(w), "the regime falls")) fell = unrest_world_tick(w);
    }
    if (fell < 0) fail_msg("the regime never fell");
    /* the hall was held (and its police gone) for the 6 hours before */
    unrest_site_state s;
    unrest_world_site(w, 0, &s);
    assert_true(s.captured[0] && s.captured_at[0] <= fell - 6);
    assert_true(s.will == 1 && !s.withdrawn); /* the forces serve the new government */
    wt_step_to(w, fell + 1);
    unrest_world_site(w, 1, &s);
    if (!(fabs(s.legitimacy - 0.8) < 0.02)) fail_msg("new legitimacy %g", s.legitimacy);
    wt_step_to(w, unrest_world_ticks(w));
    unrest_world_outcomes(w, &o);
    assert_int_equal(o.fell_at, fell);
    assert_int_equal(o.cls, UNREST_OUTCOME_REVOLUTION);
    assert_string_equal(unrest_outcome_class_name(o.cls), "revolution");
    unrest_world_destroy(w);
}

/* Arms for a quarter of West's active: casualties on both sides where there were none, the
 * rebels hold the city, civil war after civil_war_days; the same for 1 and 2 threads; a
 * government-side foreign contingent makes it a proxy war. */
static void armed_rebels(void **state)
{
    (void)state;
    const char *sets[] = {"anger.initial=0.3", "outcomes.civil_war_days=1", NULL};
    const char *arms = "events:\n  - {at: 2022-01-01T06:00, where: West, arms: 0.25}\n";
    unrest_outcomes none, a1, a2, px;
    run_out(load("", sets), 7, 1, &none);
    assert_true(none.security_injured == 0 && none.security_dead == 0);
    assert_int_equal(none.civil_war_at, -1);
    run_out(load(arms, sets), 7, 1, &a1);
    run_out(load(arms, sets), 7, 2, &a2);
    if (!(a1.security_dead + a1.security_injured > 0 && a1.dead > none.dead))
        fail_msg("security hurt %g, dead %g vs %g", a1.security_dead + a1.security_injured, a1.dead,
                 none.dead);
    if (a1.civil_war_at < 30) fail_msg("civil war at %lld", (long long)a1.civil_war_at);
    assert_int_equal(a1.cls, UNREST_OUTCOME_CIVIL_WAR);
    assert_true(a1.dead == a2.dead && a1.security_dead == a2.security_dead &&
                a1.civil_war_at == a2.civil_war_at);
    /* Russia sends 500 guards to both cities at the start: a proxy war, and it loses men */
    const char *both = "events:\n  - {at: 2022-01-01T06:00, where: West, arms: 0.25}\n"
                       "  - {at: 2022-01-01T01:00, where: [West, East], troops: 500,"
                       " role: guard}\n";
    run_out(load(both, sets), 7, 1, &px);
    assert_int_equal(px.cls, UNREST_OUTCOME_PROXY_WAR);
    /* the contingents lose their casualties (troops.c): no more dead than were sent */
    assert_true(px.foreign_gov_dead >= 0 && px.foreign_gov_dead <= 500);
}

/* Conditional events: a patrol sent "if the other power intervenes" arrives in the tick after
 * the arms; one sent "if the capital falls" never arrives when nothing falls. */
static void triggers(void **state)
{
    (void)state;
    const char *sets[] = {"anger.initial=0.3", NULL};
    const char *ev = "events:\n"
                     "  - {at: 2022-01-01T00:00, where: West, troops: 300, role: patrol,"
                     " when: opp_foreign, label: answer}\n"
                     "  - {at: 2022-01-01T00:00, where: East, troops: 300, role: guard,"
                     " when: capital_falls, label: rescue}\n"
                     "  - {at: 2022-01-01T10:00, where: West, arms: 0.1}\n";
    unrest_world *w = wt_make(load(ev, sets), 3);
    int64_t answer = -1;
    while (unrest_world_tick(w) < unrest_world_ticks(w)) {
        wt_step_to(w, unrest_world_tick(w) + 1);
        const char *f = unrest_world_fired(w);
        if (strstr(f, "answer")) {
            assert_int_equal(answer, -1); /* once */
            answer = unrest_world_tick(w) - 1;
            unrest_site_state s;
            unrest_world_site(w, 0, &s);
            assert_true(s.troops == 300); /* the whole patrol arrived */
        }
        assert_null(strstr(f, "rescue"));
    }
    assert_int_equal(answer, 11); /* arms at 10:00, seen after that tick */
    unrest_site_state s;
    unrest_world_site(w, 0, &s);
    /* then it fought the armed rebels and shrank by its casualties (troops.c) */
    assert_true(s.troops >= 0 && s.troops < 300);
    unrest_world_destroy(w);
}

/* Recognition of a rival government costs the regime its value of legitimacy where named. */
static void recognition(void **state)
{
    (void)state;
    const char *ev = "events:\n  - {at: 2022-01-01T05:00, where: East, recognition: 0.2}\n";
    unrest_world *a = wt_make(load("", NULL), 2), *b = wt_make(load(ev, NULL), 2);
    wt_step_to(a, 8);
    wt_step_to(b, 8);
    unrest_site_state sa, sb, wa, wb;
    unrest_world_site(a, 1, &sa);
    unrest_world_site(b, 1, &sb);
    unrest_world_site(a, 0, &wa);
    unrest_world_site(b, 0, &wb);
    assert_true(fabs(sa.legitimacy - sb.legitimacy - 0.2) < 1e-9);
    assert_true(wa.legitimacy == wb.legitimacy);
    unrest_world_destroy(a);
    unrest_world_destroy(b);
}

/* A sub-game: --fix keeps one strategy of an actor (index 0, its baseline), changes the game's
 * identity, and refuses unknown actors and strategies; own-loss features read the foreign dead. */
static void game_fix(void **state)
{
    (void)state;
    unrest_game *g = NULL;
    char err[512], path[1024];
    snprintf(path, sizeof path, "%s/game/tiny-game.yaml", UNREST_TEST_DATA);
    if (unrest_game_load(&g, path, err, sizeof err) != UNREST_OK) fail_msg("%s", err);
    char *id = malloc(strlen(unrest_game_identity(g)) + 1);
    assert_non_null(id);
    strcpy(id, unrest_game_identity(g));
    assert_int_equal(unrest_game_fix(g, "government=sit", err, sizeof err), UNREST_EINVAL);
    assert_non_null(strstr(err, "no strategy 'sit'"));
    assert_int_equal(unrest_game_fix(g, "nobody=hold", err, sizeof err), UNREST_EINVAL);
    assert_int_equal(unrest_game_fix(g, "government", err, sizeof err), UNREST_EINVAL);
    assert_string_equal(unrest_game_identity(g), id); /* refused: nothing changed */
    assert_int_equal(unrest_game_fix(g, "government=call_in", err, sizeof err), UNREST_OK);
    assert_int_equal(unrest_game_strategy_count(g, 0), 1);
    assert_string_equal(unrest_game_strategy(g, 0, 0), "call_in");
    assert_int_equal(unrest_game_baseline(g, 0), 0);
    assert_int_equal(unrest_game_strategy_count(g, 1), 2);
    assert_true(strcmp(unrest_game_identity(g), id) != 0);
    free(id);
    unrest_outcomes o = {0};
    o.foreign_gov_dead = 250;
    o.foreign_opp_dead = 30;
    double f[UNREST_GF_COUNT];
    unrest_game_features(&o, f);
    assert_true(fabs(f[UNREST_GF_FOREIGN_GOV_DEAD] - 2.5) < 1e-12);
    assert_true(fabs(f[UNREST_GF_FOREIGN_OPP_DEAD] - 0.3) < 1e-12);
    assert_string_equal(unrest_game_feature_name(UNREST_GF_FOREIGN_GOV_DEAD), "foreign_gov_dead_h");
    unrest_game_destroy(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(revolution),  cmocka_unit_test(armed_rebels), cmocka_unit_test(triggers),
        cmocka_unit_test(recognition), cmocka_unit_test(game_fix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
