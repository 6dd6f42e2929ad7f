/*
 * output.c - a run's files (output.h): the tidy CSVs and the manifest of scenario and classic
 * runs, written under temporary names and renamed together at the end. The manifest is built
 * with jansson from the key table, so that every value a run used is in it and a run can be
 * rebuilt from it; reals are written with the fewest digits that read back to the same double
 * for every number in the file.
 */
#define _XOPEN_SOURCE 700
#include "unrest/output.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { F_SERIES, F_DAILY, F_EVENTS, F_MANIFEST, F_MAX };
enum { PATH_MAX_OUT = 4200 };

static const char *const scenario_files[F_MAX] = {"series.csv", "daily.csv", "events.csv",
                                                  "manifest.json"};
/* a classic run's files, by slot (NULL: not written) */
static const char *const classic_files[F_MAX] = {"series.csv", NULL, NULL, "manifest.json"};

struct unrest_output {
    const char *const *names;      /* file names by slot (scenario_files or classic_files) */
    FILE *f[F_MAX];                /* open temporary files (NULL: closed or unused) */
    char tmp[F_MAX][PATH_MAX_OUT]; /* their paths ("" once renamed or unused) */
    char dir[PATH_MAX_OUT];        /* the folder */
    size_t n_sites, days;          /* scenario runs: the day table's shape */
    double tick_hours;             /* scenario runs: clock hours per tick */
    unrest_output_day *day;        /* [site * days + day] (owned) */
    uint64_t agent_updates;        /* citizen and cop agent updates so far */
    char err[1200];                /* last error */
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

unrest_status unrest_output_make_dirs(const char *path, char *err, size_t errlen)
{
    char buf[PATH_MAX_OUT];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) {
        set_err(err, errlen, "'%s': cannot create folder: %s", path, strerror(ENAMETOOLONG));
        return UNREST_EIO;
    }
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            set_err(err, errlen, "'%s': cannot create folder: %s", path, strerror(errno));
            return UNREST_EIO;
        }
        buf[i] = c;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        set_err(err, errlen, "'%s': cannot create folder: %s", path,
                strerror(errno ? errno : ENOTDIR));
        return UNREST_EIO;
    }
    return UNREST_OK;
}

/* Close and remove every temporary file still open or not renamed. */
static void discard(unrest_output *o)
{
    for (int k = 0; k < F_MAX; k++) {
        if (o->f[k]) fclose(o->f[k]);
        o->f[k] = NULL;
        if (o->tmp[k][0]) remove(o->tmp[k]);
        o->tmp[k][0] = '\0';
    }
}

void unrest_output_destroy(unrest_output *o)
{
    if (!o) return;
    discard(o);
    free(o->day);
    free(o);
}

const char *unrest_output_error(const unrest_output *o)
{
    return o ? o->err : "no output";
}

/* The handle with dir made and the files of names opened under temporary names. */
static unrest_status open_files(unrest_output **out, const char *dir, const char *const *names,
                                char *err, size_t errlen)
{
    *out = NULL;
    unrest_status st = unrest_output_make_dirs(dir, err, errlen);
    if (st != UNREST_OK) return st;
    unrest_output *o = calloc(1, sizeof *o);
    if (!o) {
        set_err(err, errlen, "out of memory");
        return UNREST_ENOMEM;
    }
    o->names = names;
    snprintf(o->dir, sizeof o->dir, "%s", dir);
    for (int k = 0; k < F_MAX; k++) {
        if (!names[k]) continue;
        snprintf(o->tmp[k], sizeof o->tmp[k], "%s/.%s.tmp", dir, names[k]);
        o->f[k] = fopen(o->tmp[k], "w");
        if (!o->f[k]) {
            set_err(err, errlen, "'%s': cannot write: %s", o->tmp[k], strerror(errno));
            o->tmp[k][0] = '\0';
            unrest_output_destroy(o);
            return UNREST_EIO;
        }
    }
    *out = o;
    return UNREST_OK;
}

