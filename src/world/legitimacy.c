/*
 * legitimacy.c - the legitimacy mechanism (docs/MODEL.md II.5): each site's L is the national
 * level plus its offset, plus what concessions gave (fading by concession_decay a day) and
 * shocks moved, minus what detentions and killings here, killings elsewhere (at kill_national
 * of the weight) and the presence of foreign troops cost; minus what the crowd's visible success
 * took (Lemos, Lopes & Coelho 2016: legitimacy falls as rebellion becomes visible and does not
 * come back) and what focal points falling anywhere took. A concession made under pressure
 * (national activity above pressure_share) or while repression is in force buys less and
 * signals weakness: it lowers the perceived risk for a week (Lichbach 1987; Rasler 1996).
 * Its keys: legitimacy.*, the site key legitimacy_offset; the events price_cap (its gain),
 * concession, legitimacy.
 */
#include <math.h>

#include "world_int.h"

/* The national active share after the last tick (0 before the first). */
double legitimacy_pressure(const unrest_world *w)
{
    return w->tick > 0 ? w->share[(size_t)(w->tick - 1) % w->share_len] : 0;
}

/* Whether a concession at site i now is made under pressure (national activity, the last tick's,
 * at or above pressure_share) or mixed with repression (an emergency or lethal force there). */
int legitimacy_under_pressure(const unrest_world *w, size_t i, double pressure)
{
    const site *s = &w->s[i];
    return pressure >= w->sc.p.pressure_share || s->fs.emergency || s->fs.lethal > 0;
}

/* The legitimacy a concession event offers (0 for any other event). */
double legitimacy_offered(const unrest_sc_event *e)
{
    if (e->kind == UNREST_SC_PRICE_CAP) return e->legitimacy;
    if (e->kind == UNREST_SC_CONCESSION) return e->value;
    return 0;
}

/* A concession of gain g at site i: under pressure, or mixed with repression, it buys
 * (1 - concession_pressure) of g and sends a signal of weakness. */
static void concede(unrest_world *w, size_t i, double g, double pressure)
{
    const unrest_sc_params *p = &w->sc.p;
    site *s = &w->s[i];
    if (legitimacy_under_pressure(w, i, pressure)) {
        g *= 1 - p->concession_pressure;
        if (p->concession_signal > 0) {
            s->ls.signal = p->concession_signal;
            s->ls.signal_until = w->tick + (int64_t)ceil(7 * 24 / p->tick_hours);
        }
    }
    s->ls.concessions += g;
}

void legitimacy_on_event(unrest_world *w, size_t i, const unrest_sc_event *e, double pressure)
{
    legitimacy_state *l = &w->s[i].ls;
    switch (e->kind) {
    case UNREST_SC_PRICE_CAP:
    case UNREST_SC_CONCESSION:
        concede(w, i, legitimacy_offered(e), pressure);
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
    /* the crowd's visible success: 1% of the site active for a day costs success_erosion */
    s->ls.eroded +=
        p->success_erosion * 100 * site_street(s, p) / s->population * p->tick_hours / 24;
    L -= s->ls.eroded + w->capture_loss;
    s->L = world_clamp(L, 0, 1);
}
