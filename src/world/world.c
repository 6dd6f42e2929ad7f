/*
 * world.c - a running scenario: one Epstein lattice per site, driven tick by tick by the
 * scenario's timeline and by site state computed from real units (prices, temperatures,
 * police, troops, deaths), and observed back in people.
 *
 * Each tick: (1) fire the events due and send home troops whose time is up; (2) compute each
 * site's hardship, legitimacy, threshold, arrest constant, vision and cops from its state and
 * from the activity of the other sites in the previous tick; (3) step every lattice (sites are
 * independent within a tick, so they run side by side with the same result for any thread
 * count); (4) observe: arrests become detained and, under a lethal-force order, dead people
 * (a keyed binomial draw per site and tick); focal points fall and are retaken; national
 * series and outcomes are updated. docs/MODEL.md gives each formula and its source.
 */
#define _POSIX_C_SOURCE 200809L

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "unrest/world.h"

#define MAX_CONTINGENTS 64 /* foreign contingents present at once */

/* A foreign contingent on the ground. */
typedef struct contingent {
    double people;       /* troops at each of its sites */
    unrest_sc_role role; /* what they do */
    uint64_t sites;      /* where */
    int64_t until;       /* tick at whose start they leave, -1 = stay */
} contingent;

/* One site's lattice and state. People counts are doubles: agents times people per agent. */
typedef struct site {
    unrest_model *m;       /* its lattice */
    double ppa;            /* people per agent here (population / agents) */
    double population;     /* people */
    double fuel_price;     /* last price set, tenge/L */
    double fuel_cap;       /* price cap in force (INFINITY = none) */
    double fuel_felt;      /* fuel hardship felt so far (lags the price by fuel_lag_days) */
    double temp_anomaly;   /* °C */
    double internet;       /* connectivity */
    double reinforce;      /* extra police sent, people */
    int emergency;         /* state of emergency */
    double curfew_from;    /* local hours */
    double curfew_to;      /* local hours */
    double lethal;         /* kill probability per detained person */
    double leadership;     /* opposition coordination [0,1] */
    double concessions;    /* legitimacy gained by concessions (decaying) */
    double shocks;         /* legitimacy shocks */
    double detained_total; /* people detained since the start */
    double dead_total;     /* people killed since the start */
    double peak_active;    /* most people active at once */
    double arrests;        /* people detained in the last tick */
    double killed;         /* people killed in the last tick */
    double troops_guard;   /* foreign troops guarding here, people */
    double troops_patrol;  /* foreign troops patrolling here */
    double troops_dist;    /* foreign troops distributing fuel here */
    double police;         /* police on the street now, people */
    int curfew;            /* curfew hour now */
    double H, L, T, k, v;  /* hardship multiplier, legitimacy, threshold, k, vision in force */
    uint32_t fx[UNREST_SC_MAX_FOCAL], fy[UNREST_SC_MAX_FOCAL], fr[UNREST_SC_MAX_FOCAL];
    int captured[UNREST_SC_MAX_FOCAL];        /* held by the crowd */
    int64_t captured_at[UNREST_SC_MAX_FOCAL]; /* tick it last fell, -1 never */
    int64_t retaken_at[UNREST_SC_MAX_FOCAL];  /* tick it was last retaken, -1 never */
    int fell[UNREST_SC_MAX_FOCAL];            /* fell at least once */
    uint32_t hold[UNREST_SC_MAX_FOCAL]; /* consecutive ticks the balance has favoured a change */
    unrest_counts c;                    /* lattice counts after the last tick */
} site;

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
    /* national observation */
    double peak_active;  /* most people active at once */
    int64_t peak_tick;   /* when */
    int64_t first_above; /* first tick above end_share, -1 none */
    int64_t last_above;  /* last tick above end_share, -1 none */
    double *share;       /* national active share per tick (ring of the last end window) */
    size_t share_len;    /* entries in the ring */
    char fired[2048];    /* labels of the events fired in the last tick */
    char err[256];       /* last error */
};

static const char *const class_names[] = {"suppressed", "settled", "capital_lost", "protracted"};

const char *unrest_outcome_class_name(unrest_outcome_class c)
{
    return c < UNREST_OUTCOME_COUNT ? class_names[c] : "?";
}

