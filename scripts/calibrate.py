#!/usr/bin/env python3
"""calibrate.py - fit the [calibrated] values of the Kazakhstan 2022 scenario to what was observed
up to the end of 4 January 2022 (../shared/brief/kazakhstan-2022.md), and to nothing later.

Each candidate runs the first 4 days (`unrest run --days 4`) for several seeds; the score compares
the model's daily peaks per city with the observations:

  1 Jan  Zhanaozen: a first small gathering (target 200 people); every other city quiet
  2 Jan  Mangystau (Zhanaozen + Aktau): about 700 participants (official)
  3 Jan  Zhanaozen: more than 1,000 overnight; Aktau: a rally; solidarity rallies in Almaty,
         Nur-Sultan, Atyrau, Aktobe, Almaty region, East and West Kazakhstan
  4 Jan  11 regions, 36,831 participants in all (official); Almaty about 5,000 (official;
         activists say tens of thousands); rallies in Aktobe, Taraz, Shymkent, Kyzylorda;
         the other 6 regions quiet

Quantities enter as squared log10 errors (people + 10); presence or absence of a rally (a day's
peak of at least one agent) in a region as 0.25 per miss on days 3-4, 0.5 per region other
than Mangystau active on day 1 or 2. The score is the mean over seeds.

usage: scripts/calibrate.py [--unrest build/unrest] [--seeds 3] [--jobs 2] [--grid NAME | --random N]
       scripts/calibrate.py --check [--seeds 5]     (the file's values, observation by observation)
Prints every candidate's score, sorted, and the best values to put in the scenario file.
"""
import argparse
import csv
import itertools
import math
import os
import random
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

# The values tagged [calibrated] in scenarios/kazakhstan-2022.yaml, with the grids searched.
GRIDS = {
    "coarse": {
        "legitimacy.initial": [0.86, 0.88, 0.9],
        "hardship.fuel_weight": [0.03, 0.1, 0.3],
        "spread.strength": [0.01, 0.03, 0.06],
        "spread.saturation": [0.0003, 0.002],
        "force.leverage": [10, 30, 60],
    },
    "tail": {
        "hardship.tail": [6, 8],
        "legitimacy.initial": [0.94, 0.95],
        "hardship.fuel_weight": [2, 3],
        "spread.strength": [0.03, 0.05],
        "spread.saturation": [0.0005],
        "force.leverage": [40],
    },
}

# Ranges of the random search (lo, hi, log scale?).
RANGES = {
    "hardship.sigma": (0.3, 2.0, True),
    "legitimacy.initial": (0.9, 0.99, False),
    "hardship.fuel_weight": (0.05, 3, True),
    "spread.strength": (0.005, 0.1, True),
    "spread.saturation": (0.0001, 0.003, True),
    "force.leverage": (10, 80, True),
}
# The second, narrower search around the first one's best.
RANGES_NEAR = {
    "hardship.sigma": (0.4, 0.8, False),
    "legitimacy.initial": (0.96, 0.985, False),
    "hardship.fuel_weight": (1.5, 4, True),
    "spread.strength": (0.004, 0.02, True),
    "spread.saturation": (0.001, 0.005, True),
    "force.leverage": (15, 50, True),
}

DAY3_REGIONS = ["Mangystau", "Almaty city", "Nur-Sultan city", "Atyrau", "Aktobe",
                "Almaty region", "East Kazakhstan", "West Kazakhstan"]
DAY4_REGIONS = DAY3_REGIONS + ["Zhambyl", "Shymkent city", "Kyzylorda"]
SITE_REGION = {
    "Zhanaozen": "Mangystau", "Aktau": "Mangystau", "Atyrau": "Atyrau",
    "Uralsk": "West Kazakhstan", "Aktobe": "Aktobe", "Almaty": "Almaty city",
    "Nur-Sultan": "Nur-Sultan city", "Shymkent": "Shymkent city", "Karaganda": "Karaganda",
    "Taraz": "Zhambyl", "Oskemen": "East Kazakhstan", "Pavlodar": "Pavlodar",
    "Semey": "East Kazakhstan", "Kyzylorda": "Kyzylorda", "Kostanay": "Kostanay",
    "Petropavl": "North Kazakhstan", "Turkistan": "Turkistan", "Kokshetau": "Akmola",
    "Taldykorgan": "Almaty region",
}


def lerr(model, target):
    return (math.log10(model + 10) - math.log10(target + 10)) ** 2


