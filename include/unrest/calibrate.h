/*
 * calibrate.h - calibration of a scenario (or of any stochastic simulator) to observations:
 * history matching in waves with Gaussian-process emulators (Vernon et al. 2010; Andrianakis et
 * al. 2015) rules out the implausible part of the parameter box, then ABC-SMC (ABC-PMC: Toni et
 * al. 2009, Beaumont et al. 2009) started from what is left draws a posterior sample of
 * parameter sets (particles and weights). Targets are read from a CSV file that maps each
 * observation to a quantity the world computes as it runs (peak active, participants, regions
 * active, a focal point captured, casualties, detentions) in a place and a window of clock time;
 * parameters from a SALib problem file with an optional `log` column. Every simulation, design
 * point, wave, generation and the posterior go to the results store (store.h), and a calibration
 * rerun with the same arguments reuses what is stored. The method, its variances and defaults:
 * docs/CALIBRATION.md. Nothing here prints: progress goes through a callback.
 */
#ifndef UNREST_CALIBRATE_H
#define UNREST_CALIBRATE_H

#include <stddef.h>
#include <stdint.h>

#include "unrest/scenario.h"
#include "unrest/store.h"
#include "unrest/unrest.h"

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default) /* the public API: exported from libunrest.so */

/* ---- targets --------------------------------------------------------------------------------- */

/* What a target measures in its place and window (people, not agents). */
typedef enum unrest_cal_quantity {
    UNREST_CAL_PEAK_ACTIVE,      /* most people active at once in the place in the window */
    UNREST_CAL_PARTICIPANTS,     /* newcomers: distinct participants at the end minus start */
    UNREST_CAL_REGIONS_ACTIVE,   /* regions of the place with >= threshold people active at once */
    UNREST_CAL_CAPTURED,         /* the focal point (place "Site/focal") was held by the crowd */
    UNREST_CAL_SECURITY_DEAD,    /* police and guards killed since the start, at the window's end */
    UNREST_CAL_SECURITY_INJURED, /* police and guards injured since the start, at the end */
    UNREST_CAL_DEAD,             /* civilians killed since the start, at the window's end */
    UNREST_CAL_DETAINED,         /* people detained since the start, at the window's end */
    UNREST_CAL_INJURED,          /* civilians injured in clashes since the start, at the end */
    UNREST_CAL_FIRST_CAPTURED,   /* the focal point first fell within the window (not before) */
    UNREST_CAL_FIRST_WITHDRAWN,  /* the place's police first pulled back within the window */
    UNREST_CAL_QUANTITY_COUNT
} unrest_cal_quantity;

/* How a target is observed, and the scale it is emulated on. */
typedef enum unrest_cal_kind {
    UNREST_CAL_COUNT,   /* a count with a range (value, low, high): emulated as log(1 + count) */
    UNREST_CAL_PATTERN, /* 0/1: did it happen; emulated as the share of runs in which it did */
    UNREST_CAL_REAL,    /* a real number on its own scale (custom simulators; not in CSV files) */
    UNREST_CAL_KIND_COUNT
} unrest_cal_kind;

const char *unrest_cal_quantity_name(unrest_cal_quantity q); /* "peak_active", ... */
const char *unrest_cal_kind_name(unrest_cal_kind k);         /* "count", "pattern", "real" */

#define UNREST_CAL_NAME 64   /* longest target name + 1 */
#define UNREST_CAL_PLACE 104 /* longest place + 1 ("Site/focal") */

