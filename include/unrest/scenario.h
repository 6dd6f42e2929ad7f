/*
 * scenario.h - the scenario layer: a country as a set of sites (cities), each simulated as its
 * own Epstein lattice, with clock time, hardship from fuel prices and cold, legitimacy that
 * moves with concessions and force, spread between sites through media and messaging, police,
 * curfews, lethal force, foreign troops, focal points that can be captured, and a timeline of
 * interventions. A scenario is plain configuration (read from YAML, see scenario files in
 * scenarios/); a world is a running scenario.
 *
 * Every number is in real units (people, tenge, degrees, hours) in the scenario; the world maps
 * them onto lattices with people_per_agent. Counts reported back are people, not agents.
 */
#ifndef UNREST_SCENARIO_H
#define UNREST_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "unrest/unrest.h"

#ifdef __cplusplus
extern "C" {
#endif

#define UNREST_SC_MAX_SITES 64   /* sites per scenario (a site set is a 64-bit mask) */
#define UNREST_SC_MAX_FOCAL 4    /* focal points per site */
#define UNREST_SC_MAX_EVENTS 512 /* timeline entries */
#define UNREST_SC_NAME 48        /* longest name + 1 */
#define UNREST_SC_LABEL 96       /* longest event label + 1 */

/* A place where crowds gather and which the state defends (city administration, airport). */
typedef struct unrest_sc_focal {
    char name[UNREST_SC_NAME]; /* e.g. "administration" */
    double x, y;               /* position as a fraction of the lattice's width / height, [0,1) */
    double radius;             /* cells: who counts as "around it" (square of side 2r+1) */
    double guards;             /* people guarding it at the start (taken from the site's police) */
} unrest_sc_focal;

/* A city (or the rest of a region), simulated as its own lattice. */
typedef struct unrest_sc_site {
    char name[UNREST_SC_NAME];   /* unique; events name sites by it */
    char region[UNREST_SC_NAME]; /* first-level unit, for reports; events may name a region */
    double population;           /* people (data) */
    double police_per_100k;      /* police per 100,000 people; < 0: the national value */
    double fuel_price;           /* LPG retail price at the start, tenge/L */
    double fuel_dependence;      /* [0,1]: how much household budgets hang on LPG */
    double income;               /* median monthly wage, tenge */
    double poverty;              /* [0,∞): baseline hardship multiplier (depth of poverty) */
    double temp_normal;          /* January normal mean temperature, °C */
    double temp_anomaly;         /* this January's departure from normal, °C (+ = warmer) */
    double heating_shortfall;    /* [0,1]: share of heating need unmet (fuel shortage) */
    double legitimacy_offset;    /* site legitimacy relative to national, [-1,1] */
    int capital;                 /* 1: losing its focal points counts as losing the capital */
    size_t n_focal;              /* focal points in focal[] */
    unrest_sc_focal focal[UNREST_SC_MAX_FOCAL];
} unrest_sc_site;

/* What a timeline entry does. */
typedef enum unrest_sc_kind {
    UNREST_SC_FUEL_PRICE,  /* set the LPG price to value (tenge/L) */
    UNREST_SC_PRICE_CAP,   /* cap the LPG price at value; a concession worth `legitimacy` */
    UNREST_SC_CONCESSION,  /* a concession (resignation, leader removed): legitimacy += value */
    UNREST_SC_INTERNET,    /* connectivity becomes value (1 normal, 0 full blackout) */
    UNREST_SC_EMERGENCY,   /* state of emergency (value 1 on, 0 off) with curfew hours */
    UNREST_SC_REINFORCE,   /* add `people` police / national guard (negative: withdraw) */
    UNREST_SC_LETHAL,      /* shoot-without-warning order: value = P(a detained person is
                              killed) per arrest, 0 = order lifted */
    UNREST_SC_TROOPS,      /* foreign troops: `people` arrive in `role`, leave at `until` */
    UNREST_SC_TEMPERATURE, /* temperature anomaly becomes value °C */
    UNREST_SC_LEGITIMACY,  /* a legitimacy shock: legitimacy += value (either sign) */
    UNREST_SC_LEADERSHIP,  /* an opposition leadership coordinates: value in [0,1] */
    UNREST_SC_KIND_COUNT
} unrest_sc_kind;

/* What foreign troops do. */
typedef enum unrest_sc_role {
    UNREST_ROLE_GUARD,     /* guard the focal points; frees local police for the streets */
    UNREST_ROLE_PATROL,    /* patrol and arrest, like police */
    UNREST_ROLE_DISTRIBUTE /* hand out fuel: lowers hardship, no guarding, no arrests */
} unrest_sc_role;

/* One timeline entry. Times are ticks from the scenario start (tick t covers
 * [start + t*tick_hours, start + (t+1)*tick_hours)). */
typedef struct unrest_sc_event {
    unrest_sc_kind kind;         /* what it does */
    int64_t tick;                /* tick at whose start it fires */
    int64_t until;               /* TROOPS: tick at which they leave; -1 = stay */
    uint64_t sites;              /* bit i set: applies to site i */
    double value;                /* see unrest_sc_kind */
    double people;               /* REINFORCE, TROOPS: people */
    double legitimacy;           /* PRICE_CAP: legitimacy gained (a concession) */
    unrest_sc_role role;         /* TROOPS */
    double curfew_from;          /* EMERGENCY: curfew starts at this local hour [0,24) */
    double curfew_to;            /* EMERGENCY: and ends at this hour (may wrap past midnight) */
    char label[UNREST_SC_LABEL]; /* shown on charts ("internet cut") */
    uint32_t line, col;          /* where it was written (0 = built in code) */
} unrest_sc_event;

/* Everything that is not a site or an event. Sources and roles of each value are in the
 * scenario file and docs/MODEL.md. */
typedef struct unrest_sc_params {
    /* time and scale */
    int64_t start;           /* start, seconds since 1970-01-01T00:00 UTC */
    int32_t utc_offset_min;  /* local time = UTC + this (Almaty +360) */
    double tick_hours;       /* clock hours per tick */
    uint32_t days;           /* length of the run */
    double people_per_agent; /* 1 = every person is an agent */
    /* Epstein core on each lattice */
    char profile[16];       /* rule profile: paper | netlogo | mesa */
    double citizen_density; /* citizens per cell */
    double citizen_vision;  /* v */
    double cop_vision;      /* v* */
    double threshold;       /* T */
    double k;               /* arrest constant */
    uint32_t jail_hours;    /* longest detention (J_max in hours) */
    double focal_pull;      /* P(an active citizen heads for a focal point when it moves) */
    /* legitimacy */
    double legitimacy;     /* national legitimacy at the start */
    double arrest_erosion; /* legitimacy lost per 1% of a site's people detained */
    double kill_erosion;   /* legitimacy lost per killed person per 100,000 people (site) */
    double kill_national;  /* share of kill_erosion felt by every other site */
    double
        foreign_erosion; /* legitimacy lost while guarding/patrolling foreign troops are present */
    double concession_decay; /* per day: fraction of a concession's gain that fades */
    /* hardship */
    double fuel_ref_price;    /* the price people are used to, tenge/L */
    double fuel_weight;       /* hardship per doubling of the fuel price at full dependence */
    double cold_weight;       /* hardship per 10 °C below comfort, scaled by heating shortfall */
    double comfort_temp;      /* °C below which cold adds hardship */
    double distribute_relief; /* share of the fuel shock removed by fuel-distributing troops */
    double fuel_lag_days;     /* days over which a price change is felt in full (refuelling) */
    double hardship_tail;     /* 0: Epstein's H ~ U(0,1); a > 0: Pareto tail index a */
    double hardship_sigma;    /* > 0: log-normal hardship with this log-sd (overrides tail) */
    /* spread between sites */
    double spread;            /* threshold lowered at full national activity share */
    double spread_saturation; /* active share of the population elsewhere at which spread is full */
    double media_share;       /* share of the spread channel that survives an internet blackout */
    double blackout_vision;   /* citizen vision multiplier at full blackout (local coordination) */
    double leadership_gain;   /* threshold lowered by a leadership of value 1 */
    /* force */
    double police_per_100k; /* national police per 100,000 people */
    double police_street;   /* share of police on the street at any time */
    double leverage;        /* cop agents per (police officer / people_per_agent) */
    double troop_leverage;  /* the same for foreign troops */
    double arrest_rate;     /* people one officer can detain per hour (arrest capacity) */
    double curfew_k;        /* k multiplier during curfew hours */
    double emergency_k;     /* k multiplier under a state of emergency outside curfew */
    double lethal_fear;     /* k multiplier while a lethal-force order stands */
    double night_share;     /* grievance multiplier 23:00-07:00 (people sleep) */
    /* capture */
    double capture_hours; /* attackers must outnumber defenders this long to take a focal point */
    /* outcome classification */
    double end_share;           /* the revolt is over when actives < this share of people... */
    double end_hours;           /* ...for this long */
    double suppressed_dead;     /* ended with at least this many dead... */
    double suppressed_detained; /* ...or this many detained: "suppressed" */
    double protracted_share;    /* still above this active share at the end: "protracted" */
} unrest_sc_params;

/* A scenario: parameters, sites, timeline. Owns nothing outside itself (fixed arrays). */
typedef struct unrest_scenario {
    char name[UNREST_SC_NAME];   /* short name */
    char title[UNREST_SC_LABEL]; /* one line */
    unrest_sc_params p;          /* parameters */
    size_t n_sites;              /* sites in site[] */
    unrest_sc_site site[UNREST_SC_MAX_SITES];
    size_t n_events; /* entries in event[], in file order */
    unrest_sc_event event[UNREST_SC_MAX_EVENTS];
} unrest_scenario;

/* ---- reading scenarios (src/world/scenario_parse.c) ------------------------------------------ */

/* Defaults for every parameter (no sites, no events). */
void unrest_scenario_init(unrest_scenario *sc);

/* Read a YAML scenario file into sc (after unrest_scenario_init). All-or-nothing: on error sc
 * is unchanged and err gets "file:line:col: message" naming what was expected. */
unrest_status unrest_scenario_load(unrest_scenario *sc, const char *path, char *err, size_t errlen);
unrest_status unrest_scenario_load_string(unrest_scenario *sc, const char *text, size_t len,
                                          const char *name, char *err, size_t errlen);

/* The built-in default scenario (Kazakhstan, January 2022), as YAML text. */
const char *unrest_scenario_builtin(size_t *len);

/* Override one value: "legitimacy.initial=0.7", "scale.people_per_agent=1000",
 * "sites.Almaty.population=2e6", "sites.*.temp_anomaly=0", "sites.Almaty.focal.airport.guards=300"
 * (SECTION.KEY as in the file, name, title). Same names, ranges and messages as the file; on
 * error sc is unchanged. Events cannot be set. time.tick_hours rescales event ticks so events
 * keep their clock time; time.start moves the whole timeline. */
unrest_status unrest_scenario_set(unrest_scenario *sc, const char *assignment, char *err,
                                  size_t errlen);

/* Whole-scenario checks (site names unique, events inside the run, lattices fit). */
unrest_status unrest_scenario_validate(const unrest_scenario *sc, char *err, size_t errlen);

/* Index of a site by name, or -1. */
int unrest_scenario_site_index(const unrest_scenario *sc, const char *name);

/* FNV-1a 64 of a canonical text of every value in sc (provenance; ensembles refuse a database
 * made for another scenario). */
uint64_t unrest_scenario_hash(const unrest_scenario *sc);

/* Name of an event kind ("price_cap") and of a role ("guard"). */
const char *unrest_sc_kind_name(unrest_sc_kind k);
const char *unrest_sc_role_name(unrest_sc_role r);

/* ---- running scenarios (src/world/world.c) ------------------------------------------------- */

typedef struct unrest_world unrest_world;

/* How a run ended, by the thresholds in unrest_sc_params. */
typedef enum unrest_outcome_class {
    UNREST_OUTCOME_SUPPRESSED, /* ended, with dead or detained above the thresholds */
    UNREST_OUTCOME_SETTLED,    /* ended otherwise: settled by concessions */
    UNREST_OUTCOME_CAPITAL,    /* a focal point of the capital was held by the crowd at the end */
    UNREST_OUTCOME_PROTRACTED, /* still going at the end */
    UNREST_OUTCOME_COUNT
} unrest_outcome_class;

const char *unrest_outcome_class_name(unrest_outcome_class c);

/* One site now. People, not agents. */
typedef struct unrest_site_state {
    const char *name;       /* site name (owned by the world) */
    uint32_t width, height; /* lattice */
    uint32_t agents;        /* citizen agents */
    uint32_t cop_agents;    /* cop agents on the lattice (police + patrolling troops) */
    double active;          /* people active now */
    double jailed;          /* people in detention now */
    double arrests;         /* people detained during the last tick */
    double killed;          /* people killed during the last tick */
    double detained_total;  /* people detained since the start */
    double dead_total;      /* people killed since the start */
    double participants;    /* distinct people active at least once */
    double peak_active;     /* most people active at once */
    double legitimacy;      /* L in force */
    double hardship;        /* hardship multiplier in force */
    double threshold;       /* T in force (after spread and leadership) */
    double k;               /* arrest constant in force (after curfew, emergency, fear) */
    double fuel_price;      /* LPG price in force, tenge/L */
    double temperature;     /* °C */
    double internet;        /* connectivity, 1 = normal */
    double police;          /* police people on the street */
    double troops;          /* foreign troops present, people */
    int emergency;          /* state of emergency in force */
    int curfew;             /* curfew hour now */
    double lethal;          /* kill probability per detained person in force */
    size_t n_focal;         /* focal points */
    int captured[UNREST_SC_MAX_FOCAL];        /* held by the crowd now */
    int64_t captured_at[UNREST_SC_MAX_FOCAL]; /* tick it last fell, -1 never */
    int64_t retaken_at[UNREST_SC_MAX_FOCAL];  /* tick it was last retaken, -1 never */
} unrest_site_state;

/* Outcomes of a run so far (final after the last tick). */
typedef struct unrest_outcomes {
    double peak_active;       /* most people active at once, all sites */
    int64_t peak_tick;        /* when */
    double participants;      /* distinct people active at least once */
    double dead;              /* people killed */
    double detained;          /* people detained (arrest events) */
    uint32_t sites_captured;  /* focal points that fell at least once */
    uint32_t held_at_end;     /* focal points held by the crowd at the end */
    double duration_hours;    /* from the first to the last hour above end_share nationally */
    double final_legitimacy;  /* population-weighted mean legitimacy at the end */
    int ended;                /* activity below end_share for end_hours at the end */
    unrest_outcome_class cls; /* classification */
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

/* Format seconds since 1970 as local "YYYY-MM-DD HH:MM" with the scenario's UTC offset. */
void unrest_format_time(int64_t t, int32_t utc_offset_min, char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif
