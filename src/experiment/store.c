/*
 * store.c - the SQLite results store (store.h). Bounds: one connection per handle, used by one
 * thread; every write is a transaction (schema creation, the plan of an experiment, each
 * finished run with its series), so a reader or a crash never sees half a run. Seeds are
 * stored as decimal text because they use all 64 bits and SQLite integers are signed.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "unrest/calibrate.h"
#include "unrest/store.h"

struct unrest_store {
    sqlite3 *db;               /* the connection */
    char path[1024];           /* as given, for messages */
    sqlite3_stmt *put;         /* UPDATE run ... WHERE status = 'pending' */
    sqlite3_stmt *put_ins;     /* INSERT OR IGNORE run (a run that was not planned) */
    sqlite3_stmt *put_series;  /* INSERT OR REPLACE series */
    sqlite3_stmt *cal_run;     /* INSERT OR IGNORE cal_run (prepared on first use) */
    sqlite3_stmt *cal_out;     /* INSERT OR IGNORE cal_output */
    sqlite3_stmt *cal_get;     /* SELECT cal_run status */
    sqlite3_stmt *cal_get_out; /* SELECT cal_output values */
    int ext;                   /* run has the columns of ext_cols (added by a migration) */
    char err[1024];            /* last error */
};

/* Columns of run added after the first schema (still user_version 1: an older unrest ignores
 * them). A store made before them gets them by ALTER TABLE when it is opened for writing; its
 * older rows hold NULL there, read back as "not stored" (unrest_store_row.legacy). */
static const char *const ext_cols[] = {
    "security_dead REAL",   "security_injured REAL", "injured REAL",         "fell_at INTEGER",
    "civil_war_at INTEGER", "foreign_gov_dead REAL", "foreign_opp_dead REAL"};
#define N_EXT (sizeof ext_cols / sizeof ext_cols[0])

static const char *const kind_names[UNREST_EXP_KIND_COUNT] = {"ensemble", "compare", "sweep",
                                                              "sensitivity"};

const char *unrest_exp_kind_name(unrest_exp_kind k)
{
    return (unsigned)k < UNREST_EXP_KIND_COUNT ? kind_names[k] : "unknown";
}

/* The schema (docs/EXPERIMENTS.md describes it for users). */
static const char schema_sql[] =
    "CREATE TABLE experiment (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  kind TEXT NOT NULL CHECK (kind IN ('ensemble','compare','sweep','sensitivity')),\n"
    "  scenario_name TEXT NOT NULL,\n"
    "  scenario_hash TEXT NOT NULL,\n"
    "  master_seed TEXT NOT NULL,\n"
    "  created TEXT NOT NULL,\n"
    "  command TEXT NOT NULL,\n"
    "  settings TEXT NOT NULL,\n"
    "  version TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE variant (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  experiment_id INTEGER NOT NULL REFERENCES experiment(id),\n"
    "  name TEXT NOT NULL,\n"
    "  settings TEXT NOT NULL,\n"
    "  scenario_hash TEXT NOT NULL,\n"
    "  UNIQUE (experiment_id, name)\n"
    ");\n"
    "CREATE TABLE run (\n"
    "  experiment_id INTEGER NOT NULL REFERENCES experiment(id),\n"
    "  variant_id INTEGER NOT NULL REFERENCES variant(id),\n"
    "  idx INTEGER NOT NULL,\n"
    "  point INTEGER NOT NULL,\n"
    "  rep INTEGER NOT NULL,\n"
    "  seed TEXT NOT NULL,\n"
    "  status TEXT NOT NULL CHECK (status IN ('pending','done','failed')),\n"
    "  factors TEXT NOT NULL,\n"
    "  error TEXT,\n"
    "  elapsed_s REAL,\n"
    "  agent_updates INTEGER,\n"
    "  peak_active REAL,\n"
    "  peak_tick INTEGER,\n"
    "  participants REAL,\n"
    "  dead REAL,\n"
    "  detained REAL,\n"
    "  sites_captured INTEGER,\n"
    "  held_at_end INTEGER,\n"
    "  duration_hours REAL,\n"
    "  final_legitimacy REAL,\n"
    "  ended INTEGER,\n"
    "  class TEXT,\n"
    "  security_dead REAL,\n"
    "  security_injured REAL,\n"
    "  injured REAL,\n"
    "  fell_at INTEGER,\n"
    "  civil_war_at INTEGER,\n"
    "  foreign_gov_dead REAL,\n"
    "  foreign_opp_dead REAL,\n"
    "  UNIQUE (experiment_id, variant_id, idx)\n"
    ");\n"
    "CREATE TABLE series (\n"
    "  experiment_id INTEGER NOT NULL REFERENCES experiment(id),\n"
    "  variant_id INTEGER NOT NULL REFERENCES variant(id),\n"
    "  idx INTEGER NOT NULL,\n"
    "  day INTEGER NOT NULL,\n"
    "  site TEXT NOT NULL,\n"
    "  active_peak REAL,\n"
    "  detained REAL,\n"
    "  dead REAL,\n"
    "  legitimacy REAL,\n"
    "  PRIMARY KEY (experiment_id, variant_id, idx, day, site)\n"
    ");\n"
    "PRAGMA user_version = 1;\n";

static void set_err(unrest_store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(unrest_store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
}

/* An SQLite failure as a status and a message naming the database. BUSY and LOCKED become
 * "locked", so that callers can say so plainly. */
static unrest_status db_fail(unrest_store *s, int rc, const char *what)
{
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        set_err(s, "%s: database is locked by another connection (%s)", s->path, what);
    else if (rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN || rc == SQLITE_PERM)
        set_err(s, "%s: cannot write the database (%s: %s)", s->path, what, sqlite3_errmsg(s->db));
    else
        set_err(s, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
    return UNREST_EIO;
}

static unrest_status exec(unrest_store *s, const char *sql, const char *what)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? UNREST_OK : db_fail(s, rc, what);
}

static void rollback(unrest_store *s)
{
    if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static unrest_status prepare(unrest_store *s, const char *sql, sqlite3_stmt **st)
{
    int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
    return rc == SQLITE_OK ? UNREST_OK : db_fail(s, rc, "prepare");
}

static void hex64(uint64_t v, char out[17])
{
    snprintf(out, 17, "%016" PRIx64, v);
}

static void dec64(uint64_t v, char out[21])
{
    snprintf(out, 21, "%" PRIu64, v);
}

static uint64_t col_u64(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strtoull((const char *)t, NULL, 10) : 0;
}

/* The integer a one-row query returns (an SQLite result code). */
static int query_int(unrest_store *s, const char *sql, int *v)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *v = sqlite3_column_int(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Check that path can be used before SQLite creates anything: *exists says whether the file
 * is there already. */
static int check_path(const char *path, unsigned flags, int *exists, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        *exists = 1;
        if (!S_ISREG(st.st_mode)) {
            snprintf(err, errlen, "%s: not a regular file", path);
            return -1;
        }
        int mode = (flags & UNREST_STORE_READONLY) ? R_OK : R_OK | W_OK;
        if (access(path, mode) != 0) {
            snprintf(err, errlen, "%s: cannot %s the database: %s", path,
                     mode == R_OK ? "read" : "write", strerror(errno));
            return -1;
        }
        return 0;
    }
    *exists = 0;
    if (errno != ENOENT) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (flags & UNREST_STORE_READONLY) {
        snprintf(err, errlen, "%s: no such database", path);
        return -1;
    }
    char dir[1024];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: folder '%s' does not exist", path, dir);
        return -1;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "%s: cannot create the database in '%s': %s", path, dir,
                 strerror(errno));
        return -1;
    }
    return 0;
}

/* Switch to WAL. Another process opening the same new file at the same moment may hold the lock
 * the switch needs, and SQLite's busy handler does not wait for it: retry for up to busy_ms. */
