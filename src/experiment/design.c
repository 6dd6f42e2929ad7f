/*
 * design.c - experiment designs: ensemble seeds derived by hashing, factors read from SALib
 * problem files or --vary options, and design matrices (full factorial, Latin hypercube,
 * Saltelli sampling from GSL's Sobol sequence, Morris trajectories). Every random choice (LHS
 * positions and permutations, Morris base points, directions and orders) comes from the keyed
 * Philox generator of rng.h, so a design is a pure function of its arguments. Nothing here
 * prints; bad input gets a status and a message (file:line:col for problem files).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_qrng.h>

#include "unrest/design.h"
#include "fileio.h"
#include "exp_int.h"
#include "rng.h"

/* Philox streams of the designs. The model's streams (rng.h) are 1..7; design draws are keyed
 * by the design seed, and these numbers keep them apart from the model's even when a caller
 * uses one seed for both. rng.h's counter is (agent, tick, stream, block): designs pass the
 * factor or trajectory number as `tick` and 0 as `agent`. */
enum {
    DESIGN_RNG_LHS_PERM = 101, /* LHS stratum permutation, keyed by factor */
    DESIGN_RNG_LHS_POS = 102,  /* LHS position within a stratum, keyed by factor */
    DESIGN_RNG_MORRIS = 103    /* Morris base point, directions and order, keyed by trajectory */
};

#define SALTELLI_MAX_K 20         /* GSL's Sobol sequence has at most 40 dimensions */
#define SALTELLI_MAX_N (1u << 29) /* GSL's Sobol sequence has 2^30 points */
#define NUM_MAX 256               /* longest number token */
#define NAME_MAX_LEN (sizeof(((unrest_factor *)0)->name) - 1)

