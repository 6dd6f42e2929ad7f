/*
 * fileio.c - reading a whole file into memory (see fileio.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fileio.h"

int file_read_all(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return FILE_EOPEN;
    size_t n = 0, cap = 4096;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            char *nb = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (!buf) {
        fclose(f);
        errno = ENOMEM;
        return FILE_ENOMEM;
    }
    if (ferror(f)) {
        int e = errno;
        free(buf);
        fclose(f);
        errno = e ? e : EIO;
        return FILE_EREAD;
    }
    fclose(f);
    *out = buf;
    *len = n;
    return FILE_OK;
}
