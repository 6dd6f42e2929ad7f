/*
 * params.c - the parameter table: names, kinds, ranges and help for every field of
 * unrest_params, so that the command line, files, manifests and help texts share one source.
 * Also the three rule profiles (paper, NetLogo, Mesa) and whole-set validation.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unrest/unrest.h"

static const char *const hood_names[] = {"von_neumann", "moore", "euclidean", NULL};
static const char *const ratio_names[] = {"literal", "floor", "round_even", NULL};
static const char *const self_names[] = {"once", "double", NULL};
static const char *const place_names[] = {"removed", "transparent", "blocking", NULL};
static const char *const term_names[] = {"one_to_max", "zero_to_excl", "zero_to_max", NULL};
static const char *const countdown_names[] = {"per_tick", "own_activation", NULL};
static const char *const order_names[] = {"move_act", "act_move", NULL};
static const char *const init_names[] = {"exact", "binomial", NULL};
static const char *const kernel_names[] = {"fast", "scan", NULL};
static const char *const update_names[] = {"sequential", "parallel", NULL};

typedef struct param_def {
    unrest_param_info info; /* public description */
    size_t offset;          /* field offset in unrest_params */
} param_def;

#define OFF(f) offsetof(unrest_params, f)
#define U UNREST_PARAM_UINT
#define R UNREST_PARAM_REAL
#define B UNREST_PARAM_BOOL
#define E UNREST_PARAM_ENUM

static const param_def defs[] = {
    {{"width", U, 3, 65535, NULL, 0, "lattice columns (torus)"}, OFF(width)},
    {{"height", U, 3, 65535, NULL, 0, "lattice rows (torus)"}, OFF(height)},
    {{"citizen_density", R, 0, 1, NULL, 0, "citizens per cell"}, OFF(citizen_density)},
    {{"cop_density", R, 0, 1, NULL, 1, "cops per cell"}, OFF(cop_density)},
    {{"citizen_vision", R, 0, 64, NULL, 0, "radius citizens inspect (v)"}, OFF(citizen_vision)},
    {{"cop_vision", R, 0, 64, NULL, 0, "radius cops inspect (v*)"}, OFF(cop_vision)},
    {{"legitimacy", R, 0, 1, NULL, 1, "regime legitimacy L; grievance G = H(1-L)"},
     OFF(legitimacy)},
    {{"threshold", R, -1, 1, NULL, 1, "T: a citizen is active iff G - N > T (< 0: anger)"},
     OFF(threshold)},
    {{"hardship_scale", R, 0, 100, NULL, 1, "hardship multiplier: G = H * scale * (1-L)"},
     OFF(hardship_scale)},
    {{"arrest_prob", R, 0, 1, NULL, 1, "P(a cop arrests this tick when it can): capacity"},
     OFF(arrest_prob)},
    {{"hardship_tail", R, 0, 100, NULL, 0, "0: H ~ U(0,1); a: Pareto tail index a, median 0.5"},
     OFF(hardship_tail)},
    {{"hardship_sigma", R, 0, 10, NULL, 0, "s > 0: H log-normal, median 0.5, log-sd s"},
     OFF(hardship_sigma)},
    {{"k", R, 0, 100, NULL, 1, "arrest constant in P = 1 - exp(-k C/A)"}, OFF(k)},
    {{"alpha", R, 0, 10, NULL, 1, "deterrence exponent: N = R P J_max^alpha (0 = off)"},
     OFF(alpha)},
    {{"jail_max", U, 0, 65534, NULL, 1, "J_max, longest jail term in ticks, or inf"},
     OFF(jail_max)},
    {{"movement", B, 0, 1, NULL, 1, "citizens move to a random empty cell in vision"},
     OFF(movement)},
    {{"cops_move_static", B, 0, 1, NULL, 0, "cops move even when movement is off"},
     OFF(cops_move_static)},
    {{"cop_to_arrestee", B, 0, 1, NULL, 0, "a cop steps onto its arrestee's cell (NetLogo)"},
     OFF(cop_to_arrestee)},
    {{"hood", E, 0, 0, hood_names, 0, "neighbourhood shape"}, OFF(hood)},
    {{"ratio", E, 0, 0, ratio_names, 0, "how C/A enters P"}, OFF(ratio)},
    {{"self_count", E, 0, 0, self_names, 0, "how a citizen counts itself in A"}, OFF(self_count)},
    {{"jail_place", E, 0, 0, place_names, 0, "where the jailed are"}, OFF(jail_place)},
    {{"jail_term", E, 0, 0, term_names, 0, "distribution of jail terms"}, OFF(jail_term)},
    {{"countdown", E, 0, 0, countdown_names, 0, "when jail terms count down"}, OFF(countdown)},
    {{"order", E, 0, 0, order_names, 0, "move then act, or act then move"}, OFF(order)},
    {{"init", E, 0, 0, init_names, 0, "initial placement"}, OFF(init)},
    {{"kernel", E, 0, 0, kernel_names, 0, "neighbourhood queries: bit rows or brute scan"},
     OFF(kernel)},
    {{"update", E, 0, 0, update_names, 0, "activation scheme"}, OFF(update)},
    {{"outburst_threshold", U, 0, 1000000000, NULL, 1, "an outburst is active > this"},
     OFF(outburst_threshold)},
    {{"bloc", U, 1, 1000000000, NULL, 0, "citizens that share one draw of H and R (a bloc)"},
     OFF(bloc)},
    {{"bloc_scatter", B, 0, 1, NULL, 0,
      "a bloc's citizens are scattered over the lattice (else placed one after another)"},
     OFF(bloc_scatter)},
    {{"fatigue", R, 0, 1, NULL, 1, "P(a tick) an active citizen goes home spent"}, OFF(fatigue)},
    {{"rest", R, 0, 1, NULL, 1, "P(a tick) a spent citizen can rise again"}, OFF(rest)},
    {{"relocate", R, 0, 1, NULL, 0, "P(a tick) an agent moves to an empty cell anywhere"},
     OFF(relocate)},
};

