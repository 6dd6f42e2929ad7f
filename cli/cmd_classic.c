/*
 * cmd_classic.c - `unrest run` on Epstein's model on one lattice (--classic or a run file):
 * options over the run file over the built-in defaults, validated before the disk is touched;
 * the run, its per-tick series.csv and manifest written by the library (output.h); a summary
 * with a text chart of the active citizens.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "unrest/output.h"
#include "unrest/runspec.h"
#include "unrest/unrest.h"

/* A text chart of a series: ROWS x COLS cells, each column the maximum over its ticks; a row
 * is filled where the column reaches the row's threshold, printed on the left. */
static void chart(FILE *out, const uint32_t *v, size_t n, const char *label)
{
    enum { COLS = 64, ROWS = 6 };
    if (n == 0) return;
    uint32_t col[COLS] = {0}, top = 0;
    for (size_t i = 0; i < n; i++) {
        size_t c = i * COLS / n;
        if (v[i] > col[c]) col[c] = v[i];
        if (v[i] > top) top = v[i];
    }
    size_t used = n < COLS ? n : COLS;
    fprintf(out, "  %s (max %u)\n", label, top);
    for (int r = ROWS; r >= 1; r--) {
        uint64_t at = ((uint64_t)top * (uint64_t)(2 * r - 1) + ROWS) / (2 * ROWS);
        if (at == 0) at = 1;
        fprintf(out, "  %6llu |", (unsigned long long)at);
        for (size_t c = 0; c < used; c++)
            fputc(col[c] >= at ? '#' : ' ', out);
        fputc('\n', out);
    }
    fprintf(out, "         +");
    for (size_t c = 0; c < used; c++)
        fputc('-', out);
    fprintf(out, "\n          tick 1%*s%zu\n", (int)(used > 12 ? used - 7 : 1), "", n);
}

/* A classic run as the command line and run file make it. */
typedef struct classic_run {
    unrest_runspec rs;   /* parameters, seed, ticks, timeline */
    const char *file;    /* the run file, or NULL */
    const char *out_dir; /* --out */
    const char *profile; /* --profile, or NULL */
    int quiet;           /* --quiet */
    unsigned threads;    /* --threads */
} classic_run;

/* Pass 1: the run file (the only word that is not an option or its value), loaded first so
 * that options override it. */
