/*
 * cmd_run.c - `unrest run`: build a run from the built-in default, an optional YAML file and
 * command-line options; validate everything before touching the disk; run; write a tidy
 * per-tick CSV and a manifest atomically (temporary files renamed at the end); print a summary
 * with a text chart of what happened.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "unrest/runspec.h"
#include "unrest/unrest.h"

void help_run(FILE *out)
{
    fprintf(
        out,
        "usage: unrest run [SCENARIO.yaml] [OPTIONS]      a scenario (default: Kazakhstan 2022)\n"
        "       unrest run RUNFILE.yaml | --classic [OPTIONS]   Epstein's model on one lattice\n"
        "\n"
        "Without a file, runs the built-in scenario: Kazakhstan, 1-20 January 2022 (19 cities,\n"
        "1 agent per 100 people; scenarios/kazakhstan-2022.yaml), prints a day-by-day table per\n"
        "city and the outcome, and writes OUT/series.csv (hourly, per city), OUT/daily.csv,\n"
        "OUT/events.csv and OUT/manifest.json. A file with sites (or base:) is a scenario; a file\n"
        "with profile/seed/ticks/params/events only is a classic run file.\n"
        "\n"
        "Scenario options:\n"
        "  --set PATH=VALUE     override any value of the scenario (repeatable), e.g.\n"
        "                       legitimacy.initial=0.7, scale.people_per_agent=1000,\n"
        "                       sites.Almaty.population=2e6, sites.*.temp_anomaly=0\n"
        "  --days N             length of the run (same as --set time.days=N)\n"
        "  --seed N             run seed, 0..2^64-1 (default 1)\n"
        "  --threads N          cities stepped side by side (results do not depend on it)\n"
        "  --out DIR            output folder (default: out); created if missing\n"
        "  --report FILE.html   a self-contained report: charts, maps, events, outcomes\n"
        "  --png DIR            chart.png and a lattice snapshot per city\n"
        "  --quiet              print nothing but errors\n"
        "\n"
        "Classic options (Epstein's civil violence model; without a file: the paper's Run 2,\n"
        "40x40, L 0.82, cops 0.04, vision 7, J_max 30):\n"
        "  --classic            run the classic model without a run file\n"
        "  --profile NAME       rule profile: paper, netlogo or mesa (see 'unrest help profiles')\n"
        "  --set NAME=VALUE     set a parameter (repeatable; see 'unrest help params')\n"
        "  --seed N             run seed, 0..2^64-1 (default 1, or the file's)\n"
        "  --ticks N            ticks to run, 0..1000000000 (default 1000, or the file's)\n"
        "  --at T:NAME=VALUE    change a runtime parameter at the start of tick T (repeatable)\n"
        "  --ramp NAME=A:B:T0:T1  move a real runtime parameter linearly from A to B over\n"
        "                       ticks T0..T1 (repeatable)\n"
        "  --out DIR, --threads N, --quiet   as above\n"
        "  Precedence: built-in defaults < FILE < --profile < --set. Output: OUT/series.csv\n"
        "  (one row per tick) and OUT/manifest.json.\n"
        "\n"
        "The same seed gives byte-identical outputs, whatever the thread count.\n"
        "\n"
        "examples:\n"
        "  unrest run\n"
        "  unrest run scenarios/no-csto.yaml --seed 7\n"
        "  unrest run --set scale.people_per_agent=10 --set legitimacy.initial=0.8\n"
        "  unrest run --classic --seed 7 --ticks 3000\n"
        "  unrest run --profile mesa --set legitimacy=0.8 --set cop_density=0.074 "
        "--set jail_max=1000\n");
}

void help_params(FILE *out)
{
    unrest_params d;
    unrest_params_default(&d);
    fprintf(out, "Parameters (set with --set NAME=VALUE or under params: in a run file).\n"
                 "Runtime parameters (*) may also change during a run with --at and --ramp.\n\n");
    for (size_t i = 0; i < unrest_param_count(); i++) {
        const unrest_param_info *p = unrest_param_info_at(i);
        char def[64], range[200];
        unrest_params_get(&d, p->name, def, sizeof def);
        switch (p->kind) {
        case UNREST_PARAM_UINT:
            snprintf(range, sizeof range, "integer %.0f..%.0f%s", p->min, p->max,
                     strcmp(p->name, "jail_max") ? "" : " or inf");
            break;
        case UNREST_PARAM_REAL:
            snprintf(range, sizeof range, "number %g..%g", p->min, p->max);
            break;
        case UNREST_PARAM_BOOL:
            snprintf(range, sizeof range, "true|false");
            break;
        case UNREST_PARAM_ENUM: {
            size_t used = 0;
            range[0] = '\0';
            for (int k = 0; p->names[k] && used < sizeof range; k++)
                used += (size_t)snprintf(range + used, sizeof range - used, "%s%s", k ? "|" : "",
                                         p->names[k]);
            break;
        }
        }
        fprintf(out, "  %-19s%s %-12s %s\n  %-20s %s\n", p->name, p->runtime ? "*" : " ", def,
                p->help, "", range);
    }
}

void help_profiles(FILE *out)
{
    static const char *const rules[] = {
        "hood",  "ratio", "self_count", "jail_place",       "jail_term",      "countdown",
        "order", "init",  "movement",   "cops_move_static", "cop_to_arrestee"};
    const char *const *names = unrest_profile_names();
    fprintf(out,
            "Profiles set the rule switches (not the numbers) to reproduce an implementation:\n"
            "  paper    Epstein (PNAS 2002) as printed, floor(C/A) by default\n"
            "  netlogo  NetLogo Rebellion (Wilensky 2004)\n"
            "  mesa     the Mesa 3.x epstein_civil_violence example\n\n");
    fprintf(out, "%-18s", "switch");
    for (int j = 0; names[j]; j++)
        fprintf(out, "%-16s", names[j]);
    fputc('\n', out);
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        fprintf(out, "%-18s", rules[i]);
        for (int j = 0; names[j]; j++) {
            unrest_params p;
            char v[64];
            unrest_params_default(&p);
            unrest_params_profile(&p, names[j]);
            unrest_params_get(&p, rules[i], v, sizeof v);
            fprintf(out, "%-16s", v);
        }
        fputc('\n', out);
    }
}

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

/* The classic Epstein run: one lattice, a run file of parameters and a timeline. */
int run_classic(int argc, char **argv)
{
    const char *C = "run";
    unrest_runspec rs;
    unrest_runspec_init(&rs);
    const char *file = NULL, *out_dir = "out", *profile = NULL, *val;
    int quiet = 0, rc = EXIT_USAGE;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = ncpu > 0 && ncpu <= 1024 ? (unsigned)ncpu : 1;
    char err[512];
    unrest_model *m = NULL;
    uint32_t *act = NULL, *jail = NULL;
    FILE *csv = NULL, *man = NULL;
    char csv_tmp[4200] = "", man_tmp[4200] = "";

    /* pass 1: the file, so that options override it */
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-') {
            if (file) {
                cli_error(C, "more than one run file given ('%s' and '%s')", file, argv[i]);
                goto done;
            }
            file = argv[i];
        } else if (strcmp(argv[i], "--quiet") && i + 1 < argc && !strchr(argv[i], '=')) {
            i++; /* skip the option's value */
        }
    }
    if (file && unrest_runspec_load(&rs, file, err, sizeof err) != UNREST_OK) {
        fprintf(stderr, "unrest run: %s\n", err);
        goto done;
    }
    /* pass 2: options; --profile applies before any --set whatever their order */
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-') continue;
        int r;
        if ((r = cli_opt(argc, argv, &i, "--profile", &val)) != 0) {
            if (r < 0) goto missing;
            profile = val;
        } else if (!strcmp(argv[i], "--quiet")) {
            quiet = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--set", &val)) != 0 ||
                   (r = cli_opt(argc, argv, &i, "--seed", &val)) != 0 ||
                   (r = cli_opt(argc, argv, &i, "--ticks", &val)) != 0 ||
                   (r = cli_opt(argc, argv, &i, "--at", &val)) != 0 ||
                   (r = cli_opt(argc, argv, &i, "--ramp", &val)) != 0 ||
                   (r = cli_opt(argc, argv, &i, "--out", &val)) != 0 ||
                   (r = cli_opt(argc, argv, &i, "--threads", &val)) != 0) {
            if (r < 0) goto missing;
        } else {
            cli_error(C, "unknown option '%s' (try 'unrest help run')", argv[i]);
            goto done;
        }
    }
    if (profile) {
        if (unrest_params_profile(&rs.params, profile) != UNREST_OK) {
            cli_error(C, "--profile: unknown profile '%s' (expected paper, netlogo or mesa)",
                      profile);
            goto done;
        }
        snprintf(rs.profile, sizeof rs.profile, "%s", profile);
    }
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-') continue;
        if (cli_opt(argc, argv, &i, "--set", &val) == 1) {
            char name[64];
            const char *eq = strchr(val, '=');
            if (!eq || eq == val || (size_t)(eq - val) >= sizeof name) {
                cli_error(C, "--set '%s': expected NAME=VALUE", val);
                goto done;
            }
            memcpy(name, val, (size_t)(eq - val));
            name[eq - val] = '\0';
            if (unrest_params_set(&rs.params, name, eq + 1, err, sizeof err) != UNREST_OK) {
                cli_error(C, "--set '%s': %s", val, err);
                goto done;
            }
        } else if (cli_opt(argc, argv, &i, "--seed", &val) == 1) {
            if (cli_parse_u64(val, UINT64_MAX, &rs.seed)) {
                cli_error(C, "--seed must be an integer in [0, 18446744073709551615], got '%s'",
                          val);
                goto done;
            }
        } else if (cli_opt(argc, argv, &i, "--ticks", &val) == 1) {
            uint64_t t;
            if (cli_parse_u64(val, 1000000000u, &t)) {
                cli_error(C, "--ticks must be an integer in [0, 1000000000], got '%s'", val);
                goto done;
            }
            rs.ticks = (uint32_t)t;
        } else if (cli_opt(argc, argv, &i, "--threads", &val) == 1) {
            uint64_t t;
            if (cli_parse_u64(val, 1024, &t) || t == 0) {
                cli_error(C, "--threads must be an integer in [1, 1024], got '%s'", val);
                goto done;
            }
            threads = (unsigned)t;
        } else if (cli_opt(argc, argv, &i, "--out", &val) == 1) {
            if (!*val) {
                cli_error(C, "--out needs a folder name");
                goto done;
            }
            out_dir = val;
        } else if (!strcmp(argv[i], "--quiet")) {
        } else {
            cli_opt(argc, argv, &i, "--profile", &val);
            cli_opt(argc, argv, &i, "--at", &val);
            cli_opt(argc, argv, &i, "--ramp", &val);
        }
    }
    if (unrest_params_validate(&rs.params, err, sizeof err) != UNREST_OK) {
        cli_error(C, "%s", err);
        goto done;
    }
    /* timeline options after --set so that their values are checked against final params */
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-') continue;
        unrest_status st = UNREST_OK;
        if (cli_opt(argc, argv, &i, "--at", &val) == 1)
            st = unrest_runspec_add_at(&rs, val, err, sizeof err);
        else if (cli_opt(argc, argv, &i, "--ramp", &val) == 1)
            st = unrest_runspec_add_ramp(&rs, val, err, sizeof err);
        else if (strcmp(argv[i], "--quiet"))
            i++;
        if (st != UNREST_OK) {
            cli_error(C, "%s", err);
            goto done;
        }
    }
    if (unrest_model_create(&m, &rs.params, rs.seed, err, sizeof err) != UNREST_OK) {
        cli_error(C, "%s", err);
        goto done;
    }

    unrest_model_set_threads(m, threads);

    /* everything validated: now the disk */
    rc = EXIT_FAIL;
    if (cli_make_dirs(out_dir) != 0) {
        cli_error(C, "--out '%s': cannot create folder: %s", out_dir, strerror(errno));
        rc = EXIT_USAGE;
        goto done;
    }
    snprintf(csv_tmp, sizeof csv_tmp, "%s/.series.csv.tmp", out_dir);
    snprintf(man_tmp, sizeof man_tmp, "%s/.manifest.json.tmp", out_dir);
    csv = fopen(csv_tmp, "w");
    if (!csv) {
        cli_error(C, "cannot write '%s': %s", csv_tmp, strerror(errno));
        rc = EXIT_USAGE;
        goto done;
    }
    act = malloc(((size_t)rs.ticks + 1) * sizeof *act);
    jail = malloc(((size_t)rs.ticks + 1) * sizeof *jail);
    if (!act || !jail) {
        cli_error(C, "out of memory");
        goto done;
    }
    fprintf(csv, "tick,citizens,quiescent,active,jailed,cops,arrests,releases,moves,legitimacy,"
                 "tension\n");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uint32_t t = 0;; t++) {
        unrest_counts c;
        unrest_model_counts(m, &c);
        act[t] = c.active;
        jail[t] = c.jailed;
        fprintf(csv, "%" PRIu64 ",%u,%u,%u,%u,%u,%u,%u,%" PRIu64 ",%.6f,%.6f\n", c.tick, c.citizens,
                c.quiet, c.active, c.jailed, c.cops, c.arrests, c.releases, c.moves, c.legitimacy,
                c.tension);
        if (t == rs.ticks) break;
        if (unrest_runspec_apply(&rs, m, t + 1, err, sizeof err) != UNREST_OK) {
            cli_error(C, "tick %u: %s", t + 1, err);
            goto done;
        }
        if (unrest_model_step(m) != UNREST_OK) {
            cli_error(C, "tick %u: %s", t + 1, unrest_model_error(m));
            goto done;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    if (fclose(csv) != 0) {
        csv = NULL;
        cli_error(C, "cannot write '%s': %s", csv_tmp, strerror(errno));
        goto done;
    }
    csv = NULL;

    const unrest_params *p = unrest_model_params(m);
    unrest_summary s;
    unrest_summarize(act + 1, jail + 1, rs.ticks, p->outburst_threshold, &s, NULL, NULL, NULL, 0);
    unrest_counts c0;
    unrest_model_counts(m, &c0);

    man = fopen(man_tmp, "w");
    if (!man) {
        cli_error(C, "cannot write '%s': %s", man_tmp, strerror(errno));
        goto done;
    }
    fprintf(man, "{\n  \"program\": \"unrest\",\n  \"version\": \"%s\",\n  \"command\": [",
            UNREST_VERSION);
    for (int i = 0; i < argc; i++) {
        fputs(i ? ", " : "", man);
        cli_json_str(man, argv[i]);
    }
    fprintf(man, "],\n  \"file\": ");
    if (file)
        cli_json_str(man, file);
    else
        fputs("null", man);
    fprintf(man, ",\n  \"profile\": ");
    cli_json_str(man, rs.profile[0] ? rs.profile : "paper");
    fprintf(man, ",\n  \"seed\": %" PRIu64 ",\n  \"ticks\": %u,\n  \"params\": {", rs.seed,
            rs.ticks);
    for (size_t i = 0; i < unrest_param_count(); i++) {
        const unrest_param_info *pi = unrest_param_info_at(i);
        char v[64];
        unrest_params_get(&rs.params, pi->name, v, sizeof v);
        fprintf(man, "%s\n    \"%s\": ", i ? "," : "", pi->name);
        if (pi->kind == UNREST_PARAM_ENUM || !strcmp(v, "inf"))
            cli_json_str(man, v);
        else
            fputs(v, man);
    }
    fprintf(man, "\n  },\n  \"events\": [");
    for (size_t i = 0; i < rs.nevents; i++) {
        const unrest_event *e = &rs.events[i];
        fprintf(man, "%s\n    {", i ? "," : "");
        if (e->is_ramp)
            fprintf(man,
                    "\"ramp\": \"%s\", \"from\": %.17g, \"to\": %.17g, \"start\": %u, "
                    "\"end\": %u}",
                    e->name, e->from, e->to, e->start, e->end);
        else {
            fprintf(man, "\"at\": %u, \"set\": {\"%s\": ", e->start, e->name);
            cli_json_str(man, e->value);
            fputs("}}", man);
        }
    }
    fprintf(man,
            "\n  ],\n  \"agents\": {\"citizens\": %u, \"cops\": %u},\n  \"summary\": {"
            "\"mean_active\": %.6f, \"max_active\": %u, \"outbursts\": %zu, \"mean_peak\": %.3f, "
            "\"mean_total_activation\": %.3f, \"mean_wait\": %.3f, \"sd_wait\": %.3f, "
            "\"mean_jailed\": %.3f, \"final_jailed\": %u},\n"
            "  \"threads\": %u,\n  \"wall_seconds\": %.6f,\n  \"outputs\": [\"series.csv\"]\n}\n",
            c0.citizens, c0.cops, s.mean_active, s.max_active, s.outbursts, s.mean_peak,
            s.mean_total, s.mean_wait, s.sd_wait, s.mean_jailed, s.final_jailed, threads, secs);
    if (fclose(man) != 0) {
        man = NULL;
        cli_error(C, "cannot write '%s': %s", man_tmp, strerror(errno));
        goto done;
    }
    man = NULL;
    char csv_path[4200], man_path[4200];
    snprintf(csv_path, sizeof csv_path, "%s/series.csv", out_dir);
    snprintf(man_path, sizeof man_path, "%s/manifest.json", out_dir);
    if (rename(csv_tmp, csv_path) != 0 || rename(man_tmp, man_path) != 0) {
        cli_error(C, "cannot finish outputs in '%s': %s", out_dir, strerror(errno));
        goto done;
    }
    csv_tmp[0] = man_tmp[0] = '\0';

    if (!quiet) {
        printf("unrest %s: %s rules, seed %" PRIu64 ", %ux%u torus, %u citizens, %u cops\n",
               UNREST_VERSION, rs.profile[0] ? rs.profile : "paper", rs.seed, p->width, p->height,
               c0.citizens, c0.cops);
        printf("%u ticks in %.3f s (%.4f ms/tick, %s update", rs.ticks, secs,
               rs.ticks ? 1e3 * secs / rs.ticks : 0.0,
               p->update == UNREST_UPDATE_PARALLEL ? "parallel" : "sequential");
        if (p->update == UNREST_UPDATE_PARALLEL) printf(", %u threads", threads);
        printf(")\n\n");
        chart(stdout, act + 1, rs.ticks, "active citizens per tick");
        printf("\n  active    mean %.1f, max %u\n", s.mean_active, s.max_active);
        printf("  outbursts %zu (active > %u)", s.outbursts, p->outburst_threshold);
        if (s.outbursts)
            printf(": mean peak %.0f, mean total activation %.0f", s.mean_peak, s.mean_total);
        if (s.outbursts > 1) printf(", waits %.0f +- %.0f ticks", s.mean_wait, s.sd_wait);
        printf("\n  jailed    mean %.1f, final %u\n", s.mean_jailed, s.final_jailed);
        printf("\nwrote %s and %s\n", csv_path, man_path);
    }
    rc = EXIT_OK;
    goto done;
missing:
    cli_error(C, "option '%s' needs a value (try 'unrest help run')", argv[argc - 1]);
    rc = EXIT_USAGE;
done:
    if (csv) fclose(csv);
    if (man) fclose(man);
    if (csv_tmp[0]) remove(csv_tmp);
    if (man_tmp[0]) remove(man_tmp);
    free(act);
    free(jail);
    unrest_model_destroy(m);
    unrest_runspec_free(&rs);
    return rc;
}

/* Top-level keys that only scenario files have (runspec files have profile, seed, ticks,
 * params, events). */
static const char *const scenario_keys[] = {"sites",      "base",     "time",   "scale", "lattice",
                                            "legitimacy", "hardship", "spread", "force", "outcomes",
                                            "name",       "title",    "drop",   "set",   NULL};

/* 1 if the file looks like a scenario: a line starting (column 1) with one of scenario_keys
 * followed by ':'. The real parser then reports any error with its line and column. */
static int is_scenario_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0; /* the run-file loader reports the error */
    char line[512];
    int yes = 0;
    while (!yes && fgets(line, sizeof line, f)) {
        for (int k = 0; scenario_keys[k]; k++) {
            size_t n = strlen(scenario_keys[k]);
            if (!strncmp(line, scenario_keys[k], n) && (line[n] == ':' || line[n] == ' ')) {
                const char *c = line + n;
                while (*c == ' ')
                    c++;
                if (*c == ':') yes = 1;
            }
        }
    }
    fclose(f);
    return yes;
}

