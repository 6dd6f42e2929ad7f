/*
 * test_golden.c - known answers, as GSL's generator tests pin the N-th output of a seed: a
 * 64-bit FNV-1a digest of whole runs, per rule profile, update scheme and lattice shape (every
 * tick's counts and lattice), and of the built-in scenario's world (every numeric field of every
 * site after every tick, and the outcomes). The constants were computed by this file against the
 * code before the engine was split and tuned (issue 13), so any change to a result, on any
 * instruction set the build selects (scripts/test.sh runs it on AVX2-only and SSE2-only builds
 * too), fails here. UNREST_GOLDEN_PRINT=1 prints the digests found, in the form of the tables.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unrest/unrest.h"
#include "unrest/world.h"

/* ---- FNV-1a 64 ---- */

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static void fnv_bytes(uint64_t *h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        *h ^= b[i];
        *h *= FNV_PRIME;
    }
}

/* Integers and doubles enter as 8 little-endian bytes, so that no padding or width is hashed. */
static void fnv_u64(uint64_t *h, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        *h ^= (v >> (8 * i)) & 0xffu;
        *h *= FNV_PRIME;
    }
}

static void fnv_f64(uint64_t *h, double d)
{
    uint64_t v;
    memcpy(&v, &d, sizeof v);
    fnv_u64(h, v);
}

static int printing(void)
{
    const char *e = getenv("UNREST_GOLDEN_PRINT");
    return e && *e && strcmp(e, "0") != 0;
}

/* ---- model runs ---- */

/* One pinned run of the model. */
typedef struct model_case {
    const char *profile; /* rule profile */
    const char *update;  /* "sequential" or "parallel" */
    uint32_t width, height;
    const char *vision; /* citizen vision ("" = the profile's default) */
    uint64_t seed;
    int ticks;
    uint64_t digest; /* expected */
} model_case;

static void set(unrest_params *p, const char *name, const char *value)
{
    char err[256];
    if (unrest_params_set(p, name, value, err, sizeof err) != UNREST_OK) fail_msg("%s", err);
}

/* Every tick's counts and lattice (tick 0 included), then the jail terms' visible effect at the
 * end: the cells counted around every cell by count_near with r = 1. */
static uint64_t model_digest(const model_case *c)
{
    unrest_params p;
    unrest_params_default(&p);
    assert_int_equal(unrest_params_profile(&p, c->profile), UNREST_OK);
    char buf[32];
    snprintf(buf, sizeof buf, "%u", c->width);
    set(&p, "width", buf);
    snprintf(buf, sizeof buf, "%u", c->height);
    set(&p, "height", buf);
    set(&p, "update", c->update);
    if (*c->vision) set(&p, "citizen_vision", c->vision);
    if (p.width * p.height > 10000) set(&p, "legitimacy", "0.72"); /* some unrest on big ones */
    unrest_model *m = NULL;
    char err[256];
    if (unrest_model_create(&m, &p, c->seed, err, sizeof err) != UNREST_OK)
        fail_msg("create: %s", err);
    size_t cells = (size_t)p.width * p.height;
    uint8_t *snap = malloc(cells);
    assert_non_null(snap);
    uint64_t h = FNV_OFFSET;
    for (int t = 0; t <= c->ticks; t++) {
        if (t > 0) assert_int_equal(unrest_model_step(m), UNREST_OK);
        unrest_counts k;
        unrest_model_counts(m, &k);
        uint64_t v[] = {k.tick, k.citizens, k.quiet,    k.active, k.jailed,
                        k.cops, k.arrests,  k.releases, k.moves,  k.participants};
        for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
            fnv_u64(&h, v[i]);
        fnv_f64(&h, k.legitimacy);
        fnv_f64(&h, k.tension);
        unrest_model_snapshot(m, snap);
        fnv_bytes(&h, snap, cells);
    }
    for (uint32_t y = 0; y < p.height; y += 3)
        for (uint32_t x = 0; x < p.width; x += 3) {
            uint32_t na, nc;
            unrest_model_count_near(m, x, y, 1, &na, &nc);
            fnv_u64(&h, (uint64_t)na << 32 | nc);
        }
    free(snap);
    unrest_model_destroy(m);
    return h;
}