static unrest_status set_wal(unrest_store *s, int busy_ms)
{
    for (int waited = 0;; waited += 10) {
        int rc = sqlite3_exec(s->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
        if (rc == SQLITE_OK) return UNREST_OK;
        if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited >= busy_ms)
            return db_fail(s, rc, "set journal mode");
        sqlite3_sleep(10);
    }
}

static void remove_created(const char *path)
{
    char aux[1100];
    remove(path);
    snprintf(aux, sizeof aux, "%s-wal", path);
    remove(aux);
    snprintf(aux, sizeof aux, "%s-shm", path);
    remove(aux);
    snprintf(aux, sizeof aux, "%s-journal", path);
    remove(aux);
}

/* Which of ext_cols run lacks: a bit per column in *missing. */
static int ext_missing(unrest_store *s, unsigned *missing)
{
    sqlite3_stmt *st;
    *missing = (1u << N_EXT) - 1;
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA table_info(run)", -1, &st, NULL);
    if (rc != SQLITE_OK) return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 1);
        for (size_t c = 0; name && c < N_EXT; c++) {
            size_t len = strcspn(ext_cols[c], " ");
            if (strlen(name) == len && !strncmp(name, ext_cols[c], len)) *missing &= ~(1u << c);
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Add the ext columns a store made before them lacks (read-write handles), in one transaction;
 * a read-only handle only notes whether they are there. */
static unrest_status migrate(unrest_store *s, int writable)
{
    unsigned missing;
    int rc = ext_missing(s, &missing);
    if (rc != SQLITE_OK) return db_fail(s, rc, "read schema");
    if (!missing || !writable) {
        s->ext = !missing;
        return UNREST_OK;
    }
    unrest_status st = exec(s, "BEGIN IMMEDIATE", "add columns to run");
    if (st != UNREST_OK) return st;
    /* another process may have added them while this one waited for the lock */
    if ((rc = ext_missing(s, &missing)) != SQLITE_OK) {
        rollback(s);
        return db_fail(s, rc, "read schema");
    }
    for (size_t c = 0; c < N_EXT; c++) {
        if (!(missing & (1u << c))) continue;
        char sql[128];
        snprintf(sql, sizeof sql, "ALTER TABLE run ADD COLUMN %s", ext_cols[c]);
        if ((st = exec(s, sql, "add columns to run")) != UNREST_OK) {
            rollback(s);
            return st;
        }
    }
    if ((st = exec(s, "COMMIT", "add columns to run")) != UNREST_OK) {
        rollback(s);
        return st;
    }
    s->ext = 1;
    return UNREST_OK;
}

unrest_status unrest_store_open(unrest_store **out, const char *path, unsigned flags, int busy_ms,
                                char *err, size_t errlen)
{
    char dummy[8];
    if (!err) {
        err = dummy;
        errlen = sizeof dummy;
    }
    *out = NULL;
    int memory = !path || !strcmp(path, ":memory:");
    if (memory) path = ":memory:";
    if (strlen(path) >= sizeof((unrest_store *)0)->path) {
        snprintf(err, errlen, "database path too long");
        return UNREST_EINVAL;
    }
    int exists = 0;
    if (!memory && check_path(path, flags, &exists, err, errlen)) return UNREST_EIO;

    unrest_store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return UNREST_ENOMEM;
    }
    snprintf(s->path, sizeof s->path, "%s", path);
    int created = !memory && !exists;
    int oflags = (flags & UNREST_STORE_READONLY) ? SQLITE_OPEN_READONLY
                                                 : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    unrest_status st = UNREST_OK;
    int rc = sqlite3_open_v2(path, &s->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        st = db_fail(s, rc, "open");
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 0);
    sqlite3_busy_timeout(s->db, busy_ms < 0 ? 0 : busy_ms);

    int ntab = 0, ver = 0;
    /* tables: 0 for a new or empty file */
    if ((rc = query_int(s, "SELECT count(*) FROM sqlite_master WHERE type='table'", &ntab)) !=
            SQLITE_OK ||
        (rc = query_int(s, "PRAGMA user_version", &ver)) != SQLITE_OK) {
        if (rc == SQLITE_NOTADB) {
            set_err(s, "%s: not an SQLite database", path);
            st = UNREST_EINVAL;
        } else {
            st = db_fail(s, rc, "read schema");
        }
        goto fail;
    }
    if (ntab > 0 && ver != UNREST_STORE_SCHEMA) {
        set_err(s, "%s: not an unrest results database (user_version %d, expected %d)", path, ver,
                UNREST_STORE_SCHEMA);
        st = UNREST_EINVAL;
        goto fail;
    }
    if (ntab == 0 && (flags & UNREST_STORE_READONLY)) {
        set_err(s, "%s: not an unrest results database (no tables)", path);
        st = UNREST_EINVAL;
        goto fail;
    }
    if (!(flags & UNREST_STORE_READONLY)) {
        /* WAL: readers never block the writer; NORMAL: a commit survives a killed process
         * (the OS holds it) and power loss can only drop the latest runs, never tear one. */
        if (!memory && (st = set_wal(s, busy_ms)) != UNREST_OK) goto fail;
        if ((st = exec(s, "PRAGMA synchronous=NORMAL", "set synchronous")) != UNREST_OK) goto fail;
        if (ntab == 0) {
            /* several processes may open a new file at once (terminals, a job array): the
             * first to hold the write lock creates the schema; the others find it made when
             * they get the lock, and check it instead of creating it again */
            if ((st = exec(s, "BEGIN IMMEDIATE", "create schema")) != UNREST_OK) goto fail;
            if ((rc = query_int(s, "SELECT count(*) FROM sqlite_master WHERE type='table'",
                                &ntab)) != SQLITE_OK ||
                (rc = query_int(s, "PRAGMA user_version", &ver)) != SQLITE_OK) {
                st = db_fail(s, rc, "read schema");
                goto fail;
            }
            if (ntab > 0 && ver != UNREST_STORE_SCHEMA) {
                set_err(s, "%s: not an unrest results database (user_version %d, expected %d)",
                        path, ver, UNREST_STORE_SCHEMA);
                st = UNREST_EINVAL;
                goto fail;
            }
            if (ntab == 0 && (st = exec(s, schema_sql, "create schema")) != UNREST_OK) goto fail;
            if ((st = exec(s, "COMMIT", "create schema")) != UNREST_OK) goto fail;
        }
        if ((st = migrate(s, 1)) != UNREST_OK) goto fail;
        if ((st = prepare(s,
                          "UPDATE run SET status=?4, error=?5, elapsed_s=?6, agent_updates=?7, "
                          "peak_active=?8, peak_tick=?9, participants=?10, dead=?11, "
                          "detained=?12, sites_captured=?13, held_at_end=?14, "
                          "duration_hours=?15, final_legitimacy=?16, ended=?17, class=?18, "
                          "security_dead=?19, security_injured=?20, injured=?21, fell_at=?22, "
                          "civil_war_at=?23, foreign_gov_dead=?24, foreign_opp_dead=?25 "
                          "WHERE experiment_id=?1 AND variant_id=?2 AND idx=?3 AND "
                          "status='pending'",
                          &s->put)) != UNREST_OK ||
            (st = prepare(s,
                          "INSERT OR IGNORE INTO run (experiment_id, variant_id, idx, point, rep, "
                          "seed, status, factors) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7)",
                          &s->put_ins)) != UNREST_OK ||
            (st = prepare(s,
                          "INSERT OR REPLACE INTO series (experiment_id, variant_id, idx, day, "
                          "site, active_peak, detained, dead, legitimacy) VALUES "
                          "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                          &s->put_series)) != UNREST_OK)
            goto fail;
    } else if ((st = migrate(s, 0)) != UNREST_OK) {
        goto fail;
    }
    *out = s;
    return UNREST_OK;
fail:
    snprintf(err, errlen, "%s", s->err);
    rollback(s);
    unrest_store_close(s);
    if (created) remove_created(path);
    return st;
}

void unrest_store_close(unrest_store *s)
{
    if (!s) return;
    sqlite3_finalize(s->put);
    sqlite3_finalize(s->put_ins);
    sqlite3_finalize(s->put_series);
    sqlite3_finalize(s->cal_run);
    sqlite3_finalize(s->cal_out);
    sqlite3_finalize(s->cal_get);
    sqlite3_finalize(s->cal_get_out);
    sqlite3_close(s->db);
    free(s);
}

const char *unrest_store_error(const unrest_store *s)
{
    return s ? s->err : "";
}

unrest_status unrest_store_experiment(unrest_store *s, const unrest_store_exp *e, int64_t *id,
                                      int *resumed)
{
    char hash[17], seed[21];
    hex64(e->scenario_hash, hash);
    dec64(e->master_seed, seed);
    const char *kind = unrest_exp_kind_name(e->kind);
    sqlite3_stmt *st = NULL;
    unrest_status r;
    *id = 0;
    *resumed = 0;
    /* the write lock first, so that a locked database is refused before anything changes */
    if ((r = exec(s, "BEGIN IMMEDIATE", "start experiment")) != UNREST_OK) return r;
    if ((r = prepare(s,
                     "SELECT scenario_hash FROM experiment WHERE kind=?1 AND scenario_name=?2 "
                     "AND scenario_hash<>?3 LIMIT 1",
                     &st)) != UNREST_OK)
        goto fail;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, e->scenario_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        set_err(s,
                "%s was made for another scenario: its %s of '%s' has scenario hash %s, this "
                "scenario's hash is %s (use another --db, or the scenario it was made for)",
                s->path, kind, e->scenario_name, (const char *)sqlite3_column_text(st, 0), hash);
        r = UNREST_ESTATE;
        goto fail;
    }
    if (rc != SQLITE_DONE) {
        r = db_fail(s, rc, "find experiment");
        goto fail;
    }
    sqlite3_finalize(st);
    if ((r = prepare(s,
                     "SELECT id FROM experiment WHERE kind=?1 AND scenario_hash=?2 AND "
                     "master_seed=?3 AND settings=?4 ORDER BY id LIMIT 1",
                     &st)) != UNREST_OK)
        goto fail;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, seed, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, e->settings, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        *resumed = 1;
        sqlite3_finalize(st);
        return exec(s, "COMMIT", "start experiment");
    }
    if (rc != SQLITE_DONE) {
        r = db_fail(s, rc, "find experiment");
        goto fail;
    }
    sqlite3_finalize(st);
    if ((r = prepare(s,
                     "INSERT INTO experiment (kind, scenario_name, scenario_hash, master_seed, "
                     "created, command, settings, version) VALUES (?1, ?2, ?3, ?4, "
                     "strftime('%Y-%m-%dT%H:%M:%SZ','now'), ?5, ?6, ?7)",
                     &st)) != UNREST_OK)
        goto fail;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, e->scenario_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, seed, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, e->command ? e->command : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, e->settings, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, UNREST_VERSION, -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
        r = db_fail(s, rc, "create experiment");
        goto fail;
    }
    sqlite3_finalize(st);
    *id = sqlite3_last_insert_rowid(s->db);
    return exec(s, "COMMIT", "create experiment");
fail:
    sqlite3_finalize(st);
    rollback(s);
    *id = 0;
    return r;
}

