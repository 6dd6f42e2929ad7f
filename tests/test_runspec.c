/*
 * test_runspec.c - run files and timeline options: good files load with the right values, the
 * profile applies before params whatever the order, a table of malformed files each fails with
 * the right status and a file:line:col message, --at/--ramp parse, and events change a real
 * model's parameters at the right ticks.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unrest/runspec.h"

static unrest_status load(unrest_runspec *rs, const char *text, char *err, size_t n)
{
    return unrest_runspec_load_string(rs, text, strlen(text), "bad.yaml", err, n);
}

/* ---- good inputs ------------------------------------------------------------------------- */

static void test_init_free(void **state)
{
    (void)state;
    unrest_runspec rs;
    unrest_runspec_init(&rs);
    assert_int_equal(rs.seed, 1);
    assert_int_equal(rs.ticks, 1000);
    assert_string_equal(rs.profile, "");
    assert_int_equal(rs.nevents, 0);
    assert_null(rs.events);
    unrest_params def;
    unrest_params_default(&def);
    assert_memory_equal(&rs.params, &def, sizeof def);
    unrest_runspec_free(&rs);
    unrest_runspec_free(&rs); /* twice is fine */
    unrest_runspec zero;
    memset(&zero, 0, sizeof zero);
    unrest_runspec_free(&zero);
    unrest_runspec_free(NULL);
}

static const char good_file[] = "# a full run file\n"
                                "profile: netlogo\n"
                                "seed: 18446744073709551615\n"
                                "ticks: 250\n"
                                "params:\n"
                                "  width: 33\n"
                                "  legitimacy: 0.75\n"
                                "  jail_max: inf\n"
                                "  hood: moore\n"
                                "  movement: false\n"
                                "events:\n"
                                "  - at: 77\n"
                                "    set: {legitimacy: 0.7, cop_density: 0.05}\n"
                                "  - ramp: legitimacy\n"
                                "    from: 0.9\n"
                                "    to: 0.2\n"
                                "    start: 77\n"
                                "    end: 147\n"
                                "  - {at: 3, set: {jail_max: 12}}\n";

static void test_load_good(void **state)
{
    (void)state;
    unrest_runspec rs;
    unrest_runspec_init(&rs);
    char err[512] = "";
    assert_int_equal(
        unrest_runspec_load_string(&rs, good_file, strlen(good_file), "good.yaml", err, sizeof err),
        UNREST_OK);
    assert_string_equal(err, "");
    assert_string_equal(rs.profile, "netlogo");
    assert_true(rs.seed == UINT64_MAX);
    assert_int_equal(rs.ticks, 250);
    assert_int_equal(rs.params.width, 33);
    assert_int_equal(rs.params.height, 40);
    assert_true(rs.params.legitimacy == 0.75);
    assert_int_equal(rs.params.jail_max, UNREST_JAIL_FOREVER);
    assert_int_equal(rs.params.hood, UNREST_HOOD_MOORE);
    assert_int_equal(rs.params.movement, 0);
    /* netlogo switches not overridden */
    assert_int_equal(rs.params.self_count, UNREST_SELF_DOUBLE);
    assert_int_equal(rs.params.jail_place, UNREST_JAIL_TRANSPARENT);
    assert_int_equal(rs.params.cop_to_arrestee, 1);

    assert_int_equal(rs.nevents, 4);
    const unrest_event *e = rs.events;
    assert_int_equal(e[0].is_ramp, 0);
    assert_int_equal(e[0].start, 77);
    assert_int_equal(e[0].end, 77);
    assert_string_equal(e[0].name, "legitimacy");
    assert_string_equal(e[0].value, "0.7");
    assert_int_equal(e[1].is_ramp, 0);
    assert_string_equal(e[1].name, "cop_density");
    assert_string_equal(e[1].value, "0.05");
    assert_int_equal(e[2].is_ramp, 1);
    assert_string_equal(e[2].name, "legitimacy");
    assert_true(e[2].from == 0.9);
    assert_true(e[2].to == 0.2);
    assert_int_equal(e[2].start, 77);
    assert_int_equal(e[2].end, 147);
    assert_int_equal(e[3].is_ramp, 0);
    assert_int_equal(e[3].start, 3);
    assert_string_equal(e[3].name, "jail_max");
    assert_string_equal(e[3].value, "12");
    /* the file does not validate: the caller does after overrides */
    unrest_runspec_free(&rs);
}

