/*
 * test_params.c - the parameter table: defaults are the paper's Run 2, every parameter reads
 * back what was set, profiles set the switches of the reference's section 5, and invalid
 * values and combinations are refused with a message naming the parameter and its range.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "unrest/unrest.h"

static void test_defaults_run2(void **state)
{
    (void)state;
    unrest_params p;
    unrest_params_default(&p);
    assert_int_equal(p.width, 40);
    assert_int_equal(p.height, 40);
    assert_true(p.citizen_density == 0.7 && p.cop_density == 0.04);
    assert_true(p.citizen_vision == 7 && p.cop_vision == 7);
    assert_true(p.legitimacy == 0.82 && p.threshold == 0.1 && p.k == 2.3 && p.alpha == 0);
    assert_int_equal(p.jail_max, 30);
    assert_int_equal(p.hood, UNREST_HOOD_EUCLIDEAN);
    assert_int_equal(p.ratio, UNREST_RATIO_FLOOR);
    char err[256];
    assert_int_equal(unrest_params_validate(&p, err, sizeof err), UNREST_OK);
}

static void test_profiles(void **state)
{
    (void)state;
    unrest_params p;
    unrest_params_default(&p);
    assert_int_equal(unrest_params_profile(&p, "mesa"), UNREST_OK);
    assert_int_equal(p.hood, UNREST_HOOD_VON_NEUMANN);
    assert_int_equal(p.ratio, UNREST_RATIO_ROUND_EVEN);
    assert_int_equal(p.jail_place, UNREST_JAIL_BLOCKING);
    assert_int_equal(p.jail_term, UNREST_TERM_ZERO_TO_MAX);
    assert_int_equal(p.countdown, UNREST_COUNTDOWN_OWN_ACTIVATION);
    assert_int_equal(p.order, UNREST_ORDER_ACT_MOVE);
    assert_int_equal(p.init, UNREST_INIT_BINOMIAL);
    assert_false(p.cops_move_static);
    assert_true(p.legitimacy == 0.82); /* profiles leave the numbers alone */
    assert_int_equal(unrest_params_profile(&p, "netlogo"), UNREST_OK);
    assert_int_equal(p.self_count, UNREST_SELF_DOUBLE);
    assert_int_equal(p.jail_place, UNREST_JAIL_TRANSPARENT);
    assert_int_equal(p.jail_term, UNREST_TERM_ZERO_TO_EXCL);
    assert_true(p.cop_to_arrestee);
    assert_int_equal(unrest_params_profile(&p, "paper"), UNREST_OK);
    assert_int_equal(p.jail_place, UNREST_JAIL_REMOVED);
    assert_int_equal(unrest_params_profile(&p, "sugarscape"), UNREST_EUNKNOWN);
}

/* Every parameter's default text sets the same value back. */
static void test_round_trip(void **state)
{
    (void)state;
    unrest_params p, q;
    unrest_params_default(&p);
    memset(&q, 0, sizeof q);
    unrest_params_default(&q);
    p.legitimacy = 0.1 + 0.2; /* needs 17 digits */
    p.jail_max = UNREST_JAIL_FOREVER;
    for (size_t i = 0; i < unrest_param_count(); i++) {
        const unrest_param_info *pi = unrest_param_info_at(i);
        char buf[64], err[256];
        assert_int_equal(unrest_params_get(&p, pi->name, buf, sizeof buf), UNREST_OK);
        assert_int_equal(unrest_params_set(&q, pi->name, buf, err, sizeof err), UNREST_OK);
        assert_ptr_equal(unrest_param_find(pi->name), pi);
    }
    assert_memory_equal(&p, &q, sizeof p);
    assert_null(unrest_param_info_at(unrest_param_count()));
    assert_null(unrest_param_find("nope"));
}

static void test_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *name, *value, *msg;
        unrest_status st;
    } cases[] = {
        {"legitimacy", "1.01", "'legitimacy' must be a number in [0, 1], got '1.01'",
         UNREST_ERANGE},
        {"legitimacy", "nan", "'legitimacy' must be a number", UNREST_EINVAL},
        {"legitimacy", " 0.5", "stray spaces", UNREST_EINVAL},
        {"width", "0x20", "'width' must be an integer in [3, 65535]", UNREST_EINVAL},
        {"width", "99999", "'width' must be an integer in [3, 65535], got '99999'", UNREST_ERANGE},
        {"jail_max", "65535", "an integer in [0, 65534] or inf", UNREST_ERANGE},
        {"order", "act", "must be one of move_act|act_move", UNREST_EINVAL},
        {"bogus", "1", "unknown parameter 'bogus'", UNREST_EUNKNOWN},
        {"k", "", "'k' needs a value", UNREST_EINVAL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unrest_params p;
        unrest_params_default(&p);
        char err[256] = "";
        assert_int_equal(unrest_params_set(&p, cases[i].name, cases[i].value, err, sizeof err),
                         cases[i].st);
        if (!strstr(err, cases[i].msg)) fail_msg("'%s': got '%s'", cases[i].msg, err);
    }
    unrest_params p;
    char err[256];
    unrest_params_default(&p);
    p.cop_density = 0.31;
    assert_int_equal(unrest_params_validate(&p, err, sizeof err), UNREST_ERANGE);
    assert_non_null(strstr(err, "exceeds 1"));
    unrest_params_default(&p);
    p.hood = (unrest_hood)7;
    assert_int_equal(unrest_params_validate(&p, err, sizeof err), UNREST_EINVAL);
    assert_non_null(strstr(err, "'hood'"));
    assert_string_equal(unrest_status_str(UNREST_ERANGE), "out of range");
    assert_string_equal(unrest_status_str((unrest_status)99), "unknown status");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_run2),
        cmocka_unit_test(test_profiles),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