unrest_status unrest_store_variant(unrest_store *s, int64_t exp, const char *name,
                                   const char *settings, uint64_t scenario_hash, int64_t *id)
{
    char hash[17];
    hex64(scenario_hash, hash);
    sqlite3_stmt *st = NULL;
    unrest_status r;
    if ((r = prepare(s,
                     "INSERT OR IGNORE INTO variant (experiment_id, name, settings, "
                     "scenario_hash) VALUES (?1, ?2, ?3, ?4)",
                     &st)) != UNREST_OK)
        return r;
    sqlite3_bind_int64(st, 1, exp);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, settings, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, hash, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return db_fail(s, rc, "create variant");
    if ((r = prepare(s, "SELECT id FROM variant WHERE experiment_id=?1 AND name=?2", &st)) !=
        UNREST_OK)
        return r;
    sqlite3_bind_int64(st, 1, exp);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? UNREST_OK : db_fail(s, rc, "find variant");
}

static int bind_key(sqlite3_stmt *st, int64_t exp, const unrest_store_key *k, char seed[21])
{
    dec64(k->seed, seed);
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, exp);
    sqlite3_bind_int64(st, 2, k->variant_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)k->idx);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)k->point);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)k->rep);
    sqlite3_bind_text(st, 6, seed, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, k->factors ? k->factors : "", -1, SQLITE_TRANSIENT);
    return sqlite3_step(st);
}

unrest_status unrest_store_plan(unrest_store *s, int64_t exp, const unrest_store_key *keys,
                                size_t n)
{
    unrest_status r;
    if (!s->put_ins) {
        set_err(s, "%s: opened read-only", s->path);
        return UNREST_ESTATE;
    }
    if ((r = exec(s, "BEGIN IMMEDIATE", "plan runs")) != UNREST_OK) return r;
    for (size_t i = 0; i < n; i++) {
        char seed[21];
        int rc = bind_key(s->put_ins, exp, &keys[i], seed);
        if (rc != SQLITE_DONE) {
            r = db_fail(s, rc, "plan runs");
            sqlite3_reset(s->put_ins);
            rollback(s);
            return r;
        }
    }
    sqlite3_reset(s->put_ins);
    if ((r = exec(s, "COMMIT", "plan runs")) != UNREST_OK) rollback(s);
    return r;
}

unrest_status unrest_store_finished(unrest_store *s, int64_t exp, const unrest_store_key *keys,
                                    size_t n, unsigned char *done)
{
    sqlite3_stmt *st;
    unrest_status r;
    if ((r = prepare(s,
                     "SELECT status<>'pending' FROM run WHERE experiment_id=?1 AND "
                     "variant_id=?2 AND idx=?3",
                     &st)) != UNREST_OK)
        return r;
    if ((r = exec(s, "BEGIN", "read runs")) != UNREST_OK) {
        sqlite3_finalize(st);
        return r;
    }
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, exp);
        sqlite3_bind_int64(st, 2, keys[i].variant_id);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)keys[i].idx);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            done[i] = (unsigned char)(sqlite3_column_int(st, 0) != 0);
        else if (rc == SQLITE_DONE)
            done[i] = 0;
        else {
            r = db_fail(s, rc, "read runs");
            break;
        }
    }
    sqlite3_finalize(st);
    if (r == UNREST_OK) return exec(s, "COMMIT", "read runs");
    rollback(s);
    return r;
}

/* One run's rows inside the caller's transaction; on failure the statements are reset and
 * the caller rolls back. */
