/*
 * runspec.c - a run specification (parameters, seed, length, timeline of parameter changes)
 * read from a YAML run file with libyaml's document API, or built from --at / --ramp options,
 * and applied to a running model tick by tick. Every error names file:line:column (1-based)
 * and what was expected. Loading is all-or-nothing: on error the runspec is left unchanged.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "fileio.h"
#include "yamldoc.h"

#include "unrest/runspec.h"

#define MAX_TICK 1000000000u /* largest tick count and event tick */

#if defined(__GNUC__) || defined(__clang__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

static const char top_keys[] = "profile, seed, ticks, params, events";
static const char event_keys[] = "at, set, ramp, from, to, start, end";

/* ---- runspec basics ---------------------------------------------------------------------- */

void unrest_runspec_init(unrest_runspec *rs)
{
    memset(rs, 0, sizeof *rs);
    unrest_params_default(&rs->params);
    rs->seed = 1;
    rs->ticks = 1000;
    rs->profile[0] = '\0';
}

void unrest_runspec_free(unrest_runspec *rs)
{
    if (!rs) return;
    free(rs->events);
    rs->events = NULL;
    rs->nevents = 0;
    rs->cap = 0;
}

/* Append a zeroed event; NULL if out of memory. */
static unrest_event *push_event(unrest_runspec *rs)
{
    if (rs->nevents == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 8;
        if (cap > SIZE_MAX / sizeof *rs->events) return NULL;
        unrest_event *e = realloc(rs->events, cap * sizeof *e);
        if (!e) return NULL;
        rs->events = e;
        rs->cap = cap;
    }
    unrest_event *e = &rs->events[rs->nevents++];
    memset(e, 0, sizeof *e);
    return e;
}

/* ---- small parsers ----------------------------------------------------------------------- */

enum { NUM_OK = 0, NUM_SYNTAX, NUM_RANGE };

/* Decimal unsigned integer in [lo, hi]: NUM_SYNTAX if not digits (an optional '-' before digits
 * counts as out of range: a negative integer). */
static int parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    int neg = 0;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    if (!*s) return NUM_SYNTAX;
    uint64_t v = 0;
    int over = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return NUM_SYNTAX;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            over = 1;
        else
            v = v * 10 + d;
    }
    if (neg) {
        if (!over && v == 0) {
            *out = 0; /* "-0" is zero */
            return lo == 0 ? NUM_OK : NUM_RANGE;
        }
        return NUM_RANGE;
    }
    if (over || v < lo || v > hi) return NUM_RANGE;
    *out = v;
    return NUM_OK;
}

static unrest_status num_status(int r)
{
    return r == NUM_RANGE ? UNREST_ERANGE : UNREST_EINVAL;
}

/* "a, b, c" of the parameters that are runtime (and, if real_only, REAL). */
static void param_list(char *buf, size_t n, int real_only)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < unrest_param_count() && used < n; i++) {
        const unrest_param_info *info = unrest_param_info_at(i);
        if (!info->runtime || (real_only && info->kind != UNREST_PARAM_REAL)) continue;
        int w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", info->name);
        if (w < 0) break;
        used += (size_t)w;
    }
}

static void profile_list(char *buf, size_t n)
{
    const char *const *names = unrest_profile_names();
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; names[i] && used < n; i++) {
        int w = snprintf(buf + used, n - used, "%s%s", i ? ", " : "", names[i]);
        if (w < 0) break;
        used += (size_t)w;
    }
}

/* Check that name is a parameter that may change during a run (and is real, for ramps).
 * Writes the reason into msg. */
