/*
 * test_store.c - the SQLite results store: schema and user_version, experiments found again by
 * their identity (resume) and refused for another scenario hash, planned runs and their
 * one-transaction writes (never duplicated), a second connection's write lock turning into an
 * error status with nothing changed, bad paths refused before anything is created, and the
 * tidy CSV export with factor columns.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "unrest/calibrate.h"
#include "unrest/store.h"

static char dir[256];

static void path_in(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", dir, name);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_store.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A single-value query through a plain SQLite connection. */
static long long query_int(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    long long v = -1;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)len + 1);
    *n = fread(b, 1, (size_t)len, f);
    fclose(f);
    return b;
}

static unrest_store_exp exp_of(uint64_t hash, const char *settings)
{
    unrest_store_exp e = {.kind = UNREST_EXP_ENSEMBLE,
                          .scenario_name = "kz",
                          .scenario_hash = hash,
                          .master_seed = 18446744073709551615ull,
                          .settings = settings,
                          .command = "unrest ensemble default"};
    return e;
}

static unrest_store_result result_of(double dead)
{
    unrest_store_result r;
    memset(&r, 0, sizeof r);
    r.error = "";
    r.elapsed_s = 0.5;
    r.agent_updates = 1234;
    r.out.peak_active = 1000;
    r.out.peak_tick = 17;
    r.out.participants = 5000;
    r.out.dead = dead;
    r.out.detained = 300;
    r.out.sites_captured = 2;
    r.out.held_at_end = 1;
    r.out.duration_hours = 96.5;
    r.out.final_legitimacy = 0.61;
    r.out.ended = 1;
    r.out.cls = UNREST_OUTCOME_SUPPRESSED;
    return r;
}

static void test_schema(void **state)
{
    (void)state;
    char p[300], err[512];
    path_in(p, sizeof p, "schema.db");
    unrest_store *s;
    assert_int_equal(unrest_store_open(&s, p, 0, 100, err, sizeof err), UNREST_OK);
    unrest_store_close(s);
    assert_int_equal(query_int(p, "PRAGMA user_version"), UNREST_STORE_SCHEMA);
    assert_int_equal(query_int(p, "SELECT count(*) FROM sqlite_master WHERE type='table' AND "
                                  "name IN ('experiment','variant','run','series')"),
                     4);
    /* reopening an existing store is fine */
    assert_int_equal(unrest_store_open(&s, p, 0, 100, err, sizeof err), UNREST_OK);
    unrest_store_close(s);
    unrest_store_close(NULL);
    /* in memory */
    assert_int_equal(unrest_store_open(&s, NULL, 0, 100, err, sizeof err), UNREST_OK);
    unrest_store_close(s);
}

static void test_experiment_resume_and_refusal(void **state)
{
    (void)state;
    char p[300], err[512];
    path_in(p, sizeof p, "exp.db");
    unrest_store *s;
    assert_int_equal(unrest_store_open(&s, p, 0, 100, err, sizeof err), UNREST_OK);
    int64_t id1, id2, id3;
    int resumed;
    unrest_store_exp e = exp_of(0xabcdef0123456789ull, "series=0");
    assert_int_equal(unrest_store_experiment(s, &e, &id1, &resumed), UNREST_OK);
    assert_int_equal(resumed, 0);
    assert_true(id1 > 0);
    assert_int_equal(unrest_store_experiment(s, &e, &id2, &resumed), UNREST_OK);
    assert_int_equal(resumed, 1);
    assert_int_equal(id1, id2);
    unrest_store_exp e2 = exp_of(0xabcdef0123456789ull, "series=1");
    assert_int_equal(unrest_store_experiment(s, &e2, &id3, &resumed), UNREST_OK);
    assert_int_equal(resumed, 0);
    assert_true(id3 != id1);
    /* the same kind and scenario name, another hash: refused, naming both hashes */
    unrest_store_exp e3 = exp_of(0x1111222233334444ull, "series=0");
    int64_t id4 = 99;
    assert_int_equal(unrest_store_experiment(s, &e3, &id4, &resumed), UNREST_ESTATE);
    assert_int_equal(id4, 0);
    assert_non_null(strstr(unrest_store_error(s), "abcdef0123456789"));
    assert_non_null(strstr(unrest_store_error(s), "1111222233334444"));
    unrest_store_close(s);
    assert_int_equal(query_int(p, "SELECT count(*) FROM experiment"), 2);
    /* the seed round-trips all 64 bits as text */
    assert_int_equal(query_int(p, "SELECT count(*) FROM experiment WHERE "
                                  "master_seed='18446744073709551615'"),
                     2);
    /* another kind may use another hash */
    assert_int_equal(unrest_store_open(&s, p, 0, 100, err, sizeof err), UNREST_OK);
    e3.kind = UNREST_EXP_SWEEP;
    assert_int_equal(unrest_store_experiment(s, &e3, &id4, &resumed), UNREST_OK);
    unrest_store_close(s);
}

