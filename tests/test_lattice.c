/*
 * test_lattice.c - the bit-row neighbourhood queries against their brute-force scan twins, on
 * random lattices of one-word and multi-word rows, every shape, radii up to the torus limit
 * and centres on the wrap-around edges. Also the shapes' sizes against the reference (112
 * cells for von Neumann v=7, 149 for the Euclidean disc, 225 for Moore).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "lattice.h"
#include "rng.h"

static void test_shape_sizes(void **state)
{
    (void)state;
    shape s;
    assert_int_equal(shape_build(&s, UNREST_HOOD_VON_NEUMANN, 7), 0);
    assert_int_equal(s.size, 113); /* 112 + centre */
    shape_free(&s);
    assert_int_equal(shape_build(&s, UNREST_HOOD_EUCLIDEAN, 7), 0);
    assert_int_equal(s.size, 149); /* NetLogo in-radius 7, own patch included */
    shape_free(&s);
    assert_int_equal(shape_build(&s, UNREST_HOOD_MOORE, 7), 0);
    assert_int_equal(s.size, 225);
    shape_free(&s);
    assert_int_equal(shape_build(&s, UNREST_HOOD_EUCLIDEAN, 1.7), 0);
    assert_int_equal(s.size, 9); /* the paper's v = 1.7: the 8 Moore neighbours + centre */
    shape_free(&s);
    assert_int_equal(shape_build(&s, UNREST_HOOD_VON_NEUMANN, 0), 0);
    assert_int_equal(s.size, 1);
    shape_free(&s);
    assert_int_not_equal(shape_build(&s, UNREST_HOOD_MOORE, 65), 0);
}

/* Fill a lattice's three bit planes at random with the given densities. */
static void fill(lattice *L, rng *r, double d)
{
    for (uint32_t y = 0; y < L->h; y++)
        for (uint32_t x = 0; x < L->w; x++) {
            if (rng_uniform(r) < d) bit_set(L, L->blk, x, y);
            if (rng_uniform(r) < d / 4) bit_set(L, L->act, x, y);
        }
}

/* Every query at every (or many) centres agrees with its twin. */
static void check_lattice(uint32_t w, uint32_t h, double density, uint64_t seed)
{
    lattice L;
    assert_int_equal(lattice_init(&L, w, h), 0);
    rng r;
    rng_init(&r, seed, 99, 0, 0);
    fill(&L, &r, density);
    const unrest_hood hoods[] = {UNREST_HOOD_VON_NEUMANN, UNREST_HOOD_MOORE, UNREST_HOOD_EUCLIDEAN};
    uint32_t side = w < h ? w : h;
    const double radii[] = {0, 1, 1.7, 2.5, 3, 7, (double)((side - 1) / 2)};
    for (size_t hi = 0; hi < 3; hi++)
        for (size_t ri = 0; ri < sizeof radii / sizeof radii[0]; ri++) {
            if (radii[ri] >= side / 2.0) continue;
            shape s;
            assert_int_equal(shape_build(&s, hoods[hi], radii[ri]), 0);
            uint32_t rc[2 * SHAPE_MAX_R + 1];
            for (uint32_t t = 0; t < 60; t++) {
                /* edges and corners first, then random centres */
                uint32_t x = t < 4 ? (t & 1 ? w - 1 : 0) : rng_below(&r, w);
                uint32_t y = t < 4 ? (t & 2 ? h - 1 : 0) : rng_below(&r, h);
                const uint64_t *planes[] = {L.blk, L.act};
                for (int pl = 0; pl < 2; pl++) {
                    const uint64_t *b = planes[pl];
                    uint32_t n1 = scan_count(&L, b, &s, x, y);
                    assert_int_equal(scan_count_clear(&L, b, &s, x, y), s.size - n1);
                    uint32_t a2, b2;
                    lat_count2(&L, L.blk, b, &s, x, y, &a2, &b2);
                    assert_int_equal(a2, scan_count(&L, L.blk, &s, x, y));
                    assert_int_equal(b2, n1);
                    for (int want = 0; want <= 1; want++) {
                        uint32_t n = lat_count_rows(&L, b, want, &s, x, y, rc);
                        assert_int_equal(n, want ? n1 : s.size - n1);
                        /* first, last and random ranks (all of them when few) */
                        for (uint32_t j = 0; j < n && j < 24; j++) {
                            uint32_t k = n <= 24  ? j
                                         : j == 0 ? 0
                                         : j == 1 ? n - 1
                                                  : rng_below(&r, n);
                            uint32_t p = scan_select(&L, b, want, &s, x, y, k);
                            assert_int_equal(lat_select_rows(&L, b, want, &s, x, y, rc, k), p);
                            assert_int_equal(bit_test(&L, b, pos_x(p), pos_y(p)), want);
                        }
                    }
                }
                for (uint32_t k = 0; k < s.size; k += 1 + s.size / 64)
                    assert_int_equal(shape_nth(&L, &s, x, y, k), scan_nth(&L, &s, x, y, k));
            }
            shape_free(&s);
        }
    lattice_free(&L);
}

static void test_one_word_rows(void **state)
{
    (void)state;
    check_lattice(40, 40, 0.74, 1); /* the paper's lattice */
    check_lattice(64, 17, 0.5, 2);  /* a full word */
    check_lattice(3, 3, 0.5, 3);    /* smallest torus */
    check_lattice(63, 9, 0.9, 4);
}

static void test_multi_word_rows(void **state)
{
    (void)state;
    check_lattice(65, 20, 0.74, 5); /* one bit into the second word */
    check_lattice(200, 30, 0.74, 6);
    check_lattice(130, 131, 0.3, 7); /* interval crossing two word boundaries when r is large */
}

static void test_bits(void **state)
{
    (void)state;
    lattice L;
    assert_int_equal(lattice_init(&L, 100, 3), 0);
    bit_set(&L, L.cop, 99, 2);
    bit_set(&L, L.cop, 64, 2);
    assert_true(bit_test(&L, L.cop, 99, 2));
    assert_true(bit_test(&L, L.cop, 64, 2));
    assert_false(bit_test(&L, L.cop, 63, 2));
    bit_clear(&L, L.cop, 99, 2);
    assert_false(bit_test(&L, L.cop, 99, 2));
    assert_int_equal(pos_index(&L, pos_make(7, 2)), 207);
    assert_int_equal(L.occ[5], -1);
    lattice_free(&L);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape_sizes),
        cmocka_unit_test(test_bits),
        cmocka_unit_test(test_one_word_rows),
        cmocka_unit_test(test_multi_word_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