static unrest_status check_event_param(const char *name, int ramp, char *msg, size_t n)
{
    const unrest_param_info *info = unrest_param_find(name);
    if (!info) {
        unrest_params scratch;
        unrest_params_default(&scratch);
        unrest_status st = unrest_params_set(&scratch, name, "", msg, n);
        if (st != UNREST_EUNKNOWN) snprintf(msg, n, "unknown parameter '%s'", name);
        return UNREST_EUNKNOWN;
    }
    char list[256];
    if (ramp && (!info->runtime || info->kind != UNREST_PARAM_REAL)) {
        param_list(list, sizeof list, 1);
        snprintf(msg, n,
                 "parameter '%s' cannot be ramped: only real-valued runtime parameters can (%s)",
                 name, list);
        return UNREST_EINVAL;
    }
    if (!info->runtime) {
        param_list(list, sizeof list, 0);
        snprintf(msg, n, "parameter '%s' cannot change during a run (runtime parameters: %s)", name,
                 list);
        return UNREST_EINVAL;
    }
    return UNREST_OK;
}

/* Validate a value for a parameter against a scratch copy; for REAL also return it. */
static unrest_status check_value(const unrest_params *p, const char *name, const char *value,
                                 double *real, char *msg, size_t n)
{
    unrest_params scratch = *p;
    unrest_status st = unrest_params_set(&scratch, name, value, msg, n);
    if (st != UNREST_OK) return st;
    if (real) *real = strtod(value, NULL);
    return UNREST_OK;
}

/* ---- YAML documents ---------------------------------------------------------------------- */

typedef yd_ctx ctx;

/* The key text of a mapping pair (keys must be plain text). */
static unrest_status key_text(const ctx *c, const yaml_node_t *k, const char **out)
{
    if (k->type != YAML_SCALAR_NODE)
        return FAIL_AT(c, k, UNREST_EINVAL, "mapping key must be a scalar, got %s",
                       yd_kind_name(k));
    return yd_scalar(c, k, "mapping key", "text", out);
}

/* An integer tick/count scalar in [lo, hi]. */
static unrest_status uint_node(const ctx *c, const yaml_node_t *n, const char *what, uint64_t lo,
                               uint64_t hi, const char *note, uint64_t *out)
{
    char expect[96];
    snprintf(expect, sizeof expect, "an integer in [%llu, %llu]%s", (unsigned long long)lo,
             (unsigned long long)hi, note);
    const char *v = NULL;
    unrest_status st = yd_scalar(c, n, what, expect, &v);
    if (st != UNREST_OK) return st;
    int r = parse_uint(v, lo, hi, out);
    if (r != NUM_OK)
        return FAIL_AT(c, n, num_status(r), "%s must be %s, got '%s'", what, expect, v);
    return UNREST_OK;
}

/* params: {name: value, ...} applied to p in file order. */
static unrest_status load_params(const ctx *c, const yaml_node_t *map, unrest_params *p)
{
    if (yd_is_null(map)) return UNREST_OK;
    if (map->type != YAML_MAPPING_NODE)
        return FAIL_AT(c, map, UNREST_EINVAL,
                       "'params' must be a mapping of parameter: value, got %s", yd_kind_name(map));
    const yaml_node_t *seen[64] = {0};
    char msg[384];
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
         pr++) {
        const yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
        const yaml_node_t *v = yaml_document_get_node(c->doc, pr->value);
        const char *name = NULL, *val = NULL;
        unrest_status st = key_text(c, k, &name);
        if (st != UNREST_OK) return st;
        size_t idx = 0;
        while (idx < unrest_param_count() && strcmp(unrest_param_info_at(idx)->name, name))
            idx++;
        if (idx == unrest_param_count() || idx >= 64) {
            unrest_params scratch = *p;
            st = unrest_params_set(&scratch, name, "", msg, sizeof msg);
            if (st != UNREST_EUNKNOWN) snprintf(msg, sizeof msg, "unknown parameter '%s'", name);
            return FAIL_AT(c, k, UNREST_EUNKNOWN, "%s", msg);
        }
        if (seen[idx]) return yd_dup_key(c, k, name, seen[idx]);
        seen[idx] = k;
        char what[64];
        snprintf(what, sizeof what, "parameter '%s'", name);
        st = yd_scalar(c, v, what, "a scalar value", &val);
        if (st != UNREST_OK) return st;
        st = unrest_params_set(p, name, val, msg, sizeof msg);
        if (st != UNREST_OK) return FAIL_AT(c, v, st, "%s", msg);
    }
    return UNREST_OK;
}