static unrest_status put_one(unrest_store *s, int64_t exp, const unrest_store_key *key,
                             const unrest_store_result *res)
{
    unrest_status r;
    int rc;
    char seed[21];
    /* a run nobody planned gets its pending row first, so that the update below is the one
     * way a run becomes done */
    if ((rc = bind_key(s->put_ins, exp, key, seed)) != SQLITE_DONE) goto fail;
    sqlite3_reset(s->put_ins);

    sqlite3_stmt *st = s->put;
    const unrest_outcomes *o = &res->out;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    sqlite3_bind_int64(st, 1, exp);
    sqlite3_bind_int64(st, 2, key->variant_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)key->idx);
    sqlite3_bind_text(st, 4, res->failed ? "failed" : "done", -1, SQLITE_STATIC);
    if (res->failed)
        sqlite3_bind_text(st, 5, res->error ? res->error : "failed", -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(st, 6, res->elapsed_s);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)res->agent_updates);
    if (!res->failed) {
        sqlite3_bind_double(st, 8, o->peak_active);
        sqlite3_bind_int64(st, 9, o->peak_tick);
        sqlite3_bind_double(st, 10, o->participants);
        sqlite3_bind_double(st, 11, o->dead);
        sqlite3_bind_double(st, 12, o->detained);
        sqlite3_bind_int64(st, 13, o->sites_captured);
        sqlite3_bind_int64(st, 14, o->held_at_end);
        sqlite3_bind_double(st, 15, o->duration_hours);
        sqlite3_bind_double(st, 16, o->final_legitimacy);
        sqlite3_bind_int(st, 17, o->ended);
        sqlite3_bind_text(st, 18, unrest_outcome_class_name(o->cls), -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 19, o->security_dead);
        sqlite3_bind_double(st, 20, o->security_injured);
        sqlite3_bind_double(st, 21, o->injured);
        sqlite3_bind_int64(st, 22, o->fell_at);
        sqlite3_bind_int64(st, 23, o->civil_war_at);
        sqlite3_bind_double(st, 24, o->foreign_gov_dead);
        sqlite3_bind_double(st, 25, o->foreign_opp_dead);
    }
    if ((rc = sqlite3_step(st)) != SQLITE_DONE) goto fail;
    int changed = sqlite3_changes(s->db);
    sqlite3_reset(st);
    if (changed && !res->failed) {
        sqlite3_stmt *ss = s->put_series;
        for (size_t i = 0; i < res->n_series; i++) {
            const unrest_series_row *row = &res->series[i];
            sqlite3_reset(ss);
            sqlite3_bind_int64(ss, 1, exp);
            sqlite3_bind_int64(ss, 2, key->variant_id);
            sqlite3_bind_int64(ss, 3, (sqlite3_int64)key->idx);
            sqlite3_bind_int64(ss, 4, row->day);
            sqlite3_bind_text(ss, 5, res->site_names ? res->site_names[row->site] : "", -1,
                              SQLITE_STATIC);
            sqlite3_bind_double(ss, 6, row->active_peak);
            sqlite3_bind_double(ss, 7, row->detained);
            sqlite3_bind_double(ss, 8, row->dead);
            sqlite3_bind_double(ss, 9, row->legitimacy);
            if ((rc = sqlite3_step(ss)) != SQLITE_DONE) goto fail;
        }
        sqlite3_reset(ss);
    }
    return UNREST_OK;
fail:
    r = db_fail(s, rc, "write run");
    sqlite3_reset(s->put_ins);
    sqlite3_reset(s->put);
    sqlite3_reset(s->put_series);
    return r;
}

unrest_status unrest_store_put(unrest_store *s, int64_t exp, const unrest_store_key *key,
                               const unrest_store_result *res)
{
    return unrest_store_put_many(s, exp, key, res, 1);
}

unrest_status unrest_store_put_many(unrest_store *s, int64_t exp, const unrest_store_key *keys,
                                    const unrest_store_result *res, size_t n)
{
    unrest_status r;
    if (!s->put) {
        set_err(s, "%s: opened read-only", s->path);
        return UNREST_ESTATE;
    }
    if ((r = exec(s, "BEGIN IMMEDIATE", "write run")) != UNREST_OK) return r;
    for (size_t i = 0; i < n; i++)
        if ((r = put_one(s, exp, &keys[i], &res[i])) != UNREST_OK) {
            rollback(s);
            return r;
        }
    if ((r = exec(s, "COMMIT", "write run")) != UNREST_OK) rollback(s);
    return r;
}

static unrest_outcome_class class_of(const unsigned char *name)
{
    for (int c = 0; c < UNREST_OUTCOME_COUNT; c++)
        if (name && !strcmp((const char *)name, unrest_outcome_class_name((unrest_outcome_class)c)))
            return (unrest_outcome_class)c;
    return UNREST_OUTCOME_COUNT;
}

unrest_status unrest_store_rows(unrest_store *s, int64_t exp, int64_t variant,
                                unrest_store_row **rows, size_t *n)
{
    sqlite3_stmt *st;
    unrest_status r;
    *rows = NULL;
    *n = 0;
    /* a store opened read-only may predate the ext columns: NULL stands in for them */
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT idx, point, rep, seed, status, peak_active, peak_tick, participants, dead, "
             "detained, sites_captured, held_at_end, duration_hours, final_legitimacy, ended, "
             "class, %s FROM run WHERE experiment_id=?1 AND variant_id=?2 ORDER BY idx",
             s->ext ? "security_dead, security_injured, injured, fell_at, civil_war_at, "
                      "foreign_gov_dead, foreign_opp_dead"
                    : "NULL, NULL, NULL, NULL, NULL, NULL, NULL");
    if ((r = prepare(s, sql, &st)) != UNREST_OK) return r;
    sqlite3_bind_int64(st, 1, exp);
    sqlite3_bind_int64(st, 2, variant);
    size_t cap = 0, len = 0;
    unrest_store_row *v = NULL;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (len == cap) {
            cap = cap ? 2 * cap : 64;
            unrest_store_row *nv = realloc(v, cap * sizeof *v);
            if (!nv) {
                free(v);
                sqlite3_finalize(st);
                set_err(s, "out of memory");
                return UNREST_ENOMEM;
            }
            v = nv;
        }
        unrest_store_row *w = &v[len++];
        memset(w, 0, sizeof *w);
        w->idx = (uint64_t)sqlite3_column_int64(st, 0);
        w->point = (uint64_t)sqlite3_column_int64(st, 1);
        w->rep = (uint64_t)sqlite3_column_int64(st, 2);
        w->seed = col_u64(st, 3);
        const char *status = (const char *)sqlite3_column_text(st, 4);
        w->status = !strcmp(status, "done") ? 1 : !strcmp(status, "failed") ? 2 : 0;
        unrest_outcomes *o = &w->out;
        o->peak_active = sqlite3_column_double(st, 5);
        o->peak_tick = sqlite3_column_int64(st, 6);
        o->participants = sqlite3_column_double(st, 7);
        o->dead = sqlite3_column_double(st, 8);
        o->detained = sqlite3_column_double(st, 9);
        o->sites_captured = (uint32_t)sqlite3_column_int64(st, 10);
        o->held_at_end = (uint32_t)sqlite3_column_int64(st, 11);
        o->duration_hours = sqlite3_column_double(st, 12);
        o->final_legitimacy = sqlite3_column_double(st, 13);
        o->ended = sqlite3_column_int(st, 14);
        o->cls = class_of(sqlite3_column_text(st, 15));
        w->legacy = sqlite3_column_type(st, 19) == SQLITE_NULL;
        o->security_dead = sqlite3_column_double(st, 16);
        o->security_injured = sqlite3_column_double(st, 17);
        o->injured = sqlite3_column_double(st, 18);
        o->fell_at = w->legacy ? -1 : sqlite3_column_int64(st, 19);
        o->civil_war_at =
            sqlite3_column_type(st, 20) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 20);
        o->foreign_gov_dead = sqlite3_column_double(st, 21);
        o->foreign_opp_dead = sqlite3_column_double(st, 22);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(v);
        return db_fail(s, rc, "read runs");
    }
    *rows = v;
    *n = len;
    return UNREST_OK;
}

/* ---- export --------------------------------------------------------------------------------- */

static void csv_field(FILE *f, const char *t)
{
    if (!t) return;
    if (!strpbrk(t, ",\"\n\r")) {
        fputs(t, f);
        return;
    }
    fputc('"', f);
    for (; *t; t++) {
        if (*t == '"') fputc('"', f);
        fputc(*t, f);
    }
    fputc('"', f);
}

/* A column value as CSV: numbers at full precision, NULL as empty. */
static void csv_value(FILE *f, sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL:
        break;
    case SQLITE_INTEGER:
        fprintf(f, "%lld", (long long)sqlite3_column_int64(st, i));
        break;
    case SQLITE_FLOAT:
        fprintf(f, "%.17g", sqlite3_column_double(st, i));
        break;
    default:
        csv_field(f, (const char *)sqlite3_column_text(st, i));
    }
}

/* Distinct factor names of the selected runs, in order of first appearance. */
typedef struct name_list {
    char **v;   /* names, malloc'd each */
    size_t n;   /* used */
    size_t cap; /* allocated */
} name_list;

