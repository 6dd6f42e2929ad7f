/*
 * cli.h - the command table of the unrest program. Each subcommand lives in its own file,
 * parses its options into library structures and calls only the public API.
 * Exit codes: 0 success, 1 failure while running, 2 bad usage or input.
 */
#ifndef UNREST_CLI_H
#define UNREST_CLI_H

#include <stdio.h>

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

typedef struct cli_command {
    const char *name;                  /* subcommand */
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
    void (*help)(FILE *out);           /* full help text */
    const char *summary;               /* one line for the command list */
} cli_command;

int cmd_run(int argc, char **argv);
void help_run(FILE *out);
int cmd_help(int argc, char **argv);
void help_help(FILE *out);
void help_params(FILE *out);
void help_profiles(FILE *out);

/* Match "--name value" or "--name=value" at argv[*i]; advances *i past the value. Returns 1 and
 * sets *val when matched, 0 when argv[*i] is another option, -1 if the value is missing. */
int cli_opt(int argc, char **argv, int *i, const char *name, const char **val);

/* Print "unrest CMD: message" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
