/*
 * fuzz_factors.c - libFuzzer harness for the SALib problem-file reader (unrest_factors_load,
 * `unrest sensitivity --params FILE`) and the --vary parser (unrest_factor_parse): any bytes
 * must load or fail with a status and a "file:line:col" message, never crash, leak or
 * overflow; factors that load have finite bounds with lower < upper. Seed corpus:
 * tests/corpus/factors/. The reader takes a path, so each input is written to a temporary file.
 */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unrest/design.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/fuzz_factors_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        unlink(path);
        return 0;
    }
    fwrite(data, 1, size, f);
    fclose(f);
    unrest_factor *fs = NULL;
    size_t n = 0;
    char err[512];
    unrest_status st = unrest_factors_load(path, &fs, &n, err, sizeof err);
    if (st == UNREST_OK) {
        for (size_t i = 0; i < n; i++)
            if (!(fs[i].lo < fs[i].hi)) __builtin_trap();
    } else if (strncmp(err, path, strlen(path)) != 0) {
        __builtin_trap(); /* the message names the file */
    }
    free(fs);
    unlink(path);
    /* the same bytes as one --vary argument */
    char *text = malloc(size + 1);
    if (text) {
        memcpy(text, data, size);
        text[size] = '\0';
        unrest_factor one;
        if (unrest_factor_parse(text, &one, err, sizeof err) == UNREST_OK && !(one.lo <= one.hi))
            __builtin_trap();
        free(text);
    }
    return 0;
}