/* Close every file and rename them into place; on error discard what is left. */
static unrest_status commit(unrest_output *o)
{
    for (int k = 0; k < F_MAX; k++) {
        if (!o->f[k]) continue;
        int bad = ferror(o->f[k]) | fclose(o->f[k]);
        o->f[k] = NULL;
        if (bad) {
            set_err(o->err, sizeof o->err, "cannot write '%s': %s", o->tmp[k], strerror(errno));
            discard(o);
            return UNREST_EIO;
        }
    }
    for (int k = 0; k < F_MAX; k++) {
        if (!o->tmp[k][0]) continue;
        char path[PATH_MAX_OUT + 64];
        snprintf(path, sizeof path, "%s/%s", o->dir, o->names[k]);
        if (rename(o->tmp[k], path) != 0) {
            set_err(o->err, sizeof o->err, "cannot finish '%s': %s", path, strerror(errno));
            discard(o);
            return UNREST_EIO;
        }
        o->tmp[k][0] = '\0';
    }
    return UNREST_OK;
}

/* ---- JSON with the fewest digits ------------------------------------------------------------ */

/* A manifest being built: reals are dumped with the largest of their shortest round-trip
 * precisions, so that 0.82 reads "0.82" and every value reads back exactly. */
typedef struct jdoc {
    int prec; /* digits needed so far (1..17) */
    int oom;  /* an allocation failed */
} jdoc;

static int shortest_digits(double v)
{
    char b[40];
    for (int p = 1; p < 17; p++) {
        snprintf(b, sizeof b, "%.*g", p, v);
        if (strtod(b, NULL) == v) return p;
    }
    return 17;
}

/* A JSON number for v (a string for inf and nan, which JSON lacks). */
static json_t *jreal(jdoc *d, double v)
{
    if (!isfinite(v)) return json_string(isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
    int p = shortest_digits(v);
    /* %g switches to an exponent when the exponent reaches the precision: keep whole numbers
     * up to 17 digits written out (2000000, not 2e+06) */
    double a = fabs(v);
    if (a >= 1 && a < 1e17) {
        int x = (int)floor(log10(a)) + 1;
        if (x > p) p = x;
    }
    if (p > d->prec) d->prec = p;
    return json_real(v);
}

/* v rounded to `places` decimals (the precision the old manifest printed). */
static json_t *jround(jdoc *d, double v, int places)
{
    double s = pow(10.0, places);
    return jreal(d, isfinite(v) ? round(v * s) / s : v);
}

static void jset(jdoc *d, json_t *obj, const char *key, json_t *v)
{
    if (!v || json_object_set_new(obj, key, v) != 0) d->oom = 1;
}

static void jappend(jdoc *d, json_t *arr, json_t *v)
{
    if (!v || json_array_append_new(arr, v) != 0) d->oom = 1;
}

/* A seed: an integer, or its decimal text above 2^63 - 1 (jansson's integers are signed). */
static json_t *jseed(uint64_t seed)
{
    char b[24];
    if (seed <= (uint64_t)INT64_MAX) return json_integer((json_int_t)seed);
    snprintf(b, sizeof b, "%" PRIu64, seed);
    return json_string(b);
}

static json_t *jhex(uint64_t h)
{
    char b[24];
    snprintf(b, sizeof b, "%016" PRIx64, h);
    return json_string(b);
}

/* Head of both manifests: program, version, command, file. */
static json_t *manifest_head(jdoc *d, const unrest_output_run *run)
{
    json_t *root = json_object(), *cmd = json_array();
    if (!root || !cmd) {
        json_decref(root);
        json_decref(cmd);
        d->oom = 1;
        return NULL;
    }
    jset(d, root, "program", json_string("unrest"));
    jset(d, root, "version", json_string(UNREST_VERSION));
    for (int i = 0; i < run->argc; i++)
        jappend(d, cmd, json_string(run->argv[i]));
    jset(d, root, "command", cmd);
    jset(d, root, "file", run->file ? json_string(run->file) : json_null());
    return root;
}

static unrest_status manifest_dump(jdoc *d, json_t *root, FILE *f, char *err, size_t errlen)
{
    if (d->oom || !root) {
        json_decref(root);
        set_err(err, errlen, "out of memory writing the manifest");
        return UNREST_ENOMEM;
    }
    int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION((unsigned)d->prec));
    json_decref(root);
    if (rc != 0 || fputc('\n', f) == EOF) {
        set_err(err, errlen, "cannot write the manifest: %s", strerror(errno));
        return UNREST_EIO;
    }
    return UNREST_OK;
}

