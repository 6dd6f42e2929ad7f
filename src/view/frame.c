/*
 * frame.c - the live viewer's binary frames (layout in docs/VIEWER.md): a 56-byte header, a
 * 64-byte record per site, the recorded samples and events the viewer has not had yet, and
 * each lattice as one byte per cell, max-priority pooled so that no side exceeds max_side.
 * A million-cell city thus costs 64 KiB a frame at the default 256.
 */
#include <stdlib.h>
#include <string.h>

#include "view_int.h"

void view_frame_scratch_free(view_frame_scratch *s)
{
    free(s->cells);
    free(s->pooled);
    memset(s, 0, sizeof *s);
}

static int ensure(uint8_t **p, size_t *len, size_t need)
{
    if (need <= *len) return 1;
    uint8_t *q = realloc(*p, need);
    if (!q) return 0;
    *p = q;
    *len = need;
    return 1;
}

unrest_status view_frame_encode(vbuf *b, const unrest_world *w, const unrest_recorder *rec,
                                size_t sample_from, size_t event_from, uint32_t max_side,
                                uint8_t flags, uint32_t generation, float speed,
                                view_frame_scratch *s)
{
    size_t n = unrest_world_site_count(w);
    if (sample_from > rec->n) sample_from = rec->n;
    if (event_from > rec->n_ev) event_from = rec->n_ev;
    vbuf_add(b, "UNRF", 4);
    vbuf_u8(b, 1);
    vbuf_u8(b, flags);
    vbuf_u16(b, (uint16_t)n);
    vbuf_u32(b, generation);
    vbuf_f32(b, speed);
    vbuf_i64(b, unrest_world_tick(w));
    vbuf_i64(b, unrest_world_ticks(w));
    vbuf_i64(b, unrest_world_time(w));
    vbuf_u32(b, (uint32_t)sample_from);
    vbuf_u32(b, (uint32_t)(rec->n - sample_from));
    vbuf_u32(b, (uint32_t)event_from);
    vbuf_u32(b, (uint32_t)(rec->n_ev - event_from));

    uint32_t *gw = calloc(n + 1, sizeof *gw), *gh = calloc(n + 1, sizeof *gh);
    if (!gw || !gh) {
        free(gw);
        free(gh);
        return UNREST_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        unrest_site_state st;
        unrest_world_site(w, i, &st);
        const unrest_params *p = unrest_model_params(unrest_world_model(w, i));
        view_pool_size(p->width, p->height, max_side, &gw[i], &gh[i]);
        vbuf_f32(b, (float)st.active);
        vbuf_f32(b, (float)st.participants);
        vbuf_f32(b, (float)st.jailed);
        vbuf_f32(b, (float)st.detained_total);
        vbuf_f32(b, (float)st.dead_total);
        vbuf_f32(b, (float)st.legitimacy);
        vbuf_f32(b, (float)st.troops);
        vbuf_f32(b, (float)st.police);
        vbuf_f32(b, (float)st.internet);
        vbuf_f32(b, (float)st.fuel_price);
        vbuf_f32(b, (float)st.threshold);
        vbuf_f32(b, (float)st.k);
        vbuf_u32(b, p->width);
        vbuf_u32(b, p->height);
        vbuf_u16(b, (uint16_t)gw[i]);
        vbuf_u16(b, (uint16_t)gh[i]);
        vbuf_u8(b, (uint8_t)((st.emergency ? 1 : 0) | (st.curfew ? 2 : 0)));
        uint8_t cap = 0;
        for (size_t f = 0; f < st.n_focal && f < 8; f++)
            if (st.captured[f]) cap = (uint8_t)(cap | 1u << f);
        vbuf_u8(b, cap);
        vbuf_u16(b, 0);
    }
    for (size_t t = sample_from; t < rec->n; t++)
        for (size_t i = 0; i < n; i++)
            for (int k = 0; k < VS_COUNT; k++)
                vbuf_f32(b, rec_at(rec, t, i, k));
    for (size_t e = event_from; e < rec->n_ev; e++) {
        size_t len = strlen(rec->ev[e].label);
        if (len > 255) len = 255;
        vbuf_u32(b, rec->ev[e].tick);
        vbuf_u8(b, (uint8_t)rec->ev[e].manual);
        vbuf_u8(b, (uint8_t)len);
        vbuf_add(b, rec->ev[e].label, len);
    }
    unrest_status st = UNREST_OK;
    for (size_t i = 0; i < n && st == UNREST_OK; i++) {
        const unrest_model *m = unrest_world_model(w, i);
        const unrest_params *p = unrest_model_params(m);
        size_t cells = (size_t)p->width * p->height, g = (size_t)gw[i] * gh[i];
        if (!ensure(&s->cells, &s->cells_len, cells) || !ensure(&s->pooled, &s->pooled_len, g)) {
            st = UNREST_ENOMEM;
            break;
        }
        unrest_model_snapshot(m, s->cells);
        view_pool(s->cells, p->width, p->height, s->pooled, gw[i], gh[i]);
        vbuf_add(b, s->pooled, g);
    }
    free(gw);
    free(gh);
    if (st == UNREST_OK && b->failed) st = UNREST_ENOMEM;
    return st;
}
