/*
 * game.c - game files (docs/GAME.md): actors, strategies as scenario changes, payoffs as
 * weighted outcomes, the order of moves, and the scenario of a pure profile. A strategy's
 * changes are settings (`set:`, path: value as in a scenario's `set:`) and the events of a
 * scenario overlay (`overlay:`, a scenario file whose `base:` is the game's base and which adds
 * events — conditional ones with `when:` included — but drops none). The game file is read with
 * libyaml; every error names file:line:column; the overlays are read by the scenario parser and
 * give their own positions.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "unrest/game.h"
#include "yamldoc.h"

#define MAX_SETS 64 /* settings per strategy or game (the game file sets 35) */
#define SET_LEN 160 /* longest "path=value" */

static const char *const feature_names[UNREST_GF_COUNT] = {
    "survives",        "revolution", "civil_war",          "proxy_war",
    "suppressed",      "settled",    "unresolved",         "dead_k",
    "security_dead_h", "days",       "foreign_gov_dead_h", "foreign_opp_dead_h"};

const char *unrest_game_feature_name(unrest_game_feature f)
{
    return (unsigned)f < UNREST_GF_COUNT ? feature_names[f] : "?";
}

void unrest_game_features(const unrest_outcomes *o, double *f)
{
    unrest_outcome_class c = o->cls;
    f[UNREST_GF_SURVIVES] = c != UNREST_OUTCOME_REVOLUTION;
    f[UNREST_GF_REVOLUTION] = c == UNREST_OUTCOME_REVOLUTION;
    f[UNREST_GF_CIVIL_WAR] = c == UNREST_OUTCOME_CIVIL_WAR || c == UNREST_OUTCOME_PROXY_WAR;
    f[UNREST_GF_PROXY_WAR] = c == UNREST_OUTCOME_PROXY_WAR;
    f[UNREST_GF_SUPPRESSED] = c == UNREST_OUTCOME_SUPPRESSED;
    f[UNREST_GF_SETTLED] = c == UNREST_OUTCOME_SETTLED;
    f[UNREST_GF_UNRESOLVED] = c == UNREST_OUTCOME_PROTRACTED || c == UNREST_OUTCOME_CAPITAL;
    f[UNREST_GF_DEAD] = o->dead / 1000;
    f[UNREST_GF_SEC_DEAD] = o->security_dead / 100;
    f[UNREST_GF_DAYS] = o->duration_hours / 24;
    f[UNREST_GF_FOREIGN_GOV_DEAD] = o->foreign_gov_dead / 100;
    f[UNREST_GF_FOREIGN_OPP_DEAD] = o->foreign_opp_dead / 100;
}

typedef struct strategy {
    char name[UNREST_SC_NAME];
    double cost;                 /* subtracted from its actor's payoff */
    char set[MAX_SETS][SET_LEN]; /* "path=value" */
    size_t nset;
    unrest_sc_event *ev; /* events added by its overlay (malloc'd) */
    size_t nev;
} strategy;

typedef struct actor {
    char name[UNREST_SC_NAME];
    double w[UNREST_GF_COUNT]; /* payoff weights */
    strategy st[UNREST_GAME_MAX_STRATEGIES];
    size_t ns;
    size_t baseline;
} actor;

struct unrest_game {
    char name[UNREST_SC_NAME];
    unrest_scenario base; /* with the game's settings */
    char set[MAX_SETS][SET_LEN];
    size_t nset;
    char settings[MAX_SETS * SET_LEN];
    actor a[UNREST_GAME_MAX_ACTORS];
    size_t n;
    size_t order[UNREST_GAME_MAX_ACTORS];
    char *identity;
};

/* ---- reading -------------------------------------------------------------------------------- */

typedef struct gctx {
    yd_ctx c;
    const char *path; /* the game file */
    unrest_game *g;
} gctx;

static const yaml_node_t *node(const gctx *x, yaml_node_item_t i)
{
    return yaml_document_get_node(x->c.doc, i);
}

