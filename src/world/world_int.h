/*
 * world_int.h - the running world's insides, shared by world.c (the clock and the order of the
 * steps) and the mechanism files (hardship.c, legitimacy.c, spread.c, force.c, troops.c,
 * focal.c, outcomes.c). Private to src/world.
 *
 * Each mechanism has the same few parts: its keys (rows of the key table, keys.c, with its name
 * in the `mechanism` column), its per-site state (a struct of its own inside `site`), what
 * timeline events and live interventions do to that state (NAME_on_event), and its step
 * (NAME_drive: from the site's and the nation's state after the last tick, the drivers it
 * pushes into the lattice or the values it records). world.c calls them in the order of
 * docs/MODEL.md Part II; adding a mechanism is a new file, its rows, its test and its section.
 */
#ifndef UNREST_WORLD_INT_H
#define UNREST_WORLD_INT_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

#include "unrest/world.h"

#define MAX_CONTINGENTS 64 /* foreign contingents present at once */

/* ---- per-site state, one struct per mechanism ----------------------------------------------- */

/* Hardship (hardship.c): fuel prices and cold. */
typedef struct hardship_state {
    double fuel_price;   /* last price set, tenge/L */
    double fuel_cap;     /* price cap in force (INFINITY = none) */
    double fuel_felt;    /* fuel hardship felt so far (lags the price by fuel_lag_days) */
    double temp_anomaly; /* °C */
} hardship_state;

/* Legitimacy (legitimacy.c): what concessions gave and shocks moved, what the crowd's visible
 * success took, and the signal a concession under pressure sends. */
typedef struct legitimacy_state {
    double concessions;   /* legitimacy gained by concessions (decaying) */
    double shocks;        /* legitimacy shocks */
    double eroded;        /* legitimacy taken by the crowd's visible success (never returns) */
    double signal;        /* share of the arrest constant lost to a concession under pressure */
    int64_t signal_until; /* tick at which that signal is forgotten */
} legitimacy_state;

/* Anger at the regime and fear (anger.c). */
typedef struct anger_state {
    double gained; /* anger gained from violence seen (decaying) */
    double seen;   /* with anger.seen_hours: violence seen, smoothed (the lag) */
    double A;      /* anger in force [0,1] */
    double fear;   /* share of fear lost city-wide [0,1] */
} anger_state;

/* The loyalty of the forces (loyalty.c). */
typedef struct loyalty_state {
    double will;   /* will to hold [0,1] */
    int withdrawn; /* the police have left the streets and the guards their sites */
} loyalty_state;

/* A violent minority and its clashes (violence.c). */
typedef struct violence_state {
    double violent;          /* people fighting now */
    double security_dead;    /* police and guards killed since the start */
    double security_injured; /* police and guards injured since the start */
    double injured;          /* civilians injured since the start */
    double sec_casualties;   /* security casualties (dead + injured) in the last tick */
    double civ_casualties;   /* civilian casualties in the last tick */
} violence_state;

/* Armed rebels (arms.c): foreign arms and fighters for the opposition, and the ground they hold. */
typedef struct arms_state {
    double share;      /* share of the active who have taken up arms [0,1] */
    double rebels;     /* armed local rebels now, people (a stock: arms stay in hand) */
    double strength;   /* armed strength now: rebels + foreign fighters x troop_weight */
    double held_hours; /* hours in a row the rebels have held the site */
    int held;          /* the rebels hold the site now */
    double dead;       /* armed rebels killed since the start */
    double lost_gov;   /* government-side foreign troops here put out of action (troops.c) */
    double lost_opp;   /* foreign fighters for the opposition here put out of action */
} arms_state;

/* Spread (spread.c): the channels news of activity elsewhere travels by. */
typedef struct spread_state {
    double internet;   /* connectivity, 1 = normal */
    double leadership; /* opposition coordination [0,1] */
    double heard;      /* active share elsewhere as the news carries it (after spread_drive) */
    double news;       /* with spread.news_hours: the share elsewhere, smoothed (the lag) */
} spread_state;

