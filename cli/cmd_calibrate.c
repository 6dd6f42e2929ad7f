/*
 * cmd_calibrate.c - `unrest calibrate`: calibrate a scenario's parameters to observations
 * (calibrate.h): history matching in waves with Gaussian-process emulators, then ABC-SMC from
 * what history matching leaves, then a posterior predictive. Prints each wave and generation,
 * the posterior (median and 90% interval per parameter) and the posterior predictive per target.
 * Everything goes to --db; rerun with the same arguments to resume. Method: docs/CALIBRATION.md.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mpi_job.h"
#include "unrest/calibrate.h"

/* Declared here as well as in cli.h, so that this file builds before the command table lists
 * the command. */

void help_calibrate(FILE *out)
{
    fprintf(out,
            "usage: unrest calibrate SCENARIO --targets FILE --params FILE --db FILE [OPTIONS]\n"
            "\n"
            "Calibrate the parameters in --params (SALib format: 'PATH LOWER UPPER [log]' per\n"
            "line; log: a log-uniform prior) to the observations in --targets (CSV, see\n"
            "docs/CALIBRATION.md): history matching in waves with Gaussian-process emulators\n"
            "rules out the implausible part of the box (implausibility above --cutoff), then\n"
            "ABC-SMC started from what is left draws the posterior (particles and weights), and\n"
            "--predictive runs drawn from it give the posterior predictive of every target.\n"
            "Every run and result goes to --db; the same command again resumes.\n"
            "\n"
            "  SCENARIO            a scenario file, or 'default'\n"
            "  --targets FILE      observations mapped to model outputs (CSV)\n"
            "  --params FILE       the calibrated values and their prior ranges\n"
            "  --db FILE           SQLite results database (created if missing)\n"
            "  --waves N           most history-matching waves (default 4)\n"
            "  --points N          design points per wave (default 10 per parameter, >= 10)\n"
            "  --reps N            replicate runs per design point (default 4)\n"
            "  --cutoff C          implausibility cut-off (default 3)\n"
            "  --max               I_M = the largest implausibility (default: the second largest)\n"
            "  --discrepancy D     model-discrepancy share (default 0.2; 0 for none)\n"
            "  --particles N       ABC particles (default 200)\n"
            "  --abc-draws N       rejection ABC instead of ABC-SMC: N draws from NROY, the\n"
            "                      --particles nearest kept, equal weights (robust when NROY\n"
            "                      is too thin for SMC's moves; its ESS is the particle count)\n"
            "  --nroy-chain T      for an NROY too small for darts: ABC's first sample from\n"
            "                      up to 2 million darts on all workers, and if they find too\n"
            "                      few, Metropolis chains from their hits that keep every T-th\n"
            "                      state (T about the number of parameters)\n"
            "  --then-smc N        with --abc-draws: N generations of ABC-SMC after the\n"
            "                      rejection step, from its particles: each keeps the nearer\n"
            "                      half and moves the rest by ABC-MCMC (default 0: none)\n"
            "  --generations N     most ABC generations after the prior one (default 6)\n"
            "  --min-acceptance A  stop ABC below this acceptance rate (default 0.05)\n"
            "  --predictive N      posterior-predictive runs (default 40)\n"
            "  --representative R  run every particle R times and print the one whose runs come\n"
            "                      nearest the observations on average: one parameter set for\n"
            "                      a single run that keeps the posterior's correlations (the\n"
            "                      marginal medians need not); added to a finished calibration,\n"
            "                      only its runs are new\n"
            "  --set PATH=VALUE    override a scenario value (repeatable), e.g.\n"
            "                      scale.people_per_agent=1000\n"
            "  --seed N            master seed, 0..2^64-1 (default 1)\n"
            "  --workers W         runs side by side (default: the number of CPUs); results do\n"
            "                      not depend on it\n"
            "  --quiet             no progress and no tables\n"
            "\n"
            "example:\n"
            "  unrest calibrate default --targets scenarios/kazakhstan-2022-targets.csv \\\n"
            "      --params scenarios/kazakhstan-2022-params.txt --db cal.db \\\n"
            "      --set scale.people_per_agent=1000\n");
}

