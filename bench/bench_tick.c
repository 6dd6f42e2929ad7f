/*
 * bench_tick.c - milliseconds per tick and agent-updates per second of the sequential model,
 * for lattices from the textbook 40x40 to 2000x2000 (Run-2 densities), as a markdown table.
 * Each figure is the median of several repetitions after a warm-up, so a shared, noisy machine
 * still gives stable numbers. With --mesa-ref DIR it reads the Mesa reference runs' own timing
 * (mean s/step in each .err file, measured on this kind of machine) and prints the speed-up.
 *
 * usage: bench_tick [--sizes 40,200,1000] [--profiles paper,mesa] [--reps 5] [--seconds 0.5]
 *                   [--mesa-ref DIR]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(int argc, char **argv)
{
    const char *sizes = "40,100,200,500,1000,2000", *profiles = "paper,mesa", *ref = NULL;
    int reps = 5;
    double budget = 0.5; /* seconds per repetition */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--sizes") && i + 1 < argc)
            sizes = argv[++i];
        else if (!strcmp(argv[i], "--profiles") && i + 1 < argc)
            profiles = argv[++i];
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            budget = atof(argv[++i]);
        else if (!strcmp(argv[i], "--mesa-ref") && i + 1 < argc)
            ref = argv[++i];
        else {
            fprintf(stderr, "usage: bench_tick [--sizes 40,200] [--profiles paper,mesa] "
                            "[--reps N] [--seconds S] [--mesa-ref DIR]\n");
            return 2;
        }
    }
    if (reps < 1 || reps > 101 || budget <= 0) {
        fprintf(stderr, "bench_tick: --reps must be 1..101 and --seconds > 0\n");
        return 2;
    }
    double mesa40 = ref ? mesa_seconds_per_step(ref, "mesa-run2", "run2") : 0;
    if (ref && mesa40 <= 0) {
        fprintf(stderr, "bench_tick: no Mesa timings found under %s\n", ref);
        return 2;
    }
    printf("| profile | lattice | agents | ms/tick (median of %d) | agent-updates/s |%s\n", reps,
           ref ? " vs Mesa |" : "");
    printf("|---|---|---|---|---|%s\n", ref ? "---|" : "");
    char prof_list[256];
    snprintf(prof_list, sizeof prof_list, "%s", profiles);
    for (char *pp = strtok(prof_list, ","); pp; pp = strtok(NULL, ",")) {
        char prof[32];
        snprintf(prof, sizeof prof, "%s", pp);
        char size_list[256];
        snprintf(size_list, sizeof size_list, "%s", sizes);
        char *save = NULL;
        for (char *sp = strtok_r(size_list, ",", &save); sp; sp = strtok_r(NULL, ",", &save)) {
            unrest_params p;
            char err[256];
            unrest_params_default(&p);
            if (unrest_params_profile(&p, prof) != UNREST_OK ||
                unrest_params_set(&p, "width", sp, err, sizeof err) != UNREST_OK ||
                unrest_params_set(&p, "height", sp, err, sizeof err) != UNREST_OK) {
                fprintf(stderr, "bench_tick: bad profile '%s' or size '%s'\n", prof, sp);
                return 2;
            }
            unrest_model *m;
            if (unrest_model_create(&m, &p, 1, err, sizeof err) != UNREST_OK) {
                fprintf(stderr, "bench_tick: %s\n", err);
                return 2;
            }
            unrest_counts c;
            unrest_model_counts(m, &c);
            double agents = (double)c.citizens + c.cops;
            /* warm-up: past the initial transient, and calibrate ticks per repetition */
            double t0 = now();
            int warm = 0;
            while (warm < 50 && now() - t0 < budget) {
                unrest_model_step(m);
                warm++;
            }
            double per = (now() - t0) / warm;
            int ticks = (int)(budget / per);
            if (ticks < 1) ticks = 1;
            double ms[101];
            for (int r = 0; r < reps; r++) {
                double a = now();
                for (int t = 0; t < ticks; t++)
                    unrest_model_step(m);
                ms[r] = 1e3 * (now() - a) / ticks;
            }
            double med = median(ms, reps);
            printf("| %s | %sx%s | %.0f | %.4f | %.3g |", prof, sp, sp, agents, med,
                   agents / (med * 1e-3));
            if (ref) {
                /* Mesa's time grows with agents (the reference measured 40x40 and quotes 4.5 s
                 * at 200x200); only the sizes Mesa was timed at get a ratio */
                double mesa = !strcmp(sp, "40") ? mesa40 * 1e3 : !strcmp(sp, "200") ? 4500 : 0;
                if (mesa > 0)
                    printf(" %.0fx |", mesa / med);
                else
                    printf(" |");
            }
            printf("\n");
            fflush(stdout);
            unrest_model_destroy(m);
        }
    }
    if (ref)
        printf("\nMesa 3.3.1 reference: %.1f ms/step at 40x40 (median over the mesa-run2 runs' "
               ".err files); 4500 ms/step at 200x200 (epstein-model.md).\n",
               mesa40 * 1e3);
    return 0;
}
