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
#include <errno.h>
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

#include "view_int.h"

#define CONTROL_MAX 4096 /* bytes of a control body; more is 413 */
#define URL_MAX 512      /* longer paths are 414 */
#define KEEPALIVE_S 5.0  /* an idle stream gets a comment line this often */
#define STEP_MAX 10000   /* ticks one "step" control may ask for */

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

    pthread_mutex_t mu;   /* guards everything below down to `scratch` */
    pthread_cond_t wake;  /* wakes the simulation thread (play, stop) */
    unrest_world *w;      /* the running world */
    unrest_recorder *rec; /* its series */
    int playing;          /* ticking on its own */
    double speed;         /* ticks per second, 0 = as fast as possible */
    uint32_t generation;  /* worlds built so far - 1 (a reset makes a new one) */
    size_t sent_sample;   /* samples already sent in frames */
    size_t sent_event;    /* events already sent in frames */
    double last_pub;      /* monotonic time of the last frame */
    int pending;          /* a frame was held back by the frame rate */
    char error[256];      /* last simulation error ("" if none) */
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
    return UNREST_OK;
}

/* Sliders the page shows. live: moved by firing an event now; else a scenario value that
 * restarts the run. */
typedef struct slider {
    const char *name;  /* control name (scenario key for restarting ones) */
    const char *label; /* shown */
    double min, max, step;
    int live;
} slider;

static const slider sliders[] = {
    {"legitimacy", "legitimacy at start", 0, 1, 0.01, 0},
    {"threshold", "activation threshold T", 0, 1, 0.01, 0},
    {"k", "arrest constant k", 0, 10, 0.1, 0},
    {"spread", "spread between cities", 0, 1, 0.01, 0},
    {"police_per_100k", "police per 100,000", 0, 2000, 10, 0},
    {"fuel_price", "LPG price (tenge/L), now", 0, 400, 1, 1},
    {"internet", "internet (1 = normal), now", 0, 1, 0.05, 1},
    {"temperature", "temperature anomaly (\u00b0C), now", -25, 25, 0.5, 1},
    {"leadership", "opposition leadership, now", 0, 1, 0.05, 1},
};
#define NSLIDERS (sizeof sliders / sizeof sliders[0])

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

static double slider_value(const unrest_server *s, const slider *sl)
{
    const unrest_sc_params *p = &s->sc->p;
    if (!strcmp(sl->name, "legitimacy")) return p->legitimacy;
    if (!strcmp(sl->name, "threshold")) return p->threshold;
    if (!strcmp(sl->name, "k")) return p->k;
    if (!strcmp(sl->name, "spread")) return p->spread;
    if (!strcmp(sl->name, "police_per_100k")) return p->police_per_100k;
    size_t n = unrest_world_site_count(s->w);
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        unrest_site_state st;
        unrest_world_site(s->w, i, &st);
        if (!strcmp(sl->name, "fuel_price")) sum += st.fuel_price;
        if (!strcmp(sl->name, "internet")) sum += st.internet;
        if (!strcmp(sl->name, "temperature")) sum += st.temperature - s->sc->site[i].temp_normal;
    }
    return n ? sum / (double)n : 0;
}