/* Look key up in a mapping with the allowed keys names[0..n): val[i] (NULL if absent). */
static unrest_status fields(const gctx *x, const yaml_node_t *m, const char *what,
                            const char *const *names, size_t n, const yaml_node_t **val)
{
    if (m->type != YAML_MAPPING_NODE)
        return FAIL_AT(&x->c, m, UNREST_EINVAL, "%s must be a mapping, got %s", what,
                       yd_kind_name(m));
    const yaml_node_t *keys[16] = {0};
    for (size_t i = 0; i < n; i++)
        val[i] = NULL;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = node(x, p->key);
        const char *name;
        unrest_status st = yd_scalar(&x->c, k, "a key", "a name", &name);
        if (st != UNREST_OK) return st;
        size_t i = 0;
        while (i < n && strcmp(names[i], name))
            i++;
        if (i == n) {
            char list[256] = "";
            size_t used = 0;
            for (size_t j = 0; j < n && used < sizeof list; j++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "",
                                         names[j]);
            return FAIL_AT(&x->c, k, UNREST_EUNKNOWN,
                           "unknown key '%s' in %s (expected one of: %s)", name, what, list);
        }
        if (val[i]) return yd_dup_key(&x->c, k, name, keys[i]);
        keys[i] = k;
        val[i] = node(x, p->value);
    }
    return UNREST_OK;
}

static unrest_status name_of(const gctx *x, const yaml_node_t *n, const char *what, char *out)
{
    const char *s;
    unrest_status st = yd_scalar(&x->c, n, what, "a name", &s);
    if (st != UNREST_OK) return st;
    size_t l = strlen(s);
    int ok = l > 0 && l < UNREST_SC_NAME;
    for (size_t i = 0; ok && i < l; i++)
        ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
             (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-';
    if (!ok)
        return FAIL_AT(&x->c, n, UNREST_EINVAL,
                       "%s must be 1 to %d letters, digits, '_' or '-', got '%.60s'", what,
                       UNREST_SC_NAME - 1, s);
    strcpy(out, s);
    return UNREST_OK;
}

static unrest_status number_of(const gctx *x, const yaml_node_t *n, const char *what, double *v)
{
    const char *s;
    unrest_status st = yd_scalar(&x->c, n, what, "a number", &s);
    if (st != UNREST_OK) return st;
    char *end;
    *v = strtod(s, &end);
    if (end == s || *end || !isfinite(*v))
        return FAIL_AT(&x->c, n, UNREST_EINVAL, "%s must be a finite number, got '%.60s'", what, s);
    return UNREST_OK;
}

/* set: {path: value}: each checked on a scratch copy of sc (which it changes). */
static unrest_status read_set(const gctx *x, const yaml_node_t *m, unrest_scenario *sc,
                              char set[][SET_LEN], size_t *nset)
{
    if (m->type != YAML_MAPPING_NODE)
        return FAIL_AT(&x->c, m, UNREST_EINVAL, "'set' must be a mapping of path: value, got %s",
                       yd_kind_name(m));
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = node(x, p->key), *v = node(x, p->value);
        const char *ks, *vs;
        unrest_status st = yd_scalar(&x->c, k, "a 'set' path", "a path", &ks);
        if (st == UNREST_OK) st = yd_scalar(&x->c, v, "a 'set' value", "a value", &vs);
        if (st != UNREST_OK) return st;
        if (*nset == MAX_SETS)
            return FAIL_AT(&x->c, k, UNREST_ERANGE, "at most %d settings", MAX_SETS);
        int w = snprintf(set[*nset], SET_LEN, "%s=%s", ks, vs);
        if (w < 0 || w >= SET_LEN)
            return FAIL_AT(&x->c, k, UNREST_ERANGE, "setting '%.40s' is too long", ks);
        char msg[512];
        if (unrest_scenario_set(sc, set[*nset], msg, sizeof msg) != UNREST_OK)
            return FAIL_AT(&x->c, k, UNREST_EINVAL, "%s", msg);
        (*nset)++;
    }
    return UNREST_OK;
}

