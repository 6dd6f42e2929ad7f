/*
 * world.h - a running scenario: a world built from an unrest_scenario (scenario.h) with a run
 * seed, stepped tick by tick; its sites' state, the events that fired, and the outcomes so far.
 * The world copies its scenario; nothing here changes the scenario it was built from.
 */
#ifndef UNREST_WORLD_H
#define UNREST_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include "unrest/scenario.h"
#include "unrest/unrest.h"

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default) /* the public API: exported from libunrest.so */

typedef struct unrest_world unrest_world;

/* How a run ended, by the thresholds in unrest_sc_params. */
typedef enum unrest_outcome_class {
    UNREST_OUTCOME_SUPPRESSED, /* ended, with dead or detained above the thresholds */
    UNREST_OUTCOME_SETTLED,    /* ended otherwise: settled by concessions */
    UNREST_OUTCOME_CAPITAL,    /* a focal point of the capital was held by the crowd at the end */
    UNREST_OUTCOME_PROTRACTED, /* still going at the end */
    UNREST_OUTCOME_REVOLUTION, /* the regime fell (revolution.c) */
    UNREST_OUTCOME_CIVIL_WAR,  /* armed rebels held territory for outcomes.civil_war_days */
    UNREST_OUTCOME_PROXY_WAR,  /* a civil war with foreign forces or arms on both sides */
    UNREST_OUTCOME_COUNT
} unrest_outcome_class;

const char *unrest_outcome_class_name(unrest_outcome_class c);

/* One site now. People, not agents. */
typedef struct unrest_site_state {
    const char *name;              /* site name (owned by the world) */
    uint32_t width, height;        /* lattice */
    uint32_t agents;               /* citizen agents */
    uint32_t cop_agents;           /* cop agents on the lattice (police + patrolling troops) */
    double active;                 /* people active now */
    double jailed;                 /* people in detention now */
    double arrests;                /* people detained during the last tick */
    double killed;                 /* people killed during the last tick */
    double detained_total;         /* people detained since the start */
    double dead_total;             /* people killed since the start */
    double participants;           /* distinct people active at least once */
    double peak_active;            /* most people active at once */
    double legitimacy;             /* L in force */
    double hardship;               /* hardship multiplier in force */
    double threshold;              /* T in force (after spread and leadership) */
    double k;                      /* arrest constant in force (after curfew, emergency, fear) */
    double fuel_price;             /* LPG price in force, tenge/L */
    double temperature;            /* °C */
    double internet;               /* connectivity, 1 = normal */
    double police;                 /* police people on the street */
    double troops;                 /* foreign troops present, people */
    int emergency;                 /* state of emergency in force */
    int curfew;                    /* curfew hour now */
    double lethal;                 /* kill probability per detained person in force */
    double violent;                /* people among the active who fight (violence.c) */
    double anger;                  /* anger at the regime A in force [0,1] (anger.c) */
    double fear_lost;              /* share of the fear of arrest lost city-wide [0,1] (anger.c) */
    double will;                   /* the forces' will to hold [0,1] (loyalty.c); 1 = loyal */
    int withdrawn;                 /* the police have pulled back from the streets (loyalty.c) */
    double security_dead_total;    /* police and guards killed in clashes since the start */
    double security_injured_total; /* police and guards injured since the start */
    double injured_total;          /* civilians injured in clashes since the start */
    size_t n_focal;                /* focal points */
    int captured[UNREST_SC_MAX_FOCAL];              /* held by the crowd now */
    int64_t captured_at[UNREST_SC_MAX_FOCAL];       /* tick it last fell, -1 never */
    int64_t first_captured_at[UNREST_SC_MAX_FOCAL]; /* tick it first fell, -1 never */
    int64_t retaken_at[UNREST_SC_MAX_FOCAL];        /* tick it was last retaken, -1 never */
} unrest_site_state;

