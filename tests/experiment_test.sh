#!/usr/bin/env bash
# experiment_test.sh - the experiment commands as a user meets them: an ensemble gives the same
# rows with 1 and 2 workers; an ensemble killed with kill -9 in the middle of its runs resumes
# with no run lost or duplicated and the rows of an uninterrupted one; compare uses common
# seeds; sweep, sensitivity and export produce what they say; bad inputs exit 2 and leave a
# database that was there byte-identical. Uses tests/scenarios/tiny.yaml (two towns, 3 days).
# usage: experiment_test.sh PATH/TO/unrest
set -u
U=${1:?usage: experiment_test.sh PATH/TO/unrest}
U=$(cd "$(dirname "$U")" && pwd)/$(basename "$U")
HERE=$(cd "$(dirname "$0")" && pwd)
SC=$HERE/scenarios/tiny.yaml
[ -x "$U" ] || { echo "experiment: $U is not an executable"; exit 1; }
command -v sqlite3 >/dev/null || { echo "experiment: the sqlite3 program is needed"; exit 1; }
T=$(mktemp -d)
BGPIDS=()
cleanup() {
    for p in "${BGPIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then ok; else bad "$what"; fi
}

# The columns that make a run's result (not its timing).
COLS="idx, seed, status, peak_active, peak_tick, participants, dead, detained, sites_captured,
      held_at_end, duration_hours, final_legitimacy, ended, class"
dump() { sqlite3 "$1" "SELECT $COLS FROM run ORDER BY variant_id, idx"; }

# --- 1. the same rows with 1 and 2 workers ---
"$U" ensemble "$SC" --runs 12 --workers 1 --db "$T/w1.db" --quiet || bad "ensemble --workers 1 failed"
"$U" ensemble "$SC" --runs 12 --workers 2 --db "$T/w2.db" --quiet || bad "ensemble --workers 2 failed"
dump "$T/w1.db" >"$T/w1.txt"
dump "$T/w2.db" >"$T/w2.txt"
check "12 done rows" [ "$(sqlite3 "$T/w1.db" "SELECT count(*) FROM run WHERE status='done'")" = 12 ]
check "1 and 2 workers give identical rows" cmp -s "$T/w1.txt" "$T/w2.txt"
check "runs differ between seeds" \
    [ "$(sqlite3 "$T/w1.db" "SELECT count(DISTINCT detained) FROM run")" -gt 1 ]
check "12 distinct seeds" [ "$(sqlite3 "$T/w1.db" "SELECT count(DISTINCT seed) FROM run")" = 12 ]
# a larger ensemble in the same database resumes: its first 12 rows are the same
"$U" ensemble "$SC" --runs 16 --workers 2 --db "$T/w1.db" --quiet || bad "ensemble extended failed"
check "extending keeps the first rows" \
    [ "$(dump "$T/w1.db" | head -n 12)" = "$(cat "$T/w1.txt")" ]
check "extended to 16 rows" [ "$(sqlite3 "$T/w1.db" "SELECT count(*) FROM run")" = 16 ]

# --- 2. kill -9 in the middle, then resume ---
N=60
SLOW=(--set scale.people_per_agent=10)
"$U" ensemble "$SC" --runs $N --workers 2 --db "$T/full.db" --quiet "${SLOW[@]}" ||
    bad "uninterrupted ensemble failed"
"$U" ensemble "$SC" --runs $N --workers 2 --db "$T/kill.db" --quiet "${SLOW[@]}" &
pid=$!
BGPIDS+=("$pid")
done_rows=0
for _ in $(seq 1 400); do
    done_rows=$(sqlite3 "$T/kill.db" "SELECT count(*) FROM run WHERE status='done'" 2>/dev/null || echo 0)
    [ "${done_rows:-0}" -ge 6 ] && break
    sleep 0.05
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
killed_at=$(sqlite3 "$T/kill.db" "SELECT count(*) FROM run WHERE status='done'")
check "killed part-way ($killed_at of $N done)" test "$killed_at" -ge 6 -a "$killed_at" -lt $N
check "integrity after kill -9" [ "$(sqlite3 "$T/kill.db" "PRAGMA integrity_check")" = ok ]
"$U" ensemble "$SC" --runs $N --workers 2 --db "$T/kill.db" "${SLOW[@]}" >"$T/resume.out" 2>"$T/resume.err" ||
    bad "resumed ensemble failed: $(tail -n 3 "$T/resume.err")"
