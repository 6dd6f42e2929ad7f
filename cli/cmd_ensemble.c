/*
 * cmd_ensemble.c - `unrest ensemble`: N runs of one scenario with seeds derived from one master
 * seed, spread over worker threads, each run written to an SQLite store as it finishes; the
 * same command resumes an interrupted ensemble. Also the parts every experiment command shares
 * (cli.h): reading SCENARIO and --set, the common options, opening the store and running jobs
 * with a progress display. Everything is validated before the database is touched.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "unrest/design.h"

void help_ensemble(FILE *out)
{
    fprintf(
        out,
        "usage: unrest ensemble SCENARIO --runs N --db FILE [OPTIONS]\n"
        "\n"
        "Run SCENARIO N times with seeds derived from one master seed and write every run's\n"
        "outcomes to an SQLite database as it finishes; then print outcome probabilities and\n"
        "medians with 95%% intervals. Killed at any moment, the same command resumes: runs\n"
        "already in the database are not run again. A failed run is recorded as failed.\n"
        "\n"
        "  SCENARIO           a scenario file, or 'default' (the built-in Kazakhstan 2022)\n"
        "  --runs N           runs (required; a larger N later extends the ensemble)\n"
        "%s"
        "\n"
        "Run i has seed unrest_seed_derive(master, i) (docs/EXPERIMENTS.md), so an ensemble\n"
        "of N runs is the first N runs of any larger one.\n"
        "\n"
        "examples:\n"
        "  unrest ensemble default --runs 200 --db kz.db\n"
        "  unrest ensemble default --runs 50 --db kz.db --set legitimacy.initial=0.6 --series\n",
        CLI_EXP_OPTIONS_HELP);
}

/* ---- shared by the experiment commands ---------------------------------------------------- */

void cli_exp_init(cli_exp *e, const char *cmd, int argc, char **argv)
{
    memset(e, 0, sizeof *e);
    e->cmd = cmd;
    e->seed = 1;
    e->runs = 0;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    e->workers = ncpu > 0 && ncpu <= 1024 ? (unsigned)ncpu : 1;
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
    free(e->sc);
    free(e->command);
    free(e->sets);
    e->sc = NULL;
    e->command = NULL;
    e->sets = NULL;
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
        if (r < 0) goto missing;
        const char **ns = realloc(e->sets, (e->nsets + 1) * sizeof *ns);
        if (!ns) {
            cli_error(e->cmd, "out of memory");
            return -1;
        }
        e->sets = ns;
        e->sets[e->nsets++] = val;
        return 1;
    }
    if ((r = cli_opt(argc, argv, i, "--seed", &val)) != 0) {
        if (r < 0) goto missing;
        if (cli_parse_u64(val, UINT64_MAX, &e->seed)) {
            cli_error(e->cmd, "--seed must be an integer in [0, 18446744073709551615], got '%s'",
                      val);
            return -1;
        }
        return 1;
    }
    if ((r = cli_opt(argc, argv, i, "--report", &val)) != 0) {
        if (r < 0) goto missing;
        if (!*val) {
            cli_error(e->cmd, "--report needs a file name");
            return -1;
        }
        e->report = val;
        e->series = 1;
        return 1;
    }
    if ((r = cli_opt(argc, argv, i, "--runs", &val)) != 0) {
        if (r < 0) goto missing;
        if (cli_parse_u64(val, 100000000u, &e->runs) || e->runs == 0) {
            cli_error(e->cmd, "--runs must be an integer in [1, 100000000], got '%s'", val);
            return -1;
        }
        return 1;
    }
    if ((r = cli_opt(argc, argv, i, "--workers", &val)) != 0) {
        uint64_t w;
        if (r < 0) goto missing;
        if (cli_parse_u64(val, 1024, &w) || w == 0) {
            cli_error(e->cmd, "--workers must be an integer in [1, 1024], got '%s'", val);
            return -1;
        }
        e->workers = (unsigned)w;
        return 1;
    }
    if ((r = cli_opt(argc, argv, i, "--db", &val)) != 0) {
        if (r < 0) goto missing;
        if (!*val) {
            cli_error(e->cmd, "--db needs a file name");
            return -1;
        }
        e->db = val;
        return 1;
    }
    if (!strcmp(argv[*i], "--series")) {
        e->series = 1;
        return 1;
    }
    if (!strcmp(argv[*i], "--quiet")) {
        e->quiet = 1;
        return 1;
    }
    return 0;
missing:
    cli_error(e->cmd, "option '%s' needs a value (try 'unrest help %s')", argv[*i], e->cmd);
    return -1;
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

typedef struct progress {
    const char *cmd; /* for the plain lines */
    int tty;         /* redraw one line with \r */
    int quiet;       /* show nothing */
    double t0;       /* start */
    double last;     /* last plain line */
    size_t decile;   /* last tenth reported */
    size_t skipped;  /* runs found in the store */
    int drawn;       /* a bar is on the screen */
} progress;

static double mono_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void fmt_eta(double s, char *buf, size_t n)
{
    if (!(s >= 0) || s > 1e8) {
        snprintf(buf, n, "?");
        return;
    }
    long v = (long)(s + 0.5);
    if (v >= 3600)
        snprintf(buf, n, "%ldh%02ldm", v / 3600, v / 60 % 60);
    else if (v >= 60)
        snprintf(buf, n, "%ldm%02lds", v / 60, v % 60);
    else
        snprintf(buf, n, "%lds", v);
}