/* The "meta" message a new viewer starts from: the run so far plus the live controls. */
static frame *meta_frame(unrest_server *s)
{
    vbuf b = {0};
    vbuf_str(&b, "{");
    view_run_fields(&b, s->rec, s->w, 0);
    vbuf_printf(&b, ",\"live\":true,\"generation\":%u,\"playing\":%s,\"speed\":", s->generation,
                s->playing ? "true" : "false");
    vbuf_json_num(&b, s->speed);
    vbuf_printf(&b, ",\"frame_side\":%u,\"error\":", s->cfg.frame_side);
    vbuf_json_str(&b, s->error);
    vbuf_str(&b, ",\"sliders\":[");
    for (size_t i = 0; i < NSLIDERS; i++) {
        const slider *sl = &sliders[i];
        vbuf_printf(&b, "%s{\"name\":", i ? "," : "");
        vbuf_json_str(&b, sl->name);
        vbuf_str(&b, ",\"label\":");
        vbuf_json_str(&b, sl->label);
        vbuf_printf(&b, ",\"min\":%g,\"max\":%g,\"step\":%g,\"live\":%s,\"value\":", sl->min,
                    sl->max, sl->step, sl->live ? "true" : "false");
        vbuf_json_num(&b, slider_value(s, sl));
        vbuf_str(&b, "}");
    }
    vbuf_str(&b, "],\"buttons\":[");
    for (size_t i = 0; i < NBUTTONS; i++) {
        vbuf_printf(&b, "%s{\"name\":", i ? "," : "");
        vbuf_json_str(&b, buttons[i].name);
        vbuf_str(&b, ",\"label\":");
        vbuf_json_str(&b, buttons[i].label);
        vbuf_str(&b, "}");
    }
    vbuf_str(&b, "]}");
    frame *f = b.failed ? NULL : frame_make("meta", b.data, b.len, 0);
    vbuf_free(&b);
    return f;
}

/* ---- controls -------------------------------------------------------------------------------- */

#define CTL_KEYS 8

/* A flat JSON object of string, number and boolean members (what the page posts). */
typedef struct ctl {
    size_t n;
    char key[CTL_KEYS][24];
    char val[CTL_KEYS][128];
} ctl;

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* Parse a JSON string at p (at the quote) into out (cap bytes); no escapes but \" \\ \/. */
static const char *parse_str(const char *p, const char *end, char *out, size_t cap)
{
    if (p >= end || *p != '"') return NULL;
    size_t n = 0;
    for (p++; p < end && *p != '"'; p++) {
        char c = *p;
        if ((unsigned char)c < 0x20) return NULL;
        if (c == '\\') {
            if (++p >= end) return NULL;
            c = *p;
            if (c != '"' && c != '\\' && c != '/') return NULL;
        }
        if (n + 1 >= cap) return NULL;
        out[n++] = c;
    }
    if (p >= end) return NULL;
    out[n] = '\0';
    return p + 1;
}

static int parse_ctl(const char *p, size_t len, ctl *c)
{
    const char *end = p + len;
    memset(c, 0, sizeof *c);
    p = skip_ws(p, end);
    if (p >= end || *p != '{') return 0;
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}') return skip_ws(p + 1, end) == end;
    for (;;) {
        if (c->n == CTL_KEYS) return 0;
        p = parse_str(p, end, c->key[c->n], sizeof c->key[0]);
        if (!p) return 0;
        p = skip_ws(p, end);
        if (p >= end || *p != ':') return 0;
        p = skip_ws(p + 1, end);
        if (p < end && *p == '"') {
            p = parse_str(p, end, c->val[c->n], sizeof c->val[0]);
            if (!p) return 0;
        } else {
            size_t n = 0;
            while (p < end && (strchr("0123456789+-.eE", *p) || (*p >= 'a' && *p <= 'z'))) {
                if (n + 1 >= sizeof c->val[0]) return 0;
                c->val[c->n][n++] = *p++;
            }
            if (!n) return 0;
            c->val[c->n][n] = '\0';
            const char *v = c->val[c->n];
            if (strcmp(v, "true") && strcmp(v, "false")) {
                char *e;
                double d = strtod(v, &e);
                if (*e || !isfinite(d)) return 0;
            }
        }
        c->n++;
        p = skip_ws(p, end);
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == '}') return skip_ws(p + 1, end) == end;
        return 0;
    }
}

static const char *ctl_get(const ctl *c, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->key[i], key)) return c->val[i];
    return NULL;
}