void unrest_format_time(int64_t t, int32_t utc_offset_min, char *buf, size_t n)
{
    time_t lt = (time_t)(t + (int64_t)utc_offset_min * 60);
    struct tm tmv;
    gmtime_r(&lt, &tmv);
    strftime(buf, n, "%Y-%m-%d %H:%M", &tmv);
}

static double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* SplitMix64 finaliser: mixes (seed, site, tick) into a GSL seed. */
static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* ---- create / destroy --------------------------------------------------------------------- */

/* Lattice side for a site: room for its agents at the citizen density, at least big enough for
 * the vision neighbourhoods to fit the torus. */
static uint32_t side_for(double agents, const unrest_sc_params *p)
{
    double v = p->citizen_vision > p->cop_vision ? p->citizen_vision : p->cop_vision;
    uint32_t side = (uint32_t)ceil(sqrt(agents / p->citizen_density));
    uint32_t min = 2 * (uint32_t)ceil(v) + 3;
    return side < min ? min : side;
}

static double police_base(const unrest_world *w, size_t i)
{
    const unrest_sc_site *ss = &w->sc.site[i];
    double per = ss->police_per_100k >= 0 ? ss->police_per_100k : w->sc.p.police_per_100k;
    return ss->population * per / 1e5;
}

static double guards_of(const unrest_sc_site *ss)
{
    double g = 0;
    for (size_t f = 0; f < ss->n_focal; f++)
        g += ss->focal[f].guards;
    return g;
}

unrest_status unrest_world_create(unrest_world **out, const unrest_scenario *sc, uint64_t seed,
                                  char *err, size_t errlen)
{
    *out = NULL;
    unrest_status st = unrest_scenario_validate(sc, err, errlen);
    if (st != UNREST_OK) return st;
    unrest_world *w = calloc(1, sizeof *w);
    if (!w) return UNREST_ENOMEM;
    w->sc = *sc;
    w->seed = seed;
    w->threads = 1;
    const unrest_sc_params *p = &w->sc.p;
    w->ticks = (int64_t)floor((double)p->days * 24.0 / p->tick_hours + 1e-9);
    w->n = sc->n_sites;
    w->s = calloc(w->n, sizeof *w->s);
    w->share_len = (size_t)ceil(p->end_hours / p->tick_hours);
    if (w->share_len < 1) w->share_len = 1;
    w->share = calloc(w->share_len, sizeof *w->share);
    w->g = gsl_rng_alloc(gsl_rng_mt19937);
    if (!w->s || !w->share || !w->g) goto nomem;
    w->peak_tick = -1;
    w->first_above = w->last_above = -1;

    for (size_t i = 0; i < w->n; i++) {
        const unrest_sc_site *ss = &w->sc.site[i];
        site *s = &w->s[i];
        double agents = floor(ss->population / p->people_per_agent + 0.5);
        if (agents < 1) agents = 1;
        uint32_t side = side_for(agents, p);
        unrest_params q;
        unrest_params_default(&q);
        if (unrest_params_profile(&q, p->profile) != UNREST_OK) {
            if (err) snprintf(err, errlen, "unknown rule profile '%s'", p->profile);
            unrest_world_destroy(w);
            return UNREST_EINVAL;
        }
        q.width = q.height = side;
        q.citizen_density = agents / ((double)side * side);
        q.init = UNREST_INIT_EXACT;
        q.cop_density = 0;
        q.citizen_vision = p->citizen_vision;
        q.cop_vision = p->cop_vision;
        q.threshold = p->threshold;
        q.k = p->k;
        q.jail_max = (uint32_t)ceil(p->jail_hours / p->tick_hours);
        if (q.jail_max > UNREST_JAIL_FOREVER - 1) q.jail_max = UNREST_JAIL_FOREVER - 1;
        q.legitimacy = clamp(p->legitimacy + ss->legitimacy_offset, 0, 1);
        q.outburst_threshold = 0;
        q.hardship_tail = p->hardship_tail;
        q.hardship_sigma = p->hardship_sigma;
        char merr[256];
        /* each site draws from its own key: the run seed mixed with the site's index */
        st = unrest_model_create(&s->m, &q, mix64(seed ^ mix64(i + 1)), merr, sizeof merr);
        if (st != UNREST_OK) {
            if (err) snprintf(err, errlen, "site %s: %s", ss->name, merr);
            unrest_world_destroy(w);
            return st;
        }
        unrest_model_counts(s->m, &s->c);
        s->ppa = ss->population / (double)s->c.citizens;
        s->population = ss->population;
        s->fuel_price = ss->fuel_price;
        s->fuel_cap = INFINITY;
        s->temp_anomaly = ss->temp_anomaly;
        s->internet = 1;
        uint32_t xy[2 * UNREST_SC_MAX_FOCAL];
        for (size_t f = 0; f < ss->n_focal; f++) {
            s->fx[f] = (uint32_t)(ss->focal[f].x * side) % side;
            s->fy[f] = (uint32_t)(ss->focal[f].y * side) % side;
            s->fr[f] = (uint32_t)ceil(ss->focal[f].radius);
            s->captured_at[f] = s->retaken_at[f] = -1;
            xy[2 * f] = s->fx[f];
            xy[2 * f + 1] = s->fy[f];
        }
        if (ss->n_focal && p->focal_pull > 0)
            unrest_model_set_focus(s->m, xy, ss->n_focal, p->focal_pull);
        w->total_pop += ss->population;
    }
    *out = w;
    return UNREST_OK;
nomem:
    if (err) snprintf(err, errlen, "out of memory building the world");
    unrest_world_destroy(w);
    return UNREST_ENOMEM;
}

