/*
 * common.c - small helpers every subcommand shares: option matching, error messages, number
 * parsing. Nothing here knows a command; the commands know this file.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cli_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+') return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno == ERANGE || v > max) return -1;
    *out = v;
    return 0;
}

int cli_opt_u64(const char *cmd, const char *opt, const char *val, uint64_t lo, uint64_t hi,
                uint64_t *out)
{
    uint64_t v;
    if (cli_parse_u64(val, hi, &v) || v < lo) {
        cli_error(cmd, "%s must be an integer in [%" PRIu64 ", %" PRIu64 "], got '%s'", opt, lo, hi,
                  val);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_opt_path(const char *cmd, const char *opt, const char *val, const char *what,
                 const char **out)
{
    if (!*val) {
        cli_error(cmd, "%s needs %s", opt, what);
        return -1;
    }
    *out = val;
    return 0;
}

int cli_opt(int argc, char **argv, int *i, const char *name, const char **val)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0) return 0;
    if (a[n] == '=') {
        *val = a + n + 1;
        return 1;
    }
    if (a[n] != '\0') return 0;
    if (*i + 1 >= argc) return -1;
    *val = argv[++*i];
    return 1;
}

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "unrest%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

unsigned cli_cpus(void)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    return ncpu > 0 && ncpu <= 1024 ? (unsigned)ncpu : 1;
}