void exp_msg(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- seeds -------------------------------------------------------------------------------- */

#define GOLDEN 0x9e3779b97f4a7c15ull /* 2^64 / golden ratio, SplitMix64's increment */

/* SplitMix64 (Steele, Lea, Flood 2014): the output for state x, i.e. the finaliser of
 * x + GOLDEN. A bijection of 64-bit words (an addition, xor-shifts and odd multiplications). */
static uint64_t splitmix64(uint64_t x)
{
    uint64_t z = x + GOLDEN;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* seed = splitmix64(master ^ splitmix64(index)), with splitmix64 as above. For a fixed master
 * this is a composition of bijections of index, so the runs of one ensemble never share a
 * seed; neighbouring indices and masters give unrelated seeds. Changing this formula changes
 * every ensemble ever run: tests/test_design.c pins known values. */
uint64_t unrest_seed_derive(uint64_t master, uint64_t index)
{
    return splitmix64(master ^ splitmix64(index));
}

/* ---- factors ------------------------------------------------------------------------------ */

/* Parse the number in s[0..len) (the whole of it) into *v. 0 if it is not a number. */
static int parse_number(const char *s, size_t len, double *v)
{
    char buf[NUM_MAX];
    if (len == 0 || len >= sizeof buf) return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (strlen(buf) != len) return 0; /* a NUL byte inside */
    char *end;
    errno = 0;
    double x = strtod(buf, &end);
    if (end != buf + len || end == buf) return 0;
    if (buf[0] == ' ' || buf[0] == '\t' || buf[0] == '\n' || buf[0] == '\r' || buf[0] == '\v' ||
        buf[0] == '\f')
        return 0; /* strtod skips leading blanks; a number here must start at once */
    *v = x;
    return 1;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

typedef struct token {
    const char *p; /* first byte */
    size_t len;    /* bytes */
    size_t col;    /* 1-based column of the first byte */
} token;

/* A growing factor list with a hash index of names, so duplicate checks stay linear. */
typedef struct flist {
    unrest_factor *f; /* factors (malloc'd) */
    size_t *line;     /* line of each factor */
    size_t n, cap;    /* used, allocated */
    size_t *slot;     /* open-addressing table of factor indices; SIZE_MAX = empty */
    size_t nslot;     /* table size (power of two, >= 2 n) */
} flist;

static uint64_t name_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

/* Index of the factor called name, or SIZE_MAX. */
static size_t flist_find(const flist *l, const char *name)
{
    if (!l->nslot) return SIZE_MAX;
    for (size_t i = (size_t)name_hash(name) & (l->nslot - 1);; i = (i + 1) & (l->nslot - 1)) {
        if (l->slot[i] == SIZE_MAX) return SIZE_MAX;
        if (strcmp(l->f[l->slot[i]].name, name) == 0) return l->slot[i];
    }
}

static void flist_index(flist *l, size_t idx)
{
    size_t i = (size_t)name_hash(l->f[idx].name) & (l->nslot - 1);
    while (l->slot[i] != SIZE_MAX)
        i = (i + 1) & (l->nslot - 1);
    l->slot[i] = idx;
}

/* Append f (found on line); 0 when out of memory. */
static int flist_push(flist *l, const unrest_factor *f, size_t line)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        if (cap > SIZE_MAX / 2 / sizeof(unrest_factor)) return 0;
        unrest_factor *nf = realloc(l->f, cap * sizeof *nf);
        if (!nf) return 0;
        l->f = nf;
        size_t *nl = realloc(l->line, cap * sizeof *nl);
        if (!nl) return 0;
        l->line = nl;
        l->cap = cap;
    }
    if (2 * (l->n + 1) > l->nslot) {
        size_t ns = l->nslot ? l->nslot * 2 : 32;
        size_t *s = malloc(ns * sizeof *s);
        if (!s) return 0;
        free(l->slot);
        l->slot = s;
        l->nslot = ns;
        for (size_t i = 0; i < ns; i++)
            s[i] = SIZE_MAX;
        for (size_t i = 0; i < l->n; i++)
            flist_index(l, i);
    }
    l->f[l->n] = *f;
    l->line[l->n] = line;
    flist_index(l, l->n);
    l->n++;
    return 1;
}

static unrest_status at(char *err, size_t errlen, const char *path, size_t line, size_t col,
                        unrest_status st, const char *fmt, ...) PRINTF_LIKE(7, 8);
static unrest_status at(char *err, size_t errlen, const char *path, size_t line, size_t col,
                        unrest_status st, const char *fmt, ...)
{
    if (!err || !errlen) return st;
    int w = snprintf(err, errlen, "%s:%zu:%zu: ", path, line, col);
    if (w < 0 || (size_t)w >= errlen) return st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + w, errlen - (size_t)w, fmt, ap);
    va_end(ap);
    return st;
}

/* Show at most 40 bytes of a token in a message. */
#define TOK(t) (int)((t).len < 40 ? (t).len : 40), (t).p