/* Force (force.c): police, emergency, curfew, lethal force, and what arrests became. */
typedef struct force_state {
    double reinforce;      /* extra police sent, people */
    int emergency;         /* state of emergency */
    double curfew_from;    /* local hours */
    double curfew_to;      /* local hours */
    double lethal;         /* kill probability per detained person */
    double police;         /* police on the street now, people */
    int curfew;            /* curfew hour now */
    double detained_total; /* people detained since the start */
    double dead_total;     /* people killed since the start */
    double arrests;        /* people detained in the last tick */
    double killed;         /* people killed in the last tick */
} force_state;

/* Foreign troops at one site (troops.c), summed over the contingents present. */
typedef struct troops_here {
    double guard;  /* guarding here, people */
    double patrol; /* patrolling here */
    double dist;   /* distributing fuel here */
    double fight;  /* fighting for the opposition here (arms.c) */
    int foreign;   /* guarding or patrolling foreign troops are in the country */
} troops_here;

/* Focal points (focal.c): where they are on the lattice and who holds them. */
typedef struct focal_state {
    uint32_t fx[UNREST_SC_MAX_FOCAL], fy[UNREST_SC_MAX_FOCAL], fr[UNREST_SC_MAX_FOCAL];
    int captured[UNREST_SC_MAX_FOCAL];        /* held by the crowd */
    int64_t captured_at[UNREST_SC_MAX_FOCAL]; /* tick it last fell, -1 never */
    int64_t retaken_at[UNREST_SC_MAX_FOCAL];  /* tick it was last retaken, -1 never */
    int fell[UNREST_SC_MAX_FOCAL];            /* fell at least once */
    int64_t first_at[UNREST_SC_MAX_FOCAL];    /* tick it first fell, -1 never */
    double will[UNREST_SC_MAX_FOCAL];         /* its guards' will to hold [0,1] (posts.c) */
    int abandoned[UNREST_SC_MAX_FOCAL];       /* its guards have left it (posts.c) */
    int alone[UNREST_SC_MAX_FOCAL];           /* the city's police had withdrawn last tick */
    uint32_t hold[UNREST_SC_MAX_FOCAL]; /* consecutive ticks the balance has favoured a change */
    double area_scale[UNREST_SC_MAX_FOCAL]; /* force.focal_exact: the share over the square's */
} focal_state;

/* One site's lattice and state. People counts are doubles: agents times people per agent. */
typedef struct site {
    unrest_model *m;    /* its lattice */
    double ppa;         /* people per agent here (population / agents) */
    double population;  /* people */
    unrest_counts c;    /* lattice counts after the last tick */
    double peak_active; /* most people active at once (outcomes.c) */
    hardship_state hs;
    legitimacy_state ls;
    spread_state sp;
    force_state fs;
    troops_here tr;
    focal_state fo;
    anger_state an;
    loyalty_state ly;
    violence_state vi;
    arms_state ar;
    double H, L, T, k, v; /* drivers in force: hardship multiplier, legitimacy, threshold, k,
                             citizen vision */
    uint32_t cops;        /* driver: cop agents on the lattice */
    double arrest_prob;   /* driver: P(a cop agent can make its arrest this tick) */
} site;

/* A foreign contingent on the ground (troops.c). */
typedef struct contingent {
    double people;       /* troops at each of its sites */
    unrest_sc_role role; /* what they do */
    uint64_t sites;      /* where */
    int64_t until;       /* tick at whose start they leave, -1 = stay */
} contingent;