check "resume says what was already there" grep -q "already in the database" "$T/resume.err"
check "exactly $N distinct done rows after resume" \
    [ "$(sqlite3 "$T/kill.db" "SELECT count(DISTINCT idx) || ' ' || count(*) FROM run WHERE status='done'")" = "$N $N" ]
check "one experiment after resume" [ "$(sqlite3 "$T/kill.db" "SELECT count(*) FROM experiment")" = 1 ]
check "resumed rows equal an uninterrupted run's" \
    [ "$(dump "$T/kill.db")" = "$(dump "$T/full.db")" ]

# --- 3. compare: common seeds, a table with intervals and differences ---
"$U" compare "$SC" --variant lenient=legitimacy.initial=0.9 --variant harsh=legitimacy.initial=0.7 \
    --runs 10 --workers 2 --db "$T/cmp.db" >"$T/cmp.out" 2>"$T/cmp.err"
rc=$?
check "compare exits 0 (got $rc: $(tail -n 2 "$T/cmp.err"))" [ $rc = 0 ]
check "compare prints probabilities" grep -q "P(suppressed)" "$T/cmp.out"
check "compare prints differences" grep -q "minus first" "$T/cmp.out"
check "compare prints median dead" grep -q "median dead" "$T/cmp.out"
check "compare: two variants x 10 runs" [ "$(sqlite3 "$T/cmp.db" "SELECT count(*) FROM run WHERE status='done'")" = 20 ]
check "compare: the same seed for every variant" \
    [ "$(sqlite3 "$T/cmp.db" "SELECT count(*) FROM (SELECT idx FROM run GROUP BY idx HAVING count(DISTINCT seed) = 1)")" = 10 ]
check "compare: seeds are the ensemble's" \
    [ "$(sqlite3 "$T/cmp.db" "SELECT seed FROM run WHERE idx=3 LIMIT 1")" = "$(sqlite3 "$T/w1.db" "SELECT seed FROM run WHERE idx=3")" ]
# a single variant is compared with the unchanged scenario
"$U" compare "$SC" --variant harsh=legitimacy.initial=0.7 --runs 4 --quiet || bad "compare with one variant failed"

# --- 4. sweep and export ---
"$U" sweep "$SC" --vary legitimacy.initial=0.8:0.9:0.05 --runs 2 --db "$T/sw.db" --quiet ||
    bad "sweep failed"
check "sweep: 3 points x 2 runs" [ "$(sqlite3 "$T/sw.db" "SELECT count(*) FROM run WHERE status='done'")" = 6 ]
check "sweep: factors stored" \
    [ "$(sqlite3 "$T/sw.db" "SELECT factors FROM run WHERE point=2 LIMIT 1")" = "legitimacy.initial=0.9" ]
"$U" export --db "$T/sw.db" --out "$T/sw.csv" || bad "export failed"
check "export: factor column" grep -q "^experiment,kind,scenario,scenario_hash,variant,idx,point,rep,seed,status,legitimacy.initial,peak_active" "$T/sw.csv"
check "export: one line per run" [ "$(wc -l <"$T/sw.csv")" = 7 ]
check "export: no temporary file left" [ -z "$(ls "$T" | grep 'sw.csv.tmp')" ]
"$U" sweep "$SC" --vary legitimacy.initial=0.7:0.9 --vary hardship.fuel_weight=0.3:0.7 --design lhs:5 \
    --db "$T/lhs.db" --quiet || bad "lhs sweep failed"
check "lhs: 5 points" [ "$(sqlite3 "$T/lhs.db" "SELECT count(DISTINCT factors) FROM run WHERE status='done'")" = 5 ]
"$U" ensemble "$SC" --runs 3 --series --db "$T/ser.db" --quiet || bad "ensemble --series failed"
check "series: 3 runs x 3 days x 2 sites" [ "$(sqlite3 "$T/ser.db" "SELECT count(*) FROM series")" = 18 ]
"$U" export --db "$T/ser.db" --table series >"$T/ser.csv" || bad "export series failed"
check "export series: header + 18 rows" [ "$(wc -l <"$T/ser.csv")" = 19 ]

