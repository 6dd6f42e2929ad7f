/*
 * model.c - Epstein's civil violence model I: citizens and cops on a torus, random sequential
 * activation, with every rule on which the paper, NetLogo and Mesa differ taken from
 * unrest_params. This file creates and destroys a model, steps it (model_seq.c or model_par.c,
 * which apply the rules of model_rules.c), and answers and applies what callers ask between ticks.
 *
 * Agents are 16-byte records: citizens at indices [0, n_cit), cop slots at [n_cit, n_agents).
 * The lattice (lattice.h) answers "how many cops/actives/empty cells in vision" and "the k-th
 * of them" in a few popcounts per row. Every random draw is keyed (rng.h), so a seed fixes the
 * run whatever the iteration order.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "model_int.h"
#include "model_mirror.h"
#include "shuffle.h"
#include "unrest/unrest.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Add a worker's tallies to the model's counters. */
static void worker_merge(unrest_model *m, const worker *w)
{
    m->n_active = (uint32_t)((int64_t)m->n_active + w->d_active);
    m->n_jailed = (uint32_t)((int64_t)m->n_jailed + w->d_jailed);
    m->arrests += (uint32_t)w->arrests;
    m->releases += (uint32_t)w->releases;
    m->moves += w->moves;
    m->n_ever += (uint32_t)w->first;
}

unrest_status unrest_model_step(unrest_model *m)
{
    if (!m) return UNREST_EINVAL;
    m->arrests = m->releases = 0;
    m->moves = 0;
    worker w;
    worker_init(&w, m);
    m->occ_tag = ((m->tick + 1) & 1u) << OCC_TAG_BIT;
    int failed = m->p.update == UNREST_UPDATE_PARALLEL ? model_step_parallel(m, &w)
                                                       : model_step_sequential(m, &w);
    if (failed) { /* the tick is incomplete: the model must not be used further */
        snprintf(m->err, sizeof m->err, "out of memory during tick %u", m->tick + 1);
        return UNREST_ENOMEM;
    }
    worker_merge(m, &w);
    m->tick++;
    return UNREST_OK;
}

unrest_status unrest_model_set_threads(unrest_model *m, unsigned threads)
{
    if (!m || threads < 1 || threads > 1024) return UNREST_ERANGE;
    m->threads = threads;
    return UNREST_OK;
}

/* ---- creation ---- */

static int grow(unrest_model *m, uint32_t cap)
{
#define GROW(f)                                                                                    \
    do {                                                                                           \
        void *q = m->f;                                                                            \
        if (mem_grow(&q, m->cap, cap, sizeof *m->f)) return -1;                                    \
        m->f = q;                                                                                  \
    } while (0)
    GROW(ag);
    GROW(term);
#undef GROW
    m->cap = cap;
    return 0;
}

/* Kind of agent (0 none, 1 citizen, 2 cop) placed on a cell; keyed by cell, so both passes of
 * placement see the same draws. need/cops_need/left carry Algorithm S state for exact mode. */
typedef struct placer {
    uint64_t need, cops_need; /* exact: agents (and cops among them) still to place */
} placer;

static int place_kind(const unrest_model *m, placer *pl, uint32_t c, uint32_t cells)
{
    rng r;
    rng_init(&r, m->seed, RNG_PLACE, 0, c);
    double u = rng_uniform(&r), v = rng_uniform(&r);
    if (m->p.init == UNREST_INIT_BINOMIAL) {
        if (u < m->p.citizen_density) return 1;
        if (u < m->p.citizen_density + m->p.cop_density) return 2;
        return 0;
    }
    /* Algorithm S (Knuth): select this cell with probability need / cells left; then make it a
     * cop with probability cops still needed / selections left. */
    if (pl->need == 0 || u * (double)(cells - c) >= (double)pl->need) return 0;
    int kind = v * (double)pl->need < (double)pl->cops_need ? 2 : 1;
    pl->need--;
    if (kind == 2) pl->cops_need--;
    return kind;
}

/* J_max^alpha and the P table, from the parameters in force. */
static void deterrence_tables(unrest_model *m)
{
    const unrest_params *p = &m->p;
    m->jfactor = p->alpha > 0 ? pow((double)p->jail_max, p->alpha) : 1.0;
    for (int i = 0; i < PTAB; i++)
        m->ptab[i] = 1.0 - exp(-p->k * (double)i);
}