/* Outcomes of a run so far (final after the last tick). */
typedef struct unrest_outcomes {
    double peak_active;       /* most people active at once, all sites */
    int64_t peak_tick;        /* when */
    double participants;      /* distinct people active at least once */
    double dead;              /* people killed (civilians: arrests under a shoot order, clashes) */
    double security_dead;     /* police and guards killed */
    double security_injured;  /* police and guards injured */
    double injured;           /* civilians injured */
    double detained;          /* people detained (arrest events) */
    uint32_t sites_captured;  /* focal points that fell at least once */
    uint32_t held_at_end;     /* focal points held by the crowd at the end */
    double duration_hours;    /* from the first to the last hour above end_share nationally */
    double final_legitimacy;  /* population-weighted mean legitimacy at the end */
    int ended;                /* activity below end_share for end_hours at the end */
    unrest_outcome_class cls; /* classification */
    int64_t fell_at;          /* tick after which the regime fell, -1 not (revolution.c) */
    int64_t civil_war_at;     /* tick after which it was a civil war, -1 not (arms.c) */
    double foreign_gov_dead;  /* government-side foreign troops killed (arms.c) */
    double foreign_opp_dead;  /* foreign fighters for the opposition killed (arms.c) */
} unrest_outcomes;

/* Build the lattices and forces for sc with a run seed. The world copies sc. */
unrest_status unrest_world_create(unrest_world **out, const unrest_scenario *sc, uint64_t seed,
                                  char *err, size_t errlen);
void unrest_world_destroy(unrest_world *w);

/* Threads for stepping sites side by side (results do not depend on it). */
void unrest_world_set_threads(unrest_world *w, unsigned threads);

/* One tick: fire the events due, update every site's state, step every lattice, observe. */
unrest_status unrest_world_step(unrest_world *w);

/* Apply an intervention now (the viewer's buttons); its tick is ignored, labels are kept. */
unrest_status unrest_world_fire(unrest_world *w, const unrest_sc_event *ev);

int64_t unrest_world_tick(const unrest_world *w);  /* ticks completed */
int64_t unrest_world_ticks(const unrest_world *w); /* ticks in the run (days / tick_hours) */
int64_t unrest_world_time(const unrest_world *w);  /* clock time now, seconds since 1970 UTC */
const unrest_scenario *unrest_world_scenario(const unrest_world *w);
size_t unrest_world_site_count(const unrest_world *w);
void unrest_world_site(const unrest_world *w, size_t i, unrest_site_state *out);
const unrest_model *unrest_world_model(const unrest_world *w, size_t i);
void unrest_world_outcomes(const unrest_world *w, unrest_outcomes *o);
const char *unrest_world_error(const unrest_world *w);

/* Labels of the events that fired during the last tick, one per line ("" if none). */
const char *unrest_world_fired(const unrest_world *w);

/* ---- one run across processes (docs/CLUSTER.md) ----------------------------------------------
 * A partitioned world steps the lattices of the sites it owns only; the others are mirrors that
 * hold no agents. After stepping, every tick, it calls exchange with one record per site
 * (n_sites records of rec_size bytes, in site order) in which the records of its own sites are
 * filled; exchange must fill in every other record from the process that owns that site (an
 * MPI program gathers them) and return UNREST_OK. Everything else (events, drivers, observing,
 * the national sums over sites in site order, the world's generator) runs alike on every
 * process, so each holds the same world state and every output is the same bytes for any
 * partition. The lattice of a mirror (unrest_world_model) must not be drawn or queried. */
typedef unrest_status (*unrest_world_exchange_fn)(void *user, void *records, size_t rec_size,
                                                  size_t n_sites);

/* unrest_world_create for a process that owns the sites with owned[i] != 0 (n_sites flags),
 * calling exchange(user, ...) each tick. Every process of the run must call it. */
unrest_status unrest_world_create_part(unrest_world **out, const unrest_scenario *sc, uint64_t seed,
                                       const unsigned char *owned,
                                       unrest_world_exchange_fn exchange, void *user, char *err,
                                       size_t errlen);

/* Pin sites to parts, largest first: each site, in decreasing order of its agents (a tick's
 * work grows with them), goes to the part with the least work so far (ties: the lower part;
 * equal sites: the lower index). owner[i] in [0, parts) for each of sc's sites. */
void unrest_world_partition(const unrest_scenario *sc, unsigned parts, unsigned *owner);

/* Format seconds since 1970 as local "YYYY-MM-DD HH:MM" with the scenario's UTC offset. */
void unrest_format_time(int64_t t, int32_t utc_offset_min, char *buf, size_t n);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