static void test_profile_before_params(void **state)
{
    (void)state;
    static const char *const files[] = {
        "params:\n  hood: moore\n  jail_place: removed\nprofile: mesa\n",
        "profile: mesa\nparams:\n  hood: moore\n  jail_place: removed\n",
        "params: {hood: moore, jail_place: removed}\nseed: 4\nprofile: mesa\n",
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        unrest_runspec rs;
        unrest_runspec_init(&rs);
        char err[512];
        assert_int_equal(load(&rs, files[i], err, sizeof err), UNREST_OK);
        assert_string_equal(rs.profile, "mesa");
        assert_int_equal(rs.params.hood, UNREST_HOOD_MOORE);         /* params win */
        assert_int_equal(rs.params.jail_place, UNREST_JAIL_REMOVED); /* params win */
        assert_int_equal(rs.params.ratio, UNREST_RATIO_ROUND_EVEN);  /* from the profile */
        assert_int_equal(rs.params.order, UNREST_ORDER_ACT_MOVE);    /* from the profile */
        assert_int_equal(rs.params.init, UNREST_INIT_BINOMIAL);      /* from the profile */
        unrest_runspec_free(&rs);
    }
}

static void test_params_in_file_order(void **state)
{
    (void)state;
    unrest_runspec rs;
    unrest_runspec_init(&rs);
    char err[512];
    assert_int_equal(load(&rs, "params: {movement: false, legitimacy: 0.3}\n", err, sizeof err),
                     UNREST_OK);
    assert_int_equal(rs.params.movement, 0);
    assert_true(rs.params.legitimacy == 0.3);
    unrest_runspec_free(&rs);
}

static void test_empty_and_null(void **state)
{
    (void)state;
    static const char *const files[] = {
        "",
        "# only a comment\n",
        "---\n",
        "---\n...\n",
        "params:\nevents:\n",
        "params: ~\nevents: null\n",
        "params: {}\nevents: []\n",
        "seed: 1\n---\n",
        "%YAML 1.1\n---\nseed: 1\n",
    };
    unrest_params def;
    unrest_params_default(&def);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        unrest_runspec rs;
        unrest_runspec_init(&rs);
        char err[512];
        unrest_status st = load(&rs, files[i], err, sizeof err);
        if (st != UNREST_OK) print_error("file %zu: %s\n", i, err);
        assert_int_equal(st, UNREST_OK);
        assert_int_equal(rs.seed, 1);
        assert_int_equal(rs.ticks, 1000);
        assert_int_equal(rs.nevents, 0);
        assert_memory_equal(&rs.params, &def, sizeof def);
        unrest_runspec_free(&rs);
    }
}

static void test_aliases(void **state)
{
    (void)state;
    unrest_runspec rs;
    unrest_runspec_init(&rs);
    char err[512];
    assert_int_equal(load(&rs,
                          "params: &p {legitimacy: 0.5}\n"
                          "events: [{at: 2, set: *p}, {at: 4, set: *p}]\n",
                          err, sizeof err),
                     UNREST_OK);
    assert_true(rs.params.legitimacy == 0.5);
    assert_int_equal(rs.nevents, 2);
    assert_int_equal(rs.events[1].start, 4);
    assert_string_equal(rs.events[1].value, "0.5");
    unrest_runspec_free(&rs);
}

/* A second load goes on top of the first and appends its events; a failed load changes
 * nothing. */
static void test_load_on_top_and_atomic(void **state)
{
    (void)state;
    unrest_runspec rs;
    unrest_runspec_init(&rs);
    char err[512];
    assert_int_equal(load(&rs, "seed: 7\nevents: [{at: 2, set: {k: 3}}]\n", err, sizeof err),
                     UNREST_OK);
    assert_int_equal(load(&rs, "ticks: 9\nevents: [{at: 5, set: {k: 4}}]\n", err, sizeof err),
                     UNREST_OK);
    assert_int_equal(rs.seed, 7);
    assert_int_equal(rs.ticks, 9);
    assert_int_equal(rs.nevents, 2);
    assert_string_equal(rs.events[1].value, "4");

    unrest_runspec before = rs;
    unrest_event saved[2];
    memcpy(saved, rs.events, sizeof saved);
    assert_int_equal(load(&rs,
                          "profile: mesa\nseed: 99\nticks: 5\nparams: {legitimacy: 0.1}\n"
                          "events: [{at: 8, set: {k: 5}}, {at: 9, set: {k: 500}}]\n",
                          err, sizeof err),
                     UNREST_ERANGE);
    assert_non_null(strstr(err, "bad.yaml:5:49: parameter 'k' must be a number in [0, 100]"));
    assert_int_equal(rs.seed, before.seed);
    assert_int_equal(rs.ticks, before.ticks);
    assert_string_equal(rs.profile, "");
    assert_memory_equal(&rs.params, &before.params, sizeof rs.params);
    assert_int_equal(rs.nevents, 2);
    assert_memory_equal(rs.events, saved, sizeof saved);
    unrest_runspec_free(&rs);
}

