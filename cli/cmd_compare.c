/*
 * cmd_compare.c - `unrest compare`: run several variants of a scenario on the same seeds
 * (common random numbers) and print, for each outcome class, each variant's probability with a
 * 95% Wilson interval, the medians of dead, detained, duration and peak with bootstrap
 * intervals, and each variant's difference from the first with a paired interval (the table
 * is cli_exp_report, exp_report.c).
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "unrest/design.h"

#define MAX_VARIANTS 32

void help_compare(FILE *out)
{
    fprintf(out,
            "usage: unrest compare SCENARIO --variant NAME=FILE_OR_SETTINGS ... [OPTIONS]\n"
            "\n"
            "Run each variant N times on the same seeds (run i of every variant has seed\n"
            "unrest_seed_derive(master, i)) and print a table: for each outcome (suppressed,\n"
            "settled, capital, protracted) each variant's probability with a 95%% Wilson\n"
            "interval; medians of dead, detained, duration and peak with 95%% bootstrap\n"
            "intervals; and each variant's difference from the first variant, with paired\n"
            "intervals (Newcombe for probabilities, bootstrap of paired differences for\n"
            "medians). With one --variant, the unchanged SCENARIO is added first as 'base'.\n"
            "\n"
            "  SCENARIO           a scenario file, or 'default'\n"
            "  --variant NAME=FILE          a scenario file (it may use base:), or\n"
            "  --variant NAME=PATH=V,PATH=V settings applied on top of SCENARIO (repeatable)\n"
            "  --runs N           runs per variant (default 100)\n"
            "%s"
            "  Without --db the runs are kept in memory only.\n"
            "\n"
            "examples:\n"
            "  unrest compare default --variant lenity=legitimacy.initial=0.75 \\\n"
            "      --variant cruelty=force.lethal_fear=2 --runs 200\n"
            "  unrest compare default --variant no-csto=scenarios/no-csto.yaml --db cmp.db\n",
            CLI_EXP_OPTIONS_HELP);
}

/* ---- the command ----------------------------------------------------------------------------- */

typedef struct variant {
    char name[UNREST_SC_NAME]; /* as given */
    const char *spec;          /* FILE or settings, as given */
    int is_file;               /* spec is a scenario file */
    unrest_scenario *sc;       /* the variant's scenario (malloc'd) */
    int64_t id;                /* variant row */
} variant;

