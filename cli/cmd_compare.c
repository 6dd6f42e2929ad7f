/*
 * cmd_compare.c - `unrest compare`: run several variants of a scenario on the same seeds
 * (common random numbers) and print, for each outcome class, each variant's probability with a
 * 95% Wilson interval, the medians of dead, detained, duration and peak with bootstrap
 * intervals, and each variant's difference from the first with a paired interval. Also the
 * report table itself (cli_exp_report), which `unrest ensemble` prints for one variant.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "unrest/view.h"
#include "unrest/design.h"

#define MAX_VARIANTS 32
#define BOOT 2000 /* bootstrap resamples for medians */
#define CONF 0.95

void help_compare(FILE *out)
{
    fprintf(out,
            "usage: unrest compare SCENARIO --variant NAME=FILE_OR_SETTINGS ... [OPTIONS]\n"
            "\n"
            "Run each variant N times on the same seeds (run i of every variant has seed\n"
            "unrest_seed_derive(master, i)) and print a table: for each outcome (suppressed,\n"
            "settled, capital, protracted) each variant's probability with a 95%% Wilson\n"
            "interval; medians of dead, detained, duration and peak with 95%% bootstrap\n"
            "intervals; and each variant's difference from the first variant, with paired\n"
            "intervals (Newcombe for probabilities, bootstrap of paired differences for\n"
            "medians). With one --variant, the unchanged SCENARIO is added first as 'base'.\n"
            "\n"
            "  SCENARIO           a scenario file, or 'default'\n"
            "  --variant NAME=FILE          a scenario file (it may use base:), or\n"
            "  --variant NAME=PATH=V,PATH=V settings applied on top of SCENARIO (repeatable)\n"
            "  --runs N           runs per variant (default 100)\n"
            "%s"
            "  Without --db the runs are kept in memory only.\n"
            "\n"
            "examples:\n"
            "  unrest compare default --variant lenity=legitimacy.initial=0.75 \\\n"
            "      --variant cruelty=force.lethal_fear=2 --runs 200\n"
            "  unrest compare default --variant no-csto=scenarios/no-csto.yaml --db cmp.db\n",
            CLI_EXP_OPTIONS_HELP);
}

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

/* ---- the command ----------------------------------------------------------------------------- */

typedef struct variant {
    char name[UNREST_SC_NAME]; /* as given */
    const char *spec;          /* FILE or settings, as given */
    int is_file;               /* spec is a scenario file */
    unrest_scenario *sc;       /* the variant's scenario (malloc'd) */
    int64_t id;                /* variant row */
} variant;