static void test_load_file(void **state)
{
    (void)state;
    char path[] = "/tmp/test_runspec_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char text[] = "seed: 42\nparams:\n  legitimacy: 2\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    unrest_runspec rs;
    unrest_runspec_init(&rs);
    char err[512], want[600];
    assert_int_equal(unrest_runspec_load(&rs, path, err, sizeof err), UNREST_ERANGE);
    snprintf(want, sizeof want,
             "%s:3:15: parameter 'legitimacy' must be a number in [0, 1], got '2'", path);
    assert_string_equal(err, want);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("seed: 42\nticks: 3\n", f);
    fclose(f);
    assert_int_equal(unrest_runspec_load(&rs, path, err, sizeof err), UNREST_OK);
    assert_int_equal(rs.seed, 42);
    assert_int_equal(rs.ticks, 3);
    unlink(path);
    assert_int_equal(unrest_runspec_load(&rs, path, err, sizeof err), UNREST_EIO);
    snprintf(want, sizeof want, "%s: cannot open: ", path);
    assert_memory_equal(err, want, strlen(want));
    assert_non_null(strstr(err, "No such file"));
    unrest_runspec_free(&rs);
}

/* ---- malformed inputs -------------------------------------------------------------------- */

typedef struct bad_case {
    const char *text;    /* file contents */
    unrest_status st;    /* expected status */
    const char *message; /* expected substring of the message, with bad.yaml:LINE:COL: */
} bad_case;