/* 40 x 40 is the paper's lattice (the default vision 7 is a shape of more than 128 cells under
 * paper and netlogo, of 113 under mesa's von Neumann: both movement draw widths); 130 x 37 with
 * v = 1.7 has multi-word rows and a narrow shape; 1100 x 80 holds more than 65536 agents (the
 * shuffle's whole-word draws and the prefetching copy of the loop) and 2 x 2 parallel blocks. */
static const model_case model_cases[] = {
    {"paper", "sequential", 40, 40, "", 1, 200, 0xeac6a541a2ca4ac4ull},
    {"paper", "parallel", 40, 40, "", 1, 200, 0x37e3b530da3b6366ull},
    {"netlogo", "sequential", 40, 40, "", 2, 200, 0xf8334bd009298539ull},
    {"netlogo", "parallel", 40, 40, "", 2, 200, 0x8826773783904794ull},
    {"mesa", "sequential", 40, 40, "", 3, 200, 0x2e4491ec5431018eull},
    {"mesa", "parallel", 40, 40, "", 3, 200, 0x8d4d09bed6db285aull},
    {"paper", "sequential", 130, 37, "1.7", 4, 60, 0x2030f4d93afa4e97ull},
    {"netlogo", "parallel", 130, 37, "1.7", 5, 60, 0xb97cec58a07d9be9ull},
    {"mesa", "sequential", 130, 37, "1.7", 6, 60, 0xeb691b017198894dull},
    {"paper", "sequential", 1100, 80, "", 7, 12, 0x6b73ac0c2a984a10ull},
    {"paper", "parallel", 1100, 80, "", 7, 12, 0x06f8fcdcd706d9b5ull},
    {"netlogo", "parallel", 1100, 80, "", 8, 12, 0xef31486df30c3b4aull},
    {"mesa", "sequential", 1100, 80, "", 9, 12, 0x304688e52a3d2689ull},
    {"mesa", "parallel", 1100, 80, "", 9, 12, 0x45b4a2914f309adfull},
};