static int classic_file(classic_run *r, int argc, char **argv)
{
    char err[512];
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-') {
            if (r->file) {
                cli_error("run", "more than one run file given ('%s' and '%s')", r->file, argv[i]);
                return EXIT_USAGE;
            }
            r->file = argv[i];
        } else if (strcmp(argv[i], "--quiet") && i + 1 < argc && !strchr(argv[i], '=')) {
            i++; /* skip the option's value */
        }
    }
    if (r->file && unrest_runspec_load(&r->rs, r->file, err, sizeof err) != UNREST_OK) {
        fprintf(stderr, "unrest run: %s\n", err);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* Pass 2: every option known, and --profile, which applies before any --set whatever their
 * order. */
static int classic_profile(classic_run *r, int argc, char **argv)
{
    const char *val;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-') continue;
        int k;
        if ((k = cli_opt(argc, argv, &i, "--profile", &val)) != 0) {
            if (k < 0) goto missing;
            r->profile = val;
        } else if (!strcmp(argv[i], "--quiet")) {
            r->quiet = 1;
        } else if ((k = cli_opt(argc, argv, &i, "--set", &val)) != 0 ||
                   (k = cli_opt(argc, argv, &i, "--seed", &val)) != 0 ||
                   (k = cli_opt(argc, argv, &i, "--ticks", &val)) != 0 ||
                   (k = cli_opt(argc, argv, &i, "--at", &val)) != 0 ||
                   (k = cli_opt(argc, argv, &i, "--ramp", &val)) != 0 ||
                   (k = cli_opt(argc, argv, &i, "--out", &val)) != 0 ||
                   (k = cli_opt(argc, argv, &i, "--threads", &val)) != 0) {
            if (k < 0) goto missing;
        } else {
            cli_error("run", "unknown option '%s' (try 'unrest help run')", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (r->profile) {
        if (unrest_params_profile(&r->rs.params, r->profile) != UNREST_OK) {
            cli_error("run", "--profile: unknown profile '%s' (expected paper, netlogo or mesa)",
                      r->profile);
            return EXIT_USAGE;
        }
        snprintf(r->rs.profile, sizeof r->rs.profile, "%s", r->profile);
    }
    return EXIT_OK;
missing:
    cli_error("run", "option '%s' needs a value (try 'unrest help run')", argv[argc - 1]);
    return EXIT_USAGE;
}

/* One --set NAME=VALUE on the parameters. */
static int classic_set(classic_run *r, const char *val)
{
    char name[64], err[512];
    const char *eq = strchr(val, '=');
    if (!eq || eq == val || (size_t)(eq - val) >= sizeof name) {
        cli_error("run", "--set '%s': expected NAME=VALUE", val);
        return EXIT_USAGE;
    }
    memcpy(name, val, (size_t)(eq - val));
    name[eq - val] = '\0';
    if (unrest_params_set(&r->rs.params, name, eq + 1, err, sizeof err) != UNREST_OK) {
        cli_error("run", "--set '%s': %s", val, err);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* Pass 3: the values, in order (--set, --seed, --ticks, --threads, --out), then the whole
 * parameter set checked. */
static int classic_values(classic_run *r, int argc, char **argv)
{
    const char *C = "run", *val;
    char err[512];
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-') continue;
        uint64_t t;
        if (cli_opt(argc, argv, &i, "--set", &val) == 1) {
            if (classic_set(r, val) != EXIT_OK) return EXIT_USAGE;
        } else if (cli_opt(argc, argv, &i, "--seed", &val) == 1) {
            if (cli_opt_u64(C, "--seed", val, 0, UINT64_MAX, &r->rs.seed)) return EXIT_USAGE;
        } else if (cli_opt(argc, argv, &i, "--ticks", &val) == 1) {
            if (cli_opt_u64(C, "--ticks", val, 0, 1000000000u, &t)) return EXIT_USAGE;
            r->rs.ticks = (uint32_t)t;
        } else if (cli_opt(argc, argv, &i, "--threads", &val) == 1) {
            if (cli_opt_u64(C, "--threads", val, 1, 1024, &t)) return EXIT_USAGE;
            r->threads = (unsigned)t;
        } else if (cli_opt(argc, argv, &i, "--out", &val) == 1) {
            if (cli_opt_path(C, "--out", val, "a folder name", &r->out_dir)) return EXIT_USAGE;
        } else if (strcmp(argv[i], "--quiet")) {
            cli_opt(argc, argv, &i, "--profile", &val);
            cli_opt(argc, argv, &i, "--at", &val);
            cli_opt(argc, argv, &i, "--ramp", &val);
        }
    }
    if (unrest_params_validate(&r->rs.params, err, sizeof err) != UNREST_OK) {
        cli_error(C, "%s", err);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* Pass 4: the timeline, after --set so that its values are checked against final params. */
static int classic_timeline(classic_run *r, int argc, char **argv)
{
    const char *val;
    char err[512];
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-') continue;
        unrest_status st = UNREST_OK;
        if (cli_opt(argc, argv, &i, "--at", &val) == 1)
            st = unrest_runspec_add_at(&r->rs, val, err, sizeof err);
        else if (cli_opt(argc, argv, &i, "--ramp", &val) == 1)
            st = unrest_runspec_add_ramp(&r->rs, val, err, sizeof err);
        else if (strcmp(argv[i], "--quiet"))
            i++;
        if (st != UNREST_OK) {
            cli_error("run", "%s", err);
            return EXIT_USAGE;
        }
    }
    return EXIT_OK;
}

/* Step the model through its ticks, a series row per tick (tick 0 too), keeping the active and
 * jailed counts for the summary: an exit code. */
static int classic_execute(classic_run *r, unrest_model *m, unrest_output *out, uint32_t *act,
                           uint32_t *jail)
{
    char err[512], what[64];
    cli_progress bar;
    cli_progress_start(&bar, r->quiet, 2.0);
    for (uint32_t t = 0;; t++) {
        unrest_counts c;
        unrest_model_counts(m, &c);
        act[t] = c.active;
        jail[t] = c.jailed;
        if (unrest_output_classic_tick(out, &c) != UNREST_OK) {
            cli_error("run", "%s", unrest_output_error(out));
            goto fail;
        }
        if (t == r->rs.ticks) break;
        if (unrest_runspec_apply(&r->rs, m, t + 1, err, sizeof err) != UNREST_OK) {
            cli_error("run", "tick %u: %s", t + 1, err);
            goto fail;
        }
        if (unrest_model_step(m) != UNREST_OK) {
            cli_error("run", "tick %u: %s", t + 1, unrest_model_error(m));
            goto fail;
        }
        if (bar.on) {
            snprintf(what, sizeof what, "tick %u/%u", t + 1, r->rs.ticks);
            cli_progress_update(&bar, t + 1, r->rs.ticks, what, -1);
        }
    }
    cli_progress_end(&bar, 0);
    return EXIT_OK;
fail:
    cli_progress_end(&bar, 0);
    return EXIT_FAIL;
}

static void classic_print(const classic_run *r, const unrest_model *m, const unrest_counts *c0,
                          const unrest_summary *s, const uint32_t *act, double secs)
{
    const unrest_params *p = unrest_model_params(m);
    const unrest_runspec *rs = &r->rs;
    printf("unrest %s: %s rules, seed %" PRIu64 ", %ux%u torus, %u citizens, %u cops\n",
           UNREST_VERSION, rs->profile[0] ? rs->profile : "paper", rs->seed, p->width, p->height,
           c0->citizens, c0->cops);
    printf("%u ticks in %.3f s (%.4f ms/tick, %s update", rs->ticks, secs,
           rs->ticks ? 1e3 * secs / rs->ticks : 0.0,
           p->update == UNREST_UPDATE_PARALLEL ? "parallel" : "sequential");
    if (p->update == UNREST_UPDATE_PARALLEL) printf(", %u threads", r->threads);
    printf(")\n\n");
    chart(stdout, act + 1, rs->ticks, "active citizens per tick");
    printf("\n  active    mean %.1f, max %u\n", s->mean_active, s->max_active);
    printf("  outbursts %zu (active > %u)", s->outbursts, p->outburst_threshold);
    if (s->outbursts)
        printf(": mean peak %.0f, mean total activation %.0f", s->mean_peak, s->mean_total);
    if (s->outbursts > 1) printf(", waits %.0f +- %.0f ticks", s->mean_wait, s->sd_wait);
    printf("\n  jailed    mean %.1f, final %u\n", s->mean_jailed, s->final_jailed);
    printf("\nwrote %s/series.csv and %s/manifest.json\n", r->out_dir, r->out_dir);
}

/* The classic Epstein run: one lattice, a run file of parameters and a timeline. */
int run_classic(int argc, char **argv)
{
    classic_run r = {.out_dir = "out", .threads = cli_cpus()};
    unrest_runspec_init(&r.rs);
    unrest_model *m = NULL;
    unrest_output *out = NULL;
    uint32_t *act = NULL, *jail = NULL;
    char err[1200];
    int rc;
    if ((rc = classic_file(&r, argc, argv)) != EXIT_OK ||
        (rc = classic_profile(&r, argc, argv)) != EXIT_OK ||
        (rc = classic_values(&r, argc, argv)) != EXIT_OK ||
        (rc = classic_timeline(&r, argc, argv)) != EXIT_OK)
        goto done;
    rc = EXIT_USAGE;
    if (unrest_model_create(&m, &r.rs.params, r.rs.seed, err, sizeof err) != UNREST_OK) {
        cli_error("run", "%s", err);
        goto done;
    }
    unrest_model_set_threads(m, r.threads);
    /* everything validated: now the disk */
    if (unrest_output_classic_create(&out, r.out_dir, err, sizeof err) != UNREST_OK) {
        cli_error("run", "--out %s", err);
        goto done;
    }
    rc = EXIT_FAIL;
    act = malloc(((size_t)r.rs.ticks + 1) * sizeof *act);
    jail = malloc(((size_t)r.rs.ticks + 1) * sizeof *jail);
    if (!act || !jail) {
        cli_error("run", "out of memory");
        goto done;
    }
    double t0 = cli_now();
    if ((rc = classic_execute(&r, m, out, act, jail)) != EXIT_OK) goto done;
    double secs = cli_now() - t0;
    unrest_summary s;
    unrest_summarize(act + 1, jail + 1, r.rs.ticks, unrest_model_params(m)->outburst_threshold, &s,
                     NULL, NULL, NULL, 0);
    unrest_counts c0;
    unrest_model_counts(m, &c0);
    unrest_output_run run = {.argc = argc,
                             .argv = argv,
                             .file = r.file,
                             .seed = r.rs.seed,
                             .threads = r.threads,
                             .wall_seconds = secs};
    rc = EXIT_FAIL;
    if (unrest_output_classic_finish(out, &r.rs, &c0, &s, &run) != UNREST_OK) {
        cli_error("run", "%s", unrest_output_error(out));
        goto done;
    }
    if (!r.quiet) classic_print(&r, m, &c0, &s, act, secs);
    rc = EXIT_OK;
done:
    unrest_output_destroy(out);
    free(act);
    free(jail);
    unrest_model_destroy(m);
    unrest_runspec_free(&r.rs);
    return rc;
}