static const bad_case bad_cases[] = {
    /* YAML syntax */
    {"seed: [1\n", UNREST_EINVAL, "bad.yaml:2:1: YAML error: did not find expected ',' or ']'"},
    {"seed: 1\nparams:\n\tlegitimacy: 0.5\n", UNREST_EINVAL,
     "bad.yaml:3:1: YAML error: found character that cannot start any token"},
    {"profile: \"paper\n", UNREST_EINVAL,
     "bad.yaml:2:1: YAML error: found unexpected end of stream (while scanning a quoted scalar "
     "at line 1 column 10)"},
    {"seed: 'x\n", UNREST_EINVAL, "bad.yaml:2:1: YAML error: found unexpected end of stream"},
    {"params:\n  legitimacy: 0.5\n k: 2\n", UNREST_EINVAL,
     "bad.yaml:3:2: YAML error: did not find expected key"},
    {"seed: 1\n  ticks: 2\n", UNREST_EINVAL,
     "bad.yaml:2:8: YAML error: mapping values are not allowed in this context"},
    {"seed: *nope\n", UNREST_EINVAL, "bad.yaml:1:7: YAML error: found undefined alias"},
    {"seed: 1\n\xff\n", UNREST_EINVAL,
     "bad.yaml:2:1: YAML error: invalid leading UTF-8 octet (byte 0xFF)"},
    {"seed: 1\n---\nseed: 2\n", UNREST_EINVAL,
     "bad.yaml:3:1: a run file holds one YAML document; found a second one"},
    /* wrong types */
    {"- seed: 1\n", UNREST_EINVAL,
     "bad.yaml:1:1: a run file must be a mapping with keys profile, seed, ticks, params, events, "
     "got a sequence"},
    {"just text\n", UNREST_EINVAL, "bad.yaml:1:1: a run file must be a mapping"},
    {"seed: {a: 1}\n", UNREST_EINVAL,
     "bad.yaml:1:7: 'seed' must be an integer in [0, 18446744073709551615], got a mapping"},
    {"profile: [paper]\n", UNREST_EINVAL,
     "bad.yaml:1:10: 'profile' must be one of: paper, netlogo, mesa, got a sequence"},
    {"params: [legitimacy]\n", UNREST_EINVAL,
     "bad.yaml:1:9: 'params' must be a mapping of parameter: value, got a sequence"},
    {"params:\n  legitimacy: {x: 1}\n", UNREST_EINVAL,
     "bad.yaml:2:15: parameter 'legitimacy' must be a scalar value, got a mapping"},
    {"events: {at: 1}\n", UNREST_EINVAL,
     "bad.yaml:1:9: 'events' must be a sequence of events, got a mapping"},
    {"events:\n  - 5\n", UNREST_EINVAL, "bad.yaml:2:5: an event must be a mapping"},
    {"events: [{at: 1, set: [legitimacy]}]\n", UNREST_EINVAL,
     "bad.yaml:1:23: 'set' must be a mapping of runtime parameter: value"},
    {"events: [{at: 1, set: {}}]\n", UNREST_EINVAL,
     "bad.yaml:1:23: 'set' must be a mapping of runtime parameter: value with at least one "
     "entry, got an empty mapping"},
    {"? [seed]\n: 1\n", UNREST_EINVAL,
     "bad.yaml:1:3: mapping key must be a scalar, got a sequence"},
    {"params: {legitimacy: \"0.5\\0junk\"}\n", UNREST_EINVAL,
     "bad.yaml:1:22: parameter 'legitimacy' must be a scalar value, got text with a NUL"},
    /* unknown keys at every level */
    {"seed: 1\nsede: 2\n", UNREST_EUNKNOWN,
     "bad.yaml:2:1: unknown key 'sede' (expected one of: profile, seed, ticks, params, events)"},
    {"params:\n  legitimcy: 0.5\n", UNREST_EUNKNOWN, "bad.yaml:2:3: unknown parameter 'legitimcy'"},
    {"events:\n  - at: 3\n    sett: {k: 1}\n", UNREST_EUNKNOWN,
     "bad.yaml:3:5: unknown key 'sett' in event (expected one of: at, set, ramp, from, to, "
     "start, end)"},
    {"events: [{at: 3, set: {legitimcy: 0.5}}]\n", UNREST_EUNKNOWN,
     "bad.yaml:1:24: unknown parameter 'legitimcy'"},
    {"events: [{ramp: legitimcy, from: 0, to: 1, start: 1, end: 2}]\n", UNREST_EUNKNOWN,
     "bad.yaml:1:17: unknown parameter 'legitimcy'"},
    /* duplicate keys */
    {"seed: 1\nticks: 4\nseed: 2\n", UNREST_EINVAL,
     "bad.yaml:3:1: duplicate key 'seed' (first at line 1 column 1)"},
    {"params:\n  k: 1\n  k: 2\n", UNREST_EINVAL,
     "bad.yaml:3:3: duplicate key 'k' (first at line 2 column 3)"},
    {"events: [{at: 1, at: 2, set: {k: 1}}]\n", UNREST_EINVAL,
     "bad.yaml:1:18: duplicate key 'at' (first at line 1 column 11)"},
    {"events: [{at: 1, set: {k: 1, k: 2}}]\n", UNREST_EINVAL,
     "bad.yaml:1:30: duplicate key 'k' (first at line 1 column 24)"},
    /* seed and ticks */
    {"seed: -1\n", UNREST_ERANGE,
     "bad.yaml:1:7: 'seed' must be an integer in [0, 18446744073709551615], got '-1'"},
    {"seed: 18446744073709551616\n", UNREST_ERANGE,
     "bad.yaml:1:7: 'seed' must be an integer in [0, 18446744073709551615], got "
     "'18446744073709551616'"},
    {"seed: 0x10\n", UNREST_EINVAL, "bad.yaml:1:7: 'seed' must be an integer"},
    {"seed:\n", UNREST_EINVAL, "bad.yaml:1:6: 'seed' must be an integer in [0, "},
    {"ticks: 1.5\n", UNREST_EINVAL,
     "bad.yaml:1:8: 'ticks' must be an integer in [0, 1000000000], got '1.5'"},
    {"ticks: 1000000001\n", UNREST_ERANGE,
     "bad.yaml:1:8: 'ticks' must be an integer in [0, 1000000000], got '1000000001'"},
    {"ticks: -5\n", UNREST_ERANGE, "bad.yaml:1:8: 'ticks' must be an integer"},
    /* profile */
    {"profile: epstein\n", UNREST_EUNKNOWN,
     "bad.yaml:1:10: unknown profile 'epstein' (expected one of: paper, netlogo, mesa)"},
    {"profile: ''\n", UNREST_EUNKNOWN, "bad.yaml:1:10: unknown profile ''"},
    /* parameter values */
    {"seed: 1\nparams:\n    legitimacy: 1.5\n", UNREST_ERANGE,
     "bad.yaml:3:17: parameter 'legitimacy' must be a number in [0, 1], got '1.5'"},
    {"params: {width: 2}\n", UNREST_ERANGE,
     "bad.yaml:1:17: parameter 'width' must be an integer in [3, 65535], got '2'"},
    {"params: {width: wide}\n", UNREST_EINVAL, "bad.yaml:1:17: parameter 'width' must be"},
    {"params: {hood: hexagon}\n", UNREST_EINVAL,
     "bad.yaml:1:16: parameter 'hood' must be one of von_neumann|moore|euclidean, got "
     "'hexagon'"},
    {"params: {movement: maybe}\n", UNREST_EINVAL,
     "bad.yaml:1:20: parameter 'movement' must be true or false, got 'maybe'"},
    {"params: {legitimacy: }\n", UNREST_EINVAL,
     "bad.yaml:1:22: parameter 'legitimacy' needs a value"},
    {"params: {jail_max: -1}\n", UNREST_ERANGE, "bad.yaml:1:20: parameter 'jail_max' must be"},
    /* events */
    {"events: [{at: 5, set: {width: 30}}]\n", UNREST_EINVAL,
     "bad.yaml:1:24: parameter 'width' cannot change during a run (runtime parameters: "
     "cop_density, legitimacy"},
    {"events: [{at: 5, set: {legitimacy: 3}}]\n", UNREST_ERANGE,
     "bad.yaml:1:36: parameter 'legitimacy' must be a number in [0, 1], got '3'"},
    {"events: [{ramp: hood, from: 0, to: 1, start: 1, end: 2}]\n", UNREST_EINVAL,
     "bad.yaml:1:17: parameter 'hood' cannot be ramped: only real-valued runtime parameters "
     "can (cop_density, legitimacy, threshold, hardship_scale, arrest_prob, k, alpha, fatigue, "
     "rest)"},
    {"events: [{ramp: jail_max, from: 1, to: 9, start: 1, end: 2}]\n", UNREST_EINVAL,
     "bad.yaml:1:17: parameter 'jail_max' cannot be ramped"},
    {"events: [{ramp: movement, from: 1, to: 0, start: 1, end: 2}]\n", UNREST_EINVAL,
     "bad.yaml:1:17: parameter 'movement' cannot be ramped"},
    {"events:\n  - ramp: legitimacy\n    from: 0.9\n    to: 0.2\n    start: 50\n    end: 10\n",
     UNREST_ERANGE, "bad.yaml:6:10: ramp 'end' must be >= 'start' (50), got 10"},
    {"events: [{ramp: legitimacy, from: 1.2, to: 0.2, start: 1, end: 2}]\n", UNREST_ERANGE,
     "bad.yaml:1:35: 'from': parameter 'legitimacy' must be a number in [0, 1], got '1.2'"},
    {"events: [{ramp: k, from: 1, to: x, start: 1, end: 2}]\n", UNREST_EINVAL,
     "bad.yaml:1:33: 'to': parameter 'k' must be a number in [0, 100], got 'x'"},
    {"events: [{at: 0, set: {legitimacy: 0.5}}]\n", UNREST_ERANGE,
     "bad.yaml:1:15: event tick 'at' must be an integer in [1, 1000000000] (ticks count from "
     "1), got '0'"},
    {"events: [{at: 2.5, set: {legitimacy: 0.5}}]\n", UNREST_EINVAL,
     "bad.yaml:1:15: event tick 'at' must be an integer"},
    {"events: [{ramp: k, from: 1, to: 2, start: 0, end: 2}]\n", UNREST_ERANGE,
     "bad.yaml:1:43: ramp 'start' must be an integer in [1, 1000000000] (ticks count from 1), "
     "got '0'"},
    {"events: [{at: 3, ramp: k, set: {k: 1}}]\n", UNREST_EINVAL,
     "bad.yaml:1:18: event has both 'at' and 'ramp'"},
    {"events: [{at: 3}]\n", UNREST_EINVAL,
     "bad.yaml:1:10: event with 'at' needs 'set' (a mapping of parameter: value)"},
    {"events: [{set: {k: 1}}]\n", UNREST_EINVAL,
     "bad.yaml:1:10: event needs 'at' (a step change) or 'ramp' (a linear change)"},
    {"events: [{at: 3, set: {k: 1}, end: 4}]\n", UNREST_EINVAL,
     "bad.yaml:1:31: key 'end' belongs to a ramp event (an 'at' event has: at, set)"},
    {"events: [{ramp: k, from: 1, to: 2, start: 1}]\n", UNREST_EINVAL,
     "bad.yaml:1:10: ramp event needs 'end'"},
    {"events: [{ramp: k, set: {k: 1}, from: 1, to: 2, start: 1, end: 2}]\n", UNREST_EINVAL,
     "bad.yaml:1:20: key 'set' belongs to an 'at' event"},
    {"events: [{ramp: [k], from: 1, to: 2, start: 1, end: 2}]\n", UNREST_EINVAL,
     "bad.yaml:1:17: 'ramp' must be the name of a real runtime parameter, got a sequence"},
    {"events: [{at: 3, set: {legitimacy: "
     "0.00000000000000000000000000000000000000000000000000000000000000001}}]\n",
     UNREST_ERANGE, "bad.yaml:1:36: value of 'legitimacy' is too long (at most 63 characters)"},
};

