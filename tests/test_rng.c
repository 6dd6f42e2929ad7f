/*
 * test_rng.c - the keyed generator: Philox4x32-10 known answers (Random123's published test
 * vectors), independence of keys, streams, ticks and agents, and the unbiasedness of bounded
 * draws (chi-square tests with fixed keys and a 1e-6 false-alarm rate).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "rng.h"

/* Known-answer vectors from Random123's kat_vectors (philox4x32, 10 rounds). */
static void test_philox_kat(void **state)
{
    (void)state;
    philox4x32_ctr_t c = {{0, 0, 0, 0}};
    philox4x32_key_t k = {{0, 0}};
    philox4x32_ctr_t r = philox4x32(c, k);
    assert_int_equal(r.v[0], 0x6627e8d5u);
    assert_int_equal(r.v[1], 0xe169c58du);
    assert_int_equal(r.v[2], 0xbc57ac4cu);
    assert_int_equal(r.v[3], 0x9b00dbd8u);
    philox4x32_ctr_t c2 = {{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}};
    philox4x32_key_t k2 = {{0xa4093822u, 0x299f31d0u}};
    r = philox4x32(c2, k2);
    assert_int_equal(r.v[0], 0xd16cfe09u);
    assert_int_equal(r.v[1], 0x94fdccebu);
    assert_int_equal(r.v[2], 0x5001e420u);
    assert_int_equal(r.v[3], 0x24126ea1u);
}

/* The wrapper's counter layout: (agent, tick, stream, block), key = seed. */
static void test_layout(void **state)
{
    (void)state;
    rng g;
    rng_init(&g, 0xa4093822299f31d0ull, 0, 0, 0);
    philox4x32_ctr_t c = {{0, 0, 0, 0}};
    philox4x32_key_t k = {{0x299f31d0u, 0xa4093822u}};
    philox4x32_ctr_t r = philox4x32(c, k);
    assert_int_equal(rng_u32(&g), r.v[3]);
    assert_int_equal(rng_u32(&g), r.v[2]);
    assert_int_equal(rng_u32(&g), r.v[1]);
    assert_int_equal(rng_u32(&g), r.v[0]);
    c.v[3] = 1; /* next block */
    r = philox4x32(c, k);
    assert_int_equal(rng_u32(&g), r.v[3]);
}

/* The vectorised batch gives Random123's numbers for every batch length and lane. */
static void test_batch(void **state)
{
    (void)state;
    uint32_t c0[41] = {0}, c3[41] = {0};
    philox4x32_ctr_t out[41];
    philox4x32_key_t k = {{0x12345678u, 0x9abcdef0u}};
    rng g;
    rng_init(&g, 1, 2, 3, 4);
    for (uint32_t n = 0; n <= 41; n++) {
        for (uint32_t i = 0; i < n; i++) {
            c0[i] = rng_u32(&g);
            c3[i] = rng_u32(&g);
        }
        philox_batch(c0, 0xdeadbeefu, 7, c3, k, out, n);
        for (uint32_t i = 0; i < n; i++) {
            philox4x32_ctr_t c = {{c0[i], 0xdeadbeefu, 7, c3[i]}};
            philox4x32_ctr_t r = philox4x32(c, k);
            for (int j = 0; j < 4; j++)
                assert_int_equal(out[i].v[j], r.v[j]);
        }
    }
}

/* rng_fill returns exactly the words rng_u32 would, whatever the buffer's phase. */
static void test_fill(void **state)
{
    (void)state;
    for (uint32_t skip = 0; skip < 6; skip++)
        for (uint32_t n = 0; n < 19; n++) {
            rng a, b;
            rng_init(&a, 99, 3, 4, 5);
            rng_init(&b, 99, 3, 4, 5);
            for (uint32_t i = 0; i < skip; i++) {
                rng_u32(&a);
                rng_u32(&b);
            }
            uint32_t buf[19];
            rng_fill(&a, buf, n);
            for (uint32_t i = 0; i < n; i++)
                assert_int_equal(buf[i], rng_u32(&b));
            assert_int_equal(rng_u32(&a), rng_u32(&b));
        }
}

static void test_keys_independent(void **state)
{
    (void)state;
    rng a, b;
    uint32_t base;
    rng_init(&a, 1, 2, 3, 4);
    base = rng_u32(&a);
    const uint32_t v[][4] = {{2, 2, 3, 4}, {1, 3, 3, 4}, {1, 2, 4, 4}, {1, 2, 3, 5}};
    for (int i = 0; i < 4; i++) {
        rng_init(&b, v[i][0], v[i][1], v[i][2], v[i][3]);
        assert_int_not_equal(rng_u32(&b), base);
    }
    rng_init(&b, 1, 2, 3, 4);
    assert_int_equal(rng_u32(&b), base); /* and the same key repeats */
}

/* Pearson chi-square of rng_below(n) over `draws` draws; df = n - 1. */
static double chi2_below(uint32_t n, uint32_t draws, uint64_t seed)
{
    uint32_t *h = calloc(n, sizeof *h);
    rng g;
    rng_init(&g, seed, 9, 0, 0);
    for (uint32_t i = 0; i < draws; i++) {
        uint32_t x = rng_below(&g, n);
        assert_true(x < n);
        h[x]++;
    }
    double e = (double)draws / n, chi = 0;
    for (uint32_t i = 0; i < n; i++)
        chi += (h[i] - e) * (h[i] - e) / e;
    free(h);
    return chi;
}

static void test_below_uniform(void **state)
{
    (void)state;
    /* Bound: chi-square quantile at 1 - 1e-6 via Wilson-Hilferty, z = 4.753. */
    const uint32_t ns[] = {2, 7, 113, 1184, 65537};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        double k = ns[i] - 1.0, z = 4.753;
        double q = k * pow(1 - 2 / (9 * k) + z * sqrt(2 / (9 * k)), 3);
        double chi = chi2_below(ns[i], 200 * ns[i] + 10000, 17 + i);
        print_message("below(%u): chi2 %.1f, bound %.1f\n", ns[i], chi, q);
        assert_true(chi < q);
    }
    /* a bound near 2^32 exercises the rejection branch */
    rng g;
    rng_init(&g, 5, 9, 0, 0);
    uint32_t big = 3000000000u, hi = 0;
    for (int i = 0; i < 100000; i++)
        hi += rng_below(&g, big) >= big / 2;
    assert_true(fabs(hi - 50000.0) < 5 * sqrt(25000.0));
}

static void test_uniform(void **state)
{
    (void)state;
    rng g;
    rng_init(&g, 77, 1, 1, 1);
    double s = 0;
    for (int i = 0; i < 100000; i++) {
        double u = rng_uniform(&g);
        assert_true(u >= 0 && u < 1);
        s += u;
    }
    /* mean of U(0,1): sd of the mean sqrt(1/12/1e5) = 9.1e-4 */
    assert_true(fabs(s / 100000 - 0.5) < 5 * 9.1e-4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_philox_kat),
        cmocka_unit_test(test_fill),
        cmocka_unit_test(test_batch),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_keys_independent),
        cmocka_unit_test(test_below_uniform),
        cmocka_unit_test(test_uniform),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
