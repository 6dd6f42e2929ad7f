/*
 * keys.c - the one key table of the scenario layer: every key a scenario file, --set, the
 * manifest, the hash, `unrest help scenario`, the viewer's sliders and docs/SCENARIO.md know,
 * with its path, type, range, default, unit and one-line doc, and the public functions that
 * read it. A mechanism's keys are its rows here (the `mechanism` column names its file in
 * src/world/); adding a key is adding a row, and tests/test_keys.c walks every row through
 * --set, get, the manifest's paths and the hash.
 *
 * Rows are in file order. The scenario hash is written row by row, defaults included, so a new
 * row changes every scenario's hash: say so in the commit that adds it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "keys.h"

#define NOLIMIT KEY_NOLIMIT

/* A parameter row: SECTION.KEY stored in unrest_sc_params. */
#define PKEY(sec, key, mech, type, f, lo, hi, open, def, unit, doc)                                \
    {                                                                                              \
        {sec "." key, mech, type, lo, hi, open, def, unit, doc}, sec, key,                         \
            offsetof(unrest_sc_params, f), 0, ""                                                   \
    }
#define PREAL(sec, key, mech, f, lo, hi, open, def, unit, doc)                                     \
    PKEY(sec, key, mech, V_REAL, f, lo, hi, open, def, unit, doc)

