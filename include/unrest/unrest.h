/*
 * unrest.h - public API of the unrest civil-unrest simulator.
 *
 * The core is Epstein's civil violence model (Model I, PNAS 2002): citizens and cops on a
 * torus lattice. Every rule on which the paper, NetLogo "Rebellion" and the Mesa example
 * differ is a named parameter, and three profiles set them to reproduce each implementation.
 * All randomness is keyed by (seed, stream, tick, agent), so a seed fixes a run bit for bit.
 *
 * The library never prints, exits or aborts: every function returns a status, and model
 * handles keep a readable message for the last error.
 */
#ifndef UNREST_UNREST_H
#define UNREST_UNREST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default) /* the public API: exported from libunrest.so */

#define UNREST_VERSION "0.1.0"

/* ---- status ----------------------------------------------------------------------------- */

typedef enum unrest_status {
    UNREST_OK = 0,
    UNREST_ENOMEM,   /* allocation failed */
    UNREST_EINVAL,   /* malformed value or argument */
    UNREST_EUNKNOWN, /* unknown parameter or name */
    UNREST_ERANGE,   /* value outside its valid range */
    UNREST_ESTATE,   /* operation not allowed in the current state */
    UNREST_EIO,      /* file could not be read or written */
    UNREST_STATUS_COUNT
} unrest_status;

/* A short constant description of a status ("out of range", ...). */
const char *unrest_status_str(unrest_status s);

/* ---- rule switches (where the paper, NetLogo and Mesa differ) --------------------------- */

typedef enum unrest_hood {
    UNREST_HOOD_VON_NEUMANN, /* |dx|+|dy| <= v  (Mesa 3.x) */
    UNREST_HOOD_MOORE,       /* max(|dx|,|dy|) <= v (Mesa before 2024) */
    UNREST_HOOD_EUCLIDEAN    /* dx^2+dy^2 <= v^2 (NetLogo in-radius; paper's v = 1.7) */
} unrest_hood;

typedef enum unrest_ratio {
    UNREST_RATIO_LITERAL,   /* C/A as printed in the paper */
    UNREST_RATIO_FLOOR,     /* floor(C/A), NetLogo */
    UNREST_RATIO_ROUND_EVEN /* round half to even (Python round), Mesa */
} unrest_ratio;

typedef enum unrest_self_count {
    UNREST_SELF_ONCE,  /* A = 1 + other actives in vision (paper, Mesa) */
    UNREST_SELF_DOUBLE /* A = 1 + actives in vision incl. self (NetLogo) */
} unrest_self_count;

typedef enum unrest_jail_place {
    UNREST_JAIL_REMOVED,     /* jailed leave the lattice (paper) */
    UNREST_JAIL_TRANSPARENT, /* stay on their cell, which others may enter (NetLogo) */
    UNREST_JAIL_BLOCKING     /* stay on their cell and block it (Mesa) */
} unrest_jail_place;

typedef enum unrest_jail_term {
    UNREST_TERM_ONE_TO_MAX,   /* uniform integer 1..J (ceil of U(0,J); paper) */
    UNREST_TERM_ZERO_TO_EXCL, /* 0..J-1 (NetLogo random) */
    UNREST_TERM_ZERO_TO_MAX   /* 0..J inclusive (Mesa randint) */
} unrest_jail_term;

typedef enum unrest_countdown {
    UNREST_COUNTDOWN_PER_TICK,      /* all terms decrement at the end of each tick */
    UNREST_COUNTDOWN_OWN_ACTIVATION /* a term decrements on the citizen's own activation */
} unrest_countdown;

typedef enum unrest_order {
    UNREST_ORDER_MOVE_ACT, /* move, then act (paper, NetLogo) */
    UNREST_ORDER_ACT_MOVE  /* act, then move (Mesa) */
} unrest_order;

typedef enum unrest_init {
    UNREST_INIT_EXACT,   /* exactly round(d * cells) of each kind (paper, NetLogo) */
    UNREST_INIT_BINOMIAL /* each cell draws its kind independently (Mesa) */
} unrest_init;

typedef enum unrest_kernel {
    UNREST_KERNEL_FAST, /* bit-parallel rows with popcounts */
    UNREST_KERNEL_SCAN  /* brute-force scan of every cell in vision (the twin) */
} unrest_kernel;

typedef enum unrest_update {
    UNREST_UPDATE_SEQUENTIAL, /* random sequential (asynchronous) activation, as in the paper */
    UNREST_UPDATE_PARALLEL    /* blocked: random sequential within blocks, blocks in parallel */
} unrest_update;

#define UNREST_JAIL_FOREVER 65535u /* jail_max value meaning "never released" (J = infinity) */