enum { EK_AT, EK_SET, EK_RAMP, EK_FROM, EK_TO, EK_START, EK_END, EK_COUNT };
static const char *const ek_names[EK_COUNT] = {"at", "set", "ramp", "from", "to", "start", "end"};

/* A step event's set: {name: value, ...}: one event per entry, in file order. */
static unrest_status load_set(const ctx *c, const yaml_node_t *map, uint32_t tick,
                              const unrest_params *p, unrest_runspec *out)
{
    if (map->type != YAML_MAPPING_NODE ||
        map->data.mapping.pairs.top == map->data.mapping.pairs.start)
        return FAIL_AT(c, map, UNREST_EINVAL,
                       "'set' must be a mapping of runtime parameter: value with at least one "
                       "entry, got %s",
                       map->type == YAML_MAPPING_NODE ? "an empty mapping" : yd_kind_name(map));
    char msg[384];
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
         pr++) {
        const yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
        const yaml_node_t *v = yaml_document_get_node(c->doc, pr->value);
        const char *name = NULL, *val = NULL;
        unrest_status st = key_text(c, k, &name);
        if (st != UNREST_OK) return st;
        st = check_event_param(name, 0, msg, sizeof msg);
        if (st != UNREST_OK) return FAIL_AT(c, k, st, "%s", msg);
        for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < pr; q++) {
            const yaml_node_t *k0 = yaml_document_get_node(c->doc, q->key);
            /* earlier keys are known parameters, hence scalars without NULs */
            if (!strcmp((const char *)k0->data.scalar.value, name))
                return yd_dup_key(c, k, name, k0);
        }
        char what[64];
        snprintf(what, sizeof what, "parameter '%s'", name);
        st = yd_scalar(c, v, what, "a scalar value", &val);
        if (st != UNREST_OK) return st;
        st = check_value(p, name, val, NULL, msg, sizeof msg);
        if (st != UNREST_OK) return FAIL_AT(c, v, st, "%s", msg);
        unrest_event tmp;
        if (strlen(val) >= sizeof tmp.value)
            return FAIL_AT(c, v, UNREST_ERANGE,
                           "value of '%s' is too long (at most %zu characters)", name,
                           sizeof tmp.value - 1);
        unrest_event *e = push_event(out);
        if (!e) return FAIL_AT(c, v, UNREST_ENOMEM, "out of memory");
        e->is_ramp = 0;
        e->start = e->end = tick;
        yd_copy_str(e->name, sizeof e->name, name);
        yd_copy_str(e->value, sizeof e->value, val);
    }
    return UNREST_OK;
}

