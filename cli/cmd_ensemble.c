/*
 * cmd_ensemble.c - `unrest ensemble`: N runs of one scenario with seeds derived from one master
 * seed, spread over worker threads, each run written to an SQLite store as it finishes; the
 * same command resumes an interrupted ensemble. Everything is validated before the database
 * is touched (the parts the experiment commands share are in exp.c).
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

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
    if ((rc = cli_exp_posterior(&e, 1)) != EXIT_OK) goto done;

    char settings[160];
    snprintf(settings, sizeof settings, "series=%d%s", e.series, e.post_id);
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
        j->key.factors = cli_exp_factors(&e, i);
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
