/*
 * fileio.h - reading a whole file into memory, shared by the readers of run files, scenarios and
 * SALib problem files. Private to the library.
 */
#ifndef UNREST_FILEIO_H
#define UNREST_FILEIO_H

#include <stddef.h>

/* Why file_read_all failed (errno holds the system's reason for the first two). */
enum { FILE_OK = 0, FILE_EOPEN = -1, FILE_EREAD = -2, FILE_ENOMEM = -3 };

/* Read the file at path into a malloc'd buffer (*out, *len bytes; the caller frees). Returns
 * FILE_OK or one of the failures above, with errno set. */
int file_read_all(const char *path, char **out, size_t *len);

#endif
