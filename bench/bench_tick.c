/*
 * bench_tick.c - milliseconds per tick and agent-updates per second, for lattices from the
 * textbook 40x40 to a whole country, for both update schemes and any thread counts, as a
 * markdown table. Each figure is the median of several repetitions after a warm-up past the
 * initial transient, so a shared, noisy machine still gives stable numbers. The model's bytes
 * per agent and the process's peak resident memory are reported too. With --mesa-ref DIR it
 * reads the Mesa reference runs' own timing (mean s/step in each .err file, recorded on another
 * day; tests/data/mesa) and prints the speed-up against it: a rough guide only, since Mesa's step
 * time moves with the machine's load. Ratios to quote come from bench/mesa_side_by_side.sh, which
 * times Mesa and this program's --mesa-protocol alternately in one go.
 *
 * usage: bench_tick [--sizes 40,200,1000] [--citizens N,...] [--profiles paper,mesa]
 *                   [--updates sequential,parallel] [--threads 1,2] [--reps 5]
 *                   [--seconds 0.5] [--warmup 50] [--mesa-ref DIR] [--mesa-protocol SEEDS]
 *                   [--steps 1000]
 * A --citizens entry N picks the square lattice whose cells hold N citizens at the density.
 *
 * --mesa-protocol S times 40x40 (or the first --sizes entry) the way the Mesa reference runs were
 * timed instead: seeds 1..S,
 * each a fresh model stepped --steps times (default 1000, as the reference runs) from setup (the
 * initial transient included), the mean time per step of each seed (the median of --reps such
 * runs), and the median over the seeds.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "unrest/unrest.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Median over the Mesa reference runs of "mean X s/step" in the .err files of dir/sub. */
static double mesa_seconds_per_step(const char *dir, const char *sub, const char *prefix)
{
    double v[64];
    int n = 0;
    for (int seed = 1; seed <= 64 && n < 64; seed++) {
        char path[4096], line[4096];
        snprintf(path, sizeof path, "%s/%s/%s_s%d.err", dir, sub, prefix, seed);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        while (fgets(line, sizeof line, f)) {
            char *p = strstr(line, "mean ");
            if (p && strstr(p, " s/step")) v[n++] = strtod(p + 5, NULL);
        }
        fclose(f);
    }
    return n ? median(v, n) : 0;
}

/* Peak resident set of this process so far, MiB. */
static double peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

typedef struct opts {
    const char *profiles, *updates, *threads, *ref;
    int reps, warmup, protocol_seeds, steps; /* steps: per seed under --mesa-protocol */
    double budget;
    double mesa40;
} opts;

/* A side x side lattice under Mesa's timing protocol (see the top of the file), one line per
 * profile. The recorded Mesa reference (--mesa-ref) is for 40x40 only. */
static int mesa_protocol(const opts *o, uint32_t side)
{
    const int steps = o->steps;
    const int ref = o->ref && side == 40;
    char sz[16];
    snprintf(sz, sizeof sz, "%u", side);
    printf("| profile | lattice | seeds x steps | ms/step: median over seeds | fastest seed | "
           "slowest seed |%s\n",
           ref ? " vs Mesa |" : "");
    printf("|---|---|---|---|---|---|%s\n", ref ? "---|" : "");
    char plist[256];
    snprintf(plist, sizeof plist, "%s", o->profiles);
    char *s1 = NULL;
    for (char *prof = strtok_r(plist, ",", &s1); prof; prof = strtok_r(NULL, ",", &s1)) {
        double per_seed[1000];
        for (int seed = 1; seed <= o->protocol_seeds; seed++) {
            double ms[101];
            for (int r = 0; r < o->reps; r++) {
                unrest_params p;
                char err[256];
                unrest_params_default(&p);
                if (unrest_params_profile(&p, prof) != UNREST_OK ||
                    unrest_params_set(&p, "width", sz, err, sizeof err) != UNREST_OK ||
                    unrest_params_set(&p, "height", sz, err, sizeof err) != UNREST_OK) {
                    fprintf(stderr, "bench_tick: bad profile '%s' or size %u\n", prof, side);
                    return 2;
                }
                unrest_model *m;
                if (unrest_model_create(&m, &p, (uint64_t)seed, err, sizeof err) != UNREST_OK) {
                    fprintf(stderr, "bench_tick: %s\n", err);
                    return 2;
                }
                double a = now();
                for (int t = 0; t < steps; t++)
                    unrest_model_step(m);
                ms[r] = 1e3 * (now() - a) / steps;
                unrest_model_destroy(m);
            }
            per_seed[seed - 1] = median(ms, o->reps);
        }
        double med = median(per_seed, o->protocol_seeds); /* sorts per_seed */
        printf("| %s | %ux%u | %d x %d | %.4g | %.4g | %.4g |", prof, side, side, o->protocol_seeds,
               steps, med, per_seed[0], per_seed[o->protocol_seeds - 1]);
        if (ref) printf(" %.0fx |", o->mesa40 * 1e3 / med);
        printf("\n");
        fflush(stdout);
    }
    if (ref)
        printf(
            "\nMesa 3.3.1 reference: %.1f ms/step (median over its seeds of the mean step time of "
            "1000 steps from setup), recorded on another day: not a side-by-side ratio "
            "(bench/mesa_side_by_side.sh).\n",
            o->mesa40 * 1e3);
    return 0;
}

