/*
 * test_partition.c - one world split over processes, without MPI (docs/CLUSTER.md): sites are
 * pinned largest first; a mirror (a lattice another process steps) starts with the counts of
 * the lattice it stands for (tension aside: it needs the agents); and the built-in scenario run
 * as three partitioned worlds, one per thread exchanging their sites' records through shared
 * memory, gives every site and the outcomes exactly as one whole world does, tick by tick, on
 * every part.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model_mirror.h"
#include "unrest/world.h"

#define PARTS 3
#define DAYS 2

static unrest_scenario *builtin(void)
{
    static unrest_scenario sc;
    char err[512];
    size_t len;
    const char *text = unrest_scenario_builtin(&len);
    unrest_scenario_init(&sc);
    if (unrest_scenario_load_string(&sc, text, len, "default", err, sizeof err) != UNREST_OK ||
        unrest_scenario_set(&sc, "scale.people_per_agent=2000", err, sizeof err) != UNREST_OK ||
        /* no floor: a site's agents, the partition's load, in proportion to its people */
        unrest_scenario_set(&sc, "scale.min_agents=0", err, sizeof err) != UNREST_OK ||
        unrest_scenario_set(&sc, "time.days=2", err, sizeof err) != UNREST_OK)
        fail_msg("scenario: %s", err);
    return &sc;
}

/* Largest first onto the least loaded part: the largest site on part 0, the next two on parts 1
 * and 2, every site placed, loads within one largest site of each other, one part takes all. */
static void partition_largest_first(void **state)
{
    (void)state;
    const unrest_scenario *sc = builtin();
    unsigned owner[UNREST_SC_MAX_SITES];
    size_t order[UNREST_SC_MAX_SITES];
    for (size_t i = 0; i < sc->n_sites; i++)
        order[i] = i;
    for (size_t a = 0; a < sc->n_sites; a++) /* by population, largest first (stable) */
        for (size_t b = a + 1; b < sc->n_sites; b++)
            if (sc->site[order[b]].population > sc->site[order[a]].population) {
                size_t t = order[a];
                order[a] = order[b];
                order[b] = t;
            }
    unrest_world_partition(sc, PARTS, owner);
    assert_int_equal(owner[order[0]], 0);
    assert_int_equal(owner[order[1]], 1);
    assert_int_equal(owner[order[2]], 2);
    double load[PARTS] = {0};
    for (size_t i = 0; i < sc->n_sites; i++) {
        assert_true(owner[i] < PARTS);
        load[owner[i]] += sc->site[i].population;
    }
    double big = sc->site[order[0]].population;
    for (int p = 0; p < PARTS; p++)
        for (int q = 0; q < PARTS; q++)
            assert_true(load[p] - load[q] <= big);
    unrest_world_partition(sc, 1, owner);
    for (size_t i = 0; i < sc->n_sites; i++)
        assert_int_equal(owner[i], 0);
}

/* A mirror's counts before the first tick are the lattice's. */
static void mirror_starts_like_the_lattice(void **state)
{
    (void)state;
    const double density[] = {0.7, 0.123, 0.05, 0.9999};
    for (size_t t = 0; t < sizeof density / sizeof density[0]; t++) {
        unrest_params q;
        unrest_params_default(&q);
        q.width = 37 + (uint32_t)t * 11;
        q.height = q.width;
        q.citizen_density = density[t];
        q.cop_density = 0;
        q.init = UNREST_INIT_EXACT;
        unrest_model *m = NULL, *mm = NULL;
        char err[256];
        assert_int_equal(unrest_model_create(&m, &q, 7, err, sizeof err), UNREST_OK);
        assert_int_equal(model_mirror_create(&mm, &q, err, sizeof err), UNREST_OK);
        assert_true(model_is_mirror(mm));
        assert_false(model_is_mirror(m));
        unrest_counts a, b;
        unrest_model_counts(m, &a);
        unrest_model_counts(mm, &b);
        assert_true(a.tension > 0);
        assert_true(b.tension == 0); /* needs the agents' draws: not known to a mirror */
        a.tension = 0;
        assert_memory_equal(&a, &b, sizeof a);
        unrest_model_destroy(m);
        unrest_model_destroy(mm);
    }
}

/* ---- three parts on three threads ------------------------------------------------------------ */

typedef struct shared {
    pthread_barrier_t bar; /* the parts meet here twice per exchange */
    unsigned owner[UNREST_SC_MAX_SITES];
    unsigned char *rec;        /* every site's record */
    const unrest_scenario *sc; /* the scenario */
} shared;

