/*
 * fuzz_scenario.c - libFuzzer harness for the YAML scenario reader: any bytes must load or fail
 * with a status and a "fuzz.yaml:..." message, never crash, leak or overflow; a scenario that
 * loads must pass validation, and its events must name real sites. Loading from memory never
 * touches the file system (only `base: builtin` is allowed). Seed corpus: tests/corpus/scenario/.
 * Build with -DUNREST_FUZZ=ON (clang), run: fuzz_scenario -max_total_time=60 CORPUS_COPY/
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unrest/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unrest_scenario *sc = malloc(sizeof *sc);
    if (!sc) return 0;
    unrest_scenario_init(sc);
    char err[512];
    unrest_status st =
        unrest_scenario_load_string(sc, (const char *)data, size, "fuzz.yaml", err, sizeof err);
    if (st != UNREST_OK) {
        /* every failure explains itself: "fuzz.yaml..." (or the builtin it is based on) */
        if (strncmp(err, "fuzz.yaml", 9) != 0 && strncmp(err, "<builtin>", 9) != 0)
            __builtin_trap();
    } else {
        if (unrest_scenario_validate(sc, err, sizeof err) != UNREST_OK) __builtin_trap();
        if (sc->n_sites < 1 || sc->n_sites > UNREST_SC_MAX_SITES) __builtin_trap();
        uint64_t all = sc->n_sites == 64 ? UINT64_MAX : ((uint64_t)1 << sc->n_sites) - 1;
        for (size_t i = 0; i < sc->n_events; i++) {
            const unrest_sc_event *e = &sc->event[i];
            if (!e->sites || (e->sites & ~all) || e->tick < 0) __builtin_trap();
        }
        (void)unrest_scenario_hash(sc);
        /* overrides on what was read never crash either */
        (void)unrest_scenario_set(sc, "sites.*.population=1000", err, sizeof err);
        (void)unrest_scenario_set(sc, "time.tick_hours=0.5", err, sizeof err);
    }
    free(sc);
    return 0;
}