struct unrest_world {
    unrest_scenario sc; /* the scenario (copied) */
    uint64_t seed;      /* run seed */
    int64_t tick;       /* ticks completed */
    int64_t ticks;      /* ticks in the run */
    size_t n;           /* sites */
    site *s;            /* sites */
    double total_pop;   /* people in all sites */
    unsigned threads;   /* for stepping sites side by side */
    contingent troops[MAX_CONTINGENTS];
    size_t n_troops; /* contingents present */
    gsl_rng *g;      /* GSL generator, reseeded from (seed, site, tick) before each use */
    /* national observation (outcomes.c) */
    double peak_active;  /* most people active at once */
    int64_t peak_tick;   /* when */
    int64_t first_above; /* first tick above end_share, -1 none */
    int64_t last_above;  /* last tick above end_share, -1 none */
    double *share;       /* national active share per tick (ring of the last end window) */
    size_t share_len;    /* entries in the ring */
    double capture_loss; /* legitimacy lost everywhere to focal points falling */
    double *near;        /* spread.distance_km > 0: n x n proximity weights, else NULL */
    /* the strategic layer: revolution.c, arms.c, recognition.c, triggers.c */
    int64_t fell_at;         /* tick after which the regime fell, -1 not */
    double seat_hours;       /* hours in a row the seats of power have been held undefended */
    int64_t civil_war_at;    /* tick after which armed rebels had held territory long enough */
    int recognised;          /* outside powers recognised a rival government */
    double gov_foreign_max;  /* most government-side foreign troops present at once */
    int opp_foreign;         /* foreign arms or fighters have backed the opposition */
    double foreign_gov_dead; /* government-side foreign troops killed */
    double foreign_opp_dead; /* foreign fighters for the opposition killed */
    unsigned char trig_fired[UNREST_SC_MAX_EVENTS]; /* conditional events that have fired */
    char fired[2048]; /* labels of the events fired in the last tick */
    char err[256];    /* last error */
    /* a partitioned run (unrest_world_create_part): sites of other processes are mirrors */
    unrest_world_exchange_fn exchange; /* NULL: this process owns every site */
    void *exchange_user;               /* passed to exchange */
    void *obs;                         /* n exchange records (world.c) */
};

/* What every site's step reads of the nation after the last tick. */
typedef struct nation_now {
    double hour;   /* local clock hour [0, 24) at the start of the tick */
    double active; /* people active in all sites */
    double dead;   /* people killed in all sites so far */
} nation_now;

/* ---- shared helpers (world.c) ------------------------------------------------------------- */

double world_clamp(double x, double lo, double hi);
/* A lag: *s moves toward x by exponential smoothing with time constant `hours` over a tick of
 * tick_hours (the same total, later); returns the new *s. */
double world_lag(double *s, double x, double hours, double tick_hours);
double world_site_agents(const unrest_sc_params *p, double population);

/* People of site i out on the street now: the lattice's active agents (the mobilised) in
 * people, times the share of them out at any one hour (anger.turnout, docs/MODEL.md II.6a).
 * Every mechanism that counts a crowd counts this. */
static inline double site_street(const site *s, const unrest_sc_params *p)
{
    return s->c.active * s->ppa * p->turnout;
}
uint64_t world_mix64(uint64_t z);                          /* SplitMix64 finaliser */
void world_note_fired(unrest_world *w, const char *label); /* "what happened" this tick */
int world_in_window(double h, double from, double to);     /* h in [from, to), wrapping midnight */

/* ---- the mechanisms, in the order world.c calls them ------------------------------------------
 * NAME_init: per-site state at the start. NAME_on_event: a timeline entry at site i (nsites:
 * how many sites it names, for per-site shares). NAME_drive: the site's part of the drivers for
 * the coming tick. */

/* troops.c: foreign contingents arrive (an event), leave at their time, and are counted per
 * site before any other mechanism reads them. */
unrest_status troops_on_event(unrest_world *w, const unrest_sc_event *e, size_t nsites);
void troops_leave(unrest_world *w, int64_t t);
void troops_drive(unrest_world *w, size_t i);

/* hardship.c */
void hardship_init(hardship_state *h, const unrest_sc_site *ss);
void hardship_on_event(hardship_state *h, const unrest_sc_event *e);
void hardship_drive(unrest_world *w, size_t i, const nation_now *n);

