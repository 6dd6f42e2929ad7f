#!/usr/bin/env bash
# bench_game.sh - the game figure of docs/PERFORMANCE.md: `unrest game` on the Kazakhstan game
# (5 actors x 3 strategies = 243 profiles, 8 days at 1 agent per 1,000 people) with RUNS runs per
# profile (default 100; the issue's benchmark) on WORKERS worker threads (default 2), into a fresh
# SQLite database. Prints the wall and CPU time, the time per profile and per run, and the time
# the analysis (bootstrap, equilibria, stability) took after the runs.
# usage: bench/bench_game.sh [build dir, default build] [runs] [workers]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
RUNS=${2:-100}
WORKERS=${3:-2}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target unrest -j"$(nproc)" >/dev/null
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
G=scenarios/game/kazakhstan-2022-game.yaml
echo "## game: $G, 243 profiles x $RUNS runs, $WORKERS workers"
echo "   $(nproc) CPUs online, load average $(cut -d' ' -f1-3 /proc/loadavg)"
TIMEFORMAT='%R %U %S'
{ time "$BUILD/unrest" game "$G" --runs "$RUNS" --workers "$WORKERS" --seed 1 \
    --db "$T/bench.db" >"$T/out.txt" 2>"$T/err.txt"; } 2>"$T/time.txt"
read -r wall user sys <"$T/time.txt"
# the analysis alone: the same command again finds every run done
{ time "$BUILD/unrest" game "$G" --runs "$RUNS" --workers "$WORKERS" --seed 1 \
    --db "$T/bench.db" >/dev/null 2>&1; } 2>"$T/time2.txt"
read -r awall auser asys <"$T/time2.txt"
sqlite3 "$T/bench.db" "SELECT printf('   per run: mean %.3f s, min %.3f s, max %.3f s; %d runs',
    avg(elapsed_s), min(elapsed_s), max(elapsed_s), count(*)) FROM run WHERE status='done'"
echo "   process: wall $wall s, CPU $user s user + $sys s system;" \
    "on $WORKERS idle cores about $(echo "scale=1; ($user + $sys) / $WORKERS" | bc) s"
echo "   per profile: $(echo "scale=2; $wall / 243" | bc) s wall"
echo "   analysis alone (resumed, nothing to run): wall $awall s"
grep -E "^equilibria" "$T/out.txt" || true
