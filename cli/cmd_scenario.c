/*
 * cmd_scenario.c - `unrest run` on a scenario (the built-in Kazakhstan 2022 one, a scenario
 * file, or the run a manifest records): options parsed and the scenario validated before the
 * disk is touched; every site run hour by hour with a progress line on a terminal; the CSVs and
 * the manifest written by the library (output.h); a day-by-day table per city, with quiet
 * stretches folded into one line, and the outcomes.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mpi_job.h"
#include "unrest/output.h"
#include "unrest/view.h"
#include "unrest/world.h"

/* A scenario run as the command line makes it. */
typedef struct scen_run {
    const char *file;     /* scenario file; NULL: built in (or none given with --manifest) */
    const char *manifest; /* --manifest FILE, or NULL */
    const char *out_dir;  /* --out */
    const char *report;   /* --report FILE.html, or NULL */
    const char *png_dir;  /* --png DIR, or NULL */
    uint64_t seed;        /* --seed (or the manifest's) */
    unsigned threads;     /* --threads */
    int quiet;            /* --quiet */
    uint64_t base_hash;   /* the scenario as read, before --set (recorded in the manifest) */
    char used[4200];      /* --manifest: the scenario file it named ("" built in) */
} scen_run;

static int fail_usage(const char *fmt, const char *a)
{
    fprintf(stderr, "unrest run: ");
    fprintf(stderr, fmt, a);
    fputc('\n', stderr);
    return EXIT_USAGE;
}

