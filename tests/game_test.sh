#!/usr/bin/env bash
# game_test.sh - `unrest game` as a user meets it, on tests/data/game/tiny-game.yaml (two actors,
# two strategies each, two towns, two days): the game is played and solved (its one pure
# equilibrium is found, found again in every resample, and is what the power's first move
# forces); the profile with foreign guards and foreign arms is a proxy war; 1 and 2 workers give
# the same text; a second call on the same database runs nothing and prints the same; a sub-game
# (--fix) and its bad arguments; a store made before the run table kept fell_at and the foreign
# losses resumes; bad game files exit 2 with file:line:column and leave no report behind.
# usage: game_test.sh PATH/TO/unrest
set -u
U=${1:?usage: game_test.sh PATH/TO/unrest}
U=$(cd "$(dirname "$U")" && pwd)/$(basename "$U")
HERE=$(cd "$(dirname "$0")" && pwd)
G=$HERE/data/game/tiny-game.yaml
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
has() { if grep -qF -- "$2" "$1"; then ok; else bad "$1 lacks '$2'"; fi; }

"$U" game "$G" --runs 6 --db "$T/a.db" --workers 1 --quiet >"$T/a.txt" 2>"$T/a.err"
[ $? -eq 0 ] && ok || bad "game exits 0: $(cat "$T/a.err")"
has "$T/a.txt" "equilibria: 1 pure, 1 in all"
has "$T/a.txt" "equilibrium 1 (pure): government=hold power=arm"
has "$T/a.txt" "found again in 200 of 200 resamples"
has "$T/a.txt" "subgame-perfect play (also a Nash equilibrium of the simultaneous game): government=hold power=arm"
has "$T/a.txt" "government=call_in power=arm: "
grep -E "^  government=call_in power=arm: .*proxy 1.00$" "$T/a.txt" >/dev/null && ok || bad "guards and arms make a proxy war"
grep -E "^  government=hold power=stay_out: .*proxy 0.00$" "$T/a.txt" >/dev/null && ok || bad "nobody intervenes is no proxy war"
has "$T/a.txt" "nobody intervenes (baseline profile): government=hold power=stay_out"
has "$T/a.txt" "      power=arm -> government=hold;"
has "$T/a.txt" "      power=stay_out -> government=hold;"
# same text for 2 workers
"$U" game "$G" --runs 6 --db "$T/b.db" --workers 2 --quiet >"$T/b.txt" 2>/dev/null
cmp -s "$T/a.txt" "$T/b.txt" && ok || bad "1 and 2 workers differ: $(diff "$T/a.txt" "$T/b.txt" | head -4)"
# resume: nothing new to run, the same text, 24 runs in the store
"$U" game "$G" --runs 6 --db "$T/a.db" --workers 2 --quiet >"$T/c.txt" 2>/dev/null
cmp -s "$T/a.txt" "$T/c.txt" && ok || bad "a resumed game prints something else"
if command -v sqlite3 >/dev/null; then
    n=$(sqlite3 "$T/a.db" "SELECT count(*) FROM run")
    [ "$n" = 24 ] && ok || bad "store holds $n runs, not 24"
fi
# a report
"$U" game "$G" --runs 6 --db "$T/a.db" --report "$T/r.html" --quiet >/dev/null 2>&1
grep -q "<h2>Equilibria</h2>" "$T/r.html" 2>/dev/null && ok || bad "no HTML report"

# a sub-game (--fix): the fixed actor plays one strategy, the others are solved; its own
# experiment in the same store
"$U" game "$G" --runs 6 --db "$T/a.db" --fix government=call_in --quiet >"$T/f.txt" 2>"$T/f.err"
[ $? -eq 0 ] && ok || bad "--fix exits 0: $(cat "$T/f.err")"
has "$T/f.txt" "2 actors, 2 profiles x 6 runs"
has "$T/f.txt" "equilibrium 1 (pure): government=call_in power=stay_out"
grep -q "government=hold" "$T/f.txt" && bad "a fixed actor's other strategy was played" || ok
if command -v sqlite3 >/dev/null; then
    n=$(sqlite3 "$T/a.db" "SELECT count(*) FROM experiment WHERE settings LIKE \
        '%;actor=government,call_in|%'")
    [ "$n" = 1 ] && ok || bad "the sub-game is not its own experiment ($n)"
fi
for f in "nobody=hold" "government=sit" "government" "=hold"; do
    "$U" game "$G" --runs 2 --fix "$f" --quiet >"$T/fx.out" 2>&1
    rc=$?
    [ $rc -eq 2 ] && ok || bad "--fix $f: exit $rc, not 2"
done
"$U" game "$G" --runs 2 --fix government=sit --quiet 2>&1 |
    grep -qF "unrest game: --fix 'government=sit': actor 'government' has no strategy 'sit'" && ok ||
    bad "--fix with an unknown strategy says which"
