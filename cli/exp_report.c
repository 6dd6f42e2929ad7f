/*
 * exp_report.c - what the experiment commands print and write about their runs: the table of
 * outcome probabilities and medians with 95% intervals per variant and the differences from
 * the first variant on common seeds (cli_exp_report), and the HTML report (--report).
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "unrest/design.h"
#include "unrest/view.h"

#define BOOT 2000 /* bootstrap resamples for medians */
#define CONF 0.95

/* ---- the report ------------------------------------------------------------------------------ */

typedef struct metric {
    const char *name; /* as printed */
    int which;        /* 0 dead, 1 detained, 2 duration_hours, 3 peak_active */
} metric;

static double metric_of(const unrest_outcomes *o, int which)
{
    switch (which) {
    case 0:
        return o->dead;
    case 1:
        return o->detained;
    case 2:
        return o->duration_hours;
    default:
        return o->peak_active;
    }
}

/* "[lo, hi]", padded to a column unless it ends the line. */
static void interval(FILE *out, double lo, double hi, const char *fmt, int last)
{
    char a[32], b[32];
    snprintf(a, sizeof a, fmt, lo);
    snprintf(b, sizeof b, fmt, hi);
    char buf[80];
    snprintf(buf, sizeof buf, "[%s, %s]", a, b);
    fprintf(out, last ? "%s" : "%-24s", buf);
}

void cli_exp_report(FILE *out, const char *const *names, const unrest_store_row *const *rows,
                    const size_t *nrows, size_t nv, uint64_t seed)
{
    /* runs done in every variant, paired by index */
    size_t n = nrows[0];
    for (size_t v = 1; v < nv; v++)
        if (nrows[v] < n) n = nrows[v];
    size_t *pair = malloc((n ? n : 1) * sizeof *pair);
    double *x = malloc((n ? n : 1) * sizeof *x), *y = malloc((n ? n : 1) * sizeof *y);
    unsigned char *a = malloc(n ? n : 1), *b = malloc(n ? n : 1);
    if (!pair || !x || !y || !a || !b) {
        fprintf(out, "(out of memory: no report)\n");
        goto done;
    }
    size_t np = 0;
    for (size_t i = 0; i < n; i++) {
        int ok = 1;
        for (size_t v = 0; v < nv; v++)
            if (rows[v][i].status != 1 || rows[v][i].idx != rows[0][i].idx) ok = 0;
        if (ok) pair[np++] = i;
    }
    if (nv > 1)
        fprintf(out, "%zu runs per variant done on common seeds; intervals are 95%%.\n\n", np);
    else
        fprintf(out, "%zu runs done; intervals are 95%%.\n\n", np);
    if (np == 0) goto done;
    int w = 10;
    for (size_t v = 0; v < nv; v++)
        if ((int)strlen(names[v]) > w) w = (int)strlen(names[v]);
    fprintf(out, "%-22s %-*s  %-10s %s", "outcome", w, "variant", "estimate", "interval");
    if (nv > 1) fprintf(out, "%*s%-11s %s", 24 - 8, "", "minus first", "interval");
    fputc('\n', out);
    for (int c = 0; c < UNREST_OUTCOME_COUNT; c++) {
        char label[64];
        snprintf(label, sizeof label, "P(%s)", unrest_outcome_class_name((unrest_outcome_class)c));
        for (size_t i = 0; i < np; i++)
            a[i] = rows[0][pair[i]].out.cls == (unrest_outcome_class)c;
        for (size_t v = 0; v < nv; v++) {
            size_t k = 0;
            for (size_t i = 0; i < np; i++) {
                b[i] = rows[v][pair[i]].out.cls == (unrest_outcome_class)c;
                k += b[i];
            }
            double lo, hi;
            unrest_ci_proportion(k, np, CONF, &lo, &hi);
            fprintf(out, "%-22s %-*s  %-10.3f ", v ? "" : label, w, names[v],
                    (double)k / (double)np);
            interval(out, lo, hi, "%.3f", v == 0);
            if (v > 0) {
                double d, dlo, dhi;
                unrest_ci_paired_proportion(b, a, np, CONF, &d, &dlo, &dhi);
                fprintf(out, "%+-11.3f ", d);
                interval(out, dlo, dhi, "%+.3f", 1);
            }
            fputc('\n', out);
        }
    }
    static const metric metrics[] = {{"median dead", 0},
                                     {"median detained", 1},
                                     {"median duration (h)", 2},
                                     {"median peak active", 3}};
    for (size_t m = 0; m < sizeof metrics / sizeof metrics[0]; m++) {
        for (size_t i = 0; i < np; i++)
            x[i] = metric_of(&rows[0][pair[i]].out, metrics[m].which);
        for (size_t v = 0; v < nv; v++) {
            for (size_t i = 0; i < np; i++)
                y[i] = metric_of(&rows[v][pair[i]].out, metrics[m].which);
            double med, lo, hi;
            uint64_t bs = unrest_seed_derive(seed, 1000003u * (m + 1) + v);
            unrest_ci_median(y, np, CONF, BOOT, bs, &med, &lo, &hi);
            fprintf(out, "%-22s %-*s  %-10.1f ", v ? "" : metrics[m].name, w, names[v], med);
            interval(out, lo, hi, "%.1f", v == 0);
            if (v > 0) {
                double d, dlo, dhi;
                unrest_ci_paired_median(y, x, np, CONF, BOOT, bs ^ 0x5bd1e995u, &d, &dlo, &dhi);
                fprintf(out, "%+-11.1f ", d);
                interval(out, dlo, dhi, "%+.1f", 1);
            }
            fputc('\n', out);
        }
    }
    if (nv > 1)
        fprintf(out,
                "\n'minus first': the variant's value minus %s's on the same seeds "
                "(medians: median of the paired differences).\n",
                names[0]);
done:
    free(pair);
    free(x);
    free(y);
    free(a);
    free(b);
}