#define NDEFS (sizeof defs / sizeof defs[0])

size_t unrest_param_count(void)
{
    return NDEFS;
}

const unrest_param_info *unrest_param_info_at(size_t i)
{
    return i < NDEFS ? &defs[i].info : NULL;
}

static const param_def *find(const char *name)
{
    for (size_t i = 0; i < NDEFS; i++)
        if (strcmp(defs[i].info.name, name) == 0) return &defs[i];
    return NULL;
}

const unrest_param_info *unrest_param_find(const char *name)
{
    const param_def *d = find(name);
    return d ? &d->info : NULL;
}

void unrest_params_default(unrest_params *p)
{
    memset(p, 0, sizeof *p);
    p->width = 40;
    p->height = 40;
    p->citizen_density = 0.7;
    p->cop_density = 0.04;
    p->citizen_vision = 7;
    p->cop_vision = 7;
    p->legitimacy = 0.82;
    p->hardship_scale = 1.0;
    p->arrest_prob = 1.0;
    p->threshold = 0.1;
    p->k = 2.3;
    p->alpha = 0;
    p->jail_max = 30;
    p->outburst_threshold = 50;
    p->bloc = 1;
    p->fatigue = 0;
    p->rest = 1;
    p->relocate = 0;
    p->kernel = UNREST_KERNEL_FAST;
    p->update = UNREST_UPDATE_SEQUENTIAL;
    unrest_params_profile(p, "paper");
}

static const char *const profile_names[] = {"paper", "netlogo", "mesa", NULL};

const char *const *unrest_profile_names(void)
{
    return profile_names;
}