void unrest_world_destroy(unrest_world *w)
{
    if (!w) return;
    if (w->s)
        for (size_t i = 0; i < w->n; i++)
            unrest_model_destroy(w->s[i].m);
    free(w->s);
    free(w->share);
    if (w->g) gsl_rng_free(w->g);
    free(w);
}

void unrest_world_set_threads(unrest_world *w, unsigned threads)
{
    w->threads = threads ? threads : 1;
}

/* ---- events ------------------------------------------------------------------------------- */

static size_t popcount64(uint64_t x)
{
    return (size_t)__builtin_popcountll(x);
}

static void note_fired(unrest_world *w, const char *label)
{
    size_t used = strlen(w->fired), l = strlen(label);
    if (used + l + 2 > sizeof w->fired) return;
    memcpy(w->fired + used, label, l);
    w->fired[used + l] = '\n';
    w->fired[used + l + 1] = '\0';
}

/* Apply one timeline entry to the sites it names. */
static unrest_status apply_event(unrest_world *w, const unrest_sc_event *e)
{
    size_t nsites = popcount64(e->sites & (w->n >= 64 ? ~0ull : (1ull << w->n) - 1));
    if (e->kind == UNREST_SC_TROOPS) {
        if (w->n_troops == MAX_CONTINGENTS) {
            snprintf(w->err, sizeof w->err, "more than %d foreign contingents at once",
                     MAX_CONTINGENTS);
            return UNREST_ERANGE;
        }
        contingent *c = &w->troops[w->n_troops++];
        c->people = nsites ? e->people / (double)nsites : 0;
        c->role = e->role;
        c->sites = e->sites;
        c->until = e->until;
    }
    for (size_t i = 0; i < w->n; i++) {
        if (!(e->sites >> i & 1u)) continue;
        site *s = &w->s[i];
        switch (e->kind) {
        case UNREST_SC_FUEL_PRICE:
            s->fuel_price = e->value;
            break;
        case UNREST_SC_PRICE_CAP:
            s->fuel_cap = e->value;
            s->concessions += e->legitimacy;
            break;
        case UNREST_SC_CONCESSION:
            s->concessions += e->value;
            break;
        case UNREST_SC_INTERNET:
            s->internet = e->value;
            break;
        case UNREST_SC_EMERGENCY:
            s->emergency = e->value != 0;
            s->curfew_from = e->curfew_from;
            s->curfew_to = e->curfew_to;
            break;
        case UNREST_SC_REINFORCE:
            s->reinforce += nsites ? e->people / (double)nsites : 0;
            if (s->reinforce < 0) s->reinforce = 0;
            break;
        case UNREST_SC_LETHAL:
            s->lethal = e->value;
            break;
        case UNREST_SC_TEMPERATURE:
            s->temp_anomaly = e->value;
            break;
        case UNREST_SC_LEGITIMACY:
            s->shocks += e->value;
            break;
        case UNREST_SC_LEADERSHIP:
            s->leadership = e->value;
            break;
        case UNREST_SC_TROOPS:
        case UNREST_SC_KIND_COUNT:
            break;
        }
    }
    note_fired(w, e->label[0] ? e->label : unrest_sc_kind_name(e->kind));
    return UNREST_OK;
}

