/*
 * help.c - the reference texts of `unrest help`: the classic model's parameters and rule
 * profiles, and the scenario key table (`unrest help scenario`, and with --markdown the table
 * docs/SCENARIO.md contains, so that the docs are generated from the one table).
 */
#include <math.h>
#include <string.h>

#include "cli.h"
#include "unrest/scenario.h"
#include "unrest/unrest.h"

void help_params(FILE *out)
{
    unrest_params d;
    unrest_params_default(&d);
    fprintf(out, "Parameters (set with --set NAME=VALUE or under params: in a run file).\n"
                 "Runtime parameters (*) may also change during a run with --at and --ramp.\n\n");
    for (size_t i = 0; i < unrest_param_count(); i++) {
        const unrest_param_info *p = unrest_param_info_at(i);
        char def[64], range[200];
        unrest_params_get(&d, p->name, def, sizeof def);
        switch (p->kind) {
        case UNREST_PARAM_UINT:
            snprintf(range, sizeof range, "integer %.0f..%.0f%s", p->min, p->max,
                     strcmp(p->name, "jail_max") ? "" : " or inf");
            break;
        case UNREST_PARAM_REAL:
            snprintf(range, sizeof range, "number %g..%g", p->min, p->max);
            break;
        case UNREST_PARAM_BOOL:
            snprintf(range, sizeof range, "true|false");
            break;
        case UNREST_PARAM_ENUM: {
            size_t used = 0;
            range[0] = '\0';
            for (int k = 0; p->names[k] && used < sizeof range; k++)
                used += (size_t)snprintf(range + used, sizeof range - used, "%s%s", k ? "|" : "",
                                         p->names[k]);
            break;
        }
        }
        fprintf(out, "  %-19s%s %-12s %s\n  %-20s %s\n", p->name, p->runtime ? "*" : " ", def,
                p->help, "", range);
    }
}

void help_profiles(FILE *out)
{
    static const char *const rules[] = {
        "hood",  "ratio", "self_count", "jail_place",       "jail_term",      "countdown",
        "order", "init",  "movement",   "cops_move_static", "cop_to_arrestee"};
    const char *const *names = unrest_profile_names();
    fprintf(out,
            "Profiles set the rule switches (not the numbers) to reproduce an implementation:\n"
            "  paper    Epstein (PNAS 2002) as printed, floor(C/A) by default\n"
            "  netlogo  NetLogo Rebellion (Wilensky 2004)\n"
            "  mesa     the Mesa 3.x epstein_civil_violence example\n\n");
    fprintf(out, "%-18s", "switch");
    for (int j = 0; names[j]; j++)
        fprintf(out, "%-16s", names[j]);
    fputc('\n', out);
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        fprintf(out, "%-18s", rules[i]);
        for (int j = 0; names[j]; j++) {
            unrest_params p;
            char v[64];
            unrest_params_default(&p);
            unrest_params_profile(&p, names[j]);
            unrest_params_get(&p, rules[i], v, sizeof v);
            fprintf(out, "%-16s", v);
        }
        fputc('\n', out);
    }
}
/* A key's default as text: the table's number, else the default scenario's value for a
 * parameter (profile, time.start), else "-". */
static void key_default(const unrest_key_info *k, const unrest_scenario *init, char *buf, size_t n)
{
    char err[256];
    if (!isnan(k->def)) {
        if (k->type == UNREST_KEY_BOOL)
            snprintf(buf, n, "%s", k->def != 0 ? "true" : "false");
        else
            snprintf(buf, n, "%.6g", k->def);
        return;
    }
    if (strncmp(k->path, "sites.", 6) != 0 &&
        unrest_scenario_get(init, k->path, buf, n, err, sizeof err) == UNREST_OK && buf[0])
        return;
    snprintf(buf, n, "-");
}

/* s with '|' escaped for a Markdown table cell. */
static void md_cell(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '|') fputc('\\', out);
        fputc(*s, out);
    }
}

void help_scenario(FILE *out, int markdown)
{
    static unrest_scenario init; /* large (fixed arrays): not on the stack */
    unrest_scenario_init(&init);
    if (markdown)
        fprintf(out, "| key | range | default | unit | what it does |\n|---|---|---|---|---|\n");
    else
        fprintf(
            out,
            "Scenario keys: in a scenario file (SECTION: KEY: value) or with --set PATH=VALUE.\n"
            "sites.*.KEY is a key of every site (sites.NAME.KEY: of one), sites.*.focal.*.KEY\n"
            "of every focal point (sites.NAME.focal.FOCAL.KEY: of one). Events are not keys:\n"
            "they are written in the file's events: list (docs/SCENARIO.md).\n\n");
    for (size_t i = 0; i < unrest_key_count(); i++) {
        const unrest_key_info *k = unrest_key_at(i);
        char range[128], def[128];
        unrest_key_range_text(k, range, sizeof range);
        key_default(k, &init, def, sizeof def);
        if (markdown) {
            fprintf(out, "| `%s` | ", k->path);
            md_cell(out, range);
            fprintf(out, " | %s | ", def);
            md_cell(out, k->unit);
            fprintf(out, " | ");
            md_cell(out, k->doc);
            fprintf(out, " |\n");
        } else {
            fprintf(out, "  %-34s %-24s default %s%s%s\n      %s\n", k->path, range, def,
                    k->unit[0] ? " " : "", k->unit, k->doc);
        }
    }
}