unrest_status unrest_params_profile(unrest_params *p, const char *profile)
{
    if (strcmp(profile, "paper") == 0) {
        p->hood = UNREST_HOOD_EUCLIDEAN;
        p->ratio = UNREST_RATIO_FLOOR;
        p->self_count = UNREST_SELF_ONCE;
        p->jail_place = UNREST_JAIL_REMOVED;
        p->jail_term = UNREST_TERM_ONE_TO_MAX;
        p->countdown = UNREST_COUNTDOWN_PER_TICK;
        p->order = UNREST_ORDER_MOVE_ACT;
        p->init = UNREST_INIT_EXACT;
        p->movement = 1;
        p->cops_move_static = 1;
        p->cop_to_arrestee = 0;
    } else if (strcmp(profile, "netlogo") == 0) {
        p->hood = UNREST_HOOD_EUCLIDEAN;
        p->ratio = UNREST_RATIO_FLOOR;
        p->self_count = UNREST_SELF_DOUBLE;
        p->jail_place = UNREST_JAIL_TRANSPARENT;
        p->jail_term = UNREST_TERM_ZERO_TO_EXCL;
        p->countdown = UNREST_COUNTDOWN_PER_TICK;
        p->order = UNREST_ORDER_MOVE_ACT;
        p->init = UNREST_INIT_EXACT;
        p->movement = 1;
        p->cops_move_static = 1;
        p->cop_to_arrestee = 1;
    } else if (strcmp(profile, "mesa") == 0) {
        p->hood = UNREST_HOOD_VON_NEUMANN;
        p->ratio = UNREST_RATIO_ROUND_EVEN;
        p->self_count = UNREST_SELF_ONCE;
        p->jail_place = UNREST_JAIL_BLOCKING;
        p->jail_term = UNREST_TERM_ZERO_TO_MAX;
        p->countdown = UNREST_COUNTDOWN_OWN_ACTIVATION;
        p->order = UNREST_ORDER_ACT_MOVE;
        p->init = UNREST_INIT_BINOMIAL;
        p->movement = 1;
        p->cops_move_static = 0;
        p->cop_to_arrestee = 0;
    } else {
        return UNREST_EUNKNOWN;
    }
    return UNREST_OK;
}

static void enum_list(const char *const *names, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; names[i] && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? "|" : "", names[i]);
}

/* The valid values of a parameter, as text for messages. */
static void describe_range(const param_def *d, char *buf, size_t n)
{
    switch (d->info.kind) {
    case UNREST_PARAM_UINT:
        if (d->offset == OFF(jail_max))
            snprintf(buf, n, "an integer in [0, 65534] or inf");
        else
            snprintf(buf, n, "an integer in [%.0f, %.0f]", d->info.min, d->info.max);
        break;
    case UNREST_PARAM_REAL:
        snprintf(buf, n, "a number in [%g, %g]", d->info.min, d->info.max);
        break;
    case UNREST_PARAM_BOOL:
        snprintf(buf, n, "true or false");
        break;
    case UNREST_PARAM_ENUM:
        enum_list(d->info.names, buf, n);
        break;
    }
}

#define FAIL(st, ...)                                                                              \
    do {                                                                                           \
        if (err && errlen) snprintf(err, errlen, __VA_ARGS__);                                     \
        return (st);                                                                               \
    } while (0)

