/*
 * posts.c - the defence of each building (docs/MODEL.md II.10b). With posts.erosion > 0 the
 * guards of every focal point have a will of their own, apart from the city's police (loyalty.c):
 * it falls while the crowd at their building outnumbers them — attackers per defender there above
 * posts.outnumber — by posts.erosion an hour per factor of ten (log10 of the ratio, at most 3),
 * by posts.alone once when the city's police withdraw (they are on their own now), and by an
 * elite split; it comes back at loyalty.recovery while they are not outnumbered. Below
 * loyalty.withdraw_below they abandon the building, until their will is 0.1 above that line
 * again. So buildings are given up one by one, each when its own crowd has worn its own guards
 * down, not all together in the hour a city's police pull back. With posts.erosion = 0 (the
 * key-table default) the guards leave with the police, as before. Sources: units decide to
 * stay or go by what they face where they stand (McLauchlin 2010 on loyalty strategies; Lee 2015,
 * "Defect or Defend"; Dahl, Rivera Celestino & Gates 2025 on withdrawal under mass protest); the
 * record of Almaty on 5 January (city hall in the afternoon after the police left the square,
 * the airport at night "after the military guard had left"). The form and values are
 * assumptions or calibrated. Keys: posts.*, loyalty.recovery, loyalty.withdraw_below.
 */
#include <math.h>
#include <stdio.h>

#include "world_int.h"

void posts_init(focal_state *fo)
{
    for (size_t f = 0; f < UNREST_SC_MAX_FOCAL; f++) {
        fo->will[f] = 1;
        fo->abandoned[f] = 0;
    }
}

int posts_on(const unrest_sc_params *p)
{
    return p->post_erosion > 0;
}

/* Are focal point f's own guards at their post? */
int posts_manned(const site *s, const unrest_sc_params *p, size_t f)
{
    return posts_on(p) ? !s->fo.abandoned[f] : !s->ly.withdrawn;
}

/* People guarding site i's focal points now (those at their posts). */
double posts_guards(const unrest_world *w, size_t i)
{
    const unrest_sc_site *ss = &w->sc.site[i];
    const site *s = &w->s[i];
    double g = 0;
    for (size_t f = 0; f < ss->n_focal; f++)
        if (posts_manned(s, &w->sc.p, f)) g += ss->focal[f].guards;
    return g;
}

/* Every building's guards at the site lose cut of their will (an elite split, a concession read
 * as weakness: loyalty.c). */
void posts_cut(site *s, const unrest_sc_site *ss, double cut)
{
    for (size_t f = 0; f < ss->n_focal; f++)
        s->fo.will[f] = world_clamp(s->fo.will[f] - cut, 0, 1);
}

void posts_on_event(site *s, const unrest_sc_site *ss, const unrest_sc_event *e)
{
    if (e->kind == UNREST_SC_ELITE_SPLIT) posts_cut(s, ss, e->value);
}

/* After focal point f of site i was watched: attackers (people, weighted as in an attack) against
 * the defenders there (people). Changes the guards' will and whether they stay. */
void posts_update(unrest_world *w, size_t i, size_t f, double attackers, double defenders)
{
    const unrest_sc_params *p = &w->sc.p;
    site *s = &w->s[i];
    focal_state *fo = &s->fo;
    if (!posts_on(p) || w->sc.site[i].focal[f].guards <= 0) return;
    double will = fo->will[f];
    if (s->ly.withdrawn && !fo->alone[f]) { /* the police have left: the guards are alone */
        fo->alone[f] = 1;
        will -= p->post_alone;
    } else if (!s->ly.withdrawn) {
        fo->alone[f] = 0;
    }
    double line = defenders * p->post_outnumber;
    double ratio = line > 0 ? attackers / line : (attackers > 0 ? INFINITY : 0);
    if (ratio > 1)
        will -= p->post_erosion * fmin(log10(ratio), 3) * p->tick_hours;
    else
        will += p->will_recovery * p->tick_hours / 24;
    fo->will[f] = world_clamp(will, 0, 1);
    const unrest_sc_site *ss = &w->sc.site[i];
    char label[2 * UNREST_SC_NAME + 24];
    if (!fo->abandoned[f] && fo->will[f] < p->withdraw_below) {
        fo->abandoned[f] = 1;
        snprintf(label, sizeof label, "%s %s guards leave", ss->name, ss->focal[f].name);
        world_note_fired(w, label);
    } else if (fo->abandoned[f] && fo->will[f] > p->withdraw_below + 0.1) {
        fo->abandoned[f] = 0;
        snprintf(label, sizeof label, "%s %s guards return", ss->name, ss->focal[f].name);
        world_note_fired(w, label);
    }
}