static int valid_name(const char *s, size_t n)
{
    if (n == 0 || n >= UNREST_SC_NAME) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

/* Build a variant's scenario: a file (then the global --set values), or settings applied on
 * top of the base scenario. */
static int variant_build(cli_exp *e, variant *v)
{
    int rc;
    v->sc = malloc(sizeof *v->sc);
    if (!v->sc) {
        cli_error(e->cmd, "out of memory");
        return EXIT_FAIL;
    }
    if (v->is_file) {
        if ((rc = cli_scenario_read(e->cmd, v->spec, v->sc)) != EXIT_OK) return rc;
        for (size_t i = 0; i < e->nsets; i++)
            if ((rc = cli_scenario_apply(e->cmd, "--set", v->sc, e->sets[i])) != EXIT_OK) return rc;
    } else {
        memcpy(v->sc, e->sc, sizeof *v->sc);
        char buf[2048];
        if (strlen(v->spec) >= sizeof buf) {
            cli_error(e->cmd, "--variant '%s': settings too long", v->name);
            return EXIT_USAGE;
        }
        snprintf(buf, sizeof buf, "%s", v->spec);
        for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
            char what[128];
            snprintf(what, sizeof what, "--variant %.60s", v->name);
            if ((rc = cli_scenario_apply(e->cmd, what, v->sc, tok)) != EXIT_OK) return rc;
        }
    }
    char err[1024];
    if (unrest_scenario_validate(v->sc, err, sizeof err) != UNREST_OK) {
        cli_error(e->cmd, "--variant %s: %s", v->name, err);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

int cmd_compare(int argc, char **argv)
{
    const char *C = "compare";
    cli_exp e;
    cli_exp_init(&e, C, argc, argv);
    int rc = EXIT_USAGE;
    unrest_store *s = NULL;
    unrest_job *jobs = NULL;
    variant var[MAX_VARIANTS + 1];
    size_t nv = 0;
    unrest_store_row *rows[MAX_VARIANTS + 1] = {0};
    size_t nrows[MAX_VARIANTS + 1] = {0};
    char *settings = NULL;
    memset(var, 0, sizeof var);
    /* slot 0 is kept for an automatic 'base' */
    variant *given = var + 1;
    size_t ngiven = 0;
    for (int i = 1; i < argc; i++) {
        const char *val;
        int r = cli_opt(argc, argv, &i, "--variant", &val);
        if (r < 0) {
            cli_error(C, "option '--variant' needs a value (NAME=FILE or NAME=PATH=VALUE,...)");
            goto done;
        }
        if (r > 0) {
            const char *eq = strchr(val, '=');
            if (!eq || !valid_name(val, (size_t)(eq - val)) || !eq[1]) {
                cli_error(C,
                          "--variant '%s': expected NAME=FILE or NAME=PATH=VALUE,... (NAME: "
                          "letters, digits, '_', '-', '.')",
                          val);
                goto done;
            }
            if (ngiven == MAX_VARIANTS) {
                cli_error(C, "at most %d variants", MAX_VARIANTS);
                goto done;
            }
            variant *v = &given[ngiven++];
            snprintf(v->name, sizeof v->name, "%.*s", (int)(eq - val), val);
            v->spec = eq + 1;
            v->is_file = strchr(v->spec, '=') == NULL;
            for (size_t k = 0; k + 1 < ngiven; k++)
                if (!strcmp(given[k].name, v->name)) {
                    cli_error(C, "--variant: two variants named '%s'", v->name);
                    goto done;
                }
            continue;
        }
        r = cli_exp_option(&e, argc, argv, &i);
        if (r < 0) goto done;
        if (r == 0) {
            cli_error(C, "unknown option '%s' (try 'unrest help compare')", argv[i]);
            goto done;
        }
    }
    if (!e.runs) e.runs = 100;
    if (ngiven == 0) {
        cli_error(C, "give at least one --variant NAME=FILE or NAME=PATH=VALUE,...");
        goto done;
    }
    if ((rc = cli_exp_load(&e)) != EXIT_OK) goto done;
    if ((rc = cli_exp_posterior(&e, 1)) != EXIT_OK) goto done;
    variant *v0 = given;
    nv = ngiven;
    if (ngiven == 1) {
        if (!strcmp(given[0].name, "base")) {
            cli_error(C, "one variant named 'base': give another to compare it with");
            rc = EXIT_USAGE;
            goto done;
        }
        v0 = var;
        snprintf(v0->name, sizeof v0->name, "base");
        v0->spec = "";
        nv = 2;
    }
    for (size_t k = 0; k < nv; k++) {
        variant *v = &v0[k];
        if (v == var) {
            v->sc = malloc(sizeof *v->sc);
            if (!v->sc) {
                rc = EXIT_FAIL;
                goto done;
            }
            memcpy(v->sc, e.sc, sizeof *v->sc);
        } else if ((rc = variant_build(&e, v)) != EXIT_OK) {
            goto done;
        }
    }
    /* identity: every variant's name and scenario hash, and whether series are kept */
    size_t slen = 160 + nv * (UNREST_SC_NAME + 24);
    settings = malloc(slen);
    if (!settings) {
        rc = EXIT_FAIL;
        goto done;
    }
    size_t used = (size_t)snprintf(settings, slen, "series=%d%s;variants=", e.series, e.post_id);
    for (size_t k = 0; k < nv; k++)
        used += (size_t)snprintf(settings + used, slen - used, "%s%s:%016" PRIx64, k ? "," : "",
                                 v0[k].name, unrest_scenario_hash(v0[k].sc));
    int64_t exp;
    int resumed;
    if ((rc = cli_exp_open(&e, UNREST_EXP_COMPARE, settings, &s, &exp, &resumed)) != EXIT_OK)
        goto done;
    rc = EXIT_FAIL;
    for (size_t k = 0; k < nv; k++) {
        char vs[2100];
        if (v0[k].spec[0])
            snprintf(vs, sizeof vs, "%s=%s", v0[k].is_file ? "file" : "set", v0[k].spec);
        else
            vs[0] = '\0';
        if (unrest_store_variant(s, exp, v0[k].name, vs, unrest_scenario_hash(v0[k].sc),
                                 &v0[k].id) != UNREST_OK) {
            cli_error(C, "%s", unrest_store_error(s));
            goto done;
        }
    }
    size_t njobs = (size_t)e.runs * nv;
    jobs = calloc(njobs, sizeof *jobs);
    if (!jobs) {
        cli_error(C, "out of memory");
        goto done;
    }
    /* index-major, so that an interrupted comparison has whole pairs */
    for (uint64_t i = 0; i < e.runs; i++)
        for (size_t k = 0; k < nv; k++) {
            unrest_job *j = &jobs[i * nv + k];
            j->sc = v0[k].sc;
            j->key.variant_id = v0[k].id;
            j->key.idx = i;
            j->key.rep = i;
            j->key.seed = unrest_seed_derive(e.seed, i);
            j->key.factors = cli_exp_factors(&e, i);
        }
    unrest_runner_stats stats;
    if ((rc = cli_exp_run(&e, s, exp, jobs, njobs, &stats)) != EXIT_OK) goto done;
    const char *names[MAX_VARIANTS + 1];
    const unrest_store_row *vr[MAX_VARIANTS + 1];
    for (size_t k = 0; k < nv; k++) {
        if (unrest_store_rows(s, exp, v0[k].id, &rows[k], &nrows[k]) != UNREST_OK) {
            cli_error(C, "%s", unrest_store_error(s));
            rc = EXIT_FAIL;
            goto done;
        }
        if (nrows[k] > e.runs) nrows[k] = e.runs;
        names[k] = v0[k].name;
        vr[k] = rows[k];
    }
    if (!e.quiet) {
        printf("%s: %zu variants x %" PRIu64 " runs, master seed %" PRIu64 "%s%s\n\n", e.sc->name,
               nv, e.runs, e.seed, e.db ? ", database " : "", e.db ? e.db : "");
        cli_exp_report(stdout, names, vr, nrows, nv, e.seed);
    }
    if (e.report) {
        int64_t ids[MAX_VARIANTS + 1];
        for (size_t k = 0; k < nv; k++)
            ids[k] = v0[k].id;
        if ((rc = cli_exp_write_report(&e, s, exp, "compare", names, ids, vr, nrows, nv)) !=
            EXIT_OK)
            goto done;
    }
    rc = EXIT_OK;
    for (size_t k = 0; k < nv && rc == EXIT_OK; k++)
        rc = cli_exp_failures(C, rows[k], nrows[k]);
done:
    for (size_t k = 0; k <= MAX_VARIANTS; k++) {
        free(var[k].sc);
        free(rows[k]);
    }
    free(settings);
    free(jobs);
    unrest_store_close(s);
    cli_exp_free(&e);
    return rc;
}
