/*
 * exp.c - what the experiment commands (ensemble, compare, sweep, sensitivity) share: their
 * common options, reading SCENARIO and --set, opening the results store, running jobs with a
 * progress line, and the design helpers of sweep and sensitivity (factor checks, running a
 * design). Everything is validated before the database is touched.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mpi_job.h"
#include "unrest/calibrate.h"
#include "unrest/design.h"

void cli_exp_init(cli_exp *e, const char *cmd, int argc, char **argv)
{
    memset(e, 0, sizeof *e);
    e->cmd = cmd;
    e->seed = 1;
    e->runs = 0;
    e->workers = cli_cpus();
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    e->command = malloc(len + 8);
    if (e->command) {
        strcpy(e->command, "unrest");
        for (int i = 0; i < argc; i++) {
            strcat(e->command, " ");
            strcat(e->command, argv[i]);
        }
    }
}

void cli_exp_free(cli_exp *e)
{
    if (e->factors)
        for (uint64_t i = 0; i < e->runs; i++)
            free(e->factors[i]);
    free(e->factors);
    e->factors = NULL;
    free(e->sc);
    free(e->command);
    free(e->sets);
    e->sc = NULL;
    e->command = NULL;
    e->sets = NULL;
}

static int missing(const cli_exp *e, const char *opt)
{
    cli_error(e->cmd, "option '%s' needs a value (try 'unrest help %s')", opt, e->cmd);
    return -1;
}

int cli_exp_option(cli_exp *e, int argc, char **argv, int *i)
{
    const char *val;
    int r;
    if (argv[*i][0] != '-' || !strcmp(argv[*i], "-")) {
        if (e->scenario_arg) {
            cli_error(e->cmd, "more than one SCENARIO given ('%s' and '%s')", e->scenario_arg,
                      argv[*i]);
            return -1;
        }
        e->scenario_arg = argv[*i];
        return 1;
    }
    if ((r = cli_opt(argc, argv, i, "--set", &val)) != 0) {
        if (r < 0) return missing(e, argv[*i]);
        const char **ns = realloc(e->sets, (e->nsets + 1) * sizeof *ns);
        if (!ns) {
            cli_error(e->cmd, "out of memory");
            return -1;
        }
        e->sets = ns;
        e->sets[e->nsets++] = val;
        return 1;
    }
    uint64_t w = 0;
    int bad = 0;
    if ((r = cli_opt(argc, argv, i, "--seed", &val)) > 0) {
        bad = cli_opt_u64(e->cmd, "--seed", val, 0, UINT64_MAX, &e->seed);
    } else if (!r && (r = cli_opt(argc, argv, i, "--runs", &val)) > 0) {
        bad = cli_opt_u64(e->cmd, "--runs", val, 1, 100000000u, &e->runs);
    } else if (!r && (r = cli_opt(argc, argv, i, "--workers", &val)) > 0) {
        bad = cli_opt_u64(e->cmd, "--workers", val, 1, 1024, &w);
        if (!bad) e->workers = (unsigned)w;
    } else if (!r && (r = cli_opt(argc, argv, i, "--report", &val)) > 0) {
        bad = cli_opt_path(e->cmd, "--report", val, "a file name", &e->report);
        e->series = 1;
    } else if (!r && (r = cli_opt(argc, argv, i, "--db", &val)) > 0) {
        bad = cli_opt_path(e->cmd, "--db", val, "a file name", &e->db);
    } else if (!r && (r = cli_opt(argc, argv, i, "--posterior", &val)) > 0) {
        bad = cli_opt_path(e->cmd, "--posterior", val, "a results database", &e->posterior);
    } else if (!r && (r = cli_opt(argc, argv, i, "--calibration", &val)) > 0) {
        bad = cli_opt_u64(e->cmd, "--calibration", val, 1, INT64_MAX, &e->calibration);
    }
    if (r < 0) return missing(e, argv[*i]);
    if (r > 0) return bad ? -1 : 1;
    if (!strcmp(argv[*i], "--series")) {
        e->series = 1;
        return 1;
    }
    if (!strcmp(argv[*i], "--quiet")) {
        e->quiet = 1;
        return 1;
    }
    return 0;
}

int cli_scenario_read(const char *cmd, const char *arg, unrest_scenario *sc)
{
    char err[1024];
    unrest_scenario_init(sc);
    unrest_status st;
    if (!strcmp(arg, "default")) {
        size_t len;
        const char *text = unrest_scenario_builtin(&len);
        st = unrest_scenario_load_string(sc, text, len, "default", err, sizeof err);
    } else {
        st = unrest_scenario_load(sc, arg, err, sizeof err);
    }
    if (st != UNREST_OK) {
        cli_error(cmd, "%s", err);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

int cli_scenario_apply(const char *cmd, const char *what, unrest_scenario *sc,
                       const char *assignment)
{
    char err[1024];
    if (unrest_scenario_set(sc, assignment, err, sizeof err) != UNREST_OK) {
        cli_error(cmd, "%s '%s': %s", what, assignment, err);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static int cli_scenario_check(const char *cmd, const unrest_scenario *sc)
{
    char err[1024];
    if (unrest_scenario_validate(sc, err, sizeof err) != UNREST_OK) {
        cli_error(cmd, "%s", err);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static int cli_exp_scenario(cli_exp *e, unrest_scenario *sc)
{
    int rc;
    if (!e->scenario_arg) {
        cli_error(e->cmd, "missing SCENARIO (a scenario file or 'default'; try 'unrest help %s')",
                  e->cmd);
        return EXIT_USAGE;
    }
    if ((rc = cli_scenario_read(e->cmd, e->scenario_arg, sc)) != EXIT_OK) return rc;
    for (size_t i = 0; i < e->nsets; i++)
        if ((rc = cli_scenario_apply(e->cmd, "--set", sc, e->sets[i])) != EXIT_OK) return rc;
    return cli_scenario_check(e->cmd, sc);
}

int cli_exp_load(cli_exp *e)
{
    e->sc = malloc(sizeof *e->sc);
    if (!e->sc || !e->command) {
        cli_error(e->cmd, "out of memory");
        return EXIT_FAIL;
    }
    return cli_exp_scenario(e, e->sc);
}

int cli_exp_posterior(cli_exp *e, int allowed)
{
    if (!e->posterior) return EXIT_OK;
    if (!allowed) {
        cli_error(e->cmd, "--posterior is for ensemble, compare and forecast");
        return EXIT_USAGE;
    }
    char err[1200];
    unrest_store *st = NULL;
    unrest_cal_posterior *p = NULL;
    int rc = EXIT_USAGE;
    if (unrest_store_open(&st, e->posterior, UNREST_STORE_READONLY, 5000, err, sizeof err) !=
            UNREST_OK ||
        unrest_calibrate_posterior_load(st, (int64_t)e->calibration, &p, err, sizeof err) !=
            UNREST_OK) {
        cli_error(e->cmd, "--posterior '%s': %s", e->posterior, err);
        goto done;
    }
    e->factors = calloc(e->runs ? e->runs : 1, sizeof *e->factors);
    unrest_scenario *copy = malloc(sizeof *copy);
    if (!e->factors || !copy) {
        free(copy);
        cli_error(e->cmd, "out of memory");
        rc = EXIT_FAIL;
        goto done;
    }
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a of every draw: the experiment's identity */
    for (uint64_t i = 0; i < e->runs; i++) {
        char f[4096];
        if (unrest_calibrate_posterior_draw(p, e->seed, i, NULL, f, sizeof f) != UNREST_OK ||
            !(e->factors[i] = strdup(f))) {
            cli_error(e->cmd, "--posterior: drawing parameter set %" PRIu64 " failed", i);
            free(copy);
            rc = EXIT_FAIL;
            goto done;
        }
        for (const char *c = f; *c; c++)
            h = (h ^ (unsigned char)*c) * 0x100000001b3ull;
        *copy = *e->sc; /* every draw must set valid values */
        if (unrest_scenario_set_all(copy, f, err, sizeof err) != UNREST_OK) {
            cli_error(e->cmd, "--posterior: draw %" PRIu64 ": %s", i, err);
            free(copy);
            goto done;
        }
    }
    free(copy);
    snprintf(e->post_id, sizeof e->post_id, ";posterior=%016" PRIx64, h);
    rc = EXIT_OK;