# a run that fails (here: a design value the parser refuses) is recorded; the rest go on; exit 1
"$U" sweep "$SC" --vary time.days=2:3:0.5 --db "$T/fail.db" --quiet 2>"$T/fail.err"
check "a failed run makes exit code 1" [ $? = 1 ]
check "the failure is reported" grep -q "1 of 3 runs failed" "$T/fail.err"
check "the failed run is recorded with its message" \
    [ "$(sqlite3 "$T/fail.db" "SELECT status FROM run WHERE error LIKE '%must be an integer%'")" = failed ]
check "the other runs are done" [ "$(sqlite3 "$T/fail.db" "SELECT count(*) FROM run WHERE status='done'")" = 2 ]

# --- 5. sensitivity ---
printf '# SALib problem\nlegitimacy.initial 0.7 0.9\nhardship.fuel_weight 0.3 0.7\n' >"$T/params.txt"
"$U" sensitivity "$SC" --params "$T/params.txt" --method morris --n 3 --workers 2 >"$T/mo.out" 2>"$T/mo.err"
check "morris exits 0 ($(tail -n 2 "$T/mo.err"))" [ $? = 0 ]
check "morris prints mu*" grep -q "mu\*" "$T/mo.out"
"$U" sensitivity "$SC" --params "$T/params.txt" --method sobol --n 4 --boot 100 --workers 2 \
    --db "$T/sob.db" >"$T/so.out" 2>"$T/so.err"
check "sobol exits 0 ($(tail -n 2 "$T/so.err"))" [ $? = 0 ]
check "sobol prints S1 and ST" grep -q "S1.*ST" "$T/so.out"
check "sobol: N(k+2) = 16 runs" [ "$(sqlite3 "$T/sob.db" "SELECT count(*) FROM run")" = 16 ]

# --- 6. bad inputs: exit 2, a message, and the database that was there unchanged ---
cp "$T/w2.db" "$T/keep.db"
cp "$T/keep.db" "$T/keep.orig"
expect_usage() { # expect_usage MESSAGE ARGS...
    local want=$1
    shift
    "$U" "$@" >"$T/bad.out" 2>"$T/bad.err"
    local rc=$?
    if [ $rc -ne 2 ]; then
        bad "'$*': exit $rc, expected 2 ($(head -c 300 "$T/bad.err"))"
    elif ! grep -qF -- "$want" "$T/bad.err"; then
        bad "'$*': message lacks '$want': $(head -c 300 "$T/bad.err")"
    elif ! cmp -s "$T/keep.db" "$T/keep.orig"; then
        bad "'$*': changed the database"
    else
        ok
    fi
}
expect_usage "unknown setting 'nosuch.x'" sweep "$SC" --vary nosuch.x=1:2:1 --db "$T/keep.db"
expect_usage "empty range" sweep "$SC" --vary legitimacy.initial=0.9:0.8:0.05 --db "$T/keep.db"
expect_usage "--runs must be" ensemble "$SC" --runs 0 --db "$T/keep.db"
expect_usage "--n must be" sensitivity "$SC" --params "$T/params.txt" --n 0 --db "$T/keep.db"
printf 'legitimacy.initial 0.7 0.9\nforce.nosuch 1 2\n' >"$T/badparams.txt"
expect_usage "force.nosuch" sensitivity "$SC" --params "$T/badparams.txt" --n 4 --db "$T/keep.db"
expect_usage "made for another scenario" ensemble "$SC" --runs 2 --db "$T/keep.db" \
    --set legitimacy.initial=0.5
expect_usage "does not exist" ensemble "$SC" --runs 2 --db "$T/nodir/x.db"
check "no folder created for a bad --db" [ ! -e "$T/nodir" ]
expect_usage "not a regular file" ensemble "$SC" --runs 2 --db "$T"
if [ "$(id -u)" != 0 ]; then
    mkdir "$T/ro" && chmod 555 "$T/ro"
    expect_usage "cannot create the database" ensemble "$SC" --runs 2 --db "$T/ro/x.db"
    chmod 755 "$T/ro"
fi
expect_usage "unknown option" ensemble "$SC" --runs 2 --db "$T/keep.db" --wrokers 2
expect_usage "--variant" compare "$SC" --variant "=x" --db "$T/keep.db"
expect_usage "unknown setting" compare "$SC" --variant a=nosuch.y=1 --db "$T/keep.db"
expect_usage "--db FILE is required" ensemble "$SC" --runs 2
# a locked database: another connection holds the write lock for longer than the busy timeout
(echo "BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS lockprobe(x);"; sleep 9; echo "ROLLBACK;") |
    sqlite3 "$T/keep.db" &