int cmd_run(int argc, char **argv)
{
    const char *file = NULL;
    int classic = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') {
            if (!file) file = a;
            continue;
        }
        if (!strcmp(a, "--classic")) {
            classic = 1;
            continue;
        }
        if (!strncmp(a, "--profile", 9) || !strncmp(a, "--ticks", 7) || !strncmp(a, "--at", 4) ||
            !strncmp(a, "--ramp", 6))
            classic = 1;
        if (strcmp(a, "--quiet") && !strchr(a, '=') && i + 1 < argc) i++; /* its value */
    }
    if (file && is_scenario_file(file)) {
        if (classic) {
            cli_error("run",
                      "'%s' is a scenario: --classic, --profile, --ticks, --at and --ramp "
                      "are for classic Epstein runs",
                      file);
            return EXIT_USAGE;
        }
        return run_scenario(argc, argv, file);
    }
    if (file || classic) {
        /* drop --classic, which the classic parser does not know */
        char **args = malloc((size_t)argc * sizeof *args);
        if (!args) return EXIT_FAIL;
        int n = 0;
        for (int i = 0; i < argc; i++)
            if (strcmp(argv[i], "--classic")) args[n++] = argv[i];
        int rc = run_classic(n, args);
        free(args);
        return rc;
    }
    return run_scenario(argc, argv, NULL);
}