/* ---- scenario runs ------------------------------------------------------------------------ */

unrest_status unrest_output_create(unrest_output **out, const char *dir, const unrest_world *w,
                                   char *err, size_t errlen)
{
    unrest_status st = open_files(out, dir, scenario_files, err, errlen);
    if (st != UNREST_OK) return st;
    unrest_output *o = *out;
    const unrest_scenario *sc = unrest_world_scenario(w);
    o->n_sites = unrest_world_site_count(w);
    o->tick_hours = sc->p.tick_hours;
    o->days = (size_t)ceil((double)unrest_world_ticks(w) * o->tick_hours / 24.0 - 1e-9);
    o->day = calloc(o->n_sites * (o->days ? o->days : 1), sizeof *o->day);
    if (!o->day) {
        unrest_output_destroy(o);
        *out = NULL;
        set_err(err, errlen, "out of memory");
        return UNREST_ENOMEM;
    }
    fprintf(o->f[F_SERIES],
            "tick,time,site,active,jailed,arrests,killed,detained_total,dead_total,participants,"
            "legitimacy,hardship,threshold,k,fuel_price,internet,police,troops,cop_agents,"
            "emergency,curfew,captured\n");
    fprintf(o->f[F_EVENTS], "tick,time,label\n");
    return UNREST_OK;
}

unrest_status unrest_output_tick(unrest_output *o, const unrest_world *w)
{
    const unrest_scenario *sc = unrest_world_scenario(w);
    int64_t t = unrest_world_tick(w);
    char when[32];
    unrest_format_time(unrest_world_time(w), sc->p.utc_offset_min, when, sizeof when);
    for (const char *fired = unrest_world_fired(w); *fired;) {
        const char *nl = strchr(fired, '\n');
        size_t l = nl ? (size_t)(nl - fired) : strlen(fired);
        fprintf(o->f[F_EVENTS], "%" PRId64 ",%s,\"%.*s\"\n", t, when, (int)l, fired);
        fired += l + (nl != NULL);
    }
    size_t d = (size_t)floor((double)(t - 1) * o->tick_hours / 24.0);
    if (d >= o->days) d = o->days - 1;
    for (size_t i = 0; i < o->n_sites; i++) {
        unrest_site_state s;
        unrest_world_site(w, i, &s);
        o->agent_updates += s.agents + s.cop_agents;
        uint32_t held = 0;
        for (size_t f = 0; f < s.n_focal; f++)
            held |= (uint32_t)s.captured[f] << f;
        fprintf(o->f[F_SERIES],
                "%" PRId64 ",%s,%s,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.6f,%.6f,%.6f,%.6f,"
                "%.2f,%.3f,%.0f,%.0f,%u,%d,%d,%u\n",
                t, when, s.name, s.active, s.jailed, s.arrests, s.killed, s.detained_total,
                s.dead_total, s.participants, s.legitimacy, s.hardship, s.threshold, s.k,
                s.fuel_price, s.internet, s.police, s.troops, s.cop_agents, s.emergency, s.curfew,
                held);
        unrest_output_day *r = &o->day[i * o->days + d];
        if (s.active > r->peak) r->peak = s.active;
        r->detained += s.arrests;
        r->dead += s.killed;
        r->captured |= held;
        r->legitimacy_end = s.legitimacy;
    }
    if (ferror(o->f[F_SERIES]) || ferror(o->f[F_EVENTS])) {
        set_err(o->err, sizeof o->err, "cannot write '%s': %s", o->tmp[F_SERIES], strerror(errno));
        return UNREST_EIO;
    }
    return UNREST_OK;
}

const unrest_output_day *unrest_output_days(const unrest_output *o, size_t *days)
{
    *days = o->days;
    return o->day;
}

uint64_t unrest_output_agent_updates(const unrest_output *o)
{
    return o->agent_updates;
}