typedef struct cal_view {
    cli_progress bar; /* the progress line (a terminal, not --quiet) */
    int quiet;        /* print nothing */
    const unrest_cal_target *targets;
    size_t m;
} cal_view;

static void on_event(void *user, const unrest_cal_event *ev)
{
    cal_view *v = user;
    if (v->quiet) return;
    switch (ev->kind) {
    case UNREST_CAL_EV_RUNS: {
        char what[64];
        snprintf(what, sizeof what, "%s runs %zu/%zu", ev->stage, ev->done, ev->total);
        cli_progress_update(&v->bar, ev->done, ev->total, what, -1);
        if (ev->done == ev->total) cli_progress_end(&v->bar, 0);
        break;
    }
    case UNREST_CAL_EV_WAVE: {
        const unrest_cal_wave *w = ev->wave;
        cli_progress_end(&v->bar, 0);
        printf("wave %u: %zu points x %zu runs each (%zu from the database, %zu failed); "
               "emulators of %zu targets on %zu points, LOO %zu of %zu beyond 3 sd\n",
               w->wave, w->points, w->points ? w->runs / w->points : 0, w->stored, w->failed,
               w->outputs, w->train, w->loo_out, w->loo_n);
        printf("        NROY %.4g%% of the prior box; %.0f%% of this wave's points match; "
               "median V_em/V_other %.3g%s%s\n",
               100 * w->nroy, 100 * w->match, w->em_ratio, w->stop ? "\n        stop: " : "",
               w->stop ? w->stop : "");
        fflush(stdout);
        break;
    }
    case UNREST_CAL_EV_GENERATION: {
        const unrest_cal_generation *g = ev->generation;
        cli_progress_end(&v->bar, 0);
        char eps[32];
        if (isinf(g->eps))
            snprintf(eps, sizeof eps, "inf (prior)");
        else
            snprintf(eps, sizeof eps, "%.4g", g->eps);
        char ess[32] = "-";
        if (!isnan(g->ess)) snprintf(ess, sizeof ess, "%.1f", g->ess);
        printf("generation %u: epsilon %s, %zu runs (%zu from the database), %zu accepted "
               "(%.1f%%), ESS %s%s%s\n",
               g->gen, eps, g->simulated, g->stored, g->accepted, 100 * g->acceptance, ess,
               g->stop ? "\n        stop: " : "", g->stop ? g->stop : "");
        fflush(stdout);
        break;
    }
    case UNREST_CAL_EV_NOTE:
        cli_progress_end(&v->bar, 0);
        fprintf(stderr, "unrest calibrate: %s\n", ev->note);
        break;
    }
}

/* The observation of a target as text: "224 (50-1000)", "1". */
static void observed_text(const unrest_cal_target *t, char *buf, size_t n)
{
    if (t->kind == UNREST_CAL_PATTERN)
        snprintf(buf, n, "%g", t->value);
    else if (isnan(t->value))
        snprintf(buf, n, "(%g-%g)", t->low, t->high);
    else if (t->low == t->high)
        snprintf(buf, n, "%g", t->value);
    else
        snprintf(buf, n, "%g (%g-%g)", t->value, t->low, t->high);
}