static int valid_name(const char *s, size_t n)
{
    if (n == 0 || n >= UNREST_SC_NAME) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

/* Build a variant's scenario: a file (then the global --set values), or settings applied on
 * top of the base scenario. */
static int variant_build(cli_exp *e, variant *v)
{
    int rc;
    v->sc = malloc(sizeof *v->sc);
    if (!v->sc) {
        cli_error(e->cmd, "out of memory");
        return EXIT_FAIL;
    }
    if (v->is_file) {
        if ((rc = cli_scenario_read(e->cmd, v->spec, v->sc)) != EXIT_OK) return rc;
        for (size_t i = 0; i < e->nsets; i++)
            if ((rc = cli_scenario_apply(e->cmd, "--set", v->sc, e->sets[i])) != EXIT_OK) return rc;
    } else {
        memcpy(v->sc, e->sc, sizeof *v->sc);
        char buf[2048];
        if (strlen(v->spec) >= sizeof buf) {
            cli_error(e->cmd, "--variant '%s': settings too long", v->name);
            return EXIT_USAGE;
        }
        snprintf(buf, sizeof buf, "%s", v->spec);
        for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
            char what[128];
            snprintf(what, sizeof what, "--variant %.60s", v->name);
            if ((rc = cli_scenario_apply(e->cmd, what, v->sc, tok)) != EXIT_OK) return rc;
        }
    }
    char err[1024];
    if (unrest_scenario_validate(v->sc, err, sizeof err) != UNREST_OK) {
        cli_error(e->cmd, "--variant %s: %s", v->name, err);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

int cmd_compare(int argc, char **argv)
{
    const char *C = "compare";
    cli_exp e;
    cli_exp_init(&e, C, argc, argv);
    int rc = EXIT_USAGE;
    unrest_store *s = NULL;
    unrest_job *jobs = NULL;
    variant var[MAX_VARIANTS + 1];
    size_t nv = 0;
    unrest_store_row *rows[MAX_VARIANTS + 1] = {0};
    size_t nrows[MAX_VARIANTS + 1] = {0};
    char *settings = NULL;
    memset(var, 0, sizeof var);
    /* slot 0 is kept for an automatic 'base' */
    variant *given = var + 1;
    size_t ngiven = 0;
    for (int i = 1; i < argc; i++) {
        const char *val;
        int r = cli_opt(argc, argv, &i, "--variant", &val);
        if (r < 0) {
            cli_error(C, "option '--variant' needs a value (NAME=FILE or NAME=PATH=VALUE,...)");
            goto done;
        }
        if (r > 0) {
            const char *eq = strchr(val, '=');
            if (!eq || !valid_name(val, (size_t)(eq - val)) || !eq[1]) {
                cli_error(C,
                          "--variant '%s': expected NAME=FILE or NAME=PATH=VALUE,... (NAME: "
                          "letters, digits, '_', '-', '.')",
                          val);
                goto done;
            }
            if (ngiven == MAX_VARIANTS) {
                cli_error(C, "at most %d variants", MAX_VARIANTS);
                goto done;
            }
            variant *v = &given[ngiven++];
            snprintf(v->name, sizeof v->name, "%.*s", (int)(eq - val), val);
            v->spec = eq + 1;
            v->is_file = strchr(v->spec, '=') == NULL;
            for (size_t k = 0; k + 1 < ngiven; k++)
                if (!strcmp(given[k].name, v->name)) {
                    cli_error(C, "--variant: two variants named '%s'", v->name);
                    goto done;
                }
            continue;
        }
        r = cli_exp_option(&e, argc, argv, &i);
        if (r < 0) goto done;
        if (r == 0) {
            cli_error(C, "unknown option '%s' (try 'unrest help compare')", argv[i]);
            goto done;
        }
    }
    if (!e.runs) e.runs = 100;
    if (ngiven == 0) {
        cli_error(C, "give at least one --variant NAME=FILE or NAME=PATH=VALUE,...");
        goto done;
    }
    if ((rc = cli_exp_load(&e)) != EXIT_OK) goto done;
    variant *v0 = given;
    nv = ngiven;
    if (ngiven == 1) {
        if (!strcmp(given[0].name, "base")) {
            cli_error(C, "one variant named 'base': give another to compare it with");
            rc = EXIT_USAGE;
            goto done;
        }
        v0 = var;
        snprintf(v0->name, sizeof v0->name, "base");
        v0->spec = "";
        nv = 2;
    }
    for (size_t k = 0; k < nv; k++) {
        variant *v = &v0[k];
        if (v == var) {
            v->sc = malloc(sizeof *v->sc);
            if (!v->sc) {
                rc = EXIT_FAIL;
                goto done;
            }
            memcpy(v->sc, e.sc, sizeof *v->sc);
        } else if ((rc = variant_build(&e, v)) != EXIT_OK) {
            goto done;
        }
    }
    /* identity: every variant's name and scenario hash, and whether series are kept */
    size_t slen = 64 + nv * (UNREST_SC_NAME + 24);
    settings = malloc(slen);
    if (!settings) {
        rc = EXIT_FAIL;
        goto done;
    }
    size_t used = (size_t)snprintf(settings, slen, "series=%d;variants=", e.series);
    for (size_t k = 0; k < nv; k++)
        used += (size_t)snprintf(settings + used, slen - used, "%s%s:%016" PRIx64, k ? "," : "",
                                 v0[k].name, unrest_scenario_hash(v0[k].sc));
    int64_t exp;
    int resumed;
    if ((rc = cli_exp_open(&e, UNREST_EXP_COMPARE, settings, &s, &exp, &resumed)) != EXIT_OK)
        goto done;
    rc = EXIT_FAIL;
    for (size_t k = 0; k < nv; k++) {
        char vs[2100];
        if (v0[k].spec[0])
            snprintf(vs, sizeof vs, "%s=%s", v0[k].is_file ? "file" : "set", v0[k].spec);
        else
            vs[0] = '\0';
        if (unrest_store_variant(s, exp, v0[k].name, vs, unrest_scenario_hash(v0[k].sc),
                                 &v0[k].id) != UNREST_OK) {
            cli_error(C, "%s", unrest_store_error(s));
            goto done;
        }
    }
    size_t njobs = (size_t)e.runs * nv;
    jobs = calloc(njobs, sizeof *jobs);
    if (!jobs) {
        cli_error(C, "out of memory");
        goto done;
    }
    /* index-major, so that an interrupted comparison has whole pairs */
    for (uint64_t i = 0; i < e.runs; i++)
        for (size_t k = 0; k < nv; k++) {
            unrest_job *j = &jobs[i * nv + k];
            j->sc = v0[k].sc;
            j->key.variant_id = v0[k].id;
            j->key.idx = i;
            j->key.rep = i;
            j->key.seed = unrest_seed_derive(e.seed, i);
            j->key.factors = "";
        }
    unrest_runner_stats stats;
    if ((rc = cli_exp_run(&e, s, exp, jobs, njobs, &stats)) != EXIT_OK) goto done;
    const char *names[MAX_VARIANTS + 1];
    const unrest_store_row *vr[MAX_VARIANTS + 1];
    for (size_t k = 0; k < nv; k++) {
        if (unrest_store_rows(s, exp, v0[k].id, &rows[k], &nrows[k]) != UNREST_OK) {
            cli_error(C, "%s", unrest_store_error(s));
            rc = EXIT_FAIL;
            goto done;
        }
        if (nrows[k] > e.runs) nrows[k] = e.runs;
        names[k] = v0[k].name;
        vr[k] = rows[k];
    }
    if (!e.quiet) {
        printf("%s: %zu variants x %" PRIu64 " runs, master seed %" PRIu64 "%s%s\n\n", e.sc->name,
               nv, e.runs, e.seed, e.db ? ", database " : "", e.db ? e.db : "");
        cli_exp_report(stdout, names, vr, nrows, nv, e.seed);
    }
    if (e.report) {
        int64_t ids[MAX_VARIANTS + 1];
        for (size_t k = 0; k < nv; k++)
            ids[k] = v0[k].id;
        if ((rc = cli_exp_write_report(&e, s, exp, "compare", names, ids, vr, nrows, nv)) !=
            EXIT_OK)
            goto done;
    }
    rc = EXIT_OK;
    for (size_t k = 0; k < nv && rc == EXIT_OK; k++)
        rc = cli_exp_failures(C, rows[k], nrows[k]);
done:
    for (size_t k = 0; k <= MAX_VARIANTS; k++) {
        free(var[k].sc);
        free(rows[k]);
    }
    free(settings);
    free(jobs);
    unrest_store_close(s);
    cli_exp_free(&e);
    return rc;
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
