/*
 * anger.c - anger at the regime and the loss of fear (docs/MODEL.md II.6a). Anger A is a
 * grievance apart from hardship — at corruption and the ruling family, "Old man, out" — that
 * the crowd carries whatever the price of gas: G = 1 - (1 - H(1-L))(1 - A) (the anger channel of
 * the literature digest, after Kim & Hanneman 2011 on grievance beyond hardship). Each site
 * starts from anger.initial plus its own anger, and gains anger from violence seen (civilian
 * casualties per 100,000 people), which fades with a half-life of days. Since
 * G - N > T  <=>  H(1-L)(1-A) - N > T - A, anger enters the lattice as a hardship scale times
 * (1 - A) and a threshold lowered by A: exact, no change to the agent rule.
 *
 * Fear (Kuran 1991; Makowsky & Rubin 2013; Lemos 2018 "massive fear loss"): quiet held by fear
 * breaks city-wide when the site's active share passes anger.fear_share or its police pull
 * back; the perceived risk then falls by anger.fear_loss, and comes back with a half-life only
 * while the crowd stays below half that share. Keys: anger.*, the site key anger.
 */
#include <math.h>

#include "world_int.h"

/* Anger and fear of site i for the coming tick; after spread_drive, before force_drive. */
void anger_drive(unrest_world *w, size_t i)
{
    const unrest_sc_params *p = &w->sc.p;
    const unrest_sc_site *ss = &w->sc.site[i];
    site *s = &w->s[i];
    anger_state *a = &s->an;

    /* violence seen in the last tick: civilian casualties per 100,000 people */
    double seen = 1e5 * s->vi.civ_casualties / s->population;
    a->gained *= pow(0.5, p->tick_hours / (24 * p->anger_half_life));
    a->gained += p->anger_gain * seen;
    a->A = world_clamp(p->anger + ss->anger + a->gained, 0, 1);
    s->H *= 1 - a->A;
    s->T = world_clamp(s->T - a->A, -1, 1);

    /* fear breaks when the crowd is large or the police have gone */
    double active_share = s->c.active * s->ppa / s->population;
    if (active_share >= p->fear_share || s->ly.withdrawn)
        a->fear = 1;
    else if (active_share < p->fear_share / 2)
        a->fear *= pow(0.5, p->tick_hours / (24 * p->fear_half_life));
}