"$U" game "$G" --runs 2 --fix nobody=hold --quiet 2>&1 | grep -qF "no actor 'nobody'" && ok ||
    bad "--fix with an unknown actor says which"

# the hour of the fall and the foreign losses are stored per run; a store made before those
# columns existed (simulated by dropping them) resumes: nothing runs again, the columns come back,
# and the game warns that the old runs lack them
if command -v sqlite3 >/dev/null; then
    n=$(sqlite3 "$T/a.db" "SELECT count(*) FROM run WHERE status='done' AND fell_at IS NULL")
    [ "$n" = 0 ] && ok || bad "$n done runs without fell_at"
    cp "$T/a.db" "$T/old.db"
    before=$(sqlite3 "$T/old.db" "SELECT count(*) FROM run")
    for c in security_dead security_injured injured fell_at civil_war_at foreign_gov_dead \
        foreign_opp_dead; do
        sqlite3 "$T/old.db" "ALTER TABLE run DROP COLUMN $c"
    done
    # export reads an old store as it is (read-only): the new columns come out empty
    "$U" export --db "$T/old.db" --out "$T/old.csv" 2>"$T/x.err" && ok ||
        bad "export of an old store: $(cat "$T/x.err")"
    head -1 "$T/old.csv" | grep -qF ",fell_at,civil_war_at," && ok || bad "export lacks fell_at"
    [ "$(sed -n 2p "$T/old.csv" | awk -F, '{print $(NF-4)}')" = "" ] && ok ||
        bad "an old run's fell_at is not empty in the export"
    "$U" game "$G" --runs 6 --db "$T/old.db" --workers 1 >"$T/o.txt" 2>"$T/o.err"
    [ $? -eq 0 ] && ok || bad "an old store does not resume: $(cat "$T/o.err")"
    grep -qF "24 of 24 runs in $T/old.db were stored by an unrest that did not keep" "$T/o.err" &&
        ok || bad "no warning about runs stored without fell_at: $(cat "$T/o.err")"
    n=$(sqlite3 "$T/old.db" "SELECT count(*) FROM pragma_table_info('run') WHERE name IN \
        ('fell_at','foreign_gov_dead','foreign_opp_dead','civil_war_at','security_dead')")
    [ "$n" = 5 ] && ok || bad "the old store did not get the new columns ($n of 5)"
    n=$(sqlite3 "$T/old.db" "SELECT count(*) FROM run")
    [ "$n" = "$before" ] && ok || bad "old store holds $n runs, not $before (runs added?)"
    cmp -s <(grep -v "^  Balch-Lindsay\|^  Chenoweth\|^  (" "$T/o.txt") \
        <(grep -v "^  Balch-Lindsay\|^  Chenoweth\|^  (" "$T/a.txt") && ok ||
        bad "an old store's game prints other equilibria: $(diff "$T/o.txt" "$T/a.txt" | head -4)"
fi

# bad game files: exit 2, file:line:column, no report
badgame() { # NAME TEXT EXPECT
    printf '%s' "$2" >"$T/$1.yaml"
    "$U" game "$T/$1.yaml" --runs 2 --report "$T/$1.html" --quiet >"$T/$1.out" 2>&1
    local rc=$?
    [ $rc -eq 2 ] && ok || bad "$1: exit $rc, not 2"
    grep -qF -- "$3" "$T/$1.out" && ok || bad "$1: message lacks '$3': $(cat "$T/$1.out")"
    [ ! -e "$T/$1.html" ] && ok || bad "$1: a report was written"
}
B="base: $HERE/scenarios/tiny.yaml"
badgame unknown-key "$B
actors:
  - {name: a, strategies: [{name: x}], payof: {}}
" "unknown-key.yaml:3:40: unknown key 'payof' in an actor"
badgame no-strategy "$B
actors:
  - {name: a, strategies: []}
" "no-strategy.yaml:3:27: actor 'a' needs at least one strategy"
badgame bad-weight "$B
actors:
  - {name: a, payoff: {survives: lots}, strategies: [{name: x}]}
" "bad-weight.yaml:3:34: a payoff weight must be a finite number, got 'lots'"
badgame bad-set "$B
actors:
  - {name: a, strategies: [{name: x, set: {revolution.hold_hours: -1}}]}
" "bad-set.yaml:3:44:"
badgame bad-order "$B
order: [a, b]
actors:
  - {name: a, strategies: [{name: x}]}
" "bad-order.yaml:2:8: 'order' must list each of the 1 actors once"
badgame bad-baseline "$B
actors:
  - {name: a, baseline: y, strategies: [{name: x}]}
" "bad-baseline.yaml:3:25: actor 'a' has no strategy 'y'"
printf 'base: %s\ndrop: [emergency]\n' "$HERE/scenarios/tiny.yaml" >"$T/dropper.yaml"
badgame bad-overlay "$B
actors:
  - {name: a, strategies: [{name: x, overlay: dropper.yaml}]}
" "must be the game's base with events added"

echo "game: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