/* Parse one line (text[0..len), number `line`) into l. */
static unrest_status parse_line(const char *path, const char *text, size_t len, size_t line,
                                flist *l, char *err, size_t errlen)
{
    token t[4];
    size_t nt = 0, i = 0;
    while (i < len && text[i] != '#') {
        if (is_blank(text[i])) {
            i++;
            continue;
        }
        size_t s = i;
        while (i < len && !is_blank(text[i]) && text[i] != '#')
            i++;
        if (nt < 4) t[nt++] = (token){text + s, i - s, s + 1};
        if (nt == 4) break;
    }
    if (nt == 0) return UNREST_OK;
    if (nt < 3)
        return at(err, errlen, path, line, t[nt - 1].col + t[nt - 1].len, UNREST_EINVAL,
                  "missing %s bound after '%.*s' (expected 'name lower upper')",
                  nt == 1 ? "lower" : "upper", TOK(t[nt - 1]));
    if (nt == 4)
        return at(err, errlen, path, line, t[3].col, UNREST_EINVAL,
                  "unexpected '%.*s' after the upper bound (expected 'name lower upper'; "
                  "groups and distributions are not supported)",
                  TOK(t[3]));
    if (t[0].len > NAME_MAX_LEN)
        return at(err, errlen, path, line, t[0].col, UNREST_ERANGE,
                  "factor name longer than %zu bytes", (size_t)NAME_MAX_LEN);
    for (size_t j = 0; j < t[0].len; j++) {
        unsigned char c = (unsigned char)t[0].p[j];
        if (c < 0x20 || c == 0x7f)
            return at(err, errlen, path, line, t[0].col + j, UNREST_EINVAL,
                      "control character 0x%02x in factor name", c);
    }
    double b[2];
    for (int j = 0; j < 2; j++) {
        const token *tk = &t[1 + j];
        if (!parse_number(tk->p, tk->len, &b[j]))
            return at(err, errlen, path, line, tk->col, UNREST_EINVAL,
                      "%s bound '%.*s' is not a number", j ? "upper" : "lower", TOK(*tk));
        if (!isfinite(b[j]))
            return at(err, errlen, path, line, tk->col, UNREST_ERANGE,
                      "%s bound '%.*s' is not finite", j ? "upper" : "lower", TOK(*tk));
    }
    if (!(b[0] < b[1]))
        return at(err, errlen, path, line, t[2].col, UNREST_ERANGE,
                  "upper bound %.17g is not above lower bound %.17g", b[1], b[0]);
    unrest_factor f;
    memset(&f, 0, sizeof f);
    memcpy(f.name, t[0].p, t[0].len);
    f.lo = b[0];
    f.hi = b[1];
    f.step = 0;
    size_t dup = flist_find(l, f.name);
    if (dup != SIZE_MAX)
        return at(err, errlen, path, line, t[0].col, UNREST_EINVAL,
                  "duplicate factor '%s' (first on line %zu)", f.name, l->line[dup]);
    if (!flist_push(l, &f, line)) {
        exp_msg(err, errlen, "%s: out of memory reading factors", path);
        return UNREST_ENOMEM;
    }
    return UNREST_OK;
}

/* Read the whole file at path into a malloc'd buffer. */
static unrest_status slurp(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
    int r = file_read_all(path, out, len);
    if (r == FILE_OK) return UNREST_OK;
    if (r == FILE_ENOMEM) {
        exp_msg(err, errlen, "%s: out of memory reading the file", path);
        return UNREST_ENOMEM;
    }
    exp_msg(err, errlen, "%s: cannot %s: %s", path, r == FILE_EOPEN ? "open" : "read",
            strerror(errno));
    return UNREST_EIO;
}

unrest_status unrest_factors_load_text(const char *name, const char *text, size_t len,
                                       unrest_factor **out, size_t *n, char *err, size_t errlen)
{
    if (err && errlen) err[0] = '\0';
    if (!name || !text || !out || !n) {
        exp_msg(err, errlen, "factors: NULL argument");
        return UNREST_EINVAL;
    }
    unrest_status st = UNREST_OK;
    flist l = {0};
    size_t line = 1, start = 0;
    for (size_t i = 0; i <= len && st == UNREST_OK; i++) {
        if (i == len || text[i] == '\n') {
            st = parse_line(name, text + start, i - start, line, &l, err, errlen);
            line++;
            start = i + 1;
        }
    }
    if (st == UNREST_OK && l.n == 0) {
        /* point at the end of the file */
        size_t eline = 1, ecol = 1;
        for (size_t i = 0; i < len; i++) {
            if (text[i] == '\n') {
                eline++;
                ecol = 1;
            } else {
                ecol++;
            }
        }
        st = at(err, errlen, name, eline, ecol, UNREST_EINVAL,
                "no factors (expected lines 'name lower upper')");
    }
    free(l.line);
    free(l.slot);
    if (st != UNREST_OK) {
        free(l.f);
        return st;
    }
    *out = l.f;
    *n = l.n;
    return UNREST_OK;
}

unrest_status unrest_factors_load(const char *path, unrest_factor **out, size_t *n, char *err,
                                  size_t errlen)
{
    if (err && errlen) err[0] = '\0';
    if (!path || !out || !n) {
        exp_msg(err, errlen, "factors: NULL argument");
        return UNREST_EINVAL;
    }
    char *text;
    size_t len;
    unrest_status st = slurp(path, &text, &len, err, errlen);
    if (st != UNREST_OK) return st;
    st = unrest_factors_load_text(path, text, len, out, n, err, errlen);
    free(text);
    return st;
}

