#!/usr/bin/env bash
# mesa_side_by_side.sh - unrest against Mesa 3.3.1, both timed in one invocation on one machine,
# which is the only way a speed ratio means something here: Mesa's step time moves with the
# machine's load by +-30 %, so a figure recorded on another day is not a ratio.
#
# Each round times Mesa's Epstein example (the peer's run_epstein.py, Run-2 parameters, SIZE x SIZE,
# seeds 1..SEEDS, STEPS steps from setup, one process per seed; its own "mean s/step" of
# model.step()) and `bench_tick --mesa-protocol SEEDS --steps STEPS` (the same seeds and steps, a
# fresh model per seed, median of REPS runs per seed), alternating which goes first. Per side the
# figure is the median over the seeds of each seed's mean step time; the script prints the ratio
# Mesa / unrest for each round and profile, and the median over the rounds.
#
# usage: bench/mesa_side_by_side.sh [build dir, default build]
#   environment: ROUNDS (3), SEEDS (5), STEPS (200), SIZE (40), REPS (5), PROFILES (mesa,paper),
#                MESA_PEER (../shared/peers/mesa), PYTHON (/usr/bin/python3), CPU (taskset -c CPU),
#                BENCH_TICK (a bench_tick already built: no build)
# Without the Mesa peer (or the Python packages it needs) it says so on one line and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
ROUNDS=${ROUNDS:-3} SEEDS=${SEEDS:-5} STEPS=${STEPS:-200} SIZE=${SIZE:-40} REPS=${REPS:-5}
PROFILES=${PROFILES:-mesa,paper}
PEER=${MESA_PEER:-../shared/peers/mesa}
PY=${PYTHON:-/usr/bin/python3}

if [ ! -f "$PEER/run_epstein.py" ]; then
    echo "Mesa side by side: SKIPPED: no Mesa peer at $PEER (set MESA_PEER to a folder holding" \
        "run_epstein.py and Mesa 3.3.1's mesa/)"
    exit 0
fi
if ! probe=$("$PY" "$PEER/run_epstein.py" --preset run2 --steps 1 --no-step-times 2>&1 >/dev/null) ||
    ! grep -q 's/step' <<<"$probe"; then
    echo "Mesa side by side: SKIPPED: $PY cannot run $PEER/run_epstein.py ($(head -1 <<<"$probe"));" \
        "Debian needs python3-numpy python3-pandas python3-scipy python3-networkx python3-tqdm"
    exit 0
fi

B=${BENCH_TICK:-$BUILD/bench/bench_tick}
if [ -z "${BENCH_TICK:-}" ]; then
    cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$BUILD" --target bench_tick -j"$(nproc)" >/dev/null
fi
run() { if [ -n "${CPU:-}" ]; then taskset -c "$CPU" "$@"; else "$@"; fi; }
median() {
    sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Mesa: "median seed1 seed2 ...": each seed's mean ms/step and their median over the seeds.
mesa_round() {
    local seed ms all=""
    for seed in $(seq "$SEEDS"); do
        ms=$(run "$PY" "$PEER/run_epstein.py" --preset run2 --width "$SIZE" --height "$SIZE" \
            --steps "$STEPS" --seed "$seed" --no-step-times 2>&1 >/dev/null |
            awk '/ s\/step/ { for (i = 1; i < NF; i++) if ($i == "mean") { print $(i + 1) * 1e3; exit } }')
        [ -n "$ms" ] || { echo "mesa_side_by_side.sh: no step time from Mesa (seed $seed)" >&2; exit 1; }
        all="$all $ms"
    done
    echo "$(tr ' ' '\n' <<<"$all" | grep . | median)$all"
}

# unrest: "profile ms" per profile, from bench_tick's table (median over the seeds).
unrest_round() {
    run "$B" --mesa-protocol "$SEEDS" --steps "$STEPS" --sizes "$SIZE" --reps "$REPS" \
        --profiles "$PROFILES" | awk -F'|' -v l="${SIZE}x$SIZE" '$3 ~ " " l " " {
            gsub(/ /, "", $2); gsub(/ /, "", $5); print $2, $5 }'
}

echo "# Mesa 3.3.1 ($PEER, $("$PY" --version 2>&1)) against unrest ($B), side by side"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -n), $(nproc) CPUs," \
    "load $(cut -d' ' -f1-3 /proc/loadavg)${CPU:+, pinned to CPU $CPU}"
echo "# Run-2 parameters, ${SIZE}x$SIZE, seeds 1-$SEEDS, $STEPS steps from setup; ms/step = median" \
    "over the seeds of each seed's mean step (unrest: median of $REPS runs per seed);" \
    "$ROUNDS rounds, alternating"
echo
echo "| round | first | Mesa ms/step (per seed) | profile | unrest ms/step | Mesa / unrest |"
echo "|---|---|---|---|---|---|"
ratios=$(mktemp)
trap 'rm -f "$ratios"' EXIT
for r in $(seq "$ROUNDS"); do
    if [ $((r % 2)) -eq 1 ]; then
        first=Mesa
        mesa_all=$(mesa_round)
        ours=$(unrest_round)
    else
        first=unrest
        ours=$(unrest_round)
        mesa_all=$(mesa_round)
    fi
    [ -n "$ours" ] || { echo "mesa_side_by_side.sh: no figures from $B" >&2; exit 1; }
    mesa=${mesa_all%% *}
    seeds=$(awk '{ for (i = 2; i <= NF; i++) printf "%s%.1f", (i > 2 ? ", " : ""), $i }' <<<"$mesa_all")
    while read -r prof ms; do
        ratio=$(awk -v m="$mesa" -v u="$ms" 'BEGIN { printf "%.0f", m / u }')
        echo "$prof $ratio $mesa $ms" >>"$ratios"
        echo "| $r | $first | $(printf %.2f "$mesa") ($seeds) | $prof | $ms | ${ratio}x |"
    done <<<"$ours"
done
echo
for prof in ${PROFILES//,/ }; do
    n=$(awk -v p="$prof" '$1 == p' "$ratios" | wc -l)
    [ "$n" -gt 0 ] || continue
    col() { awk -v p="$prof" -v c="$1" '$1 == p {print $c}' "$ratios" | median; }
    printf "median over %d rounds, %s profile: Mesa %.2f ms/step, unrest %.4f ms/step, ratio %.0fx" \
        "$n" "$prof" "$(col 3)" "$(col 4)" "$(col 2)"
    echo " (per round: $(awk -v p="$prof" '$1 == p {printf "%s%sx", s, $2; s = ", "}' "$ratios"))"
done