def score_run(daily, ppa):
    """daily[(day, site)] = peak active people. Returns the score of one run."""
    def peak(day, site):
        return daily.get((day, site), 0.0)

    def region_peak(day, region):
        return max((peak(day, s) for s, r in SITE_REGION.items() if r == region), default=0.0)

    s = 0.0
    s += lerr(peak(1, "Zhanaozen"), 200)
    s += lerr(peak(2, "Zhanaozen") + peak(2, "Aktau"), 700)
    s += lerr(peak(3, "Zhanaozen"), 1500)
    s += lerr(sum(peak(4, site) for site in SITE_REGION), 36831)
    s += lerr(peak(4, "Almaty"), 5000)
    regions = set(SITE_REGION.values())
    for region in regions:
        on1 = region_peak(1, region) >= ppa
        on3 = region_peak(3, region) >= ppa
        on4 = region_peak(4, region) >= ppa
        on2 = region_peak(2, region) >= ppa
        if region != "Mangystau" and on1:
            s += 0.5
        if region != "Mangystau" and on2:
            s += 0.5
        if (region in DAY3_REGIONS) != on3 and region in DAY3_REGIONS:
            s += 0.25
        if (region in DAY4_REGIONS) != on4:
            s += 0.25
    return s


SCENARIO = "scenarios/kazakhstan-2022.yaml"


def run_one(unrest, settings, seed):
    with tempfile.TemporaryDirectory() as out:
        cmd = [unrest, "run", SCENARIO, "--days", "4", "--quiet", "--threads", "1", "--seed", str(seed),
               "--out", out]
        for k, v in settings.items():
            cmd += ["--set", f"{k}={v}"]
        subprocess.run(cmd, check=True)
        daily = {}
        with open(os.path.join(out, "daily.csv")) as f:
            for row in csv.DictReader(f):
                daily[(int(row["day"]), row["site"])] = float(row["active_peak"])
    return daily


def check(a):
    """Each observation against the model with the scenario file's own values."""
    rows = []
    for seed in range(1, a.seeds + 1):
        d = run_one(a.unrest, {}, seed)

        def pk(day, site):
            return d.get((day, site), 0.0)

        regions4 = {SITE_REGION[s] for s in SITE_REGION if pk(4, s) >= a.ppa}
        rows.append([pk(1, "Zhanaozen"), pk(2, "Zhanaozen") + pk(2, "Aktau"), pk(3, "Zhanaozen"),
                     sum(pk(4, s) for s in SITE_REGION), pk(4, "Almaty"), len(regions4),
                     score_run(d, a.ppa)])
    names = ["1 Jan Zhanaozen (200)", "2 Jan Mangystau (700)", "3 Jan Zhanaozen (>1000)",
             "4 Jan all cities (36,831)", "4 Jan Almaty (~5,000)", "4 Jan regions (11)", "score"]
    print(f"{'observation (target)':28s}" + "".join(f"  seed {i + 1:<4d}" for i in range(len(rows))))
    for j, n in enumerate(names):
        print(f"{n:28s}" + "".join(f"  {r[j]:10.5g}" for r in rows))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--unrest", default="build/unrest")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--grid", default="coarse", choices=sorted(GRIDS))
    ap.add_argument("--ppa", type=float, default=100)
    ap.add_argument("--random", type=int, default=0,
                    help="instead of a grid: N candidates drawn (seeded) from RANGES")
    ap.add_argument("--near", action="store_true", help="--random draws from RANGES_NEAR")
    ap.add_argument("--check", action="store_true",
                    help="no search: the file's values against each observation, per seed")
    a = ap.parse_args()
    if a.check:
        check(a)
        return
    if a.random:
        rnd = random.Random(2022)
        ranges = RANGES_NEAR if a.near else RANGES
        names = list(ranges)
        cands = []
        for _ in range(a.random):
            c = {}
            for k, (lo, hi, log) in ranges.items():
                u = rnd.random()
                c[k] = round(lo * (hi / lo) ** u if log else lo + (hi - lo) * u, 5)
            cands.append(c)
    else:
        grid = GRIDS[a.grid]
        names = list(grid)
        cands = [dict(zip(names, vals)) for vals in itertools.product(*grid.values())]
    jobs = [(i, c, seed) for i, c in enumerate(cands) for seed in range(1, a.seeds + 1)]
    scores = [0.0] * len(cands)

    def work(job):
        i, c, seed = job
        return i, score_run(run_one(a.unrest, c, seed), a.ppa)

    with ThreadPoolExecutor(a.jobs) as ex:
        for n, (i, sc) in enumerate(ex.map(work, jobs), 1):
            scores[i] += sc / a.seeds
            if n % 50 == 0:
                print(f"  {n}/{len(jobs)} runs", file=sys.stderr)
    order = sorted(range(len(cands)), key=lambda i: scores[i])
    print("score   " + "  ".join(names))
    for i in order[:15]:
        print(f"{scores[i]:6.3f}  " + "  ".join(f"{cands[i][k]:g}" for k in names))
    best = cands[order[0]]
    print("\nbest:", " ".join(f"--set {k}={v:g}" for k, v in best.items()))


if __name__ == "__main__":
    main()