/* One entry of events: either {at, set} or {ramp, from, to, start, end}. */
static unrest_status load_event(const ctx *c, const yaml_node_t *ev, const unrest_params *p,
                                unrest_runspec *out)
{
    if (ev->type != YAML_MAPPING_NODE)
        return FAIL_AT(c, ev, UNREST_EINVAL,
                       "an event must be a mapping ({at, set} or {ramp, from, to, start, end}), "
                       "got %s",
                       yd_kind_name(ev));
    const yaml_node_t *key[EK_COUNT] = {0}, *val[EK_COUNT] = {0};
    for (yaml_node_pair_t *pr = ev->data.mapping.pairs.start; pr < ev->data.mapping.pairs.top;
         pr++) {
        const yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
        const char *name = NULL;
        unrest_status st = key_text(c, k, &name);
        if (st != UNREST_OK) return st;
        int i = 0;
        while (i < EK_COUNT && strcmp(ek_names[i], name))
            i++;
        if (i == EK_COUNT)
            return FAIL_AT(c, k, UNREST_EUNKNOWN, "unknown key '%s' in event (expected one of: %s)",
                           name, event_keys);
        if (key[i]) return yd_dup_key(c, k, name, key[i]);
        key[i] = k;
        val[i] = yaml_document_get_node(c->doc, pr->value);
    }
    char msg[384];
    uint64_t t0, t1;
    unrest_status st;
    if (key[EK_AT] && key[EK_RAMP])
        return FAIL_AT(c, key[EK_RAMP], UNREST_EINVAL,
                       "event has both 'at' and 'ramp' (one per event: {at, set} or {ramp, from, "
                       "to, start, end})");
    if (key[EK_AT]) {
        for (int i = EK_RAMP; i < EK_COUNT; i++)
            if (key[i])
                return FAIL_AT(c, key[i], UNREST_EINVAL,
                               "key '%s' belongs to a ramp event (an 'at' event has: at, set)",
                               ek_names[i]);
        if (!key[EK_SET])
            return FAIL_AT(c, ev, UNREST_EINVAL,
                           "event with 'at' needs 'set' (a mapping of parameter: value)");
        st = uint_node(c, val[EK_AT], "event tick 'at'", 1, MAX_TICK, " (ticks count from 1)", &t0);
        if (st != UNREST_OK) return st;
        return load_set(c, val[EK_SET], (uint32_t)t0, p, out);
    }
    if (!key[EK_RAMP])
        return FAIL_AT(c, ev, UNREST_EINVAL,
                       "event needs 'at' (a step change) or 'ramp' (a linear change)");
    if (key[EK_SET])
        return FAIL_AT(c, key[EK_SET], UNREST_EINVAL,
                       "key 'set' belongs to an 'at' event (a ramp event has: ramp, from, to, "
                       "start, end)");
    for (int i = EK_FROM; i < EK_COUNT; i++)
        if (!key[i])
            return FAIL_AT(c, ev, UNREST_EINVAL,
                           "ramp event needs '%s' (a ramp event has: ramp, from, to, start, end)",
                           ek_names[i]);
    const char *name = NULL, *from = NULL, *to = NULL;
    st = yd_scalar(c, val[EK_RAMP], "'ramp'", "the name of a real runtime parameter", &name);
    if (st != UNREST_OK) return st;
    st = check_event_param(name, 1, msg, sizeof msg);
    if (st != UNREST_OK) return FAIL_AT(c, val[EK_RAMP], st, "%s", msg);
    double f, t;
    st = yd_scalar(c, val[EK_FROM], "'from'", "a number", &from);
    if (st != UNREST_OK) return st;
    st = check_value(p, name, from, &f, msg, sizeof msg);
    if (st != UNREST_OK) return FAIL_AT(c, val[EK_FROM], st, "'from': %s", msg);
    st = yd_scalar(c, val[EK_TO], "'to'", "a number", &to);
    if (st != UNREST_OK) return st;
    st = check_value(p, name, to, &t, msg, sizeof msg);
    if (st != UNREST_OK) return FAIL_AT(c, val[EK_TO], st, "'to': %s", msg);
    st = uint_node(c, val[EK_START], "ramp 'start'", 1, MAX_TICK, " (ticks count from 1)", &t0);
    if (st != UNREST_OK) return st;
    st = uint_node(c, val[EK_END], "ramp 'end'", 1, MAX_TICK, " (ticks count from 1)", &t1);
    if (st != UNREST_OK) return st;
    if (t1 < t0)
        return FAIL_AT(c, val[EK_END], UNREST_ERANGE,
                       "ramp 'end' must be >= 'start' (%llu), got %llu", (unsigned long long)t0,
                       (unsigned long long)t1);
    unrest_event *e = push_event(out);
    if (!e) return FAIL_AT(c, ev, UNREST_ENOMEM, "out of memory");
    e->is_ramp = 1;
    e->start = (uint32_t)t0;
    e->end = (uint32_t)t1;
    yd_copy_str(e->name, sizeof e->name, name);
    e->from = f;
    e->to = t;
    return UNREST_OK;
}

