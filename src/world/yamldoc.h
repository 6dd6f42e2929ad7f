/*
 * yamldoc.h - helpers shared by the YAML readers of src/world (run files, runspec.c; scenarios,
 * scenario_parse.c): the reading context, messages that name file:line:column, node kinds and
 * scalars, duplicate keys, and positions inside an in-memory text. Private to src/world.
 */
#ifndef UNREST_YAMLDOC_H
#define UNREST_YAMLDOC_H

#include <stddef.h>
#include <yaml.h>

#include "unrest/unrest.h"

#if defined(__GNUC__) || defined(__clang__)
#define YD_PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define YD_PRINTF_LIKE(f, a)
#endif

/* What a reader carries while it walks a document. */
typedef struct yd_ctx {
    yaml_document_t *doc; /* loaded document */
    const char *name;     /* file name for messages */
    char *err;            /* message buffer (may be NULL) */
    size_t errlen;        /* its size */
} yd_ctx;

/* Fail with "file:line:col: message" at a node's start. */
#define FAIL_AT(c, node, st, ...) yd_fail_mark((c), (node)->start_mark, (st), __VA_ARGS__)

/* Write "name:line:col: message" (1-based) into the context's buffer and return st. */
unrest_status yd_fail_mark(const yd_ctx *c, yaml_mark_t mark, unrest_status st, const char *fmt,
                           ...) YD_PRINTF_LIKE(4, 5);

/* "a mapping", "a list", "text"...: a node's kind for messages. */
const char *yd_kind_name(const yaml_node_t *n);

/* 1 if the node is YAML's null (empty, ~, null). */
int yd_is_null(const yaml_node_t *n);

/* The text of a scalar node, or an error naming `what` and `expect` if it is not a scalar or
 * holds a NUL character. */
unrest_status yd_scalar(const yd_ctx *c, const yaml_node_t *n, const char *what, const char *expect,
                        const char **out);

/* The error for a key given twice, naming where it was first. */
unrest_status yd_dup_key(const yd_ctx *c, const yaml_node_t *k, const char *key,
                         const yaml_node_t *first);

/* Line and column (1-based, in characters) of a byte offset in text. */
void yd_offset_mark(const char *text, size_t len, size_t off, yaml_mark_t *m);

/* Copy src into dst[n], truncating. */
void yd_copy_str(char *dst, size_t n, const char *src);

#endif
