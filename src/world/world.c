/*
 * world.c - a running scenario: one Epstein lattice per site, driven tick by tick by the
 * scenario's timeline and by site state computed from real units (prices, temperatures,
 * police, troops, deaths), and observed back in people. This file keeps the clock and the
 * order of the steps; each mechanism is a file of its own (world_int.h lists them), and the
 * order below follows docs/MODEL.md Part II section by section.
 *
 * Each tick: (1) troops whose time is up leave and the events due fire, each mechanism taking
 * what it owns of them; (2) each site's drivers for the coming tick, from the state after the
 * last tick, mechanism by mechanism: troops present (II.9), hardship (II.4), legitimacy (II.5),
 * threshold and vision (II.6), arrest constant and cops (II.7); (3) step every lattice (sites are
 * independent within a tick, so they run side by side with the same result for any thread
 * count); (4) observe: arrests become detained and dead people (II.8), focal points fall and are
 * retaken (II.10), national series and outcomes (II.11).
 */
#define _POSIX_C_SOURCE 200809L

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "model_mirror.h"
#include "world_int.h"

void unrest_format_time(int64_t t, int32_t utc_offset_min, char *buf, size_t n)
{
    time_t lt = (time_t)(t + (int64_t)utc_offset_min * 60);
    struct tm tmv;
    gmtime_r(&lt, &tmv);
    strftime(buf, n, "%Y-%m-%d %H:%M", &tmv);
}

double world_clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

double world_lag(double *s, double x, double hours, double tick_hours)
{
    *s += (1 - exp(-tick_hours / hours)) * (x - *s);
    return *s;
}

/* SplitMix64 finaliser: mixes (seed, site, tick) into a GSL seed. */
uint64_t world_mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void world_note_fired(unrest_world *w, const char *label)
{
    size_t used = strlen(w->fired), l = strlen(label);
    if (used + l + 2 > sizeof w->fired) return;
    memcpy(w->fired + used, label, l);
    w->fired[used + l] = '\n';
    w->fired[used + l + 1] = '\0';
}

int world_in_window(double h, double from, double to)
{
    return from <= to ? h >= from && h < to : h >= from || h < to;
}

/* ---- create / destroy --------------------------------------------------------------------- */

/* Citizen agents of a site of `population` people: one per people_per_agent, at least one, and
 * at least min_agents where the site has that many people (docs/MODEL.md II.2, "Lattice of a
 * site": a lattice much wider than the vision). */
double world_site_agents(const unrest_sc_params *p, double population)
{
    double agents = floor(population / p->people_per_agent + 0.5);
    if (agents < p->min_agents) agents = fmin((double)p->min_agents, floor(population));
    return agents < 1 ? 1 : agents;
}

/* Lattice side for a site: room for its agents at the citizen density, at least big enough for
 * the vision neighbourhoods to fit the torus. */
static uint32_t side_for(double agents, const unrest_sc_params *p)
{
    double v = p->citizen_vision > p->cop_vision ? p->citizen_vision : p->cop_vision;
    uint32_t side = (uint32_t)ceil(sqrt(agents / p->citizen_density));
    uint32_t min = 2 * (uint32_t)ceil(v) + 3;
    return side < min ? min : side;
}

/* What a process sends of each site it owns after a tick: what the world reads of a lattice. */
typedef struct site_obs {
    unrest_counts c;                      /* unrest_model_counts */
    uint32_t ac[2 * UNREST_SC_MAX_FOCAL]; /* actives and cops near each focal point */
} site_obs;

unrest_status unrest_world_create(unrest_world **out, const unrest_scenario *sc, uint64_t seed,
                                  char *err, size_t errlen)
{
    return unrest_world_create_part(out, sc, seed, NULL, NULL, NULL, err, errlen);
}

