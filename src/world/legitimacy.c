/*
 * legitimacy.c - the legitimacy mechanism (docs/MODEL.md II.5): each site's L is the national
 * level plus its offset, plus what concessions gave (fading by concession_decay a day) and
 * shocks moved, minus what detentions and killings here, killings elsewhere (at kill_national
 * of the weight) and the presence of foreign troops cost. Its keys: legitimacy.*, the site key
 * legitimacy_offset; the events price_cap (its gain), concession, legitimacy.
 */
#include <math.h>

#include "world_int.h"

void legitimacy_on_event(legitimacy_state *l, const unrest_sc_event *e)
{
    switch (e->kind) {
    case UNREST_SC_PRICE_CAP:
        l->concessions += e->legitimacy;
        break;
    case UNREST_SC_CONCESSION:
        l->concessions += e->value;
        break;
    case UNREST_SC_LEGITIMACY:
        l->shocks += e->value;
        break;
    default:
        break;
    }
}

double legitimacy_decay(const unrest_sc_params *p)
{
    return pow(1 - p->concession_decay, p->tick_hours / 24.0);
}

/* Legitimacy L of site i for the coming tick; concessions fade first (decay: per tick). */
void legitimacy_drive(unrest_world *w, size_t i, const nation_now *n)
{
    const unrest_sc_params *p = &w->sc.p;
    const unrest_sc_site *ss = &w->sc.site[i];
    site *s = &w->s[i];
    s->ls.concessions *= legitimacy_decay(p);
    double dead_else = n->dead - s->fs.dead_total, pop_else = w->total_pop - s->population;
    double L = p->legitimacy + ss->legitimacy_offset + s->ls.concessions + s->ls.shocks;
    L -= p->arrest_erosion * 100 * s->fs.detained_total / s->population;
    L -= p->kill_erosion * 1e5 * s->fs.dead_total / s->population;
    if (pop_else > 0) L -= p->kill_national * p->kill_erosion * 1e5 * dead_else / pop_else;
    if (s->tr.foreign) L -= p->foreign_erosion;
    s->L = world_clamp(L, 0, 1);
}