static void test_malformed_table(void **state)
{
    (void)state;
    size_t n = sizeof bad_cases / sizeof bad_cases[0];
    assert_true(n >= 30);
    for (size_t i = 0; i < n; i++) {
        const bad_case *c = &bad_cases[i];
        unrest_runspec rs;
        unrest_runspec_init(&rs);
        char err[512] = "";
        unrest_status st = load(&rs, c->text, err, sizeof err);
        if (st != c->st || !strstr(err, c->message))
            print_error("case %zu: %s\n  got status %d, message: %s\n  want status %d, "
                        "message containing: %s\n",
                        i, c->text, (int)st, err, (int)c->st, c->message);
        assert_int_equal(st, c->st);
        assert_non_null(strstr(err, c->message));
        assert_int_equal(rs.nevents, 0);
        unrest_runspec_free(&rs);
    }
}

/* A tiny error buffer truncates but never overflows; a NULL buffer is allowed. */
static void test_small_err_buffer(void **state)
{
    (void)state;
    unrest_runspec rs;
    unrest_runspec_init(&rs);
    char err[8];
    memset(err, 'x', sizeof err);
    assert_int_equal(load(&rs, "sede: 1\n", err, sizeof err), UNREST_EUNKNOWN);
    assert_string_equal(err, "bad.yam");
    assert_int_equal(load(&rs, "sede: 1\n", NULL, 0), UNREST_EUNKNOWN);
    assert_int_equal(unrest_runspec_add_at(&rs, "x", NULL, 0), UNREST_EINVAL);
    assert_int_equal(unrest_runspec_load_string(&rs, NULL, 0, NULL, err, sizeof err), UNREST_OK);
    unrest_runspec_free(&rs);
}