const keydef unrest_param_keys[] = {
    /* time: the clock (world.c) */
    PKEY("time", "start", "clock", V_START, start, 0, 0, 0, NAN, "date-time",
         "start of the run, local time with its UTC offset"),
    PREAL("time", "tick_hours", "clock", tick_hours, 0, 24, LO_OPEN, 1, "hours",
          "clock hours per tick (event times keep their clock time when it changes)"),
    PKEY("time", "days", "clock", V_UINT, days, 1, 366, 0, 20, "days", "length of the run"),
    /* scale */
    PREAL("scale", "people_per_agent", "world", people_per_agent, 1, 1e6, 0, 100, "people",
          "people one citizen agent stands for (1 = every person an agent)"),
    PREAL("scale", "bloc_people", "world", bloc_people, 0, 1e8, 0, 0, "people",
          "people who share one draw of hardship and risk aversion, a bloc (0: each agent)"),
    PKEY("scale", "min_agents", "world", V_UINT, min_agents, 0, 10000000, 0, 0, "agents",
         "the fewest citizen agents a site has, at most one per person: a site smaller than "
         "min_agents x people_per_agent runs at a finer grain (0: off)"),
    PKEY("scale", "bloc_scatter", "world", V_BOOL, bloc_scatter, 0, 1, 0, 0, "",
         "a bloc's members are scattered over the city's lattice (false: placed side by side, "
         "a cluster whose extent in cells grows as the grain gets finer)"),
    /* lattice: Epstein's Model I on each site */
    {{"lattice.profile", "lattice", V_PROFILE, 0, 0, 0, NAN, "",
      "rule profile: paper, netlogo or mesa (docs/MODEL.md)"},
     "lattice",
     "profile",
     offsetof(unrest_sc_params, profile),
     sizeof(((unrest_sc_params *)0)->profile),
     ""},
    PREAL("lattice", "citizen_density", "lattice", citizen_density, 0, 1, LO_OPEN | HI_OPEN, 0.7,
          "per cell", "citizens per cell of public space"),
    PREAL("lattice", "citizen_vision", "lattice", citizen_vision, 1, 20, 0, 7, "cells",
          "citizen vision v"),
    PREAL("lattice", "cop_vision", "lattice", cop_vision, 1, 20, 0, 7, "cells", "cop vision v*"),
    PREAL("lattice", "threshold", "lattice", threshold, 0, 1, 0, 0.1, "",
          "activation threshold T: active when G - N > T"),
    PREAL("lattice", "k", "lattice", k, 0, 100, 0, 2.3, "",
          "arrest constant: P = 1 - exp(-k round(C/A))"),
    PKEY("lattice", "jail_hours", "lattice", V_UINT, jail_hours, 0, 65534, 0, 360, "hours",
         "longest detention (J_max)"),
    PREAL("lattice", "focal_pull", "focal", focal_pull, 0, 1, 0, 0.5, "probability",
          "chance that an active citizen heads for a focal point when it moves"),
    PREAL("lattice", "focal_jump", "focal", focal_jump, 0, 1, 0, 0, "per hour",
          "chance an hour that an active citizen goes to a focal area, however far (0: off)"),
    PKEY("lattice", "focal_choice", "focal", V_BOOL, focal_choice, 0, 1, 0, 0, "",
         "gathering goes to a point drawn by its attract among those not taken (Davies et al. "
         "2013), not the nearest"),
    PREAL("lattice", "focal_decay", "focal", focal_decay, 0, 1000, 0, 0, "per lattice side",
          "focal_choice: a point's pull falls as exp(-decay x distance / the lattice's width)"),
    PREAL("lattice", "relocate", "lattice", relocate, 0, 1, 0, 0, "per hour",
          "chance an hour that a person moves to another part of the city, anywhere on its "
          "lattice: mixing at a rate in people, whatever the resolution (0: off)"),
    /* legitimacy */
    PREAL("legitimacy", "initial", "legitimacy", legitimacy, 0, 1, 0, 0.8, "",
          "national legitimacy L at the start"),
    PREAL("legitimacy", "arrest_erosion", "legitimacy", arrest_erosion, 0, 10, 0, 0.05,
          "per 1% detained", "legitimacy lost per 1% of a site's people detained"),
    PREAL("legitimacy", "kill_erosion", "legitimacy", kill_erosion, 0, 10, 0, 0.01,
          "per death per 100,000", "legitimacy lost per person killed per 100,000 people (site)"),
    PREAL("legitimacy", "kill_national", "legitimacy", kill_national, 0, 1, 0, 0.25, "share",
          "share of kill_erosion felt by every other site"),
    PREAL("legitimacy", "foreign_erosion", "legitimacy", foreign_erosion, 0, 1, 0, 0.03, "",
          "legitimacy lost while guarding or patrolling foreign troops are present"),
    PREAL("legitimacy", "concession_decay", "legitimacy", concession_decay, 0, 1, 0, 0.0, "per day",
          "fraction of a concession's gain that fades each day"),
    PREAL("legitimacy", "success_erosion", "legitimacy", success_erosion, 0, 10, 0, 0,
          "per day per 1% active", "legitimacy lost per day per 1% of a site's people active"),
    PREAL("legitimacy", "capture_erosion", "legitimacy", capture_erosion, 0, 1, 0, 0, "",
          "legitimacy lost in every site when a focal point falls (news everywhere)"),
    PREAL("legitimacy", "concession_pressure", "legitimacy", concession_pressure, 0, 1, 0, 0,
          "share", "share of a concession's gain lost when it is made under pressure"),
    PREAL("legitimacy", "pressure_share", "legitimacy", pressure_share, 0, 1, LO_OPEN, 0.001,
          "share", "national active share above which a concession is made under pressure"),
    PREAL("legitimacy", "concession_signal", "legitimacy", concession_signal, 0, 1, 0, 0, "share",
          "share of the arrest constant lost for a week after a concession under pressure"),
    /* hardship */
    PREAL("hardship", "fuel_ref_price", "hardship", fuel_ref_price, 0, NOLIMIT, LO_OPEN, 60,
          "tenge/L", "the LPG price people are used to"),
    PREAL("hardship", "fuel_weight", "hardship", fuel_weight, 0, 10, 0, 0.5, "per doubling",
          "hardship per doubling of the fuel price at full dependence"),
    PREAL("hardship", "cold_weight", "hardship", cold_weight, 0, 10, 0, 0.2, "per 10 C",
          "hardship per 10 C below comfort, scaled by the heating shortfall"),
    PREAL("hardship", "comfort_temp", "hardship", comfort_temp, -50, 30, 0, 0, "C",
          "temperature below which cold adds hardship"),
    PREAL("hardship", "distribute_relief", "troops", distribute_relief, 0, 1, 0, 0.8, "share",
          "share of the fuel shock removed by fuel-distributing troops"),
    PREAL("hardship", "fuel_lag_days", "hardship", fuel_lag_days, 0, 30, 0, 1, "days",
          "days over which a price change is felt in full (refuelling)"),
    PREAL("hardship", "tail", "hardship", hardship_tail, 0, 100, 0, 0, "",
          "0: Epstein's H ~ U(0,1); a > 0: Pareto tail with index a"),
    PREAL("hardship", "sigma", "hardship", hardship_sigma, 0, 10, 0, 0, "",
          "> 0: log-normal H with median 0.5 and this log-sd (overrides tail)"),
    /* spread between sites */
    PREAL("spread", "strength", "spread", spread, 0, 1, 0, 0.05, "",
          "threshold lowered at full activity elsewhere"),
    PREAL("spread", "saturation", "spread", spread_saturation, 0, 1, LO_OPEN, 0.002, "share",
          "active share of the population elsewhere at which spread is full"),
    PREAL("spread", "news_hours", "spread", news_hours, 0, 1000, 0, 0, "hours",
          "> 0: what the news carries of activity elsewhere follows it with this lag; 0: at once"),
    PREAL("spread", "media_share", "spread", media_share, 0, 1, 0, 0.3, "share",
          "share of the spread channel that survives an internet blackout"),
    PREAL("spread", "blackout_vision", "spread", blackout_vision, 0, 1, 0, 0.6, "multiplier",
          "citizen vision multiplier at full blackout (local coordination)"),
    PREAL("spread", "leadership_gain", "spread", leadership_gain, 0, 1, 0, 0.05, "",
          "threshold lowered by a coordinating leadership of value 1"),
    PREAL("spread", "distance_km", "spread", distance_km, 0, 1e5, 0, 0, "km",
          "> 0: news travels by proximity too, weighted exp(-distance / this); 0: uniform"),
    PREAL("spread", "proximity_share", "spread", proximity_share, 0, 1, 0, 0.5, "share",
          "share of the spread channel that travels by proximity (distance_km > 0)"),
    /* force */
    PREAL("force", "police_per_100k", "force", police_per_100k, 0, 10000, 0, 393, "per 100,000",
          "national police per 100,000 people"),
    PREAL("force", "street_share", "force", police_street, 0, 1, 0, 0.3, "share",
          "share of police on the street at any hour"),
    PREAL("force", "leverage", "force", leverage, 0, 1000, 0, 10, "cop agents per officer",
          "cop agents per (police officer / people_per_agent)"),
    PREAL("force", "troop_leverage", "troops", troop_leverage, 0, 1000, 0, 10,
          "cop agents per soldier", "the same for foreign troops"),
    PREAL("force", "arrest_rate", "force", arrest_rate, 0, 100, 0, 0.1, "people/officer/hour",
          "people one officer can detain per hour (arrest capacity)"),
    PREAL("force", "curfew_k", "force", curfew_k, 0, 100, 0, 2, "multiplier",
          "k multiplier during curfew hours"),
    PREAL("force", "emergency_k", "force", emergency_k, 0, 100, 0, 1.5, "multiplier",
          "k multiplier under a state of emergency outside curfew"),
    PREAL("force", "lethal_fear", "force", lethal_fear, 0, 100, 0, 1.5, "multiplier",
          "k multiplier while a lethal-force order stands"),
    PREAL("force", "night_share", "force", night_share, 0, 1, 0, 0.3, "multiplier",
          "grievance multiplier 23:00-07:00 (people sleep)"),
    PREAL("force", "capture_hours", "focal", capture_hours, 0, 1000, 0, 3, "hours",
          "attackers must outnumber defenders this long to take a focal point"),
    PREAL("force", "focal_area", "focal", focal_area, 0, 1, 0, 0, "share",
          "> 0: count crowds and defenders in people over this share of a site (resolution-free)"),
    PREAL("force", "hold_ratio", "focal", hold_ratio, 0, 1000, LO_OPEN, 10, "people",
          "with focal_area > 0: attackers one defender holds off"),
    PREAL("force", "storm_party", "focal", storm_party, 0, 1e6, 0, 0, "people",
          "with focal_area > 0: attackers (weighted as in an attack) it takes to enter a "
          "building, even one no one defends"),
    PKEY("force", "focal_exact", "focal", V_BOOL, focal_exact, 0, 1, 0, 0, "",
         "with focal_area > 0: scale the counts in a building's square to exactly that share (a "
         "square of whole cells covers more or less of a small lattice)"),
    /* outcome classification */
    PREAL("outcomes", "end_share", "outcomes", end_share, 0, 1, 0, 0.0001, "share",
          "the revolt is over when actives fall below this share of people..."),
    PREAL("outcomes", "end_hours", "outcomes", end_hours, 0, 10000, 0, 24, "hours",
          "...for this long"),
    PREAL("outcomes", "suppressed_dead", "outcomes", suppressed_dead, 0, NOLIMIT, 0, 50, "people",
          "ended with at least this many dead: suppressed"),
    PREAL("outcomes", "suppressed_detained", "outcomes", suppressed_detained, 0, NOLIMIT, 0, 1000,
          "people", "...or with at least this many detained"),
    PREAL("outcomes", "protracted_share", "outcomes", protracted_share, 0, 1, 0, 0.001, "share",
          "still above this active share at the end: protracted"),
    /* anger at the regime and fear loss */
    PREAL("anger", "initial", "anger", anger, 0, 1, 0, 0, "",
          "anger at the regime A at the start: G = 1 - (1 - H(1-L))(1 - A)"),
    PREAL("anger", "gain", "anger", anger_gain, 0, 100, 0, 0, "per casualty per 100,000",
          "anger gained per civilian casualty per 100,000 people (violence seen)"),
    PREAL("anger", "half_life_days", "anger", anger_half_life, 0, 365, LO_OPEN, 3, "days",
          "days for the anger gained to halve"),
    PREAL("anger", "seen_hours", "anger", seen_hours, 0, 1000, 0, 0, "hours",
          "> 0: violence seen in the city reaches anger with this lag (word of mouth); 0: at once"),
    PREAL("anger", "fear_loss", "anger", fear_loss, 0, 1, 0, 0, "share",
          "share of the perceived risk lost once fear breaks in a site"),
    PREAL("anger", "fear_share", "anger", fear_share, 0, 1, LO_OPEN, 0.01, "share",
          "active share of a site at which fear breaks (also when its police withdraw)"),
    PREAL("anger", "fear_half_life_days", "anger", fear_half_life, 0, 365, LO_OPEN, 1, "days",
          "days for lost fear to come back while the crowd is below half that share"),
    PKEY("anger", "hidden", "anger", V_BOOL, anger_hidden, 0, 1, 0, 0, "",
         "anger shows only as fear is lost: quiet held by fear (preference falsification)"),
    PREAL("anger", "fear_news_share", "anger", fear_news_share, 0, 1, 0, 1, "share",
          "active share of the rest of the country, as the news carries it, at which fear breaks"),
    PREAL("anger", "turnout", "anger", turnout, 0, 1, LO_OPEN, 1, "share",
          "share of the mobilised (the lattice's active) out on the street at any one hour"),
    /* fatigue: the crowd goes home */
    PREAL("fatigue", "active_days", "fatigue", active_days, 0, 1000, 0, 0, "days",
          "mean days a person stays out before going home spent (0: never)"),
    PREAL("fatigue", "rest_days", "fatigue", rest_days, 0, 1000, 0, 3, "days",
          "mean days a spent person rests before they can rise again (0: at once)"),
    /* the loyalty of the forces */
    PREAL("loyalty", "erosion", "loyalty", will_erosion, 0, 10, 0, 0, "per hour",
          "will lost per hour per factor of ten of outnumbering (log10 of the ratio)"),
    PREAL("loyalty", "outnumber", "loyalty", outnumber, 0, 1e6, LO_OPEN, 10, "people per officer",
          "active people per officer on the street that count as outnumbering 1"),
    PREAL("loyalty", "casualty", "loyalty", will_casualty, 0, 10, 0, 0,
          "per casualty per 1,000 police", "will lost per security casualty per 1,000 police"),
    PREAL("loyalty", "recovery", "loyalty", will_recovery, 0, 10, 0, 0.1, "per day",
          "will regained per day while not outnumbered"),
    PREAL("loyalty", "shirk_below", "loyalty", shirk_below, 0, 1, 0, 0, "will",
          "below this will, arrests fall in proportion (shirking)"),
    PREAL("loyalty", "withdraw_below", "loyalty", withdraw_below, 0, 1, 0, 0, "will",
          "below this will the police leave the streets and the guards their sites"),
    PKEY("loyalty", "regroup", "loyalty", V_BOOL, regroup, 0, 1, 0, 0, "",
         "withdrawn police, out of the crowd's reach, regain will at the recovery rate "
         "(false: the crowd they left still wears it down)"),
    PREAL("loyalty", "concession", "loyalty", will_concession, 0, 100, 0, 0,
          "will per unit of legitimacy",
          "will police and guards lose per unit of legitimacy a concession made under pressure "
          "offers: they read it as the regime giving way"),
    PREAL("loyalty", "fresh", "loyalty", fresh_will, -1, 1, 0, -1, "will",
          "will reinforcements arrive with; the site's will becomes the mean over all on the "
          "street (< 0: off, they take on the will of those there)"),
    /* the defence of each building */
    PREAL("posts", "erosion", "posts", post_erosion, 0, 10, 0, 0, "per hour",
          "guards' will lost per hour per factor of ten their building's attackers outnumber "
          "them (0: the guards leave with the city's police)"),
    PREAL("posts", "outnumber", "posts", post_outnumber, 0, 1e6, LO_OPEN, 10,
          "attackers per defender", "attackers per defender at a building that count as 1"),
    PREAL("posts", "alone", "posts", post_alone, 0, 1, 0, 0, "will",
          "guards' will lost once when the city's police withdraw"),
    /* a violent minority, clashes and casualties */
    PREAL("violence", "share", "violence", violent_share, 0, 1, 0, 0, "share",
          "share of the active who fight"),
    PREAL("violence", "desperate", "violence", desperate, 0, 1e5, 0, 0, "per 100,000",
          "people with nothing to lose who fight once a crowd is out"),
    PREAL("violence", "desperate_trigger", "violence", desperate_trigger, 0, 1e9, 0, 100, "people",
          "active people in a site at which the desperate come out"),
    PREAL("violence", "clash_rate", "violence", clash_rate, 0, 10, 0, 0, "per officer-hour",
          "security casualties per officer-hour at one fighter per officer"),
    PREAL("violence", "force_rate", "violence", force_rate, 0, 10, 0, 0, "per fighter-hour",
          "civilian casualties per fighter-hour at one officer per fighter"),
    PREAL("violence", "lethal_multiplier", "violence", lethal_force_rate, 0, 1000, 0, 10,
          "multiplier", "force_rate and the civilians' kill share multiplied under a shoot order"),
    PREAL("violence", "security_kill", "violence", security_kill, 0, 1, 0, 0.05, "share",
          "share of security casualties who die"),
    PREAL("violence", "civilian_kill", "violence", civilian_kill, 0, 1, 0, 0.05, "share",
          "share of civilian casualties who die (without a shoot order)"),
    PREAL("violence", "contact", "violence", contact, 0, 1e6, 0, 0, "officers per fighter",
          "> 0: officers in contact with each fighter, at most; 0: every officer on duty clashes"),
    PREAL("violence", "attack_weight", "violence", attack_weight, 0, 100, 0, 0, "",
          "a fighter counts as 1 + this when a crowd attacks a focal point"),
    PREAL("violence", "peaceful_weight", "violence", peaceful_weight, 0, 1, 0, 1, "",
          "what a peaceful person weighs in an attack on a focal point (1: as much as a fighter "
          "without attack_weight; 0: peaceful crowds rally but do not storm)"),
    PREAL("violence", "repression_gain", "violence", repression_gain, 0, 10, 0, 0,
          "per 1% detained",
          "share of the active who fight gained per 1% of a site's people detained (Lichbach)"),
    /* revolution: the regime falls (revolution.c) */
    PREAL("revolution", "hold_hours", "revolution", rev_hold_hours, 0, 10000, 0, 0, "hours",
          "hours the crowd must hold the seats of power undefended for the regime to fall (0: "
          "never)"),
    PREAL("revolution", "seats", "revolution", rev_seats, 0, 1, LO_OPEN, 1, "share",
          "share of the seat city's focal points the crowd must hold"),
    PREAL("revolution", "will", "revolution", rev_will, 0, 1, 0, 0.5, "will",
          "the forces of the seat city no longer defend it below this will (or withdrawn)"),
    PKEY("revolution", "largest_city", "revolution", V_BOOL, rev_largest, 0, 1, 0, 0, "",
         "the seats of power are the largest city's, not the capital's"),
    PREAL("revolution", "new_legitimacy", "revolution", rev_legitimacy, 0, 1, 0, 0.6, "",
          "legitimacy of the new government when it takes over"),
    /* armed rebels from foreign arms or fighters (arms.c) */
    PREAL("rebels", "fire_rate", "arms", rebel_fire, 0, 10, 0, 0.05, "per rebel-hour",
          "security casualties per armed-rebel-hour at one defender per rebel"),
    PREAL("rebels", "return_rate", "arms", rebel_return, 0, 10, 0, 0.02, "per defender-hour",
          "rebel casualties per defender-hour at one rebel per defender"),
    PREAL("rebels", "kill_share", "arms", rebel_kill, 0, 1, 0, 0.3, "share",
          "share of the casualties of armed fighting who die"),
    PREAL("rebels", "hold_ratio", "arms", rebel_hold, 0, 1e6, LO_OPEN, 1, "rebels per defender",
          "armed rebels per defender at which they hold the site (territory)"),
    PREAL("rebels", "troop_weight", "arms", rebel_troop, 0, 100, 0, 3, "rebels",
          "armed rebels one foreign fighter counts as"),
    /* outcome classes of the strategic layer (outcomes.c) */
    PREAL("outcomes", "civil_war_days", "outcomes", civil_war_days, 0, 366, LO_OPEN, 3, "days",
          "armed rebels hold a site this long: civil war"),
    PREAL(
        "outcomes", "proxy_troops", "outcomes", proxy_troops, 0, 1e7, LO_OPEN, 1, "people",
        "government-side foreign troops that, with foreign arms for the rebels, make a proxy war"),
};
const size_t unrest_n_param_keys = sizeof unrest_param_keys / sizeof unrest_param_keys[0];
_Static_assert(sizeof unrest_param_keys / sizeof unrest_param_keys[0] <= UNREST_SC_MAX_PARAMS,
               "unrest_scenario.tag[] holds a tag per parameter");

