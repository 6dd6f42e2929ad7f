/*
 * test_lattice.c - the padded bit-plane and byte-grid neighbourhood queries against their
 * brute-force scan twins (which read the cells, not the halo copies), on random lattices of
 * one-word and multi-word rows, every shape, radii up to the torus limit (past 31: the strip
 * walk) and centres on the wrap-around edges. Also the shapes' sizes against the reference (112
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

/* Shapes of at most 128 cells draw movement candidates 8 bits at a time: nk is Lemire's map of a
 * byte to a cell, with the rejected bytes (as many as 256 % size) sent to the centre; noff is
 * the same cells' grid offsets. */
static void test_narrow_draws(void **state)
{
    (void)state;
    lattice L;
    assert_int_equal(lattice_init(&L, 40, 30, 7), 0);
    const unrest_hood hoods[] = {UNREST_HOOD_VON_NEUMANN, UNREST_HOOD_EUCLIDEAN, UNREST_HOOD_MOORE};
    for (int h = 0; h < 3; h++)
        for (double v = 0; v <= 7; v += 0.5) {
            shape s;
            assert_int_equal(shape_build(&s, hoods[h], v), 0);
            assert_int_equal(shape_link(&s, &L), 0);
            assert_int_equal(s.narrow, s.size <= 128);
            if (s.narrow) {
                uint32_t hits[128] = {0}, rejected = 0, centre = s.size / 2;
                assert_int_equal(s.dx[centre], 0);
                assert_int_equal(s.dy[centre], 0);
                for (uint32_t d = 0; d < 256; d++) {
                    uint32_t prod = d * s.size, k = s.nk[d];
                    if ((prod & 0xffu) < 256u % s.size) {
                        assert_int_equal(k, centre);
                        rejected++;
                    } else {
                        assert_int_equal(k, prod >> 8);
                        hits[k]++;
                    }
                    assert_int_equal(s.noff[d], s.off[k]);
                }
                assert_int_equal(rejected, 256u % s.size);
                for (uint32_t k = 0; k < s.size; k++) /* uniform over the accepted bytes */
                    assert_int_equal(hits[k], 256u / s.size);
            }
            shape_free(&s);
        }
    lattice_free(&L);
}

/* Fill a lattice at random: blocked cells (the padded byte grid, through pad_write so that the
 * halo copies are the ones the model keeps), cops and actives among them. */
static void fill(lattice *L, rng *r, double d)
{
    for (uint32_t y = 0; y < L->h; y++)
        for (uint32_t x = 0; x < L->w; x++) {
            if (rng_uniform(r) >= d) continue;
            pad_write(L, x, y, 1);
            double u = rng_uniform(r);
            if (u < 0.1)
                bit_set(L, L->cop, x, y);
            else if (u < 0.35)
                bit_set(L, L->act, x, y);
        }
}

/* Every query at every (or many) centres agrees with its twin, which reads only the cells
 * themselves (not the halo copies the fast paths read). */
static void check_lattice(uint32_t w, uint32_t h, double density, uint64_t seed)
{
    lattice L;
    uint32_t side = w < h ? w : h;
    assert_int_equal(lattice_init(&L, w, h, (side - 1) / 2), 0);
    rng r;
    rng_init(&r, seed, 99, 0, 0);
    fill(&L, &r, density);
    const unrest_hood hoods[] = {UNREST_HOOD_VON_NEUMANN, UNREST_HOOD_MOORE, UNREST_HOOD_EUCLIDEAN};
    const double radii[] = {0, 1, 1.7, 2.5, 3, 7, 31, 32, 40, (double)((side - 1) / 2)};
    for (size_t hi = 0; hi < 3; hi++)
        for (size_t ri = 0; ri < sizeof radii / sizeof radii[0]; ri++) {
            if (radii[ri] >= side / 2.0) continue;
            shape s;
            assert_int_equal(shape_build(&s, hoods[hi], radii[ri]), 0);
            assert_int_equal(shape_link(&s, &L), 0);
            uint32_t cnt[SHAPE_ROWS_PAD];
            for (uint32_t t = 0; t < 60; t++) {
                /* edges and corners first, then random centres */
                uint32_t x = t < 4 ? (t & 1 ? w - 1 : 0) : rng_below(&r, w);
                uint32_t y = t < 4 ? (t & 2 ? h - 1 : 0) : rng_below(&r, h);
                assert_int_equal(lat_count(&L, L.cop, &s, x, y), scan_count(&L, L.cop, &s, x, y));
                assert_int_equal(lat_count(&L, L.act, &s, x, y), scan_count(&L, L.act, &s, x, y));
                for (int pl = 0; pl < 3; pl++) {
                    const uint64_t *b = pl == 0 ? L.cop : L.act;
                    uint32_t n1 =
                        pl == 2 ? scan_count_empty(&L, &s, x, y) : scan_count(&L, b, &s, x, y);
                    uint32_t n = pl == 2 ? pad_count_empty(&L, &s, x, y, cnt)
                                         : lat_count_rows(&L, b, &s, x, y, cnt);
                    assert_int_equal(n, n1);
                    /* first, last and random ranks (all of them when few) */
                    for (uint32_t j = 0; j < n && j < 24; j++) {
                        uint32_t k = n <= 24 ? j : j == 0 ? 0 : j == 1 ? n - 1 : rng_below(&r, n);
                        uint32_t p = pl == 2 ? scan_select_empty(&L, &s, x, y, k)
                                             : scan_select(&L, b, &s, x, y, k);
                        uint32_t q = pl == 2 ? pad_select_empty(&L, &s, x, y, cnt, k)
                                             : lat_select_rows(&L, b, &s, x, y, cnt, k);
                        assert_int_equal(q, p);
                        if (pl == 2)
                            assert_false(pad_test(&L, pos_x(p), pos_y(p)));
                        else
                            assert_true(bit_test(&L, b, pos_x(p), pos_y(p)));
                    }
                }
                for (uint32_t k = 0; k < s.size; k += 1 + s.size / 64) {
                    uint32_t p = shape_at(&L, &s, x, y, k);
                    assert_int_equal(p, scan_nth(&L, &s, x, y, k));
                    /* the padded offset reaches the same cell's byte */
                    assert_int_equal(L.pad[(int64_t)pad_base(&L, x, y) - s.box + s.off[k]],
                                     pad_test(&L, pos_x(p), pos_y(p)));
                }
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
    check_lattice(97, 150, 0.74, 8); /* radii past 31: the strip walk, not the one-word window */
}

static void test_bits(void **state)
{
    (void)state;
    lattice L;
    assert_int_equal(lattice_init(&L, 100, 3, 1), 0);
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
        cmocka_unit_test(test_narrow_draws),
        cmocka_unit_test(test_bits),
        cmocka_unit_test(test_one_word_rows),
        cmocka_unit_test(test_multi_word_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
