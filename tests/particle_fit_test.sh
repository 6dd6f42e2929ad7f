#!/usr/bin/env bash
# particle_fit_test.sh - build/tests/particle_fit (scripts/rank-particles.sh's runner) as a user
# meets it: a particle of the shipped posterior runs on two seeds and prints, per run, its line's
# number, the seed and one output per target (counts >= 0, patterns 0 or 1); two processes that
# share the runs (PART 0 and 1 of 2) print exactly what one prints; the same seed gives the same
# outputs; bad arguments and a parameter set missing a value exit 2 with a message naming it.
# usage: particle_fit_test.sh PATH/TO/particle_fit
set -u
F=${1:?usage: particle_fit_test.sh PATH/TO/particle_fit}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$HERE/..
TG=$ROOT/scenarios/kazakhstan-2022-targets.csv
PR=$ROOT/scenarios/kazakhstan-2022-params-storm.txt
command -v sqlite3 >/dev/null || { echo "particle_fit: the sqlite3 program is needed"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $what"; fi
}
sqlite3 "$ROOT/scenarios/kazakhstan-2022-posterior.db" \
    "SELECT theta FROM cal_posterior ORDER BY idx LIMIT 2" >"$T/thetas"
check "two parameter sets from the shipped posterior" [ "$(wc -l <"$T/thetas")" = 2 ]
"$F" default "$TG" "$PR" 1000 2 7 <"$T/thetas" >"$T/one" 2>"$T/err"
check "runs exit 0" [ $? -eq 0 ]
check "one line per set and seed" [ "$(wc -l <"$T/one")" = 4 ]
targets=$(grep -vc '^#' "$TG")
targets=$((targets - 1)) # the header
cols=
check "the line number, the seed and one output per target" \
    awk -v n=$((targets + 2)) 'NF != n { exit 1 }' "$T/one"
check "lines 1, 1, 2, 2 and seeds 7, 8, 7, 8" \
    [ "$(awk '{ printf "%s:%s ", $1, $2 }' "$T/one")" = "1:7 1:8 2:7 2:8 " ]
# shellcheck disable=SC2016
check "counts are not negative" awk '{ for (i = 3; i <= NF; i++) if ($i < 0) exit 1 }' "$T/one"
# the patterns: first_captured, first_withdrawn and captured targets are 0 or 1
# shellcheck disable=SC2016 # awk programs, not shell expansions
cols=$(awk -F, '/^#/ || $1 == "name" { next }
                $6 == "pattern" && $2 != "peak_active" && $2 != "regions_active" { printf "%d ", n + 3 }
                { n++ }' "$TG")
# shellcheck disable=SC2016
check "patterns are 0 or 1" awk -v c="$cols" 'BEGIN { k = split(c, col, " ") }
    { for (i = 1; i <= k; i++) if ($col[i] != 0 && $col[i] != 1) exit 1 }' "$T/one"
"$F" default "$TG" "$PR" 1000 2 7 0 2 <"$T/thetas" >"$T/p0" 2>/dev/null
"$F" default "$TG" "$PR" 1000 2 7 1 2 <"$T/thetas" >"$T/p1" 2>/dev/null
check "two processes print what one prints" [ "$(sort "$T/p0" "$T/p1")" = "$(sort "$T/one")" ]
"$F" default "$TG" "$PR" 1000 1 8 <"$T/thetas" >"$T/again" 2>/dev/null
check "the same seed gives the same outputs" \
    [ "$(sed -n 1p "$T/again")" = "$(sed -n 2p "$T/one")" ]
"$F" default "$TG" "$PR" 0 2 7 <"$T/thetas" >"$T/bad" 2>"$T/err"
check "a bad people-per-agent exits 2" [ $? -eq 2 ]
check "...naming it" grep -q "PPA" "$T/err"
check "...and prints no run" [ ! -s "$T/bad" ]
echo "legitimacy.initial=0.96" | "$F" default "$TG" "$PR" 1000 1 1 >"$T/bad" 2>"$T/err"
check "a parameter set missing a value exits 2" [ $? -eq 2 ]
check "...naming the line and the value" grep -q "<stdin>:1:1: no number for hardship.fuel_weight" "$T/err"
"$F" default "$TG" "$T/nothing.txt" 1000 1 1 </dev/null >/dev/null 2>"$T/err"
check "a missing params file exits 2" [ $? -eq 2 ]
check "...naming it" grep -q "nothing.txt" "$T/err"
echo "particle_fit: $pass passed, $fail failed"
[ $fail -eq 0 ]
