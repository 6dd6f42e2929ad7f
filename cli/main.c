/*
 * main.c - entry point of the unrest program: dispatches to subcommands (cli.h) and help
 * topics. Thin by design: everything a subcommand does is a call into the library.
 */
#include <gsl/gsl_errno.h>
#include <string.h>

#include "cli.h"
#include "mpi_job.h"
#include "unrest/unrest.h"

static const cli_command commands[] = {
    {"run", cmd_run, help_run, "run a model and write a per-tick CSV and a manifest"},
    {"ensemble", cmd_ensemble, help_ensemble, "N runs of a scenario into a results database"},
    {"compare", cmd_compare, help_compare, "variants on common seeds: outcome odds side by side"},
    {"game", cmd_game, help_game, "a game of actors and strategies: equilibria, proxy-war odds"},
    {"sweep", cmd_sweep, help_sweep, "a factorial or Latin-hypercube design over scenario values"},
    {"sensitivity", cmd_sensitivity, help_sensitivity, "Sobol indices or Morris effects"},
    {"export", cmd_export, help_export, "a results database's runs as tidy CSV"},
    {"calibrate", cmd_calibrate, help_calibrate, "history matching and ABC-SMC on observations"},
    {"forecast", cmd_forecast, help_forecast, "what follows, with intervals, from a posterior"},
    {"serve", cmd_serve, help_serve, "run a scenario live in the browser (HTTP viewer)"},
    {"help", cmd_help, help_help, "explain a command, the parameters, profiles or scenario keys"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out,
            "unrest %s - a simulator of civil unrest built on Epstein's civil violence model\n"
            "\n"
            "usage: unrest COMMAND [OPTIONS]\n"
            "\n"
            "commands:\n",
            UNREST_VERSION);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n"
            "  unrest run                      run the built-in default and show what happened\n"
            "  unrest help run                 every option of 'run'\n"
            "  unrest help params              every model parameter, its range and default\n"
            "  unrest help profiles            the paper, netlogo and mesa rule profiles\n"
            "  unrest help scenario            every scenario key, its range, default and unit\n"
            "  unrest --version                print the version\n");
}

void help_help(FILE *out)
{
    fprintf(out, "usage: unrest help [COMMAND | params | profiles | scenario [--markdown]]\n"
                 "\n"
                 "  params             the classic model's parameters, ranges and defaults\n"
                 "  profiles           the paper, netlogo and mesa rule profiles\n"
                 "  scenario           every scenario key: range, default, unit, what it does\n"
                 "  scenario --markdown   the same as the Markdown table of docs/SCENARIO.md\n");
}

int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return EXIT_OK;
    }
    const char *topic = argv[1];
    if (!strcmp(topic, "scenario") &&
        (argc == 2 || (argc == 3 && !strcmp(argv[2], "--markdown")))) {
        help_scenario(stdout, argc == 3);
        return EXIT_OK;
    }
    if (argc > 2) {
        cli_error("help", "expected one topic (or scenario --markdown), got %d", argc - 1);
        return EXIT_USAGE;
    }
    if (!strcmp(topic, "params")) {
        help_params(stdout);
        return EXIT_OK;
    }
    if (!strcmp(topic, "profiles")) {
        help_profiles(stdout);
        return EXIT_OK;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i].name, topic)) {
            commands[i].help(stdout);
            return EXIT_OK;
        }
    cli_error("help", "unknown topic '%s' (expected a command, params, profiles or scenario)",
              topic);
    return EXIT_USAGE;
}

static int run_command(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "--version")) {
        printf("unrest %s\n", UNREST_VERSION);
        return EXIT_OK;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i].name, cmd)) {
            for (int j = 2; j < argc; j++)
                if (!strcmp(argv[j], "--help") || !strcmp(argv[j], "-h")) {
                    commands[i].help(stdout);
                    return EXIT_OK;
                }
            return commands[i].run(argc - 1, argv + 1);
        }
    cli_error(NULL, "unknown command '%s' (try 'unrest --help')", cmd);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    /* GSL's default handler aborts; the library checks its inputs and reports statuses */
    gsl_set_error_handler_off();
    /* under mpirun/srun rank 0 runs the command and the other ranks serve it (mpi_job.h);
     * started otherwise MPI is not touched */
    cli_mpi_role role = cli_mpi_start(&argc, &argv);
    if (role == CLI_MPI_WORKER) return cli_mpi_finish(cli_mpi_worker());
    return cli_mpi_finish(run_command(argc, argv));
}