/* One observation and the model output it is compared with. */
typedef struct unrest_cal_target {
    char name[UNREST_CAL_NAME];   /* unique, e.g. "almaty-4jan-peak" */
    unrest_cal_quantity quantity; /* what the world computes */
    char place[UNREST_CAL_PLACE]; /* a site, a region, "national", or "Site/focal" (captured) */
    int64_t from, to;             /* window [from, to), seconds since 1970 UTC */
    unrest_cal_kind kind;         /* count, pattern or real */
    double value;                 /* observed (count: NaN = the geometric mid of low, high) */
    double low, high;             /* the range the reports allow (count, real) */
    double threshold;             /* regions_active: people at once per region (default 100);
                                     a pattern of a count quantity: the level it must reach
                                     (default 1); unused otherwise */
    char grade;                   /* 'A', 'B' or 'C' (observations-to-5-january.csv) */
    uint64_t sites;               /* resolved: bit i = site i is in the place */
    int focal_site, focal;        /* resolved (captured): site and focal point index; -1 */
} unrest_cal_target;

/* Read a targets CSV file (docs/CALIBRATION.md): a header naming the columns name, quantity,
 * place, from, to, kind, value, low, high, grade and optionally threshold and note; '#' lines
 * are comments. Times are local date-times of sc's clock ("2022-01-04T17:00" or a date).
 * Places are resolved against sc. Errors: "file:line:col: message". *out is malloc'd. */
unrest_status unrest_calibrate_targets_load(const char *path, const unrest_scenario *sc,
                                            unrest_cal_target **out, size_t *n, char *err,
                                            size_t errlen);

/* The observation on the emulated scale and its variances: z (log1p of the value for counts),
 * v_obs (from the stated range: (high - low) / 4 is one standard deviation, on the log scale for
 * counts; a count with low = high is read as +-1; patterns by grade: sd 0.05 A, 0.1 B, 0.2 C)
 * and v_md (model discrepancy for a share `discrepancy`: sd log(1 + share) for counts, share for
 * patterns, share x |z| for reals). */
void unrest_calibrate_target_scale(const unrest_cal_target *t, double discrepancy, double *z,
                                   double *v_obs, double *v_md);

/* ---- parameters ------------------------------------------------------------------------------ */

/* One calibrated value and its prior: uniform on [lo, hi], or log-uniform when log is set. */
typedef struct unrest_cal_param {
    char path[96]; /* a scenario key path, set with unrest_scenario_set */
    double lo, hi; /* prior range (lo > 0 when log) */
    int log;       /* 1: log-uniform */
} unrest_cal_param;

/* Read a SALib problem file ('PATH LOWER UPPER' per line, as `unrest sensitivity --params`)
 * with an optional fourth column `log`. When sc is not NULL every path and both ends of every
 * range are checked on a copy of sc. *out is malloc'd. */
unrest_status unrest_calibrate_params_load(const char *path, const unrest_scenario *sc,
                                           unrest_cal_param **out, size_t *n, char *err,
                                           size_t errlen);

/* ---- the simulator --------------------------------------------------------------------------- */

/* One stochastic run at parameter values theta (k values, natural units) with a seed: writes
 * one output per target into out (counts in people, patterns 0/1, reals). Called from several
 * threads at once. Return UNREST_OK, or a status with a message in err (the run is failed). */
typedef unrest_status (*unrest_cal_sim_fn)(void *user, const double *theta, uint64_t seed,
                                           double *out, char *err, size_t errlen);

/* The scenario's own simulator: sc with each params[i].path set to theta[i], run from its start
 * until the last target's window has ended, observing the targets every tick. */
unrest_status unrest_calibrate_simulate(const unrest_scenario *sc, const unrest_cal_param *params,
                                        size_t k, const unrest_cal_target *targets, size_t m,
                                        const double *theta, uint64_t seed, double *out, char *err,
                                        size_t errlen);

/* One simulation handed to a dispatcher (unrest_cal_config.dispatch). */
typedef struct unrest_cal_sim {
    const double *theta; /* k values, natural units (in) */
    uint64_t seed;       /* run seed (in) */
    double *out;         /* m outputs (out) */
    int failed;          /* 1: the run failed, error says why (out) */
    double elapsed_s;    /* wall time of the run (out) */
    char error[256];     /* why it failed (out) */
} unrest_cal_sim;