/* 1 if path is a regular file (a FIFO or a device named by a game file would block the read). */
static int regular(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The file next to the game file. */
static char *beside(const char *game, const char *file)
{
    const char *slash = file[0] == '/' ? NULL : strrchr(game, '/');
    size_t dl = slash ? (size_t)(slash - game) + 1 : 0;
    char *p = malloc(dl + strlen(file) + 1);
    if (!p) return NULL;
    memcpy(p, game, dl);
    strcpy(p + dl, file);
    return p;
}

static unrest_status read_strategy(const gctx *x, const yaml_node_t *n, actor *a, strategy *s,
                                   const unrest_scenario *raw)
{
    static const char *const names[] = {"name", "set", "overlay", "cost", "doc"};
    const yaml_node_t *v[5];
    unrest_status st = fields(x, n, "a strategy", names, 5, v);
    if (st != UNREST_OK) return st;
    if (!v[0]) return FAIL_AT(&x->c, n, UNREST_EINVAL, "a strategy needs a 'name'");
    if ((st = name_of(x, v[0], "a strategy's name", s->name)) != UNREST_OK) return st;
    for (size_t i = 0; i < a->ns; i++)
        if (!strcmp(a->st[i].name, s->name))
            return FAIL_AT(&x->c, v[0], UNREST_EINVAL, "actor '%s' has two strategies named '%s'",
                           a->name, s->name);
    if (v[3] && (st = number_of(x, v[3], "'cost'", &s->cost)) != UNREST_OK) return st;
    if (v[1]) {
        unrest_scenario *scratch = malloc(sizeof *scratch);
        if (!scratch) return UNREST_ENOMEM;
        *scratch = x->g->base;
        st = read_set(x, v[1], scratch, s->set, &s->nset);
        free(scratch);
        if (st != UNREST_OK) return st;
    }
    if (v[2]) {
        const char *f;
        if ((st = yd_scalar(&x->c, v[2], "'overlay'", "a scenario file", &f)) != UNREST_OK)
            return st;
        char *path = beside(x->path, f);
        unrest_scenario *o = malloc(sizeof *o);
        if (!path || !o) {
            free(path);
            free(o);
            return UNREST_ENOMEM;
        }
        unrest_scenario_init(o);
        char msg[1024];
        if (!regular(path)) {
            snprintf(msg, sizeof msg, "'%s' is not a readable file", path);
            st = UNREST_EIO;
        } else {
            st = unrest_scenario_load(o, path, msg, sizeof msg);
        }
        if (st != UNREST_OK) {
            st = FAIL_AT(&x->c, v[2], st, "overlay: %s", msg);
        } else if (o->n_events < raw->n_events || o->n_sites != raw->n_sites ||
                   memcmp(o->event, raw->event, raw->n_events * sizeof *o->event)) {
            st = FAIL_AT(&x->c, v[2], UNREST_EINVAL,
                         "overlay '%s' must be the game's base with events added (same sites, "
                         "the base's events first, none dropped)",
                         path);
        } else {
            s->nev = o->n_events - raw->n_events;
            s->ev = s->nev ? malloc(s->nev * sizeof *s->ev) : NULL;
            if (s->nev && !s->ev)
                st = UNREST_ENOMEM;
            else if (s->nev)
                memcpy(s->ev, o->event + raw->n_events, s->nev * sizeof *s->ev);
        }
        free(path);
        free(o);
        if (st != UNREST_OK) return st;
    }
    return UNREST_OK;
}

static unrest_status read_actor(const gctx *x, const yaml_node_t *n, actor *a,
                                const unrest_scenario *raw)
{
    static const char *const names[] = {"name", "strategies", "payoff", "baseline", "doc"};
    const yaml_node_t *v[5];
    unrest_status st = fields(x, n, "an actor", names, 5, v);
    if (st != UNREST_OK) return st;
    if (!v[0] || !v[1])
        return FAIL_AT(&x->c, n, UNREST_EINVAL, "an actor needs 'name' and 'strategies'");
    if ((st = name_of(x, v[0], "an actor's name", a->name)) != UNREST_OK) return st;
    if (v[1]->type != YAML_SEQUENCE_NODE)
        return FAIL_AT(&x->c, v[1], UNREST_EINVAL, "'strategies' must be a list, got %s",
                       yd_kind_name(v[1]));
    for (yaml_node_item_t *i = v[1]->data.sequence.items.start; i < v[1]->data.sequence.items.top;
         i++) {
        if (a->ns == UNREST_GAME_MAX_STRATEGIES)
            return FAIL_AT(&x->c, node(x, *i), UNREST_ERANGE, "at most %d strategies per actor",
                           UNREST_GAME_MAX_STRATEGIES);
        st = read_strategy(x, node(x, *i), a, &a->st[a->ns], raw);
        if (st != UNREST_OK) return st;
        a->ns++;
    }
    if (a->ns == 0)
        return FAIL_AT(&x->c, v[1], UNREST_EINVAL, "actor '%s' needs at least one strategy",
                       a->name);
    if (v[2]) {
        const yaml_node_t *w[UNREST_GF_COUNT];
        if ((st = fields(x, v[2], "a payoff", feature_names, UNREST_GF_COUNT, w)) != UNREST_OK)
            return st;
        for (size_t f = 0; f < UNREST_GF_COUNT; f++)
            if (w[f] && (st = number_of(x, w[f], "a payoff weight", &a->w[f])) != UNREST_OK)
                return st;
    }
    if (v[3]) {
        char b[UNREST_SC_NAME];
        if ((st = name_of(x, v[3], "'baseline'", b)) != UNREST_OK) return st;
        size_t s = 0;
        while (s < a->ns && strcmp(a->st[s].name, b))
            s++;
        if (s == a->ns)
            return FAIL_AT(&x->c, v[3], UNREST_EUNKNOWN, "actor '%s' has no strategy '%s'", a->name,
                           b);
        a->baseline = s;
    }
    return UNREST_OK;
}

/* Load a scenario named by the game: "default" (built in) or a file beside the game file. */
static unrest_status load_base(const gctx *x, const yaml_node_t *n, unrest_scenario *sc)
{
    const char *f;
    unrest_status st = yd_scalar(&x->c, n, "'base'", "a scenario file or default", &f);
    if (st != UNREST_OK) return st;
    char msg[1024];
    unrest_scenario_init(sc);
    if (!strcmp(f, "default")) {
        size_t len;
        const char *text = unrest_scenario_builtin(&len);
        st = unrest_scenario_load_string(sc, text, len, "default", msg, sizeof msg);
    } else {
        char *path = beside(x->path, f);
        if (!path) return UNREST_ENOMEM;
        if (!regular(path)) {
            snprintf(msg, sizeof msg, "'%s' is not a readable file", path);
            st = UNREST_EIO;
        } else {
            st = unrest_scenario_load(sc, path, msg, sizeof msg);
        }
        free(path);
    }
    if (st != UNREST_OK) return FAIL_AT(&x->c, n, st, "base: %s", msg);
    return UNREST_OK;
}

static unrest_status read_game(gctx *x, const yaml_node_t *root, unrest_scenario *raw)
{
    unrest_game *g = x->g;
    static const char *const names[] = {"name", "title", "base", "set", "order", "actors"};
    const yaml_node_t *v[6];
    unrest_status st = fields(x, root, "a game", names, 6, v);
    if (st != UNREST_OK) return st;
    if (!v[2] || !v[5])
        return FAIL_AT(&x->c, root, UNREST_EINVAL, "a game needs 'base' and 'actors'");
    snprintf(g->name, sizeof g->name, "game");
    if (v[0] && (st = name_of(x, v[0], "'name'", g->name)) != UNREST_OK) return st;
    if ((st = load_base(x, v[2], raw)) != UNREST_OK) return st;
    g->base = *raw;
    if (v[3] && (st = read_set(x, v[3], &g->base, g->set, &g->nset)) != UNREST_OK) return st;
    if (v[5]->type != YAML_SEQUENCE_NODE)
        return FAIL_AT(&x->c, v[5], UNREST_EINVAL, "'actors' must be a list, got %s",
                       yd_kind_name(v[5]));
    for (yaml_node_item_t *i = v[5]->data.sequence.items.start; i < v[5]->data.sequence.items.top;
         i++) {
        if (g->n == UNREST_GAME_MAX_ACTORS)
            return FAIL_AT(&x->c, node(x, *i), UNREST_ERANGE, "at most %d actors",
                           UNREST_GAME_MAX_ACTORS);
        if ((st = read_actor(x, node(x, *i), &g->a[g->n], raw)) != UNREST_OK) return st;
        for (size_t j = 0; j < g->n; j++)
            if (!strcmp(g->a[j].name, g->a[g->n].name))
                return FAIL_AT(&x->c, node(x, *i), UNREST_EINVAL, "two actors named '%s'",
                               g->a[j].name);
        g->n++;
    }
    if (g->n == 0) return FAIL_AT(&x->c, v[5], UNREST_EINVAL, "a game needs at least one actor");
    for (size_t a = 0; a < g->n; a++)
        g->order[a] = a;
    if (v[4]) {
        const yaml_node_t *o = v[4];
        if (o->type != YAML_SEQUENCE_NODE ||
            (size_t)(o->data.sequence.items.top - o->data.sequence.items.start) != g->n)
            return FAIL_AT(&x->c, o, UNREST_EINVAL, "'order' must list each of the %zu actors once",
                           g->n);
        unsigned seen = 0;
        size_t t = 0;
        for (yaml_node_item_t *i = o->data.sequence.items.start; i < o->data.sequence.items.top;
             i++, t++) {
            char nm[UNREST_SC_NAME];
            if ((st = name_of(x, node(x, *i), "an actor in 'order'", nm)) != UNREST_OK) return st;
            size_t a = 0;
            while (a < g->n && strcmp(g->a[a].name, nm))
                a++;
            if (a == g->n || (seen >> a & 1u))
                return FAIL_AT(&x->c, node(x, *i), UNREST_EINVAL,
                               "'order': '%s' is not an actor or is listed twice", nm);
            seen |= 1u << a;
            g->order[t] = a;
        }
    }
    return UNREST_OK;
}

static unrest_status make_identity(unrest_game *g)
{
    size_t cap = 4096, used = 0;
    char *s = malloc(cap);
    if (!s) return UNREST_ENOMEM;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        int w_ = snprintf(NULL, 0, __VA_ARGS__);                                                   \
        if (w_ < 0) break;                                                                         \
        if (used + (size_t)w_ + 1 > cap) {                                                         \
            cap = 2 * (used + (size_t)w_ + 1);                                                     \
            char *t_ = realloc(s, cap);                                                            \
            if (!t_) {                                                                             \
                free(s);                                                                           \
                return UNREST_ENOMEM;                                                              \
            }                                                                                      \
            s = t_;                                                                                \
        }                                                                                          \
        used += (size_t)snprintf(s + used, cap - used, __VA_ARGS__);                               \
    } while (0)
    PUT("game=%s;base=%016llx", g->name, (unsigned long long)unrest_scenario_hash(&g->base));
    for (size_t a = 0; a < g->n; a++) {
        const actor *A = &g->a[a];
        PUT(";actor=%s", A->name);
        for (size_t s2 = 0; s2 < A->ns; s2++) {
            const strategy *S = &A->st[s2];
            PUT(",%s", S->name);
            for (size_t k = 0; k < S->nset; k++)
                PUT("|%s", S->set[k]);
            for (size_t k = 0; k < S->nev; k++) {
                const unrest_sc_event *e = &S->ev[k];
                PUT("|ev%d@%lld-%lld:%llx:%.17g:%.17g:%d:%d", (int)e->kind, (long long)e->tick,
                    (long long)e->until, (unsigned long long)e->sites, e->value, e->people,
                    (int)e->role, (int)e->when);
            }
        }
    }
#undef PUT
    g->identity = s;
    return UNREST_OK;
}

