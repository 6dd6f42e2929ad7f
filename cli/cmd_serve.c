/*
 * cmd_serve.c - `unrest serve`: run a scenario behind the live viewer (view.h) until Ctrl-C or
 * SIGTERM. Prints the URL once listening, so scripts may start it on port 0 and read the port.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "unrest/scenario.h"
#include "unrest/view.h"

void help_serve(FILE *out)
{
    fprintf(out,
            "usage: unrest serve [SCENARIO] [OPTIONS]\n"
            "\n"
            "Run a scenario (default: the built-in Kazakhstan, January 2022) and show it live in\n"
            "a browser: each city's lattice, charts of people active, detained, dead and\n"
            "legitimacy with the events marked, and controls (play, pause, step, reset, speed,\n"
            "parameters, interventions). The page needs no network. GET /report downloads a\n"
            "report of the run so far. See docs/VIEWER.md.\n"
            "\n"
            "  SCENARIO             YAML scenario file\n"
            "  --port P             TCP port, 0..65535 (default 8080; 0 = any free port)\n"
            "  --bind ADDR          address to listen on (default 127.0.0.1: this machine only)\n"
            "  --seed N             run seed, 0..2^64-1 (default 1)\n"
            "  --set NAME=VALUE     override a scenario value (repeatable)\n"
            "  --speed TPS          ticks per second, 0 = as fast as possible (default 4)\n"
            "  --play               start playing at once (default: paused)\n"
            "  --threads N          threads for the simulation, 1..1024 (default 1)\n"
            "  --frame-side N       longest lattice side sent to the page, 16..1024 (default 256)\n"
            "  --max-clients N      concurrent connections, 1..1024 (default 64)\n"
            "\n"
            "examples:\n"
            "  unrest serve                     then open http://127.0.0.1:8080/\n"
            "  unrest serve --port 0 --play --speed 20\n");
}

static int parse_u64(const char *s, unsigned long long max, unsigned long long *out)
{
    if (!s[0] || s[0] == '-' || s[0] == '+') return 0;
    char *e;
    errno = 0;
    unsigned long long v = strtoull(s, &e, 10);
    if (*e || errno || v > max) return 0;
    *out = v;
    return 1;
}

int cmd_serve(int argc, char **argv)
{
    const char *file = NULL;
    unrest_server_config cfg;
    unrest_server_config_default(&cfg);
    unsigned long long seed = 1, v;
    char err[512];
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    size_t nsets = 0;
    if (!sets) return EXIT_FAIL;
    int rc = EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *val = NULL, *opt = argv[i];
        int m;
#define OPT(name) ((m = cli_opt(argc, argv, &i, name, &val)) != 0)
        if (OPT("--port")) {
            if (m < 0 || !parse_u64(val, 65535, &v)) goto bad_value;
            cfg.port = (uint16_t)v;
        } else if (OPT("--bind")) {
            if (m < 0) goto bad_value;
            cfg.bind = val;
        } else if (OPT("--seed")) {
            if (m < 0 || !parse_u64(val, UINT64_MAX, &seed)) goto bad_value;
        } else if (OPT("--set")) {
            if (m < 0 || !strchr(val, '=')) goto bad_value;
            sets[nsets++] = val;
        } else if (OPT("--speed")) {
            char *e;
            if (m < 0) goto bad_value;
            cfg.speed = strtod(val, &e);
            if (e == val || *e || !(cfg.speed >= 0 && cfg.speed <= 10000)) goto bad_value;
        } else if (OPT("--threads")) {
            if (m < 0 || !parse_u64(val, 1024, &v) || v < 1) goto bad_value;
            cfg.threads = (unsigned)v;
        } else if (OPT("--frame-side")) {
            if (m < 0 || !parse_u64(val, 1024, &v) || v < 16) goto bad_value;
            cfg.frame_side = (uint32_t)v;
        } else if (OPT("--max-clients")) {
            if (m < 0 || !parse_u64(val, 1024, &v) || v < 1) goto bad_value;
            cfg.max_clients = (unsigned)v;
        } else if (!strcmp(argv[i], "--play")) {
            cfg.play = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            cli_error("serve", "unknown option '%s' (see 'unrest help serve')", argv[i]);
            goto out;
        } else if (!file) {
            file = argv[i];
        } else {
            cli_error("serve", "more than one scenario file ('%s' and '%s')", file, argv[i]);
            goto out;
        }
        continue;
    bad_value:
        cli_error("serve", "bad or missing value for '%s' (see 'unrest help serve')", opt);
        goto out;
#undef OPT
    }

    unrest_scenario *sc = malloc(sizeof *sc);
    if (!sc) {
        rc = EXIT_FAIL;
        goto out;
    }
    unrest_scenario_init(sc);
    unrest_status st;
    if (file) {
        st = unrest_scenario_load(sc, file, err, sizeof err);
    } else {
        size_t len;
        const char *text = unrest_scenario_builtin(&len);
        st = unrest_scenario_load_string(sc, text, len, "built-in", err, sizeof err);
    }
    for (size_t k = 0; k < nsets && st == UNREST_OK; k++)
        st = unrest_scenario_set(sc, sets[k], err, sizeof err);
    if (st == UNREST_OK) st = unrest_scenario_validate(sc, err, sizeof err);
    if (st != UNREST_OK) {
        cli_error("serve", "%s", err);
        free(sc);
        goto out;
    }

    /* block the stop signals in every thread; this one waits for them */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    unrest_server *srv = NULL;
    st = unrest_server_create(&srv, sc, (uint64_t)seed, &cfg, err, sizeof err);
    free(sc);
    if (st != UNREST_OK) {
        cli_error("serve", "%s", err);
        rc = st == UNREST_EINVAL || st == UNREST_ERANGE ? EXIT_USAGE : EXIT_FAIL;
        goto out;
    }
    const char *host = cfg.bind;
    int v6 = strchr(host, ':') != NULL;
    printf("unrest serve: http://%s%s%s:%u/ (seed %llu; Ctrl-C to stop)\n", v6 ? "[" : "", host,
           v6 ? "]" : "", (unsigned)unrest_server_port(srv), seed);
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    unrest_server_destroy(srv);
    printf("unrest serve: stopped\n");
    rc = EXIT_OK;
out:
    free(sets);
    return rc;
}
