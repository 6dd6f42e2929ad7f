/*
 * cmd_scenario.c - `unrest run` on a scenario (the built-in Kazakhstan 2022 one, or a scenario
 * file): validate everything before touching the disk, run every site hour by hour, write
 * tidy CSVs (hourly per site, daily per site, events) and a manifest atomically, and print a
 * day-by-day table per city of participants, detained, dead and captured sites, and the
 * outcomes.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "unrest/world.h"
#include "unrest/view.h"

/* Per site and day: what the table and daily.csv show. */
typedef struct day_row {
    double peak;           /* most people active at once */
    double detained;       /* people detained during the day */
    double dead;           /* people killed during the day */
    uint32_t captured;     /* focal points held by the crowd at some hour of the day (bits) */
    double legitimacy_end; /* legitimacy at the day's last hour */
} day_row;

/* Output files, written under temporary names and renamed when all are complete. */
enum { OUT_SERIES, OUT_DAILY, OUT_EVENTS, OUT_MANIFEST, OUT_N };
static const char *const out_names[OUT_N] = {"series.csv", "daily.csv", "events.csv",
                                             "manifest.json"};

static int fail_usage(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "unrest run: ");
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return EXIT_USAGE;
}

static void print_day_table(const unrest_world *w, const day_row *rows, size_t days)
{
    const unrest_scenario *sc = unrest_world_scenario(w);
    size_t n = unrest_world_site_count(w);
    printf("\nDay by day (people; active = most at once; detained and dead during the day; "
           "captured: focal points the crowd held)\n");
    for (size_t d = 0; d < days; d++) {
        char when[32];
        unrest_format_time(sc->p.start + (int64_t)d * 86400, sc->p.utc_offset_min, when,
                           sizeof when);
        when[10] = '\0';
        double ta = 0, td = 0, tk = 0;
        size_t quiet = 0;
        printf("\n  day %zu  %s\n  %-14s %10s %10s %8s  %s\n", d + 1, when, "city", "active",
               "detained", "dead", "captured");
        for (size_t i = 0; i < n; i++) {
            const day_row *r = &rows[i * days + d];
            ta += r->peak;
            td += r->detained;
            tk += r->dead;
            if (r->peak < 0.5 && r->detained < 0.5 && r->dead < 0.5 && !r->captured) {
                quiet++;
                continue;
            }
            printf("  %-14s %10.0f %10.0f %8.0f  ", sc->site[i].name, r->peak, r->detained,
                   r->dead);
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
}

/* Scenario parameters for the manifest: name and value. */
static void manifest_params(FILE *f, const unrest_sc_params *p)
{
#define R(name, field) fprintf(f, ",\n    \"%s\": %.17g", name, (double)p->field)
    fprintf(f, "    \"time.start\": %" PRId64 ",\n    \"time.utc_offset_min\": %d", p->start,
            p->utc_offset_min);
    R("time.tick_hours", tick_hours);
    R("time.days", days);
    R("scale.people_per_agent", people_per_agent);
    fprintf(f, ",\n    \"lattice.profile\": ");
    cli_json_str(f, p->profile);
    R("lattice.citizen_density", citizen_density);
    R("lattice.citizen_vision", citizen_vision);
    R("lattice.cop_vision", cop_vision);
    R("lattice.threshold", threshold);
    R("lattice.k", k);
    R("lattice.jail_hours", jail_hours);
    R("lattice.focal_pull", focal_pull);
    R("legitimacy.initial", legitimacy);
    R("legitimacy.arrest_erosion", arrest_erosion);
    R("legitimacy.kill_erosion", kill_erosion);
    R("legitimacy.kill_national", kill_national);
    R("legitimacy.foreign_erosion", foreign_erosion);
    R("legitimacy.concession_decay", concession_decay);
    R("hardship.fuel_ref_price", fuel_ref_price);
    R("hardship.fuel_weight", fuel_weight);
    R("hardship.cold_weight", cold_weight);
    R("hardship.comfort_temp", comfort_temp);
    R("hardship.distribute_relief", distribute_relief);
    R("spread.strength", spread);
    R("spread.saturation", spread_saturation);
    R("spread.media_share", media_share);
    R("spread.blackout_vision", blackout_vision);
    R("spread.leadership_gain", leadership_gain);
    R("force.police_per_100k", police_per_100k);
    R("force.street_share", police_street);
    R("force.leverage", leverage);
    R("force.troop_leverage", troop_leverage);
    R("force.curfew_k", curfew_k);
    R("force.emergency_k", emergency_k);
    R("force.lethal_fear", lethal_fear);
    R("force.night_share", night_share);
    R("force.capture_hours", capture_hours);
    R("outcomes.end_share", end_share);
    R("outcomes.end_hours", end_hours);
    R("outcomes.suppressed_dead", suppressed_dead);
    R("outcomes.suppressed_detained", suppressed_detained);
    R("outcomes.protracted_share", protracted_share);
#undef R
}

int run_scenario(int argc, char **argv, const char *file)
{
    const char *C = "run", *out_dir = "out", *val, *report = NULL, *png_dir = NULL;
    unrest_recorder *rec = NULL;
    static unrest_scenario sc; /* large (fixed arrays): not on the stack */
    unrest_world *w = NULL;
    uint64_t seed = 1;
    int quiet = 0, rc = EXIT_USAGE;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = ncpu > 0 && ncpu <= 1024 ? (unsigned)ncpu : 1;
    char err[1024];
    FILE *out[OUT_N] = {NULL};
    char tmp[OUT_N][4200];
    day_row *rows = NULL;
    for (int k = 0; k < OUT_N; k++)
        tmp[k][0] = '\0';

    unrest_scenario_init(&sc);
    unrest_status st;
    if (file) {
        st = unrest_scenario_load(&sc, file, err, sizeof err);
    } else {
        size_t len;
        const char *text = unrest_scenario_builtin(&len);
        st = unrest_scenario_load_string(&sc, text, len, "<builtin kazakhstan-2022>", err,
                                         sizeof err);
    }
    if (st != UNREST_OK) {
        fprintf(stderr, "unrest run: %s\n", err);
        return EXIT_USAGE;
    }
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-') continue;
        int r;
        if (!strcmp(argv[i], "--quiet")) {
            quiet = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--set", &val)) != 0) {
            if (r < 0) goto missing;
            if (unrest_scenario_set(&sc, val, err, sizeof err) != UNREST_OK) {
                cli_error(C, "--set '%s': %s", val, err);
                return EXIT_USAGE;
            }
        } else if ((r = cli_opt(argc, argv, &i, "--seed", &val)) != 0) {
            if (r < 0) goto missing;
            if (cli_parse_u64(val, UINT64_MAX, &seed))
                return fail_usage("--seed must be an integer in [0, 18446744073709551615], got "
                                  "'%s'%s",
                                  val, "");
        } else if ((r = cli_opt(argc, argv, &i, "--threads", &val)) != 0) {
            uint64_t t;
            if (r < 0) goto missing;
            if (cli_parse_u64(val, 1024, &t) || t == 0)
                return fail_usage("--threads must be an integer in [1, 1024], got '%s'%s", val, "");
            threads = (unsigned)t;
        } else if ((r = cli_opt(argc, argv, &i, "--days", &val)) != 0) {
            if (r < 0) goto missing;
            char a[128];
            snprintf(a, sizeof a, "time.days=%s", val);
            if (unrest_scenario_set(&sc, a, err, sizeof err) != UNREST_OK) {
                cli_error(C, "--days '%s': %s", val, err);
                return EXIT_USAGE;
            }
        } else if ((r = cli_opt(argc, argv, &i, "--report", &val)) != 0) {
            if (r < 0) goto missing;
            if (!*val) return fail_usage("--report needs a file name%s%s", "", "");
            report = val;
        } else if ((r = cli_opt(argc, argv, &i, "--png", &val)) != 0) {
            if (r < 0) goto missing;
            if (!*val) return fail_usage("--png needs a folder name%s%s", "", "");
            png_dir = val;
        } else if ((r = cli_opt(argc, argv, &i, "--out", &val)) != 0) {
            if (r < 0) goto missing;
            if (!*val) return fail_usage("--out needs a folder name%s%s", "", "");
            out_dir = val;
        } else if (!strcmp(argv[i], "--profile") || !strncmp(argv[i], "--profile=", 10) ||
                   !strcmp(argv[i], "--ticks") || !strncmp(argv[i], "--ticks=", 8) ||
                   !strcmp(argv[i], "--at") || !strncmp(argv[i], "--at=", 5) ||
                   !strcmp(argv[i], "--ramp") || !strncmp(argv[i], "--ramp=", 7)) {
            return fail_usage("%s is for classic Epstein runs, not scenarios (use --set, "
                              "--days and the scenario's events)%s",
                              argv[i], "");
        } else {
            return fail_usage("unknown option '%s' (try 'unrest help run')%s", argv[i], "");
        }
    }
    if (unrest_scenario_validate(&sc, err, sizeof err) != UNREST_OK) {
        cli_error(C, "%s", err);
        return EXIT_USAGE;
    }
    if (unrest_world_create(&w, &sc, seed, err, sizeof err) != UNREST_OK) {
        cli_error(C, "%s", err);
        return EXIT_USAGE;
    }
    unrest_world_set_threads(w, threads);
    if ((report || png_dir) && unrest_recorder_create(&rec, w, 0) != UNREST_OK) {
        cli_error(C, "out of memory for the report");
        rc = EXIT_FAIL;
        goto done;
    }
    if (rec) unrest_recorder_set_seed(rec, seed);

    /* everything validated: now the disk */
    rc = EXIT_FAIL;
    if (cli_make_dirs(out_dir) != 0) {
        cli_error(C, "--out '%s': cannot create folder: %s", out_dir, strerror(errno));
        rc = EXIT_USAGE;
        goto done;
    }
    if (png_dir && cli_make_dirs(png_dir) != 0) {
        cli_error(C, "--png '%s': cannot create folder: %s", png_dir, strerror(errno));
        rc = EXIT_USAGE;
        goto done;
    }
    for (int k = 0; k < OUT_N; k++) {
        snprintf(tmp[k], sizeof tmp[k], "%s/.%s.tmp", out_dir, out_names[k]);
        out[k] = fopen(tmp[k], "w");
        if (!out[k]) {
            cli_error(C, "cannot write '%s': %s", tmp[k], strerror(errno));
            rc = EXIT_USAGE;
            goto done;
        }
    }
    size_t n = unrest_world_site_count(w);
    int64_t ticks = unrest_world_ticks(w);
    double tick_h = sc.p.tick_hours;
    size_t days = (size_t)ceil((double)ticks * tick_h / 24.0 - 1e-9);
    rows = calloc(n * (days ? days : 1), sizeof *rows);
    if (!rows) {
        cli_error(C, "out of memory");
        goto done;
    }
    fprintf(out[OUT_SERIES],
            "tick,time,site,active,jailed,arrests,killed,detained_total,dead_total,participants,"
            "legitimacy,hardship,threshold,k,fuel_price,internet,police,troops,cop_agents,"
            "emergency,curfew,captured\n");
    fprintf(out[OUT_EVENTS], "tick,time,label\n");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t agent_updates = 0;
    while (unrest_world_tick(w) < ticks) {
        if (unrest_world_step(w) != UNREST_OK) {
            cli_error(C, "tick %" PRId64 ": %s", unrest_world_tick(w) + 1, unrest_world_error(w));
            goto done;
        }
        if (rec && unrest_recorder_tick(rec, w) != UNREST_OK) {
            cli_error(C, "out of memory recording the run");
            goto done;
        }
        int64_t t = unrest_world_tick(w);
        char when[32];
        unrest_format_time(unrest_world_time(w), sc.p.utc_offset_min, when, sizeof when);
        const char *fired = unrest_world_fired(w);
        while (*fired) {
            const char *nl = strchr(fired, '\n');
            size_t l = nl ? (size_t)(nl - fired) : strlen(fired);
            fprintf(out[OUT_EVENTS], "%" PRId64 ",%s,\"%.*s\"\n", t, when, (int)l, fired);
            fired += l + (nl != NULL);
        }
        size_t d = (size_t)floor((double)(t - 1) * tick_h / 24.0);
        if (d >= days) d = days - 1;
        for (size_t i = 0; i < n; i++) {
            unrest_site_state s;
            unrest_world_site(w, i, &s);
            agent_updates += s.agents + s.cop_agents;
            uint32_t held = 0;
            for (size_t f = 0; f < s.n_focal; f++)
                held |= (uint32_t)s.captured[f] << f;
            fprintf(out[OUT_SERIES],
                    "%" PRId64 ",%s,%s,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.6f,%.6f,%.6f,%.6f,"
                    "%.2f,%.3f,%.0f,%.0f,%u,%d,%d,%u\n",
                    t, when, s.name, s.active, s.jailed, s.arrests, s.killed, s.detained_total,
                    s.dead_total, s.participants, s.legitimacy, s.hardship, s.threshold, s.k,
                    s.fuel_price, s.internet, s.police, s.troops, s.cop_agents, s.emergency,
                    s.curfew, held);
            day_row *r = &rows[i * days + d];
            if (s.active > r->peak) r->peak = s.active;
            r->detained += s.arrests;
            r->dead += s.killed;
            r->captured |= held;
            r->legitimacy_end = s.legitimacy;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);

    fprintf(out[OUT_DAILY], "day,date,site,active_peak,detained,dead,captured,legitimacy\n");
    for (size_t d = 0; d < days; d++) {
        char when[32];
        unrest_format_time(sc.p.start + (int64_t)d * 86400, sc.p.utc_offset_min, when, sizeof when);
        when[10] = '\0';
        for (size_t i = 0; i < n; i++) {
            const day_row *r = &rows[i * days + d];
            fprintf(out[OUT_DAILY], "%zu,%s,%s,%.0f,%.0f,%.0f,%u,%.6f\n", d + 1, when,
                    sc.site[i].name, r->peak, r->detained, r->dead,
                    (unsigned)__builtin_popcount(r->captured), r->legitimacy_end);
        }
    }

    unrest_outcomes o;
    unrest_world_outcomes(w, &o);
    FILE *m = out[OUT_MANIFEST];
    fprintf(m, "{\n  \"program\": \"unrest\",\n  \"version\": \"%s\",\n  \"command\": [",
            UNREST_VERSION);
    for (int i = 0; i < argc; i++) {
        fputs(i ? ", " : "", m);
        cli_json_str(m, argv[i]);
    }
    fprintf(m, "],\n  \"file\": ");
    if (file)
        cli_json_str(m, file);
    else
        fputs("null", m);
    fprintf(m, ",\n  \"scenario\": ");
    cli_json_str(m, sc.name);
    fprintf(m,
            ",\n  \"scenario_hash\": \"%016" PRIx64 "\",\n  \"seed\": %" PRIu64
            ",\n  \"ticks\": %" PRId64 ",\n  \"sites\": %zu,\n  \"events\": %zu,\n"
            "  \"params\": {\n",
            unrest_scenario_hash(&sc), seed, ticks, n, sc.n_events);
    manifest_params(m, &sc.p);
    fprintf(m,
            "\n  },\n  \"outcomes\": {\"class\": \"%s\", \"peak_active\": %.0f, \"peak_tick\": "
            "%" PRId64 ", \"participants\": %.0f, \"dead\": %.0f, \"detained\": %.0f, "
            "\"sites_captured\": %u, \"held_at_end\": %u, \"duration_hours\": %.1f, "
            "\"final_legitimacy\": %.6f, \"ended\": %s},\n"
            "  \"threads\": %u,\n  \"wall_seconds\": %.6f,\n  \"agent_updates\": %" PRIu64
            ",\n  \"outputs\": [\"series.csv\", \"daily.csv\", \"events.csv\"]\n}\n",
            unrest_outcome_class_name(o.cls), o.peak_active, o.peak_tick, o.participants, o.dead,
            o.detained, o.sites_captured, o.held_at_end, o.duration_hours, o.final_legitimacy,
            o.ended ? "true" : "false", threads, secs, agent_updates);
    for (int k = 0; k < OUT_N; k++) {
        int bad = ferror(out[k]) | fclose(out[k]);
        out[k] = NULL;
        if (bad) {
            cli_error(C, "cannot write '%s': %s", tmp[k], strerror(errno));
            goto done;
        }
    }
    for (int k = 0; k < OUT_N; k++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", out_dir, out_names[k]);
        if (rename(tmp[k], path) != 0) {
            cli_error(C, "cannot finish '%s': %s", path, strerror(errno));
            goto done;
        }
        tmp[k][0] = '\0';
    }

    if (report && unrest_report_write_run(rec, w, report, err, sizeof err) != UNREST_OK) {
        cli_error(C, "--report: %s", err);
        goto done;
    }
    if (png_dir) {
        char path[4200];
        snprintf(path, sizeof path, "%s/chart.png", png_dir);
        if (unrest_png_chart(rec, path, 1200, 600, err, sizeof err) != UNREST_OK) {
            cli_error(C, "--png: %s", err);
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            snprintf(path, sizeof path, "%s/%s.png", png_dir, sc.site[i].name);
            if (unrest_png_snapshot(w, i, path, 0, err, sizeof err) != UNREST_OK) {
                cli_error(C, "--png: %s", err);
                goto done;
            }
        }
    }

    if (!quiet) {
        char start[32];
        unrest_format_time(sc.p.start, sc.p.utc_offset_min, start, sizeof start);
        uint64_t agents = 0;
        for (size_t i = 0; i < n; i++) {
            unrest_site_state s;
            unrest_world_site(w, i, &s);
            agents += s.agents;
        }
        printf("unrest %s: %s, seed %" PRIu64 ", %zu cities, %" PRIu64
               " citizen agents (1 per %g people), %" PRId64 " hours from %s\n",
               UNREST_VERSION, sc.title[0] ? sc.title : sc.name, seed, n, agents,
               sc.p.people_per_agent, ticks, start);
        printf("%.2f s (%.1f M agent-updates/s, %u threads)\n", secs,
               secs > 0 ? (double)agent_updates / secs / 1e6 : 0.0, threads);
        print_day_table(w, rows, days);
        char peak[32];
        unrest_format_time(sc.p.start + (int64_t)llround((double)o.peak_tick * tick_h * 3600),
                           sc.p.utc_offset_min, peak, sizeof peak);
        printf("\nOutcome: %s\n", unrest_outcome_class_name(o.cls));
        printf("  peak %.0f people active at once (%s); %.0f took part\n", o.peak_active,
               o.peak_tick >= 0 ? peak : "-", o.participants);
        printf("  %.0f detained, %.0f dead; %u focal points fell, %u held by the crowd at the "
               "end\n",
               o.detained, o.dead, o.sites_captured, o.held_at_end);
        printf("  unrest lasted %.0f hours; legitimacy at the end %.3f (start %.3f)\n",
               o.duration_hours, o.final_legitimacy, sc.p.legitimacy);
        printf("\nwrote %s/series.csv, daily.csv, events.csv and manifest.json\n", out_dir);
        if (report) printf("wrote %s (open it in a browser; it works offline)\n", report);
        if (png_dir) printf("wrote %s/chart.png and a snapshot per city\n", png_dir);
    }
    rc = EXIT_OK;
    goto done;
missing:
    cli_error(C, "option '%s' needs a value (try 'unrest help run')", argv[argc - 1]);
    return EXIT_USAGE;
done:
    for (int k = 0; k < OUT_N; k++) {
        if (out[k]) fclose(out[k]);
        if (tmp[k][0]) remove(tmp[k]);
    }
    free(rows);
    unrest_recorder_destroy(rec);
    unrest_world_destroy(w);
    return rc;
}