unrest_status unrest_model_create(unrest_model **out, const unrest_params *p, uint64_t seed,
                                  char *err, size_t errlen)
{
    *out = NULL;
    unrest_status st = unrest_params_validate(p, err, errlen);
    if (st != UNREST_OK) return st;
    unrest_model *m = calloc(1, sizeof *m);
    if (!m) return UNREST_ENOMEM;
    m->p = *p;
    m->seed = seed;
    m->vision0 = p->citizen_vision;
    deterrence_tables(m);
    if (shape_build(&m->cit_shape, p->hood, p->citizen_vision) ||
        shape_build(&m->cop_shape, p->hood, p->cop_vision)) {
        if (err) snprintf(err, errlen, "vision too large (at most %d)", SHAPE_MAX_R);
        unrest_model_destroy(m);
        return UNREST_ERANGE;
    }
    {
        uint32_t R = (uint32_t)(m->cit_shape.r > m->cop_shape.r ? m->cit_shape.r : m->cop_shape.r);
        /* parallel blocks: >= 2R + 512 columns, so that the regions two same-colour blocks touch
         * share no 64-byte cache line (no false sharing, let alone a shared word); >= 2R + 8
         * and >= 32 rows (a count reads whole 8-row groups of a bit plane); an even number per
         * axis so the wrap-around (and the halo copies of edge cells) keeps colours apart */
        uint32_t bw = 2 * R + 512, bh = 2 * R + 8 > 32 ? 2 * R + 8 : 32;
        m->nbx = p->width / bw >= 2 ? (p->width / bw) & ~1u : 1;
        m->nby = p->height / bh >= 2 ? (p->height / bh) & ~1u : 1;
        m->threads = 1;
        if (lattice_init(&m->L, p->width, p->height, R) || shape_link(&m->cit_shape, &m->L) ||
            shape_link(&m->cop_shape, &m->L))
            goto nomem;
    }
    uint32_t cells = p->width * p->height;

    /* pass 1, in cell order (Algorithm S needs it): the kind of agent on each cell, kept in
     * occ as -2 (citizen) or -3 (cop) until pass 2 numbers them */
    placer pl = {0, 0};
    if (p->init == UNREST_INIT_EXACT) {
        uint64_t nc = (uint64_t)llround(p->citizen_density * cells);
        uint64_t nk = (uint64_t)llround(p->cop_density * cells);
        if (nc + nk > cells) nk = cells - nc;
        pl.need = nc + nk;
        pl.cops_need = nk;
    }
    uint32_t ncit = 0, ncop = 0;
    for (uint32_t c = 0; c < cells; c++) {
        int k = place_kind(m, &pl, c, cells);
        ncit += k == 1;
        ncop += k == 2;
        if (k) m->L.occ[c] = -1 - k;
    }
    if ((uint64_t)ncit + ncop > OCC_AGENT) {
        if (err)
            snprintf(err, errlen, "%llu agents: at most %u fit one lattice",
                     (unsigned long long)ncit + ncop, OCC_AGENT);
        unrest_model_destroy(m);
        return UNREST_ERANGE;
    }
    if (grow(m, ncit + ncop ? ncit + ncop : 1)) goto nomem;
    m->n_cit = ncit;
    m->n_agents = ncit + ncop;
    m->n_cops = ncop;

    /* pass 2: number the agents block by block (the parallel update's blocks), citizens
     * first, so that the agents one thread works on lie together in memory */
    uint32_t ic = 0, ik = ncit;
    for (uint32_t by = 0; by < m->nby; by++)
        for (uint32_t bx = 0; bx < m->nbx; bx++) {
            uint32_t x0 = (uint32_t)((uint64_t)bx * p->width / m->nbx);
            uint32_t x1 = (uint32_t)((uint64_t)(bx + 1) * p->width / m->nbx);
            uint32_t y0 = (uint32_t)((uint64_t)by * p->height / m->nby);
            uint32_t y1 = (uint32_t)((uint64_t)(by + 1) * p->height / m->nby);
            for (uint32_t y = y0; y < y1; y++)
                for (uint32_t x = x0; x < x1; x++) {
                    int32_t k = m->L.occ[(size_t)y * p->width + x];
                    if (k > -2) continue;
                    uint32_t a = k == -2 ? ic++ : ik++;
                    m->ag[a].state = k == -2 ? ST_QUIET : ST_COP;
                    m->term[a] = 0;
                    m->ag[a].flags = 0;
                    occupy(m, a, pos_make(x, y));
                }
        }
    double sh = 0, sr = 0;
    uint32_t bloc = p->bloc > 1 ? p->bloc : 1; /* citizens placed one after another share */
    uint32_t *member = NULL; /* bloc_scatter: citizen a is member[a] of the numbering blocs cut */
    if (bloc > 1 && p->bloc_scatter && ncit > 1) {
        member = malloc((size_t)ncit * sizeof *member);
        if (!member) goto nomem;
        for (uint32_t a = 0; a < ncit; a++)
            member[a] = a;
        rng r;
        rng_init(&r, seed, RNG_BLOC, 0, 0);
        shuffle_list(member, ncit, &r);
    }
    for (uint32_t a = 0; a < ncit; a++) {
        rng r;
        rng_init(&r, seed, RNG_ATTR, 0, (member ? member[a] : a) / bloc);
        double u = rng_uniform(&r);
        if (p->hardship_sigma > 0) { /* log-normal with median 0.5 (Box-Muller, keyed draws) */
            double v = rng_uniform(&r);
            double z = sqrt(-2.0 * log(1.0 - u)) * cos(2.0 * M_PI * v);
            u = fmin(100.0, 0.5 * exp(p->hardship_sigma * z));
        } else if (p->hardship_tail > 0) { /* Pareto with median 0.5, as U(0,1) */
            u = fmin(100.0, 0.5 * pow((1.0 - u) * 2.0, -1.0 / p->hardship_tail));
        }
        m->ag[a].hard = (float)u;
        m->ag[a].risk = (float)rng_uniform(&r);
        sh += m->ag[a].hard;
        sr += m->ag[a].risk;
    }
    free(member);
    for (uint32_t a = ncit; a < m->n_agents; a++)
        m->ag[a].hard = m->ag[a].risk = 0;
    m->mean_h = ncit ? sh / ncit : 0;
    m->mean_r = ncit ? sr / ncit : 0;
    *out = m;
    return UNREST_OK;
nomem:
    if (err) snprintf(err, errlen, "out of memory building a %ux%u lattice", p->width, p->height);
    unrest_model_destroy(m);
    return UNREST_ENOMEM;
}

