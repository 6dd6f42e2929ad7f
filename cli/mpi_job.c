/*
 * mpi_job.c - the unrest program under mpirun or srun (mpi_job.h). Rank 0, the master, runs the
 * command and is the only process that opens the results database; the other ranks, the workers,
 * never parse the command: they take scenarios and runs from rank 0, run each on one thread with
 * unrest_run_job and send the result back, which also asks for the next run. Nothing waits by
 * spinning: both sides probe (MPI_Improbe) and sleep with a growing backoff (20 us .. 4 ms on
 * the master, .. 2 ms on a worker), so a waiting process uses no core; each worker holds two
 * runs, so that it never waits for the master to wake. The messages are the library's plain
 * structs as bytes: every rank runs the same executable (a homogeneous job). Built without MPI
 * (no UNREST_MPI) every function is the single-process answer.
 */
#define _POSIX_C_SOURCE 200809L
#include "mpi_job.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#ifdef UNREST_MPI
#include <mpi.h>

/* Message tags. Worker -> master: READY once at start, RESULT after each run (the next
 * request). Master -> worker: TABLE (the scenarios of a dispatch), JOB, STOP, WORLD (take part
 * in a national run: world_head and the scenario), CALTABLE and CALJOB (calibrate's runs; the
 * reply is again RESULT). */
enum {
    TAG_READY = 1,
    TAG_RESULT,
    TAG_TABLE,
    TAG_JOB,
    TAG_STOP,
    TAG_WORLD,
    TAG_CALTABLE,
    TAG_CALJOB
};

/* The program's MPI state (the program's, not the library's: one per process). */
static struct {
    int on;                 /* MPI was initialised */
    int size, rank;         /* of MPI_COMM_WORLD */
    unsigned char *ready;   /* master: worker w has said READY (size entries) */
    unsigned *inflight;     /* master: runs handed to worker w and not yet answered */
    uint64_t *table_of;     /* master: which dispatch's scenario table worker w holds */
    uint64_t phase;         /* master: dispatches so far */
    double busy_s, slept_s; /* master: the last dispatch's awake and sleeping time */
    double cpu_s;           /* master: CPU time (user + system) the last dispatch used */
    size_t runs;            /* master: runs of the last dispatch */
    int64_t ticks_left;     /* master: exchanges a national run still owes the workers */
} G = {.size = 1};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Sleeps while waiting (ns): from NAP_MIN doubling to the cap; a message resets it. With two
 * runs queued per worker the master's wake-up delay costs the workers nothing, so it may sleep
 * long; a worker waits only between dispatches. */
#define NAP_MIN 20000L
#define MASTER_NAP_MAX 4000000L
#define WORKER_NAP_MAX 2000000L

/* CPU time this process has used (user + system). */
static double cpu_now(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + 1e-6 * (double)u.ru_utime.tv_usec +
           (double)u.ru_stime.tv_sec + 1e-6 * (double)u.ru_stime.tv_usec;
}

static void nap(long ns)
{
    struct timespec t = {0, ns};
    nanosleep(&t, NULL);
}

cli_mpi_role cli_mpi_start(int *argc, char ***argv)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"};
    int launched = 0;
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i])) launched = 1;
    if (!launched) return CLI_MPI_NONE;
    int provided;
    /* the main thread alone calls MPI; OpenMP threads of a world never do */
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return CLI_MPI_NONE;
    G.on = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &G.size);
    MPI_Comm_rank(MPI_COMM_WORLD, &G.rank);
    if (G.rank == 0) {
        G.ready = calloc((size_t)G.size, 1);
        G.inflight = calloc((size_t)G.size, sizeof *G.inflight);
        G.table_of = calloc((size_t)G.size, sizeof *G.table_of);
        if (!G.ready || !G.inflight || !G.table_of) MPI_Abort(MPI_COMM_WORLD, 1);
    }
    return G.rank == 0 ? CLI_MPI_MASTER : CLI_MPI_WORKER;
}

int cli_mpi_size(void)
{
    return G.size;
}

int cli_mpi_rank(void)
{
    return G.rank;
}

int cli_mpi_launched(void)
{
    return G.on;
}

/* Messages sent and not yet known to be delivered: MPI_Isend, never MPI_Send, because a
 * blocking send over shared memory can wait until the receiver next enters MPI (a worker in
 * the middle of a run, or the master asleep): that is milliseconds a run. Each buffer is freed
 * once its request completes. */
static struct {
    MPI_Request *req;  /* pending sends */
    unsigned char **b; /* their buffers (owned) */
    size_t n, cap;     /* in use, allocated */
} O;

