/*
 * model_seq.c - random sequential activation, the paper's update: every tick the agents that
 * act, in a uniformly random order drawn afresh (shuffle.c), then with the end-of-tick countdown
 * (paper, NetLogo) every jail term decrements and the citizens whose term ends are released in
 * index order.
 */
#include <stdint.h>

#include "mem.h"
#include "model_int.h"
#include "shuffle.h"

/* End-of-tick countdown (paper, NetLogo): every term decrements; at 0 the citizen is freed. */
static void countdown_all(worker *w)
{
    unrest_model *m = w->m;
    for (uint32_t a0 = 0; a0 < m->n_cit; a0 += 64) {
        uint64_t due = count_down(m->term + a0, m->n_cit - a0 < 64 ? m->n_cit - a0 : 64);
        for (; due; due &= due - 1) /* in index order */
            model_release_to(w, a0 + (uint32_t)__builtin_ctzll(due), 1);
    }
}

/* Random sequential activation (the paper): the agents that act, in a uniformly random order
 * drawn afresh every tick, then the end-of-tick countdown if the rules have one. */
int model_step_sequential(unrest_model *m, worker *w)
{
    uint32_t n = m->n_agents;
    if (m->order_cap < n) {
        void *o = m->order;
        if (mem_grow(&o, m->order_cap, n, sizeof *m->order)) return -1;
        m->order = o;
        m->order_cap = n;
    }
    n = list_actors(m->term, n, m->p.countdown == UNREST_COUNTDOWN_OWN_ACTIVATION, m->order);
    rng r;
    rng_init(&r, m->seed, RNG_ORDER, m->tick + 1, 0);
    shuffle_list(m->order, n, &r);
    model_activate_list(w, m->order, n, 1);
    if (m->p.countdown == UNREST_COUNTDOWN_PER_TICK) countdown_all(w);
    return 0;
}