static void report(const unrest_calibration *cal, const unrest_cal_param *p, size_t k,
                   const unrest_cal_target *t, size_t m)
{
    const double *th, *w;
    size_t n;
    if (unrest_calibrate_posterior(cal, &th, &w, &n) != UNREST_OK) return;
    double s2 = 0;
    for (size_t i = 0; i < n; i++)
        s2 += w[i] * w[i];
    int wid = 10;
    for (size_t i = 0; i < k; i++)
        if ((int)strlen(p[i].path) > wid) wid = (int)strlen(p[i].path);
    double ess = s2 > 0 ? 1 / s2 : 0;
    printf("\nposterior: %zu particles, ESS %.1f\n", n, ess);
    if (ess < 0.1 * (double)n)
        printf("  warning: the posterior rests on few particles (ESS %.1f of %zu): its intervals "
               "understate the\n  parameter uncertainty; fewer history-matching waves (a larger "
               "NROY) or more particles help\n",
               ess, n);
    printf("  %-*s %12s  %-28s %s\n", wid, "parameter", "median", "90% interval", "prior");
    for (size_t i = 0; i < k; i++) {
        double med, lo, hi;
        if (unrest_calibrate_param_summary(cal, i, 0.9, &med, &lo, &hi) != UNREST_OK) continue;
        char iv[64], pr[64];
        snprintf(iv, sizeof iv, "[%.4g, %.4g]", lo, hi);
        snprintf(pr, sizeof pr, "[%g, %g]%s", p[i].lo, p[i].hi, p[i].log ? " log" : "");
        printf("  %-*s %12.4g  %-28s %s\n", wid, p[i].path, med, iv, pr);
    }
    int tw = 8;
    for (size_t j = 0; j < m; j++)
        if ((int)strlen(t[j].name) > tw) tw = (int)strlen(t[j].name);
    double med, lo, hi;
    printf("\nposterior predictive (runs drawn from the posterior; patterns: share of runs)\n");
    printf("  %-*s %-16s %-22s %12s  %-26s %s\n", tw, "target", "quantity", "place", "median",
           "90% interval", "observed");
    for (size_t j = 0; j < m; j++) {
        char obs[64], iv[64];
        observed_text(&t[j], obs, sizeof obs);
        if (unrest_calibrate_predictive(cal, j, 0.9, &med, &lo, &hi) != UNREST_OK) {
            printf("  %-*s %-16s %-22s %12s  %-26s %s\n", tw, t[j].name,
                   unrest_cal_quantity_name(t[j].quantity), t[j].place, "-", "-", obs);
            continue;
        }
        snprintf(iv, sizeof iv, "[%.4g, %.4g]", lo, hi);
        printf("  %-*s %-16s %-22s %12.4g  %-26s %s%s\n", tw, t[j].name,
               unrest_cal_quantity_name(t[j].quantity), t[j].place, med, iv, obs,
               unrest_calibrate_target_used(cal, j) ? "" : "  (not used)");
    }
    size_t r;
    double rd, md;
    if (unrest_calibrate_representative(cal, &r, &rd, &md) != UNREST_OK) return;
    double fd = NAN;
    unrest_calibrate_representative_fresh(cal, &fd);
    printf("\nrepresentative particle (the nearest the observations on average over its runs): "
           "particle %zu,\n  mean distance %.4g (the median particle's: %.4g); on as many runs on "
           "fresh seeds, which\n  took no part in choosing it: %.4g\n",
           r, rd, md, fd);
    printf("  %-*s %12s  %s\n", wid, "parameter", "value", "posterior median");
    for (size_t i = 0; i < k; i++) {
        if (unrest_calibrate_param_summary(cal, i, 0.9, &med, &lo, &hi) != UNREST_OK) continue;
        printf("  %-*s %12.4g  %.4g\n", wid, p[i].path, th[r * k + i], med);
    }
}

static int parse_real_opt(const char *cmd, const char *opt, const char *val, double lo, double hi,
                          double *out)
{
    char *end;
    double v = strtod(val, &end);
    if (!*val || *end || !(v >= lo && v <= hi)) {
        cli_error(cmd, "%s must be a number in [%g, %g], got '%s'", opt, lo, hi, val);
        return -1;
    }
    *out = v;
    return 0;
}

