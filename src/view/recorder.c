/*
 * recorder.c - keeps what reports and the live viewer's charts need of a running world: per
 * site and per tick the people active, participants, in detention, detained and dead since the
 * start and legitimacy (as floats: charts need no more), the events that fired with their
 * tick, and every map_every ticks a pooled snapshot of each lattice. Memory grows with the
 * run: about 24 bytes per site per tick plus UNREST_MAP_SIDE^2 bytes per site per snapshot.
 */
#include <stdlib.h>
#include <string.h>

#include "view_int.h"

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 1;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q) return 0;
    *p = q;
    *cap = c;
    return 1;
}

static unrest_status add_event(unrest_recorder *r, uint32_t tick, const char *label, size_t len,
                               int manual)
{
    if (!grow((void **)&r->ev, &r->cap_ev, r->n_ev + 1, sizeof *r->ev)) return UNREST_ENOMEM;
    view_event *e = &r->ev[r->n_ev++];
    if (len >= sizeof e->label) len = sizeof e->label - 1;
    memcpy(e->label, label, len);
    e->label[len] = '\0';
    e->tick = tick;
    e->manual = manual;
    return UNREST_OK;
}

static unrest_status snapshot_maps(unrest_recorder *r, const unrest_world *w)
{
    size_t need = r->n_map + 1;
    size_t cap_ticks = r->cap_map;
    if (!grow((void **)&r->map_tick, &cap_ticks, need, sizeof *r->map_tick)) return UNREST_ENOMEM;
    if (cap_ticks != r->cap_map) {
        uint8_t *m = realloc(r->map, cap_ticks * r->map_bytes);
        if (!m) return UNREST_ENOMEM;
        r->map = m;
        r->cap_map = cap_ticks;
    }
    uint8_t *out = r->map + r->n_map * r->map_bytes;
    for (size_t i = 0; i < r->n_sites; i++) {
        const unrest_model *m = unrest_world_model(w, i);
        const unrest_params *p = unrest_model_params(m);
        unrest_model_snapshot(m, r->scratch);
        view_pool(r->scratch, p->width, p->height, out, r->map_gw[i], r->map_gh[i]);
        out += (size_t)r->map_gw[i] * r->map_gh[i];
    }
    r->map_tick[r->n_map++] = (uint32_t)(r->n - 1);
    return UNREST_OK;
}

static unrest_status record(unrest_recorder *r, const unrest_world *w)
{
    if (!grow((void **)&r->series, &r->cap, r->n + 1, r->n_sites * VS_COUNT * sizeof(float)))
        return UNREST_ENOMEM;
    float *row = r->series + r->n * r->n_sites * VS_COUNT;
    for (size_t i = 0; i < r->n_sites; i++) {
        unrest_site_state s;
        unrest_world_site(w, i, &s);
        float *v = row + i * VS_COUNT;
        v[VS_ACTIVE] = (float)s.active;
        v[VS_PARTICIPANTS] = (float)s.participants;
        v[VS_JAILED] = (float)s.jailed;
        v[VS_DETAINED] = (float)s.detained_total;
        v[VS_DEAD] = (float)s.dead_total;
        v[VS_LEGITIMACY] = (float)s.legitimacy;
    }
    uint32_t tick = (uint32_t)r->n;
    r->n++;
    /* events that fired during the tick just taken, one label per line */
    const char *f = r->n > 1 ? unrest_world_fired(w) : NULL;
    while (f && *f) {
        const char *nl = strchr(f, '\n');
        size_t len = nl ? (size_t)(nl - f) : strlen(f);
        int dup = 0;
        for (size_t e = r->n_ev; e-- > 0 && r->ev[e].tick + 1 >= tick;)
            if (r->ev[e].manual && strlen(r->ev[e].label) == len && !memcmp(r->ev[e].label, f, len))
                dup = 1;
        if (len && !dup) {
            unrest_status st = add_event(r, tick, f, len, 0);
            if (st != UNREST_OK) return st;
        }
        f = nl ? nl + 1 : NULL;
    }
    if (tick % r->map_every == 0) return snapshot_maps(r, w);
    return UNREST_OK;
}

unrest_status unrest_recorder_create(unrest_recorder **out, const unrest_world *w,
                                     uint32_t map_every)
{
    *out = NULL;
    unrest_recorder *r = calloc(1, sizeof *r);
    if (!r) return UNREST_ENOMEM;
    r->n_sites = unrest_world_site_count(w);
    if (!map_every) {
        int64_t ticks = unrest_world_ticks(w);
        map_every = ticks > 60 ? (uint32_t)((ticks + 59) / 60) : 1;
    }
    r->map_every = map_every;
    r->tick_hours = unrest_world_scenario(w)->p.tick_hours;
    r->map_gw = calloc(r->n_sites + 1, sizeof *r->map_gw);
    r->map_gh = calloc(r->n_sites + 1, sizeof *r->map_gh);
    if (!r->map_gw || !r->map_gh) goto nomem;
    size_t biggest = 1;
    for (size_t i = 0; i < r->n_sites; i++) {
        const unrest_params *p = unrest_model_params(unrest_world_model(w, i));
        view_pool_size(p->width, p->height, UNREST_MAP_SIDE, &r->map_gw[i], &r->map_gh[i]);
        r->map_bytes += (size_t)r->map_gw[i] * r->map_gh[i];
        if ((size_t)p->width * p->height > biggest) biggest = (size_t)p->width * p->height;
    }
    if (!r->map_bytes) r->map_bytes = 1;
    r->scratch = malloc(biggest);
    r->scratch_len = biggest;
    if (!r->scratch) goto nomem;
    if (record(r, w) != UNREST_OK) goto nomem;
    *out = r;
    return UNREST_OK;
nomem:
    unrest_recorder_destroy(r);
    return UNREST_ENOMEM;
}

void unrest_recorder_destroy(unrest_recorder *r)
{
    if (!r) return;
    free(r->series);
    free(r->ev);
    free(r->map_gw);
    free(r->map_gh);
    free(r->map);
    free(r->map_tick);
    free(r->scratch);
    free(r);
}

unrest_status unrest_recorder_tick(unrest_recorder *r, const unrest_world *w)
{
    if (unrest_world_site_count(w) != r->n_sites) return UNREST_EINVAL;
    return record(r, w);
}

unrest_status unrest_recorder_mark(unrest_recorder *r, const char *label)
{
    return add_event(r, (uint32_t)(r->n - 1), label, strlen(label), 1);
}

size_t unrest_recorder_samples(const unrest_recorder *r)
{
    return r->n;
}

void unrest_recorder_set_seed(unrest_recorder *r, uint64_t seed)
{
    r->seed = seed;
}
