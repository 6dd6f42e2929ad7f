#!/usr/bin/env bash
# resolution.sh - how often each city rises at each resolution (docs/VALIDATION.md, "Resolution"):
# the default scenario (or SCENARIO) runs 5 days on SEEDS seeds at each people-per-agent given;
# for each city, the share of runs in which 1,000 or more people are out at once on 5 January;
# then the number of such cities (median, mean) and the national peak of 4 January (median,
# thousands). Extra values go in SETS ("PATH=VALUE PATH=VALUE"). Two runs at a time.
# Usage: scripts/resolution.sh [SEEDS] [SETS] [PPA...]
#   e.g. scripts/resolution.sh 16 "scale.bloc_people=0" 10 30 100 300 1000
#   SCENARIO=scenarios/kazakhstan-2022-anger.yaml scripts/resolution.sh 16 "" 10 100 1000
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-16}
sets=${2:-}
shift 2 || shift $#
ppas=(10 100 1000)
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
run_grid 5
python3 - "$tmp" "${ppas[@]}" <<'PY'
import csv, glob, statistics, sys
tmp, ppas = sys.argv[1], sys.argv[2:]
rise, cities, nat = {}, {}, {}
for p in ppas:
    for d in sorted(glob.glob(f"{tmp}/{p}.*")):
        c = n4 = 0
        for r in csv.DictReader(open(d + "/daily.csv")):
            if r["day"] == "5":
                up = float(r["active_peak"]) >= 1000
                rise.setdefault(r["site"], {}).setdefault(p, []).append(up)
                c += up
            if r["day"] == "4":
                n4 += float(r["active_peak"])
        cities.setdefault(p, []).append(c)
        nat.setdefault(p, []).append(n4)
print("| city | " + " | ".join(f"1:{p}" for p in ppas) + " |")
print("|---|" + "---|" * len(ppas))
for s, v in rise.items():
    print(f"| {s} | " + " | ".join(f"{sum(v[p]) / len(v[p]):.2f}" for p in ppas) + " |")
print("| cities risen, median | " + " | ".join(f"{statistics.median(cities[p]):g}" for p in ppas) + " |")
print("| cities risen, mean | " + " | ".join(f"{statistics.mean(cities[p]):.2f}" for p in ppas) + " |")
print("| national peak 4 Jan, median (thousands) | "
      + " | ".join(f"{statistics.median(nat[p]) / 1000:.0f}" for p in ppas) + " |")
PY
