/*
 * store.h - the results store of experiments: an SQLite database (schema in docs/EXPERIMENTS.md)
 * holding experiments, their variants, one row per run (seed, status, factors, outcomes) and
 * optionally each run's daily series per site. Every finished run is written in one transaction
 * (alone, or with others in a batch), so a crash or kill -9 at any moment leaves each run either
 * wholly written or not at all, and the same experiment reopened finds what is left to do. One
 * handle is used by one thread.
 */
#ifndef UNREST_STORE_H
#define UNREST_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "unrest/world.h"
#include "unrest/unrest.h"

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default) /* the public API: exported from libunrest.so */

#define UNREST_STORE_SCHEMA 1 /* PRAGMA user_version of the schema this code writes */

typedef struct unrest_store unrest_store;

/* What an experiment is. */
typedef enum unrest_exp_kind {
    UNREST_EXP_ENSEMBLE,    /* N runs of one scenario */
    UNREST_EXP_COMPARE,     /* N runs of each variant on the same seeds */
    UNREST_EXP_SWEEP,       /* a factorial or Latin-hypercube design */
    UNREST_EXP_SENSITIVITY, /* a Saltelli or Morris design */
    UNREST_EXP_KIND_COUNT
} unrest_exp_kind;

const char *unrest_exp_kind_name(unrest_exp_kind k);

/* Open flags. */
enum {
    UNREST_STORE_READONLY = 1 /* never write; the file must exist and hold the schema */
};

/* Open or create a results database. path NULL or ":memory:" is a private in-memory database.
 * Before anything is created the path is checked: an existing file must be readable and
 * writable and be an unrest results database (or empty), a new file's folder writable. The
 * schema is created in one transaction; if that fails a file this call created is removed.
 * busy_ms: how long to wait for another connection's lock. On failure *out is NULL and err
 * says why. */
unrest_status unrest_store_open(unrest_store **out, const char *path, unsigned flags, int busy_ms,
                                char *err, size_t errlen);
void unrest_store_close(unrest_store *s);

/* Message of the last error on s ("" if none). */
const char *unrest_store_error(const unrest_store *s);

/* An experiment's identity and provenance. */
typedef struct unrest_store_exp {
    unrest_exp_kind kind;      /* what it is */
    const char *scenario_name; /* the base scenario's name */
    uint64_t scenario_hash;    /* unrest_scenario_hash of the base scenario */
    uint64_t master_seed;      /* run seeds derive from it (unrest_seed_derive) */
    const char *settings;      /* canonical text of everything else that fixes the runs */
    const char *command;       /* the command line, for provenance (not part of identity) */
} unrest_store_exp;

/* Find the experiment with the same (kind, scenario hash, master seed, settings) and set
 * *resumed = 1, or create it (*resumed = 0). Refused (UNREST_ESTATE, nothing written) when the
 * database holds an experiment of the same kind and scenario name made for another scenario
 * hash; the message names both hashes. UNREST_EIO when the database is locked or unwritable. */
unrest_status unrest_store_experiment(unrest_store *s, const unrest_store_exp *e, int64_t *id,
                                      int *resumed);

/* The id of variant `name` of experiment exp, created with `settings` if missing. */
unrest_status unrest_store_variant(unrest_store *s, int64_t exp, const char *name,
                                   const char *settings, uint64_t scenario_hash, int64_t *id);

/* One planned run. */
typedef struct unrest_store_key {
    int64_t variant_id;  /* variant row */
    uint64_t idx;        /* run index within the variant */
    uint64_t point, rep; /* design point and replicate (idx = point * reps + rep) */
    uint64_t seed;       /* run seed */
    const char *factors; /* "name=value;..." of a design point, "" if none */
} unrest_store_key;

/* Record runs as pending (rows already present are left alone), in one transaction. */
unrest_status unrest_store_plan(unrest_store *s, int64_t exp, const unrest_store_key *keys,
                                size_t n);

/* done[i] = 1 when keys[i] already has a done or failed row (not to be run again). */
unrest_status unrest_store_finished(unrest_store *s, int64_t exp, const unrest_store_key *keys,
                                    size_t n, unsigned char *done);