/* ---- --at and --ramp --------------------------------------------------------------------- */

static void test_add_good(void **state)
{
    (void)state;
    unrest_runspec rs;
    unrest_runspec_init(&rs);
    char err[512];
    assert_int_equal(unrest_runspec_add_at(&rs, "5:legitimacy=0.3", err, sizeof err), UNREST_OK);
    assert_int_equal(unrest_runspec_add_at(&rs, "1000000000:jail_max=inf", err, sizeof err),
                     UNREST_OK);
    assert_int_equal(unrest_runspec_add_ramp(&rs, "legitimacy=0.9:0.2:77:147", err, sizeof err),
                     UNREST_OK);
    assert_int_equal(unrest_runspec_add_ramp(&rs, "cop_density=0.01:0.1:5:5", err, sizeof err),
                     UNREST_OK);
    assert_int_equal(rs.nevents, 4);
    assert_int_equal(rs.events[0].is_ramp, 0);
    assert_int_equal(rs.events[0].start, 5);
    assert_int_equal(rs.events[0].end, 5);
    assert_string_equal(rs.events[0].name, "legitimacy");
    assert_string_equal(rs.events[0].value, "0.3");
    assert_int_equal(rs.events[1].start, 1000000000u);
    assert_string_equal(rs.events[1].value, "inf");
    assert_int_equal(rs.events[2].is_ramp, 1);
    assert_string_equal(rs.events[2].name, "legitimacy");
    assert_true(rs.events[2].from == 0.9);
    assert_true(rs.events[2].to == 0.2);
    assert_int_equal(rs.events[2].start, 77);
    assert_int_equal(rs.events[2].end, 147);
    assert_string_equal(rs.events[3].name, "cop_density");
    assert_int_equal(rs.events[3].start, 5);
    assert_int_equal(rs.events[3].end, 5);
    unrest_runspec_free(&rs);
}

typedef struct opt_case {
    int ramp;            /* 0: --at, 1: --ramp */
    const char *text;    /* option value */
    unrest_status st;    /* expected status */
    const char *message; /* expected substring */
} opt_case;

