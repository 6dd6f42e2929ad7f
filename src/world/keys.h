/*
 * keys.h - the one table of scenario keys, private to src/world: each row is the public
 * description (unrest_key_info: path, type, range, default, unit, doc) plus where the value
 * lives in the scenario structs. The parser, unrest_scenario_set/get, the defaults, validation,
 * the hash and every public key function read these tables and nothing else, so a key added
 * here is known to all of them at once.
 */
#ifndef UNREST_KEYS_H
#define UNREST_KEYS_H

#include <stddef.h>

#include "unrest/scenario.h"

#define KEY_NOLIMIT 1e300 /* "no upper bound" in the tables */

/* How a value is written (the public type under a short name). */
typedef unrest_key_type vtype;
#define V_REAL UNREST_KEY_REAL
#define V_UINT UNREST_KEY_UINT
#define V_BOOL UNREST_KEY_BOOL
#define V_PROFILE UNREST_KEY_PROFILE
#define V_START UNREST_KEY_START
#define V_TEXT UNREST_KEY_TEXT
#define V_NAME UNREST_KEY_NAME
#define LO_OPEN UNREST_KEY_LO_OPEN
#define HI_OPEN UNREST_KEY_HI_OPEN

/* One row: the public part first, then where the value is stored. */
typedef struct keydef {
    unrest_key_info info; /* path, mechanism, type, range, default, unit, doc */
    const char *section;  /* parameter section ("lattice"); NULL for name/title, site, focal keys */
    const char *name;     /* key as written in its mapping ("sigma") */
    size_t off;       /* field offset in its struct (unrest_sc_params, _site, _focal, scenario) */
    size_t size;      /* V_TEXT, V_NAME, V_PROFILE: array size */
    const char *note; /* appended to the range in messages */
} keydef;

/* The tables, in file order. Parameters index unrest_scenario.tag[]. */
extern const keydef unrest_meta_keys[];  /* name, title (in unrest_scenario) */
extern const keydef unrest_param_keys[]; /* SECTION.KEY (in unrest_sc_params) */
/* Rows of the site and focal tables and the sections: constants, since the parser sizes arrays
 * by them (keys.c defines the tables with these sizes; test_keys checks every row is filled). */
#define KEY_N_SITE 17
#define KEY_N_FOCAL 6
#define KEY_N_SECTIONS 15
extern const keydef unrest_site_keys[KEY_N_SITE];   /* sites.*.KEY (in unrest_sc_site) */
extern const keydef unrest_focal_keys[KEY_N_FOCAL]; /* sites.*.focal.*.KEY (in unrest_sc_focal) */
extern const size_t unrest_n_meta_keys, unrest_n_param_keys;

/* Parameter sections, in file order. */
extern const char *const unrest_key_sections[KEY_N_SECTIONS];

/* Rule profiles (V_PROFILE): how many unrest_profile_names() lists. */
size_t key_profile_count(void);

enum { SK_NAME, SK_REGION, SK_POPULATION, SK_POLICE, SK_FUEL_PRICE }; /* site_keys rows */

#endif