unrest_status unrest_factor_parse(const char *text, unrest_factor *f, char *err, size_t errlen)
{
    if (err && errlen) err[0] = '\0';
    if (!text || !f) {
        exp_msg(err, errlen, "--vary: NULL argument");
        return UNREST_EINVAL;
    }
    const char *eq = strchr(text, '=');
    if (!eq) {
        exp_msg(err, errlen, "--vary '%s': expected name=lo:hi:step", text);
        return UNREST_EINVAL;
    }
    size_t nlen = (size_t)(eq - text);
    if (nlen == 0) {
        exp_msg(err, errlen, "--vary '%s': empty name (expected name=lo:hi:step)", text);
        return UNREST_EINVAL;
    }
    if (nlen > NAME_MAX_LEN) {
        exp_msg(err, errlen, "--vary '%s': name longer than %zu bytes", text, (size_t)NAME_MAX_LEN);
        return UNREST_ERANGE;
    }
    for (size_t j = 0; j < nlen; j++) {
        unsigned char c = (unsigned char)text[j];
        if (c <= 0x20 || c == 0x7f) {
            exp_msg(err, errlen, "--vary '%s': blank or control character in the name", text);
            return UNREST_EINVAL;
        }
    }
    static const char *const part[3] = {"lower bound", "upper bound", "step"};
    double v[3];
    const char *p = eq + 1;
    for (int j = 0; j < 3; j++) {
        const char *e = j < 2 ? strchr(p, ':') : p + strlen(p);
        if (!e) {
            exp_msg(err, errlen, "--vary '%s': missing %s (expected name=lo:hi:step)", text,
                    part[j + 1]);
            return UNREST_EINVAL;
        }
        size_t len = (size_t)(e - p);
        if (j == 2 && strchr(p, ':')) {
            exp_msg(err, errlen, "--vary '%s': too many ':' (expected name=lo:hi:step)", text);
            return UNREST_EINVAL;
        }
        if (!parse_number(p, len, &v[j])) {
            exp_msg(err, errlen, "--vary '%s': %s '%.*s' is not a number", text, part[j],
                    (int)(len < 40 ? len : 40), p);
            return UNREST_EINVAL;
        }
        if (!isfinite(v[j])) {
            exp_msg(err, errlen, "--vary '%s': %s is not finite", text, part[j]);
            return UNREST_ERANGE;
        }
        p = e + 1;
    }
    if (v[0] > v[1]) {
        exp_msg(err, errlen, "--vary '%s': empty range (lower bound %.17g > upper bound %.17g)",
                text, v[0], v[1]);
        return UNREST_ERANGE;
    }
    if (!(v[2] > 0)) {
        exp_msg(err, errlen, "--vary '%s': step %.17g must be > 0", text, v[2]);
        return UNREST_ERANGE;
    }
    memset(f, 0, sizeof *f);
    memcpy(f->name, text, nlen);
    f->lo = v[0];
    f->hi = v[1];
    f->step = v[2];
    return UNREST_OK;
}

/* ---- designs ------------------------------------------------------------------------------ */

/* Check k factors with finite lo <= hi (lo < hi when strict). */
static unrest_status check_factors(const char *what, const unrest_factor *f, size_t k, int strict,
                                   char *err, size_t errlen)
{
    if (!f || k == 0) {
        exp_msg(err, errlen, "%s: no factors", what);
        return UNREST_EINVAL;
    }
    for (size_t j = 0; j < k; j++) {
        if (!isfinite(f[j].lo) || !isfinite(f[j].hi)) {
            exp_msg(err, errlen, "%s: factor '%.96s' has a bound that is not finite", what,
                    f[j].name);
            return UNREST_ERANGE;
        }
        if (strict ? !(f[j].lo < f[j].hi) : !(f[j].lo <= f[j].hi)) {
            exp_msg(err, errlen, "%s: factor '%.96s' has range [%.17g, %.17g]; need lower %s upper",
                    what, f[j].name, f[j].lo, f[j].hi, strict ? "<" : "<=");
            return UNREST_ERANGE;
        }
    }
    return UNREST_OK;
}

