/*
 * violence.c - a violent minority beside peaceful crowds, and casualties on both sides
 * (docs/MODEL.md II.8a). Fighters are a share of the active (violence.share) plus "the desperate
 * who have nothing to lose" (violence.desperate per 100,000 people), who come out once a crowd
 * of violence.desperate_trigger people is on the street (Granovetter 1978: near-zero thresholds
 * start riots). Each tick, fighters and the police and guards on duty clash: an officer is hurt
 * with probability 1 - exp(-clash_rate * hours * fighters / officers), a fighter with
 * 1 - exp(-force_rate * hours * officers / fighters), both rates multiplied under a shoot order
 * for the civilians (lethal_multiplier); with violence.contact > 0 only the officers in contact
 * clash, at most contact per fighter, in place of every officer on duty (the local police-to-rioter
 * ratio of Davies et al. 2013), so that a handful of fighters facing a city's police are not all
 * hurt every hour; a share of the hurt die (security_kill,
 * civilian_kill). Counts are people, drawn binomially from a keyed generator per (site, tick):
 * the same at any resolution up to sampling noise. The design follows the literature digest's
 * casualty model (§4; after Davies et al. 2013 and Moro 2016); its rates are assumptions to be
 * calibrated. Civilian dead add to the site's dead (legitimacy, outcomes); casualties feed anger
 * (anger.c) and the forces' will (loyalty.c); fighters weigh more at focal points (focal.c).
 * The share of the active who fight grows with the share of the site's people detained
 * (violence.repression_gain: repressing nonviolence breeds violence, Lichbach 1987) and is
 * multiplied by the site's own `violence` [A]. Keys: violence.*, the site key violence.
 */
#include <gsl/gsl_randist.h>
#include <math.h>

#include "world_int.h"

#define STREAM_CLASH 0x636c617368ull /* "clash": this draw's key apart from force.c's */

/* After tick t: site i's fighters and their clashes. */
void violence_observe(unrest_world *w, size_t i, int64_t t)
{
    const unrest_sc_params *p = &w->sc.p;
    site *s = &w->s[i];
    violence_state *v = &s->vi;
    double active = site_street(s, p);
    /* repressing the peaceful breeds fighters (Lichbach 1987): the share grows with the share
     * of the site's people detained so far */
    double share =
        p->violent_share + p->repression_gain * 100 * s->fs.detained_total / s->population;
    double fighters = fmin(1, share * w->sc.site[i].violence) * active;
    if (active >= p->desperate_trigger && active > 0)
        fighters += p->desperate * s->population / 1e5 * w->sc.site[i].violence;
    v->violent = fighters;
    v->sec_casualties = v->civ_casualties = 0;
    double guards = posts_guards(w, i); /* at their posts (loyalty.c, posts.c) */
    double officers = s->fs.police + guards;
    if (fighters < 0.5 || officers < 0.5 || (p->clash_rate <= 0 && p->force_rate <= 0)) return;
    int lethal = s->fs.lethal > 0;
    gsl_rng_set(w->g, (unsigned long)world_mix64(w->seed ^ STREAM_CLASH ^
                                                 world_mix64((uint64_t)t << 8 ^ i)));
    /* the officers in contact: with violence.contact, at most that many per fighter (a few
     * fighters meet the police near them, not the city's whole force) */
    double engaged = p->contact > 0 ? fmin(officers, p->contact * fighters) : officers;
    if (engaged < 0.5) return;
    double p_sec = 1 - exp(-p->clash_rate * p->tick_hours * fighters / engaged);
    double sec = gsl_ran_binomial(w->g, p_sec, (unsigned)llround(engaged));
    double sec_dead = sec > 0 ? gsl_ran_binomial(w->g, p->security_kill, (unsigned)sec) : 0;
    double rate = p->force_rate * (lethal ? p->lethal_force_rate : 1);
    double p_civ = 1 - exp(-rate * p->tick_hours * engaged / fighters);
    double civ = gsl_ran_binomial(w->g, p_civ, (unsigned)llround(fighters));
    double kill = fmin(1, p->civilian_kill * (lethal ? p->lethal_force_rate : 1));
    double civ_dead = civ > 0 ? gsl_ran_binomial(w->g, kill, (unsigned)civ) : 0;
    v->sec_casualties = sec;
    v->civ_casualties = civ;
    v->security_dead += sec_dead;
    v->security_injured += sec - sec_dead;
    v->injured += civ - civ_dead;
    s->fs.killed += civ_dead;
    s->fs.dead_total += civ_dead;
}