unrest_status unrest_world_fire(unrest_world *w, const unrest_sc_event *ev)
{
    unrest_sc_event e = *ev;
    e.tick = w->tick;
    if (e.kind == UNREST_SC_TROOPS && e.until >= 0 && e.until <= w->tick) e.until = -1;
    return apply_event(w, &e);
}

/* ---- the site model: from real units to the lattice's parameters ---------------------------- */

/* Local clock hour [0, 24) at the start of tick t. */
static double local_hour(const unrest_world *w, int64_t t)
{
    const unrest_sc_params *p = &w->sc.p;
    double secs =
        (double)p->start + (double)p->utc_offset_min * 60.0 + (double)t * p->tick_hours * 3600;
    double h = fmod(secs / 3600.0, 24.0);
    return h < 0 ? h + 24 : h;
}

static int in_window(double h, double from, double to)
{
    return from <= to ? h >= from && h < to : h >= from || h < to;
}

/* Set a real runtime parameter of m to v unless it already has that value (now: its value). */
static unrest_status set_real(unrest_model *m, const char *name, double now, double v)
{
    if (now == v) return UNREST_OK;
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", v);
    return unrest_model_set(m, name, buf);
}

/* Compute site i's drivers for the coming tick and push them into its lattice. */
static unrest_status drive_site(unrest_world *w, size_t i, double hour, double active_people,
                                double dead_people)
{
    const unrest_sc_params *p = &w->sc.p;
    const unrest_sc_site *ss = &w->sc.site[i];
    site *s = &w->s[i];

    /* troops here */
    s->troops_guard = s->troops_patrol = s->troops_dist = 0;
    int foreign = 0;
    for (size_t c = 0; c < w->n_troops; c++) {
        const contingent *t = &w->troops[c];
        if (t->role != UNREST_ROLE_DISTRIBUTE) foreign = 1;
        if (!(t->sites >> i & 1u)) continue;
        if (t->role == UNREST_ROLE_GUARD) s->troops_guard += t->people;
        if (t->role == UNREST_ROLE_PATROL) s->troops_patrol += t->people;
        if (t->role == UNREST_ROLE_DISTRIBUTE) s->troops_dist += t->people;
    }

    /* hardship: the fuel shock (log2 of price over the usual price, at the site's dependence,
     * relieved by fuel distribution) and cold, scaled by poverty */
    double price = s->fuel_price < s->fuel_cap ? s->fuel_price : s->fuel_cap;
    double fuel = p->fuel_weight * ss->fuel_dependence * log2(price / ss->fuel_price);
    if (fuel < 0) fuel = 0;
    double coverage = clamp(s->troops_dist / (ss->population * 1e-3), 0, 1);
    fuel *= 1 - p->distribute_relief * coverage;
    /* people feel a price change as they refuel: exponential approach over fuel_lag_days */
    double keep = p->fuel_lag_days > 0 ? exp(-p->tick_hours / (24 * p->fuel_lag_days)) : 0;
    s->fuel_felt = fuel + (s->fuel_felt - fuel) * keep;
    fuel = s->fuel_felt;
    double temp = ss->temp_normal + s->temp_anomaly;
    double cold =
        p->cold_weight * fmax(0, p->comfort_temp - temp) / 10 * (1 + ss->heating_shortfall);
    double night = in_window(hour, 23, 7) ? p->night_share : 1;
    s->H = ss->poverty * (1 + fuel + cold) * night;

    /* legitimacy: national level and site offset, plus concessions and shocks, minus what
     * detentions, killings here and elsewhere, and foreign troops cost */
    double dead_else = dead_people - s->dead_total, pop_else = w->total_pop - s->population;
    double L = p->legitimacy + ss->legitimacy_offset + s->concessions + s->shocks;
    L -= p->arrest_erosion * 100 * s->detained_total / s->population;
    L -= p->kill_erosion * 1e5 * s->dead_total / s->population;
    if (pop_else > 0) L -= p->kill_national * p->kill_erosion * 1e5 * dead_else / pop_else;
    if (foreign) L -= p->foreign_erosion;
    s->L = clamp(L, 0, 1);

    /* threshold: news of activity elsewhere (media always, messaging when online) and an
     * opposition leadership lower it */
    double act_else = active_people - s->c.active * s->ppa;
    double share = pop_else > 0 ? act_else / pop_else : 0;
    double channel = p->media_share + (1 - p->media_share) * s->internet;
    double T = p->threshold - p->spread * channel * fmin(1, share / p->spread_saturation) -
               p->leadership_gain * s->leadership;
    s->T = clamp(T, 0, 1);

    /* arrest constant: curfew, emergency, fear of being shot */
    s->curfew = s->emergency && in_window(hour, s->curfew_from, s->curfew_to);
    double k = p->k * (s->curfew ? p->curfew_k : s->emergency ? p->emergency_k : 1);
    if (s->lethal > 0) k *= p->lethal_fear;
    s->k = k;

    /* vision: a blackout cuts local coordination too */
    s->v = p->citizen_vision * (p->blackout_vision + (1 - p->blackout_vision) * s->internet);

    /* cops: police on the street (guards at focal points excepted, those freed by foreign
     * guards added back), reinforcements, patrolling troops; leverage maps officers onto
     * agents */
    double guards = guards_of(ss);
    double freed = fmin(guards, s->troops_guard);
    s->police = police_base(w, i) * p->police_street - guards + freed + s->reinforce;
    if (s->police < 0) s->police = 0;
    double cop_agents = (s->police * p->leverage + s->troops_patrol * p->troop_leverage) / s->ppa;
    const unrest_params *q = unrest_model_params(s->m);
    double cells = (double)q->width * q->height;
    double room = cells - (double)(s->c.citizens - s->c.jailed) - 1;
    if (cop_agents > room) cop_agents = room;
    if (cop_agents < 0) cop_agents = 0;

    /* a cop agent stands for people_per_agent / leverage officers, each able to detain
     * arrest_rate people an hour; one arrest takes people_per_agent people */
    double lev = p->leverage > 0 ? p->leverage : 1;
    double prob = fmin(1, p->arrest_rate * p->tick_hours / lev);
    unrest_status st = unrest_model_set_legitimacy(s->m, s->L);
    if (st == UNREST_OK) st = set_real(s->m, "hardship_scale", q->hardship_scale, fmin(s->H, 100));
    if (st == UNREST_OK) st = set_real(s->m, "threshold", q->threshold, s->T);
    if (st == UNREST_OK) st = set_real(s->m, "k", q->k, fmin(s->k, 100));
    if (st == UNREST_OK) st = set_real(s->m, "arrest_prob", q->arrest_prob, prob);
    if (st == UNREST_OK) st = unrest_model_set_vision(s->m, s->v);
    if (st == UNREST_OK) st = unrest_model_set_cops(s->m, (uint32_t)floor(cop_agents + 0.5));
    if (st != UNREST_OK)
        snprintf(w->err, sizeof w->err, "site %s: %s", ss->name, unrest_model_error(s->m));
    return st;
}