unrest_status unrest_game_load(unrest_game **out, const char *path, char *err, size_t errlen)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    if (file_read_all(path, &text, &len) != FILE_OK) {
        if (err) snprintf(err, errlen, "%s: cannot read the game file", path);
        return UNREST_EIO;
    }
    unrest_game *g = calloc(1, sizeof *g);
    unrest_scenario *raw = malloc(sizeof *raw);
    yaml_parser_t p;
    yaml_document_t doc;
    int have_doc = 0;
    unrest_status st = UNREST_ENOMEM;
    if (!g || !raw || !yaml_parser_initialize(&p)) goto out;
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    if (!yaml_parser_load(&p, &doc)) {
        if (err)
            snprintf(err, errlen, "%s:%zu:%zu: %s", path, p.problem_mark.line + 1,
                     p.problem_mark.column + 1, p.problem ? p.problem : "YAML error");
        st = UNREST_EINVAL;
        yaml_parser_delete(&p);
        goto out;
    }
    yaml_parser_delete(&p);
    have_doc = 1;
    gctx x = {{&doc, path, err, errlen}, path, g};
    const yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        if (err) snprintf(err, errlen, "%s:1:1: the game file is empty", path);
        st = UNREST_EINVAL;
        goto out;
    }
    st = read_game(&x, root, raw);
    if (st == UNREST_OK) {
        size_t used = 0;
        g->settings[0] = '\0';
        for (size_t k = 0; k < g->nset; k++)
            used += (size_t)snprintf(g->settings + used, sizeof g->settings - used, "%s%s",
                                     k ? ";" : "", g->set[k]);
        st = make_identity(g);
    }