static int names_add(name_list *l, const char *name, size_t len)
{
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->v[i]) == len && !memcmp(l->v[i], name, len)) return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        char **nv = realloc(l->v, cap * sizeof *nv);
        if (!nv) return -1;
        l->v = nv;
        l->cap = cap;
    }
    char *c = malloc(len + 1);
    if (!c) return -1;
    memcpy(c, name, len);
    c[len] = '\0';
    l->v[l->n++] = c;
    return 0;
}

static void names_free(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* The value of factor `name` in "a=1;b=2", written to f (nothing if absent). */
static void factor_value(FILE *f, const char *factors, const char *name)
{
    size_t nl = strlen(name);
    const char *p = factors;
    while (p && *p) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (eq && (size_t)(eq - p) == nl && !memcmp(p, name, nl)) {
            fprintf(f, "%.*s", (int)(len - nl - 1), eq + 1);
            return;
        }
        p = end ? end + 1 : NULL;
    }
}

unrest_status unrest_store_export(unrest_store *s, int64_t exp, unrest_export_table table,
                                  FILE *out)
{
    sqlite3_stmt *st = NULL;
    unrest_status r;
    name_list names = {0};
    int rc;
    if (exp > 0) {
        if ((r = prepare(s, "SELECT 1 FROM experiment WHERE id=?1", &st)) != UNREST_OK) return r;
        sqlite3_bind_int64(st, 1, exp);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
        st = NULL;
        if (rc != SQLITE_ROW) {
            set_err(s, "%s: no experiment %lld", s->path, (long long)exp);
            return UNREST_EUNKNOWN;
        }
    }
    /* one read transaction, so that the factor names and the rows agree */
    if ((r = exec(s, "BEGIN", "export")) != UNREST_OK) return r;
    if (table == UNREST_EXPORT_RUNS) {
        if ((r = prepare(s,
                         "SELECT DISTINCT factors FROM run WHERE factors<>'' AND "
                         "(?1=0 OR experiment_id=?1) ORDER BY experiment_id, variant_id, idx",
                         &st)) != UNREST_OK)
            goto done;
        sqlite3_bind_int64(st, 1, exp);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *p = (const char *)sqlite3_column_text(st, 0);
            while (p && *p) {
                const char *end = strchr(p, ';');
                size_t len = end ? (size_t)(end - p) : strlen(p);
                const char *eq = memchr(p, '=', len);
                if (eq && names_add(&names, p, (size_t)(eq - p))) {
                    set_err(s, "out of memory");
                    r = UNREST_ENOMEM;
                    goto done;
                }
                p = end ? end + 1 : NULL;
            }
        }
        sqlite3_finalize(st);
        st = NULL;
        if (rc != SQLITE_DONE) {
            r = db_fail(s, rc, "export");
            goto done;
        }
        char sql[1400]; /* a store opened read-only may predate the ext columns: NULL for them */
        snprintf(sql, sizeof sql,
                 "SELECT e.id, e.kind, e.scenario_name, e.scenario_hash, v.name, r.idx, r.point, "
                 "r.rep, r.seed, r.status, r.factors, r.peak_active, r.peak_tick, r.participants, "
                 "r.dead, r.detained, r.sites_captured, r.held_at_end, r.duration_hours, "
                 "r.final_legitimacy, r.ended, r.class, r.elapsed_s, r.agent_updates, %s, r.error "
                 "FROM run r JOIN experiment e ON e.id=r.experiment_id JOIN variant v ON "
                 "v.id=r.variant_id WHERE (?1=0 OR r.experiment_id=?1) ORDER BY "
                 "r.experiment_id, r.variant_id, r.idx",
                 s->ext ? "r.security_dead, r.security_injured, r.injured, r.fell_at, "
                          "r.civil_war_at, r.foreign_gov_dead, r.foreign_opp_dead"
                        : "NULL, NULL, NULL, NULL, NULL, NULL, NULL");
        if ((r = prepare(s, sql, &st)) != UNREST_OK) goto done;
        sqlite3_bind_int64(st, 1, exp);
        fputs("experiment,kind,scenario,scenario_hash,variant,idx,point,rep,seed,status", out);
        for (size_t i = 0; i < names.n; i++) {
            fputc(',', out);
            csv_field(out, names.v[i]);
        }
        fputs(",peak_active,peak_tick,participants,dead,detained,sites_captured,held_at_end,"
              "duration_hours,final_legitimacy,ended,class,elapsed_s,agent_updates,security_dead,"
              "security_injured,injured,fell_at,civil_war_at,foreign_gov_dead,foreign_opp_dead,"
              "error\n",
              out);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            for (int c = 0; c < 10; c++) {
                if (c) fputc(',', out);
                csv_value(out, st, c);
            }
            const char *factors = (const char *)sqlite3_column_text(st, 10);
            for (size_t i = 0; i < names.n; i++) {
                fputc(',', out);
                factor_value(out, factors, names.v[i]);
            }
            for (int c = 11; c < 32; c++) {
                fputc(',', out);
                csv_value(out, st, c);
            }
            fputc('\n', out);
        }
    } else {
        if ((r = prepare(s,
                         "SELECT e.id, v.name, s.idx, r.seed, s.day, s.site, s.active_peak, "
                         "s.detained, s.dead, s.legitimacy FROM series s JOIN experiment e ON "
                         "e.id=s.experiment_id JOIN variant v ON v.id=s.variant_id JOIN run r "
                         "ON r.experiment_id=s.experiment_id AND r.variant_id=s.variant_id AND "
                         "r.idx=s.idx WHERE (?1=0 OR s.experiment_id=?1) ORDER BY "
                         "s.experiment_id, s.variant_id, s.idx, s.day, s.site",
                         &st)) != UNREST_OK)
            goto done;
        sqlite3_bind_int64(st, 1, exp);
        fputs("experiment,variant,idx,seed,day,site,active_peak,detained,dead,legitimacy\n", out);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            for (int c = 0; c < 10; c++) {
                if (c) fputc(',', out);
                csv_value(out, st, c);
            }
            fputc('\n', out);
        }
    }
    if (rc != SQLITE_DONE) r = db_fail(s, rc, "export");
done:
    sqlite3_finalize(st);
    names_free(&names);
    rollback(s);
    return r;
}

unrest_status unrest_store_national(unrest_store *s, int64_t exp, int64_t variant, size_t runs,
                                    size_t days, const char *const *names, const double *weights,
                                    size_t nsites, double **active, double **detained,
                                    double **dead, double **legitimacy, size_t *nruns)
{
    sqlite3_stmt *st;
    unrest_status r;
    *active = *detained = *dead = *legitimacy = NULL;
    *nruns = 0;
    size_t n = runs * days > 0 ? runs * days : 1;
    double *a = calloc(n, sizeof *a), *b = calloc(n, sizeof *b), *c = calloc(n, sizeof *c),
           *l = calloc(n, sizeof *l), *wsum = calloc(n, sizeof *wsum);
    unsigned char *seen = calloc(runs ? runs : 1, 1);
    if (!a || !b || !c || !l || !wsum || !seen) {
        r = UNREST_ENOMEM;
        set_err(s, "out of memory");
        goto fail;
    }
    if ((r = prepare(s,
                     "SELECT idx, day, site, active_peak, detained, dead, legitimacy FROM series "
                     "WHERE experiment_id=?1 AND variant_id=?2",
                     &st)) != UNREST_OK)
        goto fail;
    sqlite3_bind_int64(st, 1, exp);
    sqlite3_bind_int64(st, 2, variant);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t idx = sqlite3_column_int64(st, 0), day = sqlite3_column_int64(st, 1);
        if (idx < 0 || (uint64_t)idx >= runs || day < 0 || (uint64_t)day >= days) continue;
        const char *site = (const char *)sqlite3_column_text(st, 2);
        double wt = 0;
        for (size_t j = 0; site && j < nsites; j++)
            if (!strcmp(names[j], site)) wt = weights[j];
        size_t k = (size_t)idx * days + (size_t)day;
        a[k] += sqlite3_column_double(st, 3);
        b[k] += sqlite3_column_double(st, 4);
        c[k] += sqlite3_column_double(st, 5);
        l[k] += wt * sqlite3_column_double(st, 6);
        wsum[k] += wt;
        seen[idx] = 1;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        set_err(s, "reading series: %s", sqlite3_errmsg(s->db));
        r = UNREST_EIO;
        goto fail;
    }
    for (size_t k = 0; k < n; k++)
        l[k] = wsum[k] > 0 ? l[k] / wsum[k] : 0;
    for (size_t i = 0; i < runs; i++)
        *nruns += seen[i];
    free(seen);
    free(wsum);
    *active = a;
    *detained = b;
    *dead = c;
    *legitimacy = l;
    return UNREST_OK;
fail:
    free(a), free(b), free(c), free(l), free(wsum), free(seen);
    return r;
}

/* ---- calibrations ----------------------------------------------------------------------------
 * Created on first use (IF NOT EXISTS), inside the transaction that creates a calibration, so
 * that a database that never holds one keeps exactly the experiment schema. */

static const char cal_schema_sql[] =
    "CREATE TABLE IF NOT EXISTS calibration (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  scenario_name TEXT NOT NULL,\n"
    "  scenario_hash TEXT NOT NULL,\n"
    "  master_seed TEXT NOT NULL,\n"
    "  created TEXT NOT NULL,\n"
    "  command TEXT NOT NULL,\n"
    "  settings TEXT NOT NULL,\n"
    "  version TEXT NOT NULL,\n"
    "  status TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS cal_param (\n"
    "  calibration_id INTEGER NOT NULL REFERENCES calibration(id),\n"
    "  idx INTEGER NOT NULL, path TEXT NOT NULL, lo REAL NOT NULL, hi REAL NOT NULL,\n"
    "  log INTEGER NOT NULL,\n"
    "  PRIMARY KEY (calibration_id, idx)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS cal_target (\n"
    "  calibration_id INTEGER NOT NULL REFERENCES calibration(id),\n"
    "  idx INTEGER NOT NULL, name TEXT NOT NULL, quantity TEXT NOT NULL, place TEXT NOT NULL,\n"
    "  t_from TEXT NOT NULL, t_to TEXT NOT NULL, kind TEXT NOT NULL, value REAL, low REAL,\n"
    "  high REAL, threshold REAL, grade TEXT, z REAL, v_obs REAL, v_md REAL,\n"
    "  PRIMARY KEY (calibration_id, idx)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS cal_run (\n"
    "  calibration_id INTEGER NOT NULL REFERENCES calibration(id),\n"
    "  stage TEXT NOT NULL CHECK (stage IN ('wave','abc','predict')),\n"
    "  step INTEGER NOT NULL, point INTEGER NOT NULL, rep INTEGER NOT NULL,\n"
    "  seed TEXT NOT NULL, theta TEXT NOT NULL,\n"
    "  status TEXT NOT NULL CHECK (status IN ('done','failed')), error TEXT, elapsed_s REAL,\n"
    "  PRIMARY KEY (calibration_id, stage, step, point, rep)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS cal_output (\n"
    "  calibration_id INTEGER NOT NULL, stage TEXT NOT NULL, step INTEGER NOT NULL,\n"
    "  point INTEGER NOT NULL, rep INTEGER NOT NULL, target INTEGER NOT NULL, value REAL,\n"
    "  PRIMARY KEY (calibration_id, stage, step, point, rep, target)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS cal_point (\n"
    "  calibration_id INTEGER NOT NULL, wave INTEGER NOT NULL, point INTEGER NOT NULL,\n"
    "  theta TEXT NOT NULL, impl REAL, nroy INTEGER NOT NULL,\n"
    "  PRIMARY KEY (calibration_id, wave, point)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS cal_wave (\n"
    "  calibration_id INTEGER NOT NULL, wave INTEGER NOT NULL, points INTEGER, runs INTEGER,\n"
    "  failed INTEGER, train INTEGER, outputs INTEGER, nroy REAL, loo_out INTEGER,\n"
    "  loo_n INTEGER, em_ratio REAL, match REAL, decision TEXT, emulators TEXT,\n"
    "  PRIMARY KEY (calibration_id, wave)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS cal_generation (\n"
    "  calibration_id INTEGER NOT NULL, gen INTEGER NOT NULL, eps REAL, simulated INTEGER,\n"
    "  accepted INTEGER, acceptance REAL, ess REAL, decision TEXT,\n"
    "  PRIMARY KEY (calibration_id, gen)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS cal_particle (\n"
    "  calibration_id INTEGER NOT NULL, gen INTEGER NOT NULL, idx INTEGER NOT NULL,\n"
    "  theta TEXT NOT NULL, weight REAL NOT NULL, distance REAL,\n"
    "  PRIMARY KEY (calibration_id, gen, idx)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS cal_posterior (\n"
    "  calibration_id INTEGER NOT NULL, idx INTEGER NOT NULL, theta TEXT NOT NULL,\n"
    "  weight REAL NOT NULL,\n"
    "  PRIMARY KEY (calibration_id, idx)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS cal_cache (\n"
    "  calibration_id INTEGER NOT NULL, kind TEXT NOT NULL, a INTEGER NOT NULL,\n"
    "  b INTEGER NOT NULL, data BLOB NOT NULL,\n"
    "  PRIMARY KEY (calibration_id, kind, a, b)\n"
    ");\n";

static void utc_text(int64_t t, char out[24])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm)) out[0] = '\0';
}

/* Bind a double, NULL when it is not finite (SQLite has no NaN). */
static void bind_real(sqlite3_stmt *st, int i, double v)
{
    if (isfinite(v))
        sqlite3_bind_double(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

static double col_real(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

/* Run one statement with bound values: fmt has one letter per parameter ?1, ?2, ...: 'i' an
 * int64_t, 't' a string (NULL binds NULL), 'd' a double (NaN binds NULL). If id is not NULL
 * and the statement returns a row, *id gets its first column (0 otherwise). */
static unrest_status run_sql(unrest_store *s, const char *what, int64_t *id, const char *sql,
                             const char *fmt, ...)
{
    sqlite3_stmt *st;
    unrest_status r = prepare(s, sql, &st);
    if (r != UNREST_OK) return r;
    va_list ap;
    va_start(ap, fmt);
    for (int i = 1; fmt[i - 1]; i++) {
        switch (fmt[i - 1]) {
        case 'i':
            sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
            break;
        case 't': {
            const char *t = va_arg(ap, const char *);
            if (t) sqlite3_bind_text(st, i, t, -1, SQLITE_TRANSIENT);
            break;
        }
        default:
            bind_real(st, i, va_arg(ap, double));
        }
    }
    va_end(ap);
    int rc = sqlite3_step(st);
    if (id) *id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? UNREST_OK : db_fail(s, rc, what);
}

static unrest_status cal_setup(unrest_store *s, int64_t id, const unrest_cal_param *params,
                               size_t k, const unrest_cal_target *targets, size_t m,
                               const double *z, const double *v_obs, const double *v_md)
{
    unrest_status r = UNREST_OK;
    for (size_t i = 0; i < k && r == UNREST_OK; i++)
        r = run_sql(s, "store parameters", NULL,
                    "INSERT OR REPLACE INTO cal_param VALUES (?1, ?2, ?3, ?4, ?5, ?6)", "iitddi",
                    id, (int64_t)i, params[i].path, params[i].lo, params[i].hi,
                    (int64_t)params[i].log);
    for (size_t j = 0; j < m && r == UNREST_OK; j++) {
        const unrest_cal_target *t = &targets[j];
        char from[24], to[24], grade[2] = {t->grade, '\0'};
        utc_text(t->from, from);
        utc_text(t->to, to);
        r = run_sql(s, "store targets", NULL,
                    "INSERT OR REPLACE INTO cal_target VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                    "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                    "iittttttddddtddd", id, (int64_t)j, t->name,
                    unrest_cal_quantity_name(t->quantity), t->place, from, to,
                    unrest_cal_kind_name(t->kind), t->value, t->low, t->high, t->threshold, grade,
                    z[j], v_obs[j], v_md[j]);
    }
    return r;
}

unrest_status unrest_store_calibration(unrest_store *s, const unrest_store_cal *c,
                                       const unrest_cal_param *params, size_t k,
                                       const unrest_cal_target *targets, size_t m, const double *z,
                                       const double *v_obs, const double *v_md, int64_t *id,
                                       int *resumed)
{
    char hash[17], seed[21];
    hex64(c->scenario_hash, hash);
    dec64(c->master_seed, seed);
    unrest_status r;
    *id = 0;
    *resumed = 0;
    if ((r = exec(s, "BEGIN IMMEDIATE", "start calibration")) != UNREST_OK) return r;
    if ((r = exec(s, cal_schema_sql, "create calibration tables")) != UNREST_OK ||
        (r = run_sql(s, "find calibration", id,
                     "SELECT id FROM calibration WHERE scenario_hash=?1 AND master_seed=?2 AND "
                     "settings=?3 ORDER BY id LIMIT 1",
                     "ttt", hash, seed, c->settings)) != UNREST_OK)
        goto fail;
    if (*id) {
        *resumed = 1;
        return exec(s, "COMMIT", "start calibration");
    }
    if ((r = run_sql(s, "create calibration", NULL,
                     "INSERT INTO calibration (scenario_name, scenario_hash, master_seed, "
                     "created, command, settings, version, status) VALUES (?1, ?2, ?3, "
                     "strftime('%Y-%m-%dT%H:%M:%SZ','now'), ?4, ?5, ?6, 'running')",
                     "tttttt", c->scenario_name ? c->scenario_name : "", hash, seed,
                     c->command ? c->command : "", c->settings, UNREST_VERSION)) != UNREST_OK)
        goto fail;
    *id = sqlite3_last_insert_rowid(s->db);
    if ((r = cal_setup(s, *id, params, k, targets, m, z, v_obs, v_md)) != UNREST_OK ||
        (r = exec(s, "COMMIT", "create calibration")) != UNREST_OK)
        goto fail;
    return UNREST_OK;
fail:
    *id = 0;
    rollback(s);
    return r;
}

unrest_status unrest_store_cal_status(unrest_store *s, int64_t cal, const char *status)
{
    return run_sql(s, "calibration status", NULL, "UPDATE calibration SET status=?2 WHERE id=?1",
                   "it", cal, status);
}

/* Prepare *st once (kept in the handle until close). */
static unrest_status prepare_once(unrest_store *s, const char *sql, sqlite3_stmt **st)
{
    if (*st) {
        sqlite3_reset(*st);
        sqlite3_clear_bindings(*st);
        return UNREST_OK;
    }
    return prepare(s, sql, st);
}

/* Bind the key (calibration, stage, step, point, rep) to ?1..?5. */
static void bind_cal_key(sqlite3_stmt *st, int64_t cal, const char *stage, uint32_t step,
                         uint64_t point, uint32_t rep)
{
    sqlite3_bind_int64(st, 1, cal);
    sqlite3_bind_text(st, 2, stage, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, step);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)point);
    sqlite3_bind_int64(st, 5, rep);
}

unrest_status unrest_store_cal_put(unrest_store *s, int64_t cal, const unrest_store_cal_run *r)
{
    unrest_status st;
    int rc;
    char seed[21];
    dec64(r->seed, seed);
    if ((st = prepare_once(s,
                           "INSERT OR IGNORE INTO cal_run VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                           "?9, ?10)",
                           &s->cal_run)) != UNREST_OK ||
        (st =
             prepare_once(s, "INSERT OR IGNORE INTO cal_output VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                          &s->cal_out)) != UNREST_OK)
        return st;
    if ((st = exec(s, "BEGIN IMMEDIATE", "write calibration run")) != UNREST_OK) return st;
    bind_cal_key(s->cal_run, cal, r->stage, r->step, r->point, r->rep);
    sqlite3_bind_text(s->cal_run, 6, seed, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s->cal_run, 7, r->theta ? r->theta : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s->cal_run, 8, r->failed ? "failed" : "done", -1, SQLITE_STATIC);
    if (r->failed) sqlite3_bind_text(s->cal_run, 9, r->error ? r->error : "", -1, SQLITE_STATIC);
    sqlite3_bind_double(s->cal_run, 10, r->elapsed_s);
    if ((rc = sqlite3_step(s->cal_run)) != SQLITE_DONE) goto fail;
    int changed = sqlite3_changes(s->db);
    sqlite3_reset(s->cal_run);
    for (size_t j = 0; changed && !r->failed && j < r->m; j++) {
        sqlite3_reset(s->cal_out);
        bind_cal_key(s->cal_out, cal, r->stage, r->step, r->point, r->rep);
        sqlite3_bind_int64(s->cal_out, 6, (sqlite3_int64)j);
        bind_real(s->cal_out, 7, r->out[j]);
        if ((rc = sqlite3_step(s->cal_out)) != SQLITE_DONE) goto fail;
    }
    sqlite3_reset(s->cal_out);
    if ((st = exec(s, "COMMIT", "write calibration run")) != UNREST_OK) rollback(s);
    return st;
fail:
    st = db_fail(s, rc, "write calibration run");
    sqlite3_reset(s->cal_run);
    sqlite3_reset(s->cal_out);
    rollback(s);
    return st;
}

unrest_status unrest_store_cal_get(unrest_store *s, int64_t cal, const char *stage, uint32_t step,
                                   uint64_t point, uint32_t rep, double *out, size_t m, int *found,
                                   int *failed)
{
    unrest_status st;
    *found = *failed = 0;
    if ((st = prepare_once(s,
                           "SELECT status FROM cal_run WHERE calibration_id=?1 AND stage=?2 AND "
                           "step=?3 AND point=?4 AND rep=?5",
                           &s->cal_get)) != UNREST_OK ||
        (st = prepare_once(s,
                           "SELECT target, value FROM cal_output WHERE calibration_id=?1 AND "
                           "stage=?2 AND step=?3 AND point=?4 AND rep=?5",
                           &s->cal_get_out)) != UNREST_OK)
        return st;
    bind_cal_key(s->cal_get, cal, stage, step, point, rep);
    int rc = sqlite3_step(s->cal_get);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(s->cal_get);
        return UNREST_OK;
    }
    if (rc != SQLITE_ROW) {
        st = db_fail(s, rc, "read calibration run");
        sqlite3_reset(s->cal_get);
        return st;
    }
    *failed = strcmp((const char *)sqlite3_column_text(s->cal_get, 0), "done") != 0;
    sqlite3_reset(s->cal_get);
    for (size_t j = 0; j < m; j++)
        out[j] = NAN;
    bind_cal_key(s->cal_get_out, cal, stage, step, point, rep);
    while ((rc = sqlite3_step(s->cal_get_out)) == SQLITE_ROW) {
        int64_t j = sqlite3_column_int64(s->cal_get_out, 0);
        if (j >= 0 && (uint64_t)j < m) out[j] = col_real(s->cal_get_out, 1);
    }
    sqlite3_reset(s->cal_get_out);
    if (rc != SQLITE_DONE) return db_fail(s, rc, "read calibration outputs");
    *found = 1;
    return UNREST_OK;
}

unrest_status unrest_store_cal_cache_put(unrest_store *s, int64_t cal, const char *kind, int64_t a,
                                         int64_t b, const void *data, size_t bytes)
{
    sqlite3_stmt *st;
    unrest_status r =
        prepare(s, "INSERT OR REPLACE INTO cal_cache VALUES (?1, ?2, ?3, ?4, ?5)", &st);
    if (r != UNREST_OK) return r;
    sqlite3_bind_int64(st, 1, cal);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, a);
    sqlite3_bind_int64(st, 4, b);
    /* a zero-length blob binds as an empty blob, not NULL, with a non-NULL pointer */
    static const char none = 0;
    sqlite3_bind_blob64(st, 5, bytes ? data : (const void *)&none, (sqlite3_uint64)bytes,
                        SQLITE_STATIC);
    int rc = sqlite3_step(st);
    r = rc == SQLITE_DONE ? UNREST_OK : db_fail(s, rc, "store calibration cache");
    sqlite3_finalize(st);
    return r;
}

unrest_status unrest_store_cal_cache_get(unrest_store *s, int64_t cal, const char *kind, int64_t a,
                                         int64_t b, void **data, size_t *n, int *found)
{
    *data = NULL;
    *n = 0;
    *found = 0;
    sqlite3_stmt *st;
    unrest_status r = prepare(s,
                              "SELECT data FROM cal_cache WHERE calibration_id=?1 AND kind=?2 "
                              "AND a=?3 AND b=?4",
                              &st);
    if (r != UNREST_OK) return r;
    sqlite3_bind_int64(st, 1, cal);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, a);
    sqlite3_bind_int64(st, 4, b);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const void *blob = sqlite3_column_blob(st, 0);
        size_t bytes = (size_t)sqlite3_column_bytes(st, 0);
        *data = malloc(bytes ? bytes : 1);
        if (!*data) {
            r = UNREST_ENOMEM;
            set_err(s, "out of memory");
        } else {
            if (bytes) memcpy(*data, blob, bytes);
            *n = bytes;
            *found = 1;
        }
    } else if (rc != SQLITE_DONE)
        r = db_fail(s, rc, "read calibration cache");
    sqlite3_finalize(st);
    return r;
}

