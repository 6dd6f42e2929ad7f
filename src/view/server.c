/*
 * server.c - the live viewer: an HTTP server (libmicrohttpd, one thread per connection, at
 * most max_clients connections) that serves the embedded page, streams binary frames of the
 * running world to each viewer as server-sent events, and takes controls (play, pause, step,
 * reset, speed, scenario parameters, interventions) as small JSON bodies.
 *
 * The simulation runs in its own thread and never waits for a viewer: a frame is encoded once
 * and handed to every viewer's bounded queue (queue entries, oldest dropped when full); each
 * connection's thread writes its own queue out. A viewer that missed frames refetches the
 * samples it lacks from /series. URLs map to a fixed table: no file is ever opened.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <jansson.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "control.h"
#include "view_int.h"

#define CONTROL_MAX 4096 /* bytes of a control body; more is 413 */
#define URL_MAX 512      /* longer paths are 414 */
#define KEEPALIVE_S 5.0  /* an idle stream gets a comment line this often */

/* ---- frames shared between viewers ---------------------------------------------------------- */

/* An encoded SSE message, shared by every queue that holds it; freed with the last ref. */
typedef struct frame {
    atomic_int refs; /* queues and writers holding it */
    int keep;        /* never dropped from a queue (a viewer's first message) */
    size_t len;      /* bytes of text */
    char text[];     /* "event: ...\ndata: ...\n\n" */
} frame;

static void frame_unref(frame *f)
{
    if (f && atomic_fetch_sub(&f->refs, 1) == 1) free(f);
}

static frame *frame_make(const char *event, const char *data, size_t len, int base64)
{
    vbuf b = {0};
    vbuf_printf(&b, "event: %s\ndata: ", event);
    if (base64)
        vbuf_base64(&b, (const uint8_t *)data, len);
    else
        vbuf_add(&b, data, len);
    vbuf_str(&b, "\n\n");
    frame *f = b.failed ? NULL : malloc(sizeof *f + b.len);
    if (f) {
        atomic_init(&f->refs, 1);
        f->keep = 0;
        f->len = b.len;
        memcpy(f->text, b.data, b.len);
    }
    vbuf_free(&b);
    return f;
}

/* ---- viewers -------------------------------------------------------------------------------- */

typedef struct client {
    struct client *next;  /* in the server's list */
    pthread_mutex_t mu;   /* guards the queue and cur */
    pthread_cond_t cv;    /* signalled when a frame arrives or the server stops */
    frame **q;            /* ring of queued frames */
    unsigned head, count; /* ring position and fill */
    unsigned cap;         /* ring size (config queue) */
    frame *cur;           /* being written */
    size_t off;           /* bytes of cur written */
    double last_write;    /* monotonic seconds of the last bytes handed to the socket */
    uint64_t dropped;     /* frames dropped because the viewer was slow */
    struct unrest_server *srv;
} client;

struct unrest_server {
    unrest_server_config cfg; /* as given, defaults filled in */
    char bind[64];            /* cfg.bind's text */
    unrest_scenario *sc;      /* the scenario resets rebuild from (set changes it) */
    uint64_t seed;            /* seed of the current world */

    pthread_mutex_t mu;                     /* guards everything below down to `scratch` */
    pthread_cond_t wake;                    /* wakes the simulation thread (play, stop) */
    unrest_world *w;                        /* the running world */
    unrest_recorder *rec;                   /* its series */
    int playing;                            /* ticking on its own */
    double speed;                           /* ticks per second, 0 = as fast as possible */
    uint32_t generation;                    /* worlds built so far - 1 (a reset makes a new one) */
    size_t sent_sample;                     /* samples already sent in frames */
    size_t sent_event;                      /* events already sent in frames */
    double last_pub;                        /* monotonic time of the last frame */
    int pending;                            /* a frame was held back by the frame rate */
    char error[256];                        /* last simulation error ("" if none) */
    double lead[UNREST_SC_MAX_SITES];       /* opposition leadership last fired by hand, per site */
    int64_t lead_tick[UNREST_SC_MAX_SITES]; /* tick it was fired at, -1 never (this world) */
    view_frame_scratch scratch;

    pthread_mutex_t cl_mu; /* guards the viewer list; taken after mu, before a client's mu */
    client *clients;
    unsigned n_clients;

    atomic_int stopping;
    atomic_int waiters; /* request threads waiting for mu: the simulation lets them in */
    pthread_t sim;
    int sim_started;
    struct MHD_Daemon *d;
    uint16_t port;
};

/* Take the world lock from a request thread. The simulation thread steps back between ticks
 * while someone waits, so controls are never starved by a run at full speed. */