/* One day of one site in a run. */
typedef struct unrest_series_row {
    uint32_t day;       /* day from the start, 0-based */
    uint32_t site;      /* site index in the scenario */
    double active_peak; /* most people active at once during the day */
    double detained;    /* people detained since the start, at the end of the day */
    double dead;        /* people killed since the start, at the end of the day */
    double legitimacy;  /* site legitimacy at the end of the day */
} unrest_series_row;

/* A finished run. */
typedef struct unrest_store_result {
    int failed;                      /* 1: error says why; outcomes are not written */
    const char *error;               /* "" when done */
    double elapsed_s;                /* wall time of the run */
    uint64_t agent_updates;          /* sum over ticks of agents on the lattices */
    unrest_outcomes out;             /* outcomes (done runs) */
    size_t n_series;                 /* rows in series (0: none written) */
    const unrest_series_row *series; /* borrowed */
    const char *const *site_names;   /* names of sites by index (for series), borrowed */
} unrest_store_result;

/* Write a finished run and its series in one transaction. A run that already has a done or
 * failed row is left as it is (never duplicated). */
unrest_status unrest_store_put(unrest_store *s, int64_t exp, const unrest_store_key *key,
                               const unrest_store_result *r);

/* Write n finished runs (keys[i], r[i]) in one transaction: all of them or, on failure, none. */
unrest_status unrest_store_put_many(unrest_store *s, int64_t exp, const unrest_store_key *keys,
                                    const unrest_store_result *r, size_t n);

/* A run read back. */
typedef struct unrest_store_row {
    uint64_t idx, point, rep; /* as planned */
    uint64_t seed;            /* run seed */
    int status;               /* 0 pending, 1 done, 2 failed */
    int legacy;               /* written before the store kept fell_at, civil_war_at, the security
                               * and foreign losses and the injured: those read -1 (the ticks) or
                               * 0 (the rest) */
    unrest_outcomes out;      /* done runs only */
} unrest_store_row;

/* Every run of a variant, ordered by idx. *rows is malloc'd (caller frees). */
unrest_status unrest_store_rows(unrest_store *s, int64_t exp, int64_t variant,
                                unrest_store_row **rows, size_t *n);

/* National daily values of a variant's runs with series (idx < runs): for run idx and day d,
 * the sum over sites of the day's peak of people active, of detained and of dead, and the mean
 * of the sites' legitimacy weighted by weights[j] for the site named names[j] (sites not named
 * weigh 0), into runs x days arrays (v[idx * days + d]; missing days 0). The four arrays are
 * malloc'd (caller frees); *nruns gets the runs that had series. */
unrest_status unrest_store_national(unrest_store *s, int64_t exp, int64_t variant, size_t runs,
                                    size_t days, const char *const *names, const double *weights,
                                    size_t nsites, double **active, double **detained,
                                    double **dead, double **legitimacy, size_t *nruns);

/* Tables export() can write. */
typedef enum unrest_export_table { UNREST_EXPORT_RUNS, UNREST_EXPORT_SERIES } unrest_export_table;

/* Write tidy CSV: one row per run (factors expanded into one column each) or per
 * (run, day, site), for experiment exp (0: every experiment). UNREST_EUNKNOWN if exp does not
 * exist. */
unrest_status unrest_store_export(unrest_store *s, int64_t exp, unrest_export_table table,
                                  FILE *out);

/* ---- calibrations (calibrate.h) ---------------------------------------------------------------
 * Tables of their own (docs/CALIBRATION.md, "Storage"), created the first time a calibration is
 * stored in a database, so that the experiment tables and their schema version stay as they
 * are: calibration, cal_param, cal_target, cal_run, cal_output, cal_point, cal_wave,
 * cal_generation, cal_particle, cal_posterior. */

struct unrest_cal_param;
struct unrest_cal_target;
struct unrest_cal_wave;
struct unrest_cal_generation;

/* A calibration's identity and provenance. */
typedef struct unrest_store_cal {
    const char *scenario_name; /* the scenario's name ("" for a custom simulator) */
    uint64_t scenario_hash;    /* unrest_scenario_hash (0 for a custom simulator) */
    uint64_t master_seed;      /* every run's seed derives from it */
    const char *settings;      /* canonical text of params, targets and options */
    const char *command;       /* the command line (not part of the identity) */
} unrest_store_cal;