/* Every parameter of a run. Defaults are the paper's Run 2 with the paper's rules. */
typedef struct unrest_params {
    uint32_t width;               /* lattice columns (torus) */
    uint32_t height;              /* lattice rows (torus) */
    double citizen_density;       /* citizens per cell */
    double cop_density;           /* cops per cell */
    double citizen_vision;        /* v: radius citizens inspect */
    double cop_vision;            /* v*: radius cops inspect */
    double legitimacy;            /* L in [0,1] */
    double hardship_scale;        /* G = H * hardship_scale * (1 - L): the scenario's hardship */
    double hardship_tail;         /* 0: H ~ U(0,1) (Epstein); a > 0: Pareto, tail index a */
    double hardship_sigma;        /* > 0: H log-normal, median 0.5, log-sd (before hardship_tail) */
    double threshold;             /* T: active iff G - N > T */
    double k;                     /* arrest-probability constant */
    double arrest_prob;           /* P(a cop arrests in a tick when an active is in vision) */
    double alpha;                 /* deterrence exponent: N = R * P * J_max^alpha (0 = off) */
    uint32_t jail_max;            /* J_max in ticks; UNREST_JAIL_FOREVER = never released */
    int movement;                 /* citizens (and cops, see below) move */
    int cops_move_static;         /* cops move even when movement is off */
    int cop_to_arrestee;          /* cop steps onto the arrestee's cell (NetLogo) */
    unrest_hood hood;             /* neighbourhood shape */
    unrest_ratio ratio;           /* how C/A enters P */
    unrest_self_count self_count; /* how the agent counts itself in A */
    unrest_jail_place jail_place; /* where the jailed are */
    unrest_jail_term jail_term;   /* distribution of jail terms */
    unrest_countdown countdown;   /* when terms decrement */
    unrest_order order;           /* move/act order */
    unrest_init init;             /* initial placement */
    unrest_kernel kernel;         /* neighbourhood query implementation */
    unrest_update update;         /* activation scheme */
    uint32_t outburst_threshold;  /* observer: an outburst is active > this */
    uint32_t bloc;                /* citizens sharing one draw of H and R (0, 1: each its own) */
    int bloc_scatter;             /* a bloc's citizens lie anywhere (else one after another) */
    double fatigue;               /* P(a tick) an active citizen goes home spent (0: never) */
    double rest;                  /* P(a tick) a spent citizen can rise again */
    double relocate;              /* P(a tick) an agent moves anywhere on the lattice (mixing) */
} unrest_params;

/* Parameter value kinds, for the name-driven interface below. */
typedef enum unrest_param_kind {
    UNREST_PARAM_UINT,
    UNREST_PARAM_REAL,
    UNREST_PARAM_BOOL,
    UNREST_PARAM_ENUM
} unrest_param_kind;

/* Read-only description of one parameter (name, range, help), for help texts and manifests. */
typedef struct unrest_param_info {
    const char *name;         /* as used in --set and files */
    unrest_param_kind kind;   /* value kind */
    double min, max;          /* valid range for UINT/REAL (inclusive) */
    const char *const *names; /* NULL-terminated enum value names, or NULL */
    int runtime;              /* may change between ticks of a running model */
    const char *help;         /* one line */
} unrest_param_info;

/* Fill p with the defaults: the paper's Run 2 (40x40, L 0.82, cops 0.04, v 7, J 30). */
void unrest_params_default(unrest_params *p);

/* Set the rule switches (not the numbers) to a profile: "paper", "netlogo" or "mesa". */
unrest_status unrest_params_profile(unrest_params *p, const char *profile);

/* Names of the profiles, NULL-terminated. */
const char *const *unrest_profile_names(void);

/* Set one parameter from text. On error writes a message naming the parameter and its
 * valid range into err (if non-NULL). */
unrest_status unrest_params_set(unrest_params *p, const char *name, const char *value, char *err,
                                size_t errlen);

/* Format one parameter's value as text (as accepted by unrest_params_set). */
unrest_status unrest_params_get(const unrest_params *p, const char *name, char *buf, size_t n);

/* Check the whole set for consistency (densities fit, vision fits the torus, ...). */
unrest_status unrest_params_validate(const unrest_params *p, char *err, size_t errlen);

size_t unrest_param_count(void);
const unrest_param_info *unrest_param_info_at(size_t i);
const unrest_param_info *unrest_param_find(const char *name);

/* ---- model ------------------------------------------------------------------------------- */

typedef struct unrest_model unrest_model;

/* Per-tick observables. */
typedef struct unrest_counts {
    uint64_t tick;         /* ticks completed (0 = after setup) */
    uint32_t citizens;     /* all citizens */
    uint32_t quiet;        /* free and not active */
    uint32_t active;       /* free and active */
    uint32_t jailed;       /* in jail */
    uint32_t cops;         /* cops on the lattice */
    uint32_t arrests;      /* arrests during the last tick */
    uint32_t releases;     /* releases during the last tick */
    uint64_t moves;        /* agents that changed cell during the last tick */
    uint32_t participants; /* citizens active at least once since creation */
    double legitimacy;     /* L in force */
    double tension;        /* mean grievance * quiet share / mean risk aversion (paper Fig. 8) */
} unrest_counts;

/* Build a model: validate p, place agents, draw attributes. On failure *out is NULL and, if
 * err is non-NULL, it receives the reason. */
