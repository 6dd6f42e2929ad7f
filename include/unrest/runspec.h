/*
 * runspec.h - a run: parameters, seed, length and a timeline of parameter changes, read from a
 * YAML file (libyaml) and/or built from command-line options.
 *
 * File format (every key optional, unknown keys are errors):
 *
 *   profile: paper            # paper | netlogo | mesa: rule switches, applied before params
 *   seed: 1
 *   ticks: 1000
 *   params:                   # any parameter of unrest_params by name
 *     legitimacy: 0.82
 *     jail_max: inf
 *   events:
 *     - at: 77                # set a runtime parameter at the start of tick 77
 *       set: {legitimacy: 0.7}
 *     - ramp: legitimacy      # linear change over ticks [start, end]
 *       from: 0.9
 *       to: 0.2
 *       start: 77
 *       end: 147
 *
 * Errors name file:line:column and what was expected.
 */
#ifndef UNREST_RUNSPEC_H
#define UNREST_RUNSPEC_H

#include "unrest/unrest.h"

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default) /* the public API: exported from libunrest.so */

/* One timeline entry: a step change (at) or a linear ramp of a real parameter. */
typedef struct unrest_event {
    int is_ramp;     /* 0: set name=value at tick start; 1: ramp from..to over [start,end] */
    uint32_t start;  /* first tick it applies to (ticks count from 1) */
    uint32_t end;    /* last tick of a ramp (== start for a step) */
    char name[40];   /* runtime parameter name */
    char value[64];  /* step: value text */
    double from, to; /* ramp: end values */
} unrest_event;

typedef struct unrest_runspec {
    unrest_params params; /* parameters (defaults, then profile, then params) */
    uint64_t seed;        /* run seed */
    uint32_t ticks;       /* ticks to run */
    char profile[16];     /* profile name applied ("" if none) */
    unrest_event *events; /* timeline, owned */
    size_t nevents;       /* entries in events */
    size_t cap;           /* allocated entries */
} unrest_runspec;

/* Defaults: paper Run 2, seed 1, 1000 ticks, no events. */
void unrest_runspec_init(unrest_runspec *rs);
void unrest_runspec_free(unrest_runspec *rs);

/* Read a YAML run file on top of rs. err gets "file:line:col: message". */
unrest_status unrest_runspec_load(unrest_runspec *rs, const char *path, char *err, size_t errlen);

/* Same, from a string in memory; name is used in messages (e.g. "<builtin>"). */
unrest_status unrest_runspec_load_string(unrest_runspec *rs, const char *text, size_t len,
                                         const char *name, char *err, size_t errlen);

/* Add "TICK:name=value" (--at) or "name=FROM:TO:T0:T1" (--ramp). Checks the name is a runtime
 * parameter and the value parses. */
unrest_status unrest_runspec_add_at(unrest_runspec *rs, const char *text, char *err, size_t errlen);
unrest_status unrest_runspec_add_ramp(unrest_runspec *rs, const char *text, char *err,
                                      size_t errlen);

/* Apply every event due at the start of tick `tick` (the tick about to be computed). */
unrest_status unrest_runspec_apply(const unrest_runspec *rs, unrest_model *m, uint32_t tick,
                                   char *err, size_t errlen);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