void unrest_model_destroy(unrest_model *m)
{
    if (!m) return;
    lattice_free(&m->L);
    shape_free(&m->cit_shape);
    shape_free(&m->cop_shape);
    free(m->ag);
    free(m->term);
    free(m->bufs);
    for (uint32_t c = 0; c < COUNTDOWN_CHUNKS; c++)
        free(m->cd_chunk[c].v);
    free(m->cd_rel.v);
    free(m->cd_later);
    free(m->cd_start);
    free(m->order);
    free(m->mirror);
    free(m);
}

/* ---- mirrors (model_mirror.h) ---- */

struct model_mirror {
    unrest_counts c;                     /* the owner's counts */
    size_t n;                            /* neighbourhoods below */
    uint32_t xyr[3 * MODEL_MIRROR_NEAR]; /* their centres and radii */
    uint32_t ac[2 * MODEL_MIRROR_NEAR];  /* actives and cops in each */
};

unrest_status model_mirror_create(unrest_model **out, const unrest_params *p, char *err,
                                  size_t errlen)
{
    *out = NULL;
    unrest_status st = unrest_params_validate(p, err, errlen);
    if (st != UNREST_OK) return st;
    if (p->init != UNREST_INIT_EXACT) {
        if (err) snprintf(err, errlen, "a mirror needs exact placement");
        return UNREST_EINVAL;
    }
    unrest_model *m = calloc(1, sizeof *m);
    if (!m || !(m->mirror = calloc(1, sizeof *m->mirror))) {
        free(m);
        return UNREST_ENOMEM;
    }
    m->p = *p;
    m->vision0 = p->citizen_vision;
    /* the counts unrest_model_create's exact placement gives before the first tick */
    double cells = (double)p->width * p->height;
    uint64_t nc = (uint64_t)llround(p->citizen_density * cells);
    uint64_t nk = (uint64_t)llround(p->cop_density * cells);
    if (nc + nk > (uint64_t)cells) nk = (uint64_t)cells - nc;
    m->mirror->c.citizens = (uint32_t)nc;
    m->mirror->c.quiet = (uint32_t)nc;
    m->mirror->c.cops = (uint32_t)nk;
    m->mirror->c.legitimacy = p->legitimacy;
    /* tension needs the agents' drawn hardship and risk aversion: unknown here, 0 until the
     * owner's first values (the world never reads it) */
    *out = m;
    return UNREST_OK;
}

