#!/usr/bin/env bash
# game_test.sh - `unrest game` as a user meets it, on tests/data/game/tiny-game.yaml (two actors,
# two strategies each, two towns, two days): the game is played and solved (its one pure
# equilibrium is found, found again in every resample, and is what the power's first move
# forces); the profile with foreign guards and foreign arms is a proxy war; 1 and 2 workers give
# the same text; a second call on the same database runs nothing and prints the same; bad game
# files exit 2 with file:line:column and leave no report behind.
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
