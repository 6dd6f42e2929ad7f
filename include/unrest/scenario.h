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

#pragma GCC visibility push(default) /* the public API: exported from libunrest.so */

#define UNREST_SC_MAX_SITES 64   /* sites per scenario (a site set is a 64-bit mask) */
#define UNREST_SC_MAX_FOCAL 4    /* focal points per site */
#define UNREST_SC_MAX_EVENTS 512 /* timeline entries */
#define UNREST_SC_NAME 48        /* longest name + 1 */
#define UNREST_SC_LABEL 96       /* longest event label + 1 */
#define UNREST_SC_MAX_PARAMS 128 /* parameter keys (tags per parameter) */

/* A place where crowds gather and which the state defends (city administration, airport). */
typedef struct unrest_sc_focal {
    char name[UNREST_SC_NAME]; /* e.g. "administration" */
    double x, y;               /* position as a fraction of the lattice's width / height, [0,1) */
    double radius;             /* cells: who counts as "around it" (square of side 2r+1) */
    double guards;             /* people guarding it at the start (taken from the site's police) */
    double attract;            /* its pull on a gathering crowd, with lattice.focal_choice */
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
    double anger;                /* anger at the regime here, added to anger.initial [0,1] */
    double lat, lon;             /* position, degrees (for contagion by proximity) */
    double violence;             /* multiplier on the share of the active who fight here */
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
    UNREST_SC_ELITE_SPLIT, /* a split in the elite (a security chief dismissed): the forces'
                              will to hold falls by value [0,1] (loyalty.c) */
    UNREST_SC_ARMS,        /* foreign arms for the opposition: a share value [0,1] of the
                              active at the sites named take up arms (arms.c) */
    UNREST_SC_RECOGNITION, /* outside powers recognise the rival (or, after a revolution, the
                              new) government: legitimacy moves by value [0,1] (recognition.c) */
    UNREST_SC_KIND_COUNT
} unrest_sc_kind;

/* What foreign troops do. */
typedef enum unrest_sc_role {
    UNREST_ROLE_GUARD,      /* guard the focal points; frees local police for the streets */
    UNREST_ROLE_PATROL,     /* patrol and arrest, like police */
    UNREST_ROLE_DISTRIBUTE, /* hand out fuel: lowers hardship, no guarding, no arrests */
    UNREST_ROLE_FIGHT       /* fight for the opposition: armed rebels (arms.c) */
} unrest_sc_role;

/* When a conditional timeline entry fires (triggers.c): at the first tick at or after its `at`
 * when the condition holds (on the state after the previous tick), once. */
typedef enum unrest_sc_when {
    UNREST_WHEN_ALWAYS,        /* not conditional: fires at its tick */
    UNREST_WHEN_CAPITAL_FALLS, /* the regime has fallen (revolution.c) */
    UNREST_WHEN_SEATS_HELD,    /* the crowd holds a seat of power of the capital */
    UNREST_WHEN_CIVIL_WAR,     /* armed rebels have held territory long enough (arms.c) */
    UNREST_WHEN_GOV_FOREIGN,   /* foreign troops guard or patrol for the government */
    UNREST_WHEN_OPP_FOREIGN,   /* foreign arms or fighters back the opposition */
    UNREST_WHEN_RECOGNISED,    /* a rival government has been recognised */
    UNREST_WHEN_COUNT
} unrest_sc_when;