/* Allocate rows x k doubles, or report why not. */
static unrest_status alloc_matrix(const char *what, size_t rows, size_t k, double **out, char *err,
                                  size_t errlen)
{
    if (rows > SIZE_MAX / sizeof(double) / k) {
        exp_msg(err, errlen, "%s: %zu rows of %zu factors do not fit in memory", what, rows, k);
        return UNREST_ERANGE;
    }
    *out = malloc(rows * k * sizeof(double));
    if (!*out) {
        exp_msg(err, errlen, "%s: out of memory for %zu rows", what, rows);
        return UNREST_ENOMEM;
    }
    return UNREST_OK;
}

/* Number of grid levels of a factorial factor: lo, lo+step, ... up to hi within 1e-9 step. */
static double grid_levels(const unrest_factor *f)
{
    return floor((f->hi - f->lo) / f->step + 1e-9) + 1.0;
}

static double grid_value(const unrest_factor *f, size_t i, size_t levels)
{
    double v = f->lo + (double)i * f->step;
    if (i + 1 == levels && fabs(v - f->hi) <= 1e-9 * f->step) v = f->hi; /* exact endpoint */
    return v;
}

unrest_status unrest_design_factorial(const unrest_factor *f, size_t k, size_t max_rows,
                                      double **out, size_t *rows, char *err, size_t errlen)
{
    static const char what[] = "factorial design";
    if (err && errlen) err[0] = '\0';
    if (!out || !rows) {
        exp_msg(err, errlen, "%s: NULL argument", what);
        return UNREST_EINVAL;
    }
    unrest_status st = check_factors(what, f, k, 0, err, errlen);
    if (st != UNREST_OK) return st;
    double total = 1;
    for (size_t j = 0; j < k; j++) {
        if (!(f[j].step > 0) || !isfinite(f[j].step)) {
            exp_msg(err, errlen, "%s: factor '%.96s' has step %.17g; need a step > 0", what,
                    f[j].name, f[j].step);
            return UNREST_ERANGE;
        }
        total *= grid_levels(&f[j]);
        if (!(total <= (double)max_rows) || !(total < 0x1p63)) {
            exp_msg(err, errlen, "%s: more than %zu rows (the limit) after factor '%.96s'", what,
                    max_rows, f[j].name);
            return UNREST_ERANGE;
        }
    }
    size_t n = (size_t)total;
    size_t *lev = malloc(k * sizeof *lev), *idx = calloc(k, sizeof *idx);
    double *x = NULL;
    if (!lev || !idx) {
        exp_msg(err, errlen, "%s: out of memory", what);
        st = UNREST_ENOMEM;
        goto done;
    }
    for (size_t j = 0; j < k; j++)
        lev[j] = (size_t)grid_levels(&f[j]);
    st = alloc_matrix(what, n, k, &x, err, errlen);
    if (st != UNREST_OK) goto done;
    /* rows in odometer order: the last factor varies fastest */
    for (size_t r = 0; r < n; r++) {
        for (size_t j = 0; j < k; j++)
            x[r * k + j] = grid_value(&f[j], idx[j], lev[j]);
        for (size_t j = k; j-- > 0;) {
            if (++idx[j] < lev[j]) break;
            idx[j] = 0;
        }
    }
    *out = x;
    *rows = n;
done:
    free(lev);
    free(idx);
    return st;
}