enum { TK_PROFILE, TK_SEED, TK_TICKS, TK_PARAMS, TK_EVENTS, TK_COUNT };
static const char *const tk_names[TK_COUNT] = {"profile", "seed", "ticks", "params", "events"};

/* Interpret a loaded document on top of tmp (params, seed, ticks, profile) and rs (events). */
static unrest_status load_doc(const ctx *c, unrest_runspec *tmp, unrest_runspec *rs)
{
    const yaml_node_t *root = yaml_document_get_root_node(c->doc);
    if (!root || yd_is_null(root)) return UNREST_OK;
    if (root->type != YAML_MAPPING_NODE)
        return FAIL_AT(c, root, UNREST_EINVAL, "a run file must be a mapping with keys %s, got %s",
                       top_keys, yd_kind_name(root));
    const yaml_node_t *key[TK_COUNT] = {0}, *val[TK_COUNT] = {0};
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top;
         pr++) {
        const yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
        const char *name = NULL;
        unrest_status st = key_text(c, k, &name);
        if (st != UNREST_OK) return st;
        int i = 0;
        while (i < TK_COUNT && strcmp(tk_names[i], name))
            i++;
        if (i == TK_COUNT)
            return FAIL_AT(c, k, UNREST_EUNKNOWN, "unknown key '%s' (expected one of: %s)", name,
                           top_keys);
        if (key[i]) return yd_dup_key(c, k, name, key[i]);
        key[i] = k;
        val[i] = yaml_document_get_node(c->doc, pr->value);
    }
    unrest_status st;
    char list[128];
    profile_list(list, sizeof list);
    if (val[TK_PROFILE]) {
        char expect[160];
        snprintf(expect, sizeof expect, "one of: %s", list);
        const char *prof = NULL;
        st = yd_scalar(c, val[TK_PROFILE], "'profile'", expect, &prof);
        if (st != UNREST_OK) return st;
        int known = 0;
        for (const char *const *n = unrest_profile_names(); *n; n++)
            if (!strcmp(*n, prof)) known = 1;
        if (!known || strlen(prof) >= sizeof tmp->profile ||
            unrest_params_profile(&tmp->params, prof) != UNREST_OK)
            return FAIL_AT(c, val[TK_PROFILE], UNREST_EUNKNOWN,
                           "unknown profile '%s' (expected one of: %s)", prof, list);
        snprintf(tmp->profile, sizeof tmp->profile, "%s", prof);
    }
    uint64_t v;
    if (val[TK_SEED]) {
        st = uint_node(c, val[TK_SEED], "'seed'", 0, UINT64_MAX, "", &v);
        if (st != UNREST_OK) return st;
        tmp->seed = v;
    }
    if (val[TK_TICKS]) {
        st = uint_node(c, val[TK_TICKS], "'ticks'", 0, MAX_TICK, "", &v);
        if (st != UNREST_OK) return st;
        tmp->ticks = (uint32_t)v;
    }
    if (val[TK_PARAMS]) {
        st = load_params(c, val[TK_PARAMS], &tmp->params);
        if (st != UNREST_OK) return st;
    }
    if (val[TK_EVENTS] && !yd_is_null(val[TK_EVENTS])) {
        const yaml_node_t *seq = val[TK_EVENTS];
        if (seq->type != YAML_SEQUENCE_NODE)
            return FAIL_AT(c, seq, UNREST_EINVAL, "'events' must be a sequence of events, got %s",
                           yd_kind_name(seq));
        for (yaml_node_item_t *it = seq->data.sequence.items.start;
             it < seq->data.sequence.items.top; it++) {
            st = load_event(c, yaml_document_get_node(c->doc, *it), &tmp->params, rs);
            if (st != UNREST_OK) return st;
        }
    }
    return UNREST_OK;
}

