/*
 * calibrate.c - calibration (calibrate.h): targets read from CSV and observed in a running world,
 * parameters with uniform or log-uniform priors, history matching in waves with GP emulators
 * (emulator.h) and ABC-SMC from the region history matching leaves, with a posterior predictive.
 * Everything happens in the unit box u in [0,1]^k (a log-uniform parameter is uniform in u).
 * Randomness: every simulation seed and every GSL generator derives from the master seed by
 * unrest_seed_derive along a path (stream, step, index), never seed + i; simulations run on
 * worker threads but every decision is taken on the calling thread in index order, so results
 * do not depend on the number of workers. Bounds: memory is O(points x waves x targets) for
 * history matching and O(particles x (k + targets)) per ABC generation.
 */
#define _DEFAULT_SOURCE /* timegm */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_sf_psi.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "unrest/calibrate.h"
#include "unrest/design.h"
#include "unrest/world.h"
#include "emulator.h"
#include "exp_int.h"
#include "fileio.h"

/* Streams of the seed paths: seed = derive(derive(derive(master, stream), a), b). */
enum {
    ST_LHS = 1,        /* wave-1 maximin LHS candidates (a = candidate) */
    ST_WAVE = 2,       /* wave runs (a = wave << 32 | point, b = replicate) */
    ST_NROY = 3,       /* NROY Monte Carlo (a = wave, b = batch) */
    ST_GP = 4,         /* emulator restarts (a = wave, b = emulator) */
    ST_ABC_RNG = 5,    /* ABC proposals and noise (a = generation) */
    ST_ABC_RUN = 6,    /* ABC runs (a = generation, b = proposal) */
    ST_PRED = 7,       /* posterior predictive draws (a = 0, b = draw) */
    ST_PRED_RUN = 8,   /* posterior predictive runs (a = 0, b = draw) */
    ST_NROY_CHAIN = 9, /* Metropolis chains on NROY (a = chain) */
    ST_REP_RUN = 10,   /* the representative's runs (a = particle, b = replicate) */
    ST_REP_FRESH = 11, /* the representative again, on seeds that did not choose it (b = run) */
};

#define MAX_WAVES 16
#define MAX_K 32
#define NROY_BATCH 2000      /* uniform draws per Monte Carlo batch */
#define NROY_MAX_DRAWS 60000 /* uniform draws per wave at most */
#define MAX_TRAIN 400        /* training points of an emulator at most (latest first) */

static uint64_t key3(uint64_t master, uint64_t stream, uint64_t a, uint64_t b)
{
    return unrest_seed_derive(unrest_seed_derive(unrest_seed_derive(master, stream), a), b);
}

/* ---- names ----------------------------------------------------------------------------------- */

static const char *const quantity_names[UNREST_CAL_QUANTITY_COUNT] = {
    "peak_active",   "participants",     "regions_active", "captured",
    "security_dead", "security_injured", "dead",           "detained",
    "injured",       "first_captured",   "first_withdrawn"};
static const char *const kind_names[UNREST_CAL_KIND_COUNT] = {"count", "pattern", "real"};

const char *unrest_cal_quantity_name(unrest_cal_quantity q)
{
    return (unsigned)q < UNREST_CAL_QUANTITY_COUNT ? quantity_names[q] : "unknown";
}

const char *unrest_cal_kind_name(unrest_cal_kind k)
{
    return (unsigned)k < UNREST_CAL_KIND_COUNT ? kind_names[k] : "unknown";
}

/* ---- targets: the CSV file ------------------------------------------------------------------- */

enum {
    COL_NAME,
    COL_QUANTITY,
    COL_PLACE,
    COL_FROM,
    COL_TO,
    COL_KIND,
    COL_VALUE,
    COL_LOW,
    COL_HIGH,
    COL_GRADE,
    COL_THRESHOLD,
    COL_NOTE,
    NCOLS
};
static const char *const col_names[NCOLS] = {"name", "quantity", "place",     "from",
                                             "to",   "kind",     "value",     "low",
                                             "high", "grade",    "threshold", "note"};
#define NREQUIRED COL_THRESHOLD /* columns before this one are required */

typedef struct field {
    char text[256]; /* unquoted */
    size_t col;     /* 1-based column of its first byte */
} field;

/* Split one CSV line into fields (RFC 4180 quoting within the line). -1 on a bad quote. */
static int csv_split(const char *s, size_t len, field *f, size_t maxf, size_t *nf, size_t *badcol)
{
    size_t i = 0, n = 0;
    for (;;) {
        if (n == maxf) return -2;
        field *c = &f[n++];
        c->col = i + 1;
        size_t w = 0;
        if (i < len && s[i] == '"') {
            i++;
            for (;;) {
                if (i >= len) {
                    *badcol = c->col;
                    return -1;
                }
                if (s[i] == '"') {
                    if (i + 1 < len && s[i + 1] == '"') {
                        if (w + 1 < sizeof c->text) c->text[w++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                if (w + 1 < sizeof c->text) c->text[w++] = s[i];
                i++;
            }
            if (i < len && s[i] != ',') {
                *badcol = i + 1;
                return -1;
            }
        } else {
            while (i < len && s[i] != ',') {
                if (w + 1 < sizeof c->text) c->text[w++] = s[i];
                i++;
            }
        }
        /* trim blanks */
        while (w > 0 && (c->text[w - 1] == ' ' || c->text[w - 1] == '\t' || c->text[w - 1] == '\r'))
            w--;
        c->text[w] = '\0';
        size_t lead = strspn(c->text, " \t");
        if (lead) memmove(c->text, c->text + lead, w - lead + 1);
        if (i >= len) break;
        i++; /* the comma */
    }
    *nf = n;
    return 0;
}

static unrest_status at_err(char *err, size_t errlen, const char *path, size_t line, size_t col,
                            unrest_status st, const char *fmt, ...) PRINTF_LIKE(7, 8);
static unrest_status at_err(char *err, size_t errlen, const char *path, size_t line, size_t col,
                            unrest_status st, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    exp_msg(err, errlen, "%s:%zu:%zu: %s", path, line, col, msg);
    return st;
}

/* The whole file at path (malloc'd), or a status and "path: cannot read: why" (err is ""
 * on success). */
static unrest_status read_whole(const char *path, char **text, size_t *len, char *err,
                                size_t errlen)
{
    if (err && errlen) err[0] = '\0';
    int r = file_read_all(path, text, len);
    if (r == FILE_OK) return UNREST_OK;
    exp_msg(err, errlen, "%s: cannot read: %s", path,
            r == FILE_ENOMEM ? "out of memory" : strerror(errno));
    return r == FILE_ENOMEM ? UNREST_ENOMEM : UNREST_EIO;
}

/* A local date-time "YYYY-MM-DD[(T| )HH:MM]" at utc_offset_min as UTC seconds. */
static int parse_local(const char *s, int32_t off, int64_t *t)
{
    int y, mo, d, h = 0, mi = 0, used = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10) return 0;
    if (s[10]) {
        int used2 = 0;
        if ((s[10] != 'T' && s[10] != ' ') || sscanf(s + 11, "%2d:%2d%n", &h, &mi, &used2) != 2 ||
            used2 != 5 || s[16])
            return 0;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || h < 0 || mi < 0) return 0;
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    time_t u = timegm(&tm);
    struct tm back;
    if (u == (time_t)-1 || !gmtime_r(&u, &back) || back.tm_mday != d) return 0; /* 31 April */
    *t = (int64_t)u - (int64_t)off * 60;
    return 1;
}

static int parse_real(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return *s && *end == '\0' && errno == 0 && isfinite(*v);
}

/* Resolve t->place against sc: sites mask, focal point. 0, or -1 with a reason in why. */
static int resolve_place(unrest_cal_target *t, const unrest_scenario *sc, const char **why)
{
    t->sites = 0;
    t->focal_site = t->focal = -1;
    const char *slash = strchr(t->place, '/');
    if (t->quantity == UNREST_CAL_CAPTURED || t->quantity == UNREST_CAL_FIRST_CAPTURED) {
        if (!slash) {
            *why = "captured and first_captured need a place 'Site/focal' (a site and one of its "
                   "focal points)";
            return -1;
        }
        char site[UNREST_CAL_PLACE];
        snprintf(site, sizeof site, "%.*s", (int)(slash - t->place), t->place);
        int si = unrest_scenario_site_index(sc, site);
        if (si < 0) {
            *why = "no such site";
            return -1;
        }
        const unrest_sc_site *s = &sc->site[si];
        for (size_t f = 0; f < s->n_focal; f++)
            if (!strcmp(s->focal[f].name, slash + 1)) t->focal = (int)f;
        if (t->focal < 0) {
            *why = "the site has no focal point of that name";
            return -1;
        }
        t->focal_site = si;
        t->sites = 1ull << si;
        return 0;
    }
    if (slash) {
        *why = "only captured takes a focal point ('Site/focal')";
        return -1;
    }
    if (!strcmp(t->place, "national")) {
        t->sites = sc->n_sites >= 64 ? ~0ull : (1ull << sc->n_sites) - 1;
        return 0;
    }
    int si = unrest_scenario_site_index(sc, t->place);
    if (si >= 0) {
        t->sites = 1ull << si;
        return 0;
    }
    for (size_t i = 0; i < sc->n_sites; i++)
        if (!strcmp(sc->site[i].region, t->place)) t->sites |= 1ull << i;
    if (!t->sites) {
        *why = "not a site, a region of the scenario, or 'national'";
        return -1;
    }
    return 0;
}

/* Parse one data line's fields (by column index map) into t. */
static unrest_status parse_target(const char *path, size_t line, const field *fv, const int *map,
                                  const unrest_scenario *sc, unrest_cal_target *t, char *err,
                                  size_t errlen)
{
    const field *f[NCOLS];
    static const field empty = {"", 1};
    for (int c = 0; c < NCOLS; c++)
        f[c] = map[c] >= 0 ? &fv[map[c]] : &empty;
#define BAD(c, ...) return at_err(err, errlen, path, line, f[c]->col, UNREST_EINVAL, __VA_ARGS__)
    memset(t, 0, sizeof *t);
    const char *name = f[COL_NAME]->text;
    if (!*name) BAD(COL_NAME, "empty target name");
    if (strlen(name) >= sizeof t->name)
        BAD(COL_NAME, "target name longer than %zu bytes", sizeof t->name - 1);
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == ';' || *p == '=')
            BAD(COL_NAME, "target name may not hold control characters, ';' or '='");
    memcpy(t->name, name, strlen(name) + 1); /* fits: checked above */
    int q = -1;
    for (int i = 0; i < UNREST_CAL_QUANTITY_COUNT; i++)
        if (!strcmp(f[COL_QUANTITY]->text, quantity_names[i])) q = i;
    if (q < 0)
        BAD(COL_QUANTITY,
            "unknown quantity '%.40s' (expected peak_active, participants, regions_active, "
            "captured, security_dead, security_injured, dead, detained or injured)",
            f[COL_QUANTITY]->text);
    t->quantity = (unrest_cal_quantity)q;
    if (strlen(f[COL_PLACE]->text) >= sizeof t->place) BAD(COL_PLACE, "place too long");
    memcpy(t->place, f[COL_PLACE]->text, strlen(f[COL_PLACE]->text) + 1);
    const char *why;
    if (resolve_place(t, sc, &why)) BAD(COL_PLACE, "place '%.60s': %s", t->place, why);
    int32_t off = sc->p.utc_offset_min;
    if (!parse_local(f[COL_FROM]->text, off, &t->from))
        BAD(COL_FROM, "'%.40s' is not a local date-time (YYYY-MM-DD or YYYY-MM-DDTHH:MM)",
            f[COL_FROM]->text);
    if (!parse_local(f[COL_TO]->text, off, &t->to))
        BAD(COL_TO, "'%.40s' is not a local date-time (YYYY-MM-DD or YYYY-MM-DDTHH:MM)",
            f[COL_TO]->text);
    if (t->to <= t->from) BAD(COL_TO, "the window ends before it starts");
    int64_t end = sc->p.start + (int64_t)sc->p.days * 86400;
    if (t->from < sc->p.start) BAD(COL_FROM, "the window starts before the run");
    if (t->to > end) BAD(COL_TO, "the window ends after the run (%u days)", sc->p.days);
    const char *kind = f[COL_KIND]->text;
    if (!strcmp(kind, "count"))
        t->kind = UNREST_CAL_COUNT;
    else if (!strcmp(kind, "pattern"))
        t->kind = UNREST_CAL_PATTERN;
    else
        BAD(COL_KIND, "kind must be count or pattern, got '%.40s'", kind);
    if ((t->quantity == UNREST_CAL_CAPTURED || t->quantity == UNREST_CAL_FIRST_CAPTURED) &&
        t->kind != UNREST_CAL_PATTERN)
        BAD(COL_KIND, "%s is a pattern (0/1)", quantity_names[t->quantity]);
    if (t->quantity == UNREST_CAL_FIRST_WITHDRAWN && t->kind != UNREST_CAL_PATTERN)
        BAD(COL_KIND, "first_withdrawn is a pattern (0/1)");
    if (t->quantity == UNREST_CAL_REGIONS_ACTIVE && t->kind != UNREST_CAL_COUNT)
        BAD(COL_KIND, "regions_active is a count");
    t->value = NAN;
    t->low = t->high = NAN;
    if (t->kind == UNREST_CAL_COUNT) {
        if (!parse_real(f[COL_LOW]->text, &t->low) || t->low < 0)
            BAD(COL_LOW, "a count needs low, a number >= 0");
        if (!parse_real(f[COL_HIGH]->text, &t->high) || t->high < t->low)
            BAD(COL_HIGH, "a count needs high, a number >= low");
        if (f[COL_VALUE]->text[0]) {
            if (!parse_real(f[COL_VALUE]->text, &t->value) || t->value < t->low ||
                t->value > t->high)
                BAD(COL_VALUE, "value must be a number in [low, high] (or empty)");
        }
    } else {
        if (strcmp(f[COL_VALUE]->text, "0") && strcmp(f[COL_VALUE]->text, "1"))
            BAD(COL_VALUE, "a pattern's value is 0 or 1");
        t->value = f[COL_VALUE]->text[0] == '1';
        if (f[COL_LOW]->text[0] || f[COL_HIGH]->text[0])
            BAD(f[COL_LOW]->text[0] ? COL_LOW : COL_HIGH, "a pattern has no low or high");
    }
    const char *g = f[COL_GRADE]->text;
    if ((g[0] != 'A' && g[0] != 'B' && g[0] != 'C') || g[1])
        BAD(COL_GRADE, "grade must be A, B or C");
    t->grade = g[0];
    t->threshold = t->quantity == UNREST_CAL_REGIONS_ACTIVE ? 100 : 1;
    if (f[COL_THRESHOLD]->text[0]) {
        if (!parse_real(f[COL_THRESHOLD]->text, &t->threshold) || t->threshold < 0)
            BAD(COL_THRESHOLD, "threshold must be a number >= 0");
    }
#undef BAD
    return UNREST_OK;
}

unrest_status unrest_calibrate_targets_load(const char *path, const unrest_scenario *sc,
                                            unrest_cal_target **out, size_t *n, char *err,
                                            size_t errlen)
{
    char *text;
    size_t len;
    *out = NULL;
    *n = 0;
    unrest_status rs = read_whole(path, &text, &len, err, errlen);
    if (rs != UNREST_OK) return rs;
    unrest_status st = UNREST_OK;
    unrest_cal_target *v = NULL;
    size_t cnt = 0, cap = 0, line = 0;
    int map[NCOLS], header = 0;
    field *fv = malloc(32 * sizeof *fv);
    if (!fv) {
        free(text);
        exp_msg(err, errlen, "out of memory");
        return UNREST_ENOMEM;
    }
    for (size_t s = 0; s < len && st == UNREST_OK;) {
        size_t e = s;
        while (e < len && text[e] != '\n')
            e++;
        line++;
        size_t l = e - s, lead = 0;
        while (lead < l && (text[s + lead] == ' ' || text[s + lead] == '\t'))
            lead++;
        if (lead == l || text[s + lead] == '#' || (l - lead == 1 && text[s + lead] == '\r')) {
            s = e + 1;
            continue;
        }
        size_t nf = 0, badcol = 0;
        int rc = csv_split(text + s, l, fv, 32, &nf, &badcol);
        if (rc == -1) {
            st = at_err(err, errlen, path, line, badcol, UNREST_EINVAL, "bad quoting");
            break;
        }
        if (rc == -2) {
            st = at_err(err, errlen, path, line, 1, UNREST_EINVAL, "more than 32 fields");
            break;
        }
        if (!header) {
            for (int c = 0; c < NCOLS; c++)
                map[c] = -1;
            for (size_t i = 0; i < nf && st == UNREST_OK; i++) {
                int c = -1;
                for (int j = 0; j < NCOLS; j++)
                    if (!strcmp(fv[i].text, col_names[j])) c = j;
                if (c < 0)
                    st = at_err(err, errlen, path, line, fv[i].col, UNREST_EINVAL,
                                "unknown column '%.40s' (expected name, quantity, place, from, "
                                "to, kind, value, low, high, grade, threshold, note)",
                                fv[i].text);
                else if (map[c] >= 0)
                    st = at_err(err, errlen, path, line, fv[i].col, UNREST_EINVAL,
                                "duplicate column '%s'", col_names[c]);
                else
                    map[c] = (int)i;
            }
            for (int c = 0; c < NREQUIRED && st == UNREST_OK; c++)
                if (map[c] < 0)
                    st = at_err(err, errlen, path, line, 1, UNREST_EINVAL,
                                "the header has no column '%s'", col_names[c]);
            header = 1;
            s = e + 1;
            continue;
        }
        /* missing trailing fields read as empty */
        int maxcol = 0;
        for (int c = 0; c < NCOLS; c++)
            if (map[c] > maxcol) maxcol = map[c];
        for (; nf < 32 && (int)nf <= maxcol; nf++) {
            fv[nf].text[0] = '\0';
            fv[nf].col = l + 1;
        }
        if (cnt == cap) {
            cap = cap ? 2 * cap : 16;
            unrest_cal_target *nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                st = UNREST_ENOMEM;
                exp_msg(err, errlen, "out of memory");
                break;
            }
            v = nv;
        }
        st = parse_target(path, line, fv, map, sc, &v[cnt], err, errlen);
        for (size_t j = 0; st == UNREST_OK && j < cnt; j++)
            if (!strcmp(v[j].name, v[cnt].name))
                st = at_err(err, errlen, path, line, fv[map[COL_NAME]].col, UNREST_EINVAL,
                            "duplicate target name '%s'", v[cnt].name);
        cnt++;
        s = e + 1;
    }
    if (st == UNREST_OK && cnt == 0)
        st = at_err(err, errlen, path, line ? line : 1, 1, UNREST_EINVAL,
                    header ? "no targets after the header" : "no header and no targets");
    free(fv);
    free(text);
    if (st != UNREST_OK) {
        free(v);
        return st;
    }
    *out = v;
    *n = cnt;
    return UNREST_OK;
}