static void lock_world(unrest_server *s)
{
    atomic_fetch_add(&s->waiters, 1);
    pthread_mutex_lock(&s->mu);
    atomic_fetch_sub(&s->waiters, 1);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Hand f to every viewer; a full queue drops its oldest frame. Never blocks on I/O. */
static void broadcast(unrest_server *s, frame *f)
{
    pthread_mutex_lock(&s->cl_mu);
    for (client *c = s->clients; c; c = c->next) {
        pthread_mutex_lock(&c->mu);
        if (c->count == c->cap) {
            /* drop the oldest frame that may go (not the viewer's meta message) */
            unsigned k = 0;
            while (k + 1 < c->count && c->q[(c->head + k) % c->cap]->keep)
                k++;
            frame_unref(c->q[(c->head + k) % c->cap]);
            for (; k + 1 < c->count; k++)
                c->q[(c->head + k) % c->cap] = c->q[(c->head + k + 1) % c->cap];
            c->count--;
            c->dropped++;
        }
        atomic_fetch_add(&f->refs, 1);
        c->q[(c->head + c->count) % c->cap] = f;
        c->count++;
        pthread_cond_signal(&c->cv);
        pthread_mutex_unlock(&c->mu);
    }
    pthread_mutex_unlock(&s->cl_mu);
}

static uint8_t state_flags(const unrest_server *s)
{
    uint8_t fl = 0;
    if (s->playing) fl |= VIEW_PLAYING;
    if (unrest_world_tick(s->w) >= unrest_world_ticks(s->w)) fl |= VIEW_FINISHED;
    if (s->error[0]) fl |= VIEW_ERROR;
    return fl;
}

/* Send a frame now (force) or when the frame rate allows. Called with mu held. */
static void publish(unrest_server *s, int force)
{
    double t = now_s();
    if (!force && t - s->last_pub < 1.0 / s->cfg.max_fps) {
        s->pending = 1;
        return;
    }
    s->pending = 0;
    s->last_pub = t;
    pthread_mutex_lock(&s->cl_mu);
    unsigned viewers = s->n_clients;
    pthread_mutex_unlock(&s->cl_mu);
    if (viewers) {
        vbuf b = {0};
        if (view_frame_encode(&b, s->w, s->rec, s->sent_sample, s->sent_event, s->cfg.frame_side,
                              state_flags(s), s->generation, (float)s->speed,
                              &s->scratch) == UNREST_OK) {
            frame *f = frame_make("frame", b.data, b.len, 1);
            if (f) {
                broadcast(s, f);
                frame_unref(f);
            }
        }
        vbuf_free(&b);
    }
    s->sent_sample = unrest_recorder_samples(s->rec);
    s->sent_event = s->rec->n_ev;
}

/* One tick of the world and its recorder. Called with mu held. */
static int advance(unrest_server *s)
{
    if (unrest_world_tick(s->w) >= unrest_world_ticks(s->w)) {
        s->playing = 0;
        return 0;
    }
    unrest_status st = unrest_world_step(s->w);
    if (st == UNREST_OK) st = unrest_recorder_tick(s->rec, s->w);
    if (st != UNREST_OK) {
        snprintf(s->error, sizeof s->error, "%s",
                 unrest_world_error(s->w)[0] ? unrest_world_error(s->w) : unrest_status_str(st));
        s->playing = 0;
        return 0;
    }
    if (unrest_world_tick(s->w) >= unrest_world_ticks(s->w)) s->playing = 0;
    return 1;
}

static void *sim_main(void *arg)
{
    unrest_server *s = arg;
    pthread_mutex_lock(&s->mu);
    double next = now_s();
    while (!atomic_load(&s->stopping)) {
        if (!s->playing) {
            if (s->pending) publish(s, 1);
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 200000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&s->wake, &s->mu, &ts);
            next = now_s();
            continue;
        }
        advance(s);
        publish(s, !s->playing);
        double speed = s->speed;
        pthread_mutex_unlock(&s->mu);
        /* pace the run outside the lock so controls get in between ticks */
        double t = now_s();
        if (speed > 0) {
            next += 1.0 / speed;
            if (next < t - 1.0) next = t; /* fell far behind: do not race to catch up */
            double wait = next - t;
            if (wait > 0.5) wait = 0.5; /* stay responsive to stop */
            if (wait > 0) {
                struct timespec ts = {(time_t)wait, (long)((wait - floor(wait)) * 1e9)};
                nanosleep(&ts, NULL);
            }
        } else {
            next = t;
        }
        for (int k = 0; k < 200 && atomic_load(&s->waiters) > 0; k++) {
            struct timespec ts = {0, 100000}; /* 0.1 ms, at most 20 ms in all */
            nanosleep(&ts, NULL);
        }
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* ---- worlds --------------------------------------------------------------------------------- */

/* Build a world and recorder for s->sc and seed; swap them in only when both are built. Called
 * with mu held (or before the threads start). */
static unrest_status rebuild(unrest_server *s, uint64_t seed, char *err, size_t errlen)
{
    unrest_world *w = NULL;
    unrest_recorder *rec = NULL;
    unrest_status st = unrest_world_create(&w, s->sc, seed, err, errlen);
    if (st != UNREST_OK) return st;
    if (s->cfg.threads > 1) unrest_world_set_threads(w, s->cfg.threads);
    st = unrest_recorder_create(&rec, w, 0);
    if (st != UNREST_OK) {
        view_err(err, errlen, "recorder: %s", unrest_status_str(st));
        unrest_world_destroy(w);
        return st;
    }
    if (s->w) s->generation++;
    unrest_recorder_set_seed(rec, seed);
    unrest_recorder_destroy(s->rec);
    unrest_world_destroy(s->w);
    s->w = w;
    s->rec = rec;
    s->seed = seed;
    s->sent_sample = 0;
    s->sent_event = 0;
    s->error[0] = '\0';
    for (size_t i = 0; i < UNREST_SC_MAX_SITES; i++)
        s->lead_tick[i] = -1;
    return UNREST_OK;
}

/* Intervention buttons: control kind, label, event kind. */
typedef struct button {
    const char *name;
    const char *label;
    unrest_sc_kind kind;
} button;

static const button buttons[] = {
    {"price_cap", "Price cap", UNREST_SC_PRICE_CAP},
    {"blackout", "Internet blackout", UNREST_SC_INTERNET},
    {"internet", "Restore internet", UNREST_SC_INTERNET},
    {"curfew", "Emergency + curfew", UNREST_SC_EMERGENCY},
    {"lift_curfew", "Lift emergency", UNREST_SC_EMERGENCY},
    {"troops", "Foreign troops", UNREST_SC_TROOPS},
    {"lethal", "Lethal force", UNREST_SC_LETHAL},
    {"lift_lethal", "Lift lethal order", UNREST_SC_LETHAL},
    {"concession", "Concession", UNREST_SC_CONCESSION},
    {"reinforce", "Police reinforcements", UNREST_SC_REINFORCE},
};
#define NBUTTONS (sizeof buttons / sizeof buttons[0])

/* Sliders the page shows, by path. A scenario key path ("legitimacy.initial") restarts the run
 * with the new value; its label, unit and range come from the key table (the slider's own
 * range may be narrower, never wider: unrest_server_create checks). "live.KIND" fires the
 * intervention KIND now with the slider's value. */
typedef struct slider {
    const char *path;      /* scenario key path, or "live." and an intervention kind */
    double min, max, step; /* range shown (inside the key's range) */
    const char *label;     /* live sliders: shown (restarting ones show the key's doc) */
    const char *unit;      /* live sliders: unit ("" for none) */
} slider;

#define LIVE "live."

static const slider sliders[] = {
    {"legitimacy.initial", 0, 1, 0.01, NULL, NULL},
    {"lattice.threshold", 0, 1, 0.01, NULL, NULL},
    {"lattice.k", 0, 10, 0.1, NULL, NULL},
    {"spread.strength", 0, 1, 0.01, NULL, NULL},
    {"force.police_per_100k", 0, 2000, 10, NULL, NULL},
    {LIVE "fuel_price", 0, 400, 1, "LPG price, now", "tenge/L"},
    {LIVE "internet", 0, 1, 0.05, "internet (1 = normal), now", ""},
    {LIVE "temperature", -25, 25, 0.5, "temperature anomaly, now", "\u00b0C"},
    {LIVE "leadership", 0, 1, 0.05, "opposition leadership, now", ""},
};
#define NSLIDERS (sizeof sliders / sizeof sliders[0])

static int slider_live(const slider *sl)
{
    return !strncmp(sl->path, LIVE, strlen(LIVE));
}

static const slider *slider_find(const char *path)
{
    for (size_t i = 0; i < NSLIDERS; i++)
        if (!strcmp(sliders[i].path, path)) return &sliders[i];
    return NULL;
}

/* Every restarting slider names a number key of the table and shows a range inside the key's;
 * checked when a server starts, so a slider that drifts from the table stops the server (and
 * the tests that start one) instead of failing when it is moved. */
static unrest_status sliders_check(const unrest_scenario *sc, char *err, size_t errlen)
{
    for (size_t i = 0; i < NSLIDERS; i++) {
        const slider *sl = &sliders[i];
        if (!(sl->min < sl->max) || !(sl->step > 0)) {
            view_err(err, errlen, "viewer slider '%s': empty range or step", sl->path);
            return UNREST_EINVAL;
        }
        if (slider_live(sl)) continue;
        const unrest_key_info *k = unrest_key_lookup(sl->path);
        double v;
        char kerr[256] = "";
        if (!k || (k->type != UNREST_KEY_REAL && k->type != UNREST_KEY_UINT) ||
            unrest_scenario_get_number(sc, sl->path, &v, kerr, sizeof kerr) != UNREST_OK) {
            view_err(err, errlen, "viewer slider '%s': not a number key of the scenario%s%s",
                     sl->path, kerr[0] ? ": " : "", kerr);
            return UNREST_EINVAL;
        }
        int lo_ok = k->open & UNREST_KEY_LO_OPEN ? sl->min > k->lo : sl->min >= k->lo;
        int hi_ok =
            k->hi >= 1e300 || (k->open & UNREST_KEY_HI_OPEN ? sl->max < k->hi : sl->max <= k->hi);
        if (!lo_ok || !hi_ok) {
            char range[64];
            unrest_key_range_text(k, range, sizeof range);
            view_err(err, errlen, "viewer slider '%s': range [%g, %g] is not inside the key's %s",
                     sl->path, sl->min, sl->max, range);
            return UNREST_EINVAL;
        }
    }
    return UNREST_OK;
}

/* Opposition leadership in force at site i: the world does not report it, so it is the later
 * of the timeline's last leadership event that has fired there and the last one fired here. */
static double leadership_at(const unrest_server *s, size_t i)
{
    const unrest_scenario *sc = unrest_world_scenario(s->w);
    int64_t tick = unrest_world_tick(s->w), at = -1;
    double v = 0;
    for (size_t e = 0; e < sc->n_events; e++) {
        const unrest_sc_event *ev = &sc->event[e];
        if (ev->kind == UNREST_SC_LEADERSHIP && ev->tick < tick && ev->tick >= at &&
            (ev->sites >> i & 1u)) {
            v = ev->value;
            at = ev->tick;
        }
    }
    if (s->lead_tick[i] > at) v = s->lead[i]; /* fired by hand before that tick's events ran */
    return v;
}

/* A slider's value now: the scenario's for a restarting one; for a live one the mean over the
 * sites of what is in force. */
static double slider_value(const unrest_server *s, const slider *sl)
{
    if (!slider_live(sl)) {
        double v = NAN;
        if (unrest_scenario_get_number(s->sc, sl->path, &v, NULL, 0) != UNREST_OK) return NAN;
        return v;
    }
    const char *kind = sl->path + strlen(LIVE);
    size_t n = unrest_world_site_count(s->w);
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        unrest_site_state st;
        unrest_world_site(s->w, i, &st);
        if (!strcmp(kind, "fuel_price")) sum += st.fuel_price;
        if (!strcmp(kind, "internet")) sum += st.internet;
        if (!strcmp(kind, "temperature")) sum += st.temperature - s->sc->site[i].temp_normal;
        if (!strcmp(kind, "leadership")) sum += leadership_at(s, i);
    }
    return n ? sum / (double)n : 0;
}

/* ---- JSON out (jansson) ---------------------------------------------------------------------- */

#define JSON_OUT (JSON_COMPACT | JSON_REAL_PRECISION(15))

/* A JSON string of s; text that is not UTF-8 (a name cut short in a message) keeps its ASCII
 * and shows '?' for the rest. */
static json_t *jstr(const char *s)
{
    json_t *j = json_string(s ? s : "");
    if (j || !s) return j;
    size_t n = strlen(s);
    char *t = malloc(n + 1);
    if (!t) return NULL;
    for (size_t i = 0; i <= n; i++)
        t[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
    j = json_string(t);
    free(t);
    return j;
}

/* A number; non-finite values are null (JSON has no NaN). */
static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* The sliders and buttons as the meta message describes them. */
static json_t *controls_json(const unrest_server *s, json_t *o)
{
    json_t *sl_arr = json_array(), *bt_arr = json_array();
    json_object_set_new(o, "sliders", sl_arr);
    json_object_set_new(o, "buttons", bt_arr);
    for (size_t i = 0; i < NSLIDERS; i++) {
        const slider *sl = &sliders[i];
        double v = slider_value(s, sl), lo = sl->min, hi = sl->max;
        if (v < lo) lo = v; /* a scenario's value outside the shown range widens it */
        if (v > hi) hi = v;
        json_t *j = json_object();
        json_object_set_new(j, "path", json_string(sl->path));
        json_object_set_new(j, "live", json_boolean(slider_live(sl)));
        if (slider_live(sl)) {
            json_object_set_new(j, "label", jstr(sl->label));
            json_object_set_new(j, "unit", jstr(sl->unit));
        } else {
            const unrest_key_info *k = unrest_key_lookup(sl->path);
            char range[64] = "";
            if (k) unrest_key_range_text(k, range, sizeof range);
            json_object_set_new(j, "label", jstr(k ? k->doc : sl->path));
            json_object_set_new(j, "unit", jstr(k ? k->unit : ""));
            json_object_set_new(j, "range", jstr(range));
        }
        json_object_set_new(j, "min", jnum(lo));
        json_object_set_new(j, "max", jnum(hi));
        json_object_set_new(j, "step", jnum(sl->step));
        json_object_set_new(j, "value", jnum(v));
        json_array_append_new(sl_arr, j);
    }
    for (size_t i = 0; i < NBUTTONS; i++)
        json_array_append_new(
            bt_arr, json_pack("{s:s, s:s}", "name", buttons[i].name, "label", buttons[i].label));
    return o;
}

/* The "meta" message a new viewer starts from: the run so far (the report's fields, written by
 * report.c) plus the live state and controls, built with jansson and joined into one object. */
static frame *meta_frame(unrest_server *s)
{
    json_t *o = json_object();
    if (!o) return NULL;
    json_object_set_new(o, "live", json_true());
    json_object_set_new(o, "generation", json_integer(s->generation));
    json_object_set_new(o, "playing", json_boolean(s->playing));
    json_object_set_new(o, "speed", jnum(s->speed));
    json_object_set_new(o, "frame_side", json_integer(s->cfg.frame_side));
    json_object_set_new(o, "error", jstr(s->error));
    controls_json(s, o);
    char *extra = json_dumps(o, JSON_OUT);
    json_decref(o);
    if (!extra || extra[0] != '{') {
        free(extra);
        return NULL;
    }
    vbuf b = {0};
    vbuf_str(&b, "{");
    view_run_fields(&b, s->rec, s->w, 0);
    vbuf_str(&b, ",");
    vbuf_str(&b, extra + 1); /* its members and closing brace */
    free(extra);
    frame *f = b.failed ? NULL : frame_make("meta", b.data, b.len, 0);
    vbuf_free(&b);
    return f;
}

/* ---- controls -------------------------------------------------------------------------------- */

/* A number member of a control, or def when absent; 0 if given but outside [lo, hi]. */
static int ctl_pick(int has, double v, double lo, double hi, double def, double *out)
{
    *out = has ? v : def;
    return !has || (v >= lo && v <= hi);
}

/* The first event of kind k in the scenario's timeline (the template for a button), or NULL. */
static const unrest_sc_event *template_of(const unrest_scenario *sc, unrest_sc_kind k, int want_on)
{
    for (size_t i = 0; i < sc->n_events; i++)
        if (sc->event[i].kind == k && (!want_on || sc->event[i].value > 0)) return &sc->event[i];
    return NULL;
}

/* Fill ev for a "fire" control: kind, and "value" or "people" (checked against the kind's
 * range here, the parser knowing only that they are numbers). Returns 0 with a message in err
 * on bad input. */
static int make_event(const unrest_server *s, const ctl *c, unrest_sc_event *ev, char *err,
                      size_t errlen)
{
    const char *kind = c->kind;
    const unrest_scenario *sc = s->sc;
    size_t n = sc->n_sites;
    memset(ev, 0, sizeof *ev);
    ev->tick = unrest_world_tick(s->w);
    ev->until = -1;
    ev->sites = n >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1);
    if (c->site[0]) {
        int i = unrest_scenario_site_index(sc, c->site);
        if (i < 0) {
            view_err(err, errlen, "\"site\": unknown site '%s'", c->site);
            return 0;
        }
        ev->sites = (uint64_t)1 << i;
    }
    /* what the kind reads: "value" or "people", its range and its default */
    int people = 0;
    double lo = 0, hi = 1, def = NAN, *dst = &ev->value;
    const unrest_sc_event *t;
    if (!strcmp(kind, "price_cap")) {
        t = template_of(sc, UNREST_SC_PRICE_CAP, 0);
        ev->kind = UNREST_SC_PRICE_CAP;
        hi = 1e6;
        def = t ? t->value : sc->p.fuel_ref_price;
        ev->legitimacy = t ? t->legitimacy : 0.03;
    } else if (!strcmp(kind, "blackout") || !strcmp(kind, "internet")) {
        ev->kind = UNREST_SC_INTERNET;
        def = kind[0] == 'b' ? 0 : 1;
    } else if (!strcmp(kind, "curfew") || !strcmp(kind, "lift_curfew")) {
        t = template_of(sc, UNREST_SC_EMERGENCY, 1);
        ev->kind = UNREST_SC_EMERGENCY;
        def = kind[0] == 'c' ? 1 : 0;
        lo = hi = def;
        ev->curfew_from = t ? t->curfew_from : 23;
        ev->curfew_to = t ? t->curfew_to : 7;
    } else if (!strcmp(kind, "troops")) {
        t = template_of(sc, UNREST_SC_TROOPS, 0);
        ev->kind = UNREST_SC_TROOPS;
        ev->role = t ? t->role : UNREST_ROLE_GUARD;
        people = 1;
        hi = 1e6;
        def = t ? t->people : 2500;
        if (t && t->until >= 0) ev->until = ev->tick + (t->until - t->tick);
        if (t && !c->site[0]) ev->sites = t->sites;
    } else if (!strcmp(kind, "lethal")) {
        t = template_of(sc, UNREST_SC_LETHAL, 1);
        ev->kind = UNREST_SC_LETHAL;
        def = t ? t->value : 0.02;
    } else if (!strcmp(kind, "lift_lethal")) {
        ev->kind = UNREST_SC_LETHAL;
        def = hi = 0;
    } else if (!strcmp(kind, "concession")) {
        ev->kind = UNREST_SC_CONCESSION;
        lo = -1;
        def = 0.05;
    } else if (!strcmp(kind, "reinforce")) {
        t = template_of(sc, UNREST_SC_REINFORCE, 0);
        ev->kind = UNREST_SC_REINFORCE;
        people = 1;
        lo = -1e6;
        hi = 1e6;
        def = t ? t->people : 1000;
    } else if (!strcmp(kind, "fuel_price")) {
        ev->kind = UNREST_SC_FUEL_PRICE;
        hi = 1e6;
    } else if (!strcmp(kind, "temperature")) {
        ev->kind = UNREST_SC_TEMPERATURE;
        lo = -80;
        hi = 80;
    } else if (!strcmp(kind, "leadership")) {
        ev->kind = UNREST_SC_LEADERSHIP;
    } else if (!strcmp(kind, "legitimacy")) {
        ev->kind = UNREST_SC_LEGITIMACY;
        lo = -1;
    } else {
        view_err(err, errlen, "\"kind\": unknown intervention '%s'", kind);
        return 0;
    }
    const char *field = people ? "people" : "value", *other = people ? "value" : "people";
    if (people ? c->has_value : c->has_people) {
        view_err(err, errlen, "\"%s\": %s takes no %s (it reads \"%s\")", other, kind, other,
                 field);
        return 0;
    }
    if (people) dst = &ev->people;
    if (!ctl_pick(people ? c->has_people : c->has_value, people ? c->people : c->value, lo, hi, def,
                  dst) ||
        isnan(*dst)) {
        view_err(err, errlen, "\"%s\": %s needs a number in [%g, %g]", field, kind, lo, hi);
        return 0;
    }
    const char *label = NULL; /* a button's label when fired as the button fires it */
    for (size_t i = 0; i < NBUTTONS && !c->has_value && !c->has_people; i++)
        if (!strcmp(buttons[i].name, kind)) label = buttons[i].label;
    if (label)
        snprintf(ev->label, sizeof ev->label, "%s (viewer)", label);
    else
        snprintf(ev->label, sizeof ev->label, "%s %g (viewer)", kind, *dst);
    return 1;
}

/* Fire an intervention now and mark it in the series. Returns the HTTP status. */
static unsigned fire(unrest_server *s, const ctl *c, char *msg, size_t msglen)
{
    unrest_sc_event ev;
    if (!make_event(s, c, &ev, msg, msglen)) return 400;
    unrest_status st = unrest_world_fire(s->w, &ev);
    if (st != UNREST_OK) {
        view_err(msg, msglen, "%s",
                 unrest_world_error(s->w)[0] ? unrest_world_error(s->w) : unrest_status_str(st));
        return 400;
    }
    if (ev.kind == UNREST_SC_LEADERSHIP)
        for (size_t i = 0; i < s->sc->n_sites && i < 64; i++)
            if (ev.sites >> i & 1u) {
                s->lead[i] = ev.value;
                s->lead_tick[i] = ev.tick;
            }
    unrest_recorder_mark(s->rec, ev.label);
    publish(s, 1);
    return 200;
}

/* "set": a live slider's path fires its intervention with the value; any other path is a
 * scenario key (as unrest_scenario_set reads it) and rebuilds the world with it, all or
 * nothing. Returns the HTTP status. */
static unsigned set_path(unrest_server *s, const ctl *c, char *msg, size_t msglen)
{
    const slider *sl = slider_find(c->path);
    if (sl && slider_live(sl)) {
        if (c->has_seed) {
            view_err(msg, msglen, "\"seed\": '%s' acts now and does not restart the run", c->path);
            return 400;
        }
        ctl f = {.cmd = CTL_FIRE, .has_value = 1};
        char *e;
        f.value = c->has_value ? c->value : strtod(c->text, &e);
        if (!c->has_value && (e == c->text || *e || !isfinite(f.value))) {
            view_err(msg, msglen, "\"value\": '%s' needs a number", c->path);
            return 400;
        }
        snprintf(f.kind, sizeof f.kind, "%s", c->path + strlen(LIVE));
        return fire(s, &f, msg, msglen);
    }
    unrest_scenario *old = malloc(sizeof *old);
    if (!old) return 503;
    *old = *s->sc;
    char assign[2 * CTL_TEXT + 2], err[256] = "";
    snprintf(assign, sizeof assign, "%s=%s", c->path, c->text);
    unsigned code = 200;
    if (unrest_scenario_set(s->sc, assign, err, sizeof err) != UNREST_OK ||
        unrest_scenario_validate(s->sc, err, sizeof err) != UNREST_OK ||
        rebuild(s, c->has_seed ? c->seed : s->seed, err, sizeof err) != UNREST_OK) {
        *s->sc = *old;
        view_err(msg, msglen, "\"path\" %s: %s", c->path, err[0] ? err : "bad value");
        code = 400;
    } else {
        publish(s, 1);
    }
    free(old);
    return code;
}

/* Apply a control. Returns the HTTP status; msg gets the error text for non-200. */
static unsigned apply_control(unrest_server *s, const ctl *c, char *msg, size_t msglen)
{
    switch (c->cmd) {
    case CTL_PLAY:
        if (unrest_world_tick(s->w) < unrest_world_ticks(s->w) && !s->error[0]) s->playing = 1;
        pthread_cond_signal(&s->wake);
        publish(s, 1);
        return 200;
    case CTL_PAUSE:
        s->playing = 0;
        publish(s, 1);
        return 200;
    case CTL_STEP:
        s->playing = 0;
        for (unsigned i = 0; i < c->n && advance(s); i++)
            ;
        publish(s, 1);
        return 200;
    case CTL_SPEED:
        s->speed = c->value;
        publish(s, 1);
        return 200;
    case CTL_RESET: {
        char err[256] = "";
        if (rebuild(s, c->has_seed ? c->seed : s->seed, err, sizeof err) != UNREST_OK) {
            view_err(msg, msglen, "%s", err[0] ? err : "could not rebuild the world");
            return 500;
        }
        publish(s, 1);
        return 200;
    }
    case CTL_SET:
        return set_path(s, c, msg, msglen);
    case CTL_FIRE:
        return fire(s, c, msg, msglen);
    }
    view_err(msg, msglen, "unknown cmd");
    return 400;
}

/* ---- HTTP ----------------------------------------------------------------------------------- */

/* What a connection is doing between calls of the request handler. */
typedef struct request {
    int post;    /* a POST whose body is being read */
    int too_big; /* the body passed CONTROL_MAX */
    size_t len;  /* body bytes kept */
    char body[CONTROL_MAX + 1];
} request;

/* Queue r (created by the caller, NULL if that failed) with the headers every answer has, and
 * release it. */
static enum MHD_Result queue(struct MHD_Connection *con, unsigned code, const char *mime,
                             struct MHD_Response *r)
{
    if (!r) return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, mime);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (code == 405) MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD, POST");
    enum MHD_Result ret = MHD_queue_response(con, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply(struct MHD_Connection *con, unsigned code, const char *mime,
                             const void *data, size_t len, enum MHD_ResponseMemoryMode mode)
{
    return queue(con, code, mime,
                 MHD_create_response_from_buffer(len, (void *)(uintptr_t)data, mode));
}

/* Answer with the JSON of o (taking it), one line. */
static enum MHD_Result reply_json(struct MHD_Connection *con, unsigned code, json_t *o)
{
    char *text = o ? json_dumps(o, JSON_OUT) : NULL;
    json_decref(o);
    if (!text) return MHD_NO;
    size_t n = strlen(text);
    char *line = realloc(text, n + 2);
    if (!line) {
        free(text);
        return MHD_NO;
    }
    memcpy(line + n, "\n", 2);
    struct MHD_Response *r = MHD_create_response_from_buffer(n + 1, line, MHD_RESPMEM_MUST_FREE);
    if (!r) free(line);
    return queue(con, code, "application/json", r);
}

static enum MHD_Result reply_json_error(struct MHD_Connection *con, unsigned code, const char *msg)
{
    json_t *o = json_object();
    if (o) json_object_set_new(o, "error", jstr(msg));
    return reply_json(con, code, o);
}

static enum MHD_Result reply_buf(struct MHD_Connection *con, const char *mime, vbuf *b)
{
    if (b->failed) {
        vbuf_free(b);
        return reply_json_error(con, 503, "out of memory");
    }
    /* hand the bytes to MHD, which frees them */
    struct MHD_Response *r =
        MHD_create_response_from_buffer(b->len, b->data, MHD_RESPMEM_MUST_FREE);
    if (r) b->data = NULL;
    vbuf_free(b);
    return queue(con, MHD_HTTP_OK, mime, r);
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    client *c = cls;
    unrest_server *s = c->srv;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        if (atomic_load(&s->stopping)) {
            pthread_mutex_unlock(&c->mu);
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        if (c->cur && c->off < c->cur->len) {
            size_t n = c->cur->len - c->off;
            if (n > max) n = max;
            memcpy(buf, c->cur->text + c->off, n);
            c->off += n;
            c->last_write = now_s();
            pthread_mutex_unlock(&c->mu);
            return (ssize_t)n;
        }
        if (c->cur) {
            frame_unref(c->cur);
            c->cur = NULL;
        }
        if (c->count) {
            c->cur = c->q[c->head];
            c->head = (c->head + 1) % c->cap;
            c->count--;
            c->off = 0;
            continue;
        }
        double t = now_s();
        if (t - c->last_write >= KEEPALIVE_S) {
            static const char ka[] = ":\n\n"; /* an SSE comment keeps proxies and MHD awake */
            size_t n = sizeof ka - 1 < max ? sizeof ka - 1 : max;
            memcpy(buf, ka, n);
            c->last_write = t;
            pthread_mutex_unlock(&c->mu);
            return (ssize_t)n;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&c->cv, &c->mu, &ts);
    }
}

static void client_free(void *cls)
{
    client *c = cls;
    unrest_server *s = c->srv;
    pthread_mutex_lock(&s->cl_mu);
    for (client **p = &s->clients; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            s->n_clients--;
            break;
        }
    pthread_mutex_unlock(&s->cl_mu);
    frame_unref(c->cur);
    while (c->count) {
        frame_unref(c->q[c->head]);
        c->head = (c->head + 1) % c->cap;
        c->count--;
    }
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c->q);
    free(c);
}

static enum MHD_Result serve_events(unrest_server *s, struct MHD_Connection *con)
{
    client *c = calloc(1, sizeof *c);
    if (!c) return reply_json_error(con, 503, "out of memory");
    c->cap = s->cfg.queue;
    c->q = calloc(c->cap, sizeof *c->q);
    if (!c->q) {
        free(c);
        return reply_json_error(con, 503, "out of memory");
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->srv = s;
    c->last_write = now_s();
    /* the meta message and joining the list happen under mu, so no frame falls in between */
    lock_world(s);
    frame *meta = meta_frame(s);
    if (meta) {
        meta->keep = 1;
        c->q[0] = meta;
        c->count = 1;
        /* and the lattices now, so a paused run shows something */
        vbuf b = {0};
        if (c->cap > 1 && view_frame_encode(&b, s->w, s->rec, s->rec->n, s->rec->n_ev,
                                            s->cfg.frame_side, state_flags(s), s->generation,
                                            (float)s->speed, &s->scratch) == UNREST_OK) {
            frame *f = frame_make("frame", b.data, b.len, 1);
            if (f) c->q[c->count++] = f;
        }
        vbuf_free(&b);
        pthread_mutex_lock(&s->cl_mu);
        c->next = s->clients;
        s->clients = c;
        s->n_clients++;
        pthread_mutex_unlock(&s->cl_mu);
    }
    pthread_mutex_unlock(&s->mu);
    if (!meta) {
        client_free(c);
        return reply_json_error(con, 503, "out of memory");
    }
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, sse_read, c, client_free);
    if (!r) {
        client_free(c);
        return MHD_NO;
    }
    MHD_add_response_header(r, "X-Accel-Buffering", "no");
    return queue(con, MHD_HTTP_OK, "text/event-stream", r);
}

/* GET /series?from=S&events=E: the samples and events a viewer missed, as JSON. */
static enum MHD_Result serve_series(unrest_server *s, struct MHD_Connection *con)
{
    const char *fs = MHD_lookup_connection_value(con, MHD_GET_ARGUMENT_KIND, "from");
    const char *es = MHD_lookup_connection_value(con, MHD_GET_ARGUMENT_KIND, "events");
    char *e;
    unsigned long from = fs ? strtoul(fs, &e, 10) : 0;
    if (fs && (*e || fs[0] == '-' || !fs[0])) return reply_json_error(con, 400, "bad 'from'");
    unsigned long evf = es ? strtoul(es, &e, 10) : 0;
    if (es && (*e || es[0] == '-' || !es[0])) return reply_json_error(con, 400, "bad 'events'");
    vbuf b = {0};
    lock_world(s);
    const unrest_recorder *r = s->rec;
    size_t n = r->n, ns = r->n_sites;
    if (from > n) from = n;
    if (evf > r->n_ev) evf = r->n_ev;
    vbuf_printf(&b, "{\"generation\":%u,\"from\":%lu,\"n\":%zu,\"sites\":%zu,\"data\":[",
                s->generation, from, n - from, ns);
    for (size_t t = from; t < n; t++)
        for (size_t i = 0; i < ns; i++)
            for (int k = 0; k < VS_COUNT; k++) {
                if (t > from || i || k) vbuf_u8(&b, ',');
                vbuf_json_num(&b, rec_at(r, t, i, k));
            }
    vbuf_printf(&b, "],\"events_from\":%lu,\"events\":[", evf);
    for (size_t i = evf; i < r->n_ev; i++) {
        vbuf_printf(&b, "%s{\"tick\":%u,\"manual\":%d,\"label\":", i > evf ? "," : "",
                    r->ev[i].tick, r->ev[i].manual);
        vbuf_json_str(&b, r->ev[i].label);
        vbuf_str(&b, "}");
    }
    vbuf_str(&b, "]}");
    pthread_mutex_unlock(&s->mu);
    return reply_buf(con, "application/json", &b);
}

/* Paths are decoded by MHD before we see them; anything that could climb or smuggle is 400. */
static int path_ok(const char *url)
{
    if (url[0] != '/') return 0;
    if (strstr(url, "..") || strstr(url, "//") || strchr(url, '\\') || strchr(url, '%')) return 0;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p < 0x20 || *p >= 0x7f) return 0;
    return 1;
}

