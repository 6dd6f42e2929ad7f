/*
 * observe.c - outburst statistics of a series of active counts (Epstein 2002, Figs. 5 and 7):
 * outbursts, peaks, total activation and waiting times.
 */
#include <math.h>
#include <string.h>

#include "unrest/unrest.h"

void unrest_summarize(const uint32_t *active, const uint32_t *jailed, size_t n, uint32_t threshold,
                      unrest_summary *s, uint32_t *peaks, uint64_t *totals, uint32_t *waits,
                      size_t cap)
{
    memset(s, 0, sizeof *s);
    s->ticks = n;
    if (!n) return;
    double sum_a = 0, sum_j = 0, sum_peak = 0, sum_total = 0, sum_w = 0, sum_w2 = 0;
    size_t nw = 0;
    int in = 0;
    uint32_t peak = 0;
    uint64_t total = 0;
    size_t last_end = 0; /* index of the last tick of the previous outburst */
    int had = 0;
    for (size_t i = 0; i <= n; i++) {
        int above = i < n && active[i] > threshold;
        if (i < n) {
            sum_a += active[i];
            sum_j += jailed ? jailed[i] : 0;
            if (active[i] > s->max_active) s->max_active = active[i];
        }
        if (above && !in) {
            in = 1;
            peak = 0;
            total = 0;
            if (had) {
                uint32_t w = (uint32_t)(i - last_end);
                if (waits && nw < cap) waits[nw] = w;
                sum_w += w;
                sum_w2 += (double)w * w;
                nw++;
            }
        }
        if (above) {
            if (active[i] > peak) peak = active[i];
            total += active[i];
        } else if (in) {
            in = 0;
            had = 1;
            last_end = i - 1;
            if (peaks && s->outbursts < cap) peaks[s->outbursts] = peak;
            if (totals && s->outbursts < cap) totals[s->outbursts] = total;
            sum_peak += peak;
            sum_total += (double)total;
            s->outbursts++;
        }
    }
    s->mean_active = sum_a / (double)n;
    s->mean_jailed = jailed ? sum_j / (double)n : 0;
    s->final_jailed = jailed ? jailed[n - 1] : 0;
    if (s->outbursts) {
        s->mean_peak = sum_peak / (double)s->outbursts;
        s->mean_total = sum_total / (double)s->outbursts;
    }
    if (nw) {
        s->mean_wait = sum_w / (double)nw;
        double var = nw > 1 ? (sum_w2 - sum_w * sum_w / (double)nw) / (double)(nw - 1) : 0;
        s->sd_wait = var > 0 ? sqrt(var) : 0;
    }
}
