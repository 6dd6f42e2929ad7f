/*
 * particle_fit.c - the calibration's outputs of posterior particles on fresh seeds, to choose the
 * default file's particle (docs/SCENARIO.md, "Calibration"; scripts/rank-particles.sh ranks them).
 * Each line of standard input is a parameter set as `unrest calibrate` stores it (theta:
 * "path=value;path=value;..."); every value of the params file is read from it by its path. Each
 * set runs on seeds SEED0 .. SEED0 + SEEDS - 1 with unrest_calibrate_simulate at PPA people per
 * agent, the simulator the calibration itself runs (from the scenario's start to the end of the
 * last target's window). One line out per run: the input line's number, the seed, then one output
 * per target in the targets file's order (counts in people, patterns 0/1). Of the runs numbered 0,
 * 1, 2, ... in input order this process makes those with number % PARTS == PART, so that PARTS
 * processes side by side share the work; a run's outputs do not depend on which makes it.
 * Usage: particle_fit SCENARIO TARGETS PARAMS PPA SEEDS SEED0 [PART PARTS] < thetas
 * A diagnosis tool built with the tests (tests/particle_fit_test.sh tests it). Bad input: a
 * message and exit 2.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unrest/calibrate.h"
#include "unrest/scenario.h"

#define LINE_MAX_LEN 16384

static int bad(const char *msg)
{
    fprintf(stderr, "particle_fit: %s\n", msg);
    return 2;
}

static int number(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* The value of path in a theta line ("a=1;b=2"): 0, or -1 when it is missing or not a number. */
static int theta_value(const char *line, const char *path, double *out)
{
    size_t n = strlen(path);
    const char *p = line;
    while (strncmp(p, path, n) != 0 || p[n] != '=') { /* the next "path=" at a part's start */
        p = strchr(p, ';');
        if (!p) return -1;
        p++;
    }
    const char *v = p + n + 1;
    char *end;
    errno = 0;
    *out = strtod(v, &end);
    return errno || end == v || (*end && *end != ';' && *end != '\n') ? -1 : 0;
}

int main(int argc, char **argv)
{
    static unrest_scenario sc;
    static char line[LINE_MAX_LEN];
    char err[1024], set[64], msg[1200];
    long long ppa, seeds, seed0, part = 0, parts = 1;
    if (argc != 7 && argc != 9)
        return bad("usage: particle_fit SCENARIO TARGETS PARAMS PPA SEEDS SEED0 [PART PARTS]");
    if (number(argv[4], 1, 1000000, &ppa) || number(argv[5], 1, 100000, &seeds) ||
        number(argv[6], 0, INT64_MAX, &seed0))
        return bad("PPA, SEEDS and SEED0 must be whole numbers (PPA 1..1000000, SEEDS 1..100000)");
    if (argc == 9 && (number(argv[8], 1, 1000, &parts) || number(argv[7], 0, parts - 1, &part)))
        return bad("PARTS must be 1..1000 and PART 0..PARTS-1");
    unrest_scenario_init(&sc);
    if (strcmp(argv[1], "default") == 0) {
        size_t len;
        const char *text = unrest_scenario_builtin(&len);
        if (unrest_scenario_load_string(&sc, text, len, "default", err, sizeof err) != UNREST_OK)
            return bad(err);
    } else if (unrest_scenario_load(&sc, argv[1], err, sizeof err) != UNREST_OK) {
        return bad(err);
    }
    snprintf(set, sizeof set, "scale.people_per_agent=%lld", ppa);
    if (unrest_scenario_set(&sc, set, err, sizeof err) != UNREST_OK) return bad(err);
    unrest_cal_target *t = NULL;
    unrest_cal_param *p = NULL;
    size_t m, k;
    double *theta = NULL, *out = NULL;
    long long run = 0;
    int rc = 0;
    if (unrest_calibrate_targets_load(argv[2], &sc, &t, &m, err, sizeof err) != UNREST_OK ||
        unrest_calibrate_params_load(argv[3], &sc, &p, &k, err, sizeof err) != UNREST_OK) {
        rc = bad(err);
        goto done;
    }
    theta = malloc(k * sizeof *theta);
    out = malloc(m * sizeof *out);
    if (!theta || !out) {
        rc = bad("out of memory");
        goto done;
    }
    for (long li = 1; rc == 0 && fgets(line, sizeof line, stdin); li++) {
        if (!strchr(line, '\n') && !feof(stdin)) {
            snprintf(msg, sizeof msg, "<stdin>:%ld:1: line longer than %d characters", li,
                     LINE_MAX_LEN - 1);
            rc = bad(msg);
            break;
        }
        for (size_t i = 0; i < k && rc == 0; i++)
            if (theta_value(line, p[i].path, &theta[i])) {
                snprintf(msg, sizeof msg, "<stdin>:%ld:1: no number for %s", li, p[i].path);
                rc = bad(msg);
            }
        for (long long s = 0; rc == 0 && s < seeds; s++, run++) {
            if (run % parts != part) continue;
            uint64_t seed = (uint64_t)(seed0 + s);
            if (unrest_calibrate_simulate(&sc, p, k, t, m, theta, seed, out, err, sizeof err) !=
                UNREST_OK) {
                rc = bad(err);
                break;
            }
            printf("%ld %" PRIu64, li, seed);
            for (size_t j = 0; j < m; j++)
                printf(" %.9g", out[j]);
            printf("\n");
            fflush(stdout);
        }
    }
done:
    free(theta);
    free(out);
    free(t);
    free(p);
    return rc;
}