unrest_status unrest_model_create(unrest_model **out, const unrest_params *p, uint64_t seed,
                                  char *err, size_t errlen);
void unrest_model_destroy(unrest_model *m);

/* Advance one tick (one activation of every agent in a fresh random order). */
unrest_status unrest_model_step(unrest_model *m);

void unrest_model_counts(const unrest_model *m, unrest_counts *c);
const unrest_params *unrest_model_params(const unrest_model *m);
uint64_t unrest_model_seed(const unrest_model *m);

/* Change a runtime parameter between ticks (legitimacy, cop_density, threshold, k, alpha,
 * jail_max, movement, outburst_threshold). Changing cop_density adds or removes cops. */
unrest_status unrest_model_set(unrest_model *m, const char *name, const char *value);
unrest_status unrest_model_set_legitimacy(unrest_model *m, double legitimacy);
unrest_status unrest_model_set_cops(unrest_model *m, uint32_t ncops);

/* Citizen vision from now on, at most its value at creation (an internet blackout narrows
 * what people see of each other). */
unrest_status unrest_model_set_vision(unrest_model *m, double v);

#define UNREST_MAX_FOCUS 4
/* Focal points (x, y pairs) that draw active citizens: with probability pull an active
 * citizen's move takes, of four random empty cells in vision, the one nearest a focal point.
 * n = 0 turns it off. */
unrest_status unrest_model_set_focus(unrest_model *m, const uint32_t *xy, size_t n, double pull);

/* Gathering that does not depend on the lattice's size (after unrest_model_set_focus, r[i] for
 * each of its n points): the square of side 2 r[i] + 1 around point i is its area. An active
 * citizen inside an area stays there; one outside every area goes, with probability jump a
 * tick, to a random empty cell of the nearest point's area however far away it is (else it
 * moves as before). A move of any length: the sequential update only. jump = 0 turns it off. */
unrest_status unrest_model_set_gather(unrest_model *m, const uint32_t *r, size_t n, double jump);

/* Which area a gathering citizen goes to (after unrest_model_set_gather; Davies et al. 2013's
 * choice of riot site): instead of the nearest, point i is drawn with probability proportional
 * to weight[i] * exp(-decay * d_i / side), d_i its distance in cells and side the lattice's
 * width. A weight of 0 takes no one (a building already taken); if every weight is 0 the
 * nearest point is taken. It may be called between ticks; weight = NULL restores the nearest. */
unrest_status unrest_model_set_gather_choice(unrest_model *m, const double *weight, size_t n,
                                             double decay);

/* Active citizens and cops in the square of side 2r+1 centred on (x, y). */
void unrest_model_count_near(const unrest_model *m, uint32_t x, uint32_t y, uint32_t r,
                             uint32_t *active, uint32_t *cops);

/* Threads used by the parallel update (1..1024; default 1). Results do not depend on it. */
unrest_status unrest_model_set_threads(unrest_model *m, unsigned threads);

/* Blocks of the parallel update across and down (1 x 1 when the lattice is too small). */
void unrest_model_blocks(const unrest_model *m, uint32_t *nbx, uint32_t *nby);

/* Message for the last error on m ("" if none). */
const char *unrest_model_error(const unrest_model *m);

/* Cell contents for snapshots and views. */
typedef enum unrest_cell {
    UNREST_CELL_EMPTY,
    UNREST_CELL_QUIET,
    UNREST_CELL_ACTIVE,
    UNREST_CELL_JAILED,
    UNREST_CELL_COP
} unrest_cell;

/* Write width*height cell codes (row-major) into out. */
void unrest_model_snapshot(const unrest_model *m, uint8_t *out);

/* Bytes of memory owned by the model (agents + lattice). */
size_t unrest_model_bytes(const unrest_model *m);

/* ---- observers --------------------------------------------------------------------------- */

/* Summary of a series of active counts (Epstein's outburst statistics). An outburst is a
 * maximal run of ticks with active > threshold; the wait runs from the end of one outburst to
 * the start of the next; total activation is the sum of actives over an outburst. */
typedef struct unrest_summary {
    size_t ticks;          /* series length used (ticks 1..n) */
    double mean_active;    /* mean of active */
    uint32_t max_active;   /* max of active */
    size_t outbursts;      /* number of outbursts */
    double mean_peak;      /* mean of per-outburst peaks (0 if none) */
    double mean_total;     /* mean total activation per outburst */
    double mean_wait;      /* mean wait between outbursts (0 if fewer than 2) */
    double sd_wait;        /* sd of waits */
    double mean_jailed;    /* mean of jailed */
    uint32_t final_jailed; /* jailed at the last tick */
} unrest_summary;

/* active[i], jailed[i] for i in [0,n) are ticks 1..n (tick 0 excluded by the caller). Writes
 * per-outburst peaks/totals/waits into the optional arrays (capacity cap each). */
void unrest_summarize(const uint32_t *active, const uint32_t *jailed, size_t n, uint32_t threshold,
                      unrest_summary *s, uint32_t *peaks, uint64_t *totals, uint32_t *waits,
                      size_t cap);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