/* Runs sims[0..n) of the scenario's own simulator (unrest_calibrate_simulate with sc, params and
 * targets) somewhere other than this process's threads - the unrest program hands them to its
 * MPI ranks (cli/mpi_job.c) - calling done(done_user, i) on the calling thread as sim i
 * finishes; done returns non-zero to stop (runs not yet handed out are dropped). Returns
 * UNREST_OK, or a status when the batch could not be run. */
typedef unrest_status (*unrest_cal_dispatch_fn)(void *ctx, const unrest_scenario *sc,
                                                const unrest_cal_param *params, size_t k,
                                                const unrest_cal_target *targets, size_t m,
                                                unrest_cal_sim *sims, size_t n,
                                                int (*done)(void *done_user, size_t i),
                                                void *done_user);

/* ---- progress and results -------------------------------------------------------------------- */

/* One history-matching wave, as reported and stored. */
typedef struct unrest_cal_wave {
    unsigned wave;         /* 1, 2, ... */
    size_t points;         /* design points of this wave */
    size_t runs;           /* simulations (points x replicates) */
    size_t stored;         /* of them found in the store (resumed) */
    size_t failed;         /* failed simulations */
    size_t train;          /* points the emulators were trained on (inside the previous NROY) */
    size_t outputs;        /* targets emulated (those whose runs all gave one value are not) */
    double nroy;           /* share of the prior box not ruled out yet (Monte Carlo) */
    size_t loo_out, loo_n; /* leave-one-out standardised errors above 3, and of how many */
    double em_ratio;       /* median over NROY of max_j V_em / (V_obs + V_md + V_s) */
    double match;          /* share of this wave's points whose simulated means pass I_M */
    const char *stop;      /* why history matching stops after this wave; NULL: it goes on */
} unrest_cal_wave;

/* One ABC-SMC generation. */
typedef struct unrest_cal_generation {
    unsigned gen;      /* 0 = the prior (NROY) sample */
    double eps;        /* tolerance (inf for generation 0) */
    size_t simulated;  /* simulations of this generation */
    size_t stored;     /* of them found in the store */
    size_t accepted;   /* particles accepted (the particle count unless abandoned) */
    double acceptance; /* accepted / simulated */
    double ess;        /* effective sample size 1 / sum w^2 (NaN when abandoned) */
    const char *stop;  /* why ABC stops after this generation; NULL: it goes on */
} unrest_cal_generation;

typedef enum unrest_cal_event_kind {
    UNREST_CAL_EV_RUNS,       /* simulations done of a batch */
    UNREST_CAL_EV_WAVE,       /* a wave finished */
    UNREST_CAL_EV_GENERATION, /* a generation finished */
    UNREST_CAL_EV_NOTE        /* a remark (a target not emulated, a fallback) */
} unrest_cal_event_kind;

typedef struct unrest_cal_event {
    unrest_cal_event_kind kind;              /* which of the fields below is set */
    const char *stage;                       /* "wave", "abc", "predict" (RUNS) */
    size_t done, total;                      /* RUNS: simulations done of the batch */
    const unrest_cal_wave *wave;             /* WAVE */
    const unrest_cal_generation *generation; /* GENERATION */
    const char *note;                        /* NOTE */
} unrest_cal_event;

/* Called on the thread that called unrest_calibrate_run. */
typedef void (*unrest_cal_progress_fn)(void *user, const unrest_cal_event *ev);

/* ---- a calibration --------------------------------------------------------------------------- */

