/*
 * troops.c - foreign troops (docs/MODEL.md II.9): contingents arrive by a timeline event with a
 * size, a role (guard the focal points, patrol and arrest like police, or hand out fuel) and a
 * time to leave; each tick they are counted per site before any other mechanism reads them.
 * Contingents shrink by their casualties in armed fighting (arms.c).
 * Guards free local police for the streets (force.c) and defend focal points (focal.c);
 * patrols become cop agents (force.c); distributors relieve the fuel shock (hardship.c); any
 * guarding or patrolling presence costs legitimacy (legitimacy.c). Its keys:
 * force.troop_leverage, hardship.distribute_relief, legitimacy.foreign_erosion.
 */
#include <math.h>
#include <stdio.h>

#include "world_int.h"

unrest_status troops_on_event(unrest_world *w, const unrest_sc_event *e, size_t nsites)
{
    if (e->kind != UNREST_SC_TROOPS) return UNREST_OK;
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
    return UNREST_OK;
}

/* Contingents whose time is up at the start of tick t go home. */
void troops_leave(unrest_world *w, int64_t t)
{
    for (size_t c = 0; c < w->n_troops;) {
        if (w->troops[c].until >= 0 && w->troops[c].until <= t) {
            w->troops[c] = w->troops[--w->n_troops];
            world_note_fired(w, "foreign troops leave");
        } else {
            c++;
        }
    }
}

/* Foreign troops at site i by role, and whether any guard or patrol in the country. */
void troops_drive(unrest_world *w, size_t i)
{
    troops_here *h = &w->s[i].tr;
    h->guard = h->patrol = h->dist = h->fight = 0;
    h->foreign = 0;
    for (size_t c = 0; c < w->n_troops; c++) {
        const contingent *t = &w->troops[c];
        if (t->role == UNREST_ROLE_GUARD || t->role == UNREST_ROLE_PATROL) h->foreign = 1;
        if (!(t->sites >> i & 1u)) continue;
        if (t->role == UNREST_ROLE_GUARD) h->guard += t->people;
        if (t->role == UNREST_ROLE_PATROL) h->patrol += t->people;
        if (t->role == UNREST_ROLE_DISTRIBUTE) h->dist += t->people;
        if (t->role == UNREST_ROLE_FIGHT) h->fight += t->people;
    }
    /* casualties of armed fighting (arms.c) are out of action: the contingents here shrink by
     * them; once none of a side is left here, its tally starts again */
    arms_state *a = &w->s[i].ar;
    double gov = h->guard + h->patrol;
    if (gov <= 0) {
        a->lost_gov = 0;
    } else {
        double keep = fmax(0, 1 - a->lost_gov / gov);
        h->guard *= keep;
        h->patrol *= keep;
    }
    if (h->fight <= 0)
        a->lost_opp = 0;
    else
        h->fight = fmax(0, h->fight - a->lost_opp);
}
