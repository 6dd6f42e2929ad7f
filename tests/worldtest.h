/*
 * worldtest.h - what the scenario-layer tests share (test_world.c, test_mechanisms.c): a world
 * built from a scenario and stepped to a tick, failing the test with the library's message.
 * Header-only (static inline): each test program includes it once.
 */
#ifndef UNREST_WORLDTEST_H
#define UNREST_WORLDTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "unrest/world.h"

static inline unrest_world *wt_make(const unrest_scenario *sc, uint64_t seed)
{
    unrest_world *w = NULL;
    char err[512];
    if (unrest_world_create(&w, sc, seed, err, sizeof err) != UNREST_OK) fail_msg("world: %s", err);
    return w;
}

static inline void wt_step_to(unrest_world *w, int64_t tick)
{
    while (unrest_world_tick(w) < tick)
        if (unrest_world_step(w) != UNREST_OK) fail_msg("step: %s", unrest_world_error(w));
}

#endif