/* Read a number member; absent gives def. Returns 0 if present but not a number in range. */
static int ctl_num(const ctl *c, const char *key, double lo, double hi, double def, double *out)
{
    const char *v = ctl_get(c, key);
    *out = def;
    if (!v) return 1;
    char *e;
    double d = strtod(v, &e);
    if (e == v || *e || !isfinite(d) || d < lo || d > hi) return 0;
    *out = d;
    return 1;
}

/* The first event of kind k in the scenario's timeline (the template for a button), or NULL. */
static const unrest_sc_event *template_of(const unrest_scenario *sc, unrest_sc_kind k, int want_on)
{
    for (size_t i = 0; i < sc->n_events; i++)
        if (sc->event[i].kind == k && (!want_on || sc->event[i].value > 0)) return &sc->event[i];
    return NULL;
}

/* Fill ev for a "fire" control. Returns 0 with a message in err on bad input. */
static int make_event(const unrest_server *s, const ctl *c, unrest_sc_event *ev, char *err,
                      size_t errlen)
{
    const char *kind = ctl_get(c, "kind");
    if (!kind) {
        view_err(err, errlen, "fire needs a \"kind\"");
        return 0;
    }
    const unrest_scenario *sc = s->sc;
    size_t n = sc->n_sites;
    memset(ev, 0, sizeof *ev);
    ev->tick = unrest_world_tick(s->w);
    ev->until = -1;
    ev->sites = n >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1);
    const char *site = ctl_get(c, "site");
    if (site) {
        int i = unrest_scenario_site_index(sc, site);
        if (i < 0) {
            view_err(err, errlen, "unknown site '%s'", site);
            return 0;
        }
        ev->sites = (uint64_t)1 << i;
    }
    int ok = 1;
    const unrest_sc_event *t;
    if (!strcmp(kind, "price_cap")) {
        t = template_of(sc, UNREST_SC_PRICE_CAP, 0);
        ev->kind = UNREST_SC_PRICE_CAP;
        ok = ctl_num(c, "value", 0, 1e6, t ? t->value : sc->p.fuel_ref_price, &ev->value);
        ev->legitimacy = t ? t->legitimacy : 0.03;
    } else if (!strcmp(kind, "blackout") || !strcmp(kind, "internet")) {
        ev->kind = UNREST_SC_INTERNET;
        ok = ctl_num(c, "value", 0, 1, kind[0] == 'b' ? 0 : 1, &ev->value);
    } else if (!strcmp(kind, "curfew") || !strcmp(kind, "lift_curfew")) {
        t = template_of(sc, UNREST_SC_EMERGENCY, 1);
        ev->kind = UNREST_SC_EMERGENCY;
        ev->value = kind[0] == 'c' ? 1 : 0;
        ev->curfew_from = t ? t->curfew_from : 23;
        ev->curfew_to = t ? t->curfew_to : 7;
    } else if (!strcmp(kind, "troops")) {
        t = template_of(sc, UNREST_SC_TROOPS, 0);
        ev->kind = UNREST_SC_TROOPS;
        ev->role = t ? t->role : UNREST_ROLE_GUARD;
        ok = ctl_num(c, "people", 0, 1e6, t ? t->people : 2500, &ev->people);
        if (t && t->until >= 0) ev->until = ev->tick + (t->until - t->tick);
        if (t && !site) ev->sites = t->sites;
    } else if (!strcmp(kind, "lethal") || !strcmp(kind, "lift_lethal")) {
        t = template_of(sc, UNREST_SC_LETHAL, 1);
        ev->kind = UNREST_SC_LETHAL;
        ok = ctl_num(c, "value", 0, 1, kind[0] == 'l' && kind[1] == 'e' ? (t ? t->value : 0.02) : 0,
                     &ev->value);
        if (!strcmp(kind, "lift_lethal")) ev->value = 0;
    } else if (!strcmp(kind, "concession")) {
        ev->kind = UNREST_SC_CONCESSION;
        ok = ctl_num(c, "value", -1, 1, 0.05, &ev->value);
    } else if (!strcmp(kind, "reinforce")) {
        t = template_of(sc, UNREST_SC_REINFORCE, 0);
        ev->kind = UNREST_SC_REINFORCE;
        ok = ctl_num(c, "people", -1e6, 1e6, t ? t->people : 1000, &ev->people);
    } else if (!strcmp(kind, "fuel_price")) {
        ev->kind = UNREST_SC_FUEL_PRICE;
        ok = ctl_num(c, "value", 0, 1e6, NAN, &ev->value);
    } else if (!strcmp(kind, "temperature")) {
        ev->kind = UNREST_SC_TEMPERATURE;
        ok = ctl_num(c, "value", -80, 80, NAN, &ev->value);
    } else if (!strcmp(kind, "leadership")) {
        ev->kind = UNREST_SC_LEADERSHIP;
        ok = ctl_num(c, "value", 0, 1, NAN, &ev->value);
    } else if (!strcmp(kind, "legitimacy")) {
        ev->kind = UNREST_SC_LEGITIMACY;
        ok = ctl_num(c, "value", -1, 1, NAN, &ev->value);
    } else {
        view_err(err, errlen, "unknown intervention '%s'", kind);
        return 0;
    }
    if (!ok || isnan(ev->value)) {
        view_err(err, errlen, "'%s' needs a number in range", kind);
        return 0;
    }
    const char *label = NULL;
    for (size_t i = 0; i < NBUTTONS; i++)
        if (!strcmp(buttons[i].name, kind)) label = buttons[i].label;
    if (label)
        snprintf(ev->label, sizeof ev->label, "%s (viewer)", label);
    else
        snprintf(ev->label, sizeof ev->label, "%s %g (viewer)", kind, ev->value);
    return 1;
}

