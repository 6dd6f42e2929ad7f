/*
 * experiment.h - the ensemble runner: many runs of scenarios (jobs), each a single-threaded
 * world, spread over worker threads; finished runs are handed to a callback on the calling
 * thread (which may write them to a store, see store.h), so that results never depend on the
 * number of workers and the store is written from one thread only.
 */
#ifndef UNREST_EXPERIMENT_H
#define UNREST_EXPERIMENT_H

#include <stddef.h>
#include <stdint.h>

#include "unrest/scenario.h"
#include "unrest/store.h"
#include "unrest/unrest.h"

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default) /* the public API: exported from libunrest.so */

/* One run to do: the world of sc with key.factors ("name=value;...", unrest_scenario_set
 * assignments) applied to a copy of it, run with key.seed. The factors text stored with the run
 * is thus exactly what was applied. */
typedef struct unrest_job {
    const unrest_scenario *sc; /* borrowed: the scenario (many jobs may share one) */
    unrest_store_key key;      /* variant, index, design point, replicate, seed, factors */
} unrest_job;

/* A finished run, valid during the callback only. */
typedef struct unrest_run_result {
    size_t job;            /* index into the job list */
    char error[512];       /* why it failed ("" when done) */
    unrest_store_result r; /* status, outcomes, timing, series (r.error = error) */
} unrest_run_result;

/* Called on the thread that called unrest_runner_run, once per finished job, in completion
 * order. Return 0 to go on, anything else to stop (workers finish the run they hold and
 * their results are dropped). */
typedef int (*unrest_result_fn)(void *user, const unrest_job *job, const unrest_run_result *r);

/* Called after each result: runs done so far of total, runs per second, seconds left. */
typedef void (*unrest_progress_fn)(void *user, size_t done, size_t total, double rate,
                                   double eta_s);

/* Called now and then (about every 0.1 s) by a runner while it waits for results; return 0 to
 * go on, anything else to stop as on_result does. unrest_experiment_execute uses it to commit a
 * batch of results that has waited batch_s. */
typedef int (*unrest_idle_fn)(void *user);

struct unrest_runner;
struct unrest_runner_stats;

/* Runs jobs somewhere other than this process's threads (the MPI runner of the unrest program,
 * cli/mpi_job.c, hands them to other processes) with the contract of unrest_runner_run: every
 * result through r->on_result on the calling thread, r->on_idle while waiting, the same
 * statuses. ctx is the runner's dispatch_ctx. */
typedef unrest_status (*unrest_dispatch_fn)(void *ctx, const struct unrest_runner *r,
                                            const unrest_job *jobs, size_t n,
                                            struct unrest_runner_stats *stats, char *err,
                                            size_t errlen);

typedef struct unrest_runner {
    unsigned workers;               /* threads running worlds (>= 1) */
    int series;                     /* 1: record each run's daily series per site */
    unrest_result_fn on_result;     /* required */
    unrest_progress_fn on_progress; /* optional */
    void *user;                     /* passed to both */
    unsigned batch;              /* unrest_experiment_execute: runs per store transaction (0: 1) */
    double batch_s;              /* ...and commit a batch whose oldest run waited this long (s) */
    unrest_idle_fn on_idle;      /* optional; gets user */
    unrest_dispatch_fn dispatch; /* NULL: threads (unrest_runner_run); else where runs go */
    void *dispatch_ctx;          /* passed to dispatch */
} unrest_runner;

/* What a batch of runs cost. */
typedef struct unrest_runner_stats {
    size_t done, failed;    /* runs that finished, and of them those that failed */
    double wall_s;          /* wall time of unrest_runner_run */
    double compute_s;       /* sum of the runs' own wall times (world create .. outcomes) */
    double callback_s;      /* time inside on_result (the store's share when it writes) */
    uint64_t agent_updates; /* sum over done runs of agents on the lattices x ticks */
} unrest_runner_stats;

/* Run jobs[0..n) on r->workers threads. Returns UNREST_ESTATE when the callback asked to
 * stop, UNREST_ENOMEM when threads or buffers could not be had; a failing run is not an
 * error (it is reported through the callback with r.failed = 1). stats may be NULL. */
unrest_status unrest_runner_run(const unrest_runner *r, const unrest_job *jobs, size_t n,
                                unrest_runner_stats *stats, char *err, size_t errlen);

/* Run one job on the calling thread into res (res->r.series is malloc'd when series is set;
 * free it with free()). Never fails as a call: a failed run has res->r.failed = 1. */
void unrest_run_job(const unrest_job *job, int series, size_t index, unrest_run_result *res);

/* The experiment runs of a store: record jobs as planned, skip those the store already has
 * (done or failed), run the rest (on threads, or through r->dispatch) and write them to the
 * store as they finish: r->batch runs per transaction (0 or 1: each run its own, as a
 * single-process run does), a batch committed early once its oldest run has waited
 * r->batch_s seconds, and the rest at the end. A kill loses at most the uncommitted batch, whose
 * runs are run again on resume. r->on_result, if set, is called as each result is taken (before
 * its batch commits). *skipped counts the jobs found finished. Store errors stop the batch and
 * return UNREST_EIO with the store's message. */
unrest_status unrest_experiment_execute(unrest_store *s, int64_t exp, const unrest_job *jobs,
                                        size_t n, const unrest_runner *r, size_t *skipped,
                                        unrest_runner_stats *stats, char *err, size_t errlen);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