static void write_daily(unrest_output *o, const unrest_scenario *sc)
{
    FILE *f = o->f[F_DAILY];
    fprintf(f, "day,date,site,active_peak,detained,dead,captured,legitimacy\n");
    for (size_t d = 0; d < o->days; d++) {
        char when[32];
        unrest_format_time(sc->p.start + (int64_t)d * 86400, sc->p.utc_offset_min, when,
                           sizeof when);
        when[10] = '\0';
        for (size_t i = 0; i < o->n_sites; i++) {
            const unrest_output_day *r = &o->day[i * o->days + d];
            fprintf(f, "%zu,%s,%s,%.0f,%.0f,%.0f,%u,%.6f\n", d + 1, when, sc->site[i].name, r->peak,
                    r->detained, r->dead, (unsigned)__builtin_popcount(r->captured),
                    r->legitimacy_end);
        }
    }
}

/* Every value of the key table at its concrete path, typed; tags for those the file gave. */
static unrest_status manifest_params(jdoc *d, const unrest_scenario *sc, json_t *params,
                                     json_t *tags, char *err, size_t errlen)
{
    char path[256], text[512], e[256];
    const unrest_key_info *k;
    for (size_t i = 0; (k = unrest_scenario_path(sc, i, path, sizeof path)) != NULL; i++) {
        if (unrest_scenario_get(sc, path, text, sizeof text, e, sizeof e) != UNREST_OK) {
            set_err(err, errlen, "manifest: %s: %s", path, e);
            return UNREST_EINVAL;
        }
        double v;
        json_t *j;
        switch (k->type) {
        case UNREST_KEY_REAL:
        case UNREST_KEY_UINT:
        case UNREST_KEY_BOOL:
            if (unrest_scenario_get_number(sc, path, &v, e, sizeof e) != UNREST_OK) {
                set_err(err, errlen, "manifest: %s: %s", path, e);
                return UNREST_EINVAL;
            }
            if (k->type == UNREST_KEY_BOOL)
                j = json_boolean(v != 0);
            else if (k->type == UNREST_KEY_UINT && fabs(v) < 9e15)
                j = json_integer((json_int_t)v);
            else
                j = jreal(d, v);
            break;
        default:
            j = json_string(text);
        }
        jset(d, params, path, j);
        unrest_key_tag t = unrest_scenario_tag(sc, path);
        if (t != UNREST_TAG_NONE) jset(d, tags, path, json_string(unrest_key_tag_name(t)));
    }
    return UNREST_OK;
}

static json_t *manifest_outcomes(jdoc *d, const unrest_outcomes *o)
{
    json_t *j = json_object();
    if (!j) return NULL;
    jset(d, j, "class", json_string(unrest_outcome_class_name(o->cls)));
    jset(d, j, "peak_active", jround(d, o->peak_active, 0));
    jset(d, j, "peak_tick", json_integer(o->peak_tick));
    jset(d, j, "participants", jround(d, o->participants, 0));
    jset(d, j, "dead", jround(d, o->dead, 0));
    jset(d, j, "injured", jround(d, o->injured, 0));
    jset(d, j, "security_dead", jround(d, o->security_dead, 0));
    jset(d, j, "security_injured", jround(d, o->security_injured, 0));
    jset(d, j, "detained", jround(d, o->detained, 0));
    jset(d, j, "sites_captured", json_integer(o->sites_captured));
    jset(d, j, "held_at_end", json_integer(o->held_at_end));
    jset(d, j, "duration_hours", jround(d, o->duration_hours, 1));
    jset(d, j, "final_legitimacy", jround(d, o->final_legitimacy, 6));
    jset(d, j, "ended", json_boolean(o->ended));
    return j;
}

