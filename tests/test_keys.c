/*
 * test_keys.c - the one key table: every row is complete and found by its path; every concrete
 * path of the built-in scenario round-trips through unrest_scenario_get and unrest_scenario_set
 * (same text, same hash), and a changed value is read back and changes the scenario hash — so
 * a key added to the table is covered by --set, the manifest (which lists these paths) and the
 * hash without editing this test. Defaults match the table; out-of-range values are refused
 * with the key's range; the file's tags ([data], [calibrated], [assumption]) are read.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unrest/scenario.h"

static unrest_scenario sc; /* large: not on the stack */

static void load_builtin(void)
{
    char err[512];
    size_t len;
    const char *text = unrest_scenario_builtin(&len);
    unrest_scenario_init(&sc);
    assert_int_equal(unrest_scenario_load_string(&sc, text, len, "builtin", err, sizeof err),
                     UNREST_OK);
}

/* Every row has a path, mechanism and doc, and lookup finds it (with concrete names). */
static void test_rows_complete(void **state)
{
    (void)state;
    size_t n = unrest_key_count();
    assert_true(n > 60);
    for (size_t i = 0; i < n; i++) {
        const unrest_key_info *k = unrest_key_at(i);
        assert_non_null(k);
        assert_non_null(k->path);
        assert_non_null(k->mechanism);
        assert_non_null(k->doc);
        assert_non_null(k->unit);
        assert_true(strlen(k->doc) > 5);
        char concrete[128];
        snprintf(concrete, sizeof concrete, "%s", k->path);
        char *star;
        while ((star = strchr(concrete, '*')) != NULL)
            *star = 'X';
        assert_ptr_equal(unrest_key_lookup(concrete), k);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(unrest_key_at(j)->path, k->path);
        char range[64];
        unrest_key_range_text(k, range, sizeof range);
        assert_true(range[0] != '\0');
        if (k->type == UNREST_KEY_REAL || k->type == UNREST_KEY_UINT) assert_true(k->lo <= k->hi);
    }
    assert_null(unrest_key_at(n));
    assert_null(unrest_key_lookup("hardship.nonsense"));
    assert_null(unrest_key_lookup("hardship"));
    assert_null(unrest_key_lookup("sites.Almaty"));
}

/* A different valid value for key k whose current text is cur. */
static void other_value(const unrest_key_info *k, const char *cur, double now, char *buf, size_t n)
{
    switch (k->type) {
    case UNREST_KEY_REAL: {
        double hi = k->hi >= 1e300 ? k->lo + 1000 : k->hi;
        double v = k->lo + 0.37 * (hi - k->lo); /* inside, not an end */
        if (v == now) v = k->lo + 0.61 * (hi - k->lo);
        snprintf(buf, n, "%.17g", v);
        break;
    }
    case UNREST_KEY_UINT: {
        double v = floor(k->lo + 0.5 * (k->hi - k->lo));
        if (v == now) v = k->lo;
        snprintf(buf, n, "%.0f", v);
        break;
    }
    case UNREST_KEY_BOOL:
        snprintf(buf, n, "%s", now != 0 ? "false" : "true");
        break;
    case UNREST_KEY_PROFILE:
        snprintf(buf, n, "%s", strcmp(cur, "mesa") ? "mesa" : "paper");
        break;
    case UNREST_KEY_START:
        snprintf(buf, n, "2021-12-31T18:30+05:00");
        break;
    case UNREST_KEY_TEXT:
    case UNREST_KEY_NAME:
        snprintf(buf, n, "%.40s-x", cur[0] ? cur : "t");
        break;
    }
}

/* Every concrete path: get/set round trip keeps the hash; a new value is read back and changes
 * the hash; the old value restores it. */