int cli_exp_write_report(const cli_exp *e, unrest_store *s, int64_t exp, const char *kind,
                         const char *const *names, const int64_t *ids,
                         const unrest_store_row *const *rows, const size_t *nrows, size_t nv)
{
    size_t days = e->sc->p.days, nq = days * UNREST_REPORT_NQ;
    unrest_report_variant *vars = calloc(nv, sizeof *vars);
    unrest_outcomes **outs = calloc(nv, sizeof *outs);
    uint64_t **seeds = calloc(nv, sizeof *seeds);
    double **q = calloc(4 * nv, sizeof *q);
    int rc = EXIT_FAIL;
    char err[512];
    if (!vars || !outs || !seeds || !q) goto nomem;
    for (size_t k = 0; k < nv; k++) {
        size_t n = 0;
        outs[k] = calloc(nrows[k] ? nrows[k] : 1, sizeof **outs);
        seeds[k] = calloc(nrows[k] ? nrows[k] : 1, sizeof **seeds);
        if (!outs[k] || !seeds[k]) goto nomem;
        for (size_t i = 0; i < nrows[k]; i++)
            if (rows[k][i].status == 1) {
                outs[k][n] = rows[k][i].out;
                seeds[k][n++] = rows[k][i].seed;
            }
        vars[k].name = names[k];
        vars[k].runs = n;
        vars[k].outcomes = outs[k];
        vars[k].seeds = seeds[k];
        double *m[4];
        size_t have;
        const char *sn[UNREST_SC_MAX_SITES];
        double pop[UNREST_SC_MAX_SITES];
        for (size_t j = 0; j < e->sc->n_sites; j++) {
            sn[j] = e->sc->site[j].name;
            pop[j] = e->sc->site[j].population;
        }
        if (unrest_store_national(s, exp, ids[k], nrows[k], days, sn, pop, e->sc->n_sites, &m[0],
                                  &m[1], &m[2], &m[3], &have) != UNREST_OK) {
            cli_error(e->cmd, "%s", unrest_store_error(s));
            goto done;
        }
        for (int j = 0; j < 4; j++) {
            if (have && (q[4 * k + (size_t)j] = malloc(nq * sizeof **q)) != NULL)
                unrest_report_quantiles(m[j], nrows[k], days, q[4 * k + (size_t)j]);
            free(m[j]);
        }
        vars[k].active_q = q[4 * k];
        vars[k].detained_q = q[4 * k + 1];
        vars[k].dead_q = q[4 * k + 2];
        vars[k].legitimacy_q = q[4 * k + 3];
    }
    unrest_report_ensemble rep = {.kind = kind,
                                  .scenario = e->sc,
                                  .seed = e->seed,
                                  .days = days,
                                  .n_variants = nv,
                                  .variants = vars};
    if (unrest_report_write_ensemble(&rep, e->report, err, sizeof err) != UNREST_OK) {
        cli_error(e->cmd, "--report: %s", err);
        rc = EXIT_USAGE;
        goto done;
    }
    if (!e->quiet) printf("\nwrote %s (open it in a browser; it works offline)\n", e->report);
    rc = EXIT_OK;
    goto done;
nomem:
    cli_error(e->cmd, "out of memory writing the report");
done:
    for (size_t k = 0; k < nv; k++) {
        if (outs) free(outs[k]);
        if (seeds) free(seeds[k]);
    }
    if (q)
        for (size_t k = 0; k < 4 * nv; k++)
            free(q[k]);
    free(q);
    free(outs);
    free(seeds);
    free(vars);
    return rc;
}