unrest_status unrest_design_lhs(const unrest_factor *f, size_t k, size_t n, uint64_t seed,
                                double **out, char *err, size_t errlen)
{
    static const char what[] = "Latin hypercube";
    if (err && errlen) err[0] = '\0';
    if (!out) {
        exp_msg(err, errlen, "%s: NULL argument", what);
        return UNREST_EINVAL;
    }
    unrest_status st = check_factors(what, f, k, 0, err, errlen);
    if (st != UNREST_OK) return st;
    if (n == 0 || n > UINT32_MAX || k > UINT32_MAX) {
        exp_msg(err, errlen, "%s: %zu rows of %zu factors; need 1 to 2^32-1 of each", what, n, k);
        return UNREST_ERANGE;
    }
    double *x = NULL;
    st = alloc_matrix(what, n, k, &x, err, errlen);
    if (st != UNREST_OK) return st;
    uint32_t *perm = malloc(n * sizeof *perm);
    if (!perm) {
        free(x);
        exp_msg(err, errlen, "%s: out of memory", what);
        return UNREST_ENOMEM;
    }
    for (size_t j = 0; j < k; j++) {
        rng g;
        rng_init(&g, seed, DESIGN_RNG_LHS_PERM, (uint32_t)j, 0);
        for (size_t i = 0; i < n; i++)
            perm[i] = (uint32_t)i;
        for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates */
            uint32_t s = rng_below(&g, (uint32_t)(i + 1));
            uint32_t t = perm[i];
            perm[i] = perm[s];
            perm[s] = t;
        }
        rng_init(&g, seed, DESIGN_RNG_LHS_POS, (uint32_t)j, 0);
        double w = f[j].hi - f[j].lo;
        for (size_t i = 0; i < n; i++) {
            /* u in (0,1) with 33 significant bits, at least 2^-33 from either edge, so the
             * point stays strictly inside its stratum after rounding */
            double u = ((double)rng_u32(&g) + 0.5) * 0x1p-32;
            x[i * k + j] = f[j].lo + w * (((double)perm[i] + u) / (double)n);
        }
    }
    free(perm);
    *out = x;
    return UNREST_OK;
}

unrest_status unrest_design_saltelli(const unrest_factor *f, size_t k, size_t n, double **out,
                                     size_t *rows, char *err, size_t errlen)
{
    static const char what[] = "Saltelli design";
    if (err && errlen) err[0] = '\0';
    if (!out || !rows) {
        exp_msg(err, errlen, "%s: NULL argument", what);
        return UNREST_EINVAL;
    }
    unrest_status st = check_factors(what, f, k, 0, err, errlen);
    if (st != UNREST_OK) return st;
    if (k > SALTELLI_MAX_K) {
        exp_msg(err, errlen, "%s: %zu factors; GSL's Sobol sequence allows at most %d", what, k,
                SALTELLI_MAX_K);
        return UNREST_ERANGE;
    }
    if (n == 0 || n > SALTELLI_MAX_N) {
        exp_msg(err, errlen, "%s: base sample size %zu; need 1 to %u", what, n, SALTELLI_MAX_N);
        return UNREST_ERANGE;
    }
    size_t nr = n * (k + 2);
    double *x = NULL;
    st = alloc_matrix(what, nr, k, &x, err, errlen);
    if (st != UNREST_OK) return st;
    /* GSL may call its error handler (abort by default) only for a bad dimension, which is
     * checked above, or when out of memory. */
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)(2 * k));
    if (!q) {
        free(x);
        exp_msg(err, errlen, "%s: out of memory", what);
        return UNREST_ENOMEM;
    }
    double v[2 * SALTELLI_MAX_K];
    for (size_t j = 0; j < n; j++) {
        /* GSL's sequence omits the all-zero point: its first output is the Sobol sequence's
         * second point, which is where SALib's skip of the first point starts. */
        if (gsl_qrng_get(q, v) != 0) {
            gsl_qrng_free(q);
            free(x);
            exp_msg(err, errlen, "%s: GSL's Sobol sequence ran out of points", what);
            return UNREST_ERANGE;
        }
        double *blk = x + j * (k + 2) * k;
        for (size_t i = 0; i < k; i++) {
            double w = f[i].hi - f[i].lo;
            double a = f[i].lo + w * v[i], b = f[i].lo + w * v[k + i];
            blk[i] = a;                    /* A_j */
            blk[(k + 1) * k + i] = b;      /* B_j */
            for (size_t m = 0; m < k; m++) /* AB_j^(m): A_j with column m from B_j */
                blk[(1 + m) * k + i] = m == i ? b : a;
        }
    }
    gsl_qrng_free(q);
    *out = x;
    *rows = nr;
    return UNREST_OK;
}

