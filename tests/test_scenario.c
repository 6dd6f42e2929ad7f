/*
 * test_scenario.c - scenario files: good files read to the expected values (defaults, every
 * section, every event kind, where forms, dates and offsets, base:/drop:/set:), overrides on
 * every path form, the hash (stable, and moved by every value), whole-scenario checks on
 * scenarios built in code, and a table of malformed scenarios that must each fail with the
 * right file:line:col and a message naming the problem; tests/corpus/scenario-bad/ holds the
 * same cases as files, each read through the file loader.
 */
#define _XOPEN_SOURCE 700

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unrest/scenario.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static unrest_scenario *new_sc(void)
{
    unrest_scenario *sc = malloc(sizeof *sc);
    assert_non_null(sc);
    unrest_scenario_init(sc);
    return sc;
}

static unrest_status load(unrest_scenario *sc, const char *text, char *err, size_t n)
{
    return unrest_scenario_load_string(sc, text, strlen(text), "bad.yaml", err, n);
}

/* Load text that must be good. */
static unrest_scenario *load_good(const char *text)
{
    unrest_scenario *sc = new_sc();
    char err[1024] = "";
    unrest_status st = load(sc, text, err, sizeof err);
    if (st != UNREST_OK) print_error("unexpected error: %s\n", err);
    assert_int_equal(st, UNREST_OK);
    assert_string_equal(err, "");
    return sc;
}

static void set_ok(unrest_scenario *sc, const char *assignment)
{
    char err[1024] = "";
    unrest_status st = unrest_scenario_set(sc, assignment, err, sizeof err);
    if (st != UNREST_OK) print_error("%s: %s\n", assignment, err);
    assert_int_equal(st, UNREST_OK);
}