/* KEY_N_SECTIONS names (keys.h); too many is an error here, too few leaves a NULL test_keys finds
 */
const char *const unrest_key_sections[] = {
    "time",  "scale",   "lattice",  "legitimacy", "hardship", "spread", "force",  "outcomes",
    "anger", "loyalty", "violence", "revolution", "rebels",   "posts",  "fatigue"};

size_t key_profile_count(void)
{
    size_t n = 0;
    for (const char *const *p = unrest_profile_names(); *p; p++)
        n++;
    return n;
}

/* The scenario's own name and title. */
const keydef unrest_meta_keys[] = {
    {{"name", "scenario", V_TEXT, 0, 0, 0, NAN, "", "short name of the scenario"},
     NULL,
     "name",
     offsetof(unrest_scenario, name),
     UNREST_SC_NAME,
     ""},
    {{"title", "scenario", V_TEXT, 0, 0, 0, NAN, "", "one-line title shown in outputs"},
     NULL,
     "title",
     offsetof(unrest_scenario, title),
     UNREST_SC_LABEL,
     ""},
};
const size_t unrest_n_meta_keys = sizeof unrest_meta_keys / sizeof unrest_meta_keys[0];

/* A site row: sites.*.KEY stored in unrest_sc_site. */
#define SKEY(key, mech, type, f, lo, hi, open, def, unit, doc, note)                               \
    {                                                                                              \
        {"sites.*." key, mech, type, lo, hi, open, def, unit, doc}, NULL, key,                     \
            offsetof(unrest_sc_site, f), sizeof(((unrest_sc_site *)0)->f), note                    \
    }