out:
    if (have_doc) yaml_document_delete(&doc);
    free(text);
    free(raw);
    if (st != UNREST_OK) {
        if (st == UNREST_ENOMEM && err) snprintf(err, errlen, "out of memory reading %s", path);
        unrest_game_destroy(g);
        return st;
    }
    *out = g;
    return UNREST_OK;
}

void unrest_game_destroy(unrest_game *g)
{
    if (!g) return;
    for (size_t a = 0; a < g->n; a++)
        for (size_t s = 0; s < UNREST_GAME_MAX_STRATEGIES; s++)
            free(g->a[a].st[s].ev);
    free(g->identity);
    free(g);
}

/* ---- reading a game ------------------------------------------------------------------------- */

const char *unrest_game_name(const unrest_game *g)
{
    return g->name;
}
const unrest_scenario *unrest_game_base(const unrest_game *g)
{
    return &g->base;
}
const char *unrest_game_settings(const unrest_game *g)
{
    return g->settings;
}
size_t unrest_game_actor_count(const unrest_game *g)
{
    return g->n;
}
const char *unrest_game_actor(const unrest_game *g, size_t a)
{
    return a < g->n ? g->a[a].name : NULL;
}
size_t unrest_game_strategy_count(const unrest_game *g, size_t a)
{
    return a < g->n ? g->a[a].ns : 0;
}
const char *unrest_game_strategy(const unrest_game *g, size_t a, size_t s)
{
    return a < g->n && s < g->a[a].ns ? g->a[a].st[s].name : NULL;
}
size_t unrest_game_baseline(const unrest_game *g, size_t a)
{
    return a < g->n ? g->a[a].baseline : 0;
}
const size_t *unrest_game_order(const unrest_game *g)
{
    return g->order;
}
const char *unrest_game_identity(const unrest_game *g)
{
    return g->identity;
}