/* legitimacy.c (pressure: the national active share after the last tick) */
void legitimacy_on_event(unrest_world *w, size_t i, const unrest_sc_event *e, double pressure);
double legitimacy_pressure(const unrest_world *w);
int legitimacy_under_pressure(const unrest_world *w, size_t i, double pressure);
double legitimacy_offered(const unrest_sc_event *e);
double legitimacy_decay(const unrest_sc_params *p); /* per tick factor on concessions */
void legitimacy_drive(unrest_world *w, size_t i, const nation_now *n);

/* spread.c (threshold and vision) */
void spread_init(spread_state *s);
unrest_status spread_weights(unrest_world *w); /* the proximity weights, if asked for */
void spread_on_event(spread_state *s, const unrest_sc_event *e);
void spread_drive(unrest_world *w, size_t i, const nation_now *n);

/* anger.c (after spread: folds anger into the hardship scale and threshold; fear loss) */
void anger_drive(unrest_world *w, size_t i, double heard);

/* fatigue.c (at creation: the days of fatigue.* as the lattice's chances a tick) */
void fatigue_params(const unrest_sc_params *p, unrest_params *q);

/* loyalty.c (before force: the forces' will) */
void loyalty_init(loyalty_state *l);
void loyalty_on_event(unrest_world *w, size_t i, const unrest_sc_event *e, double share,
                      double pressure);
void loyalty_drive(unrest_world *w, size_t i);

/* force.c (arrest constant, cops on the lattice, arrests and deaths) */
void force_on_event(force_state *f, const unrest_sc_event *e, double share);
double force_street(const unrest_world *w, size_t i); /* police on the street, not withdrawn */
void force_drive(unrest_world *w, size_t i, const nation_now *n);
double force_police_base(const unrest_world *w, size_t i);
void force_observe(unrest_world *w, size_t i, int64_t t);

/* violence.c (after force_observe: fighters, clashes, casualties on both sides) */
void violence_observe(unrest_world *w, size_t i, int64_t t);

/* focal.c */
double focal_guards(const unrest_sc_site *ss);
void focal_init(site *s, const unrest_sc_site *ss, const unrest_sc_params *p, uint32_t side,
                uint32_t *xy);
uint32_t focal_need(const unrest_sc_params *p); /* ticks a change must hold */
void focal_observe(unrest_world *w, size_t i, uint32_t need);
unrest_status focal_targets(unrest_world *w, size_t i); /* gathering's choice, after a tick */

/* posts.c (the guards of each focal point and their will; after each focal point is watched) */
void posts_init(focal_state *fo);
int posts_on(const unrest_sc_params *p);
int posts_manned(const site *s, const unrest_sc_params *p, size_t f);
double posts_guards(const unrest_world *w, size_t i);
void posts_cut(site *s, const unrest_sc_site *ss, double cut);
void posts_on_event(site *s, const unrest_sc_site *ss, const unrest_sc_event *e);
void posts_update(unrest_world *w, size_t i, size_t f, double attackers, double defenders);

/* arms.c (after violence_observe: armed rebels fight, hold ground, civil war) */
void arms_on_event(unrest_world *w, size_t i, const unrest_sc_event *e);
void arms_observe(unrest_world *w, size_t i, int64_t t);

/* revolution.c (after the sites are observed: do the seats of power fall?) */
size_t revolution_seat(const unrest_world *w);
void revolution_observe(unrest_world *w, int64_t t);

/* recognition.c */
void recognition_on_event(unrest_world *w, size_t i, const unrest_sc_event *e);

/* triggers.c: does conditional event e fire at tick t (marks it fired)? */
int triggers_due(unrest_world *w, size_t e, int64_t t);

/* outcomes.c */
void outcomes_observe(unrest_world *w, int64_t t, double nat_active);

#endif