/* Free the buffers of the sends that have completed. */
static void outbox_reap(void)
{
    size_t k = 0;
    for (size_t i = 0; i < O.n; i++) {
        int done = 0;
        MPI_Test(&O.req[i], &done, MPI_STATUS_IGNORE);
        if (done) {
            free(O.b[i]);
        } else {
            O.req[k] = O.req[i];
            O.b[k++] = O.b[i];
        }
    }
    O.n = k;
}

/* Send b (len bytes, malloc'd; this takes it) to dest without waiting. 0, or -1 (b freed). */
static int post(unsigned char *b, size_t len, int dest, int tag)
{
    outbox_reap();
    if (O.n == O.cap) {
        size_t c = O.cap ? 2 * O.cap : 16;
        MPI_Request *r = realloc(O.req, c * sizeof *r);
        if (r) O.req = r;
        unsigned char **nb = r ? realloc(O.b, c * sizeof *nb) : NULL;
        if (!nb) {
            free(b);
            return -1;
        }
        O.b = nb;
        O.cap = c;
    }
    MPI_Isend(b, (int)len, MPI_BYTE, dest, tag, MPI_COMM_WORLD, &O.req[O.n]);
    O.b[O.n++] = b;
    return 0;
}

/* Wait, without spinning, until every posted send has completed. */
static void outbox_drain(void)
{
    long backoff = NAP_MIN;
    for (outbox_reap(); O.n; outbox_reap()) {
        nap(backoff);
        if (backoff < WORKER_NAP_MAX) backoff *= 2;
    }
    free(O.req);
    free(O.b);
    O.req = NULL;
    O.b = NULL;
    O.cap = 0;
}

/* Wait for a message matching (src, tag) without spinning; *buf gets it (malloc'd). */
static int recv_any(int src, int tag, long max_nap, unsigned char **buf, int *len,
                    MPI_Status *status)
{
    long backoff = NAP_MIN;
    for (;;) {
        int flag = 0;
        MPI_Message msg;
        MPI_Improbe(src, tag, MPI_COMM_WORLD, &flag, &msg, status);
        if (flag) {
            MPI_Get_count(status, MPI_BYTE, len);
            *buf = malloc(*len > 0 ? (size_t)*len : 1);
            if (!*buf) return -1;
            MPI_Mrecv(*buf, *len, MPI_BYTE, &msg, status);
            return 0;
        }
        nap(backoff);
        if (backoff < max_nap) backoff *= 2;
    }
}

/* ---- one national run across the ranks ------------------------------------------------------ */

/* WORLD: header then the scenario. */
typedef struct world_head {
    uint64_t seed;    /* run seed */
    uint64_t threads; /* threads per rank for its own sites */
} world_head;

/* The exchange of a partitioned world: which rank owns which site. */
typedef struct part {
    unsigned owner[UNREST_SC_MAX_SITES]; /* rank of each site */
    int *counts, *displs;                /* per rank: bytes it contributes, where they go */
    unsigned char *mine, *all;           /* this rank's records, every rank's (rank order) */
    size_t rec;                          /* record size the layout was made for (0: none yet) */
} part;

/* Every rank gathers every rank's records (each rank's sites in site order, ranks in order),
 * then puts each where its site is: all ranks then hold the same per-site values, and the
 * world sums them in site order, so no sum depends on the rank count (an MPI_Allreduce of the
 * national totals would change their last bits with it). */
static unrest_status part_exchange(void *user, void *records, size_t rec, size_t n)
{
    part *pt = user;
    unsigned char *r = records;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (pt->owner[i] == (unsigned)G.rank) memcpy(pt->mine + rec * k++, r + rec * i, rec);
    /* non-blocking, tested: spin for about 50 us (a dedicated node answers in that time), then
     * sleep with backoff, so that a rank waiting for a slower one gives its core away */
    MPI_Request req;
    if (MPI_Iallgatherv(pt->mine, (int)(rec * k), MPI_BYTE, pt->all, pt->counts, pt->displs,
                        MPI_BYTE, MPI_COMM_WORLD, &req) != MPI_SUCCESS)
        return UNREST_EIO;
    int done = 0;
    double t0 = now_s();
    long backoff = NAP_MIN;
    for (MPI_Test(&req, &done, MPI_STATUS_IGNORE); !done;
         MPI_Test(&req, &done, MPI_STATUS_IGNORE)) {
        if (now_s() - t0 < 50e-6) continue;
        nap(backoff);
        if (backoff < WORKER_NAP_MAX) backoff *= 2;
    }
    size_t *at = calloc((size_t)G.size, sizeof *at);
    if (!at) return UNREST_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        unsigned o = pt->owner[i];
        memcpy(r + rec * i, pt->all + (size_t)pt->displs[o] + rec * at[o]++, rec);
    }
    free(at);
    if (G.rank == 0) G.ticks_left--;
    return UNREST_OK;
}