unrest_status unrest_store_cal_point(unrest_store *s, int64_t cal, uint32_t wave, uint64_t point,
                                     const char *theta, double impl, int nroy)
{
    return run_sql(s, "store design point", NULL,
                   "INSERT OR REPLACE INTO cal_point VALUES (?1, ?2, ?3, ?4, ?5, ?6)", "iiitdi",
                   cal, (int64_t)wave, (int64_t)point, theta, impl, (int64_t)nroy);
}

unrest_status unrest_store_cal_wave(unrest_store *s, int64_t cal, const unrest_cal_wave *w,
                                    const char *emulators)
{
    return run_sql(s, "store wave", NULL,
                   "INSERT OR REPLACE INTO cal_wave VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                   "?10, ?11, ?12, ?13, ?14)",
                   "iiiiiiidiiddtt", cal, (int64_t)w->wave, (int64_t)w->points, (int64_t)w->runs,
                   (int64_t)w->failed, (int64_t)w->train, (int64_t)w->outputs, w->nroy,
                   (int64_t)w->loo_out, (int64_t)w->loo_n, w->em_ratio, w->match,
                   w->stop ? w->stop : "continue", emulators ? emulators : "");
}

/* Insert n particles (theta, w, dist) of generation gen into table (cal_particle) or, when gen
 * is negative, the posterior (cal_posterior), inside the caller's transaction. */
static unrest_status put_particles(unrest_store *s, int64_t cal, int64_t gen,
                                   const char *const *theta, const double *w, const double *dist,
                                   size_t n)
{
    sqlite3_stmt *st;
    unrest_status r =
        gen >= 0
            ? prepare(s, "INSERT OR REPLACE INTO cal_particle VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &st)
            : prepare(s, "INSERT OR REPLACE INTO cal_posterior VALUES (?1, ?3, ?4, ?5)", &st);
    if (r != UNREST_OK) return r;
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, cal);
        if (gen >= 0) sqlite3_bind_int64(st, 2, gen);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)i);
        sqlite3_bind_text(st, 4, theta[i], -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 5, w[i]);
        if (gen >= 0) bind_real(st, 6, dist[i]);
        int rc = sqlite3_step(st);
        if (rc != SQLITE_DONE) {
            r = db_fail(s, rc, "store particles");
            break;
        }
    }
    sqlite3_finalize(st);
    return r;
}

unrest_status unrest_store_cal_generation(unrest_store *s, int64_t cal,
                                          const unrest_cal_generation *g, const char *const *theta,
                                          const double *w, const double *dist, size_t n)
{
    unrest_status r;
    if ((r = exec(s, "BEGIN IMMEDIATE", "store generation")) != UNREST_OK) return r;
    if ((r = run_sql(s, "store generation", NULL,
                     "INSERT OR REPLACE INTO cal_generation VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                     "?8)",
                     "iidiiddt", cal, (int64_t)g->gen, g->eps, (int64_t)g->simulated,
                     (int64_t)g->accepted, g->acceptance, g->ess,
                     g->stop ? g->stop : "continue")) != UNREST_OK ||
        (r = put_particles(s, cal, g->gen, theta, w, dist, n)) != UNREST_OK ||
        (r = exec(s, "COMMIT", "store generation")) != UNREST_OK) {
        rollback(s);
        return r;
    }
    return UNREST_OK;
}

unrest_status unrest_store_cal_posterior_put(unrest_store *s, int64_t cal, const char *const *theta,
                                             const double *w, size_t n)
{
    unrest_status r;
    if ((r = exec(s, "BEGIN IMMEDIATE", "store posterior")) != UNREST_OK) return r;
    if ((r = run_sql(s, "store posterior", NULL,
                     "DELETE FROM cal_posterior WHERE calibration_id=?1", "i", cal)) != UNREST_OK ||
        (r = put_particles(s, cal, -1, theta, w, NULL, n)) != UNREST_OK ||
        (r = unrest_store_cal_status(s, cal, "done")) != UNREST_OK ||
        (r = exec(s, "COMMIT", "store posterior")) != UNREST_OK) {
        rollback(s);
        return r;
    }
    return UNREST_OK;
}

unrest_status unrest_store_cal_posterior_get(unrest_store *s, int64_t cal, int64_t *id,
                                             char ***theta, double **w, size_t *n)
{
    sqlite3_stmt *st = NULL;
    unrest_status r;
    int rc, have = 0;
    *theta = NULL;
    *w = NULL;
    *n = 0;
    *id = 0;
    if ((rc = query_int(s,
                        "SELECT count(*) FROM sqlite_master WHERE type='table' AND "
                        "name='cal_posterior'",
                        &have)) != SQLITE_OK)
        return db_fail(s, rc, "read posterior");
    if (!have) {
        set_err(s, "%s: holds no calibration", s->path);
        return UNREST_EUNKNOWN;
    }
    if ((r = run_sql(s, "read posterior", id,
                     "SELECT id FROM calibration WHERE status='done' AND (?1=0 OR id=?1) ORDER "
                     "BY id DESC LIMIT 1",
                     "i", cal)) != UNREST_OK)
        return r;
    if (!*id) {
        if (cal)
            set_err(s, "%s: calibration %lld has no posterior", s->path, (long long)cal);
        else
            set_err(s, "%s: holds no finished calibration", s->path);
        return UNREST_EUNKNOWN;
    }
    if ((r = prepare(s,
                     "SELECT theta, weight FROM cal_posterior WHERE calibration_id=?1 ORDER BY "
                     "idx",
                     &st)) != UNREST_OK)
        return r;
    sqlite3_bind_int64(st, 1, *id);
    size_t cap = 0, len = 0;
    char **tv = NULL;
    double *wv = NULL;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (len == cap) {
            cap = cap ? 2 * cap : 64;
            char **nt = realloc(tv, cap * sizeof *nt);
            if (nt) tv = nt;
            double *nw = realloc(wv, cap * sizeof *nw);
            if (nw) wv = nw;
            if (!nt || !nw) goto nomem;
        }
        const char *t = (const char *)sqlite3_column_text(st, 0);
        tv[len] = strdup(t ? t : "");
        if (!tv[len]) goto nomem;
        wv[len++] = sqlite3_column_double(st, 1);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        r = db_fail(s, rc, "read posterior");
        goto drop;
    }
    *theta = tv;
    *w = wv;
    *n = len;
    return UNREST_OK;
nomem:
    sqlite3_finalize(st);
    set_err(s, "out of memory");
    r = UNREST_ENOMEM;
drop:
    for (size_t i = 0; i < len; i++)
        free(tv[i]);
    free(tv);
    free(wv);
    return r;
}
