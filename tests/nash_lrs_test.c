/*
 * nash_lrs_test.c - support enumeration (unrest_nash_mixed2) against an independent solver,
 * lrsnash (Debian package lrslib: exact rational arithmetic, vertex enumeration of the
 * best-response polytopes; Avis, Rosenberg, Savani & von Stengel 2010). For random games with
 * integer payoffs 0..999 (fixed seed; sizes 2x2 to 5x5), every equilibrium lrsnash lists must
 * be one we find and every one we find must be one it lists (probabilities within 1e-9).
 * Then games/2 games with payoffs 0..3, most of them degenerate: there lrsnash lists the
 * extreme equilibria (vertex pairs, the corners of continua) and so must we, both ways again.
 * Games with continua of equilibria are recognised from lrsnash's output (a group pairing one
 * strategy with several of the other's) and counted. Exit 77 (skipped) when lrsnash is absent.
 * Usage: nash_lrs_test [games] [lrsnash path]
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unrest/nash.h"

#define MAXS 5
#define MAXEQ 256

typedef struct eqlist {
    size_t count;
    double x[MAXEQ][2 * MAXS];
} eqlist;

static uint64_t mix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* "p/q" or "p" */
static int parse_rational(const char *t, double *v)
{
    char *end;
    long long p = strtoll(t, &end, 10), q = 1;
    if (end == t) return 0;
    if (*end == '/') {
        const char *d = end + 1;
        q = strtoll(d, &end, 10);
        if (end == d || q == 0) return 0;
    }
    if (*end) return 0;
    *v = (double)p / (double)q;
    return 1;
}

/* Run lrsnash on game file path; fill the equilibria (x: m row probabilities then nc column
 * probabilities). *degenerate = 1 when a group pairs several strategies of one player with
 * one of the other. Returns 0 on a failure to run or parse. */
static int run_lrs(const char *lrs, const char *path, size_t m, size_t nc, eqlist *out,
                   int *degenerate)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' '%s' 2>&1", lrs, path);
    FILE *f = popen(cmd, "r");
    if (!f) return 0;
    double ys[MAXEQ][MAXS];
    size_t ny = 0;
    int last = 0; /* the player of the last line read */
    char line[4096];
    out->count = 0;
    *degenerate = 0;
    int ok = 1;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '*') continue;
        char *tok[64];
        size_t nt = 0;
        for (char *t = strtok(line, " \t\r\n"); t && nt < 64; t = strtok(NULL, " \t\r\n"))
            tok[nt++] = t;
        if (nt == 0) continue;
        if (strcmp(tok[0], "2") == 0) { /* column player's mix, then the row player's payoff */
            if (nt != nc + 2 || ny == MAXEQ) {
                ok = 0;
                continue;
            }
            if (last == 1) ny = 0;
            for (size_t j = 0; j < nc; j++)
                if (!parse_rational(tok[1 + j], &ys[ny][j])) ok = 0;
            ny++;
            last = 2;
        } else if (strcmp(tok[0], "1") == 0) { /* row player's mix, then the column's payoff */
            if (nt != m + 2 || ny == 0) {
                ok = 0;
                continue;
            }
            if (last == 1 || ny > 1) *degenerate = 1;
            double x[MAXS];
            for (size_t i = 0; i < m; i++)
                if (!parse_rational(tok[1 + i], &x[i])) ok = 0;
            for (size_t k = 0; k < ny && out->count < MAXEQ; k++) {
                double *e = out->x[out->count++];
                memcpy(e, x, m * sizeof *x);
                memcpy(e + m, ys[k], nc * sizeof *x);
            }
            last = 1;
        } else {
            ok = 0;
        }
    }
    int rc = pclose(f);
    return ok && rc == 0;
}

static int same(const double *a, const double *b, size_t dim)
{
    for (size_t i = 0; i < dim; i++)
        if (fabs(a[i] - b[i]) > 1e-9) return 0;
    return 1;
}