/* Focal point f of site i after a tick: the crowd takes it when the active agents around it
 * outnumber its defenders (cops around it plus its guards, in agents) for capture_hours; the
 * state retakes it when they no longer do for as long. */
static void watch_focal(unrest_world *w, size_t i, size_t f, uint32_t need)
{
    const unrest_sc_params *p = &w->sc.p;
    const unrest_sc_site *ss = &w->sc.site[i];
    site *s = &w->s[i];
    uint32_t act, cops;
    unrest_model_count_near(s->m, s->fx[f], s->fy[f], s->fr[f], &act, &cops);
    double guards = ss->focal[f].guards;
    double tg = guards_of(ss);
    /* foreign guards split over the focal points like the site's own guards (evenly if none) */
    double share = tg > 0 ? guards / tg : 1.0 / (double)ss->n_focal;
    double defenders =
        cops + (guards * p->leverage + s->troops_guard * share * p->troop_leverage) / s->ppa;
    int crowd_wins = (double)act > defenders;
    if (crowd_wins != s->captured[f])
        s->hold[f]++;
    else
        s->hold[f] = 0;
    if (s->hold[f] >= need) {
        s->captured[f] = crowd_wins;
        s->hold[f] = 0;
        if (crowd_wins) {
            s->captured_at[f] = w->tick;
            s->fell[f] = 1;
            char label[UNREST_SC_LABEL];
            snprintf(label, sizeof label, "%s %s captured", ss->name, ss->focal[f].name);
            note_fired(w, label);
        } else {
            s->retaken_at[f] = w->tick;
            char label[UNREST_SC_LABEL];
            snprintf(label, sizeof label, "%s %s retaken", ss->name, ss->focal[f].name);
            note_fired(w, label);
        }
    }
}