unrest_status unrest_world_create_part(unrest_world **out, const unrest_scenario *sc, uint64_t seed,
                                       const unsigned char *owned,
                                       unrest_world_exchange_fn exchange, void *user, char *err,
                                       size_t errlen)
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
    if (owned) {
        w->exchange = exchange;
        w->exchange_user = user;
        if (!(w->obs = calloc(w->n ? w->n : 1, sizeof(site_obs)))) goto nomem;
    }
    w->peak_tick = -1;
    w->first_above = w->last_above = -1;
    w->fell_at = w->civil_war_at = -1;

    for (size_t i = 0; i < w->n; i++) {
        const unrest_sc_site *ss = &w->sc.site[i];
        site *s = &w->s[i];
        double agents = world_site_agents(p, ss->population);
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
        q.legitimacy = world_clamp(p->legitimacy + ss->legitimacy_offset, 0, 1);
        q.outburst_threshold = 0;
        q.hardship_tail = p->hardship_tail;
        q.hardship_sigma = p->hardship_sigma;
        /* a bloc of bloc_people people, at this site's people per agent */
        double bloc = p->bloc_people / (ss->population / agents);
        q.bloc = bloc > 1 ? (uint32_t)fmin(floor(bloc + 0.5), 1e9) : 1;
        q.bloc_scatter = p->bloc_scatter;
        fatigue_params(p, &q); /* the crowd goes home (fatigue.c) */
        /* relocation (MODEL.md II.2): the chance an hour, as a chance a tick */
        q.relocate = 1 - pow(1 - p->relocate, p->tick_hours);
        char merr[256];
        /* each site draws from its own key: the run seed mixed with the site's index */
        if (owned && !owned[i]) /* another process steps it */
            st = model_mirror_create(&s->m, &q, merr, sizeof merr);
        else
            st = unrest_model_create(&s->m, &q, world_mix64(seed ^ world_mix64(i + 1)), merr,
                                     sizeof merr);
        if (st != UNREST_OK) {
            if (err) snprintf(err, errlen, "site %s: %s", ss->name, merr);
            unrest_world_destroy(w);
            return st;
        }
        unrest_model_counts(s->m, &s->c);
        s->ppa = ss->population / (double)s->c.citizens;
        s->population = ss->population;
        hardship_init(&s->hs, ss);
        spread_init(&s->sp);
        loyalty_init(&s->ly);
        posts_init(&s->fo);
        /* before the first tick the site reads the values its lattice starts from */
        s->L = q.legitimacy;
        s->T = q.threshold;
        s->k = q.k;
        s->v = q.citizen_vision;
        uint32_t xy[2 * UNREST_SC_MAX_FOCAL];
        focal_init(s, ss, p, side, xy);
        if (ss->n_focal && (p->focal_pull > 0 || p->focal_jump > 0) && !model_is_mirror(s->m)) {
            unrest_model_set_focus(s->m, xy, ss->n_focal, p->focal_pull);
            /* gathering: the chance an hour, as a chance a tick */
            double jump = 1 - pow(1 - p->focal_jump, p->tick_hours);
            st = unrest_model_set_gather(s->m, s->fo.fr, ss->n_focal, jump);
            if (st == UNREST_OK) st = focal_targets(w, i);
            if (st != UNREST_OK) {
                if (err) snprintf(err, errlen, "site %s: %s", ss->name, unrest_model_error(s->m));
                unrest_world_destroy(w);
                return st;
            }
        }
        w->total_pop += ss->population;
    }
    if (spread_weights(w) != UNREST_OK) goto nomem;
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
    free(w->near);
    free(w->obs);
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