unrest_status unrest_output_manifest_write(FILE *f, const unrest_world *w,
                                           const unrest_output_run *run, uint64_t agent_updates,
                                           char *err, size_t errlen)
{
    const unrest_scenario *sc = unrest_world_scenario(w);
    jdoc d = {.prec = 1};
    json_t *root = manifest_head(&d, run);
    if (!root) return manifest_dump(&d, NULL, f, err, errlen);
    char abs[PATH_MAX];
    jset(&d, root, "scenario_file",
         run->file && realpath(run->file, abs) ? json_string(abs) : json_null());
    jset(&d, root, "scenario", json_string(sc->name));
    jset(&d, root, "base_hash", jhex(run->base_hash));
    jset(&d, root, "scenario_hash", jhex(unrest_scenario_hash(sc)));
    jset(&d, root, "seed", jseed(run->seed));
    jset(&d, root, "ticks", json_integer(unrest_world_ticks(w)));
    jset(&d, root, "sites", json_integer((json_int_t)sc->n_sites));
    jset(&d, root, "events", json_integer((json_int_t)sc->n_events));
    json_t *params = json_object(), *tags = json_object();
    unrest_status st = UNREST_ENOMEM;
    if (params && tags) st = manifest_params(&d, sc, params, tags, err, errlen);
    jset(&d, root, "params", params);
    jset(&d, root, "tags", tags);
    if (st != UNREST_OK) {
        json_decref(root);
        if (st == UNREST_ENOMEM) set_err(err, errlen, "out of memory writing the manifest");
        return st;
    }
    unrest_outcomes o;
    unrest_world_outcomes(w, &o);
    jset(&d, root, "outcomes", manifest_outcomes(&d, &o));
    jset(&d, root, "threads", json_integer(run->threads));
    jset(&d, root, "wall_seconds", jround(&d, run->wall_seconds, 6));
    jset(&d, root, "agent_updates", json_integer((json_int_t)agent_updates));
    json_t *outs = json_array();
    if (!outs) d.oom = 1;
    for (int k = 0; outs && k < F_MANIFEST; k++)
        jappend(&d, outs, json_string(scenario_files[k]));
    jset(&d, root, "outputs", outs);
    return manifest_dump(&d, root, f, err, errlen);
}

unrest_status unrest_output_finish(unrest_output *o, const unrest_world *w,
                                   const unrest_output_run *run)
{
    write_daily(o, unrest_world_scenario(w));
    unrest_status st = unrest_output_manifest_write(o->f[F_MANIFEST], w, run, o->agent_updates,
                                                    o->err, sizeof o->err);
    if (st != UNREST_OK) {
        discard(o);
        return st;
    }
    return commit(o);
}

/* ---- rebuilding a run from its manifest ---------------------------------------------------- */

static int parse_hex(const json_t *j, uint64_t *out)
{
    const char *s = json_string_value(j);
    if (!s || strlen(s) != 16) return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 16);
    if (*end || errno) return -1;
    *out = v;
    return 0;
}

/* The text --set takes for a manifest value; -1 if the value has no such text. */
static int value_text(const json_t *v, char *buf, size_t n)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        snprintf(buf, n, "%s", json_string_value(v));
        return 0;
    case JSON_INTEGER:
        snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return 0;
    case JSON_REAL:
        snprintf(buf, n, "%.17g", json_real_value(v));
        return 0;
    case JSON_TRUE:
    case JSON_FALSE:
        snprintf(buf, n, "%s", json_is_true(v) ? "true" : "false");
        return 0;
    default:
        return -1;
    }
}

/* Read the base scenario: the recorded file (absolute path first, then as given) or the
 * built-in default; file gets the path used. */
static unrest_status load_base(const json_t *root, const char *mpath, unrest_scenario *sc,
                               char *file, size_t filelen, char *err, size_t errlen)
{
    const char *given = json_string_value(json_object_get(root, "file"));
    const char *abs = json_string_value(json_object_get(root, "scenario_file"));
    unrest_scenario_init(sc);
    if (!given) {
        size_t len;
        const char *text = unrest_scenario_builtin(&len);
        if (file && filelen) file[0] = '\0';
        return unrest_scenario_load_string(sc, text, len, "<builtin kazakhstan-2022>", err, errlen);
    }
    struct stat st;
    const char *use = abs && stat(abs, &st) == 0 ? abs : given;
    if (stat(use, &st) != 0) {
        set_err(err, errlen, "%s: the scenario file '%s' of the run cannot be read: %s", mpath,
                abs ? abs : given, strerror(errno));
        return UNREST_EIO;
    }
    if (file && filelen) snprintf(file, filelen, "%s", use);
    return unrest_scenario_load(sc, use, err, errlen);
}