typedef struct part_run {
    shared *sh;              /* common */
    unsigned me;             /* this part */
    unrest_status st;        /* how it went */
    unrest_site_state *traj; /* ticks x sites */
    unrest_outcomes out;     /* at the end */
} part_run;

static unrest_status exchange(void *user, void *records, size_t rec, size_t n)
{
    part_run *p = user;
    unsigned char *r = records;
    for (size_t i = 0; i < n; i++)
        if (p->sh->owner[i] == p->me) memcpy(p->sh->rec + rec * i, r + rec * i, rec);
    pthread_barrier_wait(&p->sh->bar);
    for (size_t i = 0; i < n; i++)
        if (p->sh->owner[i] != p->me) memcpy(r + rec * i, p->sh->rec + rec * i, rec);
    pthread_barrier_wait(&p->sh->bar);
    return UNREST_OK;
}

static void record(const unrest_world *w, unrest_site_state *row)
{
    for (size_t i = 0; i < unrest_world_site_count(w); i++) {
        unrest_world_site(w, i, &row[i]);
        row[i].name = NULL;
    }
}

static void *part_main(void *arg)
{
    part_run *p = arg;
    const unrest_scenario *sc = p->sh->sc;
    unsigned char own[UNREST_SC_MAX_SITES];
    for (size_t i = 0; i < sc->n_sites; i++)
        own[i] = p->sh->owner[i] == p->me;
    unrest_world *w = NULL;
    char err[512];
    p->st = unrest_world_create_part(&w, sc, 11, own, exchange, p, err, sizeof err);
    if (p->st != UNREST_OK) return NULL; /* every part fails alike: none waits for another */
    for (int64_t t = 0; t < unrest_world_ticks(w) && p->st == UNREST_OK; t++) {
        p->st = unrest_world_step(w);
        record(w, p->traj + (size_t)t * sc->n_sites);
    }
    unrest_world_outcomes(w, &p->out);
    unrest_world_destroy(w);
    return NULL;
}

static void parts_equal_the_whole(void **state)
{
    (void)state;
    const unrest_scenario *sc = builtin();
    unrest_world *w = NULL;
    char err[512];
    assert_int_equal(unrest_world_create(&w, sc, 11, err, sizeof err), UNREST_OK);
    size_t ticks = (size_t)unrest_world_ticks(w), ns = sc->n_sites;
    unrest_site_state *ref = calloc(ticks * ns, sizeof *ref);
    assert_non_null(ref);
    for (size_t t = 0; t < ticks; t++) {
        assert_int_equal(unrest_world_step(w), UNREST_OK);
        record(w, ref + t * ns);
    }
    unrest_outcomes want;
    unrest_world_outcomes(w, &want);
    unrest_world_destroy(w);

    shared sh = {.sc = sc};
    unrest_world_partition(sc, PARTS, sh.owner);
    sh.rec = calloc(ns, 1024);
    assert_non_null(sh.rec);
    pthread_barrier_init(&sh.bar, NULL, PARTS);
    part_run pr[PARTS];
    pthread_t th[PARTS];
    for (unsigned p = 0; p < PARTS; p++) {
        pr[p] = (part_run){.sh = &sh, .me = p, .traj = calloc(ticks * ns, sizeof *ref)};
        assert_non_null(pr[p].traj);
        assert_int_equal(pthread_create(&th[p], NULL, part_main, &pr[p]), 0);
    }
    for (unsigned p = 0; p < PARTS; p++)
        pthread_join(th[p], NULL);
    double active = 0;
    for (unsigned p = 0; p < PARTS; p++) {
        assert_int_equal(pr[p].st, UNREST_OK);
        for (size_t t = 0; t < ticks; t++)
            for (size_t i = 0; i < ns; i++) {
                const unrest_site_state *a = &ref[t * ns + i], *b = &pr[p].traj[t * ns + i];
                if (p == 0) active += a->active;
                assert_memory_equal(a, b, sizeof *a);
            }
        assert_memory_equal(&want, &pr[p].out, sizeof want);
        free(pr[p].traj);
    }
    assert_true(active > 0); /* the run had something to compare */
    pthread_barrier_destroy(&sh.bar);
    free(sh.rec);
    free(ref);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(partition_largest_first),
        cmocka_unit_test(mirror_starts_like_the_lattice),
        cmocka_unit_test(parts_equal_the_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