/* Report a libyaml parser error with its problem text and position. */
static unrest_status parser_error(const yaml_parser_t *y, const char *name, const char *text,
                                  size_t len, char *err, size_t errlen)
{
    ctx c = {NULL, name, err, errlen};
    const char *problem = y->problem ? y->problem : "unknown YAML error";
    switch (y->error) {
    case YAML_MEMORY_ERROR:
        if (err && errlen) snprintf(err, errlen, "%s: out of memory reading YAML", name);
        return UNREST_ENOMEM;
    case YAML_READER_ERROR: {
        yaml_mark_t m;
        yd_offset_mark(text, len, y->problem_offset, &m);
        if (y->problem_value >= 0)
            return yd_fail_mark(&c, m, UNREST_EINVAL, "YAML error: %s (byte 0x%02X)", problem,
                                (unsigned)y->problem_value & 0xFFu);
        return yd_fail_mark(&c, m, UNREST_EINVAL, "YAML error: %s", problem);
    }
    default:
        if (y->context)
            return yd_fail_mark(&c, y->problem_mark, UNREST_EINVAL,
                                "YAML error: %s (%s at line %zu column %zu)", problem, y->context,
                                y->context_mark.line + 1, y->context_mark.column + 1);
        return yd_fail_mark(&c, y->problem_mark, UNREST_EINVAL, "YAML error: %s", problem);
    }
}

unrest_status unrest_runspec_load_string(unrest_runspec *rs, const char *text, size_t len,
                                         const char *name, char *err, size_t errlen)
{
    if (err && errlen) err[0] = '\0';
    if (!name) name = "<string>";
    if (!text) {
        text = "";
        len = 0;
    }
    yaml_parser_t y;
    if (!yaml_parser_initialize(&y)) {
        if (err && errlen) snprintf(err, errlen, "%s: out of memory reading YAML", name);
        return UNREST_ENOMEM;
    }
    yaml_parser_set_input_string(&y, (const unsigned char *)text, len);
    yaml_document_t doc;
    if (!yaml_parser_load(&y, &doc)) {
        unrest_status st = parser_error(&y, name, text, len, err, errlen);
        yaml_parser_delete(&y);
        return st;
    }
    unrest_runspec tmp = *rs; /* scalar fields; events are appended to rs and cut on error */
    size_t n0 = rs->nevents;
    ctx c = {&doc, name, err, errlen};
    unrest_status st = load_doc(&c, &tmp, rs);
    /* one document: any further ones must be empty until the end of the stream */
    int more = st == UNREST_OK && yaml_document_get_root_node(&doc) != NULL;
    while (more) {
        yaml_document_t next;
        if (!yaml_parser_load(&y, &next)) {
            st = parser_error(&y, name, text, len, err, errlen);
            break;
        }
        yaml_node_t *root = yaml_document_get_root_node(&next);
        more = root != NULL;
        if (root && !yd_is_null(root)) {
            st = yd_fail_mark(&c, root->start_mark, UNREST_EINVAL,
                              "a run file holds one YAML document; found a second one");
            more = 0;
        }
        yaml_document_delete(&next);
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&y);
    if (st != UNREST_OK) {
        rs->nevents = n0;
        return st;
    }
    rs->params = tmp.params;
    rs->seed = tmp.seed;
    rs->ticks = tmp.ticks;
    memcpy(rs->profile, tmp.profile, sizeof rs->profile);
    return UNREST_OK;
}

unrest_status unrest_runspec_load(unrest_runspec *rs, const char *path, char *err, size_t errlen)
{
    if (err && errlen) err[0] = '\0';
    char *buf;
    size_t len;
    int r = file_read_all(path, &buf, &len);
    if (r != FILE_OK) {
        if (err && errlen) {
            if (r == FILE_ENOMEM)
                snprintf(err, errlen, "%s: out of memory reading the file", path);
            else
                snprintf(err, errlen, "%s: cannot %s: %s", path, r == FILE_EOPEN ? "open" : "read",
                         strerror(errno));
        }
        return r == FILE_ENOMEM ? UNREST_ENOMEM : UNREST_EIO;
    }
    unrest_status st = unrest_runspec_load_string(rs, buf, len, path, err, errlen);
    free(buf);
    return st;
}