/* Percent-decoding of paths and query values, in place. A decoded NUL or control byte, or a
 * malformed escape, becomes 0x01 so that path_ok refuses it (MHD's own decoder would end the
 * string at %00 and turn "/index.html%00.js" into "/index.html"). */
static size_t unescape(void *cls, struct MHD_Connection *con, char *uri)
{
    (void)cls;
    (void)con;
    char *o = uri;
    for (const char *p = uri; *p; p++) {
        if (*p != '%') {
            *o++ = *p;
            continue;
        }
        int v = 0, ok = 1;
        for (int k = 1; k <= 2 && ok; k++) {
            char h = p[k];
            int d = h >= '0' && h <= '9'   ? h - '0'
                    : h >= 'a' && h <= 'f' ? h - 'a' + 10
                    : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                           : -1;
            if (d < 0) ok = 0;
            v = v * 16 + d;
        }
        if (!ok) {
            *o++ = '\x01';
            continue;
        }
        *o++ = v < 0x20 ? '\x01' : (char)v;
        p += 2;
    }
    *o = '\0';
    return (size_t)(o - uri);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    unrest_server *s = cls;
    int is_get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
    int is_post = !strcmp(method, MHD_HTTP_METHOD_POST);
    request *rq = *con_cls;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq) return MHD_NO;
        *con_cls = rq;
        if (strlen(url) > URL_MAX) return reply_json_error(con, 414, "path too long");
        if (!strcmp(version, MHD_HTTP_VERSION_1_1) &&
            !MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST))
            return reply_json_error(con, 400, "HTTP/1.1 request without Host");
        if (!path_ok(url)) return reply_json_error(con, 400, "bad path");
        if (is_post) {
            if (strcmp(url, "/control")) return reply_json_error(con, 405, "POST only to /control");
            const char *cl =
                MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
            if (cl && strtoull(cl, NULL, 10) > CONTROL_MAX)
                return reply_json_error(con, 413, "control body larger than 4096 bytes");
            rq->post = 1;
            return MHD_YES; /* the body comes in the next calls */
        }
    }
    if (rq->post) {
        if (*upload_size) {
            if (rq->len + *upload_size > CONTROL_MAX)
                rq->too_big = 1;
            else {
                memcpy(rq->body + rq->len, upload, *upload_size);
                rq->len += *upload_size;
            }
            *upload_size = 0;
            return MHD_YES;
        }
        if (rq->too_big) return reply_json_error(con, 413, "control body larger than 4096 bytes");
        ctl c;
        char msg[300] = "";
        if (!ctl_parse(rq->body, rq->len, &c, msg, sizeof msg))
            return reply_json_error(con, 400, msg);
        lock_world(s);
        unsigned code = apply_control(s, &c, msg, sizeof msg);
        int64_t tick = unrest_world_tick(s->w);
        uint32_t gen = s->generation;
        int playing = s->playing;
        double value = NAN;
        const slider *sl = c.cmd == CTL_SET ? slider_find(c.path) : NULL;
        if (code == 200 && sl) value = slider_value(s, sl);
        pthread_mutex_unlock(&s->mu);
        if (code != 200) return reply_json_error(con, code, msg);
        json_t *o = json_pack("{s:b, s:I, s:I, s:b}", "ok", 1, "tick", (json_int_t)tick,
                              "generation", (json_int_t)gen, "playing", playing);
        if (o && sl) { /* a slider's value read back */
            json_object_set_new(o, "path", json_string(sl->path));
            json_object_set_new(o, "value", jnum(value));
        }
        return reply_json(con, 200, o);
    }
    if (!is_get) return reply_json_error(con, 405, "method not allowed");
    if (*upload_size) { /* a GET with a body: not ours to read */
        *upload_size = 0;
        return MHD_YES;
    }
    if (!strcmp(url, "/events")) return serve_events(s, con);
    if (!strcmp(url, "/series")) return serve_series(s, con);
    if (!strcmp(url, "/report")) {
        vbuf data = {0}, page = {0};
        lock_world(s);
        vbuf_str(&data, "{");
        view_run_fields(&data, s->rec, s->w, 1);
        vbuf_str(&data, "}");
        const char *title = unrest_world_scenario(s->w)->title;
        view_report_html(&page, title, data.data ? data.data : "{}", data.len);
        pthread_mutex_unlock(&s->mu);
        int failed = data.failed;
        vbuf_free(&data);
        if (failed) page.failed = 1;
        return reply_buf(con, "text/html; charset=utf-8", &page);
    }
    if (!strcmp(url, "/snapshot.png") || !strcmp(url, "/chart.png")) {
        vbuf b = {0};
        unrest_status st;
        lock_world(s);
        if (url[1] == 's') { /* a lattice: ?site=N */
            const char *si = MHD_lookup_connection_value(con, MHD_GET_ARGUMENT_KIND, "site");
            char *e = NULL;
            unsigned long site = si ? strtoul(si, &e, 10) : 0;
            if ((si && (*e || !si[0] || si[0] == '-')) || site >= unrest_world_site_count(s->w)) {
                pthread_mutex_unlock(&s->mu);
                return reply_json_error(con, 400, "bad 'site'");
            }
            st = view_png_snapshot_buf(&b, s->w, site, 0);
        } else {
            st = view_png_chart_buf(&b, s->rec, 1200, 600);
        }
        pthread_mutex_unlock(&s->mu);
        if (st != UNREST_OK) {
            vbuf_free(&b);
            return reply_json_error(con, 500, unrest_status_str(st));
        }
        return reply_buf(con, "image/png", &b);
    }
    const char *name = !strcmp(url, "/") ? "index.html" : url + 1;
    const view_asset *a = view_asset_find(name);
    if (!a) return reply_json_error(con, 404, "not found");
    return reply(con, 200, a->mime, a->data, a->len, MHD_RESPMEM_PERSISTENT);
}

