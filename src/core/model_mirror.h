/*
 * model_mirror.h - a site's lattice that another process steps (private to the library: the
 * world's partitioned runs, world.c). A mirror has the lattice's parameters and nothing else:
 * no agents, no cells. What the world reads from a lattice after a tick - its counts and the
 * actives and cops near each focal point - is set from the values its owner sends, so the
 * mechanisms read a mirror exactly as they read the lattice itself.
 */
#ifndef UNREST_MODEL_MIRROR_H
#define UNREST_MODEL_MIRROR_H

#include <stddef.h>
#include <stdint.h>

#include "unrest/unrest.h"

#define MODEL_MIRROR_NEAR 16 /* neighbourhoods a mirror answers (>= UNREST_SC_MAX_FOCAL) */

/* A mirror of the lattice unrest_model_create(p, ...) would build, holding that lattice's
 * counts before its first tick (UNREST_INIT_EXACT placement only: the counts are then known
 * without placing anyone), all but tension, which needs the agents' draws (0 until set). */
unrest_status model_mirror_create(unrest_model **out, const unrest_params *p, char *err,
                                  size_t errlen);

/* 1 when m is a mirror. */
int model_is_mirror(const unrest_model *m);

/* The owner's values after a tick: counts, and for n neighbourhoods (x, y, r) = xyr[3j..3j+2]
 * the actives and cops ac[2j], ac[2j+1] (what unrest_model_count_near answered). */
void model_mirror_set(unrest_model *m, const unrest_counts *c, size_t n, const uint32_t *xyr,
                      const uint32_t *ac);

#endif