/* ---- command-line events ----------------------------------------------------------------- */

#define OPT_FAIL(st, opt, text, ...)                                                               \
    do {                                                                                           \
        if (err && errlen) {                                                                       \
            int w_ = snprintf(err, errlen, "%s '%s': ", (opt), (text));                            \
            if (w_ >= 0 && (size_t)w_ < errlen)                                                    \
                snprintf(err + w_, errlen - (size_t)w_, __VA_ARGS__);                              \
        }                                                                                          \
        return (st);                                                                               \
    } while (0)

/* Parse a tick field [s, e) into *out (1..MAX_TICK). */
static int parse_tick_field(const char *s, size_t n, uint64_t *out)
{
    char buf[32];
    if (n == 0 || n >= sizeof buf) return n == 0 ? NUM_SYNTAX : NUM_RANGE;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return parse_uint(buf, 1, MAX_TICK, out);
}

unrest_status unrest_runspec_add_at(unrest_runspec *rs, const char *text, char *err, size_t errlen)
{
    static const char form[] = "expected TICK:name=value, e.g. 77:legitimacy=0.7";
    if (err && errlen) err[0] = '\0';
    if (!text) text = "";
    const char *colon = strchr(text, ':');
    const char *eq = colon ? strchr(colon + 1, '=') : NULL;
    if (!colon || !eq || eq == colon + 1) OPT_FAIL(UNREST_EINVAL, "--at", text, "%s", form);
    uint64_t tick;
    int r = parse_tick_field(text, (size_t)(colon - text), &tick);
    if (r != NUM_OK)
        OPT_FAIL(num_status(r), "--at", text,
                 "tick must be an integer in [1, %u] (ticks count from 1), got '%.*s'", MAX_TICK,
                 (int)(colon - text), text);
    char name[64], msg[384];
    size_t nlen = (size_t)(eq - colon - 1);
    if (nlen >= sizeof name) nlen = sizeof name - 1;
    memcpy(name, colon + 1, nlen);
    name[nlen] = '\0';
    const char *value = eq + 1;
    unrest_status st = check_event_param(name, 0, msg, sizeof msg);
    if (st == UNREST_OK) st = check_value(&rs->params, name, value, NULL, msg, sizeof msg);
    if (st != UNREST_OK) OPT_FAIL(st, "--at", text, "%s", msg);
    unrest_event tmp;
    if (strlen(value) >= sizeof tmp.value)
        OPT_FAIL(UNREST_ERANGE, "--at", text, "value is too long (at most %zu characters)",
                 sizeof tmp.value - 1);
    unrest_event *e = push_event(rs);
    if (!e) OPT_FAIL(UNREST_ENOMEM, "--at", text, "out of memory");
    e->is_ramp = 0;
    e->start = e->end = (uint32_t)tick;
    yd_copy_str(e->name, sizeof e->name, name);
    yd_copy_str(e->value, sizeof e->value, value);
    return UNREST_OK;
}

