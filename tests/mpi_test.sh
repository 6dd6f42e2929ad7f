#!/usr/bin/env bash
# mpi_test.sh - the experiment commands under mpirun with NP ranks (docs/CLUSTER.md): the job
# really has NP ranks (the program says how many it got); ensemble, compare and sweep rows (and
# sensitivity, game and calibrate at 2 or 3 ranks) are the same bytes as a one-process run's; the
# master sleeps while it waits (under a quarter of a core); bad input exits 2 under mpirun too.
# With "kill" instead of NP: a worker rank of a 3-rank ensemble is killed with kill -9 part-way,
# the job dies, and the job run again finishes with every run recorded exactly once and the rows
# of an uninterrupted run.
# Uses tests/scenarios/tiny.yaml (two towns, 3 days). As root in a container Open MPI needs
# OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM), set below; --oversubscribe lets 3 ranks share 2 cores.
# usage: mpi_test.sh PATH/TO/unrest PATH/TO/mpiexec NP|kill
set -u
U=${1:?usage: mpi_test.sh PATH/TO/unrest PATH/TO/mpiexec NP|kill}
MPIEXEC=${2:?usage: mpi_test.sh PATH/TO/unrest PATH/TO/mpiexec NP|kill}
MODE=${3:?usage: mpi_test.sh PATH/TO/unrest PATH/TO/mpiexec NP|kill}
U=$(cd "$(dirname "$U")" && pwd)/$(basename "$U")
HERE=$(cd "$(dirname "$0")" && pwd)
SC=$HERE/scenarios/tiny.yaml
command -v sqlite3 >/dev/null || { echo "mpi: the sqlite3 program is needed"; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 # also for Open MPI 5 (prte): see mpirun below
# containers often forbid the cross-memory attach Open MPI's shared-memory transport tries first
export OMPI_MCA_btl_vader_single_copy_mechanism=none
T=$(mktemp -d)
BGPIDS=()
cleanup() {
    for p in "${BGPIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    if [ -n "${KEEP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi # KEEP=1: look at the files
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
mpi() { # mpi NP ARGS...: unrest ARGS on NP ranks
    local np=$1
    shift
    "$MPIEXEC" --oversubscribe -np "$np" "$U" "$@"
}
COLS="variant_id, idx, seed, status, factors, peak_active, peak_tick, participants, dead,
      detained, sites_captured, held_at_end, duration_hours, final_legitimacy, ended, class"
dump() { sqlite3 "$1" "SELECT $COLS FROM run ORDER BY variant_id, idx"; }
# the rank count the job got, from the program's own line ("3 MPI ranks", "1 MPI rank")
ranks_of() { sed -n 's/.*, \([0-9]*\) MPI ranks\{0,1\}[ ,(].*/\1/p' "$1" | head -n 1; }

if [ "$MODE" != kill ]; then
    NP=$MODE
    # --- the one-process baselines ---
    "$U" ensemble "$SC" --runs 10 --workers 2 --db "$T/e1.db" --quiet || bad "ensemble (one process) failed"
    "$U" compare "$SC" --variant lenient=legitimacy.initial=0.9 --variant harsh=legitimacy.initial=0.7 \
        --runs 4 --workers 2 --db "$T/c1.db" --quiet || bad "compare (one process) failed"
    "$U" sweep "$SC" --vary legitimacy.initial=0.8:0.9:0.05 --runs 2 --workers 2 --db "$T/s1.db" \
        --quiet || bad "sweep (one process) failed"
    "$U" ensemble "$SC" --runs 3 --series --workers 1 --db "$T/r1.db" --quiet || bad "series (one process) failed"

    # --- the same under mpirun -np NP ---
    mpi "$NP" ensemble "$SC" --runs 10 --db "$T/eN.db" >"$T/e.out" 2>"$T/e.err" ||
        bad "mpirun -np $NP ensemble failed: $(tail -n 3 "$T/e.err")"
    got=$(ranks_of "$T/e.err")
    check "the job has $NP ranks (the program says '${got:-nothing}')" [ "${got:-0}" = "$NP" ]
    check "ensemble: 10 done rows on $NP ranks" \
        [ "$(sqlite3 "$T/eN.db" "SELECT count(*) FROM run WHERE status='done'")" = 10 ]
    check "ensemble rows on $NP ranks = one process's" [ "$(dump "$T/eN.db")" = "$(dump "$T/e1.db")" ]
    if [ "$NP" -gt 1 ]; then
        # the master sleeps while it waits: its CPU share of the job's wall time, as it reports
        pct=$(sed -n 's/.*master CPU .* (\([0-9.]*\)% of a core).*/\1/p' "$T/e.err")
        check "the master uses under 25% of a core (${pct:-?}%)" \
            awk -v p="${pct:-100}" 'BEGIN { exit !(p < 25) }'
    fi
    mpi "$NP" compare "$SC" --variant lenient=legitimacy.initial=0.9 --variant harsh=legitimacy.initial=0.7 \
        --runs 4 --db "$T/cN.db" --quiet >/dev/null 2>"$T/c.err" || bad "mpirun compare failed: $(tail -n 3 "$T/c.err")"
    check "compare rows on $NP ranks = one process's" [ "$(dump "$T/cN.db")" = "$(dump "$T/c1.db")" ]
    check "compare: 2 variants x 4 runs" [ "$(sqlite3 "$T/cN.db" "SELECT count(*) FROM run WHERE status='done'")" = 8 ]
    mpi "$NP" sweep "$SC" --vary legitimacy.initial=0.8:0.9:0.05 --runs 2 --db "$T/sN.db" --quiet \
        >/dev/null 2>"$T/s.err" || bad "mpirun sweep failed: $(tail -n 3 "$T/s.err")"
    check "sweep rows on $NP ranks = one process's" [ "$(dump "$T/sN.db")" = "$(dump "$T/s1.db")" ]
    mpi "$NP" ensemble "$SC" --runs 3 --series --db "$T/rN.db" --quiet 2>"$T/r.err" >/dev/null ||
        bad "mpirun --series failed: $(tail -n 3 "$T/r.err")"
    SER="SELECT idx, day, site, active_peak, detained, dead, legitimacy FROM series ORDER BY idx, day, site"
    check "series rows on $NP ranks = one process's (18)" \
        [ "$(sqlite3 "$T/rN.db" "$SER")" = "$(sqlite3 "$T/r1.db" "$SER")" -a \
        "$(sqlite3 "$T/rN.db" "SELECT count(*) FROM series")" = 18 ]
    # a resumed job skips what is there and adds nothing
    mpi "$NP" ensemble "$SC" --runs 10 --db "$T/eN.db" >/dev/null 2>"$T/e2.err" || bad "resumed job failed"
    check "resumed: 10 already in the database" grep -q "(10 already in the database" "$T/e2.err"
    check "resumed: still 10 rows" [ "$(sqlite3 "$T/eN.db" "SELECT count(*) FROM run")" = 10 ]
    # one national run across the NP ranks: the same bytes as one process's
    NAT=(run --set scale.people_per_agent=500 --days 3 --threads 1)
    "$U" "${NAT[@]}" --out "$T/nat1" --quiet || bad "national run (one process) failed"
    mpi "$NP" "${NAT[@]}" --out "$T/natN" >/dev/null 2>"$T/nat.err" ||
        bad "mpirun national run failed: $(tail -n 3 "$T/nat.err")"
    if [ "$NP" -gt 1 ]; then
        got=$(sed -n 's/.*one run across \([0-9]*\) MPI ranks.*/\1/p' "$T/nat.err")
        check "the national run has $NP ranks (${got:-none said})" [ "${got:-0}" = "$NP" ]
    fi
    for f in series.csv daily.csv events.csv; do
        check "national run on $NP ranks: $f byte-identical" cmp -s "$T/nat1/$f" "$T/natN/$f"
    done
    check "the national run saw unrest" \
        awk -F, 'NR > 1 && $4 > 0 { found = 1 } END { exit !found }' "$T/nat1/daily.csv"
    if [ "$NP" -gt 1 ]; then
        mpi "$NP" run --days 1 --set scale.people_per_agent=1000 --png "$T/png" --out "$T/x" \
            >/dev/null 2>"$T/png.err"
        rc=$?
        check "--png under mpirun exits 2 (got $rc)" [ $rc = 2 ]
    fi
    # sensitivity (Morris) through the same runner: the same rows and the same effects
    if [ "$NP" = 2 ]; then
        printf 'legitimacy.initial 0.7 0.9\nhardship.fuel_weight 0.3 0.7\n' >"$T/params.txt"
        MOR=(sensitivity "$SC" --params "$T/params.txt" --method morris --n 3)
        "$U" "${MOR[@]}" --workers 2 --db "$T/mo1.db" >"$T/mo1.out" 2>/dev/null || bad "morris (one process) failed"
        mpi "$NP" "${MOR[@]}" --db "$T/moN.db" >"$T/moN.out" 2>"$T/mo.err" ||
            bad "mpirun morris failed: $(tail -n 3 "$T/mo.err")"
        check "sensitivity rows on $NP ranks = one process's" [ "$(dump "$T/moN.db")" = "$(dump "$T/mo1.db")" ]
        check "sensitivity: the same effects on $NP ranks" \
            [ "$(sed "s|$T/mo1.db|DB|g" "$T/mo1.out")" = "$(sed "s|$T/moN.db|DB|g" "$T/moN.out")" ]
    fi
    # the game's profiles through the same runner: the same rows and the same printed solution
    if [ "$NP" = 3 ]; then
        G=$HERE/data/game/tiny-game.yaml
        "$U" game "$G" --runs 4 --workers 1 --db "$T/g1.db" --quiet >"$T/g1.out" 2>"$T/g1.err" ||
            bad "game (one process) failed: $(tail -n 3 "$T/g1.err")"
        mpi "$NP" game "$G" --runs 4 --db "$T/gN.db" --quiet >"$T/gN.out" 2>"$T/gN.err" ||
            bad "mpirun game failed: $(tail -n 3 "$T/gN.err")"
        check "game rows on $NP ranks = one process's" \
            [ "$(dump "$T/gN.db")" = "$(dump "$T/g1.db")" -a -n "$(dump "$T/g1.db")" ]
        check "game: the same equilibria and tables on $NP ranks" cmp -s "$T/g1.out" "$T/gN.out"
    fi
    # calibrate's runs on the worker ranks: the same stored runs and the same posterior
    if [ "$NP" = 3 ]; then
        CAL=(calibrate default --targets "$HERE/../scenarios/kazakhstan-2022-targets.csv"
            --params "$HERE/../scenarios/kazakhstan-2022-params.txt" --set scale.people_per_agent=5000
            --waves 1 --points 10 --reps 2 --particles 20 --generations 1 --predictive 0 --seed 3)
        "$U" "${CAL[@]}" --workers 2 --db "$T/cal1.db" >"$T/cal1.out" 2>"$T/cal1.err" ||
            bad "calibrate (one process) failed: $(tail -n 3 "$T/cal1.err")"
        mpi "$NP" "${CAL[@]}" --db "$T/calN.db" >"$T/calN.out" 2>"$T/calN.err" ||
            bad "mpirun calibrate failed: $(tail -n 3 "$T/calN.err")"
        CR="SELECT r.stage, r.step, r.point, r.rep, r.seed, r.theta, r.status, o.target, o.value
            FROM cal_run r JOIN cal_output o USING (calibration_id, stage, step, point, rep)
            ORDER BY 1, 2, 3, 4, 8"
        check "calibrate: the stored runs on $NP ranks = one process's" \
            [ "$(sqlite3 "$T/calN.db" "$CR")" = "$(sqlite3 "$T/cal1.db" "$CR")" -a \
            -n "$(sqlite3 "$T/cal1.db" "$CR")" ]
        check "calibrate: the same report on $NP ranks" \
            [ "$(grep -v "posterior is in" "$T/cal1.out" | sed "s|$T/cal1.db|DB|g")" = \
            "$(grep -v "posterior is in" "$T/calN.out" | sed "s|$T/calN.db|DB|g")" ]
    fi
    # bad input under mpirun: a message and exit 2, the workers stopped
    mpi "$NP" ensemble "$SC" --runs 0 --db "$T/bad.db" >/dev/null 2>"$T/bad.err"
    rc=$?
    check "bad input exits 2 under mpirun (got $rc)" [ $rc = 2 ]
    check "bad input is explained" grep -q -- "--runs" "$T/bad.err"
else
    # --- a worker killed part-way, then the job run again ---
    # runs of about 0.1 s on an idle core: the master commits a first batch after about 1 s,
    # long before the end (about 3 s with two workers); a sanitizer build runs about ten times
    # slower (UNREST_TEST_SANITIZED=1): fewer, lighter runs are still long enough there
    N=60
    SLOW=(--set scale.people_per_agent=15)
    if [ -n "${UNREST_TEST_SANITIZED:-}" ]; then
        N=24
        SLOW=(--set scale.people_per_agent=40)
    fi
    "$U" ensemble "$SC" --runs $N --workers 2 --db "$T/full.db" --quiet "${SLOW[@]}" ||
        bad "uninterrupted ensemble failed"
    mpi 3 ensemble "$SC" --runs $N --db "$T/kill.db" --quiet "${SLOW[@]}" >/dev/null 2>"$T/k.err" &
    pid=$!
    BGPIDS+=("$pid")
    # wait for a first committed batch (the master commits at least every second)
    for _ in $(seq 1 300); do
        d=$(sqlite3 "$T/kill.db" "SELECT count(*) FROM run WHERE status='done'" 2>/dev/null || echo 0)
        [ "${d:-0}" -ge 1 ] && break
        sleep 0.05
    done
    # the process of rank 1 (a worker): a descendant of mpirun whose environment says so
    victim=
    for p in $(pgrep -P "$pid") $(pgrep -P "$(pgrep -P "$pid" | tr '\n' ',' | sed 's/,$//')" 2>/dev/null); do
        if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=1"; then
            victim=$p
            break
        fi
    done
    check "found the worker of rank 1" [ -n "$victim" ]
    [ -n "$victim" ] && kill -9 "$victim"
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$pid" 2>/dev/null && { bad "the job did not end after its worker died"; kill -9 "$pid"; }
    wait "$pid" 2>/dev/null
    killed_at=$(sqlite3 "$T/kill.db" "SELECT count(*) FROM run WHERE status='done'")
    check "killed part-way ($killed_at of $N done)" test "$killed_at" -ge 1 -a "$killed_at" -lt $N
    check "integrity after the kill" [ "$(sqlite3 "$T/kill.db" "PRAGMA integrity_check")" = ok ]
    mpi 3 ensemble "$SC" --runs $N --db "$T/kill.db" "${SLOW[@]}" >/dev/null 2>"$T/resume.err" ||
        bad "resumed job failed: $(tail -n 3 "$T/resume.err")"
    check "the resumed job had 3 ranks" [ "$(ranks_of "$T/resume.err")" = 3 ]
    check "resume says what was already there" grep -q "($killed_at already in the database" "$T/resume.err"
    check "exactly $N distinct done rows after resume" \
        [ "$(sqlite3 "$T/kill.db" "SELECT count(DISTINCT idx) || ' ' || count(*) FROM run WHERE status='done'")" = "$N $N" ]
    check "resumed rows equal an uninterrupted run's" [ "$(dump "$T/kill.db")" = "$(dump "$T/full.db")" ]
fi

echo "mpi $MODE: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
