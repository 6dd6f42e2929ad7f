/*
 * spread.c - spread between sites and local coordination (docs/MODEL.md II.6): news of
 * activity elsewhere (by media always, by messaging while the internet is up) lowers a site's
 * threshold T up to spread.strength once spread.saturation of the rest of the country is
 * active; a coordinating opposition leadership lowers it further; a blackout also shortens
 * citizens' vision (local coordination). Its keys: spread.*; the events internet, leadership.
 */
#include <math.h>

#include "world_int.h"

void spread_init(spread_state *s)
{
    s->internet = 1;
    s->leadership = 0;
}

void spread_on_event(spread_state *s, const unrest_sc_event *e)
{
    if (e->kind == UNREST_SC_INTERNET) s->internet = e->value;
    if (e->kind == UNREST_SC_LEADERSHIP) s->leadership = e->value;
}

/* Threshold T and citizen vision v of site i for the coming tick. */
void spread_drive(unrest_world *w, size_t i, const nation_now *n)
{
    const unrest_sc_params *p = &w->sc.p;
    site *s = &w->s[i];
    double pop_else = w->total_pop - s->population;
    double act_else = n->active - s->c.active * s->ppa;
    double share = pop_else > 0 ? act_else / pop_else : 0;
    double channel = p->media_share + (1 - p->media_share) * s->sp.internet;
    double T = p->threshold - p->spread * channel * fmin(1, share / p->spread_saturation) -
               p->leadership_gain * s->sp.leadership;
    s->T = world_clamp(T, 0, 1);
    s->v = p->citizen_vision * (p->blackout_vision + (1 - p->blackout_vision) * s->sp.internet);
}
