/*
 * yamldoc.c - helpers shared by the YAML readers of src/world (see yamldoc.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "yamldoc.h"

static void vmsg(char *err, size_t errlen, const char *name, yaml_mark_t mark, const char *fmt,
                 va_list ap)
{
    if (!err || !errlen) return;
    int w = snprintf(err, errlen, "%s:%zu:%zu: ", name, mark.line + 1, mark.column + 1);
    if (w < 0 || (size_t)w >= errlen) return;
    vsnprintf(err + w, errlen - (size_t)w, fmt, ap);
}

unrest_status yd_fail_mark(const yd_ctx *c, yaml_mark_t mark, unrest_status st, const char *fmt,
                           ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(c->err, c->errlen, c->name, mark, fmt, ap);
    va_end(ap);
    return st;
}

const char *yd_kind_name(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return "a scalar";
    case YAML_SEQUENCE_NODE:
        return "a sequence";
    case YAML_MAPPING_NODE:
        return "a mapping";
    default:
        return "nothing";
    }
}

int yd_is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return 0;
    const char *v = (const char *)n->data.scalar.value;
    return !strcmp(v, "") || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
           !strcmp(v, "NULL");
}

unrest_status yd_scalar(const yd_ctx *c, const yaml_node_t *n, const char *what, const char *expect,
                        const char **out)
{
    if (n->type != YAML_SCALAR_NODE)
        return FAIL_AT(c, n, UNREST_EINVAL, "%s must be %s, got %s", what, expect, yd_kind_name(n));
    const char *v = (const char *)n->data.scalar.value;
    if (strlen(v) != n->data.scalar.length)
        return FAIL_AT(c, n, UNREST_EINVAL, "%s must be %s, got text with a NUL character", what,
                       expect);
    *out = v;
    return UNREST_OK;
}

unrest_status yd_dup_key(const yd_ctx *c, const yaml_node_t *k, const char *key,
                         const yaml_node_t *first)
{
    return FAIL_AT(c, k, UNREST_EINVAL, "duplicate key '%s' (first at line %zu column %zu)", key,
                   first->start_mark.line + 1, first->start_mark.column + 1);
}

void yd_offset_mark(const char *text, size_t len, size_t off, yaml_mark_t *m)
{
    m->index = off;
    m->line = 0;
    m->column = 0;
    for (size_t i = 0; i < off && i < len; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n') {
            m->line++;
            m->column = 0;
        } else if ((ch & 0xC0) != 0x80) {
            m->column++;
        }
    }
}

void yd_copy_str(char *dst, size_t n, const char *src)
{
    size_t l = strlen(src);
    if (l >= n) l = n - 1;
    memcpy(dst, src, l);
    dst[l] = '\0';
}