#define SREAL(key, mech, f, lo, hi, open, def, unit, doc)                                          \
    SKEY(key, mech, V_REAL, f, lo, hi, open, def, unit, doc, "")

/* Keys of a site; name, region and population are required (SK_* index them). */
const keydef unrest_site_keys[] = {
    SKEY("name", "site", V_NAME, name, 0, 0, 0, NAN, "", "unique; events name sites by it", ""),
    SKEY("region", "site", V_TEXT, region, 1, 0, 0, NAN, "",
         "first-level unit, for reports; events may name a region", ""),
    SREAL("population", "site", population, 0, 1e9, LO_OPEN, NAN, "people", "people (data)"),
    SKEY("police_per_100k", "force", V_REAL, police_per_100k, -1, 10000, 0, -1, "per 100,000",
         "police per 100,000 people; -1 = the national value", " (-1: the national value)"),
    SREAL("fuel_price", "hardship", fuel_price, 0, NOLIMIT, LO_OPEN, 60, "tenge/L",
          "LPG retail price at the start"),
    SREAL("fuel_dependence", "hardship", fuel_dependence, 0, 1, 0, 0.5, "share",
          "how much household budgets hang on LPG"),
    SREAL("income", "hardship", income, 0, NOLIMIT, LO_OPEN, 165816, "tenge/month",
          "median monthly wage"),
    SREAL("poverty", "hardship", poverty, 0, 10, 0, 1, "multiplier",
          "baseline hardship multiplier (depth of poverty)"),
    SREAL("temp_normal", "hardship", temp_normal, -60, 40, 0, 0, "C",
          "January normal mean temperature"),
    SREAL("temp_anomaly", "hardship", temp_anomaly, -30, 30, 0, 0, "C",
          "this January's departure from normal (+ = warmer)"),
    SREAL("heating_shortfall", "hardship", heating_shortfall, 0, 1, 0, 0, "share",
          "share of heating need unmet (fuel shortage)"),
    SREAL("legitimacy_offset", "legitimacy", legitimacy_offset, -1, 1, 0, 0, "",
          "site legitimacy relative to the national value"),
    SKEY("capital", "outcomes", V_BOOL, capital, 0, 1, 0, 0, "",
         "losing its focal points counts as losing the capital", ""),
    SREAL("anger", "anger", anger, 0, 1, 0, 0, "",
          "anger at the regime here, added to anger.initial"),
    SREAL("lat", "spread", lat, -90, 90, 0, 0, "degrees", "latitude (contagion by proximity)"),
    SREAL("lon", "spread", lon, -180, 180, 0, 0, "degrees", "longitude (contagion by proximity)"),
    SREAL("violence", "violence", violence, 0, 100, 0, 1, "multiplier",
          "the crowd's character: multiplier on the share of the active who fight here, and "
          "(below 1) on what its peaceful weigh in an attack"),
};

