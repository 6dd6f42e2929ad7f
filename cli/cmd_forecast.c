/*
 * cmd_forecast.c - `unrest forecast`: many runs of a scenario, each drawing its parameter set
 * from a calibrated posterior (when --posterior names a results database), summarised as a
 * Markdown forecast (docs/FORECAST.md is written by it): participation by day, focal points
 * taken and retaken, detained by a date, dead and injured, when it ends, outcome classes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "unrest/calibrate.h"
#include "unrest/forecast.h"
#include "unrest/store.h"

void help_forecast(FILE *out)
{
    fprintf(out,
            "usage: unrest forecast [SCENARIO] [--posterior DB [--calibration ID]] [--runs N]\n"
            "                       [--from DATETIME] [--detained-by DATETIME] [--out FILE.md]\n"
            "                       [--seed N] [--workers W] [--set PATH=VALUE ...] [--quiet]\n"
            "\n"
            "Run SCENARIO (a file, or the built-in default) N times (default 200), each run with\n"
            "its own seed and, with --posterior, its own parameter set drawn from the posterior\n"
            "of a calibration stored in DB (unrest calibrate; the latest one unless --calibration\n"
            "names it), and write what followed as Markdown: national participation by day, its\n"
            "peak and when, focal points taken and retaken, detained by a date, dead and injured\n"
            "in all and by city, when it ends, outcome classes; each as a median with its 90%%\n"
            "interval.\n"
            "\n"
            "  --from DATETIME        where the forecast proper starts (local time of the\n"
            "                         scenario, e.g. 2022-01-06T00:00; default: its start)\n"
            "  --detained-by DATETIME the date of the detention count (default: the end)\n"
            "  --out FILE.md          write there, all or nothing (default: standard output)\n");
}

/* A local date-time of sc's clock ("2022-01-06T00:00", with or without an offset) as seconds
 * since 1970 UTC, read by the scenario's own parser. */
static int parse_local(const char *opt, const char *text, const unrest_scenario *sc, int64_t *t)
{
    static unrest_scenario tmp;
    tmp = *sc;
    char a[160], err[512];
    int off = sc->p.utc_offset_min, has_off = strlen(text) > 16;
    snprintf(a, sizeof a, "time.start=%s%s%02d:%02d", text, has_off ? "" : (off < 0 ? "-" : "+"),
             has_off ? 0 : abs(off) / 60, has_off ? 0 : abs(off) % 60);
    if (has_off) snprintf(a, sizeof a, "time.start=%s", text);
    double v;
    if (unrest_scenario_set(&tmp, a, err, sizeof err) != UNREST_OK ||
        unrest_scenario_get_number(&tmp, "time.start", &v, err, sizeof err) != UNREST_OK) {
        cli_error("forecast", "%s '%s': %s", opt, text, err);
        return EXIT_USAGE;
    }
    *t = (int64_t)v;
    return 0;
}

/* Write the forecast to path (all or nothing: a temporary file renamed) or standard output. */
static int write_out(const char *path, const unrest_forecast *f, const char *prov)
{
    if (!path || !strcmp(path, "-"))
        return unrest_forecast_write_markdown(f, stdout, prov) == UNREST_OK ? 0 : EXIT_FAILURE;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *out = fopen(tmp, "w");
    if (!out) {
        cli_error("forecast", "--out '%s': cannot write '%s'", path, tmp);
        return EXIT_FAILURE;
    }
    unrest_status st = unrest_forecast_write_markdown(f, out, prov);
    if (fclose(out) != 0 || st != UNREST_OK || rename(tmp, path) != 0) {
        remove(tmp);
        cli_error("forecast", "--out '%s': writing failed", path);
        return EXIT_FAILURE;
    }
    return 0;
}

static void progress(void *user, size_t done, size_t total)
{
    cli_progress *p = user;
    cli_progress_update(p, done, total, "runs", -1);
}

