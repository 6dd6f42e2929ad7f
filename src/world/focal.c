/*
 * focal.c - focal points and capture (docs/MODEL.md II.10): places crowds head for
 * (lattice.focal_pull) and the state defends. The crowd takes one when the active agents
 * around it outnumber its defenders — cops around it plus its guards and its share of foreign
 * guards, in agents — for capture_hours; the state retakes it when they no longer do for as
 * long. With force.focal_area > 0 both sides are counted in people over a share of the city,
 * so that what falls does not depend on the resolution: attackers (fighters weighing
 * 1 + violence.attack_weight, the peaceful violence.peaceful_weight times the site's violence
 * when that is below 1 (a disciplined crowd follows its fighters less); the street crowd near it,
 * as everywhere, is anger.turnout of the active agents there) against guards, officers near it and
 * foreign guards, each holding off force.hold_ratio people. Guards who have withdrawn (loyalty.c)
 * or abandoned their building (posts.c) defend nothing. With lattice.focal_choice the gathering
 * crowd goes to a point drawn by its attract among those not yet taken (Davies et al. 2013's
 * choice of site), not the nearest. Its keys: sites.*.focal.*.*, force.capture_hours,
 * force.focal_area, force.hold_ratio, lattice.focal_pull, lattice.focal_choice,
 * lattice.focal_decay.
 */
#include <math.h>
#include <stdio.h>

#include "model_mirror.h"
#include "world_int.h"

/* People guarding the focal points of a site at the start. */
double focal_guards(const unrest_sc_site *ss)
{
    double g = 0;
    for (size_t f = 0; f < ss->n_focal; f++)
        g += ss->focal[f].guards;
    return g;
}

/* Place site s's focal points on its lattice of the given side; xy gets their cells. With
 * force.focal_area > 0 the area around each is that share of the lattice, whatever its radius
 * in cells: the same share of the city's people at any resolution. */
void focal_init(site *s, const unrest_sc_site *ss, const unrest_sc_params *p, uint32_t side,
                uint32_t *xy)
{
    focal_state *fo = &s->fo;
    for (size_t f = 0; f < ss->n_focal; f++) {
        fo->fx[f] = (uint32_t)(ss->focal[f].x * side) % side;
        fo->fy[f] = (uint32_t)(ss->focal[f].y * side) % side;
        fo->fr[f] = (uint32_t)ceil(ss->focal[f].radius);
        fo->area_scale[f] = 1;
        if (p->focal_area > 0) {
            double r = (sqrt(p->focal_area) * side - 1) / 2;
            fo->fr[f] = r < 0 ? 0 : (uint32_t)floor(r + 0.5);
            if (2 * fo->fr[f] + 1 > side) fo->fr[f] = (side - 1) / 2;
            /* a square of whole cells covers more or less than focal_area of a small lattice
             * (at 1:1000 Aktobe's 28 x 28 has a square of 9 cells for a share of 15.7): with
             * focal_exact its counts are scaled to the share */
            double sq = 2.0 * fo->fr[f] + 1;
            if (p->focal_exact) fo->area_scale[f] = p->focal_area * (double)side * side / (sq * sq);
        }
        fo->captured_at[f] = fo->retaken_at[f] = fo->first_at[f] = -1;
        xy[2 * f] = fo->fx[f];
        xy[2 * f + 1] = fo->fy[f];
    }
}

uint32_t focal_need(const unrest_sc_params *p)
{
    uint32_t need = (uint32_t)ceil(p->capture_hours / p->tick_hours);
    return need < 1 ? 1 : need;
}