const char *unrest_sc_when_name(unrest_sc_when w);

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
    unrest_sc_when when;         /* ALWAYS, or the condition that fires it (triggers.c) */
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
    double bloc_people;      /* people who share one draw of disposition (0: each agent) */
    uint32_t min_agents;     /* the fewest citizen agents of a site (0: people_per_agent alone) */
    int bloc_scatter;        /* a bloc's members lie anywhere in the city (0: side by side) */
    /* Epstein core on each lattice */
    char profile[16];       /* rule profile: paper | netlogo | mesa */
    double citizen_density; /* citizens per cell */
    double citizen_vision;  /* v */
    double cop_vision;      /* v* */
    double threshold;       /* T */
    double k;               /* arrest constant */
    uint32_t jail_hours;    /* longest detention (J_max in hours) */
    double focal_pull;      /* P(an active citizen heads for a focal point when it moves) */
    double focal_jump;      /* P(an hour) an active citizen outside the focal areas goes to one */
    int focal_choice;       /* gatherers choose among the untaken points by attract (Davies) */
    double focal_decay;     /* that choice: pull lost with distance, per lattice side */
    double relocate;        /* P(an hour) a person moves anywhere in the city (mixing) */
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
    double news_hours;        /* > 0: the news of activity elsewhere lags by this, smoothed */
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
    double focal_area;    /* > 0: crowds and defenders counted in people over this share of the
                             site's public space (resolution-free); 0: the cell radius */
    double hold_ratio;    /* people-count mode: attackers one defender holds off */
    double storm_party;   /* people-count mode: attackers it takes to enter any building */
    int focal_exact; /* people-count mode: counts scaled from the square's cells to the share */
    /* legitimacy feedback and concessions as signals */
    double success_erosion;     /* legitimacy lost per day per 1% of a site's people active */
    double capture_erosion;     /* legitimacy lost everywhere when a focal point falls */
    double concession_pressure; /* share of a concession's gain lost when made under pressure */
    double pressure_share;      /* national active share above which a concession is "under
                                   pressure" */
    double concession_signal;   /* k multiplier lost for a week by a concession under pressure */
    /* anger at the regime and fear loss */
    double anger;           /* national anger at the regime at the start [0,1] */
    double anger_gain;      /* anger gained per civilian casualty per 100,000 people */
    double anger_half_life; /* days for the anger gained to halve */
    double seen_hours;      /* > 0: violence seen reaches anger with this lag, smoothed */
    double fear_loss;       /* share of the perceived risk lost once fear breaks [0,1] */
    double fear_share;      /* active share of a site at which fear breaks city-wide */
    double fear_half_life;  /* days for lost fear to come back once the crowd is small */
    int anger_hidden;       /* anger shows only as fear is lost (preference falsification) */
    double turnout;         /* share of the mobilised (active agents) out on the street at once */
    double fear_news_share; /* active share elsewhere, as heard, at which fear breaks here */
    /* fatigue: the crowd goes home */
    double active_days; /* mean days a person stays out before going home spent (0: never) */
    double rest_days;   /* mean days a spent person rests before they can rise again */
    /* the loyalty of the forces */
    double will_erosion;    /* will lost per hour per factor of ten of outnumbering */
    double will_concession; /* will lost per unit of legitimacy of a concession under pressure */
    double outnumber;       /* active people per police officer on the street that weigh 1 */
    double will_casualty;   /* will lost per security casualty per 1,000 police */
    double will_recovery;   /* will regained per day while not outnumbered */
    double shirk_below;     /* will below which arrests fall in proportion */
    double withdraw_below;  /* will below which police leave the streets and guards the sites */
    double fresh_will;      /* will reinforcements arrive with (< 0: off, they take the site's) */
    int regroup;            /* withdrawn forces, out of contact, regain will rather than lose it */
    /* the defence of each building (posts.c) */
    double post_erosion;   /* guards' will lost per hour per factor of ten (0: off) */
    double post_outnumber; /* attackers per defender at a building that weigh 1 */
    double post_alone;     /* guards' will lost once when the city's police withdraw */
    /* a violent minority, clashes and casualties */
    double violent_share;   /* share of the active who fight */
    double peaceful_weight; /* what a peaceful person weighs in an attack on a focal point */
    double desperate; /* "nothing to lose": people per 100,000 who fight once a crowd is out */
    double desperate_trigger; /* active people in a site at which the desperate come out */
    double clash_rate;        /* security casualties per officer-hour at one fighter per officer */
    double force_rate;        /* civilian casualties per fighter-hour at one officer per fighter */
    double lethal_force_rate; /* the same multiplier while a shoot order stands */
    double security_kill;     /* share of security casualties who die */
    double civilian_kill;     /* share of civilian casualties who die (without a shoot order) */
    double contact;           /* > 0: officers who clash per fighter, at most (0: all on duty) */
    double attack_weight;     /* a fighter counts as 1 + this at a focal point */
    double repression_gain;   /* fighters' share gained per 1% of a site's people detained */
    /* contagion */
    double distance_km;     /* > 0: spread weighted by exp(-distance / this) (proximity) */
    double proximity_share; /* share of the spread channel that travels by proximity */
    /* outcome classification */
    double end_share;           /* the revolt is over when actives < this share of people... */
    double end_hours;           /* ...for this long */
    double suppressed_dead;     /* ended with at least this many dead... */
    double suppressed_detained; /* ...or this many detained: "suppressed" */
    double protracted_share;    /* still above this active share at the end: "protracted" */
    double civil_war_days;      /* armed rebels hold a site this many days: "civil war" */
    double proxy_troops;        /* government-side foreign troops that make a civil war a proxy
                                   war (with foreign arms or fighters on the other side) */
    /* revolution (revolution.c) */
    double rev_hold_hours; /* hours the crowd must hold the seats of power (0: never falls) */
    double rev_seats;      /* share of the seat site's focal points that must be held */
    double rev_will;       /* the forces there no longer defend below this will */
    int rev_largest;       /* the seats are the largest city's, not the capital's */
    double rev_legitimacy; /* legitimacy of the new government when it takes over */
    /* armed rebels (arms.c) */
    double rebel_fire;   /* security casualties per rebel-hour at one defender per rebel */
    double rebel_return; /* rebel casualties per defender-hour at one rebel per defender */
    double rebel_kill;   /* share of casualties of armed fighting who die */
    double rebel_hold;   /* armed rebels per defender at which they hold the site */
    double rebel_troop;  /* armed rebels one foreign fighter counts as */
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
    unsigned char tag[UNREST_SC_MAX_PARAMS]; /* unrest_key_tag of each parameter, by key row, as
                                                the file's comment gives it ("# [data] ...") */
} unrest_scenario;

