#!/usr/bin/env bash
# dates.sh - when the events the calibration dates happen (docs/VALIDATION.md, "the hours things
# happen"): the default scenario (or SCENARIO) runs to the end of 6 January on seeds 1..SEEDS at
# each people-per-agent given; per resolution, the share of runs in which Almaty's police first
# withdraw, and Almaty's, Aktobe's and Taldykorgan's buildings are first taken, in the windows of
# scenarios/kazakhstan-2022-targets.csv, whether Zhanaozen's and Aktau's administrations fell by
# the end of 5 January, and the median hour of each, and per resolution on which day Almaty's
# four events first happen (before the 4th, the 4th, the 5th, the 6th, never); between
# consecutive resolutions, a Mann-Whitney p per event (normal approximation with ties; "never"
# ranks last). Extra values go in SETS ("PATH=VALUE PATH=VALUE"). Two runs at a time.
# Usage: scripts/dates.sh [SEEDS] [SETS] [PPA...]
#   e.g. scripts/dates.sh 40 "" 100 1000
#   SCENARIO=scenarios/kazakhstan-2022-fine.yaml scripts/dates.sh 12 "" 10 100
#   POSTERIOR=scenarios/kazakhstan-2022-posterior.db scripts/dates.sh 40 "" 100 1000: each seed
#   runs its own particle of the posterior (scripts/grid.sh), the posterior predictive at each
#   resolution
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-20}
sets=${2:-}
shift 2 || shift $#
ppas=(100 1000)
[ $# -eq 0 ] || ppas=("$@")
unrest=${UNREST:-build/unrest}
scenario=${SCENARIO:-}
posterior=${POSTERIOR:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
setargs=()
for s in $sets; do setargs+=(--set "$s"); done
# shellcheck source=scripts/grid.sh
. scripts/grid.sh
run_grid 6
python3 - "$tmp" "$seeds" "${ppas[@]}" <<'PY'
import csv, math, sys
from collections import Counter
tmp, seeds, ppas = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
NEVER = 10**6
# event, window [from, to) in hours from 1 January 00:00 (5 January = 96..120)
events = [("Almaty police withdraw", 96, 120), ("Almaty administration captured", 96, 120),
          ("Almaty residence captured", 96, 120), ("Almaty airport captured", 108, 126),
          ("Aktobe administration captured", 96, 120),
          ("Taldykorgan administration captured", 96, 120),
          ("Zhanaozen administration captured", 0, 120), ("Aktau administration captured", 0, 120)]
def first(path, label):
    with open(path) as f:
        for row in csv.DictReader(f):
            if row["label"] == label:
                return int(row["tick"])
    return NEVER
hours = {p: [[first(f"{tmp}/{p}.{s}/events.csv", e[0]) for s in range(1, seeds + 1)]
             for e in events] for p in ppas}
def mw(a, b):
    allv = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    vals = [v for v, _ in allv]
    r, i = [0.0] * len(vals), 0
    while i < len(vals):
        j = i
        while j < len(vals) and vals[j] == vals[i]:
            j += 1
        for k in range(i, j):
            r[k] = (i + j + 1) / 2
        i = j
    n1, n2 = len(a), len(b)
    u = sum(r[k] for k in range(len(vals)) if allv[k][1] == 0) - n1 * (n1 + 1) / 2
    n = n1 + n2
    ties = sum(t ** 3 - t for t in Counter(vals).values())
    sd = math.sqrt(n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))))
    if sd == 0:
        return 1.0
    return math.erfc(abs(u - n1 * n2 / 2) / sd / math.sqrt(2))
def when(h):
    if h >= NEVER:
        return "never"
    return f"{h // 24 + 1} Jan {h % 24:02d}:00"
def median(v):
    return sorted(v)[(len(v) - 1) // 2]  # the lower middle: an hour that happened
print(f"{seeds} seeds; share of runs in the window, median hour")
print("event".ljust(38) + "".join(f"1:{p}".rjust(24) for p in ppas) +
      "".join(f"  p 1:{a}-1:{b}" for a, b in zip(ppas, ppas[1:])))
for k, (name, lo, hi) in enumerate(events):
    line = name.ljust(38)
    for p in ppas:
        h = hours[p][k]
        share = sum(lo <= x < hi for x in h) / seeds
        line += f"{share:6.2f} {when(median(h)):>17}"
    for a, b in zip(ppas, ppas[1:]):
        line += f"  {mw(hours[a][k], hours[b][k]):10.4f}"
    print(line)
# the day each of Almaty's events first happens (by the end of 6 January): on time, early, late, never
print("\nday Almaty's events first happen, runs (of %d): before 4 Jan / 4 Jan / 5 Jan / 6 Jan / never" % seeds)
for k, (name, lo, hi) in enumerate(events[:4]):
    for p in ppas:
        h = hours[p][k]
        days = [sum(x < 72 for x in h), sum(72 <= x < 96 for x in h), sum(96 <= x < 120 for x in h),
                sum(120 <= x < NEVER for x in h), sum(x >= NEVER for x in h)]
        print(f"{name:38s} 1:{p:<6s}" + " / ".join(f"{d:3d}" for d in days))
PY
