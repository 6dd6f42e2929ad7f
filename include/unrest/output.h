/*
 * output.h - a run's files. A scenario run writes series.csv (hourly, per site), daily.csv,
 * events.csv and manifest.json; a classic run series.csv (per tick) and manifest.json. All are
 * written into one folder under temporary names (.NAME.tmp) and renamed together when the run
 * is complete, so a folder never holds half a run. A scenario run's manifest records every
 * value of the key table (scenario.h), so that unrest_output_manifest_load rebuilds the run.
 * Nothing here prints or exits: errors come back as statuses with a message.
 */
#ifndef UNREST_OUTPUT_H
#define UNREST_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "unrest/runspec.h"
#include "unrest/scenario.h"
#include "unrest/unrest.h"
#include "unrest/world.h"

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default) /* the public API: exported from libunrest.so */

/* A folder of run outputs being written; owns its open temporary files. */
typedef struct unrest_output unrest_output;

/* One site on one day: a row of daily.csv and of a day-by-day table. People, not agents. */
typedef struct unrest_output_day {
    double peak;           /* most people active at once */
    double detained;       /* people detained during the day */
    double dead;           /* people killed during the day */
    uint32_t captured;     /* focal points held by the crowd at some hour of the day (bit f) */
    double legitimacy_end; /* legitimacy at the day's last tick */
} unrest_output_day;

/* What the manifest records besides the world or model: how the run was made. */
typedef struct unrest_output_run {
    int argc;            /* words in argv */
    char *const *argv;   /* the command line after the program's name ("run", ...) */
    const char *file;    /* the scenario or run file as given; NULL: built in */
    uint64_t base_hash;  /* scenario runs: unrest_scenario_hash of the file's scenario before
                            any override (a rebuild checks the file against it) */
    uint64_t seed;       /* run seed */
    unsigned threads;    /* threads used (results do not depend on it) */
    double wall_seconds; /* time the run took */
} unrest_output_run;

/* mkdir -p. UNREST_EIO with "'PATH': cannot create folder: REASON" in err on failure. */
unrest_status unrest_output_make_dirs(const char *path, char *err, size_t errlen);

/* ---- scenario runs ---------------------------------------------------------------------- */

/* Create dir if missing and open its four files under temporary names for the world w (its
 * sites and ticks size the daily table); writes the CSV headers. On failure *out is NULL,
 * nothing is left in dir and err says why. */
unrest_status unrest_output_create(unrest_output **out, const char *dir, const unrest_world *w,
                                   char *err, size_t errlen);

/* Record the tick w has just completed: a series.csv row per site, events.csv rows for the
 * events that fired, the day's row per site. Call once after each unrest_world_step. */
unrest_status unrest_output_tick(unrest_output *o, const unrest_world *w);

/* The day rows so far, [site * days + day]; *days gets the number of days of the run. */
const unrest_output_day *unrest_output_days(const unrest_output *o, size_t *days);

/* Agent updates so far (citizen and cop agents over all ticks and sites). */
uint64_t unrest_output_agent_updates(const unrest_output *o);

/* Write daily.csv and manifest.json, close every file and rename all four into place. After
 * an error nothing of this run is left in the folder (older outputs stay as they were). */
unrest_status unrest_output_finish(unrest_output *o, const unrest_world *w,
                                   const unrest_output_run *run);

/* The manifest of a scenario run as JSON text into f (unrest_output_finish uses it). */
unrest_status unrest_output_manifest_write(FILE *f, const unrest_world *w,
                                           const unrest_output_run *run, uint64_t agent_updates,
                                           char *err, size_t errlen);

/* Rebuild a scenario run from its manifest: read the scenario file it names (the built-in
 * default if none) into sc after unrest_scenario_init, check it against the recorded base
 * hash (the file must not have changed: events are not in the manifest), set every recorded
 * value, and check the result against the recorded scenario hash. Gives the seed, the base
 * hash and the file used (file: "" for the built-in default). On error sc is unusable. */
unrest_status unrest_output_manifest_load(const char *path, unrest_scenario *sc, uint64_t *seed,
                                          uint64_t *base_hash, char *file, size_t filelen,
                                          char *err, size_t errlen);

/* ---- classic runs (one Epstein lattice) --------------------------------------------------- */

/* Create dir if missing and open series.csv and manifest.json under temporary names. */
unrest_status unrest_output_classic_create(unrest_output **out, const char *dir, char *err,
                                           size_t errlen);

/* One series.csv row (tick 0 is the state after setup). */
unrest_status unrest_output_classic_tick(unrest_output *o, const unrest_counts *c);

/* Write the manifest (run spec, final counts, summary), close and rename both files. */
unrest_status unrest_output_classic_finish(unrest_output *o, const unrest_runspec *rs,
                                           const unrest_counts *final, const unrest_summary *s,
                                           const unrest_output_run *run);

/* ---- both ------------------------------------------------------------------------------- */

/* The last error's message. */
const char *unrest_output_error(const unrest_output *o);

/* Close and remove whatever was not finished. NULL is a no-op. */
void unrest_output_destroy(unrest_output *o);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
