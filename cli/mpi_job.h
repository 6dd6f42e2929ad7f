/*
 * mpi_job.h - the unrest program across the processes of an MPI job (cli/mpi_job.c, built when
 * CMake finds Open MPI: UNREST_MPI). Started by mpirun or srun, rank 0 runs the command as usual
 * and is the only process that opens the results database; the experiment commands hand their runs
 * to the other ranks (the workers) as they ask for them. Started any other way, or built without
 * MPI, the program is the single process it always was: nothing here touches MPI then.
 */
#ifndef UNREST_CLI_MPI_H
#define UNREST_CLI_MPI_H

#include <stddef.h>

#include "unrest/calibrate.h"
#include "unrest/experiment.h"

/* What this process is. */
typedef enum cli_mpi_role {
    CLI_MPI_NONE,   /* not started by an MPI launcher (or built without MPI) */
    CLI_MPI_MASTER, /* rank 0: runs the command */
    CLI_MPI_WORKER  /* another rank: runs what rank 0 sends */
} cli_mpi_role;

/* Look at the environment for an MPI launcher (OMPI_COMM_WORLD_SIZE, PMIX_RANK, PMI_SIZE, ...)
 * and only then initialise MPI. Returns the role. */
cli_mpi_role cli_mpi_start(int *argc, char ***argv);

/* Ranks in the job (1 when not under MPI), this process's rank (0), and whether MPI was
 * initialised at all (mpirun -np 1: size 1, launched 1). */
int cli_mpi_size(void);
int cli_mpi_rank(void);
int cli_mpi_launched(void);

/* A worker's life: run what rank 0 sends until it says stop. Returns the exit code. */
int cli_mpi_worker(void);

/* Rank 0 at the end: tell the workers to stop, then finalise. Returns rc. Also on workers
 * (finalise only) and with no MPI (nothing). */
int cli_mpi_finish(int rc);

/* The dispatcher for unrest_runner.dispatch (ctx unused): hands jobs[0..n) to the worker ranks
 * one at a time as they ask, takes results without spinning (probe, then sleep with backoff)
 * and calls r->on_result for each on this thread. Only on the master of a job of 2+ ranks. */
unrest_status cli_mpi_dispatch(void *ctx, const unrest_runner *r, const unrest_job *jobs, size_t n,
                               unrest_runner_stats *stats, char *err, size_t errlen);

/* unrest run's world. Under a job of 2+ ranks: one national run across all ranks, the sites
 * pinned to ranks largest first (unrest_world_partition), the workers told to build their
 * parts (the same scenario and seed) and step with this rank to the last tick; every rank holds
 * the same world state, and only rank 0 writes. Otherwise unrest_world_create. threads: for each
 * rank's own sites; unless quiet, says on stderr how many ranks and cities per rank. */
unrest_status cli_world_create(unrest_world **w, const unrest_scenario *sc, uint64_t seed,
                               unsigned threads, int quiet, char *err, size_t errlen);

/* The dispatcher for unrest_cal_config.dispatch (ctx unused): calibrate's runs on the worker
 * ranks, as cli_mpi_dispatch. Only on the master of a job of 2+ ranks. */
unrest_status cli_mpi_cal_dispatch(void *ctx, const unrest_scenario *sc,
                                   const unrest_cal_param *params, size_t k,
                                   const unrest_cal_target *targets, size_t m, unrest_cal_sim *sims,
                                   size_t n, int (*done)(void *done_user, size_t i),
                                   void *done_user);

/* What the master did in its last dispatch: wall seconds awake (not in its sleeps) and asleep,
 * CPU seconds used, and runs dispatched (the benchmark's "cost per dispatched run"). */
void cli_mpi_master_cost(double *busy_s, double *slept_s, double *cpu_s, size_t *runs);

#endif
