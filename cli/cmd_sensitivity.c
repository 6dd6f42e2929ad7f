/*
 * cmd_sensitivity.c - `unrest sensitivity`: global sensitivity analysis of the scenario's
 * outcomes to the factors of a SALib problem file. Sobol: Saltelli sampling, first-order
 * (Saltelli 2010) and total (Jansen) indices with bootstrap intervals. Morris: elementary
 * effects on a p-level grid (mu*, mu, sigma). Runs go to the store like any experiment; the
 * analysis reads them back, so a resumed experiment analyses the same numbers.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "unrest/design.h"

void help_sensitivity(FILE *out)
{
    fprintf(out,
            "usage: unrest sensitivity SCENARIO --params FILE --method sobol|morris --n N "
            "[OPTIONS]\n"
            "\n"
            "Global sensitivity of dead, detained, peak_active, duration_hours and\n"
            "final_legitimacy to the factors in FILE (SALib format: one 'PATH LOWER UPPER' per\n"
            "line, PATH as in --set, '#' comments).\n"
            "  sobol:  Saltelli sampling, N base rows -> N(k+2) design points; first-order S1\n"
            "          and total ST indices (Jansen) with 95%% bootstrap intervals.\n"
            "  morris: N trajectories on a --levels grid -> N(k+1) design points; mu* (mean\n"
            "          |effect|), mu and sigma of the elementary effects (per unit of the\n"
            "          normalised factor).\n"
            "Each design point is run --runs times on the seeds unrest_seed_derive(master, r)\n"
            "(the same at every point) and the analysis uses the mean over replicates.\n"
            "\n"
            "  SCENARIO           a scenario file, or 'default'\n"
            "  --params FILE      the factors (SALib problem file)\n"
            "  --method M         sobol (default) or morris\n"
            "  --n N              base samples (sobol) or trajectories (morris)\n"
            "  --levels P         Morris grid levels, even (default 4)\n"
            "  --boot B           bootstrap resamples for Sobol intervals (default 1000)\n"
            "  --runs R           replicates per design point (default 1)\n"
            "%s"
            "  Without --db the runs are kept in memory only.\n"
            "\n"
            "example (params.txt):\n"
            "  legitimacy.initial 0.5 0.9\n"
            "  force.lethal_fear  1   3\n"
            "  unrest sensitivity default --params params.txt --method sobol --n 64 --db s.db\n",
            CLI_EXP_OPTIONS_HELP);
}

#define NOUT 5
static const char *const out_names[NOUT] = {"dead", "detained", "peak_active", "duration_hours",
                                            "final_legitimacy"};

static double out_value(const unrest_outcomes *o, int i)
{
    switch (i) {
    case 0:
        return o->dead;
    case 1:
        return o->detained;
    case 2:
        return o->peak_active;
    case 3:
        return o->duration_hours;
    default:
        return o->final_legitimacy;
    }
}

int cmd_sensitivity(int argc, char **argv)
{
    const char *C = "sensitivity";
    cli_exp e;
    cli_exp_init(&e, C, argc, argv);
    int rc = EXIT_USAGE;
    const char *params = NULL, *method = "sobol";
    uint64_t n = 0, levels = 4, boot = 1000;
    unrest_factor *f = NULL;
    size_t k = 0, rows = 0, nruns = 0;
    double *x = NULL, *y = NULL;
    unrest_store *s = NULL;
    unrest_store_row *runs = NULL;
    char *settings = NULL;
    void *idx = NULL;
    for (int i = 1; i < argc; i++) {
        const char *val;
        int r;
        if ((r = cli_opt(argc, argv, &i, "--params", &val)) != 0) {
            if (r < 0) goto missing;
            params = val;
        } else if ((r = cli_opt(argc, argv, &i, "--method", &val)) != 0) {
            if (r < 0) goto missing;
            method = val;
        } else if ((r = cli_opt(argc, argv, &i, "--n", &val)) != 0) {
            if (r < 0) goto missing;
            if (cli_parse_u64(val, 1000000u, &n) || n == 0) {
                cli_error(C, "--n must be an integer in [1, 1000000], got '%s'", val);
                goto done;
            }
        } else if ((r = cli_opt(argc, argv, &i, "--levels", &val)) != 0) {
            if (r < 0) goto missing;
            if (cli_parse_u64(val, 1024, &levels) || levels < 2 || levels % 2) {
                cli_error(C, "--levels must be an even integer in [2, 1024], got '%s'", val);
                goto done;
            }
        } else if ((r = cli_opt(argc, argv, &i, "--boot", &val)) != 0) {
            if (r < 0) goto missing;
            if (cli_parse_u64(val, 100000u, &boot)) {
                cli_error(C, "--boot must be an integer in [0, 100000], got '%s'", val);
                goto done;
            }
        } else {
            r = cli_exp_option(&e, argc, argv, &i);
            if (r < 0) goto done;
            if (r == 0) {
                cli_error(C, "unknown option '%s' (try 'unrest help sensitivity')", argv[i]);
                goto done;
            }
        }
    }
    int sobol = !strcmp(method, "sobol");
    if (!sobol && strcmp(method, "morris")) {
        cli_error(C, "--method must be sobol or morris, got '%s'", method);
        goto done;
    }
    if (!params) {
        cli_error(C, "--params FILE is required (SALib format: 'PATH LOWER UPPER' per line)");
        goto done;
    }
    if (!n) {
        cli_error(C, "--n N is required (N >= 1: base samples for sobol, trajectories for "
                     "morris)");
        goto done;
    }
    if (sobol && n < 2) {
        cli_error(C, "--n must be at least 2 for sobol (the bootstrap resamples base rows)");
        goto done;
    }
    if (!e.runs) e.runs = 1;
    char err[1024];
    if (unrest_factors_load(params, &f, &k, err, sizeof err) != UNREST_OK) {
        cli_error(C, "%s", err);
        goto done;
    }
    if ((rc = cli_exp_load(&e)) != EXIT_OK) goto done;
    if ((rc = cli_exp_posterior(&e, 0)) != EXIT_OK) goto done;
    if ((rc = cli_factor_check(C, "--params", e.sc, f, k)) != EXIT_OK) goto done;
    rc = EXIT_USAGE;
    unrest_status st =
        sobol ? unrest_design_saltelli(f, k, n, &x, &rows, err, sizeof err)
              : unrest_design_morris(f, k, n, (unsigned)levels, e.seed, &x, &rows, err, sizeof err);
    if (st != UNREST_OK) {
        cli_error(C, "%s", err);
        goto done;
    }
    size_t slen = 160;
    for (size_t i = 0; i < k; i++)
        slen += strlen(f[i].name) + 60;
    settings = malloc(slen);
    if (!settings) {
        cli_error(C, "out of memory");
        rc = EXIT_FAIL;
        goto done;
    }
    size_t used = (size_t)snprintf(
        settings, slen,
        "method=%s;n=%" PRIu64 ";levels=%" PRIu64 ";runs=%" PRIu64 ";series=%d;params=", method, n,
        sobol ? 0 : levels, e.runs, e.series);
    for (size_t i = 0; i < k; i++)
        used += (size_t)snprintf(settings + used, slen - used, "%s%s=%.17g:%.17g", i ? "," : "",
                                 f[i].name, f[i].lo, f[i].hi);
    int64_t exp;
    if ((rc = cli_exp_run_design(&e, UNREST_EXP_SENSITIVITY, settings, f, k, x, rows, &s, &exp,
                                 &runs, &nruns)) != EXIT_OK)
        goto done;
    rc = EXIT_FAIL;
    size_t njobs = rows * (size_t)e.runs;
    y = calloc(rows ? rows : 1, sizeof *y);
    if (!y) {
        cli_error(C, "out of memory");
        goto done;
    }
    if (nruns != njobs) {
        cli_error(C, "the database holds %zu runs of this experiment, expected %zu", nruns, njobs);
        rc = EXIT_FAIL;
        goto done;
    }
    if ((rc = cli_exp_failures(C, runs, nruns)) != EXIT_OK) {
        cli_error(C, "the indices need every design point; no analysis");
        goto done;
    }
    if (!e.quiet)
        printf("%s: %s, %zu factors, %zu design points x %" PRIu64 " runs, master seed %" PRIu64
               "%s%s (experiment %lld)\n",
               e.sc->name, sobol ? "Sobol (Saltelli sampling, Jansen total)" : "Morris", k, rows,
               e.runs, e.seed, e.db ? ", database " : "", e.db ? e.db : "", (long long)exp);
    int w = 12;
    for (size_t i = 0; i < k; i++)
        if ((int)strlen(f[i].name) > w) w = (int)strlen(f[i].name);
    if (sobol) {
        idx = calloc(k, sizeof(unrest_sobol_index));
    } else {
        idx = calloc(k, sizeof(unrest_morris_index));
    }
    if (!idx) {
        rc = EXIT_FAIL;
        goto done;
    }
    for (int o = 0; o < NOUT; o++) {
        /* runs are ordered by idx = point * R + rep */
        for (size_t p = 0; p < rows; p++) {
            double sum = 0;
            for (uint64_t r = 0; r < e.runs; r++)
                sum += out_value(&runs[p * e.runs + r].out, o);
            y[p] = sum / (double)e.runs;
        }
        st = sobol ? unrest_sobol_analyze(y, n, k, boot,
                                          unrest_seed_derive(e.seed, 7919u + (uint64_t)o), idx, err,
                                          sizeof err)
                   : unrest_morris_analyze(f, k, x, y, n, idx, err, sizeof err);
        if (e.quiet) continue;
        printf("\n%s\n", out_names[o]);
        if (st != UNREST_OK) {
            printf("  (no indices: %s)\n", err);
            continue;
        }
        if (sobol) {
            const unrest_sobol_index *si = idx;
            printf("  %-*s %8s %-20s %8s %-20s\n", w, "factor", "S1", "95% interval", "ST",
                   "95% interval");
            for (size_t i = 0; i < k; i++) {
                char a[48], b[48];
                snprintf(a, sizeof a, "[%.3f, %.3f]", si[i].s1_lo, si[i].s1_hi);
                snprintf(b, sizeof b, "[%.3f, %.3f]", si[i].st_lo, si[i].st_hi);
                printf("  %-*s %8.3f %-20s %8.3f %-20s\n", w, f[i].name, si[i].s1, a, si[i].st, b);
            }
        } else {
            const unrest_morris_index *mi = idx;
            printf("  %-*s %12s %12s %12s\n", w, "factor", "mu*", "mu", "sigma");
            for (size_t i = 0; i < k; i++)
                printf("  %-*s %12.4g %12.4g %12.4g\n", w, f[i].name, mi[i].mu_star, mi[i].mu,
                       mi[i].sigma);
        }
    }
    rc = EXIT_OK;
    goto done;
missing:
    cli_error(C, "option '%s' needs a value (try 'unrest help sensitivity')", argv[argc - 1]);
done:
    free(idx);
    free(f);
    free(x);
    free(y);
    free(runs);
    free(settings);
    unrest_store_close(s);
    cli_exp_free(&e);
    return rc;
}
