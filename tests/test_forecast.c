/*
 * test_forecast.c - the forecast: the same numbers for any number of workers (each run its own
 * keyed seed and record), the day peaks it reports equal to the runs' own maxima, the Markdown
 * it writes has every section, and bad configurations are refused.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unrest/design.h"
#include "unrest/forecast.h"
#include "worldtest.h"

static unrest_scenario *builtin(void)
{
    static unrest_scenario sc;
    char err[512];
    size_t len;
    const char *text = unrest_scenario_builtin(&len);
    unrest_scenario_init(&sc);
    if (unrest_scenario_load_string(&sc, text, len, "b", err, sizeof err) != UNREST_OK ||
        unrest_scenario_set(&sc, "scale.people_per_agent=1000", err, sizeof err) != UNREST_OK ||
        unrest_scenario_set(&sc, "time.days=5", err, sizeof err) != UNREST_OK)
        fail_msg("%s", err);
    return &sc;
}

/* 1 and 2 workers: identical summaries; day peaks are the medians of the runs' own peaks. */
static void workers_do_not_matter(void **state)
{
    (void)state;
    unrest_scenario *sc = builtin();
    unrest_forecast_config c = {.sc = sc, .runs = 6, .seed = 3, .workers = 1, .conf = 0.9};
    c.from = sc->p.start + 3 * 86400;
    c.detained_by = sc->p.start + 4 * 86400;
    unrest_forecast *a = NULL, *b = NULL;
    char err[512];
    assert_int_equal(unrest_forecast_run(&a, &c, err, sizeof err), UNREST_OK);
    c.workers = 2;
    assert_int_equal(unrest_forecast_run(&b, &c, err, sizeof err), UNREST_OK);
    for (size_t d = 0; d < 5; d++) {
        double m1, l1, h1, m2, l2, h2;
        assert_int_equal(unrest_forecast_day_peak(a, d, &m1, &l1, &h1), 0);
        assert_int_equal(unrest_forecast_day_peak(b, d, &m2, &l2, &h2), 0);
        assert_true(m1 == m2 && l1 == l2 && h1 == h2 && l1 <= m1 && m1 <= h1);
    }
    assert_int_equal(unrest_forecast_day_peak(a, 5, NULL, NULL, NULL), -1);
    /* day 3's median against runs made by hand with the same seeds */
    double peaks[6];
    for (size_t i = 0; i < 6; i++) {
        unrest_world *w = wt_make(sc, unrest_seed_derive(3, i));
        double best = 0;
        for (int64_t t = 0; t < 72; t++) {
            wt_step_to(w, t + 1);
            if (t < 48) continue;
            double nat = 0;
            for (size_t s = 0; s < unrest_world_site_count(w); s++) {
                unrest_site_state st;
                unrest_world_site(w, s, &st);
                nat += st.active;
            }
            if (nat > best) best = nat;
        }
        peaks[i] = best;
        unrest_world_destroy(w);
    }
    for (size_t i = 1; i < 6; i++) /* insertion sort */
        for (size_t j = i; j > 0 && peaks[j - 1] > peaks[j]; j--) {
            double x = peaks[j];
            peaks[j] = peaks[j - 1];
            peaks[j - 1] = x;
        }
    double m, lo, hi;
    unrest_forecast_day_peak(a, 2, &m, &lo, &hi);
    assert_true(m == (peaks[2] + peaks[3]) / 2);
    assert_true(lo == peaks[0] && hi == peaks[5]);

    FILE *mem = tmpfile();
    assert_non_null(mem);
    assert_int_equal(unrest_forecast_write_markdown(a, mem, "test"), UNREST_OK);
    long len = ftell(mem);
    assert_true(len > 0);
    char *buf = calloc((size_t)len + 1, 1);
    rewind(mem);
    assert_int_equal(fread(buf, 1, (size_t)len, mem), (size_t)len);
    fclose(mem);
    const char *sections[] = {"## National participation by day",
                              "## Focal points",
                              "## Detained",
                              "## Dead and injured",
                              "## When it ends",
                              "## Outcome classes"};
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        assert_non_null(strstr(buf, sections[i]));
    free(buf);
    unrest_forecast_destroy(a);
    unrest_forecast_destroy(b);
}

static void refuses_bad_configs(void **state)
{
    (void)state;
    unrest_forecast *f = (unrest_forecast *)1;
    char err[256];
    unrest_forecast_config c = {.sc = builtin(), .runs = 1};
    assert_int_not_equal(unrest_forecast_run(&f, &c, err, sizeof err), UNREST_OK);
    assert_null(f);
    assert_non_null(strstr(err, "at least 2 runs"));
    unrest_forecast_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(workers_do_not_matter),
        cmocka_unit_test(refuses_bad_configs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