static const opt_case opt_cases[] = {
    {0, "5:legitimcy=0.3", UNREST_EUNKNOWN,
     "--at '5:legitimcy=0.3': unknown parameter 'legitimcy'"},
    {0, "5:legitimacy=1.3", UNREST_ERANGE,
     "--at '5:legitimacy=1.3': parameter 'legitimacy' must be a number in [0, 1], got '1.3'"},
    {0, "5:width=30", UNREST_EINVAL, "--at '5:width=30': parameter 'width' cannot change"},
    {0, "0:legitimacy=0.3", UNREST_ERANGE,
     "--at '0:legitimacy=0.3': tick must be an integer in [1, 1000000000] (ticks count from 1), "
     "got '0'"},
    {0, "x:legitimacy=0.3", UNREST_EINVAL, "--at 'x:legitimacy=0.3': tick must be an integer"},
    {0, "-3:legitimacy=0.3", UNREST_ERANGE, "--at '-3:legitimacy=0.3': tick must be"},
    {0, "5:legitimacy", UNREST_EINVAL,
     "--at '5:legitimacy': expected TICK:name=value, e.g. 77:legitimacy=0.7"},
    {0, "legitimacy=0.3", UNREST_EINVAL, "--at 'legitimacy=0.3': expected TICK:name=value"},
    {0, "5:=0.3", UNREST_EINVAL, "--at '5:=0.3': expected TICK:name=value"},
    {0, "5:legitimacy=", UNREST_EINVAL,
     "--at '5:legitimacy=': parameter 'legitimacy' needs a value"},
    {0, "", UNREST_EINVAL, "--at '': expected TICK:name=value"},
    {1, "legitimcy=0.9:0.2:1:5", UNREST_EUNKNOWN,
     "--ramp 'legitimcy=0.9:0.2:1:5': unknown parameter 'legitimcy'"},
    {1, "hood=0:1:1:5", UNREST_EINVAL, "--ramp 'hood=0:1:1:5': parameter 'hood' cannot be ramped"},
    {1, "jail_max=1:9:1:5", UNREST_EINVAL, "parameter 'jail_max' cannot be ramped"},
    {1, "legitimacy=0.9:0.2:10:5", UNREST_ERANGE,
     "--ramp 'legitimacy=0.9:0.2:10:5': END must be >= START (10), got 5"},
    {1, "legitimacy=0.9:0.2:0:5", UNREST_ERANGE, "START must be an integer in [1, 1000000000]"},
    {1, "legitimacy=0.9:0.2:1:x", UNREST_EINVAL, "END must be an integer"},
    {1, "legitimacy=1.9:0.2:1:5", UNREST_ERANGE,
     "--ramp 'legitimacy=1.9:0.2:1:5': FROM: parameter 'legitimacy' must be a number in [0, 1], "
     "got '1.9'"},
    {1, "legitimacy=0.9:nan:1:5", UNREST_EINVAL, "TO: parameter 'legitimacy' must be"},
    {1, "legitimacy=0.9:0.2:1", UNREST_EINVAL,
     "--ramp 'legitimacy=0.9:0.2:1': expected name=FROM:TO:START:END"},
    {1, "legitimacy=0.9:0.2:1:5:7", UNREST_EINVAL, "expected name=FROM:TO:START:END"},
    {1, "0.9:0.2:1:5", UNREST_EINVAL, "expected name=FROM:TO:START:END"},
    {1, "=0.9:0.2:1:5", UNREST_EINVAL, "expected name=FROM:TO:START:END"},
};

static void test_add_bad(void **state)
{
    (void)state;
    unrest_runspec rs;
    unrest_runspec_init(&rs);
    for (size_t i = 0; i < sizeof opt_cases / sizeof opt_cases[0]; i++) {
        const opt_case *c = &opt_cases[i];
        char err[512] = "";
        unrest_status st = c->ramp ? unrest_runspec_add_ramp(&rs, c->text, err, sizeof err)
                                   : unrest_runspec_add_at(&rs, c->text, err, sizeof err);
        if (st != c->st || !strstr(err, c->message))
            print_error("case %zu: %s\n  got status %d, message: %s\n  want %d, %s\n", i, c->text,
                        (int)st, err, (int)c->st, c->message);
        assert_int_equal(st, c->st);
        assert_non_null(strstr(err, c->message));
        assert_int_equal(rs.nevents, 0);
    }
    unrest_runspec_free(&rs);
}

/* ---- applying events to a model ---------------------------------------------------------- */

static unrest_model *small_model(void)
{
    unrest_params p;
    unrest_params_default(&p);
    p.width = p.height = 20;
    p.citizen_vision = p.cop_vision = 3;
    unrest_model *m = NULL;
    char err[512];
    unrest_status st = unrest_model_create(&m, &p, 5, err, sizeof err);
    if (st != UNREST_OK) print_error("model: %s\n", err);
    assert_int_equal(st, UNREST_OK);
    assert_non_null(m);
    return m;
}

