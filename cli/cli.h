/*
 * cli.h - the command table of the unrest program. Each subcommand lives in its own file,
 * parses its options into library structures and calls only the public API.
 * Exit codes: 0 success, 1 failure while running, 2 bad usage or input.
 */
#ifndef UNREST_CLI_H
#define UNREST_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

typedef struct cli_command {
    const char *name;                  /* subcommand */
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
    void (*help)(FILE *out);           /* full help text */
    const char *summary;               /* one line for the command list */
} cli_command;

/* ---- run, help (cmd_run.c, cmd_scenario.c, cmd_classic.c, help.c, main.c) -------------------- */

int cmd_run(int argc, char **argv);
void help_run(FILE *out);
int cmd_serve(int argc, char **argv);
void help_serve(FILE *out);
int cmd_help(int argc, char **argv);
void help_help(FILE *out);
void help_params(FILE *out);
void help_profiles(FILE *out);
/* Every key of the scenario key table: range, default, unit, doc; as a Markdown table (the
 * one docs/SCENARIO.md contains) when markdown is set. */
void help_scenario(FILE *out, int markdown);

/* `run` on a classic run file or --classic (argv without --classic), and on a scenario: file
 * is the scenario file, NULL for the built-in default or a --manifest. Exit codes. */
int run_classic(int argc, char **argv);
int run_scenario(int argc, char **argv, const char *file);

/* ---- helpers every command shares (common.c, progress.c) ------------------------------------ */

/* Decimal integer in [0, max] (no sign); 0 or -1. */
int cli_parse_u64(const char *s, uint64_t max, uint64_t *out);
/* Online CPUs, in [1, 1024]. */
unsigned cli_cpus(void);

/* Match "--name value" or "--name=value" at argv[*i]; advances *i past the value. Returns 1 and
 * sets *val when matched, 0 when argv[*i] is another option, -1 if the value is missing. */
int cli_opt(int argc, char **argv, int *i, const char *name, const char **val);

/* An option's value checked, with the message every command prints ("--seed must be an integer
 * in [0, 18446744073709551615], got 'x'", "--out needs a folder name"): 0, or -1 (printed). */
int cli_opt_u64(const char *cmd, const char *opt, const char *val, uint64_t lo, uint64_t hi,
                uint64_t *out);
int cli_opt_path(const char *cmd, const char *opt, const char *val, const char *what,
                 const char **out);

/* Print "unrest CMD: message" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Monotonic clock, seconds. */
double cli_now(void);
/* "42s", "3m05s", "1h02m"; "?" for a negative or absurd duration. */
void cli_duration(double s, char *buf, size_t n);

/* A progress line on stderr, redrawn in place: only on a terminal and never when quiet. */
typedef struct cli_progress {
    int on;       /* stderr is a terminal and the command is not --quiet */
    double t0;    /* start, cli_now() */
    double delay; /* seconds before the first drawing (short runs show nothing) */
    double last;  /* last drawing */
    int drawn;    /* a line is on the screen */
    int width;    /* its width */
} cli_progress;

void cli_progress_start(cli_progress *p, int quiet, double delay);
/* "[#####.....] WHAT  NN%  elapsed T  ETA E"; eta < 0: estimated from the elapsed time. */
void cli_progress_update(cli_progress *p, size_t done, size_t total, const char *what, double eta);
/* Leave the line with a newline (keep) or erase it. */
void cli_progress_end(cli_progress *p, int keep);

/* ---- experiment commands: ensemble, compare, sweep, sensitivity, export ----------------------
 * The parts they share live in exp.c (options, scenario, store, progress, design runs) and
 * exp_report.c (the outcome table, the HTML report). */
#include "unrest/design.h"
#include "unrest/experiment.h"

int cmd_ensemble(int argc, char **argv);
void help_ensemble(FILE *out);
int cmd_compare(int argc, char **argv);
void help_compare(FILE *out);
int cmd_game(int argc, char **argv);
void help_game(FILE *out);
int cmd_sweep(int argc, char **argv);
void help_sweep(FILE *out);
int cmd_sensitivity(int argc, char **argv);
void help_sensitivity(FILE *out);
int cmd_export(int argc, char **argv);
int cmd_forecast(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);
void help_calibrate(FILE *out);
void help_forecast(FILE *out);
void help_export(FILE *out);

