#!/usr/bin/env bash
# rank-particles.sh - a finished calibration's posterior particles ranked by the calibration's
# distance on fresh seeds: how the default file's particle is chosen (docs/SCENARIO.md,
# "Calibration"). Every distinct particle of the posterior runs SEEDS times from seed SEED0 at PPA
# people per agent (build/tests/particle_fit, the calibration's own simulator, two processes side by
# side); each run's distance from the observations is sqrt(sum ((g(out) - z) / sig)^2) over the
# targets, with g = log(1 + count) for counts, z and the variances the calibration stored, and
# sig the calibration's scale per target: the MAD of its ABC draws' outputs (stage 'abc', without
# their noise), at least sqrt(v_obs + v_md). Prints the TOP nearest by mean distance, with the share
# of runs that take Almaty's city hall and airport, Aktobe's and Taldykorgan's administrations and
# either of Mangystau's, the median national crowd of 4 January, and the share of runs in which the
# five and all ten checks of 4-5 January of scripts/predictive.py hold together (ORDER=checks: the
# nearest by all ten checks, ties by the distance). Needs the full calibration
# database (the shipped posteriors are trimmed of their runs). Which of them agree between
# resolutions is build/tests/resolution_check's to say (UNREST_RESOLUTION_SET).
# Usage: scripts/rank-particles.sh CAL.db PARAMS [PPA] [SEEDS] [SEED0] [TOP]
#   e.g. scripts/rank-particles.sh cal.db scenarios/kazakhstan-2022-params-storm.txt 1000 20 5001 12
#   SCENARIO=FILE (default: the built-in default), TARGETS=FILE (scenarios/kazakhstan-2022-targets.csv),
#   PARTICLES="1 81 97": only these particles (their cal_posterior idx)
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: scripts/rank-particles.sh CAL.db PARAMS [PPA] [SEEDS] [SEED0] [TOP]" >&2; exit 2; }
db=$1 params=$2 ppa=${3:-1000} seeds=${4:-20} seed0=${5:-5001} top=${6:-12}
scenario=${SCENARIO:-default}
targets=${TARGETS:-scenarios/kazakhstan-2022-targets.csv}
fit=${PARTICLE_FIT:-build/tests/particle_fit}
[ -f "$db" ] || { echo "rank-particles.sh: $db: no such database" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sqlite3 -separator ' ' "$db" "SELECT min(idx), theta FROM cal_posterior WHERE calibration_id =
    (SELECT max(id) FROM calibration) GROUP BY theta ORDER BY min(idx)" >"$tmp/post"
[ -s "$tmp/post" ] || { echo "rank-particles.sh: $db: no posterior" >&2; exit 2; }
if [ -n "${PARTICLES:-}" ]; then
    awk -v want="$PARTICLES" 'BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) keep[w[i]] = 1 }
        $1 in keep' "$tmp/post" >"$tmp/sel"
    mv "$tmp/sel" "$tmp/post"
    [ -s "$tmp/post" ] || { echo "rank-particles.sh: none of PARTICLES is in the posterior" >&2; exit 2; }
fi
cut -d' ' -f1 "$tmp/post" >"$tmp/ids"
cut -d' ' -f2- "$tmp/post" >"$tmp/thetas"
for part in 0 1; do
    "$fit" "$scenario" "$targets" "$params" "$ppa" "$seeds" "$seed0" "$part" 2 \
        <"$tmp/thetas" >"$tmp/out.$part" &
done
wait %1 && wait %2
PYTHONPATH=scripts ORDER=${ORDER:-distance} python3 - "$db" "$tmp/ids" "$top" "$ppa" "$seeds" "$tmp/out.0" "$tmp/out.1" <<'PY'
import collections, math, os, sqlite3, statistics, sys
from predictive import FIVE, checks
db, ids, top, ppa, seeds = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
con = sqlite3.connect(db)
cid = con.execute("SELECT max(id) FROM calibration").fetchone()[0]
T = {i: (k, z, vo + vm, n) for i, k, z, vo, vm, n in con.execute(
    "SELECT idx, kind, z, v_obs, v_md, name FROM cal_target WHERE calibration_id = ?", (cid,))}
g = lambda k, x: math.log1p(max(x, 0)) if k == "count" else x
abc = collections.defaultdict(list)
for t, v in con.execute("SELECT target, value FROM cal_output WHERE calibration_id = ? AND "
                        "stage = 'abc' AND step = 0", (cid,)):
    abc[t].append(g(T[t][0], v))
if not abc:
    sys.exit(f"rank-particles.sh: {db}: no ABC runs (a trimmed posterior? the full database is needed)")
sig = {}
for t, (k, z, v, _) in T.items():
    med = statistics.median(abc[t])
    mad = 1.4826 * statistics.median(abs(x - med) for x in abc[t])
    sig[t] = max(mad, math.sqrt(v))
pid = [int(x) for x in open(ids)]
runs = collections.defaultdict(list)
for f in sys.argv[6:]:
    for line in open(f):
        a = line.split()
        runs[pid[int(a[0]) - 1]].append([float(x) for x in a[2:]])
col = {n: i for i, (_, _, _, n) in T.items()}
def share(rs, *names):
    return statistics.mean(max(o[col[n]] for n in names) for o in rs)
rows = []
for p, rs in runs.items():
    d = statistics.mean(math.sqrt(sum(((g(T[t][0], o[t]) - T[t][1]) / sig[t]) ** 2 for t in T))
                        for o in rs)
    c = [checks(o) for o in rs]
    five = statistics.mean(all(x[k] for k in FIVE) for x in c)
    ten = statistics.mean(all(x.values()) for x in c)
    rows.append((-ten, d, p, rs, five, ten) if os.environ["ORDER"] == "checks" else
                (d, 0, p, rs, five, ten))
rows.sort(key=lambda r: r[:2])
print(f"{len(rows)} distinct particles, {seeds} runs each at 1:{ppa}; nearest {min(top, len(rows))}"
      f" by {'all ten checks' if os.environ['ORDER'] == 'checks' else 'distance'}")
print("rank particle distance  hall airport aktobe taldyk mangystau  national 4 Jan  five   ten")
for r, row in enumerate(rows[:top], 1):
    p, rs, five, ten = row[2:]
    d = row[0] if os.environ["ORDER"] != "checks" else row[1]
    print(f"{r:4d} {p:8d} {d:8.3f}  {share(rs, 'almaty-5jan-administration'):4.2f} "
          f"{share(rs, 'almaty-5jan-airport'):7.2f} {share(rs, 'aktobe-5jan-administration'):6.2f} "
          f"{share(rs, 'taldykorgan-5jan-administration'):6.2f} "
          f"{share(rs, 'zhanaozen-no-capture', 'aktau-no-capture'):9.2f}  "
          f"{statistics.median(o[col['national-4jan-participants']] for o in rs):14,.0f}  "
          f"{five:4.2f}  {ten:4.2f}")
PY