unrest_status unrest_design_morris(const unrest_factor *f, size_t k, size_t r, unsigned levels,
                                   uint64_t seed, double **out, size_t *rows, char *err,
                                   size_t errlen)
{
    static const char what[] = "Morris design";
    if (err && errlen) err[0] = '\0';
    if (!out || !rows) {
        exp_msg(err, errlen, "%s: NULL argument", what);
        return UNREST_EINVAL;
    }
    unrest_status st = check_factors(what, f, k, 1, err, errlen);
    if (st != UNREST_OK) return st;
    if (levels < 2 || levels % 2 != 0 || levels > (1u << 30)) {
        exp_msg(err, errlen, "%s: %u levels; need an even number >= 2", what, levels);
        return UNREST_ERANGE;
    }
    if (r == 0 || r > UINT32_MAX || k >= UINT32_MAX) {
        exp_msg(err, errlen, "%s: %zu trajectories of %zu factors; need 1 to 2^32-1 of each", what,
                r, k);
        return UNREST_ERANGE;
    }
    if (r > SIZE_MAX / (k + 1)) {
        exp_msg(err, errlen, "%s: %zu trajectories of %zu factors do not fit in memory", what, r,
                k);
        return UNREST_ERANGE;
    }
    size_t nr = r * (k + 1);
    double *x = NULL;
    st = alloc_matrix(what, nr, k, &x, err, errlen);
    if (st != UNREST_OK) return st;
    uint32_t *perm = malloc(k * sizeof *perm), *from = malloc(k * sizeof *from),
             *to = malloc(k * sizeof *to);
    if (!perm || !from || !to) {
        free(x);
        free(perm);
        free(from);
        free(to);
        exp_msg(err, errlen, "%s: out of memory", what);
        return UNREST_ENOMEM;
    }
    uint32_t half = levels / 2, last = levels - 1;
    for (size_t t = 0; t < r; t++) {
        rng g;
        rng_init(&g, seed, DESIGN_RNG_MORRIS, (uint32_t)t, 0);
        /* Base level b in 0..p/2-1 (SALib's x*); the factor moves between levels b and
         * b + p/2, i.e. by delta = p/(2(p-1)), upwards or downwards at random. */
        for (size_t i = 0; i < k; i++) {
            uint32_t b = rng_below(&g, half);
            int up = (int)(rng_u32(&g) & 1u);
            from[i] = up ? b : b + half;
            to[i] = up ? b + half : b;
        }
        for (size_t i = 0; i < k; i++)
            perm[i] = (uint32_t)i;
        for (size_t i = k - 1; i > 0; i--) {
            uint32_t s = rng_below(&g, (uint32_t)(i + 1));
            uint32_t tmp = perm[i];
            perm[i] = perm[s];
            perm[s] = tmp;
        }
        double *blk = x + t * (k + 1) * k;
        for (size_t i = 0; i < k; i++) {
            uint32_t lv = from[i];
            blk[i] = lv == 0      ? f[i].lo
                     : lv == last ? f[i].hi
                                  : f[i].lo + (f[i].hi - f[i].lo) * ((double)lv / (double)last);
        }
        for (size_t m = 1; m <= k; m++) {
            memcpy(blk + m * k, blk + (m - 1) * k, k * sizeof *blk);
            uint32_t i = perm[m - 1], lv = to[i];
            blk[m * k + i] = lv == 0 ? f[i].lo
                             : lv == last
                                 ? f[i].hi
                                 : f[i].lo + (f[i].hi - f[i].lo) * ((double)lv / (double)last);
        }
    }
    free(perm);
    free(from);
    free(to);
    *out = x;
    *rows = nr;
    return UNREST_OK;
}
