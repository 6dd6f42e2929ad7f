/*
 * control.c - reads the body of a POST /control with jansson: one JSON object, duplicate
 * members and trailing bytes refused, "cmd" naming the command, and every other member checked
 * against what that command takes (name, type, range). A refusal names the field at fault, or
 * gives JSON's line:column for a syntax error, so the page can show it as it is.
 */
#include "control.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The commands, by ctl_cmd, and the members each takes besides "cmd" (space-separated). */
static const struct {
    const char *name;   /* "cmd" value */
    const char *fields; /* members it takes */
} cmds[] = {
    [CTL_PLAY] = {"play", ""},
    [CTL_PAUSE] = {"pause", ""},
    [CTL_STEP] = {"step", "n"},
    [CTL_RESET] = {"reset", "seed"},
    [CTL_SPEED] = {"speed", "value"},
    [CTL_SET] = {"set", "path value seed"},
    [CTL_FIRE] = {"fire", "kind value people site"},
};
#define NCMDS (sizeof cmds / sizeof cmds[0])

const char *ctl_cmd_name(ctl_cmd c)
{
    return (size_t)c < NCMDS ? cmds[c].name : "?";
}

static int fail(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t n, const char *fmt, ...)
{
    if (err && n) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, n, fmt, ap);
        va_end(ap);
    }
    return 0;
}

/* Is the member name in the space-separated list? */
static int takes(const char *fields, const char *key)
{
    size_t k = strlen(key);
    for (const char *p = fields; *p;) {
        const char *e = strchr(p, ' ');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == k && !memcmp(p, key, k)) return 1;
        p += l + (e ? 1 : 0);
    }
    return 0;
}

/* A string member of 1..cap-1 bytes without control characters (nor '=' if no_eq) into out. */
static int get_text(const json_t *v, const char *field, char *out, size_t cap, int no_eq, char *err,
                    size_t n)
{
    if (!json_is_string(v)) return fail(err, n, "\"%s\" must be a string", field);
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (len == 0 || len >= cap)
        return fail(err, n, "\"%s\" must be 1 to %zu bytes long", field, cap - 1);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || (no_eq && s[i] == '='))
            return fail(err, n, "\"%s\" must not contain %s", field,
                        s[i] == '=' ? "'='" : "control characters");
    memcpy(out, s, len + 1);
    return 1;
}

/* "seed": a decimal string "0".."18446744073709551615" or a non-negative JSON integer. */
static int get_seed(const json_t *v, uint64_t *out, char *err, size_t n)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return 1;
    }
    const char *s = json_is_string(v) ? json_string_value(v) : "";
    size_t len = json_is_string(v) ? json_string_length(v) : 0;
    int digits = len > 0 && len <= 20;
    for (size_t i = 0; digits && i < len; i++)
        if (s[i] < '0' || s[i] > '9') digits = 0;
    if (digits) {
        errno = 0;
        unsigned long long u = strtoull(s, NULL, 10);
        if (!errno) {
            *out = u;
            return 1;
        }
    }
    return fail(err, n,
                "\"seed\" must be an integer 0..18446744073709551615 (or its digits as "
                "a string)");
}

static int get_number(const json_t *v, const char *field, double *out, char *err, size_t n)
{
    if (!json_is_number(v)) return fail(err, n, "\"%s\" must be a number", field);
    *out = json_number_value(v); /* jansson reads only finite numbers */
    return 1;
}