static part *part_make(const unrest_scenario *sc)
{
    part *pt = calloc(1, sizeof *pt);
    if (!pt) return NULL;
    pt->counts = calloc((size_t)G.size, sizeof *pt->counts);
    pt->displs = calloc((size_t)G.size, sizeof *pt->displs);
    if (!pt->counts || !pt->displs) {
        free(pt->counts);
        free(pt->displs);
        free(pt);
        return NULL;
    }
    unrest_world_partition(sc, (unsigned)G.size, pt->owner);
    return pt;
}

static void part_free(part *pt)
{
    if (!pt) return;
    free(pt->counts);
    free(pt->displs);
    free(pt->mine);
    free(pt->all);
    free(pt);
}

/* The exchange the world calls; the record size is the world's (site_obs in world.c). */
static unrest_status part_exchange_sized(void *user, void *records, size_t rec, size_t n)
{
    part *pt = user;
    if (pt->rec != rec) { /* the first tick: the world's record size fixes the layout */
        int off = 0;
        for (int r = 0; r < G.size; r++) {
            size_t c = 0;
            for (size_t i = 0; i < n; i++)
                c += pt->owner[i] == (unsigned)r;
            pt->counts[r] = (int)(c * rec);
            pt->displs[r] = off;
            off += pt->counts[r];
        }
        free(pt->mine);
        free(pt->all);
        pt->mine = malloc(rec * (n + 1));
        pt->all = malloc(rec * (n + 1));
        if (!pt->mine || !pt->all) return UNREST_ENOMEM;
        pt->rec = rec;
    }
    return part_exchange(user, records, rec, n);
}

static unrest_status part_world(unrest_world **w, const unrest_scenario *sc, uint64_t seed,
                                part *pt, char *err, size_t errlen)
{
    unsigned char own[UNREST_SC_MAX_SITES];
    for (size_t i = 0; i < sc->n_sites; i++)
        own[i] = pt->owner[i] == (unsigned)G.rank;
    return unrest_world_create_part(w, sc, seed, own, part_exchange_sized, pt, err, errlen);
}

/* A worker's share of a national run: its sites, to the last tick. */
static void worker_world(const unsigned char *buf)
{
    world_head h;
    memcpy(&h, buf, sizeof h);
    unrest_scenario *sc = malloc(sizeof *sc);
    if (!sc) MPI_Abort(MPI_COMM_WORLD, 1);
    memcpy(sc, buf + sizeof h, sizeof *sc);
    part *pt = part_make(sc);
    unrest_world *w = NULL;
    char err[512];
    if (!pt || part_world(&w, sc, h.seed, pt, err, sizeof err) != UNREST_OK)
        MPI_Abort(MPI_COMM_WORLD, 1);
    unrest_world_set_threads(w, (unsigned)h.threads);
    while (unrest_world_tick(w) < unrest_world_ticks(w))
        if (unrest_world_step(w) != UNREST_OK) MPI_Abort(MPI_COMM_WORLD, 1);
    unrest_world_destroy(w);
    part_free(pt);
    free(sc);
}

static part *G_part; /* the master's national run's partition (freed by cli_mpi_finish) */

unrest_status cli_world_create(unrest_world **w, const unrest_scenario *sc, uint64_t seed,
                               unsigned threads, int quiet, char *err, size_t errlen)
{
    if (!G.on || G.size < 2 || G.rank != 0) return unrest_world_create(w, sc, seed, err, errlen);
    *w = NULL;
    unrest_status st = unrest_scenario_validate(sc, err, errlen);
    if (st != UNREST_OK) return st;
    if (G_part) {
        if (err) snprintf(err, errlen, "one national run per MPI job");
        return UNREST_ESTATE;
    }
    if (!(G_part = part_make(sc))) return UNREST_ENOMEM;
    if (!quiet) {
        fprintf(stderr, "unrest run: one run across %d MPI ranks; cities per rank:", G.size);
        for (int r = 0; r < G.size; r++) {
            size_t c = 0;
            for (size_t i = 0; i < sc->n_sites; i++)
                c += G_part->owner[i] == (unsigned)r;
            fprintf(stderr, " %zu", c);
        }
        fprintf(stderr, "\n");
    }
    size_t len = sizeof(world_head) + sizeof *sc;
    unsigned char *b = malloc(len);
    if (!b) return UNREST_ENOMEM;
    world_head h = {.seed = seed, .threads = threads};
    memcpy(b, &h, sizeof h);
    memcpy(b + sizeof h, sc, sizeof *sc);
    for (int r = 1; r < G.size; r++)
        MPI_Send(b, (int)len, MPI_BYTE, r, TAG_WORLD, MPI_COMM_WORLD);
    free(b);
    /* from here the workers step with this rank: a failure must end the job (cli_mpi_finish) */
    G.ticks_left = (int64_t)floor((double)sc->p.days * 24.0 / sc->p.tick_hours + 1e-9);
    st = part_world(w, sc, seed, G_part, err, errlen);
    if (st != UNREST_OK) G.ticks_left = G.ticks_left > 0 ? G.ticks_left : 1;
    return st;
}