/* Apply a control. Returns the HTTP status; msg gets the error text for non-200. */
static unsigned apply_control(unrest_server *s, const ctl *c, char *msg, size_t msglen)
{
    const char *cmd = ctl_get(c, "cmd");
    if (!cmd) {
        view_err(msg, msglen, "missing \"cmd\"");
        return 400;
    }
    double v;
    if (!strcmp(cmd, "play")) {
        if (unrest_world_tick(s->w) < unrest_world_ticks(s->w) && !s->error[0]) s->playing = 1;
        pthread_cond_signal(&s->wake);
        publish(s, 1);
    } else if (!strcmp(cmd, "pause")) {
        s->playing = 0;
        publish(s, 1);
    } else if (!strcmp(cmd, "step")) {
        if (!ctl_num(c, "n", 1, STEP_MAX, 1, &v)) {
            view_err(msg, msglen, "step: n must be 1..%d", STEP_MAX);
            return 400;
        }
        s->playing = 0;
        for (int i = 0; i < (int)v && advance(s); i++)
            ;
        publish(s, 1);
    } else if (!strcmp(cmd, "speed")) {
        if (!ctl_num(c, "value", 0, 10000, NAN, &v) || isnan(v)) {
            view_err(msg, msglen, "speed: value must be 0..10000 ticks per second");
            return 400;
        }
        s->speed = v;
        publish(s, 1);
    } else if (!strcmp(cmd, "reset") || !strcmp(cmd, "set")) {
        uint64_t seed = s->seed;
        const char *sv = ctl_get(c, "seed");
        if (sv) {
            char *e;
            errno = 0;
            unsigned long long u = strtoull(sv, &e, 10);
            if (e == sv || *e || errno || sv[0] == '-') {
                view_err(msg, msglen, "seed must be an integer 0..2^64-1");
                return 400;
            }
            seed = u;
        }
        unrest_scenario *old = NULL;
        if (!strcmp(cmd, "set")) {
            const char *name = ctl_get(c, "name"), *val = ctl_get(c, "value");
            if (!name || !val) {
                view_err(msg, msglen, "set needs \"name\" and \"value\"");
                return 400;
            }
            old = malloc(sizeof *old);
            if (!old) return 503;
            *old = *s->sc;
            char assign[200];
            snprintf(assign, sizeof assign, "%s=%s", name, val);
            char err[256] = "";
            if (unrest_scenario_set(s->sc, assign, err, sizeof err) != UNREST_OK ||
                unrest_scenario_validate(s->sc, err, sizeof err) != UNREST_OK) {
                *s->sc = *old;
                free(old);
                view_err(msg, msglen, "%s", err[0] ? err : "bad value");
                return 400;
            }
        }
        char err[256] = "";
        if (rebuild(s, seed, err, sizeof err) != UNREST_OK) {
            if (old) *s->sc = *old;
            free(old);
            view_err(msg, msglen, "%s", err[0] ? err : "could not rebuild the world");
            return old ? 400 : 500;
        }
        free(old);
        publish(s, 1);
    } else if (!strcmp(cmd, "fire")) {
        unrest_sc_event ev;
        if (!make_event(s, c, &ev, msg, msglen)) return 400;
        unrest_status st = unrest_world_fire(s->w, &ev);
        if (st != UNREST_OK) {
            view_err(msg, msglen, "%s",
                     unrest_world_error(s->w)[0] ? unrest_world_error(s->w)
                                                 : unrest_status_str(st));
            return 400;
        }
        unrest_recorder_mark(s->rec, ev.label);
        publish(s, 1);
    } else {
        view_err(msg, msglen, "unknown cmd '%s' (play, pause, step, reset, speed, set, fire)", cmd);
        return 400;
    }
    return 200;
}

