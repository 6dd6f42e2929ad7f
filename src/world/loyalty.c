/*
 * loyalty.c - the loyalty of the forces (docs/MODEL.md II.7a). Each site's police and guards
 * have a will to hold W in [0,1], 1 at the start. It falls while they are outnumbered — more
 * active people per officer on the street than loyalty.outnumber — by loyalty.erosion an hour
 * per factor of ten beyond that line (log10 of the ratio, at most 3),
 * with their own casualties, with a split in the elite (the event elite_split) and, with
 * loyalty.concession, with a concession made under pressure (legitimacy.c's test), which they
 * read as the regime giving way: both cut the will of the police and of every building's guards
 * at once (Lichbach 1987 and Rasler 1996 on concessions read as weakness; the literature digest's
 * pressure on a unit includes its own view of the regime, beta_L (1 - L_f)); it comes
 * back slowly while they are not outnumbered. Below loyalty.shirk_below they shirk (arrests fall
 * in proportion to W); below loyalty.withdraw_below they pull back: police leave the streets and
 * guards their sites until W is 0.1 above that line again. With loyalty.regroup, withdrawn
 * police are out of the crowd's reach: the crowd no longer wears their will down, and they regain
 * it at loyalty.recovery until they return (without it, the crowd they left still wears it down
 * and a city whose crowd stays is lost for good). Reinforcements (the event
 * reinforce) arrive with a will of their own, loyalty.fresh: units from outside that have not
 * faced the crowd (the army brought into Almaty on 5 January, the National Guard under the
 * state of emergency), so the site's will becomes the mean over everyone on the street and a
 * city whose police have pulled back can be taken back (the literature digest's design: units
 * arrive by timeline events with a loyalty of their own; pooling it as a mean is [A]).
 * Sources: Chenoweth & Stephan 2011
 * and Nepstad 2011 (loyalty shifts decide outcomes), Dahl, Rivera Celestino & Gates 2025
 * (shirking and withdrawal under mass protest), Fonoberova et al. 2012 (a tipping point in the
 * ratio of police to crowd). Defection (police joining the crowd) is not modelled.
 * Keys: loyalty.*; the events elite_split, reinforce, concession and price_cap.
 */
#include <math.h>
#include <stdio.h>

#include "world_int.h"

void loyalty_init(loyalty_state *l)
{
    l->will = 1;
    l->withdrawn = 0;
}

/* Before force_on_event: share is site i's part of the people an event sends; pressure the
 * national active share legitimacy.c judges a concession by. */
void loyalty_on_event(unrest_world *w, size_t i, const unrest_sc_event *e, double share,
                      double pressure)
{
    loyalty_state *l = &w->s[i].ly;
    if (e->kind == UNREST_SC_ELITE_SPLIT) l->will = world_clamp(l->will - e->value, 0, 1);
    double offered = legitimacy_offered(e);
    if (w->sc.p.will_concession > 0 && offered > 0 && legitimacy_under_pressure(w, i, pressure)) {
        /* the regime giving way under pressure: police and guards doubt it will stand by them */
        double cut = w->sc.p.will_concession * offered;
        l->will = world_clamp(l->will - cut, 0, 1);
        posts_cut(&w->s[i], &w->sc.site[i], cut);
    }
    double fresh = e->people * share;
    if (e->kind == UNREST_SC_REINFORCE && w->sc.p.fresh_will >= 0 && fresh > 0) {
        double there = force_street(w, i); /* those on (or off) the street before them */
        l->will = (l->will * there + w->sc.p.fresh_will * fresh) / (there + fresh);
    }
}

/* The will of site i's forces for the coming tick; before force_drive. */
void loyalty_drive(unrest_world *w, size_t i)
{
    const unrest_sc_params *p = &w->sc.p;
    site *s = &w->s[i];
    loyalty_state *l = &s->ly;
    double base = force_police_base(w, i);
    double street = s->fs.police > 0 ? s->fs.police : force_street(w, i);
    double active = site_street(s, p);
    double ratio = street > 0 ? active / (street * p->outnumber) : (active > 0 ? INFINITY : 0);
    double will = l->will;
    if (l->withdrawn && p->regroup) /* off the streets, out of contact: they regroup */
        will += p->will_recovery * p->tick_hours / 24;
    else if (ratio > 1) /* a crowd ten times the line weighs one unit; a hundred times, two */
        will -= p->will_erosion * fmin(log10(ratio), 3) * p->tick_hours;
    else
        will += p->will_recovery * p->tick_hours / 24;
    if (base > 0) will -= p->will_casualty * s->vi.sec_casualties / (base / 1000);
    l->will = world_clamp(will, 0, 1);
    if (!l->withdrawn && l->will < p->withdraw_below) {
        l->withdrawn = 1;
        char label[UNREST_SC_NAME + 24];
        snprintf(label, sizeof label, "%s police withdraw", w->sc.site[i].name);
        world_note_fired(w, label);
    } else if (l->withdrawn && l->will > p->withdraw_below + 0.1) {
        l->withdrawn = 0;
        char label[UNREST_SC_NAME + 24];
        snprintf(label, sizeof label, "%s police return", w->sc.site[i].name);
        world_note_fired(w, label);
    }
}
