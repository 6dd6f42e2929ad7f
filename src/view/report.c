/*
 * report.c - self-contained HTML reports: the embedded page (web/index.html) with its style
 * sheet and script inlined and the data as a JSON object in a script element, so the file
 * opens offline and draws with the same code as the live viewer. A run report carries the
 * recorder's series, events and map snapshots (base64); an ensemble report carries each
 * variant's outcomes per member and per-day quantiles.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view_int.h"

const double unrest_report_q_levels[UNREST_REPORT_NQ] = {0.05, 0.25, 0.5, 0.75, 0.95};

static void json_kv_str(vbuf *b, const char *key, const char *v)
{
    vbuf_printf(b, "\"%s\":", key);
    vbuf_json_str(b, v);
}

static void json_kv_num(vbuf *b, const char *key, double v)
{
    vbuf_printf(b, "\"%s\":", key);
    vbuf_json_num(b, v);
}

/* Scenario facts both report kinds share: provenance, clock, sites with their focal points. */
static void scenario_fields(vbuf *b, const unrest_scenario *sc, uint64_t seed)
{
    json_kv_str(b, "title", sc->title[0] ? sc->title : sc->name);
    vbuf_u8(b, ',');
    json_kv_str(b, "scenario", sc->name);
    vbuf_printf(b, ",\"version\":\"%s\",\"seed\":\"%" PRIu64 "\",\"hash\":\"%016" PRIx64 "\"",
                UNREST_VERSION, seed, unrest_scenario_hash(sc));
    vbuf_printf(b, ",\"start\":%" PRId64 ",\"utc_offset_min\":%d,", sc->p.start,
                (int)sc->p.utc_offset_min);
    json_kv_num(b, "tick_hours", sc->p.tick_hours);
    vbuf_printf(b, ",\"days\":%u,\"sites\":[", sc->p.days);
    for (size_t i = 0; i < sc->n_sites; i++) {
        const unrest_sc_site *s = &sc->site[i];
        vbuf_str(b, i ? ",{" : "{");
        json_kv_str(b, "name", s->name);
        vbuf_u8(b, ',');
        json_kv_str(b, "region", s->region);
        vbuf_u8(b, ',');
        json_kv_num(b, "population", s->population);
        vbuf_printf(b, ",\"capital\":%d,\"focal\":[", s->capital);
        for (size_t f = 0; f < s->n_focal; f++) {
            vbuf_str(b, f ? ",{" : "{");
            json_kv_str(b, "name", s->focal[f].name);
            vbuf_u8(b, ',');
            json_kv_num(b, "x", s->focal[f].x);
            vbuf_u8(b, ',');
            json_kv_num(b, "y", s->focal[f].y);
            vbuf_u8(b, ',');
            json_kv_num(b, "radius", s->focal[f].radius);
            vbuf_u8(b, '}');
        }
        vbuf_str(b, "]}");
    }
    vbuf_str(b, "],\"outcome_names\":[");
    for (int c = 0; c < UNREST_OUTCOME_COUNT; c++) {
        if (c) vbuf_u8(b, ',');
        vbuf_json_str(b, unrest_outcome_class_name((unrest_outcome_class)c));
    }
    vbuf_str(b, "],\"timeline\":[");
    for (size_t i = 0; i < sc->n_events; i++) {
        const unrest_sc_event *e = &sc->event[i];
        vbuf_printf(b, "%s{\"tick\":%" PRId64 ",\"kind\":", i ? "," : "", e->tick);
        vbuf_json_str(b, unrest_sc_kind_name(e->kind));
        vbuf_str(b, ",\"label\":");
        vbuf_json_str(b, e->label);
        vbuf_u8(b, '}');
    }
    vbuf_u8(b, ']');
}

static void outcome_fields(vbuf *b, const unrest_outcomes *o)
{
    vbuf_str(b, "{");
    json_kv_num(b, "peak_active", o->peak_active);
    vbuf_printf(b, ",\"peak_tick\":%" PRId64 ",", o->peak_tick);
    json_kv_num(b, "participants", o->participants);
    vbuf_u8(b, ',');
    json_kv_num(b, "dead", o->dead);
    vbuf_u8(b, ',');
    json_kv_num(b, "detained", o->detained);
    vbuf_printf(b, ",\"sites_captured\":%u,\"held_at_end\":%u,", o->sites_captured, o->held_at_end);
    json_kv_num(b, "duration_hours", o->duration_hours);
    vbuf_u8(b, ',');
    json_kv_num(b, "final_legitimacy", o->final_legitimacy);
    vbuf_printf(b, ",\"ended\":%d,\"cls\":%d,", o->ended, (int)o->cls);
    json_kv_str(b, "class", unrest_outcome_class_name(o->cls));
    vbuf_str(b, "}");
}