static void test_runs(void **state)
{
    (void)state;
    char p[300], err[512];
    path_in(p, sizeof p, "runs.db");
    unrest_store *s;
    assert_int_equal(unrest_store_open(&s, p, 0, 100, err, sizeof err), UNREST_OK);
    int64_t exp, var, var2;
    int resumed;
    unrest_store_exp e = exp_of(42, "");
    assert_int_equal(unrest_store_experiment(s, &e, &exp, &resumed), UNREST_OK);
    assert_int_equal(unrest_store_variant(s, exp, "base", "", 42, &var), UNREST_OK);
    assert_int_equal(unrest_store_variant(s, exp, "base", "", 42, &var2), UNREST_OK);
    assert_int_equal(var, var2);
    unrest_store_key k[5];
    for (uint64_t i = 0; i < 5; i++) {
        uint64_t seed = 0xfedcba9876543210u;
        k[i] = (unrest_store_key){
            .variant_id = var, .idx = i, .point = 0, .rep = i, .seed = seed + i, .factors = ""};
    }
    assert_int_equal(unrest_store_plan(s, exp, k, 5), UNREST_OK);
    assert_int_equal(unrest_store_plan(s, exp, k, 5), UNREST_OK); /* idempotent */
    unrest_store_result r = result_of(7);
    unrest_series_row ser[2] = {{0, 0, 10, 1, 0, 0.7}, {0, 1, 20, 2, 1, 0.6}};
    const char *sites[2] = {"Almaty", "Aktau"};
    r.n_series = 2;
    r.series = ser;
    r.site_names = sites;
    assert_int_equal(unrest_store_put(s, exp, &k[1], &r), UNREST_OK);
    unrest_store_result f;
    memset(&f, 0, sizeof f);
    f.failed = 1;
    f.error = "tick 3: boom";
    assert_int_equal(unrest_store_put(s, exp, &k[3], &f), UNREST_OK);
    /* a second write of a finished run changes nothing */
    unrest_store_result r2 = result_of(999);
    assert_int_equal(unrest_store_put(s, exp, &k[1], &r2), UNREST_OK);
    unsigned char done[5];
    assert_int_equal(unrest_store_finished(s, exp, k, 5, done), UNREST_OK);
    assert_int_equal(done[0], 0);
    assert_int_equal(done[1], 1);
    assert_int_equal(done[2], 0);
    assert_int_equal(done[3], 1);
    assert_int_equal(done[4], 0);
    unrest_store_row *rows;
    size_t n;
    assert_int_equal(unrest_store_rows(s, exp, var, &rows, &n), UNREST_OK);
    assert_int_equal(n, 5);
    assert_int_equal(rows[1].status, 1);
    assert_true(rows[1].seed == (uint64_t)0xfedcba9876543211u);
    assert_true(rows[1].out.dead == 7);
    assert_true(rows[1].out.duration_hours == 96.5);
    assert_int_equal(rows[1].out.cls, UNREST_OUTCOME_SUPPRESSED);
    assert_int_equal(rows[1].out.peak_tick, 17);
    assert_int_equal(rows[3].status, 2);
    assert_int_equal(rows[0].status, 0);
    free(rows);
    unrest_store_close(s);
    assert_int_equal(query_int(p, "SELECT count(*) FROM run"), 5);
    assert_int_equal(query_int(p, "SELECT count(*) FROM series"), 2);
    assert_int_equal(query_int(p, "SELECT count(*) FROM run WHERE status='failed' AND "
                                  "error='tick 3: boom' AND dead IS NULL"),
                     1);
    assert_int_equal(query_int(p, "SELECT dead FROM run WHERE idx=1"), 7);
}

