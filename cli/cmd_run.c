/*
 * cmd_run.c - `unrest run`: its help, and the choice between a scenario run (cmd_scenario.c:
 * the built-in default, a scenario file or a manifest) and a classic Epstein run
 * (cmd_classic.c: --classic or a run file), made from the file's top-level keys and the
 * options given.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void help_run(FILE *out)
{
    fprintf(
        out,
        "usage: unrest run [SCENARIO.yaml] [OPTIONS]      a scenario (default: Kazakhstan 2022)\n"
        "       unrest run RUNFILE.yaml | --classic [OPTIONS]   Epstein's model on one lattice\n"
        "\n"
        "Without a file, runs the built-in scenario: Kazakhstan, 1-20 January 2022 (19 cities,\n"
        "1 agent per 1,000 people; scenarios/kazakhstan-2022.yaml), prints a day-by-day table per\n"
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
        "  --manifest FILE      rebuild the run a manifest.json records: the same scenario file\n"
        "                       (it must not have changed: events are not in the manifest),\n"
        "                       every value and the seed; the outputs are identical. Takes\n"
        "                       --out, --threads, --report, --png and --quiet only\n"
        "  --quiet              print nothing but errors (no progress line either)\n"
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
        "The same seed gives byte-identical outputs, whatever the thread count. A run of more\n"
        "than a few seconds shows a progress line on stderr when it is a terminal.\n"
        "Every scenario key: 'unrest help scenario'.\n"
        "\n"
        "examples:\n"
        "  unrest run\n"
        "  unrest run scenarios/no-csto.yaml --seed 7\n"
        "  unrest run --set scale.people_per_agent=10 --set legitimacy.initial=0.8\n"
        "  unrest run --manifest out/manifest.json --out rerun\n"
        "  unrest run --classic --seed 7 --ticks 3000\n"
        "  unrest run --profile mesa --set legitimacy=0.8 --set cop_density=0.074 "
        "--set jail_max=1000\n");
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
    int classic = 0, manifest = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') {
            if (!file) file = a;
            continue;
        }
        if (!strncmp(a, "--manifest", 10)) manifest = 1;
        if (!strcmp(a, "--classic")) {
            classic = 1;
            continue;
        }
        if (!strncmp(a, "--profile", 9) || !strncmp(a, "--ticks", 7) || !strncmp(a, "--at", 4) ||
            !strncmp(a, "--ramp", 6))
            classic = 1;
        if (strcmp(a, "--quiet") && !strchr(a, '=') && i + 1 < argc) i++; /* its value */
    }
    if (manifest) {
        if (classic || file) {
            cli_error("run", "--manifest rebuilds a scenario run by itself: no %s",
                      file ? "scenario or run file" : "classic options");
            return EXIT_USAGE;
        }
        return run_scenario(argc, argv, NULL);
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
