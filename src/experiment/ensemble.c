/*
 * ensemble.c - the ensemble runner (experiment.h). Worker threads take the next job index
 * from a shared counter, run a single-threaded world to its last tick and queue the result;
 * the calling thread drains the queue and hands each result to the callback. A run's result
 * depends only on its scenario and seed, so the rows are the same for any number of workers;
 * only their completion order differs. Bounds: memory is one world per worker plus queued
 * results (small unless the callback is slower than all workers together). The experiment layer
 * below writes results to the store in batches of up to 64 runs per transaction (runner.batch,
 * runner.batch_s; the single-process program keeps one run per transaction), and runs the jobs
 * either on these threads or through runner.dispatch (the MPI runner of the program).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "unrest/experiment.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Daily series of one run: per (day, site) the day's peak of actives and end-of-day totals. */
static int series_record(unrest_world *w, unrest_series_row **rows, size_t *n, size_t *cap)
{
    const unrest_scenario *sc = unrest_world_scenario(w);
    double tick_hours = sc->p.tick_hours > 0 ? sc->p.tick_hours : 1.0;
    int64_t t = unrest_world_tick(w); /* ticks completed; the tick just done is t - 1 */
    uint32_t day = (uint32_t)((double)(t - 1) * tick_hours / 24.0);
    size_t ns = unrest_world_site_count(w);
    /* rows of the current day are the last ns rows, if present */
    int fresh = *n < ns || (*rows)[*n - ns].day != day;
    if (fresh) {
        if (*n + ns > *cap) {
            size_t c = *cap ? 2 * *cap : 64 * (ns ? ns : 1);
            while (c < *n + ns)
                c *= 2;
            unrest_series_row *nr = realloc(*rows, c * sizeof *nr);
            if (!nr) return -1;
            *rows = nr;
            *cap = c;
        }
        *n += ns;
    }
    unrest_series_row *day_rows = *rows + (*n - ns);
    for (size_t i = 0; i < ns; i++) {
        unrest_site_state st;
        unrest_world_site(w, i, &st);
        unrest_series_row *r = &day_rows[i];
        if (fresh) {
            r->day = day;
            r->site = (uint32_t)i;
            r->active_peak = st.active;
        } else if (st.active > r->active_peak) {
            r->active_peak = st.active;
        }
        r->detained = st.detained_total;
        r->dead = st.dead_total;
        r->legitimacy = st.legitimacy;
    }
    return 0;
}

void unrest_run_job(const unrest_job *job, int series, size_t index, unrest_run_result *res)
{
    memset(res, 0, sizeof *res);
    res->job = index;
    res->r.error = res->error;
    unrest_world *w = NULL;
    size_t cap = 0;
    unrest_series_row *rows = NULL;
    unrest_scenario *own = NULL;
    const unrest_scenario *sc = job->sc;
    double t0 = now_s();
    if (job->key.factors && job->key.factors[0]) {
        own = malloc(sizeof *own);
        if (!own) {
            snprintf(res->error, sizeof res->error, "out of memory");
            goto fail;
        }
        memcpy(own, job->sc, sizeof *own);
        if (unrest_scenario_set_all(own, job->key.factors, res->error, sizeof res->error) !=
            UNREST_OK)
            goto fail;
        sc = own;
    }
    if (unrest_world_create(&w, sc, job->key.seed, res->error, sizeof res->error) != UNREST_OK) {
        if (!res->error[0]) snprintf(res->error, sizeof res->error, "world could not be built");
        goto fail;
    }
    unrest_world_set_threads(w, 1);
    size_t ns = unrest_world_site_count(w);
    int64_t ticks = unrest_world_ticks(w);
    while (unrest_world_tick(w) < ticks) {
        /* agents present during the tick, counted before it moves */
        uint64_t agents = 0;
        for (size_t i = 0; i < ns; i++) {
            unrest_site_state st;
            unrest_world_site(w, i, &st);
            agents += (uint64_t)st.agents + st.cop_agents;
        }
        if (unrest_world_step(w) != UNREST_OK) {
            snprintf(res->error, sizeof res->error, "tick %lld: %s",
                     (long long)unrest_world_tick(w) + 1, unrest_world_error(w));
            goto fail;
        }
        res->r.agent_updates += agents;
        if (series && series_record(w, &rows, &res->r.n_series, &cap)) {
            snprintf(res->error, sizeof res->error, "out of memory recording the series");
            goto fail;
        }
    }
    unrest_world_outcomes(w, &res->r.out);
    unrest_world_destroy(w);
    free(own);
    res->r.series = rows;
    res->r.elapsed_s = now_s() - t0;
    return;
fail:
    unrest_world_destroy(w);
    free(own);
    free(rows);
    res->r.failed = 1;
    res->r.n_series = 0;
    res->r.series = NULL;
    res->r.elapsed_s = now_s() - t0;
}