static void test_locked(void **state)
{
    (void)state;
    char p[300], err[512];
    path_in(p, sizeof p, "locked.db");
    unrest_store *s;
    assert_int_equal(unrest_store_open(&s, p, 0, 100, err, sizeof err), UNREST_OK);
    int64_t exp, var;
    int resumed;
    unrest_store_exp e = exp_of(42, "");
    assert_int_equal(unrest_store_experiment(s, &e, &exp, &resumed), UNREST_OK);
    assert_int_equal(unrest_store_variant(s, exp, "base", "", 42, &var), UNREST_OK);
    unrest_store_key k = {.variant_id = var, .idx = 0, .seed = 5, .factors = ""};
    assert_int_equal(unrest_store_plan(s, exp, &k, 1), UNREST_OK);

    /* another connection holds the write lock */
    sqlite3 *other;
    assert_int_equal(sqlite3_open(p, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    unrest_store_result r = result_of(3);
    assert_int_equal(unrest_store_put(s, exp, &k, &r), UNREST_EIO);
    assert_non_null(strstr(unrest_store_error(s), "locked"));
    /* a new experiment cannot start either, and a second handle reports it too */
    unrest_store_exp e2 = exp_of(42, "other");
    int64_t id;
    assert_int_equal(unrest_store_experiment(s, &e2, &id, &resumed), UNREST_EIO);
    unrest_store *s2;
    assert_int_equal(unrest_store_open(&s2, p, 0, 50, err, sizeof err), UNREST_OK);
    assert_int_equal(unrest_store_experiment(s2, &e2, &id, &resumed), UNREST_EIO);
    assert_non_null(strstr(unrest_store_error(s2), "locked"));
    unrest_store_close(s2);
    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    /* nothing torn: the run is still pending and can be written now */
    unsigned char done;
    assert_int_equal(unrest_store_finished(s, exp, &k, 1, &done), UNREST_OK);
    assert_int_equal(done, 0);
    assert_int_equal(unrest_store_put(s, exp, &k, &r), UNREST_OK);
    assert_int_equal(unrest_store_finished(s, exp, &k, 1, &done), UNREST_OK);
    assert_int_equal(done, 1);
    unrest_store_close(s);
    assert_int_equal(query_int(p, "SELECT count(*) FROM experiment"), 1);

    /* a new database while another process holds a lock on a file of that name: the schema
     * transaction fails and the half-made file is not left behind as ours */
}

static void test_bad_paths(void **state)
{
    (void)state;
    char p[300], err[512];
    unrest_store *s = (unrest_store *)1;
    /* a folder that does not exist: nothing created */
    path_in(p, sizeof p, "nope/x.db");
    assert_int_equal(unrest_store_open(&s, p, 0, 100, err, sizeof err), UNREST_EIO);
    assert_null(s);
    assert_non_null(strstr(err, "does not exist"));
    /* a folder where the file should be */
    path_in(p, sizeof p, "adir");
    assert_int_equal(mkdir(p, 0755), 0);
    assert_int_equal(unrest_store_open(&s, p, 0, 100, err, sizeof err), UNREST_EIO);
    assert_non_null(strstr(err, "not a regular file"));
    /* not a database: refused, file unchanged */
    path_in(p, sizeof p, "text.db");
    FILE *f = fopen(p, "w");
    fputs("this is not a database, it is a text file of some length to look like one......\n", f);
    fclose(f);
    size_t n0, n1;
    unsigned char *b0 = slurp(p, &n0);
    assert_int_not_equal(unrest_store_open(&s, p, 0, 100, err, sizeof err), UNREST_OK);
    unsigned char *b1 = slurp(p, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(b0, b1, n0);
    free(b0);
    free(b1);
    /* another application's SQLite database: refused, unchanged */
    path_in(p, sizeof p, "other.db");
    sqlite3 *db;
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    b0 = slurp(p, &n0);
    assert_int_equal(unrest_store_open(&s, p, 0, 100, err, sizeof err), UNREST_EINVAL);
    assert_non_null(strstr(err, "not an unrest results database"));
    b1 = slurp(p, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(b0, b1, n0);
    free(b0);
    free(b1);
    /* read-only open of a missing file */
    path_in(p, sizeof p, "missing.db");
    assert_int_equal(unrest_store_open(&s, p, UNREST_STORE_READONLY, 100, err, sizeof err),
                     UNREST_EIO);
    assert_int_not_equal(access(p, F_OK), 0);
}

static void test_refusal_leaves_file_identical(void **state)
{
    (void)state;
    char p[300], err[512];
    path_in(p, sizeof p, "same.db");
    unrest_store *s;
    int64_t id;
    int resumed;
    assert_int_equal(unrest_store_open(&s, p, 0, 100, err, sizeof err), UNREST_OK);
    unrest_store_exp e = exp_of(1, "");
    assert_int_equal(unrest_store_experiment(s, &e, &id, &resumed), UNREST_OK);
    unrest_store_close(s);
    size_t n0, n1;
    unsigned char *b0 = slurp(p, &n0);
    assert_int_equal(unrest_store_open(&s, p, 0, 100, err, sizeof err), UNREST_OK);
    unrest_store_exp e2 = exp_of(2, "");
    assert_int_equal(unrest_store_experiment(s, &e2, &id, &resumed), UNREST_ESTATE);
    unrest_store_close(s);
    unsigned char *b1 = slurp(p, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(b0, b1, n0);
    free(b0);
    free(b1);
}

static void test_export(void **state)
{
    (void)state;
    char p[300], csv[300], err[512];
    path_in(p, sizeof p, "export.db");
    path_in(csv, sizeof csv, "export.csv");
    unrest_store *s;
    assert_int_equal(unrest_store_open(&s, p, 0, 100, err, sizeof err), UNREST_OK);
    int64_t exp, var;
    int resumed;
    unrest_store_exp e = exp_of(9, "design=full");
    e.kind = UNREST_EXP_SWEEP;
    assert_int_equal(unrest_store_experiment(s, &e, &exp, &resumed), UNREST_OK);
    assert_int_equal(unrest_store_variant(s, exp, "base", "", 9, &var), UNREST_OK);
    unrest_store_key k[2] = {
        {.variant_id = var, .idx = 0, .point = 0, .seed = 1, .factors = "a.b=0.5;c=2"},
        {.variant_id = var, .idx = 1, .point = 1, .seed = 1, .factors = "a.b=0.75;c=3"}};
    assert_int_equal(unrest_store_plan(s, exp, k, 2), UNREST_OK);
    unrest_store_result r = result_of(11);
    assert_int_equal(unrest_store_put(s, exp, &k[0], &r), UNREST_OK);
    unrest_store_close(s);

    assert_int_equal(unrest_store_open(&s, p, UNREST_STORE_READONLY, 100, err, sizeof err),
                     UNREST_OK);
    FILE *f = fopen(csv, "w");
    assert_int_equal(unrest_store_export(s, exp, UNREST_EXPORT_RUNS, f), UNREST_OK);
    fclose(f);
    f = fopen(csv, "w");
    assert_int_equal(unrest_store_export(s, exp + 100, UNREST_EXPORT_RUNS, f), UNREST_EUNKNOWN);
    fclose(f);
    f = fopen(csv, "w");
    assert_int_equal(unrest_store_export(s, 0, UNREST_EXPORT_RUNS, f), UNREST_OK);
    fclose(f);
    unrest_store_close(s);
    size_t n;
    char *t = (char *)slurp(csv, &n);
    t[n] = '\0';
    assert_non_null(strstr(t, "experiment,kind,scenario,scenario_hash,variant,idx,point,rep,"
                              "seed,status,a.b,c,peak_active,"));
    assert_non_null(strstr(t, ",done,0.5,2,1000,17,"));
    assert_non_null(strstr(t, ",pending,0.75,3,,"));
    int lines = 0;
    for (char *c = t; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 3);
    free(t);
}

/* ---- calibrations ---------------------------------------------------------------------------- */

/* A store that never held a calibration has exactly the experiment tables; the first
 * calibration adds its own (in a database that already holds experiments, which stay as they
 * are); the same identity resumes; runs, outputs, waves, generations and the posterior round
 * trip; failed runs and missing ones are told apart; a posterior is found by id or as the
 * latest finished one. */
static void test_calibration(void **state)
{
    (void)state;
    char p[300], err[512];
    path_in(p, sizeof p, "cal.db");
    unrest_store *s;
    assert_int_equal(unrest_store_open(&s, p, 0, 100, err, sizeof err), UNREST_OK);
    unrest_store_exp e = exp_of(7, "runs=1");
    int64_t exp, id, id2;
    int resumed;
    assert_int_equal(unrest_store_experiment(s, &e, &exp, &resumed), UNREST_OK);
    assert_int_equal(query_int(p, "SELECT count(*) FROM sqlite_master WHERE type='table' AND "
                                  "name LIKE 'cal%'"),
                     0);
    /* no calibration yet: the posterior reader says so */
    char **th;
    double *w;
    size_t n;
    assert_int_equal(unrest_store_cal_posterior_get(s, 0, &id, &th, &w, &n), UNREST_EUNKNOWN);
    unrest_cal_param par[2] = {{.path = "legitimacy.initial", .lo = 0.8, .hi = 0.99},
                               {.path = "hardship.sigma", .lo = 0.3, .hi = 2, .log = 1}};
    unrest_cal_target tg[1];
    memset(tg, 0, sizeof tg);
    snprintf(tg[0].name, sizeof tg[0].name, "almaty-peak");
    snprintf(tg[0].place, sizeof tg[0].place, "Almaty");
    tg[0].quantity = UNREST_CAL_PEAK_ACTIVE;
    tg[0].kind = UNREST_CAL_COUNT;
    tg[0].from = 1640973600;
    tg[0].to = tg[0].from + 86400;
    tg[0].value = 5000;
    tg[0].low = 5000;
    tg[0].high = 50000;
    tg[0].grade = 'C';
    double z = 9, vo = 0.3, vm = 0.03;
    unrest_store_cal c = {.scenario_name = "kz",
                          .scenario_hash = 7,
                          .master_seed = 1,
                          .settings = "points=10",
                          .command = "unrest calibrate"};
    assert_int_equal(unrest_store_calibration(s, &c, par, 2, tg, 1, &z, &vo, &vm, &id, &resumed),
                     UNREST_OK);
    assert_int_equal(resumed, 0);
    assert_int_equal(unrest_store_calibration(s, &c, par, 2, tg, 1, &z, &vo, &vm, &id2, &resumed),
                     UNREST_OK);
    assert_int_equal(resumed, 1);
    assert_int_equal(id2, id);
    c.settings = "points=20";
    assert_int_equal(unrest_store_calibration(s, &c, par, 2, tg, 1, &z, &vo, &vm, &id2, &resumed),
                     UNREST_OK);
    assert_int_equal(resumed, 0);
    assert_true(id2 != id);
    /* runs */
    double out[3] = {1, 2.5, 0}, back[3];
    unrest_store_cal_run r = {.stage = "wave",
                              .step = 1,
                              .point = 4,
                              .rep = 2,
                              .seed = 18446744073709551615ull,
                              .theta = "a=1;b=2",
                              .error = "",
                              .elapsed_s = 0.25,
                              .out = out,
                              .m = 3};
    assert_int_equal(unrest_store_cal_put(s, id, &r), UNREST_OK);
    out[1] = 99; /* a second write of the same run is ignored */
    assert_int_equal(unrest_store_cal_put(s, id, &r), UNREST_OK);
    int found, failed;
    assert_int_equal(unrest_store_cal_get(s, id, "wave", 1, 4, 2, back, 3, &found, &failed),
                     UNREST_OK);
    assert_true(found && !failed);
    assert_true(back[0] == 1 && back[1] == 2.5 && back[2] == 0);
    assert_int_equal(unrest_store_cal_get(s, id, "wave", 1, 4, 3, back, 3, &found, &failed),
                     UNREST_OK);
    assert_false(found);
    assert_int_equal(unrest_store_cal_get(s, id2, "wave", 1, 4, 2, back, 3, &found, &failed),
                     UNREST_OK);
    assert_false(found);
    r.rep = 3;
    r.failed = 1;
    r.error = "world could not be built";
    assert_int_equal(unrest_store_cal_put(s, id, &r), UNREST_OK);
    assert_int_equal(unrest_store_cal_get(s, id, "wave", 1, 4, 3, back, 3, &found, &failed),
                     UNREST_OK);
    assert_true(found && failed);
    assert_int_equal(query_int(p, "SELECT count(*) FROM cal_output"), 3);
    assert_int_equal(query_int(p, "SELECT count(*) FROM cal_run WHERE seed = "
                                  "'18446744073709551615'"),
                     2);
    /* points, waves, generations */
    assert_int_equal(unrest_store_cal_point(s, id, 1, 4, "a=1;b=2", 2.5, 1), UNREST_OK);
    unrest_cal_wave wv = {.wave = 1, .points = 10, .runs = 40, .nroy = 0.25, .em_ratio = NAN};
    assert_int_equal(unrest_store_cal_wave(s, id, &wv, "almaty-peak: s2=1"), UNREST_OK);
    const char *pt[2] = {"a=1;b=2", "a=3;b=4"};
    double pw[2] = {0.25, 0.75}, pd[2] = {1.5, 0.5};
    unrest_cal_generation g = {.gen = 0, .eps = HUGE_VAL, .simulated = 2, .accepted = 2};
    assert_int_equal(unrest_store_cal_generation(s, id, &g, pt, pw, pd, 2), UNREST_OK);
    assert_int_equal(query_int(p, "SELECT count(*) FROM cal_particle"), 2);
    assert_int_equal(query_int(p, "SELECT count(*) FROM cal_wave WHERE em_ratio IS NULL"), 1);
    assert_int_equal(query_int(p, "SELECT count(*) FROM cal_generation WHERE eps IS NULL"), 1);
    assert_int_equal(query_int(p, "SELECT log FROM cal_param WHERE idx = 1"), 1);
    assert_int_equal(query_int(p, "SELECT count(*) FROM cal_target WHERE name = 'almaty-peak' "
                                  "AND quantity = 'peak_active' AND grade = 'C'"),
                     2);
    /* the posterior: none finished yet, then calibration id's */
    assert_int_equal(unrest_store_cal_posterior_get(s, 0, &id2, &th, &w, &n), UNREST_EUNKNOWN);
    assert_int_equal(unrest_store_cal_posterior_put(s, id, pt, pw, 2), UNREST_OK);
    assert_int_equal(unrest_store_cal_posterior_put(s, id, pt, pw, 2), UNREST_OK); /* replaced */
    assert_int_equal(unrest_store_cal_posterior_get(s, 0, &id2, &th, &w, &n), UNREST_OK);
    assert_int_equal(id2, id);
    assert_int_equal(n, 2);
    assert_string_equal(th[1], "a=3;b=4");
    assert_true(w[0] == 0.25);
    for (size_t i = 0; i < n; i++)
        free(th[i]);
    free(th);
    free(w);
    assert_int_equal(query_int(p, "SELECT status = 'done' FROM calibration WHERE id = 1"), 1);
    /* through calibrate.h: load and draw */
    unrest_cal_posterior *post;
    assert_int_equal(unrest_calibrate_posterior_load(s, id, &post, err, sizeof err), UNREST_OK);
    double t0[2];
    char f[64];
    size_t ones = 0;
    for (uint64_t i = 0; i < 400; i++) {
        assert_int_equal(unrest_calibrate_posterior_draw(post, 5, i, t0, f, sizeof f), UNREST_OK);
        ones += t0[0] == 3;
    }
    /* weight 0.75: 300 of 400 expected, binomial sd 8.7; allow 4 sd */
    assert_true(ones > 265 && ones < 335);
    unrest_calibrate_posterior_free(post);
    assert_int_equal(unrest_calibrate_posterior_load(s, id + 1, &post, err, sizeof err),
                     UNREST_EUNKNOWN);
    unrest_store_close(s);
    /* the experiment is still there, untouched */
    assert_int_equal(query_int(p, "SELECT count(*) FROM experiment"), 1);
    assert_int_equal(query_int(p, "PRAGMA user_version"), UNREST_STORE_SCHEMA);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema),    cmocka_unit_test(test_experiment_resume_and_refusal),
        cmocka_unit_test(test_runs),      cmocka_unit_test(test_locked),
        cmocka_unit_test(test_bad_paths), cmocka_unit_test(test_refusal_leaves_file_identical),
        cmocka_unit_test(test_export),    cmocka_unit_test(test_calibration),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