void view_run_fields(vbuf *b, const unrest_recorder *rec, const unrest_world *w, int with_map)
{
    const unrest_scenario *sc = unrest_world_scenario(w);
    vbuf_str(b, "\"kind\":\"run\",");
    scenario_fields(b, sc, rec->seed);
    vbuf_printf(b, ",\"ticks\":%" PRId64 ",\"tick\":%" PRId64 ",\"time\":%" PRId64,
                unrest_world_ticks(w), unrest_world_tick(w), unrest_world_time(w));
    vbuf_str(b, ",\"lattices\":[");
    for (size_t i = 0; i < rec->n_sites; i++) {
        const unrest_params *p = unrest_model_params(unrest_world_model(w, i));
        vbuf_printf(b, "%s[%u,%u]", i ? "," : "", p->width, p->height);
    }
    vbuf_str(b, "],\"fields\":[\"active\",\"participants\",\"jailed\",\"detained\",\"dead\","
                "\"legitimacy\"]");
    vbuf_printf(b, ",\"series\":{\"n\":%zu,\"data\":[", rec->n);
    for (size_t t = 0; t < rec->n; t++)
        for (size_t i = 0; i < rec->n_sites; i++)
            for (int k = 0; k < VS_COUNT; k++) {
                if (t || i || k) vbuf_u8(b, ',');
                vbuf_json_num(b, rec_at(rec, t, i, k));
            }
    vbuf_str(b, "]},\"events\":[");
    for (size_t e = 0; e < rec->n_ev; e++) {
        vbuf_printf(b, "%s{\"tick\":%u,\"manual\":%d,\"label\":", e ? "," : "", rec->ev[e].tick,
                    rec->ev[e].manual);
        vbuf_json_str(b, rec->ev[e].label);
        vbuf_u8(b, '}');
    }
    vbuf_str(b, "],\"outcomes\":");
    unrest_outcomes o;
    unrest_world_outcomes(w, &o);
    outcome_fields(b, &o);
    if (with_map) {
        vbuf_printf(b, ",\"map\":{\"every\":%u,\"ticks\":[", rec->map_every);
        for (size_t m = 0; m < rec->n_map; m++)
            vbuf_printf(b, "%s%u", m ? "," : "", rec->map_tick[m]);
        vbuf_str(b, "],\"grids\":[");
        for (size_t i = 0; i < rec->n_sites; i++)
            vbuf_printf(b, "%s[%u,%u]", i ? "," : "", rec->map_gw[i], rec->map_gh[i]);
        /* two cells a byte (low nibble first), each site's grid padded to whole bytes */
        size_t packed = 0;
        for (size_t i = 0; i < rec->n_sites; i++)
            packed += ((size_t)rec->map_gw[i] * rec->map_gh[i] + 1) / 2;
        uint8_t *pk = calloc(rec->n_map * packed + 1, 1);
        if (!pk) {
            b->failed = 1;
            return;
        }
        const uint8_t *in = rec->map;
        uint8_t *po = pk;
        for (size_t m = 0; m < rec->n_map; m++)
            for (size_t i = 0; i < rec->n_sites; i++) {
                size_t g = (size_t)rec->map_gw[i] * rec->map_gh[i];
                for (size_t k = 0; k < g; k++)
                    po[k / 2] = (uint8_t)(po[k / 2] | (in[k] & 15) << (k % 2 ? 4 : 0));
                in += g;
                po += (g + 1) / 2;
            }
        vbuf_str(b, "],\"packing\":\"nibbles\",\"data\":\"");
        vbuf_base64(b, pk, rec->n_map * packed);
        free(pk);
        vbuf_str(b, "\"}");
    }
}