/* Find the calibration with the same (scenario hash, master seed, settings) and set
 * *resumed = 1, or create it with its parameters and targets (z, v_obs, v_md per target on the
 * emulated scale) and set *resumed = 0. */
unrest_status unrest_store_calibration(unrest_store *s, const unrest_store_cal *c,
                                       const struct unrest_cal_param *params, size_t k,
                                       const struct unrest_cal_target *targets, size_t m,
                                       const double *z, const double *v_obs, const double *v_md,
                                       int64_t *id, int *resumed);

/* Mark calibration cal "running", "done", "failed" or "ruled-out" (status column). */
unrest_status unrest_store_cal_status(unrest_store *s, int64_t cal, const char *status);

/* One simulation of a calibration. */
typedef struct unrest_store_cal_run {
    const char *stage; /* "wave", "abc" or "predict" */
    uint32_t step;     /* wave (1, 2, ...), generation (0, 1, ...), or 0 */
    uint64_t point;    /* design point, proposal or draw index within the step */
    uint32_t rep;      /* replicate */
    uint64_t seed;     /* run seed */
    const char *theta; /* "path=value;..." in natural units */
    int failed;        /* 1: error says why and out is not written */
    const char *error; /* "" when done */
    double elapsed_s;  /* wall time */
    const double *out; /* m outputs, one per target (natural scale) */
    size_t m;          /* outputs */
} unrest_store_cal_run;

/* Write a simulation and its outputs in one transaction (a stored one is left as it is). */
unrest_status unrest_store_cal_put(unrest_store *s, int64_t cal, const unrest_store_cal_run *r);

/* Look a simulation up by (stage, step, point, rep): *found = 1 and, when it did not fail,
 * out[0..m) its outputs; *failed = 1 when it failed. */
unrest_status unrest_store_cal_get(unrest_store *s, int64_t cal, const char *stage, uint32_t step,
                                   uint64_t point, uint32_t rep, double *out, size_t m, int *found,
                                   int *failed);

/* What a calibration computed beside its runs and can reuse when resumed — the emulators'
 * hyper-parameters, a wave's NROY sample, ABC's draws — as a blob of bytes (doubles in native
 * byte order) under (kind, a, b). Put replaces; get gives *found = 0 when absent, else *data
 * (malloc'd, the caller frees it) and its *n bytes. */
unrest_status unrest_store_cal_cache_put(unrest_store *s, int64_t cal, const char *kind, int64_t a,
                                         int64_t b, const void *data, size_t bytes);
unrest_status unrest_store_cal_cache_get(unrest_store *s, int64_t cal, const char *kind, int64_t a,
                                         int64_t b, void **data, size_t *n, int *found);

/* A design point of a wave: its parameters, the implausibility I_M of its simulated means (NaN
 * when no run succeeded) and whether it lies in this wave's NROY (by the emulators). */
unrest_status unrest_store_cal_point(unrest_store *s, int64_t cal, uint32_t wave, uint64_t point,
                                     const char *theta, double impl, int nroy);

/* A wave's summary, its emulators' hyper-parameters and LOO checks (text), and the decision. */
unrest_status unrest_store_cal_wave(unrest_store *s, int64_t cal, const struct unrest_cal_wave *w,
                                    const char *emulators);

/* A generation and its n particles (parameters as "path=value;...", weights, distances), in
 * one transaction. */
unrest_status unrest_store_cal_generation(unrest_store *s, int64_t cal,
                                          const struct unrest_cal_generation *g,
                                          const char *const *theta, const double *w,
                                          const double *dist, size_t n);

/* The final posterior (n particles and weights); marks the calibration "done". */
unrest_status unrest_store_cal_posterior_put(unrest_store *s, int64_t cal, const char *const *theta,
                                             const double *w, size_t n);

/* Read the posterior of calibration cal (0: the latest done one): *id its row, *theta n
 * malloc'd strings in a malloc'd array, *w n weights (caller frees all). UNREST_EUNKNOWN when
 * the database holds no such posterior. */
unrest_status unrest_store_cal_posterior_get(unrest_store *s, int64_t cal, int64_t *id,
                                             char ***theta, double **w, size_t *n);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