unrest_status unrest_world_step(unrest_world *w)
{
    const unrest_sc_params *p = &w->sc.p;
    if (w->tick >= w->ticks) {
        snprintf(w->err, sizeof w->err, "the run is over (%lld ticks)", (long long)w->ticks);
        return UNREST_ESTATE;
    }
    int64_t t = w->tick;
    w->fired[0] = '\0';

    /* (1) troops leave, events fire */
    for (size_t c = 0; c < w->n_troops;) {
        if (w->troops[c].until >= 0 && w->troops[c].until <= t) {
            w->troops[c] = w->troops[--w->n_troops];
            note_fired(w, "foreign troops leave");
        } else {
            c++;
        }
    }
    for (size_t e = 0; e < w->sc.n_events; e++)
        if (w->sc.event[e].tick == t) {
            unrest_status st = apply_event(w, &w->sc.event[e]);
            if (st != UNREST_OK) return st;
        }
    double decay = pow(1 - p->concession_decay, p->tick_hours / 24.0);

    /* (2) drivers from the state after the previous tick */
    double active = 0, dead = 0;
    for (size_t i = 0; i < w->n; i++) {
        active += w->s[i].c.active * w->s[i].ppa;
        dead += w->s[i].dead_total;
    }
    double hour = local_hour(w, t);
    for (size_t i = 0; i < w->n; i++) {
        w->s[i].concessions *= decay;
        unrest_status st = drive_site(w, i, hour, active, dead);
        if (st != UNREST_OK) return st;
    }

    /* (3) step the lattices, side by side */
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(w->threads) reduction(| : failed)
    for (size_t i = 0; i < w->n; i++)
        failed |= unrest_model_step(w->s[i].m) != UNREST_OK;
    if (failed) {
        snprintf(w->err, sizeof w->err, "a lattice failed to step");
        return UNREST_ESTATE;
    }

    /* (4) observe */
    uint32_t need = (uint32_t)ceil(p->capture_hours / p->tick_hours);
    if (need < 1) need = 1;
    double nat_active = 0;
    for (size_t i = 0; i < w->n; i++) {
        site *s = &w->s[i];
        unrest_model_counts(s->m, &s->c);
        double arrested = s->c.arrests * s->ppa, killed = 0;
        if (s->lethal > 0 && arrested > 0) {
            gsl_rng_set(w->g, (unsigned long)mix64(w->seed ^ mix64((uint64_t)t << 8 ^ i)));
            killed = gsl_ran_binomial(w->g, s->lethal, (unsigned)llround(arrested));
        }
        s->arrests = arrested - killed;
        s->killed = killed;
        s->detained_total += arrested - killed;
        s->dead_total += killed;
        double act = s->c.active * s->ppa;
        if (act > s->peak_active) s->peak_active = act;
        nat_active += act;
        w->tick = t + 1; /* focal events are stamped with the tick just completed */
        for (size_t f = 0; f < w->sc.site[i].n_focal; f++)
            watch_focal(w, i, f, need);
        w->tick = t;
    }
    if (nat_active > w->peak_active) {
        w->peak_active = nat_active;
        w->peak_tick = t + 1;
    }
    double share = nat_active / w->total_pop;
    if (share >= p->end_share) {
        if (w->first_above < 0) w->first_above = t + 1;
        w->last_above = t + 1;
    }
    w->share[(size_t)t % w->share_len] = share;
    w->tick = t + 1;
    return UNREST_OK;
}

/* ---- reading ------------------------------------------------------------------------------ */

int64_t unrest_world_tick(const unrest_world *w)
{
    return w->tick;
}

int64_t unrest_world_ticks(const unrest_world *w)
{
    return w->ticks;
}