unrest_status unrest_game_profile(const unrest_game *g, const unrest_scenario *base,
                                  const size_t *s, unrest_scenario *out, char *err, size_t errlen)
{
    *out = *base;
    for (size_t a = 0; a < g->n; a++) {
        if (s[a] >= g->a[a].ns) {
            if (err) snprintf(err, errlen, "actor %s has no strategy %zu", g->a[a].name, s[a]);
            return UNREST_ERANGE;
        }
        const strategy *S = &g->a[a].st[s[a]];
        for (size_t k = 0; k < S->nset; k++) {
            unrest_status st = unrest_scenario_set(out, S->set[k], err, errlen);
            if (st != UNREST_OK) return st;
        }
        if (out->n_events + S->nev > UNREST_SC_MAX_EVENTS) {
            if (err) snprintf(err, errlen, "profile has more than %d events", UNREST_SC_MAX_EVENTS);
            return UNREST_ERANGE;
        }
        if (S->nev) memcpy(out->event + out->n_events, S->ev, S->nev * sizeof *S->ev);
        out->n_events += S->nev;
    }
    return unrest_scenario_validate(out, err, errlen);
}

double unrest_game_payoff(const unrest_game *g, size_t a, const size_t *s, const double *f)
{
    double u = -g->a[a].st[s[a]].cost;
    for (size_t k = 0; k < UNREST_GF_COUNT; k++)
        u += g->a[a].w[k] * f[k];
    return u;
}