static void test_apply(void **state)
{
    (void)state;
    unrest_runspec rs;
    unrest_runspec_init(&rs);
    char err[512];
    static const char text[] = "events:\n"
                               "  - {at: 3, set: {legitimacy: 0.5}}\n"
                               "  - {ramp: legitimacy, from: 0.9, to: 0.1, start: 5, end: 9}\n"
                               "  - {at: 12, set: {legitimacy: 0.3}}\n"
                               "  - {ramp: legitimacy, from: 0.6, to: 0.6, start: 12, end: 12}\n";
    assert_int_equal(load(&rs, text, err, sizeof err), UNREST_OK);
    unrest_model *m = small_model();
    /* expected legitimacy after applying tick t (index t) */
    static const double want[] = {0.82, 0.82, 0.82, 0.5, 0.5, 0.9, 0.7,
                                  0.5,  0.3,  0.1,  0.1, 0.1, 0.6, 0.6};
    for (uint32_t t = 1; t < sizeof want / sizeof want[0]; t++) {
        assert_int_equal(unrest_runspec_apply(&rs, m, t, err, sizeof err), UNREST_OK);
        assert_string_equal(err, "");
        double l = unrest_model_params(m)->legitimacy;
        if (fabs(l - want[t]) > 1e-12) print_error("tick %u: legitimacy %.17g\n", t, l);
        assert_true(fabs(l - want[t]) <= 1e-12);
        assert_int_equal(unrest_model_step(m), UNREST_OK);
    }
    /* the ramp's last tick is exactly `to` */
    assert_int_equal(unrest_runspec_apply(&rs, m, 9, err, sizeof err), UNREST_OK);
    assert_true(unrest_model_params(m)->legitimacy == 0.1);
    unrest_model_destroy(m);
    unrest_runspec_free(&rs);
}

static void test_apply_cli_events_and_error(void **state)
{
    (void)state;
    unrest_runspec rs;
    unrest_runspec_init(&rs);
    char err[512];
    assert_int_equal(unrest_runspec_add_at(&rs, "2:k=4", err, sizeof err), UNREST_OK);
    assert_int_equal(unrest_runspec_add_ramp(&rs, "legitimacy=0.2:0.6:2:4", err, sizeof err),
                     UNREST_OK);
    /* parses, but does not fit the model: 0.7 citizens + 0.5 cops per cell */
    assert_int_equal(unrest_runspec_add_at(&rs, "6:cop_density=0.5", err, sizeof err), UNREST_OK);
    unrest_model *m = small_model();
    assert_int_equal(unrest_runspec_apply(&rs, m, 1, err, sizeof err), UNREST_OK);
    assert_true(unrest_model_params(m)->k == 2.3);
    assert_int_equal(unrest_runspec_apply(&rs, m, 2, err, sizeof err), UNREST_OK);
    assert_true(unrest_model_params(m)->k == 4);
    assert_true(fabs(unrest_model_params(m)->legitimacy - 0.2) < 1e-12);
    assert_int_equal(unrest_runspec_apply(&rs, m, 3, err, sizeof err), UNREST_OK);
    assert_true(fabs(unrest_model_params(m)->legitimacy - 0.4) < 1e-12);
    assert_int_equal(unrest_runspec_apply(&rs, m, 4, err, sizeof err), UNREST_OK);
    assert_true(unrest_model_params(m)->legitimacy == 0.6);
    assert_int_equal(unrest_runspec_apply(&rs, m, 5, err, sizeof err), UNREST_OK);
    assert_true(unrest_model_params(m)->legitimacy == 0.6);
    unrest_status st = unrest_runspec_apply(&rs, m, 6, err, sizeof err);
    assert_int_not_equal(st, UNREST_OK);
    assert_string_equal(err, unrest_model_error(m));
    assert_non_null(strstr(err, "exceeds 1"));
    assert_true(unrest_model_params(m)->cop_density == 0.04);
    unrest_model_destroy(m);
    unrest_runspec_free(&rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_free),
        cmocka_unit_test(test_load_good),
        cmocka_unit_test(test_profile_before_params),
        cmocka_unit_test(test_params_in_file_order),
        cmocka_unit_test(test_empty_and_null),
        cmocka_unit_test(test_aliases),
        cmocka_unit_test(test_load_on_top_and_atomic),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_malformed_table),
        cmocka_unit_test(test_small_err_buffer),
        cmocka_unit_test(test_add_good),
        cmocka_unit_test(test_add_bad),
        cmocka_unit_test(test_apply),
        cmocka_unit_test(test_apply_cli_events_and_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