/* ---- the worker ----------------------------------------------------------------------------- */

/* TABLE: header then nscen scenarios as bytes. */
typedef struct table_head {
    uint64_t phase, nscen; /* dispatch, scenarios */
    int64_t series;        /* record series */
} table_head;

/* JOB: header then the factors text (NUL-terminated). */
typedef struct job_head {
    uint64_t job, scen;   /* index in the dispatch's job list, scenario in its table */
    unrest_store_key key; /* key.factors is not sent (it follows) */
} job_head;

/* CALTABLE: header, the scenario, k parameters, m targets. CALJOB: cal_job_head, k values.
 * The reply: cal_reply_head, m outputs. */
typedef struct cal_table_head {
    uint64_t phase, k, m; /* dispatch, parameters, targets */
} cal_table_head;

typedef struct cal_job_head {
    uint64_t i, seed; /* run in the batch, its seed */
} cal_job_head;

typedef struct cal_reply_head {
    uint64_t i;       /* run in the batch */
    int64_t failed;   /* 1: error says why */
    double elapsed_s; /* wall time */
    char error[256];  /* why it failed */
} cal_reply_head;

int cli_mpi_worker(void)
{
    unrest_scenario *tab = NULL;
    int series = 0;
    size_t ntab = 0;
    unsigned char *cal = NULL; /* calibrate's scenario, parameters and targets */
    size_t cal_k = 0, cal_m = 0;
    MPI_Send(NULL, 0, MPI_BYTE, 0, TAG_READY, MPI_COMM_WORLD);
    for (;;) {
        unsigned char *buf;
        int len;
        MPI_Status stt;
        if (recv_any(0, MPI_ANY_TAG, WORKER_NAP_MAX, &buf, &len, &stt))
            MPI_Abort(MPI_COMM_WORLD, 1);
        if (stt.MPI_TAG == TAG_STOP) {
            free(buf);
            break;
        }
        if (stt.MPI_TAG == TAG_TABLE) {
            table_head h;
            memcpy(&h, buf, sizeof h);
            free(tab);
            ntab = (size_t)h.nscen;
            series = (int)h.series;
            tab = malloc((ntab ? ntab : 1) * sizeof *tab);
            if (!tab) MPI_Abort(MPI_COMM_WORLD, 1);
            memcpy(tab, buf + sizeof h, ntab * sizeof *tab);
            free(buf);
            continue;
        }
        if (stt.MPI_TAG == TAG_WORLD) {
            worker_world(buf);
            free(buf);
            continue;
        }
        if (stt.MPI_TAG == TAG_CALTABLE) {
            cal_table_head h;
            memcpy(&h, buf, sizeof h);
            free(cal);
            cal_k = (size_t)h.k;
            cal_m = (size_t)h.m;
            size_t tl = sizeof(unrest_scenario) + cal_k * sizeof(unrest_cal_param) +
                        cal_m * sizeof(unrest_cal_target);
            if (!(cal = malloc(tl))) MPI_Abort(MPI_COMM_WORLD, 1);
            memcpy(cal, buf + sizeof h, tl);
            free(buf);
            continue;
        }
        if (stt.MPI_TAG == TAG_CALJOB) {
            cal_job_head h;
            memcpy(&h, buf, sizeof h);
            const unrest_scenario *csc = (const unrest_scenario *)(void *)cal;
            const unrest_cal_param *cp =
                (const unrest_cal_param *)(void *)(cal + sizeof(unrest_scenario));
            const unrest_cal_target *ct =
                (const unrest_cal_target *)(void *)(cal + sizeof(unrest_scenario) +
                                                    cal_k * sizeof(unrest_cal_param));
            double theta[64];
            memcpy(theta, buf + sizeof h, (cal_k < 64 ? cal_k : 64) * sizeof(double));
            free(buf);
            size_t rl = sizeof(cal_reply_head) + cal_m * sizeof(double);
            unsigned char *out = calloc(1, rl);
            if (!out) MPI_Abort(MPI_COMM_WORLD, 1);
            cal_reply_head r = {.i = h.i};
            double t0 = now_s();
            unrest_status st = unrest_calibrate_simulate(csc, cp, cal_k, ct, cal_m, theta, h.seed,
                                                         (double *)(void *)(out + sizeof r),
                                                         r.error, sizeof r.error);
            r.failed = st != UNREST_OK;
            if (r.failed && !r.error[0])
                snprintf(r.error, sizeof r.error, "%s", unrest_status_str(st));
            r.elapsed_s = now_s() - t0;
            memcpy(out, &r, sizeof r);
            if (post(out, rl, 0, TAG_RESULT)) MPI_Abort(MPI_COMM_WORLD, 1);
            continue;
        }
        /* TAG_JOB */
        job_head h;
        memcpy(&h, buf, sizeof h);
        unrest_job job = {.sc = &tab[h.scen], .key = h.key};
        job.key.factors = (const char *)buf + sizeof h;
        unrest_run_result res;
        unrest_run_job(&job, series, (size_t)h.job, &res);
        free(buf);
        size_t rows = res.r.n_series * sizeof *res.r.series;
        unsigned char *out = malloc(sizeof res + rows);
        if (!out) MPI_Abort(MPI_COMM_WORLD, 1);
        memcpy(out, &res, sizeof res);
        if (rows) memcpy(out + sizeof res, res.r.series, rows);
        free((void *)res.r.series);
        if (post(out, sizeof res + rows, 0, TAG_RESULT)) MPI_Abort(MPI_COMM_WORLD, 1);
    }
    outbox_drain();
    free(tab);
    free(cal);
    return EXIT_SUCCESS;
}