int model_is_mirror(const unrest_model *m)
{
    return m && m->mirror;
}

void model_mirror_set(unrest_model *m, const unrest_counts *c, size_t n, const uint32_t *xyr,
                      const uint32_t *ac)
{
    if (!m->mirror) return;
    if (n > MODEL_MIRROR_NEAR) n = MODEL_MIRROR_NEAR;
    m->mirror->c = *c;
    m->mirror->n = n;
    memcpy(m->mirror->xyr, xyr, 3 * n * sizeof *xyr);
    memcpy(m->mirror->ac, ac, 2 * n * sizeof *ac);
    m->tick = (uint32_t)c->tick;
}

/* ---- observation and control ---- */

void unrest_model_counts(const unrest_model *m, unrest_counts *c)
{
    if (m->mirror) {
        *c = m->mirror->c;
        return;
    }
    memset(c, 0, sizeof *c);
    c->tick = m->tick;
    c->citizens = m->n_cit;
    c->active = m->n_active;
    c->jailed = m->n_jailed;
    c->quiet = m->n_cit - m->n_active - m->n_jailed;
    c->cops = m->n_cops;
    c->arrests = m->arrests;
    c->releases = m->releases;
    c->moves = m->moves;
    c->participants = m->n_ever;
    c->legitimacy = m->p.legitimacy;
    double gbar = grievance_factor(&m->p) * m->mean_h;
    double bbar = m->n_cit ? (double)c->quiet / m->n_cit : 0;
    c->tension = m->mean_r > 0 ? gbar * bbar / m->mean_r : 0;
}

const unrest_params *unrest_model_params(const unrest_model *m)
{
    return &m->p;
}

uint64_t unrest_model_seed(const unrest_model *m)
{
    return m->seed;
}

const char *unrest_model_error(const unrest_model *m)
{
    return m ? m->err : "no model";
}

unrest_status unrest_model_set_legitimacy(unrest_model *m, double legitimacy)
{
    if (!(legitimacy >= 0.0 && legitimacy <= 1.0)) {
        snprintf(m->err, sizeof m->err, "legitimacy must be in [0, 1], got %g", legitimacy);
        return UNREST_ERANGE;
    }
    m->p.legitimacy = legitimacy;
    return UNREST_OK;
}

unrest_status unrest_model_set_cops(unrest_model *m, uint32_t ncops)
{
    if (ncops == m->n_cops) return UNREST_OK;
    rng r;
    rng_init(&r, m->seed, RNG_COPS, m->tick + 1, 0);
    if (ncops < m->n_cops) {
        /* remove a uniformly random subset (partial Fisher-Yates over the cops on duty) */
        uint32_t *duty = malloc((size_t)m->n_cops * sizeof *duty), n = 0;
        if (!duty) {
            snprintf(m->err, sizeof m->err, "out of memory removing cops");
            return UNREST_ENOMEM;
        }
        for (uint32_t a = m->n_cit; a < m->n_agents; a++)
            if (m->ag[a].state == ST_COP) duty[n++] = a;
        uint32_t drop = m->n_cops - ncops;
        for (uint32_t i = 0; i < drop; i++) {
            uint32_t j = i + rng_below(&r, n - i);
            uint32_t c = duty[j];
            duty[j] = duty[i];
            duty[i] = c;
            vacate(m, m->ag[c].pos);
            m->ag[c].state = ST_COP_OFF;
        }
        free(duty);
        m->n_cops = ncops;
        return UNREST_OK;
    }
    uint32_t cells = m->L.w * m->L.h, free_cells = 0;
    for (uint32_t c = 0; c < cells; c++)
        free_cells += m->L.occ[c] < 0;
    if (ncops - m->n_cops > free_cells) {
        snprintf(m->err, sizeof m->err, "%u more cops do not fit: only %u empty cells",
                 ncops - m->n_cops, free_cells);
        return UNREST_ERANGE;
    }
    uint32_t slots = m->n_agents - m->n_cit; /* cop slots, on or off duty */
    if (ncops > slots && m->n_cit + ncops > m->cap) {
        if (grow(m, m->n_cit + ncops)) {
            snprintf(m->err, sizeof m->err, "out of memory adding cops");
            return UNREST_ENOMEM;
        }
    }
    for (uint32_t a = m->n_cit; a < m->n_cit + ncops && m->n_cops < ncops; a++) {
        if (a < m->n_agents && m->ag[a].state == ST_COP) continue;
        if (a >= m->n_agents) m->n_agents = a + 1;
        m->ag[a].state = ST_COP;
        m->term[a] = 0;
        m->ag[a].flags = 0; /* acts from the next tick on: occupy tags its cell with this one */
        m->ag[a].hard = m->ag[a].risk = 0;
        occupy(m, a, model_random_empty_cell(m, &r)); /* fits: checked above */
        m->n_cops++;
    }
    return UNREST_OK;
}