static void test_model_digests(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof model_cases / sizeof model_cases[0]; i++) {
        const model_case *c = &model_cases[i];
        uint64_t d = model_digest(c);
        if (printing())
            printf("    {\"%s\", \"%s\", %u, %u, \"%s\", %llu, %d, 0x%016llxull},\n", c->profile,
                   c->update, c->width, c->height, c->vision, (unsigned long long)c->seed, c->ticks,
                   (unsigned long long)d);
        if (d != c->digest) {
            print_error("%s %s %ux%u v=%s seed %llu, %d ticks: digest 0x%016llx, want 0x%016llx\n",
                        c->profile, c->update, c->width, c->height, c->vision,
                        (unsigned long long)c->seed, c->ticks, (unsigned long long)d,
                        (unsigned long long)c->digest);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* ---- world runs ---- */

/* The world digests run a frozen copy of the default scenario as it was when they were pinned
 * (tests/data/golden/), so that they pin the world's code, not the scenario's later values. */
static unrest_scenario *builtin(int people_per_agent, int days)
{
    static unrest_scenario sc;
    char err[512], a[64];
    unrest_scenario_init(&sc);
    if (unrest_scenario_load(&sc, UNREST_TEST_DATA "/golden/kazakhstan-2022-v1.yaml", err,
                             sizeof err) != UNREST_OK)
        fail_msg("%s", err);
    snprintf(a, sizeof a, "scale.people_per_agent=%d", people_per_agent);
    if (unrest_scenario_set(&sc, a, err, sizeof err) != UNREST_OK) fail_msg("%s", err);
    snprintf(a, sizeof a, "time.days=%d", days);
    if (unrest_scenario_set(&sc, a, err, sizeof err) != UNREST_OK) fail_msg("%s", err);
    return &sc;
}

static void hash_site(uint64_t *h, const unrest_site_state *s)
{
    fnv_u64(h, s->width);
    fnv_u64(h, s->height);
    fnv_u64(h, s->agents);
    fnv_u64(h, s->cop_agents);
    const double d[] = {s->active,         s->jailed,      s->arrests,      s->killed,
                        s->detained_total, s->dead_total,  s->participants, s->peak_active,
                        s->legitimacy,     s->hardship,    s->threshold,    s->k,
                        s->fuel_price,     s->temperature, s->internet,     s->police,
                        s->troops,         s->lethal};
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
        fnv_f64(h, d[i]);
    fnv_u64(h, (uint64_t)(int64_t)s->emergency);
    fnv_u64(h, (uint64_t)(int64_t)s->curfew);
    fnv_u64(h, s->n_focal);
    for (size_t f = 0; f < s->n_focal && f < UNREST_SC_MAX_FOCAL; f++) {
        fnv_u64(h, (uint64_t)(int64_t)s->captured[f]);
        fnv_u64(h, (uint64_t)s->captured_at[f]);
        fnv_u64(h, (uint64_t)s->retaken_at[f]);
    }
}

static void hash_outcomes(uint64_t *h, const unrest_outcomes *o)
{
    fnv_f64(h, o->peak_active);
    fnv_u64(h, (uint64_t)o->peak_tick);
    fnv_f64(h, o->participants);
    fnv_f64(h, o->dead);
    fnv_f64(h, o->detained);
    fnv_u64(h, o->sites_captured);
    fnv_u64(h, o->held_at_end);
    fnv_f64(h, o->duration_hours);
    fnv_f64(h, o->final_legitimacy);
    fnv_u64(h, (uint64_t)(int64_t)o->ended);
    fnv_u64(h, (uint64_t)o->cls);
}

static uint64_t world_digest(const unrest_scenario *sc, uint64_t seed, unsigned threads)
{
    unrest_world *w = NULL;
    char err[512];
    if (unrest_world_create(&w, sc, seed, err, sizeof err) != UNREST_OK) fail_msg("world: %s", err);
    unrest_world_set_threads(w, threads);
    uint64_t h = FNV_OFFSET;
    for (int64_t t = 0; t < unrest_world_ticks(w); t++) {
        if (unrest_world_step(w) != UNREST_OK) fail_msg("step: %s", unrest_world_error(w));
        fnv_u64(&h, (uint64_t)unrest_world_tick(w));
        for (size_t i = 0; i < unrest_world_site_count(w); i++) {
            unrest_site_state s;
            unrest_world_site(w, i, &s);
            hash_site(&h, &s);
        }
    }
    unrest_outcomes o;
    unrest_world_outcomes(w, &o);
    hash_outcomes(&h, &o);
    unrest_world_destroy(w);
    return h;
}

/* The built-in scenario: one agent per 1000 people for 6 days, seeds 1 and 2; one per 100 for
 * 3 days on one and on two threads (the same digest). */
static const uint64_t world_1000_seed1 = 0xf76aa98ca412483full;
static const uint64_t world_1000_seed2 = 0xd98fe001ee187642ull;
static const uint64_t world_100_seed1 = 0xd467ca0b18ee87a1ull;

static void check(const char *what, uint64_t got, uint64_t want, int *bad)
{
    if (printing())
        printf("static const uint64_t %s = 0x%016llxull;\n", what, (unsigned long long)got);
    if (got != want) {
        print_error("%s: digest 0x%016llx, want 0x%016llx\n", what, (unsigned long long)got,
                    (unsigned long long)want);
        (*bad)++;
    }
}

static void test_world_digests(void **state)
{
    (void)state;
    int bad = 0;
    const unrest_scenario *sc = builtin(1000, 6);
    check("world_1000_seed1", world_digest(sc, 1, 1), world_1000_seed1, &bad);
    check("world_1000_seed2", world_digest(sc, 2, 1), world_1000_seed2, &bad);
    sc = builtin(100, 3);
    uint64_t one = world_digest(sc, 1, 1), two = world_digest(sc, 1, 2);
    check("world_100_seed1", one, world_100_seed1, &bad);
    assert_true(one == two);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_digests),
        cmocka_unit_test(test_world_digests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