static void on_completed(void *cls, struct MHD_Connection *con, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)con;
    (void)toe;
    free(*con_cls);
    *con_cls = NULL;
}

/* ---- lifecycle ------------------------------------------------------------------------------ */

void unrest_server_config_default(unrest_server_config *c)
{
    memset(c, 0, sizeof *c);
    c->bind = "127.0.0.1";
    c->port = 8080;
    c->max_clients = 64;
    c->frame_side = 256;
    c->speed = 4;
    c->play = 0;
    c->threads = 1;
    c->queue = 4;
    c->max_fps = 25;
}

unrest_status unrest_server_create(unrest_server **out, const unrest_scenario *sc, uint64_t seed,
                                   const unrest_server_config *cfg, char *err, size_t errlen)
{
    *out = NULL;
    unrest_server_config def;
    unrest_server_config_default(&def);
    if (!cfg) cfg = &def;
    if (cfg->frame_side < 16 || cfg->frame_side > 1024 || cfg->max_clients < 1 ||
        cfg->max_clients > 1024 || cfg->queue < 2 || cfg->queue > 64 || !(cfg->speed >= 0) ||
        !(cfg->max_fps > 0) || cfg->max_fps > 240) {
        view_err(err, errlen,
                 "server: frame side 16..1024, clients 1..1024, queue 2..64, speed >= 0, "
                 "fps 0..240");
        return UNREST_ERANGE;
    }
    union {
        struct sockaddr_in v4;
        struct sockaddr_in6 v6;
    } addr;
    memset(&addr, 0, sizeof addr);
    const char *bind = cfg->bind ? cfg->bind : "127.0.0.1";
    int v6 = strchr(bind, ':') != NULL;
    if (v6) {
        addr.v6.sin6_family = AF_INET6;
        addr.v6.sin6_port = htons(cfg->port);
        if (inet_pton(AF_INET6, bind, &addr.v6.sin6_addr) != 1) v6 = -1;
    } else {
        addr.v4.sin_family = AF_INET;
        addr.v4.sin_port = htons(cfg->port);
        if (inet_pton(AF_INET, bind, &addr.v4.sin_addr) != 1) v6 = -1;
    }
    if (v6 < 0) {
        view_err(err, errlen, "bad bind address '%s' (expected an IPv4 or IPv6 address)", bind);
        return UNREST_EINVAL;
    }
    unrest_server *s = calloc(1, sizeof *s);
    if (!s) return UNREST_ENOMEM;
    s->cfg = *cfg;
    snprintf(s->bind, sizeof s->bind, "%s", bind);
    s->cfg.bind = s->bind;
    s->sc = malloc(sizeof *s->sc);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->wake, NULL);
    pthread_mutex_init(&s->cl_mu, NULL);
    atomic_init(&s->stopping, 0);
    atomic_init(&s->waiters, 0);
    if (!s->sc) {
        unrest_server_destroy(s);
        return UNREST_ENOMEM;
    }
    *s->sc = *sc;
    unrest_status st = sliders_check(sc, err, errlen);
    if (st == UNREST_OK) st = rebuild(s, seed, err, errlen);
    if (st != UNREST_OK) {
        unrest_server_destroy(s);
        return st;
    }
    s->playing = cfg->play;
    s->speed = cfg->speed;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD;
    if (v6) flags |= MHD_USE_IPv6;
    s->d = MHD_start_daemon(flags, cfg->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_LIMIT,
                            (unsigned)cfg->max_clients, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_UNESCAPE_CALLBACK, unescape, s, MHD_OPTION_END);
    if (!s->d) {
        view_err(err, errlen, "cannot listen on %s port %u (in use, or not an address here)", bind,
                 (unsigned)cfg->port);
        unrest_server_destroy(s);
        return UNREST_EIO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : cfg->port;
    if (pthread_create(&s->sim, NULL, sim_main, s) != 0) {
        view_err(err, errlen, "cannot start the simulation thread");
        unrest_server_destroy(s);
        return UNREST_ENOMEM;
    }
    s->sim_started = 1;
    *out = s;
    return UNREST_OK;
}

uint16_t unrest_server_port(const unrest_server *s)
{
    return s->port;
}

void unrest_server_destroy(unrest_server *s)
{
    if (!s) return;
    atomic_store(&s->stopping, 1);
    pthread_mutex_lock(&s->mu);
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->mu);
    pthread_mutex_lock(&s->cl_mu);
    for (client *c = s->clients; c; c = c->next) {
        pthread_mutex_lock(&c->mu);
        pthread_cond_broadcast(&c->cv);
        pthread_mutex_unlock(&c->mu);
    }
    pthread_mutex_unlock(&s->cl_mu);
    if (s->sim_started) pthread_join(s->sim, NULL);
    if (s->d) MHD_stop_daemon(s->d);
    unrest_recorder_destroy(s->rec);
    unrest_world_destroy(s->w);
    view_frame_scratch_free(&s->scratch);
    free(s->sc);
    pthread_mutex_destroy(&s->cl_mu);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