void unrest_calibrate_target_scale(const unrest_cal_target *t, double md, double *z, double *v_obs,
                                   double *v_md)
{
    if (md < 0) md = 0;
    double sd_obs, sd_md;
    switch (t->kind) {
    case UNREST_CAL_COUNT: {
        double lo = t->low, hi = t->high;
        if (hi <= lo) { /* an exact count: read as +-1 */
            lo = lo >= 1 ? lo - 1 : 0;
            hi = hi + 1;
        }
        double a = log1p(lo), b = log1p(hi);
        *z = isnan(t->value) ? 0.5 * (a + b) : log1p(t->value);
        sd_obs = (b - a) / 4;
        sd_md = log1p(md);
        break;
    }
    case UNREST_CAL_PATTERN:
        *z = t->value;
        sd_obs = t->grade == 'A' ? 0.05 : t->grade == 'B' ? 0.1 : 0.2;
        sd_md = md;
        break;
    default:
        *z = isnan(t->value) ? 0.5 * (t->low + t->high) : t->value;
        sd_obs = isfinite(t->high - t->low) ? (t->high - t->low) / 4 : 0;
        sd_md = md * fabs(*z);
    }
    *v_obs = sd_obs * sd_obs;
    *v_md = sd_md * sd_md;
}

/* The emulated scale of an output. */
static double to_scale(unrest_cal_kind k, double v)
{
    return k == UNREST_CAL_COUNT ? log1p(v > 0 ? v : 0) : v;
}

/* ---- parameters ------------------------------------------------------------------------------ */

/* Set path=v on sc with the key's own syntax (integers rounded). */
static unrest_status set_value(unrest_scenario *sc, const char *path, double v, char *err,
                               size_t errlen)
{
    char buf[160];
    const unrest_key_info *ki = unrest_key_lookup(path);
    if (ki && ki->type == UNREST_KEY_UINT)
        snprintf(buf, sizeof buf, "%s=%.0f", path, nearbyint(v));
    else
        snprintf(buf, sizeof buf, "%s=%.17g", path, v);
    return unrest_scenario_set(sc, buf, err, errlen);
}

unrest_status unrest_calibrate_params_load(const char *path, const unrest_scenario *sc,
                                           unrest_cal_param **out, size_t *n, char *err,
                                           size_t errlen)
{
    char *text;
    size_t len;
    *out = NULL;
    *n = 0;
    unrest_status rs = read_whole(path, &text, &len, err, errlen);
    if (rs != UNREST_OK) return rs;
    /* the fourth column: 'log' is noted and blanked, so that unrest_factors_load reads the
     * rest (with the same line and column numbers); anything else is an error here */
    unsigned char logs[4096];
    size_t lines = 0, factor_lines = 0;
    unrest_status st = UNREST_OK;
    for (size_t s = 0; s <= len && st == UNREST_OK;) {
        size_t e = s;
        while (e < len && text[e] != '\n')
            e++;
        lines++;
        size_t ntok = 0;
        for (size_t i = s; i < e && text[i] != '#';) {
            if (text[i] == ' ' || text[i] == '\t' || text[i] == '\r') {
                i++;
                continue;
            }
            size_t b = i;
            while (i < e && text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '#')
                i++;
            if (++ntok == 4) {
                if (i - b == 3 && !memcmp(text + b, "log", 3)) {
                    memset(text + b, ' ', 3);
                    if (factor_lines < sizeof logs) logs[factor_lines] = 1;
                } else {
                    st = at_err(err, errlen, path, lines, b - s + 1, UNREST_EINVAL,
                                "expected 'log' or nothing after the upper bound, got '%.*s'",
                                (int)(i - b < 40 ? i - b : 40), text + b);
                }
            }
        }
        if (ntok > 0) {
            if (ntok < 4 && factor_lines < sizeof logs) logs[factor_lines] = 0;
            factor_lines++;
        }
        s = e + 1;
    }
    if (st == UNREST_OK && factor_lines > sizeof logs) {
        exp_msg(err, errlen, "%s: more than %zu parameters", path, sizeof logs);
        st = UNREST_ERANGE;
    }
    unrest_factor *f = NULL;
    size_t k = 0;
    if (st == UNREST_OK) st = unrest_factors_load_text(path, text, len, &f, &k, err, errlen);
    free(text);
    if (st != UNREST_OK) return st;
    unrest_cal_param *p = calloc(k, sizeof *p);
    unrest_scenario *copy = sc ? malloc(sizeof *copy) : NULL;
    if (!p || (sc && !copy)) {
        free(f);
        free(p);
        free(copy);
        exp_msg(err, errlen, "out of memory");
        return UNREST_ENOMEM;
    }
    if (k > MAX_K) {
        exp_msg(err, errlen, "%s: %zu parameters; at most %d", path, k, MAX_K);
        st = UNREST_ERANGE;
    }
    for (size_t i = 0; i < k && st == UNREST_OK; i++) {
        snprintf(p[i].path, sizeof p[i].path, "%s", f[i].name);
        p[i].lo = f[i].lo;
        p[i].hi = f[i].hi;
        p[i].log = logs[i];
        if (p[i].log && p[i].lo <= 0) {
            exp_msg(err, errlen, "%s: '%s' is log-uniform but its lower bound %g is not > 0", path,
                    p[i].path, p[i].lo);
            st = UNREST_ERANGE;
        }
        for (int e = 0; sc && e < 2 && st == UNREST_OK; e++) {
            char msg[512];
            memcpy(copy, sc, sizeof *copy);
            if (set_value(copy, p[i].path, e ? p[i].hi : p[i].lo, msg, sizeof msg) != UNREST_OK) {
                exp_msg(err, errlen, "%s: parameter '%s': %s", path, p[i].path, msg);
                st = UNREST_EINVAL;
            }
        }
    }
    free(f);
    free(copy);
    if (st != UNREST_OK) {
        free(p);
        return st;
    }
    *out = p;
    *n = k;
    return UNREST_OK;
}

/* u in [0,1] to the parameter's natural value, and back. */
static double from_unit(const unrest_cal_param *p, double u)
{
    if (p->log) return exp(log(p->lo) + u * (log(p->hi) - log(p->lo)));
    return p->lo + u * (p->hi - p->lo);
}

/* "path=value;..." of natural values theta (malloc'd). */
static char *theta_text(const unrest_cal_param *p, size_t k, const double *theta)
{
    size_t cap = 1;
    for (size_t i = 0; i < k; i++)
        cap += strlen(p[i].path) + 28;
    char *s = malloc(cap), *w = s;
    if (!s) return NULL;
    *w = '\0';
    for (size_t i = 0; i < k; i++)
        w += snprintf(w, cap - (size_t)(w - s), "%s%s=%.17g", i ? ";" : "", p[i].path, theta[i]);
    return s;
}

/* ---- the scenario simulator ------------------------------------------------------------------ */

/* What one target has seen so far in a run. */
typedef struct obs {
    double peak;            /* peak_active: the most at once */
    double start, end;      /* participants and cumulative totals at the window's ends */
    double region_peak[64]; /* regions_active: per region, the most at once */
    int held;               /* captured: held at some tick of the window */
} obs;

/* A cumulative quantity of one site now. */
static double site_total(const unrest_site_state *st, unrest_cal_quantity q)
{
    switch (q) {
    case UNREST_CAL_PARTICIPANTS:
        return st->participants;
    case UNREST_CAL_SECURITY_DEAD:
        return st->security_dead_total;
    case UNREST_CAL_SECURITY_INJURED:
        return st->security_injured_total;
    case UNREST_CAL_DEAD:
        return st->dead_total;
    case UNREST_CAL_DETAINED:
        return st->detained_total;
    case UNREST_CAL_INJURED:
        return st->injured_total;
    default:
        return 0;
    }
}

unrest_status unrest_calibrate_simulate(const unrest_scenario *sc, const unrest_cal_param *params,
                                        size_t k, const unrest_cal_target *targets, size_t m,
                                        const double *theta, uint64_t seed, double *out, char *err,
                                        size_t errlen)
{
    unrest_status st = UNREST_OK;
    unrest_world *w = NULL;
    unrest_scenario *own = malloc(sizeof *own);
    obs *o = calloc(m ? m : 1, sizeof *o);
    unrest_site_state *ss = malloc(UNREST_SC_MAX_SITES * sizeof *ss);
    if (!own || !o || !ss) {
        exp_msg(err, errlen, "out of memory");
        st = UNREST_ENOMEM;
        goto done;
    }
    memcpy(own, sc, sizeof *own);
    for (size_t i = 0; i < k; i++) {
        char msg[400];
        if ((st = set_value(own, params[i].path, theta[i], msg, sizeof msg)) != UNREST_OK) {
            exp_msg(err, errlen, "%s: %s", params[i].path, msg);
            goto done;
        }
    }
    if ((st = unrest_world_create(&w, own, seed, err, errlen)) != UNREST_OK) goto done;
    unrest_world_set_threads(w, 1);
    /* region of each site, numbered in order of first appearance */
    unsigned region[UNREST_SC_MAX_SITES], nregion = 0;
    for (size_t i = 0; i < own->n_sites; i++) {
        region[i] = nregion;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(own->site[j].region, own->site[i].region)) region[i] = region[j];
        if (region[i] == nregion) nregion++;
    }
    double dt = own->p.tick_hours * 3600.0;
    int64_t last = 0;
    for (size_t j = 0; j < m; j++)
        if (targets[j].to > last) last = targets[j].to;
    int64_t ticks = unrest_world_ticks(w);
    size_t ns = unrest_world_site_count(w);
    for (int64_t t = 0; t < ticks; t++) {
        double ts = (double)own->p.start + (double)t * dt, te = ts + dt;
        if (ts >= (double)last) break;
        if ((st = unrest_world_step(w)) != UNREST_OK) {
            exp_msg(err, errlen, "tick %lld: %s", (long long)t + 1, unrest_world_error(w));
            goto done;
        }
        for (size_t i = 0; i < ns; i++)
            unrest_world_site(w, i, &ss[i]);
        for (size_t j = 0; j < m; j++) {
            const unrest_cal_target *g = &targets[j];
            obs *b = &o[j];
            unrest_cal_quantity q = g->quantity;
            if (te <= (double)g->from) { /* before the window: the baseline of newcomers */
                if (q == UNREST_CAL_PARTICIPANTS) {
                    b->start = 0;
                    for (size_t i = 0; i < ns; i++)
                        if (g->sites >> i & 1) b->start += ss[i].participants;
                }
                if (q == UNREST_CAL_FIRST_WITHDRAWN) /* pulled back already: not first */
                    for (size_t i = 0; i < ns; i++)
                        if (g->sites >> i & 1 && ss[i].withdrawn) b->start = 1;
                continue;
            }
            if (ts >= (double)g->to) continue;
            double sum = 0, rsum[64] = {0};
            for (size_t i = 0; i < ns; i++) {
                if (!(g->sites >> i & 1)) continue;
                if (q == UNREST_CAL_PEAK_ACTIVE)
                    sum += ss[i].active;
                else if (q == UNREST_CAL_REGIONS_ACTIVE)
                    rsum[region[i]] += ss[i].active;
                else if (q == UNREST_CAL_FIRST_WITHDRAWN) {
                    if (ss[i].withdrawn) b->held = 1;
                } else if (q != UNREST_CAL_CAPTURED && q != UNREST_CAL_FIRST_CAPTURED)
                    sum += site_total(&ss[i], q);
            }
            if (q == UNREST_CAL_PEAK_ACTIVE) {
                if (sum > b->peak) b->peak = sum;
            } else if (q == UNREST_CAL_REGIONS_ACTIVE) {
                for (unsigned r = 0; r < nregion; r++)
                    if (rsum[r] > b->region_peak[r]) b->region_peak[r] = rsum[r];
            } else if (q == UNREST_CAL_CAPTURED) {
                const unrest_site_state *s = &ss[g->focal_site];
                int64_t first = (int64_t)floor(((double)g->from - (double)own->p.start) / dt);
                if (s->captured[g->focal] || s->captured_at[g->focal] >= first) b->held = 1;
            } else if (q == UNREST_CAL_FIRST_CAPTURED) { /* it first fell in the window */
                const unrest_site_state *s = &ss[g->focal_site];
                int64_t first = (int64_t)floor(((double)g->from - (double)own->p.start) / dt);
                if (s->first_captured_at[g->focal] >= first) b->held = 1;
            } else {
                b->end = sum;
            }
        }
    }
    for (size_t j = 0; j < m; j++) {
        const unrest_cal_target *g = &targets[j];
        const obs *b = &o[j];
        double v;
        switch (g->quantity) {
        case UNREST_CAL_PEAK_ACTIVE:
            v = b->peak;
            break;
        case UNREST_CAL_PARTICIPANTS:
            v = b->end - b->start;
            break;
        case UNREST_CAL_REGIONS_ACTIVE:
            v = 0;
            for (unsigned r = 0; r < nregion; r++)
                v += b->region_peak[r] >= g->threshold;
            break;
        case UNREST_CAL_CAPTURED:
        case UNREST_CAL_FIRST_CAPTURED:
            v = b->held;
            break;
        case UNREST_CAL_FIRST_WITHDRAWN:
            v = b->held && b->start == 0;
            break;
        default:
            v = b->end;
        }
        if (g->kind == UNREST_CAL_PATTERN && g->quantity != UNREST_CAL_CAPTURED &&
            g->quantity != UNREST_CAL_FIRST_CAPTURED && g->quantity != UNREST_CAL_FIRST_WITHDRAWN)
            v = v >= g->threshold;
        out[j] = v;
    }
done:
    unrest_world_destroy(w);
    free(own);
    free(o);
    free(ss);
    return st;
}

/* ---- the calibration ------------------------------------------------------------------------- */

/* One wave's emulators, per target (NULL where a target is not used). */
typedef struct wave_emu {
    gp **mean;     /* m: GP of the mean of the emulated output */
    gp **lvar;     /* m: GP of the log run-to-run variance (counts, reals); NULL: constant */
    double *lvar0; /* m: the constant log variance where lvar is NULL */
    size_t *order; /* m: the targets, the most often implausible first (impl_over) */
} wave_emu;

/* A design point and what its runs gave, on the emulated scale. */
typedef struct dpoint {
    unsigned wave;   /* 1, 2, ... */
    double u[MAX_K]; /* position in the unit box */
    double *mean;    /* m: mean over successful replicates */
    double *var;     /* m: sample variance (n - 1); NaN with fewer than 2 */
    unsigned ok;     /* successful replicates */
} dpoint;

struct unrest_calibration {
    unrest_cal_config c;        /* the configuration, defaults filled in */
    unrest_cal_param *params;   /* k (owned copy) */
    unrest_cal_target *targets; /* m (owned copy) */
    unrest_scenario *sc;        /* owned copy, or NULL with a custom simulator */
    size_t k, m;                /* parameters, targets */
    double *z, *vobs, *vmd;     /* m: observation on the emulated scale and its variances */
    unsigned char *used;        /* m: emulated and in the ABC distance */
    int64_t id;                 /* calibration row in the store (0: none) */
    int resumed;                /* found in the store */
    char err[1024];             /* last error */
    /* history matching */
    dpoint *pts; /* every design point of every wave */
    size_t npts, cappts;
    wave_emu emu[MAX_WAVES]; /* emulators of each wave */
    unrest_cal_wave waves[MAX_WAVES];
    char stop[MAX_WAVES][200]; /* waves[i].stop points here */
    size_t nwaves;
    double lo[MAX_K], hi[MAX_K]; /* bounding box of the current NROY */
    double *nroy;                /* sample of the current NROY (nnroy x k) */
    size_t nnroy;
    size_t nroy_darts;   /* its first points that are uniform darts (the rest: local moves) */
    char chain_why[120]; /* diagnostics of the Metropolis chains on NROY ("" without them) */
    /* ABC */
    unrest_cal_generation *gens;
    char (*gstop)[200]; /* gens[i].stop points here */
    size_t ngens, capgens;
    double *post_u, *post_theta, *post_w; /* posterior: n x k, n x k natural, n */
    size_t npost;
    double *pred; /* predictive runs x m (natural; NaN for failed runs) */
    size_t npred;
    double *sig;      /* m: the ABC distance's scales (after ABC) */
    double *rep_d;    /* npost: each particle's mean distance over `representative` runs */
    size_t rep;       /* the representative particle (with rep_d) */
    double rep_fresh; /* its mean distance over as many runs on fresh seeds */
    size_t reused;    /* emulators, NROY samples and ABC draws read back from the store */
};

static void note(unrest_calibration *cal, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void note(unrest_calibration *cal, const char *fmt, ...)
{
    if (!cal->c.progress) return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    unrest_cal_event ev = {.kind = UNREST_CAL_EV_NOTE, .note = buf};
    cal->c.progress(cal->c.user, &ev);
}

static unrest_status fail(unrest_calibration *cal, unrest_status st, const char *fmt, ...)
    PRINTF_LIKE(3, 4);
static unrest_status fail(unrest_calibration *cal, unrest_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cal->err, sizeof cal->err, fmt, ap);
    va_end(ap);
    return st;
}

static unrest_status store_fail(unrest_calibration *cal)
{
    return fail(cal, UNREST_EIO, "%s", unrest_store_error(cal->c.store));
}

/* ---- simulations on worker threads ----------------------------------------------------------- */

typedef struct sim_job {
    double theta[MAX_K]; /* natural values */
    uint64_t seed;       /* run seed */
    uint64_t point;      /* design point, proposal or draw */
    uint32_t rep;        /* replicate */
    double *out;         /* m outputs (natural scale) */
    int failed;          /* the run failed (error says why) */
    int stored;          /* found in the store */
    double elapsed;      /* seconds */
    char error[256];     /* why it failed */
} sim_job;

/* The store's cache of what a resumed calibration need not recompute (unrest_store_cal_cache):
 * found = 1 and *data (malloc'd) when it holds (kind, a, b) with exactly `want` bytes (0: any).
 * Without a store, or with a blob of another size, found = 0. The caller counts what it uses
 * (cal->reused). */
static unrest_status cache_get(unrest_calibration *cal, const char *kind, int64_t a, int64_t b,
                               size_t want, void **data, size_t *bytes, int *found)
{
    *data = NULL;
    *bytes = 0;
    *found = 0;
    if (!cal->c.store) return UNREST_OK;
    if (unrest_store_cal_cache_get(cal->c.store, cal->id, kind, a, b, data, bytes, found) !=
        UNREST_OK)
        return store_fail(cal);
    if (*found && want && *bytes != want) {
        free(*data);
        *data = NULL;
        *found = 0;
    }
    return UNREST_OK;
}

