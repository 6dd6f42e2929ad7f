/*
 * hardship.c - the hardship mechanism (docs/MODEL.md II.4): the fuel shock, log2 of the price
 * in force over the site's usual price at its dependence on LPG, felt gradually as people
 * refuel and relieved where foreign troops hand out fuel; and cold below the comfort line,
 * worse with a heating shortfall; both scaled by the depth of poverty and, at night, by the
 * share of grievance people act on. Its keys: hardship.*, lattice-independent site keys
 * fuel_price, fuel_dependence, income, poverty, temp_normal, temp_anomaly, heating_shortfall.
 */
#include <math.h>

#include "world_int.h"

void hardship_init(hardship_state *h, const unrest_sc_site *ss)
{
    h->fuel_price = ss->fuel_price;
    h->fuel_cap = INFINITY;
    h->fuel_felt = 0;
    h->temp_anomaly = ss->temp_anomaly;
}

void hardship_on_event(hardship_state *h, const unrest_sc_event *e)
{
    switch (e->kind) {
    case UNREST_SC_FUEL_PRICE:
        h->fuel_price = e->value;
        break;
    case UNREST_SC_PRICE_CAP: /* the concession it also is belongs to legitimacy.c */
        h->fuel_cap = e->value;
        break;
    case UNREST_SC_TEMPERATURE:
        h->temp_anomaly = e->value;
        break;
    default:
        break;
    }
}

/* Hardship multiplier H of site i for the coming tick (reads troops_drive's fuel handed out). */
void hardship_drive(unrest_world *w, size_t i, const nation_now *n)
{
    const unrest_sc_params *p = &w->sc.p;
    const unrest_sc_site *ss = &w->sc.site[i];
    site *s = &w->s[i];
    hardship_state *h = &s->hs;
    double price = h->fuel_price < h->fuel_cap ? h->fuel_price : h->fuel_cap;
    double fuel = p->fuel_weight * ss->fuel_dependence * log2(price / ss->fuel_price);
    if (fuel < 0) fuel = 0;
    double coverage = world_clamp(s->tr.dist / (ss->population * 1e-3), 0, 1);
    fuel *= 1 - p->distribute_relief * coverage;
    /* people feel a price change as they refuel: exponential approach over fuel_lag_days */
    double keep = p->fuel_lag_days > 0 ? exp(-p->tick_hours / (24 * p->fuel_lag_days)) : 0;
    h->fuel_felt = fuel + (h->fuel_felt - fuel) * keep;
    fuel = h->fuel_felt;
    double temp = ss->temp_normal + h->temp_anomaly;
    double cold =
        p->cold_weight * fmax(0, p->comfort_temp - temp) / 10 * (1 + ss->heating_shortfall);
    double night = world_in_window(n->hour, 23, 7) ? p->night_share : 1;
    s->H = ss->poverty * (1 + fuel + cold) * night;
}
