#!/usr/bin/env bash
# calibrate_sbc.sh - does `unrest calibrate` find a scenario's parameters again? For N truths drawn
# from the prior (legitimacy.initial uniform on [0.85, 0.99], hardship.fuel_weight log-uniform on
# [0.5, 4]) on tests/scenarios/tiny.yaml (two towns, three days, 1 agent per 100 people, log-normal
# hardship), one run at the truth makes synthetic observations (peak active per town on day 1,
# newcomers on day 2, the peak in West on day 3; each stated with a range of -30%..+30% as a
# report would), the whole calibration runs through the command line, and the posterior's 90%
# interval of each parameter is checked against the truth. Prints one line per truth and the
# coverage (about 90% expected; with N = 20 a binomial sd of 6.7 points).
# usage: bench/calibrate_sbc.sh [path/to/unrest] [N] [workers]      (defaults: build/unrest 20 2)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
unrest=${1:-$here/../build/unrest}
n=${2:-20}
workers=${3:-2}
scenario=$here/../tests/scenarios/tiny.yaml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/params.txt" <<'EOF'
legitimacy.initial    0.85  0.99
hardship.fuel_weight  0.5   4     log
EOF

# the truths: a fixed stream (awk's srand(2024)), uniform on the prior
awk -v n="$n" 'BEGIN { srand(2024); for (i = 0; i < n; i++)
    printf "%.4f %.4f\n", 0.85 + 0.14 * rand(), exp(log(0.5) + rand() * log(8)) }' >"$tmp/truths"

covered_l=0
covered_f=0
i=0
t0=$(date +%s)
printf '%-4s %-8s %-8s %-30s %-30s\n' run L0 fuel "L0: median [90%]" "fuel: median [90%]"
while read -r l0 fw; do
    i=$((i + 1))
    "$unrest" run "$scenario" --set hardship.sigma=0.5 --set legitimacy.initial="$l0" \
        --set hardship.fuel_weight="$fw" --seed $((1000 + i)) --quiet --out "$tmp/truth" >/dev/null
    # series.csv: tick (1-based, ending at start + tick hours), time, site, active, ..., participants (10)
    awk -F, 'NR > 1 {
        if ($1 <= 24 && $4 > p1[$3]) p1[$3] = $4
        if ($1 > 48 && $1 <= 72 && $3 == "West" && $4 > p3) p3 = $4
        if ($1 == 24) a += $10
        if ($1 == 48) b += $10 }
      END {
        print "name,quantity,place,from,to,kind,value,low,high,grade"
        printf "west-day1,peak_active,West,2022-01-01,2022-01-02,count,%d,%d,%d,B\n", p1["West"], 0.7 * p1["West"], 1.3 * p1["West"]
        printf "east-day1,peak_active,East,2022-01-01,2022-01-02,count,%d,%d,%d,B\n", p1["East"], 0.7 * p1["East"], 1.3 * p1["East"]
        printf "newcomers-day2,participants,national,2022-01-02,2022-01-03,count,%d,%d,%d,B\n", b - a, 0.7 * (b - a), 1.3 * (b - a)
        printf "west-day3,peak_active,West,2022-01-03,2022-01-04,count,%d,%d,%d,B\n", p3, 0.7 * p3, 1.3 * p3
      }' "$tmp/truth/series.csv" >"$tmp/targets.csv"
    rm -f "$tmp/cal.db"*
    "$unrest" calibrate "$scenario" --set hardship.sigma=0.5 --targets "$tmp/targets.csv" \
        --params "$tmp/params.txt" --db "$tmp/cal.db" --waves 2 --points 20 --reps 3 \
        --particles 100 --generations 6 --min-acceptance 0.05 --predictive 0 --seed "$i" \
        --workers "$workers" 2>/dev/null >"$tmp/out.txt" || { echo "run $i: calibration failed"; cat "$tmp/out.txt"; continue; }
    # the posterior table: "  PATH  MEDIAN  [LO, HI]  [prior]"
    read -r ml ll hl < <(awk '$1 == "legitimacy.initial" && $3 ~ /^\[/ { gsub(/[\[\],]/, "", $3); gsub(/[\[\],]/, "", $4); print $2, $3, $4 }' "$tmp/out.txt")
    read -r mf lf hf < <(awk '$1 == "hardship.fuel_weight" && $3 ~ /^\[/ { gsub(/[\[\],]/, "", $3); gsub(/[\[\],]/, "", $4); print $2, $3, $4 }' "$tmp/out.txt")
    cl=$(awk -v t="$l0" -v a="$ll" -v b="$hl" 'BEGIN { print (t >= a && t <= b) }')
    cf=$(awk -v t="$fw" -v a="$lf" -v b="$hf" 'BEGIN { print (t >= a && t <= b) }')
    covered_l=$((covered_l + cl))
    covered_f=$((covered_f + cf))
    printf '%-4s %-8s %-8s %-30s %-30s\n' "$i" "$l0" "$fw" "$ml [$ll, $hl] $([ "$cl" = 1 ] && echo ok || echo MISS)" \
        "$mf [$lf, $hf] $([ "$cf" = 1 ] && echo ok || echo MISS)"
done <"$tmp/truths"
echo "coverage of the 90% intervals: legitimacy.initial $covered_l/$n, hardship.fuel_weight $covered_f/$n ($(($(date +%s) - t0)) s)"