int main(int argc, char **argv)
{
    size_t games = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 200;
    const char *lrs = argc > 2 ? argv[2] : "/usr/bin/lrsnash";
    if (access(lrs, X_OK) != 0) {
        printf("nash_lrs: SKIP: %s not found (Debian package lrslib)\n", lrs);
        return 77;
    }
    char dir[] = "/tmp/nash_lrs_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("nash_lrs: mkdtemp");
        return 1;
    }
    char path[256];
    snprintf(path, sizeof path, "%s/game", dir);
    static const size_t sizes[][2] = {{3, 3}, {4, 3}, {4, 4}, {2, 2}, {3, 5}, {5, 5}};
    uint64_t key = 20261206;
    size_t n_lrs = 0, n_ours = 0, n_mixed = 0, n_degen = 0, failures = 0, per_size[6] = {0};
    size_t n_small = games / 2, d_lrs = 0, d_ours = 0, d_degen = 0;
    for (size_t r = 0; r < games + n_small; r++) {
        /* first the main set (payoffs 0..999), then games/2 with payoffs 0..3 (mostly
         * degenerate) */
        const int small = r >= games;
        const uint64_t range = small ? 4 : 1000;
        size_t sz = r % 6, m = sizes[sz][0], nc = sizes[sz][1];
        if (!small) per_size[sz]++;
        double u[2 * MAXS * MAXS];
        FILE *f = fopen(path, "w");
        if (!f) {
            perror("nash_lrs: game file");
            return 1;
        }
        fprintf(f, "%zu %zu\n\n", m, nc);
        int A[MAXS * MAXS], B[MAXS * MAXS];
        for (size_t i = 0; i < m * nc; i++)
            A[i] = (int)(mix64(&key) % range);
        for (size_t i = 0; i < m * nc; i++)
            B[i] = (int)(mix64(&key) % range);
        for (size_t i = 0; i < m; i++) {
            for (size_t j = 0; j < nc; j++)
                fprintf(f, "%d ", A[i * nc + j]);
            fprintf(f, "\n");
        }
        fprintf(f, "\n");
        for (size_t i = 0; i < m; i++) {
            for (size_t j = 0; j < nc; j++)
                fprintf(f, "%d ", B[i * nc + j]);
            fprintf(f, "\n");
        }
        fclose(f);
        for (size_t i = 0; i < m * nc; i++) {
            u[2 * i] = A[i];
            u[2 * i + 1] = B[i];
        }
        eqlist L;
        int degen;
        if (!run_lrs(lrs, path, m, nc, &L, &degen)) {
            printf("nash_lrs: game %zu: lrsnash failed or printed what we cannot read\n", r);
            failures++;
            continue;
        }
        size_t ns[] = {m, nc};
        unrest_game_nf g = {2, ns, u};
        unrest_nash_set s = {0};
        char err[256];
        if (unrest_nash_mixed2(&g, NULL, &s, err, sizeof err) != UNREST_OK) {
            printf("nash_lrs: game %zu: %s\n", r, err);
            failures++;
            continue;
        }
        if (small) {
            d_lrs += L.count;
            d_ours += s.count;
            d_degen += (size_t)degen;
        } else {
            n_degen += (size_t)degen;
            n_lrs += L.count;
            n_ours += s.count;
            for (size_t e = 0; e < s.count; e++)
                n_mixed += !s.pure[e];
        }
        for (size_t e = 0; e < s.count; e++) { /* ours among lrsnash's */
            int found = 0;
            for (size_t k = 0; k < L.count && !found; k++)
                found = same(s.x + e * s.dim, L.x[k], m + nc);
            if (!found) {
                printf("nash_lrs: game %zu (%zux%zu): equilibrium %zu not listed by lrsnash\n", r,
                       m, nc, e);
                failures++;
            }
        }
        for (size_t k = 0; k < L.count; k++) { /* theirs among ours */
            int found = 0;
            for (size_t e = 0; e < s.count && !found; e++)
                found = same(s.x + e * s.dim, L.x[k], m + nc);
            if (!found) {
                printf("nash_lrs: game %zu (%zux%zu): lrsnash's equilibrium %zu missed\n", r, m, nc,
                       k);
                failures++;
            }
        }
        unrest_nash_set_free(&s);
    }
    unlink(path);
    rmdir(dir);
    printf("nash_lrs: %zu random games (", games);
    for (size_t i = 0; i < 6; i++)
        printf("%s%zu of %zux%zu", i ? ", " : "", per_size[i], sizes[i][0], sizes[i][1]);
    printf("), payoffs 0..999, seed 20261206\n");
    printf("nash_lrs: lrsnash listed %zu equilibria, unrest_nash_mixed2 found %zu (%zu mixed); "
           "%zu of the games with continua\n",
           n_lrs, n_ours, n_mixed, n_degen);
    printf("nash_lrs: %zu games with payoffs 0..3 (%zu with continua): lrsnash listed %zu extreme "
           "equilibria, unrest_nash_mixed2 found %zu\n",
           n_small, d_degen, d_lrs, d_ours);
    printf("nash_lrs: %zu mismatches (either way) in all\n", failures);
    return failures ? 1 : 0;
}
