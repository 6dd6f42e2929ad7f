/*
 * forecast.c - many runs of a scenario, each with its own keyed seed and, given a posterior, its
 * own parameter set drawn from it (unrest_calibrate_posterior_draw, keyed by the run index), and
 * the summaries an analyst reads: national participation by day, focal points taken and
 * retaken, detained by a date, casualties in all and by city, when it ends, outcome classes.
 * Runs go side by side on `workers` threads, each world single-threaded; every run writes only
 * its own record, so the result does not depend on the number of workers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unrest/design.h"
#include "unrest/forecast.h"
#include "unrest/world.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* What one run leaves. */
typedef struct run_rec {
    double *day_peak;    /* [days] national peak of people active at once per day */
    int64_t *fell;       /* [focal points] first tick it fell, -1 never */
    int64_t *fell_after; /* [focal points] first tick it fell at or after `from`, -1 never */
    int64_t *retaken;    /* [focal points] first tick it was retaken after falling, -1 never */
    int *held_end;       /* [focal points] held by the crowd at the end */
    double *site_cas;    /* [sites x 4] dead, injured, security dead, security injured */
    double detained_by;  /* people detained by the `detained_by` date */
    double dead, injured, sec_dead, sec_injured; /* totals at the end */
    double peak;                                 /* national peak after `from` */
    int64_t peak_tick;                           /* when */
    int64_t end_tick; /* last tick with a national share >= end_share, -1 none */
    int cls;          /* unrest_outcome_class */
    int ok;           /* ran to the end */
} run_rec;