done:
    unrest_calibrate_posterior_free(p);
    unrest_store_close(st);
    return rc;
}

const char *cli_exp_factors(const cli_exp *e, uint64_t i)
{
    return e->factors && i < e->runs ? e->factors[i] : "";
}

int cli_exp_open(cli_exp *e, unrest_exp_kind kind, const char *settings, unrest_store **s,
                 int64_t *exp, int *resumed)
{
    char err[1200];
    *s = NULL;
    if (unrest_store_open(s, e->db, 0, 5000, err, sizeof err) != UNREST_OK) {
        cli_error(e->cmd, "--db: %s", err);
        return EXIT_USAGE;
    }
    unrest_store_exp x = {.kind = kind,
                          .scenario_name = e->sc->name,
                          .scenario_hash = unrest_scenario_hash(e->sc),
                          .master_seed = e->seed,
                          .settings = settings,
                          .command = e->command};
    if (unrest_store_experiment(*s, &x, exp, resumed) != UNREST_OK) {
        cli_error(e->cmd, "--db: %s", unrest_store_error(*s));
        unrest_store_close(*s);
        *s = NULL;
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* ---- progress on stderr ---------------------------------------------------------------------- */

/* On a terminal one redrawn line (progress.c); otherwise a plain line per tenth of the runs or
 * every 10 s, so that logs show progress too. */
typedef struct exp_progress {
    const char *cmd;  /* for the plain lines */
    cli_progress bar; /* the line on a terminal (bar.on: a terminal and not --quiet) */
    int quiet;        /* show nothing */
    double last;      /* last plain line */
    size_t decile;    /* last tenth reported */
} exp_progress;

static void on_progress(void *user, size_t done, size_t total, double rate, double eta)
{
    exp_progress *p = user;
    if (p->quiet) return;
    if (p->bar.on) {
        char what[96];
        snprintf(what, sizeof what, "%zu/%zu runs  %.2f runs/s", done, total, rate);
        cli_progress_update(&p->bar, done, total, what, eta);
        if (done == total) cli_progress_end(&p->bar, 1);
        return;
    }
    char e[32];
    cli_duration(eta, e, sizeof e);
    double now = cli_now();
    size_t dec = total ? done * 10 / total : 10;
    if (dec > p->decile || now - p->last >= 10.0 || done == total) {
        fprintf(stderr, "unrest %s: %zu/%zu runs (%.0f%%), %.2f runs/s, ETA %s\n", p->cmd, done,
                total, total ? 100.0 * (double)done / (double)total : 100.0, rate, e);
        p->decile = dec;
        p->last = now;
    }
}

int cli_exp_run(cli_exp *e, unrest_store *s, int64_t exp, const unrest_job *jobs, size_t n,
                unrest_runner_stats *stats)
{
    exp_progress p = {.cmd = e->cmd, .quiet = e->quiet};
    cli_progress_start(&p.bar, e->quiet, 0);
    p.last = p.bar.t0;
    unrest_runner r = {.workers = e->workers,
                       .series = e->series,
                       .on_result = NULL,
                       .on_progress = on_progress,
                       .user = &p};
    int ranks = cli_mpi_size();
    char where[96];
    snprintf(where, sizeof where, "%u workers", e->workers);
    if (ranks > 1) { /* the other ranks run the jobs; this one writes them, 64 per commit */
        r.dispatch = cli_mpi_dispatch;
        r.batch = 64;
        r.batch_s = 1.0;
        snprintf(where, sizeof where, "%d MPI ranks (1 master, %d workers)", ranks, ranks - 1);
    } else if (cli_mpi_launched()) {
        snprintf(where, sizeof where, "1 MPI rank, %u workers", e->workers);
    }
    char err[1200];
    size_t skipped = 0;
    if (!e->quiet)
        fprintf(stderr,
                "unrest %s: experiment %lld, %zu runs, master seed %" PRIu64
                ", scenario %s (hash %016" PRIx64 "), %s\n",
                e->cmd, (long long)exp, n, e->seed, e->sc->name, unrest_scenario_hash(e->sc),
                where);
    unrest_status st =
        unrest_experiment_execute(s, exp, jobs, n, &r, &skipped, stats, err, sizeof err);
    cli_progress_end(&p.bar, 1);
    if (st != UNREST_OK) {
        cli_error(e->cmd, "%s", err);
        return EXIT_FAIL;
    }
    if (!e->quiet) {
        /* agent-updates/s: per worker from the runs' own times (compute), and in total from the
         * wall clock; the store's share is the time spent writing finished runs */
        double ups = stats->compute_s > 0 ? (double)stats->agent_updates / stats->compute_s : 0;
        double tot = stats->wall_s > 0 ? (double)stats->agent_updates / stats->wall_s : 0;
        fprintf(stderr,
                "unrest %s: %zu runs in %.2f s (%zu already in the database, %zu failed): "
                "%.3f runs/s; %.3g agent-updates/s in total, %.3g per worker; compute %.2f s "
                "summed over runs; store %.3f s (%.2f%% of wall)\n",
                e->cmd, stats->done, stats->wall_s, skipped, stats->failed,
                stats->wall_s > 0 ? (double)stats->done / stats->wall_s : 0.0, tot, ups,
                stats->compute_s, stats->callback_s,
                stats->wall_s > 0 ? 100.0 * stats->callback_s / stats->wall_s : 0.0);
        if (ranks > 1) {
            double busy, slept, cpu;
            size_t runs;
            cli_mpi_master_cost(&busy, &slept, &cpu, &runs);
            fprintf(stderr,
                    "unrest %s: master CPU %.3f s in %.2f s of wall (%.1f%% of a core), %.1f us "
                    "of CPU per dispatched run (store writes included); asleep %.1f%% of wall\n",
                    e->cmd, cpu, stats->wall_s,
                    stats->wall_s > 0 ? 100.0 * cpu / stats->wall_s : 0.0,
                    runs ? 1e6 * cpu / (double)runs : 0.0,
                    stats->wall_s > 0 ? 100.0 * slept / stats->wall_s : 0.0);
        }
    }
    return EXIT_OK;
}

/* Exit code from the runs in the store: 1 if any failed (after saying how many and why). */
int cli_exp_failures(const char *cmd, const unrest_store_row *rows, size_t n)
{
    size_t failed = 0;
    for (size_t i = 0; i < n; i++)
        failed += rows[i].status == 2;
    if (!failed) return EXIT_OK;
    cli_error(cmd, "%zu of %zu runs failed (their messages are in the run table's error column)",
              failed, n);
    return EXIT_FAIL;
}

int cli_factor_check(const char *cmd, const char *what, const unrest_scenario *sc,
                     const unrest_factor *f, size_t k)
{
    unrest_scenario *tmp = malloc(sizeof *tmp);
    if (!tmp) {
        cli_error(cmd, "out of memory");
        return EXIT_FAIL;
    }
    int rc = EXIT_OK;
    for (size_t i = 0; i < k && rc == EXIT_OK; i++) {
        for (int end = 0; end < 2 && rc == EXIT_OK; end++) {
            char a[160], err[1024];
            memcpy(tmp, sc, sizeof *tmp);
            snprintf(a, sizeof a, "%s=%.15g", f[i].name, end ? f[i].hi : f[i].lo);
            if (unrest_scenario_set(tmp, a, err, sizeof err) != UNREST_OK) {
                cli_error(cmd, "%s '%s': %s", what, f[i].name, err);
                rc = EXIT_USAGE;
            }
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(f[i].name, f[j].name)) {
                cli_error(cmd, "%s '%s' given twice", what, f[i].name);
                rc = EXIT_USAGE;
            }
    }
    free(tmp);
    return rc;
}

char *cli_factors_text(const unrest_factor *f, size_t k, const double *x)
{
    size_t cap = 1;
    for (size_t i = 0; i < k; i++)
        cap += strlen(f[i].name) + 32;
    char *t = malloc(cap);
    if (!t) return NULL;
    size_t used = 0;
    t[0] = '\0';
    for (size_t i = 0; i < k; i++)
        used += (size_t)snprintf(t + used, cap - used, "%s%s=%.15g", i ? ";" : "", f[i].name, x[i]);
    return t;
}

int cli_exp_run_design(cli_exp *e, unrest_exp_kind kind, const char *settings,
                       const unrest_factor *f, size_t k, const double *x, size_t rows,
                       unrest_store **s, int64_t *exp, unrest_store_row **runs, size_t *nruns)
{
    const char *C = e->cmd;
    if (rows * e->runs > 100000000u) { /* before any database is opened: bad input */
        cli_error(C, "%zu design points x %" PRIu64 " runs is more than 100000000 runs", rows,
                  e->runs);
        return EXIT_USAGE;
    }
    char **ftext = calloc(rows ? rows : 1, sizeof *ftext);
    size_t njobs = rows * (size_t)e->runs;
    unrest_job *jobs = calloc(njobs ? njobs : 1, sizeof *jobs);
    int rc = EXIT_FAIL, resumed;
    int64_t vid;
    if (!ftext || !jobs) {
        cli_error(C, "out of memory");
        goto done;
    }
    for (size_t p = 0; p < rows; p++)
        if (!(ftext[p] = cli_factors_text(f, k, x + p * k))) {
            cli_error(C, "out of memory");
            goto done;
        }
    if ((rc = cli_exp_open(e, kind, settings, s, exp, &resumed)) != EXIT_OK) goto done;
    rc = EXIT_FAIL;
    if (unrest_store_variant(*s, *exp, "base", "", unrest_scenario_hash(e->sc), &vid) !=
        UNREST_OK) {
        cli_error(C, "%s", unrest_store_error(*s));
        goto done;
    }
    /* replicate r of every design point has the seed of run r: common random numbers */
    for (size_t p = 0; p < rows; p++)
        for (uint64_t r = 0; r < e->runs; r++) {
            unrest_job *j = &jobs[p * e->runs + r];
            j->sc = e->sc;
            j->key.variant_id = vid;
            j->key.idx = p * e->runs + r;
            j->key.point = p;
            j->key.rep = r;
            j->key.seed = unrest_seed_derive(e->seed, r);
            j->key.factors = ftext[p];
        }
    unrest_runner_stats stats;
    if ((rc = cli_exp_run(e, *s, *exp, jobs, njobs, &stats)) != EXIT_OK) goto done;
    if (unrest_store_rows(*s, *exp, vid, runs, nruns) != UNREST_OK) {
        cli_error(C, "%s", unrest_store_error(*s));
        rc = EXIT_FAIL;
        goto done;
    }
    rc = EXIT_OK;
done:
    if (ftext)
        for (size_t p = 0; p < rows; p++)
            free(ftext[p]);
    free(ftext);
    free(jobs);
    return rc;
}
