/*
 * force.c - the state's force (docs/MODEL.md II.7-II.8): police on the street (the site's
 * police less the guards at its focal points, plus those foreign guards free, reinforcements
 * and patrolling troops) become cop agents through leverage; curfew hours, a state of
 * emergency and a lethal-force order raise the arrest constant; arrests become detained people
 * and, under a lethal-force order, dead (a keyed binomial draw per site and tick). Its keys:
 * force.* but troop_leverage and capture_hours, the site key police_per_100k; the events
 * emergency, reinforce, lethal.
 */
#include <gsl/gsl_randist.h>
#include <math.h>

#include "world_int.h"

/* share: this site's part of the people an event sends (world.c: by population) */
void force_on_event(force_state *f, const unrest_sc_event *e, double share)
{
    switch (e->kind) {
    case UNREST_SC_EMERGENCY:
        f->emergency = e->value != 0;
        f->curfew_from = e->curfew_from;
        f->curfew_to = e->curfew_to;
        break;
    case UNREST_SC_REINFORCE:
        f->reinforce += e->people * share;
        if (f->reinforce < 0) f->reinforce = 0;
        break;
    case UNREST_SC_LETHAL:
        f->lethal = e->value;
        break;
    default:
        break;
    }
}

/* Police of site i, people (its own rate or the national one). */
double force_police_base(const unrest_world *w, size_t i)
{
    const unrest_sc_site *ss = &w->sc.site[i];
    double per = ss->police_per_100k >= 0 ? ss->police_per_100k : w->sc.p.police_per_100k;
    return ss->population * per / 1e5;
}

/* Police of site i on the street when not withdrawn, people: its shift less the guards at its
 * focal points, those freed by foreign guards added back, and reinforcements. */
double force_street(const unrest_world *w, size_t i)
{
    const unrest_sc_params *p = &w->sc.p;
    const site *s = &w->s[i];
    double guards = focal_guards(&w->sc.site[i]);
    double freed = fmin(guards, s->tr.guard);
    double police = force_police_base(w, i) * p->police_street - guards + freed + s->fs.reinforce;
    return police > 0 ? police : 0;
}

/* Arrest constant k, police on the street, cop agents and arrest capacity of site i. */
void force_drive(unrest_world *w, size_t i, const nation_now *n)
{
    const unrest_sc_params *p = &w->sc.p;
    site *s = &w->s[i];
    force_state *f = &s->fs;

    /* arrest constant: curfew, emergency, fear of being shot */
    f->curfew = f->emergency && world_in_window(n->hour, f->curfew_from, f->curfew_to);
    double k = p->k * (f->curfew ? p->curfew_k : f->emergency ? p->emergency_k : 1);
    if (f->lethal > 0) k *= p->lethal_fear;
    /* fear broken (anger.c), a concession read as weakness (legitimacy.c) */
    k *= 1 - p->fear_loss * s->an.fear;
    if (w->tick < s->ls.signal_until) k *= 1 - s->ls.signal;
    s->k = k;

    /* cops: police on the street (guards at focal points excepted, those freed by foreign
     * guards added back), reinforcements, patrolling troops; leverage maps officers onto
     * agents */
    f->police = s->ly.withdrawn ? 0 : force_street(w, i); /* withdrawn: off the streets */
    double cop_agents = (f->police * p->leverage + s->tr.patrol * p->troop_leverage) / s->ppa;
    const unrest_params *q = unrest_model_params(s->m);
    double cells = (double)q->width * q->height;
    double room = cells - (double)(s->c.citizens - s->c.jailed) - 1;
    if (cop_agents > room) cop_agents = room;
    if (cop_agents < 0) cop_agents = 0;
    s->cops = (uint32_t)floor(cop_agents + 0.5);

    /* a cop agent stands for people_per_agent / leverage officers, each able to detain
     * arrest_rate people an hour; one arrest takes people_per_agent people */
    double lev = p->leverage > 0 ? p->leverage : 1;
    s->arrest_prob = fmin(1, p->arrest_rate * p->tick_hours / lev);
    if (p->shirk_below > 0 && s->ly.will < p->shirk_below) /* shirking (loyalty.c) */
        s->arrest_prob *= s->ly.will / p->shirk_below;
}

/* After tick t: site i's arrests become detained people and, under a lethal-force order, dead. */
void force_observe(unrest_world *w, size_t i, int64_t t)
{
    site *s = &w->s[i];
    force_state *f = &s->fs;
    double arrested = s->c.arrests * s->ppa, killed = 0;
    if (f->lethal > 0 && arrested > 0) {
        gsl_rng_set(w->g, (unsigned long)world_mix64(w->seed ^ world_mix64((uint64_t)t << 8 ^ i)));
        killed = gsl_ran_binomial(w->g, f->lethal, (unsigned)llround(arrested));
    }
    f->arrests = arrested - killed;
    f->killed = killed;
    f->detained_total += arrested - killed;
    f->dead_total += killed;
}