/* The index of the actor called name, g->n if none. */
static size_t actor_named(const unrest_game *g, const char *name)
{
    size_t a = 0;
    while (a < g->n && strcmp(g->a[a].name, name))
        a++;
    return a;
}

unrest_status unrest_game_set_weight(unrest_game *g, const char *assignment, char *err,
                                     size_t errlen)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", assignment);
    char *eq = strchr(buf, '='), *dot = strchr(buf, '.');
    char *end = NULL;
    double v = eq ? strtod(eq + 1, &end) : NAN;
    if (!eq || !dot || dot > eq || !end || *end || end == eq + 1 || !isfinite(v)) {
        if (err)
            snprintf(err, errlen,
                     "'%s': expected ACTOR.FEATURE=NUMBER or ACTOR.STRATEGY.cost=NUMBER",
                     assignment);
        return UNREST_EINVAL;
    }
    *eq = *dot = '\0';
    size_t a = actor_named(g, buf);
    if (a == g->n) {
        if (err) snprintf(err, errlen, "'%s': no actor '%s'", assignment, buf);
        return UNREST_EINVAL;
    }
    char *rest = dot + 1, *dot2 = strchr(rest, '.');
    if (dot2 && !strcmp(dot2 + 1, "cost")) {
        *dot2 = '\0';
        for (size_t s2 = 0; s2 < g->a[a].ns; s2++)
            if (!strcmp(g->a[a].st[s2].name, rest)) {
                g->a[a].st[s2].cost = v;
                return UNREST_OK;
            }
        if (err)
            snprintf(err, errlen, "'%s': actor '%s' has no strategy '%s'", assignment, buf, rest);
        return UNREST_EINVAL;
    }
    for (size_t f = 0; f < UNREST_GF_COUNT; f++)
        if (!strcmp(feature_names[f], rest)) {
            g->a[a].w[f] = v;
            return UNREST_OK;
        }
    if (err) snprintf(err, errlen, "'%s': no payoff feature '%s'", assignment, rest);
    return UNREST_EINVAL;
}

unrest_status unrest_game_fix(unrest_game *g, const char *assignment, char *err, size_t errlen)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", assignment);
    char *eq = strchr(buf, '=');
    if (!eq || eq == buf || !eq[1]) {
        if (err) snprintf(err, errlen, "'%s': expected ACTOR=STRATEGY", assignment);
        return UNREST_EINVAL;
    }
    *eq = '\0';
    size_t a = actor_named(g, buf);
    if (a == g->n) {
        if (err) snprintf(err, errlen, "'%s': no actor '%s'", assignment, buf);
        return UNREST_EINVAL;
    }
    actor *A = &g->a[a];
    size_t k = 0;
    while (k < A->ns && strcmp(A->st[k].name, eq + 1))
        k++;
    if (k == A->ns) {
        if (err)
            snprintf(err, errlen, "'%s': actor '%s' has no strategy '%s'", assignment, buf, eq + 1);
        return UNREST_EINVAL;
    }
    /* keep strategy k alone, in slot 0; the others' events are freed */
    if (k) {
        strategy t = A->st[0];
        A->st[0] = A->st[k];
        A->st[k] = t;
    }
    for (size_t j = 1; j < A->ns; j++) {
        free(A->st[j].ev);
        memset(&A->st[j], 0, sizeof A->st[j]);
    }
    A->ns = 1;
    A->baseline = 0;
    char *old = g->identity;
    if (make_identity(g) != UNREST_OK) {
        g->identity = old;
        if (err) snprintf(err, errlen, "out of memory");
        return UNREST_ENOMEM;
    }
    free(old);
    return UNREST_OK;
}
