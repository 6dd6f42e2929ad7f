/*
 * progress.c - one progress line on stderr, redrawn in place, for commands that run long:
 * `run` (days and hours of a scenario) and the experiment commands (runs). Drawn only when
 * stderr is a terminal and the command is not --quiet; it never touches stdout or any file.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

double cli_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void cli_duration(double s, char *buf, size_t n)
{
    if (!(s >= 0) || s > 1e8) {
        snprintf(buf, n, "?");
        return;
    }
    long v = (long)(s + 0.5);
    if (v >= 3600)
        snprintf(buf, n, "%ldh%02ldm", v / 3600, v / 60 % 60);
    else if (v >= 60)
        snprintf(buf, n, "%ldm%02lds", v / 60, v % 60);
    else
        snprintf(buf, n, "%lds", v);
}

void cli_progress_start(cli_progress *p, int quiet, double delay)
{
    memset(p, 0, sizeof *p);
    p->on = !quiet && isatty(2);
    p->t0 = cli_now();
    p->delay = delay;
}

void cli_progress_update(cli_progress *p, size_t done, size_t total, const char *what, double eta)
{
    if (!p->on) return;
    double now = cli_now(), el = now - p->t0;
    /* short runs show nothing; long ones redraw at most 5 times a second, and at the end */
    if (el < p->delay || (now - p->last < 0.2 && done != total)) return;
    p->last = now;
    double frac = total ? (double)done / (double)total : 1.0;
    if (eta < 0 && frac > 0) eta = el * (1 - frac) / frac;
    enum { W = 30 };
    char bar[W + 1], e[32], t[32], line[256];
    size_t fill = (size_t)(frac * W);
    for (size_t i = 0; i < W; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[W] = '\0';
    cli_duration(el, t, sizeof t);
    cli_duration(eta, e, sizeof e);
    int len = snprintf(line, sizeof line, "[%s] %s  %3.0f%%  elapsed %s  ETA %s", bar, what,
                       100.0 * frac, t, e);
    if (len < 0) return;
    /* pad over what a longer previous line left */
    fprintf(stderr, "\r%s%*s", line, p->width > len ? p->width - len : 0, "");
    if (len > p->width) p->width = len;
    p->drawn = 1;
    fflush(stderr);
}

void cli_progress_end(cli_progress *p, int keep)
{
    if (!p->drawn) return;
    if (keep)
        fputc('\n', stderr);
    else
        fprintf(stderr, "\r%*s\r", p->width, "");
    fflush(stderr);
    p->drawn = 0;
    p->width = 0;
}