/* ---- the master ----------------------------------------------------------------------------- */

typedef struct dispatch {
    const unrest_job *jobs;    /* borrowed */
    size_t n;                  /* jobs */
    const unrest_scenario **u; /* the distinct scenarios (table order) */
    size_t nu;                 /* in u */
    uint32_t *scen;            /* table index of each job's scenario */
    int series;                /* record series */
} dispatch;

static int send_table(const dispatch *d, int w)
{
    table_head h = {.phase = G.phase, .nscen = d->nu, .series = d->series};
    size_t len = sizeof h + d->nu * sizeof(unrest_scenario);
    unsigned char *b = malloc(len);
    if (!b) return -1;
    memcpy(b, &h, sizeof h);
    for (size_t i = 0; i < d->nu; i++)
        memcpy(b + sizeof h + i * sizeof(unrest_scenario), d->u[i], sizeof(unrest_scenario));
    if (post(b, len, w, TAG_TABLE)) return -1;
    G.table_of[w] = G.phase;
    return 0;
}

static int send_job(const dispatch *d, size_t j, int w)
{
    if (G.table_of[w] != G.phase && send_table(d, w)) return -1;
    const char *f = d->jobs[j].key.factors ? d->jobs[j].key.factors : "";
    job_head h = {.job = j, .scen = d->scen[j], .key = d->jobs[j].key};
    h.key.factors = NULL;
    size_t fl = strlen(f) + 1, len = sizeof h + fl;
    unsigned char *b = malloc(len);
    if (!b) return -1;
    memcpy(b, &h, sizeof h);
    memcpy(b + sizeof h, f, fl);
    if (post(b, len, w, TAG_JOB)) return -1;
    G.inflight[w]++;
    return 0;
}

/* The master's loop, whatever the runs are: hand runs 0..n) out as workers ask, two per worker
 * at a time (workers that said READY and hold none get theirs first), take each reply with
 * take(), and sleep while nothing comes in. take or idle returning non-zero stops handing
 * out; the runs out are still taken (and dropped by take). */
typedef struct mloop {
    size_t n;                                          /* runs */
    int (*send)(void *ctx, size_t j, int w);           /* hand run j to worker w (0: sent) */
    int (*take)(void *ctx, unsigned char *b, int len); /* a reply; non-zero: stop */
    int (*idle)(void *ctx); /* about every 0.1 s while waiting, or NULL */
    void *ctx;              /* passed to all three */
} mloop;

