/*
 * arms.c - foreign backing of the opposition with arms and fighters, and civil war (docs/MODEL.md
 * II.13). An `arms` event at a site hands weapons to a share of its active: from then on that
 * share of the crowd is a stock of armed rebels (arms stay in hand: the stock only grows with the
 * crowd and shrinks with the rebels' casualties). Foreign troops in the `fight` role count as
 * rebels.troop_weight armed rebels each. Each tick armed rebels and the site's defenders (police
 * on the street, guards at their posts, government-side foreign troops) exchange fire — casualties
 * on both sides drawn binomially from a keyed generator per (site, tick), like violence.c — and
 * the rebels *hold the site* while their strength is at least rebels.hold_ratio defenders each.
 * Armed rebels holding a site for outcomes.civil_war_days in a row is a civil war. Off unless a
 * scenario has `arms` events or `fight` troops. Keys: rebels.*, outcomes.civil_war_days.
 */
#include <gsl/gsl_randist.h>
#include <math.h>

#include "world_int.h"

#define STREAM_ARMS 0x61726d73ull /* "arms": this draw's key apart from the others */

void arms_on_event(unrest_world *w, size_t i, const unrest_sc_event *e)
{
    if (e->kind == UNREST_SC_ARMS) {
        w->s[i].ar.share = fmin(1, w->s[i].ar.share + e->value);
        w->opp_foreign = 1;
    } else if (e->kind == UNREST_SC_TROOPS && e->role == UNREST_ROLE_FIGHT) {
        w->opp_foreign = 1;
    }
}

/* Binomial(n, q) with n rounded, 0 when there is nothing to draw. */
static double binom(gsl_rng *g, double q, double n)
{
    if (!(q > 0) || n < 0.5) return 0;
    return gsl_ran_binomial(g, fmin(q, 1), (unsigned)llround(n));
}

/* After tick t: site i's armed rebels fight, and hold the site or not. */
void arms_observe(unrest_world *w, size_t i, int64_t t)
{
    const unrest_sc_params *p = &w->sc.p;
    site *s = &w->s[i];
    arms_state *a = &s->ar;
    double active = s->c.active * s->ppa;
    double fresh = a->share * active;
    if (fresh > a->rebels) a->rebels = fresh; /* arms stay in hand */
    double foreign = s->tr.fight;
    a->strength = a->rebels + p->rebel_troop * foreign;
    if (a->strength < 0.5) {
        a->held = 0;
        a->held_hours = 0;
        return;
    }
    double police = s->fs.police + posts_guards(w, i);
    double troops = s->tr.guard + s->tr.patrol;
    double def = police + troops;
    if (def >= 0.5) {
        gsl_rng_set(w->g, (unsigned long)world_mix64(w->seed ^ STREAM_ARMS ^
                                                     world_mix64((uint64_t)t << 8 ^ i)));
        double h = p->tick_hours;
        /* the defenders' losses, split between local forces and foreign troops */
        double q_def = 1 - exp(-p->rebel_fire * h * a->strength / def);
        double hit_l = binom(w->g, q_def, police), hit_f = binom(w->g, q_def, troops);
        double dead_l = binom(w->g, p->rebel_kill, hit_l),
               dead_f = binom(w->g, p->rebel_kill, hit_f);
        s->vi.security_dead += dead_l;
        s->vi.security_injured += hit_l - dead_l;
        s->vi.sec_casualties += hit_l; /* the forces' will (loyalty.c) */
        w->foreign_gov_dead += dead_f;
        s->ar.lost_gov += hit_f; /* out of action: the contingent shrinks (troops.c) */
        /* the rebels' losses: local rebels and foreign fighters leave the fight when hit */
        double q_reb = 1 - exp(-p->rebel_return * h * def / a->strength);
        double hit_r = binom(w->g, q_reb, a->rebels), hit_x = binom(w->g, q_reb, foreign);
        double dead_r = binom(w->g, p->rebel_kill, hit_r);
        w->foreign_opp_dead += binom(w->g, p->rebel_kill, hit_x);
        a->lost_opp += hit_x;
        a->rebels = fmax(0, a->rebels - hit_r);
        a->dead += dead_r;
        s->vi.injured += hit_r - dead_r;
        s->vi.civ_casualties += hit_r; /* anger at violence seen (anger.c) */
        s->fs.killed += dead_r;
        s->fs.dead_total += dead_r;
        a->strength = a->rebels + p->rebel_troop * foreign;
    }
    a->held = a->strength >= 0.5 && a->strength >= p->rebel_hold * def;
    a->held_hours = a->held ? a->held_hours + p->tick_hours : 0;
    if (a->held && w->civil_war_at < 0 && a->held_hours >= p->civil_war_days * 24 - 1e-9) {
        w->civil_war_at = t + 1;
        world_note_fired(w, "civil war: armed rebels hold territory");
    }
}