/* Replace the first `from` in page with `to` (both NUL-terminated). */
static void splice(vbuf *out, const char *page, const char *from, const char *to_a, size_t la,
                   const char **rest)
{
    const char *at = strstr(page, from);
    if (!at) {
        *rest = page;
        return;
    }
    vbuf_add(out, page, (size_t)(at - page));
    vbuf_add(out, to_a, la);
    *rest = at + strlen(from);
}

/* Inline text into a <script> or <style> element: "</" could close it early, so it is split. */
static void add_inline(vbuf *b, const char *s, size_t n)
{
    size_t i = 0, start = 0;
    for (; i + 1 < n; i++)
        if (s[i] == '<' && s[i + 1] == '/') {
            vbuf_add(b, s + start, i - start);
            vbuf_str(b, "<\\/");
            start = i + 2;
            i++;
        }
    vbuf_add(b, s + start, n - start);
}

void view_report_html(vbuf *b, const char *title, const char *json, size_t json_len)
{
    const view_asset *page = view_asset_find("index.html");
    const view_asset *css = view_asset_find("style.css");
    const view_asset *js = view_asset_find("app.js");
    if (!page || !css || !js) {
        b->failed = 1;
        return;
    }
    const char *p = (const char *)page->data, *rest;
    /* title */
    vbuf t = {0};
    vbuf_str(&t, "<title>");
    for (const char *c = title; *c; c++) {
        if (*c == '<')
            vbuf_str(&t, "&lt;");
        else if (*c == '>')
            vbuf_str(&t, "&gt;");
        else if (*c == '&')
            vbuf_str(&t, "&amp;");
        else
            vbuf_u8(&t, (uint8_t)*c);
    }
    vbuf_str(&t, " - unrest report</title>");
    splice(b, p, "<title>unrest</title>", t.data ? t.data : "", t.len, &rest);
    vbuf_free(&t);
    /* style sheet */
    vbuf s = {0};
    vbuf_str(&s, "<style>\n");
    add_inline(&s, (const char *)css->data, css->len);
    vbuf_str(&s, "</style>");
    const char *r2;
    splice(b, rest, "<link rel=\"stylesheet\" href=\"style.css\">", s.data ? s.data : "", s.len,
           &r2);
    if (s.failed) b->failed = 1;
    vbuf_free(&s);
    /* data and script */
    vbuf j = {0};
    vbuf_str(&j, "<script>window.UNREST_DATA = ");
    vbuf_add(&j, json, json_len); /* JSON strings escape < and >, so no "</" inside */
    vbuf_str(&j, ";</script>\n<script>\n");
    add_inline(&j, (const char *)js->data, js->len);
    vbuf_str(&j, "</script>");
    const char *r3;
    splice(b, r2, "<script src=\"app.js\"></script>", j.data ? j.data : "", j.len, &r3);
    if (j.failed) b->failed = 1;
    vbuf_free(&j);
    vbuf_str(b, r3);
}

unrest_status unrest_report_write_run(const unrest_recorder *rec, const unrest_world *w,
                                      const char *path, char *err, size_t errlen)
{
    if (!rec || !w || !path) {
        view_err(err, errlen, "report: missing recorder, world or path");
        return UNREST_EINVAL;
    }
    vbuf data = {0}, page = {0};
    vbuf_u8(&data, '{');
    view_run_fields(&data, rec, w, 1);
    vbuf_u8(&data, '}');
    const unrest_scenario *sc = unrest_world_scenario(w);
    if (!data.failed)
        view_report_html(&page, sc->title[0] ? sc->title : sc->name, data.data, data.len);
    unrest_status st;
    if (data.failed || page.failed) {
        view_err(err, errlen, "%s: out of memory", path);
        st = UNREST_ENOMEM;
    } else {
        st = view_write_file(path, page.data, page.len, err, errlen);
    }
    vbuf_free(&data);
    vbuf_free(&page);
    return st;
}

