/*
 * anger.c - anger at the regime and the loss of fear (docs/MODEL.md II.6a). Anger A is a
 * grievance apart from hardship — at corruption and the ruling family, "Old man, out" — that
 * the crowd carries whatever the price of gas (Kim & Hanneman 2011 on grievance beyond material
 * hardship). It adds to the legitimacy deficit each person weighs, scaled by the person's own
 * disposition H_i: G_i = H_i * (h_s * (1 - L_s) + A_s), so that the angry are still a tail of
 * the distribution, not everyone (a uniform floor on G would raise whole cities at once). Each
 * site starts from anger.initial plus its own anger, and gains anger from violence seen
 * (civilian casualties per 100,000 people), which fades with a half-life of days. It enters the
 * lattice exactly as the hardship scale h_s + A_s / (1 - L_s): no change to the agent rule.
 * With anger.seen_hours the violence seen reaches anger through an exponential smoothing of that
 * time constant (the same total, later): the literature's channel counts what a person sees in
 * vision, and the news of it takes hours to cross a city (docs/MODEL.md II.6a).
 *
 * Fear (Kuran 1991; Makowsky & Rubin 2013; Lemos 2018 "massive fear loss"): quiet held by fear
 * breaks city-wide when the site's active share passes anger.fear_share, when the news carries
 * an active share of the rest of the country above anger.fear_news_share (a blackout narrows
 * the channel, as for spread), or when its police pull back; the perceived risk then falls by
 * anger.fear_loss, and fear comes back with a half-life only while the crowd stays below half
 * that share. With anger.hidden, anger is falsified preference (Kuran): it shows in grievance
 * only in proportion to the fear lost, so a city can be angry and quiet until fear breaks.
 * Keys: anger.*, the site key anger.
 */
#include <math.h>

#include "world_int.h"

/* Anger and fear of site i for the coming tick; after spread_drive, before force_drive.
 * heard: the active share of the rest of the country as the news carries it. */
void anger_drive(unrest_world *w, size_t i, double heard)
{
    const unrest_sc_params *p = &w->sc.p;
    const unrest_sc_site *ss = &w->sc.site[i];
    site *s = &w->s[i];
    anger_state *a = &s->an;

    /* fear breaks when the crowd is large, the news of the country is, or the police have gone */
    double active_share = site_street(s, p) / s->population;
    if (active_share >= p->fear_share || heard >= p->fear_news_share || s->ly.withdrawn)
        a->fear = 1;
    else if (active_share < p->fear_share / 2)
        a->fear *= pow(0.5, p->tick_hours / (24 * p->fear_half_life));

    /* violence seen in the last tick: civilian casualties per 100,000 people */
    double seen = 1e5 * s->vi.civ_casualties / s->population;
    if (p->seen_hours > 0) /* it is heard of with a lag: exponential smoothing, area kept */
        seen = world_lag(&a->seen, seen, p->seen_hours, p->tick_hours);
    a->gained *= pow(0.5, p->tick_hours / (24 * p->anger_half_life));
    a->gained += p->anger_gain * seen;
    double latent = p->anger + ss->anger;
    if (p->anger_hidden) latent *= a->fear;
    a->A = world_clamp(latent + a->gained, 0, 1);
    if (a->A > 0) s->H += a->A / fmax(1 - s->L, 1e-6); /* the lattice caps the scale at 100 */
}
