/*
 * recognition.c - outside powers recognise a rival government (docs/MODEL.md II.15). Before the
 * regime falls, recognising the opposition's government costs the regime `value` of legitimacy
 * at the sites named (its claim to rule is contested abroad); after a revolution, recognising
 * the new government adds `value` to its legitimacy. Either way the door to aid opens: events
 * with `when: recognised` (triggers.c) fire from then on.
 */
#include "world_int.h"

void recognition_on_event(unrest_world *w, size_t i, const unrest_sc_event *e)
{
    if (e->kind != UNREST_SC_RECOGNITION) return;
    w->s[i].ls.shocks += w->fell_at >= 0 ? e->value : -e->value;
    w->recognised = 1;
}