static unrest_status master_loop(const mloop *L, double *slept, size_t *sent)
{
    unrest_status st = UNREST_OK;
    size_t next = 0, out = 0;
    int stop = 0;
    double last_idle = now_s();
    *slept = 0;
    /* each worker holds up to DEPTH runs: the next one waits in its queue while it runs one, so
     * it never waits for this process to wake up */
    enum { DEPTH = 2 };
    for (int w = 1; w < G.size; w++)
        while (G.ready[w] && G.inflight[w] < DEPTH && next < L->n) {
            if (L->send(L->ctx, next, w)) goto oom;
            next++;
            out++;
        }
    long backoff = NAP_MIN;
    while (out > 0 || (!stop && next < L->n)) {
        int flag = 0;
        MPI_Message msg;
        MPI_Status s;
        MPI_Improbe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &msg, &s);
        if (O.n) outbox_reap();
        if (!flag) {
            double a = now_s();
            if (L->idle && a - last_idle >= 0.1) {
                last_idle = a;
                if (L->idle(L->ctx) != 0 && !stop) {
                    stop = 1;
                    st = UNREST_ESTATE;
                }
            }
            nap(backoff);
            if (backoff < MASTER_NAP_MAX) backoff *= 2;
            *slept += now_s() - a;
            continue;
        }
        backoff = NAP_MIN;
        int len, w = s.MPI_SOURCE;
        MPI_Get_count(&s, MPI_BYTE, &len);
        unsigned char *buf = malloc(len > 0 ? (size_t)len : 1);
        if (!buf) goto oom;
        MPI_Mrecv(buf, len, MPI_BYTE, &msg, &s);
        if (s.MPI_TAG == TAG_READY) {
            G.ready[w] = 1;
        } else { /* a reply to a run */
            out--;
            G.inflight[w]--;
            if (L->take(L->ctx, buf, len) != 0 && !stop) {
                stop = 1;
                st = UNREST_ESTATE;
            }
        }
        free(buf);
        while (!stop && G.inflight[w] < DEPTH && next < L->n) {
            if (L->send(L->ctx, next, w)) goto oom;
            next++;
            out++;
        }
    }
    *sent = next;
    return st;
oom: /* the runs out are lost; cli_mpi_finish stops the workers */
    *sent = next;
    return UNREST_ENOMEM;
}

/* The experiment runner's dispatch: its state while a batch runs. */
typedef struct exp_loop {
    dispatch d;                 /* the jobs and their scenario table */
    const unrest_runner *r;     /* callbacks */
    unrest_runner_stats *stats; /* filled in */
    size_t handled;             /* results given to on_result */
    double t0;                  /* start */
    int stopped;                /* on_result asked to stop */
} exp_loop;

static int exp_send(void *ctx, size_t j, int w)
{
    return send_job(&((exp_loop *)ctx)->d, j, w);
}

static int exp_idle(void *ctx)
{
    exp_loop *x = ctx;
    return x->r->on_idle ? x->r->on_idle(x->r->user) : 0;
}

static int exp_take(void *ctx, unsigned char *buf, int len)
{
    exp_loop *x = ctx;
    unrest_run_result *res = (unrest_run_result *)(void *)buf;
    if (x->stopped || (size_t)len < sizeof *res) return x->stopped;
    res->r.error = res->error;
    res->r.series = res->r.n_series ? (const unrest_series_row *)(buf + sizeof *res) : NULL;
    double c0 = now_s();
    int rc = x->r->on_result(x->r->user, &x->d.jobs[res->job], res);
    x->stats->callback_s += now_s() - c0;
    x->stats->done++;
    x->stats->compute_s += res->r.elapsed_s;
    if (res->r.failed)
        x->stats->failed++;
    else
        x->stats->agent_updates += res->r.agent_updates;
    x->handled++;
    if (rc != 0) {
        x->stopped = 1;
        return 1;
    }
    if (x->r->on_progress) {
        double el = now_s() - x->t0;
        double rate = el > 0 ? (double)x->handled / el : 0.0;
        x->r->on_progress(x->r->user, x->handled, x->d.n, rate,
                          rate > 0 ? (double)(x->d.n - x->handled) / rate : 0.0);
    }
    return 0;
}