/* What to calibrate and how. Zero fields take the defaults of docs/CALIBRATION.md. */
typedef struct unrest_cal_config {
    const unrest_cal_param *params; /* k parameters (borrowed) */
    size_t k;
    const unrest_cal_target *targets; /* m targets (borrowed) */
    size_t m;
    const unrest_scenario *sc; /* the model: this scenario (borrowed)... */
    unrest_cal_sim_fn sim;     /* ...or, when sc is NULL, this simulator */
    void *sim_user;            /* passed to sim */
    /* history matching */
    unsigned waves;     /* most waves (default 4) */
    size_t points;      /* design points per wave (default 8 k, at least 10) */
    unsigned reps;      /* replicates per design point (default 4; >= 2) */
    double cutoff;      /* implausibility cut-off (default 3) */
    int use_max;        /* 1: I_M = the largest I_j; 0: the second largest (default) */
    double discrepancy; /* model-discrepancy share (default 0.2; < 0 for none) */
    /* ABC-SMC */
    size_t particles;      /* particles per generation (default 200) */
    unsigned generations;  /* most generations after the prior sample (default 6) */
    double min_acceptance; /* stop when a generation accepts less (default 0.05) */
    size_t abc_draws;      /* > 0: rejection ABC instead of SMC: this many draws from NROY, the
                              `particles` nearest kept with equal weights (Pritchard et al. 1999;
                              Beaumont et al. 2002); 0: ABC-SMC (the default) */
    size_t nroy_thin;      /* > 0: ABC's draws from NROY come from random-walk Metropolis chains
                              keeping every nroy_thin-th state (for an NROY too small for uniform
                              darts); 0: uniform darts in NROY's bounding box (the default) */
    size_t chain_darts;    /* with nroy_thin: uniform darts thrown first, whose hits start the
                              chains (no chain when they find all); 0: 2,000,000 */
    unsigned then_smc;     /* with abc_draws: this many ABC-SMC generations after the rejection
                              step, from its particles: each keeps the nearer half (halving
                              epsilon) and moves the rest by ABC-MCMC (Drovandi & Pettitt 2011);
                              stops early like SMC (min_acceptance, epsilon stalled); 0: none */
    size_t predictive;     /* posterior-predictive runs (0: none; the CLI asks 40) */
    size_t representative; /* > 0: run every particle this many times and name the one nearest
                              the observations on average (unrest_calibrate_representative); not
                              part of the calibration's identity, so it can be added later */
    /* reproducibility and machinery */
    uint64_t seed;                   /* master seed: every run's seed derives from it */
    unsigned workers;                /* simulations side by side (default 1) */
    unrest_store *store;             /* results store, or NULL (nothing stored or resumed) */
    const char *command;             /* the command line, for provenance */
    unrest_cal_progress_fn progress; /* optional */
    void *user;                      /* passed to progress */
    unrest_cal_dispatch_fn dispatch; /* NULL: workers threads; else where a scenario's runs go */
    void *dispatch_ctx;              /* passed to dispatch */
} unrest_cal_config;

typedef struct unrest_calibration unrest_calibration;

/* Check a configuration and make a calibration (nothing runs yet). With a store, find the
 * calibration of the same scenario hash, seed and settings (then runs already stored are
 * reused) or create it. On failure *out is NULL and err says why. */
unrest_status unrest_calibrate_create(unrest_calibration **out, const unrest_cal_config *c,
                                      char *err, size_t errlen);
void unrest_calibrate_destroy(unrest_calibration *cal);

/* Run history matching, ABC-SMC and the posterior predictive. UNREST_ESTATE when history
 * matching rules out the whole box (nothing is left to calibrate in: the waves are kept and
 * reported), UNREST_EIO when the store fails. */
unrest_status unrest_calibrate_run(unrest_calibration *cal);

const char *unrest_calibrate_error(const unrest_calibration *cal); /* "" if none */
int64_t unrest_calibrate_id(const unrest_calibration *cal);  /* row in the store, 0 without one */
int unrest_calibrate_resumed(const unrest_calibration *cal); /* 1: found in the store */
/* After unrest_calibrate_run: how many emulators, NROY samples and sets of ABC draws were read
 * back from the store instead of recomputed (0 for a new calibration). */