/* ---- reading scenarios (src/world/scenario_parse.c) ------------------------------------------ */

/* A scenario as an opaque handle, for programs and bindings that do not want the struct (a
 * binding needs only these, the load/set/get/path functions and the world's): create gives the
 * defaults of unrest_scenario_init; destroy(NULL) does nothing. */
unrest_status unrest_scenario_create(unrest_scenario **out);
void unrest_scenario_destroy(unrest_scenario *sc);
size_t unrest_scenario_site_count(const unrest_scenario *sc);
const char *unrest_scenario_site_name(const unrest_scenario *sc, size_t i); /* NULL past the end */

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

/* Several overrides at once, "path=value;path=value" (a design point's factors, a posterior
 * draw): each through unrest_scenario_set, in order; empty parts are skipped. On error err names
 * the assignment and why, and sc holds the assignments before it. */
unrest_status unrest_scenario_set_all(unrest_scenario *sc, const char *assignments, char *err,
                                      size_t errlen);

/* Whole-scenario checks (site names unique, events inside the run, lattices fit). */
unrest_status unrest_scenario_validate(const unrest_scenario *sc, char *err, size_t errlen);

/* Index of a site by name, or -1. */
int unrest_scenario_site_index(const unrest_scenario *sc, const char *name);

/* FNV-1a 64 of a canonical text of every value in sc (provenance; ensembles refuse a database
 * made for another scenario). */
uint64_t unrest_scenario_hash(const unrest_scenario *sc);

/* ---- the key table (src/world/keys.c) --------------------------------------------------------
 * One table describes every key a scenario file, --set, the manifest, the scenario hash,
 * `unrest help scenario`, the viewer's sliders and docs/SCENARIO.md know: its path, type, range,
 * default, unit and one-line doc. Site keys are written "sites.*.KEY" and focal-point keys
 * "sites.*.focal.*.KEY" in the table; concrete paths name the site and focal point
 * ("sites.Almaty.focal.airport.guards"). Each mechanism's rows live in its own file. */