/* ---- ensembles ------------------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

unrest_status unrest_report_quantiles(const double *values, size_t runs, size_t days, double *q)
{
    if (!runs || !values || !q) return UNREST_EINVAL;
    double *col = malloc(runs * sizeof *col);
    if (!col) return UNREST_ENOMEM;
    for (size_t d = 0; d < days; d++) {
        for (size_t r = 0; r < runs; r++)
            col[r] = values[r * days + d];
        qsort(col, runs, sizeof *col, cmp_double);
        for (int j = 0; j < UNREST_REPORT_NQ; j++) {
            double pos = unrest_report_q_levels[j] * (double)(runs - 1);
            size_t lo = (size_t)floor(pos);
            size_t hi = lo + 1 < runs ? lo + 1 : lo;
            double f = pos - (double)lo;
            q[d * UNREST_REPORT_NQ + (size_t)j] = col[lo] + f * (col[hi] - col[lo]);
        }
    }
    free(col);
    return UNREST_OK;
}

static void fan(vbuf *b, const char *name, const double *q, size_t days, int *first)
{
    if (!q) return;
    vbuf_printf(b, "%s\"%s\":[", *first ? "" : ",", name);
    *first = 0;
    for (size_t i = 0; i < days * UNREST_REPORT_NQ; i++) {
        if (i) vbuf_u8(b, ',');
        vbuf_json_num(b, q[i]);
    }
    vbuf_u8(b, ']');
}

unrest_status unrest_report_write_ensemble(const unrest_report_ensemble *e, const char *path,
                                           char *err, size_t errlen)
{
    if (!e || !e->scenario || !path || (e->n_variants && !e->variants)) {
        view_err(err, errlen, "report: missing ensemble, scenario or path");
        return UNREST_EINVAL;
    }
    for (size_t v = 0; v < e->n_variants; v++)
        if (e->variants[v].runs && !e->variants[v].outcomes) {
            view_err(err, errlen, "report: variant %zu has runs but no outcomes", v);
            return UNREST_EINVAL;
        }
    const char *kind = e->kind && !strcmp(e->kind, "compare") ? "compare" : "ensemble";
    vbuf d = {0}, page = {0};
    vbuf_printf(&d, "{\"kind\":\"%s\",", kind);
    scenario_fields(&d, e->scenario, e->seed);
    vbuf_printf(&d, ",\"n_days\":%zu,\"q_levels\":[0.05,0.25,0.5,0.75,0.95],\"variants\":[",
                e->days);
    for (size_t v = 0; v < e->n_variants; v++) {
        const unrest_report_variant *var = &e->variants[v];
        vbuf_str(&d, v ? ",{" : "{");
        json_kv_str(&d, "name", var->name ? var->name : "variant");
        vbuf_printf(&d, ",\"runs\":%zu,\"probs\":[", var->runs);
        size_t cnt[UNREST_OUTCOME_COUNT] = {0};
        for (size_t r = 0; r < var->runs; r++)
            if ((unsigned)var->outcomes[r].cls < UNREST_OUTCOME_COUNT) cnt[var->outcomes[r].cls]++;
        for (int c = 0; c < UNREST_OUTCOME_COUNT; c++) {
            if (c) vbuf_u8(&d, ',');
            vbuf_json_num(&d, var->runs ? (double)cnt[c] / (double)var->runs : 0);
        }
        vbuf_str(&d, "],\"members\":[");
        for (size_t r = 0; r < var->runs; r++) {
            if (r) vbuf_u8(&d, ',');
            outcome_fields(&d, &var->outcomes[r]);
            if (var->seeds) {
                d.len--; /* reopen the object for the seed */
                vbuf_printf(&d, ",\"seed\":\"%" PRIu64 "\"}", var->seeds[r]);
            }
        }
        vbuf_str(&d, "],\"fans\":{");
        int first = 1;
        fan(&d, "active", var->active_q, e->days, &first);
        fan(&d, "detained", var->detained_q, e->days, &first);
        fan(&d, "dead", var->dead_q, e->days, &first);
        fan(&d, "legitimacy", var->legitimacy_q, e->days, &first);
        vbuf_str(&d, "}}");
    }
    vbuf_str(&d, "]}");
    const unrest_scenario *sc = e->scenario;
    if (!d.failed) view_report_html(&page, sc->title[0] ? sc->title : sc->name, d.data, d.len);
    unrest_status st;
    if (d.failed || page.failed) {
        view_err(err, errlen, "%s: out of memory", path);
        st = UNREST_ENOMEM;
    } else {
        st = view_write_file(path, page.data, page.len, err, errlen);
    }
    vbuf_free(&d);
    vbuf_free(&page);
    return st;
}