unrest_status unrest_model_set(unrest_model *m, const char *name, const char *value)
{
    const unrest_param_info *info = unrest_param_find(name);
    if (!info) {
        snprintf(m->err, sizeof m->err, "unknown parameter '%s'", name);
        return UNREST_EUNKNOWN;
    }
    if (!info->runtime) {
        snprintf(m->err, sizeof m->err, "parameter '%s' cannot change during a run", name);
        return UNREST_ESTATE;
    }
    unrest_params q = m->p;
    unrest_status st = unrest_params_set(&q, name, value, m->err, sizeof m->err);
    if (st == UNREST_OK) st = unrest_params_validate(&q, m->err, sizeof m->err);
    if (st != UNREST_OK) return st;
    if (strcmp(name, "cop_density") == 0) {
        double want = q.cop_density * (double)m->L.w * (double)m->L.h;
        st = unrest_model_set_cops(m, (uint32_t)llround(want));
        if (st != UNREST_OK) return st;
    }
    int deter = q.k != m->p.k || q.alpha != m->p.alpha || q.jail_max != m->p.jail_max;
    m->p = q;
    if (deter) deterrence_tables(m); /* they depend on k, alpha and J_max only */
    return UNREST_OK;
}

void unrest_model_snapshot(const unrest_model *m, uint8_t *out)
{
    uint32_t cells = m->L.w * m->L.h;
    memset(out, UNREST_CELL_EMPTY, cells);
    for (uint32_t a = 0; a < m->n_agents; a++) {
        uint8_t s = m->ag[a].state;
        if (s == ST_COP_OFF) continue;
        if (s == ST_JAILED && m->p.jail_place == UNREST_JAIL_REMOVED) continue;
        size_t c = pos_index(&m->L, m->ag[a].pos);
        if (s == ST_JAILED && m->L.occ[c] >= 0 && ((uint32_t)m->L.occ[c] & OCC_AGENT) != a)
            continue;
        out[c] = s == ST_QUIET    ? UNREST_CELL_QUIET
                 : s == ST_ACTIVE ? UNREST_CELL_ACTIVE
                 : s == ST_JAILED ? UNREST_CELL_JAILED
                                  : UNREST_CELL_COP;
    }
}

size_t unrest_model_bytes(const unrest_model *m)
{
    size_t per = sizeof *m->ag + sizeof *m->term;
    size_t shapes =
        (size_t)(m->cit_shape.size + m->cop_shape.size) * (2 * sizeof(int16_t) + sizeof(int32_t));
    size_t work = m->bufs_cap * sizeof *m->bufs + m->cd_rel.cap * (sizeof(uint32_t) + 1) +
                  (m->cd_start ? ((size_t)m->nbx * m->nby + 1) * sizeof(uint32_t) : 0);
    for (uint32_t c = 0; c < COUNTDOWN_CHUNKS; c++)
        work += m->cd_chunk[c].cap * sizeof(uint32_t);
    return sizeof *m + (size_t)m->cap * per + (size_t)m->order_cap * sizeof *m->order +
           lattice_bytes(&m->L) + shapes + work;
}

void unrest_model_blocks(const unrest_model *m, uint32_t *nbx, uint32_t *nby)
{
    *nbx = m->nbx;
    *nby = m->nby;
}

unrest_status unrest_model_set_vision(unrest_model *m, double v)
{
    if (!(v >= 0 && v <= m->vision0)) {
        snprintf(m->err, sizeof m->err, "citizen vision must be in [0, %g] (its value at creation)",
                 m->vision0);
        return UNREST_ERANGE;
    }
    if (v == m->p.citizen_vision) return UNREST_OK;
    shape s;
    if (shape_build(&s, m->p.hood, v) || shape_link(&s, &m->L)) {
        shape_free(&s);
        snprintf(m->err, sizeof m->err, "out of memory changing vision");
        return UNREST_ENOMEM;
    }
    shape_free(&m->cit_shape);
    m->cit_shape = s;
    m->p.citizen_vision = v;
    return UNREST_OK;
}