int cmd_calibrate(int argc, char **argv)
{
    const char *C = "calibrate";
    cli_exp e;
    cli_exp_init(&e, C, argc, argv);
    int rc = EXIT_USAGE;
    const char *targets_path = NULL, *params_path = NULL;
    unrest_cal_config c = {.predictive = 40};
    uint64_t v;
    unrest_cal_target *t = NULL;
    unrest_cal_param *p = NULL;
    size_t m = 0, k = 0;
    unrest_store *s = NULL;
    unrest_calibration *cal = NULL;
    double md = NAN; /* --discrepancy, NAN: the library's default */
    for (int i = 1; i < argc; i++) {
        const char *val;
        int r = 0;
        if ((r = cli_opt(argc, argv, &i, "--targets", &val)) != 0) {
            if (r < 0 || cli_opt_path(C, "--targets", val, "a CSV file", &targets_path)) goto bad;
        } else if ((r = cli_opt(argc, argv, &i, "--params", &val)) != 0) {
            if (r < 0 || cli_opt_path(C, "--params", val, "a parameter file", &params_path))
                goto bad;
        } else if ((r = cli_opt(argc, argv, &i, "--waves", &val)) != 0) {
            if (r < 0 || cli_opt_u64(C, "--waves", val, 1, 16, &v)) goto bad;
            c.waves = (unsigned)v;
        } else if ((r = cli_opt(argc, argv, &i, "--points", &val)) != 0) {
            if (r < 0 || cli_opt_u64(C, "--points", val, 10, 10000, &v)) goto bad;
            c.points = (size_t)v;
        } else if ((r = cli_opt(argc, argv, &i, "--reps", &val)) != 0) {
            if (r < 0 || cli_opt_u64(C, "--reps", val, 2, 1000, &v)) goto bad;
            c.reps = (unsigned)v;
        } else if ((r = cli_opt(argc, argv, &i, "--particles", &val)) != 0) {
            if (r < 0 || cli_opt_u64(C, "--particles", val, 4, 100000, &v)) goto bad;
            c.particles = (size_t)v;
        } else if ((r = cli_opt(argc, argv, &i, "--abc-draws", &val)) != 0) {
            if (r < 0 || cli_opt_u64(C, "--abc-draws", val, 4, 10000000, &v)) goto bad;
            c.abc_draws = (size_t)v;
        } else if ((r = cli_opt(argc, argv, &i, "--nroy-chain", &val)) != 0) {
            if (r < 0 || cli_opt_u64(C, "--nroy-chain", val, 1, 100000, &v)) goto bad;
            c.nroy_thin = (size_t)v;
        } else if ((r = cli_opt(argc, argv, &i, "--then-smc", &val)) != 0) {
            if (r < 0 || cli_opt_u64(C, "--then-smc", val, 1, 100, &v)) goto bad;
            c.then_smc = (unsigned)v;
        } else if ((r = cli_opt(argc, argv, &i, "--generations", &val)) != 0) {
            if (r < 0 || cli_opt_u64(C, "--generations", val, 1, 100, &v)) goto bad;
            c.generations = (unsigned)v;
        } else if ((r = cli_opt(argc, argv, &i, "--predictive", &val)) != 0) {
            if (r < 0 || cli_opt_u64(C, "--predictive", val, 0, 100000, &v)) goto bad;
            c.predictive = (size_t)v;
        } else if ((r = cli_opt(argc, argv, &i, "--representative", &val)) != 0) {
            if (r < 0 || cli_opt_u64(C, "--representative", val, 0, 1000, &v)) goto bad;
            c.representative = (size_t)v;
        } else if ((r = cli_opt(argc, argv, &i, "--cutoff", &val)) != 0) {
            if (r < 0 || parse_real_opt(C, "--cutoff", val, 0.5, 100, &c.cutoff)) goto bad;
        } else if ((r = cli_opt(argc, argv, &i, "--discrepancy", &val)) != 0) {
            if (r < 0 || parse_real_opt(C, "--discrepancy", val, 0, 10, &md)) goto bad;
        } else if ((r = cli_opt(argc, argv, &i, "--min-acceptance", &val)) != 0) {
            if (r < 0 || parse_real_opt(C, "--min-acceptance", val, 1e-6, 0.999, &c.min_acceptance))
                goto bad;
        } else if (!strcmp(argv[i], "--max")) {
            c.use_max = 1;
        } else {
            r = cli_exp_option(&e, argc, argv, &i);
            if (r < 0) goto done;
            if (r == 0) {
                cli_error(C, "unknown option '%s' (try 'unrest help calibrate')", argv[i]);
                goto done;
            }
        }
        continue;
    bad:
        if (r < 0) cli_error(C, "option '%s' needs a value (try 'unrest help calibrate')", argv[i]);
        goto done;
    }
    if (e.runs || e.series || e.report) {
        cli_error(C, "--runs, --series and --report are not options of calibrate (--reps, "
                     "--particles and --predictive say how many runs)");
        goto done;
    }
    if (c.then_smc && !c.abc_draws) {
        cli_error(C, "--then-smc follows rejection ABC: it needs --abc-draws (ABC-SMC alone is "
                     "--generations)");
        goto done;
    }
    if (c.abc_draws && c.abc_draws < (c.particles ? c.particles : 200)) {
        cli_error(C, "--abc-draws %zu is fewer than the %zu particles it keeps", c.abc_draws,
                  c.particles ? c.particles : (size_t)200);
        goto done;
    }
    if (!targets_path || !params_path || !e.db) {
        cli_error(C, "--targets FILE, --params FILE and --db FILE are required (try 'unrest help "
                     "calibrate')");
        goto done;
    }
    if ((rc = cli_exp_load(&e)) != EXIT_OK) goto done;
    rc = EXIT_USAGE;
    char err[1200];
    if (unrest_calibrate_targets_load(targets_path, e.sc, &t, &m, err, sizeof err) != UNREST_OK ||
        unrest_calibrate_params_load(params_path, e.sc, &p, &k, err, sizeof err) != UNREST_OK) {
        cli_error(C, "%s", err);
        goto done;
    }
    if (unrest_store_open(&s, e.db, 0, 5000, err, sizeof err) != UNREST_OK) {
        cli_error(C, "--db: %s", err);
        goto done;
    }
    cal_view view = {.quiet = e.quiet, .targets = t, .m = m};
    cli_progress_start(&view.bar, e.quiet, 1.0);
    c.params = p;
    c.k = k;
    c.targets = t;
    c.m = m;
    c.sc = e.sc;
    c.discrepancy = isnan(md) ? 0 : md == 0 ? -1 : md; /* in the config 0 is the default */
    c.seed = e.seed;
    c.workers = e.workers;
    c.store = s;
    if (cli_mpi_size() > 1) c.dispatch = cli_mpi_cal_dispatch; /* the runs on the other ranks */
    c.command = e.command;
    c.progress = on_event;
    c.user = &view;
    if (unrest_calibrate_create(&cal, &c, err, sizeof err) != UNREST_OK) {
        cli_error(C, "%s", err);
        rc = EXIT_FAIL;
        goto done;
    }
    if (!e.quiet) {
        printf("unrest %s calibrate: %s (hash %016" PRIx64 "), %zu parameters, %zu targets, "
               "master seed %" PRIu64 ", %u workers\n",
               UNREST_VERSION, e.sc->name, unrest_scenario_hash(e.sc), k, m, e.seed, e.workers);
        printf("database %s, calibration %lld%s\n", e.db, (long long)unrest_calibrate_id(cal),
               unrest_calibrate_resumed(cal) ? " (resumed: stored runs are reused)" : "");
        fflush(stdout);
    }
    double t0 = cli_now();
    unrest_status st = unrest_calibrate_run(cal);
    cli_progress_end(&view.bar, 0);
    if (st != UNREST_OK) {
        cli_error(C, "%s", unrest_calibrate_error(cal));
        rc = EXIT_FAIL;
        goto done;
    }
    if (!e.quiet) {
        report(cal, p, k, t, m);
        char d[32];
        cli_duration(cli_now() - t0, d, sizeof d);
        size_t reused = unrest_calibrate_reused(cal);
        if (reused)
            printf("\nread back from the store instead of recomputed: %zu emulators, NROY samples "
                   "and sets of ABC draws\n",
                   reused);
        printf("\n%s; the posterior is in %s (calibration %lld): unrest forecast --posterior %s\n",
               d, e.db, (long long)unrest_calibrate_id(cal), e.db);
    }
    rc = EXIT_OK;
done:
    unrest_calibrate_destroy(cal);
    unrest_store_close(s);
    free(t);
    free(p);
    cli_exp_free(&e);
    return rc;
}