/* The scenario before any option: the file, the built-in default, or a manifest's run. */
static int scen_read(scen_run *r, unrest_scenario *sc, int argc, char **argv)
{
    char err[1200];
    const char *val;
    for (int i = 1; i < argc; i++) {
        int k = cli_opt(argc, argv, &i, "--manifest", &val);
        if (k < 0) return fail_usage("option '%s' needs a value (try 'unrest help run')", argv[i]);
        if (k > 0) r->manifest = val;
    }
    unrest_status st;
    if (r->manifest) {
        st = unrest_output_manifest_load(r->manifest, sc, &r->seed, &r->base_hash, r->used,
                                         sizeof r->used, err, sizeof err);
        r->file = r->used[0] ? r->used : NULL;
    } else {
        unrest_scenario_init(sc);
        if (r->file) {
            st = unrest_scenario_load(sc, r->file, err, sizeof err);
        } else {
            size_t len;
            const char *text = unrest_scenario_builtin(&len);
            st = unrest_scenario_load_string(sc, text, len, "<builtin kazakhstan-2022>", err,
                                             sizeof err);
        }
        r->base_hash = unrest_scenario_hash(sc);
    }
    if (st != UNREST_OK) {
        fprintf(stderr, "unrest run: %s\n", err);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* An option that changes the scenario or the seed: refused with --manifest, which rebuilds the
 * run as it was. */
static int scen_value(scen_run *r, unrest_scenario *sc, const char *opt, const char *val)
{
    char err[1024], a[160];
    const char *raw = val;
    if (r->manifest)
        return fail_usage("--manifest rebuilds the run as it was: %s cannot change it", opt);
    if (!strcmp(opt, "--seed"))
        return cli_opt_u64("run", "--seed", val, 0, UINT64_MAX, &r->seed) ? EXIT_USAGE : EXIT_OK;
    if (!strcmp(opt, "--days")) {
        snprintf(a, sizeof a, "time.days=%s", val);
        val = a;
    }
    if (unrest_scenario_set(sc, val, err, sizeof err) != UNREST_OK) {
        cli_error("run", "%s '%s': %s", opt, raw, err);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* The options, in order; then the whole scenario checked. */
static int scen_options(scen_run *r, unrest_scenario *sc, int argc, char **argv)
{
    static const char *const value_opts[] = {"--set", "--seed", "--days"};
    static const char *const path_opts[] = {"--report", "--png", "--out", "--manifest"};
    static const char *const what[] = {"a file name", "a folder name", "a folder name",
                                       "a file name"};
    static const char *const classic_opts[] = {"--profile", "--ticks", "--at", "--ramp"};
    const char **dest[] = {&r->report, &r->png_dir, &r->out_dir, &r->manifest};
    const char *val;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-') continue;
        int k = 0;
        uint64_t t;
        if (!strcmp(argv[i], "--quiet")) {
            r->quiet = 1;
            continue;
        }
        for (size_t j = 0; j < 3 && !k; j++)
            if ((k = cli_opt(argc, argv, &i, value_opts[j], &val)) > 0 &&
                scen_value(r, sc, value_opts[j], val) != EXIT_OK)
                return EXIT_USAGE;
        if (!k && (k = cli_opt(argc, argv, &i, "--threads", &val)) > 0) {
            if (cli_opt_u64("run", "--threads", val, 1, 1024, &t)) return EXIT_USAGE;
            r->threads = (unsigned)t;
        }
        for (size_t j = 0; j < 4 && !k; j++)
            if ((k = cli_opt(argc, argv, &i, path_opts[j], &val)) > 0 &&
                cli_opt_path("run", path_opts[j], val, what[j], dest[j]))
                return EXIT_USAGE;
        if (k < 0) return fail_usage("option '%s' needs a value (try 'unrest help run')", argv[i]);
        if (k) continue;
        for (size_t j = 0; j < 4; j++) {
            size_t n = strlen(classic_opts[j]);
            if (!strncmp(argv[i], classic_opts[j], n) && (!argv[i][n] || argv[i][n] == '='))
                return fail_usage("%s is for classic Epstein runs, not scenarios (use --set, "
                                  "--days and the scenario's events)",
                                  argv[i]);
        }
        return fail_usage("unknown option '%s' (try 'unrest help run')", argv[i]);
    }
    char err[1200];
    if (unrest_scenario_validate(sc, err, sizeof err) != UNREST_OK) {
        cli_error("run", "%s", err);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* Step the world to its end, recording every tick, with a progress line: an exit code. */
static int scen_execute(const scen_run *r, unrest_world *w, unrest_recorder *rec,
                        unrest_output *out)
{
    const unrest_scenario *sc = unrest_world_scenario(w);
    int64_t ticks = unrest_world_ticks(w);
    size_t days = 0;
    unrest_output_days(out, &days);
    cli_progress bar;
    cli_progress_start(&bar, r->quiet, 2.0);
    int rc = EXIT_FAIL;
    while (unrest_world_tick(w) < ticks) {
        if (unrest_world_step(w) != UNREST_OK) {
            cli_error("run", "tick %" PRId64 ": %s", unrest_world_tick(w) + 1,
                      unrest_world_error(w));
            goto done;
        }
        if (rec && unrest_recorder_tick(rec, w) != UNREST_OK) {
            cli_error("run", "out of memory recording the run");
            goto done;
        }
        if (unrest_output_tick(out, w) != UNREST_OK) {
            cli_error("run", "%s", unrest_output_error(out));
            goto done;
        }
        if (bar.on) {
            int64_t t = unrest_world_tick(w);
            size_t d = (size_t)((double)(t - 1) * sc->p.tick_hours / 24.0) + 1;
            char what[96];
            snprintf(what, sizeof what, "day %zu/%zu, tick %" PRId64 "/%" PRId64,
                     d < days ? d : days, days, t, ticks);
            cli_progress_update(&bar, (size_t)t, (size_t)ticks, what, -1);
        }
    }
    rc = EXIT_OK;
done:
    cli_progress_end(&bar, 0);
    return rc;
}

/* --png: the chart and a lattice snapshot per site. */
static int scen_png(const scen_run *r, const unrest_world *w, const unrest_recorder *rec)
{
    char path[4200], err[1200];
    const unrest_scenario *sc = unrest_world_scenario(w);
    snprintf(path, sizeof path, "%s/chart.png", r->png_dir);
    if (unrest_png_chart(rec, path, 1200, 600, err, sizeof err) != UNREST_OK) {
        cli_error("run", "--png: %s", err);
        return EXIT_FAIL;
    }
    for (size_t i = 0; i < sc->n_sites; i++) {
        snprintf(path, sizeof path, "%s/%s.png", r->png_dir, sc->site[i].name);
        if (unrest_png_snapshot(w, i, path, 0, err, sizeof err) != UNREST_OK) {
            cli_error("run", "--png: %s", err);
            return EXIT_FAIL;
        }
    }
    return EXIT_OK;
}

/* ---- what is printed ------------------------------------------------------------------------- */

static int day_quiet(const unrest_output_day *rows, size_t n, size_t days, size_t d)
{
    for (size_t i = 0; i < n; i++) {
        const unrest_output_day *r = &rows[i * days + d];
        if (r->peak >= 0.5 || r->detained >= 0.5 || r->dead >= 0.5 || r->captured) return 0;
    }
    return 1;
}

static void day_date(const unrest_scenario *sc, size_t d, char *buf, size_t n)
{
    unrest_format_time(sc->p.start + (int64_t)d * 86400, sc->p.utc_offset_min, buf, n);
    buf[10] = '\0';
}

/* One day with something happening: a row per city that was not quiet, then the total. */
static void print_day(const unrest_scenario *sc, const unrest_output_day *rows, size_t days,
                      size_t d)
{
    char when[32];
    day_date(sc, d, when, sizeof when);
    double ta = 0, td = 0, tk = 0;
    size_t quiet = 0;
    printf("\n  day %zu  %s\n  %-14s %10s %10s %8s  %s\n", d + 1, when, "city", "active",
           "detained", "dead", "captured");
    for (size_t i = 0; i < sc->n_sites; i++) {
        const unrest_output_day *r = &rows[i * days + d];
        ta += r->peak;
        td += r->detained;
        tk += r->dead;
        if (r->peak < 0.5 && r->detained < 0.5 && r->dead < 0.5 && !r->captured) {
            quiet++;
            continue;
        }
        printf("  %-14s %10.0f %10.0f %8.0f  ", sc->site[i].name, r->peak, r->detained, r->dead);
        int any = 0;
        for (size_t f = 0; f < sc->site[i].n_focal; f++)
            if (r->captured >> f & 1u) {
                printf("%s%s", any ? ", " : "", sc->site[i].focal[f].name);
                any = 1;
            }
        printf("%s\n", any ? "" : "-");
    }
    if (quiet) printf("  (%zu cities quiet)\n", quiet);
    printf("  %-14s %10.0f %10.0f %8.0f\n", "all cities", ta, td, tk);
}

/* The day-by-day table; a stretch of days on which every city was quiet is one line. */
static void print_day_table(const unrest_scenario *sc, const unrest_output_day *rows, size_t days)
{
    printf("\nDay by day (people; active = most at once; detained and dead during the day; "
           "captured: focal points the crowd held)\n");
    for (size_t d = 0; d < days;) {
        if (!day_quiet(rows, sc->n_sites, days, d)) {
            print_day(sc, rows, days, d++);
            continue;
        }
        size_t e = d;
        while (e + 1 < days && day_quiet(rows, sc->n_sites, days, e + 1))
            e++;
        char a[32], b[32];
        day_date(sc, d, a, sizeof a);
        day_date(sc, e, b, sizeof b);
        if (e == d)
            printf("\n  day %zu  %s: all %zu cities quiet\n", d + 1, a, sc->n_sites);
        else
            printf("\n  days %zu-%zu  %s to %s: all %zu cities quiet\n", d + 1, e + 1, a, b,
                   sc->n_sites);
        d = e + 1;
    }
}

static void scen_print(const scen_run *r, const unrest_world *w, const unrest_output *out,
                       double secs)
{
    const unrest_scenario *sc = unrest_world_scenario(w);
    size_t n = sc->n_sites, days;
    const unrest_output_day *rows = unrest_output_days(out, &days);
    char start[32], peak[32];
    unrest_format_time(sc->p.start, sc->p.utc_offset_min, start, sizeof start);
    uint64_t agents = 0, updates = unrest_output_agent_updates(out);
    for (size_t i = 0; i < n; i++) {
        unrest_site_state s;
        unrest_world_site(w, i, &s);
        agents += s.agents;
    }
    char floor[64] = ""; /* scale.min_agents: the fewest agents a city has */
    if (sc->p.min_agents > 0)
        snprintf(floor, sizeof floor, ", at least %" PRIu32 " a city", sc->p.min_agents);
    printf("unrest %s: %s, seed %" PRIu64 ", %zu cities, %" PRIu64
           " citizen agents (1 per %g people%s), %" PRId64 " hours from %s\n",
           UNREST_VERSION, sc->title[0] ? sc->title : sc->name, r->seed, n, agents,
           sc->p.people_per_agent, floor, unrest_world_ticks(w), start);
    printf("%.2f s (%.1f M agent-updates/s, %u threads)\n", secs,
           secs > 0 ? (double)updates / secs / 1e6 : 0.0, r->threads);
    print_day_table(sc, rows, days);
    unrest_outcomes o;
    unrest_world_outcomes(w, &o);
    unrest_format_time(sc->p.start +
                           (int64_t)llround((double)o.peak_tick * sc->p.tick_hours * 3600),
                       sc->p.utc_offset_min, peak, sizeof peak);
    printf("\nOutcome: %s\n", unrest_outcome_class_name(o.cls));
    printf("  peak %.0f people out at once (%s); %.0f mobilised at some point\n", o.peak_active,
           o.peak_tick >= 0 ? peak : "-", o.participants);
    printf("  %.0f detained, %.0f dead; %u focal points fell, %u held by the crowd at the end\n",
           o.detained, o.dead, o.sites_captured, o.held_at_end);
    if (o.security_dead > 0 || o.security_injured > 0 || o.injured > 0)
        printf("  clashes: %.0f police and guards killed, %.0f injured; %.0f civilians injured\n",
               o.security_dead, o.security_injured, o.injured);
    printf("  unrest lasted %.0f hours; legitimacy at the end %.3f (start %.3f)\n",
           o.duration_hours, o.final_legitimacy, sc->p.legitimacy);
    printf("\nwrote %s/series.csv, daily.csv, events.csv and manifest.json\n", r->out_dir);
    if (r->report) printf("wrote %s (open it in a browser; it works offline)\n", r->report);
    if (r->png_dir) printf("wrote %s/chart.png and a snapshot per city\n", r->png_dir);
}

/* ---- the command ----------------------------------------------------------------------------- */

int run_scenario(int argc, char **argv, const char *file)
{
    static unrest_scenario sc; /* large (fixed arrays): not on the stack */
    static scen_run r;         /* holds a path buffer */
    r = (scen_run){.file = file, .out_dir = "out", .seed = 1, .threads = cli_cpus()};
    unrest_recorder *rec = NULL;
    unrest_world *w = NULL;
    unrest_output *out = NULL;
    char err[1200];
    int rc;
    if ((rc = scen_read(&r, &sc, argc, argv)) != EXIT_OK ||
        (rc = scen_options(&r, &sc, argc, argv)) != EXIT_OK)
        return rc;
    rc = EXIT_USAGE;
    if (cli_mpi_size() > 1 && (r.report || r.png_dir)) { /* they draw lattices only rank 0 has */
        cli_error("run", "--report and --png are for runs in one process, not under mpirun");
        return EXIT_USAGE;
    }
    if (cli_world_create(&w, &sc, r.seed, r.threads, r.quiet, err, sizeof err) != UNREST_OK) {
        cli_error("run", "%s", err);
        goto done;
    }
    unrest_world_set_threads(w, r.threads);
    if ((r.report || r.png_dir) && unrest_recorder_create(&rec, w, 0) != UNREST_OK) {
        cli_error("run", "out of memory for the report");
        rc = EXIT_FAIL;
        goto done;
    }
    if (rec) unrest_recorder_set_seed(rec, r.seed);
    /* everything validated: now the disk */
    if (unrest_output_create(&out, r.out_dir, w, err, sizeof err) != UNREST_OK) {
        cli_error("run", "--out %s", err);
        goto done;
    }
    if (r.png_dir && unrest_output_make_dirs(r.png_dir, err, sizeof err) != UNREST_OK) {
        cli_error("run", "--png %s", err);
        goto done;
    }
    double t0 = cli_now();
    if ((rc = scen_execute(&r, w, rec, out)) != EXIT_OK) goto done;
    double secs = cli_now() - t0;
    unrest_output_run run = {.argc = argc,
                             .argv = argv,
                             .file = r.file,
                             .base_hash = r.base_hash,
                             .seed = r.seed,
                             .threads = r.threads,
                             .wall_seconds = secs};
    rc = EXIT_FAIL;
    if (unrest_output_finish(out, w, &run) != UNREST_OK) {
        cli_error("run", "%s", unrest_output_error(out));
        goto done;
    }
    if (r.report && unrest_report_write_run(rec, w, r.report, err, sizeof err) != UNREST_OK) {
        cli_error("run", "--report: %s", err);
        goto done;
    }
    if (r.png_dir && scen_png(&r, w, rec) != EXIT_OK) goto done;
    if (!r.quiet) scen_print(&r, w, out, secs);
    rc = EXIT_OK;
done:
    unrest_output_destroy(out);
    unrest_recorder_destroy(rec);
    unrest_world_destroy(w);
    return rc;
}