/* A focal-point row: sites.*.focal.*.KEY stored in unrest_sc_focal. */
#define FKEY(key, type, f, lo, hi, open, def, unit, doc)                                           \
    {                                                                                              \
        {"sites.*.focal.*." key, "focal", type, lo, hi, open, def, unit, doc}, NULL, key,          \
            offsetof(unrest_sc_focal, f), sizeof(((unrest_sc_focal *)0)->f), ""                    \
    }

/* Keys of a focal point; name is required. */
const keydef unrest_focal_keys[] = {
    FKEY("name", V_NAME, name, 0, 0, 0, NAN, "", "e.g. administration, airport"),
    FKEY("x", V_REAL, x, 0, 1, HI_OPEN, 0.5, "fraction", "position across the lattice"),
    FKEY("y", V_REAL, y, 0, 1, HI_OPEN, 0.5, "fraction", "position down the lattice"),
    FKEY("radius", V_REAL, radius, 0, 50, 0, 3, "cells",
         "who counts as around it (square of side 2r+1)"),
    FKEY("guards", V_REAL, guards, 0, NOLIMIT, 0, 0, "people",
         "people guarding it at the start (taken from the site's police)"),
    FKEY("attract", V_REAL, attract, 0, NOLIMIT, 0, 1, "weight",
         "with lattice.focal_choice: its pull on a gathering crowd until it is taken"),
};