typedef enum unrest_key_type {
    UNREST_KEY_REAL,    /* a number in [lo, hi] (ends excluded per `open`) */
    UNREST_KEY_UINT,    /* a decimal integer in [lo, hi] */
    UNREST_KEY_BOOL,    /* true/false */
    UNREST_KEY_PROFILE, /* paper | netlogo | mesa */
    UNREST_KEY_START,   /* a date-time with UTC offset (time.start) */
    UNREST_KEY_TEXT,    /* one line of text */
    UNREST_KEY_NAME     /* [A-Za-z0-9_-]+ */
} unrest_key_type;

/* Where a value comes from, as the scenario file tags it in a comment ("# [calibrated] ..."). */
typedef enum unrest_key_tag {
    UNREST_TAG_NONE,       /* the file gives no tag (or the value is a default) */
    UNREST_TAG_DATA,       /* a reported figure */
    UNREST_TAG_CALIBRATED, /* fitted to observations */
    UNREST_TAG_ASSUMPTION, /* a judgement, stated so that it can be challenged */
    UNREST_TAG_COUNT
} unrest_key_tag;

enum { UNREST_KEY_LO_OPEN = 1, UNREST_KEY_HI_OPEN = 2 }; /* range ends that are excluded */

typedef struct unrest_key_info {
    const char *path;      /* "hardship.sigma", "sites.*.population", "name" */
    const char *mechanism; /* the section / mechanism file it belongs to ("hardship", "site") */
    unrest_key_type type;  /* how it is written */
    double lo, hi;         /* REAL, UINT: range (hi >= 1e300: no upper bound) */
    unsigned open;         /* UNREST_KEY_LO_OPEN | UNREST_KEY_HI_OPEN */
    double def;            /* default (REAL, UINT, BOOL); NAN where there is none */
    const char *unit;      /* "tenge/L", "people", "" for none */
    const char *doc;       /* one line: what it does */
} unrest_key_info;

/* The table, in file order: unrest_key_at(i) for i < unrest_key_count(). */
size_t unrest_key_count(void);
const unrest_key_info *unrest_key_at(size_t i);

/* The table row a path names: "hardship.sigma", or a concrete site or focal-point path
 * ("sites.Almaty.population" -> "sites.*.population"). NULL if none. Does not check that the
 * site exists (unrest_scenario_get does). */
const unrest_key_info *unrest_key_lookup(const char *path);

/* "[0, 1]", "(0, 24]", "[1, inf)", "paper | netlogo | mesa" ... */
void unrest_key_range_text(const unrest_key_info *k, char *buf, size_t n);

/* The value at a concrete path, as text that unrest_scenario_set reads back to the same value
 * (reals as %.17g, time.start as "2022-01-01T00:00+06:00"). On error buf is "" and err says why
 * (unknown key, unknown site). */
unrest_status unrest_scenario_get(const unrest_scenario *sc, const char *path, char *buf, size_t n,
                                  char *err, size_t errlen);
/* The same as a number (REAL, UINT, BOOL; time.start as seconds since 1970 UTC). */
unrest_status unrest_scenario_get_number(const unrest_scenario *sc, const char *path, double *out,
                                         char *err, size_t errlen);

/* Every concrete path of sc in order: name, title, the parameters, then each site's keys and
 * each of its focal points' keys (not their names, which are part of the path and cannot be set).
 * Writes the i-th path into buf (if not NULL) and returns its row, or NULL past the end. */
const unrest_key_info *unrest_scenario_path(const unrest_scenario *sc, size_t i, char *buf,
                                            size_t n);

/* The tag the file gave a parameter's value ("hardship.sigma"); UNREST_TAG_NONE for other
 * paths, values the file left out, and values changed by unrest_scenario_set. */
unrest_key_tag unrest_scenario_tag(const unrest_scenario *sc, const char *path);
const char *unrest_key_tag_name(unrest_key_tag t);   /* "data", "calibrated", "assumption", "" */
const char *unrest_key_type_name(unrest_key_type t); /* "number", "integer", ... */

/* Name of an event kind ("price_cap") and of a role ("guard"). */
const char *unrest_sc_kind_name(unrest_sc_kind k);
const char *unrest_sc_role_name(unrest_sc_role r);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