/* One member of a command that takes it. */
static int get_field(ctl *c, const char *key, const json_t *v, char *err, size_t n)
{
    if (!strcmp(key, "n")) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 ||
            json_integer_value(v) > CTL_STEP_MAX)
            return fail(err, n, "\"n\" must be an integer 1..%d", CTL_STEP_MAX);
        c->n = (unsigned)json_integer_value(v);
        return 1;
    }
    if (!strcmp(key, "seed")) {
        c->has_seed = 1;
        return get_seed(v, &c->seed, err, n);
    }
    if (!strcmp(key, "path")) return get_text(v, "path", c->path, sizeof c->path, 1, err, n);
    if (!strcmp(key, "kind")) return get_text(v, "kind", c->kind, sizeof c->kind, 0, err, n);
    if (!strcmp(key, "site")) return get_text(v, "site", c->site, sizeof c->site, 0, err, n);
    if (!strcmp(key, "people")) {
        c->has_people = 1;
        return get_number(v, "people", &c->people, err, n);
    }
    /* "value" */
    if (c->cmd == CTL_SET) {
        if (json_is_string(v)) return get_text(v, "value", c->text, sizeof c->text, 0, err, n);
        if (json_is_boolean(v)) {
            snprintf(c->text, sizeof c->text, "%s", json_is_true(v) ? "true" : "false");
            return 1;
        }
        if (!json_is_number(v))
            return fail(err, n, "\"value\" must be a number, string or boolean");
        c->has_value = 1;
        c->value = json_number_value(v);
        if (json_is_integer(v))
            snprintf(c->text, sizeof c->text, "%lld", (long long)json_integer_value(v));
        else
            snprintf(c->text, sizeof c->text, "%.17g", c->value);
        return 1;
    }
    c->has_value = 1;
    if (!get_number(v, "value", &c->value, err, n)) return 0;
    if (c->cmd == CTL_SPEED && !(c->value >= 0 && c->value <= CTL_SPEED_MAX))
        return fail(err, n, "\"value\" must be 0..%d ticks per second (0: as fast as possible)",
                    CTL_SPEED_MAX);
    return 1;
}

int ctl_parse(const char *body, size_t len, ctl *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    if (err && n) err[0] = '\0';
    json_error_t je;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return fail(err, n, "JSON syntax error at line %d, column %d: %s", je.line, je.column,
                    je.text);
    int ok = 0;
    if (!json_is_object(root)) {
        fail(err, n, "the body must be a JSON object, not %s",
             json_is_array(root) ? "an array" : "a scalar");
        goto done;
    }
    const json_t *cmd = json_object_get(root, "cmd");
    if (!cmd) {
        fail(err, n, "missing \"cmd\" (play, pause, step, reset, speed, set, fire)");
        goto done;
    }
    if (!json_is_string(cmd)) {
        fail(err, n, "\"cmd\" must be a string (play, pause, step, reset, speed, set, fire)");
        goto done;
    }
    size_t ci = NCMDS;
    for (size_t i = 0; i < NCMDS; i++)
        if (!strcmp(json_string_value(cmd), cmds[i].name)) ci = i;
    if (ci == NCMDS) {
        fail(err, n, "unknown cmd \"%.40s\" (play, pause, step, reset, speed, set, fire)",
             json_string_value(cmd));
        goto done;
    }
    out->cmd = (ctl_cmd)ci;
    out->n = 1;
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (!strcmp(key, "cmd")) continue;
        if (!takes(cmds[ci].fields, key)) {
            fail(err, n, "unknown field \"%.40s\" for \"%s\" (%s%s)", key, cmds[ci].name,
                 cmds[ci].fields[0] ? "it takes: " : "it takes no other field", cmds[ci].fields);
            goto done;
        }
        if (!get_field(out, key, v, err, n)) goto done;
    }
    if (out->cmd == CTL_SPEED && !out->has_value) {
        fail(err, n, "speed needs \"value\" (ticks per second, 0: as fast as possible)");
        goto done;
    }
    if (out->cmd == CTL_SET && (!out->path[0] || !out->text[0])) {
        fail(err, n,
             "set needs \"path\" (a slider's path, e.g. \"legitimacy.initial\") and "
             "\"value\"");
        goto done;
    }
    if (out->cmd == CTL_FIRE && !out->kind[0]) {
        fail(err, n, "fire needs \"kind\" (an intervention, e.g. \"blackout\")");
        goto done;
    }
    ok = 1;
done:
    json_decref(root);
    if (!ok) {
        memset(out, 0, sizeof *out);
        if (err && n && !err[0]) fail(err, n, "bad control");
    }
    return ok;
}