/* Focal point f of site i after a tick (w->tick: the tick just completed). */
static void watch(unrest_world *w, size_t i, size_t f, uint32_t need)
{
    const unrest_sc_params *p = &w->sc.p;
    const unrest_sc_site *ss = &w->sc.site[i];
    site *s = &w->s[i];
    focal_state *fo = &s->fo;
    uint32_t act, cops;
    unrest_model_count_near(s->m, fo->fx[f], fo->fy[f], fo->fr[f], &act, &cops);
    double guards = ss->focal[f].guards;
    double tg = focal_guards(ss);
    /* foreign guards split over the focal points like the site's own guards (evenly if none) */
    double share = tg > 0 ? guards / tg : 1.0 / (double)ss->n_focal;
    if (!posts_manned(s, p, f)) guards = 0; /* the guards have left (loyalty.c, posts.c) */
    /* fighters weigh more in an attack (violence.c); the peaceful weigh violence.peaceful_weight
     * (1: as much as anyone, the old rule; 0: a peaceful crowd rallies but does not storm) */
    double active = site_street(s, p);
    double fshare = active > 0 ? fmin(1, s->vi.violent / active) : 0;
    /* the site's own character (its key violence, [A]): a crowd with few who fight is also a
     * crowd whose peaceful follow them less into a building (organised, disciplined protest) */
    double pw = p->peaceful_weight * fmin(1, ss->violence);
    double weight = 1 + p->attack_weight * fshare - (1 - pw) * (1 - fshare);
    double sc = fo->area_scale[f];               /* 1 unless force.focal_exact */
    double near = (double)act * sc * p->turnout; /* the street crowd near it, in agents */
    int crowd_wins;
    double officers = (double)cops * sc * s->ppa / (p->leverage > 0 ? p->leverage : 1);
    double people = guards + officers + s->tr.guard * share; /* defenders there, in people */
    if (p->focal_area > 0) { /* in people: attackers against defenders who each hold off some */
        /* and, to enter a building not yet taken, a storming party: a crowd of a few who would
         * fight and a peaceful rest does not break into a building its guards have left */
        double bar = people * p->hold_ratio;
        if (!fo->captured[f] && p->storm_party > bar) bar = p->storm_party;
        crowd_wins = near * s->ppa * weight > bar;
    } else { /* in agents, cop agents and leverage-weighted guards */
        double defenders =
            cops + (guards * p->leverage + s->tr.guard * share * p->troop_leverage) / s->ppa;
        crowd_wins = near * weight > defenders;
    }
    posts_update(w, i, f, near * s->ppa * weight, people); /* the guards' will (posts.c) */
    if (crowd_wins != fo->captured[f])
        fo->hold[f]++;
    else
        fo->hold[f] = 0;
    if (fo->hold[f] >= need) {
        fo->captured[f] = crowd_wins;
        fo->hold[f] = 0;
        char label[2 * UNREST_SC_NAME + 16]; /* "SITE FOCAL captured" */
        if (crowd_wins) {
            fo->captured_at[f] = w->tick;
            if (!fo->fell[f]) fo->first_at[f] = w->tick;
            fo->fell[f] = 1;
            w->capture_loss += p->capture_erosion; /* news everywhere (legitimacy.c) */
            snprintf(label, sizeof label, "%s %s captured", ss->name, ss->focal[f].name);
        } else {
            fo->retaken_at[f] = w->tick;
            snprintf(label, sizeof label, "%s %s retaken", ss->name, ss->focal[f].name);
        }
        world_note_fired(w, label);
    }
}

/* Gathering's choice (lattice.focal_choice; Davies et al. 2013): each point draws the gathering
 * crowd by its attract until the crowd holds it; a building taken is no longer a target, and the
 * crowd goes on to the next. When every point is held, each draws by its attract again. */
unrest_status focal_targets(unrest_world *w, size_t i)
{
    const unrest_sc_params *p = &w->sc.p;
    const unrest_sc_site *ss = &w->sc.site[i];
    site *s = &w->s[i];
    if (!p->focal_choice || p->focal_jump <= 0 || ss->n_focal < 2 || model_is_mirror(s->m))
        return UNREST_OK;
    double wt[UNREST_SC_MAX_FOCAL], sum = 0;
    for (size_t f = 0; f < ss->n_focal; f++)
        sum += wt[f] = s->fo.captured[f] ? 0 : ss->focal[f].attract;
    if (!(sum > 0))
        for (size_t f = 0; f < ss->n_focal; f++)
            wt[f] = ss->focal[f].attract;
    return unrest_model_set_gather_choice(s->m, wt, ss->n_focal, p->focal_decay);
}

void focal_observe(unrest_world *w, size_t i, uint32_t need)
{
    for (size_t f = 0; f < w->sc.site[i].n_focal; f++)
        watch(w, i, f, need);
    focal_targets(w, i); /* cannot fail once it has succeeded at the start */
}