struct unrest_forecast {
    unrest_scenario sc; /* copy (names, clock) */
    size_t runs, days, nf, ns;
    double total_pop; /* people in all sites */
    int64_t ticks, from_tick, by_tick;
    double conf;
    int posterior;       /* runs drew their parameters from a posterior */
    size_t *focal_site;  /* [nf] site of focal point j */
    size_t *focal_index; /* [nf] its index in the site */
    run_rec *r;          /* [runs] */
    char provenance[256];
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median and central interval of v[0..n) (sorted in place). */
static void quantiles(double *v, size_t n, double conf, double *med, double *lo, double *hi)
{
    if (n == 0) {
        *med = *lo = *hi = NAN;
        return;
    }
    qsort(v, n, sizeof *v, cmp_double);
    double a = (1 - conf) / 2;
    size_t il = (size_t)floor(a * (double)(n - 1) + 0.5);
    size_t ih = (size_t)floor((1 - a) * (double)(n - 1) + 0.5);
    *med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    *lo = v[il];
    *hi = v[ih];
}

static int64_t tick_of(const unrest_scenario *sc, int64_t t)
{
    return (int64_t)floor((double)(t - sc->p.start) / (sc->p.tick_hours * 3600) + 1e-9);
}

/* One run: draw, build, step to the end, record. */
static unrest_status run_one(const unrest_forecast *f, const unrest_forecast_config *c, size_t i,
                             run_rec *r, char *err, size_t errlen)
{
    static _Thread_local unrest_scenario sc; /* large: one per thread, not on the stack */
    sc = *c->sc;
    if (c->post) {
        char factors[4096];
        unrest_status st =
            unrest_calibrate_posterior_draw(c->post, c->seed, i, NULL, factors, sizeof factors);
        if (st != UNREST_OK) {
            snprintf(err, errlen, "posterior draw %zu failed", i);
            return st;
        }
        if ((st = unrest_scenario_set_all(&sc, factors, err, errlen)) != UNREST_OK) return st;
    }
    unrest_world *w = NULL;
    unrest_status st = unrest_world_create(&w, &sc, unrest_seed_derive(c->seed, i), err, errlen);
    if (st != UNREST_OK) return st;
    double share_end = sc.p.end_share;
    for (size_t j = 0; j < f->nf; j++)
        r->fell[j] = r->fell_after[j] = r->retaken[j] = -1;
    r->end_tick = -1;
    r->peak_tick = -1;
    for (int64_t t = 0; t < f->ticks; t++) {
        if ((st = unrest_world_step(w)) != UNREST_OK) {
            snprintf(err, errlen, "%s", unrest_world_error(w));
            unrest_world_destroy(w);
            return st;
        }
        size_t d = (size_t)((double)t * sc.p.tick_hours / 24);
        double nat = 0, detained = 0;
        for (size_t s = 0; s < f->ns; s++) {
            unrest_site_state ss;
            unrest_world_site(w, s, &ss);
            nat += ss.active;
            detained += ss.detained_total;
            for (size_t j = 0; j < f->nf; j++) {
                if (f->focal_site[j] != s) continue;
                int held = ss.captured[f->focal_index[j]];
                if (held && r->fell[j] < 0) r->fell[j] = t + 1;
                if (held && r->fell_after[j] < 0 && t + 1 > f->from_tick) r->fell_after[j] = t + 1;
                if (!held && r->fell[j] >= 0 && r->retaken[j] < 0) r->retaken[j] = t + 1;
                r->held_end[j] = held;
            }
            if (t + 1 == f->ticks) {
                r->site_cas[4 * s] = ss.dead_total;
                r->site_cas[4 * s + 1] = ss.injured_total;
                r->site_cas[4 * s + 2] = ss.security_dead_total;
                r->site_cas[4 * s + 3] = ss.security_injured_total;
            }
        }
        if (d < f->days && nat > r->day_peak[d]) r->day_peak[d] = nat;
        if (t + 1 > f->from_tick && nat > r->peak) {
            r->peak = nat;
            r->peak_tick = t + 1;
        }
        if (t + 1 == f->by_tick) r->detained_by = detained;
        if (nat / f->total_pop >= share_end) r->end_tick = t + 1;
    }
    unrest_outcomes o;
    unrest_world_outcomes(w, &o);
    if (f->by_tick > f->ticks) r->detained_by = o.detained;
    r->dead = o.dead;
    r->injured = o.injured;
    r->sec_dead = o.security_dead;
    r->sec_injured = o.security_injured;
    r->cls = (int)o.cls;
    r->ok = 1;
    unrest_world_destroy(w);
    return UNREST_OK;
}

void unrest_forecast_destroy(unrest_forecast *f)
{
    if (!f) return;
    if (f->r)
        for (size_t i = 0; i < f->runs; i++) {
            free(f->r[i].day_peak);
            free(f->r[i].fell);
            free(f->r[i].fell_after);
            free(f->r[i].retaken);
            free(f->r[i].held_end);
            free(f->r[i].site_cas);
        }
    free(f->r);
    free(f->focal_site);
    free(f->focal_index);
    free(f);
}

unrest_status unrest_forecast_run(unrest_forecast **out, const unrest_forecast_config *c, char *err,
                                  size_t errlen)
{
    *out = NULL;
    if (!c || !c->sc || c->runs < 2) {
        snprintf(err, errlen, "a forecast needs a scenario and at least 2 runs");
        return UNREST_EINVAL;
    }
    unrest_forecast *f = calloc(1, sizeof *f);
    if (!f) return UNREST_ENOMEM;
    f->sc = *c->sc;
    const unrest_sc_params *p = &f->sc.p;
    f->runs = c->runs;
    f->conf = c->conf > 0 && c->conf < 1 ? c->conf : 0.9;
    f->posterior = c->post != NULL;
    f->ticks = (int64_t)floor((double)p->days * 24.0 / p->tick_hours + 1e-9);
    f->days = p->days;
    f->ns = f->sc.n_sites;
    f->from_tick = tick_of(&f->sc, c->from);
    f->by_tick = tick_of(&f->sc, c->detained_by);
    for (size_t s = 0; s < f->ns; s++) {
        f->nf += f->sc.site[s].n_focal;
        f->total_pop += f->sc.site[s].population;
    }
    f->focal_site = calloc(f->nf + 1, sizeof *f->focal_site);
    f->focal_index = calloc(f->nf + 1, sizeof *f->focal_index);
    f->r = calloc(f->runs, sizeof *f->r);
    if (!f->focal_site || !f->focal_index || !f->r) goto nomem;
    for (size_t s = 0, j = 0; s < f->ns; s++)
        for (size_t k = 0; k < f->sc.site[s].n_focal; k++, j++) {
            f->focal_site[j] = s;
            f->focal_index[j] = k;
        }
    for (size_t i = 0; i < f->runs; i++) {
        run_rec *r = &f->r[i];
        r->day_peak = calloc(f->days + 1, sizeof *r->day_peak);
        r->fell = calloc(f->nf + 1, sizeof *r->fell);
        r->fell_after = calloc(f->nf + 1, sizeof *r->fell_after);
        r->retaken = calloc(f->nf + 1, sizeof *r->retaken);
        r->held_end = calloc(f->nf + 1, sizeof *r->held_end);
        r->site_cas = calloc(4 * f->ns + 1, sizeof *r->site_cas);
        if (!r->day_peak || !r->fell || !r->fell_after || !r->retaken || !r->held_end ||
            !r->site_cas)
            goto nomem;
    }
    unsigned workers = c->workers ? c->workers : 1;
    size_t done = 0;
    int failed = 0;
    char first_err[600] = "";
#pragma omp parallel for schedule(dynamic, 1) num_threads(workers)
    for (size_t i = 0; i < f->runs; i++) {
        char e[512] = "";
        unrest_status st = run_one(f, c, i, &f->r[i], e, sizeof e);
#pragma omp critical(unrest_forecast_progress)
        {
            if (st != UNREST_OK && !failed) {
                failed = 1;
                snprintf(first_err, sizeof first_err, "run %zu: %s", i, e);
            }
            done++;
#ifdef _OPENMP
            if (c->progress && omp_get_thread_num() == 0) c->progress(c->user, done, f->runs);
#else
            if (c->progress) c->progress(c->user, done, f->runs);
#endif
        }
    }
    if (failed) {
        snprintf(err, errlen, "%s", first_err);
        unrest_forecast_destroy(f);
        return UNREST_ESTATE;
    }
    *out = f;
    return UNREST_OK;
nomem:
    snprintf(err, errlen, "out of memory for the forecast");
    unrest_forecast_destroy(f);
    return UNREST_ENOMEM;
}

int unrest_forecast_day_peak(const unrest_forecast *f, size_t d, double *median, double *lo,
                             double *hi)
{
    if (!f || d >= f->days) return -1;
    double *v = malloc(f->runs * sizeof *v);
    if (!v) return -1;
    for (size_t i = 0; i < f->runs; i++)
        v[i] = f->r[i].day_peak[d];
    quantiles(v, f->runs, f->conf, median, lo, hi);
    free(v);
    return 0;
}

/* ---- Markdown ----------------------------------------------------------------------------- */

static void fmt_time(const unrest_forecast *f, int64_t tick, char *buf, size_t n)
{
    if (tick < 0) {
        snprintf(buf, n, "-");
        return;
    }
    int64_t t = f->sc.p.start + (int64_t)llround((double)tick * f->sc.p.tick_hours * 3600);
    unrest_format_time(t, f->sc.p.utc_offset_min, buf, n);
}

/* "1,234" for people counts (rounded). */
static void fmt_people(double v, char *buf, size_t n)
{
    if (!isfinite(v)) {
        snprintf(buf, n, "-");
        return;
    }
    long long x = llround(v);
    char raw[32];
    snprintf(raw, sizeof raw, "%lld", x < 0 ? -x : x);
    size_t len = strlen(raw), o = 0;
    if (x < 0 && o + 1 < n) buf[o++] = '-';
    for (size_t i = 0; i < len && o + 2 < n; i++) {
        buf[o++] = raw[i];
        if ((len - i - 1) % 3 == 0 && i + 1 < len) buf[o++] = ',';
    }
    buf[o] = '\0';
}

/* "median (lo-hi)" of a statistic over the runs. */
static void stat_text(const unrest_forecast *f, double *v, size_t n, char *buf, size_t len)
{
    double m, lo, hi;
    quantiles(v, n, f->conf, &m, &lo, &hi);
    char a[32], b[32], d[32];
    fmt_people(m, a, sizeof a);
    fmt_people(lo, b, sizeof b);
    fmt_people(hi, d, sizeof d);
    snprintf(buf, len, "%s (%s–%s)", a, b, d);
}

/* Median and interval of tick values v (>= 0) as times. */
static void time_text(const unrest_forecast *f, double *v, size_t n, char *buf, size_t len)
{
    if (n == 0) {
        snprintf(buf, len, "-");
        return;
    }
    double m, lo, hi;
    quantiles(v, n, f->conf, &m, &lo, &hi);
    char a[32], b[32], d[32];
    fmt_time(f, (int64_t)llround(m), a, sizeof a);
    fmt_time(f, (int64_t)llround(lo), b, sizeof b);
    fmt_time(f, (int64_t)llround(hi), d, sizeof d);
    snprintf(buf, len, "%s (%s – %s)", a, b, d);
}

unrest_status unrest_forecast_write_markdown(const unrest_forecast *f, FILE *out,
                                             const char *provenance)
{
    size_t n = f->runs;
    double *v = malloc((n + 1) * sizeof *v);
    if (!v) return UNREST_ENOMEM;
    int pc = (int)llround(f->conf * 100);
    char buf[256], t1[64];
    fprintf(out, "# Forecast: %s\n\n", f->sc.title[0] ? f->sc.title : f->sc.name);
    if (provenance && *provenance) fprintf(out, "%s\n\n", provenance);
    fmt_time(f, f->from_tick, t1, sizeof t1);
    fprintf(out,
            "%zu runs. Each number is the median over the runs with its central %d%% interval "
            "in brackets; the intervals carry %s. Counts are people. The forecast proper starts "
            "at %s; the days before it are marked (before).\n\n",
            n, pc,
            f->posterior ? "the uncertainty of the parameters (each run draws its own parameter "
                           "set from the posterior) and chance (each run its own seed)"
                         : "chance only (each run its own seed; the parameters are the "
                           "scenario's)",
            t1);

    fprintf(out, "## National participation by day\n\nMost people active at once in the day, all "
                 "cities.\n\n| day | date | people active at once |\n|---|---|---|\n");
    for (size_t d = 0; d < f->days; d++) {
        for (size_t i = 0; i < n; i++)
            v[i] = f->r[i].day_peak[d];
        stat_text(f, v, n, buf, sizeof buf);
        fmt_time(f, (int64_t)llround((double)d * 24 / f->sc.p.tick_hours), t1, sizeof t1);
        t1[10] = '\0';
        int64_t day_start = (int64_t)llround((double)d * 24 / f->sc.p.tick_hours);
        fprintf(out, "| %zu | %s%s | %s |\n", d + 1, t1,
                day_start < f->from_tick ? " (before)" : "", buf);
    }
    for (size_t i = 0; i < n; i++)
        v[i] = f->r[i].peak;
    stat_text(f, v, n, buf, sizeof buf);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (f->r[i].peak_tick >= 0) v[k++] = (double)f->r[i].peak_tick;
    char when[160];
    time_text(f, v, k, when, sizeof when);
    fprintf(out, "\n**Peak after the forecast starts:** %s people at once, at %s.\n\n", buf, when);

    fprintf(out,
            "## Focal points: taken and retaken\n\n| city | focal point | falls at all | falls "
            "in the forecast | first falls at | retaken (if it fell) | retaken at | held at "
            "the end |\n|---|---|---|---|---|---|---|---|\n");
    for (size_t j = 0; j < f->nf; j++) {
        size_t fell = 0, after = 0, ret = 0, held = 0;
        for (size_t i = 0; i < n; i++) {
            fell += f->r[i].fell[j] >= 0;
            after += f->r[i].fell_after[j] >= 0;
            ret += f->r[i].retaken[j] >= 0;
            held += (size_t)f->r[i].held_end[j];
        }
        k = 0;
        for (size_t i = 0; i < n; i++)
            if (f->r[i].fell[j] >= 0) v[k++] = (double)f->r[i].fell[j];
        char tf[160], tr[160];
        time_text(f, v, k, tf, sizeof tf);
        k = 0;
        for (size_t i = 0; i < n; i++)
            if (f->r[i].retaken[j] >= 0) v[k++] = (double)f->r[i].retaken[j];
        time_text(f, v, k, tr, sizeof tr);
        const unrest_sc_site *s = &f->sc.site[f->focal_site[j]];
        fprintf(out, "| %s | %s | %.0f%% | %.0f%% | %s | %.0f%% | %s | %.0f%% |\n", s->name,
                s->focal[f->focal_index[j]].name, 100.0 * (double)fell / (double)n,
                100.0 * (double)after / (double)n, tf,
                fell ? 100.0 * (double)ret / (double)fell : 0.0, tr,
                100.0 * (double)held / (double)n);
    }

    for (size_t i = 0; i < n; i++)
        v[i] = f->r[i].detained_by;
    stat_text(f, v, n, buf, sizeof buf);
    fmt_time(f, f->by_tick, t1, sizeof t1);
    fprintf(out, "\n## Detained\n\nPeople detained from the start to %s: %s.\n\n", t1, buf);

    fprintf(out, "## Dead and injured\n\n| where | civilians dead | civilians injured | "
                 "security dead | security injured |\n|---|---|---|---|---|\n");
    char c4[4][96];
    for (int q = 0; q < 4; q++) {
        for (size_t i = 0; i < n; i++)
            v[i] = q == 0   ? f->r[i].dead
                   : q == 1 ? f->r[i].injured
                   : q == 2 ? f->r[i].sec_dead
                            : f->r[i].sec_injured;
        stat_text(f, v, n, c4[q], sizeof c4[q]);
    }
    fprintf(out, "| all cities | %s | %s | %s | %s |\n", c4[0], c4[1], c4[2], c4[3]);
    for (size_t s = 0; s < f->ns; s++) {
        int any = 0;
        for (int q = 0; q < 4; q++) {
            for (size_t i = 0; i < n; i++)
                v[i] = f->r[i].site_cas[4 * s + (size_t)q];
            double m, lo, hi;
            quantiles(v, n, f->conf, &m, &lo, &hi);
            any |= hi > 0;
            stat_text(f, v, n, c4[q], sizeof c4[q]);
        }
        if (any)
            fprintf(out, "| %s | %s | %s | %s | %s |\n", f->sc.site[s].name, c4[0], c4[1], c4[2],
                    c4[3]);
    }
    fprintf(out, "\n(Cities whose every interval is 0 are left out.)\n\n");

    k = 0;
    size_t open_end = 0;
    for (size_t i = 0; i < n; i++) {
        if (f->r[i].end_tick >= f->ticks)
            open_end++;
        else if (f->r[i].end_tick >= 0)
            v[k++] = (double)f->r[i].end_tick;
    }
    time_text(f, v, k, when, sizeof when);
    fprintf(out,
            "## When it ends\n\nThe last hour with at least %g of the country's people active: %s "
            "(runs that ended); still going at the end of the run in %.0f%% of runs.\n\n",
            f->sc.p.end_share, when, 100.0 * (double)open_end / (double)n);

    fprintf(out,
            "## Outcome classes at the end of the run\n\n| class | share of runs |\n|---|---|\n");
    for (int cls = 0; cls < UNREST_OUTCOME_COUNT; cls++) {
        size_t c = 0;
        for (size_t i = 0; i < n; i++)
            c += f->r[i].cls == cls;
        fprintf(out, "| %s | %.0f%% |\n", unrest_outcome_class_name((unrest_outcome_class)cls),
                100.0 * (double)c / (double)n);
    }
    free(v);
    return ferror(out) ? UNREST_EIO : UNREST_OK;
}
