/*
 * fuzz_runspec.c - libFuzzer harness for the YAML run-file reader: any bytes must load or fail
 * with a status and a message, never crash, leak or overflow. Seed corpus: tests/corpus/runspec/.
 * Build with -DUNREST_FUZZ=ON (clang), run: fuzz_runspec -max_total_time=60 CORPUS_COPY/
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "unrest/runspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unrest_runspec rs;
    unrest_runspec_init(&rs);
    char err[256];
    unrest_status st =
        unrest_runspec_load_string(&rs, (const char *)data, size, "fuzz.yaml", err, sizeof err);
    if (st != UNREST_OK) {
        /* every failure explains itself: "fuzz.yaml..." */
        if (strncmp(err, "fuzz.yaml", 9) != 0) __builtin_trap();
    } else {
        for (size_t i = 0; i < rs.nevents; i++) {
            const unrest_event *e = &rs.events[i];
            if (e->start < 1 || e->end < e->start || !unrest_param_find(e->name)) __builtin_trap();
        }
    }
    unrest_runspec_free(&rs);
    return 0;
}
