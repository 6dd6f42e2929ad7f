/*
 * revolution.c - when a revolt becomes a revolution (docs/MODEL.md II.12a): the regime falls when
 * the crowd holds the seats of power — revolution.seats of the focal points of the capital (or,
 * with revolution.largest_city, of the largest city), or the city itself held by armed rebels
 * (arms.c) — for revolution.hold_hours in a row while the forces there no longer defend them
 * (withdrawn, or will below revolution.will; loyalty.c). A new government then takes over: every
 * site's legitimacy is moved to revolution.new_legitimacy (as a shock, so that concessions, force
 * and foreign troops move it from there as they moved the old one's) and the forces, now the new
 * government's, are loyal again. Off at revolution.hold_hours = 0. It also keeps the record of
 * foreign presence that the outcome classes read (the most government-side foreign troops at
 * once).
 */
#include <math.h>

#include "world_int.h"

/* The site whose focal points are the seats of power. */
size_t revolution_seat(const unrest_world *w)
{
    size_t best = 0;
    for (size_t i = 0; i < w->n; i++) {
        if (!w->sc.p.rev_largest && w->sc.site[i].capital) return i;
        if (w->sc.site[i].population > w->sc.site[best].population) best = i;
    }
    return best;
}

/* After tick t, every site observed. */
void revolution_observe(unrest_world *w, int64_t t)
{
    const unrest_sc_params *p = &w->sc.p;
    double gov = 0;
    for (size_t i = 0; i < w->n; i++)
        gov += w->s[i].tr.guard + w->s[i].tr.patrol;
    if (gov > w->gov_foreign_max) w->gov_foreign_max = gov;
    if (p->rev_hold_hours <= 0 || w->fell_at >= 0) return;
    size_t i = revolution_seat(w);
    const site *s = &w->s[i];
    size_t nf = w->sc.site[i].n_focal, held = 0;
    for (size_t f = 0; f < nf; f++)
        held += s->fo.captured[f] != 0;
    int seats = (nf && (double)held >= p->rev_seats * (double)nf - 1e-9) || s->ar.held;
    int undefended = s->ly.withdrawn || s->ly.will < p->rev_will || s->ar.held;
    w->seat_hours = seats && undefended ? w->seat_hours + p->tick_hours : 0;
    if (w->seat_hours < p->rev_hold_hours - 1e-9) return;
    w->fell_at = t + 1;
    world_note_fired(w, "the regime falls");
    for (size_t j = 0; j < w->n; j++) {
        site *o = &w->s[j];
        o->ls.shocks += p->rev_legitimacy - o->L;
        o->ly.will = 1;
        o->ly.withdrawn = 0;
        posts_init(&o->fo); /* and the guards of its buildings (posts.c) */
    }
}