/* Options every experiment command takes, and what it builds from them. */
typedef struct cli_exp {
    const char *cmd;          /* subcommand, for messages */
    const char *scenario_arg; /* SCENARIO: a file or "default" */
    const char **sets;        /* --set values, in order (malloc'd array) */
    size_t nsets;             /* entries in sets */
    uint64_t seed;            /* --seed: master seed (default 1) */
    uint64_t runs;            /* --runs (0: not given) */
    const char *db;           /* --db, NULL: in memory */
    unsigned workers;         /* --workers (default: online CPUs) */
    int series;               /* --series: store daily series per site */
    int quiet;                /* --quiet: no progress, no table */
    const char *report;       /* --report FILE.html (implies --series), or NULL */
    unrest_scenario *sc;      /* the base scenario after --set (malloc'd, cli_exp_load) */
    const char *posterior;    /* --posterior DB: draw each run's parameters from it, or NULL */
    uint64_t calibration;     /* --calibration ID in that DB (0: the latest) */
    char **factors;           /* with a posterior: run i's "path=value;..." (malloc'd, runs) */
    char post_id[96];         /* "posterior=ID@HASH" for the experiment's identity, or "" */
    char *command;            /* the command line (malloc'd) */
} cli_exp;

#define CLI_EXP_OPTIONS_HELP                                                                       \
    "  --set PATH=VALUE   override a scenario value (repeatable), e.g. legitimacy.initial=0.7\n"   \
    "  --seed N           master seed, 0..2^64-1 (default 1)\n"                                    \
    "  --db FILE          SQLite results database (created if missing; resumes an experiment\n"    \
    "                     it already holds)\n"                                                     \
    "  --workers W        runs side by side (default: the number of CPUs); results do not\n"       \
    "                     depend on it\n"                                                          \
    "  --series           also store each run's daily series per site\n"                           \
    "  --posterior DB     draw run i's parameter set from the calibrated posterior in DB (the\n"   \
    "                     latest calibration, or --calibration ID); every variant of a run gets\n" \
    "                     the same draw (ensemble, compare)\n"                                     \
    "  --report FILE      a self-contained HTML report: fan charts, outcome odds (implies\n"       \
    "                     --series)\n"                                                             \
    "  --quiet            no progress and no table\n"

void cli_exp_init(cli_exp *e, const char *cmd, int argc, char **argv);
/* Write e->report for the variants' done runs (names, store ids, rows): an exit code. */
int cli_exp_write_report(const cli_exp *e, unrest_store *s, int64_t exp, const char *kind,
                         const char *const *names, const int64_t *ids,
                         const unrest_store_row *const *rows, const size_t *nrows, size_t nv);
void cli_exp_free(cli_exp *e);
/* An experiment option or SCENARIO at argv[*i]: 1 taken, 0 not one, -1 bad (message printed). */
int cli_exp_option(cli_exp *e, int argc, char **argv, int *i);
/* Read SCENARIO, apply --set, validate into e->sc: an exit code. */
int cli_exp_load(cli_exp *e);
/* With --posterior: draw every run's parameter set (e->factors), each checked on a copy of
 * e->sc; a command that takes no posterior calls it with allowed = 0 to refuse the option. */
int cli_exp_posterior(cli_exp *e, int allowed);
/* Run i's factors: its posterior draw, or "". */
const char *cli_exp_factors(const cli_exp *e, uint64_t i);
/* A scenario file or "default" into sc; one assignment; validation: exit codes, messages. */
int cli_scenario_read(const char *cmd, const char *arg, unrest_scenario *sc);
int cli_scenario_apply(const char *cmd, const char *what, unrest_scenario *sc,
                       const char *assignment);
/* Open --db and find or create the experiment: an exit code (2: refused, nothing changed). */
int cli_exp_open(cli_exp *e, unrest_exp_kind kind, const char *settings, unrest_store **s,
                 int64_t *exp, int *resumed);
/* Run the jobs not yet in the store, with progress on stderr: an exit code. */
int cli_exp_run(cli_exp *e, unrest_store *s, int64_t exp, const unrest_job *jobs, size_t n,
                unrest_runner_stats *stats);
/* 1 (with a message) if any of the runs failed, else 0. */
int cli_exp_failures(const char *cmd, const unrest_store_row *rows, size_t n);
/* Outcome probabilities and medians with 95% intervals per variant, and differences from the
 * first variant on common seeds (exp_report.c). */
void cli_exp_report(FILE *out, const char *const *names, const unrest_store_row *const *rows,
                    const size_t *nrows, size_t nv, uint64_t seed);
/* Check factor names and both ends of their ranges on a copy of sc: an exit code. */
int cli_factor_check(const char *cmd, const char *what, const unrest_scenario *sc,
                     const unrest_factor *f, size_t k);
/* "name=value;..." of one design row (malloc'd). */
char *cli_factors_text(const unrest_factor *f, size_t k, const double *x);
/* Run a design: rows points (x, k factors each) x e->runs replicates as one experiment of kind
 * with the given settings (opened or resumed in e->db), and read its runs back (ordered by idx
 * = point * runs + replicate): an exit code. */
int cli_exp_run_design(cli_exp *e, unrest_exp_kind kind, const char *settings,
                       const unrest_factor *f, size_t k, const double *x, size_t rows,
                       unrest_store **s, int64_t *exp, unrest_store_row **runs, size_t *nruns);

#endif
