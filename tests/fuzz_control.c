/*
 * fuzz_control.c - libFuzzer harness for the live viewer's control reader (ctl_parse,
 * src/view/control.c, the body of POST /control): any bytes must read as a control whose
 * members are all in range, or be refused with a message, never crash, leak or overflow.
 * Seed corpus: tests/corpus/control/. Build with -DUNREST_FUZZ=ON (clang), run:
 * fuzz_control -max_total_time=60 CORPUS_COPY/
 */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s, size_t cap, int may_be_empty)
{
    size_t n = strnlen(s, cap);
    if (n == cap || (!may_be_empty && n == 0)) __builtin_trap();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a copy of exactly size bytes, so that reading one byte past the body is caught */
    char *body = malloc(size ? size : 1);
    if (!body) return 0;
    if (size) memcpy(body, data, size);
    ctl c;
    char err[300];
    memset(err, 'x', sizeof err);
    int ok = ctl_parse(body, size, &c, err, sizeof err);
    free(body);
    if (strnlen(err, sizeof err) == sizeof err) __builtin_trap(); /* always terminated */
    if (!ok) {
        if (!err[0]) __builtin_trap(); /* every refusal explains itself */
        return 0;
    }
    if (err[0]) __builtin_trap();
    if (c.cmd > CTL_FIRE) __builtin_trap();
    if (c.n < 1 || c.n > CTL_STEP_MAX) __builtin_trap();
    if (c.has_value && !isfinite(c.value)) __builtin_trap();
    if (c.has_people && !isfinite(c.people)) __builtin_trap();
    check_text(c.path, sizeof c.path, c.cmd != CTL_SET);
    check_text(c.text, sizeof c.text, c.cmd != CTL_SET);
    check_text(c.kind, sizeof c.kind, c.cmd != CTL_FIRE);
    check_text(c.site, sizeof c.site, 1);
    if (strchr(c.path, '=')) __builtin_trap();
    if (c.cmd == CTL_SPEED && !(c.has_value && c.value >= 0 && c.value <= CTL_SPEED_MAX))
        __builtin_trap();
    if (c.cmd != CTL_SET && c.cmd != CTL_FIRE && (c.path[0] || c.kind[0] || c.site[0]))
        __builtin_trap();
    (void)ctl_cmd_name(c.cmd);
    return 0;
}