static void on_progress(void *user, size_t done, size_t total, double rate, double eta)
{
    progress *p = user;
    if (p->quiet) return;
    char e[32];
    fmt_eta(eta, e, sizeof e);
    if (p->tty) {
        enum { W = 30 };
        char bar[W + 1];
        size_t fill = total ? done * W / total : W;
        for (size_t i = 0; i < W; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[W] = '\0';
        fprintf(stderr, "\r[%s] %zu/%zu runs  %.2f runs/s  ETA %s   ", bar, done, total, rate, e);
        p->drawn = 1;
        if (done == total) {
            fputc('\n', stderr);
            p->drawn = 0;
        }
        fflush(stderr);
        return;
    }
    double now = mono_s();
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
    progress p = {.cmd = e->cmd, .tty = isatty(2), .quiet = e->quiet, .t0 = mono_s()};
    p.last = p.t0;
    unrest_runner r = {.workers = e->workers,
                       .series = e->series,
                       .on_result = NULL,
                       .on_progress = on_progress,
                       .user = &p};
    char err[1200];
    size_t skipped = 0;
    if (!e->quiet)
        fprintf(stderr,
                "unrest %s: experiment %lld, %zu runs, master seed %" PRIu64
                ", scenario %s (hash %016" PRIx64 "), %u workers\n",
                e->cmd, (long long)exp, n, e->seed, e->sc->name, unrest_scenario_hash(e->sc),
                e->workers);
    unrest_status st =
        unrest_experiment_execute(s, exp, jobs, n, &r, &skipped, stats, err, sizeof err);
    if (p.drawn) fputc('\n', stderr);
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

/* ---- the command -------------------------------------------------------------------------- */

int cmd_ensemble(int argc, char **argv)
{
    const char *C = "ensemble";
    cli_exp e;
    cli_exp_init(&e, C, argc, argv);
    int rc = EXIT_USAGE;
    unrest_store *s = NULL;
    unrest_job *jobs = NULL;
    unrest_store_row *rows = NULL;
    size_t nrows = 0;
    for (int i = 1; i < argc; i++) {
        int r = cli_exp_option(&e, argc, argv, &i);
        if (r < 0) goto done;
        if (r == 0) {
            cli_error(C, "unknown option '%s' (try 'unrest help ensemble')", argv[i]);
            goto done;
        }
    }
    if (!e.runs) {
        cli_error(C, "--runs N is required (N >= 1)");
        goto done;
    }
    if (!e.db) {
        cli_error(C, "--db FILE is required (the runs are written there as they finish)");
        goto done;
    }
    if ((rc = cli_exp_load(&e)) != EXIT_OK) goto done;

    char settings[64];
    snprintf(settings, sizeof settings, "series=%d", e.series);
    int64_t exp, vid;
    int resumed;
    if ((rc = cli_exp_open(&e, UNREST_EXP_ENSEMBLE, settings, &s, &exp, &resumed)) != EXIT_OK)
        goto done;
    rc = EXIT_FAIL;
    if (unrest_store_variant(s, exp, "base", "", unrest_scenario_hash(e.sc), &vid) != UNREST_OK) {
        cli_error(C, "%s", unrest_store_error(s));
        goto done;
    }
    jobs = calloc(e.runs, sizeof *jobs);
    if (!jobs) {
        cli_error(C, "out of memory");
        goto done;
    }
    for (uint64_t i = 0; i < e.runs; i++) {
        unrest_job *j = &jobs[i];
        j->sc = e.sc;
        j->key.variant_id = vid;
        j->key.idx = i;
        j->key.point = 0;
        j->key.rep = i;
        j->key.seed = unrest_seed_derive(e.seed, i);
        j->key.factors = "";
    }
    unrest_runner_stats stats;
    if ((rc = cli_exp_run(&e, s, exp, jobs, e.runs, &stats)) != EXIT_OK) goto done;
    if (unrest_store_rows(s, exp, vid, &rows, &nrows) != UNREST_OK) {
        cli_error(C, "%s", unrest_store_error(s));
        rc = EXIT_FAIL;
        goto done;
    }
    /* the report covers the first N runs (a larger earlier ensemble may share the table) */
    if (nrows > e.runs) nrows = e.runs;
    if (!e.quiet) {
        const char *names[1] = {"base"};
        const unrest_store_row *vr[1] = {rows};
        size_t vn[1] = {nrows};
        printf("%s: %zu runs, master seed %" PRIu64 ", database %s (experiment %lld)\n\n",
               e.sc->name, nrows, e.seed, e.db, (long long)exp);
        cli_exp_report(stdout, names, vr, vn, 1, e.seed);
    }
    if (e.report) {
        const char *names[1] = {"base"};
        const unrest_store_row *vr[1] = {rows};
        size_t vn[1] = {nrows};
        int64_t ids[1] = {vid};
        if ((rc = cli_exp_write_report(&e, s, exp, "ensemble", names, ids, vr, vn, 1)) != EXIT_OK)
            goto done;
    }
    rc = cli_exp_failures(C, rows, nrows);
done:
    free(rows);
    free(jobs);
    unrest_store_close(s);
    cli_exp_free(&e);
    return rc;
}
