/*
 * cmd_sweep.c - `unrest sweep`: a full-factorial (BehaviorSpace-like) or Latin-hypercube design
 * over scenario values named by their --set paths, R replicates per design point, every run
 * written to the store with its factor values; prints a table per design point. Factor names
 * and ranges are checked on a copy of the scenario before any database is opened.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "unrest/design.h"

#define MAX_FACTORS 32
#define MAX_POINTS 1000000 /* design points of a factorial */
#define SHOW_POINTS 60     /* rows of the printed table */

void help_sweep(FILE *out)
{
    fprintf(out,
            "usage: unrest sweep SCENARIO --vary PATH=LO:HI:STEP ... [--design full|lhs:N] "
            "[OPTIONS]\n"
            "\n"
            "Run a design over scenario values: a full factorial over every --vary grid (HI\n"
            "included when it falls on the grid), or a Latin hypercube of N points over the\n"
            "--vary ranges (STEP may be left out: PATH=LO:HI). Each design point is run --runs\n"
            "times; replicate r of every point has seed unrest_seed_derive(master, r) (common\n"
            "random numbers across points). The factor values are stored with each run\n"
            "(run.factors); 'unrest export' writes them as columns.\n"
            "\n"
            "  SCENARIO           a scenario file, or 'default'\n"
            "  --vary PATH=LO:HI:STEP  a factor (repeatable; PATH as in --set)\n"
            "  --design D         full (default) or lhs:N\n"
            "  --runs R           replicates per design point (default 1)\n"
            "%s"
            "  Without --db the runs are kept in memory only.\n"
            "\n"
            "examples:\n"
            "  unrest sweep default --vary legitimacy.initial=0.5:0.9:0.1 --runs 10 --db sw.db\n"
            "  unrest sweep default --vary legitimacy.initial=0.5:0.9 --vary "
            "lattice.k=1:4 --design lhs:100 --db lhs.db\n",
            CLI_EXP_OPTIONS_HELP);
}

