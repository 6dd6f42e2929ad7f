/*
 * exp_int.h - internals shared by the files of src/experiment (designs, sensitivity).
 */
#ifndef UNREST_EXP_INT_H
#define UNREST_EXP_INT_H

#include <stddef.h>

#if defined(__GNUC__) || defined(__clang__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/* Format a message into err[errlen] (nothing if err is NULL or errlen 0). */
void exp_msg(char *err, size_t errlen, const char *fmt, ...) PRINTF_LIKE(3, 4);

#endif