unrest_status unrest_model_set_focus(unrest_model *m, const uint32_t *xy, size_t n, double pull)
{
    if (n > UNREST_MAX_FOCUS || !(pull >= 0 && pull <= 1)) {
        snprintf(m->err, sizeof m->err, "at most %d focal points and pull in [0, 1]",
                 UNREST_MAX_FOCUS);
        return UNREST_ERANGE;
    }
    for (size_t i = 0; i < n; i++) {
        if (xy[2 * i] >= m->L.w || xy[2 * i + 1] >= m->L.h) {
            snprintf(m->err, sizeof m->err, "focal point (%u, %u) outside the %ux%u lattice",
                     xy[2 * i], xy[2 * i + 1], m->L.w, m->L.h);
            return UNREST_ERANGE;
        }
        m->focus[i] = pos_make(xy[2 * i], xy[2 * i + 1]);
    }
    m->nfocus = (uint32_t)n;
    m->pull = pull;
    if (n == 0) m->jump = 0;
    return UNREST_OK;
}

unrest_status unrest_model_set_gather(unrest_model *m, const uint32_t *r, size_t n, double jump)
{
    if (!(jump >= 0 && jump <= 1) || (jump > 0 && (n == 0 || n != m->nfocus))) {
        snprintf(m->err, sizeof m->err,
                 "gathering needs jump in [0, 1] and one radius for each "
                 "of the %u focal points",
                 m->nfocus);
        return UNREST_ERANGE;
    }
    if (jump > 0 && m->p.update == UNREST_UPDATE_PARALLEL) {
        snprintf(m->err, sizeof m->err,
                 "gathering moves citizens any distance: it needs "
                 "update=sequential");
        return UNREST_EINVAL;
    }
    for (size_t i = 0; i < n; i++)
        m->frad[i] = r[i];
    m->jump = jump;
    return UNREST_OK;
}

unrest_status unrest_model_set_gather_choice(unrest_model *m, const double *weight, size_t n,
                                             double decay)
{
    if (!weight) {
        m->choose = 0;
        return UNREST_OK;
    }
    if (n != m->nfocus || !(decay >= 0 && decay < 1e6)) {
        snprintf(m->err, sizeof m->err,
                 "gathering's choice needs one weight for each of the %u focal points and a "
                 "decay of at least 0",
                 m->nfocus);
        return UNREST_ERANGE;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(weight[i] >= 0 && weight[i] < 1e300)) {
            snprintf(m->err, sizeof m->err,
                     "focal point %zu: weight %g is not a finite number >= 0", i, weight[i]);
            return UNREST_ERANGE;
        }
        m->fw[i] = weight[i];
    }
    m->fdecay = decay;
    m->choose = 1;
    return UNREST_OK;
}

void unrest_model_count_near(const unrest_model *m, uint32_t x, uint32_t y, uint32_t r,
                             uint32_t *active, uint32_t *cops)
{
    if (m->mirror) { /* the owner's answer for the same neighbourhood (0 if never sent) */
        *active = *cops = 0;
        for (size_t j = 0; j < m->mirror->n; j++)
            if (m->mirror->xyr[3 * j] == x && m->mirror->xyr[3 * j + 1] == y &&
                m->mirror->xyr[3 * j + 2] == r) {
                *active = m->mirror->ac[2 * j];
                *cops = m->mirror->ac[2 * j + 1];
                return;
            }
        return;
    }
    uint32_t na = 0, nc = 0, w = m->L.w, h = m->L.h;
    uint32_t rx = 2 * r + 1 > w ? (w - 1) / 2 : r, ry = 2 * r + 1 > h ? (h - 1) / 2 : r;
    for (uint32_t j = 0; j <= 2 * ry; j++) {
        uint32_t yy = (y + h - ry % h + j) % h;
        for (uint32_t i = 0; i <= 2 * rx; i++) {
            uint32_t xx = (x + w - rx % w + i) % w;
            na += (uint32_t)bit_test(&m->L, m->L.act, xx, yy);
            nc += (uint32_t)bit_test(&m->L, m->L.cop, xx, yy);
        }
    }
    *active = na;
    *cops = nc;
}
