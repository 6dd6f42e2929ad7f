/*
 * triggers.c - conditional timeline entries (docs/MODEL.md II.15): an event with `when:` fires
 * once, at the first tick at or after its `at` at whose start its condition holds on the state
 * after the previous tick (for gov_foreign: also on troops that arrived earlier in the same
 * tick, events being applied in file order). The conditions are the strategic layer's states:
 * the regime has fallen, the crowd holds a seat of power of the capital, civil war, foreign
 * troops for the government, foreign arms or fighters for the opposition, recognition.
 */
#include "world_int.h"

int triggers_due(unrest_world *w, size_t e, int64_t t)
{
    if (e >= UNREST_SC_MAX_EVENTS || w->trig_fired[e]) return 0;
    const unrest_sc_event *ev = &w->sc.event[e];
    if (ev->tick > t) return 0;
    int ok = 0;
    switch (ev->when) {
    case UNREST_WHEN_CAPITAL_FALLS:
        ok = w->fell_at >= 0;
        break;
    case UNREST_WHEN_SEATS_HELD: {
        size_t i = revolution_seat(w);
        for (size_t f = 0; f < w->sc.site[i].n_focal; f++)
            ok |= w->s[i].fo.captured[f] != 0;
        ok |= w->s[i].ar.held;
        break;
    }
    case UNREST_WHEN_CIVIL_WAR:
        ok = w->civil_war_at >= 0;
        break;
    case UNREST_WHEN_GOV_FOREIGN:
        for (size_t c = 0; c < w->n_troops; c++)
            ok |= w->troops[c].role == UNREST_ROLE_GUARD || w->troops[c].role == UNREST_ROLE_PATROL;
        break;
    case UNREST_WHEN_OPP_FOREIGN:
        ok = w->opp_foreign;
        break;
    case UNREST_WHEN_RECOGNISED:
        ok = w->recognised;
        break;
    default:
        ok = 0;
    }
    if (ok) w->trig_fired[e] = 1;
    return ok;
}