unrest_status cli_mpi_dispatch(void *ctx, const unrest_runner *r, const unrest_job *jobs, size_t n,
                               unrest_runner_stats *stats, char *err, size_t errlen)
{
    (void)ctx;
    unrest_runner_stats local;
    if (!stats) stats = &local;
    memset(stats, 0, sizeof *stats);
    if (err && errlen) err[0] = '\0';
    double t0 = now_s(), cpu0 = cpu_now(), slept = 0;
    G.busy_s = G.slept_s = G.cpu_s = 0;
    G.runs = 0;
    if (!G.on || G.rank != 0 || G.size < 2 || !r || !r->on_result) {
        if (err) snprintf(err, errlen, "MPI dispatch: needs the master of a job of 2+ ranks");
        return UNREST_EINVAL;
    }
    if (n == 0) return UNREST_OK;
    exp_loop x = {
        .d = {.jobs = jobs, .n = n, .series = r->series}, .r = r, .stats = stats, .t0 = t0};
    dispatch *d = &x.d;
    d->u = malloc(n * sizeof *d->u);
    d->scen = malloc(n * sizeof *d->scen);
    if (!d->u || !d->scen) {
        free(d->u);
        free(d->scen);
        if (err) snprintf(err, errlen, "MPI dispatch: out of memory");
        return UNREST_ENOMEM;
    }
    for (size_t j = 0; j < n; j++) { /* few distinct scenarios: the last one found is likely */
        size_t k = d->nu;
        if (d->nu && d->u[d->nu - 1] == jobs[j].sc) k = d->nu - 1;
        for (size_t i = 0; i < d->nu && k == d->nu; i++)
            if (d->u[i] == jobs[j].sc) k = i;
        if (k == d->nu) d->u[d->nu++] = jobs[j].sc;
        d->scen[j] = (uint32_t)k;
    }
    G.phase++;
    mloop L = {.n = n, .send = exp_send, .take = exp_take, .idle = exp_idle, .ctx = &x};
    size_t sent = 0;
    unrest_status st = master_loop(&L, &slept, &sent);
    if (err && st == UNREST_ESTATE)
        snprintf(err, errlen, "%s",
                 x.stopped ? "stopped by the result callback" : "stopped while waiting");
    if (err && st == UNREST_ENOMEM) snprintf(err, errlen, "MPI dispatch: out of memory");
    free(d->u);
    free(d->scen);
    stats->wall_s = now_s() - t0;
    G.slept_s = slept;
    G.busy_s = stats->wall_s - slept;
    G.cpu_s = cpu_now() - cpu0;
    G.runs = sent;
    return st;
}

/* ---- calibrate's runs ------------------------------------------------------------------------ */

typedef struct cal_loop {
    const unrest_scenario *sc; /* the scenario */
    const unrest_cal_param *params;
    size_t k;
    const unrest_cal_target *targets;
    size_t m;
    unrest_cal_sim *sims;        /* the batch */
    int (*done)(void *, size_t); /* calibrate's callback */
    void *done_user;
    int stopped; /* done asked to stop */
} cal_loop;

static int cal_send(void *ctx, size_t j, int w)
{
    cal_loop *c = ctx;
    if (G.table_of[w] != G.phase) {
        cal_table_head h = {.phase = G.phase, .k = c->k, .m = c->m};
        size_t len =
            sizeof h + sizeof *c->sc + c->k * sizeof *c->params + c->m * sizeof *c->targets;
        unsigned char *b = malloc(len), *at = b;
        if (!b) return -1;
        memcpy(at, &h, sizeof h);
        memcpy(at += sizeof h, c->sc, sizeof *c->sc);
        memcpy(at += sizeof *c->sc, c->params, c->k * sizeof *c->params);
        memcpy(at + c->k * sizeof *c->params, c->targets, c->m * sizeof *c->targets);
        if (post(b, len, w, TAG_CALTABLE)) return -1;
        G.table_of[w] = G.phase;
    }
    cal_job_head h = {.i = j, .seed = c->sims[j].seed};
    size_t len = sizeof h + c->k * sizeof(double);
    unsigned char *b = malloc(len);
    if (!b) return -1;
    memcpy(b, &h, sizeof h);
    memcpy(b + sizeof h, c->sims[j].theta, c->k * sizeof(double));
    if (post(b, len, w, TAG_CALJOB)) return -1;
    G.inflight[w]++;
    return 0;
}

static int cal_take(void *ctx, unsigned char *buf, int len)
{
    cal_loop *c = ctx;
    cal_reply_head h;
    if (c->stopped || (size_t)len < sizeof h + c->m * sizeof(double)) return c->stopped;
    memcpy(&h, buf, sizeof h);
    unrest_cal_sim *r = &c->sims[h.i];
    r->failed = (int)h.failed;
    r->elapsed_s = h.elapsed_s;
    memcpy(r->error, h.error, sizeof r->error);
    r->error[sizeof r->error - 1] = '\0';
    memcpy(r->out, buf + sizeof h, c->m * sizeof(double));
    if (c->done(c->done_user, (size_t)h.i) != 0) c->stopped = 1;
    return c->stopped;
}

