/*
 * cmd_export.c - `unrest export`: the runs (or the daily series) of a results database as tidy
 * CSV, one row per run with each design factor in its own column. The database is opened
 * read-only; a file output is written to a temporary name and renamed when complete.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

void help_export(FILE *out)
{
    fprintf(out, "usage: unrest export --db FILE [--experiment ID] [--table runs|series] "
                 "[--out FILE.csv]\n"
                 "\n"
                 "Write the runs of a results database as tidy CSV: one row per run with its\n"
                 "experiment, variant, index, seed, status, one column per design factor and\n"
                 "the outcomes; or, with --table series, one row per run, day and site (runs\n"
                 "made with --series). Without --experiment every experiment is written.\n"
                 "\n"
                 "  --db FILE          the results database (opened read-only)\n"
                 "  --experiment ID    only this experiment (see the experiment table)\n"
                 "  --table T          runs (default) or series\n"
                 "  --out FILE         write there (atomically) instead of to stdout\n"
                 "\n"
                 "example:\n"
                 "  unrest export --db sweep.db --out sweep.csv\n");
}

int cmd_export(int argc, char **argv)
{
    const char *C = "export";
    const char *db = NULL, *outp = NULL, *table = "runs";
    uint64_t exp = 0;
    int rc = EXIT_USAGE;
    unrest_store *s = NULL;
    FILE *out = NULL;
    char tmp[4200] = "";
    for (int i = 1; i < argc; i++) {
        const char *val;
        int r;
        if ((r = cli_opt(argc, argv, &i, "--db", &val)) != 0) {
            if (r < 0) goto missing;
            db = val;
        } else if ((r = cli_opt(argc, argv, &i, "--out", &val)) != 0) {
            if (r < 0) goto missing;
            outp = val;
        } else if ((r = cli_opt(argc, argv, &i, "--table", &val)) != 0) {
            if (r < 0) goto missing;
            table = val;
        } else if ((r = cli_opt(argc, argv, &i, "--experiment", &val)) != 0) {
            if (r < 0) goto missing;
            if (cli_parse_u64(val, INT64_MAX, &exp) || exp == 0) {
                cli_error(C, "--experiment must be a positive integer, got '%s'", val);
                goto done;
            }
        } else {
            cli_error(C, "unknown option or argument '%s' (try 'unrest help export')", argv[i]);
            goto done;
        }
    }
    unrest_export_table t;
    if (!strcmp(table, "runs"))
        t = UNREST_EXPORT_RUNS;
    else if (!strcmp(table, "series"))
        t = UNREST_EXPORT_SERIES;
    else {
        cli_error(C, "--table must be runs or series, got '%s'", table);
        goto done;
    }
    if (!db || !*db) {
        cli_error(C, "--db FILE is required");
        goto done;
    }
    if (outp && !*outp) {
        cli_error(C, "--out needs a file name");
        goto done;
    }
    char err[1200];
    if (unrest_store_open(&s, db, UNREST_STORE_READONLY, 5000, err, sizeof err) != UNREST_OK) {
        cli_error(C, "--db: %s", err);
        goto done;
    }
    if (outp) {
        snprintf(tmp, sizeof tmp, "%s.tmp%ld", outp, (long)getpid());
        out = fopen(tmp, "w");
        if (!out) {
            cli_error(C, "cannot write '%s': %s", tmp, strerror(errno));
            tmp[0] = '\0';
            goto done;
        }
    }
    unrest_status st = unrest_store_export(s, (int64_t)exp, t, out ? out : stdout);
    if (st == UNREST_EUNKNOWN) {
        cli_error(C, "--experiment: %s", unrest_store_error(s));
        goto done;
    }
    rc = EXIT_FAIL;
    if (st != UNREST_OK) {
        cli_error(C, "%s", unrest_store_error(s));
        goto done;
    }
    if (out) {
        int bad = ferror(out);
        if (fclose(out) != 0 || bad) {
            out = NULL;
            cli_error(C, "cannot write '%s': %s", tmp, strerror(errno));
            goto done;
        }
        out = NULL;
        if (rename(tmp, outp) != 0) {
            cli_error(C, "cannot write '%s': %s", outp, strerror(errno));
            goto done;
        }
        tmp[0] = '\0';
    } else if (fflush(stdout) != 0) {
        cli_error(C, "cannot write the output: %s", strerror(errno));
        goto done;
    }
    rc = EXIT_OK;
    goto done;
missing:
    cli_error(C, "option '%s' needs a value (try 'unrest help export')", argv[argc - 1]);
done:
    if (out) fclose(out);
    if (tmp[0]) remove(tmp);
    unrest_store_close(s);
    return rc;
}