unrest_status unrest_params_set(unrest_params *p, const char *name, const char *value, char *err,
                                size_t errlen)
{
    const param_def *d = find(name);
    if (!d) FAIL(UNREST_EUNKNOWN, "unknown parameter '%s' (see 'unrest help params')", name);
    char range[160];
    describe_range(d, range, sizeof range);
    char *base = (char *)p + d->offset;
    char *end = NULL;
    if (!value || !*value) FAIL(UNREST_EINVAL, "parameter '%s' needs a value: %s", name, range);
    if (isspace((unsigned char)value[0]) || isspace((unsigned char)value[strlen(value) - 1]))
        FAIL(UNREST_EINVAL, "parameter '%s' must be %s, got '%s' (stray spaces)", name, range,
             value);
    switch (d->info.kind) {
    case UNREST_PARAM_UINT: {
        if (d->offset == OFF(jail_max) && (strcmp(value, "inf") == 0)) {
            *(uint32_t *)(void *)base = UNREST_JAIL_FOREVER;
            return UNREST_OK;
        }
        errno = 0;
        if (value[0] == '-' || value[0] == '+')
            FAIL(UNREST_ERANGE, "parameter '%s' must be %s, got '%s'", name, range, value);
        unsigned long long v = strtoull(value, &end, 10);
        if (end == value || *end)
            FAIL(UNREST_EINVAL, "parameter '%s' must be %s, got '%s'", name, range, value);
        if (errno == ERANGE || (double)v < d->info.min || (double)v > d->info.max)
            FAIL(UNREST_ERANGE, "parameter '%s' must be %s, got '%s'", name, range, value);
        *(uint32_t *)(void *)base = (uint32_t)v;
        return UNREST_OK;
    }
    case UNREST_PARAM_REAL: {
        errno = 0;
        double v = strtod(value, &end);
        if (end == value || *end || !isfinite(v))
            FAIL(UNREST_EINVAL, "parameter '%s' must be %s, got '%s'", name, range, value);
        if (v < d->info.min || v > d->info.max)
            FAIL(UNREST_ERANGE, "parameter '%s' must be %s, got '%s'", name, range, value);
        *(double *)(void *)base = v;
        return UNREST_OK;
    }
    case UNREST_PARAM_BOOL: {
        int v;
        if (!strcmp(value, "true") || !strcmp(value, "1") || !strcmp(value, "yes") ||
            !strcmp(value, "on"))
            v = 1;
        else if (!strcmp(value, "false") || !strcmp(value, "0") || !strcmp(value, "no") ||
                 !strcmp(value, "off"))
            v = 0;
        else
            FAIL(UNREST_EINVAL, "parameter '%s' must be %s, got '%s'", name, range, value);
        *(int *)(void *)base = v;
        return UNREST_OK;
    }
    case UNREST_PARAM_ENUM:
        for (int i = 0; d->info.names[i]; i++)
            if (strcmp(d->info.names[i], value) == 0) {
                *(int *)(void *)base = i;
                return UNREST_OK;
            }
        FAIL(UNREST_EINVAL, "parameter '%s' must be one of %s, got '%s'", name, range, value);
    }
    FAIL(UNREST_EINVAL, "parameter '%s': unsupported kind", name);
}

unrest_status unrest_params_get(const unrest_params *p, const char *name, char *buf, size_t n)
{
    const param_def *d = find(name);
    if (!d) return UNREST_EUNKNOWN;
    const char *base = (const char *)p + d->offset;
    switch (d->info.kind) {
    case UNREST_PARAM_UINT: {
        uint32_t v = *(const uint32_t *)(const void *)base;
        if (d->offset == OFF(jail_max) && v == UNREST_JAIL_FOREVER)
            snprintf(buf, n, "inf");
        else
            snprintf(buf, n, "%u", v);
        break;
    }
    case UNREST_PARAM_REAL: {
        /* shortest form that reads back to the same double */
        double v = *(const double *)(const void *)base;
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(buf, n, "%.*g", prec, v);
            if (strtod(buf, NULL) == v) break;
        }
        break;
    }
    case UNREST_PARAM_BOOL:
        snprintf(buf, n, "%s", *(const int *)(const void *)base ? "true" : "false");
        break;
    case UNREST_PARAM_ENUM: {
        int v = *(const int *)(const void *)base, count = 0;
        while (d->info.names[count])
            count++;
        snprintf(buf, n, "%s", v >= 0 && v < count ? d->info.names[v] : "<invalid>");
        break;
    }
    }
    return UNREST_OK;
}

/* The message for parameter d out of its range (formatted only on failure: validation runs
 * on every runtime change, and formatting every range costs more than the checks). */