int64_t unrest_world_time(const unrest_world *w)
{
    return w->sc.p.start + (int64_t)llround((double)w->tick * w->sc.p.tick_hours * 3600);
}

const unrest_scenario *unrest_world_scenario(const unrest_world *w)
{
    return &w->sc;
}

size_t unrest_world_site_count(const unrest_world *w)
{
    return w->n;
}

const unrest_model *unrest_world_model(const unrest_world *w, size_t i)
{
    return i < w->n ? w->s[i].m : NULL;
}

const char *unrest_world_error(const unrest_world *w)
{
    return w ? w->err : "no world";
}

const char *unrest_world_fired(const unrest_world *w)
{
    return w->fired;
}

void unrest_world_site(const unrest_world *w, size_t i, unrest_site_state *o)
{
    memset(o, 0, sizeof *o);
    if (i >= w->n) return;
    const site *s = &w->s[i];
    const unrest_params *q = unrest_model_params(s->m);
    o->name = w->sc.site[i].name;
    o->width = q->width;
    o->height = q->height;
    o->agents = s->c.citizens;
    o->cop_agents = s->c.cops;
    o->active = s->c.active * s->ppa;
    o->jailed = s->c.jailed * s->ppa;
    o->arrests = s->arrests;
    o->killed = s->killed;
    o->detained_total = s->detained_total;
    o->dead_total = s->dead_total;
    o->participants = s->c.participants * s->ppa;
    o->peak_active = s->peak_active;
    o->legitimacy = s->L;
    o->hardship = s->H;
    o->threshold = s->T;
    o->k = s->k;
    o->fuel_price = s->fuel_price < s->fuel_cap ? s->fuel_price : s->fuel_cap;
    o->temperature = w->sc.site[i].temp_normal + s->temp_anomaly;
    o->internet = s->internet;
    o->police = s->police;
    o->troops = s->troops_guard + s->troops_patrol + s->troops_dist;
    o->emergency = s->emergency;
    o->curfew = s->curfew;
    o->lethal = s->lethal;
    o->n_focal = w->sc.site[i].n_focal;
    for (size_t f = 0; f < o->n_focal; f++) {
        o->captured[f] = s->captured[f];
        o->captured_at[f] = s->captured_at[f];
        o->retaken_at[f] = s->retaken_at[f];
    }
}

void unrest_world_outcomes(const unrest_world *w, unrest_outcomes *o)
{
    const unrest_sc_params *p = &w->sc.p;
    memset(o, 0, sizeof *o);
    o->peak_active = w->peak_active;
    o->peak_tick = w->peak_tick;
    double lsum = 0;
    int capital = 0;
    for (size_t i = 0; i < w->n; i++) {
        const site *s = &w->s[i];
        o->participants += s->c.participants * s->ppa;
        o->dead += s->dead_total;
        o->detained += s->detained_total;
        lsum += s->L * s->population;
        for (size_t f = 0; f < w->sc.site[i].n_focal; f++) {
            o->sites_captured += (uint32_t)s->fell[f];
            o->held_at_end += (uint32_t)s->captured[f];
            if (s->captured[f] && w->sc.site[i].capital) capital = 1;
        }
    }
    o->final_legitimacy = w->tick ? lsum / w->total_pop : p->legitimacy;
    if (w->first_above >= 0)
        o->duration_hours = (double)(w->last_above - w->first_above + 1) * p->tick_hours;
    /* the last end_hours of the run (or all of it, if shorter) */
    size_t n = w->tick < (int64_t)w->share_len ? (size_t)w->tick : w->share_len;
    double recent = 0;
    for (size_t j = 0; j < n; j++)
        recent = fmax(recent, w->share[j]);
    o->ended = n > 0 && (size_t)w->tick >= w->share_len && recent < p->end_share;
    if (capital)
        o->cls = UNREST_OUTCOME_CAPITAL;
    else if (!o->ended && recent >= p->protracted_share)
        o->cls = UNREST_OUTCOME_PROTRACTED;
    else if (o->dead >= p->suppressed_dead || o->detained >= p->suppressed_detained)
        o->cls = UNREST_OUTCOME_SUPPRESSED;
    else
        o->cls = UNREST_OUTCOME_SETTLED;
}
