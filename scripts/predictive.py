#!/usr/bin/env python3
"""predictive.py - the posterior predictive of a finished calibration from its own runs.

`unrest calibrate --representative R` runs every particle R times on seeds of its own (stage
'predict', step 1 of cal_run/cal_output): a posterior predictive R x particles runs large. This
prints, per target of the targets file, the median and central 90 % of the runs (counts) or the
share of runs in which the pattern held, and how often five and ten checks of 4-5 January hold in
the same run against the product of their shares (docs/SCENARIO.md, "What session 16 changed").
With a second database, its figures follow in brackets. The 3,000 NROY draws (stage 'abc', step 0)
are checked too with --draws. Needs the full calibration database (the shipped posteriors are
trimmed of their runs).

Usage: scripts/predictive.py TARGETS.csv CAL.db [OTHER.db] [--draws]
"""
import collections
import math
import sqlite3
import statistics
import sys


def runs(db, stage, step):
    out = collections.defaultdict(dict)
    q = ("SELECT point, rep, target, value FROM cal_output WHERE calibration_id = "
         "(SELECT max(id) FROM calibration) AND stage = ? AND step = ?")
    for pt, rp, t, v in sqlite3.connect(db).execute(q, (stage, step)):
        out[(pt, rp)][t] = v
    return list(out.values())


def checks(o):
    """The checks of docs/SCENARIO.md (factor-of-two bands for counts; target rows by index)."""
    return {"city hall on the 5th": o[10] == 1, "airport": o[12] == 1, "residence": o[11] == 1,
            "police withdraw on the 5th": o[9] == 1,
            "national 4 Jan within x2": 36831 / 2 <= o[4] <= 2 * 100000,
            "Almaty 4 Jan within x2": 2500 <= o[6] <= 100000,
            "security dead within x2": 4 <= o[18] <= 40,
            "security injured within x2": 150 <= o[19] <= 2000,
            "Mangystau untaken": o[20] == 0 and o[21] == 0,
            "two of Aktobe, Taldykorgan, Shymkent": (o[13] == 1) + (o[14] == 1) + (o[15] == 1) >= 2}


FIVE = ["city hall on the 5th", "airport", "national 4 Jan within x2", "security dead within x2",
        "Mangystau untaken"]


def joint(rows):
    c = [checks(o) for o in rows]
    n = len(c)
    share = {k: sum(r[k] for r in c) / n for k in c[0]}
    five = sum(all(r[k] for k in FIVE) for r in c)
    ten = sum(all(r.values()) for r in c)
    expect = n * math.prod(share[k] for k in FIVE)
    return f"{n} runs: five checks together {five} (independent: {expect:.1f}), all ten {ten}"


def main(argv):
    draws = "--draws" in argv
    args = [a for a in argv if a != "--draws"]
    if len(args) < 2:
        sys.exit(__doc__)
    rows = [l for l in open(args[0], encoding="utf-8") if not l.startswith("#")][1:]
    targets = [(r.split(",")[0], r.split(",")[5]) for r in rows if r.strip()]
    sets = [[o for o in runs(db, "predict", 1) if len(o) >= len(targets)] for db in args[1:]]
    if not sets[0]:
        sys.exit(f"{args[1]}: no representative runs (stage predict, step 1) to read")

    def cell(rs, j, kind):
        v = [o[j] for o in rs]
        if kind == "pattern":
            return f"{100 * sum(x == 1 for x in v) / len(v):.1f} %"
        v.sort()
        q = lambda p: v[min(len(v) - 1, int(p * len(v)))]
        return f"{statistics.median(v):,.0f} [{q(0.05):,.0f}-{q(0.95):,.0f}]"

    for j, (name, kind) in enumerate(targets):
        cells = [cell(rs, j, kind) for rs in sets]
        print(f"{name:34s} {cells[0]}" + "".join(f"  ({c})" for c in cells[1:]))
    for db, rs in zip(args[1:], sets):
        print(f"{db}: {joint(rs)}")
        if draws:
            print(f"{db}, NROY draws: {joint([o for o in runs(db, 'abc', 0) if len(o) >= len(targets)])}")


if __name__ == "__main__":
    main(sys.argv[1:])