/* ---- the public view ---------------------------------------------------------------------- */

static const size_t n_site = KEY_N_SITE, n_focal = KEY_N_FOCAL;

/* The tables in the order of unrest_key_at. */
static const struct {
    const keydef *rows;
    const size_t *n;
} tables[] = {{unrest_meta_keys, &unrest_n_meta_keys},
              {unrest_param_keys, &unrest_n_param_keys},
              {unrest_site_keys, &n_site},
              {unrest_focal_keys, &n_focal}};

size_t unrest_key_count(void)
{
    size_t n = 0;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        n += *tables[t].n;
    return n;
}

const unrest_key_info *unrest_key_at(size_t i)
{
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        if (i < *tables[t].n) return &tables[t].rows[i].info;
        i -= *tables[t].n;
    }
    return NULL;
}

/* The row of a table whose name is `name`, or NULL. */
static const keydef *row_named(const keydef *t, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(t[i].name, name)) return &t[i];
    return NULL;
}

const unrest_key_info *unrest_key_lookup(const char *path)
{
    if (!path) return NULL;
    if (!strncmp(path, "sites.", 6)) {
        const char *site_end = strchr(path + 6, '.');
        if (!site_end || site_end == path + 6) return NULL;
        const char *rest = site_end + 1;
        if (!strncmp(rest, "focal.", 6)) {
            const char *focal_end = strchr(rest + 6, '.');
            if (!focal_end || focal_end == rest + 6) return NULL;
            const keydef *k = row_named(unrest_focal_keys, KEY_N_FOCAL, focal_end + 1);
            return k ? &k->info : NULL;
        }
        const keydef *k = row_named(unrest_site_keys, KEY_N_SITE, rest);
        return k ? &k->info : NULL;
    }
    for (size_t i = 0; i < unrest_n_meta_keys; i++)
        if (!strcmp(unrest_meta_keys[i].info.path, path)) return &unrest_meta_keys[i].info;
    for (size_t i = 0; i < unrest_n_param_keys; i++)
        if (!strcmp(unrest_param_keys[i].info.path, path)) return &unrest_param_keys[i].info;
    return NULL;
}