/* A set that must fail with status st and a message containing phrase. */
static void set_bad(unrest_scenario *sc, const char *assignment, unrest_status st,
                    const char *phrase)
{
    char err[1024] = "";
    unrest_status got = unrest_scenario_set(sc, assignment, err, sizeof err);
    if (got != st || !strstr(err, phrase))
        print_error("%s: got status %d '%s', expected %d with '%s'\n", assignment, (int)got, err,
                    (int)st, phrase);
    assert_int_equal(got, st);
    assert_non_null(strstr(err, phrase));
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *source_dir(char *buf, size_t n)
{
    snprintf(buf, n, "%s", __FILE__);
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(buf, n, ".");
    return buf;
}

#define START_2022 1640973600 /* 2022-01-01T00:00+06:00 */
#define MINIMAL "sites:\n  - {name: A, region: R, population: 1000}\n"

/* ---- defaults and the built-in scenario ------------------------------------------------- */

static void test_init_defaults(void **state)
{
    (void)state;
    unrest_scenario *sc = new_sc();
    const unrest_sc_params *p = &sc->p;
    assert_string_equal(sc->name, "");
    assert_int_equal(sc->n_sites, 0);
    assert_int_equal(sc->n_events, 0);
    assert_int_equal(p->start, START_2022);
    assert_int_equal(p->utc_offset_min, 360);
    assert_true(p->tick_hours == 1);
    assert_int_equal(p->days, 20);
    assert_true(p->people_per_agent == 100);
    assert_string_equal(p->profile, "paper");
    assert_true(p->citizen_density == 0.7);
    assert_true(p->citizen_vision == 7 && p->cop_vision == 7);
    assert_true(p->threshold == 0.1 && p->k == 2.3);
    assert_int_equal(p->jail_hours, 360);
    assert_true(p->focal_pull == 0.5);
    assert_true(p->legitimacy == 0.8 && p->arrest_erosion == 0.05 && p->kill_erosion == 0.01);
    assert_true(p->kill_national == 0.25 && p->foreign_erosion == 0.03);
    assert_true(p->concession_decay == 0);
    assert_true(p->fuel_ref_price == 60 && p->fuel_weight == 0.5 && p->cold_weight == 0.2);
    assert_true(p->comfort_temp == 0 && p->distribute_relief == 0.8);
    assert_true(p->spread == 0.05 && p->spread_saturation == 0.002 && p->media_share == 0.3);
    assert_true(p->blackout_vision == 0.6 && p->leadership_gain == 0.05);
    assert_true(p->police_per_100k == 393 && p->police_street == 0.3 && p->leverage == 10);
    assert_true(p->troop_leverage == 10 && p->curfew_k == 2 && p->emergency_k == 1.5);
    assert_true(p->lethal_fear == 1.5 && p->night_share == 0.3 && p->capture_hours == 3);
    assert_true(p->end_share == 0.0001 && p->end_hours == 24 && p->suppressed_dead == 50);
    assert_true(p->suppressed_detained == 1000 && p->protracted_share == 0.001);
    /* no sites: not a valid scenario on its own */
    char err[256];
    assert_int_not_equal(unrest_scenario_validate(sc, err, sizeof err), UNREST_OK);
    assert_non_null(strstr(err, "no sites"));
    free(sc);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(unrest_sc_kind_name(UNREST_SC_FUEL_PRICE), "fuel_price");
    assert_string_equal(unrest_sc_kind_name(UNREST_SC_PRICE_CAP), "price_cap");
    assert_string_equal(unrest_sc_kind_name(UNREST_SC_CONCESSION), "concession");
    assert_string_equal(unrest_sc_kind_name(UNREST_SC_INTERNET), "internet");
    assert_string_equal(unrest_sc_kind_name(UNREST_SC_EMERGENCY), "emergency");
    assert_string_equal(unrest_sc_kind_name(UNREST_SC_REINFORCE), "reinforce");
    assert_string_equal(unrest_sc_kind_name(UNREST_SC_LETHAL), "lethal");
    assert_string_equal(unrest_sc_kind_name(UNREST_SC_TROOPS), "troops");
    assert_string_equal(unrest_sc_kind_name(UNREST_SC_TEMPERATURE), "temperature");
    assert_string_equal(unrest_sc_kind_name(UNREST_SC_LEGITIMACY), "legitimacy");
    assert_string_equal(unrest_sc_kind_name(UNREST_SC_LEADERSHIP), "leadership");
    assert_string_equal(unrest_sc_kind_name(UNREST_SC_KIND_COUNT), "unknown");
    assert_string_equal(unrest_sc_role_name(UNREST_ROLE_GUARD), "guard");
    assert_string_equal(unrest_sc_role_name(UNREST_ROLE_PATROL), "patrol");
    assert_string_equal(unrest_sc_role_name(UNREST_ROLE_DISTRIBUTE), "distribute");
    assert_string_equal(unrest_sc_role_name((unrest_sc_role)7), "unknown");
}

static void test_builtin(void **state)
{
    (void)state;
    size_t len = 0;
    const char *text = unrest_scenario_builtin(&len);
    assert_non_null(text);
    assert_true(len > 100);
    assert_int_equal(text[len], '\0');
    assert_int_equal(strlen(text), len);
    assert_non_null(unrest_scenario_builtin(NULL));
    unrest_scenario *sc = new_sc();
    char err[1024] = "";
    unrest_status st = unrest_scenario_load_string(sc, text, len, "<builtin>", err, sizeof err);
    if (st != UNREST_OK) print_error("%s\n", err);
    assert_int_equal(st, UNREST_OK);
    assert_true(sc->n_sites >= 1);
    assert_true(sc->n_events >= 1);
    assert_int_equal(unrest_scenario_validate(sc, err, sizeof err), UNREST_OK);
    /* the embedded text is the current scenarios/kazakhstan-2022.yaml */
    char dir[512], path[600];
    snprintf(path, sizeof path, "%s/../scenarios/kazakhstan-2022.yaml",
             source_dir(dir, sizeof dir));
    unrest_scenario *file = new_sc();
    st = unrest_scenario_load(file, path, err, sizeof err);
    if (st != UNREST_OK) print_error("%s\n", err);
    assert_int_equal(st, UNREST_OK);
    assert_true(unrest_scenario_hash(file) == unrest_scenario_hash(sc));
    free(file);
    free(sc);
}

/* ---- good files ---------------------------------------------------------------------------- */

static const char full_file[] =
    "# every section, every event kind\n"
    "name: test-full\n"
    "title: \"A full scenario\"\n"
    "time:\n"
    "  start: 2022-01-01T00:00+06:00\n"
    "  tick_hours: 2\n"
    "  days: 10\n"
    "scale:\n"
    "  people_per_agent: 50\n"
    "lattice:\n"
    "  profile: mesa\n"
    "  citizen_density: 0.6\n"
    "  citizen_vision: 5\n"
    "  cop_vision: 6\n"
    "  threshold: 0.2\n"
    "  k: 3\n"
    "  jail_hours: 100\n"
    "legitimacy:\n"
    "  initial: 0.7\n"
    "  arrest_erosion: 0.1\n"
    "  kill_erosion: 0.02\n"
    "  kill_national: 0.5\n"
    "  foreign_erosion: 0.04\n"
    "  concession_decay: 0.1\n"
    "hardship:\n"
    "  fuel_ref_price: 70\n"
    "  fuel_weight: 0.6\n"
    "  cold_weight: 0.3\n"
    "  comfort_temp: -5\n"
    "  distribute_relief: 0.7\n"
    "spread:\n"
    "  strength: 0.06\n"
    "  saturation: 0.003\n"
    "  media_share: 0.4\n"
    "  blackout_vision: 0.5\n"
    "  leadership_gain: 0.07\n"
    "force:\n"
    "  police_per_100k: 400\n"
    "  street_share: 0.35\n"
    "  leverage: 12\n"
    "  troop_leverage: 11\n"
    "  curfew_k: 2.5\n"
    "  emergency_k: 1.6\n"
    "  lethal_fear: 1.7\n"
    "  night_share: 0.25\n"
    "  capture_hours: 4\n"
    "outcomes:\n"
    "  end_share: 0.0002\n"
    "  end_hours: 12\n"
    "  suppressed_dead: 40\n"
    "  suppressed_detained: 900\n"
    "  protracted_share: 0.002\n"
    "sites:\n"
    "  - name: Zhanaozen\n"
    "    region: Mangystau\n"
    "    population: 160600\n"
    "    police_per_100k: 393\n"
    "    fuel_price: 60\n"
    "    fuel_dependence: 0.9\n"
    "    income: 250000\n"
    "    poverty: 1.5\n"
    "    temp_normal: -1\n"
    "    temp_anomaly: 3\n"
    "    heating_shortfall: 0.1\n"
    "    legitimacy_offset: -0.05\n"
    "    capital: false\n"
    "    focal:\n"
    "      - {name: administration, x: 0.5, y: 0.25, radius: 4, guards: 50}\n"
    "  - {name: Aktau, region: Mangystau, population: 2.03e5}\n"
    "  - name: Almaty\n"
    "    region: Almaty\n"
    "    population: 2030000\n"
    "    capital: yes\n"
    "    focal:\n"
    "      - {name: akimat}\n"
    "      - {name: airport, x: 0.9, y: 0.1, radius: 0, guards: 300}\n"
    "events:\n"
    "  - at: 2022-01-01T00:00\n"
    "    label: \"LPG price liberalised\"\n"
    "    fuel_price: 120\n"
    "  - {at: 2022-01-04T12:00, where: Mangystau, price_cap: 50, gain: 0.02}\n"
    "  - {at: 2022-01-05T06:00, concession: 0.03, label: government resigns}\n"
    "  - {at: 2022-01-04T20:30, internet: 0.3}\n"
    "  - {at: 2022-01-05T01:30, where: [Almaty, Zhanaozen], emergency: on, curfew: "
    "\"22:30-06:15\"}\n"
    "  - {at: 2022-01-05, where: Almaty, emergency: off}\n"
    "  - {at: 2022-01-05T12:00, where: Almaty, reinforce: -2000}\n"
    "  - {at: 2022-01-07T10:00, lethal: 0.05}\n"
    "  - {at: 2022-01-06T12:00, where: Almaty, troops: 2030, role: patrol, until: "
    "2022-01-08T13:00}\n"
    "  - {at: 2022-01-06T12:00, where: all, troops: 500, role: distribute}\n"
    "  - {at: 2022-01-06T12:00, troops: 10, until: 2022-02-01}\n"
    "  - {at: 2022-01-02T00:00, temperature: -10}\n"
    "  - {at: 2022-01-06T00:00, legitimacy: -0.05}\n"
    "  - {at: 2022-01-06T00:00, leadership: 1}\n"
    "  - {at: 2022-01-01T05:00Z, internet: 1}\n"
    "  - {at: \"2022-01-10 23:59\", where: [Aktau], fuel_price: 80}\n"
    "  - {at: 2022-01-03T02:00+04:00, where: [Mangystau, all], emergency: true, curfew: none}\n";

/* 1-based line of the n-th (0-based) line starting with prefix. */
static uint32_t line_of(const char *text, const char *prefix, int n)
{
    uint32_t line = 1;
    const char *p = text;
    while (*p) {
        if (!strncmp(p, prefix, strlen(prefix)) && n-- == 0) return line;
        const char *nl = strchr(p, '\n');
        if (!nl) break;
        p = nl + 1;
        line++;
    }
    return 0;
}

static void test_full_file(void **state)
{
    (void)state;
    unrest_scenario *sc = load_good(full_file);
    const unrest_sc_params *p = &sc->p;
    assert_string_equal(sc->name, "test-full");
    assert_string_equal(sc->title, "A full scenario");
    assert_int_equal(p->start, START_2022);
    assert_int_equal(p->utc_offset_min, 360);
    assert_true(p->tick_hours == 2);
    assert_int_equal(p->days, 10);
    assert_true(p->people_per_agent == 50);
    assert_string_equal(p->profile, "mesa");
    assert_true(p->citizen_density == 0.6 && p->citizen_vision == 5 && p->cop_vision == 6);
    assert_true(p->threshold == 0.2 && p->k == 3);
    assert_int_equal(p->jail_hours, 100);
    assert_true(p->legitimacy == 0.7 && p->arrest_erosion == 0.1 && p->kill_erosion == 0.02);
    assert_true(p->kill_national == 0.5 && p->foreign_erosion == 0.04);
    assert_true(p->concession_decay == 0.1);
    assert_true(p->fuel_ref_price == 70 && p->fuel_weight == 0.6 && p->cold_weight == 0.3);
    assert_true(p->comfort_temp == -5 && p->distribute_relief == 0.7);
    assert_true(p->spread == 0.06 && p->spread_saturation == 0.003 && p->media_share == 0.4);
    assert_true(p->blackout_vision == 0.5 && p->leadership_gain == 0.07);
    assert_true(p->police_per_100k == 400 && p->police_street == 0.35 && p->leverage == 12);
    assert_true(p->troop_leverage == 11 && p->curfew_k == 2.5 && p->emergency_k == 1.6);
    assert_true(p->lethal_fear == 1.7 && p->night_share == 0.25 && p->capture_hours == 4);
    assert_true(p->end_share == 0.0002 && p->end_hours == 12 && p->suppressed_dead == 40);
    assert_true(p->suppressed_detained == 900 && p->protracted_share == 0.002);

    assert_int_equal(sc->n_sites, 3);
    const unrest_sc_site *z = &sc->site[0], *ak = &sc->site[1], *al = &sc->site[2];
    assert_string_equal(z->name, "Zhanaozen");
    assert_string_equal(z->region, "Mangystau");
    assert_true(z->population == 160600 && z->police_per_100k == 393 && z->fuel_price == 60);
    assert_true(z->fuel_dependence == 0.9 && z->income == 250000 && z->poverty == 1.5);
    assert_true(z->temp_normal == -1 && z->temp_anomaly == 3 && z->heating_shortfall == 0.1);
    assert_true(z->legitimacy_offset == -0.05 && z->capital == 0);
    assert_int_equal(z->n_focal, 1);
    assert_string_equal(z->focal[0].name, "administration");
    assert_true(z->focal[0].x == 0.5 && z->focal[0].y == 0.25);
    assert_true(z->focal[0].radius == 4 && z->focal[0].guards == 50);
    /* site defaults; fuel_price defaults to the reference price */
    assert_string_equal(ak->name, "Aktau");
    assert_true(ak->population == 203000);
    assert_true(ak->police_per_100k == -1 && ak->fuel_price == 70 && ak->fuel_dependence == 0.5);
    assert_true(ak->income == 165816 && ak->poverty == 1 && ak->temp_normal == 0);
    assert_true(ak->temp_anomaly == 0 && ak->heating_shortfall == 0);
    assert_true(ak->legitimacy_offset == 0 && ak->capital == 0 && ak->n_focal == 0);
    assert_int_equal(al->capital, 1);
    assert_int_equal(al->n_focal, 2);
    /* focal defaults */
    assert_string_equal(al->focal[0].name, "akimat");
    assert_true(al->focal[0].x == 0.5 && al->focal[0].y == 0.5);
    assert_true(al->focal[0].radius == 3 && al->focal[0].guards == 0);
    assert_string_equal(al->focal[1].name, "airport");
    assert_true(al->focal[1].radius == 0 && al->focal[1].guards == 300);

    /* ticks are 2 hours from 2022-01-01T00:00+06:00; sites: Z=1, Ak=2, Al=4 */
    assert_int_equal(sc->n_events, 17);
    const unrest_sc_event *e = sc->event;
    uint32_t ev0 = line_of(full_file, "events:", 0) + 1;
    assert_int_equal(e[0].kind, UNREST_SC_FUEL_PRICE);
    assert_int_equal(e[0].tick, 0);
    assert_true(e[0].sites == 7 && e[0].value == 120);
    assert_string_equal(e[0].label, "LPG price liberalised");
    assert_int_equal(e[0].until, -1);
    assert_int_equal(e[0].line, ev0);
    assert_int_equal(e[0].col, 5);
    assert_int_equal(e[1].kind, UNREST_SC_PRICE_CAP);
    assert_int_equal(e[1].tick, 42);
    assert_true(e[1].sites == 3 && e[1].value == 50 && e[1].legitimacy == 0.02);
    assert_string_equal(e[1].label, "price_cap");
    assert_int_equal(e[1].line, ev0 + 3);
    assert_int_equal(e[1].col, 5);
    assert_int_equal(e[2].kind, UNREST_SC_CONCESSION);
    assert_int_equal(e[2].tick, 51);
    assert_true(e[2].value == 0.03);
    assert_string_equal(e[2].label, "government resigns");
    assert_int_equal(e[3].kind, UNREST_SC_INTERNET);
    assert_int_equal(e[3].tick, 46); /* 92.5 h */
    assert_true(e[3].value == 0.3);
    assert_string_equal(e[3].label, "internet");
    assert_int_equal(e[4].kind, UNREST_SC_EMERGENCY);
    assert_int_equal(e[4].tick, 48); /* 97.5 h */
    assert_true(e[4].sites == 5 && e[4].value == 1);
    assert_true(e[4].curfew_from == 22.5 && e[4].curfew_to == 6.25);
    assert_int_equal(e[5].kind, UNREST_SC_EMERGENCY);
    assert_int_equal(e[5].tick, 48); /* a date is 00:00 */
    assert_true(e[5].sites == 4 && e[5].value == 0);
    assert_true(e[5].curfew_from == 23 && e[5].curfew_to == 7);
    assert_int_equal(e[6].kind, UNREST_SC_REINFORCE);
    assert_int_equal(e[6].tick, 54);
    assert_true(e[6].people == -2000 && e[6].sites == 4);
    assert_int_equal(e[7].kind, UNREST_SC_LETHAL);
    assert_int_equal(e[7].tick, 77);
    assert_true(e[7].value == 0.05);
    assert_int_equal(e[8].kind, UNREST_SC_TROOPS);
    assert_int_equal(e[8].tick, 66);
    assert_int_equal(e[8].until, 91); /* 181 h: they stay through tick 90 */
    assert_true(e[8].people == 2030 && e[8].role == UNREST_ROLE_PATROL && e[8].sites == 4);
    assert_int_equal(e[9].until, -1);
    assert_true(e[9].role == UNREST_ROLE_DISTRIBUTE && e[9].sites == 7 && e[9].people == 500);
    assert_int_equal(e[10].until, -1); /* after the end of the run: they stay */
    assert_true(e[10].role == UNREST_ROLE_GUARD);
    assert_int_equal(e[11].kind, UNREST_SC_TEMPERATURE);
    assert_int_equal(e[11].tick, 12);
    assert_true(e[11].value == -10);
    assert_int_equal(e[12].kind, UNREST_SC_LEGITIMACY);
    assert_true(e[12].value == -0.05);
    assert_int_equal(e[12].tick, 60);
    assert_int_equal(e[13].kind, UNREST_SC_LEADERSHIP);
    assert_true(e[13].value == 1);
    assert_int_equal(e[14].tick, 5);   /* 05:00Z = 11:00+06:00 */
    assert_int_equal(e[15].tick, 119); /* the last tick */
    assert_true(e[15].sites == 2 && e[15].value == 80);
    assert_int_equal(e[16].tick, 26); /* 02:00+04:00 = 04:00+06:00 on day 3: 52 h */
    assert_true(e[16].sites == 7 && e[16].value == 1);
    assert_true(e[16].curfew_from == 0 && e[16].curfew_to == 0);
    char err[512];
    assert_int_equal(unrest_scenario_validate(sc, err, sizeof err), UNREST_OK);
    free(sc);
}

static void test_minimal_and_empty_sections(void **state)
{
    (void)state;
    static const char *const files[] = {
        MINIMAL,
        "time:\nscale: ~\nlattice: {}\nevents: []\nset: {}\n" MINIMAL,
        "events:\n" MINIMAL,
        "---\n" MINIMAL "...\n",
        MINIMAL "---\n",
        "%YAML 1.1\n---\n" MINIMAL,
        "sites:\n  - name: A\n    region: R\n    population: 1000\n    focal: ~\n",
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        unrest_scenario *sc = load_good(files[i]);
        unrest_scenario *def = new_sc();
        assert_int_equal(sc->n_sites, 1);
        assert_int_equal(sc->n_events, 0);
        assert_memory_equal(&sc->p, &def->p, sizeof def->p);
        free(def);
        free(sc);
    }
}

static void test_dates_and_offsets(void **state)
{
    (void)state;
    /* no offset: UTC */
    unrest_scenario *sc = load_good("time: {start: 2022-01-01T00:00}\n" MINIMAL);
    assert_int_equal(sc->p.start, 1640995200);
    assert_int_equal(sc->p.utc_offset_min, 0);
    free(sc);
    sc = load_good("time: {start: 2022-01-01}\n" MINIMAL);
    assert_int_equal(sc->p.start, 1640995200);
    free(sc);
    sc = load_good("time: {start: \"2022-01-01T10:30:15-03:30\"}\n" MINIMAL);
    assert_int_equal(sc->p.start, 1640995200 + 10 * 3600 + 30 * 60 + 15 + 210 * 60);
    assert_int_equal(sc->p.utc_offset_min, -210);
    free(sc);
    sc = load_good("time: {start: 2022-01-01T00:00+0530}\n" MINIMAL);
    assert_int_equal(sc->p.utc_offset_min, 330);
    free(sc);
    sc = load_good("time: {start: 2022-01-01T00:00Z}\n" MINIMAL);
    assert_int_equal(sc->p.utc_offset_min, 0);
    free(sc);
    sc = load_good("time: {start: 2024-02-29T23:00+14:00}\n" MINIMAL);
    assert_int_equal(sc->p.utc_offset_min, 840);
    free(sc);
    /* events use the scenario's offset unless they give one; ticks of 0.5 h */
    sc = load_good("time: {start: 2022-01-01T00:00-02:00, tick_hours: 0.5, days: 1}\n" MINIMAL
                   "events:\n"
                   "  - {at: 2022-01-01T01:10, internet: 0.5}\n"
                   "  - {at: 2022-01-01T03:10Z, internet: 0.5}\n"
                   "  - {at: 2022-01-01T23:59:59, internet: 0.5}\n"
                   "  - {at: 2022-01-01T10:00, troops: 5, until: 2022-01-01T10:20}\n");
    assert_int_equal(sc->event[0].tick, 2);
    assert_int_equal(sc->event[1].tick, 2); /* 03:10Z = 01:10-02:00 */
    assert_int_equal(sc->event[2].tick, 47);
    assert_int_equal(sc->event[3].tick, 20);
    assert_int_equal(sc->event[3].until, 21); /* rounded up */
    free(sc);
    /* a day-long tick: until in the same tick still leaves at the next one */
    sc = load_good("time: {tick_hours: 24, days: 3}\n" MINIMAL "events:\n"
                   "  - {at: 2022-01-02T01:00, troops: 5, until: 2022-01-02T02:00}\n"
                   "  - {at: 2022-01-02T01:00, troops: 5, until: 2022-01-04}\n");
    assert_int_equal(sc->event[0].tick, 1);
    assert_int_equal(sc->event[0].until, 2);
    assert_int_equal(sc->event[1].until, -1); /* the end of the run */
    free(sc);
}

static void test_where_forms(void **state)
{
    (void)state;
    unrest_scenario *sc = load_good("sites:\n"
                                    "  - {name: A, region: North, population: 1000}\n"
                                    "  - {name: B, region: North, population: 1000}\n"
                                    "  - {name: C, region: South, population: 1000}\n"
                                    "  - {name: South, region: Far, population: 1000}\n"
                                    "events:\n"
                                    "  - {at: 2022-01-02, internet: 0.5}\n"
                                    "  - {at: 2022-01-02, where: all, internet: 0.5}\n"
                                    "  - {at: 2022-01-02, where: B, internet: 0.5}\n"
                                    "  - {at: 2022-01-02, where: North, internet: 0.5}\n"
                                    "  - {at: 2022-01-02, where: [C, North], internet: 0.5}\n"
                                    "  - {at: 2022-01-02, where: [A, A], internet: 0.5}\n"
                                    "  - {at: 2022-01-02, where: South, internet: 0.5}\n"
                                    "  - {at: 2022-01-02, where: Far, internet: 0.5}\n"
                                    "  - {at: 2022-01-02, where: [all, A], internet: 0.5}\n");
    static const uint64_t masks[] = {15, 15, 2, 3, 7, 1, 8, 8, 15};
    assert_int_equal(sc->n_events, 9);
    for (size_t i = 0; i < 9; i++)
        assert_true(sc->event[i].sites == masks[i]);
    assert_int_equal(unrest_scenario_site_index(sc, "C"), 2);
    assert_int_equal(unrest_scenario_site_index(sc, "North"), -1);
    assert_int_equal(unrest_scenario_site_index(sc, NULL), -1);
    assert_int_equal(unrest_scenario_site_index(NULL, "A"), -1);
    free(sc);
}

static void test_sixty_four_sites(void **state)
{
    (void)state;
    char *text = malloc(64 * 64 + 256);
    assert_non_null(text);
    size_t used = (size_t)sprintf(text, "sites:\n");
    for (int i = 0; i < 64; i++)
        used += (size_t)sprintf(text + used, "  - {name: s%d, region: r%d, population: 1000}\n", i,
                                i % 3);
    sprintf(text + used, "events:\n  - {at: 2022-01-02, where: s63, internet: 0.5}\n"
                         "  - {at: 2022-01-02, internet: 0.5}\n");
    unrest_scenario *sc = load_good(text);
    assert_int_equal(sc->n_sites, 64);
    assert_true(sc->event[0].sites == (uint64_t)1 << 63);
    assert_true(sc->event[1].sites == UINT64_MAX);
    free(sc);
    free(text);
}

/* Loading is all-or-nothing and defines the whole scenario. */
static void test_all_or_nothing(void **state)
{
    (void)state;
    unrest_scenario *sc = load_good(full_file);
    unrest_scenario *copy = malloc(sizeof *copy);
    assert_non_null(copy);
    memcpy(copy, sc, sizeof *sc);
    char err[512];
    assert_int_not_equal(
        load(sc, "name: x\n" MINIMAL "events:\n  - {at: 2030-01-01, lethal: 1}\n", err, sizeof err),
        UNREST_OK);
    assert_memory_equal(sc, copy, sizeof *sc);
    /* a second good load replaces everything (defaults for what it leaves out) */
    assert_int_equal(load(sc, MINIMAL, err, sizeof err), UNREST_OK);
    assert_int_equal(sc->n_sites, 1);
    assert_int_equal(sc->n_events, 0);
    assert_true(sc->p.tick_hours == 1);
    /* tiny or missing message buffers are fine */
    char small[8];
    assert_int_not_equal(load(sc, "lattice: {k: 200}\n" MINIMAL, small, sizeof small), UNREST_OK);
    assert_int_equal(strlen(small), 7);
    assert_int_not_equal(load(sc, "lattice: {k: 200}\n" MINIMAL, NULL, 0), UNREST_OK);
    assert_int_not_equal(unrest_scenario_load_string(sc, NULL, 0, NULL, err, sizeof err),
                         UNREST_OK);
    assert_non_null(strstr(err, "<string>:1:1:"));
    /* missing files */
    assert_int_equal(unrest_scenario_load(sc, "/nonexistent/x.yaml", err, sizeof err), UNREST_EIO);
    assert_non_null(strstr(err, "/nonexistent/x.yaml: cannot read"));
    free(copy);
    free(sc);
}

/* ---- base:, drop:, set: ------------------------------------------------------------------ */

static const char base_file[] = "name: base\n"
                                "time: {days: 5}\n"
                                "legitimacy: {initial: 0.6}\n"
                                "sites:\n"
                                "  - {name: A, region: R, population: 1000}\n"
                                "  - {name: B, region: R, population: 2000, focal: [{name: f}]}\n"
                                "events:\n"
                                "  - {at: 2022-01-02, where: R, internet: 0.5, label: cut}\n"
                                "  - {at: 2022-01-03, troops: 100}\n"
                                "  - {at: 2022-01-03, lethal: 0.1}\n";

static const char derived_file[] = "base: ../base.yaml\n"
                                   "drop: [troops, cut]\n"
                                   "name: derived\n"
                                   "time: {tick_hours: 2}\n"
                                   "sites:\n"
                                   "  - {name: B, region: Q, population: 3000}\n"
                                   "  - {name: C, region: R, population: 500}\n"
                                   "events:\n"
                                   "  - {at: 2022-01-04, where: R, concession: 0.1}\n"
                                   "set: {legitimacy.initial: 0.65, sites.*.poverty: 2}\n";

static void test_base_drop_set(void **state)
{
    (void)state;
    char dir[] = "/tmp/unrest-scenario-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[600], path[700], err[1024] = "";
    snprintf(sub, sizeof sub, "%s/sub", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_file(dir, "base.yaml", base_file);
    write_file(sub, "derived.yaml", derived_file);
    write_file(dir, "self.yaml", "base: self.yaml\n" MINIMAL);
    write_file(dir, "a.yaml", "base: b.yaml\n");
    write_file(dir, "b.yaml", "base: a.yaml\n");
    write_file(dir, "missing.yaml", "base: nothere.yaml\n");
    write_file(dir, "bad-base.yaml", "name: bad\nlattice: {k: 500}\n" MINIMAL);
    write_file(dir, "uses-bad.yaml", "base: bad-base.yaml\n");
    write_file(dir, "d0.yaml", "base: builtin\n");
    for (int i = 1; i < 9; i++) {
        char name[32], text[64];
        snprintf(name, sizeof name, "d%d.yaml", i);
        snprintf(text, sizeof text, "base: d%d.yaml\n", i - 1);
        write_file(dir, name, text);
    }

    unrest_scenario *sc = new_sc();
    snprintf(path, sizeof path, "%s/derived.yaml", sub);
    unrest_status st = unrest_scenario_load(sc, path, err, sizeof err);
    if (st != UNREST_OK) print_error("%s\n", err);
    assert_int_equal(st, UNREST_OK);
    assert_string_equal(sc->name, "derived");
    assert_int_equal(sc->p.days, 5);
    assert_true(sc->p.tick_hours == 2);
    assert_true(sc->p.legitimacy == 0.65);
    assert_int_equal(sc->n_sites, 3);
    assert_string_equal(sc->site[0].name, "A");
    assert_string_equal(sc->site[1].name, "B"); /* replaced in place */
    assert_string_equal(sc->site[1].region, "Q");
    assert_true(sc->site[1].population == 3000);
    assert_int_equal(sc->site[1].n_focal, 0);
    assert_string_equal(sc->site[2].name, "C");
    for (size_t i = 0; i < 3; i++)
        assert_true(sc->site[i].poverty == 2);
    assert_int_equal(sc->n_events, 2);
    assert_int_equal(sc->event[0].kind, UNREST_SC_LETHAL);
    assert_int_equal(sc->event[0].tick, 24); /* resolved with the final tick length */
    assert_true(sc->event[0].sites == 7);    /* "all" includes the added site */
    assert_int_equal(sc->event[1].kind, UNREST_SC_CONCESSION);
    assert_int_equal(sc->event[1].tick, 36);
    assert_true(sc->event[1].sites == 5); /* R is now A and C */

    /* the base alone */
    snprintf(path, sizeof path, "%s/base.yaml", dir);
    assert_int_equal(unrest_scenario_load(sc, path, err, sizeof err), UNREST_OK);
    assert_int_equal(sc->n_events, 3);
    assert_true(sc->event[0].sites == 3);

    static const struct {
        const char *file, *phrase;
    } bad[] = {
        {"self.yaml", "self.yaml:1:7: base cycle: "},
        {"a.yaml", "b.yaml:1:7: base cycle: "},
        {"missing.yaml", "missing.yaml:1:7: cannot read base file"},
        {"uses-bad.yaml", "bad-base.yaml:2:14: 'lattice.k' must be a number in [0, 100]"},
        {"d8.yaml", "base chain is too deep"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, bad[i].file);
        st = unrest_scenario_load(sc, path, err, sizeof err);
        if (st == UNREST_OK || !strstr(err, bad[i].phrase))
            print_error("%s: got '%s', expected '%s'\n", bad[i].file, err, bad[i].phrase);
        assert_int_not_equal(st, UNREST_OK);
        assert_non_null(strstr(err, bad[i].phrase));
    }
    snprintf(path, sizeof path, "%s/d7.yaml", dir); /* 8 files and the builtin: too deep too */
    assert_int_not_equal(unrest_scenario_load(sc, path, err, sizeof err), UNREST_OK);
    snprintf(path, sizeof path, "%s/d6.yaml", dir);
    st = unrest_scenario_load(sc, path, err, sizeof err);
    if (st != UNREST_OK) print_error("%s\n", err);
    assert_int_equal(st, UNREST_OK);

    /* clean up */
    static const char *const files[] = {"base.yaml",    "self.yaml",     "a.yaml",       "b.yaml",
                                        "missing.yaml", "bad-base.yaml", "uses-bad.yaml"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    for (int i = 0; i < 9; i++) {
        snprintf(path, sizeof path, "%s/d%d.yaml", dir, i);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/derived.yaml", sub);
    unlink(path);
    rmdir(sub);
    rmdir(dir);
    free(sc);
}

static void test_base_builtin(void **state)
{
    (void)state;
    size_t len;
    const char *text = unrest_scenario_builtin(&len);
    unrest_scenario *b = new_sc(), *sc;
    char err[1024];
    assert_int_equal(unrest_scenario_load_string(b, text, len, "<builtin>", err, sizeof err),
                     UNREST_OK);
    sc = load_good("base: builtin\n");
    assert_true(unrest_scenario_hash(sc) == unrest_scenario_hash(b));
    free(sc);
    /* drop every event of one kind that the builtin has, by kind name and by label */
    const char *kind = unrest_sc_kind_name(b->event[0].kind);
    size_t same = 0;
    for (size_t i = 0; i < b->n_events; i++)
        if (!strcmp(unrest_sc_kind_name(b->event[i].kind), kind) ||
            !strcmp(b->event[i].label, kind))
            same++;
    char file[256];
    snprintf(file, sizeof file, "base: builtin\ndrop: [%s]\nname: variant\n", kind);
    sc = load_good(file);
    assert_int_equal(sc->n_events, b->n_events - same);
    assert_string_equal(sc->name, "variant");
    free(sc);
    snprintf(file, sizeof file, "base: builtin\ndrop: \"%s\"\n", b->event[0].label);
    sc = load_good(file);
    assert_true(sc->n_events < b->n_events);
    free(sc);
    /* appended events and sites */
    sc = load_good("base: builtin\n"
                   "sites: [{name: Extra, region: Elsewhere, population: 5000}]\n"
                   "events: [{at: 2022-01-03, where: Extra, leadership: 0.5}]\n");
    assert_int_equal(sc->n_sites, b->n_sites + 1);
    assert_int_equal(sc->n_events, b->n_events + 1);
    assert_true(sc->event[b->n_events].sites == (uint64_t)1 << b->n_sites);
    free(sc);
    /* a string has no directory: only the builtin can be a base */
    assert_int_not_equal(load(b, "base: /etc/passwd\n", err, sizeof err), UNREST_OK);
    assert_non_null(strstr(err, "bad.yaml:1:7: 'base: /etc/passwd' needs a file on disk"));
    free(b);
}

/* ---- overrides --------------------------------------------------------------------------- */

static const char set_file[] = "sites:\n"
                               "  - {name: A, region: R, population: 1000,\n"
                               "     focal: [{name: f, x: 0.2}, {name: g}]}\n"
                               "  - {name: B, region: R, population: 2000, focal: [{name: f}]}\n"
                               "  - {name: C, region: Q, population: 3000}\n"
                               "events:\n"
                               "  - {at: 2022-01-01T03:00, troops: 5, until: 2022-01-01T05:00}\n";

static void test_set_paths(void **state)
{
    (void)state;
    unrest_scenario *sc = load_good(set_file);
    set_ok(sc, "name=renamed");
    assert_string_equal(sc->name, "renamed");
    set_ok(sc, "title=A title, with = signs");
    assert_string_equal(sc->title, "A title, with = signs");
    set_ok(sc, "legitimacy.initial=0.7");
    assert_true(sc->p.legitimacy == 0.7);
    set_ok(sc, "scale.people_per_agent=1000");
    assert_true(sc->p.people_per_agent == 1000);
    set_ok(sc, "time.days=30");
    assert_int_equal(sc->p.days, 30);
    set_ok(sc, "force.leverage=2.5e1");
    assert_true(sc->p.leverage == 25);
    set_ok(sc, "lattice.profile=netlogo");
    assert_string_equal(sc->p.profile, "netlogo");
    set_ok(sc, "lattice.jail_hours=0");
    assert_int_equal(sc->p.jail_hours, 0);
    set_ok(sc, "spread.strength=0");
    assert_true(sc->p.spread == 0);
    set_ok(sc, "time.start=2022-01-02T00:00+05:00");
    assert_int_equal(sc->p.start, 1640995200 + 86400 - 5 * 3600);
    assert_int_equal(sc->p.utc_offset_min, 300);
    /* tick length: events keep their clock time */
    assert_int_equal(sc->event[0].tick, 3);
    assert_int_equal(sc->event[0].until, 5);
    set_ok(sc, "time.tick_hours=0.5");
    assert_int_equal(sc->event[0].tick, 6);
    assert_int_equal(sc->event[0].until, 10);
    set_ok(sc, "time.tick_hours=2");
    assert_int_equal(sc->event[0].tick, 1);
    assert_int_equal(sc->event[0].until, 3);
    /* sites */
    set_ok(sc, "sites.A.population=2e6");
    assert_true(sc->site[0].population == 2e6);
    assert_true(sc->site[1].population == 2000);
    set_ok(sc, "sites.*.temp_anomaly=-4");
    for (size_t i = 0; i < 3; i++)
        assert_true(sc->site[i].temp_anomaly == -4);
    /* a region's name where no site has it: every site in the region, no other */
    set_ok(sc, "sites.R.poverty=3");
    assert_true(sc->site[0].poverty == 3 && sc->site[1].poverty == 3);
    assert_true(sc->site[2].poverty != 3);
    set_ok(sc, "sites.R.focal.f.guards=7");
    assert_true(sc->site[0].focal[0].guards == 7 && sc->site[1].focal[0].guards == 7);
    set_ok(sc, "sites.R.focal.f.guards=0");
    set_ok(sc, "sites.C.capital=true");
    assert_int_equal(sc->site[2].capital, 1);
    set_ok(sc, "sites.C.region=North");
    assert_string_equal(sc->site[2].region, "North");
    set_ok(sc, "sites.B.police_per_100k=-1");
    /* focal points */
    set_ok(sc, "sites.A.focal.f.guards=300");
    assert_true(sc->site[0].focal[0].guards == 300);
    assert_true(sc->site[1].focal[0].guards == 0);
    set_ok(sc, "sites.*.focal.f.radius=5");
    assert_true(sc->site[0].focal[0].radius == 5 && sc->site[1].focal[0].radius == 5);
    assert_true(sc->site[0].focal[1].radius == 3);
    set_ok(sc, "sites.A.focal.*.x=0.75");
    assert_true(sc->site[0].focal[0].x == 0.75 && sc->site[0].focal[1].x == 0.75);
    assert_true(sc->site[1].focal[0].x == 0.5);
    char err[512];
    assert_int_equal(unrest_scenario_validate(sc, err, sizeof err), UNREST_OK);

    /* errors: nothing changes */
    unrest_scenario *copy = malloc(sizeof *copy);
    assert_non_null(copy);
    memcpy(copy, sc, sizeof *sc);
    set_bad(sc, "legitimacy.initial", UNREST_EINVAL, "expected PATH=VALUE");
    set_bad(sc, "=1", UNREST_EINVAL, "expected PATH=VALUE");
    set_bad(sc, "legitimacy=0.7", UNREST_EUNKNOWN,
            "'legitimacy' is a section: name one of its keys (legitimacy.KEY: initial, "
            "arrest_erosion");
    set_bad(sc, "colour=red", UNREST_EUNKNOWN,
            "unknown setting 'colour' (expected name, title, SECTION.KEY (sections: time, scale");
    set_bad(sc, "lattice.kk=1", UNREST_EUNKNOWN,
            "unknown key 'kk' in 'lattice' (expected one of: profile, citizen_density, "
            "citizen_vision, cop_vision, threshold, k, jail_hours, focal_pull, focal_jump, "
            "focal_choice, focal_decay, relocate)");
    set_bad(sc, "lattice.k=200", UNREST_ERANGE,
            "'lattice.k' must be a number in [0, 100], got '200'");
    set_bad(sc, "lattice.k=", UNREST_EINVAL, "'lattice.k' must be a number in [0, 100], got ''");
    set_bad(sc, "lattice.k= 2", UNREST_EINVAL, "got ' 2'");
    set_bad(sc, "lattice.k=nan", UNREST_EINVAL, "got 'nan'");
    set_bad(sc, "time.days=abc", UNREST_EINVAL, "'time.days' must be an integer in [1, 366]");
    set_bad(sc, "time.days=400", UNREST_ERANGE, "'time.days' must be an integer in [1, 366]");
    set_bad(sc, "time.start=soon", UNREST_EINVAL, "'time.start' must be a date-time");
    set_bad(sc, "lattice.profile=fancy", UNREST_EUNKNOWN, "unknown profile 'fancy'");
    set_bad(sc, "sites.Z.population=1", UNREST_EUNKNOWN,
            "unknown site or region 'Z' (sites: A, B, C)");
    set_bad(sc, "sites.A.size=1", UNREST_EUNKNOWN,
            "unknown site key 'size' (expected one of: name, region, population");
    set_bad(sc, "sites.A=1", UNREST_EUNKNOWN, "expected sites.NAME.KEY");
    set_bad(sc, "sites.A.population=0", UNREST_ERANGE,
            "'sites.A.population' must be a number in (0, 1e+09], got '0'");
    set_bad(sc, "sites.*.population=-1", UNREST_ERANGE, "'sites.*.population' must be");
    set_bad(sc, "sites.A.name=Z", UNREST_EINVAL, "a site's name cannot be changed");
    set_bad(sc, "sites.A.region=", UNREST_EINVAL, "'sites.A.region' must be non-empty text");
    set_bad(sc, "sites.A.capital=maybe", UNREST_EINVAL, "'sites.A.capital' must be true or false");
    set_bad(sc, "sites.A.focal.h.x=0.1", UNREST_EUNKNOWN, "no focal point 'h' in site A");
    set_bad(sc, "sites.C.focal.*.x=0.1", UNREST_EUNKNOWN, "no focal point '*' in site C");
    set_bad(sc, "sites.*.focal.h.x=0.1", UNREST_EUNKNOWN, "no focal point 'h' in any site");
    set_bad(sc, "sites.A.focal.f.z=1", UNREST_EUNKNOWN,
            "unknown focal point key 'z' (expected one of: name, x, y, radius, guards, attract)");
    set_bad(sc, "sites.A.focal.f.x=1", UNREST_ERANGE,
            "'sites.A.focal.f.x' must be a number in [0, 1)");
    set_bad(sc, "sites.A.focal.f=1", UNREST_EUNKNOWN, "expected sites.NAME.focal.FOCAL.KEY");
    set_bad(sc, "sites.A.focal.f.name=k", UNREST_EINVAL, "a focal point's name cannot be changed");
    set_bad(sc, "events.0.at=2022-01-02", UNREST_EUNKNOWN, "events cannot be set");
    set_bad(sc, "events=1", UNREST_EUNKNOWN, "events cannot be set");
    assert_memory_equal(sc, copy, sizeof *sc);
    char longpath[400];
    memset(longpath, 'a', sizeof longpath - 3);
    strcpy(longpath + sizeof longpath - 3, "=1");
    set_bad(sc, longpath, UNREST_EUNKNOWN, "the path is too long");
    assert_int_equal(unrest_scenario_set(sc, NULL, NULL, 0), UNREST_EINVAL);
    free(copy);
    /* wildcards on a scenario without sites */
    unrest_scenario *empty = new_sc();
    set_bad(empty, "sites.*.population=5", UNREST_EUNKNOWN, "the scenario has no sites");
    set_bad(empty, "sites.A.population=5", UNREST_EUNKNOWN,
            "unknown site or region 'A' (sites: none)");
    free(empty);
    free(sc);
}

/* ---- the hash ------------------------------------------------------------------------------ */

/* Every settable value with another valid value. */
static const char *const hash_sets[] = {
    "name=other",
    "title=Other",
    "time.start=2022-01-01T00:00+05:00",
    "time.start=2022-01-01T01:00+06:00",
    "time.tick_hours=0.5",
    "time.days=21",
    "scale.people_per_agent=99",
    "lattice.profile=netlogo",
    "lattice.citizen_density=0.69",
    "lattice.citizen_vision=6",
    "lattice.cop_vision=6",
    "lattice.threshold=0.11",
    "lattice.k=2.4",
    "lattice.jail_hours=361",
    "lattice.focal_pull=0.4",
    "legitimacy.initial=0.81",
    "legitimacy.arrest_erosion=0.051",
    "legitimacy.kill_erosion=0.011",
    "legitimacy.kill_national=0.251",
    "legitimacy.foreign_erosion=0.031",
    "legitimacy.concession_decay=0.001",
    "hardship.fuel_ref_price=61",
    "hardship.fuel_weight=0.51",
    "hardship.cold_weight=0.21",
    "hardship.comfort_temp=1",
    "hardship.distribute_relief=0.81",
    "spread.strength=0.051",
    "spread.saturation=0.0021",
    "spread.media_share=0.31",
    "spread.blackout_vision=0.61",
    "spread.leadership_gain=0.051",
    "force.police_per_100k=394",
    "force.street_share=0.31",
    "force.leverage=11",
    "force.troop_leverage=11",
    "force.curfew_k=2.1",
    "force.emergency_k=1.51",
    "force.lethal_fear=1.51",
    "force.night_share=0.31",
    "force.capture_hours=3.1",
    "outcomes.end_share=0.00011",
    "outcomes.end_hours=25",
    "outcomes.suppressed_dead=51",
    "outcomes.suppressed_detained=1001",
    "outcomes.protracted_share=0.0011",
    "sites.A.region=S",
    "sites.A.population=1001",
    "sites.A.police_per_100k=100",
    "sites.A.fuel_price=61",
    "sites.A.fuel_dependence=0.51",
    "sites.A.income=165817",
    "sites.A.poverty=1.1",
    "sites.A.temp_normal=1",
    "sites.A.temp_anomaly=1",
    "sites.A.heating_shortfall=0.1",
    "sites.A.legitimacy_offset=0.1",
    "sites.A.capital=true",
    "sites.B.population=1001",
    "sites.A.focal.f.x=0.51",
    "sites.A.focal.f.y=0.51",
    "sites.A.focal.f.radius=4",
    "sites.A.focal.f.guards=1",
    "sites.A.focal.g.guards=1",
};
#define N_HASH_SETS (sizeof hash_sets / sizeof hash_sets[0])

static const char hash_file[] = "sites:\n"
                                "  - {name: A, region: R, population: 1000,\n"
                                "     focal: [{name: f}, {name: g}]}\n"
                                "  - {name: B, region: R, population: 1000}\n"
                                "events:\n"
                                "  - {at: 2022-01-02, troops: 5, until: 2022-01-03}\n"
                                "  - {at: 2022-01-02, emergency: on}\n";

static void test_hash(void **state)
{
    (void)state;
    unrest_scenario *a = load_good(hash_file), *b = load_good(hash_file);
    uint64_t h0 = unrest_scenario_hash(a);
    assert_true(unrest_scenario_hash(b) == h0);
    assert_true(unrest_scenario_hash(a) == h0); /* no hidden state */
    /* where events were written does not count, nor bytes after a name's end */
    b->event[0].line = 99;
    b->event[1].col = 7;
    memset(b->name + 1, 'x', sizeof b->name - 1);
    b->name[0] = '\0';
    assert_true(unrest_scenario_hash(b) == h0);
    /* the same values written differently */
    unrest_scenario *c = load_good("sites:\n"
                                   "  - name: A\n"
                                   "    region: R\n"
                                   "    population: 1e3\n"
                                   "    focal:\n"
                                   "      - name: f\n"
                                   "        x: 0.5\n"
                                   "      - {name: g}\n"
                                   "  - {name: B, region: \"R\", population: 1000.0}\n"
                                   "events:\n"
                                   "  - {at: 2022-01-01T18:00Z, troops: 5e0, role: guard,\n"
                                   "     until: 2022-01-03T00:00+06:00}\n"
                                   "  - {at: 2022-01-02T00:00, emergency: true, curfew: "
                                   "23:00-07:00}\n");
    assert_true(unrest_scenario_hash(c) == h0);
    free(c);

    /* every value moves the hash, each to a different place */
    uint64_t seen[N_HASH_SETS + 16];
    size_t n = 0;
    seen[n++] = h0;
    for (size_t i = 0; i < N_HASH_SETS; i++) {
        memcpy(b, a, sizeof *a);
        set_ok(b, hash_sets[i]);
        uint64_t h = unrest_scenario_hash(b);
        for (size_t j = 0; j < n; j++)
            if (seen[j] == h) print_error("%s: same hash as entry %zu\n", hash_sets[i], j);
        for (size_t j = 0; j < n; j++)
            assert_true(seen[j] != h);
        seen[n++] = h;
    }
    /* every event field */
    for (int f = 0; f < 11; f++) {
        memcpy(b, a, sizeof *a);
        unrest_sc_event *e = &b->event[0];
        switch (f) {
        case 0:
            e->kind = UNREST_SC_REINFORCE;
            break;
        case 1:
            e->tick++;
            break;
        case 2:
            e->until = -1;
            break;
        case 3:
            e->sites = 1;
            break;
        case 4:
            e->value = 0.5;
            break;
        case 5:
            e->people = 6;
            break;
        case 6:
            e->legitimacy = 0.1;
            break;
        case 7:
            e->role = UNREST_ROLE_PATROL;
            break;
        case 8:
            e->curfew_from = 1;
            break;
        case 9:
            e->curfew_to = 1;
            break;
        default:
            strcpy(e->label, "other");
            break;
        }
        uint64_t h = unrest_scenario_hash(b);
        for (size_t j = 0; j < n; j++)
            assert_true(seen[j] != h);
        seen[n++] = h;
    }
    /* fewer sites, focal points or events */
    memcpy(b, a, sizeof *a);
    b->n_events = 1;
    assert_true(unrest_scenario_hash(b) != h0);
    memcpy(b, a, sizeof *a);
    b->site[0].n_focal = 1;
    assert_true(unrest_scenario_hash(b) != h0);
    memcpy(b, a, sizeof *a);
    b->n_sites = 1;
    assert_true(unrest_scenario_hash(b) != h0);
    /* swapping two events changes it too (order is part of the timeline) */
    memcpy(b, a, sizeof *a);
    unrest_sc_event t = b->event[0];
    b->event[0] = b->event[1];
    b->event[1] = t;
    assert_true(unrest_scenario_hash(b) != h0);
    free(a);
    free(b);
}

/* ---- whole-scenario checks on scenarios built in code ------------------------------------- */

static void validate_bad(const unrest_scenario *sc, const char *phrase)
{
    char err[1024] = "";
    unrest_status st = unrest_scenario_validate(sc, err, sizeof err);
    if (st == UNREST_OK || !strstr(err, phrase))
        print_error("got '%s', expected '%s'\n", err, phrase);
    assert_int_not_equal(st, UNREST_OK);
    assert_non_null(strstr(err, phrase));
}

static void test_validate(void **state)
{
    (void)state;
    unrest_scenario *good = load_good(hash_file), *sc = new_sc();
    char err[512];
    assert_int_equal(unrest_scenario_validate(good, err, sizeof err), UNREST_OK);
    assert_int_equal(unrest_scenario_validate(good, NULL, 0), UNREST_OK);
    /* a lattice too small for the vision radius is the world's to enlarge, not an error */
    memcpy(sc, good, sizeof *sc);
    sc->p.people_per_agent = 1;
    sc->p.citizen_vision = 20;
    sc->site[0].population = 10;
    assert_int_equal(unrest_scenario_validate(sc, err, sizeof err), UNREST_OK);
    /* ... but a site without a single agent is */
    sc->site[0].population = 0.4;
    validate_bad(sc, "site 'A': population 0.4 at people_per_agent 1 gives no agents; use a "
                     "smaller people_per_agent");
    memcpy(sc, good, sizeof *sc);
    sc->p.people_per_agent = 2001;
    validate_bad(sc, "site 'A': population 1000 at people_per_agent 2001 gives no agents");

#define BAD(change, phrase)                                                                        \
    do {                                                                                           \
        memcpy(sc, good, sizeof *sc);                                                              \
        change;                                                                                    \
        validate_bad(sc, phrase);                                                                  \
    } while (0)
    BAD(sc->n_sites = 0, "the scenario has no sites");
    BAD(sc->n_sites = 65, "too many sites");
    BAD(sc->n_events = 513, "too many events");
    BAD(strcpy(sc->site[1].name, "A"), "duplicate site name 'A' (sites 1 and 2)");
    BAD(strcpy(sc->site[1].name, "a.b"), "'site 2 name' must be a name of letters");
    BAD(strcpy(sc->site[1].region, ""), "'sites.B.region' must be non-empty text");
    BAD(sc->site[1].population = -1, "'sites.B.population' must be a number in (0, 1e+09]");
    BAD(sc->site[1].fuel_price = NAN, "'sites.B.fuel_price' must be a number > 0");
    BAD(sc->site[1].capital = 2, "'sites.B.capital' must be 0 or 1");
    BAD(sc->site[0].n_focal = 5, "site 'A' has 5 focal points (at most 4)");
    BAD(strcpy(sc->site[0].focal[1].name, "f"), "site 'A' has two focal points named 'f'");
    BAD(sc->site[0].focal[1].x = 1, "'sites.A.focal.g.x' must be a number in [0, 1)");
    BAD(sc->p.tick_hours = 0, "'time.tick_hours' must be a number in (0, 24]");
    BAD(sc->p.days = 0, "'time.days' must be an integer in [1, 366]");
    BAD(sc->p.utc_offset_min = 900, "UTC offset must be within");
    BAD(strcpy(sc->p.profile, "x"), "'lattice.profile' must be one of: paper, netlogo, mesa");
    BAD(sc->p.legitimacy = 1.5, "'legitimacy.initial' must be a number in [0, 1], got 1.5");
    BAD(sc->p.spread_saturation = 0, "'spread.saturation' must be a number in (0, 1]");
    BAD(memset(sc->title, 'x', sizeof sc->title), "'title' is not terminated");
    BAD(strcpy(sc->title, "two\nlines"), "'title' must be text of one line");
    BAD(sc->event[0].tick = -1, "event 1 'troops' (line 6, column 5): event tick -1 is before the "
                                "start of the run");
    BAD(sc->event[0].until = sc->event[0].tick, "event 'until' tick 24 must be after its tick 24");
    BAD(sc->event[0].sites = 0, "names no site");
    BAD(sc->event[0].sites = 4, "names no site or a site that does not exist");
    BAD(sc->event[0].kind = UNREST_SC_KIND_COUNT, "unknown event kind");
    BAD(sc->event[0].people = 0, "'troops' must be a number in (0, 1e+07]");
    BAD(sc->event[1].value = 0.5, "'emergency' must be on or off (1 or 0)");
    BAD(sc->event[0].role = (unrest_sc_role)4, "unknown troop role 4");
    BAD(sc->event[1].curfew_to = 24, "curfew hours must be in [0, 24)");
    BAD(sc->event[0].legitimacy = -0.1, "'gain' must be a number in [0, 1]");
    BAD((sc->event[0].kind = UNREST_SC_INTERNET, sc->event[0].value = 2),
        "'internet' must be a number in [0, 1], got 2");
    BAD((sc->event[0].line = 0, sc->event[0].tick = -5), "event 1 'troops': event tick -5");
#undef BAD
    /* until -1 (stay) is fine */
    memcpy(sc, good, sizeof *sc);
    sc->event[0].until = -1;
    assert_int_equal(unrest_scenario_validate(sc, err, sizeof err), UNREST_OK);
    /* events after the end are fine here (a run shortened by --set time.days never reaches
     * them); a file's dates are checked against its run when it is read */
    sc->event[0].tick = 480;
    sc->event[0].until = 481;
    sc->event[1].tick = 100000;
    assert_int_equal(unrest_scenario_validate(sc, err, sizeof err), UNREST_OK);
    free(good);
    free(sc);
}

/* Checks that need the whole file: the message points at the site or event. */
static void test_load_runs_validate(void **state)
{
    (void)state;
    unrest_scenario *sc = new_sc();
    char err[1024];
    assert_int_equal(load(sc,
                          "sites:\n"
                          "  - {name: A, region: R, population: 1000}\n"
                          "  - {name: B, region: R, population: 40}\n"
                          "set: {scale.people_per_agent: 100}\n",
                          err, sizeof err),
                     UNREST_EINVAL);
    assert_non_null(strstr(err, "bad.yaml:3:5: site 'B': population 40 at people_per_agent 100 "
                                "gives no agents"));
    /* set: after the events moves the run, the event no longer fits */
    assert_int_equal(load(sc,
                          MINIMAL "events:\n"
                                  "  - {at: 2022-01-15, internet: 0}\n"
                                  "set: {time.days: 10}\n",
                          err, sizeof err),
                     UNREST_ERANGE);
    assert_non_null(strstr(err, "bad.yaml:4:10: event time 2022-01-15T00:00+06:00 is after the "
                                "end of the run (2022-01-11T00:00+06:00, 10 days)"));
    free(sc);
}

/* Too many sites and events (generated). */
static void test_too_many(void **state)
{
    (void)state;
    size_t cap = 64 * 1024;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t used = (size_t)snprintf(text, cap, "sites:\n");
    for (int i = 0; i < 65; i++)
        used += (size_t)snprintf(text + used, cap - used,
                                 "  - {name: s%d, region: r, population: 1000}\n", i);
    unrest_scenario *sc = new_sc();
    char err[1024];
    assert_int_equal(load(sc, text, err, sizeof err), UNREST_ERANGE);
    assert_non_null(strstr(err, "bad.yaml:66:5: too many sites (at most 64)"));
    used = (size_t)snprintf(text, cap, MINIMAL "events:\n");
    for (int i = 0; i < 513; i++)
        used += (size_t)snprintf(text + used, cap - used, "  - {at: 2022-01-02, lethal: 0}\n");
    assert_int_equal(load(sc, text, err, sizeof err), UNREST_ERANGE);
    assert_non_null(strstr(err, "bad.yaml:516:5: too many events (at most 512"));
    /* 512 is fine, base events count */
    text[used - strlen("  - {at: 2022-01-02, lethal: 0}\n")] = '\0';
    assert_int_equal(load(sc, text, err, sizeof err), UNREST_OK);
    assert_int_equal(sc->n_events, 512);
    free(text);
    free(sc);
}

/* ---- malformed scenarios ------------------------------------------------------------------- */

static const struct {
    const char *name;   /* also tests/corpus/scenario-bad/NAME.yaml */
    const char *text;   /* the file */
    int line, col;      /* where the message must point */
    const char *phrase; /* what it must say */
} bad_files[] = {
    {"yaml-unclosed-flow", "sites: [{name: A, region: R, population: 1000}\n", 2, 1, "YAML error"},
    {"yaml-tab", "name: x\n\tfoo: 1\nsites:\n  - {name: A, region: R, population: 1000}\n", 2, 1,
     "YAML error"},
    {"yaml-unclosed-quote", "title: \"abc\nsites:\n  - {name: A, region: R, population: 1000}\n", 4,
     1, "YAML error"},
    {"yaml-mapping-in-scalar", "name: a: b\nsites:\n  - {name: A, region: R, population: 1000}\n",
     1, 8, "YAML error: mapping values are not allowed"},
    {"root-not-mapping", "- name: x\n- title: y\n", 1, 1, "a scenario must be a mapping"},
    {"second-document",
     "name: x\nsites:\n  - {name: A, region: R, population: 1000}\n---\nname: y\n", 5, 1,
     "holds one YAML document"},
    {"duplicate-top-key", "name: x\nname: y\nsites:\n  - {name: A, region: R, population: 1000}\n",
     2, 1, "duplicate key 'name'"},
    {"mapping-key-not-text", "[a, b]: 1\nsites:\n  - {name: A, region: R, population: 1000}\n", 1,
     1, "a mapping key must be text"},
    {"section-not-mapping", "time: 5\nsites:\n  - {name: A, region: R, population: 1000}\n", 1, 7,
     "'time' must be a mapping"},
    {"sites-not-list", "sites: {name: A, region: R, population: 1000}\n", 1, 8,
     "'sites' must be a list"},
    {"events-not-list",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents: {at: 2022-01-02, internet: "
     "0.5}\n",
     3, 9, "'events' must be a list"},
    {"event-not-mapping",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - internet\n", 4, 5,
     "an event must be a mapping"},
    {"site-not-mapping", "sites:\n  - A\n", 2, 5, "a site must be a mapping"},
    {"number-is-list",
     "lattice:\n  k: [1, 2]\nsites:\n  - {name: A, region: R, population: 1000}\n", 2, 6,
     "'lattice.k' must be a number in [0, 100], got a sequence"},
    {"number-is-text", "lattice:\n  k: abc\nsites:\n  - {name: A, region: R, population: 1000}\n",
     2, 6, "'lattice.k' must be a number in [0, 100], got 'abc'"},
    {"number-hex", "force:\n  leverage: 0x10\nsites:\n  - {name: A, region: R, population: 1000}\n",
     2, 13, "'force.leverage' must be a number in [0, 1000], got '0x10'"},
    {"number-inf",
     "outcomes:\n  suppressed_dead: .inf\nsites:\n  - {name: A, region: R, population: 1000}\n", 2,
     20, "'outcomes.suppressed_dead' must be a number >= 0"},
    {"integer-fraction", "time:\n  days: 2.5\nsites:\n  - {name: A, region: R, population: 1000}\n",
     2, 9, "'time.days' must be an integer in [1, 366], got '2.5'"},
    {"bool-bad", "sites:\n  - {name: A, region: R, population: 1000, capital: maybe}\n", 2, 53,
     "'sites.A.capital' must be true or false"},
    {"profile-unknown",
     "lattice: {profile: fancy}\nsites:\n  - {name: A, region: R, population: 1000}\n", 1, 20,
     "unknown profile 'fancy'"},
    {"focal-not-list", "sites:\n  - {name: A, region: R, population: 1000, focal: {name: f}}\n", 2,
     51, "'focal' of site 'A' must be a list"},
    {"drop-not-list", "base: builtin\ndrop: {a: 1}\n", 2, 7, "'drop' must be a list"},
    {"set-not-mapping",
     "sites:\n  - {name: A, region: R, population: 1000}\nset: [legitimacy.initial]\n", 3, 6,
     "'set' must be a mapping"},
    {"where-mapping",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02, where: {a: "
     "1}, internet: 0.5}\n",
     4, 29, "'where' must be all, a site or region name, or a list"},
    {"unknown-top-key", "colour: red\nsites:\n  - {name: A, region: R, population: 1000}\n", 1, 1,
     "unknown key 'colour' in a scenario (expected one of: name, title, base"},
    {"unknown-section-key",
     "lattice:\n  kk: 1\nsites:\n  - {name: A, region: R, population: 1000}\n", 2, 3,
     "unknown key 'kk' in 'lattice' (expected one of: profile, citizen_density"},
    {"unknown-time-key", "time:\n  hours: 1\nsites:\n  - {name: A, region: R, population: 1000}\n",
     2, 3, "unknown key 'hours' in 'time' (expected one of: start, tick_hours, days)"},
    {"unknown-site-key", "sites:\n  - {name: A, region: R, population: 1000, size: 3}\n", 2, 44,
     "unknown key 'size' in a site (expected one of: name, region, population"},
    {"unknown-focal-key",
     "sites:\n  - {name: A, region: R, population: 1000, focal: [{name: f, z: 1}]}\n", 2, 62,
     "unknown key 'z' in a focal point of site 'A' (expected one of: name, x, y, radius, guards, "
     "attract)"},
    {"unknown-event-key",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02, internet: "
     "0.5, colour: red}\n",
     4, 37, "unknown key 'colour' in an event (expected one of: at, where, label, fuel_price"},
    {"date-month",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-13-01, internet: "
     "0.5}\n",
     4, 10, "month must be 01-12"},
    {"date-day",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-02-29, internet: "
     "0.5}\n",
     4, 10, "no such day in that month"},
    {"date-hour",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02T25:00, "
     "internet: 0.5}\n",
     4, 10, "time of day must be 00:00-23:59"},
    {"date-words",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: yesterday, internet: "
     "0.5}\n",
     4, 10, "'at' must be a date or date-time, got 'yesterday'"},
    {"date-trailing",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: "
     "2022-01-02T10:00+06:00x, internet: 0.5}\n",
     4, 10, "'at' must be a date or date-time"},
    {"date-before-start",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2021-12-31T23:00, "
     "internet: 0.5}\n",
     4, 10,
     "event time 2021-12-31T23:00+06:00 is before the start of the run (2022-01-01T00:00+06:00)"},
    {"date-after-end",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-21, internet: "
     "0.5}\n",
     4, 10, "event time 2022-01-21T00:00+06:00 is after the end of the run"},
    {"date-partial-tick",
     "time: {tick_hours: 5, days: 1}\nsites:\n  - {name: A, region: R, population: "
     "1000}\nevents:\n  - {at: 2022-01-01T22:00, internet: 0.5}\n",
     5, 10, "after the end of the run (it falls after the last whole tick"},
    {"start-offset",
     "time:\n  start: 2022-01-01T00:00+15:00\nsites:\n  - {name: A, region: R, population: 1000}\n",
     2, 10, "UTC offset must be within -14:00..+14:00"},
    {"start-no-date", "time:\n  start: today\nsites:\n  - {name: A, region: R, population: 1000}\n",
     2, 10, "'time.start' must be a date-time"},
    {"until-before-at",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-05, troops: "
     "100, until: 2022-01-04}\n",
     4, 42, "'until' must be after 'at'"},
    {"population-negative", "sites:\n  - {name: A, region: R, population: -5}\n", 2, 38,
     "'sites.A.population' must be a number in (0, 1e+09], got '-5'"},
    {"population-zero", "sites:\n  - {name: A, region: R, population: 0}\n", 2, 38,
     "'sites.A.population' must be a number in (0, 1e+09], got '0'"},
    {"population-missing", "sites:\n  - {name: A, region: R}\n", 2, 5,
     "site 'A' needs 'population'"},
    {"region-missing", "sites:\n  - {name: A, population: 10}\n", 2, 5, "site 'A' needs 'region'"},
    {"site-name-missing", "sites:\n  - {region: R, population: 10}\n", 2, 5, "a site needs 'name'"},
    {"site-name-dot", "sites:\n  - {name: Al.maty, region: R, population: 1000}\n", 2, 12,
     "'site name' must be a name of letters, digits, '_' and '-'"},
    {"site-name-all", "sites:\n  - {name: all, region: R, population: 1000}\n", 2, 12, "not 'all'"},
    {"site-name-long",
     "sites:\n  - {name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, region: R, population: "
     "1000}\n",
     2, 12, "'site name' is too long: at most 47 characters"},
    {"site-duplicate",
     "sites:\n  - {name: A, region: R, population: 1000}\n  - {name: A, region: Q, population: "
     "5}\n",
     3, 5, "duplicate site 'A' (first at line 2 column 5)"},
    {"site-no-agents",
     "scale: {people_per_agent: 10000}\nsites:\n  - {name: A, region: R, population: 1000}\n", 3, 5,
     "site 'A': population 1000 at people_per_agent 10000 gives no agents; use a smaller "
     "people_per_agent"},
    {"fuel-dependence-range",
     "sites:\n  - {name: A, region: R, population: 1000, fuel_dependence: 1.5}\n", 2, 61,
     "'sites.A.fuel_dependence' must be a number in [0, 1]"},
    {"police-range", "sites:\n  - {name: A, region: R, population: 1000, police_per_100k: -2}\n", 2,
     61, "(-1: the national value)"},
    {"focal-duplicate",
     "sites:\n  - {name: A, region: R, population: 1000, focal: [{name: f}, {name: f}]}\n", 2, 70,
     "duplicate focal point 'f' in site 'A'"},
    {"focal-x-range",
     "sites:\n  - {name: A, region: R, population: 1000, focal: [{name: f, x: 1}]}\n", 2, 65,
     "'sites.A.focal.f.x' must be a number in [0, 1)"},
    {"focal-name-missing",
     "sites:\n  - {name: A, region: R, population: 1000, focal: [{x: 0.5}]}\n", 2, 52,
     "a focal point of site 'A' needs 'name'"},
    {"focal-too-many",
     "sites:\n  - {name: A, region: R, population: 1000, focal: [{name: a}, {name: b}, {name: c}, "
     "{name: d}, {name: e}]}\n",
     2, 96, "too many focal points in site 'A' (at most 4)"},
    {"no-sites", "name: x\n", 1, 1, "a scenario needs 'sites'"},
    {"empty-file", "", 1, 1, "a scenario needs 'sites'"},
    {"sites-empty", "sites: []\n", 1, 8, "'sites' must list at least one site"},
    {"where-unknown",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02, where: "
     "Nowhere, internet: 0.5}\n",
     4, 29, "unknown site or region 'Nowhere' in 'where' (sites: A; regions: R)"},
    {"where-list-unknown",
     "sites:\n  - {name: A, region: R, population: 1000}\n  - {name: B, region: Q, population: "
     "2000}\nevents:\n  - {at: 2022-01-02, where: [A, Q, Elsewhere], internet: 0.5}\n",
     5, 36, "unknown site or region 'Elsewhere'"},
    {"where-empty",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02, where: [], "
     "internet: 0.5}\n",
     4, 29, "'where' must name at least one site or region"},
    {"two-actions",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02, internet: "
     "0.5, lethal: 0.1}\n",
     4, 37,
     "an event has one action, this one has two: 'internet' (line 4 column 22) and 'lethal'"},
    {"no-action",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02, label: "
     "quiet day}\n",
     4, 5, "an event needs one action key (one of: fuel_price, price_cap"},
    {"no-at", "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {internet: 0.5}\n",
     4, 5, "an event needs 'at'"},
    {"gain-without-cap",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02, "
     "concession: 0.1, gain: 0.1}\n",
     4, 39, "'gain' is only allowed with 'price_cap' (this event is 'concession')"},
    {"role-without-troops",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02, reinforce: "
     "10, role: guard}\n",
     4, 37, "'role' is only allowed with 'troops'"},
    {"until-without-troops",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02, lethal: "
     "0.1, until: 2022-01-03}\n",
     4, 35, "'until' is only allowed with 'troops'"},
    {"curfew-without-emergency",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02, internet: "
     "0, curfew: \"22:00-06:00\"}\n",
     4, 35, "'curfew' is only allowed with 'emergency'"},
    {"emergency-bad",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02, emergency: "
     "maybe}\n",
     4, 33, "'emergency' must be on or off, got 'maybe'"},
    {"curfew-short-hour",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02, emergency: "
     "on, curfew: \"23:00-7:00\"}\n",
     4, 45, "'curfew' must be HH:MM-HH:MM"},
    {"curfew-hour-range",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02, emergency: "
     "on, curfew: \"25:00-07:00\"}\n",
     4, 45, "'curfew' must be HH:MM-HH:MM"},
    {"curfew-equal",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02, emergency: "
     "on, curfew: \"07:00-07:00\"}\n",
     4, 45, "two different times of day"},
    {"role-unknown",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02, troops: "
     "100, role: sniper}\n",
     4, 41, "unknown troop role 'sniper' (expected one of: guard, patrol, distribute, fight)"},
    {"troops-zero",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02, troops: "
     "0}\n",
     4, 30, "'troops' must be a number in (0, 1e+07], got '0'"},
    {"reinforce-range",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02, reinforce: "
     "-2e7}\n",
     4, 33, "'reinforce' must be a number in [-1e+07, 1e+07]"},
    {"internet-range",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02, internet: "
     "1.5}\n",
     4, 32, "'internet' must be a number in [0, 1], got '1.5'"},
    {"temperature-range",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02, "
     "temperature: -40}\n",
     4, 35, "'temperature' must be a number in [-30, 30]"},
    {"fuel-price-zero",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02, "
     "fuel_price: 0}\n",
     4, 34, "'fuel_price' must be a number > 0, got '0'"},
    {"gain-range",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02, price_cap: "
     "50, gain: 2}\n",
     4, 43, "'gain' must be a number in [0, 1], got '2'"},
    {"label-long",
     "sites:\n  - {name: A, region: R, population: 1000}\nevents:\n  - {at: 2022-01-02, internet: "
     "0.5, label: "
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxx}\n",
     4, 44, "'label' must be one line of 1 to 95 characters"},
    {"tick-hours-zero",
     "time:\n  tick_hours: 0\nsites:\n  - {name: A, region: R, population: 1000}\n", 2, 15,
     "'time.tick_hours' must be a number in (0, 24], got '0'"},
    {"tick-hours-big",
     "time:\n  tick_hours: 25\nsites:\n  - {name: A, region: R, population: 1000}\n", 2, 15,
     "'time.tick_hours' must be a number in (0, 24]"},
    {"days-zero", "time:\n  days: 0\nsites:\n  - {name: A, region: R, population: 1000}\n", 2, 9,
     "'time.days' must be an integer in [1, 366], got '0'"},
    {"days-negative", "time:\n  days: -3\nsites:\n  - {name: A, region: R, population: 1000}\n", 2,
     9, "'time.days' must be an integer in [1, 366], got '-3'"},
    {"people-per-agent",
     "scale:\n  people_per_agent: 0.5\nsites:\n  - {name: A, region: R, population: 1000}\n", 2, 21,
     "'scale.people_per_agent' must be a number in [1, 1e+06]"},
    {"density-one",
     "lattice:\n  citizen_density: 1\nsites:\n  - {name: A, region: R, population: 1000}\n", 2, 20,
     "'lattice.citizen_density' must be a number in (0, 1), got '1'"},
    {"vision-zero",
     "lattice:\n  cop_vision: 0\nsites:\n  - {name: A, region: R, population: 1000}\n", 2, 15,
     "'lattice.cop_vision' must be a number in [1, 20]"},
    {"jail-hours",
     "lattice:\n  jail_hours: 65535\nsites:\n  - {name: A, region: R, population: 1000}\n", 2, 15,
     "'lattice.jail_hours' must be an integer in [0, 65534]"},
    {"legitimacy-range",
     "legitimacy:\n  initial: 1.2\nsites:\n  - {name: A, region: R, population: 1000}\n", 2, 12,
     "'legitimacy.initial' must be a number in [0, 1], got '1.2'"},
    {"saturation-zero",
     "spread:\n  saturation: 0\nsites:\n  - {name: A, region: R, population: 1000}\n", 2, 15,
     "'spread.saturation' must be a number in (0, 1]"},
    {"fuel-ref-zero",
     "hardship:\n  fuel_ref_price: 0\nsites:\n  - {name: A, region: R, population: 1000}\n", 2, 19,
     "'hardship.fuel_ref_price' must be a number > 0"},
    {"name-too-long",
     "name: nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\nsites:\n  - {name: A, region: R, "
     "population: 1000}\n",
     1, 7, "'name' is too long: at most 47 characters"},
    {"base-file-from-memory", "base: other.yaml\n", 1, 7,
     "'base: other.yaml' needs a file on disk"},
    {"drop-without-base", "drop: [troops]\nsites:\n  - {name: A, region: R, population: 1000}\n", 1,
     1, "'drop' removes events of the base: it needs 'base'"},
    {"drop-matches-nothing", "base: builtin\ndrop: [no such event]\n", 2, 8,
     "'drop' entry 'no such event' matches no event kind or label of the base"},
    {"set-range",
     "sites:\n  - {name: A, region: R, population: 1000}\nset: {legitimacy.initial: 2}\n", 3, 27,
     "'legitimacy.initial' must be a number in [0, 1], got '2'"},
    {"set-unknown-key",
     "sites:\n  - {name: A, region: R, population: 1000}\nset: {lattice.kk: 1}\n", 3, 7,
     "unknown key 'kk' in 'lattice' (expected one of: profile"},
    {"set-unknown-section",
     "sites:\n  - {name: A, region: R, population: 1000}\nset: {colour: 1}\n", 3, 7,
     "unknown setting 'colour'"},
    {"set-unknown-site",
     "sites:\n  - {name: A, region: R, population: 1000}\nset: {sites.Z.population: 1}\n", 3, 7,
     "unknown site or region 'Z' (sites: A)"},
    {"set-events", "sites:\n  - {name: A, region: R, population: 1000}\nset: {events.0.at: 1}\n", 3,
     7, "events cannot be set"},
    {"set-duplicate",
     "sites:\n  - {name: A, region: R, population: 1000}\nset: {lattice.k: 1, lattice.k: 2}\n", 3,
     21, "duplicate key 'lattice.k'"},
    {"set-site-name",
     "sites:\n  - {name: A, region: R, population: 1000}\nset: {sites.A.name: B}\n", 3, 7,
     "a site's name cannot be changed"},
};

static void test_bad_files(void **state)
{
    (void)state;
    size_t n = sizeof bad_files / sizeof bad_files[0];
    assert_true(n >= 40);
    unrest_scenario *sc = load_good(full_file), *copy = malloc(sizeof *sc);
    assert_non_null(copy);
    memcpy(copy, sc, sizeof *sc);
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        char err[2048] = "", at[64];
        unrest_status st = load(sc, bad_files[i].text, err, sizeof err);
        snprintf(at, sizeof at, "bad.yaml:%d:%d: ", bad_files[i].line, bad_files[i].col);
        if (st == UNREST_OK || strncmp(err, at, strlen(at)) || !strstr(err, bad_files[i].phrase)) {
            print_error("%s: got status %d '%s'; expected '%s...%s'\n", bad_files[i].name, (int)st,
                        err, at, bad_files[i].phrase);
            failed++;
        }
        assert_memory_equal(sc, copy, sizeof *sc);
    }
    assert_int_equal(failed, 0);
    free(copy);
    free(sc);
}

/* Every file of tests/corpus/scenario-bad/ fails with the message its first line expects:
 * "# expect: <part of the message>". */
static void test_bad_corpus(void **state)
{
    (void)state;
    char src[512], dirpath[600];
    snprintf(dirpath, sizeof dirpath, "%s/corpus/scenario-bad", source_dir(src, sizeof src));
    DIR *d = opendir(dirpath);
    assert_non_null(d);
    unrest_scenario *sc = new_sc();
    int files = 0, failed = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l < 6 || strcmp(de->d_name + l - 5, ".yaml")) continue;
        char path[1024], line[512] = "", err[2048] = "";
        snprintf(path, sizeof path, "%s/%s", dirpath, de->d_name);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        if (!fgets(line, sizeof line, f)) line[0] = '\0';
        fclose(f);
        line[strcspn(line, "\n")] = '\0';
        const char *tag = "# expect: ";
        if (strncmp(line, tag, strlen(tag))) {
            print_error("%s: first line must be '# expect: ...'\n", path);
            failed++;
            continue;
        }
        const char *expect = line + strlen(tag);
        unrest_status st = unrest_scenario_load(sc, path, err, sizeof err);
        /* the message names a file in the corpus with a line and column */
        int located = !strncmp(err, dirpath, strlen(dirpath)) && strstr(err, ".yaml:");
        if (st == UNREST_OK || !strstr(err, expect) || !located) {
            print_error("%s: got status %d '%s', expected '%s'\n", de->d_name, (int)st, err,
                        expect);
            failed++;
        }
        files++;
    }
    closedir(d);
    free(sc);
    assert_int_equal(failed, 0);
    assert_true(files >= 30);
}

/* The good files of the fuzzing corpus (tests/corpus/scenario/good-*.yaml) load. */
static void test_good_corpus(void **state)
{
    (void)state;
    char src[512], dirpath[600];
    snprintf(dirpath, sizeof dirpath, "%s/corpus/scenario", source_dir(src, sizeof src));
    DIR *d = opendir(dirpath);
    assert_non_null(d);
    unrest_scenario *sc = new_sc();
    int files = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, "good-", 5)) continue;
        char path[1024], err[2048] = "";
        snprintf(path, sizeof path, "%s/%s", dirpath, de->d_name);
        unrest_status st = unrest_scenario_load(sc, path, err, sizeof err);
        if (st != UNREST_OK) print_error("%s: %s\n", path, err);
        assert_int_equal(st, UNREST_OK);
        files++;
    }
    closedir(d);
    free(sc);
    assert_true(files >= 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_defaults),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_builtin),
        cmocka_unit_test(test_full_file),
        cmocka_unit_test(test_minimal_and_empty_sections),
        cmocka_unit_test(test_dates_and_offsets),
        cmocka_unit_test(test_where_forms),
        cmocka_unit_test(test_sixty_four_sites),
        cmocka_unit_test(test_all_or_nothing),
        cmocka_unit_test(test_base_drop_set),
        cmocka_unit_test(test_base_builtin),
        cmocka_unit_test(test_set_paths),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_load_runs_validate),
        cmocka_unit_test(test_too_many),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_bad_corpus),
        cmocka_unit_test(test_good_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