static unrest_status cache_put(unrest_calibration *cal, const char *kind, int64_t a, int64_t b,
                               const void *data, size_t bytes)
{
    if (!cal->c.store) return UNREST_OK;
    if (unrest_store_cal_cache_put(cal->c.store, cal->id, kind, a, b, data, bytes) != UNREST_OK)
        return store_fail(cal);
    return UNREST_OK;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void run_one(const unrest_calibration *cal, sim_job *j)
{
    double t0 = now_s();
    unrest_status st =
        cal->sc ? unrest_calibrate_simulate(cal->sc, cal->params, cal->k, cal->targets, cal->m,
                                            j->theta, j->seed, j->out, j->error, sizeof j->error)
                : cal->c.sim(cal->c.sim_user, j->theta, j->seed, j->out, j->error, sizeof j->error);
    j->failed = st != UNREST_OK;
    if (j->failed && !j->error[0]) snprintf(j->error, sizeof j->error, "%s", unrest_status_str(st));
    for (size_t i = 0; !j->failed && i < cal->m; i++)
        if (!isfinite(j->out[i])) {
            j->failed = 1;
            snprintf(j->error, sizeof j->error, "output '%s' is not a number",
                     cal->targets[i].name);
        }
    j->elapsed = now_s() - t0;
}

typedef struct pool {
    const unrest_calibration *cal; /* read only on the workers */
    sim_job *jobs;                 /* the batch */
    const size_t *todo;            /* indices to run */
    size_t ntodo;                  /* their count */
    pthread_mutex_t mu;            /* guards what follows */
    pthread_cond_t cv;             /* a job finished or a worker left */
    size_t next;                   /* next todo entry to hand out */
    size_t *fin;                   /* finished job indices, in completion order */
    size_t nfin;                   /* entries in fin */
    unsigned running;              /* workers still in their loop */
    int stop;                      /* the caller stops the batch */
} pool;

static void *pool_worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        if (p->stop || p->next >= p->ntodo) {
            p->running--;
            pthread_cond_signal(&p->cv);
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        size_t j = p->todo[p->next++];
        pthread_mutex_unlock(&p->mu);
        run_one(p->cal, &p->jobs[j]);
        pthread_mutex_lock(&p->mu);
        p->fin[p->nfin++] = j;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
}

/* Store one finished job. */
static unrest_status put_job(unrest_calibration *cal, const char *stage, uint32_t step,
                             const sim_job *j)
{
    if (!cal->c.store) return UNREST_OK;
    char *text = theta_text(cal->params, cal->k, j->theta);
    if (!text) return fail(cal, UNREST_ENOMEM, "out of memory");
    unrest_store_cal_run r = {.stage = stage,
                              .step = step,
                              .point = j->point,
                              .rep = j->rep,
                              .seed = j->seed,
                              .theta = text,
                              .failed = j->failed,
                              .error = j->error,
                              .elapsed_s = j->elapsed,
                              .out = j->out,
                              .m = cal->m};
    unrest_status st = unrest_store_cal_put(cal->c.store, cal->id, &r);
    free(text);
    return st == UNREST_OK ? UNREST_OK : store_fail(cal);
}

static void progress_runs(unrest_calibration *cal, const char *stage, size_t done, size_t total)
{
    if (!cal->c.progress) return;
    unrest_cal_event ev = {
        .kind = UNREST_CAL_EV_RUNS, .stage = stage, .done = done, .total = total};
    cal->c.progress(cal->c.user, &ev);
}

/* A batch handed to cal->c.dispatch: what its done callback needs. */
typedef struct dispatched {
    unrest_calibration *cal; /* the calibration */
    const char *stage;       /* of the batch */
    uint32_t step;           /* of the batch */
    sim_job *jobs;           /* the batch */
    const size_t *todo;      /* sims[i] is jobs[todo[i]] */
    unrest_cal_sim *sims;    /* what was dispatched */
    size_t done, n;          /* progress */
    unrest_status st;        /* first store failure */
} dispatched;

/* A dispatched run finished: judge it as run_one does, store it, report progress. */
static int dispatched_done(void *user, size_t i)
{
    dispatched *d = user;
    sim_job *j = &d->jobs[d->todo[i]];
    const unrest_cal_sim *r = &d->sims[i];
    j->failed = r->failed;
    j->elapsed = r->elapsed_s;
    snprintf(j->error, sizeof j->error, "%s", r->failed ? r->error : "");
    if (j->failed && !j->error[0]) snprintf(j->error, sizeof j->error, "failed");
    for (size_t o = 0; !j->failed && o < d->cal->m; o++)
        if (!isfinite(j->out[o])) {
            j->failed = 1;
            snprintf(j->error, sizeof j->error, "output '%s' is not a number",
                     d->cal->targets[o].name);
        }
    if (d->st == UNREST_OK) d->st = put_job(d->cal, d->stage, d->step, j);
    progress_runs(d->cal, d->stage, ++d->done, d->n);
    return d->st != UNREST_OK;
}

/* Run jobs[0..n) of (stage, step): those the store holds are read back, the others run on
 * the workers (or through c.dispatch) and are stored as they finish. */
static unrest_status run_batch(unrest_calibration *cal, const char *stage, uint32_t step,
                               sim_job *jobs, size_t n)
{
    unrest_status st = UNREST_OK;
    size_t *todo = malloc((n ? n : 1) * sizeof *todo), nt = 0, done = 0;
    size_t *fin = malloc((n ? n : 1) * sizeof *fin);
    if (!todo || !fin) {
        free(todo);
        free(fin);
        return fail(cal, UNREST_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        sim_job *j = &jobs[i];
        j->stored = j->failed = 0;
        j->error[0] = '\0';
        int found = 0, failed = 0;
        if (cal->c.store &&
            unrest_store_cal_get(cal->c.store, cal->id, stage, step, j->point, j->rep, j->out,
                                 cal->m, &found, &failed) != UNREST_OK) {
            st = store_fail(cal);
            goto out;
        }
        if (found) {
            j->stored = 1;
            j->failed = failed;
            if (failed) snprintf(j->error, sizeof j->error, "failed (stored)");
            done++;
        } else {
            todo[nt++] = i;
        }
    }
    if (done) progress_runs(cal, stage, done, n);
    if (cal->c.dispatch && cal->sc && nt > 0) {
        unrest_cal_sim *sims = calloc(nt, sizeof *sims);
        if (!sims) {
            st = fail(cal, UNREST_ENOMEM, "out of memory");
            goto out;
        }
        for (size_t t = 0; t < nt; t++) {
            sims[t].theta = jobs[todo[t]].theta;
            sims[t].seed = jobs[todo[t]].seed;
            sims[t].out = jobs[todo[t]].out;
        }
        dispatched d = {.cal = cal,
                        .stage = stage,
                        .step = step,
                        .jobs = jobs,
                        .todo = todo,
                        .sims = sims,
                        .done = done,
                        .n = n,
                        .st = UNREST_OK};
        unrest_status ds = cal->c.dispatch(cal->c.dispatch_ctx, cal->sc, cal->params, cal->k,
                                           cal->targets, cal->m, sims, nt, dispatched_done, &d);
        free(sims);
        st = d.st;
        if (st == UNREST_OK && ds != UNREST_OK)
            st = fail(cal, ds, "the runs could not be dispatched (%s)", unrest_status_str(ds));
        goto out;
    }
    unsigned nw = cal->c.workers;
    if (nw > nt) nw = (unsigned)nt;
    if (nw <= 1) {
        for (size_t t = 0; t < nt && st == UNREST_OK; t++) {
            run_one(cal, &jobs[todo[t]]);
            st = put_job(cal, stage, step, &jobs[todo[t]]);
            progress_runs(cal, stage, ++done, n);
        }
        goto out;
    }
    pool p = {.cal = cal, .jobs = jobs, .todo = todo, .ntodo = nt, .fin = fin};
    pthread_t th[256];
    if (nw > 256) nw = 256;
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    unsigned started = 0;
    pthread_mutex_lock(&p.mu);
    for (; started < nw; started++) {
        if (pthread_create(&th[started], NULL, pool_worker, &p) != 0) break;
        p.running++;
    }
    pthread_mutex_unlock(&p.mu);
    size_t handled = 0;
    if (started == 0) { /* no threads: run here */
        for (size_t t = 0; t < nt && st == UNREST_OK; t++) {
            run_one(cal, &jobs[todo[t]]);
            st = put_job(cal, stage, step, &jobs[todo[t]]);
            progress_runs(cal, stage, ++done, n);
        }
    }
    for (;;) {
        pthread_mutex_lock(&p.mu);
        while (handled == p.nfin && p.running > 0)
            pthread_cond_wait(&p.cv, &p.mu);
        if (handled == p.nfin) {
            pthread_mutex_unlock(&p.mu);
            break;
        }
        size_t j = p.fin[handled++];
        pthread_mutex_unlock(&p.mu);
        if (st != UNREST_OK) continue;
        st = put_job(cal, stage, step, &jobs[j]);
        if (st != UNREST_OK) {
            pthread_mutex_lock(&p.mu);
            p.stop = 1;
            pthread_mutex_unlock(&p.mu);
        }
        progress_runs(cal, stage, ++done, n);
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
out:
    free(todo);
    free(fin);
    return st;
}

/* ---- emulators and implausibility ------------------------------------------------------------ */

static int nused(const unrest_calibration *cal)
{
    int n = 0;
    for (size_t j = 0; j < cal->m; j++)
        n += cal->used[j];
    return n;
}

/* Run-to-run variance of target j at u by wave e's emulators, given the mean there. */
static double var_s(const unrest_calibration *cal, const wave_emu *e, size_t j, const double *u,
                    double mean)
{
    if (cal->targets[j].kind == UNREST_CAL_PATTERN) {
        double p = mean < 0 ? 0 : mean > 1 ? 1 : mean;
        return p * (1 - p);
    }
    return exp(e->lvar[j] ? gp_mean(e->lvar[j], u) : e->lvar0[j]);
}

/* I_M of wave w's emulators at u (w 0-based). When ratio is not NULL it gets the largest
 * V_em / (V_obs + V_md + V_s) over the targets. */
/* The implausibility I_j of target j under emulators e at u; *ratio (when not NULL) gets
 * V_em / (V_obs + V_md + V_s). */
static double target_impl(const unrest_calibration *cal, const wave_emu *e, size_t j,
                          const double *u, double *ratio)
{
    double mean, vem;
    gp_predict(e->mean[j], u, &mean, &vem);
    double other = cal->vobs[j] + cal->vmd[j] + var_s(cal, e, j, u, mean);
    double den = other + vem;
    if (ratio) *ratio = vem / (other > 1e-300 ? other : 1e-300);
    return fabs(cal->z[j] - mean) / sqrt(den > 1e-300 ? den : 1e-300);
}

static double impl_at(const unrest_calibration *cal, size_t w, const double *u, double *ratio)
{
    const wave_emu *e = &cal->emu[w];
    double i1 = 0, i2 = 0, r = 0;
    for (size_t j = 0; j < cal->m; j++) {
        if (!cal->used[j]) continue;
        double rr;
        double im = target_impl(cal, e, j, u, &rr);
        if (im > i1) {
            i2 = i1;
            i1 = im;
        } else if (im > i2) {
            i2 = im;
        }
        if (rr > r) r = rr;
    }
    if (ratio) *ratio = r;
    return (cal->c.use_max || nused(cal) < 2) ? i1 : i2;
}

/* impl_at(cal, w, u, NULL) >= cal->c.cutoff, stopping at the first (I_M) or second (the
 * second-largest) target over the cutoff: the same answer, at a fraction of the emulator
 * evaluations for the draws that fail (most of them when NROY is small). */
static int impl_over(const unrest_calibration *cal, size_t w, const double *u)
{
    const wave_emu *e = &cal->emu[w];
    unsigned need = (cal->c.use_max || nused(cal) < 2) ? 1 : 2, over = 0;
    for (size_t o = 0; o < cal->m; o++) {
        size_t j = e->order ? e->order[o] : o;
        if (!cal->used[j]) continue;
        if (target_impl(cal, e, j, u, NULL) >= cal->c.cutoff && ++over == need) return 1;
    }
    return 0;
}

/* u passes the emulators of waves 0..nw-1 (the latest, narrowest, first: the same answer). */
static int in_nroy(const unrest_calibration *cal, size_t nw, const double *u)
{
    for (size_t w = nw; w-- > 0;)
        if (impl_over(cal, w, u)) return 0;
    return 1;
}

/* I_M of a design point's simulated means (V_em = 0, V_s its sample variance). */
static double impl_sim(const unrest_calibration *cal, const dpoint *p)
{
    if (!p->ok) return NAN;
    double i1 = 0, i2 = 0;
    for (size_t j = 0; j < cal->m; j++) {
        if (!cal->used[j]) continue;
        double vs = cal->targets[j].kind == UNREST_CAL_PATTERN ? p->mean[j] * (1 - p->mean[j])
                                                               : (isnan(p->var[j]) ? 0 : p->var[j]);
        double den = cal->vobs[j] + cal->vmd[j] + vs;
        double im = fabs(cal->z[j] - p->mean[j]) / sqrt(den > 1e-300 ? den : 1e-300);
        if (im > i1) {
            i2 = i1;
            i1 = im;
        } else if (im > i2) {
            i2 = im;
        }
    }
    return (cal->c.use_max || nused(cal) < 2) ? i1 : i2;
}

static void emu_free(wave_emu *e, size_t m)
{
    for (size_t j = 0; e->mean && j < m; j++) {
        gp_free(e->mean[j]);
        gp_free(e->lvar[j]);
    }
    free(e->mean);
    free(e->lvar);
    free(e->lvar0);
    free(e->order);
    memset(e, 0, sizeof *e);
}

/* Fit wave w's emulators (w 0-based) on the points inside the NROY of the waves before it;
 * summary text of the fits into txt. */
static unrest_status fit_wave(unrest_calibration *cal, size_t w, unrest_cal_wave *wv, char *txt,
                              size_t txtlen)
{
    size_t m = cal->m, k = cal->k;
    wave_emu *e = &cal->emu[w];
    e->mean = calloc(m, sizeof *e->mean);
    e->lvar = calloc(m, sizeof *e->lvar);
    e->lvar0 = calloc(m, sizeof *e->lvar0);
    size_t *sel = malloc(cal->npts * sizeof *sel), n = 0;
    double *x = malloc(cal->npts * k * sizeof *x), *y = malloc(cal->npts * sizeof *y);
    double *mu = malloc(cal->npts * sizeof *mu), *va = malloc(cal->npts * sizeof *va);
    unrest_status st = UNREST_OK;
    if (!e->mean || !e->lvar || !e->lvar0 || !sel || !x || !y || !mu || !va) {
        st = fail(cal, UNREST_ENOMEM, "out of memory");
        goto out;
    }
    /* training points: the latest first, inside the earlier waves' NROY */
    for (size_t i = cal->npts; i-- > 0 && n < MAX_TRAIN;)
        if (cal->pts[i].ok && in_nroy(cal, w, cal->pts[i].u)) sel[n++] = i;
    wv->train = n;
    size_t used_txt = 0;
    txt[0] = '\0';
    if (n < 3) {
        st = fail(cal, UNREST_ESTATE,
                  "wave %zu: only %zu design points with successful runs inside NROY; too few "
                  "to emulate",
                  w + 1, n);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        memcpy(x + i * k, cal->pts[sel[i]].u, k * sizeof *x);
    wv->loo_out = wv->loo_n = 0;
    for (size_t j = 0; j < m; j++) {
        if (!cal->used[j]) continue;
        char msg[256];
        for (size_t i = 0; i < n; i++)
            y[i] = cal->pts[sel[i]].mean[j];
        /* a resumed calibration refits its emulators at the stored optimum, without the search */
        void *hyper;
        size_t hb;
        int hit;
        double t[MAX_K + 2];
        if ((st = cache_get(cal, "gp", (int64_t)w, (int64_t)(2 * j), (k + 2) * sizeof *t, &hyper,
                            &hb, &hit)) != UNREST_OK)
            goto out;
        gp_opts o = {.linear = 1,
                     .restarts = 4,
                     .seed = key3(cal->c.seed, ST_GP, w, 2 * j),
                     .nug_min = 1e-6,
                     .start = hyper};
        cal->reused += (size_t)hit;
        int bad = gp_fit(&e->mean[j], x, y, n, k, &o, msg, sizeof msg);
        free(hyper);
        if (bad) {
            st = fail(cal, UNREST_ESTATE, "wave %zu, target '%s': %s", w + 1, cal->targets[j].name,
                      msg);
            goto out;
        }
        if (!hit) {
            gp_theta(e->mean[j], t);
            if ((st = cache_put(cal, "gp", (int64_t)w, (int64_t)(2 * j), t, (k + 2) * sizeof *t)) !=
                UNREST_OK)
                goto out;
        }
        gp_loo(e->mean[j], mu, va);
        size_t out3 = 0;
        for (size_t i = 0; i < n; i++)
            if (fabs(y[i] - mu[i]) > 3 * sqrt(va[i])) out3++;
        wv->loo_out += out3;
        wv->loo_n += n;
        double ell[MAX_K], s2, nug;
        gp_hyper(e->mean[j], ell, &s2, &nug, NULL);
        if (used_txt < txtlen)
            used_txt += (size_t)snprintf(
                txt + used_txt, txtlen - used_txt,
                "%s: s2=%.3g nug=%.3g loo_out=%zu/%zu l=", cal->targets[j].name, s2, nug, out3, n);
        for (size_t d = 0; d < k && used_txt < txtlen; d++)
            used_txt +=
                (size_t)snprintf(txt + used_txt, txtlen - used_txt, "%s%.3g", d ? "," : "", ell[d]);
        /* run-to-run variance: a GP on the log sample variance, corrected for the bias of
         * log s^2 (E log s^2 = log sigma^2 + psi(nu/2) - log(nu/2), nu = replicates - 1) */
        if (cal->targets[j].kind != UNREST_CAL_PATTERN) {
            size_t nv = 0;
            double pooled = 0;
            for (size_t i = 0; i < n; i++) {
                const dpoint *p = &cal->pts[sel[i]];
                if (p->ok >= 2 && !isnan(p->var[j])) {
                    pooled += p->var[j];
                    nv++;
                }
            }
            pooled = nv ? pooled / (double)nv : 0;
            double floor_v = 1e-3 * (pooled > 1e-12 ? pooled : 1e-12);
            e->lvar0[j] = log(pooled + floor_v);
            if (nv >= 3 && pooled > 1e-12) {
                double *xv = malloc(nv * k * sizeof *xv), *yv = malloc(nv * sizeof *yv);
                if (!xv || !yv) {
                    free(xv);
                    free(yv);
                    st = fail(cal, UNREST_ENOMEM, "out of memory");
                    goto out;
                }
                size_t c = 0;
                for (size_t i = 0; i < n; i++) {
                    const dpoint *p = &cal->pts[sel[i]];
                    if (p->ok < 2 || isnan(p->var[j])) continue;
                    double half = 0.5 * (double)(p->ok - 1);
                    memcpy(xv + c * k, p->u, k * sizeof *xv);
                    yv[c++] = log(p->var[j] + floor_v) + log(half) - gsl_sf_psi(half);
                }
                /* stored: its optimum, or no bytes when the fit failed (the variance is then
                 * the constant) */
                if ((st = cache_get(cal, "gp", (int64_t)w, (int64_t)(2 * j + 1), 0, &hyper, &hb,
                                    &hit)) != UNREST_OK) {
                    free(xv);
                    free(yv);
                    goto out;
                }
                if (hit && hb != 0 && hb != (k + 2) * sizeof *t) hit = 0; /* not ours: refit */
                cal->reused += (size_t)hit;
                gp_opts ov = {.linear = 1,
                              .restarts = 2,
                              .seed = key3(cal->c.seed, ST_GP, w, 2 * j + 1),
                              .nug_min = 1e-3,
                              .start = hit ? hyper : NULL};
                if (hit && hb == 0)
                    e->lvar[j] = NULL;
                else if (gp_fit(&e->lvar[j], xv, yv, c, k, &ov, msg, sizeof msg))
                    e->lvar[j] = NULL;
                free(hyper);
                free(xv);
                free(yv);
                if (!hit) {
                    if (e->lvar[j]) gp_theta(e->lvar[j], t);
                    if ((st = cache_put(cal, "gp", (int64_t)w, (int64_t)(2 * j + 1), t,
                                        e->lvar[j] ? (k + 2) * sizeof *t : 0)) != UNREST_OK)
                        goto out;
                }
            }
        }
        if (used_txt < txtlen)
            used_txt += (size_t)snprintf(txt + used_txt, txtlen - used_txt, "\n");
    }
    /* the order impl_over asks the targets in: the most often implausible on the training points
     * first (any order gives the same answer; this one decides sooner) */
    e->order = malloc(m * sizeof *e->order);
    size_t *cnt = calloc(m, sizeof *cnt);
    if (!e->order || !cnt) {
        free(cnt);
        st = fail(cal, UNREST_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++) {
            if (!cal->used[j]) continue;
            cnt[j] += target_impl(cal, e, j, cal->pts[sel[i]].u, NULL) >= cal->c.cutoff;
        }
    for (size_t j = 0; j < m; j++)
        e->order[j] = j;
    for (size_t a = 1; a < m; a++) /* insertion sort: by count, descending; ties by index */
        for (size_t b = a; b > 0 && cnt[e->order[b]] > cnt[e->order[b - 1]]; b--) {
            size_t t = e->order[b];
            e->order[b] = e->order[b - 1];
            e->order[b - 1] = t;
        }
    free(cnt);
out:
    free(sel);
    free(x);
    free(y);
    free(mu);
    free(va);
    return st;
}

/* ---- designs --------------------------------------------------------------------------------- */

static double min_dist2(const double *x, size_t n, size_t k)
{
    double best = HUGE_VAL;
    for (size_t a = 0; a < n; a++)
        for (size_t b = a + 1; b < n; b++) {
            double s = 0;
            for (size_t d = 0; d < k; d++) {
                double t = x[a * k + d] - x[b * k + d];
                s += t * t;
            }
            if (s < best) best = s;
        }
    return best;
}

int cal_maximin_lhs(size_t k, size_t n, uint64_t seed, unsigned candidates, double **out)
{
    unrest_factor f[MAX_K];
    *out = NULL;
    if (k == 0 || k > MAX_K || n == 0) return -1;
    for (size_t i = 0; i < k; i++) {
        memset(&f[i], 0, sizeof f[i]);
        snprintf(f[i].name, sizeof f[i].name, "u%zu", i);
        f[i].hi = 1;
    }
    double *best = NULL, bestd = -1;
    for (uint64_t c = 0; c < (candidates ? candidates : 1); c++) {
        double *x;
        if (unrest_design_lhs(f, k, n, unrest_seed_derive(seed, c), &x, NULL, 0) != UNREST_OK) {
            free(best);
            return -1;
        }
        double d = min_dist2(x, n, k);
        if (d > bestd) {
            free(best);
            best = x;
            bestd = d;
        } else {
            free(x);
        }
    }
    *out = best;
    return 0;
}

/* Wave 1: the maximin Latin hypercube of 50 keyed candidates on [0,1]^k. */
static unrest_status design_lhs(unrest_calibration *cal, size_t n, double **out)
{
    if (cal_maximin_lhs(cal->k, n, unrest_seed_derive(cal->c.seed, ST_LHS), 50, out))
        return fail(cal, UNREST_ENOMEM, "out of memory making the Latin hypercube");
    return UNREST_OK;
}

/* Later waves: a greedy maximin subset of n points of the NROY sample (the first sample point,
 * then each time the one farthest from those chosen). */
static unrest_status design_subset(unrest_calibration *cal, size_t n, double **out, size_t *got)
{
    size_t k = cal->k, ns = cal->nnroy;
    if (n > ns) n = ns;
    double *x = malloc((n ? n : 1) * k * sizeof *x), *dmin = malloc(ns * sizeof *dmin);
    if (!x || !dmin) {
        free(x);
        free(dmin);
        return fail(cal, UNREST_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < ns; i++)
        dmin[i] = HUGE_VAL;
    size_t pick = 0;
    for (size_t c = 0; c < n; c++) {
        memcpy(x + c * k, cal->nroy + pick * k, k * sizeof *x);
        size_t far = 0;
        for (size_t i = 0; i < ns; i++) {
            double s = 0;
            for (size_t d = 0; d < k; d++) {
                double t = cal->nroy[i * k + d] - cal->nroy[pick * k + d];
                s += t * t;
            }
            if (s < dmin[i]) dmin[i] = s;
            if (dmin[i] > dmin[far]) far = i;
        }
        pick = far;
    }
    free(dmin);
    *out = x;
    *got = n;
    return UNREST_OK;
}

/* Sample the NROY of waves 0..nw-1 inside the current bounding box: uniform draws (their pass
 * rate times the box's volume is the NROY share of the prior box), topped up by local moves
 * from kept points when few pass. Sets cal->nroy, the new bounding box and *share. *empty = 1
 * when no draw passed. */
/* The cache of sample_nroy: share, darts, kept, the box (lo, hi) and the kept points. */
static unrest_status nroy_cache_put(unrest_calibration *cal, size_t nw, double share)
{
    size_t k = cal->k, n = 3 + 2 * k + cal->nnroy * k;
    double *b = malloc(n * sizeof *b);
    if (!b) return fail(cal, UNREST_ENOMEM, "out of memory");
    b[0] = share;
    b[1] = (double)cal->nroy_darts;
    b[2] = (double)cal->nnroy;
    memcpy(b + 3, cal->lo, k * sizeof *b);
    memcpy(b + 3 + k, cal->hi, k * sizeof *b);
    memcpy(b + 3 + 2 * k, cal->nroy, cal->nnroy * k * sizeof *b);
    unrest_status st = cache_put(cal, "nroy", (int64_t)nw, 0, b, n * sizeof *b);
    free(b);
    return st;
}

/* *hit = 1 when the store held wave nw's sample: the box, the sample and *share as computed. */
static unrest_status nroy_cache_get(unrest_calibration *cal, size_t nw, double *share, int *hit)
{
    size_t k = cal->k, bytes;
    void *v;
    unrest_status st = cache_get(cal, "nroy", (int64_t)nw, 0, 0, &v, &bytes, hit);
    if (st != UNREST_OK || !*hit) return st;
    const double *b = v;
    size_t n = bytes / sizeof *b, kept = n >= 3 ? (size_t)b[2] : 0;
    if (n < 3 + 2 * k || kept < 1 || n != 3 + 2 * k + kept * k) { /* not ours: recompute */
        free(v);
        *hit = 0;
        return UNREST_OK;
    }
    double *keep = malloc(kept * k * sizeof *keep);
    if (!keep) {
        free(v);
        return fail(cal, UNREST_ENOMEM, "out of memory");
    }
    *share = b[0];
    cal->nroy_darts = (size_t)b[1];
    memcpy(cal->lo, b + 3, k * sizeof *b);
    memcpy(cal->hi, b + 3 + k, k * sizeof *b);
    memcpy(keep, b + 3 + 2 * k, kept * k * sizeof *keep);
    free(cal->nroy);
    cal->nroy = keep;
    cal->nnroy = kept;
    cal->reused++;
    free(v);
    return UNREST_OK;
}

static unrest_status sample_nroy(unrest_calibration *cal, size_t nw, double *share, int *empty)
{
    size_t k = cal->k;
    size_t want = 20 * cal->c.points;
    if (want < 1000) want = 1000;
    int hit;
    unrest_status cst = nroy_cache_get(cal, nw, share, &hit);
    if (cst != UNREST_OK || hit) {
        *empty = 0;
        return cst;
    }
    double *keep = malloc(want * k * sizeof *keep), u[MAX_K];
    gsl_rng *r = cal_rng_new(key3(cal->c.seed, ST_NROY, nw, 0));
    if (!keep || !r) {
        free(keep);
        gsl_rng_free(r);
        return fail(cal, UNREST_ENOMEM, "out of memory");
    }
    size_t drawn = 0, pass = 0, kept = 0;
    while (drawn < NROY_MAX_DRAWS && (drawn < 10000 || kept < want)) {
        for (size_t d = 0; d < k; d++)
            u[d] = cal->lo[d] + gsl_rng_uniform(r) * (cal->hi[d] - cal->lo[d]);
        drawn++;
        if (!in_nroy(cal, nw, u)) continue;
        pass++;
        if (kept < want) memcpy(keep + k * kept++, u, k * sizeof *u);
    }
    double vol = 1;
    for (size_t d = 0; d < k; d++)
        vol *= cal->hi[d] - cal->lo[d];
    *share = vol * (double)pass / (double)drawn;
    *empty = pass == 0;
    if (pass == 0) {
        free(keep);
        gsl_rng_free(r);
        return UNREST_OK;
    }
    /* top up: Gaussian moves of 5% of the box from kept points, kept when they pass */
    size_t base = kept;
    for (size_t tries = 0; kept < want && tries < NROY_MAX_DRAWS; tries++) {
        const double *from = keep + k * gsl_rng_uniform_int(r, base);
        for (size_t d = 0; d < k; d++) {
            double v = from[d] + gsl_ran_gaussian(r, 0.05 * (cal->hi[d] - cal->lo[d]));
            u[d] = v < cal->lo[d] ? cal->lo[d] : v > cal->hi[d] ? cal->hi[d] : v;
        }
        if (in_nroy(cal, nw, u)) memcpy(keep + k * kept++, u, k * sizeof *u);
    }
    gsl_rng_free(r);
    double lo[MAX_K], hi[MAX_K];
    for (size_t d = 0; d < k; d++) {
        lo[d] = HUGE_VAL;
        hi[d] = -HUGE_VAL;
    }
    for (size_t i = 0; i < kept; i++)
        for (size_t d = 0; d < k; d++) {
            if (keep[i * k + d] < lo[d]) lo[d] = keep[i * k + d];
            if (keep[i * k + d] > hi[d]) hi[d] = keep[i * k + d];
        }
    for (size_t d = 0; d < k; d++) {
        double pad = 0.1 * (hi[d] - lo[d]) + 1e-3;
        double a = lo[d] - pad, b = hi[d] + pad;
        cal->lo[d] = a > cal->lo[d] ? a : cal->lo[d];
        cal->hi[d] = b < cal->hi[d] ? b : cal->hi[d];
    }
    free(cal->nroy);
    cal->nroy = keep;
    cal->nnroy = kept;
    cal->nroy_darts = pass < want ? pass : want;
    return nroy_cache_put(cal, nw, *share);
}

/* ---- history matching ------------------------------------------------------------------------ */

static unrest_status add_point(unrest_calibration *cal, unsigned wave, const double *u,
                               const sim_job *jobs, unsigned reps)
{
    if (cal->npts == cal->cappts) {
        size_t cap = cal->cappts ? 2 * cal->cappts : 64;
        dpoint *nv = realloc(cal->pts, cap * sizeof *nv);
        if (!nv) return fail(cal, UNREST_ENOMEM, "out of memory");
        cal->pts = nv;
        cal->cappts = cap;
    }
    dpoint *p = &cal->pts[cal->npts];
    memset(p, 0, sizeof *p);
    p->wave = wave;
    memcpy(p->u, u, cal->k * sizeof *u);
    p->mean = calloc(cal->m, sizeof *p->mean);
    p->var = calloc(cal->m, sizeof *p->var);
    if (!p->mean || !p->var) {
        free(p->mean);
        free(p->var);
        return fail(cal, UNREST_ENOMEM, "out of memory");
    }
    cal->npts++;
    for (unsigned r = 0; r < reps; r++)
        p->ok += !jobs[r].failed;
    for (size_t j = 0; j < cal->m; j++) {
        double s = 0, ss = 0;
        for (unsigned r = 0; r < reps; r++) {
            if (jobs[r].failed) continue;
            double v = to_scale(cal->targets[j].kind, jobs[r].out[j]);
            s += v;
        }
        double mean = p->ok ? s / p->ok : NAN;
        for (unsigned r = 0; r < reps; r++) {
            if (jobs[r].failed) continue;
            double v = to_scale(cal->targets[j].kind, jobs[r].out[j]) - mean;
            ss += v * v;
        }
        p->mean[j] = mean;
        p->var[j] = p->ok >= 2 ? ss / (p->ok - 1) : NAN;
    }
    return UNREST_OK;
}

/* Decide after wave 1 which targets can be emulated: those whose runs did not all give one
 * value. A constant output carries no information on the parameters; its implausibility is
 * reported and it is left out. */
static unrest_status choose_used(unrest_calibration *cal)
{
    for (size_t j = 0; j < cal->m; j++) {
        double lo = HUGE_VAL, hi = -HUGE_VAL;
        for (size_t i = 0; i < cal->npts; i++) {
            const dpoint *p = &cal->pts[i];
            if (!p->ok) continue;
            if (p->mean[j] < lo) lo = p->mean[j];
            if (p->mean[j] > hi) hi = p->mean[j];
            if (!isnan(p->var[j]) && p->var[j] > 0) hi = HUGE_VAL;
        }
        cal->used[j] = hi > lo;
        if (!cal->used[j] && lo < HUGE_VAL) {
            double den = cal->vobs[j] + cal->vmd[j];
            note(cal,
                 "target '%s': every run of wave 1 gave %g (emulated scale) against %g "
                 "observed (I = %.2f); a constant output says nothing about the parameters: "
                 "not used",
                 cal->targets[j].name, lo, cal->z[j],
                 fabs(cal->z[j] - lo) / sqrt(den > 1e-300 ? den : 1e-300));
        }
    }
    if (!nused(cal))
        return fail(cal, UNREST_ESTATE,
                    "every target gave one value in every run of wave 1: nothing to calibrate "
                    "on");
    return UNREST_OK;
}

static unrest_status history_match(unrest_calibration *cal)
{
    size_t k = cal->k, m = cal->m;
    unsigned reps = cal->c.reps;
    unrest_status st = UNREST_OK;
    char *txt = malloc(16384);
    double *out = NULL, *x = NULL;
    sim_job *jobs = NULL;
    if (!txt) return fail(cal, UNREST_ENOMEM, "out of memory");
    for (size_t d = 0; d < k; d++) {
        cal->lo[d] = 0;
        cal->hi[d] = 1;
    }
    double prev_share = 1;
    for (unsigned w = 1; w <= cal->c.waves; w++) {
        unrest_cal_wave *wv = &cal->waves[w - 1];
        memset(wv, 0, sizeof *wv);
        wv->wave = w;
        size_t np = cal->c.points;
        st = w == 1 ? design_lhs(cal, np, &x) : design_subset(cal, np, &x, &np);
        if (st != UNREST_OK) break;
        size_t nj = np * reps;
        jobs = calloc(nj ? nj : 1, sizeof *jobs);
        out = malloc((nj ? nj : 1) * m * sizeof *out);
        if (!jobs || !out) {
            st = fail(cal, UNREST_ENOMEM, "out of memory");
            break;
        }
        for (size_t p = 0; p < np; p++)
            for (unsigned r = 0; r < reps; r++) {
                sim_job *j = &jobs[p * reps + r];
                for (size_t d = 0; d < k; d++)
                    j->theta[d] = from_unit(&cal->params[d], x[p * k + d]);
                j->point = p;
                j->rep = r;
                j->seed = key3(cal->c.seed, ST_WAVE, (uint64_t)w << 32 | p, r);
                j->out = out + (p * reps + r) * m;
            }
        if ((st = run_batch(cal, "wave", w, jobs, nj)) != UNREST_OK) break;
        size_t first = cal->npts;
        for (size_t p = 0; p < np && st == UNREST_OK; p++)
            st = add_point(cal, w, x + p * k, jobs + p * reps, reps);
        if (st != UNREST_OK) break;
        wv->points = np;
        wv->runs = nj;
        for (size_t i = 0; i < nj; i++) {
            wv->stored += (size_t)jobs[i].stored;
            wv->failed += (size_t)jobs[i].failed;
        }
        if (w == 1 && (st = choose_used(cal)) != UNREST_OK) break;
        wv->outputs = (size_t)nused(cal);
        if ((st = fit_wave(cal, w - 1, wv, txt, 16384)) != UNREST_OK) break;
        cal->nwaves = w;
        int empty = 0;
        if ((st = sample_nroy(cal, w, &wv->nroy, &empty)) != UNREST_OK) break;
        /* diagnostics: simulated matches of this wave, emulator variance in NROY */
        size_t match = 0, okp = 0;
        for (size_t i = first; i < cal->npts; i++) {
            double im = impl_sim(cal, &cal->pts[i]);
            if (isnan(im)) continue;
            okp++;
            match += im < cal->c.cutoff;
        }
        wv->match = okp ? (double)match / (double)okp : 0;
        size_t ne = cal->nnroy < 500 ? cal->nnroy : 500;
        double *ratios = malloc((ne ? ne : 1) * sizeof *ratios);
        if (!ratios) {
            st = fail(cal, UNREST_ENOMEM, "out of memory");
            break;
        }
        for (size_t i = 0; !empty && i < ne; i++)
            impl_at(cal, w - 1, cal->nroy + i * k, &ratios[i]);
        wv->em_ratio = NAN;
        if (!empty && ne) {
            gsl_sort(ratios, 1, ne);
            wv->em_ratio = gsl_stats_median_from_sorted_data(ratios, 1, ne);
        }
        free(ratios);
        /* the stop rules of docs/CALIBRATION.md */
        char *why = cal->stop[w - 1];
        why[0] = '\0';
        if (empty)
            snprintf(why, sizeof cal->stop[0],
                     "NROY is empty: no parameter set in the box matches the targets within the "
                     "stated variances");
        else if (w >= 2 && wv->nroy > 0.9 * prev_share)
            snprintf(why, sizeof cal->stop[0], "NROY stopped shrinking (%.3g of the last wave's)",
                     wv->nroy / prev_share);
        else if (wv->em_ratio < 0.1)
            snprintf(why, sizeof cal->stop[0],
                     "emulator variance small beside the others (median ratio %.3f)", wv->em_ratio);
        else if (wv->match >= 0.8)
            snprintf(why, sizeof cal->stop[0], "%.0f%% of this wave's points match every target",
                     100 * wv->match);
        else if (w == cal->c.waves)
            snprintf(why, sizeof cal->stop[0], "last wave (--waves %u)", cal->c.waves);
        wv->stop = why[0] ? why : NULL;
        prev_share = wv->nroy;
        if (cal->c.store) {
            for (size_t i = first; i < cal->npts && st == UNREST_OK; i++) {
                double th[MAX_K];
                for (size_t d = 0; d < k; d++)
                    th[d] = from_unit(&cal->params[d], cal->pts[i].u[d]);
                char *t = theta_text(cal->params, k, th);
                if (!t) {
                    st = fail(cal, UNREST_ENOMEM, "out of memory");
                    break;
                }
                if (unrest_store_cal_point(cal->c.store, cal->id, w, i - first, t,
                                           impl_sim(cal, &cal->pts[i]),
                                           in_nroy(cal, w, cal->pts[i].u)) != UNREST_OK)
                    st = store_fail(cal);
                free(t);
            }
            if (st == UNREST_OK &&
                unrest_store_cal_wave(cal->c.store, cal->id, wv, txt) != UNREST_OK)
                st = store_fail(cal);
            if (st != UNREST_OK) break;
        }
        if (cal->c.progress) {
            unrest_cal_event ev = {.kind = UNREST_CAL_EV_WAVE, .wave = wv};
            cal->c.progress(cal->c.user, &ev);
        }
        free(x);
        free(jobs);
        free(out);
        x = NULL;
        jobs = NULL;
        out = NULL;
        if (empty) {
            st = fail(cal, UNREST_ESTATE, "wave %u: %s", w, why);
            break;
        }
        if (wv->stop) break;
    }
    free(x);
    free(jobs);
    free(out);
    free(txt);
    return st;
}

/* ---- ABC-SMC --------------------------------------------------------------------------------- */

/* A generation's particles. */
typedef struct particles {
    double *u; /* n x k positions */
    double *w; /* n weights (sum 1) */
    double *d; /* n distances */
    size_t n;  /* particles */
} particles;

static void particles_free(particles *p)
{
    free(p->u);
    free(p->w);
    free(p->d);
    memset(p, 0, sizeof *p);
}

static int particles_alloc(particles *p, size_t n, size_t k)
{
    p->u = malloc((n ? n : 1) * k * sizeof *p->u);
    p->w = malloc((n ? n : 1) * sizeof *p->w);
    p->d = malloc((n ? n : 1) * sizeof *p->d);
    p->n = 0;
    return p->u && p->w && p->d ? 0 : -1;
}

typedef struct wpair {
    double v, w; /* value and weight */
} wpair;

static int wpair_cmp(const void *a, const void *b)
{
    double x = ((const wpair *)a)->v, y = ((const wpair *)b)->v;
    return x < y ? -1 : x > y;
}

/* Weighted quantile q of v[0..n) with weights w (the smallest v whose cumulative weight
 * reaches q of the total). NaN when there is no weight. */
static double wquantile(const double *v, const double *w, size_t n, size_t stride, double q)
{
    wpair *a = malloc((n ? n : 1) * sizeof *a);
    if (!a) return NAN;
    size_t c = 0;
    double tot = 0;
    for (size_t i = 0; i < n; i++)
        if (w[i] > 0 && !isnan(v[i * stride])) {
            a[c++] = (wpair){v[i * stride], w[i]};
            tot += w[i];
        }
    if (!c || tot <= 0) {
        free(a);
        return NAN;
    }
    qsort(a, c, sizeof *a, wpair_cmp);
    double cum = 0, r = a[c - 1].v;
    for (size_t i = 0; i < c; i++) {
        cum += a[i].w;
        if (cum >= q * tot) {
            r = a[i].v;
            break;
        }
    }
    free(a);
    return r;
}

/* One proposal's simulated summary and distance. */
typedef struct abc_prop {
    double u[MAX_K]; /* position */
    double *noise;   /* m: observation and discrepancy noise added to the summary */
} abc_prop;

/* Distance of a simulated run (outputs out, noise) from the observations with scales sig:
 * sqrt(sum over used targets of ((g(out) + noise - z) / sig)^2). */
static double distance(const unrest_calibration *cal, const double *out, const double *noise,
                       const double *sig)
{
    double s = 0;
    for (size_t j = 0; j < cal->m; j++) {
        if (!cal->used[j]) continue;
        double t = (to_scale(cal->targets[j].kind, out[j]) + noise[j] - cal->z[j]) / sig[j];
        s += t * t;
    }
    return sqrt(s);
}

/* Draw the noise of one proposal: N(0, V_obs + V_md) per target (noisy ABC: the posterior is
 * that of z = f(theta) + observation error + discrepancy, the model history matching uses). */
static void draw_noise(const unrest_calibration *cal, gsl_rng *r, double *noise)
{
    for (size_t j = 0; j < cal->m; j++)
        noise[j] = gsl_ran_gaussian(r, sqrt(cal->vobs[j] + cal->vmd[j]));
}

static void set_job(unrest_calibration *cal, sim_job *j, const double *u, uint64_t seed,
                    uint64_t point, double *out)
{
    memset(j, 0, sizeof *j);
    for (size_t d = 0; d < cal->k; d++)
        j->theta[d] = from_unit(&cal->params[d], u[d]);
    j->seed = seed;
    j->point = point;
    j->out = out;
}

static unrest_status push_generation(unrest_calibration *cal, const unrest_cal_generation *g,
                                     const particles *p)
{
    if (cal->ngens == cal->capgens) {
        size_t cap = cal->capgens ? 2 * cal->capgens : 8;
        unrest_cal_generation *ng = realloc(cal->gens, cap * sizeof *ng);
        if (!ng) return fail(cal, UNREST_ENOMEM, "out of memory");
        cal->gens = ng;
        char(*ns)[200] = realloc(cal->gstop, cap * sizeof *ns);
        if (!ns) return fail(cal, UNREST_ENOMEM, "out of memory");
        cal->gstop = ns;
        cal->capgens = cap;
    }
    unrest_cal_generation *dst = &cal->gens[cal->ngens];
    *dst = *g;
    snprintf(cal->gstop[cal->ngens], sizeof cal->gstop[0], "%s", g->stop ? g->stop : "");
    dst->stop = g->stop ? cal->gstop[cal->ngens] : NULL;
    cal->ngens++;
    unrest_status st = UNREST_OK;
    if (cal->c.store) {
        char **texts = calloc(p->n ? p->n : 1, sizeof *texts);
        if (!texts) return fail(cal, UNREST_ENOMEM, "out of memory");
        for (size_t i = 0; i < p->n && st == UNREST_OK; i++) {
            double th[MAX_K];
            for (size_t d = 0; d < cal->k; d++)
                th[d] = from_unit(&cal->params[d], p->u[i * cal->k + d]);
            if (!(texts[i] = theta_text(cal->params, cal->k, th)))
                st = fail(cal, UNREST_ENOMEM, "out of memory");
        }
        if (st == UNREST_OK &&
            unrest_store_cal_generation(cal->c.store, cal->id, dst, (const char *const *)texts,
                                        p->w, p->d, p->n) != UNREST_OK)
            st = store_fail(cal);
        for (size_t i = 0; i < p->n; i++)
            free(texts[i]);
        free(texts);
    }
    if (st == UNREST_OK && cal->c.progress) {
        unrest_cal_event ev = {.kind = UNREST_CAL_EV_GENERATION, .generation = dst};
        cal->c.progress(cal->c.user, &ev);
    }
    return st;
}

static double ess_of(const double *w, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += w[i] * w[i];
    return s > 0 ? 1 / s : 0;
}

/* ---- Metropolis chains on NROY --------------------------------------------------------------- */

/* A random-walk Metropolis chain whose stationary law is uniform on NROY inside the box (the
 * prior restricted to NROY): the proposal x + scale L z is symmetric, so a move is accepted iff
 * it lands in both. With `adapt` (the pilot) the scale moves every 50 steps towards 23%
 * acceptance (Roberts, Gelman & Gilks 1997) and nothing is kept; without it the scale is fixed
 * and every thin-th state is kept. */
typedef struct nroy_chain {
    const unrest_calibration *cal;
    const double *L; /* k x k lower Cholesky factor of the proposal's shape (row-major) */
    double start[MAX_K];
    double scale; /* in; the pilot's tuned scale out */
    int adapt;    /* the pilot */
    uint64_t key;
    size_t n, thin;      /* states to keep (the pilot: steps to take), steps between them */
    double *out;         /* n x k */
    size_t steps, moved; /* steps taken, moves accepted */
    int failed;          /* its generator could not be made */
} nroy_chain;

static void chain_run(void *arg)
{
    nroy_chain *ch = arg;
    const unrest_calibration *cal = ch->cal;
    size_t k = cal->k;
    gsl_rng *r = cal_rng_new(ch->key);
    if (!r) {
        ch->failed = 1;
        return;
    }
    double x[MAX_K], y[MAX_K], z[MAX_K], scale = ch->scale;
    memcpy(x, ch->start, k * sizeof *x);
    size_t kept = 0, moved = 0, window = 0, s = 0;
    if (!ch->adapt && ch->n) memcpy(ch->out + k * kept++, x, k * sizeof *x); /* the start */
    for (; ch->adapt ? s < ch->n : kept < ch->n; s++) {
        for (size_t d = 0; d < k; d++)
            z[d] = gsl_ran_gaussian_ziggurat(r, 1.0);
        int inside = 1;
        for (size_t a = 0; a < k; a++) {
            double v = x[a];
            for (size_t b = 0; b <= a; b++)
                v += scale * ch->L[a * k + b] * z[b];
            y[a] = v;
            if (v < cal->lo[a] || v > cal->hi[a]) inside = 0;
        }
        int acc = inside && in_nroy(cal, cal->nwaves, y);
        if (acc) memcpy(x, y, k * sizeof *x);
        moved += (size_t)acc;
        if (ch->adapt) {
            window += (size_t)acc;
            if ((s + 1) % 50 == 0) {
                scale *= exp((double)window / 50 - 0.234);
                window = 0;
            }
        } else if ((s + 1) % ch->thin == 0) {
            memcpy(ch->out + k * kept++, x, k * sizeof *x);
        }
    }
    ch->scale = scale;
    ch->steps = s;
    ch->moved = moved;
    gsl_rng_free(r);
}

/* Uniform darts in the box, the ones in NROY kept (the first cap of them) and counted. */
typedef struct dart_batch {
    const unrest_calibration *cal;
    uint64_t key;
    size_t n, cap; /* darts, hits kept at most */
    double *hit;   /* cap x k */
    size_t nhit;   /* hits (all of them, kept or not) */
    int failed;    /* its generator could not be made */
} dart_batch;

static void dart_run(void *arg)
{
    dart_batch *b = arg;
    const unrest_calibration *cal = b->cal;
    size_t k = cal->k;
    gsl_rng *r = cal_rng_new(b->key);
    if (!r) {
        b->failed = 1;
        return;
    }
    double u[MAX_K];
    for (size_t i = 0; i < b->n; i++) {
        for (size_t d = 0; d < k; d++)
            u[d] = cal->lo[d] + gsl_rng_uniform(r) * (cal->hi[d] - cal->lo[d]);
        if (!in_nroy(cal, cal->nwaves, u)) continue;
        if (b->nhit < b->cap) memcpy(b->hit + k * b->nhit, u, k * sizeof *u);
        b->nhit++;
    }
    gsl_rng_free(r);
}

/* fn on each of n items of `size` bytes, on up to `workers` threads (the caller's one of them). */
typedef struct item_pool {
    char *items;
    size_t size, n, next;
    void (*fn)(void *);
    pthread_mutex_t mu;
} item_pool;

static void *item_worker(void *arg)
{
    item_pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        size_t i = p->next++;
        pthread_mutex_unlock(&p->mu);
        if (i >= p->n) return NULL;
        p->fn(p->items + i * p->size);
    }
}

static void run_items(void *items, size_t size, size_t n, void (*fn)(void *), unsigned workers)
{
    item_pool p = {.items = items, .size = size, .n = n, .fn = fn};
    pthread_mutex_init(&p.mu, NULL);
    pthread_t th[256];
    size_t started = 0, want = workers < 256 ? workers : 256;
    for (; started + 1 < want; started++)
        if (pthread_create(&th[started], NULL, item_worker, &p) != 0) break;
    item_worker(&p);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&p.mu);
}

#define DART_BATCH 25000    /* uniform darts per batch (a seed of its own) */
#define DART_BATCHES 8      /* batches per round */
#define CHAIN_DARTS 2000000 /* uniform darts at most before chains (c.chain_darts: 0) */
#define PILOT_STEPS 500     /* steps of the pilot chain that tunes the proposal's scale */

/* N draws (N x k into u) from the prior restricted to NROY, for an NROY too small for darts
 * thrown one at a time to find. First up to c.chain_darts uniform darts in the box on all the
 * workers: if N hit, those are the draws. Otherwise one random-walk Metropolis chain per hit,
 * which is its first draw; the hits are exact draws of the target, so every state of every chain
 * is an exact draw too and no burn-in is needed: the chains multiply the hits, and how far each
 * travels (c.nroy_thin steps between kept states) decides how much new ground the extra draws
 * cover. The proposal's shape is the covariance of history matching's NROY sample; its scale is
 * tuned by a pilot chain (PILOT_STEPS, its states dropped) and then fixed for all chains. The
 * draws do not depend on the number of workers. Their diagnostics (hits, chains, acceptance, the
 * largest Gelman-Rubin R-hat over the parameters) go to why. */
static unrest_status nroy_chain_compute(unrest_calibration *cal, size_t N, double *u, char *why,
                                        size_t whylen)
{
    size_t k = cal->k, ns = cal->nnroy;
    if (ns < 2) return fail(cal, UNREST_ESTATE, "ABC: history matching left no sample of NROY");
    /* the starts: uniform darts in rounds of DART_BATCHES batches until N hit or the budget is
     * spent (rounds, not workers, decide where it stops) */
    double *start = malloc(N * k * sizeof *start);
    dart_batch *db = calloc(DART_BATCHES, sizeof *db);
    if (!start || !db) {
        free(start);
        free(db);
        return fail(cal, UNREST_ENOMEM, "out of memory");
    }
    size_t starts = 0, darts = 0, hits = 0;
    size_t budget = cal->c.chain_darts ? cal->c.chain_darts : CHAIN_DARTS;
    size_t bs = (budget + DART_BATCHES - 1) / DART_BATCHES;
    if (bs > DART_BATCH) bs = DART_BATCH;
    for (size_t round = 0; darts < budget && starts < N; round++) {
        for (size_t b = 0; b < DART_BATCHES; b++) {
            free(db[b].hit);
            db[b] =
                (dart_batch){.cal = cal,
                             .key = key3(cal->c.seed, ST_NROY_CHAIN, round * DART_BATCHES + b, 2),
                             .n = bs,
                             .cap = N - starts,
                             .hit = malloc((N - starts) * k * sizeof(double))};
            if (!db[b].hit) {
                for (size_t i = 0; i < DART_BATCHES; i++) /* this round's, then the last's */
                    free(db[i].hit);
                free(db);
                free(start);
                return fail(cal, UNREST_ENOMEM, "out of memory");
            }
        }
        run_items(db, sizeof *db, DART_BATCHES, dart_run, cal->c.workers);
        int failed = 0;
        for (size_t b = 0; b < DART_BATCHES; b++)
            failed |= db[b].failed;
        if (failed) {
            for (size_t b = 0; b < DART_BATCHES; b++)
                free(db[b].hit);
            free(db);
            free(start);
            return fail(cal, UNREST_ENOMEM, "out of memory");
        }
        for (size_t b = 0; b < DART_BATCHES; b++) {
            size_t take = db[b].nhit < db[b].cap ? db[b].nhit : db[b].cap;
            if (take > N - starts) take = N - starts;
            memcpy(start + starts * k, db[b].hit, take * k * sizeof *start);
            starts += take;
            darts += db[b].n;
            hits += db[b].nhit;
        }
        note(cal, "ABC: %zu of %zu darts thrown at NROY, %zu hits", darts, budget, hits);
    }
    for (size_t b = 0; b < DART_BATCHES; b++)
        free(db[b].hit);
    free(db);
    double vol = 1;
    for (size_t a = 0; a < k; a++)
        vol *= cal->hi[a] - cal->lo[a];
    if (starts == N) { /* the darts sufficed: no chain needed */
        memcpy(u, start, N * k * sizeof *u);
        snprintf(why, whylen, "uniform darts, %zu hits of %zu: NROY %.3g%% of the box", hits, darts,
                 100 * vol * (double)hits / (double)darts);
        note(cal, "ABC: %zu draws from NROY by %s", N, why);
        free(start);
        return UNREST_OK;
    }
    if (starts == 0) { /* none: history matching's own uniform darts */
        size_t have = cal->nroy_darts < N ? cal->nroy_darts : N;
        memcpy(start, cal->nroy, have * k * sizeof *start);
        starts = have;
    }
    if (starts == 0) {
        free(start);
        return fail(cal, UNREST_ESTATE, "ABC: no uniform draw of NROY to start chains from");
    }
    size_t C = starts; /* one chain per hit, the hit its first draw */
    /* the proposal's shape: the NROY sample's covariance, with a ridge of 1e-6 of the box */
    gsl_matrix *S = gsl_matrix_calloc(k, k);
    nroy_chain *ch = calloc(C + 1, sizeof *ch);
    double *L = malloc(k * k * sizeof *L), *cm = malloc(C * sizeof *cm);
    if (!S || !ch || !L || !cm) {
        gsl_matrix_free(S);
        free(ch);
        free(L);
        free(cm);
        free(start);
        return fail(cal, UNREST_ENOMEM, "out of memory");
    }
    double mean[MAX_K] = {0};
    for (size_t i = 0; i < ns; i++)
        for (size_t a = 0; a < k; a++)
            mean[a] += cal->nroy[i * k + a] / (double)ns;
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b <= a; b++) {
            double v = 0;
            for (size_t i = 0; i < ns; i++)
                v += (cal->nroy[i * k + a] - mean[a]) * (cal->nroy[i * k + b] - mean[b]);
            v /= (double)(ns - 1);
            gsl_matrix_set(S, a, b, v);
            gsl_matrix_set(S, b, a, v);
        }
    for (size_t a = 0; a < k; a++) {
        double w = cal->hi[a] - cal->lo[a];
        *gsl_matrix_ptr(S, a, a) += 1e-6 * w * w;
    }
    if (gsl_linalg_cholesky_decomp1(S) != GSL_SUCCESS) { /* not positive: the box's diagonal */
        gsl_matrix_set_zero(S);
        for (size_t a = 0; a < k; a++)
            gsl_matrix_set(S, a, a, (cal->hi[a] - cal->lo[a]) / sqrt(12.0));
    }
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++)
            L[a * k + b] = b <= a ? gsl_matrix_get(S, a, b) : 0;
    gsl_matrix_free(S);
    /* the pilot: from the first dart, the scale tuned */
    nroy_chain *pilot = &ch[C];
    *pilot = (nroy_chain){.cal = cal,
                          .L = L,
                          .scale = 2.38 / sqrt((double)k),
                          .adapt = 1,
                          .key = key3(cal->c.seed, ST_NROY_CHAIN, 0, 1),
                          .n = PILOT_STEPS};
    memcpy(pilot->start, start, k * sizeof *u);
    chain_run(pilot);
    size_t at = 0;
    for (size_t c = 0; c < C; c++) {
        ch[c] = (nroy_chain){.cal = cal,
                             .L = L,
                             .scale = pilot->scale,
                             .key = key3(cal->c.seed, ST_NROY_CHAIN, c, 0),
                             .n = N / C + (c < N % C),
                             .thin = cal->c.nroy_thin,
                             .out = u + at * k};
        memcpy(ch[c].start, start + c * k, k * sizeof *u);
        at += ch[c].n;
    }
    run_items(ch, sizeof *ch, C, chain_run, cal->c.workers);
    size_t steps = 0, moved = 0;
    int failed = pilot->failed;
    for (size_t c = 0; c < C; c++) {
        steps += ch[c].steps;
        moved += ch[c].moved;
        failed |= ch[c].failed;
    }
    if (failed) {
        free(ch);
        free(L);
        free(cm);
        free(start);
        return fail(cal, UNREST_ENOMEM, "out of memory");
    }
    /* Gelman-Rubin R-hat per parameter over the chains (Gelman & Rubin 1992), the largest */
    double rhat = NAN;
    size_t n = N / C;
    if (C >= 2 && n >= 2) {
        rhat = 0;
        for (size_t a = 0; a < k; a++) {
            double gm = 0, W = 0, B = 0;
            for (size_t c = 0; c < C; c++) {
                double sum = 0, v = 0;
                for (size_t i = 0; i < n; i++)
                    sum += ch[c].out[i * k + a];
                cm[c] = sum / (double)n;
                for (size_t i = 0; i < n; i++)
                    v += (ch[c].out[i * k + a] - cm[c]) * (ch[c].out[i * k + a] - cm[c]);
                W += v / (double)(n - 1) / (double)C;
                gm += cm[c] / (double)C;
            }
            for (size_t c = 0; c < C; c++)
                B += (cm[c] - gm) * (cm[c] - gm) * (double)n / (double)(C - 1);
            double vhat = (double)(n - 1) / (double)n * W + B / (double)n;
            double ra = W > 0 ? sqrt(vhat / W) : 1;
            if (ra > rhat) rhat = ra;
        }
    }
    snprintf(why, whylen, "%zu chains from %zu darts of %zu, thin %zu, %.0f%% moved, R-hat %.2f", C,
             starts, darts, cal->c.nroy_thin, steps ? 100.0 * (double)moved / (double)steps : 0.0,
             rhat);
    note(cal, "ABC: %zu draws from NROY by %s", N, why);
    free(ch);
    free(L);
    free(cm);
    free(start);
    return UNREST_OK;
}

/* nroy_chain_compute, or the N draws and their diagnostics (why) it left in the store. */
static unrest_status nroy_chain_draws(unrest_calibration *cal, size_t N, double *u, char *why,
                                      size_t whylen)
{
    size_t k = cal->k, nb = N * k * sizeof *u, bytes;
    void *v;
    int hit;
    unrest_status st = cache_get(cal, "abc_draws", 0, 0, 0, &v, &bytes, &hit);
    if (st != UNREST_OK) return st;
    if (hit && bytes > nb && ((const char *)v)[bytes - 1] == '\0') {
        memcpy(u, v, nb);
        snprintf(why, whylen, "%s", (const char *)v + nb);
        note(cal, "ABC: %zu draws from NROY read back from the store (%s)", N, why);
        cal->reused++;
        free(v);
        return UNREST_OK;
    }
    free(v);
    if ((st = nroy_chain_compute(cal, N, u, why, whylen)) != UNREST_OK) return st;
    size_t wl = strlen(why) + 1;
    char *b = malloc(nb + wl);
    if (!b) return fail(cal, UNREST_ENOMEM, "out of memory");
    memcpy(b, u, nb);
    memcpy(b + nb, why, wl);
    st = cache_put(cal, "abc_draws", 0, 0, b, nb + wl);
    free(b);
    return st;
}

/* Generation 0: N draws from the prior restricted to NROY (uniform in the NROY box, kept when
 * they pass every wave's emulators), simulated; the MAD of their noisy summaries scales the
 * distance (sig). */
static unrest_status abc_prior(unrest_calibration *cal, particles *cur, double *sig)
{
    size_t N = cal->c.abc_draws ? cal->c.abc_draws : cal->c.particles, k = cal->k, m = cal->m;
    gsl_rng *r = cal_rng_new(key3(cal->c.seed, ST_ABC_RNG, 0, 0));
    sim_job *jobs = calloc(N, sizeof *jobs);
    double *out = malloc(N * m * sizeof *out), *noise = malloc(N * m * sizeof *noise);
    double *sum = malloc(N * sizeof *sum), *dev = malloc(N * sizeof *dev);
    unrest_status st = UNREST_OK;
    if (!r || !jobs || !out || !noise || !sum || !dev || particles_alloc(cur, N, k)) {
        st = fail(cal, UNREST_ENOMEM, "out of memory");
        goto out;
    }
    if (cal->c.nroy_thin &&
        (st = nroy_chain_draws(cal, N, cur->u, cal->chain_why, sizeof cal->chain_why)) != UNREST_OK)
        goto out;
    for (size_t i = 0; i < N; i++) {
        double u[MAX_K];
        size_t tries = 0;
        if (cal->c.nroy_thin) {
            draw_noise(cal, r, noise + i * m);
            set_job(cal, &jobs[i], cur->u + i * k, key3(cal->c.seed, ST_ABC_RUN, 0, i), i,
                    out + i * m);
            continue;
        }
        do {
            if (++tries > 1000000) {
                st = fail(cal, UNREST_ESTATE,
                          "ABC: no draw in 10^6 passed the emulators (NROY too small to sample)");
                goto out;
            }
            for (size_t d = 0; d < k; d++)
                u[d] = cal->lo[d] + gsl_rng_uniform(r) * (cal->hi[d] - cal->lo[d]);
        } while (!in_nroy(cal, cal->nwaves, u));
        memcpy(cur->u + i * k, u, k * sizeof *u);
        draw_noise(cal, r, noise + i * m);
        set_job(cal, &jobs[i], u, key3(cal->c.seed, ST_ABC_RUN, 0, i), i, out + i * m);
    }
    if ((st = run_batch(cal, "abc", 0, jobs, N)) != UNREST_OK) goto out;
    size_t ok = 0;
    for (size_t i = 0; i < N; i++)
        ok += !jobs[i].failed;
    if (ok < 2) {
        st = fail(cal, UNREST_ESTATE, "ABC: %zu of %zu prior runs succeeded", ok, N);
        goto out;
    }
    for (size_t j = 0; j < m; j++) {
        sig[j] = 1;
        if (!cal->used[j]) continue;
        size_t c = 0;
        for (size_t i = 0; i < N; i++)
            if (!jobs[i].failed)
                sum[c++] = to_scale(cal->targets[j].kind, out[i * m + j]) + noise[i * m + j];
        gsl_sort(sum, 1, c);
        double med = gsl_stats_median_from_sorted_data(sum, 1, c);
        for (size_t i = 0; i < c; i++)
            dev[i] = fabs(sum[i] - med);
        gsl_sort(dev, 1, c);
        double mad = 1.4826 * gsl_stats_median_from_sorted_data(dev, 1, c);
        double floor_s = sqrt(cal->vobs[j] + cal->vmd[j]);
        sig[j] = mad > floor_s ? mad : floor_s > 0 ? floor_s : 1;
    }
    for (size_t i = 0; i < N; i++) {
        cur->w[i] = jobs[i].failed ? 0 : 1.0 / (double)ok;
        cur->d[i] = jobs[i].failed ? HUGE_VAL : distance(cal, out + i * m, noise + i * m, sig);
    }
    cur->n = N;
    size_t stored = 0;
    for (size_t i = 0; i < N; i++)
        stored += (size_t)jobs[i].stored;
    unrest_cal_generation g = {.gen = 0,
                               .eps = HUGE_VAL,
                               .simulated = N,
                               .stored = stored,
                               .accepted = ok,
                               .acceptance = (double)ok / (double)N,
                               .ess = ess_of(cur->w, N)};
    st = push_generation(cal, &g, cur);
out:
    gsl_rng_free(r);
    free(jobs);
    free(out);
    free(noise);
    free(sum);
    free(dev);
    return st;
}

/* The move kernel of ABC generation t from the particles prev: L (k x k, allocated) gets the lower
 * Cholesky factor of 2 x their weighted covariance (Beaumont et al. 2009), narrowed until at least
 * min_inside of trial moves stay in the box and NROY (below); *logdet_out its log-determinant. */
static unrest_status abc_kernel(unrest_calibration *cal, unsigned t, const particles *prev,
                                double min_inside, gsl_matrix *L, double *logdet_out)
{
    size_t k = cal->k;
    gsl_vector *res = gsl_vector_alloc(k);
    gsl_ran_discrete_t *cat = gsl_ran_discrete_preproc(prev->n, prev->w);
    if (!res || !cat) {
        gsl_vector_free(res);
        gsl_ran_discrete_free(cat);
        return fail(cal, UNREST_ENOMEM, "out of memory");
    }
    double mean[MAX_K] = {0};
    for (size_t i = 0; i < prev->n; i++)
        for (size_t a = 0; a < k; a++)
            mean[a] += prev->w[i] * prev->u[i * k + a];
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b <= a; b++) {
            double s = 0;
            for (size_t i = 0; i < prev->n; i++)
                s += prev->w[i] * (prev->u[i * k + a] - mean[a]) * (prev->u[i * k + b] - mean[b]);
            gsl_matrix_set(L, a, b, 2 * s);
            gsl_matrix_set(L, b, a, 2 * s);
        }
    for (size_t a = 0; a < k; a++) /* a tiny ridge keeps a collapsed dimension proper */
        *gsl_matrix_ptr(L, a, a) += 1e-10;
    if (gsl_linalg_cholesky_decomp1(L) != GSL_SUCCESS) {
        gsl_vector_free(res);
        gsl_ran_discrete_free(cat);
        return fail(cal, UNREST_ESTATE, "ABC generation %u: the particles' covariance is singular",
                    t);
    }
    for (size_t a = 0; a < k; a++) /* keep the lower factor only */
        for (size_t b = a + 1; b < k; b++)
            gsl_matrix_set(L, a, b, 0);
    double logdet = 0;
    for (size_t a = 0; a < k; a++)
        logdet += log(gsl_matrix_get(L, a, a));
    /* A small NROY (a few parts in 10,000 of the box, in many dimensions) can leave almost no
     * move of the kernel inside it: then narrow the kernel for the whole generation, halving
     * its scale until at least min_inside of trial moves (an RNG stream of their own, so a
     * kernel that needs no narrowing draws exactly what it did before) land in the box and
     * NROY: 2% for SMC, whose weights use the kernel actually used; a quarter for replenishment,
     * whose MCMC moves a narrow kernel slows but does not bias. */
    {
        gsl_rng *rt = cal_rng_new(key3(cal->c.seed, ST_ABC_RNG, t, 1));
        double frac = 1;
        unsigned halved = 0;
        for (; rt && halved < 10; halved++) {
            size_t in = 0, trials = 2000;
            for (size_t i = 0; i < trials; i++) {
                size_t from = gsl_ran_discrete(rt, cat);
                gsl_vector_const_view c = gsl_vector_const_view_array(prev->u + from * k, k);
                gsl_ran_multivariate_gaussian(rt, &c.vector, L, res);
                int inside = 1;
                double u[MAX_K];
                for (size_t d = 0; d < k; d++) {
                    u[d] = gsl_vector_get(res, d);
                    if (u[d] < 0 || u[d] > 1) inside = 0;
                }
                in += inside && in_nroy(cal, cal->nwaves, u);
            }
            frac = (double)in / (double)trials;
            if (frac >= min_inside) break;
            gsl_matrix_scale(L, 0.5);
            logdet -= (double)k * log(2.0);
        }
        if (halved)
            note(cal,
                 "ABC generation %u: kernel scale halved %u times (%.1f%% of trial moves "
                 "then inside the box and NROY)",
                 t, halved, 100 * frac);
        gsl_rng_free(rt);
    }
    gsl_vector_free(res);
    gsl_ran_discrete_free(cat);
    *logdet_out = logdet;
    return UNREST_OK;
}

/* Generation t from prev: eps = weighted median of prev's distances; proposals from prev's
 * particles moved by N(0, 2 x weighted covariance) (Beaumont et al. 2009), dropped outside the
 * box or NROY; accepted when d <= eps; weights prior / sum_j w_j K(theta | theta_j) (Toni et
 * al. 2009). *abandoned = 1 when fewer than N were accepted in N / min_acceptance runs. */
static unrest_status abc_generation(unrest_calibration *cal, unsigned t, const particles *prev,
                                    const double *sig, double prev_acc, particles *cur,
                                    unrest_cal_generation *g, int *abandoned)
{
    size_t N = cal->c.particles, k = cal->k, m = cal->m;
    unrest_status st = UNREST_OK;
    *abandoned = 0;
    memset(g, 0, sizeof *g);
    g->gen = t;
    g->eps = wquantile(prev->d, prev->w, prev->n, 1, 0.5);
    /* kernel: 2 x weighted covariance, its Cholesky factor */
    gsl_matrix *L = gsl_matrix_calloc(k, k);
    gsl_vector *mu = gsl_vector_alloc(k), *res = gsl_vector_alloc(k);
    gsl_rng *r = cal_rng_new(key3(cal->c.seed, ST_ABC_RNG, t, 0));
    gsl_ran_discrete_t *cat = gsl_ran_discrete_preproc(prev->n, prev->w);
    size_t budget = (size_t)ceil((double)N / cal->c.min_acceptance);
    sim_job *jobs = NULL;
    abc_prop *props = NULL;
    double *out = NULL, *noise = NULL;
    if (!L || !mu || !res || !r || !cat || particles_alloc(cur, N, k)) {
        st = fail(cal, UNREST_ENOMEM, "out of memory");
        goto out;
    }
    double logdet = 0;
    if ((st = abc_kernel(cal, t, prev, 0.02, L, &logdet)) != UNREST_OK) goto out;
    size_t next = 0; /* proposals made so far (their index) */
    double acc = prev_acc > 0.01 ? prev_acc : 0.01;
    while (cur->n < N && g->simulated < budget) {
        size_t want = (size_t)ceil((double)(N - cur->n) / acc * 1.1);
        if (want < 2 * cal->c.workers) want = 2 * cal->c.workers;
        if (want > budget - g->simulated) want = budget - g->simulated;
        free(jobs);
        free(props);
        free(out);
        free(noise);
        jobs = calloc(want, sizeof *jobs);
        props = calloc(want, sizeof *props);
        out = malloc(want * m * sizeof *out);
        noise = malloc(want * m * sizeof *noise);
        if (!jobs || !props || !out || !noise) {
            st = fail(cal, UNREST_ENOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < want; i++) {
            size_t tries = 0;
            for (;;) {
                if (++tries > 100000) {
                    st = fail(cal, UNREST_ESTATE,
                              "ABC generation %u: 10^5 moves in a row left the box or NROY", t);
                    goto out;
                }
                size_t from = gsl_ran_discrete(r, cat);
                gsl_vector_const_view c = gsl_vector_const_view_array(prev->u + from * k, k);
                gsl_ran_multivariate_gaussian(r, &c.vector, L, res);
                int inside = 1;
                for (size_t d = 0; d < k; d++) {
                    props[i].u[d] = gsl_vector_get(res, d);
                    if (props[i].u[d] < 0 || props[i].u[d] > 1) inside = 0;
                }
                if (inside && in_nroy(cal, cal->nwaves, props[i].u)) break;
            }
            props[i].noise = noise + i * m;
            draw_noise(cal, r, props[i].noise);
            set_job(cal, &jobs[i], props[i].u, key3(cal->c.seed, ST_ABC_RUN, t, next + i), next + i,
                    out + i * m);
        }
        next += want;
        if ((st = run_batch(cal, "abc", t, jobs, want)) != UNREST_OK) goto out;
        for (size_t i = 0; i < want && cur->n < N; i++) {
            g->simulated++;
            g->stored += (size_t)jobs[i].stored;
            if (jobs[i].failed) continue;
            double d = distance(cal, jobs[i].out, props[i].noise, sig);
            if (d > g->eps) continue;
            memcpy(cur->u + cur->n * k, props[i].u, k * sizeof *props[i].u);
            cur->d[cur->n] = d;
            cur->n++;
        }
        acc = (double)cur->n / (double)g->simulated;
        if (acc < 0.01) acc = 0.01;
    }
    g->accepted = cur->n;
    g->acceptance = g->simulated ? (double)cur->n / (double)g->simulated : 0;
    if (cur->n < N) {
        *abandoned = 1;
        g->ess = NAN;
        goto out;
    }
    /* weights: the prior is uniform on NROY, so prior(theta*) is one constant */
    double tot = 0;
    for (size_t i = 0; i < N; i++) {
        double s = 0;
        for (size_t j = 0; j < prev->n; j++) {
            if (prev->w[j] <= 0) continue;
            double diff[MAX_K];
            for (size_t a = 0; a < k; a++)
                diff[a] = cur->u[i * k + a] - prev->u[j * k + a];
            gsl_vector_view dv = gsl_vector_view_array(diff, k);
            gsl_blas_dtrsv(CblasLower, CblasNoTrans, CblasNonUnit, L, &dv.vector);
            double q = 0;
            for (size_t a = 0; a < k; a++)
                q += diff[a] * diff[a];
            s += prev->w[j] * exp(-0.5 * q - logdet);
        }
        cur->w[i] = s > 0 ? 1 / s : 0;
        tot += cur->w[i];
    }
    for (size_t i = 0; i < N; i++)
        cur->w[i] = tot > 0 ? cur->w[i] / tot : 1.0 / (double)N;
    g->ess = ess_of(cur->w, N);
out:
    gsl_matrix_free(L);
    gsl_vector_free(mu);
    gsl_vector_free(res);
    gsl_rng_free(r);
    gsl_ran_discrete_free(cat);
    free(jobs);
    free(props);
    free(out);
    free(noise);
    return st;
}

/* Generation t after rejection ABC (--then-smc): the replenishment ABC-SMC of Drovandi & Pettitt
 * (2011), in the form of Del Moral, Doucet & Jasra (2012). Importance weights prior / sum_j w_j K
 * collapse when a tiny NROY forces a kernel narrower than the particles' spacing (one parent per
 * proposal; ESS 1 of 150 on the default's 25 values), so the particles stay equally weighted and
 * are moved by ABC-MCMC instead: the nearer half of prev is kept and eps is its largest distance;
 * the other half is replaced by draws from the kept; each replaced particle then takes MCMC steps
 * theta' = theta + L z (L: 2 x the kept particles' covariance, narrowed until a quarter of moves
 * stay in the box and NROY), a
 * step accepted when theta' lies in the box and NROY and its run's distance is at most eps. With
 * a prior uniform on NROY and a symmetric kernel that is Metropolis-Hastings for the ABC posterior
 * at eps, which the kept particles already follow, so the population stays a sample of it. A
 * first step by every replaced particle estimates the acceptance p; the generation takes
 * R = ceil(log 0.01 / log(1 - p)) steps in all (at most 20), so that each particle moves at least
 * once with probability about 0.99 (Drovandi & Pettitt's rule). g->acceptance is that of all the
 * generation's moves. */
static unrest_status abc_replenish(unrest_calibration *cal, unsigned t, const particles *prev,
                                   const double *sig, particles *cur, unrest_cal_generation *g)
{
    size_t N = prev->n, k = cal->k, m = cal->m, keep = N - N / 2, moved = N - keep;
    unrest_status st = UNREST_OK;
    memset(g, 0, sizeof *g);
    g->gen = t;
    size_t *idx = malloc(N * sizeof *idx);
    gsl_matrix *L = gsl_matrix_calloc(k, k);
    gsl_vector *res = gsl_vector_alloc(k);
    gsl_rng *r = cal_rng_new(key3(cal->c.seed, ST_ABC_RNG, t, 0));
    sim_job *jobs = calloc(moved ? moved : 1, sizeof *jobs);
    double *out = malloc((moved ? moved : 1) * m * sizeof *out);
    double *noise = malloc((moved ? moved : 1) * m * sizeof *noise);
    double *prop = malloc((moved ? moved : 1) * k * sizeof *prop);
    int *inside = malloc((moved ? moved : 1) * sizeof *inside);
    particles kept = {0};
    if (!idx || !L || !res || !r || !jobs || !out || !noise || !prop || !inside ||
        particles_alloc(cur, N, k) || particles_alloc(&kept, keep, k)) {
        st = fail(cal, UNREST_ENOMEM, "out of memory");
        goto out;
    }
    gsl_sort_index(idx, prev->d, 1, N); /* ties keep particle order: deterministic */
    for (size_t i = 0; i < keep; i++) {
        memcpy(kept.u + i * k, prev->u + idx[i] * k, k * sizeof *kept.u);
        kept.d[i] = prev->d[idx[i]];
        kept.w[i] = 1.0 / (double)keep;
    }
    kept.n = keep;
    g->eps = kept.d[keep - 1];
    double logdet = 0;
    if ((st = abc_kernel(cal, t, &kept, 0.25, L, &logdet)) != UNREST_OK) goto out;
    /* the population: the kept, then as many drawn from them uniformly */
    memcpy(cur->u, kept.u, keep * k * sizeof *cur->u);
    memcpy(cur->d, kept.d, keep * sizeof *cur->d);
    for (size_t i = 0; i < moved; i++) {
        size_t from = (size_t)gsl_rng_uniform_int(r, keep);
        memcpy(cur->u + (keep + i) * k, kept.u + from * k, k * sizeof *cur->u);
        cur->d[keep + i] = kept.d[from];
    }
    cur->n = N;
    for (size_t i = 0; i < N; i++)
        cur->w[i] = 1.0 / (double)N;
    size_t steps = 1, accepted = 0, tried = 0;
    double first = 0; /* the first step's acceptance */
    for (size_t step = 0; step < steps; step++) {
        size_t nj = 0;
        for (size_t i = 0; i < moved; i++) {
            double *u = prop + i * k, *x = cur->u + (keep + i) * k;
            gsl_vector_const_view c = gsl_vector_const_view_array(x, k);
            gsl_ran_multivariate_gaussian(r, &c.vector, L, res);
            inside[i] = 1;
            for (size_t d = 0; d < k; d++) {
                u[d] = gsl_vector_get(res, d);
                if (u[d] < 0 || u[d] > 1) inside[i] = 0;
            }
            if (inside[i]) inside[i] = in_nroy(cal, cal->nwaves, u);
            draw_noise(cal, r, noise + i * m); /* drawn for every step: same stream either way */
            if (inside[i])
                set_job(cal, &jobs[nj++], u, key3(cal->c.seed, ST_ABC_RUN, t, step * moved + i),
                        step * moved + i, out + i * m);
        }
        if ((st = run_batch(cal, "abc", t, jobs, nj)) != UNREST_OK) goto out;
        for (size_t i = 0, j = 0; i < moved; i++) {
            tried++;
            if (!inside[i]) continue; /* outside the prior's support: rejected unrun */
            sim_job *jb = &jobs[j++];
            g->simulated++;
            g->stored += (size_t)jb->stored;
            if (jb->failed) continue;
            double d = distance(cal, jb->out, noise + i * m, sig);
            if (d > g->eps) continue;
            memcpy(cur->u + (keep + i) * k, prop + i * k, k * sizeof *cur->u);
            cur->d[keep + i] = d;
            accepted++;
        }
        if (step == 0) { /* Drovandi & Pettitt: steps enough to move each particle once */
            double p = tried ? (double)accepted / (double)tried : 1; /* none to move: done */
            first = p;
            steps = p >= 1 ? 1 : p <= 0 ? 20 : (size_t)ceil(log(0.01) / log(1 - p));
            if (steps > 20) steps = 20;
        }
    }
    g->accepted = accepted;
    g->acceptance = tried ? (double)accepted / (double)tried : 0;
    g->ess = ess_of(cur->w, N);
    size_t distinct = 0;
    for (size_t i = 0; i < N; i++) {
        int dup = 0;
        for (size_t j = 0; j < i && !dup; j++)
            dup = !memcmp(cur->u + i * k, cur->u + j * k, k * sizeof *cur->u);
        distinct += !dup;
    }
    note(cal,
         "ABC generation %u (replenishment): kept the nearer %zu, %zu MCMC step%s for the other "
         "%zu, %zu of %zu moves accepted (first step %.1f%%), %zu distinct particles of %zu",
         t, keep, steps, steps == 1 ? "" : "s", moved, accepted, tried, 100 * first, distinct, N);
out:
    particles_free(&kept);
    free(idx);
    gsl_matrix_free(L);
    gsl_vector_free(res);
    gsl_rng_free(r);
    free(jobs);
    free(out);
    free(noise);
    free(prop);
    free(inside);
    return st;
}

static unrest_status abc_smc(unrest_calibration *cal)
{
    size_t k = cal->k, m = cal->m;
    particles prev = {0}, cur = {0};
    double *sig = malloc(m * sizeof *sig);
    if (!sig) return fail(cal, UNREST_ENOMEM, "out of memory");
    unrest_status st = abc_prior(cal, &prev, sig);
    if (st == UNREST_OK && cal->c.abc_draws) { /* rejection ABC: the nearest, equal weights */
        size_t P = cal->c.particles < prev.n ? cal->c.particles : prev.n;
        size_t *idx = malloc((prev.n ? prev.n : 1) * sizeof *idx);
        double *dd = malloc((prev.n ? prev.n : 1) * sizeof *dd);
        if (!idx || !dd || particles_alloc(&cur, P, k)) {
            free(idx);
            free(dd);
            particles_free(&prev);
            free(sig);
            return fail(cal, UNREST_ENOMEM, "out of memory");
        }
        memcpy(dd, prev.d, prev.n * sizeof *dd);
        gsl_sort_index(idx, dd, 1, prev.n); /* ties keep draw order: deterministic */
        for (size_t i = 0; i < P; i++) {
            memcpy(cur.u + i * k, prev.u + idx[i] * k, k * sizeof *cur.u);
            cur.d[i] = prev.d[idx[i]];
            cur.w[i] = 1.0 / (double)P;
        }
        cur.n = P;
        char why[200];
        snprintf(why, sizeof why, "rejection ABC: the %zu nearest of %zu draws from NROY%s%s%s", P,
                 prev.n, cal->chain_why[0] ? " (" : "", cal->chain_why,
                 cal->chain_why[0] ? ")" : "");
        unrest_cal_generation g = {.gen = 1,
                                   .eps = P ? cur.d[P - 1] : HUGE_VAL,
                                   .simulated = 0,
                                   .accepted = P,
                                   .acceptance = prev.n ? (double)P / (double)prev.n : 0,
                                   .ess = ess_of(cur.w, P),
                                   .stop = cal->c.then_smc ? NULL : why};
        if (cal->c.then_smc) note(cal, "%s; ABC-SMC from its particles follows", why);
        st = push_generation(cal, &g, &cur);
        free(idx);
        free(dd);
        particles_free(&prev);
        prev = cur;
        memset(&cur, 0, sizeof cur);
    }
    /* ABC-SMC: from the prior sample (generations 1..generations), or after rejection ABC
     * from its particles, whose distances are its first epsilon (2..1 + then_smc) */
    double acc = 0.5;
    unsigned first = cal->c.abc_draws ? 2 : 1;
    unsigned last = cal->c.abc_draws ? 1 + cal->c.then_smc : cal->c.generations;
    for (unsigned t = first; st == UNREST_OK && t <= last; t++) {
        unrest_cal_generation g;
        int abandoned = 0;
        if (cal->c.abc_draws)
            st = abc_replenish(cal, t, &prev, sig, &cur, &g);
        else
            st = abc_generation(cal, t, &prev, sig, acc, &cur, &g, &abandoned);
        if (st != UNREST_OK) break;
        char why[200] = "";
        if (abandoned)
            snprintf(why, sizeof why,
                     "abandoned: %zu of %zu accepted in %zu runs (below %.3g); the posterior is "
                     "the previous generation",
                     g.accepted, cal->c.particles, g.simulated, cal->c.min_acceptance);
        else if (g.acceptance < cal->c.min_acceptance)
            snprintf(why, sizeof why, "acceptance %.3f below %.3g", g.acceptance,
                     cal->c.min_acceptance);
        else if (t > first && g.eps > 0.99 * cal->gens[cal->ngens - 1].eps)
            snprintf(why, sizeof why, "epsilon stalled (%.4g after %.4g)", g.eps,
                     cal->gens[cal->ngens - 1].eps);
        else if (t == last && cal->c.abc_draws)
            snprintf(why, sizeof why, "last generation (--then-smc %u)", cal->c.then_smc);
        else if (t == last)
            snprintf(why, sizeof why, "last generation (--generations %u)", cal->c.generations);
        g.stop = why[0] ? why : NULL;
        particles none = {0};
        if ((st = push_generation(cal, &g, abandoned ? &none : &cur)) != UNREST_OK) break;
        if (abandoned) break;
        acc = g.acceptance;
        particles_free(&prev);
        prev = cur;
        memset(&cur, 0, sizeof cur);
        if (g.stop) break;
    }
    particles_free(&cur);
    free(cal->sig);
    cal->sig = sig; /* the representative's distance uses the same scales */
    if (st != UNREST_OK) {
        particles_free(&prev);
        return st;
    }
    /* the posterior: the last complete generation */
    cal->npost = prev.n;
    cal->post_u = prev.u;
    cal->post_w = prev.w;
    free(prev.d);
    cal->post_theta = malloc((prev.n ? prev.n : 1) * k * sizeof *cal->post_theta);
    if (!cal->post_theta) return fail(cal, UNREST_ENOMEM, "out of memory");
    for (size_t i = 0; i < prev.n; i++)
        for (size_t d = 0; d < k; d++)
            cal->post_theta[i * k + d] = from_unit(&cal->params[d], cal->post_u[i * k + d]);
    if (cal->c.store) {
        char **texts = calloc(prev.n ? prev.n : 1, sizeof *texts);
        if (!texts) return fail(cal, UNREST_ENOMEM, "out of memory");
        for (size_t i = 0; i < prev.n && st == UNREST_OK; i++)
            if (!(texts[i] = theta_text(cal->params, k, cal->post_theta + i * k)))
                st = fail(cal, UNREST_ENOMEM, "out of memory");
        if (st == UNREST_OK &&
            unrest_store_cal_posterior_put(cal->c.store, cal->id, (const char *const *)texts,
                                           cal->post_w, prev.n) != UNREST_OK)
            st = store_fail(cal);
        for (size_t i = 0; i < prev.n; i++)
            free(texts[i]);
        free(texts);
    }
    return st;
}

/* Posterior predictive: `predictive` parameter sets drawn from the posterior by weight, each
 * run once on a fresh seed. */
static unrest_status predict(unrest_calibration *cal)
{
    size_t P = cal->c.predictive, m = cal->m, k = cal->k;
    if (!P || !cal->npost) return UNREST_OK;
    gsl_rng *r = cal_rng_new(key3(cal->c.seed, ST_PRED, 0, 0));
    gsl_ran_discrete_t *cat = gsl_ran_discrete_preproc(cal->npost, cal->post_w);
    sim_job *jobs = calloc(P, sizeof *jobs);
    cal->pred = malloc(P * m * sizeof *cal->pred);
    unrest_status st = UNREST_OK;
    if (!r || !cat || !jobs || !cal->pred) {
        st = fail(cal, UNREST_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < P; i++) {
        size_t p = gsl_ran_discrete(r, cat);
        set_job(cal, &jobs[i], cal->post_u + p * k, key3(cal->c.seed, ST_PRED_RUN, 0, i), i,
                cal->pred + i * m);
    }
    if ((st = run_batch(cal, "predict", 0, jobs, P)) != UNREST_OK) goto out;
    for (size_t i = 0; i < P; i++)
        if (jobs[i].failed)
            for (size_t j = 0; j < m; j++)
                cal->pred[i * m + j] = NAN;
    cal->npred = P;
out:
    gsl_rng_free(r);
    gsl_ran_discrete_free(cat);
    free(jobs);
    return st;
}

/* The representative particle: every particle of the posterior run `representative` times on
 * fresh seeds, and the one whose runs come nearest the observations on average (the ABC
 * distance without the noise) chosen. A Bayes point under the ABC distance as the loss: a value
 * for a single run that, unlike the marginal medians, is a particle of the posterior and keeps
 * its correlations. */
/* The mean ABC distance (without noise) of the n runs jobs[0..n) wrote to out (m values each);
 * HUGE_VAL if one failed. */
static double runs_distance(const unrest_calibration *cal, const sim_job *jobs, const double *out,
                            size_t n, const double *zero)
{
    double s = 0;
    for (size_t r = 0; r < n && s < HUGE_VAL; r++)
        s = jobs[r].failed ? HUGE_VAL : s + distance(cal, out + r * cal->m, zero, cal->sig);
    return s / (double)n;
}

static unrest_status representative(unrest_calibration *cal)
{
    size_t R = cal->c.representative, P = cal->npost, m = cal->m, k = cal->k, N = P * R;
    if (!R || !P || !cal->sig) return UNREST_OK;
    sim_job *jobs = calloc(N, sizeof *jobs);
    double *out = malloc(N * m * sizeof *out), *zero = calloc(m, sizeof *zero);
    free(cal->rep_d);
    cal->rep_d = malloc(P * sizeof *cal->rep_d);
    unrest_status st = UNREST_OK;
    if (!jobs || !out || !zero || !cal->rep_d) {
        st = fail(cal, UNREST_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < P; i++)
        for (size_t r = 0; r < R; r++) {
            sim_job *j = &jobs[i * R + r];
            set_job(cal, j, cal->post_u + i * k, key3(cal->c.seed, ST_REP_RUN, i, r), i,
                    out + (i * R + r) * m);
            j->rep = (uint32_t)r;
        }
    if ((st = run_batch(cal, "predict", 1, jobs, N)) != UNREST_OK) goto out;
    cal->rep = 0;
    for (size_t i = 0; i < P; i++) {
        cal->rep_d[i] = runs_distance(cal, jobs + i * R, out + i * R * m, R, zero);
        if (cal->rep_d[i] < cal->rep_d[cal->rep]) cal->rep = i; /* ties: the first */
    }
    /* The runs that chose it flatter it: the best of P means of R noisy runs is lower than the
     * chosen particle's own mean (the winner's curse). R more runs on seeds of their own, which
     * took no part in the choice, estimate its fit without that bias. */
    for (size_t r = 0; r < R; r++) {
        sim_job *j = &jobs[r];
        set_job(cal, j, cal->post_u + cal->rep * k, key3(cal->c.seed, ST_REP_FRESH, 0, r), cal->rep,
                out + r * m);
        j->rep = (uint32_t)r;
    }
    if ((st = run_batch(cal, "predict", 2, jobs, R)) != UNREST_OK) goto out;
    cal->rep_fresh = runs_distance(cal, jobs, out, R, zero);
out:
    if (st != UNREST_OK) {
        free(cal->rep_d);
        cal->rep_d = NULL;
    }
    free(jobs);
    free(out);
    free(zero);
    return st;
}

/* ---- the handle ------------------------------------------------------------------------------ */

static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* Canonical text of what fixes the runs (the store's identity of a calibration). */
static char *settings_text(const unrest_calibration *cal)
{
    size_t cap = 512 + cal->k * 160;
    char *s = malloc(cap);
    if (!s) return NULL;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t j = 0; j < cal->m; j++) {
        const unrest_cal_target *t = &cal->targets[j];
        char buf[512];
        int n = snprintf(buf, sizeof buf, "%s|%d|%s|%lld|%lld|%d|%.17g|%.17g|%.17g|%.17g|%c\n",
                         t->name, (int)t->quantity, t->place, (long long)t->from, (long long)t->to,
                         (int)t->kind, t->value, t->low, t->high, t->threshold, t->grade);
        h = fnv1a(h, buf, (size_t)n);
    }
    size_t w = (size_t)snprintf(s, cap,
                                "v=1;targets=%016" PRIx64
                                ";waves=%u;points=%zu;reps=%u;cutoff=%.17g;imax=%d;md=%.17g;"
                                "particles=%zu;generations=%u;minacc=%.17g;predictive=%zu;",
                                h, cal->c.waves, cal->c.points, cal->c.reps, cal->c.cutoff,
                                cal->c.use_max, cal->c.discrepancy, cal->c.particles,
                                cal->c.generations, cal->c.min_acceptance, cal->c.predictive);
    if (cal->c.abc_draws && w < cap) /* absent for ABC-SMC: older identities still match */
        w += (size_t)snprintf(s + w, cap - w, "rejection=%zu;", cal->c.abc_draws);
    if (cal->c.abc_draws && cal->c.then_smc && w < cap) /* likewise absent when none */
        w += (size_t)snprintf(s + w, cap - w, "thensmc=%u;", cal->c.then_smc);
    if (cal->c.nroy_thin && w < cap) /* absent for uniform darts, likewise */
        w += (size_t)snprintf(s + w, cap - w, "nroychain=%zu/%zu;", cal->c.nroy_thin,
                              cal->c.chain_darts);
    if (w < cap) w += (size_t)snprintf(s + w, cap - w, "params=");
    for (size_t i = 0; i < cal->k && w < cap; i++)
        w += (size_t)snprintf(s + w, cap - w, "%s%s:%.17g:%.17g:%d", i ? "," : "",
                              cal->params[i].path, cal->params[i].lo, cal->params[i].hi,
                              cal->params[i].log);
    return s;
}

void unrest_calibrate_destroy(unrest_calibration *cal)
{
    if (!cal) return;
    for (size_t w = 0; w < MAX_WAVES; w++)
        emu_free(&cal->emu[w], cal->m);
    for (size_t i = 0; i < cal->npts; i++) {
        free(cal->pts[i].mean);
        free(cal->pts[i].var);
    }
    free(cal->pts);
    free(cal->nroy);
    free(cal->gens);
    free(cal->gstop);
    free(cal->post_u);
    free(cal->post_theta);
    free(cal->post_w);
    free(cal->pred);
    free(cal->sig);
    free(cal->rep_d);
    free(cal->params);
    free(cal->targets);
    free(cal->sc);
    free(cal->z);
    free(cal->vobs);
    free(cal->vmd);
    free(cal->used);
    free(cal);
}

unrest_status unrest_calibrate_create(unrest_calibration **out, const unrest_cal_config *c,
                                      char *err, size_t errlen)
{
    *out = NULL;
    if (err && errlen) err[0] = '\0';
    if (!c || !c->params || !c->targets || !c->k || !c->m || (!c->sc && !c->sim)) {
        exp_msg(err, errlen, "calibrate: parameters, targets and a scenario or simulator needed");
        return UNREST_EINVAL;
    }
    if (c->k > MAX_K) {
        exp_msg(err, errlen, "calibrate: %zu parameters; at most %d", c->k, MAX_K);
        return UNREST_ERANGE;
    }
    if (c->abc_draws && c->abc_draws < (c->particles ? c->particles : 200)) {
        exp_msg(err, errlen,
                "calibrate: %zu rejection-ABC draws for %zu particles; the draws must "
                "be at least the particles",
                c->abc_draws, c->particles ? c->particles : 200);
        return UNREST_EINVAL;
    }
    if (c->then_smc && !c->abc_draws) {
        exp_msg(err, errlen,
                "calibrate: then_smc follows rejection ABC and needs abc_draws (ABC-SMC alone "
                "is generations)");
        return UNREST_EINVAL;
    }
    unrest_calibration *cal = calloc(1, sizeof *cal);
    if (!cal) goto nomem;
    cal->c = *c;
    cal->k = c->k;
    cal->m = c->m;
    unrest_cal_config *d = &cal->c;
    if (!d->waves) d->waves = 4;
    if (d->waves > MAX_WAVES) d->waves = MAX_WAVES;
    if (!d->points) d->points = 10 * c->k;
    if (d->points < 10) d->points = 10;
    if (!d->reps) d->reps = 4;
    if (d->reps < 2) d->reps = 2;
    if (!(d->cutoff > 0)) d->cutoff = 3;
    if (d->discrepancy == 0) d->discrepancy = 0.2;
    if (d->discrepancy < 0) d->discrepancy = 0;
    if (!d->particles) d->particles = 200;
    if (d->particles < 4) d->particles = 4;
    if (!d->generations) d->generations = 6;
    if (!(d->min_acceptance > 0 && d->min_acceptance < 1)) d->min_acceptance = 0.05;
    if (!d->workers) d->workers = 1;
    d->params = NULL;
    d->targets = NULL;
    d->sc = NULL;
    cal->params = malloc(c->k * sizeof *cal->params);
    cal->targets = malloc(c->m * sizeof *cal->targets);
    cal->z = malloc(c->m * sizeof *cal->z);
    cal->vobs = malloc(c->m * sizeof *cal->vobs);
    cal->vmd = malloc(c->m * sizeof *cal->vmd);
    cal->used = calloc(c->m, 1);
    if (!cal->params || !cal->targets || !cal->z || !cal->vobs || !cal->vmd || !cal->used)
        goto nomem;
    memcpy(cal->params, c->params, c->k * sizeof *cal->params);
    memcpy(cal->targets, c->targets, c->m * sizeof *cal->targets);
    for (size_t i = 0; i < c->k; i++) {
        const unrest_cal_param *p = &cal->params[i];
        if (!(p->lo < p->hi) || (p->log && p->lo <= 0)) {
            exp_msg(err, errlen, "calibrate: parameter '%s' has a bad range [%g, %g]%s", p->path,
                    p->lo, p->hi, p->log ? " (log)" : "");
            unrest_calibrate_destroy(cal);
            return UNREST_ERANGE;
        }
    }
    if (c->sc) {
        cal->sc = malloc(sizeof *cal->sc);
        if (!cal->sc) goto nomem;
        memcpy(cal->sc, c->sc, sizeof *cal->sc);
    }
    for (size_t j = 0; j < c->m; j++)
        unrest_calibrate_target_scale(&cal->targets[j], d->discrepancy, &cal->z[j], &cal->vobs[j],
                                      &cal->vmd[j]);
    if (d->store) {
        char *settings = settings_text(cal);
        if (!settings) goto nomem;
        unrest_store_cal sc = {.scenario_name = cal->sc ? cal->sc->name : "",
                               .scenario_hash = cal->sc ? unrest_scenario_hash(cal->sc) : 0,
                               .master_seed = d->seed,
                               .settings = settings,
                               .command = d->command};
        unrest_status st =
            unrest_store_calibration(d->store, &sc, cal->params, cal->k, cal->targets, cal->m,
                                     cal->z, cal->vobs, cal->vmd, &cal->id, &cal->resumed);
        free(settings);
        if (st != UNREST_OK) {
            exp_msg(err, errlen, "%s", unrest_store_error(d->store));
            unrest_calibrate_destroy(cal);
            return st;
        }
    }
    *out = cal;
    return UNREST_OK;
nomem:
    unrest_calibrate_destroy(cal);
    exp_msg(err, errlen, "out of memory");
    return UNREST_ENOMEM;
}

unrest_status unrest_calibrate_run(unrest_calibration *cal)
{
    if (cal->nwaves || cal->ngens)
        return fail(cal, UNREST_ESTATE, "calibrate: this calibration has run already");
    cal->err[0] = '\0';
    if (cal->c.store && unrest_store_cal_status(cal->c.store, cal->id, "running") != UNREST_OK)
        return store_fail(cal);
    unrest_status st = history_match(cal);
    if (st == UNREST_OK) st = abc_smc(cal);
    if (st == UNREST_OK) st = predict(cal);
    if (st == UNREST_OK) st = representative(cal);
    if (cal->c.store && st != UNREST_EIO) {
        const char *s = st == UNREST_OK ? "done" : st == UNREST_ESTATE ? "ruled-out" : "failed";
        if (unrest_store_cal_status(cal->c.store, cal->id, s) != UNREST_OK && st == UNREST_OK)
            st = store_fail(cal);
    }
    return st;
}

const char *unrest_calibrate_error(const unrest_calibration *cal)
{
    return cal ? cal->err : "";
}

int64_t unrest_calibrate_id(const unrest_calibration *cal)
{
    return cal->id;
}

int unrest_calibrate_resumed(const unrest_calibration *cal)
{
    return cal->resumed;
}

size_t unrest_calibrate_reused(const unrest_calibration *cal)
{
    return cal->reused;
}

const unrest_cal_wave *unrest_calibrate_wave(const unrest_calibration *cal, size_t i)
{
    return i < cal->nwaves ? &cal->waves[i] : NULL;
}

const unrest_cal_generation *unrest_calibrate_generation(const unrest_calibration *cal, size_t i)
{
    return i < cal->ngens ? &cal->gens[i] : NULL;
}

unrest_status unrest_calibrate_implausibility(const unrest_calibration *cal, const double *theta,
                                              double *impl, int *nroy)
{
    if (!cal->nwaves) return UNREST_ESTATE;
    double u[MAX_K], worst = 0;
    for (size_t d = 0; d < cal->k; d++) {
        const unrest_cal_param *p = &cal->params[d];
        u[d] = p->log ? (log(theta[d]) - log(p->lo)) / (log(p->hi) - log(p->lo))
                      : (theta[d] - p->lo) / (p->hi - p->lo);
        if (!(u[d] >= 0 && u[d] <= 1)) worst = HUGE_VAL; /* outside the prior box */
    }
    for (size_t w = 0; w < cal->nwaves && worst < HUGE_VAL; w++) {
        double im = impl_at(cal, w, u, NULL);
        if (im > worst) worst = im;
    }
    if (impl) *impl = worst;
    if (nroy) *nroy = worst < cal->c.cutoff;
    return UNREST_OK;
}

int unrest_calibrate_target_used(const unrest_calibration *cal, size_t j)
{
    return j < cal->m && cal->used[j];
}

unrest_status unrest_calibrate_posterior(const unrest_calibration *cal, const double **theta,
                                         const double **weights, size_t *n)
{
    if (!cal->npost) return UNREST_ESTATE;
    *theta = cal->post_theta;
    *weights = cal->post_w;
    *n = cal->npost;
    return UNREST_OK;
}

unrest_status unrest_calibrate_param_summary(const unrest_calibration *cal, size_t i, double conf,
                                             double *median, double *lo, double *hi)
{
    if (!cal->npost || i >= cal->k) return UNREST_ESTATE;
    const double *v = cal->post_theta + i;
    *median = wquantile(v, cal->post_w, cal->npost, cal->k, 0.5);
    *lo = wquantile(v, cal->post_w, cal->npost, cal->k, 0.5 - conf / 2);
    *hi = wquantile(v, cal->post_w, cal->npost, cal->k, 0.5 + conf / 2);
    return UNREST_OK;
}

unrest_status unrest_calibrate_predictive(const unrest_calibration *cal, size_t j, double conf,
                                          double *median, double *lo, double *hi)
{
    if (!cal->npred || j >= cal->m) return UNREST_ESTATE;
    double *w = malloc(cal->npred * sizeof *w);
    if (!w) return UNREST_ENOMEM;
    size_t ok = 0, yes = 0;
    for (size_t i = 0; i < cal->npred; i++) {
        double v = cal->pred[i * cal->m + j];
        w[i] = isnan(v) ? 0 : 1;
        ok += (size_t)!isnan(v);
        yes += !isnan(v) && v >= 0.5;
    }
    if (!ok) {
        free(w);
        return UNREST_ESTATE;
    }
    if (cal->targets[j].kind == UNREST_CAL_PATTERN) {
        *median = (double)yes / (double)ok;
        unrest_ci_proportion(yes, ok, conf, lo, hi);
    } else {
        const double *v = cal->pred + j;
        *median = wquantile(v, w, cal->npred, cal->m, 0.5);
        *lo = wquantile(v, w, cal->npred, cal->m, 0.5 - conf / 2);
        *hi = wquantile(v, w, cal->npred, cal->m, 0.5 + conf / 2);
    }
    free(w);
    return UNREST_OK;
}

unrest_status unrest_calibrate_representative_fresh(const unrest_calibration *cal,
                                                    double *mean_distance)
{
    if (!cal->rep_d) return UNREST_ESTATE;
    if (mean_distance) *mean_distance = cal->rep_fresh;
    return UNREST_OK;
}

unrest_status unrest_calibrate_representative(const unrest_calibration *cal, size_t *index,
                                              double *mean_distance, double *median_distance)
{
    if (!cal->rep_d) return UNREST_ESTATE;
    double *d = malloc(cal->npost * sizeof *d);
    if (!d) return UNREST_ENOMEM;
    memcpy(d, cal->rep_d, cal->npost * sizeof *d);
    gsl_sort(d, 1, cal->npost);
    if (index) *index = cal->rep;
    if (mean_distance) *mean_distance = cal->rep_d[cal->rep];
    if (median_distance) *median_distance = gsl_stats_median_from_sorted_data(d, 1, cal->npost);
    free(d);
    return UNREST_OK;
}

/* ---- a stored posterior ---------------------------------------------------------------------- */

struct unrest_cal_posterior {
    size_t n, k;      /* particles, parameters */
    char (*path)[96]; /* k paths */
    double *theta;    /* n x k */
    double *cdf;      /* n cumulative weights (last = 1) */
};

void unrest_calibrate_posterior_free(unrest_cal_posterior *p)
{
    if (!p) return;
    free(p->path);
    free(p->theta);
    free(p->cdf);
    free(p);
}

/* Parse "path=value;..." into p's paths (the first particle sets them) and theta row i. */
static int parse_theta(unrest_cal_posterior *p, size_t i, const char *text)
{
    size_t c = 0;
    const char *s = text;
    while (*s) {
        const char *end = strchr(s, ';'), *eq = strchr(s, '=');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (!eq || eq > s + len || c >= p->k || (size_t)(eq - s) >= sizeof p->path[0]) return -1;
        if (i == 0)
            snprintf(p->path[c], sizeof p->path[0], "%.*s", (int)(eq - s), s);
        else if (strncmp(p->path[c], s, (size_t)(eq - s)) || p->path[c][eq - s])
            return -1;
        char *stop;
        p->theta[i * p->k + c] = strtod(eq + 1, &stop);
        if (stop != s + len) return -1;
        c++;
        s += len + (end ? 1 : 0);
    }
    return c == p->k ? 0 : -1;
}

unrest_status unrest_calibrate_posterior_load(unrest_store *s, int64_t id,
                                              unrest_cal_posterior **out, char *err, size_t errlen)
{
    *out = NULL;
    char **texts;
    double *w;
    size_t n;
    int64_t got;
    unrest_status st = unrest_store_cal_posterior_get(s, id, &got, &texts, &w, &n);
    if (st != UNREST_OK) {
        exp_msg(err, errlen, "%s", unrest_store_error(s));
        return st;
    }
    unrest_cal_posterior *p = calloc(1, sizeof *p);
    if (!p || !n) {
        exp_msg(err, errlen, p ? "calibration %lld has an empty posterior" : "out of memory",
                (long long)got);
        st = p ? UNREST_ESTATE : UNREST_ENOMEM;
        goto done;
    }
    p->n = n;
    p->k = 1;
    for (const char *c = texts[0]; *c; c++)
        p->k += *c == ';';
    p->path = calloc(p->k, sizeof *p->path);
    p->theta = malloc(n * p->k * sizeof *p->theta);
    p->cdf = malloc(n * sizeof *p->cdf);
    if (!p->path || !p->theta || !p->cdf) {
        exp_msg(err, errlen, "out of memory");
        st = UNREST_ENOMEM;
        goto done;
    }
    double tot = 0;
    for (size_t i = 0; i < n; i++) {
        if (parse_theta(p, i, texts[i]) || !(w[i] >= 0)) {
            exp_msg(err, errlen, "calibration %lld: particle %zu is malformed ('%.80s')",
                    (long long)got, i, texts[i]);
            st = UNREST_EINVAL;
            goto done;
        }
        tot += w[i];
        p->cdf[i] = tot;
    }
    if (!(tot > 0)) {
        exp_msg(err, errlen, "calibration %lld: the weights sum to 0", (long long)got);
        st = UNREST_EINVAL;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        p->cdf[i] /= tot;
    p->cdf[n - 1] = 1;
done:
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
    free(w);
    if (st != UNREST_OK) {
        unrest_calibrate_posterior_free(p);
        return st;
    }
    *out = p;
    return UNREST_OK;
}

size_t unrest_calibrate_posterior_size(const unrest_cal_posterior *p)
{
    return p->n;
}

size_t unrest_calibrate_posterior_params(const unrest_cal_posterior *p)
{
    return p->k;
}

const char *unrest_calibrate_posterior_path(const unrest_cal_posterior *p, size_t i)
{
    return i < p->k ? p->path[i] : NULL;
}

unrest_status unrest_calibrate_posterior_draw(const unrest_cal_posterior *p, uint64_t seed,
                                              uint64_t index, double *theta, char *factors,
                                              size_t n)
{
    /* u in [0,1) from the top 53 bits of the derived seed; the first particle whose cumulative
     * weight exceeds u */
    double u = (double)(unrest_seed_derive(seed, index) >> 11) * 0x1.0p-53;
    size_t lo = 0, hi = p->n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->cdf[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    const double *row = p->theta + lo * p->k;
    if (theta) memcpy(theta, row, p->k * sizeof *theta);
    if (factors) {
        size_t w = 0;
        for (size_t i = 0; i < p->k; i++) {
            int r = snprintf(factors + w, n > w ? n - w : 0, "%s%s=%.17g", i ? ";" : "", p->path[i],
                             row[i]);
            if (r < 0 || (w += (size_t)r) >= n) {
                if (n) factors[0] = '\0';
                return UNREST_ERANGE;
            }
        }
    }
    return UNREST_OK;
}
