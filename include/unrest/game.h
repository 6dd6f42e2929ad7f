/*
 * game.h - the strategic layer's game: actors (the government, the opposition, outside powers),
 * each with a few strategies, a strategy being a set of scenario changes (settings, and timeline
 * events read from a scenario overlay, conditional ones included); payoffs as weighted outcomes.
 * A game file names its base scenario; a pure profile (one strategy per actor) is the base with
 * every chosen strategy's changes. Running profiles and solving the game is the caller's
 * (cli/cmd_game.c with experiment.h and nash.h). File format: docs/GAME.md.
 */
#ifndef UNREST_GAME_H
#define UNREST_GAME_H

#include <stddef.h>
#include <stdint.h>

#include "unrest/scenario.h"
#include "unrest/unrest.h"
#include "unrest/world.h"

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default) /* the public API: exported from libunrest.so */

#define UNREST_GAME_MAX_ACTORS 8
#define UNREST_GAME_MAX_STRATEGIES 6

/* What a payoff weighs: per run, from the outcomes. */
typedef enum unrest_game_feature {
    UNREST_GF_SURVIVES,         /* 1 unless the class is revolution */
    UNREST_GF_REVOLUTION,       /* class revolution */
    UNREST_GF_CIVIL_WAR,        /* class civil war or proxy war */
    UNREST_GF_PROXY_WAR,        /* class proxy war */
    UNREST_GF_SUPPRESSED,       /* class suppressed */
    UNREST_GF_SETTLED,          /* class settled */
    UNREST_GF_UNRESOLVED,       /* class protracted or capital lost */
    UNREST_GF_DEAD,             /* civilians dead, thousands */
    UNREST_GF_SEC_DEAD,         /* police and guards dead, hundreds */
    UNREST_GF_DAYS,             /* days of unrest (duration) */
    UNREST_GF_FOREIGN_GOV_DEAD, /* government-side foreign troops killed, hundreds (a power
                                 * that sends them weighs its own losses with this) */
    UNREST_GF_FOREIGN_OPP_DEAD, /* foreign fighters for the opposition killed, hundreds */
    UNREST_GF_COUNT
} unrest_game_feature;

const char *unrest_game_feature_name(unrest_game_feature f);
/* The feature values of a run (UNREST_GF_COUNT doubles). */
void unrest_game_features(const unrest_outcomes *o, double *f);

typedef struct unrest_game unrest_game;

/* Read a game file. Every strategy's overlay must be its base's timeline plus events (no
 * `drop:`); settings are checked against the base. On error *out is NULL and err has
 * "file:line:col: message". */
unrest_status unrest_game_load(unrest_game **out, const char *path, char *err, size_t errlen);
void unrest_game_destroy(unrest_game *g);

const char *unrest_game_name(const unrest_game *g);
/* The base scenario (built with the game's settings applied). */
const unrest_scenario *unrest_game_base(const unrest_game *g);
/* The game's own settings, "path=value;..." (applied to the base already). */
const char *unrest_game_settings(const unrest_game *g);
size_t unrest_game_actor_count(const unrest_game *g);
const char *unrest_game_actor(const unrest_game *g, size_t a);
size_t unrest_game_strategy_count(const unrest_game *g, size_t a);
const char *unrest_game_strategy(const unrest_game *g, size_t a, size_t s);
/* Strategy of actor a in "nobody intervenes" (its `baseline:`, else its first). */
size_t unrest_game_baseline(const unrest_game *g, size_t a);
/* The order of moves for sequential play (order[0] first; n actors). */
const size_t *unrest_game_order(const unrest_game *g);
/* A canonical text of everything that fixes the runs (for the store's identity). */
const char *unrest_game_identity(const unrest_game *g);

/* The scenario of pure profile s[0..actors): base (e.g. unrest_game_base after the user's own
 * --set) with each chosen strategy's settings and events. */
unrest_status unrest_game_profile(const unrest_game *g, const unrest_scenario *base,
                                  const size_t *s, unrest_scenario *out, char *err, size_t errlen);

/* Change a payoff weight or a strategy's cost after loading: "ACTOR.FEATURE=V" or
 * "ACTOR.STRATEGY.cost=V" (runs do not depend on payoffs, so a stored game can be re-solved with
 * other weights). UNREST_EINVAL with a message for an unknown actor, feature or strategy. */
unrest_status unrest_game_set_weight(unrest_game *g, const char *assignment, char *err,
                                     size_t errlen);

/* Fix an actor to one strategy, "ACTOR=STRATEGY": it keeps that strategy alone (its index
 * becomes 0, and its baseline), so profiles, equilibria and regret range over the other actors'
 * strategies: a sub-game. The identity changes with it (a sub-game is its own experiment in a
 * store). UNREST_EINVAL with a message for an unknown actor or strategy. */
unrest_status unrest_game_fix(unrest_game *g, const char *assignment, char *err, size_t errlen);

/* Actor a's payoff for a run with features f under profile s: sum of weight x feature, less
 * the cost of a's own strategy. */
double unrest_game_payoff(const unrest_game *g, size_t a, const size_t *s, const double *f);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