int cmd_sweep(int argc, char **argv)
{
    const char *C = "sweep";
    cli_exp e;
    cli_exp_init(&e, C, argc, argv);
    int rc = EXIT_USAGE;
    const char *vary[MAX_FACTORS];
    size_t nvary = 0;
    const char *design = "full";
    unrest_factor f[MAX_FACTORS];
    double *x = NULL;
    size_t rows = 0;
    unrest_store *s = NULL;
    unrest_store_row *runs = NULL;
    size_t nruns = 0;
    char *settings = NULL;
    uint64_t lhs_n = 0;
    for (int i = 1; i < argc; i++) {
        const char *val;
        int r;
        if ((r = cli_opt(argc, argv, &i, "--vary", &val)) != 0) {
            if (r < 0) goto missing;
            if (nvary == MAX_FACTORS) {
                cli_error(C, "at most %d --vary factors", MAX_FACTORS);
                goto done;
            }
            vary[nvary++] = val;
            continue;
        }
        if ((r = cli_opt(argc, argv, &i, "--design", &val)) != 0) {
            if (r < 0) goto missing;
            design = val;
            continue;
        }
        r = cli_exp_option(&e, argc, argv, &i);
        if (r < 0) goto done;
        if (r == 0) {
            cli_error(C, "unknown option '%s' (try 'unrest help sweep')", argv[i]);
            goto done;
        }
    }
    int lhs = 0;
    if (!strncmp(design, "lhs:", 4)) {
        if (cli_parse_u64(design + 4, 10000000u, &lhs_n) || lhs_n == 0) {
            cli_error(C, "--design lhs:N needs N in [1, 10000000], got '%s'", design);
            goto done;
        }
        lhs = 1;
    } else if (strcmp(design, "full")) {
        cli_error(C, "--design must be full or lhs:N, got '%s'", design);
        goto done;
    }
    if (!e.runs) e.runs = 1;
    if (nvary == 0) {
        cli_error(C, "give at least one --vary PATH=LO:HI:STEP");
        goto done;
    }
    for (size_t i = 0; i < nvary; i++) {
        char buf[256], err[512];
        const char *t = vary[i];
        const char *eq = strchr(t, '=');
        /* a Latin hypercube needs no step */
        if (lhs && eq && strchr(eq, ':') && !strchr(strchr(eq, ':') + 1, ':')) {
            snprintf(buf, sizeof buf, "%s:1", t);
            t = buf;
        }
        if (unrest_factor_parse(t, &f[i], err, sizeof err) != UNREST_OK) {
            cli_error(C, "%s", err);
            goto done;
        }
        if (lhs) f[i].step = 0;
    }
    if ((rc = cli_exp_load(&e)) != EXIT_OK) goto done;
    if ((rc = cli_exp_posterior(&e, 0)) != EXIT_OK) goto done;
    if ((rc = cli_factor_check(C, "--vary", e.sc, f, nvary)) != EXIT_OK) goto done;
    rc = EXIT_USAGE;
    char err[1024];
    if (lhs) {
        rows = lhs_n;
        if (unrest_design_lhs(f, nvary, rows, e.seed, &x, err, sizeof err) != UNREST_OK) {
            cli_error(C, "%s", err);
            goto done;
        }
    } else if (unrest_design_factorial(f, nvary, MAX_POINTS, &x, &rows, err, sizeof err) !=
               UNREST_OK) {
        cli_error(C, "%s", err);
        goto done;
    }
    /* identity: the design and the replicates */
    size_t slen = 128;
    for (size_t i = 0; i < nvary; i++)
        slen += strlen(f[i].name) + 80;
    settings = malloc(slen);
    if (!settings) {
        cli_error(C, "out of memory");
        rc = EXIT_FAIL;
        goto done;
    }
    size_t used = (size_t)snprintf(
        settings, slen, "design=%s;runs=%" PRIu64 ";series=%d;vary=", design, e.runs, e.series);
    for (size_t i = 0; i < nvary; i++)
        used += (size_t)snprintf(settings + used, slen - used, "%s%s=%.17g:%.17g:%.17g",
                                 i ? "," : "", f[i].name, f[i].lo, f[i].hi, f[i].step);
    int64_t exp;
    if ((rc = cli_exp_run_design(&e, UNREST_EXP_SWEEP, settings, f, nvary, x, rows, &s, &exp, &runs,
                                 &nruns)) != EXIT_OK)
        goto done;
    rc = EXIT_FAIL;
    if (!e.quiet) {
        printf("%s: %s design, %zu points x %" PRIu64 " runs, master seed %" PRIu64 "%s%s "
               "(experiment %lld)\n\n",
               e.sc->name, lhs ? "Latin-hypercube" : "full-factorial", rows, e.runs, e.seed,
               e.db ? ", database " : "", e.db ? e.db : "", (long long)exp);
        printf("%6s", "point");
        for (size_t i = 0; i < nvary; i++)
            printf(" %14.14s", f[i].name);
        printf(" %5s %7s %7s %7s %7s %10s %10s\n", "runs", "P(supp)", "P(sett)", "P(capi)",
               "P(prot)", "mean dead", "mean det.");
        for (size_t p = 0; p < rows && p < SHOW_POINTS; p++) {
            size_t k = 0, cls[UNREST_OUTCOME_COUNT + 1] = {0};
            double dead = 0, det = 0;
            for (size_t i = 0; i < nruns; i++)
                if (runs[i].point == p && runs[i].status == 1) {
                    k++;
                    cls[runs[i].out.cls < UNREST_OUTCOME_COUNT ? runs[i].out.cls
                                                               : UNREST_OUTCOME_COUNT]++;
                    dead += runs[i].out.dead;
                    det += runs[i].out.detained;
                }
            printf("%6zu", p);
            for (size_t i = 0; i < nvary; i++)
                printf(" %14.6g", x[p * nvary + i]);
            printf(" %5zu", k);
            for (int c = 0; c < UNREST_OUTCOME_COUNT; c++)
                printf(" %7.3f", k ? (double)cls[c] / (double)k : 0.0);
            printf(" %10.1f %10.1f\n", k ? dead / (double)k : 0.0, k ? det / (double)k : 0.0);
        }
        if (rows > SHOW_POINTS)
            printf("... %zu more points: unrest export --db FILE --experiment %lld\n",
                   rows - SHOW_POINTS, (long long)exp);
    }
    rc = cli_exp_failures(C, runs, nruns);
    goto done;
missing:
    cli_error(C, "option '%s' needs a value (try 'unrest help sweep')", argv[argc - 1]);
done:
    free(x);
    free(runs);
    free(settings);
    unrest_store_close(s);
    cli_exp_free(&e);
    return rc;
}
