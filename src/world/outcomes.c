/*
 * outcomes.c - observation and outcomes (docs/MODEL.md II.11): the national peak and when,
 * the first and last hours above end_share, the ring of recent national active shares, and the
 * classification of a run — capital lost (a focal point of the capital held at the end),
 * protracted (still above protracted_share), suppressed (dead or detained above the
 * thresholds) or settled; above them the strategic layer's classes (II.16): proxy war (a civil war
 * with foreign arms or fighters for the rebels and at least outcomes.proxy_troops foreign troops
 * for the government), civil war (arms.c), revolution (revolution.c). Its keys: outcomes.*, the
 * site key capital.
 */
#include <math.h>
#include <string.h>

#include "world_int.h"

static const char *const class_names[] = {"suppressed", "settled",   "capital_lost", "protracted",
                                          "revolution", "civil_war", "proxy_war"};

const char *unrest_outcome_class_name(unrest_outcome_class c)
{
    return c < UNREST_OUTCOME_COUNT ? class_names[c] : "?";
}

/* After tick t, with nat_active people active in all sites. */
void outcomes_observe(unrest_world *w, int64_t t, double nat_active)
{
    const unrest_sc_params *p = &w->sc.p;
    if (nat_active > w->peak_active) {
        w->peak_active = nat_active;
        w->peak_tick = t + 1;
    }
    double share = nat_active / w->total_pop;
    if (share >= p->end_share) {
        if (w->first_above < 0) w->first_above = t + 1;
        w->last_above = t + 1;
    }
    w->share[(size_t)t % w->share_len] = share;
}

void unrest_world_outcomes(const unrest_world *w, unrest_outcomes *o)
{
    const unrest_sc_params *p = &w->sc.p;
    memset(o, 0, sizeof *o);
    o->peak_active = w->peak_active;
    o->peak_tick = w->peak_tick;
    double lsum = 0;
    int capital = 0;
    for (size_t i = 0; i < w->n; i++) {
        const site *s = &w->s[i];
        o->participants += s->c.participants * s->ppa;
        o->dead += s->fs.dead_total;
        o->detained += s->fs.detained_total;
        o->security_dead += s->vi.security_dead;
        o->security_injured += s->vi.security_injured;
        o->injured += s->vi.injured;
        lsum += s->L * s->population;
        for (size_t f = 0; f < w->sc.site[i].n_focal; f++) {
            o->sites_captured += (uint32_t)s->fo.fell[f];
            o->held_at_end += (uint32_t)s->fo.captured[f];
            if (s->fo.captured[f] && w->sc.site[i].capital) capital = 1;
        }
    }
    o->final_legitimacy = w->tick ? lsum / w->total_pop : p->legitimacy;
    if (w->first_above >= 0)
        o->duration_hours = (double)(w->last_above - w->first_above + 1) * p->tick_hours;
    /* the last end_hours of the run (or all of it, if shorter) */
    size_t n = w->tick < (int64_t)w->share_len ? (size_t)w->tick : w->share_len;
    double recent = 0;
    for (size_t j = 0; j < n; j++)
        recent = fmax(recent, w->share[j]);
    o->ended = n > 0 && (size_t)w->tick >= w->share_len && recent < p->end_share;
    o->fell_at = w->fell_at;
    o->civil_war_at = w->civil_war_at;
    o->foreign_gov_dead = w->foreign_gov_dead;
    o->foreign_opp_dead = w->foreign_opp_dead;
    int war = w->civil_war_at >= 0;
    if (war && w->opp_foreign && w->gov_foreign_max >= p->proxy_troops)
        o->cls = UNREST_OUTCOME_PROXY_WAR;
    else if (war)
        o->cls = UNREST_OUTCOME_CIVIL_WAR;
    else if (w->fell_at >= 0)
        o->cls = UNREST_OUTCOME_REVOLUTION;
    else if (capital)
        o->cls = UNREST_OUTCOME_CAPITAL;
    else if (!o->ended && recent >= p->protracted_share)
        o->cls = UNREST_OUTCOME_PROTRACTED;
    else if (o->dead >= p->suppressed_dead || o->detained >= p->suppressed_detained)
        o->cls = UNREST_OUTCOME_SUPPRESSED;
    else
        o->cls = UNREST_OUTCOME_SETTLED;
}
