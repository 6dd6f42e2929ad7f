#!/usr/bin/env bash
# run_all.sh - every figure in docs/PERFORMANCE.md: build (Release) and run bench_tick for the
# textbook lattice up to a whole country, and Mesa side by side at 40x40 when its peer is there
# (bench/mesa_side_by_side.sh; skipped with a line saying so when it is not). Takes about 20
# minutes and 2.5 GB of memory at the end.
# usage: bench/run_all.sh [build dir, default build]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target bench_tick -j"$(nproc)" >/dev/null
B="$BUILD/bench/bench_tick"
echo "## A: 40x40 .. 2000x2000, sequential update, both profiles"
$B --sizes 40,100,200,500,1000,2000 --profiles paper,mesa --updates sequential --reps 7 \
    --seconds 1 --warmup 50
echo "## A2: 40x40 timed as the Mesa reference runs were (20 seeds x 1000 steps from setup)"
$B --mesa-protocol 20 --reps 5 --profiles mesa,paper
echo "## A3: against Mesa 3.3.1, side by side (Run 2, 40x40, seeds 1-5, 200 steps, 5 rounds)"
ROUNDS=${ROUNDS:-5} BENCH_TICK=$B bench/mesa_side_by_side.sh "$BUILD"
echo "## B: parallel update, 1 and 2 threads"
$B --sizes 40,100,200,1000,2000 --profiles paper --updates parallel --threads 1,2 --reps 5 --seconds 1 \
    --warmup 30
echo "## C: 19.2 million citizens"
$B --citizens 19200000 --profiles paper --updates parallel,sequential --threads 1,2 --reps 5 \
    --seconds 4 --warmup 15
echo "## D: 100 million citizens"
$B --citizens 100000000 --profiles paper --updates parallel --threads 1,2 --reps 3 --seconds 8 \
    --warmup 3
