/*
 * fuzz_game.c - libFuzzer harness for the game-file reader (src/game/game.c): any bytes, written
 * to a file in a private folder, must load or fail with a status and a message that starts with
 * the file's name, never crash, leak or overflow; a game that loads must have actors with
 * strategies, an order that is a permutation, and build the scenario of its baseline profile.
 * Seed corpus: tests/corpus/game/ (games on `base: default`).
 * Build with -DUNREST_FUZZ=ON (clang), run: fuzz_game -max_total_time=60 CORPUS_COPY/
 */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unrest/game.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64]; /* the file each input is written to (removed at exit) */

static void remove_file(void)
{
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/fuzz_game_%ld.yaml", (long)getpid());
        atexit(remove_file);
    }
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    unrest_game *g = NULL;
    char err[2048];
    unrest_status st = unrest_game_load(&g, path, err, sizeof err);
    if (st != UNREST_OK) {
        if (g || strncmp(err, path, strlen(path)) != 0) __builtin_trap();
        return 0;
    }
    size_t n = unrest_game_actor_count(g), s[UNREST_GAME_MAX_ACTORS];
    unsigned seen = 0;
    if (n < 1 || n > UNREST_GAME_MAX_ACTORS) __builtin_trap();
    for (size_t a = 0; a < n; a++) {
        if (unrest_game_strategy_count(g, a) < 1) __builtin_trap();
        s[a] = unrest_game_baseline(g, a);
        seen |= 1u << unrest_game_order(g)[a];
    }
    if (seen != (1u << n) - 1) __builtin_trap();
    unrest_scenario *sc = malloc(sizeof *sc);
    if (sc) (void)unrest_game_profile(g, unrest_game_base(g), s, sc, err, sizeof err);
    free(sc);
    (void)unrest_game_set_weight(g, "x.survives=1", err, sizeof err);
    unrest_game_destroy(g);
    return 0;
}