/* Apply one timeline entry: each mechanism takes what it owns of it at the sites it names. */
static unrest_status apply_event(unrest_world *w, const unrest_sc_event *e)
{
    size_t nsites = popcount64(e->sites & (w->n >= 64 ? ~0ull : (1ull << w->n) - 1));
    unrest_status st = troops_on_event(w, e, nsites);
    if (st != UNREST_OK) return st;
    double pressure = legitimacy_pressure(w);
    double named = 0; /* people of the sites it names: what it sends is split by population */
    for (size_t i = 0; i < w->n; i++)
        if (e->sites >> i & 1u) named += w->s[i].population;
    for (size_t i = 0; i < w->n; i++) {
        if (!(e->sites >> i & 1u)) continue;
        site *s = &w->s[i];
        double share = named > 0 ? s->population / named : 0;
        hardship_on_event(&s->hs, e);
        legitimacy_on_event(w, i, e, pressure);
        spread_on_event(&s->sp, e);
        loyalty_on_event(w, i, e, share, pressure);
        posts_on_event(s, &w->sc.site[i], e);
        force_on_event(&s->fs, e, share);
        arms_on_event(w, i, e);
        recognition_on_event(w, i, e);
    }
    world_note_fired(w, e->label[0] ? e->label : unrest_sc_kind_name(e->kind));
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

/* Set a real runtime parameter of m to v unless it already has that value (now: its value). */
static unrest_status set_real(unrest_model *m, const char *name, double now, double v)
{
    if (now == v) return UNREST_OK;
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", v);
    return unrest_model_set(m, name, buf);
}

/* Site i's drivers for the coming tick, mechanism by mechanism (docs/MODEL.md II.4-II.9),
 * pushed into its lattice. */
static unrest_status drive_site(unrest_world *w, size_t i, const nation_now *n)
{
    site *s = &w->s[i];
    troops_drive(w, i);
    hardship_drive(w, i, n);
    legitimacy_drive(w, i, n);
    spread_drive(w, i, n);
    loyalty_drive(w, i);
    anger_drive(w, i, w->s[i].sp.heard);
    force_drive(w, i, n);

    if (model_is_mirror(s->m)) return UNREST_OK; /* its owner pushes the drivers */
    const unrest_params *q = unrest_model_params(s->m);
    unrest_status st = unrest_model_set_legitimacy(s->m, s->L);
    if (st == UNREST_OK) st = set_real(s->m, "hardship_scale", q->hardship_scale, fmin(s->H, 100));
    if (st == UNREST_OK) st = set_real(s->m, "threshold", q->threshold, s->T);
    if (st == UNREST_OK) st = set_real(s->m, "k", q->k, fmin(s->k, 100));
    if (st == UNREST_OK) st = set_real(s->m, "arrest_prob", q->arrest_prob, s->arrest_prob);
    if (st == UNREST_OK) st = unrest_model_set_vision(s->m, s->v);
    if (st == UNREST_OK) st = unrest_model_set_cops(s->m, s->cops);
    if (st != UNREST_OK)
        snprintf(w->err, sizeof w->err, "site %s: %s", w->sc.site[i].name,
                 unrest_model_error(s->m));
    return st;
}

/* A partitioned run after stepping: send what the world reads of the lattices this process
 * owns, and set the mirrors from what their owners sent. */
static unrest_status world_exchange(unrest_world *w)
{
    site_obs *o = w->obs;
    for (size_t i = 0; i < w->n; i++) {
        site *s = &w->s[i];
        if (model_is_mirror(s->m)) continue;
        memset(&o[i], 0, sizeof o[i]);
        unrest_model_counts(s->m, &o[i].c);
        for (size_t f = 0; f < w->sc.site[i].n_focal && f < UNREST_SC_MAX_FOCAL; f++)
            unrest_model_count_near(s->m, s->fo.fx[f], s->fo.fy[f], s->fo.fr[f], &o[i].ac[2 * f],
                                    &o[i].ac[2 * f + 1]);
    }
    unrest_status st = w->exchange(w->exchange_user, o, sizeof *o, w->n);
    if (st != UNREST_OK) {
        snprintf(w->err, sizeof w->err, "exchanging the sites' observations failed");
        return st;
    }
    for (size_t i = 0; i < w->n; i++) {
        site *s = &w->s[i];
        if (!model_is_mirror(s->m)) continue;
        uint32_t xyr[3 * UNREST_SC_MAX_FOCAL];
        size_t nf = w->sc.site[i].n_focal < UNREST_SC_MAX_FOCAL ? w->sc.site[i].n_focal
                                                                : UNREST_SC_MAX_FOCAL;
        for (size_t f = 0; f < nf; f++) {
            xyr[3 * f] = s->fo.fx[f];
            xyr[3 * f + 1] = s->fo.fy[f];
            xyr[3 * f + 2] = s->fo.fr[f];
        }
        model_mirror_set(s->m, &o[i].c, nf, xyr, o[i].ac);
    }
    return UNREST_OK;
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
    troops_leave(w, t);
    for (size_t e = 0; e < w->sc.n_events; e++)
        if (w->sc.event[e].when ? triggers_due(w, e, t) : w->sc.event[e].tick == t) {
            unrest_status st = apply_event(w, &w->sc.event[e]);
            if (st != UNREST_OK) return st;
        }

    /* (2) drivers from the state after the previous tick */
    nation_now now = {local_hour(w, t), 0, 0};
    for (size_t i = 0; i < w->n; i++) {
        now.active += site_street(&w->s[i], p);
        now.dead += w->s[i].fs.dead_total;
    }
    for (size_t i = 0; i < w->n; i++) {
        unrest_status st = drive_site(w, i, &now);
        if (st != UNREST_OK) return st;
    }

    /* (3) step the lattices, side by side */
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(w->threads) reduction(| : failed)
    for (size_t i = 0; i < w->n; i++)
        failed |= !model_is_mirror(w->s[i].m) && unrest_model_step(w->s[i].m) != UNREST_OK;
    if (failed) {
        snprintf(w->err, sizeof w->err, "a lattice failed to step");
        return UNREST_ESTATE;
    }
    if (w->exchange) {
        unrest_status st = world_exchange(w);
        if (st != UNREST_OK) return st;
    }

    /* (4) observe */
    uint32_t need = focal_need(p);
    double nat_active = 0;
    for (size_t i = 0; i < w->n; i++) {
        site *s = &w->s[i];
        unrest_model_counts(s->m, &s->c);
        force_observe(w, i, t);
        violence_observe(w, i, t);
        arms_observe(w, i, t);
        double act = site_street(s, p);
        if (act > s->peak_active) s->peak_active = act;
        nat_active += act;
        w->tick = t + 1; /* focal events are stamped with the tick just completed */
        focal_observe(w, i, need);
        w->tick = t;
    }
    revolution_observe(w, t);
    outcomes_observe(w, t, nat_active);
    w->tick = t + 1;
    return UNREST_OK;
}

void unrest_world_partition(const unrest_scenario *sc, unsigned parts, unsigned *owner)
{
    double load[UNREST_SC_MAX_SITES] = {0};
    unsigned char done[UNREST_SC_MAX_SITES] = {0};
    if (parts == 0) parts = 1;
    if (parts > UNREST_SC_MAX_SITES) parts = UNREST_SC_MAX_SITES;
    for (size_t k = 0; k < sc->n_sites; k++) {
        size_t big = sc->n_sites; /* the largest site not yet placed (first of equals) */
        double bw = -1;
        for (size_t i = 0; i < sc->n_sites; i++) {
            double a = world_site_agents(&sc->p, sc->site[i].population);
            if (!done[i] && a > bw) {
                bw = a;
                big = i;
            }
        }
        unsigned best = 0;
        for (unsigned r = 1; r < parts; r++)
            if (load[r] < load[best]) best = r;
        owner[big] = best;
        load[best] += bw < 1 ? 1 : bw;
        done[big] = 1;
    }
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
    o->active = site_street(s, &w->sc.p);
    o->jailed = s->c.jailed * s->ppa;
    o->arrests = s->fs.arrests;
    o->killed = s->fs.killed;
    o->detained_total = s->fs.detained_total;
    o->dead_total = s->fs.dead_total;
    o->participants = s->c.participants * s->ppa;
    o->peak_active = s->peak_active;
    o->legitimacy = s->L;
    o->hardship = s->H;
    o->threshold = s->T;
    o->k = s->k;
    o->fuel_price = s->hs.fuel_price < s->hs.fuel_cap ? s->hs.fuel_price : s->hs.fuel_cap;
    o->temperature = w->sc.site[i].temp_normal + s->hs.temp_anomaly;
    o->internet = s->sp.internet;
    o->police = s->fs.police;
    o->troops = s->tr.guard + s->tr.patrol + s->tr.dist;
    o->emergency = s->fs.emergency;
    o->curfew = s->fs.curfew;
    o->lethal = s->fs.lethal;
    o->violent = s->vi.violent;
    o->anger = s->an.A;
    o->fear_lost = s->an.fear;
    o->will = s->ly.will;
    o->withdrawn = s->ly.withdrawn;
    o->security_dead_total = s->vi.security_dead;
    o->security_injured_total = s->vi.security_injured;
    o->injured_total = s->vi.injured;
    o->n_focal = w->sc.site[i].n_focal;
    for (size_t f = 0; f < o->n_focal; f++) {
        o->captured[f] = s->fo.captured[f];
        o->captured_at[f] = s->fo.captured_at[f];
        o->first_captured_at[f] = s->fo.first_at[f];
        o->retaken_at[f] = s->fo.retaken_at[f];
    }
}
