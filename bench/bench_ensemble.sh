#!/usr/bin/env bash
# bench_ensemble.sh - the ensemble figure of docs/PERFORMANCE.md: a RUNS-run ensemble (default
# 1000) of the default scenario at 1 agent per 1,000 people on WORKERS worker threads (default
# 2), into a fresh SQLite database. Prints the wall time, runs/s, agent-updates/s (in total
# from the wall clock, and per worker from the runs' own times) and the time spent writing
# runs to the store, measured separately by the runner.
# usage: bench/bench_ensemble.sh [build dir, default build] [runs] [workers]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
RUNS=${2:-1000}
WORKERS=${3:-2}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target unrest -j"$(nproc)" >/dev/null
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
echo "## ensemble: $RUNS runs of the default scenario, scale.people_per_agent=1000, $WORKERS workers"
echo "   $(nproc) CPUs online, load average $(cut -d' ' -f1-3 /proc/loadavg)"
# CPU seconds of the process as well as wall time: on a shared machine the wall time depends on
# the other work, the CPU time much less; CPU / WORKERS is what the wall time would be on idle cores
TIMEFORMAT='%R %U %S'
{ time "$BUILD/unrest" ensemble default --runs "$RUNS" --workers "$WORKERS" --seed 1 \
    --set scale.people_per_agent=1000 --db "$T/bench.db" >"$T/table.txt" 2>"$T/err.txt"; } 2>"$T/time.txt"
read -r wall user sys <"$T/time.txt"
grep "runs in" "$T/err.txt"
sqlite3 "$T/bench.db" "SELECT printf('   per run: mean %.3f s, min %.3f s, max %.3f s; %d agent-updates each (mean)',
    avg(elapsed_s), min(elapsed_s), max(elapsed_s), avg(agent_updates)) FROM run WHERE status='done'"
echo "   database: $(du -k "$T/bench.db" | cut -f1) KiB"
echo "   process: wall $wall s, CPU $user s user + $sys s system;" \
    "on $WORKERS idle cores about $(echo "scale=1; ($user + $sys) / $WORKERS" | bc) s"