void unrest_key_range_text(const unrest_key_info *k, char *buf, size_t n)
{
    if (!buf || !n) return;
    buf[0] = '\0';
    if (!k) return;
    switch (k->type) {
    case UNREST_KEY_REAL:
        if (k->hi >= NOLIMIT)
            snprintf(buf, n, "%c%g, inf)", k->open & LO_OPEN ? '(' : '[', k->lo);
        else
            snprintf(buf, n, "%c%g, %g%c", k->open & LO_OPEN ? '(' : '[', k->lo, k->hi,
                     k->open & HI_OPEN ? ')' : ']');
        break;
    case UNREST_KEY_UINT:
        snprintf(buf, n, "[%.0f, %.0f]", k->lo, k->hi);
        break;
    case UNREST_KEY_BOOL:
        snprintf(buf, n, "true | false");
        break;
    case UNREST_KEY_PROFILE:
        snprintf(buf, n, "paper | netlogo | mesa");
        break;
    case UNREST_KEY_START:
        snprintf(buf, n, "YYYY-MM-DDTHH:MM[+HH:MM]");
        break;
    case UNREST_KEY_TEXT:
        snprintf(buf, n, "%stext", k->lo > 0 ? "non-empty " : "");
        break;
    case UNREST_KEY_NAME:
        snprintf(buf, n, "[A-Za-z0-9_-]+");
        break;
    }
}

const char *unrest_key_tag_name(unrest_key_tag t)
{
    static const char *const names[UNREST_TAG_COUNT] = {"", "data", "calibrated", "assumption"};
    return (unsigned)t < UNREST_TAG_COUNT ? names[t] : "";
}

const char *unrest_key_type_name(unrest_key_type t)
{
    static const char *const names[] = {"number",    "integer", "boolean", "profile",
                                        "date-time", "text",    "name"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "unknown";
}