BGPIDS+=("$!")
sleep 0.5
expect_usage "locked" ensemble "$SC" --runs 2 --db "$T/keep.db" --quiet
wait
check "keep.db still holds its 12 runs" [ "$(dump "$T/keep.db")" = "$(cat "$T/w2.txt")" ]
check "keep.db integrity" [ "$(sqlite3 "$T/keep.db" "PRAGMA integrity_check")" = ok ]

# reports: an ensemble and a comparison each write one self-contained HTML file with their data
check "ensemble --report" "$U" ensemble "$SC" --runs 4 --db "$T/rep.db" --quiet --report "$T/ens.html"
check "ensemble report has fan data" grep -q '"kind":"ensemble"' "$T/ens.html"
check "compare --report" "$U" compare "$SC" --runs 4 --quiet --variant calm=legitimacy.initial=0.95 \
    --variant angry=legitimacy.initial=0.7 --report "$T/cmp.html"
check "compare report names its variants" grep -q '"name":"angry"' "$T/cmp.html"
check "no script from a network" bash -c "! grep -q '<script src=\"http' '$T/cmp.html'"

# --- three processes started at once on a new database: one creates the schema, none fails ---
race_fail=0
for round in 1 2 3 4 5; do
    rm -f "$T/race.db" "$T/race.db-wal" "$T/race.db-shm"
    rpids=()
    for j in 1 2 3; do
        ("$U" ensemble "$SC" --runs 2 --workers 1 --seed "$j" --db "$T/race.db" --quiet \
            >"$T/race$j.out" 2>&1; echo $? >"$T/race$j.rc") &
        rpids+=($!)
    done
    wait "${rpids[@]}"
    for j in 1 2 3; do [ "$(cat "$T/race$j.rc")" = 0 ] || race_fail=$((race_fail + 1)); done
    [ "$(sqlite3 "$T/race.db" "SELECT count(*) FROM run WHERE status='done'")" = 6 ] ||
        race_fail=$((race_fail + 1))
done
check "three processes on a new database: all succeed, every run once (5 rounds)" [ $race_fail -eq 0 ]

# --- posterior draws: ensemble and compare take --posterior, every run its own parameter set;
# the same draws with 1 and 2 workers; commands that cannot take it refuse it; the forecast ---
POST=$HERE/../scenarios/kazakhstan-2022-posterior.db
cp "$POST" "$T/post.db"
"$U" ensemble default --runs 4 --workers 1 --db "$T/p1.db" --posterior "$T/post.db" \
    --set time.days=2 --quiet || bad "ensemble --posterior failed"
"$U" ensemble default --runs 4 --workers 2 --db "$T/p2.db" --posterior "$T/post.db" \
    --set time.days=2 --quiet || bad "ensemble --posterior (2 workers) failed"
check "posterior draws: the same rows for 1 and 2 workers" [ "$(dump "$T/p1.db")" = "$(dump "$T/p2.db")" ]
check "posterior draws: every run its own parameter set" \
    [ "$(sqlite3 "$T/p1.db" "SELECT count(DISTINCT factors) FROM run")" = 4 ]
"$U" sweep default --vary legitimacy.initial=0.9:0.95:0.05 --posterior "$T/post.db" \
    >/dev/null 2>"$T/err"
check "sweep refuses --posterior (exit 2)" [ $? -eq 2 ]
"$U" ensemble default --runs 2 --db "$T/p3.db" --posterior "$T/nothing.db" >/dev/null 2>"$T/err"
check "a missing posterior is refused (exit 2)" [ $? -eq 2 ]
check "...naming it" grep -q "nothing.db" "$T/err"
"$U" forecast default --posterior "$T/post.db" --runs 3 --set time.days=3 --workers 2 \
    --from 2022-01-02T00:00 --out "$T/f.md" --quiet || bad "forecast failed"
check "forecast: Markdown with its sections" grep -q "## Dead and injured" "$T/f.md"
"$U" forecast default --runs 1 --out "$T/f1.md" >/dev/null 2>"$T/err"
check "forecast refuses one run (exit 2)" [ $? -eq 2 ]
check "...and writes nothing" [ ! -e "$T/f1.md" ]
"$U" forecast default --runs 3 --from 2022-13-01T00:00 >/dev/null 2>"$T/err"
check "forecast: a bad date is refused (exit 2)" [ $? -eq 2 ]

echo "experiment: $pass passed, $fail failed"
[ $fail -eq 0 ]
