#!/usr/bin/env bash
# cli_test.sh - the unrest program as a user meets it: a table of malformed command lines, each
# with the message it must print and exit code 2 and no output files; reproducibility of the
# per-tick CSV (same seed byte-identical, different seeds differ); outputs and help texts.
# usage: cli_test.sh PATH/TO/unrest
set -u
U=${1:?usage: cli_test.sh PATH/TO/unrest}
U=$(cd "$(dirname "$U")" && pwd)/$(basename "$U")
[ -x "$U" ] || { echo "cli: $U is not an executable"; echo "cli: 0 passed, 1 failed"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect_error EXPECTED_SUBSTRING ARGS... : exit code 2, message on stderr, no output files.
expect_error() {
    local want=$1
    shift
    local out="$T/o$pass$fail"
    # --out goes right after the subcommand so that a trailing option keeps its missing value
    if [ "$1" = run ]; then
        (cd "$T" && "$U" run --out "$out" $CL "${@:2}" >"$T/stdout" 2>"$T/stderr")
    else
        (cd "$T" && "$U" "$@" >"$T/stdout" 2>"$T/stderr")
    fi
    local rc=$?
    if [ $rc -ne 2 ]; then
        bad "'$*': exit $rc, expected 2 ($(head -c 300 "$T/stderr"))"
    elif ! grep -qF -- "$want" "$T/stderr"; then
        bad "'$*': message lacks '$want': $(head -c 300 "$T/stderr")"
    elif [ -e "$out/series.csv" ] || [ -e "$out/manifest.json" ] || ls "$out"/.*.tmp >/dev/null 2>&1; then
        bad "'$*': left output files"
    else
        ok
    fi
}

cat >"$T/bad.yaml" <<'Y'
seed: 3
params:
  legitimacy: 1.5
Y
cat >"$T/typo.yaml" <<'Y'
sede: 3
Y
cat >"$T/good.yaml" <<'Y'
profile: mesa
seed: 5
ticks: 50
params:
  legitimacy: 0.8
events:
  - at: 10
    set: {legitimacy: 0.7}
Y

# --- the table: arguments -> expected message (exit 2, nothing written) ---
# classic Epstein runs (without a file, `run` runs the Kazakhstan scenario unless --classic)
CL=--classic
expect_error "unknown option '--sed'" run --sed 3
expect_error "unknown parameter 'legitimcy'" run --set legitimcy=0.5
expect_error "parameter 'legitimacy' must be a number in [0, 1], got '1.5'" run --set legitimacy=1.5
expect_error "parameter 'legitimacy' must be a number in [0, 1], got '-0.1'" run --set legitimacy=-0.1
expect_error "parameter 'legitimacy' must be a number in [0, 1], got 'high'" run --set legitimacy=high
expect_error "parameter 'citizen_vision' must be a number in [0, 64], got '-1'" run --set citizen_vision=-1
expect_error "parameter 'citizen_vision' must be below half the shorter side (< 20 on a 40x40" run --set citizen_vision=25
expect_error "citizen_density + cop_density = 1.04 exceeds 1" run --set citizen_density=1
expect_error "parameter 'cop_density' must be a number in [0, 1], got '2'" run --set cop_density=2
expect_error "parameter 'width' must be an integer in [3, 65535], got '2'" run --set width=2
expect_error "parameter 'width' must be an integer in [3, 65535], got '-40'" run --set width=-40
expect_error "parameter 'height' must be an integer in [3, 65535], got '4.5'" run --set height=4.5
expect_error "parameter 'jail_max' must be an integer in [0, 65534] or inf, got 'forever'" run --set jail_max=forever
expect_error "parameter 'hood' must be one of von_neumann|moore|euclidean, got 'hex'" run --set hood=hex
expect_error "parameter 'ratio' must be one of literal|floor|round_even, got 'round'" run --set ratio=round
expect_error "parameter 'movement' must be true or false, got 'maybe'" run --set movement=maybe
expect_error "--set 'legitimacy': expected NAME=VALUE" run --set legitimacy
expect_error "--set '=0.5': expected NAME=VALUE" run --set =0.5
expect_error "parameter 'k' needs a value" run --set k=
expect_error "alpha' must be 0 when jail_max is inf" run --set jail_max=inf --set alpha=1
expect_error "cop_to_arrestee=true needs jail_place removed or transparent" run --profile mesa --set cop_to_arrestee=true
expect_error "unknown profile 'neltogo'" run --profile neltogo
expect_error "--seed must be an integer in [0, 18446744073709551615], got '-1'" run --seed -1
expect_error "--seed must be an integer in [0, 18446744073709551615], got '18446744073709551616'" run --seed 18446744073709551616
expect_error "--seed must be an integer in [0, 18446744073709551615], got 'abc'" run --seed abc
expect_error "--ticks must be an integer in [0, 1000000000], got '1e3'" run --ticks 1e3
expect_error "--ticks must be an integer in [0, 1000000000], got '2000000000'" run --ticks 2000000000
expect_error "option '--seed' needs a value" run --seed
expect_error "more than one run file given" run a.yaml b.yaml
expect_error "nonexistent.yaml: cannot open" run nonexistent.yaml
expect_error "bad.yaml:3:15: parameter 'legitimacy' must be a number in [0, 1], got '1.5'" run "$T/bad.yaml"
expect_error "typo.yaml:1:1: unknown key 'sede'" run "$T/typo.yaml"
expect_error "unknown parameter 'legitimcy'" run --at 5:legitimcy=0.3
expect_error "cannot change during a run" run --at 5:width=30
expect_error "--ramp" run --ramp legitimacy=0.9:0.2:50
expect_error "--threads must be an integer in [1, 1024], got '0'" run --threads 0
expect_error "update=parallel with countdown=own_activation needs jail_place=blocking" run --profile mesa --set update=parallel --set jail_place=removed
CL=
expect_error "unknown command 'rnu'" rnu
expect_error "--then-smc follows rejection ABC: it needs --abc-draws" calibrate default --targets t.csv --params p.txt --db c.db --then-smc 2
expect_error "--then-smc must be an integer in [1, 100], got '0'" calibrate default --targets t.csv --params p.txt --db c.db --abc-draws 300 --then-smc 0
expect_error "unknown topic 'parms'" help parms

# an unwritable output location is bad input too (exit 2, nothing half-written)
touch "$T/afile"
(cd "$T" && "$U" run --ticks 5 --out "$T/afile/sub" >/dev/null 2>"$T/stderr")
rc=$?
if [ $rc -eq 2 ] && grep -q "cannot create folder" "$T/stderr"; then ok; else bad "unwritable --out: rc $rc $(cat "$T/stderr")"; fi

# --- a good run writes both files and a summary ---
if "$U" run --ticks 200 --seed 3 --out "$T/a" >"$T/stdout" 2>&1 && [ -s "$T/a/series.csv" ] && [ -s "$T/a/manifest.json" ]; then ok; else bad "good run failed: $(cat "$T/stdout")"; fi
[ "$(wc -l <"$T/a/series.csv")" -eq 202 ] && ok || bad "series.csv should have a header and ticks 0..200"
head -1 "$T/a/series.csv" | grep -q '^tick,citizens,quiescent,active,jailed,cops,arrests,releases,moves,legitimacy,tension$' && ok || bad "CSV header"
grep -q '"seed": 3' "$T/a/manifest.json" && grep -q '"legitimacy": 0.82' "$T/a/manifest.json" && grep -q '"version": "' "$T/a/manifest.json" && ok || bad "manifest lacks seed/params/version"
grep -q 'outbursts' "$T/stdout" && grep -q 'seed 3' "$T/stdout" && ok || bad "summary lacks outbursts or seed"
if command -v python3 >/dev/null; then python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$T/a/manifest.json" && ok || bad "manifest is not valid JSON"; fi

# --- reproducibility: same seed byte-identical, different seed differs, for each profile ---
for prof in paper netlogo mesa; do
    "$U" run --quiet --profile $prof --ticks 300 --seed 42 --out "$T/r1" &&
        "$U" run --quiet --profile $prof --ticks 300 --seed 42 --out "$T/r2" &&
        "$U" run --quiet --profile $prof --ticks 300 --seed 43 --out "$T/r3" || bad "$prof runs failed"
    cmp -s "$T/r1/series.csv" "$T/r2/series.csv" && ok || bad "$prof: same seed gave different CSV"
    if [ -s "$T/r3/series.csv" ] && ! cmp -s "$T/r1/series.csv" "$T/r3/series.csv"; then ok; else bad "$prof: seeds 42 and 43 gave the same CSV"; fi
    # the brute-force scan kernel is a twin of the fast one: identical runs
    "$U" run --quiet --profile $prof --ticks 300 --seed 42 --set kernel=scan --out "$T/r4" || bad "scan run failed"
    cmp -s "$T/r1/series.csv" "$T/r4/series.csv" && ok || bad "$prof: kernel=scan differs from kernel=fast"
    rm -rf "$T/r1" "$T/r2" "$T/r3" "$T/r4"
done

# --- the parallel update: same output for any number of threads ---
for th in 1 2 4; do
    "$U" run --quiet --set width=1100 --set height=128 --set update=parallel --threads $th --ticks 20 --seed 5 --out "$T/p$th" || bad "parallel run with $th threads failed"
done
cmp -s "$T/p1/series.csv" "$T/p2/series.csv" && cmp -s "$T/p1/series.csv" "$T/p4/series.csv" && ok || bad "parallel update differs between 1, 2 and 4 threads"

# --- a run file with events; options override the file ---
"$U" run "$T/good.yaml" --quiet --out "$T/g" && ok || bad "good.yaml run failed"
awk -F, 'NR==11 && $10=="0.800000" {a=1} NR==12 && $10=="0.700000" {b=1} END {exit !(a&&b)}' "$T/g/series.csv" && ok || bad "event at tick 10 not applied at tick 10"
grep -q '"seed": 5' "$T/g/manifest.json" && grep -q '"hood": "von_neumann"' "$T/g/manifest.json" && ok || bad "file's seed/profile not used"
"$U" run "$T/good.yaml" --seed 9 --quiet --out "$T/g2" && grep -q '"seed": 9' "$T/g2/manifest.json" && ok || bad "--seed does not override the file"
"$U" run --quiet --ticks 100 --set legitimacy=0.9 --ramp legitimacy=0.9:0.5:11:50 --out "$T/ramp" && awk -F, 'NR==52 && $10=="0.500000" {a=1} NR==12 && $10=="0.900000" {b=1} END {exit !(a&&b)}' "$T/ramp/series.csv" && ok || bad "ramp"

# --- scenarios: the built-in default, files, variants, bad input ---
expect_error "unknown setting 'legitimcy.initial'" run --set legitimcy.initial=0.5
expect_error "legitimacy.initial" run --set legitimacy.initial=1.5
SRC=$(cd "$(dirname "$0")/.." && pwd)
expect_error "are for classic Epstein runs" run --ticks 5 "$SRC/scenarios/kazakhstan-2022.yaml"
expect_error "--days" run --days 0
expect_error "people_per_agent" run --set scale.people_per_agent=0
expect_error "unknown site" run --set sites.Atlantis.population=5
# every malformed scenario of the corpus: exit 2, its expected message, nothing written (an
# empty file and a bare list have no scenario key, so `run` reads them as classic run files;
# test_scenario checks them against the scenario loader)
for f in "$SRC"/tests/corpus/scenario-bad/*.yaml; do
    case $(basename "$f") in empty-file.yaml | root-not-mapping.yaml) continue ;; esac
    want=$(sed -n '1s/^# expect: //p' "$f")
    expect_error "$want" run "$f"
done
"$U" run --quiet --set scale.people_per_agent=1000 --days 3 --seed 4 --out "$T/s1" && ok || bad "default scenario run failed"
for f in series.csv daily.csv events.csv manifest.json; do [ -s "$T/s1/$f" ] && ok || bad "scenario run lacks $f"; done
"$U" run --quiet --set scale.people_per_agent=1000 --days 3 --seed 4 --threads 1 --out "$T/s2" && cmp -s "$T/s1/series.csv" "$T/s2/series.csv" && cmp -s "$T/s1/daily.csv" "$T/s2/daily.csv" && ok || bad "scenario: same seed, 1 vs 2 threads differ"
"$U" run --quiet --set scale.people_per_agent=1000 --days 3 --seed 5 --out "$T/s3" && ! cmp -s "$T/s1/series.csv" "$T/s3/series.csv" && ok || bad "scenario: seeds 4 and 5 gave the same series"
grep -q '"scenario_hash": "' "$T/s1/manifest.json" && grep -q '"seed": 4' "$T/s1/manifest.json" && ok || bad "scenario manifest lacks hash or seed"
if command -v python3 >/dev/null; then python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$T/s1/manifest.json" && ok || bad "scenario manifest is not valid JSON"; fi
"$U" run --set scale.people_per_agent=1000 --days 2 --out "$T/s4" >"$T/stdout" 2>&1 && grep -q "day 2" "$T/stdout" && grep -q "Zhanaozen" "$T/stdout" && grep -q "Outcome:" "$T/stdout" && ok || bad "scenario table: $(head -c 300 "$T/stdout")"
for f in "$SRC"/scenarios/*.yaml; do
    "$U" run "$f" --quiet --set scale.people_per_agent=1000 --days 8 --out "$T/v" && ok || bad "variant $f failed"
done

# --- the manifest: every key of the table is in it, and it rebuilds the run exactly ---
if command -v python3 >/dev/null; then
    python3 - "$T/s1/manifest.json" <<'PY' && ok || bad "manifest lacks keys of the table"
import json, sys
m = json.load(open(sys.argv[1]))
p = m["params"]
need = ["hardship.sigma", "hardship.tail", "hardship.fuel_lag_days", "force.arrest_rate",
        "time.start", "sites.Almaty.population", "sites.Almaty.focal.airport.guards"]
missing = [k for k in need if k not in p]
assert not missing, missing
assert m["seed"] == 4 and len(m["scenario_hash"]) == 16 and len(m["base_hash"]) == 16
PY
fi
cp "$SRC/scenarios/no-csto.yaml" "$T/variant.yaml"
sed -i 's|^base: .*|base: builtin|' "$T/variant.yaml"
(cd "$T" && "$U" run variant.yaml --quiet --set scale.people_per_agent=1000 --days 4 --seed 11 \
    --set hardship.sigma=0.61 --set 'sites.*.temp_anomaly=1.25' --out m1) || bad "manifest: first run failed"
mkdir -p "$T/elsewhere"
(cd "$T/elsewhere" && "$U" run --manifest ../m1/manifest.json --quiet --threads 1 --out ../m2) && ok || bad "run --manifest failed"
for f in series.csv daily.csv events.csv; do cmp -s "$T/m1/$f" "$T/m2/$f" && ok || bad "run --manifest: $f differs from the original run's"; done
h1=$(grep '"scenario_hash"' "$T/m1/manifest.json"); h2=$(grep '"scenario_hash"' "$T/m2/manifest.json")
[ -n "$h1" ] && [ "$h1" = "$h2" ] && ok || bad "run --manifest: scenario hash $h2, the run had $h1"
"$U" run --quiet --set scale.people_per_agent=1000 --days 2 --seed 18446744073709551615 --out "$T/m3" &&
    "$U" run --manifest "$T/m3/manifest.json" --quiet --out "$T/m4" && cmp -s "$T/m3/series.csv" "$T/m4/series.csv" && ok || bad "run --manifest: built-in scenario, largest seed"
expect_error "cannot change it" run --manifest "$T/m1/manifest.json" --set legitimacy.initial=0.5
expect_error "cannot change it" run --manifest "$T/m1/manifest.json" --seed 3
expect_error "by itself" run --manifest "$T/m1/manifest.json" "$T/variant.yaml"
expect_error "not a scenario run's manifest" run --manifest "$T/a/manifest.json"
echo '{"seed": ' >"$T/broken.json"
expect_error "broken.json:" run --manifest "$T/broken.json"
sed -i 's|^title: .*|title: "changed since"|' "$T/variant.yaml"
expect_error "has changed since the run" run --manifest "$T/m1/manifest.json"

# --- the day table folds quiet stretches; no progress line when stderr is not a terminal ---
"$U" run --set scale.people_per_agent=1000 --set anger.initial=0 --set legitimacy.initial=0.975 --set hardship.fuel_weight=2 --days 12 --seed 1 --out "$T/q" >"$T/stdout" 2>"$T/stderr" || bad "quiet-days run failed"
grep -q 'cities quiet$' "$T/stdout" && ! grep -q '(19 cities quiet)' "$T/stdout" && ok || bad "quiet days are not folded: $(grep -m3 quiet "$T/stdout")"
[ ! -s "$T/stderr" ] && ok || bad "progress written to a stderr that is not a terminal: $(head -c 200 "$T/stderr" | od -c | head -3)"

# --- help ---
"$U" help scenario | grep -q 'hardship.sigma' && ok || bad "help scenario lacks hardship.sigma"
[ "$("$U" help scenario --markdown | grep -c '^| `')" -ge 60 ] && ok || bad "help scenario --markdown: too few keys"
# docs/SCENARIO.md holds the generated table: it must be what the program prints
sed -n '/<!-- BEGIN unrest help scenario --markdown -->/,/<!-- END unrest help scenario --markdown -->/p' "$SRC/docs/SCENARIO.md" | sed '1d;$d' >"$T/doc_table.md"
"$U" help scenario --markdown >"$T/cmd_table.md"
if [ -s "$T/doc_table.md" ] && cmp -s "$T/doc_table.md" "$T/cmd_table.md"; then ok; else bad "docs/SCENARIO.md's key table differs from 'unrest help scenario --markdown' (regenerate it): $(diff "$T/doc_table.md" "$T/cmd_table.md" | head -5)"; fi
"$U" --help | grep -q "usage: unrest COMMAND" && ok || bad "--help"
"$U" help run | grep -q -- "--seed N" && ok || bad "help run"
"$U" run --help | grep -q -- "--ramp" && ok || bad "run --help"
[ "$("$U" help params | grep -c '^  [a-z_]')" -ge 25 ] && ok || bad "help params lists every parameter"
"$U" help profiles | grep -q "round_even" && ok || bad "help profiles"
"$U" >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "no command should exit 2"

echo "cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