static void test_paths_round_trip(void **state)
{
    (void)state;
    load_builtin();
    uint64_t h0 = unrest_scenario_hash(&sc);
    char path[256], text[256], again[256], other[256], assign[600], err[1024];
    size_t count = 0, params = 0;
    const unrest_key_info *k;
    for (size_t i = 0; (k = unrest_scenario_path(&sc, i, path, sizeof path)) != NULL; i++) {
        count++;
        if (strncmp(path, "sites.", 6) != 0) params++;
        assert_ptr_equal(unrest_key_lookup(path), k);
        assert_int_equal(unrest_scenario_get(&sc, path, text, sizeof text, err, sizeof err),
                         UNREST_OK);
        snprintf(assign, sizeof assign, "%s=%s", path, text);
        if (unrest_scenario_set(&sc, assign, err, sizeof err) != UNREST_OK) fail_msg("%s", err);
        assert_true(unrest_scenario_hash(&sc) == h0);
        double now = NAN;
        if (k->type != UNREST_KEY_TEXT && k->type != UNREST_KEY_NAME &&
            k->type != UNREST_KEY_PROFILE)
            assert_int_equal(unrest_scenario_get_number(&sc, path, &now, err, sizeof err),
                             UNREST_OK);
        other_value(k, text, now, other, sizeof other);
        /* a new tick length rescales event ticks, exactly only when it divides the old one */
        if (!strcmp(path, "time.tick_hours")) snprintf(other, sizeof other, "%.17g", now / 2);
        snprintf(assign, sizeof assign, "%s=%s", path, other);
        if (unrest_scenario_set(&sc, assign, err, sizeof err) != UNREST_OK)
            fail_msg("%s: %s", assign, err);
        assert_int_equal(unrest_scenario_get(&sc, path, again, sizeof again, err, sizeof err),
                         UNREST_OK);
        if (k->type == UNREST_KEY_REAL)
            assert_true(strtod(again, NULL) == strtod(other, NULL));
        else if (k->type == UNREST_KEY_START)
            assert_string_equal(again, other);
        else if (k->type != UNREST_KEY_BOOL)
            assert_string_equal(again, other);
        if (unrest_scenario_hash(&sc) == h0) fail_msg("%s does not enter the hash", path);
        snprintf(assign, sizeof assign, "%s=%s", path, text);
        assert_int_equal(unrest_scenario_set(&sc, assign, err, sizeof err), UNREST_OK);
        if (unrest_scenario_hash(&sc) != h0) fail_msg("%s does not restore", path);
    }
    /* every table row appears among the concrete paths (site and focal names excepted) */
    for (size_t r = 0; r < unrest_key_count(); r++) {
        const unrest_key_info *row = unrest_key_at(r);
        int seen = 0;
        for (size_t i = 0; !seen && (k = unrest_scenario_path(&sc, i, NULL, 0)) != NULL; i++)
            seen = k == row;
        int is_name =
            !strcmp(row->path, "sites.*.name") || !strcmp(row->path, "sites.*.focal.*.name");
        assert_true(seen || is_name);
    }
    assert_true(params > 40);
    assert_true(count > params + 19 * 12);
}

/* Defaults are the table's; values out of range are refused, naming the range. */
static void test_defaults_and_ranges(void **state)
{
    (void)state;
    unrest_scenario_init(&sc);
    char path[256], err[1024], assign[400];
    const unrest_key_info *k;
    for (size_t i = 0; (k = unrest_scenario_path(&sc, i, path, sizeof path)) != NULL; i++) {
        if (k->type == UNREST_KEY_REAL || k->type == UNREST_KEY_UINT ||
            k->type == UNREST_KEY_BOOL) {
            double v;
            assert_int_equal(unrest_scenario_get_number(&sc, path, &v, err, sizeof err), UNREST_OK);
            if (v != k->def) fail_msg("%s: default %g, table says %g", path, v, k->def);
        }
        if (k->type == UNREST_KEY_REAL || k->type == UNREST_KEY_UINT) {
            snprintf(assign, sizeof assign, "%s=%.17g", path, k->lo - 1);
            assert_int_not_equal(unrest_scenario_set(&sc, assign, err, sizeof err), UNREST_OK);
            assert_non_null(strstr(err, path));
            if (k->hi < 1e300) {
                snprintf(assign, sizeof assign, "%s=%.17g", path, k->hi + 1);
                assert_int_not_equal(unrest_scenario_set(&sc, assign, err, sizeof err), UNREST_OK);
            }
        }
    }
    assert_int_not_equal(
        unrest_scenario_get(&sc, "hardship.nope", path, sizeof path, err, sizeof err), UNREST_OK);
    assert_non_null(strstr(err, "hardship.nope"));
    assert_string_equal(path, "");
}

/* The file's tags are read from the comments; --set clears a value's tag. */
static void test_tags(void **state)
{
    (void)state;
    load_builtin();
    assert_int_equal(unrest_scenario_tag(&sc, "hardship.sigma"), UNREST_TAG_CALIBRATED);
    assert_int_equal(unrest_scenario_tag(&sc, "time.start"), UNREST_TAG_DATA);
    assert_int_equal(unrest_scenario_tag(&sc, "force.police_per_100k"), UNREST_TAG_DATA);
    assert_int_equal(unrest_scenario_tag(&sc, "lattice.profile"), UNREST_TAG_ASSUMPTION);
    assert_string_equal(unrest_key_tag_name(UNREST_TAG_CALIBRATED), "calibrated");
    char err[256];
    assert_int_equal(unrest_scenario_set(&sc, "hardship.sigma=0.5", err, sizeof err), UNREST_OK);
    assert_int_equal(unrest_scenario_tag(&sc, "hardship.sigma"), UNREST_TAG_NONE);
    /* every parameter the built-in scenario writes carries a tag (one it leaves out keeps the
     * table's default) */
    char path[256];
    const unrest_key_info *k;
    load_builtin();
    for (size_t i = 0; (k = unrest_scenario_path(&sc, i, path, sizeof path)) != NULL; i++) {
        double v;
        if (strncmp(path, "sites.", 6) && k->type == UNREST_KEY_REAL &&
            unrest_scenario_tag(&sc, path) == UNREST_TAG_NONE &&
            (unrest_scenario_get_number(&sc, path, &v, err, sizeof err) != UNREST_OK ||
             v != k->def))
            fail_msg("the built-in scenario gives %s no tag", path);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_complete),
        cmocka_unit_test(test_paths_round_trip),
        cmocka_unit_test(test_defaults_and_ranges),
        cmocka_unit_test(test_tags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
