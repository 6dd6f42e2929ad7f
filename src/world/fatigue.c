/*
 * fatigue.c - the crowd goes home (docs/MODEL.md II.6b). Epstein's citizens stay out as long as
 * grievance outweighs fear, so a crowd that has lost its fear never leaves. Here each person out
 * goes home spent after fatigue.active_days on average (a constant hazard) and can rise again after
 * fatigue.rest_days on average: the recovery of rioters at a rate of Bonnasse-Gahot et al. (2018),
 * whose epidemic model of the 2005 French riots has the active recover as well as the susceptible
 * join, with recovery made temporary (an SIRS chain; Pires & Crooks 2017's energy that rioting
 * spends and rest restores is the same idea). The lattice carries it (the core params fatigue and
 * rest, per tick; model_rules.c act()); this file turns the days into chances a tick. Keys:
 * fatigue.*.
 */
#include <math.h>

#include "world_int.h"

void fatigue_params(const unrest_sc_params *p, unrest_params *q)
{
    double hours = p->tick_hours;
    q->fatigue = p->active_days > 0 ? 1 - exp(-hours / (24 * p->active_days)) : 0;
    q->rest = p->rest_days > 0 ? 1 - exp(-hours / (24 * p->rest_days)) : 1;
}