/* Set every recorded value on sc. */
static unrest_status apply_params(const json_t *params, const char *mpath, unrest_scenario *sc,
                                  char *err, size_t errlen)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)params, key, v)
    {
        char text[600], a[1024], e[1024];
        if (value_text(v, text, sizeof text) != 0) {
            set_err(err, errlen, "%s: params.%s: expected a number, true/false or text", mpath,
                    key);
            return UNREST_EINVAL;
        }
        snprintf(a, sizeof a, "%s=%s", key, text);
        if (unrest_scenario_set(sc, a, e, sizeof e) != UNREST_OK) {
            set_err(err, errlen, "%s: params: %s", mpath, e);
            return UNREST_EINVAL;
        }
    }
    return UNREST_OK;
}

unrest_status unrest_output_manifest_load(const char *path, unrest_scenario *sc, uint64_t *seed,
                                          uint64_t *base_hash, char *file, size_t filelen,
                                          char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) {
        set_err(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
        return UNREST_EIO;
    }
    unrest_status st = UNREST_EINVAL;
    uint64_t want_base, want_hash;
    const json_t *params = json_object_get(root, "params"), *js = json_object_get(root, "seed");
    if (!json_is_object(params) || parse_hex(json_object_get(root, "base_hash"), &want_base) ||
        parse_hex(json_object_get(root, "scenario_hash"), &want_hash) ||
        !(json_is_integer(js) || json_is_string(js))) {
        set_err(err, errlen,
                "%s: not a scenario run's manifest (it needs params, seed, base_hash and "
                "scenario_hash)",
                path);
        goto done;
    }
    if (json_is_integer(js) && json_integer_value(js) >= 0) {
        *seed = (uint64_t)json_integer_value(js);
    } else {
        char *end;
        const char *s = json_string_value(js);
        errno = 0;
        *seed = s && *s != '-' ? strtoull(s, &end, 10) : 0;
        if (!s || *s == '-' || *end || errno) {
            set_err(err, errlen, "%s: seed must be an integer in [0, 2^64)", path);
            goto done;
        }
    }
    if ((st = load_base(root, path, sc, file, filelen, err, errlen)) != UNREST_OK) goto done;
    *base_hash = unrest_scenario_hash(sc);
    if (*base_hash != want_base) {
        set_err(err, errlen,
                "%s: the scenario file has changed since the run (hash %016" PRIx64
                ", the run had %016" PRIx64 "): its events are not in the manifest",
                path, *base_hash, want_base);
        st = UNREST_ESTATE;
        goto done;
    }
    if ((st = apply_params(params, path, sc, err, errlen)) != UNREST_OK) goto done;
    if ((st = unrest_scenario_validate(sc, err, errlen)) != UNREST_OK) goto done;
    if (unrest_scenario_hash(sc) != want_hash) {
        set_err(err, errlen,
                "%s: the rebuilt scenario's hash %016" PRIx64 " is not the run's %016" PRIx64, path,
                unrest_scenario_hash(sc), want_hash);
        st = UNREST_ESTATE;
        goto done;
    }
    st = UNREST_OK;
done:
    json_decref(root);
    return st;
}

/* ---- classic runs ------------------------------------------------------------------------- */

unrest_status unrest_output_classic_create(unrest_output **out, const char *dir, char *err,
                                           size_t errlen)
{
    unrest_status st = open_files(out, dir, classic_files, err, errlen);
    if (st != UNREST_OK) return st;
    fprintf((*out)->f[F_SERIES], "tick,citizens,quiescent,active,jailed,cops,arrests,releases,"
                                 "moves,legitimacy,tension\n");
    return UNREST_OK;
}

unrest_status unrest_output_classic_tick(unrest_output *o, const unrest_counts *c)
{
    fprintf(o->f[F_SERIES], "%" PRIu64 ",%u,%u,%u,%u,%u,%u,%u,%" PRIu64 ",%.6f,%.6f\n", c->tick,
            c->citizens, c->quiet, c->active, c->jailed, c->cops, c->arrests, c->releases, c->moves,
            c->legitimacy, c->tension);
    if (ferror(o->f[F_SERIES])) {
        set_err(o->err, sizeof o->err, "cannot write '%s': %s", o->tmp[F_SERIES], strerror(errno));
        return UNREST_EIO;
    }
    return UNREST_OK;
}