size_t unrest_calibrate_reused(const unrest_calibration *cal);

/* Results after unrest_calibrate_run: waves and generations (NULL past the end). */
const unrest_cal_wave *unrest_calibrate_wave(const unrest_calibration *cal, size_t i);
const unrest_cal_generation *unrest_calibrate_generation(const unrest_calibration *cal, size_t i);

/* Whether target j was used (emulated and in the ABC distance): a target whose runs all gave one
 * value in wave 1 is not (a note says so). */
int unrest_calibrate_target_used(const unrest_calibration *cal, size_t j);

/* The implausibility of parameter values theta (k, natural units) by every wave's emulators:
 * the largest I_M over the waves (inf outside the prior box); *nroy = 1 when it is below the
 * cut-off (not ruled out yet). Either pointer may be NULL. UNREST_ESTATE before a wave. */
unrest_status unrest_calibrate_implausibility(const unrest_calibration *cal, const double *theta,
                                              double *impl, int *nroy);

/* The posterior sample: n particles of k values (row-major, natural units) and weights summing
 * to 1; borrowed from cal. UNREST_ESTATE before a successful run. */
unrest_status unrest_calibrate_posterior(const unrest_calibration *cal, const double **theta,
                                         const double **weights, size_t *n);

/* Weighted median and central interval (conf, e.g. 0.9) of parameter i in the posterior. */
unrest_status unrest_calibrate_param_summary(const unrest_calibration *cal, size_t i, double conf,
                                             double *median, double *lo, double *hi);

/* Posterior predictive of target j over the predictive runs (natural scale: people, or the
 * share of runs in which a pattern held): median and central interval. UNREST_ESTATE without
 * predictive runs. */
unrest_status unrest_calibrate_predictive(const unrest_calibration *cal, size_t j, double conf,
                                          double *median, double *lo, double *hi);

/* The representative particle (with `representative` > 0): the particle whose runs came nearest
 * the observations on average (the ABC distance without its noise), its mean distance, and the
 * median of all particles' mean distances. Its values are row *index of the posterior.
 * UNREST_ESTATE without it. Any pointer may be NULL. */
unrest_status unrest_calibrate_representative(const unrest_calibration *cal, size_t *index,
                                              double *mean_distance, double *median_distance);

/* The representative particle's mean distance over as many runs again on seeds that took no part
 * in choosing it: the runs that chose it flatter it (the best of many noisy means is lower than
 * the chosen particle's own mean), these do not. UNREST_ESTATE without a representative. */
unrest_status unrest_calibrate_representative_fresh(const unrest_calibration *cal,
                                                    double *mean_distance);

/* ---- a stored posterior (for ensembles) ------------------------------------------------------ */

typedef struct unrest_cal_posterior unrest_cal_posterior;

/* Read the posterior of calibration `id` of a store (0: the latest finished one). */
unrest_status unrest_calibrate_posterior_load(unrest_store *s, int64_t id,
                                              unrest_cal_posterior **out, char *err, size_t errlen);
void unrest_calibrate_posterior_free(unrest_cal_posterior *p);
size_t unrest_calibrate_posterior_size(const unrest_cal_posterior *p);   /* particles */
size_t unrest_calibrate_posterior_params(const unrest_cal_posterior *p); /* k */
const char *unrest_calibrate_posterior_path(const unrest_cal_posterior *p, size_t i);

/* Draw parameter set `index` from the posterior (a weighted draw keyed by (seed, index), so
 * draw i of an ensemble is the same for any number of runs): theta gets k values (may be NULL)
 * and factors "path=value;path=value" (unrest_job's factors; may be NULL). UNREST_ERANGE when
 * factors is too small. */
unrest_status unrest_calibrate_posterior_draw(const unrest_cal_posterior *p, uint64_t seed,
                                              uint64_t index, double *theta, char *factors,
                                              size_t n);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