/* ---- HTTP ----------------------------------------------------------------------------------- */

/* What a connection is doing between calls of the request handler. */
typedef struct request {
    int post;    /* a POST whose body is being read */
    int too_big; /* the body passed CONTROL_MAX */
    size_t len;  /* body bytes kept */
    char body[CONTROL_MAX + 1];
} request;

static enum MHD_Result reply(struct MHD_Connection *con, unsigned code, const char *mime,
                             const void *data, size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)data, mode);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, mime);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (code == 405) MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD, POST");
    enum MHD_Result ret = MHD_queue_response(con, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_json_error(struct MHD_Connection *con, unsigned code, const char *msg)
{
    vbuf b = {0};
    vbuf_str(&b, "{\"error\":");
    vbuf_json_str(&b, msg);
    vbuf_str(&b, "}\n");
    enum MHD_Result r =
        b.failed ? MHD_NO
                 : reply(con, code, "application/json", b.data, b.len, MHD_RESPMEM_MUST_COPY);
    vbuf_free(&b);
    return r;
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
    if (!r) {
        vbuf_free(b);
        return MHD_NO;
    }
    b->data = NULL;
    vbuf_free(b);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, mime);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ret = MHD_queue_response(con, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
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
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Accel-Buffering", "no");
    enum MHD_Result ret = MHD_queue_response(con, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
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
        if (!parse_ctl(rq->body, rq->len, &c))
            return reply_json_error(con, 400, "body must be a flat JSON object");
        char msg[300] = "";
        lock_world(s);
        unsigned code = apply_control(s, &c, msg, sizeof msg);
        int64_t tick = unrest_world_tick(s->w);
        uint32_t gen = s->generation;
        int playing = s->playing;
        pthread_mutex_unlock(&s->mu);
        if (code != 200) return reply_json_error(con, code, msg);
        char out[160];
        int n = snprintf(out, sizeof out,
                         "{\"ok\":true,\"tick\":%lld,\"generation\":%u,\"playing\":%s}\n",
                         (long long)tick, gen, playing ? "true" : "false");
        return reply(con, 200, "application/json", out, (size_t)n, MHD_RESPMEM_MUST_COPY);
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
    unrest_status st = rebuild(s, seed, err, errlen);
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