/* A classic parameter's text as JSON: numbers and booleans as such, the rest as strings. */
static json_t *param_json(jdoc *d, const char *text)
{
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    if (v && json_is_real(v)) {
        double x = json_real_value(v);
        json_decref(v);
        return jreal(d, x);
    }
    if (v && (json_is_integer(v) || json_is_boolean(v))) return v;
    json_decref(v);
    return json_string(text);
}

static json_t *classic_events(jdoc *d, const unrest_runspec *rs)
{
    json_t *evs = json_array();
    for (size_t i = 0; evs && i < rs->nevents; i++) {
        const unrest_event *e = &rs->events[i];
        json_t *j = json_object();
        if (!j) {
            d->oom = 1;
            break;
        }
        if (e->is_ramp) {
            jset(d, j, "ramp", json_string(e->name));
            jset(d, j, "from", jreal(d, e->from));
            jset(d, j, "to", jreal(d, e->to));
            jset(d, j, "start", json_integer(e->start));
            jset(d, j, "end", json_integer(e->end));
        } else {
            json_t *set = json_object();
            jset(d, j, "at", json_integer(e->start));
            if (set) jset(d, set, e->name, json_string(e->value));
            jset(d, j, "set", set);
        }
        jappend(d, evs, j);
    }
    return evs;
}

static json_t *classic_summary(jdoc *d, const unrest_summary *s)
{
    json_t *j = json_object();
    if (!j) return NULL;
    jset(d, j, "mean_active", jround(d, s->mean_active, 6));
    jset(d, j, "max_active", json_integer(s->max_active));
    jset(d, j, "outbursts", json_integer((json_int_t)s->outbursts));
    jset(d, j, "mean_peak", jround(d, s->mean_peak, 3));
    jset(d, j, "mean_total_activation", jround(d, s->mean_total, 3));
    jset(d, j, "mean_wait", jround(d, s->mean_wait, 3));
    jset(d, j, "sd_wait", jround(d, s->sd_wait, 3));
    jset(d, j, "mean_jailed", jround(d, s->mean_jailed, 3));
    jset(d, j, "final_jailed", json_integer(s->final_jailed));
    return j;
}

unrest_status unrest_output_classic_finish(unrest_output *o, const unrest_runspec *rs,
                                           const unrest_counts *final, const unrest_summary *s,
                                           const unrest_output_run *run)
{
    jdoc d = {.prec = 1};
    json_t *root = manifest_head(&d, run), *params = json_object(), *agents = json_object();
    if (root) {
        jset(&d, root, "profile", json_string(rs->profile[0] ? rs->profile : "paper"));
        jset(&d, root, "seed", jseed(rs->seed));
        jset(&d, root, "ticks", json_integer(rs->ticks));
        for (size_t i = 0; params && i < unrest_param_count(); i++) {
            const unrest_param_info *pi = unrest_param_info_at(i);
            char v[64];
            unrest_params_get(&rs->params, pi->name, v, sizeof v);
            jset(&d, params, pi->name,
                 pi->kind == UNREST_PARAM_ENUM ? json_string(v) : param_json(&d, v));
        }
        jset(&d, root, "params", params);
        jset(&d, root, "events", classic_events(&d, rs));
        if (agents) {
            jset(&d, agents, "citizens", json_integer(final->citizens));
            jset(&d, agents, "cops", json_integer(final->cops));
        }
        jset(&d, root, "agents", agents);
        jset(&d, root, "summary", classic_summary(&d, s));
        jset(&d, root, "threads", json_integer(run->threads));
        jset(&d, root, "wall_seconds", jround(&d, run->wall_seconds, 6));
        json_t *outs = json_array();
        if (outs) jappend(&d, outs, json_string("series.csv"));
        jset(&d, root, "outputs", outs);
    } else {
        json_decref(params);
        json_decref(agents);
    }
    unrest_status st = manifest_dump(&d, root, o->f[F_MANIFEST], o->err, sizeof o->err);
    if (st != UNREST_OK) {
        discard(o);
        return st;
    }
    return commit(o);
}
