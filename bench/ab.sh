#!/usr/bin/env bash
# ab.sh - this tree's speed against an older revision, measured the only fair way on a shared,
# noisy machine: both built alike (Release), bench_tick run alternately N times, and the median
# ms/tick of each lattice row and the ratio new/old printed. Results of both builds are
# bit-identical only if the model's rules and random streams did not change between them.
#
# usage: bench/ab.sh REV N [bench_tick options]
#   e.g. bench/ab.sh 390b185 7 --sizes 40 --profiles mesa --updates sequential --reps 5 --warmup 50
#   CPU=1 bench/ab.sh ...   pins both to one CPU (taskset), as the figures in docs/PERFORMANCE.md
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: bench/ab.sh REV N [bench_tick options]" >&2; exit 2; }
REV=$1 N=$2
shift 2
OLD=$(mktemp -d /tmp/unrest-ab.XXXXXX)
trap 'git worktree remove --force "$OLD/src" >/dev/null 2>&1 || true; rm -rf "$OLD"' EXIT
git worktree add --detach "$OLD/src" "$REV" >/dev/null 2>&1 ||
    { echo "ab.sh: cannot check out revision '$REV'" >&2; exit 2; }
cmake -S "$OLD/src" -B "$OLD/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$OLD/build" --target bench_tick -j"$(nproc)" >/dev/null
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target bench_tick -j"$(nproc)" >/dev/null
run() { if [ -n "${CPU:-}" ]; then taskset -c "$CPU" "$@"; else "$@"; fi; }
for i in $(seq "$N"); do
    for side in old new; do
        b=$OLD/build/bench/bench_tick
        [ "$side" = new ] && b=build/bench/bench_tick
        # rows: | profile | update | threads | lattice | agents | ms/tick | ...
        run "$b" "$@" | awk -v s="$side" -F'|' '$2 ~ /^ (paper|mesa|netlogo) $/ {
            gsub(/ /, "", $2); gsub(/ /, "", $3); gsub(/ /, "", $4); gsub(/ /, "", $5);
            gsub(/ /, "", $7); print s, $2 "/" $3 "/" $4 "T/" $5, $7 }'
    done
done | python3 -c '
import sys, statistics as st
d = {}
for line in sys.stdin:
    side, row, ms = line.split()
    d.setdefault(row, {}).setdefault(side, []).append(float(ms))
print("| row | old ms/tick (median) | new ms/tick (median) | new/old |")
print("|---|---|---|---|")
for row, v in d.items():
    o, n = st.median(v["old"]), st.median(v["new"])
    print("| %s | %.4g | %.4g | %.3f |" % (row, o, n, n / o))'