int cmd_forecast(int argc, char **argv)
{
    const char *C = "forecast", *scenario = "default", *db = NULL, *out_path = NULL, *val;
    const char *from_text = NULL, *by_text = NULL;
    uint64_t runs = 200, seed = 1, cal_id = 0;
    unsigned workers = cli_cpus();
    int quiet = 0, rc = EXIT_USAGE;
    static unrest_scenario sc;
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    size_t nsets = 0;
    if (!sets) return EXIT_FAILURE;
    for (int i = 1; i < argc; i++) {
        int r;
        if (!strcmp(argv[i], "--quiet")) {
            quiet = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--set", &val)) != 0) {
            if (r < 0) goto done;
            sets[nsets++] = val;
        } else if ((r = cli_opt(argc, argv, &i, "--posterior", &val)) != 0) {
            if (r < 0) goto done;
            db = val;
        } else if ((r = cli_opt(argc, argv, &i, "--out", &val)) != 0) {
            if (r < 0) goto done;
            out_path = val;
        } else if ((r = cli_opt(argc, argv, &i, "--from", &val)) != 0) {
            if (r < 0) goto done;
            from_text = val;
        } else if ((r = cli_opt(argc, argv, &i, "--detained-by", &val)) != 0) {
            if (r < 0) goto done;
            by_text = val;
        } else if ((r = cli_opt(argc, argv, &i, "--runs", &val)) != 0) {
            if (r < 0 || cli_opt_u64(C, "--runs", val, 2, 1000000, &runs)) goto done;
        } else if ((r = cli_opt(argc, argv, &i, "--seed", &val)) != 0) {
            if (r < 0 || cli_opt_u64(C, "--seed", val, 0, UINT64_MAX, &seed)) goto done;
        } else if ((r = cli_opt(argc, argv, &i, "--calibration", &val)) != 0) {
            if (r < 0 || cli_opt_u64(C, "--calibration", val, 1, INT64_MAX, &cal_id)) goto done;
        } else if ((r = cli_opt(argc, argv, &i, "--workers", &val)) != 0) {
            uint64_t wv;
            if (r < 0 || cli_opt_u64(C, "--workers", val, 1, 1024, &wv)) goto done;
            workers = (unsigned)wv;
        } else if (argv[i][0] != '-' && i == 1) {
            scenario = argv[i];
        } else {
            cli_error(C, "unknown option '%s' (see unrest help forecast)", argv[i]);
            goto done;
        }
    }
    if ((rc = cli_scenario_read(C, scenario, &sc)) != 0) goto done;
    for (size_t k = 0; k < nsets; k++)
        if ((rc = cli_scenario_apply(C, "--set", &sc, sets[k])) != 0) goto done;
    rc = EXIT_USAGE;
    unrest_forecast_config c = {
        .sc = &sc, .runs = (size_t)runs, .seed = seed, .workers = workers, .conf = 0.9};
    c.from = sc.p.start;
    c.detained_by = sc.p.start + (int64_t)sc.p.days * 86400;
    if (from_text && parse_local("--from", from_text, &sc, &c.from)) goto done;
    if (by_text && parse_local("--detained-by", by_text, &sc, &c.detained_by)) goto done;

    char err[1024], prov[1800];
    unrest_store *store = NULL;
    unrest_cal_posterior *post = NULL;
    if (db) {
        if (unrest_store_open(&store, db, UNREST_STORE_READONLY, 5000, err, sizeof err) !=
                UNREST_OK ||
            unrest_calibrate_posterior_load(store, (int64_t)cal_id, &post, err, sizeof err) !=
                UNREST_OK) {
            cli_error(C, "--posterior '%s': %s", db, err);
            unrest_store_close(store);
            goto done;
        }
        c.post = post;
    }
    cli_progress bar;
    cli_progress_start(&bar, quiet, 2.0);
    c.progress = progress;
    c.user = &bar;
    unrest_forecast *f = NULL;
    unrest_status st = unrest_forecast_run(&f, &c, err, sizeof err);
    cli_progress_end(&bar, 0);
    if (st != UNREST_OK) {
        cli_error(C, "%s", err);
        rc = EXIT_FAILURE;
    } else {
        char cmdline[1024] = "unrest";
        for (int i = 0; i < argc; i++) {
            size_t u = strlen(cmdline);
            snprintf(cmdline + u, sizeof cmdline - u, " %s", argv[i]);
        }
        snprintf(prov, sizeof prov,
                 "Made by `%s` (unrest %s, master seed %" PRIu64 ", scenario hash %016" PRIx64
                 "%s%s%s).",
                 cmdline, UNREST_VERSION, seed, unrest_scenario_hash(&sc),
                 db ? ", parameter sets drawn from the posterior in `" : ", no posterior",
                 db ? db : "", db ? "`" : "");
        rc = write_out(out_path, f, prov);
    }
    unrest_forecast_destroy(f);
    unrest_calibrate_posterior_free(post);
    unrest_store_close(store);
done:
    free(sets);
    return rc;
}