unrest_status unrest_runspec_add_ramp(unrest_runspec *rs, const char *text, char *err,
                                      size_t errlen)
{
    static const char form[] = "expected name=FROM:TO:START:END, e.g. legitimacy=0.9:0.2:77:147";
    if (err && errlen) err[0] = '\0';
    if (!text) text = "";
    const char *eq = strchr(text, '=');
    if (!eq || eq == text) OPT_FAIL(UNREST_EINVAL, "--ramp", text, "%s", form);
    const char *f[4];
    size_t flen[4];
    const char *p = eq + 1;
    for (int i = 0; i < 4; i++) {
        const char *q = strchr(p, ':');
        if ((i < 3) != (q != NULL)) OPT_FAIL(UNREST_EINVAL, "--ramp", text, "%s", form);
        f[i] = p;
        flen[i] = q ? (size_t)(q - p) : strlen(p);
        p = q ? q + 1 : p;
    }
    char name[64], msg[384], from[64], to[64];
    size_t nlen = (size_t)(eq - text);
    if (nlen >= sizeof name) nlen = sizeof name - 1;
    memcpy(name, text, nlen);
    name[nlen] = '\0';
    unrest_status st = check_event_param(name, 1, msg, sizeof msg);
    if (st != UNREST_OK) OPT_FAIL(st, "--ramp", text, "%s", msg);
    if (flen[0] >= sizeof from || flen[1] >= sizeof to)
        OPT_FAIL(UNREST_EINVAL, "--ramp", text, "%s", form);
    memcpy(from, f[0], flen[0]);
    from[flen[0]] = '\0';
    memcpy(to, f[1], flen[1]);
    to[flen[1]] = '\0';
    double vf, vt;
    st = check_value(&rs->params, name, from, &vf, msg, sizeof msg);
    if (st != UNREST_OK) OPT_FAIL(st, "--ramp", text, "FROM: %s", msg);
    st = check_value(&rs->params, name, to, &vt, msg, sizeof msg);
    if (st != UNREST_OK) OPT_FAIL(st, "--ramp", text, "TO: %s", msg);
    uint64_t t0, t1;
    int r = parse_tick_field(f[2], flen[2], &t0);
    if (r != NUM_OK)
        OPT_FAIL(num_status(r), "--ramp", text,
                 "START must be an integer in [1, %u] (ticks count from 1), got '%.*s'", MAX_TICK,
                 (int)flen[2], f[2]);
    r = parse_tick_field(f[3], flen[3], &t1);
    if (r != NUM_OK)
        OPT_FAIL(num_status(r), "--ramp", text,
                 "END must be an integer in [1, %u] (ticks count from 1), got '%.*s'", MAX_TICK,
                 (int)flen[3], f[3]);
    if (t1 < t0)
        OPT_FAIL(UNREST_ERANGE, "--ramp", text, "END must be >= START (%llu), got %llu",
                 (unsigned long long)t0, (unsigned long long)t1);
    unrest_event *e = push_event(rs);
    if (!e) OPT_FAIL(UNREST_ENOMEM, "--ramp", text, "out of memory");
    e->is_ramp = 1;
    e->start = (uint32_t)t0;
    e->end = (uint32_t)t1;
    yd_copy_str(e->name, sizeof e->name, name);
    e->from = vf;
    e->to = vt;
    return UNREST_OK;
}

/* ---- applying the timeline --------------------------------------------------------------- */

/* Value of a ramp at tick (start <= tick <= end), kept between from and to. */
static double ramp_value(const unrest_event *e, uint32_t tick)
{
    if (tick >= e->end || e->end == e->start) return e->to;
    double x =
        e->from + (e->to - e->from) * (double)(tick - e->start) / (double)(e->end - e->start);
    double lo = e->from < e->to ? e->from : e->to;
    double hi = e->from < e->to ? e->to : e->from;
    return x < lo ? lo : x > hi ? hi : x;
}

unrest_status unrest_runspec_apply(const unrest_runspec *rs, unrest_model *m, uint32_t tick,
                                   char *err, size_t errlen)
{
    if (err && errlen) err[0] = '\0';
    for (size_t i = 0; i < rs->nevents; i++) {
        const unrest_event *e = &rs->events[i];
        char buf[64];
        const char *value = NULL;
        if (!e->is_ramp) {
            if (e->start != tick) continue;
            value = e->value;
        } else {
            if (tick < e->start || tick > e->end) continue;
            snprintf(buf, sizeof buf, "%.17g", ramp_value(e, tick));
            value = buf;
        }
        unrest_status st = unrest_model_set(m, e->name, value);
        if (st != UNREST_OK) {
            if (err && errlen) snprintf(err, errlen, "%s", unrest_model_error(m));
            return st;
        }
    }
    return UNREST_OK;
}