unrest_status cli_mpi_cal_dispatch(void *ctx, const unrest_scenario *sc,
                                   const unrest_cal_param *params, size_t k,
                                   const unrest_cal_target *targets, size_t m, unrest_cal_sim *sims,
                                   size_t n, int (*done)(void *done_user, size_t i),
                                   void *done_user)
{
    (void)ctx;
    if (!G.on || G.rank != 0 || G.size < 2) return UNREST_EINVAL;
    cal_loop c = {.sc = sc,
                  .params = params,
                  .k = k,
                  .targets = targets,
                  .m = m,
                  .sims = sims,
                  .done = done,
                  .done_user = done_user};
    G.phase++;
    mloop L = {.n = n, .send = cal_send, .take = cal_take, .idle = NULL, .ctx = &c};
    double slept;
    size_t sent;
    unrest_status st = master_loop(&L, &slept, &sent);
    return st == UNREST_ESTATE ? UNREST_OK : st; /* a stop is calibrate's own doing */
}

void cli_mpi_master_cost(double *busy_s, double *slept_s, double *cpu_s, size_t *runs)
{
    *busy_s = G.busy_s;
    *slept_s = G.slept_s;
    *cpu_s = G.cpu_s;
    *runs = G.runs;
}

int cli_mpi_finish(int rc)
{
    if (!G.on) return rc;
    if (G.rank == 0 && G.ticks_left > 0) { /* a national run stopped early: the workers wait */
        fprintf(stderr, "unrest: stopping the MPI job (the national run did not finish)\n");
        MPI_Abort(MPI_COMM_WORLD, rc ? rc : 1);
    }
    part_free(G_part);
    G_part = NULL;
    if (G.rank == 0) {
        /* each worker's first message is READY: take the ones not yet taken, then stop all */
        for (int w = 1; w < G.size; w++) {
            if (!G.ready[w]) {
                unsigned char *buf;
                int len;
                MPI_Status s;
                if (recv_any(w, TAG_READY, 1000000, &buf, &len, &s)) MPI_Abort(MPI_COMM_WORLD, 1);
                free(buf);
            }
            MPI_Send(NULL, 0, MPI_BYTE, w, TAG_STOP, MPI_COMM_WORLD);
        }
        outbox_drain();
        free(G.ready);
        free(G.inflight);
        free(G.table_of);
    }
    MPI_Finalize();
    G.on = 0;
    return rc;
}

#else /* built without MPI: one process */

unrest_status cli_world_create(unrest_world **w, const unrest_scenario *sc, uint64_t seed,
                               unsigned threads, int quiet, char *err, size_t errlen)
{
    (void)threads;
    (void)quiet;
    return unrest_world_create(w, sc, seed, err, errlen);
}

cli_mpi_role cli_mpi_start(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return CLI_MPI_NONE;
}

int cli_mpi_size(void)
{
    return 1;
}

int cli_mpi_rank(void)
{
    return 0;
}

int cli_mpi_launched(void)
{
    return 0;
}

int cli_mpi_worker(void)
{
    return EXIT_FAILURE;
}

int cli_mpi_finish(int rc)
{
    return rc;
}

unrest_status cli_mpi_dispatch(void *ctx, const unrest_runner *r, const unrest_job *jobs, size_t n,
                               unrest_runner_stats *stats, char *err, size_t errlen)
{
    (void)ctx;
    (void)r;
    (void)jobs;
    (void)n;
    (void)stats;
    if (err) snprintf(err, errlen, "this unrest was built without MPI");
    return UNREST_EINVAL;
}

unrest_status cli_mpi_cal_dispatch(void *ctx, const unrest_scenario *sc,
                                   const unrest_cal_param *params, size_t k,
                                   const unrest_cal_target *targets, size_t m, unrest_cal_sim *sims,
                                   size_t n, int (*done)(void *done_user, size_t i),
                                   void *done_user)
{
    (void)ctx;
    (void)sc;
    (void)params;
    (void)k;
    (void)targets;
    (void)m;
    (void)sims;
    (void)n;
    (void)done;
    (void)done_user;
    return UNREST_EINVAL;
}

void cli_mpi_master_cost(double *busy_s, double *slept_s, double *cpu_s, size_t *runs)
{
    *busy_s = *slept_s = *cpu_s = 0;
    *runs = 0;
}

#endif