/* ---- the pool ----------------------------------------------------------------------------- */

typedef struct pool {
    const unrest_job *jobs;    /* borrowed */
    size_t n;                  /* jobs */
    int series;                /* record series */
    pthread_mutex_t mu;        /* guards everything below */
    pthread_cond_t cv;         /* a result was queued or a worker left */
    size_t next;               /* next job to hand out */
    int stop;                  /* the caller asked to stop */
    unsigned running;          /* workers still in their loop */
    unrest_run_result **queue; /* finished results (n slots; each job queued at most once) */
    size_t head, tail;         /* queue[head..tail) waits for the caller */
} pool;

static void *worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        if (p->stop || p->next >= p->n) {
            p->running--;
            pthread_cond_signal(&p->cv);
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        size_t j = p->next++;
        pthread_mutex_unlock(&p->mu);

        unrest_run_result *res = malloc(sizeof *res);
        if (res) {
            unrest_run_job(&p->jobs[j], p->series, j, res);
        }
        pthread_mutex_lock(&p->mu);
        if (!res)
            p->stop = 1; /* the caller reports the lost job as ENOMEM */
        else
            p->queue[p->tail++] = res;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
}

unrest_status unrest_runner_run(const unrest_runner *r, const unrest_job *jobs, size_t n,
                                unrest_runner_stats *stats, char *err, size_t errlen)
{
    unrest_runner_stats local;
    if (!stats) stats = &local;
    memset(stats, 0, sizeof *stats);
    if (err && errlen) err[0] = '\0';
    if (!r || !r->on_result || r->workers == 0) {
        if (err) snprintf(err, errlen, "runner: a callback and at least one worker are needed");
        return UNREST_EINVAL;
    }
    double t0 = now_s();
    if (n == 0) return UNREST_OK;
    unsigned nw = r->workers;
    if ((size_t)nw > n) nw = (unsigned)n;
    pool p = {.jobs = jobs, .n = n, .series = r->series, .running = 0};
    p.queue = calloc(n, sizeof *p.queue);
    pthread_t *th = calloc(nw, sizeof *th);
    if (!p.queue || !th) {
        free(p.queue);
        free(th);
        if (err) snprintf(err, errlen, "runner: out of memory");
        return UNREST_ENOMEM;
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    unrest_status st = UNREST_OK;
    unsigned started = 0;
    pthread_mutex_lock(&p.mu);
    for (; started < nw; started++) {
        if (pthread_create(&th[started], NULL, worker, &p) != 0) break;
        p.running++;
    }
    pthread_mutex_unlock(&p.mu);
    if (started == 0) {
        st = UNREST_ENOMEM;
        if (err) snprintf(err, errlen, "runner: could not start a worker thread");
        goto out;
    }
    size_t handled = 0;
    for (;;) {
        pthread_mutex_lock(&p.mu);
        while (p.head == p.tail && p.running > 0) {
            if (!r->on_idle) {
                pthread_cond_wait(&p.cv, &p.mu);
                continue;
            }
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += 100000000L; /* on_idle about every 0.1 s */
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            if (pthread_cond_timedwait(&p.cv, &p.mu, &until) == 0 || p.stop) continue;
            pthread_mutex_unlock(&p.mu);
            int irc = r->on_idle(r->user);
            pthread_mutex_lock(&p.mu);
            if (irc != 0 && !p.stop) {
                p.stop = 1;
                st = UNREST_ESTATE;
                if (err && !err[0]) snprintf(err, errlen, "stopped while waiting");
            }
        }
        if (p.head == p.tail) { /* every worker left and nothing is queued */
            pthread_mutex_unlock(&p.mu);
            break;
        }
        unrest_run_result *res = p.queue[p.head++];
        int stopping = p.stop;
        pthread_mutex_unlock(&p.mu);

        if (!stopping) {
            double c0 = now_s();
            int rc = r->on_result(r->user, &jobs[res->job], res);
            stats->callback_s += now_s() - c0;
            stats->done++;
            stats->compute_s += res->r.elapsed_s;
            if (res->r.failed)
                stats->failed++;
            else
                stats->agent_updates += res->r.agent_updates;
            if (rc != 0) {
                pthread_mutex_lock(&p.mu);
                p.stop = 1;
                pthread_mutex_unlock(&p.mu);
                st = UNREST_ESTATE;
                if (err && !err[0]) snprintf(err, errlen, "stopped by the result callback");
            }
            handled++;
            if (r->on_progress && rc == 0) {
                double el = now_s() - t0;
                double rate = el > 0 ? (double)handled / el : 0.0;
                double eta = rate > 0 ? (double)(n - handled) / rate : 0.0;
                r->on_progress(r->user, handled, n, rate, eta);
            }
        }
        free((void *)res->r.series);
        free(res);
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (st == UNREST_OK && handled < n) {
        st = UNREST_ENOMEM;
        if (err) snprintf(err, errlen, "runner: out of memory (%zu of %zu runs done)", handled, n);
    }
out:
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    free(p.queue);
    free(th);
    stats->wall_s = now_s() - t0;
    return st;
}

/* ---- experiments in a store ---------------------------------------------------------------- */

/* A result waiting for its batch's transaction: a copy that owns its series and site names. */
typedef struct pending {
    unrest_store_key key;  /* borrowed factors (the jobs outlive the batch) */
    unrest_store_result r; /* r.error points into error, r.series and r.site_names owned */
    char error[512];       /* the run's message */
} pending;

typedef struct exec_ctx {
    unrest_store *s;           /* where runs go */
    int64_t exp;               /* experiment id */
    const unrest_runner *user; /* the caller's callbacks */
    pending *batch;            /* results not yet committed */
    size_t nbatch, cap;        /* in batch, its capacity (runs per transaction) */
    double oldest;             /* when batch[0] was taken */
    int failed;                /* a store write failed */
} exec_ctx;

static void pending_clear(pending *p)
{
    free((void *)p->r.series);
    free((void *)p->r.site_names);
    memset(p, 0, sizeof *p);
}

/* Commit the waiting results in one transaction. */
static int exec_flush(exec_ctx *c)
{
    if (!c->nbatch) return 0;
    unrest_store_key keys[64];
    unrest_store_result res[64];
    int rc = 0;
    for (size_t i = 0; i < c->nbatch; i++) {
        keys[i] = c->batch[i].key;
        res[i] = c->batch[i].r;
        res[i].error = c->batch[i].error;
    }
    if (unrest_store_put_many(c->s, c->exp, keys, res, c->nbatch) != UNREST_OK) {
        c->failed = 1;
        rc = 1;
    }
    for (size_t i = 0; i < c->nbatch; i++)
        pending_clear(&c->batch[i]);
    c->nbatch = 0;
    return rc;
}

static int exec_result(void *arg, const unrest_job *job, const unrest_run_result *res)
{
    exec_ctx *c = arg;
    const unrest_scenario *sc = job->sc;
    pending *p = &c->batch[c->nbatch];
    memset(p, 0, sizeof *p);
    p->key = job->key;
    p->r = res->r;
    snprintf(p->error, sizeof p->error, "%s", res->error);
    p->r.error = p->error;
    p->r.series = NULL;
    p->r.site_names = NULL;
    if (res->r.n_series) {
        unrest_series_row *rows = malloc(res->r.n_series * sizeof *rows);
        const char **names = malloc((sc->n_sites ? sc->n_sites : 1) * sizeof *names);
        if (!rows || !names) {
            free(rows);
            free(names);
            c->failed = 1;
            return 1;
        }
        memcpy(rows, res->r.series, res->r.n_series * sizeof *rows);
        for (size_t i = 0; i < sc->n_sites; i++)
            names[i] = sc->site[i].name;
        p->r.series = rows;
        p->r.site_names = names;
    }
    if (c->nbatch++ == 0) c->oldest = now_s();
    if (c->nbatch >= c->cap || (c->user->batch_s > 0 && now_s() - c->oldest >= c->user->batch_s))
        if (exec_flush(c)) return 1;
    if (c->user->on_result) return c->user->on_result(c->user->user, job, res);
    return 0;
}

static int exec_idle(void *arg)
{
    exec_ctx *c = arg;
    if (c->nbatch && c->user->batch_s > 0 && now_s() - c->oldest >= c->user->batch_s)
        if (exec_flush(c)) return 1;
    if (c->user->on_idle) return c->user->on_idle(c->user->user);
    return 0;
}

static void exec_progress(void *arg, size_t done, size_t total, double rate, double eta)
{
    exec_ctx *c = arg;
    if (c->user->on_progress) c->user->on_progress(c->user->user, done, total, rate, eta);
}

unrest_status unrest_experiment_execute(unrest_store *s, int64_t exp, const unrest_job *jobs,
                                        size_t n, const unrest_runner *r, size_t *skipped,
                                        unrest_runner_stats *stats, char *err, size_t errlen)
{
    unrest_status st;
    unrest_store_key *keys = malloc((n ? n : 1) * sizeof *keys);
    unsigned char *done = malloc(n ? n : 1);
    unrest_job *todo = malloc((n ? n : 1) * sizeof *todo);
    exec_ctx c = {.s = s, .exp = exp, .user = r};
    c.cap = r->batch > 1 ? (r->batch < 64 ? r->batch : 64) : 1;
    c.batch = calloc(c.cap, sizeof *c.batch);
    *skipped = 0;
    if (stats) memset(stats, 0, sizeof *stats);
    if (!keys || !done || !todo || !c.batch) {
        if (err) snprintf(err, errlen, "out of memory");
        st = UNREST_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        keys[i] = jobs[i].key;
    if ((st = unrest_store_plan(s, exp, keys, n)) != UNREST_OK ||
        (st = unrest_store_finished(s, exp, keys, n, done)) != UNREST_OK) {
        if (err) snprintf(err, errlen, "%s", unrest_store_error(s));
        goto out;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            ++*skipped;
        else
            todo[m++] = jobs[i];
    }
    unrest_runner rr = *r;
    rr.on_result = exec_result;
    rr.on_progress = exec_progress;
    rr.on_idle = exec_idle;
    rr.user = &c;
    if (r->dispatch)
        st = r->dispatch(r->dispatch_ctx, &rr, todo, m, stats, err, errlen);
    else
        st = unrest_runner_run(&rr, todo, m, stats, err, errlen);
    if (!c.failed) exec_flush(&c); /* what is left, also after a stop */
    if (c.failed) {
        st = UNREST_EIO;
        if (err) snprintf(err, errlen, "%s", unrest_store_error(s));
    }
out:
    if (c.batch)
        for (size_t i = 0; i < c.nbatch; i++)
            pending_clear(&c.batch[i]);
    free(c.batch);
    free(keys);
    free(done);
    free(todo);
    return st;
}