static unrest_status param_error(const param_def *d, const unrest_params *p, unrest_status st,
                                 char *err, size_t errlen)
{
    char range[160], got[64];
    describe_range(d, range, sizeof range);
    if (d->info.kind == UNREST_PARAM_ENUM) {
        int v = *(const int *)(const void *)((const char *)p + d->offset);
        FAIL(st, "parameter '%s' must be one of %s, got code %d", d->info.name, range, v);
    }
    unrest_params_get(p, d->info.name, got, sizeof got);
    FAIL(st, "parameter '%s' must be %s, got %s", d->info.name, range, got);
}

unrest_status unrest_params_validate(const unrest_params *p, char *err, size_t errlen)
{
    for (size_t i = 0; i < NDEFS; i++) {
        const param_def *d = &defs[i];
        const char *base = (const char *)p + d->offset;
        if (d->info.kind == UNREST_PARAM_REAL) {
            double v = *(const double *)(const void *)base;
            if (!(v >= d->info.min && v <= d->info.max))
                return param_error(d, p, UNREST_ERANGE, err, errlen);
        } else if (d->info.kind == UNREST_PARAM_ENUM) {
            int v = *(const int *)(const void *)base, count = 0;
            while (d->info.names[count])
                count++;
            if (v < 0 || v >= count) return param_error(d, p, UNREST_EINVAL, err, errlen);
        } else if (d->info.kind == UNREST_PARAM_UINT) {
            uint32_t v = *(const uint32_t *)(const void *)base;
            int inf = d->offset == OFF(jail_max) && v == UNREST_JAIL_FOREVER;
            if (!inf && ((double)v < d->info.min || (double)v > d->info.max))
                return param_error(d, p, UNREST_ERANGE, err, errlen);
        }
    }
    if ((uint64_t)p->width * p->height > (1ull << 31) - 1)
        FAIL(UNREST_ERANGE, "lattice %ux%u has more than 2^31-1 cells", p->width, p->height);
    if (p->citizen_density + p->cop_density > 1.0)
        FAIL(UNREST_ERANGE,
             "citizen_density + cop_density = %g exceeds 1: the agents do not fit the lattice",
             p->citizen_density + p->cop_density);
    uint32_t side = p->width < p->height ? p->width : p->height;
    if (p->citizen_vision >= side / 2.0)
        FAIL(UNREST_ERANGE,
             "parameter 'citizen_vision' must be below half the shorter side (< %g on a %ux%u "
             "torus), got %g",
             side / 2.0, p->width, p->height, p->citizen_vision);
    if (p->cop_vision >= side / 2.0)
        FAIL(UNREST_ERANGE,
             "parameter 'cop_vision' must be below half the shorter side (< %g on a %ux%u "
             "torus), got %g",
             side / 2.0, p->width, p->height, p->cop_vision);
    if (p->alpha > 0 && p->jail_max == UNREST_JAIL_FOREVER)
        FAIL(UNREST_ERANGE, "parameter 'alpha' must be 0 when jail_max is inf (J^alpha would "
                            "be infinite)");
    if (p->update == UNREST_UPDATE_PARALLEL && p->countdown == UNREST_COUNTDOWN_OWN_ACTIVATION &&
        p->jail_place != UNREST_JAIL_BLOCKING)
        FAIL(UNREST_EINVAL, "update=parallel with countdown=own_activation needs "
                            "jail_place=blocking: the parallel update activates agents on cells");
    if (p->cop_to_arrestee && p->jail_place == UNREST_JAIL_BLOCKING)
        FAIL(UNREST_EINVAL, "cop_to_arrestee=true needs jail_place removed or transparent: a "
                            "blocking jailed citizen keeps its cell");
    if (p->relocate > 0 && p->update == UNREST_UPDATE_PARALLEL)
        FAIL(UNREST_EINVAL, "relocate moves agents any distance: it needs update=sequential");
    return UNREST_OK;
}

static const char *const status_text[UNREST_STATUS_COUNT] = {
    "ok",           "out of memory", "invalid value",     "unknown name",
    "out of range", "invalid state", "input/output error"};

const char *unrest_status_str(unrest_status s)
{
    return (unsigned)s < UNREST_STATUS_COUNT ? status_text[s] : "unknown status";
}
