/*
 * spread.c - spread between sites and local coordination (docs/MODEL.md II.6): news of
 * activity elsewhere (by media always, by messaging while the internet is up) lowers a site's
 * threshold T up to spread.strength once spread.saturation of the rest of the country is
 * active; a coordinating opposition leadership lowers it further; a blackout also shortens
 * citizens' vision (local coordination). With spread.distance_km > 0, activity elsewhere is
 * weighted by nearness: each other site's active people count (1 - proximity_share) +
 * proximity_share * exp(-distance / distance_km) times (Bonnasse-Gahot et al. 2018: proximity
 * dominated media in the 2005 French riots); a large crowd near counts most. With
 * spread.news_hours > 0 the news follows activity elsewhere with a lag: the share it carries is
 * smoothed exponentially with that time constant (the literature digest's u_s "smoothed over
 * 6-24 h" and its news delay; Lohmann 1994: a protest informs others by lasting), so a crowd that
 * flares for an hour is news for less than one that holds a day. Its keys: spread.*, the site
 * keys lat and lon; the events internet, leadership.
 */
#include <math.h>
#include <stdlib.h>

#include "world_int.h"

void spread_init(spread_state *s)
{
    s->internet = 1;
    s->leadership = 0;
    s->news = 0;
}

void spread_on_event(spread_state *s, const unrest_sc_event *e)
{
    if (e->kind == UNREST_SC_INTERNET) s->internet = e->value;
    if (e->kind == UNREST_SC_LEADERSHIP) s->leadership = e->value;
}

/* Great-circle distance in km between two sites (haversine, mean Earth radius). */
static double distance_km(const unrest_sc_site *a, const unrest_sc_site *b)
{
    const double rad = 3.14159265358979323846 / 180;
    double dlat = (b->lat - a->lat) * rad, dlon = (b->lon - a->lon) * rad;
    double h = sin(dlat / 2) * sin(dlat / 2) +
               cos(a->lat * rad) * cos(b->lat * rad) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * 6371.0 * asin(fmin(1, sqrt(h)));
}

unrest_status spread_weights(unrest_world *w)
{
    const unrest_sc_params *p = &w->sc.p;
    if (!(p->distance_km > 0)) return UNREST_OK;
    w->near = malloc(w->n * w->n * sizeof *w->near);
    if (!w->near) return UNREST_ENOMEM;
    for (size_t i = 0; i < w->n; i++)
        for (size_t j = 0; j < w->n; j++)
            w->near[i * w->n + j] =
                i == j ? 0
                       : 1 - p->proximity_share +
                             p->proximity_share *
                                 exp(-distance_km(&w->sc.site[i], &w->sc.site[j]) / p->distance_km);
    return UNREST_OK;
}

/* Active share of the rest of the country as site i hears of it: with proximity, each other
 * site's active people weighted by nearness, over all the people elsewhere (so that a far crowd
 * counts for less, not merely for a smaller share of the weights). */
static double share_elsewhere(const unrest_world *w, size_t i, const nation_now *n)
{
    const site *s = &w->s[i];
    if (!w->near) {
        double pop_else = w->total_pop - s->population;
        double act_else = n->active - site_street(s, &w->sc.p);
        return pop_else > 0 ? act_else / pop_else : 0;
    }
    double act = 0, pop = 0;
    for (size_t j = 0; j < w->n; j++) {
        if (j == i) continue;
        act += w->near[i * w->n + j] * site_street(&w->s[j], &w->sc.p);
        pop += w->s[j].population;
    }
    return pop > 0 ? act / pop : 0;
}

/* Threshold T and citizen vision v of site i for the coming tick. */
void spread_drive(unrest_world *w, size_t i, const nation_now *n)
{
    const unrest_sc_params *p = &w->sc.p;
    site *s = &w->s[i];
    double share = share_elsewhere(w, i, n);
    if (p->news_hours > 0) /* the news lags: exponential smoothing, time constant news_hours */
        share = world_lag(&s->sp.news, share, p->news_hours, p->tick_hours);
    double channel = p->media_share + (1 - p->media_share) * s->sp.internet;
    s->sp.heard = share * channel; /* read by anger.c: what the news says of the country */
    double T = p->threshold - p->spread * channel * fmin(1, share / p->spread_saturation) -
               p->leadership_gain * s->sp.leadership;
    s->T = world_clamp(T, 0, 1);
    s->v = p->citizen_vision * (p->blackout_vision + (1 - p->blackout_vision) * s->sp.internet);
}