/* Benchmark one lattice side under every profile x update x thread count. */
static int bench_side(const opts *o, uint32_t side)
{
    char plist[256];
    snprintf(plist, sizeof plist, "%s", o->profiles);
    char *s1 = NULL;
    for (char *prof = strtok_r(plist, ",", &s1); prof; prof = strtok_r(NULL, ",", &s1)) {
        char ulist[256];
        snprintf(ulist, sizeof ulist, "%s", o->updates);
        char *s2 = NULL;
        for (char *upd = strtok_r(ulist, ",", &s2); upd; upd = strtok_r(NULL, ",", &s2)) {
            unrest_params p;
            char err[256], sz[16];
            unrest_params_default(&p);
            snprintf(sz, sizeof sz, "%u", side);
            if (unrest_params_profile(&p, prof) != UNREST_OK ||
                unrest_params_set(&p, "width", sz, err, sizeof err) != UNREST_OK ||
                unrest_params_set(&p, "height", sz, err, sizeof err) != UNREST_OK ||
                unrest_params_set(&p, "update", upd, err, sizeof err) != UNREST_OK) {
                fprintf(stderr, "bench_tick: bad profile '%s', size %u or update '%s'\n", prof,
                        side, upd);
                return 2;
            }
            unrest_model *m;
            double t0 = now();
            if (unrest_model_create(&m, &p, 1, err, sizeof err) != UNREST_OK) {
                fprintf(stderr, "bench_tick: %s\n", err);
                return 2;
            }
            double create = now() - t0;
            unrest_counts c;
            unrest_model_counts(m, &c);
            double agents = (double)c.citizens + c.cops;
            char tlist[256];
            snprintf(tlist, sizeof tlist, "%s", o->threads);
            char *s3 = NULL;
            int warmed = 0;
            for (char *th = strtok_r(tlist, ",", &s3); th; th = strtok_r(NULL, ",", &s3)) {
                unsigned nth = (unsigned)atoi(th);
                if (!strcmp(upd, "sequential") && nth != 1) continue; /* threads are unused */
                if (unrest_model_set_threads(m, nth ? nth : 1) != UNREST_OK) return 2;
                /* warm-up past the initial transient (once per model), calibrating the ticks
                 * per repetition */
                double w0 = now();
                int wt = 0;
                while (!warmed ? (wt < o->warmup && now() - w0 < 20 * o->budget)
                               : (wt < 2 && now() - w0 < o->budget)) {
                    unrest_model_step(m);
                    wt++;
                }
                warmed = 1;
                double per = wt ? (now() - w0) / wt : o->budget;
                int ticks = (int)(o->budget / per);
                if (ticks < 1) ticks = 1;
                double ms[101];
                for (int r = 0; r < o->reps; r++) {
                    double a = now();
                    for (int t = 0; t < ticks; t++)
                        unrest_model_step(m);
                    ms[r] = 1e3 * (now() - a) / ticks;
                }
                double med = median(ms, o->reps);
                double bpa = (double)unrest_model_bytes(m) / agents; /* after ticks: all buffers */
                printf("| %s | %s | %u | %ux%u | %.0f | %.4g | %.3g | %.1f | %.0f | %.1f |", prof,
                       upd, nth, side, side, agents, med, agents / (med * 1e-3), bpa,
                       peak_rss_mib(), create);
                if (o->ref) {
                    double mesa = side == 40 ? o->mesa40 * 1e3 : side == 200 ? 4500 : 0;
                    if (mesa > 0)
                        printf(" %.0fx |", mesa / med);
                    else
                        printf(" |");
                }
                printf("\n");
                fflush(stdout);
            }
            unrest_model_destroy(m);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *sizes = NULL, *citizens = NULL;
    opts o = {"paper,mesa", "sequential", "1", NULL, 5, 50, 0, 1000, 0.5, 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) goto usage;
        if (!strcmp(a, "--sizes"))
            sizes = v;
        else if (!strcmp(a, "--citizens"))
            citizens = v;
        else if (!strcmp(a, "--profiles"))
            o.profiles = v;
        else if (!strcmp(a, "--updates"))
            o.updates = v;
        else if (!strcmp(a, "--threads"))
            o.threads = v;
        else if (!strcmp(a, "--reps"))
            o.reps = atoi(v);
        else if (!strcmp(a, "--warmup"))
            o.warmup = atoi(v);
        else if (!strcmp(a, "--seconds"))
            o.budget = atof(v);
        else if (!strcmp(a, "--mesa-ref"))
            o.ref = v;
        else if (!strcmp(a, "--mesa-protocol"))
            o.protocol_seeds = atoi(v);
        else if (!strcmp(a, "--steps"))
            o.steps = atoi(v);
        else
            goto usage;
        i++;
    }
    if (o.reps < 1 || o.reps > 101 || o.budget <= 0 || o.warmup < 0 || o.protocol_seeds < 0 ||
        o.protocol_seeds > 1000 || o.steps < 1)
        goto usage;
    uint32_t protocol_side = sizes ? (uint32_t)atoi(sizes) : 40; /* the first entry */
    if (!sizes && !citizens) sizes = "40,100,200,500,1000,2000";
    if (o.ref) {
        o.mesa40 = mesa_seconds_per_step(o.ref, "mesa-run2", "run2");
        if (o.mesa40 <= 0) {
            fprintf(stderr, "bench_tick: no Mesa timings found under %s\n", o.ref);
            return 2;
        }
    }
    if (o.protocol_seeds) return mesa_protocol(&o, protocol_side);
    printf("| profile | update | threads | lattice | agents | ms/tick (median of %d) | "
           "agent-updates/s | bytes/agent | peak RSS MiB | create s |%s\n",
           o.reps, o.ref ? " vs Mesa |" : "");
    printf("|---|---|---|---|---|---|---|---|---|---|%s\n", o.ref ? "---|" : "");
    char list[512];
    if (sizes) {
        snprintf(list, sizeof list, "%s", sizes);
        char *s = NULL;
        for (char *t = strtok_r(list, ",", &s); t; t = strtok_r(NULL, ",", &s))
            if (bench_side(&o, (uint32_t)atoi(t))) return 2;
    }
    if (citizens) {
        snprintf(list, sizeof list, "%s", citizens);
        char *s = NULL;
        for (char *t = strtok_r(list, ",", &s); t; t = strtok_r(NULL, ",", &s)) {
            double n = atof(t);
            uint32_t side = (uint32_t)ceil(sqrt(n / 0.7)); /* default citizen density */
            if (bench_side(&o, side)) return 2;
        }
    }
    if (o.ref)
        printf("\nMesa 3.3.1 reference: %.1f ms/step at 40x40 (median over the mesa-run2 runs' "
               ".err files); 4500 ms/step at 200x200 (the issue's figure); both recorded, not "
               "measured side by side (bench/mesa_side_by_side.sh).\n",
               o.mesa40 * 1e3);
    return 0;
usage:
    fprintf(stderr,
            "usage: bench_tick [--sizes 40,200] [--citizens 19200000] [--profiles paper,mesa]"
            " [--updates sequential,parallel] [--threads 1,2] [--reps N] [--seconds S]"
            " [--warmup N] [--mesa-ref DIR] [--mesa-protocol SEEDS] [--steps N]\n");
    return 2;
}
