/*
 * control.h - the live viewer's controls: the body of a POST /control (a JSON object, the
 * protocol in docs/VIEWER.md) read with jansson into a typed `ctl`. Private to src/view (the
 * server) and the fuzz harness tests/fuzz_control.c; what each control does is the server's.
 */
#ifndef UNREST_VIEW_CONTROL_H
#define UNREST_VIEW_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#define CTL_STEP_MAX 10000  /* ticks one "step" may ask for */
#define CTL_SPEED_MAX 10000 /* ticks per second "speed" may ask for */
#define CTL_TEXT 128        /* bytes of a path or value text, NUL included */
#define CTL_NAME 64         /* bytes of a kind or site name, NUL included */

typedef enum ctl_cmd {
    CTL_PLAY,  /* run on its own */
    CTL_PAUSE, /* stop running */
    CTL_STEP,  /* n ticks now */
    CTL_RESET, /* rebuild the world (same seed, or `seed`) */
    CTL_SPEED, /* ticks per second (0: as fast as possible) */
    CTL_SET,   /* a slider's path to a value: a scenario key (restarts) or a live one (fires) */
    CTL_FIRE   /* an intervention now */
} ctl_cmd;

/* A control as read; only the members of its command are set, the rest are zero. */
typedef struct ctl {
    ctl_cmd cmd;         /* which control */
    unsigned n;          /* step: ticks, 1..CTL_STEP_MAX (1 when absent) */
    int has_seed;        /* reset, set: "seed" was given */
    uint64_t seed;       /* reset, set: run seed */
    char path[CTL_TEXT]; /* set: "legitimacy.initial", "live.fuel_price", ... */
    char text[CTL_TEXT]; /* set: the value as unrest_scenario_set reads it (numbers %.17g) */
    int has_value;       /* speed, set (a number was given), fire: "value" is set */
    double value;        /* speed: 0..CTL_SPEED_MAX; set, fire: the number (finite) */
    int has_people;      /* fire: "people" was given */
    double people;       /* fire: people (finite) */
    char kind[CTL_NAME]; /* fire: intervention ("blackout", ...) */
    char site[CTL_NAME]; /* fire: a site name, "" for every site */
} ctl;

/* Read a control from len bytes of body (need not be NUL-terminated). The body must be one
 * JSON object with no duplicate members and nothing after it; "cmd" names the command and
 * every other member must be one that command takes, of its type and range. Returns 1 on
 * success; 0 with err (n bytes) naming the field at fault, or JSON's line:column for a syntax
 * error. Never reads past len, never crashes on any bytes. */
int ctl_parse(const char *body, size_t len, ctl *out, char *err, size_t n);

/* The name of a command ("play", ...). */
const char *ctl_cmd_name(ctl_cmd c);

#endif
